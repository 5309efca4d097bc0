/*
 * domb-pack's pack-time extraction (liblzma/zlib) must give the very bytes
 * the builder's bzimage_extract() gives, and reject what it rejects, with a
 * reason. The bzImages are made here: an ELF-like image of real x86 code,
 * compressed by liblzma (x86 BCJ + LZMA2, like Linux's build) or zlib, placed
 * as the payload behind a boot-protocol 2.15 setup header.
 */
#include "domb_test.h"
#include "extract.h"
#include "ref.h"

#include <decompress/bzimage.h>
#include <domb/byteorder.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ELF_LEN     (300 * 1024)
#define SETUP_SECTS 15

static union decompress_work work;
static const uint8_t elf_ident[7] = {0x7f, 'E', 'L', 'F', 2, 1, 1}; /* 64-bit, LE, v1 */

enum payload { PAYLOAD_XZ, PAYLOAD_GZIP };

struct bz {
    uint8_t elf[ELF_LEN];
    uint8_t *img;
    size_t len;
    size_t payload_at, payload_len; /* payload offset in img, length with its size word */
    bool not_elf;                   /* set before bz_make: the payload is no ELF */
};

/* Setup sectors, 700 bytes of decompressor stub, payload + size word. */
static void bz_make(struct bz *b, enum payload kind, bool size_word)
{
    uint64_t seed = 7;
    size_t plen, pm = (SETUP_SECTS + 1) * 512, stub = 700;
    uint8_t *payload;

    ref_fill(b->elf, ELF_LEN, REF_DATA_CODE, &seed);
    memcpy(b->elf, elf_ident, sizeof(elf_ident));
    if (b->not_elf)
        b->elf[0] = 'M';
    if (kind == PAYLOAD_XZ) {
        struct ref_xz_opts o = {.preset = 6, .check = LZMA_CHECK_CRC32, .x86 = true};
        payload = ref_xz_encode(b->elf, ELF_LEN, &o, &plen);
    } else {
        struct ref_gzip_opts o = {.level = 9, .strategy = Z_DEFAULT_STRATEGY};
        payload = ref_gzip_encode(b->elf, ELF_LEN, &o, &plen);
    }
    assert_non_null(payload);
    b->payload_at = pm + stub;
    b->payload_len = plen + (size_word ? 4 : 0);
    b->len = b->payload_at + b->payload_len + 64;
    b->img = calloc(1, b->len);
    assert_non_null(b->img);
    b->img[BZIMAGE_SETUP_SECTS_OFF] = SETUP_SECTS;
    memcpy(b->img + BZIMAGE_HEADER_OFF, "HdrS\x0f\x02", 6);
    put_le32(b->img + BZIMAGE_PAYLOAD_OFF_OFF, (uint32_t)stub);
    put_le32(b->img + BZIMAGE_PAYLOAD_LEN_OFF, (uint32_t)b->payload_len);
    memcpy(b->img + b->payload_at, payload, plen);
    if (size_word)
        put_le32(b->img + b->payload_at + plen, ELF_LEN);
    free(payload);
}

/* The builder's path: bzimage_extract() into a buffer of the usual cap. */
static int builder_extract(const struct bz *b, uint8_t **out, size_t *out_len,
                           struct domb_error *err)
{
    *out = malloc(4 * ELF_LEN);
    assert_non_null(*out);
    return bzimage_extract(b->img, b->len, *out, 4 * ELF_LEN, out_len, &work, err);
}

static void expect_identical(struct bz *b, const char *kind)
{
    uint8_t *host, *ours;
    size_t host_len, ours_len;
    struct domb_error err;
    char why[256];

    assert_string_equal(extract_kernel_kind(b->img, b->len), kind);
    assert_int_equal(extract_kernel(b->img, b->len, &host, &host_len, why, sizeof(why)), 0);
    assert_int_equal(builder_extract(b, &ours, &ours_len, &err), 0);
    assert_int_equal(host_len, ELF_LEN);
    assert_int_equal(ours_len, host_len);
    assert_memory_equal(host, ours, host_len);
    assert_memory_equal(host, b->elf, ELF_LEN);
    assert_string_equal(extract_kernel_kind(host, host_len), "ELF");
    free(host);
    free(ours);
    free(b->img);
}

