import Crypto
import Foundation
import OpLog

/// What a push, pull or clone did.
public struct TransferReport: Sendable, Equatable {
    /// The versions sent or received, oldest and newest; nil when nothing was new.
    public var versions: ClosedRange<Int64>?
    /// The objects and bytes sent or received.
    public var objects: Int
    public var bytes: Int64
    /// The requests it made of the remote.
    public var requests: Int
    /// The head on both sides afterwards.
    public var head: ChainPoint
}

/// What `verify` found: every object the remote's head names was read and checked.
public struct VerifyReport: Sendable, Equatable {
    public var remoteHead: ChainPoint
    public var localHead: ChainPoint
    public var segments: Int
    public var packs: Int
    public var bytes: Int64
}

/// Push, pull, clone and verify (DESIGN.md, "Remotes"; Schema/remote_segment.sql).
///
/// The pond's side is synchronous SQLite (OpLog); the remote's is an
/// `ObjectStore`. Between them, objects pass through a staging directory
/// beside the pond file, so memory stays bounded whatever their size, and a
/// pull appends nothing until every object it needs is here and checked.
public enum Replication {
    /// Packs are cut at this size: few requests, and a transfer of many in parallel.
    static let packLimit = 16 << 20
    /// Objects moved at once.
    static let parallel = 4

    /// A progress line for a terminal: what is moving, how many of how many.
    public typealias Progress = @Sendable (String) -> Void

    // MARK: - Push

    /// Sends the versions `store` lacks: packs, then the segment, then the
    /// head by compare-and-swap.
    /// - Throws: `RemoteError.remoteAhead` or `SegmentError.diverged` when
    ///   the histories do not line up; `RemoteError.moved` when another push won.
    public static func push(_ log: LogStore, to store: any ObjectStore, progress: Progress? = nil) async throws -> TransferReport {
        let startRequests = store.requests
        let (head, tag) = try await readHead(store)
        let remote = head?.point ?? .origin
        let local = try log.chainPoint()
        if remote.version > local.version {
            throw RemoteError.remoteAhead(remote: store.location, local: local, remoteHead: remote)
        }
        guard try log.chainPoint(at: remote.version) == remote else {
            throw SegmentError.diverged(local: local, remote: remote)
        }
        guard remote.version < local.version else {
            return TransferReport(versions: nil, objects: 0, bytes: 0, requests: store.requests - startRequests, head: local)
        }
        let staging = try Staging(beside: log.path)
        defer { staging.remove() }
        // The packs are uploaded as they are cut: reading the pond and
        // sending to the remote overlap, and the segment follows the last pack.
        let (finished, yield) = AsyncStream.makeStream(of: (name: String, bytes: Int64).self)
        let segmentFile = staging.url.appendingPathComponent("segment.new")
        let pond = Unchecked(log)
        let building = Task {
            try await onAThread {
                defer { yield.finish() }
                var packer = FilePacker(directory: staging.url, limit: packLimit) { yield.yield($0) }
                let summary = try pond.value.writeSegment(after: remote.version, to: segmentFile.path, packer: &packer)
                return (summary, packer.packs)
            }
        }
        var sent: Int64 = 0
        var uploaded = 0
        do {
            try await forEach(finished, parallel: parallel) { pack in
                try await store.upload("packs/\(pack.name)", from: staging.url.appendingPathComponent(pack.name),
                                       bytes: pack.bytes, sha256: Data(hexString: pack.name)!)
            } done: { pack in
                sent += pack.bytes
                uploaded += 1
                progress?("pushing: \(uploaded) packs, \(Bytes(sent))")
            }
        } catch {
            _ = try? await building.value
            throw error
        }
        let (summary, packs) = try await building.value
        let (segmentName, segmentBytes) = try staging.nameByContent(segmentFile)
        let total = sent + segmentBytes
        try await store.upload("segments/\(segmentName)", from: staging.url.appendingPathComponent(segmentName),
                               bytes: segmentBytes, sha256: Data(hexString: segmentName)!)
        let entry = RemoteHead.Segment(name: segmentName, bytes: segmentBytes, first: summary.base.version.rawValue + 1,
                                       last: summary.head.version.rawValue,
                                       packs: packs.map { RemoteHead.Pack(name: $0.name, bytes: $0.bytes) })
        let next = RemoteHead(version: summary.head.version.rawValue, hash: summary.head.hash.hexString,
                              segments: (head?.segments ?? []) + [entry])
        try await store.writeHead(try next.encoded(), replacing: tag)
        return TransferReport(versions: entry.first...entry.last, objects: packs.count + 1, bytes: total,
                              requests: store.requests - startRequests, head: summary.head)
    }

