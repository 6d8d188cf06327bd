import Foundation
@testable import Pond

/// A fresh pond file in a new temporary directory, removed when released.
final class TestPond {
    let directory: URL
    let path: String
    private(set) var pond: Pond

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pond-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("pond.db").path
        pond = try Pond.create(at: path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Closes the pond and opens the file again.
    func reopen() throws {
        pond = try Pond.open(at: path)
    }

    func write<T>(message: String = "test", _ body: (FS) throws -> T) throws -> T {
        try pond.write(message: message, body)
    }

    func read<T>(at version: Version? = nil, _ body: (FS) throws -> T) throws -> T {
        try pond.read(at: version, body)
    }

    var headVersion: Version { get throws { try pond.headVersion } }

    /// How many rows the log holds.
    func logRowCount() throws -> Int {
        try pond.store.read { session in try session.rowCount() }
    }
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
