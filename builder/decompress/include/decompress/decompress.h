/*
 * XZ and gzip decompressors for guest kernels (issue 8).
 *
 * Both decoders work in a single call: the whole compressed input is in
 * memory and the whole output goes to one caller-supplied buffer. That lets
 * the LZMA2 dictionary be the output buffer itself, so the only working
 * memory besides the output is a fixed-size struct the caller provides
 * (no allocation, no global state; shared code, freestanding-clean).
 *
 * The input is hostile: every read is bounds-checked, the output never grows
 * beyond out_cap, every loop consumes input or produces output, and every
 * corruption is rejected with a distinct enum decompress_error code plus a
 * sentence naming the problem ("xz: block 0: CRC64 mismatch").
 * docs/decompress.md lists the formats, limits and errors.
 */
#ifndef BUILDER_DECOMPRESS_H
#define BUILDER_DECOMPRESS_H

#include <domb/error.h>
#include <domb/types.h>

/* Every reason a decoder can reject its input. decompress_error_name() gives
 * a stable identifier ("XZ_ERR_CHECK_MISMATCH"); the domb_error message says
 * exactly what was wrong and where. Values are negative. */
enum decompress_error {
    DECOMPRESS_OK = 0,

    /* XZ container (.xz file format 1.1.0) */
    XZ_ERR_TRUNCATED = -3000,  /* input ends inside a structure */
    XZ_ERR_STREAM_MAGIC,       /* stream header magic is not FD 37 7A 58 5A 00 */
    XZ_ERR_STREAM_FLAGS,       /* reserved stream-flag bits set */
    XZ_ERR_STREAM_HEADER_CRC,  /* stream header CRC32 mismatch */
    XZ_ERR_CHECK_UNSUPPORTED,  /* integrity check type we cannot verify */
    XZ_ERR_BLOCK_HEADER_CRC,   /* block header CRC32 mismatch */
    XZ_ERR_BLOCK_HEADER,       /* malformed block header (reserved bits, sizes, padding) */
    XZ_ERR_FILTER_UNSUPPORTED, /* filter chain other than [x86 BCJ,] LZMA2 */
    XZ_ERR_FILTER_PROPS,       /* bad filter properties */
    XZ_ERR_BLOCK_SIZE,         /* block sizes disagree with its header */
    XZ_ERR_BLOCK_PADDING,      /* non-zero block padding */
    XZ_ERR_CHECK_MISMATCH,     /* CRC32/CRC64/SHA-256 of a block's data mismatch */
    XZ_ERR_INDEX,              /* index disagrees with the blocks or is malformed */
    XZ_ERR_INDEX_CRC,          /* index CRC32 mismatch */
    XZ_ERR_FOOTER_MAGIC,       /* stream footer magic is not "YZ" */
    XZ_ERR_FOOTER_CRC,         /* stream footer CRC32 mismatch */
    XZ_ERR_FOOTER_MISMATCH,    /* footer flags or backward size disagree */
    XZ_ERR_STREAM_PADDING,     /* stream padding not a multiple of 4 zero bytes */
    XZ_ERR_LZMA2_CONTROL,      /* invalid LZMA2 control byte or reset sequence */
    XZ_ERR_LZMA_PROPS,         /* LZMA properties byte invalid (lc+lp > 4, ...) */
    XZ_ERR_LZMA_RANGE,         /* range decoder: bad first byte, overrun or not finished */
    XZ_ERR_LZMA_DISTANCE,      /* match distance beyond the dictionary */
    XZ_ERR_LZMA_MATCH_OVERRUN, /* match runs past the end of the LZMA2 chunk */
    XZ_ERR_LZMA_END_MARKER,    /* end-of-payload marker inside LZMA2 */
    XZ_ERR_OUTPUT_LIMIT,       /* output would exceed out_cap */

