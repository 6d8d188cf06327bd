/// One value of a JSON Lines record, as a table column holds it.
public enum JSONCell: Equatable, Sendable {
    case null
    /// An integer number, or a boolean (1 or 0).
    case integer(Int64, text: String)
    /// A number with a fraction or an exponent.
    case real(Double, text: String)
    /// A string, or a nested object or array as its JSON text.
    case text(String)

    public var type: ColumnType {
        switch self {
        case .null: .unknown
        case .integer: .integer
        case .real: .real
        case .text(let text): Missing.isMarker(text) ? .unknown : .text
        }
    }
}

/// Reads a JSON Lines file one object at a time, pulling its bytes piece by
/// piece. Each non-blank line must be one JSON object; its keys name
/// columns, its values are the record's cells (nested values as JSON text).
/// - Throws: `TableDataError` naming the line, for a line that is not one
///   JSON object, invalid UTF-8, or a line longer than `maxRecordBytes`.
public final class JSONLinesReader {
    /// The current record's keys and values, in the order the line gives them.
    public private(set) var record: [(key: String, value: JSONCell)] = []
    /// The current record's line, 1-based.
    public private(set) var line = 0
    /// The byte offset where the current line's text ends.
    public private(set) var endOffset: Int64 = 0

    private let lines: LineSplitter

    public init(maxRecordBytes: Int = 4 << 20, startOffset: Int64 = 0, chunks: @escaping ByteChunks) {
        lines = LineSplitter(maxLineBytes: maxRecordBytes, startOffset: startOffset, chunks: chunks)
    }

    /// Moves to the next record; false at the end of the file.
    public func next() throws -> Bool {
        while let text = try lines.next() {
            line = lines.line
            endOffset = lines.endOffset
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard String(validating: text, as: UTF8.self) != nil else {
                throw TableDataError(line: line, reason: "the line is not valid UTF-8")
            }
            var parser = JSONParser(bytes: text)
            do {
                record = try parser.object()
            } catch let error as JSONParser.Failure {
                throw TableDataError(line: line, reason: "not a JSON object: \(error.reason) at column \(error.column)")
            }
            return true
        }
        return false
    }
}

/// Splits bytes into lines (LF or CRLF), one line in memory at a time.
final class LineSplitter {
    private(set) var line = 0
    private(set) var endOffset: Int64 = 0
    private let maxLineBytes: Int
    private var cursor: PieceCursor
    private var current: [UInt8] = []

    init(maxLineBytes: Int, startOffset: Int64 = 0, chunks: @escaping ByteChunks) {
        self.maxLineBytes = maxLineBytes
        cursor = PieceCursor(startOffset: startOffset, chunks: chunks)
    }

    func next() throws -> [UInt8]? {
        current.removeAll(keepingCapacity: true)
        line += 1
        while true {
            if cursor.isAtPieceEnd {
                guard try cursor.refill() else {
                    if current.isEmpty { return nil }
                    endOffset = cursor.pieceOffset - (current.last == 0x0D ? 1 : 0)
                    if current.last == 0x0D { current.removeLast() }
                    return current
                }
                continue
            }
            let piece = cursor.piece, position = cursor.position
            if let newline = piece[position...].firstIndex(of: 0x0A) {
                current.append(contentsOf: piece[position..<newline])
                cursor.position = newline + 1
                endOffset = cursor.pieceOffset + Int64(newline)
                if current.last == 0x0D {
                    current.removeLast()
                    endOffset -= 1
                }
                return current
            }
            current.append(contentsOf: piece[position...])
            cursor.position = piece.count
            if current.count > maxLineBytes {
                throw TableDataError(line: line, reason: "a line longer than \(maxLineBytes >> 20) MiB (is this a table?)")
            }
        }
    }
}

/// A JSON parser for one line's object: strings, numbers, literals and
/// nested values (kept as their JSON text). Strict: RFC 8259.
struct JSONParser {
    struct Failure: Error {
        let reason: String
        let column: Int
    }

