import OpLog
import Tabular

/// What the pages of a site read from a pond, at one version. Pond answers
/// it (Pond+Site.swift) with the log's own value types (history, versions,
/// changes, query values); Site asks only these questions, so it can be
/// tested over a source of its own.
public protocol SiteSource {
    /// The version the pages show.
    var version: Int64 { get }
    /// The newest version of the pond.
    var head: Int64 { get }
    /// The node at `path`; nil if nothing is there.
    func info(_ path: String) throws -> SiteNode?
    /// The entries of the directory at `path`, sorted by name.
    func list(_ path: String) throws -> [SiteNode]
    /// The columns of a table (a path or glob) and their types, as its queries see them.
    func columns(_ table: String) throws -> [(name: String, type: ColumnType)]
    /// The paths a glob matches, sorted.
    func glob(_ pattern: String) throws -> [String]
    /// The first `limit` bytes of the file at `path`, and whether that was all of it.
    func read(_ path: String, limit: Int) throws -> (bytes: [UInt8], complete: Bool)
    /// Writes the bytes of the file at `path` to the host file `file`, piece by piece.
    func copy(_ path: String, to file: String) throws
    /// Every version that changed the node at `path`, oldest first.
    func history(_ path: String) throws -> [NodeEvent]
    /// The newest `limit` versions up to `version`, newest first.
    func versions(limit: Int) throws -> [Transaction]
    /// The paths that differ between version `from` and `version`.
    func changes(from: Int64) throws -> [PathChange]
    /// The unified line diff of the text file at `path` from version `from` to `version`; nil for bytes that are not text or too large.
    func diff(_ path: String, from: Int64) throws -> [String]?
    /// Runs a read-only SQL statement at `version`, gathering at most
    /// `rowLimit` rows, stopped after `timeLimit` seconds.
    func query(_ sql: String, rowLimit: Int, timeLimit: Double?) throws -> SiteResult
    /// Writes the result of `sql` to the host file `file` in `format` (`csv`, `parquet`).
    func export(_ sql: String, format: String, to file: String) throws
    /// The earliest and latest time of a table or glob of tables (microseconds since the epoch), when known without a scan.
    func timeRange(_ source: String) throws -> (low: Int64, high: Int64)?
    /// The reduce tables computed from `source` (a path or glob as a rollup names it).
    func rollups(of source: String) throws -> [SiteRollup]
}

/// A node as the tree pages show it.
public struct SiteNode: Sendable, Equatable {
    public enum Kind: String, Sendable { case file, directory, symlink }
    public var name: String
    public var path: String
    public var kind: Kind
    /// The size of a stored file (nil for a derived file: it is computed when read).
    public var size: Int64?
    /// The version that last changed it (nil for one a dynamic directory makes).
    public var version: Int64?
    /// How a derived file or dynamic directory is made (`sql`, `reduce`, ...).
    public var derived: String?
    /// Its definition, for a derived file or dynamic directory.
    public var definition: String?
    /// A symlink's target.
    public var target: String?
    /// A table's time range, as ISO-8601 text.
    public var timeRange: (String, String)?

    public init(name: String, path: String, kind: Kind, size: Int64? = nil, version: Int64? = nil, derived: String? = nil,
                definition: String? = nil, target: String? = nil, timeRange: (String, String)? = nil) {
        self.name = name
        self.path = path
        self.kind = kind
        self.size = size
        self.version = version
        self.derived = derived
        self.definition = definition
        self.target = target
        self.timeRange = timeRange
    }

    public static func == (a: SiteNode, b: SiteNode) -> Bool {
        a.name == b.name && a.path == b.path && a.kind == b.kind && a.size == b.size && a.version == b.version
            && a.derived == b.derived && a.definition == b.definition && a.target == b.target
            && a.timeRange?.0 == b.timeRange?.0 && a.timeRange?.1 == b.timeRange?.1
    }
}

/// A value of a query's result, as the pages use it.
extension SQLValue {
    /// As a cell shows it.
    var cellText: String {
        switch self {
        case .null: return ""
        case .integer(let value): return String(value)
        case .real(let value): return value.isFinite ? String(value) : ""
        case .text(let value): return value
        case .blob(let data): return "(\(data.count) bytes)"
        }
    }

    /// The value as a number, if it is one.
    var number: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .real(let value): return value.isFinite ? value : nil
        default: return nil
        }
    }
}

/// A query's result, perhaps cut at its row limit.
public struct SiteResult: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[SQLValue]]
    /// Whether rows were left out at the row limit.
    public var truncated: Bool

    public init(columns: [String], rows: [[SQLValue]], truncated: Bool) {
        self.columns = columns
        self.rows = rows
        self.truncated = truncated
    }
}

/// One reduce table of a series: its resolution and path.
public struct SiteRollup: Sendable, Equatable {
    /// The bucket width, in microseconds.
    public var micros: Int64
    /// The reduce table's pond path (`/rollups/res=1h.csv`).
    public var path: String
    /// The aggregates it has, per column (`temp` -> [`min`, `max`, ...]).
    public var aggregates: [String]

    public init(micros: Int64, path: String, aggregates: [String]) {
        self.micros = micros
        self.path = path
        self.aggregates = aggregates
    }
}
