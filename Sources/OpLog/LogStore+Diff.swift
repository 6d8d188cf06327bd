import GRDB
import GRDBSQLite
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
    ///
    /// The cost follows the change, not the tree: only the log rows with a
    /// version in (from, to] are read (a range of `seq`, found by binary
    /// search, since versions only grow along it), and only the nodes they
    /// name are placed, each by its entry rows up to either version. Every
    /// node whose place or content differs has such a row: a move, a
    /// removal (of each node below a removed directory too) and a write
    /// each add one.
    /// - Throws: `noSuchVersion` for either version out of range.
    public func diff(from: Version, to: Version? = nil) throws -> [PathChange] {
        _ = try read(at: from) { _ in }
        return try read(at: to) { after in
            let before = after.snapshot(at: from)
            guard from < after.version else { return [] }
            var touched: [NodeID] = []
            var seen: Set<NodeID> = []
            var rewritten: Set<NodeID> = []
            for (node, kind) in try after.rowsBetween(from, after.version) {
                if seen.insert(node).inserted { touched.append(node) }
                if kind == .write || kind == .symlink { rewritten.insert(node) }
            }
            let places = PlaceCache(before: before, after: after)
            var changes: [PathChange] = []
            var replaced: Set<PondPath> = []
            for node in touched {
                guard let now = try places.place(of: node, after: true) else { continue }
                let then = try places.place(of: node, after: false)
                guard let then, then.type == now.type else {
                    // A new node here; whatever was here before is removed or moved (below).
                    let previous = try places.node(at: now.path, after: false)
                    let kind: PathChange.Kind = try previous.map { try places.place(of: $0, after: true) == nil } == true ? .modified : .added
                    if kind == .modified { replaced.insert(now.path) }
                    changes.append(PathChange(path: now.path, kind: kind, type: now.type))
                    continue
                }
                if then.path != now.path {
                    // Listed unless its parent moved from its old parent with it, under the same name.
                    let parentFollows = try !now.path.parent.isRoot && now.path.lastName == then.path.lastName
                        && places.place(of: now.directory, after: false)?.path == then.path.parent
                    if !parentFollows { changes.append(PathChange(path: now.path, kind: .moved, from: then.path, type: now.type)) }
                }
                if now.type != .directory, rewritten.contains(node) {
                    replaced.insert(now.path)
                    changes.append(PathChange(path: now.path, kind: .modified, from: then.path != now.path ? then.path : nil, type: now.type))
                }
            }
            for node in touched {
                // Gone; unless a new node took its path (listed above as modified).
                guard try places.place(of: node, after: true) == nil, let then = try places.place(of: node, after: false),
                      !replaced.contains(then.path) else { continue }
                changes.append(PathChange(path: then.path, kind: .removed, type: then.type))
            }
            return changes.sorted { $0.path < $1.path }
        }
    }
}

/// Where nodes are at two versions, each found once: a node's place is its
/// newest entry row up to the version, and its directory's place, up to the root.
private final class PlaceCache {
    struct Place: Equatable {
        let path: PondPath
        let directory: NodeID
        let type: NodeType
    }

    private let sessions: [LogSession]
    private var places: [[NodeID: Place?]] = [[:], [:]]

    init(before: LogSession, after: LogSession) {
        sessions = [before, after]
    }

    /// Where stored node `node` is, at the later version or the earlier; nil where it is in no tree then.
    func place(of node: NodeID, after: Bool) throws -> Place? {
        let side = after ? 1 : 0
        if let known = places[side][node] { return known }
        var found: Place?
        if node == .root {
            found = Place(path: .root, directory: .root, type: .directory)
        } else if let entry = try sessions[side].entryRow(of: node), let parent = try place(of: entry.directory, after: after) {
            found = Place(path: parent.path.appending(entry.name), directory: entry.directory, type: entry.type)
        }
        places[side][node] = .some(found)
        return found
    }

    /// The stored node at `path` at the later version or the earlier, nil if none.
    func node(at path: PondPath, after: Bool) throws -> NodeID? {
        var current = NodeID.root
        for name in path.components {
            guard let entry = try sessions[after ? 1 : 0].entry(named: name, in: current) else { return nil }
            current = entry.id
        }
        return current
    }
}

extension LogSession {
    /// The node and row kind of every log row with a version after `start`
    /// and up to `end`, in log order: a range of `seq` (versions only grow
    /// along it), found by binary search.
    func rowsBetween(_ start: Version, _ end: Version) throws -> [(NodeID, RowKind)] {
        let first = try firstSeq(after: start), last = try firstSeq(after: end)
        guard first < last else { return [] }
        var rows: [(NodeID, RowKind)] = []
        try rawRows("SELECT node_id, kind FROM log WHERE seq >= ? AND seq < ? ORDER BY seq", [first, last]) { statement in
            while sqlite3_step(statement) == SQLITE_ROW {
                let kind = String(cString: sqlite3_column_text(statement, 1))
                guard let rowKind = RowKind(rawValue: kind) else { throw LogSession.corrupt("a log row has kind \(kind)") }
                rows.append((NodeID(sqlite3_column_int64(statement, 0)), rowKind))
            }
        }
        return rows
    }

    /// The smallest `seq` whose row has a version after `version` (one past the last row when none has).
    func firstSeq(after version: Version) throws -> Int64 {
        // Two statements: SQLite finds min() or max() of the rowid in one seek, but not both in one.
        guard var low = try oneRow("SELECT min(seq) FROM log", read: { sqlite3_column_type($0, 0) == SQLITE_NULL ? nil : sqlite3_column_int64($0, 0) }) ?? nil,
              var high = try oneRow("SELECT max(seq) FROM log", read: { sqlite3_column_int64($0, 0) }) else { return 0 }
        high += 1
        while low < high {
            let middle = low + (high - low) / 2
            let found = try oneRow("SELECT version FROM log WHERE seq >= ? ORDER BY seq LIMIT 1", middle) { sqlite3_column_int64($0, 0) }
            if let found, found > version.rawValue {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return low
    }

    /// Stored node `node`'s newest entry row up to this session's version, if it is a link.
    func entryRow(of node: NodeID) throws -> (directory: NodeID, name: Name, type: NodeType)? {
        let row = try oneRow("""
            SELECT kind, part_id, name, payload FROM log
            WHERE node_id = ? AND version <= ? AND name IS NOT NULL ORDER BY version DESC, seq DESC LIMIT 1
            """, node.rawValue, version.rawValue) { statement -> (NodeID, Name, NodeType)? in
            guard let type = try LogSession.linkedType(statement, kind: 0, payload: 3) else { return nil }
            return (NodeID(sqlite3_column_int64(statement, 1)), try Name(String(cString: sqlite3_column_text(statement, 2))), type)
        }
        return row ?? nil
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
