import Foundation

/// Writes rows as a Parquet file, streaming: rows are kept until a row group
/// is full (`rowGroupRows` rows or `rowGroupBytes` bytes), then its column
/// chunks are written out (PLAIN values, RLE definition levels, ZSTD pages of
/// at most `pageRows` values, min/max statistics) and the memory reused;
/// the footer goes last. DESIGN.md "Parquet and compressed files": INTEGER
/// is INT64, REAL DOUBLE, TEXT STRING, BLOB BYTE_ARRAY; a column named as a
/// time column whose texts are ISO-8601 is TIMESTAMP(us, UTC). A column's
/// type is decided by its values in the first row group (a column of
/// integers and reals is DOUBLE; of numbers and texts, STRING).
public final class ParquetWriter {
    public static let rowGroupRows = 1 << 17
    public static let rowGroupBytes = 32 << 20
    static let pageRows = 1 << 14

    /// The names a time column goes by (DESIGN.md "Time series").
    public static let timeColumnNames: Set<String> = ["time", "timestamp", "_time", "datetime", "ts", "date_time"]

    private enum Physical { case int64, double, string, blob, timestamp }

    private let names: [String]
    private let output: (UnsafeRawBufferPointer) throws -> Void
    private var offset: Int64 = 0
    private var types: [Physical]?
    private var rowGroups: [RowGroupMeta] = []
    /// Each chunk's compressed size and offset, for the footer, per row group.
    private var chunkOffsets: [[Int64]] = []
    private var totalRows: Int64 = 0

    // The current row group, column by column: each value's kind and bits, texts in `bytes`.
    private var kinds: [[UInt8]]
    private var bits: [[UInt64]]
    private var texts: [ByteArrays]
    private var rows = 0
    private var bufferedBytes = 0
    private var column = 0

    private static let kindNull: UInt8 = 0, kindInteger: UInt8 = 1, kindReal: UInt8 = 2, kindText: UInt8 = 3, kindBlob: UInt8 = 4

