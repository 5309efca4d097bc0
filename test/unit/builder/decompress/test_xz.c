/*
 * XZ decoder tests: streams made by liblzma with every preset, check and the
 * x86 filter; differential runs against liblzma; every corruption class with
 * its own error code; truncation at every length; the output cap.
 */
#include "domb_test.h"
#include "dec_check.h"
#include "xz_build.h"

#include <decompress/decompress.h>

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct xz_work work;

static int decode_xz(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *out_len,
                     struct domb_error *err)
{
    return xz_decode(in, n, out, cap, out_len, &work, err);
}

static int decode_xz_single(const uint8_t *in, size_t n, size_t *used, uint8_t *out, size_t cap,
                            size_t *out_len, struct domb_error *err)
{
    return xz_decode_stream(in, n, used, out, cap, out_len, &work, err);
}

static int decode_xz_streamed(const uint8_t *in, size_t n, size_t *used,
                              const struct decompress_stream *s, uint64_t *out_len,
                              struct domb_error *err)
{
    return xz_decode_stream_to(in, n, used, s, out_len, &work, err);
}

static const struct dec_under_test xz_dut = {"xz: ", decode_xz, decode_xz_single,
                                             decode_xz_streamed};

DEC_CHECK_SHORTHANDS(xz_dut)

static uint8_t *encode(const uint8_t *d, size_t n, uint32_t preset, int check, size_t *len)
{
    struct ref_xz_opts o = {.preset = preset, .check = check};
    return ref_xz_encode(d, n, &o, len);
}

static void test_crc_known_values(void **state)
{
    (void)state;
    assert_int_equal(crc32_update(0, "123456789", 9), 0xcbf43926u);
    assert_true(crc64_update(0, "123456789", 9) == 0x995dc9bbdf1939faULL);
    /* Continuing a CRC equals computing it in one go. */
    uint32_t c = crc32_update(crc32_update(0, "1234", 4), "56789", 5);
    assert_int_equal(c, 0xcbf43926u);
    assert_int_equal(crc32_update(0, "", 0), 0);
}

static void test_xz_empty_stream(void **state)
{
    (void)state;
    size_t n;
    uint8_t *x = encode((const uint8_t *)"", 0, 6, LZMA_CHECK_CRC64, &n);
    assert_int_equal(n, 32); /* header + empty index + footer */
    expect_roundtrip(x, n, (const uint8_t *)"", 0);
    free(x);
}

static void test_xz_presets(void **state)
{
    (void)state;
    size_t len = 100000, n;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 1);
    for (uint32_t p = 0; p <= 9; p++) {
        uint8_t *x = encode(d, len, p, LZMA_CHECK_CRC64, &n);
        expect_roundtrip(x, n, d, len);
        free(x);
        x = encode(d, len, p | LZMA_PRESET_EXTREME, LZMA_CHECK_CRC32, &n);
        expect_roundtrip(x, n, d, len);
        free(x);
    }
    free(d);
}

static void test_xz_checks(void **state)
{
    (void)state;
    static const int checks[] = {LZMA_CHECK_NONE, LZMA_CHECK_CRC32, LZMA_CHECK_CRC64,
                                 LZMA_CHECK_SHA256};
    size_t len = 70000, n;
    uint8_t *d = make_data(len, REF_DATA_REPETITIVE, 2);
    for (size_t i = 0; i < 4; i++) {
        uint8_t *x = encode(d, len, 1, checks[i], &n);
        expect_roundtrip(x, n, d, len);
        /* a flipped bit in the check field is caught (none has no field) */
        if (checks[i] != LZMA_CHECK_NONE) {
            struct xzb_layout l;
            xzb_layout(x, n, &l);
            x[l.check] ^= 0x10;
            expect_error(x, n, len, XZ_ERR_CHECK_MISMATCH);
        }
        free(x);
    }
    free(d);
}

static void test_xz_x86_bcj(void **state)
{
    (void)state;
    static const uint32_t starts[] = {0, 0x1000, 0x1000000, 0xfffffff0u};
    size_t len = 600000, n;
    uint8_t *d = make_data(len, REF_DATA_CODE, 3);
    for (size_t i = 0; i < 4; i++) {
        struct ref_xz_opts o = {
            .preset = 6, .check = LZMA_CHECK_CRC32, .x86 = true, .x86_start = starts[i]};
        uint8_t *x = ref_xz_encode(d, len, &o, &n);
        expect_roundtrip(x, n, d, len);
        free(x);
    }
    /* Lengths around the filter's 5-byte window, all E8 bytes. */
    uint8_t e8[40];
    memset(e8, 0xe8, sizeof(e8));
    for (size_t k = 0; k <= sizeof(e8); k++) {
        struct ref_xz_opts o = {.preset = 0, .check = LZMA_CHECK_CRC64, .x86 = true};
        uint8_t *x = ref_xz_encode(e8, k, &o, &n);
        expect_roundtrip(x, n, e8, k);
        free(x);
    }
    free(d);
}

