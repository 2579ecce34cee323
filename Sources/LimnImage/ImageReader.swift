import CLimnVips
import Foundation

/// Where an image comes from: a file, standard input for "-", or encoded bytes in memory.
package enum ImageSource: Sendable, CustomStringConvertible {
    case file(String)
    case standardInput
    /// An encoded image (JPEG, PNG, ...), named `name` in messages.
    case data(Data, name: String = "image data")

    package init(_ argument: String) { self = argument == "-" ? .standardInput : .file(argument) }

    /// Whether reading it again gives the same picture: data, and files that are not pipes or devices.
    package var canBeReadTwice: Bool {
        switch self {
        case .file(let path):
            var st = stat()
            return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        case .standardInput: return false
        case .data: return true
        }
    }

    package var description: String {
        switch self {
        case .file(let path): path
        case .standardInput: "standard input"
        case .data(_, let name): name
        }
    }
}

/// Loads images for streaming: sequential access, strict decoding, EXIF
/// orientation applied, a limit on declared size.
package struct ImageReader: Sendable {
    /// Images whose header declares more pixels than this are refused.
    package var maxPixels: Int
    /// Stream top to bottom, once (the default). Operations that read the image
    /// twice (a statistics pass, then the output) turn this off: the image is
    /// then decoded in full, to memory or, when large, a temporary file.
    package var sequential: Bool
    /// The page (frame) of a multi-page file to read, from 0; nil refuses
    /// files of several pages rather than silently keeping the first.
    package var page: Int?

    package init(maxPixels: Int = 500_000_000, sequential: Bool = true, page: Int? = nil) {
        self.maxPixels = maxPixels
        self.sequential = sequential
        self.page = page
    }

    /// Loaders whose files may hold several images (pages, frames).
    static let multiPageLoaders: Set<String> = ["tiffload", "gifload", "webpload", "heifload", "magickload", "pdfload"]

    package func read(_ source: ImageSource) throws -> Image {
        try Vips.start()
        limn_input_set("\(source)")
        let image: Image
        switch source {
        case .file(let path):
            var st = stat()
            if stat(path, &st) != 0 {
                throw LimnError("\(path): \(String(cString: strerror(errno)))", kind: .input)
            }
            if (st.st_mode & S_IFMT) == S_IFDIR { throw LimnError("\(path): is a folder, not an image", kind: .input) }
            try Self.refuseDevice(st, path)
            if st.st_size == 0 && (st.st_mode & S_IFMT) == S_IFREG { throw LimnError("\(path): empty file", kind: .input) }
            if (st.st_mode & S_IFMT) != S_IFREG {
                // A pipe or device is read once, as a stream: a loader that reopens it would hang.
                guard let src = vips_source_new_from_file(path) else { throw LimnError.vips(path, kind: .input) }
                defer { g_object_unref(gpointer(src)) }
                image = try read(src, name: path, vipsFormat: false)
            } else {
                let load = { (options: String) throws -> Image in
                    guard let p = limn_load_file_options(path, sequential ? 1 : 0, options) else {
                        throw LimnError.vips(path, kind: .input)
                    }
                    return Image(owning: p)
                }
                image = try readTwiceSafely(selectingPage(load(""), path, reload: load), path)
            }
        case .standardInput:
            var st = stat()
            if fstat(0, &st) == 0 {
                if isatty(0) != 0 { throw LimnError("standard input is a terminal: pipe or redirect an image into it", kind: .input) }
                try Self.refuseDevice(st, "standard input")
            }
            guard let src = vips_source_new_from_descriptor(0) else { throw LimnError.vips("standard input", kind: .input) }
            defer { g_object_unref(gpointer(src)) }
            image = try read(src, name: "\(source)", vipsFormat: true)
        case .data(let data, let name):
            let blob = data.withUnsafeBytes { vips_blob_copy($0.baseAddress, $0.count) }
            defer { vips_area_unref(UnsafeMutableRawPointer(blob!).assumingMemoryBound(to: VipsArea.self)) }
            guard let src = vips_source_new_from_blob(blob) else { throw LimnError.vips(name, kind: .input) }
            defer { g_object_unref(gpointer(src)) }
            image = try read(src, name: name, vipsFormat: true)
        }
        let pixels = image.width * image.height
        if pixels > maxPixels {
            throw LimnError("\(source): \(image.width)x\(image.height) is \(Self.megapixels(pixels)) megapixels, over the limit of \(Self.megapixels(maxPixels)) (--max-pixels)", kind: .tooLarge)
        }
        return try withoutThumbnail(oriented(image))
    }

    /// The EXIF thumbnail (and its IFD1 tags) dropped: it would show the picture as it was
    /// before the command. Without "jpeg-thumbnail-data", libvips writes EXIF without one.
    private func withoutThumbnail(_ image: Image) throws -> Image {
        let stale = image.fields.filter { $0 == "jpeg-thumbnail-data" || $0.hasPrefix("exif-ifd1-") }
        if stale.isEmpty { return image }
        let c = try image.copy()
        for field in stale { c.remove(field) }
        return c
    }

    /// Loads from a stream after checking it is not empty (libvips 8.14 aborts
    /// on an empty one); `vipsFormat`: accept libvips' own format, through a spool.
    private func read(_ src: UnsafeMutablePointer<VipsSource>, name: String, vipsFormat: Bool) throws -> Image {
        var head: UnsafeMutablePointer<UInt8>? = nil
        let n = vips_source_sniff_at_most(src, &head, 4)
        if n < 0 { throw LimnError.vips(name, kind: .input) }
        if n == 0 { throw LimnError("\(name): empty, no image", kind: .input) }
        if vipsFormat, n == 4, let head, Self.isVipsFormat(head) { return try readVipsStream(src, name: name) }
        let load = { (options: String) throws -> Image in
            guard let p = limn_load_source_options(src, sequential ? 1 : 0, options) else {
                throw LimnError.vips(name, kind: .input)
            }
            return Image(owning: p)
        }
        return try selectingPage(load(""), name) { options in
            guard vips_source_rewind(src) == 0 else { throw LimnError.vips(name, kind: .input) }
            return try load(options)
        }
    }

    /// Devices (/dev/zero, /dev/urandom, a disk) never end or are not images: some
    /// loaders would read them forever.
    private static func refuseDevice(_ st: stat, _ name: String) throws {
        let type = st.st_mode & S_IFMT
        if type == S_IFCHR && st.st_rdev == 0x103 {   // /dev/null (major 1, minor 3)
            throw LimnError("\(name): empty, no image", kind: .input)
        }
        if type == S_IFCHR || type == S_IFBLK {
            throw LimnError("\(name): a device, not an image file or stream", kind: .input)
        }
    }

    /// The first page as loaded, or the one `page` asks for, loaded again with
    /// `reload(options)`. A file of several pages without `page` is refused.
    private func selectingPage(_ first: Image, _ name: String, reload: (String) throws -> Image) throws -> Image {
        let loader = (first.string("vips-loader") ?? "").replacingOccurrences(of: "_source", with: "")
        let pages = Self.multiPageLoaders.contains(loader) ? max(1, first.int("n-pages") ?? 1) : 1
        guard let page else {
            if pages > 1 {
                throw LimnError("\(name): holds \(pages) pages (or frames); limn reads one: give --page 0 to \(pages - 1)",
                                kind: .input)
            }
            return first
        }
        guard page < pages else {
            throw LimnError("\(name): has no page \(page) (it holds \(pages))", kind: .input)
        }
        return page == 0 ? first : try reload("[page=\(page)]")
    }

    /// libvips 8.14's JPEG 2000 loader fails when an image is read a second time
    /// (a statistics pass, then the output): such images are decoded once, into
    /// memory, or a temporary file when over `spoolAbove` bytes.
    private func readTwiceSafely(_ image: Image, _ name: String) throws -> Image {
        guard !sequential, image.string("vips-loader") == "jp2kload" else { return image }
        let bytes = image.width * image.height * image.bands * Int(vips_format_sizeof(image.ptr.pointee.BandFmt))
        if bytes <= Self.spoolAbove {
            guard let mem = vips_image_copy_memory(image.ptr) else { throw LimnError.vips(name, kind: .input) }
            return Image(owning: mem)
        }
        let spool = try TemporaryFile(suffix: ".v")
        try spool.close()
        limn_cleanup_set(spool.path)
        defer { limn_cleanup_set(nil) }
        if limn_write_file(image.ptr, spool.path) != 0 { throw LimnError.vips(name, kind: .input) }
        guard let p = limn_load_file(spool.path, 0) else { throw LimnError.vips(name, kind: .input) }
        return Image(owning: p)   // mapped; the name goes with `spool`
    }

    static let spoolAbove = 256 << 20

    /// The most metadata (XML after the pixels) a .v stream may carry.
    static let vipsMetadataLimit = 16 << 20

    private static func isVipsFormat(_ m: UnsafeMutablePointer<UInt8>) -> Bool {
        let bytes = [m[0], m[1], m[2], m[3]]
        return bytes == [0x08, 0xF2, 0xA6, 0xB6] || bytes == [0xB6, 0xA6, 0xF2, 0x08]
    }

    /// libvips 8.14 reads its own format only from files (it maps them and keeps
    /// metadata at the end), so a .v stream is spooled to a temporary file. vips
    /// keeps the file open, so its name is removed as soon as it is loaded.
    /// The header's size is checked against `maxPixels` first, and the spool never
    /// grows past the pixels it declares plus `vipsMetadataLimit` of metadata.
    private func readVipsStream(_ src: UnsafeMutablePointer<VipsSource>, name: String) throws -> Image {
        guard let h = vips_source_sniff(src, 24) else {
            vips_error_clear()
            throw LimnError("\(name): truncated libvips (.v) header", kind: .input)
        }
        let little = h[0] == 0xB6
        func field(_ offset: Int) -> Int {
            let b = (0..<4).map { Int(h[offset + $0]) }
            return Int(Int32(truncatingIfNeeded: little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24
                                                        : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24))
        }
        let (width, height, bands, format) = (field(4), field(8), field(12), field(20))
        let sample = format >= 0 && format < Int(VIPS_FORMAT_LAST.rawValue)
            ? Int(vips_format_sizeof(VipsBandFormat(rawValue: Int32(format)))) : 0
        guard width > 0, height > 0, (1...1024).contains(bands), sample > 0 else {
            throw LimnError("\(name): not a valid libvips (.v) header", kind: .input)
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxPixels {
            throw LimnError("\(name): \(width)x\(height) is over the limit of \(Self.megapixels(maxPixels)) megapixels (--max-pixels)",
                            kind: .tooLarge)
        }
        let limit = 64 + pixels * bands * sample + Self.vipsMetadataLimit
        let spool = try TemporaryFile(suffix: ".v")
        limn_cleanup_set(spool.path)
        defer { limn_cleanup_set(nil) }
        guard vips_source_rewind(src) == 0 else { throw LimnError.vips(name, kind: .input) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let n = vips_source_read(src, buffer, Int(size))
            if n < 0 { throw LimnError.vips(name, kind: .input) }
            if n == 0 { break }
            total += Int(n)
            if total > limit {
                throw LimnError("\(name): more data than its libvips (.v) header declares", kind: .input)
            }
            try spool.write(UnsafeRawBufferPointer(start: buffer, count: Int(n)))
        }
        try spool.close()
        guard let p = limn_load_file(spool.path, 0) else { throw LimnError.vips(name, kind: .input) }
        return Image(owning: p)
    }

    private static func megapixels(_ n: Int) -> String {
        let mp = Double(n) / 1e6
        return mp >= 10 ? String(Int(mp.rounded())) : String(format: "%.2g", mp)
    }

    /// Applies the EXIF orientation and resets the tag. Rotation cannot stream,
    /// so a rotated image is decoded into memory first.
    private func oriented(_ image: Image) throws -> Image {
        let orientation = image.int("orientation") ?? 1
        if orientation < 2 || orientation > 8 { return image }
        guard let mem = vips_image_copy_memory(image.ptr) else { throw LimnError.vips("decoding", kind: .input) }
        let decoded = Image(owning: mem)
        let upright = try Image.make("applying EXIF orientation") { limn_autorot(decoded.ptr, $0) }
        // libvips resets the EXIF tag; XMP's copy (tiff:Orientation) would rotate the result again.
        guard let xmp = upright.blob("xmp-data") else { return upright }
        let reset = Self.resettingOrientation(String(decoding: xmp, as: UTF8.self))
        return try upright.setting("xmp-data", blob: Array(reset.utf8))
    }

    /// XMP text with tiff:Orientation (attribute or element) set to 1.
    static func resettingOrientation(_ xmp: String) -> String {
        xmp.replacingOccurrences(of: #"(tiff:Orientation\s*=\s*["'])[0-9]+(["'])"#, with: "$11$2", options: .regularExpression)
            .replacingOccurrences(of: #"(<tiff:Orientation>)\s*[0-9]+\s*(</tiff:Orientation>)"#, with: "$11$2",
                                  options: .regularExpression)
    }
}
