import CCodecs

/// The compression codecs of Parquet pages (the format's `CompressionCodec`)
/// and of compressed text tables, through Debian's libraries.
public enum Codec: Int32, Sendable, CaseIterable {
    case uncompressed = 0
    case snappy = 1
    case gzip = 2
    case lzo = 3
    case brotli = 4
    /// Hadoop's framed LZ4 (deprecated by the format; old writers).
    case lz4 = 5
    case zstd = 6
    case lz4Raw = 7

    public var name: String {
        switch self {
        case .uncompressed: "UNCOMPRESSED"
        case .snappy: "SNAPPY"
        case .gzip: "GZIP"
        case .lzo: "LZO"
        case .brotli: "BROTLI"
        case .lz4: "LZ4"
        case .zstd: "ZSTD"
        case .lz4Raw: "LZ4_RAW"
        }
    }

    /// `input` decompressed; it must come out exactly `size` bytes.
    /// - Throws: `CodecError` for bytes the codec refuses or a wrong size.
    public func decompress(_ input: UnsafeRawBufferPointer, size: Int) throws -> [UInt8] {
        if self == .uncompressed {
            guard input.count == size else { throw CodecError("the page holds \(input.count) bytes, its header says \(size)") }
            return Array(input)
        }
        guard size >= 0, size <= Codec.largestPage else { throw CodecError("an uncompressed size of \(size) bytes is out of range") }
        var output = [UInt8](repeating: 0, count: size)
        let produced: Int = try output.withUnsafeMutableBytes { out in
            guard let source = input.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                  let target = out.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 1) else { return 0 }
            switch self {
            case .uncompressed:
                return 0
            case .snappy:
                var length = 0
                guard snappy_uncompressed_length(source.assumingMemoryBound(to: CChar.self), input.count, &length) == SNAPPY_OK,
                      length == size else { throw CodecError("SNAPPY: the data is corrupt or not \(size) bytes") }
                var written = size
                guard snappy_uncompress(source.assumingMemoryBound(to: CChar.self), input.count,
                                        target.assumingMemoryBound(to: CChar.self), &written) == SNAPPY_OK
                else { throw CodecError("SNAPPY: the data is corrupt") }
                return written
            case .gzip:
                return try Inflater.inflateWhole(source, input.count, into: target, size)
            case .brotli:
                var written = size
                guard BrotliDecoderDecompress(input.count, source.assumingMemoryBound(to: UInt8.self), &written,
                                              target.assumingMemoryBound(to: UInt8.self)) == BROTLI_DECODER_RESULT_SUCCESS
                else { throw CodecError("BROTLI: the data is corrupt") }
                return written
            case .zstd:
                let written = ZSTD_decompress(target, size, source, input.count)
                if ZSTD_isError(written) != 0 { throw CodecError("ZSTD: \(String(cString: ZSTD_getErrorName(written)))") }
                return written
            case .lz4Raw:
                return try Codec.lz4Block(source, input.count, into: target, size)
            case .lz4:
                // Hadoop's frames: big-endian uncompressed and compressed sizes, then an LZ4 block; or a bare block.
                var at = 0, written = 0
                let bytes = input.bindMemory(to: UInt8.self)
                func bigEndian(_ offset: Int) -> Int {
                    (0..<4).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
                }
                while at + 8 <= input.count {
                    let outLength = bigEndian(at), inLength = bigEndian(at + 4)
                    guard inLength <= input.count - at - 8, outLength <= size - written else {
                        return at == 0 ? try Codec.lz4Block(source, input.count, into: target, size) : -1
                    }
                    written += try Codec.lz4Block(source + at + 8, inLength, into: target + written, outLength)
                    at += 8 + inLength
                }
                return at == input.count ? written : -1
            case .lzo:
                throw CodecError("the LZO codec is not supported")
            }
        }
        guard produced == size else { throw CodecError("\(name): the data decompresses to \(produced) bytes, not the \(size) its header says") }
        return output
    }

    private static func lz4Block(_ source: UnsafeRawPointer, _ count: Int, into target: UnsafeMutableRawPointer, _ size: Int) throws -> Int {
        guard count <= Int32.max, size <= Int32.max else { throw CodecError("LZ4: a block is too large") }
        let written = LZ4_decompress_safe(source.assumingMemoryBound(to: CChar.self), target.assumingMemoryBound(to: CChar.self),
                                          Int32(count), Int32(size))
        guard written >= 0 else { throw CodecError("LZ4: the data is corrupt") }
        return Int(written)
    }

    /// `input` compressed with ZSTD (the codec Pond writes Parquet pages with).
    public static func zstdCompress(_ input: UnsafeRawBufferPointer, level: Int32 = 3) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_compress(out.baseAddress, bound, input.baseAddress, input.count, level)
        }
        precondition(ZSTD_isError(written) == 0, "ZSTD_compress failed with a bound-sized buffer")
        output.removeLast(bound - written)
        return output
    }

    /// Whether `input` begins as a ZSTD frame does (its magic number).
    public static func isZstdFrame(_ input: UnsafeRawBufferPointer) -> Bool {
        input.count >= 4 && input[0] == 0x28 && input[1] == 0xB5 && input[2] == 0x2F && input[3] == 0xFD
    }

    /// A whole ZSTD frame `zstdCompress` made, decompressed (its size is in its header).
    /// - Throws: `CodecError` for a frame that is damaged or names no size.
    public static func zstdDecompressFrame(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        let size = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        guard size <= UInt64(largestPage) else { throw CodecError("ZSTD: the frame names no size, or one out of range") }
        return try Codec.zstd.decompress(input, size: Int(size))
    }

    /// No page of a Parquet file Pond reads decompresses to more than this (1 GiB).
    public static let largestPage = 1 << 30
}

