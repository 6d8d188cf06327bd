import GRDB
import TinyFS

/// What one row of `log` records: the one list of row kinds
/// (Schema/v1_log.sql says what each row's columns hold), mapped to the
/// text of the `kind` column here and nowhere else.
public enum RowKind: String, Sendable, CaseIterable {
    /// A directory was created (with a dynamic spec in `payload`, for a dynamic one).
    case mkdir
    /// A node was given a name in a directory (created there, or moved there).
    case link
    /// A node lost a name in a directory (removed, or moved away).
    case unlink
    /// A file's content was written.
    case write
    /// A symlink's target was set.
    case symlink

    /// The kind as an SQL string literal, for a statement's text: `'write'`.
    var sql: String { "'\(rawValue)'" }

    /// The kind of row that holds a node's content (file) or target
    /// (symlink), or creates it (directory).
    static func defining(_ type: NodeType) -> RowKind {
        switch type {
        case .file: .write
        case .symlink: .symlink
        case .directory: .mkdir
        }
    }
}

extension RowKind: DatabaseValueConvertible {}

extension LogSession {
    /// The newest row of `kind` for `node` up to this session's version:
    /// `columns` of it, nil if there is none. The one place that question is
    /// asked (content, target, spec, metadata); one seek in `log_by_node`.
    func newestRow(of node: NodeID, kind: RowKind, columns: String) throws -> Row? {
        let statement = try db.cachedStatement(sql: """
            SELECT \(columns) FROM log WHERE node_id = ? AND kind = \(kind.sql) AND version <= ?
            ORDER BY version DESC, seq DESC LIMIT 1
            """)
        return try Row.fetchOne(statement, arguments: [node.rawValue, version.rawValue])
    }
}
