import CLimnVips
import Foundation

/// Where an image goes: a file (format from its suffix, vips save options in
/// brackets, e.g. "out.jpg[Q=92]"), or standard output in a named format.
package enum ImageDestination: Sendable, CustomStringConvertible {
    case file(String)
    /// A format such as "png", "jpg[Q=90]" or "v" (libvips' own, for pipes).
    case standardOutput(format: String)

    package var description: String {
        switch self {
        case .file(let path): path
        case .standardOutput: "standard output"
        }
    }

    /// Checks what can be checked before any pixel is computed: a known format,
    /// an existing folder.
    package func validate() throws {
        try Vips.start()
        switch self {
        case .standardOutput(let format):
            let (name, options) = Self.splitOptions(format)
            guard !name.isEmpty, let saver = vips_foreign_find_save_target(".\(name)") else {
                vips_error_clear()   // the lookup's own message; this one replaces it
                throw LimnError("unknown output format '\(name)'", kind: .parameter)
            }
            try Self.checkOptions(saver, options, name: format)
        case .file(let spec):
            let (path, options) = Self.splitOptions(spec)
            let ext = URL(fileURLWithPath: path).pathExtension
            if Self.isSpecialFile(path) { return }
            guard !ext.isEmpty else {
                throw LimnError("\(path): no suffix to choose the output format by (e.g. .png, .jpg)", kind: .output)
            }
            guard let saver = vips_foreign_find_save(path) else {
                vips_error_clear()
                throw LimnError("\(path): unknown output format '.\(ext)'", kind: .output)
            }
            try Self.checkOptions(saver, options, name: spec)
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw LimnError("\(path): output folder '\(dir)' does not exist", kind: .output)
            }
        }
    }

    /// Save options the saver does not know, or values out of range, are errors
    /// before anything is computed (libvips would only warn and go on).
    private static func checkOptions(_ saver: UnsafePointer<CChar>, _ options: String, name: String) throws {
        if !options.isEmpty && limn_check_save_options(saver, options) != 0 {
            throw LimnError.vips(name, kind: .parameter)
        }
    }

    /// The file path of an output spec, without its save options ("out.jpg[Q=90]" -> "out.jpg").
    package static func pathOf(_ spec: String) -> String { splitOptions(spec).0 }

    /// A spec and its bracketed save options: "out.jpg[Q=90]" -> ("out.jpg", "[Q=90]").
    package static func splitOptions(_ spec: String) -> (String, String) {
        guard spec.hasSuffix("]"), let open = spec.lastIndex(of: "[") else { return (spec, "") }
        return (String(spec[..<open]), String(spec[open...]))
    }

    /// Devices and pipes are written in place: there is nothing to rename over.
    static func isSpecialFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG && (st.st_mode & S_IFMT) != S_IFDIR
    }
}

