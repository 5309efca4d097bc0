/*
 * db-server ring page against a hostile peer (corrupt, moving and flooding
 * indexes, a page rewritten between the index read and the slot copy), and
 * the server's quota and request-sequence policy.
 */
#include "domb_test.h"

#include <domb/errno.h>
#include <domb/byteorder.h>
#include <proto/protocol.h>
#include <string.h>

static _Alignas(4096) uint8_t page[PROTO_PAGE_SIZE];
static uint8_t msg[PROTO_SLOT_SIZE];
static uint8_t copy[PROTO_SLOT_SIZE];
static struct proto_front_ring front; /* the client's view */
static struct proto_back_ring back;   /* the server's view */

static uint32_t index_at(size_t off)
{
    uint32_t v;

    memcpy(&v, page + off, sizeof(v));
    return v;
}

static void set_index(size_t off, uint32_t v)
{
    memcpy(page + off, &v, sizeof(v));
}

/* An encoded ping request with the given id; returns its length. */
static size_t ping_request(uint64_t id, uint64_t nonce)
{
    struct proto_request req = {.type = PROTO_TYPE_PING, .id = id};
    int n;

    req.ping.nonce = nonce;
    n = proto_request_encode(&req, msg, sizeof(msg), NULL);
    assert_int_equal(n, PROTO_PING_REQ_SIZE);
    return (size_t)n;
}

static void ring_connect(void)
{
    memset(page, 0xa5, sizeof(page)); /* whatever the page held before */
    proto_ring_init(&front, page);
    assert_int_equal(proto_ring_attach(&back, page, NULL), 0);
}

static int ring_setup(void **state)
{
    (void)state;
    ring_connect();
    return 0;
}

/* Client puts a request, server takes it: the copy decodes to the same id. */
static void send_and_take(uint64_t id)
{
    struct proto_request req;

    assert_true(proto_ring_put_request(&front, msg, ping_request(id, id * 3), NULL) >= 0);
    assert_int_equal(proto_ring_get_request(&back, copy, NULL), 1);
    assert_int_equal(proto_request_decode(copy, sizeof(copy), &req, NULL), 0);
    assert_int_equal(req.id, id);
    assert_int_equal(req.ping.nonce, id * 3);
}

/* Server answers the ping in req, client takes the answer. */
static void answer_and_take(uint64_t id)
{
    struct proto_request req = {.type = PROTO_TYPE_PING, .id = id};
    struct proto_response rsp;
    int n;

    proto_response_ok(&rsp, &req);
    rsp.ping.nonce = id;
    n = proto_response_encode(&rsp, msg, sizeof(msg), NULL);
    assert_int_equal(n, PROTO_PING_RSP_SIZE);
    assert_true(proto_ring_put_response(&back, msg, (size_t)n, NULL) >= 0);
    assert_int_equal(proto_ring_get_response(&front, copy, NULL), 1);
    assert_int_equal(proto_response_decode(copy, sizeof(copy), &rsp, NULL), 0);
    assert_int_equal(rsp.id, id);
}

static void expect_corrupt(void)
{
    struct domb_error err;

    assert_int_equal(proto_ring_get_request(&back, copy, &err), PROTO_RC(PROTO_ERR_RING_CORRUPT));
    assert_int_equal(err.code, PROTO_RC(PROTO_ERR_RING_CORRUPT));
    assert_non_null(strstr(err.msg, "ring indexes corrupt"));
}

static void ring_init_layout(void **state)
{

    (void)state;
    assert_memory_equal(page + PROTO_RING_OFF_MAGIC, "DOMBRING", 8);
    assert_int_equal(get_le16(page + PROTO_RING_OFF_VERSION), 1);
    assert_int_equal(get_le16(page + PROTO_RING_OFF_NR_SLOTS), 1);
    assert_int_equal(get_le16(page + PROTO_RING_OFF_SLOT_SIZE), 4032);
    assert_int_equal(index_at(PROTO_RING_OFF_REQ_PROD), 0);
    assert_int_equal(index_at(PROTO_RING_OFF_RSP_PROD), 0);
    assert_int_equal(index_at(PROTO_RING_OFF_REQ_EVENT), 1);
    assert_int_equal(index_at(PROTO_RING_OFF_RSP_EVENT), 1);
    for (size_t i = PROTO_RING_OFF_SLOTS; i < PROTO_PAGE_SIZE; i++)
        assert_int_equal(page[i], 0);
}

