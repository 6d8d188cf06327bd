/// A dynamic directory whose entries are the nodes matching a glob anywhere
/// in the filesystem.
///
/// Each match is named by its captures joined with `_` (`/in/**/1.txt`
/// matching `/in/a/b/1.txt` is `a_b`), or by its basename when the pattern
/// captured nothing. When two matches get one name, the first in path order
/// keeps it. Entries are computed on every read, so they always agree with
/// the tree; a pattern that reaches the directory itself is a
/// `dynamicDirectoryLoop` error, not endless recursion.
public struct VisitDirectory: Directory {
    let fs: FS
    let pattern: GlobPattern

    public init(fs: FS, pattern: GlobPattern) {
        self.fs = fs
        self.pattern = pattern
    }

    public func entries() throws -> [(name: Name, node: Node)] {
        var named: [Name: Node] = [:]
        for match in try pattern.matches(in: fs) {
            let name = try VisitDirectory.name(for: match)
            if named[name] == nil { named[name] = match.node }
        }
        return named.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public func entry(named name: Name) throws -> Node? {
        try entries().first { $0.name == name }?.node
    }

    /// A match's entry name: its non-empty captures joined with `_`, else its basename.
    public static func name(for match: GlobMatch) throws -> Name {
        let joined = match.captures.filter { !$0.isEmpty }.joined(separator: "_")
        if !joined.isEmpty, let name = try? Name(joined) { return name }
        guard let last = match.path.lastName else {
            throw TinyFSError.invalidDynamicDirectory(match.path, reason: "the root cannot be an entry")
        }
        return last
    }
}

/// A dynamic directory mirroring another directory with every name and
/// every file's bytes reversed; subdirectories are mirrored the same way.
public struct ReverseDirectory: Directory {
    let source: any Directory

    public init(source: any Directory) {
        self.source = source
    }

    public func entries() throws -> [(name: Name, node: Node)] {
        try source.entries()
            .map { (ReverseDirectory.reversed($0.name), ReverseDirectory.mirror($0.node)) }
            .sorted { $0.0 < $1.0 }
    }

    public func entry(named name: Name) throws -> Node? {
        try source.entry(named: ReverseDirectory.reversed(name)).map(ReverseDirectory.mirror)
    }

    /// `name` with its characters in reverse order (still a valid name:
    /// reversing keeps it non-empty, free of `/`, and not `.` or `..`).
    static func reversed(_ name: Name) -> Name {
        Name(stringLiteral: String(name.string.reversed()))
    }

    static func mirror(_ node: Node) -> Node {
        switch node.kind {
        case .file(let file): return Node(id: nil, path: node.path, kind: .file(ReversedFile(source: file)))
        case .directory(let directory):
            return Node(id: nil, path: node.path, kind: .directory(ReverseDirectory(source: directory)))
        case .symlink: return node
        }
    }
}

/// A file whose bytes are another file's, reversed. Reversing needs the
/// last byte first, so the source is read whole into memory.
struct ReversedFile: File {
    let source: any File
    func read(into sink: ByteSink) throws {
        try Array(try source.content().reversed()).withUnsafeBytes(sink)
    }
}
