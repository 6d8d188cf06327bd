import Foundation
import GRDB
import TinyFS

/// What the log says of one node at a version.
public struct NodeMetadata: Equatable, Sendable {
    /// Bytes for a file, the target's length for a symlink, entries for a directory.
    public let size: Int64
    /// The last version that changed the node: its content, target or entries.
    public let version: Version
    /// The version that created the node.
    public let created: Version
    /// SHA-256 of a file's content; nil for directories and symlinks.
    public let hash: Data?
}

extension LogSession {
    /// The metadata of stored node `id` of type `type` at this session's version.
    public func metadata(of id: NodeID, type: NodeType) throws -> NodeMetadata {
        let created = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT min(version) FROM log WHERE node_id = ? AND version <= ?"),
            arguments: [id.rawValue, version.rawValue]) ?? 0
        switch type {
        case .file, .symlink:
            let kind = RowKind.defining(type)
            guard let row = try newestRow(type == .file ? .fileMetadata : .symlinkMetadata, of: id) else {
                throw LogSession.corrupt("node \(id) has no \(kind) row at version \(version)")
            }
            return NodeMetadata(size: row[0], version: Version(row[1] as Int64), created: Version(created), hash: row[2])
        case .directory:
            let changed = try Int64.fetchOne(
                db.cachedStatement(sql: """
                    SELECT max(version) FROM log WHERE part_id = ? AND version <= ? AND name IS NOT NULL
                    """),
                arguments: [id.rawValue, version.rawValue]) ?? created
            return NodeMetadata(
                size: Int64(try entries(in: id).count), version: Version(max(changed, created)),
                created: Version(created), hash: nil)
        }
    }
}

/// One row of the log, as `pond show` prints it.
public struct LogRow: Sendable {
    public let seq: Int64
    public let version: Version
    public let kind: RowKind
    public let partition: NodeID
    public let node: NodeID
    public let name: String?
    public let size: Int64?
    /// The payload as text: JSON for directory rows, the target for symlinks; nil for file bytes.
    public let detail: String?
}

/// Figures about a pond file, as `pond status` prints them.
public struct LogStatistics: Sendable {
    public let schemaVersion: Int
    public let head: Version
    public let nodes: Int
    public let rows: Int
    /// The hash chain's hash of `head` (Schema/v3_chain.sql): keep it
    /// elsewhere to notice later whether history up to `head` was rewritten.
    public let chainHash: Data?
    /// Bytes of file content stored (chunks, and schema-1 bytes kept inline).
    public let storedBytes: Int64
    /// File versions up to this version whose bytes a prune let go.
    public let prunedFileVersions: Int
}

extension LogSession {
    /// The log's rows with version from `since` up to this session's version, oldest first.
    public func rows(since: Version) throws -> [LogRow] {
        try Row.fetchAll(db, sql: """
            SELECT seq, version, kind, part_id, node_id, name, size,
                   CASE WHEN kind = \(RowKind.write.sql) THEN NULL WHEN payload IS NULL THEN NULL
                        WHEN kind = \(RowKind.symlink.sql) THEN CAST(payload AS TEXT) ELSE json(payload) END
            FROM log WHERE version >= ? AND version <= ? ORDER BY seq
            """, arguments: [since.rawValue, version.rawValue]
        ).map { row in
            LogRow(seq: row[0], version: Version(row[1] as Int64), kind: row[2], partition: NodeID(row[3]),
                   node: NodeID(row[4]), name: row[5], size: row[6], detail: row[7])
        }
    }

    /// Counts of nodes and rows up to this session's version, and the schema version.
    public func statistics() throws -> LogStatistics {
        let row = try Row.fetchOne(db, sql: """
            SELECT (SELECT user_version FROM pragma_user_version),
                   (SELECT count(DISTINCT node_id) FROM log WHERE version <= ?1),
                   (SELECT count(*) FROM log WHERE version <= ?1),
                   \(schemaVersion >= 3 ? "(SELECT hash FROM chain WHERE version = ?1)" : "NULL"),
                   \(schemaVersion >= 2 ? "(SELECT coalesce(sum(length(data)), 0) FROM chunks)" : "0")
                     + (SELECT coalesce(sum(length(payload)), 0) FROM log WHERE kind = \(RowKind.write.sql)),
                   \(schemaVersion >= 4 ? """
                     (SELECT count(*) FROM log WHERE kind = \(RowKind.write.sql) AND version <= ?1
                        AND hash IN (SELECT content FROM pruned))
                     """ : "0")
            """, arguments: [version.rawValue])!
        return LogStatistics(schemaVersion: row[0], head: version, nodes: row[1], rows: row[2], chainHash: row[3],
                             storedBytes: row[4], prunedFileVersions: row[5])
    }
}
