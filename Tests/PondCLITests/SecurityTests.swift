import Foundation
import Testing

/// Copying out never writes outside its destination, whatever the pond's
/// symlinks say or the host already holds there.
struct SecurityTests {
    /// Every path under `directory` on the host, relative, sorted.
    static func hostTree(_ directory: String) throws -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
    }

    @Test func pondSymlinksLandAsSymlinksAndNothingIsWrittenThroughThem() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "-p", "/d/e").status == 0)
        #expect(try fixture.run("copy", "-", "/d/e/f", stdin: Data("data".utf8)).status == 0)
        for (target, link) in [("/etc", "/etc-link"), ("../..", "/d/up"), ("../../../../../tmp", "/d/e/deep"), ("/etc/passwd", "/d/passwd")] {
            #expect(try fixture.run("ln", "-s", target, link).status == 0)
        }
        let out = fixture.directory.appendingPathComponent("out").path
        #expect(try fixture.run("copy", "/*", "host://" + out).status == 0)
        #expect(try SecurityTests.hostTree(out) == ["d", "d/e", "d/e/deep", "d/e/f", "d/passwd", "d/up", "etc-link"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/d/up") == "../..")
        // A path through a pond symlink resolves inside the pond, never on the host.
        let through = try fixture.run("copy", "/etc-link/passwd", "host://" + out + "2")
        #expect(through.status == 1 && through.stderr.hasPrefix("Error: no such file or directory: /etc"))
        #expect(!FileManager.default.fileExists(atPath: out + "2"))
    }

    @Test func aHostSymlinkAtTheDestinationIsRefusedBeforeAnythingIsWritten() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/a.txt", stdin: Data("new".utf8)).status == 0)
        #expect(try fixture.run("copy", "-", "/b.txt", stdin: Data("new".utf8)).status == 0)
        let outside = try fixture.hostFile("outside.txt", "keep me")
        let out = fixture.directory.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: out + "/b.txt", withDestinationPath: outside)
        let result = try fixture.run("copy", "/a.txt", "/b.txt", "host://" + out)
        #expect(result.status == 1 && result.stderr.contains("already exists"))
        #expect(FileManager.default.contents(atPath: outside) == Data("keep me".utf8))
        #expect(!FileManager.default.fileExists(atPath: out + "/a.txt"))  // nothing written, not even the first file
        // The destination itself a symlink to a directory elsewhere: refused.
        let elsewhere = fixture.directory.appendingPathComponent("elsewhere").path
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: out + "-link", withDestinationPath: elsewhere)
        let viaLink = try fixture.run("copy", "/a.txt", "host://" + out + "-link")
        #expect(viaLink.status == 1 && viaLink.stderr.hasPrefix("Error: not a directory"))
        #expect(try SecurityTests.hostTree(elsewhere).isEmpty)
    }

    @Test func copyInOfHostSymlinkLoopsTerminatesAndStoresThemAsSymlinks() throws {
        let fixture = try CLIFixture()
        let src = fixture.directory.appendingPathComponent("loops").path
        try FileManager.default.createDirectory(atPath: src + "/a", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: src + "/a/b", withDestinationPath: "../a")
        try FileManager.default.createSymbolicLink(atPath: src + "/x", withDestinationPath: "y")
        try FileManager.default.createSymbolicLink(atPath: src + "/y", withDestinationPath: "x")
        try FileManager.default.createSymbolicLink(atPath: src + "/root", withDestinationPath: "/")
        let result = try #require(try DamageTests.run(["copy", src, "/l", "--pond", fixture.pondPath], in: fixture.directory))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.run("list", "/l/**").stdout == "/l\n/l/a\n/l/a/b\n/l/root\n/l/x\n/l/y\n")
        let loop = try fixture.run("cat", "/l/x")
        #expect(loop.status == 1 && loop.stderr.hasPrefix("Error: too many levels of symbolic links"))
    }
}
