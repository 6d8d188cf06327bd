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

    /// Writer `writer`'s command number `index`: mkdir, copy, touch and mv
    /// in turn, on its own paths. Every one changes the pond.
    static func command(_ writer: Int, _ index: Int) -> (arguments: [String], stdin: Data?) {
        let base = "/w\(writer)"
        switch index % 4 {
        case 0: return (["mkdir", "\(base)/d\(index)"], nil)
        case 1: return (["copy", "-", "\(base)/f\(index)"], Data("writer \(writer) command \(index)\n".utf8))
        case 2: return (["touch", "\(base)/f\(index - 1)"], nil)
        default: return (["mv", "\(base)/d\(index - 3)", "\(base)/moved\(index)"], nil)
        }
    }

    /// The paths writer `writer` leaves after `commands` commands.
    static func expectedPaths(_ writer: Int, _ commands: Int) -> Set<String> {
        var paths: Set<String> = ["/w\(writer)"]
        for index in 0..<commands {
            switch index % 4 {
            case 0: paths.insert("/w\(writer)/d\(index)")
            case 1: paths.insert("/w\(writer)/f\(index)")
            case 2: break
            default:
                paths.remove("/w\(writer)/d\(index - 3)")
                paths.insert("/w\(writer)/moved\(index)")
            }
        }
        return paths
    }

    @Test func fourWritersAndTwoReadersNeverFailAndVersionsStayContiguous() throws {
        let fixture = try CLIFixture()
        let writers = 4, commands = LongMode.isOn ? 200 : 50
        #expect(try fixture.run("copy", "-", "/shared.txt", stdin: Data("shared\n".utf8)).status == 0)
        for writer in 0..<writers { #expect(try fixture.run("mkdir", "/w\(writer)").status == 0) }
        let outcomes = Outcomes()
        let started = Date()
        let writing = DispatchGroup()
        for writer in 0..<writers {
            writing.enter()
            Thread.detachNewThread { [fixture] in
                defer { writing.leave() }
                for index in 0..<commands {
                    let (arguments, stdin) = ConcurrencyTests.command(writer, index)
                    do {
                        let result = try fixture.runArguments(arguments + ["--pond", fixture.pondPath], stdin: stdin)
                        if result.status != 0 { outcomes.fail("writer \(writer) \(arguments): \(result.stderr)") }
                    } catch { outcomes.fail("writer \(writer): \(error)") }
                }
            }
        }
        let reading = DispatchGroup()
        let reads = Counter()
        for reader in 0..<2 {
            reading.enter()
            Thread.detachNewThread { [fixture] in
                defer { reading.leave() }
                while !outcomes.isFinished {
                    do {
                        for arguments in [["list"], ["cat", "/shared.txt"], ["log", "--limit", "3"]] {
                            let result = try fixture.run(arguments[0], Array(arguments.dropFirst()))
                            reads.increment()
                            if result.status != 0 { outcomes.fail("reader \(reader) \(arguments): \(result.stderr)") }
                            if arguments[0] == "list" { outcomes.listed(result.stdout) }
                            if arguments[0] == "cat", result.stdout != "shared\n" {
                                outcomes.fail("reader \(reader): cat gave \(result.stdout)")
                            }
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
        #expect(versions == Array(1...(2 + writers + writers * commands)))
        let listed = Set(try fixture.run("list").stdout.split(separator: "\n").map(String.init))
        let expected = (0..<writers).reduce(into: Set(["/shared.txt"])) { $0.formUnion(ConcurrencyTests.expectedPaths($1, commands)) }
        #expect(listed == expected)
        // No reader saw a path without its parent.
        for listing in outcomes.listings {
            let paths = Set(listing.split(separator: "\n").map(String.init))
            for path in paths where path.dropFirst().contains("/") {
                let parent = String(path[..<path.lastIndex(of: "/")!])
                #expect(paths.contains(parent), "\(path) listed without \(parent)")
            }
        }
        #expect(!outcomes.listings.isEmpty)
        print("concurrency: \(writers) writers x \(commands) commands, \(reads.value) reads, "
              + "\(outcomes.failures.count) failures, versions 1...\(versions.last ?? 0) contiguous, "
              + String(format: "%.1f s", Date().timeIntervalSince(started)))
    }
}
