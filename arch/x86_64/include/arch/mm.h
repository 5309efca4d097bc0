/*
 * Low-level memory management, in two modes.
 *
 * PV (mm_pv.c): our page tables are read-only to us (we do not ask for
 * writable_page_tables): every change goes through mmu_update /
 * update_va_mapping, and Xen validates it. Frames are machine frames; the
 * p2m (start_info's mfn_list) and Xen's m2p translate.
 *
 * PVH (mm_pvh.c), an HVM container: the page tables are ordinary memory of
 * ours (built by pvh_entry.S), the CPU's nested paging does the rest, and a
 * "machine" frame is simply the guest-physical frame (pfn_to_mfn and
 * mfn_to_pfn are the identity, as for any auto-translated guest).
 *
 * Both (mm.c): the translation, the page-table walk, shared_info.
 */
#ifndef ARCH_MM_H
#define ARCH_MM_H

#include <arch/layout.h>
#include <domb/types.h>
#include <xen/xen.h>

#define _PAGE_PRESENT  0x001UL
#define _PAGE_RW       0x002UL
#define _PAGE_USER     0x004UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY    0x040UL
#define _PAGE_PSE      0x080UL
#define _PAGE_NX       (1UL << 63)
#define PTE_ADDR_MASK  0x000ffffffffff000UL

/* Xen makes 64-bit PV kernel mappings user-accessible itself; these are the
 * protections Mini-OS and Linux use. */
#define L1_PROT    (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define L1_PROT_RO (_PAGE_PRESENT | _PAGE_ACCESSED)
#define LN_PROT    (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)

/* p2m (our start_info mfn_list) and Xen's read-only m2p table; the
 * identity in PVH. */
mfn_t pfn_to_mfn(pfn_t p);
pfn_t mfn_to_pfn(mfn_t m);

static inline void *pfn_to_virt(pfn_t p)
{
    return (void *)(KERNEL_VIRT_BASE + (pfn_x(p) << PAGE_SHIFT));
}
static inline pfn_t virt_to_pfn(const void *va)
{
    return _pfn(((uint64_t)va - KERNEL_VIRT_BASE) >> PAGE_SHIFT);
}
static inline void *mfn_to_virt(mfn_t m)
{
    return pfn_to_virt(mfn_to_pfn(m));
}
static inline mfn_t virt_to_mfn(const void *va)
{
    return pfn_to_mfn(virt_to_pfn(va));
}

/* ---- PV only ---- */

/*
 * Extend Xen's bootstrap mapping to a direct map of every frame we own and
 * build the foreign-mapping window. New page-table frames come from
 * *next_free_pfn (already mapped), which is advanced past them.
 * Returns the number of frames now mapped, or a negative errno.
 */
long mm_init(start_info_t *si, uint64_t *next_free_pfn);

/* Map `shared_info` (a machine address) at a fixed page of ours. */
void *mm_map_shared_info(uint64_t maddr);

/*
 * Foreign mappings (privileged domains only, or under XSM/FLASK whoever the
 * policy lets map that domain's memory): map n frames of domain `domid`
 * (machine frame numbers) contiguously in the window. Returns 0 and *va, or a
 * negative errno (-XEN_ENOMEM when the window has no room for n).
 * mm_unmap_foreign() removes them and flushes the TLB.
 */
int mm_map_foreign(domid_t domid, const xen_pfn_t *mfns, unsigned int n, void **va);
int mm_unmap_foreign(void *va, unsigned int n);
unsigned int mm_foreign_in_use(void);

/* Set the protection of one of our own direct-map pages (e.g. read-only). */
int mm_protect_page(void *va, uint64_t prot);

/*
 * Give n of our own pages from va (page-aligned, in the direct map) back to
 * Xen for good: their mappings are cleared (one mmu_update per 512 and a
 * local TLB flush), the p2m forgets them and XENMEM_decrease_reservation
 * takes them. Never touch them again. Returns the pages Xen took, or a
 * negative errno when none.
 */
long mm_give_back(void *va, uint64_t n);

/* ---- PVH only ---- */

/*
 * Take over the tables pvh_entry.S built: drop the identity map (virtual 0
 * is unmapped from now on), add the frame window. Call first in PVH mode:
 * the translation above works from here on.
 */
void mm_pvh_init(void);

/* Unmap the direct map above nr_pages frames (rounded up to 2 MiB), so an
 * access past our memory faults in our trap handler. */
void mm_pvh_limit_direct_map(uint64_t nr_pages);

/* Map one guest-physical frame (e.g. the console ring Xen's special pages
 * hold near 4 GiB, outside the direct map) in the frame window, for good.
 * NULL when the window (512 frames) is full or the frame is impossible. */
void *mm_pvh_map_frame(pfn_t frame);

/* Put shared_info (XENMEM_add_to_physmap, XENMAPSPACE_shared_info) at the
 * frame of a page of ours and return that page, or NULL. */
void *mm_pvh_map_shared_info(void);

/* ---- both modes ---- */

/* The shared_info page mapped by mm_map_shared_info or
 * mm_pvh_map_shared_info, or NULL before that. */
shared_info_t *mm_shared_info(void);

/*
 * Walk our page tables for va as the CPU would. Returns the level of the
 * mapping (1 for a 4 KiB page, 2/3 for superpages) and its entry in *pte, or
 * 0 when va is not mapped (then *pte is the non-present entry met).
 * *writable is the AND of the RW bits along the walk.
 */
int mm_walk(uint64_t va, uint64_t *pte, bool *writable);

#endif
