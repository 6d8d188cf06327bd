import CCodecs
import Foundation
import Testing
@testable import Tabular

/// Thrift's compact protocol: what the writer writes, the reader reads;
/// damaged bytes are errors, never a crash or an allocation they ask for.
struct ThriftTests {
    @Test func aStructRoundTrips() throws {
        var writer = ThriftWriter()
        writer.structure { writer in
            writer.field(1, i32: -7)
            writer.field(2, i64: Int64.min)
            writer.field(3, bool: true)
            writer.field(4, bool: false)
            writer.field(5, string: "héllo")
            writer.field(40, i64: 12345678901)  // a jump past 15: the long field header
            writer.field(41, list: .i32, count: 20) { writer in for value in 0..<20 { writer.zigzag(Int64(value - 10)) } }
            writer.field(42, structure: { $0.field(1, string: "inner") })
        }
        var found: [String] = []
        try writer.bytes.withUnsafeBytes { bytes in
            var reader = ThriftReader(bytes)
            try reader.structure { reader, id, type in
                switch id {
                case 1: found.append("1=\(try reader.i32())")
                case 2: found.append("2=\(try reader.i64())")
                case 3, 4: found.append("\(id)=\(try reader.bool(type))")
                case 5: found.append("5=\(try reader.string())")
                case 40: found.append("40=\(try reader.i64())")
                case 41: found.append("41=\(try reader.list { reader, _ in try reader.i32() })")
                case 42:
                    try reader.structure { reader, id, _ in
                        found.append("42.\(id)=\(try reader.string())")
                        return true
                    }
                default: return false
                }
                return true
            }
            #expect(reader.position == bytes.count)
        }
        #expect(found == ["1=-7", "2=\(Int64.min)", "3=true", "4=false", "5=héllo", "40=12345678901",
                          "41=\(Array(-10..<10))", "42.1=inner"])
    }

    @Test func unknownFieldsAreSkipped() throws {
        var writer = ThriftWriter()
        writer.structure { writer in
            writer.field(1, list: .structure, count: 2) { writer in
                writer.structure { $0.field(1, string: "a") }
                writer.structure { $0.field(3, i64: 9) }
            }
            writer.field(2, binary: [1, 2, 3])
            writer.field(7, i32: 70)
        }
        var seven: Int32?
        try writer.bytes.withUnsafeBytes { bytes in
            var reader = ThriftReader(bytes)
            try reader.structure { reader, id, _ in
                guard id == 7 else { return false }
                seven = try reader.i32()
                return true
            }
        }
        #expect(seven == 70)
    }

    @Test func damagedBytesAreErrors() {
        // A list claiming a billion elements in five bytes, a string past the end, nesting 100 deep, truncation.
        let cases: [[UInt8]] = [
            [0x19, 0xF5, 0xFF, 0xFF, 0xFF, 0x03],
            [0x18, 0xFF, 0x01, 0x41],
            Array(repeating: 0x1C, count: 100),
            [0x15],
            [0x1D],  // an unknown type
        ]
        for bytes in cases {
            #expect(throws: ThriftError.self) {
                try bytes.withUnsafeBytes { bytes in
                    var reader = ThriftReader(bytes)
                    try reader.structure { _, _, _ in false }
                }
            }
        }
    }
}

/// The encodings, against values worked out by hand from the format's spec.
struct EncodingTests {
    @Test func rleHybridReadsRunsAndBitPackedGroups() throws {
        // A run of 5 threes (header 5<<1, one byte value), then one bit-packed group of 8 values 0..7 at width 3.
        var bytes: [UInt8] = [0x0A, 0x03, 0x03]
        bytes += [0x88, 0xC6, 0xFA]  // 0,1,2,3,4,5,6,7 packed 3 bits each, least significant first
        var decoder = try bytes.withUnsafeBytes { try RLEHybridDecoder(UnsafeRawBufferPointer($0), width: 3) }
        let values = try bytes.withUnsafeBytes { _ in try (0..<13).map { _ in try decoder.next() } }
        #expect(values == [3, 3, 3, 3, 3, 0, 1, 2, 3, 4, 5, 6, 7])
        #expect(throws: ParquetDecodeError.self) { try decoder.next() }
        #expect(throws: ParquetDecodeError.self) { try [UInt8]().withUnsafeBytes { try RLEHybridDecoder($0, width: 33) } }
    }

