/* pvh_boot_parse, PVH free RAM, Xen's CPUID leaves: good inputs pass, each flaw is named. */
#include "domb_test.h"
#include <domb/errno.h>
#include <kernel/pvh_info.h>
#include <xen/arch-x86/cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A guest's first 256 KiB: the kernel image below IMAGE_END, then the
 * start-of-day structures where a builder puts them. RAM is 32 MiB, so
 * most of it lies beyond what the buffer (the "direct map") covers. */
#define LIMIT     0x40000UL
#define IMAGE_END 0x10000UL
#define SI_AT     0x20000UL
#define MAP_AT    0x20040UL
#define MODS_AT   0x20100UL
#define CMD_AT    0x21000UL
#define MODCMD_AT 0x21800UL
#define MOD_AT    0x30000UL
#define MOD_LEN   0x1000UL

static uint8_t *mem;

static struct hvm_start_info *si(void)
{
    return (struct hvm_start_info *)(mem + SI_AT);
}

static struct hvm_memmap_table_entry *map(void)
{
    return (struct hvm_memmap_table_entry *)(mem + MAP_AT);
}

static struct hvm_modlist_entry *mods(void)
{
    return (struct hvm_modlist_entry *)(mem + MODS_AT);
}

/* What Xen's toolstack (and ours) writes for a 32 MiB guest with a ramdisk. */
static int setup(void **state)
{
    mem = calloc(1, LIMIT);
    assert_non_null(mem);
    si()->magic = XEN_HVM_START_MAGIC_VALUE;
    si()->version = 1;
    si()->nr_modules = 1;
    si()->modlist_paddr = MODS_AT;
    si()->cmdline_paddr = CMD_AT;
    si()->rsdp_paddr = 0xfc000000;
    si()->memmap_paddr = MAP_AT;
    si()->memmap_entries = 3;
    map()[0] = (struct hvm_memmap_table_entry){0, 32UL << 20, XEN_HVM_MEMMAP_TYPE_RAM, 0};
    map()[1] = (struct hvm_memmap_table_entry){0xfc000000, 0x1000, XEN_HVM_MEMMAP_TYPE_ACPI, 0};
    map()[2] = (struct hvm_memmap_table_entry){0xfeff8000, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED, 0};
    mods()[0] = (struct hvm_modlist_entry){MOD_AT, MOD_LEN, MODCMD_AT, 0};
    strcpy((char *)mem + CMD_AT, "memorywalk.mib=32");
    strcpy((char *)mem + MODCMD_AT, "ramdisk");
    memset(mem + MOD_AT, 0x5a, MOD_LEN);
    return 0;
}

static int teardown(void **state)
{
    free(mem);
    return 0;
}

static int parse(struct pvh_boot *b, struct domb_error *err)
{
    domb_error_clear(err);
    return pvh_boot_parse(SI_AT, mem, LIMIT, IMAGE_END, b, err);
}

