import Foundation
import Pond

/// Host files read and written through file descriptors, a buffer at a
/// time, so that a file of any size passes through bounded memory.
enum HostIO {
    /// A host file (or standard input) as a `ByteSource`.
    struct Source: ByteSource {
        let descriptor: Int32
        /// The name errors give: the host path, or "standard input".
        let path: String
        /// Told how many bytes each read returned (progress).
        var onRead: (Int) -> Void = { _ in }

        mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            while true {
                let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                if count >= 0 {
                    onRead(count)
                    return count
                }
                if errno != EINTR { throw CLIError.hostRead(path, reason: HostIO.lastError()) }
            }
        }
    }

    /// What a host path is, not following a final symlink.
    enum Kind {
        case regular, directory, symlink, other
    }

    /// What is at host `path` (lstat(2)), nil if nothing is. Not
    /// FileManager's attributes, which look up user and group names.
    static func kind(_ path: String) -> Kind? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    /// Opens host file `path` for reading, without following a final symlink.
    static func openForReading(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw CLIError.hostRead(path, reason: lastError()) }
        return descriptor
    }

    /// Creates host file `path`, which must not exist (not even as a
    /// dangling symlink: nothing is ever written through a host symlink),
    /// and passes a sink writing to it to `body`. If `body` throws (the
    /// pond's bytes failed their check, the disk is full), the partial file
    /// is removed: a host file is either whole or not there.
    /// With `modified` (seconds since 1970), the file gets that modification time.
    static func create(_ path: String, modified: Double? = nil, _ body: (ByteSink) throws -> Void) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CLIError.hostWrite(path, reason: lastError()) }
        defer { close(descriptor) }
        do {
            try body { try writeAll($0, to: descriptor, path: path) }
            if let modified {
                let whole = modified.rounded(.down)
                let time = timespec(tv_sec: Int(whole), tv_nsec: Int((modified - whole) * 1e9))
                var times = [time, time]  // accessed, modified
                guard futimens(descriptor, &times) == 0 else { throw CLIError.hostWrite(path, reason: lastError()) }
            }
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Writes all of `bytes` to `descriptor`, however many calls it takes.
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError.hostWrite(path, reason: lastError())
            }
            offset += count
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
