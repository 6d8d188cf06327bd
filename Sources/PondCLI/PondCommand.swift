import ArgumentParser
import Foundation
import Pond

/// `pond`: the command line for a pond file.
@main
struct PondCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pond",
        abstract: "A versioned file store in one SQLite file: every change is kept, every version readable.",
        discussion: """
            The pond file is --pond PATH, else $POND, else ./pond.db. Pond paths are absolute \
            (/a/b); a relative path means the same path under /. Every read command takes \
            --at VERSION or --at TIME (ISO-8601) to read the tree as it was.

            Example:
              pond init && pond mkdir /data && pond copy readings.csv /data/
              pond list --long && pond cat /data/readings.csv --at 3
            """,
        subcommands: [
            Init.self, Mkdir.self, Copy.self, Cat.self, List.self, Touch.self, Remove.self, Move.self,
            Link.self, Show.self, Log.self, Status.self, Diff.self, History.self, Describe.self,
            Sql.self, Fsck.self, Batch.self,
        ]
    )

    /// Runs the command line, accepting `--pond PATH` before the subcommand
    /// as well as after it: a leading `--pond` is moved behind the
    /// subcommand's name, where the subcommand's own option parses it.
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var leading: [String] = []
        while let first = arguments.first, first == "--pond" || first.hasPrefix("--pond=") {
            leading.append(arguments.removeFirst())
            if first == "--pond", !arguments.isEmpty { leading.append(arguments.removeFirst()) }
        }
        if !leading.isEmpty, !arguments.isEmpty {
            arguments.insert(contentsOf: leading, at: 1)
        } else {
            arguments.insert(contentsOf: leading, at: 0)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
