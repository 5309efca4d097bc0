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
 * mapping window lives there.
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_VIRT_BASE     0xffffffff80000000UL
#define DIRECT_MAP_MAX_PAGES (1UL << 18) /* 1 GiB: the direct map stays in L3 slot 510 */
#define FOREIGN_WINDOW_BASE  0xffffffffc0000000UL
#define FOREIGN_WINDOW_PAGES 4096UL /* 16 MiB, 8 preallocated L1 tables */
#define KERNEL_STACK_SIZE    (16 * 4096)

#endif
