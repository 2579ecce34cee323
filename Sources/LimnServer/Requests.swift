import Foundation
import Hummingbird
import Limn
import LimnImage

/// A request that fails: its status and the one line the JSON error body carries.
struct Failure: Error {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static func badParameter(_ message: String) -> Failure { Failure(.badRequest, message) }

    /// What a failed run means for the client: its settings (400), its image (422),
    /// or the server (500, never for bad input).
    init(_ error: LimnError) {
        switch error.kind {
        case .parameter: self.init(.badRequest, error.message)
        case .input, .tooLarge, .processing: self.init(.unprocessableContent, error.message)
        case .cancelled: self.init(.serviceUnavailable, "cancelled")
        case .output, .presets: self.init(.internalServerError, error.message)
        }
    }

    /// `{"error": "..."}` with the status.
    var response: Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .serviceUnavailable { headers[.retryAfter] = "5" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: encode(["error": message]) + "\n")))
    }
}

/// Whether `b`, an upload's first bytes, starts a format the server accepts: JPEG, PNG,
/// WebP, TIFF, GIF or HEIF/AVIF, the inputs libvips reads with its trusted loaders.
/// Anything else is refused before libvips sees it.
func isAcceptedImage(_ b: [UInt8]) -> Bool {
    func starts(_ p: [UInt8], at offset: Int = 0) -> Bool {
        b.count >= offset + p.count && Array(b[offset..<offset + p.count]) == p
    }
    let heifBrands = ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1", "avif", "avis"]
    return starts([0xFF, 0xD8, 0xFF])                                               // JPEG
        || starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])                 // PNG
        || (starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8))        // WebP
        || starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A])     // TIFF
        || starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8))             // GIF
        || (starts(Array("ftyp".utf8), at: 4) && b.count >= 12
            && heifBrands.contains(String(decoding: b[8..<12], as: UTF8.self)))    // HEIF, AVIF
}

/// The output's format and quality from `format=` and `q=`.
struct OutputFormat: Sendable {
    let suffix: String
    let contentType: String
    let quality: Int?

    init(_ query: [String: String]) throws {
        switch query["format"]?.lowercased() ?? "png" {
        case "png": (suffix, contentType) = ("png", "image/png")
        case "jpg", "jpeg": (suffix, contentType) = ("jpg", "image/jpeg")
        case "webp": (suffix, contentType) = ("webp", "image/webp")
        case "tif", "tiff": (suffix, contentType) = ("tif", "image/tiff")
        case let other: throw Failure.badParameter("format must be png, jpg, webp or tif (got '\(other)')")
        }
        if let q = query["q"] {
            guard let v = Int(q), (1...100).contains(v) else { throw Failure.badParameter("q must be 1 to 100 (got '\(q)')") }
            guard suffix == "jpg" || suffix == "webp" else { throw Failure.badParameter("q applies to jpg and webp only") }
            quality = v
        } else {
            quality = nil
        }
    }

    /// The output name for libvips, with the quality as a save option.
    func path(_ base: String) -> String { base + "." + suffix + (quality.map { "[Q=\($0)]" } ?? "") }
}

