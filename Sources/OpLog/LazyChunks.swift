import Crypto
import Foundation
import GRDB

/// What fetches a lazy clone's missing chunks from its remote: Pond runs
/// `pond-remote`, which alone links the HTTP client. Synchronous, as reads are.
public protocol ChunkFetcher: AnyObject {
    /// The bytes of `chunks`, in their order, from remote `remote`.
    /// - Throws: a one-line error naming the remote or the object.
    func fetch(_ chunks: [PackEntry], from remote: String) throws -> [Data]
}

/// A lazy clone's bytes on demand (DESIGN.md, "Lazy clones").
///
/// A read that meets a chunk this pond lacks asks here. The chunk and those
/// after it in the same content, up to a window, are fetched in one go,
/// each checked against its SHA-256, and kept in a scratch file (unlinked
/// at once) until the read's SQLite snapshot ends: the snapshot cannot see
/// rows stored after it began. The store then moves them into `chunks` in
/// one short write (`keep`), so the next read finds them local.
///
/// The window grows while one content is read on in order (256 KiB, doubling
/// to 16 MiB) and starts again elsewhere: a read of one day of a long file
/// fetches about that day, a read of a whole file few windows.
final class LazyChunks: @unchecked Sendable {
    /// The remote the missing bytes are on (Schema/v10_lazy.sql `lazy`).
    let remote: String
    var fetcher: (any ChunkFetcher)?

    private let lock = NSLock()
    private var scratch: Int32 = -1
    private var scratchSize: Int64 = 0
    /// Fetched chunks not yet kept: where each is in the scratch file.
    private var fetched: [Data: (offset: Int64, length: Int)] = [:]
    /// Where the last window ended, and how large the next one may be.
    private var continuation: (content: Data, offset: Int64)?
    private var window = LazyChunks.firstWindow

    static let firstWindow: Int64 = 256 << 10
    static let largestWindow: Int64 = 16 << 20

    init(remote: String) { self.remote = remote }

    deinit { if scratch >= 0 { close(scratch) } }

