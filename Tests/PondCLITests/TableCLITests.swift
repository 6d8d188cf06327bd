import Foundation
import Testing

/// Tables through the `pond` command line: sql, cat --sql, append, mknod sql.
struct TableCLITests {
    func sensors() throws -> CLIFixture {
        let fixture = try CLIFixture()
        let readings = fixture.directory.appendingPathComponent("a.csv")
        try "station,time,temp\na,2026-12-01T10:00,12.5\nb,2026-12-01T10:30,7\n".write(to: readings, atomically: true, encoding: .utf8)
        #expect(try fixture.run("mkdir", "/sensors").status == 0)
        #expect(try fixture.run("copy", readings.path, "/sensors/a.csv").status == 0)
        return fixture
    }

    @Test func missingValueMarkersAreNullAndAMostlyNumericTextColumnIsReported() throws {
        let fixture = try CLIFixture()
        var readings = "time,v\n"
        for row in 1...40 { readings += "t\(row),\(row == 7 ? "NaN" : row == 8 ? "NA" : row == 9 ? " 9.5 " : String(row))\n" }
        let copy = try fixture.run("copy", "-", "/r.csv", stdin: Data(readings.utf8))
        #expect(copy.status == 0 && copy.stderr.isEmpty, "\(copy.stderr)")
        let answer = try fixture.run("sql", #"SELECT count(*) AS n, max(v) AS top, count(v) AS known FROM "/r.csv" WHERE v > 5"#, "--format", "csv")
        #expect(answer.stdout == "n,top,known\n33,40.0,33\n", "\(answer.stderr)")
        #expect(try fixture.run("sql", #"SELECT typeof(v) AS t, count(*) AS n FROM "/r.csv" GROUP BY 1 ORDER BY 1"#, "--format", "csv").stdout
                == "t,n\nnull,2\nreal,38\n")

        let odd = try fixture.run("copy", "-", "/odd.csv", stdin: Data((readings + "t41,about 3\n").utf8))
        #expect(odd.status == 0)
        #expect(odd.stderr == "warning: /odd.csv: column \"v\" is typed TEXT although 38 of its 39 values are numbers: 1 is not (the first on line 42: \"about 3\"); queries compare it as text\n")
        let notATable = try fixture.run("copy", "-", "/bad.csv", stdin: Data("a,b\n1,2\n1,2,3\n".utf8))
        #expect(notATable.status == 0)
        #expect(notATable.stderr == "warning: /bad.csv is stored, but it is no table: line 3: expected 2 fields as in the header, found 3; queries of it will fail\n")
        #expect(try fixture.run("cat", "/bad.csv").stdout == "a,b\n1,2\n1,2,3\n")
    }

