import TinyFS

/// Content-defined chunking: cuts a stream of bytes into chunks whose
/// boundaries depend on the bytes around them, not on their offsets.
///
/// Why content-defined: a file that grows by an append, or changes by a
/// small edit, keeps most of its boundaries, so most of its chunks are the
/// ones already stored, and a new version costs storage in proportion to the
/// change (fixed-size blocks would all shift after an insertion). This is
/// what restic and borg do for backups.
///
/// Why FastCDC (Xia et al., USENIX ATC 2016): its gear rolling hash costs
/// one shift, one add and one table load per byte, several times less than
/// Rabin fingerprints (restic) or buzhash (borg) for the same deduplication;
/// it skips the first `minimum` bytes of every chunk; and its normalized
/// chunking (a stricter mask before the target size, a looser one after)
/// keeps chunk sizes close to the target.
///
/// Sizes: 16 KiB minimum, 64 KiB target, 256 KiB maximum. A file up to
/// 16 KiB is always one chunk, so small files stay in one piece (readable
/// with plain SQL); a 1 MiB append to a large file rewrites at most its old
/// last chunk (256 KiB at most) plus the new bytes; a 1 GiB file is about
/// 16,000 rows, each a few SQLite overflow pages.
///
/// The gear table and the masks decide where chunks are cut: changing them
/// would not make any pond wrong (chunks are found by hash), only stop new
/// writes from sharing chunks with old ones. They are fixed here for good.
final class Chunker {
    static let minimum = 16 * 1024
    static let target = 64 * 1024
    static let maximum = 256 * 1024

    /// Before the target size: 18 one-bits (target is 2^16, plus 2: harder
    /// to match). After it: 14 one-bits (easier). The gear hash shifts left
    /// once per byte, so its top bits depend on the most recent 64 bytes;
    /// the masks test the top bits.
    static let strictMask: UInt64 = ~0 << (64 - 18)
    static let looseMask: UInt64 = ~0 << (64 - 14)

    /// 256 pseudo-random 64-bit values, one per byte value: SplitMix64 from
    /// a fixed seed, so every build computes the same table.
    static let gear: [UInt64] = {
        var state: UInt64 = 0x504F_4E44_4644_4331  // "PONDFDC1"
        return (0..<256).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }()

    /// The length of the first chunk of `bytes`, the stream's next bytes;
    /// `bytes` holds at least `maximum` bytes unless the stream ends within it.
    static func cut(_ bytes: UnsafeRawBufferPointer) -> Int {
        var end = bytes.count
        if end <= minimum { return end }
        if end > maximum { end = maximum }
        let normal = min(target, end)
        return gear.withUnsafeBufferPointer { gear in
            var hash: UInt64 = 0
            var index = minimum
            while index < normal {
                hash = (hash << 1) &+ gear[Int(bytes[index])]
                if hash & strictMask == 0 { return index + 1 }
                index += 1
            }
            while index < end {
                hash = (hash << 1) &+ gear[Int(bytes[index])]
                if hash & looseMask == 0 { return index + 1 }
                index += 1
            }
            return end
        }
    }

    // MARK: - Streaming

    /// How much is read from the source at a time; with `maximum` bytes
    /// kept over, the chunker's whole memory.
    static let readSize = 1024 * 1024

    /// The buffer's first size: a small file is read whole into it, and the
    /// buffer grows to `readSize + maximum` only for a source that fills it.
    /// (Allocated at its full 1.25 MiB, it was an mmap and an munmap in every
    /// one-file `pond copy`, and a page fault per page touched.)
    static let initialSize = 64 * 1024

    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var sourceEnded = false

    init() {
        buffer = .allocate(byteCount: Chunker.initialSize, alignment: 16)
    }

    /// Makes the chunker ready for a new source, keeping its buffer (one
    /// chunker serves every file of a session: no 1.25 MiB allocation per file).
    func reset() {
        start = 0
        end = 0
        sourceEnded = false
    }

    deinit { buffer.deallocate() }

    /// Reads from `source` as needed and passes the next chunk to `body`,
    /// with whether it is the source's last.
    /// - Returns: false, without calling `body`, once the source is used up.
    func next<Source: ByteSource>(
        from source: inout Source, _ body: (UnsafeRawBufferPointer, _ isLast: Bool) throws -> Void
    ) throws -> Bool {
        if end - start < Chunker.maximum && !sourceEnded {
            try refill(from: &source)
        }
        guard end > start else { return false }
        let length = Chunker.cut(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
        try body(UnsafeRawBufferPointer(rebasing: buffer[start..<start + length]), sourceEnded && start + length == end)
        start += length
        return true
    }

    /// Moves the unread bytes to the front, then reads until the buffer is
    /// full (grown to its whole size first if it was still small) or the source ends.
    private func refill<Source: ByteSource>(from source: inout Source) throws {
        if start > 0 {
            let unread = end - start
            if unread > 0 {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: unread)
            }
            start = 0
            end = unread
        }
        while true {
            if end == buffer.count {
                guard buffer.count < Chunker.readSize + Chunker.maximum else { return }
                let grown = UnsafeMutableRawBufferPointer.allocate(
                    byteCount: Chunker.readSize + Chunker.maximum, alignment: 16)
                grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
                buffer.deallocate()
                buffer = grown
            }
            let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if count == 0 {
                sourceEnded = true
                return
            }
            end += count
        }
    }
}
