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
    @Argument(help: "The earlier version (a number or ISO-8601 time).")
    var from: String
    @Argument(help: "The later version (default: head).")
    var to: String?

    func run() throws {
        let pond = try pond.open()
        let fromVersion = try AtOption(at: from).version(in: pond)!
        let toVersion = try to.flatMap { try AtOption(at: $0).version(in: pond) }
        let changes = try pond.diff(from: fromVersion, to: toVersion)
        if format.json {
            try output(try json(changes.map { ["path": $0.path.description, "change": $0.kind.rawValue] }))
        } else {
            let marks: [PathChange.Kind: String] = [.added: "+", .removed: "-", .changed: "~"]
            try output(changes.map { "\(marks[$0.kind]!) \($0.path)\n" }.joined())
        }
    }
}

extension AtOption {
    init(at: String) {
        self.init()
        self.at = at
    }
}
