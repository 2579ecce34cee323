import Foundation
import Synchronization
import XCTest

/// `limn serve` from outside, as a client sees it: the built binary on a free loopback
/// port, its own $TMPDIR, requests over plain sockets.
final class ServerTests: XCTestCase, @unchecked Sendable {
    nonisolated(unsafe) static var server: Process!
    nonisolated(unsafe) static var port: UInt16 = 0
    nonisolated(unsafe) static var temp = ""
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let sample = repo + "/Samples/chelsea.jpg"

    static let binary: String = {
        let dir = Bundle.main.bundleURL
        for candidate in [dir.appendingPathComponent("limn"), dir.deletingLastPathComponent().appendingPathComponent("limn")] {
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        }
        fatalError("limn binary not found near \(dir.path); run `swift build` first")
    }()

    override class func setUp() {
        temp = NSTemporaryDirectory() + "limn-serve-test-\(getpid())"
        try? FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["serve", "--port", "0", "--jobs", "1", "--queue", "1", "--max-upload", "1M", "--max-pixels", "4M"]
        p.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temp]) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try! p.run()
        server = p
        // "limn serve: listening on http://127.0.0.1:PORT"
        var text = ""
        while !text.contains("\n") {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            text += String(decoding: d, as: UTF8.self)
        }
        port = UInt16(text.split(separator: ":").last!.trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    override class func tearDown() {
        server.terminate()
        server.waitUntilExit()
        // The private folder goes with the server.
        XCTAssertEqual(try? FileManager.default.contentsOfDirectory(atPath: temp), [])
        try? FileManager.default.removeItem(atPath: temp)
    }

    /// The files in the server's private folder (uploads and results).
    func privateFiles() throws -> [String] {
        let dirs = try FileManager.default.contentsOfDirectory(atPath: Self.temp)
        return try dirs.flatMap { try FileManager.default.contentsOfDirectory(atPath: Self.temp + "/" + $0) }
    }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    /// A connected socket to the server.
    func connectSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = Self.port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    func send(_ fd: Int32, _ data: Data) {
        data.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = Glibc.send(fd, b.baseAddress! + done, b.count - done, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                done += n
            }
        }
    }

    /// One HTTP/1.1 request; the whole reply (chunked bodies decoded).
    func request(_ method: String, _ path: String, body: Data? = nil) throws -> Reply {
        let fd = try connectSocket()
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let body { head += "Content-Length: \(body.count)\r\n" }
        send(fd, Data((head + "\r\n").utf8) + (body ?? Data()))
        var raw = Data()
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            raw.append(contentsOf: buf[0..<n])
        }
        let split = try XCTUnwrap(raw.range(of: Data("\r\n\r\n".utf8)))
        let lines = String(decoding: raw[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1])!
        var headers: [String: String] = [:]
        for l in lines.dropFirst() {
            if let c = l.firstIndex(of: ":") { headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces) }
        }
        var body = Data(raw[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" {
            var out = Data(), rest = body
            while let r = rest.range(of: Data("\r\n".utf8)), let size = Int(String(decoding: rest[..<r.lowerBound], as: UTF8.self), radix: 16), size > 0 {
                out.append(rest[r.upperBound..<r.upperBound + size])
                rest = Data(rest[(r.upperBound + size + 2)...])
            }
            body = out
        }
        return Reply(status: status, headers: headers, body: body)
    }

    func post(_ path: String, _ file: String = sample) throws -> Reply {
        try request("POST", path, body: try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    /// Width and height of an encoded image, as vipsheader reads them.
    func size(_ data: Data) throws -> [Int] {
        let path = NSTemporaryDirectory() + "limn-serve-size-\(UUID().uuidString)"
        try data.write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        return try ["width", "height"].map { field in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/vipsheader")
            p.arguments = ["-f", field, path]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
    }

    func testHealthPresetsAndPage() throws {
        XCTAssertEqual(try request("GET", "/healthz").status, 200)
        let presets = try request("GET", "/v1/presets")
        XCTAssertEqual(presets.status, 200)
        let styles = try XCTUnwrap(presets.json["styles"] as? [[String: String]])
        XCTAssertEqual(styles.count, 12)
        XCTAssertTrue(styles.allSatisfy { !($0["description"] ?? "").isEmpty })
        XCTAssertEqual((presets.json["upscalers"] as? [[String: String]])?.map { $0["model"] ?? "" }, ["photo", "fidelity", "lanczos"])
        let thumb = try request("GET", try XCTUnwrap(styles.first?["thumbnail"]))
        XCTAssertEqual(thumb.headers["content-type"], "image/jpeg")
        XCTAssertEqual(try size(thumb.body), [128, 85])
        XCTAssertEqual(try request("GET", "/v1/styles/nosuch/thumbnail").status, 404)
        let page = try request("GET", "/")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("type=\"file\""))
        XCTAssertFalse(page.text.contains("http://") || page.text.contains("https://"), "the page loads nothing from elsewhere")
    }

    /// The synchronous endpoints give what the CLI gives.
    func testRoundTripsMatchTheCommand() throws {
        let up = try post("/v1/upscale?scale=2&model=lanczos")
        XCTAssertEqual(up.status, 200, up.text)
        XCTAssertEqual(up.headers["content-type"], "image/png")
        let cli = NSTemporaryDirectory() + "limn-serve-cli-\(getpid()).png"
        defer { unlink(cli) }
        let p = try Process.run(URL(fileURLWithPath: Self.binary), arguments: ["upscale", "--scale", "2", "--model", "lanczos", Self.sample, cli])
        p.waitUntilExit()
        XCTAssertEqual(up.body, try Data(contentsOf: URL(fileURLWithPath: cli)))
        XCTAssertEqual(try size(try post("/v1/upscale?width=902&model=lanczos").body), [902, 600])
        let styled = try post("/v1/stylize?style=udnie=0.6,the-scream=0.4&format=jpg&q=80&preserve_colors=true")
        XCTAssertEqual(styled.status, 200, styled.text)
        XCTAssertEqual(Array(styled.body.prefix(3)), [0xFF, 0xD8, 0xFF])
        XCTAssertEqual(try size(styled.body), [451, 300])
        let enhanced = try post("/v1/enhance?strength=0.5&format=webp")
        XCTAssertEqual(enhanced.status, 200, enhanced.text)
        XCTAssertEqual(String(decoding: enhanced.body[8..<12], as: UTF8.self), "WEBP")
    }

    /// Bad input gets its status and one JSON line, never a 500.
    func testErrorsAreJSONWithTheirStatus() throws {
        let dir = NSTemporaryDirectory() + "limn-serve-bad-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func file(_ name: String, _ data: Data) throws -> String {
            try data.write(to: URL(fileURLWithPath: dir + "/" + name))
            return dir + "/" + name
        }
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: Self.sample))
        let cases: [(String, String, Int)] = [
            ("/v1/upscale?scale=banana", Self.sample, 400),
            ("/v1/upscale?scale=9", Self.sample, 400),
            ("/v1/upscale?model=huge", Self.sample, 400),
            ("/v1/upscale?scale=2&scale=3", Self.sample, 400),
            ("/v1/upscale?colour=red", Self.sample, 400),
            ("/v1/upscale?format=bmp", Self.sample, 400),
            ("/v1/upscale?format=jpg&q=500", Self.sample, 400),
            ("/v1/stylize", Self.sample, 400),
            ("/v1/stylize?style=cubism", Self.sample, 400),
            ("/v1/stylize?style=udnie=", Self.sample, 400),
            ("/v1/enhance?strength=2", Self.sample, 400),
            ("/v1/jobs?op=paint", Self.sample, 400),
            ("/v1/upscale", try file("junk.jpg", Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })), 415),
            ("/v1/upscale", try file("empty.jpg", Data()), 415),
            ("/v1/upscale", try file("text.png", Data("hello".utf8)), 415),
            ("/v1/upscale", try file("big.jpg", Data(count: 1_100_000)), 413),
            ("/v1/upscale?scale=2", try file("bomb.png", pngHeader(width: 100_000, height: 100_000)), 422),
            ("/v1/upscale?scale=2", try file("cut.jpg", jpeg.prefix(jpeg.count / 3)), 422),
        ]
        for (path, input, status) in cases {
            let r = try post(path, input)
            XCTAssertEqual(r.status, status, "\(path) \(input): \(r.text)")
            XCTAssertEqual(r.headers["content-type"], "application/json", path)
            XCTAssertFalse((r.json["error"] as? String ?? "").isEmpty, "\(path): \(r.text)")
        }
        XCTAssertEqual(try request("GET", "/v1/jobs/nosuch/result").status, 404)
        XCTAssertEqual(try request("DELETE", "/v1/jobs/nosuch").status, 404)
        XCTAssertEqual(try request("GET", "/nothing").status, 404)
        XCTAssertEqual(try privateFiles(), [])
    }

    /// A job: 202 with its id, progress events then `done`, the result, then deleted.
    func testJobProgressResultAndDelete() throws {
        let r = try post("/v1/jobs?op=upscale&scale=2&model=photo")
        XCTAssertEqual(r.status, 202, r.text)
        let id = try XCTUnwrap(r.json["id"] as? String)
        let events = try request("GET", "/v1/jobs/\(id)/events").text
        XCTAssertTrue(events.contains("event: progress"), events)
        XCTAssertTrue(events.hasSuffix("event: done\ndata: {\"result\":\"/v1/jobs/\(id)/result\"}\n\n"), events)
        let result = try request("GET", "/v1/jobs/\(id)/result")
        XCTAssertEqual(result.status, 200)
        XCTAssertEqual(try size(result.body), [902, 600])
        XCTAssertEqual(try request("GET", "/v1/jobs/\(id)").json["state"] as? String, "done")
        XCTAssertEqual(try request("DELETE", "/v1/jobs/\(id)").status, 204)
        XCTAssertEqual(try request("GET", "/v1/jobs/\(id)/result").status, 404)
        // Cancelled while it runs: no result, nothing left.
        let big = try post("/v1/jobs?op=upscale&scale=4")
        let bigId = try XCTUnwrap(big.json["id"] as? String)
        XCTAssertEqual(try request("DELETE", "/v1/jobs/\(bigId)").status, 204)
        try waitForNoFiles()
    }

    /// Eight at once with one slot and one place in line: each gets 200 or 503 (with
    /// Retry-After), none anything else.
    func testConcurrentRequestsGet200Or503() throws {
        let replies = Mutex<[Reply]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if let r = try? post("/v1/upscale?scale=2&model=photo") { replies.withLock { $0.append(r) } }
        }
        let all = replies.withLock { $0 }
        XCTAssertEqual(all.count, 8)
        XCTAssertEqual(Set(all.map(\.status)).subtracting([200, 503]), [])
        XCTAssertTrue(all.contains { $0.status == 200 })
        XCTAssertTrue(all.filter { $0.status == 503 }.allSatisfy { $0.headers["retry-after"] != nil })
        XCTAssertEqual(try privateFiles(), [])
    }

    /// A client that goes away mid-upload leaves no file behind.
    func testDisconnectMidUploadLeavesNothing() throws {
        let fd = try connectSocket()
        send(fd, Data("POST /v1/upscale?scale=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 900000\r\n\r\n".utf8))
        send(fd, try Data(contentsOf: URL(fileURLWithPath: Self.sample)))
        usleep(300_000)
        close(fd)
        try waitForNoFiles()
        XCTAssertEqual(try request("GET", "/healthz").status, 200)
    }

    /// Waits up to 60 s for the server's private folder to empty.
    func waitForNoFiles(file: StaticString = #filePath, line: UInt = #line) throws {
        for _ in 0..<600 {
            if try privateFiles().isEmpty { return }
            usleep(100_000)
        }
        XCTFail("files left: \(try privateFiles())", file: file, line: line)
    }

    /// A PNG that declares `width` x `height` (and has no pixel data to speak of).
    func pngHeader(width: UInt32, height: UInt32) -> Data {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        func crc(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            }
            return ~c
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be(UInt32(data.count)) + body + be(crc(body))
        }
        let ihdr = be(width) + be(height) + [8, 2, 0, 0, 0]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IEND", []))
    }
}
