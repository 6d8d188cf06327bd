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

    init(_ entry: ListedEntry) {
        self.init(path: entry.path, id: entry.id, type: entry.type, size: entry.size, version: entry.version, target: entry.target)
    }

    init(path: String, id: NodeID, type: NodeType, size: Int64?, version: Version?, target: String?) {
        self.path = path
        self.id = id
        self.type = type
        self.size = size
        self.version = version
        self.target = target
    }
}

/// One node of a walk of a `StoredTree`, lent to the walk's body: its path
/// is the walk's own buffer, valid only until the body returns (a listing
/// of 100,000 paths makes no string for any of them unless asked).
public struct ListedEntry {
    /// The path's UTF-8 bytes, "/a/b"; empty in a walk without paths.
    public let pathBytes: UnsafeBufferPointer<UInt8>
    public let id: NodeID
    public let type: NodeType
    /// As `ListedNode` has them: nil in a listing of paths alone.
    public let size: Int64?
    public let version: Version?
    public let target: String?

    /// The path as a string (made on each call).
    public var path: String { String(decoding: pathBytes, as: UTF8.self) }
}

/// A whole stored tree at one version, folded from the log in a constant
/// number of statements (`LogSession.storedTree`): each directory's entries
/// and, with metadata, each node's size, last version and target.
///
/// Entries are kept as SQLite hands them out: every directory's entries lie
/// together in one array, in name order, their names end to end in one
/// byte array, and a directory finds its entries by its node id (ids are
/// handed out one after another, `LogSession.allocateNodeID`, so by index).
public final class StoredTree {
    struct Entry {
        let nameStart: Int32
        let nameLength: Int32
        let id: Int64
        let type: NodeType
    }

    let version: Version
    let metadata: Bool
    let names: [UInt8]
    let entries: [Entry]
    /// Per directory node id: where its entries start in `entries`, and how many (0: none).
    let firstEntry: [Int32]
    let entryCount: [Int32]
    let changed: [Int64: Int64]
    /// Per node id: the newest content row's size (-1: none) and version,
    /// and a directory's creation.
    let metadataOfNode: NodeMetadataColumns
    let targets: [Int64: String]

    init(version: Version, metadata: Bool, names: [UInt8], entries: [Entry], firstEntry: [Int32], entryCount: [Int32],
         changed: [Int64: Int64], metadataOfNode: NodeMetadataColumns, targets: [Int64: String]) {
        self.version = version
        self.metadata = metadata
        self.names = names
        self.entries = entries
        self.firstEntry = firstEntry
        self.entryCount = entryCount
        self.changed = changed
        self.metadataOfNode = metadataOfNode
        self.targets = targets
    }

    /// The entries of directory `node`, as indexes into `entries`.
    func entryRange(of node: Int64) -> Range<Int> {
        guard node >= 0, node < entryCount.count else { return 0..<0 }
        let first = Int(firstEntry[Int(node)])
        return first..<(first + Int(entryCount[Int(node)]))
    }

    func hasEntries(_ node: Int64) -> Bool {
        node >= 0 && node < entryCount.count && entryCount[Int(node)] > 0
    }

    /// Hands every node below the root to `body`, sorted bytewise by path;
    /// without `paths`, each with an empty path (for a walk that only counts
    /// or measures: no path is made).
    public func forEach(paths: Bool = true, _ body: (ListedEntry) throws -> Void) throws {
        var path: [UInt8] = []
        path.reserveCapacity(4096)
        try names.withUnsafeBufferPointer { names in
            try emit(NodeID.root.rawValue, names: names, path: &path, depth: 0, paths: paths, body)
        }
    }

