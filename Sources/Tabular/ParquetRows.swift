import Foundation

/// The rows of a Parquet file, one row group at a time: only the columns
/// asked for are read and decoded, and a row group a filter rules out
/// (`mayHoldRows`, from its statistics) is not read at all. Memory holds
/// one row group's columns in use.
final class ParquetRows {
    let file: ParquetFile
    private let kinds: [ParquetValueKind]
    /// The top-level columns read; the others are NULL.
    @exclusivity(unchecked) private var wanted: [Int]
    /// Whether a row group, given each column's range, may hold a row the query wants.
    var mayHoldRows: (((Int) -> (min: Bound, max: Bound)?) -> Bool)?

    private var group = -1
    // Read for every row: unchecked, as only `next` and `nextGroup` change them.
    @exclusivity(unchecked) private var row = -1
    @exclusivity(unchecked) private var rowsInGroup = 0
    /// Per top-level column: the current row group's values, in memory of
    /// its own, so a cell is read with no reference counting (`cell`).
    private let slots: UnsafeMutablePointer<ColumnSlot>
    /// Per nested column: its decoded leaves, and each leaf's place.
    @exclusivity(unchecked) private var nestedLeaves: [[DecodedColumn]?]
    private var leafEntry: [[Int]]
    private var leafValue: [[Int]]

    init(_ file: ParquetFile) {
        self.file = file
        kinds = file.columns.map(ParquetValueKind.init(node:))
        wanted = Array(file.columns.indices)
        slots = .allocate(capacity: max(file.columns.count, 1))
        for (column, kind) in kinds.enumerated() {
            (slots + column).initialize(to: ColumnSlot(kind: kind, maxDefinition: UInt8(file.columns[column].maxDefinition)))
        }
        nestedLeaves = Array(repeating: nil, count: file.columns.count)
        leafEntry = Array(repeating: [], count: file.columns.count)
        leafValue = Array(repeating: [], count: file.columns.count)
    }

    deinit {
        for column in kinds.indices { slots[column].scratch.deallocate() }
        slots.deinitialize(count: kinds.count)
        slots.deallocate()
    }

    /// Reads only `columns` (top-level indices) from here on.
    func restrict(to columns: [Int]) {
        wanted = columns.filter { file.columns.indices.contains($0) }
    }

    /// Moves to the next row; false past the last.
    func next() throws -> Bool {
        row += 1
        while row >= rowsInGroup {
            guard try nextGroup() else { return false }
        }
        for column in wanted {
            let slot = slots + column
            guard slot.pointee.isRead else { continue }
            if case .nested = slot.pointee.kind {
                if let leaves = nestedLeaves[column] { try assemble(column, leaves) }
                continue
            }
            // A page of no entries (valid, if odd) is stepped over to the next.
            while row >= slot.pointee.pageEnd { try loadPage(column) }
            let local = row - slot.pointee.pageStart
            if slot.pointee.hasDefinitions {
                if slot.pointee.defined(local) {
                    slot.pointee.valueAt = slot.pointee.nextValue
                    slot.pointee.nextValue += 1
                } else {
                    slot.pointee.valueAt = -1
                }
            } else {
                slot.pointee.valueAt = local
            }
        }
        return true
    }

    /// Decodes flat column `column`'s next page.
    private func loadPage(_ column: Int) throws {
        try file.withPageErrors(group, leaf: file.columns[column].leaf!) { try slots[column].loadPage() }
    }

    private func nextGroup() throws -> Bool {
        for column in kinds.indices {
            slots[column].endGroup()
            nestedLeaves[column] = nil
        }
        while group + 1 < file.rowGroupCount {
            group += 1
            let rows = file.rowCount(ofGroup: group)
            if rows == 0 { continue }
            if let mayHoldRows, !mayHoldRows({ self.file.range(ofColumn: $0, inGroup: self.group) }) { continue }
            let flat = wanted.filter { kinds[$0] != .nested }
            for (column, pages) in try file.chunkPages(group, columns: flat) { slots[column].begin(pages, rows: rows) }
            for (column, leaves) in try file.readRowGroup(group, columns: wanted.filter { kinds[$0] == .nested }) {
                nestedLeaves[column] = leaves
                leafEntry[column] = Array(repeating: 0, count: leaves.count)
                leafValue[column] = Array(repeating: 0, count: leaves.count)
                slots[column].isRead = true
            }
            rowsInGroup = rows
            row = 0
            return true
        }
        rowsInGroup = 0
        row = 0
        return false
    }

