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

/// A command that changes the pond: run alone it is one transaction and one
/// version; `pond batch` runs several in one.
protocol MutatingCommand: ParsableCommand {
    var pond: PondOptions { get }
    /// Makes the command's changes inside the caller's transaction.
    func apply(to fs: FS) throws
}

extension MutatingCommand {
    func run() throws {
        try pond.open().write(message: commandLine()) { try apply(to: $0) }
    }
}
