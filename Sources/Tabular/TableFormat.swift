/// How a tabular file's bytes are laid out, told by its name's extension.
public enum TableFormat: String, Sendable, CaseIterable {
    /// Comma-separated values (RFC 4180): a header line, then one record a
    /// line; a field may be quoted with `"`, a quote inside doubled.
    case csv
    /// Tab-separated values: as CSV, with a tab between fields.
    case tsv
    /// JSON Lines: one JSON object a line; the columns are the union of the keys.
    case jsonLines = "jsonl"

    /// The format of a file called `name`, nil when its name says it is no table.
    public init?(fileName name: String) {
        guard let dot = name.lastIndex(of: "."), name.index(after: dot) < name.endIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "csv": self = .csv
        case "tsv", "tab": self = .tsv
        case "jsonl", "ndjson": self = .jsonLines
        default: return nil
        }
    }

    /// What a user may name, for messages: ".csv, .tsv, .jsonl or .ndjson".
    public static let extensions = ".csv, .tsv, .jsonl or .ndjson"
}

/// Where a table's bytes come from: the next piece of them, nil at the end.
///
/// A reader pulls pieces one at a time, so a file of any size is read in
/// the memory of one piece and one record.
public typealias ByteChunks = () throws -> [UInt8]?

/// A record's problem: what is wrong and on which line (1-based) it starts.
/// The caller adds which file and version it came from.
public struct TableDataError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}
