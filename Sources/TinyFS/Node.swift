/// What a node is.
public enum NodeType: String, Sendable, CaseIterable {
    case file, directory, symlink
}

/// One entry of a stored directory, as the persistence layer keeps it.
public struct EntryRecord: Equatable, Sendable {
    public let name: Name
    public let id: NodeID
    public let type: NodeType

    public init(name: Name, id: NodeID, type: NodeType) {
        self.name = name
        self.id = id
        self.type = type
    }
}

/// A handle on a node, reached through some directory.
///
/// A handle carries no state of its own beyond how to reach the node: every
/// read goes to the directory or persistence behind it, so two handles on
/// one node can never disagree (DuckPond's bug was a directory object that
/// kept its own entries).
public struct Node {
    /// The stored node's id; nil for a node a dynamic directory synthesizes.
    public let id: NodeID?
    /// The path this node was reached by.
    public let path: PondPath
    public let kind: Kind

    public enum Kind {
        case file(any File)
        case directory(any Directory)
        case symlink(any Symlink)
    }

    public init(id: NodeID?, path: PondPath, kind: Kind) {
        self.id = id
        self.path = path
        self.kind = kind
    }

    public var type: NodeType {
        switch kind {
        case .file: .file
        case .directory: .directory
        case .symlink: .symlink
        }
    }
}

/// A file's bytes.
public protocol File {
    /// Passes the bytes to `sink`, piece by piece, in order.
    func read(into sink: ByteSink) throws
}

/// A file computed from a definition (a derived file), which can be
/// checked without being computed: whether it could be, not what it holds.
public protocol DefinedFile: File {
    func checkDefinition() throws
    /// How it is computed, for one a dynamic directory makes (it has no node
    /// to ask): listed as derived, its size not computed to be shown.
    var derivedFactory: DerivedFactory? { get }
}

extension DefinedFile {
    public var derivedFactory: DerivedFactory? { nil }
}

extension File {
    /// The whole content, in memory.
    public func content() throws -> [UInt8] {
        var bytes: [UInt8] = []
        try read { bytes.append(contentsOf: $0) }
        return bytes
    }
}

/// A symlink's target: any string, resolved against the symlink's directory.
public protocol Symlink {
    func target() throws -> String
}

/// A directory: stored in the log, or computed (a dynamic directory).
///
/// Entries are named uniquely and come sorted bytewise by name.
public protocol Directory {
    /// Every entry, sorted bytewise by name.
    func entries() throws -> [(name: Name, node: Node)]
    /// The entry called `name`, or nil.
    func entry(named name: Name) throws -> Node?
}

extension Node {
    /// The same node, reached at `path`.
    public func reached(at path: PondPath) -> Node { Node(id: id, path: path, kind: kind) }
}

extension Directory {
    /// The entries, each node's path set to `path` + its name: the path it
    /// is reached by here, whatever directory computed it.
    public func children(at path: PondPath) throws -> [(name: Name, node: Node)] {
        try entries().map { ($0.name, $0.node.reached(at: path.appending($0.name))) }
    }

    /// The entry `name`, its path set to `path` + `name`.
    public func child(named name: Name, at path: PondPath) throws -> Node? {
        try entry(named: name)?.reached(at: path.appending(name))
    }
}

/// A dynamic directory's definition, as stored in the log.
public struct DynamicSpec: Equatable, Sendable {
    /// The kinds of dynamic directory this build knows.
    public enum Factory: String, Sendable, CaseIterable {
        /// `VisitDirectory`: the argument is a glob pattern.
        case visit
        /// `ReverseDirectory`: the argument is the path of the mirrored directory.
        case reverse
        /// `ReduceDirectory`: the argument is a `RollupDefinition`'s text.
        case reduce
    }

    public let factory: Factory
    public let argument: String

    public init(factory: Factory, argument: String) {
        self.factory = factory
        self.argument = argument
    }
}

/// How a derived file's bytes are computed from its definition, which is
/// its stored content. A derived file is computed whenever it is read, at
/// the version being read; the layer above TinyFS computes it (`FS.derivedFile`).
public enum DerivedFactory: String, Sendable, CaseIterable {
    /// The definition is an SQL query; the bytes are its result as CSV with a header.
    case sql
    /// One resolution of one series of a `reduce` directory (never stored:
    /// the directory computes it); the definition is a `RollupDefinition`.
    case reduce
    /// A full outer join of series on their time; the definition is a `RollupDefinition`.
    case join
    /// One column of every match of a glob, side by side on their time; the definition is a `RollupDefinition`.
    case pivot
}
