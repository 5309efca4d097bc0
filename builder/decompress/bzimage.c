/*
 * bzImage payload extraction (see <decompress/bzimage.h>).
 */
#include "window.h"

#include <decompress/bzimage.h>
#include <domb/byteorder.h>
#include <domb/errno.h>

static const uint8_t bz_xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
static const uint8_t bz_gzip_magic[2] = {0x1f, 0x8b};

static bool bz_starts_with(const uint8_t *p, size_t len, const uint8_t *magic, size_t n)
{
    return len >= n && memcmp(p, magic, n) == 0;
}

bool bzimage_probe(const void *img, size_t len)
{
    const uint8_t *b = img;

    return len >= BZIMAGE_MIN_SIZE && memcmp(b + BZIMAGE_HEADER_OFF, "HdrS", 4) == 0 &&
           get_le16(b + BZIMAGE_VERSION_OFF) >= BZIMAGE_MIN_VERSION;
}

int bzimage_payload(const void *img, size_t len, const uint8_t **payload, size_t *payload_len,
                    struct domb_error *err)
{
    const uint8_t *b = img;

    if (len < BZIMAGE_MIN_SIZE)
        return domb_error_set(err, BZIMAGE_ERR_TOO_SMALL,
                              "bzimage: %zu bytes is too small for a setup header (%u bytes)", len,
                              BZIMAGE_MIN_SIZE);
    if (memcmp(b + BZIMAGE_HEADER_OFF, "HdrS", 4) != 0)
        return domb_error_set(err, BZIMAGE_ERR_NO_HDRS, "bzimage: no \"HdrS\" magic at 0x%x",
                              BZIMAGE_HEADER_OFF);
    unsigned version = get_le16(b + BZIMAGE_VERSION_OFF);
    if (version < BZIMAGE_MIN_VERSION)
        return domb_error_set(err, BZIMAGE_ERR_VERSION,
                              "bzimage: boot protocol %u.%02u is older than 2.08 (no payload)",
                              version >> 8, version & 0xff);
    size_t setup_sects = b[BZIMAGE_SETUP_SECTS_OFF] ? b[BZIMAGE_SETUP_SECTS_OFF] : 4;
    size_t pm_start = (setup_sects + 1) * 512;
    if (pm_start > len)
        return domb_error_set(err, BZIMAGE_ERR_SETUP_OOB,
                              "bzimage: %zu setup sectors extend beyond the %zu-byte image",
                              setup_sects, len);
    uint64_t off = get_le32(b + BZIMAGE_PAYLOAD_OFF_OFF);
    uint64_t plen = get_le32(b + BZIMAGE_PAYLOAD_LEN_OFF);
    if (plen == 0 || off > len - pm_start || plen > len - pm_start - off)
        return domb_error_set(err, BZIMAGE_ERR_PAYLOAD_OOB,
                              "bzimage: payload at 0x%llx+0x%llx (length 0x%llx) is %s",
                              (unsigned long long)pm_start, (unsigned long long)off,
                              (unsigned long long)plen, plen == 0 ? "empty" : "outside the image");
    *payload = b + pm_start + off;
    *payload_len = (size_t)plen;
    return 0;
}