    @Test(arguments: [
        ("a,2026-12-01T1\n", "appended line 1: expected 3 fields as in the header, found 2"),
        ("b,2026-12-01T11:00,13\nstation,time,temp\n", "appended line 2: the header line again, as a row"),
        ("c\t2026-12-01T12:00\t14\n", "appended line 1: expected 3 fields as in the header, found 1"),
        ("{\"station\":\"d\",\"time\":\"x\",\"temp\":1}\n", "appended line 1: text follows a closing quote"),
        ("e,\"2026,1\n", "appended line 1: a quoted field is never closed"),
        ("f,2026-12-01T13:00,\u{FF}\n", "appended line 1: the record is not valid UTF-8"),
    ])
    func anAppendThatWouldBreakATableIsRefusedNamingTheLine(rows: String, reason: String) throws {
        let fixture = try sensors()
        let head = try fixture.headVersion(), before = try fixture.run("cat", "/sensors/a.csv").stdout
        let bytes = rows.contains("\u{FF}") ? Data(rows.utf8).map { $0 == 0xC3 ? 0xFF : $0 }.filter { $0 != 0xBF } : Array(rows.utf8)
        let refused = try fixture.run("append", "/sensors/a.csv", stdin: Data(bytes))
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("Error: nothing appended to /sensors/a.csv: \(reason)"), "\(refused.stderr)")
        #expect(try fixture.headVersion() == head)
        #expect(try fixture.run("cat", "/sensors/a.csv").stdout == before)
        // --as-bytes appends anyway, and the file is then stored as bytes with a warning.
        let forced = try fixture.run("append", "/sensors/a.csv", "--as-bytes", stdin: Data(bytes))
        #expect(forced.status == 0 && forced.stderr.contains("is stored, but it is no table"), "\(forced.stderr)")
        #expect(try fixture.headVersion() == head + 1)
    }

    @Test func rowsAppendedAfterALastLineWithoutALineBreakAreRefusedUntilOneIsAppended() throws {
        let fixture = try sensors()
        #expect(try fixture.run("append", "/sensors/a.csv", stdin: Data("c,2026-12-01T11:00,13".utf8)).status == 0)
        let glued = try fixture.run("append", "/sensors/a.csv", stdin: Data("d,2026-12-01T12:00,14\n".utf8))
        #expect(glued.status == 1)
        #expect(glued.stderr.contains("appended line 1: the file does not end in a line break"), "\(glued.stderr)")
        let fixed = try fixture.run("append", "/sensors/a.csv", stdin: Data("\nd,2026-12-01T12:00,14\n".utf8))
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(try fixture.run("sql", #"SELECT count(*) AS n FROM "/sensors/a.csv""#, "--format", "csv").stdout == "n\n4\n")
    }

    @Test func appendReadsStandardInputAndRowsKeepTheirVersion() throws {
        let fixture = try sensors()
        let appended = try fixture.run("append", "/sensors/a.csv", stdin: Data("a,2026-12-01T11:00,13\n".utf8))
        #expect(appended.status == 0, "\(appended.stderr)")
        let result = try fixture.run("sql", #"SELECT _version, count(*) AS n FROM "/sensors/a.csv" GROUP BY 1"#, "--format", "csv")
        #expect(result.stdout == "_version,n\n3,2\n4,1\n")
        #expect(try fixture.run("cat", "/sensors/a.csv").stdout.hasSuffix("7\na,2026-12-01T11:00,13\n"))
        #expect(try fixture.run("fsck").status == 0)
    }

    @Test func appendOfAHostFileAndOfNothing() throws {
        let fixture = try sensors()
        let more = fixture.directory.appendingPathComponent("more.csv")
        try "c,2026-12-01T12:00,1\n".write(to: more, atomically: true, encoding: .utf8)
        #expect(try fixture.run("append", "/sensors/a.csv", "host://" + more.path).status == 0)
        let head = try fixture.headVersion()
        #expect(try fixture.run("append", "/sensors/a.csv", stdin: Data()).status == 0)
        #expect(try fixture.headVersion() == head)
        let missing = try fixture.run("append", "/sensors/a.csv", "/no/such/file")
        #expect(missing.status == 1 && missing.stderr.contains("/no/such/file"))
    }

    @Test func catSqlPrintsCSVJSONOrATable() throws {
        let fixture = try sensors()
        let query = "SELECT station, temp FROM source ORDER BY station"
        #expect(try fixture.run("cat", "/sensors/a.csv", "--sql", query).stdout == "station,temp\na,12.5\nb,7.0\n")
        let json = try fixture.json("cat", "/sensors/a.csv", "--sql", query, "--format", "json") as? [[String: Any]]
        #expect(json?.first?["temp"] as? Double == 12.5)
        #expect(try fixture.run("cat", "/sensors/a.csv", "--sql", query, "--format", "table").stdout.hasPrefix("station  temp\n"))
        #expect(try fixture.run("cat", "/sensors/a.csv", "/x", "--sql", query).status == 64)
        #expect(try fixture.run("cat", "/sensors/a.csv", "--format", "csv").status == 64)
    }

    @Test func derivedFilesAreComputedAtTheVersionReadAndCopiedOutAsCSV() throws {
        let fixture = try sensors()
        let made = try fixture.run("mknod", "sql", "/daily.csv",
                                   #"SELECT substr(time, 1, 10) AS day, count(*) AS n, avg(temp) AS temp FROM "/sensors/*.csv" GROUP BY 1"#)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try fixture.run("cat", "/daily.csv").stdout == "day,n,temp\n2026-12-01,2,9.75\n")
        #expect(try fixture.run("append", "/sensors/a.csv", stdin: Data("a,2026-12-02T00:00,1\n".utf8)).status == 0)
        #expect(try fixture.run("cat", "/daily.csv").stdout == "day,n,temp\n2026-12-01,2,9.75\n2026-12-02,1,1.0\n")
        #expect(try fixture.run("cat", "/daily.csv", "--at", "4").stdout == "day,n,temp\n2026-12-01,2,9.75\n")
        let described = try fixture.run("describe", "/daily.csv").stdout
        #expect(described.contains("derived:") && described.contains("avg(temp)"))
        let out = fixture.directory.appendingPathComponent("out")
        #expect(try fixture.run("copy", "/daily.csv", "host://" + out.path).status == 0)
        #expect(try String(contentsOf: out.appendingPathComponent("daily.csv"), encoding: .utf8).hasSuffix("2026-12-02,1,1.0\n"))
        let refused = try fixture.run("copy", fixture.directory.appendingPathComponent("a.csv").path, "/daily.csv")
        #expect(refused.status == 1 && refused.stderr.contains("derived file"))
    }

    @Test func derivedFilesAreMarkedAndShowNoSizeInListingsAndDiffs() throws {
        let fixture = try sensors()
        let query = #"SELECT station, temp FROM "/sensors/a.csv""#
        #expect(try fixture.run("mknod", "sql", "/d.jsonl", query).status == 0)
        #expect(try fixture.run("cat", "/d.jsonl").stdout == "{\"station\":\"a\",\"temp\":12.5}\n{\"station\":\"b\",\"temp\":7.0}\n")
        let long = try fixture.run("list", "/d.jsonl", "/sensors/a.csv", "--long").stdout
        #expect(long.hasPrefix("derived ") && long.components(separatedBy: "\n")[0].contains(" -  4  "), "\(long)")
        #expect(long.contains("\nfile     "), "\(long)")
        let json = try fixture.run("list", "--json").stdout
        #expect(json.contains(#"{"derived":"sql","path":"/d.jsonl","size":null,"type":"file","version":4}"#), "\(json)")
        let described = try fixture.run("describe", "/d.jsonl", "--json").stdout
        #expect(described.contains(#""derived":"sql""#) && !described.contains(#""size""#), "\(described)")
        #expect(try fixture.run("diff", "3", "--stat").stdout == "+ /d.jsonl  derived (sql)\n1 path differs: 1 added\n")
        #expect(try fixture.run("diff", "3", "--stat", "--json").stdout.contains(#""derived":"sql""#))
        // --replace: the same node, a new version, the new query.
        #expect(try fixture.run("mknod", "sql", "/d.jsonl", "--replace", #"SELECT count(*) AS n FROM "/sensors/a.csv""#).status == 0)
        #expect(try fixture.run("cat", "/d.jsonl").stdout == "{\"n\":2}\n")
        #expect(try fixture.run("history", "/d.jsonl").stdout.components(separatedBy: "\n").filter { $0.contains("  write  ") }.count == 2)
    }

    @Test func malformedDataIsOneErrorLine() throws {
        let fixture = try CLIFixture()
        for (name, content, message) in [
            ("q.csv", "a,b\n\"open,1\n", "/q.csv at version 2, line 2: a quoted field is never closed"),
            ("j.jsonl", "{\"a\":1}\n[2]\n", "/j.jsonl at version 3, line 2: not a JSON object"),
        ] {
            let host = fixture.directory.appendingPathComponent(name)
            try content.write(to: host, atomically: true, encoding: .utf8)
            #expect(try fixture.run("copy", host.path, "/").status == 0)
            let result = try fixture.run("sql", "SELECT * FROM \"/\(name)\"")
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("Error: " + message), "\(result.stderr)")
        }
    }
}

struct TableBatchTests {
    @Test func aBatchAppendsHostFilesInOneVersionButNotStandardInput() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("a.csv", "n\n1\n")
        try fixture.hostFile("more.csv", "2\n")
        try fixture.hostFile("batch.txt", "copy a.csv /a.csv\nappend /a.csv more.csv\nappend /a.csv more.csv\n")
        let ran = try fixture.run("batch", "batch.txt")
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(try fixture.run("cat", "/a.csv").stdout == "n\n1\n2\n2\n")
        #expect(try fixture.run("sql", #"SELECT _version, count(*) FROM "/a.csv" GROUP BY 1"#, "--format", "csv").stdout == "_version,count(*)\n2,3\n")
        let refused = try fixture.run("batch", stdin: Data("append /a.csv\n".utf8))
        #expect(refused.status != 0 && refused.stderr.contains("standard input"))
    }
}
