import Foundation
import GRDB
import GRDBSQLite

/// A derived file's or rollup's computed bytes, as kept in `derived_cache`
/// (Schema/v9_collect.sql): keyed by the query run and the contents it read.
public struct CachedResult: Sendable {
    public let key: Data
    public let family: Data
    /// A reduce table's one source content, nil otherwise.
    public let source: Data?
    public let path: String
    public let version: Version
    public let bytes: [UInt8]

    public init(key: Data, family: Data, source: Data?, path: String, version: Version, bytes: [UInt8]) {
        (self.key, self.family, self.source, self.path, self.version, self.bytes) = (key, family, source, path, version, bytes)
    }
}

extension LogSession {
    /// How many results of one derived file (at different inputs) are kept.
    static let cachedPerFamily = 4

    /// Whether this pond keeps computed results (schema 9 on).
    public var keepsResults: Bool { schemaVersion >= 9 }

    /// Hands the bytes kept under `key` to `body` in place, without a copy
    /// (valid only during the call: a kept table read again is one read of
    /// its blob, not three copies of it). False when none are kept.
    public func withCachedResult(key: Data, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        guard keepsResults else { return false }
        let rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT bytes FROM derived_cache WHERE key = ?"), arguments: [key])
        guard let row = try rows.next(), let bytes = row.dataNoCopy(atIndex: 0) else { return false }
        try bytes.withUnsafeBytes(body)
        return true
    }

    /// The results kept of one derived file at other inputs, newest first:
    /// each one's key and source (its bytes by `cachedBytes`, for the one used).
    public func cachedResults(family: Data) throws -> [(key: Data, source: Data?)] {
        guard keepsResults else { return [] }
        return try Row.fetchAll(db.cachedStatement(sql: """
            SELECT key, source FROM derived_cache WHERE family = ? ORDER BY made DESC LIMIT \(LogSession.cachedPerFamily)
            """), arguments: [family]).map { ($0[0], $0[1]) }
    }

    /// The bytes kept under `key`.
    public func cachedBytes(key: Data) throws -> [UInt8]? {
        guard keepsResults else { return nil }
        return try Row.fetchOne(db.cachedStatement(sql: "SELECT bytes FROM derived_cache WHERE key = ?"), arguments: [key])
            .map { Array($0[0] as Data) }
    }

    /// Keeps `result`: at once in a write (inside its transaction), else
    /// after this read ends (`LogStore.read`), when the pond can be written.
    public func keep(_ result: CachedResult) throws {
        guard keepsResults else { return }
        if isWritable {
            try LogSession.insert(result, into: db)
        } else {
            pendingResults.append(result)
        }
    }

    static func insert(_ result: CachedResult, into db: Database) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO derived_cache(key, family, source, path, version, bytes, made)
            VALUES (?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            """, arguments: [result.key, result.family, result.source, result.path, result.version.rawValue, Data(result.bytes)])
        try db.execute(sql: """
            DELETE FROM derived_cache WHERE family = ?1 AND key NOT IN
              (SELECT key FROM derived_cache WHERE family = ?1 ORDER BY made DESC LIMIT \(cachedPerFamily))
            """, arguments: [result.family])
    }
}

extension LogStore {
    /// Stores what reads computed, in one short write that never waits: a
    /// pond that cannot be written, or that a writer holds, keeps nothing
    /// (the results are computed again), and the read is never held up.
    func keepPendingResults(_ results: [CachedResult]) {
        guard !results.isEmpty, schemaVersion >= 9 else { return }
        writeWithoutWaiting { db in
            for result in results { try LogSession.insert(result, into: db) }
        }
    }

    /// Runs `body` in one short write transaction that never waits for
    /// another writer: derived data kept on the side of a read.
    /// - Returns: whether it committed (not in a pond that cannot be written,
    ///   or that another writer holds).
    @discardableResult
    func writeWithoutWaiting(_ body: (Database) throws -> Void) -> Bool {
        guard !isReadOnly, !isImmutable else { return false }
        do {
            try queue.writeWithoutTransaction { db in
                sqlite3_busy_timeout(db.sqliteConnection, 0)
                defer { sqlite3_busy_timeout(db.sqliteConnection, Int32(LogStore.busyTimeout * 1000)) }
                try db.inTransaction(.immediate) {
                    try body(db)
                    return .commit
                }
            }
            return true
        } catch {
            return false
        }
    }

    /// The bytes and entries of kept results (`pond status`).
    public func cacheStatistics() throws -> (entries: Int, bytes: Int64) {
        guard schemaVersion >= 9 else { return (0, 0) }
        return try LogStore.mapErrors(path) {
            try queue.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT count(*), coalesce(sum(length(bytes)), 0) FROM derived_cache")!
                return (row[0], row[1])
            }
        }
    }

    /// Lets every kept result go (`pond prune --cache`); the space returns to the file system.
    /// - Returns: how many entries and bytes went.
    public func dropCache() throws -> (entries: Int, bytes: Int64) {
        let before = try cacheStatistics()
        guard before.entries > 0 else { return before }
        try LogStore.mapErrors(path) {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "DELETE FROM derived_cache")
                try db.execute(sql: "VACUUM")
            }
        }
        return before
    }

    /// Up to `count` kept results, chosen at random (`pond fsck` computes them again).
    public func cachedSample(_ count: Int) throws -> [CachedResult] {
        guard schemaVersion >= 9 else { return [] }
        return try LogStore.mapErrors(path) {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT key, family, source, path, version, bytes FROM derived_cache ORDER BY random() LIMIT ?",
                                 arguments: [count]).map {
                    CachedResult(key: $0[0], family: $0[1], source: $0[2], path: $0[3], version: Version($0[4] as Int64), bytes: Array($0[5] as Data))
                }
            }
        }
    }
}
