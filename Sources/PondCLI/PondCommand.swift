import ArgumentParser
import Foundation
import Pond

/// `pond`: the command line for a pond file.
@main
struct PondCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pond",
        abstract: "Versioned files, directories and symlinks in one SQLite file: every change is kept, every version readable.",
        discussion: """
            The pond file is --pond PATH, else $POND, else ./pond.db. Pond paths are absolute \
            (/a/b); a relative path means the same path under /. Every read command takes \
            --at VERSION or --at TIME (ISO-8601) to read the tree as it was.

            Example:
              pond init && pond mkdir /data && pond copy readings.csv /data/
              pond list --long && pond cat /data/readings.csv --at 3
            """,
        version: "pond \(Pond.version) (schema \(Pond.schemaVersion))",
        subcommands: commands
    )

    /// Every subcommand. Each names "pond" as its super-command: parsed on
    /// its own (see `parse`), it then skips the completion-script check.
    static let commands: [ParsableCommand.Type] = [
        Init.self, Mkdir.self, Copy.self, Cat.self, List.self, Touch.self, Remove.self, Move.self,
        Link.self, Show.self, Log.self, Status.self, Diff.self, History.self, Describe.self,
        Sql.self, Fsck.self, Batch.self, Backup.self, Prune.self, Restore.self, Mknod.self, Append.self,
        RemoteCommand.self, Push.self, Pull.self, Clone.self, Fetch.self, Verify.self, Apply.self, Run.self,
        SiteCommand.self, Serve.self,
    ]

    /// Parses a command line (without the program name).
    ///
    /// A line that names a subcommand is first parsed by that subcommand
    /// alone, as if it were the root. Through the root, swift-argument-parser
    /// would first try the whole line as two `--generate-completion-script`
    /// commands and then walk the tree of subcommands, most of a short
    /// command's parsing time (README, Benchmarks). Only a line that parses into that subcommand is taken
    /// this way; anything else (help, a mistake) is parsed again through the
    /// root, so that help and errors are exactly those of `pond`
    /// (ParsingTests compare the two).
    static func parse(_ arguments: [String]) throws -> ParsableCommand {
        try DirectParse.command(arguments) ?? parseAlone(arguments) ?? parseAsRoot(arguments)
    }

    /// `arguments` parsed by the subcommand they name, alone; nil if they
    /// name none, ask for help, or do not parse.
    static func parseAlone(_ arguments: [String]) -> ParsableCommand? {
        guard let name = arguments.first,
              let command = commands.first(where: { $0.configuration.commandName == name }),
              let parsed = try? command.parseAsRoot(Array(arguments.dropFirst())),
              type(of: parsed) == command  // not a request for help
        else { return nil }
        return parsed
    }

    /// A usage error in `arguments` that swift-argument-parser would not
    /// report as one, and the command whose usage goes with it; nil if none.
    ///
    /// - `pond help NAME` for a NAME that is no command would print the
    ///   root's help and exit 0.
    /// - A single-dash group such as `-dash.csv` would be read as the short
    ///   flags `-d -a -s -h ...`, and its `h` would print help and exit 0. A
    ///   group that holds a character other than a letter, or an `h` beside
    ///   other letters, is no pond option: it is named as unknown (`--`
    ///   ends the options: `pond copy -- -dash.csv /d` copies the file).
    static func refusedBeforeParsing(_ arguments: [String]) -> (ParsableCommand.Type, ValidationError)? {
        let command = arguments.first.flatMap { name in commands.first { $0.configuration.commandName == name } }
        if arguments.first == "help", arguments.count > 1, !arguments[1].hasPrefix("-"),
           !commands.contains(where: { $0.configuration.commandName == arguments[1] }) {
            return (PondCommand.self, ValidationError("Unknown subcommand '\(arguments[1])' (pond --help lists them)"))
        }
        if let first = arguments.first, !first.hasPrefix("-"), first != "help", command == nil {
            let names = commands.compactMap { $0.configuration.commandName } + ["help"]
            let nearest = names.map { ($0, editDistance(first, $0)) }.min { $0.1 < $1.1 }
            // One slip, or two in a word of four letters or more.
            let close = nearest.map { $0.1 <= 1 || ($0.1 == 2 && first.count >= 4) } ?? false
            let hint = close ? " (did you mean '\(nearest!.0)'?)" : " (pond --help lists them)"
            return (PondCommand.self, ValidationError("Unknown subcommand '\(first)'\(hint)"))
        }
        for argument in arguments.dropFirst().prefix(while: { $0 != "--" }) {
            guard argument.hasPrefix("-"), !argument.hasPrefix("--"), argument.count > 2 else { continue }
            let letters = argument.dropFirst()
            if letters.contains(where: { !$0.isLetter || !$0.isASCII }) || letters.contains("h") {
                return (command ?? PondCommand.self, ValidationError("Unknown option '\(argument)'"))
            }
        }
        return nil
    }

    /// The number of one-character insertions, deletions, substitutions and
    /// swaps of neighbours that make `a` into `b` (so `lsit` is 1 from `list`).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1,
                                  table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }

    /// `arguments` with each `--pond PATH` (or `--pond=PATH`) that comes
    /// before the subcommand's name moved behind it, and for a command of
    /// subcommands (`remote add`), behind the subcommand's own name.
    static func movingPondOption(_ arguments: [String]) -> [String] {
        var moved: [String] = [], names: [String] = []
        var index = 0
        // Up to two names: the subcommand, and for one with subcommands of its own, theirs.
        var nested: [String]? = nil
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--pond" || argument.hasPrefix("--pond=") {
                moved.append(argument)
                if argument == "--pond", index + 1 < arguments.count {
                    moved.append(arguments[index + 1])
                    index += 1
                }
                index += 1
                continue
            }
            if names.isEmpty, let command = commands.first(where: { $0.configuration.commandName == argument }) {
                names.append(argument)
                nested = command.configuration.subcommands.compactMap { $0.configuration.commandName }
                index += 1
                continue
            }
            if names.count == 1, let nested, nested.contains(argument) {
                names.append(argument)
                index += 1
            }
            break
        }
        return names + moved + Array(arguments[index...])
    }

    /// Runs the command line, accepting `--pond PATH` before the subcommand
    /// as well as after it: a leading `--pond` is moved behind the
    /// subcommand's name, where the subcommand's own option parses it.
    static func main() {
        let arguments = movingPondOption(Array(CommandLine.arguments.dropFirst()))
        if isatty(STDERR_FILENO) == 1 {
            // A person is looking: a wait for another writer is not silent.
            Pond.onWaitingForWriter = { path, others in
                printError("pond: waiting for another process writing \(path) to finish"
                           + (others.isEmpty ? "" : " (\(others.joined(separator: "; ")))") + "...\n")
            }
        }
        // A reader that stops reading (`pond cat F | head`) ends the command
        // through a write error (`CLIError.outputClosed`), so that the pond is
        // closed and left one file, not through a signal that kills it first.
        signal(SIGPIPE, SIG_IGN)
        do {
            if try Cat.answerBeforeParsing(arguments) { return }
        } catch CLIError.outputClosed {
            Glibc.exit(141)
        } catch {
            exit(withError: error)
        }
        // A plain copy line runs as its job, without building `Copy` (its property wrappers).
        if let job = DirectParse.copyLine(arguments) { return runToEnd(usage: Copy.self) { try job.run() } }
        // A line DirectParse takes is never one refusedBeforeParsing refuses
        // (its options are the plain ones), and the check looks at every command's configuration.
        let direct = DirectParse.command(arguments)
        if direct == nil, let (command, error) = refusedBeforeParsing(arguments) { usageError(error, of: command) }
        let command: ParsableCommand
        do {
            command = try direct ?? parse(arguments)
        } catch {
            exit(withError: error)
        }
        runToEnd(usage: type(of: command)) {
            var command = command
            try command.run()
        }
    }

    /// Runs a command's `body`, then leaves every pond it opened one file
    /// (`closeOpenPonds`), whether it failed or not; a `ValidationError`
    /// (a check that can run only after parsing, see `CopyJob.checkArguments`)
    /// is reported with the usage of `usage`, any other error as itself.
    static func runToEnd(usage: ParsableCommand.Type, _ body: () throws -> Void) {
        do {
            try body()
            closeOpenPonds()
            // A signal that came after the last read: the command finished, but was asked to stop.
            if Interruption.wasRequested { Glibc.exit(130) }
        } catch CLIError.interrupted {
            closeOpenPonds()
            printError("Error: \(CLIError.interrupted)\n")
            Glibc.exit(130)
        } catch CLIError.outputClosed {
            // As a process that SIGPIPE ended: status 128 + 13, nothing said.
            closeOpenPonds()
            Glibc.exit(141)
        } catch let error as ValidationError {
            closeOpenPonds()
            usageError(error, of: usage)
        } catch {
            closeOpenPonds()
            exit(withError: error)
        }
    }

    /// Reports `error` as swift-argument-parser words a usage error, with
    /// the usage of `command`, and exits with its status (64).
    static func usageError(_ error: ValidationError, of command: ParsableCommand.Type) -> Never {
        let name = command == PondCommand.self ? "pond" : "pond \(command.configuration.commandName!)"
        printError("Error: \(error.message)\nUsage: \(PondCommand.usageString(for: command))\n  See '\(name) --help' for more information.\n")
        Glibc.exit(ExitCode.validationFailure.rawValue)
    }
}
