import Foundation
import OpLog
import Tabular

public typealias QueryRow = OpLog.QueryRow
public typealias QueryRowSink = OpLog.QueryRowSink

/// The formats a query's result is written in (DESIGN.md, "Tables").
public enum ResultFormat: String, Sendable, CaseIterable {
    /// Columns padded to the widths of the first rows, for a person.
    case table
    /// RFC 4180 with a header line.
    case csv
    /// One array of objects, keys in the SELECT's order, made unique.
    case json
    /// One object a line (JSON Lines), keys as `json`'s.
    case jsonl
    /// Apache Parquet (binary): columns named as `json`'s keys, typed by their values.
    case parquet

    /// The format a derived file named `name` is computed in: its
    /// extension's (`.jsonl`, `.ndjson`, `.parquet`), else CSV.
    public init(derivedFileName name: String) {
        let lower = name.lowercased()
        self = lower.hasSuffix(".parquet") ? .parquet : lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") ? .jsonl : .csv
    }
}

/// Writes a query's rows in a `ResultFormat` to a byte sink as they come,
/// 64 KiB at a time: nothing but one buffer is kept (DESIGN.md, "Output
/// streams"), except `table`'s first `ResultWriter.tableSample` rows, from
/// which it sizes its columns.
public final class ResultWriter: QueryRowSink {
    /// How many rows `table` reads before it sizes its columns.
    public static let tableSample = 1_000
    static let capacity = 1 << 16

    private let format: ResultFormat
    private let sink: ByteSink
    // Unchecked: used for every value, never by two accesses at once.
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    private var columns: [String] = []
    /// JSON: each key's literal with its quotes and colon, made once.
    @exclusivity(unchecked) private var keys: [[UInt8]] = []
    private var rowsWritten = 0
    /// `table`: the first rows as text, until the widths are known.
    private var sample: [[String]]? = []
    private var widths: [Int] = []
    /// `parquet`: the writer of row groups, which hands its bytes to `buffer`.
    private var parquet: ParquetWriter?

    public init(format: ResultFormat, sink: @escaping ByteSink) {
        self.format = format
        self.sink = sink
        buffer.reserveCapacity(ResultWriter.capacity + 4096)
    }

