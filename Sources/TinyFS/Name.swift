/// One component of a pond path: any UTF-8 except `/` and NUL, not `.` or
/// `..`, not empty, at most 255 bytes.
///
/// Names compare bytewise (their UTF-8), with no Unicode normalization:
/// "é" precomposed and "e" + combining accent are two different names, as
/// they are on a Linux filesystem. Swift's `String ==` would call them equal,
/// so `Name` defines equality, hashing and order on the bytes.
public struct Name: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The name as text.
    public let string: String

    /// The longest name in bytes, as on common filesystems.
    public static let maxLength = 255

    /// Validates `string` as a name.
    /// - Throws: `TinyFSError.invalidName` saying which rule it breaks.
    public init(_ string: String) throws {
        if let reason = Name.problem(with: string) {
            throw TinyFSError.invalidName(string, reason: reason)
        }
        self.string = string
    }

    /// A name from a literal; a literal that is not a valid name is a programming error.
    public init(stringLiteral value: String) {
        precondition(Name.problem(with: value) == nil, "invalid name literal: \(value)")
        self.string = value
    }

    /// Why `string` is not a valid name, or nil if it is one.
    public static func problem(with string: String) -> String? {
        let bytes = string.utf8
        if bytes.isEmpty { return "a name cannot be empty" }
        if string == "." || string == ".." { return "'.' and '..' are not names" }
        if bytes.count > maxLength { return "a name is at most \(maxLength) bytes (this one is \(bytes.count))" }
        if bytes.contains(UInt8(ascii: "/")) { return "a name cannot contain '/'" }
        if bytes.contains(0) { return "a name cannot contain NUL" }
        return nil
    }

    public var description: String { string }

    public static func == (lhs: Name, rhs: Name) -> Bool {
        lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        for byte in string.utf8 { hasher.combine(byte) }
    }

    /// Bytewise order, as `list` prints and as SQLite's BINARY collation sorts.
    public static func < (lhs: Name, rhs: Name) -> Bool {
        PondPath.bytewiseLess(lhs.string, rhs.string)
    }
}
