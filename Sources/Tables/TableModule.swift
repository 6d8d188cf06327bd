import Foundation
import GRDBSQLite
import OpLog
import Tabular

/// One file of a table, as a query reads it.
public struct TableFile {
    /// The file's pond path, for `_path` and for errors.
    public let path: String
    public let format: TableFormat
    /// The codec a compressed text table's bytes are read through.
    public let codec: TextCodec?
    /// Opens the bytes at any offset (a stored Parquet file); nil: `open` gathers them.
    public let ranges: (() throws -> RandomAccessBytes)?
    /// Which version wrote which bytes (`LogSession.contentRuns`), for `_version`.
    public let runs: [(from: Int64, version: Version)]
    /// The range of times of each run's rows, kept when it was written
    /// (nil: not known); empty when the runs cannot be read apart.
    public let timeRanges: [TimeRange?]
    /// Opens the file's bytes from the start, a piece at a time.
    public let open: () throws -> ByteChunks
    /// The columns inferred when the file was written, if they were: then
    /// the file is not read before the query's first row.
    public let schema: TableSchema?
    /// Opens the file's bytes from a byte offset on, for a scan of the rows
    /// that later versions appended, or gives nil when no row starts there
    /// (`LogSession.contentRows`); nil for a file that is computed.
    public let openFrom: ((_ from: Int64, _ to: Int64?) throws -> ByteChunks?)?
    /// The time blocks of run N (`LogSession.timeBlocks`), asked only for
    /// the runs a query of a time may need: a stretch of whole rows each,
    /// where it begins and its range; empty for a run that has none.
    public let timeBlocks: ((Int) throws -> [(start: Int64, range: TimeRange)])?

    public init(path: String, format: TableFormat, codec: TextCodec? = nil, runs: [(from: Int64, version: Version)], schema: TableSchema? = nil,
                timeRanges: [TimeRange?] = [], openFrom: ((_ from: Int64, _ to: Int64?) throws -> ByteChunks?)? = nil,
                timeBlocks: ((Int) throws -> [(start: Int64, range: TimeRange)])? = nil, ranges: (() throws -> RandomAccessBytes)? = nil,
                open: @escaping () throws -> ByteChunks) {
        self.path = path
        self.format = format
        self.codec = codec
        self.ranges = ranges
        // The rows of a compressed file cannot be placed in its runs: all have the newest write's version.
        self.runs = codec == nil ? runs : runs.suffix(1).map { (0, $0.version) }
        self.timeRanges = codec == nil && timeRanges.count == runs.count ? timeRanges : []
        self.schema = schema
        // Offsets in compressed bytes are not the rows' offsets: such a file is read from its start.
        self.openFrom = codec == nil ? openFrom : nil
        self.timeBlocks = codec == nil ? timeBlocks : nil
        self.open = open
    }

    /// A reader of the whole file: through its codec, or from a Parquet file's footer.
    func reader() throws -> TableReader {
        if format == .parquet, let ranges { return try TableReader(parquet: try ranges()) }
        let chunks = try open()
        return try TableReader(format: format, chunks: codec?.decompressing(chunks) ?? chunks)
    }
}

/// A table a query names: one file, or the union of a glob's matches.
public struct TableDefinition {
    /// The table's name in SQL (what was inside the double quotes).
    public let name: String
    public let files: [TableFile]
    /// Whether the table has a `_path` column (it is a glob's union).
    public let hasPathColumn: Bool

    public init(name: String, files: [TableFile], hasPathColumn: Bool) {
        self.name = name
        self.files = files
        self.hasPathColumn = hasPathColumn
    }
}

/// The SQLite virtual table module that serves tabular files as tables
/// (DESIGN.md, "Tables"): the one place Pond speaks SQLite's virtual table
/// interface (https://sqlite.org/vtab.html).
///
/// Each table is made in `temp` before the query is prepared (`CREATE
/// VIRTUAL TABLE temp."/a.csv" USING pond_table(N)`), its columns' types
/// inferred by reading each file once. Then SQLite pulls rows: each cursor
/// reads its files piece by piece, parses one record at a time and converts
/// only the columns asked for, so memory holds one piece and one record and
/// a query that stops early (LIMIT) reads no further. Two constraints are
/// passed down: `_path = ?`, so only that file is read, and `_version >
/// ?` (or `>=`, `=`), so a file that grew by appends is read from the first
/// row a version that late appended, and a file with no such row not at
/// all. SQLite still checks both on every row.
///
/// Errors in a file (a bad row, damaged bytes) stop the query; the error
/// is kept in `TableRegistry.failure` to be thrown as it is, and SQLite
/// gets its text.
public final class TableRegistry: QueryTables {
    struct Table {
        let definition: TableDefinition
        /// The union's columns and their widened types.
        let columns: [String]
        let types: [ColumnType]
        /// For each file: its schema with the union's types, and the union
        /// column each of the file's columns fills.
        let fileSchemas: [TableSchema]
        let fileColumns: [[Int?]]
        /// The union column `_time` is read from (`TimeColumn`), if any.
        let timeSource: Int?
        var versionColumn: Int { columns.count }
        /// `_path`'s index; none (-2) for a single file's table, which declares no `_path`.
        var pathColumn: Int { definition.hasPathColumn ? columns.count + 1 : -2 }
        /// `_time`'s index, after `_version` and `_path`; declared only with a time column.
        var timeColumn: Int { timeSource == nil ? -2 : columns.count + (definition.hasPathColumn ? 2 : 1) }
        /// `_bucket` and `_every`, after `_time`: the start of the bucket of `_every`'s width holding `_time`.
        var bucketColumn: Int { timeSource == nil ? -2 : timeColumn + 1 }
        var everyColumn: Int { timeSource == nil ? -2 : timeColumn + 2 }
        /// Every column SQLite knows of, the hidden ones included.
        var declaredCount: Int { columns.count + 1 + (definition.hasPathColumn ? 1 : 0) + (timeSource == nil ? 0 : 3) }
    }

    private(set) var tables: [Table] = []
    /// The rows the statement's scans read from files (a self-join's two sides sharing one scan read it once).
    public fileprivate(set) var rowsRead = 0
    /// Told of each registry a query installs (tests count the rows its statement read).
    @TaskLocal public static var observe: (@Sendable (TableRegistry) -> Void)?
    /// The open cursors of each table: a scan of a table may fill another cursor's rows.
    fileprivate var cursors: [Int: [WeakCursor]] = [:]
    /// The first error a cursor met, to be thrown instead of SQLite's copy of its text.
    public var failure: (any Error)?
    private(set) var version = Version.first
    private let definitions: [TableDefinition]
    /// Whether a scan may leave a GROUP BY or ORDER BY of `_bucket` to the
    /// files' own order (`ScanPlan.ordered`). Its statement then stops with
    /// `TableRowsOutOfOrder` at a row out of order, so only a caller that
    /// runs it again without (a rollup, whose output waits for the end) sets it.
    public var bucketsInFileOrder = false

    /// The tables a query names, made when the query runs (`install`).
    public init(_ definitions: [TableDefinition]) {
        self.definitions = definitions
    }

