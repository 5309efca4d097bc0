/* Event channels, polled: bind, close, notify, test the pending bit, SCHEDOP_poll. */
#include <arch/hypercall.h>
#include <kernel/evtchn.h>
#include <kernel/kernel.h>
#include <kernel/time.h>
#include <domb/errno.h>

int evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port,
                            evtchn_port_t *local_port)
{
    struct evtchn_bind_interdomain op = {.remote_dom = remote_dom, .remote_port = remote_port};
    int rc = hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &op);

    if (rc == 0)
        *local_port = op.local_port;
    return rc;
}

int evtchn_bind_virq(uint32_t virq, evtchn_port_t *port)
{
    struct evtchn_bind_virq op = {.virq = virq, .vcpu = 0};
    int rc = hypercall_event_channel_op(EVTCHNOP_bind_virq, &op);

    if (rc == 0)
        *port = op.port;
    return rc;
}

int evtchn_alloc_unbound(domid_t remote_dom, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote_dom};
    int rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op);

    if (rc == 0)
        *port = op.port;
    return rc;
}

int evtchn_self_domid(domid_t *domid)
{
    struct evtchn_status st = {.dom = DOMID_SELF};
    evtchn_port_t port;
    int rc = evtchn_alloc_unbound(DOMID_SELF, &port);

    if (rc)
        return rc;
    st.port = port;
    rc = hypercall_event_channel_op(EVTCHNOP_status, &st);
    if (rc == 0 && st.status != EVTCHNSTAT_unbound)
        rc = -XEN_EINVAL;
    if (rc == 0)
        *domid = st.u.unbound.dom;
    evtchn_close(port);
    return rc;
}

int evtchn_close(evtchn_port_t port)
{
    struct evtchn_close op = {.port = port};

    return hypercall_event_channel_op(EVTCHNOP_close, &op);
}

int evtchn_notify(evtchn_port_t port)
{
    return hypercall_evtchn_send(port);
}

bool evtchn_test_and_clear(evtchn_port_t port)
{
    xen_ulong_t *word = &boot_info.shared_info->evtchn_pending[port / 64];
    xen_ulong_t bit = 1UL << (port % 64);

    if (!(__atomic_load_n(word, __ATOMIC_ACQUIRE) & bit))
        return false;
    return (__atomic_fetch_and(word, ~bit, __ATOMIC_ACQ_REL) & bit) != 0;
}

int evtchn_poll(const evtchn_port_t *ports, unsigned int n, uint64_t timeout_ns)
{
    struct sched_poll poll = {.nr_ports = n};

    if (n > EVTCHN_POLL_MAX) {
        poll.nr_ports = EVTCHN_POLL_MAX;
        if (timeout_ns == 0 || timeout_ns > 10000000)
            timeout_ns = 10000000;
    }
    set_xen_guest_handle(poll.ports, (evtchn_port_t *)ports);
    poll.timeout = timeout_ns ? time_now_ns() + timeout_ns : 0;
    return hypercall_sched_op(SCHEDOP_poll, &poll);
}
