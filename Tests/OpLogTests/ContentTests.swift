import Crypto
import Foundation
import GRDB
import Testing
@testable import OpLog
import Schema
import TinyFS

/// The chunks `Chunker` cuts from `source`, as byte arrays.
private func chunks<Source: ByteSource>(of source: inout Source) throws -> [[UInt8]] {
    let chunker = Chunker()
    var result: [[UInt8]] = []
    while try chunker.next(from: &source, { chunk, _ in result.append(Array(chunk)) }) {}
    return result
}

private func chunks(of bytes: [UInt8]) throws -> [[UInt8]] {
    var source = ArraySource(bytes)
    return try chunks(of: &source)
}

struct ChunkerTests {
    @Test func chunksCoverTheInputWithinTheSizeBounds() throws {
        let bytes = randomBytes(4 * 1024 * 1024, seed: 1)
        let pieces = try chunks(of: bytes)
        #expect(Array(pieces.joined()) == bytes)
        for piece in pieces.dropLast() {
            #expect(piece.count >= Chunker.minimum && piece.count <= Chunker.maximum)
        }
        #expect(pieces.last!.count <= Chunker.maximum)
        let average = bytes.count / pieces.count
        #expect(average > Chunker.target / 2 && average < Chunker.target * 2, "average chunk \(average) bytes")
    }

    @Test func boundariesDoNotDependOnHowTheSourceSplitsItsReads() throws {
        let bytes = randomBytes(2 * 1024 * 1024, seed: 2)
        var trickle = TrickleSource(bytes: bytes, step: 4093)
        #expect(try chunks(of: &trickle) == chunks(of: bytes))
    }

    @Test func anInsertionChangesOnlyTheChunksAroundIt() throws {
        let bytes = randomBytes(4 * 1024 * 1024, seed: 3)
        var edited = bytes
        edited.insert(contentsOf: Array("inserted".utf8), at: 1_000_000)
        let before = Set(try chunks(of: bytes))
        let after = try chunks(of: edited)
        let new = after.filter { !before.contains($0) }
        #expect(new.count <= 2, "\(new.count) new chunks of \(after.count)")
    }

    /// The chunks of `bytes` cut straight from the whole array, without the
    /// chunker's buffer: what streaming must give, however the buffer grows.
    private func reference(_ bytes: [UInt8]) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var position = 0
        while position < bytes.count {
            let length = bytes[position...].withUnsafeBytes { Chunker.cut($0) }
            pieces.append(Array(bytes[position..<position + length]))
            position += length
        }
        return pieces
    }

    @Test func sourcesAroundTheBuffersSizesChunkAsTheWholeArrayDoes() throws {
        let first = Chunker.initialSize, whole = Chunker.readSize + Chunker.maximum
        let reused = Chunker()
        for (index, size) in [first - 1, first, first + 1, 3 * first + 5, whole - 1, whole, whole + 1, 2 * whole + 7,
                              first + 1].enumerated() {
            let bytes = randomBytes(size, seed: UInt64(20 + index))
            let expected = reference(bytes)
            #expect(try chunks(of: bytes) == expected, "\(size) bytes")
            var trickle = TrickleSource(bytes: bytes, step: 1000)
            #expect(try chunks(of: &trickle) == expected, "\(size) bytes, read 1,000 at a time")
            // One chunker for every file, as a session uses it: after a large
            // source has grown its buffer, a small one still chunks the same.
            reused.reset()
            var source = ArraySource(bytes)
            var pieces: [[UInt8]] = []
            while try reused.next(from: &source, { chunk, _ in pieces.append(Array(chunk)) }) {}
            #expect(pieces == expected, "\(size) bytes, reused chunker")
        }
    }

    @Test func smallAndEmptyInputs() throws {
        #expect(try chunks(of: []).isEmpty)
        #expect(try chunks(of: [7]) == [[7]])
        let small = randomBytes(Chunker.minimum, seed: 4)
        #expect(try chunks(of: small) == [small])
    }
}

