import Foundation
import Testing

struct BatchTests {
    @Test func batchRunsEveryLineAsOneVersion() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("a.csv", "data")
        let lines = "mkdir -p /in\ncopy a.csv /in/\n# a comment\n\npond touch '/in/b c'\nln -s a.csv /in/latest\n"
        let result = try fixture.run("batch", stdin: Data(lines.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.headVersion() == 2)
        #expect(try fixture.run("list").stdout == "/in\n/in/a.csv\n/in/b c\n/in/latest\n")
    }

    @Test func failingLineRollsTheWholeBatchBackAndIsNamed() throws {
        let fixture = try CLIFixture()
        let rows = try fixture.rowCount()
        let result = try fixture.run("batch", stdin: Data("mkdir /x\nmkdir /x/y\nmkdir /x\n".utf8))
        #expect(result.status == 1)
        #expect(result.stderr == "Error: batch line 3: already exists: /x\n")
        #expect(try fixture.headVersion() == 1)
        #expect(try fixture.rowCount() == rows)
    }

    @Test func batchFromAFileAndItsBadLines() throws {
        let fixture = try CLIFixture()
        let file = try fixture.hostFile("commands.txt", "mkdir /a\n")
        #expect(try fixture.run("batch", file).status == 0)
        for (line, message) in [("cat /a", "batch line 1: 'cat' does not change the pond"),
                                ("mkdir '/b", "batch line 1: unclosed '"),
                                ("mkdir --bogus /b", "batch line 1: Unknown option '--bogus'"),
                                ("copy - /c", "batch line 1: copy - would read standard input")] {
            let result = try fixture.run("batch", stdin: Data(line.utf8))
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("Error: " + message), "\(result.stderr)")
        }
        #expect(try fixture.headVersion() == 2)
    }
}

struct FsckTests {
    @Test func cleanPondPasses() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("src/a", "x")
        #expect(try fixture.run("copy", "src", "/s").status == 0)
        #expect(try fixture.run("mv", "/s/a", "/b").status == 0)
        let result = try fixture.run("fsck")
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("ok:"))
    }

    @Test func flippedContentIsNamedByPathNodeAndVersion() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("abc".utf8)).status == 0)
        // "abc" is one chunk; flip its last byte behind Pond's back.
        try Self.sqlite(fixture.pondPath, "UPDATE chunks SET data = x'616264'")
        let result = try fixture.run("fsck")
        #expect(result.status == 1)
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  // sha256sum of "abc"
        #expect(result.stderr == """
            pond fsck: /f (node 0000000000000001, version 2): content does not match its SHA-256 \(sha)
            pond fsck: chunk \(sha): its bytes do not match its SHA-256

            """)
    }

    @Test func aLogRowChangedBehindPondsBackBreaksTheHashChain() throws {
        let result = try Self.fsckAfterTwoMkdirs(tampering: "UPDATE log SET name = 'z', payload = json_set(payload, '$.name', 'z') WHERE name = 'a'")
        #expect(result.status == 1)
        #expect(result.stderr == "pond fsck: version 2: hash chain broken: its transaction or log rows were changed, added or removed after commit\n")
    }

    @Test func missingTransactionIsFound() throws {
        let result = try Self.fsckAfterTwoMkdirs(tampering: "DELETE FROM versions WHERE version = 2")
        #expect(result.status == 1)
        #expect(result.stderr.contains("versions: version 2 is missing"))
        #expect(result.stderr.contains("version 2: log rows with no transaction"))
    }

    /// `pond fsck` on a pond holding /a and /b (versions 2 and 3) once `sql`
    /// has changed it behind Pond's back.
    static func fsckAfterTwoMkdirs(tampering sql: String) throws -> RunResult {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "/a").status == 0)
        #expect(try fixture.run("mkdir", "/b").status == 0)
        try sqlite(fixture.pondPath, sql)
        return try fixture.run("fsck")
    }

    /// Changes a pond behind Pond's back with the stock sqlite3 shell.
    static func sqlite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
