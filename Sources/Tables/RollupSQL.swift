import Tabular
import TinyFS

/// The SQL of a rollup (DESIGN.md, "Rollups: reduce, join, pivot"): each is
/// a query over the pond's tables, made from its definition and the columns
/// of what it reads, and run as a derived file's query is.
public enum RollupSQL {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// A column of a table: its name and type.
    public typealias Column = (name: String, type: ColumnType)

    /// One reduce table: a row per time bucket of `definition.every[0]`
    /// (its start, in `_time`'s form, as `time`), with each aggregate of each
    /// numeric column (`temp_avg`, `temp_max`, ...), oldest first.
    /// With `window`, only the rows whose `_time` is in it, from its start
    /// up to its end (the buckets an append touched, computed again).
    public static func reduce(_ definition: RollupDefinition, columns: [Column], window: (from: String, to: String)? = nil) throws -> String {
        try reduce(definition, columns: columns, window: window, byBucket: false)
    }

    /// `reduce`'s rows grouped by the table's hidden `_bucket` (of
    /// `_every`'s width), which a series in time order gives in bucket
    /// order, so that SQLite aggregates the rows as they come instead of
    /// sorting them all first. Its scan stops with `TableRowsOutOfOrder` at
    /// a row in an earlier bucket than the one before; `reduce`'s query then
    /// gives the same result (SQLite's sort keeps the rows of a bucket in
    /// their order, so each aggregate sees the same values in the same
    /// order). Nil when the time is a column named in the definition
    /// (`_bucket` follows the column `_time` is made from).
    public static func reduceInTimeOrder(_ definition: RollupDefinition, columns: [Column], window: (from: String, to: String)? = nil) throws -> String? {
        guard definition.time == nil, TimeColumn.index(in: columns.map(\.name)) != nil else { return nil }
        return try reduce(definition, columns: columns, window: window, byBucket: true)
    }

    private static func reduce(_ definition: RollupDefinition, columns: [Column], window: (from: String, to: String)?, byBucket: Bool) throws -> String {
        guard let source = definition.source, let resolution = definition.every.first else {
            throw Problem("a reduce needs a source and a resolution")
        }
        guard TimeColumn.width(resolution) != nil else { throw Problem("'\(resolution)' is no resolution (1m, 15m, 1h, 6h, 1d, 7d)") }
        // The time column itself, not `_time`: time_bucket reads ISO text and epoch numbers as `_time` does, without formatting each row twice.
        let time = try definition.time.map { quoted(try column($0, in: columns, of: source)) }
            ?? TimeColumn.index(in: columns.map(\.name)).map { quoted(columns[$0].name) }
            ?? timeExpression(nil, columns: columns, source: source)
        let aggregates = definition.aggregates.isEmpty ? RollupDefinition.defaultAggregates : definition.aggregates
        for aggregate in aggregates where !RollupDefinition.knownAggregates.contains(aggregate) {
            throw Problem("'\(aggregate)' is no aggregate (\(RollupDefinition.knownAggregates.joined(separator: ", ")))")
        }
        let timeName = definition.time ?? TimeColumn.index(in: columns.map(\.name)).map { columns[$0].name }
        let measured: [String]
        if definition.columns.isEmpty {
            measured = columns.filter { ($0.type == .integer || $0.type == .real) && $0.name.lowercased() != timeName?.lowercased() }.map(\.name)
            guard !measured.isEmpty else { throw Problem("\(source) has no numeric column to reduce") }
        } else {
            measured = try definition.columns.map { try column($0, in: columns, of: source) }
        }
        var selected = [byBucket ? "\"_bucket\" AS \"time\"" : "time_bucket(\(time), \(literal(resolution))) AS \"time\""]
        for name in measured {
            for aggregate in aggregates {
                let call = aggregate == "first" || aggregate == "last" ? "\(aggregate)(\(quoted(name)), \(time))" : "\(aggregate)(\(quoted(name)))"
                selected.append("\(call) AS \(quoted("\(name)_\(aggregate)"))")
            }
        }
        var conditions = window.map { ["\"_time\" >= \(literal($0.from))", "\"_time\" < \(literal($0.to))"] } ?? []
        if byBucket { conditions.append("\"_every\" = \(literal(resolution))") }
        let within = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return "SELECT \(selected.joined(separator: ", ")) FROM \(quoted(source))\(within) GROUP BY 1 HAVING \"time\" IS NOT NULL ORDER BY 1"
    }