static void test_xz_multi_block(void **state)
{
    (void)state;
    size_t len = 1 << 20, n;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 4);
    struct ref_xz_opts o = {.preset = 2, .check = LZMA_CHECK_CRC64, .block_size = 65536 + 17};
    uint8_t *x = ref_xz_encode(d, len, &o, &n);
    expect_roundtrip(x, n, d, len);
    free(x);
    o.x86 = true;
    o.check = LZMA_CHECK_SHA256;
    x = ref_xz_encode(d, len, &o, &n);
    expect_roundtrip(x, n, d, len);
    free(x);
    free(d);
}

static void test_xz_concatenated_padding(void **state)
{
    (void)state;
    size_t n1, n2;
    uint8_t *a = make_data(5000, REF_DATA_TEXT, 5), *b = make_data(3000, REF_DATA_RANDOM, 6);
    uint8_t *x1 = encode(a, 5000, 3, LZMA_CHECK_CRC32, &n1);
    uint8_t *x2 = encode(b, 3000, 3, LZMA_CHECK_NONE, &n2);
    uint8_t *cat = calloc(1, n1 + n2 + 16);
    uint8_t plain[8000];
    memcpy(plain, a, 5000);
    memcpy(plain + 5000, b, 3000);
    for (size_t pad = 0; pad <= 8; pad += 4) {
        memset(cat, 0, n1 + n2 + 16);
        memcpy(cat, x1, n1);
        memcpy(cat + n1 + pad, x2, n2);
        expect_roundtrip(cat, n1 + pad + n2, plain, 8000);
        expect_roundtrip(cat, n1 + pad + n2 + 4, plain, 8000); /* trailing padding */
    }
    free(a);
    free(b);
    free(x1);
    free(x2);
    free(cat);
}

static void test_xz_bad_padding_and_trailing_garbage(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = make_data(1000, REF_DATA_TEXT, 7);
    uint8_t *x = encode(d, 1000, 1, LZMA_CHECK_CRC64, &n);
    uint8_t *buf = calloc(1, n + 16);
    memcpy(buf, x, n);
    for (size_t pad = 1; pad < 4; pad++)
        expect_error(buf, n + pad, 1000, XZ_ERR_STREAM_PADDING);
    buf[n] = 'J';
    expect_error(buf, n + 5, 1000, XZ_ERR_STREAM_MAGIC);
    buf[n] = 0;
    buf[n + 4] = 0xfd; /* padding then a truncated stream */
    buf[n + 5] = '7';
    expect_error(buf, n + 6, 1000, XZ_ERR_TRUNCATED);
    expect_error(buf, 0, 1000, XZ_ERR_TRUNCATED);
    free(buf);
    free(x);
    free(d);
}

/* Compare our verdict and output with liblzma's on one input. */
static void differential_one(const uint8_t *x, size_t n, size_t cap)
{
    uint8_t *r_out, *o_out;
    size_t r_len, o_len;
    struct domb_error err;
    int r = ref_xz_decode(x, n, cap, &r_out, &r_len);
    int o = ours(x, n, cap, &o_out, &o_len, &err);
    if (r == 0) {
        if (o != 0)
            print_message("liblzma accepts, we reject: %s\n", err.msg);
        assert_int_equal(o, 0);
        assert_int_equal(o_len, r_len);
        assert_memory_equal(o_out, r_out, r_len);
    } else if (r == -1 || r == -2) {
        assert_int_not_equal(o, 0);
        if (r == -2)
            assert_int_equal(o, XZ_ERR_OUTPUT_LIMIT);
    }
    free(r_out);
    free(o_out);
}

