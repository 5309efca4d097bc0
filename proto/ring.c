/*
 * The db-server ring page (<proto/protocol.h>, docs/protocol.md): Xen's
 * io/ring.h shared-ring layout with one slot, and the helpers both sides use.
 *
 * The other side may rewrite any byte of the page at any moment. So every
 * index is read exactly once per use (an atomic load the compiler cannot
 * repeat), checked against the ring's geometry before anything depends on it,
 * and a message is copied out of its slot in one memcpy; callers decode only
 * the private copy. Barriers follow io/ring.h: read the producer index, then
 * (acquire) the slot; write the slot, then (release) the producer index, then
 * (full barrier) read the event index to decide on a notification.
 */
#include <domb/errno.h>
#include <domb/byteorder.h>
#include <proto/format.h>
#include <proto/protocol.h>
#include <xen/io/ring.h>

/* io/ring.h's own layout, instantiated for our slot, must match our offsets. */
struct proto_slot {
    uint8_t bytes[PROTO_SLOT_SIZE];
};
DEFINE_RING_TYPES(proto_xen, struct proto_slot, struct proto_slot);
_Static_assert(sizeof(struct proto_xen_sring) == PROTO_PAGE_SIZE, "one page");
_Static_assert(offsetof(struct proto_xen_sring, req_prod) == PROTO_RING_OFF_REQ_PROD, "ring.h");
_Static_assert(offsetof(struct proto_xen_sring, req_event) == PROTO_RING_OFF_REQ_EVENT, "ring.h");
_Static_assert(offsetof(struct proto_xen_sring, rsp_prod) == PROTO_RING_OFF_RSP_PROD, "ring.h");
_Static_assert(offsetof(struct proto_xen_sring, rsp_event) == PROTO_RING_OFF_RSP_EVENT, "ring.h");
_Static_assert(offsetof(struct proto_xen_sring, pvt) == PROTO_RING_OFF_MAGIC, "ring.h");
_Static_assert(offsetof(struct proto_xen_sring, ring) == PROTO_RING_OFF_SLOTS, "ring.h");
_Static_assert(__CONST_RING_SIZE(proto_xen, PROTO_PAGE_SIZE) == PROTO_RING_SLOTS, "ring.h");
_Static_assert(PROTO_RING_OFF_RESERVED + PROTO_RING_RESERVED_SIZE == PROTO_RING_OFF_SLOTS,
               "header");
_Static_assert((PROTO_RING_SLOTS & (PROTO_RING_SLOTS - 1)) == 0, "power of two");

static uint32_t ring_read_index(const uint8_t *page, size_t off)
{
    return __atomic_load_n((const uint32_t *)(page + off), __ATOMIC_RELAXED);
}

static void ring_write_index(uint8_t *page, size_t off, uint32_t value)
{
    __atomic_store_n((uint32_t *)(page + off), value, __ATOMIC_RELAXED);
}

static uint8_t *ring_slot(uint8_t *page, uint32_t index)
{
    return page + PROTO_RING_OFF_SLOTS + (size_t)(index & (PROTO_RING_SLOTS - 1)) * PROTO_SLOT_SIZE;
}

void proto_ring_init(struct proto_front_ring *front, void *page)
{
    uint8_t *p = page;

    memset(p, 0, PROTO_PAGE_SIZE);
    memcpy(p + PROTO_RING_OFF_MAGIC, PROTO_RING_MAGIC, FORMAT_MAGIC_SIZE);
    put_le16(p + PROTO_RING_OFF_VERSION, PROTO_RING_VERSION);
    put_le16(p + PROTO_RING_OFF_NR_SLOTS, PROTO_RING_SLOTS);
    put_le16(p + PROTO_RING_OFF_SLOT_SIZE, PROTO_SLOT_SIZE);
    /* SHARED_RING_INIT: each side wants to hear of the first message. */
    ring_write_index(p, PROTO_RING_OFF_REQ_EVENT, 1);
    ring_write_index(p, PROTO_RING_OFF_RSP_EVENT, 1);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    front->page = p;
    front->req_prod_pvt = 0;
    front->rsp_cons = 0;
}

int proto_ring_attach(struct proto_back_ring *back, void *page, struct domb_error *err)
{
    uint8_t header[PROTO_RING_OFF_SLOTS];
    uint16_t version, nr_slots, slot_size;
    long nonzero;

    /* One copy, then every check on the copy. */
    memcpy(header, page, sizeof(header));
    if (memcmp(header + PROTO_RING_OFF_MAGIC, PROTO_RING_MAGIC, FORMAT_MAGIC_SIZE) != 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_RING_CORRUPT),
                              "ring page does not start with \"%s\" (not initialised?)",
                              PROTO_RING_MAGIC);
    version = get_le16(header + PROTO_RING_OFF_VERSION);
    nr_slots = get_le16(header + PROTO_RING_OFF_NR_SLOTS);
    slot_size = get_le16(header + PROTO_RING_OFF_SLOT_SIZE);
    if (version != PROTO_RING_VERSION)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_RING_CORRUPT),
                              "ring version %u is not supported (this server speaks %u)", version,
                              PROTO_RING_VERSION);
    if (nr_slots != PROTO_RING_SLOTS || slot_size != PROTO_SLOT_SIZE)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_RING_CORRUPT),
                              "ring has %u slots of %u bytes; version 1 has %u of %u", nr_slots,
                              slot_size, PROTO_RING_SLOTS, PROTO_SLOT_SIZE);
    nonzero = format_first_nonzero(header, PROTO_RING_OFF_RESERVED, PROTO_RING_RESERVED_SIZE);
    if (nonzero >= 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_RING_CORRUPT),
                              "ring header byte at offset 0x%lx is reserved but not zero", nonzero);
    back->page = page;
    back->req_cons = 0;
    back->rsp_prod_pvt = 0;
    back->race_hook = NULL;
    back->race_arg = NULL;
    return 0;
}

