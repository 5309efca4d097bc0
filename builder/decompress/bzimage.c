/*
 * bzImage payload extraction (see <decompress/bzimage.h>).
 */
#include <decompress/bzimage.h>
#include <domb/byteorder.h>

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