    /// Column `column` of the current row; a text's bytes live until the
    /// next call for the same column, or the next row group.
    @inline(__always)
    func cell(_ column: Int) -> Cell {
        slots[column].cell()
    }

    // MARK: - Nested columns as JSON

    private static let jsonNull = Array("null".utf8)

    /// Writes the current row of nested column `column` as JSON.
    private func assemble(_ column: Int, _ leaves: [DecodedColumn]) throws {
        let node = file.columns[column]
        var json: [UInt8] = []
        let base = node.leaves.first ?? 0
        var context = Assembly(leaves: leaves, base: base, entry: leafEntry[column], value: leafValue[column], file: file)
        do {
            for (index, leaf) in leaves.enumerated() {
                let entry = context.entry[index]
                guard entry < leaf.entryCount else { throw ParquetDecodeError("its levels end before its rows") }
                if !leaf.repetitions.isEmpty, leaf.repetitions[entry] != 0 { throw ParquetDecodeError("a row does not start where its levels say") }
            }
            try context.field(node, into: &json)
        } catch let error as ParquetDecodeError {
            throw ParquetError("column \(node.element.name), row group \(group): \(error)")
        }
        leafEntry[column] = context.entry
        leafValue[column] = context.value
        slots[column].setJSON(json == ParquetRows.jsonNull ? nil : json)
    }
}

/// The walk that turns a nested column's levels back into values
/// (Dremel's record assembly), writing JSON.
private struct Assembly {
    let leaves: [DecodedColumn]
    /// The first leaf's index in the file, to find a node's leaves among `leaves`.
    let base: Int
    var entry: [Int]
    var value: [Int]
    let file: ParquetFile

    private func local(_ leaf: Int) -> Int { leaf - base }

    private func definition(_ leaf: Int) throws -> Int {
        let column = leaves[local(leaf)]
        let at = entry[local(leaf)]
        guard at < column.entryCount else { throw ParquetDecodeError("its levels end inside a row") }
        return column.definitions.isEmpty ? file.leafDescriptors[leaf].maxDefinition : Int(column.definitions[at])
    }

    private func repetition(_ leaf: Int) -> Int? {
        let column = leaves[local(leaf)]
        let at = entry[local(leaf)]
        guard at < column.entryCount else { return nil }
        return column.repetitions.isEmpty ? 0 : Int(column.repetitions[at])
    }

    /// Steps every leaf under `node` past one entry that holds no value.
    private mutating func skip(_ node: SchemaNode) throws {
        for leaf in node.leaves {
            _ = try definition(leaf)
            entry[local(leaf)] += 1
        }
    }

    /// A field: an array when repeated, else its one value.
    mutating func field(_ node: SchemaNode, into json: inout [UInt8]) throws {
        if node.element.repetition == .repeated {
            json.append(UInt8(ascii: "["))
            var first = true
            try repeated(node) { assembly, item in
                if !first { json.append(UInt8(ascii: ",")) }
                first = false
                try assembly.instance(item, into: &json)
            }
            json.append(UInt8(ascii: "]"))
        } else {
            try instance(node, into: &json)
        }
    }

    /// Each item of repeated `node` in the current list.
    private mutating func repeated(_ node: SchemaNode, _ item: (inout Assembly, SchemaNode) throws -> Void) throws {
        guard let first = node.leaves.first else { return }
        if try definition(first) < node.maxDefinition {
            try skip(node)  // An empty (or absent) list.
            return
        }
        var count = 0
        repeat {
            try item(&self, node)
            count += 1
            guard count <= leaves[local(first)].entryCount else { throw ParquetDecodeError("a list runs past its levels") }
        } while repetition(first) == node.maxRepetition
    }