    /// `columns`: the result's column names, unique. `output` receives the file's bytes in order.
    public init(columns: [String], output: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        names = columns
        self.output = output
        kinds = Array(repeating: [], count: columns.count)
        bits = Array(repeating: [], count: columns.count)
        texts = Array(repeating: ByteArrays(), count: columns.count)
        try emit(Array("PAR1".utf8))
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try output($0) }
        offset += Int64(bytes.count)
    }

    /// The next cell of the current row (cells come in column order).
    public func append(_ cell: Cell) {
        switch cell {
        case .null:
            kinds[column].append(Self.kindNull)
            bits[column].append(0)
        case .integer(let value):
            kinds[column].append(Self.kindInteger)
            bits[column].append(UInt64(bitPattern: value))
        case .real(let value):
            kinds[column].append(value.isNaN ? Self.kindNull : Self.kindReal)
            bits[column].append(value.bitPattern)
        case .text(let bytes), .blob(let bytes):
            if case .blob = cell { kinds[column].append(Self.kindBlob) } else { kinds[column].append(Self.kindText) }
            bits[column].append(UInt64(texts[column].count))
            texts[column].append(UnsafeRawBufferPointer(bytes))
            bufferedBytes += bytes.count
        }
        bufferedBytes += 9
        column += 1
    }

    /// Ends the current row; a full row group is written out.
    /// - Throws: a value that does not fit its column's type (`ParquetError`), or what `output` throws.
    public func endRow() throws {
        precondition(column == names.count, "a row of \(column) cells for \(names.count) columns")
        column = 0
        rows += 1
        if rows >= ParquetWriter.rowGroupRows || bufferedBytes >= ParquetWriter.rowGroupBytes { try flush() }
    }

    /// Writes the last row group and the footer.
    public func finish() throws {
        if rows > 0 { try flush() }
        if types == nil { types = decideTypes() }
        var writer = ThriftWriter()
        writer.structure { writer in
            writer.field(1, i32: 1)
            writer.field(2, list: .structure, count: names.count + 1) { writer in
                writer.structure { writer in
                    writer.field(4, string: "schema")
                    writer.field(5, i32: Int32(names.count))
                }
                for (name, type) in zip(names, types ?? []) { Self.schemaElement(name, type, &writer) }
            }
            writer.field(3, i64: totalRows)
            writer.field(4, list: .structure, count: rowGroups.count) { writer in
                for (group, offsets) in zip(rowGroups, chunkOffsets) {
                    writer.structure { writer in
                        writer.field(1, list: .structure, count: group.columns.count) { writer in
                            for (chunk, start) in zip(group.columns, offsets) { Self.columnChunk(chunk, start: start, &writer) }
                        }
                        writer.field(2, i64: group.columns.reduce(0) { $0 + $1.compressedSize })
                        writer.field(3, i64: group.rowCount)
                    }
                }
            }
            writer.field(6, string: "pond")
            // Each column's min/max are in its type's own order (TypeDefinedOrder):
            // without this, readers (pyarrow, DuckDB) ignore the statistics.
            writer.field(7, list: .structure, count: names.count) { writer in
                for _ in names { writer.structure { $0.field(1, structure: { _ in }) } }
            }
        }
        let footer = writer.bytes
        try emit(footer)
        let length = UInt32(footer.count)
        try emit([UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)] + Array("PAR1".utf8))
    }

    private static func schemaElement(_ name: String, _ type: Physical, _ writer: inout ThriftWriter) {
        writer.structure { writer in
            let physical: ParquetType = switch type {
            case .int64, .timestamp: .int64
            case .double: .double
            case .string, .blob: .byteArray
            }
            writer.field(1, i32: physical.rawValue)
            writer.field(3, i32: ParquetRepetition.optional.rawValue)
            writer.field(4, string: name)
            switch type {
            case .string:
                writer.field(6, i32: 0)  // UTF8
                writer.field(10, structure: { $0.field(1, structure: { _ in }) })
            case .timestamp:
                writer.field(6, i32: 10)  // TIMESTAMP_MICROS
                writer.field(10, structure: { writer in
                    writer.field(8, structure: { writer in
                        writer.field(1, bool: true)
                        writer.field(2, structure: { $0.field(2, structure: { _ in }) })
                    })
                })
            case .int64, .double, .blob:
                break
            }
        }
    }

    private static func columnChunk(_ chunk: ColumnChunkMeta, start: Int64, _ writer: inout ThriftWriter) {
        writer.structure { writer in
            writer.field(2, i64: start + chunk.compressedSize)
            writer.field(3, structure: { writer in
                writer.field(1, i32: chunk.type.rawValue)
                writer.field(2, list: .i32, count: 2) { writer in
                    writer.zigzag(Int64(ParquetEncoding.plain.rawValue))
                    writer.zigzag(Int64(ParquetEncoding.rle.rawValue))
                }
                writer.field(3, list: .binary, count: chunk.path.count) { writer in
                    for part in chunk.path {
                        writer.varint(UInt64(part.utf8.count))
                        writer.appendRaw(Array(part.utf8))
                    }
                }
                writer.field(4, i32: Codec.zstd.rawValue)
                writer.field(5, i64: chunk.valueCount)
                writer.field(6, i64: chunk.uncompressedSize)
                writer.field(7, i64: chunk.compressedSize)
                writer.field(9, i64: chunk.dataPageOffset)
                if let statistics = chunk.statistics {
                    writer.field(12, structure: { writer in
                        writer.field(3, i64: statistics.nullCount ?? 0)
                        if let max = statistics.max { writer.field(5, binary: max) }
                        if let min = statistics.min { writer.field(6, binary: min) }
                    })
                }
            })
        }
    }

    // MARK: - Row groups

    /// The type a column's values in the first row group give it.
    private func decideTypes() -> [Physical] {
        names.indices.map { column in
            var integers = false, reals = false, texts = false, blobs = false
            for kind in kinds[column] {
                switch kind {
                case Self.kindInteger: integers = true
                case Self.kindReal: reals = true
                case Self.kindText: texts = true
                case Self.kindBlob: blobs = true
                default: break
                }
            }
            if blobs && !texts && !integers && !reals { return .blob }
            if texts || blobs {
                if !integers && !reals && !blobs, Self.timeColumnNames.contains(names[column].lowercased()),
                   (0..<kinds[column].count).allSatisfy({ kinds[column][$0] != Self.kindText || timestamp(column, $0) != nil }) {
                    return .timestamp
                }
                return .string
            }
            if reals { return .double }
            if integers { return .int64 }
            return .string
        }
    }

    private func timestamp(_ column: Int, _ index: Int) -> Int64? {
        let values = texts[column]
        return values.data.withUnsafeBufferPointer { ISO8601Micros.parse(UnsafeBufferPointer(rebasing: $0[values.range(Int(bits[column][index]))])) }
    }

    private func flush() throws {
        if types == nil { types = decideTypes() }
        let types = types!
        var group = RowGroupMeta()
        group.rowCount = Int64(rows)
        var starts: [Int64] = []
        for column in names.indices {
            starts.append(offset)
            group.columns.append(try writeChunk(column, types[column]))
        }
        rowGroups.append(group)
        chunkOffsets.append(starts)
        totalRows += Int64(rows)
        rows = 0
        bufferedBytes = 0
        for column in names.indices {
            kinds[column].removeAll(keepingCapacity: true)
            bits[column].removeAll(keepingCapacity: true)
            texts[column] = ByteArrays()
        }
    }

    /// Writes column `column` of the row group as pages; its metadata.
    private func writeChunk(_ column: Int, _ type: Physical) throws -> ColumnChunkMeta {
        var meta = ColumnChunkMeta()
        meta.type = switch type {
        case .int64, .timestamp: .int64
        case .double: .double
        case .string, .blob: .byteArray
        }
        meta.path = [names[column]]
        meta.codec = .zstd
        meta.valueCount = Int64(rows)
        meta.dataPageOffset = offset
        var uncompressed: Int64 = 0, compressed: Int64 = 0
        var statistics = ParquetStatistics()
        statistics.nullCount = 0
        var minimum: Encoded?, maximum: Encoded?
        var start = 0
        while start < rows {
            let end = min(rows, start + ParquetWriter.pageRows)
            var levels = [UInt8](repeating: 0, count: (end - start + 7) / 8)
            var values: [UInt8] = []
            for index in start..<end {
                guard let value = try encoded(column, index, type) else {
                    statistics.nullCount! += 1
                    continue
                }
                levels[(index - start) >> 3] |= 1 << UInt8((index - start) & 7)
                value.append(to: &values)
                if minimum == nil || value < minimum! { minimum = value }
                if maximum == nil || maximum! < value { maximum = value }
            }
            // Definition levels: one bit-packed run of width 1, after its length.
            var header = ThriftWriter()
            header.varint(UInt64(levels.count) << 1 | 1)
            let levelRun = header.bytes + levels
            let count = UInt32(levelRun.count)
            var page = [UInt8(count & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 24)] + levelRun
            page += values
            let body = page.withUnsafeBytes { Codec.zstdCompress($0) }
            var pageHeader = ThriftWriter()
            pageHeader.structure { writer in
                writer.field(1, i32: PageType.data.rawValue)
                writer.field(2, i32: Int32(page.count))
                writer.field(3, i32: Int32(body.count))
                writer.field(5, structure: { writer in
                    writer.field(1, i32: Int32(end - start))
                    writer.field(2, i32: ParquetEncoding.plain.rawValue)
                    writer.field(3, i32: ParquetEncoding.rle.rawValue)
                    writer.field(4, i32: ParquetEncoding.rle.rawValue)
                })
            }
            try emit(pageHeader.bytes)
            try emit(body)
            uncompressed += Int64(pageHeader.bytes.count + page.count)
            compressed += Int64(pageHeader.bytes.count + body.count)
            start = end
        }
        meta.uncompressedSize = uncompressed
        meta.compressedSize = compressed
        if let minimum, let maximum {
            statistics.min = minimum.statistic
            statistics.max = maximum.statistic
        }
        meta.statistics = statistics
        return meta
    }

    /// A value as its column's type stores it, nil for NULL.
    private func encoded(_ column: Int, _ index: Int, _ type: Physical) throws -> Encoded? {
        let kind = kinds[column][index], raw = bits[column][index]
        func text() -> [UInt8] { Array(texts[column].data[texts[column].range(Int(raw))]) }
        func misfit(_ what: String) -> ParquetError {
            ParquetError("column \(names[column]), row \(totalRows + Int64(index) + 1): \(what) in a column of \(type) values (its type was set by the first \(ParquetWriter.rowGroupRows) rows)")
        }
        switch (kind, type) {
        case (Self.kindNull, _): return nil
        case (Self.kindInteger, .int64): return .integer(Int64(bitPattern: raw))
        case (Self.kindInteger, .double): return .real(Double(Int64(bitPattern: raw)))
        case (Self.kindReal, .double): return .real(Double(bitPattern: raw))
        case (Self.kindReal, .int64):
            let value = Double(bitPattern: raw)
            guard let exact = Int64(exactly: value) else { throw misfit("a real \(value)") }
            return .integer(exact)
        case (Self.kindInteger, .string): return .bytes(Array(String(Int64(bitPattern: raw)).utf8))
        case (Self.kindReal, .string): return .bytes(Array(String(Double(bitPattern: raw)).utf8))
        case (Self.kindText, .string), (Self.kindBlob, .string), (Self.kindBlob, .blob): return .bytes(text())
        case (Self.kindText, .timestamp):
            guard let micros = timestamp(column, index) else { throw misfit("the text \"\(String(decoding: text(), as: UTF8.self))\", no ISO-8601 time,") }
            return .integer(micros)
        default:
            throw misfit(kind == Self.kindText ? "a text" : kind == Self.kindBlob ? "a blob" : "a number")
        }
    }

    /// A value in its column's PLAIN encoding, ordered as its statistics are.
    private enum Encoded: Comparable {
        case integer(Int64)
        case real(Double)
        case bytes([UInt8])

        func append(to buffer: inout [UInt8]) {
            switch self {
            case .integer(let value): withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
            case .real(let value): withUnsafeBytes(of: value.bitPattern.littleEndian) { buffer.append(contentsOf: $0) }
            case .bytes(let bytes):
                withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { buffer.append(contentsOf: $0) }
                buffer.append(contentsOf: bytes)
            }
        }

        /// The statistics field: PLAIN without a length for byte arrays.
        var statistic: [UInt8] {
            switch self {
            case .integer(let value): withUnsafeBytes(of: value.littleEndian) { Array($0) }
            case .real(let value): withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
            case .bytes(let bytes): bytes
            }
        }

        static func < (a: Encoded, b: Encoded) -> Bool {
            switch (a, b) {
            case (.integer(let x), .integer(let y)): x < y
            case (.real(let x), .real(let y)): x < y
            case (.bytes(let x), .bytes(let y)): x.lexicographicallyPrecedes(y)
            default: false
            }
        }
    }
}

