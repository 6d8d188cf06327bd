/// A file kept by the persistence layer, or a derived file whose
/// definition it keeps.
struct StoredFile: DefinedFile {
    let fs: FS
    let id: NodeID
    /// Where the file was reached, for errors.
    let path: PondPath

    func read(into sink: ByteSink) throws {
        guard let factory = try fs.persistence.derivedFactory(of: id) else {
            return try fs.persistence.readContent(of: id, at: path, into: sink)
        }
        try fs.derivedFile(factory, at: path, id: id).read(into: sink)
    }

    /// For a derived file, checks its definition; a stored file has none.
    func checkDefinition() throws {
        guard let factory = try fs.persistence.derivedFactory(of: id) else { return }
        try (fs.derivedFile(factory, at: path, id: id) as? DefinedFile)?.checkDefinition()
    }
}

/// A symlink kept by the persistence layer.
struct StoredSymlink: Symlink {
    let persistence: any Persistence
    let id: NodeID
    func target() throws -> String { try persistence.target(of: id) }
}

/// A directory kept by the persistence layer, or a dynamic directory whose
/// definition it keeps.
///
/// Whether a directory is dynamic is asked only when its stored entries come
/// back empty: a dynamic directory never has stored entries (writes into it
/// are refused), so a stored directory costs one query per read.
struct StoredDirectory: Directory {
    let fs: FS
    let id: NodeID
    let path: PondPath

    func entries() throws -> [(name: Name, node: Node)] {
        let records = try fs.persistence.entries(in: id)
        if records.isEmpty, let dynamic = try dynamicDirectory() {
            return try fs.evaluating(id, at: path) { try dynamic.entries() }
        }
        return records.map { ($0.name, fs.node(for: $0, at: path.appending($0.name))) }
    }

    func entry(named name: Name) throws -> Node? {
        if let record = try fs.persistence.entry(named: name, in: id) {
            return fs.node(for: record, at: path.appending(name))
        }
        guard let dynamic = try dynamicDirectory() else { return nil }
        return try fs.evaluating(id, at: path) { try dynamic.entry(named: name) }
    }

    /// The computed directory this node stands for, or nil if it is stored.
    func dynamicDirectory() throws -> (any Directory)? {
        guard let spec = try fs.persistence.dynamicSpec(of: id) else { return nil }
        return try fs.makeDynamicDirectory(spec, at: path)
    }
}
