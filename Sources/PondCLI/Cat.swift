import ArgumentParser
import Foundation
import Pond

struct Cat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        _superCommandName: "pond",
        abstract: "Write files' bytes to standard output, one after another.",
        discussion: """
            PATHs may be globs (* ? [...] **): each glob's matches in bytewise order; a \
            glob that matches nothing is an error. Symlinks are followed.

            Examples:
              pond cat /data/readings.csv --at 3
              pond cat '/data/*.csv' > all.csv
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @Argument(help: ArgumentHelp("The files to print (paths or globs).", valueName: "path"), completion: PondPathCompletion.kind)
    var paths: [String]

    func run() throws {
        let pond = try pond.open()
        try pond.read(at: try at.version(in: pond)) { fs in
            // Every path is found before a byte goes out: a missing one fails the whole command.
            for node in try fs.root.selectEach(paths) {
                try fs.root.read(node.path.description) { try HostIO.writeAll($0, to: STDOUT_FILENO, path: "standard output") }
            }
        }
    }
}
