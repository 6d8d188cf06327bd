import Foundation

/// A column's type, inferred over every value of the column: the narrowest
/// of INTEGER, REAL and TEXT that holds them all. Empty values (NULL) say
/// nothing; a column of only empty values is TEXT.
public enum ColumnType: Int, Comparable, Sendable, CaseIterable {
    /// `blob` only from a Parquet schema: text formats never infer it.
    case unknown, integer, real, text, blob

    public static func < (a: ColumnType, b: ColumnType) -> Bool { a.rawValue < b.rawValue }

    /// The type as SQL declares it.
    public var sql: String {
        switch self {
        case .integer: "INTEGER"
        case .real: "REAL"
        case .unknown, .text: "TEXT"
        case .blob: "BLOB"
        }
    }

    /// The type's name in a stored schema.
    public var name: String {
        switch self {
        case .unknown: "unknown"
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        }
    }

    public init?(name: String) {
        guard let type = ColumnType.allCases.first(where: { $0.name == name }) else { return nil }
        self = type
    }

    /// The narrowest type holding both.
    public func widened(_ other: ColumnType) -> ColumnType { max(self, other) }

    /// The type of one field's bytes, spaces around it ignored: integer
    /// (`-12`), real (`3.5`, `1e-3`, `.5`), else text; `.unknown` for the
    /// empty field and for a missing-value marker (`Missing`), which say
    /// nothing of the column's type.
    public static func of(_ field: UnsafeBufferPointer<UInt8>) -> ColumnType {
        let field = Missing.trimmed(field)
        if field.isEmpty || Missing.isMarker(field) { return .unknown }
        if Number.integer(field) != nil { return .integer }
        if Number.real(field, shapeOnly: true) != nil { return .real }
        return .text
    }
}

/// Missing values (DESIGN.md, "Missing values"): besides the empty field,
/// the markers data people write for "no reading" are NULL in a column
/// whose other values are numbers; in a text column they stay text.
public enum Missing {
    /// `NA`, `N/A`, `NaN`, `nan`, `null`, `NULL`, `None`, `-`.
    public static let markers: [String] = ["NA", "N/A", "NaN", "nan", "null", "NULL", "None", "-"]
    private static let markerBytes: [[UInt8]] = markers.map { Array($0.utf8) }

    public static func isMarker(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        guard field.count <= 4, field.count > 0 else { return false }
        return markerBytes.contains { $0.elementsEqual(field) }
    }

    public static func isMarker(_ text: String) -> Bool {
        text.utf8.count <= 4 && markers.contains(text)
    }

    /// `field` without the spaces and tabs around it.
    @inline(__always)
    public static func trimmed(_ field: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let first = field.first, let last = field.last,
              first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 else { return field }
        var start = field.startIndex, end = field.endIndex
        while start < end, field[start] == 0x20 || field[start] == 0x09 { start += 1 }
        while end > start, field[end - 1] == 0x20 || field[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: field[start..<end])
    }
}

/// A column typed TEXT although most of its values are numbers: a few
/// values that are neither numbers nor missing-value markers made it so.
/// The command that wrote the file reports it (DESIGN.md, "Missing values").
public struct MostlyNumericColumn: Equatable, Sendable {
    public let column: String
    /// How many values are not numbers, of how many non-empty values.
    public let texts: Int
    public let values: Int
    /// The first such value and its line.
    public let firstLine: Int
    public let firstValue: String

    /// "Mostly": at least 90% of the column's non-empty values are numbers.
    static func isMostlyNumeric(numbers: Int, texts: Int) -> Bool {
        texts > 0 && numbers >= 9 * texts
    }
}

/// Numbers as a table's text spells them, parsed from bytes without making strings.
public enum Number {
    /// `field` as a 64-bit integer: an optional sign and 1 to 19 digits, in range.
    public static func integer(_ field: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        var negative = false
        if let first = field.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            index = 1
        }
        guard index < field.count, field.count - index <= 19 else { return nil }
        var value: Int64 = 0
        while index < field.count {
            let digit = field[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = negative ? times.subtractingReportingOverflow(Int64(digit)) : times.addingReportingOverflow(Int64(digit))
            if o1 || o2 { return nil }
            value = sum
            index += 1
        }
        return value
    }

    /// `field` as a finite double in decimal notation (`3.5`, `-.5`, `2.`,
    /// `1e-3`, `6.02E23`); not `inf`, `nan` or hexadecimal, which stay text.
    /// With `shapeOnly`, a number without an exponent is not converted (its
    /// type is all that is asked, and such a number is always finite): the
    /// returned value is then 0.
    public static func real(_ field: UnsafeBufferPointer<UInt8>, shapeOnly: Bool = false) -> Double? {
        // The shape first: sign? digits* (. digits*)? ((e|E) sign? digits+)?, with a digit before the exponent.
        var index = 0
        let count = field.count
        func digits() -> Int {
            let start = index
            while index < count, field[index] &- UInt8(ascii: "0") < 10 { index += 1 }
            return index - start
        }
        if index < count, field[index] == UInt8(ascii: "-") || field[index] == UInt8(ascii: "+") { index += 1 }
        var mantissa = digits()
        if index < count, field[index] == UInt8(ascii: ".") {
            index += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return nil }
        var exponent = false
        if index < count, field[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            exponent = true
            if index < count, field[index] == UInt8(ascii: "-") || field[index] == UInt8(ascii: "+") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        guard index == count, count < 400 else { return nil }
        if shapeOnly && !exponent && count < 300 { return 0 }
        if !exponent && mantissa <= 15 { return plainDecimal(field) }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { text in
            for i in 0..<count { text[i] = CChar(bitPattern: field[i]) }
            text[count] = 0
            let value = strtod(text.baseAddress!, nil)
            return value.isFinite ? value : nil
        }
    }

    private static let powersOfTen: [Double] = (0...15).map { pow(10, Double($0)) }

    /// A decimal of at most 15 digits and no exponent, shape already
    /// checked: its digits as an integer (exact below 2^53) divided by a
    /// power of ten (exact up to 10^22), one correctly rounded division,
    /// the value strtod gives, without its cost.
    private static func plainDecimal(_ field: UnsafeBufferPointer<UInt8>) -> Double {
        var digits: Int64 = 0
        var fraction = -1
        var negative = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "+"): break
            case UInt8(ascii: "."): fraction = 0
            default:
                digits = digits * 10 + Int64(byte &- UInt8(ascii: "0"))
                if fraction >= 0 { fraction += 1 }
            }
        }
        let value = Double(digits) / powersOfTen[max(fraction, 0)]
        return negative ? -value : value
    }
}

/// A header made usable as column names: an empty name becomes `colN` (N
/// its 1-based position), a repeated one gets `_2`, `_3`, ... and a name
/// Pond gives its own columns (`reserved`) is suffixed the same way.
public func uniqueColumnNames(_ names: [String], reserved: Set<String> = []) -> [String] {
    var taken = reserved.map { $0.lowercased() }.reduce(into: Set<String>()) { $0.insert($1) }
    var result: [String] = []
    for (position, raw) in names.enumerated() {
        let base = raw.isEmpty ? "col\(position + 1)" : raw
        var name = base
        var suffix = 2
        // SQLite compares column names without regard to ASCII case.
        while taken.contains(name.lowercased()) {
            name = "\(base)_\(suffix)"
            suffix += 1
        }
        taken.insert(name.lowercased())
        result.append(name)
    }
    return result
}
