import ArgumentParser
import Pond

/// Command lines so plain that they need no parser (`pond cat PATH... [--at
/// V] [--pond P]`, and the plain forms of log, copy, list and diff written
/// beside each case), built here without swift-argument-parser.
///
/// Why: parsing with swift-argument-parser costs a short command a third of
/// its time (perf, README "Benchmarks"), most of it the Swift runtime's first
/// protocol-conformance look-ups (Mirror reflection of the property
/// wrappers) across every library of the one static executable. Only a
/// line made of the forms below is taken: every other token (any other
/// option, `--`, `-h`, an option value that does not parse) sends the whole
/// line to swift-argument-parser, so help, errors and every other form are
/// exactly its own; `DirectParseTests` checks that each line taken here
/// gives the command swift-argument-parser gives.
enum DirectParse {
    /// The command `arguments` (without the program name) make, nil when
    /// they are not one of the plain forms.
    static func command(_ arguments: [String]) -> ParsableCommand? {
        guard let name = arguments.first else { return nil }
        let options = Options(Array(arguments.dropFirst()))
        let command: ParsableCommand?
        switch name {
        case "cat":
            // pond cat PATH... [--at V] [--pond P]
            guard let parsed = options.take(values: ["--at", "--pond"]), !parsed.operands.isEmpty,
                  let at = at(parsed.values["--at"]) else { return nil }
            var cat = Cat()
            cat.pond = pond(parsed.values["--pond"])
            cat.at = at
            cat.paths = parsed.operands
            cat.sql = nil
            cat.format = nil
            command = cat
        case "log":
            // pond log [PATH] [--limit N] [--json] [--pond P]
            guard let parsed = options.take(values: ["--limit", "--pond"], flags: ["--json"]), parsed.operands.count <= 1 else { return nil }
            var log = Log()
            log.pond = pond(parsed.values["--pond"])
            var format = JSONFlag()
            format.json = parsed.flags.contains("--json")
            log.format = format
            if let limit = parsed.values["--limit"] {
                guard let number = Int(argument: limit) else { return nil }
                log.limit = number
            } else {
                log.limit = nil
            }
            log.path = parsed.operands.first
            command = log
        case "copy":
            // pond copy SRC... DEST [-m MESSAGE] [-q] [--at V] [--pond P]
            guard let parsed = options.take(values: ["--at", "--pond", "-m", "--message"], flags: ["-q", "--quiet"],
                                            aliases: ["--message": "-m", "--quiet": "-q"]),
                  !parsed.operands.isEmpty, let at = at(parsed.values["--at"]) else { return nil }
            var copy = Copy()
            copy.pond = pond(parsed.values["--pond"])
            var write = WriteOptions()
            write.message = parsed.values["-m"]
            write.quiet = parsed.flags.contains("-q")
            copy.write = write
            copy.at = at
            copy.paths = parsed.operands
            command = copy
        case "list":
            // pond list [PATTERN...] [--at V] [-l|--long] [-H|--human] [--json] [--pond P]
            guard let parsed = options.take(values: ["--at", "--pond"], flags: ["-l", "-H", "--json"],
                                            aliases: ["--long": "-l", "--human": "-H"]),
                  let at = at(parsed.values["--at"]) else { return nil }
            var list = List()
            list.pond = pond(parsed.values["--pond"])
            list.at = at
            var format = JSONFlag()
            format.json = parsed.flags.contains("--json")
            list.format = format
            list.long = parsed.flags.contains("-l")
            list.human = parsed.flags.contains("-H")
            list.patterns = parsed.operands
            command = list
        case "diff":
            // pond diff FROM [TO] [PATH...] [--stat] [--name-only] [--exit-code] [--json] [--pond P]
            guard let parsed = options.take(values: ["--pond"], flags: ["--stat", "--name-only", "--exit-code", "--json"]),
                  let first = parsed.operands.first, let from = VersionSpec(argument: first) else { return nil }
            var diff = Diff()
            diff.pond = pond(parsed.values["--pond"])
            var format = JSONFlag()
            format.json = parsed.flags.contains("--json")
            diff.format = format
            diff.stat = parsed.flags.contains("--stat")
            diff.nameOnly = parsed.flags.contains("--name-only")
            diff.exitCode = parsed.flags.contains("--exit-code")
            diff.from = from
            diff.rest = Array(parsed.operands.dropFirst())
            command = diff
        default:
            command = nil
        }
        // As swift-argument-parser would: a command that does not validate is its to report.
        guard var command, (try? command.validate()) != nil else { return nil }
        return command
    }

    /// `--pond`'s value as the option group holds it.
    private static func pond(_ path: String?) -> PondOptions {
        var options = PondOptions()
        options.path = path
        return options
    }

    /// `--at`'s value as the option group holds it; nil for text that is no version.
    private static func at(_ text: String?) -> AtOption? {
        var option = AtOption()
        guard let text else {
            option.at = nil
            return option
        }
        guard let spec = VersionSpec(argument: text) else { return nil }
        option.at = spec
        return option
    }

    /// Operands (a lone `-` is one), `--name VALUE` / `--name=VALUE` (and
    /// `-m VALUE`) options and flags, each given at most once; nil for
    /// anything else.
    struct Options {
        let arguments: [String]
        init(_ arguments: [String]) { self.arguments = arguments }

        func take(values names: Set<String>, flags: Set<String> = [], aliases: [String: String] = [:])
            -> (operands: [String], values: [String: String], flags: Set<String>)? {
            var operands: [String] = []
            var values: [String: String] = [:]
            var given: Set<String> = []
            var index = 0
            while index < arguments.count {
                let argument = arguments[index]
                index += 1
                guard argument.hasPrefix("-"), argument != "-" else {
                    operands.append(argument)
                    continue
                }
                let split = argument.hasPrefix("--") ? argument.firstIndex(of: "=") : nil
                let spelled = split.map { String(argument[..<$0]) } ?? argument
                let name = aliases[spelled] ?? spelled
                if flags.contains(name), split == nil {
                    guard given.insert(name).inserted else { return nil }
                    continue
                }
                guard names.contains(name), values[name] == nil else { return nil }
                if let split {
                    values[name] = String(argument[argument.index(after: split)...])
                } else {
                    guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
                    values[name] = arguments[index]
                    index += 1
                }
            }
            return (operands, values, given)
        }
    }
}
