import Foundation
import GRDB
import Testing
@testable import OpLog
@testable import Pond
import Schema

struct PondLifecycleTests {
    @Test func rootExistsAfterInitAndAfterReopen() throws {
        let test = try TestPond()
        #expect(try test.headVersion == 1)
        #expect(try test.read { try $0.root.exists("/") })
        try test.reopen()
        #expect(try test.read { try $0.root.exists("/") })
        #expect(try test.read { try $0.root.list("/") }.isEmpty)
    }

    @Test func fileInASubdirectoryIsThereAfterCloseAndReopen() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/a/b", parents: true)
            try fs.root.write("/a/b/file.txt", "kept")
        }
        try test.reopen()
        #expect(try test.read { text(try $0.root.read("/a/b/file.txt")) } == "kept")
    }

    @Test func existsIsTrueRightAfterCreateFromAnyHandle() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/dir")
            let handle = try fs.wd("/dir")
            try handle.write("f", "x")
            #expect(try fs.root.exists("/dir/f"))
            #expect(try fs.wd("/dir").exists("f"))
            #expect(try handle.exists("f"))
        }
        let other = try Pond.open(at: test.path)
        #expect(try other.read { try $0.root.exists("/dir/f") })
        #expect(try test.read { try $0.root.exists("/dir/f") })
    }

    @Test func createRefusesAnExistingFile() throws {
        let test = try TestPond()
        let error = #expect(throws: OpLogError.self) { try Pond.create(at: test.path) }
        #expect(error?.description.contains("already exists") == true)
    }

    @Test func openOfAMissingFileFailsAndCreatesNothing() throws {
        let test = try TestPond()
        let missing = test.directory.appendingPathComponent("missing.db").path
        #expect(throws: OpLogError.self) { try Pond.open(at: missing) }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func emptyFileIsNotAPondAndIsLeftUntouched() throws {
        let test = try TestPond()
        let empty = test.directory.appendingPathComponent("empty.db").path
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let error = #expect(throws: OpLogError.self) { try Pond.open(at: empty) }
        #expect(error?.description == "\(empty) is not a pond: the file is empty")
        #expect(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? Int == 0)
    }

    @Test func textFileIsNotAPondAndIsLeftUntouched() throws {
        let test = try TestPond()
        let file = test.directory.appendingPathComponent("notes.txt").path
        let content = Data(String(repeating: "just some text\n", count: 100).utf8)
        _ = FileManager.default.createFile(atPath: file, contents: content)
        let error = #expect(throws: OpLogError.self) { try Pond.open(at: file) }
        #expect(error?.description.contains("is not a pond") == true)
        #expect(FileManager.default.contents(atPath: file) == content)
    }

    @Test func sqliteDatabaseOfAnotherApplicationIsNotAPond() throws {
        let test = try TestPond()
        let file = test.directory.appendingPathComponent("other.db").path
        try DatabaseQueue(path: file).write { try $0.execute(sql: "CREATE TABLE t(x)") }
        let error = #expect(throws: OpLogError.self) { try Pond.open(at: file) }
        #expect(error?.description == "\(file) is not a pond: it is an SQLite database of another application")
    }

    @Test func pondFromANewerSchemaIsRefusedNamingBothVersions() throws {
        let test = try TestPond()
        try DatabaseQueue(path: test.path).write { try $0.execute(sql: "PRAGMA user_version = 99") }
        let error = #expect(throws: OpLogError.self) { try Pond.open(at: test.path) }
        #expect(error?.description.contains("schema version 99") == true)
        #expect(error?.description.contains("reads up to \(Migration.current)") == true)
    }

    @Test func newPondIsInWALModeWithItsApplicationID() throws {
        let test = try TestPond()
        let (mode, id) = try DatabaseQueue(path: test.path).read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int32.fetchOne(db, sql: "PRAGMA application_id"))
        }
        #expect(mode == "wal")
        #expect(id == LogStore.applicationID)
    }
}

struct PondVersionTests {
    @Test func eachChangingWriteAddsOneVersion() throws {
        let test = try TestPond()
        try test.write { try $0.root.mkdir("/a") }
        try test.write { try $0.root.write("/a/f", "1") }
        #expect(try test.headVersion == 3)
        #expect(try test.pond.transactions().map(\.version) == [1, 2, 3])
    }