    /// Reads each table's files once for their columns, then makes every table on `db`.
    public func install(on db: OpaquePointer, version: Version) throws {
        TableRegistry.observe?(self)
        try SeriesFunctions.register(on: db)
        guard !definitions.isEmpty else { return }
        self.version = version
        for definition in definitions { _ = try add(definition) }
        try install(on: db)
    }

    /// Reads every file of `definition` once to infer its columns.
    /// - Returns: the index to create the table with.
    func add(_ definition: TableDefinition) throws -> Int {
        var columns: [String] = []
        var types: [ColumnType] = []
        var position: [String: Int] = [:]
        var schemas: [TableSchema] = []
        var fileColumns: [[Int?]] = []
        for file in definition.files {
            let schema = try file.schema ?? withTableErrors(file) {
                try file.reader().inferSchema()
            }
            var mapping: [Int?] = []
            for (name, type) in zip(schema.columns, schema.types) {
                let key = name.lowercased()
                if let index = position[key] {
                    types[index] = types[index].widened(type)
                    mapping.append(index)
                } else {
                    position[key] = columns.count
                    mapping.append(columns.count)
                    columns.append(name)
                    types.append(type)
                }
            }
            schemas.append(schema)
            fileColumns.append(mapping)
        }
        // Each file is read as the union's types, so every row of a column has one type.
        let widened = zip(schemas, fileColumns).map { schema, mapping in
            TableSchema(columns: schema.columns, types: mapping.map { types[$0!] }, sourceNames: schema.sourceNames)
        }
        let timeSource = TimeColumn.index(in: columns)
        tables.append(Table(definition: definition, columns: columns, types: types, fileSchemas: widened, fileColumns: fileColumns,
                            timeSource: timeSource))
        return tables.count - 1
    }

    /// Runs `body`, turning a bad row into the error that names the file, version and line.
    func withTableErrors<T>(_ file: TableFile, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TableDataError {
            throw OpLogError.badTable(path: file.path, version: version, line: error.line, reason: error.reason)
        }
    }

    /// The CREATE TABLE statement SQLite is given for table `index`.
    func declaration(_ index: Int) -> String {
        let table = tables[index]
        var columns = zip(table.columns, table.types).map { "\(quoted($0)) \($1.sql)" }
        columns.append("\"_version\" INTEGER HIDDEN")
        if table.definition.hasPathColumn { columns.append("\"_path\" TEXT HIDDEN") }
        if table.timeSource != nil { columns += ["\"_time\" TEXT HIDDEN", "\"_bucket\" TEXT HIDDEN", "\"_every\" TEXT HIDDEN"] }
        return "CREATE TABLE x(\(columns.joined(separator: ", ")))"
    }

    /// Registers the module on `db` and creates every table added, in `temp`.
    func install(on db: OpaquePointer) throws {
        let code = sqlite3_create_module_v2(db, "pond_table", TableRegistry.module, Unmanaged.passUnretained(self).toOpaque(), nil)
        guard code == SQLITE_OK else { throw failure(db, code) }
        for (index, table) in tables.enumerated() {
            let sql = "CREATE VIRTUAL TABLE temp.\(quoted(table.definition.name)) USING pond_table(\(index))"
            let code = sqlite3_exec(db, sql, nil, nil, nil)
            guard code == SQLITE_OK else { throw self.failure ?? failure(db, code) }
        }
    }

    private func failure(_ db: OpaquePointer, _ code: Int32) -> OpLogError {
        .inconsistentLog("cannot make the tables of the query: \(String(cString: sqlite3_errmsg(db)))")
    }

    // MARK: - The module's C functions

    /// A vtab or cursor as SQLite sees it, followed by the Swift object behind it.
    private static func allocate<Base>(_ base: Base.Type, owner: AnyObject) -> UnsafeMutablePointer<Base> {
        let size = (MemoryLayout<Base>.size + 15) & ~15
        let raw = UnsafeMutableRawPointer.allocate(byteCount: size + MemoryLayout<UnsafeRawPointer>.size, alignment: 16)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        (raw + size).storeBytes(of: Unmanaged.passRetained(owner).toOpaque(), as: UnsafeMutableRawPointer.self)
        return raw.bindMemory(to: Base.self, capacity: 1)
    }

    /// The Swift object `allocate` put after the SQLite struct at `pointer`.
    private static func unmanagedOwner<Base, Owner: AnyObject>(_ pointer: UnsafeMutablePointer<Base>, as: Owner.Type) -> Unmanaged<Owner> {
        let size = (MemoryLayout<Base>.size + 15) & ~15
        return Unmanaged<Owner>.fromOpaque((UnsafeMutableRawPointer(pointer) + size).load(as: UnsafeMutableRawPointer.self))
    }

    private static func owner<Base, Owner: AnyObject>(_ pointer: UnsafeMutablePointer<Base>, as: Owner.Type) -> Owner {
        unmanagedOwner(pointer, as: Owner.self).takeUnretainedValue()
    }

    /// Runs `body` on the cursor behind `pointer` without retaining it: the
    /// calls SQLite makes for every row and column (a retain and release
    /// each were a tenth of a `SELECT *`).
    @inline(__always)
    private static func withCursor<T>(_ pointer: UnsafeMutablePointer<sqlite3_vtab_cursor>, _ body: (TableCursor) throws -> T) rethrows -> T {
        try unmanagedOwner(pointer, as: TableCursor.self)._withUnsafeGuaranteedRef(body)
    }

