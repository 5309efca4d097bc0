/*
 * Inside the decoders: where decoded bytes go (not part of the library's
 * interface).
 *
 * One-call mode (no sink): the window is the caller's whole output buffer,
 * it never slides, and a match always finds its source in it.
 *
 * Streaming mode (a struct decompress_sink): the window is the decoder's
 * history, a buffer of the caller's. Bytes are handed to the sink when the
 * window slides (keeping its last `keep` bytes) and at the end of each
 * block or member; a match that reaches further back than the window reads
 * its source from the sink (only XZ can: its dictionary is up to 4 GiB,
 * DEFLATE's 32 KiB always stay in the window).
 */
#ifndef DECOMPRESS_WINDOW_H
#define DECOMPRESS_WINDOW_H

#include <decompress/decompress.h>
#include <domb/errno.h>

/* Room a decoder may use past window_slide_at without sliding: the longest
 * LZMA match (273 bytes) or DEFLATE match (258), rounded up. */
#define WINDOW_SLACK 512u

struct dc_window {
    uint8_t *buf;
    size_t size;     /* bytes of buf */
    size_t keep;     /* history kept when sliding (streaming) */
    size_t slide_at; /* pos at which the decoder slides (SIZE_MAX: one-call mode) */
    uint64_t base;   /* output offset of buf[0] */
    size_t pos;      /* next byte goes to buf[pos] */
    size_t flushed;  /* buf[0, flushed) has been handed on */
    uint64_t limit;  /* the most output allowed (out_cap) */
    const struct decompress_sink *sink; /* NULL: one-call mode */
    /* Called with every byte as it is handed on (running checks). */
    void (*hook)(void *arg, const uint8_t *p, size_t n);
    void *hook_arg;
};

/* One-call mode: the window is out[0, out_cap). */
static inline void dcw_init_buffer(struct dc_window *w, uint8_t *out, size_t out_cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = out;
    w->size = out_cap;
    w->slide_at = (size_t)-1;
    w->limit = out_cap;
}

/* Streaming mode; the caller has checked window_size >= DECOMPRESS_WINDOW_MIN. */
static inline void dcw_init_stream(struct dc_window *w, const struct decompress_stream *s)
{
    memset(w, 0, sizeof(*w));
    w->buf = s->window;
    w->size = s->window_size;
    w->keep = s->window_size / 2;
    w->slide_at = s->window_size - WINDOW_SLACK;
    w->limit = s->out_cap;
    w->sink = s->sink;
}

static inline uint64_t dcw_at(const struct dc_window *w)
{
    return w->base + w->pos;
}

/* Hand buf[flushed, pos) on: to the hook, then to the sink. Returns the
 * sink's answer (0, DECOMPRESS_STOP or its negative error). */
static inline int dcw_flush(struct dc_window *w)
{
    size_t n = w->pos - w->flushed;
    int rc = 0;

    if (n == 0)
        return 0;
    if (w->hook)
        w->hook(w->hook_arg, w->buf + w->flushed, n);
    if (w->sink)
        rc = w->sink->write(w->sink->ctx, w->base + w->flushed, w->buf + w->flushed, n);
    w->flushed = w->pos;
    return rc;
}

/* Streaming: flush, then keep only the last `keep` bytes. */
static inline int dcw_slide(struct dc_window *w)
{
    int rc = dcw_flush(w);
    size_t drop;

    if (rc)
        return rc;
    drop = w->pos - w->keep;
    memmove(w->buf, w->buf + drop, w->keep);
    w->base += drop;
    w->pos = w->flushed = w->keep;
    return 0;
}

/* Make room for n more bytes (n <= size - keep - WINDOW_SLACK in streaming
 * mode; one-call callers check the output limit instead). */
static inline int dcw_reserve(struct dc_window *w, size_t n)
{
    if (!w->sink || w->pos + n <= w->size)
        return 0;
    return dcw_slide(w);
}

/* Streaming: flush and start an empty window at the current offset (a new
 * XZ block: its dictionary starts afresh). One-call mode: flush only. */
static inline int dcw_restart(struct dc_window *w)
{
    int rc = dcw_flush(w);

    if (rc == 0 && w->sink) {
        w->base += w->pos;
        w->pos = w->flushed = 0;
    }
    return rc;
}

/* Output bytes [at, at + n) that left the window, back from the sink. */
static inline int dcw_read_back(const struct dc_window *w, uint64_t at, uint8_t *dst, size_t n)
{
    return w->sink->read(w->sink->ctx, at, dst, n);
}

/*
 * A sink that keeps the first bytes of the output (bzimage_prefix()):
 * [0, want) into buf, 8 more into tail (look-ahead for the x86 filter), and
 * says DECOMPRESS_STOP once it has them all. It keeps what a filter pass
 * writes again, too.
 */
struct dc_capture {
    uint8_t *buf;
    size_t want;
    uint8_t tail[8];
    uint64_t have; /* bytes [0, have) captured */
};

static inline int dc_capture_write(void *ctx, uint64_t pos, const void *src, size_t len)
{
    struct dc_capture *c = ctx;
    const uint8_t *p = src;
    uint64_t lim = c->want + sizeof(c->tail);

    for (uint64_t i = pos; i < pos + len && i < lim; i++) {
        if (i < c->want)
            c->buf[i] = p[i - pos];
        else
            c->tail[i - c->want] = p[i - pos];
    }
    if (pos + len > c->have)
        c->have = pos + len < lim ? pos + len : lim;
    return c->have >= lim ? DECOMPRESS_STOP : 0;
}

static inline uint8_t *dc_capture_at(struct dc_capture *c, uint64_t i)
{
    return i < c->want ? c->buf + i : c->tail + (i - c->want);
}

/* Reading back: only the x86 filter of a block that ended inside the
 * capture does (a match never reaches past the window: the capture stops
 * before it first slides, bzimage_prefix() asks for a window larger than
 * want + 8). */
static inline int dc_capture_read(void *ctx, uint64_t pos, void *dst, size_t len)
{
    struct dc_capture *c = ctx;
    uint8_t *p = dst;

    if (pos + len > c->have)
        return -XEN_EIO;
    for (uint64_t i = 0; i < len; i++)
        p[i] = *dc_capture_at(c, pos + i);
    return 0;
}

#endif
