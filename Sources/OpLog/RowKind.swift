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

/// "The newest row of a node of one kind up to version V", for one list of
/// columns: the one shape of that question, its SQL made once per use.
struct NewestRowQuery: Sendable {
    let sql: String

    init(_ kind: RowKind, columns: String) {
        sql = """
            SELECT \(columns) FROM log WHERE node_id = ? AND kind = \(kind.sql) AND version <= ?
            ORDER BY version DESC, seq DESC LIMIT 1
            """
    }

    /// A file's content: its write row's hash, size and (schema 1) inline bytes.
    static let content = NewestRowQuery(.write, columns: "hash, size, payload")
    /// A symlink's target.
    static let target = NewestRowQuery(.symlink, columns: "payload")
    /// A directory's dynamic spec, if it has one.
    static let spec = NewestRowQuery(.mkdir, columns: "json_extract(payload, '$.factory'), json_extract(payload, '$.argument')")
    /// The metadata of a file or a symlink.
    static let fileMetadata = NewestRowQuery(.write, columns: "size, version, hash")
    static let symlinkMetadata = NewestRowQuery(.symlink, columns: "size, version, hash")
}

extension LogSession {
    /// `query`'s row for `node` up to this session's version, nil if there
    /// is none: one seek in `log_by_node`.
    func newestRow(_ query: NewestRowQuery, of node: NodeID) throws -> Row? {
        try Row.fetchOne(db.cachedStatement(sql: query.sql), arguments: [node.rawValue, version.rawValue])
    }
}
