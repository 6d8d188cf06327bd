import Testing
@testable import TinyFS

private func memoryFS() -> FS { FS(MemoryPersistence()) }

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

struct FSTests {
    @Test func rootExistsInAnEmptyFS() throws {
        #expect(try memoryFS().root.exists("/"))
    }

    @Test func existsIsTrueRightAfterCreateFromAnyHandle() throws {
        let fs = memoryFS()
        try fs.root.mkdir("/a")
        let other = try fs.wd("/a")
        try other.write("f", "x")
        #expect(try fs.root.exists("/a/f"))
        #expect(try fs.wd("/a").exists("f"))
        #expect(try other.exists("/a/f"))
    }

    @Test func mkdirOfExistingPathFails() throws {
        let fs = memoryFS()
        try fs.root.mkdir("/a")
        #expect(throws: TinyFSError.alreadyExists("/a")) { try fs.root.mkdir("/a") }
        try fs.root.mkdir("/a", parents: true)
    }

    @Test func mkdirWithoutParentsNeedsTheParent() throws {
        let fs = memoryFS()
        #expect(throws: TinyFSError.notFound("/a")) { try fs.root.mkdir("/a/b") }
        try fs.root.mkdir("/a/b/c", parents: true)
        #expect(try fs.root.list("/a/b").map(\.name) == ["c"])
    }

    @Test func pathThroughAFileIsNotADirectory() throws {
        let fs = memoryFS()
        try fs.root.write("/f", "x")
        #expect(throws: TinyFSError.notADirectory("/f")) { try fs.root.mkdir("/f/g") }
        #expect(throws: TinyFSError.notADirectory("/f")) { try fs.root.read("/f/g") }
    }

    @Test func overwriteKeepsTheNodeIdentity() throws {
        let fs = memoryFS()
        try fs.root.write("/f", "one")
        let id = try fs.root.node("/f").id
        try fs.root.write("/f", "two")
        #expect(try fs.root.node("/f").id == id)
        #expect(text(try fs.root.read("/f")) == "two")
    }

    @Test func writingOverADirectoryFails() throws {
        let fs = memoryFS()
        try fs.root.mkdir("/d")
        #expect(throws: TinyFSError.notAFile("/d")) { try fs.root.write("/d", "x") }
    }

    @Test func symlinksResolveRelativeToTheirDirectory() throws {
        let fs = memoryFS()
        try fs.root.mkdir("/a/b", parents: true)
        try fs.root.write("/a/target", "hello")
        try fs.root.symlink("../target", at: "/a/b/rel")
        try fs.root.symlink("/a", at: "/abs")
        #expect(text(try fs.root.read("/a/b/rel")) == "hello")
        #expect(text(try fs.root.read("/abs/b/rel")) == "hello")
        #expect(try fs.root.readlink("/a/b/rel") == "../target")
        #expect(try fs.root.exists("/dangling") == false)
        try fs.root.symlink("/nowhere", at: "/dangling")
        #expect(try fs.root.exists("/dangling"))
    }

    @Test func symlinkLoopIsAnErrorNotAHang() throws {
        let fs = memoryFS()
        try fs.root.symlink("/b", at: "/a")
        try fs.root.symlink("/a", at: "/b")
        #expect(throws: TinyFSError.symlinkLoop("/a")) { try fs.root.read("/a") }
        try fs.root.symlink("self", at: "/self")
        #expect(throws: TinyFSError.symlinkLoop("/self/x")) { try fs.root.read("/self/x") }
    }

    @Test func removeRecursiveRemovesEverythingBelow() throws {
        let fs = memoryFS()
        try fs.root.mkdir("/d/e", parents: true)
        try fs.root.write("/d/e/f", "x")
        #expect(throws: TinyFSError.cannotRemoveRoot) { try fs.root.remove("/") }
        #expect(throws: TinyFSError.directoryNotEmpty("/d")) { try fs.root.remove("/d") }
        try fs.root.remove("/d", recursive: true)
        #expect(try fs.root.list("/").isEmpty)
    }

    @Test func removeOfASymlinkRemovesTheLinkNotTheTarget() throws {
        let fs = memoryFS()
        try fs.root.write("/f", "x")
        try fs.root.symlink("/f", at: "/l")
        try fs.root.remove("/l")
        #expect(try fs.root.list("/").map(\.name) == ["f"])
    }

    @Test func moveKeepsIdentityAndRenames() throws {
        let fs = memoryFS()
        try fs.root.write("/a", "x")
        let id = try fs.root.node("/a").id
        try fs.root.move("/a", to: "/b")
        #expect(try fs.root.node("/b").id == id)
        #expect(try !fs.root.exists("/a"))
    }

    @Test func moveIntoAnExistingDirectoryPutsItInside() throws {
        let fs = memoryFS()
        try fs.root.mkdir("/d")
        try fs.root.write("/f", "x")
        try fs.root.move("/f", to: "/d")
        #expect(try fs.root.list("/d").map(\.name) == ["f"])
    }

    @Test func moveOntoAFileReplacesIt() throws {
        let fs = memoryFS()
        try fs.root.write("/a", "new")
        try fs.root.write("/b", "old")
        try fs.root.move("/a", to: "/b")
        #expect(text(try fs.root.read("/b")) == "new")
        #expect(try fs.root.list("/").map(\.name) == ["b"])
    }