static void ring_attach_rejects_bad_header(void **state)
{
    struct domb_error err;

    (void)state;
    page[PROTO_RING_OFF_MAGIC] = 'X';
    assert_int_equal(proto_ring_attach(&back, page, &err), PROTO_RC(PROTO_ERR_RING_CORRUPT));
    assert_string_equal(err.msg, "ring page does not start with \"DOMBRING\" (not initialised?)");
    ring_connect();
    put_le16(page + PROTO_RING_OFF_VERSION, 2);
    assert_int_equal(proto_ring_attach(&back, page, &err), PROTO_RC(PROTO_ERR_RING_CORRUPT));
    assert_string_equal(err.msg, "ring version 2 is not supported (this server speaks 1)");
    ring_connect();
    put_le16(page + PROTO_RING_OFF_NR_SLOTS, 2);
    assert_int_equal(proto_ring_attach(&back, page, &err), PROTO_RC(PROTO_ERR_RING_CORRUPT));
    assert_string_equal(err.msg, "ring has 2 slots of 4032 bytes; version 1 has 1 of 4032");
    ring_connect();
    page[PROTO_RING_OFF_SLOTS - 1] = 1;
    assert_int_equal(proto_ring_attach(&back, page, &err), PROTO_RC(PROTO_ERR_RING_CORRUPT));
    assert_string_equal(err.msg, "ring header byte at offset 0x3f is reserved but not zero");
}

/* Whole conversations: both sides notify exactly when the other waits. */
static void ring_round_trips_and_notify(void **state)
{

    (void)state;
    /* The server waits (req_event 1): the first request notifies. */
    assert_int_equal(proto_ring_put_request(&front, msg, ping_request(1, 1), NULL), 1);
    assert_int_equal(index_at(PROTO_RING_OFF_REQ_PROD), 1);
    assert_int_equal(proto_ring_get_request(&back, copy, NULL), 1);
    /* Nothing more: the server re-arms req_event for the next request. */
    assert_int_equal(proto_ring_get_request(&back, copy, NULL), 0);
    assert_int_equal(index_at(PROTO_RING_OFF_REQ_EVENT), 2);
    answer_and_take(1);
    assert_int_equal(proto_ring_get_response(&front, copy, NULL), 0);
    assert_int_equal(index_at(PROTO_RING_OFF_RSP_EVENT), 2);
    for (uint64_t id = 2; id < 10; id++) {
        send_and_take(id);
        answer_and_take(id);
    }
    assert_int_equal(back.req_cons, 9);
    assert_int_equal(back.rsp_prod_pvt, 9);
    assert_int_equal(front.rsp_cons, 9);
}

/* The server is busy (has not re-armed req_event): no notification needed. */
static void ring_no_notify_when_peer_not_waiting(void **state)
{

    (void)state;
    set_index(PROTO_RING_OFF_REQ_EVENT, 0); /* server last asked for event 0: already past */
    assert_int_equal(proto_ring_put_request(&front, msg, ping_request(1, 1), NULL), 0);
    assert_int_equal(proto_ring_get_request(&back, copy, NULL), 1);
    set_index(PROTO_RING_OFF_RSP_EVENT, 0);
    assert_int_equal(proto_ring_put_response(&back, msg, 16, NULL), 0);
}

/* Indexes are free-running u32s: conversations carry on across the wrap. */
static void ring_index_wrap(void **state)
{

    (void)state;
    front.req_prod_pvt = front.rsp_cons = UINT32_MAX - 1;
    back.req_cons = back.rsp_prod_pvt = UINT32_MAX - 1;
    set_index(PROTO_RING_OFF_REQ_PROD, UINT32_MAX - 1);
    set_index(PROTO_RING_OFF_RSP_PROD, UINT32_MAX - 1);
    for (uint64_t id = 1; id <= 4; id++) {
        send_and_take(id);
        answer_and_take(id);
    }
    assert_int_equal(back.req_cons, 2);
    assert_int_equal(index_at(PROTO_RING_OFF_RSP_PROD), 2);
}

