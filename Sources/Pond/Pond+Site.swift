import Foundation
import OpLog
import Site
import Tabular

public typealias SiteConfig = Site.SiteConfig
public typealias SiteError = Site.SiteError
public typealias SitePages = Site.SitePages
public typealias SiteBuilder = Site.SiteBuilder
/// HTML escaping and URL segments, as the pages write them (`pond-serve`'s own lines use them too).
public typealias SiteHTML = Site.HTML

extension Pond {
    /// The site config at `path` in the pond as of `version`; a pond
    /// without one at the default path has an empty site (its title, no pages).
    /// - Throws: `SiteError.config` naming the line; `notFound` for a path given that is not there.
    public func siteConfig(at version: Version? = nil, path: String? = nil) throws -> SiteConfig {
        try read(at: version) { fs in
            let configPath = path ?? "/site.yaml"
            let exists = try fs.root.exists(configPath)
            guard path != nil || exists else { return SiteConfig.empty }
            return try SiteConfig(parsing: String(decoding: try fs.root.read(configPath), as: UTF8.self), path: configPath)
        }
    }

    /// The pages of the pond as of `version` (head when nil).
    /// - Parameter live: with the tree, history, versions, diff and SQL pages (`pond serve`).
    public func sitePages(at version: Version? = nil, config: SiteConfig, live: Bool) throws -> SitePages {
        let head = try headVersion
        return SitePages(source: PondSiteSource(pond: self, version: version ?? head, head: head), config: config, live: live)
    }

    /// Builds the static site of the pond as of `version` into the host directory `directory`.
    public func buildSite(into directory: String, at version: Version? = nil, configPath: String? = nil) throws -> SiteBuilder.Outcome {
        let pages = try sitePages(at: version, config: try siteConfig(at: version, path: configPath), live: false)
        return try SiteBuilder.build(pages, into: directory)
    }
}

/// The pond, at one version, as the pages read it.
final class PondSiteSource: SiteSource {
    let pond: Pond
    let at: Version
    let head: Int64
    var version: Int64 { at.rawValue }
    private var knownRollups: [String: [SiteRollup]] = [:]

    init(pond: Pond, version: Version, head: Version) {
        self.pond = pond
        self.at = version
        self.head = head.rawValue
    }

    func info(_ path: String) throws -> SiteNode? {
        try pond.read(at: at) { fs -> SiteNode? in
            let node: Node
            do {
                node = try fs.root.node(path, followingLast: false)
            } catch TinyFSError.notFound {
                return nil
            }
            return try describe(node, name: node.path.isRoot ? "/" : node.path.lastName?.string ?? "", in: fs, full: true)
        }
    }

    private func describe(_ node: Node, name: String, in fs: FS, full: Bool) throws -> SiteNode {
        let kind: SiteNode.Kind = node.type == .directory ? .directory : node.type == .symlink ? .symlink : .file
        let path = node.path.description
        var described = SiteNode(name: name, path: path, kind: kind)
        if let metadata = try fs.metadata(of: node) {
            described.size = metadata.size
            described.version = metadata.version.rawValue
        }
        if kind == .symlink { described.target = try fs.root.readlink(path) }
        if kind == .file, node.id != nil, let derived = try fs.root.derivation(path) {
            described.derived = derived.factory.rawValue
            described.definition = derived.definition
            described.size = nil
        }
        if kind == .directory, node.id != nil, let spec = try fs.root.dynamicSpec(path) {
            described.derived = spec.factory.rawValue
            described.definition = spec.argument
        }
        if full, let range = try Pond.timeRange(of: node, in: fs) { described.timeRange = range }
        return described
    }

    func list(_ path: String) throws -> [SiteNode] {
        try pond.read(at: at) { fs in
            try fs.root.list(path).map { try describe($0.node, name: $0.name.string, in: fs, full: false) }
        }
    }

    func columns(_ table: String) throws -> [(name: String, type: ColumnType)] {
        try pond.store.read(at: at) { session in
            let context = TableContext(store: pond.store, session: session)
            let fs = context.makeFileSystem()
            return try withExtendedLifetime(fs) { try context.columns(of: table) }.map { ($0.name, $0.type) }
        }
    }

    func glob(_ pattern: String) throws -> [String] {
        try pond.read(at: at) { fs in try fs.root.glob(pattern).map { $0.node.path.description } }
    }

    func read(_ path: String, limit: Int) throws -> (bytes: [UInt8], complete: Bool) {
        try pond.read(at: at) { fs in
            var bytes: [UInt8] = []
            var complete = true
            struct Enough: Error {}
            do {
                try fs.root.read(path) { piece in
                    let room = limit - bytes.count
                    bytes.append(contentsOf: piece.prefix(room))
                    if piece.count > room { complete = false; throw Enough() }
                }
            } catch is Enough {}
            return (bytes, complete)
        }
    }

