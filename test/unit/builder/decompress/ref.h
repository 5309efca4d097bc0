/*
 * Host-only helpers for the decompressor tests and fuzz targets: test data
 * generators and encoders/decoders built on Debian's liblzma and zlib, the
 * references our decoders are compared with.
 */
#ifndef DECOMPRESS_TEST_REF_H
#define DECOMPRESS_TEST_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deterministic xorshift64* generator. */
uint64_t ref_rand(uint64_t *state);

enum ref_data_kind {
    REF_DATA_RANDOM,
    REF_DATA_ZERO,
    REF_DATA_REPETITIVE,
    REF_DATA_TEXT,
    REF_DATA_CODE, /* bytes of this executable: real x86-64 code and data */
    REF_DATA_KINDS,
};
void ref_fill(uint8_t *buf, size_t n, enum ref_data_kind kind, uint64_t *seed);

/* XZ encoding options for ref_xz_encode(). */
struct ref_xz_opts {
    uint32_t preset;    /* 0..9 */
    int check;          /* lzma_check */
    bool x86;           /* x86 BCJ before LZMA2 */
    uint32_t x86_start; /* BCJ start offset */
    bool delta;         /* delta filter (unsupported by us) */
    size_t block_size;  /* > 0: multi-block with sizes in headers */
};

/* Encode n bytes; returns a malloc'd buffer and its length in *out_len. */
uint8_t *ref_xz_encode(const uint8_t *in, size_t n, const struct ref_xz_opts *o, size_t *out_len);

/* Raw LZMA2 (no container) with the given preset. */
uint8_t *ref_lzma2_raw_encode(const uint8_t *in, size_t n, uint32_t preset, size_t *out_len);

/*
 * Reference decodes. Return 0 and a malloc'd *out on success; -1 if the
 * reference rejects the input; -2 if the output would exceed out_cap; -3 if
 * the reference cannot judge (memory limit for huge dictionaries, or a check
 * type liblzma skips without verifying).
 */
int ref_xz_decode(const uint8_t *in, size_t n, size_t out_cap, uint8_t **out, size_t *out_len);
int ref_gzip_decode(const uint8_t *in, size_t n, size_t out_cap, uint8_t **out, size_t *out_len);

/* gzip encoding options for ref_gzip_encode(). */
struct ref_gzip_opts {
    int level;    /* 0..9 */
    int strategy; /* Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED */
    bool name, comment, extra, hcrc;
};
uint8_t *ref_gzip_encode(const uint8_t *in, size_t n, const struct ref_gzip_opts *o,
                         size_t *out_len);

#endif
