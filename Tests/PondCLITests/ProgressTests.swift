import Foundation
import Testing

/// Progress on a terminal: bytes done of the total, rate, time left; nothing in scripts.
@Suite struct ProgressTests {
    static let script = "/usr/bin/script"

    /// Runs `pond ARGUMENTS` with a terminal for its output (script(1)), progress shown at once.
    static func onATerminal(_ fixture: CLIFixture, _ arguments: [String]) throws -> String {
        let line = ([CLIFixture.binary.path] + arguments + ["--pond", fixture.pondPath]).map { "'\($0)'" }.joined(separator: " ")
        let result = try CLIFixture.runDetachedExecutable(script, ["-qc", line, "/dev/null"], in: fixture.directory,
                                                          environment: ["POND_PROGRESS_DELAY": "0"])
        return result.stdout
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: script), "needs script(1) for a terminal"))
    func copyInAndOutShowBytesOfTheTotalOnATerminalOnly() throws {
        let fixture = try CLIFixture()
        try Data(repeating: 7, count: 3 << 20).write(to: fixture.directory.appendingPathComponent("big.bin"))
        let copyIn = try ProgressTests.onATerminal(fixture, ["copy", fixture.directory.appendingPathComponent("big.bin").path, "/big"])
        #expect(copyIn.contains("copied 1 files, 3.0 of 3.0 MiB (100%)") && copyIn.contains("MiB/s"), "\(copyIn)")
        let out = fixture.directory.appendingPathComponent("out").path
        let copyOut = try ProgressTests.onATerminal(fixture, ["copy", "/big", "host://" + out])
        #expect(copyOut.contains("copied out 1 files, 3.0 of 3.0 MiB (100%)"), "\(copyOut)")
        // Not a terminal: nothing on standard error.
        let piped = try fixture.run("copy", "/big", "host://" + out + "2", environment: ["POND_PROGRESS_DELAY": "0"])
        #expect(piped.status == 0 && piped.stderr.isEmpty)
    }
}