/* Both paths refuse; the host's reason contains `reason`. */
static void expect_both_reject(struct bz *b, const char *reason)
{
    uint8_t *host = NULL, *ours;
    size_t host_len = 0, ours_len;
    struct domb_error err;
    char why[256] = "";

    assert_int_equal(extract_kernel(b->img, b->len, &host, &host_len, why, sizeof(why)), -1);
    assert_null(host);
    if (!strstr(why, reason))
        print_message("host reason: %s\n", why);
    assert_non_null(strstr(why, reason));
    assert_true(builder_extract(b, &ours, &ours_len, &err) < 0);
    free(ours);
    free(b->img);
}

static void xz_payload_identical(void **state)
{
    static struct bz b;

    (void)state;
    bz_make(&b, PAYLOAD_XZ, true);
    expect_identical(&b, "bzImage (xz)");
}

static void gzip_payload_identical(void **state)
{
    static struct bz b;

    (void)state;
    bz_make(&b, PAYLOAD_GZIP, true);
    expect_identical(&b, "bzImage (gzip)");
}

static void payload_without_size_word(void **state)
{
    static struct bz b;

    (void)state;
    bz_make(&b, PAYLOAD_XZ, false);
    expect_identical(&b, "bzImage (xz)");
}

static void wrong_size_word(void **state)
{
    static struct bz b;

    (void)state;
    bz_make(&b, PAYLOAD_XZ, true);
    put_le32(b.img + b.payload_at + b.payload_len - 4, ELF_LEN + 1);
    expect_both_reject(&b, "size word says 307201 bytes but it unpacks to 307200");
}

static void corrupt_xz_payload(void **state)
{
    static struct bz b;

    (void)state;
    bz_make(&b, PAYLOAD_XZ, true);
    b.img[b.payload_at + b.payload_len / 2] ^= 0x40;
    expect_both_reject(&b, "xz: liblzma: ");
}

static void corrupt_gzip_payload(void **state)
{
    static struct bz b;

    (void)state;
    bz_make(&b, PAYLOAD_GZIP, true);
    b.img[b.payload_at + b.payload_len - 8] ^= 0x01; /* the CRC32 */
    expect_both_reject(&b, "gzip: zlib: ");
}

static void truncated_payload(void **state)
{
    static struct bz b;

    (void)state;
    bz_make(&b, PAYLOAD_XZ, true);
    put_le32(b.img + BZIMAGE_PAYLOAD_LEN_OFF, (uint32_t)(b.payload_len / 2));
    expect_both_reject(&b, "xz: liblzma: compressed data is truncated");
}

static void bytes_after_stream(void **state)
{
    static struct bz b;

    (void)state;
    bz_make(&b, PAYLOAD_GZIP, true);
    put_le32(b.img + BZIMAGE_PAYLOAD_LEN_OFF, (uint32_t)(b.payload_len + 8));
    expect_both_reject(&b, "12 bytes follow the payload's compressed stream");
}

static void payload_not_elf(void **state)
{
    static struct bz b = {.not_elf = true};

    (void)state;
    bz_make(&b, PAYLOAD_XZ, true);
    expect_both_reject(&b, "payload does not unpack to an ELF image");
}

static void bad_header_and_unknown_compression(void **state)
{
    static struct bz b;

    (void)state;
    bz_make(&b, PAYLOAD_XZ, true);
    b.img[b.payload_at] = 0x28; /* zstd's first byte: neither XZ nor gzip */
    assert_string_equal(extract_kernel_kind(b.img, b.len), "bzImage (unsupported compression)");
    expect_both_reject(&b, "payload is neither XZ nor gzip");

    bz_make(&b, PAYLOAD_XZ, true);
    memcpy(b.img + BZIMAGE_HEADER_OFF, "HdrX", 4);
    assert_string_equal(extract_kernel_kind(b.img, b.len), "unknown");
    expect_both_reject(&b, "HdrS");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(xz_payload_identical),
    cmocka_unit_test(gzip_payload_identical),
    cmocka_unit_test(payload_without_size_word),
    cmocka_unit_test(wrong_size_word),
    cmocka_unit_test(corrupt_xz_payload),
    cmocka_unit_test(corrupt_gzip_payload),
    cmocka_unit_test(truncated_payload),
    cmocka_unit_test(bytes_after_stream),
    cmocka_unit_test(payload_not_elf),
    cmocka_unit_test(bad_header_and_unknown_compression),
};

DOMB_TEST_MAIN(tests)
