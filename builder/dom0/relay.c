/* The console relay's ring side: map the guest's console page, drain it. */
#include <dom0/relay.h>
#include <domb/lib.h>
#include <domb/log.h>

static void relay_emit(const char *name, const char *line)
{
    /* relay_feed always passes the console's own name, so the console
     * (and the sink it may have) is the struct around it. */
    const struct relay_console *c =
        (const struct relay_console *)(name - offsetof(struct relay_console, name));

    if (c->sink && c->sink->line)
        c->sink->line(c->sink->arg, name, line);
    else
        printk("[%s] %s\n", name, line);
}

int relay_attach(struct relay_console *c, const struct xenops *xen, const char *name, domid_t domid,
                 xen_pfn_t console_mfn, evtchn_port_t remote_port)
{
    void *va;
    int rc;

    memset(c, 0, sizeof(*c));
    domb_snprintf(c->name, sizeof(c->name), "%s", name);
    c->xen = xen;
    c->domid = domid;
    rc = xen->map_foreign(xen->ctx, domid, &console_mfn, 1, &va);
    if (rc)
        return rc;
    rc = xen->evtchn_bind_interdomain(xen->ctx, domid, remote_port, &c->port);
    if (rc) {
        xen->unmap_foreign(xen->ctx, va, 1);
        return rc;
    }
    c->ring = va;
    return 0;
}

unsigned int relay_drain(struct relay_console *c)
{
    struct xencons_interface *intf = c->ring;
    char chunk[256];
    unsigned int total = 0;

    if (!intf)
        return 0;
    for (;;) {
        XENCONS_RING_IDX cons = intf->out_cons;
        XENCONS_RING_IDX prod = __atomic_load_n(&intf->out_prod, __ATOMIC_ACQUIRE);
        XENCONS_RING_IDX avail = prod - cons;
        unsigned int n = 0;

        if (avail == 0)
            break;
        if (avail > sizeof(intf->out)) {
            /* The guest's indexes are nonsense: drop what it claims. */
            c->ring_errors++;
            __atomic_store_n(&intf->out_cons, prod, __ATOMIC_RELEASE);
            break;
        }
        while (n < sizeof(chunk) && n < avail) {
            chunk[n] = intf->out[MASK_XENCONS_IDX(cons + n, intf->out)];
            n++;
        }
        __atomic_store_n(&intf->out_cons, cons + n, __ATOMIC_RELEASE);
        if (!c->sink || !c->sink->raw || !c->sink->raw(c->sink->arg, c, chunk, n))
            relay_feed(c, chunk, n, relay_emit);
        total += n;
    }
    if (total) {
        c->bytes += total;
        c->xen->evtchn_notify(c->xen->ctx, c->port); /* the guest may wait for room */
    }
    return total;
}

void relay_detach(struct relay_console *c)
{
    if (!c->ring)
        return;
    relay_drain(c);
    if (c->len) {
        c->line[c->len] = '\0';
        relay_emit(c->name, c->line);
        c->len = 0;
    }
    c->xen->unmap_foreign(c->xen->ctx, c->ring, 1);
    c->xen->evtchn_close(c->xen->ctx, c->port);
    c->ring = NULL;
}
