import Foundation

/// A table's columns: names (made unique) and types inferred over every row.
public struct TableSchema: Equatable, Sendable {
    /// The column names, in the file's order.
    public var columns: [String]
    public var types: [ColumnType]
    /// What each column is called in the file (JSON Lines: the key), for a
    /// column whose name had to be changed; equal to `columns` otherwise.
    public var sourceNames: [String]

    public init(columns: [String], types: [ColumnType], sourceNames: [String]? = nil) {
        self.columns = columns
        self.types = types
        self.sourceNames = sourceNames ?? columns
    }

    /// The schema as JSON text: `{"columns": [...], "types": ["integer", ...], "sourceNames": [...]}`.
    public var json: String {
        let object: [String: Any] = ["columns": columns, "types": types.map(\.name), "sourceNames": sourceNames]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The schema `json` gave, nil for text that is not one.
    public init?(json: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let columns = object["columns"] as? [String], let names = object["types"] as? [String],
              let sourceNames = object["sourceNames"] as? [String],
              names.count == columns.count, sourceNames.count == columns.count else { return nil }
        let types = names.compactMap(ColumnType.init(name:))
        guard types.count == columns.count else { return nil }
        self.init(columns: columns, types: types, sourceNames: sourceNames)
    }
}

/// One value of a row, ready for SQL. `.text` points into the reader's
/// memory and lives only for the call it is passed to.
public enum Cell {
    case null
    case integer(Int64)
    case real(Double)
    case text(UnsafeBufferPointer<UInt8>)
    /// Bytes that are no text (a Parquet binary column).
    case blob(UnsafeBufferPointer<UInt8>)
}

/// The rows of a tabular file, read one at a time from its bytes.
///
/// Opening reads the header (CSV, TSV); `inferSchema` reads every row once
/// to find the columns' types (and JSON Lines' columns); a reader made with
/// a schema then gives each row's cells as those types.
public final class TableReader {
    public let format: TableFormat
    /// The names Pond gives columns of its own, which a file's column is renamed around.
    public static let reservedColumns: Set<String> = ["_version", "_path"]

    private let delimited: DelimitedReader?
    private let jsonLines: JSONLinesReader?
    private let parquet: ParquetRows?
    /// `delimited`, unretained, for the row path.
    private var delimitedReader: Unmanaged<DelimitedReader> { Unmanaged.passUnretained(delimited!) }
    /// `parquet`, unretained: read for every cell without reference counting
    /// (`parquet` keeps it alive as long as this reader).
    private var parquetRows: Unmanaged<ParquetRows>? { parquet.map(Unmanaged.passUnretained) }
    /// The CSV/TSV header, made unique.
    private let header: [String]
    private var schema: TableSchema?
    /// `schema`'s types, read for every cell: unchecked, as `use` alone sets them.
    @exclusivity(unchecked) private var types: [ColumnType] = []
    /// JSON Lines: which column each key fills.
    private var columnOfKey: [String: Int] = [:]
    private var jsonCells: [JSONCell] = []

    /// Opens a reader on bytes that continue a file whose columns are
    /// `schema` (the bytes appended to it, from a record's start: no
    /// header), so that `inferSchema` widens `schema` over them alone.
    /// `startOffset`: where the bytes start in the file, so that `endOffset` is the file's.
    public init(format: TableFormat, continuing schema: TableSchema, startOffset: Int64 = 0, chunks: @escaping ByteChunks) {
        precondition(format != .parquet, "a Parquet file is never continued by appended bytes")
        self.format = format
        parquet = nil
        if format == .jsonLines {
            delimited = nil
            jsonLines = JSONLinesReader(startOffset: startOffset, chunks: chunks)
        } else {
            delimited = DelimitedReader(format: format, startOffset: startOffset, chunks: chunks)
            jsonLines = nil
        }
        header = schema.columns
        continued = schema
    }

    /// The schema the bytes continue, for `init(format:continuing:chunks:)`.
    private var continued: TableSchema?

    /// Whether the bytes continue a known schema (appended rows, their lines
    /// counted from the first appended one), not a whole file.
    public var continuesASchema: Bool { continued != nil }

