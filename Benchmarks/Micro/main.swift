// Microbenchmarks of Pond's hot paths, in process: fold a directory,
// resolve a path, read a file, cut and hash content. Not part of `swift test`.
//
//   swift run -c release --package-path Benchmarks pond-microbench [--quick]
//
// Why not package-benchmark (ordo-one/benchmark 1.38.1)? On Linux with
// Swift 6.3 it depends on ordo-one/swift-runtime-interposer, which this
// machine kind's package mirror does not have, so it cannot resolve here.
// This harness does what is needed: a warm-up, then each body timed over
// many iterations with ContinuousClock, reporting the median and p90 of
// per-iteration time over 15 samples. For counts that do not depend on the
// machine's load, run it under `valgrind --tool=callgrind` (instructions).
import Foundation
import Pond

struct Sample {
    let name: String
    let median: Duration
    let p90: Duration
}

/// Times `body` in `samples` batches of `iterations` calls after a warm-up batch.
func measure(_ name: String, iterations: Int, samples: Int = 15, _ body: () throws -> Void) rethrows -> Sample {
    let clock = ContinuousClock()
    for _ in 0..<max(1, iterations / 10) { try body() }
    var perCall: [Duration] = []
    for _ in 0..<samples {
        let elapsed = try clock.measure { for _ in 0..<iterations { try body() } }
        perCall.append(elapsed / iterations)
    }
    perCall.sort()
    return Sample(name: name, median: perCall[samples / 2], p90: perCall[samples * 9 / 10])
}

func format(_ duration: Duration) -> String {
    let nanoseconds = Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
    return nanoseconds >= 1e6 ? String(format: "%8.2f ms", nanoseconds / 1e6)
        : nanoseconds >= 1e3 ? String(format: "%8.2f µs", nanoseconds / 1e3) : String(format: "%8.0f ns", nanoseconds)
}

let quick = CommandLine.arguments.contains("--quick")
let scale = quick ? 1 : 4
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pond-micro-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let pond = try Pond.create(at: directory.appendingPathComponent("micro.pond").path)

// A directory of 1,000 files written over 100 versions (10 per version),
// each file rewritten once later: the fold reads 2,000+ rows.
for batch in 0..<100 {
    try pond.write(message: "batch \(batch)") { fs in
        if batch == 0 { try fs.root.mkdir("/data/deep/er/still", parents: true) }
        for file in 0..<10 { try fs.root.write("/data/f\(batch * 10 + file).csv", "batch \(batch)\n") }
    }
}
try pond.write(message: "rewrite") { fs in
    for file in 0..<1000 { try fs.root.write("/data/f\(file).csv", "rewritten \(file)\n") }
    try fs.root.write("/data/deep/er/still/leaf.txt", "leaf")
    try fs.root.symlink("/data/deep/er/still", at: "/shortcut")
}
let large = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
try pond.write(message: "large") { fs in try fs.root.write("/large.bin", large) }

var results: [Sample] = []
try pond.read { fs in
    results.append(try measure("fold /data (1,000 entries, 2,000 rows)", iterations: 20 * scale) {
        _ = try fs.root.list("/data")
    })
    results.append(try measure("resolve /data/deep/er/still/leaf.txt (5 components)", iterations: 2000 * scale) {
        _ = try fs.root.node("/data/deep/er/still/leaf.txt")
    })
    results.append(try measure("resolve /shortcut/leaf.txt (through a symlink)", iterations: 2000 * scale) {
        _ = try fs.root.node("/shortcut/leaf.txt")
    })
    results.append(try measure("read a 14-byte file", iterations: 2000 * scale) {
        _ = try fs.root.read("/data/f500.csv")
    })
    results.append(try measure("read a 4 MiB file (about 64 chunks), streamed", iterations: 5 * scale) {
        var total = 0
        try fs.root.read("/large.bin") { total += $0.count }
        precondition(total == large.count)
    })
}
try pond.read(at: 50) { fs in
    results.append(try measure("fold /data at version 50 (of 103)", iterations: 20 * scale) {
        _ = try fs.root.list("/data")
    })
}
var round = 0
results.append(try measure("write 4 MiB (chunk, hash, store; rolled back)", iterations: 2 * scale, samples: 7) {
    round += 1
    struct Undo: Error {}
    do {
        try pond.write(message: "undone") { fs in
            var bytes = large
            bytes[0] = UInt8(truncatingIfNeeded: round)
            try fs.root.write("/scratch.bin", bytes)
            throw Undo()
        }
    } catch is Undo {}
})

let width = results.map(\.name.count).max() ?? 0
print("Pond microbenchmarks (median and p90 per call, 15 samples; \(quick ? "quick" : "full"))")
for sample in results {
    print("  \(sample.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(format(sample.median))  p90 \(format(sample.p90))")
}
