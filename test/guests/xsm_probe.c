/*
 * xsm_probe: a guest that tries what only a privileged domain may do and
 * reports what Xen answered (docs/disaggregation.md, test/integration/
 * flask.cmake): pause dom0, read and destroy another guest
 * (xsm_probe.target=DOMID). Every attempt must be refused with the errno
 * xsm_probe.expect names: "eacces" (FLASK's denial, the default) or "eperm"
 * (Xen's dummy XSM: only a privileged domain may issue domctls). SUCCESS
 * only if each was refused with it; FAILURE if any went through.
 *
 * xsm_probe.builder=1: the probe runs with the builder's label
 * (domb_builder_t) and also tries what that label must be able to do: look
 * up the build label's SID, create a domain under it, read and destroy it;
 * and what it must not: create a domain of another label (domU_t).
 */
#include <arch/hypercall.h>
#include <arch/mm.h>
#include <domb/cmdline.h>
#include <domb/errno.h>
#include <domb/lib.h>
#include <kernel/console.h>
#include <kernel/kernel.h>
#include <xen/xsm/flask_op.h>

/* FLASK_CONTEXT_TO_SID; 0 and *sid, or Xen's errno. */
static int label_sid(const char *label, uint32_t *sid)
{
    struct xen_flask_op op;
    int rc;

    memset(&op, 0, sizeof(op));
    op.cmd = FLASK_CONTEXT_TO_SID;
    op.interface_version = XEN_FLASK_INTERFACE_VERSION;
    set_xen_guest_handle(op.u.sid_context.context, (char *)(uintptr_t)label);
    op.u.sid_context.size = (uint32_t)strlen(label);
    rc = hypercall_xsm_op(&op);
    *sid = op.u.sid_context.sid;
    return rc;
}

/* createdomain of a PV domain with this ssidref, as the builder asks it;
 * *domid gets the new id. */
static int create(uint32_t ssidref, domid_t *domid)
{
    struct xen_domctl d;
    int rc;

    memset(&d, 0, sizeof(d));
    d.cmd = XEN_DOMCTL_createdomain;
    d.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    d.u.createdomain.ssidref = ssidref;
    d.u.createdomain.max_vcpus = 1;
    d.u.createdomain.max_evtchn_port = 1023;
    d.u.createdomain.max_grant_frames = -1;
    d.u.createdomain.max_maptrack_frames = -1;
    d.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
    rc = hypercall_domctl(&d);
    *domid = d.domain;
    return rc;
}

static int domctl_on(uint32_t cmd, domid_t domid, struct xen_domctl *d)
{
    memset(d, 0, sizeof(*d));
    d->cmd = cmd;
    d->domain = domid;
    d->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return hypercall_domctl(d);
}

/* One line per step: what, Xen's answer, and whether it was the one wanted. */
static int step(const char *what, domid_t domid, int rc, int want)
{
    printk("xsm_probe: builder: %s of domain %u: error %d (%s)\n", what, domid, rc,
           rc == want ? (want ? "refused, as expected" : "allowed, as expected")
           : rc == 0  ? "ALLOWED"
                      : "REFUSED");
    return rc == want ? 0 : 1;
}

/*
 * What the builder's label must be able to do as an ordinary domain, the
 * core of a build: look up the labels, create a domain under the guests'
 * build label, give it memory (max_mem, populate_physmap), map its frame
 * and write it; then relabel it to the guests' label, after which it may
 * no longer map it, and read and destroy it. And what it must not: create
 * a domain of another label (domU_t).
 */
