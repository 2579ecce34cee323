// Plain kernels for the operations around the convolutions. They are
// memory-bound; the compiler vectorises the inner loops.
#include <math.h>
#include <string.h>
#include "limnengine.h"

static int map_index(int i, int n, LimnPadMode mode) {
    if (i >= 0 && i < n) return i;
    if (mode == LIMN_PAD2D_ZERO) return -1;
    if (mode == LIMN_PAD2D_REPLICATE || n == 1) return i < 0 ? 0 : n - 1;
    int period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

void limn_to_blocked16(const float *src, int h, int w, int c, float *dst) {
    const size_t hw = (size_t) h * w;
    for (size_t p = 0; p < hw; p++)
        for (int cb = 0; cb < c / 16; cb++) {
            const float *s = src + p * c + cb * 16;
            float *d = dst + (cb * hw + p) * 16;
            for (int k = 0; k < 16; k++) d[k] = s[k];
        }
}

void limn_from_blocked16(const float *src, int h, int w, int c, float *dst) {
    const size_t hw = (size_t) h * w;
    for (size_t p = 0; p < hw; p++)
        for (int cb = 0; cb < c / 16; cb++) {
            const float *s = src + (cb * hw + p) * 16;
            float *d = dst + p * c + cb * 16;
            for (int k = 0; k < 16; k++) d[k] = s[k];
        }
}

void limn_pad(const float *src, int h, int w, int c, int top, int bottom, int left, int right,
              LimnPadMode mode, float *dst) {
    int ow = w + left + right, oh = h + top + bottom;
    for (int y = 0; y < oh; y++) {
        float *row = dst + (size_t) y * ow * c;
        int sy = map_index(y - top, h, mode);
        if (sy < 0) {
            memset(row, 0, (size_t) ow * c * sizeof(float));
            continue;
        }
        const float *srow = src + (size_t) sy * w * c;
        memcpy(row + (size_t) left * c, srow, (size_t) w * c * sizeof(float));
        for (int x = 0; x < left + right; x++) {
            int dx = x < left ? x : w + x;
            int sx = map_index(dx - left, w, mode);
            if (sx < 0) memset(row + (size_t) dx * c, 0, c * sizeof(float));
            else memcpy(row + (size_t) dx * c, srow + (size_t) sx * c, c * sizeof(float));
        }
    }
}

void limn_pixel_shuffle(const float *src, int h, int w, int c, int r, float *dst, int add) {
    const int ic = c * r * r, ow = w * r;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const float *s = src + ((size_t) y * w + x) * ic;
            for (int i = 0; i < r; i++)
                for (int j = 0; j < r; j++) {
                    float *d = dst + ((size_t) (y * r + i) * ow + x * r + j) * c;
                    if (add) for (int k = 0; k < c; k++) d[k] += s[k * r * r + i * r + j];
                    else for (int k = 0; k < c; k++) d[k] = s[k * r * r + i * r + j];
                }
        }
}

void limn_upsample_nearest(const float *src, int h, int w, int c, int s, float *dst) {
    const int ow = w * s;
    for (int y = 0; y < h * s; y++) {
        const float *srow = src + (size_t) (y / s) * w * c;
        float *row = dst + (size_t) y * ow * c;
        for (int x = 0; x < ow; x++) memcpy(row + (size_t) x * c, srow + (size_t) (x / s) * c, c * sizeof(float));
    }
}

// Source index and weight along one axis, as PyTorch's align_corners=False.
static void bilinear_tap(int o, int n, int s, int *i0, int *i1, float *t) {
    float pos = ((float) o + 0.5f) / (float) s - 0.5f;
    if (pos < 0) pos = 0;
    int i = (int) pos;
    if (i > n - 1) i = n - 1;
    *i0 = i;
    *i1 = i < n - 1 ? i + 1 : i;
    *t = pos - (float) i;
}

