import Foundation
import Testing
@testable import Pond
@testable import Tables

/// A reduce table aggregated in the source's own time order (`_bucket`,
/// `RollupSQL.reduceInTimeOrder`) against the same query sorted by SQLite:
/// the same bytes, on sums whose value depends on the order they are added in.
@Suite struct TimeOrderReduceTests {
    static let aggregates = "avg,min,max,count,sum,first,last"
    nonisolated(unsafe) static let format = ISO8601DateFormatter()

    /// Readings a minute apart from 2026-12-01, values of very different
    /// sizes (a float sum of them depends on its order), some with no value;
    /// `late` puts the last row's time an hour before the first's.
    static func series(rows: Int, seed: UInt64, late: Bool) -> String {
        var generator = SplitMix64(state: seed)
        var text = "time,v,n\n"
        for row in 0..<rows {
            let minute = late && row == rows - 1 ? -60 : row
            let time = Self.format.string(from: Date(timeIntervalSince1970: 1_796_083_200 + Double(minute) * 60))
            let size = [1e16, 1.0, 0.1, 3e-5, 7e8][Int(generator.next() % 5)]
            let sign = generator.next() % 2 == 0 ? 1.0 : -1.0
            let value = generator.next() % 9 == 0 ? "" : "\(sign * size * Double(1 + generator.next() % 97))"
            text += "\(time),\(value),\(generator.next() % 1000)\n"
        }
        return text
    }

    /// The reduce table `res` of `/r` and the same query as a plain derived file (SQLite sorting), and the registries each used.
    func both(_ test: TestPond, _ res: String) throws -> (reduce: String, sorted: String, registries: [TableRegistry]) {
        let read = RowsRead()
        let reduce = try TableRegistry.$observe.withValue({ read.registries.append($0) }) {
            try test.read { String(decoding: try $0.root.read("/r/res=\(res).csv"), as: UTF8.self) }
        }
        let columns = ["v", "n"].flatMap { column in Self.aggregates.split(separator: ",").map { aggregate in
            let call = aggregate == "first" || aggregate == "last" ? "\(aggregate)(\(column), time)" : "\(aggregate)(\(column))"
            return "\(call) AS \(column)_\(aggregate)"
        } }
        let sql = "SELECT time_bucket(time, '\(res)') AS time, \(columns.joined(separator: ", ")) FROM \"/s.csv\" GROUP BY 1 HAVING time IS NOT NULL ORDER BY 1"
        try test.write { try $0.root.makeDerivedFile("/sorted-\(res).csv", factory: .sql, definition: sql) }
        let sorted = try test.read { String(decoding: try $0.root.read("/sorted-\(res).csv"), as: UTF8.self) }
        return (reduce, sorted, read.registries)
    }

    func make(_ text: String) throws -> TestPond {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.write("/s.csv", text)
            try fs.root.mkdir("/r", dynamic: DynamicSpec(factory: .reduce, argument: "source /s.csv\nevery 15m,1h,1d\nagg \(Self.aggregates)\n"))
        }
        return test
    }

    @Test(arguments: [1, 2, 3]) func inTimeOrderEqualsSorted(seed: UInt64) throws {
        let test = try make(Self.series(rows: 3_000, seed: seed, late: false))
        for res in ["15m", "1h", "1d"] {
            let (reduce, sorted, registries) = try both(test, res)
            #expect(reduce == sorted, "\(res)")
            #expect(reduce.split(separator: "\n").count > 2)
            // One statement, aggregating in the file's order: no second run sorted.
            #expect(registries.map(\.bucketsInFileOrder) == [true], "\(res)")
        }
    }

    @Test func aLateRowIsSortedAsBefore() throws {
        let test = try make(Self.series(rows: 3_000, seed: 7, late: true))
        let (reduce, sorted, registries) = try both(test, "1h")
        #expect(reduce == sorted)
        #expect(reduce.contains("2026-11-30T23:00:00.000000Z"))
        // The scan in time order stopped at the late row; the sorting query gave the table.
        #expect(registries.map(\.bucketsInFileOrder) == [true, false])
    }

    /// Appends of rows in time order, and of late ones that reach back into
    /// earlier buckets: the runs are merged by bucket, read once.
    @Test(arguments: [11, 12]) func lateAppendsAreMergedInBucketOrder(seed: UInt64) throws {
        let lines = Self.series(rows: 4_000, seed: seed, late: false).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let test = try make(lines[0...2_000].joined(separator: "\n") + "\n")
        // Then: rows 2,800..3,000 (later); rows 1,500..1,700 again (late, into earlier buckets, in order); rows 3,001...
        for chunk in [lines[2_800...3_000], lines[1_500...1_700], lines[3_001...3_999], lines[1_990...2_010]] {
            try test.write { fs in
                var source = ArraySource(Array((chunk.joined(separator: "\n") + "\n").utf8))
                _ = try fs.root.append("/s.csv", from: &source)
            }
        }
        for res in ["15m", "1h", "1d"] {
            let (reduce, sorted, registries) = try both(test, res)
            #expect(reduce == sorted, "\(res)")
            #expect(registries.map(\.bucketsInFileOrder) == [true], "\(res)")
            #expect(registries.first?.rowsRead == 3_422, "\(res)")
        }
        // An append out of order in itself: SQLite sorts, the same table.
        try test.write { fs in
            var source = ArraySource(Array((lines[100] + "\n" + lines[50] + "\n").utf8))
            _ = try fs.root.append("/s.csv", from: &source)
        }
        try test.write { try $0.root.remove("/sorted-1h.csv") }
        let (reduce, sorted, registries) = try both(test, "1h")
        #expect(reduce == sorted)
        #expect(registries.map(\.bucketsInFileOrder) == [true, false])
    }

    @Test func bucketIsTimeBucketOfTheTimeColumn() throws {
        let test = try make(Self.series(rows: 500, seed: 4, late: true) + ",5,5\nnot a time,6,6\n")
        let byBucket = try rows(test.pond, "SELECT _bucket, _every, count(*), sum(n) FROM \"/s.csv\" WHERE _every = '15m' GROUP BY 1 ORDER BY 1")
        let byFunction = try rows(test.pond, "SELECT time_bucket(time, '15m'), '15m', count(*), sum(n) FROM \"/s.csv\" GROUP BY 1 ORDER BY 1")
        // A query of its own sorts (only a rollup leaves the order to the scan): late rows and rows with no time are in their groups.
        #expect(byBucket == byFunction)
        #expect(byBucket.first?.hasPrefix("NULL|15m|2|") == true, "\(byBucket.prefix(2))")
        #expect(try rows(test.pond, "SELECT count(_bucket), count(*) FROM \"/s.csv\"") == ["0|502"])
        #expect(try rows(test.pond, "SELECT count(_bucket) FROM \"/s.csv\" WHERE _every = 'soon'") == ["0"])
    }
}
