import ArgumentParser
import Pond

struct Touch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create empty files; give existing ones a new version and time.",
        discussion: """
            Example:
              pond touch /data/marker
            """)

    @OptionGroup var pond: PondOptions
    @Argument(help: "The files to touch.")
    var paths: [String]

    func run() throws {
        try pond.open().write(message: commandLine()) { fs in
            for path in paths { try fs.root.touch(path) }
        }
    }
}
