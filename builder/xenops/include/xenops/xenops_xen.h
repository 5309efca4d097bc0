/*
 * The seam (builder/xenops.h) implemented with real hypercalls, for the
 * freestanding images: what the builder and the dom0 services use. Foreign
 * mappings use arch/x86_64's mapping window; scratch pages come from the
 * kernel's page allocator; event channels are polled (kernel/evtchn.h).
 */
#ifndef DOMB_XENOPS_XEN_H
#define DOMB_XENOPS_XEN_H

#include <builder/xenops.h>
#include <domb/error.h>

/* The ops table (ctx unused). */
extern const struct xenops xenops_xen;

/*
 * Check that the running hypervisor speaks our domctl/sysctl interface
 * version (both must match exactly, or every call fails with -EACCES) and
 * that we are privileged. Returns 0 or an error naming the mismatch.
 * An ordinary domain (domu: db-server built by db-boot under FLASK) may not
 * look at dom0, so only the sysctl is tried (its XSM label must allow
 * physinfo); a domctl version mismatch then shows at the first build.
 */
int xenops_xen_check(bool domu, struct domb_error *err);

#endif
