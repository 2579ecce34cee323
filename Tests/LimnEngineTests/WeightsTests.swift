import Foundation
@testable import LimnEngine
import XCTest

/// The loader refuses every damaged or mismatched file with one clear error.
final class WeightsTests: XCTestCase {
    var dir = ""
    override func setUp() {
        dir = NSTemporaryDirectory() + "limn-weights-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    var good: Data { FileManager.default.contents(atPath: fixture("compact_sr.safetensors"))! }

    func expectError(_ data: Data, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = dir + "/w.safetensors"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: data))
        XCTAssertThrowsError(try Architectures.load(path: path), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "expected '\(text)' in: \(error)", file: file, line: line)
        }
    }

    /// Rewrites the JSON header with `edit` applied.
    func editedHeader(of base: Data? = nil, _ edit: (inout [String: Any]) -> Void) -> Data {
        let d = base ?? good
        let n = Int(d.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var json = try! JSONSerialization.jsonObject(with: d.subdata(in: 8..<8 + n)) as! [String: Any]
        edit(&json)
        let header = try! JSONSerialization.data(withJSONObject: json)
        var out = Data((0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) })
        out.append(header)
        out.append(d.subdata(in: 8 + n..<d.count))
        return out
    }

    /// The file with one metadata entry changed.
    func editedMetadata(_ key: String, _ value: String, of base: Data? = nil) -> Data {
        editedHeader(of: base) { j in
            var m = j["__metadata__"] as! [String: String]
            m[key] = value
            j["__metadata__"] = m
        }
    }

    func testDamagedFiles() {
        expectError(Data(), "shorter than")
        expectError(good.prefix(good.count - 100), "outside the file")
        expectError(good.prefix(200), "does not fit")
        var corrupt = good
        corrupt[10] = 0xFF
        expectError(corrupt, "not a JSON object")
        expectError(Data("hello world, this is not a model".utf8), "does not fit")
    }

    func testMismatchedTensors() {
        expectError(editedHeader { j in
            var t = j["head.weight"] as! [String: Any]
            t["shape"] = [16, 3, 3, 1]
            j["head.weight"] = t
        }, "tensor 'head.weight' has 1728 bytes for shape [16, 3, 3, 1] of F32")
        expectError(editedMetadata("scale", "2"), "tensor 'tail.weight' has shape [27, 16, 3, 3], expected [12, 16, 3, 3]")
        expectError(editedHeader { j in j["extra.weight"] = j["head.bias"] }, "overlap")
        expectError(editedHeader { j in j.removeValue(forKey: "tail.bias") }, "tensor 'tail.bias' missing")
        expectError(editedMetadata("blocks", "1"), "unexpected tensor 'blocks.1")
        expectError(editedMetadata("arch", "vgg19"), "unknown architecture 'vgg19'")
        expectError(editedMetadata("channels", "many"), "metadata 'channels' is 'many'")
        expectError(editedHeader { j in
            var t = j["head.bias"] as! [String: Any]
            t["dtype"] = "I64"
            j["head.bias"] = t
        }, "unsupported dtype I64")
    }

    /// A style network's names must match its rows: as many, distinct, plain.
    func testStyleNamesAreChecked() {
        let style = FileManager.default.contents(atPath: fixture("style_net.safetensors"))!
        let message = "metadata 'style_names' must name 3 distinct styles"
        for names in ["first,second", "first,second,third,fourth", "first,first,third", "first,,third",
                      "first,second,../third", "First,second,third"] {
            expectError(editedMetadata("style_names", names, of: style), message)
        }
        expectError(editedHeader(of: style) { j in
            var m = j["__metadata__"] as! [String: String]
            m.removeValue(forKey: "style_names")
            j["__metadata__"] = m
        }, "metadata 'style_names' missing")
        expectError(editedHeader(of: style) { j in
            var m = j["__metadata__"] as! [String: String]
            m["styles"] = "4"
            m["style_names"] = "first,second,third,fourth"
            j["__metadata__"] = m
        }, "tensor 'norm1.weight' has shape [3, 8], expected [4, 8]")
    }

    /// Crafted files: a shape whose element count overflows, NaN and infinite weights.
    func testCraftedTensorsAreRefused() {
        expectError(editedHeader { j in
            var t = j["head.weight"] as! [String: Any]
            t["shape"] = [2147483647, 2147483647, 2147483647, 4]
            j["head.weight"] = t
        }, "shape too large")
        let n = Int(good.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let json = try! JSONSerialization.jsonObject(with: good.subdata(in: 8..<8 + n)) as! [String: Any]
        let start = 8 + n + ((json["head.bias"] as! [String: Any])["data_offsets"] as! [Int])[0]
        for bits: UInt32 in [Float.nan.bitPattern, Float.infinity.bitPattern] {
            var bad = good
            for i in 0..<4 { bad[start + i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt32(i))) }
            expectError(bad, "tensor 'head.bias' holds NaN or infinite values")
        }
    }

    /// A preset of the wrong kind (an upscaler listed as an enhance preset) is refused at load.
    func testWrongTaskIsRefused() throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/sr.safetensors", contents: good))
        let entry: [String: String] = ["name": "sharpest", "task": "enhance", "file": "sr.safetensors",
                                       "sha256": SHA256.hex(good), "description": "an upscaler in disguise"]
        try JSONSerialization.data(withJSONObject: [entry]).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
        XCTAssertThrowsError(try PresetManifest(folder: dir).load("sharpest", task: "enhance")) {
            XCTAssertTrue("\($0)".contains("holds a network for upscale (compact_sr), not for enhance"), "\($0)")
        }
    }

    func testHalfAndSingleWeightsLoad() throws {
        let half = try SafeTensorsFile(path: fixture("style_net.safetensors"))
        XCTAssertEqual(half.entries["conv1.weight"]?.dtype, "F16")
        XCTAssertEqual(half.metadata["arch"], "style_net")
        XCTAssertNotNil(half.metadata["licence"])
        XCTAssertNotNil(half.metadata["training"])
        let single = try SafeTensorsFile(path: fixture("compact_sr.safetensors"))
        XCTAssertEqual(single.entries["head.weight"]?.dtype, "F32")
    }

    func testManifestChecksHash() throws {
        let data = good
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/sr.safetensors", contents: data))
        let entry: [String: String] = ["name": "tiny", "task": "upscale", "file": "sr.safetensors",
                                       "sha256": SHA256.hex(data), "description": "test"]
        try JSONSerialization.data(withJSONObject: [entry]).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
        let manifest = try PresetManifest(folder: dir)
        XCTAssertEqual(type(of: try manifest.load("tiny", task: "upscale")).architecture, "compact_sr")
        XCTAssertThrowsError(try manifest.load("huge", task: "upscale")) { XCTAssertTrue("\($0)".contains("known: tiny")) }
        var damaged = data
        damaged[data.count - 1] ^= 1
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/sr.safetensors", contents: damaged))
        XCTAssertThrowsError(try manifest.load("tiny", task: "upscale")) { XCTAssertTrue("\($0)".contains("checksum mismatch")) }
    }

    func testSHA256KnownAnswers() {
        XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Data(repeating: 0x61, count: 1000)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testShippedManifestIsValid() throws {
        let presets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Presets").path
        let manifest = try PresetManifest(folder: presets)
        for e in manifest.entries { XCTAssertNoThrow(try manifest.load(e.name, task: e.task), e.name) }
    }
}
