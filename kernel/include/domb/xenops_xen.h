/*
 * The builder seam (builder/xenops.h) implemented with real hypercalls, for
 * the freestanding images. Foreign mappings use arch/x86_64's mapping window;
 * scratch pages come from the kernel's page allocator.
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
 */
int xenops_xen_check(struct domb_error *err);

/* XEN_SYSCTL_physinfo: free (and total) host pages, for leak checks. */
int xenops_xen_physinfo(uint64_t *free_pages, uint64_t *total_pages);

#ifdef DOMB_FAULT_INJECT
/* Fault injection (DOMB_FAULT_INJECT builds only): arm so that the nth call
 * through the seam from now on fails with -ENOMEM (0 disarms). */
void xenops_xen_fault_arm(unsigned long n);
/* Whether the armed failure has happened; *calls: calls counted so far. */
bool xenops_xen_fault_fired(unsigned long *calls);
#endif

#endif
