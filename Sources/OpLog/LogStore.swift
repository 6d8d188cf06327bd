import Foundation
import GRDB
import GRDBSQLite
import Schema
import TinyFS

/// A pond file: the SQLite database holding the log, opened or created.
///
/// Durability and concurrency follow DESIGN.md: WAL mode; `synchronous=FULL`
/// so a committed version survives power loss; writers take turns with
/// `BEGIN IMMEDIATE` and a long busy timeout, so a command waits for another
/// instead of failing; readers read one snapshot from start to end. At rest
/// a pond is one file: `checkpoint()` (which every command calls as it
/// exits) and SQLite's own checkpoint when the last connection closes copy
/// the WAL into the main file and empty it.
public final class LogStore {
    /// The pond file.
    public let path: String
    let queue: DatabaseQueue

    /// `PRAGMA application_id` of every pond: 'POND' in ASCII.
    public static let applicationID: Int32 = 0x504F_4E44

    /// The schema version this build writes.
    public static var currentSchemaVersion: Int { Migration.current }

    /// How long a writer waits for another before giving up: 60 s, or
    /// `$POND_LOCK_TIMEOUT` seconds.
    public static let busyTimeout: TimeInterval = getenv("POND_LOCK_TIMEOUT").flatMap { TimeInterval(String(cString: $0)) } ?? 60

    /// Told when a command has waited a second for another writer: the
    /// pond's path and the other processes that have it open (`WriterWait`).
    nonisolated(unsafe) public static var onWaiting: ((_ path: String, _ others: [String]) -> Void)?

    /// Whether the file was opened read-only (nothing can be written through it).
    public let isReadOnly: Bool
    /// Told, after a write commits, what its writer should know about the
    /// files it wrote (`LogSession.notices`); the CLI prints each as a warning.
    public var onNotice: ((String) -> Void)?
    /// The newest version this process committed through this store (nil: none):
    /// what tells the CLI a command wrote, so that auto-push remotes are pushed.
    public internal(set) var lastCommitted: Version?

    /// The schema version of the file as opened: the current one, but for
    /// a pond opened `asIs`.
    public let schemaVersion: Int

    /// What SQLite opens for a connection of Pond's own (a query's): `path`,
    /// or the immutable URI of a pond in a directory that cannot be written.
    let location: String
    /// Whether `location` is an immutable URI (see `open(at:mode:)`).
    let isImmutable: Bool

    /// A lazy clone's bytes on demand (nil: every byte is here).
    var lazyChunks: LazyChunks?
    /// The remote a lazy clone's missing bytes are on; nil for a pond that holds them all.
    public var lazyRemote: String? { lazyChunks?.remote }
    /// What fetches a lazy clone's missing bytes as reads need them (Pond
    /// sets it); without one, such a read is `notLocal`.
    public var chunkFetcher: (any ChunkFetcher)? {
        get { lazyChunks?.fetcher }
        set { lazyChunks?.fetcher = newValue }
    }

    init(path: String, queue: DatabaseQueue, isReadOnly: Bool = false, schemaVersion: Int = Migration.current,
         immutableLocation: String? = nil) {
        self.path = path
        self.queue = queue
        self.isReadOnly = isReadOnly
        self.schemaVersion = schemaVersion
        self.location = immutableLocation ?? path
        self.isImmutable = immutableLocation != nil
    }