    /// A full outer join of several series on their time: `time`, then every
    /// other column of each input as `SCOPE.column`, a row per time any input
    /// has, oldest first. Each input is read once.
    public static func join(_ definition: RollupDefinition, columnsOf: (String) throws -> [Column]) throws -> String {
        guard definition.inputs.count >= 2 else { throw Problem("a join needs two inputs or more (A=SOURCE B=SOURCE)") }
        var ctes: [String] = [], selected = ["\"times\".\"time\" AS \"time\""], joins: [String] = []
        for (index, input) in definition.inputs.enumerated() {
            let columns = try columnsOf(input.source)
            let time = try timeExpression(definition.time, columns: columns, source: input.source)
            let timeName = definition.time ?? TimeColumn.index(in: columns.map(\.name)).map { columns[$0].name }
            let others = columns.map(\.name).filter { $0.lowercased() != timeName?.lowercased() }
            let alias = "s\(index)"
            ctes.append("\(alias) AS MATERIALIZED (SELECT \(time) AS \"__time\"\(others.map { ", " + quoted($0) }.joined()) FROM \(quoted(input.source)))")
            selected += others.map { "\(alias).\(quoted($0)) AS \(quoted("\(input.scope).\($0)"))" }
            joins.append("LEFT JOIN \(alias) ON \(alias).\"__time\" = \"times\".\"time\"")
        }
        let times = definition.inputs.indices.map { "SELECT \"__time\" AS \"time\" FROM s\($0) WHERE \"__time\" IS NOT NULL" }.joined(separator: " UNION ")
        return "WITH \(ctes.joined(separator: ", ")), \"times\" AS (\(times)) SELECT \(selected.joined(separator: ", ")) FROM \"times\" \(joins.joined(separator: " ")) ORDER BY 1"
    }

    /// One column of every match of a glob, side by side: `time`, then a
    /// column per match named by its captures, a row per time any has.
    public static func pivot(_ definition: RollupDefinition, matches: [(name: String, path: String)], columnsOf: (String) throws -> [Column]) throws -> String {
        guard let wanted = definition.column else { throw Problem("a pivot needs --column") }
        guard !matches.isEmpty else { throw Problem("\(definition.source ?? "its source") matches no table") }
        var ctes: [String] = [], selected = ["\"times\".\"time\" AS \"time\""], joins: [String] = []
        for (index, match) in matches.enumerated() {
            let columns = try columnsOf(match.path)
            let time = try timeExpression(definition.time, columns: columns, source: match.path)
            let name = try column(wanted, in: columns, of: match.path)
            let alias = "s\(index)"
            ctes.append("\(alias) AS MATERIALIZED (SELECT \(time) AS \"__time\", \(quoted(name)) AS \"v\" FROM \(quoted(match.path)))")
            selected.append("\(alias).\"v\" AS \(quoted(match.name))")
            joins.append("LEFT JOIN \(alias) ON \(alias).\"__time\" = \"times\".\"time\"")
        }
        let times = matches.indices.map { "SELECT \"__time\" AS \"time\" FROM s\($0) WHERE \"__time\" IS NOT NULL" }.joined(separator: " UNION ")
        return "WITH \(ctes.joined(separator: ", ")), \"times\" AS (\(times)) SELECT \(selected.joined(separator: ", ")) FROM \"times\" \(joins.joined(separator: " ")) ORDER BY 1"
    }

    /// The time of a row of `source`: column `named`, or `_time` (its time column found by name).
    private static func timeExpression(_ named: String?, columns: [Column], source: String) throws -> String {
        if let named { return quoted(try column(named, in: columns, of: source)) }
        guard TimeColumn.index(in: columns.map(\.name)) != nil else {
            throw Problem("\(source) has no time column (one named \(TimeColumn.names.joined(separator: ", ")); or give --time COLUMN)")
        }
        return "\"_time\""
    }

    /// Column `name` of `columns` (any case), as the table spells it.
    private static func column(_ name: String, in columns: [Column], of source: String) throws -> String {
        guard let found = columns.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw Problem("\(source) has no column '\(name)' (it has \(columns.map(\.name).joined(separator: ", ")))")
        }
        return found.name
    }

    private static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}

extension TableRegistry {
    /// The columns of the table `definition` makes, with their types (each file read once, if its columns were not kept).
    public static func columns(of definition: TableDefinition) throws -> [RollupSQL.Column] {
        let registry = TableRegistry([definition])
        let index = try registry.add(definition)
        let table = registry.tables[index]
        return Array(zip(table.columns, table.types))
    }
}
