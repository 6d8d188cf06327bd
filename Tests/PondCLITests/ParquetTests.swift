import Foundation
import Tabular
import Testing

/// pyarrow and DuckDB's CLI, from PyPI in `.ci/run`'s virtual environment:
/// the makers of Parquet fixtures and the oracle of what they hold. Never
/// linked into `pond`.
enum ParquetTools {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let oracle = root.appendingPathComponent("Tests/Fixtures/parquet_oracle.py").path

    /// `$POND_PYTHON`, else the virtual environment's python, if it imports pyarrow.
    static let python: String? = {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["POND_PYTHON"], root.appendingPathComponent(".build-venv/bin/python").path]
        for case let path? in candidates where FileManager.default.isExecutableFile(atPath: path) {
            if let result = try? CLIFixture.runDetachedExecutable(path, ["-c", "import pyarrow"]), result.status == 0 { return path }
        }
        return nil
    }()

    static let duckdb: String? = {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["POND_DUCKDB"], root.appendingPathComponent(".build-venv/bin/duckdb").path]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// CI sets `$POND_REQUIRE_PARQUET_TOOLS`: then a missing tool fails the tests instead of leaving them out.
    static var enabled: Bool { python != nil || ProcessInfo.processInfo.environment["POND_REQUIRE_PARQUET_TOOLS"] == "1" }

    static func run(_ arguments: [String]) throws -> RunResult {
        guard let python else {
            Issue.record("pyarrow is needed: set $POND_PYTHON to a python that imports it (.ci/run installs one)")
            return RunResult(status: -1, stdout: "", stderr: "")
        }
        return try CLIFixture.runDetachedExecutable(python, [oracle] + arguments)
    }

    /// Runs a pyarrow script with `arguments` as sys.argv[1...].
    static func script(_ source: String, _ arguments: [String] = []) throws -> RunResult {
        guard let python else { return try run([]) }
        return try CLIFixture.runDetachedExecutable(python, ["-c", source] + arguments)
    }
}

