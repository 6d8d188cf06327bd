import Crypto
import Foundation
@testable import Pond
@testable import Remote
@testable import S3
import Testing

/// Push, pull, clone and verify against a directory and against a real S3
/// server (SeaweedFS on loopback): every version's tree, bytes and head hash
/// compared, pushes killed and raced, histories diverged, objects tampered.
enum Backend: String, CustomTestStringConvertible, Sendable {
    case file, s3

    var testDescription: String { rawValue }

    /// file://, and s3:// when there is a weed binary (or CI requires one).
    static var available: [Backend] {
        [.file] + (SeaweedServer.binary() != nil || getenv("POND_REQUIRE_S3") != nil ? [.s3] : [])
    }

    /// A new, empty remote.
    func store(in scratch: Scratch, name: String = "remote") async throws -> any ObjectStore {
        switch self {
        case .file:
            return FileObjectStore(directory: scratch.path(name))
        case .s3:
            let server = try #require(try SeaweedServer.server())
            let store = try S3ObjectStore(bucket: "pond-tests", prefix: "\(name)-\(UUID().uuidString.lowercased())",
                                          endpoint: server.endpoint,
                                          credentials: S3Credentials(accessKey: SeaweedServer.accessKey,
                                                                     secretKey: SeaweedServer.secretKey))
            try await store.createBucket()
            return store
        }
    }
}

/// A temporary directory, removed when released.
final class Scratch: @unchecked Sendable {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pond-remote-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The names in the directory (hidden ones too), to see that nothing was left behind.
    var names: [String] { (try? FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()) ?? [] }
}

/// Every stored path of every version and what it holds.
func history(of pond: Pond) throws -> [[String]] {
    try (1...pond.headVersion.rawValue).map { version in
        try pond.read(at: Version(version)) { fs in
            try fs.root.glob("/**").filter { !$0.path.isRoot }.map { match -> String in
                switch match.node.kind {
                case .directory: return "\(match.path)/"
                case .file(let file):
                    do {
                        return "\(match.path) \(Data(SHA256.hash(data: try file.content())).hexString)"
                    } catch PondError.pruned {
                        return "\(match.path) pruned"
                    }
                case .symlink(let link): return "\(match.path) -> \(try link.target())"
                }
            }
        }
    }
}

