/* PVH-only mm: our own writable page tables, a frame window, shared_info by add_to_physmap. */
#include <arch/cpu.h>
#include <arch/hypercall.h>
#include "mm_internal.h"

/* Non-leaf and leaf entries of our own tables (ring 0: no _PAGE_USER). */
#define PVH_TABLE (_PAGE_PRESENT | _PAGE_RW)
#define PVH_PAGE  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

/* Built by pvh_entry.S: L4 slots 0 and 511 -> pvh_l3; L3 slots 0 and 510
 * -> pvh_l2, 512 entries of 2 MiB for physical 0 .. 1 GiB. */
extern uint64_t pvh_l4[512], pvh_l3[512], pvh_l2[512];

/* The frame window: L3 slot 511 (where a PV kernel has its foreign window). */
static uint64_t window_l2[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t window_l1[512] __attribute__((aligned(PAGE_SIZE)));
static unsigned int window_next;

static uint64_t table_paddr(const void *table)
{
    return pfn_x(virt_to_pfn(table)) << PAGE_SHIFT;
}

static void flush_tlb(void)
{
    cpu_write_cr3(cpu_read_cr3());
}

void mm_pvh_init(void)
{
    mm_translated = true;
    mm_l4_table = pvh_l4;
    /* The identity map (L4 slot 0) and the alias the shared L3 gives it at
     * 0xffffff8000000000 (L4 511, L3 0): from now on physical address 0 is
     * not mapped at virtual 0, so a stray low pointer faults. */
    pvh_l4[0] = 0;
    pvh_l3[0] = 0;
    window_l2[0] = table_paddr(window_l1) | PVH_TABLE;
    pvh_l3[511] = table_paddr(window_l2) | PVH_TABLE;
    flush_tlb();
}

void mm_pvh_limit_direct_map(uint64_t nr_pages)
{
    for (uint64_t i = (nr_pages + 511) / 512; i < 512; i++)
        pvh_l2[i] = 0;
    flush_tlb();
}

void *mm_pvh_map_frame(pfn_t frame)
{
    void *va;

    if (window_next >= ARRAY_SIZE(window_l1) || (pfn_x(frame) >> (52 - PAGE_SHIFT)))
        return NULL;
    window_l1[window_next] = (pfn_x(frame) << PAGE_SHIFT) | PVH_PAGE;
    va = (void *)(PVH_WINDOW_BASE + ((uint64_t)window_next << PAGE_SHIFT));
    window_next++;
    cpu_invlpg(va);
    return va;
}

void *mm_pvh_map_shared_info(void)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = pfn_x(virt_to_pfn(mm_shared_info_page)),
    };

    if (hypercall_memory_op(XENMEM_add_to_physmap, &xatp))
        return NULL;
    mm_shared_info_mapped = true;
    return mm_shared_info_page;
}
