@testable import PondCLI
import Foundation
import Testing

/// Output that reads well: list --long, JSON ids and nested data, fsck --json.
@Suite struct OutputTests {
    @Test func listLongShowsTimesTargetsAndRightAlignedSizes() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/big", stdin: Data(repeating: 65, count: 3 * 1024 * 1024)).status == 0)
        #expect(try fixture.run("copy", "-", "/s", stdin: Data("ab".utf8)).status == 0)
        #expect(try fixture.run("ln", "-s", "big", "/l").status == 0)
        let times = (try fixture.json("log", "--json") as? [[String: Any]] ?? []).reduce(into: [Int: String]()) {
            $0[$1["version"] as! Int] = $1["time"] as? String
        }
        #expect(try fixture.run("list", "--long").stdout == """
            file     3145728  2  \(times[2]!)  /big
            symlink        3  4  \(times[4]!)  /l -> big
            file           2  3  \(times[3]!)  /s

            """)
        #expect(try fixture.run("list", "-l", "--human").stdout.hasPrefix("file     3.0M  2  "))
    }

    @Test func showGivesIdsAsHexAndPayloadsAsJSON() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "/d").status == 0)
        let rows = try fixture.json("show", "--since", "2", "--json") as? [[String: Any]] ?? []
        let link = try #require(rows.first { $0["kind"] as? String == "link" })
        #expect(link["node_id"] as? String == "0000000000000001" && link["part_id"] as? String == "0000000000000000")
        let payload = try #require(link["payload"] as? [String: Any])
        #expect(payload["name"] as? String == "d" && payload["type"] as? String == "directory")
    }

    @Test func fsckJSONIsOneObjectWithItsFindings() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("abc".utf8)).status == 0)
        let clean = try fixture.json("fsck", "--json") as? [String: Any] ?? [:]
        #expect(clean["ok"] as? Bool == true && clean["versions"] as? Int == 2 && (clean["findings"] as? [Any])?.isEmpty == true)
        try FsckTests.sqlite(fixture.pondPath, "UPDATE chunks SET data = x'616264'")
        let result = try fixture.run("fsck", "--json")
        #expect(result.status == 1)
        let damaged = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let findings = damaged["findings"] as? [[String: Any]] ?? []
        #expect(damaged["ok"] as? Bool == false && findings.count == 2)
        #expect(findings[0]["path"] as? String == "/f" && findings[0]["node_id"] as? String == "0000000000000001")
        #expect(findings[0]["version"] as? Int == 2)
    }
}

/// `list --json` writes its array by hand; each string must be what JSONSerialization writes.
struct JSONStringTests {
    @Test func everyStringIsWrittenAsJSONSerializationWritesIt() throws {
        var random = SeededGenerator()
        let alphabet: [Character] = ["a", "/", "\"", "\\", "\n", "\t", "\u{1}", "\u{1F}", "\u{7F}", "é", "e\u{301}", "😀", " ", "\r", "\u{8}", "\u{C}"]
        for _ in 0..<500 {
            let text = String((0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            let expected = try json([text])
            #expect("[" + jsonString(text) + "]\n" == expected, "seed \(random.seed): \(text.debugDescription)")
        }
    }
}
