import Crypto
import Foundation
import GRDB
import Testing
@testable import OpLog
import Schema
import TinyFS

/// A pond as schema version 1 wrote it, made here from that version's own
/// SQL (Schema/v1_log.sql, never edited) and the rows Pond 1 wrote: file
/// bytes inline in `payload`, one of them larger than a chunk.
struct SchemaV1Fixture {
    let path: String
    /// Node ids: /d, /d/f (later moved to /f), /l, /e.
    static let d = NodeID(1), f = NodeID(2), l = NodeID(3), e = NodeID(4)
    static let big = randomBytes(300 * 1024, seed: 42)

    /// What each version holds: the root's and /d's entries, and contents.
    struct Expected {
        var root: [EntryRecord]
        var d: [EntryRecord]
        var contents: [NodeID: [UInt8]]
        var targets: [NodeID: String]
    }

    static let expected: [Expected] = {
        let dEntry = EntryRecord(name: "d", id: d, type: .directory)
        let lEntry = EntryRecord(name: "l", id: l, type: .symlink)
        let fEntry = EntryRecord(name: "f", id: f, type: .file)
        let eEntry = EntryRecord(name: "e", id: e, type: .file)
        let v2 = Expected(root: [dEntry, lEntry], d: [fEntry], contents: [f: Array("hello v1".utf8)], targets: [l: "d/f"])
        var v3 = v2
        v3.contents[f] = big
        var v4 = v3
        v4.root = [dEntry, fEntry, lEntry]
        v4.d = []
        var v5 = v4
        v5.root = [dEntry, eEntry, fEntry, lEntry]
        v5.contents[e] = []
        return [Expected(root: [], d: [], contents: [:], targets: [:]), v2, v3, v4, v5]
    }()

    init() throws {
        path = try freshPath()
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.inTransaction {
                try db.execute(sql: Schema.v1Log)
                try db.execute(sql: "PRAGMA user_version = 1")
                func version(_ number: Int, _ command: String) throws {
                    try db.execute(sql: "INSERT INTO versions VALUES (?, ?, ?)",
                                   arguments: [number, "2026-11-0\(number)T00:00:00.000Z", command])
                }
                func row(_ part: NodeID, _ node: NodeID, _ version: Int, _ kind: String, name: String? = nil,
                         type: NodeType? = nil, payload: DatabaseValueConvertible? = nil, size: Int? = nil, hash: Data? = nil) throws {
                    let entryPayload = name.map { #"{"op":"\#(kind)","name":"\#($0)","type":"\#(type!.rawValue)"}"# }
                    try db.execute(
                        sql: "INSERT INTO log(part_id, node_id, version, kind, name, payload, size, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        arguments: [part.rawValue, node.rawValue, version, kind, name, entryPayload ?? payload, size, hash])
                }
                func write(_ bytes: [UInt8], _ node: NodeID, in part: NodeID, _ version: Int) throws {
                    try row(part, node, version, "write", payload: Data(bytes), size: bytes.count,
                            hash: Data(SHA256.hash(data: bytes)))
                }
                try version(1, "pond init")
                try row(.root, .root, 1, "mkdir")
                try version(2, "pond copy src /d")
                try row(Self.d, Self.d, 2, "mkdir")
                try row(.root, Self.d, 2, "link", name: "d", type: .directory)
                try write(Array("hello v1".utf8), Self.f, in: Self.d, 2)
                try row(Self.d, Self.f, 2, "link", name: "f", type: .file)
                try row(.root, Self.l, 2, "symlink", payload: "d/f", size: 3)
                try row(.root, Self.l, 2, "link", name: "l", type: .symlink)
                try version(3, "pond copy big /d/f")
                try write(Self.big, Self.f, in: Self.d, 3)
                try version(4, "pond mv /d/f /f")
                try row(Self.d, Self.f, 4, "unlink", name: "f", type: .file)
                try row(.root, Self.f, 4, "link", name: "f", type: .file)
                try version(5, "pond touch /e")
                try write([], Self.e, in: .root, 5)
                try row(.root, Self.e, 5, "link", name: "e", type: .file)
                return .commit
            }
        }
    }

    /// Checks that `store` reads every version as schema version 1 wrote it.
    static func expectReadsBack(_ store: LogStore) throws {
        #expect(try store.headVersion >= 5)
        for (index, expected) in expected.enumerated() {
            let version = Version(Int64(index + 1))
            let (root, d, contents, targets) = try store.read(at: version) { session in
                (try session.entries(in: .root),
                 index > 0 ? try session.entries(in: Self.d) : [],
                 try expected.contents.keys.map { try session.content(of: $0, at: "/f") },
                 try expected.targets.keys.map { try session.target(of: $0) })
            }
            #expect(root == expected.root, "version \(version)")
            #expect(d == expected.d, "version \(version)")
            #expect(contents == Array(expected.contents.values), "version \(version)")
            #expect(targets == Array(expected.targets.values), "version \(version)")
        }
    }
}

struct MigrationTests {
    @Test func aSchemaV1PondMigratesInOneTransactionAndReadsBackAtEveryVersion() throws {
        let fixture = try SchemaV1Fixture()
        let store = try LogStore.open(at: fixture.path)
        #expect(try store.queue.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } == Migration.current)
        try SchemaV1Fixture.expectReadsBack(store)
        #expect(try store.check().isEmpty)
        // The views read schema version 1's inline bytes too.
        let sizes = try store.read { session in
            try Row.fetchAll(session.db, sql: """
                SELECT node_id, length(content) AS n FROM file_contents WHERE version = 3
                UNION ALL SELECT node_id, sum(length(data)) FROM file_chunks WHERE version = 3 GROUP BY node_id
                """).map { $0["n"] as Int }
        }
        #expect(sizes == [SchemaV1Fixture.big.count, SchemaV1Fixture.big.count])
    }