    func copy(_ path: String, to file: String) throws {
        let handle = try PondSiteSource.create(file)
        defer { try? handle.close() }
        try pond.read(at: at) { fs in try fs.root.read(path) { piece in handle.write(Data(piece)) } }
    }

    /// A new, empty host file to write.
    private static func create(_ file: String) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: file, contents: nil), let handle = FileHandle(forWritingAtPath: file) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: file])
        }
        return handle
    }

    func history(_ path: String) throws -> [NodeEvent] {
        try pond.history(of: path, at: at).events
    }

    func versions(limit: Int) throws -> [Transaction] {
        // Newest first: those after `at` passed over, the walk stopped once `limit` are found.
        struct Enough: Error {}
        var found: [Transaction] = []
        do {
            try pond.forEachRecentTransaction(limit: nil) { transaction in
                guard transaction.version <= at else { return }
                found.append(transaction)
                if found.count == limit { throw Enough() }
            }
        } catch is Enough {}
        return found
    }

    func changes(from: Int64) throws -> [PathChange] {
        try pond.diff(from: Version(from), to: at)
    }

    /// Files larger than this are not diffed line by line on a page.
    static let diffBytes = 1 << 20

    func diff(_ path: String, from: Int64) throws -> [String]? {
        let new = try read(path, limit: PondSiteSource.diffBytes)
        let old = try? PondSiteSource(pond: pond, version: Version(from), head: Version(head)).read(path, limit: PondSiteSource.diffBytes)
        let before = old ?? ([], true)
        guard new.complete, before.complete, LineDiff.isText(new.bytes), LineDiff.isText(before.bytes) else { return nil }
        return LineDiff.unified(old: String(decoding: before.bytes, as: UTF8.self), new: String(decoding: new.bytes, as: UTF8.self))
    }

    func query(_ sql: String, rowLimit: Int, timeLimit: Double?) throws -> SiteResult {
        let sink = LimitedRows(limit: rowLimit)
        do {
            try pond.query(sql, at: at, timeLimit: timeLimit, into: sink)
        } catch is LimitedRows.Enough {
            sink.truncated = true
        }
        return SiteResult(columns: sink.columns, rows: sink.rows, truncated: sink.truncated)
    }

    func export(_ sql: String, format: String, to file: String) throws {
        let handle = try PondSiteSource.create(file)
        defer { try? handle.close() }
        let writer = ResultWriter(format: format == "parquet" ? .parquet : .csv) { bytes in handle.write(Data(bytes)) }
        try pond.query(sql, at: at, into: writer)
    }

    func timeRange(_ source: String) throws -> (low: Int64, high: Int64)? {
        try pond.read(at: at) { fs in
            var span: (low: Int64, high: Int64)?
            for match in try fs.root.glob(source) {
                guard let (low, high) = try Pond.timeRange(of: match.node, in: fs),
                      let lowMicros = TimeColumn.micros(iso: low), let highMicros = TimeColumn.micros(iso: high) else { return nil }
                span = (min(span?.low ?? lowMicros, lowMicros), max(span?.high ?? highMicros, highMicros))
            }
            return span
        }
    }

    func rollups(of source: String) throws -> [SiteRollup] {
        if let known = knownRollups[source] { return known }
        let directories = try pond.query("SELECT path FROM paths WHERE type = 'directory'", at: at).rows.compactMap { row -> String? in
            if case .text(let path) = row[0] { return path }
            return nil
        }
        let found = try pond.read(at: at) { fs -> [SiteRollup] in
            var found: [SiteRollup] = []
            for directory in directories {
                guard let spec = try fs.root.dynamicSpec(directory), spec.factory == .reduce,
                      let definition = try? RollupDefinition(parsing: spec.argument, at: try fs.root.absolute(directory)),
                      definition.source == source else { continue }
                let aggregates = definition.aggregates.isEmpty ? RollupDefinition.defaultAggregates : definition.aggregates
                for resolution in definition.every {
                    guard let micros = TimeColumn.width(resolution) else { continue }
                    found.append(SiteRollup(micros: micros, path: directory + "/res=\(resolution).csv", aggregates: aggregates))
                }
            }
            return found
        }
        knownRollups[source] = found
        return found
    }
}

/// A query's first rows, up to a limit; the one after it stops the statement.
private final class LimitedRows: QueryRowSink {
    struct Enough: Error {}
    let limit: Int
    var columns: [String] = []
    var rows: [[SQLValue]] = []
    var truncated = false

    init(limit: Int) { self.limit = limit }

    func begin(columns: [String]) { self.columns = columns }

    func write(_ row: QueryRow) throws {
        guard rows.count < limit else { throw Enough() }
        rows.append((0..<row.count).map { row[$0] })
    }

    func finish() {}
}
