/*
 * gzip/DEFLATE decoder tests: zlib-made members with every level, strategy
 * and header field; differential runs against zlib; hand-made DEFLATE
 * streams (a small bit writer below) for each corruption class; truncation
 * at every length; the output cap.
 */
#include "domb_test.h"
#include "dec_check.h"

#include <decompress/decompress.h>
#include <domb/byteorder.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static struct gunzip_work work;

static int decode_gzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *out_len,
                       struct domb_error *err)
{
    return gunzip_decode(in, n, out, cap, out_len, &work, err);
}

static int decode_gzip_single(const uint8_t *in, size_t n, size_t *used, uint8_t *out, size_t cap,
                              size_t *out_len, struct domb_error *err)
{
    return gunzip_decode_member(in, n, used, out, cap, out_len, &work, err);
}

static int decode_gzip_streamed(const uint8_t *in, size_t n, size_t *used,
                                const struct decompress_stream *s, uint64_t *out_len,
                                struct domb_error *err)
{
    return gunzip_decode_member_to(in, n, used, s, out_len, &work, err);
}

static const struct dec_under_test gzip_dut = {"gzip: ", decode_gzip, decode_gzip_single,
                                               decode_gzip_streamed};

DEC_CHECK_SHORTHANDS(gzip_dut)

/* zlib must agree with our verdict (and bytes). */
static void differential_one(const uint8_t *gz, size_t n, size_t cap)
{
    uint8_t *r_out, *o_out;
    size_t r_len, o_len;
    struct domb_error err;
    int r = ref_gzip_decode(gz, n, cap, &r_out, &r_len);
    int o = ours(gz, n, cap, &o_out, &o_len, &err);
    if ((r == 0) != (o == 0))
        print_message("zlib %d, ours %d (%s)\n", r, o, o ? err.msg : "");
    assert_int_equal(r == 0, o == 0);
    if (r == 0) {
        assert_int_equal(o_len, r_len);
        assert_memory_equal(o_out, r_out, r_len);
    }
    if (r == -2)
        assert_int_equal(o, GZIP_ERR_OUTPUT_LIMIT);
    free(r_out);
    free(o_out);
}

static uint8_t *gzip(const uint8_t *d, size_t n, int level, size_t *len)
{
    struct ref_gzip_opts o = {.level = level, .strategy = Z_DEFAULT_STRATEGY};
    return ref_gzip_encode(d, n, &o, len);
}

/* ---- a DEFLATE bit writer for hand-made streams ---- */

struct bw {
    uint8_t buf[4096];
    size_t n;
    uint32_t acc;
    unsigned bits;
};

static void bw_put(struct bw *w, uint32_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        w->acc |= ((v >> i) & 1) << w->bits;
        if (++w->bits == 8) {
            w->buf[w->n++] = (uint8_t)w->acc;
            w->acc = 0;
            w->bits = 0;
        }
    }
}

/* Huffman codes go most significant bit first. */
static void bw_code(struct bw *w, uint32_t code, unsigned len)
{
    for (unsigned i = len; i-- > 0;)
        bw_put(w, (code >> i) & 1, 1);
}

static void bw_flush(struct bw *w)
{
    if (w->bits)
        bw_put(w, 0, 8 - w->bits);
}

static void canonical(const uint8_t *lens, unsigned n, uint16_t *codes)
{
    unsigned count[16] = {0}, next[16] = {0};
    for (unsigned i = 0; i < n; i++)
        count[lens[i]]++;
    count[0] = 0;
    for (unsigned b = 1; b < 16; b++)
        next[b] = (next[b - 1] + count[b - 1]) << 1;
    for (unsigned i = 0; i < n; i++)
        if (lens[i])
            codes[i] = (uint16_t)next[lens[i]]++;
}

/* Fixed-Huffman symbol writers. */
static void fixed_lit(struct bw *w, unsigned sym)
{
    if (sym < 144)
        bw_code(w, 0x30 + sym, 8);
    else if (sym < 256)
        bw_code(w, 0x190 + sym - 144, 9);
    else if (sym < 280)
        bw_code(w, sym - 256, 7);
    else
        bw_code(w, 0xc0 + sym - 280, 8);
}

