import Crypto
import Foundation
import GRDB

/// The hash chain over transactions (Schema/v3_chain.sql defines it):
/// each version's hash covers the previous one, its `versions` row and its
/// `log` rows, so no committed row can change unnoticed.
enum Chain {
    /// The hash before version 1.
    static let origin = Data(repeating: 0, count: 32)

    /// The columns hashed, in order: a version's transaction row, then each of its log rows.
    /// A version's own columns, as the chain covers them: `message` (schema
    /// version 5) only where one was given, so older hashes stay valid.
    private static func transactionColumns(withMessage: Bool) -> String {
        withMessage ? "version, time, command, message" : "version, time, command"
    }
    private static let logColumns = "seq, part_id, node_id, version, kind, name, payload, size, hash"

    /// Records the hash of `version`, the one being committed, whose log
    /// rows all come after row `seq` (the log's last row before it began):
    /// the rows are found by rowid, not by scanning the log for their version.
    static func record(_ version: Int64, rowsAfter seq: Int64, in db: Database) throws {
        let previous = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT hash FROM chain WHERE version = ?"), arguments: [version - 1]) ?? origin
        let hash = try hash(of: version, after: previous, in: db,
                            rows: "SELECT \(logColumns) FROM log WHERE seq > ? AND version = ? ORDER BY seq",
                            arguments: [seq, version])
        try db.cachedStatement(sql: "INSERT INTO chain(version, hash) VALUES (?, ?)").execute(arguments: [version, hash])
    }

    /// The hash of `version`, chained to `previous`, from its row in table
    /// `versions` (or another of its shape) and the log rows `rows` selects (in seq order):
    /// the one computation of a link, for a commit and for a pulled segment alike.
    static func hash(of version: Int64, after previous: Data, in db: Database, versions: String = "main.versions",
                     rows: String, arguments: StatementArguments) throws -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        var encoder = Encoder()
        guard let transaction = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(transactionColumns(withMessage: true)) FROM \(versions) WHERE version = ?"),
            arguments: [version])
        else { throw LogSession.corrupt("version \(version) has no transaction row") }
        encoder.append(transaction, into: &hasher, droppingTrailingNull: true)
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: rows), arguments: arguments)
        while let row = try cursor.next() { encoder.append(row, into: &hasher) }
        return Data(hasher.finalize())
    }

    /// The columns of a log row the chain covers, in order.
    static var coveredLogColumns: String { logColumns }

    /// Records the hash of every version that has none, oldest first (the
    /// migration to schema version 3).
    static func backfill(_ db: Database) throws {
        var missing: [(Int64, Data)] = []
        try walk(db, withMessage: false) { version, recorded, computed in
            if recorded == nil { missing.append((version, computed)) }
        }
        let insert = try db.cachedStatement(sql: "INSERT INTO chain(version, hash) VALUES (?, ?)")
        for (version, hash) in missing { try insert.execute(arguments: [version, hash]) }
    }

    /// Recomputes the chain from version 1.
    /// - Returns: one message per version whose stored hash is missing or
    ///   differs from the recomputed one, and per hash whose transaction is gone.
    static func verify(_ db: Database, withMessage: Bool) throws -> [(version: Int64, problem: String)] {
        var broken: [Int64] = []
        var missing: [Int64] = []
        try walk(db, withMessage: withMessage) { version, recorded, computed in
            if recorded == nil { missing.append(version) } else if recorded != computed { broken.append(version) }
        }
        var messages: [(version: Int64, problem: String)] = []
        for version in missing {
            messages.append((version, "no hash in the chain (its record was removed)"))
        }
        for version in broken {
            messages.append((version, "hash chain broken: its transaction or log rows were changed, added or removed after commit"))
        }
        let orphans = try Int64.fetchAll(db, sql: "SELECT version FROM chain WHERE version NOT IN (SELECT version FROM versions)")
        for version in orphans {
            messages.append((version, "the chain has a hash but the transaction is gone (removed after commit)"))
        }
        return messages
    }

    /// Calls `body` for every version, oldest first, with its recorded hash
    /// and the hash its rows give now, chained to the previous version's
    /// recorded hash (its computed one where none is recorded). One pass over
    /// `versions` and one over `log` sorted by version: a query per version
    /// would scan the whole log each time, as `log` has no index on version.
    private static func walk(_ db: Database, withMessage: Bool, _ body: (Int64, Data?, Data) throws -> Void) throws {
        var recorded: [Int64: Data] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT version, hash FROM chain") { recorded[row[0]] = row[1] }
        let transactions = try Row.fetchCursor(
            db, sql: "SELECT \(transactionColumns(withMessage: withMessage)) FROM versions ORDER BY version")
        let logRows = try Row.fetchCursor(db, sql: "SELECT \(logColumns) FROM log ORDER BY version, seq")
        var pending = try logRows.next()?.copy()
        var previous = origin
        var encoder = Encoder()
        while let transaction = try transactions.next() {
            let version: Int64 = transaction[0]
            var hasher = SHA256()
            hasher.update(data: previous)
            encoder.append(transaction, into: &hasher, droppingTrailingNull: true)
            // Rows of versions with no transaction row are passed over (checkVersions names them).
            while let row = pending {
                let rowVersion: Int64 = row[3]
                if rowVersion > version { break }
                if rowVersion == version { encoder.append(row, into: &hasher) }
                pending = try logRows.next()?.copy()
            }
            let computed = Data(hasher.finalize())
            try body(version, recorded[version], computed)
            previous = recorded[version] ?? computed
        }
    }

    /// The canonical encoding of row values (see v3_chain.sql).
    struct Encoder {
        private var scratch: [UInt8] = []

        mutating func append(_ row: Row, into hasher: inout SHA256, droppingTrailingNull: Bool = false) {
            scratch.removeAll(keepingCapacity: true)
            let count = droppingTrailingNull && row.count > 3 && row.hasNull(atIndex: row.count - 1) ? row.count - 1 : row.count
            for index in 0..<count {
                let value: DatabaseValue = row[index]
                switch value.storage {
                case .null:
                    scratch.append(0)
                case .int64(let integer):
                    scratch.append(1)
                    appendBigEndian(UInt64(bitPattern: integer))
                case .double(let double):
                    scratch.append(2)
                    appendBigEndian(double.bitPattern)
                case .string(let string):
                    scratch.append(3)
                    appendBigEndian(UInt64(string.utf8.count))
                    scratch.append(contentsOf: string.utf8)
                case .blob(let data):
                    scratch.append(4)
                    appendBigEndian(UInt64(data.count))
                    scratch.append(contentsOf: data)
                }
            }
            hasher.update(data: scratch)
        }

        private mutating func appendBigEndian(_ value: UInt64) {
            withUnsafeBytes(of: value.bigEndian) { scratch.append(contentsOf: $0) }
        }
    }
}
