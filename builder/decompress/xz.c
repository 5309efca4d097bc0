/*
 * XZ decoder: the .xz container (XZ file format 1.1.0), LZMA2, LZMA and the
 * x86 BCJ filter, in one call with all output in one buffer, or streamed
 * through a sink (window.h).
 *
 * In one-call mode the whole output stays in memory, so the LZMA2
 * dictionary is simply the output written since the last dictionary reset:
 * a match copies from earlier in `out`. Streaming, the dictionary is the
 * window plus what the sink holds: a match reaching past the window reads
 * its source back. A distance is valid when it stays inside both the output
 * since the reset and the dictionary size the block header declares
 * (rounded the way liblzma sizes its buffer, so both accept the same
 * streams).
 *
 * The range decoder never reads past its chunk: when the chunk's compressed
 * bytes run out it feeds zeros and records an overrun, which fails the chunk;
 * every loop iteration produces at least one output byte, and the output a
 * chunk may produce is checked against out_cap before it is decoded.
 */
#include "window.h"

#include <decompress/decompress.h>
#include <domb/byteorder.h>
#include <domb/errno.h>
#include <domb/sha256.h>

#include <stdarg.h>

#define XZ_STREAM_HEADER_SIZE 12
#define XZ_STREAM_FOOTER_SIZE 12
#define XZ_FILTER_X86         0x04
#define XZ_FILTER_LZMA2       0x21
#define XZ_CHECK_NONE         0x00
#define XZ_CHECK_CRC32        0x01
#define XZ_CHECK_CRC64        0x04
#define XZ_CHECK_SHA256       0x0a

static const uint8_t xz_header_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};

/* The running integrity check of a block (XZ_CHECK_*). */
struct xz_check_state {
    unsigned type;
    uint32_t crc32;
    uint64_t crc64;
    struct sha256_ctx sha;
};

/* x86 BCJ decoder state between two stretches of one block. */
struct bcj_state {
    uint32_t mask;
    uint64_t last; /* block offset of the last E8/E9 seen */
    bool seen;
    uint64_t next; /* block offset to scan from */
};

/* Everything one decode call needs; lives on the caller's stack. */
struct xz_ctx {
    struct dc_window w; /* where the output goes (window.h) */
    struct xz_lzma_probs *probs;
    struct domb_error *err;
    unsigned stream; /* index of the stream being decoded, for messages */
    uint64_t block;  /* index of the block being decoded, for messages */
    bool in_block;   /* whether messages name the block */
    unsigned check;  /* check type of the current stream */
    size_t check_size;

    struct xz_check_state chk; /* over the current block's final bytes */
    /* The current block's filter has not run yet (for a prefix that stops
     * before it does). */
    bool filter_pending;
    uint32_t block_bcj_start;
    uint64_t block_start;

    /* LZMA2 state of the current block */
    uint64_t dict_start; /* output offset of the last dictionary reset */
    uint64_t dict_limit; /* largest distance + 1 the dictionary size allows */
    bool need_dict_reset;
    bool need_props;
    unsigned lc, lp, pb;
    uint32_t state;
    uint32_t rep0, rep1, rep2, rep3;
};

/* Record an error prefixed with "xz: [stream N: ][block M: ]" and return code. */
__attribute__((format(printf, 3, 4))) static int xz_fail(struct xz_ctx *x, int code,
                                                         const char *fmt, ...)
{
    char what[120];
    char where[48] = "";
    va_list ap;

    va_start(ap, fmt);
    domb_vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (x->stream > 0 && x->in_block)
        domb_snprintf(where, sizeof(where), "stream %u: block %llu: ", x->stream,
                      (unsigned long long)x->block);
    else if (x->stream > 0)
        domb_snprintf(where, sizeof(where), "stream %u: ", x->stream);
    else if (x->in_block)
        domb_snprintf(where, sizeof(where), "block %llu: ", (unsigned long long)x->block);
    return domb_error_set(x->err, code, "xz: %s%s", where, what);
}

/*
 * Variable-length integer (XZ "multibyte integer"): 7 bits per byte, low bits
 * first, at most 9 bytes, no superfluous trailing zero byte.
 * Returns the bytes used, 0 if the buffer ends first, -1 if malformed.
 */
static int xz_vli(const uint8_t *p, size_t avail, uint64_t *value)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < 9; i++) {
        if (i >= avail)
            return 0;
        uint8_t b = p[i];
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0)
                return -1; /* non-minimal encoding */
            *value = v;
            return (int)i + 1;
        }
    }
    return -1; /* more than 63 bits */
}

/* ---------------------------------------------------------------- range decoder */

struct xz_rc {
    uint32_t range;
    uint32_t code;
    const uint8_t *in;
    const uint8_t *end;
    bool overrun; /* needed a byte beyond the chunk */
};

#define RC_TOP        (1U << 24)
#define RC_MODEL_BITS 11
#define RC_MOVE_BITS  5
#define RC_PROB_INIT  (1U << (RC_MODEL_BITS - 1))

static inline void rc_normalize(struct xz_rc *rc)
{
    if (rc->range < RC_TOP) {
        rc->range <<= 8;
        rc->code <<= 8;
        if (rc->in < rc->end)
            rc->code |= *rc->in++;
        else
            rc->overrun = true;
    }
}

static inline unsigned rc_bit(struct xz_rc *rc, uint16_t *prob)
{
    rc_normalize(rc);
    uint32_t bound = (rc->range >> RC_MODEL_BITS) * *prob;
    if (rc->code < bound) {
        rc->range = bound;
        *prob += ((1U << RC_MODEL_BITS) - *prob) >> RC_MOVE_BITS;
        return 0;
    }
    rc->range -= bound;
    rc->code -= bound;
    *prob -= *prob >> RC_MOVE_BITS;
    return 1;
}

