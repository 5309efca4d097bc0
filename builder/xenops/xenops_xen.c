/*
 * The seam (builder/xenops.h) on real Xen: hypercalls through the hypercall
 * page, foreign mappings in arch/x86_64's window, scratch pages from the
 * kernel's allocator, event channels polled through shared_info.
 */
#include <arch/hypercall.h>
#include <arch/mm.h>
#include <domb/errno.h>
#include <kernel/console.h>
#include <kernel/evtchn.h>
#include <kernel/kernel.h>
#include <kernel/time.h>
#include <xenops/xenops_xen.h>

static int xen_domctl(void *ctx, struct xen_domctl *op)
{
    if (op->cmd != XEN_DOMCTL_destroydomain)
        op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return hypercall_domctl(op);
}

static long xen_memory_op(void *ctx, unsigned int cmd, struct xen_memory_reservation *r)
{
    return hypercall_memory_op(cmd, r);
}

static int xen_mmu_update(void *ctx, const mmu_update_t *req, unsigned int count,
                          unsigned int *done, domid_t foreigndom)
{
    return hypercall_mmu_update(req, count, done, foreigndom);
}

static int xen_mmuext_op(void *ctx, const struct mmuext_op *op, unsigned int count,
                         unsigned int *done, domid_t foreigndom)
{
    return hypercall_mmuext_op(op, count, done, foreigndom);
}

static int xen_evtchn_alloc_unbound(void *ctx, evtchn_alloc_unbound_t *op)
{
    return hypercall_event_channel_op(EVTCHNOP_alloc_unbound, op);
}

static int xen_map_foreign(void *ctx, domid_t domid, const xen_pfn_t *mfns, unsigned int n,
                           void **va)
{
    return mm_map_foreign(domid, mfns, n, va);
}

static int xen_unmap_foreign(void *ctx, void *va, unsigned int n)
{
    return mm_unmap_foreign(va, n);
}

/*
 * Seed the guest's reserved grant entries (as libxenguest does): find its
 * first grant-table frame with GNTTABOP_setup_table (privileged callers may
 * name another domain), map it, write the v1 entries for the console and
 * xenstore pages, unmap.
 */
static int xen_seed_grant_table(void *ctx, domid_t domid, xen_pfn_t console_mfn,
                                xen_pfn_t store_mfn, domid_t backend_domid)
{
    xen_pfn_t frame = 0;
    struct gnttab_setup_table setup = {.dom = domid, .nr_frames = 1};
    grant_entry_v1_t *table;
    void *va;
    int rc;

    set_xen_guest_handle(setup.frame_list, &frame);
    rc = hypercall_grant_table_op(GNTTABOP_setup_table, &setup, 1);
    if (rc == 0 && setup.status != GNTST_okay)
        rc = -XEN_EINVAL;
    if (rc)
        return rc;
    rc = mm_map_foreign(domid, &frame, 1, &va);
    if (rc)
        return rc;
    table = va;
    table[GNTTAB_RESERVED_CONSOLE] = (grant_entry_v1_t){
        .flags = GTF_permit_access, .domid = backend_domid, .frame = (uint32_t)console_mfn};
    table[GNTTAB_RESERVED_XENSTORE] = (grant_entry_v1_t){
        .flags = GTF_permit_access, .domid = backend_domid, .frame = (uint32_t)store_mfn};
    return mm_unmap_foreign(va, 1);
}

/*
 * The same for an HVM/PVH guest (entries name gfns), as libxenguest's
 * compat_gnttab_hvm_seed: put the guest's grant frame 0 at scratch_gfn with
 * XENMEM_add_to_physmap, map that gfn (a foreign PTE names a gfn of a
 * translated guest), write, unmap, and XENMEM_remove_from_physmap. The frame
 * is taken out again even when mapping or unmapping failed.
 */
