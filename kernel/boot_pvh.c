/* PVH boot of every domB kernel: the same image as PV, entered at pvh_start32 (HVM container). */
/*
 * Our own page tables, the hypercall page through Xen's CPUID leaves and
 * MSR, an IDT, the console ring from HVM params, hvm_start_info validated,
 * shared_info by add_to_physmap, time, the page allocator over the memory
 * map's RAM; then domb_main() and kernel_exit() exactly as in PV.
 */
#include <arch/cpu.h>
#include <arch/hypercall.h>
#include <arch/layout.h>
#include <arch/mm.h>
#include <arch/traps.h>
#include <domb/errno.h>
#include <kernel/console.h>
#include <kernel/kernel.h>
#include <kernel/pvh_info.h>
#include <kernel/time.h>
#include "boot_common.h"

extern char _image_end[];
void kernel_start_pvh(uint64_t si_paddr);

static struct boot_pvh pvh;

/* Without a hypercall page we cannot even shut down. Before our IDT is
 * loaded, ud2 triple-faults, which Xen logs and ends the domain for. */
__attribute__((noreturn)) static void die_without_xen(void)
{
    for (;;)
        asm volatile("ud2");
}

/* Xen fills our hypercall page once we write its physical address to the
 * MSR that CPUID leaf base + 2 names. */
static void hypercall_page_init(void)
{
    uint32_t r[4];

    pvh.cpuid_base = pvh_xen_cpuid_base(cpu_cpuid);
    if (pvh.cpuid_base == 0)
        die_without_xen();
    cpu_cpuid(pvh.cpuid_base + 2, r);
    cpu_wrmsr(r[1], pfn_x(virt_to_pfn(hypercall_page)) << PAGE_SHIFT);
}

/* A frame and port pair from HVM params; false if Xen has none. */
static bool hvm_frame_and_port(uint32_t pfn_param, uint32_t port_param, pfn_t *pfn,
                               evtchn_port_t *port)
{
    uint64_t f, p;

    if (hypercall_hvm_get_param(pfn_param, &f) || hypercall_hvm_get_param(port_param, &p) ||
        f == 0 || p == 0 || p > UINT32_MAX)
        return false;
    *pfn = _pfn(f);
    *port = (evtchn_port_t)p;
    return true;
}

/* The console ring Xen (or our builder) set up for us: without it nobody
 * would ever read a word from this domain, so stop at once. */
static void console_setup(void)
{
    void *ring;

    if (!hvm_frame_and_port(HVM_PARAM_CONSOLE_PFN, HVM_PARAM_CONSOLE_EVTCHN, &pvh.console_pfn,
                            &pvh.console_evtchn) ||
        (ring = mm_pvh_map_frame(pvh.console_pfn)) == NULL) {
        for (;;)
            hypercall_shutdown(SHUTDOWN_crash);
    }
    console_init_ring(ring, pvh.console_evtchn);
    /* The xenstore ring is optional: we only record where it is. */
    if (!hvm_frame_and_port(HVM_PARAM_STORE_PFN, HVM_PARAM_STORE_EVTCHN, &pvh.store_pfn,
                            &pvh.store_evtchn)) {
        pvh.store_pfn = _pfn(0);
        pvh.store_evtchn = 0;
    }
}

static void add_free_range(void *ctx, uint64_t start, uint64_t count)
{
    if (page_alloc_add_range(&kernel_pages, _pfn(start), count) != 0)
        printk("domB: RAM 0x%lx +%lu frames not given to the allocator\n", start, count);
}

/* The allocator covers [0, max_pfn); it gets every RAM frame above the boot
 * area except the console and xenstore rings and its own bitmaps, which go
 * in the first free run long enough for them. */
static void allocator_init_pvh(void)
{
    const struct pvh_boot *b = &pvh.start;
    uint64_t words = page_alloc_bitmap_words(b->max_pfn);
    uint64_t pages = round_up_page(2 * words * sizeof(uint64_t)) >> PAGE_SHIFT;
    struct pvh_range skip[3] = {
        {pfn_x(pvh.console_pfn), 1},
        {pfn_x(pvh.store_pfn), pfn_x(pvh.store_pfn) ? 1 : 0},
    };
    uint64_t storage_pfn, *storage;

    if (!pvh_boot_find_run(b, b->boot_end_pfn, skip, 2, pages, &storage_pfn)) {
        printk("domB: no %lu free frames for the page allocator's bitmaps\n", pages);
        kernel_exit(KERNEL_EXIT_CRASH);
    }
    storage = pfn_to_virt(_pfn(storage_pfn));
    page_alloc_init(&kernel_pages, storage, storage + words, b->max_pfn);
    skip[2] = (struct pvh_range){storage_pfn, pages};
    pvh_boot_free_ranges(b, b->boot_end_pfn, skip, ARRAY_SIZE(skip), add_free_range, NULL);
    boot_info.first_free_pfn = b->boot_end_pfn;
}

void kernel_start_pvh(uint64_t si_paddr)
{
    uint64_t image_end = pfn_x(virt_to_pfn(_image_end)) << PAGE_SHIFT;
    struct domb_error err;

    mm_pvh_init();
    hypercall_page_init();
    traps_init_native(kernel_fault);
    console_setup();

    boot_info.mode = BOOT_MODE_PVH;
    boot_info.pvh = &pvh;
    if (pvh_boot_parse(si_paddr, (const uint8_t *)KERNEL_VIRT_BASE, PVH_DIRECT_MAP_BYTES, image_end,
                       &pvh.start, &err) != 0) {
        printk("domB: refusing to boot: %s\n", err.msg);
        kernel_exit(KERNEL_EXIT_CRASH);
    }
    if (pvh.start.si->flags & SIF_INITDOMAIN) {
        printk("domB: refusing to boot: a PVH dom0 is not supported (boot db-boot as PV)\n");
        kernel_exit(KERNEL_EXIT_CRASH);
    }

    boot_info.shared_info = mm_pvh_map_shared_info();
    if (!boot_info.shared_info) {
        printk("domB: cannot map shared_info (XENMEM_add_to_physmap)\n");
        kernel_exit(KERNEL_EXIT_CRASH);
    }
    /* We poll event channels; never take upcalls (none is configured:
     * no HVM_PARAM_CALLBACK_IRQ, and interrupts stay off). */
    boot_info.shared_info->vcpu_info[0].evtchn_upcall_mask = 1;
    time_init(boot_info.shared_info);
    boot_info.t0_ns = time_now_ns();

    boot_info.cmdline = pvh.start.cmdline;
    boot_info.nr_pages = pvh.start.ram_pages;
    boot_info.module = pvh.start.module;
    boot_info.module_len = pvh.start.module_len;

    mm_pvh_limit_direct_map(pvh.start.max_pfn);
    allocator_init_pvh();
    kernel_exit((enum kernel_exit)domb_main(&boot_info));
}
