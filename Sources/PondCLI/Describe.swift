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
    @Argument(help: ArgumentHelp("The paths or globs to describe (a final symlink is described, not followed).",
                                 valueName: "path"), completion: PondPathCompletion.kind)
    var paths: [String]

    func run() throws {
        let pond = try pond.open()
        let described = try pond.read(at: try at.version(in: pond)) { fs in
            try fs.root.selectEach(paths).map { node -> [(String, Any)] in
                guard let metadata = try fs.metadata(of: node), let id = node.id else {
                    throw TinyFSError.readOnlyDirectory(node.path.parent)
                }
                var fields: [(String, Any)] = [
                    ("path", node.path.description), ("id", id.description), ("type", node.type.rawValue),
                    ("size", metadata.size), ("created", metadata.created.rawValue), ("version", metadata.version.rawValue),
                ]
                if let hash = metadata.hash { fields.append(("sha256", hash.hexString)) }
                if node.type == .symlink { fields.append(("target", try fs.root.readlink(node.path.description))) }
                if node.type == .file, let derived = try fs.root.derivation(node.path.description) {
                    // The stored size and hash are the definition's, not the file's: its bytes
                    // are computed when read, so it has no size until then.
                    fields.removeAll { $0.0 == "size" || $0.0 == "sha256" }
                    fields.append(("derived", derived.factory.rawValue))
                    fields.append(("definition", derived.definition))
                }
                if let (earliest, latest) = try Pond.timeRange(of: node, in: fs) {
                    fields.append(("earliest", earliest))
                    fields.append(("latest", latest))
                }
                if node.type == .directory, let spec = try fs.root.dynamicSpec(node.path.description) {
                    fields.append(("dynamic", spec.factory.rawValue))
                    fields.append(("definition", spec.argument))
                }
                return fields
            }
        }
        if format.json {
            // One path: its object, as before; several: an array of them.
            let objects = described.map { Dictionary(uniqueKeysWithValues: $0) }
            try output(try json(paths.count == 1 && objects.count == 1 ? objects[0] as Any : objects))
        } else {
            var text = ""
            for (i, fields) in described.enumerated() {
                if i > 0 { text += "\n" }
                let width = fields.map { $0.0.count + 1 }.max() ?? 0
                for (key, value) in fields {
                    // A definition of several lines (a rollup's) keeps its lines under the first.
                    let lines = "\(value)".split(separator: "\n", omittingEmptySubsequences: false)
                    let shown = (lines.count > 1 && lines.last == "" ? lines.dropLast() : lines[...])
                        .joined(separator: "\n" + String(repeating: " ", count: width + 2))
                    text += "\(key):" + String(repeating: " ", count: width - key.count - 1 + 2) + shown + "\n"
                }
            }
            try output(text)
        }
    }
}
