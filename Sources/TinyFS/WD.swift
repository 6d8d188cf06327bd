/// A working directory: resolves relative paths against its own path.
///
/// A `WD` is only a path and the filesystem; it caches no directory state,
/// so a WD made before a change sees that change. Every method takes a path
/// as typed (absolute, or relative to this directory) and normalizes it.
public struct WD {
    public let fs: FS
    /// Where this working directory is.
    public let path: PondPath

    init(fs: FS, path: PondPath) {
        self.fs = fs
        self.path = path
    }

    /// `path` as typed, resolved lexically against this directory.
    public func absolute(_ path: String) throws -> PondPath {
        try PondPath(path, relativeTo: self.path)
    }

    /// A working directory at `path`.
    /// - Throws: `notFound`, `notADirectory`.
    public func wd(_ path: String) throws -> WD {
        let target = try absolute(path)
        let node = try fs.resolve(target)
        guard case .directory = node.kind else { throw TinyFSError.notADirectory(target) }
        return WD(fs: fs, path: node.path)
    }

    // MARK: - Reading

    /// Whether something (a file, directory or symlink, even a dangling one)
    /// is at `path`. A path through a file, or a symlink loop on the way, is
    /// not an error here: nothing is there.
    public func exists(_ path: String) throws -> Bool {
        do {
            return try fs.lookup(try absolute(path)) != nil
        } catch TinyFSError.notADirectory, TinyFSError.symlinkLoop {
            return false
        }
    }

    /// The node at `path`; a final symlink is followed unless `followingLast` is false.
    public func node(_ path: String, followingLast: Bool = true) throws -> Node {
        try fs.resolve(try absolute(path), followingLast: followingLast)
    }

    /// The bytes of the file at `path`, following symlinks, in memory.
    /// - Throws: `notFound`, `notAFile`, `symlinkLoop`.
    public func read(_ path: String) throws -> [UInt8] {
        try file(at: path).content()
    }

    /// Passes the bytes of the file at `path` to `sink` piece by piece,
    /// following symlinks: a file of any size in bounded memory.
    /// - Throws: `notFound`, `notAFile`, `symlinkLoop`.
    public func read(_ path: String, into sink: ByteSink) throws {
        try file(at: path).read(into: sink)
    }

    private func file(at path: String) throws -> any File {
        let target = try absolute(path)
        guard case .file(let file) = try fs.resolve(target).kind else { throw TinyFSError.notAFile(target) }
        return file
    }

    /// The target of the symlink at `path`.
    public func readlink(_ path: String) throws -> String {
        let target = try absolute(path)
        guard case .symlink(let link) = try fs.resolve(target, followingLast: false).kind else {
            throw TinyFSError.notASymlink(target)
        }
        return try link.target()
    }

    /// The entries of the directory at `path`, sorted bytewise by name.
    public func list(_ path: String = ".") throws -> [(name: Name, node: Node)] {
        let target = try absolute(path)
        guard case .directory(let directory) = try fs.resolve(target).kind else {
            throw TinyFSError.notADirectory(target)
        }
        return try directory.children(at: target)
    }

    /// Every path matching `pattern` (relative to this directory), with the
    /// strings its wildcards captured, sorted bytewise by path.
    public func glob(_ pattern: String) throws -> [GlobMatch] {
        try GlobPattern(pattern, relativeTo: path).matches(in: fs)
    }

    /// The nodes a path or pattern names: every match of a glob (the root
    /// left out), or the one node at a literal path, a final symlink not
    /// followed. Sorted bytewise by path.
    /// - Throws: `notFound` for a literal path that does not exist (a glob
    ///   that matches nothing is an empty result, not an error).
    public func select(_ pattern: String) throws -> [Node] {
        if try GlobPattern(pattern, relativeTo: path).hasWildcards {
            return try glob(pattern).map(\.node).filter { !$0.path.isRoot }
        }
        return [try node(pattern, followingLast: false)]
    }