static void test_xz_differential(void **state)
{
    (void)state;
    uint64_t seed = 0x5eed;
    static const int checks[] = {LZMA_CHECK_NONE, LZMA_CHECK_CRC32, LZMA_CHECK_CRC64,
                                 LZMA_CHECK_SHA256};
    for (int i = 0; i < 220; i++) {
        /* Sizes: 0..1 MiB, most small so the run stays quick under ASan. */
        uint64_t r = ref_rand(&seed);
        size_t len = i < 5        ? (size_t)i
                     : r % 8 == 0 ? (size_t)(ref_rand(&seed) % (1 << 20)) + (i == 200 ? 1 << 20 : 0)
                     : r % 8 < 4  ? (size_t)(ref_rand(&seed) % 70000)
                                  : (size_t)(ref_rand(&seed) % 600);
        if (len > (1 << 20))
            len = 1 << 20;
        enum ref_data_kind kind = (enum ref_data_kind)(ref_rand(&seed) % REF_DATA_KINDS);
        uint8_t *d = make_data(len, kind, ref_rand(&seed));
        struct ref_xz_opts o = {
            .preset = (uint32_t)(ref_rand(&seed) % (len > 200000 ? 3 : 8)),
            .check = checks[ref_rand(&seed) % 4],
            .x86 = ref_rand(&seed) % 3 == 0,
            .block_size = ref_rand(&seed) % 5 == 0 ? 4096 + ref_rand(&seed) % 100000 : 0,
        };
        size_t n;
        uint8_t *x = ref_xz_encode(d, len, &o, &n);
        expect_roundtrip(x, n, d, len);
        differential_one(x, n, len);
        free(x);
        free(d);
    }
}

static void test_xz_corrupt_every_byte(void **state)
{
    (void)state;
    size_t len = 3000, n;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 8);
    static const int checks[] = {LZMA_CHECK_CRC64, LZMA_CHECK_CRC32};
    for (int c = 0; c < 2; c++) {
        struct ref_xz_opts o = {.preset = 6, .check = checks[c], .x86 = c == 1};
        uint8_t *x = ref_xz_encode(d, len, &o, &n);
        size_t rejected = 0;
        static const uint8_t flips[] = {0x01, 0x80, 0xff};
        for (size_t i = 0; i < n; i++) {
            for (size_t f = 0; f < sizeof(flips); f++) {
                x[i] ^= flips[f];
                struct domb_error err;
                uint8_t *out;
                size_t out_len;
                int ret = ours(x, n, len, &out, &out_len, &err);
                rejected += ret != 0;
                free(out);
                differential_one(x, n, len);
                x[i] ^= flips[f];
            }
        }
        /* Every byte of an XZ file is covered by a CRC, a magic, a check or
         * a must-be-zero rule: no single-byte corruption goes unnoticed. */
        assert_int_equal(rejected, n * sizeof(flips));
        free(x);
    }
    free(d);
}

static void test_xz_truncated_every_length(void **state)
{
    (void)state;
    size_t len = 2000, n;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 9);
    uint8_t *x = encode(d, len, 6, LZMA_CHECK_CRC64, &n);
    for (size_t k = 0; k < n; k++) {
        uint8_t *cut = malloc(k ? k : 1); /* exact-size copy: ASan sees any overread */
        memcpy(cut, x, k);
        expect_error(cut, k, len, XZ_ERR_TRUNCATED);
        free(cut);
    }
    expect_roundtrip(x, n, d, len);
    free(x);
    free(d);
}

static void test_xz_output_cap(void **state)
{
    (void)state;
    size_t len = 100000, n;
    uint8_t *d = make_data(len, REF_DATA_ZERO, 10);
    uint8_t *x = encode(d, len, 6, LZMA_CHECK_CRC64, &n);
    assert_true(n < 1000); /* 100 KB of zeros: a small bomb */
    expect_roundtrip(x, n, d, len);
    expect_error(x, n, len - 1, XZ_ERR_OUTPUT_LIMIT);
    expect_error(x, n, 0, XZ_ERR_OUTPUT_LIMIT);
    /* Same with multiple blocks whose headers announce their size. */
    struct ref_xz_opts o = {.preset = 1, .check = LZMA_CHECK_CRC32, .block_size = 10000};
    free(x);
    x = ref_xz_encode(d, len, &o, &n);
    expect_roundtrip(x, n, d, len);
    expect_error(x, n, 50000, XZ_ERR_OUTPUT_LIMIT);
    free(x);
    free(d);
}

static void test_xz_stream_header_errors(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = make_data(500, REF_DATA_TEXT, 11);
    uint8_t *x = encode(d, 500, 1, LZMA_CHECK_CRC64, &n);

    x[0] ^= 1;
    expect_error(x, n, 500, XZ_ERR_STREAM_MAGIC);
    x[0] ^= 1;
    x[8] ^= 1;
    expect_error(x, n, 500, XZ_ERR_STREAM_HEADER_CRC);
    x[8] ^= 1;
    x[6] = 0x01; /* reserved flag bit, CRC fixed */
    xzb_fix_crc32(x, 6, 2, 8);
    expect_error(x, n, 500, XZ_ERR_STREAM_FLAGS);
    x[6] = 0;
    x[7] = 0x24;
    xzb_fix_crc32(x, 6, 2, 8);
    expect_error(x, n, 500, XZ_ERR_STREAM_FLAGS);
    x[7] = 0x02; /* reserved check ID 2 */
    xzb_fix_crc32(x, 6, 2, 8);
    expect_error(x, n, 500, XZ_ERR_CHECK_UNSUPPORTED);
    free(x);
    free(d);
}

