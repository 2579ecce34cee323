// Convolution through oneDNN: NHWC activations, weights reordered once into
// the layout the chosen kernel wants, bias and activation fused.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "onednn.h"

#define CHECK(call, what) do { dnnl_status_t st_ = (call); if (st_ != dnnl_success) return limn_dnnl_fail(what, st_); } while (0)

// The primitive for one input size, with its weights in the layout it wants.
// A Winograd plan computes in oneDNN's blocked layout (nChw16c): its input is
// reordered into it and its output back, around the convolution.
typedef struct {
    int h, w;
    dnnl_primitive_t prim;
    dnnl_memory_t wmem;
    dnnl_memory_desc_t src_md, dst_md, scratch_md;
    int winograd;              // works in nChw16c: its output stays blocked
    int separate_act;          // the activation runs after the kernel, which cannot fuse it
    dnnl_primitive_t to_blocked;
    dnnl_memory_desc_t bsrc_md, bdst_md;
    char kernel[64];           // oneDNN's name for the implementation it chose
    int users;                 // calls running it now
    int evicted;               // out of the cache: freed when the last user is done
    unsigned long used;        // when it was last asked for, for eviction
} Plan;

// Plans kept per convolution. Blocks at the right and bottom edges, and the
// style network's statistics pass, come in sizes that change with every
// image: the least recently used plan goes, so a long batch does not grow.
enum { MAX_PLANS = 8 };

// Primitives are shared by every thread that runs a network, so each call
// brings its own scratchpad (user mode): oneDNN's library-managed one is
// shared and would be unsafe across threads.
// Each thread's buffer only grows while a network runs; limn_conv_release_idle()
// frees every buffer not in use (between the images of a batch), and a thread's
// buffer is freed when the thread ends (libvips' workers come and go).
typedef struct Scratch {
    void *data;
    size_t size;
    int busy;
    struct Scratch *prev, *next;
} Scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t scratch_lock = PTHREAD_MUTEX_INITIALIZER;
static Scratch *scratches;

static void scratch_free(void *p) {
    Scratch *s = p;
    pthread_mutex_lock(&scratch_lock);
    if (s->prev) s->prev->next = s->next; else scratches = s->next;
    if (s->next) s->next->prev = s->prev;
    pthread_mutex_unlock(&scratch_lock);
    free(s->data);
    free(s);
}

static void scratch_key_make(void) { pthread_key_create(&scratch_key, scratch_free); }

// This thread's buffer of at least `size` bytes, marked busy until scratch_done.
static Scratch *scratch_take(size_t size) {
    pthread_once(&scratch_once, scratch_key_make);
    Scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = calloc(1, sizeof(Scratch));
        if (!s || pthread_setspecific(scratch_key, s)) {
            free(s);
            return NULL;
        }
        pthread_mutex_lock(&scratch_lock);
        s->next = scratches;
        if (scratches) scratches->prev = s;
        scratches = s;
        pthread_mutex_unlock(&scratch_lock);
    }
    pthread_mutex_lock(&scratch_lock);
    if (size > s->size) {
        free(s->data);
        s->data = aligned_alloc(64, (size + 63) / 64 * 64);
        s->size = s->data ? size : 0;
    }
    s->busy = s->data != NULL;
    pthread_mutex_unlock(&scratch_lock);
    return s->data ? s : NULL;
}

static void scratch_done(Scratch *s) {
    pthread_mutex_lock(&scratch_lock);
    s->busy = 0;
    pthread_mutex_unlock(&scratch_lock);
}

struct LimnConv {
    int ic, oc, kh, kw, stride, pad, dilation, groups, accumulate;
    int pad_h, pad_w;      // what the oneDNN primitive pads
    // Few output channels (a network's last layer, 32→3 in 9x9): oneDNN's
    // kernels compute 16 channels at a time, so oc = 3 runs at under 20% of
    // peak. Such a convolution runs as a 1 x kw convolution to oc * kh
    // channels (one per kernel row), whose rows are then summed.
    LimnConv *rows;
    LimnActivation act;
    float alpha;
    float *weights;        // PyTorch layout
    float *bias;
    dnnl_memory_t bmem;
    Plan *plans[MAX_PLANS];
    int n_plans;
    unsigned long clock;
    pthread_mutex_t lock;
    LimnConv *prev, *next;  // every live convolution, for limn_conv_release_idle
};