    /// The nodes every one of `patterns` names (see `select`), in the order
    /// given, each pattern's matches sorted bytewise.
    /// - Throws: `notFound` for a literal path that does not exist;
    ///   `noMatch` for a glob that matches nothing (as `rm` and `cat` treat one).
    public func selectEach(_ patterns: [String]) throws -> [Node] {
        try patterns.flatMap { pattern -> [Node] in
            let nodes = try select(pattern)
            if nodes.isEmpty { throw TinyFSError.noMatch(pattern) }
            return nodes
        }
    }

    // MARK: - Writing

    /// Creates a directory at `path`; with `parents`, its missing parents
    /// too, and no error if it is already a directory.
    /// - Throws: `alreadyExists`, `notFound` (a missing parent without
    ///   `parents`), `notADirectory`, `readOnlyDirectory`.
    public func mkdir(_ path: String, parents: Bool = false) throws {
        try createDirectory(try absolute(path), spec: nil, parents: parents)
    }

    /// Creates a dynamic directory at `path`, defined by `spec`.
    /// - Throws: as `mkdir`, and `invalidPattern` or `invalidPath` for a bad argument.
    public func mkdir(_ path: String, dynamic spec: DynamicSpec) throws {
        switch spec.factory {
        case .visit: _ = try GlobPattern(spec.argument)
        case .reverse: _ = try PondPath(spec.argument)
        case .reduce: _ = try GlobPattern(try RollupDefinition(parsing: spec.argument, at: try absolute(path)).source ?? "")
        }
        try createDirectory(try absolute(path), spec: spec, parents: false)
    }

    private func createDirectory(_ target: PondPath, spec: DynamicSpec?, parents: Bool) throws {
        try fs.requireWritable()
        if target.isRoot {
            if parents { return }
            throw TinyFSError.alreadyExists(target)
        }
        if parents, !target.parent.isRoot, try !exists(target.parent.description) {
            try createDirectory(target.parent, spec: nil, parents: true)
        }
        let parent = try fs.parentDirectory(of: target)
        if let existing = try fs.lookup(target) {
            if parents, (try? fs.resolve(existing.path))?.type == .directory { return }
            throw TinyFSError.alreadyExists(target)
        }
        let id = try fs.persistence.allocateNodeID()
        try fs.persistence.createDirectory(id, spec: spec)
        try fs.persistence.link(EntryRecord(name: parent.name, id: id, type: .directory), in: parent.id)
    }

    /// Writes `bytes` to the file at `path`: creates it, or writes a new
    /// version of the same node if it exists. A final symlink is followed.
    /// Writing the bytes the file already holds changes nothing.
    /// - Throws: `notAFile` for a directory, `notFound` for a missing parent.
    public func write(_ path: String, _ bytes: [UInt8]) throws {
        var source = ArraySource(bytes)
        try write(path, from: &source)
    }

    /// Writes the bytes `source` yields to the file at `path`, as
    /// `write(_:_:)` does, reading them piece by piece: a file of any size
    /// in bounded memory.
    public func write<Source: ByteSource>(_ path: String, from source: inout Source) throws {
        try fs.requireWritable()
        let target = try absolute(path)
        if target.isRoot { throw TinyFSError.notAFile(target) }
        // The parent is resolved once; a symlink or a directory at the
        // target takes the longer way.
        let parent = try fs.parentDirectory(of: target)
        if let entry = try fs.persistence.entry(named: parent.name, in: parent.id) {
            if entry.type == .file {
                try refuseDerived(entry.id, at: target)
                try fs.persistence.writeContent(from: &source, of: entry.id, in: parent.id)
                return
            }
            guard let existing = try existingFile(target) else { throw TinyFSError.notFound(target) }
            try fs.persistence.writeContent(from: &source, of: existing.id, in: existing.directory)
            return
        }
        let id = try fs.persistence.allocateNodeID()
        try fs.persistence.writeContent(from: &source, of: id, in: parent.id)
        try fs.persistence.link(EntryRecord(name: parent.name, id: id, type: .file), in: parent.id)
    }

