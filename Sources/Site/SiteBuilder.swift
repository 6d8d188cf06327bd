import Foundation

/// Writes a site's pages into a host directory (`pond site build`): HTML
/// with the charts in it as SVG, and each chart's data as CSV and Parquet.
/// A file whose bytes are the same as what is there is not written again,
/// and a file an earlier build wrote that this one does not make is removed
/// (the list of what a build wrote is kept in `.pond-site` in the directory).
public enum SiteBuilder {
    public struct Outcome: Equatable, Sendable {
        /// The files written (new or changed), those left as they were, and those removed.
        public var written: [String] = []
        public var unchanged: [String] = []
        public var removed: [String] = []
    }

    static let manifest = ".pond-site"

    public static func build(_ pages: SitePages, into directory: String) throws -> Outcome {
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: directory)
        var outcome = Outcome()
        var made: [String] = []
        for path in pages.builtPaths {
            let target = root.appendingPathComponent(path)
            try files.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            let scratch = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).part")
            defer { try? files.removeItem(at: scratch) }
            switch try pages.content(path.split(separator: "/").map(String.init)) {
            case .html(let text)?, .svg(let text)?:
                try Data(text.utf8).write(to: scratch)
            case .file(let path, _)?:
                try pages.source.copy(path, to: scratch.path)
            case .data(let sql, let format)?:
                do {
                    try pages.source.export(sql, format: format, to: scratch.path)
                } catch {
                    // The chart's page says what is wrong with its source; it links no download.
                    continue
                }
            case .redirect?, nil:
                continue
            }
            made.append(path)
            if files.contentsEqual(atPath: scratch.path, andPath: target.path) {
                outcome.unchanged.append(path)
            } else {
                guard rename(scratch.path, target.path) == 0 else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
                }
                outcome.written.append(path)
            }
        }
        let manifestURL = root.appendingPathComponent(manifest)
        let before = (try? String(contentsOf: manifestURL, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        for stale in before where !made.contains(stale) && !stale.contains("..") {
            if (try? files.removeItem(at: root.appendingPathComponent(stale))) != nil { outcome.removed.append(stale) }
        }
        try Data(made.map { $0 + "\n" }.joined().utf8).write(to: manifestURL)
        return outcome
    }
}
