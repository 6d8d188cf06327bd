import Foundation
import GRDB

/// Waiting for another writer (DESIGN.md: one writer at a time): SQLite's
/// busy handler, which sleeps and retries up to `LogStore.busyTimeout`,
/// tells `LogStore.onWaiting` once the wait passes a second (the CLI says
/// so on a terminal), and the error after the timeout names the other
/// processes that have the pond open, as Linux's /proc tells them.
enum WriterWait {
    /// The busy mode of every connection: retries with growing sleeps, for
    /// `LogStore.busyTimeout` in all.
    static func busyMode(path: String) -> Database.BusyMode {
        let started = Started()
        return .callback { tries in
            if tries == 0 { started.reset() }
            let waited = started.elapsed
            if waited >= LogStore.busyTimeout { return false }
            if waited >= 1, started.announce() { LogStore.onWaiting?(path, otherProcesses(using: path)) }
            usleep(UInt32(min(tries + 1, 20)) * 5_000)
            return true
        }
    }

    /// When the current wait started, and whether it was told.
    private final class Started: @unchecked Sendable {
        private var start = Date()
        private var told = false
        private let lock = NSLock()
        func reset() { lock.withLock { start = Date(); told = false } }
        var elapsed: TimeInterval { lock.withLock { Date().timeIntervalSince(start) } }
        /// True the first time it is asked in a wait.
        func announce() -> Bool { lock.withLock { defer { told = true }; return !told } }
    }

    /// The other processes that have `path` (or its WAL) open, as "pid N: command line";
    /// empty where /proc cannot tell (another user's processes, another system).
    static func otherProcesses(using path: String) -> [String] {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let names: Set<String> = [target, target + "-wal"]
        let me = getpid()
        var found: [String] = []
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        for pid in pids.compactMap(Int32.init) where pid != me {
            guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            let holds = descriptors.contains { descriptor in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)")).map(names.contains) ?? false
            }
            guard holds, let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let command = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
            found.append("pid \(pid): \(command)")
            if found.count == 3 { break }
        }
        return found
    }
}
