/* hvm_start_info validation, free RAM from the PVH memory map, Xen's CPUID leaves. */
#include <domb/errno.h>
#include <domb/lib.h>
#include <kernel/pvh_info.h>
#include <xen/arch-x86/cpuid.h>

#define SIF_KNOWN                                                                                  \
    (SIF_PRIVILEGED | SIF_INITDOMAIN | SIF_MULTIBOOT_MOD | SIF_MOD_START_PFN |                     \
     SIF_VIRT_P2M_4TOOLS | SIF_PM_MASK)

/* The version 0 layout ends before memmap_paddr. */
#define HVM_START_INFO_V0_SIZE offsetof(struct hvm_start_info, memmap_paddr)

struct parse {
    const uint8_t *phys;
    uint64_t limit, image_end, boot_end;
    const struct hvm_memmap_table_entry *memmap;
    uint32_t entries;
    struct domb_error *err;
};

/* [paddr, paddr + len) inside [image_end, limit)? */
static bool in_bounds(const struct parse *p, uint64_t paddr, uint64_t len)
{
    uint64_t end;

    return paddr >= p->image_end && !add_overflows_u64(paddr, len, &end) && end <= p->limit;
}

/* Whole frames of a RAM entry: [*first, *end). False when it has none. */
static bool ram_frames(const struct hvm_memmap_table_entry *e, uint64_t *first, uint64_t *end)
{
    uint64_t top = e->addr + e->size; /* no wrap: checked by parse_memmap */

    if (e->type != XEN_HVM_MEMMAP_TYPE_RAM)
        return false;
    *first = round_up_page(e->addr) >> PAGE_SHIFT;
    *end = top >> PAGE_SHIFT;
    if (round_up_page(e->addr) < e->addr) /* the last page of the address space */
        return false;
    return *first < *end;
}

/* Is [paddr, paddr + len) inside one RAM entry (once the map is known)? */
static bool in_ram(const struct parse *p, uint64_t paddr, uint64_t len)
{
    for (uint32_t i = 0; i < p->entries; i++) {
        const struct hvm_memmap_table_entry *e = &p->memmap[i];

        if (e->type == XEN_HVM_MEMMAP_TYPE_RAM && paddr >= e->addr &&
            paddr + len <= e->addr + e->size)
            return true;
    }
    return false;
}

/* A structure of ours to read: bounds, alignment, RAM, and the boot area. */
static int check_struct(struct parse *p, const char *what, uint64_t paddr, uint64_t len,
                        uint64_t align)
{
    if (paddr == 0 || !in_bounds(p, paddr, len))
        return domb_error_set(p->err, -XEN_EINVAL,
                              "hvm_start_info: %s at 0x%llx (+%llu bytes) outside memory "
                              "[0x%llx, 0x%llx)",
                              what, (unsigned long long)paddr, (unsigned long long)len,
                              (unsigned long long)p->image_end, (unsigned long long)p->limit);
    if (paddr & (align - 1))
        return domb_error_set(p->err, -XEN_EINVAL,
                              "hvm_start_info: %s at 0x%llx not %llu-byte aligned", what,
                              (unsigned long long)paddr, (unsigned long long)align);
    if (p->memmap && !in_ram(p, paddr, len))
        return domb_error_set(p->err, -XEN_EINVAL,
                              "hvm_start_info: %s at 0x%llx (+%llu bytes) not in RAM", what,
                              (unsigned long long)paddr, (unsigned long long)len);
    if (paddr + len > p->boot_end)
        p->boot_end = paddr + len;
    return 0;
}

/* A NUL-terminated string at paddr (cmdline_paddr 0 means none: ""). */
static int check_string(struct parse *p, const char *what, uint64_t paddr, const char **out)
{
    uint64_t room, len;

    if (paddr == 0) {
        *out = "";
        return 0;
    }
    if (!in_bounds(p, paddr, 1))
        return check_struct(p, what, paddr, 1, 1);
    room = p->limit - paddr;
    if (room > PVH_CMDLINE_MAX)
        room = PVH_CMDLINE_MAX;
    len = strnlen((const char *)p->phys + paddr, room);
    if (len == room)
        return domb_error_set(p->err, -XEN_EINVAL,
                              "hvm_start_info: %s at 0x%llx not NUL-terminated within %llu bytes",
                              what, (unsigned long long)paddr, (unsigned long long)room);
    *out = (const char *)p->phys + paddr;
    return check_struct(p, what, paddr, len + 1, 1);
}

