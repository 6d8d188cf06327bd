/// An absolute, normalized path in a pond: the root, or names below it.
///
/// Typed paths are normalized lexically: empty and `.` components are
/// dropped, `..` removes the component before it and may not climb above the
/// root. A relative path means the same path under the directory it is
/// resolved against (the root unless a working directory says otherwise).
public struct PondPath: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The names from the root down; empty for the root.
    public let components: [Name]
    /// The path as text (`/a/b`), made once: paths are compared, hashed and
    /// printed by it.
    public let description: String

    public init(components: [Name]) {
        self.components = components
        // A loop, not joined(separator:): its first use in a process costs a scan of the
        // binary's conformance records, and a one-shot read needs no other (README "Benchmarks").
        var text = "/"
        for (index, name) in components.enumerated() {
            if index > 0 { text += "/" }
            text += name.string
        }
        self.description = text
    }

    /// The root directory, `/`.
    public static let root = PondPath(components: [])

    /// Parses and normalizes `string`, relative to `base` when it does not start with `/`.
    /// - Throws: `TinyFSError.invalidPath` for an empty path or one whose `..`
    ///   climbs above the root; `TinyFSError.invalidName` for a bad component.
    public init(_ string: String, relativeTo base: PondPath = .root) throws {
        if string.isEmpty { throw TinyFSError.invalidPath(string, reason: "a path cannot be empty") }
        var components = string.hasPrefix("/") ? [] : base.components
        for step in PondPath.steps(of: string) {
            switch step {
            case .up:
                if components.isEmpty { throw TinyFSError.invalidPath(string, reason: "'..' climbs above the root") }
                components.removeLast()
            case .down(let part):
                components.append(try Name(String(part)))
            }
        }
        self.init(components: components)
    }

    /// One step of a typed path, read lexically.
    enum Step {
        /// Into the component named so (not yet checked as a name).
        case down(Substring)
        /// `..`: back out of the last component.
        case up
    }

    /// The steps of `text` from where it starts: empty and `.` components
    /// dropped, `..` an `up`. The one reading of path syntax, for paths and
    /// for glob patterns alike.
    static func steps(of text: String) -> [Step] {
        text.split(separator: "/", omittingEmptySubsequences: true).compactMap { part in
            switch part {
            case ".": nil
            case "..": .up
            default: .down(part)
            }
        }
    }

    /// A path from a literal; an invalid literal is a programming error.
    public init(stringLiteral value: String) {
        do { try self.init(value) } catch { preconditionFailure("invalid path literal \(value): \(error)") }
    }

    public var isRoot: Bool { components.isEmpty }

    /// The last name, or nil for the root.
    public var lastName: Name? { components.last }

    /// The directory holding this path; the root is its own parent.
    public var parent: PondPath { PondPath(components: Array(components.dropLast())) }

    /// This path with `name` appended.
    public func appending(_ name: Name) -> PondPath { PondPath(components: components + [name]) }

    /// This path with `other`'s components appended.
    public func appending(_ other: PondPath) -> PondPath { PondPath(components: components + other.components) }

    /// Whether `other` is this path or lies below it.
    public func contains(_ other: PondPath) -> Bool {
        other.components.count >= components.count && Array(other.components.prefix(components.count)) == components
    }

    /// Bytewise, as names are: `/é` and `/e\u{301}` are two paths (Swift's
    /// `String ==` would call them one, by canonical equivalence).
    public static func == (lhs: PondPath, rhs: PondPath) -> Bool { lhs.description.utf8.elementsEqual(rhs.description.utf8) }

    public func hash(into hasher: inout Hasher) {
        for byte in description.utf8 { hasher.combine(byte) }
    }

    /// Bytewise order of the full path strings, as `list` prints them
    /// (`/a-c` sorts before `/a/b`, since `-` is below `/`).
    public static func < (lhs: PondPath, rhs: PondPath) -> Bool {
        bytewiseLess(lhs.description, rhs.description)
    }

    /// Whether `lhs` comes before `rhs` comparing their UTF-8 bytes, read in
    /// place: the one bytewise order of names and paths.
    static func bytewiseLess(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs, rhs = rhs
        return lhs.withUTF8 { left in rhs.withUTF8 { right in left.lexicographicallyPrecedes(right) } }
    }
}
