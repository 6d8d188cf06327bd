import Foundation
import GRDB
import Testing
@testable import OpLog
import Schema
import TinyFS

struct LogStoreTests {
    @Test func initCommitsVersionOneWithTheRootDirectory() throws {
        let store = try LogStore.create(at: try freshPath(), message: "pond init")
        #expect(try store.headVersion == 1)
        #expect(try store.transactions().map(\.command) == ["pond init"])
        let rows = try store.read { session in
            try Row.fetchAll(session.db, sql: "SELECT part_id, node_id, version, kind FROM log")
        }
        #expect(rows == [["part_id": 0, "node_id": 0, "version": 1, "kind": "mkdir"]])
        #expect(try store.queue.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } == Migration.current)
    }

    @Test func everyConnectionHasForeignKeysFullSyncAndAWALLimit() throws {
        let path = try freshPath()
        _ = try LogStore.create(at: path, message: "pond init")
        for store in [try LogStore.open(at: path), try LogStore.open(at: path, readOnly: true)] {
            let settings = try store.queue.read { db in
                try ["foreign_keys", "synchronous", "journal_size_limit"].map { try Int.fetchOne(db, sql: "PRAGMA \($0)") }
            }
            #expect(settings == [1, 2, 64 * 1024 * 1024])
        }
        // And the keys are enforced: a piece naming a chunk that is not there is refused.
        let store = try LogStore.open(at: path)
        #expect(throws: DatabaseError.self) {
            try store.queue.write { try $0.execute(sql: "INSERT INTO content_chunks VALUES (zeroblob(32), 0, zeroblob(32))") }
        }
    }

    @Test func writeAppendsRowsAtTheNextVersion() throws {
        let store = try LogStore.create(at: try freshPath())
        let (id, version) = try store.write(message: "add") { session in
            let id = try session.allocateNodeID()
            try session.writeContent(Array("hi".utf8), of: id, in: .root)
            try session.link(EntryRecord(name: "f", id: id, type: .file), in: .root)
            return id
        }
        #expect(version == 2)
        #expect(id == NodeID(1))
        let rows = try store.read { try Row.fetchAll($0.db, sql: "SELECT kind, name, CASE WHEN kind = 'link' THEN json(payload) END AS p, size FROM log WHERE version = 2 ORDER BY seq") }
        #expect(rows.map { $0["kind"] as String } == ["write", "link"])
        #expect(rows[1]["p"] as String == #"{"op":"link","name":"f","type":"file"}"#)
        #expect(rows[0]["size"] as Int == 2)
    }

    @Test func sessionReadsTheFoldAtItsVersion() throws {
        let store = try LogStore.create(at: try freshPath())
        let id = try store.write(message: "a") { session -> NodeID in
            let id = try session.allocateNodeID()
            try session.writeContent([1], of: id, in: .root)
            try session.link(EntryRecord(name: "f", id: id, type: .file), in: .root)
            return id
        }.0
        _ = try store.write(message: "b") { try $0.writeContent([2], of: id, in: .root) }
        _ = try store.write(message: "c") { try $0.unlink(EntryRecord(name: "f", id: id, type: .file), in: .root) }
        #expect(try store.read(at: 1) { try $0.entries(in: .root) }.isEmpty)
        #expect(try store.read(at: 2) { try $0.content(of: id, at: "/f") } == [1])
        #expect(try store.read(at: 3) { try $0.content(of: id, at: "/f") } == [2])
        #expect(try store.read(at: 3) { try $0.entry(named: "f", in: .root) } == EntryRecord(name: "f", id: id, type: .file))
        #expect(try store.read(at: 4) { try $0.entry(named: "f", in: .root) } == nil)
    }

    @Test func schemaRejectsRowsThatBreakItsInvariants() throws {
        let store = try LogStore.create(at: try freshPath())
        let bad = [
            "INSERT INTO log(part_id, node_id, version, kind) VALUES (0, 5, 2, 'rename')",
            "INSERT INTO log(part_id, node_id, version, kind) VALUES (0, 5, 2, 'link')",
            "INSERT INTO log(part_id, node_id, version, kind, payload) VALUES (0, 5, 2, 'write', x'00')",
            "INSERT INTO log(part_id, node_id, version, kind) VALUES (0, 5, 0, 'mkdir')",
        ]
        for sql in bad {
            #expect(throws: DatabaseError.self, "\(sql)") { try store.queue.write { try $0.execute(sql: sql) } }
        }
    }

    @Test func savepointRollbackRemovesOnlyItsRows() throws {
        let store = try LogStore.create(at: try freshPath())
        struct Abort: Error {}
        let (_, version) = try store.write(message: "nested") { session in
            try session.createDirectory(NodeID(1), spec: nil)
            try session.link(EntryRecord(name: "kept", id: NodeID(1), type: .directory), in: .root)
            _ = try? session.savepoint {
                try session.createDirectory(NodeID(2), spec: nil)
                throw Abort()
            }
        }
        #expect(version == 2)
        #expect(try store.read { try $0.rowCount() } == 3)
        #expect(throws: TinyFSError.readOnlySnapshot) { try store.read { try $0.allocateNodeID() } }
    }
}

struct DurabilityAndConcurrencyTests {
    @Test func connectionsUseFullSynchronousAndWaitForAnotherWriter() throws {
        let store = try LogStore.create(at: try freshPath())
        let synchronous = try store.queue.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        #expect(synchronous == 2)  // FULL
        // The busy handler (WriterWait) waits and retries, not fails at once.
        guard case .callback(let retry) = store.queue.configuration.busyMode else {
            Issue.record("no busy handler")
            return
        }
        #expect(retry(0) && retry(1))
        #expect(LogStore.busyTimeout == 60)
    }

    @Test func aSecondWriterWaitsForTheFirstInsteadOfFailing() throws {
        let path = try freshPath()
        let first = try LogStore.create(at: path)
        nonisolated(unsafe) let second = try LogStore.open(at: path)
        let holding = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var secondVersion: Version?
        nonisolated(unsafe) var secondError: Error?
        _ = try first.write(message: "first") { session in
            try session.createDirectory(NodeID(1), spec: nil)
            try session.link(EntryRecord(name: "a", id: NodeID(1), type: .directory), in: .root)
            Thread.detachNewThread {
                holding.signal()
                do {
                    secondVersion = try second.write(message: "second") { session in
                        let id = try session.allocateNodeID()
                        try session.createDirectory(id, spec: nil)
                        try session.link(EntryRecord(name: "b", id: id, type: .directory), in: .root)
                    }.1
                } catch {
                    secondError = error
                }
                done.signal()
            }
            holding.wait()
            Thread.sleep(forTimeInterval: 0.3)  // the second writer is now waiting on the lock
        }
        done.wait()
        #expect(secondError == nil)
        #expect(secondVersion == 3)
        #expect(try first.read { try $0.entries(in: .root).map(\.name) } == ["a", "b"])
    }
}
