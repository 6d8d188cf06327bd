import Crypto
import Foundation

/// Checks stored content while it streams out: every chunk against the
/// SHA-256 it is stored under, and the whole content against its hash and
/// size, so that no byte reaches a reader unless it is the byte written.
///
/// A chunk is handed on only once its hash has matched. The two hashes are
/// computed on two threads of their own while the caller's thread reads
/// from SQLite and writes out: on two cores, reading verified content then
/// runs at about the speed of reading it unverified (Benchmarks/bench.py,
/// W4 out; figures in the README).
///
/// The caller adds chunks in order with `add` and calls `finish` after the
/// last; `sink` sees each chunk's bytes, in order, after they were checked.
/// A mismatch throws `OpLogError.damagedContent` naming the first bad offset.
final class VerifiedRead {
    private let path: String
    private let version: Version
    private let expected: Data
    private let sink: ByteSinkCall
    private let chunks = HashingThread(mode: .eachChunk)
    private let whole = HashingThread(mode: .whole)
    /// Chunks added but not yet handed to the sink, oldest first.
    private var pending: [(data: Data, offset: Int64)] = []
    private var handed = 0
    private var added = 0
    private var size: Int64 = 0

    /// At most this many chunks (of up to 256 KiB) wait to be checked.
    private static let window = 8

    typealias ByteSinkCall = (UnsafeRawBufferPointer) throws -> Void

    /// Starts a read of content `expected` (its SHA-256), read at `version` through `path`.
    init(path: String, version: Version, expected: Data, sink: @escaping ByteSinkCall) {
        self.path = path
        self.version = version
        self.expected = expected
        self.sink = sink
    }

    deinit {
        chunks.close()
        whole.close()
    }

    /// Adds the next chunk, stored under `hash`, whose bytes `bytes` are
    /// (they are copied: SQLite's buffer does not outlive its row).
    /// - Throws: `damagedContent` if a chunk added earlier did not match its hash.
    func add(_ bytes: UnsafeRawBufferPointer, hash: Data) throws {
        let data = Data(bytes)
        chunks.submit(data, expected: hash)
        whole.submit(data, expected: nil)
        pending.append((data, size))
        size += Int64(data.count)
        added += 1
        // Hand on what has been checked; wait only when the window is full.
        while let first = pending.first, pending.count > VerifiedRead.window || chunks.isDone(handed) {
            try handOn(first)
        }
    }

    /// Hands on what is left, then checks the whole content's hash and size.
    /// - Throws: `damagedContent` for a bad chunk, or content whose bytes
    ///   (in order, all of them) are not the ones written.
    func finish(size expectedSize: Int64) throws {
        while let first = pending.first { try handOn(first) }
        let hash = whole.finishWhole()
        if size != expectedSize {
            throw damaged(at: min(size, expectedSize), "the stored chunks hold \(size) bytes, but the file has \(expectedSize)")
        }
        if hash != expected {
            throw damaged(at: 0, "the chunks are each intact, but together they are not the file's bytes (SHA-256 \(expected.hexString))")
        }
    }

    private func handOn(_ chunk: (data: Data, offset: Int64)) throws {
        guard chunks.waitUntilChecked(handed) else {
            throw damaged(at: chunk.offset, "a stored chunk does not match its SHA-256")
        }
        pending.removeFirst()
        handed += 1
        try chunk.data.withUnsafeBytes { try sink($0) }
    }

    private func damaged(at offset: Int64, _ reason: String) -> OpLogError {
        .damagedContent(path: path, version: version, offset: offset, reason: reason)
    }

    /// Checks content that is one piece (a one-chunk file, a schema-1 row)
    /// before handing it on whole.
    static func single(_ bytes: UnsafeRawBufferPointer, path: String, version: Version, expected: Data,
                       sink: ByteSinkCall) throws {
        guard Data(SHA256.hash(data: bytes)) == expected else {
            throw OpLogError.damagedContent(path: path, version: version, offset: 0,
                                            reason: "its bytes do not match their SHA-256 \(expected.hexString)")
        }
        try sink(bytes)
    }
}

/// A thread that hashes the chunks submitted to it, in order: each against
/// its expected hash, or all of them together as one content.
private final class HashingThread: @unchecked Sendable {
    enum Mode { case eachChunk, whole }

    // Every field below `condition` is guarded by it.
    private let condition = NSCondition()
    private let mode: Mode
    private var queue: [(data: Data, expected: Data?)] = []
    private var checked = 0
    private var firstBad: Int?
    private var closed = false
    private var stopped = false
    private var wholeHash = Data()
    private var started = false

    init(mode: Mode) { self.mode = mode }

    func submit(_ data: Data, expected: Data?) {
        condition.lock()
        if !started {
            started = true
            let job = Job { self.run() }
            Thread.detachNewThread { job.body() }
        }
        queue.append((data, expected))
        condition.broadcast()
        condition.unlock()
    }

    /// Whether chunk `index` (counting from 0) has been checked.
    func isDone(_ index: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return checked > index
    }

    /// Waits until chunk `index` is checked. Returns whether it and every
    /// chunk before it matched.
    func waitUntilChecked(_ index: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while checked <= index { condition.wait() }
        return firstBad.map { $0 > index } ?? true
    }

    /// Waits for every chunk; the SHA-256 of them all (mode `.whole`).
    func finishWhole() -> Data {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        condition.broadcast()
        if !started { return Data(SHA256.hash(data: Data())) }
        while !stopped { condition.wait() }
        return wholeHash
    }

    /// Stops the thread once it has done what it was given.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        if started { while !stopped { condition.wait() } }
        condition.unlock()
    }

    private func run() {
        var hasher = SHA256()
        condition.lock()
        while true {
            while queue.isEmpty && !closed { condition.wait() }
            guard !queue.isEmpty else { break }
            let (data, expected) = queue.removeFirst()
            condition.unlock()
            var matched = true
            switch mode {
            case .eachChunk: matched = Data(SHA256.hash(data: data)) == expected
            case .whole: hasher.update(data: data)
            }
            condition.lock()
            if !matched && firstBad == nil { firstBad = checked }
            checked += 1
            condition.broadcast()
        }
        if mode == .whole { wholeHash = Data(hasher.finalize()) }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// The thread's body, handed over to it.
    private struct Job: @unchecked Sendable {
        let body: () -> Void
    }
}
