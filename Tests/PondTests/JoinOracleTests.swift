import Foundation
import Testing
@testable import OpLog
@testable import Tables
@testable import Pond

/// Filters read into the scan and keyed joins (a hash built by the first
/// scan, `ScanPlan`) give what SQLite gives over the same rows materialized:
/// random tables of mixed cells (integers, reals, texts that look like
/// numbers, empty cells, repeats), random joins and comparisons.
/// The registries a query installed, to count the rows its statement read.
final class RowsRead: @unchecked Sendable {
    var registries: [TableRegistry] = []
}

// Serialized: two of its tests lower `KeyedRows.budget`, which every scan reads.
@Suite(.serialized) struct JoinOracleTests {
    static let cells = ["1", "2", "2.0", "-3", "10", "1e2", "abc", "ABC", "", "x y", "2026-02-10", "2026-02-10T01:00",
                        "9007199254740993", "9007199254740992", "0", "-0.0", "é", "5", "05"]

    /// A CSV of `rows` rows and columns a..d; `numeric` columns hold only numbers.
    static func table(_ rows: Int, numeric: Set<Int>, _ random: inout SplitMix64) -> String {
        var text = "a,b,c,d\n"
        let numbers = cells.filter { Double($0) != nil }
        for _ in 0..<rows {
            text += (0..<4).map { column in
                (numeric.contains(column) ? numbers : cells).randomElement(using: &random)!
            }.joined(separator: ",") + "\n"
        }
        return text
    }

    /// `query` with each table read whole into a MATERIALIZED CTE first:
    /// SQLite's own answer over the same rows, with nothing pushed into the scan.
    static func materialized(_ query: String) -> String {
        "WITH x AS MATERIALIZED (SELECT * FROM \"/x.csv\"), y AS MATERIALIZED (SELECT * FROM \"/y.csv\") "
            + query.replacingOccurrences(of: "\"/x.csv\"", with: "x").replacingOccurrences(of: "\"/y.csv\"", with: "y")
    }

