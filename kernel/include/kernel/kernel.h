/*
 * The kernel's view of its own boot, shared by every image (db-boot,
 * db-server, test guests). kernel_start() (kernel/boot.c, PV) validates
 * start_info, sets up the console, traps, direct map and page allocator,
 * then calls the image's domb_main(). kernel_start_pvh() (kernel/boot_pvh.c)
 * does the same for the PVH entry from hvm_start_info and HVM params.
 */
#ifndef DOMB_KERNEL_H
#define DOMB_KERNEL_H

#include <domb/cmdline.h>
#include <kernel/page_alloc.h>
#include <kernel/pvh_info.h>
#include <domb/types.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

enum boot_mode {
    BOOT_MODE_PV,  /* entered at _start with start_info (Xen's dom0, our PV domUs) */
    BOOT_MODE_PVH, /* entered at pvh_start32 with hvm_start_info (an HVM container) */
};

/* PVH: the validated start info and what Xen's HVM params told us. */
struct boot_pvh {
    struct pvh_boot start;
    pfn_t console_pfn, store_pfn; /* HVM_PARAM_{CONSOLE,STORE}_PFN (store: 0 if none) */
    evtchn_port_t console_evtchn, store_evtchn;
    uint32_t cpuid_base; /* Xen's CPUID leaves */
};

struct boot_info {
    enum boot_mode mode;
    const struct boot_pvh *pvh; /* PVH only (NULL in PV) */
    start_info_t *si;           /* PV: validated (NULL in PVH) */
    shared_info_t *shared_info; /* mapped */
    bool is_dom0;               /* SIF_INITDOMAIN (never in PVH) */
    const char *cmdline;        /* NUL-terminated, from start_info / hvm_start_info */
    const uint8_t *module;      /* initramfs (start_info module / first PVH module), or NULL */
    uint64_t module_len;
    uint64_t nr_pages;       /* PV: start_info's; PVH: RAM pages in the memory map */
    uint64_t first_free_pfn; /* first frame after the boot area */
    uint64_t t0_ns;          /* Xen system time as kernel_start began (once time works) */
};

extern struct boot_info boot_info;
extern struct page_alloc kernel_pages;

/* Provided by each image: returns its verdict (KERNEL_EXIT_*). */
int domb_main(const struct boot_info *bi);

enum kernel_exit {
    KERNEL_EXIT_SUCCESS = 0,
    KERNEL_EXIT_FAILURE = 1,
    KERNEL_EXIT_CRASH = 2,
};

/*
 * Leave the kernel with a verdict. dom0 with "qemu_exit=PORT" on its command
 * line writes the verdict to QEMU's isa-debug-exit port (QEMU exits with
 * status verdict*2+1); then every image shuts its domain down: poweroff for
 * success, crash for a failure or a crash (our test guests' verdict
 * convention; see docs/guests.md).
 */
__attribute__((noreturn)) void kernel_exit(enum kernel_exit verdict);

/* Flush the console and shut the domain down with SHUTDOWN_reboot: what a
 * guest does when its toolstack asks it to reboot (control/shutdown =
 * "reboot"); the builder decides whether it is built again. */
__attribute__((noreturn)) void kernel_reboot(void);

/* Pages of the kernel's own memory, mapped in the direct map. */
void *kernel_alloc_pages(uint64_t count);
void kernel_free_pages(void *va, uint64_t count);

#endif
