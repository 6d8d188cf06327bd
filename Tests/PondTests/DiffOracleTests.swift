import Foundation
import Testing
@testable import OpLog
@testable import Pond

/// `pond diff` reads only the log rows between its two versions; here it is
/// checked against the plain definition it replaced (fold both whole trees,
/// then compare them node by node) over seeded random histories.
struct DiffOracleTests {
    /// The whole-tree diff: every stored path at both versions, compared by node.
    static func foldedDiff(_ store: LogStore, from: Version, to: Version) throws -> [PathChange] {
        let before = try store.read(at: from) { try $0.storedTree() }
        var beforeByNode: [NodeID: (PondPath, EntryRecord)] = [:]
        for (path, entry) in before { beforeByNode[entry.id] = (path, entry) }
        var changes: [PathChange] = []
        let after = try store.read(at: to) { session in
            let after = try session.storedTree()
            var afterByNode: [NodeID: PondPath] = [:]
            for (path, entry) in after { afterByNode[entry.id] = path }
            for (path, entry) in after {
                guard let (oldPath, old) = beforeByNode[entry.id], old.type == entry.type else {
                    let kind: PathChange.Kind = before[path].map { beforeByNode[$0.id] != nil && afterByNode[$0.id] == nil }
                        == true ? .modified : .added
                    changes.append(PathChange(path: path, kind: kind, type: entry.type))
                    continue
                }
                if oldPath != path {
                    let parentFollows = !path.parent.isRoot && after[path.parent].map { beforeByNode[$0.id]?.0 == oldPath.parent } == true
                        && path.lastName == oldPath.lastName
                    if !parentFollows { changes.append(PathChange(path: path, kind: .moved, from: oldPath, type: entry.type)) }
                }
                if entry.type != .directory, try session.wasRewritten(entry.id, since: from) {
                    changes.append(PathChange(path: path, kind: .modified, from: oldPath != path ? oldPath : nil, type: entry.type))
                }
            }
            return afterByNode
        }
        let replaced = Set(changes.filter { $0.kind == .modified }.map(\.path))
        for (path, entry) in before where after[entry.id] == nil {
            if replaced.contains(path) { continue }
            changes.append(PathChange(path: path, kind: .removed, type: entry.type))
        }
        return changes.sorted { $0.path < $1.path }
    }

    @Test(arguments: [1, 2, 3, 4])
    func theDiffOfTheRowsBetweenIsTheDiffOfTheTrees(round: Int) throws {
        let seed = ProcessInfo.processInfo.environment["POND_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        var generator = OperationGenerator(random: SplitMix64(state: seed &+ UInt64(round)))
        let test = try randomHistory(versions: 40, &generator)
        let head = try test.headVersion
        var pairs = 0
        for from in 1...head.rawValue {
            for to in from...head.rawValue {
                let expected = try DiffOracleTests.foldedDiff(test.pond.store, from: Version(from), to: Version(to))
                let found = try test.pond.diff(from: Version(from), to: Version(to))
                #expect(found == expected, "seed \(seed), round \(round): diff \(from) \(to)")
                pairs += 1
            }
        }
        #expect(pairs > 100)
    }
}

/// A pond of `versions` attempts at a version, each of one to three of
/// `generator`'s operations (so that a path can be removed and taken again
/// in one); an attempt that fails is rolled back and the model follows the pond.
func randomHistory(versions: Int, _ generator: inout OperationGenerator) throws -> TestPond {
    let test = try TestPond()
    var tree: ModelTree = [:]
    for _ in 0..<versions {
        _ = try? test.write { fs in
            for _ in 0..<(1 + Int(generator.random.next() % 3)) {
                guard let operation = generator.next(for: tree) else { continue }
                try operation.apply(to: fs)
                operation.apply(to: &tree)
            }
        }
        tree = try test.read { fs in try ModelTree(fs) }
    }
    return test
}

extension ModelTree {
    /// Every stored path of `fs` and what it holds.
    init(_ fs: FS) throws {
        self.init()
        for match in try fs.root.glob("/**") where !match.path.isRoot {
            switch match.node.kind {
            case .directory: self[match.path] = .directory
            case .file(let file): self[match.path] = .file(try file.content())
            case .symlink(let link): self[match.path] = .symlink(try link.target())
            }
        }
    }
}

/// `pond list`'s whole-tree listing (two statements) against the filesystem's
/// walk (a query per directory and per node), over seeded random histories.
struct ListingOracleTests {
    @Test(arguments: [1, 2, 3])
    func theListingIsTheWalkOfTheTree(round: Int) throws {
        let seed = ProcessInfo.processInfo.environment["POND_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        var generator = OperationGenerator(random: SplitMix64(state: seed &+ UInt64(round) &* 7), symlinks: round != 3)
        let test = try randomHistory(versions: 30, &generator)
        for version in 1...(try test.headVersion).rawValue {
            let walked = try test.read(at: Version(version)) { fs in
                try fs.root.glob("/**").filter { !$0.path.isRoot }.map { match -> String in
                    let metadata = try fs.metadata(of: match.node)!
                    let target = if case .symlink(let link) = match.node.kind { try link.target() } else { "" }
                    return "\(match.path) \(match.node.type) \(metadata.size) \(metadata.version) \(target)"
                }
            }
            let listed = try test.pond.listing(at: Version(version))!.map { "\($0.path) \($0.type) \($0.size!) \($0.version!) \($0.target ?? "")" }
            #expect(listed == walked, "seed \(seed), round \(round), version \(version)")
            try checkGlobs(test, at: Version(version), seed: seed)
            let paths = try test.pond.listing(at: Version(version), metadata: false)!.map(\.path)
            let walkedPaths = try test.read(at: Version(version)) { fs in try fs.root.glob("/**").filter { !$0.path.isRoot }.map(\.path.description) }
            #expect(paths == walkedPaths, "seed \(seed), round \(round), version \(version): paths alone")
        }
    }
}

/// A listing read by two threads on two connections, meeting at each
/// directory in turn (and with every node's metadata on either side),
/// against the listing read by one.
struct SplitListingTests {
    static func rows(_ tree: StoredTree?) throws -> [String]? {
        guard let tree else { return nil }
        var rows: [String] = []
        try tree.forEach { rows.append("\($0.path) \($0.type) \($0.size ?? -1) \($0.version?.rawValue ?? -1) \($0.target ?? "")") }
        return rows
    }

