/// One column chunk of a Parquet row group, decoded: its pages read,
/// decompressed and decoded into values, and for each row the value it
/// holds (or none: NULL). A flat column only; `ParquetFile` assembles
/// nested ones from several of these.
struct DecodedColumn {
    enum Values {
        case integers([Int64])
        case reals([Double])
        case bytes(ByteArrays)

        var count: Int {
            switch self {
            case .integers(let values): values.count
            case .reals(let values): values.count
            case .bytes(let values): values.count
            }
        }

        func sameKind(as other: Values) -> Bool {
            switch (self, other) {
            case (.integers, .integers), (.reals, .reals), (.bytes, .bytes): true
            default: false
            }
        }

        /// Empties the values, keeping their memory.
        mutating func removeAll() {
            switch self {
            case .integers(var values):
                self = .reals([])
                values.removeAll(keepingCapacity: true)
                self = .integers(values)
            case .reals(var values):
                self = .integers([])
                values.removeAll(keepingCapacity: true)
                self = .reals(values)
            case .bytes(var values):
                self = .integers([])
                values.data.removeAll(keepingCapacity: true)
                values.ends.removeAll(keepingCapacity: true)
                self = .bytes(values)
            }
        }
    }

    var values: Values
    /// Each level entry's definition and repetition levels (empty when the
    /// column's maximum is 0: every entry defined, one per row).
    var definitions: [UInt8]
    var repetitions: [UInt8]
    /// The number of level entries (values and NULLs).
    var entryCount: Int
    /// A page decoded with `keepIndices` from a dictionary: each value's
    /// index in `dictionary` (then `values` is empty).
    var indices: [Int32] = []
    var dictionary: Values?
}

/// Where a leaf column sits in the schema.
struct LeafDescriptor {
    let element: SchemaElement
    let type: ParquetType
    let maxDefinition: Int
    let maxRepetition: Int
    /// The value width of a fixed-length type, in bytes.
    var width: Int {
        switch type {
        case .boolean: 0
        case .int32, .float: 4
        case .int64, .double: 8
        case .int96: 12
        case .byteArray: 0
        case .fixedLenByteArray: Int(element.typeLength)
        }
    }
}

/// A column chunk's pages, decoded one data page at a time as rows are
/// needed (`next`): a query that stops early (LIMIT) decodes no further,
/// and memory holds one page's values.
final class ColumnChunkPages {
    let decoder: ColumnChunkDecoder
    private let bytes: [UInt8]
    private var position = 0
    private var dictionary: DecodedColumn.Values?
    private var entries = 0
    private var remainingValues: Int

    /// Whether a dictionary-encoded page keeps its indices (`DecodedColumn.indices`)
    /// instead of copying out each value: a flat column read page by page.
    let keepIndices: Bool

    init(decoder: ColumnChunkDecoder, bytes: [UInt8], keepIndices: Bool = false) {
        self.decoder = decoder
        self.bytes = bytes
        self.keepIndices = keepIndices
        remainingValues = Int(clamping: decoder.meta.valueCount)
    }

    /// Every page of the chunk, decoded into one column.
    func decodeAll() throws -> DecodedColumn {
        var column = DecodedColumn(values: decoder.emptyValues(), definitions: [], repetitions: [], entryCount: 0)
        while try next(into: &column) {}
        return column
    }

    /// Decodes the next data page, appending its values and levels to
    /// `column` (and its entries to `entryCount`); false when none is left.
    /// - Throws: `ParquetDecodeError` for a damaged page, or a chunk that
    ///   ends short of its values.
    func next(into column: inout DecodedColumn) throws -> Bool {
        try bytes.withUnsafeBytes { chunk in
            var cursor = ByteCursor(chunk)
            cursor.position = position
            defer { position = cursor.position }
            while remainingValues > 0, cursor.remaining > 0 {
                if try decoder.page(&cursor, chunk, dictionary: &dictionary, entries: &entries, remainingValues: &remainingValues,
                                    keepIndices: keepIndices, into: &column) {
                    return true
                }
            }
            guard remainingValues == 0 else { throw ParquetDecodeError("the column chunk ends \(remainingValues) values short") }
            return false
        }
    }
}

/// Decodes a column chunk's pages from its bytes.
struct ColumnChunkDecoder {
    /// The most values (and NULLs) one column chunk may hold: 2^28.
    static let mostEntries = 1 << 28
    let leaf: LeafDescriptor
    let meta: ColumnChunkMeta
    /// The rows the row group says it has: no page may claim more entries than a bound of this.
    let rowCount: Int

