import Crypto
import Foundation
import OpLog
import Synchronization

/// A remote in a directory (`file:///dir`): one file per object.
///
/// Objects are written to a temporary name, flushed, and renamed, so an
/// object is whole or absent. The head, `head.json`, is replaced the same
/// way under an exclusive flock(2) on `head.lock`: holding it, a pusher reads
/// the head again and replaces it only if it is still the one it read
/// (its tag is the SHA-256 of its bytes); otherwise the remote moved. The
/// kernel lets go of the lock when its holder dies, so a killed push never
/// leaves the remote locked.
public final class FileObjectStore: ObjectStore {
    public let directory: URL
    public var location: String { "file://\(directory.path)" }
    private let counter = Mutex(0)
    public var requests: Int { counter.withLock { $0 } }

    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    }

    private func count() { counter.withLock { $0 += 1 } }

    private var headURL: URL { directory.appendingPathComponent("head.json") }

    private func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The head's bytes and their SHA-256 (its tag), nil when there is none.
    private func currentHead() throws -> (data: Data, tag: String)? {
        guard exists(headURL.path) else { return nil }
        do {
            let data = try Data(contentsOf: headURL)
            return (data, Data(SHA256.hash(data: data)).hexString)
        } catch {
            throw RemoteError.refused("cannot read \(headURL.path): \(error.localizedDescription)")
        }
    }

    public func readHead() async throws -> (data: Data, tag: String)? {
        count()
        return try currentHead()
    }

    public func writeHead(_ data: Data, replacing tag: String?) async throws {
        count()
        try createDirectory(directory)
        let lockPath = directory.appendingPathComponent("head.lock").path
        let lock = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard lock >= 0 else { throw RemoteError.refused("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(lock) }  // and with it the lock
        guard flock(lock, LOCK_EX) == 0 else {
            throw RemoteError.refused("cannot lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard try currentHead()?.tag == tag else { throw RemoteError.moved(remote: location) }
        let temporary = try writeTemporary(data, in: directory)
        guard rename(temporary.path, headURL.path) == 0 else {
            unlink(temporary.path)
            throw RemoteError.refused("cannot write \(headURL.path): \(String(cString: strerror(errno)))")
        }
        syncDirectory(directory)
    }

    public func upload(_ key: String, from file: URL, bytes: Int64, sha256: Data) async throws {
        count()
        let target = directory.appendingPathComponent(key)
        try createDirectory(target.deletingLastPathComponent())
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max))")
        unlink(temporary.path)
        do {
            try FileManager.default.copyItem(at: file, to: temporary)
            try sync(temporary)
        } catch {
            unlink(temporary.path)
            throw RemoteError.refused("cannot write \(target.path): \(error.localizedDescription)")
        }
        guard rename(temporary.path, target.path) == 0 else {
            unlink(temporary.path)
            throw RemoteError.refused("cannot write \(target.path): \(String(cString: strerror(errno)))")
        }
        syncDirectory(target.deletingLastPathComponent())
    }

    public func download(_ key: String, to file: URL) async throws -> Bool {
        count()
        let source = directory.appendingPathComponent(key)
        guard exists(source.path) else { return false }
        do {
            try FileManager.default.copyItem(at: source, to: file)
        } catch {
            throw RemoteError.refused("cannot read \(source.path): \(error.localizedDescription)")
        }
        return true
    }

    public func download(_ key: String, range: Range<Int64>) async throws -> Data? {
        count()
        let path = directory.appendingPathComponent(key).path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw RemoteError.refused("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var data = Data(count: range.count)
        let got = data.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, range.count, off_t(range.lowerBound)) }
        guard got == range.count else { throw RemoteError.damagedObject(key, reason: "it ends before byte \(range.upperBound)") }
        return data
    }

    public func shutdown() async {}

    private func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw RemoteError.refused("cannot make directory \(url.path): \(error.localizedDescription)")
        }
    }

    /// `data` in a new, flushed file in `directory` with a name no other writer uses.
    private func writeTemporary(_ data: Data, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(".head.\(getpid()).\(UInt32.random(in: 0...UInt32.max))")
        do {
            try data.write(to: url)
            try sync(url)
        } catch {
            unlink(url.path)
            throw RemoteError.refused("cannot write \(url.path): \(error.localizedDescription)")
        }
        return url
    }

    /// Flushes a directory, so that a rename in it survives a power loss.
    private func syncDirectory(_ directory: URL) {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private func sync(_ url: URL) throws {
        let handle = try FileHandle(forUpdating: url)
        defer { try? handle.close() }
        try handle.synchronize()
    }
}
