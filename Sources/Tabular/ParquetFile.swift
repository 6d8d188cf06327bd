/// Bytes read at any offset: a Parquet file is read from its footer, then
/// the column chunks a query needs, never as a whole.
public protocol RandomAccessBytes: AnyObject {
    /// The file's length in bytes.
    var count: Int64 { get }
    /// `count` bytes from `offset`.
    /// - Throws: when the bytes cannot be read (damaged, missing); the reader adds nothing to the error.
    func read(at offset: Int64, count: Int) throws -> [UInt8]
}

/// A file's bytes held in memory, as `RandomAccessBytes`.
public final class BytesInMemory: RandomAccessBytes {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var count: Int64 { Int64(bytes.count) }
    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset + Int64(count) <= self.count else {
            throw ParquetDecodeError("a read of \(count) bytes at \(offset) is past the file's \(self.count) bytes")
        }
        return Array(bytes[Int(offset)..<Int(offset) + count])
    }
}

/// What is wrong with a Parquet file: the row group and column when a page is.
public struct ParquetError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A node of a Parquet schema: a leaf column, or a group of them.
final class SchemaNode {
    let element: SchemaElement
    var children: [SchemaNode] = []
    /// The leaf's index among the row group's column chunks.
    var leaf: Int?
    let maxDefinition: Int
    let maxRepetition: Int

    init(element: SchemaElement, maxDefinition: Int, maxRepetition: Int) {
        self.element = element
        self.maxDefinition = maxDefinition
        self.maxRepetition = maxRepetition
    }

    /// The leaves under this node, in column-chunk order.
    var leaves: [Int] { leaf.map { [$0] } ?? children.flatMap(\.leaves) }
}

/// A Parquet file's footer and schema: its columns as a table, and its row
/// groups read one at a time (`readRowGroup`), only the columns asked for.
public final class ParquetFile {
    let source: RandomAccessBytes
    let metadata: FileMetaData
    /// The top-level columns, in the schema's order.
    let columns: [SchemaNode]
    let leafDescriptors: [LeafDescriptor]
    /// The file's columns as a table.
    public let schema: TableSchema