static void test_xz_block_header_errors(void **state)
{
    (void)state;
    size_t n;
    struct xzb_layout l;
    uint8_t *d = make_data(500, REF_DATA_TEXT, 12);
    uint8_t *x = encode(d, 500, 1, LZMA_CHECK_CRC64, &n);
    uint8_t *orig = malloc(n);
    memcpy(orig, x, n);
    xzb_layout(x, n, &l);
    size_t bh = l.block_header;

    x[bh + 1] ^= 0x40; /* any change without fixing the CRC */
    expect_error(x, n, 500, XZ_ERR_BLOCK_HEADER_CRC);
    memcpy(x, orig, n);
    x[bh + 1] |= 0x08; /* reserved flag */
    xzb_fix_block_header_crc(x, &l);
    expect_error(x, n, 500, XZ_ERR_BLOCK_HEADER);
    memcpy(x, orig, n);
    x[bh + l.block_header_size - 5] = 0x01; /* last padding byte */
    xzb_fix_block_header_crc(x, &l);
    expect_error(x, n, 500, XZ_ERR_BLOCK_HEADER);
    memcpy(x, orig, n);
    x[bh] = 0xff; /* header claims 1 KiB: runs past the input */
    expect_error(x, n, 500, XZ_ERR_TRUNCATED);
    free(orig);
    free(x);

    /* Hand-made headers: dictionary byte and filter properties. */
    uint8_t raw[64], file[256];
    size_t rn;
    uint8_t *lz = ref_lzma2_raw_encode((const uint8_t *)"hello hello hello", 17, 0, &rn);
    struct xzb_opts o = {.check = 1, .dict_byte = 16};
    memcpy(raw, lz, rn);
    size_t fn = xzb_wrap(file, raw, rn, (const uint8_t *)"hello hello hello", 17, &o);
    expect_roundtrip(file, fn, (const uint8_t *)"hello hello hello", 17);
    xzb_layout(file, fn, &l);
    file[l.block_header + 4] = 41; /* dictionary byte > 40 */
    xzb_fix_block_header_crc(file, &l);
    expect_error(file, fn, 17, XZ_ERR_FILTER_PROPS);
    file[l.block_header + 4] = 40; /* 4 GiB - 1: allowed, only a limit */
    xzb_fix_block_header_crc(file, &l);
    expect_roundtrip(file, fn, (const uint8_t *)"hello hello hello", 17);
    file[l.block_header + 3] = 2; /* LZMA2 properties size 2 */
    xzb_fix_block_header_crc(file, &l);
    expect_error(file, fn, 17, XZ_ERR_FILTER_PROPS);
    file[l.block_header + 3] = 0x80; /* malformed VLI (continues into the next byte) */
    file[l.block_header + 4] = 0x00; /* ... and ends with a superfluous zero */
    xzb_fix_block_header_crc(file, &l);
    expect_error(file, fn, 17, XZ_ERR_BLOCK_HEADER);
    free(lz);
    free(d);
}

static void test_xz_unsupported_filters(void **state)
{
    (void)state;
    size_t n;
    uint8_t *d = make_data(4000, REF_DATA_CODE, 13);
    struct ref_xz_opts o = {.preset = 1, .check = LZMA_CHECK_CRC32, .delta = true};
    uint8_t *x = ref_xz_encode(d, 4000, &o, &n);
    struct domb_error err;
    uint8_t *out;
    size_t out_len;
    assert_int_equal(ours(x, n, 4000, &out, &out_len, &err), XZ_ERR_FILTER_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "delta"));
    free(out);
    free(x);

    /* x86 BCJ turned into ARM BCJ (ID 0x07) with the header CRC fixed. */
    o.delta = false;
    o.x86 = true;
    x = ref_xz_encode(d, 4000, &o, &n);
    struct xzb_layout l;
    xzb_layout(x, n, &l);
    assert_int_equal(x[l.block_header + 1] & 3, 1); /* two filters */
    /* Skip the optional compressed/uncompressed size VLIs (flags bits 6
     * and 7); the first filter's ID follows them. */
    size_t id_at = l.block_header + 2;
    for (unsigned bit = 0x40; bit <= 0x80; bit <<= 1) {
        if (!(x[l.block_header + 1] & bit))
            continue;
        while (x[id_at] & 0x80)
            id_at++;
        id_at++;
    }
    assert_int_equal(x[id_at], 0x04); /* x86 BCJ comes first */
    x[id_at] = 0x07;
    xzb_fix_block_header_crc(x, &l);
    assert_int_equal(ours(x, n, 4000, &out, &out_len, &err), XZ_ERR_FILTER_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "ARM BCJ"));
    free(out);
    x[id_at] = 0x21; /* LZMA2 twice: a non-last LZMA2 */
    xzb_fix_block_header_crc(x, &l);
    expect_error(x, n, 4000, XZ_ERR_FILTER_UNSUPPORTED);
    x[id_at] = 0x04;
    x[id_at + 1] = 1; /* BCJ properties of 1 byte (padding absorbs it) */
    xzb_fix_block_header_crc(x, &l);
    assert_int_not_equal(ours(x, n, 4000, &out, &out_len, &err), 0);
    free(out);
    free(x);
    free(d);
}

