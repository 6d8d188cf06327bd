import ArgumentParser
import Pond

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        _superCommandName: "pond",
        abstract: "List the transactions: version, time and the command that made it, newest first.",
        discussion: """
            Example:
              pond log --limit 5
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var format: JSONFlag
    @Option(help: "Show at most this many versions.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let transactions = try pond.open().recentTransactions(limit: limit)
        if format.json {
            try output(try json(transactions.map {
                ["version": $0.version.rawValue, "time": $0.time, "command": $0.command] as [String: Any]
            }))
        } else {
            try printTable(transactions.map { [String($0.version.rawValue), $0.time, $0.command] })
        }
    }
}
