import OpLog
import TinyFS

/// What one YAML document of `pond apply` asks for (DESIGN.md, "Configure
/// and collect"): a directory, a derived file, a visit directory, a remote,
/// a collector or a site config, with where it was written.
public struct Resource: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case directory(path: String)
        case derived(path: String, query: String)
        case visit(path: String, glob: String)
        /// A reduce directory, a join or a pivot: where, and its definition.
        case reduce(path: String, definition: RollupDefinition)
        case join(path: String, definition: RollupDefinition)
        case pivot(path: String, definition: RollupDefinition)
        /// A remote as the pond names it: credentials only as `${env:NAME}`.
        case remote(RemoteRecord)
        case collector(CollectorSpec)
        case site(path: String, config: String)
    }

    public let kind: Kind
    /// Where the document is: its file, its number (from 1) and its first line.
    public let origin: ResourceOrigin

    public init(kind: Kind, origin: ResourceOrigin) {
        self.kind = kind
        self.origin = origin
    }

    /// The document's `kind:` as written.
    public var kindName: String {
        switch kind {
        case .directory: "directory"
        case .derived: "derived"
        case .visit: "visit"
        case .reduce: "reduce"
        case .join: "join"
        case .pivot: "pivot"
        case .remote: "remote"
        case .collector: "collector"
        case .site: "site"
        }
    }

    /// What the resource is known by: a pond path, or a remote's or collector's name.
    public var identity: String {
        switch kind {
        case .directory(let path), .derived(let path, _), .visit(let path, _), .site(let path, _),
             .reduce(let path, _), .join(let path, _), .pivot(let path, _): path
        case .remote(let remote): "remote " + remote.name
        case .collector(let collector): "collector " + collector.name
        }
    }
}

/// Where a document (or one of its fields) was written.
public struct ResourceOrigin: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let document: Int
    public let line: Int

    public init(file: String, document: Int, line: Int) {
        self.file = file
        self.document = document
        self.line = line
    }

    public var description: String { "\(file): document \(document), line \(line)" }
}

/// A `collector` document: what brings bytes in, and the pond file they land in.
public struct CollectorSpec: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A host command line, run by /bin/sh; its standard output is the bytes.
        case command(String)
        /// A URL, fetched with conditional GETs; the body is the bytes.
        case http(url: String)
        /// A host log file, followed across rotation and truncation; its new bytes.
        case logfile(file: String)

        public var typeName: String {
            switch self {
            case .command: "command"
            case .http: "http"
            case .logfile: "logfile"
            }
        }
    }

    public let name: String
    public let source: Source
    /// The pond file written or appended to.
    public let path: String
    /// Whether the bytes are appended to `path` (else they replace its content).
    public let append: Bool

    public init(name: String, source: Source, path: String, append: Bool) {
        self.name = name
        self.source = source
        self.path = path
        self.append = append
    }
}

/// A document that cannot be applied, or a collector that cannot run: one line naming where and why.
public struct ResourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }
    public init(_ origin: ResourceOrigin, _ message: String) { self.message = "\(origin): \(message)" }

    public var description: String { message }
}
