/* The layout planner on its own: sizes, alignment, order, exact table counts. */
#include "domb_test.h"

#include <builder/layout.h>
#include <domb/errno.h>
#include <string.h>

#define VB  0xffffffff80000000ULL
#define MIB (1ULL << 20)

static struct layout_request req_for(uint64_t kernel_bytes, uint64_t ramdisk, uint64_t mem_mib)
{
    return (struct layout_request){.virt_base = VB,
                                   .kernel_start = VB,
                                   .kernel_end = VB + ((kernel_bytes + 0xfff) & ~0xfffULL),
                                   .ramdisk_size = ramdisk,
                                   .nr_pages = mem_mib * 256};
}

/* Tables needed to map [start, end) at one level, computed independently. */
static uint64_t span_tables(uint64_t start, uint64_t end, unsigned int shift)
{
    uint64_t mask = (1ULL << 48) - 1;
    return (((end - 1) & mask) >> shift) - ((start & mask) >> shift) + 1;
}

static uint64_t va(const struct layout *l, uint64_t pfn)
{
    return l->virt_base + pfn * 4096;
}

/* Properties every bootstrap layout has (public/xen.h start-of-day rules). */
static void check_invariants(const struct layout *l, const struct layout_request *r)
{
    const struct layout_range *order[] = {&l->kernel,   &l->ramdisk, &l->p2m,      &l->start_info,
                                          &l->xenstore, &l->console, &l->pgtables, &l->stack};
    uint64_t prev_end = pfn_x(l->kernel.pfn), stack_end_va, want_l1;

    assert_int_equal(pfn_x(l->kernel.pfn), (r->kernel_start - r->virt_base) / 4096);
    /* packed, ordered, no overlap (the p2m may live elsewhere) */
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (order[i] == &l->p2m && l->p2m_separate)
            continue;
        assert_int_equal(pfn_x(order[i]->pfn), prev_end);
        prev_end = pfn_x(order[i]->pfn) + order[i]->pages;
    }
    assert_int_equal(l->start_info.pages, 1);
    assert_int_equal(l->stack.pages, 1);
    assert_int_equal(l->p2m.pages, (r->nr_pages * 8 + 4095) / 4096);
    /* the bootstrap mapping: 4 MiB aligned, >= 512 KiB after the stack,
     * and not a whole 4 MiB more than needed */
    stack_end_va = va(l, pfn_x(l->stack.pfn) + 1);
    assert_int_equal(l->bootstrap_end % (4 * MIB), 0);
    assert_true(stack_end_va + 512 * 1024 <= l->bootstrap_end);
    assert_true(l->bootstrap_end - 4 * MIB <= stack_end_va + 512 * 1024);
    /* exactly the tables that map [virt_base, bootstrap_end), themselves included */
    want_l1 = span_tables(VB, l->bootstrap_end, 21);
    assert_int_equal(l->main.nr[1], want_l1);
    assert_int_equal(l->main.nr[2], span_tables(r->virt_base, l->bootstrap_end, 30));
    assert_int_equal(l->main.nr[3], span_tables(r->virt_base, l->bootstrap_end, 39));
    assert_int_equal(l->main.nr[4], 1);
    assert_int_equal(l->pgtables.pages, l->main.total);
    assert_int_equal(l->main.total, 1 + l->main.nr[3] + l->main.nr[2] + l->main.nr[1]);
    assert_int_equal(pfn_x(layout_table_pfn(l, 4, 0)), pfn_x(l->pgtables.pfn));
    assert_true(l->used_pages <= r->nr_pages);
    assert_true(l->used_pages >= (l->bootstrap_end - VB) / 4096);
    if (!l->p2m_separate)
        assert_int_equal(l->p2m_va, va(l, pfn_x(l->p2m.pfn)));
}

static void plan_ok(struct layout *l, const struct layout_request *r)
{
    struct domb_error err = {0};
    int rc = layout_plan(l, r, &err);
    if (rc)
        print_error("layout_plan: %s\n", err.msg);
    assert_int_equal(rc, 0);
    check_invariants(l, r);
}

static void layout_16m_no_ramdisk(void **state)
{
    struct layout_request r = req_for(0x5000, 0, 16);
    struct layout l;
    (void)state;
    plan_ok(&l, &r);
    assert_int_equal(l.kernel.pages, 5);
    assert_int_equal(l.ramdisk.pages, 0);
    assert_int_equal(pfn_x(l.p2m.pfn), 5);
    assert_int_equal(l.p2m.pages, 8); /* 4096 entries of 8 bytes */
    assert_int_equal(pfn_x(l.start_info.pfn), 13);
    assert_int_equal(pfn_x(l.pgtables.pfn), 16);
    assert_int_equal(l.bootstrap_end, VB + 4 * MIB);
    assert_int_equal(l.main.total, 1 + 1 + 1 + 2); /* L4, L3, L2, two L1 */
    assert_int_equal(pfn_x(l.stack.pfn), 21);
    assert_int_equal(l.used_pages, 1024);
}

