import ArgumentParser
import Foundation
import LimnServer
import Synchronization

/// A size in bytes: 200M, 1G, 512K or a plain number.
struct ByteCount: ExpressibleByArgument {
    let value: Int
    init?(argument: String) {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        let text = argument.uppercased()
        if let unit = text.last.flatMap({ units[$0] }), let n = Double(text.dropLast()), n > 0, n * Double(unit) < 1e15 {
            value = Int(n * Double(unit))
        } else if let n = Int(text), n > 0 {
            value = n
        } else {
            return nil
        }
    }
    var defaultValueDescription: String { value % (1 << 20) == 0 ? "\(value >> 20)M" : "\(value)" }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP API and a web page for upscale, stylize and enhance.",
        discussion: """
        Listens on loopback unless --host says otherwise; the API is described in
        docs/openapi.yaml. Uploads and results live in a private folder under $TMPDIR,
        removed as each request ends. SIGTERM or Ctrl-C stops taking requests and lets
        running ones finish. Examples:
          limn serve --port 8080
          curl --data-binary @photo.jpg 'http://127.0.0.1:8080/v1/upscale?scale=2' -o big.png
        """)

    @Option(help: "The address to listen on (0.0.0.0: every interface).")
    var host = "127.0.0.1"

    @Option(help: "The port (0: any free one, printed at start).")
    var port = 8080

    @Option(help: "Images processed at once.")
    var jobs = 1

    @Option(help: "Requests waiting for a free slot; beyond them the server answers 503 (default: 2 × jobs).")
    var queue: Int?

    @Option(help: ArgumentHelp("The largest upload (K, M, G).", valueName: "size"))
    var maxUpload = ByteCount(argument: "200M")!

    @Option(help: ArgumentHelp("Refuse inputs whose header declares more pixels (422), before decoding.", valueName: "n"))
    var maxPixels = PixelCount(argument: "100M")!

    @Option(help: ArgumentHelp("Cancel a run that takes longer, seconds.", valueName: "s"))
    var timeout = 600.0

    @OptionGroup var presets: PresetsOption

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be 1 to 64") }
        if let queue, !(0...10_000).contains(queue) { throw ValidationError("--queue must be 0 to 10000") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        var processor = try presets.processor()   // missing or broken presets: a usage error, said at once
        processor.maxPixels = maxPixels.value
        var settings = ServerSettings()
        settings.host = host
        settings.port = port
        settings.jobs = jobs
        settings.queue = queue ?? 2 * jobs
        settings.maxUpload = maxUpload.value
        settings.timeout = timeout
        let outcome = Mutex<Error?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await serve(settings, processor: processor) { address in
                    FileHandle.standardOutput.write(Data("limn serve: listening on \(address)\n".utf8))
                }
            } catch {
                outcome.withLock { $0 = error }
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.withLock({ $0 }) { throw error }
    }
}
