import ArgumentParser
import Foundation
import Pond

struct Cat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        _superCommandName: "pond",
        abstract: "Write files' bytes to standard output, one after another.",
        discussion: """
            PATHs may be globs (* ? [...] **): each glob's matches in bytewise order; a \
            glob that matches nothing is an error. Symlinks are followed. A derived file \
            (pond mknod sql) is computed at the version read.

            With --sql QUERY, the one PATH (a .csv, .tsv, .jsonl or .ndjson file, or a glob \
            of them) is the table `source` of QUERY, which runs as pond sql runs it; the \
            result is written as --format (csv by default, with a header).

            Examples:
              pond cat /data/readings.csv --at 3
              pond cat '/data/*.csv' > all.csv
              pond cat /data/readings.csv --sql 'SELECT station, max(temp) FROM source GROUP BY station'
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @Argument(help: ArgumentHelp("The files to print (paths or globs).", valueName: "path"), completion: PondPathCompletion.kind)
    var paths: [String]
    @Option(help: ArgumentHelp("Run this SQL query with the file as the table `source`, and print its result.", valueName: "query"))
    var sql: String?
    @Option(help: "With --sql: the result's format (default: csv).")
    var format: Sql.Format?

    func validate() throws {
        if sql == nil && format != nil { throw ValidationError("--format applies to the result of --sql") }
        if sql != nil && paths.count != 1 { throw ValidationError("--sql reads one file (or one glob) as the table source; \(paths.count) were given") }
    }

    func run() throws {
        let pond = try pond.open()
        if let sql {
            return try pond.query(sql, at: try at.version(in: pond), source: paths[0], into: try Sql.writer(format ?? .csv))
        }
        try pond.read(at: try at.version(in: pond)) { fs in
            // Every path is found before a byte goes out: a missing one fails the whole command.
            for node in try fs.root.selectEach(paths) {
                try fs.root.read(node.path.description) { try HostIO.writeAll($0, to: STDOUT_FILENO, path: "standard output") }
            }
        }
    }
}

extension Cat {
    /// Answers a plain `pond cat PATH... [--at V] [--pond P]` line
    /// (`arguments`, without the program name) before any parsing, when
    /// `Pond.readSmallFiles` can read its files (a few small files, the
    /// commonest `cat`); false, having written nothing, when it cannot, and
    /// the line is then parsed and run as usual. Building `Cat` alone (its
    /// property wrappers) would cost such a command a tenth of its time.
    static func answerBeforeParsing(_ arguments: [String]) throws -> Bool {
        guard let line = DirectParse.catLine(arguments),
              let contents = Pond.readSmallFiles(in: PondOptions.resolve(line.pond), paths: line.paths, at: line.at)
        else { return false }
        for bytes in contents {
            try bytes.withUnsafeBytes { try HostIO.writeAll($0, to: STDOUT_FILENO, path: "standard output") }
        }
        return true
    }
}
