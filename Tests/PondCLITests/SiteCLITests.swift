import Crypto
import Foundation
import Testing

/// `pond site build` and `pond serve`, through the built binaries, and in a
/// real browser (headless Chromium) where one is installed.
@Suite(.serialized) struct SiteCLITests {
    /// A pond of two stations, ten-minute readings over two weeks with a gap
    /// and a one-reading spike, Markdown text, and a site config.
    static func stations() throws -> CLIFixture {
        let fixture = try CLIFixture()
        var north = "timestamp,temp,hum\n", south = "timestamp,temp\n"
        let start = 1_767_225_600  // 2026-01-01T00:00:00Z
        let format = ISO8601DateFormatter()
        for i in 0..<2_000 {
            let time = format.string(from: Date(timeIntervalSince1970: TimeInterval(start + i * 600)))
            let temp = i == 1_000 ? "45" : (500..<600).contains(i) ? "" : String(format: "%.2f", 10 + 5 * sin(Double(i) / 50))
            north += "\(time),\(temp),\(50 + i % 7)\n"
            south += "\(time),\(String(format: "%.2f", 12 + 3 * cos(Double(i) / 40)))\n"
        }
        try fixture.hostFile("north.csv", north)
        try fixture.hostFile("south.csv", south)
        try fixture.hostFile("north.md", "# North\n\nHello <script>alert(1)</script> *world*.\n")
        try fixture.hostFile("site.yaml", """
            title: Station network
            pages:
              - title: North station
                text: /docs/north.md
                charts:
                  - source: /sensors/north.csv
                    columns: [temp, hum]
                    title: Temperature and humidity
                    units: "°C / %"
              - title: All stations
                charts:
                  - source: /sensors/*.csv
                    columns: [temp]
                    span: 2d

            """)
        for (arguments) in [["mkdir", "/sensors", "/docs"], ["copy", "north.csv", "south.csv", "/sensors/"],
                            ["copy", "north.md", "/docs/north.md"], ["copy", "site.yaml", "/site.yaml"],
                            ["mkdir", "/odd"], ["mkdir", "/odd/<script>alert(1)<"]] {
            let result = try fixture.runArguments(arguments + ["--pond", fixture.pondPath])
            precondition(result.status == 0, "\(arguments): \(result.stderr)")
        }
        try fixture.hostFile("odd.csv", "a,b\n1,2\n")
        #expect(try fixture.run("copy", "odd.csv", "/odd/<script>alert(1)</script>.csv").status == 0)
        return fixture
    }