    private static func free<Base, Owner: AnyObject>(_ pointer: UnsafeMutablePointer<Base>, as: Owner.Type) {
        unmanagedOwner(pointer, as: Owner.self).release()
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    /// A table instance: its registry and index.
    private final class Instance {
        let registry: TableRegistry
        let index: Int
        init(registry: TableRegistry, index: Int) {
            self.registry = registry
            self.index = index
        }
        var table: Table { registry.tables[index] }
    }

    /// An error for SQLite: its text in `zErrMsg`, the error itself kept.
    private static func report(_ error: any Error, on vtab: UnsafeMutablePointer<sqlite3_vtab>?, registry: TableRegistry) -> Int32 {
        if registry.failure == nil { registry.failure = error }
        if let vtab {
            sqlite3_free(vtab.pointee.zErrMsg)
            vtab.pointee.zErrMsg = sqliteCopy(String(describing: error))
        }
        return SQLITE_ERROR
    }

    private static let connect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?,
                                                UnsafeMutablePointer<UnsafeMutablePointer<sqlite3_vtab>?>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = {
        db, aux, argc, argv, vtab, _ in
        guard let aux, let argv, argc >= 4, let argument = argv[3], let index = Int(String(cString: argument)) else { return SQLITE_ERROR }
        let registry = Unmanaged<TableRegistry>.fromOpaque(aux).takeUnretainedValue()
        guard registry.tables.indices.contains(index) else { return SQLITE_ERROR }
        let code = sqlite3_declare_vtab(db, registry.declaration(index))
        guard code == SQLITE_OK else { return code }
        vtab?.pointee = allocate(sqlite3_vtab.self, owner: Instance(registry: registry, index: index))
        return SQLITE_OK
    }

    private static let disconnect: @convention(c) (UnsafeMutablePointer<sqlite3_vtab>?) -> Int32 = { vtab in
        if let vtab {
            sqlite3_free(vtab.pointee.zErrMsg)
            free(vtab, as: Instance.self)
        }
        return SQLITE_OK
    }

    /// Plans a scan (`ScanPlan`): takes a `_path = ?` and a `_version >`,
    /// `>=` or `=` constraint, constant comparisons on columns as filters,
    /// and one equality whose right side varies (a join's) as the key of a
    /// hash built on the first call. SQLite checks every constraint again.
    /// Cost: a whole read, less for each constraint taken; a keyed lookup
    /// costs as little as an index's.
    private static let bestIndex: @convention(c) (UnsafeMutablePointer<sqlite3_vtab>?, UnsafeMutablePointer<sqlite3_index_info>?) -> Int32 = {
        vtab, info in
        guard let vtab, let info else { return SQLITE_ERROR }
        let instance = owner(vtab, as: Instance.self), table = instance.table
        let files = Double(max(table.definition.files.count, 1))
        var cost = 1_000_000 * files
        var plan = ScanPlan()
        var pathConstraint: Int?, versionConstraint: Int?, keyConstraint: Int?, everyConstraint: Int?
        var filterConstraints: [Int] = [], timeConstraints: [Int] = [], timeTested: Set<Int> = []
        for index in 0..<Int(info.pointee.nConstraint) {
            let constraint = info.pointee.aConstraint[index]
            guard constraint.usable != 0 else { continue }
            let op = Int32(constraint.op), column = Int(constraint.iColumn)
            if pathConstraint == nil, table.definition.hasPathColumn, column == table.pathColumn, op == SQLITE_INDEX_CONSTRAINT_EQ {
                pathConstraint = index
                plan.path = true
                cost /= files
            } else if versionConstraint == nil, column == table.versionColumn,
                      op == SQLITE_INDEX_CONSTRAINT_GT || op == SQLITE_INDEX_CONSTRAINT_GE || op == SQLITE_INDEX_CONSTRAINT_EQ {
                versionConstraint = index
                plan.version = op == SQLITE_INDEX_CONSTRAINT_GT ? .above : .atLeast
                cost /= 2
            } else if everyConstraint == nil, column == table.everyColumn, op == SQLITE_INDEX_CONSTRAINT_EQ {
                everyConstraint = index
                plan.every = true
            } else if column == table.timeColumn, let scanOp = ScanPlan.Op(op),
                      sqlite3_vtab_collation(info, Int32(index)).map({ sqlite3_stricmp($0, "BINARY") == 0 }) ?? true {
                // `_time` against a constant: the runs whose times cannot match are not read.
                var constant: OpaquePointer?
                if sqlite3_vtab_rhs_value(info, Int32(index), &constant) == SQLITE_OK {
                    timeConstraints.append(index)
                    plan.timeFilters.append(scanOp)
                    // Against text, each row is tested here (`TimeTest`): SQLite need not make its `_time`.
                    if let constant, sqlite3_value_type(constant) == SQLITE_TEXT { timeTested.insert(index) }
                    cost /= scanOp == .eq ? 10 : 3
                }
            } else if column >= 0, column < table.columns.count, let scanOp = ScanPlan.Op(op),
                      sqlite3_vtab_collation(info, Int32(index)).map({ sqlite3_stricmp($0, "BINARY") == 0 }) ?? true {
                var constant: OpaquePointer?
                if sqlite3_vtab_rhs_value(info, Int32(index), &constant) == SQLITE_OK {
                    filterConstraints.append(index)
                    plan.filters.append(ScanPlan.Filter(column: column, op: scanOp))
                    cost /= scanOp == .eq ? 10 : 3
                } else if scanOp == .eq, keyConstraint == nil {
                    keyConstraint = index
                    plan.key = column
                }
            }
        }
        // The columns the statement uses: a Parquet file reads only those, a keyed scan keeps only those.
        let used = info.pointee.colUsed
        var usedColumns = (0..<table.declaredCount).filter { used & (1 << UInt64(min($0, 63))) != 0 }
        // `_time` is made from the time column: a scan that gives it reads that column too
        // (a Parquet file narrowed to the others gave `_time` as NULL).
        if usedColumns.contains(table.timeColumn) || usedColumns.contains(table.bucketColumn), let source = table.timeSource, !usedColumns.contains(source) {
            usedColumns.append(source)
            usedColumns.sort()
        }
        plan.used = usedColumns.count < table.declaredCount ? usedColumns : nil
        if plan.key != nil {
            // After the first call, a lookup in the hash of the rows kept.
            cost = 10
        } else if instance.registry.bucketsInFileOrder, plan.every, info.pointee.nOrderBy == 1, info.pointee.aOrderBy[0].iColumn == table.bucketColumn, info.pointee.aOrderBy[0].desc == 0 {
            // A GROUP BY or ORDER BY of `_bucket`: a series in time order is
            // in bucket order as it is, so SQLite need not sort it (a
            // rollup's GROUP BY streams); the scan checks that it is.
            plan.ordered = true
            info.pointee.orderByConsumed = 1
        }
        // The arguments come in the plan's order: path, version, key, filters, time filters.
        var arguments: Int32 = 0
        for index in [pathConstraint, versionConstraint, keyConstraint].compactMap({ $0 }) + filterConstraints + timeConstraints
            + [everyConstraint].compactMap({ $0 }) {
            arguments += 1
            info.pointee.aConstraintUsage[index].argvIndex = arguments
            // `_every` is the argument itself on every row: SQLite need not check it.
            info.pointee.aConstraintUsage[index].omit = timeTested.contains(index) || index == everyConstraint ? 1 : 0
        }
        if arguments > 0 || plan.used != nil || plan.ordered {
            info.pointee.idxStr = sqliteCopy(plan.encoded)
            info.pointee.needToFreeIdxStr = 1
        }
        info.pointee.estimatedCost = cost
        info.pointee.estimatedRows = Int64(max(cost / files, 1))
        return SQLITE_OK
    }

    private static let open: @convention(c) (UnsafeMutablePointer<sqlite3_vtab>?, UnsafeMutablePointer<UnsafeMutablePointer<sqlite3_vtab_cursor>?>?) -> Int32 = {
        vtab, cursor in
        guard let vtab, let cursor else { return SQLITE_ERROR }
        let instance = owner(vtab, as: Instance.self)
        let opened = TableCursor(table: instance.table, index: instance.index, registry: instance.registry)
        instance.registry.cursors[instance.index, default: []].removeAll { $0.cursor == nil }
        instance.registry.cursors[instance.index, default: []].append(WeakCursor(cursor: opened))
        cursor.pointee = allocate(sqlite3_vtab_cursor.self, owner: opened)
        return SQLITE_OK
    }

    private static let close: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Int32 = { cursor in
        if let cursor { free(cursor, as: TableCursor.self) }
        return SQLITE_OK
    }

    private static let filter: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?, Int32, UnsafePointer<CChar>?, Int32,
                                               UnsafeMutablePointer<OpaquePointer?>?) -> Int32 = {
        pointer, _, idxStr, argc, argv in
        guard let pointer else { return SQLITE_ERROR }
        let cursor = owner(pointer, as: TableCursor.self)
        do {
            let plan = cursor.plan(idxStr)
            let arguments = (0..<Int(max(argc, 0))).compactMap { argv?[$0].map(ScanValue.init) }
            try cursor.start(plan, arguments: arguments)
            return SQLITE_OK
        } catch {
            return report(error, on: pointer.pointee.pVtab, registry: cursor.registry)
        }
    }

