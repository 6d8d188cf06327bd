import Crypto
import Foundation

/// Checks stored content while it streams out: every chunk against the
/// SHA-256 it is stored under, before it is handed on, and the whole content
/// against its hash and size at the end, so that no byte reaches a reader
/// unless it is the byte written.
///
/// Two hashes of every byte cost more CPU than reading them from SQLite, so
/// they run beside the caller's thread, which reads rows and writes out:
/// one thread computes the whole content's hash (a sequential stream), and
/// one checks chunks ahead of the caller. When the caller must hand on a
/// chunk that thread has not reached, it checks that chunk itself instead of
/// waiting, so that on two cores neither core idles (Benchmarks/bench.py,
/// W4 out; figures in the README).
///
/// The caller adds chunks in order with `add` and calls `finish` after the
/// last; `sink` sees each chunk's bytes, in order, after they were checked.
/// A mismatch throws `OpLogError.damagedContent` naming the first bad offset.
/// At most `buffers` chunks are in memory at once, in buffers that are
/// reused: memory stays bounded (8 MiB) and a long read faults in no new pages.
final class VerifiedRead {
    typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    private let path: String
    private let version: Version
    private let expected: Data
    private let sink: Sink
    private let shared: Shared
    private var handed = 0
    private var size: Int64 = 0
    /// The batch being filled, not yet handed to the threads.
    private var filling: Batch?

    /// Batches read ahead of the one being handed on.
    private static let window = 2
    /// Batches in memory at once: filling, read ahead, or not yet hashed
    /// whole. Their buffers are reused, so a long read faults in no new memory.
    private static let buffers = 5

    /// Starts a read of content `expected` (its SHA-256), read at `version` through `path`.
    /// `boundaries`: where an appended content grew (ContentDigest), empty for a plain one.
    init(path: String, version: Version, expected: Data, boundaries: [Int64] = [], sink: @escaping Sink) {
        shared = Shared(boundaries: boundaries)
        self.path = path
        self.version = version
        self.expected = expected
        self.sink = sink
        let shared = self.shared
        for body in [{ shared.checkAhead() }, { shared.hashWhole() }] {
            let job = Job(body: body)
            Thread.detachNewThread { job.body() }
        }
    }

    deinit {
        shared.close()
        filling?.buffer.deallocate()
    }

    /// Adds the next chunk, stored under `hash`, whose bytes are `bytes`
    /// (copied: SQLite's buffer does not outlive its row), and hands on the
    /// oldest chunks once more than `window` wait.
    /// - Throws: `damagedContent` if a chunk handed on does not match its hash.
    func add(_ bytes: UnsafeRawBufferPointer, hash: Data) throws {
        if let batch = filling, !batch.hasRoom(for: bytes.count) {
            filling = nil
            shared.submit(batch)
        }
        let batch = filling ?? shared.newBatch(buffers: VerifiedRead.buffers, holding: bytes.count)
        batch.append(bytes, expected: hash, offset: size)
        size += Int64(bytes.count)
        if batch.isFull {
            filling = nil
            shared.submit(batch)
            while shared.added - handed > VerifiedRead.window { try handOnNext() }
        } else {
            filling = batch
        }
    }

    /// Hands on what is left, then checks the whole content's hash and size.
    /// - Throws: `damagedContent` for a bad chunk, or content whose bytes
    ///   (in order, all of them) are not the ones written.
    func finish(size expectedSize: Int64) throws {
        if let batch = filling {
            filling = nil
            shared.submit(batch)
        }
        while handed < shared.added { try handOnNext() }
        let hash = shared.wholeHash()
        if size != expectedSize {
            throw damaged(at: min(size, expectedSize), "the stored chunks hold \(size) bytes, but the file has \(expectedSize)")
        }
        if hash != expected {
            throw damaged(at: 0, "the chunks are each intact, but together they are not the file's bytes (SHA-256 \(expected.hexString))")
        }
    }

    private func handOnNext() throws {
        let batch = shared.batch(handed)
        let mismatch = shared.check(batch)
        // Chunk by chunk, as they were stored: the checked ones before a bad one still go out.
        try batch.forEachChunk(before: mismatch) { try sink($0) }
        if let mismatch { throw damaged(at: mismatch, "a stored chunk does not match its SHA-256") }
        handed += 1
        shared.handedOn(handed)
    }