/* A bit tree of `bits` levels, most significant bit first. */
static inline uint32_t rc_tree(struct xz_rc *rc, uint16_t *probs, unsigned bits)
{
    uint32_t sym = 1;

    for (unsigned i = 0; i < bits; i++)
        sym = (sym << 1) | rc_bit(rc, &probs[sym]);
    return sym - (1U << bits);
}

/* A bit tree read least significant bit first; probs[0] is the root. */
static inline uint32_t rc_tree_reverse(struct xz_rc *rc, uint16_t *probs, unsigned bits)
{
    uint32_t sym = 1, value = 0;

    for (unsigned i = 0; i < bits; i++) {
        unsigned b = rc_bit(rc, &probs[sym - 1]);
        sym = (sym << 1) | b;
        value |= (uint32_t)b << i;
    }
    return value;
}

/* Bits with fixed probability one half. */
static inline uint32_t rc_direct(struct xz_rc *rc, unsigned bits)
{
    uint32_t value = 0;

    for (unsigned i = 0; i < bits; i++) {
        rc_normalize(rc);
        rc->range >>= 1;
        uint32_t bit = rc->code >= rc->range;
        rc->code -= rc->range & (0U - bit);
        value = (value << 1) | bit;
    }
    return value;
}

/* ---------------------------------------------------------------- LZMA */

#define LZMA_LIT_STATES 7 /* states below this follow a literal */

static void lzma_reset_state(struct xz_ctx *x)
{
    uint16_t *p = (uint16_t *)x->probs;
    size_t n = offsetof(struct xz_lzma_probs, literal) / sizeof(uint16_t) +
               ((size_t)0x300 << (x->lc + x->lp));

    /* Fill by doubling copies: a handful of memcpy calls instead of a loop
     * over up to 14000 entries on every state reset. */
    p[0] = RC_PROB_INIT;
    for (size_t done = 1; done < n; done *= 2)
        memcpy(p + done, p, (done < n - done ? done : n - done) * sizeof(*p));
    x->state = 0;
    x->rep0 = x->rep1 = x->rep2 = x->rep3 = 0;
}

static inline uint32_t lzma_len(struct xz_rc *rc, struct xz_lzma_len_probs *l, unsigned ps)
{
    if (!rc_bit(rc, &l->choice))
        return 2 + rc_tree(rc, l->low[ps], 3);
    if (!rc_bit(rc, &l->choice2))
        return 10 + rc_tree(rc, l->mid[ps], 3);
    return 18 + rc_tree(rc, l->high, 8);
}

/* Distance minus one of a match of length len (0xFFFFFFFF is the end marker). */
static inline uint32_t lzma_distance(struct xz_rc *rc, struct xz_lzma_probs *pr, uint32_t len)
{
    unsigned len_state = len < 5 ? len - 2 : 3;
    uint32_t slot = rc_tree(rc, pr->dist_slot[len_state], 6);

    if (slot < 4)
        return slot;
    unsigned direct = (slot >> 1) - 1;
    uint32_t dist = (2 | (slot & 1)) << direct;
    if (slot < 14)
        return dist + rc_tree_reverse(rc, pr->dist_special + (dist - slot), direct);
    dist += rc_direct(rc, direct - 4) << 4;
    return dist + rc_tree_reverse(rc, pr->dist_align, 4);
}

/* Pick the message for a failure inside a chunk: running out of compressed
 * bytes explains whatever garbage followed, so it wins. */
#define LZMA_FAIL(code, ...)                                                                       \
    do {                                                                                           \
        if (rc.overrun)                                                                            \
            goto overrun;                                                                          \
        ret = xz_fail(x, code, __VA_ARGS__);                                                       \
        goto out;                                                                                  \
    } while (0)

/* One byte at distance rep0 + 1 behind window position wpos: from the window,
 * or (streaming, far back) from the sink. */
static inline int lzma_byte_at(struct xz_ctx *x, size_t wpos, uint32_t rep0, unsigned *b)
{
    uint8_t c;
    int rc;

    if (rep0 < wpos) {
        *b = x->w.buf[wpos - rep0 - 1];
        return 0;
    }
    rc = dcw_read_back(&x->w, x->w.base + wpos - rep0 - 1, &c, 1);
    *b = c;
    return rc;
}

/*
 * Copy a match of len bytes from distance rep0 + 1 whose source starts
 * before the window (streaming only): that part comes back from the sink,
 * the rest from the window's start. The source never overlaps the bytes
 * being written: the window keeps more than the longest match.
 */
static int lzma_far_copy(struct xz_ctx *x, size_t wpos, uint32_t rep0, uint32_t len)
{
    uint64_t from = x->w.base + wpos - rep0 - 1;
    size_t far = (size_t)(x->w.base - from);
    int rc;

    if (far > len)
        far = len;
    rc = dcw_read_back(&x->w, from, x->w.buf + wpos, far);
    if (rc == 0 && len > far)
        memcpy(x->w.buf + wpos + far, x->w.buf, len - far);
    return rc;
}

