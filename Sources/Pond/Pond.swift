import OpLog
@_exported import TinyFS

/// A pond: a versioned tree of files, directories and symlinks in one SQLite file.
///
/// The log is the one source of truth. A `Pond` holds only the open
/// database; each `write` or `read` gets a fresh `FS` over a session of the
/// log, so no handle carries state that could disagree with it.
///
///     let pond = try Pond.create(at: "data.pond")
///     try pond.write { fs in
///         try fs.root.mkdir("/sensors")
///         try fs.root.write("/sensors/a.csv", "t,v\n")
///     }
///     let rootAtVersion1 = try pond.read(at: 1) { try $0.root.list("/") }   // empty
public final class Pond {
    /// This Pond's version, as `pond --version` prints it.
    public static let version = "0.6.0"
    /// The schema version this Pond writes (`PRAGMA user_version`).
    public static var schemaVersion: Int { LogStore.currentSchemaVersion }

    /// The log underneath.
    let store: LogStore

    private init(store: LogStore) {
        self.store = store
    }

    /// The pond file.
    public var path: String { store.path }

    /// The newest version this `Pond` committed (nil: it wrote nothing).
    public var lastCommitted: Version? { store.lastCommitted }

    /// Creates a new pond at `path`; its version 1 is the empty root.
    /// - Throws: `OpLogError.alreadyExists` if anything is at `path`.
    public static func create(at path: String, message: String = "init") throws -> Pond {
        Pond(store: try LogStore.create(at: path, message: message))
    }

    /// Opens the pond at `path`, migrating an older schema.
    /// - Throws: `OpLogError.noPond`, `.notAPond`, `.newerSchema`.
    public static func open(at path: String) throws -> Pond {
        Pond(store: try LogStore.open(at: path))
    }

    /// Opens the pond at `path` only to check it: read-only, never migrated
    /// (an older schema is checked as it is), so not a byte of the file changes.
    /// - Throws: as `open(at:)`.
    public static func openForChecking(at path: String) throws -> Pond {
        Pond(store: try LogStore.open(at: path, mode: .asIs))
    }

    /// Opens the pond at `path` to read only (`pond serve`): nothing a read
    /// does writes to the file, not even a kept result.
    /// - Throws: as `open(at:)`.
    public static func openReadOnly(at path: String) throws -> Pond {
        Pond(store: try LogStore.open(at: path, mode: .readOnly))
    }

    /// Runs `body` as one transaction: it commits as one new version if it
    /// changed anything, none if it changed nothing; if it throws, nothing
    /// of it is stored and the error is rethrown. Reads inside see its
    /// writes. `fs.write { }` inside nests a SAVEPOINT.
    @discardableResult
    public func write<T>(message: String = "write", note: String? = nil, _ body: (FS) throws -> T) throws -> T {
        try commit(message: message, note: note, body).0
    }

    /// Like `write(message:_:)`, also returning the version committed (nil if nothing changed).
    /// `note` is a message of the user's (`pond -m`), kept beside `message`.
    public func commit<T>(message: String = "write", note: String? = nil, _ body: (FS) throws -> T) throws -> (T, Version?) {
        try store.write(message: message, note: note) { session in try body(fileSystem(session)) }
    }

    /// The bytes of the files at `paths` in the pond at `file`, as of
    /// `version` (head when nil), read without opening the pond: the
    /// fastest read there is, for `pond cat` of a few small files. Nil when
    /// it cannot answer (a glob, a symlink on a path, a derived file, a
    /// content of more than one chunk, a version given as a time, a pond to
    /// migrate, any error...): then `open` and `read` answer, and report
    /// every error. `OneShotRead` says exactly when it answers.
    public static func readSmallFiles(in file: String, paths: [String], at version: VersionSpec?) -> [[UInt8]]? {
        let at: OneShotRead.At
        switch version {
        case nil: at = .head(back: 0)
        case .head(let back): at = .head(back: back)
        case .number(let number): at = .number(number)
        case .time: return nil
        }
        var names: [[String]] = []
        for path in paths {
            // The names alone, not a PondPath: making its text costs a one-shot read a scan of
            // the binary's conformance records (joined(separator:)'s first use; README "Benchmarks").
            guard let literal = (try? GlobPattern(path))?.literalComponents, !literal.isEmpty else { return nil }
            names.append(literal.map(\.string))
        }
        return OneShotRead.files(in: file, paths: names, at: at)
    }

    /// Runs `body` on a read-only, consistent snapshot of version `version` (head when nil).
    /// - Throws: `OpLogError.noSuchVersion` for a version below 1 or past the head.
    public func read<T>(at version: Version? = nil, _ body: (FS) throws -> T) throws -> T {
        try store.read(at: version) { session in try body(fileSystem(session)) }
    }