static void layout_with_ramdisk(void **state)
{
    struct layout_request r = req_for(0x5000, 3 * MIB + 1, 64);
    struct layout l;
    (void)state;
    plan_ok(&l, &r);
    assert_int_equal(pfn_x(l.ramdisk.pfn), 5);
    assert_int_equal(l.ramdisk.pages, 769);
    assert_int_equal(pfn_x(l.p2m.pfn), 5 + 769);
    assert_int_equal(l.p2m.pages, 32);
    assert_int_equal(l.bootstrap_end, VB + 4 * MIB); /* 943 pages + 512 KiB still fit */
}

static void layout_huge_ramdisk_rejected(void **state)
{
    struct layout_request r = req_for(0x5000, 64 * MIB, 64);
    struct layout l;
    struct domb_error err = {0};
    (void)state;
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_ENOMEM);
    assert_non_null(strstr(err.msg, "cannot hold"));
    r.ramdisk_size = 1ULL << 50;
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "ramdisk"));
}

static void layout_large_ramdisk_fits(void **state)
{
    struct layout_request r = req_for(0x5000, 200 * MIB, 256);
    struct layout l;
    (void)state;
    plan_ok(&l, &r);
    assert_true(l.bootstrap_end - VB > 200 * MIB);
    assert_int_equal(l.main.nr[1], (l.bootstrap_end - VB) / (2 * MIB));
}

static void layout_4g(void **state)
{
    struct layout_request r = req_for(0x5000, 0, 4096);
    struct layout l;
    (void)state;
    plan_ok(&l, &r);
    assert_int_equal(l.p2m.pages, 2048); /* 1 Mi entries */
    assert_int_equal(l.bootstrap_end, VB + 12 * MIB);
    assert_int_equal(l.main.nr[1], 6);
}

static void layout_16m_vs_4g_tables(void **state)
{
    struct layout_request small = req_for(0x5000, 0, 16), big = req_for(0x5000, 0, 4096);
    struct layout a, b;
    (void)state;
    plan_ok(&a, &small);
    plan_ok(&b, &big);
    assert_true(b.main.total > a.main.total);
    assert_true(b.used_pages > a.used_pages);
}

/* Sweep kernel and ramdisk sizes around the 2 and 4 MiB boundaries where an
 * extra table or an extra 4 MiB of padding becomes necessary. */
static void layout_sweep_boundaries(void **state)
{
    (void)state;
    for (uint64_t k = 4 * MIB - 64 * 1024; k < 4 * MIB + 64 * 1024; k += 4096)
        for (uint64_t rd = 0; rd < 3 * 4096; rd += 4096) {
            struct layout_request r = req_for(k, rd, 64);
            struct layout l;
            plan_ok(&l, &r);
        }
}

static void layout_kernel_above_virt_base(void **state)
{
    struct layout_request r = req_for(0x5000, 0, 16);
    struct layout l;
    (void)state;
    r.kernel_start = VB + 2 * MIB;
    r.kernel_end = VB + 2 * MIB + 0x5000;
    plan_ok(&l, &r);
    assert_int_equal(pfn_x(l.kernel.pfn), 512);
}

static void layout_rejects_bad_kernel(void **state)
{
    struct layout_request r = req_for(0x5000, 0, 16);
    struct layout l;
    struct domb_error err;
    (void)state;
    r.kernel_start = VB - 4096;
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "below virt_base"));
    r = req_for(0x5000, 0, 16);
    r.kernel_end = r.kernel_start;
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_EINVAL);
    r = req_for(0x5000, 0, 16);
    r.virt_base = VB + 12;
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_EINVAL);
    /* a kernel at the very top leaves no room for the bootstrap region */
    r = req_for(0x5000, 0, 16);
    r.virt_base = r.kernel_start = 0xffffffffffe00000ULL;
    r.kernel_end = r.kernel_start + 0x5000;
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "does not fit"));
}

static void layout_too_small(void **state)
{
    struct layout_request r = req_for(0x5000, 0, 3);
    struct layout l;
    struct domb_error err;
    (void)state;
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_ENOMEM);
    r.nr_pages = 0;
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_EINVAL);
}

