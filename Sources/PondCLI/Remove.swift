import ArgumentParser
import Pond

struct Remove: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        _superCommandName: "pond",
        abstract: "Remove files, symlinks and empty directories; history keeps them.",
        discussion: """
            Example:
              pond rm -r /old      # the tree below /old too; pond cat /old/x --at V still reads it
            """)

    @OptionGroup var pond: PondOptions
    @Flag(name: [.customShort("r"), .long], help: "Remove non-empty directories and everything below them.")
    var recursive = false
    @Argument(help: "The paths to remove.")
    var paths: [String]

    func apply(to fs: FS) throws {
        for path in paths { try fs.root.remove(path, recursive: recursive) }
    }
}