    /// One value of `node` (a repeated node's item), NULL when its levels say so.
    private mutating func instance(_ node: SchemaNode, into json: inout [UInt8]) throws {
        guard let first = node.leaves.first else {
            json += Array("null".utf8)
            return
        }
        if try definition(first) < node.maxDefinition {
            json += Array("null".utf8)
            return try skip(node)
        }
        if let leaf = node.leaf { return try leafValue(leaf, into: &json) }
        switch node.element.logical {
        case .list? where node.children.count == 1 && node.children[0].element.repetition == .repeated:
            let list = node.children[0]
            // Three levels (list { element }) unless the repeated node is itself the element.
            let threeLevel = list.leaf == nil && list.children.count == 1 && list.element.name != "array" && !list.element.name.hasSuffix("_tuple")
            json.append(UInt8(ascii: "["))
            var firstItem = true
            try repeated(list) { assembly, item in
                if !firstItem { json.append(UInt8(ascii: ",")) }
                firstItem = false
                if threeLevel { try assembly.field(item.children[0], into: &json) } else { try assembly.plain(item, into: &json) }
            }
            json.append(UInt8(ascii: "]"))
        case .map? where node.children.count == 1 && node.children[0].children.count == 2:
            let pairs = node.children[0]
            json.append(UInt8(ascii: "{"))
            var firstItem = true
            try repeated(pairs) { assembly, item in
                if !firstItem { json.append(UInt8(ascii: ",")) }
                firstItem = false
                var key: [UInt8] = []
                try assembly.field(item.children[0], into: &key)
                // A key that is not a JSON string is written as one.
                if key.first == UInt8(ascii: "\"") { json += key } else { appendJSONString(key, to: &json) }
                json.append(UInt8(ascii: ":"))
                try assembly.field(item.children[1], into: &json)
            }
            json.append(UInt8(ascii: "}"))
        default:
            try plain(node, into: &json)
        }
    }

    /// Leaf `leaf`'s next value as JSON; its entry is stepped past.
    private mutating func leafValue(_ leaf: Int, into json: inout [UInt8]) throws {
        let local = local(leaf)
        let index = value[local]
        let values = leaves[local].values
        guard index < values.count else { throw ParquetDecodeError("more entries than values") }
        value[local] += 1
        entry[local] += 1
        let descriptor = file.leafDescriptors[leaf]
        let kind = ParquetValueKind(type: descriptor.type, logical: descriptor.element.logical)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ParquetValueKind.scratchSize) { scratch in
            switch values {
            case .integers(let integers): appendJSON(kind.cell(integer: integers[index], divisor: kind.divisor, scratch: scratch.baseAddress!), to: &json)
            case .reals(let reals): appendJSON(kind.cell(real: reals[index]), to: &json)
            case .bytes(let arrays):
                arrays.data.withUnsafeBufferPointer { data in
                    appendJSON(kind.cell(bytes: UnsafeBufferPointer(rebasing: data[arrays.range(index)]), scratch: scratch.baseAddress!), to: &json)
                }
            }
        }
    }

    /// A group's fields as an object (or a leaf's value), its own levels already checked.
    private mutating func plain(_ node: SchemaNode, into json: inout [UInt8]) throws {
        // A repeated leaf's item: its value is there (its definition reached the node's).
        if let leaf = node.leaf { return try leafValue(leaf, into: &json) }
        json.append(UInt8(ascii: "{"))
        for (position, child) in node.children.enumerated() {
            if position > 0 { json.append(UInt8(ascii: ",")) }
            appendJSONString(Array(child.element.name.utf8), to: &json)
            json.append(UInt8(ascii: ":"))
            try field(child, into: &json)
        }
        json.append(UInt8(ascii: "}"))
    }
}

/// A cell as a JSON value: numbers as numbers, texts as strings, blobs as base64 strings.
func appendJSON(_ cell: Cell, to json: inout [UInt8]) {
    switch cell {
    case .null: json += Array("null".utf8)
    case .integer(let value): json += Array(String(value).utf8)
    case .real(let value): json += value.isFinite ? Array("\(value)".utf8) : Array("null".utf8)
    case .text(let bytes): appendJSONString(Array(bytes), to: &json)
    case .blob(let bytes): appendJSONString(Array(Data(bytes).base64EncodedString().utf8), to: &json)
    }
}

/// `bytes` (UTF-8) as a JSON string.
func appendJSONString(_ bytes: [UInt8], to json: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    json.append(UInt8(ascii: "\""))
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""): json += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): json += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x0A: json += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case 0x0D: json += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case 0x09: json += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case 0..<0x20: json += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        default: json.append(byte)
        }
    }
    json.append(UInt8(ascii: "\""))
}

/// One column of the current row group: every cell is read through it with
/// no reference counting (it is reached through a pointer) and no generic
/// code on the way.
struct ColumnSlot {
    let kind: ParquetValueKind
    let maxDefinition: UInt8
    /// `10^scale` of a decimal stored as an integer.
    let divisor: Double
    var isRead = false
    /// The current row's value index, -1 for NULL.
    var valueAt = -1
    var nextValue = 0
    /// The decoded leaf, whose arrays the row path reads.
    var leaf = DecodedColumn(values: .integers([]), definitions: [], repetitions: [], entryCount: 0)
    var hasDefinitions = false
    /// Whether the page's values are a dictionary's, looked up through `indices`.
    var usesDictionary = false
    var indices: [Int32] = []
    var integers: [Int64] = []
    var reals: [Double] = []
    var bytes = ByteArrays()
    /// A nested column's current row as JSON (nil: NULL).
    var json: [UInt8] = []
    var jsonIsNull = true
    /// Where a date, time, timestamp or UUID is written as text.
    let scratch: UnsafeMutablePointer<UInt8>

