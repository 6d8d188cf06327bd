import Foundation
import GRDB
import Testing
@testable import OpLog
@testable import Pond

/// The rows of `sql` as text, `|` between columns (NULL as `NULL`).
/// A value as the tests compare it: NULL spelled out, blobs as `x'..'`.
func display(_ value: SQLValue) -> String {
    switch value {
    case .null: "NULL"
    case .integer(let number): String(number)
    case .real(let number): String(number)
    case .text(let text): text
    case .blob(let data): "x'" + data.map { String(format: "%02x", $0) }.joined() + "'"
    }
}

func rows(_ pond: Pond, _ sql: String, at version: Version? = nil, source: String? = nil) throws -> [String] {
    try pond.query(sql, at: version, source: source).rows.map { row in
        row.map { display($0) }.joined(separator: "|")
    }
}

struct TableTests {
    /// Two stations' readings in two versions.
    func sensors() throws -> TestPond {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/sensors")
            try fs.root.write("/sensors/a.csv", "time,temp\n2026-12-01T10:00,12.5\n2026-12-01T11:00,13\n")
            try fs.root.write("/sensors/b.tsv", "time\ttemp\thum\n2026-12-01T10:00\t7\t80\n")
        }
        return test
    }

    @Test func aCSVFileIsATableWithTypesInferredOverTheWholeFile() throws {
        let test = try sensors()
        #expect(try rows(test.pond, #"SELECT time, temp, typeof(temp) FROM "/sensors/a.csv""#)
                == ["2026-12-01T10:00|12.5|real", "2026-12-01T11:00|13.0|real"])
        #expect(try rows(test.pond, #"SELECT name, type FROM pragma_table_info('/sensors/a.csv')"#).isEmpty)
    }

    @Test func aGlobIsTheUnionOfItsMatchesByColumnName() throws {
        let test = try sensors()
        #expect(try rows(test.pond, #"SELECT _path, temp, hum FROM "/sensors/*" ORDER BY _path, time"#)
                == ["/sensors/a.csv|12.5|NULL", "/sensors/a.csv|13.0|NULL", "/sensors/b.tsv|7.0|80"])
        #expect(try rows(test.pond, #"SELECT count(*) FROM "/sensors/*" WHERE _path = '/sensors/b.tsv'"#) == ["1"])
    }

    @Test func tablesAreReadAsOfTheQuerysVersion() throws {
        let test = try sensors()
        try test.write { try $0.root.write("/sensors/a.csv", "time,temp\n2026-12-02T10:00,x\n") }
        #expect(try rows(test.pond, #"SELECT temp FROM "/sensors/a.csv""#) == ["x"])
        #expect(try rows(test.pond, #"SELECT temp FROM "/sensors/a.csv""#, at: 2) == ["12.5", "13.0"])
        #expect(throws: PondError.self) { try rows(test.pond, #"SELECT * FROM "/sensors/a.csv""#, at: 1) }
    }

    @Test func appendedRowsKeepTheVersionThatAppendedThem() throws {
        let test = try sensors()
        for hour in 12...14 {
            var source = ArraySource(Array("2026-12-01T\(hour):00,\(hour)\n".utf8))
            _ = try test.write { try $0.root.append("/sensors/a.csv", from: &source) }
        }
        #expect(try rows(test.pond, #"SELECT _version, count(*) FROM "/sensors/a.csv" GROUP BY 1"#) == ["2|2", "3|1", "4|1", "5|1"])
        #expect(try rows(test.pond, #"SELECT _version, count(*) FROM "/sensors/a.csv" GROUP BY 1"#, at: 3) == ["2|2", "3|1"])
        // The bytes are the old ones followed by the new, and check as such.
        #expect(text(try test.read { try $0.root.read("/sensors/a.csv") }).hasSuffix("2026-12-01T13:00,13\n2026-12-01T14:00,14\n"))
        #expect(try test.pond.check().isEmpty)
        // A rewrite gives every row its version.
        try test.write { try $0.root.write("/sensors/a.csv", "time,temp\n1,2\n") }
        #expect(try rows(test.pond, #"SELECT _version FROM "/sensors/a.csv""#) == ["6"])
    }

    @Test func anAppendToALargeFileReadsOnlyItsLastChunkAndAddsAboutOne() throws {
        let test = try TestPond()
        var generator = SystemRandomNumberGenerator()
        var big = "n,v\n"
        for index in 0..<40_000 { big += "\(index),\(generator.next() % 1000)\n" }
        try test.write { try $0.root.write("/big.csv", big) }
        let chunksBefore = try test.pond.query("SELECT count(*) FROM chunks").rows[0][0]
        var line = ArraySource(Array("40000,7\n".utf8))
        _ = try test.write { try $0.root.append("/big.csv", from: &line) }
        let chunksAfter = try test.pond.query("SELECT count(*) FROM chunks").rows[0][0]
        guard case .integer(let before) = chunksBefore, case .integer(let after) = chunksAfter else { Issue.record("no counts"); return }
        #expect(after - before <= 2)
        #expect(text(try test.read { try $0.root.read("/big.csv") }) == big + "40000,7\n")
        #expect(try rows(test.pond, #"SELECT _version, count(*) FROM "/big.csv" GROUP BY 1"#) == ["2|40000", "3|1"])
        #expect(try test.pond.check().isEmpty)
    }

    @Test func aTamperedAppendIsDamageNotWrongBytes() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/a.csv", "x\n" + String(repeating: "1\n", count: 20_000)) }
        var more = ArraySource(Array("2\n".utf8))
        _ = try test.write { try $0.root.append("/a.csv", from: &more) }
        try DatabaseQueue(path: test.path).write { db in try db.execute(sql: "UPDATE appends SET base_size = base_size - 2") }
        #expect(throws: PondError.self) { try test.read { try $0.root.read("/a.csv") } }
        #expect(throws: PondError.self) { try rows(test.pond, #"SELECT count(*) FROM "/a.csv""#) }
        #expect(!(try test.pond.check().isEmpty))
    }

    @Test func derivedFilesAreComputedAtTheVersionRead() throws {
        let test = try sensors()
        try test.write { fs in
            try fs.root.mkdir("/derived")
            try fs.root.makeDerivedFile("/derived/mean.csv", factory: .sql,
                                        definition: #"SELECT count(*) AS n, avg(temp) AS mean FROM "/sensors/a.csv""#)
            try fs.root.makeDerivedFile("/derived/twice.csv", factory: .sql, definition: #"SELECT n * 2 AS n2 FROM "/derived/mean.csv""#)
        }
        #expect(text(try test.read { try $0.root.read("/derived/mean.csv") }) == "n,mean\n2,12.75\n")
        var more = ArraySource(Array("2026-12-01T12:00,20\n".utf8))
        _ = try test.write { try $0.root.append("/sensors/a.csv", from: &more) }
        #expect(text(try test.read { try $0.root.read("/derived/mean.csv") }) == "n,mean\n3,15.166666666666666\n")
        #expect(text(try test.read(at: 3) { try $0.root.read("/derived/mean.csv") }) == "n,mean\n2,12.75\n")
        #expect(try rows(test.pond, #"SELECT n2 FROM "/derived/twice.csv""#, at: 3) == ["4"])
        #expect(throws: TinyFSError.derivedFile("/derived/mean.csv")) {
            try test.write { try $0.root.write("/derived/mean.csv", "x") }
        }
    }

    @Test func aDerivedFileThatReadsItselfIsRefusedWhenMade() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/t.csv", "n\n1\n") }
        let head = try test.headVersion
        let direct = #expect(throws: (any Error).self) {
            try test.write { try $0.root.makeDerivedFile("/a.csv", factory: .sql, definition: #"SELECT * FROM "/a.csv""#) }
        }
        #expect("\(direct!)".contains("reads itself"))
        try test.write { fs in
            try fs.root.makeDerivedFile("/a.csv", factory: .sql, definition: #"SELECT * FROM "/t.csv""#)
            try fs.root.makeDerivedFile("/b.csv", factory: .sql, definition: #"SELECT * FROM "/a.csv""#)
        }
        // A loop through two files, made by redefining the first.
        let loop = #expect(throws: (any Error).self) {
            try test.write { try $0.root.makeDerivedFile("/a.csv", factory: .sql, definition: #"SELECT * FROM "/b.csv""#, replace: true) }
        }
        #expect("\(loop!)".contains("reads itself"))
        #expect(try test.headVersion == head.next)
        #expect(try rows(test.pond, #"SELECT n FROM "/b.csv""#) == ["1"])
    }

    @Test func replaceRedefinesTheSameNodeAndKeepsItsHistory() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/t.csv", "n\n1\n2\n") }
        try test.write { try $0.root.makeDerivedFile("/s.csv", factory: .sql, definition: #"SELECT sum(n) AS s FROM "/t.csv""#) }
        let id = try test.read { try $0.root.node("/s.csv").id }
        try test.write { try $0.root.makeDerivedFile("/s.csv", factory: .sql, definition: #"SELECT max(n) AS m FROM "/t.csv""#, replace: true) }
        #expect(try test.read { try $0.root.node("/s.csv").id } == id)
        #expect(try test.read { text(try $0.root.read("/s.csv")) } == "m\n2\n")
        #expect(try test.read(at: 3) { text(try $0.root.read("/s.csv")) } == "s\n3\n")
        #expect(throws: TinyFSError.notDerived(try PondPath("/t.csv"))) {
            try test.write { try $0.root.makeDerivedFile("/t.csv", factory: .sql, definition: "SELECT 1", replace: true) }
        }
        #expect(throws: TinyFSError.alreadyExists(try PondPath("/s.csv"))) {
            try test.write { try $0.root.makeDerivedFile("/s.csv", factory: .sql, definition: "SELECT 1") }
        }
    }

    @Test func catSqlNamesTheFileSource() throws {
        let test = try sensors()
        #expect(try rows(test.pond, "SELECT max(temp) FROM source", source: "/sensors/b.tsv") == ["7"])
    }

    @Test func namesThatAreNoTableSayWhy() throws {
        let test = try sensors()
        for (sql, reason) in [(#"SELECT * FROM "/nope.csv""#, "no such file"), (#"SELECT * FROM "/sensors""#, "not a file"),
                              (#"SELECT * FROM "/sensors/*.jsonl""#, "matches")] {
            let error = #expect(throws: PondError.self) { try rows(test.pond, sql) }
            #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
        }
        try test.write { try $0.root.write("/notes.txt", "a,b\n") }
        let error = #expect(throws: PondError.self) { try rows(test.pond, #"SELECT * FROM "/notes.txt""#) }
        #expect(error?.description.contains("a table is a .csv") == true)
    }

    @Test func aBadRowNamesTheFileTheVersionAndTheLine() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/bad.csv", "a,b\n1,2\n3\n") }
        let error = #expect(throws: PondError.self) { try rows(test.pond, #"SELECT * FROM "/bad.csv""#) }
        #expect(error?.description == "/bad.csv at version 2, line 3: expected 2 fields as in the header, found 1")
    }

    @Test func stringsAndCommentsAreNotTableNames() throws {
        #expect(TableNames.referenced(in: #"SELECT '"/x.csv"', "/a.csv" -- "/b.csv""# + "\n" + #"FROM "/c""d.csv" /* "/e.csv" */"#)
                == ["/a.csv", "/c\"d.csv"])
    }
}

struct TableSchemaCacheTests {
    @Test func columnsAreInferredWhenWrittenAndWidenedOverEachAppend() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/t.csv", "n,s\n1,a\n2,b\n") }
        #expect(try rows(test.pond, "SELECT json_extract(columns, '$.types') FROM table_schemas") == [#"["integer","text"]"#])
        for (line, type) in [("2.5,c\n", "real"), ("x,d\n", "text")] {
            var source = ArraySource(Array(line.utf8))
            _ = try test.write { try $0.root.append("/t.csv", from: &source) }
            #expect(try rows(test.pond, #"SELECT DISTINCT typeof(n) FROM "/t.csv""#) == [type])
        }
        #expect(try rows(test.pond, #"SELECT n FROM "/t.csv""#) == ["1", "2", "2.5", "x"])
        #expect(try rows(test.pond, "SELECT count(*) FROM table_schemas") == ["3"])
    }

    @Test func aFileThatIsNoValidTableGetsNoColumnsAndItsQueryNamesTheRow() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/bad.csv", "a,b\n1\n") }
        #expect(try rows(test.pond, "SELECT count(*) FROM table_schemas") == ["0"])
        let error = #expect(throws: PondError.self) { try rows(test.pond, #"SELECT * FROM "/bad.csv""#) }
        #expect(error?.description == "/bad.csv at version 2, line 2: expected 2 fields as in the header, found 1")
    }

    @Test func aFileRenamedToATableIsReadWhole() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/t.txt", "a\n1\n") }
        try test.write { try $0.root.move("/t.txt", to: "/t.csv") }
        #expect(try rows(test.pond, #"SELECT a, typeof(a) FROM "/t.csv""#) == ["1|integer"])
    }
}

struct TableEdgeTests {
    @Test func aHeaderWithRepeatedOrEmptyNamesIsMadeUnique() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/h.csv", "a,a,,_version,A\n1,2,3,4,5\n") }
        let result = try test.pond.query(#"SELECT * FROM "/h.csv""#)
        #expect(result.columns == ["a", "a_2", "col3", "_version_2", "A_3"])
        #expect(try rows(test.pond, #"SELECT _version_2, _version FROM "/h.csv""#) == ["4|2"])
    }

    @Test func aTenMegabyteLineIsAnErrorNotAHang() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/long.csv", "a\n" + String(repeating: "x", count: 10 << 20) + "\n") }
        let error = #expect(throws: PondError.self) { try rows(test.pond, #"SELECT count(*) FROM "/long.csv""#) }
        #expect(error?.description.hasPrefix("/long.csv at version 2, line 2: a record longer than 4 MiB") == true)
    }

    @Test func aTamperedColumnsRowIsFoundByCheck() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/t.csv", "n\n1\n") }
        #expect(try test.pond.check().isEmpty)
        try DatabaseQueue(path: test.path).write { db in
            try db.execute(sql: #"UPDATE table_schemas SET columns = replace(columns, '"integer"', '"real"')"#)
        }
        #expect(try test.pond.check().contains { $0.problem.contains("table_schemas") })
    }

    @Test func anAppendedFileSurvivesAPruneOfItsOldVersions() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/s.csv", "n\n" + (0..<30_000).map(String.init).joined(separator: "\n") + "\n") }
        for value in ["a\n", "b\n"] {
            var source = ArraySource(Array(value.utf8))
            _ = try test.write { try $0.root.append("/s.csv", from: &source) }
        }
        _ = try test.pond.prune(PruneRule(keepLast: 1), message: "prune")
        #expect(try rows(test.pond, #"SELECT count(*), max(_version) FROM "/s.csv""#) == ["30002|4"])
        #expect(try test.pond.check().isEmpty)
    }
}

