import Foundation
import Testing
@testable import Pond
@testable import Tables

/// Issue "Time series", point 7: a model over random series. A source grows
/// by appends in time order and late ones (some out of order in
/// themselves), is rewritten, restored to an earlier version's bytes and
/// pruned, while rollups are read (kept, computed again for the buckets an
/// append touched) and let go; then every rollup at every version is
/// compared with the same GROUP BY computed from scratch by SQLite's sort,
/// and a time-range query at every version with a full scan.
@Suite struct RollupModelTests {
    static let resolutions = ["15m", "1h", "1d"]
    static let aggregates = ["avg", "min", "max", "count", "sum", "first", "last"]
    nonisolated(unsafe) static let format = ISO8601DateFormatter()

    /// A row at `minute` after 2026-12-01: ISO text (sometimes with a zone;
    /// with `noTimes`, sometimes none at all), a value of a varying size, an integer.
    static func row(_ minute: Int, _ generator: inout SplitMix64, noTimes: Bool) -> String {
        let date = Date(timeIntervalSince1970: 1_796_083_200 + Double(minute) * 60 + Double(generator.next() % 60))
        var time = format.string(from: date)
        switch generator.next() % 20 {
        case 0 where noTimes: time = ""
        case 1: time = String(format.string(from: date.addingTimeInterval(7200)).dropLast()) + "+02:00"
        default: break
        }
        let size = [1e15, 1.0, 0.1, 3e-5, 7e8][Int(generator.next() % 5)]
        let value = generator.next() % 8 == 0 ? "" : "\((generator.next() % 2 == 0 ? 1.0 : -1.0) * size * Double(1 + generator.next() % 97))"
        return "\(time),\(value),\(generator.next() % 1000)\n"
    }

    /// The GROUP BY a reduce table of `res` stands for, sorted by SQLite, as CSV.
    func fromScratch(_ pond: Pond, _ res: String, at version: Version) throws -> String {
        let columns = ["v", "n"].flatMap { column in Self.aggregates.map { aggregate in
            let call = aggregate == "first" || aggregate == "last" ? "\(aggregate)(\(column), time)" : "\(aggregate)(\(column))"
            return "\(call) AS \(column)_\(aggregate)"
        } }
        let sql = "SELECT time_bucket(time, '\(res)') AS time, \(columns.joined(separator: ", ")) FROM \"/s.csv\" GROUP BY 1 HAVING time IS NOT NULL ORDER BY 1"
        var bytes: [UInt8] = []
        try pond.query(sql, at: version, into: ResultWriter(format: .csv, sink: { bytes.append(contentsOf: $0) }))
        return String(decoding: bytes, as: UTF8.self)
    }

    func rollup(_ test: TestPond, _ res: String, at version: Version? = nil) throws -> String {
        try test.read(at: version) { String(decoding: try $0.root.read("/r/res=\(res).csv"), as: UTF8.self) }
    }

    func append(_ test: TestPond, _ rows: String) throws {
        try test.write { fs in
            var source = ArraySource(Array(rows.utf8))
            _ = try fs.root.append("/s.csv", from: &source)
        }
    }

