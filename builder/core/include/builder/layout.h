/*
 * Layout planner: where everything goes in a new PV64 guest.
 *
 * A pure function of the kernel's virtual extent, the ramdisk size, the
 * memory size and the optional INIT_P2M address. It follows the start-of-day
 * contract in Xen's public/xen.h (start_info comment) and what libxenguest
 * (xc_dom_core.c, xc_dom_x86.c) does:
 *
 *   pfn 0 = virt_base; kernel at (virt_start - virt_base) >> 12, then packed
 *   and page-aligned: ramdisk, p2m list (unless INIT_P2M), start_info,
 *   xenstore page, console page, bootstrap page tables, boot stack. The page
 *   tables map [virt_base, bootstrap_end): bootstrap_end is 4 MiB aligned and
 *   leaves at least 512 KiB after the boot stack, and the tables map
 *   themselves (read-only). With INIT_P2M the p2m list is mapped at that
 *   address instead, and its frames plus the extra page tables that map it
 *   follow the bootstrap region in pseudo-physical space
 *   (first_p2m_pfn/nr_p2m_frames).
 *
 * Every planned frame is a guest pseudo-physical frame and has the type
 * pfn_t; which machine frame backs it is only known once the builder has
 * populated the domain (build.c's mfn_of). Virtual addresses are uint64_t.
 */
#ifndef BUILDER_LAYOUT_H
#define BUILDER_LAYOUT_H

#include <domb/error.h>
#include <domb/types.h>

/* Levels of x86_64 paging, indexed 1..4 in arrays of size LAYOUT_LEVELS+1. */
#define LAYOUT_LEVELS 4

/* Xen's bootstrap padding and alignment promises (public/xen.h). */
#define LAYOUT_PAD_BYTES   (512ULL * 1024)
#define LAYOUT_ALIGN_BYTES (4ULL << 20)

/* Xen reserves L4 slots 256..271 of every PV64 guest for itself. */
#define LAYOUT_XEN_RESERVED_START 0xffff800000000000ULL
#define LAYOUT_XEN_RESERVED_END   0xffff880000000000ULL

struct layout_request {
    uint64_t virt_base;    /* XEN_ELFNOTE_VIRT_BASE */
    uint64_t kernel_start; /* elf_image.virt_start (page aligned) */
    uint64_t kernel_end;   /* elf_image.virt_end (page aligned, exclusive) */
    uint64_t ramdisk_size; /* bytes; 0 = no ramdisk */
    uint64_t nr_pages;     /* guest memory in 4 KiB pages */
    bool has_init_p2m;     /* XEN_ELFNOTE_INIT_P2M present */
    uint64_t init_p2m;     /* where the guest wants its p2m list mapped */
    bool channel_page;     /* reserve a db-server channel page right after the console */
};

/* A run of guest pseudo-physical frames. */
struct layout_range {
    pfn_t pfn; /* the first */
    uint64_t pages;
};

/*
 * Page tables owned by one mapped virtual range. A table at level L covers
 * 2^(12 + 9L) bytes; its "slot" is (va & (2^48 - 1)) >> (12 + 9L). Tables
 * are stored level by level, top first: [L4], L3s, L2s, L1s.
 */
struct layout_tables {
    uint64_t va_start, va_end;              /* mapped range, end exclusive */
    pfn_t pfn;                              /* first table frame */
    uint64_t first_slot[LAYOUT_LEVELS + 1]; /* first owned slot per level */
    uint64_t nr[LAYOUT_LEVELS + 1];         /* owned tables per level */
    uint64_t total;                         /* sum of nr[] */
};

struct layout {
    uint64_t virt_base;
    uint64_t nr_pages;
    struct layout_range kernel, ramdisk, p2m, start_info, xenstore, console, pgtables, stack;
    struct layout_range channel;  /* db-server channel page (pages 0 when not asked for) */
    uint64_t p2m_va;              /* start_info.mfn_list */
    bool p2m_separate;            /* INIT_P2M: p2m mapped at p2m_va, outside the bootstrap */
    struct layout_range p2m_seg;  /* separate p2m frames + their tables (pages 0 if none) */
    struct layout_tables main;    /* maps [virt_base, bootstrap_end); owns the L4 */
    struct layout_tables p2m_map; /* maps the separate p2m (total 0 if none) */
    uint64_t bootstrap_end;       /* end of the initial mapping (virt_pgtab_end) */
    uint64_t used_pages;          /* pfns [0, used_pages) are part of the bootstrap */
};

/*
 * Plan a layout. Returns 0, -XEN_EINVAL (inconsistent or unusable addresses)
 * or -XEN_ENOMEM (the domain is too small), with a sentence in *err.
 */
int layout_plan(struct layout *lay, const struct layout_request *req, struct domb_error *err);

/* Virtual address of a pfn inside the bootstrap mapping. */
static inline uint64_t layout_pfn_va(const struct layout *lay, pfn_t pfn)
{
    return lay->virt_base + (pfn_x(pfn) << PAGE_SHIFT);
}

/* Whether pfn lies in r. */
static inline bool layout_in_range(const struct layout_range *r, pfn_t pfn)
{
    return pfn_x(pfn) >= pfn_x(r->pfn) && pfn_x(pfn) - pfn_x(r->pfn) < r->pages;
}

/* The frame just past r. */
static inline pfn_t layout_range_end(const struct layout_range *r)
{
    return pfn_add(r->pfn, r->pages);
}

/* Slot of va for a table at the given level (see struct layout_tables). */
static inline uint64_t layout_slot(uint64_t va, unsigned int level)
{
    return (va & ((1ULL << 48) - 1)) >> (12 + 9 * level);
}

/* Sign-extend a 48-bit address to canonical form. */
static inline uint64_t layout_canonical(uint64_t va48)
{
    return (va48 & (1ULL << 47)) ? (va48 | 0xffff000000000000ULL) : va48;
}

/*
 * The pfn of the page table at `level` that covers `slot`, or INVALID_PFN
 * if the layout has no such table. Level 4 has slot 0 only.
 */
pfn_t layout_table_pfn(const struct layout *lay, unsigned int level, uint64_t slot);

/* Whether pfn is a page-table frame (bootstrap or p2m mapping tables). */
bool layout_is_table_pfn(const struct layout *lay, pfn_t pfn);

/* Pages the builder needs besides the kernel image (for elf_check_fits). */
static inline uint64_t layout_reserved_pages(const struct layout *lay)
{
    /* used_pages counts from pfn 0, and elf_check_fits() counts the image
     * from VIRT_BASE (pfn 0) to its end: the rest is what follows it (not
     * minus the kernel alone, which counted the pages below a kernel that
     * does not start at pfn 0, Linux's 16 MiB, twice) */
    return lay->used_pages - (pfn_x(lay->kernel.pfn) + lay->kernel.pages);
}

#endif
