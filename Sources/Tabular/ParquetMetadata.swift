/// Parquet's footer and page headers (parquet.thrift), the fields Pond
/// reads and writes, with their Thrift field ids.
enum ParquetType: Int32 {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
}

enum ParquetRepetition: Int32 { case required = 0, optional = 1, repeated = 2 }

/// The logical types a schema element may carry (the `LogicalType` union, or a legacy `ConvertedType`).
enum ParquetLogical: Equatable {
    enum TimeUnit: Equatable { case millis, micros, nanos }
    case string, json, bson, enumeration, uuid, date, float16
    case timestamp(TimeUnit, utc: Bool)
    case time(TimeUnit)
    case integer(bits: Int, signed: Bool)
    case decimal(scale: Int, precision: Int)
    case list, map, unknown, interval
}

struct SchemaElement {
    var type: ParquetType?
    var typeLength: Int32 = 0
    var repetition: ParquetRepetition = .required
    var name = ""
    var childCount = 0
    var logical: ParquetLogical?
    var scale: Int32 = 0
    var precision: Int32 = 0
}

struct ParquetStatistics {
    var min: [UInt8]?
    var max: [UInt8]?
    var nullCount: Int64?
    /// Whether `min`/`max` are the legacy fields (signed byte order, unreliable for strings).
    var legacy = false
}

struct ColumnChunkMeta {
    var type: ParquetType = .int32
    var path: [String] = []
    var codec: Codec = .uncompressed
    var valueCount: Int64 = 0
    var compressedSize: Int64 = 0
    var uncompressedSize: Int64 = 0
    var dataPageOffset: Int64 = 0
    var dictionaryPageOffset: Int64?
    var statistics: ParquetStatistics?

    /// Where the chunk's first page starts.
    var start: Int64 {
        if let dictionary = dictionaryPageOffset, dictionary > 0, dictionary < dataPageOffset { return dictionary }
        return dataPageOffset
    }
}

struct RowGroupMeta {
    var columns: [ColumnChunkMeta] = []
    var rowCount: Int64 = 0
}

struct FileMetaData {
    var schema: [SchemaElement] = []
    var rowCount: Int64 = 0
    var rowGroups: [RowGroupMeta] = []
    var createdBy: String?
}

enum PageType: Int32 { case data = 0, index = 1, dictionary = 2, dataV2 = 3 }

enum ParquetEncoding: Int32 {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5
    case deltaLengthByteArray = 6, deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9
}

struct PageHeader {
    var type: Int32 = -1
    var uncompressedSize: Int32 = 0
    var compressedSize: Int32 = 0
    var valueCount: Int32 = 0
    var encoding: Int32 = 0
    var definitionEncoding: Int32 = 3
    // Data page v2.
    var nullCount: Int32 = 0
    var rowCount: Int32 = 0
    var definitionLength: Int32 = 0
    var repetitionLength: Int32 = 0
    var isCompressed = true
}

extension ParquetType {
    init(thrift reader: inout ThriftReader) throws {
        let raw = try reader.i32()
        guard let known = ParquetType(rawValue: raw) else { throw ThriftError("unknown physical type \(raw)") }
        self = known
    }
}

extension FileMetaData {
    init(thrift reader: inout ThriftReader) throws {
        self.init()
        try reader.structure { reader, id, type in
            switch (id, type) {
            case (2, .list): schema = try reader.list { reader, _ in try SchemaElement(thrift: &reader) }
            case (3, .i64): rowCount = try reader.i64()
            case (4, .list): rowGroups = try reader.list { reader, _ in try RowGroupMeta(thrift: &reader) }
            case (6, .binary): createdBy = try reader.string()
            default: return false
            }
            return true
        }
    }
}