void limn_upsample_bilinear(const float *src, int h, int w, int c, int s, float *dst) {
    const int ow = w * s;
    for (int y = 0; y < h * s; y++) {
        int y0, y1;
        float ty;
        bilinear_tap(y, h, s, &y0, &y1, &ty);
        for (int x = 0; x < ow; x++) {
            int x0, x1;
            float tx;
            bilinear_tap(x, w, s, &x0, &x1, &tx);
            const float *a = src + ((size_t) y0 * w + x0) * c, *b = src + ((size_t) y0 * w + x1) * c;
            const float *p = src + ((size_t) y1 * w + x0) * c, *q = src + ((size_t) y1 * w + x1) * c;
            float *d = dst + ((size_t) y * ow + x) * c;
            for (int k = 0; k < c; k++) {
                float top = a[k] + (b[k] - a[k]) * tx, bottom = p[k] + (q[k] - p[k]) * tx;
                d[k] = top + (bottom - top) * ty;
            }
        }
    }
}

// Rows [first, first + n) of upsample(src, s) padded by `pad` on every side in
// `mode`, made row by row: the whole upsampled, padded tensor never exists.
// The values are those of limn_upsample_* followed by limn_pad (same taps).
void limn_upsampled_padded_rows(const float *src, int h, int w, int c, int s, int bilinear, int pad,
                                LimnPadMode mode, int first, int n, float *dst) {
    const int uh = h * s, uw = w * s, ow = uw + 2 * pad;
    for (int r = 0; r < n; r++) {
        float *row = dst + (size_t) r * ow * c;
        const int u = map_index(first + r - pad, uh, mode);
        if (u < 0) {
            memset(row, 0, (size_t) ow * c * sizeof(float));
            continue;
        }
        int y0 = u / s, y1 = y0;
        float ty = 0;
        if (bilinear) bilinear_tap(u, h, s, &y0, &y1, &ty);
        const float *r0 = src + (size_t) y0 * w * c, *r1 = src + (size_t) y1 * w * c;
        for (int q = 0; q < ow; q++) {
            float *d = row + (size_t) q * c;
            const int v = map_index(q - pad, uw, mode);
            if (v < 0) {
                memset(d, 0, c * sizeof(float));
            } else if (!bilinear) {
                memcpy(d, r0 + (size_t) (v / s) * c, c * sizeof(float));
            } else {
                int x0, x1;
                float tx;
                bilinear_tap(v, w, s, &x0, &x1, &tx);
                const float *a = r0 + (size_t) x0 * c, *b = r0 + (size_t) x1 * c;
                const float *p = r1 + (size_t) x0 * c, *q1 = r1 + (size_t) x1 * c;
                for (int k = 0; k < c; k++) {
                    float top = a[k] + (b[k] - a[k]) * tx, bottom = p[k] + (q1[k] - p[k]) * tx;
                    d[k] = top + (bottom - top) * ty;
                }
            }
        }
    }
}

void limn_activation(float *x, size_t n, LimnActivation act, float alpha) {
    switch (act) {
    case LIMN_ACT_NONE: break;
    case LIMN_ACT_RELU: for (size_t i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : 0; break;
    case LIMN_ACT_LEAKY_RELU: for (size_t i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : alpha * x[i]; break;
    case LIMN_ACT_SILU: for (size_t i = 0; i < n; i++) x[i] = x[i] / (1.0f + expf(-x[i])); break;
    case LIMN_ACT_GELU: for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678f)); break;
    case LIMN_ACT_SIGMOID: for (size_t i = 0; i < n; i++) x[i] = 1.0f / (1.0f + expf(-x[i])); break;
    case LIMN_ACT_TANH: for (size_t i = 0; i < n; i++) x[i] = tanhf(x[i]); break;
    }
}

void limn_prelu(float *x, size_t pixels, int c, const float *slope, int n_slope) {
    for (size_t p = 0; p < pixels; p++)
        for (int k = 0; k < c; k++) {
            float v = x[p * c + k];
            if (v < 0) x[p * c + k] = v * slope[n_slope == 1 ? 0 : k];
        }
}

void limn_add(const float *a, const float *b, size_t n, float *dst) { for (size_t i = 0; i < n; i++) dst[i] = a[i] + b[i]; }
void limn_mul(const float *a, const float *b, size_t n, float *dst) { for (size_t i = 0; i < n; i++) dst[i] = a[i] * b[i]; }

