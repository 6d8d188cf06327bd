/// Bytes read in pieces, so that a file of any size passes through a fixed
/// amount of memory: a host file, standard input, or an array.
public protocol ByteSource {
    /// Fills `buffer` from its start with the next bytes.
    /// - Returns: how many bytes were written; 0 only at the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Bytes already in memory, as a `ByteSource`.
public struct ArraySource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { all in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[position..<position + count]))
        }
        position += count
        return count
    }
}

/// Where a file's bytes go as they are read: called once per piece, in order.
public typealias ByteSink = (UnsafeRawBufferPointer) throws -> Void
