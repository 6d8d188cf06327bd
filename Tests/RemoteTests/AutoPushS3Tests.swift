import Foundation
import Pond
import S3
import Testing

/// Auto-push to a loopback S3 server through the built `pond` (which runs
/// `pond-remote`), with credentials named by `${env:...}` in a `remote` document.
@Suite(.enabled(if: Backend.available.contains(.s3), "needs a weed binary (CI sets POND_REQUIRE_S3)"))
struct AutoPushS3Tests {
    static let pond: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("pond")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url.path }
        }
        return bundle.appendingPathComponent("pond").path
    }()

    /// Runs `pond ARGUMENTS` with `environment` and no AWS_* variable of the test's own.
    func pond(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: AutoPushS3Tests.pond)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test func everyWriteIsPushedWithTheCredentialsTheDocumentNames() async throws {
        let server = try #require(try SeaweedServer.server())
        let scratch = try Scratch()
        let prefix = "autopush-\(UUID().uuidString.lowercased())"
        let bucketStore = try S3ObjectStore(bucket: "pond-tests", prefix: prefix, endpoint: server.endpoint,
                                            credentials: S3Credentials(accessKey: SeaweedServer.accessKey, secretKey: SeaweedServer.secretKey))
        try await bucketStore.createBucket()
        await bucketStore.shutdown()
        let file = scratch.path("pond.db")
        let yaml = scratch.path("remote.yaml")
        try Data("""
            kind: remote
            name: origin
            url: s3://pond-tests/\(prefix)
            endpoint: \(server.endpoint)
            access_key_id: ${env:STATION_KEY}
            secret_access_key: ${env:STATION_SECRET}
            auto_push: true
            """.utf8).write(to: URL(fileURLWithPath: yaml))
        let secrets = ["STATION_KEY": SeaweedServer.accessKey, "STATION_SECRET": SeaweedServer.secretKey]
        #expect(try pond(["init", "--pond", file], environment: [:]).status == 0)
        #expect(try pond(["apply", "-f", yaml, "--pond", file], environment: [:]).status == 0)
        let write = try pond(["mkdir", "/a", "--pond", file], environment: secrets)
        #expect(write.status == 0 && write.stderr.isEmpty, "\(write.stderr)")
        let verify = try pond(["verify", "--pond", file], environment: secrets)
        #expect(verify.stdout.contains("verified: head 2 ") && verify.stdout.contains("equals this pond's head"), "\(verify.stdout)\(verify.stderr)")
        // Without the variables the write stands and one line names what is missing.
        let unset = try pond(["mkdir", "/b", "--pond", file], environment: [:])
        #expect(unset.status == 0)
        #expect(unset.stderr.hasSuffix("environment variable STATION_KEY is not set (named as ${env:STATION_KEY})\n"), "\(unset.stderr)")
        #expect(unset.stderr.split(separator: "\n").count == 1)
        // The next write catches up.
        #expect(try pond(["mkdir", "/c", "--pond", file], environment: secrets).stderr.isEmpty)
        #expect(try pond(["verify", "--pond", file], environment: secrets).stdout.contains("verified: head 4 "))
        // The secret is nowhere in the pond file.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(bytes.range(of: Data(SeaweedServer.secretKey.utf8)) == nil)
        #expect(bytes.range(of: Data("${env:STATION_SECRET}".utf8)) != nil)
    }
}
