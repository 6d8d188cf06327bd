import Foundation

/// Where a remote is, as its URL says: `file:///dir` or `s3://bucket/prefix`.
public enum RemoteLocation: Sendable, Equatable {
    case directory(String)
    case s3(bucket: String, prefix: String)

    /// Reads a remote URL.
    /// - Throws: `RemoteError.badURL` for anything else, with what is wrong.
    public static func parse(_ url: String) throws -> RemoteLocation {
        if url.hasPrefix("file://") {
            let path = String(url.dropFirst("file://".count))
            guard path.hasPrefix("/") else {
                throw RemoteError.badURL(url, reason: "a file:// URL names an absolute directory: file:///path/to/dir")
            }
            let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            return .directory(trimmed.removingPercentEncoding ?? trimmed)
        }
        if url.hasPrefix("s3://") {
            let rest = url.dropFirst("s3://".count)
            let bucket = String(rest.prefix { $0 != "/" })
            let prefix = rest.dropFirst(bucket.count).split(separator: "/").joined(separator: "/")
            guard bucket.count >= 3, bucket.count <= 63,
                  bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") })
            else {
                throw RemoteError.badURL(url, reason: "an S3 bucket name is 3 to 63 lower-case letters, digits, '-' or '.'")
            }
            return .s3(bucket: bucket, prefix: prefix)
        }
        throw RemoteError.badURL(url, reason: "a remote is file:///dir or s3://bucket/prefix")
    }

    /// Checks an S3 endpoint: https://host[:port], or http:// on a loopback
    /// address only (credentials and data would otherwise cross a network in clear).
    public static func checkEndpoint(_ endpoint: String) throws {
        guard let url = URL(string: endpoint), let scheme = url.scheme, let host = url.host, !host.isEmpty,
              url.path.isEmpty || url.path == "/", url.query == nil
        else { throw RemoteError.badURL(endpoint, reason: "an endpoint is http(s)://host[:port]") }
        switch scheme {
        case "https": return
        case "http":
            guard isLoopback(host) else {
                throw RemoteError.badURL(endpoint, reason: "plain http:// is allowed only on a loopback address (127.0.0.1, ::1, localhost); use https://")
            }
        default: throw RemoteError.badURL(endpoint, reason: "an endpoint is http:// (loopback only) or https://")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
