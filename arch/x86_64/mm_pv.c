/* PV-only mm: read-only page tables through mmu_update, the direct map, the foreign window. */
#include <arch/hypercall.h>
#include <domb/errno.h>
#include <domb/lib.h>
#include "mm_internal.h"

/* A p2m entry for a frame we gave back (Linux's INVALID_P2M_ENTRY). */
#define INVALID_P2M_ENTRY (~(xen_pfn_t)0)

/* Foreign window: its L1 tables' machine frames and a slot bitmap. */
static mfn_t window_l1[FOREIGN_WINDOW_PAGES / 512];
static uint64_t window_used[FOREIGN_WINDOW_PAGES / 64];
static unsigned int window_in_use;

static int mmu_update_one(uint64_t ptr, uint64_t val)
{
    mmu_update_t req = {.ptr = ptr | MMU_NORMAL_PT_UPDATE, .val = val};

    return hypercall_mmu_update(&req, 1, NULL, DOMID_SELF);
}

/* Machine address of entry `idx` of the table at `table`. */
static uint64_t entry_maddr(const uint64_t *table, unsigned int idx)
{
    return (mfn_x(virt_to_mfn(table)) << PAGE_SHIFT) + idx * sizeof(uint64_t);
}

/*
 * Take a fresh frame from the boot pool, zero it, make our mapping of it
 * read-only (Xen will not type a frame as a page table while it is mapped
 * writable) and hook it into `parent[idx]`.
 */
static int new_table(uint64_t *parent, unsigned int idx, uint64_t *next_free_pfn,
                     uint64_t **table_out)
{
    pfn_t p = _pfn((*next_free_pfn)++);
    uint64_t *table = pfn_to_virt(p);
    mfn_t m = pfn_to_mfn(p);
    int rc;

    memset(table, 0, PAGE_SIZE);
    rc = hypercall_update_va_mapping((uint64_t)table, (mfn_x(m) << PAGE_SHIFT) | L1_PROT_RO,
                                     UVMF_INVLPG | UVMF_LOCAL);
    if (rc)
        return rc;
    rc = mmu_update_one(entry_maddr(parent, idx), (mfn_x(m) << PAGE_SHIFT) | LN_PROT);
    if (rc)
        return rc;
    *table_out = table;
    return 0;
}

/* Walk from L4 to the L1 table covering va, creating missing levels. */
static int walk_to_l1(uint64_t va, uint64_t *next_free_pfn, uint64_t **l1_out)
{
    uint64_t *table = mm_l4_table;

    for (int level = 4; level > 1; level--) {
        unsigned int idx = mm_table_index(va, level);
        uint64_t *next;

        if (table[idx] & _PAGE_PRESENT) {
            if (table[idx] & _PAGE_PSE)
                return -XEN_EINVAL;
            next = mm_table_of(table[idx]);
        } else {
            int rc = new_table(table, idx, next_free_pfn, &next);
            if (rc)
                return rc;
        }
        table = next;
    }
    *l1_out = table;
    return 0;
}

long mm_init(start_info_t *si, uint64_t *next_free_pfn)
{
    uint64_t nr = si->nr_pages;
    mmu_update_t batch[512];
    int rc;

    mm_p2m = (xen_pfn_t *)si->mfn_list;
    mm_p2m_pages = si->nr_pages;
    mm_l4_table = (uint64_t *)si->pt_base;
    if (nr > DIRECT_MAP_MAX_PAGES)
        nr = DIRECT_MAP_MAX_PAGES;

    /* One L1 table (512 frames, 2 MiB) at a time, in address order, so the
     * frames used for new tables are always mapped already. */
    for (uint64_t base = 0; base < nr; base += 512) {
        uint64_t *l1;
        unsigned int n = 0;

        rc = walk_to_l1(KERNEL_VIRT_BASE + (base << PAGE_SHIFT), next_free_pfn, &l1);
        if (rc)
            return rc;
        for (uint64_t p = base; p < nr && p < base + 512; p++) {
            if (l1[p - base] & _PAGE_PRESENT)
                continue;
            batch[n].ptr = entry_maddr(l1, (unsigned int)(p - base)) | MMU_NORMAL_PT_UPDATE;
            batch[n].val = (mm_p2m[p] << PAGE_SHIFT) | L1_PROT;
            n++;
        }
        if (n && (rc = hypercall_mmu_update(batch, n, NULL, DOMID_SELF)) != 0)
            return rc;
    }

    /* The foreign window: tables exist from now on, entries come and go. */
    for (unsigned int i = 0; i < ARRAY_SIZE(window_l1); i++) {
        uint64_t *l1;

        rc =
            walk_to_l1(FOREIGN_WINDOW_BASE + ((uint64_t)i << (PAGE_SHIFT + 9)), next_free_pfn, &l1);
        if (rc)
            return rc;
        window_l1[i] = virt_to_mfn(l1);
    }
    return (long)nr;
}

