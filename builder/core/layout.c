/*
 * Layout planner (see builder/layout.h for the contract).
 */
#include <builder/layout.h>
#include <domb/errno.h>

#define VA48_MASK ((1ULL << 48) - 1)

static bool range_is_canonical(uint64_t start, uint64_t end)
{
    /* [start, end) lies in one canonical half; end is exclusive. */
    uint64_t last = end - 1;
    if (end <= start)
        return false;
    if (last < (1ULL << 47))
        return true;
    return start >= 0xffff800000000000ULL;
}

static bool range_hits_xen(uint64_t start, uint64_t end)
{
    return start < LAYOUT_XEN_RESERVED_END && end > LAYOUT_XEN_RESERVED_START;
}

/* Slots a range [start, end) touches at `level`: [*first, *last]. */
static void range_slots(uint64_t start, uint64_t end, unsigned int level, uint64_t *first,
                        uint64_t *last)
{
    *first = layout_slot(start, level);
    *last = layout_slot(end - 1, level);
}

/* Tables for the main (bootstrap) mapping: it owns every level, L4 included. */
static void tables_for_main(struct layout_tables *t, uint64_t start, uint64_t end)
{
    t->va_start = start;
    t->va_end = end;
    t->total = 0;
    for (unsigned int level = 1; level <= LAYOUT_LEVELS; level++) {
        uint64_t first, last;
        range_slots(start, end, level, &first, &last);
        t->first_slot[level] = first;
        t->nr[level] = last - first + 1;
        t->total += t->nr[level];
    }
}

/*
 * Tables for a second mapping below the main one: it owns the slots the main
 * mapping does not already have a table for (the L4 is always shared). Since
 * the range lies below the main range, shared slots can only be at its top.
 */
static void tables_for_extra(struct layout_tables *t, const struct layout_tables *main,
                             uint64_t start, uint64_t end)
{
    t->va_start = start;
    t->va_end = end;
    t->total = 0;
    t->first_slot[LAYOUT_LEVELS] = 0;
    t->nr[LAYOUT_LEVELS] = 0;
    for (unsigned int level = 1; level < LAYOUT_LEVELS; level++) {
        uint64_t first, last;
        range_slots(start, end, level, &first, &last);
        if (last >= main->first_slot[level])
            last = main->first_slot[level] - 1; /* may make the count 0 */
        t->first_slot[level] = first;
        t->nr[level] = last + 1 - first;
        t->total += t->nr[level];
    }
}

static uint64_t pages_for_bytes(uint64_t bytes)
{
    return bytes / PAGE_SIZE + ((bytes % PAGE_SIZE) != 0);
}

/* The next `pages` frames from the planning cursor (a pfn count) for r. */
static pfn_t take(uint64_t *cursor, struct layout_range *r, uint64_t pages)
{
    r->pfn = _pfn(*cursor);
    r->pages = pages;
    *cursor += pages;
    return r->pfn;
}

static int check_request(const struct layout_request *req, struct domb_error *err)
{
    if (req->virt_base & ~PAGE_MASK)
        return domb_error_set(err, -XEN_EINVAL, "virt_base 0x%llx is not page aligned",
                              (unsigned long long)req->virt_base);
    if ((req->kernel_start & ~PAGE_MASK) || (req->kernel_end & ~PAGE_MASK) ||
        req->kernel_end <= req->kernel_start)
        return domb_error_set(
            err, -XEN_EINVAL, "kernel extent 0x%llx-0x%llx is empty or not page aligned",
            (unsigned long long)req->kernel_start, (unsigned long long)req->kernel_end);
    if (req->kernel_start < req->virt_base)
        return domb_error_set(err, -XEN_EINVAL, "kernel starts at 0x%llx, below virt_base 0x%llx",
                              (unsigned long long)req->kernel_start,
                              (unsigned long long)req->virt_base);
    if (req->nr_pages == 0 || req->nr_pages > (1ULL << 40))
        return domb_error_set(err, -XEN_EINVAL, "memory size of %llu pages is out of range",
                              (unsigned long long)req->nr_pages);
    if (req->ramdisk_size > (1ULL << 40))
        return domb_error_set(err, -XEN_EINVAL, "ramdisk of %llu bytes is too large",
                              (unsigned long long)req->ramdisk_size);
    return 0;
}

