/// The SQL that creates and migrates a pond: the one copy of it.
///
/// Each migration is an `.sql` file in this folder, embedded into the binary
/// at build time. Migration N takes a pond from schema version N-1 to N; a
/// shipped migration is never edited, a new schema version adds a file.
public enum Schema {
    /// One step of the schema's history.
    public struct Migration: Sendable {
        /// The schema version this migration produces (`PRAGMA user_version`).
        public let version: Int
        /// The SQL script, run inside the migrating transaction.
        public let sql: String
    }

    /// Every migration, oldest first; migration i produces version i + 1.
    public static let migrations: [Migration] = [
        Migration(version: 1, sql: text(PackageResources.v1_log_sql)),
    ]

    /// The schema version this build writes.
    public static var currentVersion: Int { migrations.last!.version }

    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
