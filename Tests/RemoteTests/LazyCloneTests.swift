import Foundation
import OpLog
@testable import Remote
import S3
import Testing

/// Lazy clones (DESIGN.md, "Lazy clones") through the built `pond`, which
/// runs `pond-remote` for every fetch: from a file:// remote here, from the
/// loopback S3 server in `LazyCloneS3Tests`. Every answer is compared with
/// the pond the remote was pushed from; what was fetched is counted from
/// `$POND_FETCH_LOG` (one line per `pond-remote chunks` run: chunks, bytes, requests).
@Suite struct LazyCloneTests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
        var data = Data()
    }

    /// Runs `pond ARGUMENTS` with `environment` added.
    static func pond(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: AutoPushS3Tests.pond)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self), data: stdout)
    }

    /// A source pond: /h.txt, /big.bin (3 MB of noise) and /s/series.csv,
    /// a header and `days` daily appends of 10,800 readings each (versions
    /// 4 on); `remote` is what it was pushed to (by `push`, given the pond).
    struct Source {
        let scratch: Scratch
        let pond: String
        let big: Data
        let dayBytes: [Int]

        init(days: Int = 8) throws {
            scratch = try Scratch()
            pond = scratch.path("source.db")
            #expect(try LazyCloneTests.pond(["init", "--pond", pond]).status == 0)
            big = try LazyCloneTests.noise(3_000_000)
            try big.write(to: URL(fileURLWithPath: scratch.path("big.bin")))
            try Data("hello\n".utf8).write(to: URL(fileURLWithPath: scratch.path("h.txt")))
            for name in ["h.txt", "big.bin"] {
                #expect(try LazyCloneTests.pond(["copy", scratch.path(name), "/\(name)", "--pond", pond]).status == 0)
            }
            try Data("time,station,v\n".utf8).write(to: URL(fileURLWithPath: scratch.path("header.csv")))
            #expect(try LazyCloneTests.pond(["mkdir", "/s", "--pond", pond]).status == 0)
            #expect(try LazyCloneTests.pond(["copy", scratch.path("header.csv"), "/s/series.csv", "--pond", pond]).status == 0)
            var sizes: [Int] = []
            for day in 1...days {
                var text = ""
                for second in stride(from: 0, to: 86_400, by: 86_400 / 12_000 + 1) {
                    let time = String(format: "2026-03-%02dT%02d:%02d:%02dZ", day, second / 3600, second / 60 % 60, second % 60)
                    text += "\(time),S\(second % 3),\(Double(day * 100_000 + second) / 7)\n"
                }
                let file = scratch.path("day\(day).csv")
                try Data(text.utf8).write(to: URL(fileURLWithPath: file))
                sizes.append(text.utf8.count)
                let appended = try LazyCloneTests.pond(["append", "/s/series.csv", file, "--pond", pond])
                #expect(appended.status == 0, "\(appended.stderr)")
            }
            dayBytes = sizes
        }

        /// Pushed to a file:// remote in the scratch directory and cloned from it lazily: the remote's directory and the clone.
        func pushedAndClonedLazily() throws -> (remote: String, lazy: String) {
            let remote = scratch.path("remote"), lazy = scratch.path("lazy.db")
            try push(to: "file://\(remote)")
            let clone = try LazyCloneTests.pond(["clone", "--lazy", "file://\(remote)", lazy])
            #expect(clone.status == 0, "\(clone.stderr)")
            return (remote, lazy)
        }

        func push(to url: String, endpoint: String? = nil, environment: [String: String] = [:]) throws {
            let add = try LazyCloneTests.pond(["remote", "add", "origin", url, "--pond", pond] + (endpoint.map { ["--endpoint", $0] } ?? []))
            #expect(add.status == 0, "\(add.stderr)")
            let pushed = try LazyCloneTests.pond(["push", "--pond", pond], environment: environment)
            #expect(pushed.status == 0, "\(pushed.stderr)")
        }
    }

    /// `count` bytes of noise (no chunk of it is any other's).
    static func noise(_ count: Int) throws -> Data {
        let handle = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
        defer { try? handle.close() }
        return try handle.read(upToCount: count) ?? Data()
    }

    /// The chunks and bytes fetched so far, from the fetch log.
    static func fetched(_ log: String) -> (runs: Int, bytes: Int, requests: Int) {
        let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
        return lines.reduce((0, 0, 0)) { total, line in
            let fields = line.split(separator: " ").compactMap { Int($0) }
            return (total.0 + 1, total.1 + fields[1], total.2 + fields[2])
        }
    }

    static func statusField(_ pond: String, _ name: String) throws -> String? {
        let status = try LazyCloneTests.pond(["status", "--pond", pond, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        return object?[name].map { "\($0)" }
    }

    static let oneDay = """
        SELECT count(*), sum(v), min(time), max(time) FROM "/s/series.csv" WHERE time >= '2026-03-05' AND time < '2026-03-06'
        """

    @Test func aLazyCloneHasEveryVersionAndFetchesOnlyWhatReadsNeed() throws {
        let source = try Source()
        let remote = source.scratch.path("remote")
        try source.push(to: "file://\(remote)")
        let lazy = source.scratch.path("lazy.db")
        let log = source.scratch.path("fetch.log")
        let env = ["POND_FETCH_LOG": log]
        let clone = try Self.pond(["clone", "--lazy", "file://\(remote)", lazy])
        #expect(clone.status == 0 && clone.stdout.contains("lazily"), "\(clone.stdout)\(clone.stderr)")
        #expect(try Self.statusField(lazy, "lazy") == "yes: a lazy clone of origin")
        #expect(try Self.statusField(lazy, "local_bytes") == "0")
        #expect(try Int(Self.statusField(lazy, "remote_bytes") ?? "") ?? 0 > 3_000_000)
        // Every version, row and hash: the log and the head hash are the source's.
        #expect(try Self.pond(["log", "--pond", lazy]).stdout == (try Self.pond(["log", "--pond", source.pond]).stdout))
        #expect(try Self.statusField(lazy, "head_hash") == (try Self.statusField(source.pond, "head_hash")))
        #expect(try Self.pond(["list", "-R", "/", "--at", "5", "--pond", lazy]).stdout
                == (try Self.pond(["list", "-R", "/", "--at", "5", "--pond", source.pond]).stdout))

        // fsck checks what is here and counts the rest as not local; backup refuses.
        let fsck = try Self.pond(["fsck", "--pond", lazy])
        #expect(fsck.status == 0 && fsck.stdout.contains("not local: "), "\(fsck.stdout)\(fsck.stderr)")
        let backup = try Self.pond(["backup", source.scratch.path("backup.db"), "--pond", lazy])
        #expect(backup.status == 1 && backup.stderr.contains("is a lazy clone") && backup.stderr.contains("pond fetch"), "\(backup.stderr)")
        #expect(!FileManager.default.fileExists(atPath: source.scratch.path("backup.db")))

        // One day of the series: the same answer, about one day's bytes fetched.
        let day = try Self.pond(["sql", Self.oneDay, "--pond", lazy], environment: env)
        let full = try Self.pond(["sql", Self.oneDay, "--pond", source.pond])
        #expect(day.status == 0 && day.stdout == full.stdout, "\(day.stdout)\(day.stderr)")
        let afterDay = Self.fetched(log)
        #expect(afterDay.bytes > 0 && afterDay.bytes <= 2 * source.dayBytes[4], "fetched \(afterDay) for a day of \(source.dayBytes[4]) bytes")

        // Files whole, at versions old and new; a second read is local.
        #expect(try Self.pond(["cat", "/h.txt", "--pond", lazy], environment: env).stdout == "hello\n")
        #expect(try Self.pond(["cat", "/big.bin", "--pond", lazy], environment: env).data == source.big)
        for version in ["5", "8", "head"] {
            let here = try Self.pond(["cat", "/s/series.csv", "--at", version, "--pond", lazy], environment: env)
            let full = try Self.pond(["cat", "/s/series.csv", "--at", version, "--pond", source.pond])
            #expect(here.status == 0 && here.data == full.data)
        }
        let before = Self.fetched(log)
        #expect(try Self.pond(["cat", "/big.bin", "--pond", lazy], environment: env).data == source.big)
        let count = "SELECT count(*), sum(v) FROM \"/s/series.csv\""
        let counted = try Self.pond(["sql", count, "--pond", lazy], environment: env)
        let countedFull = try Self.pond(["sql", count, "--pond", source.pond])
        #expect(counted.status == 0 && counted.stdout == countedFull.stdout)
        #expect(Self.fetched(log).runs == before.runs, "a second read fetched again")
        #expect(try Self.pond(["fsck", "--pond", lazy]).status == 0)
    }

    @Test func fetchPullAndPushKeepALazyCloneWholeOrLazy() throws {
        let source = try Source(days: 3)
        let lazy = try source.pushedAndClonedLazily().lazy
        let all = try #require(Int(try Self.statusField(lazy, "remote_bytes") ?? ""))
        // Fetching a path brings its bytes (at that version) and no others.
        let fetch = try Self.pond(["fetch", "/s", "--pond", lazy])
        #expect(fetch.status == 0 && fetch.stdout.hasPrefix("fetched "), "\(fetch.stdout)\(fetch.stderr)")
        let left = try #require(Int(try Self.statusField(lazy, "remote_bytes") ?? ""))
        #expect(left < all && left >= source.big.count)

        // A pull stays lazy: the new version's bytes stay on the remote.
        try Data(repeating: 7, count: 200_000).write(to: URL(fileURLWithPath: source.scratch.path("new.bin")))
        #expect(try Self.pond(["copy", source.scratch.path("new.bin"), "/new.bin", "--pond", source.pond]).status == 0)
        #expect(try Self.pond(["push", "--pond", source.pond]).status == 0)
        let pull = try Self.pond(["pull", "--pond", lazy])
        #expect(pull.status == 0, "\(pull.stderr)")
        #expect(try Int(Self.statusField(lazy, "remote_bytes") ?? "") ?? 0 > left)
        #expect(try Self.pond(["cat", "/new.bin", "--pond", lazy]).data == Data(repeating: 7, count: 200_000))

        // A push from the lazy clone sends what it wrote; the source pulls it.
        #expect(try Self.pond(["mkdir", "/from-lazy", "--pond", lazy]).status == 0)
        #expect(try Self.pond(["copy", source.scratch.path("h.txt"), "/from-lazy/h.txt", "--pond", lazy]).status == 0)
        let push = try Self.pond(["push", "--pond", lazy])
        #expect(push.status == 0, "\(push.stderr)")
        #expect(try Self.pond(["pull", "--pond", source.pond]).status == 0)
        #expect(try Self.pond(["cat", "/from-lazy/h.txt", "--pond", source.pond]).stdout == "hello\n")

        // Everything: then it is whole, fsck says nothing is missing, and it backs up.
        let rest = try Self.pond(["fetch", "--pond", lazy])
        #expect(rest.status == 0 && rest.stdout.contains("every byte is local"), "\(rest.stdout)\(rest.stderr)")
        let fsck = try Self.pond(["fsck", "--pond", lazy])
        #expect(fsck.status == 0 && !fsck.stdout.contains("not local"), "\(fsck.stdout)")
        #expect(try Self.pond(["backup", source.scratch.path("backup.db"), "--pond", lazy]).status == 0)
        #expect(try Self.pond(["cat", "/big.bin", "--pond", source.scratch.path("backup.db")]).data == source.big)
    }

    @Test func aDamagedMissingOrUnreachableRemoteIsOneLineAndChangesNothing() throws {
        let source = try Source(days: 1)
        let (remote, lazy) = try source.pushedAndClonedLazily()
        let packs = try FileManager.default.contentsOfDirectory(atPath: "\(remote)/packs").map { "\(remote)/packs/\($0)" }
        let originals = try packs.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        func restore() throws { for (path, bytes) in zip(packs, originals) { try bytes.write(to: URL(fileURLWithPath: path)) } }
        let fileBytes = { try Data(contentsOf: URL(fileURLWithPath: lazy)) }

        // A flipped byte in every 4 KiB of every pack.
        for (path, bytes) in zip(packs, originals) {
            var damaged = bytes
            for offset in stride(from: 100, to: damaged.count, by: 4096) { damaged[offset] ^= 0x40 }
            try damaged.write(to: URL(fileURLWithPath: path))
        }
        let before = try fileBytes()
        let damaged = try Self.pond(["cat", "/big.bin", "--pond", lazy])
        #expect(damaged.status == 1 && damaged.data.isEmpty, "\(damaged.stdout.prefix(100))")
        #expect(damaged.stderr.hasPrefix("Error: cannot fetch bytes from remote 'origin': remote object packs/")
                && damaged.stderr.contains("does not match its SHA-256") && damaged.stderr.split(separator: "\n").count == 1, "\(damaged.stderr)")
        #expect(try Self.statusField(lazy, "local_bytes") == "0")

        // The packs gone.
        for path in packs { try FileManager.default.removeItem(atPath: path) }
        let missing = try Self.pond(["sql", Self.oneDay.replacingOccurrences(of: "03-05", with: "03-01").replacingOccurrences(of: "03-06", with: "03-02"),
                                     "--pond", lazy])
        #expect(missing.status == 1 && missing.stderr.contains("remote object packs/") && missing.stderr.contains("is missing"), "\(missing.stderr)")
        try restore()
        #expect(try fileBytes() == before || (try Self.statusField(lazy, "local_bytes")) == "0")

        // The remote no longer named: a read is one line naming it; fetched again once it is.
        #expect(try Self.pond(["remote", "remove", "origin", "--pond", lazy]).status == 0)
        let unnamed = try Self.pond(["cat", "/h.txt", "--pond", lazy])
        #expect(unnamed.status == 1 && unnamed.stderr == "Error: /h.txt at version \(8 - 7 + 4) is not local: its bytes are on remote 'origin', which this command cannot reach (pond fetch brings them)\n"
                || unnamed.stderr.contains("is not local: its bytes are on remote 'origin'"), "\(unnamed.stderr)")
        #expect(try Self.pond(["remote", "add", "origin", "file://\(remote)", "--pond", lazy]).status == 0)
        #expect(try Self.pond(["cat", "/big.bin", "--pond", lazy]).data == source.big)
        #expect(try Self.pond(["fsck", "--pond", lazy]).status == 0)
    }

    @Test func aFetchKilledAnywhereLeavesWhatItKeptIntact() throws {
        let scratch = try Scratch()
        let pond = scratch.path("source.db")
        #expect(try Self.pond(["init", "--pond", pond]).status == 0)
        let big = try Self.noise(24_000_000)
        try big.write(to: URL(fileURLWithPath: scratch.path("big.bin")))
        #expect(try Self.pond(["copy", scratch.path("big.bin"), "/big.bin", "--pond", pond]).status == 0)
        let remote = scratch.path("remote")
        #expect(try Self.pond(["remote", "add", "origin", "file://\(remote)", "--pond", pond]).status == 0)
        #expect(try Self.pond(["push", "--pond", pond]).status == 0)
        let lazy = scratch.path("lazy.db")
        #expect(try Self.pond(["clone", "--lazy", "file://\(remote)", lazy]).status == 0)
        var kept: [Int] = []
        for delay in [30, 90, 200, 400] where kept.last != 0 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: AutoPushS3Tests.pond)
            process.arguments = ["fetch", "--pond", lazy]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(delay * 1000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let fsck = try Self.pond(["fsck", "--pond", lazy])
            #expect(fsck.status == 0, "after a kill at \(delay) ms: \(fsck.stdout)\(fsck.stderr)")
            kept.append(try #require(Int(try Self.statusField(lazy, "remote_bytes") ?? "")))
        }
        #expect(kept == kept.sorted(by: >), "what a killed fetch kept went away: \(kept)")
        #expect(try Self.pond(["cat", "/big.bin", "--pond", lazy]).data == big)
        #expect(try Self.statusField(lazy, "remote_bytes") == "0")
    }

    /// A one-day query of a Parquet file fetches its footer and the column
    /// chunks of the one row group that can hold the day: not the file.
    @Test func aParquetQueryFetchesTheFooterAndTheColumnChunksItReads() throws {
        let scratch = try Scratch()
        let pond = scratch.path("source.db")
        #expect(try Self.pond(["init", "--pond", pond]).status == 0)
        // 400,000 readings a minute apart (about 277 days): four row groups of 131,072 rows.
        let make = try Self.pond(["sql", "--format", "parquet", """
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 399999)
            SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 1772323200 + i * 60, 'unixepoch') AS time, i % 7 AS station, i * 0.5 AS v FROM n
            """, "--pond", pond])
        #expect(make.status == 0, "\(make.stderr)")
        try make.data.write(to: URL(fileURLWithPath: scratch.path("r.parquet")))
        #expect(try Self.pond(["copy", scratch.path("r.parquet"), "/r.parquet", "--pond", pond]).status == 0)
        let remote = scratch.path("remote")
        #expect(try Self.pond(["remote", "add", "origin", "file://\(remote)", "--pond", pond]).status == 0)
        #expect(try Self.pond(["push", "--pond", pond]).status == 0)
        let lazy = scratch.path("lazy.db")
        #expect(try Self.pond(["clone", "--lazy", "file://\(remote)", lazy]).status == 0)
        let log = scratch.path("fetch.log")
        let query = "SELECT count(*), sum(v) FROM \"/r.parquet\" WHERE time >= '2026-06-01' AND time < '2026-06-02'"
        let here = try Self.pond(["sql", query, "--pond", lazy], environment: ["POND_FETCH_LOG": log])
        let full = try Self.pond(["sql", query, "--pond", pond])
        #expect(here.status == 0 && here.stdout == full.stdout && full.stdout.contains("1440"), "\(here.stdout)\(here.stderr)")
        let fetched = Self.fetched(log)
        // (The row group holding the day is 91 days: its time and v chunks are a third of the file.)
        #expect(fetched.bytes > 0 && fetched.bytes * 2 < make.data.count, "\(fetched) of a \(make.data.count)-byte file")
    }

    /// A full clone checks a series' appended contents by what each append
    /// added (not every content whole again): still every byte.
    @Test func aFullCloneOfASeriesChecksEveryAppendedByte() throws {
        let source = try Source(days: 4)
        let remote = source.scratch.path("remote")
        try source.push(to: "file://\(remote)")
        let full = source.scratch.path("full.db")
        #expect(try Self.pond(["clone", "file://\(remote)", full]).status == 0)
        #expect(try Self.pond(["cat", "/s/series.csv", "--pond", full]).data == (try Self.pond(["cat", "/s/series.csv", "--pond", source.pond])).data)
        #expect(try Self.pond(["fsck", "--pond", full]).status == 0)
        // One byte flipped near the end of each pack: in what the last appends added.
        for name in try FileManager.default.contentsOfDirectory(atPath: "\(remote)/packs") {
            let url = URL(fileURLWithPath: "\(remote)/packs/\(name)")
            var bytes = try Data(contentsOf: url)
            bytes[bytes.count - 10] ^= 1
            try bytes.write(to: url)
        }
        let damaged = source.scratch.path("damaged.db")
        let clone = try Self.pond(["clone", "file://\(remote)", damaged])
        #expect(clone.status == 1 && clone.stderr.contains("is damaged"), "\(clone.stderr)")
        #expect(!FileManager.default.fileExists(atPath: damaged))
    }

    @Test func neighbouringChunksOfAPackAreOneRequest() {
        func chunk(_ pack: String, _ offset: Int64, _ length: Int64) -> PackEntry {
            PackEntry(chunk: Data("\(pack)\(offset)".utf8), pack: pack, offset: offset, length: length)
        }
        let requests = LazyFetch.requests(for: [chunk("b", 0, 10), chunk("a", 10, 5), chunk("a", 0, 10), chunk("a", 20, 5),
                                                chunk("a", 25, LazyFetch.requestLimit)])
        #expect(requests.map(\.pack) == ["a", "a", "a", "b"])
        #expect(requests.map(\.range) == [0..<15, 20..<25, 25..<(25 + LazyFetch.requestLimit), 0..<10])
        #expect(requests[0].chunks.map(\.offset) == [0, 10])
    }
}

