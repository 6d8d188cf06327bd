import Foundation
import OpLog

/// The remote's one mutable object, `head.json` (Schema/remote_segment.sql).
public struct RemoteHead: Codable, Sendable, Equatable {
    public struct Pack: Codable, Sendable, Equatable {
        public var name: String
        public var bytes: Int64
    }

    public struct Segment: Codable, Sendable, Equatable {
        public var name: String
        public var bytes: Int64
        public var first: Int64
        public var last: Int64
        public var packs: [Pack]
    }

    public static let formatName = "pond-remote"
    public static let currentFormat = 1

    public var format = RemoteHead.formatName
    public var formatVersion = RemoteHead.currentFormat
    public var version: Int64
    public var hash: String
    public var segments: [Segment]

    /// The head version and its chain hash.
    public var point: ChainPoint {
        ChainPoint(version: Version(version), hash: Data(hexString: hash) ?? Data())
    }

    /// Reads a head, checking that it is one this Pond can read and that
    /// its segments follow one another from version 1 to its version.
    static func decode(_ data: Data, remote: String) throws -> RemoteHead {
        let head: RemoteHead
        do {
            head = try JSONDecoder().decode(RemoteHead.self, from: data)
        } catch {
            throw RemoteError.badHead(remote: remote, reason: "not the JSON of a head (\(error))")
        }
        guard head.format == formatName else { throw RemoteError.badHead(remote: remote, reason: "format is '\(head.format)'") }
        guard head.formatVersion == currentFormat else {
            throw RemoteError.badHead(remote: remote, reason: "remote format \(head.formatVersion); this Pond reads format \(currentFormat)")
        }
        guard let hash = Data(hexString: head.hash), hash.count == 32 else {
            throw RemoteError.badHead(remote: remote, reason: "its hash is not 64 hex digits")
        }
        var next: Int64 = 1
        for segment in head.segments {
            guard segment.first == next, segment.last >= segment.first, Data(hexString: segment.name)?.count == 32,
                  segment.packs.allSatisfy({ Data(hexString: $0.name)?.count == 32 })
            else { throw RemoteError.badHead(remote: remote, reason: "segment \(segment.name) does not follow version \(next - 1)") }
            next = segment.last + 1
        }
        guard next - 1 == head.version else {
            throw RemoteError.badHead(remote: remote, reason: "its segments end at version \(next - 1), not at \(head.version)")
        }
        return head
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}

extension Data {
    /// The bytes 64 hex digits (or any even number) spell; nil if they spell none.
    public init?(hexString: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hexString.utf8.count / 2)
        var high: UInt8?
        for character in hexString.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            default: return nil
            }
            if let first = high { bytes.append(first << 4 | value); high = nil } else { high = value }
        }
        guard high == nil else { return nil }
        self.init(bytes)
    }
}
