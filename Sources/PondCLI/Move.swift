import ArgumentParser
import Pond

struct Move: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "mv",
        _superCommandName: "pond",
        abstract: "Rename or move a path; the node keeps its identity and history.",
        discussion: """
            An existing directory as DEST receives SRC inside it; an existing file as DEST \
            is replaced (its history stays in the log).

            Example:
              pond mv /data/a.csv /archive/
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The path to move.")
    var source: String
    @Argument(help: "Its new path, or a directory to move it into.")
    var destination: String

    func apply(to fs: FS) throws {
        try fs.root.move(source, to: destination)
    }
}
