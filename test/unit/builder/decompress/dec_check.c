/*
 * cmocka checks shared by the decoder tests (see dec_check.h).
 */
#include "dec_check.h"

#include "domb_test.h"

#include <stdlib.h>
#include <string.h>

int dec_ours(const struct dec_under_test *d, const uint8_t *in, size_t n, size_t out_cap,
             uint8_t **out, size_t *out_len, struct domb_error *err)
{
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
