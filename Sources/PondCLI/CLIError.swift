import Foundation
import Pond

/// Errors of the command line itself (bad values, host files).
enum CLIError: Error, CustomStringConvertible {
    case hostFileMissing(String)
    case hostRead(String, reason: String)
    case hostWrite(String, reason: String)
    case destinationNotADirectory(String)
    case hostPathExists(String)
    case sameDestination(String, String, String)
    case standardInputNeedsName(String)
    case remoteHelper(String)
    case cloneTargetExists(String)
    case interrupted
    /// What the output went to stopped reading it (a pipe's reader exited).
    case outputClosed

    var description: String {
        switch self {
        case .hostFileMissing(let path): "no such host file or directory: \(path)"
        case .hostRead(let path, let reason): "cannot read host file \(path): \(reason)"
        case .hostWrite(let path, let reason): "cannot write \(path): \(reason)"
        case .sameDestination(let first, let second, let target):
            "\(first) and \(second) would both be copied to \(target); nothing was copied (copy them in two commands, or to different names)"
        case .standardInputNeedsName(let destination):
            "\(destination) is a directory; copying standard input (-) needs DEST to name the new file, like \(destination.hasSuffix("/") ? destination : destination + "/")data.txt"
        case .remoteHelper(let detail): detail
        case .interrupted: "interrupted: nothing was changed"
        case .outputClosed: "the output was closed before all of it was written"
        case .cloneTargetExists(let path):
            "\(path) already exists: pond clone makes a new pond file (name another, or pond pull to bring a remote's versions into this pond)"
        case .hostPathExists(let path):
            "already exists: \(path)"
        case .destinationNotADirectory(let path): "not a directory: \(path) (with several sources, or a trailing /, the destination must be an existing directory)"
        }
    }
}