    /* gzip (RFC 1952) and DEFLATE (RFC 1951) */
    GZIP_ERR_TRUNCATED = -3100, /* input ends inside a member */
    GZIP_ERR_MAGIC,             /* not 1F 8B */
    GZIP_ERR_METHOD,            /* compression method is not 8 (deflate) */
    GZIP_ERR_FLAGS,             /* reserved header flag bits set */
    GZIP_ERR_HEADER_CRC,        /* FHCRC header CRC16 mismatch */
    GZIP_ERR_BLOCK_TYPE,        /* DEFLATE block type 3 */
    GZIP_ERR_STORED_LENGTH,     /* stored block LEN != ~NLEN */
    GZIP_ERR_CODE_COUNTS,       /* HLIT > 286 or HDIST > 30 */
    GZIP_ERR_CODE_LENGTHS,      /* bad code-length sequence (repeat without previous, overflow) */
    GZIP_ERR_HUFFMAN_CODE,      /* over-subscribed or incomplete Huffman code */
    GZIP_ERR_NO_END_OF_BLOCK,   /* dynamic block without an end-of-block code */
    GZIP_ERR_BAD_SYMBOL,        /* invalid literal/length or distance symbol */
    GZIP_ERR_DISTANCE,          /* distance beyond the start of the output */
    GZIP_ERR_CRC,               /* CRC32 of the data mismatch */
    GZIP_ERR_SIZE,              /* ISIZE mismatch */
    GZIP_ERR_TRAILING,          /* bytes after the last member that are not a member */
    GZIP_ERR_OUTPUT_LIMIT,      /* output would exceed out_cap */

    /* bzImage (x86 boot protocol >= 2.08) */
    BZIMAGE_ERR_TOO_SMALL = -3200, /* shorter than the setup header */
    BZIMAGE_ERR_NO_HDRS,           /* no "HdrS" at 0x202 */
    BZIMAGE_ERR_VERSION,           /* boot protocol < 2.08 (no payload fields) */
    BZIMAGE_ERR_SETUP_OOB,         /* setup sectors extend beyond the image */
    BZIMAGE_ERR_PAYLOAD_OOB,       /* payload offset/length outside the image or empty */
    BZIMAGE_ERR_PAYLOAD_FORMAT,    /* payload neither XZ nor gzip */
    BZIMAGE_ERR_SIZE_TRAILER,      /* appended uncompressed-size word disagrees */
    BZIMAGE_ERR_NOT_ELF,           /* decompressed payload is not an ELF image */

    DECOMPRESS_ERR_END,
};

/* Stable identifier for an error code, e.g. "XZ_ERR_CHECK_MISMATCH". */
const char *decompress_error_name(int code);

/*
 * Streaming (issue 15): instead of one output buffer, the decoded bytes go
 * to a sink, in order, and the decoder keeps only a window of its own
 * history (a buffer of the caller's). An XZ match reaching further back
 * than the window reads its source back from the sink; DEFLATE never needs
 * to (its 32 KiB window always stays in ours). With XZ's x86 BCJ filter a
 * block's bytes are written twice: as LZMA2 decodes them (the dictionary
 * the filter must not touch), then, when the block is complete, again
 * filtered, in one pass in order that reads each stretch back first. The
 * integrity checks (XZ's CRC32/CRC64/SHA-256, gzip's CRC32 and ISIZE) cover
 * the final bytes, as in one-call mode; the same input gives the same
 * bytes and the same error code either way.
 */
#define DECOMPRESS_STOP       1            /* a sink's "enough": decoding stops, successfully */
#define DECOMPRESS_WINDOW_MIN (256u << 10) /* smallest streaming window (else -XEN_EINVAL) */

struct decompress_sink {
    void *ctx;
    /* Bytes [pos, pos + len) of the output. Every byte is written first in
     * increasing order; a filter pass may write it again later. Returns 0,
     * DECOMPRESS_STOP, or a negative error (the sink fills the err the
     * decoder was given; the decoder returns that code unchanged). */
    int (*write)(void *ctx, uint64_t pos, const void *buf, size_t len);
    /* Bytes [pos, pos + len), as last written. Returns 0 or a negative
     * error as above. */
    int (*read)(void *ctx, uint64_t pos, void *buf, size_t len);
};

