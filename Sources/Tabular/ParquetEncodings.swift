/// Parquet's value encodings (https://parquet.apache.org/docs/file-format/data-pages/encodings/),
/// decoding from bytes that may be damaged: every read is bounds-checked
/// and a count can never ask for more memory than its bytes could hold.
struct ParquetDecodeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A cursor over a page's bytes.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw ParquetDecodeError("the page ends early") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        guard let value = readVarint(bytes, at: &position) else { throw ParquetDecodeError("a number runs past the page's end or past 64 bits") }
        return value
    }

    mutating func zigzag() throws -> Int64 { unzigzag(try varint()) }

    /// `count` bytes from here, stepped over.
    mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else { throw ParquetDecodeError("the page ends early (\(count) bytes wanted, \(remaining) left)") }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    mutating func littleEndian32() throws -> UInt32 {
        let raw = try take(4)
        return UInt32(raw[0]) | UInt32(raw[1]) << 8 | UInt32(raw[2]) << 16 | UInt32(raw[3]) << 24
    }
}

/// Reads `width`-bit values packed least significant bit first (the RLE
/// hybrid's bit-packed runs, DELTA_BINARY_PACKED's miniblocks).
@inline(__always)
private func unpack(_ bytes: UnsafeRawBufferPointer, width: Int, count: Int, _ emit: (UInt64) -> Void) {
    guard width > 0 else {
        for _ in 0..<count { emit(0) }
        return
    }
    let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
    var bit = 0
    for _ in 0..<count {
        var value: UInt64 = 0
        var got = 0
        while got < width {
            let byteIndex = bit >> 3, shift = bit & 7
            let take = min(8 - shift, width - got)
            let piece = (UInt64(bytes[byteIndex]) >> UInt64(shift)) & ((1 << UInt64(take)) - 1)
            value |= piece << UInt64(got)
            got += take
            bit += take
        }
        emit(value & mask)
    }
}

/// The RLE / bit-packing hybrid: definition levels and dictionary indices.
struct RLEHybridDecoder {
    private var cursor: ByteCursor
    private let width: Int
    private var repeatCount = 0
    private var repeatValue: UInt64 = 0
    private var packed: [UInt64] = []
    private var packedAt = 0

    init(_ bytes: UnsafeRawBufferPointer, width: Int) throws {
        guard (0...32).contains(width) else { throw ParquetDecodeError("a bit width of \(width) is out of range") }
        cursor = ByteCursor(bytes)
        self.width = width
    }

    /// The next `count` values, each at most `max`, appended to `levels` a run at a time.
    mutating func appendLevels(_ count: Int, max: Int, to levels: inout [UInt8]) throws {
        try appendRuns(count, below: UInt64(max) + 1, to: &levels)
    }

    /// The next `count` values, each below `limit` (a dictionary's size), appended to `indices`.
    mutating func appendIndices(_ count: Int, below limit: Int, to indices: inout [Int32]) throws {
        try appendRuns(count, below: UInt64(limit), to: &indices)
    }

    /// The next `count` values appended to `output` a run at a time, each checked below `limit`.
    private mutating func appendRuns<T: FixedWidthInteger>(_ count: Int, below limit: UInt64, to output: inout [T]) throws {
        var remaining = count
        while remaining > 0 {
            if repeatCount > 0 {
                let take = Swift.min(repeatCount, remaining)
                guard repeatValue < limit else { throw ParquetDecodeError("a value of \(repeatValue) where all are below \(limit)") }
                output.append(contentsOf: repeatElement(T(truncatingIfNeeded: repeatValue), count: take))
                repeatCount -= take
                remaining -= take
            } else if packedAt < packed.count {
                let take = Swift.min(packed.count - packedAt, remaining)
                for index in packedAt..<packedAt + take {
                    let value = packed[index]
                    guard value < limit else { throw ParquetDecodeError("a value of \(value) where all are below \(limit)") }
                    output.append(T(truncatingIfNeeded: value))
                }
                packedAt += take
                remaining -= take
            } else {
                try readRun()
            }
        }
    }

    mutating func next() throws -> UInt64 {
        if repeatCount == 0, packedAt >= packed.count { try readRun() }
        if repeatCount > 0 {
            repeatCount -= 1
            return repeatValue
        }
        defer { packedAt += 1 }
        return packed[packedAt]
    }

    /// Reads the next run's header and values: a repeated value, or bit-packed ones.
    private mutating func readRun() throws {
        let header = try cursor.varint()
        if header & 1 == 1 {
            let groups = Int(min(header >> 1, UInt64(Int32.max)))
            guard groups > 0 else { throw ParquetDecodeError("an empty bit-packed run") }
            if width == 0 {
                repeatValue = 0
                repeatCount = groups * 8
                return
            }
            // A last run may be cut short of its padding: only the values its bytes hold.
            let available = min(groups * width, cursor.remaining)
            let values = available * 8 / width
            guard values > 0 else { throw ParquetDecodeError("a bit-packed run past the page's end") }
            let bytes = try cursor.take(available)
            packed.removeAll(keepingCapacity: true)
            packed.reserveCapacity(values)
            unpack(bytes, width: width, count: values) { packed.append($0) }
            packedAt = 0
            return
        }
        let count = Int(min(header >> 1, UInt64(Int32.max)))
        guard count > 0 else { throw ParquetDecodeError("an empty RLE run") }
        var value: UInt64 = 0
        for index in 0..<((width + 7) / 8) { value |= UInt64(try cursor.byte()) << UInt64(8 * index) }
        repeatValue = value
        repeatCount = count
    }
}

