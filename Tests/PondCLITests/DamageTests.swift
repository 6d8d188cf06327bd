import Foundation
import Testing

/// Files that are not whole ponds, and ponds that cannot be written: every
/// command gives one clear line and a non-zero status, never a crash or a
/// hang, and changes nothing.
struct DamageTests {
    /// Every command a user might run, reads and writes.
    static let commands: [[String]] = [
        ["list"], ["cat", "/f"], ["log"], ["status"], ["show"], ["diff", "1"], ["history", "/f"],
        ["describe", "/f"], ["sql", "SELECT count(*) FROM paths"], ["fsck"], ["mkdir", "/new"], ["touch", "/f"],
    ]

    /// Runs `pond ARGUMENTS` with a time limit.
    /// - Returns: the result, or nil if it had to be killed.
    static func run(_ arguments: [String], in directory: URL, timeout: TimeInterval = 30) throws -> RunResult? {
        let process = Process()
        process.executableURL = CLIFixture.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        // stderr to a file, not a pipe: a hung child must not also block the reader.
        let errorFile = directory.appendingPathComponent("stderr-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: errorFile.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        let stderr = String(decoding: FileManager.default.contents(atPath: errorFile.path) ?? Data(), as: UTF8.self)
        try? FileManager.default.removeItem(at: errorFile)
        let status = process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
        return RunResult(status: status, stdout: "", stderr: stderr)
    }

    /// A pond with a few versions and a file of several chunks.
    static func makePond(_ fixture: CLIFixture) throws {
        #expect(try fixture.run("copy", "-", "/f", stdin: Data("small\n".utf8)).status == 0)
        let big = (0..<40_000).map { "line \($0)\n" }.joined()
        #expect(try fixture.run("copy", "-", "/big", stdin: Data(big.utf8)).status == 0)
        #expect(try fixture.run("mkdir", "-p", "/d/e").status == 0)
    }

    @Test(arguments: ["text file", "empty file", "directory", "truncated pond", "random bytes", "zeroed header"])
    func aFileThatIsNotAWholePondIsRefusedByEveryCommand(kind: String) throws {
        let fixture = try CLIFixture(initialized: kind == "truncated pond" || kind == "zeroed header")
        let url = URL(fileURLWithPath: fixture.pondPath)
        switch kind {
        case "text file": try Data("not a database\n".utf8).write(to: url)
        case "empty file": try Data().write(to: url)
        case "directory": try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        case "truncated pond":
            try DamageTests.makePond(fixture)
            #expect(try fixture.run("status").status == 0)  // leaves the WAL checkpointed or not; cut the file anyway
            let bytes = try Data(contentsOf: url)
            try bytes.prefix(1000).write(to: url)
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: fixture.pondPath + suffix) }
        case "random bytes":
            var generator = SystemRandomNumberGenerator()
            try Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: url)
        default:
            try DamageTests.makePond(fixture)
            let handle = try FileHandle(forWritingTo: url)
            try handle.write(contentsOf: Data(repeating: 0, count: 100))
            try handle.close()
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: fixture.pondPath + suffix) }
        }
        let before = kind == "directory" ? nil : FileManager.default.contents(atPath: fixture.pondPath)
        for command in DamageTests.commands {
            let result = try #require(try DamageTests.run(command + ["--pond", fixture.pondPath], in: fixture.directory),
                                      "\(command) hung on a \(kind)")
            #expect(result.status == 1, "\(kind) \(command): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: \(fixture.pondPath)") && result.stderr.split(separator: "\n").count == 1,
                    "\(kind) \(command): \(result.stderr)")
        }
        if let before { #expect(FileManager.default.contents(atPath: fixture.pondPath) == before) }
    }

    @Test func damagedPagesNeverCrashOrHangACommandAndFsckNamesThem() throws {
        let fixture = try CLIFixture()
        try DamageTests.makePond(fixture)
        // Move everything into the database file, then damage pages past the header.
        try FsckTests.sqlite(fixture.pondPath, "PRAGMA wal_checkpoint(TRUNCATE)")
        let url = URL(fileURLWithPath: fixture.pondPath)
        let size = try FileManager.default.attributesOfItem(atPath: fixture.pondPath)[.size] as! Int
        var damaged = 0
        var generator = SeededGenerator()
        for round in 0..<4 {
            let handle = try FileHandle(forWritingTo: url)
            for _ in 0..<8 {
                let offset = UInt64(Int.random(in: 4096..<max(4097, size), using: &generator))
                try handle.seek(toOffset: offset)
                try handle.write(contentsOf: Data((0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) }))
            }
            try handle.close()
            for command in DamageTests.commands {
                let result = try #require(try DamageTests.run(command + ["--pond", fixture.pondPath], in: fixture.directory),
                                          "round \(round): \(command) hung")
                #expect(result.status == 0 || result.status == 1, "round \(round) \(command): status \(result.status) \(result.stderr)")
                #expect(!result.stderr.contains("Fatal error"), "\(command): \(result.stderr)")
            }
            let check = try #require(try DamageTests.run(["fsck", "--pond", fixture.pondPath], in: fixture.directory))
            if check.status == 1 { damaged += 1 }
            #expect(check.status == 1, "round \(round): fsck passed a damaged pond (seed \(generator.seed))")
        }
        print("damage: 4 rounds of 8 overwritten spans, \(DamageTests.commands.count) commands each: no crash, no hang; fsck found damage in \(damaged) of 4 (seed \(generator.seed))")
    }

    /// Whether commands can be run without write access here: as root,
    /// permissions do not stop a write, so they run as `nobody` through setpriv.
    static let canDropWriteAccess = getuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    /// Runs `pond` with `arguments` as a user who cannot write what root made.
    static func runWithoutWriteAccess(_ arguments: [String], in directory: URL) throws -> RunResult {
        let prefix = getuid() == 0
            ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", CLIFixture.binary.path]
            : [CLIFixture.binary.path]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: prefix[0])
        process.arguments = Array(prefix.dropFirst()) + arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test(.enabled(if: canDropWriteAccess, "needs setpriv to run as nobody when the tests run as root"))
    func aPondAtRestCopiedIntoAReadOnlyDirectoryIsCheckedAndReadUnchanged() throws {
        let fixture = try CLIFixture()
        try DamageTests.makePond(fixture)
        let shelf = fixture.directory.appendingPathComponent("shelf")
        try FileManager.default.createDirectory(at: shelf, withIntermediateDirectories: false)
        let copy = shelf.appendingPathComponent("pond.db").path
        // A plain cp of the main file alone: at rest it holds every version.
        try FileManager.default.copyItem(atPath: fixture.pondPath, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: shelf.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shelf.path) }
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        let check = try DamageTests.runWithoutWriteAccess(["fsck", "--pond", copy], in: fixture.directory)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout == "ok: \(copy), 4 versions checked\n")
        let cat = try DamageTests.runWithoutWriteAccess(["cat", "/f", "--pond", copy], in: fixture.directory)
        #expect(cat.status == 0 && cat.stdout == "small\n", "\(cat.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: shelf.path) == ["pond.db"])
    }

    @Test(.enabled(if: canDropWriteAccess, "needs setpriv to run as nobody when the tests run as root"))
    func aReadOnlyPondInAReadOnlyDirectoryAnswersSQLAndLeavesNothingBesideIt() throws {
        let fixture = try CLIFixture()
        #expect(try fixture.run("copy", "-", "/t.csv", stdin: Data("a,b\n1,2\n3,4\n".utf8)).status == 0)
        #expect(try fixture.run("mknod", "sql", "/sum.csv", "SELECT sum(a) AS s FROM \"/t.csv\"").status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: fixture.pondPath)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: fixture.directory.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fixture.directory.path) }
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture.pondPath))
        func run(_ arguments: String...) throws -> RunResult {
            try DamageTests.runWithoutWriteAccess(arguments + ["--pond", fixture.pondPath], in: fixture.directory)
        }
        let select = try run("sql", "SELECT 1 AS one", "--format", "csv")
        #expect(select.status == 0 && select.stdout == "one\n1\n", "\(select.stderr)")
        let table = try run("sql", "SELECT count(*) AS n FROM \"/t.csv\"", "--format", "csv")
        #expect(table.status == 0 && table.stdout == "n\n2\n", "\(table.stderr)")
        let catSQL = try run("cat", "--sql", "SELECT max(b) AS m FROM source", "/t.csv", "--format", "csv")
        #expect(catSQL.status == 0 && catSQL.stdout == "m\n4\n", "\(catSQL.stderr)")
        let derived = try run("cat", "/sum.csv")
        #expect(derived.status == 0 && derived.stdout == "s\n4\n", "\(derived.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.pondPath)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path) == ["pond.db"])
    }

    @Test(.enabled(if: canDropWriteAccess, "needs setpriv to run as nobody when the tests run as root"))
    func aPondThatCannotBeWrittenIsReadableAndRefusesWritesInOneLine() throws {
        let fixture = try CLIFixture()
        try DamageTests.makePond(fixture)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: fixture.pondPath)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fixture.directory.path)
        let head = try fixture.headVersion(), rows = try fixture.rowCount()
        func run(_ arguments: String...) throws -> RunResult {
            try DamageTests.runWithoutWriteAccess(arguments + ["--pond", fixture.pondPath], in: fixture.directory)
        }
        #expect(try run("cat", "/f").stdout == "small\n")
        #expect(try run("list").stdout == "/big\n/d\n/d/e\n/f\n")
        #expect(try run("fsck").status == 0)
        for write in [["mkdir", "/x"], ["touch", "/f"], ["rm", "/f"]] {
            let result = try run(write[0], write[1])
            #expect(result.status == 1)
            #expect(result.stderr == "Error: \(fixture.pondPath) is read-only here (no write permission on it or its directory): it can be read, not changed\n")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: fixture.pondPath)
        #expect(try fixture.headVersion() == head)
        #expect(try fixture.rowCount() == rows)
    }
}
