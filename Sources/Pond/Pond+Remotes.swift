import Foundation
import OpLog
import Remote

public typealias RemoteRecord = OpLog.RemoteRecord
public typealias ChainPoint = OpLog.ChainPoint
public typealias SegmentError = OpLog.SegmentError
public typealias ObjectStore = Remote.ObjectStore
public typealias FileObjectStore = Remote.FileObjectStore
public typealias RemoteError = Remote.RemoteError
public typealias RemoteLocation = Remote.RemoteLocation
public typealias TransferReport = Remote.TransferReport
public typealias VerifyReport = Remote.VerifyReport
public typealias Bytes = Remote.Bytes

/// Remotes (DESIGN.md, "Remotes"): the names this pond keeps, and push,
/// pull, clone and verify against an `ObjectStore`.
extension Pond {
    /// Every remote this pond names, by name.
    public func remotes() throws -> [RemoteRecord] { try store.remotes() }

    /// Names remote `name` at `url` (`file:///dir`, `s3://bucket/prefix`,
    /// with `endpoint` for an S3 server that is not AWS).
    /// - Throws: `RemoteError.badURL`, `.remoteExists`.
    /// With `autoPush`, every command that makes a version pushes to it.
    public func addRemote(name: String, url: String, endpoint: String? = nil, autoPush: Bool = false) throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw RemoteError.badURL(url, reason: "a remote's name is letters, digits, '-', '_' or '.'")
        }
        let location = try RemoteLocation.parse(url)
        if let endpoint {
            guard case .s3 = location else { throw RemoteError.badURL(url, reason: "--endpoint is for s3:// remotes") }
            try RemoteLocation.checkEndpoint(endpoint)
        }
        guard try store.addRemote(RemoteRecord(name: name, url: url, endpoint: endpoint, autoPush: autoPush)) else {
            throw RemoteError.remoteExists(name)
        }
    }

    /// Forgets remote `name` (nothing on the remote changes).
    public func removeRemote(name: String) throws {
        guard try store.removeRemote(named: name) else { throw RemoteError.noSuchRemote("no remote named '\(name)'") }
    }

    /// The remote `name` names; without a name, the only remote, or the one named `origin`.
    public func remote(named name: String?) throws -> RemoteRecord {
        let all = try remotes()
        if let name {
            guard let found = all.first(where: { $0.name == name }) else {
                throw RemoteError.noSuchRemote("no remote named '\(name)' (pond remote list shows them)")
            }
            return found
        }
        if all.count == 1 { return all[0] }
        if let origin = all.first(where: { $0.name == "origin" }) { return origin }
        throw RemoteError.noSuchRemote(all.isEmpty
            ? "this pond has no remote (pond remote add NAME URL names one)"
            : "this pond has \(all.count) remotes and none is 'origin': name one (\(all.map(\.name).joined(separator: ", ")))")
    }

    /// Sends the versions `remote` lacks; nothing when it has them all.
    public func push(to remote: any ObjectStore, progress: (@Sendable (String) -> Void)? = nil) async throws -> TransferReport {
        try await Replication.push(store, to: remote, progress: progress)
    }

    /// Appends the versions `remote` has after this pond's head, checked, in one transaction.
    public func pull(from remote: any ObjectStore, progress: (@Sendable (String) -> Void)? = nil) async throws -> TransferReport {
        try await Replication.pull(store, from: remote, progress: progress)
    }

    /// Reads and checks every object `remote`'s head names, and that its head is or descends from this pond's.
    public func verify(against remote: any ObjectStore, progress: (@Sendable (String) -> Void)? = nil) async throws -> VerifyReport {
        try await Replication.verify(store, against: remote, progress: progress)
    }

    /// Makes a new pond at `path` with every version of `remote` (named
    /// `origin` in it, at `url` and `endpoint`); nothing is left at `path` if it fails.
    public static func clone(from remote: any ObjectStore, url: String, endpoint: String? = nil, to path: String,
                             progress: (@Sendable (String) -> Void)? = nil) async throws -> TransferReport {
        try await Replication.clone(from: remote, remote: RemoteRecord(name: "origin", url: url, endpoint: endpoint),
                                    to: path, progress: progress)
    }
}
