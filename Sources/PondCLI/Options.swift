import ArgumentParser
import Foundation
import Pond

/// `--pond PATH`: which pond file a command works on.
struct PondOptions: ParsableArguments {
    @Option(name: .customLong("pond"), help: ArgumentHelp("The pond file (default: $POND, else ./pond.db).", valueName: "path"))
    var path: String?

    /// The pond file: --pond, else $POND, else ./pond.db.
    var resolvedPath: String {
        // getenv(3), not ProcessInfo: that copies the whole environment first.
        path ?? getenv("POND").map { String(cString: $0) } ?? "pond.db"
    }

    /// Opens the pond, failing with one clear line if there is none.
    func open() throws -> Pond { keptOpen(try Pond.open(at: resolvedPath)) }

    /// Opens the pond only to check it (read-only, never migrated).
    func openForChecking() throws -> Pond { keptOpen(try Pond.openForChecking(at: resolvedPath)) }

    /// Creates a pond at the path.
    func create(message: String) throws -> Pond { keptOpen(try Pond.create(at: resolvedPath, message: message)) }
}

/// The ponds this process opened, held until it exits.
///
/// A command is a short process. Releasing GRDB's queue would make
/// libdispatch start a thread to dispose of it, which the exit then waits
/// for: about 0.4 ms of every command (strace -r). So ponds stay open, and
/// `checkpointOpenPonds` leaves each as one file before the process exits.
nonisolated(unsafe) private var openPonds: [Pond] = []

private func keptOpen(_ pond: Pond) -> Pond {
    openPonds.append(pond)
    return pond
}

/// Checkpoints every pond this process opened (see `Pond.checkpoint`): at
/// rest, a pond is one file. Called once, as the command exits.
func checkpointOpenPonds() {
    for pond in openPonds { pond.checkpoint() }
}

/// `--at`: which version a read command reads. `VersionSpec` says what it accepts.
struct AtOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Read as of this version: a number (1 to head), head, head~N, or an ISO-8601 time (2026-12-01, 2026-12-01T08:25, 2026-12-01T08:25:05.5, with Z or +02:00, else local time): the newest version committed at or before it.",
        valueName: "version|time"))
    var at: VersionSpec?

    /// The version `--at` names, nil for head.
    /// - Throws: `VersionSpecError` for a time before the first version or a
    ///   `head~N` before it; a number out of range fails when the pond reads it.
    func version(in pond: Pond) throws -> Version? {
        try at.map { try pond.version($0) }
    }
}

extension VersionSpec: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `--json`: machine-readable output.
struct JSONFlag: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false
}

/// Errors of the command line itself (bad values, host files).
enum CLIError: Error, CustomStringConvertible {
    case hostFileMissing(String)
    case hostRead(String, reason: String)
    case hostWrite(String, reason: String)
    case destinationNotADirectory(String)
    case sameDestination(String, String, String)
    case standardInputNeedsName(String)

    var description: String {
        switch self {
        case .hostFileMissing(let path): "no such host file or directory: \(path)"
        case .hostRead(let path, let reason): "cannot read host file \(path): \(reason)"
        case .hostWrite(let path, let reason): "cannot write \(path): \(reason)"
        case .sameDestination(let first, let second, let target):
            "\(first) and \(second) would both be copied to \(target); nothing was copied (copy them in two commands, or to different names)"
        case .standardInputNeedsName(let destination):
            "\(destination) is a directory; copying standard input (-) needs DEST to name the new file, like \(destination.hasSuffix("/") ? destination : destination + "/")data.txt"
        case .destinationNotADirectory(let path): "not a directory: \(path) (with several sources, or a trailing /, the destination must be an existing directory)"
        }
    }
}

/// The command line that made a version, as `pond log` shows it.
func commandLine() -> String {
    (["pond"] + CommandLine.arguments.dropFirst()).map { argument in
        argument.isEmpty || argument.contains(where: { " \t\n'\"\\$".contains($0) })
            ? "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
            : argument
    }.joined(separator: " ")
}

/// Writes `text` to standard output.
/// - Throws: `CLIError.hostWrite` if it cannot be written (a full disk).
func output(_ text: String) throws {
    var text = text
    try text.withUTF8 { try HostIO.writeAll(UnsafeRawBufferPointer($0), to: STDOUT_FILENO, path: "standard output") }
}

/// Writes `text` to standard error; a failure to write there is ignored,
/// as there is nowhere left to report it.
func printError(_ text: String) {
    var text = text
    text.withUTF8 { try? HostIO.writeAll(UnsafeRawBufferPointer($0), to: STDERR_FILENO, path: "standard error") }
}

/// Writes a warning line to standard error.
func warn(_ text: String) {
    printError("warning: \(text)\n")
}

/// Text for standard output gathered in a buffer of 64 KiB and written as it
/// fills, so that a long listing is never built whole in memory.
struct TextOutput {
    static let capacity = 1 << 16
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(TextOutput.capacity) }

    /// Adds `text`, writing the buffer out once it is full.
    /// - Throws: `CLIError.hostWrite` if it cannot be written.
    mutating func write(_ text: String) throws {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= TextOutput.capacity { try flush() }
    }

    /// Adds one table row: each cell but the last padded to its column's
    /// width, then two spaces.
    mutating func writeRow(_ cells: [String], widths: [Int]) throws {
        for (i, cell) in cells.enumerated() {
            try write(cell)
            if i < cells.count - 1 {
                buffer.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(widths[i] - displayWidth(cell), 0) + 2))
            }
        }
        try write("\n")
    }

    /// Writes out what the buffer holds.
    mutating func flush() throws {
        try buffer.withUnsafeBytes { try HostIO.writeAll($0, to: STDOUT_FILENO, path: "standard output") }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// `value` as JSON text, keys sorted, followed by a newline.
func json(_ value: Any) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// Writes rows to standard output as text columns, each padded to its
/// widest cell; the last column is not padded.
///
/// The last column (a command line, a name) is never measured, and the text
/// goes out 64 KiB at a time: `pond log` prints 10,000 rows this way
/// (Benchmarks/bench.py, W5).
/// - Throws: `CLIError.hostWrite` if standard output cannot be written.
func printTable(_ rows: [[String]]) throws {
    guard let columns = rows.map(\.count).max() else { return }
    var widths = Array(repeating: 0, count: columns)
    for row in rows {
        for (i, cell) in row.enumerated() where i < columns - 1 {
            widths[i] = max(widths[i], displayWidth(cell))
        }
    }
    var text = TextOutput()
    for row in rows { try text.writeRow(row, widths: widths) }
    try text.flush()
}

/// How many columns `text` takes: its UTF-8 length when it is ASCII (as most
/// cells are), else its count of characters.
func displayWidth(_ text: String) -> Int {
    var text = text
    let ascii = text.withUTF8 { bytes in bytes.allSatisfy { $0 < 0x80 } }
    return ascii ? text.utf8.count : text.count
}

/// A command that changes the pond: run alone it is one transaction and one
/// version; `pond batch` runs several in one.
protocol MutatingCommand: ParsableCommand {
    var pond: PondOptions { get }
    /// Makes the command's changes inside the caller's transaction.
    func apply(to fs: FS) throws
}

extension MutatingCommand {
    func run() throws {
        try pond.open().write(message: commandLine()) { try apply(to: $0) }
    }
}