/* Wrap raw DEFLATE data in a gzip member with a correct trailer. */
static size_t wrap_gzip(uint8_t *dst, const uint8_t *deflate, size_t n, const uint8_t *plain,
                        size_t plain_len)
{
    static const uint8_t hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    memcpy(dst, hdr, 10);
    memcpy(dst + 10, deflate, n);
    uint32_t crc = (uint32_t)crc32(0, plain, (uInt)plain_len);
    put_le32(dst + 10 + n, crc);
    put_le32(dst + 14 + n, (uint32_t)plain_len);
    return n + 18;
}

/*
 * A dynamic block: literal/length lengths lit[nlit], distance lengths
 * dist[ndist], all <= 4, written with a fixed code-length code (symbols
 * 0-4, 16, 17, 18 at 3 bits). `body` then writes the symbols.
 */
struct dyn {
    uint8_t lit[320];
    unsigned nlit;
    uint8_t dist[32];
    unsigned ndist;
    uint16_t lit_code[320], dist_code[32];
};

static void dyn_header(struct bw *w, struct dyn *d, bool last)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
    uint8_t cl[19] = {0};
    uint16_t clc[19];
    static const uint8_t used[] = {0, 1, 2, 3, 4, 16, 17, 18};
    for (size_t i = 0; i < sizeof(used); i++)
        cl[used[i]] = 3;
    canonical(cl, 19, clc);
    bw_put(w, last, 1);
    bw_put(w, 2, 2);
    bw_put(w, d->nlit - 257, 5);
    bw_put(w, d->ndist - 1, 5);
    bw_put(w, 19 - 4, 4);
    for (int i = 0; i < 19; i++)
        bw_put(w, cl[order[i]], 3);
    uint8_t all[352];
    memcpy(all, d->lit, d->nlit);
    memcpy(all + d->nlit, d->dist, d->ndist);
    unsigned total = d->nlit + d->ndist;
    for (unsigned i = 0; i < total;) {
        unsigned run = 0;
        while (i + run < total && all[i + run] == 0 && run < 138)
            run++;
        if (run >= 11) {
            bw_code(w, clc[18], 3);
            bw_put(w, run - 11, 7);
            i += run;
        } else {
            bw_code(w, clc[all[i]], 3);
            i++;
        }
    }
    canonical(d->lit, d->nlit, d->lit_code);
    canonical(d->dist, d->ndist, d->dist_code);
}

/* The example code: 'a', end, length 3 (257), length 4 (258), each 2 bits. */
static void dyn_example(struct dyn *d)
{
    memset(d, 0, sizeof(*d));
    d->nlit = 259;
    d->lit['a'] = 2;
    d->lit[256] = 2;
    d->lit[257] = 2;
    d->lit[258] = 2;
    d->ndist = 1;
    d->dist[0] = 1; /* a single one-bit distance code: allowed */
}

/* 'a', then (length 3, distance 1): "aaaa". */
static size_t dyn_stream(struct dyn *d, uint8_t *gz, bool with_match)
{
    struct bw w = {0};
    dyn_header(&w, d, true);
    bw_code(&w, d->lit_code['a'], d->lit['a']);
    if (with_match) {
        bw_code(&w, d->lit_code[257], d->lit[257]);
        bw_code(&w, d->dist_code[0], d->dist[0]);
    }
    bw_code(&w, d->lit_code[256], d->lit[256]);
    bw_flush(&w); /* the 8-byte trailer follows: errors are not mistaken for truncation */
    return wrap_gzip(gz, w.buf, w.n, (const uint8_t *)"aaaa", with_match ? 4 : 1);
}

/* ---- tests ---- */

static void test_gzip_levels_strategies(void **state)
{
    (void)state;
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    size_t len = 100000, n;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 1);
    for (int level = 0; level <= 9; level++) {
        for (size_t s = 0; s < 5; s++) {
            struct ref_gzip_opts o = {.level = level, .strategy = strategies[s]};
            uint8_t *gz = ref_gzip_encode(d, len, &o, &n);
            expect_roundtrip(gz, n, d, len);
            free(gz);
        }
    }
    free(d);
}

