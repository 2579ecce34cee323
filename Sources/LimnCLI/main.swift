import ArgumentParser
import CLimnVips
import Foundation

// Errors are one line on stderr ("limn: ..."), never a usage dump or a trace.
limn_cleanup_install()
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
