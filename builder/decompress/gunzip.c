/*
 * gzip (RFC 1952) and DEFLATE (RFC 1951) decoder, in one call with all output
 * in one buffer (so the 32 KiB window is simply the output written so far),
 * or streamed through a sink (window.h: the window keeps far more than
 * DEFLATE's 32 KiB, so a match never reads back from the sink).
 *
 * Huffman codes are checked the way zlib checks them: an over-subscribed
 * code is always an error; an incomplete one is accepted only for a
 * literal/length or distance code with a single one-bit code (RFC 1951
 * allows "one distance code of one bit"); the code-length code must be
 * complete. Decoding uses a 9-bit lookup table and falls back to walking the
 * canonical code bit by bit for longer codes.
 *
 * Every loop consumes input bits or produces output bytes, and output is
 * checked against out_cap before it is written.
 */
#include "window.h"

#include <decompress/decompress.h>
#include <domb/byteorder.h>
#include <domb/errno.h>

#include <stdarg.h>

#define GZ_FTEXT     0x01
#define GZ_FHCRC     0x02
#define GZ_FEXTRA    0x04
#define GZ_FNAME     0x08
#define GZ_FCOMMENT  0x10
#define GZ_FRESERVED 0xe0

#define GZ_MAX_BITS   15
#define GZ_MAX_LITLEN 286 /* HLIT limit (codes 286, 287 never occur) */
#define GZ_MAX_DIST   30

struct gz_ctx {
    const uint8_t *in;
    size_t in_len;
    size_t ip;             /* next input byte not yet in `bits` */
    uint64_t bits;         /* bit buffer, least significant bit first */
    unsigned nbits;        /* valid bits in `bits` */
    struct dc_window w;    /* where the output goes (window.h) */
    uint64_t member_start; /* output offset of the current member */
    uint32_t crc;          /* CRC32 of the member's bytes handed on so far */
    struct gunzip_work *work;
    struct domb_error *err;
};

__attribute__((format(printf, 3, 4))) static int gz_fail(struct gz_ctx *g, int code,
                                                         const char *fmt, ...)
{
    char what[140];
    va_list ap;

    va_start(ap, fmt);
    domb_vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return domb_error_set(g->err, code, "gzip: %s", what);
}

static int gz_truncated(struct gz_ctx *g)
{
    return gz_fail(g, GZIP_ERR_TRUNCATED, "input ends inside DEFLATE data at offset %zu",
                   g->in_len);
}

/* ---------------------------------------------------------------- bit input */

static inline void gz_refill(struct gz_ctx *g)
{
    while (g->nbits <= 56 && g->ip < g->in_len) {
        g->bits |= (uint64_t)g->in[g->ip++] << g->nbits;
        g->nbits += 8;
    }
}

/* Take n <= 32 bits; false if the input ends first. */
static inline bool gz_take(struct gz_ctx *g, unsigned n, uint32_t *v)
{
    if (g->nbits < n) {
        gz_refill(g);
        if (g->nbits < n)
            return false;
    }
    *v = (uint32_t)(g->bits & ((1ULL << n) - 1));
    g->bits >>= n;
    g->nbits -= n;
    return true;
}

/* Drop the bits up to the next byte boundary and give whole unused bytes
 * back to the input, so byte-oriented reads continue at g->ip. */
static void gz_align(struct gz_ctx *g)
{
    g->ip -= g->nbits / 8;
    g->bits = 0;
    g->nbits = 0;
}

/* ---------------------------------------------------------------- Huffman */

/*
 * Build a canonical Huffman decoder from n code lengths. Returns the number
 * of unused code points at the longest length (0 = complete, > 0 =
 * incomplete) or -1 if the code is over-subscribed.
 */
