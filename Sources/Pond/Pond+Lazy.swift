import Foundation
import OpLog
import Remote
import TinyFS

public typealias PackEntry = OpLog.PackEntry
public typealias LazyFetch = Remote.LazyFetch

/// Lazy clones (DESIGN.md, "Lazy clones"): a pond with every version and no
/// file bytes until a read needs them.
extension Pond {
    /// The remote this lazy clone's missing bytes are on; nil for a pond that holds them all.
    public var lazyRemote: String? { store.lazyRemote }

    /// A lazy clone's bytes here and on its remote; nil for a pond that is no lazy clone.
    public func lazyBytes() throws -> (local: Int64, remote: Int64)? { try store.lazyBytes() }

    /// A lazy clone's file versions whose bytes are not all here, and the
    /// bytes still on its remote; nil for a pond that is no lazy clone.
    public func notLocal() throws -> (fileVersions: Int, bytes: Int64)? { try store.notLocalSummary() }

    /// Makes reads of this lazy clone fetch what they need by running
    /// `helper` (`pond-remote`, which links the HTTP client) with the
    /// remote's credentials. A remote no longer named here, or credentials
    /// that cannot be had, leave reads of missing bytes `notLocal`.
    public func fetchMissingBytes(with helper: String) {
        guard let name = lazyRemote, let record = try? remote(named: name),
              let environment = try? record.credentialVariables() else { return }
        store.chunkFetcher = HelperChunkFetcher(helper: helper, pond: path, remote: record, environment: environment)
    }

    /// The chunks this lazy clone lacks of the files at `paths` (every file
    /// below a directory) at `version`; of every file version with no paths.
    public func missingChunks(under paths: [String], at version: Version? = nil) throws -> [PackEntry] {
        if paths.isEmpty { return try store.remoteChunks() }
        let contents = try store.read(at: version) { session -> [Data] in
            let fs = fileSystem(session)
            var found: [Data] = []
            func visit(_ node: Node) throws {
                switch node.kind {
                case .file:
                    if let id = node.id, let hash = try session.contentHash(of: id) { found.append(hash) }
                case .directory(let directory):
                    for (_, child) in try directory.children(at: node.path) { try visit(child) }
                case .symlink:
                    break
                }
            }
            for path in paths { try visit(try fs.root.node(path, followingLast: false)) }
            return found
        }
        return try store.remoteChunks(of: contents)
    }

    /// Fetches `chunks` from `remote` into this lazy clone, each request's
    /// chunks kept as they land (`pond fetch`).
    public func fetch(_ chunks: [PackEntry], from remote: any ObjectStore,
                      progress: (@Sendable (String) -> Void)? = nil) async throws -> LazyFetch.Report {
        try await LazyFetch.fetch(chunks, into: store, from: remote, progress: progress)
    }

    /// Appends the versions `remote` (named `name` here) has after this
    /// pond's head; into a lazy clone of that remote, lazily.
    public func pull(from remote: any ObjectStore, named name: String,
                     progress: (@Sendable (String) -> Void)? = nil) async throws -> TransferReport {
        try await Replication.pull(store, from: remote, lazily: lazyRemote == name ? name : nil, progress: progress)
    }

    /// `clone`, lazily: every version, row and hash, no file bytes.
    public static func cloneLazily(from remote: any ObjectStore, url: String, endpoint: String? = nil, to path: String,
                                   progress: (@Sendable (String) -> Void)? = nil) async throws -> TransferReport {
        try await Replication.clone(from: remote, remote: RemoteRecord(name: "origin", url: url, endpoint: endpoint),
                                    to: path, lazy: true, progress: progress)
    }
}

extension RemoteRecord {
    /// The variables a remote's `${env:NAME}` credentials name, as the
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY `pond-remote` reads.
    public func credentialVariables() throws -> [String: String] {
        var variables: [String: String] = [:]
        for (reference, variable) in [(accessKeyID, "AWS_ACCESS_KEY_ID"), (secretAccessKey, "AWS_SECRET_ACCESS_KEY")] {
            guard let reference else { continue }
            variables[variable] = try Secrets.expand(reference)
        }
        return variables
    }
}

/// Fetches a lazy clone's chunks by running `pond-remote chunks`, which
/// reads one line per chunk on its standard input (SHA-256, pack, offset,
/// length) and writes their bytes, in that order, to its standard output.
final class HelperChunkFetcher: ChunkFetcher {
    let helper: String
    let pond: String
    let remote: RemoteRecord
    let environment: [String: String]

    init(helper: String, pond: String, remote: RemoteRecord, environment: [String: String]) {
        self.helper = helper
        self.pond = pond
        self.remote = remote
        self.environment = environment
    }

    func fetch(_ chunks: [PackEntry], from remoteName: String) throws -> [Data] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: helper)
        process.arguments = ["chunks", pond, remote.name, remote.url, remote.endpoint ?? ""]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw OpLogError.remoteFetch(remote: remoteName, reason: "cannot run \(helper): \(error.localizedDescription)")
        }
        let request = Data(chunks.map { "\($0.chunk.hexString) \($0.pack) \($0.offset) \($0.length)\n" }.joined().utf8)
        // The request is written beside the reading of the answer: either may outgrow a pipe.
        let writer = Thread {
            try? input.fileHandleForWriting.write(contentsOf: request)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let answer = output.fileHandleForReading.readDataToEndOfFile()
        let said = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let line = String(decoding: said, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "pond-remote failed"
            throw OpLogError.remoteFetch(remote: remoteName, reason: line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line)
        }
        var pieces: [Data] = []
        var at = 0
        for chunk in chunks {
            let end = at + Int(chunk.length)
            guard end <= answer.count else {
                throw OpLogError.remoteFetch(remote: remoteName, reason: "pond-remote answered \(answer.count) bytes, fewer than asked for")
            }
            pieces.append(answer.subdata(in: at..<end))
            at = end
        }
        return pieces
    }
}