    private static let next: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Int32 = { pointer in
        guard let pointer else { return SQLITE_ERROR }
        return withCursor(pointer) { cursor in
            do {
                try cursor.advance()
                return SQLITE_OK
            } catch {
                return report(error, on: pointer.pointee.pVtab, registry: cursor.registry)
            }
        }
    }

    private static let eof: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Int32 = { pointer in
        guard let pointer else { return 1 }
        return withCursor(pointer) { $0.isAtEnd } ? 1 : 0
    }

    private static let column: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?, OpaquePointer?, Int32) -> Int32 = {
        pointer, context, column in
        guard let pointer else { return SQLITE_ERROR }
        withCursor(pointer) { $0.result(Int(column), into: context) }
        return SQLITE_OK
    }

    private static let rowid: @convention(c) (UnsafeMutablePointer<sqlite3_vtab_cursor>?, UnsafeMutablePointer<sqlite3_int64>?) -> Int32 = {
        pointer, rowid in
        guard let pointer else { return SQLITE_ERROR }
        rowid?.pointee = withCursor(pointer) { $0.rowid }
        return SQLITE_OK
    }

    /// The module, made once and never changed; SQLite keeps a pointer to it.
    nonisolated(unsafe) private static let module: UnsafeMutablePointer<sqlite3_module> = {
        let module = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        module.initialize(to: sqlite3_module())
        module.pointee.iVersion = 1
        module.pointee.xCreate = connect
        module.pointee.xConnect = connect
        module.pointee.xBestIndex = bestIndex
        module.pointee.xDisconnect = disconnect
        module.pointee.xDestroy = disconnect
        module.pointee.xOpen = open
        module.pointee.xClose = close
        module.pointee.xFilter = filter
        module.pointee.xNext = next
        module.pointee.xEof = eof
        module.pointee.xColumn = column
        module.pointee.xRowid = rowid
        return module
    }()
}

/// A scan over a table's files, in order, one row at a time; or, for a
/// keyed plan (`ScanPlan.key`), the rows of a hash built by the first scan.
/// A cursor a registry lists without keeping it open.
private struct WeakCursor {
    weak var cursor: TableCursor?
}

private final class TableCursor {
    let table: TableRegistry.Table
    /// The table's index in the registry: cursors of one index read the same files.
    let index: Int
    let registry: TableRegistry
    /// Rows read from files by this cursor, told to the registry when it closes.
    @exclusivity(unchecked) private var rowsRead = 0
    /// The rows after the current one, read for this cursor by another
    /// cursor's scan of the same files (`build`), and the rowid of each:
    /// taken at the next `advance`, so the files are not read again.
    private var shared: (rows: KeyedRows, rowids: [Int64])?
    /// Set while this cursor reads from `shared` rows instead of files.
    private var sharedRowids: [Int64]?
    private(set) var reader: TableReader? {
        didSet { readerRef = reader.map(Unmanaged.passUnretained) }
    }
    /// `reader`, unretained, for the row path (`result`): no reference counting per cell.
    @exclusivity(unchecked) private var readerRef: Unmanaged<TableReader>?
    private var fileIndex = -1
    private var onlyPath: String?
    // Read or set for every row: unchecked, as no two accesses overlap.
    @exclusivity(unchecked) private(set) var rowid: Int64 = 0
    /// The run of the current file that the current row ends in.
    private var run = 0
    /// The union column each of the current file's columns fills, inverted.
    /// Read for every cell; set only when a file is opened.
    @exclusivity(unchecked) private var fileColumnOf: [Int?] = []
    private var fromVersion: Int64?
    private let versionColumn: Int, pathColumn: Int
    /// Constant constraints a row must pass, with their values.
    @exclusivity(unchecked) private var filters: [(ScanPlan.Filter, ScanValue)] = []
    /// Constant constraints on `_time`: SQLite checks them on each row; the scan skips runs by them.
    private var timeFilters: [(ScanPlan.Op, ScanValue)] = []
    /// The time filters against text, which SQLite leaves to this cursor (`TimeTest`).
    private var timeTests: [TimeTest] = []
    /// The stretches of the current file read (runs that may hold wanted rows, joined), and the one being read.
    private var blocks: [(from: Int64, to: Int64?)] = []
    private var block = 0
    /// Where the current stretch ends: a row ending after it belongs to a run not wanted.
    @exclusivity(unchecked) private var blockEnd: Int64?
    /// The table's columns the statement uses (a Parquet file reads only those).
    private var used: [Int] = []
    /// `_every`'s argument and the width it names (`_bucket` is NULL without one).
    private var every: ScanValue = .null
    private var bucketWidth: Int64?
    /// Whether each row is checked to be in bucket order (`ScanPlan.ordered`),
    /// and the bucket of the last row: `.none` before the first, `.some(nil)` for rows with no time.
    private var checksOrder = false
    private var lastBucket: Int64??
    /// The last bucket `_bucket` gave, and its text.
    private var bucketText: (bucket: Int64, text: [UInt8])?
    /// Counts every row a scan of this cursor moves to, never reset: what
    /// the values kept for the current row are kept under.
    @exclusivity(unchecked) private var serial: Int64 = 0
    /// Each column's number (or NULL) as last given, and the row's serial:
    /// SQLite asks for a column once per use (a streaming GROUP BY's
    /// `avg(x), min(x), max(x)` three times), and a cell is parsed once.
    @exclusivity(unchecked) private var numbers: [(serial: Int64, value: Number)] = []
    /// The current row's bucket, and the serial it was found for.
    @exclusivity(unchecked) private var bucketOfRow: (serial: Int64, bucket: Int64?) = (-1, nil)
    private enum Number { case null, integer(Int64), real(Double) }
    /// A scan in bucket order of a file whose later appends reach back into
    /// earlier buckets (late rows): its runs read side by side and merged
    /// by bucket, a run's rows before a later run's in the same bucket, as
    /// SQLite's sort would give them (`startMerge`). Nil otherwise.
    private var merge: RunMerge?

    /// The last plan parsed and the `idxStr` it came from: an inner loop is
    /// filtered once per outer row with the same one.
    private var lastPlan: (text: String, plan: ScanPlan)?
    /// The hash of a keyed plan, and the arguments other than the key it was built with.
    @exclusivity(unchecked) private var keyed: (rows: KeyedRows, identity: [ScanValue])?
    /// The rows of the hash this lookup gives, and the one the cursor is on.
    private var matches: [Int32] = []
    private var match = 0
    /// Set when a hash outgrew `KeyedRows.budget`: each lookup reads the files.
    private var keyedTooLarge = false

