/*
 * Framing shared by domB's binary formats (VM spec, manifest): every one
 * starts with an 8-byte ASCII magic at 0x0, a u16 version at 0x8, u16 flags
 * at 0xa and a u32 total size at 0xc, and has reserved bytes that must be 0.
 * These checks produce the same messages for every format.
 */
#ifndef PROTO_FORMAT_H
#define PROTO_FORMAT_H

#include <domb/error.h>
#include <domb/types.h>

#define FORMAT_OFF_MAGIC   0x0
#define FORMAT_OFF_VERSION 0x8
#define FORMAT_OFF_FLAGS   0xa
#define FORMAT_OFF_SIZE    0xc
#define FORMAT_MAGIC_SIZE  8

/* len >= header_size, the magic, and version == `version`. */
int format_check_header(const uint8_t *b, size_t len, size_t header_size, const char *magic,
                        uint16_t version, struct domb_error *err);

/* The same for a format whose decoder reads versions oldest..newest. */
int format_check_header_versions(const uint8_t *b, size_t len, size_t header_size,
                                 const char *magic, uint16_t oldest, uint16_t newest,
                                 struct domb_error *err);

/* The buffer's length equals the size field. */
int format_check_length(size_t len, uint32_t size_field, struct domb_error *err);

/* b[off, off + n) is all zero ("reserved byte at offset 0x.. is not zero"). */
int format_check_reserved(const uint8_t *b, size_t off, size_t n, struct domb_error *err);

/* Offset of the first non-zero byte in b[off, off + n), or -1. */
long format_first_nonzero(const uint8_t *b, size_t off, size_t n);

/*
 * Copy the NUL-terminated, NUL-padded string field b[off, off + field) into
 * dst (field bytes). Fails with `code` and "<what> is not NUL-terminated" /
 * "<what> has bytes after its terminating NUL" / (when `printable`) "<what>
 * has a non-printable byte 0x.. at position N".
 */
int format_get_string(const uint8_t *b, size_t off, char *dst, size_t field, int code,
                      const char *what, bool printable, struct domb_error *err);

#endif
