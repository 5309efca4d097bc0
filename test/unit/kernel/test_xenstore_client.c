/* The guests' xenstore client against the builder's own xenstore server and hostile ones. */
#include "domb_test.h"

#include <domb/errno.h>
#include <kernel/xenstore_client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore/xenstore.h>

#define GUEST 5
#define MS    1000000ULL

static uint8_t arena[256 * 1024];
static struct xs_store store;
static struct xs_conn *conn;
static struct xenstore_domain_interface *ring;
static struct xs_client *c;
static uint64_t clock_ns;
static bool server_up;
static unsigned long notifies, waits;

/* The server side runs while the client waits (or when a test says so). */
static void serve(void)
{
    bool notify = false;

    if (server_up)
        xs_conn_process(conn, ring, &notify);
}

static void env_notify(void *arg)
{
    notifies++;
}

static void env_wait(void *arg, uint64_t timeout_ns)
{
    waits++;
    clock_ns += timeout_ns < MS ? timeout_ns : MS;
    serve();
}

static uint64_t env_now(void *arg)
{
    return clock_ns;
}

static const struct xs_client_env env = {.notify = env_notify, .wait = env_wait, .now_ns = env_now};

static int setup(void **state)
{
    struct domb_error err;
    struct xs_domain_info info = {.domid = GUEST, .name = "g", .mem_kib = 16384, .vcpus = 1};

    assert_int_equal(xs_store_init(&store, arena, sizeof(arena), 1024, &err), 0);
    assert_int_equal(xs_store_domain_introduce(&store, &info, &err), 0);
    conn = calloc(1, sizeof(*conn));
    ring = calloc(1, sizeof(*ring));
    c = calloc(1, sizeof(*c));
    assert_non_null(conn);
    assert_non_null(ring);
    assert_non_null(c);
    xs_conn_init(conn, &store, GUEST);
    xs_client_init(c, ring, &env);
    clock_ns = 1000 * MS;
    server_up = true;
    notifies = waits = 0;
    return 0;
}

static int teardown(void **state)
{
    xs_conn_destroy(conn);
    free(conn);
    free(ring);
    free(c);
    return 0;
}

static void read_write_and_errors(void **state)
{
    char buf[64];
    struct domb_error err;

    assert_int_equal(xs_client_write(c, "control/shutdown", "poweroff", 8, 100 * MS), 0);
    assert_int_equal(xs_client_read(c, "control/shutdown", buf, sizeof(buf), 100 * MS), 8);
    assert_string_equal(buf, "poweroff");
    assert_int_equal(
        xs_client_read(c, "/local/domain/5/control/shutdown", buf, sizeof(buf), 100 * MS), 8);
    assert_int_equal(xs_client_write(c, "control/shutdown", "", 0, 100 * MS), 0);
    assert_int_equal(xs_client_read(c, "control/shutdown", buf, sizeof(buf), 100 * MS), 0);
    assert_string_equal(buf, "");
    assert_int_equal(xs_client_read(c, "no/such/node", buf, sizeof(buf), 100 * MS), -XEN_ENOENT);
    /* dom0's private node: EACCES, as xenstored answers */
    assert_int_equal(xs_store_write(&store, 0, "/secret", "s", 1, &err), 0);
    assert_int_equal(xs_client_read(c, "/secret", buf, sizeof(buf), 100 * MS), -XEN_EACCES);
    assert_int_equal(xs_client_write(c, "bad//path", "x", 1, 100 * MS), -XEN_EINVAL);
    /* a value longer than the buffer */
    assert_int_equal(xs_client_read(c, "name", buf, 1, 100 * MS), -XEN_E2BIG);
    assert_int_equal(xs_client_read(c, "name", buf, 2, 100 * MS), 1);
    assert_string_equal(buf, "g");
    assert_false(c->broken);
    assert_true(notifies > 0);
}

/* A watch fires at once, then on every change (the builder's write as
 * dom0 included), and the events wait in the client until taken. */