    @Test func filtersAndKeyedJoinsGiveWhatSQLiteGivesOverTheRows() throws {
        let seed = ProcessInfo.processInfo.environment["POND_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(state: seed)
        let test = try TestPond()
        let columns = ["a", "b", "c", "d"], ops = ["=", "<", "<=", ">", ">=", "<>"]
        var compared = 0
        for round in 0..<6 {
            let x = Self.table(Int.random(in: 0...60, using: &random), numeric: [1], &random)
            let y = Self.table(Int.random(in: 1...60, using: &random), numeric: [1, 2], &random)
            try test.write { fs in
                try fs.root.write("/x.csv", x)
                try fs.root.write("/y.csv", y)
            }
            for _ in 0..<25 {
                let left = columns.randomElement(using: &random)!, right = columns.randomElement(using: &random)!
                let constant = Self.cells.randomElement(using: &random)!
                let literal = Bool.random(using: &random) && Double(constant) != nil ? constant : "'\(constant)'"
                let filter = "\(columns.randomElement(using: &random)!) \(ops.randomElement(using: &random)!) \(literal)"
                let other = "\(columns.randomElement(using: &random)!) \(ops.randomElement(using: &random)!) \(literal)"
                let query = switch Int.random(in: 0..<8, using: &random) {
                // Self-joins: the outer side's rest is read by the inner side's one scan (TableCursor.build).
                case 6: "SELECT p.a, q.b, p.c FROM \"/x.csv\" p JOIN \"/x.csv\" q ON p.\(left) = q.\(right) WHERE p.\(filter) AND q.\(other)"
                case 7: "SELECT p.a, p.d, q.b FROM \"/x.csv\" p CROSS JOIN \"/x.csv\" q WHERE q.\(right) = p.\(left) AND p.\(filter)"
                // CROSS JOIN keeps the order written: each table is the inner one in turn.
                case 4: "SELECT p.a, p.b, q.c FROM \"/y.csv\" q CROSS JOIN \"/x.csv\" p WHERE p.\(left) = q.\(right) AND p.\(filter)"
                case 5: "SELECT p.a, p.b, q.c FROM \"/x.csv\" p CROSS JOIN \"/y.csv\" q WHERE q.\(right) = p.\(left)"
                case 0: "SELECT p.*, q.* FROM \"/x.csv\" p JOIN \"/y.csv\" q ON p.\(left) = q.\(right) WHERE q.\(filter)"
                case 1: "SELECT p.a, q.b FROM \"/x.csv\" p LEFT JOIN \"/y.csv\" q ON q.\(right) = p.\(left) AND q.\(filter)"
                case 2: "SELECT * FROM \"/x.csv\" WHERE \(filter)"
                default: "SELECT p.a, (SELECT count(*) FROM \"/y.csv\" q WHERE q.\(right) = p.\(left)) FROM \"/x.csv\" p WHERE p.\(filter)"
                }
                // A materialized -0.0 is stored as the integer 0 and read back as 0.0.
                let got = try rows(test.pond, query).map { $0.replacingOccurrences(of: "-0.0", with: "0.0") }.sorted()
                let expected = try rows(test.pond, Self.materialized(query)).map { $0.replacingOccurrences(of: "-0.0", with: "0.0") }.sorted()
                #expect(got == expected, "round \(round) (seed \(seed)): \(query)")
                compared += 1
            }
        }
        print("join oracle: \(compared) queries compared (seed \(seed))")
    }

    @Test func aSelfJoinOnALargeTableAnswersWithoutRereadingIt() throws {
        let test = try TestPond()
        var text = "station,time,temp\n"
        for step in 0..<2_000 {
            for station in ["N", "S"] { text += "\(station),t\(step),\(step % 50)\n" }
        }
        try test.write { try $0.root.write("/r.csv", text) }
        let query = #"SELECT count(*), sum(n.temp - s.temp) FROM "/r.csv" n JOIN "/r.csv" s ON n.time = s.time WHERE n.station = 'N' AND s.station = 'S'"#
        #expect(try rows(test.pond, query) == ["2000|0"])
        let plan = try rows(test.pond, "EXPLAIN QUERY PLAN " + query).joined(separator: "\n")
        #expect(plan.contains("k1"), "\(plan)")
        // Both sides from one read of the file: the outer side's rest comes from the inner side's scan.
        let read = RowsRead()
        let answer = try TableRegistry.$observe.withValue({ read.registries.append($0) }) { try rows(test.pond, query) }
        #expect(answer == ["2000|0"])
        // The outer side's first row, then the inner side's one scan of the 4,000.
        #expect(read.registries.map(\.rowsRead) == [4_001])
        // When what the outer side would be given outgrows the budget (the inner side's few rows do not;
        // CROSS JOIN keeps n the outer side),
        // the outer side reads on by itself: the same answer, the file read twice.
        let few = #"SELECT count(*), sum(n.temp - s.temp) FROM "/r.csv" n CROSS JOIN "/r.csv" s ON n.time = s.time WHERE n.station = 'N' AND s.station = 'S' AND s.temp = 7"#
        let expected = try rows(test.pond, few)
        #expect(expected == ["40|0"])
        let budget = KeyedRows.budget
        KeyedRows.budget = 16 << 10
        defer { KeyedRows.budget = budget }
        let twice = RowsRead()
        #expect(try TableRegistry.$observe.withValue({ twice.registries.append($0) }) { try rows(test.pond, few) } == expected)
        #expect(twice.registries.map(\.rowsRead) == [8_000])
    }

    @Test func aHashOverItsBudgetFallsBackToReadingTheFileForEachLookup() throws {
        let test = try TestPond()
        var text = "k,v\n"
        for row in 0..<3_000 { text += "\(row % 700),\(row)\n" }
        try test.write { try $0.root.write("/t.csv", text) }
        let query = #"SELECT count(*), sum(a.v + b.v) FROM "/t.csv" a JOIN "/t.csv" b ON a.k = b.k WHERE a.v < 50"#
        let hashed = try rows(test.pond, query)
        let budget = KeyedRows.budget
        KeyedRows.budget = 1 << 10
        defer { KeyedRows.budget = budget }
        #expect(try rows(test.pond, query) == hashed)
        // The same pairs counted here: every row below 50 joins the rows of its key.
        let keys = (0..<3_000).map { $0 % 700 }
        var count = 0, sum = 0
        for a in 0..<50 { for b in 0..<3_000 where keys[b] == keys[a] { count += 1; sum += a + b } }
        #expect(hashed == ["\(count)|\(sum)"])
    }
}