    /// Reads one page at `cursor`: a dictionary page sets `dictionary` (false),
    /// a data page appends to `column` (true).
    func page(_ cursor: inout ByteCursor, _ chunk: UnsafeRawBufferPointer, dictionary: inout DecodedColumn.Values?, entries: inout Int,
              remainingValues: inout Int, keepIndices: Bool = false, into column: inout DecodedColumn) throws -> Bool {
        var thrift = ThriftReader(UnsafeRawBufferPointer(rebasing: chunk[cursor.position...]))
        let header: PageHeader
        do { header = try PageHeader(thrift: &thrift) } catch let error as ThriftError {
            throw ParquetDecodeError("a page header is damaged (\(error))")
        }
        cursor.position += thrift.position
        let body = try cursor.take(Int(header.compressedSize))
        switch PageType(rawValue: header.type) {
        case .dictionary:
            let page = try meta.codec.decompress(body, size: Int(header.uncompressedSize))
            guard header.valueCount <= page.count * 8 + 1 else { throw ParquetDecodeError("a dictionary of \(header.valueCount) values in \(page.count) bytes") }
            dictionary = try page.withUnsafeBytes { bytes in
                var decoded = emptyValues()
                var valueCursor = ByteCursor(bytes)
                try decodePlain(&valueCursor, count: Int(header.valueCount), into: &decoded)
                return decoded
            }
        case .data, .dataV2:
            let count = Int(header.valueCount)
            guard count <= remainingValues else { throw ParquetDecodeError("a page holds more values than its column chunk") }
            // A flat column has one entry a row: a page that claims more is damage, and is not allocated for.
            guard leaf.maxRepetition > 0 || entries + count <= rowCount else {
                throw ParquetDecodeError("a page holds more values than the row group has rows")
            }
            // A nested column's entries are bounded too: no chunk of a file Pond reads holds more.
            guard entries + count <= ColumnChunkDecoder.mostEntries else {
                throw ParquetDecodeError("a column chunk of more than \(ColumnChunkDecoder.mostEntries) values")
            }
            remainingValues -= count
            entries += count
            let isV2 = header.type == PageType.dataV2.rawValue
            var page: [UInt8]
            var levelsEnd = 0
            if isV2 {
                let levelBytes = Int(header.repetitionLength) + Int(header.definitionLength)
                guard header.repetitionLength >= 0, header.definitionLength >= 0, levelBytes <= body.count else {
                    throw ParquetDecodeError("a v2 page's levels are longer than the page")
                }
                page = Array(body[..<levelBytes])
                let rest = UnsafeRawBufferPointer(rebasing: body[levelBytes...])
                if header.isCompressed, meta.codec != .uncompressed {
                    page += try meta.codec.decompress(rest, size: Int(header.uncompressedSize) - levelBytes)
                } else {
                    page += rest
                }
                levelsEnd = levelBytes
            } else {
                page = try meta.codec.decompress(body, size: Int(header.uncompressedSize))
            }
            try page.withUnsafeBytes { bytes in
                var pageCursor = ByteCursor(bytes)
                // Repetition levels, then definition levels.
                if leaf.maxRepetition > 0 {
                    let length = isV2 ? Int(header.repetitionLength) : Int(try pageCursor.littleEndian32())
                    let levels = try pageCursor.take(length)
                    try appendLevels(levels, max: leaf.maxRepetition, count: count, into: &column.repetitions)
                }
                var defined = count
                if leaf.maxDefinition > 0 {
                    let before = column.definitions.count
                    if !isV2, header.definitionEncoding == ParquetEncoding.bitPacked.rawValue {
                        let width = bitWidth(leaf.maxDefinition)
                        let levels = try pageCursor.take((width * count + 7) / 8)
                        column.definitions += try decodeBitPackedLevels(levels, width: width, count: count)
                    } else {
                        let length = isV2 ? Int(header.definitionLength) : Int(try pageCursor.littleEndian32())
                        let levels = try pageCursor.take(length)
                        try appendLevels(levels, max: leaf.maxDefinition, count: count, into: &column.definitions)
                    }
                    let top = UInt8(leaf.maxDefinition)
                    defined = column.definitions[before...].reduce(0) { $0 + ($1 == top ? 1 : 0) }
                }
                if isV2 { pageCursor.position = levelsEnd }
                if keepIndices, header.encoding == ParquetEncoding.rleDictionary.rawValue || header.encoding == ParquetEncoding.plainDictionary.rawValue {
                    guard let dictionary else { throw ParquetDecodeError("a dictionary-encoded page without a dictionary") }
                    try decodeIndices(&pageCursor, count: defined, below: dictionary.count, into: &column.indices)
                    column.dictionary = dictionary
                } else {
                    try decodeValues(&pageCursor, encoding: header.encoding, count: defined, dictionary: dictionary, into: &column.values)
                }
            }
            column.entryCount += count
            return true
        case .index:
            return false
        case nil:
            throw ParquetDecodeError("unknown page type \(header.type)")
        }
        return false
    }

