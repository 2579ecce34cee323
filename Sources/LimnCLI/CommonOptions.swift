import ArgumentParser
import Foundation
import Limn
import LimnEngine
import LimnImage
import Synchronization

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
    static let range = ImageOperation.tileRange
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
    @Option(parsing: .unconditional, help: "How much of the result to keep, 0 (the input unchanged) to 1 (all of it).")
    var strength: Double = 1

    func validate() throws {
        if !(0...1).contains(strength) { throw ValidationError("--strength must be between 0 and 1") }
    }
}

/// Inputs, outputs and run settings shared by every image command.
struct CommonOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "INPUT OUTPUT, or INPUTs (files or folders) with --output-dir. '-' reads standard input or writes standard output.",
        valueName: "files"))
    var files: [String] = []

    @Option(name: .customLong("output-dir"), help: ArgumentHelp(
        "Write every INPUT into this folder (created as needed), keeping its name; a folder INPUT's files keep their paths below it.",
        valueName: "dir"))
    var outputDir: String?

    @OptionGroup var batch: BatchOptions

    @OptionGroup var presets: PresetsOption

    @Option(parsing: .unconditional,
            help: ArgumentHelp("With --output-dir: add this to each output name before its suffix.",
                               valueName: "text"))
    var suffix: String = ""

    @Option(help: ArgumentHelp(
        "Output format for '-' (default png; v is libvips' own, for fast pipes) or for --output-dir (default: the input's). Save options may follow in brackets: jpg[Q=90].",
        valueName: "fmt"))
    var format: String?

    @Option(parsing: .unconditional, help: "Worker threads (default: one per core).")
    var threads: Int?

    @Option(name: .customLong("max-pixels"), parsing: .unconditional, help: ArgumentHelp(
        "Refuse inputs larger than this many pixels (e.g. 500M).", valueName: "n"))
    var maxPixels: PixelCount = PixelCount(argument: "500M")!

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "The page (frame) to read of a multi-page TIFF, GIF, WebP, HEIF or PDF, from 0; such files are refused without it, so that no page is dropped silently.",
        valueName: "n"))
    var page: Int?

    @Flag(help: "Show a progress bar even when stderr is not a terminal.")
    var progress = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if outputDir == nil {
            if batch.isBatch { throw ValidationError("--manifest, --include and --shard need --output-dir") }
            if !suffix.isEmpty { throw ValidationError("--suffix applies to --output-dir") }
            // How many files there are is checked when the run starts (`checkFileCount`).
            if files.count == 2 && format != nil && files[1] != "-" {
                throw ValidationError("--format applies to '-' and --output-dir; OUTPUT's suffix sets its format")
            }
            if files.count == 2 && isFolder(files[0]) {
                throw ValidationError("'\(files[0])' is a folder: give --output-dir for folder inputs")
            }
        } else if files.contains("-") {
            throw ValidationError("--output-dir takes files and folders, not '-'")
        }
        if let page, page < 0 { throw ValidationError("--page counts from 0") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1 to 256") }
        if suffix.contains("/") { throw ValidationError("--suffix cannot contain '/'") }
        if batch.manifest == "-" && files.contains("-") { throw ValidationError("standard input cannot be both") }
    }

    /// What this run processes.
    func items() throws -> [BatchItem] {
        guard let outputDir else {
            let out = files[1] == "-" ? ImageDestination.standardOutput(format: format ?? "png")
                                      : .file(files[1])
            return [BatchItem(source: ImageSource(files[0]), destination: out, relative: "")]
        }
        return try BatchPlan.items(files: files, outputDir: outputDir, suffix: suffix, format: format, batch: batch)
    }

    /// Runs `operation` on every input. Failures are reported one line each and do
    /// not stop a batch; throws ExitCode.failure if any failed.
    /// After parsing, not in `validate`: the parser reports an unknown option ("-s 2") only
    /// once validation passed, and its value would otherwise read as one file too many.
    func checkFileCount() throws {
        if files.isEmpty && batch.manifest == nil { throw ValidationError("missing INPUT and OUTPUT") }
        guard outputDir == nil else { return }
        if files.count == 1 { throw ValidationError("missing OUTPUT (or use --output-dir)") }
        if files.count > 2 { throw ValidationError("several INPUTs need --output-dir") }
    }

    func run(_ operation: ImageOperation) throws {
        try checkFileCount()
        if let threads { Vips.setThreads(threads) }
        let showProgress = !quiet && (progress || isatty(2) != 0)
        let (access, apply): (InputAccess, JobOperation)
        do {
            (access, apply) = try presets.processor().prepare(operation)
        } catch let error as LimnError {
            throw ValidationError(error.message)
        }
        let reader = ImageReader(maxPixels: maxPixels.value, page: page)
        if let outputDir, FileManager.default.fileExists(atPath: outputDir), !isFolder(outputDir) {
            throw ValidationError("--output-dir '\(outputDir)' is not a folder")
        }
        let items = try items()
        let report = try batch.report.map { try Report(path: $0) }
        var failed: [String] = []
        for item in items {
            let start = Date()
            var status = "done", message: String? = nil
            do {
                if batch.skipExisting && isDone(item) {
                    status = "skipped"
                } else {
                    if case .file(let spec) = item.destination, outputDir != nil {
                        let dir = (ImageDestination.pathOf(spec) as NSString).deletingLastPathComponent
                        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    }
                    let bar = showProgress ? ProgressBar(label: "\(item.destination)") : nil
                    defer { bar?.end() }
                    let job = Job(reader: reader, writer: ImageWriter(control: bar.map { RunControl(progress: $0.draw) }),
                                  access: access)
                    try job.run(item.source, to: item.destination, apply)
                }
            } catch {
                printError("\(error)")
                failed.append("\(item.source)")
                status = "failed"
                message = "\(error)"
            }
            // Give this image's buffers back (the engine's kept tensors and plans, then the
            // heap's free blocks), so a long batch of differently sized images does not pile up.
            Engine.releaseCachedBuffers()
            Vips.releaseFreeMemory()
            report?.add(item, status: status, seconds: Date().timeIntervalSince(start), error: message)
        }
        if failed.count > 0 && items.count > 1 {
            printError("\(failed.count) of \(items.count) failed: \(failed.joined(separator: ", "))")
        }
        if !failed.isEmpty { throw ExitCode.failure }
    }

    /// An output that exists, is not empty and is newer than its input: only the
    /// writer's atomic rename creates one, so its input was processed.
    private func isDone(_ item: BatchItem) -> Bool {
        guard case .file(let input) = item.source, case .file(let spec) = item.destination,
              let o = try? FileManager.default.attributesOfItem(atPath: ImageDestination.pathOf(spec)),
              let i = try? FileManager.default.attributesOfItem(atPath: input),
              let size = o[.size] as? Int, size > 0,
              let outTime = o[.modificationDate] as? Date, let inTime = i[.modificationDate] as? Date else { return false }
        return outTime > inTime
    }
}

