import GRDBSQLite
import Tabular

/// The functions series need, on every connection `pond sql` opens
/// (DESIGN.md, "Time series"), so that a DuckDB or DuckPond query moves
/// over without rewriting:
///
/// - `time_bucket(time, '15m')`: the start of the bucket holding `time`
///   (ISO-8601 text or an epoch number), in `_time`'s form (`TimeColumn`);
/// - `median(x)`, `percentile(x, p)` (p in 0...100, linear between ranks);
/// - `stddev(x)`: the sample standard deviation;
/// - `first(x, time)`, `last(x, time)`: `x` at the earliest or latest time.
///
/// NULLs are skipped, as SQL's own aggregates skip them.
enum SeriesFunctions {
    static func register(on db: OpaquePointer) throws {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        let results = [
            sqlite3_create_function_v2(db, "time_bucket", 2, flags, nil, timeBucket, nil, nil, nil),
            sqlite3_create_function_v2(db, "median", 1, flags, nil, nil, collectStep, medianFinal, nil),
            sqlite3_create_function_v2(db, "percentile", 2, flags, nil, nil, collectStep, percentileFinal, nil),
            sqlite3_create_function_v2(db, "stddev", 1, flags, nil, nil, collectStep, stddevFinal, nil),
            sqlite3_create_function_v2(db, "first", 2, flags, nil, nil, firstStep, pickFinal, nil),
            sqlite3_create_function_v2(db, "last", 2, flags, nil, nil, lastStep, pickFinal, nil),
        ]
        if let failed = results.first(where: { $0 != SQLITE_OK }) {
            throw SeriesFunctionError(message: "cannot add the series functions: \(String(cString: sqlite3_errstr(failed)))")
        }
    }

