/*
 * The ring against a guest that really runs at the same time, and notifies
 * as Linux's xenbus does (drivers/xen/xenbus/xenbus_comms.c, 6.1):
 *   xb_write: after publishing req_prod, notify only if the consumer had
 *     caught up with the old producer ("if (prod <= intf->req_cons)"): a
 *     server still busy is expected to see the new bytes itself;
 *   xb_read:  after consuming, notify only if the response ring was full.
 * Linux writes a request's header and payload as two chunks. A server that
 * looks at req_prod once per notification loses the payload that lands
 * while it consumes the header, and the guest waits forever (seen as
 * "INFO: task xenwatch blocked for more than 120 seconds" in a Linux guest
 * once Xen had two physical CPUs). Two threads, many requests, each
 * answered within a bound or the test fails.
 */
#include "xs_fixture.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RACE_REQUESTS 20000
#define RACE_WAIT_NS  (5ULL * 1000000000ULL)

struct race {
    struct fx *f;
    int conn;
    int to_server, to_guest; /* event channel pending bits */
    int stop;
    unsigned long answered, server_calls, idle;
    char failure[200];
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *server(void *arg)
{
    struct race *r = arg;

    while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
        bool notify = false;

        if (!__atomic_exchange_n(&r->to_server, 0, __ATOMIC_ACQ_REL)) {
            /* Spin (a vCPU that polls), yielding now and then on a busy host. */
            if (++r->idle % 4096 == 0)
                sched_yield();
            continue;
        }
        r->server_calls++;
        if (xs_conn_process(&r->f->conn[r->conn], r->f->ring[r->conn], &notify) < 0) {
            snprintf(r->failure, sizeof(r->failure), "server: %s", r->f->conn[r->conn].error.msg);
            break;
        }
        if (notify)
            __atomic_store_n(&r->to_guest, 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* Linux's xb_write of one chunk. */
static void guest_write(struct race *r, const void *data, uint32_t len)
{
    struct xenstore_domain_interface *ring = r->f->ring[r->conn];
    uint32_t prod = __atomic_load_n(&ring->req_prod, __ATOMIC_ACQUIRE);

    for (uint32_t i = 0; i < len; i++)
        ring->req[MASK_XENSTORE_IDX(prod + i)] = ((const char *)data)[i];
    __atomic_store_n(&ring->req_prod, prod + len, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (prod <= __atomic_load_n(&ring->req_cons, __ATOMIC_ACQUIRE))
        __atomic_store_n(&r->to_server, 1, __ATOMIC_RELEASE);
}

/* Linux's xb_read of one whole answer; false when none comes in time. */
static bool guest_read(struct race *r, struct xsd_sockmsg *hdr, char *payload)
{
    struct xenstore_domain_interface *ring = r->f->ring[r->conn];
    char buf[sizeof(*hdr) + XENSTORE_PAYLOAD_MAX];
    uint32_t got = 0, want = sizeof(*hdr);
    uint64_t t0 = now_ns();

    while (got < want) {
        uint32_t cons = __atomic_load_n(&ring->rsp_cons, __ATOMIC_ACQUIRE);
        uint32_t prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE);
        uint32_t n = prod - cons;

        if (n == 0) {
            if (now_ns() - t0 > RACE_WAIT_NS)
                return false;
            sched_yield();
            continue;
        }
        if (n > want - got)
            n = want - got;
        for (uint32_t i = 0; i < n; i++)
            buf[got + i] = ring->rsp[MASK_XENSTORE_IDX(cons + i)];
        got += n;
        __atomic_store_n(&ring->rsp_cons, cons + n, __ATOMIC_RELEASE);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (prod - cons == XENSTORE_RING_SIZE)
            __atomic_store_n(&r->to_server, 1, __ATOMIC_RELEASE);
        if (got == sizeof(*hdr)) {
            memcpy(hdr, buf, sizeof(*hdr));
            want += hdr->len;
        }
    }
    memcpy(payload, buf + sizeof(*hdr), hdr->len);
    return true;
}

static void requests_split_like_linux_are_all_answered(void **state)
{
    struct fx *f = *state;
    struct race r = {.f = f, .conn = 1};
    pthread_t t;

    assert_int_equal(pthread_create(&t, NULL, server, &r), 0);
    for (unsigned long i = 0; i < RACE_REQUESTS && !r.failure[0]; i++) {
        static const char path[] = "/local/domain/1"; /* its home: readable */
        char answer[XENSTORE_PAYLOAD_MAX];
        struct xsd_sockmsg hdr = {.type = XS_READ, .req_id = (uint32_t)i};
        struct xsd_sockmsg got;
        const char *payload = path;

        hdr.len = sizeof(path);
        guest_write(&r, &hdr, sizeof(hdr));
        /* The payload a little later, as a vCPU that was interrupted:
         * somewhere inside the server's handling of the header. */
        for (unsigned long d = (i * 2654435761UL) % 97; d; d--)
            __asm__ volatile("pause");
        guest_write(&r, payload, hdr.len);
        if (!guest_read(&r, &got, answer)) {
            snprintf(r.failure, sizeof(r.failure),
                     "request %lu got no answer in 5 s (the server was called %lu times)", i,
                     r.server_calls);
            break;
        }
        if (got.req_id != (uint32_t)i || got.type != XS_READ) {
            snprintf(r.failure, sizeof(r.failure), "request %lu: answer type %u for request %u", i,
                     got.type, got.req_id);
            break;
        }
        r.answered++;
    }
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    if (r.failure[0])
        fail_msg("%s", r.failure);
    assert_int_equal(r.answered, RACE_REQUESTS);
}

/* A ring full of requests is answered a batch at a time: the connection
 * says it has more (xs_store_next_pending) until the ring is empty. */
static void a_full_ring_is_served_in_batches(void **state)
{
    struct fx *f = *state;
    struct xenstore_domain_interface *ring = f->ring[1];
    unsigned int sent = 0, rounds = 0;
    bool notify;

    while (XENSTORE_RING_SIZE - (ring->req_prod - ring->req_cons) >=
           sizeof(struct xsd_sockmsg) + 2) {
        struct xsd_sockmsg hdr = {.type = XS_READ, .req_id = sent++, .len = 2};

        fx_put(f, 1, &hdr, sizeof(hdr));
        fx_put(f, 1, "/", 2);
    }
    assert_true(sent > 32);
    do {
        uint32_t before = ring->req_cons;

        assert_int_equal(xs_conn_process(&f->conn[1], ring, &notify), 0);
        assert_true(ring->req_cons != before);
        ring->rsp_cons = ring->rsp_prod; /* the guest reads every answer */
        rounds++;
    } while (xs_store_next_pending(&f->store, NULL) == &f->conn[1]);
    assert_int_equal(ring->req_cons, ring->req_prod);
    assert_int_equal(f->conn[1].requests, sent);
    assert_int_equal(rounds, (sent + 31) / 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_full_ring_is_served_in_batches, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(requests_split_like_linux_are_all_answered, fx_setup,
                                        fx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