static void test_xz_block_size_mismatch(void **state)
{
    (void)state;
    size_t n, len = 30000;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 14);
    uint8_t *x = encode(d, len, 1, LZMA_CHECK_CRC64, &n);
    struct xzb_layout l;
    xzb_layout(x, n, &l);
    uint8_t flags = x[l.block_header + 1];
    assert_true(flags & 0x40); /* the buffer encoder records both sizes */
    assert_true(flags & 0x80);
    /* The first size field is the compressed size; bump its low 7 bits. */
    uint8_t *orig = malloc(n);
    memcpy(orig, x, n);
    x[l.block_header + 2] ^= 0x01;
    xzb_fix_block_header_crc(x, &l);
    expect_error(x, n, len, XZ_ERR_BLOCK_SIZE);
    memcpy(x, orig, n);
    /* The uncompressed size follows it. */
    size_t at = l.block_header + 2;
    while (x[at] & 0x80)
        at++;
    at++;
    x[at] ^= 0x01;
    xzb_fix_block_header_crc(x, &l);
    expect_error(x, n, len + 1, XZ_ERR_BLOCK_SIZE);
    free(orig);
    free(x);
    free(d);
}

static void test_xz_block_padding(void **state)
{
    (void)state;
    /* Pick a length whose compressed block needs padding. */
    for (size_t len = 100; len < 140; len++) {
        size_t n;
        uint8_t *d = make_data(len, REF_DATA_RANDOM, 15);
        uint8_t *x = encode(d, len, 0, LZMA_CHECK_CRC32, &n);
        struct xzb_layout l;
        xzb_layout(x, n, &l);
        if (l.check > l.padding) {
            x[l.padding] = 0x01;
            expect_error(x, n, len, XZ_ERR_BLOCK_PADDING);
            free(x);
            free(d);
            return;
        }
        free(x);
        free(d);
    }
    fail_msg("no stream with block padding found");
}

static void test_xz_index_errors(void **state)
{
    (void)state;
    size_t n, len = 5000;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 16);
    uint8_t *x = encode(d, len, 1, LZMA_CHECK_CRC64, &n);
    struct xzb_layout l;
    xzb_layout(x, n, &l);
    uint8_t *orig = malloc(n);
    memcpy(orig, x, n);
    size_t index_size = l.footer - l.index;

    x[l.footer - 1] ^= 1; /* index CRC */
    expect_error(x, n, len, XZ_ERR_INDEX_CRC);
    memcpy(x, orig, n);
    x[l.index + 1] = 2; /* two records for one block */
    xzb_fix_crc32(x, l.index, index_size - 4, l.footer - 4);
    expect_error(x, n, len, XZ_ERR_INDEX);
    memcpy(x, orig, n);
    x[l.index + 2] ^= 0x04; /* record's unpadded size */
    xzb_fix_crc32(x, l.index, index_size - 4, l.footer - 4);
    expect_error(x, n, len, XZ_ERR_INDEX);
    memcpy(x, orig, n);
    x[l.footer - 5] = 0x01; /* last index padding byte (this index has padding) */
    xzb_fix_crc32(x, l.index, index_size - 4, l.footer - 4);
    assert_int_equal(orig[l.footer - 5], 0);
    expect_error(x, n, len, XZ_ERR_INDEX);
    free(orig);
    free(x);
    free(d);
}

