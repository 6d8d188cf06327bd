import CSQLiteShim
import Foundation
import GRDB
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
    /// It cannot change anything, whatever the SQL: the pond is opened
    /// read-only, `query_only` is on, and an authorizer denies at prepare
    /// time every action but reading (no ATTACH, no PRAGMA that sets a
    /// value, no load_extension), so no file is written or created. For an
    /// old version, TEMP copies of the views shadow the main ones.
    /// - Throws: `noSuchVersion`; `database` for SQL that fails or is denied.
    public static func query(_ sql: String, in path: String, at version: Version? = nil) throws -> QueryResult {
        let store = try open(at: path, readOnly: true)
        return try mapErrors(path) {
            try store.queue.inDatabase { db in
                let head = try headVersion(db)
                if let version {
                    guard version >= .first, version <= head else { throw OpLogError.noSuchVersion(version, head: head) }
                    try db.execute(sql: Schema.temporaryViews(at: version.rawValue))
                }
                try db.execute(sql: "PRAGMA query_only = 1")
                _ = pond_sqlite3_allow_reads_only(UnsafeMutableRawPointer(db.sqliteConnection!))
                do {
                    let statement = try db.makeStatement(sql: sql)
                    let rows = try Row.fetchAll(statement).map { row in
                        Array(row.databaseValues).map { value -> SQLValue in
                            switch value.storage {
                            case .null: .null
                            case .int64(let number): .integer(number)
                            case .double(let number): .real(number)
                            case .string(let text): .text(text)
                            case .blob(let data): .blob(data)
                            }
                        }
                    }
                    return QueryResult(columns: statement.columnNames, rows: rows)
                } catch let error as DatabaseError
                    where error.resultCode == .SQLITE_AUTH || (error.message ?? "").hasPrefix("not authorized") {
                    throw OpLogError.queryDenied(sql)
                } catch let error as DatabaseError
                    where error.resultCode == .SQLITE_MISUSE && (error.message ?? "").contains("Multiple statements") {
                    throw OpLogError.multipleStatements(sql)
                }
            }
        }
    }
}