static void test_gzip_header_fields(void **state)
{
    (void)state;
    size_t len = 3000, n;
    uint8_t *d = make_data(len, REF_DATA_CODE, 2);
    for (int m = 0; m < 16; m++) {
        struct ref_gzip_opts o = {.level = 6,
                                  .strategy = Z_DEFAULT_STRATEGY,
                                  .name = m & 1,
                                  .comment = m & 2,
                                  .extra = m & 4,
                                  .hcrc = m & 8};
        uint8_t *gz = ref_gzip_encode(d, len, &o, &n);
        expect_roundtrip(gz, n, d, len);
        differential_one(gz, n, len);
        free(gz);
    }
    free(d);
}

static void test_gzip_multi_member(void **state)
{
    (void)state;
    size_t n1, n2;
    uint8_t *a = make_data(4000, REF_DATA_TEXT, 3), *b = make_data(2000, REF_DATA_RANDOM, 4);
    uint8_t *g1 = gzip(a, 4000, 9, &n1), *g2 = gzip(b, 2000, 1, &n2);
    uint8_t *cat = malloc(n1 + n2 + 8);
    memcpy(cat, g1, n1);
    memcpy(cat + n1, g2, n2);
    uint8_t plain[6000];
    memcpy(plain, a, 4000);
    memcpy(plain + 4000, b, 2000);
    expect_roundtrip(cat, n1 + n2, plain, 6000);
    differential_one(cat, n1 + n2, 6000);
    /* gunzip_decode_member stops after the first member and says where. */
    uint8_t *out = malloc(6000);
    size_t used, out_len;
    struct domb_error err;
    assert_int_equal(gunzip_decode_member(cat, n1 + n2, &used, out, 6000, &out_len, &work, &err),
                     0);
    assert_int_equal(used, n1);
    assert_int_equal(out_len, 4000);
    free(out);
    free(cat);
    free(g1);
    free(g2);
    free(a);
    free(b);
}

static void test_gzip_trailing_garbage(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = make_data(1000, REF_DATA_TEXT, 5);
    uint8_t *g = gzip(d, 1000, 6, &n);
    uint8_t *buf = calloc(1, n + 8);
    memcpy(buf, g, n);
    expect_error(buf, n + 4, 1000, GZIP_ERR_TRAILING); /* zeros */
    buf[n] = 0x1f;
    expect_error(buf, n + 1, 1000, GZIP_ERR_TRAILING);
    buf[n + 1] = 0x8b; /* a second member's start, truncated */
    expect_error(buf, n + 2, 1000, GZIP_ERR_TRUNCATED);
    differential_one(buf, n + 4, 1000);
    expect_error(buf, 0, 1000, GZIP_ERR_TRUNCATED);
    free(buf);
    free(g);
    free(d);
}

static void test_gzip_differential(void **state)
{
    (void)state;
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    uint64_t seed = 0x9e11;
    for (int i = 0; i < 220; i++) {
        uint64_t r = ref_rand(&seed);
        size_t len = i < 5        ? (size_t)i
                     : r % 8 == 0 ? (size_t)(ref_rand(&seed) % (1 << 20)) + (i == 200 ? 1 << 20 : 0)
                     : r % 8 < 4  ? (size_t)(ref_rand(&seed) % 70000)
                                  : (size_t)(ref_rand(&seed) % 600);
        if (len > (1 << 20))
            len = 1 << 20;
        enum ref_data_kind kind = (enum ref_data_kind)(ref_rand(&seed) % REF_DATA_KINDS);
        uint8_t *d = make_data(len, kind, ref_rand(&seed));
        struct ref_gzip_opts o = {.level = (int)(ref_rand(&seed) % 10),
                                  .strategy = strategies[ref_rand(&seed) % 5],
                                  .name = ref_rand(&seed) & 1,
                                  .hcrc = ref_rand(&seed) & 1};
        size_t n;
        uint8_t *g = ref_gzip_encode(d, len, &o, &n);
        expect_roundtrip(g, n, d, len);
        differential_one(g, n, len);
        free(g);
        free(d);
    }
}