    struct SeriesFunctionError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// `value` as microseconds since 1970: ISO-8601 text or an epoch number; nil otherwise.
    static func micros(_ value: OpaquePointer?) -> Int64? {
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER: return TimeColumn.micros(epoch: Double(sqlite3_value_int64(value)))
        case SQLITE_FLOAT: return TimeColumn.micros(epoch: sqlite3_value_double(value))
        case SQLITE_TEXT:
            guard let text = sqlite3_value_text(value) else { return nil }
            return TimeColumn.micros(iso: UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(value))))
        default: return nil
        }
    }

    private static func error(_ context: OpaquePointer?, _ message: String) {
        sqlite3_result_error(context, message, -1)
    }

    /// What `time_bucket` keeps with its statement (SQLite's auxiliary data
    /// of the constant width): the width, parsed once, and the last bucket
    /// with its text, given again without formatting while the rows of a
    /// series fall in the same bucket, as they do in time order.
    private final class BucketState {
        let width: Int64
        var last: Int64?
        var text: [UInt8] = []
        init(width: Int64) { self.width = width }
    }

    private static let timeBucket: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, argv in
        guard let argv else { return }
        let state: BucketState
        if let kept = sqlite3_get_auxdata(context, 1) {
            state = Unmanaged<BucketState>.fromOpaque(kept).takeUnretainedValue()
        } else {
            guard let widthText = sqlite3_value_text(argv[1]).map({ String(cString: $0) }), let parsed = TimeColumn.width(widthText) else {
                return error(context, "time_bucket: a width is a number and s, m, h, d or w ('15m', '1h', '1d')")
            }
            state = BucketState(width: parsed)
            sqlite3_set_auxdata(context, 1, Unmanaged.passRetained(state).toOpaque()) { Unmanaged<BucketState>.fromOpaque($0!).release() }
        }
        guard let micros = micros(argv[0]) else { return sqlite3_result_null(context) }
        let bucket = TimeColumn.bucket(micros, width: state.width)
        if bucket != state.last {
            state.text = TimeColumn.withISO(micros: bucket) { Array($0) }
            state.last = bucket
        }
        state.text.withUnsafeBufferPointer { text in
            text.withMemoryRebound(to: CChar.self) { sqlite3_result_text(context, $0.baseAddress, Int32($0.count), transient) }
        }
    }

    // MARK: - Aggregates

    /// An aggregate's state, behind a pointer in SQLite's aggregate context.
    final class Collected {
        var values: [Double] = []
        var parameter: Double?
        var picked: (time: Int64, value: OpaquePointer?)?
        deinit { if let value = picked?.value { sqlite3_value_free(value) } }
    }

    /// The state of the aggregate `context` computes, made on its first row.
    private static func state(_ context: OpaquePointer?, create: Bool) -> Collected? {
        guard let slot = sqlite3_aggregate_context(context, create ? Int32(MemoryLayout<UnsafeRawPointer>.size) : 0)?
            .assumingMemoryBound(to: UnsafeRawPointer?.self) else { return nil }
        if let existing = slot.pointee { return Unmanaged<Collected>.fromOpaque(existing).takeUnretainedValue() }
        guard create else { return nil }
        let made = Collected()
        slot.pointee = UnsafeRawPointer(Unmanaged.passRetained(made).toOpaque())
        return made
    }

    /// The state, released: what a final call reads last.
    private static func finalState(_ context: OpaquePointer?) -> Collected? {
        guard let slot = sqlite3_aggregate_context(context, 0)?.assumingMemoryBound(to: UnsafeRawPointer?.self),
              let existing = slot.pointee else { return nil }
        slot.pointee = nil
        return Unmanaged<Collected>.fromOpaque(existing).takeRetainedValue()
    }

    private static let collectStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, argc, argv in
        guard let argv, let state = state(context, create: true) else { return }
        if argc > 1, state.parameter == nil, sqlite3_value_type(argv[1]) != SQLITE_NULL { state.parameter = sqlite3_value_double(argv[1]) }
        let type = sqlite3_value_type(argv[0])
        guard type == SQLITE_INTEGER || type == SQLITE_FLOAT || (type == SQLITE_TEXT && sqlite3_value_numeric_type(argv[0]) != SQLITE_TEXT) else { return }
        state.values.append(sqlite3_value_double(argv[0]))
    }

    /// The `fraction` quantile of `values` (sorted here), linear between ranks.
    static func quantile(_ values: inout [Double], _ fraction: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        values.sort()
        let rank = fraction * Double(values.count - 1)
        let low = Int(rank.rounded(.down)), high = Int(rank.rounded(.up))
        return values[low] + (values[high] - values[low]) * (rank - Double(low))
    }

    private static let medianFinal: @convention(c) (OpaquePointer?) -> Void = { context in
        guard let state = finalState(context), let value = quantile(&state.values, 0.5) else { return sqlite3_result_null(context) }
        sqlite3_result_double(context, value)
    }

    private static let percentileFinal: @convention(c) (OpaquePointer?) -> Void = { context in
        guard let state = finalState(context) else { return sqlite3_result_null(context) }
        guard let p = state.parameter, (0...100).contains(p) else { return error(context, "percentile: p is a number from 0 to 100") }
        guard let value = quantile(&state.values, p / 100) else { return sqlite3_result_null(context) }
        sqlite3_result_double(context, value)
    }

    private static let stddevFinal: @convention(c) (OpaquePointer?) -> Void = { context in
        guard let state = finalState(context), state.values.count > 1 else { return sqlite3_result_null(context) }
        let mean = state.values.reduce(0, +) / Double(state.values.count)
        let squares = state.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        sqlite3_result_double(context, (squares / Double(state.values.count - 1)).squareRoot())
    }

    /// Keeps `x` when its time is earlier (`first`) or later (`last`) than the one kept.
    private static func pick(_ context: OpaquePointer?, _ argv: UnsafeMutablePointer<OpaquePointer?>?, later: Bool) {
        guard let argv, let time = micros(argv[1]), let state = state(context, create: true) else { return }
        if let kept = state.picked, later ? time <= kept.time : time >= kept.time { return }
        if let old = state.picked?.value { sqlite3_value_free(old) }
        state.picked = (time, sqlite3_value_dup(argv[0]))
    }

    private static let firstStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, argv in
        pick(context, argv, later: false)
    }

    private static let lastStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, argv in
        pick(context, argv, later: true)
    }

    private static let pickFinal: @convention(c) (OpaquePointer?) -> Void = { context in
        guard let state = finalState(context), let value = state.picked?.value else { return sqlite3_result_null(context) }
        sqlite3_result_value(context, value)
    }

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
