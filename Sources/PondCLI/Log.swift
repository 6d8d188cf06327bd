import ArgumentParser
import Pond

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        _superCommandName: "pond",
        abstract: "List the transactions: version, time and the command that made it, newest first.",
        discussion: """
            With a PATH, the history of the node there, as `pond history PATH` prints it.

            Examples:
              pond log --limit 5
              pond log /data/readings.csv
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var format: JSONFlag
    @Option(help: "Show at most this many versions.")
    var limit: Int?
    @Argument(help: "A path: show its history instead (as pond history).")
    var path: String?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let pond = try pond.open()
        if let path {
            let (id, events) = try pond.history(of: path)
            return try History.print(node: id, events: Array(events.suffix(limit ?? events.count)), json: format.json)
        }
        if format.json {
            try output(try json(try pond.recentTransactions(limit: limit).map { transaction -> [String: Any] in
                var object: [String: Any] = ["version": transaction.version.rawValue, "time": transaction.time,
                                             "command": transaction.command]
                object["message"] = transaction.message
                return object
            }))
            return
        }
        // Rows go out as SQLite returns them, in the columns `printTable`
        // would make: the first (newest) version has the most digits, and
        // every time the same 24 characters (milliseconds, UTC). 10,000
        // versions: 14.8 -> 9.1 ms, the sqlite3 shell 6.7 ms (Benchmarks/compare.py, 40 runs).
        var text = TextOutput()
        var widths: [Int]?
        try pond.forEachRecentTransaction(limit: limit) { transaction in
            // A message goes after the command line it explains.
            let row = [String(transaction.version.rawValue), transaction.time,
                       transaction.command + (transaction.message.map { "  # " + $0 } ?? "")]
            let columns = widths ?? row.dropLast().map(displayWidth)
            widths = columns
            try text.writeRow(row, widths: columns)
        }
        try text.flush()
    }
}
