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

extension ListedNode {
    init(_ entry: ListedEntry) {
        self.init(path: entry.path, id: entry.id, type: entry.type, size: entry.size, version: entry.version, target: entry.target)
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
    /// How a derived file is computed (with metadata); nil for everything else.
    public var derived: DerivedFactory? = nil

    /// The path as a string (made on each call).
    public var path: String { String(decoding: pathBytes, as: UTF8.self) }
}

/// A whole stored tree at one version, folded from the log in a constant
/// number of statements (`LogSession.storedTree`): each directory's entries
/// and, with metadata, each node's size, last version and target.
///
/// Entries are kept as SQLite hands them out: each directory's entries lie
/// together in a fold's array (`EntryFold`: one per side of the scan), in
/// name order, their names end to end in the fold's byte array, and a
/// directory finds its entries by its node id (ids are handed out one after
/// another, `LogSession.allocateNodeID`, so by index).
public final class StoredTree {
    struct Entry {
        let nameStart: Int32
        let nameLength: Int32
        let id: Int64
        let type: NodeType
    }

    let version: Version
    let metadata: Bool
    let folds: [EntryFold]
    /// Per directory node id: the fold that holds its entries, where they start there, and how many (0: none).
    let foldOfDirectory: [UInt8]
    let firstEntry: [Int32]
    let entryCount: [Int32]
    let changed: [Int64: Int64]
    /// Per node id: the newest content row's size (-1: none) and version,
    /// and a directory's creation.
    let metadataOfNode: NodeMetadataColumns
    /// Each symlink's target (with metadata), read once the entries are known.
    private(set) var targets: [Int64: String] = [:]
    /// Each derived file's factory (with metadata).
    var derived: [Int64: DerivedFactory] = [:]
    /// The version that made each directory that never had an entry (with metadata): an entry
    /// row of a directory comes after its creation, so for every other one its entries' last
    /// change is what a listing shows.
    var emptyDirectoryCreation: [Int64: Int64] = [:]

    init(version: Version, metadata: Bool, folds: [EntryFold], nodes: Int, metadataOfNode: NodeMetadataColumns,
         targets: (StoredTree) throws -> [Int64: String]) throws {
        self.version = version
        self.metadata = metadata
        self.folds = folds
        var foldOfDirectory = [UInt8](repeating: 0, count: nodes)
        var firstEntry = [Int32](repeating: 0, count: nodes)
        var entryCount = [Int32](repeating: 0, count: nodes)
        var changed: [Int64: Int64] = [:]
        for (index, fold) in folds.enumerated() {
            for directory in fold.directories {
                guard directory.part >= 0, directory.part < nodes else {
                    throw LogSession.corrupt("directory \(directory.part) has entries but no node row")
                }
                foldOfDirectory[Int(directory.part)] = UInt8(index)
                firstEntry[Int(directory.part)] = directory.first
                entryCount[Int(directory.part)] = directory.count
                if metadata { changed[directory.part] = directory.lastChange }
            }
        }
        self.foldOfDirectory = foldOfDirectory
        self.firstEntry = firstEntry
        self.entryCount = entryCount
        self.changed = changed
        self.metadataOfNode = metadataOfNode
        self.targets = try targets(self)
    }

    /// Every entry of every directory, in no order.
    var allEntries: some Sequence<Entry> { folds.lazy.flatMap(\.entries) }

    /// The entries of directory `node`: their fold, and their indexes in its `entries`.
    func entryRange(of node: Int64) -> (fold: Int, range: Range<Int>) {
        guard node >= 0, node < entryCount.count else { return (0, 0..<0) }
        let first = Int(firstEntry[Int(node)])
        return (Int(foldOfDirectory[Int(node)]), first..<(first + Int(entryCount[Int(node)])))
    }

    func hasEntries(_ node: Int64) -> Bool {
        node >= 0 && node < entryCount.count && entryCount[Int(node)] > 0
    }

    /// Hands every node below the root to `body`, sorted bytewise by path;
    /// without `paths`, each with an empty path and in no particular order
    /// (for a walk that only counts or measures: no path is made, nothing
    /// is sorted).
    public func forEach(paths: Bool = true, _ body: (ListedEntry) throws -> Void) throws {
        var path: [UInt8] = []
        path.reserveCapacity(4096)
        try emit(NodeID.root.rawValue, path: &path, depth: 0, paths: paths, body)
    }

