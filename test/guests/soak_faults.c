/*
 * soak-faults: a dom0 test kernel for fault injection under real Xen
 * (docs/reliability.md). Booted like db-boot with a boot set, it builds each
 * VM of the set over and over with the seam's Nth call failing (N = 1, 2,
 * ... until a build gets through), and after every attempt proves that
 * nothing was left behind: no domain but dom0 (getdomaininfo), Xen's free
 * pages back to the value before the first attempt (XEN_SYSCTL_physinfo,
 * polled for a bounded time: Xen frees a dead domain's last pages after an
 * RCU grace period), and our allocator's free pages back too. One line per
 * attempt, then "Test result: ...".
 *
 * The failures come from the fault-injection wrapper over the real seam
 * (builder/xenops_fault.h), the same wrapper and rules as the unit tests'
 * sweep against test/sim.
 *
 * Command line: faults.max=K (attempts per VM, default 2000).
 */
#include <builder/xenops_fault.h>
#include <dom0/vm.h>
#include <domb/errno.h>
#include <initrd/bootset.h>
#include <kernel/console.h>
#include <kernel/evtchn.h>
#include <kernel/kernel.h>
#include <kernel/time.h>
#include <xenops/xenops_xen.h>

#define SETTLE_NS (3ULL * 1000000000ULL)

static struct bootset_vm boot_vms[MANIFEST_MAX_VMS];
static struct bootset set;
static struct vm vm;
static struct xenops_fault faults;

/* The lowest domain id above 0 that Xen still knows, or 0 if none. */
static domid_t other_domain(void)
{
    struct xen_domctl d = {.cmd = XEN_DOMCTL_getdomaininfo, .domain = 1};

    if (xenops_xen.domctl(xenops_xen.ctx, &d) != 0)
        return 0;
    return d.u.getdomaininfo.domain;
}

/* Wait (bounded) until no other domain exists and Xen's free pages are
 * back to xen_before; say what is left otherwise. */
static bool nothing_left(uint64_t xen_before, uint64_t alloc_before, char *why, size_t size)
{
    uint64_t deadline = time_now_ns() + SETTLE_NS, xen_free = 0;
    struct page_alloc_stats st;
    domid_t left;

    for (;;) {
        left = other_domain();
        xenops_physinfo(&xenops_xen, &xen_free, NULL);
        if ((left == 0 && xen_free == xen_before) || time_now_ns() > deadline)
            break;
        evtchn_poll(NULL, 0, 5000000ULL);
    }
    page_alloc_stats(&kernel_pages, &st);
    if (left == 0 && xen_free == xen_before && st.free == alloc_before)
        return true;
    domb_snprintf(why, size,
                  "domain %u left, Xen free pages %lu (before %lu), builder free %lu "
                  "(before %lu)",
                  left, xen_free, xen_before, st.free, alloc_before);
    return false;
}

/* Sweep one VM; returns the number of leaking attempts (0 is a pass). */
static unsigned int sweep(const struct bootset_vm *b, uint64_t max, unsigned long *attempts)
{
    struct vm_build_opts opts = {
        .xen = &faults.ops, .relay = false, .channel = false, .store = NULL};
    struct page_alloc_stats st;
    uint64_t xen_before = 0;
    unsigned int leaks = 0;
    char why[160];

    xenops_physinfo(&xenops_xen, &xen_before, NULL);
    page_alloc_stats(&kernel_pages, &st);
    for (uint64_t n = 1; n <= max; n++) {
        unsigned long calls;
        bool fired, clean;
        int rc;

        xenops_fault_arm(&faults, n, -XEN_ENOMEM);
        rc = vm_build(&vm, &b->config, b->kernel, b->kernel_size, b->ramdisk, b->ramdisk_size,
                      &opts);
        fired = xenops_fault_fired(&faults, &calls);
        xenops_fault_arm(&faults, 0, 0);
        (*attempts)++;
        if (rc == 0)
            vm_destroy(&vm);
        clean = nothing_left(xen_before, st.free, why, sizeof(why));
        if (!clean)
            leaks++;
        if (rc == 0) {
            printk("faults: %s fail_at=%lu: built%s after %lu seam calls; destroyed; %s%s\n",
                   b->config.name, n, fired ? " (injected error absorbed)" : "", calls,
                   clean ? "nothing left" : "LEAK: ", clean ? "" : why);
            if (!fired) {
                printk("faults: %s: %lu failure points, every one cleaned up%s\n", b->config.name,
                       n - 1, leaks ? " EXCEPT the LEAKs above" : "");
                return leaks;
            }
            continue;
        }
        printk("faults: %s fail_at=%lu: build failed (%s); %s%s\n", b->config.name, n, vm.error.msg,
               clean ? "nothing left" : "LEAK: ", clean ? "" : why);
        if (!fired) {
            printk("faults: %s failed without an injected error\n", b->config.name);
            return leaks + 1;
        }
    }
    printk("faults: %s: still failing after %lu attempts\n", b->config.name, max);
    return leaks + 1;
}

int domb_main(const struct boot_info *bi)
{
    struct domb_error err;
    uint64_t max = 2000, t0 = time_now_ns();
    unsigned long attempts = 0;
    unsigned int bad = 0;
    char arg[24];

    printk("soak-faults: builds with the seam's Nth call failing, N = 1, 2, ...\n");
    xenops_fault_init(&faults, &xenops_xen);
    if (cmdline_get(bi->cmdline, "faults.max", arg, sizeof(arg)))
        parse_u64(arg, &max);
    if (xenops_xen_check(false, &err) != 0 || !bi->module ||
        bootset_load(bi->module, bi->module_len, &set, boot_vms, MANIFEST_MAX_VMS, &err) != 0) {
        printk("Test result: ERROR (%s)\n", bi->module ? err.msg : "no boot set");
        return KERNEL_EXIT_FAILURE;
    }
    for (uint32_t i = 0; i < set.nr_vms; i++) {
        if (set.vms[i].status < 0) {
            printk("faults: %s: %s\n", set.vms[i].spec_name, set.vms[i].error.msg);
            bad++;
            continue;
        }
        bad += sweep(&set.vms[i], max, &attempts);
    }
    printk("soak-faults: %u VMs, %lu builds in %lu ms\n", set.nr_vms, attempts,
           (time_now_ns() - t0) / 1000000);
    if (bad || set.nr_vms == 0) {
        printk("Test result: FAILURE (%u problems)\n", bad);
        return KERNEL_EXIT_FAILURE;
    }
    printk("Test result: SUCCESS (%lu failed builds, nothing left behind)\n",
           attempts - set.nr_vms);
    return KERNEL_EXIT_SUCCESS;
}