struct TableConstraintTests {
    /// /s.csv: 3 rows at version 2, then one appended row each at versions 3 to 6 (version 5's is bad).
    func series(badAt: Int? = nil) throws -> TestPond {
        let test = try TestPond()
        try test.write { try $0.root.write("/s.csv", "n,v\n" + (0..<3).map { "\($0),\($0)\n" }.joined()) }
        for version in 3...6 {
            var row = ArraySource(Array((version == badAt ? "\(version)\n" : "\(version),\(version * 10)\n").utf8))
            _ = try test.write { try $0.root.append("/s.csv", from: &row, asBytes: version == badAt) }
        }
        try test.write { try $0.root.write("/t.csv", "n,v\n9,9\n") }
        return test
    }

    @Test func versionConstraintsGiveTheRowsTheySay() throws {
        let test = try series()
        #expect(try rows(test.pond, #"SELECT n FROM "/s.csv" WHERE _version > 4"#) == ["5", "6"])
        #expect(try rows(test.pond, #"SELECT n FROM "/s.csv" WHERE _version >= 4"#) == ["4", "5", "6"])
        #expect(try rows(test.pond, #"SELECT n FROM "/s.csv" WHERE _version = 3"#) == ["3"])
        #expect(try rows(test.pond, #"SELECT n FROM "/s.csv" WHERE _version > 3.5"#) == ["4", "5", "6"])
        #expect(try rows(test.pond, #"SELECT n FROM "/s.csv" WHERE _version > 99"#).isEmpty)
        #expect(try rows(test.pond, #"SELECT n FROM "/s.csv" WHERE _version > 1e300"#).isEmpty)
        #expect(try rows(test.pond, #"SELECT count(*) FROM "/s.csv" WHERE _version > -5"#) == ["7"])
        #expect(try rows(test.pond, #"SELECT n FROM "/s.csv" WHERE _version > '4'"#) == ["5", "6"])
        #expect(try rows(test.pond, #"SELECT n FROM "/s.csv" WHERE _version > 4"#, at: 5) == ["5"])
        #expect(try rows(test.pond, #"SELECT _path, n FROM "/*.csv" WHERE _version >= 6 AND _path = '/s.csv'"#) == ["/s.csv|6"])
        #expect(try rows(test.pond, #"SELECT _path, n FROM "/*.csv" WHERE _path = '/t.csv' AND _version >= 6"#) == ["/t.csv|9"])
        #expect(try rows(test.pond, #"SELECT _path, n FROM "/*.csv" WHERE _version > 6"#) == ["/t.csv|9"])
    }

