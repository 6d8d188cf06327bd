import Foundation
import Testing

/// The promises a user relies on without reading the manual (DESIGN.md:
/// "Reads verify", "Details that users will meet"), each checked as a user
/// would meet it.
@Suite struct PromiseTests {
    /// A pond with /f (one chunk) and /big (many chunks: 600 KiB of lines).
    static func pondWithFiles() throws -> (CLIFixture, Data) {
        let fixture = try CLIFixture()
        let big = Data((0..<60_000).map { "reading \($0)\n" }.joined().utf8)
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("small\n".utf8)).status == 0)
        #expect(try fixture.run("copy", "-", "/big", stdin: big).status == 0)
        return (fixture, big)
    }

    @Test func aFlippedByteInAStoredChunkIsNeverServed() throws {
        let (fixture, big) = try PromiseTests.pondWithFiles()
        #expect(try fixture.run("cat", "/big").stdout == String(decoding: big, as: UTF8.self))
        // Flip one byte of the third chunk of /big, behind Pond's back.
        try FsckTests.sqlite(fixture.pondPath, """
            UPDATE chunks SET data = CAST(substr(data, 1, 100) || 'X' || substr(data, 102) AS BLOB)
            WHERE hash = (SELECT chunk FROM content_chunks ORDER BY offset LIMIT 1 OFFSET 2)
            """)
        let offset = try #require(Int(try fixture.run("sql", "SELECT offset FROM content_chunks ORDER BY offset LIMIT 1 OFFSET 2",
                                                       "--format", "csv").stdout.split(separator: "\n")[1]))
        let cat = try fixture.run("cat", "/big")
        #expect(cat.status == 1)
        #expect(cat.stderr == "Error: /big at version 3 is damaged at byte offset \(offset): a stored chunk does not match its SHA-256; no bytes that differ from those written are given out (pond fsck lists every damaged file)\n")
        // What did reach standard output is the file's own bytes, up to the damaged chunk.
        #expect(Data(cat.stdout.utf8) == big.prefix(offset))
        // Copy-out removes the partial host file.
        let out = fixture.directory.appendingPathComponent("out").path
        let copy = try fixture.run("copy", "/big", "host://" + out)
        #expect(copy.status == 1 && copy.stderr.contains("/big at version 3 is damaged at byte offset \(offset)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == [])
        // The undamaged file still reads.
        #expect(try fixture.run("cat", "/f").stdout == "small\n")
    }

    @Test func aOneChunkFileWithAFlippedByteIsNotServed() throws {
        let (fixture, _) = try PromiseTests.pondWithFiles()
        try FsckTests.sqlite(fixture.pondPath, "UPDATE chunks SET data = CAST('smalL\n' AS BLOB) WHERE data = CAST('small\n' AS BLOB)")
        let cat = try fixture.run("cat", "/f")
        #expect(cat.status == 1 && cat.stdout == "")
        #expect(cat.stderr.hasPrefix("Error: /f at version 3 is damaged at byte offset 0: its bytes do not match their SHA-256"))
    }

    @Test func aPlainCopyOfThePondFileAfterCommandsHoldsEveryVersion() throws {
        let (fixture, big) = try PromiseTests.pondWithFiles()
        #expect(try fixture.run("mkdir", "/d").status == 0)
        #expect(try fixture.run("list").status == 0)
        let wal = (try? FileManager.default.attributesOfItem(atPath: fixture.pondPath + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0)
        let copy = fixture.directory.appendingPathComponent("copy.db").path
        try FileManager.default.copyItem(atPath: fixture.pondPath, toPath: copy)
        let check = try fixture.runArguments(["fsck", "--pond", copy])
        #expect(check.stdout == "ok: \(copy), 4 versions checked\n")
        #expect(try fixture.runArguments(["cat", "/big", "--pond", copy]).stdout == String(decoding: big, as: UTF8.self))
        #expect(try fixture.runArguments(["list", "--pond", copy]).stdout == "/big\n/d\n/f\n")
    }

    @Test func backupWritesAVerifiedCopyAndRefusesAnExistingFile() throws {
        let (fixture, big) = try PromiseTests.pondWithFiles()
        let destination = fixture.directory.appendingPathComponent("backup.db").path
        let result = try fixture.run("backup", destination)
        let status = try fixture.json("status", "--json") as? [String: Any] ?? [:]
        #expect(result.status == 0)
        #expect(result.stdout == "backup: \(destination), head version 3, head hash \(status["head_hash"] as? String ?? "?")\n")
        #expect(try fixture.runArguments(["cat", "/big", "--pond", destination]).stdout == String(decoding: big, as: UTF8.self))
        #expect(try fixture.runArguments(["fsck", "--pond", destination]).status == 0)
        let again = try fixture.run("backup", destination)
        #expect(again.status == 1)
        #expect(again.stderr == "Error: \(destination) already exists; pond backup writes a new file and never overwrites one\n")
    }

    @Test func backupWhileAnotherProcessWritesHoldsAWholeVersion() throws {
        let fixture = try CLIFixture()
        let writer = Thread {
            for i in 0..<30 { _ = try? fixture.run("copy", "-", "/f\(i)", stdin: Data("\(i)".utf8)) }
        }
        writer.start()
        var heads: [Int] = []
        for i in 0..<5 {
            let destination = fixture.directory.appendingPathComponent("b\(i).db").path
            let result = try fixture.run("backup", destination)
            #expect(result.status == 0, "\(result.stderr)")
            let check = try fixture.runArguments(["fsck", "--pond", destination])
            #expect(check.status == 0, "\(check.stderr)")
            let files = try fixture.runArguments(["list", "--pond", destination]).stdout.split(separator: "\n").count
            let head = try #require(Int(result.stdout.split(separator: " ")[4].dropLast()))
            #expect(files == head - 1, "backup \(i): head \(head) but \(files) files")
            heads.append(head)
        }
        while writer.isExecuting || !writer.isFinished { Thread.sleep(forTimeInterval: 0.05) }
        #expect(heads == heads.sorted())
    }

    @Test func sqlRefusesTransactionStatementsWithoutCrashing() throws {
        let (fixture, _) = try PromiseTests.pondWithFiles()
        for statement in ["BEGIN", "SAVEPOINT x", "COMMIT", "ROLLBACK", "RELEASE x", "END TRANSACTION"] {
            let result = try fixture.run("sql", statement)
            #expect(result.status == 1, "\(statement): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: pond sql only reads"), "\(statement): \(result.stderr)")
        }
        #expect(try fixture.run("sql", "PRAGMA table_info(log)", "--format", "csv").stdout.hasPrefix("cid,name,type"))
        #expect(try fixture.run("sql", "SELECT name FROM pragma_index_list('log') ORDER BY name", "--format", "csv").stdout
                .hasPrefix("name\n"))
    }

    @Test func copyOfTheRootExportsTheWholeTree() throws {
        let (fixture, big) = try PromiseTests.pondWithFiles()
        #expect(try fixture.run("mkdir", "-p", "/d/e").status == 0)
        #expect(try fixture.run("ln", "-s", "../f", "/d/link").status == 0)
        let out = fixture.directory.appendingPathComponent("all").path
        let result = try fixture.run("copy", "/", "host://" + out)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: out + "/big") == big)
        #expect(FileManager.default.contents(atPath: out + "/f") == Data("small\n".utf8))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/d/link") == "../f")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: out + "/d/e", isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    @Test func twoSourcesWithOneNameAreRefusedBeforeAnythingIsWritten() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "/d").status == 0)
        let a = try fixture.hostFile("a/x.txt", "from a"), b = try fixture.hostFile("b/x.txt", "from b")
        let other = try fixture.hostFile("a/y.txt", "y")
        let result = try fixture.run("copy", other, a, b, "/d/")
        #expect(result.status == 1)
        #expect(result.stderr == "Error: \(a) and \(b) would both be copied to /d/x.txt; nothing was copied (copy them in two commands, or to different names)\n")
        #expect(try fixture.headVersion() == 2)
        #expect(try fixture.run("list", "/d/").stdout == "")
    }

    @Test func optionLikeArgumentsAreOptionsUntilTheDoubleDash() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "/d").status == 0)
        _ = try fixture.hostFile("-dash.csv", "a,b\n")
        let unknown = try fixture.run("copy", "-x", "/x")
        #expect(unknown.status == 64 && unknown.stderr.hasPrefix("Error: Unknown option '-x'\n"), "\(unknown.stderr)")
        let one = try fixture.run("copy", "/x")
        #expect(one.status == 64)
        #expect(one.stderr == "Error: pond copy needs at least one SRC and a DEST\nUsage: pond copy [--pond <path>] [--message <message>] [--quiet] [--at <version|time>] <src-and-dest> ...\n  See 'pond copy --help' for more information.\n")
        let dash = try fixture.run("copy", "-dash.csv", "/d")
        #expect(dash.status == 64 && dash.stdout == "")
        #expect(dash.stderr.hasPrefix("Error: Unknown option '-dash.csv'\nUsage: pond copy"), "\(dash.stderr)")
        #expect(try fixture.headVersion() == 2)
        let copied = try fixture.run("--pond", fixture.pondPath, "copy", "--", "-dash.csv", "/d", pond: false)
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(try fixture.run("cat", "/d/-dash.csv").stdout == "a,b\n")
    }

    @Test func helpForNoCommandIsAnError() throws {
        let fixture = try CLIFixture()
        let result = try fixture.run("help", "nosuch", pond: false)
        #expect(result.status == 64 && result.stdout == "")
        #expect(result.stderr.hasPrefix("Error: Unknown subcommand 'nosuch'"))
        #expect(try fixture.run("help", "copy", pond: false).stdout.hasPrefix("OVERVIEW: Copy"))
    }

    @Test func standardInputIntoADirectoryIsARuntimeError() throws {
        let fixture = try CLIFixture()
        let result = try fixture.run("copy", "-", "/", stdin: Data("x".utf8))
        #expect(result.status == 1)
        #expect(result.stderr == "Error: / is a directory; copying standard input (-) needs DEST to name the new file, like /data.txt\n")
        #expect(try fixture.headVersion() == 1)
    }
}
