import Crypto
import Foundation
import OpLog
import TinyFS
import Yams

/// Where collectors live in a pond: each in `/etc/collectors/NAME/`, its
/// definition (`collector.yaml`, a `collector` document as `pond apply`
/// wrote it) and what its runs have taken so far (`state.json`), both
/// versioned with the bytes they brought, so a pond pulled elsewhere runs
/// on from where it was.
public enum Collectors {
    public static let directory = "/etc/collectors"
    public static let definitionName = "collector.yaml"
    public static let stateName = "state.json"

    public static func home(of name: String) -> String { directory + "/" + name }

    /// `spec` as the `collector` document stored in the pond, keys in a fixed order.
    public static func document(of spec: CollectorSpec) throws -> String {
        var pairs: [(Yams.Node, Yams.Node)] = [("kind", "collector"), ("name", Yams.Node(spec.name)), ("type", Yams.Node(spec.source.typeName)),
                                     ("path", Yams.Node(spec.path))]
        switch spec.source {
        case .command(let line): pairs.append(("command", Yams.Node(line)))
        case .http(let url): pairs.append(("url", Yams.Node(url)))
        case .logfile(let file): pairs.append(("file", Yams.Node(file)))
        }
        pairs.append(("append", Yams.Node(spec.append ? "true" : "false", Tag(.bool))))
        return try Yams.serialize(node: Yams.Node(pairs))
    }

    /// Every collector the pond read by `fs` holds, by name.
    public static func all(in fs: FS) throws -> [CollectorSpec] {
        guard try fs.root.exists(directory) else { return [] }
        return try fs.root.list(directory).map(\.name.string).sorted().compactMap { name in
            try fs.root.exists(home(of: name) + "/" + definitionName) ? try named(name, in: fs) : nil
        }
    }

    /// The collector called `name`.
    /// - Throws: `ResourceError` when there is none, or its definition is not a collector document.
    public static func named(_ name: String, in fs: FS) throws -> CollectorSpec {
        let path = home(of: name) + "/" + definitionName
        guard (try? fs.root.exists(path)) == true else {
            throw ResourceError("no collector named '\(name)' (pond apply makes one; pond run --all runs every one)")
        }
        let text = String(decoding: try fs.root.read(path), as: UTF8.self)
        guard let resource = try ResourceDocuments.parse(text, file: path).first, case .collector(let spec) = resource.kind, spec.name == name else {
            throw ResourceError("\(path) is not the definition of collector \(name)")
        }
        return spec
    }

    /// What the collector's runs have kept (nil before its first run that brought anything).
    static func state(of name: String, in fs: FS) throws -> CollectorState? {
        let path = home(of: name) + "/" + stateName
        guard try fs.root.exists(path) else { return nil }
        do {
            return try JSONDecoder().decode(CollectorState.self, from: Data(try fs.root.read(path)))
        } catch let error as DecodingError {
            // Starting over would take a log's lines again: the run stops instead.
            throw ResourceError("\(path) is not a collector's state (\(error)); pond rm it to start the collector over")
        }
    }

    static func setState(_ state: CollectorState, of name: String, in fs: FS) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try fs.root.write(home(of: name) + "/" + stateName, Array(try encoder.encode(state)) + [UInt8(ascii: "\n")])
    }
}

/// What a collector keeps between runs: for a log file, where its last run
/// stopped; for a URL, the validators and digest of the last body written.
struct CollectorState: Codable, Equatable {
    var log: LogPosition?
    /// The header line of the CSV or TSV file a log is appended to, as it was first read.
    var header: String?
    var etag: String?
    var lastModified: String?
    var sha256: String?

    enum CodingKeys: String, CodingKey {
        case log, header, etag, lastModified = "last_modified", sha256
    }
}

/// SHA-256, in lowercase hex, of the bytes `feed` passes to the sink it is given.
func sha256Hex(_ feed: (ByteSink) throws -> Void) rethrows -> String {
    var hasher = SHA256()
    try feed { hasher.update(bufferPointer: $0) }
    return Data(hasher.finalize()).hexString
}