/// The operation a request asks for, from its query: `op` (or the path) and the
/// command's settings, named as the CLI's options are.
func operation(_ op: String, _ q: [String: String]) throws -> ImageOperation {
    let known: Set<String>
    func number(_ key: String) throws -> Double? {
        guard let text = q[key] else { return nil }
        guard let v = Double(text), v.isFinite else { throw Failure.badParameter("\(key) must be a number (got '\(text)')") }
        return v
    }
    func integer(_ key: String) throws -> Int? {
        guard let text = q[key] else { return nil }
        guard let v = Int(text) else { throw Failure.badParameter("\(key) must be a whole number (got '\(text)')") }
        return v
    }
    func flag(_ key: String) throws -> Bool {
        switch q[key]?.lowercased() {
        case nil, "false", "0", "no": return false
        case "true", "1", "yes", "": return true
        case let v?: throw Failure.badParameter("\(key) must be true or false (got '\(v)')")
        }
    }
    let result: ImageOperation
    switch op {
    case "upscale":
        known = ["scale", "width", "height", "model", "tile"]
        let given = [try number("scale").map(UpscaleSize.scale), try integer("width").map(UpscaleSize.width),
                     try integer("height").map(UpscaleSize.height)].compactMap { $0 }
        guard given.count <= 1 else { throw Failure.badParameter("give one of scale, width, height") }
        let name = q["model"] ?? "photo"
        guard let model = UpscaleModel(rawValue: name) else {
            throw Failure.badParameter("model must be photo, fidelity or lanczos (got '\(name)')")
        }
        result = .upscale(given.first ?? .scale(2), model: model, tile: try integer("tile"))
    case "stylize":
        known = ["style", "strength", "preserve_colors", "working_size", "tile"]
        guard let style = q["style"] else { throw Failure.badParameter("stylize needs style=NAME (or a=0.6,b=0.4)") }
        result = .stylize(try StyleWeight.mix(style), strength: try number("strength") ?? 1,
                          preserveColors: try flag("preserve_colors"), workingSize: try integer("working_size") ?? 1024,
                          tile: try integer("tile"))
    case "enhance":
        known = ["strength", "tile"]
        result = .enhance(strength: try number("strength") ?? 1, tile: try integer("tile"))
    default:
        throw Failure.badParameter("op must be upscale, stylize or enhance (got '\(op)')")
    }
    let unknown = Set(q.keys).subtracting(known).subtracting(["format", "q", "op"])
    if let name = unknown.sorted().first { throw Failure.badParameter("unknown parameter '\(name)' for \(op)") }
    return result
}

/// The query's parameters; a name given twice is an error.
func parameters(_ request: Request) throws -> [String: String] {
    var q: [String: String] = [:]
    for (key, value) in request.uri.queryParameters {
        let k = String(key)
        guard q[k] == nil else { throw Failure.badParameter("parameter '\(k)' given twice") }
        q[k] = String(value)
    }
    return q
}

/// A file that is removed when the last reference goes: uploads and results live only
/// in the server's private folder, under names the server makes.
final class TemporaryFile: Sendable {
    let path: String
    init(_ path: String) { self.path = path }
    deinit { unlink(path) }
}

/// Streams the request body into `path`, refusing more than `limit` bytes (413) and what
/// is not an accepted image format (415).
func receive(_ request: Request, into path: String, limit: Int) async throws {
    if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
        throw Failure(.contentTooLarge, "the upload is \(length) bytes; this server takes at most \(limit)")
    }
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard fd >= 0 else { throw Failure(.internalServerError, "cannot store the upload") }
    defer { close(fd) }
    var total = 0
    var head: [UInt8] = []
    for try await buffer in request.body {
        total += buffer.readableBytes
        if total > limit { throw Failure(.contentTooLarge, "the upload is over \(limit) bytes, the most this server takes") }
        try buffer.withUnsafeReadableBytes { bytes in
            if head.count < 16 { head += bytes.prefix(16 - head.count) }
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                guard n > 0 else { throw Failure(.internalServerError, "cannot store the upload (disk full?)") }
                done += n
            }
        }
    }
    guard total > 0 else { throw Failure(.unsupportedMediaType, "the request body is empty: send the image file's bytes") }
    guard isAcceptedImage(head) else {
        throw Failure(.unsupportedMediaType, "not an accepted image format (JPEG, PNG, WebP, TIFF, GIF, HEIF/AVIF)")
    }
}

/// The file at `file` as a response body, read in 256 KB pieces as the client takes them.
func fileBody(_ file: TemporaryFile) throws -> ResponseBody {
    guard let handle = FileHandle(forReadingAtPath: file.path) else { throw Failure(.internalServerError, "the result is gone") }
    let size = Int((try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0)
    return ResponseBody(contentLength: size) { writer in
        defer { try? handle.close() }
        while true {
            let data = try handle.read(upToCount: 1 << 18) ?? Data()
            if data.isEmpty { break }
            try await writer.write(ByteBuffer(bytes: data))
        }
        try await writer.finish(nil)
        withExtendedLifetime(file) {}   // the file stays until the body is sent
    }
}