static int parse_memmap(struct parse *p, const struct hvm_start_info *si, struct pvh_boot *out)
{
    const struct hvm_memmap_table_entry *map;
    uint64_t ram = 0, max_pfn = 0;
    int rc;

    if (si->memmap_entries == 0 || si->memmap_entries > PVH_MAX_MEMMAP)
        return domb_error_set(p->err, -XEN_EINVAL,
                              "hvm_start_info: %u memory map entries (want 1..%u)",
                              si->memmap_entries, PVH_MAX_MEMMAP);
    rc = check_struct(p, "memory map", si->memmap_paddr,
                      (uint64_t)si->memmap_entries * sizeof(*map), 8);
    if (rc)
        return rc;
    map = (const struct hvm_memmap_table_entry *)(p->phys + si->memmap_paddr);
    for (uint32_t i = 0; i < si->memmap_entries; i++) {
        uint64_t end, first, last;

        if (map[i].size == 0 || add_overflows_u64(map[i].addr, map[i].size, &end))
            return domb_error_set(p->err, -XEN_EINVAL,
                                  "hvm_start_info: memory map entry %u [0x%llx +0x%llx) is empty "
                                  "or wraps",
                                  i, (unsigned long long)map[i].addr,
                                  (unsigned long long)map[i].size);
        if (map[i].reserved != 0)
            return domb_error_set(p->err, -XEN_EINVAL,
                                  "hvm_start_info: memory map entry %u: reserved 0x%x not zero", i,
                                  map[i].reserved);
        if (map[i].type != XEN_HVM_MEMMAP_TYPE_RAM)
            continue;
        for (uint32_t j = 0; j < i; j++) {
            if (map[j].type == XEN_HVM_MEMMAP_TYPE_RAM && map[j].addr < end &&
                map[i].addr < map[j].addr + map[j].size)
                return domb_error_set(p->err, -XEN_EINVAL,
                                      "hvm_start_info: RAM entries %u and %u overlap", j, i);
        }
        if (!ram_frames(&map[i], &first, &last))
            continue;
        ram += last - first;
        if (last > p->limit >> PAGE_SHIFT)
            last = p->limit >> PAGE_SHIFT;
        if (first < last && last > max_pfn)
            max_pfn = last;
    }
    if (max_pfn == 0)
        return domb_error_set(p->err, -XEN_EINVAL,
                              "hvm_start_info: no RAM below 0x%llx in the memory map",
                              (unsigned long long)p->limit);
    p->memmap = map;
    p->entries = si->memmap_entries;
    out->memmap = map;
    out->memmap_entries = si->memmap_entries;
    out->ram_pages = ram;
    out->max_pfn = max_pfn;
    return 0;
}

static int parse_modules(struct parse *p, const struct hvm_start_info *si, struct pvh_boot *out)
{
    const struct hvm_modlist_entry *mods;
    int rc;

    if (si->nr_modules == 0)
        return 0;
    if (si->nr_modules > PVH_MAX_MODULES)
        return domb_error_set(p->err, -XEN_EINVAL, "hvm_start_info: %u modules (at most %u)",
                              si->nr_modules, PVH_MAX_MODULES);
    rc = check_struct(p, "module list", si->modlist_paddr, (uint64_t)si->nr_modules * sizeof(*mods),
                      8);
    if (rc)
        return rc;
    mods = (const struct hvm_modlist_entry *)(p->phys + si->modlist_paddr);
    for (uint32_t i = 0; i < si->nr_modules; i++) {
        const char *cmdline;

        if (mods[i].size == 0)
            return domb_error_set(p->err, -XEN_EINVAL, "hvm_start_info: module %u is empty", i);
        if ((rc = check_struct(p, "module", mods[i].paddr, mods[i].size, 1)) != 0 ||
            (rc = check_string(p, "module command line", mods[i].cmdline_paddr, &cmdline)) != 0)
            return rc;
    }
    out->modules = mods;
    out->nr_modules = si->nr_modules;
    out->module = p->phys + mods[0].paddr;
    out->module_len = mods[0].size;
    return 0;
}