    private func damaged(at offset: Int64, _ reason: String) -> OpLogError {
        .damagedContent(path: path, version: version, offset: offset, reason: reason)
    }

    /// Checks content that is one piece (a one-chunk file, a schema-1 row)
    /// before handing it on whole.
    static func single(_ bytes: UnsafeRawBufferPointer, path: String, version: Version, expected: Data,
                       sink: Sink) throws {
        guard Data(SHA256.hash(data: bytes)) == expected else {
            throw OpLogError.damagedContent(path: path, version: version, offset: 0,
                                            reason: "its bytes do not match their SHA-256 \(expected.hexString)")
        }
        try sink(bytes)
    }

    /// Consecutive chunks on their way out, about 1 MiB of them in one
    /// buffer of the pool: the threads hand work to one another a batch at a
    /// time, not a chunk at a time, which cost a context switch or more per
    /// chunk (the README's Benchmarks section has the figures).
    private final class Batch: @unchecked Sendable {
        enum Status { case unchecked, checking, checked }
        /// Bytes gathered before a batch goes to the threads.
        static let target = 1 << 20
        /// Room for a batch: one more chunk than `target` can hold.
        static let capacity = target + Chunker.maximum

        let buffer: UnsafeMutableRawBufferPointer
        private(set) var count = 0
        /// Each chunk: where it starts in the buffer, its length, its hash, its offset in the file.
        private var pieces: [(start: Int, count: Int, expected: Data, offset: Int64)] = []
        /// Guarded by `Shared.condition`.
        var status = Status.unchecked
        /// The offset of the first chunk that did not match; set once checked.
        var firstMismatch: Int64?

        init(buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

        var isFull: Bool { count >= Batch.target }
        func hasRoom(for bytes: Int) -> Bool { count + bytes <= buffer.count }
        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[..<count]) }
        /// Whether this batch's buffer is one of the pool's.
        var isPooled: Bool { buffer.count == Batch.capacity }

        /// Copies in the next chunk, for which the buffer has room.
        func append(_ chunk: UnsafeRawBufferPointer, expected: Data, offset: Int64) {
            if let source = chunk.baseAddress { (buffer.baseAddress! + count).copyMemory(from: source, byteCount: chunk.count) }
            pieces.append((count, chunk.count, expected, offset))
            count += chunk.count
        }

        /// Calls `body` with each chunk's bytes, in order, up to the one at file offset `end` (all when nil).
        func forEachChunk(before end: Int64?, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
            for piece in pieces where end.map({ piece.offset < $0 }) ?? true {
                try body(UnsafeRawBufferPointer(rebasing: buffer[piece.start..<piece.start + piece.count]))
            }
        }

