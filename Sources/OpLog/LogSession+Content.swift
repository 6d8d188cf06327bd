import Crypto
import Foundation
import GRDB
import TinyFS

/// File content: streamed through `Chunker` into deduplicated chunks
/// (Schema/v2_content.sql says how it is laid out), and read back piece by
/// piece. Memory stays bounded by the chunker's buffer, whatever the file's size.
extension LogSession {
    /// Which stored content a file version is: the columns of its 'write' row.
    struct ContentReference {
        /// SHA-256 of the whole content.
        let hash: Data
        let size: Int64
        /// The bytes themselves, for a row written by schema version 1.
        let inline: Data?
    }

    /// The hash of the content file `file` holds at this session's version, nil if it has none.
    public func contentHash(of file: NodeID) throws -> Data? {
        try contentReference(of: file)?.hash
    }

    /// The content file `file` holds at this session's version, nil if it has none.
    func contentReference(of file: NodeID) throws -> ContentReference? {
        guard let row = try newestRow(.content, of: file) else { return nil }
        return ContentReference(hash: row[0], size: row[1], inline: row[2])
    }

    public func readContent(of file: NodeID, at path: PondPath, into sink: ByteSink) throws {
        guard let reference = try contentReference(of: file) else {
            throw LogSession.corrupt("file \(file) has no content at version \(version)")
        }
        try readContent(reference, path: path.description, into: sink)
    }

    /// Passes the bytes of `reference` to `sink` in order, one chunk at a
    /// time, each checked against its SHA-256 before it is passed on and the
    /// whole against the content's hash (see `VerifiedRead`).
    /// - Throws: `OpLogError.damagedContent` (bytes that differ) or
    ///   `missingContent` (bytes that are gone), naming `path`, the version and
    ///   the byte offset of the first damage.
    func readContent(_ reference: ContentReference, path: String, into sink: ByteSink) throws {
        if let inline = reference.inline {
            try inline.withUnsafeBytes {
                try VerifiedRead.single($0, path: path, version: version, expected: reference.hash, sink: sink)
            }
            return
        }
        if let pruned = try pruning(of: reference.hash) {
            throw OpLogError.pruned(path: path, version: version, by: pruned.version, time: pruned.time)
        }
        if reference.size == 0 {
            try VerifiedRead.single(UnsafeRawBufferPointer(start: nil, count: 0), path: path, version: version,
                                    expected: reference.hash, sink: { _ in })
            return
        }
        // A content in one piece is the chunk stored under its own hash.
        let whole = try db.cachedStatement(sql: LogSession.wholeChunkSQL)
        if let row = try Row.fetchOne(whole, arguments: [reference.hash]) {
            try row.withUnsafeData(atIndex: 0) { data in
                try (data ?? Data()).withUnsafeBytes {
                    try VerifiedRead.single($0, path: path, version: version, expected: reference.hash, sink: sink)
                }
            }
            return
        }
        if lazy != nil, let data = try missingChunk(reference.hash, content: nil, offset: 0, path: path) {
            try data.withUnsafeBytes {
                try VerifiedRead.single($0, path: path, version: version, expected: reference.hash, sink: sink)
            }
            return
        }
        try withoutActuallyEscaping(sink) { sink in
            let read = VerifiedRead(path: path, version: version, expected: reference.hash,
                                    boundaries: try appendBoundaries(of: reference.hash), sink: sink)
            try readPieces(reference, path: path, with: read)
        }
    }

    /// The chunk that is the whole of a content in one piece: the one stored under the content's hash ?1.
    static let wholeChunkSQL = "SELECT data FROM chunks WHERE hash = ?"

    /// The prune that let content ?1 go (its version), and when; no row if its bytes are kept.
    static let pruningSQL = "SELECT pruned.version, versions.time FROM pruned JOIN versions USING (version) WHERE content = ?"

    /// The prune that let content `hash` go, and when; nil if its bytes are kept.
    func pruning(of hash: Data) throws -> (version: Version, time: String)? {
        guard hasPrunedContents else { return nil }
        let statement = try db.cachedStatement(sql: LogSession.pruningSQL)
        guard let row = try Row.fetchOne(statement, arguments: [hash]) else { return nil }
        return (Version(row[0] as Int64), row[1])
    }