    let bytes: [UInt8]
    var index = 0
    /// How deep nesting may go before the line is refused (no recursion without bound).
    static let maxDepth = 512

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func object() throws -> [(key: String, value: JSONCell)] {
        skipSpace()
        guard peek == UInt8(ascii: "{") else { throw fail("expected {") }
        index += 1
        var members: [(key: String, value: JSONCell)] = []
        skipSpace()
        if peek == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipSpace()
                guard peek == UInt8(ascii: "\"") else { throw fail("expected a key in quotes") }
                let key = try string()
                skipSpace()
                guard peek == UInt8(ascii: ":") else { throw fail("expected :") }
                index += 1
                skipSpace()
                let value = try cell()
                if let existing = members.firstIndex(where: { $0.key == key }) {
                    members[existing].value = value
                } else {
                    members.append((key, value))
                }
                skipSpace()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                guard peek == UInt8(ascii: "}") else { throw fail("expected , or }") }
                index += 1
                break
            }
        }
        skipSpace()
        guard index == bytes.count else { throw fail("text after the object") }
        return members
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func fail(_ reason: String) -> Failure { Failure(reason: reason, column: index + 1) }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func cell() throws -> JSONCell {
        switch peek {
        case UInt8(ascii: "\""): return .text(try string())
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = index
            try skipValue(depth: 0)
            return .text(String(decoding: bytes[start..<index], as: UTF8.self))
        case UInt8(ascii: "t"): try literal("true"); return .integer(1, text: "true")
        case UInt8(ascii: "f"): try literal("false"); return .integer(0, text: "false")
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              word.withUTF8Buffer({ Array($0) }) == Array(bytes[index..<index + count]) else { throw fail("unexpected text") }
        index += count
    }

    private mutating func number() throws -> JSONCell {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        var fractional = false
        while let byte = peek {
            if byte &- UInt8(ascii: "0") < 10 {
                index += 1
            } else if byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e") || byte == UInt8(ascii: "+")
                        || (byte == UInt8(ascii: "-") && index > start) {
                fractional = true
                index += 1
            } else {
                break
            }
        }
        guard index > start else { throw fail("expected a value") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        return try bytes.withUnsafeBufferPointer { buffer in
            let field = UnsafeBufferPointer(rebasing: buffer[start..<index])
            if !fractional, let value = Number.integer(field) { return .integer(value, text: text) }
            if let value = Number.real(field) { return .real(value, text: text) }
            throw fail("not a number: \(text)")
        }
    }

    private mutating func string() throws -> String {
        index += 1  // the opening quote
        var result: [UInt8] = []
        while true {
            guard let byte = peek else { throw fail("a string is never closed") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: result, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { throw fail("a string is never closed") }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): result.append(escaped)
                case UInt8(ascii: "b"): result.append(0x08)
                case UInt8(ascii: "f"): result.append(0x0C)
                case UInt8(ascii: "n"): result.append(0x0A)
                case UInt8(ascii: "r"): result.append(0x0D)
                case UInt8(ascii: "t"): result.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), peek == UInt8(ascii: "\\"),
                       index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone surrogate in \\u escapes") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let character = Unicode.Scalar(scalar) else { throw fail("a lone surrogate in \\u escapes") }
                    result.append(contentsOf: Array(String(Character(character)).utf8))
                default: throw fail("an unknown escape \\\(Character(Unicode.Scalar(escaped)))")
                }
            default:
                guard byte >= 0x20 else { throw fail("a control character in a string") }
                result.append(byte)
            }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("a short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index] | 0x20
            let digit: UInt8
            if byte &- UInt8(ascii: "0") < 10 { digit = byte - UInt8(ascii: "0") }
            else if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f") { digit = byte - UInt8(ascii: "a") + 10 }
            else { throw fail("a bad \\u escape") }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Skips one value of any kind, checking its syntax.
    private mutating func skipValue(depth: Int) throws {
        guard depth < JSONParser.maxDepth else { throw fail("nested deeper than \(JSONParser.maxDepth)") }
        skipSpace()
        switch peek {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = peek == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            index += 1
            skipSpace()
            if peek == close { index += 1; return }
            while true {
                skipSpace()
                if isObject {
                    guard peek == UInt8(ascii: "\"") else { throw fail("expected a key in quotes") }
                    _ = try string()
                    skipSpace()
                    guard peek == UInt8(ascii: ":") else { throw fail("expected :") }
                    index += 1
                }
                try skipValue(depth: depth + 1)
                skipSpace()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                guard peek == close else { throw fail("expected , or \(Character(Unicode.Scalar(close)))") }
                index += 1
                return
            }
        default:
            _ = try cell()
        }
    }
}
