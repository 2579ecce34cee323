import CLimnVips
import Foundation

/// Where an image comes from: a file, standard input for "-", or encoded bytes in memory.
package enum ImageSource: Sendable, CustomStringConvertible {
    case file(String)
    case standardInput
    /// An encoded image (JPEG, PNG, ...), named `name` in messages.
    case data(Data, name: String = "image data")

    package init(_ argument: String) { self = argument == "-" ? .standardInput : .file(argument) }

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

    package init(maxPixels: Int = 500_000_000, sequential: Bool = true) {
        self.maxPixels = maxPixels
        self.sequential = sequential
    }

    package func read(_ source: ImageSource) throws -> Image {
        try Vips.start()
        let image: Image
        switch source {
        case .file(let path):
            var st = stat()
            if stat(path, &st) != 0 {
                throw LimnError("\(path): \(String(cString: strerror(errno)))", kind: .input)
            }
            if (st.st_mode & S_IFMT) == S_IFDIR { throw LimnError("\(path): is a folder, not an image", kind: .input) }
            if st.st_size == 0 && (st.st_mode & S_IFMT) == S_IFREG { throw LimnError("\(path): empty file", kind: .input) }
            guard let p = limn_load_file(path, sequential ? 1 : 0) else { throw LimnError.vips(path, kind: .input) }
            image = Image(owning: p)
        case .standardInput:
            guard let src = vips_source_new_from_descriptor(0) else { throw LimnError.vips("standard input", kind: .input) }
            defer { g_object_unref(gpointer(src)) }
            image = try read(src, name: "\(source)", vipsFormat: true)
        case .data(let data, let name):
            let blob = data.withUnsafeBytes { vips_blob_copy($0.baseAddress, $0.count) }
            defer { vips_area_unref(UnsafeMutableRawPointer(blob!).assumingMemoryBound(to: VipsArea.self)) }
            guard let src = vips_source_new_from_blob(blob) else { throw LimnError.vips(name, kind: .input) }
            defer { g_object_unref(gpointer(src)) }
            image = try read(src, name: name, vipsFormat: false)
        }
        let pixels = image.width * image.height
        if pixels > maxPixels {
            throw LimnError("\(source): \(image.width)x\(image.height) is \(Self.megapixels(pixels)) megapixels, over the limit of \(Self.megapixels(maxPixels)) (--max-pixels)", kind: .tooLarge)
        }
        return try oriented(image)
    }

    /// Loads from a stream after checking it is not empty (libvips 8.14 aborts
    /// on an empty one); `vipsFormat`: accept libvips' own format, through a spool.
    private func read(_ src: UnsafeMutablePointer<VipsSource>, name: String, vipsFormat: Bool) throws -> Image {
        var head: UnsafeMutablePointer<UInt8>? = nil
        let n = vips_source_sniff_at_most(src, &head, 4)
        if n < 0 { throw LimnError.vips(name, kind: .input) }
        if n == 0 { throw LimnError("\(name): empty, no image", kind: .input) }
        if vipsFormat, n == 4, let head, Self.isVipsFormat(head) { return try readVipsStream(src) }
        guard let p = limn_load_source(src, sequential ? 1 : 0) else { throw LimnError.vips(name, kind: .input) }
        return Image(owning: p)
    }

    private static func isVipsFormat(_ m: UnsafeMutablePointer<UInt8>) -> Bool {
        let bytes = [m[0], m[1], m[2], m[3]]
        return bytes == [0x08, 0xF2, 0xA6, 0xB6] || bytes == [0xB6, 0xA6, 0xF2, 0x08]
    }

    /// libvips 8.14 reads its own format only from files (it maps them and keeps
    /// metadata at the end), so a .v stream is spooled to a temporary file. vips
    /// keeps the file open, so its name is removed as soon as it is loaded.
    private func readVipsStream(_ src: UnsafeMutablePointer<VipsSource>) throws -> Image {
        let spool = try TemporaryFile(suffix: ".v")
        limn_cleanup_set(spool.path)
        defer { limn_cleanup_set(nil) }
        guard vips_source_rewind(src) == 0 else { throw LimnError.vips("standard input", kind: .input) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = vips_source_read(src, buffer, Int(size))
            if n < 0 { throw LimnError.vips("standard input", kind: .input) }
            if n == 0 { break }
            try spool.write(UnsafeRawBufferPointer(start: buffer, count: Int(n)))
        }
        try spool.close()
        guard let p = limn_load_file(spool.path, 0) else { throw LimnError.vips("standard input", kind: .input) }
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
        return try Image.make("applying EXIF orientation") { limn_autorot(decoded.ptr, $0) }
    }
}
