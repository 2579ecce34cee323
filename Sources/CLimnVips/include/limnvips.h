// Fixed-arity entry points to libvips for Swift, and Limn's own demand-driven
// operations. Every function that makes an image returns 0 on success and -1
// with the reason in the vips error buffer.
#ifndef LIMN_VIPS_H
#define LIMN_VIPS_H

#include <vips/vips.h>

int limn_vips_init(const char *argv0);

// Loading. `sequential` asks for top-to-bottom streaming; loaders fail on any
// decode error or truncation.
VipsImage *limn_load_file(const char *path, int sequential);
VipsImage *limn_load_source(VipsSource *source, int sequential);
// The same with load options ("[page=2]"), for files and sources.
VipsImage *limn_load_file_options(const char *path, int sequential, const char *options);
VipsImage *limn_load_source_options(VipsSource *source, int sequential, const char *options);

// Fixed-arity forms of variadic vips operations.
int limn_autorot(VipsImage *in, VipsImage **out);
int limn_cast(VipsImage *in, VipsImage **out, VipsBandFormat format);
int limn_linear1(VipsImage *in, VipsImage **out, double a, double b);
int limn_linear(VipsImage *in, VipsImage **out, const double *a, const double *b, int n);
int limn_gaussblur(VipsImage *in, VipsImage **out, double sigma);
// The last `lines` rows read from `in` stay in memory, so readers of a top-to-bottom
// source that stay within `lines` of each other share one read.
int limn_row_cache(VipsImage *in, VipsImage **out, int lines);
int limn_extract_bands(VipsImage *in, VipsImage **out, int first, int n);
int limn_extract_area(VipsImage *in, VipsImage **out, int left, int top, int width, int height);
int limn_bandjoin2(VipsImage *a, VipsImage *b, VipsImage **out);
// The mean of every sample: computes the whole image, keeping none of it.
int limn_average(VipsImage *in, double *out);
int limn_bandmean(VipsImage *in, VipsImage **out);
// Each output band a weighted sum of the input bands: matrix is rows x cols,
// rows = output bands, cols = input bands.
int limn_recomb(VipsImage *in, VipsImage **out, const double *matrix, int rows, int cols);
int limn_image_add(VipsImage *a, VipsImage *b, VipsImage **out);
int limn_colourspace(VipsImage *in, VipsImage **out, VipsInterpretation space);
int limn_set_interpretation(VipsImage *in, VipsImage **out, VipsInterpretation space);
int limn_premultiply(VipsImage *in, VipsImage **out);
int limn_unpremultiply(VipsImage *in, VipsImage **out);
int limn_clamp(VipsImage *in, VipsImage **out, double lo, double hi);
int limn_srgb_encode(VipsImage *in, VipsImage **out);
int limn_srgb_decode(VipsImage *in, VipsImage **out);
// Returns freed heap memory to the system (malloc_trim).
void limn_release_free_memory(void);
// At most `arenas` glibc heap arenas, blocks of `mmap_threshold` bytes or more mapped
// one by one, and up to `trim_threshold` bytes kept free at a heap's top, unless
// $MALLOC_ARENA_MAX, $MALLOC_MMAP_THRESHOLD_ or $MALLOC_TRIM_THRESHOLD_ say otherwise.
void limn_configure_heap(int arenas, int mmap_threshold, int trim_threshold);
// Unpacks coded pixels (Radiance RGBE, LABQ) to plain bands; others pass through.
int limn_unpack(VipsImage *in, VipsImage **out);
// Converts into `profile` (a file or a vips built-in: "srgb", "p3", "cmyk")
// from the embedded profile, or from `fallback` when none is embedded; the
// result (8 or 16 bits) carries the new profile.
int limn_icc_transform(VipsImage *in, VipsImage **out, const char *profile, const char *fallback, int depth);
int limn_write_file(VipsImage *in, const char *filename);
int limn_write_target(VipsImage *in, const char *suffix, VipsTarget *target);
// Checks save options ("[Q=90]") against the saver named `saver` without saving: unknown
// names and out-of-range values (which libvips would only warn about) fail with a vips error.
int limn_check_save_options(const char *saver, const char *options);
// Encodes `in` as `suffix` (".png[compression=9]") into a g_malloc buffer.
int limn_write_buffer(VipsImage *in, const char *suffix, void **buf, size_t *len);

// Limn operations --------------------------------------------------------

typedef enum {
    LIMN_KERNEL_LANCZOS3 = 0,
    LIMN_KERNEL_CUBIC = 1,     // Keys, a = -0.5 (MATLAB's bicubic)
    LIMN_KERNEL_LINEAR = 2,
} LimnKernel;

// Centre-aligned separable resize of a float image to out_w x out_h: output
// pixel centre x maps to input (x + 0.5) * in_w / out_w - 0.5. Edges replicate.
int limn_resample(VipsImage *in, VipsImage **out, int out_w, int out_h, LimnKernel kernel);

typedef enum {
    LIMN_PAD_ZERO = 0,
    LIMN_PAD_REFLECT = 1,    // mirror without repeating the edge pixel
    LIMN_PAD_REPLICATE = 2,
} LimnPad;

// A block function: `in` is an interleaved float block of in_w x in_h pixels
// (the block plus `halo` on every side); it writes the out_w x out_h block
// (the block times `scale`) to `out`. Returns 0, or non-zero with a message in
// `err`. Called from vips worker threads, several at once.
typedef int (*LimnBlockFn)(void *ctx, const float *in, int in_w, int in_h, int in_bands,
                           float *out, int out_w, int out_h, int out_bands,
                           char *err, int err_len);

typedef struct {
    int out_bands, scale;
    int block_w;            // input pixels
    int block_h;            // input pixels; 0: block_w, or the tallest multiple of `align` below it
                            // whose cached rows of output blocks fit in `cache_limit` bytes
    int align;
    int halo;
    LimnPad pad;
    size_t cache_limit;
    int consumer_lines;     // output lines one request of the consumer spans at most (a tiled
                            // operator's strip), beyond vips' two sink strips; 0 if none
    int any_order;          // 1: the input serves requests in any order (in memory, or cached
                            // rows that reach a few strips back), so each block reads its own
                            // input and no full-width strip is kept
} LimnTiling;

// Applies `fn` to a float image in blocks of `tiling`'s size, so that the
// result equals `fn` on the whole image padded by its halo. `release(ctx)` is
// called when the output image is closed (or at once when this fails).
int limn_tiled(VipsImage *in, VipsImage **out, const LimnTiling *tiling, LimnBlockFn fn, void *ctx,
               void (*release)(void *));

// Calls fn(ctx, percent) while `image` is computed; a non-zero return stops the
// computation (libvips then fails). Detach before ctx goes away.
typedef int (*limn_progress_fn)(void *ctx, int percent);
void limn_progress_attach(VipsImage *image, limn_progress_fn fn, void *ctx);
void limn_progress_detach(VipsImage *image);

// Removes `path` (if set) when a terminating signal (SIGINT, SIGTERM, SIGHUP, ...) arrives,
// then dies by that signal; on SIGBUS (a mapped input truncated) says so, naming the input
// given to limn_input_set, and exits 1. Ignores SIGPIPE: writes to a closed pipe fail instead.
void limn_cleanup_install(void);
void limn_input_set(const char *name);
void limn_cleanup_set(const char *path);

#endif
