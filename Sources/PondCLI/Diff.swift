import ArgumentParser
import Pond

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        _superCommandName: "pond",
        abstract: "List the paths added (+), removed (-) and changed (~) between two versions.",
        discussion: """
            Example:
              pond diff 3        # from version 3 to head
              pond diff 3 7 --json
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var format: JSONFlag
    @Argument(help: ArgumentHelp("The earlier version: as --at takes it (a number, head~N, an ISO-8601 time).", valueName: "from"))
    var from: VersionSpec
    @Argument(help: ArgumentHelp("The later version (default: head).", valueName: "to"))
    var to: VersionSpec?

    func run() throws {
        let pond = try pond.open()
        let fromVersion = try pond.version(from)
        let toVersion = try to.map { try pond.version($0) }
        let changes = try pond.diff(from: fromVersion, to: toVersion)
        if format.json {
            try output(try json(changes.map { ["path": $0.path.description, "change": $0.kind.rawValue] }))
        } else {
            let marks: [PathChange.Kind: String] = [.added: "+", .removed: "-", .changed: "~"]
            try output(changes.map { "\(marks[$0.kind]!) \($0.path)\n" }.joined())
        }
    }
}