/* Decode one LZMA chunk of in_size compressed bytes into exactly unc bytes. */
static int lzma_chunk(struct xz_ctx *x, const uint8_t *in, size_t in_size, size_t unc)
{
    struct xz_lzma_probs *pr = x->probs;
    struct dc_window *w = &x->w;
    struct xz_rc rc;
    int ret = 0;

    if (in_size < 5)
        return xz_fail(x, XZ_ERR_LZMA_RANGE, "LZMA chunk of %zu bytes is too short", in_size);
    if (in[0] != 0)
        return xz_fail(x, XZ_ERR_LZMA_RANGE, "LZMA chunk's first byte is 0x%02x, not 0", in[0]);
    rc.range = 0xffffffffU;
    rc.code = (uint32_t)in[1] << 24 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 8 | in[4];
    rc.in = in + 5;
    rc.end = in + in_size;
    rc.overrun = false;

    /* pos counts from the last dictionary reset (what LZMA's contexts and
     * the distance checks use), wpos is where the byte goes in the window;
     * both advance together. In one-call mode the window is the output, so
     * a valid distance always finds its source in it. */
    uint8_t *win = w->buf;
    size_t wpos = w->pos;
    size_t pos = (size_t)(dcw_at(w) - x->dict_start);
    const size_t end = pos + unc;
    const size_t slide_at = w->slide_at;
    const uint64_t dict_limit = x->dict_limit;
    const size_t pb_mask = ((size_t)1 << x->pb) - 1;
    const size_t lp_mask = ((size_t)1 << x->lp) - 1;
    const unsigned lc = x->lc;
    uint32_t state = x->state;
    uint32_t rep0 = x->rep0, rep1 = x->rep1, rep2 = x->rep2, rep3 = x->rep3;

    while (pos < end) {
        unsigned ps = pos & pb_mask;

        if (wpos >= slide_at) {
            w->pos = wpos;
            ret = dcw_slide(w);
            wpos = w->pos;
            if (ret)
                goto out;
        }
        if (!rc_bit(&rc, &pr->is_match[state][ps])) {
            unsigned prev = pos ? win[wpos - 1] : 0;
            uint16_t *lit = pr->literal[((pos & lp_mask) << lc) + (prev >> (8 - lc))];
            unsigned sym = 1;

            if (state < LZMA_LIT_STATES) {
                do
                    sym = (sym << 1) | rc_bit(&rc, &lit[sym]);
                while (sym < 0x100);
            } else {
                unsigned match;

                if (rep0 >= pos)
                    LZMA_FAIL(XZ_ERR_LZMA_DISTANCE,
                              "matched literal at output offset %llu "
                              "refers to distance %u beyond the dictionary",
                              (unsigned long long)(w->base + wpos), rep0 + 1);
                if ((ret = lzma_byte_at(x, wpos, rep0, &match)) != 0)
                    goto out;
                unsigned offset = 0x100;
                do {
                    match <<= 1;
                    unsigned match_bit = match & offset;
                    unsigned bit = rc_bit(&rc, &lit[offset + match_bit + sym]);
                    sym = (sym << 1) | bit;
                    offset &= bit ? match_bit : ~match_bit;
                } while (sym < 0x100);
            }
            win[wpos++] = (uint8_t)sym;
            pos++;
            state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
            if (rc.overrun)
                goto overrun;
            continue;
        }

        uint32_t len;
        if (!rc_bit(&rc, &pr->is_rep[state])) {
            rep3 = rep2;
            rep2 = rep1;
            rep1 = rep0;
            len = lzma_len(&rc, &pr->match_len, ps);
            state = state < LZMA_LIT_STATES ? 7 : 10;
            rep0 = lzma_distance(&rc, pr, len);
            if (rep0 == 0xffffffffU)
                LZMA_FAIL(XZ_ERR_LZMA_END_MARKER,
                          "end-of-payload marker at output offset %llu (not allowed in LZMA2)",
                          (unsigned long long)(w->base + wpos));
        } else if (!rc_bit(&rc, &pr->is_rep0[state])) {
            if (!rc_bit(&rc, &pr->is_rep0_long[state][ps])) {
                /* short rep: one byte from distance rep0 */
                unsigned b;

                if (rep0 >= pos || rep0 >= dict_limit)
                    LZMA_FAIL(XZ_ERR_LZMA_DISTANCE,
                              "distance %u beyond the dictionary at output offset %llu", rep0 + 1,
                              (unsigned long long)(w->base + wpos));
                state = state < LZMA_LIT_STATES ? 9 : 11;
                if ((ret = lzma_byte_at(x, wpos, rep0, &b)) != 0)
                    goto out;
                win[wpos++] = (uint8_t)b;
                pos++;
                if (rc.overrun)
                    goto overrun;
                continue;
            }
            len = lzma_len(&rc, &pr->rep_len, ps);
            state = state < LZMA_LIT_STATES ? 8 : 11;
        } else {
            uint32_t dist;
            if (!rc_bit(&rc, &pr->is_rep1[state])) {
                dist = rep1;
            } else {
                if (!rc_bit(&rc, &pr->is_rep2[state])) {
                    dist = rep2;
                } else {
                    dist = rep3;
                    rep3 = rep2;
                }
                rep2 = rep1;
            }
            rep1 = rep0;
            rep0 = dist;
            len = lzma_len(&rc, &pr->rep_len, ps);
            state = state < LZMA_LIT_STATES ? 8 : 11;
        }

        if (rc.overrun)
            goto overrun;
        if (rep0 >= pos || rep0 >= dict_limit)
            LZMA_FAIL(XZ_ERR_LZMA_DISTANCE,
                      "distance %u beyond the dictionary at output offset %llu", rep0 + 1,
                      (unsigned long long)(w->base + wpos));
        if (len > end - pos)
            LZMA_FAIL(XZ_ERR_LZMA_MATCH_OVERRUN,
                      "match of %u bytes at output offset %llu runs past the end of its "
                      "LZMA2 chunk",
                      len, (unsigned long long)(w->base + wpos));
        if (rep0 >= wpos) {
            if ((ret = lzma_far_copy(x, wpos, rep0, len)) != 0)
                goto out;
            wpos += len;
            pos += len;
            continue;
        }
        uint8_t *dst = win + wpos;
        const uint8_t *src = dst - rep0 - 1;
        wpos += len;
        pos += len;
        do
            *dst++ = *src++;
        while (--len);
    }

    /* The encoder flushes whole bytes: normalising once more after the last
     * symbol consumes the chunk's final byte. */
    rc_normalize(&rc);
    if (rc.overrun)
        goto overrun;
    if (rc.in != rc.end)
        LZMA_FAIL(XZ_ERR_LZMA_RANGE, "LZMA chunk leaves %zu of its compressed bytes unused",
                  (size_t)(rc.end - rc.in));
    if (rc.code != 0)
        LZMA_FAIL(XZ_ERR_LZMA_RANGE, "range decoder not finished at the end of an LZMA chunk");
    goto out;

overrun:
    ret = xz_fail(x, XZ_ERR_LZMA_RANGE,
                  "LZMA chunk's %zu compressed bytes end before its data at output offset %llu",
                  in_size, (unsigned long long)w->base + wpos);
out:
    w->pos = wpos;
    x->state = state;
    x->rep0 = rep0;
    x->rep1 = rep1;
    x->rep2 = rep2;
    x->rep3 = rep3;
    return ret;
}

