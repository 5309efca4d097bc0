/*
 * cmocka checks shared by the XZ and gzip tests: run a decoder into a fresh,
 * exactly-sized buffer (so ASan sees any overrun) and require either the
 * right bytes or a given error with a well-formed message.
 */
#ifndef DECOMPRESS_TEST_DEC_CHECK_H
#define DECOMPRESS_TEST_DEC_CHECK_H

#include "ref.h"

#include <decompress/decompress.h>

struct dec_under_test {
    const char *prefix; /* every message starts with it: "xz: " */
    int (*decode)(const uint8_t *in, size_t n, uint8_t *out, size_t out_cap, size_t *out_len,
                  struct domb_error *err);
    /* Optional: the first stream/member decoded in one call and streamed
     * (issue 15). Whenever both are set, dec_ours() runs both on every input
     * with a DECOMPRESS_WINDOW_MIN window and requires the same verdict,
     * message, input length and bytes. */
    int (*single)(const uint8_t *in, size_t n, size_t *used, uint8_t *out, size_t out_cap,
                  size_t *out_len, struct domb_error *err);
    int (*stream)(const uint8_t *in, size_t n, size_t *used, const struct decompress_stream *s,
                  uint64_t *out_len, struct domb_error *err);
};

/* Stream in (decoder d) into a host sink of cap bytes with a window of
 * window_size; *out (malloc'd) gets the bytes. Checks the sink's contract:
 * first writes in order and inside the cap, reads only of written bytes.
 * Returns the decoder's verdict; *reads counts the read-backs. */
int dec_stream(const struct dec_under_test *d, const uint8_t *in, size_t n, size_t cap,
               size_t window_size, uint8_t **out, uint64_t *out_len, size_t *used,
               unsigned long *reads, struct domb_error *err);

/* Decode into a malloc'd *out of out_cap bytes; checks the error's form. */
int dec_ours(const struct dec_under_test *d, const uint8_t *in, size_t n, size_t out_cap,
             uint8_t **out, size_t *out_len, struct domb_error *err);
/* Require exactly plain back. */
void dec_expect_roundtrip(const struct dec_under_test *d, const uint8_t *in, size_t n,
                          const uint8_t *plain, size_t plain_len);
/* Require error `code` (and message `msg` unless NULL) and no output. */
void dec_expect_error(const struct dec_under_test *d, const uint8_t *in, size_t n, size_t cap,
                      int code, const char *msg);
/* n bytes of test data of a kind (malloc'd). */
uint8_t *dec_make_data(size_t n, enum ref_data_kind kind, uint64_t seed);

/* The short names a test file uses for its decoder `dut`: ours(),
 * expect_roundtrip(), expect_error(), expect_error_msg(), make_data(). */
#define DEC_CHECK_SHORTHANDS(dut)                                                                  \
    static inline int ours(const uint8_t *in, size_t n, size_t cap, uint8_t **out,                 \
                           size_t *out_len, struct domb_error *err)                                \
    {                                                                                              \
        return dec_ours(&(dut), in, n, cap, out, out_len, err);                                    \
    }                                                                                              \
    static inline void expect_roundtrip(const uint8_t *in, size_t n, const uint8_t *plain,         \
                                        size_t len)                                                \
    {                                                                                              \
        dec_expect_roundtrip(&(dut), in, n, plain, len);                                           \
    }                                                                                              \
    static inline void expect_error_msg(const uint8_t *in, size_t n, size_t cap, int code,         \
                                        const char *msg)                                           \
    {                                                                                              \
        dec_expect_error(&(dut), in, n, cap, code, msg);                                           \
    }                                                                                              \
    static inline void expect_error(const uint8_t *in, size_t n, size_t cap, int code)             \
    {                                                                                              \
        dec_expect_error(&(dut), in, n, cap, code, NULL);                                          \
    }                                                                                              \
    static inline uint8_t *make_data(size_t n, enum ref_data_kind kind, uint64_t seed)             \
    {                                                                                              \
        return dec_make_data(n, kind, seed);                                                       \
    }

#endif