/* The p2m list mapped at INIT_P2M: must be a usable range below virt_base. */
static int check_init_p2m(const struct layout_request *req, uint64_t p2m_bytes,
                          struct domb_error *err)
{
    uint64_t end;
    if (req->init_p2m & ~PAGE_MASK)
        return domb_error_set(err, -XEN_EINVAL, "INIT_P2M address 0x%llx is not page aligned",
                              (unsigned long long)req->init_p2m);
    if (add_overflows_u64(req->init_p2m, p2m_bytes, &end) || end > req->virt_base ||
        !range_is_canonical(req->init_p2m, end) || range_hits_xen(req->init_p2m, end))
        return domb_error_set(err, -XEN_EINVAL,
                              "INIT_P2M range 0x%llx-0x%llx must be canonical, below virt_base "
                              "and outside Xen's reserved area",
                              (unsigned long long)req->init_p2m, (unsigned long long)end);
    return 0;
}

/*
 * Size the bootstrap page tables as libxenguest's alloc_pgtables_pv does:
 * find the smallest 4 MiB-aligned end such that the tables mapping
 * [virt_base, end), plus the boot stack and 512 KiB of padding, still fit
 * below end.
 */
static int plan_main_tables(struct layout *lay, uint64_t cursor, struct domb_error *err)
{
    const uint64_t extra = 1 + LAYOUT_PAD_BYTES / PAGE_SIZE; /* boot stack + padding */
    uint64_t pages = extra;
    uint64_t cursor_va = layout_pfn_va(lay, _pfn(cursor));
    for (unsigned int round = 0; round < 16; round++) {
        uint64_t want, end;
        if (add_overflows_u64(cursor_va, pages * PAGE_SIZE, &want) ||
            (want | (LAYOUT_ALIGN_BYTES - 1)) == UINT64_MAX)
            break;
        end = (want | (LAYOUT_ALIGN_BYTES - 1)) + 1;
        if (!range_is_canonical(lay->virt_base, end) || range_hits_xen(lay->virt_base, end))
            break;
        tables_for_main(&lay->main, lay->virt_base, end);
        pages = lay->main.total + extra;
        if (cursor_va + pages * PAGE_SIZE <= end) {
            lay->bootstrap_end = end;
            return 0;
        }
    }
    return domb_error_set(err, -XEN_EINVAL,
                          "the bootstrap region from virt_base 0x%llx does not fit in the "
                          "canonical address space",
                          (unsigned long long)lay->virt_base);
}

