import Foundation
import Testing

/// `pond apply`, `pond run` and auto-push through the built binaries
/// (`pond run` fetches through `pond-remote http-get`; pushes through `pond-remote push`).
@Suite struct CollectCLITests {
    /// The loopback server of Tests/Fixtures/http_fixture.py, serving `directory`;
    /// stopped (its standard input closed) when released.
    final class HTTPFixture {
        let process = Process()
        let input = Pipe()
        let port: Int
        let directory: URL

        init(serving directory: URL) throws {
            self.directory = directory
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/http_fixture.py").path
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, directory.path]
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = input
            try process.run()
            var line = Data()
            while line.last != UInt8(ascii: "\n") {
                let byte = out.fileHandleForReading.readData(ofLength: 1)
                guard !byte.isEmpty else { break }
                line += byte
            }
            port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }

        deinit {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }

        var requests: [String] {
            ((try? String(contentsOf: directory.appendingPathComponent("requests.log"), encoding: .utf8)) ?? "")
                .split(separator: "\n").map(String.init)
        }
    }

    @Test func applyIsOneVersionAndAgainNone() throws {
        let fixture = try CLIFixture()
        try fixture.hostFile("data.csv", "a,b\n1,2\n")
        #expect(try fixture.run("copy", "data.csv", "/data.csv").status == 0)
        let yaml = try fixture.hostFile("pond.yaml", """
            kind: directory
            path: /stations/north
            ---
            kind: derived
            path: /stations/sum.csv
            query: SELECT a + b AS s FROM "/data.csv"
            """)
        let dry = try fixture.run("apply", "-f", yaml, "--dry-run")
        #expect(dry.status == 0 && dry.stdout == "would create directory /stations\nwould create directory /stations/north\nwould create derived /stations/sum.csv\n",
                "\(dry.stdout)\(dry.stderr)")
        #expect(try fixture.headVersion() == 2)
        let applied = try fixture.run("apply", "-f", yaml)
        #expect(applied.status == 0 && applied.stdout.hasSuffix("create derived /stations/sum.csv\n"), "\(applied.stderr)")
        #expect(try fixture.headVersion() == 3)
        let again = try fixture.run("apply", "-f", yaml)
        #expect(again.status == 0 && again.stdout.isEmpty)
        #expect(try fixture.run("apply", "-f", yaml, "--dry-run").stdout == "nothing to change\n")
        #expect(try fixture.headVersion() == 3)
        #expect(try fixture.run("cat", "/stations/sum.csv").stdout == "s\n3\n")
        #expect(try fixture.run("log", "--limit", "1").stdout.contains("pond apply -f"))
    }

    @Test func aBrokenDocumentNamesFileDocumentAndLineAndWritesNothing() throws {
        let fixture = try CLIFixture()
        let good = try fixture.hostFile("good.yaml", "kind: directory\npath: /a\n")
        let bad = try fixture.hostFile("bad.yaml", "kind: directory\npath: /b\n---\nkind: directory\npath: /c\nmode: 755\n")
        let result = try fixture.run("apply", "-f", good, "-f", bad)
        #expect(result.status == 1)
        #expect(result.stderr == "Error: \(bad): document 2, line 6: unknown field 'mode' for directory (it takes path)\n")
        #expect(try fixture.headVersion() == 1)
        let secret = try fixture.hostFile("secret.yaml", "kind: remote\nname: origin\nurl: s3://b/p\nsecret_access_key: wJalrXUtnFEMI/K7MDENG\n")
        let refused = try fixture.run("apply", "-f", secret)
        #expect(refused.status == 1 && refused.stderr.contains("line 4: secret_access_key must be a reference such as ${env:"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("wJalrXUtnFEMI"))
        #expect(try fixture.run("remote", "list").stdout.isEmpty)
    }

    @Test func anHTTPCollectorUsesConditionalGetsAndAFailureIsOneLine() throws {
        let fixture = try CLIFixture()
        let served = fixture.directory.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        try Data("{\"t\": 1}\n".utf8).write(to: served.appendingPathComponent("latest.json"))
        let server = try HTTPFixture(serving: served)
        try #require(server.port > 0)
        let yaml = try fixture.hostFile("api.yaml", """
            kind: collector
            name: api
            type: http
            url: http://127.0.0.1:\(server.port)/latest.json
            path: /api/readings.jsonl
            append: true
            ---
            kind: collector
            name: clock
            type: command
            command: echo tick
            path: /clock.txt
            append: true
            """)
        #expect(try fixture.run("apply", "-f", yaml).status == 0)
        let first = try fixture.run("run", "api")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try fixture.headVersion() == 3)
        #expect(try fixture.run("run", "api").status == 0)
        #expect(try fixture.headVersion() == 3)
        #expect(server.requests.count == 2 && server.requests[1].hasSuffix(" 304") && !server.requests[1].contains(" - "), "\(server.requests)")
        try Data("{\"t\": 2}\n".utf8).write(to: served.appendingPathComponent("latest.json"))
        #expect(try fixture.run("run", "api").status == 0)
        #expect(try fixture.run("cat", "/api/readings.jsonl").stdout == "{\"t\": 1}\n{\"t\": 2}\n")
        #expect(try fixture.run("log", "--limit", "1").stdout.contains("collector api"))

        try Data("500".utf8).write(to: served.appendingPathComponent("latest.json.status"))
        let head = try fixture.headVersion()
        let failed = try fixture.run("run", "--all")
        #expect(failed.status == 1)
        #expect(failed.stderr == "pond: collector api failed: GET http://127.0.0.1:\(server.port)/latest.json: HTTP status 500\n", "\(failed.stderr)")
        // The other collector's run stands.
        #expect(try fixture.headVersion() == head + 1)
        #expect(try fixture.run("cat", "/clock.txt").stdout == "tick\n")
        // A server that is not there at all.
        let gone = try fixture.hostFile("gone.yaml", "kind: collector\nname: gone\ntype: http\nurl: http://127.0.0.1:9/x\npath: /gone.txt\n")
        #expect(try fixture.run("apply", "-f", gone).status == 0)
        let refused = try fixture.run("run", "gone")
        #expect(refused.status == 1 && refused.stderr.hasPrefix("pond: collector gone failed: GET http://127.0.0.1:9/x: "), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
    }

    @Test func twoRunsAtOnceTakeTurns() throws {
        let fixture = try CLIFixture()
        let log = fixture.directory.appendingPathComponent("app.log")
        let yaml = try fixture.hostFile("log.yaml", "kind: collector\nname: app\ntype: logfile\nfile: \(log.path)\npath: /app.log\n")
        #expect(try fixture.run("apply", "-f", yaml).status == 0)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        var expected = ""
        for round in 0..<6 {
            let text = (0..<200).map { "round \(round) line \($0)\n" }.joined()
            expected += text
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            let runs = (0..<2).map { _ in
                Thread.detach { try? fixture.run("run", "app") }
            }
            for run in runs { run.wait() }
        }
        try handle.close()
        #expect(try fixture.run("cat", "/app.log").stdout == expected)
    }

    @Test func aCollectorKilledMidRunLeavesThePondAtItsLastVersion() throws {
        let fixture = try CLIFixture()
        let yaml = try fixture.hostFile("slow.yaml", "kind: collector\nname: slow\ntype: command\ncommand: echo started; sleep 20\npath: /slow.txt\n")
        #expect(try fixture.run("apply", "-f", yaml).status == 0)
        let head = try fixture.headVersion()
        let process = Process()
        process.executableURL = CLIFixture.binary
        process.arguments = ["run", "slow", "--pond", fixture.pondPath]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try fixture.headVersion() == head)
        #expect(try fixture.run("fsck").status == 0)
        #expect(try fixture.run("cat", "/slow.txt").status == 1)
    }

    @Test func autoPushFollowsEveryWriteAndAFailureNeverUndoesIt() throws {
        let fixture = try CLIFixture()
        let remote = fixture.directory.appendingPathComponent("remote")
        #expect(try fixture.run("remote", "add", "backup", "file://\(remote.path)", "--auto-push").status == 0)
        #expect(try fixture.run("remote", "list").stdout == "backup\tfile://\(remote.path)\tauto-push\n")
        let write = try fixture.run("mkdir", "/a")
        #expect(write.status == 0 && write.stderr.isEmpty, "\(write.stderr)")
        #expect(try fixture.run("verify").stdout.contains("verified: head 2 "))
        // Reads push nothing.
        #expect(try fixture.run("list").status == 0)
        // The remote is away: the write stands, one line says so.
        let away = fixture.directory.appendingPathComponent("remote.away")
        try FileManager.default.moveItem(at: remote, to: away)
        FileManager.default.createFile(atPath: remote.path, contents: Data("not a directory".utf8))
        let failed = try fixture.run("mkdir", "/b")
        #expect(failed.status == 0)
        #expect(failed.stderr.hasPrefix("pond: auto-push to backup failed (the version stands; the next write or pond push catches up): "), "\(failed.stderr)")
        #expect(failed.stderr.split(separator: "\n").count == 1)
        #expect(try fixture.headVersion() == 3)
        try FileManager.default.removeItem(at: remote)
        try FileManager.default.moveItem(at: away, to: remote)
        // The next write catches up: versions 3 and 4 both reach the remote.
        #expect(try fixture.run("mkdir", "/c").status == 0)
        #expect(try fixture.run("verify").stdout.contains("verified: head 4 "))
        // A remote document turns it off.
        let yaml = try fixture.hostFile("r.yaml", "kind: remote\nname: backup\nurl: file://\(remote.path)\nauto_push: false\n")
        #expect(try fixture.run("apply", "-f", yaml).stdout == "change remote backup (file://\(remote.path))\n")
        #expect(try fixture.run("mkdir", "/d").status == 0)
        let push = try fixture.run("push")
        #expect(push.stdout.hasPrefix("pushed to backup (file://\(remote.path)) version 5: "), "\(push.stdout)\(push.stderr)")
    }
}

