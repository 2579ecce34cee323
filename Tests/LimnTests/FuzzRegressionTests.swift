import Foundation
@_spi(Fuzzing) import Limn
import XCTest

/// Replays the fuzz targets' seeds and every input they ever crashed on
/// (`Fuzz/seeds`, `Fuzz/regressions`, see Fuzz/run.sh) through the same entry points:
/// each must end in a value or an error, never a crash.
final class FuzzRegressionTests: XCTestCase {
    static let fuzz = PresetTests.repo + "/Fuzz"

    func inputs(_ target: String) -> [String] {
        ["seeds", "regressions"].flatMap { folder -> [String] in
            let dir = "\(Self.fuzz)/\(folder)/\(target)"
            return filesIn(dir).map { "\(dir)/\($0)" }
        }
    }

    func testWeightsInputs() throws {
        let files = inputs("weights")
        XCTAssertGreaterThan(files.count, 1)
        for f in files { _ = try? FuzzEntry.loadWeights(try Data(contentsOf: URL(fileURLWithPath: f))) }
    }

    func testImageInputs() throws {
        let files = inputs("image")
        XCTAssertGreaterThan(files.count, 10)
        var refused = [String]()
        for f in files {
            do { try FuzzEntry.readImage(try Data(contentsOf: URL(fileURLWithPath: f)), maxPixels: 1 << 22) } catch {
                refused.append((f as NSString).lastPathComponent)
            }
        }
        // The seeds are valid images: all decode but the two of several pages (refused without --page).
        let seeds = Set(filesIn("\(Self.fuzz)/seeds/image"))
        XCTAssertEqual(Set(refused).intersection(seeds), ["anim.gif", "pages.tif"])
    }
}

private func filesIn(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
}
