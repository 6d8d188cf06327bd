import Foundation
import GRDBSQLite
import OpLog
import Tabular

/// How a scan of a table was planned (`xBestIndex`), told to `xFilter`
/// through `idxStr`: which constraints it was handed, in `argv`'s order
/// (path, version, key, then the filters).
///
/// - `_path = ?` reads one file; `_version >`/`>=`/`=` reads the rows a
///   version that late appended.
/// - A filter is a constraint whose right side is a constant (`station =
///   'S'`, `time >= '2026-02-10'`): rows that fail it are skipped as they
///   are read.
/// - The key is an equality whose right side changes from call to call,
///   the inner side of a join (`s.time = n.time`): the first scan keeps
///   the rows that pass the filters in a hash on that column, and every
///   later call looks its value up, so the file is read once, not once
///   per outer row.
///
/// Every constraint is still checked by SQLite (`omit` stays 0): what the
/// scan skips, SQLite would have rejected, and when the scan cannot tell
/// (a text against a number, a value past 2^53) it keeps the row.
struct ScanPlan: Equatable {
    enum Op: String {
        case eq = "=", gt = ">", ge = ">=", lt = "<", le = "<="

        init?(_ op: Int32) {
            switch op {
            case Int32(SQLITE_INDEX_CONSTRAINT_EQ): self = .eq
            case Int32(SQLITE_INDEX_CONSTRAINT_GT): self = .gt
            case Int32(SQLITE_INDEX_CONSTRAINT_GE): self = .ge
            case Int32(SQLITE_INDEX_CONSTRAINT_LT): self = .lt
            case Int32(SQLITE_INDEX_CONSTRAINT_LE): self = .le
            default: return nil
            }
        }
    }

    struct Filter: Equatable {
        let column: Int
        let op: Op
    }

    enum VersionBound: String { case above = ">", atLeast = ">=" }

    var path = false
    var version: VersionBound?
    /// The column of the keyed lookup.
    var key: Int?
    var filters: [Filter] = []
    /// Constraints of `_time` against a constant: runs of rows that cannot pass them are not read.
    var timeFilters: [Op] = []
    /// The columns the statement uses (`colUsed`): a keyed scan keeps only
    /// those, a Parquet file reads only those.
    /// nil: every column.
    var used: [Int]?
    /// `_every = ?` is given (its argument after the time filters'): the width of `_bucket`.
    var every = false
    /// SQLite leaves the order of `_bucket` to the scan (a GROUP BY or
    /// ORDER BY of it): rows come as they are in the files, each checked
    /// not to fall in an earlier bucket than the row before
    /// (`TableRowsOutOfOrder` when one does).
    var ordered = false

    /// The plan as `idxStr`: `p`, `v>`/`v>=`, `k3`, `f3>=`, `t<`, `u0.2.4`, `e`, `o`, space-separated.
    var encoded: String {
        var parts: [String] = []
        if path { parts.append("p") }
        if let version { parts.append("v" + version.rawValue) }
        if let key { parts.append("k\(key)") }
        for filter in filters { parts.append("f\(filter.column)\(filter.op.rawValue)") }
        for op in timeFilters { parts.append("t" + op.rawValue) }
        if let used { parts.append("u" + used.map(String.init).joined(separator: ".")) }
        if every { parts.append("e") }
        if ordered { parts.append("o") }
        return parts.joined(separator: " ")
    }

    init() {}

    init?(encoded: String) {
        for part in encoded.split(separator: " ") {
            let rest = part.dropFirst()
            switch part.first {
            case "p": path = true
            case "v": guard let bound = VersionBound(rawValue: String(rest)) else { return nil }; version = bound
            case "k": guard let column = Int(rest) else { return nil }; key = column
            case "f":
                let digits = rest.prefix { $0.isNumber }
                guard let column = Int(digits), let op = Op(rawValue: String(rest.dropFirst(digits.count))) else { return nil }
                filters.append(Filter(column: column, op: op))
            case "t": guard let op = Op(rawValue: String(rest)) else { return nil }; timeFilters.append(op)
            case "u": used = rest.split(separator: ".").compactMap { Int($0) }
            case "e": every = true
            case "o": ordered = true
            default: return nil
            }
        }
    }
}

/// A constraint's right side, copied out of SQLite for the scan's length.
enum ScanValue: Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text([UInt8])
    case blob

    init(_ value: OpaquePointer) {
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER: self = .integer(sqlite3_value_int64(value))
        case SQLITE_FLOAT: self = .real(sqlite3_value_double(value))
        case SQLITE_TEXT:
            let count = Int(sqlite3_value_bytes(value))
            self = .text(sqlite3_value_text(value).map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
        case SQLITE_NULL: self = .null
        default: self = .blob
        }
    }
}

