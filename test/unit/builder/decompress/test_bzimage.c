/*
 * bzImage tests: synthetic images built the way Linux's build lays them out
 * (setup sectors, setup header, protected-mode code, XZ or gzip payload with
 * the appended size word), and every malformed header rejected.
 */
#include "domb_test.h"
#include "ref.h"

#include <decompress/bzimage.h>
#include <domb/byteorder.h>

#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static union decompress_work work;

#define ELF_LEN 50000

struct image {
    uint8_t *data;
    size_t len;
    uint8_t elf[ELF_LEN];
};

/* A fake vmlinux: ELF magic then code-like bytes. */
static void make_elf(uint8_t *elf)
{
    uint64_t seed = 42;
    ref_fill(elf, ELF_LEN, REF_DATA_CODE, &seed);
    memcpy(elf,
           "\x7f"
           "ELF",
           4);
}

/*
 * setup_sects sectors of setup after the boot sector, 1000 bytes of
 * "decompressor" code, then the payload (compressed ELF + size word), then
 * 100 bytes of padding.
 */
static void build(struct image *im, uint8_t setup_sects, bool gzip_payload, bool size_word)
{
    make_elf(im->elf);
    size_t plen;
    uint8_t *payload;
    if (gzip_payload) {
        struct ref_gzip_opts o = {.level = 9, .strategy = Z_DEFAULT_STRATEGY};
        payload = ref_gzip_encode(im->elf, ELF_LEN, &o, &plen);
    } else {
        struct ref_xz_opts o = {.preset = 6, .check = LZMA_CHECK_CRC32, .x86 = true};
        payload = ref_xz_encode(im->elf, ELF_LEN, &o, &plen);
    }
    size_t pm_start = ((size_t)(setup_sects ? setup_sects : 4) + 1) * 512;
    size_t off = 1000;
    size_t total_payload = plen + (size_word ? 4 : 0);
    im->len = pm_start + off + total_payload + 100;
    im->data = calloc(1, im->len);
    uint8_t *b = im->data;
    b[BZIMAGE_SETUP_SECTS_OFF] = setup_sects;
    b[0x1fe] = 0x55;
    b[0x1ff] = 0xaa;
    memcpy(b + BZIMAGE_HEADER_OFF, "HdrS", 4);
    b[BZIMAGE_VERSION_OFF] = 0x0f; /* 2.15 */
    b[BZIMAGE_VERSION_OFF + 1] = 0x02;
    put_le32(b + BZIMAGE_PAYLOAD_OFF_OFF, (uint32_t)off);
    put_le32(b + BZIMAGE_PAYLOAD_LEN_OFF, (uint32_t)total_payload);
    memset(b + pm_start, 0x90, off);
    memcpy(b + pm_start + off, payload, plen);
    if (size_word)
        put_le32(b + pm_start + off + plen, ELF_LEN);
    free(payload);
}

static int extract(struct image *im, size_t cap, uint8_t **out, size_t *out_len,
                   struct domb_error *err)
{
    *out = malloc(cap ? cap : 1);
    domb_error_clear(err);
    int ret = bzimage_extract(im->data, im->len, *out, cap, out_len, &work, err);
    if (ret) {
        assert_int_equal(err->code, ret);
        assert_true(strncmp(err->msg, "bzimage: ", 9) == 0);
        assert_int_equal(*out_len, 0);
    }
    return ret;
}

static void expect_ok(struct image *im)
{
    uint8_t *out;
    size_t out_len;
    struct domb_error err;
    int ret = extract(im, 1 << 20, &out, &out_len, &err);
    if (ret)
        print_message("%s\n", err.msg);
    assert_int_equal(ret, 0);
    assert_int_equal(out_len, ELF_LEN);
    assert_memory_equal(out, im->elf, ELF_LEN);
    free(out);
}

static void expect_error(struct image *im, size_t cap, int code)
{
    uint8_t *out;
    size_t out_len;
    struct domb_error err;
    int ret = extract(im, cap, &out, &out_len, &err);
    if (ret != code)
        print_message("want %s got %s: %s\n", decompress_error_name(code),
                      decompress_error_name(ret), ret ? err.msg : "");
    assert_int_equal(ret, code);
    free(out);
}

static void test_bzimage_xz_payload(void **state)
{
    (void)state;
    static struct image im;
    build(&im, 27, false, true);
    assert_true(bzimage_probe(im.data, im.len));
    expect_ok(&im);
    free(im.data);
}

static void test_bzimage_gzip_payload(void **state)
{
    (void)state;
    static struct image im;
    build(&im, 30, true, true);
    expect_ok(&im);
    free(im.data);
}

