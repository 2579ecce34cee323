import ArgumentParser
import Foundation
import LimnImage

/// `--shard I/N`: this process takes the inputs at positions ≡ I (mod N) of the
/// bytewise-sorted relative paths. `I` may be `env:VAR` (a job array's index).
struct Shard: ExpressibleByArgument {
    let index: String, count: Int
    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[1]), n >= 1, !parts[0].isEmpty else { return nil }
        index = String(parts[0])
        count = n
    }

    /// The index, read from the environment for `env:VAR`.
    func resolvedIndex() throws -> Int {
        var text = index
        if index.hasPrefix("env:") {
            let name = String(index.dropFirst(4))
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw ValidationError("--shard: environment variable \(name) is not set")
            }
            text = value.trimmingCharacters(in: .whitespaces)
        }
        guard let i = Int(text), (0..<count).contains(i) else {
            throw ValidationError("--shard: index '\(text)' must be 0 to \(count - 1)")
        }
        return i
    }
}

/// Options of runs over many inputs: folders, manifests, shards, resuming, a report.
struct BatchOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Also process the paths in this file, one a line ('-': standard input); their outputs mirror the paths below the inputs' longest common folder.",
        valueName: "file"))
    var manifest: String?

    @Option(help: ArgumentHelp(
        "In folders, process only files whose name matches this pattern (repeatable; default: the usual image suffixes).",
        valueName: "glob"))
    var include: [String] = []

    @Option(help: ArgumentHelp(
        "Process only shard I of N: the inputs at positions ≡ I (mod N) of their sorted relative paths. I may be env:VAR, e.g. env:SLURM_ARRAY_TASK_ID.",
        valueName: "I/N"))
    var shard: Shard?

    @Flag(name: .customLong("skip-existing"), help: "Skip inputs whose output exists, is not empty and is newer than the input (a rerun resumes).")
    var skipExisting = false

    @Option(help: ArgumentHelp("Write one JSON line per input here: status, seconds, sizes, error.", valueName: "file.jsonl"))
    var report: String?

    var isBatch: Bool { manifest != nil || !include.isEmpty || shard != nil }
}

/// Whether `path` names an existing folder.
func isFolder(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
}

/// One input of a run and where its output goes.
struct BatchItem {
    let source: ImageSource
    let destination: ImageDestination
    /// The path below the output folder that sorts and shards the run ("" for a single pair).
    let relative: String
}

/// What a run processes: every input found, mirrored into the output folder, checked for
/// clashes, sorted bytewise by relative path and cut to this process's shard.
enum BatchPlan {
    /// Suffixes a folder's files must have to be taken when no --include is given.
    static let imageSuffixes: Set<String> = ["jpg", "jpeg", "jpe", "png", "webp", "tif", "tiff", "gif", "heic",
                                             "heif", "avif", "jp2", "j2k", "jxl", "v", "vips", "pnm", "ppm",
                                             "pgm", "pbm", "pfm", "hdr", "exr", "fits", "bmp"]

    static func items(files: [String], outputDir: String, suffix: String, format: String?,
                      batch: BatchOptions) throws -> [BatchItem] {
        var inputs: [(path: String, relative: String)] = []
        let outputRoot = URL(fileURLWithPath: outputDir).standardizedFileURL.path
        for arg in files {
            if isFolder(arg) {
                inputs += try folder(arg, include: batch.include, skipping: outputRoot)
            } else {
                inputs.append((arg, URL(fileURLWithPath: arg).lastPathComponent))
            }
        }
        if let manifest = batch.manifest {
            inputs += mirrored(try lines(of: manifest))
        }
        // Outputs: the relative path with the output format's suffix and --suffix.
        var byOutput: [String: String] = [:]
        var items: [BatchItem] = []
        for (path, relative) in inputs {
            let rel = URL(fileURLWithPath: relative, relativeTo: URL(fileURLWithPath: "/"))
            let (ext, saveOptions) = format.map(ImageDestination.splitOptions) ?? (rel.pathExtension, "")
            let name = rel.deletingPathExtension().lastPathComponent + suffix + (ext.isEmpty ? "" : "." + ext)
            let dir = (relative as NSString).deletingLastPathComponent
            let outRelative = dir.isEmpty ? name : dir + "/" + name
            let out = (outputDir as NSString).appendingPathComponent(outRelative)
            if let other = byOutput[outRelative] {
                throw ValidationError("'\(other)' and '\(path)' would both write \(out)")
            }
            if URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
                == URL(fileURLWithPath: out).standardizedFileURL.resolvingSymlinksInPath().path {
                throw ValidationError("'\(path)' would be overwritten by its own output")
            }
            byOutput[outRelative] = path
            items.append(BatchItem(source: .file(path), destination: .file(out + saveOptions), relative: outRelative))
        }
        items.sort { Array($0.relative.utf8).lexicographicallyPrecedes(Array($1.relative.utf8)) }
        if let shard = batch.shard {
            let i = try shard.resolvedIndex()
            items = items.enumerated().filter { $0.offset % shard.count == i }.map(\.element)
        }
        return items
    }

    /// Every file below `root` (hidden ones, and an output folder inside it, left out) that matches
    /// `include`, with its path relative to `root`.
    static func folder(_ root: String, include: [String], skipping outputRoot: String) throws -> [(String, String)] {
        let base = URL(fileURLWithPath: root).standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else {
            throw ValidationError("cannot read the folder '\(root)'")
        }
        var found: [(String, String)] = []
        for case let url as URL in walker {
            let path = url.standardizedFileURL.path
            if path == outputRoot && outputRoot != base.path {   // an output folder inside the input
                walker.skipDescendants()
                continue
            }
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let name = url.lastPathComponent
            let taken = include.isEmpty ? imageSuffixes.contains(url.pathExtension.lowercased())
                                        : include.contains { fnmatch($0, name, 0) == 0 }
            guard taken else { continue }
            let relative = String(path.dropFirst(base.path.count + 1))
            found.append(((root as NSString).appendingPathComponent(relative), relative))
        }
        return found
    }

    /// The non-empty lines of a manifest file, or of standard input for '-'.
    static func lines(of manifest: String) throws -> [String] {
        let data: Data
        if manifest == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: manifest) else {
                throw ValidationError("cannot read the manifest '\(manifest)'")
            }
            data = d
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("the manifest '\(manifest)' is not UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline).map { String($0) }
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// Manifest paths with their paths relative to their longest common folder.
    static func mirrored(_ paths: [String]) -> [(String, String)] {
        let folders = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.deletingLastPathComponent().pathComponents }
        var common = folders.first ?? []
        for f in folders.dropFirst() {
            common = Array(zip(common, f).prefix { $0.0 == $0.1 }.map(\.0))
        }
        return paths.map { p in
            let parts = URL(fileURLWithPath: p).standardizedFileURL.pathComponents
            return (p, parts.dropFirst(common.count).joined(separator: "/"))
        }
    }
}
