import CLimnVips
import Foundation

/// An image as Limn's operations see it: colour as float in [0, 1] (1 band
/// for grey, 3 for colour) and alpha, if any, as float in [0, 1], plus what is
/// needed to turn results back into the input's kind of image.
///
/// Colour stays in the input's own RGB or grey encoding, tagged with its ICC
/// profile, so a wide-gamut (P3, Adobe RGB) photo loses no colour and no
/// precision on the way through; CMYK, Lab and other spaces are converted to
/// sRGB through their profile; linear-light float (scRGB) is encoded with the
/// sRGB curve and decoded again on output.
package struct WorkingImage: @unchecked Sendable {
    package var colour: Image
    package var alpha: Image?
    /// A second read of the same input, when the job could make one: an operation that must
    /// see the whole picture before its output streams (instance-norm statistics) looks at
    /// this, so `colour` can be read once, top to bottom.
    package var preview: (@Sendable () throws -> WorkingImage)?
    let depth: Depth
    let linearLight: Bool
    /// The image this one was made from, as read.
    let source: Image

    /// Sample format of the output.
    enum Depth { case eight, sixteen, float }

    package var width: Int { colour.width }
    package var height: Int { colour.height }
    package var isGrey: Bool { colour.bands == 1 }

    package init(_ image: Image) throws {
        source = image
        var image = image
        if image.ptr.pointee.Coding != VIPS_CODING_NONE {
            // Radiance (.hdr) and LABQ pixels are packed; unpack to float scRGB or Lab first.
            let packed = image
            image = try Image.make("unpacking pixels") { limn_unpack(packed.ptr, $0) }
        }
        let rgbLike: Set<Int32> = [VIPS_INTERPRETATION_B_W.rawValue, VIPS_INTERPRETATION_GREY16.rawValue,
                                   VIPS_INTERPRETATION_sRGB.rawValue, VIPS_INTERPRETATION_RGB16.rawValue,
                                   VIPS_INTERPRETATION_RGB.rawValue, VIPS_INTERPRETATION_scRGB.rawValue,
                                   VIPS_INTERPRETATION_MULTIBAND.rawValue]
        let cmyk = image.interpretation == VIPS_INTERPRETATION_CMYK
        if cmyk {
            // vips' built-in CMYK profile when none is embedded, the usual guess.
            let source = image
            image = try Image.make("converting CMYK") { limn_icc_transform(source.ptr, $0, "srgb", "cmyk", 16) }
        } else if !rgbLike.contains(image.interpretation.rawValue) || image.bands > 4 {
            let source = image
            image = try Image.make("converting to sRGB") { limn_colourspace(source.ptr, $0, VIPS_INTERPRETATION_sRGB) }
        }
        let hasAlpha = vips_image_hasalpha(image.ptr) != 0
        let colourBands = hasAlpha ? image.bands - 1 : image.bands
        guard colourBands == 1 || colourBands == 3 else {
            throw LimnError("unsupported image: \(image.bands) bands")
        }

        let maxValue: Double
        switch image.format {
        case .uchar: (maxValue, depth) = (255, .eight)
        case .ushort: (maxValue, depth) = (65535, cmyk ? .eight : .sixteen)
        case .float: (maxValue, depth) = (1, .float)
        case .other:
            image = try image.cast(VIPS_FORMAT_FLOAT)
            (maxValue, depth) = (255, .eight)
        }
        linearLight = image.interpretation == VIPS_INTERPRETATION_scRGB

        colour = try image.extractBands(0, colourBands).linear(1 / maxValue, 0)
        if linearLight {
            let linear = colour
            colour = try Image.make { limn_srgb_encode(linear.ptr, $0) }
        }
        alpha = hasAlpha ? try image.extractBands(colourBands, 1).linear(1 / maxValue, 0) : nil
    }

    /// Joins colour and alpha back into an image of the input's kind: bit depth
    /// and encoding; the ICC profile and other metadata travel with the pixels.
    /// Operations keep grey images grey (one band).
    package func composed() throws -> Image {
        let grey = colour.bands == 1
        var colour = colour
        if linearLight {
            let encoded = colour
            colour = try Image.make { limn_srgb_decode(encoded.ptr, $0) }
        }
        let (maxValue, format): (Double, VipsBandFormat) = switch depth {
        case .eight: (255, VIPS_FORMAT_UCHAR)
        case .sixteen: (65535, VIPS_FORMAT_USHORT)
        case .float: (1, VIPS_FORMAT_FLOAT)
        }
        let interpretation: VipsInterpretation = switch (grey, depth, linearLight) {
        case (false, .float, true): VIPS_INTERPRETATION_scRGB
        case (true, .sixteen, _): VIPS_INTERPRETATION_GREY16
        case (true, _, _): VIPS_INTERPRETATION_B_W
        case (false, .sixteen, _): VIPS_INTERPRETATION_RGB16
        case (false, _, _): VIPS_INTERPRETATION_sRGB
        }
        var out = try Self.quantised(colour, maxValue: maxValue, format: format)
        if let alpha {
            out = try out.join(Self.quantised(alpha, maxValue: maxValue, format: format))
        }
        return try out.withInterpretation(interpretation)
    }

    private static func quantised(_ image: Image, maxValue: Double, format: VipsBandFormat) throws -> Image {
        if format == VIPS_FORMAT_FLOAT { return image }
        return try image.clamp(0, 1).linear(maxValue, 0.5).cast(format)
    }
}

extension WorkingImage {
    /// The picture as read (not as an operation changed it), its last `lines` rows kept in
    /// memory at their own depth, before conversion to float: two readers of a top-to-bottom
    /// source then share one read as long as they stay within `lines` rows of each other.
    package func cachingRows(_ lines: Int) throws -> WorkingImage {
        var result = try WorkingImage(source.cachingRows(lines))
        result.preview = preview
        return result
    }

    /// Resizes colour and alpha together, with colour premultiplied by alpha so
    /// transparent pixels do not bleed into their neighbours.
    package func resampled(width: Int, height: Int, kernel: ResampleKernel) throws -> WorkingImage {
        var result = self
        guard let alpha else {
            result.colour = try colour.resampled(width: width, height: height, kernel: kernel)
            return result
        }
        let resizedAlpha = try alpha.resampled(width: width, height: height, kernel: kernel).clamp(0, .infinity)
        result.colour = try colour.premultiplied(by: alpha).resampled(width: width, height: height, kernel: kernel)
            .clamp(0, .infinity).unpremultiplied(by: resizedAlpha)
        result.alpha = resizedAlpha
        return result
    }
}

extension Image {
    /// Colour (this image) times `alpha`, both in [0, 1]: what a network sees of a
    /// partly transparent image, so hidden colour cannot spread into visible pixels.
    package func premultiplied(by alpha: Image) throws -> Image {
        let joined = try join(alpha)
        return try Image.make { limn_premultiply(joined.ptr, $0) }.extractBands(0, bands)
    }

    /// Colour (this image) divided by `alpha` where it is not zero; the inverse of `premultiplied(by:)`.
    package func unpremultiplied(by alpha: Image) throws -> Image {
        let joined = try join(alpha)
        return try Image.make { limn_unpremultiply(joined.ptr, $0) }.extractBands(0, bands)
    }
}
