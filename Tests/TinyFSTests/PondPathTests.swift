import Testing
@testable import TinyFS

struct PondPathTests {
    @Test(arguments: [
        ("/", "/"),
        ("/a/b", "/a/b"),
        ("a/b", "/a/b"),
        ("//a///b//", "/a/b"),
        ("/a/./b/.", "/a/b"),
        ("/a/b/../c", "/a/c"),
        ("/a/..", "/"),
        ("./x", "/x"),
    ])
    func normalizesLexically(typed: String, expected: String) throws {
        #expect(try PondPath(typed).description == expected)
    }

    @Test func relativePathResolvesAgainstBase() throws {
        #expect(try PondPath("c/../d", relativeTo: "/a/b").description == "/a/b/d")
        #expect(try PondPath("/c", relativeTo: "/a/b").description == "/c")
    }

    @Test func dotDotAboveRootIsAnError() {
        let typed = "/a/../.."
        let error = #expect(throws: TinyFSError.self) { try PondPath(typed) }
        #expect(error == .invalidPath("/a/../..", reason: "'..' climbs above the root"))
    }

    @Test func emptyPathIsAnError() {
        let typed = ""
        #expect(throws: TinyFSError.invalidPath("", reason: "a path cannot be empty")) { try PondPath(typed) }
    }

    @Test func sortsBytewiseOnTheFullString() {
        let paths: [PondPath] = ["/a/b", "/a-c", "/B", "/a"]
        #expect(paths.sorted().map(\.description) == ["/B", "/a", "/a-c", "/a/b"])
    }

    @Test func sortingByPathKeepsTheOrderOfTheirText() throws {
        let names = ["a", "a-c", "a.b", "B", "b", "\u{E9}", "e\u{301}", "z", "a b"]
        var paths: [PondPath] = ["/"]
        for first in names {
            paths.append(try PondPath("/" + first))
            for second in names.prefix(4) { paths.append(try PondPath("/" + first + "/" + second)) }
        }
        let tagged = paths.shuffled().enumerated().map { (tag: $0.offset, path: $0.element) }
        let sorted = tagged.sorted { $0.path < $1.path }
        #expect(sorted.map(\.path.description) == paths.map(\.description).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(sorted.map(\.path.description).first == "/")
    }

    @Test func parentAndLastName() {
        let path: PondPath = "/a/b/c"
        #expect(path.parent == "/a/b")
        #expect(path.lastName == "c")
        #expect(PondPath.root.parent.isRoot)
        #expect(PondPath.root.lastName == nil)
    }
}

struct NameTests {
    @Test(arguments: ["", ".", "..", "a/b", "a\0b", String(repeating: "x", count: 256)])
    func rejectsInvalidNames(_ text: String) {
        #expect(throws: TinyFSError.self) { try Name(text) }
    }

    @Test func acceptsAnyOtherUTF8UpTo255Bytes() throws {
        #expect(try Name(String(repeating: "é", count: 127)).string.utf8.count == 254)
        for typed in ["...", " spaced name ", "a\\b"] {
            #expect(try Name(typed).string == typed)
        }
    }

    @Test func comparesBytesWithoutUnicodeNormalization() throws {
        let precomposed: Name = "\u{E9}"
        let decomposed: Name = "e\u{301}"
        #expect(precomposed.string == decomposed.string)  // Swift's String calls them equal
        #expect(precomposed != decomposed)                // a Name does not
        #expect(Set([precomposed, decomposed]).count == 2)
        #expect(decomposed < precomposed)                 // 'e' (0x65) < 0xC3
    }
}

struct NodeIDTests {
    @Test func showsSixteenHexDigits() {
        #expect(NodeID.root.description == "0000000000000000")
        #expect(NodeID(255).description == "00000000000000ff")
        #expect(NodeID(-1).description == "ffffffffffffffff")
    }
}

@Suite struct PondPathIdentityTests {
    @Test func canonicallyEquivalentPathsAreTwoPathsAsTheirNamesAre() throws {
        let composed: PondPath = "/\u{E9}", decomposed: PondPath = "/e\u{301}"
        #expect(composed != decomposed)
        #expect(Set([composed, decomposed]).count == 2)
        #expect(Name("\u{E9}") != Name("e\u{301}"))
    }
}