static void test_bzimage_no_size_word(void **state)
{
    (void)state;
    static struct image im;
    build(&im, 1, false, false);
    expect_ok(&im);
    free(im.data);
}

static void test_bzimage_setup_sects_zero_means_four(void **state)
{
    (void)state;
    static struct image im;
    build(&im, 0, false, true);
    expect_ok(&im);
    /* Read as 0 sectors (payload at 512 + 1000) it would miss the magic. */
    const uint8_t *payload;
    size_t plen;
    assert_int_equal(bzimage_payload(im.data, im.len, &payload, &plen, NULL), 0);
    assert_ptr_equal(payload, im.data + 5 * 512 + 1000);
    free(im.data);
}

static void test_bzimage_probe(void **state)
{
    (void)state;
    static struct image im;
    build(&im, 4, false, true);
    assert_true(bzimage_probe(im.data, im.len));
    assert_false(bzimage_probe(im.data, BZIMAGE_MIN_SIZE - 1));
    im.data[BZIMAGE_HEADER_OFF] = 'h';
    assert_false(bzimage_probe(im.data, im.len));
    im.data[BZIMAGE_HEADER_OFF] = 'H';
    im.data[BZIMAGE_VERSION_OFF] = 0x07;
    assert_false(bzimage_probe(im.data, im.len));
    assert_false(bzimage_probe(im.elf, ELF_LEN)); /* an ELF is no bzImage */
    free(im.data);
}

static void test_bzimage_header_errors(void **state)
{
    (void)state;
    static struct image im;
    build(&im, 4, false, true);
    size_t len = im.len;

    im.len = BZIMAGE_MIN_SIZE - 1;
    expect_error(&im, 1 << 20, BZIMAGE_ERR_TOO_SMALL);
    im.len = len;
    im.data[BZIMAGE_HEADER_OFF + 3] = 's';
    expect_error(&im, 1 << 20, BZIMAGE_ERR_NO_HDRS);
    im.data[BZIMAGE_HEADER_OFF + 3] = 'S';
    im.data[BZIMAGE_VERSION_OFF] = 0x07; /* 2.07 */
    expect_error(&im, 1 << 20, BZIMAGE_ERR_VERSION);
    im.data[BZIMAGE_VERSION_OFF] = 0x0f;
    im.data[BZIMAGE_SETUP_SECTS_OFF] = 255; /* 128 KiB of setup > image */
    expect_error(&im, 1 << 20, BZIMAGE_ERR_SETUP_OOB);
    im.data[BZIMAGE_SETUP_SECTS_OFF] = 4;
    expect_ok(&im);
    free(im.data);
}

static void test_bzimage_payload_bounds(void **state)
{
    (void)state;
    static struct image im;
    build(&im, 4, false, true);
    uint8_t *off = im.data + BZIMAGE_PAYLOAD_OFF_OFF, *plen = im.data + BZIMAGE_PAYLOAD_LEN_OFF;
    uint8_t saved[8];
    memcpy(saved, off, 8);

    put_le32(plen, 0);
    expect_error(&im, 1 << 20, BZIMAGE_ERR_PAYLOAD_OOB);
    memcpy(off, saved, 8);
    put_le32(off, (uint32_t)im.len); /* offset past the end */
    expect_error(&im, 1 << 20, BZIMAGE_ERR_PAYLOAD_OOB);
    memcpy(off, saved, 8);
    put_le32(plen, (uint32_t)im.len); /* length past the end */
    expect_error(&im, 1 << 20, BZIMAGE_ERR_PAYLOAD_OOB);
    put_le32(off, 0xfffffff0u); /* offset + length wraps in 32 bits */
    put_le32(plen, 0x20);
    expect_error(&im, 1 << 20, BZIMAGE_ERR_PAYLOAD_OOB);
    memcpy(off, saved, 8);
    /* payload exactly to the end of the image is fine */
    size_t pm = 5 * 512;
    uint32_t o = 1000;
    im.len = pm + o + get_le32(plen);
    expect_ok(&im);
    free(im.data);
}

static void test_bzimage_payload_format(void **state)
{
    (void)state;
    static struct image im;
    build(&im, 4, false, true);
    uint8_t *p = im.data + 5 * 512 + 1000;
    static const uint8_t zstd[4] = {0x28, 0xb5, 0x2f, 0xfd};
    memcpy(p, zstd, 4);
    uint8_t *out;
    size_t out_len;
    struct domb_error err;
    assert_int_equal(extract(&im, 1 << 20, &out, &out_len, &err), BZIMAGE_ERR_PAYLOAD_FORMAT);
    assert_non_null(strstr(err.msg, "zstd"));
    free(out);
    memcpy(p, "BZh9", 4);
    assert_int_equal(extract(&im, 1 << 20, &out, &out_len, &err), BZIMAGE_ERR_PAYLOAD_FORMAT);
    assert_non_null(strstr(err.msg, "bzip2"));
    free(out);
    free(im.data);
}

