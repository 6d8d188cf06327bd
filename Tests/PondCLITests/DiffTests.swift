import Foundation
import Testing

/// `pond diff` that answers questions: moves, paths, line diffs, --stat, --name-only, --exit-code, --json.
@Suite struct DiffTests {
    /// 2: /proj with 200 files and notes.txt; 3: /proj renamed /renamed; 4: notes.txt edited.
    static func pond() throws -> CLIFixture {
        let fixture = try CLIFixture()
        for i in 0..<200 { try fixture.hostFile("proj/data/f\(i).csv", "row \(i)\n") }
        try fixture.hostFile("proj/notes.txt", "a\nb\nc\nd\ne\nf\ng\nh\n")
        #expect(try fixture.run("copy", "proj", "/proj").status == 0)
        #expect(try fixture.run("mv", "/proj", "/renamed").status == 0)
        #expect(try fixture.run("copy", "-", "/renamed/notes.txt", stdin: Data("a\nb\nC\nd\ne\nf\ng\nh\ni\n".utf8)).status == 0)
        return fixture
    }

    @Test func renamingADirectoryIsOneLine() throws {
        let fixture = try DiffTests.pond()
        #expect(try fixture.run("diff", "2", "3").stdout == "R /proj -> /renamed\n")
        let json = try fixture.json("diff", "2", "3", "--json") as? [[String: Any]] ?? []
        #expect(json.count == 1 && json[0]["change"] as? String == "moved" && json[0]["from"] as? String == "/proj"
                && json[0]["path"] as? String == "/renamed")
    }

    @Test func pathsLimitTheDiffAndTextFilesGetAUnifiedDiff() throws {
        let fixture = try DiffTests.pond()
        #expect(try fixture.run("diff", "2", "/renamed/notes.txt").stdout == """
            ~ /renamed/notes.txt
            --- a/proj/notes.txt
            +++ b/renamed/notes.txt
            @@ -1,8 +1,9 @@
             a
             b
            -c
            +C
             d
             e
             f
             g
             h
            +i

            """)
        #expect(try fixture.run("diff", "3", "head", "/renamed/data").stdout == "")
    }

    @Test func binaryFilesAreNamedNotShown() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/b", stdin: Data([0, 1, 2])).status == 0)
        #expect(try fixture.run("copy", "-", "/b", stdin: Data([0, 1, 3])).status == 0)
        #expect(try fixture.run("diff", "2", "/b").stdout == "~ /b\nBinary files a/b and b/b differ\n")
    }

    @Test func statNameOnlyAndExitCode() throws {
        let fixture = try DiffTests.pond()
        #expect(try fixture.run("diff", "3", "--stat").stdout == "~ /renamed/notes.txt  16 -> 18 bytes\n1 path differs: 1 modified\n")
        #expect(try fixture.run("diff", "2", "--name-only").stdout == "/renamed\n/renamed/notes.txt\n")
        #expect(try fixture.run("diff", "3", "--exit-code").status == 1)
        #expect(try fixture.run("diff", "4", "--exit-code").status == 0)
        let stat = try fixture.json("diff", "3", "--stat", "--json") as? [[String: Any]] ?? []
        #expect(stat.first?["size_before"] as? Int == 16 && stat.first?["size_after"] as? Int == 18)
    }

    @Test func aReplacedPathIsModifiedAndARemovalIsRemoved() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/a", stdin: Data("1".utf8)).status == 0)
        #expect(try fixture.run("copy", "-", "/b", stdin: Data("2".utf8)).status == 0)
        #expect(try fixture.run("rm", "/a").status == 0)
        #expect(try fixture.run("mv", "/b", "/c").status == 0)
        #expect(try fixture.run("diff", "3").stdout == "- /a\nR /b -> /c\n")
    }

    @Test func aFileOverTheLineDiffLimitIsNamedNotSkippedSilently() throws {
        let fixture = try CLIFixture()
        var big = Data((0..<(9 << 20)).map { UInt8(ascii: "a") + UInt8($0 % 26) })
        #expect(try fixture.run("copy", "-", "/big.txt", stdin: big).status == 0)
        big.append(contentsOf: Array("\nmore\n".utf8))
        #expect(try fixture.run("copy", "-", "/big.txt", stdin: big).status == 0)
        #expect(try fixture.run("diff", "2", "3", "/big.txt").stdout
                == "~ /big.txt\nNo line diff of /big.txt: a version of it is over 8 MiB (pond cat both versions to compare them)\n")
    }
}
