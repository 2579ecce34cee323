// Limn's compute kernels. Tensors are float32, batch 1, NHWC: element
// (y, x, c) of an H x W x C tensor is at (y * W + x) * C + c.
// Functions returning int give 0 on success, -1 with limn_engine_error() set.
#ifndef LIMN_ENGINE_H
#define LIMN_ENGINE_H

#include <stddef.h>

const char *limn_engine_error(void);

// Threads oneDNN may use for calls made from the current thread.
void limn_engine_set_threads(int n);
// The instruction set oneDNN chose ("avx512_core", "avx2", ...).
const char *limn_engine_isa(void);

typedef enum {
    LIMN_ACT_NONE = 0,
    LIMN_ACT_RELU,
    LIMN_ACT_LEAKY_RELU,   // alpha: negative slope
    LIMN_ACT_SILU,
    LIMN_ACT_GELU,         // erf form, as torch.nn.GELU()
    LIMN_ACT_SIGMOID,
    LIMN_ACT_TANH,
} LimnActivation;

// ---- convolution (oneDNN) ----------------------------------------------

typedef struct LimnConv LimnConv;

// weights: PyTorch layout [oc][ic / groups][kh][kw]; bias: [oc] or NULL.
// Both are copied. `act` is fused; with `accumulate`, the result is added to
// what dst already holds (after the activation): dst = act(conv) + dst.
LimnConv *limn_conv_new(int ic, int oc, int kh, int kw, int stride, int pad, int dilation, int groups,
                        const float *weights, const float *bias, LimnActivation act, float alpha,
                        int accumulate);
void limn_conv_free(LimnConv *conv);
void limn_conv_output_size(const LimnConv *conv, int h, int w, int *oh, int *ow);
// Whether the convolution works in oneDNN's blocked layout (nChw16c) for an
// h x w input: a Winograd kernel, whose output is then blocked too (and so
// must be the tensor it accumulates into). 1, 0, or -1 on error.
int limn_conv_blocked(LimnConv *conv, int h, int w);
// Writes oneDNN's name for the kernel that runs an h x w input into `name`
// ("jit:avx512_core", "jit_wino_4x3:avx512_core", ...; for few output channels,
// the name of the row path's inner convolution).
int limn_conv_kernel(LimnConv *conv, int h, int w, char *name, int len);
// Thread-safe: primitives are cached per input size. `src_blocked` tells the
// input's layout; the output's is given by limn_conv_blocked.
int limn_conv_run(LimnConv *conv, const float *src, int src_blocked, int h, int w, float *dst);
// Frees every convolution's plans and every thread's scratchpad that no call is
// using: between the images of a batch.
void limn_conv_release_idle(void);

// ---- plain kernels -----------------------------------------------------

typedef enum { LIMN_PAD2D_ZERO = 0, LIMN_PAD2D_REFLECT = 1, LIMN_PAD2D_REPLICATE = 2 } LimnPadMode;

// NHWC <-> nChw16c (channels a multiple of 16): channel c of pixel (y, x) at
// ((c / 16 * h + y) * w + x) * 16 + c % 16.
void limn_to_blocked16(const float *src, int h, int w, int c, float *dst);
void limn_from_blocked16(const float *src, int h, int w, int c, float *dst);

void limn_pad(const float *src, int h, int w, int c, int top, int bottom, int left, int right,
              LimnPadMode mode, float *dst);
// [h][w][c*r*r] -> [h*r][w*r][c], channel c*r*r + i*r + j going to offset (i, j) (PyTorch order);
// with `add`, added to what dst holds.
void limn_pixel_shuffle(const float *src, int h, int w, int c, int r, float *dst, int add);
void limn_upsample_nearest(const float *src, int h, int w, int c, int s, float *dst);
// align_corners = False, as torch.nn.functional.interpolate.
void limn_upsample_bilinear(const float *src, int h, int w, int c, int s, float *dst);
// Rows [first, first + n) of upsample(src, s) (bilinear or nearest) padded by `pad`
// on every side: the same values as limn_upsample_* then limn_pad, made row by row.
void limn_upsampled_padded_rows(const float *src, int h, int w, int c, int s, int bilinear, int pad,
                                LimnPadMode mode, int first, int n, float *dst);
// In place. limn_eltwise uses oneDNN's vectorised kernels; limn_activation is
// the plain reference.
int limn_eltwise(float *x, size_t n, LimnActivation act, float alpha);
void limn_activation(float *x, size_t n, LimnActivation act, float alpha);
// Per-channel slope for negative values (torch.nn.PReLU with c parameters, or 1).
void limn_prelu(float *x, size_t pixels, int c, const float *slope, int n_slope);
void limn_add(const float *a, const float *b, size_t n, float *dst);
void limn_mul(const float *a, const float *b, size_t n, float *dst);
// x[p][c] *= s[c]
void limn_scale_channels(float *x, size_t pixels, int c, const float *s);
// NAFNet's simple gate on NHWC: dst (pixels x c) = first half of src's 2c channels times the second.
void limn_gate(const float *src, size_t pixels, int c, float *dst);
// Copies channels [first, first + n) of src (c channels) into dst (n channels).
void limn_slice_channels(const float *src, size_t pixels, int c, int first, int n, float *dst);
// Writes src (n channels) into channels [first, first + n) of dst (c channels).
void limn_place_channels(const float *src, size_t pixels, int n, float *dst, int c, int first);
void limn_global_avg_pool(const float *src, size_t pixels, int c, float *out);
// Biased variance, as instance norm uses.
void limn_channel_stats(const float *src, size_t pixels, int c, float *mean, float *var);
// dst = (src - mean) / sqrt(var + eps) * gamma + beta, per channel, then
// max(0, .) with `relu`; gamma/beta may be NULL.
void limn_normalize_channels(const float *src, size_t pixels, int c, const float *mean, const float *var,
                             float eps, const float *gamma, const float *beta, int relu, float *dst);
// Layer norm over the channels of each pixel (LayerNorm2d).
void limn_layer_norm(const float *src, size_t pixels, int c, float eps, const float *gamma,
                     const float *beta, float *dst);


// Peak FP32 GFLOP/s of `threads` threads running fused multiply-adds (best of
// three runs); `isa` names the vector width used.
double limn_peak_gflops(int threads, const char **isa);

#endif
