import ArgumentParser
import Foundation
import LimnImage

// Descriptors 0-2 left closed by the caller would be taken by the next open(), and an
// output file could then receive error messages: point closed ones at /dev/null.
for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 {
    _ = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
}
Vips.configureHeap()
// Errors are one line on stderr ("limn: ..."), never a usage dump or a trace.
Vips.removeOutputsOnSignals()
// Swift strings hold only UTF-8: a name that is not would be read, and written, as a
// different name. Refuse it, showing its bytes.
for i in 1..<Int(CommandLine.argc) {
    guard let raw = CommandLine.unsafeArgv[i], String(validatingCString: raw) == nil else { continue }
    let shown = String(decoding: UnsafeRawBufferPointer(start: raw, count: strlen(raw)).flatMap { b -> [UInt8] in
        b < 0x80 ? [b] : Array(String(format: "\\x%02x", b).utf8)
    }, as: UTF8.self)
    printError("'\(shown)' is not UTF-8: limn takes names in UTF-8; rename the file")
    exit(ExitCode.validationFailure.rawValue)
}
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
