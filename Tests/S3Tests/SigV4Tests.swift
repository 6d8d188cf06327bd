import Foundation
@testable import S3
import Testing

/// AWS Signature Version 4 against AWS's published examples: the signature
/// test suite (get-vanilla; the 2011 suite's canonical request) and the S3
/// developer guide's GET and PUT object examples.
@Suite struct SigV4Tests {
    static func date(_ stamp: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.date(from: stamp)!
    }

    static func header(_ name: String, in headers: [(String, String)]) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    @Test func suiteGetVanilla() {
        let signer = SigV4(credentials: S3Credentials(accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                           region: "us-east-1", service: "service")
        let headers = signer.sign(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")],
                                  payloadHash: SigV4.emptyPayloadHash, date: Self.date("20150830T123600Z"), s3ContentHeader: false)
        #expect(Self.header("Authorization", in: headers)
            == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(Self.header("x-amz-date", in: headers) == "20150830T123600Z")
    }

    @Test func suiteCanonicalRequestSortsQueryByNameThenValue() {
        let (canonical, signed) = SigV4.canonicalRequest(
            method: "GET", path: "/", query: [("foo", "Zoo"), ("foo", "aha")],
            headers: [("Date", "Mon, 09 Sep 2011 23:36:00 GMT"), ("Host", "host.foo.com")],
            payloadHash: SigV4.emptyPayloadHash)
        #expect(canonical == """
            GET
            /
            foo=Zoo&foo=aha
            date:Mon, 09 Sep 2011 23:36:00 GMT
            host:host.foo.com

            date;host
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(signed == "date;host")
    }

    static let s3Example = S3Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

    @Test func s3GetObjectExample() {
        let signer = SigV4(credentials: Self.s3Example, region: "us-east-1")
        let headers = signer.sign(method: "GET", path: "/test.txt",
                                  headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
                                  payloadHash: SigV4.emptyPayloadHash, date: Self.date("20130524T000000Z"))
        #expect(Self.header("Authorization", in: headers)
            == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(Self.header("x-amz-content-sha256", in: headers) == SigV4.emptyPayloadHash)
    }

    @Test func s3PutObjectExampleEncodesThePath() {
        let signer = SigV4(credentials: Self.s3Example, region: "us-east-1")
        let path = "/" + SigV4.uriEncode("test$file.text", slash: false)
        #expect(path == "/test%24file.text")
        let headers = signer.sign(method: "PUT", path: path,
                                  headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                                            ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                                  payloadHash: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
                                  date: Self.date("20130524T000000Z"))
        #expect(Self.header("Authorization", in: headers)?.hasSuffix(
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd") == true)
    }

    @Test func sessionTokenIsSignedAndSecretNeverSent() {
        let signer = SigV4(credentials: S3Credentials(accessKey: "AKID", secretKey: "SECRETSECRET", sessionToken: "TOKEN"),
                           region: "eu-west-1")
        let headers = signer.sign(method: "GET", path: "/b/k", headers: [("host", "127.0.0.1:9000")],
                                  payloadHash: SigV4.emptyPayloadHash, date: Self.date("20261201T000000Z"))
        #expect(Self.header("x-amz-security-token", in: headers) == "TOKEN")
        #expect(Self.header("Authorization", in: headers)?.contains("x-amz-security-token") == true)
        #expect(!headers.contains { $0.1.contains("SECRETSECRET") })
    }

    @Test func uriEncodingKeepsOnlyUnreservedBytes() {
        #expect(SigV4.uriEncode("a b/c~d_e-f.g", slash: true) == "a%20b%2Fc~d_e-f.g")
        #expect(SigV4.uriEncode("a b/é", slash: false) == "a%20b/%C3%A9")
    }

    @Test func headerValuesAreTrimmedAndSpacesFolded() {
        let (canonical, _) = SigV4.canonicalRequest(method: "GET", path: "/", query: [],
                                                    headers: [("My-Header", "  a   b  c "), ("host", "h")], payloadHash: "x")
        #expect(canonical.contains("my-header:a b c\n"))
    }

    @Test func awsIsVirtualHostedAndOtherServersPathStyle() async throws {
        let credentials = S3Credentials(accessKey: "a", secretKey: "b")
        let aws = try S3ObjectStore(bucket: "sensors", prefix: "pond/main", endpoint: nil, credentials: credentials)
        let onAWS = aws.target("packs/ab cd")
        #expect(onAWS.host.hasPrefix("sensors.s3.") && onAWS.host.hasSuffix(".amazonaws.com"))
        #expect(onAWS.path == "/pond/main/packs/ab%20cd" && onAWS.url == "https://\(onAWS.host)/pond/main/packs/ab%20cd")
        let dotted = try S3ObjectStore(bucket: "my.sensors", prefix: "", endpoint: nil, credentials: credentials)
        #expect(dotted.target("head.json").path == "/my.sensors/head.json")
        let local = try S3ObjectStore(bucket: "sensors", prefix: "", endpoint: "http://127.0.0.1:8333", credentials: credentials)
        #expect(local.target("head.json") == ("http://127.0.0.1:8333/sensors/head.json", "/sensors/head.json", "127.0.0.1:8333"))
        #expect(local.target(nil).path == "/sensors")
        for store in [aws, dotted, local] { await store.shutdown() }
    }
}