static void expect_reject(const char *needle)
{
    struct pvh_boot b;
    struct domb_error err;

    assert_int_equal(parse(&b, &err), -XEN_EINVAL);
    assert_int_equal(err.code, -XEN_EINVAL);
    if (!strstr(err.msg, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", err.msg, needle);
}

static void test_pvh_good(void **state)
{
    struct pvh_boot b;
    struct domb_error err;

    assert_int_equal(parse(&b, &err), 0);
    assert_ptr_equal(b.si, si());
    assert_ptr_equal(b.memmap, map());
    assert_int_equal(b.memmap_entries, 3);
    assert_string_equal(b.cmdline, "memorywalk.mib=32");
    assert_int_equal(b.nr_modules, 1);
    assert_ptr_equal(b.module, mem + MOD_AT);
    assert_int_equal(b.module_len, MOD_LEN);
    assert_int_equal(b.ram_pages, 8192);
    assert_int_equal(b.max_pfn, LIMIT >> 12);                   /* capped at the direct map */
    assert_int_equal(b.boot_end_pfn, (MOD_AT + MOD_LEN) >> 12); /* the module ends last */
}

static void test_pvh_good_minimal(void **state)
{
    struct pvh_boot b;
    struct domb_error err;

    /* No command line, no modules, RAM in two pieces (one partial page). */
    si()->cmdline_paddr = 0;
    si()->nr_modules = 0;
    si()->modlist_paddr = 0;
    map()[0] = (struct hvm_memmap_table_entry){0, 0x30000, XEN_HVM_MEMMAP_TYPE_RAM, 0};
    map()[1] = (struct hvm_memmap_table_entry){0x30800, 0x2800, XEN_HVM_MEMMAP_TYPE_RAM, 0};
    assert_int_equal(parse(&b, &err), 0);
    assert_string_equal(b.cmdline, "");
    assert_null(b.module);
    assert_int_equal(b.module_len, 0);
    assert_int_equal(b.ram_pages, 0x30 + 2); /* [0x31000, 0x33000) are whole pages */
    assert_int_equal(b.max_pfn, 0x33);
    assert_int_equal(b.boot_end_pfn, 0x21); /* the memory map ends in frame 0x20 */
    /* Version 2 (a future, backwards-compatible one) is fine too. */
    si()->version = 2;
    assert_int_equal(parse(&b, &err), 0);
}

static void test_pvh_bad_header(void **state)
{
    si()->magic = 0x336ec577;
    expect_reject("bad magic 0x336ec577");
    si()->magic = XEN_HVM_START_MAGIC_VALUE;
    si()->version = 0;
    expect_reject("version 0 has no memory map");
    si()->version = 1;
    si()->flags = 0x10000;
    expect_reject("unknown flags 0x10000");
    si()->flags = 0;
    si()->reserved = 7;
    expect_reject("reserved 0x7 not zero");
}

static void test_pvh_bad_start_info_address(void **state)
{
    struct pvh_boot b;
    struct domb_error err;

    domb_error_clear(&err);
    assert_int_equal(pvh_boot_parse(0, mem, LIMIT, IMAGE_END, &b, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "start info at 0x0"));
    assert_int_equal(pvh_boot_parse(LIMIT - 16, mem, LIMIT, IMAGE_END, &b, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "outside memory"));
    assert_int_equal(pvh_boot_parse(UINT64_MAX - 8, mem, LIMIT, IMAGE_END, &b, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "outside memory"));
    /* Inside our own image. */
    assert_int_equal(pvh_boot_parse(0x8000, mem, LIMIT, IMAGE_END, &b, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "outside memory [0x10000, 0x40000)"));
    /* Misaligned: the copy of a good start info 4 bytes further on. */
    memcpy(mem + SI_AT + 0x804, si(), sizeof(struct hvm_start_info));
    assert_int_equal(pvh_boot_parse(SI_AT + 0x804, mem, LIMIT, IMAGE_END, &b, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "not 8-byte aligned"));
}

static void test_pvh_start_info_not_ram(void **state)
{
    /* RAM starts above the start info: it must not be trusted. */
    map()[0] = (struct hvm_memmap_table_entry){0x100000, 32UL << 20, XEN_HVM_MEMMAP_TYPE_RAM, 0};
    expect_reject("no RAM below 0x40000");
    map()[0] = (struct hvm_memmap_table_entry){0x30000, 32UL << 20, XEN_HVM_MEMMAP_TYPE_RAM, 0};
    expect_reject("start info at 0x20000 (+56 bytes) not in RAM");
}

static void test_pvh_bad_memmap(void **state)
{
    si()->memmap_entries = 0;
    expect_reject("0 memory map entries");
    si()->memmap_entries = PVH_MAX_MEMMAP + 1;
    expect_reject("129 memory map entries");
    si()->memmap_entries = 3;
    si()->memmap_paddr = LIMIT - 24;
    expect_reject("memory map at 0x3ffe8 (+72 bytes) outside memory");
    si()->memmap_paddr = MAP_AT + 4;
    expect_reject("memory map at 0x20044 not 8-byte aligned");
    si()->memmap_paddr = MAP_AT;
    map()[1].size = 0;
    expect_reject("entry 1 [0xfc000000 +0x0) is empty or wraps");
    map()[1].size = 0x1000;
    map()[2].addr = UINT64_MAX - 0x1000;
    expect_reject("entry 2 [0xffffffffffffefff +0x8000) is empty or wraps");
    map()[2].addr = 0xfeff8000;
    map()[2].reserved = 1;
    expect_reject("entry 2: reserved 0x1 not zero");
    map()[2] = (struct hvm_memmap_table_entry){0x1000000, 0x2000, XEN_HVM_MEMMAP_TYPE_RAM, 0};
    expect_reject("RAM entries 0 and 2 overlap");
    map()[2].type = XEN_HVM_MEMMAP_TYPE_RESERVED; /* a reserved range inside RAM is no overlap */
    struct pvh_boot b;
    struct domb_error err;
    assert_int_equal(parse(&b, &err), 0);
}

static void test_pvh_bad_cmdline(void **state)
{
    si()->cmdline_paddr = LIMIT;
    expect_reject("command line at 0x40000 (+1 bytes) outside memory");
    si()->cmdline_paddr = CMD_AT;
    memset(mem + CMD_AT, 'A', PVH_CMDLINE_MAX);
    expect_reject("command line at 0x21000 not NUL-terminated within 4096 bytes");
    /* Running into the end of memory. */
    si()->cmdline_paddr = LIMIT - 8;
    memset(mem + LIMIT - 8, 'A', 8);
    expect_reject("not NUL-terminated within 8 bytes");
}

static void test_pvh_bad_modules(void **state)
{
    si()->nr_modules = PVH_MAX_MODULES + 1;
    expect_reject("17 modules (at most 16)");
    si()->nr_modules = 1;
    si()->modlist_paddr = 0;
    expect_reject("module list at 0x0");
    si()->modlist_paddr = MODS_AT;
    mods()[0].size = 0;
    expect_reject("module 0 is empty");
    mods()[0].size = LIMIT;
    expect_reject("module at 0x30000 (+262144 bytes) outside memory");
    mods()[0].size = MOD_LEN;
    mods()[0].paddr = 0x4000;
    expect_reject("module at 0x4000 (+4096 bytes) outside memory [0x10000");
    mods()[0].paddr = MOD_AT;
    mods()[0].cmdline_paddr = LIMIT + 0x1000;
    expect_reject("module command line at 0x41000");
}

struct got {
    uint64_t start[16], count[16];
    unsigned int n;
};

static void record(void *ctx, uint64_t start, uint64_t count)
{
    struct got *g = ctx;

    assert_true(g->n < 16);
    g->start[g->n] = start;
    g->count[g->n] = count;
    g->n++;
}

static void expect_ranges(const struct got *g, const uint64_t (*want)[2], unsigned int n)
{
    assert_int_equal(g->n, n);
    for (unsigned int i = 0; i < n; i++) {
        assert_int_equal(g->start[i], want[i][0]);
        assert_int_equal(g->count[i], want[i][1]);
    }
}

static void test_pvh_free_ranges(void **state)
{
    /* RAM [0, 0x100) and [0x180, 0x200) frames (the second listed first),
     * a partial page at the end of the first; direct map up to 0x1f0. */
    struct hvm_memmap_table_entry m[] = {
        {0x180000, 0x80000, XEN_HVM_MEMMAP_TYPE_RAM, 0},
        {0xfeff8000, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED, 0},
        {0, 0x100800, XEN_HVM_MEMMAP_TYPE_RAM, 0},
    };
    struct pvh_boot b = {.memmap = m, .memmap_entries = 3, .max_pfn = 0x1f0};
    struct got g = {0};

    pvh_boot_free_ranges(&b, 0x20, NULL, 0, record, &g);
    expect_ranges(&g, (const uint64_t[][2]){{0x180, 0x70}, {0x20, 0xe0}}, 2);
}

/* Skips: one covering the start of a run, one inside, two adjacent, one
 * past the end of a run, an empty one, one outside all RAM. */
static void test_pvh_free_ranges_skips(void **state)
{
    struct hvm_memmap_table_entry m[] = {
        {0x180000, 0x80000, XEN_HVM_MEMMAP_TYPE_RAM, 0},
        {0, 0x100800, XEN_HVM_MEMMAP_TYPE_RAM, 0},
    };
    struct pvh_boot b = {.memmap = m, .memmap_entries = 2, .max_pfn = 0x1f0};
    struct pvh_range skip[] = {
        {0x10, 0x20}, {0x50, 1}, {0x60, 2}, {0x62, 3}, {0xf0, 0x100}, {0x90, 0}, {0xfeff8, 1},
    };
    struct got g = {0};

    pvh_boot_free_ranges(&b, 0x20, skip, ARRAY_SIZE(skip), record, &g);
    /* [0x180, 0x1f0): 0xf0 +0x100 covers [0xf0, 0x1f0): nothing of it.
     * [0x30, 0x100): minus 0x50, [0x60, 0x65), [0xf0, ...). */
    expect_ranges(&g, (const uint64_t[][2]){{0x30, 0x20}, {0x51, 0xf}, {0x65, 0x8b}}, 3);
}

static void test_pvh_find_run(void **state)
{
    struct hvm_memmap_table_entry m[] = {
        {0x180000, 0x180000, XEN_HVM_MEMMAP_TYPE_RAM, 0},
        {0, 0x100000, XEN_HVM_MEMMAP_TYPE_RAM, 0},
    };
    struct pvh_boot b = {.memmap = m, .memmap_entries = 2, .max_pfn = 0x300};
    struct pvh_range skip[] = {{0x40, 1}};
    uint64_t start = 0;

    /* Lowest first, whatever the map's order. */
    assert_true(pvh_boot_find_run(&b, 0x20, skip, 1, 0x10, &start));
    assert_int_equal(start, 0x20);
    /* [0x20, 0x40) is too short for 0x30: the next run after the skip. */
    assert_true(pvh_boot_find_run(&b, 0x20, skip, 1, 0x30, &start));
    assert_int_equal(start, 0x41);
    /* Only the upper entry is long enough. */
    assert_true(pvh_boot_find_run(&b, 0x20, skip, 1, 0xc0, &start));
    assert_int_equal(start, 0x180);
    assert_false(pvh_boot_find_run(&b, 0x20, skip, 1, 0x181, &start));
}

/* A fake CPU: Xen's signature at `xen_base` (0: none), Viridian's at
 * 0x40000000 when `viridian`. */
static uint32_t xen_base, xen_max_leaf;
static bool viridian;

static void fake_cpuid(uint32_t leaf, uint32_t r[4])
{
    memset(r, 0, 4 * sizeof(uint32_t));
    if (viridian && leaf == 0x40000000) {
        r[0] = 0x40000006;
        memcpy(&r[1], "Micr", 4);
        memcpy(&r[2], "osof", 4);
        memcpy(&r[3], "t Hv", 4);
    } else if (xen_base && leaf == xen_base) {
        r[0] = xen_max_leaf;
        r[1] = XEN_CPUID_SIGNATURE_EBX;
        r[2] = XEN_CPUID_SIGNATURE_ECX;
        r[3] = XEN_CPUID_SIGNATURE_EDX;
    }
}

static void test_pvh_xen_cpuid_base(void **state)
{
    viridian = false;
    xen_base = 0x40000000;
    xen_max_leaf = 0x40000005;
    assert_int_equal(pvh_xen_cpuid_base(fake_cpuid), 0x40000000);
    /* With Viridian in front, Xen moves up a step. */
    viridian = true;
    xen_base = 0x40000100;
    xen_max_leaf = 0x40000105;
    assert_int_equal(pvh_xen_cpuid_base(fake_cpuid), 0x40000100);
    /* A signature without the hypercall page leaf does not count. */
    xen_max_leaf = 0x40000101;
    assert_int_equal(pvh_xen_cpuid_base(fake_cpuid), 0);
    /* Not on Xen at all. */
    xen_base = 0;
    viridian = false;
    assert_int_equal(pvh_xen_cpuid_base(fake_cpuid), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_pvh_good, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pvh_good_minimal, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pvh_bad_header, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pvh_bad_start_info_address, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pvh_start_info_not_ram, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pvh_bad_memmap, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pvh_bad_cmdline, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pvh_bad_modules, setup, teardown),
    cmocka_unit_test(test_pvh_free_ranges),
    cmocka_unit_test(test_pvh_free_ranges_skips),
    cmocka_unit_test(test_pvh_find_run),
    cmocka_unit_test(test_pvh_xen_cpuid_base),
};
DOMB_TEST_MAIN(tests)