func random(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// A pond with a bit of everything: directories, small and chunked files,
/// a symlink, a move, a removal, appends to a table, a derived file, messages.
func richPond(at path: String) throws -> Pond {
    let pond = try Pond.create(at: path)
    try pond.write(message: "layout") { fs in
        try fs.root.mkdir("/sensors")
        try fs.root.mkdir("/docs")
        try fs.root.write("/docs/readme.txt", "hello")
    }
    try pond.write(message: "big") { fs in try fs.root.write("/sensors/raw.bin", random(700_000, seed: 1)) }
    try pond.write(message: "table") { fs in try fs.root.write("/sensors/t.csv", "station,temp\na,1.5\nb,2\n") }
    try pond.write(message: "append") { fs in
        var source = ArraySource([UInt8]("c,3\n".utf8))
        _ = try fs.root.append("/sensors/t.csv", from: &source)
    }
    try pond.write(message: "derived") { fs in
        try fs.root.symlink("/sensors/t.csv", at: "/latest")
        try fs.root.makeDerivedFile("/sensors/avg.csv", factory: .sql, definition: "SELECT avg(temp) AS t FROM \"/sensors/t.csv\"")
    }
    try pond.write(message: "edit") { fs in
        var bytes = random(700_000, seed: 1)
        bytes[350_000] ^= 0xFF
        try fs.root.write("/sensors/raw.bin", bytes)
        try fs.root.move("/docs/readme.txt", to: "/docs/README")
    }
    try pond.write(message: "remove") { fs in try fs.root.remove("/docs/README") }
    return pond
}

/// An ObjectStore that passes everything to another but fails on purpose:
/// a push "killed" before its head is written, or a server gone after `uploads` objects.
final class FailingStore: ObjectStore, @unchecked Sendable {
    let inner: any ObjectStore
    let failHead: Bool
    let uploadsAllowed: Int
    private var uploads = 0
    private let lock = NSLock()
    var location: String { inner.location }
    var requests: Int { inner.requests }

    init(_ inner: any ObjectStore, failHead: Bool = false, uploadsAllowed: Int = .max) {
        self.inner = inner
        self.failHead = failHead
        self.uploadsAllowed = uploadsAllowed
    }

    struct Killed: Error {}

    func readHead() async throws -> (data: Data, tag: String)? { try await inner.readHead() }
    func writeHead(_ data: Data, replacing tag: String?) async throws {
        if failHead { throw Killed() }
        try await inner.writeHead(data, replacing: tag)
    }
    func upload(_ key: String, from file: URL, bytes: Int64, sha256: Data) async throws {
        let allowed = lock.withLock { uploads += 1; return uploads <= uploadsAllowed }
        guard allowed else { throw RemoteError.network("connection refused (the test stopped the server)") }
        try await inner.upload(key, from: file, bytes: bytes, sha256: sha256)
    }
    func download(_ key: String, to file: URL) async throws -> Bool { try await inner.download(key, to: file) }
    func download(_ key: String, range: Range<Int64>) async throws -> Data? { try await inner.download(key, range: range) }
    func shutdown() async { await inner.shutdown() }
}

/// Replaces object `key` with `change(bytes)`, behind Pond's back.
func tamper(_ store: any ObjectStore, _ key: String, in scratch: Scratch, _ change: (inout Data) -> Void) async throws {
    let file = URL(fileURLWithPath: scratch.path("tamper-\(UUID().uuidString)"))
    defer { unlink(file.path) }
    #expect(try await store.download(key, to: file))
    var data = try Data(contentsOf: file)
    change(&data)
    try data.write(to: file)
    try await store.upload(key, from: file, bytes: Int64(data.count), sha256: Data(SHA256.hash(data: data)))
}

func head(of store: any ObjectStore) async throws -> RemoteHead {
    let (data, _) = try #require(try await store.readHead())
    return try JSONDecoder().decode(RemoteHead.self, from: data)
}

/// A pond handed to one other task, and used by that one only.
struct Box: @unchecked Sendable {
    let pond: Pond
    init(_ pond: Pond) { self.pond = pond }
}

func attempt<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

/// A rich pond pushed to a new remote of `backend` and cloned from it (b.pond).
func pushedAndCloned(_ backend: Backend) async throws -> (Scratch, any ObjectStore, Pond, Pond) {
    let scratch = try Scratch()
    let store = try await backend.store(in: scratch)
    let pond = try richPond(at: scratch.path("a.pond"))
    _ = try await pond.push(to: store)
    _ = try await Pond.clone(from: store, url: "file:///x", to: scratch.path("b.pond"))
    return (scratch, store, pond, try Pond.open(at: scratch.path("b.pond")))
}

@Suite struct ReplicationTests {
    @Test(arguments: Backend.available)
    func cloneHoldsEveryVersionHashAndByte(backend: Backend) async throws {
        let scratch = try Scratch()
        let store = try await backend.store(in: scratch)
        let pond = try richPond(at: scratch.path("a.pond"))
        let pushed = try await pond.push(to: store)
        #expect(pushed.versions == 1...8)
        let cloned = try await Pond.clone(from: store, url: "file:///x", to: scratch.path("b.pond"))
        #expect(cloned.head == (try pond.store.chainPoint()))
        let clone = try Pond.open(at: scratch.path("b.pond"))
        #expect(try history(of: clone) == (try history(of: pond)))
        #expect(try clone.check().isEmpty)
        for version in 1...8 {
            #expect(try clone.store.chainPoint(at: Version(Int64(version))) == (try pond.store.chainPoint(at: Version(Int64(version)))))
        }
        #expect(try clone.transactions() == (try pond.transactions()))
        #expect(try clone.query("SELECT count(*) FROM \"/sensors/t.csv\" WHERE _version = 5").rows.first?.first == .integer(1))
        #expect(try clone.remotes() == [RemoteRecord(name: "origin", url: "file:///x")])
        let verified = try await clone.verify(against: store)
        #expect(verified.remoteHead == verified.localHead)
        await store.shutdown()
    }

    @Test(arguments: Backend.available)
    func pushesAndPullsOnlyWhatIsNew(backend: Backend) async throws {
        let (scratch, store, pond, clone) = try await pushedAndCloned(backend)

        let nothing = try await pond.push(to: store)
        #expect(nothing.versions == nil && nothing.objects == 0 && nothing.requests == 1)

        // The same bytes as version 2's raw.bin under another name, and a small
        // new file: the copy's chunks are on the remote, only the new file goes.
        try pond.write(message: "copy") { fs in
            try fs.root.write("/sensors/copy.bin", random(700_000, seed: 1))
            try fs.root.write("/new.txt", "new")
        }
        let one = try await pond.push(to: store)
        #expect(one.versions == 9...9)
        #expect(one.requests == 4)  // head, one pack, the segment, the head again
        #expect(one.bytes < 20_000, "the copy's chunks are on the remote already: \(one.bytes) bytes sent")

        let pulled = try await clone.pull(from: store)
        #expect(pulled.versions == 9...9)
        #expect(try history(of: clone) == (try history(of: pond)))
        let again = try await clone.pull(from: store)
        #expect(again.versions == nil && again.requests == 1)
        await store.shutdown()
    }

    @Test(arguments: Backend.available)
    func pushingOneVersionCostsTheSameWhateverTheHistory(backend: Backend) async throws {
        let scratch = try Scratch()
        let store = try await backend.store(in: scratch)
        let pond = try Pond.create(at: scratch.path("a.pond"))
        var costs: [Int] = []
        for round in 0..<40 {
            try pond.write { fs in try fs.root.write("/f\(round).txt", "version \(round)") }
            costs.append(try await pond.push(to: store).requests)
        }
        #expect(Set(costs.dropFirst()) == [4], "requests per push: \(costs)")
        #expect(try await head(of: store).segments.count == 40)
        _ = try await Pond.clone(from: store, url: "file:///x", to: scratch.path("b.pond"))
        #expect(try history(of: Pond.open(at: scratch.path("b.pond"))) == (try history(of: pond)))
        await store.shutdown()
    }

    @Test(arguments: Backend.available)
    func aKilledPushLeavesTheRemoteAsItWasAndTheNextCompletesIt(backend: Backend) async throws {
        let scratch = try Scratch()
        let store = try await backend.store(in: scratch)
        let pond = try richPond(at: scratch.path("a.pond"))
        await #expect(throws: FailingStore.Killed.self) { try await pond.push(to: FailingStore(store, failHead: true)) }
        #expect(try await store.readHead() == nil)
        await #expect(throws: RemoteError.self) { try await pond.push(to: FailingStore(store, uploadsAllowed: 0)) }
        #expect(try await store.readHead() == nil)
        let done = try await pond.push(to: store)
        #expect(done.versions == 1...8)

        try pond.write { fs in try fs.root.write("/more.bin", random(300_000, seed: 9)) }
        await #expect(throws: FailingStore.Killed.self) { try await pond.push(to: FailingStore(store, failHead: true)) }
        #expect(try await head(of: store).version == 8)
        #expect(try await pond.push(to: store).versions == 9...9)
        _ = try await Pond.clone(from: store, url: "file:///x", to: scratch.path("b.pond"))
        #expect(try history(of: Pond.open(at: scratch.path("b.pond"))) == (try history(of: pond)))
        await store.shutdown()
    }

    @Test(arguments: Backend.available)
    func ofTwoRacingPushersExactlyOneWins(backend: Backend) async throws {
        let scratch = try Scratch()
        let store = try await backend.store(in: scratch)
        let origin = try Pond.create(at: scratch.path("origin.pond"))
        _ = try await origin.push(to: store)
        for round in 0..<5 {
            let paths = [scratch.path("x\(round).pond"), scratch.path("y\(round).pond")]
            var ponds: [Pond] = []
            for (index, path) in paths.enumerated() {
                _ = try await Pond.clone(from: store, url: "file:///x", to: path)
                let pond = try Pond.open(at: path)
                try pond.write { fs in try fs.root.write("/racer\(index).txt", "round \(round)") }
                ponds.append(pond)
            }
            let first = Box(ponds[0]), second = Box(ponds[1])
            async let a = attempt { try await first.pond.push(to: store) }
            async let b = attempt { try await second.pond.push(to: store) }
            let results = await [a, b]
            let winners = results.filter { if case .success = $0 { true } else { false } }
            #expect(winners.count == 1, "round \(round): \(results)")
            for case .failure(let error) in results {
                let refused = switch error {
                case RemoteError.moved, RemoteError.remoteAhead, SegmentError.diverged: true
                default: false
                }
                #expect(refused, "round \(round): \(error)")
            }
            let winner = try #require(results.firstIndex { if case .success = $0 { true } else { false } })
            #expect(try await head(of: store).point == (try ponds[winner].store.chainPoint()))
            // The loser's history now differs from the remote's: a pull refuses it.
            await #expect(throws: SegmentError.self) { try await ponds[1 - winner].pull(from: store) }
            _ = try await origin.pull(from: store)
        }
        await store.shutdown()
    }

    @Test(arguments: Backend.available)
    func divergedHistoriesAreRefusedOnBothSides(backend: Backend) async throws {
        let scratch = try Scratch()
        let store = try await backend.store(in: scratch)
        let a = try Pond.create(at: scratch.path("a.pond"))
        try a.write { fs in try fs.root.write("/a.txt", "a") }
        _ = try await a.push(to: store)
        // Another pond of its own, with more versions: nothing in common but its shape.
        let b = try Pond.create(at: scratch.path("b.pond"))
        try b.write { fs in try fs.root.write("/b.txt", "b") }
        try b.write { fs in try fs.root.write("/b2.txt", "b") }
        let remoteHead = try a.store.chainPoint()
        let bHead = try b.store.chainPoint()
        do {
            _ = try await b.push(to: store)
            Issue.record("a diverged push was taken")
        } catch SegmentError.diverged(let local, let remote) {
            #expect(local == bHead && remote == remoteHead)
            #expect("\(SegmentError.diverged(local: local, remote: remote))".contains("\(bHead.version) (\(bHead.hash.hexString.prefix(12)))"))
        }
        await #expect(throws: SegmentError.diverged(local: bHead, remote: remoteHead)) { try await b.pull(from: store) }
        #expect(try b.store.chainPoint() == bHead)
        #expect(try await head(of: store).point == remoteHead)
        // Behind: a push of a pond the remote is ahead of.
        let c = try Pond.create(at: scratch.path("c.pond"))
        await #expect(throws: RemoteError.self) { try await c.push(to: store) }
        await store.shutdown()
    }

    @Test(arguments: Backend.available)
    func damagedOrMissingObjectsFailNamingThemAndChangeNothing(backend: Backend) async throws {
        let scratch = try Scratch()
        let store = try await backend.store(in: scratch)
        let pond = try richPond(at: scratch.path("a.pond"))
        let base = try Pond.create(at: scratch.path("base.pond"))
        _ = base
        _ = try await pond.push(to: store)
        let remote = try await head(of: store)
        let pack = "packs/\(remote.segments[0].packs[0].name)"
        let segment = "segments/\(remote.segments[0].name)"
        let before = scratch.names

        func expectFailure(_ object: String, _ label: String) async {
            do {
                _ = try await Pond.clone(from: store, url: "file:///x", to: scratch.path("clone.pond"))
                Issue.record("\(label): the clone was made")
            } catch {
                #expect("\(error)".contains(object), "\(label): \(error)")
            }
            #expect(scratch.names == before, "\(label): the clone left \(scratch.names)")
            do {
                _ = try await pond.verify(against: store)
                Issue.record("\(label): verify passed")
            } catch {
                #expect("\(error)".contains(object), "\(label): verify said \(error)")
            }
        }

        try await tamper(store, pack, in: scratch) { $0[$0.count / 2] ^= 1 }
        await expectFailure(pack, "a flipped bit in a pack")
        try await tamper(store, pack, in: scratch) { $0[$0.count / 2] ^= 1 }  // mended
        try await tamper(store, pack, in: scratch) { $0.removeLast(100) }
        await expectFailure(pack, "a truncated pack")
        try await tamper(store, segment, in: scratch) { $0[200] ^= 0x40 }
        await expectFailure(segment, "a changed segment")
        switch backend {
        case .file: unlink(scratch.path("remote/\(segment)"))
        case .s3: try await (store as! S3ObjectStore).delete(segment)
        }
        await expectFailure(segment, "a missing segment")
        await store.shutdown()
    }

    @Test(arguments: Backend.available)
    func aPullThatFailsLeavesThePondAsItWas(backend: Backend) async throws {
        let (scratch, store, pond, clone) = try await pushedAndCloned(backend)
        try pond.write { fs in try fs.root.write("/n.bin", random(200_000, seed: 5)) }
        _ = try await pond.push(to: store)
        let newPack = try await head(of: store).segments.last!.packs[0].name
        try await tamper(store, "packs/\(newPack)", in: scratch) { $0[10] ^= 0xFF }
        let headBefore = try clone.store.chainPoint()
        await #expect(throws: RemoteError.damagedObject("packs/\(newPack)", reason: "its bytes do not match its SHA-256 (\(200_000) bytes)")) {
            try await clone.pull(from: store)
        }
        #expect(try clone.store.chainPoint() == headBefore)
        #expect(try clone.check().isEmpty)
        #expect(!scratch.names.contains { $0.contains("remote-") }, "staging left behind: \(scratch.names)")
        await store.shutdown()
    }

    @Test(arguments: Backend.available)
    func aDamagedChunkHereIsNeverPushed(backend: Backend) async throws {
        let scratch = try Scratch()
        let store = try await backend.store(in: scratch)
        let pond = try richPond(at: scratch.path("a.pond"))
        pond.checkpoint()
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [scratch.path("a.pond"),
                            "UPDATE chunks SET data = zeroblob(length(data)) WHERE rowid = (SELECT max(rowid) FROM chunks)"]
        try sqlite.run()
        sqlite.waitUntilExit()
        #expect(sqlite.terminationStatus == 0)
        do {
            _ = try await pond.push(to: store)
            Issue.record("a damaged chunk was pushed")
        } catch SegmentError.damagedHere {
        }
        #expect(try await store.readHead() == nil)
        await store.shutdown()
    }

    @Test(arguments: Backend.available)
    func aHeadThatIsNoPondsIsRefused(backend: Backend) async throws {
        let scratch = try Scratch()
        let store = try await backend.store(in: scratch)
        try await store.writeHead(Data("{\"format\":\"something else\"}".utf8), replacing: nil)
        let pond = try Pond.create(at: scratch.path("a.pond"))
        await #expect(throws: RemoteError.self) { try await pond.pull(from: store) }
        await #expect(throws: RemoteError.self) { try await pond.push(to: store) }
        await store.shutdown()
    }

    @Test(arguments: Backend.available)
    func prunedHistoryTravelsAsPruned(backend: Backend) async throws {
        let (scratch, store, pond, clone) = try await pushedAndCloned(backend)
        _ = try pond.prune(PruneRule(keepLast: 1), message: "prune")
        try pond.write { fs in try fs.root.write("/after.txt", "after") }
        let pushed = try await pond.push(to: store)
        #expect(pushed.versions == 9...10)
        _ = try await clone.pull(from: store)  // the prune first, then the bytes it let go, stored again
        #expect(try history(of: clone) == (try history(of: pond)))
        // After the prune, the pruned bytes written again go again (the remote
        // might never have had them): the clone reads them.
        try pond.write { fs in try fs.root.write("/again.bin", random(700_000, seed: 1)) }
        #expect(try await pond.push(to: store).bytes > 100_000)
        _ = try await clone.pull(from: store)
        #expect(try history(of: clone) == (try history(of: pond)))
        #expect(try clone.check().isEmpty)
        _ = try await Pond.clone(from: store, url: "file:///x", to: scratch.path("c.pond"))
        let fresh = try Pond.open(at: scratch.path("c.pond"))
        #expect(try history(of: fresh) == (try history(of: pond)))
        #expect(try fresh.check().isEmpty)
        await store.shutdown()
    }
}