static void test_xz_footer_errors(void **state)
{
    (void)state;
    size_t n, len = 5000;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 17);
    uint8_t *x = encode(d, len, 1, LZMA_CHECK_CRC64, &n);
    size_t f = n - 12;

    x[f + 11] = 'X';
    expect_error(x, n, len, XZ_ERR_FOOTER_MAGIC);
    x[f + 11] = 'Z';
    x[f] ^= 1;
    expect_error(x, n, len, XZ_ERR_FOOTER_CRC);
    x[f] ^= 1;
    x[f + 9] = 1; /* flags: CRC32 instead of CRC64 */
    xzb_fix_crc32(x, f + 4, 6, f);
    expect_error(x, n, len, XZ_ERR_FOOTER_MISMATCH);
    x[f + 9] = 4;
    x[f + 4] += 1; /* backward size */
    xzb_fix_crc32(x, f + 4, 6, f);
    expect_error(x, n, len, XZ_ERR_FOOTER_MISMATCH);
    free(x);
    free(d);
}

/* Wrap hand-edited LZMA2 data and expect a given error. */
static void expect_lzma2_error(const uint8_t *lz, size_t n, const uint8_t *plain, size_t plain_len,
                               uint8_t dict_byte, int code)
{
    uint8_t *file = malloc(n + 256);
    struct xzb_opts o = {.check = 4, .dict_byte = dict_byte};
    size_t fn = xzb_wrap(file, lz, n, plain, plain_len, &o);
    expect_error(file, fn, plain_len + 100, code);
    free(file);
}

static void test_xz_uncompressed_chunks(void **state)
{
    (void)state;
    /* 0x01: uncompressed with dictionary reset; 0x02: without. */
    static const uint8_t lz[] = {0x01, 0x00, 0x02, 'a', 'b', 'c', 0x02, 0x00, 0x01, 'd', 'e', 0};
    uint8_t file[256];
    struct xzb_opts o = {.check = 4, .dict_byte = 0};
    size_t fn = xzb_wrap(file, lz, sizeof(lz), (const uint8_t *)"abcde", 5, &o);
    expect_roundtrip(file, fn, (const uint8_t *)"abcde", 5);
    /* Uncompressed chunk, then an LZMA chunk from liblzma that resets the
     * dictionary and sets properties. */
    size_t rn;
    uint8_t *raw = ref_lzma2_raw_encode((const uint8_t *)"xyzxyzxyz", 9, 6, &rn);
    uint8_t lz2[128];
    memcpy(lz2, lz, sizeof(lz) - 1);
    memcpy(lz2 + sizeof(lz) - 1, raw, rn);
    fn = xzb_wrap(file, lz2, sizeof(lz) - 1 + rn, (const uint8_t *)"abcdexyzxyzxyz", 14, &o);
    expect_roundtrip(file, fn, (const uint8_t *)"abcdexyzxyzxyz", 14);
    free(raw);
}

static void test_xz_lzma2_control_errors(void **state)
{
    (void)state;
    const uint8_t *plain = (const uint8_t *)"hello hello hello hello";
    size_t rn;
    uint8_t *raw = ref_lzma2_raw_encode(plain, 23, 6, &rn);
    uint8_t lz[256];
    assert_int_equal(raw[0], 0xe0);

    memcpy(lz, raw, rn);
    lz[0] = 0x03; /* invalid control byte */
    expect_lzma2_error(lz, rn, plain, 23, 16, XZ_ERR_LZMA2_CONTROL);
    lz[0] = 0xc0; /* props + state reset but no dictionary reset first */
    expect_lzma2_error(lz, rn, plain, 23, 16, XZ_ERR_LZMA2_CONTROL);
    static const uint8_t nodict[] = {0x02, 0x00, 0x00, 'a', 0};
    expect_lzma2_error(nodict, sizeof(nodict), (const uint8_t *)"a", 1, 16, XZ_ERR_LZMA2_CONTROL);
    /* Dictionary reset by an uncompressed chunk, then an LZMA chunk that
     * does not set properties. */
    uint8_t seq[256] = {0x01, 0x00, 0x00, 'a'};
    memcpy(seq + 4, raw, rn);
    seq[4] = 0xa0; /* state reset only: header shrinks by the props byte */
    memmove(seq + 9, seq + 10, rn - 6);
    expect_lzma2_error(seq, rn + 3, plain, 23, 16, XZ_ERR_LZMA2_CONTROL);
    /* A chunk whose compressed size runs past the end of the input. */
    memcpy(lz, raw, rn);
    lz[3] = 0xff;
    lz[4] = 0xff;
    expect_lzma2_error(lz, rn, plain, 23, 16, XZ_ERR_TRUNCATED);
    free(raw);
}

