import Foundation
import Testing
@testable import Pond
import Tabular

/// `reduce`, `join` and `pivot` (DESIGN.md, "Rollups"), against the same
/// numbers computed here.
@Suite struct RollupTests {
    /// Readings every 10 minutes for two days at two stations; south lacks every third.
    static func series() throws -> (TestPond, [String: [(time: String, temp: Double)]]) {
        let test = try TestPond()
        var data: [String: [(String, Double)]] = [:]
        for (station, offset) in [("north", 0.0), ("south", 0.5)] {
            var text = "time,temp,note\n"
            for step in 0..<(2 * 144) where station == "north" || step % 3 != 0 {
                let minutes = step * 10
                let time = String(format: "2026-12-%02dT%02d:%02d:00Z", 1 + minutes / 1440, minutes / 60 % 24, minutes % 60)
                let temp = Double((step * 7) % 23) / 2 + offset
                data[station, default: []].append((time, temp))
                text += "\(time),\(temp),x\n"
            }
            try test.write { fs in
                try fs.root.mkdir("/sensors", parents: true)
                try fs.root.write("/sensors/\(station).csv", text)
            }
        }
        return (test, data)
    }

    @Test func reduceHasATablePerResolutionAndSeries() throws {
        let (test, data) = try RollupTests.series()
        try test.write { fs in
            try fs.root.mkdir("/rollups", dynamic: DynamicSpec(factory: .reduce, argument: "source /sensors/*.csv\nevery 1h,1d\nagg avg,max,count\n"))
        }
        #expect(try test.read { try $0.root.glob("/rollups/**").map(\.path.description) } == ["/rollups",
            "/rollups/north", "/rollups/north/res=1d.csv", "/rollups/north/res=1h.csv",
            "/rollups/south", "/rollups/south/res=1d.csv", "/rollups/south/res=1h.csv",
        ])
        let daily = try rows(test.pond, #"SELECT time, round(temp_avg, 6), temp_max, temp_count FROM "/rollups/south/res=1d.csv""#)
        var expected: [String] = []
        for day in ["2026-12-01", "2026-12-02"] {
            let temps = data["south"]!.filter { $0.time.hasPrefix(day) }.map(\.temp)
            let mean = (temps.reduce(0, +) / Double(temps.count) * 1e6).rounded() / 1e6
            expected.append("\(day)T00:00:00.000000Z|\(mean)|\(temps.max()!)|\(temps.count)")
        }
        #expect(daily == expected)
        #expect(try rows(test.pond, #"SELECT count(*), sum(temp_count) FROM "/rollups/north/res=1h.csv""#) == ["48|288"])
        // A rollup is a table: it joins, and it reads as it was at an earlier version.
        let before = try test.headVersion
        try test.write { fs in try fs.root.write("/sensors/north.csv", "time,temp\n2026-12-05T00:00:00Z,1\n") }
        #expect(try rows(test.pond, #"SELECT time, temp_count FROM "/rollups/north/res=1d.csv""#) == ["2026-12-05T00:00:00.000000Z|1"])
        #expect(try rows(test.pond, #"SELECT count(*) FROM "/rollups/north/res=1d.csv""#, at: before) == ["2"])
    }

    @Test func joinAndPivotLineSeriesUpOnTheirTime() throws {
        let (test, data) = try RollupTests.series()
        try test.write { fs in
            try fs.root.makeDerivedFile("/both.csv", factory: .join, definition: "input N=/sensors/north.csv\ninput S=/sensors/south.csv\n")
            try fs.root.makeDerivedFile("/temps.csv", factory: .pivot, definition: "source /sensors/*.csv\ncolumn temp\n")
        }
        let south = Dictionary(uniqueKeysWithValues: data["south"]!.map { ($0.time, $0.temp) })
        let expected = data["north"]!.map { reading in
            let iso = reading.time.replacingOccurrences(of: "Z", with: ".000000Z")
            return "\(iso)|\(reading.temp)|\(south[reading.time].map { "\($0)" } ?? "NULL")"
        }
        #expect(try rows(test.pond, #"SELECT time, "N.temp", "S.temp" FROM "/both.csv""#) == expected)
        #expect(try rows(test.pond, #"SELECT time, north, south FROM "/temps.csv""#) == expected)
        #expect(try test.pond.query(#"SELECT * FROM "/both.csv" LIMIT 1"#).columns == ["time", "N.temp", "N.note", "S.temp", "S.note"])
    }

    @Test func aRollupIsCheckedWhenMade() throws {
        let (test, _) = try RollupTests.series()
        let head = try test.headVersion
        for (factory, definition, reason) in [
            (DerivedFactory.join, "input N=/sensors/north.csv\ninput S=/nope.csv\n", "\"/nope.csv\" is no table"),
            (.join, "input N=/sensors/north.csv\n", "a join needs two inputs or more"),
            (.pivot, "source /sensors/*.csv\ncolumn humidity\n", "has no column 'humidity'"),
            (.pivot, "source /nothing/*.csv\ncolumn temp\n", "matches no table"),
            (.join, "input N=/sensors/north.csv\ninput S=/sensors/south.csv\ntime when\n", "has no column 'when'"),
        ] {
            #expect {
                try test.write { fs in try fs.root.makeDerivedFile("/x.csv", factory: factory, definition: definition) }
            } throws: { error in
                "\(error)".contains(reason)
            }
        }
        #expect {
            try test.write { fs in
                try fs.root.mkdir("/r", dynamic: DynamicSpec(factory: .reduce, argument: "source /sensors/north.csv\nevery 90x\n"))
                try fs.root.checkComputedFiles(under: "/r")
            }
        } throws: { "\($0)".contains("'90x' is no resolution") }
        #expect(try test.headVersion == head)
    }

    @Test func theDefinitionReadsBackAsWritten() throws {
        var definition = RollupDefinition()
        definition.source = "/a b/*.csv"
        definition.every = ["1h", "1d"]
        definition.aggregates = ["avg", "last"]
        definition.columns = ["temp"]
        definition.time = "Event Time"
        let path = PondPath(stringLiteral: "/r")
        #expect(try RollupDefinition(parsing: definition.text, at: path) == definition)
        #expect(throws: TinyFSError.self) { try RollupDefinition(parsing: "colour red\n", at: path) }
    }
}

