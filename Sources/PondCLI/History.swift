import ArgumentParser
import Pond

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        _superCommandName: "pond",
        abstract: "List the versions at which a path's node was created, changed, moved or removed.",
        discussion: """
            The node is the one at PATH (as of --at); its history follows it through moves, up to --at (head when not given).

            Example:
              pond history /data/readings.csv
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @OptionGroup var format: JSONFlag
    @Argument(help: "The path whose node to follow.")
    var path: String

    func run() throws {
        let pond = try pond.open()
        let (id, events) = try pond.history(of: path, at: try at.version(in: pond))
        if format.json {
            try output(try json(events.map { event -> [String: Any] in
                var object: [String: Any] = [
                    "version": event.version.rawValue, "event": event.kind.rawValue,
                    "directory": event.directory.rawValue, "time": event.time,
                ]
                object["name"] = event.name
                return object
            }))
        } else {
            try output("node \(id)\n")
            try printTable(events.map { event in
                [String(event.version.rawValue), event.time, event.kind.rawValue,
                 event.name.map { "\($0) in directory \(event.directory)" } ?? ""]
            })
        }
    }
}