    /// Adds the bytes `source` yields to the end of the file at `path`, as
    /// one new version of it, reading only what the persistence must of the
    /// old content (a pond: its last chunk). A missing file is created with
    /// those bytes. A final symlink is followed.
    /// Bytes appended to a table must keep it one (`Persistence.appendContent`)
    /// unless `asBytes`.
    /// - Returns: whether anything changed (false when `source` is empty).
    /// - Throws: `notAFile` for a directory; `derivedFile` for a derived file.
    @discardableResult
    public func append<Source: ByteSource>(_ path: String, from source: inout Source, asBytes: Bool = false) throws -> Bool {
        try fs.requireWritable()
        let target = try absolute(path)
        if target.isRoot { throw TinyFSError.notAFile(target) }
        guard let existing = try existingFile(target) else {
            try write(path, from: &source)
            return true
        }
        return try fs.persistence.appendContent(from: &source, of: existing.id, in: existing.directory, asBytes: asBytes)
    }

    /// Creates a derived file at `path` whose bytes `factory` computes from
    /// `definition` whenever it is read, at the version read; with
    /// `replace`, gives the derived file already there `definition` instead,
    /// as a new version of the same node. When this FS can compute derived
    /// files, the definition is checked first (`DefinedFile`): one that
    /// could not be computed, or that reads itself, is an error, and the
    /// caller's transaction changes nothing.
    /// - Throws: `alreadyExists` if anything is at `path` (without
    ///   `replace`), `notDerived` for a stored file or anything else there
    ///   with it; `derivedFileLoop`; what the check throws.
    public func makeDerivedFile(_ path: String, factory: DerivedFactory, definition: String, replace: Bool = false) throws {
        try fs.requireWritable()
        let target = try absolute(path)
        if target.isRoot { throw TinyFSError.alreadyExists(target) }
        if let existing = try fs.lookup(target) {
            guard replace else { throw TinyFSError.alreadyExists(target) }
            guard case .file = existing.kind, let id = existing.id, try fs.persistence.derivedFactory(of: id) == factory else {
                throw TinyFSError.notDerived(target)
            }
            _ = try fs.persistence.writeContent(Array(definition.utf8), of: id, in: try fs.parentDirectory(of: target).id)
        } else {
            let parent = try fs.parentDirectory(of: target)
            let id = try fs.persistence.allocateNodeID()
            try fs.persistence.writeContent(Array(definition.utf8), of: id, in: parent.id)
            try fs.persistence.markDerived(id, factory: factory)
            try fs.persistence.link(EntryRecord(name: parent.name, id: id, type: .file), in: parent.id)
        }
        if fs.computesDerivedFiles, case .file(let file) = try fs.resolve(target).kind, let defined = file as? DefinedFile {
            try defined.checkDefinition()
        }
    }

    /// Checks every file the dynamic directory at `path` computes, and those
    /// of its subdirectories, as `makeDerivedFile` checks a derived file's
    /// definition (when this FS can compute them).
    /// - Returns: how many files were checked.
    @discardableResult
    public func checkComputedFiles(under path: String) throws -> Int {
        guard fs.computesDerivedFiles else { return 0 }
        var checked = 0
        func visit(_ directory: any Directory) throws {
            for (_, node) in try directory.entries() {
                switch node.kind {
                case .file(let file):
                    if let defined = file as? DefinedFile {
                        try defined.checkDefinition()
                        checked += 1
                    }
                case .directory(let child): try visit(child)
                case .symlink: break
                }
            }
        }
        guard case .directory(let directory) = try fs.resolve(try absolute(path)).kind else { throw TinyFSError.notADirectory(try absolute(path)) }
        try visit(directory)
        return checked
    }

    /// The definition of the dynamic directory at `path` (a final symlink
    /// followed); nil for a stored directory or anything else.
    public func dynamicSpec(_ path: String) throws -> DynamicSpec? {
        let node = try fs.resolve(try absolute(path))
        guard case .directory = node.kind, let id = node.id else { return nil }
        return try fs.persistence.dynamicSpec(of: id)
    }