static void test_gzip_corrupt_every_byte(void **state)
{
    (void)state;
    size_t len = 3000, n;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 6);
    struct ref_gzip_opts o = {.level = 9, .strategy = Z_DEFAULT_STRATEGY, .name = true};
    uint8_t *g = ref_gzip_encode(d, len, &o, &n);
    size_t rejected = 0;
    static const uint8_t flips[] = {0x01, 0x80, 0xff};
    for (size_t i = 0; i < n; i++) {
        for (size_t f = 0; f < sizeof(flips); f++) {
            g[i] ^= flips[f];
            differential_one(g, n, len);
            struct domb_error err;
            uint8_t *out;
            size_t out_len;
            rejected += ours(g, n, len, &out, &out_len, &err) != 0;
            free(out);
            g[i] ^= flips[f];
        }
    }
    /* Only MTIME, XFL, OS, FTEXT and the name's bytes are unprotected. */
    assert_true(rejected >= (n - 20) * sizeof(flips));
    free(g);
    free(d);
}

static void test_gzip_truncated_every_length(void **state)
{
    (void)state;
    size_t len = 2000, n;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 7);
    uint8_t *g = gzip(d, len, 6, &n);
    for (size_t k = 0; k < n; k++) {
        uint8_t *cut = malloc(k ? k : 1);
        memcpy(cut, g, k);
        expect_error(cut, k, len, GZIP_ERR_TRUNCATED);
        free(cut);
    }
    expect_roundtrip(g, n, d, len);
    free(g);
    free(d);
}

static void test_gzip_output_cap(void **state)
{
    (void)state;
    size_t len = 200000, n;
    uint8_t *d = make_data(len, REF_DATA_ZERO, 8);
    for (int level = 0; level <= 9; level += 9) {
        uint8_t *g = gzip(d, len, level, &n);
        expect_roundtrip(g, n, d, len);
        expect_error(g, n, len - 1, GZIP_ERR_OUTPUT_LIMIT);
        expect_error(g, n, 0, GZIP_ERR_OUTPUT_LIMIT);
        differential_one(g, n, len - 1);
        free(g);
    }
    free(d);
}

static void test_gzip_header_errors(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = make_data(500, REF_DATA_TEXT, 9);
    struct ref_gzip_opts o = {.level = 6, .strategy = Z_DEFAULT_STRATEGY, .hcrc = true};
    uint8_t *g = ref_gzip_encode(d, 500, &o, &n);
    assert_true(g[3] & 0x02);

    g[1] = 0x8c;
    expect_error(g, n, 500, GZIP_ERR_MAGIC);
    g[1] = 0x8b;
    g[2] = 7;
    expect_error(g, n, 500, GZIP_ERR_METHOD);
    g[2] = 8;
    g[3] |= 0x20;
    expect_error(g, n, 500, GZIP_ERR_FLAGS);
    g[3] &= ~0x20;
    g[4] ^= 1; /* MTIME is covered by the header CRC */
    expect_error(g, n, 500, GZIP_ERR_HEADER_CRC);
    differential_one(g, n, 500);
    g[4] ^= 1;
    expect_roundtrip(g, n, d, 500);
    free(g);

    static const uint8_t name_unterminated[] = {0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, 'a', 'b'};
    expect_error(name_unterminated, sizeof(name_unterminated), 10, GZIP_ERR_TRUNCATED);
    static const uint8_t extra_short[] = {0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 10, 0, 1};
    expect_error(extra_short, sizeof(extra_short), 10, GZIP_ERR_TRUNCATED);
    free(d);
}

static void test_gzip_trailer_errors(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = make_data(500, REF_DATA_TEXT, 10);
    uint8_t *g = gzip(d, 500, 6, &n);
    g[n - 8] ^= 1;
    expect_error(g, n, 500, GZIP_ERR_CRC);
    g[n - 8] ^= 1;
    g[n - 1] = 1; /* ISIZE off by 2^24 */
    expect_error(g, n, 500, GZIP_ERR_SIZE);
    free(g);
    free(d);
}

