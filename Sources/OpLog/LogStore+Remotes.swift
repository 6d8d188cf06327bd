import GRDB

/// A remote as the pond names it (Schema/v8_remotes.sql).
public struct RemoteRecord: Sendable, Equatable {
    public let name: String
    public let url: String
    /// The S3 server, for an s3:// remote not on AWS.
    public let endpoint: String?

    public init(name: String, url: String, endpoint: String? = nil) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
    }
}

extension LogStore {
    /// Every remote, by name.
    public func remotes() throws -> [RemoteRecord] {
        try LogStore.mapErrors(path) {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT name, url, endpoint FROM remotes ORDER BY name").map {
                    RemoteRecord(name: $0[0], url: $0[1], endpoint: $0[2])
                }
            }
        }
    }

    /// Names a new remote; no version is made (remotes are configuration).
    /// - Returns: false when one of that name exists (it is left as it was).
    @discardableResult
    public func addRemote(_ remote: RemoteRecord) throws -> Bool {
        try LogStore.mapErrors(path) {
            try queue.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO remotes(name, url, endpoint) VALUES (?, ?, ?)",
                               arguments: [remote.name, remote.url, remote.endpoint])
                return db.changesCount > 0
            }
        }
    }

    /// Forgets remote `name`. - Returns: false when there is none.
    @discardableResult
    public func removeRemote(named name: String) throws -> Bool {
        try LogStore.mapErrors(path) {
            try queue.write { db in
                try db.execute(sql: "DELETE FROM remotes WHERE name = ?", arguments: [name])
                return db.changesCount > 0
            }
        }
    }
}
