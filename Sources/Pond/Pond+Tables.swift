import Crypto
import Foundation
import OpLog
import Tables
import Tabular

public typealias TableFormat = Tabular.TableFormat

extension Pond {
    /// Runs ONE read-only SQL statement over the log, its views and the
    /// pond's tabular files, as of `version` (head when nil).
    ///
    /// A double-quoted name that is a pond path or glob (`FROM
    /// "/sensors/*.csv"`) is that tabular file, or the union of the glob's
    /// tabular matches, as of `version` (DESIGN.md, "Tables"). With
    /// `source`, the name `source` is also the file at that path (what
    /// `pond cat PATH --sql` runs). Derived files are tables too.
    /// - Throws: `PondError.noSuchTable` for a name that is no table,
    ///   `.badTable` for a row that cannot be read, `TinyFSError.derivedFileLoop`, and
    ///   what `query` throws without tables.
    public func query(_ sql: String, at version: Version? = nil, source: String? = nil) throws -> QueryResult {
        let collected = CollectedRows()
        try query(sql, at: version, source: source, into: collected)
        return QueryResult(columns: collected.columns, rows: collected.rows)
    }

    /// Runs `sql` as `query(_:at:source:)` does, handing each row to `sink`
    /// as it is produced (a `ResultWriter` writes them out in a format):
    /// a result of any size runs in the memory of one row.
    /// - Throws: as `query(_:at:source:)`, and what `sink` throws.
    /// With `timeLimit` (seconds), a statement still running then is stopped (`PondError.queryTimedOut`).
    public func query(_ sql: String, at version: Version? = nil, source: String? = nil, timeLimit: Double? = nil,
                      into sink: some QueryRowSink) throws {
        // A query of the log alone needs no snapshot of the tree.
        let names = TableNames.referenced(in: sql)
        if source == nil && names.isEmpty {
            return try store.query(sql, at: version, tables: TableRegistry([]), timeLimit: timeLimit, into: sink)
        }
        try store.read(at: version) { session in
            let context = TableContext(store: store, session: session)
            let fs = context.makeFileSystem()
            try withExtendedLifetime(fs) {
                try context.query(sql, names: names, at: version, source: source, timeLimit: timeLimit, into: sink)
            }
        }
    }

    /// The FS over `session`, able to compute derived files.
    func fileSystem(_ session: LogSession) -> FS {
        TableContext(store: store, session: session).makeFileSystem()
    }
}

/// What one read of the pond needs to turn a query's table names into
/// tables, and derived files into bytes: the snapshot, and the derived
/// files being computed (a derived file that reads itself is an error).
final class TableContext {
    let store: LogStore
    let session: LogSession
    /// The FS this context computes derived files for; it holds the context, not the other way.
    private weak var fileSystem: FS?

    /// Whether kept results are looked up and results kept (fsck computes without).
    let usingKept: Bool

    init(store: LogStore, session: LogSession, usingKept: Bool = true) {
        self.store = store
        self.session = session
        self.usingKept = usingKept
    }

    /// The FS over the session whose derived files this context computes.
    func makeFileSystem() -> FS {
        let fs = FS(session, derivedFiles: { factory, definition, path in
            DerivedFile(context: self, factory: factory, definition: definition, path: path)
        })
        fileSystem = fs
        return fs
    }

    private var fs: FS {
        guard let fileSystem else { preconditionFailure("a TableContext is used through the FS it made") }
        return fileSystem
    }

    /// Runs `sql` with its tables (`names`: what `TableNames` finds in it).
    /// `version` is the one asked for (nil: head).
    /// With `bucketsInFileOrder`, a GROUP BY of `_bucket` may stop with
    /// `TableRowsOutOfOrder` (`TableRegistry.bucketsInFileOrder`).
    func query(_ sql: String, names: [String], at version: Version?, source: String?, timeLimit: Double? = nil,
               bucketsInFileOrder: Bool = false, into sink: some QueryRowSink) throws {
        var tables: [TableDefinition] = []
        var names = names
        if let source {
            tables.append(try table(named: "source", path: source))
            names.removeAll { $0 == "source" }
        }
        for name in names { tables.append(try table(named: name, path: name)) }
        // Always a registry: it adds the series functions (time_bucket, median, ...) even to a query of no table.
        let registry = TableRegistry(tables)
        registry.bucketsInFileOrder = bucketsInFileOrder
        try store.query(sql, at: version, tables: registry, timeLimit: timeLimit, into: sink)
    }

