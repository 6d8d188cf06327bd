import OpLog

// The value types of Pond's API. They are defined beside the log that
// produces them (OpLog); the names users and the CLI see are these, so
// that nothing outside Pond imports OpLog or reaches its store.

public typealias Version = OpLog.Version
public typealias Transaction = OpLog.Transaction
public typealias NodeEvent = OpLog.NodeEvent
public typealias RowKind = OpLog.RowKind
public typealias NodeMetadata = OpLog.NodeMetadata
public typealias ListedNode = OpLog.ListedNode
public typealias ListedEntry = OpLog.ListedEntry
public typealias StoredTree = OpLog.StoredTree
public typealias LogRow = OpLog.LogRow
public typealias LogStatistics = OpLog.LogStatistics
public typealias PathChange = OpLog.PathChange
public typealias Finding = OpLog.Finding
public typealias QueryResult = OpLog.QueryResult
public typealias SQLValue = OpLog.SQLValue
public typealias BackupResult = OpLog.BackupResult
public typealias PruneRule = OpLog.PruneRule
public typealias PruneResult = OpLog.PruneResult
/// What can go wrong opening, reading or writing a pond.
public typealias PondError = OpLog.OpLogError
