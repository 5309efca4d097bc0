/*
 * Page allocator over a domain's pseudo-physical frames.
 *
 * A bitmap with one bit per frame (1 = free) covering [0, nr_pages). Frames
 * are handed to it with page_alloc_add_range() (the kernel gives it every
 * frame that is not part of the boot image, modules, p2m, start_info, page
 * tables); everything else stays reserved. Single pages and contiguous runs
 * are allocated first-fit. Freeing a frame that is not allocated (double
 * free, or never given to the allocator) is detected, refused and counted.
 *
 * Pure bookkeeping: it never touches the pages themselves, so it is unit
 * tested on the host unchanged.
 */
#ifndef DOMB_PAGE_ALLOC_H
#define DOMB_PAGE_ALLOC_H

#include <domb/types.h>

struct page_alloc {
    uint64_t *bitmap;     /* nr_pages bits, 1 = free */
    uint64_t *managed;    /* nr_pages bits, 1 = given to the allocator */
    uint64_t nr_pages;    /* frames covered by the bitmaps */
    uint64_t total;       /* frames given to the allocator */
    uint64_t free;        /* frames free now */
    uint64_t high_water;  /* most frames ever in use at once */
    uint64_t bad_frees;   /* refused frees (double or foreign) */
    uint64_t search_hint; /* first word that may hold a free frame */
};

struct page_alloc_stats {
    uint64_t total, free, used, high_water, bad_frees;
};

/* Words of storage each bitmap needs for nr_pages frames. */
static inline uint64_t page_alloc_bitmap_words(uint64_t nr_pages)
{
    return (nr_pages + 63) / 64;
}

/* Start with every frame reserved. Both bitmaps must have
 * page_alloc_bitmap_words(nr_pages) words. */
void page_alloc_init(struct page_alloc *pa, uint64_t *bitmap, uint64_t *managed, uint64_t nr_pages);

/* Give [start, start+count) to the allocator as free frames. -XEN_EINVAL if
 * the range leaves [0, nr_pages) or overlaps frames already given. */
int page_alloc_add_range(struct page_alloc *pa, pfn_t start, uint64_t count);

/* Allocate `count` contiguous frames (count >= 1), lowest address first.
 * -XEN_ENOMEM when no run that long is free, -XEN_EINVAL for count 0. */
int page_alloc_alloc(struct page_alloc *pa, uint64_t count, pfn_t *out);

/* Free a run allocated before. Refuses (-XEN_EINVAL, nothing changed) if any
 * frame in it is free already or not managed by this allocator. */
int page_alloc_free(struct page_alloc *pa, pfn_t start, uint64_t count);

/* Is this frame currently allocated? (false for free or unmanaged frames) */
bool page_alloc_is_allocated(const struct page_alloc *pa, pfn_t frame);

void page_alloc_stats(const struct page_alloc *pa, struct page_alloc_stats *st);

#endif
