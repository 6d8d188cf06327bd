import ArgumentParser
import Pond

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        _superCommandName: "pond",
        abstract: "Make paths at head what they were at an earlier version, as one new version.",
        discussion: """
            A file gets that version's bytes, a symlink its target, a directory its whole \
            tree (entries added since are removed, entries removed since come back). The \
            node that was at the path keeps its identity: moved since, it is taken back; \
            removed since, it is linked back; so `pond history` runs through the restore \
            and `pond describe` shows the same id. `/` makes the whole tree that version's. \
            A path that did not exist then is an error; restoring what is already the same \
            adds no version.

            Examples:
              pond restore /sensors/a.csv --at 29
              pond restore /sensors --at 2026-11-30
              pond restore / --at head~3
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Option(help: ArgumentHelp("The version to restore from, as --at takes it elsewhere.", valueName: "version|time"))
    var at: VersionSpec
    @Argument(help: ArgumentHelp("The paths to restore.", valueName: "path"), completion: PondPathCompletion.kind)
    var paths: [String]

    func run() throws {
        let opened = try pond.open()
        let version = try opened.version(at)
        let made = try opened.restore(paths, at: version, message: commandLine(), note: write.message)
        write.report(made)
        if let made {
            try output("restored \(paths.joined(separator: " ")) as of version \(version), as version \(made)\n")
        } else {
            try output("nothing to restore: \(paths.joined(separator: " ")) already as at version \(version)\n")
        }
    }
}
