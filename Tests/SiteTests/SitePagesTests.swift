import Foundation
import OpLog
import Tabular
import Testing
@testable import Site

/// A pond as the pages see it, in memory: what each question was asked, and canned answers.
final class FakeSource: SiteSource {
    var version: Int64 = 3
    var head: Int64 = 3
    var files: [String: [UInt8]] = [:]
    var range: (low: Int64, high: Int64)? = (ChartTests.start, ChartTests.start + 365 * 24 * ChartTests.hour)
    var rollupTables: [SiteRollup] = []
    var queries: [String] = []

    func info(_ path: String) throws -> SiteNode? {
        if path == "/" { return SiteNode(name: "/", path: "/", kind: .directory) }
        return files[path].map { SiteNode(name: String(path.split(separator: "/").last ?? ""), path: path, kind: .file, size: Int64($0.count), version: 1) }
    }
    func columns(_ table: String) throws -> [(name: String, type: ColumnType)] {
        [("timestamp", .text), ("temp", .real), ("station", .text), ("count", .integer)]
    }
    func list(_ path: String) throws -> [SiteNode] { try files.keys.sorted().compactMap { try info($0) } }
    func glob(_ pattern: String) throws -> [String] { pattern.contains("*") ? files.keys.sorted() : [pattern] }
    func read(_ path: String, limit: Int) throws -> (bytes: [UInt8], complete: Bool) {
        guard let bytes = files[path] else { throw SiteError.chart(source: path, "no such file") }
        return (Array(bytes.prefix(limit)), bytes.count <= limit)
    }
    func copy(_ path: String, to file: String) throws { try Data(files[path] ?? []).write(to: URL(fileURLWithPath: file)) }
    func history(_ path: String) throws -> [NodeEvent] { [] }
    func versions(limit: Int) throws -> [Transaction] { [] }
    func changes(from: Int64) throws -> [PathChange] { [] }
    func diff(_ path: String, from: Int64) throws -> [String]? { nil }
    func query(_ sql: String, rowLimit: Int, timeLimit: Double?) throws -> SiteResult {
        queries.append(sql)
        if sql.hasPrefix("SELECT * FROM") {
            return SiteResult(columns: ["timestamp", "temp", "station"], rows: [[.text("2026-01-01T00:00:00Z"), .real(1.5), .text("n")]], truncated: false)
        }
        // A chart's GROUP BY: a pixel column, then each series' low and high.
        let series = sql.components(separatedBy: "min(").count - 1
        return SiteResult(columns: ["px"] + (0..<series).flatMap { ["lo\($0)", "hi\($0)"] },
                          rows: (0..<10).map { i in [.integer(Int64(i * 70))] + (0..<series).flatMap { _ in [.real(Double(i)), .real(Double(i) + 1)] } },
                          truncated: false)
    }
    func export(_ sql: String, format: String, to file: String) throws { try Data(sql.utf8).write(to: URL(fileURLWithPath: file)) }
    func timeRange(_ source: String) throws -> (low: Int64, high: Int64)? { range }
    func rollups(of source: String) throws -> [SiteRollup] { rollupTables }
}

@Suite struct SitePagesTests {
    static let config = try! SiteConfig(parsing: """
        title: Net <&>
        pages:
          - title: North
            text: /north.md
            charts:
              - source: /s/north.csv
                units: °C
        """, path: "/site.yaml")

    @Test func aChartDrawsEveryNumericColumnButTheTime() throws {
        let source = FakeSource()
        let chart = try ChartData(chart: SitePagesTests.config.pages[0].charts[0], source: source).make(title: "t")
        #expect(chart.series.map(\.name) == ["temp", "count"])
        #expect(chart.series[0].points.count == 10)
    }

    @Test func theCoarsestRollupWithAPointPerPixelColumnIsRead() throws {
        let source = FakeSource()
        let minute: Int64 = 60_000_000
        source.rollupTables = [SiteRollup(micros: minute, path: "/r/res=1m.csv", aggregates: ["min", "max"]),
                               SiteRollup(micros: 60 * minute, path: "/r/res=1h.csv", aggregates: ["min", "max"]),
                               SiteRollup(micros: 6 * 60 * minute, path: "/r/res=6h.csv", aggregates: ["avg"]),
                               SiteRollup(micros: 1_440 * minute, path: "/r/res=1d.csv", aggregates: ["min", "max"])]
        // A year over 720 pixel columns: 12 h a column. 1d is too coarse; 6h has no min and max; 1h it is.
        _ = try ChartData(chart: SitePagesTests.config.pages[0].charts[0], source: source).make(title: "t")
        let drawn = try #require(source.queries.last)
        #expect(drawn.contains("FROM \"/r/res=1h.csv\"") && drawn.contains("min(\"temp_min\"), max(\"temp_max\")"), "\(drawn)")
        // A day: two minutes a column: only 1m is fine enough.
        source.range = (ChartTests.start, ChartTests.start + 24 * ChartTests.hour)
        _ = try ChartData(chart: SitePagesTests.config.pages[0].charts[0], source: source).make(title: "t")
        #expect(source.queries.last!.contains("FROM \"/r/res=1m.csv\""))
        // Ten minutes: finer than any rollup: the source itself.
        source.range = (ChartTests.start, ChartTests.start + 10 * minute)
        _ = try ChartData(chart: SitePagesTests.config.pages[0].charts[0], source: source).make(title: "t")
        #expect(source.queries.last!.contains("FROM \"/s/north.csv\"") && source.queries.last!.contains("min(\"temp\")"))
    }

