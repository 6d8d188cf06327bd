import Crypto
import Foundation
import GRDB
import Schema

/// Where a pond's history stands: a version and its chain hash. Version 0
/// is "before anything", with the chain's origin (32 zero bytes).
public struct ChainPoint: Sendable, Equatable, CustomStringConvertible {
    public let version: Version
    public let hash: Data

    public init(version: Version, hash: Data) {
        self.version = version
        self.hash = hash
    }

    /// Before version 1.
    public static let origin = ChainPoint(version: Version(0), hash: Chain.origin)

    /// "12 (3f2a9c01d4e5)": a version and the start of its hash, as messages name heads.
    public var description: String { "\(version) (\(hash.hexString.prefix(12)))" }
}

/// Where a chunk lies on a remote: bytes `offset..<offset+length` of
/// `packs/<pack>` (a segment's `pack_chunks`; a lazy clone's `remote_chunks`).
public struct PackEntry: Sendable, Hashable {
    /// The chunk's SHA-256.
    public let chunk: Data
    public let pack: String
    public let offset: Int64
    public let length: Int64

    public init(chunk: Data, pack: String, offset: Int64, length: Int64) {
        self.chunk = chunk
        self.pack = pack
        self.offset = offset
        self.length = length
    }
}

/// Takes the chunks a push sends, one at a time, into packs.
public protocol ChunkPacker {
    /// Adds `bytes` (whose SHA-256 is `hash`) to a pack.
    /// - Returns: the number of the pack (0, 1, ...) and where in it the bytes start.
    mutating func add(_ bytes: UnsafeRawBufferPointer, hash: Data) throws -> (pack: Int, offset: Int64)
    /// Finishes the last pack. - Returns: every pack's name, by number.
    mutating func finish() throws -> [String]
}

/// What a segment written for a push holds.
public struct SegmentSummary: Sendable {
    /// Its versions, oldest and newest, and the chain on either side.
    public let base: ChainPoint
    public let head: ChainPoint
    /// The chunks sent in its packs, and their bytes.
    public let chunks: Int
    public let chunkBytes: Int64
}

/// Why a segment cannot be applied to this pond.
public enum SegmentError: Error, Equatable, CustomStringConvertible {
    /// The two histories differ at or before `local`'s version.
    case diverged(local: ChainPoint, remote: ChainPoint)
    /// Object `object` is not what its name or the chain says.
    case damaged(object: String, reason: String)
    /// No segment nor pack holds what a version needs.
    case incomplete(String)
    /// A chunk of this pond does not match its SHA-256: nothing of it is sent.
    case damagedHere(chunk: Data)
    /// Another command committed while the segments were fetched.
    case pondMoved(expected: Version, found: Version)

    public var description: String {
        switch self {
        case .diverged(let local, let remote):
            "histories have diverged: this pond's head is \(local), the remote's \(remote); neither descends from the other"
        case .damaged(let object, let reason): "remote object \(object) is damaged: \(reason)"
        case .incomplete(let detail): "the remote is incomplete: \(detail)"
        case .damagedHere(let chunk):
            "this pond's chunk \(chunk.hexString) does not match its SHA-256, so nothing was sent (pond fsck names the files that use it)"
        case .pondMoved(let expected, let found):
            "the pond changed while the remote was read (head \(expected), now \(found)); run it again"
        }
    }
}

extension LogStore {
    /// Version `version`'s chain point (origin for version 0).
    /// - Throws: `noSuchVersion` past the head.
    public func chainPoint(at version: Version? = nil) throws -> ChainPoint {
        try LogStore.mapErrors(path) { try queue.read { db in try LogStore.chainPoint(at: version, in: db) } }
    }

    static func chainPoint(at version: Version?, in db: Database) throws -> ChainPoint {
        let head = try Int64.fetchOne(db, sql: "SELECT max(version) FROM versions") ?? 0
        let target = version?.rawValue ?? head
        guard target > 0 else { return .origin }
        guard target <= head, let hash = try Data.fetchOne(db, sql: "SELECT hash FROM chain WHERE version = ?",
                                                           arguments: [target])
        else { throw OpLogError.noSuchVersion(Version(target), head: Version(head)) }
        return ChainPoint(version: Version(target), hash: hash)
    }