    /// Opens a reader on a file's bytes; for CSV and TSV, reads the header.
    /// - Throws: `TableDataError` for a bad header or an empty file.
    public init(format: TableFormat, chunks: @escaping ByteChunks) throws {
        self.format = format
        if format == .jsonLines {
            parquet = nil
            delimited = nil
            jsonLines = JSONLinesReader(chunks: chunks)
            header = []
        } else if format == .parquet {
            // Parquet is read from its footer: bytes that come only in order are gathered first.
            var bytes: [UInt8] = []
            while let piece = try chunks() { bytes += piece }
            let file = try Self.parquetErrors { try ParquetFile(BytesInMemory(bytes)) }
            parquet = ParquetRows(file)
            delimited = nil
            jsonLines = nil
            header = file.schema.columns
        } else {
            parquet = nil
            let reader = DelimitedReader(format: format, chunks: chunks)
            guard try Self.parquetErrors({ try reader.next() }) else { throw TableDataError(line: 1, reason: "the file is empty: a table needs a header line") }
            delimited = reader
            jsonLines = nil
            header = uniqueColumnNames(reader.strings, reserved: TableReader.reservedColumns)
        }
    }

    /// Opens a reader on a Parquet file, read from its footer on (its
    /// schema is known at once: `inferSchema` reads no row).
    /// - Throws: `TableDataError` (line 0) for a file that is no Parquet file or is damaged.
    public init(parquet source: RandomAccessBytes) throws {
        format = .parquet
        let file = try Self.parquetErrors { try ParquetFile(source) }
        parquet = ParquetRows(file)
        delimited = nil
        jsonLines = nil
        header = file.schema.columns
    }

    /// Runs `body`, turning what a codec or a Parquet file's reader refused
    /// into a `TableDataError` with no line (line 0): the file is named by the caller.
    static func parquetErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ParquetError {
            throw TableDataError(line: 0, reason: error.description)
        } catch let error as CodecError {
            throw TableDataError(line: 0, reason: error.description)
        }
    }

    /// A Parquet reader reads only `columns` (indices in its schema); text formats read every column anyway.
    public func restrict(to columns: [Int]) {
        parquet?.restrict(to: columns)
    }

    /// A Parquet reader skips each row group for which `mayHoldRows`, given
    /// the range of values of a column (nil: unknown), is false.
    public func skipRowGroups(unless mayHoldRows: @escaping ((Int) -> (min: Bound, max: Bound)?) -> Bool) {
        parquet?.mayHoldRows = mayHoldRows
    }

    /// Reads every remaining row once to infer the columns and their types.
    /// - Throws: `TableDataError` for the first bad row.
    public func inferSchema() throws -> TableSchema {
        if let parquet {
            let schema = parquet.file.schema
            timeRange = TimeColumn.index(in: schema.columns).flatMap { TableReader.timeRange(of: parquet.file, column: $0) }
            return schema
        }
        return try Self.parquetErrors { try inferTextSchema() }
    }

    /// A Parquet file's time range from its row groups' statistics of the
    /// time column (no page is read); nil when a group keeps none.
    static func timeRange(of file: ParquetFile, column: Int) -> TimeRange? {
        var range = TimeRange()
        var rows: Int64 = 0
        for group in 0..<file.rowGroupCount {
            rows += Int64(file.rowCount(ofGroup: group))
            // A group of no rows has no statistics to give, and no time to add.
            if file.rowCount(ofGroup: group) == 0 { continue }
            guard let (low, high) = file.range(ofColumn: column, inGroup: group) else { return nil }
            for bound in [low, high] {
                switch bound {
                case .integer(let value): range.add(text: String(value))
                case .real(let value): range.add(text: String(value))
                case .text(let bytes): bytes.withUnsafeBufferPointer { range.add($0) }
                }
            }
        }
        range.rows = rows
        return range
    }