extension SchemaElement {
    init(thrift reader: inout ThriftReader) throws {
        self.init()
        var converted: Int32?
        try reader.structure { reader, id, type in
            switch (id, type) {
            case (1, .i32): self.type = try ParquetType(thrift: &reader)
            case (2, .i32): typeLength = try reader.i32()
            case (3, .i32): repetition = ParquetRepetition(rawValue: try reader.i32()) ?? .optional
            case (4, .binary): name = try reader.string()
            case (5, .i32): childCount = Int(max(0, try reader.i32()))
            case (6, .i32): converted = try reader.i32()
            case (7, .i32): scale = try reader.i32()
            case (8, .i32): precision = try reader.i32()
            case (10, .structure): logical = try ParquetLogical.read(&reader)
            default: return false
            }
            return true
        }
        if logical == nil, let converted { logical = ParquetLogical(converted: converted, scale: scale, precision: precision) }
        if case .decimal(let scale, let precision)? = logical, scale == 0, precision == 0 {
            logical = .decimal(scale: Int(self.scale), precision: Int(self.precision))
        }
    }
}

extension ParquetLogical {
    /// The legacy `ConvertedType`.
    init?(converted: Int32, scale: Int32, precision: Int32) {
        switch converted {
        case 0: self = .string
        case 1, 2: self = .map
        case 3: self = .list
        case 4: self = .enumeration
        case 5: self = .decimal(scale: Int(scale), precision: Int(precision))
        case 6: self = .date
        case 7: self = .time(.millis)
        case 8: self = .time(.micros)
        case 9: self = .timestamp(.millis, utc: true)
        case 10: self = .timestamp(.micros, utc: true)
        case 11: self = .integer(bits: 8, signed: false)
        case 12: self = .integer(bits: 16, signed: false)
        case 13: self = .integer(bits: 32, signed: false)
        case 14: self = .integer(bits: 64, signed: false)
        case 15: self = .integer(bits: 8, signed: true)
        case 16: self = .integer(bits: 16, signed: true)
        case 17: self = .integer(bits: 32, signed: true)
        case 18: self = .integer(bits: 64, signed: true)
        case 19: self = .json
        case 20: self = .bson
        case 21: self = .interval
        default: return nil
        }
    }

    static func read(_ reader: inout ThriftReader) throws -> ParquetLogical? {
        var result: ParquetLogical?
        try reader.structure { reader, id, type in
            guard type == .structure else { return false }
            switch id {
            case 1: result = .string
            case 2: result = .map
            case 3: result = .list
            case 4: result = .enumeration
            case 5:
                var scale: Int32 = 0, precision: Int32 = 0
                try reader.structure { reader, id, type in
                    switch (id, type) {
                    case (1, .i32): scale = try reader.i32()
                    case (2, .i32): precision = try reader.i32()
                    default: return false
                    }
                    return true
                }
                result = .decimal(scale: Int(scale), precision: Int(precision))
                return true
            case 6: result = .date
            case 7, 8:
                var utc = false, unit = TimeUnit.millis
                try reader.structure { reader, id, type in
                    switch (id, type) {
                    case (1, _) where type == .boolTrue || type == .boolFalse: utc = try reader.bool(type)
                    case (2, .structure): unit = try readUnit(&reader)
                    default: return false
                    }
                    return true
                }
                result = id == 7 ? .time(unit) : .timestamp(unit, utc: utc)
                return true
            case 10:
                var bits: Int = 64, signed = true
                try reader.structure { reader, id, type in
                    switch (id, type) {
                    case (1, .byte): bits = Int(Int8(bitPattern: try reader.byte()))
                    case (2, _) where type == .boolTrue || type == .boolFalse: signed = try reader.bool(type)
                    default: return false
                    }
                    return true
                }
                result = .integer(bits: bits, signed: signed)
                return true
            case 11: result = .unknown
            case 12: result = .json
            case 13: result = .bson
            case 14: result = .uuid
            case 15: result = .float16
            default: return false
            }
            try reader.skip(.structure)
            return true
        }
        return result
    }

    private static func readUnit(_ reader: inout ThriftReader) throws -> TimeUnit {
        var unit = TimeUnit.millis
        try reader.structure { reader, id, type in
            guard type == .structure else { return false }
            switch id {
            case 1: unit = .millis
            case 2: unit = .micros
            case 3: unit = .nanos
            default: return false
            }
            try reader.skip(.structure)
            return true
        }
        return unit
    }
}