    @Test func aBadRowFoundInALaterRunNamesItsLineInTheFile() throws {
        let test = try series(badAt: 5)
        let error = #expect(throws: PondError.self) { try rows(test.pond, #"SELECT n FROM "/s.csv" WHERE _version > 4"#) }
        #expect(error?.description == "/s.csv at version 7, line 7: expected 2 fields as in the header, found 1")
    }
}

struct DerivedFileErrorTests {
    @Test(arguments: [
        ("SELEC nonsense", "near \"SELEC\": syntax error"),
        ("DELETE FROM log", "a derived file's query is one read-only SQL statement"),
        ("SELECT 1; SELECT 2", "a derived file's query is one read-only SQL statement"),
        (#"SELECT * FROM "/nope.csv""#, "\"/nope.csv\" is no table: no such file"),
        (#"SELECT nonsense FROM "/t.csv""#, "no such column: nonsense"),
    ])
    func aDefinitionThatCannotBeComputedIsRefusedWhenMade(definition: String, reason: String) throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/t.csv", "n\n1\n") }
        let error = #expect(throws: PondError.self) {
            try test.write { try $0.root.makeDerivedFile("/bad.csv", factory: .sql, definition: definition) }
        }
        #expect(error?.description == "/bad.csv: the query is refused, nothing was changed: \(reason)")
        #expect(try test.headVersion == 2)
    }

    @Test func aDerivedFileWhoseTableWentAwayNamesItselfWhenRead() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/t.csv", "n\n1\n") }
        try test.write { try $0.root.makeDerivedFile("/d.csv", factory: .sql, definition: #"SELECT n FROM "/t.csv""#) }
        try test.write { try $0.root.remove("/t.csv") }
        let error = #expect(throws: PondError.self) { try test.read { try $0.root.read("/d.csv") } }
        #expect(error?.description == "\"/t.csv\" is no table at version 4: no such file", "\(String(describing: error))")
    }
}