    init(table: TableRegistry.Table, index: Int, registry: TableRegistry) {
        self.table = table
        self.index = index
        self.registry = registry
        versionColumn = table.versionColumn
        pathColumn = table.pathColumn
    }

    deinit { registry.rowsRead += rowsRead }

    var isAtEnd: Bool { keyed == nil ? reader == nil : match >= matches.count }

    func plan(_ idxStr: UnsafePointer<CChar>?) -> ScanPlan {
        let text = idxStr.map { String(cString: $0) } ?? ""
        if let lastPlan, lastPlan.text == text { return lastPlan.plan }
        let plan = ScanPlan(encoded: text) ?? ScanPlan()
        lastPlan = (text, plan)
        return plan
    }

    /// Starts a scan by `plan`, its arguments in the plan's order.
    func start(_ plan: ScanPlan, arguments given: [ScanValue]) throws {
        var arguments = given[...]
        shared = nil
        sharedRowids = nil
        onlyPath = nil
        if plan.path, let value = arguments.popFirst() {
            if case .text(let bytes) = value { onlyPath = String(decoding: bytes, as: UTF8.self) } else { onlyPath = "" }
        }
        fromVersion = nil
        if let bound = plan.version, let value = arguments.popFirst() {
            // Only a number bounds the scan; anything else is left to SQLite alone.
            let number: Double? = switch value {
            case .integer(let number): Double(number)
            case .real(let number): number
            default: nil
            }
            if let number {
                let clamped = min(max(number, -1), 1e18)
                // Rows of the first whole version the constraint can hold for, and later.
                fromVersion = bound == .above ? Int64(clamped.rounded(.down)) + 1 : Int64(clamped.rounded(.up))
            }
        }
        let key = plan.key == nil ? nil : arguments.popFirst()
        filters = Array(zip(plan.filters, arguments))
        timeFilters = Array(zip(plan.timeFilters, arguments.dropFirst(plan.filters.count)))
        every = plan.every ? arguments.dropFirst(plan.filters.count + plan.timeFilters.count).first ?? .null : .null
        bucketWidth = if case .text(let text) = every { TimeColumn.width(String(decoding: text, as: UTF8.self)) } else { nil }
        checksOrder = plan.ordered
        lastBucket = .none
        timeTests = timeFilters.compactMap { op, value in
            if case .text(let text) = value { return TimeTest(op, text) }
            return nil
        }
        used = plan.used ?? Array(0..<table.declaredCount)
        guard let keyColumn = plan.key, let key, !keyedTooLarge else {
            keyed = nil
            if let keyColumn = plan.key, let key { filters.append((ScanPlan.Filter(column: keyColumn, op: .eq), key)) }
            return try scan()
        }
        let identity = [onlyPath.map { ScanValue.text(Array($0.utf8)) } ?? .null, fromVersion.map(ScanValue.integer) ?? .null]
            + filters.map(\.1) + timeFilters.map(\.1) + [every]
        if keyed == nil || keyed!.identity != identity {
            keyed = nil
            guard let rows = try build(keyColumn, used: used) else {
                // Over the budget: this and every later lookup reads the files, the key a filter.
                keyedTooLarge = true
                return try start(plan, arguments: given)
            }
            keyed = (rows, identity)
        }
        matches = keyed!.rows.rows(equalTo: key)
        match = 0
        rowid = matches.first.map { Int64($0) + 1 } ?? 0
    }

    /// Reads every row that passes the filters into a hash on `keyColumn`,
    /// or gives nil when they outgrow the budget.
    ///
    /// Another cursor of the same table in the middle of the same scan (the
    /// outer side of a self-join, which SQLite started first) is given the
    /// rows after its current one that pass its own filters, read by this
    /// scan, so the statement reads the files once (`peers`).
    private func build(_ keyColumn: Int, used: [Int]) throws -> KeyedRows? {
        let rows = KeyedRows(used: used, columnCount: table.declaredCount)
        let peers = self.peers()
        let collected = peers.map { KeyedRows(used: $0.used, columnCount: table.declaredCount) }
        var rowids = [[Int64]](repeating: [], count: peers.count)
        var collecting = [Bool](repeating: true, count: peers.count)
        // With peers, every row of the stretches is looked at: each side keeps those that pass its own filters.
        let own = filters, ownTimeTests = timeTests
        if !peers.isEmpty { filters = []; timeTests = [] }
        defer { filters = own; timeTests = ownTimeTests }
        try scan()
        while let reader {
            if peers.isEmpty || passes(own, ownTimeTests, reader) {
                let keyCell = fileColumnOf[keyColumn]
                reader.withCell(keyCell ?? 0) { cell in
                    rows.append(key: keyCell == nil ? .null : cell) { column in stored(column, in: rows) }
                }
            }
            for (i, peer) in peers.enumerated() where collecting[i] && rowid > peer.rowid && passes(peer.filters, peer.timeTests, reader) {
                collected[i].append(key: .null) { column in stored(column, in: collected[i]) }
                rowids[i].append(rowid)
            }
            if rowid % 256 == 0 {
                if rows.bytes > KeyedRows.budget { return nil }
                var total = rows.bytes
                for i in peers.indices where collecting[i] {
                    total += collected[i].bytes
                    // Past the budget, that side goes on reading the files itself.
                    if total > KeyedRows.budget { collecting[i] = false }
                }
            }
            try advance()
        }
        for (i, peer) in peers.enumerated() where collecting[i] { peer.shared = (collected[i], rowids[i]) }
        return rows
    }

    /// The other cursors of this table that are part way through a scan of
    /// exactly the stretches this one would read: same path, `_version`
    /// bound and time filters, no key of their own, nothing shared yet.
    private func peers() -> [TableCursor] {
        let others = (registry.cursors[index] ?? []).compactMap(\.cursor).filter { $0 !== self }
        guard !others.isEmpty else { return [] }
        let mine = table.definition.files.map(wantedBlocks)
        return others.filter { other in
            other.keyed == nil && other.sharedRowids == nil && other.shared == nil && other.reader != nil && !other.checksOrder
                && other.onlyPath == onlyPath && other.fromVersion == fromVersion
                && table.definition.files.map(other.wantedBlocks).elementsEqual(mine) { $0.elementsEqual($1) { $0.from == $1.from && $0.to == $1.to } }
        }
    }

    /// Column `column` of the current row, kept in `rows`.
    private func stored(_ column: Int, in rows: KeyedRows) -> KeyedRows.Stored {
        if column == table.versionColumn { return currentVersion().map(KeyedRows.Stored.integer) ?? .null }
        if column == table.pathColumn {
            var path = table.definition.files[fileIndex].path
            return path.withUTF8 { rows.store($0) }
        }
        if column == table.timeColumn {
            guard var time = currentTime() else { return .null }
            return time.withUTF8 { rows.store($0) }
        }
        if column == table.bucketColumn {
            guard let bucket = currentBucket() else { return .null }
            return TimeColumn.withISO(micros: bucket) { rows.store($0) }
        }
        if column == table.everyColumn {
            guard case .text(let text) = every else { return .null }
            return text.withUnsafeBufferPointer { rows.store($0) }
        }
        guard column < fileColumnOf.count, let fileColumn = fileColumnOf[column], let reader else { return .null }
        return reader.withCell(fileColumn) { cell in
            switch cell {
            case .null: .null
            case .integer(let value): .integer(value)
            case .real(let value): .real(value)
            case .text(let bytes): rows.store(bytes)
            case .blob(let bytes): rows.store(bytes, blob: true)
            }
        }
    }

