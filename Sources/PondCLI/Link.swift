import ArgumentParser
import Pond

struct Link: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "ln",
        _superCommandName: "pond",
        abstract: "Create a symlink (-s is required: a pond has no hard links).",
        discussion: """
            The target is any string and need not exist; a relative target is resolved \
            against the symlink's directory.

            Example:
              pond ln -s ../2026/11/readings.csv /latest/readings.csv
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Flag(name: .customShort("s"), help: "Make a symbolic link (required).")
    var symbolic = false
    @Flag(name: .customShort("f"), help: "Replace a symlink or file at PATH, in the same version (a symlink keeps its history).")
    var force = false
    @Argument(help: "What the symlink points to.")
    var target: String
    @Argument(help: "Where the symlink is created.")
    var path: String

    func validate() throws {
        guard symbolic else { throw ValidationError("pond ln needs -s: a pond has symbolic links only, no hard links") }
    }

    func apply(to fs: FS) throws {
        try fs.root.symlink(target, at: path, replacing: force)
    }
}
