import ArgumentParser
import Foundation
import Pond

/// Shell completion of pond paths (bash, zsh, fish, through the scripts
/// `pond --generate-completion-script` writes): the shell asks `pond`
/// itself, which lists the entries of the directory typed so far, from the
/// pond the line names (`--pond`), else `$POND`, else `./pond.db`.
enum PondPathCompletion {
    static let kind = CompletionKind.custom { words, _, prefix in candidates(words: words, prefix: prefix) }

    /// The paths in the pond that begin with `prefix`, a directory's with a trailing `/`.
    static func candidates(words: [String], prefix: String) -> [String] {
        let named = words.firstIndex(of: "--pond").flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }
        let file = named ?? getenv("POND").map { String(cString: $0) } ?? "pond.db"
        guard let pond = try? Pond.open(at: file) else { return [] }
        let typed = prefix.hasPrefix("/") ? prefix : "/" + prefix
        let directory = String(typed[...typed.lastIndex(of: "/")!])
        guard let entries = try? pond.read({ fs in
            try fs.root.list(directory).map { ($0.name.string, $0.node.type == .directory) }
        }) else { return [] }
        return entries.map { directory + $0.0 + ($0.1 ? "/" : "") }.filter { $0.hasPrefix(typed) }
    }
}
