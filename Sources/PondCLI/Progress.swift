import Foundation

/// Progress of a long copy on standard error, shown only when standard
/// error is a terminal and the copy has taken more than a second; silent otherwise.
final class Progress {
    private let started = Date()
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastShown: Date?
    private var files = 0
    private var bytes = 0

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
        guard isTerminal, Date().timeIntervalSince(started) > 1 else { return }
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
        let megabytes = String(format: "%.1f", Double(bytes) / 1_048_576)
        printError("\rcopied \(files) files, \(megabytes) MiB")
    }
}
