import Foundation

/// How a Parquet column's stored values become SQL values (DESIGN.md,
/// "Parquet and compressed files"): integers INTEGER, floats and decimals
/// REAL, strings TEXT, binary BLOB, booleans 0/1, dates `YYYY-MM-DD`,
/// timestamps ISO-8601 UTC text, nested columns JSON text.
enum ParquetValueKind: Equatable {
    case integer, unsigned32, unsigned64, real
    case decimal(scale: Int)
    case decimalBytes(scale: Int)
    case float16
    case date
    case timestamp(ParquetLogical.TimeUnit)
    case time(ParquetLogical.TimeUnit)
    case text, blob, uuid
    case nested

    init(node: SchemaNode) {
        guard let leaf = node.leaf, node.element.repetition != .repeated, let type = node.element.type else {
            self = .nested
            return
        }
        _ = leaf
        self.init(type: type, logical: node.element.logical)
    }

    init(type: ParquetType, logical: ParquetLogical?) {
        switch type {
        case .boolean: self = .integer
        case .int32, .int64:
            switch logical {
            case .integer(let bits, false)?: self = bits == 64 ? .unsigned64 : bits == 32 ? .unsigned32 : .integer
            case .date?: self = .date
            case .timestamp(let unit, _)?: self = .timestamp(unit)
            case .time(let unit)?: self = .time(unit)
            case .decimal(let scale, _)?: self = .decimal(scale: scale)
            default: self = .integer
            }
        case .int96: self = .timestamp(.nanos)
        case .float, .double: self = .real
        case .byteArray:
            switch logical {
            case .string?, .json?, .enumeration?: self = .text
            case .decimal(let scale, _)?: self = .decimalBytes(scale: scale)
            default: self = .blob
            }
        case .fixedLenByteArray:
            switch logical {
            case .decimal(let scale, _)?: self = .decimalBytes(scale: scale)
            case .uuid?: self = .uuid
            case .float16?: self = .float16
            case .string?, .json?, .enumeration?: self = .text
            default: self = .blob
            }
        }
    }

    var columnType: ColumnType {
        switch self {
        case .integer, .unsigned32, .unsigned64: .integer
        case .real, .decimal, .decimalBytes, .float16: .real
        case .date, .timestamp, .time, .text, .uuid, .nested: .text
        case .blob: .blob
        }
    }

    /// A statistics value (PLAIN, without a length for byte arrays) as a
    /// bound, nil when its order is not SQL's order of the values.
    func bound(_ bytes: [UInt8], leaf: LeafDescriptor, legacy: Bool) -> Bound? {
        func integer() -> Int64? {
            switch (leaf.type, bytes.count) {
            case (.int32, 4): return Int64(Int32(bitPattern: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24))
            case (.int64, 8): return Int64(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) })
            case (.boolean, 1): return Int64(bytes[0] & 1)
            default: return nil
            }
        }
        switch self {
        case .integer: return integer().map(Bound.integer)
        case .unsigned32:
            guard !legacy, let value = integer() else { return nil }
            return .integer(Int64(UInt32(truncatingIfNeeded: value)))
        case .decimal(let scale): return integer().map { .real(Double($0) / pow(10, Double(scale))) }
        case .date, .timestamp:
            guard let value = integer() else { return nil }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ParquetValueKind.scratchSize) { buffer in
                let count = formatTemporal(self, value, into: buffer)
                return .text(Array(buffer[..<count]))
            }
        case .real:
            let value: Double
            switch (leaf.type, bytes.count) {
            case (.float, 4): value = Double(Float(bitPattern: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24))
            case (.double, 8): value = Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) })
            default: return nil
            }
            return value.isNaN ? nil : .real(value)
        case .text:
            // The legacy fields compared bytes as signed: no order for text.
            return legacy ? nil : .text(bytes)
        case .unsigned64, .decimalBytes, .float16, .time, .blob, .uuid, .nested:
            return nil
        }
    }
}

extension ParquetValueKind {
    /// The bytes a cell's text may be written into (a date, time, timestamp, UUID).
    static let scratchSize = 64

    /// What a decimal stored as an integer is divided by: `10^scale`.
    var divisor: Double {
        if case .decimal(let scale) = self { return pow(10, Double(scale)) }
        return 1
    }

    /// A value stored as an integer, as SQL's value; a date or time is written into `scratch`.
    @inline(__always)
    func cell(integer value: Int64, divisor: Double, scratch: UnsafeMutablePointer<UInt8>) -> Cell {
        switch self {
        case .unsigned32: return .integer(Int64(UInt32(truncatingIfNeeded: value)))
        case .unsigned64:
            let unsigned = UInt64(bitPattern: value)
            return unsigned <= UInt64(Int64.max) ? .integer(value) : .real(Double(unsigned))
        case .decimal: return .real(Double(value) / divisor)
        case .date, .timestamp, .time:
            let count = formatTemporal(self, value, into: UnsafeMutableBufferPointer(start: scratch, count: ParquetValueKind.scratchSize))
            return .text(UnsafeBufferPointer(start: scratch, count: count))
        default: return .integer(value)
        }
    }

    /// A float or double as SQL's value (NaN is NULL, as SQLite has it).
    @inline(__always)
    func cell(real value: Double) -> Cell { value.isNaN ? .null : .real(value) }