    /// The table `name` stands for: the file at `path`, or a glob's tabular matches.
    private func table(named name: String, path: String) throws -> TableDefinition {
        let (files, glob) = try tableFiles(named: name, path: path)
        return TableDefinition(name: name, files: try files.map { try tableFile($0.path, $0.file, $0.id, $0.format) }, hasPathColumn: glob)
    }

    /// The files the table `name` (at `path`) reads, and whether it is a glob's union.
    private func tableFiles(named name: String, path: String) throws -> (files: [(path: PondPath, file: any File, id: NodeID?, format: TableFormat)], glob: Bool) {
        let version = session.version
        func noTable(_ reason: String) -> PondError { .noSuchTable(name: path, version: version, reason: reason) }
        if try GlobPattern(path).hasWildcards {
            let files = try fs.root.glob(path).compactMap { match -> (PondPath, any File, NodeID?, TableFormat)? in
                guard let last = match.path.lastName, let format = TableFormat(fileName: last.string) else { return nil }
                // A match is its node; only a symlink is followed to what it names.
                let node = if case .symlink = match.node.kind { try? fs.resolve(match.path) } else { match.node }
                guard let node, case .file(let file) = node.kind else { return nil }
                return (match.path, file, node.id, format)
            }
            if files.isEmpty { throw noTable("no \(TableFormat.extensions) file matches") }
            return (files.map { ($0.0, $0.1, $0.2, $0.3) }, true)
        }
        let node: Node
        do {
            node = try fs.root.node(path)
        } catch TinyFSError.notFound {
            throw noTable("no such file")
        }
        guard case .file(let file) = node.kind else { throw noTable("not a file") }
        guard let last = node.path.lastName, let format = TableFormat(fileName: last.string) else {
            throw noTable("a table is a \(TableFormat.extensions) file")
        }
        return ([(node.path, file, node.id, format)], false)
    }

    private func tableFile(_ path: PondPath, _ file: any File, _ id: NodeID?, _ format: TableFormat) throws -> TableFile {
        let codec = path.lastName.flatMap { format.isText ? TextCodec(fileName: $0.string) : nil }
        // A stored file is read piece by piece as SQLite asks (Parquet at the
        // offsets it needs); a computed one (derived, or made by a dynamic directory) whole.
        if let id, try session.derivedFactory(of: id) == nil {
            let runs = try session.contentRunsWithContents(of: id)
            return TableFile(path: path.description, format: format, codec: codec, runs: runs.map { ($0.from, $0.version) },
                             schema: try session.tableSchema(of: id, format: format, codec: codec),
                             timeRanges: try session.timeRanges(of: runs),
                             openFrom: { [session] from, to in try session.contentRows(of: id, from: from, to: to) },
                             // A query of a time reads, within the runs that may hold a match, the stretches that may.
                             timeBlocks: { [session] index in try session.timeBlocks(of: [runs[index]])[0] },
                             ranges: format == .parquet ? { [session] in try session.contentRanges(of: id, at: path.description) } : nil) { [session] in
                try session.contentPieces(of: id, at: path)
            }
        }
        return TableFile(path: path.description, format: format, codec: codec, runs: []) { onePiece { try file.content() } }
    }

    /// The version queries run at: the snapshot's; for a write, whose
    /// version is not committed yet, the head its log views show.
    private var queryVersion: Version? { session.isWritable ? nil : session.version }

    /// Checks that derived file `path` could be computed from `definition`
    /// (DESIGN.md, "Derived files"): one read-only statement SQLite
    /// prepares, over tables that resolve (derived ones computed, so that
    /// one reading itself is found), without running it.
    fileprivate func check(_ factory: DerivedFactory, definition: String, path: PondPath) throws {
        do {
            let sql = try self.sql(of: factory, definition: definition, path: path)
            try query(sql, names: TableNames.referenced(in: sql), at: queryVersion, source: nil, into: PreparedOnly())
        } catch is PreparedOnly.Prepared {
            return
        } catch let problem as RollupSQL.Problem {
            throw PondError.badDefinition(path: path.description, reason: problem.description)
        } catch PondError.database(_, let cause) {
            throw PondError.badDefinition(path: path.description, reason: cause.message ?? cause.description)
        } catch PondError.queryDenied, PondError.multipleStatements, PondError.emptyQuery {
            throw PondError.badDefinition(path: path.description, reason: "a derived file's query is one read-only SQL statement")
        } catch PondError.noSuchTable(let name, _, let reason) {
            throw PondError.badDefinition(path: path.description, reason: "\"\(name)\" is no table: \(reason)")
        }
    }