    public func begin(columns: [String]) throws {
        self.columns = columns
        switch format {
        case .csv:
            for (index, name) in columns.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                appendCSVField(Array(name.utf8))
            }
            buffer.append(UInt8(ascii: "\n"))
        case .json, .jsonl:
            // Keys unique as a table's headers are made (`a`, `a_2`), in the SELECT's order.
            keys = uniqueColumnNames(columns).map { name in
                var key: [UInt8] = []
                var name = name
                name.withUTF8 { OutputBytes.appendJSONString($0, to: &key) }
                key.append(UInt8(ascii: ":"))
                return key
            }
            if format == .json { buffer.append(UInt8(ascii: "[")) }
        case .table:
            sample = [columns]
        case .parquet:
            parquet = try ParquetWriter(columns: uniqueColumnNames(columns)) { [unowned self] bytes in
                buffer.append(contentsOf: bytes)
                if buffer.count >= ResultWriter.capacity { try flush() }
            }
        }
    }

    public func write(_ row: QueryRow) throws {
        switch format {
        case .csv:
            for column in 0..<row.count {
                if column > 0 { buffer.append(UInt8(ascii: ",")) }
                switch row.kind(column) {
                case .null: break
                case .integer: OutputBytes.appendDecimal(row.integer(column), to: &buffer)
                case .real: appendASCII(String(row.real(column)))
                case .text: row.withBytes(column) { appendCSVField($0) }
                case .blob: appendASCII(ResultWriter.blobLiteral(row, column))
                }
            }
            buffer.append(UInt8(ascii: "\n"))
        case .json, .jsonl:
            if format == .json { buffer.append(contentsOf: rowsWritten == 0 ? [UInt8(ascii: "\n")] : Array(",\n".utf8)) }
            buffer.append(UInt8(ascii: "{"))
            for column in 0..<row.count {
                if column > 0 { buffer.append(UInt8(ascii: ",")) }
                buffer.append(contentsOf: keys[column])
                appendJSONValue(row, column)
            }
            buffer.append(UInt8(ascii: "}"))
            if format == .jsonl { buffer.append(UInt8(ascii: "\n")) }
        case .parquet:
            let writer = parquet!
            for column in 0..<row.count {
                switch row.kind(column) {
                case .null: writer.append(.null)
                case .integer: writer.append(.integer(row.integer(column)))
                case .real: writer.append(.real(row.real(column)))
                case .text: row.withBytes(column) { writer.append(.text($0)) }
                case .blob: row.withBytes(column) { writer.append(.blob($0)) }
                }
            }
            try writer.endRow()
        case .table:
            let cells = (0..<row.count).map { ResultWriter.text(row, $0) }
            if sample != nil {
                sample!.append(cells)
                if sample!.count > ResultWriter.tableSample { try writeSample() }
            } else {
                appendTableRow(cells)
            }
        }
        rowsWritten += 1
        if buffer.count >= ResultWriter.capacity { try flush() }
    }

    public func finish() throws {
        switch format {
        case .json: buffer.append(contentsOf: Array((rowsWritten == 0 ? "]\n" : "\n]\n").utf8))
        case .table: if sample != nil { try writeSample() }
        case .parquet: try parquet?.finish()
        case .csv, .jsonl: break
        }
        try flush()
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try sink($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    // MARK: - Table

    /// Sizes the columns from the rows seen so far and writes them.
    private func writeSample() throws {
        guard let rows = sample else { return }
        sample = nil
        widths = Array(repeating: 0, count: columns.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < columns.count - 1 {
                widths[index] = max(widths[index], ResultWriter.displayWidth(cell))
            }
        }
        for row in rows {
            appendTableRow(row)
            if buffer.count >= ResultWriter.capacity { try flush() }
        }
    }

    /// One row: each cell but the last padded to its column's width, then two spaces.
    private func appendTableRow(_ cells: [String]) {
        for (index, cell) in cells.enumerated() {
            buffer.append(contentsOf: cell.utf8)
            if index < cells.count - 1 {
                let pad = max(widths[index] - ResultWriter.displayWidth(cell), 0) + 2
                buffer.append(contentsOf: repeatElement(UInt8(ascii: " "), count: pad))
            }
        }
        buffer.append(UInt8(ascii: "\n"))
    }

    /// How many columns `text` takes: its UTF-8 length when it is ASCII, else its count of characters.
    static func displayWidth(_ text: String) -> Int {
        text.utf8.allSatisfy { $0 < 0x80 } ? text.utf8.count : text.count
    }

    /// A value as `table` shows it: empty for NULL, `x'..'` for a blob.
    static func text(_ row: QueryRow, _ column: Int) -> String {
        switch row.kind(column) {
        case .null: ""
        case .integer: String(row.integer(column))
        case .real: String(row.real(column))
        case .text: row.withBytes(column) { String(decoding: $0, as: UTF8.self) }
        case .blob: blobLiteral(row, column)
        }
    }

    // MARK: - Values

    private static func blobLiteral(_ row: QueryRow, _ column: Int) -> String {
        row.withBytes(column) { bytes in
            var text: [UInt8] = Array("x'".utf8)
            text.reserveCapacity(bytes.count * 2 + 3)
            for byte in bytes {
                text.append(OutputBytes.hexDigits[Int(byte >> 4)])
                text.append(OutputBytes.hexDigits[Int(byte & 0xF)])
            }
            text.append(UInt8(ascii: "'"))
            return String(decoding: text, as: UTF8.self)
        }
    }

    private func appendASCII(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }

    /// A CSV field: quoted when it holds a comma, a quote or a line break.
    private func appendCSVField<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
        guard needsQuotes else { return buffer.append(contentsOf: bytes) }
        buffer.append(UInt8(ascii: "\""))
        for byte in bytes {
            buffer.append(byte)
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private func appendJSONValue(_ row: QueryRow, _ column: Int) {
        switch row.kind(column) {
        case .null: buffer.append(contentsOf: "null".utf8)
        case .integer: OutputBytes.appendDecimal(row.integer(column), to: &buffer)
        case .real:
            let value = row.real(column)
            // JSON has no infinity; an integral value keeps a fraction so that it reads back as a real.
            if !value.isFinite { buffer.append(contentsOf: "null".utf8) } else { appendASCII(String(value)) }
        case .text: row.withBytes(column) { OutputBytes.appendJSONString($0, to: &buffer) }
        case .blob:
            var text = row.withBytes(column) { Data(buffer: $0) }.base64EncodedString()
            text.withUTF8 { OutputBytes.appendJSONString($0, to: &buffer) }
        }
    }

}

/// Values as Pond writes them out, appended to a byte buffer without making
/// strings: what `ResultWriter` and the command line's own output share.
public enum OutputBytes {
    static let hexDigits = Array("0123456789abcdef".utf8)

    /// `value` in decimal, as `String(value)` writes it.
    public static func appendDecimal(_ value: Int64, to buffer: inout [UInt8]) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: room for 20 digits and a sign
        withUnsafeMutableBytes(of: &digits) { raw in
            var rest = value.magnitude
            var index = raw.count
            repeat {
                index -= 1
                raw[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            if value < 0 {
                index -= 1
                raw[index] = UInt8(ascii: "-")
            }
            buffer.append(contentsOf: raw[index...])
        }
    }

    /// `bytes` (UTF-8) as a JSON string literal, as JSONSerialization writes
    /// one: quote, backslash and control characters escaped; `/` and
    /// non-ASCII as they are.
    public static func appendJSONString(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        // Most strings (paths, names, readings) need no escape: one copy.
        if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            buffer.append(contentsOf: bytes)
            buffer.append(UInt8(ascii: "\""))
            return
        }
        for byte in bytes {
            let escaped: UInt8
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): escaped = byte
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
            case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
            case 0x08: escaped = UInt8(ascii: "b")
            case 0x0C: escaped = UInt8(ascii: "f")
            case ..<0x20:
                buffer.append(contentsOf: "\\u00".utf8)
                buffer.append(hexDigits[Int(byte >> 4)])
                buffer.append(hexDigits[Int(byte & 0xF)])
                continue
            default:
                buffer.append(byte)
                continue
            }
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(escaped)
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
