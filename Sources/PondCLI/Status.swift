import ArgumentParser
import Foundation
import Pond

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Describe the pond: file, schema version, head version, counts, size on disk.",
        discussion: """
            Example:
              pond status --json
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var format: JSONFlag

    func run() throws {
        let opened = try pond.open()
        let statistics = try opened.store.read { try $0.statistics() }
        let bytes = ["", "-wal"].reduce(Int64(0)) { total, suffix in
            let size = (try? FileManager.default.attributesOfItem(atPath: opened.path + suffix)[.size] as? Int64) ?? 0
            return total + size
        }
        let fields: [(String, Any)] = [
            ("file", opened.path), ("schema_version", statistics.schemaVersion),
            ("head_version", statistics.head.rawValue), ("nodes", statistics.nodes),
            ("rows", statistics.rows), ("size_bytes", bytes),
        ]
        if format.json {
            output(try json(Dictionary(uniqueKeysWithValues: fields)))
        } else {
            output(table(fields.map { [$0.0.replacingOccurrences(of: "_", with: " ") + ":", "\($0.1)"] }))
        }
    }
}
