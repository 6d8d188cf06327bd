import Foundation

/// The SQL that creates and migrates a pond: the one copy of it.
///
/// Each migration is an `.sql` file in this folder, embedded into the binary
/// at build time. Migration N takes a pond from schema version N-1 to N; a
/// shipped migration is never edited, a new schema version adds a file.
public enum Schema {
    /// The migration scripts: each takes a pond from schema version N-1 to
    /// N. OpLog's `Migration.all` lists them in order, with any Swift step.
    public static let v1Log = text(PackageResources.v1_log_sql)
    public static let v2Content = text(PackageResources.v2_content_sql)
    public static let v3Chain = text(PackageResources.v3_chain_sql)
    public static let v4Prune = text(PackageResources.v4_prune_sql)
    public static let v5Message = text(PackageResources.v5_message_sql)
    public static let v6Tables = text(PackageResources.v6_tables_sql)
    public static let v7Indexes = text(PackageResources.v7_indexes_sql)
    public static let v8Remotes = text(PackageResources.v8_remotes_sql)
    public static let v9Collect = text(PackageResources.v9_collect_sql)
    public static let v10Lazy = text(PackageResources.v10_lazy_sql)

    /// The tables of one segment of a remote, and the remote format (remote_segment.sql).
    public static let remoteSegment = text(PackageResources.remote_segment_sql)

    /// The views (views.sql), recreated whenever a pond is created or migrated.
    public static let views = text(PackageResources.views_sql)

    /// The names of the views, in the order views.sql creates them.
    public static var viewNames: [String] {
        views.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("CREATE VIEW ") else { return nil }
            return String(line.dropFirst("CREATE VIEW ".count).prefix { $0 != " " })
        }
    }

    /// SQL that creates TEMP copies of the views reading as of `version`:
    /// the same text, each `CREATE VIEW` made `CREATE TEMP VIEW`, and
    /// `horizon` fixed at `version`. TEMP objects shadow the main ones, so
    /// the usual names then mean the tree at `version`.
    public static func temporaryViews(at version: Int64) -> String {
        views.replacingOccurrences(
            of: "CREATE VIEW horizon AS SELECT max(version) AS version FROM versions;",
            with: "CREATE TEMP VIEW horizon AS SELECT \(version) AS version;"
        ).replacingOccurrences(of: "CREATE VIEW ", with: "CREATE TEMP VIEW ")
    }

    /// SQL that drops every view, before they are created again.
    public static var dropViews: String {
        viewNames.reversed().map { "DROP VIEW IF EXISTS \($0);" }.joined(separator: "\n")
    }

    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
