import Foundation
import Testing
@testable import Collect
import Pond

/// A pond and a host directory of logs, removed when released.
final class CollectorBench {
    let directory: URL
    let pond: Pond
    var log: String { directory.appendingPathComponent("app.log").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("collect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        pond = try Pond.create(at: directory.appendingPathComponent("pond.db").path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func apply(_ yaml: String) throws -> (steps: [ResourcePlan.Step], version: Version?) {
        try pond.apply(try ResourceDocuments.parse(yaml, file: "test.yaml"), message: "apply")
    }

    func follow(into path: String = "/logs/app.log") throws {
        _ = try apply("""
            kind: collector
            name: app
            type: logfile
            file: \(log)
            path: \(path)
            """)
    }

    func run(_ name: String = "app", http: (any HTTPFetching)? = nil) throws -> (CollectorOutcome, Version?) {
        try pond.run(try pond.collector(named: name), http: http, message: "run \(name)")
    }

    func text(_ path: String) throws -> String {
        try pond.read { String(decoding: try $0.root.read(path), as: UTF8.self) }
    }

    func append(_ text: String, to file: String? = nil) throws {
        let path = file ?? log
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func shell(_ line: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", line]
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(line)")
    }
}

@Suite struct LogfileCollectorTests {
    @Test func onlyNewWholeLinesAreTaken() throws {
        let bench = try CollectorBench()
        try bench.append("a\nb\n")
        try bench.follow()
        #expect(try bench.run().0 == .collected(bytes: 4))
        #expect(try bench.run().0 == .nothingNew)
        let head = try bench.pond.headVersion
        try bench.append("c\npartial")
        #expect(try bench.run().0 == .collected(bytes: 2))
        #expect(try bench.text("/logs/app.log") == "a\nb\nc\n")
        #expect(try bench.pond.headVersion == head.next)
        try bench.append(" line\n")
        #expect(try bench.run().0 == .collected(bytes: 13))
        #expect(try bench.text("/logs/app.log") == "a\nb\nc\npartial line\n")
    }

    @Test func rotationPlainAndGzippedAndTruncationLoseNothingAndRepeatNothing() throws {
        let bench = try CollectorBench()
        var expected = ""
        func lines(_ range: ClosedRange<Int>) throws {
            let text = range.map { "line \($0)\n" }.joined()
            expected += text
            try bench.append(text)
        }
        try lines(1...3)
        try bench.follow()
        _ = try bench.run()
        try lines(4...6)
        // Rotated by rename (logrotate's default), new lines in the new file.
        try bench.shell("mv app.log app.log.1")
        try lines(7...8)
        #expect(try bench.run().0 == .collected(bytes: 35))
        #expect(try bench.text("/logs/app.log") == expected)
        // Rotated and compressed, twice over (app.log.1 -> app.log.2.gz).
        try lines(9...10)
        try bench.shell("mv app.log.1 app.log.2 && gzip app.log.2 && mv app.log app.log.1 && gzip app.log.1")
        try lines(11...12)
        _ = try bench.run()
        #expect(try bench.text("/logs/app.log") == expected)
        // Truncated in place after a copy (copytruncate), then written again.
        try lines(13...14)
        try bench.shell("rm -f app.log.*.gz && cp app.log app.log.1 && : > app.log")
        try lines(15...15)
        _ = try bench.run()
        #expect(try bench.text("/logs/app.log") == expected)
        // Truncated with no copy: what is there now is new.
        try bench.shell("rm -f app.log.1 && : > app.log")
        try lines(16...17)
        _ = try bench.run()
        #expect(try bench.text("/logs/app.log") == expected)
        #expect(try bench.run().0 == .nothingNew)
    }

    @Test func aNewFileWithTheSameFirstLineIsStillANewFile() throws {
        let bench = try CollectorBench()
        try bench.append("time,v\n1,1\n")
        try bench.follow(into: "/logs/app.csv")
        _ = try bench.run()
        try bench.shell("mv app.log app.log.1")
        try bench.append("time,v\n2,2\n")
        _ = try bench.run()
        // The new file's header line is the table's: it is not appended again.
        #expect(try bench.text("/logs/app.csv") == "time,v\n1,1\n2,2\n")
        try bench.shell("mv app.log app.log.1 && gzip app.log.1")
        try bench.append("time,v\n3,3\n")
        _ = try bench.run()
        #expect(try bench.text("/logs/app.csv") == "time,v\n1,1\n2,2\n3,3\n")
    }

    @Test func aMissingFileIsAnErrorAndChangesNothing() throws {
        let bench = try CollectorBench()
        try bench.follow()
        let head = try bench.pond.headVersion
        #expect(throws: ResourceError.self) { try bench.run() }
        #expect(try bench.pond.headVersion == head)
    }
}

/// Answers as a server would: a body and validators, or a status.
final class FakeHTTP: HTTPFetching, @unchecked Sendable {
    var body = "v1\n"
    var etag: String? = "\"1\""
    var status = 200
    var asked: [(etag: String?, lastModified: String?)] = []

    func get(url: String, etag: String?, lastModified: String?, into path: String) throws -> HTTPFetched {
        asked.append((etag, lastModified))
        if status == 200, etag != nil, etag == self.etag {
            return HTTPFetched(status: 304, etag: etag, lastModified: nil)
        }
        try Data((status == 200 ? body : "error").utf8).write(to: URL(fileURLWithPath: path))
        return HTTPFetched(status: status, etag: self.etag, lastModified: "Mon, 07 Dec 2026 10:00:00 GMT")
    }
}

@Suite struct HTTPAndCommandCollectorTests {
    @Test func anUnchangedBodyWritesNothing() throws {
        let bench = try CollectorBench()
        _ = try bench.apply("""
            kind: collector
            name: api
            type: http
            url: http://127.0.0.1:9/readings
            path: /api/latest.json
            """)
        let http = FakeHTTP()
        #expect(try bench.run("api", http: http).0 == .collected(bytes: 3))
        #expect(try bench.run("api", http: http).0 == .nothingNew)
        #expect(http.asked.last?.etag == "\"1\"")
        // A new ETag over the same bytes: still nothing.
        http.etag = "\"2\""
        #expect(try bench.run("api", http: http).0 == .nothingNew)
        http.body = "v2\n"
        http.etag = "\"3\""
        #expect(try bench.run("api", http: http).0 == .collected(bytes: 3))
        #expect(try bench.text("/api/latest.json") == "v2\n")
        let head = try bench.pond.headVersion
        http.status = 503
        #expect(throws: ResourceError.self) { try bench.run("api", http: http) }
        #expect(try bench.pond.headVersion == head)
    }

    @Test func aCommandAppendsItsOutputAndAFailureWritesNothing() throws {
        let bench = try CollectorBench()
        _ = try bench.apply("""
            kind: collector
            name: count
            type: command
            command: printf '%s\\n' "$WORD"
            path: /out/words.txt
            append: true
            ---
            kind: collector
            name: broken
            type: command
            command: echo partial; echo 'it broke' >&2; exit 3
            path: /out/broken.txt
            """)
        setenv("WORD", "one", 1)
        _ = try bench.run("count")
        _ = try bench.run("count")
        #expect(try bench.text("/out/words.txt") == "one\none\n")
        let head = try bench.pond.headVersion
        #expect {
            try bench.run("broken")
        } throws: { error in
            "\(error)" == "command exited with status 3: it broke"
        }
        #expect(try bench.pond.headVersion == head)
        #expect(try bench.pond.read { try $0.root.exists("/out/broken.txt") } == false)
    }

    @Test func aReplacingCommandWithTheSameOutputMakesNoVersion() throws {
        let bench = try CollectorBench()
        _ = try bench.apply("kind: collector\nname: c\ntype: command\ncommand: echo same\npath: /same.txt\n")
        #expect(try bench.run("c").1 != nil)
        #expect(try bench.run("c") == (.nothingNew, nil))
    }
}

@Suite struct ApplyTests {
    @Test func applyingTwiceMakesOneVersionAndAChangeMakesAnother() throws {
        let bench = try CollectorBench()
        try bench.pond.write { try $0.root.write("/data.csv", "a,b\n1,2\n") }
        let yaml = """
            kind: directory
            path: /stations/north
            ---
            kind: derived
            path: /stations/sum.csv
            query: SELECT a + b AS s FROM "/data.csv"
            ---
            kind: visit
            path: /all
            glob: /stations/*
            ---
            kind: site
            config:
              title: North
              pages: [a, b]
            """
        let head = try bench.pond.headVersion
        let first = try bench.apply(yaml)
        #expect(first.version == head.next)
        #expect(first.steps.map(\.description) == ["create directory /stations", "create directory /stations/north",
                                                   "create visit /all", "create site config /site.yaml", "create derived /stations/sum.csv"])
        #expect(try bench.apply(yaml) .version == nil)
        #expect(try bench.apply(yaml).steps.isEmpty)
        #expect(try bench.text("/stations/sum.csv") == "s\n3\n")
        #expect(try bench.text("/site.yaml") == "title: North\npages:\n- a\n- b\n")
        let changed = try bench.apply(yaml.replacingOccurrences(of: "a + b", with: "a * b").replacingOccurrences(of: "/stations/*", with: "/*.csv"))
        #expect(changed.version == head.next.next)
        #expect(changed.steps.map(\.description) == ["change visit /all (its glob)", "change derived /stations/sum.csv (its query)"])
        #expect(try bench.text("/stations/sum.csv") == "s\n2\n")
        #expect(try bench.pond.read { try $0.root.list("/all").map(\.name.string) } == ["data"])
    }

    @Test func aBadQueryOrAFileInTheWayChangesNothing() throws {
        let bench = try CollectorBench()
        try bench.pond.write { try $0.root.write("/stations", "a file") }
        let head = try bench.pond.headVersion
        #expect(throws: ResourceError.self) { try bench.apply("kind: directory\npath: /stations/north\n") }
        #expect(throws: (any Error).self) { try bench.apply("kind: directory\npath: /x\n---\nkind: derived\npath: /y.csv\nquery: SELECT * FROM \"/nothing.csv\"\n") }
        #expect(try bench.pond.headVersion == head)
        #expect(try bench.pond.read { try $0.root.exists("/x") } == false)
    }

    @Test func rollupsAreResourcesToo() throws {
        let bench = try CollectorBench()
        try bench.pond.write { fs in
            try fs.root.mkdir("/sensors")
            try fs.root.write("/sensors/north.csv", "time,temp\n2026-12-01T10:00:00Z,1\n2026-12-01T10:30:00Z,3\n2026-12-01T11:00:00Z,5\n")
            try fs.root.write("/sensors/south.csv", "time,temp\n2026-12-01T10:00:00Z,2\n2026-12-01T11:30:00Z,4\n")
        }
        let yaml = """
            kind: reduce
            path: /rollups
            source: /sensors/*.csv
            every: [1h, 1d]
            agg: [avg, count]
            ---
            kind: join
            path: /both.csv
            inputs:
              N: /sensors/north.csv
              S: /sensors/south.csv
            ---
            kind: pivot
            path: /temps.csv
            source: /sensors/*.csv
            column: temp
            """
        let made = try bench.apply(yaml)
        #expect(made.steps.map(\.description) == ["create join /both.csv", "create reduce /rollups", "create pivot /temps.csv"])
        #expect(try bench.apply(yaml).version == nil)
        #expect(try bench.text("/rollups/north/res=1h.csv") == "time,temp_avg,temp_count\n2026-12-01T10:00:00.000000Z,2.0,2\n2026-12-01T11:00:00.000000Z,5.0,1\n")
        #expect(try bench.text("/temps.csv").hasPrefix("time,north,south\n2026-12-01T10:00:00.000000Z,1,2\n"))
        let changed = try bench.apply(yaml.replacingOccurrences(of: "every: [1h, 1d]", with: "every: 6h"))
        #expect(changed.steps.map(\.description) == ["change reduce /rollups (its definition)"])
        #expect(try bench.pond.read { try $0.root.list("/rollups/south").map(\.name.string) } == ["res=6h.csv"])
        #expect {
            try bench.apply("kind: reduce\npath: /r\nsource: /sensors/north.csv\nevery: [1h, 2q]\n")
        } throws: { "\($0)".contains("line 4: '2q' is no resolution") }
        #expect {
            try bench.apply("kind: reduce\npath: /r\nsource: /sensors/north.csv\nevery: 1h\ncolumns: [nope]\n")
        } throws: { "\($0)".contains("no column 'nope'") }
    }

    @Test func twoDocumentsOfOnePathAreRefused() throws {
        let bench = try CollectorBench()
        #expect {
            try bench.apply("kind: directory\npath: /a\n---\nkind: visit\npath: /a\nglob: /*\n")
        } throws: { error in
            "\(error)".contains("document 2") && "\(error)".contains("also given by test.yaml: document 1")
        }
    }

    @Test func remotesKeepTheirReferencesNotTheSecrets() throws {
        let bench = try CollectorBench()
        let yaml = """
            kind: remote
            name: origin
            url: s3://bucket/pond
            endpoint: http://127.0.0.1:8333
            access_key_id: ${env:STATION_KEY}
            secret_access_key: ${env:STATION_SECRET}
            auto_push: true
            """
        let made = try bench.apply(yaml)
        #expect(made.version == nil && made.steps.count == 1)
        #expect(try bench.pond.remotes() == [RemoteRecord(name: "origin", url: "s3://bucket/pond", endpoint: "http://127.0.0.1:8333", autoPush: true,
                                                          accessKeyID: "${env:STATION_KEY}", secretAccessKey: "${env:STATION_SECRET}")])
        #expect(try bench.apply(yaml).steps.isEmpty)
        #expect(throws: ResourceError.self) { try bench.apply("kind: remote\nname: r\nurl: ftp://x\n") }
    }
}