/* ---------------------------------------------------------------- LZMA2 */

static int lzma2_props(struct xz_ctx *x, uint8_t props)
{
    if (props >= 9 * 5 * 5)
        return xz_fail(x, XZ_ERR_LZMA_PROPS, "LZMA properties byte 0x%02x is invalid", props);
    x->lc = props % 9;
    props /= 9;
    x->lp = props % 5;
    x->pb = props / 5;
    if (x->lc + x->lp > 4)
        return xz_fail(x, XZ_ERR_LZMA_PROPS, "LZMA2 needs lc + lp <= 4, got lc=%u lp=%u", x->lc,
                       x->lp);
    return 0;
}

/* Decode the LZMA2 data of one block starting at in; report bytes used. */
static int lzma2_decode(struct xz_ctx *x, const uint8_t *in, size_t avail, size_t *used)
{
    size_t p = 0;
    int ret;

    x->need_dict_reset = true;
    x->need_props = true;
    for (;;) {
        if (p >= avail)
            return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside LZMA2 data");
        size_t chunk_at = p;
        uint8_t control = in[p++];
        if (control == 0x00)
            break;

        if (control >= 0xe0 || control == 0x01) {
            x->need_props = true;
            x->need_dict_reset = false;
            x->dict_start = dcw_at(&x->w);
        } else if (x->need_dict_reset) {
            return xz_fail(x, XZ_ERR_LZMA2_CONTROL,
                           "first LZMA2 chunk (control 0x%02x) does not reset the dictionary",
                           control);
        }

        if (control < 0x80) {
            if (control > 0x02)
                return xz_fail(x, XZ_ERR_LZMA2_CONTROL,
                               "invalid LZMA2 control byte 0x%02x at input offset %zu", control,
                               chunk_at);
            if (avail - p < 2)
                return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside an LZMA2 chunk header");
            size_t size = ((size_t)in[p] << 8 | in[p + 1]) + 1;
            p += 2;
            if (size > x->w.limit - dcw_at(&x->w))
                return xz_fail(x, XZ_ERR_OUTPUT_LIMIT, "output exceeds the %llu-byte limit",
                               (unsigned long long)x->w.limit);
            if (size > avail - p)
                return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside an uncompressed chunk");
            if ((ret = dcw_reserve(&x->w, size)) != 0)
                return ret;
            memcpy(x->w.buf + x->w.pos, in + p, size);
            x->w.pos += size;
            p += size;
            continue;
        }

        size_t hdr = control >= 0xc0 ? 5 : 4;
        if (avail - p < hdr)
            return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside an LZMA2 chunk header");
        size_t unc = ((size_t)(control & 0x1f) << 16 | (size_t)in[p] << 8 | in[p + 1]) + 1;
        size_t comp = ((size_t)in[p + 2] << 8 | in[p + 3]) + 1;
        if (control >= 0xc0) {
            ret = lzma2_props(x, in[p + 4]);
            if (ret)
                return ret;
            x->need_props = false;
            lzma_reset_state(x);
        } else if (x->need_props) {
            return xz_fail(x, XZ_ERR_LZMA2_CONTROL,
                           "LZMA chunk (control 0x%02x) without properties after a dictionary "
                           "reset",
                           control);
        } else if (control >= 0xa0) {
            lzma_reset_state(x);
        }
        p += hdr;
        if (unc > x->w.limit - dcw_at(&x->w))
            return xz_fail(x, XZ_ERR_OUTPUT_LIMIT, "output exceeds the %llu-byte limit",
                           (unsigned long long)x->w.limit);
        if (comp > avail - p)
            return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside an LZMA chunk");
        ret = lzma_chunk(x, in + p, comp, unc);
        if (ret)
            return ret;
        p += comp;
    }
    *used = p;
    return 0;
}

/* ---------------------------------------------------------------- x86 BCJ */

static inline bool bcj_is_ms_byte(uint8_t b)
{
    return b == 0x00 || b == 0xff;
}

/*
 * Undo the x86 branch converter: the encoder turned the relative targets of
 * E8 (call) and E9 (jmp) into absolute ones when their top byte was 00 or
 * FF. `mask` remembers which of the previous three bytes were E8/E9
 * opcodes, since an opcode byte inside another's operand must not be
 * treated as an instruction. The last four bytes of a block are never
 * converted.
 *
 * This converts the instructions starting at block offsets [from, to)
 * (to <= block size - 4), with buf holding the block from offset `at`
 * through at least to + 4; the state carries over to the next stretch, so a
 * block may be done in one call (one-call mode) or in pieces (streaming).
 */