    /// Every `href` and `src` of an HTML page, unescaped.
    static func links(_ html: String) -> [String] {
        var found: [String] = []
        for attribute in ["href=\"", "src=\""] {
            for piece in html.components(separatedBy: attribute).dropFirst() {
                found.append(String(piece.prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
                    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'"))
            }
        }
        return found
    }

    /// `link` resolved against the page at `base` (both URL paths; `base` ends in its file name or a slash).
    static func resolve(_ link: String, against base: String) -> String {
        if link.hasPrefix("/") { return link }
        var parts = base.split(separator: "/", omittingEmptySubsequences: false).dropLast().map(String.init)
        // An absolute base keeps its leading empty part (the root); a relative one may climb to the site's top.
        let floor = base.hasPrefix("/") ? 1 : 0
        for piece in link.split(separator: "/", omittingEmptySubsequences: false) {
            if piece == ".." { if parts.count > floor { parts.removeLast() } } else if piece != "." { parts.append(String(piece)) }
        }
        return parts.joined(separator: "/")
    }

    @Test func aBuiltSiteLinksOnlyToItsOwnFilesAndARebuildWritesOnlyWhatChanged() throws {
        let fixture = try SiteCLITests.stations()
        let out = fixture.directory.appendingPathComponent("public")
        let first = try fixture.run("site", "build", out.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasSuffix("7 written, 0 unchanged, 0 removed\n"), "\(first.stdout)")
        // Every link of every page is a file of the site (relative, so file:// works).
        var pages = ["index.html"], seen = Set(pages)
        while let page = pages.popLast() {
            let html = try String(contentsOf: out.appendingPathComponent(page), encoding: .utf8)
            for link in SiteCLITests.links(html) {
                #expect(!link.hasPrefix("/") && !link.contains("://"), "\(page) links \(link)")
                let target = SiteCLITests.resolve(link, against: page)
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(target).path), "\(page) links \(link): missing")
                if target.hasSuffix(".html"), seen.insert(target).inserted { pages.append(target) }
            }
        }
        #expect(seen == ["index.html", "page/1.html", "page/2.html"])
        let page = try String(contentsOf: out.appendingPathComponent("page/1.html"), encoding: .utf8)
        #expect(page.components(separatedBy: "<path class=\"series\"").count - 1 == 2)
        // A glob of two stations: a series per station, overlaid.
        let stations = try String(contentsOf: out.appendingPathComponent("page/2.html"), encoding: .utf8)
        #expect(stations.contains("data-series=\"north\"") && stations.contains("data-series=\"south\""))
        #expect(page.contains("Hello &lt;script&gt;alert(1)&lt;/script&gt; <em>world</em>."))
        #expect(!page.contains("<script"))
        // The downloads hold the chart's rows: pyarrow-free check of the CSV.
        let csv = try String(contentsOf: out.appendingPathComponent("data/1-1.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("time,temp,hum\n2026-01-01T00:00:00.000000Z,10.0,50\n"))
        #expect(csv.split(separator: "\n").count == 2_001)
        let parquet = try Data(contentsOf: out.appendingPathComponent("data/1-1.parquet"))
        #expect(parquet.prefix(4) == Data("PAR1".utf8) && parquet.suffix(4) == Data("PAR1".utf8))

        // The same version again: nothing written. A new reading in south: only what shows south changes.
        #expect(try fixture.run("site", "build", out.path).stdout == "0 written, 7 unchanged, 0 removed\n")
        try fixture.hostFile("more.csv", "2026-01-14T21:30:00Z,99\n")
        #expect(try fixture.run("append", "/sensors/south.csv", "more.csv").status == 0)
        let second = try fixture.run("site", "build", out.path)
        #expect(second.stdout == "wrote index.html\nwrote page/2.html\nwrote data/2-1.csv\nwrote data/2-1.parquet\n4 written, 3 unchanged, 0 removed\n",
                "\(second.stdout)")
        // A page taken out of the config: its files go.
        try fixture.hostFile("site.yaml", "title: Station network\npages:\n  - title: North station\n    charts:\n      - source: /sensors/north.csv\n")
        #expect(try fixture.run("copy", "site.yaml", "/site.yaml").status == 0)
        let third = try fixture.run("site", "build", out.path)
        #expect(third.stdout.hasSuffix("3 removed\n"), "\(third.stdout)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("page/2.html").path))
        // An older version is built as it was.
        #expect(try fixture.run("site", "build", out.path, "--at", "5").status == 0)
    }

    @Test func aConfigMistakeNamesItsLineAndNothingIsWritten() throws {
        let fixture = try SiteCLITests.stations()
        try fixture.hostFile("bad.yaml", "title: x\npages:\n  - title: p\n    charts:\n      - source: /sensors/north.csv\n        colour: red\n")
        #expect(try fixture.run("copy", "bad.yaml", "/bad.yaml").status == 0)
        let out = fixture.directory.appendingPathComponent("bad-site")
        let result = try fixture.run("site", "build", out.path, "--config", "/bad.yaml")
        #expect(result.status == 1)
        #expect(result.stderr == "Error: /bad.yaml: line 6: a chart has no field 'colour' (it has source, columns, title, units, span)\n", "\(result.stderr)")
        try fixture.hostFile("span.yaml", "title: x\npages:\n  - title: p\n    charts:\n      - source: /s.csv\n        span: a fortnight\n")
        #expect(try fixture.run("copy", "span.yaml", "/span.yaml").status == 0)
        #expect(try fixture.run("site", "build", out.path, "--config", "/span.yaml").stderr.contains("line 6: span 'a fortnight'"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("index.html").path))
        // A chart whose source cannot be drawn says so on its page; the rest of the site is built.
        try fixture.hostFile("gone.yaml", "pages:\n  - title: p\n    charts:\n      - source: /nothing.csv\n")
        #expect(try fixture.run("copy", "gone.yaml", "/gone.yaml").status == 0)
        #expect(try fixture.run("site", "build", out.path, "--config", "/gone.yaml").status == 0)
        let page = try String(contentsOf: out.appendingPathComponent("page/1.html"), encoding: .utf8)
        #expect(page.contains("class=\"error\""))
    }

    @Test func servedPagesAllResolveNeverEscapeThePondAndChangeNothing() throws {
        let fixture = try SiteCLITests.stations()
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture.pondPath))
        let server = try Server(fixture)
        defer { server.stop() }
        // Crawl from the root: every link answers (a redirect is followed once).
        var queue = ["/"], seen: Set<String> = ["/"]
        var visited = 0
        while !queue.isEmpty, visited < 400 {
            let path = queue.removeFirst()
            visited += 1
            var answer = try server.get(path)
            var at = path
            if answer.status == 302, let location = answer.location {
                at = SiteCLITests.resolve(location, against: path)
                answer = try server.get(at)
            }
            #expect(answer.status == 200, "\(path) -> \(answer.status)")
            guard answer.type.hasPrefix("text/html") else { continue }
            for link in SiteCLITests.links(answer.text) where !link.contains("://") {
                let target = SiteCLITests.resolve(link, against: at)
                if seen.insert(target).inserted { queue.append(target) }
            }
        }
        #expect(visited >= 25, "only \(visited) pages crawled")
        #expect(seen.contains { $0.hasPrefix("/at/head/history/") } && seen.contains { $0.contains("/diff/") })
        // A name that is markup shows as text, everywhere it is listed.
        let odd = try server.get("/at/head/tree/odd/%3Cscript%3Ealert(1)%3C/")
        #expect(odd.status == 200 && odd.text.contains(">script&gt;.csv</a>") && odd.text.contains("&lt;script&gt;alert(1)&lt;"))
        #expect(!odd.text.contains("<script"))
        // Nothing outside the pond: dot segments, encoded slashes, NUL, versions past the head.
        for escape in ["/at/head/tree/../../etc/passwd", "/at/head/tree/%2e%2e/%2e%2e/etc/passwd", "/at/head/raw/sensors%2Fnorth.csv",
                       "/at/head/raw/%00", "/at/head/tree/x%5C..%5C", "/etc/passwd", "/at/999/", "/at/0/", "/at/-1/", "/at/head/raw/docs"] {
            #expect(try server.get(escape).status == 404, "\(escape)")
        }
        // Downloads stream from a scratch file: the bytes whole, at the length announced.
        let raw = try server.get("/at/head/raw/sensors/north.csv")
        #expect(raw.type == "application/octet-stream")
        #expect(raw.text == (try String(contentsOf: fixture.directory.appendingPathComponent("north.csv"), encoding: .utf8)))
        let data = try server.get("/at/head/data/1-1.csv")
        #expect(data.type.hasPrefix("text/csv") && data.text.hasPrefix("time,temp,hum\n") && data.text.split(separator: "\n").count == 2_001)
        // SQL: answers, its row limit said as such, a write refused, a long statement stopped at its time limit.
        let count = try server.get("/at/head/sql?q=SELECT+count(*)+AS+n+FROM+%22/sensors/north.csv%22")
        #expect(count.text.contains("<td>2000</td>"))
        let many = try server.get("/at/head/sql?q=WITH+RECURSIVE+c(i)+AS+(SELECT+1+UNION+ALL+SELECT+i%2B1+FROM+c+LIMIT+5000)+SELECT+i+FROM+c")
        #expect(many.text.contains("1000 rows shown: the row limit"))
        let write = try server.get("/at/head/sql?q=DELETE+FROM+log")
        #expect(write.text.contains("class=\"error\"") && write.text.contains("denied"))
        let started = Date()
        let slow = try server.get("/at/head/sql?q=WITH+RECURSIVE+c(i)+AS+(SELECT+1+UNION+ALL+SELECT+i%2B1+FROM+c)+SELECT+count(*)+FROM+c")
        #expect(slow.text.contains("time limit of 5 seconds"), "\(slow.text)")
        #expect(Date().timeIntervalSince(started) < 20)
        // An older version's pages show that version.
        let early = try server.get("/at/5/tree/").text, late = try server.get("/at/head/tree/").text
        #expect(early.contains(">sensors/</a>") && !early.contains(">odd/</a>") && late.contains(">odd/</a>"))
        // A second server on the same port: one line, and it exits.
        let busy = try fixture.run("serve", "--port", String(server.port))
        #expect(busy.status == 1 && busy.stderr.contains("the port is in use"), "\(busy.stderr)")
        server.stop()
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.pondPath)) == before)
    }

    @Test func pagesInARealBrowser() throws {
        guard let browser = Browser.find() else { return }
        let fixture = try SiteCLITests.stations()
        let out = fixture.directory.appendingPathComponent("public")
        #expect(try fixture.run("site", "build", out.path).status == 0)
        // The built page from file://, as the browser's DOM sees it.
        let dom = try browser.dom("file://" + out.appendingPathComponent("page/1.html").path, fixture.directory)
        #expect(dom.components(separatedBy: "<path class=\"series\"").count - 1 == 2)
        #expect(dom.contains("<g class=\"legend\">") && dom.contains(">temp</text>") && dom.contains(">hum</text>"))
        #expect(dom.contains("time (UTC)") && dom.contains(">2026-01-01</text>"))
        #expect(!dom.contains("<script"))
        // A screenshot of the chart is not blank: it holds far more than an empty page's.
        let shot = fixture.directory.appendingPathComponent("chart.png").path
        let blank = fixture.directory.appendingPathComponent("blank.png").path
        try fixture.hostFile("blank.html", "<!DOCTYPE html><html><body></body></html>")
        try browser.screenshot("file://" + out.appendingPathComponent("page/1.html").path, to: shot, fixture.directory)
        try browser.screenshot("file://" + fixture.directory.appendingPathComponent("blank.html").path, to: blank, fixture.directory)
        let shotSize = try FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int ?? 0
        let blankSize = try FileManager.default.attributesOfItem(atPath: blank)[.size] as? Int ?? 0
        #expect(blankSize > 0 && shotSize > 4 * blankSize, "chart \(shotSize) bytes, blank \(blankSize)")

        // Served: the same chart, and a name that is markup shown as text, not run.
        let server = try Server(fixture)
        defer { server.stop() }
        let served = try browser.dom(server.url + "at/head/page/1.html", fixture.directory)
        #expect(served.components(separatedBy: "<path class=\"series\"").count - 1 == 2)
        let odd = try browser.dom(server.url + "at/head/tree/odd/%3Cscript%3Ealert(1)%3C/", fixture.directory)
        #expect(odd.contains(">script&gt;.csv</a>") && !odd.contains("<script"))
        let file = try browser.dom(server.url + "at/head/tree/odd/%3Cscript%3Ealert(1)%3C/script%3E.csv", fixture.directory)
        #expect(file.contains("<h1>script&gt;.csv</h1>") && file.contains("<th>a</th>"), "\(file)")
    }
}