static void test_xz_lzma_props_errors(void **state)
{
    (void)state;
    const uint8_t *plain = (const uint8_t *)"hello hello hello hello";
    size_t rn;
    uint8_t *raw = ref_lzma2_raw_encode(plain, 23, 6, &rn);
    uint8_t lz[256];
    memcpy(lz, raw, rn);
    lz[5] = 225; /* beyond (pb 4, lp 4, lc 8) */
    expect_lzma2_error(lz, rn, plain, 23, 16, XZ_ERR_LZMA_PROPS);
    lz[5] = (uint8_t)((2 * 5 + 1) * 9 + 4); /* lc 4 + lp 1 > 4 */
    expect_lzma2_error(lz, rn, plain, 23, 16, XZ_ERR_LZMA_PROPS);
    free(raw);
}

static void test_xz_lzma_range_errors(void **state)
{
    (void)state;
    size_t len = 3000, rn;
    uint8_t *plain = make_data(len, REF_DATA_TEXT, 18);
    uint8_t *raw = ref_lzma2_raw_encode(plain, len, 6, &rn);
    uint8_t *lz = malloc(rn + 8);
    assert_int_equal(raw[0], 0xe0);
    size_t comp = ((size_t)raw[3] << 8 | raw[4]) + 1;
    assert_int_equal(rn, 6 + comp + 1); /* one chunk and the end byte */

    memcpy(lz, raw, rn);
    lz[6] = 0x01; /* range coder's first byte must be 0 */
    expect_lzma2_error(lz, rn, plain, len, 16, XZ_ERR_LZMA_RANGE);
    memcpy(lz, raw, rn);
    lz[4] += 1; /* chunk claims one more compressed byte (the end byte) */
    lz[rn] = 0;
    expect_lzma2_error(lz, rn + 1, plain, len, 16, XZ_ERR_LZMA_RANGE);
    memcpy(lz, raw, rn);
    lz[4] -= 1; /* one compressed byte short */
    memmove(lz + 6 + comp - 1, lz + 6 + comp, 1);
    expect_lzma2_error(lz, rn - 1, plain, len, 16, XZ_ERR_LZMA_RANGE);
    memcpy(lz, raw, rn);
    lz[4] = 2; /* 3 compressed bytes: shorter than the range coder's 5 */
    expect_lzma2_error(lz, rn, plain, len, 16, XZ_ERR_LZMA_RANGE);
    free(lz);
    free(raw);
    free(plain);
}

static void test_xz_lzma_distance(void **state)
{
    (void)state;
    /* 32 KiB of random bytes twice: the second half is one long match at
     * distance 32 KiB. Declaring a 4 KiB dictionary makes it invalid. */
    size_t half = 32768, rn;
    uint8_t *plain = make_data(2 * half, REF_DATA_RANDOM, 19);
    memcpy(plain + half, plain, half);
    uint8_t *raw = ref_lzma2_raw_encode(plain, 2 * half, 6, &rn);
    uint8_t *file = malloc(rn + 256);
    struct xzb_opts o = {.check = 4, .dict_byte = 6}; /* 64 KiB: valid */
    size_t fn = xzb_wrap(file, raw, rn, plain, 2 * half, &o);
    expect_roundtrip(file, fn, plain, 2 * half);
    differential_one(file, fn, 2 * half);
    expect_lzma2_error(raw, rn, plain, 2 * half, 0, XZ_ERR_LZMA_DISTANCE);
    o.dict_byte = 0;
    fn = xzb_wrap(file, raw, rn, plain, 2 * half, &o);
    differential_one(file, fn, 2 * half); /* liblzma rejects it too */
    free(file);
    free(raw);
    free(plain);
}

static void test_xz_lzma_match_overrun(void **state)
{
    (void)state;
    /* Data ending in a long run: the last symbol is a match. Shrinking the
     * chunk's uncompressed size by one makes that match run past it. */
    size_t len = 5000, rn;
    uint8_t *plain = make_data(len, REF_DATA_TEXT, 20);
    memset(plain + 4000, 'z', 1000);
    uint8_t *raw = ref_lzma2_raw_encode(plain, len, 6, &rn);
    size_t unc = ((size_t)(raw[0] & 0x1f) << 16 | (size_t)raw[1] << 8 | raw[2]) + 1;
    assert_int_equal(unc, len);
    raw[2] -= 1;
    expect_lzma2_error(raw, rn, plain, len - 1, 16, XZ_ERR_LZMA_MATCH_OVERRUN);
    free(raw);
    free(plain);
}

