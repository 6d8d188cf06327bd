import Foundation
import Testing

/// Mutating commands killed with SIGKILL at random moments: after every kill
/// the pond checks clean, and its head is the tree before the command or the
/// whole command's result, never part of it.
///
/// A reference pond runs every command to completion first; the pond under
/// test runs it again and is killed after a random fraction of the time the
/// reference took. If the kill came before the commit, the command is then
/// run to completion so that both ponds go on in step. Quick mode: 50
/// kills; `POND_LONG=1`: 500, on fresh ponds every 50.
struct CrashTests {
    /// The commands, in turn; `i` makes each one's paths new.
    static func command(_ i: Int, _ host: URL) -> (setup: [[String]], command: [String]) {
        let src = host.appendingPathComponent("src").path
        let big = host.appendingPathComponent("big.bin").path
        switch i % 6 {
        case 0: return ([], ["copy", src, "/copy\(i)"])
        case 1: return ([], ["copy", big, "/big\(i)"])
        case 2: return ([], ["mkdir", "-p", "/m\(i)/a/b", "/m\(i)/c", "/m\(i)/d/e"])
        case 3: return ([["copy", src, "/victim\(i)"]], ["rm", "-r", "/victim\(i)"])
        case 4: return ([["copy", src, "/from\(i)"]], ["mv", "/from\(i)", "/to\(i)"])
        default: return ([], ["batch", host.appendingPathComponent("batch\(i).txt").path])
        }
    }

    /// Every path at head with its type and content hash: the tree, as
    /// plain text, compared by value.
    static func tree(_ pond: String) throws -> String {
        let result = try CLIFixture.runDetached([
            "sql", """
            SELECT p.path, p.type, coalesce(hex((SELECT sha256 FROM file_contents f WHERE f.node_id = p.node_id
                                                 ORDER BY version DESC LIMIT 1)), '')
            FROM paths p ORDER BY p.path
            """, "--format", "csv", "--pond", pond])
        guard result.status == 0 else { throw CrashFailure(message: "sql failed: \(result.stderr)") }
        return result.stdout
    }

    struct CrashFailure: Error { let message: String }

    @Test func killedCommandsLeaveTheOldTreeOrTheWholeNewOne() throws {
        let fixture = try CLIFixture()
        let host = fixture.directory
        for file in 0..<120 {
            try fixture.hostFile("src/dir\(file % 6)/f\(file).csv", String(repeating: "\(file),reading\n", count: 20 + file))
        }
        var big = [UInt8](repeating: 0, count: 3 * 1024 * 1024)
        for index in big.indices { big[index] = UInt8(truncatingIfNeeded: (index &* 2_654_435_761) >> 11) }
        try Data(big).write(to: host.appendingPathComponent("big.bin"))
        let reference = host.appendingPathComponent("reference.db").path
        #expect(try CLIFixture.runDetached(["init", "--pond", reference], in: host).status == 0)

        let kills = LongMode.isOn ? 500 : 50
        var killed = 0, completed = 0, committedWhenKilled = 0, lostBeforeCommit = 0, torn = 0, fsckFailures = 0
        var lostCommits = 0
        var i = 0, lastRestart = 0
        var generator = SeededGenerator()
        while killed < kills {
            // Every 50 kills, both ponds start over: each check reads the whole
            // pond, so a pond that grew for 500 kills would make it quadratic.
            if i > 0 && killed % 50 == 0 && killed != lastRestart {
                lastRestart = killed
                for pond in [fixture.pondPath, reference] {
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: pond + suffix) }
                    #expect(try CLIFixture.runDetached(["init", "--pond", pond], in: host).status == 0)
                }
            }
            let (setup, command) = CrashTests.command(i, host)
            try fixture.hostFile("batch\(i).txt", """
                mkdir -p /b\(i)/x
                copy src /b\(i)/x/src
                rm -r /b\(i)/x/src/dir1
                mv /b\(i)/x /b\(i)/y
                copy big.bin /b\(i)/big

                """)
            i += 1
            for pond in [fixture.pondPath, reference] {
                for step in setup {
                    let result = try CLIFixture.runDetached(step + ["--pond", pond], in: host)
                    #expect(result.status == 0, "\(step): \(result.stderr)")
                }
            }
            let before = try CrashTests.tree(fixture.pondPath)
            let head = try fixture.headVersion()
            let started = Date()
            let done = try CLIFixture.runDetached(command + ["--pond", reference], in: host)
            #expect(done.status == 0, "\(command): \(done.stderr)")
            let duration = Date().timeIntervalSince(started)
            let after = try CrashTests.tree(reference)

            let delay = Double.random(in: 0...(duration * 1.1), using: &generator)
            let wasKilled = try CLIFixture.runAndKill(command + ["--pond", fixture.pondPath], in: host, after: delay)
            let check = try fixture.run("fsck")
            if check.status != 0 {
                fsckFailures += 1
                Issue.record("fsck after killing \(command) at \(delay) s: \(check.stderr)")
            }
            let newHead = try fixture.headVersion()
            let now = try CrashTests.tree(fixture.pondPath)
            if wasKilled { killed += 1 } else { completed += 1 }
            if newHead == head + 1 && now == after {
                if wasKilled { committedWhenKilled += 1 }
            } else if !wasKilled {
                // It finished and said so (exit 0), yet its version is not the whole new tree.
                lostCommits += 1
                Issue.record("\(command) finished, but the pond is at \(newHead) (was \(head)) and not its tree (seed \(generator.seed))")
                break
            } else if newHead == head && now == before {
                lostBeforeCommit += 1
                let rerun = try CLIFixture.runDetached(command + ["--pond", fixture.pondPath], in: host)
                #expect(rerun.status == 0, "\(command) after the kill: \(rerun.stderr)")
            } else {
                torn += 1
                Issue.record("after killing \(command) (\(delay) s): head \(head) -> \(newHead), tree neither the old one nor the new one (seed \(generator.seed))")
                break
            }
        }
        print("crash: \(killed) kills (\(committedWhenKilled) after the commit, \(lostBeforeCommit) before it: "
              + "the command's version not made, as expected), \(completed) runs finished before their kill, "
              + "\(lostCommits) lost commits, \(torn) torn versions, \(fsckFailures) fsck failures (seed \(generator.seed))")
        #expect(torn == 0 && fsckFailures == 0 && lostCommits == 0)
    }
}

extension CLIFixture {
    /// Starts `pond ARGUMENTS`, sends it SIGKILL after `delay` seconds.
    /// - Returns: whether the kill found it still running.
    static func runAndKill(_ arguments: [String], in directory: URL, after delay: TimeInterval) throws -> Bool {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }
}
