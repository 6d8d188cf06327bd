/// A rollup's definition (DESIGN.md, "Rollups: reduce, join, pivot"): what a
/// `reduce` directory's argument, and a `join` or `pivot` file's content,
/// say, as lines of a key and a value (`source /sensors/*.csv`). TinyFS
/// reads only what names entries (a reduce's source and resolutions); the
/// layer that computes the tables reads the rest.
public struct RollupDefinition: Equatable, Sendable {
    /// The series read: a path or a glob (reduce, pivot).
    public var source: String?
    /// The resolutions of a reduce (`1h`, `1d`, ...), in order.
    public var every: [String] = []
    /// The aggregates of a reduce (default `avg`, `min`, `max`, `count`).
    public var aggregates: [String] = []
    /// The columns a reduce aggregates (default: every numeric one).
    public var columns: [String] = []
    /// The time column, when not found by its name.
    public var time: String?
    /// A join's inputs: scope and source, in order.
    public var inputs: [(scope: String, source: String)] = []
    /// The column a pivot takes from every match.
    public var column: String?

    public init() {}

    /// The aggregates a reduce computes when none are named.
    public static let defaultAggregates = ["avg", "min", "max", "count"]
    /// The aggregates a reduce may name.
    public static let knownAggregates = ["avg", "min", "max", "count", "sum", "median", "stddev", "first", "last"]

    public static func == (a: RollupDefinition, b: RollupDefinition) -> Bool { a.text == b.text }

    /// The definition as stored: one `key value` line per setting.
    public var text: String {
        var lines: [String] = []
        if let source { lines.append("source \(source)") }
        if !every.isEmpty { lines.append("every \(every.joined(separator: ","))") }
        if !aggregates.isEmpty { lines.append("agg \(aggregates.joined(separator: ","))") }
        if !columns.isEmpty { lines.append("columns \(columns.joined(separator: ","))") }
        if let time { lines.append("time \(time)") }
        for input in inputs { lines.append("input \(input.scope)=\(input.source)") }
        if let column { lines.append("column \(column)") }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Reads `text` as `text` writes it.
    /// - Throws: `invalidDynamicDirectory` (at `path`) for a line it does not know.
    public init(parsing text: String, at path: PondPath) throws {
        for line in text.split(separator: "\n") {
            let key = line.prefix { $0 != " " }
            let value = String(line.dropFirst(key.count + 1))
            let list = value.split(separator: ",").map(String.init)
            switch key {
            case "source": source = value
            case "every": every = list
            case "agg": aggregates = list
            case "columns": columns = list
            case "time": time = value
            case "column": column = value
            case "input":
                guard let equals = value.firstIndex(of: "=") else { fallthrough }
                inputs.append((String(value[..<equals]), String(value[value.index(after: equals)...])))
            default:
                throw TinyFSError.invalidDynamicDirectory(path, reason: "a rollup's definition has no setting '\(line)'")
            }
        }
    }

    /// The same definition for one series and one resolution: a reduce table's.
    func narrowed(source: String, every resolution: String) -> RollupDefinition {
        var one = self
        one.source = source
        one.every = [resolution]
        return one
    }
}

/// A `reduce` directory: one table per resolution (`res=1h.csv`, ...), each a
/// computed file of factory `reduce`; with a glob as source, one
/// subdirectory per match, named by its captures as a visit names them
/// (`north/res=1h.csv`). Computed on every read, at the version read.
public struct ReduceDirectory: Directory {
    let fs: FS
    let path: PondPath
    let definition: RollupDefinition

    public init(fs: FS, path: PondPath, definition: RollupDefinition) {
        self.fs = fs
        self.path = path
        self.definition = definition
    }

    public func entries() throws -> [(name: Name, node: Node)] {
        guard let source = definition.source else {
            throw TinyFSError.invalidDynamicDirectory(path, reason: "a reduce needs a source")
        }
        let pattern = try GlobPattern(source)
        guard pattern.hasWildcards else { return try tables(of: source, at: path) }
        var named: [Name: PondPath] = [:]
        for match in try pattern.matches(in: fs) where match.node.type != .directory {
            let name = try VisitDirectory.name(for: match)
            if named[name] == nil { named[name] = match.path }
        }
        return named.sorted { $0.key < $1.key }.map { name, matched in
            let directory = path.appending(name)
            return (name, Node(id: nil, path: directory, kind: .directory(SeriesDirectory(fs: fs, path: directory, source: matched.description,
                                                                                          definition: definition))))
        }
    }

    public func entry(named name: Name) throws -> Node? {
        try entries().first { $0.name == name }?.node
    }

    /// One series' tables, one per resolution, in `directory`.
    fileprivate static func tables(fs: FS, of source: String, at directory: PondPath, definition: RollupDefinition) throws -> [(name: Name, node: Node)] {
        try definition.every.map { resolution in
            let name = try Name("res=\(resolution).csv")
            let path = directory.appending(name)
            let file = try fs.computedFile(.reduce, definition: definition.narrowed(source: source, every: resolution).text, at: path)
            return (name, Node(id: nil, path: path, kind: .file(file)))
        }.sorted { $0.name < $1.name }
    }

    private func tables(of source: String, at directory: PondPath) throws -> [(name: Name, node: Node)] {
        try ReduceDirectory.tables(fs: fs, of: source, at: directory, definition: definition)
    }

    /// One match's tables, in the subdirectory named by its captures.
    struct SeriesDirectory: Directory {
        let fs: FS
        let path: PondPath
        let source: String
        let definition: RollupDefinition

        func entries() throws -> [(name: Name, node: Node)] {
            try ReduceDirectory.tables(fs: fs, of: source, at: path, definition: definition)
        }

        func entry(named name: Name) throws -> Node? {
            try entries().first { $0.name == name }?.node
        }
    }
}
