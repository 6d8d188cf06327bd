import Foundation
import Ink
import OpLog
import Tabular

/// The pages of a pond at one version (DESIGN.md, "Pictures"): the site's
/// own pages from its config (text and charts), and, served live, the tree,
/// each file, its history, the versions, a diff and a SQL box. Every page is
/// addressed by a site path relative to the site's root (`page/1.html`,
/// `tree/sensors/north.csv`) and links only relatively, so a built site works
/// from `file://` and `pond serve` under `/at/V/`.
public struct SitePages {
    public let source: any SiteSource
    public let config: SiteConfig
    /// Whether the live pages (tree, history, versions, diff, SQL) exist.
    public let live: Bool

    /// The most rows a table preview shows, and a SQL page.
    public static let previewRows = 20
    public static let sqlRows = 1_000
    /// How long a SQL page's statement may run, in seconds.
    public static let sqlSeconds = 5.0
    /// The most bytes of a text file a page shows.
    public static let textBytes = 256 * 1024

    public init(source: any SiteSource, config: SiteConfig, live: Bool) {
        self.source = source
        self.config = config
        self.live = live
    }

    /// What a site path is: a page, a download, or nothing.
    public enum Content: Equatable {
        case html(String)
        case svg(String)
        /// The pond file at `path`, to download (never shown as a page): `SiteSource.copy` writes its bytes out.
        case file(path: String, name: String)
        /// A chart's data, written by `export` when asked for.
        case data(sql: String, format: String)
        /// A directory's page lives at the path with a slash.
        case redirect(String)
    }

    /// The site path of a page about pond path `path`.
    static func treePath(_ path: String, directory: Bool) -> String {
        let segments = HTML.pathSegments(path)
        if segments.isEmpty { return "tree/" }
        return "tree/" + segments + (directory ? "/" : "")
    }

    // MARK: Routing

    /// The content at `sitePath` (decoded segments of the URL after the site root), or nil: not found.
    public func content(_ segments: [String], query: [String: String] = [:]) throws -> Content? {
        let here = segments.joined(separator: "/")
        switch segments.first {
        case nil, "", "index.html":
            return segments.count <= 1 ? .html(try index()) : nil
        case "page":
            guard segments.count == 2, let number = Int(segments[1].dropLast(5)), segments[1].hasSuffix(".html"),
                  config.pages.indices.contains(number - 1) else { return nil }
            return .html(try page(number, at: here))
        case "chart":
            guard segments.count == 2, let (page, chart) = SitePages.chartNumbers(segments[1], suffix: ".svg") else { return nil }
            return .svg(try drawChart(page: page, chart: chart))
        case "data":
            guard segments.count == 2 else { return nil }
            for format in ["csv", "parquet"] {
                if let (page, chart) = SitePages.chartNumbers(segments[1], suffix: "." + format),
                   let spec = chartSpec(page: page, chart: chart) {
                    // A chart that cannot be drawn has no download (its page says why).
                    guard let sql = try? ChartData(chart: spec, source: source).exportSQL() else { return nil }
                    return .data(sql: sql, format: format)
                }
            }
            return nil
        default:
            break
        }
        guard live else { return nil }
        let rest = "/" + segments.dropFirst().filter { !$0.isEmpty }.joined(separator: "/")
        switch segments[0] {
        case "tree":
            guard let node = try source.info(rest) else { return nil }
            if node.kind == .directory {
                guard here.hasSuffix("/") else { return .redirect(HTML.segment(segments[segments.count - 1]) + "/") }
                return .html(try directory(node, at: here))
            }
            return .html(try file(node, at: here))
        case "raw":
            guard let node = try source.info(rest), node.kind == .file else { return nil }
            return .file(path: rest, name: node.name)
        case "history":
            guard segments.count > 1, try source.info(rest) != nil || !(try source.history(rest)).isEmpty else { return nil }
            return .html(try history(rest, at: here))
        case "log":
            return segments.count == 1 ? .html(try versions(at: here)) : nil
        case "diff":
            guard segments.count == 2, let from = Int64(segments[1]), from >= 1, from <= source.head else { return nil }
            return .html(try diff(from: from, at: here))
        case "sql":
            return segments.count == 1 ? .html(sql(query["q"] ?? "", at: here)) : nil
        default:
            return nil
        }
    }

