import Foundation
import Pond

/// `pond-remote`, the helper that links the HTTP client (beside this
/// executable, else on $PATH): push, pull, clone and verify replace this
/// process with it; auto-push and `http` collectors run it and wait.
enum RemoteHelper {
    /// The helper's path: `name` beside this executable, else on $PATH
    /// (`pond-serve`, the web server's helper, is found the same way).
    static func path(of name: String = "pond-remote",
                     runBy commands: String = "push, pull, clone, verify and http collectors") throws -> String {
        var candidates: [String] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path)
        }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        candidates += path.split(separator: ":").map { "\($0)/\(name)" }
        guard let helper = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw CLIError.remoteHelper("\(name), which \(commands) run, is neither beside pond nor on $PATH")
        }
        return helper
    }

    /// The variables a remote's `${env:NAME}` credentials name, as the
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY the helper reads.
    static func credentials(of remote: RemoteRecord) throws -> [String: String] {
        try remote.credentialVariables()
    }

    /// Replaces this process with the helper running `arguments`, with `credentials`' variables set.
    static func exec(_ arguments: [String], credentials remote: RemoteRecord? = nil, helper: String? = nil) throws -> Never {
        let helper = try helper ?? path()
        if let remote {
            for (name, value) in try credentials(of: remote) { setenv(name, value, 1) }
        }
        fflush(nil)  // every stream: nothing buffered is lost to the exec
        let argv = ([helper] + arguments).map { strdup($0) } + [nil]
        execv(helper, argv)
        throw CLIError.remoteHelper("cannot run \(helper): \(String(cString: strerror(errno)))")
    }

    /// Runs the helper with `arguments` and waits: its standard output, or
    /// its one-line error (without "Error: ") when it fails.
    static func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Result<String, CLIError> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path())
        process.arguments = arguments
        if !extra.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The helper says at most a few lines on standard error (progress only
        // to a terminal), far less than a pipe holds: reading it second cannot stall it.
        let printed = out.fileHandleForReading.readDataToEndOfFile()
        let said = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let line = String(decoding: said, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "pond-remote failed"
            return .failure(.remoteHelper(line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line))
        }
        return .success(String(decoding: printed, as: UTF8.self))
    }

    /// Pushes every pond this process wrote a version to, to each of its
    /// auto-push remotes; a failure is one line on standard error and the
    /// commit stands (the next write or `pond push` catches up).
    static func pushAfterWrites(_ ponds: [(path: String, remotes: [RemoteRecord])]) {
        for (pondPath, remotes) in ponds {
            for remote in remotes {
                let outcome: Result<String, CLIError>
                do {
                    outcome = try run(["push", pondPath, remote.name, remote.url, remote.endpoint ?? ""], environment: credentials(of: remote))
                } catch {
                    outcome = .failure(.remoteHelper("\(error)"))
                }
                if case .failure(let error) = outcome {
                    printError("pond: auto-push to \(remote.name) failed (the version stands; the next write or pond push catches up): \(error)\n")
                }
            }
        }
    }
}
