/*
 * Event channels, polled. Our kernels keep upcalls masked and wait with
 * SCHEDOP_poll, which wakes on a pending port whatever its mask, so there is
 * no interrupt context to reason about.
 */
#ifndef DOMB_EVTCHN_H
#define DOMB_EVTCHN_H

#include <domb/types.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

/* Xen's SCHEDOP_poll takes at most this many ports. */
#define EVTCHN_POLL_MAX 128

int evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port,
                            evtchn_port_t *local_port);
int evtchn_bind_virq(uint32_t virq, evtchn_port_t *port);
int evtchn_alloc_unbound(domid_t remote_dom, evtchn_port_t *port);
int evtchn_close(evtchn_port_t port);

/*
 * Our own domid, which Xen tells a PV guest nowhere directly: a port
 * allocated with remote DOMID_SELF is unbound towards our real domid, and
 * EVTCHNOP_status says which (then the port is closed). Three hypercalls;
 * dom0 need not ask. Returns 0 or a negative errno.
 */
int evtchn_self_domid(domid_t *domid);
int evtchn_notify(evtchn_port_t port);

/* Test and clear a port's pending bit in shared_info. */
bool evtchn_test_and_clear(evtchn_port_t port);

/*
 * Block until one of ports[0..n) is pending or `timeout_ns` (relative; 0 =
 * no timeout) has passed. With more than EVTCHN_POLL_MAX ports only the
 * first EVTCHN_POLL_MAX are waited on and the timeout is capped at 10 ms so
 * the caller rescans the rest. Returns 0 or a negative errno.
 */
int evtchn_poll(const evtchn_port_t *ports, unsigned int n, uint64_t timeout_ns);

#endif
