import Crypto
import Foundation
import GRDB
import TinyFS

/// The log seen at one version: TinyFS's persistence on SQLite.
///
/// A session lives inside one SQLite transaction and is valid only during
/// the `LogStore.write` or `LogStore.read` call that made it. Reads fold the
/// rows with version <= `version`; in a write session that is every row,
/// the transaction's own included, so reads see its writes at once. Every
/// statement is prepared once per connection (`cachedStatement`), and each
/// read is one indexed query: a directory of N entries is one query, not N.
public final class LogSession: Persistence {
    let db: Database
    /// The version this session reads at; in a write session, the version being written.
    public let version: Version
    public let isWritable: Bool
    /// The chunker every content of this session is cut with, made on first use.
    lazy var chunker = Chunker()
    /// The files this write session recorded content for, in order, and
    /// the names it linked files under: what `recordTableSchemas` looks at.
    var writtenFiles: [NodeID] = []
    var linkedFileNames: [NodeID: Name] = [:]
    /// What the writer should be told once the write commits: a file named
    /// like a table that is none, a column of numbers typed TEXT.
    var notices: [String] = []
    /// The files appended to whose rows are checked before the write
    /// commits (not `--as-bytes`), with the content each had before.
    var appendedTables: [NodeID: ContentReference] = [:]
    /// Results this read computed, to be kept once it ends (`keep`).
    var pendingResults: [CachedResult] = []
    /// Each file's runs as a read session listed them (`contentRunsWithContents`):
    /// a read's version is fixed, and a query of a series lists them more than once.
    var knownRuns: [NodeID: [(from: Int64, version: Version, content: Data)]] = [:]
    /// A lazy clone's bytes on demand (nil: every byte is here, or this
    /// session must not fetch, as fsck's).
    var lazy: LazyChunks?
    /// Each directory's dynamic spec (or none), once asked or created.
    private var knownSpecs: [NodeID: DynamicSpec?] = [:]
    /// The next node id this session hands out, once asked.
    private var nextNodeID: Int64?
    /// Entries asked for in this session (nil: the name is free).
    private var knownEntries: [EntryKey: EntryRecord?] = [:]

    private struct EntryKey: Hashable {
        let directory: NodeID
        let name: Name
    }

    /// The schema version of the pond (older only for a pond opened as it is, to be checked).
    let schemaVersion: Int

    /// Whether any content was ever pruned, asked once per session: a pond
    /// never pruned pays nothing for prune's checks.
    lazy var hasPrunedContents: Bool = {
        guard schemaVersion >= 4 else { return false }
        return (try? Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM pruned)"))) ?? false
    }()

    init(db: Database, version: Version, isWritable: Bool, schemaVersion: Int = Migration.current) {
        self.db = db
        self.version = version
        self.isWritable = isWritable
        self.schemaVersion = schemaVersion
    }

    // MARK: - Reading

    public func entry(named name: Name, in directory: NodeID) throws -> EntryRecord? {
        // Resolving every path from the root asks for the same directories
        // again and again; this session's own link and unlink keep the answers
        // true, and a rolled-back savepoint forgets them all.
        let key = EntryKey(directory: directory, name: name)
        if let known = knownEntries[key] { return known }
        let entry = try storedEntry(named: name, in: directory)
        knownEntries[key] = .some(entry)
        return entry
    }

    /// The newest entry row of name ?2 in directory ?1 up to version ?3: its
    /// kind, node and (for a link) the node's type. One seek in `log_by_name`.
    static let entrySQL = """
        SELECT kind, node_id, json_extract(payload, '$.type') FROM log
        WHERE part_id = ? AND name = ? AND version <= ?
        ORDER BY version DESC, seq DESC LIMIT 1
        """

    /// The name each file this session has looked up or linked is linked
    /// under (the entries it knows are kept true by its own link and unlink),
    /// made in one pass: what `recordTableSchemas` asks before the log.
    func knownFileNames() -> [NodeID: Name] {
        var names: [NodeID: Name] = [:]
        for case let (_, record?) in knownEntries where record.type == .file { names[record.id] = record.name }
        return names
    }

