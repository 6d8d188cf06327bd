/// What can go wrong in the filesystem model; each case names what the user gave.
public enum TinyFSError: Error, Equatable, CustomStringConvertible {
    case notFound(PondPath)
    case notADirectory(PondPath)
    case notAFile(PondPath)
    case notASymlink(PondPath)
    case alreadyExists(PondPath)
    case directoryNotEmpty(PondPath)
    case invalidName(String, reason: String)
    case invalidPath(String, reason: String)
    case invalidPattern(String, reason: String)
    case symlinkLoop(PondPath)
    case cannotRemoveRoot
    case cannotMoveRoot
    case moveIntoItself(PondPath, into: PondPath)
    case readOnlyDirectory(PondPath)
    case readOnlySnapshot
    case dynamicDirectoryLoop(PondPath)
    case invalidDynamicDirectory(PondPath, reason: String)
    case noMatch(String)
    case derivedFile(PondPath)
    case derivedFileLoop(PondPath)
    /// `mknod --replace` of a path that holds no derived file of that kind.
    case notDerived(PondPath)
    case cannotCompute(PondPath)

    public var description: String {
        switch self {
        case .notFound(let path): "no such file or directory: \(path)"
        case .notADirectory(let path): "not a directory: \(path)"
        case .notAFile(let path): "not a file: \(path)"
        case .notASymlink(let path): "not a symlink: \(path)"
        case .alreadyExists(let path): "already exists: \(path)"
        case .directoryNotEmpty(let path): "directory not empty: \(path) (remove it with -r)"
        case .invalidName(let name, let reason): "invalid name '\(name)': \(reason)"
        case .invalidPath(let path, let reason): "invalid path '\(path)': \(reason)"
        case .invalidPattern(let pattern, let reason): "invalid pattern '\(pattern)': \(reason)"
        case .symlinkLoop(let path): "too many levels of symbolic links (a symlink loop?): \(path)"
        case .cannotRemoveRoot: "cannot remove the root directory /"
        case .cannotMoveRoot: "cannot move the root directory /"
        case .moveIntoItself(let source, let destination): "cannot move \(source) into itself (\(destination))"
        case .readOnlyDirectory(let path): "read-only: \(path) is a dynamic directory, its contents are computed"
        case .readOnlySnapshot: "read-only: this is a view of a past or read-only version; write inside a write transaction"
        case .dynamicDirectoryLoop(let path): "dynamic directory loop: \(path) would contain itself"
        case .invalidDynamicDirectory(let path, let reason): "invalid dynamic directory \(path): \(reason)"
        case .noMatch(let pattern): "no match: \(pattern)"
        case .derivedFile(let path): "read-only: \(path) is a derived file, its bytes are computed when it is read (pond describe shows its definition); remove it to write there"
        case .notDerived(let path): "\(path) is no derived file of that kind: --replace redefines a derived file, it never replaces other files"
        case .derivedFileLoop(let path): "derived file loop: \(path) reads itself, directly or through other derived files"
        case .cannotCompute(let path): "\(path) is a derived file, and this view of the pond cannot compute it"
        }
    }
}
