/* The page allocator: accounting, exhaustion, runs, fragmentation, bad frees. */
#include "domb_test.h"
#include <domb/errno.h>
#include <kernel/page_alloc.h>
#include <stdlib.h>

struct fixture {
    struct page_alloc pa;
    uint64_t *bitmap, *managed;
};

static struct fixture *make(uint64_t nr_pages)
{
    struct fixture *f = calloc(1, sizeof(*f));
    uint64_t words = page_alloc_bitmap_words(nr_pages);

    f->bitmap = calloc(words, 8);
    f->managed = calloc(words, 8);
    page_alloc_init(&f->pa, f->bitmap, f->managed, nr_pages);
    return f;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    free(f->bitmap);
    free(f->managed);
    free(f);
    return 0;
}

static int setup_1000(void **state)
{
    struct fixture *f = make(1000);

    /* Frames 0..99 stay reserved (the boot image), 100..999 are free. */
    assert_int_equal(page_alloc_add_range(&f->pa, _pfn(100), 900), 0);
    *state = f;
    return 0;
}

static void test_alloc_accounting(void **state)
{
    struct fixture *f = *state;
    struct page_alloc_stats st;
    pfn_t a, b;

    page_alloc_stats(&f->pa, &st);
    assert_int_equal(st.total, 900);
    assert_int_equal(st.free, 900);
    assert_int_equal(st.used, 0);
    assert_int_equal(page_alloc_alloc(&f->pa, 1, &a), 0);
    assert_int_equal(pfn_x(a), 100); /* lowest free frame first */
    assert_int_equal(page_alloc_alloc(&f->pa, 10, &b), 0);
    assert_int_equal(pfn_x(b), 101);
    page_alloc_stats(&f->pa, &st);
    assert_int_equal(st.used, 11);
    assert_int_equal(st.high_water, 11);
    assert_true(page_alloc_is_allocated(&f->pa, a));
    assert_int_equal(page_alloc_free(&f->pa, b, 10), 0);
    assert_int_equal(page_alloc_free(&f->pa, a, 1), 0);
    page_alloc_stats(&f->pa, &st);
    assert_int_equal(st.free, 900);
    assert_int_equal(st.high_water, 11); /* high water stays */
    assert_false(page_alloc_is_allocated(&f->pa, a));
}

static void test_alloc_exhaustion(void **state)
{
    struct fixture *f = *state;
    pfn_t p;

    for (int i = 0; i < 900; i++)
        assert_int_equal(page_alloc_alloc(&f->pa, 1, &p), 0);
    assert_int_equal(page_alloc_alloc(&f->pa, 1, &p), -XEN_ENOMEM);
    assert_int_equal(page_alloc_free(&f->pa, _pfn(500), 1), 0);
    assert_int_equal(page_alloc_alloc(&f->pa, 1, &p), 0);
    assert_int_equal(pfn_x(p), 500);
    assert_int_equal(page_alloc_alloc(&f->pa, 1, &p), -XEN_ENOMEM);
}

static void test_alloc_double_free_detected(void **state)
{
    struct fixture *f = *state;
    struct page_alloc_stats st;
    pfn_t p;

    assert_int_equal(page_alloc_alloc(&f->pa, 4, &p), 0);
    assert_int_equal(page_alloc_free(&f->pa, p, 4), 0);
    assert_int_equal(page_alloc_free(&f->pa, p, 4), -XEN_EINVAL);
    /* Partly free run: refused as a whole, nothing changes. */
    assert_int_equal(page_alloc_alloc(&f->pa, 2, &p), 0);
    assert_int_equal(page_alloc_free(&f->pa, p, 3), -XEN_EINVAL);
    assert_true(page_alloc_is_allocated(&f->pa, p));
    page_alloc_stats(&f->pa, &st);
    assert_int_equal(st.bad_frees, 2);
    assert_int_equal(st.used, 2);
}

static void test_alloc_free_foreign_frames_refused(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(page_alloc_free(&f->pa, _pfn(5), 1), -XEN_EINVAL);          /* reserved */
    assert_int_equal(page_alloc_free(&f->pa, _pfn(999), 2), -XEN_EINVAL);        /* past end */
    assert_int_equal(page_alloc_free(&f->pa, _pfn(UINT64_MAX), 2), -XEN_EINVAL); /* wraps */
    assert_int_equal(page_alloc_free(&f->pa, _pfn(200), 0), -XEN_EINVAL);
}

