import Crypto
import Foundation
import GRDB
import Tabular
import TinyFS

/// One problem `check()` found, naming where it is.
public struct Finding: Equatable, Sendable, CustomStringConvertible {
    /// The node's most recent path ("?" when it has none), for a finding about a node.
    public let path: String?
    /// The node, for a finding about one.
    public let node: NodeID?
    /// The version the finding is about, if one.
    public let version: Version?
    /// What is wrong, in a few words.
    public let problem: String

    public init(path: String? = nil, node: NodeID? = nil, version: Version? = nil, problem: String) {
        self.path = path
        self.node = node
        self.version = version
        self.problem = problem
    }

    /// One line: `/a (node 0000000000000001, version 3): problem`,
    /// `version 3: problem`, or the problem alone.
    public var description: String {
        if let node, let version { return "\(path ?? "?") (node \(node), version \(version)): \(problem)" }
        if let version { return "version \(version): \(problem)" }
        return problem
    }

    /// The same line as `description`.
    public var message: String { description }
}

extension LogStore {
    /// Checks the pond without writing: SQLite's integrity check; that every
    /// version has its transaction and versions have no gaps; that every
    /// directory entry points to a node of the right type and every entry
    /// change folds (a link takes a free name, an unlink removes what is
    /// there); every content hash and size; and the hash chain. A part
    /// that SQLite cannot read (a damaged file) is a finding, not a failure.
    /// A pond opened `asIs` with an older schema is checked as it is: what
    /// its schema has (chunks from version 2, the chain from 3).
    /// - Returns: one finding per problem, empty when the pond is sound.
    public func check() throws -> [Finding] {
        try LogStore.mapErrors(path) {
            try queue.read { db in
                // Findings in the order found; a node's path is looked up at the end, for the nodes found alone.
                var findings: [(finding: Finding, node: Int64?)] = []
                func add(_ problem: String) { findings.append((Finding(problem: problem), nil)) }
                func add(_ node: Int64, _ version: Int64, _ problem: String) {
                    findings.append((Finding(path: "?", node: NodeID(node), version: Version(version), problem: problem), node))
                }
                /// Runs one check; SQLite failing under it (a damaged file) is a finding too.
                func step(_ what: String, _ body: () throws -> Void) {
                    do {
                        try body()
                    } catch let error as DatabaseError {
                        add("sqlite: \(what) could not be read: \(error.message ?? error.description)")
                    } catch {
                        add("\(what) could not be checked: \(error)")
                    }
                }
                
                step("the database file") {
                    for line in try String.fetchAll(db, sql: "PRAGMA integrity_check") where line != "ok" {
                        add("sqlite: \(line)")
                    }
                }
                step("the transactions") { try checkVersions(db, add, { findings.append((Finding(version: Version($0), problem: $1), nil)) }) }
                step("the directory entries") { try checkEntries(db, add) }
                step("the file contents") { try checkContents(db, add, add) }
                if schemaVersion >= 6 {
                    step("the tables' columns") { try checkTableSchemas(db, add) }
                }
                if schemaVersion >= 9 {
                    step("the tables' time ranges") { try checkTimeRanges(db, add) }
                }
                if schemaVersion >= 3 {
                    step("the hash chain") {
                        for (version, problem) in try Chain.verify(db, withMessage: schemaVersion >= 5) {
                            findings.append((Finding(version: Version(version), problem: problem), nil))
                        }
                    }
                }
                guard findings.contains(where: { $0.node != nil }) else { return findings.map(\.finding) }
                let names = (try? LogStore.lastNames(db, of: Set(findings.compactMap(\.node)))) ?? [:]
                return findings.map { found in
                    guard let node = found.node else { return found.finding }
                    return Finding(path: names[node] ?? "?", node: found.finding.node, version: found.finding.version, problem: found.finding.problem)
                }
            }
        }
    }

