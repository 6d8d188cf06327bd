import Foundation
import Testing

/// Time ranges, `_time` and rollups through the built `pond`.
@Suite struct TimeSeriesCLITests {
    @Test func describeShowsTheRangeAndFsckChecksIt() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("d1.csv", "time,v\n2026-12-01T00:00:00Z,1\n2026-12-01T05:00:00+02:00,2\n")
        try fixture.hostFile("d2.csv", "2026-12-02T00:00:00Z,3\n")
        #expect(try fixture.run("copy", "d1.csv", "/s.csv").status == 0)
        #expect(try fixture.run("append", "/s.csv", "d2.csv").status == 0)
        let described = try fixture.json("describe", "/s.csv", "--json") as? [String: Any]
        #expect(described?["earliest"] as? String == "2026-12-01T00:00:00.000000Z")
        #expect(described?["latest"] as? String == "2026-12-02T00:00:00.000000Z")
        #expect(try fixture.run("fsck").status == 0)
        // A kept range that no longer matches its rows is found.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", fixture.pondPath, "UPDATE time_ranges SET micros_low = micros_low + 1 WHERE start > 0"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return }  // no sqlite3 here: the rest needs it
        let fsck = try fixture.run("fsck")
        #expect(fsck.status == 1 && (fsck.stdout + fsck.stderr).contains("is not that of its rows"), "\(fsck.stdout)\(fsck.stderr)")
    }

    @Test func aParquetFilesRangeComesFromItsStatistics() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("d.csv", "time,v\n2026-12-01T00:00:00Z,1\n2026-12-03T06:00:00Z,2\n2026-12-02T00:00:00Z,3\n")
        #expect(try fixture.run("copy", "d.csv", "/d.csv").status == 0)
        // Pond's own writer: the ISO-8601 time column as a Parquet timestamp, with statistics.
        let file = fixture.directory.appendingPathComponent("d.parquet")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        let written = try CLIFixture.runDetached(["sql", "SELECT * FROM \"/d.csv\"", "--format", "parquet", "--pond", fixture.pondPath],
                                                 in: fixture.directory, output: handle)
        try handle.close()
        #expect(written.status == 0, "\(written.stderr)")
        #expect(try fixture.run("copy", "d.parquet", "/d.parquet").status == 0)
        let described = try fixture.json("describe", "/d.parquet", "--json") as? [String: Any]
        #expect(described?["earliest"] as? String == "2026-12-01T00:00:00.000000Z")
        #expect(described?["latest"] as? String == "2026-12-03T06:00:00.000000Z")
        #expect(try fixture.run("fsck").status == 0)
        // A day outside the range: no row (the file is passed over); inside: its rows.
        #expect(try fixture.run("sql", "SELECT count(*) FROM \"/d.parquet\" WHERE _time >= '2026-12-05'", "--format", "csv").stdout == "count(*)\n0\n")
        #expect(try fixture.run("sql", "SELECT v FROM \"/d.parquet\" WHERE _time >= '2026-12-02' ORDER BY v", "--format", "csv").stdout == "v\n2\n3\n")
    }

    @Test(arguments: ["gz", "zst"])
    func aCompressedFilesRangeIsCheckedByFsck(codec: String) throws {
        let fixture = try CLIFixture()
        let plain = Data("time,v\n2026-12-01T00:00:00Z,1\n2026-12-03T06:00:00Z,2\n".utf8)
        let packed = codec == "gz" ? try CompressedTableTests.gzip(plain, in: fixture.directory) : CompressedTableTests.zstd(plain)
        try packed.write(to: fixture.directory.appendingPathComponent("d.csv.\(codec)"))
        #expect(try fixture.run("copy", "d.csv.\(codec)", "/d.csv.\(codec)").status == 0)
        let described = try fixture.json("describe", "/d.csv.\(codec)", "--json") as? [String: Any]
        #expect(described?["latest"] as? String == "2026-12-03T06:00:00.000000Z")
        // Its columns are not kept, its range is: fsck finds the way of reading the bytes that gives it.
        let fsck = try fixture.run("fsck")
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", fixture.pondPath, "UPDATE time_ranges SET micros_high = micros_high + 1"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return }  // no sqlite3 here: the rest needs it
        let tampered = try fixture.run("fsck")
        #expect(tampered.status == 1 && (tampered.stdout + tampered.stderr).contains("is not that of its rows"))
    }

    @Test func rollupsThroughTheCommandLine() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("north.csv", "time,temp\n2026-12-01T10:00:00Z,1\n2026-12-01T10:30:00Z,3\n2026-12-01T11:00:00Z,5\n")
        try fixture.hostFile("south.csv", "time,temp\n2026-12-01T10:00:00Z,2\n")
        #expect(try fixture.run("mkdir", "/s").status == 0)
        #expect(try fixture.run("copy", "north.csv", "south.csv", "/s/").status == 0)
        #expect(try fixture.run("mknod", "reduce", "/r", "/s/*.csv", "--every", "1h", "--agg", "avg,count").status == 0)
        #expect(try fixture.run("cat", "/r/north/res=1h.csv").stdout
                == "time,temp_avg,temp_count\n2026-12-01T10:00:00.000000Z,2.0,2\n2026-12-01T11:00:00.000000Z,5.0,1\n")
        #expect(try fixture.run("mknod", "pivot", "/p.csv", "/s/*.csv", "--column", "temp").status == 0)
        #expect(try fixture.run("cat", "/p.csv").stdout.hasPrefix("time,north,south\n2026-12-01T10:00:00.000000Z,1,2\n"))
        #expect(try fixture.run("mknod", "join", "/j.csv", "N=/s/north.csv", "S=/s/south.csv").status == 0)
        #expect(try fixture.run("sql", "SELECT count(*) FROM \"/j.csv\" WHERE \"S.temp\" IS NULL", "--format", "csv").stdout == "count(*)\n2\n")
        let head = try fixture.headVersion()
        let bad = try fixture.run("mknod", "reduce", "/bad", "/s/north.csv", "--every", "1h", "--columns", "nope")
        #expect(bad.status == 1 && bad.stderr.contains("has no column 'nope' (it has time, temp)"), "\(bad.stderr)")
        let usage = try fixture.run("mknod", "pivot", "/x.csv", "/s/*.csv")
        #expect(usage.status == 64 && usage.stderr.contains("pivot needs --column"))
        #expect(try fixture.run("mknod", "join", "/x.csv", "N=/s/north.csv", "--every", "1h").status == 64)
        #expect(try fixture.headVersion() == head)
        let described = try fixture.run("describe", "/r").stdout
        #expect(described.contains("dynamic:     reduce\ndefinition:  source /s/*.csv\n             every 1h\n             agg avg,count\n"), "\(described)")
    }
}
