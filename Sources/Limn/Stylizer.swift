import Foundation
import LimnEngine
import LimnImage

/// Fast neural style transfer with a preset style network (task "style"),
/// one style or a blend of several (their norms interpolated, one pass).
///
/// The network runs at a working resolution (brush strokes keep their size
/// relative to the picture, whatever its pixel count) and the result is
/// brought back to full size with lanczos. Instance-norm statistics come from
/// one pass over a copy of the whole image at most 1024 pixels on its long
/// side and are shared by every tile, so tiles meet without seams; when the
/// working image is no larger than that, that pass is the result (no tiles). With
/// alpha, the network sees hidden colour replaced by that of the visible
/// surroundings (`WorkingImage.rgbWithHiddenColourFilled`).
package struct Stylizer: Sendable {
    /// The style network with its norms set to the blend of styles it paints.
    package let network: StyleNet
    /// 1 is fully stylized, 0 the original.
    package let strength: Double
    /// Keep the original's colours: the style changes luminance only.
    package let preserveColors: Bool
    /// Long side, in pixels, the network runs at; 0 runs at full size.
    package let workingSize: Int
    package let tile: Int
    /// The default block edge, in working pixels.
    package static let defaultTile = 256

    package static let statisticsSize = 1024

    package init(network: StyleNet, strength: Double, preserveColors: Bool, workingSize: Int, tile: Int) {
        self.network = network
        self.strength = strength
        self.preserveColors = preserveColors
        self.workingSize = workingSize
        self.tile = tile
    }

    /// Width and height with the long side at most `size` (unchanged if smaller, or if `size` is 0).
    static func fittedSize(_ width: Int, _ height: Int, _ size: Int) -> (Int, Int) {
        let long = max(width, height)
        guard size > 0, long > size else { return (width, height) }
        let f = Double(size) / Double(long)
        return (max(1, Int((Double(width) * f).rounded())), max(1, Int((Double(height) * f).rounded())))
    }

    /// `image` resized so its long side is at most `size` (unchanged if smaller).
    package static func fitted(_ image: Image, _ size: Int) throws -> Image {
        let (w, h) = fittedSize(image.width, image.height, size)
        return (w, h) == (image.width, image.height) ? image : try image.resampled(width: w, height: h)
    }

    /// What the network sees: `input` at the working size (alpha-weighted, so
    /// hidden colour does not spread in the resize), hidden colour then filled
    /// from the visible surroundings.
    static func networkInput(_ input: WorkingImage, _ size: Int) throws -> Image {
        let (w, h) = fittedSize(input.width, input.height, size)
        let work = (w, h) == (input.width, input.height) ? input : try input.resampled(width: w, height: h, kernel: .lanczos3)
        return try work.rgbWithHiddenColourFilled()
    }

    /// The statistics pass reads `input.preview` when there is one, so `input` itself streams.
    package func callAsFunction(_ input: WorkingImage) throws -> WorkingImage {
        let original = try input.rgb()
        let work = try Self.networkInput(input, workingSize)
        var look = work
        if let preview = try input.preview?() {
            guard (preview.width, preview.height) == (input.width, input.height) else {
                throw LimnError("the input changed while it was read", kind: .input)
            }
            look = try Self.networkInput(preview, workingSize)
        }
        let small = try Self.fitted(look, Self.statisticsSize)
        let statsInput = Tensor(height: small.height, width: small.width, channels: 3, values: try small.floatPixels())
        // One pass over the picture at most statisticsSize long; its statistics are shared by
        // every tile. When that picture is the working image, the pass is the result itself.
        let (stats, whole) = try network.normStatsAndOutput(statsInput)
        var result = (small.width, small.height) == (work.width, work.height)
            ? try Image.fromFloats(whole.values, width: work.width, height: work.height, bands: 3)
            : try work.tiled(.network(network, stats: stats), block: tile)
        if result.width != input.width || result.height != input.height {
            result = try result.resampled(width: input.width, height: input.height)
        }
        if preserveColors { result = try Self.luminance(of: result, colours: original) }
        if strength < 1 { result = try result.blended(strength, with: original, 1 - strength) }
        // A grey photo painted keeps the painting's colours, unless asked not to.
        return try input.replacingColour(withRGB: result, keepGrey: preserveColors)
    }

    /// BT.601 luma of `styled` with the chroma of `colours`.
    static func luminance(of styled: Image, colours: Image) throws -> Image {
        let y = try styled.luma()
        let cbcr = try colours.recombined([[-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
        return try y.join(cbcr).recombined([[1, 0, 1.402], [1, -0.344136, -0.714136], [1, 1.772, 0]])
    }
}