    @Test func moveOfADirectoryIntoItselfFails() throws {
        let fs = memoryFS()
        try fs.root.mkdir("/a/b", parents: true)
        #expect(throws: TinyFSError.moveIntoItself("/a", into: "/a/b/c")) { try fs.root.move("/a", to: "/a/b/c") }
        #expect(throws: TinyFSError.moveIntoItself("/a", into: "/a/b/a")) { try fs.root.move("/a", to: "/a/b") }
        #expect(throws: TinyFSError.cannotMoveRoot) { try fs.root.move("/", to: "/a") }
    }

    @Test func savepointUndoesOnlyTheFailedPart() throws {
        let fs = memoryFS()
        struct Abort: Error {}
        try fs.root.write("/kept", "1")
        #expect(throws: Abort.self) {
            try fs.write { inner in
                try inner.root.write("/lost", "2")
                throw Abort()
            }
        }
        #expect(try fs.root.list("/").map(\.name) == ["kept"])
    }

    @Test func listIsSortedBytewise() throws {
        let fs = memoryFS()
        for name in ["b", "B", "a-c", "\u{E9}", "e\u{301}"] { try fs.root.write("/" + name, "") }
        #expect(try fs.root.list("/").map(\.name.string) == ["B", "a-c", "b", "e\u{301}", "\u{E9}"])
    }
}

struct DynamicDirectoryTests {
    /// DuckPond's visit test: files matching `/in/**/1.txt`, named by their captures.
    @Test func visitDirectoryNamesMatchesByCaptures() throws {
        let fs = FS(MemoryPersistence())
        try fs.root.mkdir("/away")
        for (path, content) in [("/in/a/1.txt", "Content A"), ("/in/a/b/1.txt", "Content A-B"),
                                ("/in/a/c/1.txt", "Content A-C"), ("/in/b/a/1.txt", "Content B-A")] {
            try fs.root.mkdir(PondPath(path).parent.description, parents: true)
            try fs.root.write(path, content)
        }
        try fs.root.mkdir("/away/visit", dynamic: DynamicSpec(factory: .visit, argument: "/in/**/1.txt"))
        #expect(try fs.root.list("/away/visit").map(\.name) == ["a", "a_b", "a_c", "b_a"])
        #expect(text(try fs.root.read("/away/visit/a_b")) == "Content A-B")
        // Computed on every read: a new match shows up at once.
        try fs.root.mkdir("/in/z")
        try fs.root.write("/in/z/1.txt", "Z")
        #expect(text(try fs.root.read("/away/visit/z")) == "Z")
    }

    @Test func visitDirectoryReachingItselfIsALoopError() throws {
        let fs = FS(MemoryPersistence())
        try fs.root.mkdir("/loop")
        try fs.root.write("/loop/test.txt", "x")
        try fs.root.mkdir("/loop/visit", dynamic: DynamicSpec(factory: .visit, argument: "/loop/**"))
        #expect(throws: TinyFSError.dynamicDirectoryLoop("/loop/visit")) { try fs.root.glob("/loop/visit/**") }
    }

    @Test func dynamicDirectoryIsReadOnly() throws {
        let fs = FS(MemoryPersistence())
        try fs.root.mkdir("/v", dynamic: DynamicSpec(factory: .visit, argument: "/*.txt"))
        #expect(throws: TinyFSError.readOnlyDirectory("/v")) { try fs.root.write("/v/x", "y") }
    }

    @Test func reverseDirectoryMirrorsNamesAndBytesReversed() throws {
        let fs = FS(MemoryPersistence())
        try fs.root.mkdir("/src/sub", parents: true)
        try fs.root.write("/src/abc.txt", "hello")
        try fs.root.write("/src/sub/xy", "12")
        try fs.root.mkdir("/rev", dynamic: DynamicSpec(factory: .reverse, argument: "/src"))
        #expect(try fs.root.list("/rev").map(\.name) == ["bus", "txt.cba"])
        #expect(text(try fs.root.read("/rev/txt.cba")) == "olleh")
        #expect(text(try fs.root.read("/rev/bus/yx")) == "21")
    }
}

struct TouchTests {
    @Test func touchCreatesAnEmptyFileOrRewritesTheSameBytes() throws {
        let persistence = MemoryPersistence()
        let fs = FS(persistence)
        try fs.root.touch("/new")
        #expect(try fs.root.read("/new") == [])
        try fs.root.write("/f", "kept")
        let id = try #require(try fs.root.node("/f").id)
        #expect(persistence.writeCount(of: id) == 1)
        try fs.root.touch("/f")
        #expect(try fs.root.read("/f") == Array("kept".utf8))
        #expect(persistence.writeCount(of: id) == 2)  // a new write of the same bytes
        try fs.root.touch("/f")
        #expect(persistence.writeCount(of: id) == 3)
    }

    @Test func touchLeavesDirectoriesAndDanglingSymlinksAlone() throws {
        let fs = FS(MemoryPersistence())
        try fs.root.mkdir("/d")
        try fs.root.symlink("/nowhere", at: "/l")
        try fs.root.touch("/d")
        try fs.root.touch("/l")
        #expect(try fs.root.list("/").map(\.name) == ["d", "l"])
        #expect(try fs.root.list("/d").isEmpty)
    }
}