/// `pond serve --port 0` on the fixture's pond, stopped by its process id.
final class Server: @unchecked Sendable {
    let process = Process()
    let url: String
    let port: UInt16

    init(_ fixture: CLIFixture) throws {
        let log = fixture.directory.appendingPathComponent("serve-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = CLIFixture.binary
        process.arguments = ["serve", "--port", "0", "--pond", fixture.pondPath]
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // It says where it listens once it does: wait for that, at most 30 s.
        let deadline = Date().addingTimeInterval(30)
        var said = ""
        while Date() < deadline, process.isRunning {
            said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if said.contains("http://") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let range = said.range(of: "http://127.0.0.1:"), let port = UInt16(said[range.upperBound...].prefix { $0.isNumber }) else {
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "pond serve did not start: \(said)"])
        }
        self.port = port
        url = "http://127.0.0.1:\(port)/"
    }

    /// Stops the server (TERM, then KILL after 5 s) and waits for it.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    struct Answer {
        var status: Int
        var type: String
        var location: String?
        var text: String
    }

    /// One GET of `path` exactly as written (no URL library normalizes its dots), HTTP/1.0 over loopback, 30 s at most.
    func get(_ path: String) throws -> Answer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { throw POSIXError(.EIO) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        // Until the server closes, or the body its Content-Length announces is in.
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            response += buffer[..<count]
            let text = String(decoding: response, as: UTF8.self)
            if let split = text.range(of: "\r\n\r\n"),
               let length = text[..<split.lowerBound].split(separator: "\r\n")
                .first(where: { $0.lowercased().hasPrefix("content-length:") })
                .flatMap({ Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) }),
               text.utf8.distance(from: split.upperBound.samePosition(in: text.utf8)!, to: text.utf8.endIndex) >= length {
                break
            }
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw POSIXError(.EIO) }
        let head = text[..<split.lowerBound].split(separator: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        func header(_ name: String) -> String? {
            head.dropFirst().first { $0.lowercased().hasPrefix(name + ":") }.map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        return Answer(status: status, type: header("content-type") ?? "", location: header("location"), text: String(text[split.upperBound...]))
    }
}

/// Headless Chromium, when installed (`POND_REQUIRE_CHROMIUM=1`: it must be).
struct Browser {
    let path: String

    static func find() -> Browser? {
        let environment = ProcessInfo.processInfo.environment
        for candidate in [environment["POND_CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].compactMap({ $0 })
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return Browser(path: candidate)
        }
        #expect(environment["POND_REQUIRE_CHROMIUM"] != "1", "POND_REQUIRE_CHROMIUM=1 but no chromium is installed")
        return nil
    }

    /// Runs the browser with `arguments`, at most 60 s; its standard output.
    func run(_ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        let profile = directory.appendingPathComponent("chromium-\(UUID().uuidString)").path
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--no-first-run"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        process.environment = environment
        let out = directory.appendingPathComponent("chromium-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return try String(contentsOf: out, encoding: .utf8)
    }

    func dom(_ url: String, _ directory: URL) throws -> String { try run(["--dump-dom", url], in: directory) }

    func screenshot(_ url: String, to file: String, _ directory: URL) throws {
        _ = try run(["--screenshot=\(file)", "--window-size=1000,1200", "--hide-scrollbars", url], in: directory)
    }
}