    /// Starts reading the files from the first, to the first row that passes the filters.
    private func scan() throws {
        fileIndex = -1
        rowid = 0
        reader = nil
        try openNextFile()
        try seek()
    }

    /// Whether the current row passes every filter.
    private func passesFilters() -> Bool {
        guard let reader else { return true }
        return passes(filters, timeTests, reader)
    }

    /// Whether `reader`'s current row passes `filters` and `timeTests`.
    private func passes(_ filters: [(ScanPlan.Filter, ScanValue)], _ timeTests: [TimeTest], _ reader: TableReader) -> Bool {
        if !TableCursor.passes(filters, reader, fileColumnOf) { return false }
        guard !timeTests.isEmpty else { return true }
        // A row with no time has a NULL `_time`, which no comparison accepts.
        guard let micros = TableCursor.micros(reader, fileColumnOf, table.timeSource) else { return false }
        return timeTests.allSatisfy { $0.passes(micros) }
    }

    /// Whether `reader`'s current row passes `filters` (a file's columns found by `fileColumnOf`).
    private static func passes(_ filters: [(ScanPlan.Filter, ScanValue)], _ reader: TableReader, _ fileColumnOf: [Int?]) -> Bool {
        for (filter, value) in filters {
            guard let fileColumn = fileColumnOf[filter.column] else {
                // A file without the column: its value is NULL there.
                return false
            }
            if !reader.withCell(fileColumn, { filter.op.mayHold($0, value) }) { return false }
        }
        return true
    }

    func advance() throws {
        if let shared {
            // Another cursor's scan read the rest of this one's rows: read on from them.
            self.shared = nil
            reader = nil
            keyed = (shared.rows, [])
            sharedRowids = shared.rowids
            matches = Array(0..<Int32(shared.rows.count))
            match = 0
            if let first = shared.rowids.first { rowid = first }
            return
        }
        if keyed != nil {
            match += 1
            if match < matches.count { rowid = sharedRowids.map { $0[match] } ?? Int64(matches[match]) + 1 }
            return
        }
        try seek()
    }

    /// Moves to the next row that passes the filters: on in the current
    /// stretch, then the file's next stretch, then the next file's; no reader at the end.
    private func seek() throws {
        if merge != nil { return try seekMerged() }
        while let readerRef {
            while try withErrors({ try readerRef._withUnsafeGuaranteedRef { try $0.next() } }) {
                if let blockEnd, readerRef._withUnsafeGuaranteedRef({ $0.endOffset }) > blockEnd { break }
                rowid += 1
                rowsRead += 1
                serial += 1
                if (filters.isEmpty && timeTests.isEmpty) || passesFilters() {
                    if checksOrder { try checkOrder() }
                    return
                }
            }
            if block + 1 < blocks.count {
                block += 1
                try openBlock(table.definition.files[fileIndex])
            } else {
                try openNextFile()
            }
        }
    }

    /// The runs of a merge in bucket order: those being read, each on its
    /// next row and that row's bucket, and those not begun, by their first bucket.
    private struct RunMerge {
        struct Open {
            let run: Int
            let reader: TableReader
            let end: Int64?
            var bucket: Int64
        }
        var open: [Open] = []
        var waiting: [(run: Int, first: Int64)]
        /// The run whose row the cursor is on (read on at the next move).
        var current: Int?
        /// More runs than this read at once: the sort is left to SQLite.
        static let most = 16
    }

    /// Starts a scan in bucket order of `file` by merging its runs, when
    /// the scan leaves the order of `_bucket` to the table, its runs' kept
    /// time ranges say a later one reaches back into an earlier one's
    /// buckets, and nothing else narrows the scan. False otherwise (the
    /// file is read in order, each row checked).
    private func startMerge(_ file: TableFile) throws -> Bool {
        guard checksOrder, let width = bucketWidth, table.definition.files.count == 1, filters.isEmpty, timeFilters.isEmpty,
              fromVersion == nil, onlyPath == nil, file.openFrom != nil, file.format != .parquet, file.runs.count > 1,
              file.timeRanges.count == file.runs.count else { return false }
        var firsts: [Int64] = [], latest = Int64.min, reachesBack = false
        for range in file.timeRanges {
            guard let low = range?.microsLow, let high = range?.microsHigh else { return false }
            let first = TimeColumn.bucket(low, width: width)
            if first < latest { reachesBack = true }
            latest = max(latest, TimeColumn.bucket(high, width: width))
            firsts.append(first)
        }
        guard reachesBack else { return false }
        startedLate = true
        // The scan's first move (`seek`) begins the runs of the earliest bucket.
        merge = RunMerge(waiting: firsts.enumerated().map { ($0.offset, $0.element) }.sorted { ($0.first, $0.run) < ($1.first, $1.run) })
        return true
    }

    /// Moves a merge to its next row: the run given last reads on, the runs
    /// whose first bucket the merge has reached begin, and the row of the
    /// earliest bucket (of the earliest run, on a tie) is the current one.
    private func seekMerged() throws {
        guard var merge else { return }
        defer { self.merge = merge }
        let file = table.definition.files[fileIndex]
        /// Moves `reader` to its next row of the run: its bucket, or nil at the run's end.
        func next(_ reader: TableReader, end: Int64?, after previous: Int64?) throws -> Int64? {
            guard try withErrors({ try reader.next() }) else { return nil }
            if let end, reader.endOffset > end { return nil }
            rowsRead += 1
            // Rows with no time, or a run out of order in itself: SQLite sorts.
            guard let micros = TableCursor.micros(reader, fileColumnOf, table.timeSource), let width = bucketWidth else {
                throw TableRowsOutOfOrder(path: file.path)
            }
            let bucket = TimeColumn.bucket(micros, width: width)
            if let previous, bucket < previous { throw TableRowsOutOfOrder(path: file.path) }
            return bucket
        }
        if let current = merge.current, let index = merge.open.firstIndex(where: { $0.run == current }) {
            let open = merge.open[index]
            if let bucket = try next(open.reader, end: open.end, after: open.bucket) {
                merge.open[index].bucket = bucket
            } else {
                merge.open.remove(at: index)
            }
        }
        while let waiting = merge.waiting.first, waiting.first <= merge.open.map(\.bucket).min() ?? .max {
            merge.waiting.removeFirst()
            let from = file.runs[waiting.run].from
            let end = waiting.run + 1 < file.runs.count ? file.runs[waiting.run + 1].from : nil
            guard let opened = try reader(of: file, from: from, to: end) else { throw TableRowsOutOfOrder(path: file.path) }
            if let bucket = try next(opened, end: end, after: nil) {
                merge.open.append(RunMerge.Open(run: waiting.run, reader: opened, end: end, bucket: bucket))
                if merge.open.count > RunMerge.most { throw TableRowsOutOfOrder(path: file.path) }
            }
        }
        guard let chosen = merge.open.min(by: { ($0.bucket, $0.run) < ($1.bucket, $1.run) }) else {
            merge.current = nil
            reader = nil
            return
        }
        merge.current = chosen.run
        reader = chosen.reader
        run = chosen.run
        rowid += 1
        serial += 1
        try checkOrder()
    }

