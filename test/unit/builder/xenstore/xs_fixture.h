/*
 * Test fixture for the xenstore: one store with dom0 (connection 0) and two
 * introduced guests (domains 1 and 2 on connections 1 and 2), each with its
 * own ring page, plus a guest-side client that writes requests into a ring
 * and reads answers out of it the way Linux's xenbus does. Connection 3 is
 * domain 3's, which a test introduces when it needs a third guest.
 */
#ifndef XS_FIXTURE_H
#define XS_FIXTURE_H

#include "domb_test.h"

#include <xenstore/xenstore.h>

#define FX_CONNS 4

struct fx {
    struct xs_store store;
    void *arena;
    struct xs_conn conn[FX_CONNS];
    struct xenstore_domain_interface *ring[FX_CONNS];
    uint32_t next_req;
    bool notify;
    /* The guest's receive buffers: a message larger than the ring arrives in parts. */
    char rx[FX_CONNS][sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    uint32_t rx_used[FX_CONNS];
};

/* A payload literal with its length, NULs included: P("a\0b") is 3 bytes. */
#define P(lit) lit, (uint32_t)(sizeof(lit) - 1)

struct fx *fx_new(uint32_t max_nodes, size_t arena_size);
void fx_free(struct fx *f);
int fx_setup(void **state);
int fx_teardown(void **state);

/* Put raw bytes into connection i's request ring (asserts room). */
void fx_put(struct fx *f, int i, const void *bytes, uint32_t len);
/* Put one request (feeding the server while the ring is full); returns its req_id. */
uint32_t fx_send(struct fx *f, int i, uint32_t type, uint32_t tx, const void *payload,
                 uint32_t len);
/* xs_conn_process on connection i; returns its result. */
int fx_process(struct fx *f, int i);
/* Take one whole message out of connection i's response ring (processing
 * while a message larger than the ring is in transit). */
bool fx_recv(struct fx *f, int i, struct xsd_sockmsg *hdr, char *payload);
/* Send, process, and expect exactly this answer (type and payload). */
void fx_call(struct fx *f, int i, uint32_t type, uint32_t tx, const void *payload, uint32_t len,
             uint32_t want_type, const void *want, uint32_t want_len);
/* Expect the next message to be this one. */
void fx_expect(struct fx *f, int i, uint32_t type, const void *want, uint32_t want_len);
/* Expect an XS_ERROR with this name as the answer. */
void fx_call_err(struct fx *f, int i, uint32_t type, const void *payload, uint32_t len,
                 const char *error);
/* Expect nothing more in connection i's response ring. */
void fx_expect_none(struct fx *f, int i);

#endif
