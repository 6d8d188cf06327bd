import Foundation

/// Secrets in documents and collectors: only `${env:NAME}`, kept as written
/// and expanded from the environment when used.
public enum Secrets {
    /// NAME when `text` is exactly one reference `${env:NAME}`.
    public static func reference(_ text: String) -> String? {
        guard text.hasPrefix("${env:"), text.hasSuffix("}") else { return nil }
        let name = text.dropFirst(6).dropLast()
        return isVariableName(name) ? String(name) : nil
    }

    /// `text` with every `${env:NAME}` replaced by the variable's value.
    /// - Throws: `ResourceError` naming a variable that is not set.
    public static func expand(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${env:") {
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
            let name = rest[start.upperBound..<end]
            guard isVariableName(name) else {
                result += rest[..<start.upperBound]
                rest = rest[start.upperBound...]
                continue
            }
            guard let value = environment[String(name)] else {
                throw ResourceError("environment variable \(name) is not set (named as ${env:\(name)})")
            }
            result += rest[..<start.lowerBound] + value
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    private static func isVariableName(_ name: Substring) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