    // MARK: - Pull and clone

    /// Appends the versions after this pond's head that `store` has, all
    /// checked, in one transaction.
    /// - Throws: `RemoteError.localAhead` or `SegmentError.diverged` when the
    ///   histories do not line up; `RemoteError.empty` for a remote with no
    ///   head; a damaged or missing object's error naming it.
    /// Into a lazy clone, from the remote it is a lazy clone of (`lazily`,
    /// that remote's name), the new versions' bytes stay there too.
    public static func pull(_ log: LogStore, from store: any ObjectStore, lazily remoteName: String? = nil,
                            progress: Progress? = nil) async throws -> TransferReport {
        let startRequests = store.requests
        guard let head = try await readHead(store).head else { throw RemoteError.empty(remote: store.location) }
        let local = try log.chainPoint()
        let remote = head.point
        if remote.version <= local.version {
            guard try log.chainPoint(at: remote.version) == remote else {
                throw SegmentError.diverged(local: local, remote: remote)
            }
            guard remote.version == local.version else {
                throw RemoteError.localAhead(remote: store.location, local: local, remoteHead: remote)
            }
            return TransferReport(versions: nil, objects: 0, bytes: 0, requests: store.requests - startRequests, head: local)
        }
        var report = try await fetchAndApply(head, after: local.version, into: log, from: store, lazily: remoteName, progress: progress)
        report.requests = store.requests - startRequests
        return report
    }

