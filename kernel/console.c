/* The kernel console: console_io for dom0, the PV console ring otherwise; printk. */
#include <arch/hypercall.h>
#include <arch/mm.h>
#include <kernel/console.h>
#include <xen/io/console.h>

static bool console_is_dom0;
static struct xencons_interface *console_ring;
static evtchn_port_t console_port;

void console_init(const start_info_t *si, bool is_dom0)
{
    console_is_dom0 = is_dom0;
    if (!is_dom0) {
        console_ring = mfn_to_virt(_mfn(si->console.domU.mfn));
        console_port = si->console.domU.evtchn;
    }
}

void console_init_ring(void *ring, evtchn_port_t port)
{
    console_is_dom0 = false;
    console_ring = ring;
    console_port = port;
}

/* Write into the PV console ring: copy, barrier, publish producer, notify.
 * If the ring is full, wait for the backend (our builder's relay) to drain. */
static void ring_write(const char *buf, size_t len)
{
    struct xencons_interface *intf = console_ring;
    size_t done = 0;

    while (done < len) {
        XENCONS_RING_IDX cons = __atomic_load_n(&intf->out_cons, __ATOMIC_ACQUIRE);
        XENCONS_RING_IDX prod = intf->out_prod;

        if (prod - cons >= sizeof(intf->out)) {
            hypercall_evtchn_send(console_port);
            hypercall_yield();
            continue;
        }
        while (done < len && prod - cons < sizeof(intf->out))
            intf->out[MASK_XENCONS_IDX(prod++, intf->out)] = buf[done++];
        __atomic_store_n(&intf->out_prod, prod, __ATOMIC_RELEASE);
    }
    hypercall_evtchn_send(console_port);
}

void console_write(const char *buf, size_t len)
{
    if (console_is_dom0) {
        while (len > 0) {
            unsigned int chunk = len > 4096 ? 4096 : (unsigned int)len;
            hypercall_console_write(buf, chunk);
            buf += chunk;
            len -= chunk;
        }
    } else if (console_ring) {
        ring_write(buf, len);
    }
}

/* Input from the backend (our builder's shell, attached to us): copy what
 * the ring holds, publish the new consumer index, notify. The indexes are
 * the backend's to move; a producer index that is nonsense is taken as
 * "nothing", skipping what it claims. */
static size_t ring_read(char *buf, size_t len)
{
    struct xencons_interface *intf = console_ring;
    XENCONS_RING_IDX cons = intf->in_cons;
    XENCONS_RING_IDX prod = __atomic_load_n(&intf->in_prod, __ATOMIC_ACQUIRE);
    size_t n = 0;

    if (prod - cons > sizeof(intf->in)) {
        __atomic_store_n(&intf->in_cons, prod, __ATOMIC_RELEASE);
        return 0;
    }
    while (n < len && cons != prod)
        buf[n++] = intf->in[MASK_XENCONS_IDX(cons++, intf->in)];
    if (n) {
        __atomic_store_n(&intf->in_cons, cons, __ATOMIC_RELEASE);
        hypercall_evtchn_send(console_port);
    }
    return n;
}

int console_read(char *buf, size_t len)
{
    if (console_is_dom0) {
        unsigned int n = len > 0x7fffffff ? 0x7fffffff : (unsigned int)len;

        return hypercall_console_read(buf, n);
    }
    return console_ring ? (int)ring_read(buf, len > 0x7fffffff ? 0x7fffffff : len) : 0;
}

evtchn_port_t console_evtchn(void)
{
    return console_is_dom0 ? 0 : console_port;
}

/* The ring is flushed by its consumer; wait (bounded) until it has taken
 * everything so that the last lines are not lost when we shut down. */
void console_flush(void)
{
    if (!console_ring)
        return;
    for (int i = 0; i < 10000; i++) {
        if (__atomic_load_n(&console_ring->out_cons, __ATOMIC_ACQUIRE) == console_ring->out_prod)
            return;
        hypercall_evtchn_send(console_port);
        hypercall_yield();
    }
}

int vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    int n = domb_vsnprintf(buf, sizeof(buf), fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n;

    if (len >= sizeof(buf))
        len = sizeof(buf) - 1;
    console_write(buf, len);
    return n;
}

int printk(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintk(fmt, ap);
    va_end(ap);
    return n;
}
