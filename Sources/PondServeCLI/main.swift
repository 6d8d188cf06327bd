import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Pond

// `pond-serve`: what `pond serve` runs (as `pond push` runs `pond-remote`):
// the pages of a pond, live and read-only, at any version, over Hummingbird,
// which no other command links.
//
//     pond-serve POND_FILE PORT BIND_ADDRESS [CONFIG_PATH]
//
// It prints `Serving POND_FILE at http://ADDRESS:PORT/` on standard error
// once it listens (PORT 0: a free port, the one printed), and runs until
// it is stopped (Ctrl-C, SIGTERM).

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard (3...4).contains(arguments.count), let port = Int(arguments[1]), (0...65_535).contains(port) else {
    fail("usage: pond-serve POND_FILE PORT BIND_ADDRESS [CONFIG_PATH]")
}
let pondFile = arguments[0]
let bind = arguments[2]
let configPath = arguments.count > 3 && !arguments[3].isEmpty ? arguments[3] : nil

// Opened once here so that a missing or damaged pond is one line before the server starts.
do {
    try Pond.openReadOnly(at: pondFile).close()
} catch {
    fail("\(error)")
}

/// Answers one request: every page is made on a thread of the pool from a
/// pond opened read-only for it, so a slow query holds up no other request.
struct PondResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            return Self.response(.methodNotAllowed, page: "Only GET and HEAD: this server only reads.")
        }
        switch ServePath.parse(request.uri.path) {
        case .notFound:
            return Self.response(.notFound, page: "No such page.")
        case .redirect(let location):
            return Response(status: .found, headers: [.location: location])
        case .page(let path):
            let query = ServePath.query(request.uri.query)
            return try await NIOThreadPool.singleton.runIfActive { Self.page(path, query: query) }
        }
    }

    static func page(_ path: ServePath, query: [String: String]) -> Response {
        do {
            let pond = try Pond.openReadOnly(at: pondFile)
            defer { pond.close() }
            // A lazy clone's pages fetch the bytes they show through pond-remote, beside this executable.
            if pond.lazyRemote != nil, let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                pond.fetchMissingBytes(with: URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("pond-remote").path)
            }
            let head = try pond.headVersion.rawValue
            if let version = path.version, version > head {
                return response(.notFound, page: "No version \(version): the head is version \(head).")
            }
            let at = path.version.map { Version($0) }
            let pages = try pond.sitePages(at: at, config: try pond.siteConfig(at: at, path: configPath), live: true)
            switch try pages.content(path.segments, query: query) {
            case nil:
                return response(.notFound, page: "No such page.")
            case .html(let text):
                return response(.ok, type: "text/html; charset=utf-8", body: Array(text.utf8))
            case .svg(let text):
                return response(.ok, type: "image/svg+xml", body: Array(text.utf8))
            case .file(let path, let name):
                var headers = HTTPFields()
                headers[.contentDisposition] = "attachment; filename*=UTF-8''\(SiteHTML.segment(name))"
                return try streamed(type: "application/octet-stream", headers: headers) { try pages.source.copy(path, to: $0) }
            case .data(let sql, let format):
                return try streamed(type: format == "csv" ? "text/csv; charset=utf-8" : "application/vnd.apache.parquet") {
                    try pages.source.export(sql, format: format, to: $0)
                }
            case .redirect(let location):
                return Response(status: .found, headers: [.location: location])
            }
        } catch {
            return response(.internalServerError, page: "\(error)")
        }
    }

    /// A download of any size in bounded memory: `write` fills a scratch
    /// file, which is opened and unlinked at once (nothing is left behind,
    /// whatever the client does) and sent from the open file a piece at a time.
    static func streamed(type: String, headers extra: HTTPFields = [:], _ write: (String) throws -> Void) throws -> Response {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pond-serve-\(UUID().uuidString)").path
        defer { unlink(scratch) }
        try write(scratch)
        guard let handle = FileHandle(forReadingAtPath: scratch) else { throw CocoaError(.fileReadNoPermission) }
        let size = Int(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
        var headers = extra
        headers[.contentType] = type
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: size) { writer in
            defer { try? handle.close() }
            while let piece = try handle.read(upToCount: 256 << 10), !piece.isEmpty {
                try await writer.write(ByteBuffer(bytes: piece))
            }
            try await writer.finish(nil)
        })
    }

    static func response(_ status: HTTPResponse.Status, page text: String) -> Response {
        let html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(status.code)</title></head>"
            + "<body><h1>\(status.code) \(SiteHTML.escape(status.reasonPhrase))</h1><p>\(SiteHTML.escape(text))</p>"
            + "<p><a href=\"/at/head/\">Home</a></p></body></html>\n"
        return response(status, type: "text/html; charset=utf-8", body: Array(html.utf8))
    }

    static func response(_ status: HTTPResponse.Status, type: String, body: [UInt8], headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = type
        headers[.contentLength] = String(body.count)
        headers[.xContentTypeOptions] = "nosniff"
        // The pages need no script: none runs, whatever a name in the pond says.
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

// Hummingbird's own log lines (one per start) are not this command's output.
setenv("LOG_LEVEL", "error", 0)
let app = Application(
    responder: PondResponder(),
    configuration: .init(address: .hostname(bind, port: port), serverName: "pond-serve"),
    onServerRunning: { channel in
        let actual = channel.localAddress?.port ?? port
        let host = bind.contains(":") ? "[\(bind)]" : bind
        FileHandle.standardError.write(Data("Serving \(pondFile) at http://\(host):\(actual)/ (Ctrl-C stops)\n".utf8))
    }
)
do {
    try await app.runService()
} catch let error as IOError where error.errnoCode == EADDRINUSE {
    fail("cannot listen on \(bind):\(port): the port is in use (name another with --port, or --port 0 for any free one)")
} catch let error as IOError where error.errnoCode == EADDRNOTAVAIL {
    fail("cannot listen on \(bind): no interface of this machine has that address")
} catch {
    fail("\(error)")
}
