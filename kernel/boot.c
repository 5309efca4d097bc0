/*
 * Common boot path of every domB kernel: validate start_info, console, traps,
 * events masked, direct map, page allocator, time; then the image's
 * domb_main() and kernel_exit() with its verdict. (The PVH entry takes the
 * same steps its own way: boot_pvh.c.)
 */
#include <arch/hypercall.h>
#include <arch/io.h>
#include <arch/mm.h>
#include <arch/traps.h>
#include <kernel/console.h>
#include <domb/errno.h>
#include <kernel/kernel.h>
#include <kernel/start_info.h>
#include <kernel/time.h>
#include "boot_common.h"

struct boot_info boot_info;
struct page_alloc kernel_pages;

extern char _image_end[];
void kernel_start(start_info_t *si);

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* First pseudo-physical frame after everything the domain builder placed:
 * image, module, p2m, start_info, page tables and the one-page boot stack. */
static uint64_t boot_area_end_pfn(const start_info_t *si)
{
    uint64_t end = pfn_x(virt_to_pfn(_image_end));

    end = max_u64(end, pfn_x(virt_to_pfn((void *)si)) + 1);
    end = max_u64(end, pfn_x(virt_to_pfn((void *)si->pt_base)) + si->nr_pt_frames);
    end =
        max_u64(end, pfn_x(virt_to_pfn((void *)(si->mfn_list + si->nr_pages * 8 + PAGE_SIZE - 1))));
    if (si->mod_len) {
        if (si->flags & SIF_MOD_START_PFN)
            end = max_u64(end, si->mod_start + (round_up_page(si->mod_len) >> PAGE_SHIFT));
        else
            end = max_u64(
                end, pfn_x(virt_to_pfn((void *)(si->mod_start + si->mod_len + PAGE_SIZE - 1))));
    }
    if (!(si->flags & SIF_INITDOMAIN)) {
        end = max_u64(end, pfn_x(mfn_to_pfn(_mfn(si->console.domU.mfn))) + 1);
        end = max_u64(end, pfn_x(mfn_to_pfn(_mfn(si->store_mfn))) + 1);
    }
    return end + 1; /* the boot stack page */
}

void kernel_fault(const struct trap_frame *f, const char *name, uint64_t cr2)
{
    printk("\n*** FAULT: vector %lu (%s) rip 0x%lx error 0x%lx cr2 0x%lx\n", f->vector, name,
           f->rip, f->error_code, cr2);
    printk("    rsp 0x%lx rflags 0x%lx cs 0x%lx ss 0x%lx\n", f->rsp, f->rflags, f->cs & 0xffff,
           f->ss & 0xffff);
    printk("    rax 0x%lx rbx 0x%lx rcx 0x%lx rdx 0x%lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    printk("    rsi 0x%lx rdi 0x%lx rbp 0x%lx r8 0x%lx\n", f->rsi, f->rdi, f->rbp, f->r8);
    kernel_exit(KERNEL_EXIT_CRASH);
}

static void allocator_init(uint64_t next_free, uint64_t mapped)
{
    uint64_t words = page_alloc_bitmap_words(mapped);
    uint64_t bitmap_pages = round_up_page(2 * words * sizeof(uint64_t)) >> PAGE_SHIFT;
    uint64_t *storage = pfn_to_virt(_pfn(next_free));

    page_alloc_init(&kernel_pages, storage, storage + words, mapped);
    next_free += bitmap_pages;
    boot_info.first_free_pfn = next_free;
    if (next_free < mapped)
        page_alloc_add_range(&kernel_pages, _pfn(next_free), mapped - next_free);
}

void kernel_start(start_info_t *si)
{
    struct domb_error err;
    bool dom0 = (si->flags & SIF_INITDOMAIN) != 0;
    uint64_t next_free;
    long mapped;

    boot_info.mode = BOOT_MODE_PV;
    boot_info.si = si;
    boot_info.is_dom0 = dom0;
    if (dom0)
        console_init(si, true);
    if (start_info_validate(si, KERNEL_VIRT_BASE, &err) != 0) {
        printk("domB: refusing to boot: %s\n", err.msg);
        hypercall_shutdown(SHUTDOWN_crash);
    }
    if (!dom0)
        console_init(si, false);

    boot_info.shared_info = mm_map_shared_info(si->shared_info);
    if (!boot_info.shared_info) {
        printk("domB: cannot map shared_info 0x%lx\n", si->shared_info);
        kernel_exit(KERNEL_EXIT_CRASH);
    }
    /* We poll event channels; never take upcalls. */
    boot_info.shared_info->vcpu_info[0].evtchn_upcall_mask = 1;
    traps_init(kernel_fault);
    time_init(boot_info.shared_info);
    /* Our first timestamp: the earliest point Xen's system time is readable
     * (it needs shared_info), a few microseconds after our first instruction. */
    boot_info.t0_ns = time_now_ns();

    boot_info.cmdline = (const char *)si->cmd_line;
    boot_info.nr_pages = si->nr_pages;
    if (si->mod_len) {
        boot_info.module = (si->flags & SIF_MOD_START_PFN) ? pfn_to_virt(_pfn(si->mod_start))
                                                           : (const uint8_t *)si->mod_start;
        boot_info.module_len = si->mod_len;
    }

    next_free = boot_area_end_pfn(si);
    mapped = mm_init(si, &next_free);
    if (mapped < 0) {
        printk("domB: cannot build the direct map: error %ld\n", mapped);
        kernel_exit(KERNEL_EXIT_CRASH);
    }
    allocator_init(next_free, (uint64_t)mapped);
    kernel_exit((enum kernel_exit)domb_main(&boot_info));
}

void *kernel_alloc_pages(uint64_t count)
{
    pfn_t p;

    if (page_alloc_alloc(&kernel_pages, count, &p) != 0)
        return NULL;
    return pfn_to_virt(p);
}

void kernel_free_pages(void *va, uint64_t count)
{
    if (page_alloc_free(&kernel_pages, virt_to_pfn(va), count) != 0)
        printk("domB: bad free of %lu pages at %p\n", count, va);
}

void kernel_reboot(void)
{
    console_flush();
    for (;;)
        hypercall_shutdown(SHUTDOWN_reboot);
}

void kernel_exit(enum kernel_exit verdict)
{
    char buf[16];
    uint64_t port;
    /* A failed test and a fault both end the domain as crashed: anything
     * but poweroff is abnormal (the "Test result" line says which). */
    unsigned int reason = verdict == KERNEL_EXIT_SUCCESS ? SHUTDOWN_poweroff : SHUTDOWN_crash;

    console_flush();
    if (boot_info.is_dom0 && boot_info.cmdline &&
        cmdline_get(boot_info.cmdline, "qemu_exit", buf, sizeof(buf)) && parse_u64(buf, &port) &&
        port <= 0xffff) {
        /* QEMU's isa-debug-exit: QEMU exits with status (verdict << 1) | 1.
         * A PV kernel needs a virtual IOPL of 1 for Xen to emulate the write. */
        struct physdev_set_iopl iopl = {.iopl = 1};

        hypercall_physdev_op(PHYSDEVOP_set_iopl, &iopl);
        outb((uint16_t)port, (uint8_t)verdict);
    }
    for (;;)
        hypercall_shutdown(reason);
}