static void bcj_x86_run(struct bcj_state *st, uint8_t *buf, uint64_t at, uint64_t from, uint64_t to,
                        uint32_t start)
{
    static const bool mask_allowed[8] = {true, true, true, false, true, false, false, false};
    static const uint8_t mask_byte[8] = {0, 1, 2, 2, 3, 3, 3, 3};
    uint32_t mask = st->mask;
    uint64_t i = from < st->next ? st->next : from;

    for (; i < to; i++) {
        uint8_t *p = buf + (i - at);

        if ((p[0] & 0xfe) != 0xe8)
            continue;
        uint64_t gap = st->seen ? i - st->last : 4;
        st->seen = true;
        st->last = i;
        if (gap > 3) {
            mask = 0;
        } else {
            mask = (mask << (gap - 1)) & 7;
            if (mask != 0 && (!mask_allowed[mask] || bcj_is_ms_byte(p[4 - mask_byte[mask]]))) {
                mask = (mask << 1) | 1;
                continue;
            }
        }
        if (!bcj_is_ms_byte(p[4])) {
            mask = (mask << 1) | 1;
            continue;
        }
        uint32_t src = get_le32(p + 1);
        uint32_t dest;
        for (;;) {
            dest = src - (start + (uint32_t)i + 5);
            if (mask == 0)
                break;
            unsigned shift = mask_byte[mask] * 8;
            if (!bcj_is_ms_byte((uint8_t)(dest >> (24 - shift))))
                break;
            src = dest ^ ((1U << (32 - shift)) - 1);
        }
        dest &= 0x01ffffff;
        dest |= 0U - (dest & 0x01000000);
        put_le32(p + 1, dest);
        i += 4;
    }
    st->mask = mask;
    st->next = i; /* past to when the last conversion skipped its operand */
}

/* ---------------------------------------------------------------- container */

static const char *xz_filter_name(uint64_t id)
{
    switch (id) {
    case 0x03:
        return "delta";
    case 0x04:
        return "x86 BCJ";
    case 0x05:
        return "PowerPC BCJ";
    case 0x06:
        return "IA-64 BCJ";
    case 0x07:
        return "ARM BCJ";
    case 0x08:
        return "ARM-Thumb BCJ";
    case 0x09:
        return "SPARC BCJ";
    case 0x0a:
        return "ARM64 BCJ";
    case 0x21:
        return "LZMA2";
    default:
        return "unknown";
    }
}

/* Size in bytes of the check field for each check type (spec §2.1.1.2). */
static size_t xz_check_size(unsigned check)
{
    static const uint8_t sizes[16] = {0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64};
    return sizes[check & 15];
}

struct xz_block_header {
    size_t size;            /* header size in bytes */
    bool has_comp, has_unc; /* optional size fields present */
    uint64_t comp, unc;     /* their values */
    bool bcj;               /* x86 BCJ before LZMA2 */
    uint32_t bcj_start;     /* its start offset */
    uint64_t dict_size;     /* LZMA2 dictionary size */
};

static int xz_parse_block_header(struct xz_ctx *x, const uint8_t *h, size_t avail,
                                 struct xz_block_header *bh)
{
    uint64_t ids[4], prop_sizes[4];
    const uint8_t *props[4];
    int n;

    bh->size = ((size_t)h[0] + 1) * 4;
    if (bh->size > avail)
        return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside the %zu-byte block header",
                       bh->size);
    size_t end = bh->size - 4;
    if (crc32_update(0, h, end) != get_le32(h + end))
        return xz_fail(x, XZ_ERR_BLOCK_HEADER_CRC, "block header CRC32 mismatch");
    uint8_t flags = h[1];
    if (flags & 0x3c)
        return xz_fail(x, XZ_ERR_BLOCK_HEADER, "reserved block flag bits set (0x%02x)", flags);
    unsigned nfilters = (flags & 3) + 1;
    size_t p = 2;
    bh->has_comp = flags & 0x40;
    bh->has_unc = flags & 0x80;
    if (bh->has_comp) {
        n = xz_vli(h + p, end - p, &bh->comp);
        if (n <= 0 || bh->comp == 0)
            return xz_fail(x, XZ_ERR_BLOCK_HEADER, "invalid compressed size in block header");
        p += (size_t)n;
    }
    if (bh->has_unc) {
        n = xz_vli(h + p, end - p, &bh->unc);
        if (n <= 0)
            return xz_fail(x, XZ_ERR_BLOCK_HEADER, "invalid uncompressed size in block header");
        p += (size_t)n;
    }
    for (unsigned i = 0; i < nfilters; i++) {
        n = xz_vli(h + p, end - p, &ids[i]);
        if (n <= 0)
            return xz_fail(x, XZ_ERR_BLOCK_HEADER, "invalid filter %u ID in block header", i);
        p += (size_t)n;
        n = xz_vli(h + p, end - p, &prop_sizes[i]);
        if (n <= 0 || prop_sizes[i] > end - p - (size_t)n)
            return xz_fail(x, XZ_ERR_BLOCK_HEADER,
                           "invalid filter %u properties size in block header", i);
        p += (size_t)n;
        props[i] = h + p;
        p += prop_sizes[i];
    }
    for (; p < end; p++)
        if (h[p] != 0)
            return xz_fail(x, XZ_ERR_BLOCK_HEADER, "non-zero block header padding");

    /* Supported chains: [LZMA2] and [x86 BCJ, LZMA2]. */
    for (unsigned i = 0; i < nfilters; i++) {
        bool last = i == nfilters - 1;
        if (last ? ids[i] != XZ_FILTER_LZMA2 : ids[i] != XZ_FILTER_X86)
            return xz_fail(x, XZ_ERR_FILTER_UNSUPPORTED,
                           "filter 0x%llx (%s) as filter %u of %u is not supported",
                           (unsigned long long)ids[i], xz_filter_name(ids[i]), i, nfilters);
    }
    if (nfilters > 2)
        return xz_fail(x, XZ_ERR_FILTER_UNSUPPORTED, "chain of %u filters is not supported",
                       nfilters);
    bh->bcj = nfilters == 2;
    bh->bcj_start = 0;
    if (bh->bcj) {
        if (prop_sizes[0] == 4)
            bh->bcj_start = get_le32(props[0]);
        else if (prop_sizes[0] != 0)
            return xz_fail(x, XZ_ERR_FILTER_PROPS, "x86 BCJ properties of %llu bytes (want 0 or 4)",
                           (unsigned long long)prop_sizes[0]);
    }
    unsigned last = nfilters - 1;
    if (prop_sizes[last] != 1)
        return xz_fail(x, XZ_ERR_FILTER_PROPS, "LZMA2 properties of %llu bytes (want 1)",
                       (unsigned long long)prop_sizes[last]);
    uint8_t dp = props[last][0];
    if (dp > 40)
        return xz_fail(x, XZ_ERR_FILTER_PROPS, "LZMA2 dictionary size byte 0x%02x is invalid", dp);
    bh->dict_size = dp == 40 ? 0xffffffffULL : (uint64_t)(2 | (dp & 1)) << (dp / 2 + 11);
    return 0;
}