static void test_xz_lzma_end_marker(void **state)
{
    (void)state;
    /* liblzma's raw LZMA1 encoder always ends with the end-of-payload
     * marker; LZMA2 forbids it. Its range-coded data is what an LZMA2 chunk
     * carries, so wrap it in one chunk claiming one more output byte. */
    const uint8_t *plain = (const uint8_t *)"end marker end marker end marker";
    size_t len = strlen((const char *)plain);
    lzma_options_lzma opt;
    lzma_lzma_preset(&opt, 6);
    opt.lc = 3;
    opt.lp = 0;
    opt.pb = 2;
    lzma_filter f[2] = {{LZMA_FILTER_LZMA1, &opt}, {LZMA_VLI_UNKNOWN, NULL}};
    uint8_t raw[256], lz[300];
    size_t rn = 0;
    assert_int_equal(lzma_raw_buffer_encode(f, NULL, plain, len, raw, &rn, sizeof(raw)), LZMA_OK);
    size_t unc = len + 1;
    lz[0] = (uint8_t)(0xe0 | ((unc - 1) >> 16));
    lz[1] = (uint8_t)((unc - 1) >> 8);
    lz[2] = (uint8_t)(unc - 1);
    lz[3] = (uint8_t)((rn - 1) >> 8);
    lz[4] = (uint8_t)(rn - 1);
    lz[5] = (2 * 5 + 0) * 9 + 3;
    memcpy(lz + 6, raw, rn);
    lz[6 + rn] = 0;
    expect_lzma2_error(lz, rn + 7, plain, len, 16, XZ_ERR_LZMA_END_MARKER);
}

static void test_xz_error_names(void **state)
{
    (void)state;
    /* Every code has its own name. */
    for (int a = XZ_ERR_TRUNCATED; a <= XZ_ERR_OUTPUT_LIMIT; a++) {
        assert_string_not_equal(decompress_error_name(a), "DECOMPRESS_ERR_UNKNOWN");
        for (int b = XZ_ERR_TRUNCATED; b < a; b++)
            assert_string_not_equal(decompress_error_name(a), decompress_error_name(b));
    }
    assert_string_equal(decompress_error_name(XZ_ERR_CHECK_MISMATCH), "XZ_ERR_CHECK_MISMATCH");
    assert_string_equal(decompress_error_name(12345), "DECOMPRESS_ERR_UNKNOWN");
}

static void test_xz_messages(void **state)
{
    (void)state;
    /* The sentence names the block and the check. */
    size_t n, len = 2000;
    uint8_t *d = make_data(len, REF_DATA_TEXT, 21);
    struct ref_xz_opts o = {.preset = 1, .check = LZMA_CHECK_CRC64, .block_size = 1000};
    uint8_t *x = ref_xz_encode(d, len, &o, &n);
    /* flip the last check byte: belongs to block 1 */
    size_t idx = n - 12;
    while (idx > 0 && !(x[idx] == 0 && x[idx + 1] == 2)) /* index: 00, count 2 */
        idx--;
    x[idx - 1] ^= 1;
    struct domb_error err;
    uint8_t *out;
    size_t out_len;
    assert_int_equal(ours(x, n, len, &out, &out_len, &err), XZ_ERR_CHECK_MISMATCH);
    assert_string_equal(err.msg, "xz: block 1: CRC64 mismatch");
    free(out);
    free(x);
    free(d);
}

int main(int argc, char **argv);
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_crc_known_values),
    cmocka_unit_test(test_xz_empty_stream),
    cmocka_unit_test(test_xz_presets),
    cmocka_unit_test(test_xz_checks),
    cmocka_unit_test(test_xz_x86_bcj),
    cmocka_unit_test(test_xz_multi_block),
    cmocka_unit_test(test_xz_concatenated_padding),
    cmocka_unit_test(test_xz_bad_padding_and_trailing_garbage),
    cmocka_unit_test(test_xz_differential),
    cmocka_unit_test(test_xz_corrupt_every_byte),
    cmocka_unit_test(test_xz_truncated_every_length),
    cmocka_unit_test(test_xz_output_cap),
    cmocka_unit_test(test_xz_stream_header_errors),
    cmocka_unit_test(test_xz_block_header_errors),
    cmocka_unit_test(test_xz_unsupported_filters),
    cmocka_unit_test(test_xz_block_size_mismatch),
    cmocka_unit_test(test_xz_block_padding),
    cmocka_unit_test(test_xz_index_errors),
    cmocka_unit_test(test_xz_footer_errors),
    cmocka_unit_test(test_xz_uncompressed_chunks),
    cmocka_unit_test(test_xz_lzma2_control_errors),
    cmocka_unit_test(test_xz_lzma_props_errors),
    cmocka_unit_test(test_xz_lzma_range_errors),
    cmocka_unit_test(test_xz_lzma_distance),
    cmocka_unit_test(test_xz_lzma_match_overrun),
    cmocka_unit_test(test_xz_lzma_end_marker),
    cmocka_unit_test(test_xz_error_names),
    cmocka_unit_test(test_xz_messages),
};
DOMB_TEST_MAIN(tests)
