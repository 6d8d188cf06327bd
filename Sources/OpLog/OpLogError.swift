import GRDB

/// What can go wrong opening, reading or writing a pond's log.
public enum OpLogError: Error, CustomStringConvertible {
    case noPond(path: String)
    case alreadyExists(path: String)
    case notAPond(path: String, reason: String)
    case newerSchema(path: String, found: Int, supported: Int)
    case needsMigration(path: String, found: Int, current: Int)
    case readOnly(path: String)
    /// Another process held the write lock for the whole wait.
    case busy(path: String, waited: Double, others: [String])
    case noSuchVersion(Version, head: Version)
    case database(path: String, cause: DatabaseError)
    /// The log's rows contradict each other (what Pond never writes).
    case inconsistentLog(String)
    /// SQLite found the file itself damaged (a cut or overwritten page).
    case damagedFile(path: String, cause: DatabaseError)
    case queryDenied(String)
    /// A statement stopped at its time limit (`pond serve`'s SQL page).
    case queryTimedOut(seconds: Double)
    case multipleStatements(String)
    case emptyQuery(String)
    /// Stored bytes that differ from those written: `offset` is the first byte found damaged.
    /// The bytes of a file version were let go by a prune.
    case pruned(path: String, version: Version, by: Version, time: String)
    case pruneNeedsARule
    case backupExists(path: String)
    case backupFailed(path: String, reason: String)
    case damagedContent(path: String, version: Version, offset: Int64, reason: String)
    /// Stored bytes that are gone: a missing chunk, or a list of pieces with a gap.
    case missingContent(path: String, version: Version, offset: Int64, reason: String)
    /// A tabular file's row that cannot be read as one (DESIGN.md, "Tables").
    case badTable(path: String, version: Version, line: Int, reason: String)
    /// Rows appended to a table that would make it unreadable as one (DESIGN.md, "Writes are checked").
    /// `ofAppended`: the line is counted in the appended bytes, else in the file.
    case refusedAppend(path: String, line: Int, ofAppended: Bool, reason: String)
    /// A table name in a query that names no table: no such path, or not a tabular file.
    case noSuchTable(name: String, version: Version, reason: String)
    /// A derived file whose definition cannot be run (SQL that SQLite refuses).
    case derivedFileFailed(path: String, version: Version, reason: String)
    /// A derived file's definition refused when it is made (DESIGN.md, "Derived files").
    case badDefinition(path: String, reason: String)
    /// A lazy clone's bytes that are on its remote, with nothing here to fetch them.
    case notLocal(path: String, version: Version, remote: String)
    /// Fetching a lazy clone's bytes from its remote failed.
    case remoteFetch(remote: String, reason: String)
    /// What needs every byte here, in a lazy clone that lacks some.
    case lazyPond(path: String, missing: Int64, doing: String)

    public var description: String {
        switch self {
        case .noPond(let path):
            "no pond at \(path) (create one with `pond init`, or name another with --pond)"
        case .alreadyExists(let path):
            "\(path) already exists; pond init creates a new pond and never touches an existing file"
        case .notAPond(let path, let reason):
            "\(path) is not a pond: \(reason)"
        case .newerSchema(let path, let found, let supported):
            "\(path) was made by a newer Pond (schema version \(found); this Pond reads up to \(supported)); upgrade Pond to open it"
        case .needsMigration(let path, let found, let current):
            "\(path) has schema version \(found) and must be migrated to \(current) before it is read, but it cannot be written here; open it once where it is writable"
        case .readOnly(let path):
            "\(path) is read-only here (no write permission on it or its directory): it can be read, not changed"
        case .noSuchVersion(let version, let head):
            version.rawValue < 1
                ? "no version \(version): versions start at 1"
                : "no version \(version): the head is version \(head)"
        case .queryDenied(let sql):
            "pond sql only reads; this statement would change something or reach outside the pond, and was denied: \(sql)"
        case .queryTimedOut(let seconds):
            "the statement was stopped at its time limit of \(seconds.formatted()) seconds"
        case .emptyQuery(let sql):
            "pond sql needs one SQL statement, and this holds none: '\(sql)'"
        case .multipleStatements(let sql):
            "pond sql runs exactly one statement; split this into one call per statement: \(sql)"
        case .pruned(let path, let version, let prune, let time):
            "\(path) at version \(version) was pruned: version \(prune) (\(time)) let its bytes go; its history, size and SHA-256 remain (pond log shows the prune's rule)"
        case .pruneNeedsARule:
            "pond prune needs a rule of what to keep: --keep-last N, --keep-within DURATION (30d, 12h) or --before VERSION"
        case .backupExists(let path):
            "\(path) already exists; pond backup writes a new file and never overwrites one"
        case .backupFailed(let path, let reason):
            "backup to \(path) failed, and nothing was left there: \(reason)"
        case .damagedContent(let path, let version, let offset, let reason),
             .missingContent(let path, let version, let offset, let reason):
            "\(path) at version \(version) is damaged at byte offset \(offset): \(reason); no bytes that differ from those written are given out (pond fsck lists every damaged file)"
        case .badTable(let path, let version, let line, let reason):
            "\(path) at version \(version)\(line > 0 ? ", line \(line)" : ""): \(reason)"
        case .busy(let path, let waited, let others):
            "\(path) is being written by another process" + (others.isEmpty ? "" : " (\(others.joined(separator: "; ")))")
                + ", which did not finish within \(Int(waited)) s: nothing was changed; try again when it is done"
        case .refusedAppend(let path, let line, let ofAppended, let reason):
            "nothing appended to \(path): \(line > 0 ? "\(ofAppended ? "appended line" : "line") \(line): " : "")\(reason); it would no longer read as a table (--as-bytes appends anyway)"
        case .noSuchTable(let name, let version, let reason):
            "\"\(name)\" is no table at version \(version): \(reason)"
        case .badDefinition(let path, let reason):
            "\(path): the query is refused, nothing was changed: \(reason)"
        case .derivedFileFailed(let path, let version, let reason):
            "derived file \(path) cannot be computed at version \(version): \(reason) (pond describe shows its definition)"
        case .notLocal(let path, let version, let remote):
            "\(path) at version \(version) is not local: its bytes are on remote '\(remote)', which this command cannot reach (pond fetch brings them)"
        case .remoteFetch(let remote, let reason):
            "cannot fetch bytes from remote '\(remote)': \(reason); the pond is as it was"
        case .lazyPond(let path, let missing, let doing):
            "\(path) is a lazy clone and \(missing) bytes of its files are not local: \(doing) needs them all; run pond fetch first"
        case .inconsistentLog(let detail):
            "the log is inconsistent: \(detail); pond fsck names what is wrong"
        case .damagedFile(let path, let cause):
            "\(path) is damaged: SQLite says \(cause.message ?? cause.description); pond fsck names what it can still read"
        case .database(let path, let cause):
            "SQLite error on \(path): \(cause.message ?? cause.description)"
        }
    }
}
