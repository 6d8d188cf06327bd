import Testing
@testable import TinyFS

/// A small tree in memory for matching patterns against.
func globFixture() throws -> FS {
    let fs = FS(MemoryPersistence())
    let root = fs.root
    for directory in ["/in/a/b", "/in/a/c", "/in/b/a", "/data"] { try root.mkdir(directory, parents: true) }
    for file in ["/in/1.txt", "/in/a/1.txt", "/in/a/b/1.txt", "/in/a/c/1.txt", "/in/b/a/1.txt",
                 "/data/temp.csv", "/data/wind.csv", "/data/notes.md", "/data/x*y", "/data/b1", "/data/c2"] {
        try root.write(file, Array(file.utf8))
    }
    try root.symlink("/in", at: "/data/link")
    return fs
}

struct GlobTests {
    @Test(arguments: [
        ("/data/*.csv", ["/data/temp.csv": ["temp"], "/data/wind.csv": ["wind"]]),
        ("/data/t?mp.csv", ["/data/temp.csv": ["e"]]),
        ("/data/[bc][0-9]", ["/data/b1": ["b", "1"], "/data/c2": ["c", "2"]]),
        ("/data/[!b]?", ["/data/c2": ["c", "2"]]),
        ("/data/x\\*y", ["/data/x*y": []]),
        ("/in/**/1.txt", [
            "/in/1.txt": [], "/in/a/1.txt": ["a"], "/in/a/b/1.txt": ["a", "b"],
            "/in/a/c/1.txt": ["a", "c"], "/in/b/a/1.txt": ["b", "a"],
        ]),
        ("/in/*/*/1.txt", ["/in/a/b/1.txt": ["a", "b"], "/in/a/c/1.txt": ["a", "c"], "/in/b/a/1.txt": ["b", "a"]]),
        ("/data/link/a/1.txt", ["/data/link/a/1.txt": []]),
        ("/data/link/*/1.txt", ["/data/link/a/1.txt": ["a"]]),
        ("/nothing/*", [:]),
        ("/data/*.none", [:]),
    ] as [(String, [String: [String]])])
    func matchesWithCaptures(pattern: String, expected: [String: [String]]) throws {
        let fs = try globFixture()
        let matches = try fs.root.glob(pattern)
        #expect(Dictionary(uniqueKeysWithValues: matches.map { ($0.path.description, $0.captures) }) == expected)
        #expect(matches.map(\.path) == matches.map(\.path).sorted())
    }

    @Test func doubleStarDoesNotFollowSymlinksIntoDirectories() throws {
        let fs = try globFixture()
        let paths = try fs.root.glob("/data/**").map(\.path.description)
        #expect(paths.contains("/data/link"))
        #expect(!paths.contains { $0.hasPrefix("/data/link/") })
    }

    @Test func trailingDoubleStarMatchesTheDirectoryAndEverythingBelow() throws {
        let fs = try globFixture()
        let paths = try fs.root.glob("/in/a/**").map(\.path.description)
        #expect(paths == ["/in/a", "/in/a/1.txt", "/in/a/b", "/in/a/b/1.txt", "/in/a/c", "/in/a/c/1.txt"])
    }

    @Test func relativePatternMatchesBelowTheWorkingDirectory() throws {
        let fs = try globFixture()
        #expect(try fs.wd("/data").glob("*.md").map(\.path.description) == ["/data/notes.md"])
    }

    @Test(arguments: ["/data/[ab", "/data/x\\", "/.."])
    func rejectsMalformedPatterns(_ pattern: String) {
        #expect(throws: TinyFSError.self) { try GlobPattern(pattern) }
    }

    @Test func shortestStarCaptureWins() throws {
        let pattern = try ComponentPattern("*_*", in: "*_*")
        #expect(pattern.match("a_b_c") == ["a", "b_c"])
        #expect(pattern.match("abc") == nil)
    }
}

@Suite struct GlobByNameTests {
    @Test func namesMatchAsTheWalkMatches() throws {
        let all = try GlobPattern("/**")
        #expect(all.matches(components: ["b"], isDirectory: true))
        #expect(all.matches(components: ["b"], isDirectory: false))
        #expect(all.matches(components: ["b", "c"], isDirectory: false))
        let below = try GlobPattern("/a/**")
        #expect(below.matches(components: ["a"], isDirectory: true))
        #expect(!below.matches(components: ["a"], isDirectory: false))
        #expect(below.matches(components: ["a", "x"], isDirectory: false))
        let deep = try GlobPattern("/*/**/b")
        #expect(deep.matches(components: ["x", "b"], isDirectory: false))
        #expect(deep.matches(components: ["x", "y", "z", "b"], isDirectory: true))
        #expect(!deep.matches(components: ["b"], isDirectory: false))
    }
}
