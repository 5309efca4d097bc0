/*
 * Error numbers: domB uses Xen's own (<xen/errno.h>, XEN_EINVAL, XEN_ENOMEM,
 * ...) negated, so hypercall results and our own errors share one space and
 * host code can still include the C library's <errno.h> without clashes.
 */
#ifndef DOMB_ERRNO_H
#define DOMB_ERRNO_H

#include <xen/errno.h>

#endif
