/*
 * State the three parts of arch mm share (private to arch/x86_64): mm.c
 * (both modes), mm_pv.c (PV only), mm_pvh.c (PVH only).
 */
#ifndef ARCH_MM_INTERNAL_H
#define ARCH_MM_INTERNAL_H

#include <arch/mm.h>

/* PV: our start_info p2m. Unused once mm_translated is set. */
extern xen_pfn_t *mm_p2m;
extern uint64_t mm_p2m_pages;
/* PVH: frame numbers are guest-physical; there is no p2m and no m2p. */
extern bool mm_translated;
/* The root (L4) of the page tables we run on. */
extern uint64_t *mm_l4_table;
/* A page of .bss whose frame or virtual address becomes shared_info. */
extern uint8_t mm_shared_info_page[PAGE_SIZE];
extern bool mm_shared_info_mapped;

static inline unsigned int mm_table_index(uint64_t va, int level)
{
    return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

/* The virtual address of a page table we own, from its entry in the parent. */
static inline uint64_t *mm_table_of(uint64_t entry)
{
    return mfn_to_virt(_mfn((entry & PTE_ADDR_MASK) >> PAGE_SHIFT));
}

#endif
