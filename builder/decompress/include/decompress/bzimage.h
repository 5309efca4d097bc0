/*
 * Linux x86 bzImage kernels (boot protocol >= 2.08) for PV guests.
 *
 * Since protocol 2.08 the protected-mode part of a bzImage carries the
 * compressed vmlinux ELF as a "payload" whose place the setup header gives
 * (payload_offset/payload_length at 0x248/0x24c, relative to the start of
 * the protected-mode code at (setup_sects + 1) * 512; setup_sects 0 means 4).
 * Xen's own PV loader (libxenguest's bzImage loader) unpacks that payload and
 * loads the ELF; bzimage_extract() does the same for XZ and gzip payloads.
 *
 * The image is hostile: every header field is bounds-checked, the output is
 * capped by out_cap, and each malformation has its own enum decompress_error
 * code (BZIMAGE_ERR_*); decoder errors keep their XZ_ERR_* / GZIP_ERR_* code.
 */
#ifndef BUILDER_BZIMAGE_H
#define BUILDER_BZIMAGE_H

#include <decompress/decompress.h>

/* Setup header fields (offsets from the start of the image). */
#define BZIMAGE_SETUP_SECTS_OFF 0x1f1
#define BZIMAGE_HEADER_OFF      0x202 /* "HdrS" */
#define BZIMAGE_VERSION_OFF     0x206
#define BZIMAGE_PAYLOAD_OFF_OFF 0x248
#define BZIMAGE_PAYLOAD_LEN_OFF 0x24c
#define BZIMAGE_MIN_SIZE        0x250 /* the setup header up to payload_length */
#define BZIMAGE_MIN_VERSION     0x208

/* Whether img looks like a bzImage with a payload (HdrS, version >= 2.08).
 * Cheap and safe on any input; bzimage_extract() checks everything else. */
bool bzimage_probe(const void *img, size_t len);

/*
 * Locate the payload: on success *payload points into img and *payload_len is
 * its length (including the 4-byte uncompressed size Linux appends).
 */
int bzimage_payload(const void *img, size_t len, const uint8_t **payload, size_t *payload_len,
                    struct domb_error *err);

/*
 * Decompress the payload (XZ or gzip) into out, at most out_cap bytes, and
 * check that the result is an ELF image (the full ELF checks are
 * elf_parse()'s). If the payload ends with Linux's 4-byte uncompressed-size
 * word it must match. Returns 0 with *out_len set, or a negative
 * enum decompress_error with *err filled ("bzimage: payload: xz: ...").
 */
int bzimage_extract(const void *img, size_t len, uint8_t *out, size_t out_cap, size_t *out_len,
                    union decompress_work *work, struct domb_error *err);

/*
 * The decoded ELF's size as Linux's size word after the payload declares it,
 * 0 if there is none (an XZ payload that ends with its footer) or no
 * payload: known before decoding, checked after (BZIMAGE_ERR_SIZE_TRAILER).
 */
uint64_t bzimage_declared_size(const void *img, size_t len);

/*
 * bzimage_extract() through a sink (issue 15: the ELF goes straight into the
 * guest, never whole into the builder's memory): the decoded ELF is written
 * to s->sink in order (XZ's x86 filter writes each block twice, see
 * <decompress/decompress.h>), at most s->out_cap bytes, the decoder keeping
 * only s->window. The same checks as bzimage_extract() (the appended size
 * word, the ELF magic, read back from the sink at the end); the same input
 * gives the same bytes and the same error code. *out_len is the ELF's size.
 * Returns 0, DECOMPRESS_STOP if the sink stopped it, or a negative error.
 */
int bzimage_stream(const void *img, size_t len, const struct decompress_stream *s,
                   uint64_t *out_len, union decompress_work *work, struct domb_error *err);

/*
 * The first `want` bytes of the decoded ELF into buf (final bytes: the x86
 * filter applied), decoding no more than that needs; window as for
 * bzimage_stream() (at least DECOMPRESS_WINDOW_MIN bytes and more than
 * want + 8). *got is want, or the whole ELF's size when that is smaller;
 * *complete says the whole payload was decoded (and checked as
 * bzimage_extract() checks it). The first four bytes must be the ELF magic
 * (BZIMAGE_ERR_NOT_ELF).
 */
int bzimage_prefix(const void *img, size_t len, uint8_t *buf, size_t want, uint8_t *window,
                   size_t window_size, size_t *got, bool *complete, union decompress_work *work,
                   struct domb_error *err);

#endif