static void test_bzimage_size_trailer(void **state)
{
    (void)state;
    static struct image im;
    build(&im, 4, false, true);
    uint8_t *plen = im.data + BZIMAGE_PAYLOAD_LEN_OFF;
    uint32_t len = get_le32(plen);
    uint8_t *word = im.data + 5 * 512 + 1000 + len - 4;
    put_le32(word, ELF_LEN + 1);
    expect_error(&im, 1 << 20, BZIMAGE_ERR_SIZE_TRAILER);
    put_le32(word, ELF_LEN);
    put_le32(plen, len + 2); /* two stray bytes after the size word */
    expect_error(&im, 1 << 20, BZIMAGE_ERR_SIZE_TRAILER);
    put_le32(plen, len);
    expect_ok(&im);
    free(im.data);
}

static void test_bzimage_decoder_errors(void **state)
{
    (void)state;
    static struct image im;
    build(&im, 4, false, true);
    uint8_t *p = im.data + 5 * 512 + 1000;
    expect_error(&im, ELF_LEN - 1, XZ_ERR_OUTPUT_LIMIT);
    p[200] ^= 0x55; /* corrupt compressed data */
    uint8_t *out;
    size_t out_len;
    struct domb_error err;
    int ret = extract(&im, 1 << 20, &out, &out_len, &err);
    assert_true(ret >= XZ_ERR_TRUNCATED && ret <= XZ_ERR_OUTPUT_LIMIT);
    assert_true(strncmp(err.msg, "bzimage: payload: xz: ", 22) == 0);
    free(out);
    free(im.data);

    build(&im, 4, true, true);
    p = im.data + 5 * 512 + 1000;
    p[3] = 0x80; /* reserved gzip flag */
    expect_error(&im, 1 << 20, GZIP_ERR_FLAGS);
    free(im.data);
}

static void test_bzimage_not_elf(void **state)
{
    (void)state;
    static struct image im;
    make_elf(im.elf);
    /* Payload that decodes fine but is not an ELF. */
    static const char text[] = "this is not an ELF image";
    struct ref_xz_opts o = {.preset = 1, .check = LZMA_CHECK_CRC64};
    size_t plen;
    uint8_t *payload = ref_xz_encode((const uint8_t *)text, sizeof(text), &o, &plen);
    im.len = 5 * 512 + plen;
    im.data = calloc(1, im.len);
    memcpy(im.data + BZIMAGE_HEADER_OFF, "HdrS", 4);
    im.data[BZIMAGE_VERSION_OFF] = 0x08;
    im.data[BZIMAGE_VERSION_OFF + 1] = 0x02;
    put_le32(im.data + BZIMAGE_PAYLOAD_LEN_OFF, (uint32_t)plen);
    memcpy(im.data + 5 * 512, payload, plen);
    expect_error(&im, 1 << 20, BZIMAGE_ERR_NOT_ELF);
    free(payload);
    free(im.data);
}

static void test_bzimage_error_names(void **state)
{
    (void)state;
    for (int a = BZIMAGE_ERR_TOO_SMALL; a <= BZIMAGE_ERR_NOT_ELF; a++) {
        assert_string_not_equal(decompress_error_name(a), "DECOMPRESS_ERR_UNKNOWN");
        for (int b = BZIMAGE_ERR_TOO_SMALL; b < a; b++)
            assert_string_not_equal(decompress_error_name(a), decompress_error_name(b));
    }
}

int main(int argc, char **argv);
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bzimage_xz_payload),
    cmocka_unit_test(test_bzimage_gzip_payload),
    cmocka_unit_test(test_bzimage_no_size_word),
    cmocka_unit_test(test_bzimage_setup_sects_zero_means_four),
    cmocka_unit_test(test_bzimage_probe),
    cmocka_unit_test(test_bzimage_header_errors),
    cmocka_unit_test(test_bzimage_payload_bounds),
    cmocka_unit_test(test_bzimage_payload_format),
    cmocka_unit_test(test_bzimage_size_trailer),
    cmocka_unit_test(test_bzimage_decoder_errors),
    cmocka_unit_test(test_bzimage_not_elf),
    cmocka_unit_test(test_bzimage_error_names),
};
DOMB_TEST_MAIN(tests)
