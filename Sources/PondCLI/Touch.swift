import ArgumentParser
import Pond

struct Touch: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "touch",
        _superCommandName: "pond",
        abstract: "Create empty files; give existing ones a new version and time.",
        discussion: """
            Example:
              pond touch /data/marker
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The files to touch.")
    var paths: [String]

    func apply(to fs: FS) throws {
        for path in paths { try fs.root.touch(path) }
    }
}
