import Crypto
import Foundation
import TinyFS

/// A URL fetched for an `http` collector: by a helper process in `pond`
/// (which links no HTTP client), by anything in tests.
public protocol HTTPFetching {
    /// GETs `url` with `If-None-Match: etag` and `If-Modified-Since:
    /// lastModified` when given, the body written to host file `body`.
    func get(url: String, etag: String?, lastModified: String?, into body: String) throws -> HTTPFetched
}

/// What a GET answered: its status and validators (the body is in the file).
public struct HTTPFetched: Sendable, Equatable {
    public let status: Int
    public let etag: String?
    public let lastModified: String?

    public init(status: Int, etag: String?, lastModified: String?) {
        self.status = status
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// What one run of a collector did.
public enum CollectorOutcome: Sendable, Equatable {
    /// Nothing new arrived; no version.
    case nothingNew
    /// `bytes` were written or appended to the collector's path.
    case collected(bytes: Int64)
}

/// One run of a collector, in two steps: `prepare` does the slow part outside
/// any transaction (runs the command, fetches the URL); `finish` runs inside
/// the write transaction, decides against the state kept in the pond whether
/// anything is new, and writes it with the new state. Two runs at once take
/// turns in `finish`, which reads the state the other left.
public final class CollectorRun {
    public let spec: CollectorSpec
    private let scratch: String
    private var fetched: HTTPFetched?
    private var ran = false

    /// - Parameter scratch: a host directory for the run's temporary files (removed with the run).
    public init(_ spec: CollectorSpec, scratch: String = NSTemporaryDirectory()) {
        self.spec = spec
        self.scratch = scratch + "/pond-collect-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    private var output: String { scratch + "/output" }

    /// Runs the command or fetches the URL (the state read by `fs` gives the
    /// validators); a log file is read in `finish`.
    /// - Throws: `ResourceError`: a non-zero exit, an HTTP error, an unset variable.
    public func prepare(reading fs: FS, http: (any HTTPFetching)?) throws {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        switch spec.source {
        case .command(let line):
            try runCommand(try Secrets.expand(line))
        case .http(let url):
            guard let http else { throw ResourceError("no HTTP client to fetch \(url)") }
            let state = try Collectors.state(of: spec.name, in: fs)
            let answer = try http.get(url: try Secrets.expand(url), etag: state?.etag, lastModified: state?.lastModified, into: output)
            guard answer.status == 304 || (200..<300).contains(answer.status) else {
                throw ResourceError("GET \(url): HTTP status \(answer.status)")
            }
            fetched = answer
        case .logfile:
            break
        }
        ran = true
    }

    /// Writes what is new into `fs` (the write transaction), with the new state.
    public func finish(in fs: FS) throws -> CollectorOutcome {
        precondition(ran, "prepare first")
        switch spec.source {
        case .command:
            return try deliver([.plain(path: output, from: 0, to: LogFollower.fileInfo(output)?.size ?? 0)], to: fs)
        case .http:
            guard let fetched, fetched.status != 304 else { return .nothingNew }
            let digest = try digest(of: output)
            let state = try Collectors.state(of: spec.name, in: fs) ?? CollectorState()
            if state.sha256 == digest { return .nothingNew }
            let outcome = try deliver([.plain(path: output, from: 0, to: LogFollower.fileInfo(output)?.size ?? 0)], to: fs)
            var next = state
            (next.etag, next.lastModified, next.sha256) = (fetched.etag, fetched.lastModified, digest)
            try Collectors.setState(next, of: spec.name, in: fs)
            return outcome
        case .logfile(let file):
            let state = try Collectors.state(of: spec.name, in: fs) ?? CollectorState()
            // The pond file's header line is read from it once, then kept in the state.
            let header = try state.header.map { Array($0.utf8) } ?? headerLine(in: fs)
            let (pieces, position) = try LogFollower(file: file).plan(after: state.log, header: header)
            let outcome = try deliver(pieces, to: fs)
            if outcome != .nothingNew {
                var next = state
                next.log = position
                next.header = try header.map { String(decoding: $0, as: UTF8.self) } ?? headerLine(in: fs).map { String(decoding: $0, as: UTF8.self) }
                try Collectors.setState(next, of: spec.name, in: fs)
            }
            return outcome
        }
    }

    /// Appends `pieces` to the collector's path, or makes them its content
    /// (nothing when it already is).
    private func deliver(_ pieces: [LogFollower.Piece], to fs: FS) throws -> CollectorOutcome {
        var source = try PiecesSource(pieces)
        if spec.append {
            let changed = try fs.root.append(spec.path, from: &source)
            return changed ? .collected(bytes: source.count) : .nothingNew
        }
        if try fs.root.exists(spec.path) {
            var probe = try PiecesSource(pieces)
            let new = try sha256Hex { try probe.forEach($0) }
            if try sha256Hex({ try fs.root.read(spec.path, into: $0) }) == new { return .nothingNew }
        }
        try fs.root.write(spec.path, from: &source)
        return .collected(bytes: source.count)
    }

    /// The first line (with its newline) of the CSV or TSV file being
    /// appended to, when it has one: a log file that starts with it again
    /// (a logger's new file after rotation) is appended without it.
    private func headerLine(in fs: FS) throws -> [UInt8]? {
        let name = spec.path.lowercased()
        guard spec.append, name.hasSuffix(".csv") || name.hasSuffix(".tsv"), try fs.root.exists(spec.path) else { return nil }
        struct Enough: Error {}
        var line: [UInt8] = []
        do {
            try fs.root.read(spec.path, into: { piece in
                if let newline = piece.firstIndex(of: UInt8(ascii: "\n")) {
                    line += piece[...newline]
                    throw Enough()
                }
                line += piece
                if line.count > 1 << 20 { throw Enough() }
            })
        } catch is Enough {}
        return line.last == UInt8(ascii: "\n") ? line : nil
    }

    /// SHA-256 of host file `file`'s bytes.
    private func digest(of file: String) throws -> String {
        var source = try PiecesSource([.plain(path: file, from: 0, to: LogFollower.fileInfo(file)?.size ?? 0)])
        return try sha256Hex { try source.forEach($0) }
    }

    /// Runs `line` with /bin/sh, its standard output into `output`; its
    /// standard error's last line goes into the error when it fails.
    private func runCommand(_ line: String) throws {
        let errors = scratch + "/errors"
        guard FileManager.default.createFile(atPath: output, contents: nil), FileManager.default.createFile(atPath: errors, contents: nil) else {
            throw ResourceError("cannot write in \(scratch)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", line]
        process.standardInput = FileHandle.nullDevice
        guard let out = FileHandle(forWritingAtPath: output), let err = FileHandle(forWritingAtPath: errors) else {
            throw ResourceError("cannot open the files in \(scratch)")
        }
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw ResourceError("cannot run /bin/sh: \(error.localizedDescription)")
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let said = (try? String(contentsOfFile: errors, encoding: .utf8))?
                .split(separator: "\n").last.map { ": " + $0.prefix(300) } ?? ""
            let how = process.terminationReason == .exit ? "exited with status \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
            throw ResourceError("command \(how)\(said)")
        }
    }
}
