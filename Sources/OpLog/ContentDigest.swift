import Crypto
import Foundation

/// The hash a content is stored under, computed over its bytes in order:
/// their SHA-256 for a plain content; for an appended one, chained at each
/// point where it grew (Schema/v6_tables.sql):
///
///     hash(content) = SHA-256(hash(base) || SHA-256(the bytes after base))
///
/// so that appending costs the appended bytes alone, and reading still
/// checks every byte against what was written.
struct ContentDigest {
    /// Where each appended run starts (the sizes of the bases), ascending.
    private let boundaries: [Int64]
    private var nextBoundary = 0
    private var offset: Int64 = 0
    private var run = SHA256()
    /// The hash of the content up to the last boundary passed.
    private var base: Data?

    /// A digest for content that grew at `boundaries` (empty: a plain content).
    init(boundaries: [Int64] = []) {
        self.boundaries = boundaries
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while nextBoundary < boundaries.count, offset + Int64(rest.count) >= boundaries[nextBoundary] {
            let take = Int(boundaries[nextBoundary] - offset)
            run.update(bufferPointer: UnsafeRawBufferPointer(rebasing: rest[..<take]))
            offset += Int64(take)
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            closeRun()
            nextBoundary += 1
        }
        run.update(bufferPointer: rest)
        offset += Int64(rest.count)
    }

    private mutating func closeRun() {
        let hash = Data(run.finalize())
        base = base.map { ContentDigest.chain(base: $0, appended: hash) } ?? hash
        run = SHA256()
    }

    /// The hash of every byte given.
    mutating func finalize() -> Data {
        closeRun()
        return base!
    }

    /// The hash of content `base` followed by bytes whose SHA-256 is `appended`.
    static func chain(base: Data, appended: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: base)
        hasher.update(data: appended)
        return Data(hasher.finalize())
    }
}
