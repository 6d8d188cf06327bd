/// A unified diff of two texts' lines, as `diff -u` and git print them.
public enum LineDiff {
    /// The hunks that make `old` into `new`: `@@ -a,b +c,d @@` headers, then
    /// lines prefixed with ` `, `-` or `+`, with `context` unchanged lines
    /// around each change. Empty when the texts are equal. Lines are found
    /// by Myers's algorithm (the standard library's `difference(from:)`).
    public static func unified(old: String, new: String, context: Int = 3) -> [String] {
        let before = lines(old), after = lines(new)
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in after.difference(from: before) {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        // The edit script: each step keeps, removes or inserts one line.
        enum Step { case keep(Int, Int), remove(Int), insert(Int) }
        var steps: [Step] = []
        var i = 0, j = 0
        while i < before.count || j < after.count {
            if i < before.count, removed.contains(i) {
                steps.append(.remove(i)); i += 1
            } else if j < after.count, inserted.contains(j) {
                steps.append(.insert(j)); j += 1
            } else {
                steps.append(.keep(i, j)); i += 1; j += 1
            }
        }
        let changed = steps.indices.filter { if case .keep = steps[$0] { false } else { true } }
        guard let firstChange = changed.first else { return [] }
        // Runs of steps around changes, merged when their context would touch.
        var ranges: [ClosedRange<Int>] = []
        var start = max(0, firstChange - context), end = min(steps.count - 1, firstChange + context)
        for index in changed.dropFirst() {
            if index - context <= end + 1 {
                end = min(steps.count - 1, index + context)
            } else {
                ranges.append(start...end)
                start = max(0, index - context)
                end = min(steps.count - 1, index + context)
            }
        }
        ranges.append(start...end)
        var output: [String] = []
        for range in ranges {
            // Lines of each side before the hunk, and in it.
            var oldBefore = 0, newBefore = 0
            for step in steps[..<range.lowerBound] {
                switch step {
                case .keep: oldBefore += 1; newBefore += 1
                case .remove: oldBefore += 1
                case .insert: newBefore += 1
                }
            }
            var body: [String] = [], oldCount = 0, newCount = 0
            for step in steps[range] {
                switch step {
                case .keep(let o, _): body.append(" " + before[o]); oldCount += 1; newCount += 1
                case .remove(let o): body.append("-" + before[o]); oldCount += 1
                case .insert(let n): body.append("+" + after[n]); newCount += 1
                }
            }
            func span(_ before: Int, _ count: Int) -> String { "\(count == 0 ? before : before + 1),\(count)" }
            output.append("@@ -\(span(oldBefore, oldCount)) +\(span(newBefore, newCount)) @@")
            output.append(contentsOf: body)
        }
        return output
    }

    /// The lines of `text`, a final newline ending the last one rather than starting another.
    static func lines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Whether `bytes` read as text: valid UTF-8 with no NUL byte.
    public static func isText(_ bytes: [UInt8]) -> Bool {
        !bytes.contains(0) && String(validating: bytes, as: UTF8.self) != nil
    }
}