/*
 * Write msg into the slot for index *prod and publish *prod + 1 at prod_off;
 * then, as RING_PUSH_*_AND_CHECK_NOTIFY, tell whether the peer asked to be
 * notified of this message (its event index is in (prod, prod + 1]).
 */
static int ring_publish(uint8_t *page, uint32_t *prod, size_t prod_off, size_t event_off,
                        const void *msg, size_t len, struct domb_error *err)
{
    uint8_t *slot = ring_slot(page, *prod);
    uint32_t old_prod = *prod, event;

    if (len == 0 || len > PROTO_MSG_MAX)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_LENGTH),
                              "message of %zu bytes does not fit a %u-byte slot (or is empty)", len,
                              PROTO_MSG_MAX);
    memcpy(slot, msg, len);
    memset(slot + len, 0, PROTO_SLOT_SIZE - len);
    __atomic_thread_fence(__ATOMIC_RELEASE); /* xen_wmb: slot before index */
    ring_write_index(page, prod_off, ++*prod);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* xen_mb: index before reading the event */
    event = ring_read_index(page, event_off);
    return (uint32_t)(*prod - event) < (uint32_t)(*prod - old_prod);
}

/*
 * Read the peer's producer index once; if nothing is waiting, re-arm our event
 * index (RING_FINAL_CHECK_FOR_*) and read it once more. Returns the value the
 * caller must use from then on.
 */
static uint32_t ring_read_prod(uint8_t *page, size_t prod_off, size_t event_off, uint32_t cons)
{
    uint32_t prod = ring_read_index(page, prod_off);

    if (prod == cons) {
        ring_write_index(page, event_off, cons + 1);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        prod = ring_read_index(page, prod_off);
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* xen_rmb: index before slot */
    return prod;
}

int proto_ring_put_request(struct proto_front_ring *front, const void *msg, size_t len,
                           struct domb_error *err)
{
    if (front->req_prod_pvt - front->rsp_cons >= PROTO_RING_SLOTS)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BUSY),
                              "ring is full: request %u has no response yet", front->rsp_cons + 1);
    return ring_publish(front->page, &front->req_prod_pvt, PROTO_RING_OFF_REQ_PROD,
                        PROTO_RING_OFF_REQ_EVENT, msg, len, err);
}

int proto_ring_get_request(struct proto_back_ring *back, uint8_t copy_out[PROTO_SLOT_SIZE],
                           struct domb_error *err)
{
    uint32_t prod = ring_read_prod(back->page, PROTO_RING_OFF_REQ_PROD, PROTO_RING_OFF_REQ_EVENT,
                                   back->req_cons);

    /*
     * io/ring.h's RING_REQUEST_PROD_OVERFLOW: the client may not have more
     * requests in flight than slots, counting those consumed but not yet
     * answered (their slot still belongs to the server). So the new requests
     * may fill at most the free slots; an index that moved backwards wraps to
     * a huge distance and fails the same test.
     */
    if (prod - back->req_cons > back->rsp_prod_pvt + PROTO_RING_SLOTS - back->req_cons)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_RING_CORRUPT),
                              "ring indexes corrupt: req_prod %u with %u requests consumed and %u "
                              "answered, in a %u-slot ring",
                              prod, back->req_cons, back->rsp_prod_pvt, PROTO_RING_SLOTS);
    if (prod == back->req_cons)
        return 0;
    if (back->race_hook)
        back->race_hook(back->page, back->race_arg);
    memcpy(copy_out, ring_slot(back->page, back->req_cons), PROTO_SLOT_SIZE);
    back->req_cons++;
    return 1;
}

int proto_ring_put_response(struct proto_back_ring *back, const void *msg, size_t len,
                            struct domb_error *err)
{
    if (back->rsp_prod_pvt == back->req_cons)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BUSY),
                              "no request to answer: all %u consumed requests have responses",
                              back->req_cons);
    return ring_publish(back->page, &back->rsp_prod_pvt, PROTO_RING_OFF_RSP_PROD,
                        PROTO_RING_OFF_RSP_EVENT, msg, len, err);
}

int proto_ring_get_response(struct proto_front_ring *front, uint8_t copy_out[PROTO_SLOT_SIZE],
                            struct domb_error *err)
{
    uint32_t prod = ring_read_prod(front->page, PROTO_RING_OFF_RSP_PROD, PROTO_RING_OFF_RSP_EVENT,
                                   front->rsp_cons);

    /* RING_RESPONSE_PROD_OVERFLOW: never more responses than requests. */
    if (prod - front->rsp_cons > front->req_prod_pvt - front->rsp_cons)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_RING_CORRUPT),
                              "ring indexes corrupt: rsp_prod %u with %u responses consumed and "
                              "%u requests sent",
                              prod, front->rsp_cons, front->req_prod_pvt);
    if (prod == front->rsp_cons)
        return 0;
    memcpy(copy_out, ring_slot(front->page, front->rsp_cons), PROTO_SLOT_SIZE);
    front->rsp_cons++;
    return 1;
}
