import Foundation
import Pond
import S3

// `pond-remote`: the part of `pond push`, `pull`, `clone` and `verify` that
// talks to a remote, in its own executable (as git runs git-remote-https),
// so that no other command links or starts the HTTP stack. `pond` parses
// the command line, resolves the remote's name, and runs:
//
//     pond-remote push|pull|verify POND_FILE REMOTE_NAME URL ENDPOINT
//     pond-remote clone NEW_POND_FILE origin URL ENDPOINT
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
guard arguments.count == 5, ["push", "pull", "clone", "verify"].contains(arguments[0]) else {
    fail("usage: pond-remote push|pull|clone|verify POND_FILE REMOTE_NAME URL ENDPOINT (pond push --help says more)")
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
        let report = try await pond.pull(from: store, progress: show)
        pond.checkpoint()
        return report.versions == nil ? "up to date with \(remote): head \(report.head)" : "pulled from \(remote) \(describe(report))"
    }
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
case .success(let line): print(line)
case .failure(let error): fail("\(error)")
}
