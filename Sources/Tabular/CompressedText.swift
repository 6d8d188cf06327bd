import CCodecs

/// The compression of a text table, told by its name's last extension
/// (`.csv.gz`, `.jsonl.zst`): its bytes are read through the codec as they stream.
public enum TextCodec: String, Sendable, CaseIterable {
    case gzip = "gz"
    case zstd = "zst"

    /// The codec `name` ends in, nil for a name with none.
    public init?(fileName name: String) {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        self.init(rawValue: name[name.index(after: dot)...].lowercased())
    }

    /// The pieces of `chunks` decompressed, each at most `pieceSize` bytes
    /// and never more than one input piece's worth kept at once.
    /// - Throws: (from the pieces) `CodecError` for a corrupt or truncated stream.
    public func decompressing(_ chunks: @escaping ByteChunks, pieceSize: Int = 1 << 18) -> ByteChunks {
        switch self {
        case .gzip: return GzipStream(chunks, pieceSize: pieceSize).next
        case .zstd: return ZstdStream(chunks, pieceSize: pieceSize).next
        }
    }
}

/// A gzip stream of one or more members, inflated a piece at a time.
private final class GzipStream {
    private let chunks: ByteChunks
    private let pieceSize: Int
    private var input: [UInt8] = []
    private var position = 0
    private var inflater: Inflater?
    /// Whether the current member ended (or none began): the input may end here.
    private var atMemberEnd = true
    private var finished = false

    init(_ chunks: @escaping ByteChunks, pieceSize: Int) {
        self.chunks = chunks
        self.pieceSize = pieceSize
    }

    func next() throws -> [UInt8]? {
        while !finished {
            if position == input.count {
                guard let more = try chunks() else {
                    finished = true
                    guard atMemberEnd else { throw CodecError("GZIP: the stream ends before its end (truncated)") }
                    return nil
                }
                input = more
                position = 0
                continue
            }
            if inflater == nil { inflater = try Inflater() } else if atMemberEnd { inflater!.reset() }
            atMemberEnd = false
            var output = [UInt8](repeating: 0, count: pieceSize)
            let (used, produced, ended) = try input.withUnsafeBytes { bytes in
                try output.withUnsafeMutableBytes { out in
                    try inflater!.inflate(UnsafeRawBufferPointer(rebasing: bytes[position...]), into: out)
                }
            }
            position += used
            atMemberEnd = ended
            if produced > 0 {
                output.removeLast(pieceSize - produced)
                return output
            }
            if used == 0, !ended { throw CodecError("GZIP: the stream makes no progress (corrupt)") }
        }
        return nil
    }
}

/// A zstd stream of one or more frames, decompressed a piece at a time.
private final class ZstdStream {
    private let chunks: ByteChunks
    private let pieceSize: Int
    private var input: [UInt8] = []
    private var position = 0
    private let context: OpaquePointer
    /// ZSTD_decompressStream's hint: 0 when a frame is complete.
    private var pending = 0
    private var inputEnded = false

    init(_ chunks: @escaping ByteChunks, pieceSize: Int) {
        self.chunks = chunks
        self.pieceSize = pieceSize
        context = ZSTD_createDStream()
        ZSTD_initDStream(context)
    }

    deinit { ZSTD_freeDStream(context) }

    func next() throws -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: pieceSize)
        while true {
            if position == input.count, !inputEnded {
                if let more = try chunks() {
                    input = more
                    position = 0
                    continue
                }
                inputEnded = true
            }
            // At the input's end, bytes still held in the decoder come out before the end is judged
            // (a call after a frame's end would begin another and ask for its header).
            if inputEnded, pending == 0 { return nil }
            let produced = try step(&output)
            if produced > 0 {
                output.removeLast(pieceSize - produced)
                return output
            }
            if inputEnded {
                guard pending == 0 else { throw CodecError("ZSTD: the stream ends before its end (truncated)") }
                return nil
            }
        }
    }

    private func step(_ output: inout [UInt8]) throws -> Int {
        try input.withUnsafeBytes { bytes in
            try output.withUnsafeMutableBytes { out in
                var inBuffer = ZSTD_inBuffer(src: bytes.baseAddress.map { $0 + position }, size: bytes.count - position, pos: 0)
                var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                let hint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                if ZSTD_isError(hint) != 0 { throw CodecError("ZSTD: \(String(cString: ZSTD_getErrorName(hint)))") }
                position += inBuffer.pos
                pending = hint
                return outBuffer.pos
            }
        }
    }
}
