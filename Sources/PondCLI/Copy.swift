import ArgumentParser
import Foundation
import Pond

struct Copy: MutatingCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        _superCommandName: "pond",
        abstract: "Copy host files into the pond, or pond paths out to a host directory.",
        discussion: """
            In (cp -r's layout): SRC are host files or directories (plain paths or \
            host:///abs/path; `-` reads standard input). If DEST is an existing pond \
            directory, each SRC lands inside it; otherwise DEST names the new file or \
            directory. Copying onto an existing file writes a new version of it. Host \
            symlinks become pond symlinks and are never followed; sockets, fifos and \
            devices are skipped with a warning. The whole copy is one version.

            Out: when DEST is host:///dir, SRC are pond paths or globs; each match lands at \
            dir/<its name> with the tree below it. dir is created if missing; nothing that \
            exists on the host is overwritten, and nothing is written through a host symlink.

            Examples:
              pond copy ./readings /data            # the folder, recursively
              echo hello | pond copy - /notes/hello.txt
              pond copy '/data/*.csv' host:///tmp/export --at 4
            """)

    @OptionGroup var pond: PondOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var at: AtOption
    @Argument(help: ArgumentHelp(
        "What to copy (SRC...), then where (DEST: a pond path, or host:///dir to copy out).",
        valueName: "src-and-dest"))
    var paths: [String]

    /// The command line as `CopyJob` runs it.
    var job: CopyJob { CopyJob(pond: pond.path, message: write.message, quiet: write.quiet, at: at.at, paths: paths) }
    /// What to copy: every path but the last.
    var sources: [String] { job.sources }

    func run() throws { try job.run() }

    /// Copies in, inside the caller's transaction (copying out is not a change).
    func apply(to fs: FS) throws { try job.apply(to: fs) }
}

/// What `pond copy` does, given its arguments as plain values: `Copy`, and
/// a plain line that `DirectParse.copyLine` reads before any parsing, run it.
/// (Building `Copy` alone, its swift-argument-parser property wrappers,
/// costs a one-file copy about a twentieth of its time; README "Benchmarks".)
struct CopyJob {
    /// `--pond`, if given.
    let pond: String?
    /// `-m`.
    let message: String?
    /// `-q`.
    let quiet: Bool
    /// `--at`.
    let at: VersionSpec?
    /// SRC... DEST.
    let paths: [String]

    /// What to copy: every path but the last.
    var sources: [String] { Array(paths.dropLast()) }
    /// Where to copy it: the last path.
    var destination: String { paths.last ?? "" }

    /// Checks the arguments once parsing is over. (In `validate()` this
    /// would run before swift-argument-parser reports an unknown option,
    /// and `pond copy -x /d` would blame the count instead of `-x`.)
    func checkArguments() throws {
        if paths.count < 2 { throw ValidationError("pond copy needs at least one SRC and a DEST") }
        if !destination.hasPrefix(CopyJob.hostScheme), at != nil {
            throw ValidationError("--at reads an old version; it applies to copying out (DEST host:///dir) only")
        }
    }

    func run() throws {
        try checkArguments()
        let pond = try PondOptions.open(self.pond)
        if destination.hasPrefix(CopyJob.hostScheme) {
            try copyOut(from: pond)
        } else {
            try copyIn(to: pond)
        }
    }

    // MARK: - In

    private func copyIn(to pond: Pond) throws {
        let progress = Progress()
        defer { progress.finish() }
        let (_, version) = try pond.commit(message: commandLine(), note: message) { try apply(to: $0, progress: progress) }
        WriteOptions.report(version, quiet: quiet)
    }

    /// Copies in, inside the caller's transaction (copying out is not a change).
    func apply(to fs: FS) throws {
        try apply(to: fs, progress: Progress())
    }