struct ContentStorageTests {
    /// Writes `bytes` as file `name` in the root (a new node, or a new
    /// version of the existing one) and returns its node and the version.
    @discardableResult
    private func store(_ bytes: [UInt8], as name: Name, in store: LogStore) throws -> (NodeID, Version?) {
        try store.write(message: "write \(name)") { session -> NodeID in
            if let existing = try session.entry(named: name, in: .root) {
                try session.writeContent(bytes, of: existing.id, in: .root)
                return existing.id
            }
            let id = try session.allocateNodeID()
            try session.writeContent(bytes, of: id, in: .root)
            try session.link(EntryRecord(name: name, id: id, type: .file), in: .root)
            return id
        }
    }

    /// Bytes held in `chunks` and rows in `content_chunks`.
    private func stored(_ store: LogStore) throws -> (chunkBytes: Int, pieceRows: Int) {
        try store.read { session in
            (try Int.fetchOne(session.db, sql: "SELECT coalesce(sum(length(data)), 0) FROM chunks")!,
             try Int.fetchOne(session.db, sql: "SELECT count(*) FROM content_chunks")!)
        }
    }

    @Test func aLargeFileIsReadBackInPiecesAndThroughTheViews() throws {
        let log = try LogStore.create(at: try freshPath())
        let bytes = randomBytes(3 * 1024 * 1024 + 17, seed: 5)
        let (id, version) = try store(bytes, as: "big", in: log)
        var pieces: [Int] = []
        var read: [UInt8] = []
        try log.read { session in
            try session.readContent(of: id, at: "/big") { pieces.append($0.count); read.append(contentsOf: $0) }
        }
        #expect(read == bytes)
        #expect(pieces.count > 10 && pieces.allSatisfy { $0 <= Chunker.maximum })

        let row = try log.read { session in
            try Row.fetchOne(session.db, sql: "SELECT size, sha256, content FROM file_contents WHERE node_id = ?",
                             arguments: [id.rawValue])!
        }
        #expect(row["size"] as Int == bytes.count)
        #expect(row["sha256"] as Data == Data(SHA256.hash(data: bytes)))
        #expect(row["content"] as Data? == nil)

        // The reassembly views.sql documents, run as written there.
        let documented = try #require(Schema.views.range(of: "--   WITH RECURSIVE part"))
        let query = Schema.views[documented.lowerBound...]
            .split(separator: "\n").prefix(7).map { $0.dropFirst(3) }.joined(separator: "\n")
            .replacingOccurrences(of: "node_id = 42", with: "node_id = \(id.rawValue)")
            .replacingOccurrences(of: "version = 9", with: "version = \(version!.rawValue)")
        let whole = try log.read { try Data.fetchOne($0.db, sql: query) }
        #expect(whole == Data(bytes))
    }

    @Test func aSmallFileIsOneChunkReadableInOnePiece() throws {
        let log = try LogStore.create(at: try freshPath())
        let (id, _) = try store(Array("temperature,21.5\n".utf8), as: "small.csv", in: log)
        let content = try log.read { session in
            try Data.fetchOne(session.db, sql: "SELECT content FROM file_contents WHERE node_id = ?", arguments: [id.rawValue])
        }
        #expect(content == Data("temperature,21.5\n".utf8))
        #expect(try stored(log).pieceRows == 0)
    }

    @Test func identicalContentIsStoredOnceAcrossPathsAndVersions() throws {
        let log = try LogStore.create(at: try freshPath())
        let bytes = randomBytes(2 * 1024 * 1024, seed: 6)
        try store(bytes, as: "a", in: log)
        let first = try stored(log)
        try store(bytes, as: "b", in: log)
        try store(randomBytes(1000, seed: 7), as: "a", in: log)
        try store(bytes, as: "a", in: log)
        let after = try stored(log)
        #expect(after.chunkBytes == first.chunkBytes + 1000)
        #expect(after.pieceRows == first.pieceRows)
    }

    @Test func anAppendOrAnEditStoresAboutTheChangedBytes() throws {
        let log = try LogStore.create(at: try freshPath())
        var bytes = randomBytes(8 * 1024 * 1024, seed: 8)
        try store(bytes, as: "growing", in: log)
        let initial = try stored(log).chunkBytes
        bytes += randomBytes(256 * 1024, seed: 9)
        try store(bytes, as: "growing", in: log)
        let appended = try stored(log).chunkBytes
        // The new bytes, and at most the old last chunk cut differently.
        #expect(appended - initial <= 256 * 1024 + Chunker.maximum, "append stored \(appended - initial) bytes")
        bytes.replaceSubrange(4_000_000..<4_000_004, with: Array("edit".utf8))
        try store(bytes, as: "growing", in: log)
        let edited = try stored(log).chunkBytes
        #expect(edited - appended <= 2 * Chunker.maximum, "edit stored \(edited - appended) bytes")
        let (id, _) = try store(bytes, as: "growing", in: log)
        #expect(try log.read { try $0.content(of: id, at: "/f") } == bytes)
    }

