import CLimnEngine

/// Border handling for explicit padding.
package enum PaddingMode: String, Sendable {
    case zero, reflect, replicate

    var c: LimnPadMode {
        switch self {
        case .zero: LIMN_PAD2D_ZERO
        case .reflect: LIMN_PAD2D_REFLECT
        case .replicate: LIMN_PAD2D_REPLICATE
        }
    }
}

package enum UpsampleMode: Sendable { case nearest, bilinear }

extension Tensor {
    package func padded(_ n: Int, _ mode: PaddingMode) -> Tensor {
        padded(top: n, bottom: n, left: n, right: n, mode)
    }

    package func padded(top: Int, bottom: Int, left: Int, right: Int, _ mode: PaddingMode) -> Tensor {
        let out = Tensor(uninitializedHeight: height + top + bottom, width: width + left + right, channels: channels)
        limn_pad(data, Int32(height), Int32(width), Int32(channels), Int32(top), Int32(bottom), Int32(left),
                 Int32(right), mode.c, out.data)
        return out
    }

    /// The part of the tensor from (top, left), `height` x `width`.
    package func cropped(top: Int, left: Int, height h: Int, width w: Int) -> Tensor {
        precondition(top >= 0 && left >= 0 && top + h <= height && left + w <= width, "crop outside the tensor")
        let out = Tensor(uninitializedHeight: h, width: w, channels: channels)
        for y in 0..<h {
            (out.data + y * w * channels).update(from: data + ((top + y) * width + left) * channels, count: w * channels)
        }
        return out
    }

    /// Depth to space, PyTorch's `pixel_shuffle`.
    package func pixelShuffled(_ r: Int) -> Tensor {
        precondition(channels % (r * r) == 0, "pixel shuffle needs channels divisible by \(r * r)")
        let out = Tensor(uninitializedHeight: height * r, width: width * r, channels: channels / (r * r))
        limn_pixel_shuffle(data, Int32(height), Int32(width), Int32(channels / (r * r)), Int32(r), out.data, 0)
        return out
    }

    /// `pixelShuffled(r)` added to `base`'s rows from `row` on, in `base`'s storage (no tensor
    /// of the result's size is made); returns `base`.
    @discardableResult
    package func pixelShuffled(_ r: Int, adding base: Tensor, atRow row: Int = 0) -> Tensor {
        precondition(channels % (r * r) == 0 && row >= 0 && row + height * r <= base.height && base.width == width * r
                     && base.channels == channels / (r * r), "pixel shuffle: the tensor added must match the result")
        limn_pixel_shuffle(data, Int32(height), Int32(width), Int32(channels / (r * r)), Int32(r),
                           base.data + row * base.width * base.channels, 1)
        return base
    }

    package func upsampled(_ s: Int, _ mode: UpsampleMode) -> Tensor {
        let out = Tensor(uninitializedHeight: height * s, width: width * s, channels: channels)
        switch mode {
        case .nearest: limn_upsample_nearest(data, Int32(height), Int32(width), Int32(channels), Int32(s), out.data)
        case .bilinear: limn_upsample_bilinear(data, Int32(height), Int32(width), Int32(channels), Int32(s), out.data)
        }
        return out
    }

    /// Rows [first, first + count) of `upsampled(s, mode).padded(pad, padding)`,
    /// without making the whole upsampled, padded tensor.
    package func upsampledPaddedRows(_ s: Int, _ mode: UpsampleMode, pad: Int, _ padding: PaddingMode,
                                     first: Int, count: Int) -> Tensor {
        let out = Tensor(uninitializedHeight: count, width: width * s + 2 * pad, channels: channels)
        limn_upsampled_padded_rows(data, Int32(height), Int32(width), Int32(channels), Int32(s), mode == .bilinear ? 1 : 0,
                                   Int32(pad), padding.c, Int32(first), Int32(count), out.data)
        return out
    }

    private func sameShape(_ o: Tensor) {
        precondition(o.height == height && o.width == width && o.channels == channels, "shapes differ")
    }

    /// Element by element, in the operands' layout when they share one.
    private static func elementwise(_ a: Tensor, _ b: Tensor,
                                    _ f: (UnsafePointer<Float>, UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        a.sameShape(b)
        if a.blocked != b.blocked {
            a.ensureNHWC()
            b.ensureNHWC()
        }
        let out = a.like()
        f(a.storage, b.storage, a.count, out.storage)
        out.blocked = a.blocked
        return out
    }

    package static func + (a: Tensor, b: Tensor) -> Tensor { elementwise(a, b) { limn_add($0, $1, $2, $3) } }

    package static func * (a: Tensor, b: Tensor) -> Tensor { elementwise(a, b) { limn_mul($0, $1, $2, $3) } }

    /// The first half of the channels times the second half (NAFNet's simple
    /// gate), in one pass; a blocked tensor stays blocked.
    package func simpleGate() -> Tensor {
        precondition(channels % 2 == 0, "the gate needs an even number of channels")
        let c = channels / 2
        let out = Tensor(uninitializedHeight: height, width: width, channels: c)
        if blocked && c % 16 == 0 {
            // nChw16c keeps each 16-channel block contiguous: the halves are the two halves of storage.
            limn_mul(storage, storage + count / 2, count / 2, out.storage)
            out.blocked = true
        } else {
            limn_gate(data, pixels, Int32(c), out.storage)
        }
        return out
    }

    /// Channels [first, first + n).
    package func channels(_ first: Int, _ n: Int) -> Tensor {
        precondition(first >= 0 && n > 0 && first + n <= channels, "channel slice outside the tensor")
        let out = like(channels: n)
        limn_slice_channels(data, pixels, Int32(channels), Int32(first), Int32(n), out.data)
        return out
    }

    /// Tensors joined along channels.
    package static func concatenated(_ parts: [Tensor]) -> Tensor {
        let total = parts.reduce(0) { $0 + $1.channels }
        let out = parts[0].like(channels: total)
        var first = 0
        for p in parts {
            precondition(p.height == out.height && p.width == out.width, "concatenated tensors differ in size")
            limn_place_channels(p.data, p.pixels, Int32(p.channels), out.data, Int32(total), Int32(first))
            first += p.channels
        }
        return out
    }

    /// Mean of each channel over all pixels.
    package func globalAveragePooled() -> [Float] {
        var out = [Float](repeating: 0, count: channels)
        limn_global_avg_pool(data, pixels, Int32(channels), &out)
        return out
    }

    /// Multiplies each channel by its factor, in place.
    package func scaleChannels(_ s: [Float]) {
        precondition(s.count == channels)
        limn_scale_channels(data, pixels, Int32(channels), s)
    }
}
