import GRDB

/// A remote as the pond names it (Schema/v8_remotes.sql, v9_collect.sql).
public struct RemoteRecord: Sendable, Equatable {
    public let name: String
    public let url: String
    /// The S3 server, for an s3:// remote not on AWS.
    public let endpoint: String?
    /// Whether every command that makes a version pushes to it.
    public let autoPush: Bool
    /// `${env:NAME}`: the variable holding the access key id when a push runs
    /// (nil: AWS_ACCESS_KEY_ID); never a key itself.
    public let accessKeyID: String?
    /// `${env:NAME}`: the variable holding the secret key (nil: AWS_SECRET_ACCESS_KEY).
    public let secretAccessKey: String?

    public init(name: String, url: String, endpoint: String? = nil, autoPush: Bool = false,
                accessKeyID: String? = nil, secretAccessKey: String? = nil) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
        self.autoPush = autoPush
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }
}

extension LogStore {
    /// Every remote, by name.
    public func remotes() throws -> [RemoteRecord] {
        try LogStore.mapErrors(path) {
            try queue.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT name, url, endpoint, auto_push, access_key_id, secret_access_key FROM remotes ORDER BY name
                    """).map {
                    RemoteRecord(name: $0[0], url: $0[1], endpoint: $0[2], autoPush: $0[3], accessKeyID: $0[4], secretAccessKey: $0[5])
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
                try db.execute(sql: """
                    INSERT OR IGNORE INTO remotes(name, url, endpoint, auto_push, access_key_id, secret_access_key)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [remote.name, remote.url, remote.endpoint, remote.autoPush, remote.accessKeyID, remote.secretAccessKey])
                return db.changesCount > 0
            }
        }
    }

    /// Names `remote`, or gives the remote of its name these settings; no version is made.
    public func setRemote(_ remote: RemoteRecord) throws {
        try LogStore.mapErrors(path) {
            try queue.write { db in
                try db.execute(sql: """
                    INSERT OR REPLACE INTO remotes(name, url, endpoint, auto_push, access_key_id, secret_access_key)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [remote.name, remote.url, remote.endpoint, remote.autoPush, remote.accessKeyID, remote.secretAccessKey])
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
