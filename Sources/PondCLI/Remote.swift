import ArgumentParser
import Foundation
import Pond

/// `pond remote add|list|remove`: the remotes a pond names (kept in the pond; no version is made).
struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        _superCommandName: "pond",
        abstract: "Name, list and forget remotes: file:///dir or s3://bucket/prefix.",
        discussion: """
            A remote holds a pond's versions outside this file: pond push sends them, \
            pond pull brings them back, pond clone makes a new pond from one, pond verify \
            checks one. Names and URLs are kept in the pond (no version is made); \
            credentials are not: an s3:// remote reads AWS_ACCESS_KEY_ID, \
            AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the environment, and AWS_REGION \
            (default us-east-1).

            Example:
              pond remote add origin s3://sensors/pond --endpoint http://127.0.0.1:8333
              pond remote add usb file:///mnt/usb/pond-remote --auto-push
              pond remote list
            """,
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Name a remote.",
            discussion: """
                URL is file:///absolute/dir or s3://bucket/prefix. --endpoint names an \
                S3-compatible server (MinIO, SeaweedFS, Ceph, R2): https://host[:port], or \
                http:// on a loopback address only. Nothing is sent until pond push.
                """)
        @OptionGroup var pond: PondOptions
        @Argument(help: "The remote's name, as push and pull take it (origin is the default one).")
        var name: String
        @Argument(help: ArgumentHelp("file:///dir or s3://bucket/prefix.", valueName: "url"))
        var url: String
        @Option(help: ArgumentHelp("The S3 server, e.g. http://127.0.0.1:8333.", valueName: "url"))
        var endpoint: String?
        @Flag(help: "Push to it after every command that makes a version (a failed push is reported; the version stands).")
        var autoPush = false

        func run() throws {
            try pond.open().addRemote(name: name, url: url, endpoint: endpoint, autoPush: autoPush)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the remotes: name, URL, endpoint, auto-push.")
        @OptionGroup var pond: PondOptions

        func run() throws {
            var text = ""
            for remote in try pond.open().remotes() {
                text += "\(remote.name)\t\(remote.url)" + (remote.endpoint.map { "\t\($0)" } ?? "")
                    + (remote.autoPush ? "\tauto-push" : "") + "\n"
            }
            try output(text)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Forget a remote (nothing on the remote is touched).")
        @OptionGroup var pond: PondOptions
        @Argument(help: "The remote's name.")
        var name: String

        func run() throws {
            try pond.open().removeRemote(name: name)
        }
    }
}

/// The pond and the remote that push, pull and verify act on.
struct RemoteTarget: ParsableArguments {
    @OptionGroup var pond: PondOptions
    @Argument(help: "The remote (default: the only one, or origin).")
    var remote: String?

    /// Replaces this process with `pond-remote` doing `verb` between the pond and the remote
    /// named (or the default one).
    func run(_ verb: String) throws -> Never {
        let record = try pond.open().remote(named: remote)
        try RemoteHelper.exec([verb, pond.resolvedPath, record.name, record.url, record.endpoint ?? ""], credentials: record)
    }
}

struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        _superCommandName: "pond",
        abstract: "Send the versions a remote lacks.",
        discussion: """
            Uploads the chunks the remote lacks (packed), then one segment holding the new \
            versions' log rows, then replaces the remote's head by compare-and-swap: a remote \
            never names an object it lacks, and of two pushers one wins and the other is told \
            'remote moved, pull first'. A push killed at any moment leaves the remote as it \
            was; the next push completes it. Nothing new: nothing is sent. A remote with \
            versions this pond lacks, or a different history, is refused with both heads named.

            REMOTE defaults to the only remote, or the one named origin. Prints the versions, \
            objects, bytes and requests; progress on a terminal.

            Example:
              pond push            # to origin
              pond push usb
            """)
    @OptionGroup var target: RemoteTarget

    func run() throws {
        try target.run("push")
    }
}

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        _superCommandName: "pond",
        abstract: "Append the versions a remote has after this pond's head.",
        discussion: """
            Downloads the segments after this pond's head and the packs holding the chunks \
            they need, checks every object against its SHA-256, every chunk, every new \
            content, and the hash chain from this pond's head to the remote's, and only \
            then appends the versions, in one transaction: all or nothing. A tampered, \
            truncated or missing object fails the pull naming it; the pond stays as it was. \
            Histories never merge: if this pond has versions the remote lacks, or the two \
            differ, the pull is refused with both heads named.

            Example:
              pond pull
            """)
    @OptionGroup var target: RemoteTarget

    func run() throws {
        try target.run("pull")
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        _superCommandName: "pond",
        abstract: "Check that a remote holds this pond's history, intact.",
        discussion: """
            Reads every object the remote's head names and checks each against its \
            SHA-256, every chunk, and the hash chain through every version; then that the \
            remote's head equals this pond's head or descends from it. Exit 0 when all \
            holds; otherwise one line naming the first problem, exit 1.

            Example:
              pond verify origin
            """)
    @OptionGroup var target: RemoteTarget

    func run() throws {
        try target.run("verify")
    }
}