    @Test func deltaBinaryPackedDecodesTheSpecsExample() throws {
        // 1, 2, 3, 4, 5: block 128, 4 miniblocks, 5 values, first 1; min delta 1, widths 0: every delta is the minimum.
        var bytes: [UInt8] = [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00]
        var values = try bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            return try decodeDeltaBinaryPacked(&cursor, limit: 100)
        }
        #expect(values == [1, 2, 3, 4, 5])
        // 7, 5, 3, 1, 2, 3, 4, 5: deltas -2 -2 -2 1 1 1 1, min -2, so 0 0 0 3 3 3 3 at width 2.
        bytes = [0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 0x02, 0x00, 0x00, 0x00]
        bytes += [0xC0, 0xFF] + [UInt8](repeating: 0, count: 6)  // 32 values of 2 bits: 0,0,0,3,3,3,3,0...
        values = try bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            return try decodeDeltaBinaryPacked(&cursor, limit: 100)
        }
        #expect(values == [7, 5, 3, 1, 2, 3, 4, 5])
        // More values than the page may hold is damage.
        #expect(throws: ParquetDecodeError.self) {
            try bytes.withUnsafeBytes { raw in
                var cursor = ByteCursor(raw)
                return try decodeDeltaBinaryPacked(&cursor, limit: 3)
            }
        }
    }

    @Test func byteStreamSplitInterleavesBytes() throws {
        let values: [Float] = [1.5, -2.25, 1e10]
        var plain: [UInt8] = []
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { plain += $0 } }
        var split = [UInt8](repeating: 0, count: plain.count)
        for index in 0..<3 { for byte in 0..<4 { split[byte * 3 + index] = plain[index * 4 + byte] } }
        var decoded: [UInt8] = []
        try split.withUnsafeBytes { try decodeByteStreamSplit($0, width: 4, count: 3) { decoded += $0 } }
        #expect(decoded == plain)
    }

    @Test func deltaByteArrayRebuildsFromPrefixes() throws {
        // "apple", "applesauce", "apricot": prefixes 0, 5, 2; suffixes "apple", "sauce", "ricot".
        func deltaPacked(_ values: [Int64]) -> [UInt8] {
            var writer = ThriftWriter()
            writer.varint(128); writer.varint(1); writer.varint(UInt64(values.count)); writer.zigzag(values[0])
            let deltas = zip(values.dropFirst(), values).map { $0 - $1 }
            let minimum = deltas.min() ?? 0
            writer.zigzag(minimum)
            var bytes = writer.bytes + [8]
            var packed = [UInt8](repeating: 0, count: 128)
            for (index, delta) in deltas.enumerated() { packed[index] = UInt8(delta - minimum) }
            bytes += packed
            return bytes
        }
        let bytes = deltaPacked([0, 5, 2]) + deltaPacked([5, 5, 5]) + Array("applesauce".utf8) + Array("ricot".utf8)
        var arrays = ByteArrays()
        try bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            try decodeDeltaByteArray(&cursor, limit: 10, into: &arrays)
        }
        #expect((0..<arrays.count).map { String(decoding: arrays.data[arrays.range($0)], as: UTF8.self) } == ["apple", "applesauce", "apricot"])
    }
}

/// Each codec decompresses what its library compressed, and refuses damage.
struct CodecTests {
    static let text = Array((0..<4000).map { "line \($0 % 97) of a test, with some repetition\n" }.joined().utf8)

