import ArgumentParser
import Pond

struct Mknod: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "mknod",
        _superCommandName: "pond",
        abstract: "Create a dynamic directory, a derived file or a rollup, computed on every read at the version read.",
        discussion: """
            Kinds:
              visit PATH GLOB    a directory of every match of GLOB, each named by the
                                 glob's captures joined with _ (DuckPond's visitors)
              reverse PATH DIR   DIR mirrored: names and bytes reversed
              sql PATH QUERY     a derived file: QUERY's result (pond sql's tables:
                                 "/path.csv", globs, other derived files), as CSV
                                 with a header, JSON Lines for a name ending in
                                 .jsonl, Parquet for .parquet; it is a table itself
              reduce DIR SOURCE --every 1h,6h,1d [--agg avg,min,max,count]
                     [--columns a,b] [--time COLUMN]
                                 a directory with a table per resolution (res=1h.csv,
                                 ...): a row per time bucket (time: its start, in
                                 _time's form) with each aggregate of each numeric
                                 column (temp_avg, temp_max, ...); a glob SOURCE
                                 gives a subdirectory per match, named by its captures
              join PATH A=SOURCE B=SOURCE ... [--time COLUMN]
                                 a table: a full outer join on the time, every other
                                 column named SCOPE.column (A.temp, B.temp)
              pivot PATH GLOB --column COLUMN [--time COLUMN]
                                 a table: COLUMN of every match side by side on the
                                 time, a column per match named by its captures
            Resolutions: a number and s, m, h, d or w (1m, 15m, 1h, 6h, 1d, 7d); buckets \
            start at 1970-01-01 UTC, weeks on a Monday. Aggregates: avg, min, max, count, \
            sum, median, stddev, first, last. The time is the source's time column (named \
            timestamp, time, ts, datetime, event_time or date) unless --time names one.

            The definition is stored in the log (a directory's mkdir row, a derived \
            file's content); what it holds is computed when read, at the version read, \
            so `--at` reads it as it was. None can be written into. Each is checked when \
            it is made: a query is one read-only statement over tables that exist, not \
            reading itself (directly or through other derived files); a rollup's sources \
            resolve, its columns exist and its resolutions parse. --replace gives an \
            existing derived file a new query, as a new version of the same file.

            Examples:
              pond mknod visit /by-station '/sensors/*/temp.csv'
              pond list /by-station/ --at 12
              pond mknod sql /derived/daily.csv \\
                'SELECT station, substr(time, 1, 10) AS day, avg(temp) AS temp FROM "/sensors/*.csv" GROUP BY 1, 2'
              pond cat /derived/daily.csv --at 7
              pond mknod sql /derived/daily.csv --replace 'SELECT ... max(temp) AS top ...'
              pond mknod reduce /rollups '/sensors/*.csv' --every 1h,1d
              pond cat /rollups/north/res=1h.csv
              pond mknod join /both.csv N=/sensors/north.csv S=/sensors/south.csv
              pond mknod pivot /temps.csv '/sensors/*.csv' --column temp
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case visit, reverse, sql, reduce, join, pivot
    }

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "visit, reverse or reduce (a dynamic directory); sql, join or pivot (a derived file).")
    var kind: Kind
    @Argument(help: "Where to create it.")
    var path: String
    @Argument(help: ArgumentHelp("For visit, the glob; for reverse, the directory mirrored; for sql, the query; for reduce and pivot, the source; for join, SCOPE=SOURCE for each input.",
                                 valueName: "argument"))
    var arguments: [String] = []
    @Flag(help: "Give the derived file at PATH this query instead (sql only).")
    var replace = false
    @Option(help: ArgumentHelp("reduce: the resolutions, e.g. 1h,6h,1d.", valueName: "list"))
    var every: String?
    @Option(help: ArgumentHelp("reduce: the aggregates (default avg,min,max,count).", valueName: "list"))
    var agg: String?
    @Option(help: ArgumentHelp("reduce: the columns aggregated (default: every numeric one).", valueName: "list"))
    var columns: String?
    @Option(help: ArgumentHelp("reduce, join, pivot: the time column, when it is not found by its name.", valueName: "column"))
    var time: String?
    @Option(help: ArgumentHelp("pivot: the column taken from every match.", valueName: "column"))
    var column: String?

    func validate() throws {
        if replace && kind != .sql { throw ValidationError("--replace redefines a derived file: it goes with sql") }
        switch kind {
        case .join:
            if arguments.count < 2 { throw ValidationError("join takes two inputs or more: SCOPE=SOURCE SCOPE=SOURCE") }
            for input in arguments where !input.contains("=") || input.hasPrefix("=") {
                throw ValidationError("a join's input is SCOPE=SOURCE, not '\(input)'")
            }
        default:
            if arguments.count != 1 { throw ValidationError("\(kind.rawValue) takes one argument after PATH, not \(arguments.count)") }
        }
        if kind == .reduce && every == nil { throw ValidationError("reduce needs --every (e.g. --every 1h,1d)") }
        if kind == .pivot && column == nil { throw ValidationError("pivot needs --column") }
        let allowed: [Kind: [String]] = [.reduce: ["every", "agg", "columns", "time"], .join: ["time"], .pivot: ["column", "time"]]
        let given = [("every", every), ("agg", agg), ("columns", columns), ("time", time), ("column", column)].filter { $0.1 != nil }.map(\.0)
        for option in given where !(allowed[kind] ?? []).contains(option) {
            throw ValidationError("--\(option) does not go with \(kind.rawValue)")
        }
        for value in arguments + [every, agg, columns, time, column].compactMap({ $0 }) where value.contains("\n") && kind != .sql {
            throw ValidationError("a rollup's settings are one line each")
        }
    }

    /// The rollup's definition, from the arguments and options.
    var rollup: RollupDefinition {
        var definition = RollupDefinition()
        let list = { (text: String?) in text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [] }
        switch kind {
        case .join:
            definition.inputs = arguments.map { input in
                let equals = input.firstIndex(of: "=")!
                return (String(input[..<equals]), String(input[input.index(after: equals)...]))
            }
        default:
            definition.source = arguments.first
        }
        definition.every = list(every)
        definition.aggregates = list(agg)
        definition.columns = list(columns)
        definition.time = time
        definition.column = column
        return definition
    }

    func apply(to fs: FS) throws {
        let argument = arguments.first ?? ""
        switch kind {
        case .visit: try fs.root.mkdir(path, dynamic: DynamicSpec(factory: .visit, argument: argument))
        case .reverse: try fs.root.mkdir(path, dynamic: DynamicSpec(factory: .reverse, argument: argument))
        case .sql: try fs.root.makeDerivedFile(path, factory: .sql, definition: argument, replace: replace)
        case .reduce:
            try fs.root.mkdir(path, dynamic: DynamicSpec(factory: .reduce, argument: rollup.text))
            if try fs.root.checkComputedFiles(under: path) == 0 {
                throw PondError.badDefinition(path: path, reason: "\(argument) matches no table to reduce")
            }
        case .join: try fs.root.makeDerivedFile(path, factory: .join, definition: rollup.text)
        case .pivot: try fs.root.makeDerivedFile(path, factory: .pivot, definition: rollup.text)
        }
    }
}