    private func apply(to fs: FS, progress: Progress) throws {
        try checkArguments()
        if destination.hasPrefix(CopyJob.hostScheme) {
            throw ValidationError("copying out to \(destination) changes nothing in the pond and cannot be batched")
        }
        let hostSources = try sources.map { source -> String? in
            if source == "-" { return nil }
            let path = CopyJob.hostPath(source)
            guard HostIO.kind(path) != nil else {
                throw CLIError.hostFileMissing(path)
            }
            return path
        }
        let target = try fs.root.absolute(destination)
        let isDirectory = (try? fs.resolve(target))?.type == .directory
        if !isDirectory && (sources.count > 1 || destination.hasSuffix("/")) {
            throw CLIError.destinationNotADirectory(destination)
        }
        // Where each source lands. A host directory written with a trailing
        // `/` lands as its contents (rsync's convention): each entry inside DEST.
        var landings: [(source: String, host: String?, target: PondPath)] = []
        for (source, hostPath) in zip(sources, hostSources) {
            guard let hostPath else {
                if isDirectory { throw CLIError.standardInputNeedsName(destination) }
                landings.append((source, nil, target))
                continue
            }
            if isDirectory, source.hasSuffix("/"), HostIO.kind(hostPath) == .directory {
                let names = try CopyJob.directoryNames(hostPath).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                for name in names {
                    let host = (hostPath.hasSuffix("/") ? hostPath : hostPath + "/") + name
                    landings.append((host, host, target.appending(try Name(name))))
                }
                continue
            }
            landings.append((source, hostPath, isDirectory ? target.appending(try Name(CopyJob.lastComponent(hostPath))) : target))
        }
        // Two sources landing on one pond path: refused before anything is written, as cp does.
        var seen: [PondPath: String] = [:]
        for landing in landings {
            if let earlier = seen.updateValue(landing.source, forKey: landing.target) {
                throw CLIError.sameDestination(earlier, landing.source, landing.target.description)
            }
        }
        // What the progress line counts up to: every regular file's bytes (standard input's are unknown).
        if landings.allSatisfy({ $0.host != nil }) {
            progress.total = landings.reduce(0) { $0 + CopyJob.hostBytes($1.host!) }
        }
        for landing in landings {
            guard let hostPath = landing.host else {
                var input = HostIO.Source(descriptor: STDIN_FILENO, path: "standard input") { progress.copied(bytes: $0) }
                try fs.root.write(landing.target.description, from: &input)
                progress.copiedFile()
                continue
            }
            try copyHost(hostPath, to: landing.target, in: fs, progress: progress)
        }
    }