    static func compressed(_ codec: Codec) -> [UInt8] {
        let input = text
        switch codec {
        case .snappy:
            var length = snappy_max_compressed_length(input.count)
            var output = [UInt8](repeating: 0, count: length)
            _ = input.withUnsafeBytes { inBytes in output.withUnsafeMutableBytes { out in
                snappy_compress(inBytes.baseAddress!.assumingMemoryBound(to: CChar.self), input.count, out.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            } }
            return Array(output.prefix(length))
        case .gzip:
            var stream = z_stream()
            deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            var output = [UInt8](repeating: 0, count: input.count + 1024)
            var inputCopy = input
            let written = inputCopy.withUnsafeMutableBufferPointer { inBuffer in output.withUnsafeMutableBufferPointer { out in
                stream.next_in = inBuffer.baseAddress; stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = out.baseAddress; stream.avail_out = UInt32(out.count)
                deflate(&stream, Z_FINISH)
                return out.count - Int(stream.avail_out)
            } }
            deflateEnd(&stream)
            return Array(output.prefix(written))
        case .brotli:
            var length = BrotliEncoderMaxCompressedSize(input.count)
            var output = [UInt8](repeating: 0, count: length)
            _ = input.withUnsafeBufferPointer { inBuffer in output.withUnsafeMutableBufferPointer { out in
                BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, input.count, inBuffer.baseAddress, &length, out.baseAddress)
            } }
            return Array(output.prefix(length))
        case .lz4Raw, .lz4:
            var output = [UInt8](repeating: 0, count: Int(LZ4_compressBound(Int32(input.count))))
            let written = input.withUnsafeBytes { inBytes in output.withUnsafeMutableBytes { out in
                LZ4_compress_default(inBytes.baseAddress!.assumingMemoryBound(to: CChar.self), out.baseAddress!.assumingMemoryBound(to: CChar.self),
                                     Int32(input.count), Int32(out.count))
            } }
            let block = Array(output.prefix(Int(written)))
            guard codec == .lz4 else { return block }
            func bigEndian(_ value: Int) -> [UInt8] { [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
            return bigEndian(input.count) + bigEndian(block.count) + block
        case .zstd:
            return input.withUnsafeBytes { Codec.zstdCompress($0) }
        case .uncompressed:
            return input
        case .lzo:
            return []
        }
    }

    @Test(arguments: [Codec.uncompressed, .snappy, .gzip, .brotli, .lz4, .lz4Raw, .zstd])
    func decompressesWhatItsLibraryCompressed(codec: Codec) throws {
        let bytes = CodecTests.compressed(codec)
        #expect(bytes.count < CodecTests.text.count || codec == .uncompressed)
        let back = try bytes.withUnsafeBytes { try codec.decompress($0, size: CodecTests.text.count) }
        #expect(back == CodecTests.text)
        // A wrong size, truncation and damage are errors.
        #expect(throws: CodecError.self) { try bytes.withUnsafeBytes { try codec.decompress($0, size: CodecTests.text.count + 1) } }
        guard codec != .uncompressed else { return }
        let truncated = Array(bytes.prefix(bytes.count / 2))
        #expect(throws: CodecError.self) { try truncated.withUnsafeBytes { try codec.decompress($0, size: CodecTests.text.count) } }
    }

    @Test func streamsDecompressAcrossPiecesOfAnySize() throws {
        for codec in [TextCodec.gzip, .zstd] {
            let whole = codec == .gzip ? CodecTests.compressed(.gzip) : CodecTests.compressed(.zstd)
            for pieceSize in [1, 7, 4096, whole.count] {
                var offset = 0
                let chunks: ByteChunks = {
                    guard offset < whole.count else { return nil }
                    defer { offset += pieceSize }
                    return Array(whole[offset..<min(whole.count, offset + pieceSize)])
                }
                let stream = codec.decompressing(chunks, pieceSize: 1000)
                var out: [UInt8] = []
                while let piece = try stream() {
                    #expect(piece.count <= 1000)
                    out += piece
                }
                #expect(out == CodecTests.text, "\(codec) in pieces of \(pieceSize)")
            }
        }
    }
}

/// What `ParquetWriter` writes, `ParquetFile` reads, statistics included.
struct ParquetRoundTripTests {
    @Test func writtenRowsReadBack() throws {
        var bytes: [UInt8] = []
        let writer = try ParquetWriter(columns: ["time", "n", "x", "label", "raw"]) { bytes += $0 }
        let rows = 40_000
        for index in 0..<rows {
            var time = String(format: "2026-01-%02dT%02d:00:00Z", 1 + index / 24 % 28, index % 24)
            time.withUTF8 { writer.append(index % 9 == 0 ? .null : .text($0)) }
            writer.append(index % 5 == 0 ? .null : .integer(Int64(index) - 20_000))
            writer.append(index % 3 == 0 ? .integer(Int64(index)) : .real(Double(index) / 8))
            var label = "label \(index % 100)"
            label.withUTF8 { writer.append(.text($0)) }
            let raw: [UInt8] = [UInt8(index & 0xFF), 0]
            raw.withUnsafeBufferPointer { writer.append(.blob($0)) }
            try writer.endRow()
        }
        try writer.finish()
        let reader = try TableReader(parquet: BytesInMemory(bytes))
        let schema = try reader.inferSchema()
        #expect(schema.columns == ["time", "n", "x", "label", "raw"])
        #expect(schema.types == [.text, .integer, .real, .text, .blob])
        var count = 0
        while try reader.next() {
            let index = count
            reader.withCell(0) { cell in
                if index % 9 == 0 { #expect(cell == nil) } else if case .text(let text) = cell {
                    #expect(String(decoding: text, as: UTF8.self) == String(format: "2026-01-%02dT%02d:00:00.000000Z", 1 + index / 24 % 28, index % 24))
                } else { Issue.record("time \(index)") }
            }
            reader.withCell(1) { cell in
                if case .integer(let value) = cell { #expect(value == Int64(index) - 20_000) } else { #expect(index % 5 == 0) }
            }
            reader.withCell(2) { cell in
                if case .real(let value) = cell { #expect(value == (index % 3 == 0 ? Double(index) : Double(index) / 8)) } else { Issue.record("x \(index)") }
            }
            reader.withCell(4) { cell in
                if case .blob(let raw) = cell { #expect(Array(raw) == [UInt8(index & 0xFF), 0]) } else { Issue.record("raw \(index)") }
            }
            count += 1
        }
        #expect(count == rows)
        // The statistics give each row group's range, which is what skipping reads.
        let file = try ParquetFile(BytesInMemory(bytes))
        #expect(file.rowGroupCount == 1)
        #expect(file.range(ofColumn: 1, inGroup: 0)?.min == .integer(-19_999))
        #expect(file.range(ofColumn: 1, inGroup: 0)?.max == .integer(19_999))
        #expect(file.range(ofColumn: 3, inGroup: 0)?.max == .text(Array("label 99".utf8)))
    }

    @Test func iso8601TextsParse() {
        func parse(_ text: String) -> Int64? {
            var text = text
            return text.withUTF8 { ISO8601Micros.parse($0) }
        }
        #expect(parse("1970-01-01") == 0)
        #expect(parse("1970-01-01T00:00:01Z") == 1_000_000)
        #expect(parse("1970-01-01 00:00:00.5") == 500_000)
        #expect(parse("1970-01-01T01:00:00+01:00") == 0)
        #expect(parse("1969-12-31T23:59:59.999999Z") == -1)
        #expect(parse("2026-11-30T10:00:00.123456789Z") == 1_796_032_800_123_456)
        #expect(parse("2026-13-01") == nil)
        #expect(parse("yesterday") == nil)
        #expect(parse("2026-01-01T10:00Zjunk") == nil)
    }
}

extension Cell {
    /// For tests: `cell == nil` says it is NULL.
    static func == (cell: Cell, _: Cell?) -> Bool { if case .null = cell { return true } else { return false } }
}

/// Files made by hand, byte by byte, for what writers rarely do.
struct HandMadeParquetTests {
    /// One optional INT64 column, one row group of two rows, its chunk's
    /// pages as given (UNCOMPRESSED): the file's bytes.
    static func file(pages: [(values: Int32, body: [UInt8])], rows: Int64) -> [UInt8] {
        var bytes = Array("PAR1".utf8)
        var chunk: [UInt8] = []
        for page in pages {
            var header = ThriftWriter()
            header.structure { writer in
                writer.field(1, i32: PageType.data.rawValue)
                writer.field(2, i32: Int32(page.body.count))
                writer.field(3, i32: Int32(page.body.count))
                writer.field(5, structure: { writer in
                    writer.field(1, i32: page.values)
                    writer.field(2, i32: ParquetEncoding.plain.rawValue)
                    writer.field(3, i32: ParquetEncoding.rle.rawValue)
                    writer.field(4, i32: ParquetEncoding.rle.rawValue)
                })
            }
            chunk += header.bytes + page.body
        }
        bytes += chunk
        var footer = ThriftWriter()
        footer.structure { writer in
            writer.field(1, i32: 1)
            writer.field(2, list: .structure, count: 2) { writer in
                writer.structure { writer in
                    writer.field(4, string: "schema")
                    writer.field(5, i32: 1)
                }
                writer.structure { writer in
                    writer.field(1, i32: ParquetType.int64.rawValue)
                    writer.field(3, i32: ParquetRepetition.optional.rawValue)
                    writer.field(4, string: "n")
                }
            }
            writer.field(3, i64: rows)
            writer.field(4, list: .structure, count: 1) { writer in
                writer.structure { writer in
                    writer.field(1, list: .structure, count: 1) { writer in
                        writer.structure { writer in
                            writer.field(2, i64: 4)
                            writer.field(3, structure: { writer in
                                writer.field(1, i32: ParquetType.int64.rawValue)
                                writer.field(3, list: .binary, count: 1) { writer in
                                    writer.varint(1)
                                    writer.appendRaw(Array("n".utf8))
                                }
                                writer.field(4, i32: Codec.uncompressed.rawValue)
                                writer.field(5, i64: Int64(pages.reduce(0) { $0 + Int($1.values) }))
                                writer.field(7, i64: Int64(chunk.count))
                                writer.field(9, i64: 4)
                            })
                        }
                    }
                    writer.field(3, i64: rows)
                }
            }
        }
        bytes += footer.bytes
        let length = UInt32(footer.bytes.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)] + Array("PAR1".utf8)
        return bytes
    }

    static func rows(_ bytes: [UInt8]) throws -> [Int64?] {
        let reader = try TableReader(parquet: BytesInMemory(bytes))
        var values: [Int64?] = []
        while try reader.next() {
            values.append(reader.withCell(0) { cell in if case .integer(let value) = cell { value } else { nil } })
        }
        return values
    }

    /// Definition levels (a length, then one RLE run of `count` ones) and `values` as PLAIN INT64.
    static func body(_ values: [Int64]) -> [UInt8] {
        var bytes: [UInt8] = [2, 0, 0, 0, UInt8(values.count << 1), 1]
        for value in values { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        return bytes
    }

    @Test func aPageOfNoValuesIsSteppedOver() throws {
        let empty: [UInt8] = [0, 0, 0, 0]
        #expect(try HandMadeParquetTests.rows(HandMadeParquetTests.file(pages: [(0, empty), (2, HandMadeParquetTests.body([5, 7]))], rows: 2)) == [5, 7])
        #expect(try HandMadeParquetTests.rows(HandMadeParquetTests.file(pages: [(1, HandMadeParquetTests.body([5])), (0, empty), (1, HandMadeParquetTests.body([7]))], rows: 2)) == [5, 7])
    }

    @Test func pagesThatEndBeforeTheRowsAreAnError() throws {
        // The row group says 3 rows, its pages hold 2: the footer's count is checked against the chunk's.
        #expect(throws: TableDataError.self) {
            try HandMadeParquetTests.rows(HandMadeParquetTests.file(pages: [(2, HandMadeParquetTests.body([5, 7]))], rows: 3))
        }
    }
}