int pvh_boot_parse(uint64_t si_paddr, const uint8_t *phys, uint64_t phys_limit, uint64_t image_end,
                   struct pvh_boot *out, struct domb_error *err)
{
    struct parse p = {.phys = phys,
                      .limit = phys_limit,
                      .image_end = image_end,
                      .boot_end = image_end,
                      .err = err};
    const struct hvm_start_info *si;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = check_struct(&p, "start info", si_paddr, HVM_START_INFO_V0_SIZE, 8);
    if (rc)
        return rc;
    si = (const struct hvm_start_info *)(phys + si_paddr);
    if (si->magic != XEN_HVM_START_MAGIC_VALUE)
        return domb_error_set(err, -XEN_EINVAL, "hvm_start_info: bad magic 0x%08x (want 0x%08x)",
                              si->magic, XEN_HVM_START_MAGIC_VALUE);
    if (si->version < 1)
        return domb_error_set(err, -XEN_EINVAL,
                              "hvm_start_info: version %u has no memory map (want 1 or later)",
                              si->version);
    if ((rc = check_struct(&p, "start info", si_paddr, sizeof(*si), 8)) != 0)
        return rc;
    if (si->flags & ~(uint32_t)SIF_KNOWN)
        return domb_error_set(err, -XEN_EINVAL, "hvm_start_info: unknown flags 0x%x",
                              si->flags & ~(uint32_t)SIF_KNOWN);
    if (si->reserved != 0)
        return domb_error_set(err, -XEN_EINVAL, "hvm_start_info: reserved 0x%x not zero",
                              si->reserved);
    if ((rc = parse_memmap(&p, si, out)) != 0)
        return rc;
    /* Now that RAM is known, the start info and the map must be in it too. */
    if ((rc = check_struct(&p, "start info", si_paddr, sizeof(*si), 8)) != 0 ||
        (rc = check_struct(&p, "memory map", si->memmap_paddr,
                           (uint64_t)si->memmap_entries * sizeof(*out->memmap), 8)) != 0 ||
        (rc = check_string(&p, "command line", si->cmdline_paddr, &out->cmdline)) != 0 ||
        (rc = parse_modules(&p, si, out)) != 0)
        return rc;
    out->si = si;
    out->boot_end_pfn = round_up_page(p.boot_end) >> PAGE_SHIFT;
    return 0;
}

/* [start, end) minus the skip ranges, piece by piece, lowest first. */
static void emit_without(uint64_t start, uint64_t end, const struct pvh_range *skip,
                         unsigned int nskip, void (*fn)(void *, uint64_t, uint64_t), void *ctx)
{
    while (start < end) {
        uint64_t stop = end; /* where the free piece from `start` ends */
        bool skipped = false;

        for (unsigned int i = 0; i < nskip; i++) {
            uint64_t s = skip[i].start, e = skip[i].start + skip[i].count;

            if (skip[i].count == 0 || e <= start || s >= stop)
                continue;
            if (s <= start) { /* start is inside this one: move past it */
                start = e;
                skipped = true;
                break;
            }
            stop = s; /* this one begins inside the piece: the piece ends there */
        }
        if (skipped)
            continue;
        fn(ctx, start, stop - start);
        start = stop;
    }
}

void pvh_boot_free_ranges(const struct pvh_boot *b, uint64_t from_pfn, const struct pvh_range *skip,
                          unsigned int nskip, void (*fn)(void *ctx, uint64_t start, uint64_t count),
                          void *ctx)
{
    for (uint32_t i = 0; i < b->memmap_entries; i++) {
        uint64_t first, end;

        if (!ram_frames(&b->memmap[i], &first, &end))
            continue;
        if (first < from_pfn)
            first = from_pfn;
        if (end > b->max_pfn)
            end = b->max_pfn;
        if (first < end)
            emit_without(first, end, skip, nskip, fn, ctx);
    }
}

struct find_run {
    uint64_t pages, best;
    bool found;
};

static void find_run_cb(void *ctx, uint64_t start, uint64_t count)
{
    struct find_run *f = ctx;

    if (count >= f->pages && (!f->found || start < f->best)) {
        f->best = start;
        f->found = true;
    }
}

bool pvh_boot_find_run(const struct pvh_boot *b, uint64_t from_pfn, const struct pvh_range *skip,
                       unsigned int nskip, uint64_t pages, uint64_t *start)
{
    struct find_run f = {.pages = pages};

    pvh_boot_free_ranges(b, from_pfn, skip, nskip, find_run_cb, &f);
    if (f.found)
        *start = f.best;
    return f.found;
}

uint32_t pvh_xen_cpuid_base(pvh_cpuid_fn cpuid)
{
    for (uint32_t base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000;
         base += 0x100) {
        uint32_t r[4];

        cpuid(base, r);
        if (r[1] == XEN_CPUID_SIGNATURE_EBX && r[2] == XEN_CPUID_SIGNATURE_ECX &&
            r[3] == XEN_CPUID_SIGNATURE_EDX && r[0] >= base + 2)
            return base;
    }
    return 0;
}