    @Test func pagesEscapeEveryNameAndLinkRelatively() throws {
        let source = FakeSource()
        source.files["/north.md"] = Array("# Hi\n\nSee <i>x</i> and **bold**\n\n<img src=x onerror=alert(1)>\n".utf8)
        source.files["/<b>x.csv"] = Array("a\n1\n".utf8)
        let pages = SitePages(source: source, config: SitePagesTests.config, live: true)
        guard case .html(let index)? = try pages.content([]) else { Issue.record("no index"); return }
        #expect(index.contains("Net &lt;&amp;&gt;") && !index.contains("<&>"))
        guard case .html(let page)? = try pages.content(["page", "1.html"]) else { Issue.record("no page"); return }
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;") && page.contains("See &lt;i&gt;x&lt;/i&gt; and <strong>bold</strong>"), "\(page)")
        #expect(!page.contains("<img") && !page.contains("<i>"))
        #expect(page.contains("href=\"../index.html\"") && page.contains("href=\"../data/1-1.csv\""))
        guard case .html(let tree)? = try pages.content(["tree", ""]) else { Issue.record("no tree"); return }
        #expect(tree.contains("href=\"../tree/%3Cb%3Ex.csv\"") && tree.contains(">&lt;b&gt;x.csv</a>"))
        // What is not a page is nothing; live pages only when live.
        #expect(try pages.content(["page", "2.html"]) == nil && pages.content(["nothing"]) == nil)
        let built = SitePages(source: source, config: SitePagesTests.config, live: false)
        #expect(try built.content(["tree", ""]) == nil && built.content(["sql"]) == nil)
        #expect(built.builtPaths == ["index.html", "page/1.html", "data/1-1.csv", "data/1-1.parquet"])
    }

    @Test func aBuildWritesOnlyWhatChangedAndRemovesWhatItNoLongerMakes() throws {
        let source = FakeSource()
        source.files["/north.md"] = Array("text".utf8)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try SiteBuilder.build(SitePages(source: source, config: SitePagesTests.config, live: false), into: directory)
        #expect(first.written.count == 4 && first.unchanged.isEmpty)
        let again = try SiteBuilder.build(SitePages(source: source, config: SitePagesTests.config, live: false), into: directory)
        #expect(again.written.isEmpty && again.unchanged.count == 4)
        source.files["/north.md"] = Array("other text".utf8)
        let changed = try SiteBuilder.build(SitePages(source: source, config: SitePagesTests.config, live: false), into: directory)
        #expect(changed.written == ["page/1.html"])
        let emptied = try SiteBuilder.build(SitePages(source: source, config: .empty, live: false), into: directory)
        #expect(emptied.removed.sorted() == ["data/1-1.csv", "data/1-1.parquet", "page/1.html"] && emptied.written == ["index.html"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/page").isEmpty)
    }
}

@Suite struct SiteConfigTests {
    @Test func aConfigAsDesignWritesIt() throws {
        let config = try SiteConfig(parsing: """
            title: Station network
            pages:
              - title: North station
                text: /docs/north.md
                charts:
                  - source: /sensors/north.csv
                    columns: [temp, hum]
                    title: Temperature and humidity
                    units: "°C / %"
                    span: 30d
            """, path: "/site.yaml")
        #expect(config.title == "Station network" && config.pages.count == 1 && config.pages[0].text == "/docs/north.md")
        let chart = config.pages[0].charts[0]
        #expect(chart.columns == ["temp", "hum"] && chart.units == "°C / %" && chart.span == 30 * 86_400_000_000)
    }

    @Test(arguments: [
        ("title: [a, b]\n", "line 1: title is text"),
        ("pages: {}\n", "line 1: pages is a list"),
        ("pages:\n  - charts: []\n", "line 2: a page needs a title"),
        ("pages:\n  - title: p\n    chart: []\n", "line 3: a page has no field 'chart'"),
        ("pages:\n  - title: p\n    charts:\n      - source: north.csv\n", "line 4: a chart's source is a pond path from the root"),
        ("pages:\n  - title: p\n    charts:\n      - source: /n.csv\n        span: 3 weeks\n", "line 5: span '3 weeks' is not a length of time"),
        ("title: x\n  bad: indent\n", "line 2"),
        ("- a list\n", "line 1: a site config is a mapping"),
    ])
    func mistakesNameTheirLine(text: String, said: String) {
        #expect(throws: SiteError.self) { try SiteConfig(parsing: text, path: "/site.yaml") }
        do {
            _ = try SiteConfig(parsing: text, path: "/site.yaml")
        } catch {
            #expect("\(error)".hasPrefix("/site.yaml: ") && "\(error)".contains(said), "\(error)")
        }
    }
}