extension RowGroupMeta {
    init(thrift reader: inout ThriftReader) throws {
        self.init()
        try reader.structure { reader, id, type in
            switch (id, type) {
            case (1, .list): columns = try reader.list { reader, _ in try ColumnChunkMeta(chunk: &reader) }
            case (3, .i64): rowCount = try reader.i64()
            default: return false
            }
            return true
        }
    }
}

extension ColumnChunkMeta {
    /// A `ColumnChunk`, whose field 3 is the `ColumnMetaData`.
    init(chunk reader: inout ThriftReader) throws {
        self.init()
        var found = false
        try reader.structure { reader, id, type in
            switch (id, type) {
            case (1, .binary): throw ThriftError("a column chunk in another file (\(try reader.string())) is not supported")
            case (3, .structure):
                found = true
                try readMetaData(&reader)
            default: return false
            }
            return true
        }
        guard found else { throw ThriftError("a column chunk has no metadata") }
    }

    private mutating func readMetaData(_ reader: inout ThriftReader) throws {
        try reader.structure { reader, id, type in
            switch (id, type) {
            case (1, .i32): self.type = try ParquetType(thrift: &reader)
            case (3, .list): path = try reader.list { reader, _ in try reader.string() }
            case (4, .i32):
                let raw = try reader.i32()
                guard let known = Codec(rawValue: raw) else { throw ThriftError("unknown codec \(raw)") }
                codec = known
            case (5, .i64): valueCount = try reader.i64()
            case (7, .i64): compressedSize = try reader.i64()
            case (9, .i64): dataPageOffset = try reader.i64()
            case (11, .i64): dictionaryPageOffset = try reader.i64()
            case (12, .structure): statistics = try ParquetStatistics(thrift: &reader)
            default: return false
            }
            return true
        }
    }
}

extension ParquetStatistics {
    init(thrift reader: inout ThriftReader) throws {
        self.init()
        var legacyMin: [UInt8]?, legacyMax: [UInt8]?
        try reader.structure { reader, id, type in
            switch (id, type) {
            case (1, .binary): legacyMax = try reader.binary()
            case (2, .binary): legacyMin = try reader.binary()
            case (3, .i64): nullCount = try reader.i64()
            case (5, .binary): max = try reader.binary()
            case (6, .binary): min = try reader.binary()
            default: return false
            }
            return true
        }
        if min == nil, max == nil, legacyMin != nil || legacyMax != nil {
            min = legacyMin
            max = legacyMax
            legacy = true
        }
    }
}

extension PageHeader {
    init(thrift reader: inout ThriftReader) throws {
        self.init()
        try reader.structure { reader, id, type in
            switch (id, type) {
            case (1, .i32): self.type = try reader.i32()
            case (2, .i32): uncompressedSize = try reader.i32()
            case (3, .i32): compressedSize = try reader.i32()
            case (5, .structure), (7, .structure):
                try reader.structure { reader, field, type in
                    switch (field, type) {
                    case (1, .i32): valueCount = try reader.i32()
                    case (2, .i32): encoding = try reader.i32()
                    case (3, .i32) where id == 5: definitionEncoding = try reader.i32()
                    default: return false
                    }
                    return true
                }
            case (8, .structure):
                try reader.structure { reader, field, type in
                    switch (field, type) {
                    case (1, .i32): valueCount = try reader.i32()
                    case (2, .i32): nullCount = try reader.i32()
                    case (3, .i32): rowCount = try reader.i32()
                    case (4, .i32): encoding = try reader.i32()
                    case (5, .i32): definitionLength = try reader.i32()
                    case (6, .i32): repetitionLength = try reader.i32()
                    case (7, _) where type == .boolTrue || type == .boolFalse: isCompressed = try reader.bool(type)
                    default: return false
                    }
                    return true
                }
            default: return false
            }
            return true
        }
        guard uncompressedSize >= 0, compressedSize >= 0, valueCount >= 0 else { throw ThriftError("a page header has a negative size") }
    }
}
