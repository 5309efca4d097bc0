/*
 * The guest-physical layout of a PVH guest (an HVM container booted through
 * XEN_ELFNOTE_PHYS32_ENTRY), as Xen 4.17's toolstack lays it out:
 *
 *   [0, lowmem_end)               RAM: kernel at its p_paddr, then ramdisk,
 *                                 hvm_start_info, command-line page
 *   [PVH_HOLE_START, 4 GiB)       the hole libxl keeps below 4 GiB for a
 *                                 PVH guest without device model (libxl_dom.c:
 *                                 min(special pages, LAPIC, ACPI_INFO)):
 *     PVH_ACPI_BASE               ACPI tables (RSDP first), E820 ACPI
 *     PVH_LAPIC_BASE              the emulated local APIC (not memory)
 *     PVH_SPECIAL_GFN..           X86_HVM_NR_SPECIAL_PAGES special pages
 *                                 (console, xenstore, ...; xg_dom_x86.c),
 *                                 E820 reserved
 *   [4 GiB, 4 GiB + the rest)     RAM above the hole, if any
 *
 * Constants from Xen's tools (tools/include/xenguest.h,
 * tools/libs/light/libxl_arch.h, tools/libs/guest/xg_dom_x86.c).
 */
#ifndef BUILDER_PVH_H
#define BUILDER_PVH_H

#include <domb/types.h>

/* xenguest.h: the special pages end at this gfn, 8 of them below it. */
#define PVH_END_SPECIAL_REGION 0xff000ULL
#define PVH_NR_SPECIAL_PAGES   8u
#define PVH_SPECIAL_GFN        (PVH_END_SPECIAL_REGION - PVH_NR_SPECIAL_PAGES)

/* xg_dom_x86.c: which special page is what (special_pfn(x)). */
#define PVH_SPECIALPAGE_PAGING   0
#define PVH_SPECIALPAGE_ACCESS   1
#define PVH_SPECIALPAGE_SHARING  2
#define PVH_SPECIALPAGE_BUFIOREQ 3
#define PVH_SPECIALPAGE_XENSTORE 4
#define PVH_SPECIALPAGE_IOREQ    5
#define PVH_SPECIALPAGE_IDENT_PT 6
#define PVH_SPECIALPAGE_CONSOLE  7

/* libxl_arch.h */
#define PVH_LAPIC_BASE 0xfee00000ULL
#define PVH_ACPI_BASE  0xfc000000ULL

/* The start of the hole below 4 GiB: nothing but ACPI tables, the LAPIC and
 * the special pages live in [PVH_HOLE_START, 4 GiB). */
#define PVH_HOLE_START PVH_ACPI_BASE
#define PVH_4G         (1ULL << 32)

/* HVM guests have at most this many vCPUs (Xen's HVM_MAX_VCPUS). */
#define PVH_MAX_VCPUS 128u

/* Xen's vLAPIC gives vCPU n the APIC ID 2n (libxl's acpi_lapic_id). */
static inline uint32_t pvh_apic_id(unsigned int vcpu)
{
    return vcpu * 2;
}

#endif
