import ArgumentParser
import Pond

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        _superCommandName: "pond",
        abstract: "Copy the pond, consistently, into one new file while it is in use.",
        discussion: """
            The copy holds every version committed when the backup began, in one file \
            (nothing in a WAL beside it), even while other commands write. It is checked \
            as pond fsck checks before it is reported; a copy that fails the check is \
            removed. DEST must not exist. Prints the copy's head version and head hash: \
            pond status on the copy shows the same.

            At rest (no command running) a pond is one file, and cp copies it too; \
            pond backup is the way to copy a pond that is in use.

            Example:
              pond backup /mnt/usb/sensors-2026-12-01.pond
            """)

    @OptionGroup var pond: PondOptions
    @Argument(help: ArgumentHelp("The new file to write.", valueName: "dest"))
    var destination: String

    func run() throws {
        let result = try pond.open().backup(to: destination)
        try output("backup: \(result.path), head version \(result.head), head hash \(result.headHash?.hexString ?? "none")\n")
    }
}