    private func inferTextSchema() throws -> TableSchema {
        var tally = TypeTally()
        if let reader = delimited {
            var types = continued?.types ?? [ColumnType](repeating: .unknown, count: header.count)
            let timeIndex = TimeColumn.index(in: header)
            var range = TimeRange()
            var blocks = TimeBlocks(start: 0)
            defer {
                timeRange = timeIndex == nil ? nil : range
                timeBlocks = timeIndex == nil ? [] : blocks.finished()
            }
            while try reader.next() {
                try checkFieldCount(reader)
                if isHeaderAgain(reader) { throw TableDataError(line: reader.line, reason: "the header line again, as a row") }
                if let timeIndex { reader.withField(timeIndex) { range.add($0); blocks.add($0, end: reader.endOffset) } }
                for index in 0..<types.count {
                    if types[index] == .text && !tally.isCounting(index) { continue }
                    let type = reader.withField(index) { ColumnType.of($0) }
                    types[index] = types[index].widened(type)
                    tally.count(type, column: index, line: reader.line) { reader.string(index) }
                }
            }
            mostlyNumericColumns = tally.mostlyNumeric(header, types)
            return TableSchema(columns: header, types: types)
        }
        let reader = jsonLines!
        var keys: [String] = continued?.sourceNames ?? []
        var position = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        var types: [ColumnType] = continued?.types ?? []
        // The time key: the first key seen of a time column's names, as `TimeColumn.index` finds it among the columns.
        var timeKey = TimeColumn.index(in: keys).map { keys[$0] }
        var range = TimeRange()
        var blocks = TimeBlocks(start: 0)
        defer {
            timeRange = timeKey == nil ? nil : range
            timeBlocks = timeKey == nil ? [] : blocks.finished()
        }
        while try reader.next() {
            if timeKey == nil, let key = reader.record.first(where: { TimeColumn.names.contains($0.key.lowercased()) })?.key,
               TimeColumn.index(in: keys + [key]) == keys.count {
                timeKey = key
            }
            if let timeKey {
                switch reader.record.first(where: { $0.key == timeKey })?.value {
                case .integer(_, let text)?, .real(_, let text)?, .text(let text)?:
                    range.add(text: text)
                    blocks.add(text: text, end: reader.endOffset)
                default:
                    range.add(nil)
                    blocks.add(nil, end: reader.endOffset)
                }
            }
            for (key, value) in reader.record {
                let index: Int
                if let known = position[key] {
                    index = known
                    types[index] = types[index].widened(value.type)
                } else {
                    index = keys.count
                    position[key] = keys.count
                    keys.append(key)
                    types.append(value.type)
                }
                tally.count(value.type, column: index, line: reader.line) {
                    if case .text(let text) = value { return text }
                    return ""
                }
            }
        }
        let columns = uniqueColumnNames(keys, reserved: TableReader.reservedColumns)
        mostlyNumericColumns = tally.mostlyNumeric(columns, types)
        return TableSchema(columns: columns, types: types, sourceNames: keys)
    }

    /// After `inferSchema` of CSV, TSV or JSON Lines with a time column: the
    /// range of times of the rows it read.
    public private(set) var timeRange: TimeRange?

    /// After `inferSchema`, as `timeRange`: the range of each stretch of about
    /// `TimeBlocks.bytes` of its rows, where each begins (in the bytes read,
    /// the first where the reading did); empty when they fit in one.
    public private(set) var timeBlocks: [(start: Int64, range: TimeRange)] = []

    /// After `inferSchema`: the columns it typed TEXT although most of
    /// their values (read here) are numbers.
    public private(set) var mostlyNumericColumns: [MostlyNumericColumn] = []

    /// Gives the following rows' cells as `schema`'s types (the schema
    /// `inferSchema` found over the same bytes).
    public func use(_ schema: TableSchema) {
        self.schema = schema
        if parquet != nil { return }
        types = schema.types
        if format == .jsonLines {
            columnOfKey = Dictionary(uniqueKeysWithValues: schema.sourceNames.enumerated().map { ($1, $0) })
            jsonCells = Array(repeating: .null, count: schema.columns.count)
        }
    }

    /// The current row's first line, 1-based.
    public var line: Int { delimited?.line ?? jsonLines?.line ?? 0 }
    /// Where the current row's text ends in the file (a Parquet file: its end).
    public var endOffset: Int64 { delimited?.endOffset ?? jsonLines?.endOffset ?? parquet!.file.source.count }

    /// Moves to the next row; false after the last.
    /// - Throws: `TableDataError` for a bad row.
    public func next() throws -> Bool {
        if let rows = parquetRows { return try Self.parquetErrors { try rows._withUnsafeGuaranteedRef { try $0.next() } } }
        return try Self.parquetErrors { try nextText() }
    }

    private func nextText() throws -> Bool {
        if delimited != nil {
            // Unretained: a record costs no reference counting of its reader.
            return try delimitedReader._withUnsafeGuaranteedRef { reader in
                guard try reader.next() else { return false }
                try checkFieldCount(reader)
                return true
            }
        }
        let reader = jsonLines!
        guard try reader.next() else { return false }
        for index in jsonCells.indices { jsonCells[index] = .null }
        for (key, value) in reader.record {
            guard let column = columnOfKey[key] else {
                throw TableDataError(line: reader.line, reason: "key \"\(key)\" was not in the file when its columns were read")
            }
            jsonCells[column] = value
        }
        return true
    }

