/// Reads the records of a CSV or TSV file one at a time, pulling its bytes
/// piece by piece: memory holds one piece and one record, whatever the size.
///
/// What it accepts (RFC 4180, and what spreadsheets write): fields split by
/// the delimiter; records end with LF or CRLF (a CR elsewhere is data); a
/// field that starts with `"` is quoted and may hold delimiters, newlines
/// and `""` for a quote; a UTF-8 byte-order mark at the start is skipped;
/// blank lines are skipped. Each record must be valid UTF-8.
/// - Throws: `TableDataError` naming the record's first line, for a quote
///   never closed, text after a closing quote, invalid UTF-8 or a record
///   longer than `maxRecordBytes`.
public final class DelimitedReader {
    /// The current record: its field bytes, unquoted, one after another,
    /// and where each field ends. Read for every cell of a query and written
    /// for every byte of a scan: memory the reader owns, unchecked (only
    /// `next` changes it).
    @exclusivity(unchecked) private var record = RecordStorage()
    /// The line the current record starts on, 1-based.
    /// (This and what follows are set for every record, only by `next`: unchecked.)
    @exclusivity(unchecked) public private(set) var line = 0
    /// The byte offset in the file where the current record's text ends
    /// (its line break not counted).
    @exclusivity(unchecked) public private(set) var endOffset: Int64 = 0

    public let maxRecordBytes: Int
    private let delimiter: UInt8
    @exclusivity(unchecked) private var cursor: PieceCursor
    @exclusivity(unchecked) private var nextLine = 1

    /// `startOffset`: where `chunks` start in the file (not at its start:
    /// no byte-order mark is looked for), for `endOffset`.
    public init(format: TableFormat, maxRecordBytes: Int = 4 << 20, startOffset: Int64 = 0, chunks: @escaping ByteChunks) {
        precondition(format != .jsonLines, "JSON Lines has a reader of its own")
        cursor = PieceCursor(startOffset: startOffset, chunks: chunks)
        delimiter = format == .tsv ? UInt8(ascii: "\t") : UInt8(ascii: ",")
        self.maxRecordBytes = maxRecordBytes
    }

    deinit { record.free() }

    public var fieldCount: Int { record.endCount }

