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

    /// The content file `file` holds at this session's version, nil if it has none.
    func contentReference(of file: NodeID) throws -> ContentReference? {
        let statement = try db.cachedStatement(sql: """
            SELECT hash, size, payload FROM log WHERE node_id = ? AND kind = 'write' AND version <= ?
            ORDER BY version DESC, seq DESC LIMIT 1
            """)
        guard let row = try Row.fetchOne(statement, arguments: [file.rawValue, version.rawValue]) else {
            return nil
        }
        return ContentReference(hash: row[0], size: row[1], inline: row[2])
    }

    public func readContent(of file: NodeID, into sink: ByteSink) throws {
        guard let reference = try contentReference(of: file) else {
            throw LogSession.corrupt("file \(file) has no content at version \(version)")
        }
        try readContent(reference, into: sink)
    }

    /// Passes the bytes of `reference` to `sink` in order, one chunk at a time.
    func readContent(_ reference: ContentReference, into sink: ByteSink) throws {
        if let inline = reference.inline {
            try inline.withUnsafeBytes(sink)
            return
        }
        if reference.size == 0 { return }
        let whole = try db.cachedStatement(sql: "SELECT data FROM chunks WHERE hash = ?")
        if try LogSession.forEachBlob(whole, [reference.hash], sink) > 0 { return }
        let pieces = try db.cachedStatement(sql: """
            SELECT chunks.data FROM content_chunks LEFT JOIN chunks ON chunks.hash = content_chunks.chunk
            WHERE content_chunks.content = ? ORDER BY content_chunks.offset
            """)
        if try LogSession.forEachBlob(pieces, [reference.hash], sink) == 0 {
            throw LogSession.corrupt("content \(reference.hash.hexString) has no stored chunks")
        }
    }

    /// Runs `statement` and passes column 0 of each row to `sink` without
    /// copying it out of SQLite. Returns the number of rows.
    private static func forEachBlob(_ statement: Statement, _ arguments: StatementArguments, _ sink: ByteSink) throws -> Int {
        var count = 0
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() {
            try row.withUnsafeData(atIndex: 0) { data in
                guard let data else { throw LogSession.corrupt("a chunk of the content is missing") }
                try data.withUnsafeBytes(sink)
            }
            count += 1
        }
        return count
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

    private func appendWrite(_ content: ContentReference, of file: NodeID, in directory: NodeID) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO log(part_id, node_id, version, kind, size, hash) VALUES (?, ?, ?, 'write', ?, ?)
            """)
        try statement.execute(arguments: [directory.rawValue, file.rawValue, version.rawValue, content.size, content.hash])
    }

    /// Cuts what `source` yields into chunks and stores each one not yet
    /// stored, then the list of pieces if the content has several and is
    /// not stored yet. Nothing goes to `log`.
    /// - Returns: the stored content, to be referenced by a 'write' row.
    func storeContent<Source: ByteSource>(from source: inout Source) throws -> ContentReference {
        let insertChunk = try db.cachedStatement(sql: "INSERT OR IGNORE INTO chunks(hash, data) VALUES (?, ?)")
        chunker.reset()
        // A content in one piece is that chunk (same bytes, same hash), so
        // the whole-file hash is kept only once a second chunk is coming.
        // (Hashing on a second thread was tried and measured: no faster,
        // the writer's time is in SQLite and the kernel.)
        var whole: SHA256?
        var pieces: [(offset: Int64, hash: Data)] = []
        var size: Int64 = 0
        while try chunker.next(from: &source, { chunk, isLast in
            let hash = Data(SHA256.hash(data: chunk))
            if pieces.isEmpty && !isLast { whole = SHA256() }
            whole?.update(bufferPointer: chunk)
            let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: chunk.baseAddress!),
                            count: chunk.count, deallocator: .none)
            try insertChunk.execute(arguments: [hash, data])
            pieces.append((size, hash))
            size += Int64(chunk.count)
        }) {}
        guard let whole else {
            return ContentReference(hash: pieces.first?.hash ?? Data(SHA256.hash(data: Data())), size: size, inline: nil)
        }
        let hash = Data(whole.finalize())
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

extension Data {
    /// Lowercase hexadecimal, as `sha256sum` prints a hash.
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