static int xen_seed_grant_table_hvm(void *ctx, domid_t domid, xen_pfn_t console_gfn,
                                    xen_pfn_t store_gfn, domid_t backend_domid,
                                    xen_pfn_t scratch_gfn)
{
    struct xen_add_to_physmap xatp = {
        .domid = domid, .space = XENMAPSPACE_grant_table, .idx = 0, .gpfn = scratch_gfn};
    struct xen_remove_from_physmap xrfp = {.domid = domid, .gpfn = scratch_gfn};
    xen_pfn_t frame = scratch_gfn;
    grant_entry_v1_t *table;
    void *va;
    int rc, rc2;

    rc = hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
    if (rc)
        return rc;
    rc = mm_map_foreign(domid, &frame, 1, &va);
    if (rc == 0) {
        table = va;
        table[GNTTAB_RESERVED_CONSOLE] = (grant_entry_v1_t){
            .flags = GTF_permit_access, .domid = backend_domid, .frame = (uint32_t)console_gfn};
        table[GNTTAB_RESERVED_XENSTORE] = (grant_entry_v1_t){
            .flags = GTF_permit_access, .domid = backend_domid, .frame = (uint32_t)store_gfn};
        rc = mm_unmap_foreign(va, 1);
    }
    rc2 = hypercall_memory_op(XENMEM_remove_from_physmap, &xrfp);
    return rc ? rc : rc2;
}

/* HVMOP_set_param / get_param: one hvm_op, or one multicall of n. */
static int xen_hvm_param(void *ctx, unsigned int op, xen_hvm_param_t *params, unsigned int n,
                         unsigned int *done)
{
    multicall_entry_t calls[XENOPS_HVM_PARAM_BATCH_MAX];
    int rc;

    if (done)
        *done = 0;
    if (n == 0 || n > XENOPS_HVM_PARAM_BATCH_MAX)
        return -XEN_EINVAL;
    if (n == 1) {
        rc = hypercall_hvm_op(op, &params[0]);
        if (rc == 0 && done)
            *done = 1;
        return rc;
    }
    for (unsigned int i = 0; i < n; i++)
        calls[i] =
            (multicall_entry_t){.op = __HYPERVISOR_hvm_op, .args = {op, (unsigned long)&params[i]}};
    rc = hypercall_multicall(calls, n);
    if (rc)
        return rc;
    for (unsigned int i = 0; i < n; i++) {
        if ((long)calls[i].result < 0)
            return (int)(long)calls[i].result;
        if (done)
            *done = i + 1;
    }
    return 0;
}

static int xen_set_memory_map(void *ctx, struct xen_foreign_memory_map *map)
{
    return hypercall_memory_op(XENMEM_set_memory_map, map);
}

/* The allocator's pages in use at the most since the last reset (issue 15:
 * the high-water of one build). */
static uint64_t scratch_peak;

static uint64_t scratch_used(void)
{
    struct page_alloc_stats st;

    page_alloc_stats(&kernel_pages, &st);
    return st.used;
}

static int xen_alloc_pages(void *ctx, unsigned int n, void **va)
{
    uint64_t used;

    *va = kernel_alloc_pages(n);
    if (!*va)
        return -XEN_ENOMEM;
    if ((used = scratch_used()) > scratch_peak)
        scratch_peak = used;
    return 0;
}

static uint64_t xen_scratch_peak_pages(void *ctx, bool reset)
{
    if (reset)
        scratch_peak = scratch_used();
    return scratch_peak;
}

static void xen_free_pages(void *ctx, void *va, unsigned int n)
{
    kernel_free_pages(va, n);
}

static uint64_t xen_now_ns(void *ctx)
{
    return time_now_ns();
}

static int xen_evtchn_bind_interdomain(void *ctx, domid_t remote_dom, evtchn_port_t remote_port,
                                       evtchn_port_t *local_port)
{
    return evtchn_bind_interdomain(remote_dom, remote_port, local_port);
}

static int xen_evtchn_bind_virq(void *ctx, uint32_t virq, evtchn_port_t *port)
{
    return evtchn_bind_virq(virq, port);
}

static int xen_evtchn_close(void *ctx, evtchn_port_t port)
{
    return evtchn_close(port);
}

static int xen_evtchn_notify(void *ctx, evtchn_port_t port)
{
    return evtchn_notify(port);
}

static bool xen_evtchn_pending(void *ctx, evtchn_port_t port)
{
    return evtchn_test_and_clear(port);
}

static int xen_evtchn_poll(void *ctx, const evtchn_port_t *ports, unsigned int n,
                           uint64_t timeout_ns)
{
    return evtchn_poll(ports, n, timeout_ns);
}

static void xen_yield(void *ctx)
{
    hypercall_yield();
}

