import Foundation
import OpLog

/// Where a remote's objects live: a directory (`FileObjectStore`) or an S3
/// bucket (the S3 module's `S3ObjectStore`). Schema/remote_segment.sql says
/// what the objects are; a store only moves bytes.
///
/// Every object but the head is immutable and named by its SHA-256, so a
/// store never needs to list anything; the head alone is replaced, and only
/// by a compare-and-swap.
public protocol ObjectStore: Sendable {
    /// The remote, as messages name it: `file:///dir`, `s3://bucket/prefix`.
    var location: String { get }

    /// The head object and a tag that names this state of it (an ETag, a
    /// hash of its bytes); nil when the remote has no head yet.
    func readHead() async throws -> (data: Data, tag: String)?

    /// Replaces the head, provided it is still the one read with `tag`
    /// (nil: provided there is none yet).
    /// - Throws: `RemoteError.moved` when another writer replaced it first.
    func writeHead(_ data: Data, replacing tag: String?) async throws

    /// Stores the file at `file` (of `bytes` bytes, whose SHA-256 is
    /// `sha256`) as object `key`, e.g. `packs/<sha256>`.
    func upload(_ key: String, from file: URL, bytes: Int64, sha256: Data) async throws

    /// Copies object `key` into a new file at `file`.
    /// - Returns: false when the remote has no such object.
    func download(_ key: String, to file: URL) async throws -> Bool

    /// Bytes `range` of object `key` (a ranged GET): what a lazy clone
    /// fetches. - Returns: nil when the remote has no such object.
    /// - Throws: `damagedObject` when the object is shorter than `range`.
    func download(_ key: String, range: Range<Int64>) async throws -> Data?

    /// The requests made so far (each retry counts), for reports and benchmarks.
    var requests: Int { get }

    /// Lets go of connections; the store is not used after.
    func shutdown() async
}

/// What can go wrong between a pond and its remote.
public enum RemoteError: Error, Equatable, CustomStringConvertible {
    /// The URL names no kind of remote Pond knows, or is malformed.
    case badURL(String, reason: String)
    /// Another push replaced the head since it was read.
    case moved(remote: String)
    /// A push to a remote that has versions this pond lacks.
    case remoteAhead(remote: String, local: ChainPoint, remoteHead: ChainPoint)
    /// A pull from a remote that lacks versions this pond has.
    case localAhead(remote: String, local: ChainPoint, remoteHead: ChainPoint)
    /// The remote holds no pond yet.
    case empty(remote: String)
    /// An object the head names is not on the remote.
    case missingObject(String)
    /// An object is not what its name says.
    case damagedObject(String, reason: String)
    /// The head is no Pond remote's, or a newer Pond's.
    case badHead(remote: String, reason: String)
    /// The server could not be reached or kept failing (one line, no credentials).
    case network(String)
    /// The server refused the request (credentials, permissions, a missing bucket).
    case refused(String)
    /// No remote of that name, or none to default to.
    case noSuchRemote(String)
    /// A remote of that name exists already.
    case remoteExists(String)

    public var description: String {
        switch self {
        case .badURL(let url, let reason): "bad remote URL '\(url)': \(reason)"
        case .moved(let remote):
            "remote moved: another push to \(remote) landed first; pull first, then push again"
        case .remoteAhead(let remote, let local, let head):
            "\(remote) has versions this pond lacks (remote head \(head), this pond's head \(local)); pull first"
        case .localAhead(let remote, let local, let head):
            "this pond has versions \(remote) lacks (this pond's head \(local), remote head \(head)); push instead"
        case .empty(let remote): "\(remote) holds no pond (no head.json); push to it first"
        case .missingObject(let object): "remote object \(object) is missing"
        case .damagedObject(let object, let reason): "remote object \(object) is damaged: \(reason)"
        case .badHead(let remote, let reason): "\(remote)/head.json is not a pond remote's head: \(reason)"
        case .network(let detail): detail
        case .refused(let detail): detail
        case .noSuchRemote(let detail): detail
        case .remoteExists(let name): "a remote named '\(name)' exists already (pond remote remove \(name) first)"
        }
    }
}