    static func chartNumbers(_ name: String, suffix: String) -> (Int, Int)? {
        guard name.hasSuffix(suffix) else { return nil }
        let parts = name.dropLast(suffix.count).split(separator: "-")
        guard parts.count == 2, let page = Int(parts[0]), let chart = Int(parts[1]) else { return nil }
        return (page, chart)
    }

    func chartSpec(page: Int, chart: Int) -> SiteConfig.Chart? {
        guard config.pages.indices.contains(page - 1), config.pages[page - 1].charts.indices.contains(chart - 1) else { return nil }
        return config.pages[page - 1].charts[chart - 1]
    }

    // MARK: The site's own pages

    /// Every path the built site has: its pages and each chart's downloads.
    public var builtPaths: [String] {
        var paths = ["index.html"]
        for (p, page) in config.pages.enumerated() {
            paths.append("page/\(p + 1).html")
            for c in page.charts.indices {
                paths.append("data/\(p + 1)-\(c + 1).csv")
                paths.append("data/\(p + 1)-\(c + 1).parquet")
            }
        }
        return paths
    }

    func trail(_ here: String, _ steps: [(String, String?)]) -> [(label: String, href: String?)] {
        [(config.title, HTML.relative(from: here, to: "index.html"))] + steps.map { ($0.0, $0.1.map { HTML.relative(from: here, to: $0) }) }
    }

    func index() throws -> String {
        var body = ""
        if config.pages.isEmpty {
            body += "<p class=\"muted\">This pond's site config has no pages.</p>\n"
        } else {
            body += "<ul class=\"pages\">\n"
            for (p, page) in config.pages.enumerated() {
                body += "<li><a href=\"page/\(p + 1).html\">\(HTML.escape(page.title))</a></li>\n"
            }
            body += "</ul>\n"
        }
        if live {
            body += "<h2>Browse</h2><ul><li><a href=\"tree/\">Files</a></li><li><a href=\"log\">Versions</a></li>"
            body += "<li><a href=\"sql\">SQL</a></li></ul>\n"
        }
        body += "<p class=\"muted\">Version \(source.version) of \(source.head).</p>\n"
        return HTML.page(title: config.title, site: config.title, trail: [(config.title, nil)], body: body)
    }

    func page(_ number: Int, at here: String) throws -> String {
        let page = config.pages[number - 1]
        var body = ""
        if let text = page.text {
            do {
                let markdown = String(decoding: try source.read(text, limit: SitePages.textBytes).bytes, as: UTF8.self)
                body += "<div class=\"text\">" + SitePages.markdown(markdown) + "</div>\n"
            } catch {
                body += "<p class=\"error\">\(HTML.escape(text)): \(HTML.escape(String(describing: error)))</p>\n"
            }
        }
        for (c, chart) in page.charts.enumerated() {
            let title = chart.title ?? chart.source
            body += "<section class=\"chart\"><h2>\(HTML.escape(title))</h2>\n"
            do {
                body += try ChartData(chart: chart, source: source).make(title: title).svg
                let name = "\(number)-\(c + 1)"
                body += "\n<p class=\"muted\">From <code>\(HTML.escape(chart.source))</code>. Data: "
                body += "<a href=\"\(HTML.relative(from: here, to: "data/\(name).csv"))\" download>CSV</a>, "
                body += "<a href=\"\(HTML.relative(from: here, to: "data/\(name).parquet"))\" download>Parquet</a></p>\n"
            } catch {
                body += "<p class=\"error\">\(HTML.escape(String(describing: error)))</p>\n"
            }
            body += "</section>\n"
        }
        return HTML.page(title: page.title, site: config.title, trail: trail(here, [(page.title, nil)]), body: body)
    }

    func drawChart(page: Int, chart: Int) throws -> String {
        guard let spec = chartSpec(page: page, chart: chart) else { throw SiteError.chart(source: "?", "no such chart") }
        return try ChartData(chart: spec, source: source).make(title: spec.title ?? spec.source).svg
    }

    /// Markdown as HTML (Ink); HTML written in it is shown as text, never run.
    static func markdown(_ text: String) -> String {
        var parser = MarkdownParser()
        parser.addModifier(Modifier(target: .html) { html, _ in HTML.escape(html) })
        return parser.html(from: text)
    }

    // MARK: Live pages