static void ring_full_and_nothing_to_answer(void **state)
{
    struct domb_error err;

    (void)state;
    assert_int_equal(proto_ring_put_response(&back, msg, 16, &err), PROTO_RC(PROTO_ERR_BUSY));
    assert_string_equal(err.msg, "no request to answer: all 0 consumed requests have responses");
    assert_int_equal(proto_ring_put_request(&front, msg, ping_request(1, 1), NULL), 1);
    assert_int_equal(proto_ring_put_request(&front, msg, ping_request(2, 2), &err),
                     PROTO_RC(PROTO_ERR_BUSY));
    assert_string_equal(err.msg, "ring is full: request 1 has no response yet");
    /* the refused request did not touch the page */
    assert_int_equal(index_at(PROTO_RING_OFF_REQ_PROD), 1);
    assert_int_equal(get_le64(page + PROTO_RING_OFF_SLOTS + PROTO_OFF_ID), 1);
}

static void ring_message_length_checked(void **state)
{
    struct domb_error err;

    (void)state;
    assert_int_equal(proto_ring_put_request(&front, msg, 0, &err), PROTO_RC(PROTO_ERR_BAD_LENGTH));
    assert_int_equal(proto_ring_put_request(&front, msg, PROTO_SLOT_SIZE + 1, &err),
                     PROTO_RC(PROTO_ERR_BAD_LENGTH));
    assert_string_equal(err.msg,
                        "message of 4033 bytes does not fit a 4032-byte slot (or is empty)");
    assert_int_equal(proto_ring_put_request(&front, msg, PROTO_SLOT_SIZE, NULL), 1);
    assert_int_equal(proto_ring_get_request(&back, copy, NULL), 1);
    assert_int_equal(proto_ring_put_response(&back, msg, 0, &err), PROTO_RC(PROTO_ERR_BAD_LENGTH));
}

/* A short message clears the rest of its slot: no stale bytes of an older one. */
static void ring_slot_tail_cleared(void **state)
{

    (void)state;
    memset(page + PROTO_RING_OFF_SLOTS, 0x77, PROTO_SLOT_SIZE);
    proto_ring_put_request(&front, msg, ping_request(1, 1), NULL);
    for (size_t i = PROTO_PING_REQ_SIZE; i < PROTO_SLOT_SIZE; i++)
        assert_int_equal(page[PROTO_RING_OFF_SLOTS + i], 0);
}

static void ring_prod_jumps_ahead(void **state)
{

    (void)state;
    set_index(PROTO_RING_OFF_REQ_PROD, 2); /* two requests in a one-slot ring */
    expect_corrupt();
    assert_int_equal(back.req_cons, 0);
}

static void ring_prod_moves_backwards(void **state)
{

    (void)state;
    send_and_take(1);
    answer_and_take(1);
    set_index(PROTO_RING_OFF_REQ_PROD, 0);
    expect_corrupt();
    set_index(PROTO_RING_OFF_REQ_PROD, UINT32_MAX);
    expect_corrupt();
}

/* A second request while the first is unanswered would overwrite its slot. */
static void ring_request_while_unanswered(void **state)
{
    struct domb_error err;

    (void)state;
    send_and_take(1);
    set_index(PROTO_RING_OFF_REQ_PROD, 2);
    assert_int_equal(proto_ring_get_request(&back, copy, &err), PROTO_RC(PROTO_ERR_RING_CORRUPT));
    assert_string_equal(err.msg, "ring indexes corrupt: req_prod 2 with 1 requests consumed and 0 "
                                 "answered, in a 1-slot ring");
    /* and the prod index going back behind what was consumed */
    set_index(PROTO_RING_OFF_REQ_PROD, 0);
    expect_corrupt();
    assert_int_equal(back.req_cons, 1);
}