    func emptyValues() -> DecodedColumn.Values {
        switch leaf.type {
        case .boolean, .int32, .int64, .int96: .integers([])
        case .float, .double: .reals([])
        case .byteArray, .fixedLenByteArray: .bytes(ByteArrays())
        }
    }

    private func appendLevels(_ bytes: UnsafeRawBufferPointer, max: Int, count: Int, into levels: inout [UInt8]) throws {
        var decoder = try RLEHybridDecoder(bytes, width: bitWidth(max))
        levels.reserveCapacity(levels.count + min(count, 1 << 20))
        try decoder.appendLevels(count, max: max, to: &levels)
    }

    /// `count` dictionary indices (a bit width, then the RLE hybrid), each checked below `size`.
    private func decodeIndices(_ cursor: inout ByteCursor, count: Int, below size: Int, into indices: inout [Int32]) throws {
        let width = Int(try cursor.byte())
        var decoder = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: cursor.bytes[cursor.position...]), width: width)
        indices.reserveCapacity(indices.count + min(count, 1 << 20))
        try decoder.appendIndices(count, below: size, to: &indices)
    }

    /// `count` values in `encoding`, appended to `values`.
    private func decodeValues(_ cursor: inout ByteCursor, encoding raw: Int32, count: Int, dictionary: DecodedColumn.Values?,
                              into values: inout DecodedColumn.Values) throws {
        guard let encoding = ParquetEncoding(rawValue: raw) else { throw ParquetDecodeError("unknown encoding \(raw)") }
        // No encoding holds more values than 8 a byte (a bit each), but RLE runs: those are checked as they come.
        switch encoding {
        case .plain:
            try decodePlain(&cursor, count: count, into: &values)
        case .plainDictionary, .rleDictionary:
            guard let dictionary else { throw ParquetDecodeError("a dictionary-encoded page without a dictionary") }
            var indices: [Int32] = []
            try decodeIndices(&cursor, count: count, below: dictionary.count, into: &indices)
            switch (dictionary, values) {
            case (.integers(let source), .integers(var target)):
                values = .integers([])
                target.reserveCapacity(target.count + count)
                for index in indices { target.append(source[Int(index)]) }
                values = .integers(target)
            case (.reals(let source), .reals(var target)):
                values = .reals([])
                target.reserveCapacity(target.count + count)
                for index in indices { target.append(source[Int(index)]) }
                values = .reals(target)
            case (.bytes(let source), .bytes(var target)):
                values = .bytes(ByteArrays())
                target.ends.reserveCapacity(target.count + count)
                for index in indices { target.append(source, Int(index)) }
                values = .bytes(target)
            default:
                throw ParquetDecodeError("a dictionary of another type than its column")
            }
        case .rle:
            guard leaf.type == .boolean else { throw ParquetDecodeError("RLE values in a \(leaf.type) column") }
            let length = Int(try cursor.littleEndian32())
            var decoder = try RLEHybridDecoder(try cursor.take(length), width: 1)
            guard case .integers(var target) = values else { return }
            values = .integers([])
            for _ in 0..<count { target.append(Int64(try decoder.next())) }
            values = .integers(target)
        case .deltaBinaryPacked:
            guard leaf.type == .int32 || leaf.type == .int64, case .integers(var target) = values else {
                throw ParquetDecodeError("DELTA_BINARY_PACKED values in a \(leaf.type) column")
            }
            values = .integers([])
            let decoded = try decodeDeltaBinaryPacked(&cursor, limit: count)
            guard decoded.count == count else { throw ParquetDecodeError("DELTA_BINARY_PACKED: \(decoded.count) values where \(count) belong") }
            target += leaf.type == .int32 ? decoded.map { Int64(Int32(truncatingIfNeeded: $0)) } : decoded
            values = .integers(target)
        case .deltaLengthByteArray, .deltaByteArray:
            guard leaf.type == .byteArray || leaf.type == .fixedLenByteArray, case .bytes(var target) = values else {
                throw ParquetDecodeError("\(encoding) values in a \(leaf.type) column")
            }
            values = .bytes(ByteArrays())
            let before = target.count
            if encoding == .deltaLengthByteArray {
                try decodeDeltaLengthByteArray(&cursor, limit: count, into: &target)
            } else {
                try decodeDeltaByteArray(&cursor, limit: count, into: &target)
            }
            guard target.count - before == count else { throw ParquetDecodeError("\(target.count - before) values where \(count) belong") }
            values = .bytes(target)
        case .byteStreamSplit:
            let width = leaf.width
            guard width > 0 else { throw ParquetDecodeError("BYTE_STREAM_SPLIT in a \(leaf.type) column") }
            let bytes = try cursor.take(width * count)
            var plain = [UInt8]()
            plain.reserveCapacity(width * count)
            try decodeByteStreamSplit(bytes, width: width, count: count) { plain.append(contentsOf: $0) }
            try plain.withUnsafeBytes { bytes in
                var plainCursor = ByteCursor(bytes)
                try decodePlain(&plainCursor, count: count, into: &values)
            }
        case .bitPacked:
            throw ParquetDecodeError("BIT_PACKED is an encoding of levels, not of values")
        }
    }

    /// `count` PLAIN values appended to `values`.
    private func decodePlain(_ cursor: inout ByteCursor, count: Int, into values: inout DecodedColumn.Values) throws {
        switch (leaf.type, values) {
        case (.boolean, .integers(var target)):
            values = .integers([])
            let bytes = try cursor.take((count + 7) / 8)
            target.reserveCapacity(target.count + count)
            for index in 0..<count { target.append(Int64(bytes[index >> 3] >> UInt8(index & 7) & 1)) }
            values = .integers(target)
        case (.int32, .integers(var target)):
            values = .integers([])
            let bytes = try cursor.take(4 * count)
            target.reserveCapacity(target.count + count)
            for index in 0..<count { target.append(Int64(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * index, as: Int32.self)))) }
            values = .integers(target)
        case (.int64, .integers(var target)):
            values = .integers([])
            let bytes = try cursor.take(8 * count)
            target.reserveCapacity(target.count + count)
            for index in 0..<count { target.append(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * index, as: Int64.self))) }
            values = .integers(target)
        case (.int96, .integers(var target)):
            // Nanoseconds of the day, then the Julian day: kept as nanoseconds since 1970.
            values = .integers([])
            let bytes = try cursor.take(12 * count)
            target.reserveCapacity(target.count + count)
            for index in 0..<count {
                let nanos = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 12 * index, as: Int64.self))
                let day = Int64(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12 * index + 8, as: Int32.self)))
                target.append((day - 2_440_588) &* 86_400_000_000_000 &+ nanos)
            }
            values = .integers(target)
        case (.float, .reals(var target)):
            values = .reals([])
            let bytes = try cursor.take(4 * count)
            target.reserveCapacity(target.count + count)
            for index in 0..<count {
                target.append(Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))))
            }
            values = .reals(target)
        case (.double, .reals(var target)):
            values = .reals([])
            let bytes = try cursor.take(8 * count)
            target.reserveCapacity(target.count + count)
            for index in 0..<count {
                target.append(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self))))
            }
            values = .reals(target)
        case (.byteArray, .bytes(var target)):
            values = .bytes(ByteArrays())
            // Each value takes 4 bytes of length at least.
            guard count <= cursor.remaining / 4 else { throw ParquetDecodeError("\(count) strings cannot fit in \(cursor.remaining) bytes") }
            target.ends.reserveCapacity(target.count + count)
            for _ in 0..<count {
                let length = Int(try cursor.littleEndian32())
                target.append(try cursor.take(length))
            }
            values = .bytes(target)
        case (.fixedLenByteArray, .bytes(var target)):
            values = .bytes(ByteArrays())
            let width = leaf.width
            guard width > 0 else { throw ParquetDecodeError("a FIXED_LEN_BYTE_ARRAY of length \(width)") }
            let bytes = try cursor.take(width * count)
            target.ends.reserveCapacity(target.count + count)
            for index in 0..<count { target.append(UnsafeRawBufferPointer(rebasing: bytes[(index * width)..<(index + 1) * width])) }
            values = .bytes(target)
        default:
            throw ParquetDecodeError("values of another type than the column's")
        }
    }
}

/// The bits a level up to `max` takes.
func bitWidth(_ max: Int) -> Int { max == 0 ? 0 : Int.bitWidth - max.leadingZeroBitCount }
