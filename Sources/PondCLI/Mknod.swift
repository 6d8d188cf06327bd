import ArgumentParser
import Pond

struct Mknod: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "mknod",
        _superCommandName: "pond",
        abstract: "Create a dynamic directory or a derived file, computed on every read at the version read.",
        discussion: """
            Kinds:
              visit PATH GLOB    a directory of every match of GLOB, each named by the
                                 glob's captures joined with _ (DuckPond's visitors)
              reverse PATH DIR   DIR mirrored: names and bytes reversed
              sql PATH QUERY     a derived file: QUERY's result (pond sql's tables:
                                 "/path.csv", globs, other derived files), as CSV
                                 with a header, JSON Lines for a name ending in
                                 .jsonl, Parquet for .parquet; it is a table itself
            The definition is stored in the log (a directory's mkdir row, a derived \
            file's content); what it holds is computed when read, at the version read, \
            so `--at` reads it as it was. Neither can be written into. A derived file's \
            query is checked when it is made: one read-only statement, over tables \
            that exist, not reading itself (directly or through other derived files). \
            --replace gives an existing derived file a new query, as a new version of \
            the same file.

            Examples:
              pond mknod visit /by-station '/sensors/*/temp.csv'
              pond list /by-station/ --at 12
              pond mknod sql /derived/daily.csv \\
                'SELECT station, substr(time, 1, 10) AS day, avg(temp) AS temp FROM "/sensors/*.csv" GROUP BY 1, 2'
              pond cat /derived/daily.csv --at 7
              pond mknod sql /derived/daily.csv --replace 'SELECT ... max(temp) AS top ...'
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case visit, reverse, sql
    }

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "visit or reverse (a dynamic directory), or sql (a derived file).")
    var kind: Kind
    @Argument(help: "Where to create it.")
    var path: String
    @Argument(help: ArgumentHelp("For visit, the glob; for reverse, the directory mirrored; for sql, the query.", valueName: "argument"))
    var argument: String
    @Flag(help: "Give the derived file at PATH this query instead (sql only).")
    var replace = false

    func validate() throws {
        if replace && kind != .sql { throw ValidationError("--replace redefines a derived file: it goes with sql") }
    }

    func apply(to fs: FS) throws {
        switch kind {
        case .visit: try fs.root.mkdir(path, dynamic: DynamicSpec(factory: .visit, argument: argument))
        case .reverse: try fs.root.mkdir(path, dynamic: DynamicSpec(factory: .reverse, argument: argument))
        case .sql: try fs.root.makeDerivedFile(path, factory: .sql, definition: argument, replace: replace)
        }
    }
}