struct decompress_stream {
    const struct decompress_sink *sink;
    uint8_t *window; /* the decoder's history: at least DECOMPRESS_WINDOW_MIN bytes */
    size_t window_size;
    uint64_t out_cap; /* the most output allowed (*_ERR_OUTPUT_LIMIT beyond) */
};

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()) and CRC-64 (ECMA-182,
 * reflected, as XZ's). Pass 0 to start; feed the result back to continue. */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);
uint64_t crc64_update(uint64_t crc, const void *buf, size_t len);

/* ---- XZ ---- */

/* LZMA probability model, sized for LZMA2's lc + lp <= 4. Opaque to callers:
 * they only allocate a struct xz_work (about 28 KiB). */
struct xz_lzma_len_probs {
    uint16_t choice;
    uint16_t choice2;
    uint16_t low[16][8];
    uint16_t mid[16][8];
    uint16_t high[256];
};

struct xz_lzma_probs {
    uint16_t is_match[12][16];
    uint16_t is_rep[12];
    uint16_t is_rep0[12];
    uint16_t is_rep1[12];
    uint16_t is_rep2[12];
    uint16_t is_rep0_long[12][16];
    uint16_t dist_slot[4][64];
    uint16_t dist_special[114];
    uint16_t dist_align[16];
    struct xz_lzma_len_probs match_len;
    struct xz_lzma_len_probs rep_len;
    uint16_t literal[16][0x300];
};

struct xz_work {
    struct xz_lzma_probs probs;
};

/*
 * Decode a complete .xz file: one or more streams, each optionally followed
 * by stream padding (multiples of four zero bytes). Any other trailing byte is
 * an error. Writes at most out_cap bytes to out and sets *out_len.
 * Returns 0 or a negative enum decompress_error with *err filled.
 */
int xz_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
              struct xz_work *work, struct domb_error *err);

/*
 * Decode exactly one XZ stream at the start of `in` and report in *in_used how
 * many bytes it occupied; bytes after it are not looked at (Linux's
 * bzImage appends a size word after the stream).
 */
int xz_decode_stream(const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
                     size_t out_cap, size_t *out_len, struct xz_work *work, struct domb_error *err);

/*
 * xz_decode_stream() through a sink: decode one stream at the start of `in`
 * and report its length; *out_len is the output's. Returns 0,
 * DECOMPRESS_STOP when the sink said so, or a negative error.
 */
int xz_decode_stream_to(const uint8_t *in, size_t in_len, size_t *in_used,
                        const struct decompress_stream *s, uint64_t *out_len, struct xz_work *work,
                        struct domb_error *err);

/*
 * The first `want` final bytes of one XZ stream into buf, decoding only what
 * that needs (the window must exceed want + 8 + 512 bytes and
 * DECOMPRESS_WINDOW_MIN). *got is want, or less when the stream's output is
 * shorter; *complete says the whole stream was decoded and checked, and
 * then *in_used is its length.
 */
int xz_decode_prefix(const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *buf, size_t want,
                     uint8_t *window, size_t window_size, size_t *got, bool *complete,
                     struct xz_work *work, struct domb_error *err);

/* ---- gzip ---- */

/* Huffman decoding tables for one DEFLATE block. Opaque to callers. */
#define GUNZIP_FAST_BITS 9
struct gunzip_huffman {
    uint16_t count[16];                   /* codes of each length */
    uint16_t symbol[320];                 /* symbols ordered by code */
    uint16_t fast[1 << GUNZIP_FAST_BITS]; /* (symbol << 4) | length, 0 = slow path */
};

struct gunzip_work {
    struct gunzip_huffman litlen;
    struct gunzip_huffman dist;
    struct gunzip_huffman codelen;
    uint8_t lengths[320];
};

/*
 * Decode a complete gzip file: one or more members back to back (RFC 1952
 * §2.2). Any byte after the last member is an error. Writes at most out_cap
 * bytes to out and sets *out_len. Returns 0 or a negative enum
 * decompress_error with *err filled.
 */
int gunzip_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
                  struct gunzip_work *work, struct domb_error *err);

/* Decode exactly one gzip member and report the bytes it used in *in_used. */
int gunzip_decode_member(const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
                         size_t out_cap, size_t *out_len, struct gunzip_work *work,
                         struct domb_error *err);

/* gunzip_decode_member() through a sink (as xz_decode_stream_to()). */
int gunzip_decode_member_to(const uint8_t *in, size_t in_len, size_t *in_used,
                            const struct decompress_stream *s, uint64_t *out_len,
                            struct gunzip_work *work, struct domb_error *err);

/* Working memory for whichever decoder a bzImage's payload needs. */
union decompress_work {
    struct xz_work xz;
    struct gunzip_work gzip;
};

#endif
