/*
 * Helpers for hand-made XZ files in the tests: wrap raw LZMA2 data in a
 * one-block stream, find a stream's parts, and patch fields with their CRCs
 * fixed so a test reaches the check it targets.
 */
#ifndef DECOMPRESS_TEST_XZ_BUILD_H
#define DECOMPRESS_TEST_XZ_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xzb_opts {
    uint8_t check;     /* 0, 1 or 4 (no SHA-256 for hand-made files) */
    uint8_t dict_byte; /* LZMA2 dictionary-size property */
    bool x86;          /* x86 BCJ filter before LZMA2 */
};

/* Build a one-stream, one-block .xz around lzma2 (which must end with its
 * 0x00 end byte); the check covers plain. Returns bytes written to dst. */
size_t xzb_wrap(uint8_t *dst, const uint8_t *lzma2, size_t n, const uint8_t *plain,
                size_t plain_len, const struct xzb_opts *o);

/* Offsets of the parts of a one-stream, one-block file. */
struct xzb_layout {
    size_t block_header, block_header_size, data, comp, padding, check, index, footer;
};
void xzb_layout(const uint8_t *x, size_t n, struct xzb_layout *l);

/* Size of the LZMA2 data (through its end byte) at p. */
size_t xzb_lzma2_size(const uint8_t *p);

/* Store a little-endian CRC32 of buf[from, from+len) at buf[at]. */
void xzb_fix_crc32(uint8_t *buf, size_t from, size_t len, size_t at);
/* Recompute the CRCs of the block header and footer/stream header flags. */
void xzb_fix_block_header_crc(uint8_t *x, const struct xzb_layout *l);
size_t xzb_put_vli(uint8_t *p, uint64_t v);

#endif