        /// The offset of the first chunk whose bytes do not match its hash, nil if all match.
        func mismatch() -> Int64? {
            for piece in pieces {
                var hasher = SHA256()
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[piece.start..<piece.start + piece.count]))
                if Data(hasher.finalize()) != piece.expected { return piece.offset }
            }
            return nil
        }
    }

    /// What the three threads share; every field is guarded by `condition`.
    private final class Shared: @unchecked Sendable {
        private let condition = NSCondition()
        /// Batches from number `base` on that are not yet both handed on and hashed whole.
        private var batches: [Batch] = []
        private var base = 0
        /// How many chunks were added (read by the caller's thread only, but
        /// written under the lock, as the helpers read it).
        private(set) var added = 0
        private var handed = 0
        private var nextAhead = 0
        private var wholeDone = 0
        private var closed = false
        private var stopped = 0
        private var whole = Data()
        /// Pool buffers not in use, and how many exist.
        private var free: [UnsafeMutableRawBufferPointer] = []
        private var allocated = 0
        /// Where the content grew, for its hash (ContentDigest).
        private let boundaries: [Int64]

        init(boundaries: [Int64]) {
            self.boundaries = boundaries
        }

        deinit {
            for buffer in free { buffer.deallocate() }
        }

        /// An empty batch in a free buffer, waiting for one once `buffers` are
        /// in use; a chunk of `bytes` larger than a pool buffer holds (more than
        /// Pond ever cuts: a damaged or foreign pond) gets a buffer of its own.
        func newBatch(buffers: Int, holding bytes: Int) -> Batch {
            if bytes > Batch.capacity { return Batch(buffer: .allocate(byteCount: bytes, alignment: 64)) }
            condition.lock()
            defer { condition.unlock() }
            while free.isEmpty && allocated >= buffers { condition.wait() }
            if let reused = free.popLast() { return Batch(buffer: reused) }
            allocated += 1
            return Batch(buffer: .allocate(byteCount: Batch.capacity, alignment: 64))
        }

        /// Queues `batch` for both threads.
        func submit(_ batch: Batch) {
            condition.lock()
            batches.append(batch)
            added += 1
            condition.broadcast()
            condition.unlock()
        }

        func batch(_ number: Int) -> Batch {
            condition.lock()
            defer { condition.unlock() }
            return batches[number - base]
        }

        /// The offset of the first bad chunk of `batch`, nil if all match:
        /// checked here if no thread has begun to, else waited for.
        func check(_ batch: Batch) -> Int64? {
            condition.lock()
            defer { condition.unlock() }
            if batch.status == .unchecked { checkLocked(batch) }
            while batch.status == .checking { condition.wait() }
            return batch.firstMismatch
        }

        /// Checks unchecked `batch`, called and returning with the lock held,
        /// which it lets go of while it hashes.
        private func checkLocked(_ batch: Batch) {
            batch.status = .checking
            condition.unlock()
            let mismatch = batch.mismatch()
            condition.lock()
            batch.firstMismatch = mismatch
            batch.status = .checked
            condition.broadcast()
        }

        func handedOn(_ count: Int) {
            condition.lock()
            handed = count
            trim()
            condition.unlock()
        }

        /// The checking thread: checks chunks ahead of the caller.
        func checkAhead() {
            condition.lock()
            while true {
                nextAhead = max(nextAhead, handed)
                while nextAhead < added, batches[nextAhead - base].status != .unchecked { nextAhead += 1 }
                if nextAhead < added {
                    let batch = batches[nextAhead - base]
                    nextAhead += 1
                    checkLocked(batch)
                } else if closed {
                    break
                } else {
                    condition.wait()
                }
            }
            stopped += 1
            condition.broadcast()
            condition.unlock()
        }

        /// The hashing thread: the SHA-256 of every chunk, in order.
        func hashWhole() {
            var hasher = ContentDigest(boundaries: boundaries)
            condition.lock()
            while true {
                if wholeDone < added {
                    let batch = batches[wholeDone - base]
                    condition.unlock()
                    hasher.update(batch.bytes)
                    condition.lock()
                    wholeDone += 1
                    trim()
                    condition.broadcast()
                } else if closed {
                    break
                } else {
                    condition.wait()
                }
            }
            whole = hasher.finalize()
            stopped += 1
            condition.broadcast()
            condition.unlock()
        }

        /// Drops the chunks both handed on and hashed whole, their buffers back to the pool.
        private func trim() {
            let done = min(handed, wholeDone)
            guard done > base else { return }
            for batch in batches[..<(done - base)] { recycle(batch) }
            batches.removeFirst(done - base)
            base = done
            condition.broadcast()
        }

        /// Returns a pool buffer to the pool; frees one of its own.
        private func recycle(_ batch: Batch) {
            if batch.isPooled { free.append(batch.buffer) } else { batch.buffer.deallocate() }
        }

        /// Waits for both threads to finish; the hash of every chunk added.
        func wholeHash() -> Data {
            close()
            condition.lock()
            defer { condition.unlock() }
            return whole
        }

        /// Stops both threads once they have done what they were given.
        func close() {
            condition.lock()
            closed = true
            condition.broadcast()
            while stopped < 2 { condition.wait() }
            for batch in batches { recycle(batch) }
            batches.removeAll()
            condition.unlock()
        }
    }

    /// A thread's body, handed over to it.
    private struct Job: @unchecked Sendable {
        let body: () -> Void
    }
}
