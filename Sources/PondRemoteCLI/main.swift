import Foundation
import Pond
import S3

// `pond-remote`: the part of `pond push`, `pull`, `clone` and `verify` that
// talks to a remote, in its own executable (as git runs git-remote-https),
// so that no other command links or starts the HTTP stack. `pond` parses
// the command line, resolves the remote's name, and runs:
//
//     pond-remote push|pull|verify POND_FILE REMOTE_NAME URL ENDPOINT
//     pond-remote clone|lazy-clone NEW_POND_FILE origin URL ENDPOINT
//     pond-remote fetch POND_FILE REMOTE_NAME URL ENDPOINT [VERSION [PATH...]]   (pond fetch)
//     pond-remote chunks POND_FILE REMOTE_NAME URL ENDPOINT   (a lazy clone's read: one line
//         per chunk on standard input, "SHA256 PACK OFFSET LENGTH"; their bytes, in order, on
//         standard output; with $POND_FETCH_LOG, one line appended there per run: chunks, bytes, requests)
//     pond-remote http-get URL ETAG LAST_MODIFIED BODY_FILE   (an http collector's GET)
//
// ENDPOINT is empty when there is none. Run by hand, it does the same.

/// One line on standard error, as `pond` prints them.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    exit(1)
}

// Buffers of 128 KiB and more come from mmap and go back when freed. Left
// to itself glibc raises that threshold after the first such free, and the
// transfer's 512 KiB buffers then stay in its heaps: a 256 MiB push peaked at
// 73 MiB RSS so, 54 MiB with the threshold fixed (Benchmarks/remote.py).
@_silgen_name("mallopt") func mallopt(_ parameter: Int32, _ value: Int32) -> Int32  // <malloc.h>, which Glibc does not import
let M_MMAP_THRESHOLD: Int32 = -3
_ = mallopt(M_MMAP_THRESHOLD, 128 << 10)

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "http-get" {
    guard arguments.count == 5 else { fail("usage: pond-remote http-get URL ETAG LAST_MODIFIED BODY_FILE") }
    do {
        let answer = try await HTTPGet.run(url: arguments[1], etag: arguments[2], lastModified: arguments[3], into: arguments[4])
        print("\(answer.status)\t\(answer.etag)\t\(answer.lastModified)")
        exit(0)
    } catch {
        fail("GET \(arguments[1]): \(error)")
    }
}
guard arguments.count == 5 || (arguments.count >= 5 && arguments[0] == "fetch"),
      ["push", "pull", "clone", "lazy-clone", "verify", "fetch", "chunks"].contains(arguments[0]) else {
    fail("usage: pond-remote push|pull|clone|lazy-clone|verify|fetch|chunks POND_FILE REMOTE_NAME URL ENDPOINT (pond push --help says more)")
}
let (verb, pondPath, name, url) = (arguments[0], arguments[1], arguments[2], arguments[3])
let endpoint = arguments[4].isEmpty ? nil : arguments[4]

/// The store `url` names: a directory, or an S3 bucket with credentials from the environment.
func objectStore() throws -> any ObjectStore {
    switch try RemoteLocation.parse(url) {
    case .directory(let path):
        return FileObjectStore(directory: path)
    case .s3(let bucket, let prefix):
        return try S3ObjectStore(bucket: bucket, prefix: prefix, endpoint: endpoint,
                                 credentials: try S3Credentials.fromEnvironment())
    }
}