static void test_gzip_block_type_3(void **state)
{
    (void)state;
    struct bw w = {0};
    uint8_t gz[64];
    bw_put(&w, 1, 1);
    bw_put(&w, 3, 2);
    bw_put(&w, 0, 16);
    bw_flush(&w);
    size_t n = wrap_gzip(gz, w.buf, w.n, (const uint8_t *)"", 0);
    expect_error(gz, n, 10, GZIP_ERR_BLOCK_TYPE);
    differential_one(gz, n, 10);
}

static void test_gzip_stored_blocks(void **state)
{
    (void)state;
    /* Two stored blocks, one empty, the second final. */
    static const uint8_t def[] = {0x00, 0x03, 0x00, 0xfc, 0xff, 'a', 'b',
                                  'c',  0x01, 0x00, 0x00, 0xff, 0xff};
    uint8_t gz[64];
    size_t n = wrap_gzip(gz, def, sizeof(def), (const uint8_t *)"abc", 3);
    expect_roundtrip(gz, n, (const uint8_t *)"abc", 3);
    differential_one(gz, n, 3);
    gz[10 + 3] = 0xfd; /* NLEN no longer ~LEN */
    expect_error(gz, n, 3, GZIP_ERR_STORED_LENGTH);
    gz[10 + 3] = 0xfc;
    gz[10 + 1] = 0x10; /* LEN 16 but NLEN fixed too: runs past the input */
    gz[10 + 3] = 0xef;
    expect_error(gz, n, 100, GZIP_ERR_TRUNCATED);
}

static void test_gzip_fixed_bad_symbols(void **state)
{
    (void)state;
    uint8_t gz[64];
    for (unsigned bad = 286; bad <= 287; bad++) {
        struct bw w = {0};
        bw_put(&w, 1, 1);
        bw_put(&w, 1, 2);
        fixed_lit(&w, 'x');
        fixed_lit(&w, bad);
        bw_put(&w, 0, 24);
        bw_flush(&w);
        size_t n = wrap_gzip(gz, w.buf, w.n, (const uint8_t *)"x", 1);
        expect_error(gz, n, 10, GZIP_ERR_BAD_SYMBOL);
        differential_one(gz, n, 10);
    }
    for (unsigned bad = 30; bad <= 31; bad++) {
        struct bw w = {0};
        bw_put(&w, 1, 1);
        bw_put(&w, 1, 2);
        fixed_lit(&w, 'x');
        fixed_lit(&w, 257);
        bw_code(&w, bad, 5);
        bw_put(&w, 0, 24);
        bw_flush(&w);
        size_t n = wrap_gzip(gz, w.buf, w.n, (const uint8_t *)"x", 1);
        expect_error(gz, n, 10, GZIP_ERR_BAD_SYMBOL);
        differential_one(gz, n, 10);
    }
}

static void test_gzip_distance_beyond_start(void **state)
{
    (void)state;
    /* 100 literals, then a match at distance 4000 (code 23: 3073 + 10 bits). */
    struct bw w = {0};
    uint8_t gz[256], plain[100];
    bw_put(&w, 1, 1);
    bw_put(&w, 1, 2);
    for (int i = 0; i < 100; i++) {
        plain[i] = (uint8_t)('a' + i % 26);
        fixed_lit(&w, plain[i]);
    }
    fixed_lit(&w, 257);
    bw_code(&w, 23, 5);
    bw_put(&w, 4000 - 3073, 10);
    fixed_lit(&w, 256);
    bw_flush(&w);
    size_t n = wrap_gzip(gz, w.buf, w.n, plain, 100);
    expect_error_msg(gz, n, 1000, GZIP_ERR_DISTANCE,
                     "gzip: distance 4000 beyond start of output at offset 100");
    differential_one(gz, n, 1000);
}