/* Name the compressors Linux can use that we do not decode. */
static const char *bz_format_name(const uint8_t *p, size_t len)
{
    static const struct {
        uint8_t magic[4];
        uint8_t n;
        const char *name;
    } formats[] = {
        {{'B', 'Z', 'h'}, 3, "bzip2"},         {{0x5d, 0x00, 0x00}, 3, "LZMA"},
        {{0x89, 'L', 'Z', 'O'}, 4, "LZO"},     {{0x02, 0x21, 0x4c, 0x18}, 4, "LZ4"},
        {{0x28, 0xb5, 0x2f, 0xfd}, 4, "zstd"}, {{0x7f, 'E', 'L', 'F'}, 4, "uncompressed ELF"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
        if (bz_starts_with(p, len, formats[i].magic, formats[i].n))
            return formats[i].name;
    return "unknown";
}

/* "bzimage: payload: " in front of a decoder's own message (the codes from
 * -3000 to -3199); a sink's error is its own. */
static int bz_payload_error(int ret, struct domb_error *err)
{
    if (err && ret <= XZ_ERR_TRUNCATED && ret > GZIP_ERR_TRUNCATED - 100) {
        char msg[DOMB_ERROR_MSG_MAX];
        memcpy(msg, err->msg, sizeof(msg));
        domb_error_set(err, ret, "bzimage: payload: %s", msg);
    }
    return ret;
}

static int bz_format_error(const uint8_t *payload, size_t plen, struct domb_error *err)
{
    return domb_error_set(err, BZIMAGE_ERR_PAYLOAD_FORMAT,
                          "bzimage: payload format %s (%02x %02x %02x %02x) is not XZ or gzip",
                          bz_format_name(payload, plen), payload[0], plen > 1 ? payload[1] : 0,
                          plen > 2 ? payload[2] : 0, plen > 3 ? payload[3] : 0);
}

/* Linux appends the uncompressed size as a 32-bit little-endian word
 * (scripts/Makefile.lib size_append); nothing else may follow. */
static int bz_check_trailer(const uint8_t *payload, size_t plen, size_t used, uint64_t out_len,
                            struct domb_error *err)
{
    size_t rest = plen - used;

    if (rest == 4 && get_le32(payload + used) != (uint32_t)out_len)
        return domb_error_set(err, BZIMAGE_ERR_SIZE_TRAILER,
                              "bzimage: payload's size word says %u bytes but it decoded to %llu",
                              get_le32(payload + used), (unsigned long long)out_len);
    if (rest != 0 && rest != 4)
        return domb_error_set(err, BZIMAGE_ERR_SIZE_TRAILER,
                              "bzimage: %zu unexpected bytes after the compressed payload", rest);
    return 0;
}

static int bz_not_elf(uint64_t out_len, struct domb_error *err)
{
    return domb_error_set(err, BZIMAGE_ERR_NOT_ELF,
                          "bzimage: decompressed payload (%llu bytes) is not an ELF image",
                          (unsigned long long)out_len);
}

static bool bz_is_elf(const uint8_t *p)
{
    return p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F';
}

uint64_t bzimage_declared_size(const void *img, size_t len)
{
    const uint8_t *payload = NULL;
    size_t plen = 0;

    if (bzimage_payload(img, len, &payload, &plen, NULL) != 0 || plen < 4)
        return 0;
    if (bz_starts_with(payload, plen, bz_xz_magic, sizeof(bz_xz_magic)) &&
        payload[plen - 2] == 'Y' && payload[plen - 1] == 'Z')
        return 0; /* the stream's footer: no size word */
    return get_le32(payload + plen - 4);
}

int bzimage_stream(const void *img, size_t len, const struct decompress_stream *s,
                   uint64_t *out_len, union decompress_work *work, struct domb_error *err)
{
    const uint8_t *payload = NULL;
    size_t plen = 0, used = 0;
    uint8_t magic[4];
    int ret;

    *out_len = 0;
    ret = bzimage_payload(img, len, &payload, &plen, err);
    if (ret)
        return ret;
    if (bz_starts_with(payload, plen, bz_xz_magic, sizeof(bz_xz_magic)))
        ret = xz_decode_stream_to(payload, plen, &used, s, out_len, &work->xz, err);
    else if (bz_starts_with(payload, plen, bz_gzip_magic, sizeof(bz_gzip_magic)))
        ret = gunzip_decode_member_to(payload, plen, &used, s, out_len, &work->gzip, err);
    else
        return bz_format_error(payload, plen, err);
    if (ret)
        return ret < 0 ? bz_payload_error(ret, err) : ret;
    ret = bz_check_trailer(payload, plen, used, *out_len, err);
    if (ret == 0 && *out_len < 4)
        ret = bz_not_elf(*out_len, err);
    if (ret == 0 && (ret = s->sink->read(s->sink->ctx, 0, magic, 4)) == 0 && !bz_is_elf(magic))
        ret = bz_not_elf(*out_len, err);
    return ret;
}

int bzimage_prefix(const void *img, size_t len, uint8_t *buf, size_t want, uint8_t *window,
                   size_t window_size, size_t *got, bool *complete, union decompress_work *work,
                   struct domb_error *err)
{
    const uint8_t *payload = NULL;
    size_t plen = 0, used = 0;
    int ret;

    *got = 0;
    *complete = false;
    ret = bzimage_payload(img, len, &payload, &plen, err);
    if (ret)
        return ret;
    if (bz_starts_with(payload, plen, bz_xz_magic, sizeof(bz_xz_magic))) {
        ret = xz_decode_prefix(payload, plen, &used, buf, want, window, window_size, got, complete,
                               &work->xz, err);
    } else if (bz_starts_with(payload, plen, bz_gzip_magic, sizeof(bz_gzip_magic))) {
        struct dc_capture cap = {.buf = buf, .want = want};
        struct decompress_sink sink = {
            .ctx = &cap, .write = dc_capture_write, .read = dc_capture_read};
        size_t need = want + sizeof(cap.tail) + WINDOW_SLACK + 1;
        struct decompress_stream s = {
            .sink = &sink,
            .window = window,
            .window_size = need > DECOMPRESS_WINDOW_MIN ? need : DECOMPRESS_WINDOW_MIN,
            .out_cap = UINT64_MAX,
        };
        uint64_t out = 0;

        if (window_size < s.window_size)
            return domb_error_set(err, -XEN_EINVAL,
                                  "gzip: a %zu-byte window cannot hold a %zu-byte prefix",
                                  window_size, want);
        ret = gunzip_decode_member_to(payload, plen, &used, &s, &out, &work->gzip, err);
        *complete = ret == 0 && out <= want;
        *got = out < want ? (size_t)out : want;
        if (ret == DECOMPRESS_STOP)
            ret = 0;
    } else {
        return bz_format_error(payload, plen, err);
    }
    if (ret)
        return bz_payload_error(ret, err);
    if (*complete && (ret = bz_check_trailer(payload, plen, used, *got, err)) != 0)
        return ret;
    if (*got < 4 || !bz_is_elf(buf))
        return bz_not_elf(*got, err);
    return 0;
}

int bzimage_extract(const void *img, size_t len, uint8_t *out, size_t out_cap, size_t *out_len,
                    union decompress_work *work, struct domb_error *err)
{
    const uint8_t *payload = NULL;
    size_t plen = 0, used = 0;
    int ret;

    *out_len = 0;
    ret = bzimage_payload(img, len, &payload, &plen, err);
    if (ret)
        return ret;

    if (bz_starts_with(payload, plen, bz_xz_magic, sizeof(bz_xz_magic))) {
        ret = xz_decode_stream(payload, plen, &used, out, out_cap, out_len, &work->xz, err);
    } else if (bz_starts_with(payload, plen, bz_gzip_magic, sizeof(bz_gzip_magic))) {
        ret = gunzip_decode_member(payload, plen, &used, out, out_cap, out_len, &work->gzip, err);
    } else {
        return domb_error_set(err, BZIMAGE_ERR_PAYLOAD_FORMAT,
                              "bzimage: payload format %s (%02x %02x %02x %02x) is not XZ or "
                              "gzip",
                              bz_format_name(payload, plen), payload[0], plen > 1 ? payload[1] : 0,
                              plen > 2 ? payload[2] : 0, plen > 3 ? payload[3] : 0);
    }
    if (ret) {
        if (err) {
            char msg[DOMB_ERROR_MSG_MAX];
            memcpy(msg, err->msg, sizeof(msg));
            domb_error_set(err, ret, "bzimage: payload: %s", msg);
        }
        *out_len = 0;
        return ret;
    }

    /* Linux appends the uncompressed size as a 32-bit little-endian word
     * (scripts/Makefile.lib size_append); nothing else may follow. */
    size_t rest = plen - used;
    if (rest == 4 && get_le32(payload + used) != (uint32_t)*out_len) {
        ret = domb_error_set(err, BZIMAGE_ERR_SIZE_TRAILER,
                             "bzimage: payload's size word says %u bytes but it decoded to %zu",
                             get_le32(payload + used), *out_len);
    } else if (rest != 0 && rest != 4) {
        ret = domb_error_set(err, BZIMAGE_ERR_SIZE_TRAILER,
                             "bzimage: %zu unexpected bytes after the compressed payload", rest);
    } else if (*out_len < 4 || memcmp(out,
                                      "\x7f"
                                      "ELF",
                                      4) != 0) {
        ret = domb_error_set(err, BZIMAGE_ERR_NOT_ELF,
                             "bzimage: decompressed payload (%zu bytes) is not an ELF image",
                             *out_len);
    }
    if (ret)
        *out_len = 0;
    return ret;
}