    /// Feeds every piece of multi-chunk content `reference` to `read`, in order.
    private func readPieces(_ reference: ContentReference, path: String, with read: VerifiedRead) throws {
        let pieces = try db.cachedStatement(sql: """
            SELECT content_chunks.chunk, content_chunks.offset, chunks.data
            FROM content_chunks LEFT JOIN chunks ON chunks.hash = content_chunks.chunk
            WHERE content_chunks.content = ? ORDER BY content_chunks.offset
            """)
        var offset: Int64 = 0
        let rows = try Row.fetchCursor(pieces, arguments: [reference.hash])
        while let row = try rows.next() {
            let chunk: Data = row[0]
            guard row[1] as Int64 == offset else {
                throw OpLogError.missingContent(path: path, version: version, offset: offset,
                                                reason: "the list of its chunks has a gap or an overlap here")
            }
            let local = try row.withUnsafeData(atIndex: 2) { data in
                guard let data else { return false }
                try data.withUnsafeBytes { try read.add($0, hash: chunk) }
                offset += Int64(data.count)
                return true
            }
            if !local {
                guard let data = try missingChunk(chunk, content: reference.hash, offset: offset, path: path) else {
                    throw OpLogError.missingContent(path: path, version: version, offset: offset,
                                                    reason: "chunk \(chunk.hexString) is missing")
                }
                try data.withUnsafeBytes { try read.add($0, hash: chunk) }
                offset += Int64(data.count)
            }
        }
        if offset == 0 {
            throw OpLogError.missingContent(path: path, version: version, offset: 0,
                                            reason: "content \(reference.hash.hexString) has no stored chunks")
        }
        try read.finish(size: reference.size)
    }

    public func writeContent<Source: ByteSource>(
        from source: inout Source, of file: NodeID, in directory: NodeID
    ) throws -> Bool {
        try requireWritable()
        guard let current = try contentReference(of: file) else {
            try appendWrite(try storeContent(from: &source), of: file, in: directory)
            return true
        }
        // Storing the same bytes again adds no chunk, but the savepoint also
        // drops the chunks stored for nothing when the file held them inline.
        var written = false
        try db.inSavepoint {
            let stored = try storeContent(from: &source)
            guard stored.hash != current.hash || stored.size != current.size else { return .rollback }
            try appendWrite(stored, of: file, in: directory)
            written = true
            return .commit
        }
        return written
    }

    public func restoreContent(of file: NodeID, from snapshot: any Persistence, in directory: NodeID) throws -> Bool {
        try requireWritable()
        guard let old = snapshot as? LogSession, old.db === db else {
            // Another kind of snapshot: its bytes, streamed in as any others.
            var bytes: [UInt8] = []
            try snapshot.readContent(of: file, at: .root) { bytes.append(contentsOf: $0) }
            return try writeContent(bytes, of: file, in: directory)
        }
        guard let wanted = try old.contentReference(of: file) else {
            throw LogSession.corrupt("file \(file) has no content at version \(old.version)")
        }
        if let current = try contentReference(of: file), current.hash == wanted.hash, current.size == wanted.size { return false }
        if let pruned = try pruning(of: wanted.hash) {
            throw OpLogError.pruned(path: "node \(file)", version: old.version, by: pruned.version, time: pruned.time)
        }
        // The same bytes are stored already: the new write names them (schema-1 rows are stored anew).
        var reference = wanted
        if let inline = wanted.inline {
            var source = ArraySource(Array(inline))
            reference = try storeContent(from: &source)
        }
        try appendWrite(reference, of: file, in: directory)
        return true
    }

    public func rewriteContent(of file: NodeID, in directory: NodeID) throws {
        try requireWritable()
        guard var reference = try contentReference(of: file) else {
            throw LogSession.corrupt("file \(file) has no content at version \(version)")
        }
        if let inline = reference.inline {
            var source = ArraySource(Array(inline))
            reference = try storeContent(from: &source)
        }
        try appendWrite(reference, of: file, in: directory)
    }

