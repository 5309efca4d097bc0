/* domb_vsnprintf against the C library's snprintf on the conversions we use. */
#include "domb_test.h"
#include <domb/lib.h>
#include <stdio.h>

#define CHECK_FMT(...)                                                                             \
    do {                                                                                           \
        char ours_[256], libc_[256];                                                               \
        int a = domb_snprintf(ours_, sizeof(ours_), __VA_ARGS__);                                  \
        int b = snprintf(libc_, sizeof(libc_), __VA_ARGS__);                                       \
        assert_string_equal(ours_, libc_);                                                         \
        assert_int_equal(a, b);                                                                    \
    } while (0)

static void test_printf_integers(void **state)
{
    CHECK_FMT("%d %d %d", 0, -1, 2147483647);
    CHECK_FMT("%d", (int)-2147483647 - 1);
    CHECK_FMT("%u %u", 0u, 4294967295u);
    CHECK_FMT("%x %X %#x %#X", 0xdeadbeefu, 0xcafeu, 255u, 255u);
    CHECK_FMT("%lx %llx %lu", 0xffffffff80000000ul, 0x123456789abcdefull, 18446744073709551615ul);
    CHECK_FMT("%ld %lld", -9223372036854775807L - 1, -5LL);
    CHECK_FMT("%zu %zx", (size_t)12345, (size_t)0x1000);
    CHECK_FMT("%hhu %hd %o %#o", (unsigned char)200, (short)-7000, 8u, 8u);
    CHECK_FMT("%i %+d % d", 42, 42, 42);
}

static void test_printf_width_precision(void **state)
{
    CHECK_FMT("[%5d] [%-5d] [%05d] [%.3d] [%8.3d]", 42, 42, -42, 7, 7);
    CHECK_FMT("[%016lx] [%-10x] [%*d] [%-*d]", 0xabcul, 0x1u, 6, 3, 6, 3);
    CHECK_FMT("[%.0d] [%.0u]", 0, 0u);
    CHECK_FMT("[%10s] [%-10s] [%.2s] [%.*s]", "abc", "abc", "abcdef", 3, "abcdef");
    CHECK_FMT("[%c] [%3c] [%-3c] %%", 'x', 'y', 'z');
}

static void test_printf_strings_and_pointers(void **state)
{
    char ours[64], libc[64];

    CHECK_FMT("%s|%s", "", "hello");
    CHECK_FMT("%p", (void *)0x1234);
    CHECK_FMT("%p", (void *)0xffffffff80001000ul);
    const char *volatile null_str = NULL;
    domb_snprintf(ours, sizeof(ours), "%s", null_str);
    assert_string_equal(ours, "(null)");
    domb_snprintf(ours, sizeof(ours), "%p", NULL);
    snprintf(libc, sizeof(libc), "%p", NULL);
    assert_string_equal(ours, libc);
}

static void test_printf_truncation(void **state)
{
    char buf[8];

    memset(buf, 'X', sizeof(buf));
    assert_int_equal(domb_snprintf(buf, 5, "%s", "abcdefgh"), 8);
    assert_string_equal(buf, "abcd");
    assert_int_equal(buf[5], 'X'); /* nothing written past size */
    assert_int_equal(domb_snprintf(buf, 1, "%d", 12345), 5);
    assert_string_equal(buf, "");
    assert_int_equal(domb_snprintf(NULL, 0, "%lx", 0xabcdeful), 6);
}

/* Same as domb_snprintf, minus the compiler's format checking. */
static int unchecked_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = domb_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static void test_printf_unknown_conversion(void **state)
{
    char buf[32];
    unchecked_snprintf(buf, sizeof(buf), "a%qb%");
    assert_string_equal(buf, "a%qb");
}

int main(int argc, char **argv);
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_printf_integers),
    cmocka_unit_test(test_printf_width_precision),
    cmocka_unit_test(test_printf_strings_and_pointers),
    cmocka_unit_test(test_printf_truncation),
    cmocka_unit_test(test_printf_unknown_conversion),
};
DOMB_TEST_MAIN(tests)