void limn_gate(const float *restrict src, size_t pixels, int c, float *restrict dst) {
    for (size_t p = 0; p < pixels; p++) {
        const float *a = src + p * 2 * (size_t) c, *b = a + c;
        float *d = dst + p * (size_t) c;
        for (int k = 0; k < c; k++) d[k] = a[k] * b[k];
    }
}

void limn_scale_channels(float *x, size_t pixels, int c, const float *s) {
    for (size_t p = 0; p < pixels; p++)
        for (int k = 0; k < c; k++) x[p * c + k] *= s[k];
}

// Plain loops: a memcpy call per pixel costs more than the few channels it moves.
void limn_slice_channels(const float *src, size_t pixels, int c, int first, int n, float *dst) {
    for (size_t p = 0; p < pixels; p++) {
        const float *s = src + p * c + first;
        float *d = dst + p * n;
        for (int k = 0; k < n; k++) d[k] = s[k];
    }
}

void limn_place_channels(const float *src, size_t pixels, int n, float *dst, int c, int first) {
    for (size_t p = 0; p < pixels; p++) {
        const float *s = src + p * n;
        float *d = dst + p * c + first;
        for (int k = 0; k < n; k++) d[k] = s[k];
    }
}

void limn_global_avg_pool(const float *src, size_t pixels, int c, float *out) {
    double acc[c];
    for (int k = 0; k < c; k++) acc[k] = 0;
    for (size_t p = 0; p < pixels; p++)
        for (int k = 0; k < c; k++) acc[k] += src[p * c + k];
    for (int k = 0; k < c; k++) out[k] = (float) (acc[k] / (double) pixels);
}

void limn_channel_stats(const float *src, size_t pixels, int c, float *mean, float *var) {
    double sum[c], sq[c];
    for (int k = 0; k < c; k++) sum[k] = sq[k] = 0;
    for (size_t p = 0; p < pixels; p++)
        for (int k = 0; k < c; k++) sum[k] += src[p * c + k];
    for (int k = 0; k < c; k++) sum[k] /= (double) pixels;
    // Second pass about the mean: no cancellation for large offsets.
    for (size_t p = 0; p < pixels; p++)
        for (int k = 0; k < c; k++) {
            double d = src[p * c + k] - sum[k];
            sq[k] += d * d;
        }
    for (int k = 0; k < c; k++) {
        mean[k] = (float) sum[k];
        var[k] = (float) (sq[k] / (double) pixels);
    }
}

void limn_normalize_channels(const float *src, size_t pixels, int c, const float *mean, const float *var,
                             float eps, const float *gamma, const float *beta, int relu, float *dst) {
    float scale[c], shift[c];
    for (int k = 0; k < c; k++) {
        float g = gamma ? gamma[k] : 1.0f, b = beta ? beta[k] : 0.0f;
        scale[k] = g / sqrtf(var[k] + eps);
        shift[k] = b - mean[k] * scale[k];
    }
    const float floor = relu ? 0.0f : -INFINITY;
    for (size_t p = 0; p < pixels; p++)
        for (int k = 0; k < c; k++) dst[p * c + k] = fmaxf(src[p * c + k] * scale[k] + shift[k], floor);
}

void limn_layer_norm(const float *src, size_t pixels, int c, float eps, const float *gamma,
                     const float *beta, float *dst) {
    float g[c], b[c];
    for (int k = 0; k < c; k++) {
        g[k] = gamma ? gamma[k] : 1.0f;
        b[k] = beta ? beta[k] : 0.0f;
    }
    for (size_t p = 0; p < pixels; p++) {
        // The channel sums may be reordered, so they vectorise.
#pragma clang fp reassociate(on)
        const float *s = src + p * c;
        float *d = dst + p * c;
        float mean = 0, var = 0;
        for (int k = 0; k < c; k++) mean += s[k];
        mean /= (float) c;
        for (int k = 0; k < c; k++) var += (s[k] - mean) * (s[k] - mean);
        float inv = 1.0f / sqrtf(var / (float) c + eps);
        for (int k = 0; k < c; k++) d[k] = (s[k] - mean) * inv * g[k] + b[k];
    }
}