static void test_gzip_max_distance(void **state)
{
    (void)state;
    /* A match at distance 32768 (code 29: 24577 + 13 bits) is valid. */
    size_t len = 32768 + 3, n;
    uint8_t *plain = make_data(len, REF_DATA_RANDOM, 11);
    memcpy(plain + 32768, plain, 3);
    uint8_t *gz = malloc(2 * len);
    struct bw *w = calloc(1, sizeof(*w));
    /* stored block for the first 32768 bytes is too big for bw: use two
     * stored blocks written by hand, then a fixed block with the match */
    size_t p = 10;
    static const uint8_t hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    memcpy(gz, hdr, 10);
    for (int half = 0; half < 2; half++) {
        gz[p++] = 0x00;
        gz[p++] = 0x00;
        gz[p++] = 0x40; /* LEN 16384 */
        gz[p++] = 0xff;
        gz[p++] = 0xbf;
        memcpy(gz + p, plain + half * 16384, 16384);
        p += 16384;
    }
    bw_put(w, 1, 1);
    bw_put(w, 1, 2);
    fixed_lit(w, 257);
    bw_code(w, 29, 5);
    bw_put(w, 32768 - 24577, 13);
    fixed_lit(w, 256);
    bw_flush(w);
    memcpy(gz + p, w->buf, w->n);
    p += w->n;
    uint32_t crc = (uint32_t)crc32(0, plain, (uInt)len);
    put_le32(gz + p, crc);
    put_le32(gz + p + 4, (uint32_t)len);
    n = p + 8;
    expect_roundtrip(gz, n, plain, len);
    differential_one(gz, n, len);
    free(w);
    free(gz);
    free(plain);
}

static void test_gzip_dynamic_valid(void **state)
{
    (void)state;
    struct dyn d;
    uint8_t gz[256];
    dyn_example(&d);
    size_t n = dyn_stream(&d, gz, true);
    expect_roundtrip(gz, n, (const uint8_t *)"aaaa", 4);
    differential_one(gz, n, 10);
    /* No distance codes at all is fine while no match needs one. */
    dyn_example(&d);
    d.dist[0] = 0;
    n = dyn_stream(&d, gz, false);
    expect_roundtrip(gz, n, (const uint8_t *)"a", 1);
    differential_one(gz, n, 10);
    /* ... and an error when one does. */
    n = dyn_stream(&d, gz, true);
    expect_error(gz, n, 10, GZIP_ERR_BAD_SYMBOL);
    differential_one(gz, n, 10);
}

static void test_gzip_huffman_code_errors(void **state)
{
    (void)state;
    struct dyn d;
    uint8_t gz[256];

    dyn_example(&d);
    d.lit['a'] = 1; /* 1/2 + 3/4 > 1 */
    size_t n = dyn_stream(&d, gz, true);
    expect_error(gz, n, 10, GZIP_ERR_HUFFMAN_CODE);
    differential_one(gz, n, 10);

    dyn_example(&d);
    d.lit[258] = 0; /* incomplete: 3/4 */
    n = dyn_stream(&d, gz, true);
    expect_error(gz, n, 10, GZIP_ERR_HUFFMAN_CODE);
    differential_one(gz, n, 10);

    dyn_example(&d);
    d.dist[0] = 2; /* a single two-bit distance code: incomplete */
    n = dyn_stream(&d, gz, true);
    expect_error(gz, n, 10, GZIP_ERR_HUFFMAN_CODE);
    differential_one(gz, n, 10);

    dyn_example(&d);
    d.lit[256] = 0; /* no end-of-block code */
    d.lit['a'] = 1;
    n = dyn_stream(&d, gz, true);
    expect_error(gz, n, 10, GZIP_ERR_NO_END_OF_BLOCK);
    differential_one(gz, n, 10);
}

/* A final dynamic block with 257 literal/length and 1 distance codes and a
 * code-length code for symbols 16, 17, 18, 0 only (HCLEN 4). */
static void dyn_start4(struct bw *w, const uint8_t cl[4])
{
    bw_put(w, 1, 1);
    bw_put(w, 2, 2);
    bw_put(w, 0, 5);
    bw_put(w, 0, 5);
    bw_put(w, 0, 4);
    for (int i = 0; i < 4; i++)
        bw_put(w, cl[i], 3);
}

