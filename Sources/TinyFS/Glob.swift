/// A glob pattern over pond paths, with captures.
///
/// Per component: `*` matches any run of characters, `?` one character,
/// `[abc]`, `[a-z]` and `[!...]` one character of (not of) a set, and `\`
/// makes the next character literal. A component that is exactly `**`
/// matches zero or more directories; it never follows a symlink into a
/// directory. `.` and `..` components are normalized as in paths.
///
/// Captures, in pattern order (DuckPond's visitors received these): each
/// `*`, `?` and set captures the text it matched (a `*` takes the shortest
/// text that lets the rest match); each `**` captures one string per
/// directory it passes through, that directory's name. A trailing `**`
/// matches the directory it starts from and everything below it, capturing
/// the names on the way down.
public struct GlobPattern: CustomStringConvertible {
    enum Segment {
        case literal(Name)
        case wildcard(ComponentPattern)
        case recursive
    }

    let segments: [Segment]
    public let description: String

    /// Parses `pattern`, relative to `base` when it does not start with `/`.
    /// - Throws: `invalidPattern` for an unclosed `[`, a trailing `\` or a
    ///   `..` above the root; `invalidName` for a literal component that is not a name.
    public init(_ pattern: String, relativeTo base: PondPath = .root) throws {
        if pattern.isEmpty { throw TinyFSError.invalidPattern(pattern, reason: "a pattern cannot be empty") }
        var segments: [Segment] = pattern.hasPrefix("/") ? [] : base.components.map { .literal($0) }
        for step in PondPath.steps(of: pattern) {
            switch step {
            case .up:
                guard let last = segments.popLast() else {
                    throw TinyFSError.invalidPattern(pattern, reason: "'..' climbs above the root")
                }
                if case .recursive = last {
                    throw TinyFSError.invalidPattern(pattern, reason: "'..' cannot follow '**'")
                }
            case .down(let part) where part == "**":
                segments.append(.recursive)
            case .down(let part):
                let component = try ComponentPattern(String(part), in: pattern)
                if let literal = component.literal {
                    segments.append(.literal(try Name(literal)))
                } else {
                    segments.append(.wildcard(component))
                }
            }
        }
        self.segments = segments
        self.description = pattern
    }

    /// Whether the pattern has any wildcard (otherwise it names one path).
    public var hasWildcards: Bool { literalComponents == nil }

    /// The names from the root down of the one path the pattern names when
    /// it has no wildcard (empty for the root), nil when it has one.
    public var literalComponents: [Name]? {
        var names: [Name] = []
        for segment in segments {
            guard case .literal(let name) = segment else { return nil }
            names.append(name)
        }
        return names
    }

    /// Every node of `fs` matching this pattern, sorted bytewise by path,
    /// each path once.
    public func matches(in fs: FS) throws -> [GlobMatch] {
        var found: [PondPath: GlobMatch] = [:]
        try walk(fs.rootNode, segment: 0, captures: [], fs: fs) { match in
            if found[match.path] == nil { found[match.path] = match }
        }
        return found.values.sorted { $0.path < $1.path }
    }

    /// Whether the path whose names are `components` matches, by its names
    /// alone: what `matches(in:)` finds of it in a tree that has no symlinks
    /// and no dynamic directories, where every name but a path's last is a
    /// directory. `isDirectory` tells whether the last one is; only a
    /// trailing `**` matches a file as one of the names it passes.
    public func matches(components: [Name], isDirectory: Bool) -> Bool {
        func match(_ segment: Int, _ component: Int) -> Bool {
            if segment == segments.count { return component == components.count }
            // A walk goes on from directories only: with names left to match, the path must end in one.
            if component == components.count && component > 0 && !isDirectory { return false }
            switch segments[segment] {
            case .literal(let name):
                return component < components.count && components[component] == name && match(segment + 1, component + 1)
            case .wildcard(let pattern):
                return component < components.count && pattern.match(components[component].string) != nil
                    && match(segment + 1, component + 1)
            case .recursive:
                if match(segment + 1, component) { return true }
                guard component < components.count else { return false }
                // A file below is a match of a trailing `**`, and the end of any other.
                if component == components.count - 1 && !isDirectory { return segment == segments.count - 1 }
                return match(segment, component + 1)
            }
        }
        return match(0, 0)
    }

    /// Directory depth past which a walk is taken to be going round a
    /// dynamic directory that contains itself.
    static let maxDepth = 1024

    private func walk(
        _ node: Node, segment index: Int, captures: [String], fs: FS, emit: (GlobMatch) -> Void
    ) throws {
        if index == segments.count {
            emit(GlobMatch(path: node.path, node: node, captures: captures))
            return
        }
        if node.path.components.count > GlobPattern.maxDepth {
            throw TinyFSError.dynamicDirectoryLoop(node.path)
        }
        guard case .directory(let directory) = node.kind else { return }
        let isLast = index == segments.count - 1
        switch segments[index] {
        case .literal(let name):
            if let child = try directory.child(named: name, at: node.path) {
                try descend(child, to: index + 1, captures: captures, isLast: isLast, fs: fs, emit: emit)
            }
        case .wildcard(let pattern):
            for (name, child) in try directory.children(at: node.path) {
                guard let captured = pattern.match(name.string) else { continue }
                try descend(child, to: index + 1, captures: captures + captured, isLast: isLast, fs: fs, emit: emit)
            }
        case .recursive:
            try walk(node, segment: index + 1, captures: captures, fs: fs, emit: emit)
            for (name, child) in try directory.children(at: node.path) {
                if case .directory = child.kind {
                    try walk(child, segment: index, captures: captures + [name.string], fs: fs, emit: emit)
                } else if isLast {
                    emit(GlobMatch(path: child.path, node: child, captures: captures + [name.string]))
                }
            }
        }
    }