    /// How the file at `path` (a final symlink followed) is derived, and
    /// from what definition; nil for a file whose bytes are stored.
    public func derivation(_ path: String) throws -> (factory: DerivedFactory, definition: String)? {
        let node = try fs.resolve(try absolute(path))
        guard case .file = node.kind, let id = node.id, let factory = try fs.persistence.derivedFactory(of: id) else { return nil }
        return (factory, String(decoding: try fs.persistence.content(of: id, at: node.path), as: UTF8.self))
    }

    /// Fails for a derived file: its bytes are computed, never written.
    private func refuseDerived(_ id: NodeID, at path: PondPath) throws {
        if try fs.persistence.derivedFactory(of: id) != nil { throw TinyFSError.derivedFile(path) }
    }

    /// Writes `text` as UTF-8; see `write(_:_:)`.
    public func write(_ path: String, _ text: String) throws {
        try write(path, Array(text.utf8))
    }

    /// Creates an empty file at `path` if nothing is there; otherwise writes
    /// a new version of the file with the same bytes, so that it gets a new
    /// version and time. A directory, or a symlink that does not lead to a
    /// file, is left as it is.
    public func touch(_ path: String) throws {
        try fs.requireWritable()
        let target = try absolute(path)
        guard let found = try fs.lookup(target) else {
            try write(path, [])
            return
        }
        guard let node = try? fs.resolve(found.path), case .file = node.kind, let id = node.id else { return }
        let directory = try fs.parentDirectory(of: node.path).id
        try fs.persistence.rewriteContent(of: id, in: directory)
    }

    /// The stored file at `target` (a final symlink followed) and its
    /// directory, nil if nothing is there.
    /// - Throws: `notAFile` if a directory is there; `notFound` for a
    ///   dangling symlink; `readOnlyDirectory` inside a dynamic directory.
    private func existingFile(_ target: PondPath) throws -> (id: NodeID, directory: NodeID)? {
        guard let found = try fs.lookup(target) else { return nil }
        let node = try fs.resolve(found.path)
        guard case .file = node.kind, let id = node.id else { throw TinyFSError.notAFile(target) }
        try refuseDerived(id, at: node.path)
        return (id, try fs.parentDirectory(of: node.path).id)
    }

    /// Creates a symlink at `path` pointing at `target`, which need not
    /// exist; with `replacing`, a symlink or file already there is replaced.
    /// - Throws: `alreadyExists` (without `replacing`, or for a directory),
    ///   `notFound` for a missing parent.
    public func symlink(_ target: String, at path: String, replacing: Bool = false) throws {
        try fs.requireWritable()
        let link = try absolute(path)
        let parent = try fs.parentDirectory(of: link)
        if let existing = try fs.persistence.entry(named: parent.name, in: parent.id) {
            // With `replacing` (ln -sf), a symlink there gets the new target and
            // keeps its history; a file there is replaced; a directory never is.
            guard replacing, existing.type != .directory else { throw TinyFSError.alreadyExists(link) }
            if existing.type == .symlink {
                if try fs.persistence.target(of: existing.id) != target {
                    try fs.persistence.writeTarget(target, of: existing.id, in: parent.id)
                }
                return
            }
            try fs.persistence.unlink(existing, in: parent.id)
        }
        let id = try fs.persistence.allocateNodeID()
        try fs.persistence.writeTarget(target, of: id, in: parent.id)
        try fs.persistence.link(EntryRecord(name: parent.name, id: id, type: .symlink), in: parent.id)
    }

