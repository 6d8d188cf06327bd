import ArgumentParser
import Foundation
import Pond

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        _superCommandName: "pond",
        abstract: "Create or change resources from YAML documents, as one version.",
        discussion: """
            Each document (separated by ---) has a kind and that kind's fields:
              directory  path
              derived    path, query          (as pond mknod sql)
              visit      path, glob           (as pond mknod visit)
              reduce     path, source, every (a list: 1h, 1d, ...), agg, columns, time
              join       path, inputs (a mapping of scope to source), time
              pivot      path, source, column  (as pond mknod reduce, join, pivot)
              remote     name, url, endpoint, access_key_id, secret_access_key, auto_push
              collector  name, type (command, http or logfile), path, and command,
                         url or file by type, append (default: true for logfile)
              site       path (default /site.yaml), config (a mapping, written there as YAML)
            What is missing is created, what differs is changed, parents included, all \
            in ONE version; what already is as written is left alone, so applying the \
            same file again makes no version. Remotes are named in the pond as pond \
            remote add names them (no version of their own). Collectors are kept in \
            /etc/collectors/NAME/ and run by pond run. An unknown kind or field, a missing \
            field or one of the wrong type is an error naming the file, document and \
            line, before anything is written. Credentials are only ${env:NAME}, expanded \
            when used, never stored expanded; a collector's command or url may use them too.

            Prints each change made (with --dry-run, each it would make).

            Example (station.yaml):
              kind: directory
              path: /stations/north
              ---
              kind: collector
              name: north-log
              type: logfile
              file: /var/log/station/north.csv
              path: /stations/north/readings.csv
              ---
              kind: remote
              name: origin
              url: s3://sensors/pond
              endpoint: https://s3.example.net
              access_key_id: ${env:SENSORS_KEY_ID}
              secret_access_key: ${env:SENSORS_SECRET}
              auto_push: true

              pond apply -f station.yaml --dry-run
              pond apply -f station.yaml
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Option(name: [.customShort("f"), .customLong("file")], help: ArgumentHelp("A YAML file of documents (- for standard input); repeat for several.", valueName: "file"))
    var files: [String] = []
    @Flag(help: "Print what would change, and change nothing.")
    var dryRun = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one file: pond apply -f FILE.yaml") }
    }

    func run() throws {
        var resources: [Resource] = []
        for file in files {
            let bytes: Data
            if file == "-" {
                bytes = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let read = FileManager.default.contents(atPath: file) else {
                    throw CLIError.hostFileMissing(file)
                }
                bytes = read
            }
            guard let text = String(data: bytes, encoding: .utf8) else {
                throw ResourceError("\(file): not UTF-8 text")
            }
            resources += try ResourceDocuments.parse(text, file: file == "-" ? "standard input" : file)
        }
        let opened = try pond.open()
        if dryRun {
            let steps = try opened.plan(resources)
            try output(steps.isEmpty ? "nothing to change\n" : steps.map { "would \($0)\n" }.joined())
            return
        }
        let (steps, version) = try opened.apply(resources, message: commandLine(), note: write.message)
        try output(steps.map { "\($0)\n" }.joined())
        write.report(version)
    }
}