    func treeTrail(_ path: String, here: String) -> [(label: String, href: String?)] {
        var steps: [(String, String?)] = [("files", path == "/" ? nil : "tree/")]
        var so = ""
        let names = path.split(separator: "/").map(String.init)
        for (i, name) in names.enumerated() {
            so += "/" + name
            steps.append((name, i == names.count - 1 ? nil : SitePages.treePath(so, directory: true)))
        }
        return trail(here, steps)
    }

    func directory(_ node: SiteNode, at here: String) throws -> String {
        var rows: [[String]] = []
        for entry in try source.list(node.path) {
            let isDirectory = entry.kind == .directory
            let link = HTML.relative(from: here, to: SitePages.treePath(entry.path, directory: isDirectory))
            let name = HTML.escape(entry.name) + (isDirectory ? "/" : entry.kind == .symlink ? " → " + HTML.escape(entry.target ?? "") : "")
            rows.append([
                "<a href=\"\(link)\">\(name)</a>",
                entry.derived.map { "<span class=\"muted\">\(HTML.escape($0))</span>" } ?? entry.kind.rawValue,
                entry.size.map { String($0) } ?? "",
                entry.version.map { String($0) } ?? "",
            ])
        }
        let title = node.path
        var body = rows.isEmpty ? "<p class=\"muted\">Empty directory.</p>" : HTML.table(header: ["name", "kind", "size", "version"], rows: rows)
        body += "<p><a href=\"\(HTML.relative(from: here, to: "history/" + HTML.pathSegments(node.path)))\">History</a></p>"
        return HTML.page(title: title, site: config.title, trail: treeTrail(node.path, here: here), body: body)
    }

    func file(_ node: SiteNode, at here: String) throws -> String {
        var meta: [(String, String)] = [("path", HTML.escape(node.path)), ("kind", node.kind.rawValue)]
        if let size = node.size { meta.append(("size", "\(size) bytes")) }
        if let version = node.version { meta.append(("version", String(version))) }
        if let derived = node.derived { meta.append(("derived", HTML.escape(derived))) }
        if let target = node.target { meta.append(("target", HTML.escape(target))) }
        if let (low, high) = node.timeRange { meta.append(("time range", HTML.escape(low) + " – " + HTML.escape(high))) }
        var body = "<dl class=\"meta\">" + meta.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>\n"
        let segments = HTML.pathSegments(node.path)
        body += "<p><a href=\"\(HTML.relative(from: here, to: "raw/" + segments))\" download=\"\(HTML.escape(node.name))\">Download</a> · "
        body += "<a href=\"\(HTML.relative(from: here, to: "history/" + segments))\">History</a></p>\n"
        if let definition = node.definition {
            body += "<h2>Definition</h2><pre>\(HTML.escape(definition))</pre>\n"
        }
        if node.kind == .file, let columns = try? source.columns(node.path), !columns.isEmpty {
            // A table: its columns, a chart when it has a time column, and its first rows.
            body += "<h2>Columns</h2>" + HTML.table(header: ["column", "type"], rows: columns.map { [HTML.escape($0.name), $0.type.sql] })
            if TimeColumn.index(in: columns.map(\.name)) != nil {
                let spec = SiteConfig.Chart(source: node.path, columns: [], title: nil, units: nil, span: nil)
                do {
                    body += "<section class=\"chart\"><h2>Chart</h2>" + (try ChartData(chart: spec, source: source).make(title: node.name).svg) + "</section>\n"
                } catch {
                    body += "<p class=\"muted\">No chart: \(HTML.escape(String(describing: error)))</p>\n"
                }
            }
            if let preview = try? source.query("SELECT * FROM \(ChartData.quoted(node.path)) LIMIT \(SitePages.previewRows)",
                                               rowLimit: SitePages.previewRows, timeLimit: SitePages.sqlSeconds) {
                body += "<h2>First rows</h2>" + SitePages.resultTable(preview)
            }
        } else if node.kind == .file, node.derived == nil {
            let (bytes, complete) = try source.read(node.path, limit: SitePages.textBytes)
            if let text = String(validating: bytes, as: UTF8.self), !bytes.contains(0) {
                body += "<h2>Text</h2><pre>\(HTML.escape(text))\(complete ? "" : "\n…")</pre>\n"
            } else {
                body += "<p class=\"muted\">Binary content.</p>\n"
            }
        }
        return HTML.page(title: node.name, site: config.title, trail: treeTrail(node.path, here: here), body: body)
    }

