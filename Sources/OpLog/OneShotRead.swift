import Foundation
import GRDBSQLite
import TinyFS

/// `pond cat` of a few small files, read on a connection of SQLite's C API
/// alone (`ReadConnection`), without opening the pond through GRDB: a
/// short command's start is most of its time (Benchmarks/startup.sh), and
/// GRDB's set-up alone costs more than this whole read (README "Benchmarks").
///
/// It takes only the plainest case and gives up, returning nil, on anything
/// else, before a byte is handed out: the caller then reads through
/// `LogStore.read`, which answers every case and reports every error in its
/// own words. So it only has to be right where it answers. It answers when
/// the pond's schema is the current one and its WAL empty (a command that
/// opens a pond through `LogStore` leaves it one file as it exits; this
/// connection, read-only, could not), the version is in range, every
/// directory on each path is a stored one (no symlink on the way, no
/// dynamic directory), each path names a stored file that is not derived,
/// and each content is one piece (inline, empty, or one chunk) whose bytes
/// match its SHA-256 and size, up to `byteLimit` in all. It asks the same
/// questions as `LogSession`, in the same SQL (`LogSession.entrySQL` and
/// the rest), so the two read one fold of the log.
public enum OneShotRead {
    /// Which version to read: head, or `back` versions before it, or a version number.
    public enum At: Sendable {
        case head(back: Int64)
        case number(Int64)
    }

    /// The most content read this way in one call; more goes through `LogStore.read`.
    static let byteLimit = 16 << 20

    /// The bytes of the file at each of `paths` (names from the root down)
    /// in the pond at `pond`, read at `at`; nil when the read is not one
    /// this path takes (see the type).
    public static func files(in pond: String, paths: [[String]], at: At) -> [[UInt8]]? {
        var info = stat()
        if stat(pond + "-wal", &info) == 0, info.st_size > 0 { return nil }
        guard let connection = ReadConnection(path: pond) else { return nil }
        return try? read(paths, at: at, on: connection)
    }

    /// Not taken: the caller reads the ordinary way.
    private struct NotTaken: Error {}

    private static func read(_ paths: [[String]], at: At, on connection: ReadConnection) throws -> [[UInt8]] {
        func integer(_ sql: String, _ arguments: [ReadConnection.Argument] = []) throws -> Int64? {
            try connection.firstRow(sql, arguments) { statement in
                sqlite3_column_type(statement, 0) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, 0)
            } ?? nil
        }
        guard try integer("PRAGMA application_id") == Int64(LogStore.applicationID),
              try integer("PRAGMA user_version") == Int64(Migration.current),
              let head = try integer("SELECT max(version) FROM versions")
        else { throw NotTaken() }
        let version: Int64
        switch at {
        case .head(let back): version = head - back
        case .number(let number): version = number
        }
        guard version >= 1, version <= head else { throw NotTaken() }
        let at = ReadConnection.Argument.integer(version)

        var contents: [[UInt8]] = []
        var total = 0
        for names in paths {
            var node: Int64 = 0  // the root
            for (index, name) in names.enumerated() {
                let expected = (index == names.count - 1 ? NodeType.file : .directory).rawValue
                // A dynamic directory computes its entries: not this path's to read.
                guard try connection.firstRow(NewestRowQuery.spec.sql, [.integer(node), at], read: { statement in
                    sqlite3_column_type(statement, 0) == SQLITE_NULL && sqlite3_column_type(statement, 1) == SQLITE_NULL
                }) ?? true else { throw NotTaken() }
                guard let child = try connection.firstRow(LogSession.entrySQL, [.integer(node), .text(name), at], read: { statement in
                    text(statement, 0) == RowKind.link.rawValue && text(statement, 2) == expected
                        ? sqlite3_column_int64(statement, 1) : nil
                }) ?? nil else { throw NotTaken() }
                node = child
            }
            guard try connection.firstRow(LogSession.derivedSQL, [.integer(node), at], read: { _ in true }) == nil,
                  let bytes = try content(of: node, at: at, on: connection)
            else { throw NotTaken() }
            total += bytes.count
            guard total <= byteLimit else { throw NotTaken() }
            contents.append(bytes)
        }
        return contents
    }

    /// The bytes of file `node`'s content at `at`, checked against its SHA-256
    /// and size; nil unless it is one piece, kept, and sound.
    private static func content(of node: Int64, at: ReadConnection.Argument, on connection: ReadConnection) throws -> [UInt8]? {
        guard let (hash, size, inline) = try connection.firstRow(NewestRowQuery.content.sql, [.integer(node), at], read: { statement in
            (Data(blob(statement, 0)), sqlite3_column_int64(statement, 1),
             sqlite3_column_type(statement, 2) == SQLITE_NULL ? nil : blob(statement, 2))
        }) else { return nil }
        let bytes: [UInt8]
        if let inline {
            bytes = inline
        } else {
            guard try connection.firstRow(LogSession.pruningSQL, [.blob(hash)], read: { _ in true }) == nil else { return nil }
            if size == 0 {
                bytes = []
            } else {
                guard let whole = try connection.firstRow(LogSession.wholeChunkSQL, [.blob(hash)], read: { blob($0, 0) }) else { return nil }
                bytes = whole
            }
        }
        guard Int64(bytes.count) == size,
              (try? bytes.withUnsafeBytes { try VerifiedRead.single($0, path: "", version: Version(0), expected: hash, sink: { _ in }) }) != nil
        else { return nil }
        return bytes
    }

    private static func text(_ statement: OpaquePointer, _ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
    }

    private static func blob(_ statement: OpaquePointer, _ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
