/// Time columns (DESIGN.md, "Time series"): which column of a table is its
/// time, and its values as one form, ISO-8601 UTC text with microseconds
/// (`2026-12-01T10:00:00.000000Z`), what `_time` and `time_bucket` give:
/// fixed width, so that text order is time order.
public enum TimeColumn {
    /// The names a time column goes by, in the order they are looked for.
    public static let names = ["timestamp", "time", "ts", "datetime", "event_time", "date"]

    /// The index of the time column among `columns`: the first named as `names` says (any case).
    public static func index(in columns: [String]) -> Int? {
        let lowered = columns.map { $0.lowercased() }
        return lowered.firstIndex { names.contains($0) }
    }

    /// Microseconds since 1970 UTC of ISO-8601 text (`2026-12-01`,
    /// `2026-12-01T10:00`, `2026-12-01 10:00:00.5+02:00`, ...); nil for other text.
    public static func micros(iso text: UnsafeBufferPointer<UInt8>) -> Int64? {
        ISO8601Micros.parse(text)
    }

    /// `micros(iso:)` of a string.
    public static func micros(iso text: String) -> Int64? {
        var text = text
        return text.withUTF8 { ISO8601Micros.parse($0) }
    }

    /// Microseconds of an epoch number: seconds, or milliseconds when it is
    /// too large to be seconds (past the year 5138).
    public static func micros(epoch value: Double) -> Int64? {
        guard value.isFinite else { return nil }
        let micros = abs(value) >= 1e11 ? value * 1000 : value * 1_000_000
        guard abs(micros) < 9.2e18 else { return nil }
        return Int64(micros.rounded())
    }

    /// `micros` as ISO-8601 UTC text with six fraction digits.
    public static func iso(micros: Int64) -> String {
        withISO(micros: micros) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with `micros` as ISO-8601 UTC text (`iso(micros:)`), in a buffer of its own.
    public static func withISO<T>(micros: Int64, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer in
            let count = formatTemporal(.timestamp(.micros), micros, into: buffer)
            return try body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// A bucket width written as a number and a unit: `30s`, `15m`, `1h`,
    /// `6h`, `1d`, `7d`, `1w`; nil for anything else.
    public static func width(_ text: String) -> Int64? {
        guard let unit = text.last, let count = Int64(text.dropLast()), count > 0 else { return nil }
        let seconds: Int64
        switch unit {
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3600
        case "d": seconds = 86_400
        case "w": seconds = 7 * 86_400
        default: return nil
        }
        let (micros, overflow) = (count * seconds).multipliedReportingOverflow(by: 1_000_000)
        return overflow ? nil : micros
    }

    /// The start of the bucket of `width` microseconds holding `micros`:
    /// buckets start at 1970-01-01 UTC, and buckets of whole weeks on a Monday.
    public static func bucket(_ micros: Int64, width: Int64) -> Int64 {
        let week: Int64 = 7 * 86_400_000_000
        // 1970-01-01 was a Thursday; the Monday after is 4 days later.
        let origin: Int64 = width % week == 0 ? 4 * 86_400_000_000 : 0
        let shifted = micros - origin
        let floor = shifted >= 0 ? shifted / width : -((-shifted - 1) / width) - 1
        return floor * width + origin
    }
}

/// The smallest and largest time of some rows of a table (what one write
/// or append added): as text (the column's bytes, compared as SQLite
/// compares text), as numbers (an epoch column), and as microseconds (what
/// `_time` gives). Kept with the write, a query skips the rows whose range
/// cannot hold what it asks for (DESIGN.md, "Time series").
/// The time ranges of stretches of about `bytes` of whole rows, as rows are
/// read (`TableReader.timeBlocks`).
struct TimeBlocks {
    static let bytes: Int64 = 64 << 10
    private var blocks: [(start: Int64, range: TimeRange)] = []
    private var start: Int64
    private var current = TimeRange()

    init(start: Int64) { self.start = start }

    /// Counts a row whose time field is `field`, which ends at byte `end`.
    mutating func add(_ field: UnsafeBufferPointer<UInt8>?, end: Int64) {
        current.add(field)
        close(at: end)
    }

    mutating func add(text: String, end: Int64) {
        current.add(text: text)
        close(at: end)
    }

    private mutating func close(at end: Int64) {
        guard end - start >= TimeBlocks.bytes else { return }
        blocks.append((start, current))
        // The next row begins after this one's line break.
        start = end + 1
        current = TimeRange()
    }

    /// The blocks, the last one closed; none when the rows fit in one.
    func finished() -> [(start: Int64, range: TimeRange)] {
        let all = current.rows > 0 ? blocks + [(start, current)] : blocks
        return all.count > 1 ? all : []
    }
}

public struct TimeRange: Equatable, Sendable {
    /// The rows counted (with a time or not).
    public var rows: Int64 = 0
    public var textLow: [UInt8]?, textHigh: [UInt8]?
    public var numberLow: Double?, numberHigh: Double?
    public var microsLow: Int64?, microsHigh: Int64?

    public init() {}

    public init(rows: Int64, textLow: [UInt8]?, textHigh: [UInt8]?, numberLow: Double?, numberHigh: Double?,
                microsLow: Int64?, microsHigh: Int64?) {
        (self.rows, self.textLow, self.textHigh, self.numberLow, self.numberHigh, self.microsLow, self.microsHigh)
            = (rows, textLow, textHigh, numberLow, numberHigh, microsLow, microsHigh)
    }

    /// The earliest and latest microseconds of `ranges` together; nil when
    /// one of them is not known (`known` false) or none holds a time.
    public static func span(_ ranges: [TimeRange?]) -> (known: Bool, micros: (low: Int64, high: Int64)?) {
        var low: Int64?, high: Int64?
        for range in ranges {
            guard let range else { return (false, nil) }
            if let earliest = range.microsLow { low = min(low ?? earliest, earliest) }
            if let latest = range.microsHigh { high = max(high ?? latest, latest) }
        }
        guard let low, let high else { return (true, nil) }
        return (true, (low, high))
    }

    /// Counts a row whose time field is `field` (nil: the row has none).
    mutating func add(_ field: UnsafeBufferPointer<UInt8>?) {
        rows += 1
        guard let field, !field.isEmpty else { return }
        if textLow.map({ TimeRange.less(field, $0) }) ?? true { textLow = Array(field) }
        if textHigh.map({ TimeRange.less($0, field) }) ?? true { textHigh = Array(field) }
        let trimmed = Missing.trimmed(field)
        guard !trimmed.isEmpty, !Missing.isMarker(trimmed) else { return }
        let micros: Int64?
        if let number = Number.integer(trimmed).map(Double.init) ?? Number.real(trimmed) {
            numberLow = min(numberLow ?? number, number)
            numberHigh = max(numberHigh ?? number, number)
            micros = TimeColumn.micros(epoch: number)
        } else {
            micros = TimeColumn.micros(iso: trimmed)
        }
        if let micros {
            microsLow = min(microsLow ?? micros, micros)
            microsHigh = max(microsHigh ?? micros, micros)
        }
    }

    /// `add` of a text value (JSON Lines).
    mutating func add(text: String) {
        var text = text
        text.withUTF8 { add($0) }
    }

    /// Whether `a` sorts before `b` as SQLite's BINARY collation sorts text.
    static func less(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        b.withUnsafeBufferPointer { b in lexicographic(a, b) < 0 }
    }

    static func less(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.withUnsafeBufferPointer { a in lexicographic(a, b) < 0 }
    }

    private static func lexicographic(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return a.count - b.count
    }
}
