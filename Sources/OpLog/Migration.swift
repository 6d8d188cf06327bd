import GRDB
import Schema

/// One step of a pond's schema history: the SQL that takes a pond from
/// schema version `version - 1` to `version`, and what SQL alone cannot do.
///
/// `all` is the one list of them; `run` is the one place they run, inside
/// the caller's transaction, for `create` (from 0) and `open` (from the
/// file's version) alike. A shipped step is never edited: a new schema
/// version adds an SQL file to Schema/ and an entry at the end.
struct Migration: Sendable {
    /// The schema version this step produces (`PRAGMA user_version`).
    let version: Int
    /// The step's SQL file (Schema/vN_*.sql).
    let sql: String
    /// Swift run after the SQL, in the same transaction.
    let then: (@Sendable (Database) throws -> Void)?

    init(_ version: Int, _ sql: String, then: (@Sendable (Database) throws -> Void)? = nil) {
        self.version = version
        self.sql = sql
        self.then = then
    }

    /// Every step, oldest first.
    static let all: [Migration] = [
        Migration(1, Schema.v1Log),
        Migration(2, Schema.v2Content),
        // The chain covers every version committed before it existed too.
        Migration(3, Schema.v3Chain, then: { try Chain.backfill($0) }),
        Migration(4, Schema.v4Prune),
        Migration(5, Schema.v5Message),
        Migration(6, Schema.v6Tables),
        Migration(7, Schema.v7Indexes),
        Migration(8, Schema.v8Remotes),
        Migration(9, Schema.v9Collect),
        Migration(10, Schema.v10Lazy),
    ]

    /// The schema version this build writes.
    static var current: Int { all.last!.version }

    /// Runs every step after schema version `version`, then recreates the
    /// views, all in the caller's transaction.
    static func run(_ db: Database, from version: Int) throws {
        for step in all where step.version > version {
            try db.execute(sql: step.sql)
            try step.then?(db)
            try db.execute(sql: "PRAGMA user_version = \(step.version)")
        }
        try db.execute(sql: Schema.dropViews)
        try db.execute(sql: Schema.views)
    }
}