static void layout_init_p2m(void **state)
{
    struct layout_request r = req_for(0x5000, 0, 64);
    struct layout l;
    (void)state;
    r.has_init_p2m = true;
    r.init_p2m = 0x8000000000ULL; /* 512 GiB, as Linux asks */
    plan_ok(&l, &r);
    assert_true(l.p2m_separate);
    assert_int_equal(l.p2m_va, r.init_p2m);
    assert_int_equal(pfn_x(l.start_info.pfn), 5); /* no p2m in the bootstrap */
    assert_int_equal(pfn_x(l.p2m_seg.pfn), (l.bootstrap_end - VB) / 4096);
    assert_int_equal(pfn_x(l.p2m.pfn), pfn_x(l.p2m_seg.pfn));
    assert_int_equal(l.p2m.pages, 32);
    /* one L3 (different L4 slot), one L2, one L1 of its own */
    assert_int_equal(l.p2m_map.nr[4], 0);
    assert_int_equal(l.p2m_map.nr[3], 1);
    assert_int_equal(l.p2m_map.nr[2], 1);
    assert_int_equal(l.p2m_map.nr[1], 1);
    assert_int_equal(pfn_x(l.p2m_map.pfn), pfn_x(l.p2m.pfn) + 32);
    assert_int_equal(l.p2m_seg.pages, 32 + 3);
    assert_int_equal(l.used_pages, pfn_x(l.p2m_seg.pfn) + l.p2m_seg.pages);
    assert_int_equal(pfn_x(layout_table_pfn(&l, 3, layout_slot(r.init_p2m, 3))),
                     pfn_x(l.p2m_map.pfn));
    assert_int_equal(pfn_x(layout_table_pfn(&l, 1, layout_slot(r.init_p2m, 1))),
                     pfn_x(l.p2m_map.pfn) + 2);
    assert_true(layout_is_table_pfn(&l, pfn_add(l.p2m_map.pfn, 2)));
    assert_false(layout_is_table_pfn(&l, pfn_add(l.p2m_map.pfn, 3)));
    assert_false(layout_is_table_pfn(&l, l.p2m.pfn));
}

static void layout_init_p2m_shares_upper_tables(void **state)
{
    struct layout_request r = req_for(0x5000, 0, 64);
    struct layout l;
    (void)state;
    r.has_init_p2m = true;
    r.init_p2m = VB - 128 * 1024; /* 128 KiB p2m ends exactly at virt_base */
    plan_ok(&l, &r);
    assert_int_equal(l.p2m_map.nr[3], 0); /* same 512 GiB slot: the L3 is shared */
    assert_int_equal(l.p2m_map.nr[2], 1); /* previous 1 GiB: its own L2 */
    assert_int_equal(l.p2m_map.nr[1], 1);
    assert_int_equal(pfn_x(layout_table_pfn(&l, 3, layout_slot(r.init_p2m, 3))),
                     pfn_x(l.main.pfn) + 1);
}

static void layout_init_p2m_rejected(void **state)
{
    struct layout_request r = req_for(0x5000, 0, 64);
    struct layout l;
    struct domb_error err;
    (void)state;
    r.has_init_p2m = true;
    r.init_p2m = VB + 64 * MIB; /* above virt_base */
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "INIT_P2M"));
    r.init_p2m = 0xffff800000000000ULL; /* Xen's reserved slots */
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_EINVAL);
    r.init_p2m = 0x00007ffffffff000ULL; /* runs off the lower canonical half */
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_EINVAL);
    r.init_p2m = 0x8000000800ULL; /* unaligned */
    assert_int_equal(layout_plan(&l, &r, &err), -XEN_EINVAL);
}

static void layout_table_lookup(void **state)
{
    struct layout_request r = req_for(0x5000, 0, 16);
    struct layout l;
    (void)state;
    plan_ok(&l, &r);
    assert_int_equal(pfn_x(layout_table_pfn(&l, 3, layout_slot(VB, 3))), pfn_x(l.pgtables.pfn) + 1);
    assert_int_equal(pfn_x(layout_table_pfn(&l, 2, layout_slot(VB, 2))), pfn_x(l.pgtables.pfn) + 2);
    assert_int_equal(pfn_x(layout_table_pfn(&l, 1, layout_slot(VB, 1))), pfn_x(l.pgtables.pfn) + 3);
    assert_int_equal(pfn_x(layout_table_pfn(&l, 1, layout_slot(VB + 2 * MIB, 1))),
                     pfn_x(l.pgtables.pfn) + 4);
    assert_int_equal(pfn_x(layout_table_pfn(&l, 1, layout_slot(VB + 4 * MIB, 1))), INVALID_FRAME);
    assert_int_equal(pfn_x(layout_table_pfn(&l, 3, 0)), INVALID_FRAME);
    assert_int_equal(pfn_x(layout_table_pfn(&l, 5, 0)), INVALID_FRAME);
    assert_true(layout_is_table_pfn(&l, l.pgtables.pfn));
    assert_false(layout_is_table_pfn(&l, l.stack.pfn));
    assert_int_equal(layout_canonical(0x0000800000000000ULL), 0xffff800000000000ULL);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(layout_16m_no_ramdisk),
    cmocka_unit_test(layout_with_ramdisk),
    cmocka_unit_test(layout_huge_ramdisk_rejected),
    cmocka_unit_test(layout_large_ramdisk_fits),
    cmocka_unit_test(layout_4g),
    cmocka_unit_test(layout_16m_vs_4g_tables),
    cmocka_unit_test(layout_sweep_boundaries),
    cmocka_unit_test(layout_kernel_above_virt_base),
    cmocka_unit_test(layout_rejects_bad_kernel),
    cmocka_unit_test(layout_too_small),
    cmocka_unit_test(layout_init_p2m),
    cmocka_unit_test(layout_init_p2m_shares_upper_tables),
    cmocka_unit_test(layout_init_p2m_rejected),
    cmocka_unit_test(layout_table_lookup),
};

DOMB_TEST_MAIN(tests)
