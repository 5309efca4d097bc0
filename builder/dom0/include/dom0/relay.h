/*
 * Console relay: the builder (dom0) reads each guest's PV console ring
 * (io/console.h) and prints it on its own console, one line at a time,
 * prefixed with the guest's name. The ring lives in guest memory and is
 * hostile: indexes are read once, sanity-checked, and a guest that lies about
 * them loses its pending output, never our memory safety. Escape sequences
 * and control characters are dropped so a guest cannot drive the terminal.
 */
#ifndef DOMB_RELAY_H
#define DOMB_RELAY_H

#include <builder/xenops.h>
#include <domb/types.h>
#include <xen/io/console.h>

#define RELAY_LINE_MAX 160

struct relay_console;

/*
 * Where a relayed console goes instead of straight to printk (the operator
 * shell, builder/dom0/shell.c, installs one): raw() is offered every chunk
 * drained from the ring first and returns true when it took it as it is
 * (the console the operator is attached to); otherwise the chunk goes
 * through the line assembler and line() gets each sanitised line.
 */
struct relay_sink {
    bool (*raw)(void *arg, struct relay_console *c, const char *buf, unsigned int n);
    void (*line)(void *arg, const char *name, const char *line);
    void *arg;
};

struct relay_console {
    const struct xenops *xen;
    char name[64];
    domid_t domid;
    struct xencons_interface *ring; /* mapped guest page, or NULL when detached */
    evtchn_port_t port;             /* our end of the guest's console channel */
    char line[RELAY_LINE_MAX + 1];
    unsigned int len;
    uint8_t esc_state;    /* 0 normal, 1 after ESC, 2 inside CSI */
    uint64_t bytes;       /* relayed so far */
    uint64_t ring_errors; /* times the guest's indexes were nonsense */
    /* NULL: lines go to printk as "[name] line" */
    const struct relay_sink *sink;
};

/* Map the console page and bind the guest's console event channel. */
int relay_attach(struct relay_console *c, const struct xenops *xen, const char *name, domid_t domid,
                 xen_pfn_t console_mfn, evtchn_port_t remote_port);

/* Move everything in the ring to our console; returns the bytes consumed. */
unsigned int relay_drain(struct relay_console *c);

/* Drain, print any partial line, unmap the page and close the channel. */
void relay_detach(struct relay_console *c);

/* Pure part, unit-testable: feed guest bytes through the line assembler;
 * emit(name, line) is called for each complete line. */
void relay_feed(struct relay_console *c, const char *buf, unsigned int n,
                void (*emit)(const char *name, const char *line));

#endif
