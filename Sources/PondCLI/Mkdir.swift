import ArgumentParser
import Pond

struct Mkdir: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "mkdir",
        _superCommandName: "pond",
        abstract: "Create directories, all in one new version.",
        discussion: """
            Example:
              pond mkdir -p /sensors/2026/11
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Flag(name: .shortAndLong, help: "Create missing parents too, and accept directories that exist.")
    var parents = false
    @Argument(help: "The directories to create.")
    var paths: [String]

    func apply(to fs: FS) throws {
        for path in paths { try fs.root.mkdir(path, parents: parents) }
    }
}