static void test_alloc_runs_and_fragmentation(void **state)
{
    struct fixture *f = *state;
    pfn_t p[90], run;

    /* Fill with 90 runs of 10, free every other one: 450 free frames but no
     * run longer than 10. */
    for (int i = 0; i < 90; i++)
        assert_int_equal(page_alloc_alloc(&f->pa, 10, &p[i]), 0);
    for (int i = 0; i < 90; i += 2)
        assert_int_equal(page_alloc_free(&f->pa, p[i], 10), 0);
    assert_int_equal(f->pa.free, 450);
    assert_int_equal(page_alloc_alloc(&f->pa, 11, &run), -XEN_ENOMEM);
    assert_int_equal(page_alloc_alloc(&f->pa, 10, &run), 0);
    assert_int_equal(pfn_x(run), pfn_x(p[0]));
    /* Freeing a neighbour joins two holes into a run of 20 (+10 taken). */
    assert_int_equal(page_alloc_free(&f->pa, p[3], 10), 0);
    assert_int_equal(page_alloc_alloc(&f->pa, 30, &run), 0);
    assert_int_equal(pfn_x(run), pfn_x(p[2]));
}

static void test_alloc_zero_and_oversized(void **state)
{
    struct fixture *f = *state;
    pfn_t p;

    assert_int_equal(page_alloc_alloc(&f->pa, 0, &p), -XEN_EINVAL);
    assert_int_equal(page_alloc_alloc(&f->pa, 901, &p), -XEN_ENOMEM);
    assert_int_equal(page_alloc_alloc(&f->pa, 900, &p), 0);
    assert_int_equal(pfn_x(p), 100);
}

static void test_alloc_add_range_checks(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(page_alloc_add_range(&f->pa, _pfn(50), 60), -XEN_EINVAL);  /* overlaps */
    assert_int_equal(page_alloc_add_range(&f->pa, _pfn(990), 20), -XEN_EINVAL); /* past end */
    assert_int_equal(page_alloc_add_range(&f->pa, _pfn(10), 0), -XEN_EINVAL);
    assert_int_equal(page_alloc_add_range(&f->pa, _pfn(0), 100), 0);
    assert_int_equal(f->pa.total, 1000);
}

static void test_alloc_word_boundaries(void **state)
{
    struct fixture *f = make(256);
    pfn_t p;

    *state = f;
    /* Free frames straddling 64-bit words: 60..67 and 127..129. */
    assert_int_equal(page_alloc_add_range(&f->pa, _pfn(60), 8), 0);
    assert_int_equal(page_alloc_add_range(&f->pa, _pfn(127), 3), 0);
    assert_int_equal(page_alloc_alloc(&f->pa, 8, &p), 0);
    assert_int_equal(pfn_x(p), 60);
    assert_int_equal(page_alloc_alloc(&f->pa, 3, &p), 0);
    assert_int_equal(pfn_x(p), 127);
    assert_int_equal(page_alloc_alloc(&f->pa, 1, &p), -XEN_ENOMEM);
}

static void test_alloc_random_against_model(void **state)
{
    struct fixture *f = make(4096);
    static uint8_t model[4096];
    struct {
        uint64_t start, n;
    } live[512];
    int nlive = 0;

    *state = f;
    assert_int_equal(page_alloc_add_range(&f->pa, _pfn(0), 4096), 0);
    srand(1234);
    for (int step = 0; step < 20000; step++) {
        if (nlive < 512 && (rand() % 3 != 0 || nlive == 0)) {
            uint64_t n = 1 + (uint64_t)(rand() % 16);
            pfn_t p;
            if (page_alloc_alloc(&f->pa, n, &p) == 0) {
                for (uint64_t i = 0; i < n; i++) {
                    assert_int_equal(model[pfn_x(p) + i], 0); /* never handed out twice */
                    model[pfn_x(p) + i] = 1;
                }
                live[nlive].start = pfn_x(p);
                live[nlive++].n = n;
            }
        } else {
            int k = rand() % nlive;
            assert_int_equal(page_alloc_free(&f->pa, _pfn(live[k].start), live[k].n), 0);
            for (uint64_t i = 0; i < live[k].n; i++)
                model[live[k].start + i] = 0;
            live[k] = live[--nlive];
        }
        uint64_t used = 0;
        for (int i = 0; i < nlive; i++)
            used += live[i].n;
        assert_int_equal(f->pa.total - f->pa.free, used);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_alloc_accounting, setup_1000, teardown),
    cmocka_unit_test_setup_teardown(test_alloc_exhaustion, setup_1000, teardown),
    cmocka_unit_test_setup_teardown(test_alloc_double_free_detected, setup_1000, teardown),
    cmocka_unit_test_setup_teardown(test_alloc_free_foreign_frames_refused, setup_1000, teardown),
    cmocka_unit_test_setup_teardown(test_alloc_runs_and_fragmentation, setup_1000, teardown),
    cmocka_unit_test_setup_teardown(test_alloc_zero_and_oversized, setup_1000, teardown),
    cmocka_unit_test_setup_teardown(test_alloc_add_range_checks, setup_1000, teardown),
    cmocka_unit_test_teardown(test_alloc_word_boundaries, teardown),
    cmocka_unit_test_teardown(test_alloc_random_against_model, teardown),
};
DOMB_TEST_MAIN(tests)
