/* Small helpers over the seam that both the builder and the dom0 services use. */
#include <builder/xenops.h>
#include <domb/errno.h>

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
