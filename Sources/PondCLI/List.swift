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

    /// What one listed path shows, read inside the snapshot; its path's
    /// bytes are lent for the call that is handed the row.
    struct Row {
        let pathBytes: UnsafeBufferPointer<UInt8>
        let type: NodeType
        let size: Int64?
        /// The last version that changed it; nil for a node a dynamic directory computes.
        let version: Version?
        /// Where a symlink points.
        let target: String?
        /// How a derived file is computed: its size is not listed (it is computed when read).
        var derived: DerivedFactory? = nil
    }

    func run() throws {
        let pond = try pond.open()
        let version = try at.version(in: pond)
        let forEachRow = try rows(of: pond, at: version)
        if format.json {
            // Written as JSONSerialization writes it (sorted keys), without building an object per path.
            var text = TextOutput()
            var first = true
            try text.write("[")
            try forEachRow(true) { row in
                // Piece by piece into the buffer: no string is made for the whole object.
                try text.write(static: first ? "{" : ",{")
                if let derived = row.derived {
                    try text.write("\"derived\":\"\(derived.rawValue)\",")
                }
                try text.write(static: "\"path\":")
                try text.writeJSONString(bytes: row.pathBytes)
                try text.write(static: ",\"size\":")
                if let size = row.size { try text.write(decimal: size) } else { try text.write(static: "null") }
                try text.write(static: ",\"type\":\"")
                try text.write(static: row.type.staticName)
                try text.write(static: "\",\"version\":")
                if let version = row.version { try text.write(decimal: version.rawValue) } else { try text.write(static: "null") }
                try text.write(static: "}")
                first = false
            }
            try text.write("]\n")
            try text.flush()
        } else if long {
            try writeLong(pond: pond, forEachRow)
        } else {
            var text = TextOutput()
            try forEachRow(true) { try text.write(bytes: $0.pathBytes, terminator: UInt8(ascii: "\n")) }
            try text.flush()
        }
    }

    /// What `--long` shows as a derived file's type; its size is `-`.
    static let derivedType: StaticString = "derived"

    /// `--long`: two walks, the columns' widths, then the rows: type, size
    /// (right-aligned, as ls -l has it), version, its commit time, path, and
    /// where a symlink points. What is the same for every row of a version
    /// (its number and time, padded) is made once per version, not per row.
    func writeLong(pond: Pond, _ forEachRow: (Bool, (Row) throws -> Void) throws -> Void) throws {
        let human = human
        // Commit times by version number (versions run from 1 without a gap): an index, not a hash, per row.
        var times: [String] = []
        for transaction in try pond.transactions() {
            let index = Int(transaction.version.rawValue)
            if index >= times.count { times += Array(repeating: "-", count: index - times.count + 1) }
            times[index] = transaction.time
        }
        var listed = [Bool](repeating: false, count: times.count)
        var listsNoVersion = false
        var widths = (type: 0, size: 0)
        try forEachRow(!patterns.isEmpty) { row in
            widths.type = max(widths.type, row.derived == nil ? row.type.rawValue.utf8.count : List.derivedType.utf8CodeUnitCount)
            widths.size = max(widths.size, row.size == nil ? 1 : human ? List.human(row.size!).utf8.count : List.digits(row.size!))
            if let version = row.version, version.rawValue >= 0 {
                // A version with no transaction row (none should be) shows its number and no time.
                let index = Int(version.rawValue)
                if index >= times.count {
                    times += Array(repeating: "-", count: index - times.count + 1)
                    listed += Array(repeating: false, count: times.count - listed.count)
                }
                listed[index] = true
            } else {
                listsNoVersion = true
            }
        }
        // The version and time columns, each padded to its width and two spaces.
        var versionWidth = listsNoVersion ? 1 : 0, timeWidth = listsNoVersion ? 1 : 0
        for (version, isListed) in listed.enumerated() where isListed {
            versionWidth = max(versionWidth, List.digits(Int64(version)))
            timeWidth = max(timeWidth, displayWidth(times[version]))
        }
        func columns(_ version: String, _ time: String) -> [UInt8] {
            Array(version.utf8) + Array(repeating: UInt8(ascii: " "), count: versionWidth - version.utf8.count + 2)
                + Array(time.utf8) + Array(repeating: UInt8(ascii: " "), count: timeWidth - displayWidth(time) + 2)
        }
        let columnsOfVersion = listed.enumerated().map { version, isListed in isListed ? columns(String(version), times[version]) : [] }
        let noVersion = columns("-", "-")
        var text = TextOutput()
        try forEachRow(true) { row in
            if row.derived != nil {
                try text.write(static: List.derivedType)
                try text.spaces(widths.type - List.derivedType.utf8CodeUnitCount + 2)
            } else {
                try text.write(static: row.type.staticName)
                try text.spaces(widths.type - row.type.staticName.utf8CodeUnitCount + 2)
            }
            if row.size == nil {
                try text.spaces(widths.size - 1)
                try text.write(static: "-")
            } else if human {
                let size = List.human(row.size ?? 0)
                try text.spaces(widths.size - size.utf8.count)
                try text.write(size)
            } else {
                try text.spaces(widths.size - List.digits(row.size ?? 0))
                try text.write(decimal: row.size ?? 0)
            }
            try text.spaces(2)
            if let version = row.version, version.rawValue >= 0, version.rawValue < columnsOfVersion.count {
                try text.write(bytes: columnsOfVersion[Int(version.rawValue)])
            } else {
                try text.write(bytes: noVersion)
            }
            try text.write(bytes: row.pathBytes)
            if let target = row.target {
                try text.write(" -> ")
                try text.write(target)
            }
            try text.write(static: "\n")
        }
        try text.flush()
    }

    /// The rows to list, walked as often as asked: from the whole stored
    /// tree (a constant number of queries, globs matched by name, which is
    /// exact in a tree without symlinks), else from the filesystem's walk.
    /// A walk asked for without paths may give rows with empty paths.
    func rows(of pond: Pond, at version: Version?) throws -> ((Bool, (Row) throws -> Void) throws -> Void) {
        let globs = try patterns.map { try GlobPattern($0) }
        if globs.allSatisfy(\.hasWildcards), let tree = try pond.storedTree(at: version, metadata: long || format.json) {
            var hasSymlinks = false
            if !globs.isEmpty { try tree.forEach(paths: false) { if $0.type == .symlink { hasSymlinks = true } } }
            if !hasSymlinks {
                return { paths, body in
                    try tree.forEach(paths: paths || !globs.isEmpty) { node in
                        if !globs.isEmpty, !globs.contains(where: { glob in
                            glob.matches(components: node.path.split(separator: "/").map { Name(stringLiteral: String($0)) },
                                         isDirectory: node.type == .directory)
                        }) { return }
                        try body(Row(pathBytes: node.pathBytes, type: node.type, size: node.size, version: node.version, target: node.target,
                                     derived: node.derived))
                    }
                }
            }
        }
        typealias Found = (path: String, type: NodeType, size: Int64?, version: Version?, target: String?, derived: DerivedFactory?)
        let found = try pond.read(at: version) { fs -> [Found] in
            try matches(in: fs).map { node in
                let metadata = try fs.metadata(of: node)
                var target: String?
                if long, case .symlink(let link) = node.kind { target = try link.target() }
                var derived = try node.type == .file ? node.id.flatMap { try fs.persistence.derivedFactory(of: $0) } : nil
                // A table a reduce directory computes: derived too, and not computed to be listed.
                if node.id == nil, case .file(let file) = node.kind { derived = (file as? DefinedFile)?.derivedFactory }
                let size = derived != nil ? nil : try metadata?.size ?? size(of: node)
                return (node.path.description, node.type, size, metadata?.version, target, derived)
            }
        }
        return { _, body in
            for row in found {
                var path = row.path
                try path.withUTF8 {
                    try body(Row(pathBytes: $0, type: row.type, size: row.size, version: row.version, target: row.target, derived: row.derived))
                }
            }
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

    /// How many characters `String(value)` has.
    static func digits(_ value: Int64) -> Int {
        var count = value < 0 ? 2 : 1
        var rest = value.magnitude
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
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

private extension NodeType {
    /// The type's name as text in the binary, as `rawValue` spells it.
    var staticName: StaticString {
        switch self {
        case .file: "file"
        case .directory: "directory"
        case .symlink: "symlink"
        }
    }
}
