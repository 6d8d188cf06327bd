import Foundation
import GRDB

/// Which versions a prune keeps (Schema/v4_prune.sql says what it drops).
///
/// Each rule keeps a run of versions up to head, and a version is kept if
/// any rule given keeps it; head is always kept. A kept version keeps the
/// bytes of every file version it reads: a file's content at V is its
/// newest write up to V, so a write is let go only when a later write of
/// the same file precedes every kept version.
public struct PruneRule: Sendable, Equatable {
    /// Keep the newest N versions.
    public var keepLast: Int?
    /// Keep the versions committed within this many seconds before now.
    public var keepWithin: Double?
    /// Keep this version and every later one.
    public var before: Version?

    public init(keepLast: Int? = nil, keepWithin: Double? = nil, before: Version? = nil) {
        self.keepLast = keepLast
        self.keepWithin = keepWithin
        self.before = before
    }
}

/// What a prune let go (or, for a dry run, would).
public struct PruneResult: Sendable, Equatable {
    /// The oldest version kept whole: every version from it to head reads as before.
    public let keptFrom: Version
    /// The versions whose writes' bytes go, oldest first.
    public let versions: [Version]
    /// How many file versions ('write' rows) lose their bytes.
    public let fileVersions: Int
    /// How many distinct contents go.
    public let contents: Int
    /// The bytes of the chunks deleted: no kept content uses them.
    public let bytesFreed: Int64
    /// The prune's own version; nil for a dry run, or when nothing goes.
    public let version: Version?
    /// The pond file's size before and after (after the space went back to
    /// the file system); equal for a dry run.
    public let fileBytesBefore: Int64
    public internal(set) var fileBytesAfter: Int64
}

