/* Small helpers over the seam that both the builder and the dom0 services use. */
#include <builder/xenops.h>
#include <domb/errno.h>
#include <domb/lib.h>

int xenops_physinfo(const struct xenops *x, uint64_t *free_pages, uint64_t *total_pages)
{
    struct xen_sysctl s = {.cmd = XEN_SYSCTL_physinfo,
                           .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    int rc = x->sysctl(x->ctx, &s);

    if (rc)
        return rc;
    if (free_pages)
        *free_pages = s.u.physinfo.free_pages;
    if (total_pages)
        *total_pages = s.u.physinfo.total_pages;
    return 0;
}

int xenops_domain_info(const struct xenops *x, domid_t domid, struct xen_domctl_getdomaininfo *info)
{
    struct xen_domctl d = {.cmd = XEN_DOMCTL_getdomaininfo,
                           .domain = domid,
                           .interface_version = XEN_DOMCTL_INTERFACE_VERSION};
    int rc = x->domctl(x->ctx, &d);

    if (rc)
        return rc;
    if (d.u.getdomaininfo.domain != domid)
        return -XEN_ESRCH;
    *info = d.u.getdomaininfo;
    return 0;
}

uint64_t xenops_now_ns(const struct xenops *x)
{
    return x->now_ns ? x->now_ns(x->ctx) : 0;
}

int xenops_flask_context_to_sid(const struct xenops *x, const char *label, uint32_t *sid)
{
    struct xen_flask_op op = {.cmd = FLASK_CONTEXT_TO_SID,
                              .interface_version = XEN_FLASK_INTERFACE_VERSION};
    int rc;

    if (!x->xsm_op)
        return -XEN_ENOSYS;
    /* Xen reads the label through a guest handle; it copies it in, so a
     * const string is never written. */
    set_xen_guest_handle(op.u.sid_context.context, (char *)(uintptr_t)label);
    op.u.sid_context.size = (uint32_t)strlen(label);
    rc = x->xsm_op(x->ctx, &op);
    if (rc == 0)
        *sid = op.u.sid_context.sid;
    return rc;
}

int xenops_flask_relabel_domain(const struct xenops *x, domid_t domid, uint32_t sid)
{
    struct xen_flask_op op = {.cmd = FLASK_RELABEL_DOMAIN,
                              .interface_version = XEN_FLASK_INTERFACE_VERSION};

    if (!x->xsm_op)
        return -XEN_ENOSYS;
    op.u.relabel.domid = domid;
    op.u.relabel.sid = sid;
    return x->xsm_op(x->ctx, &op);
}
