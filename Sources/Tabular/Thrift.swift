/// Thrift's compact protocol, the encoding of Parquet's footer and page
/// headers (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md):
/// a reader over bytes that may be damaged (every length is checked, nesting
/// is bounded) and a writer.
enum ThriftType: UInt8 {
    case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7
    case binary = 8, list = 9, set = 10, map = 11, structure = 12
}

/// The unsigned LEB128 number at `position` in `bytes` (Thrift's and
/// Parquet's varints), `position` stepped past it; nil when it runs past the
/// end or past 64 bits.
func readVarint(_ bytes: UnsafeRawBufferPointer, at position: inout Int) -> UInt64? {
    var result: UInt64 = 0, shift: UInt64 = 0
    while position < bytes.count, shift < 64 {
        let next = bytes[position]
        position += 1
        result |= UInt64(next & 0x7F) << shift
        if next & 0x80 == 0 { return result }
        shift += 7
    }
    return nil
}

/// A zigzag-encoded varint's signed value.
@inline(__always)
func unzigzag(_ raw: UInt64) -> Int64 { Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))) }

/// What is wrong with Thrift bytes.
struct ThriftError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct ThriftReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    private var depth = 0
    /// Nesting deeper than this is damage, not a Parquet footer.
    private static let deepest = 64

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw ThriftError("the bytes end inside a structure") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        guard let value = readVarint(bytes, at: &position) else { throw ThriftError("a number runs past the end or past 64 bits") }
        return value
    }

    mutating func i64() throws -> Int64 { unzigzag(try varint()) }

    mutating func i32() throws -> Int32 {
        let value = try i64()
        guard let narrow = Int32(exactly: value) else { throw ThriftError("\(value) does not fit a 32-bit field") }
        return narrow
    }

    mutating func double() throws -> Double {
        guard bytes.count - position >= 8 else { throw ThriftError("the bytes end inside a double") }
        var raw: UInt64 = 0
        for index in 0..<8 { raw |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += 8
        return Double(bitPattern: raw)
    }

    mutating func binary() throws -> [UInt8] {
        let length = try varint()
        guard length <= UInt64(bytes.count - position) else { throw ThriftError("a string of \(length) bytes runs past the end") }
        defer { position += Int(length) }
        return Array(bytes[position..<position + Int(length)])
    }

    mutating func string() throws -> String { String(decoding: try binary(), as: UTF8.self) }

    /// A list's (or set's) elements, each read by `element`.
    mutating func list<T>(_ element: (inout ThriftReader, ThriftType) throws -> T) throws -> [T] {
        let header = try byte()
        var count = UInt64(header >> 4)
        if count == 15 { count = try varint() }
        guard let type = ThriftType(rawValue: header & 0x0F) else { throw ThriftError("unknown element type \(header & 0x0F)") }
        // Every element takes a byte at least: a longer count is damage, not a reason to allocate.
        guard count <= UInt64(bytes.count - position) else { throw ThriftError("a list of \(count) elements runs past the end") }
        var result: [T] = []
        result.reserveCapacity(Int(count))
        for _ in 0..<count { result.append(try element(&self, type)) }
        return result
    }

    /// A struct's fields: `field` is called with each field's id and type
    /// and returns whether it read the value; a value it did not read is skipped.
    mutating func structure(_ field: (inout ThriftReader, Int16, ThriftType) throws -> Bool) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= ThriftReader.deepest else { throw ThriftError("structures nest too deep") }
        var last: Int16 = 0
        while true {
            let header = try byte()
            guard let type = ThriftType(rawValue: header & 0x0F) else { throw ThriftError("unknown field type \(header & 0x0F)") }
            if type == .stop { return }
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                let wide = try i64()
                guard let narrow = Int16(exactly: wide) else { throw ThriftError("field id \(wide) out of range") }
                id = narrow
            } else {
                id = last &+ delta
            }
            last = id
            if try !field(&self, id, type) { try skip(type) }
        }
    }

    /// A bool field's value: in a struct, its type says it; in a list, a byte.
    mutating func bool(_ type: ThriftType) throws -> Bool {
        switch type {
        case .boolTrue: return true
        case .boolFalse: return false
        default: return try byte() == 1
        }
    }

    mutating func skip(_ type: ThriftType) throws {
        switch type {
        case .stop, .boolTrue, .boolFalse: return
        case .byte: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double: _ = try double()
        case .binary:
            let length = try varint()
            guard length <= UInt64(bytes.count - position) else { throw ThriftError("a string of \(length) bytes runs past the end") }
            position += Int(length)
        case .list, .set:
            depth += 1
            defer { depth -= 1 }
            guard depth <= ThriftReader.deepest else { throw ThriftError("structures nest too deep") }
            _ = try list { reader, type in try reader.skip(type == .boolTrue || type == .boolFalse ? .byte : type) }
        case .map:
            let count = try varint()
            guard count > 0 else { return }
            let types = try byte()
            guard let key = ThriftType(rawValue: types >> 4), let value = ThriftType(rawValue: types & 0x0F) else {
                throw ThriftError("unknown map types")
            }
            guard count <= UInt64(bytes.count - position) else { throw ThriftError("a map runs past the end") }
            for _ in 0..<count {
                try skip(key == .boolTrue || key == .boolFalse ? .byte : key)
                try skip(value == .boolTrue || value == .boolFalse ? .byte : value)
            }
        case .structure:
            try structure { _, _, _ in false }
        }
    }
}

/// Writes Thrift's compact protocol: open a struct, write its fields in
/// ascending id order, close it.
struct ThriftWriter {
    private(set) var bytes: [UInt8] = []
    private var lastField: [Int16] = [0]

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Bytes as they are (a list's binary element, after its length).
    mutating func appendRaw(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    mutating func zigzag(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    private mutating func fieldHeader(_ id: Int16, _ type: ThriftType) {
        let delta = id - lastField[lastField.count - 1]
        if delta > 0, delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            zigzag(Int64(id))
        }
        lastField[lastField.count - 1] = id
    }

    mutating func field(_ id: Int16, i32 value: Int32) {
        fieldHeader(id, .i32)
        zigzag(Int64(value))
    }

    mutating func field(_ id: Int16, i64 value: Int64) {
        fieldHeader(id, .i64)
        zigzag(value)
    }

    mutating func field(_ id: Int16, bool value: Bool) { fieldHeader(id, value ? .boolTrue : .boolFalse) }

    mutating func field(_ id: Int16, binary value: [UInt8]) {
        fieldHeader(id, .binary)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func field(_ id: Int16, string value: String) { field(id, binary: Array(value.utf8)) }

    /// A struct-valued field: `body` writes its fields.
    mutating func field(_ id: Int16, structure body: (inout ThriftWriter) -> Void) {
        fieldHeader(id, .structure)
        structure(body)
    }

    /// A list-valued field of `count` elements of `type`, written by `body`.
    mutating func field(_ id: Int16, list type: ThriftType, count: Int, _ body: (inout ThriftWriter) -> Void) {
        fieldHeader(id, .list)
        if count < 15 {
            bytes.append(UInt8(count) << 4 | type.rawValue)
        } else {
            bytes.append(0xF0 | type.rawValue)
            varint(UInt64(count))
        }
        body(&self)
    }

    /// A struct (a list element, or the outermost): `body` writes its fields, then the stop byte.
    mutating func structure(_ body: (inout ThriftWriter) -> Void) {
        lastField.append(0)
        body(&self)
        bytes.append(ThriftType.stop.rawValue)
        lastField.removeLast()
    }
}