/* A flooding client: its index claims many more requests than slots. */
static void ring_flood(void **state)
{

    (void)state;
    for (uint32_t prod = 2; prod < 1u << 20; prod = prod * 3 + 1) {
        set_index(PROTO_RING_OFF_REQ_PROD, prod);
        expect_corrupt();
    }
    set_index(PROTO_RING_OFF_REQ_PROD, 0x80000000u);
    expect_corrupt();
    /* The client playing by the rules cannot flood: the front side refuses. */
    ring_connect();
    for (uint64_t id = 1; id <= 100; id++) {
        int rc = proto_ring_put_request(&front, msg, ping_request(id, id), NULL);

        assert_int_equal(rc, id == 1 ? 1 : PROTO_RC(PROTO_ERR_BUSY));
    }
    assert_int_equal(proto_ring_get_request(&back, copy, NULL), 1);
    assert_int_equal(proto_ring_get_request(&back, copy, NULL), 0);
}

/* The peer rewrites the page between the server's index read and its copy. */
struct race {
    int calls;
    uint32_t new_prod;
    bool trash_slot;
};

static void race_hook(uint8_t *p, void *arg)
{
    struct race *race = arg;
    uint32_t prod = race->new_prod;

    race->calls++;
    memcpy(p + PROTO_RING_OFF_REQ_PROD, &prod, sizeof(prod));
    if (race->trash_slot)
        memset(p + PROTO_RING_OFF_SLOTS, 0xff, PROTO_SLOT_SIZE);
}

static void ring_index_changes_during_copy(void **state)
{
    struct race race = {.new_prod = 1000};

    (void)state;
    back.race_hook = race_hook;
    back.race_arg = &race;
    send_and_take(1); /* the validated index is the one used */
    assert_int_equal(race.calls, 1);
    assert_int_equal(back.req_cons, 1);
    expect_corrupt(); /* the new value is seen (and refused) next time */
    assert_int_equal(race.calls, 1);
}

/* A slot rewritten before the copy yields a copy the decoder refuses. */
static void ring_slot_trashed_before_copy(void **state)
{
    struct race race = {.new_prod = 1, .trash_slot = true};
    struct proto_request req;
    struct proto_response rsp;
    struct domb_error err;
    int n;

    (void)state;
    back.race_hook = race_hook;
    back.race_arg = &race;
    proto_ring_put_request(&front, msg, ping_request(5, 5), NULL);
    assert_int_equal(proto_ring_get_request(&back, copy, NULL), 1);
    assert_int_equal(proto_request_decode(copy, sizeof(copy), &req, &err),
                     PROTO_RC(PROTO_ERR_BAD_MAGIC));
    /* The server still answers in the slot, and the client reads the error. */
    proto_response_error(&rsp, &req, &err);
    n = proto_response_encode(&rsp, msg, sizeof(msg), NULL);
    assert_int_equal(n, PROTO_RSP_HDR_SIZE);
    assert_int_equal(proto_ring_put_response(&back, msg, (size_t)n, NULL), 1);
    assert_int_equal(proto_ring_get_response(&front, copy, NULL), 1);
    assert_int_equal(proto_response_decode(copy, sizeof(copy), &rsp, NULL), 0);
    assert_int_equal(rsp.error, PROTO_ERR_BAD_MAGIC);
    assert_string_equal(rsp.reason, "request magic is not \"DOMB-REQ\"");
}

/* Rewriting the page after the copy changes nothing the server decoded. */
static void ring_page_rewritten_after_copy(void **state)
{
    struct proto_request req;

    (void)state;
    proto_ring_put_request(&front, msg, ping_request(9, 1234), NULL);
    assert_int_equal(proto_ring_get_request(&back, copy, NULL), 1);
    memset(page, 0xff, sizeof(page));
    assert_int_equal(proto_request_decode(copy, sizeof(copy), &req, NULL), 0);
    assert_int_equal(req.id, 9);
    assert_int_equal(req.ping.nonce, 1234);
}

/* The client checks the server too. */
static void ring_response_prod_corrupt(void **state)
{
    struct domb_error err;

    (void)state;
    set_index(PROTO_RING_OFF_RSP_PROD, 1); /* a response with no request */
    assert_int_equal(proto_ring_get_response(&front, copy, &err), PROTO_RC(PROTO_ERR_RING_CORRUPT));
    assert_string_equal(err.msg, "ring indexes corrupt: rsp_prod 1 with 0 responses consumed and 0 "
                                 "requests sent");
    set_index(PROTO_RING_OFF_RSP_PROD, 0);
    proto_ring_put_request(&front, msg, ping_request(1, 1), NULL);
    set_index(PROTO_RING_OFF_RSP_PROD, 2);
    assert_int_equal(proto_ring_get_response(&front, copy, &err), PROTO_RC(PROTO_ERR_RING_CORRUPT));
    set_index(PROTO_RING_OFF_RSP_PROD, UINT32_MAX);
    assert_int_equal(proto_ring_get_response(&front, copy, &err), PROTO_RC(PROTO_ERR_RING_CORRUPT));
}

