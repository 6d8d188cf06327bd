import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An `http` collector's GET (`pond-remote http-get`): conditional on the
/// last run's validators, redirects followed, the body streamed into a host
/// file, whatever its size.
enum HTTPGet {
    struct Answer {
        let status: Int
        let etag: String
        let lastModified: String
    }

    static func run(url: String, etag: String, lastModified: String, into path: String) async throws -> Answer {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let answer = try await get(client, url: url, etag: etag, lastModified: lastModified, into: path)
            try await client.shutdown()
            return answer
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func get(_ client: HTTPClient, url: String, etag: String, lastModified: String, into path: String) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "pond")
        if !etag.isEmpty { request.headers.add(name: "If-None-Match", value: etag) }
        if !lastModified.isEmpty { request.headers.add(name: "If-Modified-Since", value: lastModified) }
        let response = try await client.execute(request, timeout: .seconds(300))
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw POSIXError(.EACCES)
        }
        defer { try? file.close() }
        if response.status == .ok || (200..<300).contains(Int(response.status.code)) {
            for try await piece in response.body {
                try file.write(contentsOf: Data(piece.readableBytesView))
            }
        } else {
            _ = try? await response.body.collect(upTo: 1 << 20)
        }
        return Answer(status: Int(response.status.code), etag: clean(response.headers.first(name: "ETag")),
                      lastModified: clean(response.headers.first(name: "Last-Modified")))
    }

    /// A header value fit for one tab-separated line.
    private static func clean(_ value: String?) -> String {
        (value ?? "").filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }
    }
}
