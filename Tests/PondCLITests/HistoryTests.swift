import Foundation
import Testing

/// `pond history` in paths people read, and `pond log PATH`.
@Suite struct HistoryTests {
    static func pond() throws -> CLIFixture {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "/x").status == 0)                                       // 2
        #expect(try fixture.run("copy", "-", "/x/f.txt", stdin: Data("one\n".utf8)).status == 0)  // 3
        #expect(try fixture.run("copy", "-", "/x/f.txt", stdin: Data("two\n".utf8)).status == 0)  // 4
        #expect(try fixture.run("mv", "/x", "/y").status == 0)                                    // 5: the directory moves
        #expect(try fixture.run("rm", "/y/f.txt").status == 0)                                    // 6
        return fixture
    }

    @Test func eventsNameTheirPathsSizesHashesAndCommands() throws {
        let fixture = try HistoryTests.pond()
        let events = try fixture.json("history", "/y/f.txt", "--json") as? [[String: Any]] ?? []
        #expect(events.map { "\($0["version"]!) \($0["event"]!) \($0["path"] ?? "?")" }
                == ["3 write /x/f.txt", "3 link /x/f.txt", "4 write /x/f.txt", "6 unlink /y/f.txt"])
        #expect(events[2]["size"] as? Int == 4)
        // sha256sum of "two\n"
        #expect(events[2]["sha256"] as? String == "27dd8ed44a83ff94d557f9fd0412ed5a8cbca69ea04922d88c01184a07300a5a")
        let command: String = events[3]["command"] as? String ?? ""
        #expect(command.hasPrefix("pond rm /y/f.txt"))
        let node = events[0]["node_id"] as? String ?? ""
        #expect(node.count == 16 && (events[0]["directory"] as? String)?.count == 16)
    }

    @Test func aPathGoneAtHeadIsFoundByItsLastExistence() throws {
        let fixture = try HistoryTests.pond()
        let text = try fixture.run("history", "/y/f.txt")
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5 && lines[0].hasPrefix("node "))
        #expect(lines[3].contains("write") && lines[3].contains("/x/f.txt") && lines[3].contains("27dd8ed44a83"))
        // Never there: an error, as before.
        let never = try fixture.run("history", "/y/never")
        #expect(never.status == 1 && never.stderr == "Error: no such file or directory: /y/never\n")
    }

    @Test func logOfAPathIsItsHistory() throws {
        let fixture = try HistoryTests.pond()
        #expect(try fixture.run("log", "/y/f.txt").stdout == (try fixture.run("history", "/y/f.txt").stdout))
        let last = try fixture.json("log", "/y/f.txt", "--limit", "1", "--json") as? [[String: Any]] ?? []
        #expect(last.count == 1 && last[0]["event"] as? String == "unlink")
    }

    @Test func recursiveHistoryCoversWhatHappenedInsideADirectory() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "-p", "/d/e").status == 0)                                   // 2
        #expect(try fixture.run("copy", "-", "/d/e/f.txt", stdin: Data("1\n".utf8)).status == 0)     // 3
        #expect(try fixture.run("copy", "-", "/other.txt", stdin: Data("x\n".utf8)).status == 0)     // 4
        #expect(try fixture.run("copy", "-", "/d/e/f.txt", stdin: Data("2\n".utf8)).status == 0)     // 5
        let events = try fixture.json("history", "-r", "/d", "--json") as? [[String: Any]] ?? []
        #expect(events.map { $0["version"] as? Int ?? 0 } == [2, 2, 2, 2, 3, 3, 5])
        #expect(Set(events.compactMap { $0["path"] as? String }) == ["/d", "/d/e", "/d/e/f.txt"])
        #expect(try fixture.run("history", "/d").stdout.split(separator: "\n").count == 3)  // the directory's own events only
    }
}
