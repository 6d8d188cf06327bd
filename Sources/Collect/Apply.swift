import OpLog
import TinyFS
import Yams

/// `pond apply`: what a set of documents changes in a pond, as a plan of
/// steps that can be printed (`--dry-run`) or made, in the caller's one
/// transaction. A resource that already is as its document says is no
/// step, so applying the same documents again makes nothing.
public struct ResourcePlan {
    /// One change, as `pond apply` prints it ("create directory /stations").
    public struct Step: Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public private(set) var steps: [Step] = []
    /// The remotes to name or change (outside the tree: no version of their own).
    public private(set) var remotes: [RemoteRecord] = []
    private var changes: [(FS) throws -> Void] = []
    private var plannedDirectories: Set<String> = []

    /// The plan that makes the pond read by `fs` (and naming `remotes`) as `resources` say.
    /// - Throws: `ResourceError` for two documents of one path or name, or a
    ///   document the pond's tree contradicts (a file where a directory goes).
    public init(_ resources: [Resource], in fs: FS, remotes existingRemotes: [RemoteRecord]) throws {
        var seen: [String: ResourceOrigin] = [:]
        for resource in resources {
            if let first = seen[resource.identity] {
                throw ResourceError(resource.origin, "\(resource.identity) is also given by \(first)")
            }
            seen[resource.identity] = resource.origin
        }
        // Directories first (parents before children), derived files last: their queries may read the others.
        func rank(_ kind: Resource.Kind) -> Int {
            switch kind {
            case .directory: 0
            case .visit: 1
            case .site, .collector: 2
            case .derived: 3
            case .reduce, .join, .pivot: 4
            case .remote: 5
            }
        }
        let ordered = resources.enumerated().sorted { a, b in
            (rank(a.element.kind), a.element.identity, a.offset) < (rank(b.element.kind), b.element.identity, b.offset)
        }.map(\.element)
        for resource in ordered {
            do {
                try plan(resource, fs: fs, remotes: existingRemotes)
            } catch let error as TinyFSError {
                throw ResourceError(resource.origin, "\(resource.kindName) \(resource.identity): \(error)")
            }
        }
    }

    /// Makes every step in `fs` (a write), in order.
    public func make(in fs: FS) throws {
        for change in changes { try change(fs) }
    }

    /// A change, shown as a step unless `quietly` (the directories collectors are kept in).
    private mutating func add(_ description: String, quietly: Bool = false, _ change: @escaping (FS) throws -> Void) {
        if !quietly { steps.append(Step(description: description)) }
        changes.append(change)
    }

    private mutating func plan(_ resource: Resource, fs: FS, remotes: [RemoteRecord]) throws {
        switch resource.kind {
        case .directory(let path):
            try ensureDirectory(path, fs: fs, origin: resource.origin)
        case .derived(let path, let query):
            try ensureDerivedFile(path, fs: fs, factory: .sql, definition: query, noun: "derived", change: "its query", origin: resource.origin)
        case .visit(let path, let glob):
            try ensureDynamicDirectory(path, fs: fs, spec: DynamicSpec(factory: .visit, argument: glob), change: "its glob", origin: resource.origin) {
                try $0.root.mkdir(path, dynamic: $1)
            }
        case .reduce(let path, let definition):
            try ensureDynamicDirectory(path, fs: fs, spec: DynamicSpec(factory: .reduce, argument: definition.text), change: "its definition",
                                       origin: resource.origin) { fs, spec in
                try fs.root.mkdir(path, dynamic: spec)
                if try fs.root.checkComputedFiles(under: path) == 0 {
                    throw ResourceError(resource.origin, "reduce \(path): \(definition.source ?? "its source") matches no table")
                }
            }
        case .join(let path, let definition):
            try ensureDerivedFile(path, fs: fs, factory: .join, definition: definition.text, noun: "join", change: "its definition", origin: resource.origin)
        case .pivot(let path, let definition):
            try ensureDerivedFile(path, fs: fs, factory: .pivot, definition: definition.text, noun: "pivot", change: "its definition", origin: resource.origin)
        case .site(let path, let config):
            try ensureParent(of: path, fs: fs, origin: resource.origin)
            try ensureFile(path, bytes: Array(config.utf8), what: "site config", fs: fs, origin: resource.origin)
        case .collector(let collector):
            try ensureParent(of: collector.path, fs: fs, origin: resource.origin)
            let home = Collectors.home(of: collector.name)
            try ensureDirectory(home, fs: fs, origin: resource.origin, quietly: true)
            let document = Array(try Collectors.document(of: collector).utf8)
            try ensureFile(home + "/" + Collectors.definitionName, bytes: document, what: "collector \(collector.name)",
                           fs: fs, origin: resource.origin, shown: "collector \(collector.name) (\(collector.source.typeName) into \(collector.path))")
        case .remote(let remote):
            if let current = remotes.first(where: { $0.name == remote.name }) {
                if current != remote {
                    steps.append(Step(description: "change remote \(remote.name) (\(remote.url))"))
                    self.remotes.append(remote)
                }
            } else {
                steps.append(Step(description: "add remote \(remote.name) (\(remote.url))" + (remote.autoPush ? ", pushed after every write" : "")))
                self.remotes.append(remote)
            }
        }
    }