    /// Field `index`'s bytes, valid until the next record: `bytes` is not
    /// changed until then (the row path reads them without a closure).
    @inline(__always)
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        record.field(index)
    }

    /// Calls `body` with field `index`'s bytes.
    @inline(__always)
    public func withField<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try body(record.field(index))
    }

    /// Field `index` as a string (valid UTF-8: the reader checked).
    public func string(_ index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Every field of the current record, as strings.
    public var strings: [String] { (0..<fieldCount).map(string) }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, carriageReturn }

    /// Moves to the next record; false at the end of the file.
    public func next() throws -> Bool {
        // The record is built in a local and stored once: a class's stored
        // properties are checked for exclusive access on every use, which
        // cost a fifth of a scan when the loop used them directly.
        var record = self.record
        record.byteCount = 0
        record.endCount = 0
        defer { self.record = record }
        var state = State.fieldStart
        var started = false
        var line = self.nextLine
        var nextLine = self.nextLine
        defer {
            self.line = line
            self.nextLine = nextLine
        }
        var hasNonASCII = false
        let delimiter = self.delimiter
        let maxRecordBytes = self.maxRecordBytes
        while true {
            if cursor.isAtPieceEnd {
                guard try cursor.refill() else {
                    if !started { return false }
                    if state == .quoted { throw TableDataError(line: line, reason: "a quoted field is never closed") }
                    endOffset = cursor.pieceOffset - (state == .carriageReturn ? 1 : 0)
                    record.endField()
                    try check(record, hasNonASCII, line)
                    return true
                }
            }
            var index = cursor.position
            var recordEnd: Int64 = -1
            try cursor.piece.withUnsafeBufferPointer { buffer in
                let count = buffer.count
                scan: while index < count {
                    let byte = buffer[index]
                    switch state {
                    case .fieldStart, .unquoted:
                        if state == .fieldStart, byte == UInt8(ascii: "\"") {
                            state = .quoted
                            started = true
                            index += 1
                            continue
                        }
                        if byte == delimiter {
                            record.endField()
                            state = .fieldStart
                            started = true
                            index += 1
                        } else if byte == UInt8(ascii: "\n") {
                            index += 1
                            nextLine += 1
                            if !started && record.endCount == 0 {
                                line = nextLine
                                continue
                            }
                            recordEnd = Int64(index - 1)
                            break scan
                        } else if byte == UInt8(ascii: "\r") {
                            state = .carriageReturn
                            index += 1
                        } else {
                            // A run of plain bytes, copied at once.
                            var end = index + 1
                            var high = byte
                            while end < count {
                                let next = buffer[end]
                                if next == delimiter || next == UInt8(ascii: "\n") || next == UInt8(ascii: "\r") { break }
                                high |= next
                                end += 1
                            }
                            if high >= 0x80 { hasNonASCII = true }
                            record.append(UnsafeBufferPointer(rebasing: buffer[index..<end]))
                            state = .unquoted
                            started = true
                            index = end
                        }
                    case .carriageReturn:
                        if byte == UInt8(ascii: "\n") {
                            index += 1
                            nextLine += 1
                            if !started && record.endCount == 0 {
                                line = nextLine
                                state = .fieldStart
                                continue
                            }
                            recordEnd = Int64(index - 2)
                            break scan
                        }
                        // A lone CR is data; the byte after it is looked at again.
                        record.append(UInt8(ascii: "\r"))
                        state = .unquoted
                        started = true
                    case .quoted:
                        var end = index
                        var high: UInt8 = 0
                        while end < count, buffer[end] != UInt8(ascii: "\"") {
                            let next = buffer[end]
                            if next == UInt8(ascii: "\n") { nextLine += 1 }
                            high |= next
                            end += 1
                        }
                        if high >= 0x80 { hasNonASCII = true }
                        record.append(UnsafeBufferPointer(rebasing: buffer[index..<end]))
                        if end < count {
                            state = .quoteInQuoted
                            index = end + 1
                        } else {
                            index = count
                        }
                    case .quoteInQuoted:
                        if byte == UInt8(ascii: "\"") {
                            record.append(byte)
                            state = .quoted
                            index += 1
                        } else if byte == delimiter || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                            state = .unquoted  // the field is closed; the separator is handled as after any field
                        } else {
                            throw TableDataError(line: line, reason: "text follows a closing quote; a quote inside a quoted field is written \"\"")
                        }
                    }
                    if record.byteCount > maxRecordBytes {
                        throw TableDataError(line: line, reason: "a record longer than \(maxRecordBytes >> 20) MiB (is this a table?)")
                    }
                }
            }
            cursor.position = index
            if recordEnd >= 0 {
                endOffset = cursor.pieceOffset + recordEnd
                record.endField()
                try check(record, hasNonASCII, line)
                return true
            }
        }
    }

    private func check(_ record: RecordStorage, _ hasNonASCII: Bool, _ line: Int) throws {
        if hasNonASCII, String(validating: UnsafeBufferPointer(start: record.bytes, count: record.byteCount), as: UTF8.self) == nil {
            throw TableDataError(line: line, reason: "the record is not valid UTF-8")
        }
    }
}

/// A record's field bytes and field ends, in memory of its own: appended to
/// without reference counting or uniqueness checks, emptied by setting the
/// counts to zero. Freed by its owner (`DelimitedReader.deinit`).
struct RecordStorage {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    var byteCount = 0
    private var byteCapacity = 256
    private var ends: UnsafeMutablePointer<Int>
    var endCount = 0
    private var endCapacity = 16

    init() {
        bytes = .allocate(capacity: byteCapacity)
        ends = .allocate(capacity: endCapacity)
    }

    func free() {
        bytes.deallocate()
        ends.deallocate()
    }

    /// Field `index`'s bytes, valid until the record changes.
    @inline(__always)
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let start = index == 0 ? 0 : ends[index - 1]
        return UnsafeBufferPointer(start: bytes + start, count: ends[index] - start)
    }

    @inline(__always)
    mutating func append(_ source: UnsafeBufferPointer<UInt8>) {
        guard let base = source.baseAddress, !source.isEmpty else { return }
        if byteCount + source.count > byteCapacity { growBytes(to: byteCount + source.count) }
        (bytes + byteCount).update(from: base, count: source.count)
        byteCount += source.count
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if byteCount == byteCapacity { growBytes(to: byteCount + 1) }
        bytes[byteCount] = byte
        byteCount += 1
    }

    /// Ends the current field where the bytes end.
    @inline(__always)
    mutating func endField() {
        if endCount == endCapacity {
            endCapacity *= 2
            let larger = UnsafeMutablePointer<Int>.allocate(capacity: endCapacity)
            larger.update(from: ends, count: endCount)
            ends.deallocate()
            ends = larger
        }
        ends[endCount] = byteCount
        endCount += 1
    }

    private mutating func growBytes(to needed: Int) {
        byteCapacity = max(needed, byteCapacity * 2)
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: byteCapacity)
        larger.update(from: bytes, count: byteCount)
        bytes.deallocate()
        bytes = larger
    }
}
