// The tiled block operator: runs a block function over an image of any size
// in blocks larger than vips' demand tiles, so the whole chain streams.
//
// The input is read one block row at a time (a full-width strip plus the halo
// above and below, padded at the image borders), so a sequential loader sees
// requests in order. Every worker that needs a strip helps fetch it, one block
// column at a time, so the operations upstream run on all of them. An input
// that takes requests in any order (`any_order`) is read block by block
// instead, each block with its halo, and no strip is kept. Output
// blocks are computed on first demand by whichever worker asks, cached, and
// copied into the regions vips requests. Memory is bounded by a few block
// rows: it grows with image width, not height.
#include <string.h>
#include "limnvips.h"

enum { BLOCK_EMPTY, BLOCK_BUSY, BLOCK_READY };

typedef struct {
    int state;
    float *data;          // out block, interleaved
} Block;

typedef struct {
    int by;               // block row index, -1 when the slot is free
    int users;            // regions currently reading this row
    float *strip;         // padded input rows, NULL once every block is done
    int strip_ready;      // 0 while workers fetch it
    int chunks_next;      // the next block column of the strip to fetch
    int chunks_done;
    int blocks_done;
    Block *blocks;        // [n_bx]
} Row;

typedef struct {
    VipsImage *in;
    int in_w, in_h, in_bands, out_bands, scale, block_w, block_h, halo;
    LimnPad pad;
    int any_order;
    LimnBlockFn fn;
    void *ctx;
    void (*release)(void *);
    int n_bx, n_by;
    int n_rows;
    Row *rows;
    int failed;
    GMutex lock;
    GCond changed;
} Tiled;

typedef struct {
    VipsRegion *ir;
    float *in_block;      // (block + 2 halo)^2 * in_bands
} Seq;

