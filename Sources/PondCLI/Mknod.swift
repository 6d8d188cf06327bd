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
              sql PATH QUERY     a file whose bytes are QUERY's result as CSV with a
                                 header (pond sql's tables: "/path.csv", globs, other
                                 derived files); name it .csv to read it as a table
            The definition is stored in the log (a directory's mkdir row, a derived \
            file's content); what it holds is computed when read, at the version read, \
            so `--at` reads it as it was. Neither can be written into.

            Examples:
              pond mknod visit /by-station '/sensors/*/temp.csv'
              pond list /by-station/ --at 12
              pond mknod sql /derived/daily.csv \\
                'SELECT station, substr(time, 1, 10) AS day, avg(temp) AS temp FROM "/sensors/*.csv" GROUP BY 1, 2'
              pond cat /derived/daily.csv --at 7
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case visit, reverse, sql
    }

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "What kind of dynamic directory.")
    var kind: Kind
    @Argument(help: "Where to create it.")
    var path: String
    @Argument(help: ArgumentHelp("For visit, the glob; for reverse, the directory mirrored; for sql, the query.", valueName: "argument"))
    var argument: String

    func apply(to fs: FS) throws {
        switch kind {
        case .visit: try fs.root.mkdir(path, dynamic: DynamicSpec(factory: .visit, argument: argument))
        case .reverse: try fs.root.mkdir(path, dynamic: DynamicSpec(factory: .reverse, argument: argument))
        case .sql: try fs.root.makeDerivedFile(path, factory: .sql, definition: argument)
        }
    }
}
