/*
 * A small xenstore client for domB's own guests (io/xs_wire.h): enough to
 * read and write a node and to watch one, which is what a guest needs to
 * honour control/shutdown as Linux does (docs/guests.md).
 *
 * The ring page is shared with the store's server and treated as such: its
 * indexes are read once per use and checked, a message is taken only when
 * its header says at most XENSTORE_PAYLOAD_MAX bytes follow, and every wait
 * has a deadline. A server that breaks the protocol leaves the client
 * broken (every call then fails at once), never waiting forever.
 *
 * Pure: how to kick the server, wait for its event and tell the time come
 * from the caller (struct xs_client_env), so the host tests run it against
 * builder/xenstore's server. kernel/xenstore_ring.c opens the ring a guest
 * was given (start_info or HVM params).
 */
#ifndef DOMB_XENSTORE_CLIENT_H
#define DOMB_XENSTORE_CLIENT_H

#include <domb/error.h>
#include <domb/types.h>
#include <xen/xen.h>
#include <xen/io/xs_wire.h>

#define XS_CLIENT_EVENTS     4u   /* watch events held until taken (more are dropped) */
#define XS_CLIENT_EVENT_PATH 128u /* bytes of an event's path kept (longer ones are dropped) */
#define XS_CLIENT_TOKEN      32u

struct xs_client_env {
    void (*notify)(void *arg);                    /* signal the store's event channel */
    void (*wait)(void *arg, uint64_t timeout_ns); /* until its event (or the time) */
    uint64_t (*now_ns)(void *arg);
    void *arg;
};

struct xs_client_event {
    char path[XS_CLIENT_EVENT_PATH];
    char token[XS_CLIENT_TOKEN];
};

struct xs_client {
    struct xenstore_domain_interface *ring;
    struct xs_client_env env;
    uint32_t next_req_id;
    bool broken;
    struct domb_error error; /* why it broke */
    /* The message being received: header, then payload. */
    uint8_t in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    uint32_t in_used;
    struct xs_client_event events[XS_CLIENT_EVENTS];
    unsigned int nr_events;
    unsigned long events_dropped;
};

void xs_client_init(struct xs_client *c, void *ring, const struct xs_client_env *env);

/*
 * The value of path (absolute, or relative to the domain's home) into buf
 * (size bytes; NUL-terminated). Returns its length, or a negative Xen errno:
 * the server's (-XEN_ENOENT, -XEN_EACCES, ...), -XEN_E2BIG when it does not
 * fit, -XEN_ETIMEDOUT when no answer came within timeout_ns, -XEN_EIO once
 * broken (c->error says why).
 */
int xs_client_read(struct xs_client *c, const char *path, char *buf, size_t size,
                   uint64_t timeout_ns);
/* Write len bytes to path; 0 or a negative errno as above. */
int xs_client_write(struct xs_client *c, const char *path, const void *value, size_t len,
                    uint64_t timeout_ns);
/* Watch path with token; its first event comes at once (xenstored's rule). */
int xs_client_watch(struct xs_client *c, const char *path, const char *token, uint64_t timeout_ns);

/* Take what the ring holds without waiting; then hand out the oldest watch
 * event: 1 (*ev filled), 0 (none), or -XEN_EIO once broken. */
int xs_client_event(struct xs_client *c, struct xs_client_event *ev);

#endif
