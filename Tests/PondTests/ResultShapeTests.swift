import Foundation
import Testing
@testable import Pond

/// Result shapes a JSON writer might trip on (DESIGN.md, "Tables"): repeated
/// column names, empty names and results, unicode, 1,000 columns. Each is
/// written as `json` and `jsonl` and parsed back.
struct ResultShapeTests {
    /// `sql`'s result in `format`, as written.
    func output(_ pond: Pond, _ sql: String, _ format: ResultFormat) throws -> String {
        var bytes: [UInt8] = []
        let writer = ResultWriter(format: format) { bytes.append(contentsOf: $0) }
        try pond.query(sql, into: writer)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The keys of each object in `text` (a `json` array or `jsonl` lines), in
    /// the order written, with their values; fails the test on invalid JSON.
    func objects(_ text: String, _ format: ResultFormat) throws -> [[(key: String, value: Any)]] {
        let lines: [String]
        if format == .json {
            let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any]
            #expect(parsed != nil, "not a JSON array: \(text.prefix(200))")
            // One object a line between the brackets: parse each to keep its key order.
            lines = text.split(separator: "\n").dropFirst().dropLast().map { line in
                line.hasSuffix(",") ? String(line.dropLast()) : String(line)
            }
            #expect(lines.count == parsed?.count)
        } else {
            lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
        return try lines.map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return orderedKeys(line).map { (key: $0, value: object[$0] as Any) }
        }
    }

    /// The top-level keys of one flat JSON object, in the order they appear.
    func orderedKeys(_ object: String) -> [String] {
        var keys: [String] = []
        var scanner = object.unicodeScalars.makeIterator()
        var expectKey = true
        while let scalar = scanner.next() {
            if scalar == "\"" {
                var raw = "\""
                while let next = scanner.next() {
                    raw.unicodeScalars.append(next)
                    if next == "\\" { raw.unicodeScalars.append(scanner.next()!) } else if next == "\"" { break }
                }
                if expectKey, let key = try? JSONSerialization.jsonObject(with: Data(raw.utf8), options: .fragmentsAllowed) as? String {
                    keys.append(key)
                }
                expectKey = false
            } else if scalar == "{" || scalar == "," {
                expectKey = true
            }
        }
        return keys
    }

    @Test(arguments: [ResultFormat.json, .jsonl])
    func repeatedNamesAreMadeUniqueInTheSelectsOrder(format: ResultFormat) throws {
        let pond = try TestPond()
        let rows = try objects(try output(pond.pond, "SELECT 1 AS b, 2 AS a, 3 AS a, 4 AS a_2, 5 AS A", format), format)
        #expect(rows.count == 1)
        // As a table's headers: SQLite compares names without regard to ASCII case.
        #expect(rows[0].map(\.key) == ["b", "a", "a_2", "a_2_2", "A_3"])
        #expect(rows[0].map { ($0.value as? NSNumber)?.intValue } == [1, 2, 3, 4, 5])
    }

    @Test(arguments: [ResultFormat.json, .jsonl])
    func emptyResultsAndEmptyNames(format: ResultFormat) throws {
        let pond = try TestPond()
        let none = try output(pond.pond, "SELECT 1 AS a WHERE 0", format)
        #expect(none == (format == .json ? "[]\n" : ""))
        let rows = try objects(try output(pond.pond, "SELECT '' AS \"\", NULL AS \"\", 1e999 AS x, x'00ff' AS b", format), format)
        #expect(rows.count == 1 && rows[0].map(\.key) == ["col1", "col2", "x", "b"])
        #expect(rows[0][1].value is NSNull && rows[0][2].value is NSNull)
        #expect(rows[0][3].value as? String == "AP8=")
    }

    /// Seeded random shapes: 1 to 1,000 columns drawn from a few names
    /// (repeats, unicode, quotes, empty), values of every type, 0 to 3 rows.
    @Test func randomShapesNeverCrashAndParseBack() throws {
        let pond = try TestPond()
        let seed = ProcessInfo.processInfo.environment["POND_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        var generator = SplitMix64(state: seed)
        let names = ["a", "a", "A", "a_2", "", "é", "温度", "🌊", "quote\"d", "back\\slash", "new\nline", "x y", "ÉÉ"]
        let values = ["1", "-0.5", "NULL", "'text'", "'ünïcødé \"q\" \\ \n'", "x'deadbeef'", "9223372036854775807", "1e308", "''"]
        for round in 0..<40 {
            let width = round == 0 ? 1_000 : Int.random(in: 1...64, using: &generator)
            let columns = (0..<width).map { _ in
                "\(values.randomElement(using: &generator)!) AS \"\(names.randomElement(using: &generator)!.replacingOccurrences(of: "\"", with: "\"\""))\""
            }
            let rowCount = Int.random(in: 0...3, using: &generator)
            let select = "SELECT " + columns.joined(separator: ", ")
            let sql = rowCount == 0 ? select + " WHERE 0"
                : Array(repeating: select, count: rowCount).joined(separator: " UNION ALL ")
            for format in [ResultFormat.json, .jsonl] {
                let rows = try objects(try output(pond.pond, sql, format), format)
                #expect(rows.count == rowCount, "round \(round) (seed \(seed))")
                for row in rows {
                    #expect(row.count == width, "round \(round) (seed \(seed))")
                    #expect(Set(row.map(\.key)).count == width, "keys repeat: round \(round) (seed \(seed))")
                }
            }
        }
    }
}
