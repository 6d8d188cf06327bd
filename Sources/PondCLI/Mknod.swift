import ArgumentParser
import Pond

struct Mknod: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "mknod",
        _superCommandName: "pond",
        abstract: "Create a dynamic directory, computed on every read at the version read.",
        discussion: """
            Kinds:
              visit PATH GLOB    a directory of every match of GLOB, each named by the
                                 glob's captures joined with _ (DuckPond's visitors)
              reverse PATH DIR   DIR mirrored: names and bytes reversed
            The definition is stored in the log as the directory's mkdir row; what it \\
            lists is computed when read, at the version read, so `--at` reads it as it \\
            was. A dynamic directory cannot be written into.

            Examples:
              pond mknod visit /by-station '/sensors/*/temp.csv'
              pond list /by-station/ --at 12
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case visit, reverse
    }

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "What kind of dynamic directory.")
    var kind: Kind
    @Argument(help: "Where to create it.")
    var path: String
    @Argument(help: ArgumentHelp("For visit, the glob; for reverse, the directory mirrored.", valueName: "argument"))
    var argument: String

    func apply(to fs: FS) throws {
        let factory: DynamicSpec.Factory = switch kind {
        case .visit: .visit
        case .reverse: .reverse
        }
        try fs.root.mkdir(path, dynamic: DynamicSpec(factory: factory, argument: argument))
    }
}