static int builder_probe(void)
{
    static const char build_label[] = "system_u:system_r:domb_guest_t_building";
    static const char guest_label[] = "system_u:system_r:domb_guest_t";
    struct xen_memory_reservation r;
    struct xen_flask_op op;
    struct xen_domctl d;
    uint32_t build_sid = 0, guest_sid = 0;
    xen_pfn_t frame = 0;
    domid_t domid = 0, other;
    void *va;
    int rc, bad = 0;

    if ((rc = label_sid(build_label, &build_sid)) || (rc = label_sid(guest_label, &guest_sid))) {
        printk("xsm_probe: builder: FLASK_CONTEXT_TO_SID: error %d\n", rc);
        return 1;
    }
    rc = create(build_sid, &domid);
    if (step("createdomain under the build label", domid, rc, 0))
        return 1;
    rc = domctl_on(XEN_DOMCTL_max_mem, domid, &d);
    d.u.max_mem.max_memkb = 4096;
    rc = rc ? rc : hypercall_domctl(&d);
    bad += step("max_mem", domid, rc, 0);
    memset(&r, 0, sizeof(r));
    r.domid = domid;
    r.nr_extents = 1;
    set_xen_guest_handle(r.extent_start, &frame);
    rc = hypercall_memory_op(XENMEM_populate_physmap, &r);
    bad += step("populate_physmap (1 page)", domid, rc == 1 ? 0 : rc, 0);
    rc = mm_map_foreign(domid, &frame, 1, &va);
    bad += step("foreign mapping of its frame", domid, rc, 0);
    if (rc == 0) {
        *(volatile uint8_t *)va = 0x5a;
        bad += *(volatile uint8_t *)va != 0x5a;
        mm_unmap_foreign(va, 1);
    }
    memset(&op, 0, sizeof(op));
    op.cmd = FLASK_RELABEL_DOMAIN;
    op.interface_version = XEN_FLASK_INTERFACE_VERSION;
    op.u.relabel.domid = domid;
    op.u.relabel.sid = guest_sid;
    bad += step("relabel to domb_guest_t", domid, hypercall_xsm_op(&op), 0);
    rc = mm_map_foreign(domid, &frame, 1, &va);
    if (rc == 0)
        mm_unmap_foreign(va, 1);
    bad += step("foreign mapping after the relabel", domid, rc, -XEN_EACCES);
    bad += step("getdomaininfo", domid, domctl_on(XEN_DOMCTL_getdomaininfo, domid, &d), 0);
    bad += step("destroydomain", domid, domctl_on(XEN_DOMCTL_destroydomain, domid, &d), 0);
    rc = create(12, &other); /* Xen's initial SID domU: domU_t */
    bad += step("createdomain as domU_t", other, rc, -XEN_EACCES);
    return bad;
}

static int probe(const char *what, uint32_t cmd, domid_t domid, int expect)
{
    struct xen_domctl d;
    int rc;

    memset(&d, 0, sizeof(d));
    d.cmd = cmd;
    d.domain = domid;
    /* The right version, so that a refusal is XSM's and not the version
     * check's (which also answers -EACCES). */
    d.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    rc = hypercall_domctl(&d);
    printk("xsm_probe: %s of domain %u: error %d (%s)\n", what, domid, rc,
           rc == expect ? "refused, as expected"
           : rc == 0    ? "ALLOWED"
                        : "unexpected");
    return rc == expect ? 0 : 1;
}

int domb_main(const struct boot_info *bi)
{
    char buf[16];
    uint64_t target = 0;
    int expect = -XEN_EACCES, bad = 0;
    bool builder;

    if (cmdline_get(bi->cmdline, "xsm_probe.expect", buf, sizeof(buf)) && strcmp(buf, "eperm") == 0)
        expect = -XEN_EPERM;
    if (cmdline_get(bi->cmdline, "xsm_probe.target", buf, sizeof(buf)))
        parse_u64(buf, &target);
    builder = cmdline_get(bi->cmdline, "xsm_probe.builder", buf, sizeof(buf));
    if (builder)
        bad += builder_probe();
    bad += probe("pausedomain", XEN_DOMCTL_pausedomain, 0, expect);
    if (target) {
        bad += probe("getdomaininfo", XEN_DOMCTL_getdomaininfo, (domid_t)target, expect);
        bad += probe("destroydomain", XEN_DOMCTL_destroydomain, (domid_t)target, expect);
    }
    if (bad) {
        printk("Test result: FAILURE (%d of the attempts did not get the answer expected)\n", bad);
        return KERNEL_EXIT_FAILURE;
    }
    if (builder)
        printk("Test result: SUCCESS (the builder's rights as expected, every other attempt "
               "refused with error %d)\n",
               expect);
    else
        printk("Test result: SUCCESS (every attempt refused with error %d)\n", expect);
    return KERNEL_EXIT_SUCCESS;
}
