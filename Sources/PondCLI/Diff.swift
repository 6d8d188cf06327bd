import ArgumentParser
import Foundation
import Pond

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        _superCommandName: "pond",
        abstract: "List the paths added (+), removed (-), modified (~) and moved (R) between two versions.",
        discussion: """
            FROM and TO are versions as --at takes them; TO defaults to head. Nodes are \
            followed by identity: a rename or move is one `R old -> new` line, and the \
            entries of a moved directory that moved with it are not listed again. With \
            PATHs, only changes at or below them, and for each file a unified diff of its \
            lines (`Binary files ... differ` for bytes that are not text). An argument \
            after FROM that reads as a version is TO; write a path like `/3` to mean a path.

            Examples:
              pond diff 3                # from version 3 to head
              pond diff 3 7 --json
              pond diff head~5 /sensors/a.csv
              pond diff 10 --stat --exit-code
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var format: JSONFlag
    @Flag(help: "Also the size before and after of each path, and a summary line.")
    var stat = false
    @Flag(help: "Only the paths, one per line (a move's new path).")
    var nameOnly = false
    @Flag(help: "Exit with status 1 when anything differs, 0 when nothing does.")
    var exitCode = false
    @Argument(help: ArgumentHelp("The earlier version: as --at takes it (a number, head~N, an ISO-8601 time).", valueName: "from"))
    var from: VersionSpec
    @Argument(help: ArgumentHelp("The later version (default: head), then the paths to limit the diff to.",
                                 valueName: "to-and-paths"))
    var rest: [String] = []

    /// TO, if the first of `rest` reads as a version.
    var to: VersionSpec? { rest.first.flatMap { $0.hasPrefix("/") ? nil : VersionSpec($0) } }
    /// The paths after TO.
    var paths: [String] { Array(rest.dropFirst(to == nil ? 0 : 1)) }

    func run() throws {
        let pond = try pond.open()
        let fromVersion = try pond.version(from)
        let toVersion = try to.map { try pond.version($0) } ?? pond.headVersion
        var changes = try pond.diff(from: fromVersion, to: toVersion)
        if !paths.isEmpty {
            let limits = try pond.read(at: toVersion) { fs in try paths.map { try fs.root.absolute($0) } }
            changes = changes.filter { change in
                limits.contains { $0.contains(change.path) || change.from.map($0.contains) == true }
            }
        }
        var sizes: [PondPath: (before: Diff.Size?, after: Diff.Size?)] = [:]
        if stat {
            let before = try Diff.sizes(of: changes.map { $0.from ?? $0.path }, in: pond, at: fromVersion)
            let after = try Diff.sizes(of: changes.map(\.path), in: pond, at: toVersion)
            for change in changes { sizes[change.path] = (before[change.from ?? change.path], after[change.path]) }
        }
        if format.json {
            try output(try json(changes.map { change -> [String: Any] in
                var object: [String: Any] = ["change": change.kind.rawValue, "path": change.path.description,
                                             "type": change.type.rawValue]
                object["from"] = change.from?.description
                if stat {
                    object["size_before"] = sizes[change.path]?.before?.bytes
                    object["size_after"] = sizes[change.path]?.after?.bytes
                    if let derived = sizes[change.path]?.after?.derived ?? sizes[change.path]?.before?.derived {
                        object["derived"] = derived.rawValue
                    }
                }
                return object
            }))
        } else if nameOnly {
            try output(changes.map { "\($0.path)\n" }.joined())
        } else {
            var text = ""
            for change in changes {
                let from = change.kind == .moved ? change.from.map { "\($0) -> " } ?? "" : ""
                text += Diff.mark(change.kind) + " " + from + change.path.description
                if stat, change.type != .directory, let size = sizes[change.path] {
                    if let derived = size.after?.derived ?? size.before?.derived {
                        text += "  derived (\(derived.rawValue))"
                    } else {
                        text += "  " + (size.before?.bytes.map(String.init) ?? "-") + " -> " + (size.after?.bytes.map(String.init) ?? "-") + " bytes"
                    }
                }
                text += "\n"
            }
            if stat {
                let counts = ([.added, .removed, .modified, .moved] as [PathChange.Kind]).compactMap { kind -> String? in
                    let count = changes.filter { $0.kind == kind }.count
                    return count == 0 ? nil : "\(count) \(kind.rawValue)"
                }
                text += "\(changes.count) \(changes.count == 1 ? "path differs" : "paths differ")" + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", ")) + "\n"
            }
            if !paths.isEmpty {
                text += try Diff.lineDiffs(of: changes, in: pond, from: fromVersion, to: toVersion)
            }
            try output(text)
        }
        if exitCode && !changes.isEmpty { throw ExitCode.failure }
    }

    /// The mark a change's line starts with.
    static func mark(_ kind: PathChange.Kind) -> String {
        switch kind {
        case .added: "+"
        case .removed: "-"
        case .modified: "~"
        case .moved: "R"
        }
    }

    /// What `--stat` shows of a file or symlink: its size, or that it is a
    /// derived file (whose stored size is its definition's, not its own).
    struct Size {
        var bytes: Int64?
        var derived: DerivedFactory?
    }

    /// The size of each of `paths` that is a file or symlink at `version`.
    static func sizes(of paths: [PondPath], in pond: Pond, at version: Version) throws -> [PondPath: Size] {
        try pond.read(at: version) { fs in
            var sizes: [PondPath: Size] = [:]
            for path in paths {
                guard let node = try? fs.root.node(path.description, followingLast: false),
                      node.type != .directory, let metadata = try fs.metadata(of: node) else { continue }
                if node.type == .file, let derived = try node.id.flatMap({ try fs.persistence.derivedFactory(of: $0) }) {
                    sizes[path] = Size(derived: derived)
                } else {
                    sizes[path] = Size(bytes: metadata.size)
                }
            }
            return sizes
        }
    }

    /// Files larger than this get no line diff, only a note.
    static let lineDiffLimit: Int64 = 8 << 20

    /// A unified diff of each file among `changes`, as `git diff` prints one.
    static func lineDiffs(of changes: [PathChange], in pond: Pond, from: Version, to: Version) throws -> String {
        var tooLarge: [PondPath] = []
        func bytes(_ path: PondPath?, at version: Version) throws -> [UInt8]? {
            guard let path else { return nil }
            return try pond.read(at: version) { fs in
                guard let node = try? fs.root.node(path.description, followingLast: false), case .file(let file) = node.kind,
                      let metadata = try fs.metadata(of: node) else { return nil }
                guard metadata.size <= lineDiffLimit else {
                    tooLarge.append(path)
                    return nil
                }
                return try file.content()
            }
        }
        var text = ""
        // A moved file's bytes are shown once, under its move, and only if they changed.
        let modified = Set(changes.filter { $0.kind == .modified }.map(\.path))
        let moved = Set(changes.filter { $0.kind == .moved }.map(\.path))
        for change in changes where change.type == .file {
            let oldPath: PondPath? = change.kind == .added ? nil : (change.from ?? change.path)
            let newPath: PondPath? = change.kind == .removed ? nil : change.path
            if change.kind == .moved && !modified.contains(change.path) { continue }
            if change.kind == .modified && moved.contains(change.path) { continue }
            tooLarge.removeAll()
            let old = try bytes(oldPath, at: from) ?? [], new = try bytes(newPath, at: to) ?? []
            let a = oldPath.map { "a\($0)" } ?? "/dev/null", b = newPath.map { "b\($0)" } ?? "/dev/null"
            if let large = tooLarge.first {
                text += "No line diff of \(large): a version of it is over \(lineDiffLimit >> 20) MiB (pond cat both versions to compare them)\n"
                continue
            }
            guard LineDiff.isText(old), LineDiff.isText(new) else {
                text += "Binary files \(a) and \(b) differ\n"
                continue
            }
            let hunks = LineDiff.unified(old: String(decoding: old, as: UTF8.self), new: String(decoding: new, as: UTF8.self))
            if hunks.isEmpty { continue }
            text += "--- \(a)\n+++ \(b)\n" + hunks.map { $0 + "\n" }.joined()
        }
        return text
    }
}
