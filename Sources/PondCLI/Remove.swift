import ArgumentParser
import Pond

struct Remove: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        _superCommandName: "pond",
        abstract: "Remove files, symlinks and empty directories; history keeps them.",
        discussion: """
            PATHs may be globs (* ? [...] **); a glob that matches nothing is an error, \
            and nothing is removed. All of it is one version.

            Examples:
              pond rm -r /old      # the tree below /old too; pond cat /old/x --at V still reads it
              pond rm '/tmp/*.csv'
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Flag(name: [.customShort("r"), .long], help: "Remove non-empty directories and everything below them.")
    var recursive = false
    @Argument(help: "The paths or globs to remove.", completion: PondPathCompletion.kind)
    var paths: [String]

    func apply(to fs: FS) throws {
        try fs.root.remove(matching: paths, recursive: recursive)
    }
}
