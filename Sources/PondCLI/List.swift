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
    @Flag(name: .shortAndLong, help: "Show type, size, version and its commit time before each path, and where a symlink points.")
    var long = false
    @Flag(name: [.customShort("H"), .long], help: "With --long, sizes in K, M, G (powers of 1024).")
    var human = false
    @Argument(help: ArgumentHelp("Paths or glob patterns; the matches of all of them, each once.", valueName: "pattern"),
              completion: PondPathCompletion.kind)
    var patterns: [String] = []

    /// What one listed path shows, read inside the snapshot.
    struct Row {
        let path: String
        let type: NodeType
        let size: Int64?
        /// The last version that changed it; nil for a node a dynamic directory computes.
        let version: Version?
        /// Where a symlink points.
        let target: String?
    }

    func run() throws {
        let pond = try pond.open()
        let version = try at.version(in: pond)
        if patterns.isEmpty && !long && !format.json {
            // Every path, printed as it is found, 64 KiB at a time.
            var text = ""
            let listed = try pond.forEachListed(at: version, metadata: false) { node in
                text += node.path
                text += "\n"
                if text.utf8.count >= 1 << 16 {
                    try output(text)
                    text = ""
                }
            }
            if listed { return try output(text) }
        }
        let rows: [Row]
        let globs = try patterns.map { try GlobPattern($0) }
        if globs.allSatisfy(\.hasWildcards), let listed = try pond.listing(at: version, metadata: long || format.json),
           patterns.isEmpty || !listed.contains(where: { $0.type == .symlink }) {
            // The whole stored tree, in a constant number of queries; globs matched by name
            // (a tree without symlinks has no other paths to a node).
            rows = listed.filter { node in
                globs.isEmpty || globs.contains { glob in
                    glob.matches(components: node.path.split(separator: "/").map { Name(stringLiteral: String($0)) },
                                 isDirectory: node.type == .directory)
                }
            }.map { Row(path: $0.path, type: $0.type, size: $0.size, version: $0.version, target: $0.target) }
        } else {
            rows = try pond.read(at: version) { fs -> [Row] in
                try matches(in: fs).map { node in
                    let metadata = try fs.metadata(of: node)
                    var target: String?
                    if long, case .symlink(let link) = node.kind { target = try link.target() }
                    return Row(path: node.path.description, type: node.type, size: try metadata?.size ?? size(of: node),
                               version: metadata?.version, target: target)
                }
            }
        }
        if format.json {
            // Written as JSONSerialization writes it (sorted keys), without building 100,000 objects first.
            var text = "["
            for (index, row) in rows.enumerated() {
                if index > 0 { text += "," }
                text += "{\"path\":\(jsonString(row.path)),\"size\":\(row.size ?? 0),\"type\":\"\(row.type.rawValue)\","
                    + "\"version\":\(row.version.map { String($0.rawValue) } ?? "null")}"
                if text.utf8.count >= 1 << 16 {
                    try output(text)
                    text = ""
                }
            }
            try output(text + "]\n")
        } else if long {
            let committed = Dictionary(uniqueKeysWithValues: try pond.transactions().map { ($0.version, $0.time) })
            var cells = rows.map { row -> [String] in
                [row.type.rawValue, human ? List.human(row.size ?? 0) : String(row.size ?? 0),
                 row.version.map { String($0.rawValue) } ?? "-",
                 row.version.flatMap { committed[$0] } ?? "-",
                 row.path + (long ? row.target.map { " -> " + $0 } ?? "" : "")]
            }
            // Sizes right-aligned, as ls -l has them.
            let width = cells.map { $0[1].count }.max() ?? 0
            for i in cells.indices { cells[i][1] = String(repeating: " ", count: width - cells[i][1].count) + cells[i][1] }
            try printTable(cells)
        } else {
            try output(rows.map { $0.path + "\n" }.joined())
        }
    }

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
    /// `bytes` in K, M, G, T (powers of 1024), one decimal under 10.
    static func human(_ bytes: Int64) -> String {
        var value = Double(bytes)
        for unit in ["", "K", "M", "G", "T"] {
            if value < 1024 || unit == "T" {
                return unit.isEmpty ? String(bytes) : (value < 10 ? String(format: "%.1f", value) : String(Int(value.rounded()))) + unit
            }
            value /= 1024
        }
        return String(bytes)
    }

    func size(of node: Node) throws -> Int64 {
        switch node.kind {
        case .file(let file): Int64(try file.content().count)
        case .directory(let directory): Int64(try directory.entries().count)
        case .symlink(let link): Int64(try link.target().utf8.count)
        }
    }
}

