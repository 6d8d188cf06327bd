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
    public func query(_ sql: String, at version: Version? = nil, tables: [TableDefinition] = []) throws -> QueryResult {
        let connection = try QueryConnection(path: path)
        defer { connection.close() }
        // The statement runs in its own (autocommit) read transaction: a
        // statement that must not run inside one (VACUUM) is then refused by
        // the authorizer, as every other write is.
        let head = try connection.fetchInt("SELECT max(version) FROM versions")
        if let version {
            guard version >= .first, version.rawValue <= head else {
                throw OpLogError.noSuchVersion(version, head: Version(head))
            }
            try connection.execute(Schema.temporaryViews(at: version.rawValue))
        }
        let registry = TableRegistry(version: version ?? Version(head))
        if !tables.isEmpty {
            for table in tables { _ = try registry.add(table) }
            try registry.install(on: connection.handle)
        }
        try connection.execute("PRAGMA query_only = 1")
        if sql.range(of: "pragma_", options: .caseInsensitive) != nil {
            pond_sqlite3_prepare_pragma_functions(UnsafeMutableRawPointer(connection.handle))
        }
        let denied = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        denied.pointee = 0
        defer { denied.deallocate() }
        pond_sqlite3_allow_reads_only(UnsafeMutableRawPointer(connection.handle), denied)
        defer { pond_sqlite3_allow_reads_only(UnsafeMutableRawPointer(connection.handle), nil) }
        do {
            return try withExtendedLifetime(registry) { try connection.run(sql) }
        } catch OpLogError.database where denied.pointee != 0 {
            throw OpLogError.queryDenied(sql)
        } catch {
            // A table's own error, not SQLite's copy of its text.
            if let failure = registry.failure { throw failure }
            throw error
        }
    }
}

/// A connection of SQLite's C API, for `LogStore.query` alone.
private final class QueryConnection {
    let handle: OpaquePointer
    private let path: String

    init(path: String) throws {
        self.path = path
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
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

    /// Prepares exactly one statement of `sql` and returns its rows.
    func run(_ sql: String) throws -> QueryResult {
        let bytes = Array(sql.utf8CString)
        return try bytes.withUnsafeBufferPointer { text in
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
            let count = sqlite3_column_count(statement)
            let columns = (0..<count).map { String(cString: sqlite3_column_name(statement, $0)) }
            var rows: [[SQLValue]] = []
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else { throw failure(step, sql: sql) }
                rows.append((0..<count).map { column in QueryConnection.value(statement, column) })
            }
            return QueryResult(columns: columns, rows: rows)
        }
    }

    private static func value(_ statement: OpaquePointer, _ column: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let text = sqlite3_column_text(statement, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let blob = sqlite3_column_blob(statement, column) else { return .blob(Data()) }
            return .blob(Data(bytes: blob, count: count))
        default: return .null
        }
    }
}
