// Per-sample float operations that libvips 8.14 lacks: clamp and the sRGB
// transfer curve without clipping (out-of-gamut values keep their sign).
#include <math.h>
#include "limnvips.h"

typedef enum { OP_CLAMP, OP_ENCODE, OP_DECODE } PointKind;

typedef struct {
    VipsImage *in;
    PointKind kind;
    float lo, hi;
} Point;

static float srgb_encode(float x) {
    float a = fabsf(x);
    float y = a <= 0.0031308f ? 12.92f * a : 1.055f * powf(a, 1.0f / 2.4f) - 0.055f;
    return copysignf(y, x);
}

static float srgb_decode(float x) {
    float a = fabsf(x);
    float y = a <= 0.04045f ? a / 12.92f : powf((a + 0.055f) / 1.055f, 2.4f);
    return copysignf(y, x);
}

static int point_generate(VipsRegion *out, void *seq, void *a, void *b, gboolean *stop) {
    VipsRegion *ir = (VipsRegion *) seq;
    Point *p = (Point *) b;
    VipsRect *r = &out->valid;
    if (vips_region_prepare(ir, r)) return -1;
    int n = r->width * out->im->Bands;
    for (int y = 0; y < r->height; y++) {
        const float *src = (const float *) VIPS_REGION_ADDR(ir, r->left, r->top + y);
        float *dst = (float *) VIPS_REGION_ADDR(out, r->left, r->top + y);
        switch (p->kind) {
        case OP_CLAMP:
            for (int i = 0; i < n; i++) dst[i] = fminf(fmaxf(src[i], p->lo), p->hi);
            break;
        case OP_ENCODE:
            for (int i = 0; i < n; i++) dst[i] = srgb_encode(src[i]);
            break;
        case OP_DECODE:
            for (int i = 0; i < n; i++) dst[i] = srgb_decode(src[i]);
            break;
        }
    }
    return 0;
}

static void point_close(VipsImage *image, Point *p) {
    g_object_unref(p->in);
    g_free(p);
}

static int point_new(VipsImage *in, VipsImage **out, PointKind kind, float lo, float hi) {
    VipsImage *f;
    if (vips_cast(in, &f, VIPS_FORMAT_FLOAT, NULL)) return -1;
    Point *p = g_new0(Point, 1);
    p->in = f;
    p->kind = kind;
    p->lo = lo;
    p->hi = hi;
    *out = vips_image_new();
    g_signal_connect(*out, "close", G_CALLBACK(point_close), p);
    if (vips_image_pipelinev(*out, VIPS_DEMAND_STYLE_THINSTRIP, f, NULL) ||
        vips_image_generate(*out, vips_start_one, point_generate, vips_stop_one, f, p)) {
        g_object_unref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int limn_clamp(VipsImage *in, VipsImage **out, double lo, double hi) {
    return point_new(in, out, OP_CLAMP, (float) lo, (float) hi);
}
int limn_srgb_encode(VipsImage *in, VipsImage **out) { return point_new(in, out, OP_ENCODE, 0, 0); }
int limn_srgb_decode(VipsImage *in, VipsImage **out) { return point_new(in, out, OP_DECODE, 0, 0); }