extension ScanPlan.Op {
    /// Whether a row whose cell is `cell` may pass `cell <op> value`: false
    /// only when SQLite would surely reject it.
    func mayHold(_ cell: Cell, _ value: ScanValue) -> Bool {
        // A comparison with NULL is NULL, which no WHERE or ON accepts.
        if case .null = cell { return false }
        if case .null = value { return false }
        guard let order = ScanPlan.Op.compare(cell, value) else { return true }
        switch self {
        case .eq: return order == 0
        case .gt: return order > 0
        case .ge: return order >= 0
        case .lt: return order < 0
        case .le: return order <= 0
        }
    }

    /// -1, 0 or 1 as `cell` sorts before, with or after `value`; nil when
    /// that depends on SQLite's affinity rules or cannot be told exactly.
    static func compare(_ cell: Cell, _ value: ScanValue) -> Int? {
        let exact = 9_007_199_254_740_992.0  // 2^53: beyond it, a Double misses integers
        switch (cell, value) {
        case (.integer(let a), .integer(let b)): return a < b ? -1 : a == b ? 0 : 1
        case (.integer(let a), .real(let b)):
            guard Double(a.magnitude) < exact else { return nil }
            return order(Double(a), b)
        case (.real(let a), .integer(let b)):
            guard Double(b.magnitude) < exact else { return nil }
            return order(a, Double(b))
        case (.real(let a), .real(let b)): return order(a, b)
        case (.text(let a), .text(let b)):
            // BINARY collation: memcmp, then the shorter first.
            let common = min(a.count, b.count)
            let result = b.withUnsafeBufferPointer { b in memcmp(a.baseAddress ?? UnsafePointer(bitPattern: 1)!, b.baseAddress ?? UnsafePointer(bitPattern: 1)!, common) }
            if result != 0 { return result < 0 ? -1 : 1 }
            return a.count < b.count ? -1 : a.count == b.count ? 0 : 1
        default: return nil
        }
    }

    /// Whether some value from `low` to `high` (a Parquet row group's
    /// statistics) may pass `<op> value`: false only when none surely can.
    func mayHold(between low: Bound, and high: Bound, _ value: ScanValue) -> Bool {
        if case .null = value { return false }
        func compare(_ bound: Bound) -> Int? {
            switch bound {
            case .integer(let number): ScanPlan.Op.compare(.integer(number), value)
            case .real(let number): ScanPlan.Op.compare(.real(number), value)
            case .text(let bytes): bytes.withUnsafeBufferPointer { ScanPlan.Op.compare(.text($0), value) }
            }
        }
        switch self {
        case .eq: return (compare(low).map { $0 <= 0 } ?? true) && (compare(high).map { $0 >= 0 } ?? true)
        case .gt: return compare(high).map { $0 > 0 } ?? true
        case .ge: return compare(high).map { $0 >= 0 } ?? true
        case .lt: return compare(low).map { $0 < 0 } ?? true
        case .le: return compare(low).map { $0 <= 0 } ?? true
        }
    }

    private static func order(_ a: Double, _ b: Double) -> Int? {
        a.isNaN || b.isNaN ? nil : a < b ? -1 : a == b ? 0 : 1
    }
}

/// The rows of one table that pass a scan's filters, hashed on its key
/// column: the inner side of a join, read once per statement.
///
/// A row keeps only the columns the statement uses. Numbers hash as
/// Doubles (SQLite finds 5 = 5.0), texts by their bytes; a number looked up
/// in a column that also holds texts (or the other way round) is also given
/// every row of the other kind, for SQLite to compare by its affinity rules.
final class KeyedRows {
    /// A kept value: texts live in `arena`.
    enum Stored {
        case null
        case integer(Int64)
        case real(Double)
        case text(start: UInt32, count: UInt32)
        case blob(start: UInt32, count: UInt32)
    }

    enum Key: Hashable {
        case number(Double)
        case text(String)
    }

    /// How many bytes the kept rows may take before the scan goes back to
    /// reading the file for each lookup (correct, slower).
    nonisolated(unsafe) static var budget = 256 << 20

    let used: [Int]
    /// For each table column, where it sits in a kept row (nil: not kept).
    let slot: [Int?]
    private(set) var values: [Stored] = []
    private(set) var arena: [UInt8] = []
    private var chains: [Key: [Int32]] = [:]
    private var numberRows: [Int32] = []
    private var textRows: [Int32] = []
    /// Rows whose key is a blob: offered to every lookup, for SQLite to compare.
    private var blobRows: [Int32] = []
    private(set) var count = 0

    init(used: [Int], columnCount: Int) {
        self.used = used
        var slot = [Int?](repeating: nil, count: columnCount)
        for (position, column) in used.enumerated() where column < columnCount { slot[column] = position }
        self.slot = slot
    }

    /// An estimate of the bytes held.
    var bytes: Int { values.count * MemoryLayout<Stored>.stride + arena.count + chains.count * 64 + count * 8 }

    /// Adds a row whose key cell is `key` (nil: NULL, which no equality finds)
    /// and whose used columns `value(column, &arena)` gives.
    func append(key: Cell, _ value: (Int) -> Stored) {
        let row = Int32(count)
        for column in used { values.append(value(column)) }
        count += 1
        switch key {
        case .null: break
        case .integer(let number):
            chains[.number(Double(number)), default: []].append(row)
            numberRows.append(row)
        case .real(let number):
            chains[.number(number), default: []].append(row)
            numberRows.append(row)
        case .text(let bytes):
            chains[.text(String(decoding: bytes, as: UTF8.self)), default: []].append(row)
            textRows.append(row)
        case .blob:
            blobRows.append(row)
        }
    }

