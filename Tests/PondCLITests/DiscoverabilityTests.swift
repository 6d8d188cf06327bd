import Foundation
import Testing

/// What a user finds without the manual: the version, the nearest command, the views.
@Suite struct DiscoverabilityTests {
    @Test func versionNamesPondAndItsSchema() throws {
        let result = try CLIFixture(initialized: false).run("--version", pond: false)
        #expect(result.status == 0)
        #expect(result.stdout == "pond 0.5.0 (schema 5)\n")
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
}
