import ArgumentParser
import Foundation
import Pond

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        _superCommandName: "pond",
        abstract: "Run collectors: each run is one version, or none when nothing new arrived.",
        discussion: """
            Collectors are made by pond apply (kind: collector) and kept in the pond:
              command  runs a host command line with /bin/sh; its standard output is
                       written (or appended) to the collector's path; a non-zero exit
                       writes nothing
              http     GETs a URL (by pond-remote, beside pond) with If-None-Match and
                       If-Modified-Since; an unchanged body writes nothing
              logfile  appends the new whole lines of a host log file; a file rotated
                       away (app.log.1, app.log.1.gz, ... up to .9) is read to its end
                       first, a file truncated in place is read again from its start:
                       no line lost, none twice
            Each run is ONE version whose message names the collector. A failing \
            collector is one line on standard error naming it; the others still run, \
            and the pond keeps their work; the exit status is then 1. A run killed \
            at any moment leaves the pond at its last version. Two runs at once take \
            turns. Schedule with cron or a systemd timer (README, "Collect on a schedule"):
              */5 * * * *  pond run --all --pond /srv/station/pond.db

            Examples:
              pond run north-log
              pond run --all
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The collectors to run, by name.")
    var names: [String] = []
    @Flag(help: "Run every collector in the pond, in name order.")
    var all = false

    func validate() throws {
        if all == !names.isEmpty { throw ValidationError(all ? "give names or --all, not both" : "name a collector, or give --all") }
    }

    func run() throws {
        let opened = try pond.open()
        let collectors = all ? try opened.collectors() : try names.map { try opened.collector(named: $0) }
        var failed = 0
        for collector in collectors {
            do {
                let (outcome, version) = try opened.run(collector, http: HelperHTTP(), message: "pond run: collector \(collector.name)",
                                                        note: write.message)
                if case .collected(let bytes) = outcome, let version, !write.quiet, isatty(STDERR_FILENO) == 1 {
                    printError("pond: \(collector.name): version \(version), \(Bytes(bytes)) \(collector.append ? "appended to" : "written to") \(collector.path)\n")
                } else if !write.quiet, isatty(STDERR_FILENO) == 1 {
                    printError("pond: \(collector.name): nothing new\n")
                }
            } catch {
                failed += 1
                printError("pond: collector \(collector.name) failed: \(error)\n")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

/// GETs through `pond-remote http-get`, so that `pond` links no HTTP client.
private struct HelperHTTP: HTTPFetching {
    func get(url: String, etag: String?, lastModified: String?, into body: String) throws -> HTTPFetched {
        switch try RemoteHelper.run(["http-get", url, etag ?? "", lastModified ?? "", body]) {
        case .failure(let error): throw error
        case .success(let printed):
            // status \t etag \t last-modified, as pond-remote prints them.
            let fields = printed.trimmingCharacters(in: .newlines).split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, let status = Int(fields[0]) else {
                throw CLIError.remoteHelper("pond-remote http-get answered '\(printed.prefix(200))'")
            }
            return HTTPFetched(status: status, etag: fields[1].isEmpty ? nil : fields[1], lastModified: fields[2].isEmpty ? nil : fields[2])
        }
    }
}