    private func storedEntry(named name: Name, in directory: NodeID) throws -> EntryRecord? {
        let statement = try db.cachedStatement(sql: LogSession.entrySQL)
        guard let row = try Row.fetchOne(statement, arguments: [directory.rawValue, name.string, version.rawValue]),
              row[0] as RowKind == .link
        else { return nil }
        return EntryRecord(name: name, id: NodeID(row[1]), type: try LogSession.nodeType(row[2]))
    }

    /// Every node ever linked below directory `root` up to this version,
    /// `root` first: those there now, and those removed or moved out since
    /// (what `history -r` follows). A node whose own partition has entries
    /// is a directory, and is followed down.
    public func nodesEverBelow(_ root: NodeID) throws -> [NodeID] {
        let children = try db.cachedStatement(sql: """
            SELECT DISTINCT node_id FROM log WHERE part_id = ? AND name IS NOT NULL AND kind = \(RowKind.link.sql) AND version <= ?
            """)
        var seen: Set<Int64> = [root.rawValue]
        var nodes = [root]
        var pending = [root.rawValue]
        while let directory = pending.popLast() {
            for child in try Int64.fetchAll(children, arguments: [directory, version.rawValue]) where seen.insert(child).inserted {
                nodes.append(NodeID(child))
                pending.append(child)
            }
        }
        return nodes
    }

    public func entries(in directory: NodeID) throws -> [EntryRecord] {
        let statement = try db.cachedStatement(sql: """
            SELECT kind, name, node_id, json_extract(payload, '$.type') FROM log
            WHERE part_id = ? AND version <= ? AND name IS NOT NULL
            ORDER BY version, seq
            """)
        // The fold: apply each entry change in order; the last one per name wins.
        var current: [Name: EntryRecord] = [:]
        let rows = try Row.fetchCursor(statement, arguments: [directory.rawValue, version.rawValue])
        while let row = try rows.next() {
            let name = try Name(row[1] as String)
            if row[0] as RowKind == .link {
                current[name] = EntryRecord(name: name, id: NodeID(row[2]), type: try LogSession.nodeType(row[3]))
            } else {
                current[name] = nil
            }
        }
        return current.values.sorted { $0.name < $1.name }
    }

    public func target(of symlink: NodeID) throws -> String {
        guard let target = try newestRow(.target, of: symlink)?[0] as String? else {
            throw LogSession.corrupt("symlink \(symlink) has no target at version \(version)")
        }
        return target
    }

    public func dynamicSpec(of directory: NodeID) throws -> DynamicSpec? {
        // A directory's mkdir row is written once, so its answer never changes.
        if let known = knownSpecs[directory] { return known }
        let spec = try storedSpec(of: directory)
        knownSpecs[directory] = .some(spec)
        return spec
    }

    private func storedSpec(of directory: NodeID) throws -> DynamicSpec? {
        guard let row = try newestRow(.spec, of: directory),
              row[0] != nil || row[1] != nil
        else { return nil }
        guard let factory = DynamicSpec.Factory(rawValue: row[0] ?? "") else {
            throw LogSession.corrupt("directory \(directory) has an unknown dynamic factory \(String(describing: row[0]))")
        }
        return DynamicSpec(factory: factory, argument: row[1] ?? "")
    }

    // MARK: - Writing

    public func allocateNodeID() throws -> NodeID {
        try requireWritable()
        // One query per session: after it, this session is the only writer.
        // An id handed out in a savepoint that is rolled back is not handed
        // out again, which leaves a gap and never a reuse.
        if nextNodeID == nil {
            let statement = try db.cachedStatement(sql: "SELECT max(node_id) FROM log")
            nextNodeID = (try Int64.fetchOne(statement) ?? 0) + 1
        }
        defer { nextNodeID! += 1 }
        return NodeID(nextNodeID!)
    }

    public func createDirectory(_ directory: NodeID, spec: DynamicSpec?) throws {
        try requireWritable()
        knownSpecs[directory] = .some(spec)
        let statement = try db.cachedStatement(sql: """
            INSERT INTO log(part_id, node_id, version, kind, payload)
            VALUES (?1, ?1, ?2, \(RowKind.mkdir.sql), CASE WHEN ?3 IS NULL THEN NULL ELSE json_object('factory', ?3, 'argument', ?4) END)
            """)
        try statement.execute(arguments: [directory.rawValue, version.rawValue, spec?.factory.rawValue, spec?.argument])
    }

