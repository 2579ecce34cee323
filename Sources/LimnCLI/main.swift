import ArgumentParser
import Foundation
import LimnImage

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
