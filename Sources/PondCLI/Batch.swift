import ArgumentParser
import Foundation
import Pond

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        _superCommandName: "pond",
        abstract: "Run pond commands, one per line, as ONE transaction and ONE version.",
        discussion: """
            Lines are commands that change the pond (mkdir, copy in, touch, rm, mv, ln, append, mknod), \
            written as on the command line, with or without a leading `pond`; quotes and \
            backslashes work as in a shell, and blank lines and lines starting with # are \
            skipped. If any line fails, the whole batch is rolled back and the failing \
            line is reported by its number. This is DuckPond's pending-then-commit \
            workflow: stage the lines in a file, then run them at once.

            Example:
              printf 'mkdir -p /in\\ncopy a.csv /in/\\nrm /old.csv\\n' | pond batch
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "A file of commands (default: standard input).")
    var file: String?

    /// A batch line that failed, with its number.
    struct LineError: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "batch line \(line): \(message)" }
    }

    func run() throws {
        let data: Data
        if let file {
            guard let contents = FileManager.default.contents(atPath: file) else { throw CLIError.hostFileMissing(file) }
            data = contents
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        var commands: [(line: Int, text: String, command: any MutatingCommand)] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var words: [String]
            do { words = try Batch.split(String(line)) } catch { throw LineError(line: number, message: "\(error)") }
            if words.first == "pond" { words.removeFirst() }
            if words.isEmpty || words[0].hasPrefix("#") { continue }
            let parsed: ParsableCommand
            do {
                parsed = try PondCommand.parse(words)
            } catch {
                throw LineError(line: number, message: PondCommand.message(for: error))
            }
            guard let command = parsed as? any MutatingCommand else {
                throw LineError(line: number, message: "'\(words[0])' does not change the pond; a batch takes mkdir, copy, touch, rm, mv, ln, append and mknod")
            }
            if file == nil, let copy = command as? Copy, copy.sources.contains("-") {
                throw LineError(line: number, message: "copy - would read standard input, which holds the batch itself; give the batch as a FILE")
            }
            if file == nil, let append = command as? Append, append.source == "-" {
                throw LineError(line: number, message: "append would read standard input, which holds the batch itself; give the batch as a FILE, or append a host file")
            }
            if command.pond.path != nil {
                throw LineError(line: number, message: "--pond belongs on the batch command, not on its lines")
            }
            commands.append((number, words.joined(separator: " "), command))
        }
        // The version records the lines it ran, so that the log says what the batch did.
        let lines = commands.map(\.text).joined(separator: "; ")
        let (_, version) = try pond.open().commit(message: commandLine() + ": " + lines, note: write.message) { fs in
            for (line, _, command) in commands {
                do { try command.apply(to: fs) } catch { throw LineError(line: line, message: "\(error)") }
            }
        }
        write.report(version)
    }

    /// Splits a line into words as a POSIX shell would: whitespace separates,
    /// single quotes keep everything, double quotes keep all but `\\` escapes,
    /// a backslash escapes the next character.
    static func split(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            switch (quote, character) {
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case ("'", _):
                current.append(character)
            case ("\"", "\\"), (nil, "\\"):
                guard let next = iterator.next() else { throw ValidationError("a line ends with '\\'") }
                current.append(next)
                inWord = true
            case ("\"", _):
                current.append(character)
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case (nil, " "), (nil, "\t"), (nil, "\r"):
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if let quote { throw ValidationError("unclosed \(quote)") }
        if inWord { words.append(current) }
        return words
    }
}