    /// Makes a pond at `path` with the schema and no version at all, for a
    /// clone to fill from version 1 (a clone's version 1 is the remote's).
    ///
    /// Until `finishFilling()` it is a file being made, not yet a pond anyone
    /// uses: a rollback journal instead of the WAL, so its bytes are written
    /// once rather than to the WAL and again to the file, and no fsync per
    /// commit; `finishFilling` makes it durable and a WAL pond like any other.
    /// - Throws: `alreadyExists` if anything is at `path`.
    public static func createEmpty(at path: String) throws -> LogStore {
        try makeFile(at: path, settings: "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF") { _ in }
    }

    /// Makes a pond `createEmpty` began durable and a WAL pond.
    public func finishFilling() throws {
        try LogStore.mapErrors(path) {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
        }
        let descriptor = Glibc.open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        defer { Glibc.close(descriptor) }
        fsync(descriptor)
    }

    // MARK: - Push

    /// Writes a new segment file at `path` holding every version after
    /// `base` up to the head (Schema/remote_segment.sql), and hands `packer`
    /// each chunk those versions need that a remote holding `base` lacks.
    ///
    /// A remote at `base` holds every chunk of every content written up to
    /// it that was not pruned when pushed; a chunk any of those uses is not
    /// sent again (dedup across versions and files). One read transaction:
    /// the segment is one snapshot.
    public func writeSegment<Packer: ChunkPacker>(after base: Version, to path: String,
                                                  packer: inout Packer) throws -> SegmentSummary {
        try LogStore.mapErrors(path) {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS seg", arguments: [path])
                defer { try? db.execute(sql: "DETACH DATABASE seg") }
                try db.execute(sql: "PRAGMA seg.page_size = 1024; PRAGMA seg.journal_mode = OFF; PRAGMA seg.synchronous = OFF")
                var summary: SegmentSummary?
                try db.inTransaction(.deferred) {
                    summary = try LogStore.fillSegment(after: base, packer: &packer, in: db)
                    return .commit
                }
                return summary!
            }
        }
    }

    private static func fillSegment<Packer: ChunkPacker>(after base: Version, packer: inout Packer,
                                                         in db: Database) throws -> SegmentSummary {
        let start = try chainPoint(at: base, in: db)
        let head = try chainPoint(at: nil, in: db)
        let firstSeq = try LogSession(db: db, version: head.version, isWritable: false).firstSeq(after: base)
        try db.execute(sql: Schema.remoteSegment.replacingOccurrences(of: "CREATE TABLE ", with: "CREATE TABLE seg.")
            .replacingOccurrences(of: "CREATE INDEX ", with: "CREATE INDEX seg."))
        // One statement at a time: GRDB hands a multi-statement string's
        // arguments out in order, statement by statement.
        let after: StatementArguments = [base.rawValue]
        try db.execute(sql: "INSERT INTO seg.segment VALUES (1, ? + 1, ?, ?, ?)",
                       arguments: [base.rawValue, head.version.rawValue, start.hash, head.hash])
        try db.execute(sql: "INSERT INTO seg.versions SELECT version, time, command, message FROM main.versions WHERE version > ?",
                       arguments: after)
        try db.execute(sql: "INSERT INTO seg.log SELECT \(Chain.coveredLogColumns) FROM main.log WHERE seq >= ?",
                       arguments: [firstSeq])
        try db.execute(sql: "INSERT INTO seg.chain SELECT version, hash FROM main.chain WHERE version > ?", arguments: after)
        try db.execute(sql: "INSERT INTO seg.derived SELECT * FROM main.derived WHERE version > ?", arguments: after)
        try db.execute(sql: "INSERT INTO seg.pruned SELECT * FROM main.pruned WHERE version > ?", arguments: after)
        try db.execute(sql: """
            CREATE TEMP TABLE segment_contents AS
              SELECT DISTINCT hash AS content FROM seg.log WHERE kind = \(RowKind.write.sql) AND payload IS NULL AND size > 0;
            INSERT INTO seg.content_chunks SELECT * FROM main.content_chunks WHERE content IN temp.segment_contents;
            INSERT INTO seg.appends SELECT * FROM main.appends WHERE content IN temp.segment_contents;
            INSERT INTO seg.table_schemas SELECT * FROM main.table_schemas WHERE content IN temp.segment_contents;
            INSERT INTO seg.time_ranges SELECT * FROM main.time_ranges WHERE content IN temp.segment_contents;
            INSERT INTO seg.time_blocks SELECT * FROM main.time_blocks WHERE content IN temp.segment_contents;
            CREATE TEMP TABLE segment_need AS
              SELECT chunk FROM main.content_chunks WHERE content IN temp.segment_contents
              UNION SELECT hash FROM main.chunks WHERE hash IN temp.segment_contents;
            """)
        defer { try? db.execute(sql: "DROP TABLE temp.segment_contents; DROP TABLE temp.segment_need; DROP TABLE temp.segment_send") }
        // A prune is the one version that writes no log row. With none up to
        // `base`, every content written up to it had its bytes when pushed:
        // all their chunks are on the remote. One pass over those rows.
        let versionsWithRows = try Int64.fetchOne(db, sql: "SELECT count(DISTINCT version) FROM main.log WHERE seq < ?",
                                                  arguments: [firstSeq]) ?? 0
        if versionsWithRows == base.rawValue {
            try db.execute(sql: """
                CREATE TEMP TABLE segment_send AS
                  WITH known(content) AS (
                    SELECT DISTINCT hash FROM main.log
                    WHERE seq < ? AND kind = \(RowKind.write.sql) AND payload IS NULL AND size > 0)
                  SELECT chunk FROM temp.segment_need
                  EXCEPT SELECT chunk FROM main.content_chunks WHERE content IN known
                  EXCEPT SELECT content FROM known
                """, arguments: [firstSeq])
        } else {
            // After a prune, only the contents written up to `base` that no
            // prune let go are known to have been pushed whole; a content
            // this segment writes again may have been let go before it was
            // first pushed (its pruned row goes when it is stored again), so
            // its chunks go again unless such a content shares them.
            try db.execute(sql: """
                CREATE TEMP TABLE segment_send AS
                  SELECT chunk FROM temp.segment_need
                  EXCEPT SELECT chunk FROM main.content_chunks
                    WHERE chunk IN temp.segment_need AND content NOT IN temp.segment_contents
                      AND content NOT IN (SELECT content FROM main.pruned)
                """)
        }
        // A lazy clone pushes to its own remote only what it wrote (that remote
        // has the rest); anywhere else its missing bytes must come first.
        let remoteBytes = try Int64.fetchOne(db, sql: """
            SELECT coalesce(sum(length), 0) FROM main.remote_chunks WHERE chunk IN temp.segment_send
            """) ?? 0
        if remoteBytes > 0 {
            throw OpLogError.lazyPond(path: "this pond", missing: remoteBytes, doing: "a push to a remote that lacks them")
        }
        var places: [(chunk: Data, pack: Int, offset: Int64, length: Int64)] = []
        var bytes: Int64 = 0
        // A file's chunks lie side by side in the packs, in the file's order:
        // a lazy clone reads a stretch of a file in one ranged GET. (Each
        // chunk goes where the first of its contents, by hash, has it.)
        let cursor = try Row.fetchCursor(db, sql: """
            WITH placed(chunk, content, offset) AS (
              SELECT chunk, min(content), offset FROM main.content_chunks
              WHERE content IN temp.segment_contents AND chunk IN temp.segment_send GROUP BY chunk)
            SELECT c.hash, c.data FROM temp.segment_send s JOIN main.chunks c ON c.hash = s.chunk
              LEFT JOIN placed p ON p.chunk = s.chunk
            ORDER BY p.content, p.offset, s.chunk
            """)
        while let row = try cursor.next() {
            let hash: Data = row[0]
            let length = try row.withUnsafeData(atIndex: 1) { data -> Int64 in
                guard let data else { return 0 }
                // Reads verify (DESIGN.md): no damaged byte leaves this pond.
                guard Data(SHA256.hash(data: data)) == hash else {
                    throw SegmentError.damagedHere(chunk: hash)
                }
                let place = try data.withUnsafeBytes { try packer.add($0, hash: hash) }
                places.append((hash, place.pack, place.offset, Int64(data.count)))
                return Int64(data.count)
            }
            bytes += length
        }
        let names = try packer.finish()
        let insert = try db.cachedStatement(sql: "INSERT INTO seg.pack_chunks VALUES (?, ?, ?, ?)")
        for place in places {
            try insert.execute(arguments: [place.chunk, names[place.pack], place.offset, place.length])
        }
        return SegmentSummary(base: start, head: head, chunks: places.count, chunkBytes: bytes)
    }

    // MARK: - Pull

    /// The segment at `path`: its versions and the chain on either side,
    /// and where its packs hold each chunk.
    public static func readSegment(at path: String) throws -> (base: ChainPoint, head: ChainPoint, packs: [PackEntry]) {
        try mapErrors(path) {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT first, last, base_hash, head_hash FROM segment") else {
                    throw SegmentError.incomplete("segment \(URL(fileURLWithPath: path).lastPathComponent) has no segment row")
                }
                let first: Int64 = row[0], last: Int64 = row[1]
                let packs = try Row.fetchAll(db, sql: "SELECT chunk, pack, offset, length FROM pack_chunks").map {
                    PackEntry(chunk: $0[0], pack: $0[1], offset: $0[2], length: $0[3])
                }
                return (ChainPoint(version: Version(first - 1), hash: row[2]), ChainPoint(version: Version(last), hash: row[3]), packs)
            }
        }
    }

    /// The chunks the versions in `segments` (oldest first) need that this
    /// pond lacks: those to fetch before `applySegments`.
    public func chunksNeeded(by segments: [String]) throws -> [Data] {
        try LogStore.mapErrors(path) {
            try queue.writeWithoutTransaction { db in
                let local = try LogStore.chainPoint(at: nil, in: db)
                try LogStore.stage(segments, after: local.version, in: db)
                defer { LogStore.dropStaged(db) }
                return try Data.fetchAll(db, sql: LogStore.missingChunks)
            }
        }
    }

    /// Appends the versions of `segments` (oldest first, files named by
    /// their objects) after this pond's head, in ONE transaction, once every
    /// check has passed: the chain from this pond's head through every new
    /// version to `remoteHead`, every chunk `chunk(hash)` hands over against
    /// its SHA-256, and every new content against its hash. Anything wrong
    /// throws and leaves the pond as it was.
    /// - Returns: the new head.
    public func applySegments(_ segments: [String], remoteHead: ChainPoint,
                              chunk: (Data) throws -> Data) throws -> ChainPoint {
        try withoutActuallyEscaping(chunk) { try applySegments(segments, remoteHead: remoteHead, chunks: .fetched($0)) }
    }

    /// Where the chunks new versions need come from.
    public enum IncomingChunks {
        /// Handed over, to be checked and stored.
        case fetched((Data) throws -> Data)
        /// Left on remote `remote` (named in this pond), at `places`: the
        /// versions apply lazily and the pond is, or stays, a lazy clone of it.
        case lazy(remote: String, places: [Data: PackEntry])
    }

    /// `applySegments(_:remoteHead:chunk:)`, with the chunks fetched or left
    /// on the remote (`pond clone --lazy`, a pull into a lazy clone): a lazy
    /// apply checks the chain and every row as a full one does, and each
    /// chunk when a read fetches it.
    public func applySegments(_ segments: [String], remoteHead: ChainPoint, chunks: IncomingChunks) throws -> ChainPoint {
        try LogStore.mapErrors(path) {
            try queue.writeWithoutTransaction { db in
                let local = try LogStore.chainPoint(at: nil, in: db)
                try LogStore.stage(segments, after: local.version, in: db)
                defer { LogStore.dropStaged(db) }
                try LogStore.checkStagedChain(from: local, to: remoteHead, in: db)
                if case .lazy = chunks { try db.execute(sql: "PRAGMA foreign_keys = OFF") }
                try db.inTransaction(.immediate) {
                    let now = try LogStore.chainPoint(at: nil, in: db)
                    guard now == local else { throw SegmentError.pondMoved(expected: local.version, found: now.version) }
                    try LogStore.appendStaged(after: local.version, chunks: chunks, in: db)
                    return .commit
                }
                if case .lazy(let remote, _) = chunks, lazyChunks == nil { lazyChunks = LazyChunks(remote: remote) }
                return remoteHead
            }
        }
    }

    /// Copies the rows of every segment's versions after `local` into TEMP
    /// tables `in_*`, and lists in `in_need` the chunks their contents need.
    private static func stage(_ segments: [String], after local: Version, in db: Database) throws {
        dropStaged(db)
        // Columns with no type have no affinity: every value stays exactly as
        // the segment holds it (a TEXT '12' is not made the INTEGER 12).
        try db.execute(sql: """
            CREATE TEMP TABLE in_versions(version, time, command, message);
            CREATE TEMP TABLE in_log(seq, part_id, node_id, version, kind, name, payload, size, hash);
            CREATE TEMP TABLE in_chain(version, hash);
            CREATE TEMP TABLE in_content_chunks(content, offset, chunk);
            CREATE TEMP TABLE in_appends(content, base, base_size);
            CREATE TEMP TABLE in_table_schemas(content, format, columns);
            CREATE TEMP TABLE in_time_ranges(content, start, rows, text_low, text_high, number_low, number_high, micros_low, micros_high);
            CREATE TEMP TABLE in_time_blocks(content, start, rows, text_low, text_high, number_low, number_high, micros_low, micros_high);
            CREATE TEMP TABLE in_derived(node_id, version, factory);
            CREATE TEMP TABLE in_pruned(content, version, size);
            CREATE TEMP TABLE in_segment(name, first, last, base_hash, head_hash);
            """)
        for path in segments {
            let name = URL(fileURLWithPath: path).lastPathComponent
            try db.execute(sql: "ATTACH DATABASE ? AS seg", arguments: ["file:\(path)?mode=ro"])
            do {
                let after: StatementArguments = [local.rawValue]
                try db.execute(sql: "INSERT INTO temp.in_segment SELECT ?, first, last, base_hash, head_hash FROM seg.segment",
                               arguments: [name])
                try db.execute(sql: "INSERT INTO temp.in_versions SELECT version, time, command, message FROM seg.versions WHERE version > ?",
                               arguments: after)
                try db.execute(sql: "INSERT INTO temp.in_log SELECT \(Chain.coveredLogColumns) FROM seg.log WHERE version > ?",
                               arguments: after)
                try db.execute(sql: "INSERT INTO temp.in_chain SELECT version, hash FROM seg.chain WHERE version >= ?", arguments: after)
                try db.execute(sql: "INSERT INTO temp.in_derived SELECT node_id, version, factory FROM seg.derived WHERE version > ?",
                               arguments: after)
                try db.execute(sql: "INSERT INTO temp.in_pruned SELECT content, version, size FROM seg.pruned WHERE version > ?",
                               arguments: after)
                try db.execute(sql: """
                    INSERT INTO temp.in_content_chunks SELECT content, offset, chunk FROM seg.content_chunks;
                    INSERT INTO temp.in_appends SELECT content, base, base_size FROM seg.appends;
                    INSERT INTO temp.in_table_schemas SELECT content, format, columns FROM seg.table_schemas;
                    """)
                for table in ["time_ranges", "time_blocks"]
                where try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM seg.sqlite_master WHERE name = ?)", arguments: [table]) == true {
                    try db.execute(sql: "INSERT INTO temp.in_\(table) SELECT * FROM seg.\(table)")
                }
            } catch let error as DatabaseError {
                try? db.execute(sql: "DETACH DATABASE seg")
                throw SegmentError.damaged(object: "segments/\(name)", reason: "not a segment: \(error.message ?? "\(error)")")
            }
            try db.execute(sql: "DETACH DATABASE seg")
        }
        try db.execute(sql: """
            CREATE INDEX temp.in_log_by_version ON in_log(version, seq);
            CREATE INDEX temp.in_versions_by_version ON in_versions(version);
            CREATE INDEX temp.in_chain_by_version ON in_chain(version);
            CREATE INDEX temp.in_log_by_hash ON in_log(hash) WHERE hash IS NOT NULL;
            -- A content a prune let go and a later version stored again is not pruned.
            DELETE FROM temp.in_pruned WHERE EXISTS (
              SELECT 1 FROM temp.in_log WHERE hash = in_pruned.content AND version > in_pruned.version);
            CREATE TEMP TABLE in_contents AS
              SELECT DISTINCT hash AS content FROM temp.in_log
              WHERE kind = \(RowKind.write.sql) AND payload IS NULL AND size > 0
                AND hash NOT IN (SELECT content FROM temp.in_pruned);
            CREATE TEMP TABLE in_need AS
              SELECT chunk FROM temp.in_content_chunks WHERE content IN temp.in_contents
              UNION SELECT chunk FROM main.content_chunks WHERE content IN temp.in_contents
              UNION SELECT content FROM temp.in_contents
                WHERE content NOT IN (SELECT content FROM temp.in_content_chunks)
                  AND content NOT IN (SELECT content FROM main.content_chunks);
            """)
    }

    /// Whether content ?1 has a chunk that is on a lazy clone's remote, not here.
    static let partlyRemoteSQL = """
        SELECT EXISTS(SELECT 1 FROM main.remote_chunks WHERE chunk = ?1)
            OR EXISTS(SELECT 1 FROM main.content_chunks c JOIN main.remote_chunks r ON r.chunk = c.chunk WHERE c.content = ?1)
        """

    /// The staged contents' chunks this pond does not hold.
    /// (On a lazy clone, those the pond knows where to fetch are not lacking.)
    private static let missingChunks = """
        SELECT chunk FROM temp.in_need EXCEPT SELECT hash FROM main.chunks EXCEPT SELECT chunk FROM main.remote_chunks ORDER BY 1
        """

    private static func dropStaged(_ db: Database) {
        for table in ["versions", "log", "chain", "content_chunks", "appends", "table_schemas", "time_ranges", "time_blocks", "derived", "pruned",
                      "segment", "contents", "need"] {
            try? db.execute(sql: "DROP TABLE IF EXISTS temp.in_\(table)")
        }
    }

    /// Checks that the staged segments continue this pond's history at
    /// `local` and that every new version's rows give its chain hash, up to `remote`.
    private static func checkStagedChain(from local: ChainPoint, to remote: ChainPoint, in db: Database) throws {
        // The chain at this pond's head, as the segments have it: a segment's
        // base, or a version a segment holds.
        let atLocal = local.version.rawValue == 0 ? Chain.origin
            : try Data.fetchOne(db, sql: """
                SELECT hash FROM temp.in_chain WHERE version = ?1
                UNION ALL SELECT base_hash FROM temp.in_segment WHERE first = ?1 + 1 LIMIT 1
                """, arguments: [local.version.rawValue])
        guard let atLocal, atLocal == local.hash else { throw SegmentError.diverged(local: local, remote: remote) }
        var previous = local.hash
        // Segments in order; each version's is found by walking them alongside.
        let segments = try Row.fetchAll(db, sql: "SELECT name, first, last FROM temp.in_segment ORDER BY first")
        var owner = 0
        let hasTransaction = try db.cachedStatement(sql: "SELECT 1 FROM temp.in_versions WHERE version = ?")
        let recordedHash = try db.cachedStatement(sql: "SELECT hash FROM temp.in_chain WHERE version = ?")
        for version in (local.version.rawValue + 1)..<(remote.version.rawValue + 1) {
            while owner < segments.count, (segments[owner][2] as Int64) < version { owner += 1 }
            guard owner < segments.count, (segments[owner][1] as Int64) <= version else {
                throw SegmentError.incomplete("no segment holds version \(version)")
            }
            let object = "segments/\(segments[owner][0] as String)"
            guard try Int64.fetchOne(hasTransaction, arguments: [version]) != nil
            else { throw SegmentError.damaged(object: object, reason: "version \(version) has no transaction row") }
            let computed = try Chain.hash(of: version, after: previous, in: db, versions: "temp.in_versions",
                                          rows: "SELECT \(Chain.coveredLogColumns) FROM temp.in_log WHERE version = ? ORDER BY seq",
                                          arguments: [version])
            let recorded = try Data.fetchOne(recordedHash, arguments: [version])
            guard computed == recorded else {
                throw SegmentError.damaged(object: object, reason: "version \(version)'s rows do not give its chain hash")
            }
            previous = computed
        }
        guard previous == remote.hash else {
            throw SegmentError.damaged(object: "head.json", reason: "its hash for version \(remote.version) is not the segments' \(previous.hexString)")
        }
    }

    /// Appends the staged rows after `local` and the chunks they need, each
    /// checked, and checks every new content; in the caller's transaction.
    private static func appendStaged(after local: Version, chunks: IncomingChunks, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO main.versions(version, time, command, message)
              SELECT version, time, command, message FROM temp.in_versions ORDER BY version;
            INSERT INTO main.log(\(Chain.coveredLogColumns)) SELECT \(Chain.coveredLogColumns) FROM temp.in_log ORDER BY seq;
            INSERT INTO main.chain(version, hash) SELECT version, hash FROM temp.in_chain WHERE version > ?;
            """, arguments: [local.rawValue])
        let missing = try Data.fetchAll(db, sql: LogStore.missingChunks)
        // Each chunk's SHA-256 is checked below, as every new content is read
        // back through the verifying reader: once, not twice.
        switch chunks {
        case .fetched(let chunk):
            let insert = try db.cachedStatement(sql: "INSERT INTO main.chunks(hash, data) VALUES (?, ?)")
            for hash in missing { try insert.execute(arguments: [hash, try chunk(hash)]) }
        case .lazy(let remote, let places):
            try db.execute(sql: "INSERT OR IGNORE INTO main.lazy(remote) VALUES (?)", arguments: [remote])
            let insert = try db.cachedStatement(sql: "INSERT INTO main.remote_chunks(chunk, pack, offset, length) VALUES (?, ?, ?, ?)")
            for hash in missing {
                guard let place = places[hash] else { throw SegmentError.incomplete("no pack holds chunk \(hash.hexString)") }
                try insert.execute(arguments: [hash, place.pack, place.offset, place.length])
            }
        }
        try db.execute(sql: """
            INSERT OR IGNORE INTO main.content_chunks SELECT * FROM temp.in_content_chunks
              WHERE content IN temp.in_contents;
            INSERT OR IGNORE INTO main.appends SELECT * FROM temp.in_appends;
            INSERT OR IGNORE INTO main.table_schemas SELECT * FROM temp.in_table_schemas;
            INSERT OR IGNORE INTO main.time_ranges SELECT * FROM temp.in_time_ranges WHERE content IN temp.in_contents;
            INSERT OR IGNORE INTO main.time_blocks SELECT * FROM temp.in_time_blocks WHERE content IN temp.in_contents;
            INSERT OR IGNORE INTO main.derived SELECT * FROM temp.in_derived;
            DELETE FROM main.pruned WHERE content IN temp.in_contents;
            INSERT OR REPLACE INTO main.pruned SELECT * FROM temp.in_pruned;
            """)
        // A prune pulled lets go here of what it let go there.
        if try Int64.fetchOne(db, sql: "SELECT count(*) FROM temp.in_pruned") ?? 0 > 0 {
            try db.execute(sql: """
                CREATE TEMP TABLE in_drop AS
                  SELECT chunk AS hash FROM main.content_chunks WHERE content IN (SELECT content FROM temp.in_pruned)
                  UNION SELECT content FROM temp.in_pruned;
                DELETE FROM main.content_chunks WHERE content IN (SELECT content FROM temp.in_pruned);
                DELETE FROM temp.in_drop WHERE hash IN (
                  WITH kept(content) AS (
                    SELECT DISTINCT hash FROM main.log WHERE kind = \(RowKind.write.sql)
                    EXCEPT SELECT content FROM main.pruned)
                  SELECT content FROM kept UNION SELECT chunk FROM main.content_chunks WHERE content IN kept);
                DELETE FROM main.chunks WHERE hash IN temp.in_drop;
                DELETE FROM main.remote_chunks WHERE chunk IN temp.in_drop;
                DROP TABLE temp.in_drop;
                """)
        }
        // Every new content matches its hash: read back whole, or, grown by
        // an append from a content already checked, its added bytes alone
        // (smallest first, so a series' bases come before what grew from them).
        let head = try headVersion(db)
        let session = LogSession(db: db, version: head, isWritable: false)
        let contents = try Row.fetchAll(db, sql: """
            SELECT l.hash, max(l.size), a.base, a.base_size FROM temp.in_log l LEFT JOIN main.appends a ON a.content = l.hash
            WHERE l.kind = \(RowKind.write.sql) AND l.payload IS NULL AND l.size > 0 AND l.hash IN temp.in_contents
            GROUP BY l.hash ORDER BY max(l.size)
            """).filter { row in
            // A lazy clone's content whose bytes are not all here is checked as a read fetches them.
            try !(Bool.fetchOne(db.cachedStatement(sql: LogStore.partlyRemoteSQL), arguments: [row[0] as Data]) ?? false)
        }
        let incoming = Set(try Data.fetchAll(db, sql: "SELECT content FROM temp.in_contents"))
        var checked = Set<Data>()
        for row in contents {
            let reference = LogSession.ContentReference(hash: row[0], size: row[1], inline: nil)
            if let base: Data = row[2], checked.contains(base) || !incoming.contains(base),
               try session.verifyAppended(reference, base: base, baseSize: row[3]) == true {
                checked.insert(reference.hash)
                continue
            }
            if let problem = try session.verify(reference) {
                throw SegmentError.damaged(object: "a pack or segment", reason: problem)
            }
            checked.insert(reference.hash)
        }
    }
}
