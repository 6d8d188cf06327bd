import Foundation
import Testing
@testable import Pond
import Tabular

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
