import Crypto
import Foundation
import OpLog

/// A lazy clone's bytes from its remote (DESIGN.md, "Lazy clones"): chunks
/// fetched by ranged GETs of the packs that hold them, several chunks of one
/// pack in one request where they lie side by side, each checked against its
/// SHA-256 before anything keeps or uses it.
public enum LazyFetch {
    /// The most one request asks for.
    static let requestLimit: Int64 = 8 << 20

    /// One ranged GET: bytes `range` of `packs/<pack>`, holding `chunks` end to end.
    struct Request: Sendable {
        let pack: String
        let range: Range<Int64>
        let chunks: [PackEntry]
    }

    /// `chunks` as requests: by pack and offset, neighbours joined up to `requestLimit`.
    static func requests(for chunks: [PackEntry]) -> [Request] {
        let sorted = Set(chunks).sorted { ($0.pack, $0.offset) < ($1.pack, $1.offset) }
        var requests: [Request] = []
        var current: [PackEntry] = []
        func flush() {
            guard let first = current.first, let last = current.last else { return }
            requests.append(Request(pack: first.pack, range: first.offset..<(last.offset + last.length), chunks: current))
            current = []
        }
        for chunk in sorted {
            if let last = current.last, let first = current.first,
               last.pack != chunk.pack || last.offset + last.length != chunk.offset
                || chunk.offset + chunk.length - first.offset > requestLimit {
                flush()
            }
            current.append(chunk)
        }
        flush()
        return requests
    }

    /// The bytes of `request`'s chunks, each checked.
    static func fetch(_ request: Request, from store: any ObjectStore) async throws -> [(PackEntry, Data)] {
        let key = "packs/\(request.pack)"
        guard let bytes = try await store.download(key, range: request.range) else { throw RemoteError.missingObject(key) }
        return try request.chunks.map { chunk in
            let start = Int(chunk.offset - request.range.lowerBound)
            let data = bytes.subdata(in: start..<(start + Int(chunk.length)))
            guard Data(SHA256.hash(data: data)) == chunk.chunk else {
                throw RemoteError.damagedObject(key, reason: "chunk \(chunk.chunk.hexString) at byte offset \(chunk.offset) does not match its SHA-256")
            }
            return (chunk, data)
        }
    }

    /// The bytes of `chunks`, in their order, fetched and checked (what a
    /// read of a lazy clone asks `pond-remote` for).
    public static func fetch(_ chunks: [PackEntry], from store: any ObjectStore) async throws -> [Data] {
        var found: [Data: Data] = [:]
        let requests = requests(for: chunks)
        try await withThrowingTaskGroup(of: [(PackEntry, Data)].self) { group in
            var next = requests.makeIterator()
            for _ in 0..<Replication.parallel {
                guard let request = next.next() else { break }
                group.addTask { try await fetch(request, from: store) }
            }
            while let done = try await group.next() {
                for (chunk, data) in done { found[chunk.chunk] = data }
                if let request = next.next() { group.addTask { try await fetch(request, from: store) } }
            }
        }
        return try chunks.map { chunk in
            guard let data = found[chunk.chunk] else { throw RemoteError.missingObject("packs/\(chunk.pack)") }
            return data
        }
    }

    /// What `pond fetch` did.
    public struct Report: Sendable {
        public var chunks = 0
        public var bytes: Int64 = 0
        public var requests = 0
    }

    /// Fetches `chunks` into the lazy clone `log`, request by request, each
    /// request's chunks kept in one transaction as it lands: a fetch stopped
    /// at any moment leaves what it kept, and nothing half kept.
    public static func fetch(_ chunks: [PackEntry], into log: LogStore, from store: any ObjectStore,
                             progress: Replication.Progress? = nil) async throws -> Report {
        let startRequests = store.requests
        let requests = requests(for: chunks)
        let total = requests.reduce(Int64(0)) { $0 + Int64($1.range.count) }
        var report = Report()
        let pond = Unchecked(log)
        try await Replication.forEach(requests, parallel: Replication.parallel) { request in
            let fetched = try await fetch(request, from: store)
            try await onAThread { try pond.value.keepFetched(fetched) }
        } done: { request, _ in
            report.chunks += request.chunks.count
            report.bytes += Int64(request.range.count)
            progress?("fetching: \(Bytes(report.bytes)) of \(Bytes(total))")
        }
        report.requests = store.requests - startRequests
        return report
    }
}