    /// The node at `path` as of `version` (head when nil; a final symlink is
    /// not followed) and every event of its history up to that version,
    /// oldest first, following it through moves. A path that is gone by
    /// then is the node last there: its history ends with its removal.
    /// - Throws: `TinyFSError.notFound` and the like for a path that never
    ///   existed; `readOnlyDirectory` for a node a dynamic directory makes.
    public func history(of path: String, at version: Version? = nil) throws -> (node: NodeID, events: [NodeEvent]) {
        try store.read(at: version) { session in
            let id = try Pond.node(at: path, in: session)
            return (id, try session.history(of: id))
        }
    }

    /// The stored node at `path` (a final symlink not followed), or the one
    /// last there if the path is gone by `session`'s version.
    private static func node(at path: String, in session: LogSession) throws -> NodeID {
        let fs = FS(session)
        do {
            let node = try fs.root.node(path, followingLast: false)
            guard let id = node.id else { throw TinyFSError.readOnlyDirectory(node.path.parent) }
            return id
        } catch TinyFSError.notFound(let missing) {
            guard let last = try session.lastNode(at: try fs.root.absolute(path)) else { throw TinyFSError.notFound(missing) }
            return last.node
        }
    }

    /// Every stored node below the root as of `version` (head when nil),
    /// sorted bytewise by path, and with `metadata` its size, last version
    /// and (for a symlink) target: a whole tree in a constant number of queries.
    /// - Returns: nil when the tree holds a dynamic directory; `read` lists
    ///   its computed entries.
    public func listing(at version: Version? = nil, metadata: Bool = true) throws -> [ListedNode]? {
        try store.read(at: version) { try $0.storedListing(metadata: metadata) }
    }

    /// What `listing` is made from, to be walked (`forEach`) as often as
    /// needed, each node's path made as it is handed out: a listing of a
    /// million files in the memory of its entries, not of its paths.
    /// - Returns: nil when the tree holds a dynamic directory.
    public func storedTree(at version: Version? = nil, metadata: Bool = true) throws -> StoredTree? {
        try store.read(at: version) { try $0.storedTree(metadata: metadata) }
    }

    /// Every problem `pond fsck` looks for (see `LogStore.check`), one
    /// finding each; empty when the pond is sound. Never writes.
    public func check() throws -> [Finding] { try store.check() + checkKeptResults() }

    /// How many kept results (`derived_cache`) fsck computes again.
    static let keptSample = 8

    /// A sample of the results kept of derived files and rollups, each
    /// computed again at the version it was kept for and compared.
    private func checkKeptResults() throws -> [Finding] {
        try store.cachedSample(Pond.keptSample).compactMap { kept in
            let fresh: [UInt8]
            do {
                fresh = try store.read(at: kept.version) { session in
                    let context = TableContext(store: store, session: session, usingKept: false)
                    let fs = context.makeFileSystem()
                    return try withExtendedLifetime(fs) { try fs.root.read(kept.path) }
                }
            } catch {
                return Finding(path: kept.path, version: kept.version, problem: "derived_cache: the result kept of \(kept.path) cannot be computed again: \(error)")
            }
            let keptBytes = try? kept.bytes.withUnsafeBytes(TableContext.unpacked)
            return fresh == keptBytes ? nil
                : Finding(path: kept.path, version: kept.version, problem: "derived_cache: the result kept of \(kept.path) differs from the same computed again (pond prune --cache drops it)")
        }
    }

    /// The entries and bytes kept of derived files' and rollups' results.
    public func keptResults() throws -> (entries: Int, bytes: Int64) { try store.cacheStatistics() }

    /// Lets every kept result go (they are computed again when read).
    @discardableResult
    public func dropKeptResults() throws -> (entries: Int, bytes: Int64) { try store.dropCache() }

    /// The log's rows with version `since` and later, up to `version` (head
    /// when nil), oldest first.
    public func rows(since: Version, at version: Version? = nil) throws -> [LogRow] {
        try store.read(at: version) { try $0.rows(since: since) }
    }

    /// Counts of nodes and rows, the schema version and the chain hash, as
    /// of `version` (head when nil).
    public func statistics(at version: Version? = nil) throws -> LogStatistics {
        try store.read(at: version) { try $0.statistics() }
    }

    /// The newest version committed at or before `time` (ISO-8601 UTC, as
    /// the pond records commit times), nil if none.
    public func version(atOrBefore time: String) throws -> Version? {
        try store.version(atOrBefore: time)
    }