    /// Whether the current record repeats the header (two files joined, a
    /// logger restarted): its first field is compared first, so a row costs
    /// one comparison.
    private func isHeaderAgain(_ reader: DelimitedReader) -> Bool {
        guard let first = header.first, reader.withField(0, { $0.elementsEqual(first.utf8) }) else { return false }
        return (1..<header.count).allSatisfy { index in reader.withField(index) { $0.elementsEqual(header[index].utf8) } }
    }

    private func checkFieldCount(_ reader: DelimitedReader) throws {
        guard reader.fieldCount == header.count else {
            throw TableDataError(line: reader.line, reason: "expected \(header.count) field\(header.count == 1 ? "" : "s") as in the header, found \(reader.fieldCount)")
        }
    }

    /// Calls `body` with the current row's cell in `column`, as the schema's type.
    @inline(__always)
    public func withCell<T>(_ column: Int, _ body: (Cell) throws -> T) rethrows -> T {
        if let rows = parquetRows { return try body(rows._withUnsafeGuaranteedRef { $0.cell(column) }) }
        if delimited != nil { return try body(delimitedCell(column)) }
        let type = column < types.count ? types[column] : .text
        switch jsonCells[column] {
        case .null: return try body(.null)
        case .integer(let value, let text):
            switch type {
            case .integer: return try body(.integer(value))
            case .real: return try body(.real(Double(value)))
            case .unknown, .text, .blob: return try Self.withText(text, body)
            }
        case .real(let value, let text):
            return type == .text ? try Self.withText(text, body) : try body(.real(value))
        case .text(let text):
            if type == .integer || type == .real, Missing.isMarker(text) { return try body(.null) }
            return try Self.withText(text, body)
        }
    }

    /// A CSV/TSV cell, as the schema's type: no generic code and no closure
    /// on the row path (the field's bytes stay put until the next record).
    private func delimitedCell(_ column: Int) -> Cell {
        let type = column < types.count ? types[column] : .text
        let field = delimitedReader.takeUnretainedValue().field(column)
        if field.isEmpty { return .null }
        switch type {
        case .integer:
            let number = Missing.trimmed(field)
            if let value = Number.integer(number) { return .integer(value) }
            if number.isEmpty || Missing.isMarker(number) { return .null }
        case .real:
            let number = Missing.trimmed(field)
            if let value = Number.real(number) { return .real(value) }
            if number.isEmpty || Missing.isMarker(number) { return .null }
        case .unknown, .text, .blob:
            break
        }
        return .text(field)
    }

    private static func withText<T>(_ text: String, _ body: (Cell) throws -> T) rethrows -> T {
        var text = text
        return try text.withUTF8 { try body(.text($0)) }
    }
}

/// Counts, per column, the numbers and the other texts `inferSchema` reads,
/// keeping the first text of each, until a column has too many texts to be
/// mostly numbers (then it is no longer counted).
struct TypeTally {
    private var numbers: [Int] = []
    private var texts: [Int] = []
    private var first: [(line: Int, value: String)?] = []
    private var done: Set<Int> = []

    /// Whether column `column` of a TEXT type is still counted.
    func isCounting(_ column: Int) -> Bool { !done.contains(column) }

    mutating func count(_ type: ColumnType, column: Int, line: Int, value: () -> String) {
        guard !done.contains(column) else { return }
        while numbers.count <= column {
            numbers.append(0)
            texts.append(0)
            first.append(nil)
        }
        switch type {
        case .unknown: return
        case .integer, .real: numbers[column] += 1
        case .text, .blob:
            texts[column] += 1
            if first[column] == nil { first[column] = (line, value()) }
            // Past 100 texts, a column that is not 90% numbers so far is a text column: stop counting it.
            if texts[column] > 100 && !MostlyNumericColumn.isMostlyNumeric(numbers: numbers[column], texts: texts[column]) {
                done.insert(column)
            }
        }
    }

    func mostlyNumeric(_ names: [String], _ types: [ColumnType]) -> [MostlyNumericColumn] {
        types.indices.compactMap { column in
            guard types[column] == .text, !done.contains(column), column < texts.count, let first = first[column],
                  MostlyNumericColumn.isMostlyNumeric(numbers: numbers[column], texts: texts[column]) else { return nil }
            return MostlyNumericColumn(column: names[column], texts: texts[column], values: texts[column] + numbers[column],
                                       firstLine: first.line, firstValue: first.value)
        }
    }
}
