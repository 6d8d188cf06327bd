import Crypto
import Foundation
import GRDB

/// The hash chain over transactions (Schema/v3_chain.sql defines it):
/// each version's hash covers the previous one, its `versions` row and its
/// `log` rows, so no committed row can change unnoticed.
enum Chain {
    /// The hash before version 1.
    static let origin = Data(repeating: 0, count: 32)

    /// The hash of `version`, chained to `previous`, from the rows stored now.
    static func hash(of version: Int64, after previous: Data, in db: Database) throws -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        var encoder = Encoder()
        let transaction = try db.cachedStatement(sql: "SELECT version, time, command FROM versions WHERE version = ?")
        guard let row = try Row.fetchOne(transaction, arguments: [version]) else {
            throw LogSession.corrupt("version \(version) has no transaction row")
        }
        encoder.append(row, into: &hasher)
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: """
                SELECT seq, part_id, node_id, version, kind, name, payload, size, hash FROM log
                WHERE version = ? ORDER BY seq
                """),
            arguments: [version])
        while let row = try rows.next() {
            encoder.append(row, into: &hasher)
        }
        return Data(hasher.finalize())
    }

    /// Records the hash of `version` (the one being committed).
    static func record(_ version: Int64, in db: Database) throws {
        let previous = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT hash FROM chain WHERE version = ?"), arguments: [version - 1]) ?? origin
        try db.cachedStatement(sql: "INSERT INTO chain(version, hash) VALUES (?, ?)")
            .execute(arguments: [version, try hash(of: version, after: previous, in: db)])
    }

    /// Records the hash of every version that has none, oldest first (the
    /// migration to schema version 3).
    static func backfill(_ db: Database) throws {
        for version in try Int64.fetchAll(db, sql: """
            SELECT version FROM versions WHERE version NOT IN (SELECT version FROM chain) ORDER BY version
            """) {
            try record(version, in: db)
        }
    }

    /// Recomputes the chain from version 1.
    /// - Returns: one message per version whose stored hash is missing or
    ///   differs from the recomputed one. After the first break every later
    ///   hash differs too; only the first is reported, with the count.
    static func verify(_ db: Database) throws -> [String] {
        var previous = origin
        var broken: [Int64] = []
        var missing: [Int64] = []
        let stored = try Row.fetchAll(db, sql: """
            SELECT v.version, c.hash FROM versions v LEFT JOIN chain c USING (version) ORDER BY v.version
            """)
        for row in stored {
            let version: Int64 = row[0]
            let computed = try hash(of: version, after: previous, in: db)
            let recorded: Data? = row[1]
            if recorded == nil { missing.append(version) } else if recorded != computed { broken.append(version) }
            previous = recorded ?? computed
        }
        var messages: [String] = []
        for version in missing {
            messages.append("version \(version): no hash in the chain (its record was removed)")
        }
        for version in broken {
            messages.append("version \(version): hash chain broken: its transaction or log rows were changed, added or removed after commit")
        }
        let orphans = try Int64.fetchAll(db, sql: "SELECT version FROM chain WHERE version NOT IN (SELECT version FROM versions)")
        for version in orphans {
            messages.append("version \(version): the chain has a hash but the transaction is gone (removed after commit)")
        }
        return messages
    }

    /// The canonical encoding of row values (see v3_chain.sql).
    struct Encoder {
        private var scratch: [UInt8] = []

        mutating func append(_ row: Row, into hasher: inout SHA256) {
            scratch.removeAll(keepingCapacity: true)
            for value in row.databaseValues {
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
