import Foundation
import Tabular
import Testing

/// `.csv.gz`, `.csv.zst`, `.tsv.gz`, `.tsv.zst`, `.jsonl.gz`, `.jsonl.zst`
/// are tables, read through their codec as they stream (DESIGN.md,
/// "Parquet and compressed files").
struct CompressedTableTests {
    static func gzip(_ data: Data, in directory: URL) throws -> Data {
        let plain = directory.appendingPathComponent("plain-\(UUID().uuidString)")
        try data.write(to: plain)
        let result = try CLIFixture.runDetachedExecutable("/bin/gzip", ["-n", "-f", plain.path])
        precondition(result.status == 0, result.stderr)
        return try Data(contentsOf: URL(fileURLWithPath: plain.path + ".gz"))
    }

    static func zstd(_ data: Data) -> Data {
        Data(data.withUnsafeBytes { Codec.zstdCompress($0) })
    }

    static let csv = (["time,station,temp"] + (0..<5000).map { "2026-01-01T\(String(format: "%02d:%02d", $0 / 60 % 24, $0 % 60)):00Z,s\($0 % 3),\($0 % 11 == 0 ? "NA" : String(Double($0) / 4))" })
        .joined(separator: "\n") + "\n"

    @Test(arguments: ["csv", "tsv", "jsonl"], ["gz", "zst"])
    func aCompressedTextFileIsATable(format: String, codec: String) throws {
        let pond = try CLIFixture()
        var text = CompressedTableTests.csv
        if format == "tsv" { text = text.replacingOccurrences(of: ",", with: "\t") }
        if format == "jsonl" {
            text = CompressedTableTests.csv.split(separator: "\n").dropFirst().map { line in
                let parts = line.split(separator: ",", omittingEmptySubsequences: false)
                return "{\"time\":\"\(parts[0])\",\"station\":\"\(parts[1])\",\"temp\":\(parts[2] == "NA" ? "null" : String(parts[2]))}"
            }.joined(separator: "\n") + "\n"
        }
        let plain = Data(text.utf8)
        // gzip: two members, as `cat a.gz b.gz` makes, to be read as one stream.
        let half = plain.count / 2
        let cut = plain[..<half].lastIndex(of: UInt8(ascii: "\n"))! + 1
        let compressed = codec == "gz"
            ? try CompressedTableTests.gzip(plain[..<cut], in: pond.directory) + CompressedTableTests.gzip(plain[cut...], in: pond.directory)
            : CompressedTableTests.zstd(plain)
        try compressed.write(to: pond.directory.appendingPathComponent("r.\(format).\(codec)"))
        try plain.write(to: pond.directory.appendingPathComponent("r.\(format)"))
        let copied = try pond.run("copy", "r.\(format).\(codec)", "r.\(format)", "/")
        #expect(copied.status == 0 && copied.stderr.isEmpty, "\(copied.stderr)")
        let query = "SELECT count(*), count(temp), sum(temp), min(time), max(time), typeof(temp) FROM \"/r.\(format)%@\" GROUP BY station ORDER BY station"
        let compressedAnswer = try pond.run("sql", query.replacingOccurrences(of: "%@", with: ".\(codec)"), "--format", "csv")
        let plainAnswer = try pond.run("sql", query.replacingOccurrences(of: "%@", with: ""), "--format", "csv")
        #expect(compressedAnswer.status == 0, "\(compressedAnswer.stderr)")
        #expect(compressedAnswer.stdout == plainAnswer.stdout)
        #expect(compressedAnswer.stdout.contains("1667,1515,"), "\(compressedAnswer.stdout)")
        // A glob mixes them: columns by name.
        let glob = try pond.run("sql", "SELECT _path, count(*) FROM \"/r.*\" GROUP BY _path ORDER BY _path", "--format", "csv")
        #expect(glob.stdout == "_path,count(*)\n/r.\(format),5000\n/r.\(format).\(codec),5000\n", "\(glob.stdout)\(glob.stderr)")
    }

    /// A truncated or corrupt stream is one error naming the file and
    /// version, never a crash; so is a file that is no stream of the codec.
    @Test(arguments: ["gz", "zst"])
    func aDamagedStreamIsAnErrorNamingTheFile(codec: String) throws {
        let pond = try CLIFixture()
        let plain = Data(CompressedTableTests.csv.utf8)
        let good = codec == "gz" ? try CompressedTableTests.gzip(plain, in: pond.directory) : CompressedTableTests.zstd(plain)
        var flipped = good
        flipped[good.count / 2] ^= 0xFF
        flipped[good.count / 2 + 1] ^= 0x55
        let cases = ["truncated": good.prefix(good.count * 2 / 3), "flipped": flipped, "garbage": Data("time,temp\n1,2\n".utf8)]
        for (name, bytes) in cases {
            try bytes.write(to: pond.directory.appendingPathComponent("\(name).csv.\(codec)"))
            let copied = try pond.run("copy", "\(name).csv.\(codec)", "/")
            #expect(copied.status == 0, "\(copied.stderr)")
            #expect(copied.stderr.contains("is no table"), "\(name): \(copied.stderr)")
            let result = try pond.run("sql", "SELECT count(*), sum(temp) FROM \"/\(name).csv.\(codec)\"")
            #expect(result.status == 1, "\(name): \(result.stdout)")
            #expect(result.stderr.hasPrefix("Error: /\(name).csv.\(codec) at version "), "\(name): \(result.stderr)")
            #expect(result.stderr.contains(codec == "gz" ? "GZIP" : "ZSTD"), "\(name): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(name): \(result.stderr)")
        }
    }
}