    @Test func writeThatChangesNothingAddsNoVersion() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/a")
            try fs.root.write("/a/f", "same")
        }
        let rows = try test.logRowCount()
        let (_, version) = try test.pond.commit { fs in
            try fs.root.mkdir("/a", parents: true)
            try fs.root.write("/a/f", "same")
        }
        #expect(version == nil)
        #expect(try test.headVersion == 2)
        #expect(try test.logRowCount() == rows)
    }

    @Test func rolledBackTransactionLeavesNoRowAndUsesNoVersion() throws {
        let test = try TestPond()
        struct Abort: Error {}
        let rows = try test.logRowCount()
        #expect(throws: Abort.self) {
            try test.write { fs in
                try fs.root.mkdir("/a")
                try fs.root.write("/a/f", "lost")
                throw Abort()
            }
        }
        #expect(try test.headVersion == 1)
        #expect(try test.logRowCount() == rows)
        try test.write { try $0.root.mkdir("/b") }
        #expect(try test.headVersion == 2)
    }

    @Test func innerSavepointFailureIsCaughtAndTheOuterWorkCommits() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/outer")
            do {
                try fs.write { inner in
                    try inner.root.write("/outer/inner", "lost")
                    try inner.root.mkdir("/outer")  // fails: already exists
                }
            } catch let error as TinyFSError {
                #expect(error == .alreadyExists("/outer"))
            }
            try fs.write { inner in try inner.root.write("/outer/kept", "yes") }
        }
        #expect(try test.headVersion == 2)
        #expect(try test.read { try $0.root.list("/outer").map(\.name) } == ["kept"])
    }

    @Test func readsInsideAWriteSeeItsOwnWrites() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.write("/f", "draft")
            #expect(text(try fs.root.read("/f")) == "draft")
            try fs.root.write("/f", "final")
            #expect(text(try fs.root.read("/f")) == "final")
        }
    }

    @Test func readAtAnOldVersionSeesTheTreeAsItWas() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/f", "one") }
        try test.write { try $0.root.write("/f", "two") }
        try test.write { try $0.root.remove("/f") }
        #expect(try test.read(at: 1) { try $0.root.exists("/f") } == false)
        #expect(try test.read(at: 2) { text(try $0.root.read("/f")) } == "one")
        #expect(try test.read(at: 3) { text(try $0.root.read("/f")) } == "two")
        #expect(try test.read { try $0.root.exists("/f") } == false)
    }

    @Test(arguments: [0, -1, 5] as [Int64])
    func readAtAVersionOutOfRangeFails(version: Int64) throws {
        let test = try TestPond()
        let error = #expect(throws: OpLogError.self) { try test.read(at: Version(version)) { _ in } }
        #expect(error?.description.hasPrefix("no version \(version)") == true)
    }

    @Test func snapshotIsReadOnly() throws {
        let test = try TestPond()
        #expect(throws: TinyFSError.readOnlySnapshot) { try test.read { try $0.root.mkdir("/x") } }
    }

    @Test func readerSeesOneVersionWhileAnotherConnectionWrites() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/f", "before") }
        let writer = try Pond.open(at: test.path)
        try test.read { fs in
            #expect(text(try fs.root.read("/f")) == "before")
            try writer.write { try $0.root.write("/f", "after") }
            #expect(text(try fs.root.read("/f")) == "before")
        }
        #expect(try test.read { text(try $0.root.read("/f")) } == "after")
    }

    @Test func transactionsRecordTheirMessageAndTime() throws {
        let test = try TestPond()
        try test.write(message: "pond mkdir /a") { try $0.root.mkdir("/a") }
        let transactions = try test.pond.transactions()
        #expect(transactions.map(\.command) == ["init", "pond mkdir /a"])
        #expect(transactions.allSatisfy { $0.time.hasSuffix("Z") && $0.time.count == 24 })
        #expect(try test.pond.store.version(atOrBefore: transactions[1].time) == 2)
        #expect(try test.pond.store.version(atOrBefore: "2000-01-01T00:00:00Z") == nil)
    }
}

struct PondHistoryTests {
    @Test func overwriteIsANewVersionOfTheSameNode() throws {
        let test = try TestPond()
        try test.write { try $0.root.write("/f", "one") }
        try test.write { try $0.root.write("/f", "two") }
        let ids = try [2, 3].map { v in try test.read(at: Version(v)) { try $0.root.node("/f").id } }
        #expect(ids[0] == ids[1])
    }

    @Test func historyOfANodeFollowsItThroughMoves() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/a")
            try fs.root.write("/a/f", "1")
        }
        try test.write { try $0.root.mkdir("/b") }
        try test.write { try $0.root.move("/a/f", to: "/b/g") }
        try test.write { try $0.root.write("/b/g", "2") }
        try test.write { try $0.root.remove("/b/g") }
        let id = try test.read(at: 4) { try $0.root.node("/b/g").id! }
        let events = try test.pond.store.read { try $0.history(of: id) }
        #expect(events.map { "\($0.version) \($0.kind.rawValue) \($0.name ?? "")" } == [
            "2 write ", "2 link f", "4 unlink f", "4 link g", "5 write ", "6 unlink g",
        ])
    }

    @Test func diffListsAddedRemovedAndChangedPaths() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.write("/kept", "same")
            try fs.root.write("/edited", "old")
            try fs.root.write("/gone", "x")
        }
        try test.write { fs in
            try fs.root.write("/edited", "new")
            try fs.root.remove("/gone")
            try fs.root.mkdir("/new")
            try fs.root.write("/new/file", "y")
        }
        let changes = try test.pond.diff(from: 2).map { "\($0.kind.rawValue) \($0.path)" }
        #expect(changes == ["modified /edited", "removed /gone", "added /new", "added /new/file"])
        #expect(try test.pond.diff(from: 3).isEmpty)
    }

    @Test func dynamicDirectoryIsKeptInTheLog() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/in/a", parents: true)
            try fs.root.write("/in/a/1.txt", "A")
            try fs.root.mkdir("/visit", dynamic: DynamicSpec(factory: .visit, argument: "/in/*/1.txt"))
        }
        try test.reopen()
        #expect(try test.read { text(try $0.root.read("/visit/a")) } == "A")
    }
}