/// `--report`: one JSON object a line per input, written as each one ends.
final class Report {
    private let handle: FileHandle
    private let encoder = JSONEncoder()

    struct Line: Encodable {
        let input: String, output: String, status: String, seconds: Double
        let input_bytes: Int?, output_bytes: Int?, error: String?
        /// The process's resident memory once this input's buffers are given back.
        let resident_mb: Int?
    }

    /// VmRSS in MB, from /proc/self/statm (pages).
    static func residentMegabytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .ascii) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    init(path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let h = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot write the report '\(path)'")
        }
        handle = h
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    func add(_ item: BatchItem, status: String, seconds: Double, error: String?) {
        func size(_ path: String?) -> Int? {
            path.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }
        }
        var input: String? = nil, output: String? = nil
        if case .file(let p) = item.source { input = p }
        if case .file(let p) = item.destination { output = ImageDestination.pathOf(p) }
        let line = Line(input: input ?? "\(item.source)", output: output ?? "\(item.destination)", status: status,
                        seconds: (seconds * 1000).rounded() / 1000, input_bytes: size(input),
                        output_bytes: status == "failed" ? nil : size(output), error: error,
                        resident_mb: Self.residentMegabytes())
        if let data = try? encoder.encode(line) { handle.write(data + Data("\n".utf8)) }
    }
}

/// `--presets DIR`: which presets every command uses.
struct PresetsOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The presets folder (default: $LIMN_PRESETS, else PREFIX/share/limn/presets beside the installed binary, else the source checkout's Presets/).",
        valueName: "dir"))
    var presets: String?

    /// The presets; a missing or broken manifest is a usage error.
    func processor() throws -> Processor {
        do { return try Processor(presets: presets) } catch let error as LimnError { throw ValidationError(error.message) }
    }
}

/// A progress bar on stderr for one output: drawn as the output is computed,
/// ended with a newline whether the run succeeds or fails.
final class ProgressBar: Sendable {
    private let label: String
    private let drawn = Mutex<Bool>(false)

    init(label: String) { self.label = label }

    @Sendable func draw(_ fraction: Double) {
        let percent = Int((fraction * 100).rounded())
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        drawn.withLock {
            writeStandardError("\r\(label) [\(bar)] \(String(repeating: " ", count: percent < 10 ? 2 : percent < 100 ? 1 : 0))\(percent)%")
            $0 = true
        }
    }

    func end() {
        drawn.withLock { if $0 { writeStandardError("\n") } }
    }
}

func printError(_ message: String) {
    writeStandardError("limn: \(message)\n")
}

/// Writes to descriptor 2, ignoring failure: a closed or full stderr must not
/// stop the run (FileHandle traps on a failed write).
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + done, $0.count - done) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        done += n
    }
}