    @Test(arguments: [21, 22, 23]) func everyRollupAtEveryVersionIsItsGroupByFromScratch(seed: UInt64) throws {
        var generator = SplitMix64(state: seed)
        // Rows with no time make a rollup's scan leave the order to SQLite's sort; without, late appends are merged by bucket.
        let noTimes = seed % 2 == 1
        let test = try TestPond()
        var latest = 0
        var text = "time,v,n\n"
        for _ in 0..<40 { latest += Int(generator.next() % 20); text += Self.row(latest, &generator, noTimes: noTimes) }
        try test.write { fs in
            try fs.root.write("/s.csv", text)
            try fs.root.mkdir("/r", dynamic: DynamicSpec(factory: .reduce, argument: "source /s.csv\nevery \(Self.resolutions.joined(separator: ","))\nagg \(Self.aggregates.joined(separator: ","))\n"))
        }
        let made = try test.headVersion
        var counts = [String: Int]()
        var pruned: Version?
        for _ in 0..<30 {
            let kind = generator.next() % 10
            switch kind {
            case 0...2:  // later rows, in order
                var rows = ""
                for _ in 0..<(1 + generator.next() % 60) { latest += Int(generator.next() % 15); rows += Self.row(latest, &generator, noTimes: noTimes) }
                try append(test, rows)
            case 3, 4:  // late rows into earlier buckets, in order or not
                var minutes = (0..<(1 + generator.next() % 30)).map { _ in Int(generator.next() % UInt64(latest + 1)) }
                if generator.next() % 2 == 0 { minutes.sort() }
                try append(test, minutes.map { Self.row($0, &generator, noTimes: noTimes) }.joined())
            case 5:  // rewritten whole: fewer rows, some new
                var rows = "time,v,n\n"
                for _ in 0..<(5 + generator.next() % 80) { rows += Self.row(Int(generator.next() % UInt64(latest + 1)), &generator, noTimes: noTimes) }
                try test.write { try $0.root.write("/s.csv", rows) }
            case 6:  // restored as an earlier version had it
                let head = try test.headVersion
                let first = max(made, pruned ?? made)
                let at = Version(first.rawValue + Int64(generator.next() % UInt64(head.rawValue - first.rawValue + 1)))
                if at < head { try test.pond.restore(["/s.csv"], at: at, message: "restore") }
            case 7:  // what is kept, let go
                try test.pond.dropKeptResults()
            case 8:  // older file versions' bytes let go
                if generator.next() % 3 == 0 {
                    let head = try test.headVersion
                    pruned = Version(max(1, head.rawValue - 5))
                    try test.pond.prune(PruneRule(before: pruned), message: "prune")
                }
            default:
                break
            }
            counts[String(kind), default: 0] += 1
            // Read at the head now and then: kept, and then computed again from the appends since.
            for res in Self.resolutions where generator.next() % 2 == 0 { _ = try rollup(test, res) }
        }
        let head = try test.headVersion
        var compared = 0
        for raw in 1...head.rawValue {
            let version = Version(raw)
            for res in Self.resolutions {
                let expected: String
                do {
                    expected = try fromScratch(test.pond, res, at: version)
                } catch {
                    // A version before the source was made, or whose bytes a prune let go (a result kept of it may still read).
                    #expect(version < made || version < pruned ?? made, "seed \(seed), version \(raw): \(error)")
                    continue
                }
                #expect(try rollup(test, res, at: version) == expected, "seed \(seed), version \(raw), \(res)")
                compared += 1
            }
            // A time range read by the runs and stretches it may need equals a full scan.
            let low = Self.format.string(from: Date(timeIntervalSince1970: 1_796_083_200 + Double(generator.next() % UInt64(latest + 1)) * 60))
            let high = Self.format.string(from: Date(timeIntervalSince1970: 1_796_083_200 + Double(generator.next() % UInt64(latest + 1)) * 60))
            for column in ["_time", "time"] {
                let query = "SELECT count(*), sum(n), min(COL) FROM \"/s.csv\" WHERE COL >= '\(min(low, high))' AND COL < '\(max(low, high))'"
                let pushed = try? rows(test.pond, query.replacingOccurrences(of: "COL", with: column), at: version)
                let scanned = try? rows(test.pond, query.replacingOccurrences(of: "COL", with: "+" + column), at: version)
                // At a version whose bytes a prune let go, a range no run reaches is still answered (0 rows), a full scan cannot be.
                guard version >= made, scanned != nil || version >= pruned ?? made else { continue }
                #expect(pushed != nil && pushed == scanned, "seed \(seed), version \(raw), \(column)")
            }
        }
        #expect(compared > 30, "\(compared) \(counts)")
        #expect(try test.pond.check().isEmpty)
    }
}