    /// The bytes of the regular files at host `path` and below it (0 for what cannot be read).
    static func hostBytes(_ path: String) -> Int {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return Int(info.st_size)
        case S_IFDIR: return ((try? directoryNames(path)) ?? []).reduce(0) { $0 + hostBytes(path + "/" + $1) }
        default: return 0
        }
    }

    /// The names in host directory `path`, read as bytes so that a name
    /// that is not valid UTF-8 is an error naming it, not a garbled name.
    static func directoryNames(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else {
            throw CLIError.hostRead(path, reason: String(cString: strerror(errno)))
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if bytes == Array(".".utf8) || bytes == Array("..".utf8) { continue }
            guard let name = String(validating: bytes, as: UTF8.self) else {
                let shown = String(decoding: bytes, as: UTF8.self)
                throw CLIError.hostRead(path + "/" + shown, reason: "its name is not valid UTF-8, and pond names are UTF-8")
            }
            names.append(name)
        }
        return names
    }

    /// Copies host `path` (not following a symlink) to pond path `target`.
    private func copyHost(_ path: String, to target: PondPath, in fs: FS, progress: Progress) throws {
        guard let kind = HostIO.kind(path) else {
            throw CLIError.hostRead(path, reason: "it cannot be read")
        }
        switch kind {
        case .symlink:
            // As a file copied in again is rewritten, a symlink copied in again over one gets
            // its target (nothing changes when it is the same); anything else there is an error.
            let existing = try? fs.root.node(target.description, followingLast: false)
            try fs.root.symlink(try FileManager.default.destinationOfSymbolicLink(atPath: path), at: target.description,
                                replacing: existing?.type == .symlink)
        case .directory:
            try fs.root.mkdir(target.description, parents: true)
            let names = try CopyJob.directoryNames(path).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for name in names {
                try copyHost(path + "/" + name, to: target.appending(try Name(name)), in: fs, progress: progress)
            }
        case .regular:
            let descriptor = try HostIO.openForReading(path)
            defer { close(descriptor) }
            var file = HostIO.Source(descriptor: descriptor, path: path) { progress.copied(bytes: $0) }
            try fs.root.write(target.description, from: &file)
            progress.copiedFile()
        case .other:
            warn("skipped \(path): not a regular file, directory or symlink")
        }
    }

    static let hostScheme = "host://"

    /// A host path from `text`: plain, or `host:///abs/path`.
    static func hostPath(_ text: String) -> String {
        text.hasPrefix(hostScheme) ? String(text.dropFirst(hostScheme.count)) : text
    }

    /// The last component of a host path ("b" for "a/b" and "a/b/"; "/" for "/"),
    /// taken from the text alone: `URL(fileURLWithPath:)` also asks the file system.
    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? (path.isEmpty ? "" : "/")
    }

    // MARK: - Out

    /// What one host path will hold.
    private enum Planned {
        case directory
        /// A file's bytes, the version that wrote them (its modification time
        /// is that version's commit) and their size.
        case file(any File, Version?, Int64)
        case symlink(String)
    }

    /// Copies out inside one read snapshot: plans every host path, checks
    /// that none exists, then writes them, each file streamed from the pond.
    private func copyOut(from pond: Pond) throws {
        let directory = CopyJob.hostPath(destination)
        guard directory.hasPrefix("/") else {
            throw ValidationError("copy out needs an absolute host directory: host:///abs/dir, not \(destination)")
        }
        let committed = Dictionary(uniqueKeysWithValues: try pond.transactions().map { ($0.version, $0.seconds) })
        try pond.read(at: try at.map { try pond.version($0) }) { fs in
            var plan: [(String, Planned)] = []
            for source in sources {
                for node in try fs.root.select(source) {
                    if node.path.isRoot, case .directory(let root) = node.kind {
                        // `/` is the whole tree: the root's entries land in the directory.
                        for (name, child) in try root.entries() {
                            try CopyJob.plan(child, at: directory + "/" + name.string, in: fs, into: &plan)
                        }
                    } else {
                        try CopyJob.plan(node, at: directory + "/" + node.path.lastName!.string, in: fs, into: &plan)
                    }
                }
            }
            try CopyJob.checkHost(directory, plan: plan)
            let progress = Progress("copied out", total: plan.reduce(0) { total, item in
                guard case .file(_, _, let size) = item.1 else { return total }
                return total + Int(size)
            })
            defer { progress.finish() }
            let manager = FileManager.default
            try? manager.createDirectory(atPath: directory, withIntermediateDirectories: false)
            for (path, item) in plan {
                switch item {
                case .directory: try manager.createDirectory(atPath: path, withIntermediateDirectories: false)
                case .file(let file, let version, _):
                    try HostIO.create(path, modified: version.flatMap { committed[$0] ?? nil }) { sink in
                        try file.read { bytes in
                            try sink(bytes)
                            progress.copied(bytes: bytes.count)
                        }
                    }
                    progress.copiedFile()
                case .symlink(let target): try manager.createSymbolicLink(atPath: path, withDestinationPath: target)
                }
            }
        }
    }

    /// Checks everything before anything is written: `directory` is a
    /// directory or can be made in an existing one, and no planned path exists.
    private static func checkHost(_ directory: String, plan: [(String, Planned)]) throws {
        if let kind = HostIO.kind(directory) {
            guard kind == .directory else { throw CLIError.destinationNotADirectory(directory) }
        } else {
            let parent = URL(fileURLWithPath: directory).deletingLastPathComponent().path
            guard HostIO.kind(parent) == .directory else { throw CLIError.hostFileMissing(parent) }
        }
        var seen = Set<String>()
        for (path, _) in plan {
            if HostIO.kind(path) != nil || !seen.insert(path).inserted {
                throw CLIError.hostPathExists(path)
            }
        }
    }

    /// Adds `node` and the tree below it to `plan`, landing at host `path`.
    private static func plan(_ node: Node, at path: String, in fs: FS, into plan: inout [(String, Planned)]) throws {
        switch node.kind {
        case .file(let file):
            let metadata = try fs.metadata(of: node)
            plan.append((path, .file(file, metadata?.version, metadata?.size ?? 0)))
        case .symlink(let link): plan.append((path, .symlink(try link.target())))
        case .directory(let directory):
            plan.append((path, .directory))
            for (name, child) in try directory.entries() {
                try CopyJob.plan(child, at: path + "/" + name.string, in: fs, into: &plan)
            }
        }
    }
}
