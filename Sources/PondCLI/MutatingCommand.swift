import ArgumentParser
import Foundation
import Pond

/// The command line that made a version, as `pond log` shows it.
func commandLine() -> String {
    (["pond"] + CommandLine.arguments.dropFirst()).map { argument in
        argument.isEmpty || argument.contains(where: { " \t\n'\"\\$".contains($0) })
            ? "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
            : argument
    }.joined(separator: " ")
}

/// `-m MESSAGE` and `-q`: what every command that writes takes.
struct WriteOptions: ParsableArguments {
    @Option(name: [.customShort("m"), .long], help: ArgumentHelp("Why: kept with the version, beside the command line (pond log shows both).",
                                                                 valueName: "message"))
    var message: String?
    @Flag(name: [.customShort("q"), .long], help: "Print nothing on standard error about the version made.")
    var quiet = false

    /// Tells the version made, on standard error, when a person is looking
    /// (standard error is a terminal) and `-q` was not given; scripts see nothing.
    func report(_ version: Version?) { WriteOptions.report(version, quiet: quiet) }

    /// `report` for a `-q` given or not.
    static func report(_ version: Version?, quiet: Bool) {
        guard !quiet, isatty(STDERR_FILENO) == 1 else { return }
        printError(version.map { "pond: version \($0)\n" } ?? "pond: nothing changed, no version made\n")
    }
}

/// A command that changes the pond: run alone it is one transaction and one
/// version; `pond batch` runs several in one.
protocol MutatingCommand: ParsableCommand {
    var pond: PondOptions { get }
    var write: WriteOptions { get }
    /// Makes the command's changes inside the caller's transaction.
    func apply(to fs: FS) throws
}

extension MutatingCommand {
    func run() throws {
        let (_, version) = try pond.open().commit(message: commandLine(), note: write.message) { try apply(to: $0) }
        write.report(version)
    }
}
