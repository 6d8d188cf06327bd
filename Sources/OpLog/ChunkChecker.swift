import Crypto
import Foundation

/// Checks a content's chunks as a table scan reads them, on a thread of its
/// own: each chunk against its SHA-256, and the whole content's digest
/// (`ContentDigest`), one chunk ahead of the reader. The reader gets a
/// chunk's bytes only once that chunk is found intact (`Chunk.isIntact`),
/// and the whole only once the digest matches (`finalize`); meanwhile the
/// hashing, a seventh of a scan's time, runs beside the parsing.
final class ChunkChecker: @unchecked Sendable {
    /// A chunk under check.
    final class Chunk: @unchecked Sendable {
        let data: Data
        let offset: Int64
        fileprivate var intact = false
        /// Signalled when the check is done (a semaphore, not the work item,
        /// which holds the chunk: a cycle that would keep every chunk read).
        fileprivate let done = DispatchSemaphore(value: 0)
        private var waited = false

        fileprivate init(data: Data, offset: Int64) {
            self.data = data
            self.offset = offset
        }

        /// Waits for the check; whether the bytes match their hash.
        func isIntact() -> Bool {
            if !waited {
                done.wait()
                waited = true
            }
            return intact
        }
    }

    private let queue = DispatchQueue(label: "pond.chunk-check")
    /// Touched only on `queue`, chunk after chunk in order.
    private var digest: ContentDigest

    init(boundaries: [Int64]) {
        digest = ContentDigest(boundaries: boundaries)
    }

    /// Starts checking `data` (the chunk at `offset`) against `hash`.
    func check(_ data: Data, hash: Data, offset: Int64) -> Chunk {
        let chunk = Chunk(data: data, offset: offset)
        queue.async { [self] in
            chunk.intact = Data(SHA256.hash(data: data)) == hash
            data.withUnsafeBytes { digest.update($0) }
            chunk.done.signal()
        }
        return chunk
    }

    /// The whole content's hash, once every chunk handed over is checked.
    func finalize() -> Data {
        queue.sync { digest.finalize() }
    }
}
