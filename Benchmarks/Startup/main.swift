// pond-startup: what a process costs before Pond's own work, in a binary
// built like `pond` (one static executable holding Foundation, GRDB and
// swift-argument-parser), so that Benchmarks/startup.sh can set each part of
// a `pond` command's time against its floor:
//
//   pond-startup none            start and exit
//   pond-startup parse PATH      swift-argument-parser parses one argument
//   pond-startup sqlite POND     SQLite's C API: open read-only, one SELECT
//   pond-startup grdb POND       the same through GRDB (DatabaseQueue, read)

import ArgumentParser
import GRDB
import GRDBSQLite

/// The smallest command: one argument, parsed as `pond` parses a subcommand.
struct Bare: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bare", _superCommandName: "pond-startup")
    @Argument var path: String
}

let query = "SELECT max(version) FROM versions"
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "none":
    break
case "parse":
    _ = try Bare.parseAsRoot(Array(arguments.dropFirst()))
case "sqlite" where arguments.count == 2:
    var connection: OpaquePointer?
    var statement: OpaquePointer?
    guard sqlite3_open_v2(arguments[1], &connection, SQLITE_OPEN_READONLY, nil) == SQLITE_OK,
          sqlite3_prepare_v2(connection, query, -1, &statement, nil) == SQLITE_OK,
          sqlite3_step(statement) == SQLITE_ROW
    else { fatalError("sqlite: \(String(cString: sqlite3_errmsg(connection)))") }
    print(sqlite3_column_int64(statement, 0))
    sqlite3_finalize(statement)
    sqlite3_close(connection)
case "grdb" where arguments.count == 2:
    var configuration = Configuration()
    configuration.readonly = true
    let queue = try DatabaseQueue(path: arguments[1], configuration: configuration)
    print(try queue.read { try Int64.fetchOne($0, sql: query) } ?? 0)
default:
    print("usage: pond-startup none | parse PATH | sqlite POND | grdb POND")
}
