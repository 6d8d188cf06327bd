import TinyFS

/// How a path differs between two versions.
public struct PathChange: Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// A node exists at the later version only.
        case added
        /// A node exists at the earlier version only.
        case removed
        /// The same node is at the path at both, and its content or target
        /// was written in between; or another node took the path's place.
        case modified
        /// The same node is at another path (`from` is the old one). A move
        /// that only follows its directory's move is not listed.
        case moved
    }

    public let path: PondPath
    public let kind: Kind
    /// For a move, or a modified node that moved (perhaps with its
    /// directory): the path the node had at the earlier version.
    public let from: PondPath?
    /// The node's type at the later version (the earlier, for a removal).
    public let type: NodeType

    public init(path: PondPath, kind: Kind, from: PondPath? = nil, type: NodeType = .file) {
        self.path = path
        self.kind = kind
        self.from = from
        self.type = type
    }
}

extension LogStore {
    /// The paths that differ between version `from` and version `to` (head
    /// when nil), sorted bytewise by path. Nodes are followed by identity,
    /// which the log knows: a node at another path is a move, not a removal
    /// and an addition, and the entries of a moved directory that moved with
    /// it are not listed again. Dynamic directories' computed entries are
    /// not paths of the log and are not compared.
    /// - Throws: `noSuchVersion` for either version out of range.
    public func diff(from: Version, to: Version? = nil) throws -> [PathChange] {
        let before = try read(at: from) { try $0.storedTree() }
        var beforeByNode: [NodeID: (PondPath, EntryRecord)] = [:]
        for (path, entry) in before { beforeByNode[entry.id] = (path, entry) }
        var changes: [PathChange] = []
        let after = try read(at: to) { session in
            let after = try session.storedTree()
            var afterByNode: [NodeID: PondPath] = [:]
            for (path, entry) in after { afterByNode[entry.id] = path }
            for (path, entry) in after {
                guard let (oldPath, old) = beforeByNode[entry.id], old.type == entry.type else {
                    // A new node here; whatever was here before is removed or moved (below).
                    let kind: PathChange.Kind = before[path].map { beforeByNode[$0.id] != nil && afterByNode[$0.id] == nil }
                        == true ? .modified : .added
                    changes.append(PathChange(path: path, kind: kind, type: entry.type))
                    continue
                }
                if oldPath != path {
                    // Listed unless its parent moved from its old parent with it, under the same name.
                    let parentFollows = !path.parent.isRoot && after[path.parent].map { beforeByNode[$0.id]?.0 == oldPath.parent } == true
                        && path.lastName == oldPath.lastName
                    if !parentFollows { changes.append(PathChange(path: path, kind: .moved, from: oldPath, type: entry.type)) }
                }
                if entry.type != .directory, try session.wasRewritten(entry.id, since: from) {
                    changes.append(PathChange(path: path, kind: .modified, from: oldPath != path ? oldPath : nil, type: entry.type))
                }
            }
            return afterByNode
        }
        let replaced = Set(changes.filter { $0.kind == .modified }.map(\.path))
        for (path, entry) in before where after[entry.id] == nil {
            // Gone; unless a new node took its path (listed above as modified).
            if replaced.contains(path) { continue }
            changes.append(PathChange(path: path, kind: .removed, type: entry.type))
        }
        return changes.sorted { $0.path < $1.path }
    }
}

extension LogSession {
    /// Every stored path at this session's version but the root, with its entry.
    public func storedTree() throws -> [PondPath: EntryRecord] {
        var tree: [PondPath: EntryRecord] = [:]
        var pending: [(NodeID, PondPath)] = [(.root, .root)]
        while let (directory, path) = pending.popLast() {
            for entry in try entries(in: directory) {
                let child = path.appending(entry.name)
                tree[child] = entry
                if entry.type == .directory { pending.append((entry.id, child)) }
            }
        }
        return tree
    }
}
