// Centre-aligned separable resampling (lanczos3, cubic, linear) for float
// images, one pass per axis, demand-driven.
#include <math.h>
#include "limnvips.h"

typedef struct {
    int taps;     // weights per output coordinate
    int *index;   // [n_out * taps], input coordinates, already clamped
    float *weight;
} Weights;

static double sinc(double x) {
    if (fabs(x) < 1e-9) return 1.0;
    x *= M_PI;
    return sin(x) / x;
}

static double kernel_value(LimnKernel k, double x) {
    x = fabs(x);
    switch (k) {
    case LIMN_KERNEL_LANCZOS3:
        return x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
    case LIMN_KERNEL_CUBIC: {
        const double a = -0.5;
        if (x <= 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
        if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
        return 0.0;
    }
    case LIMN_KERNEL_LINEAR:
        return x < 1.0 ? 1.0 - x : 0.0;
    }
    return 0.0;
}

static double kernel_radius(LimnKernel k) {
    return k == LIMN_KERNEL_LANCZOS3 ? 3.0 : k == LIMN_KERNEL_CUBIC ? 2.0 : 1.0;
}

// Output coordinate o samples input at (o + 0.5) * n_in / n_out - 0.5; when
// shrinking, the kernel is stretched by n_in / n_out so it also filters.
static Weights *weights_new(int n_in, int n_out, LimnKernel kernel) {
    double ratio = (double) n_in / n_out;
    double stretch = ratio > 1.0 ? ratio : 1.0;
    double support = kernel_radius(kernel) * stretch;
    Weights *w = g_new0(Weights, 1);
    w->taps = (int) ceil(2.0 * support) + 1;
    w->index = g_new(int, (size_t) n_out * w->taps);
    w->weight = g_new(float, (size_t) n_out * w->taps);
    for (int o = 0; o < n_out; o++) {
        double centre = (o + 0.5) * ratio - 0.5;
        int first = (int) floor(centre - support) + 1;
        double sum = 0.0;
        double tmp[w->taps];
        for (int t = 0; t < w->taps; t++) {
            tmp[t] = kernel_value(kernel, (first + t - centre) / stretch);
            sum += tmp[t];
        }
        for (int t = 0; t < w->taps; t++) {
            int i = first + t;
            w->index[o * w->taps + t] = i < 0 ? 0 : i >= n_in ? n_in - 1 : i;
            w->weight[o * w->taps + t] = (float) (tmp[t] / sum);
        }
    }
    return w;
}

static void weights_free(Weights *w) {
    g_free(w->index);
    g_free(w->weight);
    g_free(w);
}

typedef struct {
    VipsImage *in;
    Weights *w;
    int horizontal;
} Pass;

static void span(const Weights *w, int first, int n, int *lo, int *hi) {
    *lo = w->index[first * w->taps];
    *hi = w->index[(first + n - 1) * w->taps + w->taps - 1];
}

static int pass_generate(VipsRegion *out, void *seq, void *a, void *b, gboolean *stop) {
    VipsRegion *ir = (VipsRegion *) seq;
    Pass *p = (Pass *) b;
    const Weights *w = p->w;
    const VipsRect *r = &out->valid;
    const int bands = out->im->Bands, taps = w->taps;
    int lo, hi;
    VipsRect need;
    if (p->horizontal) {
        span(w, r->left, r->width, &lo, &hi);
        need = (VipsRect){ lo, r->top, hi - lo + 1, r->height };
    } else {
        span(w, r->top, r->height, &lo, &hi);
        need = (VipsRect){ r->left, lo, r->width, hi - lo + 1 };
    }
    if (vips_region_prepare(ir, &need)) return -1;

    for (int y = 0; y < r->height; y++) {
        float *dst = (float *) VIPS_REGION_ADDR(out, r->left, r->top + y);
        if (p->horizontal) {
            // Indexed from x = 0 although only [lo, hi] is in the region.
            const float *row = (const float *) VIPS_REGION_ADDR(ir, lo, r->top + y) - (size_t) lo * bands;
            for (int x = 0; x < r->width; x++) {
                const int *idx = w->index + (size_t) (r->left + x) * taps;
                const float *wt = w->weight + (size_t) (r->left + x) * taps;
                for (int c = 0; c < bands; c++) {
                    float s = 0.0f;
                    for (int t = 0; t < taps; t++) s += wt[t] * row[idx[t] * bands + c];
                    dst[x * bands + c] = s;
                }
            }
        } else {
            const int *idx = w->index + (size_t) (r->top + y) * taps;
            const float *wt = w->weight + (size_t) (r->top + y) * taps;
            const int n = r->width * bands;
            for (int i = 0; i < n; i++) dst[i] = 0.0f;
            for (int t = 0; t < taps; t++) {
                const float *src = (const float *) VIPS_REGION_ADDR(ir, r->left, idx[t]);
                const float k = wt[t];
                for (int i = 0; i < n; i++) dst[i] += k * src[i];
            }
        }
    }
    return 0;
}

static void pass_close(VipsImage *image, Pass *p) {
    g_object_unref(p->in);
    weights_free(p->w);
    g_free(p);
}

static int pass_new(VipsImage *in, VipsImage **out, int n_out, int horizontal, LimnKernel kernel) {
    Pass *p = g_new0(Pass, 1);
    p->in = in;
    g_object_ref(in);
    p->horizontal = horizontal;
    p->w = weights_new(horizontal ? in->Xsize : in->Ysize, n_out, kernel);
    *out = vips_image_new();
    g_signal_connect(*out, "close", G_CALLBACK(pass_close), p);
    if (vips_image_pipelinev(*out, horizontal ? VIPS_DEMAND_STYLE_THINSTRIP : VIPS_DEMAND_STYLE_SMALLTILE,
                             in, NULL)) {
        g_object_unref(*out);
        return -1;
    }
    if (horizontal) (*out)->Xsize = n_out;
    else (*out)->Ysize = n_out;
    if (vips_image_generate(*out, vips_start_one, pass_generate, vips_stop_one, in, p)) {
        g_object_unref(*out);
        return -1;
    }
    return 0;
}

int limn_resample(VipsImage *in, VipsImage **out, int out_w, int out_h, LimnKernel kernel) {
    if (out_w < 1 || out_h < 1) {
        vips_error("limn", "bad output size %dx%d", out_w, out_h);
        return -1;
    }
    VipsImage *f, *h;
    if (vips_cast(in, &f, VIPS_FORMAT_FLOAT, NULL)) return -1;
    int rc = pass_new(f, &h, out_h, 0, kernel);
    g_object_unref(f);
    if (rc) return -1;
    rc = pass_new(h, out, out_w, 1, kernel);
    g_object_unref(h);
    return rc;
}
