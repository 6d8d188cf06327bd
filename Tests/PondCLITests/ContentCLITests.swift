import Crypto
import Foundation
import Testing

/// Files larger than a chunk, through the command line.
struct ContentCLITests {
    /// 1.5 MiB of CSV: several chunks.
    static let readings = (0..<60_000).map { "2026-11-21T00:00:\($0),sensor-\($0 % 7),\($0 % 1000).5\n" }.joined()

    @Test func aMultiChunkFileGoesInFromAFileOrStandardInputAndComesBackWhole() throws {
        let fixture = try CLIFixture()
        let host = try fixture.hostFile("readings.csv", Self.readings)
        #expect(try fixture.run("copy", host, "/r.csv").status == 0)
        #expect(try fixture.run("copy", "-", "/piped.csv", stdin: Data(Self.readings.utf8)).status == 0)
        #expect(try fixture.run("cat", "/r.csv").stdout == Self.readings)
        #expect(try fixture.run("cat", "/piped.csv").stdout == Self.readings)
        let sha = SHA256.hash(data: Data(Self.readings.utf8)).map { String(format: "%02x", $0) }.joined()
        let described = try fixture.json("describe", "/piped.csv", "--json") as? [String: Any] ?? [:]
        #expect(described["sha256"] as? String == sha)
        #expect(described["size"] as? Int == Self.readings.utf8.count)
        // The second copy shares every chunk with the first.
        let counts = try fixture.run("sql", "SELECT (SELECT count(*) FROM chunks) || ' ' || (SELECT count(DISTINCT content) FROM content_chunks)", "--format", "csv")
        #expect(counts.stdout.split(separator: "\n").last.map(String.init)?.hasSuffix(" 1") == true, "\(counts.stdout)")
        #expect(try fixture.run("fsck").status == 0)
    }

    @Test func copyOutStreamsEachFileToItsHostPath() throws {
        let fixture = try CLIFixture()
        var bytes = [UInt8](repeating: 0, count: 700 * 1024)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13) }
        let host = fixture.directory.appendingPathComponent("blob.bin")
        try Data(bytes).write(to: host)
        #expect(try fixture.run("copy", host.path, "/blob.bin").status == 0)
        let out = fixture.directory.appendingPathComponent("out").path
        #expect(try fixture.run("copy", "/blob.bin", "host://" + out).status == 0)
        #expect(FileManager.default.contents(atPath: out + "/blob.bin") == Data(bytes))
    }
}