/// What derived files and rollups computed is kept, and a reduce after an
/// append computes only the buckets the new rows touch.
@Suite struct KeptResultTests {
    func text(_ test: TestPond, _ path: String, at version: Version? = nil) throws -> String {
        try test.read(at: version) { String(decoding: try $0.root.read(path), as: UTF8.self) }
    }

    @Test func aResultIsKeptAndReadAgainAtTheSameInputs() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.write("/s.csv", "time,v\n2026-12-01T10:00:00Z,1\n2026-12-01T11:00:00Z,2\n")
            try fs.root.makeDerivedFile("/d.csv", factory: .sql, definition: #"SELECT sum(v) AS total FROM "/s.csv""#)
            try fs.root.mkdir("/r", dynamic: DynamicSpec(factory: .reduce, argument: "source /s.csv\nevery 1h\nagg sum\n"))
        }
        #expect(try test.pond.keptResults().entries == 0)
        #expect(try text(test, "/d.csv") == "total\n3\n")
        #expect(try text(test, "/r/res=1h.csv") == "time,v_sum\n2026-12-01T10:00:00.000000Z,1\n2026-12-01T11:00:00.000000Z,2\n")
        #expect(try test.pond.keptResults().entries == 2)
        #expect(try text(test, "/d.csv") == "total\n3\n")
        #expect(try test.pond.keptResults().entries == 2)
        // A new content is a new key; the old version still reads as it was.
        let before = try test.headVersion
        try test.write { fs in try fs.root.write("/s.csv", "time,v\n2026-12-01T10:00:00Z,5\n") }
        #expect(try text(test, "/d.csv") == "total\n5\n")
        #expect(try text(test, "/d.csv", at: before) == "total\n3\n")
        #expect(try test.pond.check().isEmpty)
        #expect(try test.pond.dropKeptResults().entries == 3)
        #expect(try test.pond.keptResults().entries == 0)
    }

    @Test func aResultIsKeptPackedAndOneKeptAsItWasStillReads() throws {
        let table = Array((0..<2_000).map { "2026-12-01T\(String(format: "%02d", $0 % 24)):00:00.000000Z,\($0)\n" }.joined().utf8)
        let packed = try TableContext.unpacked(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(packed.isEmpty)
        // As kept before results were packed: bytes as computed, text or Parquet.
        #expect(try table.withUnsafeBytes(TableContext.unpacked) == table)
        #expect(try Array("PAR1xyz".utf8).withUnsafeBytes(TableContext.unpacked) == Array("PAR1xyz".utf8))
        // Kept now: packed, and much smaller than the text.
        let test = try TestPond()
        try test.write { fs in
            try fs.root.write("/s.csv", "time,v\n" + String(decoding: table, as: UTF8.self))
            try fs.root.makeDerivedFile("/d.csv", factory: .sql, definition: #"SELECT * FROM "/s.csv""#)
        }
        #expect(try text(test, "/d.csv") == "time,v\n" + String(decoding: table, as: UTF8.self))
        let kept = try test.pond.keptResults()
        #expect(kept.entries == 1 && kept.bytes > 0 && kept.bytes < Int64(table.count / 4), "\(kept)")
        #expect(try text(test, "/d.csv") == "time,v\n" + String(decoding: table, as: UTF8.self))
        #expect(try test.pond.check().isEmpty)
        // A frame cut short is an error, not other bytes.
        let frame = table.withUnsafeBytes { Codec.zstdCompress($0, level: 1) }
        #expect(throws: CodecError.self) { try Array(frame.prefix(frame.count / 2)).withUnsafeBytes(TableContext.unpacked) }
    }

    @Test func aReduceAfterAppendsEqualsOneComputedWhole() throws {
        let test = try TestPond()
        var generator = SplitMix64(state: 11)
        try test.write { fs in
            try fs.root.write("/s.csv", "time,v\n2026-12-01T00:00:00Z,0\n")
            try fs.root.mkdir("/r", dynamic: DynamicSpec(factory: .reduce, argument: "source /s.csv\nevery 15m,1h,1d\nagg avg,count,max,first,last\n"))
        }
        for round in 0..<12 {
            for name in ["res=15m.csv", "res=1h.csv", "res=1d.csv"] { _ = try text(test, "/r/\(name)") }
            // Rows later than all before, and a few late ones into old buckets.
            var rows = ""
            for _ in 0..<(1 + Int(generator.next() % 20)) {
                let late = generator.next() % 4 == 0
                let minute = late ? Int(generator.next() % UInt64(60 * (round + 1))) : 60 * round + Int(generator.next() % 120)
                rows += String(format: "2026-12-%02dT%02d:%02d:%02dZ,%d\n", 1 + minute / 1440, minute / 60 % 24, minute % 60,
                               Int(generator.next() % 60), Int(generator.next() % 1000))
            }
            try test.write { fs in
                var source = ArraySource(Array(rows.utf8))
                _ = try fs.root.append("/s.csv", from: &source)
            }
        }
        var incremental: [String] = []
        for name in ["res=15m.csv", "res=1h.csv", "res=1d.csv"] { incremental.append(try text(test, "/r/\(name)")) }
        #expect(try test.pond.check().isEmpty)
        try test.pond.dropKeptResults()
        for (index, name) in ["res=15m.csv", "res=1h.csv", "res=1d.csv"].enumerated() {
            #expect(try text(test, "/r/\(name)") == incremental[index], "\(name)")
        }
    }
}
