import Foundation
import Testing
@testable import Pond
import Tabular
@testable import Tables
@testable import OpLog

/// `_time` and the series functions (DESIGN.md, "Time series").
@Suite struct TimeSeriesTests {
    @Test func timeIsOneFormWhateverTheFileWrites() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.write("/iso.csv", "Time,temp\n2026-12-01T10:05:00Z,1\n2026-12-01T10:20:00+01:00,3\n2026-12-01 11:59:59.5,5\n2026-12-01,6\nbad,7\n")
            try fs.root.write("/epoch.csv", "ts,v\n1764583200,1\n1764583200123,2\n")
            try fs.root.write("/none.csv", "a,b\n1,2\n")
        }
        #expect(try rows(test.pond, #"SELECT _time, temp FROM "/iso.csv""#) == [
            "2026-12-01T10:05:00.000000Z|1", "2026-12-01T09:20:00.000000Z|3", "2026-12-01T11:59:59.500000Z|5",
            "2026-12-01T00:00:00.000000Z|6", "NULL|7",
        ])
        #expect(try rows(test.pond, #"SELECT _time FROM "/epoch.csv""#) == ["2025-12-01T10:00:00.000000Z", "2025-12-01T10:00:00.123000Z"])
        // Series of two loggers join on it.
        #expect(try rows(test.pond, #"SELECT i.temp, e.v FROM "/iso.csv" i JOIN "/epoch.csv" e ON substr(i._time, 6, 5) = substr(e._time, 6, 5) ORDER BY 1, 2"#)
                == ["1|1", "1|2", "3|1", "3|2", "5|1", "5|2", "6|1", "6|2"])
        #expect(throws: (any Error).self) { try test.pond.query(#"SELECT _time FROM "/none.csv""#) }
        // A glob: `_path` and `_time` both.
        #expect(try rows(test.pond, #"SELECT _path, _time FROM "/e*.csv" LIMIT 1"#) == ["/epoch.csv|2025-12-01T10:00:00.000000Z"])
    }

    @Test func bucketsAndAggregates() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.write("/r.csv", "time,v\n2026-12-01T10:59:00Z,4\n2026-12-01T10:00:00Z,1\n2026-12-01T10:30:00Z,\n2026-12-01T11:00:00Z,10\n2026-12-01T10:15:00Z,2\n")
        }
        #expect(try rows(test.pond, """
            SELECT time_bucket(time, '1h') AS hour, count(v), median(v), percentile(v, 50), percentile(v, 100), stddev(v),
                   first(v, time), last(v, time)
            FROM "/r.csv" GROUP BY 1 ORDER BY 1
            """) == [
            "2026-12-01T10:00:00.000000Z|3|2.0|2.0|4.0|1.5275252316519468|1|4",
            "2026-12-01T11:00:00.000000Z|1|10.0|10.0|10.0|NULL|10|10",
        ])
        #expect(try rows(test.pond, "SELECT time_bucket('2026-12-02T10:07:00Z', '15m'), time_bucket('2026-12-03T00:00:00Z', '7d'), time_bucket(NULL, '1h')")
                == ["2026-12-02T10:00:00.000000Z|2026-11-30T00:00:00.000000Z|NULL"])
        #expect(try rows(test.pond, "SELECT median(x), stddev(x), first(x, x) FROM (SELECT 1 AS x WHERE 0)") == ["NULL|NULL|NULL"])
        #expect(throws: (any Error).self) { try test.pond.query("SELECT time_bucket('2026-12-01', '1 hour')") }
        #expect(throws: (any Error).self) { try test.pond.query("SELECT percentile(1, 120)") }
    }

    @Test func bucketsAreFloorsAlsoBefore1970() {
        let hour: Int64 = 3_600_000_000
        #expect(TimeColumn.bucket(-1, width: hour) == -hour)
        #expect(TimeColumn.bucket(hour, width: hour) == hour)
        #expect(TimeColumn.width("15m") == 900_000_000)
        #expect(TimeColumn.width("1 h") == nil && TimeColumn.width("0d") == nil && TimeColumn.width("h") == nil)
        #expect(TimeColumn.iso(micros: -1) == "1969-12-31T23:59:59.999999Z")
        #expect(TimeColumn.index(in: ["station", "Event_Time", "time"]) == 1)
    }
}

/// Runs skipped by their time ranges: what is opened, and that answers never change.
@Suite struct TimeRangeSkipTests {
    final class Opened: @unchecked Sendable {
        var offsets: [Int64] = []
    }

    /// A file of three runs (one per day), its bytes served from memory, recording where it is opened.
    static func threeDays(_ opened: Opened) -> (TableDefinition, [UInt8]) {
        let header = "time,v\n"
        let days = ["2026-12-01", "2026-12-02", "2026-12-03"].map { day in "\(day)T01:00:00Z,1\n\(day)T02:00:00Z,2\n" }
        let bytes = Array((header + days.joined()).utf8)
        // Runs: the header and the first day, then each later day.
        var starts: [Int64] = [0, Int64((header + days[0]).utf8.count)]
        starts.append(starts[1] + Int64(days[1].utf8.count))
        var ranges: [TimeRange?] = []
        for (index, day) in ["2026-12-01", "2026-12-02", "2026-12-03"].enumerated() {
            let low = TimeColumn.micros(iso: "\(day)T01:00:00Z")!, high = TimeColumn.micros(iso: "\(day)T02:00:00Z")!
            ranges.append(TimeRange(rows: 2, textLow: Array("\(day)T01:00:00Z".utf8), textHigh: Array("\(day)T02:00:00Z".utf8),
                                    numberLow: nil, numberHigh: nil, microsLow: low, microsHigh: high))
            _ = index
        }
        let chunks = { (from: Int64) -> ByteChunks in
            var sent = false
            return {
                guard !sent else { return nil }
                sent = true
                return Array(bytes[Int(from)...])
            }
        }
        let file = TableFile(path: "/t.csv", format: .csv, runs: starts.enumerated().map { ($1, Version(Int64($0 + 2))) },
                             schema: TableSchema(columns: ["time", "v"], types: [.text, .integer]), timeRanges: ranges,
                             openFrom: { offset, _ in opened.offsets.append(offset); return chunks(offset) },
                             open: { opened.offsets.append(0); return chunks(0) })
        return (TableDefinition(name: "/t.csv", files: [file], hasPathColumn: false), bytes)
    }

    @Test(arguments: [
        ("time >= '2026-12-03'", ["2026-12-03T01:00:00Z|1", "2026-12-03T02:00:00Z|2"], [99]),
        ("time BETWEEN '2026-12-02' AND '2026-12-02T23'", ["2026-12-02T01:00:00Z|1", "2026-12-02T02:00:00Z|2"], [53]),
        ("_time < '2026-12-01T02:00:00.000000Z'", ["2026-12-01T01:00:00Z|1"], [0]),
        ("_time >= '2026-12-02' AND _time < '2026-12-03'", ["2026-12-02T01:00:00Z|1", "2026-12-02T02:00:00Z|2"], [53]),
        ("time > '2027'", [], []),
        ("time <= '2026-12-01T01:00:00Z' OR v = 2", ["2026-12-01T01:00:00Z|1", "2026-12-01T02:00:00Z|2", "2026-12-02T02:00:00Z|2", "2026-12-03T02:00:00Z|2"], nil),
        ("time = '2026-12-01T02:00:00Z' OR time = '2026-12-03T01:00:00Z'", ["2026-12-01T02:00:00Z|2", "2026-12-03T01:00:00Z|1"], nil),
    ] as [(String, [String], [Int64]?)])
    func onlyTheRunsThatMayMatchAreRead(condition: String, expected: [String], opened offsets: [Int64]?) throws {
        let test = try TestPond()
        let opened = Opened()
        let (definition, _) = TimeRangeSkipTests.threeDays(opened)
        let result = try test.pond.store.query("SELECT time, v FROM \"/t.csv\" WHERE \(condition) ORDER BY 1", tables: TableRegistry([definition]))
        #expect(result.rows.map { $0.map(display).joined(separator: "|") } == expected)
        if let offsets { #expect(opened.offsets == offsets, "\(condition)") }
    }

    @Test func appendsKeepARangeEachAndQueriesAgreeWithAFullRead() throws {
        let test = try TestPond()
        var generator = SplitMix64(state: 7)
        try test.write { fs in try fs.root.write("/s.csv", "time,v\n") }
        for day in 1...12 {
            var text = ""
            for _ in 0..<20 {
                let second = Int(generator.next() % 86_400)
                text += String(format: "2026-12-%02dT%02d:%02d:%02dZ,%d\n", day, second / 3600, second / 60 % 60, second % 60, Int(generator.next() % 100))
            }
            try test.write { fs in
                var source = ArraySource(Array(text.utf8))
                _ = try fs.root.append("/s.csv", from: &source)
            }
        }
        let id = try #require(try test.read { try $0.root.node("/s.csv").id })
        let kept = try test.pond.store.read { session in
            try session.contentRunsWithContents(of: id).map { try session.timeRange(of: $0.content, start: $0.from) }
        }
        #expect(kept.count == 13 && kept.dropFirst().allSatisfy { $0?.rows == 20 })
        for _ in 0..<12 {
            let day = 1 + Int(generator.next() % 12), hour = Int(generator.next() % 24)
            let bound = String(format: "2026-12-%02dT%02d", day, hour)
            let next = String(format: "2026-12-%02d", min(day + 1, 12))
            for condition in ["COL >= '\(bound)'", "COL < '\(bound)'", "COL > '\(bound)'", "COL BETWEEN '\(bound)' AND '\(next)'"] {
                for column in ["time", "_time"] {
                    // `+column` is an expression, never handed to the table: every row is read.
                    let pushed = try rows(test.pond, "SELECT time, v, _version FROM \"/s.csv\" WHERE \(condition.replacingOccurrences(of: "COL", with: column)) ORDER BY 1, 2, 3")
                    let plain = try rows(test.pond, "SELECT time, v, _version FROM \"/s.csv\" WHERE \(condition.replacingOccurrences(of: "COL", with: "+" + column)) ORDER BY 1, 2, 3")
                    #expect(pushed == plain, "\(condition) on \(column)")
                }
            }
        }
    }
}

/// Time blocks: within one write, the ranges of stretches of about 64 KiB of
/// rows, so that a query of an hour of a large file reads about that hour.
@Suite struct TimeBlockTests {
    @Test func anHourOfALargeFileReadsAboutAnHour() throws {
        let test = try TestPond()
        var generator = SplitMix64(state: 11)
        // 100,000 readings, 2 s apart (about 55 hours), in one write; then a day more by an append.
        var text = "time,station,v\n"
        for i in 0..<100_000 {
            let second = i * 2
            text += String(format: "2026-12-%02dT%02d:%02d:%02dZ,S%d,%d\n", 1 + second / 86_400, second / 3600 % 24, second / 60 % 60, second % 60,
                           i % 3, Int(generator.next() % 1000))
        }
        try test.write { try $0.root.write("/big.csv", text) }
        var more = ""
        for i in 0..<40_000 {
            let second = 200_000 + i * 2
            more += String(format: "2026-12-%02dT%02d:%02d:%02dZ,S%d,%d\n", 1 + second / 86_400, second / 3600 % 24, second / 60 % 60, second % 60,
                           i % 3, Int(generator.next() % 1000))
        }
        try test.write { fs in
            var source = ArraySource(Array(more.utf8))
            _ = try fs.root.append("/big.csv", from: &source)
        }
        for (from, to) in [("2026-12-01T10", "2026-12-01T11"), ("2026-12-02T23:59", "2026-12-03T00:01"), ("2026-12-03T08", "2026-12-03T09"),
                           ("2026-11", "2026-12-01T00:00:01"), ("2026-12-04", "2026-12-05"), ("2026-12-03T07:06:40", "2026-12-03T07:06:42")] {
            for column in ["time", "_time"] {
                let query = "SELECT count(*), sum(v), min(_version), max(_version) FROM \"/big.csv\" WHERE COL >= '\(from)' AND COL < '\(to)'"
                let read = RowsRead()
                let pushed = try TableRegistry.$observe.withValue({ read.registries.append($0) }) {
                    try rows(test.pond, query.replacingOccurrences(of: "COL", with: column))
                }
                let plain = try rows(test.pond, query.replacingOccurrences(of: "COL", with: "+" + column))
                #expect(pushed == plain, "\(from)...\(to) on \(column)")
                // A stretch of 64 KiB is about 2,000 rows: the rows that match and a few stretches are read, of 140,000.
                let matching = Int(pushed.first?.split(separator: "|").first ?? "") ?? 0
                #expect(read.registries.map(\.rowsRead).reduce(0, +) < matching + 6_000, "\(from)...\(to) on \(column): \(read.registries.map(\.rowsRead))")
            }
        }
        // fsck reads the rows again and finds the blocks kept those of the rows.
        #expect(try test.pond.check().isEmpty)
    }
}

/// `_time` compared with text by the scan itself (`TimeTest`), against the
/// comparison of `_time`'s text that SQLite would make.
@Suite struct TimeTestTests {
    @Test func theFormIsFixedWidthOverItsYears() {
        #expect(TimeColumn.iso(micros: TimeTest.first) == "0001-01-01T00:00:00.000000Z")
        #expect(TimeColumn.iso(micros: TimeTest.last) == "9999-12-31T23:59:59.999999Z")
    }

    @Test func testsAgreeWithTextComparison() {
        var generator = SystemRandomNumberGenerator()
        let texts = ["2026-06-10", "2026-06-10T12", "2026-06-10T12:00:00Z", "2026-06-10T12:00:00.000000Z", "2026-06-10T12:00:00.5",
                     "2026-06-10 12:00", "2026", "", "Z", "1969-12-31T23:59:59.999999Z", "0000", "99999", "2026-06-10T12:00:00.000001Z",
                     "2026-06-10T11:59:59.999999Z~"]
        let around = TimeColumn.micros(iso: "2026-06-10T12:00:00Z")!
        var samples: [Int64] = [TimeTest.first, TimeTest.last, TimeTest.first - 1, TimeTest.last + 1, 0, -1, around, around - 1, around + 1]
        for _ in 0..<2000 { samples.append(around + Int64.random(in: -200_000_000_000...200_000_000_000, using: &generator)) }
        for _ in 0..<200 { samples.append(Int64.random(in: TimeTest.first...TimeTest.last, using: &generator)) }
        for text in texts {
            for op in [ScanPlan.Op.eq, .gt, .ge, .lt, .le] {
                let test = TimeTest(op, Array(text.utf8))
                for micros in samples {
                    let order = TimeTest.order(micros, Array(text.utf8))
                    let expected = switch op {
                    case .eq: order == 0
                    case .gt: order > 0
                    case .ge: order >= 0
                    case .lt: order < 0
                    case .le: order <= 0
                    }
                    #expect(test.passes(micros) == expected, "\(TimeColumn.iso(micros: micros)) \(op.rawValue) '\(text)'")
                    // A range from it holds a passing time exactly when one of the samples in it passes (or more).
                    let high = micros &+ Int64.random(in: 0...3_600_000_000, using: &generator)
                    if high >= micros, !test.mayHold(low: micros, high: high) {
                        #expect(!test.passes(micros) && !test.passes(high), "\(micros)...\(high) \(op.rawValue) '\(text)'")
                    }
                }
            }
        }
    }
}