    static func resultTable(_ result: SiteResult) -> String {
        let rows = result.rows.map { row in
            row.map { value -> String in
                switch value {
                case .null: return "<span class=\"muted\">NULL</span>"
                default: return HTML.escape(value.cellText)
                }
            }
        }
        var out = HTML.table(header: result.columns, rows: rows, classes: "result")
        out += "<p class=\"muted\">\(result.rows.count) row\(result.rows.count == 1 ? "" : "s")"
        out += result.truncated ? " shown: the row limit; more rows left out.</p>\n" : ".</p>\n"
        return out
    }

    func history(_ path: String, at here: String) throws -> String {
        let events = try source.history(path)
        let rows = events.reversed().map { event -> [String] in
            [
                "<a href=\"\(HTML.relative(from: here, to: "../\(event.version)/" + SitePages.treePath(event.path ?? path, directory: false)))\">\(event.version)</a>",
                HTML.escape(event.time), HTML.escape(event.kind.rawValue), event.size.map { String($0) } ?? "", HTML.escape(event.command),
            ]
        }
        let body = HTML.table(header: ["version", "time", "change", "size", "command"], rows: rows)
        return HTML.page(title: "History of \(path)", site: config.title, trail: treeTrail(path, here: here), body: body)
    }

    func versions(at here: String) throws -> String {
        let rows = try source.versions(limit: 200).map { transaction -> [String] in
            let number = transaction.version.rawValue
            return [
                "<a href=\"\(HTML.relative(from: here, to: "../\(number)/index.html"))\">\(number)</a>",
                HTML.escape(transaction.time),
                HTML.escape(transaction.message.map { "\(transaction.command): \($0)" } ?? transaction.command),
                number > 1 ? "<a href=\"\(HTML.relative(from: here, to: "../\(number)/diff/\(number - 1)"))\">changes</a>" : "",
            ]
        }
        return HTML.page(title: "Versions", site: config.title, trail: trail(here, [("versions", nil)]),
                         body: HTML.table(header: ["version", "time", "message", ""], rows: rows))
    }

    func diff(from: Int64, at here: String) throws -> String {
        var body = "<p>From version \(from) to \(source.version).</p>\n"
        let changes = try source.changes(from: from)
        if changes.isEmpty { body += "<p class=\"muted\">No path differs.</p>" }
        for change in changes {
            let path = change.path.description, isFile = change.type == .file
            let link = change.kind == .removed
                ? HTML.escape(path)
                : "<a href=\"\(HTML.relative(from: here, to: SitePages.treePath(path, directory: !isFile)))\">\(HTML.escape(path))</a>"
            body += "<h2>\(change.kind.rawValue) \(link)\(change.from.map { " <span class=\"muted\">from \(HTML.escape($0.description))</span>" } ?? "")</h2>\n"
            if isFile, change.kind == .modified || change.kind == .added, let lines = try source.diff(path, from: from) {
                body += "<pre class=\"diff\">"
                for line in lines.prefix(2_000) {
                    let cls = line.hasPrefix("+") ? "add" : line.hasPrefix("-") ? "del" : ""
                    body += "<span class=\"\(cls)\">\(HTML.escape(line))</span>\n"
                }
                body += lines.count > 2_000 ? "… \(lines.count - 2_000) more lines</pre>\n" : "</pre>\n"
            }
        }
        return HTML.page(title: "Changes since \(from)", site: config.title, trail: trail(here, [("versions", "log"), ("changes", nil)]), body: body)
    }

    func sql(_ query: String, at here: String) -> String {
        var body = "<form method=\"get\" action=\"\(HTML.relative(from: here, to: "sql"))\"><textarea name=\"q\" rows=\"5\">\(HTML.escape(query))</textarea>"
        body += "<p><button type=\"submit\">Run</button> <span class=\"muted\">Read-only, at version \(source.version); "
        body += "at most \(SitePages.sqlRows) rows and \(Int(SitePages.sqlSeconds)) seconds.</span></p></form>\n"
        if !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            do {
                body += SitePages.resultTable(try source.query(query, rowLimit: SitePages.sqlRows, timeLimit: SitePages.sqlSeconds))
            } catch {
                body += "<p class=\"error\">\(HTML.escape(String(describing: error)))</p>\n"
            }
        }
        return HTML.page(title: "SQL", site: config.title, trail: trail(here, [("SQL", nil)]), body: body)
    }
}
