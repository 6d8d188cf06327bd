import Foundation

/// A version as a user names it (`--at`, `diff FROM TO`): the one place that
/// says what such a name may be.
///
/// - a version number, `1` to head;
/// - `head`, or `head~N`: N versions before head;
/// - an ISO-8601 date or time: `2026-12-01`, `2026-12-01T08:25`,
///   `2026-12-01T08:25:05`, `2026-12-01T08:25:05.250` (`T` or a space
///   between date and time), with a zone (`Z`, `+02:00`, `+0200`, `-05`) or
///   without one, then in the machine's local time (`TZ`), as git reads
///   it. It names the newest version committed at or before that instant; a
///   date alone means its first instant.
public enum VersionSpec: Equatable, Sendable, CustomStringConvertible {
    case number(Int64)
    /// `head~back`.
    case head(back: Int64)
    /// An instant, as the text the user gave and seconds since 1970 (UTC).
    case time(String, seconds: Double)

    /// Parses `text`; nil if it is none of the forms above.
    public init?(_ text: String) {
        if let number = Int64(text) {
            self = .number(number)
        } else if text == "head" {
            self = .head(back: 0)
        } else if text.hasPrefix("head~"), let back = Int64(text.dropFirst(5)), back >= 0 {
            self = .head(back: back)
        } else if let seconds = VersionSpec.seconds(of: text) {
            self = .time(text, seconds: seconds)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .number(let number): String(number)
        case .head(let back): back == 0 ? "head" : "head~\(back)"
        case .time(let text, _): text
        }
    }

    /// The instant as the pond records commit times: ISO-8601 UTC with
    /// milliseconds (`2026-12-01T07:25:05.250Z`), which sorts as text.
    static func recordedTime(_ seconds: Double) -> String {
        var whole = time_t(seconds.rounded(.down))
        // Down to the millisecond, with room for the binary fraction's error (0.123 * 1000 = 122.99999...).
        let millis = min(Int(((seconds - Double(whole)) * 1000 + 0.0005).rounded(.down)), 999)
        var parts = tm()
        gmtime_r(&whole, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1,
                      parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, millis)
    }

    /// Seconds since 1970 (UTC) of ISO-8601 `text`, nil if it is not one of the accepted forms.
    static func seconds(of text: String) -> Double? {
        var scanner = Digits(Array(text.utf8))
        guard let year = scanner.number(4), scanner.take("-"), let month = scanner.number(2), scanner.take("-"),
              let day = scanner.number(2), (1...12).contains(month), day >= 1
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        guard day <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        if scanner.take("T") || scanner.take("t") || scanner.take(" ") {
            guard let h = scanner.number(2), scanner.take(":"), let m = scanner.number(2),
                  h < 24, m < 60 else { return nil }
            (hour, minute) = (h, m)
            if scanner.take(":") {
                guard let s = scanner.number(2), s <= 60 else { return nil }
                second = s
                if scanner.take(".") || scanner.take(",") {
                    guard let digits = scanner.digits(), !digits.isEmpty else { return nil }
                    fraction = Double("0." + digits) ?? 0
                }
            }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let base: time_t
        if scanner.atEnd {
            parts.tm_isdst = -1  // local time: let the zone's rules decide
            base = mktime(&parts)
        } else if scanner.take("Z") || scanner.take("z") {
            guard scanner.atEnd else { return nil }
            base = timegm(&parts)
        } else {
            let sign: Int
            if scanner.take("+") { sign = 1 } else if scanner.take("-") { sign = -1 } else { return nil }
            guard let zoneHours = scanner.number(2), zoneHours <= 23 else { return nil }
            var zoneMinutes = 0
            if !scanner.atEnd {
                _ = scanner.take(":")
                guard let m = scanner.number(2), m < 60 else { return nil }
                zoneMinutes = m
            }
            guard scanner.atEnd else { return nil }
            base = timegm(&parts) - time_t(sign * (zoneHours * 3600 + zoneMinutes * 60))
        }
        guard base != -1 || (year == 1969 && month == 12 && day == 31) else { return nil }
        return Double(base) + fraction
    }

    /// Reads fixed-width numbers and single characters from ASCII text.
    private struct Digits {
        private let bytes: [UInt8]
        private var at = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { at == bytes.count }

        /// The next `width` characters as a number, if they are all digits.
        mutating func number(_ width: Int) -> Int? {
            guard at + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[at..<at + width] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            at += width
            return value
        }

        /// Every digit from here on, as text.
        mutating func digits() -> String? {
            let start = at
            while at < bytes.count, bytes[at] >= 0x30 && bytes[at] <= 0x39 { at += 1 }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }

        /// Takes `character` if it comes next.
        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard at < bytes.count, bytes[at] == UInt8(character.value) else { return false }
            at += 1
            return true
        }
    }
}

/// Why a `VersionSpec` names no version of a pond.
public enum VersionSpecError: Error, Equatable, CustomStringConvertible {
    /// `text` is none of the forms `VersionSpec` accepts.
    case notAVersion(String)
    /// No version was committed at or before the time.
    case beforeFirstVersion(String)
    /// `head~N` reaches before version 1.
    case beforeFirst(String, head: Version)

    public var description: String {
        switch self {
        case .notAVersion(let text):
            "'\(text)' is not a version: give a number (1 to head), head, head~N, or an ISO-8601 time (2026-12-01, 2026-12-01T08:25:05, with Z or +02:00, or local time without)"
        case .beforeFirstVersion(let text):
            "\(text): no version was committed at or before that time"
        case .beforeFirst(let text, let head):
            "\(text): the pond has \(head.rawValue) versions, so that is before version 1"
        }
    }
}

extension Transaction {
    /// The commit time as seconds since 1970 (UTC), nil if the text is not a time.
    public var seconds: Double? { VersionSpec.seconds(of: time) }
}

extension Pond {
    /// The version `spec` names in this pond.
    /// - Throws: `VersionSpecError` for a time before the first commit or a
    ///   `head~N` before version 1; a number out of range fails when it is read
    ///   (`OpLogError.noSuchVersion`).
    public func version(_ spec: VersionSpec) throws -> Version {
        switch spec {
        case .number(let number):
            return Version(number)
        case .head(let back):
            let head = try headVersion
            guard back < head.rawValue else { throw VersionSpecError.beforeFirst(spec.description, head: head) }
            return Version(head.rawValue - back)
        case .time(let text, let seconds):
            guard let version = try self.version(atOrBefore: VersionSpec.recordedTime(seconds)) else {
                throw VersionSpecError.beforeFirstVersion(text)
            }
            return version
        }
    }
}