    @Test func writingTheBytesAFileHoldsAddsNoVersion() throws {
        let log = try LogStore.create(at: try freshPath())
        let bytes = randomBytes(600 * 1024, seed: 10)
        let (_, first) = try store(bytes, as: "f", in: log)
        let before = try stored(log)
        let (_, second) = try store(bytes, as: "f", in: log)
        #expect(first == 2 && second == nil)
        #expect(try stored(log) == before)
    }

    @Test func anEmptyFileHasNoChunk() throws {
        let log = try LogStore.create(at: try freshPath())
        let (id, _) = try store([], as: "empty", in: log)
        #expect(try log.read { try $0.content(of: id, at: "/f") } == [])
        #expect(try stored(log) == (0, 0))
        #expect(try log.check().isEmpty)
    }

    @Test func fsckNamesAMissingChunkAndAFlippedByte() throws {
        let log = try LogStore.create(at: try freshPath())
        let bytes = randomBytes(1024 * 1024, seed: 11)
        try store(bytes, as: "f", in: log)
        try store(Array("small".utf8), as: "g", in: log)
        #expect(try log.check().isEmpty)
        try log.queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: """
                DELETE FROM chunks WHERE hash = (SELECT chunk FROM content_chunks ORDER BY offset LIMIT 1 OFFSET 3);
                UPDATE chunks SET data = CAST('smalL' AS BLOB) WHERE data = CAST('small' AS BLOB);
                """)
        }
        let findings = try log.check().map(\.message)
        #expect(findings.contains { $0.hasPrefix("/f (node 0000000000000001, version 2): content") && $0.contains("missing") },
                "\(findings)")
        #expect(findings.contains { $0.hasPrefix("/g (node 0000000000000002, version 3): content does not match its SHA-256") },
                "\(findings)")
        #expect(findings.contains { $0.hasPrefix("chunk ") && $0.hasSuffix("its bytes do not match its SHA-256") })
    }

    @Test func chunksLargerThanPondCutsAreReadAndChecked() throws {
        // A pond whose content is two chunks of 2 MiB and 1 MiB + 7 (another
        // chunker, say): each larger than the reader's pooled buffers.
        let log = try LogStore.create(at: try freshPath())
        let bytes = randomBytes(3 * 1024 * 1024 + 7, seed: 9)
        let (id, _) = try store(bytes, as: "f", in: log)
        let content = Data(SHA256.hash(data: bytes))
        let pieces = [Array(bytes[..<(2 << 20)]), Array(bytes[(2 << 20)...])]
        try log.queue.writeWithoutTransaction { db in
            try db.execute(sql: "DELETE FROM content_chunks WHERE content = ?", arguments: [content])
            var offset = 0
            for piece in pieces {
                let hash = Data(SHA256.hash(data: piece))
                try db.execute(sql: "INSERT OR IGNORE INTO chunks(hash, data) VALUES (?, ?)", arguments: [hash, Data(piece)])
                try db.execute(sql: "INSERT INTO content_chunks(content, offset, chunk) VALUES (?, ?, ?)",
                               arguments: [content, offset, hash])
                offset += piece.count
            }
        }
        #expect(try log.read { try $0.content(of: id, at: "/f") } == bytes)
        // Flip a byte in the second one: the first still goes out, then the error at its offset.
        try log.queue.writeWithoutTransaction { db in
            var bad = pieces[1]
            bad[10] ^= 1
            try db.execute(sql: "UPDATE chunks SET data = ? WHERE hash = ?",
                           arguments: [Data(bad), Data(SHA256.hash(data: pieces[1]))])
        }
        var read: [UInt8] = []
        #expect(throws: OpLogError.self) {
            try log.read { session in try session.readContent(of: id, at: "/f") { read.append(contentsOf: $0) } }
        }
        #expect(read == pieces[0])
    }
}

