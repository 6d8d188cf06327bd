import Foundation
import Testing

/// What a user finds without the manual: the version, the nearest command, the views.
@Suite struct DiscoverabilityTests {
    @Test func versionNamesPondAndItsSchema() throws {
        let result = try CLIFixture(initialized: false).run("--version", pond: false)
        #expect(result.status == 0)
        #expect(result.stdout == "pond 0.6.0 (schema 10)\n")
    }

    @Test(arguments: [("lsit", "list"), ("cta", "cat"), ("histroy", "history"), ("desribe", "describe"), ("bakcup", "backup")])
    func aMistypedCommandSuggestsTheNearest(typed: String, meant: String) throws {
        let result = try CLIFixture(initialized: false).run(typed, pond: false)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: Unknown subcommand '\(typed)' (did you mean '\(meant)'?)\nUsage: pond <subcommand>"))
    }

    @Test func aWordFarFromEveryCommandSuggestsNone() throws {
        let result = try CLIFixture(initialized: false).run("frobnicate", pond: false)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: Unknown subcommand 'frobnicate' (pond --help lists them)"))
    }

    @Test func sqlHelpNamesEveryView() throws {
        let help = try CLIFixture(initialized: false).run("sql", "--help", pond: false).stdout
        for view in ["transactions", "entries", "entries_history", "nodes", "paths", "paths_history", "changes",
                     "file_contents", "file_chunks", "horizon"] {
            #expect(help.contains("  \(view) "), "\(view)")
        }
        #expect(!help.contains("Schema/views.sql"))
    }

    @Test func mknodMakesTheDynamicDirectoriesTheLibraryHas() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "-p", "/sensors/a", "/sensors/b").status == 0)
        #expect(try fixture.run("copy", "-", "/sensors/a/temp.csv", stdin: Data("1\n".utf8)).status == 0)
        #expect(try fixture.run("mknod", "visit", "/by", "/sensors/*/temp.csv").status == 0)
        #expect(try fixture.run("list", "/by/").stdout == "/by/a\n")
        #expect(try fixture.run("copy", "-", "/sensors/b/temp.csv", stdin: Data("2\n".utf8)).status == 0)
        #expect(try fixture.run("list", "/by/").stdout == "/by/a\n/by/b\n")
        #expect(try fixture.run("list", "/by/", "--at", "4").stdout == "/by/a\n")  // computed at the version read
        #expect(try fixture.run("mknod", "reverse", "/rev", "/sensors/a").status == 0)
        #expect(try fixture.run("list", "/rev/").stdout == "/rev/vsc.pmet\n")
        let bad = try fixture.run("mknod", "parquet", "/x", "SELECT 1")
        #expect(bad.status == 64 && bad.stderr.hasPrefix("Error: The value 'parquet' is invalid for '<kind>'"))
    }

    @Test func theShellCompletesPondPathsByAskingPond() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "-p", "/sensors/a", "/spare").status == 0)
        let script = try fixture.run("--generate-completion-script", "bash", pond: false).stdout
        #expect(script.contains("---completion cat -- positional@0"))
        func complete(_ typed: String) throws -> String {
            try fixture.runArguments(["---completion", "cat", "--", "positional@0", "2", "\(typed.count)", "pond", "cat", typed],
                                     environment: ["POND": fixture.pondPath]).stdout
        }
        #expect(try complete("/s") == "/sensors/\n/spare/\n")
        #expect(try complete("/sensors/") == "/sensors/a/\n")
    }
}

/// Help reads as prose: a line of it ends with `\` only in an example (a
/// shell line continued), never where a source line was meant to join the next.
struct HelpTextTests {
    @Test func noProseLineOfAnyHelpEndsInABackslash() throws {
        for name in ["init", "mkdir", "copy", "cat", "list", "touch", "rm", "mv", "ln", "show", "log", "status", "diff", "history",
                     "describe", "sql", "fsck", "batch", "backup", "prune", "restore", "mknod", "append"] {
            let help = try CLIFixture(initialized: false).run(name, "--help", pond: false)
            #expect(help.status == 0, "\(name)")
            for line in help.stdout.split(separator: "\n") where line.hasSuffix("\\") {
                #expect(line.first?.isWhitespace == true, "pond \(name) --help: \(line)")
            }
        }
    }
}
