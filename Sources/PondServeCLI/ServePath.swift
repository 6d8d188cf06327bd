/// A request's path as the server reads it: `/at/VERSION/` and the site's
/// path below, each segment percent-decoded once. Anything that could name
/// something outside the pond's pages is no path at all (a 404): a `..` or
/// `.` segment, an encoded slash or backslash, a NUL, bad percent-encoding.
struct ServePath: Equatable {
    /// nil: head.
    var version: Int64?
    /// The decoded segments after `/at/VERSION/` (the last is "" for a trailing slash).
    var segments: [String]

    enum Parsed: Equatable {
        case page(ServePath)
        /// Where the request should go instead (the root, or a version without its slash).
        case redirect(String)
        case notFound
    }

    static func parse(_ raw: String) -> Parsed {
        if raw == "/" || raw.isEmpty { return .redirect("/at/head/") }
        guard raw.hasPrefix("/") else { return .notFound }
        var segments: [String] = []
        for piece in raw.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let decoded = decode(piece), decoded != "..", decoded != "." else { return .notFound }
            segments.append(decoded)
        }
        guard segments.count >= 2, segments[0] == "at" else { return .notFound }
        let version: Int64?
        if segments[1] == "head" {
            version = nil
        } else if let number = Int64(segments[1]), number >= 1, String(number) == segments[1] {
            version = number
        } else {
            return .notFound
        }
        if segments.count == 2 { return .redirect("/at/\(segments[1])/") }
        return .page(ServePath(version: version, segments: Array(segments.dropFirst(2))))
    }

    /// One segment, percent-decoded; nil for what may not be in one.
    static func decode(_ piece: Substring) -> String? {
        guard let bytes = percentDecoded(piece, plusIsSpace: false),
              !bytes.contains(0), !bytes.contains(UInt8(ascii: "/")), !bytes.contains(UInt8(ascii: "\\")) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// `piece`'s bytes with each `%XX` decoded (and `+` a space in a query); nil for a bad escape.
    static func percentDecoded(_ piece: Substring, plusIsSpace: Bool) -> [UInt8]? {
        var bytes: [UInt8] = []
        var utf8 = piece.utf8.makeIterator()
        while let byte = utf8.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = utf8.next().flatMap(hex), let low = utf8.next().flatMap(hex) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            }
        }
        return bytes
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A query string's parameters, `+` a space and percent-decoded.
    static func query(_ raw: String?) -> [String: String] {
        var found: [String: String] = [:]
        for pair in (raw ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func text(_ piece: Substring) -> String? {
                percentDecoded(piece, plusIsSpace: true).flatMap { String(validating: $0, as: UTF8.self) }
            }
            guard let key = text(parts[0]), let value = parts.count > 1 ? text(parts[1]) : "" else { continue }
            found[key] = value
        }
        return found
    }
}