static LimnConv *live;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static LimnConv *conv_create(int ic, int oc, int kh, int kw, int stride, int pad_h, int pad_w, int dilation,
                             int groups, const float *weights, const float *bias, LimnActivation act, float alpha,
                             int accumulate) {
    LimnConv *c = calloc(1, sizeof(LimnConv));
    if (!c) {
        limn_fail("out of memory for a convolution");
        return NULL;
    }
    *c = (LimnConv){ ic, oc, kh, kw, stride, pad_h, dilation, groups, accumulate, pad_h, pad_w };
    c->act = act;
    c->alpha = alpha;
    size_t nw = (size_t) oc * (ic / groups) * kh * kw;
    c->weights = malloc(nw * sizeof(float));
    c->bias = calloc(oc, sizeof(float));
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_lock(&live_lock);
    c->next = live;
    if (live) live->prev = c;
    live = c;
    pthread_mutex_unlock(&live_lock);
    if (!c->weights || !c->bias) {
        limn_conv_free(c);
        limn_fail("out of memory for convolution weights");
        return NULL;
    }
    memcpy(c->weights, weights, nw * sizeof(float));
    if (bias) memcpy(c->bias, bias, oc * sizeof(float));
    return c;
}

LimnConv *limn_conv_new(int ic, int oc, int kh, int kw, int stride, int pad, int dilation, int groups,
                        const float *weights, const float *bias, LimnActivation act, float alpha,
                        int accumulate) {
    if (ic <= 0 || oc <= 0 || kh <= 0 || kw <= 0 || stride <= 0 || dilation <= 0 || groups <= 0 ||
        ic % groups || oc % groups || pad < 0) {
        limn_fail("bad convolution parameters");
        return NULL;
    }
    LimnConv *c = conv_create(ic, oc, kh, kw, stride, pad, pad, dilation, groups, weights, bias, act, alpha,
                              accumulate);
    if (c && oc <= 4 && kh > 1 && groups == 1 && stride == 1 && dilation == 1) {
        // Row r of output channel o becomes channel o * kh + r of a 1 x kw convolution.
        float *w = malloc((size_t) oc * kh * ic * kw * sizeof(float));
        if (!w) {
            limn_conv_free(c);
            limn_fail("out of memory for convolution weights");
            return NULL;
        }
        for (int o = 0; o < oc; o++)
            for (int r = 0; r < kh; r++)
                for (int i = 0; i < ic; i++)
                    for (int x = 0; x < kw; x++)
                        w[(((size_t) (o * kh + r) * ic + i) * 1) * kw + x] = weights[(((size_t) o * ic + i) * kh + r) * kw + x];
        c->rows = conv_create(ic, oc * kh, 1, kw, 1, 0, pad, 1, 1, w, NULL, LIMN_ACT_NONE, 0, 0);
        free(w);
        if (!c->rows) {
            limn_conv_free(c);
            return NULL;
        }
    }
    return c;
}

static void plan_free(Plan *p) {
    if (p->prim) dnnl_primitive_destroy(p->prim);
    if (p->wmem) dnnl_memory_destroy(p->wmem);
    if (p->to_blocked) dnnl_primitive_destroy(p->to_blocked);
    free(p);
}

