import Foundation
import Testing

/// `pond prune`: space back, history kept, pruned reads named, shared bytes kept.
@Suite struct PruneTests {
    /// Deterministic letters (from `seed`): text, so that the CLI's output compares as it is.
    static func bytes(_ count: Int, seed: UInt64) -> Data {
        var generator = SeededGenerator(seed: seed)
        return Data((0..<count).map { _ in 0x61 + UInt8(generator.next() % 26) })
    }

    /// Versions 2-6: /big.bin rewritten with five different 1 MiB contents
    /// (the first also copied to /keep.bin at version 7); /log.csv grown by appends at 2-6.
    static func pond() throws -> (CLIFixture, [Data], [Data]) {
        let fixture = try CLIFixture()
        var contents: [Data] = [], logs: [Data] = []
        var log = Data()
        for round in 0..<5 {
            let content = bytes(1 << 20, seed: UInt64(round) + 1)
            log += bytes(200_000, seed: UInt64(round) + 100)
            contents.append(content)
            logs.append(log)
            try content.write(to: fixture.directory.appendingPathComponent("big.bin"))
            try log.write(to: fixture.directory.appendingPathComponent("log.csv"))
            #expect(try fixture.run("copy", "big.bin", "log.csv", "/").status == 0)
        }
        #expect(try fixture.run("copy", "-", "/keep.bin", stdin: contents[0]).status == 0)
        return (fixture, contents, logs)
    }

    static func fileSize(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    @Test func pruneFreesTheOldBytesAndKeepsHistoryAndWhatIsShared() throws {
        let (fixture, contents, logs) = try PruneTests.pond()
        let before = PruneTests.fileSize(fixture.pondPath)
        let result = try fixture.run("prune", "--keep-last", "2")
        #expect(result.status == 0, "\(result.stderr)")
        // Versions 6 and 7 are kept: /big.bin's 3 middle contents go (the first is /keep.bin's too).
        // and /log.csv's 4 older versions (only the chunks no later version shares go).
        #expect(result.stdout.hasPrefix("pruned 7 file versions (written in versions 2-5) as version 8, freeing "), "\(result.stdout)")
        let after = PruneTests.fileSize(fixture.pondPath)
        #expect(after < before - 3 * (1 << 20), "file \(before) -> \(after) bytes")
        // Kept versions read exactly as before; the shared first content too.
        #expect(Data(try fixture.run("cat", "/big.bin").stdout.utf8) == contents[4])
        #expect(Data(try fixture.run("cat", "/big.bin", "--at", "2").stdout.utf8) == contents[0])
        #expect(Data(try fixture.run("cat", "/keep.bin").stdout.utf8) == contents[0])
        // The growing log shares its chunks across versions: its old versions lose only what no later one has.
        #expect(Data(try fixture.run("cat", "/log.csv").stdout.utf8) == logs[4])
        // A pruned version's bytes are one clear error.
        let pruned = try fixture.run("cat", "/big.bin", "--at", "4")
        #expect(pruned.status == 1 && pruned.stdout.isEmpty)
        #expect(pruned.stderr.hasPrefix("Error: /big.bin at version 4 was pruned: version 8 ("), "\(pruned.stderr)")
        // History, diff, list --at, describe, log and fsck work at every version.
        #expect(try fixture.run("diff", "3", "4").stdout == "~ /big.bin\n~ /log.csv\n")
        #expect(try fixture.run("list", "--at", "3").stdout == "/big.bin\n/log.csv\n")
        let described = try fixture.json("describe", "/big.bin", "--at", "4", "--json") as? [String: Any] ?? [:]
        #expect(described["size"] as? Int == 1 << 20 && described["version"] as? Int == 4)
        #expect(try fixture.run("history", "/big.bin").stdout.split(separator: "\n").count == 7)
        let log = try fixture.json("log", "--json") as? [[String: Any]] ?? []
        let command: String = log.first?["command"] as? String ?? ""
        #expect(log.first?["version"] as? Int == 8 && command.hasSuffix("prune --keep-last 2 --pond \(fixture.pondPath)"))
        let check = try fixture.run("fsck")
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("ok: \(fixture.pondPath), 8 versions checked\npruned: "))
        let status = try fixture.json("status", "--json") as? [String: Any] ?? [:]
        #expect((status["pruned_file_versions"] as? Int ?? 0) >= 3)
        #expect((status["stored_bytes"] as? Int ?? 0) < 3 * (1 << 20))
        // Nothing more to prune: no version.
        let again = try fixture.run("prune", "--keep-last", "2")
        #expect(again.stdout.hasPrefix("nothing to prune"))
        #expect(try fixture.headVersion() == 8)
    }