    /// A byte array as SQL's value; a UUID is written into `scratch`.
    @inline(__always)
    func cell(bytes: UnsafeBufferPointer<UInt8>, scratch: UnsafeMutablePointer<UInt8>) -> Cell {
        switch self {
        case .text: return .text(bytes)
        case .decimalBytes(let scale): return .real(decimalValue(bytes, scale: scale))
        case .float16: return .real(float16Value(bytes))
        case .uuid:
            guard bytes.count == 16 else { return .blob(bytes) }
            let hex = Array("0123456789abcdef".utf8)
            var at = 0
            for (position, byte) in bytes.enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 {
                    scratch[at] = UInt8(ascii: "-")
                    at += 1
                }
                scratch[at] = hex[Int(byte >> 4)]
                scratch[at + 1] = hex[Int(byte & 15)]
                at += 2
            }
            return .text(UnsafeBufferPointer(start: scratch, count: at))
        default: return .blob(bytes)
        }
    }
}

/// A big-endian two's-complement integer of any length as a Double, divided by 10^scale.
func decimalValue(_ bytes: UnsafeBufferPointer<UInt8>, scale: Int) -> Double {
    guard let first = bytes.first else { return 0 }
    let negative = first & 0x80 != 0
    var magnitude = 0.0
    if negative {
        // Two's complement: invert, add one.
        var carry = 1
        var digits = [UInt8](repeating: 0, count: bytes.count)
        for index in stride(from: bytes.count - 1, through: 0, by: -1) {
            let value = Int(~bytes[index]) + carry
            digits[index] = UInt8(value & 0xFF)
            carry = value >> 8
        }
        for byte in digits { magnitude = magnitude * 256 + Double(byte) }
    } else {
        for byte in bytes { magnitude = magnitude * 256 + Double(byte) }
    }
    return (negative ? -magnitude : magnitude) / pow(10, Double(scale))
}

/// IEEE half precision as a Double.
func float16Value(_ bytes: UnsafeBufferPointer<UInt8>) -> Double {
    guard bytes.count == 2 else { return .nan }
    let bits = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
    let sign: Double = bits & 0x8000 != 0 ? -1 : 1
    let exponent = Int(bits >> 10 & 0x1F), fraction = Double(bits & 0x3FF)
    if exponent == 0 { return sign * fraction * pow(2, -24) }
    if exponent == 31 { return fraction == 0 ? sign * .infinity : .nan }
    return sign * (1 + fraction / 1024) * pow(2, Double(exponent - 15))
}

/// Writes a date, timestamp or time value as text into `buffer` (at least
/// 40 bytes): `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (nine digits for
/// nanoseconds), `HH:MM:SS.ffffff`. Returns the length.
func formatTemporal(_ kind: ParquetValueKind, _ value: Int64, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
    var text = TemporalText(buffer: buffer)
    func split(_ value: Int64, _ perSecond: Int64) -> (seconds: Int64, fraction: Int64) {
        let seconds = value >= 0 ? value / perSecond : -((-(value + 1)) / perSecond) - 1
        return (seconds, value - seconds * perSecond)
    }
    func perSecond(_ unit: ParquetLogical.TimeUnit) -> Int64 {
        switch unit {
        case .millis: 1000
        case .micros: 1_000_000
        case .nanos: 1_000_000_000
        }
    }
    switch kind {
    case .date:
        text.date(value)
    case .timestamp(let unit):
        let rate = perSecond(unit)
        let (seconds, fraction) = split(value, rate)
        let days = seconds >= 0 ? seconds / 86400 : -((-(seconds + 1)) / 86400) - 1
        text.date(days)
        text.put("T")
        text.clock(fraction, perSecond: rate, fractionDigits: unit == .nanos ? 9 : 6, secondsOfDay: seconds - days * 86400)
        text.put("Z")
    case .time(let unit):
        let rate = perSecond(unit)
        let (seconds, fraction) = split(value, rate)
        text.clock(fraction, perSecond: rate, fractionDigits: unit == .nanos ? 9 : 6, secondsOfDay: ((seconds % 86400) + 86400) % 86400)
    default:
        break
    }
    return text.at
}

/// `formatTemporal`'s output and how far it is written: a value of its own,
/// so its steps need no exclusivity checks at run time (closures capturing
/// a local `var` would, at every digit).
private struct TemporalText {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    var at = 0

    mutating func digits(_ number: Int64, _ count: Int) {
        var number = number
        for index in stride(from: at + count - 1, through: at, by: -1) {
            buffer[index] = UInt8(ascii: "0") + UInt8(number % 10)
            number /= 10
        }
        at += count
    }

    mutating func put(_ character: Unicode.Scalar) {
        buffer[at] = UInt8(character.value)
        at += 1
    }

    mutating func date(_ days: Int64) {
        // Howard Hinnant's days-to-civil.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        var year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        if year < 0 {
            put("-")
            year = -year
        }
        digits(min(year, 999_999), year > 9999 ? (year > 99999 ? 6 : 5) : 4)
        put("-")
        digits(month, 2)
        put("-")
        digits(day, 2)
    }

    mutating func clock(_ fraction: Int64, perSecond: Int64, fractionDigits: Int, secondsOfDay: Int64) {
        digits(secondsOfDay / 3600, 2)
        put(":")
        digits(secondsOfDay / 60 % 60, 2)
        put(":")
        digits(secondsOfDay % 60, 2)
        put(".")
        digits(fractionDigits == 9 ? fraction : fraction * (1_000_000 / perSecond), fractionDigits)
    }
}