void limn_conv_free(LimnConv *c) {
    if (!c) return;
    pthread_mutex_lock(&live_lock);
    if (c->prev) c->prev->next = c->next; else live = c->next;
    if (c->next) c->next->prev = c->prev;
    pthread_mutex_unlock(&live_lock);
    limn_conv_free(c->rows);
    for (int i = 0; i < c->n_plans; i++) plan_free(c->plans[i]);
    if (c->bmem) dnnl_memory_destroy(c->bmem);
    free(c->weights);
    free(c->bias);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void limn_conv_output_size(const LimnConv *c, int h, int w, int *oh, int *ow) {
    int ekh = (c->kh - 1) * c->dilation + 1, ekw = (c->kw - 1) * c->dilation + 1;
    *oh = (h + 2 * c->pad_h - ekh) / c->stride + 1;
    *ow = (w + 2 * c->pad_w - ekw) / c->stride + 1;
}

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

// The few-output-channel path: per-row partial results, summed here with
// the bias, activation and accumulation the primitive would have fused. The
// output goes in strips of rows whose partial results stay near 4 MB (a
// 560-pixel block's 4-channel ending would otherwise take 15 MB).
static int conv_run_rows(LimnConv *c, const float *src, int h, int w, float *dst) {
    int oh, ow;
    limn_conv_output_size(c, h, w, &oh, &ow);
    const int n = c->oc * c->kh;
    const int strip = imax(1, (1 << 20) / (ow * n) - (c->kh - 1));
    float *t = malloc((size_t) imin(h, strip + c->kh - 1) * ow * n * sizeof(float));
    float *row = malloc((size_t) ow * c->oc * sizeof(float));
    int rc = t && row ? 0 : -1;
    for (int y0 = 0; y0 < oh && !rc; y0 += strip) {
        const int y1 = imin(oh, y0 + strip);
        // The input rows this strip's kernel rows reach: [a, b).
        const int a = imax(0, y0 - c->pad_h), b = imin(h, y1 - 1 + c->kh - c->pad_h);
        rc = limn_conv_run(c->rows, src + (size_t) a * w * c->ic, 0, b - a, w, t);
        for (int y = y0; y < y1 && !rc; y++) {
            for (int x = 0; x < ow; x++)
                for (int o = 0; o < c->oc; o++) row[x * c->oc + o] = c->bias[o];
            for (int r = 0; r < c->kh; r++) {
                int iy = y + r - c->pad_h;
                if (iy < 0 || iy >= h) continue;   // zero padding
                const float *trow = t + (size_t) (iy - a) * ow * n;
                for (int x = 0; x < ow; x++)
                    for (int o = 0; o < c->oc; o++) row[x * c->oc + o] += trow[(size_t) x * n + o * c->kh + r];
            }
            limn_activation(row, (size_t) ow * c->oc, c->act, c->alpha);
            float *d = dst + (size_t) y * ow * c->oc;
            for (int i = 0; i < ow * c->oc; i++) d[i] = c->accumulate ? d[i] + row[i] : row[i];
        }
    }
    if (!t || !row) limn_fail("out of memory in a convolution");
    free(t);
    free(row);
    return rc;
}

static dnnl_status_t reorder_primitive(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                       dnnl_primitive_t *prim) {
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_reorder_primitive_desc_create(&pd, from, limn_dnnl_engine(), to, limn_dnnl_engine(), NULL);
    if (st != dnnl_success) return st;
    st = dnnl_primitive_create(prim, pd);
    dnnl_primitive_desc_destroy(pd);
    return st;
}

static int reorder(dnnl_memory_t from, dnnl_memory_t to) {
    const dnnl_memory_desc_t *fmd, *tmd;
    dnnl_memory_get_memory_desc(from, &fmd);
    dnnl_memory_get_memory_desc(to, &tmd);
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_reorder_primitive_desc_create(&pd, fmd, limn_dnnl_engine(), tmd, limn_dnnl_engine(), NULL), "reorder");
    dnnl_primitive_t r;
    dnnl_status_t st = dnnl_primitive_create(&r, pd);
    dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) return limn_dnnl_fail("reorder", st);
    dnnl_stream_t s;
    dnnl_stream_create(&s, limn_dnnl_engine(), dnnl_stream_default_flags);
    dnnl_exec_arg_t args[2] = { { DNNL_ARG_FROM, from }, { DNNL_ARG_TO, to } };
    st = dnnl_primitive_execute(r, s, 2, args);
    dnnl_stream_wait(s);
    dnnl_stream_destroy(s);
    dnnl_primitive_destroy(r);
    return st == dnnl_success ? 0 : limn_dnnl_fail("reorder", st);
}

// The convolution with its fused activation and accumulation, for these layouts.
static dnnl_status_t make_pd(const LimnConv *c, dnnl_alg_kind_t alg, int fuse_act, const dnnl_memory_desc_t *src,
                             const dnnl_memory_desc_t *wei, const dnnl_memory_desc_t *bia,
                             const dnnl_memory_desc_t *dst, dnnl_primitive_desc_t *pd) {
    dnnl_dims_t strides = { c->stride, c->stride }, dil = { c->dilation - 1, c->dilation - 1 };
    dnnl_dims_t pad = { c->pad_h, c->pad_w };
    dnnl_convolution_desc_t cd;
    dnnl_status_t st = dnnl_dilated_convolution_forward_desc_init(
        &cd, dnnl_forward_inference, alg, src, wei, bia, dst, strides, dil, pad, pad);
    if (st != dnnl_success) return st;
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t ops;
    dnnl_primitive_attr_create(&attr);
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    dnnl_post_ops_create(&ops);
    if (c->act != LIMN_ACT_NONE && fuse_act) {
        float alpha;
        dnnl_alg_kind_t kind = limn_dnnl_activation(c->act, c->alpha, &alpha);
        dnnl_post_ops_append_eltwise(ops, 1.0f, kind, alpha, 0.0f);
    }
    if (c->accumulate) dnnl_post_ops_append_sum(ops, 1.0f);
    dnnl_primitive_attr_set_post_ops(attr, ops);
    dnnl_post_ops_destroy(ops);
    st = dnnl_primitive_desc_create(pd, &cd, attr, limn_dnnl_engine(), NULL);
    dnnl_primitive_attr_destroy(attr);
    return st;
}

