import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Remote
import Synchronization

/// Why an S3 store cannot be made.
public enum S3Error: Error, CustomStringConvertible {
    case noCredentials

    public var description: String {
        "an s3:// remote needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (and AWS_SESSION_TOKEN for temporary credentials)"
    }
}

/// A remote in an S3 bucket (`s3://bucket/prefix`), on AWS or any
/// S3-compatible server, through async-http-client, each request signed with
/// `SigV4`: path-style (`endpoint/bucket/prefix/key`) on a server named by
/// an endpoint, as MinIO, SeaweedFS and Ceph expect; virtual-hosted
/// (`https://bucket.s3.REGION.amazonaws.com/prefix/key`) on AWS, as AWS asks
/// (for a bucket name without dots; one with dots stays path-style).
///
/// The head is replaced by a conditional PUT: `If-Match` with the ETag
/// read, or `If-None-Match: *` for the first; a server that answers 412
/// (or 409, a conflicting conditional write) has another writer's head.
/// Connection failures, timeouts, 429 and 5xx are tried again, four times
/// in all with a growing pause, and then reported in one line.
public final class S3ObjectStore: ObjectStore {
    public let bucket: String
    public let prefix: String
    public let location: String
    private let endpoint: URL
    /// Whether the bucket is in the host name (AWS) rather than the path.
    private let virtualHosted: Bool
    private let signer: SigV4
    private let client: HTTPClient
    private let counter = Mutex(0)
    public var requests: Int { counter.withLock { $0 } }

    /// Tries per request, and the first pause between them (doubled each time).
    static let attempts = 4
    static let firstPause: Double = 0.25

    /// - Parameters:
    ///   - endpoint: the server (`http://127.0.0.1:8333`, `https://minio.example`); AWS's
    ///     regional endpoint when nil. Plain http:// only on a loopback address.
    public init(bucket: String, prefix: String, endpoint: String?, credentials: S3Credentials) throws {
        let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .compactMap { (name: String) -> String? in getenv(name).map { String(cString: $0) } }
            .first { !$0.isEmpty } ?? "us-east-1"
        virtualHosted = endpoint == nil && !bucket.contains(".")
        let server = endpoint ?? (virtualHosted ? "https://\(bucket).s3.\(region).amazonaws.com" : "https://s3.\(region).amazonaws.com")
        try RemoteLocation.checkEndpoint(server)
        self.endpoint = URL(string: server)!
        self.bucket = bucket
        self.prefix = prefix
        self.location = "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)")
        self.signer = SigV4(credentials: credentials, region: region)
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        configuration.redirectConfiguration = .disallow
        // The retries are this store's own (a few, then one line): the pool's
        // would retry a refused connection until the request's deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async { try? await client.shutdown() }

    // MARK: - ObjectStore

    public func readHead() async throws -> (data: Data, tag: String)? {
        let response = try await send("GET", key: "head.json")
        switch response.status {
        case 404: return nil
        case 200:
            guard let tag = response.headers.first(name: "ETag") else { throw RemoteError.refused("\(location)/head.json came without an ETag") }
            return (response.body, tag)
        default: throw failure(response, "GET", "head.json")
        }
    }

    public func writeHead(_ data: Data, replacing tag: String?) async throws {
        let condition = tag.map { ("If-Match", $0) } ?? ("If-None-Match", "*")
        let response = try await send("PUT", key: "head.json", headers: [condition, ("Content-Type", "application/json")],
                                      body: .data(data), payloadHash: SigV4.hex(Data(SHA256.hash(data: data))))
        switch response.status {
        case 200: return
        case 412, 409: throw RemoteError.moved(remote: location)
        default: throw failure(response, "PUT", "head.json")
        }
    }

    public func upload(_ key: String, from file: URL, bytes: Int64, sha256: Data) async throws {
        let response = try await send("PUT", key: key, headers: [("Content-Type", "application/octet-stream")],
                                      body: .file(file.path, bytes), payloadHash: SigV4.hex(sha256))
        guard response.status == 200 else { throw failure(response, "PUT", key) }
    }

    public func download(_ key: String, to file: URL) async throws -> Bool {
        let response = try await send("GET", key: key, into: file)
        switch response.status {
        case 200: return true
        case 404: unlink(file.path); return false
        default: unlink(file.path); throw failure(response, "GET", key)
        }
    }

    public func download(_ key: String, range: Range<Int64>) async throws -> Data? {
        let response = try await send("GET", key: key, headers: [("Range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")])
        switch response.status {
        case 206, 200:
            // A server that ignores Range answers 200 with the whole object.
            let body = response.status == 206 ? response.body
                : response.body.count >= range.upperBound ? response.body.subdata(in: Int(range.lowerBound)..<Int(range.upperBound)) : Data()
            guard body.count == range.count else { throw RemoteError.damagedObject(key, reason: "it ends before byte \(range.upperBound)") }
            return body
        case 404: return nil
        case 416: throw RemoteError.damagedObject(key, reason: "it ends before byte \(range.upperBound)")
        default: throw failure(response, "GET", key)
        }
    }

    /// Makes the bucket; one that exists already, and is this account's, is fine.
    public func createBucket() async throws {
        let response = try await send("PUT", key: nil)
        guard response.status == 200 || (response.status == 409 && String(decoding: response.body, as: UTF8.self)
            .contains("BucketAlreadyOwnedByYou")) else { throw failure(response, "PUT", "") }
    }

