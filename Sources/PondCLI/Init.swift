import ArgumentParser
import Pond

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        _superCommandName: "pond",
        abstract: "Create a new pond (version 1: the empty root directory).",
        discussion: """
            Refuses to touch an existing file.

            Example:
              pond init --pond data.pond
            """)

    @OptionGroup var pond: PondOptions

    func run() throws {
        _ = try pond.create(message: commandLine())
    }
}
