import OpLog
import Tabular
import TinyFS
import Yams

/// The documents of one `pond apply -f` file, read with Yams and checked
/// field by field before anything is written: an unknown kind or field, a
/// missing one or one of the wrong type is an error naming the file, the
/// document and the line.
public enum ResourceDocuments {
    /// The kinds `pond apply` takes, as `kind:` names them.
    public static let kinds = ["directory", "derived", "visit", "reduce", "join", "pivot", "remote", "collector", "site"]

    /// Every document of `text` (from `file`), in order; empty documents are skipped.
    /// - Throws: `ResourceError` naming the first problem.
    public static func parse(_ text: String, file: String) throws -> [Resource] {
        var resources: [Resource] = []
        do {
            var number = 0
            var documents = try Yams.compose_all(yaml: text)
            while let node = documents.next() {
                number += 1
                if case .scalar(let scalar) = node, scalar.is(.null) { continue }
                let line = node.mark?.line ?? 1
                let fields = try Fields(node, origin: ResourceOrigin(file: file, document: number, line: line))
                resources.append(try resource(from: fields))
            }
            // The sequence ends at a document it cannot read, and keeps why.
            if let error = documents.error { throw error }
        } catch let error as YamlError {
            throw ResourceError("\(file): not YAML: \(yamlProblem(error))")
        }
        return resources
    }

    private static func resource(from fields: Fields) throws -> Resource {
        let kind = try fields.string("kind")
        let resourceKind: Resource.Kind
        switch kind {
        case "directory":
            try fields.allow(["path"])
            resourceKind = .directory(path: try fields.path("path"))
        case "derived":
            try fields.allow(["path", "query"])
            resourceKind = .derived(path: try fields.path("path"), query: try fields.string("query"))
        case "visit":
            try fields.allow(["path", "glob"])
            resourceKind = .visit(path: try fields.path("path"), glob: try fields.string("glob"))
        case "reduce":
            try fields.allow(["path", "source", "every", "agg", "columns", "time"])
            var definition = RollupDefinition()
            definition.source = try fields.string("source")
            definition.every = try fields.list("every")
            for resolution in definition.every where TimeColumn.width(resolution) == nil {
                throw fields.error(at: "every", "'\(resolution)' is no resolution (1m, 15m, 1h, 6h, 1d, 7d)")
            }
            definition.aggregates = try fields.optionalList("agg") ?? []
            for aggregate in definition.aggregates where !RollupDefinition.knownAggregates.contains(aggregate) {
                throw fields.error(at: "agg", "'\(aggregate)' is no aggregate (\(RollupDefinition.knownAggregates.joined(separator: ", ")))")
            }
            definition.columns = try fields.optionalList("columns") ?? []
            definition.time = try fields.optionalString("time")
            resourceKind = .reduce(path: try fields.path("path"), definition: definition)
        case "join":
            try fields.allow(["path", "inputs", "time"])
            var definition = RollupDefinition()
            definition.inputs = try fields.map("inputs")
            guard definition.inputs.count >= 2 else { throw fields.error(at: "inputs", "a join needs two inputs or more (scope: source)") }
            definition.time = try fields.optionalString("time")
            resourceKind = .join(path: try fields.path("path"), definition: definition)
        case "pivot":
            try fields.allow(["path", "source", "column"])
            var definition = RollupDefinition()
            definition.source = try fields.string("source")
            definition.column = try fields.string("column")
            resourceKind = .pivot(path: try fields.path("path"), definition: definition)
        case "remote":
            try fields.allow(["name", "url", "endpoint", "access_key_id", "secret_access_key", "auto_push"])
            resourceKind = .remote(RemoteRecord(
                name: try fields.name("name"), url: try fields.string("url"), endpoint: try fields.optionalString("endpoint"),
                autoPush: try fields.bool("auto_push") ?? false,
                accessKeyID: try fields.secret("access_key_id"), secretAccessKey: try fields.secret("secret_access_key")))
        case "collector":
            let type = try fields.string("type")
            let source: CollectorSpec.Source
            switch type {
            case "command":
                try fields.allow(["name", "type", "path", "command", "append"])
                source = .command(try fields.string("command"))
            case "http":
                try fields.allow(["name", "type", "path", "url", "append"])
                let url = try fields.string("url")
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw fields.error(at: "url", "url must be http:// or https://, not '\(url)'")
                }
                source = .http(url: url)
            case "logfile":
                try fields.allow(["name", "type", "path", "file", "append"])
                let file = try fields.string("file")
                guard file.hasPrefix("/") else { throw fields.error(at: "file", "file must be an absolute host path, not '\(file)'") }
                source = .logfile(file: file)
            default:
                throw fields.error(at: "type", "unknown collector type '\(type)' (command, http or logfile)")
            }
            let append = try fields.bool("append") ?? (type == "logfile")
            resourceKind = .collector(CollectorSpec(name: try fields.name("name"), source: source, path: try fields.path("path"), append: append))
        case "site":
            try fields.allow(["path", "config"])
            resourceKind = .site(path: try fields.optionalPath("path") ?? "/site.yaml", config: try fields.yaml("config"))
        default:
            throw fields.error(at: "kind", "unknown kind '\(kind)' (\(kinds.joined(separator: ", ")))")
        }
        return Resource(kind: resourceKind, origin: fields.origin)
    }

    /// Yams's error as one line: what, and where.
    private static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line)"
        default:
            return String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }
}

/// One document's mapping: its fields by key, each with its line, read by
/// type; `allow` refuses the keys a kind does not take.
private struct Fields {
    let origin: ResourceOrigin
    private var values: [String: Yams.Node] = [:]
    private var order: [String] = []

