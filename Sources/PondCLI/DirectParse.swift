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
            guard let line = catLine(arguments) else { return nil }
            var cat = Cat()
            cat.pond = pond(line.pond)
            cat.at = at(line.at)
            cat.paths = line.paths
            cat.sql = nil
            cat.format = nil
            command = cat
        case "log":
            // pond log [PATH] [--limit N] [--json] [--pond P]
            guard let parsed = options.take(values: ["--limit", "--pond"], flags: ["--json"]), parsed.operands.count <= 1 else { return nil }
            var log = Log()
            log.pond = pond(parsed.value("--pond"))
            var format = JSONFlag()
            format.json = parsed.has("--json")
            log.format = format
            if let limit = parsed.value("--limit") {
                guard let number = Int(argument: limit) else { return nil }
                log.limit = number
            } else {
                log.limit = nil
            }
            log.path = parsed.operands.first
            command = log
        case "copy":
            guard let job = copyLine(arguments) else { return nil }
            var copy = Copy()
            copy.pond = pond(job.pond)
            var write = WriteOptions()
            write.message = job.message
            write.quiet = job.quiet
            copy.write = write
            copy.at = at(job.at)
            copy.paths = job.paths
            command = copy
        case "list":
            // pond list [PATTERN...] [--at V] [-l|--long] [-H|--human] [--json] [--pond P]
            guard let parsed = options.take(values: ["--at", "--pond"], flags: ["-l", "-H", "--json"],
                                            aliases: [("--long", "-l"), ("--human", "-H")]),
                  let spec = version(parsed.value("--at")) else { return nil }
            var list = List()
            list.pond = pond(parsed.value("--pond"))
            list.at = at(spec)
            var format = JSONFlag()
            format.json = parsed.has("--json")
            list.format = format
            list.long = parsed.has("-l")
            list.human = parsed.has("-H")
            list.patterns = parsed.operands
            command = list
        case "diff":
            // pond diff FROM [TO] [PATH...] [--stat] [--name-only] [--exit-code] [--json] [--pond P]
            guard let parsed = options.take(values: ["--pond"], flags: ["--stat", "--name-only", "--exit-code", "--json"]),
                  let first = parsed.operands.first, let from = VersionSpec(argument: first) else { return nil }
            var diff = Diff()
            diff.pond = pond(parsed.value("--pond"))
            var format = JSONFlag()
            format.json = parsed.has("--json")
            diff.format = format
            diff.stat = parsed.has("--stat")
            diff.nameOnly = parsed.has("--name-only")
            diff.exitCode = parsed.has("--exit-code")
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

    /// A plain `pond cat PATH... [--at V] [--pond P]` line (`arguments`
    /// without the program name): its `--pond`, `--at` and paths; nil for any other line.
    static func catLine(_ arguments: [String]) -> (pond: String?, at: VersionSpec?, paths: [String])? {
        guard arguments.first == "cat", let parsed = Options(Array(arguments.dropFirst())).take(values: ["--at", "--pond"]),
              !parsed.operands.isEmpty, let at = version(parsed.value("--at")) else { return nil }
        return (parsed.value("--pond"), at, parsed.operands)
    }

    /// A plain `pond copy SRC... DEST [-m MESSAGE] [-q] [--at V] [--pond P]`
    /// line (`arguments` without the program name) as the job it asks for; nil for any other line.
    static func copyLine(_ arguments: [String]) -> CopyJob? {
        guard arguments.first == "copy",
              let parsed = Options(Array(arguments.dropFirst())).take(values: ["--at", "--pond", "-m", "--message"], flags: ["-q", "--quiet"],
                                                                      aliases: [("--message", "-m"), ("--quiet", "-q")]),
              !parsed.operands.isEmpty, let at = version(parsed.value("--at")) else { return nil }
        return CopyJob(pond: parsed.value("--pond"), message: parsed.value("-m"), quiet: parsed.has("-q"), at: at, paths: parsed.operands)
    }

    /// `--at`'s value: `.some(nil)` when it is not given, nil for text that is no version.
    private static func version(_ text: String?) -> VersionSpec?? {
        guard let text else { return .some(nil) }
        return VersionSpec(argument: text).map { .some($0) }
    }

    /// `--at`'s version as the option group holds it.
    private static func at(_ spec: VersionSpec?) -> AtOption {
        var option = AtOption()
        option.at = spec
        return option
    }

    /// Operands (a lone `-` is one), `--name VALUE` / `--name=VALUE` (and
    /// `-m VALUE`) options and flags, each given at most once; nil for
    /// anything else.
    ///
    /// Arrays, not sets or dictionaries of strings: the first of those in a
    /// process costs the Swift runtime a scan of every conformance record
    /// of the binary (String: Hashable), which a one-shot `pond cat` never
    /// needs otherwise.
    struct Options {
        let arguments: [String]
        init(_ arguments: [String]) { self.arguments = arguments }

        /// What `take` found.
        struct Parsed {
            var operands: [String] = []
            var values: [(name: String, value: String)] = []
            var flags: [String] = []

            func value(_ name: String) -> String? { values.first { $0.name == name }?.value }
            func has(_ flag: String) -> Bool { flags.contains(flag) }
        }

        func take(values names: [String], flags: [String] = [], aliases: [(spelled: String, name: String)] = []) -> Parsed? {
            var parsed = Parsed()
            var index = 0
            while index < arguments.count {
                let argument = arguments[index]
                index += 1
                guard argument.hasPrefix("-"), argument != "-" else {
                    parsed.operands.append(argument)
                    continue
                }
                let split = argument.hasPrefix("--") ? argument.firstIndex(of: "=") : nil
                let spelled = split.map { String(argument[..<$0]) } ?? argument
                let name = aliases.first { $0.spelled == spelled }?.name ?? spelled
                if flags.contains(name), split == nil {
                    guard !parsed.has(name) else { return nil }
                    parsed.flags.append(name)
                    continue
                }
                guard names.contains(name), parsed.value(name) == nil else { return nil }
                if let split {
                    parsed.values.append((name, String(argument[argument.index(after: split)...])))
                } else {
                    guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
                    parsed.values.append((name, arguments[index]))
                    index += 1
                }
            }
            return parsed
        }
    }
}