enum { WINOGRAD_SCRATCH_MAX = 24 << 20 };

// Winograd F(4,3) does a 3x3 convolution in far fewer multiplies: oneDNN's
// kernel runs 128->128 at 64x64 2.3x faster than the direct one here.
static int winograd_candidate(const LimnConv *c, int h, int w) {
    return c->kh == 3 && c->kw == 3 && c->stride == 1 && c->dilation == 1 && c->groups == 1 &&
           c->ic % 16 == 0 && c->oc % 16 == 0 && h >= 8 && w >= 8;
}

// Builds the primitive for an h x w input; called with c->lock held.
static int plan_new(LimnConv *c, int h, int w, Plan *p) {
    int oh, ow;
    limn_conv_output_size(c, h, w, &oh, &ow);
    if (oh < 1 || ow < 1) {
        return limn_fail("input %dx%d too small for the convolution", w, h);
    }
    memset(p, 0, sizeof(*p));
    dnnl_memory_desc_t wei_md, user_md, bia_md;
    dnnl_dims_t sd = { 1, c->ic, h, w }, dd = { 1, c->oc, oh, ow }, bd = { c->oc };
    dnnl_dims_t wd = { c->oc, c->ic, c->kh, c->kw };
    dnnl_dims_t gwd = { c->groups, c->oc / c->groups, c->ic / c->groups, c->kh, c->kw };
    CHECK(dnnl_memory_desc_init_by_tag(&p->src_md, 4, sd, dnnl_f32, dnnl_nhwc), "memory desc");
    CHECK(dnnl_memory_desc_init_by_tag(&p->dst_md, 4, dd, dnnl_f32, dnnl_nhwc), "memory desc");
    CHECK(dnnl_memory_desc_init_by_tag(&bia_md, 1, bd, dnnl_f32, dnnl_x), "memory desc");
    if (c->groups == 1) {
        CHECK(dnnl_memory_desc_init_by_tag(&wei_md, 4, wd, dnnl_f32, dnnl_format_tag_any), "memory desc");
        CHECK(dnnl_memory_desc_init_by_tag(&user_md, 4, wd, dnnl_f32, dnnl_oihw), "memory desc");
    } else {
        CHECK(dnnl_memory_desc_init_by_tag(&wei_md, 5, gwd, dnnl_f32, dnnl_format_tag_any), "memory desc");
        CHECK(dnnl_memory_desc_init_by_tag(&user_md, 5, gwd, dnnl_f32, dnnl_goihw), "memory desc");
    }
    dnnl_primitive_desc_t pd = NULL;
    if (winograd_candidate(c, h, w)) {
        dnnl_memory_desc_init_by_tag(&p->bsrc_md, 4, sd, dnnl_f32, dnnl_nChw16c);
        dnnl_memory_desc_init_by_tag(&p->bdst_md, 4, dd, dnnl_f32, dnnl_nChw16c);
        dnnl_status_t st = make_pd(c, dnnl_convolution_winograd, 1, &p->bsrc_md, &wei_md, &bia_md, &p->bdst_md, &pd);
        if (st != dnnl_success && c->act != LIMN_ACT_NONE && !c->accumulate) {
            // The Winograd kernel fuses few activations (not LeakyReLU): still
            // worth it with the activation as a separate pass.
            st = make_pd(c, dnnl_convolution_winograd, 0, &p->bsrc_md, &wei_md, &bia_md, &p->bdst_md, &pd);
            p->separate_act = st == dnnl_success;
        }
        // Some shapes make oneDNN's Winograd kernel transform the whole input at once
        // (a 1002x130 input, 32->16: 100 MB of scratchpad): the direct kernel then.
        if (st == dnnl_success &&
            dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)) > WINOGRAD_SCRATCH_MAX)
            st = dnnl_unimplemented;
        if (st == dnnl_success && reorder_primitive(&p->src_md, &p->bsrc_md, &p->to_blocked) == dnnl_success) {
            p->winograd = 1;
        } else {
            p->separate_act = 0;
            // Not for this shape or CPU: the direct kernels.
            if (pd) dnnl_primitive_desc_destroy(pd);
            pd = NULL;
        }
    }
    if (!pd) CHECK(make_pd(c, dnnl_convolution_direct, 1, &p->src_md, &wei_md, &bia_md, &p->dst_md, &pd), "convolution");

    // Weights into the kernel's layout, once per plan.
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    dnnl_memory_t user = NULL;
    dnnl_status_t made = dnnl_memory_create(&user, &user_md, limn_dnnl_engine(), c->weights);
    if (made == dnnl_success) made = dnnl_memory_create(&p->wmem, want, limn_dnnl_engine(), DNNL_MEMORY_ALLOCATE);
    if (made == dnnl_success && !c->bmem) made = dnnl_memory_create(&c->bmem, &bia_md, limn_dnnl_engine(), c->bias);
    if (made != dnnl_success) {
        if (user) dnnl_memory_destroy(user);
        dnnl_primitive_desc_destroy(pd);
        return limn_dnnl_fail("convolution weights", made);
    }
    int rc = reorder(user, p->wmem);
    dnnl_memory_destroy(user);
    p->scratch_md = *dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    const char *impl = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    snprintf(p->kernel, sizeof(p->kernel), "%s", impl ? impl : "unknown");
    dnnl_status_t st = rc ? dnnl_runtime_error : dnnl_primitive_create(&p->prim, pd);
    dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) return rc ? -1 : limn_dnnl_fail("convolution primitive", st);
    p->h = h;
    p->w = w;
    return 0;
}

