import ArgumentParser
import Foundation
import Pond

struct Sql: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        _superCommandName: "pond",
        abstract: "Run one read-only SQL statement over the pond's views and tables.",
        discussion: """
            With --at V the views mean the tree as of version V. Node ids are integers, \
            types 'file', 'directory' or 'symlink', times ISO-8601 UTC.

            Views (and their columns):
              transactions     one row per version: version, time, command
              entries          the directory entries:
                                 parent_id, name, child_id, type, version
              entries_history  every entry that ever existed:
                                 ..., valid_from, valid_to (NULL: still there)
              nodes            one row per node and version of its content:
                                 node_id, type, version, size
              paths            every path below the root: path, node_id, type
              paths_history    every path's stretches of existence:
                                 path, node_id, type, valid_from, valid_to
              changes          what each version added, removed or modified:
                                 version, path, change, node_id, type
              file_contents    each file version: node_id, version, size, sha256,
                                 content (the bytes, up to one chunk)
              file_chunks      each file version's pieces, in offset order:
                                 node_id, version, offset, data
              horizon          one row: the version the views read at
            Tables: log (one row per change), versions (one row per commit), chain \
            (each version's hash), chunks, content_chunks, pruned, appends, derived. \
            Read-only PRAGMAs (table_info, index_list, ... and their pragma_* functions) \
            work too.

            The pond's files are tables too: a double-quoted pond path or glob of .csv, \
            .tsv, .jsonl or .ndjson files (also compressed: .csv.gz, .csv.zst, ...) and \
            .parquet files is that file as of --at ("/sensors/a.csv", \
            "/sensors/*.csv": the union of the matches, columns by name). Columns come \
            from the header (JSON Lines: every key; Parquet: its schema), typed INTEGER, \
            REAL or TEXT over the whole file (Parquet: timestamps and dates as ISO-8601 \
            text, decimals REAL, binary BLOB, nested columns JSON text), an empty field (or NA, N/A, NaN, nan, null, NULL, None, - in a \
            column of numbers) NULL; hidden columns _version (the version that \
            wrote, or appended, the row) and, for a glob, _path. Derived files \
            (pond mknod sql) are tables as well.

            Nothing can be changed: the statement runs on a read-only connection, and \
            every action but reading (writes, ATTACH, BEGIN/COMMIT/SAVEPOINT, a PRAGMA \
            that sets a value, load_extension) is denied.

            Examples:
              pond sql "SELECT path, type FROM paths ORDER BY path"
              pond sql "SELECT * FROM entries WHERE parent_id = 0" --at 3 --format json
              pond sql 'SELECT station, avg(temp) FROM "/sensors/*.csv" GROUP BY station' --at 7
              pond sql 'SELECT _version, count(*) FROM "/sensors/a.csv" GROUP BY _version'
            """)

    typealias Format = ResultFormat

    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @Option(help: "Output format: table (columns sized from the first 1,000 rows), csv, json (an array of objects, keys in the SELECT's order), jsonl (one object a line), parquet (binary, to a file or a pipe: INTEGER INT64, REAL DOUBLE, TEXT STRING, a time column of ISO-8601 text TIMESTAMP).")
    var format: Format = .table
    @Argument(help: "The SQL statement (exactly one).")
    var query: String

    func run() throws {
        let opened = try pond.open()
        try opened.query(query, at: try at.version(in: opened), into: try Sql.writer(format))
    }

    /// A writer of a result in `format` to standard output, as the rows come.
    /// Parquet is binary: it goes to a file or a pipe, never to a terminal.
    static func writer(_ format: Format) throws -> ResultWriter {
        if format == .parquet, isatty(STDOUT_FILENO) != 0 {
            throw ValidationError("--format parquet writes binary: redirect it to a file (> result.parquet) or a pipe")
        }
        return ResultWriter(format: format) { try HostIO.writeAll($0, to: STDOUT_FILENO, path: "standard output") }
    }
}

extension ResultFormat: ExpressibleByArgument {}
