import Foundation
import GRDB
import Testing
@testable import OpLog
import TinyFS

/// Tampering behind Pond's back, and what `check()` (pond fsck) says of it.
struct ChainTests {
    /// A pond with four versions: /a, /b (two chunks' worth), /a rewritten.
    private func pond() throws -> LogStore {
        let store = try LogStore.create(at: try freshPath())
        for (name, bytes) in [("a", Array("one".utf8)), ("b", randomBytes(100_000, seed: 1)), ("a", Array("two".utf8))] {
            _ = try store.write(message: "write \(name)") { session in
                let entry = try session.entry(named: try Name(name), in: .root)
                let id = try entry?.id ?? session.allocateNodeID()
                try session.writeContent(bytes, of: id, in: .root)
                if entry == nil { try session.link(EntryRecord(name: try Name(name), id: id, type: .file), in: .root) }
            }
        }
        #expect(try store.check().isEmpty)
        return store
    }

    /// Runs `sql` on the pond file as another program would.
    private func tamper(_ store: LogStore, _ sql: String) throws {
        try store.queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: sql)
        }
    }

    private func messages(_ store: LogStore) throws -> [String] { try store.check().map(\.message) }

    @Test func everyVersionHasAChainHashAndStatusShowsTheHead() throws {
        let store = try pond()
        let hashes = try store.read { try Data.fetchAll($0.db, sql: "SELECT hash FROM chain ORDER BY version") }
        #expect(hashes.count == 4 && Set(hashes).count == 4)
        #expect(try store.read { try $0.statistics() }.chainHash == hashes.last)
    }

    @Test func anAlteredLogRowBreaksTheChainAtItsVersion() throws {
        let store = try pond()
        try tamper(store, "UPDATE log SET payload = json_object('op','link','name','a','type','directory') WHERE version = 2 AND kind = 'link'")
        #expect(try messages(store).contains { $0.hasPrefix("version 2: hash chain broken") })
    }

    @Test func aDeletedLogRowBreaksTheChainAtItsVersion() throws {
        let store = try pond()
        try tamper(store, "DELETE FROM log WHERE version = 4")
        #expect(try messages(store) == ["version 4: hash chain broken: its transaction or log rows were changed, added or removed after commit"])
    }

    @Test func anAddedLogRowBreaksTheChain() throws {
        let store = try pond()
        try tamper(store, "INSERT INTO log(part_id, node_id, version, kind, payload, size) VALUES (0, 9, 3, 'symlink', '/etc', 4)")
        #expect(try messages(store).contains { $0.hasPrefix("version 3: hash chain broken") })
    }

    @Test func aRemovedTransactionIsFound() throws {
        let store = try pond()
        try tamper(store, "DELETE FROM log WHERE version = 3; DELETE FROM versions WHERE version = 3; DELETE FROM chain WHERE version = 3")
        let found = try messages(store)
        #expect(found.contains("versions: version 3 is missing (next is 4)"), "\(found)")
        #expect(found.contains { $0.hasPrefix("version 4: hash chain broken") }, "\(found)")
    }

    @Test func aChangedCommitTimeOrARemovedChainRowIsFound() throws {
        let store = try pond()
        try tamper(store, "UPDATE versions SET time = '2020-01-01T00:00:00.000Z' WHERE version = 2")
        #expect(try messages(store).contains { $0.hasPrefix("version 2: hash chain broken") })
        let other = try pond()
        try tamper(other, "DELETE FROM chain WHERE version = 3")
        #expect(try messages(other).contains("version 3: no hash in the chain (its record was removed)"))
    }

    @Test func aRewrittenChainIsConsistentButChangesTheHeadHash() throws {
        // Someone who rewrites a row and recomputes the chain after it makes
        // fsck pass: the head hash a user kept elsewhere is what tells.
        let store = try pond()
        let before = try store.read { try $0.statistics() }.chainHash
        try tamper(store, "UPDATE versions SET command = 'forged' WHERE version = 3; DELETE FROM chain WHERE version >= 3")
        try store.queue.writeWithoutTransaction { try Chain.backfill($0) }
        #expect(try messages(store).isEmpty)
        #expect(try store.read { try $0.statistics() }.chainHash != before)
    }
}