    /// The columns of the table `name`, from the columns kept when its files
    /// were written (no file is read, no run listed), else from its files.
    func columns(of name: String) throws -> [RollupSQL.Column] {
        let (files, glob) = try tableFiles(named: name, path: name)
        var known: [TableFile] = []
        for file in files {
            guard let id = file.id, try session.derivedFactory(of: id) == nil else { break }
            let codec = file.path.lastName.flatMap { file.format.isText ? TextCodec(fileName: $0.string) : nil }
            guard let schema = try session.tableSchema(of: id, format: file.format, codec: codec) else { break }
            known.append(TableFile(path: file.path.description, format: file.format, codec: codec, runs: [], schema: schema) { onePiece { [] } })
        }
        if known.count == files.count {
            return try TableRegistry.columns(of: TableDefinition(name: name, files: known, hasPathColumn: glob))
        }
        return try TableRegistry.columns(of: try table(named: name, path: name))
    }

    /// The query a derived file runs: its definition for `sql`; for a
    /// rollup, the query `RollupSQL` makes of its definition and the columns
    /// of what it reads, as of this snapshot.
    private func sql(of factory: DerivedFactory, definition: String, path: PondPath) throws -> String {
        let columnsOf = { (source: String) in try self.columns(of: source) }
        let rollup = { try RollupDefinition(parsing: definition, at: path) }
        switch factory {
        case .sql:
            return definition
        case .reduce:
            let rollup = try rollup()
            guard let source = rollup.source else { throw RollupSQL.Problem("a reduce needs a source") }
            return try RollupSQL.reduce(rollup, columns: columnsOf(source))
        case .join:
            return try RollupSQL.join(try rollup(), columnsOf: columnsOf)
        case .pivot:
            let rollup = try rollup()
            guard let source = rollup.source else { throw RollupSQL.Problem("a pivot needs a source") }
            var named: [String: String] = [:]
            for match in try fs.root.glob(source) where match.path.lastName.flatMap({ TableFormat(fileName: $0.string) }) != nil {
                let name = try VisitDirectory.name(for: match).string
                if named[name] == nil { named[name] = match.path.description }
            }
            return try RollupSQL.pivot(rollup, matches: named.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, columnsOf: columnsOf)
        }
    }

    /// Computes derived file `path` from `definition`, at this snapshot's
    /// version. (A definition that reads itself is caught by the FS, which
    /// marks each derived file while it is computed: `derivedFileLoop`.)
    /// Its bytes go to `sink` as the rows come, in the format its name says.
    ///
    /// What was computed is kept (`derived_cache`), keyed by the query and
    /// the contents it read: the same inputs again are a lookup. A reduce
    /// table whose source grew by appends since a kept result computes only
    /// the buckets the new rows touch (`incrementalReduce`).
    fileprivate func compute(_ factory: DerivedFactory, definition: String, path: PondPath, into sink: @escaping ByteSink) throws {
        let name = path.description
        do {
            let sql = try self.sql(of: factory, definition: definition, path: path)
            let key = try resultKey(factory, definition: definition, sql: sql, path: path)
            if let key, try session.withCachedResult(key: key.key, { try TableContext.unpacked($0).withUnsafeBytes(sink) }) { return }
            if let key, factory == .reduce, let bytes = try incrementalReduce(definition, key: key, path: path) {
                try bytes.withUnsafeBytes(sink)
                return try keep(bytes, key: key, path: name)
            }
            if factory == .reduce, let bytes = try reduceBytes(try RollupDefinition(parsing: definition, at: path), format: ResultFormat(derivedFileName: name)) {
                try bytes.withUnsafeBytes(sink)
                guard let key else { return }
                return try keep(bytes, key: key, path: name)
            }
            let captured = Captured(limit: key == nil ? 0 : TableContext.keptLimit)
            let writer = ResultWriter(format: ResultFormat(derivedFileName: name), sink: { piece in
                try sink(piece)
                captured.add(piece)
            })
            try query(sql, names: TableNames.referenced(in: sql), at: queryVersion, source: nil, into: writer)
            if let key, let bytes = captured.bytes {
                try keep(bytes, key: key, path: name)
            }
        } catch let problem as RollupSQL.Problem {
            throw PondError.derivedFileFailed(path: name, version: session.version, reason: problem.description)
        } catch PondError.database(_, let cause) {
            throw PondError.derivedFileFailed(path: name, version: session.version, reason: cause.message ?? cause.description)
        } catch PondError.queryDenied, PondError.multipleStatements, PondError.emptyQuery {
            throw PondError.derivedFileFailed(path: name, version: session.version, reason: "its definition is not one read-only SQL statement")
        }
    }

