/*
 * cmocka checks shared by the decoder tests (see dec_check.h).
 */
#include "dec_check.h"

#include "domb_test.h"

#include <stdlib.h>
#include <string.h>

/* The host side of a stream: a buffer the size of the output cap. */
struct host_sink {
    uint8_t *buf;
    size_t cap;
    uint64_t high; /* bytes [0, high) written at least once */
    unsigned long reads;
};

static int host_write(void *ctx, uint64_t pos, const void *src, size_t len)
{
    struct host_sink *h = ctx;

    assert_true(pos <= h->high); /* first writes come in order */
    assert_true(pos + len <= h->cap);
    memcpy(h->buf + pos, src, len);
    if (pos + len > h->high)
        h->high = pos + len;
    return 0;
}

static int host_read(void *ctx, uint64_t pos, void *dst, size_t len)
{
    struct host_sink *h = ctx;

    assert_true(pos + len <= h->high);
    memcpy(dst, h->buf + pos, len);
    h->reads++;
    return 0;
}

int dec_stream(const struct dec_under_test *d, const uint8_t *in, size_t n, size_t cap,
               size_t window_size, uint8_t **out, uint64_t *out_len, size_t *used,
               unsigned long *reads, struct domb_error *err)
{
    struct host_sink h = {.buf = malloc(cap ? cap : 1), .cap = cap};
    struct decompress_sink sink = {.ctx = &h, .write = host_write, .read = host_read};
    uint8_t *window = malloc(window_size);
    struct decompress_stream s = {
        .sink = &sink, .window = window, .window_size = window_size, .out_cap = cap};
    int ret;

    domb_error_clear(err);
    *used = 0;
    ret = d->stream(in, n, used, &s, out_len, err);
    free(window);
    if (ret == 0)
        assert_int_equal(h.high, *out_len);
    *out = h.buf;
    if (reads)
        *reads = h.reads;
    return ret;
}

/* One-call and streamed decoding of the first stream must agree exactly. */
static void dec_compare_stream(const struct dec_under_test *d, const uint8_t *in, size_t n,
                               size_t out_cap)
{
    struct domb_error e1, e2;
    uint8_t *o1 = malloc(out_cap ? out_cap : 1), *o2;
    size_t l1 = 0, u1 = 0, u2 = 0;
    uint64_t l2 = 0;
    int r1, r2;

    domb_error_clear(&e1);
    r1 = d->single(in, n, &u1, o1, out_cap, &l1, &e1);
    r2 = dec_stream(d, in, n, out_cap, DECOMPRESS_WINDOW_MIN, &o2, &l2, &u2, NULL, &e2);
    if (r1 != r2 || (r1 && strcmp(e1.msg, e2.msg) != 0))
        print_message("one call: %d %s; streamed: %d %s\n", r1, r1 ? e1.msg : "", r2,
                      r2 ? e2.msg : "");
    assert_int_equal(r1, r2);
    if (r1) {
        assert_string_equal(e1.msg, e2.msg);
    } else {
        assert_int_equal(u1, u2);
        assert_int_equal(l1, l2);
        assert_memory_equal(o1, o2, l1);
    }
    free(o1);
    free(o2);
}

int dec_ours(const struct dec_under_test *d, const uint8_t *in, size_t n, size_t out_cap,
             uint8_t **out, size_t *out_len, struct domb_error *err)
{
    if (d->single && d->stream)
        dec_compare_stream(d, in, n, out_cap);
    *out = malloc(out_cap ? out_cap : 1);
    domb_error_clear(err);
    int ret = d->decode(in, n, *out, out_cap, out_len, err);
    if (ret != 0) {
        assert_int_equal(err->code, ret);
        assert_true(strncmp(err->msg, d->prefix, strlen(d->prefix)) == 0);
        assert_string_not_equal(decompress_error_name(ret), "DECOMPRESS_ERR_UNKNOWN");
    }
    return ret;
}

void dec_expect_roundtrip(const struct dec_under_test *d, const uint8_t *in, size_t n,
                          const uint8_t *plain, size_t plain_len)
{
    struct domb_error err;
    uint8_t *out;
    size_t out_len;
    int ret = dec_ours(d, in, n, plain_len, &out, &out_len, &err);
    if (ret)
        print_message("unexpected error: %s\n", err.msg);
    assert_int_equal(ret, 0);
    assert_int_equal(out_len, plain_len);
    assert_memory_equal(out, plain, plain_len);
    free(out);
}

void dec_expect_error(const struct dec_under_test *d, const uint8_t *in, size_t n, size_t cap,
                      int code, const char *msg)
{
    struct domb_error err;
    uint8_t *out;
    size_t out_len;
    int ret = dec_ours(d, in, n, cap, &out, &out_len, &err);
    if (ret != code)
        print_message("want %s, got %s: %s\n", decompress_error_name(code),
                      decompress_error_name(ret), ret ? err.msg : "");
    assert_int_equal(ret, code);
    assert_int_equal(out_len, 0);
    if (msg)
        assert_string_equal(err.msg, msg);
    free(out);
}

uint8_t *dec_make_data(size_t n, enum ref_data_kind kind, uint64_t seed)
{
    uint8_t *d = malloc(n ? n : 1);
    ref_fill(d, n, kind, &seed);
    return d;
}
