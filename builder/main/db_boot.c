/*
 * db-boot: domB's first entry point. Booted by GRUB as Xen's dom0 with a CPIO
 * initramfs as its module.
 */
#include "entry.h"

#include <arch/mm.h>
#include <dom0/platform.h>
#include <dom0/shell.h>
#include <domb/cmdline.h>
#include <kernel/console.h>
#include <kernel/kernel.h>
#include <kernel/start_info.h>
#include <kernel/time.h>
#include <xenops/xenops_xen.h>

static void print_start_info(const start_info_t *si)
{
    char flags[96];

    start_info_flags_string(si->flags, flags, sizeof(flags));
    printk("start_info: magic \"%.32s\"\n", si->magic);
    printk("  nr_pages %lu (%lu MiB), shared_info 0x%lx, flags %s\n", si->nr_pages,
           si->nr_pages >> 8, si->shared_info, flags);
    printk("  pt_base 0x%lx nr_pt_frames %lu mfn_list 0x%lx\n", si->pt_base, si->nr_pt_frames,
           si->mfn_list);
    printk("  mod_start 0x%lx mod_len %lu\n", si->mod_start, si->mod_len);
    printk("  cmd_line \"%s\"\n", (const char *)si->cmd_line);
}

/* Allocate, write, check and free pages to prove the allocator and the
 * direct map agree; returns false (and says why) on any mismatch. */
static bool allocator_self_check(void)
{
    struct page_alloc_stats before, during, after;
    enum { SINGLES = 64, RUN = 256 };
    uint64_t *pages[SINGLES];
    uint64_t *run;
    bool ok = true;

    page_alloc_stats(&kernel_pages, &before);
    for (int i = 0; i < SINGLES; i++) {
        pages[i] = kernel_alloc_pages(1);
        if (!pages[i]) {
            printk("allocator: single page %d failed\n", i);
            return false;
        }
        for (size_t w = 0; w < PAGE_SIZE / 8; w++)
            pages[i][w] = (uint64_t)i << 32 | w;
    }
    run = kernel_alloc_pages(RUN);
    if (!run) {
        printk("allocator: run of %d pages failed\n", RUN);
        return false;
    }
    for (size_t w = 0; w < RUN * PAGE_SIZE / 8; w++)
        run[w] = ~w;
    /* Every frame of the run must be machine-backed and distinct. */
    for (int i = 1; i < RUN; i++)
        if (mfn_x(virt_to_mfn((uint8_t *)run + i * PAGE_SIZE)) ==
            mfn_x(virt_to_mfn((uint8_t *)run + (i - 1) * PAGE_SIZE)))
            ok = false;
    page_alloc_stats(&kernel_pages, &during);
    for (int i = 0; i < SINGLES; i++)
        for (size_t w = 0; w < PAGE_SIZE / 8; w++)
            if (pages[i][w] != ((uint64_t)i << 32 | w))
                ok = false;
    for (size_t w = 0; w < RUN * PAGE_SIZE / 8; w++)
        if (run[w] != ~w)
            ok = false;
    for (int i = 0; i < SINGLES; i++)
        kernel_free_pages(pages[i], 1);
    kernel_free_pages(run, RUN);
    /* A double free must be refused and counted. */
    if (page_alloc_free(&kernel_pages, virt_to_pfn(run), 1) == 0)
        ok = false;
    page_alloc_stats(&kernel_pages, &after);
    if (during.used != before.used + SINGLES + RUN || after.free != before.free ||
        after.bad_frees != before.bad_frees + 1)
        ok = false;
    printk("allocator: total %lu free %lu high-water %lu pages; self-check %s\n", after.total,
           after.free, after.high_water, ok ? "passed" : "FAILED");
    return ok;
}

/*
 * Once the boot set is built (issue 15): give back to Xen the initramfs
 * pages of images nothing will build from again (the VMs that cannot
 * restart; docs/builder.md, "Memory"), unless "domb.keep_images=1" keeps
 * them for the operator shell's `create`. Returns the pages given back.
 */
static uint64_t give_back_images(struct platform *p, const struct boot_info *bi)
{
    struct platform_given_back g;
    char flag[4];

    if (bi->cmdline && cmdline_get(bi->cmdline, "domb.keep_images", flag, sizeof(flag)) &&
        flag[0] == '1') {
        printk("db-boot: keeping every image of the initramfs (domb.keep_images=1)\n");
        return 0;
    }
    if (platform_give_back_images(p, &g) != 0 || g.images == 0)
        return 0;
    printk("db-boot: gave %lu KiB of the initramfs back to Xen: %u image%s of %u VM%s that "
           "cannot restart (Xen's free memory %lu -> %lu KiB)\n",
           g.pages * 4, g.images, g.images == 1 ? "" : "s", g.vms, g.vms == 1 ? "" : "s",
           g.xen_free_before * 4, g.xen_free_after * 4);
    return g.pages;
}

/* dom0's memory once the boot set is built (issue 15): what db-boot holds
 * of what Xen gave it. The archive stays but for the pages given back: the
 * operator shell's `create` (and on_exit restarts) build from its images. */
static void print_footprint(const struct boot_info *bi, uint64_t given)
{
    struct page_alloc_stats st;
    uint64_t image = bi->module ? pfn_x(virt_to_pfn(bi->module)) : bi->first_free_pfn;
    uint64_t archive = (bi->module_len + PAGE_SIZE - 1) >> PAGE_SHIFT;

    page_alloc_stats(&kernel_pages, &st);
    printk("db-boot: dom0 memory after boot: %lu of %lu KiB in use: image and BSS %lu KiB, "
           "initramfs %lu KiB, boot tables %lu KiB, allocated %lu KiB (at the most %lu KiB)\n",
           (bi->first_free_pfn + st.used - given) * 4, (bi->nr_pages - given) * 4, image * 4,
           (archive - given) * 4, (bi->first_free_pfn - image - archive) * 4, st.used * 4,
           st.high_water * 4);
}

static struct platform platform;
static struct shell shell;

int domb_main(const struct boot_info *bi)
{
    struct platform *p = &platform;

    p->t0 = time_now_ns();
    p->xen = &xenops_xen;
    printk("\ndomB db-boot 0.1: Xen domain builder (dom0=%s)\n", bi->is_dom0 ? "yes" : "no");
    print_start_info(bi->si);
    printk("direct map: %lu pages, first free pfn 0x%lx\n", kernel_pages.nr_pages,
           bi->first_free_pfn);
    if (!allocator_self_check())
        return KERNEL_EXIT_FAILURE;
    printk("initramfs: %lu bytes at %p\n", bi->module_len, (const void *)bi->module);
    if (entry_boot(p, bi) != 0)
        return KERNEL_EXIT_FAILURE;
    print_footprint(bi, give_back_images(p, bi));
    platform_drop_build_rights(p);            /* under FLASK, when nothing can be built again */
    platform_isolation_check(p, bi->cmdline); /* domb.isolation_check= */
    shell_start(&shell, p, "db-boot", bi->cmdline); /* runs without it if it cannot */
    platform_run(p);
    return platform_report(p, "db-boot") && !p->isolation_wrong ? KERNEL_EXIT_SUCCESS
                                                                : KERNEL_EXIT_FAILURE;
}
