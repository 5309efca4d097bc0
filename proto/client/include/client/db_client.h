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

/* Find the channel on our command line, initialise the ring, tell the server.
 * Returns 0, or -XEN_ENOENT (no domb.server= argument) / -XEN_EINVAL (a
 * malformed one). */
int db_client_open(struct db_client *c, struct domb_error *err);

/*
 * Send req (its id is assigned here) and wait for the matching response.
 *
 * Returns 0 once the server answered: *rsp is filled, and the server's
 * verdict is in it, never in the return value (rsp->status: 0 or a negative
 * Xen errno; rsp->error: PROTO_OK or the enum proto_error code, as on the
 * wire). Otherwise the call failed on this side, and *err says why; the
 * return value is then exactly one of
 *   - a protocol error value, PROTO_RC(code) (proto_rc_is_error() is true):
 *     the request does not encode (BAD_SPEC, BAD_FIELD, ...), the ring is
 *     busy or corrupt (BUSY, RING_CORRUPT, BAD_LENGTH), or the answer does
 *     not decode (any decoder code);
 *   - -XEN_ETIMEDOUT: no answer within timeout_ns.
 * The two ranges never overlap (<proto/protocol.h>).
 */
int db_client_call(struct db_client *c, struct proto_request *req, struct proto_response *rsp,
                   uint64_t timeout_ns, struct domb_error *err);

/* Send raw bytes as a request (for protocol fuzzing) and wait for any
 * response; returns as db_client_call (0 with *rsp decoded, PROTO_RC(code)
 * from the ring or the response decoder, or -XEN_ETIMEDOUT). */
int db_client_call_raw(struct db_client *c, const void *msg, size_t len, struct proto_response *rsp,
                       uint64_t timeout_ns, struct domb_error *err);

#endif
