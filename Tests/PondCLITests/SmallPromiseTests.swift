import Foundation
import Testing

/// Smaller promises of the command line (issue "The data side,
/// trustworthy", point 8), each as a user meets it.
struct SmallPromiseTests {
    @Test func pondGoesBeforeOrAfterEveryRemoteSubcommand() throws {
        let fixture = try CLIFixture()
        let remote = fixture.directory.appendingPathComponent("remote").path
        for arguments in [["--pond", fixture.pondPath, "remote", "add", "a", "file://\(remote)"],
                          ["remote", "--pond", fixture.pondPath, "add", "b", "file://\(remote)"],
                          ["remote", "add", "c", "file://\(remote)", "--pond", fixture.pondPath],
                          ["--pond=\(fixture.pondPath)", "remote", "remove", "c"]] {
            let result = try fixture.runArguments(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let listed = try fixture.runArguments(["--pond", fixture.pondPath, "remote", "list"])
        #expect(listed.stdout == "a\tfile://\(remote)\nb\tfile://\(remote)\n", "\(listed.stderr)")
    }

    @Test func cloneWithoutAFileMakesThePondThatPondOrPondEnvironmentNames() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/h.txt", stdin: Data("hello\n".utf8)).status == 0)
        let remote = fixture.directory.appendingPathComponent("remote").path
        #expect(try fixture.run("remote", "add", "origin", "file://\(remote)").status == 0)
        #expect(try fixture.run("push", "origin").status == 0)
        let byOption = fixture.directory.appendingPathComponent("a.db").path
        #expect(try fixture.runArguments(["clone", "file://\(remote)", "--pond", byOption]).status == 0)
        #expect(try fixture.runArguments(["cat", "/h.txt", "--pond", byOption]).stdout == "hello\n")
        let byEnvironment = fixture.directory.appendingPathComponent("b.db").path
        #expect(try fixture.runArguments(["clone", "file://\(remote)"], environment: ["POND": byEnvironment]).status == 0)
        #expect(try fixture.runArguments(["cat", "/h.txt", "--pond", byEnvironment]).stdout == "hello\n")
        let again = try fixture.runArguments(["clone", "file://\(remote)", byOption])
        #expect(again.status == 1)
        #expect(again.stderr == "Error: \(byOption) already exists: pond clone makes a new pond file (name another, or pond pull to bring a remote's versions into this pond)\n")
    }

    @Test func aNegativeVersionIsRefusedAsAVersion() throws {
        let fixture = try CLIFixture()
        for command in [["list"], ["cat", "/x"], ["sql", "SELECT 1"]] {
            let result = try fixture.runArguments(command + ["--at", "-1", "--pond", fixture.pondPath])
            #expect(result.status != 0)
            #expect(!result.stderr.contains("Missing value"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("-1"), "\(command): \(result.stderr)")
        }
    }

    @Test func recursiveHistoryHasFilesRemovedFromOrMovedOutOfTheDirectory() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "-p", "/d/e").status == 0)
        #expect(try fixture.run("copy", "-", "/d/e/f", stdin: Data("1\n".utf8)).status == 0)
        #expect(try fixture.run("copy", "-", "/d/g", stdin: Data("2\n".utf8)).status == 0)
        #expect(try fixture.run("mv", "/d/g", "/moved").status == 0)
        #expect(try fixture.run("rm", "-r", "/d/e").status == 0)
        let history = try fixture.run("history", "-r", "/d").stdout
        for line in ["write   /d/e/f", "unlink  /d/e/f", "write   /d/g", "unlink  /d/g", "link    /moved"] {
            #expect(history.contains(line), "\(line) missing from:\n\(history)")
        }
    }

    @Test func restoringAFileKeepsTheVersionsItsRowsHadThen() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/r.csv", stdin: Data("n\n1\n".utf8)).status == 0)
        #expect(try fixture.run("append", "/r.csv", stdin: Data("2\n".utf8)).status == 0)
        #expect(try fixture.run("copy", "-", "/r.csv", stdin: Data("n\n9\n".utf8)).status == 0)
        #expect(try fixture.run("restore", "/r.csv", "--at", "3").status == 0)
        #expect(try fixture.run("sql", #"SELECT n, _version FROM "/r.csv""#, "--format", "csv").stdout == "n,_version\n1,2\n2,3\n")
    }

    @Test func aHostFolderWithSymlinksCopiedInAgainRewritesLikeFiles() throws {
        let fixture = try CLIFixture()
        let host = fixture.directory.appendingPathComponent("host")
        try FileManager.default.createDirectory(at: host.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("a\n".utf8).write(to: host.appendingPathComponent("a"))
        try FileManager.default.createSymbolicLink(atPath: host.appendingPathComponent("link").path, withDestinationPath: "a")
        #expect(try fixture.run("copy", host.path + "/", "/h").status == 0)
        let head = try fixture.headVersion()
        let again = try fixture.run("copy", host.path + "/", "/h")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try fixture.headVersion() == head)
        try FileManager.default.removeItem(at: host.appendingPathComponent("link"))
        try FileManager.default.createSymbolicLink(atPath: host.appendingPathComponent("link").path, withDestinationPath: "sub")
        #expect(try fixture.run("copy", host.path + "/", "/h").status == 0)
        #expect(try fixture.headVersion() == head + 1)
        #expect(try fixture.run("list", "/h/link", "--long").stdout.hasSuffix("/h/link -> sub\n"))
    }

    @Test func anInterruptedCopyChangesNothingAndLeavesNoWAL() throws {
        let fixture = try CLIFixture()
        let process = Process()
        process.executableURL = CLIFixture.binary
        process.arguments = ["copy", "-", "/big.bin", "--pond", fixture.pondPath]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // 24 MiB that do not repeat, then the writer waits: the copy is under way.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<24 {
            input.fileHandleForWriting.write(Data((0..<(1 << 17)).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }))
        }
        let wal = fixture.pondPath + "-wal"
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, ((try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0) < 8 << 20 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGINT)
        let end = Date().addingTimeInterval(30)
        while process.isRunning, Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try input.fileHandleForWriting.close()
        #expect(process.terminationStatus == 130)
        #expect(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "Error: interrupted: nothing was changed\n")
        #expect(try fixture.headVersion() == 1)
        #expect(!FileManager.default.fileExists(atPath: wal))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "needs the sqlite3 shell to hold the lock"))
    func aWriterThatWaitsTooLongNamesTheOtherWriterInAPlainMessage() throws {
        let fixture = try CLIFixture()
        // The sqlite3 shell takes the write lock and holds it while its input stays open.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = [fixture.pondPath]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 1;\n".utf8))
        Thread.sleep(forTimeInterval: 0.5)
        let result = try fixture.run("mkdir", "/x", environment: ["POND_LOCK_TIMEOUT": "2"])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: \(fixture.pondPath) is being written by another process (pid \(holder.processIdentifier): /usr/bin/sqlite3 \(fixture.pondPath)), which did not finish within 2 s: nothing was changed; try again when it is done\n")
        try input.fileHandleForWriting.close()
        holder.waitUntilExit()
        #expect(try fixture.run("mkdir", "/x").status == 0)
    }
}
