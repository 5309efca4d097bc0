/* start_info_validate: a good start_info passes; each malformation is named. */
#include "domb_test.h"
#include <domb/errno.h>
#include <kernel/start_info.h>
#include <stdio.h>
#include <string.h>

#define BASE 0xffffffff80000000UL

static start_info_t good(void)
{
    start_info_t si;

    memset(&si, 0, sizeof(si));
    strcpy(si.magic, "xen-3.0-x86_64");
    si.nr_pages = 16384;
    si.shared_info = 0x1fdbf000;
    si.flags = SIF_PRIVILEGED | SIF_INITDOMAIN;
    si.pt_base = BASE + 0x40000;
    si.nr_pt_frames = 5;
    si.mfn_list = BASE + 0x1f000;
    si.mod_start = BASE + 0x1e000;
    si.mod_len = 16;
    strcpy((char *)si.cmd_line, "qemu_exit=0xf4");
    return si;
}

static void expect_reject(const start_info_t *si, const char *needle)
{
    struct domb_error err;

    domb_error_clear(&err);
    assert_int_equal(start_info_validate(si, BASE, &err), -XEN_EINVAL);
    assert_int_equal(err.code, -XEN_EINVAL);
    if (!strstr(err.msg, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", err.msg, needle);
}

static void test_start_info_good_dom0(void **state)
{
    start_info_t si = good();
    struct domb_error err;

    assert_int_equal(start_info_validate(&si, BASE, &err), 0);
    si.flags |= 0x300; /* power-management bits Xen sets for dom0 */
    assert_int_equal(start_info_validate(&si, BASE, &err), 0);
    strcpy(si.magic, "xen-3.0-x86_64p"); /* what Xen's dom0 builder writes for PAE */
    assert_int_equal(start_info_validate(&si, BASE, &err), 0);
}

static void test_start_info_good_domu_pfn_module(void **state)
{
    start_info_t si = good();
    struct domb_error err;

    si.flags = SIF_MOD_START_PFN;
    si.console.domU.mfn = 1234;
    si.console.domU.evtchn = 2;
    si.mod_start = 100;
    si.mod_len = 8192;
    assert_int_equal(start_info_validate(&si, BASE, &err), 0);
}

static void test_start_info_bad_magic(void **state)
{
    start_info_t si = good();

    strcpy(si.magic, "xen-3.0-x86_32p");
    expect_reject(&si, "bad magic \"xen-3.0-x86_32p\"");
    memset(si.magic, 'A', sizeof(si.magic)); /* no NUL at all */
    expect_reject(&si, "bad magic");
}

static void test_start_info_bad_nr_pages(void **state)
{
    start_info_t si = good();

    si.nr_pages = 0;
    expect_reject(&si, "nr_pages 0 out of range");
    si.nr_pages = START_INFO_MAX_PAGES + 1;
    expect_reject(&si, "nr_pages");
}

static void test_start_info_bad_flags(void **state)
{
    start_info_t si = good();

    si.flags |= 1u << 20;
    expect_reject(&si, "unknown flags 0x100000");
}

static void test_start_info_bad_shared_info(void **state)
{
    start_info_t si = good();

    si.shared_info = 0x1234;
    expect_reject(&si, "shared_info 0x1234");
    si.shared_info = 0;
    expect_reject(&si, "shared_info");
}

static void test_start_info_bad_page_tables(void **state)
{
    start_info_t si = good();

    si.nr_pt_frames = 0;
    expect_reject(&si, "nr_pt_frames 0");
    si = good();
    si.pt_base = 0x40000; /* below the initial area */
    expect_reject(&si, "pt_base 0x40000");
    si = good();
    si.pt_base = BASE + 0x40010; /* not page-aligned */
    expect_reject(&si, "pt_base");
    si = good();
    si.pt_base = 0x0000900000000000UL; /* non-canonical */
    expect_reject(&si, "pt_base");
    si = good();
    si.nr_pt_frames = 16384; /* runs past the end of memory */
    expect_reject(&si, "outside the initial area");
}

static void test_start_info_bad_mfn_list(void **state)
{
    start_info_t si = good();

    si.mfn_list = BASE + (16384UL << 12) - 8; /* array runs off the end */
    expect_reject(&si, "mfn_list");
    si.mfn_list = BASE + 0x1f004; /* misaligned */
    expect_reject(&si, "mfn_list");
}

static void test_start_info_bad_module(void **state)
{
    start_info_t si = good();

    si.mod_start = 0;
    expect_reject(&si, "module 0x0");
    si.mod_start = BASE + (16384UL << 12) - 8;
    si.mod_len = 16;
    expect_reject(&si, "outside the initial area");
    si.mod_start = UINT64_MAX - 4;
    expect_reject(&si, "module");
    si = good();
    si.flags |= SIF_MOD_START_PFN;
    si.mod_start = 16383;
    si.mod_len = 8192; /* two pages from the last pfn */
    expect_reject(&si, "beyond memory");
    si.mod_start = UINT64_MAX;
    expect_reject(&si, "beyond memory");
}

static void test_start_info_bad_cmdline(void **state)
{
    start_info_t si = good();

    memset(si.cmd_line, 'x', sizeof(si.cmd_line));
    expect_reject(&si, "cmd_line not NUL-terminated");
}

static void test_start_info_domu_needs_console(void **state)
{
    start_info_t si = good();

    si.flags = 0;
    expect_reject(&si, "without a console page");
}

static void test_start_info_flags_string(void **state)
{
    char buf[64];

    start_info_flags_string(SIF_PRIVILEGED | SIF_INITDOMAIN, buf, sizeof(buf));
    assert_string_equal(buf, "PRIVILEGED|INITDOMAIN");
    start_info_flags_string(0, buf, sizeof(buf));
    assert_string_equal(buf, "none");
    start_info_flags_string(SIF_PRIVILEGED | SIF_INITDOMAIN, buf, 8);
    assert_int_equal(strlen(buf) < 8, 1);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_start_info_good_dom0),
    cmocka_unit_test(test_start_info_good_domu_pfn_module),
    cmocka_unit_test(test_start_info_bad_magic),
    cmocka_unit_test(test_start_info_bad_nr_pages),
    cmocka_unit_test(test_start_info_bad_flags),
    cmocka_unit_test(test_start_info_bad_shared_info),
    cmocka_unit_test(test_start_info_bad_page_tables),
    cmocka_unit_test(test_start_info_bad_mfn_list),
    cmocka_unit_test(test_start_info_bad_module),
    cmocka_unit_test(test_start_info_bad_cmdline),
    cmocka_unit_test(test_start_info_domu_needs_console),
    cmocka_unit_test(test_start_info_flags_string),
};
DOMB_TEST_MAIN(tests)
