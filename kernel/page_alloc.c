/* The page allocator: a bitmap over our pseudo-physical frames, with accounting and double-free
 * detection. */
#include <domb/errno.h>
#include <domb/lib.h>
#include <kernel/page_alloc.h>

static bool bit_test(const uint64_t *map, uint64_t i)
{
    return (map[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *map, uint64_t i)
{
    map[i / 64] |= 1ULL << (i % 64);
}

static void bit_clear(uint64_t *map, uint64_t i)
{
    map[i / 64] &= ~(1ULL << (i % 64));
}

static bool range_ok(const struct page_alloc *pa, uint64_t start, uint64_t count)
{
    uint64_t end;

    return count != 0 && !add_overflows_u64(start, count, &end) && end <= pa->nr_pages;
}

void page_alloc_init(struct page_alloc *pa, uint64_t *bitmap, uint64_t *managed, uint64_t nr_pages)
{
    uint64_t words = page_alloc_bitmap_words(nr_pages);

    memset(pa, 0, sizeof(*pa));
    pa->bitmap = bitmap;
    pa->managed = managed;
    pa->nr_pages = nr_pages;
    memset(bitmap, 0, words * sizeof(uint64_t));
    memset(managed, 0, words * sizeof(uint64_t));
}

int page_alloc_add_range(struct page_alloc *pa, pfn_t start, uint64_t count)
{
    uint64_t s = pfn_x(start);

    if (!range_ok(pa, s, count))
        return -XEN_EINVAL;
    for (uint64_t i = s; i < s + count; i++)
        if (bit_test(pa->managed, i))
            return -XEN_EINVAL;
    for (uint64_t i = s; i < s + count; i++) {
        bit_set(pa->managed, i);
        bit_set(pa->bitmap, i);
    }
    pa->total += count;
    pa->free += count;
    if (s / 64 < pa->search_hint)
        pa->search_hint = s / 64;
    return 0;
}

/* First free frame at or after `from`, or nr_pages. Skips whole words. */
static uint64_t next_free(const struct page_alloc *pa, uint64_t from)
{
    while (from < pa->nr_pages) {
        uint64_t word = pa->bitmap[from / 64] >> (from % 64);

        if (word)
            return from + (uint64_t)__builtin_ctzll(word);
        from = (from / 64 + 1) * 64;
    }
    return pa->nr_pages;
}

int page_alloc_alloc(struct page_alloc *pa, uint64_t count, pfn_t *out)
{
    uint64_t start, run;

    if (count == 0)
        return -XEN_EINVAL;
    if (count > pa->free)
        return -XEN_ENOMEM;
    start = next_free(pa, pa->search_hint * 64);
    while (start < pa->nr_pages && pa->nr_pages - start >= count) {
        for (run = 1; run < count && bit_test(pa->bitmap, start + run); run++)
            ;
        if (run == count) {
            for (uint64_t i = start; i < start + count; i++)
                bit_clear(pa->bitmap, i);
            pa->free -= count;
            if (pa->total - pa->free > pa->high_water)
                pa->high_water = pa->total - pa->free;
            if (count == 1 && start / 64 == pa->search_hint && pa->bitmap[start / 64] == 0)
                pa->search_hint++;
            *out = _pfn(start);
            return 0;
        }
        start = next_free(pa, start + run);
    }
    return -XEN_ENOMEM;
}

int page_alloc_free(struct page_alloc *pa, pfn_t start, uint64_t count)
{
    uint64_t s = pfn_x(start);

    if (!range_ok(pa, s, count)) {
        pa->bad_frees++;
        return -XEN_EINVAL;
    }
    for (uint64_t i = s; i < s + count; i++) {
        if (!bit_test(pa->managed, i) || bit_test(pa->bitmap, i)) {
            pa->bad_frees++;
            return -XEN_EINVAL;
        }
    }
    for (uint64_t i = s; i < s + count; i++)
        bit_set(pa->bitmap, i);
    pa->free += count;
    if (s / 64 < pa->search_hint)
        pa->search_hint = s / 64;
    return 0;
}

bool page_alloc_is_allocated(const struct page_alloc *pa, pfn_t frame)
{
    uint64_t f = pfn_x(frame);

    return f < pa->nr_pages && bit_test(pa->managed, f) && !bit_test(pa->bitmap, f);
}

void page_alloc_stats(const struct page_alloc *pa, struct page_alloc_stats *st)
{
    st->total = pa->total;
    st->free = pa->free;
    st->used = pa->total - pa->free;
    st->high_water = pa->high_water;
    st->bad_frees = pa->bad_frees;
}
