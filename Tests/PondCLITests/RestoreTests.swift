import Foundation
import Testing

/// `pond restore PATH... --at V`: one version, identities kept, history through it.
@Suite struct RestoreTests {
    /// 2 /d; 3 /d/a.txt v1; 4 /d/b.txt; 5 /d/l -> a.txt; 6 a.txt v2; 7 b.txt moved to /moved.txt; 8 /d/l removed; 9 /d/new.txt.
    static func pond() throws -> CLIFixture {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "/d").status == 0)
        #expect(try fixture.run("copy", "-", "/d/a.txt", stdin: Data("v1\n".utf8)).status == 0)
        #expect(try fixture.run("copy", "-", "/d/b.txt", stdin: Data("b\n".utf8)).status == 0)
        #expect(try fixture.run("ln", "-s", "a.txt", "/d/l").status == 0)
        #expect(try fixture.run("copy", "-", "/d/a.txt", stdin: Data("v2\n".utf8)).status == 0)
        #expect(try fixture.run("mv", "/d/b.txt", "/moved.txt").status == 0)
        #expect(try fixture.run("rm", "/d/l").status == 0)
        #expect(try fixture.run("copy", "-", "/d/new.txt", stdin: Data("new\n".utf8)).status == 0)
        return fixture
    }

    static func id(_ fixture: CLIFixture, _ path: String) throws -> String? {
        (try fixture.json("describe", path, "--json") as? [String: Any])?["id"] as? String
    }

    @Test func aDirectoryComesBackWholeAsOneVersionWithItsNodes() throws {
        let fixture = try RestoreTests.pond()
        let moved = try RestoreTests.id(fixture, "/moved.txt"), a = try RestoreTests.id(fixture, "/d/a.txt")
        let result = try fixture.run("restore", "/d", "--at", "5")
        #expect(result.stdout == "restored /d as of version 5, as version 10\n", "\(result.stderr)")
        #expect(try fixture.run("list").stdout == "/d\n/d/a.txt\n/d/b.txt\n/d/l\n")
        #expect(try fixture.run("cat", "/d/a.txt", "/d/b.txt").stdout == "v1\nb\n")
        #expect((try fixture.json("describe", "/d/l", "--json") as? [String: Any])?["target"] as? String == "a.txt")
        // The same nodes: the moved file was taken back, and its history runs through the restore.
        #expect(try RestoreTests.id(fixture, "/d/b.txt") == moved)
        #expect(try RestoreTests.id(fixture, "/d/a.txt") == a)
        let history = try fixture.json("history", "/d/b.txt", "--json") as? [[String: Any]] ?? []
        #expect(history.suffix(2).map { "\($0["version"]!) \($0["event"]!) \($0["path"]!)" } == ["10 unlink /moved.txt", "10 link /d/b.txt"])
        #expect(try fixture.run("fsck").status == 0)
    }

    @Test func restoringWhatIsAlreadyTheSameAddsNoVersion() throws {
        let fixture = try RestoreTests.pond()
        #expect(try fixture.run("restore", "/d/new.txt", "--at", "9").stdout.hasPrefix("nothing to restore"))
        #expect(try fixture.headVersion() == 9)
    }

    @Test func aRemovedFileComesBackWithItsParents() throws {
        let fixture = try RestoreTests.pond()
        #expect(try fixture.run("rm", "-r", "/d").status == 0)
        #expect(try fixture.run("restore", "/d/a.txt", "--at", "3").status == 0)
        #expect(try fixture.run("list").stdout == "/d\n/d/a.txt\n/moved.txt\n")
        #expect(try fixture.run("cat", "/d/a.txt").stdout == "v1\n")
    }

    @Test func theWholeTreeAndSeveralPathsInOneVersion() throws {
        let fixture = try RestoreTests.pond()
        #expect(try fixture.run("restore", "/d/a.txt", "/d/l", "--at", "5").status == 0)  // two paths, one version
        #expect(try fixture.headVersion() == 10)
        #expect(try fixture.run("restore", "/", "--at", "3").status == 0)
        #expect(try fixture.run("list").stdout == "/d\n/d/a.txt\n")
        #expect(try fixture.run("cat", "/d/a.txt").stdout == "v1\n")
        #expect(try fixture.headVersion() == 11)
    }

    @Test(arguments: [(["restore", "/d/b.txt", "--at", "3"], "Error: no such file or directory: /d/b.txt\n"),
                      (["restore", "/d", "--at", "99"], "Error: no version 99: the head is version 9\n")])
    func aPathOrVersionThatIsNotThereIsAnErrorAndChangesNothing(arguments: [String], message: String) throws {
        let fixture = try RestoreTests.pond()
        let result = try fixture.runArguments(arguments + ["--pond", fixture.pondPath])
        #expect(result.status == 1 && result.stderr == message)
        #expect(try fixture.headVersion() == 9)
    }

    @Test func aPrunedVersionCannotBeRestored() throws {
        let fixture = try RestoreTests.pond()
        #expect(try fixture.run("prune", "--keep-last", "1").status == 0)
        let result = try fixture.run("restore", "/d/a.txt", "--at", "3")
        #expect(result.status == 1 && result.stderr.contains("was pruned"), "\(result.stderr)")
    }
}
