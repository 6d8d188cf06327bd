import Foundation
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