    /// The bytes of chunk `hash`, fetched if this pond lacks them; nil when
    /// it is not a chunk the remote holds for this pond. `content` and
    /// `offset` say where the read is, so the chunks after it come in the
    /// same request; `end`, where it stops (a ranged read fetches no more).
    func chunk(_ hash: Data, content: Data?, offset: Int64, end: Int64?, in db: Database, path: String, version: Version) throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        if let place = fetched[hash] { return try read(place) }
        var wanted: [PackEntry] = []
        if let content {
            let continues = continuation.map { $0.content == content && $0.offset == offset } ?? false
            window = continues ? min(window * 2, LazyChunks.largestWindow) : LazyChunks.firstWindow
            // A read that says where it stops gets that stretch at once (up to the largest window).
            let limit = end.map { min($0, offset + LazyChunks.largestWindow) } ?? (offset + window)
            let rows = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT r.chunk, r.pack, r.offset, r.length, c.offset FROM content_chunks c JOIN remote_chunks r ON r.chunk = c.chunk
                WHERE c.content = ?1 AND c.offset >= ?2 AND c.offset < ?3 ORDER BY c.offset
                """), arguments: [content, offset, limit])
            var end = offset
            var seen = Set<Data>()
            while let row = try rows.next() {
                let place = PackEntry(chunk: row[0], pack: row[1], offset: row[2], length: row[3])
                end = (row[4] as Int64) + place.length
                if fetched[place.chunk] == nil, seen.insert(place.chunk).inserted { wanted.append(place) }
            }
            continuation = (content, end)
        }
        if !wanted.contains(where: { $0.chunk == hash }) {
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT pack, offset, length FROM remote_chunks WHERE chunk = ?"),
                                             arguments: [hash]) else { return nil }
            wanted.insert(PackEntry(chunk: hash, pack: row[0], offset: row[1], length: row[2]), at: 0)
        }
        guard let fetcher else { throw OpLogError.notLocal(path: path, version: version, remote: remote) }
        let bytes = try fetcher.fetch(wanted, from: remote)
        guard bytes.count == wanted.count else {
            throw OpLogError.remoteFetch(remote: remote, reason: "asked for \(wanted.count) chunks, got \(bytes.count)")
        }
        var found: Data?
        for (place, data) in zip(wanted, bytes) {
            guard data.count == place.length, Data(SHA256.hash(data: data)) == place.chunk else {
                throw OpLogError.remoteFetch(remote: remote, reason: "packs/\(place.pack): the chunk at byte offset \(place.offset) does not match its SHA-256")
            }
            try store(data, as: place.chunk)
            if place.chunk == hash { found = data }
        }
        return found
    }

    /// Moves every chunk fetched so far into the pond's `chunks`, in one
    /// short write that never waits: a pond another writer holds, or one
    /// that cannot be written, keeps them in the scratch file for later reads.
    func keep(in store: LogStore) {
        lock.lock()
        defer { lock.unlock() }
        guard !fetched.isEmpty else { return }
        // One chunk in memory at a time: a read of a large file may have fetched gigabytes.
        let kept = store.writeWithoutWaiting { db in
            for (hash, place) in fetched { try LazyChunks.insert([(hash, try read(place))], into: db) }
        }
        guard kept else { return }
        fetched = [:]
        scratchSize = 0
        _ = ftruncate(scratch, 0)
    }

    /// Stores fetched, checked chunks and drops their rows from `remote_chunks`.
    static func insert(_ chunks: [(hash: Data, data: Data)], into db: Database) throws {
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO chunks(hash, data) VALUES (?, ?)")
        let drop = try db.cachedStatement(sql: "DELETE FROM remote_chunks WHERE chunk = ?")
        for (hash, data) in chunks {
            try insert.execute(arguments: [hash, data])
            try drop.execute(arguments: [hash])
        }
    }

    private func store(_ data: Data, as hash: Data) throws {
        if scratch < 0 {
            var template = Array((NSTemporaryDirectory() + "/pond-lazy-XXXXXX").utf8CString)
            scratch = mkstemp(&template)
            guard scratch >= 0 else { throw OpLogError.remoteFetch(remote: remote, reason: "cannot make a scratch file: \(String(cString: strerror(errno)))") }
            unlink(String(cString: template))
        }
        let written = data.withUnsafeBytes { pwrite(scratch, $0.baseAddress, $0.count, off_t(scratchSize)) }
        guard written == data.count else {
            throw OpLogError.remoteFetch(remote: remote, reason: "cannot write a scratch file: \(String(cString: strerror(errno)))")
        }
        fetched[hash] = (scratchSize, data.count)
        scratchSize += Int64(data.count)
    }

    private func read(_ place: (offset: Int64, length: Int)) throws -> Data {
        var data = Data(count: place.length)
        let got = data.withUnsafeMutableBytes { pread(scratch, $0.baseAddress, place.length, off_t(place.offset)) }
        guard got == place.length else { throw OpLogError.remoteFetch(remote: remote, reason: "a scratch file ended early") }
        return data
    }
}

extension LogSession {
    /// The bytes of chunk `hash` of content `content` (at `offset`), which
    /// this pond lacks: fetched from a lazy clone's remote; nil when the
    /// pond is not lazy or the remote does not hold it either (the caller's
    /// error for a missing chunk stands).
    func missingChunk(_ hash: Data, content: Data?, offset: Int64, end: Int64? = nil, path: String) throws -> Data? {
        guard let lazy else { return nil }
        return try lazy.chunk(hash, content: content, offset: offset, end: end, in: db, path: path, version: version)
    }
}

extension LogStore {
    /// Keeps chunks fetched from a lazy clone's remote, each checked against
    /// its SHA-256 first, in one transaction.
    /// - Throws: `remoteFetch` for a chunk that does not match.
    public func keepFetched(_ chunks: [(PackEntry, Data)]) throws {
        for (place, data) in chunks where Data(SHA256.hash(data: data)) != place.chunk {
            throw OpLogError.remoteFetch(remote: lazyRemote ?? "?", reason: "packs/\(place.pack): the chunk at byte offset \(place.offset) does not match its SHA-256")
        }
        try LogStore.mapErrors(path) {
            try queue.write { db in try LazyChunks.insert(chunks.map { ($0.0.chunk, $0.1) }, into: db) }
        }
    }

    /// The chunks this lazy clone lacks, where they are on its remote:
    /// every one, or those of `contents` (file versions' hashes).
    public func remoteChunks(of contents: [Data]? = nil) throws -> [PackEntry] {
        guard schemaVersion >= 10 else { return [] }
        return try LogStore.mapErrors(path) {
            try queue.read { db in
                let map: (Row) -> PackEntry = { PackEntry(chunk: $0[0], pack: $0[1], offset: $0[2], length: $0[3]) }
                guard let contents else {
                    return try Row.fetchAll(db, sql: "SELECT chunk, pack, offset, length FROM remote_chunks ORDER BY pack, offset").map(map)
                }
                var found: [Data: PackEntry] = [:]
                let statement = try db.cachedStatement(sql: """
                    SELECT chunk, pack, offset, length FROM remote_chunks WHERE chunk = ?1
                    UNION SELECT r.chunk, r.pack, r.offset, r.length FROM content_chunks c JOIN remote_chunks r ON r.chunk = c.chunk
                    WHERE c.content = ?1
                    """)
                for content in Set(contents) {
                    for chunk in try Row.fetchAll(statement, arguments: [content]).map(map) { found[chunk.chunk] = chunk }
                }
                return found.values.sorted { ($0.pack, $0.offset) < ($1.pack, $1.offset) }
            }
        }
    }

    /// A lazy clone's bytes: those here and those still on its remote (nil
    /// for a pond that is no lazy clone).
    public func lazyBytes() throws -> (local: Int64, remote: Int64)? {
        guard lazyChunks != nil else { return nil }
        return try LogStore.mapErrors(path) {
            try queue.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT (SELECT coalesce(sum(length(data)), 0) FROM chunks), (SELECT coalesce(sum(length), 0) FROM remote_chunks)
                    """)!
                return (row[0], row[1])
            }
        }
    }
}