    @Test(arguments: [1, 2])
    func twoSidesMeetingAnywhereListWhatOneSideLists(round: Int) throws {
        let seed = ProcessInfo.processInfo.environment["POND_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        var generator = OperationGenerator(random: SplitMix64(state: seed &+ UInt64(round) &* 13), symlinks: true)
        let test = try randomHistory(versions: 25, &generator)
        var splits = 0
        for version in 1...(try test.headVersion).rawValue {
            try test.pond.store.read(at: Version(version)) { session in
                for metadata in [false, true] {
                    let alone = try Self.rows(session.storedTree(metadata: metadata, splitFrom: .max))
                    #expect(try Self.rows(session.storedTree(metadata: metadata)) == alone)
                    // Two threads meeting wherever their pace takes them.
                    #expect(try Self.rows(session.storedTree(metadata: metadata, splitFrom: 0)) == alone,
                            "seed \(seed), round \(round), version \(version)")
                    let directories = try Int64.fetchAll(session.db, sql: "SELECT DISTINCT part_id FROM log WHERE name IS NOT NULL")
                    for meeting in [0, Int64.max] + directories + directories.map({ $0 + 1 }) {
                        for block: Int64 in [0, 1] {
                            let split = try Self.rows(session.storedTree(metadata: metadata, splitFrom: 0, meetingAt: (meeting, block)))
                            #expect(split == alone, "seed \(seed), round \(round), version \(version), meeting at \(meeting), block \(block)")
                            splits += 1
                        }
                    }
                }
            }
        }
        #expect(splits > 100)
    }
}

/// Two threads claiming keys from either end, as a split scan does: every
/// key goes to exactly one side, whatever the pace of each.
struct SplitClaimsTests {
    @Test func everyKeyIsClaimedByExactlyOneSide() throws {
        var random = SplitMix64(state: UInt64.random(in: 0...UInt64.max))
        for round in 0..<200 {
            let keys = (0..<Int64(1 + random.next() % 3_000)).filter { _ in random.next() % 4 != 0 }
            let claims = SplitClaims()
            final class Claimed: @unchecked Sendable { var keys: [Int64] = [] }
            let ascending = Claimed(), descending = Claimed()
            let work = Int(random.next() % 50)
            try runBeside({
                for key in keys {
                    guard claims.claimAscending(key) else { break }
                    for _ in 0..<work { _ = random.next() }   // a pace of its own
                    ascending.keys.append(key)
                }
            }) { [keys] in
                for key in keys.reversed() {
                    guard claims.claimDescending(key) else { break }
                    descending.keys.append(key)
                }
            }
            #expect((ascending.keys + descending.keys.reversed()) == keys, "round \(round)")
        }
    }
}

/// Globs matched against a listing's names, as `pond list` does in a tree without symlinks, against the walk.
func checkGlobs(_ test: TestPond, at version: Version, seed: UInt64) throws {
    let listed = try test.pond.listing(at: version, metadata: false)!
    guard !listed.contains(where: { $0.type == .symlink }) else { return }
    for pattern in ["/**", "/*", "/*/*", "/**/a", "/a/**", "/**/*", "/[a-c]*/**", "/?", "/**/**", "/*/**/b", "/**/x y", "/b/*"] {
        let glob = try GlobPattern(pattern)
        let byName = listed.filter { node in
            glob.matches(components: node.path.split(separator: "/").map { Name(stringLiteral: String($0)) }, isDirectory: node.type == .directory)
        }.map(\.path)
        let walked = try test.read(at: version) { fs in try fs.root.glob(pattern).filter { !$0.path.isRoot }.map(\.path.description) }
        #expect(byName == walked, "seed \(seed), version \(version), \(pattern)")
    }
}

struct ListingDynamicTests {
    @Test func aTreeWithADynamicDirectoryIsLeftToTheFilesystemsWalk() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/empty")
            try fs.root.mkdir("/in")
            try fs.root.write("/in/a.txt", "a")
        }
        #expect(try test.pond.listing()?.map(\.path) == ["/empty", "/in", "/in/a.txt"])
        try test.write { try $0.root.mkdir("/by", dynamic: DynamicSpec(factory: .visit, argument: "/in/*.txt")) }
        #expect(try test.pond.listing() == nil)
        #expect(try test.pond.listing(at: 2) != nil)
    }
}
