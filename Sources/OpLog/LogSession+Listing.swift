import Foundation
import GRDB
import GRDBSQLite
import TinyFS

/// One stored node of a whole-tree listing.
public struct ListedNode: Sendable {
    /// The node's path, "/a/b".
    public let path: String
    public let id: NodeID
    public let type: NodeType
    /// What a listing with metadata adds: bytes of a file, the target's
    /// length for a symlink, entries for a directory; and the last version
    /// that changed the node (its content, target or entries); and where a
    /// symlink points. Nil in a listing of paths alone.
    public let size: Int64?
    public let version: Version?
    public let target: String?
}

/// A whole stored tree at one version, folded from the log in a constant
/// number of statements (`LogSession.storedTree`): each directory's entries
/// and, with metadata, each node's size, last version and target.
public final class StoredTree {
    let version: Version
    let metadata: Bool
    let children: [Int64: [(name: String, id: Int64, type: NodeType)]]
    let changed: [Int64: Int64]
    /// Per node id (ids are handed out one after another, so a node's
    /// metadata is an array slot, not a hash lookup): the newest content
    /// row's size (-1: none) and version, and a directory's creation.
    let metadataOfNode: NodeMetadataColumns
    let targets: [Int64: String]

    init(version: Version, metadata: Bool, children: [Int64: [(name: String, id: Int64, type: NodeType)]], changed: [Int64: Int64],
         metadataOfNode: NodeMetadataColumns, targets: [Int64: String]) {
        self.version = version
        self.metadata = metadata
        self.children = children
        self.changed = changed
        self.metadataOfNode = metadataOfNode
        self.targets = targets
    }

    /// Hands every node below the root to `body`, sorted bytewise by path;
    /// without `paths`, each with an empty path (for a walk that only counts
    /// or measures: no path is made).
    public func forEach(paths: Bool = true, _ body: (ListedNode) throws -> Void) throws {
        try emit(NodeID.root.rawValue, "", depth: 0, paths: paths, body)
    }

    private func emit(_ directory: Int64, _ prefix: String, depth: Int, paths: Bool, _ body: (ListedNode) throws -> Void) throws {
        guard let entries = children[directory] else { return }
        guard depth < 4096 else { throw LogSession.corrupt("directory \(directory) is nested more than 4096 deep") }
        // Bytewise order of whole paths: an entry `n` sorts as `n`, what lies below it as `n/`
        // (so `/a-c` comes between `/a` and `/a/b`). A directory of leaves is in name order already.
        var items: [(key: [UInt8], index: Int, below: Bool)] = []
        if entries.contains(where: { $0.type == .directory && children[$0.id] != nil }) {
            items.reserveCapacity(entries.count * 2)
            for (index, entry) in entries.enumerated() {
                items.append((Array(entry.name.utf8), index, false))
                if entry.type == .directory, children[entry.id] != nil { items.append((Array(entry.name.utf8) + [0x2F], index, true)) }
            }
            items.sort { $0.key.lexicographicallyPrecedes($1.key) }
        } else {
            items = entries.indices.map { ([], $0, false) }
        }
        for item in items {
            let entry = entries[item.index]
            let path = paths ? prefix + "/" + entry.name : ""
            if item.below {
                try emit(entry.id, path, depth: depth + 1, paths: paths, body)
                continue
            }
            guard metadata else {
                try body(ListedNode(path: path, id: NodeID(entry.id), type: entry.type, size: nil, version: nil, target: nil))
                continue
            }
            let size: Int64, version: Int64
            if entry.type == .directory {
                size = Int64(children[entry.id]?.count ?? 0)
                version = max(changed[entry.id] ?? 0, metadataOfNode.created(entry.id))
            } else {
                guard let row = metadataOfNode.content(entry.id) else {
                    throw LogSession.corrupt("node \(entry.id) has no content row at version \(self.version)")
                }
                (size, version) = row
            }
            try body(ListedNode(path: path, id: NodeID(entry.id), type: entry.type, size: size, version: Version(version),
                                target: entry.type == .symlink ? targets[entry.id] : nil))
        }
    }
}

