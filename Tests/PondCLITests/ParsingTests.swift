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

/// The plain lines `DirectParse` builds without swift-argument-parser give
/// the command swift-argument-parser gives; every other line is left to it.
struct DirectParseTests {
    static let lines: [[String]] = [
        ["cat", "/a"], ["cat", "/a", "/b", "--at", "3"], ["cat", "--at", "3", "/a"], ["cat", "/a", "--at=head~1"],
        ["cat", "/a", "--pond", "p.db"], ["cat", "/a", "--pond=p.db", "--at", "2026-12-01T10:00Z"], ["cat", "/a b", "/é"],
        ["cat"], ["cat", "--at", "3"], ["cat", "/a", "--at"], ["cat", "/a", "--at", "x"], ["cat", "/a", "--at", "3", "--at", "4"],
        ["cat", "/a", "-h"], ["cat", "--", "-x"], ["cat", "/a", "--sql", "SELECT 1"], ["cat", "/a", "--format", "csv"], ["cat", "-"],
        ["cat", "/a", "--pond"], ["cat", "/a", "--pond", "--at"], ["cat", "/a", "--at", "-3"], ["cat", "/a", "--bogus"],
        ["log"], ["log", "--limit", "5"], ["log", "--limit=5", "--json"], ["log", "/a", "--json"], ["log", "/a", "/b"],
        ["log", "--limit", "x"], ["log", "--limit", "-1"], ["log", "--json", "--json"], ["log", "--pond", "p.db", "--limit", "0"],
        ["copy", "a.txt", "/d/"], ["copy", "-", "/d/f"], ["copy", "a", "b", "/d/", "-m", "why", "-q"], ["copy", "a", "/d", "--message=because"],
        ["copy", "a", "/d", "--quiet"], ["copy", "/d", "host:///tmp/x", "--at", "2"], ["copy", "a", "/d", "--at", "2"], ["copy", "a"],
        ["copy", "a", "/d", "-m"], ["copy", "a", "/d", "-m", "-q"], ["copy", "-x", "/d"], ["copy", "a", "/d", "-qm", "x"],
        ["copy", "a", "/d", "-m", "one", "-m", "two"], ["copy", "--", "-dash.csv", "/d"], ["copy", "a", "/d", "--pond", "p.db"],
        ["list"], ["list", "-l"], ["list", "--long", "-H", "--at", "3"], ["list", "/a/**", "--json"], ["list", "-lH"], ["list", "/a", "/b/"],
        ["list", "--human"], ["list", "-l", "-l"], ["list", "--at"], ["list", "-x"], ["list", "/a", "--pond=p.db", "--at=head"],
        ["diff", "2"], ["diff", "2", "5"], ["diff", "2", "5", "/a", "/b"], ["diff", "head~3", "--stat"], ["diff", "2", "--name-only", "--exit-code"],
        ["diff", "2", "--json"], ["diff"], ["diff", "x"], ["diff", "2", "--stat", "--stat"], ["diff", "2", "-q"], ["diff", "2026-12-01", "/a"],
    ]

    static func fields(_ command: ParsableCommand) -> String {
        switch command {
        case let cat as Cat:
            "cat \(cat.paths) \(String(describing: cat.pond.path)) \(String(describing: cat.at.at)) \(String(describing: cat.sql)) \(String(describing: cat.format))"
        case let log as Log:
            "log \(String(describing: log.pond.path)) \(log.format.json) \(String(describing: log.limit)) \(String(describing: log.path))"
        case let copy as Copy:
            "copy \(copy.paths) \(String(describing: copy.pond.path)) \(String(describing: copy.write.message)) \(copy.write.quiet) \(String(describing: copy.at.at))"
        case let list as List:
            "list \(list.patterns) \(String(describing: list.pond.path)) \(String(describing: list.at.at)) \(list.long) \(list.human) \(list.format.json)"
        case let diff as Diff:
            "diff \(diff.from) \(diff.rest) \(String(describing: diff.pond.path)) \(diff.stat) \(diff.nameOnly) \(diff.exitCode) \(diff.format.json)"
        default:
            "\(type(of: command))"
        }
    }

    @Test(arguments: DirectParseTests.lines)
    func aPlainLineGivesWhatTheParserGives(line: [String]) throws {
        let parsed = PondCommand.parseAlone(line)
        guard let direct = DirectParse.command(line) else { return }
        #expect(parsed != nil, "taken directly, but swift-argument-parser refuses it: \(line)")
        if let parsed { #expect(DirectParseTests.fields(direct) == DirectParseTests.fields(parsed), "\(line)") }
    }

    @Test func theCommonLinesAreTakenDirectly() throws {
        for line in [["cat", "/a", "--at", "3"], ["log", "--limit", "5"], ["copy", "-", "/d/f", "-q"], ["list", "-l"], ["diff", "2", "5"]] {
            #expect(DirectParse.command(line) != nil, "\(line)")
        }
    }
}
