/* Command-line helpers and the time scaling arithmetic. */
#include "domb_test.h"
#include <domb/cmdline.h>

static void test_cmdline_lookup(void **state)
{
    char buf[16];

    assert_true(cmdline_get("qemu_exit=0xf4 verbose", "qemu_exit", buf, sizeof(buf)));
    assert_string_equal(buf, "0xf4");
    assert_true(cmdline_get("qemu_exit=0xf4 verbose", "verbose", buf, sizeof(buf)));
    assert_string_equal(buf, "");
    assert_false(cmdline_get("qemu_exit=0xf4", "qemu", buf, sizeof(buf))); /* no prefix match */
    assert_false(cmdline_get("", "x", buf, sizeof(buf)));
    assert_true(cmdline_get("  a=1   b=22  ", "b", buf, sizeof(buf)));
    assert_string_equal(buf, "22");
    assert_true(cmdline_get("long=0123456789abcdefXYZ", "long", buf, sizeof(buf)));
    assert_string_equal(buf, "0123456789abcde"); /* truncated to size-1 */
}

static void test_parse_u64(void **state)
{
    uint64_t v;

    assert_true(parse_u64("0", &v));
    assert_int_equal(v, 0);
    assert_true(parse_u64("0xf4", &v));
    assert_int_equal(v, 0xf4);
    assert_true(parse_u64("18446744073709551615", &v));
    assert_true(v == UINT64_MAX);
    assert_false(parse_u64("18446744073709551616", &v)); /* overflow */
    assert_false(parse_u64("0x", &v));
    assert_false(parse_u64("", &v));
    assert_false(parse_u64("12a", &v));
    assert_false(parse_u64("-1", &v));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cmdline_lookup),
    cmocka_unit_test(test_parse_u64),
};
DOMB_TEST_MAIN(tests)
