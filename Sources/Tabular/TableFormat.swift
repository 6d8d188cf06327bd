/// How a tabular file's bytes are laid out, told by its name's extension.
public enum TableFormat: String, Sendable, CaseIterable {
    /// Comma-separated values (RFC 4180): a header line, then one record a
    /// line; a field may be quoted with `"`, a quote inside doubled.
    case csv
    /// Tab-separated values: as CSV, with a tab between fields.
    case tsv
    /// JSON Lines: one JSON object a line; the columns are the union of the keys.
    case jsonLines = "jsonl"
    /// Apache Parquet: a schema, row groups of column chunks, a footer.
    case parquet

    /// Whether the format is text, read a line at a time (and may be compressed, and appended to).
    public var isText: Bool { self != .parquet }

    /// The format of a file called `name`, nil when its name says it is no table.
    /// A text format's name may end in a codec's extension too (`.csv.gz`, `TextCodec`).
    public init?(fileName name: String) {
        var name = Substring(name)
        if TextCodec(fileName: String(name)) != nil, let dot = name.lastIndex(of: ".") {
            name = name[..<dot]
            guard let format = TableFormat(extension: name), format.isText else { return nil }
            self = format
            return
        }
        guard let format = TableFormat(extension: name) else { return nil }
        self = format
    }

    private init?(extension name: Substring) {
        guard let dot = name.lastIndex(of: "."), name.index(after: dot) < name.endIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "csv": self = .csv
        case "tsv", "tab": self = .tsv
        case "jsonl", "ndjson": self = .jsonLines
        case "parquet": self = .parquet
        default: return nil
        }
    }

    /// What a user may name, for messages.
    public static let extensions = ".csv, .tsv, .jsonl, .ndjson or .parquet (text ones optionally .gz or .zst)"
}

/// Where a table's bytes come from: the next piece of them, nil at the end.
///
/// A reader pulls pieces one at a time, so a file of any size is read in
/// the memory of one piece and one record.
public typealias ByteChunks = () throws -> [UInt8]?

/// A reader's place in a file's bytes: the piece it is in, its position
/// there, and where that piece lies in the file. A UTF-8 byte-order mark
/// at the file's very start is stepped over.
struct PieceCursor {
    private let chunks: ByteChunks
    /// The current piece.
    private(set) var piece: [UInt8] = []
    /// The next byte to read in `piece`.
    var position = 0
    /// The file offset of `piece[0]`.
    private(set) var pieceOffset: Int64
    private var atEnd = false
    private var atStart: Bool

    /// `startOffset`: where `chunks` start in the file (past its start, no
    /// byte-order mark is looked for).
    init(startOffset: Int64, chunks: @escaping ByteChunks) {
        self.chunks = chunks
        pieceOffset = startOffset
        atStart = startOffset == 0
    }

    /// Whether every byte of the current piece was read.
    var isAtPieceEnd: Bool { position == piece.count }

    /// Moves to the next piece with a byte to read; false at the file's end
    /// (the piece is then empty, at the file's end offset).
    mutating func refill() throws -> Bool {
        while !atEnd {
            pieceOffset += Int64(piece.count)
            position = 0
            guard let next = try chunks() else {
                atEnd = true
                piece = []
                return false
            }
            piece = next
            if atStart, !piece.isEmpty {
                atStart = false
                if piece.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
            }
            if position < piece.count { return true }
        }
        return false
    }
}

/// Bytes that come in one piece (made by `produce` when first asked for),
/// as `ByteChunks`.
public func onePiece(_ produce: @escaping () throws -> [UInt8]) -> ByteChunks {
    var done = false
    return {
        if done { return nil }
        done = true
        return try produce()
    }
}

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
