import Foundation
import Testing

/// What users of cp, rsync and ln expect: ln -sf, DIR/ copies contents, copy-out times.
@Suite struct CopyHabitsTests {
    @Test func lnSfReplacesASymlinkOrAFileInOneVersionButNeverADirectory() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("ln", "-s", "a", "/l").status == 0)
        let id = (try fixture.json("describe", "/l", "--json") as? [String: Any])?["id"] as? String
        let head = try fixture.headVersion()
        #expect(try fixture.run("ln", "-sf", "b", "/l").status == 0)
        #expect(try fixture.headVersion() == head + 1)
        let after = try fixture.json("describe", "/l", "--json") as? [String: Any] ?? [:]
        #expect(after["target"] as? String == "b" && after["id"] as? String == id)  // the same node, its history kept
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("x".utf8)).status == 0)
        #expect(try fixture.run("ln", "-s", "l", "/f").stderr == "Error: already exists: /f\n")
        #expect(try fixture.run("ln", "-s", "-f", "l", "/f").status == 0)
        #expect((try fixture.json("describe", "/f", "--json") as? [String: Any])?["type"] as? String == "symlink")
        #expect(try fixture.run("mkdir", "/d").status == 0)
        let directory = try fixture.run("ln", "-sf", "l", "/d")
        #expect(directory.status == 1 && directory.stderr == "Error: already exists: /d\n")
    }

    @Test func aTrailingSlashCopiesADirectorysContents() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("src/a.csv", "a")
        try fixture.hostFile("src/sub/b.csv", "b")
        #expect(try fixture.run("mkdir", "/in", "/whole").status == 0)
        #expect(try fixture.run("copy", "src/", "/in").status == 0)
        #expect(try fixture.run("copy", "src", "/whole").status == 0)
        #expect(try fixture.run("list", "/in/", "/whole/").stdout == "/in/a.csv\n/in/sub\n/whole/src\n")
        // Contents that would land on one path: refused before anything is written.
        try fixture.hostFile("other/a.csv", "other")
        let clash = try fixture.run("copy", "src/", "other/", "/whole/")
        #expect(clash.status == 1 && clash.stderr.contains("would both be copied to /whole/a.csv"))
    }

    @Test func copyOutGivesFilesTheirVersionsCommitTime() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/old.txt", stdin: Data("old".utf8)).status == 0)
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try fixture.run("copy", "-", "/new.txt", stdin: Data("new".utf8)).status == 0)
        let times = try fixture.commitTimes()
        let committed = [times[3]!, times[2]!]  // newest first: /new.txt, /old.txt
        let out = fixture.directory.appendingPathComponent("out").path
        #expect(try fixture.run("copy", "/", "host://" + out).status == 0)
        for (name, time) in [("new.txt", committed[0]), ("old.txt", committed[1])] {
            let modified = try FileManager.default.attributesOfItem(atPath: out + "/" + name)[.modificationDate] as! Date
            #expect(abs(modified.timeIntervalSince(time)) < 0.002, "\(name): \(modified) vs \(time)")
        }
    }
}