/// Legacy BIT_PACKED levels: most significant bit first, no runs.
func decodeBitPackedLevels(_ bytes: UnsafeRawBufferPointer, width: Int, count: Int) throws -> [UInt8] {
    guard (width * count + 7) / 8 <= bytes.count else { throw ParquetDecodeError("the levels end early") }
    var levels = [UInt8](repeating: 0, count: count)
    var bit = 0
    for index in 0..<count {
        var value = 0
        for _ in 0..<width {
            value = value << 1 | Int(bytes[bit >> 3] >> UInt8(7 - (bit & 7))) & 1
            bit += 1
        }
        levels[index] = UInt8(truncatingIfNeeded: value)
    }
    return levels
}

/// DELTA_BINARY_PACKED: integers as a first value and bit-packed deltas.
/// - Returns: the values and where the encoding ended in `cursor`.
func decodeDeltaBinaryPacked(_ cursor: inout ByteCursor, limit: Int) throws -> [Int64] {
    let blockSize = Int(min(try cursor.varint(), 1 << 20))
    let miniblocks = Int(min(try cursor.varint(), 1 << 10))
    let total = Int(min(try cursor.varint(), UInt64(Int32.max)))
    var last = try cursor.zigzag()
    guard miniblocks > 0, blockSize > 0, blockSize % 128 == 0, (blockSize / miniblocks) % 32 == 0 else {
        throw ParquetDecodeError("DELTA_BINARY_PACKED: a block of \(blockSize) values in \(miniblocks) miniblocks is malformed")
    }
    guard total <= limit else { throw ParquetDecodeError("DELTA_BINARY_PACKED: \(total) values where at most \(limit) fit") }
    var values: [Int64] = []
    values.reserveCapacity(total)
    if total > 0 { values.append(last) }
    let perMiniblock = blockSize / miniblocks
    while values.count < total {
        let minDelta = try cursor.zigzag()
        let widths = try cursor.take(miniblocks)
        for index in 0..<miniblocks where values.count < total {
            let width = Int(widths[index])
            guard width <= 64 else { throw ParquetDecodeError("DELTA_BINARY_PACKED: a bit width of \(width)") }
            let bytes = try cursor.take(perMiniblock * width / 8)
            let wanted = min(perMiniblock, total - values.count)
            unpack(bytes, width: width, count: wanted) { delta in
                last = last &+ minDelta &+ Int64(bitPattern: delta)
                values.append(last)
            }
        }
    }
    return values
}

/// Values of a byte-array column: all bytes in one buffer, each value's end in `ends`.
struct ByteArrays {
    var data: [UInt8] = []
    var ends: [Int] = []

    var count: Int { ends.count }

    @inline(__always)
    func range(_ index: Int) -> Range<Int> { (index == 0 ? 0 : ends[index - 1])..<ends[index] }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        data.append(contentsOf: bytes)
        ends.append(data.count)
    }

    mutating func append(_ other: ByteArrays, _ index: Int) {
        data.append(contentsOf: other.data[other.range(index)])
        ends.append(data.count)
    }
}

/// DELTA_LENGTH_BYTE_ARRAY: the lengths delta-packed, then the bytes.
func decodeDeltaLengthByteArray(_ cursor: inout ByteCursor, limit: Int, into values: inout ByteArrays) throws {
    let lengths = try decodeDeltaBinaryPacked(&cursor, limit: limit)
    for length in lengths {
        guard length >= 0, length <= Int64(cursor.remaining) else { throw ParquetDecodeError("DELTA_LENGTH_BYTE_ARRAY: a value runs past the page") }
        values.append(try cursor.take(Int(length)))
    }
}

/// DELTA_BYTE_ARRAY: each value a prefix of the one before plus a suffix.
func decodeDeltaByteArray(_ cursor: inout ByteCursor, limit: Int, into values: inout ByteArrays) throws {
    let prefixes = try decodeDeltaBinaryPacked(&cursor, limit: limit)
    var suffixes = ByteArrays()
    try decodeDeltaLengthByteArray(&cursor, limit: limit, into: &suffixes)
    guard suffixes.count == prefixes.count else { throw ParquetDecodeError("DELTA_BYTE_ARRAY: \(prefixes.count) prefixes but \(suffixes.count) suffixes") }
    var previous: [UInt8] = []
    for (index, prefix) in prefixes.enumerated() {
        guard prefix >= 0, prefix <= Int64(previous.count) else { throw ParquetDecodeError("DELTA_BYTE_ARRAY: a prefix longer than the value before") }
        var value = Array(previous[..<Int(prefix)])
        value.append(contentsOf: suffixes.data[suffixes.range(index)])
        value.withUnsafeBytes { values.append($0) }
        previous = value
    }
}

/// BYTE_STREAM_SPLIT: byte k of value i at k * count + i; gives each value's `width` bytes.
func decodeByteStreamSplit(_ bytes: UnsafeRawBufferPointer, width: Int, count: Int, _ emit: (UnsafeRawBufferPointer) -> Void) throws {
    guard width > 0, count * width <= bytes.count else { throw ParquetDecodeError("BYTE_STREAM_SPLIT: the page ends early") }
    withUnsafeTemporaryAllocation(byteCount: width, alignment: 8) { value in
        for index in 0..<count {
            for k in 0..<width { value[k] = bytes[k * count + index] }
            emit(UnsafeRawBufferPointer(value))
        }
    }
}
