/* Pack-time kernel extraction with liblzma and zlib (see extract.h). */
#include "extract.h"

#include <decompress/bzimage.h>
#include <domb/byteorder.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const uint8_t xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
static const uint8_t gzip_magic[2] = {0x1f, 0x8b};
static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};

static int fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return -1;
}

static bool starts_with(const uint8_t *p, size_t len, const uint8_t *magic, size_t n)
{
    return p && len >= n && memcmp(p, magic, n) == 0;
}

const char *extract_kernel_kind(const uint8_t *img, size_t len)
{
    const uint8_t *payload;
    size_t payload_len;
    struct domb_error err;

    if (starts_with(img, len, elf_magic, sizeof(elf_magic)))
        return "ELF";
    if (!bzimage_probe(img, len) || bzimage_payload(img, len, &payload, &payload_len, &err) != 0)
        return "unknown";
    if (starts_with(payload, payload_len, xz_magic, sizeof(xz_magic)))
        return "bzImage (xz)";
    if (starts_with(payload, payload_len, gzip_magic, sizeof(gzip_magic)))
        return "bzImage (gzip)";
    return "bzImage (unsupported compression)";
}

/* Room beyond the used bytes: double the buffer, up to EXTRACT_MAX_OUTPUT. */
static int grow(uint8_t **buf, size_t *cap, size_t used, char *why, size_t size)
{
    size_t want = *cap ? *cap * 2 : 1u << 24;
    uint8_t *p;

    if (used < *cap)
        return 0;
    if (*cap >= EXTRACT_MAX_OUTPUT)
        return fail(why, size, "payload unpacks to more than %u bytes", EXTRACT_MAX_OUTPUT);
    if (want > EXTRACT_MAX_OUTPUT)
        want = EXTRACT_MAX_OUTPUT;
    p = realloc(*buf, want);
    if (!p)
        return fail(why, size, "out of memory");
    *buf = p;
    *cap = want;
    return 0;
}

static const char *lzma_ret_name(lzma_ret r)
{
    switch (r) {
    case LZMA_FORMAT_ERROR:
        return "not an XZ stream";
    case LZMA_OPTIONS_ERROR:
        return "unsupported options";
    case LZMA_DATA_ERROR:
        return "compressed data is corrupt";
    case LZMA_BUF_ERROR:
        return "compressed data is truncated";
    case LZMA_MEM_ERROR:
    case LZMA_MEMLIMIT_ERROR:
        return "out of memory";
    default:
        return "decoder error";
    }
}

/* Decode the one XZ stream at in[0..len); *used: bytes it took. */
static int unxz(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len, size_t *used,
                char *why, size_t size)
{
    lzma_stream s = LZMA_STREAM_INIT;
    size_t cap = 0;
    lzma_ret r = lzma_stream_decoder(&s, UINT64_MAX, 0);

    if (r != LZMA_OK)
        return fail(why, size, "xz: liblzma: %s", lzma_ret_name(r));
    s.next_in = in;
    s.avail_in = len;
    *out = NULL;
    while (r == LZMA_OK) {
        if (grow(out, &cap, s.total_out, why, size)) {
            lzma_end(&s);
            return -1;
        }
        s.next_out = *out + s.total_out;
        s.avail_out = cap - s.total_out;
        r = lzma_code(&s, LZMA_FINISH);
    }
    *out_len = s.total_out;
    *used = s.total_in;
    lzma_end(&s);
    if (r != LZMA_STREAM_END)
        return fail(why, size, "xz: liblzma: %s", lzma_ret_name(r));
    return 0;
}

/* Decode the one gzip member at in[0..len); *used: bytes it took. */
static int gunzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len, size_t *used,
                  char *why, size_t size)
{
    z_stream z;
    size_t cap = 0;
    int r;

    memset(&z, 0, sizeof(z));
    if (len > UINT32_MAX || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return fail(why, size, "gzip: zlib cannot start");
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    *out = NULL;
    do {
        if (grow(out, &cap, z.total_out, why, size)) {
            inflateEnd(&z);
            return -1;
        }
        z.next_out = *out + z.total_out;
        z.avail_out = (uInt)(cap - z.total_out);
        r = inflate(&z, Z_FINISH);
    } while (r == Z_OK || (r == Z_BUF_ERROR && z.avail_out == 0));
    *out_len = z.total_out;
    *used = z.total_in;
    if (r != Z_STREAM_END) {
        fail(why, size, "gzip: zlib: %s", z.msg ? z.msg : "compressed data is truncated");
        inflateEnd(&z);
        return -1;
    }
    inflateEnd(&z);
    return 0;
}

int extract_kernel(const uint8_t *img, size_t len, uint8_t **elf, size_t *elf_len, char *why,
                   size_t why_size)
{
    const uint8_t *payload;
    size_t payload_len, used = 0, out_len = 0;
    struct domb_error err;
    uint8_t *out = NULL;
    int rc;

    if (bzimage_payload(img, len, &payload, &payload_len, &err) != 0)
        return fail(why, why_size, "%s", err.msg);
    if (starts_with(payload, payload_len, xz_magic, sizeof(xz_magic)))
        rc = unxz(payload, payload_len, &out, &out_len, &used, why, why_size);
    else if (starts_with(payload, payload_len, gzip_magic, sizeof(gzip_magic)))
        rc = gunzip(payload, payload_len, &out, &out_len, &used, why, why_size);
    else
        return fail(why, why_size, "payload is neither XZ nor gzip");
    if (rc == 0 && payload_len - used == 4) {
        /* Linux appends the uncompressed size as a little-endian word. */
        uint32_t word = get_le32(payload + used);

        if (word != out_len)
            rc = fail(why, why_size, "payload's size word says %u bytes but it unpacks to %zu",
                      word, out_len);
    } else if (rc == 0 && payload_len != used) {
        rc = fail(why, why_size, "%zu bytes follow the payload's compressed stream",
                  payload_len - used);
    }
    if (rc == 0 && !starts_with(out, out_len, elf_magic, sizeof(elf_magic)))
        rc = fail(why, why_size, "payload does not unpack to an ELF image");
    if (rc) {
        free(out);
        return -1;
    }
    *elf = out;
    *elf_len = out_len;
    return 0;
}
