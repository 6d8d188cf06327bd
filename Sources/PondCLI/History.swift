import ArgumentParser
import Pond

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        _superCommandName: "pond",
        abstract: "List the versions at which a path's node was created, changed, moved or removed.",
        discussion: """
            The node is the one at PATH (as of --at), or the one last there if PATH is \
            gone; its history follows it through moves, up to --at (head when not given). \
            Each event: version, time, what happened (write, link, unlink, mkdir, symlink), \
            the path it was about, the size and the start of the SHA-256 of a write, and \
            the command that made the version. `pond log PATH` is the same.

            Example:
              pond history /data/readings.csv
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @OptionGroup var format: JSONFlag
    @Flag(name: [.customShort("r"), .long], help: "Also every node below PATH, a directory: what happened inside it.")
    var recursive = false
    @Argument(help: "The path whose node to follow.", completion: PondPathCompletion.kind)
    var path: String

    func run() throws {
        let pond = try pond.open()
        let version = try at.version(in: pond)
        let (id, events) = recursive ? try pond.history(ofTree: path, at: version) : try pond.history(of: path, at: version)
        try History.print(node: id, events: events, json: format.json)
    }

    /// Writes `events` as `pond history` does: a table, or JSON objects with
    /// node ids as 16 hex digits.
    static func print(node id: NodeID, events: [NodeEvent], json asJSON: Bool) throws {
        if asJSON {
            try output(try json(events.map { event -> [String: Any] in
                var object: [String: Any] = [
                    "version": event.version.rawValue, "event": event.kind.rawValue, "node_id": (event.node ?? id).description,
                    "directory": event.directory.description, "time": event.time, "command": event.command,
                ]
                object["name"] = event.name
                object["path"] = event.path
                object["size"] = event.size
                object["sha256"] = event.hash?.hexString
                return object
            }))
        } else {
            try output("node \(id)\n")
            try printTable(events.map { event in
                [String(event.version.rawValue), event.time, event.kind.rawValue, event.path ?? "?",
                 event.size.map(String.init) ?? "", event.hash.map { String($0.hexString.prefix(12)) } ?? "", event.command]
            })
        }
    }
}
