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
            Interruption.catchOnce()
            while true {
                if Interruption.wasRequested { throw CLIError.interrupted }
                // A pipe that waits for its writer is polled, so that a signal taken by another
                // thread (whose read(2) it would not interrupt) still ends the wait.
                var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                if poll(&ready, 1, 250) == 0 { continue }
                let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                if Interruption.wasRequested { throw CLIError.interrupted }
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
                if errno == EPIPE { throw CLIError.outputClosed }
                throw CLIError.hostWrite(path, reason: lastError())
            }
            offset += count
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}

/// Ctrl-C (SIGINT) or SIGTERM while a command reads host bytes into the
/// pond: the read in progress ends, the command's transaction is rolled
/// back and the pond closed (its WAL checkpointed and removed), so what an
/// interrupted copy wrote is not left behind as a WAL as large as the bytes
/// copied. A second signal ends the process at once.
enum Interruption {
    nonisolated(unsafe) private static var installed = false

    static var wasRequested: Bool { interruptRequested != 0 }

    /// Installs the handler, the first time a host source is read.
    static func catchOnce() {
        guard !installed else { return }
        installed = true
        interruptRequested = 0
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in interruptRequested = 1 }
        action.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND))
        sigemptyset(&action.sa_mask)
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        // A process may start with them blocked (so a parent's spawn left them): then they would
        // wait, pending, for the end of the copy. This thread, which reads, takes them.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }
}

/// Set by the signal handler: a plain global, touched once before the handler is installed.
nonisolated(unsafe) private var interruptRequested: sig_atomic_t = 0