    /// Makes a new pond at `path` holding every version of `store`, and
    /// names the remote `origin` in it. Nothing is left at `path` if it fails.
    /// - Throws: `OpLogError.alreadyExists` when anything is at `path`.
    /// With `lazy`, the clone holds every version, row and hash but no
    /// file bytes: reads fetch them (`LazyFetch`).
    public static func clone(from store: any ObjectStore, remote: RemoteRecord, to path: String, lazy: Bool = false,
                             progress: Progress? = nil) async throws -> TransferReport {
        if FileManager.default.fileExists(atPath: path) { throw OpLogError.alreadyExists(path: path) }
        let target = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.deletingLastPathComponent().path, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw RemoteError.refused("cannot make \(path): no such directory \(target.deletingLastPathComponent().path)")
        }
        let startRequests = store.requests
        guard let head = try await readHead(store).head else { throw RemoteError.empty(remote: store.location) }
        let prefix = ".\(target.lastPathComponent).clone-"
        Staging.removeAbandoned(prefix, in: target.deletingLastPathComponent())
        let partial = target.deletingLastPathComponent().appendingPathComponent("\(prefix)\(getpid())-").path
        func removePartial() { for suffix in ["", "-wal", "-shm"] { unlink(partial + suffix) } }
        removePartial()
        var report: TransferReport
        do {
            let log = try LogStore.createEmpty(at: partial)
            try log.addRemote(remote)
            report = try await fetchAndApply(head, after: Version(0), into: log, from: store, lazily: lazy ? remote.name : nil,
                                             progress: progress)
            try log.finishFilling()
        } catch {
            removePartial()
            throw error
        }
        // link(2) then unlink: a pond that appeared at `path` meanwhile is never replaced.
        guard link(partial, path) == 0 else {
            let reason = String(cString: strerror(errno))
            removePartial()
            if errno == EEXIST { throw OpLogError.alreadyExists(path: path) }
            throw RemoteError.refused("cannot make \(path): \(reason)")
        }
        removePartial()
        report.requests = store.requests - startRequests
        return report
    }

    /// Fetches the segments after `local` and the packs holding the chunks
    /// they need into a staging directory, checks each against its name, and
    /// applies them (OpLog checks the chain and every chunk and content).
    /// `lazily`: the packs stay on the remote of that name, and the pond
    /// records where each chunk is.
    private static func fetchAndApply(_ head: RemoteHead, after local: Version, into log: LogStore,
                                      from store: any ObjectStore, lazily lazyRemote: String? = nil,
                                      progress: Progress?) async throws -> TransferReport {
        let staging = try Staging(beside: log.path)
        defer { staging.remove() }
        let wanted = head.segments.filter { $0.last > local.rawValue }
        var received: Int64 = 0
        var objects = 0
        for segment in wanted {
            received += try await fetch("segments/\(segment.name)", bytes: segment.bytes, from: store, into: staging)
            objects += 1
            progress?("pulling: \(objects)/\(wanted.count) segments, \(Bytes(received))")
        }
        let paths = wanted.map { staging.url.appendingPathComponent($0.name).path }
        let needed = try log.chunksNeeded(by: paths)
        // Where each needed chunk is: the packs of these segments, else (a
        // chunk an older version sent first) of older ones, newest first.
        var places: [Data: PackEntry] = [:]
        func index(_ path: String, _ needed: Set<Data>) throws {
            for entry in try LogStore.readSegment(at: path).packs where needed.contains(entry.chunk) && places[entry.chunk] == nil {
                places[entry.chunk] = entry
            }
        }
        let neededSet = Set(needed)
        for path in paths { try index(path, neededSet) }
        var older = head.segments.filter { $0.last <= local.rawValue }
        while places.count < neededSet.count, let segment = older.popLast() {
            received += try await fetch("segments/\(segment.name)", bytes: segment.bytes, from: store, into: staging)
            objects += 1
            try index(staging.url.appendingPathComponent(segment.name).path, neededSet)
        }
        if let absent = needed.first(where: { places[$0] == nil }) {
            throw SegmentError.incomplete("no pack holds chunk \(absent.hexString)")
        }
        if let lazyRemote {
            let newHead = try log.applySegments(paths, remoteHead: head.point, chunks: .lazy(remote: lazyRemote, places: places))
            return TransferReport(versions: (local.rawValue + 1)...head.version, objects: objects, bytes: received,
                                  requests: 0, head: newHead)
        }
        let packSizes = Dictionary(head.segments.flatMap(\.packs).map { ($0.name, $0.bytes) }, uniquingKeysWith: { a, _ in a })
        let packs = Array(Set(places.values.map(\.pack))).sorted()
        let total = packs.reduce(Int64(0)) { $0 + (packSizes[$1] ?? 0) }
        var packBytes: Int64 = 0
        try await forEach(packs, parallel: parallel) { pack in
            _ = try await fetch("packs/\(pack)", bytes: packSizes[pack], from: store, into: staging)
        } done: { pack, finished in
            packBytes += packSizes[pack] ?? 0
            progress?("pulling: \(finished)/\(packs.count) packs, \(Bytes(packBytes)) of \(Bytes(total))")
        }
        received += packBytes
        objects += packs.count
        let reader = PackReader(directory: staging.url)
        defer { reader.close() }
        let newHead = try log.applySegments(paths, remoteHead: head.point) { hash in
            try reader.read(places[hash]!)
        }
        return TransferReport(versions: (local.rawValue + 1)...head.version, objects: objects, bytes: received,
                              requests: 0, head: newHead)
    }

    // MARK: - Verify

    /// Reads every object the remote's head names and checks it: each
    /// segment and pack against its name, each chunk against its SHA-256,
    /// the chain through every version (by applying every segment to a
    /// scratch pond), and that the remote's head is this pond's head or
    /// descends from it.
    /// - Throws: the first problem found, naming the object.
    public static func verify(_ log: LogStore, against store: any ObjectStore, progress: Progress? = nil) async throws -> VerifyReport {
        guard let head = try await readHead(store).head else { throw RemoteError.empty(remote: store.location) }
        let local = try log.chainPoint()
        let remote = head.point
        let staging = try Staging(beside: log.path)
        defer { staging.remove() }
        var bytes: Int64 = 0
        let packs = head.segments.flatMap(\.packs)
        for (number, segment) in head.segments.enumerated() {
            bytes += try await fetch("segments/\(segment.name)", bytes: segment.bytes, from: store, into: staging)
            progress?("verifying: \(number + 1)/\(head.segments.count) segments")
        }
        try await forEach(packs, parallel: parallel) { pack in
            _ = try await fetch("packs/\(pack.name)", bytes: pack.bytes, from: store, into: staging)
        } done: { pack, finished in
            bytes += pack.bytes
            progress?("verifying: \(finished)/\(packs.count) packs, \(Bytes(bytes))")
        }
        let reader = PackReader(directory: staging.url)
        defer { reader.close() }
        var places: [Data: PackEntry] = [:]
        for segment in head.segments {
            for entry in try LogStore.readSegment(at: staging.url.appendingPathComponent(segment.name).path).packs {
                let data = try reader.read(entry)
                guard Data(SHA256.hash(data: data)) == entry.chunk else {
                    throw RemoteError.damagedObject("packs/\(entry.pack)", reason: "chunk \(entry.chunk.hexString) at byte offset \(entry.offset) does not match its SHA-256")
                }
                places[entry.chunk] = places[entry.chunk] ?? entry
            }
        }
        let scratch = staging.url.appendingPathComponent("scratch.pond").path
        do {
            let replica = try LogStore.createEmpty(at: scratch)
            let paths = head.segments.map { staging.url.appendingPathComponent($0.name).path }
            _ = try replica.applySegments(paths, remoteHead: remote) { hash in
                guard let place = places[hash] else { throw SegmentError.incomplete("no pack holds chunk \(hash.hexString)") }
                return try reader.read(place)
            }
            let shared = min(local.version, remote.version)
            guard try replica.chainPoint(at: shared) == (try log.chainPoint(at: shared)) else {
                throw SegmentError.diverged(local: local, remote: remote)
            }
        }
        guard remote.version >= local.version else {
            throw RemoteError.localAhead(remote: store.location, local: local, remoteHead: remote)
        }
        return VerifyReport(remoteHead: remote, localHead: local, segments: head.segments.count, packs: packs.count, bytes: bytes)
    }

    // MARK: - Helpers

    /// The remote's head, checked, and its tag; nil when it has none.
    static func readHead(_ store: any ObjectStore) async throws -> (head: RemoteHead?, tag: String?) {
        guard let (data, tag) = try await store.readHead() else { return (nil, nil) }
        return (try RemoteHead.decode(data, remote: store.location), tag)
    }

    /// Downloads `key` into the staging directory under its name and checks
    /// its SHA-256 (and size) against the name. - Returns: its size.
    @discardableResult
    static func fetch(_ key: String, bytes expected: Int64?, from store: any ObjectStore, into staging: Staging) async throws -> Int64 {
        let name = String(key.split(separator: "/").last!)
        let file = staging.url.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: file.path) { return 0 }
        let partial = staging.url.appendingPathComponent(name + ".part")
        unlink(partial.path)
        guard try await store.download(key, to: partial) else { throw RemoteError.missingObject(key) }
        let (hash, size) = try sha256(of: partial)
        guard hash.hexString == name else {
            unlink(partial.path)
            let reason = expected.flatMap { $0 != size ? "\(size) bytes where the head says \($0)" : nil }
                ?? "its bytes do not match its SHA-256 (\(size) bytes)"
            throw RemoteError.damagedObject(key, reason: reason)
        }
        guard rename(partial.path, file.path) == 0 else { throw RemoteError.refused("cannot stage \(key)") }
        return size
    }

    /// Runs `body` on every item of `items` as it comes, at most `parallel`
    /// at once; `done` runs on this task after each, in completion order.
    static func forEach<Items: AsyncSequence & Sendable>(_ items: Items, parallel: Int,
                                                         _ body: @escaping @Sendable (Items.Element) async throws -> Void,
                                                         done: (Items.Element) -> Void) async throws
        where Items.Element: Sendable {
        try await withThrowingTaskGroup(of: Items.Element.self) { group in
            var running = 0
            for try await item in items {
                if running == parallel, let finished = try await group.next() {
                    running -= 1
                    done(finished)
                }
                group.addTask { try await body(item); return item }
                running += 1
            }
            while let finished = try await group.next() { done(finished) }
        }
    }

    /// `forEach` over an array, `done` told how many are done.
    static func forEach<Item: Sendable>(_ items: [Item], parallel: Int, _ body: @escaping @Sendable (Item) async throws -> Void,
                                        done: (Item, Int) -> Void) async throws {
        var count = 0
        try await forEach(items.async, parallel: parallel, body) { item in
            count += 1
            done(item, count)
        }
    }
}

