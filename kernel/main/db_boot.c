/*
 * db-boot: domB's first entry point. Booted by GRUB as Xen's dom0 with a CPIO
 * initramfs as its module.
 */
#include <arch/hypercall.h>
#include <arch/mm.h>
#include <domb/console.h>
#include <domb/evtchn.h>
#include <domb/kernel.h>
#include <domb/start_info.h>
#include <domb/time.h>
#include <domb/vm.h>
#include <domb/xenops_xen.h>
#include <initrd/bootset.h>

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

static struct bootset_vm boot_vms[MANIFEST_MAX_VMS];
static struct vm vms[MANIFEST_MAX_VMS];

/* Build (and in sequenced mode start) every VM of the boot set, in order.
 * A VM that fails is reported and skipped; the others go on. */
static unsigned int build_all(const struct bootset *set, bool relay)
{
    unsigned int failed = 0;

    for (uint32_t i = 0; i < set->nr_vms; i++) {
        const struct bootset_vm *b = &set->vms[i];
        struct vm *vm = &vms[i];

        if (b->status < 0) {
            /* The spec may have decoded (then we know the VM's name) even
             * though the VM cannot be built. */
            vm_fail(vm, b->config.name[0] ? b->config.name : b->spec_name, &b->error);
            vm->memory_mib = b->config.memory_mib;
        } else {
            vm_build(vm, &b->config, b->kernel, b->kernel_size, b->ramdisk, b->ramdisk_size, relay);
        }
        if (vm->state == VM_FAILED) {
            printk("db: vm '%s' FAILED: %s\n", vm->name, vm->error.msg);
            failed++;
            continue;
        }
        printk("db: vm '%s' built: domid %u, %u MiB, %lu us, %u hypercalls\n", vm->name, vm->domid,
               vm->memory_mib, vm->build_ns / 1000, vm->hypercalls);
        if (set->manifest.mode == MANIFEST_MODE_SEQUENCED && vm_unpause(vm) != 0) {
            printk("db: vm '%s' FAILED to start: %s\n", vm->name, vm->error.msg);
            failed++;
        }
    }
    if (set->manifest.mode == MANIFEST_MODE_STARTALL) {
        for (uint32_t i = 0; i < set->nr_vms; i++) {
            if (vms[i].state == VM_BUILT && vm_unpause(&vms[i]) != 0) {
                printk("db: vm '%s' FAILED to start: %s\n", vms[i].name, vms[i].error.msg);
                failed++;
            }
        }
    }
    return failed;
}

/* Relay consoles and watch for guests that stop (VIRQ_DOM_EXC) until every
 * guest has stopped, or forever when `forever`. */
static void supervise(unsigned int n, evtchn_port_t virq_port, bool forever)
{
    static evtchn_port_t ports[1 + MANIFEST_MAX_VMS];

    for (;;) {
        unsigned int nports = 0, running = 0;

        ports[nports++] = virq_port;
        for (unsigned int i = 0; i < n; i++) {
            if (vms[i].state != VM_RUNNING)
                continue;
            running++;
            if (vms[i].relay)
                ports[nports++] = vms[i].console.port;
        }
        if (running == 0 && !forever)
            return;
        evtchn_poll(ports, nports, 1000000000ULL);
        bool dom_exc = evtchn_test_and_clear(virq_port);
        for (unsigned int i = 0; i < n; i++) {
            struct vm *vm = &vms[i];

            if (vm->state != VM_RUNNING)
                continue;
            if (vm->relay && evtchn_test_and_clear(vm->console.port))
                relay_drain(&vm->console);
            if (dom_exc && vm_poll_exit(vm) && vm->on_exit != VM_ON_EXIT_PRESERVE)
                vm_destroy(vm);
        }
    }
}

int domb_main(const struct boot_info *bi)
{
    static struct bootset set;
    struct domb_error err;
    evtchn_port_t virq_port;
    unsigned int failed, crashed = 0;
    uint64_t t0 = time_now_ns(), t_built;
    bool relay, wait;

    printk("\ndomB db-boot 0.1: Xen domain builder (dom0=%s)\n", bi->is_dom0 ? "yes" : "no");
    print_start_info(bi->si);
    printk("direct map: %lu pages, first free pfn 0x%lx\n", kernel_pages.nr_pages,
           bi->first_free_pfn);
    if (!allocator_self_check())
        return KERNEL_EXIT_FAILURE;
    printk("initramfs: %lu bytes at %p\n", bi->module_len, (const void *)bi->module);
    if (xenops_xen_check(&err) != 0) {
        printk("db: cannot build domains: %s\n", err.msg);
        return KERNEL_EXIT_FAILURE;
    }
    if (!bi->module) {
        printk("db: no initramfs: nothing to build\n");
        return KERNEL_EXIT_FAILURE;
    }
    if (bootset_load(bi->module, bi->module_len, &set, boot_vms, MANIFEST_MAX_VMS, &err) != 0) {
        printk("db: initramfs: %s\n", err.msg);
        return KERNEL_EXIT_FAILURE;
    }
    relay = (set.manifest.flags & MANIFEST_FLAG_CONSOLE_RELAY) != 0;
    wait = set.manifest.when_done != MANIFEST_DONE_SHUTDOWN;
    printk("db: boot set: %u VMs, mode %s, console relay %s, when done: %s\n", set.nr_vms,
           manifest_mode_name(set.manifest.mode), relay ? "on" : "off",
           manifest_when_done_name(set.manifest.when_done));
    if (evtchn_bind_virq(VIRQ_DOM_EXC, &virq_port) != 0) {
        printk("db: cannot bind VIRQ_DOM_EXC\n");
        return KERNEL_EXIT_FAILURE;
    }

    failed = build_all(&set, relay);
    t_built = time_now_ns();
    printk("db: %u of %u VMs started in %lu.%03lu ms (since db-boot start)\n", set.nr_vms - failed,
           set.nr_vms, (t_built - t0) / 1000000, (t_built - t0) / 1000 % 1000);
    if (wait)
        supervise(set.nr_vms, virq_port, set.manifest.when_done == MANIFEST_DONE_STAY);
    vm_print_summary(vms, set.nr_vms);
    for (uint32_t i = 0; i < set.nr_vms; i++)
        if ((vms[i].state == VM_STOPPED || vms[i].state == VM_DESTROYED) &&
            vms[i].shutdown_reason != SHUTDOWN_poweroff)
            crashed++;
    printk("db-boot: done: %u built, %u failed, %u exited abnormally; %lu hypercalls in all\n",
           set.nr_vms - failed, failed, crashed, hypercall_total());
    return failed == 0 && crashed == 0 ? KERNEL_EXIT_SUCCESS : KERNEL_EXIT_FAILURE;
}
