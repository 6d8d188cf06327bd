import Crypto
import Foundation
import Tabular
import TinyFS

/// Where a log collector's last run stopped: the file (by inode), how far
/// into it, and a digest of its first bytes, which tell the same file from
/// a new one after rotation or truncation.
struct LogPosition: Codable, Equatable {
    var inode: UInt64
    var offset: Int64
    /// SHA-256 of the file's first `headLength` bytes (at most `LogFollower.headSize`).
    var head: String
    var headLength: Int64

    enum CodingKeys: String, CodingKey {
        case inode, offset, head, headLength = "head_length"
    }
}

/// Follows a host log file across runs (DESIGN.md, "Configure and collect"):
/// only the bytes after the last run's position are read, and only whole
/// lines of the live file. A file renamed away (`app.log` -> `app.log.1`,
/// gzip'd or not, up to `.9`) is found by its inode or the digest of its
/// beginning and read to its end first; a file truncated in place is read
/// again from its start. Nothing is lost or read twice as long as the file
/// is not rotated twice between runs beyond `.9`.
struct LogFollower {
    static let headSize: Int64 = 1024
    let file: String

    /// A stretch of a host file to read: plain bytes `from..<to`, or a
    /// compressed file's bytes from `from` to its end.
    enum Piece: Equatable {
        case plain(path: String, from: Int64, to: Int64)
        case gzip(path: String, from: Int64)
    }

    /// What to read after `position`, and where the run will then stand.
    /// `header`: a CSV header line the pond file already has, skipped where
    /// a file read from its start begins with it (loggers write one per file).
    /// - Throws: `ResourceError` when the live file is missing or unreadable.
    func plan(after position: LogPosition?, header: [UInt8]? = nil) throws -> (pieces: [Piece], next: LogPosition) {
        guard let current = LogFollower.fileInfo(file) else {
            throw ResourceError("\(file): no such file")
        }
        var pieces: [Piece] = []
        var start: Int64 = 0
        if let position {
            if current.inode == position.inode, current.size >= position.offset,
               try digest(of: .plain(path: file, from: 0, to: position.headLength)) == position.head {
                start = position.offset
            } else if let rotated = try findRotated(position) {
                pieces = rotated
            }
        }
        let end = try LogFollower.endOfLastLine(file, from: start, size: current.size)
        if end > start { pieces.append(.plain(path: file, from: start, to: end)) }
        if let header, !header.isEmpty { pieces = try pieces.map { try skipping(header, in: $0) } }
        let headLength = min(end, LogFollower.headSize)
        let next = LogPosition(inode: current.inode, offset: end, head: try digest(of: .plain(path: file, from: 0, to: headLength)),
                               headLength: headLength)
        return (pieces, next)
    }

    /// The rotated files from the one `position` was in (read from its
    /// offset) to the newest (read whole), when it is still there.
    private func findRotated(_ position: LogPosition) throws -> [Piece]? {
        var newer: [Piece] = []
        for index in 1...9 {
            let plain = "\(file).\(index)", compressed = plain + ".gz"
            if let info = LogFollower.fileInfo(plain) {
                if info.inode == position.inode
                    || (info.size >= position.offset && (try? digest(of: .plain(path: plain, from: 0, to: position.headLength))) == position.head) {
                    return [.plain(path: plain, from: position.offset, to: info.size)] + newer.reversed()
                }
                newer.append(.plain(path: plain, from: 0, to: info.size))
            } else if LogFollower.fileInfo(compressed) != nil {
                if (try? digest(of: .gzip(path: compressed, from: 0), limit: position.headLength)) == position.head {
                    return [.gzip(path: compressed, from: position.offset)] + newer.reversed()
                }
                newer.append(.gzip(path: compressed, from: 0))
            } else {
                break
            }
        }
        return nil
    }

    /// `piece` after `header`, when it starts a file that begins with it.
    private func skipping(_ header: [UInt8], in piece: Piece) throws -> Piece {
        var prefix: [UInt8] = []
        switch piece {
        case .plain(let path, 0, let to) where to >= Int64(header.count):
            var source = try PiecesSource([piece], limit: Int64(header.count))
            try source.forEach { prefix += $0 }
            return prefix == header ? .plain(path: path, from: Int64(header.count), to: to) : piece
        case .gzip(let path, 0):
            var source = try PiecesSource([piece], limit: Int64(header.count))
            try source.forEach { prefix += $0 }
            return prefix == header ? .gzip(path: path, from: Int64(header.count)) : piece
        default:
            return piece
        }
    }