    public func link(_ entry: EntryRecord, in directory: NodeID) throws {
        try appendEntryChange(.link, entry, in: directory)
        if entry.type == .file { linkedFileNames[entry.id] = entry.name }
    }

    public func unlink(_ entry: EntryRecord, in directory: NodeID) throws {
        try appendEntryChange(.unlink, entry, in: directory)
    }

    private func appendEntryChange(_ kind: RowKind, _ entry: EntryRecord, in directory: NodeID) throws {
        try requireWritable()
        let statement = try db.cachedStatement(sql: """
            INSERT INTO log(part_id, node_id, version, kind, name, payload)
            VALUES (?1, ?2, ?3, ?4, ?5, json_object('op', ?4, 'name', ?5, 'type', ?6))
            """)
        try statement.execute(arguments: [
            directory.rawValue, entry.id.rawValue, version.rawValue, kind, entry.name.string, entry.type.rawValue,
        ])
        knownEntries[EntryKey(directory: directory, name: entry.name)] = .some(kind == .link ? entry : nil)
    }

    public func writeTarget(_ target: String, of symlink: NodeID, in directory: NodeID) throws {
        try requireWritable()
        let statement = try db.cachedStatement(sql: """
            INSERT INTO log(part_id, node_id, version, kind, payload, size)
            VALUES (?, ?, ?, \(RowKind.symlink.sql), ?, ?)
            """)
        try statement.execute(arguments: [
            directory.rawValue, symlink.rawValue, version.rawValue, target, target.utf8.count,
        ])
    }

    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        try requireWritable()
        var result: T?
        do {
            try db.inSavepoint {
                result = try body()
                return .commit
            }
        } catch {
            knownEntries.removeAll()
            throw error
        }
        return result!
    }

    // MARK: - History

    /// Every row about `node` up to this session's version, oldest first,
    /// each with the path it was about: a link's new path, an unlink's old
    /// one, and for a write, target or mkdir the node's path then.
    public func history(of node: NodeID) throws -> [NodeEvent] {
        let statement = try db.cachedStatement(sql: """
            SELECT log.version, kind, part_id, name, versions.time, size, log.hash, versions.command
            FROM log JOIN versions USING (version)
            WHERE node_id = ? AND log.version <= ? ORDER BY seq
            """)
        let rows = try Row.fetchAll(statement, arguments: [node.rawValue, version.rawValue])
        var events: [NodeEvent] = []
        var directoryPaths: [[Int64]: String] = [:]
        /// Directory `directory`'s path as of `version`, asked once per pair.
        func path(of directory: NodeID, at version: Version) throws -> String {
            let key = [directory.rawValue, version.rawValue]
            if let known = directoryPaths[key] { return known }
            let found = try self.path(of: directory, asOf: version) ?? "?"
            directoryPaths[key] = found
            return found
        }
        // Where the node was at each version: its last link or unlink up to the end of that version.
        var placeAt: [Int64: Row] = [:]
        var place: Row?
        for row in rows {
            if row[3] as String? != nil { place = row }
            if let place { placeAt[row[0]] = place }
        }
        for row in rows {
            guard let kind = RowKind(rawValue: row[1]) else {
                throw LogSession.corrupt("unknown row kind \(String(describing: row[1]))")
            }
            let version = Version(row[0] as Int64)
            let place = placeAt[version.rawValue]
            var eventPath: String?
            if let place, let name = place[3] as String? {
                let isUnlink = place[1] as String == RowKind.unlink.rawValue
                let directory = try path(of: NodeID(place[2] as Int64), at: isUnlink ? Version(max(1, version.rawValue - 1)) : version)
                eventPath = (directory == "/" ? "" : directory) + "/" + name
            } else if node == .root {
                eventPath = "/"
            }
            if kind == .link || kind == .unlink, let name = row[3] as String? {
                let directory = try path(of: NodeID(row[2] as Int64),
                                         at: kind == .unlink ? Version(max(1, version.rawValue - 1)) : version)
                eventPath = (directory == "/" ? "" : directory) + "/" + name
            }
            events.append(NodeEvent(version: version, kind: kind, directory: NodeID(row[2]), name: row[3], time: row[4],
                                    path: eventPath, size: row[5], hash: row[6], command: row[7], node: node))
        }
        return events
    }

    public func location(of node: NodeID) throws -> (directory: NodeID, name: Name)? {
        try location(of: node, asOf: version)
    }

    /// Where `node` was linked as of `version`: its newest entry row, if a link.
    private func location(of node: NodeID, asOf version: Version) throws -> (directory: NodeID, name: Name)? {
        let statement = try db.cachedStatement(sql: """
            SELECT kind, part_id, name FROM log WHERE node_id = ? AND version <= ? AND name IS NOT NULL
            ORDER BY version DESC, seq DESC LIMIT 1
            """)
        guard let row = try Row.fetchOne(statement, arguments: [node.rawValue, version.rawValue]),
              row[0] as RowKind == .link else { return nil }
        return (NodeID(row[1] as Int64), try Name(row[2] as String))
    }

    /// A read-only view of this pond at `version`, inside this session's
    /// transaction (so it sees this transaction's writes where version is the
    /// one being written; an older one sees that version exactly).
    public func snapshot(at version: Version) -> LogSession {
        let snapshot = LogSession(db: db, version: version, isWritable: false, schemaVersion: schemaVersion)
        snapshot.lazy = lazy
        return snapshot
    }

    /// The path of `node` as of `version` ("/" for the root), nil where it is
    /// not linked into the tree then: each step up is its newest entry row.
    func path(of node: NodeID, asOf version: Version) throws -> String? {
        var names: [String] = []
        var current = node
        while current != .root {
            guard names.count < 4096, let (directory, name) = try location(of: current, asOf: version) else { return nil }
            names.append(name.string)
            current = directory
        }
        return "/" + names.reversed().joined(separator: "/")
    }

    /// The node last reachable at `path` at or before this session's
    /// version, and the last version it was there; nil if the path never existed.
    public func lastNode(at path: PondPath) throws -> (node: NodeID, version: Version)? {
        let row = try Row.fetchOne(db, sql: """
            SELECT node_id, valid_to FROM paths_history WHERE path = ? AND valid_from <= ?
            ORDER BY coalesce(valid_to, ?2 + 1) DESC LIMIT 1
            """, arguments: [path.description, version.rawValue])
        guard let row else { return nil }
        let until = (row[1] as Int64?).map { $0 - 1 } ?? version.rawValue
        return (NodeID(row[0] as Int64), Version(min(until, version.rawValue)))
    }

    /// Whether the content or target of `node` was written after `version`
    /// and up to this session's version (one seek in `log_by_node`).
    func wasRewritten(_ node: NodeID, since version: Version) throws -> Bool {
        let statement = try db.cachedStatement(sql: """
            SELECT EXISTS(SELECT 1 FROM log WHERE node_id = ?1 AND version > ?2 AND version <= ?3
                          AND kind IN (\(RowKind.write.sql), \(RowKind.symlink.sql)))
            """)
        return try Bool.fetchOne(statement, arguments: [node.rawValue, version.rawValue, self.version.rawValue]) ?? false
    }

    /// How many log rows exist up to this session's version.
    public func rowCount() throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM log WHERE version <= ?"),
                         arguments: [version.rawValue]) ?? 0
    }

    // MARK: - Helpers

    static func nodeType(_ value: String?) throws -> NodeType {
        guard let value, let type = NodeType(rawValue: value) else {
            throw corrupt("entry with unknown node type \(value ?? "NULL")")
        }
        return type
    }

    func requireWritable() throws {
        guard isWritable else { throw TinyFSError.readOnlySnapshot }
    }

    /// The log contradicts itself (a row that Pond never writes): `pond fsck` says where.
    static func corrupt(_ message: String) -> OpLogError {
        .inconsistentLog(message)
    }
}