/// The README's "Configure and collect" blocks, run as written.
@Suite struct CollectReadmeTests {
    static func readme() throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The README's fenced blocks of `language`, in order.
    static func blocks(_ language: String) throws -> [String] {
        try readme().components(separatedBy: "```\(language)\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    /// Lines of `count` readings, a second apart from `start` (seconds into 2026-12-01).
    static func readings(from start: Int, count: Int) -> String {
        (start..<start + count).map { second in
            let (day, rest) = (second / 86_400 + 1, second % 86_400)
            return String(format: "2026-12-%02dT%02d:%02d:%02dZ,%d.%d\n", day, rest / 3600, rest / 60 % 60, rest % 60, 10 + second % 7, second % 10)
        }.joined()
    }

    @Test func readmeWorkedExampleRuns() throws {
        let fixture = try CLIFixture(initialized: false)
        let logs = fixture.directory.appendingPathComponent("logs")
        let served = fixture.directory.appendingPathComponent("served")
        for directory in [logs, served] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        let log = logs.appendingPathComponent("north.csv")
        try Data(("time,temp\n" + CollectReadmeTests.readings(from: 86_000, count: 800)).utf8).write(to: log)
        try Data("{\"day\": \"2026-12-02\", \"high\": 12}\n".utf8).write(to: served.appendingPathComponent("forecast.jsonl"))
        let server = try CollectCLITests.HTTPFixture(serving: served)
        let remote = fixture.directory.appendingPathComponent("backup")
        func moved(_ text: String) -> String {
            text.replacingOccurrences(of: "/var/log/station/north.csv", with: log.path)
                .replacingOccurrences(of: "http://127.0.0.1:8080", with: "http://127.0.0.1:\(server.port)")
                .replacingOccurrences(of: "/srv/backup/pond", with: remote.path)
        }
        for block in try CollectReadmeTests.blocks("yaml") {
            guard let first = block.split(separator: "\n").first, first.hasPrefix("# "), first.hasSuffix(".yaml") else { continue }
            try fixture.hostFile(String(first.dropFirst(2)), moved(block))
        }
        let script = try #require(try CollectReadmeTests.blocks("sh").first { $0.contains("pond apply -f station.yaml") })
        var outputs: [String: String] = [:]
        for line in script.split(separator: "\n") where line.hasPrefix("pond ") {
            let command = String(line.components(separatedBy: "  #")[0]).trimmingCharacters(in: .whitespaces)
            let arguments = command.split(separator: " ").dropFirst().map(String.init)
            let result = try fixture.runArguments(arguments, environment: ["POND": fixture.pondPath])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            outputs[command, default: ""] += result.stdout
        }
        // The daily means, computed here from the same readings.
        var byDay: [String: [Double]] = [:]
        for line in CollectReadmeTests.readings(from: 86_000, count: 800).split(separator: "\n") {
            let fields = line.split(separator: ",")
            byDay[String(fields[0].prefix(10)), default: []].append(Double(fields[1])!)
        }
        let daily: String = byDay.keys.sorted().map { day -> String in
            let values = byDay[day]!
            return "\(day),\((values.reduce(0, +) / Double(values.count) * 100).rounded() / 100),\(values.count)\n"
        }.joined()
        let table: String = "day,temp,n\n" + daily
        #expect(outputs["pond cat /stations/north/daily.csv"] == table)
        #expect(outputs["pond verify backup"]?.contains("equals this pond's head") == true)
        #expect(try fixture.run("cat", "/stations/north/forecast.jsonl").stdout == "{\"day\": \"2026-12-02\", \"high\": 12}\n")
        #expect(try fixture.run("list", "/etc/collectors/").stdout == "/etc/collectors/forecast\n/etc/collectors/north-log\n")
    }

    @Test func crontabLineKeepsEveryLineOnce() throws {
        let fixture = try CLIFixture()
        let log = fixture.directory.appendingPathComponent("app.csv")
        let yaml = try fixture.hostFile("log.yaml", "kind: collector\nname: app\ntype: logfile\nfile: \(log.path)\npath: /app.csv\n")
        #expect(try fixture.run("apply", "-f", yaml).status == 0)
        let line = try #require(try CollectReadmeTests.blocks("crontab").first?.split(separator: "\n").first { $0.hasPrefix("*/5") })
        let command = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(5).joined(separator: " ")
        #expect(command == "pond run --all --pond /srv/station/pond.db")
        let runnable = command.replacingOccurrences(of: "/srv/station/pond.db", with: fixture.pondPath)
            .replacingOccurrences(of: "pond run", with: CLIFixture.binary.path + " run")
        var expected = "time,v\n" + CollectReadmeTests.readings(from: 0, count: 60)
        try Data(expected.utf8).write(to: log)
        let first = try CLIFixture.runDetachedExecutable("/bin/sh", ["-c", runnable])
        #expect(first.status == 0 && first.stdout.isEmpty && first.stderr.isEmpty, "\(first.stderr)")
        // A minute of lines later, the logger having rotated its file meanwhile.
        let more = CollectReadmeTests.readings(from: 60, count: 30)
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(more.utf8))
        try handle.close()
        try FileManager.default.moveItem(at: log, to: URL(fileURLWithPath: log.path + ".1"))
        let last = CollectReadmeTests.readings(from: 90, count: 30)
        try Data(("time,v\n" + last).utf8).write(to: log)
        expected += more + last
        #expect(try CLIFixture.runDetachedExecutable("/bin/sh", ["-c", runnable]).status == 0)
        #expect(try fixture.run("cat", "/app.csv").stdout == expected)
        #expect(try fixture.run("sql", "SELECT count(*), count(DISTINCT time) FROM \"/app.csv\"", "--format", "csv").stdout == "count(*),count(DISTINCT time)\n120,120\n")
    }
}

extension Thread {
    /// Runs `body` on a new thread; `wait()` on the result waits for it.
    static func detach(_ body: @escaping @Sendable () -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        group.enter()
        Thread { body(); group.leave() }.start()
        return group
    }
}
