import Tabular
import Yams

/// A site's config (DESIGN.md, "Pictures"): a YAML file in the pond,
/// `/site.yaml` unless told otherwise.
///
///     title: Station network
///     pages:
///       - title: North station
///         text: /docs/north.md
///         charts:
///           - source: /sensors/north.csv
///             columns: [temp, hum]
///             title: Temperature and humidity
///             units: "°C / %"
///             span: 30d
public struct SiteConfig: Equatable, Sendable {
    public struct Page: Equatable, Sendable {
        public var title: String
        /// A pond path to Markdown shown above the charts.
        public var text: String?
        public var charts: [Chart]
    }

    public struct Chart: Equatable, Sendable {
        /// A pond path or glob of tables with a time column.
        public var source: String
        /// The columns drawn; empty: every numeric one.
        public var columns: [String]
        public var title: String?
        public var units: String?
        /// The last stretch of time drawn (`30d`), in microseconds; nil: all of it.
        public var span: Int64?
    }

    public var title: String
    public var pages: [Page]

    /// The config a pond without one gets: its title and no pages.
    public static let empty = SiteConfig(title: "Pond", pages: [])

    /// Reads `text`, the file at `path`.
    /// - Throws: `SiteError.config` naming the file and line of the first problem.
    public init(parsing text: String, path: String) throws {
        func problem(_ node: Yams.Node?, _ what: String) -> SiteError {
            .config(path: path, line: node?.mark?.line ?? 1, what)
        }
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let what, let mark, _), .parser(_, let what, let mark, _), .composer(_, let what, let mark, _):
                throw SiteError.config(path: path, line: mark.line, what)
            default:
                throw SiteError.config(path: path, line: 1, String(describing: error).split(separator: "\n").first.map(String.init) ?? "not YAML")
            }
        }
        guard let root, case .mapping(let top) = root else { throw problem(root, "a site config is a mapping (title, pages)") }

        func fields(_ mapping: Yams.Node.Mapping, allowed: [String], in what: String) throws -> [String: Yams.Node] {
            var found: [String: Yams.Node] = [:]
            for (key, value) in mapping {
                guard let name = key.string, allowed.contains(name) else {
                    throw problem(key, "\(what) has no field '\(key.string ?? "?")' (it has \(allowed.joined(separator: ", ")))")
                }
                found[name] = value
            }
            return found
        }
        func string(_ node: Yams.Node?, _ what: String) throws -> String? {
            guard let node else { return nil }
            guard case .scalar(let scalar) = node else { throw problem(node, "\(what) is text") }
            return scalar.string
        }

        let settings = try fields(top, allowed: ["title", "pages"], in: "the site")
        title = try string(settings["title"], "title") ?? "Pond"
        pages = []
        guard let pageList = settings["pages"] else { return }
        guard case .sequence(let pageNodes) = pageList else { throw problem(pageList, "pages is a list") }
        for pageNode in pageNodes {
            guard case .mapping(let pageMapping) = pageNode else { throw problem(pageNode, "a page is a mapping (title, text, charts)") }
            let page = try fields(pageMapping, allowed: ["title", "text", "charts"], in: "a page")
            guard let pageTitle = try string(page["title"], "a page's title") else { throw problem(pageNode, "a page needs a title") }
            var charts: [Chart] = []
            if let chartList = page["charts"] {
                guard case .sequence(let chartNodes) = chartList else { throw problem(chartList, "charts is a list") }
                for chartNode in chartNodes {
                    guard case .mapping(let chartMapping) = chartNode else {
                        throw problem(chartNode, "a chart is a mapping (source, columns, title, units, span)")
                    }
                    let chart = try fields(chartMapping, allowed: ["source", "columns", "title", "units", "span"], in: "a chart")
                    guard let source = try string(chart["source"], "a chart's source") else { throw problem(chartNode, "a chart needs a source") }
                    guard source.hasPrefix("/") else { throw problem(chart["source"], "a chart's source is a pond path from the root: '\(source)'") }
                    var columns: [String] = []
                    if let columnList = chart["columns"] {
                        switch columnList {
                        case .sequence(let items): columns = try items.map { try string($0, "a column")! }
                        case .scalar(let one): columns = [one.string]
                        default: throw problem(columnList, "columns is a list of column names")
                        }
                    }
                    var span: Int64?
                    if let spanText = try string(chart["span"], "span") {
                        guard let micros = TimeColumn.width(spanText) else {
                            throw problem(chart["span"], "span '\(spanText)' is not a length of time (30d, 12h, 4w)")
                        }
                        span = micros
                    }
                    charts.append(Chart(source: source, columns: columns, title: try string(chart["title"], "a chart's title"),
                                        units: try string(chart["units"], "units"), span: span))
                }
            }
            pages.append(Page(title: pageTitle, text: try string(page["text"], "a page's text"), charts: charts))
        }
    }

    init(title: String, pages: [Page]) {
        self.title = title
        self.pages = pages
    }
}

/// What goes wrong making pages.
public enum SiteError: Error, Equatable, CustomStringConvertible {
    /// The config at `path` has a problem at `line`.
    case config(path: String, line: Int, String)
    /// A chart's source cannot be drawn.
    case chart(source: String, String)

    public var description: String {
        switch self {
        case .config(let path, let line, let what): return "\(path): line \(line): \(what)"
        case .chart(let source, let what): return "chart of \(source): \(what)"
        }
    }
}
