import ArgumentParser
import Foundation
import Pond

struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        _superCommandName: "pond",
        abstract: "Show a node's metadata: id, type, size, content hash, versions.",
        discussion: """
            Example:
              pond describe /data/readings.csv --json
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @OptionGroup var format: JSONFlag
    @Argument(help: "The path to describe (a final symlink is described, not followed).")
    var path: String

    func run() throws {
        let pond = try pond.open()
        let (node, metadata, target) = try pond.read(at: try at.version(in: pond)) { fs in
            let node = try fs.root.node(path, followingLast: false)
            guard let metadata = try fs.metadata(of: node) else {
                throw TinyFSError.readOnlyDirectory(node.path.parent)
            }
            let target = node.type == .symlink ? try fs.root.readlink(path) : nil
            return (node, metadata, target)
        }
        let hash = metadata.hash?.hexString
        var fields: [(String, Any)] = [
            ("path", node.path.description), ("id", node.id!.description), ("type", node.type.rawValue),
            ("size", metadata.size), ("created", metadata.created.rawValue), ("version", metadata.version.rawValue),
        ]
        if let hash { fields.append(("sha256", hash)) }
        if let target { fields.append(("target", target)) }
        if format.json {
            try output(try json(Dictionary(uniqueKeysWithValues: fields)))
        } else {
            try printTable(fields.map { ["\($0.0):", "\($0.1)"] })
        }
    }
}
