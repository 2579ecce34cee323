import CLimnVips
import Foundation

/// An error with one line of text meant for the user, and what kind of failure it is.
public struct LimnError: Error, CustomStringConvertible, Sendable {
    /// What failed, for callers that act on it (a server's status code, a retry).
    public enum Kind: Sendable, Equatable {
        /// The input is missing, not an image, or damaged.
        case input
        /// The input's header declares more pixels than allowed.
        case tooLarge
        /// The output cannot be written: its folder, format, or the disk.
        case output
        /// A setting is out of range or names an unknown style or model.
        case parameter
        /// The presets are missing or damaged.
        case presets
        /// The run was cancelled through its `RunControl`.
        case cancelled
        /// Computing the image failed (which includes pixel data found damaged while streaming).
        case processing
    }

    /// What failed.
    public let kind: Kind
    /// One line for the user, naming the file where there is one.
    public let message: String
    /// An error saying `message`, of `kind`.
    public init(_ message: String, kind: Kind = .processing) {
        self.message = message
        self.kind = kind
    }
    /// The message.
    public var description: String { message }

    /// The same error with its message prefixed by `context`.
    public func naming(_ context: String) -> LimnError { LimnError("\(context): \(message)", kind: kind) }

    /// The pending libvips error, folded into one line and cleared.
    static func vips(_ context: String, kind: Kind = .processing) -> LimnError {
        let raw = String(cString: vips_error_buffer())
        vips_error_clear()
        let lines = raw.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        // Lines look like "VipsJpeg: Premature end of JPEG file" or
        // "unix error: No space left on device": keep the first message and the
        // first operating-system reason.
        var message: String? = nil
        var reason: String? = nil
        for line in lines {
            if line.hasPrefix("unix error:") {
                let text = line.dropFirst("unix error:".count).trimmingCharacters(in: .whitespaces)
                if reason == nil && !text.hasPrefix("Unknown error") { reason = text }
                continue
            }
            var text = line
            if let colon = text.firstIndex(of: ":"), !text[..<colon].contains(" ") {
                text = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            if message == nil && !text.isEmpty { message = text }
        }
        var detail = message ?? (kind == .input ? "not a readable image (damaged, or a format libvips does not read)"
                                                 : "libvips failed without saying why")
        if let reason, !detail.contains(reason) { detail += ": " + reason }
        return LimnError(context.isEmpty ? detail : "\(context): \(detail)", kind: kind)
    }
}

/// libvips, started once per process.
package enum Vips {
    private static let started: Bool = {
        limn_vips_init("limn") == 0
    }()

    /// Starts libvips; throws if it cannot.
    package static func start() throws {
        if !started { throw LimnError("libvips failed to start") }
    }

    /// Worker threads libvips uses for one image (0 restores its default).
    package static func setThreads(_ n: Int) {
        vips_concurrency_set(Int32(n))
    }

    package static var threads: Int { Int(vips_concurrency_get()) }

    /// Returns memory freed by the last image to the system: between the images
    /// of a batch, so differently sized buffers do not pile up as fragmented heap.
    package static func releaseFreeMemory() { limn_release_free_memory() }

    /// Keeps freed memory from staying resident without giving back what is reused at
    /// once (why and what it measured: docs/engine.md, "Memory of the network paths"):
    /// two glibc arenas, blocks of 1 MiB or more mapped one by one, 64 MiB kept free at
    /// a heap's top. MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_
    /// override. Call before any thread starts.
    package static func configureHeap() { limn_configure_heap(2, 1 << 20, 64 << 20) }

    /// From now on, SIGINT, SIGTERM and SIGHUP remove the output being written
    /// (its temporary file or spool) before the process dies by that signal.
    package static func removeOutputsOnSignals() {
        limn_cleanup_install()
    }
}

/// Pixel sample type of an image.
package enum SampleFormat: Sendable {
    case uchar, ushort, float, other
    init(_ f: VipsBandFormat) {
        switch f {
        case VIPS_FORMAT_UCHAR: self = .uchar
        case VIPS_FORMAT_USHORT: self = .ushort
        case VIPS_FORMAT_FLOAT: self = .float
        default: self = .other
        }
    }
}

/// A libvips image: a lazily computed pipeline, owned by this reference.
package final class Image: @unchecked Sendable {
    let ptr: UnsafeMutablePointer<VipsImage>

    /// Takes ownership of one reference.
    init(owning ptr: UnsafeMutablePointer<VipsImage>) { self.ptr = ptr }

    deinit { g_object_unref(gpointer(ptr)) }

    /// Runs a vips call that makes one output image.
    static func make(_ context: String = "",
                     _ body: (UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32) throws -> Image {
        var out: UnsafeMutablePointer<VipsImage>? = nil
        if body(&out) != 0 || out == nil { throw LimnError.vips(context) }
        return Image(owning: out!)
    }

    package var width: Int { Int(vips_image_get_width(ptr)) }
    package var height: Int { Int(vips_image_get_height(ptr)) }
    package var bands: Int { Int(vips_image_get_bands(ptr)) }
    package var format: SampleFormat { SampleFormat(vips_image_get_format(ptr)) }
    var bandFormat: VipsBandFormat { vips_image_get_format(ptr) }
    var interpretation: VipsInterpretation { vips_image_get_interpretation(ptr) }

    // MARK: metadata

    package func has(_ field: String) -> Bool { vips_image_get_typeof(ptr, field) != 0 }

    package func blob(_ field: String) -> [UInt8]? {
        guard has(field) else { return nil }
        var data: UnsafeRawPointer? = nil
        var length = 0
        guard vips_image_get_blob(ptr, field, &data, &length) == 0, let data else { return nil }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }

    package func int(_ field: String) -> Int? {
        guard has(field) else { return nil }
        var v: Int32 = 0
        return vips_image_get_int(ptr, field, &v) == 0 ? Int(v) : nil
    }

    /// A metadata field as text (vips' own formatting, e.g. EXIF entries).
    package func string(_ field: String) -> String? {
        guard has(field) else { return nil }
        var out: UnsafeMutablePointer<CChar>? = nil
        guard vips_image_get_as_string(ptr, field, &out) == 0, let out else { return nil }
        defer { g_free(out) }
        return String(cString: out)
    }

    /// Names of all metadata fields.
    package var fields: [String] {
        guard let names = vips_image_get_fields(ptr) else { return [] }
        defer { g_strfreev(names) }
        var result: [String] = []
        var i = 0
        while let name = names[i] {
            result.append(String(cString: name))
            i += 1
        }
        return result
    }

    /// A copy with one metadata field set.
    package func setting(_ field: String, int value: Int) throws -> Image {
        let c = try copy()
        vips_image_set_int(c.ptr, field, Int32(value))
        return c
    }

    /// A copy with one metadata field set.
    package func setting(_ field: String, string value: String) throws -> Image {
        let c = try copy()
        vips_image_set_string(c.ptr, field, value)
        return c
    }

    /// A copy with one metadata field set.
    package func setting(_ field: String, blob: [UInt8]) throws -> Image {
        let c = try copy()
        blob.withUnsafeBytes { vips_image_set_blob_copy(c.ptr, field, $0.baseAddress, $0.count) }
        return c
    }

    /// Removes a metadata field. Only for images this code just made.
    func remove(_ field: String) { _ = vips_image_remove(ptr, field) }

    /// A private copy whose metadata may be changed without touching upstream images.
    func copy() throws -> Image {
        try Image.make { limn_set_interpretation(ptr, $0, interpretation) }
    }

    // MARK: operations

    func cast(_ f: VipsBandFormat) throws -> Image { try Image.make { limn_cast(ptr, $0, f) } }
    package func linear(_ a: Double, _ b: Double) throws -> Image { try Image.make { limn_linear1(ptr, $0, a, b) } }
    /// `a[i] * band i + b[i]`, one pair per band.
    package func linear(_ a: [Double], _ b: [Double]) throws -> Image {
        try Image.make { limn_linear(ptr, $0, a, b, Int32(a.count)) }
    }
    /// A Gaussian blur of standard deviation `sigma` pixels, edges extended.
    package func gaussianBlurred(sigma: Double) throws -> Image { try Image.make { limn_gaussblur(ptr, $0, sigma) } }
    /// This image with its last `lines` rows read kept in memory: readers of a top-to-bottom
    /// source that stay within `lines` rows of each other then share one read.
    package func cachingRows(_ lines: Int) throws -> Image { try Image.make { limn_row_cache(ptr, $0, Int32(lines)) } }
    /// Bands `first` ..< `first + n`.
    package func extractBands(_ first: Int, _ n: Int) throws -> Image {
        try Image.make { limn_extract_bands(ptr, $0, Int32(first), Int32(n)) }
    }
    /// The `width` x `height` area whose top left corner is (`left`, `top`).
    package func cropped(left: Int, top: Int, width: Int, height: Int) throws -> Image {
        try Image.make { limn_extract_area(ptr, $0, Int32(left), Int32(top), Int32(width), Int32(height)) }
    }
    func withInterpretation(_ t: VipsInterpretation) throws -> Image {
        try Image.make { limn_set_interpretation(ptr, $0, t) }
    }
    /// Every value limited to [lo, hi].
    package func clamp(_ lo: Double, _ hi: Double) throws -> Image { try Image.make { limn_clamp(ptr, $0, lo, hi) } }
    package func join(_ other: Image) throws -> Image { try Image.make { limn_bandjoin2(ptr, other.ptr, $0) } }
    /// Each output band a weighted sum of the input bands (`matrix[out][in]`).
    package func recombined(_ matrix: [[Double]]) throws -> Image {
        let flat = matrix.flatMap { $0 }
        return try Image.make { limn_recomb(ptr, $0, flat, Int32(matrix.count), Int32(matrix[0].count)) }
    }

    /// BT.601 luma (0.299 R + 0.587 G + 0.114 B) of three bands, as one band.
    package func luma() throws -> Image { try recombined([[0.299, 0.587, 0.114]]) }

    /// `a * self + b * other`, pixel by pixel.
    package func blended(_ a: Double, with other: Image, _ b: Double) throws -> Image {
        let x = try linear(a, 0), y = try other.linear(b, 0)
        return try Image.make { limn_image_add(x.ptr, y.ptr, $0) }
    }

    /// The mean of the bands, as one band.
    package func bandMean() throws -> Image {
        try Image.make { limn_bandmean(ptr, $0) }.cast(VIPS_FORMAT_FLOAT)
    }

    /// The mean of every sample; computes the image without keeping it (a benchmark's sink).
    package func average() throws -> Double {
        var mean = 0.0
        guard limn_average(ptr, &mean) == 0 else { throw LimnError.vips("computing the image") }
        return mean
    }

    /// Float samples, as an interleaved array (row-major, bands last). For tests and small images.
    package func floatPixels() throws -> [Float] {
        let f = try cast(VIPS_FORMAT_FLOAT)
        var size = 0
        guard let mem = vips_image_write_to_memory(f.ptr, &size) else { throw LimnError.vips("reading pixels") }
        defer { g_free(mem) }
        return [Float](unsafeUninitializedCapacity: size / 4) { buffer, count in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(start: mem, count: size))
            count = size / 4
        }
    }

    /// A float image from interleaved samples (row-major, bands last).
    package static func fromFloats(_ pixels: [Float], width: Int, height: Int, bands: Int) throws -> Image {
        precondition(pixels.count == width * height * bands)
        let img = pixels.withUnsafeBytes { buf in
            vips_image_new_from_memory_copy(buf.baseAddress, buf.count, Int32(width), Int32(height),
                                            Int32(bands), VIPS_FORMAT_FLOAT)
        }
        guard let img else { throw LimnError.vips("making an image") }
        return Image(owning: img)
    }
}