extension LogStore {
    /// Lets go of the stored bytes of the file versions that no version
    /// `rule` keeps needs, as one new version; with `dryRun`, only says what
    /// would go.
    ///
    /// One transaction: the chunks no kept content uses are deleted (and the
    /// dropped contents' lists of pieces), each
    /// dropped content gets a `pruned` row naming this version, and the
    /// version is recorded (its command line is the rule) and chained, so a
    /// kill leaves all of it or none. Every log row stays. Then the space
    /// returns to the file system by `VACUUM`, which rewrites only the bytes
    /// kept (an existing pond has no auto-vacuum to make incremental vacuum
    /// possible without a full rewrite anyway); a kill during it leaves the
    /// prune committed and the file as large as before.
    /// - Throws: `noSuchVersion` for `before` outside 1...head;
    ///   `pruneNeedsARule` for a rule that names nothing.
    public func prune(_ rule: PruneRule, message: String, note: String? = nil, dryRun: Bool) throws -> PruneResult {
        guard rule.keepLast != nil || rule.keepWithin != nil || rule.before != nil else {
            throw OpLogError.pruneNeedsARule
        }
        let before = fileBytes()
        var result: PruneResult?
        try LogStore.mapErrors(path) {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    let head = try LogStore.headVersion(db)
                    let keptFrom = try LogStore.firstKept(by: rule, head: head, in: db)
                    try LogStore.planPrune(keeping: keptFrom, in: db)
                    let versions = try Int64.fetchAll(db, sql: "SELECT DISTINCT version FROM temp.prune_writes ORDER BY version")
                    let fileVersions = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.prune_writes") ?? 0
                    let contents = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.prune_contents") ?? 0
                    let freed = try Int64.fetchOne(db, sql: """
                        SELECT coalesce(sum(length(data)), 0) FROM chunks WHERE hash IN (SELECT hash FROM temp.prune_chunks)
                        """) ?? 0
                    var version: Version?
                    if !dryRun && contents > 0 {
                        let made = head.next
                        let lastRow = try LogStore.lastRow(db)
                        try LogStore.recordVersion(made, message: message, note: note, rowsAfter: lastRow, in: db)
                        // A dropped content's list of pieces goes with its chunks (content_chunks
                        // names chunks by foreign key); storing the bytes again makes both anew.
                        try db.execute(sql: """
                            DELETE FROM content_chunks WHERE content IN (SELECT hash FROM temp.prune_contents);
                            DELETE FROM chunks WHERE hash IN (SELECT hash FROM temp.prune_chunks);
                            DELETE FROM remote_chunks WHERE chunk IN (SELECT hash FROM temp.prune_chunks);
                            INSERT INTO pruned(content, version, size) SELECT hash, ?, size FROM temp.prune_contents;
                            """, arguments: [made.rawValue])
                        version = made
                    }
                    try db.execute(sql: "DROP TABLE temp.prune_writes; DROP TABLE temp.prune_contents; DROP TABLE temp.prune_chunks")
                    result = PruneResult(keptFrom: keptFrom, versions: versions.map { Version($0) }, fileVersions: fileVersions,
                                         contents: contents, bytesFreed: freed, version: version,
                                         fileBytesBefore: before, fileBytesAfter: before)
                    return version == nil ? .rollback : .commit
                }
                if result?.version != nil {
                    try db.execute(sql: "VACUUM")
                }
            }
        }
        checkpoint()
        var pruned = result!
        if let made = pruned.version {
            pruned.fileBytesAfter = fileBytes()
            lastCommitted = made
        }
        return pruned
    }

    /// The oldest version `rule` keeps: each rule keeps a run up to head, so their union is the longest.
    private static func firstKept(by rule: PruneRule, head: Version, in db: Database) throws -> Version {
        var first = head.rawValue
        if let count = rule.keepLast { first = min(first, max(1, head.rawValue - Int64(count) + 1)) }
        if let before = rule.before {
            guard before >= .first, before <= head else { throw OpLogError.noSuchVersion(before, head: head) }
            first = min(first, before.rawValue)
        }
        if let seconds = rule.keepWithin {
            let within = try Int64.fetchOne(db, sql: """
                SELECT min(version) FROM versions
                WHERE time >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%f seconds', ?))
                """, arguments: [seconds])
            first = min(first, within ?? head.rawValue)
        }
        return Version(first)
    }

    /// Fills three TEMP tables: the 'write' rows whose bytes no version from
    /// `keptFrom` on reads (`prune_writes`), the contents only such rows name
    /// (`prune_contents`; bytes kept inline by schema 1, empty files and
    /// contents pruned before stay out), and the chunks of those contents
    /// that no other content still kept uses (`prune_chunks`).
    private static func planPrune(keeping keptFrom: Version, in db: Database) throws {
        try db.execute(sql: """
            CREATE TEMP TABLE prune_writes AS
            SELECT hash, size, version, inline FROM (
              SELECT hash, size, version, payload IS NOT NULL AS inline,
                     lead(version) OVER (PARTITION BY node_id ORDER BY version, seq) AS next
              FROM log WHERE kind = \(RowKind.write.sql))
            WHERE next IS NOT NULL AND next <= ?1;

            CREATE TEMP TABLE prune_contents AS
            WITH every(hash, total) AS (
                   SELECT hash, count(*) FROM log WHERE kind = \(RowKind.write.sql) GROUP BY hash),
                 prunable(hash, size, count, inline) AS (
                   SELECT hash, max(size), count(*), max(inline) FROM temp.prune_writes GROUP BY hash)
            SELECT prunable.hash, prunable.size FROM prunable JOIN every USING (hash)
            WHERE prunable.count = every.total AND prunable.inline = 0 AND prunable.size > 0
              AND prunable.hash NOT IN (SELECT content FROM pruned);
            DELETE FROM temp.prune_writes WHERE hash NOT IN (SELECT hash FROM temp.prune_contents);

            CREATE TEMP TABLE prune_chunks AS
            SELECT hash FROM chunks WHERE hash IN (SELECT hash FROM temp.prune_contents)
            UNION SELECT chunk FROM remote_chunks WHERE chunk IN (SELECT hash FROM temp.prune_contents)
            UNION SELECT chunk FROM content_chunks WHERE content IN (SELECT hash FROM temp.prune_contents);
            DELETE FROM temp.prune_chunks WHERE hash IN (
              WITH kept(content) AS (
                SELECT DISTINCT hash FROM log WHERE kind = \(RowKind.write.sql)
                EXCEPT SELECT hash FROM temp.prune_contents
                EXCEPT SELECT content FROM pruned)
              SELECT content FROM kept
              UNION SELECT chunk FROM content_chunks WHERE content IN (SELECT content FROM kept));
            """, arguments: [keptFrom.rawValue])
    }

    /// The pond file's size in bytes (its WAL aside).
    private func fileBytes() -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}
