/* One guest's xenstore ring: copy requests out, hand them on, copy output back. */
/*
 * The ring is struct xenstore_domain_interface from io/xs_wire.h. Complete
 * requests go to the wire protocol (xs_wire.c); their answers and the watch
 * events fired by anyone wait in the connection's output queue
 * (xs_session.c) until the response ring has room.
 *
 * The ring page belongs to the guest, which may rewrite any byte at any time.
 * So the indexes we own (req_cons, rsp_prod) are kept privately and only
 * published; the guest's (req_prod, rsp_cons) are read once per use with
 * acquire ordering and checked against the ring size before anything depends
 * on them; each request byte is copied into c->in exactly once and parsed
 * only there. Barriers follow xenstored's: read the producer, then the data;
 * write the data, then (release) the producer.
 */
#include "xs_session.h"
#include "xs_store.h"
#include "xs_wire.h"

#include <domb/errno.h>
#include <domb/lib.h>

static uint32_t xs_ring_load(const XENSTORE_RING_IDX *idx)
{
    return __atomic_load_n(idx, __ATOMIC_ACQUIRE);
}

static void xs_ring_publish(XENSTORE_RING_IDX *idx, uint32_t value)
{
    __atomic_store_n(idx, value, __ATOMIC_RELEASE);
}

void xs_conn_init(struct xs_conn *c, struct xs_store *s, domid_t domid)
{
    memset(c, 0, sizeof(*c));
    c->domid = domid;
    xs_wire_init(c);
    xs_session_attach(c, s);
}

void xs_conn_destroy(struct xs_conn *c)
{
    xs_store_tx_drop_owner(c->store, c); /* its transactions die with it */
    xs_session_detach(c);
}

bool xs_conn_has_output(const struct xs_conn *c)
{
    return xs_out_queued(c) != 0;
}

/* ---- the ring ------------------------------------------------------------------------- */

static int xs_conn_break(struct xs_conn *c, struct xenstore_domain_interface *ring, uint32_t why,
                         const char *what, uint32_t a, uint32_t b)
{
    c->broken = true;
    /* Tell a guest that reads the field (XENSTORE_SERVER_FEATURE_ERROR). */
    __atomic_store_n(&ring->error, why, __ATOMIC_RELAXED);
    return domb_error_set(&c->error, -XEN_EIO, "domain %u: %s (%u, %u)", c->domid, what, a, b);
}

/* Move queued output into the response ring as far as it has room. */
static int xs_conn_flush(struct xs_conn *c, struct xenstore_domain_interface *ring, bool *notify)
{
    uint32_t cons = xs_ring_load(&ring->rsp_cons);
    uint32_t used = c->rsp_prod - cons, n, done = 0;
    const uint8_t *out;

    if (used > XENSTORE_RING_SIZE)
        return xs_conn_break(c, ring, XENSTORE_ERROR_RINGIDX,
                             "response ring indexes are impossible: rsp_cons, rsp_prod", cons,
                             c->rsp_prod);
    n = XENSTORE_RING_SIZE - used;
    if (n > xs_out_queued(c))
        n = xs_out_queued(c);
    out = xs_out_peek(c);
    while (done < n) {
        uint32_t off = MASK_XENSTORE_IDX(c->rsp_prod + done);
        uint32_t chunk = XENSTORE_RING_SIZE - off;

        if (chunk > n - done)
            chunk = n - done;
        memcpy(ring->rsp + off, out + done, chunk);
        done += chunk;
    }
    if (n == 0)
        return 0;
    xs_out_consume(c, n);
    c->rsp_prod += n;
    xs_ring_publish(&ring->rsp_prod, c->rsp_prod);
    *notify = true;
    return 0;
}