    @Test func aDryRunChangesNothing() throws {
        let (fixture, _, _) = try PruneTests.pond()
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture.pondPath))
        let result = try fixture.run("prune", "--before", "head~1", "--dry-run")
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("would prune 7 file versions (written in versions 2-5), freeing "), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("nothing was changed\n"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.pondPath)) == before)
        #expect(try fixture.headVersion() == 7)
    }

    @Test func bytesCopiedInAgainAfterAPruneAreReadable() throws {
        let (fixture, contents, _) = try PruneTests.pond()
        #expect(try fixture.run("prune", "--keep-last", "1").status == 0)
        #expect(try fixture.run("copy", "-", "/again.bin", stdin: contents[2]).status == 0)
        #expect(Data(try fixture.run("cat", "/again.bin").stdout.utf8) == contents[2])
        // The old version that wrote those bytes reads again too: the bytes are the same.
        #expect(Data(try fixture.run("cat", "/big.bin", "--at", "4").stdout.utf8) == contents[2])
        #expect(try fixture.run("fsck").status == 0)
    }

    @Test func fsckStillFindsRealDamageAfterAPrune() throws {
        let (fixture, _, _) = try PruneTests.pond()
        #expect(try fixture.run("prune", "--keep-last", "1").status == 0)
        try FsckTests.sqlite(fixture.pondPath, """
            UPDATE chunks SET data = CAST(substr(data, 1, 10) || 'X' || substr(data, 12) AS BLOB)
            WHERE hash = (SELECT chunk FROM content_chunks ORDER BY content, offset LIMIT 1)
            """)
        let check = try fixture.run("fsck")
        #expect(check.status == 1)
        #expect(check.stderr.contains("does not match its SHA-256"), "\(check.stderr)")
    }

    @Test(arguments: [
        (["prune"], Int32(64), "Error: pond prune needs a rule of what to keep"),
        (["prune", "--keep-last", "0"], 64, "Error: --keep-last must keep at least 1 version"),
        (["prune", "--keep-within", "30x"], 64, "Error: The value '30x' is invalid for '--keep-within <duration>'"),
        (["prune", "--before", "99"], 1, "Error: no version 99: the head is version 7"),
    ])
    func badRulesAreRefusedAndChangeNothing(arguments: [String], status: Int32, message: String) throws {
        let (fixture, _, _) = try PruneTests.pond()
        let result = try fixture.runArguments(arguments + ["--pond", fixture.pondPath])
        #expect(result.status == status)
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
        #expect(try fixture.headVersion() == 7)
    }

    @Test func keepWithinKeepsWhatWasCommittedInThatTime() throws {
        let (fixture, _, _) = try PruneTests.pond()
        // Everything was committed seconds ago: a day keeps it all.
        #expect(try fixture.run("prune", "--keep-within", "1d").stdout.hasPrefix("nothing to prune: versions 1 to head"))
        #expect(try fixture.headVersion() == 7)
    }

    @Test func aPruneKilledAtAnyMomentLeavesAllOrNothing() throws {
        var generator = SeededGenerator()
        let kills = LongMode.isOn ? 40 : 8
        var killed = 0, committed = 0, untouched = 0
        for round in 0..<kills {
            let (fixture, contents, _) = try PruneTests.pond()
            // How long a whole prune takes here, on a copy.
            let copy = fixture.directory.appendingPathComponent("copy.db").path
            try FileManager.default.copyItem(atPath: fixture.pondPath, toPath: copy)
            let started = Date()
            #expect(try fixture.runArguments(["prune", "--keep-last", "1", "--pond", copy]).status == 0)
            let duration = Date().timeIntervalSince(started)
            let delay = Double.random(in: 0...(duration * 1.2), using: &generator)
            if try CLIFixture.runAndKill(["prune", "--keep-last", "1", "--pond", fixture.pondPath], in: fixture.directory,
                                         after: delay) { killed += 1 }
            let check = try fixture.run("fsck")
            #expect(check.status == 0, "round \(round) (seed \(generator.seed)): \(check.stderr)")
            #expect(Data(try fixture.run("cat", "/big.bin").stdout.utf8) == contents[4])
            switch try fixture.headVersion() {
            case 8:
                committed += 1
                #expect(try fixture.run("cat", "/big.bin", "--at", "3").status == 1)
            case 7:
                untouched += 1
                #expect(Data(try fixture.run("cat", "/big.bin", "--at", "3").stdout.utf8) == contents[1])
            case let head:
                Issue.record("round \(round): head \(head) after a killed prune (seed \(generator.seed))")
            }
        }
        print("prune crash: \(kills) runs, \(killed) killed: \(committed) left the prune whole, \(untouched) left the pond as it was (seed \(generator.seed))")
    }
}
