/// The filesystem: a tree of files, directories and symlinks over a persistence.
///
/// `FS` keeps no copy of the tree: every read asks the persistence, so what
/// it answers is what the log (or the in-memory twin) holds, including the
/// writes of the transaction it runs in. Paths are resolved from the root on
/// every call; `WD` is a path, not a cached directory.
public final class FS {
    /// Where the tree lives.
    public let persistence: any Persistence

    /// The most symlinks one resolution follows before calling it a loop.
    public static let maxSymlinkHops = 40

    /// Dynamic directories whose entries are being computed, innermost last:
    /// re-entering one means its definition reaches itself.
    private var evaluatingDirectories: [NodeID] = []

    /// Computes derived files: given a derived file's factory, definition
    /// (its stored content) and path, the file whose bytes it has here. Set
    /// by the layer that can compute them (Pond); without it, reading a
    /// derived file is an error.
    public typealias DerivedFileMaker = (_ factory: DerivedFactory, _ definition: String, _ path: PondPath) throws -> any File
    private let derivedFileMaker: DerivedFileMaker?

    public init(_ persistence: any Persistence, derivedFiles: DerivedFileMaker? = nil) {
        self.persistence = persistence
        self.derivedFileMaker = derivedFiles
    }

    /// The file derived file `id`, reached at `path`, computes.
    /// - Throws: `derivedFileLoop` when computing it reads itself.
    func derivedFile(_ factory: DerivedFactory, at path: PondPath, id: NodeID) throws -> any File {
        guard let derivedFileMaker else { throw TinyFSError.cannotCompute(path) }
        let definition = String(decoding: try persistence.content(of: id, at: path), as: UTF8.self)
        let file = try derivedFileMaker(factory, definition, path)
        return EvaluatedFile(fs: self, id: id, path: path, file: file)
    }

    /// A file a dynamic directory computes (it has no node of its own): what
    /// the layer above makes of `factory` and `definition`, at `path`.
    /// - Throws: `cannotCompute` when this FS computes no derived files.
    func computedFile(_ factory: DerivedFactory, definition: String, at path: PondPath) throws -> any File {
        guard let derivedFileMaker else { throw TinyFSError.cannotCompute(path) }
        return try derivedFileMaker(factory, definition, path)
    }

    /// A working directory at the root.
    public var root: WD { WD(fs: self, path: .root) }

    /// A working directory at `path`.
    /// - Throws: `notFound`, or `notADirectory` if `path` is not a directory.
    public func wd(_ path: String) throws -> WD { try root.wd(path) }

    /// Runs `body` as a nested transaction (an SQLite SAVEPOINT on a pond):
    /// when it throws, all of its changes are undone and the error is
    /// rethrown, and the enclosing transaction can catch it and go on.
    public func write<T>(_ body: (FS) throws -> T) throws -> T {
        try persistence.savepoint { try body(self) }
    }

    // MARK: - Nodes

    /// The root directory's node.
    var rootNode: Node {
        Node(id: .root, path: .root, kind: .directory(StoredDirectory(fs: self, id: .root, path: .root)))
    }

    /// A handle on the stored node `record` names, reached at `path`.
    func node(for record: EntryRecord, at path: PondPath) -> Node {
        switch record.type {
        case .file:
            Node(id: record.id, path: path, kind: .file(StoredFile(fs: self, id: record.id, path: path)))
        case .symlink:
            Node(id: record.id, path: path, kind: .symlink(StoredSymlink(persistence: persistence, id: record.id)))
        case .directory:
            Node(id: record.id, path: path, kind: .directory(StoredDirectory(fs: self, id: record.id, path: path)))
        }
    }

    /// The directory `spec` defines, living at `path`.
    func makeDynamicDirectory(_ spec: DynamicSpec, at path: PondPath) throws -> any Directory {
        switch spec.factory {
        case .visit:
            return VisitDirectory(fs: self, pattern: try GlobPattern(spec.argument))
        case .reverse:
            let source = try PondPath(spec.argument)
            guard case .directory(let directory) = try resolve(source).kind else {
                throw TinyFSError.notADirectory(source)
            }
            return ReverseDirectory(source: directory)
        case .reduce:
            return ReduceDirectory(fs: self, path: path, definition: try RollupDefinition(parsing: spec.argument, at: path))
        }
    }