    init(_ node: Yams.Node, origin: ResourceOrigin) throws {
        self.origin = origin
        guard case .mapping(let mapping) = node else {
            throw ResourceError(origin, "a document is a mapping of fields (kind: ..., path: ...)")
        }
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw ResourceError(Fields.at(origin, key), "a field's name is plain text")
            }
            if values[scalar.string] != nil {
                throw ResourceError(Fields.at(origin, key), "field '\(scalar.string)' given twice")
            }
            values[scalar.string] = value
            order.append(scalar.string)
        }
    }

    private static func at(_ origin: ResourceOrigin, _ node: Yams.Node?) -> ResourceOrigin {
        ResourceOrigin(file: origin.file, document: origin.document, line: node?.mark?.line ?? origin.line)
    }

    func error(at key: String, _ message: String) -> ResourceError {
        ResourceError(Fields.at(origin, values[key]), message)
    }

    func allow(_ keys: [String]) throws {
        for key in order where key != "kind" && !keys.contains(key) {
            let kind = values["kind"]?.string ?? "?"
            throw error(at: key, "unknown field '\(key)' for \(kind) (it takes \(keys.joined(separator: ", ")))")
        }
    }

    func optionalString(_ key: String) throws -> String? {
        guard let node = values[key] else { return nil }
        guard case .scalar(let scalar) = node, !scalar.is(.null), !scalar.is(.bool) else {
            throw error(at: key, "\(key) must be text")
        }
        return scalar.string
    }

    func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else {
            throw ResourceError(origin, "missing field '\(key)'")
        }
        guard !value.isEmpty else { throw error(at: key, "\(key) is empty") }
        return value
    }

    func bool(_ key: String) throws -> Bool? {
        guard let node = values[key] else { return nil }
        guard case .scalar(let scalar) = node, scalar.is(.bool), let value = node.bool else {
            throw error(at: key, "\(key) must be true or false")
        }
        return value
    }

    /// A list of text: a YAML sequence, or one line of values separated by commas.
    func optionalList(_ key: String) throws -> [String]? {
        guard let node = values[key] else { return nil }
        let items: [String]
        switch node {
        case .sequence(let sequence):
            items = try sequence.map { item in
                guard case .scalar(let scalar) = item, !scalar.is(.null) else { throw error(at: key, "\(key) is a list of text") }
                return scalar.string
            }
        case .scalar(let scalar) where !scalar.is(.null) && !scalar.is(.bool):
            items = scalar.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        default:
            throw error(at: key, "\(key) is a list of text")
        }
        guard !items.isEmpty, !items.contains(where: \.isEmpty) else { throw error(at: key, "\(key) is an empty list") }
        return items
    }

    func list(_ key: String) throws -> [String] {
        guard let items = try optionalList(key) else { throw ResourceError(origin, "missing field '\(key)'") }
        return items
    }

    /// A mapping of text to text, in the document's order.
    func map(_ key: String) throws -> [(String, String)] {
        guard let node = values[key] else { throw ResourceError(origin, "missing field '\(key)'") }
        guard case .mapping(let mapping) = node else { throw error(at: key, "\(key) is a mapping (scope: source)") }
        return try mapping.map { pair in
            guard case .scalar(let name) = pair.key, case .scalar(let value) = pair.value, !value.is(.null), !name.string.isEmpty,
                  !name.string.contains("=") else {
                throw error(at: key, "\(key) maps names to sources")
            }
            return (name.string, value.string)
        }
    }

    /// A pond path, normalized (`a/b` is `/a/b`); not the root.
    func optionalPath(_ key: String) throws -> String? {
        guard let text = try optionalString(key) else { return nil }
        do {
            let path = try PondPath(text)
            guard !path.isRoot else { throw error(at: key, "\(key) may not be the root") }
            return path.description
        } catch let problem as TinyFSError {
            throw error(at: key, "\(key): \(problem)")
        }
    }

    func path(_ key: String) throws -> String {
        guard let path = try optionalPath(key) else { throw ResourceError(origin, "missing field '\(key)'") }
        return path
    }

    /// A remote's or collector's name: letters, digits, '-', '_', '.'.
    func name(_ key: String) throws -> String {
        let name = try string(key)
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), name != ".", name != ".." else {
            throw error(at: key, "\(key) '\(name)' is not letters, digits, '-', '_' or '.'")
        }
        return name
    }

    /// A credential: only a reference `${env:NAME}`, never the secret itself.
    func secret(_ key: String) throws -> String? {
        guard let value = try optionalString(key) else { return nil }
        guard Secrets.reference(value) != nil else {
            throw error(at: key, "\(key) must be a reference such as ${env:AWS_SECRET_ACCESS_KEY}: a secret is never written in a document")
        }
        return value
    }

    /// A mapping, as YAML text (keys in the document's order).
    func yaml(_ key: String) throws -> String {
        guard let node = values[key] else { throw ResourceError(origin, "missing field '\(key)'") }
        guard case .mapping = node else { throw error(at: key, "\(key) must be a mapping") }
        do {
            return try Yams.serialize(node: node, sortKeys: false)
        } catch {
            throw self.error(at: key, "\(key) cannot be written as YAML: \(error)")
        }
    }
}

extension Yams.Node.Scalar {
    /// Whether the scalar resolves to tag `name` (`true` is a bool, `"true"` text).
    func `is`(_ name: Tag.Name) -> Bool { Yams.Node.scalar(self).tag.rawValue == name.rawValue }
}
