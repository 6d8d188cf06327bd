import ArgumentParser
import Foundation
import Pond

struct Fsck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        _superCommandName: "pond",
        abstract: "Check the pond; never writes.",
        discussion: """
            Runs SQLite's integrity check, checks that every version has its transaction \
            with no gaps, that every directory entry points to a node of the right type and \
            every entry change folds, re-hashes every file version kept and every chunk, \
            and recomputes the hash chain over all transactions, which breaks at the first \
            version whose rows were changed, added or removed behind Pond's back. A part \
            SQLite cannot read is a finding too. Prints one line per finding (path, node, \
            version) and exits 1, or exits 0 when clean. A lazy clone's bytes that are still \
            on its remote are counted as not local, not damage; what is local is checked.

            Example:
              pond fsck
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var format: JSONFlag

    func run() throws {
        let opened = try pond.openForChecking()
        let findings = try opened.check()
        if format.json {
            // {"ok", "versions", "pruned_file_versions", "findings": [{path, node_id, version, problem}]}; exit 1 on findings.
            let statistics = try? opened.statistics()
            let notLocal = try opened.notLocal()
            try output(try json([
                "ok": findings.isEmpty, "versions": statistics?.head.rawValue ?? NSNull(),
                "pruned_file_versions": statistics?.prunedFileVersions ?? 0,
                "not_local_file_versions": notLocal?.fileVersions ?? 0, "not_local_bytes": notLocal?.bytes ?? 0,
                "findings": findings.map { finding -> [String: Any] in
                    var object: [String: Any] = ["problem": finding.problem, "message": finding.description]
                    object["path"] = finding.path
                    object["node_id"] = finding.node?.description
                    object["version"] = finding.version?.rawValue
                    return object
                },
            ] as [String: Any]))
            if !findings.isEmpty { throw ExitCode.failure }
            return
        }
        for finding in findings {
            printError("pond fsck: \(finding)\n")
        }
        if !findings.isEmpty { throw ExitCode.failure }
        let statistics = try opened.statistics()
        try output("ok: \(opened.path), \(statistics.head) versions checked\n")
        if statistics.prunedFileVersions > 0 {
            try output("pruned: \(statistics.prunedFileVersions) file versions, their bytes let go by pond prune (not damage: their sizes and hashes are still in the log and the chain)\n")
        }
        if let notLocal = try opened.notLocal(), notLocal.fileVersions > 0 {
            try output("not local: \(notLocal.fileVersions) file versions, \(Bytes(notLocal.bytes)) on remote '\(opened.lazyRemote ?? "?")' (a lazy clone: not damage, not checked here; pond fetch brings them)\n")
        }
    }
}