@Suite(.enabled(if: ParquetTools.enabled))
struct ParquetTests {
    /// Every codec x page version x encoding pyarrow and DuckDB write, nulls
    /// in every type, INT96, dictionaries, row groups of one row, empty
    /// files, nested columns: every value Pond reads equals what pyarrow reads.
    @Test func everyFixtureReadsAsPyarrowReadsIt() throws {
        let pond = try CLIFixture()
        let fixtures = pond.directory.appendingPathComponent("fixtures")
        var make = ["make", fixtures.path]
        if let duckdb = ParquetTools.duckdb { make += ["--duckdb", duckdb] } else if ProcessInfo.processInfo.environment["POND_REQUIRE_PARQUET_TOOLS"] == "1" {
            Issue.record("DuckDB's CLI is needed: set $POND_DUCKDB (.ci/run installs it)")
        }
        let made = try ParquetTools.run(make)
        try #require(made.status == 0, "\(made.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasSuffix(".parquet") }.sorted()
        #expect(names.count >= 30)
        let copied = try pond.runArguments(["copy"] + names.map { fixtures.appendingPathComponent($0).path } + ["/", "--pond", pond.pondPath])
        try #require(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stderr.isEmpty, "every fixture is a table: \(copied.stderr)")
        for name in names {
            let result = try pond.run("sql", "SELECT * FROM \"/\(name)\"", "--format", "jsonl")
            #expect(result.status == 0, "\(name): \(result.stderr)")
            let output = fixtures.appendingPathComponent(String(name.dropLast(".parquet".count)) + ".pond.jsonl")
            try Data(result.stdout.utf8).write(to: output)
        }
        let checked = try ParquetTools.run(["check", fixtures.path])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stdout.contains("\(names.count) files compared, 0 differences"), "\(checked.stdout)")
    }

    /// Three row groups of sorted ids, the second damaged after it was
    /// written: a filter its statistics rule out never reads it (the query
    /// answers), a query that needs it fails naming the column and row group.
    @Test func rowGroupsTheStatisticsRuleOutAreNotRead() throws {
        let pond = try CLIFixture()
        let file = pond.directory.appendingPathComponent("series.parquet")
        let made = try ParquetTools.script("""
            import sys, pyarrow as pa, pyarrow.parquet as pq
            ids = list(range(3000))
            table = pa.table({"id": pa.array(ids, pa.int64()), "day": pa.array(["2026-01-%02d" % (1 + i // 1000) for i in ids]),
                              "v": pa.array([i * 0.5 for i in ids])})
            pq.write_table(table, sys.argv[1], row_group_size=1000, compression="NONE", use_dictionary=False)
            meta = pq.ParquetFile(sys.argv[1]).metadata
            column = meta.row_group(1).column(2)
            print(column.data_page_offset, column.total_compressed_size)
            """, [file.path])
        try #require(made.status == 0, "\(made.stderr)")
        let numbers = made.stdout.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        try #require(numbers.count == 2)
        // Damage row group 1's column v: its page header.
        var bytes = try Data(contentsOf: file)
        for offset in numbers[0]..<(numbers[0] + 4) { bytes[offset] = 0xFF }
        try bytes.write(to: file)
        #expect(try pond.run("copy", file.path, "/series.parquet").status == 0)

        let early = try pond.run("sql", "SELECT count(*), sum(v) FROM \"/series.parquet\" WHERE id < 500", "--format", "csv")
        #expect(early.status == 0, "\(early.stderr)")
        #expect(early.stdout == "count(*),sum(v)\n500,62375.0\n")
        let late = try pond.run("sql", "SELECT count(*) FROM \"/series.parquet\" WHERE day = '2026-01-03' AND v > 0", "--format", "csv")
        #expect(late.status == 0, "\(late.stderr)")
        #expect(late.stdout == "count(*)\n1000\n")
        let between = try pond.run("sql", "SELECT min(id), max(id) FROM \"/series.parquet\" WHERE id BETWEEN 2100 AND 2200", "--format", "csv")
        #expect(between.stdout == "min(id),max(id)\n2100,2200\n", "\(between.stderr)")
        // The damaged group is read when the query needs it, and the error says where.
        let all = try pond.run("sql", "SELECT sum(v) FROM \"/series.parquet\"")
        #expect(all.status != 0)
        #expect(all.stderr.contains("/series.parquet") && all.stderr.contains("column v") && all.stderr.contains("row group 1"), "\(all.stderr)")
        // A column the query does not use is not read, damaged or not.
        let ids = try pond.run("sql", "SELECT sum(id) FROM \"/series.parquet\"", "--format", "csv")
        #expect(ids.stdout == "sum(id)\n4498500\n", "\(ids.stderr)")
    }

    /// A glob may mix CSV and Parquet files: columns by name (any case), a
    /// column one file lacks NULL there; `cat --sql` and derived files read Parquet too.
    @Test func aGlobMixesCSVAndParquet() throws {
        let pond = try CLIFixture()
        let parquet = pond.directory.appendingPathComponent("b.parquet")
        let made = try ParquetTools.script("""
            import sys, pyarrow as pa, pyarrow.parquet as pq
            pq.write_table(pa.table({"Station": ["n", "s", "n"], "temp": [1.5, 2.5, None], "extra": [1, 2, 3]}), sys.argv[1])
            """, [parquet.path])
        try #require(made.status == 0, "\(made.stderr)")
        try Data("station,temp\nn,10\ns,20\n".utf8).write(to: pond.directory.appendingPathComponent("a.csv"))
        #expect(try pond.run("mkdir", "/m").status == 0)
        #expect(try pond.run("copy", "a.csv", parquet.path, "/m").status == 0)
        let glob = try pond.run("sql", "SELECT _path, station, count(*), sum(temp), sum(extra) FROM \"/m/*\" GROUP BY 1, 2 ORDER BY 1, 2", "--format", "csv")
        #expect(glob.stdout == """
            _path,station,count(*),sum(temp),sum(extra)
            /m/a.csv,n,1,10.0,
            /m/a.csv,s,1,20.0,
            /m/b.parquet,n,2,1.5,4
            /m/b.parquet,s,1,2.5,2

            """, "\(glob.stderr)")
        let source = try pond.run("cat", "/m/b.parquet", "--sql", "SELECT count(*) FROM source WHERE temp IS NULL")
        #expect(source.stdout == "count(*)\n1\n", "\(source.stderr)")
        #expect(try pond.run("mknod", "sql", "/n.csv", "SELECT Station, temp FROM \"/m/b.parquet\" WHERE Station = 'n'").status == 0)
        #expect(try pond.run("cat", "/n.csv").stdout == "Station,temp\nn,1.5\nn,\n")
    }

    /// A Parquet file is written whole: `pond append` refuses it (its footer
    /// would end up inside), naming why; `--as-bytes` appends anyway.
    @Test func appendingToParquetIsRefused() throws {
        let pond = try CLIFixture()
        let bytes = try ParquetWriterFixture.bytes(rows: 3)
        try Data(bytes).write(to: pond.directory.appendingPathComponent("p.parquet"))
        #expect(try pond.run("copy", "p.parquet", "/p.parquet").status == 0)
        let before = try pond.headVersion()
        let refused = try pond.run("append", "/p.parquet", stdin: Data("x\n".utf8))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("nothing appended to /p.parquet: a Parquet file is written whole"), "\(refused.stderr)")
        #expect(try pond.headVersion() == before)
        #expect(try pond.run("sql", "SELECT count(*) FROM \"/p.parquet\"", "--format", "csv").stdout == "count(*)\n3\n")
        let forced = try pond.run("append", "/p.parquet", "--as-bytes", stdin: Data("x\n".utf8))
        #expect(forced.status == 0, "\(forced.stderr)")
    }

    /// Truncated and bit-flipped files: each query ends in a clean error (or
    /// an answer), never a crash or a hang, in bounded memory.
    @Test func damagedFilesAreCleanErrors() throws {
        let pond = try CLIFixture()
        let source = pond.directory.appendingPathComponent("good.parquet")
        let made = try ParquetTools.script("""
            import sys, datetime, pyarrow as pa, pyarrow.parquet as pq
            n = 400
            table = pa.table({"i": pa.array([i if i % 7 else None for i in range(n)], pa.int64()),
                              "s": pa.array(["s%d" % (i % 13) for i in range(n)]),
                              "t": pa.array([datetime.datetime(2026, 1, 1) + datetime.timedelta(minutes=i) for i in range(n)], pa.timestamp("us")),
                              "l": pa.array([[i, i + 1] for i in range(n)], pa.list_(pa.int32()))})
            pq.write_table(table, sys.argv[1], row_group_size=100, compression="SNAPPY", data_page_version="2.0")
            """, [source.path])
        try #require(made.status == 0, "\(made.stderr)")
        let good = try Data(contentsOf: source)
        // A seeded generator (Knuth's MMIX LCG): the same damage every run.
        var state: UInt64 = 2026
        var random: (next: () -> UInt64, unused: Void) = ({ state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return state >> 11 }, ())
        var paths: [String] = []
        for index in 0..<120 {
            var bytes = good
            if index % 3 == 0 {
                bytes = bytes.prefix(Int(random.next() % UInt64(bytes.count)))
            } else {
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let offset = Int(random.next() % UInt64(bytes.count))
                    bytes[offset] ^= UInt8(1 << (random.next() % 8))
                }
            }
            let path = pond.directory.appendingPathComponent("bad\(index).parquet")
            try bytes.write(to: path)
            paths.append(path.path)
        }
        let copied = try pond.runArguments(["copy"] + paths + ["/", "--pond", pond.pondPath])
        #expect(copied.status == 0, "\(copied.stderr)")
        for index in 0..<120 {
            // At most 2 GiB of address space and 20 s: a runaway allocation or loop fails the test, not the machine.
            let result = try CLIFixture.runDetachedExecutable("/bin/sh", ["-c", """
                ulimit -v 2097152; exec timeout 20 "$0" sql 'SELECT * FROM "/bad\(index).parquet"' --format jsonl --pond "$1" >/dev/null
                """, CLIFixture.binary.path, pond.pondPath])
            #expect(result.status == 0 || result.status == 1, "bad\(index).parquet: exit \(result.status): \(result.stderr)")
            if result.status == 1 {
                #expect(result.stderr.contains("/bad\(index).parquet"), "bad\(index).parquet: \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "bad\(index).parquet: \(result.stderr)")
            }
        }
    }
}

/// What Pond writes as Parquet, read back by pyarrow and DuckDB.
@Suite(.enabled(if: ParquetTools.enabled))
struct ParquetOutputTests {
    /// A CSV of every kind of value (NULLs, integers, reals, texts with
    /// quotes and line breaks, a time column), queried to Parquet three ways:
    /// `sql --format parquet`, `cat --sql --format parquet`, and a derived file
    /// named `.parquet`. pyarrow reads each with the values and types Pond's
    /// own JSON Lines of the same query give; DuckDB agrees on the aggregates.
    @Test func pyarrowAndDuckDBReadWhatPondWrites() throws {
        let pond = try CLIFixture()
        var csv = "time,station,temp,count,note\n"
        for index in 0..<2000 {
            let time = String(format: "2026-03-%02dT%02d:%02d:00Z", 1 + index / 1440, index / 60 % 24, index % 60)
            let temp = index % 17 == 0 ? "" : String(Double(index) * 0.25 - 100)
            let count = index % 13 == 0 ? "NA" : String(index * 1_000_003)
            let note = index % 5 == 0 ? "" : index % 7 == 0 ? "\"says \"\"hi\"\",\nthen leaves\"" : "n\(index % 3)"
            csv += "\(time),s\(index % 4),\(temp),\(count),\(note)\n"
        }
        try Data(csv.utf8).write(to: pond.directory.appendingPathComponent("readings.csv"))
        #expect(try pond.run("copy", "readings.csv", "/readings.csv").status == 0)
        let query = "SELECT time, station, temp, count, note, temp * 2 AS doubled, length(note) AS size FROM source ORDER BY time"
        #expect(try pond.run("mknod", "sql", "/derived.parquet", query.replacingOccurrences(of: "source", with: "\"/readings.csv\"")).status == 0)
        let expected = try pond.run("cat", "/readings.csv", "--sql", query, "--format", "jsonl")
        try #require(expected.status == 0, "\(expected.stderr)")
        try Data(expected.stdout.utf8).write(to: pond.directory.appendingPathComponent("expected.jsonl"))

        // Standard output to a file, as a shell's redirection gives it.
        let outputs = ["sql.parquet", "cat.parquet", "derived.parquet"]
        for (name, arguments) in zip(outputs, [["sql", query.replacingOccurrences(of: "source", with: "\"/readings.csv\""), "--format", "parquet"],
                                              ["cat", "/readings.csv", "--sql", query, "--format", "parquet"],
                                              ["cat", "/derived.parquet"]]) {
            let file = pond.directory.appendingPathComponent(name)
            FileManager.default.createFile(atPath: file.path, contents: nil)
            let handle = try FileHandle(forWritingTo: file)
            let result = try CLIFixture.runDetached(arguments + ["--pond", pond.pondPath], in: pond.directory, output: handle)
            try handle.close()
            #expect(result.status == 0, "\(name): \(result.stderr)")
        }
        let checked = try ParquetTools.script("""
            import sys, json, datetime, pyarrow as pa, pyarrow.parquet as pq
            expected = [json.loads(line) for line in open(sys.argv[1])]
            problems = 0
            for path in sys.argv[2:]:
                table = pq.read_table(path)
                types = {f.name: str(f.type) for f in table.schema}
                want = {"time": "timestamp[us, tz=UTC]", "station": "string", "temp": "double", "count": "int64",
                        "note": "string", "doubled": "double", "size": "int64"}
                if types != want:
                    print(path, "types", types); problems += 1
                rows = table.to_pylist()
                if len(rows) != len(expected):
                    print(path, "rows", len(rows), len(expected)); problems += 1; continue
                for index, (got, exp) in enumerate(zip(rows, expected)):
                    for key, value in exp.items():
                        found = got[key]
                        if key == "time":
                            value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
                        if found != value:
                            problems += 1
                            if problems < 20: print(path, index, key, repr(value), repr(found))
            print("problems", problems)
            """, [pond.directory.appendingPathComponent("expected.jsonl").path] + outputs.map { pond.directory.appendingPathComponent($0).path })
        #expect(checked.status == 0 && checked.stdout.contains("problems 0"), "\(checked.stdout)\(checked.stderr)")

        if let duckdb = ParquetTools.duckdb {
            for name in outputs {
                let path = pond.directory.appendingPathComponent(name).path
                let duck = try CLIFixture.runDetachedExecutable(duckdb, ["-csv", "-noheader", "-c",
                    "SELECT count(*), count(temp), sum(count), count(DISTINCT station), strftime(min(time), '%Y-%m-%dT%H:%M:%S'), sum(size) FROM '\(path)'"])
                let ours = try pond.run("cat", "/readings.csv", "--sql",
                                        "SELECT count(*), count(temp), sum(count), count(DISTINCT station), substr(min(time), 1, 19), sum(length(note)) FROM source",
                                        "--format", "csv")
                #expect(duck.status == 0, "\(duck.stderr)")
                #expect(duck.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == ours.stdout.split(separator: "\n").last.map(String.init),
                        "\(name): DuckDB \(duck.stdout) Pond \(ours.stdout)")
            }
        }
        // What Pond wrote reads as a table in Pond too, a derived one included.
        let back = try pond.run("sql", "SELECT count(*), sum(count), min(time) FROM \"/derived.parquet\"", "--format", "csv")
        let direct = try pond.run("sql", "SELECT count(*), sum(count), '2026-03-01T00:00:00.000000Z' FROM \"/readings.csv\"", "--format", "csv")
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.split(separator: "\n").last == direct.stdout.split(separator: "\n").last, "\(back.stdout) vs \(direct.stdout)")
    }

    /// More rows than a row group holds: several row groups, every row there.
    @Test func aLargeResultIsSeveralRowGroups() throws {
        let pond = try CLIFixture()
        let file = pond.directory.appendingPathComponent("big.parquet")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        let result = try CLIFixture.runDetached(["sql", "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT i, i * 0.5 AS half, 'row ' || i AS label FROM n",
                                                 "--format", "parquet", "--pond", pond.pondPath], in: pond.directory, output: handle)
        try handle.close()
        #expect(result.status == 0, "\(result.stderr)")
        let checked = try ParquetTools.script("""
            import sys, pyarrow.parquet as pq, pyarrow.compute as pc
            f = pq.ParquetFile(sys.argv[1]); t = f.read()
            print(f.metadata.num_row_groups > 1, t.num_rows, pc.sum(t["i"]).as_py(), pc.sum(t["half"]).as_py(), t["label"][299999].as_py())
            """, [file.path])
        #expect(checked.stdout == "True 300000 45000150000 22500075000.0 row 300000\n", "\(checked.stdout)\(checked.stderr)")
    }

    /// Binary is not written to a terminal.
    @Test func parquetIsNotWrittenToATerminal() throws {
        let pond = try CLIFixture()
        let result = try CLIFixture.runDetachedExecutable("/usr/bin/script", ["-qec", "\(CLIFixture.binary.path) sql 'SELECT 1' --format parquet --pond \(pond.pondPath)", "/dev/null"])
        #expect(result.stdout.contains("redirect it to a file"), "\(result.stdout)")
    }
}

/// A small Parquet file made by Pond's own writer (no pyarrow needed).
enum ParquetWriterFixture {
    static func bytes(rows: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let writer = try ParquetWriter(columns: ["n", "label"]) { bytes += $0 }
        for index in 0..<rows {
            writer.append(.integer(Int64(index)))
            var label = "row \(index)"
            label.withUTF8 { writer.append(.text($0)) }
            try writer.endRow()
        }
        try writer.finish()
        return bytes
    }
}
