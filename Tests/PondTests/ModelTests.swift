import Foundation
import Testing
@testable import Pond

/// What a path holds in the model.
enum ModelItem: Equatable, CustomStringConvertible {
    case directory
    case file([UInt8])
    case symlink(String)

    var description: String {
        switch self {
        case .directory: "dir"
        case .file(let bytes): "file(\(bytes.count) bytes)"
        case .symlink(let target): "symlink(\(target))"
        }
    }
}

/// A tree as plain values: every path but the root, with what it holds.
typealias ModelTree = [PondPath: ModelItem]

/// SplitMix64: a tiny seeded generator, so a run is reproducible from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One operation, applied alike to the pond and to the model.
enum ModelOperation: CustomStringConvertible {
    case mkdir(PondPath)
    case write(PondPath, [UInt8])
    case remove(PondPath)
    case move(PondPath, PondPath)
    case symlink(String, PondPath)

    var description: String {
        switch self {
        case .mkdir(let path): "mkdir \(path)"
        case .write(let path, let bytes): "write \(path) (\(bytes.count) bytes)"
        case .remove(let path): "rm -r \(path)"
        case .move(let from, let to): "mv \(from) \(to)"
        case .symlink(let target, let path): "ln -s \(target) \(path)"
        }
    }

    func apply(to fs: FS) throws {
        switch self {
        case .mkdir(let path): try fs.root.mkdir(path.description)
        case .write(let path, let bytes): try fs.root.write(path.description, bytes)
        case .remove(let path): try fs.root.remove(path.description, recursive: true)
        case .move(let from, let to): try fs.root.move(from.description, to: to.description)
        case .symlink(let target, let path): try fs.root.symlink(target, at: path.description)
        }
    }

    func apply(to tree: inout ModelTree) {
        switch self {
        case .mkdir(let path): tree[path] = .directory
        case .write(let path, let bytes): tree[path] = .file(bytes)
        case .remove(let path):
            for key in tree.keys where path.contains(key) { tree[key] = nil }
        case .move(let from, let to):
            let moved = tree.filter { from.contains($0.key) }
            for key in moved.keys { tree[key] = nil }
            for (key, item) in moved {
                tree[to.appending(PondPath(components: Array(key.components.dropFirst(from.components.count))))] = item
            }
        case .symlink(let target, let path): tree[path] = .symlink(target)
        }
    }
}

/// Chooses valid operations against the model's current tree.
struct OperationGenerator {
    var random: SplitMix64
    /// Whether it makes symlinks.
    var symlinks = true
    static let names: [Name] = ["a", "b", "c", "d", "e", "\u{E9}", "e\u{301}", "x y"]

    mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    mutating func bytes() -> [UInt8] {
        (0..<Int(random.next() % 48)).map { _ in UInt8(truncatingIfNeeded: random.next() % 4) }
    }

    /// A free path inside a random directory, or nil if none was found.
    mutating func freePath(in tree: ModelTree) -> PondPath? {
        let directories = [PondPath.root] + tree.filter { $0.value == .directory }.keys.sorted()
        for _ in 0..<8 {
            let path = pick(directories).appending(pick(OperationGenerator.names))
            if tree[path] == nil { return path }
        }
        return nil
    }

    mutating func next(for tree: ModelTree) -> ModelOperation? {
        let paths = tree.keys.sorted()
        let files = paths.filter { if case .file = tree[$0] { true } else { false } }
        switch random.next() % 100 {
        case 0..<20:
            return freePath(in: tree).map { .mkdir($0) }
        case 20..<45:
            return freePath(in: tree).map { .write($0, bytes()) }
        case 45..<65:
            guard !files.isEmpty else { return nil }
            let file = pick(files)
            if chance(10), case .file(let same) = tree[file] { return .write(file, same) }
            return .write(file, bytes())
        case 65..<75:
            guard !paths.isEmpty else { return nil }
            return .remove(pick(paths))
        case 75..<90:
            guard !paths.isEmpty, let destination = freePath(in: tree) else { return nil }
            let source = pick(paths)
            if source.contains(destination) { return nil }
            return .move(source, destination)
        default:
            guard symlinks, let path = freePath(in: tree) else { return nil }
            let target = paths.isEmpty || chance(20) ? pick(["../a", "/nowhere", "b/c"]) : pick(paths).description
            return .symlink(target, path)
        }
    }
}

