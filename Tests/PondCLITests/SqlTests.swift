import Foundation
import Testing

struct SqlTests {
    /// A pond with a few versions: 2 mkdir, 3 a file, 4 a move, 5 a symlink.
    func fixture() throws -> CLIFixture {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "-p", "/a/b").status == 0)
        #expect(try fixture.run("copy", "-", "/a/b/f", stdin: Data("hello".utf8)).status == 0)
        #expect(try fixture.run("mv", "/a/b/f", "/a/g").status == 0)
        #expect(try fixture.run("ln", "-s", "g", "/a/l").status == 0)
        return fixture
    }

    @Test func pathsAtHeadAndAtAnOldVersion() throws {
        let fixture = try fixture()
        #expect(try fixture.run("sql", "SELECT path, type FROM paths ORDER BY path").stdout ==
                "path  type\n/a    directory\n/a/b  directory\n/a/g  file\n/a/l  symlink\n")
        #expect(try fixture.run("sql", "SELECT path FROM paths ORDER BY path", "--at", "3", "--format", "csv").stdout ==
                "path\n/a\n/a/b\n/a/b/f\n")
    }

    @Test func entriesHistoryFilteredAtAVersionIsTheTreeThen() throws {
        let fixture = try fixture()
        let rows = try fixture.json("sql", """
            SELECT parent_id, name FROM entries_history
            WHERE valid_from <= 3 AND (valid_to IS NULL OR valid_to > 3) ORDER BY parent_id, name
            """, "--format", "json") as? [[String: Any]] ?? []
        #expect(rows.map { "\($0["parent_id"]!) \($0["name"]!)" } == ["0 a", "1 b", "2 f"])
    }

    @Test func transactionsNodesAndFileContents() throws {
        let fixture = try fixture()
        #expect(try fixture.run("sql", "SELECT count(*) FROM transactions", "--format", "csv").stdout == "count(*)\n5\n")
        #expect(try fixture.run("sql", "SELECT count(*) FROM transactions", "--at", "2", "--format", "csv").stdout == "count(*)\n2\n")
        #expect(try fixture.run("sql", """
            SELECT CAST(content AS TEXT) AS text FROM file_contents JOIN paths USING (node_id) WHERE path = '/a/g'
            """, "--format", "csv").stdout == "text\nhello\n")
        #expect(try fixture.run("sql", "SELECT type, count(*) FROM nodes GROUP BY type ORDER BY type", "--format", "csv").stdout
                == "type,count(*)\ndirectory,3\nfile,1\nsymlink,1\n")
    }

    @Test(arguments: [
        "DELETE FROM log", "INSERT INTO versions VALUES (9, 'x', 'y')", "UPDATE log SET version = 1",
        "DROP VIEW paths", "CREATE TABLE t(x)", "ATTACH 'attached.db' AS other", "VACUUM INTO 'copy.db'",
        "PRAGMA writable_schema = 1", "PRAGMA journal_mode = DELETE", "SELECT load_extension('x')",
    ])
    func writesAreDeniedAndLeaveEveryFileAsItWas(statement: String) throws {
        let fixture = try fixture()
        let before = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).sorted()
        let bytes = FileManager.default.contents(atPath: fixture.pondPath)
        let result = try fixture.run("sql", statement)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("Error: pond sql only reads"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).sorted() == before)
        #expect(FileManager.default.contents(atPath: fixture.pondPath) == bytes)
        #expect(try fixture.headVersion() == 5)
    }

    @Test func exactlyOneStatement() throws {
        let fixture = try fixture()
        let result = try fixture.run("sql", "SELECT 1; SELECT 2")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("Error: pond sql runs exactly one statement"))
    }

    @Test func viewsWorkInTheStockSqliteShell() throws {
        let fixture = try fixture()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [fixture.pondPath, "SELECT path FROM paths ORDER BY path; SELECT count(*) FROM entries;"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text == "/a\n/a/b\n/a/g\n/a/l\n4\n")
    }
}
