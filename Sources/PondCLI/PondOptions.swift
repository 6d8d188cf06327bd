import ArgumentParser
import Foundation
import Pond

/// `--pond PATH`: which pond file a command works on.
struct PondOptions: ParsableArguments {
    @Option(name: .customLong("pond"), help: ArgumentHelp("The pond file (default: $POND, else ./pond.db).", valueName: "path"))
    var path: String?

    /// The pond file: --pond, else $POND, else ./pond.db.
    var resolvedPath: String { PondOptions.resolve(path) }

    /// The pond file that a `--pond` of `path` (nil: none given) names.
    static func resolve(_ path: String?) -> String {
        // getenv(3), not ProcessInfo: that copies the whole environment first.
        path ?? getenv("POND").map { String(cString: $0) } ?? "pond.db"
    }

    /// Opens the pond, failing with one clear line if there is none.
    func open() throws -> Pond { try PondOptions.open(path) }

    /// Opens the pond a `--pond` of `path` (nil: none given) names, as `open()` does.
    static func open(_ path: String?) throws -> Pond { keptOpen(try Pond.open(at: resolve(path))) }

    /// Opens the pond only to check it (read-only, never migrated).
    func openForChecking() throws -> Pond { keptOpen(try Pond.openForChecking(at: resolvedPath)) }

    /// Creates a pond at the path.
    func create(message: String) throws -> Pond { keptOpen(try Pond.create(at: resolvedPath, message: message)) }
}

/// The ponds this process opened, held until it exits.
///
/// A command is a short process. Releasing GRDB's queue would make
/// libdispatch start a thread to dispose of it, which the exit then waits
/// for (its cost is in the README, Benchmarks). So ponds stay open, and
/// `closeOpenPonds` leaves each as one file before the process exits.
nonisolated(unsafe) private var openPonds: [Pond] = []

private func keptOpen(_ pond: Pond) -> Pond {
    pond.onNotice = { warn($0) }
    // A lazy clone's reads fetch the bytes they need through pond-remote.
    if pond.lazyRemote != nil, let helper = try? RemoteHelper.path() { pond.fetchMissingBytes(with: helper) }
    openPonds.append(pond)
    return pond
}

/// Checkpoints and closes every pond this process opened (see
/// `Pond.close`): at rest, a pond is one file. Called once, as the command exits.
func closeOpenPonds() {
    // Asked before the close: the ponds this command wrote to with remotes pushed after every write.
    let pushes = openPonds.compactMap { pond in
        pond.lastCommitted == nil ? nil : (try? pond.autoPushRemotes()).flatMap { $0.isEmpty ? nil : (pond.path, $0) }
    }
    for pond in openPonds { pond.close() }
    RemoteHelper.pushAfterWrites(pushes)
}
