import ArgumentParser
import Foundation
import Pond

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        _superCommandName: "pond",
        abstract: "Let go of the stored bytes of old file versions, keeping the whole history.",
        discussion: """
            Keeps every version a rule names, and head: --keep-last N (the newest N), \
            --keep-within DURATION (committed within it: 30d, 12h, 90m, 2w, 1d12h), \
            --before V (V and later; V as --at takes it). With several rules, a version \
            any of them keeps is kept. Every kept version reads exactly as before. The \
            bytes of a file version that no kept version reads go, unless another kept \
            file version shares them (same bytes anywhere, or chunks of them).

            What stays: every log row, transaction and chain hash, so log, history, \
            diff, list --at, describe and fsck work at every version; reading a pruned \
            file version's bytes is an error naming the prune. The prune is one version \
            of its own (pond log shows its rule), one transaction, and then the file \
            shrinks (VACUUM). --dry-run prints what would go and changes nothing.

            Examples:
              pond prune --keep-last 10 --dry-run
              pond prune --keep-within 30d
              pond prune --before head~100
              pond prune --cache        # the kept results of derived files and rollups
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @Option(help: ArgumentHelp("Keep the newest N versions.", valueName: "n"))
    var keepLast: Int?
    @Option(help: ArgumentHelp("Keep the versions committed within this long before now: 30d, 12h, 90m, 45s, 2w, 1d12h.",
                               valueName: "duration"))
    var keepWithin: KeepDuration?
    @Option(help: ArgumentHelp("Keep this version and every later one (as --at takes it).", valueName: "version"))
    var before: VersionSpec?
    @Flag(help: "Print what would go, and change nothing.")
    var dryRun = false
    @Flag(help: "Let go of every kept result of derived files and rollups (they are computed again when read; no version is made).")
    var cache = false

    func validate() throws {
        if keepLast == nil && keepWithin == nil && before == nil && !cache {
            throw ValidationError("pond prune needs a rule of what to keep: --keep-last N, --keep-within DURATION or --before VERSION (or --cache)")
        }
        if let keepLast, keepLast < 1 { throw ValidationError("--keep-last must keep at least 1 version (head is always kept)") }
    }

    func run() throws {
        let opened = try pond.open()
        if cache {
            let kept = dryRun ? try opened.keptResults() : try opened.dropKeptResults()
            try output("\(dryRun ? "would drop" : "dropped") \(kept.entries) kept results of derived files and rollups, \(kept.bytes) bytes\n")
            if keepLast == nil && keepWithin == nil && before == nil { return }
        }
        let rule = PruneRule(keepLast: keepLast, keepWithin: keepWithin?.seconds, before: try before.map { try opened.version($0) })
        let result = try opened.prune(rule, message: commandLine(), note: write.message, dryRun: dryRun)
        if !dryRun { write.report(result.version) }
        let which = result.versions.isEmpty ? "" : " (written in versions \(Prune.ranges(result.versions)))"
        let kept = "versions \(result.keptFrom) to head are kept whole"
        if result.fileVersions == 0 {
            try output("nothing to prune: \(kept)\n")
        } else if dryRun {
            try output("would prune \(result.fileVersions) file versions\(which), freeing \(result.bytesFreed) bytes of chunks; \(kept); nothing was changed\n")
        } else {
            try output("pruned \(result.fileVersions) file versions\(which) as version \(result.version.map(String.init) ?? "-"), "
                       + "freeing \(result.bytesFreed) bytes of chunks: the file went from \(result.fileBytesBefore) to \(result.fileBytesAfter) bytes; \(kept)\n")
        }
    }

    /// `versions` (sorted) as runs: `2-5, 8, 10-11`.
    static func ranges(_ versions: [Version]) -> String {
        var runs: [(Int64, Int64)] = []
        for version in versions.map(\.rawValue) {
            if let last = runs.last, last.1 + 1 == version { runs[runs.count - 1].1 = version } else { runs.append((version, version)) }
        }
        return runs.map { $0.0 == $0.1 ? "\($0.0)" : "\($0.0)-\($0.1)" }.joined(separator: ", ")
    }
}

/// A span of time as `--keep-within` takes it: numbers with units (`s`,
/// `m`, `h`, `d`, `w`), as in `30d`, `12h` or `1d12h`.
struct KeepDuration: ExpressibleByArgument {
    let seconds: Double

    init?(argument: String) {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        var total = 0.0, digits = ""
        for character in argument {
            if character.isASCII && character.isNumber {
                digits.append(character)
            } else if let unit = units[character], let number = Double(digits) {
                total += number * unit
                digits = ""
            } else {
                return nil
            }
        }
        guard digits.isEmpty, total > 0 else { return nil }
        seconds = total
    }
}