/// ISO-8601 text as microseconds since 1970 UTC: `YYYY-MM-DD`, then
/// optionally `T` or a space, `HH:MM`, `:SS`, a fraction, and `Z` or an offset.
enum ISO8601Micros {
    /// The text being parsed and how far: a value the parse owns, so its
    /// steps need no exclusivity checks at run time (a closure capturing a
    /// local `var` would, at every digit).
    private struct Cursor {
        let text: UnsafeBufferPointer<UInt8>
        var at = 0

        mutating func number(_ count: Int) -> Int64? {
            guard at + count <= text.count else { return nil }
            var value: Int64 = 0
            for index in at..<at + count {
                let digit = text[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            at += count
            return value
        }

        mutating func expect(_ character: UInt8) -> Bool {
            guard at < text.count, text[at] == character else { return false }
            at += 1
            return true
        }

        var atEnd: Bool { at == text.count }
    }

    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var cursor = Cursor(text: text)
        guard let year = cursor.number(4), cursor.expect(UInt8(ascii: "-")), let month = cursor.number(2), cursor.expect(UInt8(ascii: "-")),
              let day = cursor.number(2), (1...12).contains(month), (1...31).contains(day) else { return nil }
        // Days from civil (Howard Hinnant).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        var micros = days * 86_400_000_000
        if cursor.atEnd { return micros }
        guard cursor.expect(UInt8(ascii: "T")) || cursor.expect(UInt8(ascii: " ")), let hour = cursor.number(2), cursor.expect(UInt8(ascii: ":")),
              let minute = cursor.number(2), hour < 24, minute < 60 else { return nil }
        micros += (hour * 3600 + minute * 60) * 1_000_000
        if cursor.expect(UInt8(ascii: ":")) {
            guard let second = cursor.number(2), second < 61 else { return nil }
            micros += second * 1_000_000
            if cursor.expect(UInt8(ascii: ".")) || cursor.expect(UInt8(ascii: ",")) {
                var digits = 0
                var fraction: Int64 = 0
                while !cursor.atEnd, text[cursor.at] &- UInt8(ascii: "0") < 10 {
                    if digits < 6 { fraction = fraction * 10 + Int64(text[cursor.at] - UInt8(ascii: "0")) }
                    digits += 1
                    cursor.at += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 6) { fraction *= 10 }
                micros += fraction
            }
        }
        if cursor.atEnd { return micros }
        if cursor.expect(UInt8(ascii: "Z")) || cursor.expect(UInt8(ascii: "z")) { return cursor.atEnd ? micros : nil }
        let sign: Int64
        if cursor.expect(UInt8(ascii: "+")) { sign = 1 } else if cursor.expect(UInt8(ascii: "-")) { sign = -1 } else { return nil }
        guard let offsetHours = cursor.number(2) else { return nil }
        _ = cursor.expect(UInt8(ascii: ":"))
        guard let offsetMinutes = cursor.number(2), cursor.atEnd else { return nil }
        return micros - sign * (offsetHours * 3600 + offsetMinutes * 60) * 1_000_000
    }
}