    private func emit(_ directory: Int64, names: UnsafeBufferPointer<UInt8>, path: inout [UInt8], depth: Int, paths: Bool,
                      _ body: (ListedEntry) throws -> Void) throws {
        let range = entryRange(of: directory)
        guard !range.isEmpty else { return }
        guard depth < 4096 else { throw LogSession.corrupt("directory \(directory) is nested more than 4096 deep") }
        // Bytewise order of whole paths: an entry `n` sorts as `n`, what lies below it as `n/`
        // (so `/a-c` comes between `/a` and `/a/b`). A directory of leaves is in name order already.
        var items: [(index: Int, below: Bool)] = []
        if entries[range].contains(where: { $0.type == .directory && hasEntries($0.id) }) {
            items.reserveCapacity(range.count * 2)
            for index in range {
                items.append((index, false))
                if entries[index].type == .directory, hasEntries(entries[index].id) { items.append((index, true)) }
            }
            items.sort { a, b in
                let x = entries[a.index], y = entries[b.index]
                let common = Int(min(x.nameLength, y.nameLength))
                let order = memcmp(names.baseAddress! + Int(x.nameStart), names.baseAddress! + Int(y.nameStart), common)
                if order != 0 { return order < 0 }
                // One name is the other's start: the next byte decides, `/` (0x2F) for the part below.
                let nextX: Int = x.nameLength > common ? Int(names[Int(x.nameStart) + common]) : (a.below ? 0x2F : -1)
                let nextY: Int = y.nameLength > common ? Int(names[Int(y.nameStart) + common]) : (b.below ? 0x2F : -1)
                // Names hold no `/`: equal next bytes are two ends, the same key.
                return nextX < nextY
            }
        } else {
            items = range.map { ($0, false) }
        }
        let prefixLength = path.count
        for item in items {
            let entry = entries[item.index]
            if paths {
                path.removeSubrange(prefixLength...)
                path.append(UInt8(ascii: "/"))
                path.append(contentsOf: UnsafeBufferPointer(rebasing: names[Int(entry.nameStart)..<Int(entry.nameStart + entry.nameLength)]))
            }
            if item.below {
                try emit(entry.id, names: names, path: &path, depth: depth + 1, paths: paths, body)
                continue
            }
            var size: Int64?, version: Int64?
            if metadata {
                if entry.type == .directory {
                    size = Int64(entryRange(of: entry.id).count)
                    version = max(changed[entry.id] ?? 0, metadataOfNode.created(entry.id))
                } else {
                    guard let row = metadataOfNode.content(entry.id) else {
                        throw LogSession.corrupt("node \(entry.id) has no content row at version \(self.version)")
                    }
                    (size, version) = row
                }
            }
            try path.withUnsafeBufferPointer { bytes in
                try body(ListedEntry(pathBytes: paths ? bytes : UnsafeBufferPointer(start: nil, count: 0), id: NodeID(entry.id),
                                     type: entry.type, size: size, version: version.map { Version($0) },
                                     target: metadata && entry.type == .symlink ? targets[entry.id] : nil))
            }
        }
        path.removeSubrange(prefixLength...)
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
        try tree.forEach { listing.append(ListedNode($0)) }
        return listing
    }