/// What only an S3 server can get wrong.
@Suite(.enabled(if: Backend.available.contains(.s3))) struct S3FailureTests {
    @Test func wrongCredentialsAreRefusedWithoutShowingThem() async throws {
        let server = try #require(try SeaweedServer.server())
        let store = try S3ObjectStore(bucket: "pond-tests", prefix: "creds", endpoint: server.endpoint,
                                      credentials: S3Credentials(accessKey: SeaweedServer.accessKey, secretKey: "not-the-secret-xyz"))
        let scratch = try Scratch()
        let pond = try Pond.create(at: scratch.path("a.pond"))
        do {
            _ = try await pond.push(to: store)
            Issue.record("pushed with a wrong secret")
        } catch {
            #expect("\(error)".contains("403"), "\(error)")
            #expect(!"\(error)".contains("not-the-secret-xyz"))
            #expect(!"\(error)".contains("\n"))
        }
        await store.shutdown()
    }

    @Test func anUnreachableServerIsOneLineAfterAFewTries() async throws {
        var taken = Set<UInt16>()
        let port = SeaweedServer.freePort(avoiding: &taken)
        let store = try S3ObjectStore(bucket: "pond-tests", prefix: "gone", endpoint: "http://127.0.0.1:\(port)",
                                      credentials: S3Credentials(accessKey: "a", secretKey: "b"))
        let scratch = try Scratch()
        let pond = try Pond.create(at: scratch.path("a.pond"))
        do {
            _ = try await pond.push(to: store)
            Issue.record("pushed to nothing")
        } catch let error as RemoteError {
            guard case .network(let line) = error else { Issue.record("\(error)"); return }
            #expect(line.contains("127.0.0.1:\(port)") && line.contains("after 4 tries") && !line.contains("\n"), "\(line)")
        }
        #expect(store.requests == 4)  // bounded in count; no time is asserted (a shared machine)
        await store.shutdown()
    }

    /// A server of its own, killed while a push of 24 MiB is under way,
    /// then started again on the same data: the push failed in one line and
    /// left the remote as it was; the next one completes it.
    @Test func theServerStoppedMidPush() async throws {
        let scratch = try Scratch()
        var taken = Set<UInt16>()
        let s3 = SeaweedServer.freePort(avoiding: &taken)
        let flags = ["master", "volume", "filer", "admin", "webdav"].map { "-\($0).port=\(SeaweedServer.freePort(avoiding: &taken))" }
        let data = scratch.directory.appendingPathComponent("weed")
        var server = try SeaweedServer.launch(directory: data, s3: s3, flags: flags)
        defer { server.stop() }
        let credentials = S3Credentials(accessKey: SeaweedServer.accessKey, secretKey: SeaweedServer.secretKey)
        func store() throws -> S3ObjectStore {
            try S3ObjectStore(bucket: "pond-tests", prefix: "stopped", endpoint: server.endpoint, credentials: credentials)
        }
        let pond = try Pond.create(at: scratch.path("a.pond"))
        try pond.write { fs in try fs.root.write("/big.bin", random(24 << 20, seed: 3)) }
        let first = try store()
        try await first.createBucket()
        let pushing = Box(pond)
        let push = Task { await attempt { try await pushing.pond.push(to: first) } }
        try await Task.sleep(for: .milliseconds(150))
        server.stop()
        let outcome = await push.value
        await first.shutdown()
        guard case .failure(let error) = outcome else {
            Issue.record("the push finished before the server was stopped; nothing was tested")
            return
        }
        #expect(!"\(error)".contains("\n"), "\(error)")
        server = try SeaweedServer.launch(directory: data, s3: s3, flags: flags)
        let second = try store()
        #expect(try await second.readHead() == nil)
        #expect(try await pond.push(to: second).versions == 1...2)
        _ = try await Pond.clone(from: second, url: "s3://pond-tests/stopped", to: scratch.path("b.pond"))
        #expect(try history(of: Pond.open(at: scratch.path("b.pond"))) == (try history(of: pond)))
        await second.shutdown()
    }

    @Test func plainHTTPIsOnlyForLoopback() throws {
        #expect(throws: RemoteError.self) {
            try S3ObjectStore(bucket: "b", prefix: "", endpoint: "http://example.com:9000", credentials: S3Credentials(accessKey: "a", secretKey: "b"))
        }
        #expect(throws: Never.self) { try RemoteLocation.checkEndpoint("http://[::1]:9000") }
        #expect(throws: Never.self) { try RemoteLocation.checkEndpoint("https://s3.example.com") }
    }
}
