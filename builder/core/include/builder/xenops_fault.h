/*
 * Fault injection over any struct xenops: the sim sweep of the unit tests
 * and the soak-faults kernel under real Xen wrap their seam in one of these
 * and so test the same thing (docs/reliability.md).
 *
 * The rules: when armed with N, the Nth call from then on that can fail
 * fails once with the armed error instead of reaching the inner seam.
 * Releasing calls (unmap_foreign, free_pages, give_back, evtchn_close, domctl
 * destroydomain) are neither failed nor counted: they are how the builder
 * cleans up, and a real failure there cannot be recovered from. Calls that
 * are not hypercalls and cannot fail (now_ns, evtchn_pending,
 * scratch_free_pages, hypercalls, yield) are passed through uncounted.
 */
#ifndef BUILDER_XENOPS_FAULT_H
#define BUILDER_XENOPS_FAULT_H

#include <builder/xenops.h>

struct xenops_fault {
    struct xenops ops; /* hand this to the code under test */
    const struct xenops *inner;
    unsigned long fail_at; /* 0: disarmed */
    unsigned long calls;   /* failable calls since arming */
    int rc;                /* what the failing call returns */
    bool fired;
};

/* Wrap inner; f->ops is the wrapped seam (ctx = f), disarmed. */
void xenops_fault_init(struct xenops_fault *f, const struct xenops *inner);

/* Make the nth failable call from now (1-based) fail with rc (a negative
 * Xen errno); n = 0 disarms (calls are still counted: arm with 0, run, and
 * xenops_fault_fired tells how many calls a run can fail at). Resets the
 * count. */
void xenops_fault_arm(struct xenops_fault *f, unsigned long n, int rc);

/* Whether the armed failure has happened; *calls (may be NULL): failable
 * calls counted since arming. */
bool xenops_fault_fired(const struct xenops_fault *f, unsigned long *calls);

#endif
