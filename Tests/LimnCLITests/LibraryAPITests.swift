import Foundation
import Limn
import LimnImage
import Synchronization
import XCTest

/// The library's `Processor`: bytes in and out, files, progress, cancellation, typed errors.
final class LibraryAPITests: ShippedPresetsTestCase {
    func testBytesInAndOutMatchTheCommand() throws {
        let limn = try Processor()
        let input = try Data(contentsOf: URL(fileURLWithPath: sample))
        let png = try limn.process(input, .upscale(.scale(2)))
        let fromCommand = try run("upscale", ["--scale", "2"], "c.png")
        let fromBytes = try Fixture.open(png)
        XCTAssertEqual([fromBytes.width, fromBytes.height], [240, 160])
        XCTAssertEqual(maxDifference(try fromBytes.floatPixels(), try fromCommand.floatPixels()), 0)
        let jpeg = try limn.process(input, .enhance(strength: 0.5), format: "jpg[Q=85]")
        XCTAssertEqual(Array(jpeg.prefix(3)), [0xFF, 0xD8, 0xFF])
        XCTAssertEqual(try limn.styles().count, 12)
    }

    /// Enhance's kernel estimate, before the output streams, reports as the run's first part.
    func testProgressReachesOneInOrder() throws {
        for operation in [ImageOperation.stylize([StyleWeight("udnie")]), .enhance()] {
            let seen = Mutex<[Double]>([])
            let control = RunControl { fraction in seen.withLock { $0.append(fraction) } }
            try Processor().process(file: sample, to: dir + "/s.png", operation, control: control)
            let fractions = seen.withLock { $0 }
            XCTAssertEqual(fractions.last, 1, "\(operation)")
            XCTAssertEqual(fractions, fractions.sorted(), "\(operation)")
            if case .enhance = operation { XCTAssertGreaterThan(fractions.count, 10) }
            XCTAssertEqual(try Fixture.open(dir + "/s.png").width, 120)
        }
    }

    /// Cancelled from the progress callback (as another thread would): a `.cancelled`
    /// error, no output, no temporary file left.
    func testCancellationLeavesNothing() throws {
        let big = dir + "/big.png"
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 600, height: 400)), big)
        let target = Mutex<RunControl?>(nil)
        let cancelling = RunControl { _ in target.withLock { $0?.cancel() } }
        target.withLock { $0 = cancelling }
        XCTAssertThrowsError(try Processor().process(file: big, to: dir + "/out.png", .upscale(.scale(4)), control: cancelling)) {
            XCTAssertEqual(($0 as? LimnError)?.kind, .cancelled, "\($0)")
        }
        XCTAssertEqual(filesIn(dir), ["big.png"])
        let control = RunControl()
        control.cancel()
        XCTAssertThrowsError(try Processor().process(Data(), .enhance(), control: control)) {
            XCTAssertEqual(($0 as? LimnError)?.kind, .cancelled, "\($0)")
        }
    }

    func testErrorsSayWhatFailed() throws {
        let limn = try Processor()
        let input = try Data(contentsOf: URL(fileURLWithPath: sample))
        func kind(_ body: () throws -> Any) -> LimnError.Kind? {
            do { _ = try body(); return nil } catch { return (error as? LimnError)?.kind }
        }
        XCTAssertEqual(kind { try limn.process(Data(), .upscale(.scale(2))) }, .input)
        XCTAssertEqual(kind { try limn.process(Data("not an image".utf8), .upscale(.scale(2))) }, .input)
        XCTAssertEqual(kind { try limn.process(input.prefix(input.count / 2), .upscale(.scale(2))) }, .processing)
        var small = limn
        small.maxPixels = 100
        XCTAssertEqual(kind { try small.process(input, .upscale(.scale(2))) }, .tooLarge)
        XCTAssertEqual(kind { try limn.process(input, .upscale(.scale(9))) }, .parameter)
        XCTAssertEqual(kind { try limn.process(input, .upscale(.scale(2), model: .lanczos, tile: 64)) }, .parameter)
        XCTAssertEqual(kind { try limn.process(input, .stylize([StyleWeight("cubism")])) }, .parameter)
        XCTAssertEqual(kind { try limn.process(input, .stylize([StyleWeight("udnie", 0), StyleWeight("shipwreck", 0)])) }, .parameter)
        XCTAssertEqual(kind { try limn.process(input, .stylize([StyleWeight("udnie", .nan)])) }, .parameter)
        XCTAssertEqual(kind { try limn.process(input, .enhance(strength: 2)) }, .parameter)
        XCTAssertEqual(kind { try limn.process(input, .enhance(), format: "bmpx") }, .parameter)
        XCTAssertEqual(kind { try limn.process(file: sample, to: dir + "/none/o.png", .enhance()) }, .output)
        XCTAssertEqual(kind { try Processor(presets: dir + "/none") }, .presets)
        XCTAssertEqual(filesIn(dir), [])
    }
}
