import Foundation
import TinyFS

/// A pond version: the number of a committed transaction.
///
/// `pond init` commits version 1 (the empty root); each committed top-level
/// transaction that changed something adds one. Versions are contiguous.
public struct Version: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public let rawValue: Int64

    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public init(integerLiteral value: Int64) { self.rawValue = value }

    /// The version `pond init` commits.
    public static let first = Version(1)

    /// The version after this one.
    public var next: Version { Version(rawValue + 1) }

    public var description: String { String(rawValue) }

    public static func < (lhs: Version, rhs: Version) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One committed transaction, as the `versions` table records it.
public struct Transaction: Equatable, Sendable {
    public let version: Version
    /// Commit time, ISO-8601 UTC with milliseconds.
    public let time: String
    /// The command line or library message that made it.
    public let command: String
    /// The user's message (`-m`), nil if none was given.
    public var message: String? = nil
}

/// One row of a node's history: how one version touched it.
public struct NodeEvent: Equatable, Sendable {
    /// What the event's row records.
    public typealias Kind = RowKind

    public let version: Version
    public let kind: Kind
    /// The directory the row belongs to (the partition).
    public let directory: NodeID
    /// The entry name, for `link` and `unlink`.
    public let name: String?
    /// When `version` was committed, ISO-8601 UTC.
    public let time: String
    /// The path the row was about (see `LogSession.history`); nil where none is known.
    public var path: String? = nil
    /// The content's size (a write) or the target's (a symlink).
    public var size: Int64? = nil
    /// The content's SHA-256, for a write.
    public var hash: Data? = nil
    /// What made the version: the command line.
    public var command: String = ""
    /// The node the row is about.
    public var node: NodeID? = nil
}
