import CLimnVips
import Foundation
@testable import LimnImage
import XCTest

/// What the output keeps from the input: depth, bands, alpha, profile, metadata.
final class ImageHandlingTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        try Vips.start()
        dir = makeTempDir()
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Upscales `image` saved as `name` by 2 and returns the output, opened.
    func upscaled(_ image: Image, _ name: String, out: String = "out.png", args: [String] = []) throws -> Image {
        try Fixture.save(image, "\(dir)/\(name)")
        let r = try limn(["upscale", "--scale", "2"] + args + ["\(dir)/\(name)", "\(dir)/\(out)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        return try Fixture.open("\(dir)/\(out)")
    }

    /// Mean of each band over the image.
    func means(_ img: Image) throws -> [Double] {
        let p = try img.floatPixels()
        return (0..<img.bands).map { b in stride(from: b, to: p.count, by: img.bands).reduce(0.0) { $0 + Double(p[$1]) } / Double(p.count / img.bands) }
    }

    func testSixteenBitStaysSixteenBit() throws {
        let src = try Fixture.sixteenBit(Fixture.pattern(width: 32, height: 24))
        let out = try upscaled(src, "in16.png")
        XCTAssertEqual(out.format, .ushort)
        XCTAssertEqual(out.interpretationName, "rgb16")
        // Values use the 16-bit range, not 8-bit ones shifted up.
        let p = try out.floatPixels()
        XCTAssertTrue(p.contains { Int($0) % 256 != 0 && Int($0) % 257 != 0 })
        for (a, b) in zip(try means(out), try means(src)) { XCTAssertEqual(a, b, accuracy: 65535 * 0.01) }
        // 16-bit into JPEG (8-bit only) is scaled down, not clipped.
        let jpg = try upscaled(src, "in16b.png", out: "out.jpg")
        XCTAssertEqual(jpg.format, .uchar)
        for (a, b) in zip(try means(jpg), try means(src)) { XCTAssertEqual(a, b / 257, accuracy: 3) }
    }

    func testGreyStaysGrey() throws {
        let grey = try Fixture.eightBit(Fixture.pattern(width: 30, height: 20, bands: 1), grey: true)
        let out = try upscaled(grey, "grey.png")
        XCTAssertEqual(out.bands, 1)
        XCTAssertEqual(out.interpretationName, "b-w")
        let grey16 = try Fixture.sixteenBit(Fixture.pattern(width: 30, height: 20, bands: 1), grey: true)
        let out16 = try upscaled(grey16, "grey16.png")
        XCTAssertEqual(out16.bands, 1)
        XCTAssertEqual(out16.format, .ushort)
    }

    func testAlphaKeptAndTransparentColourDoesNotBleed() throws {
        let img = try Fixture.greyBesideTransparent(size: 16)
        // lanczos resamples premultiplied colour exactly; the network (photo, the default) enlarges
        // premultiplied colour too, and answers a hard edge to black with a few levels of its own
        // colour (measured: up to 5), far from the 100+ levels of red that would bleed in otherwise.
        for (model, minAlpha, accuracy): (String, Float, Float) in [("lanczos", 8, 2), ("photo", 64, 8)] {
            let out = try upscaled(img, "alpha.png", out: "\(model).png", args: ["--model", model])
            XCTAssertEqual([out.width, out.height], [32, 32])
            try Fixture.assertNoRedBleeds(out, minAlpha: minAlpha, accuracy: accuracy, model)
        }
    }

    func testExifAndXmpKeptWithNewDimensions() throws {
        let xmp = Array("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\" dc:creator=\"Limn test\"/></rdf:RDF></x:xmpmeta>".utf8)
        let img = try Fixture.eightBit(Fixture.pattern(width: 40, height: 30))
            .setting("exif-ifd0-Make", string: "LimnTestCam")
            .setting("exif-ifd0-Artist", string: "A. Tester")
            .setting("xmp-data", blob: xmp)
        let out = try upscaled(img, "exif.jpg", out: "out.jpg")
        XCTAssertEqual(out.blob("xmp-data").map { String(decoding: $0, as: UTF8.self).contains("Limn test") }, true)
        XCTAssertNotNil(out.blob("exif-data"))
        XCTAssertTrue(out.string("exif-ifd0-Make")?.hasPrefix("LimnTestCam") ?? false, out.string("exif-ifd0-Make") ?? "none")
        XCTAssertTrue(out.string("exif-ifd0-Artist")?.hasPrefix("A. Tester") ?? false)
        XCTAssertTrue(out.string("exif-ifd2-PixelXDimension")?.hasPrefix("80") ?? false,
                      out.string("exif-ifd2-PixelXDimension") ?? "none")
        XCTAssertTrue(out.string("exif-ifd2-PixelYDimension")?.hasPrefix("60") ?? false)
        // PNG carries EXIF too.
        let png = try upscaled(img, "exif2.jpg", out: "out.png")
        XCTAssertTrue(png.string("exif-ifd0-Make")?.hasPrefix("LimnTestCam") ?? false)
    }

    func testOrientationAppliedAndReset() throws {
        // Stored 40 wide and 20 tall, left half dark; orientation 6 means "rotate 90° clockwise to view".
        var p = [Float]()
        for _ in 0..<20 { for x in 0..<40 { p += x < 20 ? [0.1, 0.1, 0.1] : [0.9, 0.9, 0.9] } }
        let img = try Image.fromFloats(p, width: 40, height: 20, bands: 3).linear(255, 0.5).cast(VIPS_FORMAT_UCHAR)
            .withInterpretation(VIPS_INTERPRETATION_sRGB).setting("orientation", int: 6)
        let out = try upscaled(img, "rot.jpg", out: "out.jpg")
        XCTAssertEqual([out.width, out.height], [40, 80])
        XCTAssertEqual(out.int("orientation") ?? 1, 1)
        // After rotating clockwise the dark half is on top.
        let q = try out.floatPixels()
        XCTAssertLessThan(q[(5 * 40 + 20) * 3], 60)
        XCTAssertGreaterThan(q[(75 * 40 + 20) * 3], 200)
    }

    func testWideGamutProfileKeptAndHonoured() throws {
        let src = try Fixture.pattern(width: 32, height: 32)
        let p3 = try Fixture.withProfile(src, "p3")
        let profile = try XCTUnwrap(p3.blob("icc-profile-data"))
        let out = try upscaled(p3, "p3.png")
        XCTAssertEqual(out.blob("icc-profile-data"), profile)
        // Pixels stay in the profile's own encoding, so nothing is clipped to
        // sRGB: channel means match the input's.
        for (a, b) in zip(try means(out), try means(p3)) { XCTAssertEqual(a, b, accuracy: 0.5) }
        // Also 16-bit in, 16-bit out.
        let out16 = try upscaled(try Fixture.withProfile(src, "p3").cast(VIPS_FORMAT_USHORT).linear(257, 0)
            .cast(VIPS_FORMAT_USHORT).withInterpretation(VIPS_INTERPRETATION_RGB16), "p3-16.png", out: "o16.png")
        XCTAssertEqual(out16.format, .ushort)
        XCTAssertEqual(out16.blob("icc-profile-data"), profile)
    }

    func testCMYKBecomesSRGB() throws {
        let src = try Fixture.pattern(width: 32, height: 32)
        let cmyk = try Fixture.withProfile(src, "cmyk")
        XCTAssertEqual(cmyk.bands, 4)
        let out = try upscaled(cmyk, "cmyk.jpg", out: "out.png")
        XCTAssertEqual(out.bands, 3)
        XCTAssertEqual(out.interpretationName, "srgb")
        // Tagged sRGB (vips' built-in profile) or untagged, never with the CMYK profile.
        if let icc = out.blob("icc-profile-data") { XCTAssertEqual(String(decoding: icc[16..<20], as: UTF8.self), "RGB ") }
        // Colours survive the trip through CMYK roughly (CMYK gamut is smaller).
        for (a, b) in zip(try means(out), try means(try Fixture.eightBit(src))) { XCTAssertEqual(a, b, accuracy: 20) }
    }

    func testLinearFloatStaysLinearFloat() throws {
        let src = try Fixture.pattern(width: 20, height: 20).withInterpretation(VIPS_INTERPRETATION_scRGB)
        let out = try upscaled(src, "f.tif", out: "out.tif")
        XCTAssertEqual(out.format, .float)
        XCTAssertEqual(out.interpretationName, "scrgb")
        for (a, b) in zip(try means(out), try means(src)) { XCTAssertEqual(a, b, accuracy: 0.01) }
    }
}