    /// A derived file of `factory` at `path` computing `definition`: made,
    /// given the new definition as a new version, or left as it is.
    private mutating func ensureDerivedFile(_ path: String, fs: FS, factory: DerivedFactory, definition: String, noun: String, change: String,
                                            origin: ResourceOrigin) throws {
        try ensureParent(of: path, fs: fs, origin: origin)
        if let node = try existing(path, fs: fs) {
            guard case .file = node.kind, let (current, text) = try fs.root.derivation(path), current == factory else {
                throw ResourceError(origin, "\(path) exists and is not a \(noun == "derived" ? "derived file" : noun) (pond rm it first)")
            }
            if text != definition {
                add("change \(noun) \(path) (\(change))") { try $0.root.makeDerivedFile(path, factory: factory, definition: definition, replace: true) }
            }
        } else {
            add("create \(noun) \(path)") { try $0.root.makeDerivedFile(path, factory: factory, definition: definition) }
        }
    }

    /// A dynamic directory of `spec` at `path`: made by `make`, made again
    /// (removed first) when its definition differs, or left as it is.
    private mutating func ensureDynamicDirectory(_ path: String, fs: FS, spec: DynamicSpec, change: String, origin: ResourceOrigin,
                                                 make: @escaping (FS, DynamicSpec) throws -> Void) throws {
        let noun = spec.factory.rawValue
        try ensureParent(of: path, fs: fs, origin: origin)
        if let node = try existing(path, fs: fs) {
            guard case .directory = node.kind, let id = node.id, let current = try fs.persistence.dynamicSpec(of: id),
                  current.factory == spec.factory else {
                throw ResourceError(origin, "\(path) exists and is not a \(noun) directory (pond rm it first)")
            }
            if current != spec {
                add("change \(noun) \(path) (\(change))") { fs in
                    try fs.root.remove(path)
                    try make(fs, spec)
                }
            }
        } else {
            add("create \(noun) \(path)") { try make($0, spec) }
        }
    }

    /// The node at `path`, not following a final symlink; nil when nothing is there.
    private func existing(_ path: String, fs: FS) throws -> TinyFS.Node? {
        do {
            return try fs.root.node(path, followingLast: false)
        } catch TinyFSError.notFound {
            return nil
        }
    }

    private mutating func ensureDirectory(_ path: String, fs: FS, origin: ResourceOrigin, quietly: Bool = false) throws {
        guard !plannedDirectories.contains(path) else { return }
        try ensureParent(of: path, fs: fs, origin: origin, quietly: quietly)
        plannedDirectories.insert(path)
        if let node = try existing(path, fs: fs) {
            guard case .directory = node.kind else { throw ResourceError(origin, "\(path) exists and is not a directory") }
            return
        }
        add("create directory \(path)", quietly: quietly) { try $0.root.mkdir(path) }
    }

    private mutating func ensureParent(of path: String, fs: FS, origin: ResourceOrigin, quietly: Bool = false) throws {
        let parent = try PondPath(path).parent
        if !parent.isRoot { try ensureDirectory(parent.description, fs: fs, origin: origin, quietly: quietly) }
    }

    private mutating func ensureFile(_ path: String, bytes: [UInt8], what: String, fs: FS, origin: ResourceOrigin, shown: String? = nil) throws {
        let shown = shown ?? "\(what) \(path)"
        if let node = try existing(path, fs: fs) {
            guard case .file = node.kind, try fs.root.derivation(path) == nil else {
                throw ResourceError(origin, "\(path) exists and is not a stored file")
            }
            if try fs.root.read(path) != bytes {
                add("change \(shown)") { try $0.root.write(path, bytes) }
            }
        } else {
            add("create \(shown)") { try $0.root.write(path, bytes) }
        }
    }
}
