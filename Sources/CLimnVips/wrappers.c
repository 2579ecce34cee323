// Fixed-arity wrappers around variadic libvips calls.
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "limnvips.h"

int limn_vips_init(const char *argv0) {
    // vips warnings ("error in tile ...") repeat what the error says, on many
    // lines; the error itself is reported once. LIMN_VIPS_WARNINGS=1 shows them.
    if (!g_getenv("LIMN_VIPS_WARNINGS")) g_setenv("VIPS_WARNING", "0", TRUE);
    if (VIPS_INIT(argv0)) return -1;
    // Limn runs each image once: cached operations would only hold memory
    // (and stale pixels when a file is replaced in place).
    vips_cache_set_max(0);
    return 0;
}

VipsImage *limn_load_file(const char *path, int sequential) {
    return limn_load_file_options(path, sequential, "");
}

VipsImage *limn_load_file_options(const char *path, int sequential, const char *options) {
    size_t n = strlen(path);
    if (n > 0 && path[n - 1] == ']') {
        // libvips would take "name[...]" as load options for "name": open the whole name.
        VipsSource *source = vips_source_new_from_file(path);
        if (!source) return NULL;
        VipsImage *image = limn_load_source_options(source, sequential, options);
        g_object_unref(source);
        return image;
    }
    char *name = g_strconcat(path, options, NULL);
    VipsImage *image = vips_image_new_from_file(name,
        "access", sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM,
        "fail_on", VIPS_FAIL_ON_ERROR, NULL);
    g_free(name);
    return image;
}

VipsImage *limn_load_source(VipsSource *source, int sequential) {
    return limn_load_source_options(source, sequential, "");
}

VipsImage *limn_load_source_options(VipsSource *source, int sequential, const char *options) {
    return vips_image_new_from_source(source, options,
        "access", sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM,
        "fail_on", VIPS_FAIL_ON_ERROR, NULL);
}

void limn_release_free_memory(void) { malloc_trim(0); }

void limn_configure_heap(int arenas, int mmap_threshold, int trim_threshold) {
    if (!getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, arenas);
    if (!getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    if (!getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, trim_threshold);
}

int limn_unpack(VipsImage *in, VipsImage **out) { return vips_image_decode(in, out); }

int limn_autorot(VipsImage *in, VipsImage **out) { return vips_autorot(in, out, NULL); }
int limn_cast(VipsImage *in, VipsImage **out, VipsBandFormat f) { return vips_cast(in, out, f, NULL); }
int limn_linear1(VipsImage *in, VipsImage **out, double a, double b) { return vips_linear1(in, out, a, b, NULL); }
int limn_linear(VipsImage *in, VipsImage **out, const double *a, const double *b, int n) {
  return vips_linear(in, out, a, b, n, NULL);
}
int limn_gaussblur(VipsImage *in, VipsImage **out, double sigma) {
  return vips_gaussblur(in, out, sigma, "precision", VIPS_PRECISION_FLOAT, NULL);
}
int limn_row_cache(VipsImage *in, VipsImage **out, int lines) {
    const int strip = 16;
    return vips_tilecache(in, out, "tile_width", in->Xsize, "tile_height", strip,
                          "max_tiles", (lines + strip - 1) / strip + 1, "access", VIPS_ACCESS_SEQUENTIAL,
                          "threaded", TRUE, NULL);
}
int limn_extract_bands(VipsImage *in, VipsImage **out, int first, int n) {
    return vips_extract_band(in, out, first, "n", n, NULL);
}
int limn_extract_area(VipsImage *in, VipsImage **out, int left, int top, int width, int height) {
    return vips_extract_area(in, out, left, top, width, height, NULL);
}
int limn_bandjoin2(VipsImage *a, VipsImage *b, VipsImage **out) { return vips_bandjoin2(a, b, out, NULL); }
int limn_average(VipsImage *in, double *out) { return vips_avg(in, out, NULL); }
int limn_bandmean(VipsImage *in, VipsImage **out) { return vips_bandmean(in, out, NULL); }

int limn_recomb(VipsImage *in, VipsImage **out, const double *matrix, int rows, int cols) {
    VipsImage *m = vips_image_new_matrix_from_array(cols, rows, matrix, rows * cols);
    if (!m) return -1;
    int rc = vips_recomb(in, out, m, NULL);
    g_object_unref(m);
    return rc;
}

int limn_image_add(VipsImage *a, VipsImage *b, VipsImage **out) { return vips_add(a, b, out, NULL); }
int limn_colourspace(VipsImage *in, VipsImage **out, VipsInterpretation space) {
    return vips_colourspace(in, out, space, NULL);
}
int limn_set_interpretation(VipsImage *in, VipsImage **out, VipsInterpretation space) {
    return vips_copy(in, out, "interpretation", space, NULL);
}
int limn_premultiply(VipsImage *in, VipsImage **out) { return vips_premultiply(in, out, "max_alpha", 1.0, NULL); }
int limn_unpremultiply(VipsImage *in, VipsImage **out) { return vips_unpremultiply(in, out, "max_alpha", 1.0, NULL); }

int limn_icc_transform(VipsImage *in, VipsImage **out, const char *profile, const char *fallback, int depth) {
    return vips_icc_transform(in, out, profile, "embedded", TRUE, "input_profile", fallback,
                              "intent", VIPS_INTENT_RELATIVE, "depth", depth, NULL);
}

int limn_write_file(VipsImage *in, const char *filename) { return vips_image_write_to_file(in, filename, NULL); }
int limn_write_target(VipsImage *in, const char *suffix, VipsTarget *target) {
    return vips_image_write_to_target(in, suffix, target, NULL);
}

static char *captured_warning;

static void capture_warning(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
    (void) domain; (void) level; (void) data;
    if (!captured_warning) captured_warning = g_strdup(message);
}

int limn_check_save_options(const char *saver, const char *options) {
    VipsOperation *op = vips_operation_new(saver);
    if (!op) return -1;
    // Out-of-range values are only a GLib warning when set: catch it and fail instead.
    guint handler = g_log_set_handler("GLib-GObject", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL,
                                      capture_warning, NULL);
    int rc = vips_object_set_from_string(VIPS_OBJECT(op), options);
    g_log_remove_handler("GLib-GObject", handler);
    g_object_unref(op);
    if (captured_warning) {
        vips_error("save options", "%s", captured_warning);
        g_free(captured_warning);
        captured_warning = NULL;
        return -1;
    }
    return rc;
}

int limn_write_buffer(VipsImage *in, const char *suffix, void **buf, size_t *len) {
    return vips_image_write_to_buffer(in, suffix, buf, len, NULL);
}