static dnnl_status_t execute(dnnl_primitive_t prim, dnnl_stream_t s, int n, dnnl_exec_arg_t *args) {
    dnnl_status_t st = dnnl_primitive_execute(prim, s, n, args);
    return st == dnnl_success ? dnnl_stream_wait(s) : st;
}

// The plan for an h x w input, made on first use; give it back with put_plan.
static Plan *get_plan(LimnConv *c, int h, int w) {
    pthread_mutex_lock(&c->lock);
    Plan *plan = NULL;
    for (int i = 0; i < c->n_plans && !plan; i++)
        if (c->plans[i]->h == h && c->plans[i]->w == w) plan = c->plans[i];
    if (!plan) {
        plan = calloc(1, sizeof(Plan));
        if (!plan) {
            limn_fail("out of memory for a convolution plan");
        } else if (plan_new(c, h, w, plan)) {
            plan_free(plan);
            plan = NULL;
        } else {
            if (c->n_plans == MAX_PLANS) {
                int lru = 0;
                for (int i = 1; i < c->n_plans; i++) if (c->plans[i]->used < c->plans[lru]->used) lru = i;
                Plan *old = c->plans[lru];
                c->plans[lru] = c->plans[--c->n_plans];
                if (old->users) old->evicted = 1; else plan_free(old);
            }
            c->plans[c->n_plans++] = plan;
        }
    }
    if (plan) {
        plan->users++;
        plan->used = ++c->clock;
    }
    pthread_mutex_unlock(&c->lock);
    return plan;
}

void limn_conv_release_idle(void) {
    pthread_mutex_lock(&live_lock);
    for (LimnConv *c = live; c; c = c->next) {
        pthread_mutex_lock(&c->lock);
        int kept = 0;
        for (int i = 0; i < c->n_plans; i++) {
            if (c->plans[i]->users) c->plans[kept++] = c->plans[i]; else plan_free(c->plans[i]);
        }
        c->n_plans = kept;
        pthread_mutex_unlock(&c->lock);
    }
    pthread_mutex_unlock(&live_lock);
    pthread_mutex_lock(&scratch_lock);
    for (Scratch *s = scratches; s; s = s->next) {
        if (!s->busy) {
            free(s->data);
            s->data = NULL;
            s->size = 0;
        }
    }
    pthread_mutex_unlock(&scratch_lock);
}

static void put_plan(LimnConv *c, Plan *plan) {
    pthread_mutex_lock(&c->lock);
    if (--plan->users == 0 && plan->evicted) plan_free(plan);
    pthread_mutex_unlock(&c->lock);
}

