import CSQLiteShim
import Foundation
import GRDB
import GRDBSQLite
import Schema

/// One value of a query's result.
public enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// The result of `LogStore.query`: column names and rows of values.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [[SQLValue]]

    public init(columns: [String], rows: [[SQLValue]]) {
        self.columns = columns
        self.rows = rows
    }
}

extension LogStore {
    /// Runs ONE read-only SQL statement over the log and its views, as of
    /// `version` (head when nil).
    ///
    /// It cannot change anything, whatever the SQL. It runs on a connection
    /// of its own, opened read-only through SQLite's C API (not GRDB's, whose
    /// authorizer tracks the statements GRDB itself runs), with `query_only` on, and an authorizer denies at prepare
    /// time every action but reading: no ATTACH, no PRAGMA that sets a value,
    /// no transaction or savepoint statement, no load_extension. So no file is
    /// written or created. For an old version, TEMP copies of the views shadow
    /// the main ones.
    /// - Throws: `noSuchVersion`; `queryDenied`; `multipleStatements`;
    ///   `emptyQuery`; `database` for SQL that fails.
    ///
    /// `tables` are the tabular files the query names (DESIGN.md, "Tables"),
    /// made into virtual tables in `temp` first (TableModule.swift); each
    /// is read once to infer its columns before the query starts.
    /// - Throws: also `badTable` for a row of a table that cannot be read.
    public func query(_ sql: String, at version: Version? = nil, tables: (any QueryTables)? = nil) throws -> QueryResult {
        let collected = CollectedRows()
        try query(sql, at: version, tables: tables, into: collected)
        return QueryResult(columns: collected.columns, rows: collected.rows)
    }

    /// Runs `sql` as `query(_:at:tables:)` does, handing each row to `sink`
    /// as SQLite produces it: nothing is gathered, so a result of any size
    /// runs in the memory of one row (DESIGN.md, "Output streams").
    /// - Throws: as `query(_:at:tables:)`, and what `sink` throws.
    /// With `timeLimit` (seconds), a statement still running then is stopped: `queryTimedOut`.
    public func query(_ sql: String, at version: Version? = nil, tables: (any QueryTables)? = nil, timeLimit: Double? = nil,
                      into sink: some QueryRowSink) throws {
        let connection = try QueryConnection(path: location, immutable: isImmutable, displayPath: path)
        defer { connection.close() }
        // The statement runs in its own (autocommit) read transaction: a
        // statement that must not run inside one (VACUUM) is then refused by
        // the authorizer, as every other write is.
        let head = try connection.fetchInt("SELECT max(version) FROM versions")
        if let version {
            guard version >= .first, version.rawValue <= head else {
                throw OpLogError.noSuchVersion(version, head: Version(head))
            }
            // At the head, the views are the main ones (a derived file read at the head asks for it by number).
            if version.rawValue < head { try connection.execute(Schema.temporaryViews(at: version.rawValue)) }
        }
        try tables?.install(on: connection.handle, version: version ?? Version(head))
        try connection.execute("PRAGMA query_only = 1")
        if sql.range(of: "pragma_", options: .caseInsensitive) != nil {
            pond_sqlite3_prepare_pragma_functions(UnsafeMutableRawPointer(connection.handle))
        }
        let denied = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        denied.pointee = 0
        defer { denied.deallocate() }
        pond_sqlite3_allow_reads_only(UnsafeMutableRawPointer(connection.handle), denied)
        defer { pond_sqlite3_allow_reads_only(UnsafeMutableRawPointer(connection.handle), nil) }
        let deadline = timeLimit.map { Deadline(seconds: $0) }
        if let deadline { deadline.install(on: connection.handle) }
        defer { if deadline != nil { sqlite3_progress_handler(connection.handle, 0, nil, nil) } }
        do {
            try withExtendedLifetime((tables, deadline)) { try connection.run(sql, into: sink) }
        } catch OpLogError.database where denied.pointee != 0 {
            throw OpLogError.queryDenied(sql)
        } catch OpLogError.database where deadline?.passed == true {
            throw OpLogError.queryTimedOut(seconds: timeLimit ?? 0)
        } catch let error as OpLogError {
            // A table's own error, not SQLite's copy of its text.
            if let failure = tables?.failure { throw failure }
            throw error
        }
    }
}

/// A statement's time limit: SQLite's progress handler, called every few
/// thousand steps of its program, interrupts it once the time has come.
private final class Deadline {
    let end: ContinuousClock.Instant
    private(set) var passed = false

    init(seconds: Double) { end = .now + .milliseconds(Int64(seconds * 1000)) }

