import Foundation
import Synchronization

/// A remote in a directory (`file:///dir`): one file per object.
///
/// Objects are written to a temporary name, flushed, and renamed, so an
/// object is whole or absent. The head is the highest generation
/// `heads/<N>.json`, each made with link(2), which fails when the name
/// exists: of two pushers that read generation N, one makes N+1 and the
/// other is told the remote moved. `head.json` is then a copy of it, for
/// people and tools; Pond itself reads the generations.
public final class FileObjectStore: ObjectStore {
    public let directory: URL
    public var location: String { "file://\(directory.path)" }
    private let counter = Mutex(0)
    public var requests: Int { counter.withLock { $0 } }

    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    }

    private func count() { counter.withLock { $0 += 1 } }

    private func generationPath(_ generation: Int) -> String {
        directory.appendingPathComponent("heads").appendingPathComponent(String(format: "%020d.json", generation)).path
    }

    private func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The newest generation: generations are made one after another from
    /// 1, so a doubling probe and a binary search find it in O(log N) stats.
    private func newestGeneration() -> Int {
        guard exists(generationPath(1)) else { return 0 }
        var low = 1, high = 2
        while exists(generationPath(high)) { low = high; high *= 2 }
        while high - low > 1 {
            let middle = (low + high) / 2
            if exists(generationPath(middle)) { low = middle } else { high = middle }
        }
        return low
    }

    public func readHead() async throws -> (data: Data, tag: String)? {
        count()
        let generation = newestGeneration()
        guard generation > 0 else { return nil }
        return (try Data(contentsOf: URL(fileURLWithPath: generationPath(generation))), String(generation))
    }

    public func writeHead(_ data: Data, replacing tag: String?) async throws {
        count()
        let next = (tag.flatMap { Int($0) } ?? 0) + 1
        let heads = directory.appendingPathComponent("heads")
        try createDirectory(heads)
        let temporary = try writeTemporary(data, in: heads)
        defer { unlink(temporary.path) }
        guard link(temporary.path, generationPath(next)) == 0 else {
            if errno == EEXIST { throw RemoteError.moved(remote: location) }
            throw RemoteError.refused("cannot write \(generationPath(next)): \(String(cString: strerror(errno)))")
        }
        // The copy for readers without Pond; the generation is the truth.
        let copy = try writeTemporary(data, in: directory)
        if rename(copy.path, directory.appendingPathComponent("head.json").path) != 0 { unlink(copy.path) }
    }

    public func upload(_ key: String, from file: URL, bytes: Int64, sha256: Data) async throws {
        count()
        let target = directory.appendingPathComponent(key)
        try createDirectory(target.deletingLastPathComponent())
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(getpid())")
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

    private func sync(_ url: URL) throws {
        let handle = try FileHandle(forUpdating: url)
        defer { try? handle.close() }
        try handle.synchronize()
    }
}
