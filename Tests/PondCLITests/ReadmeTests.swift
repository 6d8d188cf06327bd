import Foundation
import Testing

/// The README's SQL answers, run against a known pond, through both the stock
/// `sqlite3` shell and `pond sql`.
struct ReadmeTests {
    /// The ```sql blocks of README.md, in order.
    static func sqlBlocks() throws -> [String] {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        return text.components(separatedBy: "```sql\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    /// Version 2: /docs; 3: notes.txt and old.txt; 4: notes.txt rewritten, big.bin added; 5: old.txt removed.
    func fixture() throws -> CLIFixture {
        let fixture = try CLIFixture()
        #expect(try fixture.run("mkdir", "/docs").status == 0)
        try fixture.hostFile("notes.txt", "v1")
        try fixture.hostFile("old.txt", "old")
        #expect(try fixture.run("copy", "notes.txt", "old.txt", "/docs/").status == 0)
        try fixture.hostFile("notes.txt", "version two")
        try fixture.hostFile("big.bin", String(repeating: "x", count: 1000))
        #expect(try fixture.run("copy", "notes.txt", "big.bin", "/docs/").status == 0)
        #expect(try fixture.run("rm", "/docs/old.txt").status == 0)
        return fixture
    }

    @Test func readmeHasTheSQLAnswers() throws {
        #expect(try ReadmeTests.sqlBlocks().count >= 6)
    }

    @Test func everyReadmeQueryAnswersAsDocumented() throws {
        let fixture = try fixture()
        let expected = [
            "added|/docs/notes.txt\nadded|/docs/old.txt\n",
            "/docs|directory\n/docs/notes.txt|file\n/docs/old.txt|file\n",
            "3|added\n4|modified\n",
            "/docs/big.bin|1000\n/docs/notes.txt|11\n",
            "5|/docs/old.txt\n",
            "3\n4\n5\n",
            // Who made each version, newest first: as pond log says it.
            try (fixture.json("log", "--json") as? [[String: Any]] ?? []).map { entry in
                "\(entry["version"] as? Int ?? 0)|\(entry["time"] as? String ?? "")|\(entry["command"] as? String ?? "")\n"
            }.joined(),
            // Every file version's bytes (2 + 3 + 11 + 1000), each stored once.
            "1016|1016\n",
        ]
        let blocks = try ReadmeTests.sqlBlocks()
        #expect(blocks.count == expected.count, "each README query needs its expected answer here")
        for (index, block) in blocks.enumerated() where index < expected.count {
            let shell = try Self.sqlite3(fixture.pondPath, block)
            #expect(shell == expected[index], "README query \(index + 1) in sqlite3: \(block)")
            // pond sql answers the same: its CSV less the header line, with the shell's separator.
            let viaPond = try fixture.runArguments(["sql", "--format", "csv", "--pond", fixture.pondPath, "--", block])
            #expect(viaPond.status == 0, "\(viaPond.stderr)")
            let rows = viaPond.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            #expect(rows.joined(separator: "\n").replacingOccurrences(of: ",", with: "|") == expected[index],
                    "README query \(index + 1) in pond sql: \(block)")
        }
    }

    static func sqlite3(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path]
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data(sql.utf8))
        try input.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The README's tables session (its ```console block), replayed command by
/// command in a new pond: each command's output must be what the README shows.
struct ReadmeTablesTests {
    @Test func theTablesSessionAnswersAsDocumented() throws {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let blocks = text.components(separatedBy: "```console\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count == 1)
        let fixture = try CLIFixture()
        var steps: [(command: String, output: String)] = []
        for line in (blocks.first ?? "").split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("$ ") {
                steps.append((String(line.dropFirst(2)), ""))
            } else if !steps.isEmpty, !line.isEmpty {
                steps[steps.count - 1].output += line + "\n"
            }
        }
        #expect(steps.count >= 10)
        let binaries = CLIFixture.binary.deletingLastPathComponent().path
        for step in steps {
            let result = try CLIFixture.runDetachedExecutable(
                "/bin/sh", ["-c", step.command], in: fixture.directory,
                environment: ["POND": fixture.pondPath, "PATH": binaries + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")])
            #expect(result.status == 0, "\(step.command): \(result.stderr)")
            #expect(result.stdout == step.output, "README: \(step.command)")
        }
    }
}