    /// Deletes object `key` (what tests do to a remote behind Pond's back).
    func delete(_ key: String) async throws {
        let response = try await send("DELETE", key: key)
        guard response.status == 204 || response.status == 200 else { throw failure(response, "DELETE", key) }
    }

    // MARK: - Requests

    enum Body {
        case none
        case data(Data)
        case file(String, Int64)
    }

    struct Response {
        let status: UInt
        let headers: HTTPHeaders
        let body: Data
    }

    /// Where a request for object `key` (the bucket itself for nil) goes:
    /// the URL, its path as signed, and the Host header.
    func target(_ key: String?) -> (url: String, path: String, host: String) {
        let parts = (virtualHosted ? [] : [bucket]) + (key == nil || prefix.isEmpty ? [] : [prefix]) + (key.map { [$0] } ?? [])
        let path = "/" + parts.map { SigV4.uriEncode($0, slash: false) }.joined(separator: "/")
        var host = endpoint.host ?? ""
        if let port = endpoint.port { host += ":\(port)" }
        return (endpoint.absoluteString.trimmingSuffix("/") + path, path, host)
    }

    /// One request, signed, tried again on failures that may pass. With
    /// `into`, a 200's body streams into that file (nothing is held in memory).
    private func send(_ method: String, key: String?, headers extra: [(String, String)] = [], body: Body = .none,
                      payloadHash: String = SigV4.emptyPayloadHash, into file: URL? = nil) async throws -> Response {
        let (url, path, host) = target(key)
        var lastProblem = ""
        for attempt in 0..<S3ObjectStore.attempts {
            if attempt > 0 { try await Task.sleep(for: .seconds(S3ObjectStore.firstPause * Double(1 << (attempt - 1)))) }
            counter.withLock { $0 += 1 }
            var request = HTTPClientRequest(url: url)
            request.method = HTTPMethod(rawValue: method)
            for (name, value) in signer.sign(method: method, path: path, headers: [("host", host)] + extra,
                                             payloadHash: payloadHash, date: Date()) {
                request.headers.add(name: name == "host" ? "Host" : name, value: value)
            }
            switch body {
            case .none: break
            case .data(let data): request.body = .bytes(ByteBuffer(bytes: data))
            case .file(let path, let size): request.body = .stream(FileBytes(path: path), length: .known(size))
            }
            do {
                let response = try await client.execute(request, timeout: .seconds(300))
                let status = response.status.code
                if status >= 500 || status == 429 {
                    lastProblem = "\(status) \(response.status.reasonPhrase)"
                    _ = try? await response.body.collect(upTo: 1 << 20)
                    continue
                }
                if status == 200, let file {
                    let descriptor = open(file.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                    guard descriptor >= 0 else { throw RemoteError.refused("cannot write \(file.path)") }
                    defer { close(descriptor) }
                    // Each buffer goes to the file as it comes (write(2) from it: no copy).
                    for try await piece in response.body {
                        try piece.withUnsafeReadableBytes { bytes in
                            var done = 0
                            while done < bytes.count {
                                let count = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                                guard count > 0 else { throw RemoteError.refused("cannot write \(file.path): \(String(cString: strerror(errno)))") }
                                done += count
                            }
                        }
                    }
                    return Response(status: status, headers: response.headers, body: Data())
                }
                let data = try await response.body.collect(upTo: 16 << 20)
                return Response(status: status, headers: response.headers, body: Data(data.readableBytesView))
            } catch let error as RemoteError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                lastProblem = S3ObjectStore.oneLine(error)
            }
        }
        throw RemoteError.network("cannot \(method) \(location)/\(key ?? "") at \(endpoint.absoluteString): \(lastProblem) (after \(S3ObjectStore.attempts) tries)")
    }

    /// The server's refusal, in one line: status, S3's error code and message.
    private func failure(_ response: Response, _ method: String, _ key: String) -> RemoteError {
        let text = String(decoding: response.body, as: UTF8.self)
        func element(_ name: String) -> String? {
            guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex)
            else { return nil }
            return String(text[start.upperBound..<end.lowerBound])
        }
        let code = element("Code").map { " \($0)" } ?? ""
        let message = element("Message").map { ": \($0)" } ?? ""
        var hint = ""
        if response.status == 403 { hint = " (check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)" }
        if code == " NoSuchBucket" { hint = " (make the bucket first)" }
        return .refused("\(method) \(location)/\(key): \(response.status)\(code)\(message)\(hint)")
    }

    static func oneLine(_ error: any Error) -> String {
        "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// A file's bytes as a stream of 512 KiB buffers, read(2) straight into each
/// as the request sends them; each iteration reads the file anew (a retried
/// request sends it again).
struct FileBytes: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    static let piece = 512 << 10

    final class AsyncIterator: AsyncIteratorProtocol {
        let path: String
        var descriptor: Int32 = -1
        let allocator = ByteBufferAllocator()

        init(path: String) { self.path = path }
        deinit { if descriptor >= 0 { close(descriptor) } }

        func next() async throws -> ByteBuffer? {
            if descriptor < 0 {
                descriptor = open(path, O_RDONLY)
                guard descriptor >= 0 else { throw RemoteError.refused("cannot read \(path)") }
            }
            var buffer = allocator.buffer(capacity: FileBytes.piece)
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: FileBytes.piece) { bytes in
                let count = read(descriptor, bytes.baseAddress, FileBytes.piece)
                guard count >= 0 else { throw RemoteError.refused("cannot read \(path): \(String(cString: strerror(errno)))") }
                return count
            }
            return count == 0 ? nil : buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(path: path) }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