    /// Copies `bytes` into the arena, for a `Stored.text` (or `.blob`).
    func store(_ bytes: UnsafeBufferPointer<UInt8>, blob: Bool = false) -> Stored {
        let start = UInt32(truncatingIfNeeded: arena.count)
        arena.append(contentsOf: bytes)
        return blob ? .blob(start: start, count: UInt32(bytes.count)) : .text(start: start, count: UInt32(bytes.count))
    }

    /// The rows that may equal `value`, in the file's order.
    func rows(equalTo value: ScanValue) -> [Int32] {
        switch value {
        case .null: return []
        case .blob: return Array(0..<Int32(count))
        case .integer(let number): return merged(chains[.number(Double(number))] ?? [], textRows)
        case .real(let number): return merged(chains[.number(number)] ?? [], textRows)
        case .text(let bytes): return merged(chains[.text(String(decoding: bytes, as: UTF8.self))] ?? [], numberRows)
        }
    }

    private func merged(_ chain: [Int32], _ others: [Int32]) -> [Int32] {
        others.isEmpty && blobRows.isEmpty ? chain : (chain + others + blobRows).sorted()
    }

    /// Sets column `column` of row `row` as SQLite's result.
    func result(row: Int, column: Int, into context: OpaquePointer?) {
        guard column < slot.count, let position = slot[column] else { return sqlite3_result_null(context) }
        switch values[row * used.count + position] {
        case .null: sqlite3_result_null(context)
        case .integer(let number): sqlite3_result_int64(context, number)
        case .real(let number): sqlite3_result_double(context, number)
        case .text(_, 0):
            sqlite3_result_text(context, "", 0, KeyedRows.transient)
        case .text(let start, let count):
            arena.withUnsafeBufferPointer { arena in
                (arena.baseAddress! + Int(start)).withMemoryRebound(to: CChar.self, capacity: Int(count)) {
                    sqlite3_result_text(context, $0, Int32(count), KeyedRows.transient)
                }
            }
        case .blob(let start, let count):
            arena.withUnsafeBufferPointer { arena in
                sqlite3_result_blob(context, arena.baseAddress! + Int(start), Int32(count), KeyedRows.transient)
            }
        }
    }

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A `_time` constraint against text (`_time >= '2026-06-10'`), tested on
/// a row's time in microseconds, with no text made for the row: SQLite is
/// told to omit it, and a row that fails it never reaches SQLite.
///
/// `_time` is ISO-8601 UTC with six fraction digits, fixed width from year
/// 0001 to 9999, so its text order is time order there: the rows whose
/// `_time` is at least the text are those from `atLeast` on (the first
/// microsecond whose text is), those above it from `above` on (both found
/// by bisection, once per scan). A time outside those years is compared as
/// text, as SQLite would.
struct TimeTest {
    let op: ScanPlan.Op
    let text: [UInt8]
    let atLeast: Int64
    let above: Int64

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z.
    static let first: Int64 = -62_135_596_800_000_000
    static let last: Int64 = 253_402_300_799_999_999

    init(_ op: ScanPlan.Op, _ text: [UInt8]) {
        self.op = op
        self.text = text
        atLeast = TimeTest.firstMicros { TimeTest.order($0, text) >= 0 }
        above = TimeTest.firstMicros { TimeTest.order($0, text) > 0 }
    }

    /// -1, 0 or 1 as `micros`' `_time` text sorts before, with or after `text` (BINARY).
    static func order(_ micros: Int64, _ text: [UInt8]) -> Int {
        TimeColumn.withISO(micros: micros) { ScanPlan.Op.compare(.text($0), .text(text)) ?? 0 }
    }

    /// The first microsecond from `first` to `last` where `holds` (monotone) holds; `last + 1` if none.
    private static func firstMicros(_ holds: (Int64) -> Bool) -> Int64 {
        var low = first, high = last + 1
        while low < high {
            let middle = low + (high - low) / 2
            if holds(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Whether some time from `low` to `high` (a run's or a block's range) passes.
    func mayHold(low: Int64, high: Int64) -> Bool {
        // Outside the years where text order is time order, any may: read it.
        guard low >= TimeTest.first, high <= TimeTest.last else { return true }
        switch op {
        case .eq: return high >= atLeast && low < above
        case .gt: return high >= above
        case .ge: return high >= atLeast
        case .lt: return low < atLeast
        case .le: return low < above
        }
    }

    func passes(_ micros: Int64) -> Bool {
        guard micros >= TimeTest.first, micros <= TimeTest.last else {
            return TimeColumn.withISO(micros: micros) { op.mayHold(.text($0), .text(text)) }
        }
        return mayHold(low: micros, high: micros)
    }
}
