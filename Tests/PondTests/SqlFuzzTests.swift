import Foundation
@testable import Pond
import Testing

/// `pond sql`'s promise under hostile input: no statement, however
/// malformed, crashes it or changes a byte of the pond.
@Suite struct SqlFuzzTests {
    static let words = [
        "SELECT", "FROM", "WHERE", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END", "TRANSACTION",
        "INSERT", "INTO", "VALUES", "UPDATE", "SET", "DELETE", "DROP", "TABLE", "CREATE", "VIEW", "TEMP",
        "ATTACH", "DETACH", "DATABASE", "AS", "PRAGMA", "VACUUM", "ANALYZE", "REINDEX", "WITH", "RECURSIVE",
        "UNION", "ALL", "ORDER", "BY", "LIMIT", "OFFSET", "GROUP", "HAVING", "JOIN", "ON", "CASE", "WHEN",
        "THEN", "ELSE", "NULL", "NOT", "IN", "EXISTS", "LIKE", "GLOB", "CAST", "INTEGER", "BLOB",
        "log", "versions", "paths", "entries", "entries_history", "nodes", "transactions", "file_contents",
        "file_chunks", "chunks", "chain", "sqlite_master", "table_info(log)", "pragma_table_info('log')",
        "user_version", "journal_mode", "query_only", "writable_schema", "load_extension('x')",
        "json_extract(payload, '$.type')", "zeroblob(1000000000)", "randomblob(16)", "printf('%s', 1)",
        "*", "count(*)", "max(version)", "(", ")", ",", ";", ".", "=", "==", "<>", "<", ">=", "+", "-", "/",
        "%", "||", "'", "''", "\"", "`", "[", "]", "?", "?1", ":x", "@y", "$z", "--", "/*", "*/", "\n",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e308", "1e309", "0x7fffffff",
        "x'00ff'", "X'", "'unterminated", "\u{0}", "é", "🐟", "\\", "main.", "temp.",
    ]

    /// Valid statements that mutations start from.
    static let templates = [
        "SELECT * FROM paths", "SELECT count(*) FROM log WHERE version > 1", "PRAGMA table_info(log)",
        "SELECT path, type FROM paths ORDER BY path LIMIT 3", "SELECT * FROM entries_history WHERE valid_to IS NULL",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5) SELECT * FROM c",
        "SELECT version, time, command FROM transactions", "SELECT name FROM pragma_table_info('log')",
        "SELECT hex(hash), size FROM log WHERE kind = 'write'", "SELECT 1 + 2 * 3, 'a' || 'b', x'00ff'",
    ]

    /// A statement from `random`: half are word soup of 1 to 12 words, some
    /// glued together; half a valid template with words inserted, replaced or dropped.
    static func statement(_ random: inout SplitMix64) -> String {
        if Bool.random(using: &random) {
            var tokens = templates.randomElement(using: &random)!.split(separator: " ").map(String.init)
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                let at = Int.random(in: 0..<tokens.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: tokens.insert(words.randomElement(using: &random)!, at: at)
                case 1: tokens[at] = words.randomElement(using: &random)!
                default: if tokens.count > 1 { tokens.remove(at: at) }
                }
            }
            return tokens.joined(separator: " ")
        }
        var text = ""
        for _ in 0..<Int.random(in: 1...12, using: &random) {
            text += words.randomElement(using: &random)!
            if Int.random(in: 0..<4, using: &random) != 0 { text += " " }
        }
        return text
    }

    @Test func thousandsOfGeneratedStatementsNeverCrashOrChangeThePond() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/d")
            try fs.root.write("/d/a.csv", Array("t,v\n1,2\n".utf8))
        }
        test.pond.checkpoint()
        let before = try Data(contentsOf: URL(fileURLWithPath: test.path))
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: test.directory.path).sorted()
        let seed = ProcessInfo.processInfo.environment["POND_FUZZ_SEED"].flatMap(UInt64.init) ?? 20261201
        var random = SplitMix64(state: seed)
        var answered = 0, refused = 0
        let count = 3000
        for _ in 0..<count {
            let sql = SqlFuzzTests.statement(&random)
            do {
                _ = try test.pond.query(sql, at: Bool.random(using: &random) ? nil : Version(1))
                answered += 1
            } catch is PondError {
                refused += 1
            }
        }
        // Statements that must be refused, whatever the generator drew.
        for sql in ["BEGIN", "SAVEPOINT x", "COMMIT", "ROLLBACK", "RELEASE x", "END", "BEGIN IMMEDIATE",
                    "PRAGMA query_only = 0", "PRAGMA writable_schema = 1", "ATTACH 'x.db' AS x",
                    "DELETE FROM log", "SELECT 1; DELETE FROM log", "VACUUM"] {
            #expect(throws: PondError.self, "\(sql)") { try test.pond.query(sql) }
        }
        #expect(answered + refused == count)
        #expect(answered > 0 && refused > 0, "seed \(seed): \(answered) answered, \(refused) refused")
        print("sql fuzz: \(count) statements (seed \(seed)): \(answered) answered, \(refused) refused, no crash")
        test.pond.checkpoint()
        #expect(try Data(contentsOf: URL(fileURLWithPath: test.path)) == before, "seed \(seed)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: test.directory.path).sorted() == filesBefore)
    }

    @Test(arguments: ["PRAGMA table_info(log)", "SELECT name FROM pragma_table_info('log')",
                      "PRAGMA index_list(log)", "SELECT name FROM pragma_index_list('log')",
                      "PRAGMA user_version", "SELECT * FROM pragma_table_list"])
    func readOnlyPragmasWithArgumentsAnswer(sql: String) throws {
        let test = try TestPond()
        let result = try test.pond.query(sql)
        #expect(!result.rows.isEmpty, "\(sql)")
    }
}
