import ArgumentParser
import Foundation
import Pond

struct Cat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        _superCommandName: "pond",
        abstract: "Write a file's bytes to standard output.",
        discussion: """
            Example:
              pond cat /data/readings.csv --at 3
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @Argument(help: "The file to print.")
    var path: String

    func run() throws {
        let pond = try pond.open()
        try pond.read(at: try at.version(in: pond)) { fs in
            try fs.root.read(path) { try HostIO.writeAll($0, to: STDOUT_FILENO, path: "standard output") }
        }
    }
}