    /// Keeps `bytes`, derived file `path`'s result, under `key`, packed.
    private func keep(_ bytes: [UInt8], key: ResultKey, path: String) throws {
        try session.keep(CachedResult(key: key.key, family: key.family, source: key.source, path: path, version: session.version,
                                      bytes: bytes.withUnsafeBytes { Codec.zstdCompress($0, level: 1) }))
    }

    /// A kept result's bytes as computed. They are kept as a ZSTD frame (a
    /// rollup's CSV packs about 8 to 1, and what a read keeps is written
    /// twice, to the WAL and at its checkpoint); kept before that, as they
    /// are (no result begins with ZSTD's magic number: text is UTF-8,
    /// Parquet begins `PAR1`).
    static func unpacked(_ kept: UnsafeRawBufferPointer) throws -> [UInt8] {
        Codec.isZstdFrame(kept) ? try Codec.zstdDecompressFrame(kept) : Array(kept)
    }

    /// The largest result kept: a larger one is computed at every read.
    static let keptLimit = 64 << 20

    /// The bytes a result's writer passed on, up to a limit (nil past it).
    final class Captured {
        private(set) var bytes: [UInt8]?
        let limit: Int
        init(limit: Int) {
            self.limit = limit
            bytes = limit > 0 ? [] : nil
        }
        func add(_ piece: UnsafeRawBufferPointer) {
            guard bytes != nil else { return }
            if bytes!.count + piece.count > limit { bytes = nil } else { bytes!.append(contentsOf: piece) }
        }
    }

    /// What a computed result is kept under: `key`, the factory, the query
    /// and the exact contents read (a derived input by its own key);
    /// `family`, the same for this derived file at any inputs; `source`, a
    /// reduce table's one stored source content.
    struct ResultKey {
        let key: Data
        let family: Data
        let source: Data?
        let sourceNode: NodeID?
    }

    /// The key of derived file `path`'s result at this snapshot; nil when
    /// it reads something that cannot be named by its contents.
    func resultKey(_ factory: DerivedFactory, definition: String, sql: String, path: PondPath, visiting: Set<PondPath> = []) throws -> ResultKey? {
        // A definition that reaches itself has no key: its computation reports the loop.
        guard usingKept, session.keepsResults, !visiting.contains(path) else { return nil }
        let visiting = visiting.union([path])
        var hasher = SHA256()
        func add(_ text: String) { hasher.update(data: Data((text + "\u{0}").utf8)) }
        add("pond result 1")
        add(factory.rawValue)
        add(path.lastName?.string ?? "")  // the format its name says
        add(sql)
        var sources: [(Data, NodeID)] = []
        for name in TableNames.referenced(in: sql).sorted() {
            add(name)
            for file in try tableFiles(named: name, path: name).files {
                add(file.path.description)
                if let id = file.id, try session.derivedFactory(of: id) == nil {
                    guard let hash = try session.contentHash(of: id) else { return nil }
                    hasher.update(data: hash)
                    sources.append((hash, id))
                } else if file.id != nil, let (innerFactory, innerDefinition) = try fs.root.derivation(file.path.description) {
                    let innerSQL = try self.sql(of: innerFactory, definition: innerDefinition, path: file.path)
                    guard let inner = try resultKey(innerFactory, definition: innerDefinition, sql: innerSQL, path: file.path, visiting: visiting) else { return nil }
                    hasher.update(data: inner.key)
                } else if let derived = file.file as? DerivedFile {
                    let innerSQL = try self.sql(of: derived.factory, definition: derived.definition, path: derived.path)
                    guard let inner = try resultKey(derived.factory, definition: derived.definition, sql: innerSQL, path: derived.path, visiting: visiting) else { return nil }
                    hasher.update(data: inner.key)
                } else {
                    return nil
                }
            }
        }
        var family = SHA256()
        family.update(data: Data("pond family 1\u{0}\(factory.rawValue)\u{0}\(definition)\u{0}\(path.description)".utf8))
        let one = factory == .reduce && sources.count == 1 ? sources[0] : nil
        return ResultKey(key: Data(hasher.finalize()), family: Data(family.finalize()), source: one?.0, sourceNode: one?.1)
    }