int layout_plan(struct layout *lay, const struct layout_request *req, struct domb_error *err)
{
    uint64_t cursor, p2m_bytes, p2m_pages;
    int rc = check_request(req, err);
    if (rc)
        return rc;
    memset(lay, 0, sizeof(*lay));
    lay->virt_base = req->virt_base;
    lay->nr_pages = req->nr_pages;
    if (!range_is_canonical(req->virt_base, req->kernel_end) ||
        range_hits_xen(req->virt_base, req->kernel_end))
        return domb_error_set(
            err, -XEN_EINVAL, "kernel range 0x%llx-0x%llx is not canonical or hits Xen's area",
            (unsigned long long)req->virt_base, (unsigned long long)req->kernel_end);

    p2m_bytes = req->nr_pages * sizeof(uint64_t);
    p2m_pages = pages_for_bytes(p2m_bytes);
    lay->p2m_separate = req->has_init_p2m;
    if (lay->p2m_separate) {
        rc = check_init_p2m(req, p2m_pages * PAGE_SIZE, err);
        if (rc)
            return rc;
    }

    cursor = (req->kernel_start - req->virt_base) >> PAGE_SHIFT;
    take(&cursor, &lay->kernel, (req->kernel_end - req->kernel_start) >> PAGE_SHIFT);
    take(&cursor, &lay->ramdisk, pages_for_bytes(req->ramdisk_size));
    if (!lay->p2m_separate)
        take(&cursor, &lay->p2m, p2m_pages);
    take(&cursor, &lay->start_info, 1);
    take(&cursor, &lay->xenstore, 1);
    take(&cursor, &lay->console, 1);
    take(&cursor, &lay->channel, req->channel_page ? 1 : 0);
    if (cursor > (1ULL << 36))
        return domb_error_set(err, -XEN_ENOMEM, "bootstrap region of %llu pages is too large",
                              (unsigned long long)cursor);

    rc = plan_main_tables(lay, cursor, err);
    if (rc)
        return rc;
    lay->main.pfn = take(&cursor, &lay->pgtables, lay->main.total);
    take(&cursor, &lay->stack, 1);
    cursor = (lay->bootstrap_end - lay->virt_base) >> PAGE_SHIFT;

    if (lay->p2m_separate) {
        lay->p2m_va = req->init_p2m;
        tables_for_extra(&lay->p2m_map, &lay->main, req->init_p2m,
                         req->init_p2m + p2m_pages * PAGE_SIZE);
        lay->p2m_seg.pfn = _pfn(cursor);
        lay->p2m_seg.pages = p2m_pages + lay->p2m_map.total;
        take(&cursor, &lay->p2m, p2m_pages);
        lay->p2m_map.pfn = _pfn(cursor);
        cursor += lay->p2m_map.total;
    } else {
        lay->p2m_va = layout_pfn_va(lay, lay->p2m.pfn);
    }
    lay->used_pages = cursor;
    if (lay->used_pages > req->nr_pages)
        return domb_error_set(err, -XEN_ENOMEM,
                              "the domain's %llu pages cannot hold the %llu-page bootstrap region "
                              "(kernel, ramdisk, p2m, page tables and padding)",
                              (unsigned long long)req->nr_pages,
                              (unsigned long long)lay->used_pages);
    return 0;
}

/* Index of a table among its owner's tables, or -1 if the owner lacks it. */
static int64_t owned_index(const struct layout_tables *t, unsigned int level, uint64_t slot)
{
    uint64_t before = 0;
    if (slot < t->first_slot[level] || slot - t->first_slot[level] >= t->nr[level])
        return -1;
    for (unsigned int l = LAYOUT_LEVELS; l > level; l--)
        before += t->nr[l];
    return (int64_t)(before + slot - t->first_slot[level]);
}

pfn_t layout_table_pfn(const struct layout *lay, unsigned int level, uint64_t slot)
{
    int64_t i;
    if (level < 1 || level > LAYOUT_LEVELS)
        return INVALID_PFN;
    i = owned_index(&lay->main, level, slot);
    if (i >= 0)
        return pfn_add(lay->main.pfn, (uint64_t)i);
    if (lay->p2m_separate) {
        i = owned_index(&lay->p2m_map, level, slot);
        if (i >= 0)
            return pfn_add(lay->p2m_map.pfn, (uint64_t)i);
    }
    return INVALID_PFN;
}

/* Whether pfn is one of t's tables. */
static bool tables_hold(const struct layout_tables *t, pfn_t pfn)
{
    return pfn_x(pfn) >= pfn_x(t->pfn) && pfn_x(pfn) - pfn_x(t->pfn) < t->total;
}

bool layout_is_table_pfn(const struct layout *lay, pfn_t pfn)
{
    return tables_hold(&lay->main, pfn) || (lay->p2m_separate && tables_hold(&lay->p2m_map, pfn));
}
