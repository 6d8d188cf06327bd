import OpLog
import TinyFS

extension FS {
    /// The log session behind this filesystem, when it runs on a pond.
    var session: LogSession? { persistence as? LogSession }

    /// The log's metadata for `node`; nil for a node a dynamic directory synthesizes.
    public func metadata(of node: Node) throws -> NodeMetadata? {
        guard let id = node.id, let session else { return nil }
        return try session.metadata(of: id, type: node.type)
    }
}
