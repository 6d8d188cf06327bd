import Foundation
import Testing

/// Several `pond` processes at once: writers take turns, readers see whole versions.
struct ConcurrencyTests {
    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var failures: [String] = []
        private(set) var listings: [String] = []
        private var finished = false
        var isFinished: Bool {
            get { lock.withLock { finished } }
            set { lock.withLock { finished = newValue } }
        }
        func fail(_ text: String) { lock.withLock { failures.append(text) } }
        func listed(_ text: String) { lock.withLock { listings.append(text) } }
    }

    @Test func fourWritersAndTwoReadersNeverFailAndVersionsStayContiguous() throws {
        let fixture = try CLIFixture()
        let writers = 4, commands = 25
        for writer in 0..<writers { #expect(try fixture.run("mkdir", "/w\(writer)").status == 0) }
        let outcomes = Outcomes()
        let writing = DispatchGroup()
        for writer in 0..<writers {
            writing.enter()
            Thread.detachNewThread { [fixture] in
                defer { writing.leave() }
                for command in 0..<commands {
                    do {
                        let result = try fixture.run("mkdir", "/w\(writer)/c\(command)")
                        if result.status != 0 { outcomes.fail("writer \(writer): \(result.stderr)") }
                    } catch { outcomes.fail("writer \(writer): \(error)") }
                }
            }
        }
        let reading = DispatchGroup()
        for reader in 0..<2 {
            reading.enter()
            Thread.detachNewThread { [fixture] in
                defer { reading.leave() }
                while !outcomes.isFinished {
                    do {
                        for arguments in [["list"], ["log", "--limit", "3"]] {
                            let result = try fixture.run(arguments[0], Array(arguments.dropFirst()))
                            if result.status != 0 { outcomes.fail("reader \(reader): \(result.stderr)") }
                            if arguments[0] == "list" { outcomes.listed(result.stdout) }
                        }
                    } catch { outcomes.fail("reader \(reader): \(error)") }
                }
            }
        }
        writing.wait()
        outcomes.isFinished = true
        reading.wait()

        #expect(outcomes.failures.isEmpty, "\(outcomes.failures.prefix(3))")
        let log = try fixture.json("log", "--json") as? [[String: Any]] ?? []
        let versions = log.compactMap { $0["version"] as? Int }.sorted()
        #expect(versions == Array(1...(1 + writers + writers * commands)))
        let listed = Set(try fixture.run("list").stdout.split(separator: "\n").map(String.init))
        for writer in 0..<writers {
            for command in 0..<commands { #expect(listed.contains("/w\(writer)/c\(command)")) }
        }
        // No reader saw a path without its parent.
        for listing in outcomes.listings {
            let paths = Set(listing.split(separator: "\n").map(String.init))
            for path in paths where path.dropFirst().contains("/") {
                let parent = String(path[..<path.lastIndex(of: "/")!])
                #expect(paths.contains(parent), "\(path) listed without \(parent)")
            }
        }
        #expect(!outcomes.listings.isEmpty)
    }
}
