import ArgumentParser
import Foundation
import Pond

struct Sql: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        _superCommandName: "pond",
        abstract: "Run one read-only SQL statement over the pond's views and tables.",
        discussion: """
            Views: transactions, entries, entries_history, nodes, paths, file_contents \
            (Schema/views.sql documents each); tables: log, versions. With --at V the \
            views mean the tree as of version V. Nothing can be changed: the pond is \
            opened read-only and every action but reading is denied.

            Examples:
              pond sql "SELECT path, type FROM paths ORDER BY path"
              pond sql "SELECT * FROM entries WHERE parent_id = 0" --at 3 --format json
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @Option(help: "Output format.")
    var format: Format = .table
    @Argument(help: "The SQL statement (exactly one).")
    var query: String

    func run() throws {
        let opened = try pond.open()
        let result = try opened.query(query, at: try at.version(in: opened))
        switch format {
        case .table:
            try printTable([result.columns] + result.rows.map { $0.map(Sql.text) })
        case .csv:
            try output(([result.columns] + result.rows.map { $0.map(Sql.text) })
                .map { $0.map(Sql.csvField).joined(separator: ",") + "\n" }.joined())
        case .json:
            try output(try json(result.rows.map { row in
                Dictionary(uniqueKeysWithValues: zip(result.columns, row.map(Sql.jsonValue)))
            }))
        }
    }

    static func text(_ value: SQLValue) -> String {
        switch value {
        case .null: ""
        case .integer(let number): String(number)
        case .real(let number): String(number)
        case .text(let text): text
        case .blob(let data): "x'" + data.hexString + "'"
        }
    }

    static func jsonValue(_ value: SQLValue) -> Any {
        switch value {
        case .null: NSNull()
        case .integer(let number): number
        case .real(let number): number
        case .text(let text): text
        case .blob(let data): data.base64EncodedString()
        }
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
