/*
 * The virtual memory map of domB's PV kernels (db-boot, db-server, guests).
 *
 * Images are linked at KERNEL_VIRT_BASE (the top 2 GiB, like Linux, so
 * -mcmodel=kernel works) with ELF paddr == vaddr and PADDR_OFFSET ==
 * VIRT_BASE, so Xen maps pseudo-physical frame p at KERNEL_VIRT_BASE + p*4K.
 * At boot the kernel extends that bootstrap mapping to all of its memory
 * (the direct map), so pfn_to_virt() works for every page it owns.
 *
 * The top 1 GiB (L3 slot 511) is left out of the direct map: the foreign
 * mapping window lives there (in PVH, the frame window).
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_VIRT_BASE     0xffffffff80000000UL
#define DIRECT_MAP_MAX_PAGES (1UL << 18) /* 1 GiB: the direct map stays in L3 slot 510 */
#define FOREIGN_WINDOW_BASE  0xffffffffc0000000UL
#define FOREIGN_WINDOW_PAGES 4096UL /* 16 MiB, 8 preallocated L1 tables */
#define KERNEL_STACK_SIZE    (16 * 4096)

/*
 * PVH (an HVM container): the same image, entered at pvh_start32
 * (XEN_ELFNOTE_PHYS32_ENTRY) in 32-bit protected mode at its physical
 * address. pvh_entry.S maps physical 0..PVH_DIRECT_MAP_BYTES with 2 MiB pages
 * both at 0 (until kernel_start_pvh drops it) and at KERNEL_VIRT_BASE, so the
 * direct map above holds in both modes. Our GDT's selectors:
 */
#define PVH_DIRECT_MAP_BYTES (1UL << 30)         /* DIRECT_MAP_MAX_PAGES pages, one L2 table */
#define PVH_WINDOW_BASE      FOREIGN_WINDOW_BASE /* frames outside the direct map */
#define PVH_CODE_SEL         0x08
#define PVH_DATA_SEL         0x10

#endif
