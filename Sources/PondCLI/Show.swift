import ArgumentParser
import Foundation
import Pond

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        _superCommandName: "pond",
        abstract: "Print the log's rows, oldest first.",
        discussion: """
            Each row: seq, version, kind, partition, node, name, size, and the payload \
            (JSON for directory rows, the target for symlinks; file bytes are not shown).

            Example:
              pond show --since 3
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @OptionGroup var format: JSONFlag
    @Option(help: "Start at this version.")
    var since: Int64 = 1

    func run() throws {
        let pond = try pond.open()
        let rows = try pond.rows(since: Version(since), at: try at.version(in: pond))
        if format.json {
            try output(try json(rows.map { row -> [String: Any] in
                var object: [String: Any] = [
                    "seq": row.seq, "version": row.version.rawValue, "kind": row.kind.rawValue,
                    "part_id": row.partition.description, "node_id": row.node.description,
                ]
                object["name"] = row.name
                object["size"] = row.size
                // A symlink's target as a string; a directory row's JSON as JSON itself.
                if let detail = row.detail {
                    object["payload"] = row.kind == .symlink ? detail
                        : (try? JSONSerialization.jsonObject(with: Data(detail.utf8), options: [.fragmentsAllowed])) ?? detail
                }
                return object
            }))
        } else {
            try printTable([["seq", "version", "kind", "partition", "node", "name", "size", "payload"]] + rows.map {
                [String($0.seq), String($0.version.rawValue), $0.kind.rawValue, $0.partition.description, $0.node.description,
                 $0.name ?? "-", $0.size.map(String.init) ?? "-", $0.detail ?? "-"]
            })
        }
    }
}
