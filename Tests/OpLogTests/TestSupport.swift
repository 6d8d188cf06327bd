import Foundation
import TinyFS

/// A new pond file path in a fresh temporary directory.
func freshPath() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oplog-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("pond.db").path
}

/// `count` pseudo-random bytes, the same for the same seed (SplitMix64).
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count + 8)
    while bytes.count < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        withUnsafeBytes(of: z ^ (z >> 31)) { bytes.append(contentsOf: $0) }
    }
    return Array(bytes.prefix(count))
}

/// A source that yields `bytes` a few at a time, as a pipe might, to check
/// that nothing depends on how reads are split.
struct TrickleSource: ByteSource {
    let bytes: [UInt8]
    let step: Int
    var position = 0

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(step, buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<position + count])) }
        position += count
        return count
    }
}
