import Foundation
import Testing

struct CommandTests {
    @Test func initCreatesVersionOneAndRefusesAnExistingFile() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.headVersion() == 1)
        let again = try fixture.run("init")
        #expect(again.status == 1)
        #expect(again.stderr.hasPrefix("Error: \(fixture.pondPath) already exists"))
    }

    @Test func pondFileComesFromTheFlagThenTheEnvironmentThenTheDefault() throws {
        let fixture = try CLIFixture(initialized: false)
        #expect(try fixture.runArguments(["init"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: fixture.pondPath))
        let other = fixture.directory.appendingPathComponent("other.db").path
        #expect(try fixture.runArguments(["init"], environment: ["POND": other]).status == 0)
        #expect(FileManager.default.fileExists(atPath: other))
        #expect(try fixture.runArguments(["--pond", other, "mkdir", "/before"]).status == 0)
        #expect(try fixture.runArguments(["list", "--pond", other]).stdout == "/before\n")
    }

    @Test func mkdirAndListPrintFullPathsSortedBytewise() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "-p", "/b/c", "/a-c", "/B").status == 0)
        #expect(try fixture.run("list").stdout == "/B\n/a-c\n/b\n/b/c\n")
        #expect(try fixture.run("list", "/b/").stdout == "/b/c\n")
        #expect(try fixture.run("list", "/b").stdout == "/b\n")
        #expect(try fixture.run("list", "/*").stdout == "/B\n/a-c\n/b\n")
        #expect(try fixture.run("list", "/zz*").stdout == "")
        #expect(try fixture.headVersion() == 2)
    }

    @Test func copyOfAFolderIsOneVersionAndCatReadsAnyVersion() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("src/a.txt", "one")
        try fixture.hostFile("src/sub/b.txt", "bee")
        #expect(try fixture.run("copy", "src", "/data").status == 0)
        try fixture.hostFile("src/a.txt", "two")
        #expect(try fixture.run("copy", "src/a.txt", "/data/").status == 0)
        #expect(try fixture.headVersion() == 3)
        #expect(try fixture.run("cat", "/data/a.txt").stdout == "two")
        #expect(try fixture.run("cat", "/data/a.txt", "--at", "2").stdout == "one")
        #expect(try fixture.run("cat", "/data/sub/b.txt").stdout == "bee")
        // Identical bytes add no version.
        #expect(try fixture.run("copy", "src/a.txt", "/data/a.txt").status == 0)
        #expect(try fixture.headVersion() == 3)
    }

    @Test func copyFromStandardInput() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/in.txt", stdin: Data("piped".utf8)).status == 0)
        #expect(try fixture.run("cat", "/in.txt").stdout == "piped")
    }

    @Test func copyInKeepsHostSymlinksAsSymlinksAndTerminatesOnLoops() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("src/a", "x")
        let src = fixture.directory.appendingPathComponent("src").path
        try FileManager.default.createSymbolicLink(atPath: src + "/loop", withDestinationPath: "loop")
        try FileManager.default.createSymbolicLink(atPath: src + "/up", withDestinationPath: "..")
        #expect(try fixture.run("copy", "host://" + src, "/s").status == 0)
        let listed = try fixture.json("list", "--json") as? [[String: Any]] ?? []
        #expect(listed.map { "\($0["path"]!) \($0["type"]!)" } == ["/s directory", "/s/a file", "/s/loop symlink", "/s/up symlink"])
        #expect(try fixture.run("describe", "/s/up", "--json").stdout.contains(#""target":"..""#))
    }

    @Test func copyOutWritesTheTreeAndNeverOverwrites() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("src/a.txt", "one")
        try fixture.hostFile("src/d/b.txt", "bee")
        #expect(try fixture.run("copy", "src/a.txt", "src/d", "/").status == 0)
        #expect(try fixture.run("ln", "-s", "/etc", "/escape").status == 0)
        let out = fixture.directory.appendingPathComponent("out").path
        #expect(try fixture.run("copy", "/*", "host://" + out).status == 0)
        #expect(FileManager.default.contents(atPath: out + "/a.txt") == Data("one".utf8))
        #expect(FileManager.default.contents(atPath: out + "/d/b.txt") == Data("bee".utf8))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/escape") == "/etc")
        let again = try fixture.run("copy", "/a.txt", "host://" + out)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
    }

    @Test func touchRmMvAndLn() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("touch", "/t").status == 0)
        #expect(try fixture.run("touch", "/t").status == 0)
        #expect(try fixture.headVersion() == 3)
        #expect(try fixture.run("mkdir", "/d").status == 0)
        #expect(try fixture.run("mv", "/t", "/d").status == 0)
        #expect(try fixture.run("ln", "-s", "d/t", "/link").status == 0)
        #expect(try fixture.run("list").stdout == "/d\n/d/t\n/link\n")
        #expect(try fixture.run("rm", "/link").status == 0)
        let notEmpty = try fixture.run("rm", "/d")
        #expect(notEmpty.status == 1)
        #expect(notEmpty.stderr == "Error: directory not empty: /d (remove it with -r)\n")
        #expect(try fixture.run("rm", "-r", "/d").status == 0)
        #expect(try fixture.run("list").stdout == "")
        #expect(try fixture.run("cat", "/d/t", "--at", "6").status == 0)
    }

    @Test func logShowsTheCommandLinesNewestFirst() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "/a b").status == 0)
        let log = try fixture.json("log", "--json") as? [[String: Any]] ?? []
        #expect(log.map { $0["version"] as? Int } == [2, 1])
        #expect((log[0]["command"] as? String)?.hasPrefix("pond mkdir '/a b'") == true)
        #expect(log.allSatisfy { ($0["time"] as? String)?.hasSuffix("Z") == true })
        #expect(try fixture.run("log", "--limit", "1").stdout.split(separator: "\n").count == 1)
    }

    @Test func listJSONHasPathTypeSizeAndVersion() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("12345".utf8)).status == 0)
        #expect(try fixture.run("ln", "-s", "f", "/l").status == 0)
        #expect(try fixture.run("mkdir", "/d").status == 0)
        let listed = try fixture.json("list", "--json") as? [[String: Any]] ?? []
        #expect(listed.map { "\($0["path"]!) \($0["type"]!) \($0["size"]!) \($0["version"]!)" }
                == ["/d directory 0 4", "/f file 5 2", "/l symlink 1 3"])
        let long = try fixture.run("list", "--long", "--at", "2").stdout
        let time = (try fixture.json("log", "--json") as? [[String: Any]] ?? []).first { $0["version"] as? Int == 2 }?["time"] as? String
        #expect(long == "file  5  2  \(time ?? "?")  /f\n")  // type, size, version, its commit time, path
    }

    @Test func statusDiffHistoryDescribeAndShow() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("a".utf8)).status == 0)
        #expect(try fixture.run("mkdir", "/d").status == 0)
        #expect(try fixture.run("mv", "/f", "/d/g").status == 0)
        let status = try fixture.json("status", "--json") as? [String: Any] ?? [:]
        #expect(status["head_version"] as? Int == 4)
        #expect(status["schema_version"] as? Int == 10)  // v10: lazy clones
        #expect((status["head_hash"] as? String)?.count == 64)
        let diff = try fixture.json("diff", "2", "--json") as? [[String: Any]] ?? []
        // The move is a move: the log knows the node (issue 15: moves are not a removal and an addition).
        #expect(diff.map { "\($0["change"]!) \($0["path"]!) \($0["from"] ?? "")" } == ["added /d ", "moved /d/g /f"])
        #expect(try fixture.run("diff", "1", "2").stdout == "+ /f\n")
        let history = try fixture.json("history", "/d/g", "--json") as? [[String: Any]] ?? []
        #expect(history.map { "\($0["version"]!) \($0["event"]!)" } == ["2 write", "2 link", "4 unlink", "4 link"])
        let described = try fixture.json("describe", "/f", "--at", "2", "--json") as? [String: Any] ?? [:]
        #expect(described["id"] as? String == "0000000000000001")
        #expect(described["sha256"] as? String == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb")
        let show = try fixture.json("show", "--since", "4", "--json") as? [[String: Any]] ?? []
        #expect(show.map { $0["kind"] as? String } == ["unlink", "link"])
        #expect(try fixture.run("show", "--at", "1").stdout.contains("mkdir"))
    }

    @Test func atAcceptsAnISOTime() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("old".utf8)).status == 0)
        let log = try fixture.json("log", "--json") as? [[String: Any]] ?? []
        let time = log[0]["time"] as! String
        Thread.sleep(forTimeInterval: 0.01)
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("new".utf8)).status == 0)
        #expect(try fixture.run("cat", "/f", "--at", time).stdout == "old")
        let early = try fixture.run("cat", "/f", "--at", "2000-01-01T00:00:00Z")
        #expect(early.status == 1)
    }

    @Test func everyCommandHasHelpWithAnExample() throws {
        let fixture = try CLIFixture(initialized: false)
        for command in ["init", "mkdir", "copy", "cat", "list", "touch", "rm", "mv", "ln", "show", "log",
                        "status", "diff", "history", "describe", "fsck", "batch", "sql"] {
            let help = try fixture.runArguments([command, "--help"])
            #expect(help.status == 0, "\(command)")
            #expect(help.stdout.contains("Example"), "\(command) --help has no example")
        }
    }
}

