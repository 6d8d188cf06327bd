import ArgumentParser
import Foundation
import Pond

/// `--json`: machine-readable output.
struct JSONFlag: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false
}

/// Writes `text` to standard output.
/// - Throws: `CLIError.hostWrite` if it cannot be written (a full disk).
func output(_ text: String) throws {
    var text = text
    try text.withUTF8 { try HostIO.writeAll(UnsafeRawBufferPointer($0), to: STDOUT_FILENO, path: "standard output") }
}

/// Writes `text` to standard error; a failure to write there is ignored,
/// as there is nowhere left to report it.
func printError(_ text: String) {
    var text = text
    text.withUTF8 { try? HostIO.writeAll(UnsafeRawBufferPointer($0), to: STDERR_FILENO, path: "standard error") }
}

/// Writes a warning line to standard error.
func warn(_ text: String) {
    printError("warning: \(text)\n")
}

/// Text for standard output gathered in a buffer of 64 KiB and written as it
/// fills, so that a long listing is never built whole in memory.
struct TextOutput {
    static let capacity = 1 << 16
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(TextOutput.capacity) }

    /// Adds `text`, writing the buffer out once it is full.
    /// - Throws: `CLIError.hostWrite` if it cannot be written.
    mutating func write(_ text: String) throws {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= TextOutput.capacity { try flush() }
    }

    /// Adds `bytes` and then `terminator`, if any, writing the buffer out once it is full.
    mutating func write(bytes: UnsafeBufferPointer<UInt8>, terminator: UInt8? = nil) throws {
        buffer.append(contentsOf: bytes)
        if let terminator { buffer.append(terminator) }
        if buffer.count >= TextOutput.capacity { try flush() }
    }

    /// Adds `text`, which is in the binary: no string is made for it.
    mutating func write(static text: StaticString) throws {
        buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        if buffer.count >= TextOutput.capacity { try flush() }
    }

    /// Adds `bytes`, writing the buffer out once it is full.
    mutating func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= TextOutput.capacity { try flush() }
    }

    /// Adds `value` in decimal, as `String(value)` writes it.
    mutating func write(decimal value: Int64) throws {
        OutputBytes.appendDecimal(value, to: &buffer)
        if buffer.count >= TextOutput.capacity { try flush() }
    }

    /// Adds `bytes` (UTF-8) as a JSON string literal, as `jsonString` writes it.
    mutating func writeJSONString(bytes: UnsafeBufferPointer<UInt8>) throws {
        OutputBytes.appendJSONString(bytes, to: &buffer)
        if buffer.count >= TextOutput.capacity { try flush() }
    }

    /// Adds `count` spaces (none for a count below 1).
    mutating func spaces(_ count: Int) throws {
        buffer.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(count, 0)))
        if buffer.count >= TextOutput.capacity { try flush() }
    }

    /// Adds one table row: each cell but the last padded to its column's
    /// width, then two spaces.
    mutating func writeRow(_ cells: [String], widths: [Int]) throws {
        for (i, cell) in cells.enumerated() {
            try write(cell)
            if i < cells.count - 1 {
                buffer.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(widths[i] - displayWidth(cell), 0) + 2))
            }
        }
        try write("\n")
    }

    /// Writes out what the buffer holds.
    mutating func flush() throws {
        try buffer.withUnsafeBytes { try HostIO.writeAll($0, to: STDOUT_FILENO, path: "standard output") }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// `value` as JSON text, keys sorted, followed by a newline.
/// `text` as a JSON string literal, escaped as `json` escapes it (quote,
/// backslash and control characters; `/` and non-ASCII as they are), for
/// output too long to build as objects first.
func jsonString(_ text: String) -> String {
    if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
        return "\"" + text + "\""
    }
    var text = text, bytes: [UInt8] = []
    text.withUTF8 { OutputBytes.appendJSONString($0, to: &bytes) }
    return String(decoding: bytes, as: UTF8.self)
}

func json(_ value: Any) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// Writes rows to standard output as text columns, each padded to its
/// widest cell; the last column is not padded.
///
/// The last column (a command line, a name) is never measured, and the text
/// goes out 64 KiB at a time: `pond log` prints 10,000 rows this way
/// (Benchmarks/bench.py, W5).
/// - Throws: `CLIError.hostWrite` if standard output cannot be written.
func printTable(_ rows: [[String]]) throws {
    guard let columns = rows.map(\.count).max() else { return }
    var widths = Array(repeating: 0, count: columns)
    for row in rows {
        for (i, cell) in row.enumerated() where i < columns - 1 {
            widths[i] = max(widths[i], displayWidth(cell))
        }
    }
    var text = TextOutput()
    for row in rows { try text.writeRow(row, widths: widths) }
    try text.flush()
}

/// How many columns `text` takes: its UTF-8 length when it is ASCII (as most
/// cells are), else its count of characters.
func displayWidth(_ text: String) -> Int {
    var text = text
    let ascii = text.withUTF8 { bytes in bytes.allSatisfy { $0 < 0x80 } }
    return ascii ? text.utf8.count : text.count
}