    /// A reduce table computed from a kept result of the same table at an
    /// earlier content of its source, which the source grew from by
    /// appends: the buckets the appended rows touch (their times, kept when
    /// they were written) are computed again, the others kept. Nil when no
    /// kept result fits, or a time range is missing.
    private func incrementalReduce(_ definition: String, key: ResultKey, path: PondPath) throws -> [UInt8]? {
        let rollup = try RollupDefinition(parsing: definition, at: path)
        guard rollup.time == nil, let source = rollup.source, let resolution = rollup.every.first,
              let width = TimeColumn.width(resolution), let node = key.sourceNode else { return nil }
        let runs = try session.contentRunsWithContents(of: node)
        for kept in try session.cachedResults(family: key.family) {
            guard let old = kept.source, let index = runs.firstIndex(where: { $0.content == old }) else { continue }
            let appended = TimeRange.span(try session.timeRanges(of: Array(runs[(index + 1)...])))
            guard appended.known else { return nil }
            // Appended rows with no time fall in no bucket: the result is as it was.
            guard let keptBytes = try session.cachedBytes(key: kept.key).map({ try $0.withUnsafeBytes(TableContext.unpacked) }) else { return nil }
            guard let (low, high) = appended.micros else { return keptBytes }
            let from = TimeColumn.iso(micros: TimeColumn.bucket(low, width: width))
            let to = TimeColumn.iso(micros: TimeColumn.bucket(high, width: width) + width)
            let fresh = try reduceBytes(rollup, window: (from, to), format: .csv, limit: Int.max) ?? []
            return TableContext.merge(kept: keptBytes, fresh: fresh, from: Array(from.utf8), to: Array(to.utf8))
        }
        return nil
    }

    /// A reduce table's bytes in `format` (the rows of `window` only, with
    /// one): by its query in time order (`RollupSQL.reduceInTimeOrder`: the
    /// rows aggregated as they come, not sorted first), else, when its
    /// source's rows are not in that order or its time is a named column,
    /// by the query SQLite sorts. Nil when the result is larger than `limit`.
    private func reduceBytes(_ rollup: RollupDefinition, window: (from: String, to: String)? = nil, format: ResultFormat,
                             limit: Int = TableContext.keptLimit) throws -> [UInt8]? {
        guard let source = rollup.source else { throw RollupSQL.Problem("a reduce needs a source") }
        let columns = try columns(of: source)
        func run(_ sql: String, inFileOrder: Bool) throws -> [UInt8]? {
            let captured = Captured(limit: limit)
            try query(sql, names: TableNames.referenced(in: sql), at: queryVersion, source: nil, bucketsInFileOrder: inFileOrder,
                      into: ResultWriter(format: format, sink: { captured.add($0) }))
            return captured.bytes
        }
        do {
            if let sql = try RollupSQL.reduceInTimeOrder(rollup, columns: columns, window: window) { return try run(sql, inFileOrder: true) }
        } catch is TableRowsOutOfOrder {}
        return try run(try RollupSQL.reduce(rollup, columns: columns, window: window), inFileOrder: false)
    }