    /// The fold behind `storedListing`, kept to be walked (`StoredTree.forEach`)
    /// as often as needed without reading the log again: what a listing of
    /// any size needs in memory is its entries, not its paths.
    /// - Returns: nil when the tree holds a dynamic directory.
    public func storedTree(metadata: Bool) throws -> StoredTree? {
        // Each directory's entries, in name order (SQLite's BINARY collation is bytewise), end to end.
        let nodes = Int(try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(node_id) FROM log")) ?? 0) + 1
        var names: [UInt8] = []
        var entries: [StoredTree.Entry] = []
        var firstEntry = [Int32](repeating: 0, count: nodes)
        var entryCount = [Int32](repeating: 0, count: nodes)
        var changed: [Int64: Int64] = [:]
        try withRawRows("""
            SELECT part_id, name, node_id, kind, payload, version FROM log
            WHERE name IS NOT NULL AND version <= ? ORDER BY part_id, name, version, seq
            """) { statement in
            // Rows come grouped by directory, each name's rows oldest first: the newest row of a name
            // is pending until the next name, and kept if it links a node (an unlink ends the entry).
            var part: Int64 = -1
            var directoryStart = 0
            var lastChange: Int64 = 0
            var pendingStart = 0, pendingLength = 0
            var pending: (id: Int64, type: NodeType?)?
            func flushEntry() {
                if let entry = pending, let type = entry.type {
                    entries.append(StoredTree.Entry(nameStart: Int32(pendingStart), nameLength: Int32(pendingLength), id: entry.id, type: type))
                } else if pending != nil {
                    names.removeSubrange(pendingStart...)
                }
                pending = nil
            }
            func flushDirectory() throws {
                flushEntry()
                if part >= 0 {
                    guard part < nodes else { throw LogSession.corrupt("directory \(part) has entries but no node row") }
                    firstEntry[Int(part)] = Int32(directoryStart)
                    entryCount[Int(part)] = Int32(entries.count - directoryStart)
                    changed[part] = lastChange
                }
                directoryStart = entries.count
                lastChange = 0
            }
            while sqlite3_step(statement) == SQLITE_ROW {
                let rowPart = sqlite3_column_int64(statement, 0)
                let name = sqlite3_column_text(statement, 1)
                let nameLength = Int(sqlite3_column_bytes(statement, 1))
                if rowPart != part {
                    try flushDirectory()
                    part = rowPart
                }
                // Names compare bytewise (Swift's `==` on strings would take `é` and `e\u{301}` for one).
                let sameName = pending != nil && pendingLength == nameLength
                    && (nameLength == 0 || names.withUnsafeBufferPointer { memcmp($0.baseAddress! + pendingStart, name!, nameLength) == 0 })
                if !sameName {
                    flushEntry()
                    pendingStart = names.count
                    pendingLength = nameLength
                    if let name { names.append(contentsOf: UnsafeBufferPointer(start: name, count: nameLength)) }
                }
                lastChange = max(lastChange, sqlite3_column_int64(statement, 5))
                // A link names a node, an unlink none (rows with a name are one or the other:
                // 'link' is the one of four bytes).
                let isLink = sqlite3_column_bytes(statement, 3) == 4
                pending = (sqlite3_column_int64(statement, 2),
                           isLink ? try LogSession.linkedType(sqlite3_column_text(statement, 4), length: sqlite3_column_bytes(statement, 4)) : nil)
            }
            try flushDirectory()
        }
        // A dynamic directory has no stored entries: only an empty directory may be one.
        let isDynamic = try db.cachedStatement(sql: """
            SELECT EXISTS(SELECT 1 FROM log WHERE node_id = ? AND kind = \(RowKind.mkdir.sql) AND payload IS NOT NULL AND version <= ?)
            """)
        for entry in entries where entry.type == .directory && !(entry.id < nodes && entryCount[Int(entry.id)] > 0) {
            if try Bool.fetchOne(isDynamic, arguments: [entry.id, version.rawValue]) == true { return nil }
        }
        // Each file's and symlink's newest content row (its size and version), each directory's creation.
        var columns = NodeMetadataColumns(nodes: 0)
        var targets: [Int64: String] = [:]
        if metadata {
            columns = NodeMetadataColumns(nodes: nodes)
        // Read from `log_by_node` alone (it holds kind and size: Schema/v7_indexes.sql). Every row but
        // an entry row is a write, symlink or mkdir: two comparisons, where `kind IN (...)` costs SQLite
        // a look-up in a temporary index per row (40 -> 30 ms for 200,000 rows in the sqlite3 shell).
        try withRawRows("""
            SELECT node_id, size, version, kind = \(RowKind.mkdir.sql)
            FROM log WHERE kind <> \(RowKind.link.sql) AND kind <> \(RowKind.unlink.sql) AND version <= ?
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
        for entry in entries where entry.type == .symlink {
            targets[entry.id] = try newestRow(.target, of: NodeID(entry.id)).flatMap { row in row[0] as String? }
        }
        }
        return StoredTree(version: version, metadata: metadata, names: names, entries: entries, firstEntry: firstEntry,
                          entryCount: entryCount, changed: changed, metadataOfNode: columns, targets: targets)
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

    /// How a link row's payload ends, for each type: `"type":"file"}`.
    private static let linkSuffixes: [(NodeType, [UInt8])] = NodeType.allCases.map { ($0, Array("\"type\":\"\($0.rawValue)\"}".utf8)) }

    /// The node type a link row's payload names: its `"type"` member.
    /// Pond writes it last (`json_object('op', ..., 'name', ..., 'type', ...)`),
    /// so the end of the text is read first; anything else is parsed as JSON.
    static func linkedType(_ text: UnsafePointer<UInt8>?, length: Int32) throws -> NodeType? {
        guard let text else { return nil }
        let bytes = UnsafeBufferPointer(start: text, count: Int(length))
        for (type, suffix) in linkSuffixes where bytes.count >= suffix.count
            && memcmp(text + (bytes.count - suffix.count), suffix, suffix.count) == 0 {
            return type
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