    func appendWrite(_ content: ContentReference, of file: NodeID, in directory: NodeID) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO log(part_id, node_id, version, kind, size, hash) VALUES (?, ?, ?, \(RowKind.write.sql), ?, ?)
            """)
        try statement.execute(arguments: [directory.rawValue, file.rawValue, version.rawValue, content.size, content.hash])
        writtenFiles.append(file)
    }

    /// Content `hash` has just been stored whole again: it is no longer pruned.
    private func forgetPruning(of hash: Data) throws {
        guard hasPrunedContents else { return }
        try db.cachedStatement(sql: "DELETE FROM pruned WHERE content = ?").execute(arguments: [hash])
    }

    /// Cuts what `source` yields into chunks and stores each one not yet
    /// stored, then the list of pieces if the content has several and is
    /// not stored yet. Nothing goes to `log`.
    /// - Returns: the stored content, to be referenced by a 'write' row.
    func storeContent<Source: ByteSource>(from source: inout Source) throws -> ContentReference {
        let insertChunk = try db.cachedStatement(sql: "INSERT OR IGNORE INTO chunks(hash, data) VALUES (?, ?)")
        var pieces: [(offset: Int64, hash: Data)] = []
        var size: Int64 = 0
        func insert(_ bytes: UnsafeRawBufferPointer, hash: Data) throws {
            let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress!),
                            count: bytes.count, deallocator: .none)
            try insertChunk.execute(arguments: [hash, data])
            pieces.append((size, hash))
            size += Int64(bytes.count)
        }
        // The first chunk decides. A content in one piece is that chunk (same
        // bytes, same hash): stored here, hashed once. A larger one is read,
        // cut and hashed (each chunk and the whole file) by `ChunkProducer` on
        // the other core while this thread stores the chunks it hands over.
        chunker.reset()
        var single: Data?
        var first: Data?
        let any = try chunker.next(from: &source) { chunk, isLast in
            if isLast {
                single = Data(SHA256.hash(data: chunk))
                try insert(chunk, hash: single!)
            } else {
                first = Data(chunk)
            }
        }
        guard any else { return ContentReference(hash: Data(SHA256.hash(data: Data())), size: 0, inline: nil) }
        if let single {
            try forgetPruning(of: single)
            return ContentReference(hash: single, size: size, inline: nil)
        }
        let hash = try ChunkProducer.run(chunker: chunker, source: &source, first: first!) { chunk, chunkHash in
            try chunk.withUnsafeBytes { try insert($0, hash: chunkHash) }
        }
        try forgetPruning(of: hash)
        let known = try db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM content_chunks WHERE content = ?)")
        if try !(Bool.fetchOne(known, arguments: [hash]) ?? false) {
            let insertPiece = try db.cachedStatement(sql: """
                INSERT INTO content_chunks(content, offset, chunk) VALUES (?, ?, ?)
                """)
            for piece in pieces {
                try insertPiece.execute(arguments: [hash, piece.offset, piece.hash])
            }
        }
        return ContentReference(hash: hash, size: size, inline: nil)
    }
}

/// Reads, cuts and hashes a content on a second thread, handing each chunk
/// and its SHA-256 to the caller's thread, which stores them: with two
/// cores, cutting and hashing then cost the writer next to nothing
/// (measured on 256 MiB: see Benchmarks/ in the README).
///
/// At most 8 chunks (2 MiB) wait; the producer blocks beyond that. The
/// caller's `source` is used only by the producer until `run` returns, and
/// `run` returns only after the producer has stopped.
enum ChunkProducer {
    /// The queue between the two threads.
    private final class Handoff: @unchecked Sendable {
        // Every field is guarded by `condition`.
        private let condition = NSCondition()
        private var items: [(data: Data, hash: Data)] = []
        private var finished = false
        private var cancelled = false
        private var failure: (any Error)?
        private(set) var whole = Data()

        /// Producer: waits for room; false if the consumer gave up.
        func put(_ item: (data: Data, hash: Data)) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while items.count >= 8 && !cancelled { condition.wait() }
            if cancelled { return false }
            items.append(item)
            condition.broadcast()
            return true
        }

        /// Producer: no more chunks; `whole` is the content's hash, or `error` what failed.
        func finish(whole hash: Data, error: (any Error)?) {
            condition.lock()
            whole = hash
            failure = error
            finished = true
            condition.broadcast()
            condition.unlock()
        }

        /// Consumer: the next chunk, nil at the end; rethrows the producer's error.
        func take() throws -> (data: Data, hash: Data)? {
            condition.lock()
            defer { condition.unlock() }
            while items.isEmpty && !finished { condition.wait() }
            if !items.isEmpty {
                condition.broadcast()
                return items.removeFirst()
            }
            if let failure { throw failure }
            return nil
        }

        /// Consumer: stop the producer (after an error of its own).
        func cancel() {
            condition.lock()
            cancelled = true
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The producer's body, handed to its thread (which it alone runs).
    private struct Job: @unchecked Sendable {
        let body: () -> Void
    }

    /// What the producer thread needs, handed over whole.
    private struct Work<Source: ByteSource>: @unchecked Sendable {
        let chunker: Chunker
        let source: UnsafeMutablePointer<Source>
        let first: Data
        let handoff: Handoff
        let done: DispatchSemaphore
    }

    /// Feeds `store` every chunk of `first` followed by the rest of `source`,
    /// in order, and returns the SHA-256 of the whole content.
    static func run<Source: ByteSource>(
        chunker: Chunker, source: inout Source, first: Data, store: (Data, Data) throws -> Void
    ) throws -> Data {
        let handoff = Handoff()
        let done = DispatchSemaphore(value: 0)
        return try withUnsafeMutablePointer(to: &source) { pointer in
            let work = Work(chunker: chunker, source: pointer, first: first, handoff: handoff, done: done)
            let job = Job { produce(work) }
            Thread.detachNewThread { job.body() }
            defer { done.wait() }
            do {
                while let (data, hash) = try handoff.take() { try store(data, hash) }
            } catch {
                handoff.cancel()
                throw error
            }
            return handoff.whole
        }
    }

    private static func produce<Source: ByteSource>(_ work: Work<Source>) {
        defer { work.done.signal() }
        var whole = SHA256()
        whole.update(data: work.first)
        guard work.handoff.put((work.first, Data(SHA256.hash(data: work.first)))) else { return }
        do {
            var open = true
            while open, try work.chunker.next(from: &work.source.pointee, { chunk, _ in
                let data = Data(chunk)
                whole.update(data: data)
                open = work.handoff.put((data, Data(SHA256.hash(data: data))))
            }) {}
            work.handoff.finish(whole: Data(whole.finalize()), error: nil)
        } catch {
            work.handoff.finish(whole: Data(), error: error)
        }
    }
}

extension Data {
    /// Lowercase hexadecimal, as `sha256sum` prints a hash.
    public var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