static void watch_events(void **state)
{
    struct xs_client_event ev;
    struct domb_error err;

    assert_int_equal(xs_client_event(c, &ev), 0);
    assert_int_equal(xs_client_watch(c, "control/shutdown", "shutdown", 100 * MS), 0);
    assert_int_equal(xs_client_event(c, &ev), 1);
    assert_string_equal(ev.path, "control/shutdown");
    assert_string_equal(ev.token, "shutdown");
    assert_int_equal(xs_client_event(c, &ev), 0);
    /* the toolstack asks */
    assert_int_equal(
        xs_store_write(&store, 0, "/local/domain/5/control/shutdown", "reboot", 6, &err), 0);
    assert_int_equal(xs_client_event(c, &ev), 0); /* not served yet */
    serve();
    assert_int_equal(xs_client_event(c, &ev), 1);
    assert_string_equal(ev.path, "control/shutdown");
    /* more events than it keeps: the oldest stay, the rest are counted */
    for (int i = 0; i < 6; i++) {
        assert_int_equal(
            xs_store_write(&store, 0, "/local/domain/5/control/shutdown", "y", 1, &err), 0);
        serve();
    }
    /* reading the ring without taking events */
    assert_int_equal(xs_client_read(c, "control/shutdown", (char[8]){0}, 8, 100 * MS), 1);
    assert_int_equal(c->nr_events, XS_CLIENT_EVENTS);
    assert_int_equal(c->events_dropped, 2);
}

/* A server that does not answer: the wait ends at its deadline; its late
 * answer is dropped, and the next request works. */
static void silent_server_times_out(void **state)
{
    char buf[16];
    uint64_t t0 = clock_ns;

    server_up = false;
    assert_int_equal(xs_client_read(c, "name", buf, sizeof(buf), 50 * MS), -XEN_ETIMEDOUT);
    assert_true(clock_ns - t0 >= 50 * MS);
    assert_true(clock_ns - t0 <= 51 * MS);
    assert_false(c->broken);
    server_up = true;
    serve(); /* the old answer arrives */
    assert_int_equal(xs_client_write(c, "data/x", "1", 1, 50 * MS), 0);
    assert_int_equal(xs_client_read(c, "data/x", buf, sizeof(buf), 50 * MS), 1);
    assert_string_equal(buf, "1");
}

/* A server that takes no request bytes at all: the request cannot be
 * completed, so the stream is lost: broken, and it says so. */
static void full_request_ring_breaks(void **state)
{
    static char big[2000];
    char buf[8];

    server_up = false;
    memset(big, 'v', sizeof(big));
    assert_int_equal(xs_client_write(c, "data/big", big, sizeof(big), 20 * MS), -XEN_EIO);
    assert_true(c->broken);
    assert_string_equal(c->error.msg, "the server took no request bytes in time");
    assert_int_equal(xs_client_read(c, "name", buf, sizeof(buf), 20 * MS), -XEN_EIO);
}

/* A hostile server: a message longer than xenstore allows, or response
 * indexes that claim more than the ring. */
static void hostile_server(void **state)
{
    struct xsd_sockmsg h = {.type = XS_READ, .req_id = 1, .len = 5000};
    struct xs_client_event ev;

    memcpy(ring->rsp, &h, sizeof(h));
    ring->rsp_prod = sizeof(h);
    assert_int_equal(xs_client_event(c, &ev), -XEN_EIO);
    assert_string_equal(c->error.msg, "a message of 5000 bytes, more than xenstore's 4096");
    assert_int_equal(xs_client_write(c, "x", "", 0, 10 * MS), -XEN_EIO);

    xs_client_init(c, ring, &env);
    ring->rsp_cons = 0;
    ring->rsp_prod = 4000;
    assert_int_equal(xs_client_event(c, &ev), -XEN_EIO);
    assert_string_equal(c->error.msg, "the response ring's indexes are nonsense (4000 in use)");

    xs_client_init(c, ring, &env);
    memset(ring, 0, sizeof(*ring));
    ring->req_prod = 3000;
    server_up = false;
    assert_int_equal(xs_client_write(c, "x", "", 0, 10 * MS), -XEN_EIO);
    assert_string_equal(c->error.msg, "the request ring's indexes are nonsense (3000 in use)");
}

/* An answer of the wrong type to our request. */
static void wrong_answer_type_breaks(void **state)
{
    struct xsd_sockmsg h = {.type = XS_DIRECTORY, .req_id = 1, .len = 3};
    char buf[8];

    server_up = false;
    memcpy(ring->rsp, &h, sizeof(h));
    memcpy(ring->rsp + sizeof(h), "OK", 3);
    ring->rsp_prod = sizeof(h) + 3;
    assert_int_equal(xs_client_read(c, "name", buf, sizeof(buf), 10 * MS), -XEN_EIO);
    assert_string_equal(c->error.msg, "request 1 of type 2 was answered with type 1");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(read_write_and_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(watch_events, setup, teardown),
    cmocka_unit_test_setup_teardown(silent_server_times_out, setup, teardown),
    cmocka_unit_test_setup_teardown(full_request_ring_breaks, setup, teardown),
    cmocka_unit_test_setup_teardown(hostile_server, setup, teardown),
    cmocka_unit_test_setup_teardown(wrong_answer_type_breaks, setup, teardown),
};

DOMB_TEST_MAIN(tests)