/* The L1 table that maps va, or NULL (not mapped by 4 KiB pages). */
static uint64_t *l1_of(uint64_t va)
{
    uint64_t *table = mm_l4_table;

    for (int level = 4; level > 1; level--) {
        uint64_t e = table[mm_table_index(va, level)];

        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
            return NULL;
        table = mm_table_of(e);
    }
    return table;
}

long mm_give_back(void *va, uint64_t n)
{
    static mmu_update_t batch[512];
    static xen_pfn_t mfns[512];
    uint64_t start = (uint64_t)va, done = 0;

    if (mm_translated)
        return -XEN_EOPNOTSUPP;
    if ((start & (PAGE_SIZE - 1)) || start < KERNEL_VIRT_BASE ||
        pfn_x(virt_to_pfn(va)) + n > mm_p2m_pages)
        return -XEN_EINVAL;
    while (done < n) {
        uint64_t at = start + (done << PAGE_SHIFT);
        unsigned int idx = mm_table_index(at, 1), k = 0;
        uint64_t *l1 = l1_of(at);
        struct mmuext_op flush = {.cmd = MMUEXT_TLB_FLUSH_LOCAL};
        struct xen_memory_reservation r = {.nr_extents = 0, .extent_order = 0, .domid = DOMID_SELF};
        int rc;

        if (!l1)
            return done ? (long)done : -XEN_EINVAL;
        /* This L1's part: clear the PTEs (the only mapping of each frame:
         * Xen frees a frame only once nothing maps it), then forget the
         * frames in the p2m and hand them to Xen. */
        for (; k < 512 - idx && done + k < n; k++) {
            uint64_t p = pfn_x(virt_to_pfn((void *)(at + ((uint64_t)k << PAGE_SHIFT))));

            batch[k].ptr = entry_maddr(l1, idx + k) | MMU_NORMAL_PT_UPDATE;
            batch[k].val = 0;
            mfns[k] = mm_p2m[p];
        }
        rc = hypercall_mmu_update(batch, k, NULL, DOMID_SELF);
        if (rc == 0)
            rc = hypercall_mmuext_op(&flush, 1, NULL, DOMID_SELF);
        if (rc)
            return done ? (long)done : rc;
        for (unsigned int j = 0; j < k; j++)
            mm_p2m[pfn_x(virt_to_pfn((void *)(at + ((uint64_t)j << PAGE_SHIFT))))] =
                INVALID_P2M_ENTRY;
        set_xen_guest_handle(r.extent_start, mfns);
        r.nr_extents = k;
        rc = hypercall_memory_op(XENMEM_decrease_reservation, &r);
        if (rc < 0)
            return done ? (long)done : rc;
        done += (unsigned int)rc;
        if ((unsigned int)rc != k)
            return (long)done; /* Xen kept some: they stay unmapped */
    }
    return (long)done;
}

void *mm_map_shared_info(uint64_t maddr)
{
    if (hypercall_update_va_mapping((uint64_t)mm_shared_info_page, maddr | L1_PROT,
                                    UVMF_INVLPG | UVMF_LOCAL))
        return NULL;
    mm_shared_info_mapped = true;
    return mm_shared_info_page;
}

