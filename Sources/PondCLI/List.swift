import ArgumentParser
import Foundation
import Pond

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        _superCommandName: "pond",
        abstract: "List paths, one per line, sorted bytewise.",
        discussion: """
            No pattern: every path below the root, recursively, not descending into \
            symlinked directories. `/` and `/dir/` list a directory's entries; `/dir` the \
            entry itself. `*`, `?`, `[...]`, `[!...]` and `**` work as in shell globs; `\\` \
            escapes a wildcard. A glob that matches nothing prints nothing.

            Examples:
              pond list
              pond list '/sensors/**/*.csv' --long
              pond list /data/ --json --at 5
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @OptionGroup var format: JSONFlag
    @Flag(name: .shortAndLong, help: "Show type, size and version before each path.")
    var long = false
    @Argument(help: ArgumentHelp("Paths or glob patterns; the matches of all of them, each once.", valueName: "pattern"))
    var patterns: [String] = []

    func run() throws {
        let pond = try pond.open()
        let rows = try pond.read(at: try at.version(in: pond)) { fs -> [(Node, NodeMetadata?)] in
            try matches(in: fs).map { ($0, try fs.metadata(of: $0)) }
        }
        if format.json {
            try output(try json(try rows.map { node, metadata -> [String: Any] in
                [
                    "path": node.path.description, "type": node.type.rawValue,
                    "size": try metadata?.size ?? size(of: node),
                    "version": metadata.map { $0.version.rawValue as Any } ?? NSNull(),
                ]
            }))
        } else if long {
            try printTable(try rows.map { node, metadata in
                [node.type.rawValue, String(try metadata?.size ?? size(of: node)),
                 metadata.map { String($0.version.rawValue) } ?? "-", node.path.description]
            })
        } else {
            try output(rows.map { $0.0.path.description + "\n" }.joined())
        }
    }

    /// The nodes `pattern` names, sorted bytewise by path.
    func matches(in fs: FS) throws -> [Node] {
        if patterns.isEmpty { return try fs.root.glob("/**").map(\.node).filter { !$0.path.isRoot } }
        if patterns.count == 1 { return try matches(of: patterns[0], in: fs) }
        var seen = Set<PondPath>()
        return try patterns.flatMap { try matches(of: $0, in: fs) }
            .filter { seen.insert($0.path).inserted }
            .sorted { $0.path < $1.path }
    }

    func matches(of pattern: String, in fs: FS) throws -> [Node] {
        // `/dir/`, a literal path ending in `/`, means the directory's entries.
        if pattern.hasSuffix("/"), try !GlobPattern(pattern).hasWildcards {
            return try fs.root.list(pattern).map(\.node)
        }
        let nodes = try fs.root.select(pattern)
        return nodes.count == 1 && nodes[0].path.isRoot ? try fs.root.list("/").map(\.node) : nodes
    }

    /// The size of a node the log has no row for (one a dynamic directory computes).
    func size(of node: Node) throws -> Int64 {
        switch node.kind {
        case .file(let file): Int64(try file.content().count)
        case .directory(let directory): Int64(try directory.entries().count)
        case .symlink(let link): Int64(try link.target().utf8.count)
        }
    }
}