/* --- policy --- */

static void quota_allows_within_limits(void **state)
{
    const struct proto_quota limit = {.max_vms = 2, .max_memory_mib = 1024, .max_devices = 3};
    struct proto_usage used = {0};

    (void)state;
    assert_int_equal(proto_quota_check(&limit, &used, 512, 1, NULL), 0);
    proto_quota_charge(&used, 512, 1);
    assert_int_equal(proto_quota_check(&limit, &used, 512, 2, NULL), 0); /* exactly the limit */
    proto_quota_charge(&used, 512, 2);
    assert_int_equal(used.vms, 2);
    assert_int_equal(used.memory_mib, 1024);
    assert_int_equal(used.devices, 3);
}

static void quota_vm_limit(void **state)
{
    const struct proto_quota limit = {.max_vms = 1, .max_memory_mib = 1024, .max_devices = 16};
    struct proto_usage used = {.vms = 1, .memory_mib = 16};
    struct domb_error err;

    (void)state;
    assert_int_equal(proto_quota_check(&limit, &used, 16, 0, &err), PROTO_RC(PROTO_ERR_QUOTA));
    assert_string_equal(err.msg, "client already has 1 VMs; its limit is 1");
    const struct proto_quota none = {0, 1024, 16};
    struct proto_usage empty = {0};
    assert_int_equal(proto_quota_check(&none, &empty, 16, 0, NULL), PROTO_RC(PROTO_ERR_QUOTA));
}

static void quota_memory_limit(void **state)
{
    const struct proto_quota limit = {.max_vms = 8, .max_memory_mib = 1024, .max_devices = 16};
    struct proto_usage used = {.vms = 1, .memory_mib = 1000};
    struct domb_error err;

    (void)state;
    assert_int_equal(proto_quota_check(&limit, &used, 25, 0, &err), PROTO_RC(PROTO_ERR_QUOTA));
    assert_string_equal(err.msg,
                        "25 MiB more would bring the client to 1025 MiB; its limit is 1024 MiB");
    /* no u32 wrap-around lets a huge request through */
    assert_int_equal(proto_quota_check(&limit, &used, UINT32_MAX, 0, &err),
                     PROTO_RC(PROTO_ERR_QUOTA));
}

static void quota_device_limit(void **state)
{
    const struct proto_quota limit = {.max_vms = 8, .max_memory_mib = 1024, .max_devices = 4};
    struct proto_usage used = {.vms = 2, .memory_mib = 64, .devices = 3};
    struct domb_error err;

    (void)state;
    assert_int_equal(proto_quota_check(&limit, &used, 16, 1, NULL), 0);
    assert_int_equal(proto_quota_check(&limit, &used, 16, 2, &err), PROTO_RC(PROTO_ERR_QUOTA));
    assert_string_equal(err.msg, "2 devices more would bring the client to 5; its limit is 4");
    assert_int_equal(proto_quota_check(&limit, &used, 16, UINT32_MAX, &err),
                     PROTO_RC(PROTO_ERR_QUOTA));
    /* A limit of 0 devices: VMs without devices only. */
    const struct proto_quota none = {8, 1024, 0};
    struct proto_usage empty = {0};
    assert_int_equal(proto_quota_check(&none, &empty, 16, 0, NULL), 0);
    assert_int_equal(proto_quota_check(&none, &empty, 16, 1, &err), PROTO_RC(PROTO_ERR_QUOTA));
    assert_string_equal(err.msg, "1 devices more would bring the client to 1; its limit is 0");
}

