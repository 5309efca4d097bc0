/*
 * What the xenstore's three files share and nobody else needs: the store
 * fires watches (xs_conn.c), the connection hands complete requests to the
 * wire decoder (xs_wire.c), and the decoder writes answers into the
 * connection's output queue.
 */
#ifndef DOMB_XS_INTERNAL_H
#define DOMB_XS_INTERNAL_H

#include <xenstore/xenstore.h>

/* Not a permission a node can carry: the caller owns the node. */
#define XS_PERM_OWNER 4u

/* The permissions domain `as` has on a node with these entries. */
unsigned int xs_perm_for(domid_t as, const struct xs_perm *perms, unsigned int nperms);

/*
 * Queue a watch event on every connection with a watch that the change of
 * path (len characters) triggers: with exact, watches on exactly path; else
 * watches on path or one of its ancestors. Connections that may not read the
 * node (perms; NULL for "@..." events, which go to dom0 only) get nothing.
 */
void xs_watch_fire(struct xs_store *s, const char *path, size_t len, const struct xs_perm *perms,
                   unsigned int nperms, bool exact);

/* Output queue: room for one response of up to XENSTORE_PAYLOAD_MAX bytes is
 * guaranteed while a request is handled; write the payload at
 * xs_out_payload(c), then commit it with its header. */
char *xs_out_payload(struct xs_conn *c);
void xs_out_commit(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, uint32_t len);

/* Answer one complete request (header and payload copied out of the ring). */
void xs_wire_handle(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload);

/* Watch requests, kept in xs_conn.c next to the watch table. */
int xs_conn_watch(struct xs_conn *c, const char *path, bool relative, const char *token,
                  struct domb_error *err);
int xs_conn_unwatch(struct xs_conn *c, const char *path, const char *token, struct domb_error *err);
void xs_conn_reset_watches(struct xs_conn *c);
/* Queue the event a new watch fires at once (after its "OK"). */
void xs_conn_fire_new_watch(struct xs_conn *c);

#endif
