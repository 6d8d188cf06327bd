import ArgumentParser
import Foundation
import Pond

struct SiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        _superCommandName: "pond",
        abstract: "Build a static website of the pond's data: pages of charts, text and downloads.",
        discussion: """
            The site is described by a YAML file in the pond, /site.yaml unless --config names \
            another: a title, and pages, each with a title, optional Markdown text from a pond \
            file, and charts of tables with a time column:

              title: Station network
              pages:
                - title: North station
                  text: /docs/north.md            # optional: Markdown from a pond file
                  charts:
                    - source: /sensors/north.csv  # a path or a glob
                      columns: [temp, hum]        # optional: every numeric column
                      title: Temperature and humidity
                      units: "°C / %"
                      span: 30d                   # optional: the last 30 days of data

            Each chart is SVG drawn by Pond (no script needed), from the minimum and maximum \
            of each pixel column, over the coarsest rollup of its source (pond mknod reduce) \
            that still has a point for every pixel column. `pond apply` writes the config \
            from a `kind: site` document. `pond serve` shows the same pages live.

            Example:
              pond site build ./public
              pond site build ./public --at 120 --config /sites/summary.yaml
            """,
        subcommands: [Build.self])

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build",
            abstract: "Write the site into a host directory.",
            discussion: """
                Writes index.html, page/N.html (with each chart as SVG in the page) and \
                data/N-M.csv and .parquet (each chart's rows, for download), linked relatively, \
                so the directory works from file:// and on any static host. Building again \
                rewrites only the files whose bytes changed, and removes what an earlier \
                build wrote that this one does not. Prints what changed.
                """)

        @OptionGroup var pond: PondOptions
        @OptionGroup var at: AtOption
        @Option(help: ArgumentHelp("The site config in the pond.", valueName: "path"))
        var config: String?
        @Argument(help: ArgumentHelp("The host directory to write the site into (made if missing).", valueName: "dir"))
        var directory: String

        func run() throws {
            let pond = try pond.open()
            let outcome = try pond.buildSite(into: directory, at: try at.version(in: pond), configPath: config)
            var text = ""
            for path in outcome.written { text += "wrote \(path)\n" }
            for path in outcome.removed { text += "removed \(path)\n" }
            text += "\(outcome.written.count) written, \(outcome.unchanged.count) unchanged, \(outcome.removed.count) removed\n"
            try output(text)
        }
    }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        _superCommandName: "pond",
        abstract: "Show the pond in a web browser, live and read-only, at any version.",
        discussion: """
            Serves the site's pages (pond site build's: its config's pages of charts) and the \
            whole pond: the tree, each file (a table's columns and first rows), its history, \
            the versions and what each changed, and a SQL box that runs pond sql's read-only \
            statements (at most 1,000 rows shown, stopped after 5 seconds). Every page is at \
            /at/VERSION/... and /at/head/... . No request changes the pond; no file outside \
            it is ever served. Listens on 127.0.0.1 unless --bind says otherwise; runs until \
            stopped (Ctrl-C). It is the helper pond-serve beside pond, so no other command \
            loads a web server.

            Example:
              pond serve                  # http://127.0.0.1:8080/
              pond serve --port 9000 --bind 0.0.0.0
            """)

    @OptionGroup var pond: PondOptions
    @Option(help: "The port to listen on (0: any free port, printed).")
    var port: Int = 8080
    @Option(help: ArgumentHelp("The address to listen on.", valueName: "address"))
    var bind: String = "127.0.0.1"
    @Option(help: ArgumentHelp("The site config in the pond.", valueName: "path"))
    var config: String?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port is 0 to 65535, not \(port)") }
    }

    func run() throws {
        // Opened here so that a missing pond is the usual one line, before the helper starts.
        _ = try pond.open()
        let helper = try RemoteHelper.path(of: "pond-serve", runBy: "pond serve")
        try RemoteHelper.exec([pond.resolvedPath, String(port), bind, config ?? ""], helper: helper)
    }
}