static void quota_release(void **state)
{
    struct proto_usage used = {0};
    struct domb_error err;

    (void)state;
    proto_quota_charge(&used, 100, 2);
    assert_int_equal(proto_quota_release(&used, 100, 2, NULL), 0);
    assert_int_equal(used.vms, 0);
    assert_int_equal(used.memory_mib, 0);
    assert_int_equal(used.devices, 0);
    assert_int_equal(proto_quota_release(&used, 100, 0, &err), PROTO_RC(PROTO_ERR_INTERNAL));
    assert_string_equal(err.msg, "releasing a 100 MiB VM with 0 devices from a client charged 0 "
                                 "VMs, 0 MiB and 0 devices");
    proto_quota_charge(&used, 10, 1);
    assert_int_equal(proto_quota_release(&used, 11, 1, &err), PROTO_RC(PROTO_ERR_INTERNAL));
    assert_int_equal(proto_quota_release(&used, 10, 2, &err), PROTO_RC(PROTO_ERR_INTERNAL));
    assert_int_equal(used.vms, 1); /* unchanged on refusal */
    assert_int_equal(used.devices, 1);
}

static void sequence_increasing(void **state)
{
    struct proto_sequence seq = {0};

    (void)state;
    assert_int_equal(proto_sequence_check(&seq, 1, NULL), 0);
    assert_int_equal(proto_sequence_check(&seq, 2, NULL), 0);
    assert_int_equal(proto_sequence_check(&seq, 10, NULL), 0); /* gaps are fine */
    assert_int_equal(proto_sequence_check(&seq, UINT64_MAX, NULL), 0);
    assert_int_equal(seq.last_id, UINT64_MAX);
    assert_int_equal(proto_sequence_check(&seq, UINT64_MAX, NULL), PROTO_RC(PROTO_ERR_SEQUENCE));
}

static void sequence_replay_and_reorder(void **state)
{
    struct proto_sequence seq = {0};
    struct domb_error err;

    (void)state;
    assert_int_equal(proto_sequence_check(&seq, 0, &err), PROTO_RC(PROTO_ERR_SEQUENCE));
    assert_int_equal(proto_sequence_check(&seq, 5, NULL), 0);
    assert_int_equal(proto_sequence_check(&seq, 5, &err), PROTO_RC(PROTO_ERR_SEQUENCE));
    assert_string_equal(err.msg, "request id 5 is not above the last accepted id 5 (replayed or "
                                 "out of order)");
    assert_int_equal(proto_sequence_check(&seq, 3, &err), PROTO_RC(PROTO_ERR_SEQUENCE));
    assert_int_equal(seq.last_id, 5); /* a refused id does not move the sequence */
    assert_int_equal(proto_sequence_check(&seq, 6, NULL), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(ring_init_layout, ring_setup),
    cmocka_unit_test_setup(ring_attach_rejects_bad_header, ring_setup),
    cmocka_unit_test_setup(ring_round_trips_and_notify, ring_setup),
    cmocka_unit_test_setup(ring_no_notify_when_peer_not_waiting, ring_setup),
    cmocka_unit_test_setup(ring_index_wrap, ring_setup),
    cmocka_unit_test_setup(ring_full_and_nothing_to_answer, ring_setup),
    cmocka_unit_test_setup(ring_message_length_checked, ring_setup),
    cmocka_unit_test_setup(ring_slot_tail_cleared, ring_setup),
    cmocka_unit_test_setup(ring_prod_jumps_ahead, ring_setup),
    cmocka_unit_test_setup(ring_prod_moves_backwards, ring_setup),
    cmocka_unit_test_setup(ring_request_while_unanswered, ring_setup),
    cmocka_unit_test_setup(ring_flood, ring_setup),
    cmocka_unit_test_setup(ring_index_changes_during_copy, ring_setup),
    cmocka_unit_test_setup(ring_slot_trashed_before_copy, ring_setup),
    cmocka_unit_test_setup(ring_page_rewritten_after_copy, ring_setup),
    cmocka_unit_test_setup(ring_response_prod_corrupt, ring_setup),
    cmocka_unit_test(quota_allows_within_limits),
    cmocka_unit_test(quota_vm_limit),
    cmocka_unit_test(quota_memory_limit),
    cmocka_unit_test(quota_device_limit),
    cmocka_unit_test(quota_release),
    cmocka_unit_test(sequence_increasing),
    cmocka_unit_test(sequence_replay_and_reorder),
};

DOMB_TEST_MAIN(tests)