static int gz_build(struct gunzip_huffman *h, const uint8_t *lens, unsigned n)
{
    uint16_t offs[GZ_MAX_BITS + 2];
    uint32_t next[GZ_MAX_BITS + 1];
    int left = 1;

    memset(h->count, 0, sizeof(h->count));
    for (unsigned i = 0; i < n; i++)
        h->count[lens[i]]++;
    h->count[0] = 0;
    for (unsigned len = 1; len <= GZ_MAX_BITS; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0)
            return -1;
    }

    offs[1] = 0;
    next[1] = 0;
    for (unsigned len = 1; len < GZ_MAX_BITS; len++) {
        offs[len + 1] = offs[len] + h->count[len];
        next[len + 1] = (next[len] + h->count[len]) << 1;
    }
    memset(h->fast, 0, sizeof(h->fast));
    for (unsigned sym = 0; sym < n; sym++) {
        unsigned len = lens[sym];
        if (len == 0)
            continue;
        h->symbol[offs[len]++] = (uint16_t)sym;
        uint32_t code = next[len]++;
        if (len > GUNZIP_FAST_BITS)
            continue;
        /* DEFLATE sends codes most significant bit first into an LSB-first
         * stream, so the table is indexed by the reversed code. */
        uint32_t rev = 0;
        for (unsigned i = 0; i < len; i++)
            rev |= ((code >> i) & 1) << (len - 1 - i);
        for (uint32_t j = rev; j < (1U << GUNZIP_FAST_BITS); j += 1U << len)
            h->fast[j] = (uint16_t)(sym << 4 | len);
    }
    return left;
}

/* An incomplete code is tolerated only when no code is longer than one bit
 * (at most one code then: zero or one symbols, as zlib accepts). */
static bool gz_at_most_one_bit(const struct gunzip_huffman *h)
{
    for (unsigned len = 2; len <= GZ_MAX_BITS; len++)
        if (h->count[len] != 0)
            return false;
    return true;
}