    /// A reduce table's CSV with the buckets from `from` up to `to` those of
    /// `fresh` (their header dropped): rows are ordered by their first
    /// field, the bucket's start in `_time`'s form, which sorts as text.
    static func merge(kept: [UInt8], fresh: [UInt8], from: [UInt8], to: [UInt8]) -> [UInt8] {
        let newline = UInt8(ascii: "\n"), comma = UInt8(ascii: ",")
        /// The lines of `bytes` as ranges (newline included), the header first.
        func lines(_ bytes: [UInt8]) -> [Range<Int>] {
            var ranges: [Range<Int>] = []
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: newline).map { $0 + 1 } ?? bytes.count
                ranges.append(start..<end)
                start = end
            }
            return ranges
        }
        /// Whether the first field of `line` sorts before `bound`.
        func before(_ line: Range<Int>, _ bound: [UInt8]) -> Bool {
            let field = kept[line].prefix { $0 != comma && $0 != newline }
            return field.lexicographicallyPrecedes(bound)
        }
        let old = lines(kept), new = lines(fresh)
        guard let header = old.first ?? new.first.map({ _ in 0..<0 }) else { return [] }
        var merged: [UInt8] = []
        merged.reserveCapacity(kept.count + fresh.count)
        merged += old.isEmpty ? fresh[new[0]] : kept[header]
        let rows = old.dropFirst()
        let cut = rows.firstIndex { !before($0, from) } ?? rows.endIndex
        let resume = rows[cut...].firstIndex { !before($0, to) } ?? rows.endIndex
        if cut > rows.startIndex { merged += kept[rows[rows.startIndex].lowerBound..<rows[cut - 1].upperBound] }
        for line in new.dropFirst() { merged += fresh[line] }
        if resume < rows.endIndex { merged += kept[rows[resume].lowerBound..<rows[rows.endIndex - 1].upperBound] }
        if merged.last != newline, !merged.isEmpty { merged.append(newline) }
        return merged
    }
}

/// A sink that stops a query once SQLite has prepared it: the check of a
/// derived file's definition.
private final class PreparedOnly: QueryRowSink {
    struct Prepared: Error {}
    func begin(columns: [String]) throws { throw Prepared() }
    func write(_ row: QueryRow) {}
    func finish() {}
}

/// A derived file's bytes, computed when read.
private struct DerivedFile: DefinedFile {
    let context: TableContext
    let factory: DerivedFactory
    let definition: String
    let path: PondPath

    func read(into sink: ByteSink) throws {
        try withoutActuallyEscaping(sink) { sink in
            try context.compute(factory, definition: definition, path: path, into: sink)
        }
    }

    func checkDefinition() throws {
        try context.check(factory, definition: definition, path: path)
    }

    var derivedFactory: DerivedFactory? { factory }
}

/// The table names a query gives in double quotes that are pond paths.
enum TableNames {
    /// Every double-quoted identifier of `sql` that starts with `/`, once
    /// each, in order; string literals, comments and other quoting skipped.
    static func referenced(in sql: String) -> [String] {
        let text = Array(sql.utf8)
        var names: [String] = []
        var index = 0
        func skip(until close: UInt8) {
            index += 1
            while index < text.count {
                if text[index] == close {
                    if index + 1 < text.count, text[index + 1] == close, close != UInt8(ascii: "]") {
                        index += 2
                        continue
                    }
                    break
                }
                index += 1
            }
            index += 1
        }
        while index < text.count {
            switch text[index] {
            case UInt8(ascii: "'"), UInt8(ascii: "`"): skip(until: text[index])
            case UInt8(ascii: "["): skip(until: UInt8(ascii: "]"))
            case UInt8(ascii: "-") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "-"):
                while index < text.count, text[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "*"):
                index += 2
                while index + 1 < text.count, !(text[index] == UInt8(ascii: "*") && text[index + 1] == UInt8(ascii: "/")) { index += 1 }
                index += 2
            case UInt8(ascii: "\""):
                let start = index + 1
                skip(until: UInt8(ascii: "\""))
                let end = min(index - 1, text.count)
                if start < end {
                    let name = String(decoding: text[start..<end], as: UTF8.self).replacingOccurrences(of: "\"\"", with: "\"")
                    if name.hasPrefix("/"), !names.contains(name) { names.append(name) }
                }
            default:
                index += 1
            }
        }
        return names
    }
}

extension Pond {
    /// The earliest and latest time of the rows of the tabular file `node`
    /// (in `fs`, a snapshot of this pond), as `_time` gives them: from the
    /// ranges kept when each of its writes and appends was made. Nil when
    /// one of them kept none (no time column, written by an earlier Pond).
    public static func timeRange(of node: Node, in fs: FS) throws -> (earliest: String, latest: String)? {
        guard case .file = node.kind, let id = node.id, let session = fs.persistence as? LogSession,
              try session.derivedFactory(of: id) == nil else { return nil }
        guard let span = TimeRange.span(try session.timeRanges(of: try session.contentRunsWithContents(of: id))).micros else { return nil }
        return (TimeColumn.iso(micros: span.low), TimeColumn.iso(micros: span.high))
    }
}
