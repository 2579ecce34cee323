import ArgumentParser
import Foundation
import LimnImage

// Descriptors 0-2 left closed by the caller would be taken by the next open(), and an
// output file could then receive error messages: point closed ones at /dev/null.
for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 {
    _ = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
}
// Errors are one line on stderr ("limn: ..."), never a usage dump or a trace.
Vips.removeOutputsOnSignals()
do {
    var command = try LimnCommand.parseAsRoot()
    try command.run()
} catch {
    let code = LimnCommand.exitCode(for: error)
    if code == .success || error is CleanExit {
        LimnCommand.exit(withError: error)
    }
    if !(error is ExitCode) {
        let message = LimnCommand.message(for: error)
            .split(whereSeparator: \.isNewline).first.map(String.init) ?? "failed"
        printError(message)
    }
    exit(code.rawValue)
}
