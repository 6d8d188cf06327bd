import Foundation
import Testing

/// Why a version was made: -m beside the command line, a batch's lines, and the chain over both.
@Suite struct ProvenanceTests {
    @Test func aMessageIsKeptBesideTheCommandLine() throws {
        let fixture = try CLIFixture()
        let made = try fixture.run("mkdir", "/a", "-m", "sensors go here")
        #expect(made.status == 0 && made.stderr.isEmpty)  // standard error is no terminal here: nothing said
        let log = try fixture.json("log", "--json", "--limit", "1") as? [[String: Any]] ?? []
        #expect(log.first?["message"] as? String == "sensors go here")
        let command: String = log.first?["command"] as? String ?? ""
        #expect(command.hasPrefix("pond mkdir /a -m 'sensors go here'"))
        #expect(try fixture.run("log", "--limit", "1").stdout.hasSuffix("  # sensors go here\n"))
        #expect(try fixture.run("sql", "SELECT message FROM transactions WHERE version = 2", "--format", "csv").stdout
                == "message\nsensors go here\n")
        #expect(try fixture.run("fsck").status == 0)
        // The chain covers the message: changing it behind Pond's back is found.
        try FsckTests.sqlite(fixture.pondPath, "UPDATE versions SET message = 'other' WHERE version = 2")
        let check = try fixture.run("fsck")
        #expect(check.status == 1 && check.stderr.contains("version 2: hash chain broken"))
    }

    @Test func aBatchRecordsItsLines() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("b.txt", "mkdir /b\n# a comment\ntouch /b/x\n")
        #expect(try fixture.run("batch", fixture.directory.appendingPathComponent("b.txt").path, "-m", "set up").status == 0)
        let log = try fixture.json("log", "--json", "--limit", "1") as? [[String: Any]] ?? []
        let command: String = log.first?["command"] as? String ?? ""
        #expect(command.hasSuffix(": mkdir /b; touch /b/x"))
        #expect(log.first?["message"] as? String == "set up")
    }

    @Test func everyCommandThatWritesTakesAMessage() throws {
        let fixture = try CLIFixture()
        let commands: [[String]] = [["mkdir", "/d"], ["touch", "/d/t"], ["ln", "-s", "t", "/d/l"], ["mv", "/d/l", "/d/m"],
                                    ["rm", "/d/m"], ["restore", "/d/m", "--at", "5"], ["prune", "--keep-last", "1"]]
        for (i, command) in commands.enumerated() {
            let result = try fixture.runArguments(command + ["-m", "step \(i)", "--pond", fixture.pondPath])
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        try fixture.hostFile("f.txt", "x")
        #expect(try fixture.run("copy", fixture.directory.appendingPathComponent("f.txt").path, "/f", "-m", "copied").status == 0)
        let messages = (try fixture.json("log", "--json") as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(messages.first == "copied" && messages.contains("step 5"))
    }
}
