import ArgumentParser
import Pond

/// `--at`: which version a read command reads. `VersionSpec` says what it accepts.
struct AtOption: ParsableArguments {
    // Unconditional: `--at -1` is a value (refused as one), not a missing value and an option.
    @Option(parsing: .unconditional, help: ArgumentHelp(
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
