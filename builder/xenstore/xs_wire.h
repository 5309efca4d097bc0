/*
 * xs_wire.h: the wire protocol (xs_wire.c): answering one request that has
 * been copied out of the guest's ring, on the store, as the connection's
 * domain, with the answer queued on the connection. It uses xs_store.h and
 * xs_session.h (docs/xenstore.md, "Source layout": conn -> wire -> store ->
 * session -> perm). Only xs_conn.c may include it; the lower files must not.
 */
#ifndef DOMB_XS_WIRE_H
#define DOMB_XS_WIRE_H

#include <xenstore/xenstore.h>

/* Set up the protocol state of a new connection (zeroed by the caller). */
void xs_wire_init(struct xs_conn *c);

/* Answer one complete request (header and payload copied out of the ring;
 * hdr->len <= XENSTORE_PAYLOAD_MAX). The output queue must have room for one
 * whole message (xs_out_reserve). */
void xs_wire_handle(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload);

#endif