extension LogSession {
    /// Every stored node below the root at this session's version, sorted
    /// bytewise by path, and with `metadata` its size, last version and
    /// target: what `pond list` prints, in one statement whatever the tree's
    /// size (a scan of the entry rows in `log_by_name` order), and one more
    /// for the metadata (the content rows in `log_by_node` order; both
    /// indexes hold what is read, Schema/v7_indexes.sql) and a seek per
    /// symlink for its target, folded here as `entries(in:)` and
    /// `metadata` fold them one node at a time.
    ///
    /// - Returns: nil when the tree holds a dynamic directory, whose
    ///   entries only the filesystem can compute.
    public func storedListing(metadata: Bool) throws -> [ListedNode]? {
        guard let tree = try storedTree(metadata: metadata) else { return nil }
        var listing: [ListedNode] = []
        try tree.forEach { listing.append($0) }
        return listing
    }

    /// The fold behind `storedListing`, kept to be walked (`StoredTree.forEach`)
    /// as often as needed without reading the log again: what a listing of
    /// any size needs in memory is its entries, not its paths.
    /// - Returns: nil when the tree holds a dynamic directory.
    public func storedTree(metadata: Bool) throws -> StoredTree? {
        // Each directory's entries, in name order (SQLite's BINARY collation is bytewise).
        var children: [Int64: [(name: String, id: Int64, type: NodeType)]] = [:]
        var changed: [Int64: Int64] = [:]
        try withRawRows("""
            SELECT part_id, name, node_id, kind, payload, version FROM log
            WHERE name IS NOT NULL AND version <= ? ORDER BY part_id, name, version, seq
            """) { statement in
            // Rows come grouped by directory: its entries and its last change are kept once per directory.
            var part: Int64 = -1
            var entries: [(name: String, id: Int64, type: NodeType)] = []
            var lastChange: Int64 = 0
            var pending: (name: String, id: Int64, type: NodeType?)?
            func flushEntry() {
                if let entry = pending, let type = entry.type { entries.append((entry.name, entry.id, type)) }
                pending = nil
            }
            func flushDirectory() {
                flushEntry()
                if part >= 0 {
                    if !entries.isEmpty { children[part] = entries }
                    changed[part] = lastChange
                }
                entries = []
                lastChange = 0
            }
            while sqlite3_step(statement) == SQLITE_ROW {
                let rowPart = sqlite3_column_int64(statement, 0)
                let name = String(cString: sqlite3_column_text(statement, 1))
                if rowPart != part {
                    flushDirectory()
                    part = rowPart
                } else if let entry = pending, !entry.name.utf8.elementsEqual(name.utf8) {
                    // Names compare bytewise: Swift's `!=` would take `é` and `e\u{301}` for one.
                    flushEntry()
                }
                lastChange = max(lastChange, sqlite3_column_int64(statement, 5))
                // The newest row of each (directory, name) wins: a link names a node, an unlink none
                // (rows with a name are one or the other: 'link' is the one of four bytes).
                let isLink = sqlite3_column_bytes(statement, 3) == 4
                pending = (name, sqlite3_column_int64(statement, 2),
                           isLink ? try LogSession.linkedType(sqlite3_column_text(statement, 4), length: sqlite3_column_bytes(statement, 4)) : nil)
            }
            flushDirectory()
        }
        // A dynamic directory has no stored entries: only an empty directory may be one.
        let isDynamic = try db.cachedStatement(sql: """
            SELECT EXISTS(SELECT 1 FROM log WHERE node_id = ? AND kind = \(RowKind.mkdir.sql) AND payload IS NOT NULL AND version <= ?)
            """)
        for entries in children.values {
            for entry in entries where entry.type == .directory && children[entry.id] == nil {
                if try Bool.fetchOne(isDynamic, arguments: [entry.id, version.rawValue]) == true { return nil }
            }
        }
        // Each file's and symlink's newest content row (its size and version), each directory's creation.
        var columns = NodeMetadataColumns(nodes: 0)
        var targets: [Int64: String] = [:]
        if metadata {
            columns = NodeMetadataColumns(nodes: Int(try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(node_id) FROM log")) ?? 0) + 1)
        // Read from `log_by_node` alone (it holds kind and size: Schema/v7_indexes.sql).
        try withRawRows("""
            SELECT node_id, size, version, kind = \(RowKind.mkdir.sql)
            FROM log WHERE kind IN (\(RowKind.write.sql), \(RowKind.symlink.sql), \(RowKind.mkdir.sql)) AND version <= ?
            ORDER BY node_id, version, seq
            """) { statement in
            while sqlite3_step(statement) == SQLITE_ROW {
                let node = Int(sqlite3_column_int64(statement, 0))
                if sqlite3_column_int(statement, 3) != 0 {
                    if columns.createdAt[node] == 0 { columns.createdAt[node] = sqlite3_column_int64(statement, 2) }
                    continue
                }
                columns.size[node] = sqlite3_column_int64(statement, 1)
                columns.version[node] = sqlite3_column_int64(statement, 2)
            }
        }
        // A symlink's target is its row's payload, which no index holds: one seek per symlink.
        for entries in children.values {
            for entry in entries where entry.type == .symlink {
                targets[entry.id] = try newestRow(.target, of: NodeID(entry.id)).flatMap { row in row[0] as String? }
            }
        }
        }
        return StoredTree(version: version, metadata: metadata, children: children, changed: changed,
                          metadataOfNode: columns, targets: targets)
    }


    /// Steps `sql` (bound to this session's version) on SQLite's own
    /// statement handle: a listing reads 100,000 rows or more, and GRDB's
    /// row values cost more than the fold itself (Benchmarks, README).
    private func withRawRows(_ sql: String, _ body: (OpaquePointer) throws -> Void) throws {
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments([version.rawValue])
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        try body(handle)
        let code = sqlite3_reset(handle)
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }
    }

    /// The node type a link row's payload names: its `"type"` member.
    /// Pond writes it last (`json_object('op', ..., 'name', ..., 'type', ...)`),
    /// so the end of the text is read first; anything else is parsed as JSON.
    static func linkedType(_ text: UnsafePointer<UInt8>?, length: Int32) throws -> NodeType? {
        guard let text else { return nil }
        let bytes = UnsafeBufferPointer(start: text, count: Int(length))
        for type in NodeType.allCases {
            let suffix = Array("\"type\":\"\(type.rawValue)\"}".utf8)
            if bytes.count >= suffix.count, bytes[(bytes.count - suffix.count)...].elementsEqual(suffix) { return type }
        }
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        return try nodeType(object?["type"] as? String)
    }
}

/// What a listing keeps of each node, in arrays indexed by node id.
struct NodeMetadataColumns {
    var size: [Int64]
    var version: [Int64]
    var createdAt: [Int64]

    init(nodes: Int) {
        size = Array(repeating: -1, count: nodes)
        version = Array(repeating: 0, count: nodes)
        createdAt = Array(repeating: 0, count: nodes)
    }

    /// A file's or symlink's newest size and version; nil if it has none.
    func content(_ node: Int64) -> (size: Int64, version: Int64)? {
        guard node >= 0, node < size.count, size[Int(node)] >= 0 else { return nil }
        return (size[Int(node)], version[Int(node)])
    }

    /// The version that made directory `node` (0 if unknown).
    func created(_ node: Int64) -> Int64 {
        node >= 0 && node < createdAt.count ? createdAt[Int(node)] : 0
    }
}