    init(kind: ParquetValueKind, maxDefinition: UInt8) {
        self.kind = kind
        self.maxDefinition = maxDefinition
        divisor = kind.divisor
        scratch = .allocate(capacity: ParquetValueKind.scratchSize)
    }

    /// The current row group's pages of this (flat) column, and the rows of the page decoded.
    var pages: ColumnChunkPages?
    var pageStart = 0
    var pageEnd = 0
    var groupRows = 0

    /// Starts a row group: no page is decoded until a row needs one.
    mutating func begin(_ pages: ColumnChunkPages, rows: Int) {
        self.pages = pages
        isRead = true
        pageStart = 0
        pageEnd = 0
        groupRows = rows
        valueAt = -1
    }

    /// Decodes the next page, into the memory the last one used.
    mutating func loadPage() throws {
        guard let pages else { return }
        var page = leaf
        leaf = DecodedColumn(values: .integers([]), definitions: [], repetitions: [], entryCount: 0)
        // The last page's values, for their memory (not a dictionary's, which its pages keep).
        if !usesDictionary {
            switch kind {
            case .real: page.values = .reals(reals)
            case .text, .blob, .decimalBytes, .float16, .uuid: page.values = .bytes(bytes)
            default: page.values = .integers(integers)
            }
        }
        integers = []
        reals = []
        bytes = ByteArrays()
        indices = []
        page.values.removeAll()
        if !page.values.sameKind(as: pages.decoder.emptyValues()) { page.values = pages.decoder.emptyValues() }
        page.definitions.removeAll(keepingCapacity: true)
        page.repetitions.removeAll(keepingCapacity: true)
        page.indices.removeAll(keepingCapacity: true)
        page.dictionary = nil
        page.entryCount = 0
        guard try pages.next(into: &page) else {
            throw ParquetDecodeError("its pages end after \(pageEnd) of the row group's \(groupRows) rows")
        }
        let defined = page.definitions.isEmpty ? page.entryCount : page.definitions.reduce(0) { $0 + ($1 == maxDefinition ? 1 : 0) }
        let valueCount = page.dictionary == nil ? page.values.count : page.indices.count
        guard valueCount == defined, pageEnd + page.entryCount <= groupRows else {
            throw ParquetDecodeError("a page of \(page.entryCount) entries holds \(valueCount) values where \(defined) belong")
        }
        pageStart = pageEnd
        pageEnd += page.entryCount
        nextValue = 0
        hasDefinitions = !page.definitions.isEmpty
        usesDictionary = page.dictionary != nil
        switch page.dictionary ?? page.values {
        case .integers(let values): integers = values
        case .reals(let values): reals = values
        case .bytes(let values): bytes = values
        }
        indices = page.indices
        page.values = .integers([])
        page.dictionary = nil
        leaf = page
    }

    /// Ends the row group: its pages go, the memory of the last page's values stays for the next.
    mutating func endGroup() {
        pages = nil
        isRead = false
        jsonIsNull = true
        pageStart = 0
        pageEnd = 0
    }

    @inline(__always)
    func defined(_ row: Int) -> Bool { leaf.definitions[row] == maxDefinition }

    mutating func setJSON(_ text: [UInt8]?) {
        isRead = true
        guard let text else {
            jsonIsNull = true
            return
        }
        json = text
        jsonIsNull = false
    }

    /// Value `index`'s bytes. The pointer outlives the closure that gave it:
    /// the array is held by this slot and not changed until the next row
    /// group, and a cell lives only for the call it is passed to.
    @inline(__always)
    private func slice(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        bytes.data.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[bytes.range(index)]) }
    }

    @inline(__always)
    func cell() -> Cell {
        guard isRead else { return .null }
        if case .nested = kind { return jsonIsNull ? .null : json.withUnsafeBufferPointer { .text($0) } }
        if valueAt < 0 { return .null }
        let index = usesDictionary ? Int(indices[valueAt]) : valueAt
        switch kind {
        case .real: return kind.cell(real: reals[index])
        case .text, .blob, .decimalBytes, .float16, .uuid: return kind.cell(bytes: slice(index), scratch: scratch)
        default: return kind.cell(integer: integers[index], divisor: divisor, scratch: scratch)
        }
    }
}
