import Foundation
import Testing

/// Bad input: one line on stderr, a non-zero status, and no change to the pond.
struct ErrorTests {
    static let cases: [(arguments: [String], status: Int32, message: String)] = [
        (["cat", "/missing"], 1, "Error: no such file or directory: /missing"),
        (["cat", "/f/x"], 1, "Error: not a directory: /f"),
        (["mkdir", "/f/x"], 1, "Error: not a directory: /f"),
        (["mkdir", "/d"], 1, "Error: already exists: /d"),
        (["mkdir", "/a/../.."], 1, "Error: invalid path '/a/../..': '..' climbs above the root"),
        (["mkdir", "/" + String(repeating: "n", count: 256)], 1, "Error: invalid name"),
        (["ln", "-s", "x", "/f"], 1, "Error: already exists: /f"),
        (["ln", "x", "/y"], 64, "Error: pond ln needs -s"),
        (["rm", "/"], 1, "Error: cannot remove the root directory /"),
        (["rm", "/d"], 1, "Error: directory not empty: /d"),
        (["mv", "/d", "/d/e/inside"], 1, "Error: cannot move /d into itself"),
        (["cat", "/loop"], 1, "Error: too many levels of symbolic links"),
        (["cat", "/f", "--at", "0"], 1, "Error: no version 0"),
        (["cat", "/f", "--at", "99"], 1, "Error: no version 99: the head is version"),
        (["cat", "/f", "--at", "yesterday"], 64, "Error: The value 'yesterday' is invalid for '--at <version|time>'"),
        (["mkdir", "/x", "--at", "2"], 64, "Error: Unknown option '--at'"),
        (["copy", "/nonexistent-host-file", "/x"], 1, "Error: no such host file or directory: /nonexistent-host-file"),
        (["list", "/nope"], 1, "Error: no such file or directory: /nope"),
        (["frobnicate"], 64, "Error: "),
        (["cat", "/"], 1, "Error: not a file: /"),
        (["cat", "/d"], 1, "Error: not a file: /d"),
        (["cat", "/d/e/../../f/x"], 1, "Error: not a directory: /f"),
        (["mkdir", "/."], 1, "Error: already exists: /"),
        (["mkdir", ""], 1, "Error: invalid path '': a path cannot be empty"),
        (["mkdir", "/d/e"], 1, "Error: already exists: /d/e"),
        (["mkdir"], 64, "Error: Missing expected argument"),
        (["mkdir", "--bogus", "/x"], 64, "Error: Unknown option '--bogus'"),
        (["touch", "/f/x"], 1, "Error: not a directory: /f"),
        (["touch", "/loop/x"], 1, "Error: too many levels of symbolic links"),
        (["rm", "/missing"], 1, "Error: no such file or directory: /missing"),
        (["rm", "/f/x"], 1, "Error: not a directory: /f"),
        (["rm", "-r", "/"], 1, "Error: cannot remove the root directory /"),
        (["mv", "/missing", "/x"], 1, "Error: no such file or directory: /missing"),
        (["mv", "/d", "/f"], 1, "Error: not a directory: /f"),
        (["mv", "/f", "/missing/x"], 1, "Error: no such file or directory: /missing"),
        (["ln", "-s", "x", "/missing/y"], 1, "Error: no such file or directory: /missing"),
        (["ln", "-s", "/x"], 64, "Error: Missing expected argument '<path>'"),
        (["cat"], 64, "Error: Missing expected argument '<path> ...'"),  // cat takes several paths
        (["cat", "/f", "--at", "-1"], 1, "Error: no version -1: versions start at 1"),
        (["cat", "/f", "--at", "2026-13-45T00:00:00Z"], 64, "Error: The value '2026-13-45T00:00:00Z' is invalid"),
        (["list", "--at", "0"], 1, "Error: no version 0: versions start at 1"),
        (["list", "/f/"], 1, "Error: not a directory: /f"),
        (["list", "/d/["], 1, "Error: invalid pattern '/d/[': '[' has no closing ']'"),
        (["diff", "0"], 1, "Error: no version 0"),
        (["diff", "1", "99"], 1, "Error: no version 99"),
        (["history", "/missing"], 1, "Error: no such file or directory: /missing"),
        (["describe", "/missing"], 1, "Error: no such file or directory: /missing"),
        (["show", "--at", "99"], 1, "Error: no version 99"),
        (["log", "--limit", "0"], 64, "Error: --limit must be at least 1"),
        (["sql", "SELECT * FROM nope"], 1, "Error: SQLite error on"),
        (["sql", "SELECT 1", "--format", "xml"], 64, "Error: The value 'xml' is invalid for '--format"),
        (["copy", "/x"], 64, "Error: pond copy needs at least one SRC and a DEST"),
        (["copy", "/f", "host://relative"], 64, "Error: copy out needs an absolute host directory"),
        (["batch", "/nonexistent-batch-file"], 1, "Error: no such host file or directory: /nonexistent-batch-file"),
    ]

    @Test(arguments: cases.indices)
    func badInputFailsClearlyAndChangesNothing(index: Int) throws {
        let (arguments, status, message) = ErrorTests.cases[index]
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("x".utf8)).status == 0)
        #expect(try fixture.run("mkdir", "-p", "/d/e").status == 0)
        #expect(try fixture.run("ln", "-s", "/loop", "/loop").status == 0)
        let head = try fixture.headVersion(), rows = try fixture.rowCount()
        let result = try fixture.runArguments(arguments + ["--pond", fixture.pondPath])
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix(message), "\(arguments): \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        if status == 1 { #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)") }
        #expect(try fixture.headVersion() == head)
        #expect(try fixture.rowCount() == rows)
    }

    /// Standard output on a full disk (/dev/full): one line and exit 1, not a crash.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func outputThatCannotBeWrittenIsAnError() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("x".utf8)).status == 0)
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        for command in [["log"], ["list", "-l"], ["cat", "/f"], ["status"], ["log", "--json"], ["sql", "SELECT 1"]] {
            let result = try CLIFixture.runDetached(command + ["--pond", fixture.pondPath], output: full)
            #expect(result.status == 1, "\(command): \(result.stderr)")
            #expect(result.stderr == "Error: cannot write standard output: No space left on device\n", "\(command)")
        }
    }

    @Test func everyCommandButInitFailsWithoutAPond() throws {
        let fixture = try CLIFixture(initialized: false)
        for command in [["list"], ["cat", "/f"], ["mkdir", "/a"], ["log"], ["status"], ["show"]] {
            let result = try fixture.run(command[0], Array(command.dropFirst()))
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("Error: no pond at \(fixture.pondPath)"), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.pondPath))
    }

    @Test func aFileThatIsNotAPondIsRefusedAndLeftUntouched() throws {
        let fixture = try CLIFixture(initialized: false)
        let content = Data("hello, not a database\n".utf8)
        try content.write(to: URL(fileURLWithPath: fixture.pondPath))
        let result = try fixture.run("list")
        #expect(result.status == 1)
        #expect(result.stderr.contains("is not a pond"))
        #expect(FileManager.default.contents(atPath: fixture.pondPath) == content)
    }
}

extension CLIFixture {
    func run(_ first: String, _ rest: [String]) throws -> RunResult {
        try runArguments([first] + rest + ["--pond", pondPath])
    }
}
