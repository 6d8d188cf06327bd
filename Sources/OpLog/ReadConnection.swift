import Foundation
import GRDB
import GRDBSQLite

/// A read-only connection of its own to a pond's file through SQLite's C
/// API, reading one snapshot from its opening to its end: the second side of
/// a split scan (`SecondConnection`) and a one-shot read (`OneShotRead`).
///
/// Why not GRDB: its connection set-up (its functions, collations and
/// authorizer, a dispatch queue) costs a short command more than the read
/// itself (Benchmarks/startup.sh; README "Benchmarks"). Statements are
/// prepared (once each), stepped and finalized here and nowhere else.
final class ReadConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Each statement prepared once, by its SQL: a read asks a few questions
    /// many times (a name per path component). An array, not a dictionary
    /// of strings: see `DirectParse.Options` for why a one-shot read avoids those.
    private var statements: [(sql: String, handle: OpaquePointer)] = []

    /// A value bound to a statement's parameter.
    enum Argument {
        case integer(Int64)
        case text(String)
        case blob(Data)
    }

    /// Nil when `path` cannot be opened or its snapshot cannot begin. No busy
    /// timeout: a reader that would have to wait (a WAL being recovered) gives up at once.
    /// `cacheSize`: SQLite's `cache_size`, in pages; nil for its default.
    init?(path: String, cacheSize: Int? = nil) {
        var handle: OpaquePointer?
        guard !path.isEmpty, path != ":memory:",
              sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let handle else {
            sqlite3_close_v2(handle)
            return nil
        }
        self.handle = handle
        if let cacheSize { sqlite3_exec(handle, "PRAGMA cache_size = \(cacheSize)", nil, nil, nil) }
        // One snapshot for every statement after it.
        guard sqlite3_exec(handle, "BEGIN", nil, nil, nil) == SQLITE_OK else { return nil }
    }

    deinit {
        for statement in statements { sqlite3_finalize(statement.handle) }
        sqlite3_exec(handle, "COMMIT", nil, nil, nil)
        sqlite3_close_v2(handle)
    }

    /// Steps `sql` with `arguments` bound, in `body`; an error a step met is thrown after it.
    func rows(_ sql: String, _ arguments: [Argument], _ body: (OpaquePointer) throws -> Void) throws {
        let statement = try prepared(sql)
        sqlite3_reset(statement)  // after a body that threw, the statement may still be mid-step
        for (index, argument) in arguments.enumerated() {
            let position = Int32(index + 1)
            switch argument {
            case .integer(let value):
                sqlite3_bind_int64(statement, position, value)
            case .text(let value):
                sqlite3_bind_text(statement, position, value, -1, SQLITE_TRANSIENT)
            case .blob(let value):
                value.withUnsafeBytes { _ = sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
            }
        }
        try body(statement)
        guard sqlite3_reset(statement) == SQLITE_OK else { throw error() }
    }

    /// `read` of `sql`'s first row, nil if it has none.
    func firstRow<T>(_ sql: String, _ arguments: [Argument], read: (OpaquePointer) throws -> T) throws -> T? {
        var result: T?
        try rows(sql, arguments) { statement in
            if sqlite3_step(statement) == SQLITE_ROW { result = try read(statement) }
        }
        return result
    }

    /// `sql`'s statement, prepared on first use.
    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let known = statements.first(where: { $0.sql == sql }) { return known.handle }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw error() }
        statements.append((sql, statement))
        return statement
    }

    private func error() -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: sqlite3_errcode(handle)), message: String(cString: sqlite3_errmsg(handle)))
    }
}

/// SQLite's "copy the value now" destructor, which the C headers spell as a cast Swift cannot import.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