    /// Removes the file, symlink or empty directory at `path` (a final
    /// symlink is removed, not followed); with `recursive`, a non-empty
    /// directory and everything below it, each node unlinked in the log.
    /// - Throws: `cannotRemoveRoot`, `notFound`, `directoryNotEmpty`.
    public func remove(_ path: String, recursive: Bool = false) throws {
        try fs.requireWritable()
        let target = try absolute(path)
        if target.isRoot { throw TinyFSError.cannotRemoveRoot }
        let parent = try fs.parentDirectory(of: target)
        guard let record = try fs.persistence.entry(named: parent.name, in: parent.id) else {
            throw TinyFSError.notFound(target)
        }
        if record.type == .directory {
            let children = try fs.persistence.entries(in: record.id)
            if !children.isEmpty && !recursive { throw TinyFSError.directoryNotEmpty(target) }
            try unlinkDescendants(of: record.id, children: children)
        }
        try fs.persistence.unlink(record, in: parent.id)
    }

    /// Removes everything `patterns` name (paths or globs, each glob matching
    /// at least one path), as `remove` removes one; a path below another one
    /// removed (with `recursive`) goes with it.
    /// - Throws: as `remove`, and `noMatch` for a glob that matches nothing,
    ///   before anything is removed.
    public func remove(matching patterns: [String], recursive: Bool = false) throws {
        let targets = try selectEach(patterns).map(\.path).sorted()
        var removed = Set<PondPath>()
        for target in targets {
            // Gone already if it or a directory above it was removed (a look per level, not per path removed).
            var above = target
            var gone = removed.contains(above)
            while !gone, !above.isRoot { above = above.parent; gone = removed.contains(above) }
            if gone { continue }
            try remove(target.description, recursive: recursive)
            removed.insert(target)
        }
    }

    /// Makes `path` what it is in `snapshot` (this pond at an earlier
    /// version): a file gets its bytes, a symlink its target, a directory its
    /// whole tree (entries added since are removed, entries removed since come
    /// back). The node that was at `path` in `snapshot` keeps its identity:
    /// moved since, it is taken back from where it is; removed since, it is
    /// linked back; so its history runs through the restore. A missing
    /// parent directory is linked back too. Nothing that is already the
    /// same is written again.
    /// - Throws: `notFound` if `path` did not exist in `snapshot`;
    ///   `notADirectory` if something not a directory is in the way of its parent.
    public func restore(_ path: String, from snapshot: FS) throws {
        try fs.requireWritable()
        let target = try absolute(path)
        let old = try snapshot.resolve(target, followingLast: false)
        guard let id = old.id else { throw TinyFSError.readOnlyDirectory(target.parent) }
        if !target.isRoot { try relink(id, type: old.type, at: target, from: snapshot) }
        try restoreState(of: id, type: old.type, at: target, from: snapshot)
    }

    /// Links node `id` at `target`, taking it from wherever it is now and
    /// removing whatever other node is there.
    private func relink(_ id: NodeID, type: NodeType, at target: PondPath, from snapshot: FS) throws {
        try linkBackDirectory(target.parent, from: snapshot)
        let parent = try fs.parentDirectory(of: target)
        let existing = try fs.persistence.entry(named: parent.name, in: parent.id)
        if existing?.id == id { return }
        if let existing { try removeTree(existing, in: parent.id) }
        if let (directory, name) = try fs.persistence.location(of: id),
           let entry = try fs.persistence.entry(named: name, in: directory), entry.id == id {
            try fs.persistence.unlink(entry, in: directory)
        }
        try fs.persistence.link(EntryRecord(name: parent.name, id: id, type: type), in: parent.id)
    }

    /// Makes sure directory `path` exists now: if not, the directory that
    /// was there in `snapshot` is linked back (its entries as they are now).
    private func linkBackDirectory(_ path: PondPath, from snapshot: FS) throws {
        if path.isRoot { return }
        if let node = try fs.lookup(path) {
            guard node.type == .directory else { throw TinyFSError.notADirectory(path) }
            return
        }
        let old = try snapshot.resolve(path, followingLast: false)
        guard let id = old.id, old.type == .directory else { throw TinyFSError.notADirectory(path) }
        try relink(id, type: .directory, at: path, from: snapshot)
    }