static int xen_sysctl(void *ctx, struct xen_sysctl *op)
{
    op->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return hypercall_sysctl(op);
}

static uint64_t xen_scratch_free_pages(void *ctx)
{
    struct page_alloc_stats st;

    page_alloc_stats(&kernel_pages, &st);
    return st.free;
}

static long xen_give_back(void *ctx, void *va, uint64_t n)
{
    return mm_give_back(va, n);
}

static unsigned long xen_hypercalls(void *ctx)
{
    return hypercall_total();
}

/* dom0 reads the serial line (CONSOLEIO_read), an ordinary domain its own
 * PV console ring (kernel/console.c picks). */
static int xen_console_read(void *ctx, char *buf, unsigned int n)
{
    return console_read(buf, n);
}

static evtchn_port_t xen_console_input_port(void *ctx)
{
    return console_evtchn();
}

static int xen_xen_version(void *ctx, int cmd, void *arg)
{
    return hypercall_xen_version(cmd, arg);
}

static int xen_xsm_op(void *ctx, struct xen_flask_op *op)
{
    op->interface_version = XEN_FLASK_INTERFACE_VERSION;
    return hypercall_xsm_op(op);
}

const struct xenops xenops_xen = {
    .ctx = NULL,
    .domctl = xen_domctl,
    .memory_op = xen_memory_op,
    .mmu_update = xen_mmu_update,
    .mmuext_op = xen_mmuext_op,
    .evtchn_alloc_unbound = xen_evtchn_alloc_unbound,
    .seed_grant_table = xen_seed_grant_table,
    .seed_grant_table_hvm = xen_seed_grant_table_hvm,
    .hvm_param = xen_hvm_param,
    .set_memory_map = xen_set_memory_map,
    .map_foreign = xen_map_foreign,
    .unmap_foreign = xen_unmap_foreign,
    .alloc_pages = xen_alloc_pages,
    .free_pages = xen_free_pages,
    .now_ns = xen_now_ns,
    .evtchn_bind_interdomain = xen_evtchn_bind_interdomain,
    .evtchn_bind_virq = xen_evtchn_bind_virq,
    .evtchn_close = xen_evtchn_close,
    .evtchn_notify = xen_evtchn_notify,
    .evtchn_pending = xen_evtchn_pending,
    .evtchn_poll = xen_evtchn_poll,
    .yield = xen_yield,
    .sysctl = xen_sysctl,
    .scratch_free_pages = xen_scratch_free_pages,
    .give_back = xen_give_back,
    .hypercalls = xen_hypercalls,
    .console_read = xen_console_read,
    .console_input_port = xen_console_input_port,
    .xen_version = xen_xen_version,
    .scratch_peak_pages = xen_scratch_peak_pages,
    .xsm_op = xen_xsm_op,
};

int xenops_xen_check(bool domu, struct domb_error *err)
{
    struct xen_domctl d = {.cmd = XEN_DOMCTL_getdomaininfo, .domain = 0};
    int rc;

    if (domu) {
        rc = xenops_physinfo(&xenops_xen, NULL, NULL);
        if (rc == -XEN_EACCES)
            return domb_error_set(err, rc,
                                  "Xen refused sysctl interface version 0x%x, or this domain's "
                                  "XSM label does not allow physinfo",
                                  XEN_SYSCTL_INTERFACE_VERSION);
        if (rc)
            return domb_error_set(err, rc,
                                  "physinfo failed: error %d (an ordinary domain can build only "
                                  "under an XSM policy that lets it: docs/disaggregation.md)",
                                  rc);
        return 0;
    }
    rc = xen_domctl(NULL, &d);
    if (rc == -XEN_EACCES)
        return domb_error_set(err, rc,
                              "Xen refused domctl interface version 0x%x (built against "
                              "libxen-dev for a different Xen release) or we are not privileged",
                              XEN_DOMCTL_INTERFACE_VERSION);
    if (rc)
        return domb_error_set(err, rc, "getdomaininfo(0) failed: error %d", rc);
    rc = xenops_physinfo(&xenops_xen, NULL, NULL);
    if (rc)
        return domb_error_set(err, rc, "Xen refused sysctl interface version 0x%x: error %d",
                              XEN_SYSCTL_INTERFACE_VERSION, rc);
    return 0;
}
