import Crypto
import Foundation
import GRDB
import Tabular
import TinyFS

/// A content's bytes read at any offset (a Parquet file's footer, then the
/// column chunks a query needs): only the chunks a read covers are fetched,
/// each checked against its SHA-256 before use. The whole content's hash
/// cannot be checked by a read that does not cover it; every byte handed
/// out is in a checked chunk.
final class ContentRanges: RandomAccessBytes {
    private let session: LogSession
    private let reference: LogSession.ContentReference
    private let name: String
    /// Each chunk's start offset and hash, ascending.
    private let starts: [Int64]
    private let hashes: [Data]
    /// The chunk read last, kept for the next read (a footer and its length lie in one).
    private var cached: (index: Int, bytes: Data)?
    /// Where the read under way ends: a lazy clone fetches no chunk past it.
    private var readEnd: Int64?

    let count: Int64

    init(session: LogSession, reference: LogSession.ContentReference, name: String) throws {
        self.session = session
        self.reference = reference
        self.name = name
        count = reference.size
        let rows = try Row.fetchAll(session.db.cachedStatement(sql: """
            SELECT offset, chunk FROM content_chunks WHERE content = ? ORDER BY offset
            """), arguments: [reference.hash])
        // A content of one chunk may be kept as that chunk alone, under its own hash.
        starts = rows.isEmpty ? [0] : rows.map { $0[0] }
        hashes = rows.isEmpty ? [reference.hash] : rows.map { $0[1] }
        guard starts.first == 0 else {
            throw OpLogError.missingContent(path: name, version: session.version, offset: 0, reason: "content \(reference.hash.hexString) has no stored chunks")
        }
    }

    func read(at offset: Int64, count wanted: Int) throws -> [UInt8] {
        guard offset >= 0, wanted >= 0, offset + Int64(wanted) <= count else {
            throw OpLogError.damagedContent(path: name, version: session.version, offset: offset,
                                            reason: "a read of \(wanted) bytes past the file's \(count)")
        }
        var result: [UInt8] = []
        result.reserveCapacity(wanted)
        readEnd = offset + Int64(wanted)
        // The last chunk starting at or before `offset`.
        var index = max(0, (starts.firstIndex { $0 > offset } ?? starts.count) - 1)
        var at = offset
        let end = offset + Int64(wanted)
        while at < end {
            guard index < starts.count else {
                throw OpLogError.missingContent(path: name, version: session.version, offset: at, reason: "the list of its chunks ends before the file")
            }
            let chunk = try chunk(index)
            let start = starts[index]
            let chunkEnd = start + Int64(chunk.count)
            guard start <= at, chunkEnd > at else {
                throw OpLogError.missingContent(path: name, version: session.version, offset: at, reason: "the list of its chunks has a gap or an overlap here")
            }
            let from = Int(at - start), to = Int(min(end, chunkEnd) - start)
            chunk.withUnsafeBytes { result.append(contentsOf: $0[from..<to]) }
            at = min(end, chunkEnd)
            index += 1
        }
        return result
    }

    private func chunk(_ index: Int) throws -> Data {
        if let cached, cached.index == index { return cached.bytes }
        guard let data = try Data.fetchOne(session.db.cachedStatement(sql: "SELECT data FROM chunks WHERE hash = ?"), arguments: [hashes[index]])
                ?? session.missingChunk(hashes[index], content: starts.count > 1 ? reference.hash : nil, offset: starts[index],
                                        end: readEnd, path: name) else {
            throw OpLogError.missingContent(path: name, version: session.version, offset: starts[index], reason: "chunk \(hashes[index].hexString) is missing")
        }
        guard Data(SHA256.hash(data: data)) == hashes[index] else {
            throw OpLogError.damagedContent(path: name, version: session.version, offset: starts[index], reason: "a stored chunk does not match its SHA-256")
        }
        cached = (index, data)
        return data
    }
}

extension LogSession {
    /// File `file`'s content as bytes read at any offset, each chunk read
    /// checked; a content in one piece is read and checked whole.
    public func contentRanges(of file: NodeID, at path: String) throws -> RandomAccessBytes {
        guard let reference = try contentReference(of: file) else {
            throw LogSession.corrupt("file \(file) has no content at version \(version)")
        }
        return try contentRanges(reference, path: path)
    }

    func contentRanges(_ reference: ContentReference, path: String) throws -> RandomAccessBytes {
        if let pruned = try pruning(of: reference.hash) {
            throw OpLogError.pruned(path: path, version: version, by: pruned.version, time: pruned.time)
        }
        if reference.inline != nil || reference.size == 0 {
            var bytes: [UInt8] = []
            try readContent(reference, path: path) { bytes.append(contentsOf: $0) }
            return BytesInMemory(bytes)
        }
        return try ContentRanges(session: self, reference: reference, name: path)
    }
}