/// A lazy clone of a pond on the loopback S3 server.
@Suite(.enabled(if: Backend.available.contains(.s3), "needs a weed binary (CI sets POND_REQUIRE_S3)"))
struct LazyCloneS3Tests {
    @Test func aLazyCloneOfAnS3RemoteFetchesByRangedGets() async throws {
        let server = try #require(try SeaweedServer.server())
        let source = try LazyCloneTests.Source(days: 6)
        let prefix = "lazy-\(UUID().uuidString.lowercased())"
        let bucket = try S3ObjectStore(bucket: "pond-tests", prefix: prefix, endpoint: server.endpoint,
                                       credentials: S3Credentials(accessKey: SeaweedServer.accessKey, secretKey: SeaweedServer.secretKey))
        try await bucket.createBucket()
        await bucket.shutdown()
        let credentials = ["AWS_ACCESS_KEY_ID": SeaweedServer.accessKey, "AWS_SECRET_ACCESS_KEY": SeaweedServer.secretKey]
        let url = "s3://pond-tests/\(prefix)"
        try source.push(to: url, endpoint: server.endpoint, environment: credentials)
        let lazy = source.scratch.path("lazy.db")
        let log = source.scratch.path("fetch.log")
        let clone = try LazyCloneTests.pond(["clone", "--lazy", url, lazy, "--endpoint", server.endpoint], environment: credentials)
        #expect(clone.status == 0, "\(clone.stderr)")
        var env = credentials
        env["POND_FETCH_LOG"] = log

        let day = try LazyCloneTests.pond(["sql", LazyCloneTests.oneDay, "--pond", lazy], environment: env)
        let full = try LazyCloneTests.pond(["sql", LazyCloneTests.oneDay, "--pond", source.pond])
        #expect(day.status == 0 && day.stdout == full.stdout, "\(day.stderr)")
        let fetched = LazyCloneTests.fetched(log)
        #expect(fetched.bytes > 0 && fetched.bytes <= 2 * source.dayBytes[4] && fetched.requests <= 3, "\(fetched) for a day of \(source.dayBytes[4])")
        #expect(try LazyCloneTests.pond(["cat", "/big.bin", "--pond", lazy], environment: env).data == source.big)

        // The server gone (the remote now names a port nothing listens on): one line after the retries.
        #expect(try LazyCloneTests.pond(["remote", "remove", "origin", "--pond", lazy]).status == 0)
        #expect(try LazyCloneTests.pond(["remote", "add", "origin", url, "--endpoint", "http://127.0.0.1:9", "--pond", lazy]).status == 0)
        let gone = try LazyCloneTests.pond(["cat", "/h.txt", "--pond", lazy], environment: env)
        #expect(gone.status == 1 && gone.stderr.hasPrefix("Error: cannot fetch bytes from remote 'origin': cannot GET ")
                && gone.stderr.split(separator: "\n").count == 1, "\(gone.stderr)")
        #expect(try LazyCloneTests.pond(["fsck", "--pond", lazy]).status == 0)
    }
}