    /// Continues the walk at `child`: a match if the pattern ends here (a
    /// symlink matched as itself), else into it, following a symlink.
    private func descend(
        _ child: Node, to index: Int, captures: [String], isLast: Bool, fs: FS, emit: (GlobMatch) -> Void
    ) throws {
        if isLast {
            emit(GlobMatch(path: child.path, node: child, captures: captures))
            return
        }
        guard case .symlink = child.kind else {
            try walk(child, segment: index, captures: captures, fs: fs, emit: emit)
            return
        }
        // A path through a symlink goes on at its target, named by the link's path.
        guard let target = try? fs.resolve(child.path) else { return }
        let through = Node(id: target.id, path: child.path, kind: target.kind)
        try walk(through, segment: index, captures: captures, fs: fs, emit: emit)
    }
}

/// One path a glob matched.
public struct GlobMatch {
    /// The matched path (through symlinks as the pattern went, not resolved).
    public let path: PondPath
    /// The node there; a symlink matched by the last component is not followed.
    public let node: Node
    /// What the wildcards captured, in pattern order.
    public let captures: [String]
}

/// One component of a glob: literal characters, `*`, `?` and sets.
struct ComponentPattern {
    enum Token: Equatable {
        case character(Unicode.Scalar)
        case any
        case star
        case set([ClosedRange<Unicode.Scalar>], negated: Bool)
    }

    let tokens: [Token]

    init(_ text: String, in pattern: String) throws {
        var tokens: [Token] = []
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            switch scalar {
            case "\\":
                guard let escaped = scalars.popFirst() else {
                    throw TinyFSError.invalidPattern(pattern, reason: "'\\' at the end of a component escapes nothing")
                }
                tokens.append(.character(escaped))
            case "*":
                if tokens.last != .star { tokens.append(.star) }
            case "?":
                tokens.append(.any)
            case "[":
                tokens.append(try ComponentPattern.parseSet(&scalars, in: pattern))
            default:
                tokens.append(.character(scalar))
            }
        }
        self.tokens = tokens
    }

    /// Parses a set after its `[`, through its `]`.
    private static func parseSet(_ scalars: inout ArraySlice<Unicode.Scalar>, in pattern: String) throws -> Token {
        var negated = false
        if scalars.first == "!" || scalars.first == "^" {
            negated = true
            scalars.removeFirst()
        }
        var ranges: [ClosedRange<Unicode.Scalar>] = []
        var first = true
        while let scalar = scalars.popFirst() {
            if scalar == "]" && !first {
                return .set(ranges, negated: negated)
            }
            first = false
            var low = scalar
            if low == "\\", let escaped = scalars.popFirst() { low = escaped }
            if scalars.count >= 2, scalars.first == "-", scalars[scalars.index(after: scalars.startIndex)] != "]" {
                scalars.removeFirst()
                var high = scalars.removeFirst()
                if high == "\\", let escaped = scalars.popFirst() { high = escaped }
                guard low <= high else {
                    throw TinyFSError.invalidPattern(pattern, reason: "range \(low)-\(high) is backwards")
                }
                ranges.append(low...high)
            } else {
                ranges.append(low...low)
            }
        }
        throw TinyFSError.invalidPattern(pattern, reason: "'[' has no closing ']'")
    }

    /// The component as plain text if it has no wildcard.
    var literal: String? {
        var text = String.UnicodeScalarView()
        for token in tokens {
            guard case .character(let scalar) = token else { return nil }
            text.append(scalar)
        }
        return String(text)
    }

    /// The captures if `name` matches, nil otherwise.
    func match(_ name: String) -> [String]? {
        let scalars = Array(name.unicodeScalars)
        var captures: [String] = []
        return match(tokens[...], scalars[...], &captures) ? captures : nil
    }

    private func match(
        _ tokens: ArraySlice<Token>, _ text: ArraySlice<Unicode.Scalar>, _ captures: inout [String]
    ) -> Bool {
        guard let token = tokens.first else { return text.isEmpty }
        let rest = tokens.dropFirst()
        switch token {
        case .character(let expected):
            guard text.first == expected else { return false }
            return match(rest, text.dropFirst(), &captures)
        case .any, .set:
            guard let scalar = text.first, token.accepts(scalar) else { return false }
            captures.append(String(String.UnicodeScalarView([scalar])))
            if match(rest, text.dropFirst(), &captures) { return true }
            captures.removeLast()
            return false
        case .star:
            var end = text.startIndex
            while true {
                captures.append(String(String.UnicodeScalarView(text[text.startIndex..<end])))
                if match(rest, text[end...], &captures) { return true }
                captures.removeLast()
                if end == text.endIndex { return false }
                end = text.index(after: end)
            }
        }
    }
}

extension ComponentPattern.Token {
    func accepts(_ scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .any: return true
        case .character(let expected): return scalar == expected
        case .star: return true
        case .set(let ranges, let negated): return ranges.contains { $0.contains(scalar) } != negated
        }
    }
}