    /// Runs `body`, which computes dynamic directory `id`'s entries.
    /// - Throws: `dynamicDirectoryLoop(path)` if that computation is already
    ///   under way, that is, the directory's definition reaches itself.
    func evaluating<T>(_ id: NodeID, at path: PondPath, loop: (PondPath) -> TinyFSError = TinyFSError.dynamicDirectoryLoop,
                       _ body: () throws -> T) throws -> T {
        if evaluatingDirectories.contains(id) { throw loop(path) }
        evaluatingDirectories.append(id)
        defer { evaluatingDirectories.removeLast() }
        return try body()
    }

    /// A derived file's computation, marked as under way while it runs, so
    /// that one reading itself is an error, not endless recursion.
    private struct EvaluatedFile: DefinedFile {
        let fs: FS
        let id: NodeID
        let path: PondPath
        let file: any File
        func read(into sink: ByteSink) throws {
            try fs.evaluating(id, at: path, loop: TinyFSError.derivedFileLoop) { try file.read(into: sink) }
        }
        func checkDefinition() throws {
            try fs.evaluating(id, at: path, loop: TinyFSError.derivedFileLoop) { try (file as? DefinedFile)?.checkDefinition() }
        }
    }

    /// Whether this FS computes derived files (a layer gave it the means).
    var computesDerivedFiles: Bool { derivedFileMaker != nil }

    // MARK: - Resolution

    /// The node at `path`, following symlinks on the way, and the last
    /// component too when `followingLast` is true.
    ///
    /// A symlink's target is resolved against the directory holding the
    /// symlink; an absolute target against the root.
    /// - Throws: `notFound` naming the first missing path, `notADirectory`
    ///   for a path through a file, `symlinkLoop` after `maxSymlinkHops` symlinks.
    public func resolve(_ path: PondPath, followingLast: Bool = true) throws -> Node {
        var pending = path.components[...]
        var current = rootNode
        var hops = 0
        while let name = pending.popFirst() {
            guard case .directory(let directory) = current.kind else {
                throw TinyFSError.notADirectory(current.path)
            }
            guard let child = try directory.child(named: name, at: current.path) else {
                throw TinyFSError.notFound(current.path.appending(name))
            }
            if case .symlink(let link) = child.kind, followingLast || !pending.isEmpty {
                hops += 1
                if hops > FS.maxSymlinkHops { throw TinyFSError.symlinkLoop(path) }
                let target = try PondPath(try link.target(), relativeTo: current.path)
                pending = target.components[...] + pending
                current = rootNode
                continue
            }
            current = child
        }
        return current
    }

    /// The node at `path` if there is one, without following a final symlink.
    func lookup(_ path: PondPath) throws -> Node? {
        do {
            return try resolve(path, followingLast: false)
        } catch TinyFSError.notFound {
            return nil
        }
    }

    /// The stored directory that holds (or will hold) `path`'s last name.
    /// - Throws: as `resolve`; `notADirectory` if the parent is not one;
    ///   `readOnlyDirectory` if it is dynamic.
    func parentDirectory(of path: PondPath) throws -> (id: NodeID, path: PondPath, name: Name) {
        guard let name = path.lastName else { throw TinyFSError.alreadyExists(path) }
        let parent = try resolve(path.parent)
        guard case .directory(let directory) = parent.kind, let id = parent.id else {
            throw TinyFSError.notADirectory(path.parent)
        }
        if let stored = directory as? StoredDirectory, try stored.dynamicDirectory() == nil {
            return (id, parent.path, name)
        }
        throw TinyFSError.readOnlyDirectory(parent.path)
    }

    /// Fails unless this FS may write.
    func requireWritable() throws {
        guard persistence.isWritable else { throw TinyFSError.readOnlySnapshot }
    }
}