/* Decode one symbol: >= 0 symbol, -1 input ended, -2 no such code. */
static inline int gz_decode(struct gz_ctx *g, const struct gunzip_huffman *h)
{
    if (g->nbits < GZ_MAX_BITS)
        gz_refill(g);
    if (g->nbits >= GUNZIP_FAST_BITS) {
        uint16_t e = h->fast[g->bits & ((1U << GUNZIP_FAST_BITS) - 1)];
        if (e != 0) {
            g->bits >>= e & 15;
            g->nbits -= e & 15;
            return e >> 4;
        }
    }
    /* Canonical walk: codes of each length are consecutive integers. */
    int code = 0, first = 0, index = 0;
    for (unsigned len = 1; len <= GZ_MAX_BITS; len++) {
        if (g->nbits == 0)
            return -1;
        code |= (int)(g->bits & 1);
        g->bits >>= 1;
        g->nbits--;
        int count = h->count[len];
        if (code - first < count)
            return h->symbol[index + code - first];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -2;
}

/* ---------------------------------------------------------------- blocks */

static const uint16_t gz_len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                         15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                         67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t gz_len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                         2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t gz_dist_base[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t gz_dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                          6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* Decode the symbols of one Huffman-coded block into the output. */
static int gz_codes(struct gz_ctx *g, const struct gunzip_huffman *litlen,
                    const struct gunzip_huffman *dist)
{
    for (;;) {
        int sym = gz_decode(g, litlen);
        struct dc_window *w = &g->w;
        int rc;

        if (sym < 0) {
            if (sym == -1)
                return gz_truncated(g);
            return gz_fail(g, GZIP_ERR_BAD_SYMBOL,
                           "invalid literal/length code at output offset %llu",
                           (unsigned long long)dcw_at(w));
        }
        if (w->pos >= w->slide_at && (rc = dcw_slide(w)) != 0)
            return rc;
        if (sym < 256) {
            if (dcw_at(w) >= w->limit)
                return gz_fail(g, GZIP_ERR_OUTPUT_LIMIT, "output exceeds the %llu-byte limit",
                               (unsigned long long)w->limit);
            w->buf[w->pos++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return 0;
        sym -= 257;
        if (sym >= 29)
            return gz_fail(g, GZIP_ERR_BAD_SYMBOL, "invalid length symbol %d at output offset %llu",
                           sym + 257, (unsigned long long)dcw_at(w));
        uint32_t extra, len, d;
        if (!gz_take(g, gz_len_extra[sym], &extra))
            return gz_truncated(g);
        len = gz_len_base[sym] + extra;
        int dsym = gz_decode(g, dist);
        if (dsym == -1)
            return gz_truncated(g);
        if (dsym < 0 || dsym >= GZ_MAX_DIST)
            return gz_fail(g, GZIP_ERR_BAD_SYMBOL, "invalid distance code at output offset %llu",
                           (unsigned long long)dcw_at(w));
        if (!gz_take(g, gz_dist_extra[dsym], &extra))
            return gz_truncated(g);
        d = gz_dist_base[dsym] + extra;
        if (d > dcw_at(w) - g->member_start)
            return gz_fail(g, GZIP_ERR_DISTANCE,
                           "distance %u beyond start of output at offset %llu", d,
                           (unsigned long long)(dcw_at(w) - g->member_start));
        if (len > w->limit - dcw_at(w))
            return gz_fail(g, GZIP_ERR_OUTPUT_LIMIT, "output exceeds the %llu-byte limit",
                           (unsigned long long)w->limit);
        /* d <= 32768 is inside the window: streaming keeps more than that */
        uint8_t *dst = w->buf + w->pos;
        const uint8_t *src = dst - d;
        w->pos += len;
        do
            *dst++ = *src++;
        while (--len);
    }
}

static int gz_stored(struct gz_ctx *g)
{
    gz_align(g);
    if (g->in_len - g->ip < 4)
        return gz_truncated(g);
    const uint8_t *p = g->in + g->ip;
    uint32_t len = get_le16(p);
    uint32_t nlen = get_le16(p + 2);
    if (len != (~nlen & 0xffff))
        return gz_fail(g, GZIP_ERR_STORED_LENGTH,
                       "stored block length 0x%04x does not match its complement 0x%04x", len,
                       nlen);
    g->ip += 4;
    if (len > g->in_len - g->ip)
        return gz_truncated(g);
    if (len > g->w.limit - dcw_at(&g->w))
        return gz_fail(g, GZIP_ERR_OUTPUT_LIMIT, "output exceeds the %llu-byte limit",
                       (unsigned long long)g->w.limit);
    int rc = dcw_reserve(&g->w, len);
    if (rc)
        return rc;
    memcpy(g->w.buf + g->w.pos, g->in + g->ip, len);
    g->w.pos += len;
    g->ip += len;
    return 0;
}

static int gz_fixed(struct gz_ctx *g)
{
    struct gunzip_work *w = g->work;
    unsigned i = 0;

    for (; i < 144; i++)
        w->lengths[i] = 8;
    for (; i < 256; i++)
        w->lengths[i] = 9;
    for (; i < 280; i++)
        w->lengths[i] = 7;
    for (; i < 288; i++)
        w->lengths[i] = 8;
    gz_build(&w->litlen, w->lengths, 288);
    for (i = 0; i < 32; i++)
        w->lengths[i] = 5;
    gz_build(&w->dist, w->lengths, 32);
    return gz_codes(g, &w->litlen, &w->dist);
}

static int gz_dynamic(struct gz_ctx *g)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
    struct gunzip_work *w = g->work;
    uint32_t hlit, hdist, hclen, v;

    if (!gz_take(g, 5, &hlit) || !gz_take(g, 5, &hdist) || !gz_take(g, 4, &hclen))
        return gz_truncated(g);
    hlit += 257;
    hdist += 1;
    hclen += 4;
    if (hlit > GZ_MAX_LITLEN || hdist > GZ_MAX_DIST)
        return gz_fail(g, GZIP_ERR_CODE_COUNTS,
                       "dynamic block declares %u literal/length and %u distance codes "
                       "(at most 286 and 30)",
                       hlit, hdist);

    memset(w->lengths, 0, 19);
    for (unsigned i = 0; i < hclen; i++) {
        if (!gz_take(g, 3, &v))
            return gz_truncated(g);
        w->lengths[order[i]] = (uint8_t)v;
    }
    if (gz_build(&w->codelen, w->lengths, 19) != 0)
        return gz_fail(g, GZIP_ERR_HUFFMAN_CODE,
                       "code-length code is over-subscribed or incomplete");

    unsigned total = hlit + hdist, i = 0;
    while (i < total) {
        int sym = gz_decode(g, &w->codelen);
        if (sym == -1)
            return gz_truncated(g);
        if (sym < 0)
            return gz_fail(g, GZIP_ERR_CODE_LENGTHS, "invalid code-length code");
        if (sym < 16) {
            w->lengths[i++] = (uint8_t)sym;
            continue;
        }
        uint8_t value = 0;
        uint32_t rep;
        if (sym == 16) {
            if (i == 0)
                return gz_fail(g, GZIP_ERR_CODE_LENGTHS,
                               "code length repeat with no previous length");
            value = w->lengths[i - 1];
            if (!gz_take(g, 2, &rep))
                return gz_truncated(g);
            rep += 3;
        } else if (sym == 17) {
            if (!gz_take(g, 3, &rep))
                return gz_truncated(g);
            rep += 3;
        } else {
            if (!gz_take(g, 7, &rep))
                return gz_truncated(g);
            rep += 11;
        }
        if (rep > total - i)
            return gz_fail(g, GZIP_ERR_CODE_LENGTHS, "code length repeat runs past the %u lengths",
                           total);
        while (rep--)
            w->lengths[i++] = value;
    }
    if (w->lengths[256] == 0)
        return gz_fail(g, GZIP_ERR_NO_END_OF_BLOCK, "dynamic block has no end-of-block code");

    int left = gz_build(&w->litlen, w->lengths, hlit);
    if (left < 0 || (left > 0 && !gz_at_most_one_bit(&w->litlen)))
        return gz_fail(g, GZIP_ERR_HUFFMAN_CODE, "literal/length code is %s",
                       left < 0 ? "over-subscribed" : "incomplete");
    left = gz_build(&w->dist, w->lengths + hlit, hdist);
    if (left < 0 || (left > 0 && !gz_at_most_one_bit(&w->dist)))
        return gz_fail(g, GZIP_ERR_HUFFMAN_CODE, "distance code is %s",
                       left < 0 ? "over-subscribed" : "incomplete");
    return gz_codes(g, &w->litlen, &w->dist);
}

/* ---------------------------------------------------------------- members */

static int gz_header(struct gz_ctx *g, size_t *hdr_len)
{
    const uint8_t *in = g->in;
    size_t n = g->in_len, p;

    if (n >= 2 && (in[0] != 0x1f || in[1] != 0x8b))
        return gz_fail(g, GZIP_ERR_MAGIC, "no gzip magic 1F 8B");
    if (n < 10)
        return gz_fail(g, GZIP_ERR_TRUNCATED, "input of %zu bytes ends inside the header", n);
    if (in[2] != 8)
        return gz_fail(g, GZIP_ERR_METHOD, "compression method %u is not deflate (8)", in[2]);
    uint8_t flags = in[3];
    if (flags & GZ_FRESERVED)
        return gz_fail(g, GZIP_ERR_FLAGS, "reserved header flag bits set (0x%02x)", flags);
    p = 10;
    if (flags & GZ_FEXTRA) {
        if (n - p < 2)
            return gz_fail(g, GZIP_ERR_TRUNCATED, "input ends inside the extra field");
        size_t xlen = get_le16(in + p);
        p += 2;
        if (n - p < xlen)
            return gz_fail(g, GZIP_ERR_TRUNCATED, "input ends inside the extra field");
        p += xlen;
    }
    for (unsigned f = GZ_FNAME; f <= GZ_FCOMMENT; f <<= 1) {
        if (!(flags & f))
            continue;
        while (p < n && in[p] != 0)
            p++;
        if (p >= n)
            return gz_fail(g, GZIP_ERR_TRUNCATED, "input ends inside the file %s",
                           f == GZ_FNAME ? "name" : "comment");
        p++;
    }
    if (flags & GZ_FHCRC) {
        if (n - p < 2)
            return gz_fail(g, GZIP_ERR_TRUNCATED, "input ends inside the header CRC");
        uint16_t want = get_le16(in + p);
        uint16_t got = (uint16_t)crc32_update(0, in, p);
        if (want != got)
            return gz_fail(g, GZIP_ERR_HEADER_CRC, "header CRC16 0x%04x, computed 0x%04x", want,
                           got);
        p += 2;
    }
    *hdr_len = p;
    return 0;
}

/* The window's hook: the member's CRC32 over every byte handed on. */
static void gz_crc_hook(void *arg, const uint8_t *p, size_t n)
{
    uint32_t *crc = arg;

    *crc = crc32_update(*crc, p, n);
}

/* Decode the member at g->in (g->in_len bytes available); report bytes used. */
static int gz_member(struct gz_ctx *g, size_t *used)
{
    size_t hdr = 0;
    int ret = gz_header(g, &hdr);
    if (ret)
        return ret;

    g->ip = hdr;
    g->bits = 0;
    g->nbits = 0;
    if ((ret = dcw_flush(&g->w)) != 0)
        return ret;
    g->member_start = dcw_at(&g->w);
    g->crc = 0;
    g->w.hook = gz_crc_hook;
    g->w.hook_arg = &g->crc;
    uint32_t last, type;
    do {
        if (!gz_take(g, 1, &last) || !gz_take(g, 2, &type))
            return gz_truncated(g);
        if (type == 0)
            ret = gz_stored(g);
        else if (type == 1)
            ret = gz_fixed(g);
        else if (type == 2)
            ret = gz_dynamic(g);
        else
            ret = gz_fail(g, GZIP_ERR_BLOCK_TYPE, "invalid DEFLATE block type 3");
        if (ret)
            return ret;
    } while (!last);

    gz_align(g);
    if (g->in_len - g->ip < 8)
        return gz_fail(g, GZIP_ERR_TRUNCATED, "input ends inside the gzip trailer");
    const uint8_t *t = g->in + g->ip;
    uint32_t want_crc = get_le32(t);
    uint32_t want_size = get_le32(t + 4);
    uint64_t size = dcw_at(&g->w) - g->member_start;
    if ((ret = dcw_flush(&g->w)) != 0)
        return ret;
    g->w.hook = NULL;
    if (g->crc != want_crc)
        return gz_fail(g, GZIP_ERR_CRC, "CRC32 mismatch");
    if ((uint32_t)size != want_size)
        return gz_fail(g, GZIP_ERR_SIZE, "ISIZE %u differs from the %llu bytes decoded", want_size,
                       (unsigned long long)size);
    *used = g->ip + 8;
    return 0;
}

static void gz_ctx_init(struct gz_ctx *g, struct gunzip_work *work, struct domb_error *err)
{
    memset(g, 0, sizeof(*g));
    g->work = work;
    g->err = err;
}

int gunzip_decode_member(const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
                         size_t out_cap, size_t *out_len, struct gunzip_work *work,
                         struct domb_error *err)
{
    struct gz_ctx g;

    gz_ctx_init(&g, work, err);
    dcw_init_buffer(&g.w, out, out_cap);
    g.in = in;
    g.in_len = in_len;
    *out_len = 0;
    int ret = gz_member(&g, in_used);
    if (ret == 0)
        *out_len = g.w.pos;
    return ret;
}

int gunzip_decode_member_to(const uint8_t *in, size_t in_len, size_t *in_used,
                            const struct decompress_stream *s, uint64_t *out_len,
                            struct gunzip_work *work, struct domb_error *err)
{
    struct gz_ctx g;
    int ret;

    *out_len = 0;
    if (!s->sink || !s->window || s->window_size < DECOMPRESS_WINDOW_MIN)
        return domb_error_set(err, -XEN_EINVAL,
                              "gzip: a streaming window of %zu bytes is too small", s->window_size);
    gz_ctx_init(&g, work, err);
    dcw_init_stream(&g.w, s);
    g.in = in;
    g.in_len = in_len;
    ret = gz_member(&g, in_used);
    *out_len = dcw_at(&g.w);
    return ret;
}

int gunzip_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
                  struct gunzip_work *work, struct domb_error *err)
{
    struct gz_ctx g;
    size_t p = 0, used = 0;

    gz_ctx_init(&g, work, err);
    dcw_init_buffer(&g.w, out, out_cap);
    *out_len = 0;
    do {
        if (p > 0 && (in_len - p < 2 || in[p] != 0x1f || in[p + 1] != 0x8b))
            return gz_fail(&g, GZIP_ERR_TRAILING,
                           "%zu trailing bytes at input offset %zu are not a gzip member",
                           in_len - p, p);
        g.in = in + p;
        g.in_len = in_len - p;
        int ret = gz_member(&g, &used);
        if (ret)
            return ret;
        p += used;
    } while (p < in_len);
    *out_len = g.w.pos;
    return 0;
}
