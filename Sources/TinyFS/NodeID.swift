/// The identity of a node: a file, directory or symlink.
///
/// A node keeps its id for life: through overwrites, moves and renames.
/// The root directory is 0. Ids are allocated by the persistence layer as
/// one more than the largest id ever used, because writers are serialized
/// (one transaction at a time holds the write lock), so a counter read inside
/// the transaction cannot collide; dense, small ids keep the log's indexes
/// compact and the ids easy to read, and an id whose transaction rolled back
/// is free again because nothing refers to it (one handed out in a rolled-back
/// savepoint is skipped for the rest of that transaction). People see ids as 16 hex
/// digits; SQL sees them as INTEGERs.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The id as SQLite stores it.
    public let rawValue: Int64

    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    /// The root directory's id.
    public static let root = NodeID(0)

    public var isRoot: Bool { rawValue == 0 }

    /// The next id after this one.
    public var successor: NodeID { NodeID(rawValue + 1) }

    /// 16 lowercase hex digits, as the CLI shows ids.
    public var description: String {
        let hex = String(UInt64(bitPattern: rawValue), radix: 16)
        return String(repeating: "0", count: 16 - hex.utf8.count) + hex
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.rawValue < rhs.rawValue }
}