static void xz_check_begin(struct xz_check_state *c, unsigned type)
{
    c->type = type;
    c->crc32 = 0;
    c->crc64 = 0;
    if (type == XZ_CHECK_SHA256)
        sha256_init(&c->sha);
}

/* The window's hook: every final byte of the block, in order. */
static void xz_check_hook(void *arg, const uint8_t *p, size_t n)
{
    struct xz_check_state *c = arg;

    switch (c->type) {
    case XZ_CHECK_CRC32:
        c->crc32 = crc32_update(c->crc32, p, n);
        break;
    case XZ_CHECK_CRC64:
        c->crc64 = crc64_update(c->crc64, p, n);
        break;
    case XZ_CHECK_SHA256:
        sha256_update(&c->sha, p, n);
        break;
    default:
        break;
    }
}

/* Verify a block's check field against the running check of its data. */
static int xz_verify_check(struct xz_ctx *x, const uint8_t *field)
{
    struct xz_check_state *c = &x->chk;

    switch (c->type) {
    case XZ_CHECK_CRC32:
        if (c->crc32 != get_le32(field))
            return xz_fail(x, XZ_ERR_CHECK_MISMATCH, "CRC32 mismatch");
        break;
    case XZ_CHECK_CRC64:
        if (c->crc64 != get_le64(field))
            return xz_fail(x, XZ_ERR_CHECK_MISMATCH, "CRC64 mismatch");
        break;
    case XZ_CHECK_SHA256: {
        uint8_t digest[SHA256_DIGEST_SIZE];
        sha256_final(&c->sha, digest);
        if (memcmp(digest, field, sizeof(digest)) != 0)
            return xz_fail(x, XZ_ERR_CHECK_MISMATCH, "SHA-256 mismatch");
        break;
    }
    default:
        break;
    }
    return 0;
}

/*
 * The x86 filter over a finished block [start, end), streaming: the window
 * (free now: the next block's dictionary starts afresh) holds one stretch
 * at a time, read back from the sink with 4 bytes of look-ahead, filtered,
 * checked and written back.
 */
static int xz_filter_block(struct xz_ctx *x, uint64_t start, uint64_t end, uint32_t bcj_start)
{
    struct dc_window *w = &x->w;
    struct bcj_state st = {0};
    uint64_t size = end - start;
    uint8_t *tmp = w->buf;
    int rc;

    for (uint64_t at = start; at < end;) {
        size_t n = end - at < w->size - 4 ? (size_t)(end - at) : w->size - 4;
        size_t rd = end - at < n + 4 ? (size_t)(end - at) : n + 4;
        uint64_t off = at - start, to = off + n;

        if ((rc = w->sink->read(w->sink->ctx, at, tmp, rd)) != 0)
            return rc;
        if (size >= 5)
            bcj_x86_run(&st, tmp, off, off, to < size - 4 ? to : size - 4, bcj_start);
        xz_check_hook(&x->chk, tmp, n);
        if ((rc = w->sink->write(w->sink->ctx, at, tmp, rd)) != 0)
            return rc;
        at += n;
    }
    return 0;
}

/* Feed one (unpadded size, uncompressed size) record into a digest, so the
 * blocks and the index can be compared without storing a list of blocks. */
static void xz_hash_record(struct sha256_ctx *h, uint64_t unpadded, uint64_t unc)
{
    uint8_t rec[16];

    put_le64(rec, unpadded);
    put_le64(rec + 8, unc);
    sha256_update(h, rec, sizeof(rec));
}

/* Decode one block at in (whose first byte is non-zero); report bytes used. */
static int xz_block(struct xz_ctx *x, const uint8_t *in, size_t avail, size_t *used,
                    struct sha256_ctx *records)
{
    struct dc_window *w = &x->w;
    struct xz_block_header bh = {0};
    int ret = xz_parse_block_header(x, in, avail, &bh);
    if (ret)
        return ret;
    if (bh.has_unc && bh.unc > w->limit - dcw_at(w))
        return xz_fail(x, XZ_ERR_OUTPUT_LIMIT, "block of %llu bytes exceeds the %llu-byte limit",
                       (unsigned long long)bh.unc, (unsigned long long)w->limit);

    /* liblzma's dictionary buffer: at least 4 KiB, a multiple of 16. */
    x->dict_limit = bh.dict_size < 4096 ? 4096 : (bh.dict_size + 15) & ~(uint64_t)15;

    /* The check covers the block's final bytes: with the x86 filter those
     * exist only once the whole block is decoded, so the window's hook
     * computes it only for unfiltered blocks. */
    if ((ret = dcw_restart(w)) != 0)
        return ret;
    xz_check_begin(&x->chk, x->check);
    w->hook = bh.bcj ? NULL : xz_check_hook;
    w->hook_arg = &x->chk;
    uint64_t out_start = dcw_at(w);
    size_t p = bh.size, comp = 0;
    x->filter_pending = bh.bcj;
    x->block_bcj_start = bh.bcj_start;
    x->block_start = out_start;
    ret = lzma2_decode(x, in + p, avail - p, &comp);
    if (ret)
        return ret;
    p += comp;
    uint64_t unc = dcw_at(w) - out_start;
    if (bh.has_comp && bh.comp != comp)
        return xz_fail(x, XZ_ERR_BLOCK_SIZE, "compressed size %zu differs from the header's %llu",
                       comp, (unsigned long long)bh.comp);
    if (bh.has_unc && bh.unc != unc)
        return xz_fail(x, XZ_ERR_BLOCK_SIZE,
                       "uncompressed size %llu differs from the header's %llu",
                       (unsigned long long)unc, (unsigned long long)bh.unc);