    /// Throws `TableRowsOutOfOrder` when the current row's bucket is before
    /// the last row's (a row with no time after one with a time included:
    /// SQLite puts NULLs first).
    private func checkOrder() throws {
        let bucket = currentBucket()
        if let last = lastBucket {
            switch (last, bucket) {
            case (.some(let last), .some(let bucket)) where bucket < last: throw TableRowsOutOfOrder(path: table.definition.files[fileIndex].path)
            case (.some, .none): throw TableRowsOutOfOrder(path: table.definition.files[fileIndex].path)
            default: break
            }
        }
        lastBucket = .some(bucket)
    }

    /// The start of the current row's bucket of `_every`'s width, in microseconds.
    private func currentBucket() -> Int64? {
        if bucketOfRow.serial == serial { return bucketOfRow.bucket }
        let bucket = bucketWidth.flatMap { width in currentMicros().map { TimeColumn.bucket($0, width: width) } }
        bucketOfRow = (serial, bucket)
        return bucket
    }

    /// Whether the current file is read from a later row on (`_version` or a time pushed down).
    private var startedLate = false

    /// Runs `body` on the current file: a bad row is the error naming its
    /// line, found by reading the file from its start when the scan began later.
    private func withErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TableDataError {
            let file = table.definition.files[fileIndex]
            if startedLate {
                // Its line counts from where the scan began: read from the file's start for the line in the file.
                let reader = try registry.withTableErrors(file) { try file.reader() }
                try registry.withTableErrors(file) { while try reader.next() {} }
            }
            return try registry.withTableErrors(file) { throw error }
        }
    }

    /// The stretches of `file` to read: its runs (`TableFile.runs`) that a
    /// `_version` bound and the time filters leave, those next to each other
    /// joined; empty when none may hold a wanted row; the whole file when its
    /// runs cannot be read apart.
    private func wantedBlocks(_ file: TableFile) -> [(from: Int64, to: Int64?)] {
        guard !file.runs.isEmpty else { return [(0, nil)] }
        let timeChecks = self.timeChecks()
        let wanted = file.runs.indices.map { index in
            if let fromVersion, file.runs[index].version.rawValue < fromVersion { return false }
            guard !timeChecks.isEmpty, index < file.timeRanges.count, let range = file.timeRanges[index] else { return true }
            return timeChecks.allSatisfy { $0(range) }
        }
        if !wanted.contains(true) { return [] }
        if file.openFrom == nil || file.format == .parquet { return [(0, nil)] }
        let byBlocks = !timeChecks.isEmpty && file.timeBlocks != nil
        if wanted.allSatisfy({ $0 }) && !byBlocks { return [(0, nil)] }
        var blocks: [(from: Int64, to: Int64?)] = []
        func add(_ from: Int64, _ to: Int64?) {
            if let last = blocks.last, last.to == from {
                blocks[blocks.count - 1].to = to
            } else {
                blocks.append((from, to))
            }
        }
        for index in file.runs.indices where wanted[index] {
            let end = index + 1 < file.runs.count ? file.runs[index + 1].from : nil
            // Within a run that may hold a match, the stretches whose range may (a run
            // whose blocks cannot be had is read whole).
            let stretches = byBlocks ? (try? file.timeBlocks?(index)) ?? [] : []
            guard let first = stretches.first, first.start == file.runs[index].from else {
                add(file.runs[index].from, end)
                continue
            }
            for (position, stretch) in stretches.enumerated() where timeChecks.allSatisfy({ $0(stretch.range) }) {
                add(stretch.start, position + 1 < stretches.count ? stretches[position + 1].start : end)
            }
        }
        return blocks
    }

    /// A test per time filter of whether a run of a given range may hold a
    /// row that passes it: on the time column, by its bounds as text or as
    /// numbers (as the column is typed); on `_time`, by the bounds in
    /// `_time`'s form. A run whose rows have no time holds none.
    private func timeChecks() -> [(TimeRange) -> Bool] {
        var checks: [(TimeRange) -> Bool] = []
        if let source = table.timeSource {
            let type = table.types[source]
            for (filter, value) in filters where filter.column == source {
                switch type {
                case .text:
                    checks.append { range in
                        guard let low = range.textLow, let high = range.textHigh else { return false }
                        return filter.op.mayHold(between: .text(low), and: .text(high), value)
                    }
                case .integer, .real:
                    checks.append { range in
                        guard let low = range.numberLow, let high = range.numberHigh else { return false }
                        return filter.op.mayHold(between: .real(low), and: .real(high), value)
                    }
                default:
                    break
                }
            }
        }
        for (op, value) in timeFilters {
            if case .text(let text) = value {
                // Against text, by the bounds in microseconds (`TimeTest`), with no text made per run.
                let test = TimeTest(op, text)
                checks.append { range in
                    guard let low = range.microsLow, let high = range.microsHigh else { return false }
                    return test.mayHold(low: low, high: high)
                }
                continue
            }
            checks.append { range in
                guard let low = range.microsLow, let high = range.microsHigh else { return false }
                return op.mayHold(between: .text(Array(TimeColumn.iso(micros: low).utf8)), and: .text(Array(TimeColumn.iso(micros: high).utf8)), value)
            }
        }
        return checks
    }

    /// Opens the current stretch of `file`: from its start, or from a later row on.
    private func openBlock(_ file: TableFile) throws {
        let stretch = blocks[block]
        blockEnd = stretch.to
        var opened = try reader(of: file, from: stretch.from, to: stretch.to)
        if stretch.from > 0, opened != nil { startedLate = true }
        if opened == nil {
            // Where no row starts at the stretch (or the bytes cannot be read from there): the whole file, every row.
            blocks = [(0, nil)]
            block = 0
            blockEnd = nil
            opened = try reader(of: file, from: 0, to: nil)
        }
        if file.format == .parquet { narrow(opened!) }
        reader = opened
    }

    /// A reader of the current file's rows from byte `from` (where a row
    /// starts) up to `to`, with the table's types; from 0, the whole file,
    /// its header read. Nil when its rows cannot be read from `from`.
    private func reader(of file: TableFile, from: Int64, to: Int64?) throws -> TableReader? {
        let opened: TableReader
        if from > 0 {
            guard let rows = try file.openFrom?(from, to) else { return nil }
            opened = TableReader(format: file.format, continuing: table.fileSchemas[fileIndex], startOffset: from, chunks: rows)
        } else {
            opened = try registry.withTableErrors(file) { try file.reader() }
        }
        opened.use(table.fileSchemas[fileIndex])
        return opened
    }

    /// Opens the next file that may have a wanted row (and the path asked
    /// for), at its first stretch; no reader when there is none.
    private func openNextFile() throws {
        reader = nil
        while fileIndex + 1 < table.definition.files.count {
            fileIndex += 1
            let file = table.definition.files[fileIndex]
            if let onlyPath, onlyPath != file.path { continue }
            blocks = wantedBlocks(file)
            guard !blocks.isEmpty else { continue }
            var inverse = [Int?](repeating: nil, count: table.columns.count)
            for (fileColumn, unionColumn) in table.fileColumns[fileIndex].enumerated() { inverse[unionColumn!] = fileColumn }
            fileColumnOf = inverse
            run = 0
            block = 0
            startedLate = false
            merge = nil
            if try startMerge(file) { return }
            try openBlock(file)
            return
        }
    }

    /// Has a Parquet reader read only the columns used, and skip the row
    /// groups whose statistics rule out a filter.
    private func narrow(_ reader: TableReader) {
        reader.restrict(to: used.compactMap { $0 < fileColumnOf.count ? fileColumnOf[$0] : nil })
        let checks = filters.compactMap { filter, value in fileColumnOf[filter.column].map { ($0, filter.op, value) } }
        guard !checks.isEmpty else { return }
        reader.skipRowGroups { range in
            checks.allSatisfy { column, op, value in
                guard let (low, high) = range(column) else { return true }
                return op.mayHold(between: low, and: high, value)
            }
        }
    }

    /// Sets column `column` of the current row as SQLite's result.
    func result(_ column: Int, into context: OpaquePointer?) {
        if let keyed {
            return keyed.rows.result(row: Int(matches[match]), column: column, into: context)
        }
        guard let readerRef else { return sqlite3_result_null(context) }
        if column == versionColumn {
            guard let version = currentVersion() else { return sqlite3_result_null(context) }
            return sqlite3_result_int64(context, version)
        }
        if column == pathColumn {
            return sqlite3_result_text(context, table.definition.files[fileIndex].path, -1, TableCursor.transient)
        }
        if column == table.timeColumn {
            guard let micros = currentMicros() else { return sqlite3_result_null(context) }
            return TimeColumn.withISO(micros: micros) { text in
                text.withMemoryRebound(to: CChar.self) { sqlite3_result_text(context, $0.baseAddress, Int32($0.count), TableCursor.transient) }
            }
        }
        if column == table.bucketColumn {
            guard let bucket = currentBucket() else { return sqlite3_result_null(context) }
            // Rows in time order fall in the bucket of the row before: its text is given again.
            if bucketText?.bucket != bucket { bucketText = (bucket, TimeColumn.withISO(micros: bucket) { Array($0) }) }
            return bucketText!.text.withUnsafeBufferPointer { text in
                text.withMemoryRebound(to: CChar.self) { sqlite3_result_text(context, $0.baseAddress, Int32($0.count), TableCursor.transient) }
            }
        }
        if column == table.everyColumn {
            guard case .text(let text) = every else { return sqlite3_result_null(context) }
            return text.withUnsafeBufferPointer { text in
                text.withMemoryRebound(to: CChar.self) { sqlite3_result_text(context, $0.baseAddress, Int32($0.count), TableCursor.transient) }
            }
        }
        guard column < fileColumnOf.count, let fileColumn = fileColumnOf[column] else { return sqlite3_result_null(context) }
        if column < numbers.count, numbers[column].serial == serial {
            switch numbers[column].value {
            case .null: return sqlite3_result_null(context)
            case .integer(let value): return sqlite3_result_int64(context, value)
            case .real(let value): return sqlite3_result_double(context, value)
            }
        }
        if numbers.count < table.columns.count { numbers = Array(repeating: (-1, .null), count: table.columns.count) }
        readerRef._withUnsafeGuaranteedRef { reader in reader.withCell(fileColumn) { cell in
            switch cell {
            case .null:
                numbers[column] = (serial, .null)
                sqlite3_result_null(context)
            case .integer(let value):
                numbers[column] = (serial, .integer(value))
                sqlite3_result_int64(context, value)
            case .real(let value):
                numbers[column] = (serial, .real(value))
                sqlite3_result_double(context, value)
            case .text(let bytes):
                if bytes.isEmpty {
                    sqlite3_result_text(context, "", 0, TableCursor.transient)
                } else {
                    bytes.withMemoryRebound(to: CChar.self) {
                        sqlite3_result_text(context, $0.baseAddress, Int32($0.count), TableCursor.transient)
                    }
                }
            case .blob(let bytes):
                sqlite3_result_blob(context, bytes.baseAddress ?? UnsafePointer(bitPattern: 1), Int32(bytes.count), TableCursor.transient)
            }
        } }
    }

    /// The current row's time as `_time` gives it: its time column's ISO text
    /// or epoch number in one form (`TimeColumn.iso`); nil when it is neither.
    private func currentTime() -> String? {
        currentMicros().map(TimeColumn.iso(micros:))
    }

    /// The current row's time as microseconds since 1970 UTC (`currentTime`).
    private func currentMicros() -> Int64? {
        guard let reader else { return nil }
        return TableCursor.micros(reader, fileColumnOf, table.timeSource)
    }

    /// The time of `reader`'s current row in microseconds, from its time column `source` (of the union's columns).
    private static func micros(_ reader: TableReader, _ fileColumnOf: [Int?], _ source: Int?) -> Int64? {
        guard let source, source < fileColumnOf.count, let fileColumn = fileColumnOf[source] else { return nil }
        return reader.withCell(fileColumn) { cell in
            switch cell {
            case .integer(let value): TimeColumn.micros(epoch: Double(value))
            case .real(let value): TimeColumn.micros(epoch: value)
            case .text(let bytes): TimeColumn.micros(iso: bytes)
            case .null, .blob: nil
            }
        }
    }

    /// The version that wrote the current row: the run its text ends in.
    private func currentVersion() -> Int64? {
        guard let reader else { return nil }
        let file = table.definition.files[fileIndex]
        let end = reader.endOffset
        while run + 1 < file.runs.count, file.runs[run + 1].from < end { run += 1 }
        return file.runs.isEmpty ? nil : file.runs[run].version.rawValue
    }

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A scan that left the order of `_bucket` to the table met a row in an
/// earlier bucket than the row before it (a series with late rows): the
/// statement stops, and its caller runs it again with SQLite sorting.
public struct TableRowsOutOfOrder: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "the rows of \(path) are not in time order" }
}

/// `text` in memory from sqlite3_malloc, for SQLite to free.
private func sqliteCopy(_ text: String) -> UnsafeMutablePointer<CChar>? {
    let bytes = Array(text.utf8CString)
    guard let copy = sqlite3_malloc(Int32(bytes.count))?.assumingMemoryBound(to: CChar.self) else { return nil }
    bytes.withUnsafeBufferPointer { copy.update(from: $0.baseAddress!, count: bytes.count) }
    return copy
}

/// `name` as an SQL identifier in double quotes.
func quoted(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