struct Clone: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone",
        _superCommandName: "pond",
        abstract: "Make a new pond file from a remote: every version, hash and byte.",
        discussion: """
            FILE (default: the pond file, --pond, else $POND, else ./pond.db) must not \
            exist. Every object is checked as pull checks it; if anything fails, no file \
            is left at FILE. The new pond names the remote origin.

            With --lazy, the clone holds every version, log row and chain hash (the chain \
            checked as a full clone checks it) but no file bytes: a read (cat, copy out, \
            queries, the site) fetches the chunks it needs with ranged GETs, checks each \
            against its SHA-256 and keeps it, so the next read is local. A query with a \
            time range or over Parquet fetches only the appends and column chunks it reads. \
            pond status shows how much is local; pond fetch fetches eagerly; pull stays lazy.

            Example:
              pond clone s3://sensors/pond site.pond --endpoint http://127.0.0.1:8333
              pond clone file:///mnt/usb/pond-remote copy.pond
              POND=copy.pond pond clone file:///mnt/usb/pond-remote
              pond clone --lazy s3://sensors/pond preview.pond --endpoint http://127.0.0.1:8333
            """)
    @OptionGroup var pond: PondOptions
    @Argument(help: ArgumentHelp("file:///dir or s3://bucket/prefix.", valueName: "url"))
    var url: String
    @Argument(help: ArgumentHelp("The new pond file (default: the pond file, --pond, $POND, ./pond.db).", valueName: "file"))
    var file: String?
    @Option(help: ArgumentHelp("The S3 server, e.g. http://127.0.0.1:8333.", valueName: "url"))
    var endpoint: String?
    @Flag(help: "Fetch the log only; file bytes come as reads need them.")
    var lazy = false

    func validate() throws {
        if file != nil && pond.path != nil { throw ValidationError("give the new pond file once: as FILE or as --pond") }
    }

    func run() throws {
        _ = try RemoteLocation.parse(url)
        if let endpoint { try RemoteLocation.checkEndpoint(endpoint) }
        let target = file ?? pond.resolvedPath
        if FileManager.default.fileExists(atPath: target) {
            throw CLIError.cloneTargetExists(target)
        }
        try RemoteHelper.exec([lazy ? "lazy-clone" : "clone", target, "origin", url, endpoint ?? ""])
    }
}

struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        _superCommandName: "pond",
        abstract: "Bring a lazy clone's file bytes here.",
        discussion: """
            A pond made by pond clone --lazy fetches bytes as reads need them; pond fetch \
            fetches them now: of the files at PATH (every file below a directory) as of \
            --at, or with no PATH every byte of every version. Chunks side by side in a \
            pack come in one ranged GET; each is checked against its SHA-256 and kept as \
            its request lands, so a fetch stopped at any moment keeps what it fetched and \
            the next one goes on from there. Progress on a terminal.

            Example:
              pond fetch                       # everything: the pond is then whole
              pond fetch /sensors --at 40      # the sensors' files as of version 40
            """)
    @OptionGroup var pond: PondOptions
    @OptionGroup var at: AtOption
    @Argument(help: ArgumentHelp("Files or directories (default: every file of every version).", valueName: "path"))
    var paths: [String] = []

    func run() throws {
        let opened = try pond.open()
        guard let name = opened.lazyRemote else {
            print("\(pond.resolvedPath) is no lazy clone: every byte is local")
            return
        }
        let record = try opened.remote(named: name)
        let version = try at.version(in: opened)
        try RemoteHelper.exec(["fetch", pond.resolvedPath, record.name, record.url, record.endpoint ?? "",
                               version.map { "\($0.rawValue)" } ?? ""] + paths, credentials: record)
    }
}
