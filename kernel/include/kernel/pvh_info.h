/*
 * What a PVH kernel is told at boot, checked before anything trusts it:
 * struct hvm_start_info (Xen's public/arch-x86/hvm/start_info.h) and what
 * it points to (memory map, modules, command line), the RAM the memory map
 * leaves free, and Xen's CPUID leaves (where the hypercall page MSR is).
 *
 * Pure: guest-physical memory is a buffer ([0, limit) at `phys`: in the
 * kernel, the direct map), so this is unit tested on the host unchanged.
 */
#ifndef DOMB_PVH_INFO_H
#define DOMB_PVH_INFO_H

#include <domb/error.h>
#include <domb/types.h>
#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>

#define PVH_MAX_MEMMAP  128  /* memory map entries we accept */
#define PVH_MAX_MODULES 16   /* modules we accept (the kernel uses the first) */
#define PVH_CMDLINE_MAX 4096 /* bytes of a command line, NUL included */

struct pvh_boot {
    const struct hvm_start_info *si;
    const struct hvm_memmap_table_entry *memmap;
    uint32_t memmap_entries;
    const struct hvm_modlist_entry *modules; /* NULL when there are none */
    uint32_t nr_modules;
    const char *cmdline;   /* never NULL: "" when the start info has none */
    const uint8_t *module; /* the first module's bytes, or NULL */
    uint64_t module_len;
    uint64_t ram_pages;    /* whole pages of RAM (type 1) in the memory map */
    uint64_t max_pfn;      /* end of the highest RAM below phys_limit */
    uint64_t boot_end_pfn; /* first frame after the image and every structure above */
};

/*
 * Validate the start info at guest-physical si_paddr and everything it
 * points to: magic XEN_HVM_START_MAGIC_VALUE, version >= 1 (a memory map is
 * required), only known SIF_* flags, reserved fields zero; the memory map
 * (1..PVH_MAX_MEMMAP entries, no empty or wrapping entry, RAM entries not
 * overlapping, some RAM below phys_limit); at most PVH_MAX_MODULES modules,
 * none empty; command lines NUL-terminated within PVH_CMDLINE_MAX. Every
 * structure must be 8-byte aligned where it holds 64-bit fields, lie inside
 * one RAM entry below phys_limit and at or above image_end (the kernel image
 * occupies [0, image_end)). On success fills *out, with pointers into phys.
 */
int pvh_boot_parse(uint64_t si_paddr, const uint8_t *phys, uint64_t phys_limit, uint64_t image_end,
                   struct pvh_boot *out, struct domb_error *err);

struct pvh_range {
    uint64_t start, count; /* frames */
};

/*
 * Call fn(ctx, start, count) for every run of whole RAM frames in
 * [from_pfn, b->max_pfn) that none of the `skip` ranges touches, in memory
 * map order. Each frame is given at most once (RAM entries do not overlap).
 */
void pvh_boot_free_ranges(const struct pvh_boot *b, uint64_t from_pfn, const struct pvh_range *skip,
                          unsigned int nskip, void (*fn)(void *ctx, uint64_t start, uint64_t count),
                          void *ctx);

/* The lowest free run (as above) of at least `pages` frames: its first
 * frame in *start, or false when there is none. */
bool pvh_boot_find_run(const struct pvh_boot *b, uint64_t from_pfn, const struct pvh_range *skip,
                       unsigned int nskip, uint64_t pages, uint64_t *start);

/*
 * Xen's CPUID leaves: the first base in 0x40000000..0x4000ff00 (step 0x100;
 * Xen moves up when it also offers Viridian) whose leaf has the signature
 * "XenVMMXenVMM" and at least two more leaves (base + 2 names the hypercall
 * page MSR in ebx). Returns the base, or 0 when we do not run on Xen.
 */
typedef void (*pvh_cpuid_fn)(uint32_t leaf, uint32_t regs[4]);
uint32_t pvh_xen_cpuid_base(pvh_cpuid_fn cpuid);

#endif