/// Writes images so that a failure never leaves a partial file: a file output
/// is written to a temporary file beside it and renamed into place.
package struct ImageWriter: Sendable {
    /// Progress reports and cancellation while an image is computed.
    package var control: RunControl?
    package init(control: RunControl? = nil) { self.control = control }

    /// Computes and writes `image`. A failure while computing or writing throws
    /// the bare reason; the caller names the input and output.
    package func write(_ image: Image, to destination: ImageDestination) throws {
        try destination.validate()
        let suffix: String
        switch destination {
        case .file(let spec): suffix = URL(fileURLWithPath: ImageDestination.pathOf(spec)).pathExtension
        case .standardOutput(let format): suffix = ImageDestination.pathOf(format)
        }
        let image = try Self.saveable(image, as: suffix)
        let target: ImageDestination
        switch destination {
        case .file(let spec):
            let (path, options) = ImageDestination.splitOptions(spec)
            target = .file(path + Self.withDefaults(options, suffix: suffix, image))
        case .standardOutput(let format):
            let (name, options) = ImageDestination.splitOptions(format)
            target = .standardOutput(format: name + Self.withDefaults(options, suffix: suffix, image))
        }
        try observing(image) { try write(image, target) }
    }

    /// JPEG quality when not given.
    static let defaultJPEGQuality = 90

    /// Save options with Limn's defaults added where the user gave none: JPEG at
    /// Q 90, its chroma subsampled only when the input's was.
    static func withDefaults(_ options: String, suffix: String, _ image: Image) -> String {
        guard ["jpg", "jpeg", "jpe", "jfif"].contains(suffix.lowercased()) else { return options }
        var given = options.isEmpty ? [] : options.dropFirst().dropLast().split(separator: ",").map(String.init)
        let names = Set(given.map { $0.split(separator: "=").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? "" })
        if !names.contains("q") { given.append("Q=\(defaultJPEGQuality)") }
        if !names.contains("subsample-mode") && !names.contains("subsample_mode") && !names.contains("no-subsample") {
            let source = image.string("jpeg-chroma-subsample") ?? "4:4:4"
            given.append("subsample-mode=\(source == "4:4:4" ? "off" : "on")")
        }
        return "[" + given.joined(separator: ",") + "]"
    }

    /// Formats that hold float scRGB as it is.
    static let floatFormats: Set<String> = ["v", "vips", "tif", "tiff", "hdr", "fits", "fit", "fts", "pfm", "mat"]

    /// libvips 8.14's savers turn float scRGB (from Radiance or float TIFF) black
    /// in formats without float pixels: such images go to sRGB first.
    static func saveable(_ image: Image, as suffix: String) throws -> Image {
        guard image.interpretation == VIPS_INTERPRETATION_scRGB, !floatFormats.contains(suffix.lowercased()) else {
            return image
        }
        return try Image.make("converting to sRGB") { limn_colourspace(image.ptr, $0, VIPS_INTERPRETATION_sRGB) }
    }

    /// Computes `image` and returns it encoded as `format` ("png", "jpg[Q=90]", ...).
    package func encode(_ image: Image, format: String) throws -> Data {
        try ImageDestination.standardOutput(format: format).validate()
        if ImageDestination.splitOptions(format).0 == "v" {
            throw LimnError("libvips' own format (v) is written to files and pipes only", kind: .parameter)
        }
        var buffer: UnsafeMutableRawPointer? = nil
        var length = 0
        let (name, options) = ImageDestination.splitOptions(format)
        let image = try Self.saveable(image, as: name)
        let spec = "." + name + Self.withDefaults(options, suffix: name, image)
        try observing(image) {
            if limn_write_buffer(image.ptr, spec, &buffer, &length) != 0 { throw LimnError.vips("") }
        }
        defer { g_free(buffer) }
        return Data(bytes: buffer!, count: length)
    }

    private func observing(_ image: Image, _ body: () throws -> Void) throws {
        if let control { try control.observing(image, body) } else { try body() }
    }

    private func write(_ image: Image, _ destination: ImageDestination) throws {
        switch destination {
        case .standardOutput(let format) where ImageDestination.splitOptions(format).0 == "v":
            try writeVipsStream(image)
        case .standardOutput(let format):
            guard let target = vips_target_new_to_descriptor(1) else { throw LimnError.vips("standard output") }
            defer { g_object_unref(gpointer(target)) }
            if limn_write_target(image.ptr, ".\(format)", target) != 0 {
                throw LimnError.vips("")
            }
        case .file(let spec):
            let (path, options) = ImageDestination.splitOptions(spec)
            if ImageDestination.isSpecialFile(path) {
                // A device or pipe: written in place, PNG unless its name has a known suffix.
                let ext = URL(fileURLWithPath: path).pathExtension
                let known = !ext.isEmpty && vips_foreign_find_save(path) != nil
                if !known { vips_error_clear() }
                let suffix = known ? ".\(ext)" : ".png"
                guard let target = vips_target_new_to_file(path) else { throw LimnError.vips(path) }
                defer { g_object_unref(gpointer(target)) }
                if limn_write_target(image.ptr, suffix + options, target) != 0 { throw LimnError.vips("") }
                return
            }
            try writeReplacing(image, path: path, options: options)
        }
    }

    /// libvips 8.14 writes its own format only to files (the header is finished
    /// last), so it goes through a temporary file that is then copied out.
    private func writeVipsStream(_ image: Image) throws {
        let spool = try TemporaryFile(suffix: ".v")
        try spool.close()
        limn_cleanup_set(spool.path)
        defer { limn_cleanup_set(nil) }
        if limn_write_file(image.ptr, spool.path) != 0 { throw LimnError.vips("") }
        guard let input = FileHandle(forReadingAtPath: spool.path) else { throw LimnError("cannot read \(spool.path)") }
        defer { try? input.close() }
        while true {
            let chunk = input.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            try chunk.withUnsafeBytes { try writeFully(1, $0) }
        }
    }

    private func writeReplacing(_ image: Image, path: String, options: String) throws {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        // ".<stem>.limn-XXXXXX.<ext>", the stem shortened so the name fits in 255 bytes
        // (NAME_MAX) whenever the output's own name does.
        var stem = Substring(url.deletingPathExtension().lastPathComponent)
        while stem.utf8.count + ext.utf8.count + 14 > 255 && !stem.isEmpty { stem = stem.dropLast() }
        let temp = try TemporaryFile(in: url.deletingLastPathComponent().path, prefix: ".\(stem).limn", suffix: ".\(ext)")
        try temp.close()
        limn_cleanup_set(temp.path)
        defer { limn_cleanup_set(nil) }
        if limn_write_file(image.ptr, temp.path + options) != 0 { throw LimnError.vips("") }
        // Keep the permissions of a file being replaced; new files get the usual ones.
        var st = stat()
        if stat(path, &st) == 0 {
            chmod(temp.path, st.st_mode & 0o7777)
        } else {
            let mask = umask(0)
            umask(mask)
            chmod(temp.path, 0o666 & ~mask)
        }
        try temp.rename(to: path)
    }
}