    while ((p & 3) != 0) {
        if (p >= avail)
            return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside block padding");
        if (in[p++] != 0)
            return xz_fail(x, XZ_ERR_BLOCK_PADDING, "non-zero block padding");
    }
    if (x->check_size > avail - p)
        return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside the block's check");

    if (bh.bcj && !w->sink) {
        /* one-call mode: the block is in the buffer, filter it in place */
        struct bcj_state st = {0};
        uint8_t *blk = w->buf + (out_start - w->base);

        if (unc >= 5)
            bcj_x86_run(&st, blk, 0, 0, unc - 4, bh.bcj_start);
        x->filter_pending = false;
        w->hook = xz_check_hook;
    }
    ret = dcw_flush(w);
    w->hook = NULL;
    if (ret == 0 && x->filter_pending) {
        ret = xz_filter_block(x, out_start, out_start + unc, bh.bcj_start);
        x->filter_pending = ret != 0;
    }
    if (ret)
        return ret;
    ret = xz_verify_check(x, in + p);
    if (ret)
        return ret;
    p += x->check_size;

    xz_hash_record(records, bh.size + comp + x->check_size, unc);
    *used = p;
    return 0;
}

/* Validate the index at in (first byte 0) against the blocks' records. */
static int xz_index(struct xz_ctx *x, const uint8_t *in, size_t avail, uint64_t nblocks,
                    struct sha256_ctx *records, size_t *used)
{
    struct sha256_ctx listed;
    uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];
    uint64_t count;
    size_t p = 1;
    int n;

    n = xz_vli(in + p, avail - p, &count);
    if (n == 0)
        return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside the index");
    if (n < 0)
        return xz_fail(x, XZ_ERR_INDEX, "invalid record count in the index");
    p += (size_t)n;
    if (count != nblocks)
        return xz_fail(x, XZ_ERR_INDEX, "index lists %llu blocks but the stream has %llu",
                       (unsigned long long)count, (unsigned long long)nblocks);
    sha256_init(&listed);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t unpadded, unc;
        n = xz_vli(in + p, avail - p, &unpadded);
        if (n > 0) {
            p += (size_t)n;
            n = xz_vli(in + p, avail - p, &unc);
        }
        if (n == 0)
            return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside the index");
        if (n < 0)
            return xz_fail(x, XZ_ERR_INDEX, "invalid size in index record %llu",
                           (unsigned long long)i);
        p += (size_t)n;
        xz_hash_record(&listed, unpadded, unc);
    }
    while ((p & 3) != 0) {
        if (p >= avail)
            return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside the index");
        if (in[p++] != 0)
            return xz_fail(x, XZ_ERR_INDEX, "non-zero index padding");
    }
    if (avail - p < 4)
        return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside the index");
    if (crc32_update(0, in, p) != get_le32(in + p))
        return xz_fail(x, XZ_ERR_INDEX_CRC, "index CRC32 mismatch");
    p += 4;
    sha256_final(&listed, got);
    sha256_final(records, want);
    if (memcmp(got, want, sizeof(got)) != 0)
        return xz_fail(x, XZ_ERR_INDEX, "index records disagree with the blocks' sizes");
    *used = p;
    return 0;
}

/* Decode one stream at in; report bytes used (header to footer). */
static int xz_stream(struct xz_ctx *x, const uint8_t *in, size_t avail, size_t *used)
{
    struct sha256_ctx records;
    uint64_t nblocks = 0;
    size_t p, n = 0;
    int ret;

    x->in_block = false;
    size_t magic_len = avail < sizeof(xz_header_magic) ? avail : sizeof(xz_header_magic);
    if (memcmp(in, xz_header_magic, magic_len) != 0)
        return xz_fail(x, XZ_ERR_STREAM_MAGIC, "no XZ stream header magic");
    if (avail < XZ_STREAM_HEADER_SIZE)
        return xz_fail(x, XZ_ERR_TRUNCATED, "input of %zu bytes ends inside the stream header",
                       avail);
    if (crc32_update(0, in + 6, 2) != get_le32(in + 8))
        return xz_fail(x, XZ_ERR_STREAM_HEADER_CRC, "stream header CRC32 mismatch");
    if (in[6] != 0 || (in[7] & 0xf0) != 0)
        return xz_fail(x, XZ_ERR_STREAM_FLAGS, "reserved stream flag bits set (0x%02x%02x)", in[6],
                       in[7]);
    x->check = in[7];
    x->check_size = xz_check_size(x->check);
    if (x->check != XZ_CHECK_NONE && x->check != XZ_CHECK_CRC32 && x->check != XZ_CHECK_CRC64 &&
        x->check != XZ_CHECK_SHA256)
        return xz_fail(x, XZ_ERR_CHECK_UNSUPPORTED, "check type 0x%x is not supported", x->check);

    sha256_init(&records);
    p = XZ_STREAM_HEADER_SIZE;
    for (;;) {
        if (p >= avail)
            return xz_fail(x, XZ_ERR_TRUNCATED, "input ends before the index");
        if (in[p] == 0)
            break;
        x->in_block = true;
        x->block = nblocks;
        ret = xz_block(x, in + p, avail - p, &n, &records);
        if (ret)
            return ret;
        x->in_block = false;
        p += n;
        nblocks++;
    }

    size_t index_at = p;
    ret = xz_index(x, in + p, avail - p, nblocks, &records, &n);
    if (ret)
        return ret;
    p += n;
    size_t index_size = p - index_at;

    if (avail - p < XZ_STREAM_FOOTER_SIZE)
        return xz_fail(x, XZ_ERR_TRUNCATED, "input ends inside the stream footer");
    const uint8_t *f = in + p;
    if (f[10] != 'Y' || f[11] != 'Z')
        return xz_fail(x, XZ_ERR_FOOTER_MAGIC, "no stream footer magic \"YZ\"");
    if (crc32_update(0, f + 4, 6) != get_le32(f))
        return xz_fail(x, XZ_ERR_FOOTER_CRC, "stream footer CRC32 mismatch");
    if (f[8] != in[6] || f[9] != in[7])
        return xz_fail(x, XZ_ERR_FOOTER_MISMATCH, "stream footer flags differ from the header's");
    if (((uint64_t)get_le32(f + 4) + 1) * 4 != index_size)
        return xz_fail(x, XZ_ERR_FOOTER_MISMATCH,
                       "stream footer's backward size %llu differs from the index size %zu",
                       ((unsigned long long)get_le32(f + 4) + 1) * 4, index_size);
    *used = p + XZ_STREAM_FOOTER_SIZE;
    return 0;
}

