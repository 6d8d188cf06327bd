import Foundation
import Testing

/// The result of one run of the built `pond` binary.
struct RunResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// A temporary directory holding a pond file, and a way to run `pond` on it.
/// Immutable after `init`, so it may be shared between threads.
final class CLIFixture: @unchecked Sendable {
    let directory: URL
    var pondPath: String { directory.appendingPathComponent("pond.db").path }

    init(initialized: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pond-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if initialized {
            let result = try run("init")
            precondition(result.status == 0, "pond init failed: \(result.stderr)")
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The `pond` binary: `$POND_TEST_BINARY` when set (to test a release
    /// build), else the one built beside the test bundle.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["POND_TEST_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("pond")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return bundle.appendingPathComponent("pond")
    }()

    /// Runs `pond ARGUMENTS --pond <this pond>` in this directory.
    @discardableResult
    func run(_ arguments: String..., stdin: Data? = nil, environment: [String: String] = [:], pond: Bool = true) throws -> RunResult {
        try runArguments(arguments + (pond ? ["--pond", pondPath] : []), stdin: stdin, environment: environment)
    }

    func runArguments(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> RunResult {
        try CLIFixture.runDetached(arguments, in: directory, stdin: stdin, environment: environment)
    }

    /// Runs `pond ARGUMENTS` in `directory` (no pond is added), without `$POND`.
    /// With `output`, standard output goes there instead of being collected.
    static func runDetached(_ arguments: [String], in directory: URL? = nil, stdin: Data? = nil,
                            environment: [String: String] = [:], output: FileHandle? = nil) throws -> RunResult {
        try runDetachedExecutable(binary.path, arguments, in: directory, stdin: stdin, environment: environment, output: output)
    }

    /// Runs `executable` (another program: script(1), say) as `runDetached` runs `pond`.
    static func runDetachedExecutable(_ executable: String, _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil,
                                      environment: [String: String] = [:], output: FileHandle? = nil) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env["POND"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = output ?? out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        try out.fileHandleForWriting.close()
        // Read the pipes before waiting, so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus,
                         stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The head version, read through `pond status --json`.
    func headVersion() throws -> Int { try statusField("head_version") }

    /// The log's row count, read through `pond status --json`.
    func rowCount() throws -> Int { try statusField("rows") }

    private func statusField(_ key: String) throws -> Int {
        let result = try run("status", "--json")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return object?[key] as? Int ?? -1
    }

    /// Writes a host file below this directory.
    @discardableResult
    func hostFile(_ relative: String, _ content: String) throws -> String {
        let url = directory.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(content.utf8).write(to: url)
        return url.path
    }

    /// Each version's commit time, read through `pond log --json`.
    func commitTimes() throws -> [Int: Date] {
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var times: [Int: Date] = [:]
        for entry in try json("log", "--json") as? [[String: Any]] ?? [] {
            if let version = entry["version"] as? Int, let time = (entry["time"] as? String).flatMap(parser.date) { times[version] = time }
        }
        return times
    }

    func json(_ arguments: String...) throws -> Any {
        let result = try runArguments(arguments + ["--pond", pondPath])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }
}

/// The reliability suites' size: quick by default (CI), long with
/// `POND_LONG=1` (before a release).
enum LongMode {
    static let isOn = ProcessInfo.processInfo.environment["POND_LONG"] == "1"
}

/// A count shared between threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// SplitMix64: a small seeded generator, so that a randomized suite's run
/// can be repeated from the seed it prints.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    /// The seed: `$POND_SEED` when set, else one drawn now.
    let seed: UInt64

    init() {
        self.init(seed: ProcessInfo.processInfo.environment["POND_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max))
    }

    /// The same numbers for the same seed.
    init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