    /// SHA-256 (hex) of `piece`'s first `limit` bytes (all of them without a limit).
    private func digest(of piece: Piece, limit: Int64 = .max) throws -> String {
        var source = try PiecesSource([piece], limit: limit)
        return try sha256Hex { try source.forEach($0) }
    }

    /// The offset just after the last newline of `path` in `from..<size` (`from` when there is none).
    static func endOfLastLine(_ path: String, from start: Int64, size: Int64) throws -> Int64 {
        guard size > start else { return start }
        let descriptor = try openHost(path)
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var end = size
        while end > start {
            let begin = max(start, end - Int64(buffer.count))
            let count = Int(end - begin)
            let read = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(begin)) }
            guard read == count else { throw ResourceError("\(path): cannot read: \(String(cString: strerror(errno)))") }
            if let last = buffer[..<count].lastIndex(of: UInt8(ascii: "\n")) { return begin + Int64(last) + 1 }
            end = begin
        }
        return start
    }

    static func fileInfo(_ path: String) -> (inode: UInt64, size: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return (UInt64(info.st_ino), Int64(info.st_size))
    }

    static func openHost(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ResourceError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        return descriptor
    }
}

/// The bytes of several pieces of host files, one after another, as a
/// `ByteSource`: a buffer at a time, whatever their size.
struct PiecesSource: ByteSource {
    private var pieces: [LogFollower.Piece]
    private var limit: Int64
    private var chunks: ByteChunks?
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var descriptors: [Int32] = []
    /// How many bytes were passed on.
    private(set) var count: Int64 = 0

    init(_ pieces: [LogFollower.Piece], limit: Int64 = .max) throws {
        self.pieces = pieces.reversed()
        self.limit = limit
    }

    /// Calls `body` with every piece of bytes, in order, and closes the files.
    mutating func forEach(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            let read = try buffer.withUnsafeMutableBytes { try self.read(into: $0) }
            if read == 0 { return }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<read])) }
        }
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while count < limit {
            if pendingStart < pending.count {
                let take = min(buffer.count, pending.count - pendingStart, Int(min(limit - count, Int64(Int.max))))
                pending.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[pendingStart..<pendingStart + take])) }
                pendingStart += take
                count += Int64(take)
                return take
            }
            if let next = try chunks?() {
                pending = next
                pendingStart = 0
                continue
            }
            guard let piece = pieces.popLast() else { break }
            chunks = try PiecesSource.chunks(of: piece)
        }
        return 0
    }

    /// `piece`'s bytes, 256 KiB at a time.
    private static func chunks(of piece: LogFollower.Piece) throws -> ByteChunks {
        switch piece {
        case .plain(let path, let from, let to):
            let reader = HostFileReader(descriptor: try LogFollower.openHost(path), path: path, position: from, end: to)
            return reader.next
        case .gzip(let path, let from):
            let reader = HostFileReader(descriptor: try LogFollower.openHost(path), path: path, position: 0, end: .max)
            let inflated = TextCodec.gzip.decompressing(reader.next)
            var skip = from
            return {
                while var piece = try inflated() {
                    if skip >= Int64(piece.count) {
                        skip -= Int64(piece.count)
                        continue
                    }
                    if skip > 0 {
                        piece.removeFirst(Int(skip))
                        skip = 0
                    }
                    return piece
                }
                return nil
            }
        }
    }
}

/// A host file's bytes from `position` to `end` (or its end), 256 KiB at a
/// time; the descriptor is closed at the end or when the reader goes.
final class HostFileReader {
    private let descriptor: Int32
    private let path: String
    private var position: Int64
    private let end: Int64
    private var closed = false

    init(descriptor: Int32, path: String, position: Int64, end: Int64) {
        self.descriptor = descriptor
        self.path = path
        self.position = position
        self.end = end
    }

    deinit { if !closed { close(descriptor) } }

    func next() throws -> [UInt8]? {
        guard !closed, position < end else { return nil }
        let want = Int(min(Int64(256 << 10), end - position))
        var bytes = [UInt8](repeating: 0, count: want)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, want, off_t(position)) }
        guard read >= 0 else { throw ResourceError("\(path): cannot read: \(String(cString: strerror(errno)))") }
        if read == 0 {
            close(descriptor)
            closed = true
            return nil
        }
        position += Int64(read)
        return Array(bytes[..<read])
    }
}
