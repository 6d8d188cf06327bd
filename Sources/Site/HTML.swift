/// HTML text and the page frame every page of a site shares: escaping,
/// links between pages, and one small stylesheet that reads well on a phone.
public enum HTML {
    /// `text` safe in an element's content or a quoted attribute.
    public static func escape(_ text: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// One path segment of a URL: everything but unreserved characters
    /// percent-encoded, so a name with `/`, `?`, `#`, `%` or spaces stays one segment.
    public static func segment(_ name: some StringProtocol) -> String {
        var out = ""
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// The pond path `path` (`/a/b.csv`) as URL segments (`a/b.csv`), each encoded.
    public static func pathSegments(_ path: String) -> String {
        path.split(separator: "/").map { segment($0) }.joined(separator: "/")
    }

    /// The relative URL from the page at `from` to the page at `to`, both
    /// site paths (`at/3/tree/a/index.html`): what keeps a built site working
    /// from `file://` and under any prefix.
    public static func relative(from: String, to: String) -> String {
        let depth = from.split(separator: "/", omittingEmptySubsequences: false).count - 1
        return String(repeating: "../", count: depth) + to
    }

    /// A whole page: `title`, the trail of links above it, and `body`.
    public static func page(title: String, site: String, trail: [(label: String, href: String?)], body: String) -> String {
        var crumbs: [String] = []
        for step in trail {
            if let href = step.href {
                crumbs.append("<a href=\"\(escape(href))\">\(escape(step.label))</a>")
            } else {
                crumbs.append("<span>\(escape(step.label))</span>")
            }
        }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · \(escape(site))</title>
        <style>\(stylesheet)</style>
        </head>
        <body>
        <nav class="trail">\(crumbs.joined(separator: " <span class=\"sep\">/</span> "))</nav>
        <main>
        <h1>\(escape(title))</h1>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    /// A table of `header` and `rows` (already HTML), scrolling sideways on a narrow screen.
    public static func table(header: [String], rows: [[String]], classes: String = "") -> String {
        var out = "<div class=\"scroll\"><table class=\"\(classes)\"><thead><tr>"
        out += header.map { "<th>\(escape($0))</th>" }.joined()
        out += "</tr></thead><tbody>\n"
        for row in rows { out += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>\n" }
        return out + "</tbody></table></div>\n"
    }

    static let stylesheet = """
    :root{--fg:#1d2330;--muted:#5f6b7a;--line:#d9dee5;--bg:#fff;--accent:#1f5fae}
    *{box-sizing:border-box}
    body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
    main{max-width:70rem;margin:0 auto;padding:0 1rem 3rem}
    nav.trail{padding:.6rem 1rem;border-bottom:1px solid var(--line);font-size:.95rem;overflow-wrap:anywhere}
    nav.trail .sep{color:var(--muted)}
    h1{font-size:1.5rem;margin:1rem 0 .5rem;overflow-wrap:anywhere}
    h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
    a{color:var(--accent)}
    .scroll{overflow-x:auto}
    table{border-collapse:collapse;font-size:.9rem}
    th,td{border-bottom:1px solid var(--line);padding:.25rem .6rem;text-align:left;vertical-align:top;white-space:nowrap}
    td.num,th.num{text-align:right}
    pre{background:#f5f7fa;padding:.75rem;overflow-x:auto;font-size:.85rem}
    .muted{color:var(--muted)}
    .chart{margin:1rem 0 2rem}
    .chart svg{width:100%;height:auto;max-width:60rem;display:block}
    .chart svg text{font:12px system-ui,sans-serif;fill:var(--fg)}
    .chart .grid{stroke:#e8ebef;stroke-width:1}
    .chart .axis{stroke:#8a94a3;stroke-width:1}
    .chart .series{fill:none;stroke-width:1.5;stroke-linejoin:round}
    dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
    dl.meta dt{color:var(--muted)}
    dl.meta dd{margin:0;overflow-wrap:anywhere}
    .diff .add{color:#116329}.diff .del{color:#a40e26}
    textarea{width:100%;font:14px ui-monospace,monospace}
    .error{color:#a40e26}
    """
}
