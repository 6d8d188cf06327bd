import Foundation
import GRDB

/// What `backup(to:)` made.
public struct BackupResult: Sendable {
    /// The new file.
    public let path: String
    /// Its head version and that version's chain hash (nil for a pond from before the chain).
    public let head: Version
    public let headHash: Data?
}

extension LogStore {
    /// Writes a consistent copy of the pond into the new file `destination`,
    /// while other processes go on reading and writing this one, and checks
    /// the copy before returning.
    ///
    /// The copy is SQLite's `VACUUM INTO`: one read transaction of this pond,
    /// so it holds exactly the versions committed when it began, compacted
    /// into one file with nothing in a WAL. It is then opened and checked as
    /// `pond fsck` checks (integrity, versions, entries, every content hash,
    /// the chain); a copy with any finding is removed and is an error.
    /// - Throws: `backupExists` if anything is at `destination`;
    ///   `backupFailed` if the copy cannot be written or does not check out.
    public func backup(to destination: String) throws -> BackupResult {
        var info = stat()
        if lstat(destination, &info) == 0 { throw OpLogError.backupExists(path: destination) }
        // A backup is the whole pond: a lazy clone's missing bytes come first, by pond fetch.
        if let missing = try lazyBytes()?.remote, missing > 0 {
            throw OpLogError.lazyPond(path: path, missing: missing, doing: "pond backup (a backup holds every byte)")
        }
        do {
            try LogStore.mapErrors(path) {
                try queue.inDatabase { db in try db.execute(sql: "VACUUM INTO ?", arguments: [destination]) }
            }
        } catch {
            unlink(destination)
            throw OpLogError.backupFailed(path: destination, reason: "\(error)")
        }
        do {
            let copy = try LogStore.open(at: destination)
            try LogStore.mapErrors(destination) {
                try copy.queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            }
            let findings = try copy.check()
            guard findings.isEmpty else {
                throw OpLogError.backupFailed(path: destination, reason: "the copy does not check out: \(findings[0])")
            }
            let statistics = try copy.read { try $0.statistics() }
            copy.checkpoint()
            return BackupResult(path: destination, head: statistics.head, headHash: statistics.chainHash)
        } catch {
            for suffix in ["", "-wal", "-shm"] { unlink(destination + suffix) }
            if case OpLogError.backupFailed = error { throw error }
            throw OpLogError.backupFailed(path: destination, reason: "\(error)")
        }
    }
}