    @Test func aMigratedPondStoresNewWritesInChunksAndKeepsItsHistory() throws {
        let fixture = try SchemaV1Fixture()
        let store = try LogStore.open(at: fixture.path)
        // A touch of an inline file stores its bytes as chunks; history is untouched.
        let (_, version) = try store.write(message: "pond touch /f") { session in
            try session.rewriteContent(of: SchemaV1Fixture.f, in: .root)
        }
        #expect(version == 6)
        #expect(try store.read { try $0.content(of: SchemaV1Fixture.f, at: "/f") } == SchemaV1Fixture.big)
        let inline = try store.read { try Int.fetchOne($0.db, sql: "SELECT count(*) FROM log WHERE payload IS NOT NULL AND kind = 'write'") }
        #expect(inline == 3)
        try SchemaV1Fixture.expectReadsBack(store)
        #expect(try store.check().isEmpty)
    }

    @Test func aFailedMigrationLeavesTheV1PondAsItWas() throws {
        let fixture = try SchemaV1Fixture()
        // Something in the way of migration 2: its CREATE TABLE chunks fails.
        let queue = try DatabaseQueue(path: fixture.path)
        try queue.write { try $0.execute(sql: "CREATE TABLE chunks(x)") }
        try queue.close()
        #expect(throws: OpLogError.self) { try LogStore.open(at: fixture.path) }
        let after = try DatabaseQueue(path: fixture.path)
        let (schema, tables) = try after.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
        }
        #expect(schema == 1)
        #expect(tables == ["chunks", "log", "versions"])
    }

    @Test func openingReadOnlyMigratesAWritableV1PondFirst() throws {
        let fixture = try SchemaV1Fixture()
        let store = try LogStore.open(at: fixture.path, readOnly: true)
        #expect(try store.queue.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } == Migration.current)
        try SchemaV1Fixture.expectReadsBack(store)
    }

    @Test func checkingAV1PondLeavesEveryByteAsItWasAndFindsItSound() throws {
        let fixture = try SchemaV1Fixture()
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture.path))
        let store = try LogStore.open(at: fixture.path, mode: .asIs)
        #expect(store.schemaVersion == 1)
        #expect(try store.check().map(\.message) == [])
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.path)) == before)
    }

    @Test func checkingAV1PondFindsAFlippedInlineByte() throws {
        let fixture = try SchemaV1Fixture()
        let queue = try DatabaseQueue(path: fixture.path)
        try queue.write { try $0.execute(sql: "UPDATE log SET payload = CAST('hellp v1' AS BLOB) WHERE payload = CAST('hello v1' AS BLOB)") }
        try queue.close()
        let findings = try LogStore.open(at: fixture.path, mode: .asIs).check().map(\.message)
        #expect(findings.count == 1 && findings[0].contains("content does not match its SHA-256"), "\(findings)")
    }
}