int mm_protect_page(void *va, uint64_t prot)
{
    mfn_t m = virt_to_mfn(va);

    return hypercall_update_va_mapping((uint64_t)va, (mfn_x(m) << PAGE_SHIFT) | prot,
                                       UVMF_INVLPG | UVMF_LOCAL);
}

static bool slot_used(unsigned int s)
{
    return (window_used[s / 64] >> (s % 64)) & 1;
}

static void slots_mark(unsigned int start, unsigned int n, bool used)
{
    for (unsigned int s = start; s < start + n; s++) {
        if (used)
            window_used[s / 64] |= 1ULL << (s % 64);
        else
            window_used[s / 64] &= ~(1ULL << (s % 64));
    }
}

static uint64_t slot_pte_maddr(unsigned int s)
{
    return (mfn_x(window_l1[s / 512]) << PAGE_SHIFT) + (s % 512) * sizeof(uint64_t);
}

int mm_map_foreign(domid_t domid, const xen_pfn_t *mfns, unsigned int n, void **va)
{
    static mmu_update_t req[512];
    unsigned int start = 0, run = 0;
    int rc;

    if (mm_translated)
        return -XEN_EOPNOTSUPP; /* PVH has no foreign window */
    if (n == 0 || n > 512)
        return -XEN_EINVAL;
    for (unsigned int s = 0; s < FOREIGN_WINDOW_PAGES; s++) {
        if (slot_used(s)) {
            run = 0;
            continue;
        }
        if (run++ == 0)
            start = s;
        if (run == n)
            break;
    }
    if (run < n)
        return -XEN_ENOMEM;
    for (unsigned int i = 0; i < n; i++) {
        req[i].ptr = slot_pte_maddr(start + i) | MMU_NORMAL_PT_UPDATE;
        req[i].val = (mfns[i] << PAGE_SHIFT) | L1_PROT;
    }
    rc = hypercall_mmu_update(req, n, NULL, domid);
    if (rc) {
        /* Entries written before the failing one must be cleared again. */
        for (unsigned int i = 0; i < n; i++)
            req[i].val = 0;
        hypercall_mmu_update(req, n, NULL, DOMID_SELF);
        return rc;
    }
    slots_mark(start, n, true);
    window_in_use += n;
    *va = (void *)(FOREIGN_WINDOW_BASE + ((uint64_t)start << PAGE_SHIFT));
    return 0;
}

int mm_unmap_foreign(void *va, unsigned int n)
{
    static mmu_update_t req[512];
    uint64_t off = (uint64_t)va - FOREIGN_WINDOW_BASE;
    unsigned int start = (unsigned int)(off >> PAGE_SHIFT);
    struct mmuext_op flush = {.cmd = MMUEXT_TLB_FLUSH_LOCAL};
    multicall_entry_t calls[2];
    int rc;

    if ((uint64_t)va < FOREIGN_WINDOW_BASE || (off & ~PAGE_MASK) || n == 0 || n > 512 ||
        start + n > FOREIGN_WINDOW_PAGES)
        return -XEN_EINVAL;
    for (unsigned int i = 0; i < n; i++) {
        if (!slot_used(start + i))
            return -XEN_EINVAL;
        req[i].ptr = slot_pte_maddr(start + i) | MMU_NORMAL_PT_UPDATE;
        req[i].val = 0;
    }
    /* Clear the entries and flush the TLB in one hypercall. */
    calls[0] = (multicall_entry_t){.op = __HYPERVISOR_mmu_update,
                                   .args = {(unsigned long)req, n, 0, DOMID_SELF}};
    calls[1] = (multicall_entry_t){.op = __HYPERVISOR_mmuext_op,
                                   .args = {(unsigned long)&flush, 1, 0, DOMID_SELF}};
    rc = hypercall_multicall(calls, 2);
    if (rc == 0 && ((long)calls[0].result < 0 || (long)calls[1].result < 0))
        rc = (long)calls[0].result < 0 ? (int)calls[0].result : (int)calls[1].result;
    if (rc)
        return rc;
    slots_mark(start, n, false);
    window_in_use -= n;
    return 0;
}

unsigned int mm_foreign_in_use(void)
{
    return window_in_use;
}