/// What a codec refused in the bytes it was given.
public struct CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// zlib's inflate for gzip (and zlib) streams, whole or as they come.
final class Inflater {
    private var stream = z_stream()

    init() throws {
        // 15 + 32: a window of 32 KiB, the header gzip's or zlib's, told by its first bytes.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CodecError("GZIP: zlib cannot start")
        }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates one or more gzip members of `count` bytes at `source` into `size` bytes at `target`.
    static func inflateWhole(_ source: UnsafeRawPointer, _ count: Int, into target: UnsafeMutableRawPointer, _ size: Int) throws -> Int {
        let inflater = try Inflater()
        var written = 0, read = 0
        while read < count {
            let (used, produced, ended) = try inflater.inflate(UnsafeRawBufferPointer(start: source + read, count: count - read),
                                                               into: UnsafeMutableRawBufferPointer(start: target + written, count: size - written))
            read += used
            written += produced
            guard ended else { break }
            inflater.reset()
        }
        return written
    }

    func reset() { inflateReset(&stream) }

    /// Inflates from `input` into `output`: the bytes used and made, and
    /// whether the gzip member ended.
    func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> (used: Int, produced: Int, ended: Bool) {
        guard let inBase = input.baseAddress, let outBase = output.baseAddress, !input.isEmpty, !output.isEmpty else { return (0, 0, false) }
        stream.next_in = UnsafeMutablePointer(mutating: inBase.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(min(input.count, Int(UInt32.max)))
        stream.next_out = outBase.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = UInt32(min(output.count, Int(UInt32.max)))
        let inCount = Int(stream.avail_in), outCount = Int(stream.avail_out)
        let code = CCodecs.inflate(&stream, Z_NO_FLUSH)
        let used = inCount - Int(stream.avail_in), produced = outCount - Int(stream.avail_out)
        switch code {
        case Z_STREAM_END: return (used, produced, true)
        case Z_OK, Z_BUF_ERROR: return (used, produced, false)
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "code \(code)"
            throw CodecError("GZIP: the data is corrupt (\(message))")
        }
    }
}