/// Counts the SQL statements a body runs on the session's connection.
final class StatementCounter: @unchecked Sendable {
    var count = 0
}

struct PondQueryCostTests {
    @Test(arguments: [1, 10, 200])
    func listingADirectoryCostsTheSameNumberOfQueriesWhateverItsSize(entries: Int) throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/d")
            for i in 0..<entries { try fs.root.write("/d/f\(i)", "x") }
        }
        let counter = StatementCounter()
        let listed = try test.pond.store.read { session in
            session.db.trace { _ in counter.count += 1 }
            defer { session.db.trace(nil) }
            return try FS(session).root.list("/d").count
        }
        #expect(listed == entries)
        // Resolve "/" and "/d" (one lookup), then one fold of /d.
        #expect(counter.count == 2)
    }
}

struct PondQueryPlanTests {
    /// Every statement a mix of reads and writes runs is answered through an
    /// index: none scans the whole log, so reads stay logarithmic in the
    /// length of history.
    @Test func noStatementScansTheWholeLog() throws {
        let test = try TestPond()
        try test.write { fs in
            try fs.root.mkdir("/a/b", parents: true)
            try fs.root.write("/a/b/f", "1")
            try fs.root.symlink("/a/b/f", at: "/a/l")
        }
        let recorded = StatementLog()
        _ = try test.pond.store.write(message: "traced") { session in
            session.db.trace { event in recorded.add(event.expandedDescription) }
            defer { session.db.trace(nil) }
            let fs = FS(session)
            try fs.root.write("/a/b/f", "2")
            try fs.root.move("/a/b/f", to: "/a/g")
            try fs.root.remove("/a/l")
            try fs.root.mkdir("/v", dynamic: DynamicSpec(factory: .visit, argument: "/a/*"))
            _ = try fs.root.list("/v")
            try fs.write { try $0.root.touch("/a/g") }
        }
        try test.pond.store.read(at: 2) { session in
            session.db.trace { event in recorded.add(event.expandedDescription) }
            defer { session.db.trace(nil) }
            let fs = FS(session)
            _ = try fs.root.read("/a/l")
            _ = try fs.root.readlink("/a/l")
            _ = try fs.root.glob("/**")
            _ = try session.history(of: try fs.root.node("/a/b/f").id!)
            _ = try session.wasRewritten(NodeID(3), since: 1)
        }
        let statements = recorded.statements.filter {
            $0.hasPrefix("SELECT") && $0.contains("FROM log")
        }
        #expect(statements.count >= 8)
        for sql in Set(statements) {
            let plan = try DatabaseQueue(path: test.path).read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
            }
            #expect(!plan.contains { $0.hasPrefix("SCAN log") }, "\(sql) scans the log: \(plan)")
        }
    }
}

/// Statements seen by a trace, in order.
final class StatementLog: @unchecked Sendable {
    private(set) var statements: [String] = []
    func add(_ sql: String) { statements.append(sql) }
}

struct ReadmeLibraryExampleTests {
    /// The README's "Using the library" example, as written there.
    @Test func readmeExampleRunsAsDocumented() throws {
        let test = try TestPond()
        let path = test.directory.appendingPathComponent("data.pond").path
        let pond = try Pond.create(at: path)
        try pond.write(message: "first readings") { fs in
            try fs.root.mkdir("/sensors/temp", parents: true)
            try fs.root.write("/sensors/temp/a.csv", "t,v\n1,20.5\n")
        }
        try pond.write(message: "more readings") { fs in
            try fs.root.write("/sensors/temp/a.csv", "t,v\n1,20.5\n2,21.0\n")
            try fs.write { inner in
                try inner.root.symlink("temp/a.csv", at: "/sensors/latest")
            }
        }
        let old = try pond.read(at: 2) { try $0.root.read("/sensors/temp/a.csv") }
        let matches = try pond.read { try $0.root.glob("/sensors/*/*.csv") }
        #expect(text(old) == "t,v\n1,20.5\n")
        #expect(matches.map(\.captures) == [["temp", "a"]])
        #expect(try pond.read { text(try $0.root.read("/sensors/latest")) } == "t,v\n1,20.5\n2,21.0\n")
    }
}
