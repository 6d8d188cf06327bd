import ArgumentParser
import Foundation
import Pond

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        _superCommandName: "pond",
        abstract: "Describe the pond: file, schema version, head version, counts, size on disk.",
        discussion: """
            head hash is the hash chain's hash of the head version: it covers every \
            transaction up to it. Note it somewhere else; if history is ever rewritten \
            behind Pond's back, `pond fsck` finds the break, and a different head hash \
            for the same version shows it too.

            A lazy clone (pond clone --lazy) says so, and how many of its file bytes are \
            local: local bytes of local + remote bytes.

            Example:
              pond status --json
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var format: JSONFlag

    func run() throws {
        let opened = try pond.open()
        let statistics = try opened.statistics()
        let kept = try opened.keptResults()
        let bytes = ["", "-wal"].reduce(Int64(0)) { total, suffix in
            var info = stat()
            return total + (stat(opened.path + suffix, &info) == 0 ? Int64(info.st_size) : 0)
        }
        var fields: [(String, Any)] = [
            ("file", opened.path), ("schema_version", statistics.schemaVersion),
            ("head_version", statistics.head.rawValue), ("nodes", statistics.nodes),
            ("rows", statistics.rows), ("size_bytes", bytes),
            ("head_hash", statistics.chainHash?.hexString ?? "none"),
            ("stored_bytes", statistics.storedBytes), ("pruned_file_versions", statistics.prunedFileVersions),
            ("kept_results", kept.entries), ("kept_result_bytes", kept.bytes),
        ]
        // A lazy clone: its remote, and its file bytes here of all it names.
        let lazy = try opened.lazyBytes()
        fields += [("lazy", opened.lazyRemote.map { "yes: a lazy clone of \($0)" } ?? "no")]
        if let lazy {
            fields += [("local_bytes", lazy.local), ("remote_bytes", lazy.remote),
                       ("local", "\(Bytes(lazy.local)) of \(Bytes(lazy.local + lazy.remote))"
                        + (lazy.remote > 0 ? " (pond fetch brings the rest)" : " (every byte is here)"))]
        }
        if format.json {
            try output(try json(Dictionary(uniqueKeysWithValues: fields)))
        } else {
            try printTable(fields.map { [$0.0.replacingOccurrences(of: "_", with: " ") + ":", "\($0.1)"] })
        }
    }
}
