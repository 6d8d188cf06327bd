import Foundation
import Testing

/// `pond remote`, `push`, `pull`, `clone` and `verify` through the built
/// binaries (`pond` runs `pond-remote`), on a file:// remote.
@Suite struct RemoteCLITests {
    @Test func pushCloneAndPullThroughTheCommandLine() throws {
        let fixture = try CLIFixture()
        let remote = fixture.directory.appendingPathComponent("remote").path
        try Data("hello\n".utf8).write(to: fixture.directory.appendingPathComponent("h.txt"))
        #expect(try fixture.run("copy", "h.txt", "/h.txt").status == 0)
        #expect(try fixture.run("remote", "add", "origin", "file://\(remote)").status == 0)
        #expect(try fixture.run("remote", "list").stdout == "origin\tfile://\(remote)\n")

        let push = try fixture.run("push")
        #expect(push.status == 0, "\(push.stderr)")
        #expect(push.stdout.hasPrefix("pushed to origin (file://\(remote)) versions 1-2: "), "\(push.stdout)")
        #expect(try fixture.run("push").stdout.hasPrefix("origin (file://\(remote)) is up to date: head 2 ("))

        let clonePath = fixture.directory.appendingPathComponent("clone.db").path
        let clone = try fixture.runArguments(["clone", "file://\(remote)", clonePath])
        #expect(clone.status == 0, "\(clone.stderr)")
        #expect(try fixture.runArguments(["cat", "/h.txt", "--pond", clonePath]).stdout == "hello\n")
        #expect(try fixture.runArguments(["remote", "list", "--pond", clonePath]).stdout == "origin\tfile://\(remote)\n")

        #expect(try fixture.run("mkdir", "/more").status == 0)
        #expect(try fixture.run("push").status == 0)
        let pull = try fixture.runArguments(["pull", "--pond", clonePath])
        #expect(pull.status == 0 && pull.stdout.hasPrefix("pulled from origin (file://\(remote)) version 3: "), "\(pull.stdout)\(pull.stderr)")
        let verify = try fixture.runArguments(["verify", "--pond", clonePath])
        #expect(verify.status == 0 && verify.stdout.contains("verified: head 3 ("), "\(verify.stdout)\(verify.stderr)")
        let status = { (path: String) in try fixture.runArguments(["status", "--pond", path]).stdout.split(separator: "\n").filter { $0.hasPrefix("head") } }
        #expect(try status(fixture.pondPath) == (try status(clonePath)))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: ProgressTests.script), "needs script(1) for a terminal"))
    func progressOnATerminalOnly() throws {
        let fixture = try CLIFixture()
        try Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) })
            .write(to: fixture.directory.appendingPathComponent("big.bin"))
        #expect(try fixture.run("copy", "big.bin", "/big.bin").status == 0)
        let remote = fixture.directory.appendingPathComponent("remote").path
        #expect(try fixture.run("remote", "add", "origin", "file://\(remote)").status == 0)
        let shown = try ProgressTests.onATerminal(fixture, ["push"])
        #expect(shown.contains("pushing: 1 packs, ") && shown.contains("pushed to origin"), "\(shown)")
        let clonePath = fixture.directory.appendingPathComponent("clone.db").path
        let piped = try fixture.runArguments(["clone", "file://\(remote)", clonePath])
        #expect(piped.status == 0 && piped.stderr.isEmpty, "\(piped.stderr)")
    }

    @Test func mistakesAreOneLineAndChangeNothing() throws {
        let fixture = try CLIFixture()
        let none = try fixture.run("push")
        #expect(none.status == 1 && none.stderr == "Error: this pond has no remote (pond remote add NAME URL names one)\n")
        let bad = try fixture.run("remote", "add", "x", "ftp://host/dir")
        #expect(bad.status == 1 && bad.stderr.contains("a remote is file:///dir or s3://bucket/prefix"))
        let clear = try fixture.run("remote", "add", "x", "s3://bucket/p", "--endpoint", "http://example.com:9000")
        #expect(clear.status == 1 && clear.stderr.contains("only on a loopback address"))
        #expect(try fixture.run("remote", "list").stdout == "")
        #expect(try fixture.run("remote", "add", "x", "file:///tmp/nowhere-\(UUID())").status == 0)
        let twice = try fixture.run("remote", "add", "x", "file:///tmp/elsewhere")
        #expect(twice.status == 1 && twice.stderr.contains("a remote named 'x' exists already"))
        let empty = try fixture.run("pull")
        #expect(empty.status == 1 && empty.stderr.hasPrefix("Error: file:///tmp/nowhere-") && empty.stderr.hasSuffix("holds no pond (no head.json); push to it first\n"))
        let missing = try fixture.run("push", "nosuch")
        #expect(missing.status == 1 && missing.stderr.contains("no remote named 'nosuch'"))
        let target = fixture.directory.appendingPathComponent("exists.db")
        try Data("x".utf8).write(to: target)
        let clobber = try fixture.runArguments(["clone", "file:///tmp/x", target.path])
        #expect(clobber.status == 1)
        #expect(try Data(contentsOf: target) == Data("x".utf8))
        let nowhere = try fixture.runArguments(["clone", "file:///tmp/x", "/nonexistent-\(UUID())/x.db"])
        #expect(nowhere.status == 1 && nowhere.stderr.contains(": no such directory /nonexistent-"), "\(nowhere.stderr)")
        #expect(try fixture.run("remote", "remove", "x").status == 0)
        #expect(try fixture.run("remote", "remove", "x").status == 1)
    }

    /// Two `pond push` processes at once, five times: one wins each time,
    /// the other is refused in one line, and the remote is the winner's.
    @Test func ofTwoPushingProcessesOneWins() throws {
        let fixture = try CLIFixture()
        let remote = "file://" + fixture.directory.appendingPathComponent("remote").path
        #expect(try fixture.run("remote", "add", "origin", remote).status == 0)
        #expect(try fixture.run("push").status == 0)
        for round in 0..<5 {
            let paths = ["x", "y"].map { fixture.directory.appendingPathComponent("\($0)\(round).db").path }
            for (index, path) in paths.enumerated() {
                #expect(try fixture.runArguments(["clone", remote, path]).status == 0)
                #expect(try fixture.runArguments(["mkdir", "/round\(round)-racer\(index)", "--pond", path]).status == 0)
            }
            let processes = try paths.map { path -> (Process, Pipe) in
                let process = Process()
                process.executableURL = CLIFixture.binary
                process.arguments = ["push", "--pond", path]
                let errors = Pipe()
                process.standardOutput = FileHandle.nullDevice
                process.standardError = errors
                try process.run()
                return (process, errors)
            }
            var statuses: [Int32] = []
            var messages: [String] = []
            for (process, errors) in processes {
                let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                statuses.append(process.terminationStatus)
                messages.append(text)
            }
            #expect(statuses.sorted() == [0, 1], "round \(round): \(statuses) \(messages)")
            let loser = messages.first { !$0.isEmpty } ?? ""
            #expect(loser.contains("remote moved") || loser.contains("has versions this pond lacks") || loser.contains("diverged"),
                    "round \(round): \(loser)")
            #expect(loser.split(separator: "\n").count == 1)
            let winner = paths[statuses.firstIndex(of: 0) ?? 0]
            let verify = try fixture.runArguments(["verify", "--pond", winner])
            #expect(verify.status == 0, "round \(round): \(verify.stderr)")
            #expect(try fixture.run("pull").status == 0)
        }
    }

    /// SIGKILL at random moments of a push of a 24 MiB pond: the remote is
    /// always as it was (no head, or a whole one that verifies), and the
    /// next push completes it.
    @Test func aPushKilledAnywhereIsCompletedByTheNext() throws {
        let fixture = try CLIFixture()
        let remote = fixture.directory.appendingPathComponent("remote").path
        var bytes = [UInt8](repeating: 0, count: 24 << 20)
        var state: UInt64 = 42
        for index in bytes.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        try Data(bytes).write(to: fixture.directory.appendingPathComponent("big.bin"))
        #expect(try fixture.run("copy", "big.bin", "/big.bin").status == 0)
        #expect(try fixture.run("remote", "add", "origin", "file://\(remote)").status == 0)
        var killed = 0
        for round in 0..<6 {
            if try CLIFixture.runAndKill(["push", "--pond", fixture.pondPath], in: fixture.directory,
                                         after: Double(round) * 0.03 + 0.01) { killed += 1 }
            let verify = try fixture.run("verify")
            let consistent = verify.status == 0 || verify.stderr.contains("holds no pond")
            #expect(consistent, "round \(round): \(verify.stderr)")
        }
        #expect(killed > 0, "no push was still running when killed")
        let push = try fixture.run("push")
        #expect(push.status == 0, "\(push.stderr)")
        #expect(try fixture.run("verify").status == 0)
        let clonePath = fixture.directory.appendingPathComponent("clone.db").path
        #expect(try fixture.runArguments(["clone", "file://\(remote)", clonePath]).status == 0)
        let heads = { (path: String) in try fixture.runArguments(["status", "--pond", path]).stdout.split(separator: "\n").filter { $0.hasPrefix("head") } }
        #expect(try heads(clonePath) == (try heads(fixture.pondPath)))
        #expect(try fixture.runArguments(["fsck", "--pond", clonePath]).status == 0)
        // Each killed push's staging directory went with the next run.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).filter { $0.contains(".remote-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
