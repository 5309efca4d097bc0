/*
 * The client side of the db-server protocol, for guests on our kernel (the
 * control domain and test clients). db-server puts "domb.server=DOMID,PORT,
 * PFN" on the command line of every VM it builds: PFN is the guest's ring
 * page (inside its boot area, so never handed out by the allocator), PORT
 * the guest's end of an event channel the server already bound.
 */
#ifndef DOMB_CLIENT_H
#define DOMB_CLIENT_H

#include <domb/error.h>
#include <domb/types.h>
#include <proto/protocol.h>
#include <xen/event_channel.h>

struct db_client {
    struct proto_front_ring ring;
    evtchn_port_t port;
    uint64_t next_id;
    uint64_t calls;
};

/* Find the channel on our command line, initialise the ring, tell the server. */
int db_client_open(struct db_client *c, struct domb_error *err);

/* Send req (its id is assigned here) and wait for the matching response.
 * Returns 0 with *rsp filled (rsp->status tells the server's verdict), or a
 * negative error for transport problems (timeout, corrupt ring). */
int db_client_call(struct db_client *c, struct proto_request *req, struct proto_response *rsp,
                   uint64_t timeout_ns, struct domb_error *err);

/* Send raw bytes as a request (for protocol fuzzing) and wait for any
 * response; returns 0 with *rsp decoded, or a negative error. */
int db_client_call_raw(struct db_client *c, const void *msg, size_t len, struct proto_response *rsp,
                       uint64_t timeout_ns, struct domb_error *err);

#endif
