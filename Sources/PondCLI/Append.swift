import ArgumentParser
import Foundation
import Pond

struct Append: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        _superCommandName: "pond",
        abstract: "Add bytes to the end of a file, as a new version of it.",
        discussion: """
            Reads SRC (a host file, or standard input when SRC is - or not given) and adds \
            its bytes to the end of the pond file at PATH, creating PATH if it does not \
            exist. Only the file's last chunk is read and cut again with the new bytes, so \
            appending a line to a file of any size costs about the line. For a table \
            (.csv, .tsv, .jsonl), each row keeps the version that appended it: \
            pond sql 'SELECT _version, count(*) FROM "/PATH" GROUP BY _version' shows \
            when the rows arrived. A CSV or TSV append holds rows only, no header.

            Appended rows are checked first: bytes that would leave a table unreadable \
            (a wrong field count, bad quoting, invalid UTF-8, the header again, a row \
            glued to a last line that had no line break, another format) are refused, \
            naming the line, and nothing changes. --as-bytes appends them anyway.

            Examples:
              printf '2026-12-01T10:00,a,12.5\\n' | pond append /sensors/a.csv
              pond append /logs/events.jsonl host:///var/log/new.jsonl
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: ArgumentHelp("The pond file to append to.", valueName: "path"), completion: PondPathCompletion.kind)
    var path: String
    @Argument(help: ArgumentHelp("Where the bytes come from: a host path (or host:///abs/path), or - for standard input.",
                                 valueName: "src"))
    var source: String = "-"
    @Flag(name: .customLong("as-bytes"), help: "Append without checking that a table stays readable as one.")
    var asBytes = false

    func apply(to fs: FS) throws {
        if source == "-" {
            var input = HostIO.Source(descriptor: STDIN_FILENO, path: "standard input")
            try fs.root.append(path, from: &input, asBytes: asBytes)
            return
        }
        let host = CopyJob.hostPath(source)
        guard HostIO.kind(host) == .regular else {
            throw CLIError.hostRead(host, reason: HostIO.kind(host) == nil ? "no such file" : "not a regular file")
        }
        let descriptor = try HostIO.openForReading(host)
        defer { close(descriptor) }
        var input = HostIO.Source(descriptor: descriptor, path: host)
        try fs.root.append(path, from: &input, asBytes: asBytes)
    }
}