/// A source that fails after `limit` bytes, as a disk or pipe might.
struct FailingSource: ByteSource {
    struct Failure: Error {}
    let limit: Int
    var given = 0

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if given >= limit { throw Failure() }
        let count = min(buffer.count, limit - given)
        for index in 0..<count { buffer[index] = UInt8(truncatingIfNeeded: (given + index) &* 31 >> 3) }
        given += count
        return count
    }
}

struct ChunkProducerTests {
    @Test func chunksArriveInOrderWithTheirHashesAndTheWholeHash() throws {
        let bytes = randomBytes(3 * 1024 * 1024, seed: 20)
        var source = ArraySource(bytes)
        let chunker = Chunker()
        var first = Data()
        _ = try chunker.next(from: &source) { chunk, _ in first = Data(chunk) }
        var joined = Data()
        let whole = try ChunkProducer.run(chunker: chunker, source: &source, first: first) { data, hash in
            #expect(hash == Data(SHA256.hash(data: data)))
            joined += data
        }
        #expect(joined == Data(bytes))
        #expect(whole == Data(SHA256.hash(data: bytes)))
    }

    @Test func aFailingSourceFailsTheWriteAndRollsItBack() throws {
        let log = try LogStore.create(at: try freshPath())
        #expect(throws: FailingSource.Failure.self) {
            try log.write(message: "fails") { session in
                var source = FailingSource(limit: 2 * 1024 * 1024)
                let id = try session.allocateNodeID()
                _ = try session.writeContent(from: &source, of: id, in: .root)
            }
        }
        #expect(try log.headVersion == 1)
        #expect(try log.read { try Int.fetchOne($0.db, sql: "SELECT count(*) FROM chunks") } == 0)
    }

    @Test func aFailingStoreStopsTheProducer() throws {
        struct Stop: Error {}
        var source = ArraySource(randomBytes(8 * 1024 * 1024, seed: 21))
        let chunker = Chunker()
        var first = Data()
        _ = try chunker.next(from: &source) { chunk, _ in first = Data(chunk) }
        var stored = 0
        #expect(throws: Stop.self) {
            _ = try ChunkProducer.run(chunker: chunker, source: &source, first: first) { _, _ in
                stored += 1
                if stored == 3 { throw Stop() }
            }
        }
        #expect(stored == 3)
    }
}

/// What a pull checks of a content that grew by an append: the bytes the
/// append added, against the chain of hashes, from a base known sound.
struct AppendedContentCheckTests {
    @Test func anAppendedContentIsCheckedByWhatItAdded() throws {
        let log = try LogStore.create(at: try freshPath())
        let first = randomBytes(700_000, seed: 11), more = randomBytes(300_000, seed: 12)
        let id: NodeID = try log.write(message: "w") { session in
            let id = try session.allocateNodeID()
            try session.writeContent(first, of: id, in: .root)
            try session.link(EntryRecord(name: try Name("f"), id: id, type: .file), in: .root)
            return id
        }.0
        _ = try log.write(message: "a") { session in
            var source = ArraySource(more)
            return try session.appendContent(from: &source, of: id, in: .root, asBytes: true)
        }
        func check() throws -> Bool? {
            try log.read { session in
                let reference = try #require(try session.contentReference(of: id))
                let base = try #require(try Row.fetchOne(session.db, sql: "SELECT base, base_size FROM appends WHERE content = ?",
                                                         arguments: [reference.hash]))
                return try session.verifyAppended(reference, base: base[0], baseSize: base[1])
            }
        }
        #expect(try check() == true)
        // A byte of the added part changed (its chunk's bytes, under its old hash): caught.
        let last = try log.read { session in
            try Data.fetchOne(session.db, sql: """
                SELECT chunk FROM content_chunks WHERE content = (SELECT content FROM appends) ORDER BY offset DESC LIMIT 1
                """)!
        }
        try log.queue.writeWithoutTransaction { db in
            var bytes = try Data.fetchOne(db, sql: "SELECT data FROM chunks WHERE hash = ?", arguments: [last])!
            bytes[bytes.count / 2] ^= 1
            try db.execute(sql: "UPDATE chunks SET data = ? WHERE hash = ?", arguments: [bytes, last])
        }
        #expect(try check() != true)
    }
}
