/// A persistence kept in memory: the in-memory twin of OpLog, for tests.
///
/// It holds only the head state (no history); `savepoint` restores a copy of
/// the state when its body throws. Swift's copy-on-write collections make
/// that copy cheap.
public final class MemoryPersistence: Persistence {
    private struct State {
        var directories: [NodeID: [Name: EntryRecord]] = [.root: [:]]
        var specs: [NodeID: DynamicSpec] = [:]
        var contents: [NodeID: [UInt8]] = [:]
        var targets: [NodeID: String] = [:]
        var nextID = NodeID.root.successor
        /// How many times each file's content was recorded (written or rewritten).
        var writes: [NodeID: Int] = [:]
        var derived: [NodeID: DerivedFactory] = [:]
    }

    private var state = State()

    public init() {}

    public var isWritable: Bool { true }

    public func entry(named name: Name, in directory: NodeID) throws -> EntryRecord? {
        state.directories[directory]?[name]
    }

    public func entries(in directory: NodeID) throws -> [EntryRecord] {
        (state.directories[directory] ?? [:]).values.sorted { $0.name < $1.name }
    }

    public func readContent(of file: NodeID, at path: PondPath, into sink: ByteSink) throws {
        try (state.contents[file] ?? []).withUnsafeBytes(sink)
    }

    public func target(of symlink: NodeID) throws -> String { state.targets[symlink] ?? "" }

    public func dynamicSpec(of directory: NodeID) throws -> DynamicSpec? { state.specs[directory] }

    public func allocateNodeID() throws -> NodeID {
        defer { state.nextID = state.nextID.successor }
        return state.nextID
    }

    public func createDirectory(_ directory: NodeID, spec: DynamicSpec?) throws {
        state.directories[directory] = [:]
        state.specs[directory] = spec
    }

    public func link(_ entry: EntryRecord, in directory: NodeID) throws {
        precondition(state.directories[directory]?[entry.name] == nil, "link over an existing entry")
        state.directories[directory, default: [:]][entry.name] = entry
    }

    public func unlink(_ entry: EntryRecord, in directory: NodeID) throws {
        state.directories[directory]?[entry.name] = nil
    }

    public func writeContent<Source: ByteSource>(
        from source: inout Source, of file: NodeID, in directory: NodeID
    ) throws -> Bool {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while case let count = try buffer.withUnsafeMutableBytes({ try source.read(into: $0) }), count > 0 {
            bytes.append(contentsOf: buffer[..<count])
        }
        if state.contents[file] == bytes { return false }
        state.contents[file] = bytes
        state.writes[file, default: 0] += 1
        return true
    }

    public func appendContent<Source: ByteSource>(from source: inout Source, of file: NodeID, in directory: NodeID, asBytes: Bool) throws -> Bool {
        var added: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while case let count = try buffer.withUnsafeMutableBytes({ try source.read(into: $0) }), count > 0 {
            added.append(contentsOf: buffer[..<count])
        }
        if added.isEmpty { return false }
        state.contents[file, default: []].append(contentsOf: added)
        state.writes[file, default: 0] += 1
        return true
    }

    public func derivedFactory(of file: NodeID) throws -> DerivedFactory? { state.derived[file] }

    public func markDerived(_ file: NodeID, factory: DerivedFactory) throws { state.derived[file] = factory }

    /// Records the file's content again, as the log records a new write row.
    /// - Throws: `TinyFSError.notAFile` if `file` holds no content.
    public func rewriteContent(of file: NodeID, in directory: NodeID) throws {
        guard state.contents[file] != nil else { throw TinyFSError.notAFile(.root) }
        state.writes[file, default: 0] += 1
    }

    public func location(of node: NodeID) throws -> (directory: NodeID, name: Name)? {
        for (directory, entries) in state.directories {
            if let entry = entries.values.first(where: { $0.id == node }) { return (directory, entry.name) }
        }
        return nil
    }

    public func restoreContent(of file: NodeID, from snapshot: any Persistence, in directory: NodeID) throws -> Bool {
        var bytes: [UInt8] = []
        try snapshot.readContent(of: file, at: .root) { bytes.append(contentsOf: $0) }
        return try writeContent(bytes, of: file, in: directory)
    }

    /// How many times the content of `file` was recorded: each write of
    /// different bytes and each rewrite (`touch`) counts one.
    public func writeCount(of file: NodeID) -> Int { state.writes[file] ?? 0 }

    public func writeTarget(_ target: String, of symlink: NodeID, in directory: NodeID) throws {
        state.targets[symlink] = target
    }

    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        let saved = state
        do {
            return try body()
        } catch {
            state = saved
            throw error
        }
    }
}
