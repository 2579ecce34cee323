import ArgumentParser
import Foundation
import Limn
import LimnEngine
import LimnImage

/// A pixel count: a plain number, or with an M suffix for megapixels.
struct PixelCount: ExpressibleByArgument {
    let value: Int
    init?(argument: String) {
        let text = argument.uppercased()
        if text.hasSuffix("M"), let mp = Double(text.dropLast()), mp > 0, mp < 1e6 {
            value = Int(mp * 1_000_000)
        } else if let n = Int(text), n > 0 {
            value = n
        } else {
            return nil
        }
    }
    var defaultValueDescription: String {
        value % 1_000_000 == 0 ? "\(value / 1_000_000)M" : "\(value)"
    }
}

/// The edge of the blocks a network computes at once, in input pixels (16 to 8192).
struct BlockEdge: ExpressibleByArgument, Equatable {
    static let range = 16...8192
    let value: Int
    init(_ value: Int) { self.value = value }
    init?(argument: String) {
        guard let n = Int(argument), Self.range.contains(n) else { return nil }
        value = n
    }
    var defaultValueDescription: String { "\(value)" }
    static let help = "Edge of the blocks the network computes at once, in input pixels (\(range.lowerBound) to \(range.upperBound))."
}

/// How much of a command's result to keep: 0 (the input) to 1 (all of it).
struct StrengthOption: ParsableArguments {
    @Option(help: "How much of the result to keep, 0 (the input unchanged) to 1 (all of it).")
    var strength: Double = 1

    func validate() throws {
        if !(0...1).contains(strength) { throw ValidationError("--strength must be between 0 and 1") }
    }
}

/// Inputs, outputs and run settings shared by every image command.
struct CommonOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "INPUT OUTPUT, or several INPUTs with --output-dir. '-' reads standard input or writes standard output.",
        valueName: "files"))
    var files: [String] = []

    @Option(name: .customLong("output-dir"), help: ArgumentHelp(
        "Write every INPUT into this folder, keeping its name.", valueName: "dir"))
    var outputDir: String?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("With --output-dir: add this to each output name before its suffix.",
                               valueName: "text"))
    var suffix: String = ""

    @Option(help: ArgumentHelp(
        "Output format for '-' (default png; v is libvips' own, for fast pipes) or for --output-dir (default: the input's). Save options may follow in brackets: jpg[Q=90].",
        valueName: "fmt"))
    var format: String?

    @Option(help: "Worker threads (default: one per core).")
    var threads: Int?

    @Option(name: .customLong("max-pixels"), help: ArgumentHelp(
        "Refuse inputs larger than this many pixels (e.g. 500M).", valueName: "n"))
    var maxPixels: PixelCount = PixelCount(argument: "500M")!

    @Flag(help: "Show a progress bar even when stderr is not a terminal.")
    var progress = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("missing INPUT and OUTPUT") }
        if outputDir == nil {
            if files.count == 1 { throw ValidationError("missing OUTPUT (or use --output-dir)") }
            if files.count > 2 { throw ValidationError("several INPUTs need --output-dir") }
            if !suffix.isEmpty { throw ValidationError("--suffix applies to --output-dir") }
            if format != nil && files[1] != "-" {
                throw ValidationError("--format applies to '-' and --output-dir; OUTPUT's suffix sets its format")
            }
        } else if files.contains("-") {
            throw ValidationError("--output-dir takes files, not '-'")
        }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1 to 256") }
        if suffix.contains("/") { throw ValidationError("--suffix cannot contain '/'") }
    }

    /// (input, output) pairs this run processes.
    var jobs: [(ImageSource, ImageDestination)] {
        guard let outputDir else {
            let out = files[1] == "-" ? ImageDestination.standardOutput(format: format ?? "png")
                                      : .file(files[1])
            return [(ImageSource(files[0]), out)]
        }
        return files.map { input in
            let url = URL(fileURLWithPath: input)
            let ext = format ?? url.pathExtension
            let name = url.deletingPathExtension().lastPathComponent + suffix + "." + ext
            return (.file(input), .file(URL(fileURLWithPath: outputDir).appendingPathComponent(name).path))
        }
    }

    /// Runs `operation` on every job. Failures are reported one line each and do
    /// not stop a batch; throws ExitCode.failure if any failed. `sequential`:
    /// whether the operation reads each image only once, top to bottom.
    func runJobs(sequential: Bool = true, _ operation: (WorkingImage) throws -> WorkingImage) throws {
        if let threads { Vips.setThreads(threads) }
        let showProgress = !quiet && (progress || isatty(2) != 0)
        let job = Job(reader: ImageReader(maxPixels: maxPixels.value, sequential: sequential),
                      writer: ImageWriter(progress: showProgress))
        if let outputDir {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: outputDir, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("--output-dir '\(outputDir)' is not a folder")
            }
        }
        var failed: [String] = []
        for (source, destination) in jobs {
            do {
                try job.run(source, to: destination, operation)
            } catch {
                printError("\(error)")
                failed.append("\(source)")
            }
        }
        if failed.count > 0 && jobs.count > 1 {
            printError("\(failed.count) of \(jobs.count) failed: \(failed.joined(separator: ", "))")
        }
        if !failed.isEmpty { throw ExitCode.failure }
    }
}

/// The installed presets; a missing or broken manifest is a usage error.
func installedPresets() throws -> PresetManifest {
    do { return try PresetManifest.installed() } catch { throw ValidationError("\(error)") }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("limn: \(message)\n".utf8))
}