// Maps a coordinate outside [0, n) into it, or -1 for zero padding.
static int map_coord(int i, int n, LimnPad pad) {
    if (i >= 0 && i < n) return i;
    if (pad == LIMN_PAD_ZERO) return -1;
    if (pad == LIMN_PAD_REPLICATE || n == 1) return i < 0 ? 0 : n - 1;
    int period = 2 * (n - 1);
    i = i % period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

static size_t strip_width(const Tiled *t) { return (size_t) t->in_w + 2 * t->halo; }
static size_t strip_height(const Tiled *t) { return (size_t) t->block_h + 2 * t->halo; }

// The rows of strip `row` and how many there are: y0 is the first (image
// coordinates, may be negative), and lo..hi the source rows they map to.
static int strip_rows(const Tiled *t, const Row *row, int *y0, int *lo, int *hi) {
    *y0 = row->by * t->block_h - t->halo;
    const int rows = MIN(t->block_h, t->in_h - row->by * t->block_h) + 2 * t->halo;
    *lo = t->in_h;
    *hi = -1;
    for (int y = 0; y < rows; y++) {
        int sy = map_coord(*y0 + y, t->in_h, t->pad);
        if (sy < 0) continue;
        *lo = MIN(*lo, sy);
        *hi = MAX(*hi, sy);
    }
    return rows;
}

// Fetches the columns of block column `ch` of the strip for `row` (without its
// halo on either side).
static int strip_chunk(Tiled *t, VipsRegion *ir, Row *row, int ch) {
    const int h = t->halo, c = t->in_bands;
    const int x0 = ch * t->block_w, w = MIN(t->block_w, t->in_w - x0);
    int y0, lo, hi;
    const int rows = strip_rows(t, row, &y0, &lo, &hi);
    if (hi >= lo) {
        VipsRect need = { x0, lo, w, hi - lo + 1 };
        if (vips_region_prepare(ir, &need)) return -1;
    }
    const size_t sw = strip_width(t);
    for (int y = 0; y < rows; y++) {
        float *dst = row->strip + ((size_t) y * sw + h + x0) * c;
        int sy = map_coord(y0 + y, t->in_h, t->pad);
        if (sy < 0) memset(dst, 0, (size_t) w * c * sizeof(float));
        else memcpy(dst, VIPS_REGION_ADDR(ir, x0, sy), (size_t) w * c * sizeof(float));
    }
    return 0;
}

// Pads the strip's sides, from its own columns, once every chunk is in.
static void strip_sides(Tiled *t, Row *row) {
    const int h = t->halo, c = t->in_bands;
    int y0, lo, hi;
    const int rows = strip_rows(t, row, &y0, &lo, &hi);
    const size_t sw = strip_width(t);
    for (int y = 0; y < rows; y++) {
        float *dst = row->strip + (size_t) y * sw * c;
        for (int x = 0; x < h; x++) {
            int l = map_coord(x - h, t->in_w, t->pad), r = map_coord(t->in_w + x, t->in_w, t->pad);
            for (int k = 0; k < c; k++) {
                dst[(size_t) x * c + k] = l < 0 ? 0.0f : dst[(size_t) (h + l) * c + k];
                dst[(size_t) (h + t->in_w + x) * c + k] = r < 0 ? 0.0f : dst[(size_t) (h + r) * c + k];
            }
        }
    }
}

// Fetches chunks of `row`'s strip until none is left, then waits for the
// others' chunks; called with t->lock held. Returns -1 on error.
static int strip_help(Tiled *t, Seq *seq, Row *row) {
    while (!row->strip_ready) {
        if (t->failed) return -1;
        if (row->chunks_next == t->n_bx) {
            g_cond_wait(&t->changed, &t->lock);
            continue;
        }
        int ch = row->chunks_next++;
        g_mutex_unlock(&t->lock);
        int rc = strip_chunk(t, seq->ir, row, ch);
        g_mutex_lock(&t->lock);
        if (rc) {
            t->failed = 1;
            g_cond_broadcast(&t->changed);
            return -1;
        }
        if (++row->chunks_done == t->n_bx) {
            // No one else touches the strip until it is ready.
            g_mutex_unlock(&t->lock);
            strip_sides(t, row);
            g_mutex_lock(&t->lock);
            row->strip_ready = 1;
            g_cond_broadcast(&t->changed);
        }
    }
    return 0;
}

// Returns the row for `by`, building its strip if needed; the caller holds
// t->lock and must call row_release. NULL on error.
static Row *row_acquire(Tiled *t, Seq *seq, int by) {
    for (;;) {
        if (t->failed) return NULL;
        Row *found = NULL, *victim = NULL;
        for (int i = 0; i < t->n_rows; i++) {
            Row *r = &t->rows[i];
            if (r->by == by) { found = r; break; }
            // vips consumes rows top to bottom: the idle row nearest the top is done.
            if (r->users == 0 && (!victim || r->by < victim->by)) victim = r;
        }
        if (found) {
            found->users++;
            if (strip_help(t, seq, found)) { found->users--; return NULL; }
            return found;
        }
        if (!victim) {
            g_cond_wait(&t->changed, &t->lock);
            continue;
        }
        Row *r = victim;
        r->by = by;
        r->users = 1;
        r->strip_ready = 0;
        r->chunks_next = r->chunks_done = 0;
        r->blocks_done = 0;
        for (int i = 0; i < t->n_bx; i++) r->blocks[i].state = BLOCK_EMPTY;
        if (t->any_order) {
            r->strip_ready = 1;
            return r;
        }
        if (!r->strip) r->strip = g_try_malloc(strip_width(t) * strip_height(t) * t->in_bands * sizeof(float));
        if (!r->strip) {
            vips_error("limn", "out of memory for a block row");
            r->by = -1;
            r->users = 0;
            t->failed = 1;
            g_cond_broadcast(&t->changed);
            return NULL;
        }
        if (strip_help(t, seq, r)) { r->users--; return NULL; }
        return r;
    }
}

static void row_release(Tiled *t, Row *r) {
    r->users--;
    g_cond_broadcast(&t->changed);
}

// Reads the iw x ih input pixels whose top left is (x0, y0) (image coordinates,
// beyond the borders padded) into the sequence's block buffer.
static int block_input(Tiled *t, Seq *seq, int x0, int y0, int iw, int ih) {
    const int c = t->in_bands;
    int xlo = t->in_w, xhi = -1, ylo = t->in_h, yhi = -1;
    for (int x = 0; x < iw; x++) {
        int sx = map_coord(x0 + x, t->in_w, t->pad);
        if (sx >= 0) xlo = MIN(xlo, sx), xhi = MAX(xhi, sx);
    }
    for (int y = 0; y < ih; y++) {
        int sy = map_coord(y0 + y, t->in_h, t->pad);
        if (sy >= 0) ylo = MIN(ylo, sy), yhi = MAX(yhi, sy);
    }
    if (xhi >= xlo && yhi >= ylo) {
        VipsRect need = { xlo, ylo, xhi - xlo + 1, yhi - ylo + 1 };
        if (vips_region_prepare(seq->ir, &need)) return -1;
    }
    // The columns inside the image, one run; those beyond its sides one pixel at a time.
    const int in_lo = MAX(0, -x0), in_hi = MIN(iw, t->in_w - x0);
    for (int y = 0; y < ih; y++) {
        float *dst = seq->in_block + (size_t) y * iw * c;
        int sy = map_coord(y0 + y, t->in_h, t->pad);
        if (sy < 0) {
            memset(dst, 0, (size_t) iw * c * sizeof(float));
            continue;
        }
        if (in_hi > in_lo)
            memcpy(dst + (size_t) in_lo * c, VIPS_REGION_ADDR(seq->ir, x0 + in_lo, sy), (size_t) (in_hi - in_lo) * c * sizeof(float));
        for (int x = 0; x < iw; x++) {
            if (x >= in_lo && x < in_hi) continue;
            int sx = map_coord(x0 + x, t->in_w, t->pad);
            if (sx < 0) memset(dst + (size_t) x * c, 0, c * sizeof(float));
            else memcpy(dst + (size_t) x * c, VIPS_REGION_ADDR(seq->ir, sx, sy), c * sizeof(float));
        }
    }
    return 0;
}

// Computes block bx of `row`, which is empty; called with t->lock held,
// which it releases while the block function runs.
static int block_compute(Tiled *t, Seq *seq, Row *row, int bx) {
    Block *b = &row->blocks[bx];
    b->state = BLOCK_BUSY;
    const int h = t->halo, c = t->in_bands, s = t->scale;
    const int bw = MIN(t->block_w, t->in_w - bx * t->block_w);
    const int bh = MIN(t->block_h, t->in_h - row->by * t->block_h);
    const int iw = bw + 2 * h, ih = bh + 2 * h;
    if (!b->data) b->data = g_try_malloc((size_t) t->block_w * s * t->block_h * s * t->out_bands * sizeof(float));
    g_mutex_unlock(&t->lock);

    int rc = -1;
    char err[256] = "";
    if (b->data) {
        const size_t sw = strip_width(t);
        if (t->any_order) {
            rc = block_input(t, seq, bx * t->block_w - h, row->by * t->block_h - h, iw, ih);
        } else {
            for (int y = 0; y < ih; y++)
                memcpy(seq->in_block + (size_t) y * iw * c,
                       row->strip + ((size_t) y * sw + (size_t) bx * t->block_w) * c,
                       (size_t) iw * c * sizeof(float));
            rc = 0;
        }
        if (!rc) {
            rc = t->fn(t->ctx, seq->in_block, iw, ih, c, b->data, bw * s, bh * s, t->out_bands, err, sizeof(err));
            if (rc) vips_error("limn", "%s", err[0] ? err : "block function failed");
        }
    } else {
        vips_error("limn", "out of memory for a block");
    }

    g_mutex_lock(&t->lock);
    if (rc) {
        b->state = BLOCK_EMPTY;
        t->failed = 1;
    } else {
        b->state = BLOCK_READY;
        // The strip is only needed until every block of its row is computed.
        if (++row->blocks_done == t->n_bx) {
            g_free(row->strip);
            row->strip = NULL;
        }
    }
    g_cond_broadcast(&t->changed);
    return rc;
}

// Makes block (bx, row) ready; called with t->lock held. While another
// worker computes it, this one computes other blocks of the row rather than
// wait: vips hands neighbouring demand tiles, which mostly share a block, to
// different workers.
static int block_ensure(Tiled *t, Seq *seq, Row *row, int bx) {
    Block *b = &row->blocks[bx];
    for (;;) {
        if (t->failed) return -1;
        if (b->state == BLOCK_READY) return 0;
        if (b->state == BLOCK_EMPTY) return block_compute(t, seq, row, bx);
        int other = -1;
        for (int i = 0; i < t->n_bx && other < 0; i++)
            if (row->blocks[i].state == BLOCK_EMPTY) other = i;
        if (other >= 0) {
            if (block_compute(t, seq, row, other)) return -1;
        } else {
            g_cond_wait(&t->changed, &t->lock);
        }
    }
}

static int tiled_generate(VipsRegion *out, void *vseq, void *a, void *b, gboolean *stop) {
    Seq *seq = (Seq *) vseq;
    Tiled *t = (Tiled *) b;
    const VipsRect *r = &out->valid;
    const int obw = t->block_w * t->scale, obh = t->block_h * t->scale, c = t->out_bands;
    const int by0 = r->top / obh, by1 = (r->top + r->height - 1) / obh;
    const int bx0 = r->left / obw, bx1 = (r->left + r->width - 1) / obw;

    for (int by = by0; by <= by1; by++) {
        g_mutex_lock(&t->lock);
        Row *row = row_acquire(t, seq, by);
        if (!row) {
            g_mutex_unlock(&t->lock);
            return -1;
        }
        int rc = 0;
        for (int bx = bx0; bx <= bx1 && !rc; bx++) rc = block_ensure(t, seq, row, bx);
        g_mutex_unlock(&t->lock);

        // Ready blocks are immutable while the row is held: copy unlocked.
        for (int bx = bx0; bx <= bx1 && !rc; bx++) {
            const int bw = MIN(t->block_w, t->in_w - bx * t->block_w) * t->scale;
            VipsRect blk = { bx * obw, by * obh, bw, MIN(t->block_h, t->in_h - by * t->block_h) * t->scale };
            VipsRect part;
            vips_rect_intersectrect(&blk, r, &part);
            const float *data = row->blocks[bx].data;
            for (int y = 0; y < part.height; y++) {
                const float *src = data + ((size_t) (part.top - blk.top + y) * bw + (part.left - blk.left)) * c;
                memcpy(VIPS_REGION_ADDR(out, part.left, part.top + y), src, (size_t) part.width * c * sizeof(float));
            }
        }
        g_mutex_lock(&t->lock);
        row_release(t, row);
        g_mutex_unlock(&t->lock);
        if (rc) return -1;
    }
    return 0;
}

static void *tiled_start(VipsImage *out, void *a, void *b) {
    Tiled *t = (Tiled *) b;
    Seq *seq = g_new0(Seq, 1);
    seq->ir = vips_region_new(t->in);
    size_t n = strip_height(t) * (size_t) (t->block_w + 2 * t->halo) * t->in_bands;
    seq->in_block = g_try_malloc(n * sizeof(float));
    if (!seq->in_block) {
        g_object_unref(seq->ir);
        g_free(seq);
        vips_error("limn", "out of memory for a block");
        return NULL;
    }
    return seq;
}

static int tiled_stop(void *vseq, void *a, void *b) {
    Seq *seq = (Seq *) vseq;
    g_object_unref(seq->ir);
    g_free(seq->in_block);
    g_free(seq);
    return 0;
}

static void tiled_close(VipsImage *image, Tiled *t) {
    for (int i = 0; i < t->n_rows; i++) {
        for (int j = 0; j < t->n_bx; j++) g_free(t->rows[i].blocks[j].data);
        g_free(t->rows[i].blocks);
        g_free(t->rows[i].strip);
    }
    g_free(t->rows);
    g_mutex_clear(&t->lock);
    g_cond_clear(&t->changed);
    g_object_unref(t->in);
    if (t->release) t->release(t->ctx);
    g_free(t);
}

// Block rows vips can touch at once: it computes at most two strips of
// n_lines output rows (one per sink buffer); keep every block row they reach.
// (A spare row measured no faster and cost a third more memory.)
static int rows_kept(int n_by, int n_lines, int out_block_h) {
    return MIN(n_by, (2 * n_lines + out_block_h - 2) / out_block_h + 1);
}

// The block height: the block width, or the tallest multiple of `align` below
// it whose kept rows of output blocks fit in `cache_limit` bytes, but not below
// 32 rows: shorter blocks would spend most of their work on the halo, while the
// kept rows never drop under the two sink strips anyway (memory then follows the
// width: about 180 MB for a 10000-pixel-wide input at x4).
static int chosen_block_h(const LimnTiling *g, int in_w, int in_h, int n_lines) {
    const size_t out_line = (size_t) in_w * g->scale * g->out_bands * sizeof(float);
    const int lowest = MIN(g->block_w, (32 + g->align - 1) / g->align * g->align);
    int bh = g->block_w;
    while (bh - g->align >= lowest) {
        const int n_by = (in_h + bh - 1) / bh;
        if ((size_t) rows_kept(n_by, n_lines, bh * g->scale) * bh * g->scale * out_line <= g->cache_limit) break;
        bh -= g->align;
    }
    return bh;
}

int limn_tiled(VipsImage *in, VipsImage **out, const LimnTiling *g, LimnBlockFn fn, void *ctx,
               void (*release)(void *)) {
    if (g->scale < 1 || g->block_w < 1 || g->block_h < 0 || g->align < 1 || g->halo < 0 || g->out_bands < 1) {
        if (release) release(ctx);
        vips_error("limn", "bad tiling: scale %d, block %dx%d, halo %d", g->scale, g->block_w, g->block_h, g->halo);
        return -1;
    }
    Tiled *t = g_new0(Tiled, 1);
    if (vips_cast(in, &t->in, VIPS_FORMAT_FLOAT, NULL)) {
        if (release) release(ctx);
        g_free(t);
        return -1;
    }
    t->in_w = in->Xsize;
    t->in_h = in->Ysize;
    t->in_bands = in->Bands;
    t->out_bands = g->out_bands;
    t->scale = g->scale;
    t->block_w = g->block_w;
    t->halo = g->halo;
    t->pad = g->pad;
    t->any_order = g->any_order;
    t->fn = fn;
    t->ctx = ctx;
    t->release = release;
    g_mutex_init(&t->lock);
    g_cond_init(&t->changed);

    *out = vips_image_new();
    g_signal_connect(*out, "close", G_CALLBACK(tiled_close), t);
    if (vips_image_pipelinev(*out, VIPS_DEMAND_STYLE_SMALLTILE, t->in, NULL)) {
        g_object_unref(*out);
        return -1;
    }
    (*out)->Xsize = t->in_w * g->scale;
    (*out)->Ysize = t->in_h * g->scale;
    (*out)->Bands = g->out_bands;

    int tw, th, n_lines;
    vips_get_tile_size(*out, &tw, &th, &n_lines);
    t->block_h = g->block_h ? g->block_h : chosen_block_h(g, t->in_w, t->in_h, n_lines);
    t->n_bx = (t->in_w + t->block_w - 1) / t->block_w;
    t->n_by = (t->in_h + t->block_h - 1) / t->block_h;
    // Every block row one of the consumer's requests reaches stays, or blocks that the
    // next request needs again would be computed twice.
    const int out_h = t->block_h * g->scale;
    t->n_rows = MAX(rows_kept(t->n_by, n_lines, out_h), MIN(t->n_by, (g->consumer_lines + out_h - 2) / out_h + 1));
    t->rows = g_new0(Row, t->n_rows);
    for (int i = 0; i < t->n_rows; i++) {
        t->rows[i].by = -1;
        t->rows[i].blocks = g_new0(Block, t->n_bx);
    }
    if (vips_image_generate(*out, tiled_start, tiled_generate, tiled_stop, NULL, t)) {
        g_object_unref(*out);
        return -1;
    }
    return 0;
}