    /// Makes node `id`'s own state (bytes, target, entries) what it is in `snapshot`.
    private func restoreState(of id: NodeID, type: NodeType, at path: PondPath, from snapshot: FS) throws {
        switch type {
        case .file:
            try fs.persistence.restoreContent(of: id, from: snapshot.persistence, in: try fs.parentDirectory(of: path).id)
        case .symlink:
            let target = try snapshot.persistence.target(of: id)
            if try fs.persistence.target(of: id) != target {
                try fs.persistence.writeTarget(target, of: id, in: try fs.parentDirectory(of: path).id)
            }
        case .directory:
            // A dynamic directory stores no entries: its definition is its mkdir row, which never changes.
            if try snapshot.persistence.dynamicSpec(of: id) != nil { return }
            let wanted = try snapshot.persistence.entries(in: id)
            let names = Set(wanted.map(\.name))
            for entry in try fs.persistence.entries(in: id) where !names.contains(entry.name) {
                try removeTree(entry, in: id)
            }
            for entry in wanted {
                let child = path.appending(entry.name)
                try relink(entry.id, type: entry.type, at: child, from: snapshot)
                try restoreState(of: entry.id, type: entry.type, at: child, from: snapshot)
            }
        }
    }

    /// Unlinks `entry` from directory `directory`, and everything below it.
    private func removeTree(_ entry: EntryRecord, in directory: NodeID) throws {
        if entry.type == .directory {
            try unlinkDescendants(of: entry.id, children: try fs.persistence.entries(in: entry.id))
        }
        try fs.persistence.unlink(entry, in: directory)
    }

    /// Unlinks every stored node below directory `id`, deepest first.
    private func unlinkDescendants(of id: NodeID, children: [EntryRecord]) throws {
        for child in children {
            if child.type == .directory {
                try unlinkDescendants(of: child.id, children: try fs.persistence.entries(in: child.id))
            }
            try fs.persistence.unlink(child, in: id)
        }
    }

    /// Renames or moves `source` to `destination`; the node keeps its id and
    /// history. An existing directory at `destination` receives `source`
    /// inside it; an existing file or symlink there is replaced (its history
    /// stays in the log). Moving a path onto itself changes nothing.
    /// - Throws: `cannotMoveRoot`, `notFound`, `moveIntoItself`,
    ///   `alreadyExists` (a directory in the way), `notADirectory` (a
    ///   directory onto a file).
    public func move(_ source: String, to destination: String) throws {
        try fs.requireWritable()
        let from = try absolute(source)
        if from.isRoot { throw TinyFSError.cannotMoveRoot }
        let fromParent = try fs.parentDirectory(of: from)
        guard let record = try fs.persistence.entry(named: fromParent.name, in: fromParent.id) else {
            throw TinyFSError.notFound(from)
        }
        let realFrom = fromParent.path.appending(fromParent.name)

        var to = try absolute(destination)
        if !to.isRoot, let existing = try fs.lookup(to),
           let resolved = try? fs.resolve(existing.path), resolved.type == .directory {
            to = resolved.path.appending(fromParent.name)
        } else if to.isRoot {
            to = to.appending(fromParent.name)
        }
        let toParent = try fs.parentDirectory(of: to)
        let realTo = toParent.path.appending(toParent.name)
        if realTo == realFrom { return }
        if record.type == .directory && realFrom.contains(realTo) {
            throw TinyFSError.moveIntoItself(from, into: to)
        }
        if let replaced = try fs.persistence.entry(named: toParent.name, in: toParent.id) {
            switch (record.type, replaced.type) {
            case (_, .directory): throw TinyFSError.alreadyExists(to)
            case (.directory, _): throw TinyFSError.notADirectory(to)
            default: try fs.persistence.unlink(replaced, in: toParent.id)
            }
        }
        try fs.persistence.unlink(record, in: fromParent.id)
        try fs.persistence.link(EntryRecord(name: toParent.name, id: record.id, type: record.type), in: toParent.id)
    }
}
