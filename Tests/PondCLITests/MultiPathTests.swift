import Foundation
import Testing

/// Several paths and globs where users expect them: rm, cat, describe, list.
@Suite struct MultiPathTests {
    static func pond() throws -> CLIFixture {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "-p", "/d/e").status == 0)
        for (path, text) in [("/d/a.csv", "a\n"), ("/d/b.csv", "b\n"), ("/d/c.txt", "c\n"), ("/d/e/f.csv", "f\n")] {
            #expect(try fixture.run("copy", "-", path, stdin: Data(text.utf8)).status == 0)
        }
        return fixture
    }

    @Test func catConcatenatesPathsAndGlobsInOrder() throws {
        let fixture = try MultiPathTests.pond()
        #expect(try fixture.run("cat", "/d/c.txt", "/d/*.csv").stdout == "c\na\nb\n")
        #expect(try fixture.run("cat", "/d/**/*.csv").stdout == "a\nb\nf\n")
        let missing = try fixture.run("cat", "/d/a.csv", "/d/*.bin")
        #expect(missing.status == 1 && missing.stdout.isEmpty && missing.stderr == "Error: no match: /d/*.bin\n")
    }

    @Test func rmTakesGlobsAsOneVersionAndAGlobMatchingNothingIsAnError() throws {
        let fixture = try MultiPathTests.pond()
        let head = try fixture.headVersion()
        let none = try fixture.run("rm", "/d/c.txt", "/d/*.bin")
        #expect(none.status == 1 && none.stderr == "Error: no match: /d/*.bin\n")
        #expect(try fixture.headVersion() == head)
        #expect(try fixture.run("rm", "/d/*.csv", "/d/c.txt").status == 0)
        #expect(try fixture.headVersion() == head + 1)
        #expect(try fixture.run("list").stdout == "/d\n/d/e\n/d/e/f.csv\n")
        // A directory and something inside it: the directory takes it along.
        #expect(try fixture.run("rm", "-r", "/d", "/d/e/f.csv").status == 0)
        #expect(try fixture.run("list").stdout == "")
    }

    @Test func describeTakesSeveralPaths() throws {
        let fixture = try MultiPathTests.pond()
        let one = try fixture.json("describe", "/d/a.csv", "--json") as? [String: Any]
        #expect(one?["path"] as? String == "/d/a.csv")
        let several = try fixture.json("describe", "/d/*.csv", "/d/c.txt", "--json") as? [[String: Any]] ?? []
        #expect(several.map { $0["path"] as? String ?? "" } == ["/d/a.csv", "/d/b.csv", "/d/c.txt"])
        let text = try fixture.run("describe", "/d/a.csv", "/d/e").stdout
        #expect(text.components(separatedBy: "\n\n").count == 2 && text.hasPrefix("path:     /d/a.csv\n"))
    }

    @Test func listTakesSeveralPatternsEachPathOnce() throws {
        let fixture = try MultiPathTests.pond()
        #expect(try fixture.run("list", "/d/*.csv", "/d/a.csv", "/d/e/").stdout == "/d/a.csv\n/d/b.csv\n/d/e/f.csv\n")
    }
}