struct TimeTravelTests {
    @Test func atWorksOnEveryReadCommand() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("v2".utf8)).status == 0)
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("v3-longer".utf8)).status == 0)
        #expect(try fixture.run("mv", "/f", "/g").status == 0)
        #expect(try fixture.run("cat", "/f", "--at", "2").stdout == "v2")
        #expect(try fixture.run("list", "--at", "3").stdout == "/f\n")
        #expect(try fixture.run("show", "--at", "2", "--json").stdout.contains(#""version":3"#) == false)
        #expect(try fixture.run("diff", "2", "3").stdout == "~ /f\n")
        let historyAt2 = try fixture.run("history", "/f", "--at", "2").stdout
        #expect(historyAt2.contains("link") && !historyAt2.contains("unlink") && !historyAt2.contains("\n3 "))  // stops at 2
        #expect(try fixture.run("history", "/g").stdout.contains("unlink"))  // follows the node through the move
        let described = try fixture.json("describe", "/f", "--at", "2", "--json") as? [String: Any] ?? [:]
        #expect(described["size"] as? Int == 2)
        #expect(try fixture.run("sql", "SELECT path FROM paths", "--at", "3", "--format", "csv").stdout == "path\n/f\n")
        let out = fixture.directory.appendingPathComponent("old").path
        #expect(try fixture.run("copy", "/f", "host://" + out, "--at", "2").status == 0)
        #expect(FileManager.default.contents(atPath: out + "/f") == Data("v2".utf8))
    }

    @Test func pondFromANewerSchemaIsRefusedByEveryCommand() throws {
        let fixture = try CLIFixture()
        try FsckTests.sqlite(fixture.pondPath, "PRAGMA user_version = 42")
        for command in [["list"], ["mkdir", "/a"], ["sql", "SELECT 1"], ["fsck"]] {
            let result = try fixture.run(command[0], Array(command.dropFirst()))
            #expect(result.status == 1)
            #expect(result.stderr.contains("newer Pond (schema version 42; this Pond reads up to "), "\(result.stderr)")
        }
    }
}

struct HostFileTests {
    @Test func hostNameThatIsNotUTF8IsAnErrorNamingItAndNothingLands() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("src/ok", "fine")
        let path = Array(fixture.directory.appendingPathComponent("src/bad").path.utf8) + [0xFF, 0]
        let descriptor = path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { creat($0.baseAddress!, 0o644) }
        }
        #expect(descriptor >= 0)
        close(descriptor)
        let result = try fixture.run("copy", "src", "/s")
        #expect(result.status == 1)
        #expect(result.stderr.contains("src/bad"))
        #expect(result.stderr.contains("its name is not valid UTF-8"))
        #expect(try fixture.headVersion() == 1)
    }

    @Test func specialFilesAreSkippedWithAWarning() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("src/ok", "fine")
        #expect(mkfifo(fixture.directory.appendingPathComponent("src/fifo").path, 0o644) == 0)
        let result = try fixture.run("copy", "src", "/s")
        #expect(result.status == 0)
        #expect(result.stderr.hasPrefix("warning: skipped "))
        #expect(result.stderr.hasSuffix("src/fifo: not a regular file, directory or symlink\n"))
        #expect(try fixture.run("list").stdout == "/s\n/s/ok\n")
    }
}
