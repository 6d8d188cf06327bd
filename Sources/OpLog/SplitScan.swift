import Foundation
import GRDB
import GRDBSQLite

/// A scan of many rows split between two threads, each on its own
/// connection, that meet wherever the work divides evenly without counting
/// the rows first: one side reads the rows in ascending key order, the
/// other in descending order, and each claims a key before it reads that
/// key's rows and stops at the first key the other side has claimed. Every
/// key is read by exactly one side; a side that never starts leaves every
/// key to the other.
///
/// Whole-tree listings use it (`LogSession.storedTree`): on two cores a
/// listing of 100,000 files reads its 100,000 entry rows in about half the
/// time. The second side reads through `SecondConnection`.
final class SplitClaims: @unchecked Sendable {
    private let lock = NSLock()
    /// The highest key the ascending side claimed, the lowest the descending side did.
    private var ascendingUpTo = Int64.min
    private var descendingDownTo = Int64.max
    /// Where the sides meet whatever their pace: keys below it go to the ascending side (tests).
    private let fixedMeeting: Int64?

    init(meetingAt fixedMeeting: Int64? = nil) {
        self.fixedMeeting = fixedMeeting
    }

    /// The ascending side asks for `key` (keys asked for in ascending order).
    func claimAscending(_ key: Int64) -> Bool {
        if let fixedMeeting { return key < fixedMeeting }
        lock.lock()
        defer { lock.unlock() }
        guard key < descendingDownTo else { return false }
        ascendingUpTo = key
        return true
    }

    /// The descending side asks for `key` (keys asked for in descending order).
    func claimDescending(_ key: Int64) -> Bool {
        if let fixedMeeting { return key >= fixedMeeting }
        lock.lock()
        defer { lock.unlock() }
        guard key > ascendingUpTo else { return false }
        descendingDownTo = key
        return true
    }
}

/// A read-only connection of its own to a pond's file, for the second side
/// of a split scan. It reads what the session's connection reads at
/// `version` because log rows are never changed or deleted once committed:
/// the rows at or before a version are the same in any later snapshot, and
/// the chain hash of that version, compared when the connection opens,
/// shows that it is the same pond and history.
final class SecondConnection: @unchecked Sendable {
    private let connection: ReadConnection
    let version: Int64

    /// Nil when the file cannot be opened or does not hold `version` with `chainHash`
    /// (a write session's own version, not yet committed; a pond that was replaced).
    init?(path: String, version: Int64, chainHash: Data) {
        // A scan in index order needs a page cache of a few pages, not SQLite's 2 MB: each page this
        // thread allocates grows its malloc arena (an mprotect(2) each) under SQLite's memory mutex,
        // which the other side takes too.
        guard let connection = ReadConnection(path: path, cacheSize: 16) else { return nil }
        self.connection = connection
        self.version = version
        let same = try? connection.firstRow("SELECT hash FROM chain WHERE version = ?", [.integer(version)]) { statement in
            sqlite3_column_bytes(statement, 0) == Int32(chainHash.count)
                && chainHash.withUnsafeBytes { memcmp($0.baseAddress!, sqlite3_column_blob(statement, 0), chainHash.count) == 0 }
        }
        guard same == true else { return nil }
    }

    /// Steps `sql`, its one parameter bound to `version`, in `body`.
    func rows(_ sql: String, _ body: (OpaquePointer) throws -> Void) throws {
        try connection.rows(sql, [.integer(version)], body)
    }
}

/// Runs `second` on a thread of its own while `first` runs on this one,
/// and returns once both have; `first`'s error, if any, is thrown after
/// `second` is done. If no thread can be started, `second` runs after `first`.
func runBeside(_ first: () throws -> Void, _ second: @escaping @Sendable () -> Void) throws {
    final class Work {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let work = Unmanaged.passRetained(Work(second)).toOpaque()
    var thread = pthread_t()
    let started = pthread_create(&thread, nil, { work in
        Unmanaged<Work>.fromOpaque(work!).takeRetainedValue().body()
        return nil
    }, work) == 0
    var failure: Error?
    do { try first() } catch { failure = error }
    if started {
        pthread_join(thread, nil)
    } else {
        Unmanaged<Work>.fromOpaque(work).takeRetainedValue().body()
    }
    if let failure { throw failure }
}
