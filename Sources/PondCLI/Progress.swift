import Foundation

/// Progress of a long copy on standard error, shown only when standard
/// error is a terminal and the copy has taken more than a second
/// (`$POND_PROGRESS_DELAY` seconds, for demonstrations and tests); silent
/// otherwise. With a known total it shows the bytes done of the total, the
/// rate and the time left.
final class Progress {
    private let started = Date()
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let delay = getenv("POND_PROGRESS_DELAY").flatMap { Double(String(cString: $0)) } ?? 1
    private let verb: String
    private var lastShown: Date?
    private var files = 0
    private var bytes = 0
    /// The bytes the whole copy will move, when known.
    var total: Int?

    init(_ verb: String = "copied", total: Int? = nil) {
        self.verb = verb
        self.total = total
    }

    /// Counts one copied file.
    func copiedFile() {
        files += 1
        redraw()
    }

    /// Counts `count` more bytes copied.
    func copied(bytes count: Int) {
        bytes += count
        redraw()
    }

    /// Redraws at most five times a second.
    private func redraw() {
        guard isTerminal, Date().timeIntervalSince(started) > delay else { return }
        if let lastShown, Date().timeIntervalSince(lastShown) < 0.2 { return }
        lastShown = Date()
        draw()
    }

    /// Ends the progress line, if one was drawn.
    func finish() {
        guard lastShown != nil else { return }
        draw()
        printError("\n")
    }

    private func draw() {
        let mib = { (bytes: Int) in String(format: "%.1f", Double(bytes) / 1_048_576) }
        let elapsed = max(Date().timeIntervalSince(started), 0.001)
        let rate = Double(bytes) / elapsed
        var line = "\r\(verb) \(files) files, \(mib(bytes))"
        if let total, total > 0 {
            let left = rate > 0 ? Double(max(total - bytes, 0)) / rate : 0
            line += " of \(mib(total)) MiB (\(min(100, bytes * 100 / total))%), \(mib(Int(rate))) MiB/s, \(Int(left.rounded())) s left  "
        } else {
            line += " MiB, \(mib(Int(rate))) MiB/s  "
        }
        printError(line)
    }
}