    static func configuration(readonly: Bool, path: String) -> Configuration {
        var config = Configuration()
        config.readonly = readonly
        config.busyMode = WriterWait.busyMode(path: path)
        config.label = "pond"
        // Foreign keys on, as GRDB would turn them on, but in the one call below.
        config.foreignKeysEnabled = false
        config.prepareDatabase { db in
            // One sqlite3_exec, not three statements through GRDB: every command opens a pond.
            // A large copy grows the WAL to its size; once checkpointed, the
            // WAL file is cut back to journal_size_limit, not left at its largest.
            let settings = "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA journal_size_limit = \(64 * 1024 * 1024)"
            let code = sqlite3_exec(db.sqliteConnection, settings, nil, nil, nil)
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: settings)
            }
        }
        return config
    }

    /// Creates a new pond at `path`: the schema, and version 1 holding the empty root.
    /// - Throws: `alreadyExists` if anything is at `path`; `database` if SQLite fails.
    public static func create(at path: String, message: String = "init") throws -> LogStore {
        try makeFile(at: path, settings: "PRAGMA journal_mode = WAL") { db in
            try db.execute(sql: "INSERT INTO log(part_id, node_id, version, kind) VALUES (0, 0, 1, \(RowKind.mkdir.sql))")
            try recordVersion(.first, message: message, rowsAfter: 0, in: db)
        }
    }

    /// A new file at `path` with `settings` (its journal mode), the schema,
    /// and what `fill` adds, in one transaction: the one way a pond file is made.
    static func makeFile(at path: String, settings: String, _ fill: (Database) throws -> Void) throws -> LogStore {
        if FileManager.default.fileExists(atPath: path) { throw OpLogError.alreadyExists(path: path) }
        return try mapErrors(path) {
            let queue = try DatabaseQueue(path: path, configuration: configuration(readonly: false, path: path))
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: settings)
                try db.inTransaction(.immediate) {
                    try Migration.run(db, from: 0)
                    try fill(db)
                    return .commit
                }
            }
            return LogStore(path: path, queue: queue)
        }
    }

    /// How `open` treats the file.
    public enum OpenMode: Sendable {
        /// Read and write; an older schema is migrated inside one transaction.
        case readWrite
        /// Opened read-only; an older schema is first migrated through a
        /// writable connection, where the file can be written.
        case readOnly
        /// Opened read-only and never migrated, whatever its schema: what
        /// `check()` needs to look at a pond exactly as it is.
        case asIs
    }

    /// Opens the pond at `path`, migrating an older schema inside one
    /// transaction; with `readOnly`, the file is opened read-only (see `OpenMode`).
    /// - Throws: `noPond` if nothing is there; `notAPond` for an empty file,
    ///   a directory, or a file that is not a pond (it is left untouched);
    ///   `newerSchema` for a pond made by a newer Pond.
    public static func open(at path: String, readOnly: Bool = false) throws -> LogStore {
        try open(at: path, mode: readOnly ? .readOnly : .readWrite)
    }

    /// Opens the pond at `path` in `mode`.
    ///
    /// A read-only open of a file whose directory cannot be written, and
    /// that has no WAL beside it (a pond at rest copied there), cannot make
    /// SQLite's shared-memory file: it is then opened as immutable, which is
    /// exact because with no WAL every version is in the file itself.
    /// - Throws: as `open(at:readOnly:)`.
    public static func open(at path: String, mode: OpenMode) throws -> LogStore {
        // stat(2), not FileManager: its attributes look up user and group names.
        var info = stat()
        guard stat(path, &info) == 0 else { throw OpLogError.noPond(path: path) }
        if info.st_mode & S_IFMT == S_IFDIR { throw OpLogError.notAPond(path: path, reason: "it is a directory") }
        if info.st_size == 0 { throw OpLogError.notAPond(path: path, reason: "the file is empty") }
        let readOnly = mode != .readWrite

        return try mapErrors(path) {
            // One statement, outside a transaction: every command opens a pond.
            func connect(_ location: String, readonly: Bool) throws -> (DatabaseQueue, Int32, Int) {
                let queue: DatabaseQueue
                do {
                    queue = try DatabaseQueue(path: location, configuration: configuration(readonly: readonly, path: path))
                } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
                    throw OpLogError.notAPond(path: path, reason: "it is not an SQLite database")
                }
                // Two PRAGMA statements, not one SELECT of the pragma functions:
                // those are table-valued functions, whose SELECT costs a command
                // a third of a millisecond to prepare (perf, README "Benchmarks").
                return try queue.inDatabase { db in
                    (queue, try Int32.fetchOne(db.cachedStatement(sql: "PRAGMA application_id")) ?? 0,
                     try Int.fetchOne(db.cachedStatement(sql: "PRAGMA user_version")) ?? 0)
                }
            }
            var queue: DatabaseQueue, applicationID: Int32, schemaVersion: Int
            var readOnly = readOnly
            var immutableLocation: String?
            do {
                (queue, applicationID, schemaVersion) = try connect(path, readonly: readOnly)
            } catch let error as DatabaseError
                where [.SQLITE_READONLY, .SQLITE_CANTOPEN].contains(error.resultCode) && stat(path + "-wal", &info) != 0 {
                immutableLocation = immutableURI(path)
                (queue, applicationID, schemaVersion) = try connect(immutableLocation!, readonly: true)
                readOnly = true
            }
            guard applicationID == LogStore.applicationID else {
                throw OpLogError.notAPond(path: path, reason: "it is an SQLite database of another application")
            }
            if schemaVersion > Migration.current {
                throw OpLogError.newerSchema(path: path, found: schemaVersion, supported: Migration.current)
            }
            if schemaVersion < Migration.current && mode == .readOnly {
                // Reads need the current tables: migrate through a writable
                // connection first, if the file can be written.
                do {
                    _ = try open(at: path, mode: .readWrite)
                } catch OpLogError.readOnly {
                    throw OpLogError.needsMigration(path: path, found: schemaVersion, current: Migration.current)
                } catch OpLogError.database(_, let cause) where cause.resultCode == .SQLITE_CANTOPEN {
                    throw OpLogError.needsMigration(path: path, found: schemaVersion, current: Migration.current)
                }
            }
            if schemaVersion < Migration.current && mode == .readWrite {
                try mapReadOnly(path, schemaVersion) { try migrateInPlace(queue) }
            }
            let store = LogStore(path: path, queue: queue, isReadOnly: readOnly,
                                 schemaVersion: mode == .asIs ? schemaVersion : Migration.current, immutableLocation: immutableLocation)
            if store.schemaVersion >= 10 { try store.noticeLaziness() }
            return store
        }
    }

    /// Looks whether this pond is a lazy clone; one is: its chunks may be
    /// named before they are here, so its connection does not enforce
    /// content_chunks' REFERENCES chunks (Schema/v10_lazy.sql).
    func noticeLaziness() throws {
        let remote = try queue.inDatabase { db in try String.fetchOne(db.cachedStatement(sql: "SELECT remote FROM lazy")) }
        guard let remote else { return }
        lazyChunks = LazyChunks(remote: remote)
        try queue.inDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = OFF") }
    }

    /// `path` as an SQLite URI that opens it read-only and immutable.
    private static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?mode=ro&immutable=1"
    }

    /// Runs `body`, reporting a read-only file as a pond that needs migrating.
    private static func mapReadOnly(_ path: String, _ found: Int, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
            throw OpLogError.needsMigration(path: path, found: found, current: Migration.current)
        }
    }

    /// Migrates the pond `queue` holds to the current schema, in one transaction.
    private static func migrateInPlace(_ queue: DatabaseQueue) throws {
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                // Another process may have migrated while we waited for the lock.
                let found = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                try Migration.run(db, from: found)
                return .commit
            }
        }
    }

    /// Runs `body`, turning SQLite's errors into `OpLogError.database` for this pond.
    static func mapErrors<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw OpLogError.notAPond(path: path, reason: "it is not an SQLite database")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
            throw OpLogError.readOnly(path: path)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT {
            throw OpLogError.damagedFile(path: path, cause: error)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw OpLogError.busy(path: path, waited: busyTimeout, others: WriterWait.otherProcesses(using: path))
        } catch let error as DatabaseError {
            throw OpLogError.database(path: path, cause: error)
        }
    }

    // MARK: - Transactions

    /// Runs `body` as one top-level transaction, recorded as `message`.
    ///
    /// Inside, reads see the transaction's own writes. If `body` throws,
    /// everything is rolled back: no row is stored and no version is used.
    /// If it returns having changed something, the transaction commits as
    /// version head+1; if it changed nothing, no version is added.
    /// - Returns: `body`'s result and the committed version, nil if nothing changed.
    public func write<T>(message: String, note: String? = nil, _ body: (LogSession) throws -> T) throws -> (T, Version?) {
        defer { keepFetchedChunks() }
        return try LogStore.mapErrors(path) {
            try queue.writeWithoutTransaction { db in
                var outcome: (T, Version?)?
                var notices: [String] = []
                try db.inTransaction(.immediate) {
                    let (head, lastRowBefore) = try LogStore.headAndLastRow(db)
                    let session = LogSession(db: db, version: head.next, isWritable: true)
                    session.lazy = lazyChunks
                    let value = try body(session)
                    try session.recordTableSchemas()
                    // The statement that read the head again, already prepared:
                    // each statement's first prepare is most of its cost here.
                    guard try LogStore.headAndLastRow(db).1 > lastRowBefore else {
                        outcome = (value, nil)
                        return .rollback
                    }
                    try LogStore.recordVersion(head.next, message: message, note: note, rowsAfter: lastRowBefore, in: db)
                    outcome = (value, head.next)
                    notices = session.notices
                    return .commit
                }
                for notice in notices { onNotice?(notice) }
                if let made = outcome?.1 { lastCommitted = made }
                return outcome!
            }
        }
    }

    /// Copies the WAL into the main file and empties it, unless another
    /// connection is using it: then that one, exiting last, will.
    ///
    /// Every `pond` command calls this as it exits, so that at rest the pond
    /// is one file: `cp pond.db` copies every version. It never waits: with
    /// a busy timeout of 0, a TRUNCATE checkpoint that finds a reader still
    /// on the WAL (another command, or Litestream's long read transaction)
    /// copies what it may, as a PASSIVE one would, and gives up without
    /// restarting the WAL under that reader. A WAL that is already empty
    /// costs one stat(2); a read-only connection cannot checkpoint and does
    /// nothing.
    public func checkpoint() {
        guard !isReadOnly else { return }
        var info = stat()
        guard stat(path + "-wal", &info) == 0, info.st_size > 0 else { return }
        // SQLite's C calls, not three PRAGMA statements to prepare: this runs at the end of every command.
        queue.writeWithoutTransaction { db in
            sqlite3_busy_timeout(db.sqliteConnection, 0)
            sqlite3_wal_checkpoint_v2(db.sqliteConnection, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
            sqlite3_busy_timeout(db.sqliteConnection, Int32(LogStore.busyTimeout * 1000))
        }
    }

    /// Checkpoints, then closes the connection: the last connection to close
    /// removes the `-wal` and `-shm` files, so that at rest the pond is one
    /// file in its directory. The store answers nothing afterwards; every
    /// `pond` command calls it as it exits.
    public func close() {
        checkpoint()
        try? queue.close()
    }

    /// Runs `body` on a read-only snapshot of version `version` (head when nil).
    ///
    /// The snapshot is one SQLite read transaction: it sees one version from
    /// start to end while other processes write.
    /// - Throws: `noSuchVersion` for a version below 1 or past the head.
    public func read<T>(at version: Version? = nil, _ body: (LogSession) throws -> T) throws -> T {
        try LogStore.mapErrors(path) {
            let (value, pending) = try queue.read { db in
                let head = try LogStore.headVersion(db)
                let target = version ?? head
                guard target >= .first, target <= head else {
                    throw OpLogError.noSuchVersion(target, head: head)
                }
                let session = LogSession(db: db, version: target, isWritable: false, schemaVersion: schemaVersion)
                session.lazy = lazyChunks
                return (try body(session), session.pendingResults)
            }
            keepPendingResults(pending)
            keepFetchedChunks()
            return value
        }
    }

    /// Moves the chunks reads fetched from a lazy clone's remote into the pond.
    func keepFetchedChunks() {
        lazyChunks?.keep(in: self)
    }

    /// The newest committed version.
    public var headVersion: Version {
        get throws { try LogStore.mapErrors(path) { try queue.read(LogStore.headVersion) } }
    }

    /// Every committed transaction, oldest first.
    public func transactions() throws -> [Transaction] {
        try transactions(sql: "SELECT version, time, command, message FROM versions ORDER BY version", arguments: [])
    }

    /// The newest `limit` transactions (all when nil), newest first.
    public func recentTransactions(limit: Int? = nil) throws -> [Transaction] {
        try transactions(sql: LogStore.recentSQL, arguments: [limit ?? -1])
    }

    /// Calls `body` with the newest `limit` transactions (all when nil),
    /// newest first, one row at a time from one snapshot.
    public func forEachRecentTransaction(limit: Int? = nil, _ body: (Transaction) throws -> Void) throws {
        try forEachTransaction(sql: LogStore.recentSQL, arguments: [limit ?? -1], body)
    }

    private static let recentSQL = "SELECT version, time, command, message FROM versions ORDER BY version DESC LIMIT ?"

    private func transactions(sql: String, arguments: StatementArguments) throws -> [Transaction] {
        var transactions: [Transaction] = []
        try forEachTransaction(sql: sql, arguments: arguments) { transactions.append($0) }
        return transactions
    }

    private func forEachTransaction(sql: String, arguments: StatementArguments,
                                    _ body: (Transaction) throws -> Void) throws {
        try LogStore.mapErrors(path) {
            try queue.read { db in
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() {
                    try body(Transaction(version: Version(row[0] as Int64), time: row[1], command: row[2], message: row[3]))
                }
            }
        }
    }

    /// The newest version committed at or before `time` (ISO-8601 UTC), nil if none.
    public func version(atOrBefore time: String) throws -> Version? {
        try LogStore.mapErrors(path) {
            try queue.read { db in
                let version = try Int64.fetchOne(
                    db, sql: "SELECT max(version) FROM versions WHERE time <= ?", arguments: [time])
                return version.map { Version($0) }
            }
        }
    }

    static func headVersion(_ db: Database) throws -> Version {
        guard let head = try Int64.fetchOne(db, sql: "SELECT max(version) FROM versions") else {
            throw LogSession.corrupt("no committed version")
        }
        return Version(head)
    }

    /// Records `version` as committed, made by `message`, and its link in
    /// the hash chain over its transaction row and its log rows (those after
    /// row `seq`), in the caller's transaction: the one way a version is made.
    /// `message` is the command column (the command line); `note` the user's message, if any.
    static func recordVersion(_ version: Version, message: String, note: String? = nil, rowsAfter seq: Int64,
                              in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO versions(version, time, command, message)
            VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?)
            """).execute(arguments: [version.rawValue, message, note])
        try Chain.record(version.rawValue, rowsAfter: seq, in: db)
    }

    /// The newest committed version and the log's last row, in one statement.
    static func headAndLastRow(_ db: Database) throws -> (Version, Int64) {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT (SELECT max(version) FROM versions), (SELECT coalesce(max(seq), 0) FROM log)
            """)), let head = row[0] as Int64? else {
            throw LogSession.corrupt("no committed version")
        }
        return (Version(head), row[1])
    }

    static func lastRow(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(seq), 0) FROM log")) ?? 0
    }
}