static void xz_ctx_init(struct xz_ctx *x, struct xz_work *work, struct domb_error *err)
{
    memset(x, 0, sizeof(*x));
    x->probs = &work->probs;
    x->err = err;
}

int xz_decode_stream(const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
                     size_t out_cap, size_t *out_len, struct xz_work *work, struct domb_error *err)
{
    struct xz_ctx x;

    xz_ctx_init(&x, work, err);
    dcw_init_buffer(&x.w, out, out_cap);
    *out_len = 0;
    int ret = xz_stream(&x, in, in_len, in_used);
    if (ret == 0)
        *out_len = x.w.pos;
    return ret;
}

int xz_decode_stream_to(const uint8_t *in, size_t in_len, size_t *in_used,
                        const struct decompress_stream *s, uint64_t *out_len, struct xz_work *work,
                        struct domb_error *err)
{
    struct xz_ctx x;
    int ret;

    *out_len = 0;
    if (!s->sink || !s->window || s->window_size < DECOMPRESS_WINDOW_MIN)
        return domb_error_set(err, -XEN_EINVAL, "xz: a streaming window of %zu bytes is too small",
                              s->window_size);
    xz_ctx_init(&x, work, err);
    dcw_init_stream(&x.w, s);
    ret = xz_stream(&x, in, in_len, in_used);
    if (ret == 0)
        ret = dcw_flush(&x.w);
    *out_len = dcw_at(&x.w);
    return ret;
}

int xz_decode_prefix(const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *buf, size_t want,
                     uint8_t *window, size_t window_size, size_t *got, bool *complete,
                     struct xz_work *work, struct domb_error *err)
{
    struct dc_capture cap = {.buf = buf, .want = want};
    struct decompress_sink sink = {.ctx = &cap, .write = dc_capture_write, .read = dc_capture_read};
    /* The capture has all it wants before the window first slides. */
    size_t need = want + sizeof(cap.tail) + WINDOW_SLACK + 1;
    struct decompress_stream s = {
        .sink = &sink,
        .window = window,
        .window_size = need > DECOMPRESS_WINDOW_MIN ? need : DECOMPRESS_WINDOW_MIN,
        .out_cap = UINT64_MAX,
    };
    struct xz_ctx x;
    int ret;

    *got = 0;
    *complete = false;
    if (window_size < need || window_size < DECOMPRESS_WINDOW_MIN)
        return domb_error_set(err, -XEN_EINVAL,
                              "xz: a %zu-byte window cannot hold a %zu-byte prefix", window_size,
                              want);
    xz_ctx_init(&x, work, err);
    dcw_init_stream(&x.w, &s);
    ret = xz_stream(&x, in, in_len, in_used);
    if (ret == 0) {
        *complete = dcw_at(&x.w) <= want;
        *got = dcw_at(&x.w) < want ? (size_t)dcw_at(&x.w) : want;
        return 0;
    }
    if (ret != DECOMPRESS_STOP)
        return ret;
    /* Stopped inside a block whose x86 filter has not run yet: run it over
     * the captured part (the look-ahead covers the last instruction). */
    if (x.filter_pending && x.block_start < want) {
        struct bcj_state st = {0};
        uint8_t tmp[256];
        uint64_t at = x.block_start;

        while (at < want) {
            uint64_t n = want - at < sizeof(tmp) - 8 ? want - at : sizeof(tmp) - 8;

            for (uint64_t i = 0; i < n + 8; i++)
                tmp[i] = *dc_capture_at(&cap, at + i);
            bcj_x86_run(&st, tmp, at - x.block_start, at - x.block_start, at - x.block_start + n,
                        x.block_bcj_start);
            for (uint64_t i = 0; i < n + 8; i++)
                *dc_capture_at(&cap, at + i) = tmp[i];
            at += n;
        }
    }
    *got = want;
    return 0;
}

int xz_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
              struct xz_work *work, struct domb_error *err)
{
    struct xz_ctx x;
    size_t p = 0, used = 0;

    xz_ctx_init(&x, work, err);
    dcw_init_buffer(&x.w, out, out_cap);
    *out_len = 0;
    for (;;) {
        int ret = xz_stream(&x, in + p, in_len - p, &used);
        if (ret)
            return ret;
        p += used;
        size_t zeros = 0;
        while (p + zeros < in_len && in[p + zeros] == 0)
            zeros++;
        if (zeros % 4 != 0)
            return xz_fail(&x, XZ_ERR_STREAM_PADDING,
                           "stream padding of %zu bytes at input offset %zu is not a multiple "
                           "of 4",
                           zeros, p);
        p += zeros;
        if (p == in_len)
            break;
        x.stream++;
    }
    *out_len = x.w.pos;
    return 0;
}