/// A progress line redrawn in place on a terminal, at most five times a second; nothing otherwise.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var last = Date.distantPast
    private var shown = false

    func show(_ line: String) {
        guard isTerminal else { return }
        lock.lock()
        defer { lock.unlock() }
        guard Date().timeIntervalSince(last) >= 0.2 else { return }
        last = Date()
        shown = true
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

func describe(_ report: TransferReport) -> String {
    let versions = report.versions.map { $0.lowerBound == $0.upperBound ? "version \($0.lowerBound)" : "versions \($0.lowerBound)-\($0.upperBound)" }
    return "\(versions ?? "nothing"): \(report.objects) objects, \(Bytes(report.bytes)), \(report.requests) requests; head \(report.head)"
}

let progress = ProgressLine()
let show: @Sendable (String) -> Void = { progress.show($0) }
/// Runs the verb; the line to print when it worked.
func run(_ store: any ObjectStore) async throws -> String {
    let remote = "\(name) (\(store.location))"
    switch verb {
    case "clone":
        let report = try await Pond.clone(from: store, url: url, endpoint: endpoint, to: pondPath, progress: show)
        return "cloned \(store.location) into \(pondPath): \(describe(report))"
    case "lazy-clone":
        let report = try await Pond.cloneLazily(from: store, url: url, endpoint: endpoint, to: pondPath, progress: show)
        let pond = try Pond.open(at: pondPath)
        let remoteBytes = try pond.lazyBytes()?.remote ?? 0
        return "cloned \(store.location) into \(pondPath) lazily (no file bytes; \(Bytes(remoteBytes)) stay on the remote until read): \(describe(report))"
    case "chunks":
        return try await fetchChunks(store)
    case "fetch":
        let pond = try Pond.open(at: pondPath)
        let version = arguments.count > 5 && !arguments[5].isEmpty ? Version(Int64(arguments[5]) ?? 0) : nil
        let chunks = try pond.missingChunks(under: Array(arguments.dropFirst(6)), at: version)
        let report = try await pond.fetch(chunks, from: store, progress: show)
        pond.checkpoint()
        let left = try pond.lazyBytes()?.remote ?? 0
        return "fetched \(report.chunks) chunks, \(Bytes(report.bytes)) in \(report.requests) requests from \(remote); "
            + (left == 0 ? "every byte is local" : "\(Bytes(left)) still on the remote")
    case "verify":
        let report = try await Pond.open(at: pondPath).verify(against: store, progress: show)
        let relation = report.remoteHead == report.localHead
            ? "equals this pond's head" : "descends from this pond's head \(report.localHead)"
        return "\(remote) verified: head \(report.remoteHead) \(relation); \(report.segments) segments, \(report.packs) packs, \(Bytes(report.bytes)) read and checked"
    case "push":
        let pond = try Pond.open(at: pondPath)
        let report = try await pond.push(to: store, progress: show)
        pond.checkpoint()
        return report.versions == nil ? "\(remote) is up to date: head \(report.head)" : "pushed to \(remote) \(describe(report))"
    default:
        let pond = try Pond.open(at: pondPath)
        let report = try await pond.pull(from: store, named: name, progress: show)
        pond.checkpoint()
        return report.versions == nil ? "up to date with \(remote): head \(report.head)" : "pulled from \(remote) \(describe(report))"
    }
}

/// `chunks`: the requested chunks' bytes to standard output, in order.
func fetchChunks(_ store: any ObjectStore) async throws -> String {
    var wanted: [PackEntry] = []
    while let line = readLine() {
        let fields = line.split(separator: " ")
        guard fields.count == 4, let hash = Data(hexString: String(fields[0])), let offset = Int64(fields[2]), let length = Int64(fields[3]) else {
            throw RemoteError.refused("pond-remote chunks: a request line is not 'SHA256 PACK OFFSET LENGTH': \(line)")
        }
        wanted.append(PackEntry(chunk: hash, pack: String(fields[1]), offset: offset, length: length))
    }
    let requestsBefore = store.requests
    let bytes = try await LazyFetch.fetch(wanted, from: store)
    for piece in bytes { FileHandle.standardOutput.write(piece) }
    if let log = ProcessInfo.processInfo.environment["POND_FETCH_LOG"], let handle = FileHandle(forWritingAtPath: log)
        ?? (FileManager.default.createFile(atPath: log, contents: nil) ? FileHandle(forWritingAtPath: log) : nil) {
        handle.seekToEndOfFile()
        handle.write(Data("\(wanted.count) \(bytes.reduce(0) { $0 + $1.count }) \(store.requests - requestsBefore)\n".utf8))
        try? handle.close()
    }
    return ""
}

let outcome: Result<String, any Error>
do {
    let store = try objectStore()
    do {
        outcome = .success(try await run(store))
    } catch {
        outcome = .failure(error)
    }
    await store.shutdown()
} catch {
    outcome = .failure(error)
}
progress.finish()
switch outcome {
case .success(let line): if !line.isEmpty { print(line) }
case .failure(let error): fail("\(error)")
}
