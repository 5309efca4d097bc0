#include <arch/hypercall.h>
#include <arch/mm.h>
#include <domb/errno.h>
#include <domb/kernel.h>
#include <domb/time.h>
#include <domb/xenops_xen.h>

#ifdef DOMB_FAULT_INJECT
/*
 * Fault injection (DOMB_FAULT_INJECT builds only; docs/reliability.md): when
 * armed with N, the Nth call through the seam fails with -ENOMEM instead of
 * reaching Xen, once. Releasing calls (unmap_foreign, free_pages, domctl
 * destroydomain) are neither failed nor counted: they are how the builder
 * cleans up, and a real failure there cannot be recovered from.
 */
static unsigned long fault_fail_at, fault_calls;
static bool fault_fired;

void xenops_xen_fault_arm(unsigned long n)
{
    fault_fail_at = n;
    fault_calls = 0;
    fault_fired = false;
}

bool xenops_xen_fault_fired(unsigned long *calls)
{
    if (calls)
        *calls = fault_calls;
    return fault_fired;
}

static bool fault_now(void)
{
    if (fault_fail_at == 0 || fault_fired)
        return false;
    if (++fault_calls != fault_fail_at)
        return false;
    fault_fired = true;
    return true;
}
#define FAULT_POINT()                                                                              \
    do {                                                                                           \
        if (fault_now())                                                                           \
            return -XEN_ENOMEM;                                                                    \
    } while (0)
#else
#define FAULT_POINT() ((void)0)
#endif

static int xen_domctl(void *ctx, struct xen_domctl *op)
{
    if (op->cmd != XEN_DOMCTL_destroydomain)
        FAULT_POINT();
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return hypercall_domctl(op);
}

static long xen_memory_op(void *ctx, unsigned int cmd, struct xen_memory_reservation *r)
{
    FAULT_POINT();
    return hypercall_memory_op(cmd, r);
}

static int xen_mmu_update(void *ctx, const mmu_update_t *req, unsigned int count,
                          unsigned int *done, domid_t foreigndom)
{
    FAULT_POINT();
    return hypercall_mmu_update(req, count, done, foreigndom);
}

static int xen_mmuext_op(void *ctx, const struct mmuext_op *op, unsigned int count,
                         unsigned int *done, domid_t foreigndom)
{
    FAULT_POINT();
    return hypercall_mmuext_op(op, count, done, foreigndom);
}

static int xen_evtchn_alloc_unbound(void *ctx, evtchn_alloc_unbound_t *op)
{
    FAULT_POINT();
    return hypercall_event_channel_op(EVTCHNOP_alloc_unbound, op);
}

static int xen_map_foreign(void *ctx, domid_t domid, const xen_pfn_t *mfns, unsigned int n,
                           void **va)
{
    FAULT_POINT();
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

    FAULT_POINT();
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

static int xen_alloc_pages(void *ctx, unsigned int n, void **va)
{
    FAULT_POINT();
    *va = kernel_alloc_pages(n);
    return *va ? 0 : -XEN_ENOMEM;
}

static void xen_free_pages(void *ctx, void *va, unsigned int n)
{
    kernel_free_pages(va, n);
}

static uint64_t xen_now_ns(void *ctx)
{
    return time_now_ns();
}

const struct xenops xenops_xen = {
    .ctx = NULL,
    .domctl = xen_domctl,
    .memory_op = xen_memory_op,
    .mmu_update = xen_mmu_update,
    .mmuext_op = xen_mmuext_op,
    .evtchn_alloc_unbound = xen_evtchn_alloc_unbound,
    .seed_grant_table = xen_seed_grant_table,
    .map_foreign = xen_map_foreign,
    .unmap_foreign = xen_unmap_foreign,
    .alloc_pages = xen_alloc_pages,
    .free_pages = xen_free_pages,
    .now_ns = xen_now_ns,
};

int xenops_xen_physinfo(uint64_t *free_pages, uint64_t *total_pages)
{
    struct xen_sysctl s = {.cmd = XEN_SYSCTL_physinfo,
                           .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    int rc = hypercall_sysctl(&s);

    if (rc)
        return rc;
    if (free_pages)
        *free_pages = s.u.physinfo.free_pages;
    if (total_pages)
        *total_pages = s.u.physinfo.total_pages;
    return 0;
}

int xenops_xen_check(struct domb_error *err)
{
    struct xen_domctl d = {.cmd = XEN_DOMCTL_getdomaininfo, .domain = 0};
    int rc;

    rc = xen_domctl(NULL, &d);
    if (rc == -XEN_EACCES)
        return domb_error_set(err, rc,
                              "Xen refused domctl interface version 0x%x (built against "
                              "libxen-dev for a different Xen release) or we are not privileged",
                              XEN_DOMCTL_INTERFACE_VERSION);
    if (rc)
        return domb_error_set(err, rc, "getdomaininfo(0) failed: error %d", rc);
    rc = xenops_xen_physinfo(NULL, NULL);
    if (rc)
        return domb_error_set(err, rc, "Xen refused sysctl interface version 0x%x: error %d",
                              XEN_SYSCTL_INTERFACE_VERSION, rc);
    return 0;
}
