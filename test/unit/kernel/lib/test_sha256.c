/* SHA-256 against the FIPS 180 / NIST example vectors and against sha256sum. */
#include "domb_test.h"

#include <domb/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void assert_digest(const uint8_t digest[SHA256_DIGEST_SIZE], const char *expect_hex)
{
    char hex[SHA256_HEX_LEN + 1];

    sha256_to_hex(digest, hex);
    assert_string_equal(hex, expect_hex);
}

static void assert_oneshot(const char *msg, const char *expect_hex)
{
    uint8_t digest[SHA256_DIGEST_SIZE];

    sha256(msg, strlen(msg), digest);
    assert_digest(digest, expect_hex);
}

#define ABC_HEX    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define MSG448     "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG448_HEX "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define MSG896                                                                                     \
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmn"  \
    "opqrsmnopqrstnopqrstu"
#define MSG896_HEX "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"

static void sha256_empty(void **state)
{
    assert_oneshot("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void sha256_abc(void **state)
{
    assert_oneshot("abc", ABC_HEX);
}

static void sha256_448_bits(void **state)
{
    assert_oneshot(MSG448, MSG448_HEX);
}

static void sha256_896_bits(void **state)
{
    assert_oneshot(MSG896, MSG896_HEX);
}

static void sha256_million_a(void **state)
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    char chunk[1000];

    memset(chunk, 'a', sizeof(chunk));
    sha256_init(&ctx);
    for (int i = 0; i < 1000; i++)
        sha256_update(&ctx, chunk, sizeof(chunk));
    sha256_final(&ctx, digest);
    assert_digest(digest, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every split point of the 896-bit message, and byte-at-a-time feeding. */
static void sha256_split_updates(void **state)
{
    const char *msg = MSG896;
    size_t len = strlen(msg);
    uint8_t digest[SHA256_DIGEST_SIZE];
    struct sha256_ctx ctx;

    for (size_t split = 0; split <= len; split++) {
        sha256_init(&ctx);
        sha256_update(&ctx, msg, split);
        sha256_update(&ctx, msg + split, len - split);
        sha256_final(&ctx, digest);
        assert_digest(digest, MSG896_HEX);
    }
    sha256_init(&ctx);
    for (size_t i = 0; i < len; i++)
        sha256_update(&ctx, msg + i, 1);
    sha256_final(&ctx, digest);
    assert_digest(digest, MSG896_HEX);
}

/* Lengths around the padding boundary (55, 56, 63, 64, 65 bytes) against sha256sum. */
static void check_against_sha256sum(const uint8_t *data, size_t len)
{
    char path[] = "/tmp/domb-sha256-XXXXXX";
    int fd = mkstemp(path);
    char cmd[128], line[128];
    uint8_t digest[SHA256_DIGEST_SIZE];
    char hex[SHA256_HEX_LEN + 1];
    FILE *p;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(line, sizeof(line), p));
    pclose(p);
    unlink(path);

    sha256(data, len, digest);
    sha256_to_hex(digest, hex);
    assert_memory_equal(line, hex, SHA256_HEX_LEN);
}

static void sha256_random_vs_sha256sum(void **state)
{
    static const size_t lengths[] = {1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 65536 + 7};
    uint8_t *buf = malloc(65536 + 7);

    assert_non_null(buf);
    srand(12345);
    for (size_t i = 0; i < 65536 + 7; i++)
        buf[i] = (uint8_t)rand();
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++)
        check_against_sha256sum(buf, lengths[i]);
    free(buf);
}

int main(int argc, char **argv);
/* One case per line: the build registers each line's case with ctest. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(sha256_empty),
    cmocka_unit_test(sha256_abc),
    cmocka_unit_test(sha256_448_bits),
    cmocka_unit_test(sha256_896_bits),
    cmocka_unit_test(sha256_million_a),
    cmocka_unit_test(sha256_split_updates),
    cmocka_unit_test(sha256_random_vs_sha256sum),
};
/* clang-format on */
DOMB_TEST_MAIN(tests)