    /// Reads and checks the footer.
    /// - Throws: `ParquetError` for a file that is no Parquet file or whose footer is damaged.
    public init(_ source: RandomAccessBytes) throws {
        self.source = source
        let size = source.count
        guard size >= 12 else { throw ParquetError("the file is too short to be Parquet (\(size) bytes)") }
        let tail = try source.read(at: size - 8, count: 8)
        guard tail[4...] == [0x50, 0x41, 0x52, 0x31] else {
            if tail[4...] == [0x50, 0x41, 0x52, 0x45] { throw ParquetError("the file is encrypted Parquet, which is not supported") }
            throw ParquetError("the file does not end in Parquet's magic PAR1: it is no Parquet file, or truncated")
        }
        let head = try source.read(at: 0, count: 4)
        guard head == [0x50, 0x41, 0x52, 0x31] else { throw ParquetError("the file does not start with Parquet's magic PAR1") }
        let footerLength = Int64(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
        guard footerLength > 0, footerLength <= size - 12 else {
            throw ParquetError("the footer's length (\(footerLength) bytes) does not fit the file's \(size)")
        }
        let footer = try source.read(at: size - 8 - footerLength, count: Int(footerLength))
        let metadata: FileMetaData
        do {
            metadata = try footer.withUnsafeBytes { bytes in
                var reader = ThriftReader(bytes)
                return try FileMetaData(thrift: &reader)
            }
        } catch let error as ThriftError {
            throw ParquetError("the footer is damaged: \(error)")
        }
        self.metadata = metadata
        guard let root = metadata.schema.first else { throw ParquetError("the footer has no schema") }
        var position = 1
        var leaves: [LeafDescriptor] = []
        func node(depthDefinition: Int, depthRepetition: Int, nesting: Int) throws -> SchemaNode {
            guard position < metadata.schema.count else { throw ParquetError("the schema has fewer elements than its groups claim") }
            guard nesting < 64 else { throw ParquetError("the schema nests too deep") }
            let element = metadata.schema[position]
            position += 1
            let definition = depthDefinition + (element.repetition == .required ? 0 : 1)
            let repetition = depthRepetition + (element.repetition == .repeated ? 1 : 0)
            let result = SchemaNode(element: element, maxDefinition: definition, maxRepetition: repetition)
            if element.childCount == 0 {
                guard let type = element.type else { throw ParquetError("column \(element.name) has no type") }
                guard definition <= 255, repetition <= 255 else { throw ParquetError("column \(element.name) nests too deep") }
                result.leaf = leaves.count
                leaves.append(LeafDescriptor(element: element, type: type, maxDefinition: definition, maxRepetition: repetition))
            } else {
                for _ in 0..<element.childCount { result.children.append(try node(depthDefinition: definition, depthRepetition: repetition, nesting: nesting + 1)) }
            }
            return result
        }
        var top: [SchemaNode] = []
        for _ in 0..<root.childCount { top.append(try node(depthDefinition: 0, depthRepetition: 0, nesting: 0)) }
        columns = top
        leafDescriptors = leaves
        for group in metadata.rowGroups {
            guard group.columns.count == leaves.count else {
                throw ParquetError("a row group has \(group.columns.count) column chunks for \(leaves.count) columns")
            }
            guard group.rowCount >= 0 else { throw ParquetError("a row group has a negative row count") }
            for (chunk, leaf) in zip(group.columns, leaves) where chunk.type != leaf.type {
                throw ParquetError("column \(leaf.element.name): its chunks say \(chunk.type), its schema \(leaf.type)")
            }
        }
        let total = metadata.rowGroups.reduce(Int64(0)) { $0 &+ $1.rowCount }
        guard total == metadata.rowCount else {
            throw ParquetError("the footer says \(metadata.rowCount) rows, its row groups \(total)")
        }
        // A flat column has one value a row: a row count its chunks do not hold is damage (and would be a long walk).
        if let flat = top.first(where: { $0.leaf != nil && $0.maxRepetition == 0 }), let leaf = flat.leaf {
            for (index, group) in metadata.rowGroups.enumerated() where group.columns[leaf].valueCount != group.rowCount {
                throw ParquetError("row group \(index) has \(group.rowCount) rows but column \(flat.element.name) \(group.columns[leaf].valueCount) values")
            }
        }
        let names = uniqueColumnNames(top.map(\.element.name), reserved: TableReader.reservedColumns)
        schema = TableSchema(columns: names, types: top.map { ParquetValueKind(node: $0).columnType }, sourceNames: top.map(\.element.name))
    }

    public var rowGroupCount: Int { metadata.rowGroups.count }

    public func rowCount(ofGroup group: Int) -> Int { Int(metadata.rowGroups[group].rowCount) }

    /// The smallest and largest value of top-level column `column` in row
    /// group `group`, from its statistics; nil when they are not kept (or
    /// the column is nested, or its order is not the values' order).
    public func range(ofColumn column: Int, inGroup group: Int) -> (min: Bound, max: Bound)? {
        let node = columns[column]
        guard let leaf = node.leaf, let statistics = metadata.rowGroups[group].columns[leaf].statistics,
              let min = statistics.min, let max = statistics.max else { return nil }
        let kind = ParquetValueKind(node: node)
        guard let low = kind.bound(min, leaf: leafDescriptors[leaf], legacy: statistics.legacy),
              let high = kind.bound(max, leaf: leafDescriptors[leaf], legacy: statistics.legacy) else { return nil }
        return (low, high)
    }

    /// The pages of row group `group`'s chunks of the flat top-level columns
    /// `wanted` (their bytes read, nothing decoded yet).
    /// - Throws: `ParquetError` naming the column and row group.
    func chunkPages(_ group: Int, columns wanted: [Int]) throws -> [(Int, ColumnChunkPages)] {
        try wanted.map { column in (column, try pages(group, leaf: columns[column].leaf!, keepIndices: true)) }
    }

    /// Row group `group`'s chunks of the (nested) top-level columns `wanted`, every page decoded.
    /// - Throws: `ParquetError` naming the column and row group.
    func readRowGroup(_ group: Int, columns wanted: [Int]) throws -> [Int: [DecodedColumn]] {
        var result: [Int: [DecodedColumn]] = [:]
        for column in wanted {
            result[column] = try columns[column].leaves.map { leaf in
                let pages = try pages(group, leaf: leaf, keepIndices: false)
                return try withPageErrors(group, leaf: leaf) { try pages.decodeAll() }
            }
        }
        return result
    }

    /// Leaf `leaf`'s chunk in row group `group`: its bytes, read once.
    private func pages(_ group: Int, leaf: Int, keepIndices: Bool) throws -> ColumnChunkPages {
        let rowGroup = metadata.rowGroups[group]
        let meta = rowGroup.columns[leaf]
        return try withPageErrors(group, leaf: leaf) {
            guard meta.start >= 4, meta.compressedSize >= 0, meta.start + meta.compressedSize <= source.count - 8 else {
                throw ParquetDecodeError("its bytes (\(meta.compressedSize) at \(meta.start)) lie outside the file")
            }
            let bytes = try source.read(at: meta.start, count: Int(meta.compressedSize))
            let decoder = ColumnChunkDecoder(leaf: leafDescriptors[leaf], meta: meta, rowCount: Int(rowGroup.rowCount))
            return ColumnChunkPages(decoder: decoder, bytes: bytes, keepIndices: keepIndices)
        }
    }

    /// Runs `body`, naming leaf `leaf`'s column and row group `group` in what a page or codec refused.
    func withPageErrors<T>(_ group: Int, leaf: Int, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ParquetDecodeError {
            throw ParquetError("column \(leafDescriptors[leaf].element.name), row group \(group): \(error)")
        } catch let error as CodecError {
            throw ParquetError("column \(leafDescriptors[leaf].element.name), row group \(group): \(error)")
        }
    }
}

/// A statistics bound as a value SQL compares: integers, reals and texts.
public enum Bound: Equatable, Sendable {
    case integer(Int64)
    case real(Double)
    case text([UInt8])
}
