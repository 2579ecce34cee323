import CLimnVips
import Foundation

/// A temporary file that removes itself when released unless it was moved
/// into place with `rename(to:)`.
final class TemporaryFile {
    let path: String
    private var fd: Int32
    private var owned = true

    /// Creates an empty file in `folder` (default: the temporary folder) named
    /// `prefix-XXXXXX` + `suffix`.
    init(in folder: String? = nil, prefix: String = "limn", suffix: String) throws {
        let dir = folder ?? String(NSTemporaryDirectory().dropLast(NSTemporaryDirectory().hasSuffix("/") ? 1 : 0))
        var template = Array("\(dir)/\(prefix)-XXXXXX\(suffix)".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
        if fd < 0 { throw LimnError("cannot write to '\(dir)': \(String(cString: strerror(errno)))", kind: .output) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try writeFully(fd, bytes, name: path)
    }

    func close() throws {
        guard fd >= 0 else { return }
        let rc = Foundation.close(fd)
        fd = -1
        if rc != 0 { throw LimnError("\(path): \(String(cString: strerror(errno)))", kind: .output) }
    }

    /// Moves the file to `destination`, replacing what is there; it is then no longer removed.
    func rename(to destination: String) throws {
        try close()
        if Foundation.rename(path, destination) != 0 {
            throw LimnError("\(destination): \(String(cString: strerror(errno)))", kind: .output)
        }
        owned = false
    }

    deinit {
        if fd >= 0 { Foundation.close(fd) }
        if owned { unlink(path) }
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes; errors name the file if given.
func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String? = nil) throws {
    var done = 0
    while done < bytes.count {
        let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
        if n < 0 {
            if errno == EINTR { continue }
            let reason = "write error: \(String(cString: strerror(errno)))"
            throw LimnError(name.map { "\($0): \(reason)" } ?? reason, kind: .output)
        }
        done += n
    }
}