int limn_conv_blocked(LimnConv *c, int h, int w) {
    if (c->rows) return 0;
    Plan *plan = get_plan(c, h, w);
    if (!plan) return -1;
    int blocked = plan->winograd;
    put_plan(c, plan);
    return blocked;
}

int limn_conv_kernel(LimnConv *c, int h, int w, char *name, int len) {
    if (c->rows) return limn_conv_kernel(c->rows, h, w, name, len);
    Plan *plan = get_plan(c, h, w);
    if (!plan) return -1;
    snprintf(name, len, "%s", plan->kernel);
    put_plan(c, plan);
    return 0;
}

static int run_plan(LimnConv *c, const Plan *p, const float *src, int src_blocked, int h, int w, float *dst);

int limn_conv_run(LimnConv *c, const float *src, int src_blocked, int h, int w, float *dst) {
    if (c->rows) return conv_run_rows(c, src, h, w, dst);
    Plan *plan = get_plan(c, h, w);
    if (!plan) return -1;
    int rc = run_plan(c, plan, src, src_blocked, h, w, dst);
    put_plan(c, plan);
    return rc;
}

static int run_plan(LimnConv *c, const Plan *p, const float *src, int src_blocked, int h, int w, float *dst) {
    const Plan plan = *p;
    const int reorder_src = plan.winograd && !src_blocked;

    // One per-thread buffer holds the scratchpad and, when the input comes in
    // NHWC, its blocked copy for the Winograd kernel.
    size_t scratch_bytes = (dnnl_memory_desc_get_size(&plan.scratch_md) + 63) / 64 * 64;
    size_t bsrc_bytes = reorder_src ? dnnl_memory_desc_get_size(&plan.bsrc_md) : 0;
    char *buf = NULL;
    Scratch *scratch = NULL;
    if (scratch_bytes + bsrc_bytes) {
        scratch = scratch_take(scratch_bytes + bsrc_bytes);
        if (!scratch) {
            return limn_fail("out of memory for a convolution scratchpad");
        }
        buf = scratch->data;
    }
    dnnl_engine_t e = limn_dnnl_engine();
    const dnnl_memory_desc_t *smd = plan.winograd ? &plan.bsrc_md : &plan.src_md;
    const dnnl_memory_desc_t *dmd = plan.winograd ? &plan.bdst_md : &plan.dst_md;
    dnnl_memory_t sm = NULL, dm = NULL, pm = NULL, user = NULL;
    dnnl_status_t st = dnnl_memory_create(&dm, dmd, e, dst);
    if (st == dnnl_success && scratch_bytes) st = dnnl_memory_create(&pm, &plan.scratch_md, e, buf);
    if (st == dnnl_success)
        st = dnnl_memory_create(&sm, smd, e, reorder_src ? (void *) (buf + scratch_bytes) : (void *) src);
    dnnl_stream_t s = NULL;
    if (st == dnnl_success) st = dnnl_stream_create(&s, e, dnnl_stream_default_flags);
    if (st == dnnl_success && reorder_src) {
        st = dnnl_memory_create(&user, &plan.src_md, e, (void *) src);
        dnnl_exec_arg_t r[2] = { { DNNL_ARG_FROM, user }, { DNNL_ARG_TO, sm } };
        if (st == dnnl_success) st = execute(plan.to_blocked, s, 2, r);
    }
    if (st == dnnl_success) {
        dnnl_exec_arg_t args[5] = {
            { DNNL_ARG_SRC, sm }, { DNNL_ARG_WEIGHTS, plan.wmem }, { DNNL_ARG_BIAS, c->bmem }, { DNNL_ARG_DST, dm },
            { DNNL_ARG_SCRATCHPAD, pm },
        };
        st = execute(plan.prim, s, scratch_bytes ? 5 : 4, args);
    }
    if (st == dnnl_success && plan.separate_act) {
        int oh, ow;
        limn_conv_output_size(c, h, w, &oh, &ow);
        if (limn_eltwise(dst, (size_t) oh * ow * c->oc, c->act, c->alpha)) st = dnnl_runtime_error;
    }
    if (s) dnnl_stream_destroy(s);
    dnnl_memory_t all[4] = { sm, dm, pm, user };
    for (int i = 0; i < 4; i++) if (all[i]) dnnl_memory_destroy(all[i]);
    if (scratch) scratch_done(scratch);
    return st == dnnl_success ? 0 : limn_dnnl_fail("convolution", st);
}
