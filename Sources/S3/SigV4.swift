import Crypto
import Foundation

/// AWS credentials, from the environment only: never kept in a pond, never printed.
public struct S3Credentials: Sendable {
    public let accessKey: String
    let secretKey: String
    let sessionToken: String?

    public init(accessKey: String, secretKey: String, sessionToken: String? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.sessionToken = sessionToken
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (optional).
    public static func fromEnvironment() throws -> S3Credentials {
        func variable(_ name: String) -> String? {
            getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let key = variable("AWS_ACCESS_KEY_ID"), let secret = variable("AWS_SECRET_ACCESS_KEY") else {
            throw S3Error.noCredentials
        }
        return S3Credentials(accessKey: key, secretKey: secret, sessionToken: variable("AWS_SESSION_TOKEN"))
    }
}

/// AWS Signature Version 4 for one request, header-signed
/// (docs.aws.amazon.com, "Signature Version 4 signing process"): the
/// canonical request, the string to sign, the derived key, the signature.
public struct SigV4: Sendable {
    let credentials: S3Credentials
    let region: String
    let service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The SHA-256 of an empty payload, in hex.
    public static let emptyPayloadHash = hex(Data(SHA256.hash(data: Data())))

    /// Signs a request: `headers` must hold every header to sign (at least
    /// `host`); `payloadHash` is the hex SHA-256 of the body. With
    /// `s3ContentHeader`, `x-amz-content-sha256` is added and signed, as S3 requires.
    /// - Returns: the headers to send: those given, `x-amz-date`, the
    ///   session token if any, and `Authorization`.
    public func sign(method: String, path: String, query: [(String, String)] = [], headers: [(String, String)],
                     payloadHash: String, date: Date, s3ContentHeader: Bool = true) -> [(String, String)] {
        let stamp = SigV4.timestamp(date)
        let day = String(stamp.prefix(8))
        var all = headers
        all.append(("x-amz-date", stamp))
        if s3ContentHeader { all.append(("x-amz-content-sha256", payloadHash)) }
        if let token = credentials.sessionToken { all.append(("x-amz-security-token", token)) }
        let (canonical, signedHeaders) = SigV4.canonicalRequest(method: method, path: path, query: query,
                                                                 headers: all, payloadHash: payloadHash)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(stamp)\n\(scope)\n\(SigV4.hex(Data(SHA256.hash(data: Data(canonical.utf8)))))"
        let signature = SigV4.hex(hmac(signingKey(day: day), stringToSign))
        all.append(("Authorization",
                    "AWS4-HMAC-SHA256 Credential=\(credentials.accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return all
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").
    func signingKey(day: String) -> Data {
        var key = hmac(Data("AWS4\(credentials.secretKey)".utf8), day)
        key = hmac(key, region)
        key = hmac(key, service)
        return hmac(key, "aws4_request")
    }

    private func hmac(_ key: Data, _ message: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: key)))
    }

    /// The canonical request and the signed headers' names. `path` is the
    /// request's path as sent (already URI-encoded, as S3 wants: not encoded again).
    static func canonicalRequest(method: String, path: String, query: [(String, String)], headers: [(String, String)],
                                 payloadHash: String) -> (String, String) {
        let encoded: [(name: String, value: String)] = query.map { (uriEncode($0.0, slash: true), uriEncode($0.1, slash: true)) }
        let sorted = encoded.sorted { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }
        let canonicalQuery = sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
        // Names lower-cased; values trimmed, inner runs of spaces made one;
        // a header given twice is one line, its values joined by commas.
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
                .joined(separator: " ")
            merged[name.lowercased(), default: []].append(trimmed)
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signed = names.joined(separator: ";")
        return ("\(method)\n\(path.isEmpty ? "/" : path)\n\(canonicalQuery)\n\(canonicalHeaders)\n\(signed)\n\(payloadHash)", signed)
    }

    /// URI encoding as SigV4 defines it: every byte but A-Z a-z 0-9 - _ . ~
    /// as %XX (upper-case hex); `/` too, unless `slash` is false (a path).
    public static func uriEncode(_ text: String, slash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where !slash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// `20150830T123600Z`: the time, UTC, as SigV4 writes it.
    static func timestamp(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    static func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }
}