    func install(on db: OpaquePointer) {
        sqlite3_progress_handler(db, 10_000, { context in
            let deadline = Unmanaged<Deadline>.fromOpaque(context!).takeUnretainedValue()
            if ContinuousClock.now >= deadline.end { deadline.passed = true }
            return deadline.passed ? 1 : 0
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}

/// Virtual tables a query reads (the Tables module's tabular files): made on
/// the query's connection before its statement is prepared.
public protocol QueryTables: AnyObject {
    /// Makes the tables on `db`, as of `version`.
    func install(on db: OpaquePointer, version: Version) throws
    /// The first error a table met while the statement ran, to be thrown
    /// instead of SQLite's copy of its text.
    var failure: (any Error)? { get }
}

/// What receives a query's result: its column names, then each row.
public protocol QueryRowSink: AnyObject {
    /// The result's column names, in the SELECT's order, before any row.
    func begin(columns: [String]) throws
    /// One row; `row` is valid only during the call.
    func write(_ row: QueryRow) throws
    /// After the last row.
    func finish() throws
}

/// The current row of a running query, read in place: no value is copied
/// until it is asked for. Valid only during `QueryRowSink.write`.
public struct QueryRow {
    /// The kinds of value SQLite gives.
    public enum Kind { case null, integer, real, text, blob }

    let statement: OpaquePointer
    public let count: Int

    public func kind(_ column: Int) -> Kind {
        switch sqlite3_column_type(statement, Int32(column)) {
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .real
        case SQLITE_TEXT: .text
        case SQLITE_BLOB: .blob
        default: .null
        }
    }

    public func integer(_ column: Int) -> Int64 { sqlite3_column_int64(statement, Int32(column)) }
    public func real(_ column: Int) -> Double { sqlite3_column_double(statement, Int32(column)) }

    /// The column's bytes (UTF-8 for text) for the length of `body`.
    public func withBytes<T>(_ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let index = Int32(column)
        if sqlite3_column_type(statement, index) == SQLITE_BLOB {
            let count = Int(sqlite3_column_bytes(statement, index))
            let start = sqlite3_column_blob(statement, index)?.assumingMemoryBound(to: UInt8.self)
            return try body(UnsafeBufferPointer(start: count > 0 ? start : nil, count: count))
        }
        let start = sqlite3_column_text(statement, index)
        let count = Int(sqlite3_column_bytes(statement, index))
        return try body(UnsafeBufferPointer(start: start, count: start == nil ? 0 : count))
    }

    /// The column's value, copied.
    public subscript(column: Int) -> SQLValue {
        switch kind(column) {
        case .null: .null
        case .integer: .integer(integer(column))
        case .real: .real(real(column))
        case .text: .text(withBytes(column) { String(decoding: $0, as: UTF8.self) })
        case .blob: .blob(withBytes(column) { Data(buffer: $0) })
        }
    }
}

/// A sink that keeps every row: what `query` returns as a `QueryResult`.
public final class CollectedRows: QueryRowSink {
    public private(set) var columns: [String] = []
    public private(set) var rows: [[SQLValue]] = []

    public init() {}
    public func begin(columns: [String]) { self.columns = columns }
    public func write(_ row: QueryRow) { rows.append((0..<row.count).map { row[$0] }) }
    public func finish() {}
}

/// A connection of SQLite's C API, for `LogStore.query` alone.
private final class QueryConnection {
    let handle: OpaquePointer
    private let path: String

    /// Opens `location` read-only (an `immutable` URI as `LogStore.open` made
    /// it, for a pond in a directory that cannot be written); errors name `displayPath`.
    init(path location: String, immutable: Bool, displayPath: String) throws {
        self.path = displayPath
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | (immutable ? SQLITE_OPEN_URI : 0)
        let code = sqlite3_open_v2(location, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw OpLogError.database(path: path, cause: DatabaseError(resultCode: ResultCode(rawValue: code), message: message))
        }
        self.handle = handle
        sqlite3_busy_timeout(handle, Int32(LogStore.busyTimeout * 1000))
    }

    func close() {
        sqlite3_close_v2(handle)
    }

    /// The error SQLite reports for `code` on this connection.
    private func failure(_ code: Int32, sql: String) -> OpLogError {
        let message = String(cString: sqlite3_errmsg(handle))
        if code == SQLITE_AUTH { return .queryDenied(sql) }
        let error = DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        if code == SQLITE_CORRUPT || code == SQLITE_NOTADB { return .damagedFile(path: path, cause: error) }
        return .database(path: path, cause: error)
    }

    func execute(_ sql: String) throws {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw failure(code, sql: sql) }
    }

    func fetchInt(_ sql: String) throws -> Int64 {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code, sql: sql) }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { throw failure(sqlite3_errcode(handle), sql: sql) }
        return sqlite3_column_int64(statement, 0)
    }

    /// Prepares exactly one statement of `sql` and hands its rows to `sink` as they come.
    func run(_ sql: String, into sink: some QueryRowSink) throws {
        let bytes = Array(sql.utf8CString)
        try bytes.withUnsafeBufferPointer { text in
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v2(handle, text.baseAddress, Int32(text.count), &statement, &tail)
            guard code == SQLITE_OK else { throw failure(code, sql: sql) }
            guard let statement else { throw OpLogError.emptyQuery(sql) }
            defer { sqlite3_finalize(statement) }
            // Whatever follows must be only white space and comments.
            if let tail, tail.pointee != 0 {
                var next: OpaquePointer?
                let nextCode = sqlite3_prepare_v2(handle, tail, -1, &next, nil)
                sqlite3_finalize(next)
                if nextCode != SQLITE_OK || next != nil { throw OpLogError.multipleStatements(sql) }
            }
            let count = Int(sqlite3_column_count(statement))
            try sink.begin(columns: (0..<count).map { String(cString: sqlite3_column_name(statement, Int32($0))) })
            let row = QueryRow(statement: statement, count: count)
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else { throw failure(step, sql: sql) }
                try sink.write(row)
            }
            try sink.finish()
        }
    }
}