/// A value handed to one other thread and used there alone.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Runs blocking work (SQLite) on a thread of its own, off Swift's
/// cooperative pool, which it would otherwise hold for its whole length.
func onAThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// An array as an AsyncSequence.
struct ArraySequence<Element: Sendable>: AsyncSequence, Sendable {
    let elements: [Element]
    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<Element>
        mutating func next() async -> Element? { rest.popFirst() }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: elements[...]) }
}

extension Array where Element: Sendable {
    var async: ArraySequence<Element> { ArraySequence(elements: self) }
}

/// The SHA-256 and size of the file at `url`, read in 1 MiB pieces.
func sha256(of url: URL) throws -> (Data, Int64) {
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    var hasher = SHA256()
    var size: Int64 = 0
    while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty {
        hasher.update(data: piece)
        size += Int64(piece.count)
    }
    return (Data(hasher.finalize()), size)
}

/// A directory beside the pond file for objects on their way, removed after.
struct Staging: Sendable {
    let url: URL

    init(beside pondPath: String) throws {
        let pond = URL(fileURLWithPath: pondPath)
        let prefix = ".\(pond.lastPathComponent).remote-"
        Staging.removeAbandoned(prefix, in: pond.deletingLastPathComponent())
        url = pond.deletingLastPathComponent()
            .appendingPathComponent("\(prefix)\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        } catch {
            throw RemoteError.refused("cannot make a staging directory beside \(pondPath): \(error.localizedDescription)")
        }
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// Removes what a killed run left in `directory`: the entries named
    /// `prefix` + the process id of a process that no longer exists + `-...`.
    static func removeAbandoned(_ prefix: String, in directory: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let pid = pid_t(rest.prefix { $0.isNumber }), pid > 0, kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// Renames `file` after its SHA-256. - Returns: the name and its size.
    func nameByContent(_ file: URL) throws -> (String, Int64) {
        let (hash, size) = try sha256(of: file)
        let name = hash.hexString
        guard rename(file.path, url.appendingPathComponent(name).path) == 0 else {
            throw RemoteError.refused("cannot stage \(file.lastPathComponent)")
        }
        return (name, size)
    }
}

/// Cuts the chunks a push sends into pack files of up to `limit` bytes,
/// each named by its SHA-256.
struct FilePacker: ChunkPacker {
    let directory: URL
    let limit: Int
    private(set) var packs: [(name: String, bytes: Int64)] = []
    private var file: UnsafeMutablePointer<FILE>?
    private var hasher = SHA256()
    private var size: Int64 = 0

    /// Told of each pack as it is finished.
    let finished: (_ pack: (name: String, bytes: Int64)) -> Void

    init(directory: URL, limit: Int, finished: @escaping (_ pack: (name: String, bytes: Int64)) -> Void) {
        self.directory = directory
        self.limit = limit
        self.finished = finished
    }

    private var currentPath: String { directory.appendingPathComponent("pack.new").path }

    mutating func add(_ bytes: UnsafeRawBufferPointer, hash: Data) throws -> (pack: Int, offset: Int64) {
        if file != nil, size + Int64(bytes.count) > Int64(limit) { try close() }
        if file == nil {
            guard let opened = fopen(currentPath, "wb") else { throw RemoteError.refused("cannot write a pack in \(directory.path)") }
            file = opened
            hasher = SHA256()
            size = 0
        }
        let offset = size
        guard fwrite(bytes.baseAddress, 1, bytes.count, file) == bytes.count else {
            throw RemoteError.refused("cannot write a pack in \(directory.path)")
        }
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
        return (packs.count, offset)
    }

    private mutating func close() throws {
        guard let open = file else { return }
        file = nil
        guard fclose(open) == 0 else { throw RemoteError.refused("cannot write a pack in \(directory.path)") }
        let name = Data(hasher.finalize()).hexString
        guard rename(currentPath, directory.appendingPathComponent(name).path) == 0 else {
            throw RemoteError.refused("cannot stage a pack")
        }
        packs.append((name, size))
        finished((name, size))
    }

    mutating func finish() throws -> [String] {
        try close()
        return packs.map(\.name)
    }
}

/// Reads chunks out of staged pack files, keeping each open once opened.
final class PackReader {
    let directory: URL
    private var open: [String: FileHandle] = [:]

    init(directory: URL) { self.directory = directory }

    func read(_ entry: PackEntry) throws -> Data {
        let handle: FileHandle
        if let known = open[entry.pack] {
            handle = known
        } else {
            guard let opened = FileHandle(forReadingAtPath: directory.appendingPathComponent(entry.pack).path) else {
                throw RemoteError.missingObject("packs/\(entry.pack)")
            }
            open[entry.pack] = opened
            handle = opened
        }
        try handle.seek(toOffset: UInt64(entry.offset))
        let data = try handle.read(upToCount: Int(entry.length)) ?? Data()
        guard data.count == entry.length else {
            throw RemoteError.damagedObject("packs/\(entry.pack)", reason: "it ends before byte \(entry.offset + entry.length)")
        }
        return data
    }

    func close() {
        for handle in open.values { try? handle.close() }
        open = [:]
    }
}

/// A byte count as people read it: 512 B, 12.5 KiB, 3.2 MiB (what every
/// line of push, pull, clone and verify shows).
public struct Bytes: CustomStringConvertible, Sendable {
    public let count: Int64
    public init(_ count: Int64) { self.count = count }
    public var description: String {
        if count < 1024 { return "\(count) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(count) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: "%.1f %@", value, units[unit])
    }
}
