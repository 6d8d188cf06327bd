import Crypto
import Foundation
import GRDB
import GRDBSQLite
import Tabular
import TinyFS

/// What tables need of the log (Schema/v6_tables.sql): appends that cost the
/// appended bytes, content read piece by piece on demand, which version
/// wrote which bytes, and derived files.
extension LogSession {
    /// Whether this pond has the tables of schema version 6.
    var hasTables: Bool { schemaVersion >= 6 }

    /// Where content `hash` grew, ascending (the sizes of its bases), empty
    /// for a plain content: what its hash is chained over (ContentDigest).
    func appendBoundaries(of hash: Data) throws -> [Int64] {
        guard hasTables else { return [] }
        let statement = try db.cachedStatement(sql: """
            WITH RECURSIVE chain(content, base, base_size) AS (
              SELECT content, base, base_size FROM appends WHERE content = ?
              UNION ALL
              SELECT a.content, a.base, a.base_size FROM appends AS a JOIN chain ON a.content = chain.base
            )
            SELECT base_size FROM chain ORDER BY base_size
            """)
        return try Int64.fetchAll(statement, arguments: [hash])
    }

    // MARK: - Appending

    public func appendContent<Source: ByteSource>(from source: inout Source, of file: NodeID, in directory: NodeID, asBytes: Bool) throws -> Bool {
        try requireWritable()
        guard hasTables else { throw OpLogError.readOnly(path: "a pond of schema version \(schemaVersion)") }
        guard let current = try contentReference(of: file) else {
            throw LogSession.corrupt("file \(file) has no content at version \(version)")
        }
        if !asBytes { appendedTables[file] = current }
        if current.size == 0 || current.inline != nil {
            // Nothing to keep, or bytes in the row itself: the new content is stored whole.
            var whole = PrefixedSource(prefix: try Array(fullContent(current)), rest: source)
            defer { source = whole.rest }
            let stored = try storeContent(from: &whole)
            guard stored.size > current.size else { return false }
            try appendWrite(stored, of: file, in: directory)
            return true
        }
        if let pruned = try pruning(of: current.hash) {
            throw OpLogError.pruned(path: "node \(file)", version: version, by: pruned.version, time: pruned.time)
        }
        // Every piece is kept but the last, which is cut again with the new bytes.
        var last: (offset: Int64, bytes: [UInt8])
        if let lastPiece = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT offset, chunk FROM content_chunks WHERE content = ? ORDER BY offset DESC LIMIT 1
            """), arguments: [current.hash]) {
            let hash: Data = lastPiece[1]
            guard let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT data FROM chunks WHERE hash = ?"), arguments: [hash])
                    ?? missingChunk(hash, content: current.hash, offset: lastPiece[0], path: "node \(file)") else {
                throw OpLogError.missingContent(path: "node \(file)", version: version, offset: lastPiece[0], reason: "chunk \(hash.hexString) is missing")
            }
            guard Data(SHA256.hash(data: data)) == hash else {
                throw OpLogError.damagedContent(path: "node \(file)", version: version, offset: lastPiece[0], reason: "a stored chunk does not match its SHA-256")
            }
            last = (lastPiece[0], Array(data))
        } else {
            last = (0, try Array(fullContent(current)))
        }
        var appended = HashingSource(source)
        var recut = PrefixedSource(prefix: last.bytes, rest: appended)
        let insertChunk = try db.cachedStatement(sql: "INSERT OR IGNORE INTO chunks(hash, data) VALUES (?, ?)")
        var offset = last.offset
        var newPieces: [(offset: Int64, chunk: Data)] = []
        chunker.reset()
        while try chunker.next(from: &recut, { chunk, _ in
            let hash = Data(SHA256.hash(data: chunk))
            try insertChunk.execute(arguments: [hash, Data(chunk)])
            newPieces.append((offset, hash))
            offset += Int64(chunk.count)
        }) {}
        appended = recut.rest
        source = appended.source
        guard offset > current.size else { return false }
        let hash = ContentDigest.chain(base: current.hash, appended: appended.digest())
        let known = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM appends WHERE content = ?)"), arguments: [hash]) ?? false
        if !known {
            try db.cachedStatement(sql: "INSERT INTO appends(content, base, base_size) VALUES (?, ?, ?)")
                .execute(arguments: [hash, current.hash, current.size])
            // The kept pieces' rows are copied inside SQLite, in one statement.
            try db.cachedStatement(sql: """
                INSERT INTO content_chunks(content, offset, chunk)
                SELECT ?1, offset, chunk FROM content_chunks WHERE content = ?2 AND offset < ?3
                """).execute(arguments: [hash, current.hash, last.offset])
            let insertPiece = try db.cachedStatement(sql: "INSERT OR IGNORE INTO content_chunks(content, offset, chunk) VALUES (?, ?, ?)")
            for piece in newPieces { try insertPiece.execute(arguments: [hash, piece.offset, piece.chunk]) }
        }
        try appendWrite(ContentReference(hash: hash, size: offset, inline: nil), of: file, in: directory)
        return true
    }

    /// A content small enough to be one piece, whole and checked.
    private func fullContent(_ reference: ContentReference) throws -> Data {
        var bytes = Data()
        try readContent(reference, path: "content \(reference.hash.hexString)") { bytes.append(contentsOf: $0) }
        return bytes
    }

    // MARK: - Reading on demand

    /// The content of file `file`, handed out a piece at a time as it is
    /// asked for (a table's rows are pulled by SQLite, not pushed), each
    /// piece checked against its SHA-256 before it is handed out, and the
    /// whole against the content's hash when the last has gone (so a
    /// reader that stops early has seen only checked pieces).
    /// - Throws: (from the pieces) as `readContent`.
    public func contentPieces(of file: NodeID, at path: PondPath) throws -> ByteChunks {
        guard let reference = try contentReference(of: file) else {
            throw LogSession.corrupt("file \(file) has no content at version \(version)")
        }
        return try contentPieces(reference, path: path.description)
    }

    func contentPieces(_ reference: ContentReference, path name: String) throws -> ByteChunks {
        let version = self.version
        // A content in one piece is checked whole as it is handed out.
        func checkedWhole(_ data: Data) -> ByteChunks {
            onePiece {
                try data.withUnsafeBytes { try VerifiedRead.single($0, path: name, version: version, expected: reference.hash, sink: { _ in }) }
                return Array(data)
            }
        }
        if let inline = reference.inline { return checkedWhole(inline) }
        if let pruned = try pruning(of: reference.hash) {
            throw OpLogError.pruned(path: name, version: version, by: pruned.version, time: pruned.time)
        }
        if reference.size > 0, let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT data FROM chunks WHERE hash = ?"), arguments: [reference.hash]) {
            return checkedWhole(data)
        }
        if reference.size > 0, lazy != nil, let data = try missingChunk(reference.hash, content: nil, offset: 0, path: name) {
            return checkedWhole(data)
        }
        let statement = try db.makeStatement(sql: """
            SELECT content_chunks.chunk, content_chunks.offset, chunks.data
            FROM content_chunks LEFT JOIN chunks ON chunks.hash = content_chunks.chunk
            WHERE content_chunks.content = ? ORDER BY content_chunks.offset
            """)
        let rows = try Row.fetchCursor(statement, arguments: [reference.hash])
        let checker = ChunkChecker(boundaries: try appendBoundaries(of: reference.hash))
        var fetched: Int64 = 0
        var started = false, finished = false
        var current: ChunkChecker.Chunk?
        func damaged(_ offset: Int64, _ reason: String) -> OpLogError {
            .damagedContent(path: name, version: version, offset: offset, reason: reason)
        }
        // The next chunk, read here (SQLite's connection is this thread's) and handed to the checker.
        func fetch() throws -> ChunkChecker.Chunk? {
            guard let row = try rows.next() else { return nil }
            let chunk: Data = row[0]
            guard row[1] as Int64 == fetched else {
                throw OpLogError.missingContent(path: name, version: version, offset: fetched, reason: "the list of its chunks has a gap or an overlap here")
            }
            guard let data = try row[2] as Data? ?? missingChunk(chunk, content: reference.hash, offset: fetched, path: name) else {
                throw OpLogError.missingContent(path: name, version: version, offset: fetched, reason: "chunk \(chunk.hexString) is missing")
            }
            defer { fetched += Int64(data.count) }
            return checker.check(data, hash: chunk, offset: fetched)
        }
        return {
            if finished { return nil }
            if !started {
                started = true
                current = try fetch()
            }
            guard let chunk = current else {
                finished = true
                if fetched != reference.size {
                    if fetched == 0 && reference.size > 0 {
                        throw OpLogError.missingContent(path: name, version: version, offset: 0, reason: "content \(reference.hash.hexString) has no stored chunks")
                    }
                    throw damaged(min(fetched, reference.size), "the stored chunks hold \(fetched) bytes, but the file has \(reference.size)")
                }
                if checker.finalize() != reference.hash {
                    throw damaged(0, "the chunks are each intact, but together they are not the file's bytes (SHA-256 \(reference.hash.hexString))")
                }
                return nil
            }
            // The next chunk is checked while the caller works on this one; this one's bytes go out checked.
            current = try fetch()
            guard chunk.isIntact() else { throw damaged(chunk.offset, "a stored chunk does not match its SHA-256") }
            return Array(chunk.data)
        }
    }

    /// Which version wrote which bytes of file `file`'s content: runs of it
    /// from their first byte, ascending, each with the version that wrote
    /// it. One run (the newest write) unless the content grew by appends,
    /// each of which added a run of its own; content written again as it
    /// was before (a restore) keeps the runs it had then.
    public func contentRuns(of file: NodeID) throws -> [(from: Int64, version: Version)] {
        try contentRunsWithContents(of: file).map { ($0.from, $0.version) }
    }

    /// `contentRuns`, each with the content its write made (whose `time_ranges` row describes the run).
    public func contentRunsWithContents(of file: NodeID) throws -> [(from: Int64, version: Version, content: Data)] {
        if isWritable { return try listRuns(of: file) }
        if let known = knownRuns[file] { return known }
        let runs = try listRuns(of: file)
        knownRuns[file] = runs
        return runs
    }

    private func listRuns(of file: NodeID) throws -> [(from: Int64, version: Version, content: Data)] {
        // Each write with the base its content was appended to, if it was: one query for the whole history,
        // on SQLite's own handle (a series of a year of appends has hundreds of writes, listed by every query of it).
        let sql = hasTables ? """
            SELECT l.version, l.hash, a.base, a.base_size FROM log AS l LEFT JOIN appends AS a ON a.content = l.hash
            WHERE l.node_id = ? AND l.kind = \(RowKind.write.sql) AND l.version <= ?
            ORDER BY l.version DESC, l.seq DESC
            """ : """
            SELECT version, hash, NULL, NULL FROM log WHERE node_id = ? AND kind = \(RowKind.write.sql) AND version <= ?
            ORDER BY version DESC, seq DESC
            """
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, file.rawValue)
        sqlite3_bind_int64(handle, 2, version.rawValue)
        func blob(_ column: Int32) -> Data? {
            guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
            return Data(bytes: sqlite3_column_blob(handle, column), count: Int(sqlite3_column_bytes(handle, column)))
        }
        var writes: [(version: Int64, hash: Data, base: Data?, baseSize: Int64)] = []
        try eachRow(handle, sql: sql) {
            writes.append((sqlite3_column_int64(handle, 0), blob(1) ?? Data(), blob(2), sqlite3_column_int64(handle, 3)))
        }
        var runs: [(from: Int64, version: Version, content: Data)] = []
        // Bytes written again as they were (a restore): their rows keep the
        // versions that first wrote them, so the walk goes on from the oldest write of them.
        var oldest: [Data: Int] = [:]
        for (index, write) in writes.enumerated() { oldest[write.hash] = index }
        var index = 0
        while index < writes.count {
            let hash = writes[index].hash
            if let first = oldest[hash], first > index {
                index = first
                continue
            }
            let written = Version(writes[index].version)
            if index + 1 < writes.count, let base = writes[index].base, base == writes[index + 1].hash {
                runs.append((writes[index].baseSize, written, hash))
                index += 1
                continue
            }
            runs.append((0, written, hash))
            break
        }
        return runs.reversed()
    }

    // MARK: - Table schemas

    /// The key of a table's kept columns: its format, and its codec (`csv.gz`).
    static func schemaKey(_ format: TableFormat, _ codec: TextCodec?) -> String {
        format.rawValue + (codec.map { "." + $0.rawValue } ?? "")
    }

    /// The columns inferred for content `hash` read as `format` when it was written, nil if none were.
    public func tableSchema(of hash: Data, format: TableFormat, codec: TextCodec? = nil) throws -> TableSchema? {
        guard hasTables else { return nil }
        let text = try String.fetchOne(db.cachedStatement(sql: "SELECT columns FROM table_schemas WHERE content = ? AND format = ?"),
                                       arguments: [hash, LogSession.schemaKey(format, codec)])
        return text.flatMap(TableSchema.init(json:))
    }

    /// The columns inferred for file `file`'s content read as `format` when it was written, nil if none were.
    public func tableSchema(of file: NodeID, format: TableFormat, codec: TextCodec? = nil) throws -> TableSchema? {
        guard hasTables, let reference = try contentReference(of: file), reference.inline == nil else { return nil }
        return try tableSchema(of: reference.hash, format: format, codec: codec)
    }

    /// Infers and keeps the columns of every tabular file this session
    /// wrote (named .csv, .tsv, .jsonl or .ndjson), so that a query of it
    /// starts at its first row. An appended content's columns are its
    /// base's widened over the appended rows alone. A file that is no
    /// valid table gets none: a query then reads it whole, and reports
    /// the bad row.
    func recordTableSchemas() throws {
        guard hasTables, !writtenFiles.isEmpty else { return }
        var seen: Set<NodeID> = []
        // Made only for a file this session did not link (a rewrite): an
        // ingest links every file it writes, and a map of a million names
        // made anyway was 90 MiB of its peak.
        var known: [NodeID: Name]?
        for file in writtenFiles where seen.insert(file).inserted {
            var linkedName = linkedFileNames[file]
            if linkedName == nil {
                if known == nil { known = knownFileNames() }
                linkedName = known![file]
            }
            guard let name = try linkedName ?? location(of: file)?.name,
                  let format = TableFormat(fileName: name.string),
                  try derivedFactory(of: file) == nil,
                  let reference = try contentReference(of: file), reference.inline == nil, reference.size > 0 else { continue }
            let codec = format.isText ? TextCodec(fileName: name.string) : nil
            let start = codec == nil ? appendedTables[file]?.size ?? 0 : 0
            if let known = try tableSchema(of: reference.hash, format: format, codec: codec) {
                // The same bytes seen before: their columns are known; their times too, unless they were seen as another run.
                guard format.isText, TimeColumn.index(in: known.columns) != nil,
                      try timeRange(of: reference.hash, start: start) == nil else { continue }
            }
            let schema: TableSchema
            let path = { (try? self.path(of: file, asOf: self.version)) ?? name.string }
            if format == .parquet, appendedTables[file] != nil {
                // Bytes after a footer make the file no Parquet file, whatever they are.
                throw OpLogError.refusedAppend(path: path(), line: 0, ofAppended: false,
                                               reason: "a Parquet file is written whole: bytes appended after its footer would leave it unreadable (write the whole file again instead)")
            }
            let appendedTo = try appendedTables[file].flatMap { try isTable($0, format: format, codec: codec) ? $0 : nil }
            var reader: TableReader?
            do {
                if let appendedTo, codec == nil, format.isText { try checkLineBreak(reference, after: appendedTo, path: path) }
                let opened = try schemaReader(reference, format: format, codec: codec)
                reader = opened
                schema = try opened.inferSchema()
                for column in opened.mostlyNumericColumns {
                    notices.append("\(path()): column \"\(column.column)\" is typed TEXT although \(column.values - column.texts) of its \(column.values) values are numbers: \(column.texts) \(column.texts == 1 ? "is" : "are") not (the first on line \(column.firstLine): \"\(column.firstValue)\"); queries compare it as text")
                }
            } catch let error as TableDataError {
                if appendedTo != nil {
                    // Lines counted in the appended bytes when the rows were read from there.
                    throw OpLogError.refusedAppend(path: path(), line: error.line, ofAppended: reader?.continuesASchema ?? false,
                                                   reason: error.reason)
                }
                notices.append("\(path()) is stored, but it is no table: \(error.line > 0 ? "line \(error.line): " : "")\(error.reason); queries of it will fail")
                continue
            }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO table_schemas(content, format, columns) VALUES (?, ?, ?)")
                .execute(arguments: [reference.hash, LogSession.schemaKey(format, codec), schema.json])
            if let range = reader?.timeRange, schemaVersion >= 9 {
                // A reader that continued its base's schema read what the append added, from the base's end (`schemaReader`).
                let rangeStart = reader?.continuesASchema == true
                    ? try Int64.fetchOne(db.cachedStatement(sql: "SELECT base_size FROM appends WHERE content = ?"), arguments: [reference.hash]) ?? 0
                    : 0
                try recordTimeRange(range, of: reference.hash, start: rangeStart)
                // Blocks of plain text only: their offsets are in the bytes as stored.
                if schemaVersion >= 10, codec == nil {
                    for block in reader?.timeBlocks ?? [] {
                        try recordTimeRange(block.range, of: reference.hash, start: rangeStart + block.start, table: "time_blocks")
                    }
                }
            }
        }
        writtenFiles.removeAll()
        appendedTables.removeAll()
    }

    /// The time ranges kept for each of `runs` (`contentRunsWithContents`), in one query.
    public func timeRanges(of runs: [(from: Int64, version: Version, content: Data)]) throws -> [TimeRange?] {
        guard schemaVersion >= 9, !runs.isEmpty else { return runs.map { _ in nil } }
        var kept: [Data: [Int64: TimeRange]] = [:]
        let contents = Array(Set(runs.map(\.content)))
        for batch in stride(from: 0, to: contents.count, by: 500).map({ contents[$0..<min($0 + 500, contents.count)] }) {
            let marks = Array(repeating: "?", count: batch.count).joined(separator: ",")
            let sql = """
                SELECT content, start, rows, text_low, text_high, number_low, number_high, micros_low, micros_high
                FROM time_ranges WHERE content IN (\(marks))
                """
            // SQLite's own handle, as for the runs: a row per append of a long series.
            let statement = try db.makeStatement(sql: sql)
            let handle = statement.sqliteStatement
            for (index, content) in batch.enumerated() {
                content.withUnsafeBytes { _ = sqlite3_bind_blob(handle, Int32(index + 1), $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
            }
            try eachRow(handle, sql: sql) {
                let content = Data(bytes: sqlite3_column_blob(handle, 0), count: Int(sqlite3_column_bytes(handle, 0)))
                kept[content, default: [:]][sqlite3_column_int64(handle, 1)] = LogSession.timeRange(handle, from: 2)
            }
        }
        return runs.map { kept[$0.content]?[$0.from] }
    }

    /// The time range kept for the bytes from `start` on of `content` (nil: none kept).
    public func timeRange(of content: Data, start: Int64) throws -> TimeRange? {
        guard schemaVersion >= 9 else { return nil }
        let sql = """
            SELECT rows, text_low, text_high, number_low, number_high, micros_low, micros_high
            FROM time_ranges WHERE content = ? AND start = ?
            """
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        content.withUnsafeBytes { _ = sqlite3_bind_blob(handle, 1, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
        sqlite3_bind_int64(handle, 2, start)
        var found: TimeRange?
        try eachRow(handle, sql: sql) { found = LogSession.timeRange(handle, from: 0) }
        return found
    }

    /// The time blocks kept within the runs of `runs` (`time_blocks`): for
    /// each run, its stretches and their ranges, oldest first; empty for a
    /// run that has none.
    public func timeBlocks(of runs: [(from: Int64, version: Version, content: Data)]) throws -> [[(start: Int64, range: TimeRange)]] {
        guard schemaVersion >= 10, !runs.isEmpty else { return runs.map { _ in [] } }
        // SQLite's own handle: a long series has thousands of blocks, read by
        // every query of it, and GRDB's rows cost most of that query then.
        let sql = """
            SELECT start, rows, text_low, text_high, number_low, number_high, micros_low, micros_high
            FROM time_blocks WHERE content = ? ORDER BY start
            """
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        var found: [Data: [(start: Int64, range: TimeRange)]] = [:]
        for content in Set(runs.map(\.content)) {
            sqlite3_reset(handle)
            content.withUnsafeBytes { _ = sqlite3_bind_blob(handle, 1, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
            var blocks: [(start: Int64, range: TimeRange)] = []
            try eachRow(handle, sql: sql) {
                blocks.append((sqlite3_column_int64(handle, 0), LogSession.timeRange(handle, from: 1)))
            }
            found[content] = blocks
        }
        return runs.map { found[$0.content] ?? [] }
    }

    /// Steps `handle` (its arguments bound) through its rows, calling `row`
    /// on each, then resets it: SQLite's own handle, for the reads every
    /// query of a long series makes (GRDB's rows cost most of them).
    func eachRow(_ handle: OpaquePointer, sql: String, _ row: () -> Void) throws {
        while sqlite3_step(handle) == SQLITE_ROW { row() }
        let code = sqlite3_reset(handle)
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
    }

    /// The range in the columns of `statement`'s row from `first` on, as `timeRange(_:from:)`.
    static func timeRange(_ statement: OpaquePointer, from first: Int32) -> TimeRange {
        func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
        func bytes(_ column: Int32) -> [UInt8]? {
            guard !isNull(column) else { return nil }
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let start = sqlite3_column_blob(statement, column) else { return [] }
            return Array(UnsafeRawBufferPointer(start: start, count: count))
        }
        return TimeRange(rows: sqlite3_column_int64(statement, first), textLow: bytes(first + 1), textHigh: bytes(first + 2),
                         numberLow: isNull(first + 3) ? nil : sqlite3_column_double(statement, first + 3),
                         numberHigh: isNull(first + 4) ? nil : sqlite3_column_double(statement, first + 4),
                         microsLow: isNull(first + 5) ? nil : sqlite3_column_int64(statement, first + 5),
                         microsHigh: isNull(first + 6) ? nil : sqlite3_column_int64(statement, first + 6))
    }

    func recordTimeRange(_ range: TimeRange, of content: Data, start: Int64, table: String = "time_ranges") throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO \(table)(content, start, rows, text_low, text_high, number_low, number_high, micros_low, micros_high)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [content, start, range.rows, range.textLow.map { Data($0) }, range.textHigh.map { Data($0) },
                                     range.numberLow, range.numberHigh, range.microsLow, range.microsHigh])
    }

    /// Whether `content` reads as a table of `format`: empty, or its columns
    /// are known (inferred when it was written). Rows appended to a table
    /// must keep it one; a file that was none already is not checked.
    private func isTable(_ content: ContentReference, format: TableFormat, codec: TextCodec?) throws -> Bool {
        if content.size == 0 { return true }
        if content.inline != nil { return false }
        return try tableSchema(of: content.hash, format: format, codec: codec) != nil
    }

    /// Refuses rows appended to a table whose last line had no line break:
    /// the first would be glued to it.
    private func checkLineBreak(_ content: ContentReference, after before: ContentReference, path: () -> String) throws {
        guard before.size > 0 else { return }
        let pieces = try piecesFrom(content, offset: before.size - 1)
        var bytes: [UInt8] = []
        while bytes.count < 2, let piece = try pieces() { bytes += piece.prefix(2 - bytes.count) }
        guard bytes.count == 2, bytes[0] != UInt8(ascii: "\n"), bytes[1] != UInt8(ascii: "\n"), bytes[1] != UInt8(ascii: "\r") else { return }
        throw OpLogError.refusedAppend(path: path(), line: 1, ofAppended: true,
                                       reason: "the file does not end in a line break, so this row would join its last line (append a line break first)")
    }

    /// A reader to infer the columns of `reference` read as `format` with
    /// (`TableReader.inferSchema`): over the appended bytes alone when it
    /// grew from a content whose columns are known and that ended its last
    /// line, else over every byte.
    func schemaReader(_ reference: ContentReference, format: TableFormat, codec: TextCodec? = nil) throws -> TableReader {
        if format == .parquet || codec != nil { return try wholeTableReader(reference, format: format, codec: codec) }
        if let base = try Row.fetchOne(db.cachedStatement(sql: "SELECT base, base_size FROM appends WHERE content = ?"), arguments: [reference.hash]),
           let baseSchema = try tableSchema(of: base[0] as Data, format: format) {
            if let rows = try rowsFrom(reference, offset: base[1]) {
                return TableReader(format: format, continuing: baseSchema, chunks: rows)
            }
        }
        return try wholeTableReader(reference, format: format, codec: codec)
    }

    /// A reader of every row of `reference`: a Parquet file from its footer,
    /// compressed text through its codec.
    func wholeTableReader(_ reference: ContentReference, format: TableFormat, codec: TextCodec?) throws -> TableReader {
        let name = "content \(reference.hash.hexString)"
        if format == .parquet { return try TableReader(parquet: try contentRanges(reference, path: name)) }
        let pieces = try contentPieces(reference, path: name)
        return try TableReader(format: format, chunks: codec?.decompressing(pieces) ?? pieces)
    }

    /// The format and codec a `schemaKey` names, nil for another text.
    static func parseSchemaKey(_ key: String) -> (TableFormat, TextCodec?)? {
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        guard let format = TableFormat(rawValue: parts[0]) else { return nil }
        if parts.count == 1 { return (format, nil) }
        guard let codec = TextCodec(rawValue: parts[1]) else { return nil }
        return (format, codec)
    }

    /// The bytes of file `file`'s content from byte `offset` on, each chunk
    /// checked, when a row starts there (the byte before it ends a line);
    /// nil when none does, or the content is not in chunks. `end`: where the
    /// reader will stop (a lazy clone then fetches that stretch, no more).
    public func contentRows(of file: NodeID, from offset: Int64, to end: Int64? = nil) throws -> ByteChunks? {
        guard let reference = try contentReference(of: file) else {
            throw LogSession.corrupt("file \(file) has no content at version \(version)")
        }
        if let pruned = try pruning(of: reference.hash) {
            throw OpLogError.pruned(path: "node \(file)", version: version, by: pruned.version, time: pruned.time)
        }
        return try rowsFrom(reference, offset: offset, end: end)
    }

    /// `contentRows` of content `reference`.
    func rowsFrom(_ reference: ContentReference, offset: Int64, end: Int64? = nil) throws -> ByteChunks? {
        guard offset > 0 else { return nil }
        let pieces = try piecesFrom(reference, offset: offset - 1, end: end)
        guard let first = try pieces(), first.first == UInt8(ascii: "\n") else { return nil }
        var rest: [UInt8]? = Array(first.dropFirst())
        return {
            if let next = rest {
                rest = nil
                return next
            }
            return try pieces()
        }
    }

    /// The bytes of chunked content `reference` from byte `offset` on, each
    /// chunk checked against its SHA-256 (the whole cannot be: its start is not read).
    private func piecesFrom(_ reference: ContentReference, offset: Int64, end: Int64? = nil) throws -> ByteChunks {
        let statement = try db.makeStatement(sql: """
            SELECT content_chunks.offset, content_chunks.chunk, chunks.data
            FROM content_chunks LEFT JOIN chunks ON chunks.hash = content_chunks.chunk
            WHERE content_chunks.content = ?1
              AND content_chunks.offset >= (SELECT max(offset) FROM content_chunks WHERE content = ?1 AND offset <= ?2)
            ORDER BY content_chunks.offset
            """)
        let rows = try Row.fetchCursor(statement, arguments: [reference.hash, offset])
        let name = "content \(reference.hash.hexString)"
        let version = self.version
        return {
            guard let row = try rows.next() else { return nil }
            let start: Int64 = row[0]
            let chunk: Data = row[1]
            guard let data = try row[2] as Data? ?? self.missingChunk(chunk, content: reference.hash, offset: start,
                                                                      end: end.map { max($0, start + 1) }, path: name),
                  Data(SHA256.hash(data: data)) == chunk else {
                throw OpLogError.damagedContent(path: name, version: version, offset: start, reason: "a stored chunk is missing or does not match its SHA-256")
            }
            return Array(data.dropFirst(Int(max(0, offset - start))))
        }
    }

    // MARK: - Derived files

    /// The factory of file ?1 if it is derived as of version ?2.
    static let derivedSQL = "SELECT factory FROM derived WHERE node_id = ? AND version <= ?"

    public func derivedFactory(of file: NodeID) throws -> DerivedFactory? {
        guard hasTables else { return nil }
        let factory = try String.fetchOne(db.cachedStatement(sql: LogSession.derivedSQL),
                                          arguments: [file.rawValue, version.rawValue])
        return try factory.map { name in
            guard let known = DerivedFactory(rawValue: name) else {
                throw LogSession.corrupt("file \(file) is derived by an unknown factory '\(name)'")
            }
            return known
        }
    }

    public func markDerived(_ file: NodeID, factory: DerivedFactory) throws {
        try requireWritable()
        guard hasTables else { throw OpLogError.readOnly(path: "a pond of schema version \(schemaVersion)") }
        try db.cachedStatement(sql: "INSERT INTO derived(node_id, version, factory) VALUES (?, ?, ?)")
            .execute(arguments: [file.rawValue, version.rawValue, factory.rawValue])
    }
}

/// `prefix`'s bytes, then `rest`'s.
struct PrefixedSource<Rest: ByteSource>: ByteSource {
    let prefix: [UInt8]
    var position = 0
    var rest: Rest

    init(prefix: [UInt8], rest: Rest) {
        self.prefix = prefix
        self.rest = rest
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if position < prefix.count {
            let count = min(buffer.count, prefix.count - position)
            prefix.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<position + count])) }
            position += count
            return count
        }
        return try rest.read(into: buffer)
    }
}

/// A source that hashes what passes through it.
struct HashingSource<Source: ByteSource>: ByteSource {
    var source: Source
    private var hasher = SHA256()

    init(_ source: Source) { self.source = source }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try source.read(into: buffer)
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        return count
    }

    func digest() -> Data { Data(hasher.finalize()) }
}
