import Collect
import OpLog
import Remote

public typealias Resource = Collect.Resource
public typealias ResourceDocuments = Collect.ResourceDocuments
public typealias ResourceError = Collect.ResourceError
public typealias ResourcePlan = Collect.ResourcePlan
public typealias CollectorSpec = Collect.CollectorSpec
public typealias CollectorOutcome = Collect.CollectorOutcome
public typealias HTTPFetching = Collect.HTTPFetching
public typealias HTTPFetched = Collect.HTTPFetched
public typealias Secrets = Collect.Secrets

/// Resources from YAML (`pond apply`) and collectors (`pond run`): DESIGN.md,
/// "Configure and collect".
extension Pond {
    /// What applying `resources` would change at head, changing nothing.
    /// - Throws: `ResourceError` naming the document that cannot be applied.
    public func plan(_ resources: [Resource]) throws -> [ResourcePlan.Step] {
        try Pond.checkRemotes(in: resources)
        let remotes = try self.remotes()
        return try read { fs in try ResourcePlan(resources, in: fs, remotes: remotes).steps }
    }

    /// Makes the pond as `resources` say: every change to the tree in ONE
    /// version (none when nothing differs), then the remotes named or changed.
    /// A derived file's query is checked as `mknod sql` checks it; any error
    /// leaves the pond as it was.
    /// - Returns: the steps made, and the version (nil when the tree did not change).
    public func apply(_ resources: [Resource], message: String, note: String? = nil) throws -> (steps: [ResourcePlan.Step], version: Version?) {
        try Pond.checkRemotes(in: resources)
        let remotes = try self.remotes()
        let (plan, version) = try commit(message: message, note: note) { fs in
            let plan = try ResourcePlan(resources, in: fs, remotes: remotes)
            try plan.make(in: fs)
            return plan
        }
        for remote in plan.remotes { try store.setRemote(remote) }
        return (plan.steps, version)
    }

    /// Every collector at head, by name.
    public func collectors() throws -> [CollectorSpec] {
        try read { fs in try Collectors.all(in: fs) }
    }

    /// The collector called `name`. - Throws: `ResourceError` when there is none.
    public func collector(named name: String) throws -> CollectorSpec {
        try read { fs in try Collectors.named(name, in: fs) }
    }

    /// Runs `collector` once: its command or GET first, then what is new
    /// written as ONE version (none when nothing new arrived). A failure
    /// leaves the pond as it was.
    public func run(_ collector: CollectorSpec, http: (any HTTPFetching)?, message: String, note: String? = nil) throws -> (CollectorOutcome, Version?) {
        let run = CollectorRun(collector)
        try read { fs in try run.prepare(reading: fs, http: http) }
        return try commit(message: message, note: note) { fs in try run.finish(in: fs) }
    }

    /// The remotes pushed after every command that writes.
    public func autoPushRemotes() throws -> [RemoteRecord] {
        try remotes().filter(\.autoPush)
    }

    /// Each `remote` document's URL and endpoint, checked as `remote add` checks them.
    private static func checkRemotes(in resources: [Resource]) throws {
        for resource in resources {
            guard case .remote(let remote) = resource.kind else { continue }
            do {
                let location = try RemoteLocation.parse(remote.url)
                if let endpoint = remote.endpoint {
                    guard case .s3 = location else { throw RemoteError.badURL(remote.url, reason: "endpoint is for s3:// remotes") }
                    try RemoteLocation.checkEndpoint(endpoint)
                }
            } catch {
                throw ResourceError(resource.origin, "remote \(remote.name): \(error)")
            }
        }
    }
}
