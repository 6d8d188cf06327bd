import TinyFS

/// How a path differs between two versions.
public struct PathChange: Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The path exists at the later version only.
        case added
        /// The path exists at the earlier version only.
        case removed
        /// The path exists at both, but another node is there, or its
        /// content or target was written in between.
        case changed
    }

    public let path: PondPath
    public let kind: Kind

    public init(path: PondPath, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}

extension LogStore {
    /// The paths that differ between version `from` and version `to` (head
    /// when nil), sorted bytewise by path. Dynamic directories' computed
    /// entries are not paths of the log and are not compared.
    /// - Throws: `noSuchVersion` for either version out of range.
    public func diff(from: Version, to: Version? = nil) throws -> [PathChange] {
        let before = try read(at: from) { try $0.storedTree() }
        var changes: [PathChange] = []
        let after = try read(at: to) { session in
            let after = try session.storedTree()
            for (path, entry) in after {
                guard let old = before[path] else {
                    changes.append(PathChange(path: path, kind: .added))
                    continue
                }
                let replaced = old.id != entry.id || old.type != entry.type
                let rewritten = try entry.type != .directory && !replaced
                    && session.wasRewritten(entry.id, since: from)
                if replaced || rewritten {
                    changes.append(PathChange(path: path, kind: .changed))
                }
            }
            return after
        }
        for path in before.keys where after[path] == nil {
            changes.append(PathChange(path: path, kind: .removed))
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