    /// Versions: contiguous from 1, each with its transaction row.
    private func checkVersions(_ db: Database, _ add: (String) -> Void, _ addAt: (Int64, String) -> Void) throws {
        var expected: Int64 = 1
        for version in try Int64.fetchAll(db, sql: "SELECT version FROM versions ORDER BY version") {
            if version != expected { add("versions: version \(expected) is missing (next is \(version))") }
            expected = version + 1
        }
        for version in try Int64.fetchAll(db, sql: """
            SELECT DISTINCT version FROM log WHERE version NOT IN (SELECT version FROM versions) ORDER BY version
            """) {
            addAt(version, "log rows with no transaction")
        }
    }

    /// Entries: of the right type, and folding cleanly.
    private func checkEntries(_ db: Database, _ add: (Int64, Int64, String) -> Void) throws {
        for row in try Row.fetchAll(db, sql: """
            SELECT l.node_id, l.version, l.name, json_extract(l.payload, '$.type') FROM log l
            WHERE l.kind = \(RowKind.link.sql) AND NOT EXISTS (
              SELECT 1 FROM log c WHERE c.node_id = l.node_id AND c.version <= l.version
                AND c.kind = CASE json_extract(l.payload, '$.type')
                               WHEN 'file' THEN \(RowKind.write.sql) WHEN 'directory' THEN \(RowKind.mkdir.sql)
                               ELSE \(RowKind.symlink.sql) END)
            """) {
            add(row[0], row[1], "entry '\(row[2] as String)' says \(row[3] as String? ?? "?") but the node is not one")
        }
        var linked: [Int64: [String: Int64]] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT part_id, node_id, version, kind, name FROM log WHERE name IS NOT NULL ORDER BY seq
            """)
        while let row = try rows.next() {
            let (part, node, version, kind, name): (Int64, Int64, Int64, RowKind, String) =
                (row[0], row[1], row[2], row[3], row[4])
            let current = linked[part]?[name]
            if kind == .link {
                if current != nil { add(node, version, "linked over an existing entry '\(name)'") }
                linked[part, default: [:]][name] = node
            } else {
                if current != node { add(node, version, "unlinks '\(name)', which does not point to it") }
                linked[part]?[name] = nil
            }
        }
    }

    /// Content: every stored version re-hashed (each distinct content
    /// once), and every chunk's bytes against the hash it is stored under.
    private func checkContents(_ db: Database, _ add: (String) -> Void, _ addAt: (Int64, Int64, String) -> Void) throws {
        let session = LogSession(db: db, version: try LogStore.headVersion(db), isWritable: false, schemaVersion: schemaVersion)
        // In hash order, so that a content shared by several versions is read once without
        // remembering every hash; what is found is reported in log order.
        var found: [(seq: Int64, node: Int64, version: Int64, problem: String)] = []
        var previous: (hash: Data, problem: String?)?
        let rows = try Row.fetchCursor(db, sql: """
            SELECT seq, node_id, version, payload, size, hash FROM log WHERE kind = \(RowKind.write.sql) ORDER BY hash, seq
            """)
        while let row = try rows.next() {
            let reference = LogSession.ContentReference(hash: row[5], size: row[4], inline: row[3])
            // A pruned content's bytes were let go on purpose, a lazy clone's are on its remote: not damage.
            if try session.pruning(of: reference.hash) != nil || notLocal(reference.hash, db) { continue }
            // Inline (schema version 1) bytes are the row's own; shared content is checked once.
            let problem: String?
            if reference.inline == nil, let known = previous, known.hash == reference.hash {
                problem = known.problem
            } else {
                problem = try session.verify(reference)
                if reference.inline == nil { previous = (reference.hash, problem) }
            }
            if let problem { found.append((row[0], row[1], row[2], problem)) }
        }
        for finding in found.sorted(by: { $0.seq < $1.seq }) { addAt(finding.node, finding.version, finding.problem) }
        guard schemaVersion >= 2 else { return }
        if lazyChunks != nil {
            // What a lazy clone's connections do not enforce: every chunk named is here or on the remote.
            let lost = try Data.fetchAll(db, sql: """
                SELECT DISTINCT chunk FROM content_chunks WHERE chunk NOT IN (SELECT hash FROM chunks)
                  AND chunk NOT IN (SELECT chunk FROM remote_chunks) LIMIT 10
                """)
            for chunk in lost { add("chunk \(chunk.hexString) is named by a content but is neither here nor on the remote") }
        }
        let chunks = try Row.fetchCursor(db, sql: "SELECT hash, data FROM chunks")
        while let row = try chunks.next() {
            let hash = row[0] as Data
            try row.withUnsafeData(atIndex: 1) { data in
                if Data(SHA256.hash(data: data ?? Data())) != hash {
                    add("chunk \(hash.hexString): its bytes do not match its SHA-256")
                }
            }
        }
    }

    /// Tables: the columns kept for each content (`table_schemas`) are
    /// those its bytes give when read whole again.
    private func checkTableSchemas(_ db: Database, _ add: (String) -> Void) throws {
        let session = LogSession(db: db, version: try LogStore.headVersion(db), isWritable: false, schemaVersion: schemaVersion)
        // Each content's size from one pass over the write rows (no index on hash: a lookup per row would scan the log each time).
        for row in try Row.fetchAll(db, sql: """
            SELECT t.content, t.format, t.columns, w.size FROM table_schemas AS t
            LEFT JOIN (SELECT hash, max(size) AS size FROM log WHERE kind = \(RowKind.write.sql) GROUP BY hash) AS w ON w.hash = t.content
            """) {
            let hash: Data = row[0]
            let formatName: String = row[1]
            guard let (format, codec) = LogSession.parseSchemaKey(formatName), let kept = TableSchema(json: row[2]), let size: Int64 = row[3] else {
                add("table_schemas: the row for content \(hash.hexString) cannot be read")
                continue
            }
            if try session.pruning(of: hash) != nil || notLocal(hash, db) { continue }
            let reference = LogSession.ContentReference(hash: hash, size: size, inline: nil)
            let found: TableSchema
            do {
                found = try session.wholeTableReader(reference, format: format, codec: codec).inferSchema()
            } catch {
                add("table_schemas: content \(hash.hexString) keeps columns but cannot be read as \(formatName): \(error)")
                continue
            }
            // Kept by an earlier Pond, a column of numbers with missing-value markers or
            // spaces around them was typed TEXT: its values read as texts, as they did then.
            let earlierTyping = found.columns == kept.columns && found.sourceNames == kept.sourceNames
                && zip(found.types, kept.types).allSatisfy { $0 == $1 || $1 == .text }
            if found != kept && !earlierTyping {
                add("table_schemas: the columns kept for content \(hash.hexString) as \(formatName) are not those of its bytes (a query would type its values wrongly)")
            }
        }
    }

    /// Reads again the rows each kept time range covers (a whole file's, or
    /// what an append added) and compares their range with the one kept: a
    /// wrong range would let a query skip rows it should return.
    private func checkTimeRanges(_ db: Database, _ add: (String) -> Void) throws {
        let session = LogSession(db: db, version: try LogStore.headVersion(db), isWritable: false, schemaVersion: schemaVersion)
        for row in try Row.fetchAll(db, sql: """
            SELECT r.content, r.start, t.format, w.size FROM time_ranges AS r
            LEFT JOIN table_schemas AS t ON t.content = r.content
            LEFT JOIN (SELECT hash, max(size) AS size FROM log WHERE kind = \(RowKind.write.sql) GROUP BY hash) AS w ON w.hash = r.content
            """) {
            let hash: Data = row[0], start: Int64 = row[1]
            let name = "time_ranges: the range of content \(hash.hexString) from byte \(start)"
            guard let size: Int64 = row[3], let kept = try session.timeRange(of: hash, start: start) else {
                add("\(name) names no table content")
                continue
            }
            if try session.pruning(of: hash) != nil || notLocal(hash, db) { continue }
            let reference = LogSession.ContentReference(hash: hash, size: size, inline: nil)
            if let formatName: String = row[2], let (format, codec) = LogSession.parseSchemaKey(formatName), codec == nil {
                let found: TimeRange?
                var foundBlocks: [(Int64, TimeRange)] = []
                do {
                    let reader = start == 0 ? try session.wholeTableReader(reference, format: format, codec: nil)
                                            : try session.schemaReader(reference, format: format)
                    guard (start == 0) != reader.continuesASchema else {
                        add("\(name) does not begin where an append to it began")
                        continue
                    }
                    _ = try reader.inferSchema()
                    found = reader.timeRange
                    foundBlocks = reader.timeBlocks.map { (start + $0.start, $0.range) }
                } catch {
                    add("\(name) cannot be read again: \(error)")
                    continue
                }
                if found != kept { add("\(name) is not that of its rows (a query of a time could miss rows)") }
                let keptBlocks = try session.timeBlocks(of: [(from: start, version: .first, content: hash)])[0]
                if !keptBlocks.elementsEqual(foundBlocks, by: { $0.start == $1.0 && $0.range == $1.1 }) {
                    add("time_blocks: the blocks of content \(hash.hexString) from byte \(start) are not those of its rows (a query of a time could miss rows)")
                }
                continue
            }
            // Whole files whose columns are not kept: a Parquet file (its footer's, its range its
            // statistics') and compressed text. Which it is, the bytes say: the range must be that
            // of one way of reading them.
            guard row[2] as String? == nil, start == 0 else {
                add("\(name) names no table content")
                continue
            }
            let ways: [(TableFormat, TextCodec?)] = [(.parquet, nil)] + [TableFormat.csv, .tsv, .jsonLines].flatMap { format in TextCodec.allCases.map { (format, $0) } }
            var readable = false
            var found: TimeRange?
            for (format, codec) in ways {
                guard let reader = try? session.wholeTableReader(reference, format: format, codec: codec),
                      (try? reader.inferSchema()) != nil else { continue }
                readable = true
                found = reader.timeRange
                if found == kept { break }
            }
            if !readable { add("\(name) names no table content") } else if found != kept {
                add("\(name) is not that of its rows (a query of a time could miss rows)")
            }
        }
    }

    /// Whether content `hash` of this lazy clone has bytes on its remote, not
    /// here: fsck checks what is local and counts the rest as not local.
    private func notLocal(_ hash: Data, _ db: Database) throws -> Bool {
        guard lazyChunks != nil else { return false }
        return try Bool.fetchOne(db.cachedStatement(sql: LogStore.partlyRemoteSQL), arguments: [hash]) ?? false
    }

    /// A lazy clone's file versions whose bytes are not all here, and those bytes (`pond fsck`).
    public func notLocalSummary() throws -> (fileVersions: Int, bytes: Int64)? {
        guard lazyChunks != nil else { return nil }
        return try LogStore.mapErrors(path) {
            try queue.read { db in
                var versions = 0
                for row in try Row.fetchAll(db, sql: "SELECT hash, count(*) FROM log WHERE kind = \(RowKind.write.sql) AND payload IS NULL AND size > 0 GROUP BY hash")
                where try notLocal(row[0], db) { versions += row[1] as Int }
                let bytes = try Int64.fetchOne(db, sql: "SELECT coalesce(sum(length), 0) FROM remote_chunks") ?? 0
                return (versions, bytes)
            }
        }
    }

    /// The most recent path of each of `nodes` (each step up is the node's
    /// newest link row), for naming findings: "?" where it has none.
    private static func lastNames(_ db: Database, of nodes: Set<Int64>) throws -> [Int64: String] {
        let parent = try db.cachedStatement(sql: """
            SELECT part_id, name FROM log WHERE node_id = ? AND kind = \(RowKind.link.sql) ORDER BY seq DESC LIMIT 1
            """)
        var names: [Int64: String] = [0: "/"]
        for node in nodes {
            var parts: [String] = []
            var current = node
            while current != 0, parts.count < 256, let row = try Row.fetchOne(parent, arguments: [current]) {
                parts.append(row[1])
                current = row[0]
            }
            names[node] = current == 0 ? (node == 0 ? "/" : "/" + parts.reversed().joined(separator: "/")) : "?"
        }
        return names
    }
}

extension LogSession {
    /// Checks content `reference`, which grew by an append from content
    /// `base` (of `baseSize` bytes) known sound, reading what the append
    /// added and no more: its pieces before the base's last one must be the
    /// base's, the bytes from there to `baseSize` the base's, each chunk
    /// from there on its SHA-256, and the hash the chain of the base's and
    /// the added bytes'. - Returns: true when all holds; false or nil when it
    /// does not or cannot be told so (the caller then reads it whole).
    func verifyAppended(_ reference: ContentReference, base: Data, baseSize: Int64) throws -> Bool? {
        let baseLast = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT offset, chunk FROM content_chunks WHERE content = ? ORDER BY offset DESC LIMIT 1
            """), arguments: [base])
        // A base in one piece is stored under its own hash.
        let cut: Int64 = baseLast?[0] ?? 0
        let lastHash: Data = baseLast?[1] ?? base
        let shared = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT (SELECT count(*) FROM content_chunks WHERE content = ?1 AND offset < ?3),
                   (SELECT count(*) FROM content_chunks WHERE content = ?2 AND offset < ?3),
                   (SELECT count(*) FROM content_chunks c JOIN content_chunks b ON b.content = ?2 AND b.offset = c.offset AND b.chunk = c.chunk
                    WHERE c.content = ?1 AND c.offset < ?3)
            """), arguments: [reference.hash, base, cut])!
        guard shared[0] as Int64 == shared[1] as Int64, shared[0] as Int64 == shared[2] as Int64,
              let tail = try Data.fetchOne(db.cachedStatement(sql: LogSession.wholeChunkSQL), arguments: [lastHash]),
              cut + Int64(tail.count) == baseSize, Data(SHA256.hash(data: tail)) == lastHash else { return nil }
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT content_chunks.offset, content_chunks.chunk, chunks.data
            FROM content_chunks LEFT JOIN chunks ON chunks.hash = content_chunks.chunk
            WHERE content_chunks.content = ? AND content_chunks.offset >= ? ORDER BY content_chunks.offset
            """), arguments: [reference.hash, cut])
        var at = cut
        var added = SHA256()
        while let row = try rows.next() {
            guard row[0] as Int64 == at, let data = row[2] as Data?, Data(SHA256.hash(data: data)) == row[1] as Data else { return false }
            let end = at + Int64(data.count)
            // The base's last bytes, then what the append added.
            if at < baseSize {
                let overlap = Int(min(end, baseSize) - at)
                guard data.prefix(overlap) == tail.subdata(in: Int(at - cut)..<Int(at - cut) + overlap) else { return false }
                added.update(data: data.dropFirst(overlap))
            } else {
                added.update(data: data)
            }
            at = end
        }
        return at == reference.size && at > baseSize
            && ContentDigest.chain(base: base, appended: Data(added.finalize())) == reference.hash
    }

    /// Reads `reference` back through the verifying reader, discarding the bytes.
    /// - Returns: what is wrong with it, nil if every chunk and the whole
    ///   content match their SHA-256 and its size.
    func verify(_ reference: ContentReference) throws -> String? {
        do {
            try readContent(reference, path: "", into: { _ in })
        } catch OpLogError.missingContent(_, _, let offset, let reason) {
            return "content \(reference.hash.hexString) cannot be read at byte offset \(offset): \(reason)"
        } catch OpLogError.damagedContent(_, _, let offset, _) {
            return "content does not match its SHA-256 \(reference.hash.hexString)"
                + (offset > 0 ? " (damaged from byte offset \(offset))" : "")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT {
            return "content \(reference.hash.hexString) cannot be read: \(error.message ?? "no chunks")"
        }
        return nil
    }
}