/// The tree of `fs` as model values: every stored path, symlinks not followed.
func modelTree(of fs: FS) throws -> ModelTree {
    var tree: ModelTree = [:]
    var pending: [PondPath] = [.root]
    while let directory = pending.popLast() {
        for (_, node) in try fs.root.list(directory.description) {
            switch node.kind {
            case .directory:
                tree[node.path] = .directory
                pending.append(node.path)
            case .file(let file): tree[node.path] = .file(try file.content())
            case .symlink(let link): tree[node.path] = .symlink(try link.target())
            }
        }
    }
    return tree
}

struct ModelTests {
    struct Abort: Error {}

    /// Random operations, nested savepoints and rollbacks applied to a pond
    /// and to a plain model; afterwards the pond's tree at EVERY version
    /// equals the model's, and again after closing and reopening.
    @Test func pondMatchesAPlainModelAtEveryVersion() throws {
        let seed = ProcessInfo.processInfo.environment["POND_MODEL_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 0...UInt64.max)
        print("model test: seed \(seed) (rerun with POND_MODEL_SEED=\(seed))")
        let started = ContinuousClock.now
        var generator = OperationGenerator(random: SplitMix64(state: seed))
        let test = try TestPond()
        var snapshots: [Version: ModelTree] = [1: [:]]
        var committed: ModelTree = [:]
        var head: Version = 1
        var operations = 0, rollbacks = 0, savepointRollbacks = 0

        while operations < 1_200 {
            var working = committed
            let abortsAtEnd = generator.chance(8)
            let (_, version) = try {
                do {
                    return try test.pond.commit(message: "model step") { fs in
                        for _ in 0..<(generator.chance(70) ? 1 : 2 + Int(generator.random.next() % 3)) {
                            if generator.chance(30) {
                                // A nested transaction that may roll back.
                                let failing = generator.chance(40)
                                var inner = working
                                do {
                                    try fs.write { fs in
                                        for _ in 0..<(1 + Int(generator.random.next() % 3)) {
                                            guard let op = generator.next(for: inner) else { continue }
                                            try op.apply(to: fs)
                                            op.apply(to: &inner)
                                            operations += 1
                                        }
                                        if failing { throw Abort() }
                                    }
                                    working = inner
                                } catch is Abort {
                                    savepointRollbacks += 1
                                }
                            } else if let op = generator.next(for: working) {
                                try op.apply(to: fs)
                                op.apply(to: &working)
                                operations += 1
                            }
                        }
                        if abortsAtEnd { throw Abort() }
                    }
                } catch is Abort {
                    rollbacks += 1
                    working = committed
                    return ((), nil)
                }
            }()
            if let version {
                #expect(version == head.next)
                head = version
                snapshots[version] = working
                committed = working
            } else {
                #expect(working == committed, "a transaction that changed the model committed no version")
            }
        }
        #expect(try test.headVersion == head)

        func verifyEveryVersion(_ label: String) throws {
            for version in (1...head.rawValue).map({ Version($0) }) {
                let actual = try test.read(at: version) { try modelTree(of: $0) }
                let expected = snapshots[version] ?? [:]
                if actual != expected {
                    let wrong = Set(actual.keys).union(expected.keys).sorted().filter { actual[$0] != expected[$0] }
                    Issue.record("\(label): version \(version) differs (seed \(seed)) at \(wrong.prefix(5).map { "\($0): pond \(actual[$0].map(String.init(describing:)) ?? "absent"), model \(expected[$0].map(String.init(describing:)) ?? "absent")" })")
                    return
                }
            }
        }
        try verifyEveryVersion("before reopen")
        let sqlStarted = ContinuousClock.now
        try verifySQLFoldsAgree(test: test, head: head, seed: seed)
        print("model test: the SQL views agree with the library at all \(head.rawValue) versions, \(sqlStarted.duration(to: .now))")
        try test.reopen()
        try verifyEveryVersion("after reopen")
        print("model test: \(operations) operations, \(head.rawValue) versions, \(rollbacks) rolled-back transactions, \(savepointRollbacks) rolled-back savepoints, \(started.duration(to: .now))")
    }

    /// The SQL views and the Swift library are two independent folds of one
    /// log: at every version, `entries_history` filtered at V, `paths_history`
    /// filtered at V, and `entries` and `paths` read through `--at V`'s TEMP
    /// views give the library's tree.
    func verifySQLFoldsAgree(test: TestPond, head: Version, seed: UInt64) throws {
        func strings(_ result: QueryResult) -> [[String]] {
            result.rows.map { $0.map { value in
                switch value {
                case .integer(let number): String(number)
                case .text(let text): text
                default: "\(value)"
                }
            } }
        }
        let history = strings(try test.pond.query(
            "SELECT parent_id, name, child_id, type, valid_from, coalesce(valid_to, 0) FROM entries_history"))
        let pathsHistory = strings(try test.pond.query(
            "SELECT path, type, valid_from, coalesce(valid_to, 0) FROM paths_history"))
        for version in (1...head.rawValue) {
            let library = try test.read(at: Version(version)) { fs in
                try modelTree(of: fs).mapValues { item -> String in
                    switch item {
                    case .directory: "directory"
                    case .file: "file"
                    case .symlink: "symlink"
                    }
                }
            }
            // entries_history filtered at V, walked from the root in Swift.
            let live = history.filter { row in
                Int64(row[4])! <= version && (row[5] == "0" || Int64(row[5])! > version)
            }
            var byParent: [String: [[String]]] = [:]
            for row in live { byParent[row[0], default: []].append(row) }
            // Keyed by bytes: Swift's String would merge "é" and "e\u{301}".
            var fromHistory: [[UInt8]: String] = [:]
            var pending = [("0", "")]
            while let (directory, prefix) = pending.popLast() {
                for row in byParent[directory] ?? [] {
                    fromHistory[Array((prefix + "/" + row[1]).utf8)] = row[3]
                    if row[3] == "directory" { pending.append((row[2], prefix + "/" + row[1])) }
                }
            }
            let libraryPaths = Dictionary(uniqueKeysWithValues: library.map { (Array($0.key.description.utf8), $0.value) })
            #expect(fromHistory == libraryPaths, "entries_history at \(version) (seed \(seed))")

            let fromPathsHistory = Dictionary(uniqueKeysWithValues: pathsHistory.filter { row in
                Int64(row[2])! <= version && (row[3] == "0" || Int64(row[3])! > version)
            }.map { (Array($0[0].utf8), $0[1]) })
            #expect(fromPathsHistory == libraryPaths, "paths_history at \(version) (seed \(seed))")

            let atVersion = strings(try test.pond.query("SELECT path, type FROM paths", at: Version(version)))
            #expect(Dictionary(uniqueKeysWithValues: atVersion.map { (Array($0[0].utf8), $0[1]) }) == libraryPaths,
                    "paths --at \(version) (seed \(seed))")
            let entriesAt = strings(try test.pond.query(
                "SELECT count(*) FROM entries", at: Version(version)))
            #expect(entriesAt == [[String(libraryPaths.count)]], "entries --at \(version) (seed \(seed))")
            if fromHistory != libraryPaths || fromPathsHistory != libraryPaths { return }
        }
    }
}
