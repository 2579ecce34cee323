import Foundation
import LimnEngine
import LimnImage

/// Entry points for the fuzz targets in `Fuzz/` (`@_spi(Fuzzing) import Limn`): the
/// parsers hostile bytes reach, without files or a command line around them. Not API.
@_spi(Fuzzing) public enum FuzzEntry {
    /// Parses `data` as a weights file (safetensors) and builds the network its
    /// metadata names, as the preset loader does after the checksum.
    public static func loadWeights(_ data: Data) throws {
        let net = try Architectures.load(Weights(SafeTensorsFile(data: data, name: "fuzz")), name: "fuzz")
        if let style = net as? StyleNet { _ = try style.blended(style.styleNames.map { _ in 1 }) }
    }

    /// Reads `data` as an image the way `limn` reads its input (header checks, a
    /// `.v` stream through its bounded spool, orientation, pages), converts it to the
    /// working space (colour profile, bit depth, alpha) and back, and decodes every pixel.
    public static func readImage(_ data: Data, maxPixels: Int) throws {
        let image = try ImageReader(maxPixels: maxPixels, sequential: false).read(.data(data, name: "fuzz"))
        _ = try WorkingImage(image).composed().floatPixels()
    }
}