/* Copy up to want bytes of requests (prod is the guest's index) into c->in. */
static uint32_t xs_conn_take(struct xs_conn *c, struct xenstore_domain_interface *ring,
                             uint32_t prod, uint32_t want)
{
    uint32_t n = prod - c->req_cons, done = 0;

    if (n > want)
        n = want;
    while (done < n) {
        uint32_t off = MASK_XENSTORE_IDX(c->req_cons + done);
        uint32_t chunk = XENSTORE_RING_SIZE - off;

        if (chunk > n - done)
            chunk = n - done;
        memcpy(c->in + c->in_used + done, ring->req + off, chunk);
        done += chunk;
    }
    c->in_used += n;
    c->req_cons += n;
    xs_ring_publish(&ring->req_cons, c->req_cons);
    return n;
}

/* Requests handled per call at the most: a guest that writes as fast as we
 * answer does not keep the others waiting (the rest is served on the next
 * round: more_input makes it pending). */
#define XS_CONN_BATCH 32

int xs_conn_process(struct xs_conn *c, struct xenstore_domain_interface *ring, bool *notify)
{
    struct xsd_sockmsg hdr;
    uint32_t prod, handled = 0;
    int rc;

    *notify = false;
    c->more_input = false;
    if (c->broken)
        return c->error.code;
    if (!c->attached) {
        c->req_cons = xs_ring_load(&ring->req_cons);
        c->rsp_prod = xs_ring_load(&ring->rsp_prod);
        c->attached = true;
    }
    rc = xs_conn_flush(c, ring, notify);
    if (rc < 0)
        return rc;
    /* Consume until the producer stands still. A guest does not notify
     * for bytes it adds while we have not caught up with its last ones:
     * Linux's xb_write notifies only if req_cons had reached the producer
     * before its write ("if (prod <= intf->req_cons)"), so a payload that
     * lands while we take its header gets no event of its own. After
     * publishing req_cons, look again (a full barrier between our store and
     * that load), as xenstored does while the domain can read. */
    prod = xs_ring_load(&ring->req_prod);
again:
    if (prod - c->req_cons > XENSTORE_RING_SIZE)
        return xs_conn_break(c, ring, XENSTORE_ERROR_RINGIDX,
                             "request ring indexes are impossible: req_cons, req_prod", c->req_cons,
                             prod);
    while (prod != c->req_cons) {
        /* Take a request only when its answer can be queued. */
        if (xs_out_queued(c) > XS_CONN_OUT_MAX - XS_MSG_MAX)
            break;
        if (handled == XS_CONN_BATCH) {
            c->more_input = true;
            return 0;
        }
        if (c->in_used < XS_HDR_SIZE) {
            xs_conn_take(c, ring, prod, XS_HDR_SIZE - c->in_used);
            *notify = true;
            if (c->in_used < XS_HDR_SIZE)
                break;
        }
        memcpy(&hdr, c->in, sizeof(hdr));
        if (hdr.len > XENSTORE_PAYLOAD_MAX)
            return xs_conn_break(c, ring, XENSTORE_ERROR_PROTO,
                                 "message is longer than the protocol allows: len, max", hdr.len,
                                 XENSTORE_PAYLOAD_MAX);
        if (c->in_used < XS_HDR_SIZE + hdr.len) {
            xs_conn_take(c, ring, prod, XS_HDR_SIZE + hdr.len - c->in_used);
            *notify = true;
            if (c->in_used < XS_HDR_SIZE + hdr.len)
                break;
        }
        xs_out_reserve(c, XS_MSG_MAX);
        c->requests++;
        handled++;
        xs_wire_handle(c, &hdr, (const char *)c->in + XS_HDR_SIZE);
        xs_out_reserve(c, 0);
        c->in_used = 0;
        rc = xs_conn_flush(c, ring, notify);
        if (rc < 0)
            return rc;
    }
    if (prod == c->req_cons) {
        uint32_t now;

        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        now = xs_ring_load(&ring->req_prod);
        if (now != prod) {
            prod = now;
            goto again;
        }
    }
    return 0;
}
