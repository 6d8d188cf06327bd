/// Where the filesystem's state lives: the log (OpLog) or memory (tests).
///
/// A persistence object is one view of a pond: a write transaction (reads
/// see its own writes at once) or a read-only snapshot of one version, whose
/// mutating methods throw `TinyFSError.readOnlySnapshot`. The filesystem
/// keeps no state of its own: every answer comes from here.
public protocol Persistence: AnyObject {
    /// Whether the mutating methods may be called.
    var isWritable: Bool { get }

    /// The entry `name` of stored directory `directory`, or nil.
    func entry(named name: Name, in directory: NodeID) throws -> EntryRecord?
    /// Every entry of stored directory `directory`, sorted bytewise by name.
    func entries(in directory: NodeID) throws -> [EntryRecord]
    /// Passes the content of file `file` to `sink`, piece by piece, in order.
    ///
    /// `path` is where the file was reached: errors name it. A persistence
    /// that can tell (the log) checks the bytes against their hashes first
    /// and throws instead of passing on bytes that differ from those written.
    func readContent(of file: NodeID, at path: PondPath, into sink: ByteSink) throws
    /// The target of symlink `symlink`.
    func target(of symlink: NodeID) throws -> String
    /// The definition of directory `directory` if it is dynamic, nil if stored.
    func dynamicSpec(of directory: NodeID) throws -> DynamicSpec?

    /// A node id never used before in this pond.
    func allocateNodeID() throws -> NodeID
    /// Records the creation of directory `directory`, dynamic when `spec` is given.
    func createDirectory(_ directory: NodeID, spec: DynamicSpec?) throws
    /// Adds entry `entry` to `directory`; the name must be free.
    func link(_ entry: EntryRecord, in directory: NodeID) throws
    /// Removes entry `entry` from `directory`.
    func unlink(_ entry: EntryRecord, in directory: NodeID) throws
    /// Records the bytes `source` yields as the content of file `file`,
    /// which lives in `directory`, unless the file already holds exactly
    /// those bytes.
    /// - Returns: whether new content was recorded.
    @discardableResult
    func writeContent<Source: ByteSource>(from source: inout Source, of file: NodeID, in directory: NodeID) throws -> Bool
    /// Adds the bytes `source` yields to the end of file `file`'s content,
    /// as a new write, reading no more of the old content than it must
    /// (the log reads only its last chunk).
    /// A table's appended rows are checked before the write commits
    /// (DESIGN.md, "Writes are checked") unless `asBytes`.
    /// - Returns: whether anything was added (false for no bytes).
    @discardableResult
    func appendContent<Source: ByteSource>(from source: inout Source, of file: NodeID, in directory: NodeID, asBytes: Bool) throws -> Bool
    /// How file `file`'s bytes are computed if it is a derived file (its
    /// content is then the definition), nil for a stored file.
    func derivedFactory(of file: NodeID) throws -> DerivedFactory?
    /// Records that new file `file` is a derived file made by `factory`.
    func markDerived(_ file: NodeID, factory: DerivedFactory) throws
    /// Records the current content of file `file` again, as a new write
    /// (what `touch` does), without reading it.
    func rewriteContent(of file: NodeID, in directory: NodeID) throws
    /// Records the target of new symlink `symlink`, which lives in `directory`.
    func writeTarget(_ target: String, of symlink: NodeID, in directory: NodeID) throws

    /// Where stored node `node` is linked now (its directory and name), nil
    /// if it is in no directory (removed, or the root).
    func location(of node: NodeID) throws -> (directory: NodeID, name: Name)?
    /// Makes the content of file `file`, which lives in `directory`, what
    /// it is in `snapshot` (the same pond at another version), recording a
    /// write only if it differs, and without reading the bytes where the
    /// persistence can point at them. Returns whether it recorded one.
    /// - Throws: when the snapshot's bytes are gone (a pruned version).
    @discardableResult
    func restoreContent(of file: NodeID, from snapshot: any Persistence, in directory: NodeID) throws -> Bool

    /// Runs `body` as a nested transaction: if it throws, every change it made
    /// is undone and the error is rethrown; otherwise its changes stay.
    func savepoint<T>(_ body: () throws -> T) throws -> T
}

extension Persistence {
    /// The whole content of file `file`, reached at `path`, in memory.
    public func content(of file: NodeID, at path: PondPath) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try readContent(of: file, at: path) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Records `bytes` as the content of `file`; see `writeContent(from:of:in:)`.
    @discardableResult
    public func writeContent(_ bytes: [UInt8], of file: NodeID, in directory: NodeID) throws -> Bool {
        var source = ArraySource(bytes)
        return try writeContent(from: &source, of: file, in: directory)
    }
}
