import CLimnVips
import Foundation

/// A temporary file that removes itself when released, and on SIGINT/SIGTERM
/// while it is the one registered for cleanup.
final class TemporaryFile {
    let path: String
    private var fd: Int32

    /// Creates an empty file in `folder` (default: the temporary folder) whose name
    /// starts with `prefix` and ends with `suffix`.
    init(in folder: String? = nil, prefix: String = "limn", suffix: String) throws {
        let dir = folder ?? String(NSTemporaryDirectory().dropLast(NSTemporaryDirectory().hasSuffix("/") ? 1 : 0))
        var template = Array("\(dir)/\(prefix)-XXXXXX\(suffix)".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
        if fd < 0 { throw LimnError("cannot create a file in '\(dir)': \(String(cString: strerror(errno)))") }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func write(_ bytes: UnsafeRawPointer, count: Int) throws {
        var done = 0
        while done < count {
            let n = Foundation.write(fd, bytes + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw LimnError("\(path): \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    func close() throws {
        if fd >= 0 {
            let rc = Foundation.close(fd)
            fd = -1
            if rc != 0 { throw LimnError("\(path): \(String(cString: strerror(errno)))") }
        }
    }

    deinit {
        if fd >= 0 { Foundation.close(fd) }
        unlink(path)
    }
}