    /// Every event of the node at `path` and of every node below it as of
    /// `version` (head when nil), in version order: what happened inside a
    /// directory. Nodes a dynamic directory computes have no events.
    /// - Throws: as `history(of:at:)`.
    public func history(ofTree path: String, at version: Version? = nil) throws -> (node: NodeID, events: [NodeEvent]) {
        try store.read(at: version) { session in
            let root = try Pond.node(at: path, in: session)
            // Every node that was ever below it: files removed or moved out have their history too.
            let nodes = try session.nodesEverBelow(root)
            // Sorted by version; within one, each node's rows in their order.
            let events = try nodes.flatMap { try session.history(of: $0) }.enumerated()
                .sorted { ($0.element.version, $0.offset) < ($1.element.version, $1.offset) }.map(\.element)
            return (root, events)
        }
    }

    /// Makes each of `paths` at head what it was at `version`, as ONE new
    /// version recorded as `message` (see `WD.restore`: nodes keep their
    /// identity, so their history runs through the restore).
    /// - Returns: the version made; nil when everything already was as at `version`.
    /// - Throws: `PondError.noSuchVersion`; `TinyFSError.notFound` for a path
    ///   that did not exist at `version`; `PondError.pruned` for bytes a prune let go.
    @discardableResult
    public func restore(_ paths: [String], at version: Version, message: String, note: String? = nil) throws -> Version? {
        try store.write(message: message, note: note) { session in
            let head = Version(session.version.rawValue - 1)
            guard version >= .first, version <= head else { throw PondError.noSuchVersion(version, head: head) }
            let snapshot = FS(session.snapshot(at: version))
            let fs = FS(session)
            for path in paths { try fs.root.restore(path, from: snapshot) }
        }.1
    }

    /// Lets go of the stored bytes of the file versions that no version
    /// `rule` keeps needs (head is always kept), as one new version recorded
    /// as `message`; with `dryRun`, only says what would go. Every log row,
    /// transaction and chain hash stays; reading a pruned file version's
    /// bytes is then `PondError.pruned`.
    /// - Throws: `PondError.pruneNeedsARule`, `.noSuchVersion`.
    public func prune(_ rule: PruneRule, message: String, note: String? = nil, dryRun: Bool = false) throws -> PruneResult {
        try store.prune(rule, message: message, note: note, dryRun: dryRun)
    }

    /// Writes a consistent copy of the pond into the new file `destination`
    /// while others go on using this one, and checks it (as fsck does)
    /// before returning its head version and hash.
    /// - Throws: `OpLogError.backupExists`, `.backupFailed`.
    public func backup(to destination: String) throws -> BackupResult {
        try store.backup(to: destination)
    }

    /// Leaves the pond as one file: copies the WAL into the main file and
    /// empties it, unless another process is still using it (that one will,
    /// when it finishes). Call it when done with the pond; every `pond`
    /// command does as it exits. Never waits, never fails.
    public func checkpoint() { store.checkpoint() }

    /// Checkpoints and closes the pond: with no other process on it, nothing
    /// is left beside the file (no `-wal`, no `-shm`). The pond answers
    /// nothing afterwards; every `pond` command calls it as it exits.
    public func close() { store.close() }

    /// Told when a command has waited a second for another process writing
    /// the same pond: its path and the other processes that have it open.
    nonisolated(unsafe) public static var onWaitingForWriter: ((_ path: String, _ others: [String]) -> Void)? {
        get { LogStore.onWaiting }
        set { LogStore.onWaiting = newValue }
    }

    /// Told, after each write commits, what its writer should know about the
    /// files it wrote: a file named like a table that is none, a column of
    /// numbers typed TEXT by a few other values (DESIGN.md, "Tables").
    public var onNotice: ((String) -> Void)? {
        get { store.onNotice }
        set { store.onNotice = newValue }
    }

    /// The newest committed version.
    public var headVersion: Version {
        get throws { try store.headVersion }
    }

    /// Every committed transaction, oldest first.
    public func transactions() throws -> [Transaction] { try store.transactions() }

    /// The newest `limit` transactions (all when nil), newest first.
    public func recentTransactions(limit: Int? = nil) throws -> [Transaction] {
        try store.recentTransactions(limit: limit)
    }

    /// Calls `body` with the newest `limit` transactions (all when nil), newest first,
    /// one at a time: a log of any length in constant memory.
    public func forEachRecentTransaction(limit: Int? = nil, _ body: (Transaction) throws -> Void) throws {
        try store.forEachRecentTransaction(limit: limit, body)
    }

    /// The paths that differ between two versions (`to` defaults to head).
    public func diff(from: Version, to: Version? = nil) throws -> [PathChange] {
        try store.diff(from: from, to: to)
    }
}