    private func emit(_ directory: Int64, path: inout [UInt8], depth: Int, paths: Bool,
                      _ body: (ListedEntry) throws -> Void) throws {
        let (foldIndex, range) = entryRange(of: directory)
        guard !range.isEmpty else { return }
        guard depth < 4096 else { throw LogSession.corrupt("directory \(directory) is nested more than 4096 deep") }
        let entries = folds[foldIndex].entries
        try folds[foldIndex].names.withUnsafeBufferPointer { names in
            // Bytewise order of whole paths: an entry `n` sorts as `n`, what lies below it as `n/`
            // (so `/a-c` comes between `/a` and `/a/b`). A directory of leaves is in name order already.
            var items: [(index: Int, below: Bool)] = []
            if entries[range].contains(where: { $0.type == .directory && hasEntries($0.id) }) {
                items.reserveCapacity(range.count * 2)
                for index in range {
                    items.append((index, false))
                    if entries[index].type == .directory, hasEntries(entries[index].id) { items.append((index, true)) }
                }
                if paths {
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
                    try emit(entry.id, path: &path, depth: depth + 1, paths: paths, body)
                    continue
                }
                var size: Int64?, version: Int64?
                if metadata {
                    if entry.type == .directory {
                        size = Int64(entryRange(of: entry.id).range.count)
                        // Its entries' last change; one that never had an entry, its creation.
                        version = changed[entry.id] ?? emptyDirectoryCreation[entry.id] ?? 0
                    } else {
                        guard let row = metadataOfNode.content(entry.id) else {
                            throw LogSession.corrupt("node \(entry.id) has no content row at version \(self.version)")
                        }
                        (size, version) = row
                    }
                }
                try path.withUnsafeBufferPointer { bytes in
                    let derived = entry.type == .file && !self.derived.isEmpty ? self.derived[entry.id] : nil
                    try body(ListedEntry(pathBytes: paths ? bytes : UnsafeBufferPointer(start: nil, count: 0), id: NodeID(entry.id),
                                         type: entry.type, size: derived == nil ? size : nil, version: version.map { Version($0) },
                                         target: metadata && entry.type == .symlink ? targets[entry.id] : nil, derived: derived))
                }
            }
            path.removeSubrange(prefixLength...)
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
    /// symlink for its target: what `entries(in:)` and `metadata(of:type:)`
    /// give one node at a time.
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
    ///
    /// A tree of `splitFrom` nodes or more is read by two threads (`SplitClaims`):
    /// this one ascending on the session's connection, another descending
    /// on a second read-only connection, each folding the directories (and
    /// blocks of node ids) it claims.
    /// - Returns: nil when the tree holds a dynamic directory.
    public func storedTree(metadata: Bool) throws -> StoredTree? {
        try storedTree(metadata: metadata, splitFrom: 16_384)
    }

    /// - Parameters:
    ///   - splitFrom: the fewest nodes for which the scan is split.
    ///   - meetingAt: where the two sides meet, whatever their pace (tests): the first directory
    ///     id and the first block of 1,024 node ids the descending side reads.
    func storedTree(metadata: Bool, splitFrom: Int, meetingAt: (directory: Int64, block: Int64)? = nil) throws -> StoredTree? {
        let nodes = Int(try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(node_id) FROM log")) ?? 0) + 1
        // The second side's connection is opened on its own thread, while this one scans.
        var split: (path: String, hash: Data)?
        if nodes >= splitFrom, !isWritable,
           let hash = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM chain WHERE version = ?"), arguments: [version.rawValue]),
           let path = sqlite3_db_filename(db.sqliteConnection, "main").map({ String(cString: $0) }), !path.isEmpty {
            split = (path, hash)
        }
        // Each directory's entries, in name order (SQLite's BINARY collation is bytewise), end to end;
        // each file's and symlink's newest content row (its size and version), each directory's creation.
        let columns = NodeMetadataColumns(nodes: metadata ? nodes : 0)
        let entryClaims = SplitClaims(meetingAt: meetingAt?.directory), nodeClaims = SplitClaims(meetingAt: meetingAt?.block)
        var ascending = EntryFold(reserving: nodes)
        final class Descending: @unchecked Sendable {
            var fold = EntryFold(reserving: 0)
            var failure: Error?
        }
        let descending = Descending()
        let order = "ORDER BY part_id, name, version, seq"
        let columnsOrder = "ORDER BY node_id, version, seq"
        let versionNumber = version.rawValue
        func scanAscending() throws {
            // On SQLite's own statement handle: a listing reads 100,000 rows or more, and GRDB's row
            // values would cost more than the fold itself.
            try rawRows(EntryFold.sql + order, [versionNumber]) { try ascending.addAscending($0, claim: entryClaims.claimAscending) }
            if metadata {
                try rawRows(NodeMetadataColumns.sql + columnsOrder, [versionNumber]) {
                    try columns.add($0, descending: false, claim: nodeClaims.claimAscending)
                }
            }
        }
        if let split {
            try runBeside(scanAscending) {
                // A connection that cannot be opened, or holds another history, claims nothing.
                guard let second = SecondConnection(path: split.path, version: versionNumber, chainHash: split.hash) else { return }
                descending.fold = EntryFold(reserving: nodes)
                do {
                    try second.rows(EntryFold.sql + order.descendingOrder) {
                        try descending.fold.addDescending($0, claim: entryClaims.claimDescending)
                    }
                    if metadata {
                        try second.rows(NodeMetadataColumns.sql + columnsOrder.descendingOrder) {
                            try columns.add($0, descending: true, claim: nodeClaims.claimDescending)
                        }
                    }
                } catch {
                    descending.failure = error
                }
            }
        } else {
            try scanAscending()
        }
        if let failure = descending.failure { throw failure }
        let tree = try StoredTree(version: version, metadata: metadata, folds: [ascending, descending.fold], nodes: nodes,
                                  metadataOfNode: columns) { tree in
            // A symlink's target is its row's payload, which no index holds: one seek per symlink.
            var targets: [Int64: String] = [:]
            if metadata {
                for entry in tree.allEntries where entry.type == .symlink {
                    targets[entry.id] = try newestRow(.target, of: NodeID(entry.id)).flatMap { row in row[0] as String? }
                }
            }
            return targets
        }
        if metadata && hasTables {
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT node_id, factory FROM derived WHERE version <= ?"),
                                        arguments: [version.rawValue]) {
                if let factory = DerivedFactory(rawValue: row[1] as String) { tree.derived[row[0] as Int64] = factory }
            }
        }
        // A dynamic directory has no stored entries: only an empty directory may be one. Its mkdir
        // row says (a spec in its payload), and when it was made.
        for entry in tree.allEntries where entry.type == .directory && !tree.hasEntries(entry.id) {
            let made = try oneRow("""
                SELECT version, payload IS NOT NULL FROM log WHERE node_id = ? AND kind = \(RowKind.mkdir.sql) AND version <= ?
                ORDER BY version LIMIT 1
                """, entry.id, version.rawValue) { (version: sqlite3_column_int64($0, 0), isDynamic: sqlite3_column_int($0, 1) != 0) }
            if made?.isDynamic == true { return nil }
            if metadata, tree.changed[entry.id] == nil, let made { tree.emptyDirectoryCreation[entry.id] = made.version }
        }
        return tree
    }

    /// Steps `sql` once, its parameters bound to `arguments`, on SQLite's
    /// own handle of the cached statement, and reads the row it gives (nil:
    /// none). For small reads made many times in one command (diff's binary
    /// search over `seq`, the places of the nodes it names), where GRDB's
    /// rows and arguments cost more than SQLite's step. A statement read
    /// here is read nowhere through GRDB.
    func oneRow<T>(_ sql: String, _ arguments: Int64..., read: (OpaquePointer) throws -> T) throws -> T? {
        var result: T?
        try rawRows(sql, arguments) { statement in
            if sqlite3_step(statement) == SQLITE_ROW { result = try read(statement) }
        }
        return result
    }

    /// `sql`'s cached statement on SQLite's own handle, `arguments` bound, for
    /// `body` to step; an error a step met is thrown after it.
    func rawRows(_ sql: String, _ arguments: [Int64], _ body: (OpaquePointer) throws -> Void) throws {
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        for (index, argument) in arguments.enumerated() { sqlite3_bind_int64(handle, Int32(index + 1), argument) }
        try body(handle)
        let code = sqlite3_reset(handle)
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
    }

    /// The type of node an entry row on a raw statement names, its kind and payload in columns
    /// `kind` and `payload`; nil for an unlink (rows with a name are one or the other: 'link' is
    /// the one of four bytes).
    static func linkedType(_ statement: OpaquePointer, kind: Int32, payload: Int32) throws -> NodeType? {
        guard sqlite3_column_bytes(statement, kind) == 4 else { return nil }
        return try linkedType(sqlite3_column_text(statement, payload), length: sqlite3_column_bytes(statement, payload))
    }

    /// The node type a link row's payload names: its `"type"` member.
    /// Pond writes it last (`json_object('op', ..., 'name', ..., 'type', ...)`),
    /// so the end of the text is read first; anything else is parsed as JSON.
    /// (The endings are static text: the two sides of a split scan share no
    /// reference-counted object per row.)
    static func linkedType(_ text: UnsafePointer<UInt8>?, length: Int32) throws -> NodeType? {
        guard let text else { return nil }
        let bytes = UnsafeBufferPointer(start: text, count: Int(length))
        func endsWith(_ suffix: StaticString) -> Bool {
            bytes.count >= suffix.utf8CodeUnitCount
                && memcmp(text + (bytes.count - suffix.utf8CodeUnitCount), suffix.utf8Start, suffix.utf8CodeUnitCount) == 0
        }
        if endsWith("\"type\":\"file\"}") { return .file }
        if endsWith("\"type\":\"directory\"}") { return .directory }
        if endsWith("\"type\":\"symlink\"}") { return .symlink }
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        return try nodeType(object?["type"] as? String)
    }
}

/// What a listing keeps of each node, in arrays indexed by node id: the
/// newest content row's size (-1: none) and version. Both sides of a split
/// scan write into it at once, each only the blocks of node ids it claimed
/// (so no slot is written by both).
final class NodeMetadataColumns: @unchecked Sendable {
    private let size: UnsafeMutableBufferPointer<Int64>
    private let version: UnsafeMutableBufferPointer<Int64>

    /// Each file's and symlink's content rows, from `log_by_node` alone (it holds size:
    /// Schema/v7_indexes.sql): the rows with a size are the 'write' and 'symlink' rows
    /// (Schema/v1_log.sql), and `size IS NOT NULL` is cheaper for SQLite than comparing `kind`
    /// (`kind IN (...)` costs a look-up in a temporary index per row: 200,000 rows in 40 ms
    /// with it, 30 with two `<>`, 20 with this). Then an ORDER BY.
    static let sql = """
        SELECT node_id, size, version FROM log WHERE size IS NOT NULL AND version <= ?

        """

    /// Node ids are claimed in blocks of 1,024 (a claim per node would cost more than the rows).
    private static func block(_ node: Int64) -> Int64 { node >> 10 }

    init(nodes: Int) {
        size = .allocate(capacity: nodes)
        size.initialize(repeating: -1)
        version = .allocate(capacity: nodes)
        version.initialize(repeating: 0)
    }

    deinit {
        size.deallocate()
        version.deallocate()
    }

    /// A file's or symlink's newest size and version; nil if it has none.
    func content(_ node: Int64) -> (size: Int64, version: Int64)? {
        guard node >= 0, node < size.count, size[Int(node)] >= 0 else { return nil }
        return (size[Int(node)], version[Int(node)])
    }

    /// Folds `sql`'s rows, in ascending order (each node's oldest first: the last row wins) or
    /// descending (newest first: the first row wins), for the blocks of node ids `claim` grants.
    func add(_ statement: OpaquePointer, descending: Bool, claim: (Int64) -> Bool) throws {
        var block: Int64 = -1
        while sqlite3_step(statement) == SQLITE_ROW {
            let node = try index(sqlite3_column_int64(statement, 0))
            if Self.block(Int64(node)) != block {
                block = Self.block(Int64(node))
                guard claim(block) else { return }
            }
            if !descending || size[node] < 0 {
                size[node] = sqlite3_column_int64(statement, 1)
                version[node] = sqlite3_column_int64(statement, 2)
            }
        }
    }

    private func index(_ node: Int64) throws -> Int {
        guard node >= 0, node < size.count else { throw LogSession.corrupt("node \(node) is beyond the log's largest node id") }
        return Int(node)
    }
}

/// What a scan of entry rows gathers: directories' entries, each
/// directory's together and in name order, their names end to end.
struct EntryFold {
    var names: [UInt8] = []
    var entries: [StoredTree.Entry] = []
    var directories: [(part: Int64, first: Int32, count: Int32, lastChange: Int64)] = []

    /// Room for as many entries as the pond has nodes, which a fold does not outgrow in a tree
    /// where each node has one name: the arrays are not copied as they grow, and pages never
    /// written are never touched.
    init(reserving nodes: Int) {
        entries.reserveCapacity(nodes)
        names.reserveCapacity(nodes * 16)
    }

    /// Every entry row, from `log_by_name` alone (Schema/v7_indexes.sql). Then an ORDER BY.
    static let sql = """
        SELECT part_id, name, node_id, kind, payload, version FROM log
        WHERE name IS NOT NULL AND version <= ?

        """

    /// Folds `sql`'s rows in ascending order: grouped by directory, each name's rows oldest first.
    /// The newest row of a name is pending until the next name, and kept if it links a node (an
    /// unlink ends the entry). Each directory is folded if `claim` grants it.
    mutating func addAscending(_ statement: OpaquePointer, claim: (Int64) -> Bool) throws {
        var part: Int64?
        var directoryStart = entries.count
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
        func flushDirectory() {
            flushEntry()
            if let part {
                directories.append((part, Int32(directoryStart), Int32(entries.count - directoryStart), lastChange))
            }
            directoryStart = entries.count
            lastChange = 0
        }
        while sqlite3_step(statement) == SQLITE_ROW {
            let rowPart = sqlite3_column_int64(statement, 0)
            let name = sqlite3_column_text(statement, 1)
            let nameLength = Int(sqlite3_column_bytes(statement, 1))
            if rowPart != part {
                flushDirectory()
                part = nil
                guard claim(rowPart) else { return }
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
            pending = (sqlite3_column_int64(statement, 2), try Self.linkedType(statement))
        }
        flushDirectory()
    }

    /// Folds `sql`'s rows in descending order: directories and names backwards, each name's rows
    /// newest first, so the first row of a name decides it; each directory's entries are turned
    /// around when it ends.
    mutating func addDescending(_ statement: OpaquePointer, claim: (Int64) -> Bool) throws {
        var part: Int64?
        var directoryStart = entries.count
        var lastChange: Int64 = 0
        var previousName: [UInt8] = []
        func flushDirectory() {
            if let part {
                entries[directoryStart...].reverse()
                directories.append((part, Int32(directoryStart), Int32(entries.count - directoryStart), lastChange))
            }
            directoryStart = entries.count
            lastChange = 0
        }
        while sqlite3_step(statement) == SQLITE_ROW {
            let rowPart = sqlite3_column_int64(statement, 0)
            if rowPart != part {
                flushDirectory()
                part = nil
                guard claim(rowPart) else { return }
                part = rowPart
                previousName.removeAll(keepingCapacity: true)
                previousName.append(0xFF)   // no name's UTF-8 holds 0xFF: the next row is a new name
            }
            lastChange = max(lastChange, sqlite3_column_int64(statement, 5))
            let nameLength = Int(sqlite3_column_bytes(statement, 1))
            let name = UnsafeBufferPointer(start: sqlite3_column_text(statement, 1), count: nameLength)
            if previousName.elementsEqual(name) { continue }   // an older row of the name just decided
            previousName.removeAll(keepingCapacity: true)
            previousName.append(contentsOf: name)
            if let type = try Self.linkedType(statement) {
                entries.append(StoredTree.Entry(nameStart: Int32(names.count), nameLength: Int32(nameLength),
                                                id: sqlite3_column_int64(statement, 2), type: type))
                names.append(contentsOf: name)
            }
        }
        flushDirectory()
    }

    private static func linkedType(_ statement: OpaquePointer) throws -> NodeType? {
        try LogSession.linkedType(statement, kind: 3, payload: 4)
    }
}

private extension String {
    /// `ORDER BY a, b` as `ORDER BY a DESC, b DESC`.
    var descendingOrder: String {
        replacingOccurrences(of: ",", with: " DESC,") + " DESC"
    }
}
