@testable import PondCLI
import ArgumentParser
import Testing

/// `PondCommand.parse` hands a named subcommand its own arguments, skipping
/// the root's parse; whatever it returns must be what the root would give.
struct ParsingTests {
    static let lines: [[String]] = [
        ["cat", "/f"], ["cat", "/f", "--at", "3"], ["cat", "--at=3", "/f"], ["cat", "--pond", "p.db", "/f"],
        ["cat", "--", "-dash"], ["list"], ["list", "-l", "/d"], ["list", "/d/*.csv", "--at", "2026-11-21T10:00:00Z"],
        ["copy", "a", "b", "/d/"], ["copy", "-", "/x"], ["copy", "/d/*", "host:///tmp/out", "--at", "2"],
        ["mkdir", "-p", "/a/b"], ["touch", "/f"], ["rm", "-r", "/a"], ["mv", "/a", "/b"], ["ln", "-s", "t", "/l"],
        ["log"], ["log", "--limit", "5", "--json"], ["status", "--json"], ["diff", "1", "3"], ["history", "/f"],
        ["describe", "/f", "--at", "2"], ["show", "--at", "2"], ["sql", "SELECT 1", "--format", "csv"], ["fsck"],
        ["batch", "commands.txt"], ["init"],
    ]

    @Test(arguments: lines)
    func aSubcommandParsedAloneGivesWhatTheRootGives(line: [String]) throws {
        let alone = try #require(PondCommand.parseAlone(line), "\(line) was not parsed alone")
        let root = try PondCommand.parseAsRoot(line)
        #expect(type(of: alone) == type(of: root))
        #expect(String(describing: alone) == String(describing: root))
    }

    static let failing: [[String]] = [
        [], ["cat"], ["cat", "--help"], ["cat", "-h"], ["cat", "/f", "--bogus"], ["log", "--limit", "0"],
        ["frobnicate"], ["ln", "t", "/l"], ["mkdir", "/x", "--at", "2"],
        ["--generate-completion-script", "bash"],
    ]

    /// Help, mistakes and completion scripts come out exactly as through the root.
    @Test(arguments: failing)
    func whatDoesNotParseAloneFailsAsThroughTheRoot(line: [String]) {
        #expect(PondCommand.parseAlone(line) == nil)
        let alone = Result { try PondCommand.parse(line) }
        let root = Result { try PondCommand.parseAsRoot(line) }
        switch (alone, root) {
        case (.failure(let a), .failure(let b)):
            #expect(PondCommand.message(for: a) == PondCommand.message(for: b))
            #expect(PondCommand.exitCode(for: a) == PondCommand.exitCode(for: b))
            #expect(PondCommand.fullMessage(for: a) == PondCommand.fullMessage(for: b))
        case (.success(let a), .success(let b)):
            #expect(String(describing: a) == String(describing: b))
        default:
            Issue.record("\(line): parsed alone \(alone), through the root \(root)")
        }
    }
}