/* Finish w with spare bits, wrap it and expect `code` from us and a
 * rejection from zlib. */
static void expect_code_error(struct bw *w, int code)
{
    uint8_t gz[128];
    bw_put(w, 0, 32);
    bw_flush(w);
    size_t n = wrap_gzip(gz, w->buf, w->n, (const uint8_t *)"", 0);
    expect_error(gz, n, 10, code);
    differential_one(gz, n, 10);
}

static void test_gzip_code_counts_and_lengths(void **state)
{
    (void)state;
    for (int which = 0; which < 2; which++) {
        struct bw w = {0};
        bw_put(&w, 1, 1);
        bw_put(&w, 2, 2);
        bw_put(&w, which == 0 ? 30 : 0, 5); /* HLIT 287 */
        bw_put(&w, which == 1 ? 30 : 0, 5); /* HDIST 31 */
        bw_put(&w, 0, 4);
        expect_code_error(&w, GZIP_ERR_CODE_COUNTS);
    }

    /* Code-length code giving 16 and 17 one bit each: the first length
     * is a repeat with nothing to repeat. */
    static const uint8_t one_bit_16_17[4] = {1, 1, 0, 0};
    struct bw w = {0};
    dyn_start4(&w, one_bit_16_17);
    bw_code(&w, 0, 1); /* symbol 16 */
    expect_code_error(&w, GZIP_ERR_CODE_LENGTHS);

    /* Runs of zeros (17: 3..10) past the 258 lengths. */
    struct bw w2 = {0};
    dyn_start4(&w2, one_bit_16_17);
    for (int i = 0; i < 26; i++) { /* 26 * 10 = 260 > 258 */
        bw_code(&w2, 1, 1);
        bw_put(&w2, 7, 3);
    }
    expect_code_error(&w2, GZIP_ERR_CODE_LENGTHS);

    /* Incomplete code-length code (a single 2-bit code). */
    static const uint8_t two_bit_16[4] = {2, 0, 0, 0};
    struct bw w3 = {0};
    dyn_start4(&w3, two_bit_16);
    expect_code_error(&w3, GZIP_ERR_HUFFMAN_CODE);
}

static void test_gzip_error_names(void **state)
{
    (void)state;
    for (int a = GZIP_ERR_TRUNCATED; a <= GZIP_ERR_OUTPUT_LIMIT; a++) {
        assert_string_not_equal(decompress_error_name(a), "DECOMPRESS_ERR_UNKNOWN");
        for (int b = GZIP_ERR_TRUNCATED; b < a; b++)
            assert_string_not_equal(decompress_error_name(a), decompress_error_name(b));
    }
}

int main(int argc, char **argv);
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gzip_levels_strategies),
    cmocka_unit_test(test_gzip_header_fields),
    cmocka_unit_test(test_gzip_multi_member),
    cmocka_unit_test(test_gzip_trailing_garbage),
    cmocka_unit_test(test_gzip_differential),
    cmocka_unit_test(test_gzip_corrupt_every_byte),
    cmocka_unit_test(test_gzip_truncated_every_length),
    cmocka_unit_test(test_gzip_output_cap),
    cmocka_unit_test(test_gzip_header_errors),
    cmocka_unit_test(test_gzip_trailer_errors),
    cmocka_unit_test(test_gzip_block_type_3),
    cmocka_unit_test(test_gzip_stored_blocks),
    cmocka_unit_test(test_gzip_fixed_bad_symbols),
    cmocka_unit_test(test_gzip_distance_beyond_start),
    cmocka_unit_test(test_gzip_max_distance),
    cmocka_unit_test(test_gzip_dynamic_valid),
    cmocka_unit_test(test_gzip_huffman_code_errors),
    cmocka_unit_test(test_gzip_code_counts_and_lengths),
    cmocka_unit_test(test_gzip_error_names),
};
DOMB_TEST_MAIN(tests)
