/* The xenstore wire protocol and the ring, from the guest's side. */
#include "xs_fixture.h"

#include <domb/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OK "OK\0", 3

static void read_absent_is_enoent(void **state)
{
    struct fx *f = *state;

    fx_call_err(f, 1, XS_READ, P("device/vbd\0"), "ENOENT");
    fx_call_err(f, 1, XS_READ, P("/local/domain/1/device/vbd\0"), "ENOENT");
    fx_call_err(f, 1, XS_READ, P("/local/domain/2/name\0"), "EACCES");
}

static void write_then_read_relative(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_WRITE, 0, P("data/k\0value"), XS_WRITE, OK);
    fx_call(f, 1, XS_READ, 0, P("data/k\0"), XS_READ, P("value"));
    fx_call(f, 1, XS_READ, 0, P("/local/domain/1/data/k\0"), XS_READ, P("value"));
    fx_call(f, 1, XS_WRITE, 0, P("data/empty\0"), XS_WRITE, OK);
    fx_call(f, 1, XS_READ, 0, P("data/empty\0"), XS_READ, "", 0);
    fx_call(f, 1, XS_READ, 0, P("name\0"), XS_READ, P("guest1"));
    /* Binary values with NULs survive. */
    fx_call(f, 1, XS_WRITE, 0, P("data/bin\0a\0b\0"), XS_WRITE, OK);
    fx_call(f, 1, XS_READ, 0, P("data/bin\0"), XS_READ, P("a\0b\0"));
}

static void malformed_arguments_einval(void **state)
{
    struct fx *f = *state;

    fx_call_err(f, 1, XS_READ, P("data"), "EINVAL");        /* no NUL */
    fx_call_err(f, 1, XS_READ, P("data\0x\0"), "EINVAL");   /* two strings */
    fx_call_err(f, 1, XS_READ, "", 0, "EINVAL");            /* nothing */
    fx_call_err(f, 1, XS_WRITE, P("data/k"), "EINVAL");     /* no NUL after the path */
    fx_call_err(f, 1, XS_READ, P("\0"), "EINVAL");          /* empty relative path */
    fx_call_err(f, 1, XS_READ, P("data/a b\0"), "EINVAL");  /* bad character */
    fx_call_err(f, 1, XS_READ, P("data//a\0"), "EINVAL");   /* empty component */
    fx_call_err(f, 1, XS_WRITE, P("data/\0v"), "EINVAL");   /* trailing slash */
    fx_call_err(f, 1, XS_MKDIR, P("@special\0"), "EINVAL"); /* only for watches */
    fx_call_err(f, 1, XS_WATCH, P("data\0"), "EINVAL");     /* no token */
    fx_call_err(f, 1, XS_GET_DOMAIN_PATH, P("1x\0"), "EINVAL");
    fx_call_err(f, 1, XS_GET_DOMAIN_PATH, P("70000\0"), "EINVAL");
    fx_call_err(f, 1, XS_TRANSACTION_END, P("X\0"), "EINVAL");
}

static void path_too_long_einval(void **state)
{
    struct fx *f = *state;
    static char req[XENSTORE_PAYLOAD_MAX];
    /* "/local/domain/1/" is 16 characters: 3057 more make 3073. */
    uint32_t n = XS_PATH_MAX - 16 + 1;

    memset(req, 'a', n);
    memcpy(req, "data/", 5); /* the guest's own directory */
    req[n] = '\0';
    fx_call_err(f, 1, XS_WRITE, req, n + 1, "EINVAL");
    req[n - 1] = '\0'; /* 3072: allowed */
    fx_call(f, 1, XS_WRITE, 0, req, n, XS_WRITE, OK);
}

static void mkdir_rm_and_directory(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_MKDIR, 0, P("data/dir\0"), XS_MKDIR, OK);
    fx_call(f, 1, XS_MKDIR, 0, P("data/dir\0"), XS_MKDIR, OK);
    fx_call(f, 1, XS_WRITE, 0,
            P("data/dir/one\0"
              "1"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_WRITE, 0,
            P("data/dir/two\0"
              "2"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_DIRECTORY, 0, P("data/dir\0"), XS_DIRECTORY, P("one\0two\0"));
    fx_call(f, 1, XS_DIRECTORY, 0, P("device\0"), XS_DIRECTORY, P("suspend\0"));
    fx_call(f, 1, XS_DIRECTORY, 0, P("cpu\0"), XS_DIRECTORY,
            P("0\0"
              "1\0"));
    fx_call(f, 1, XS_RM, 0, P("data/dir/one\0"), XS_RM, OK);
    fx_call(f, 1, XS_RM, 0, P("data/dir/gone\0"), XS_RM, OK);
    fx_call_err(f, 1, XS_RM, P("data/nodir/gone\0"), "ENOENT");
    fx_call(f, 1, XS_DIRECTORY, 0, P("data/dir\0"), XS_DIRECTORY, P("two\0"));
    fx_call(f, 1, XS_RM, 0, P("data/dir\0"), XS_RM, OK);
    fx_call_err(f, 1, XS_DIRECTORY, P("data/dir\0"), "ENOENT");
    fx_call_err(f, 2, XS_DIRECTORY, P("/local/domain/1\0"), "EACCES");
    fx_call_err(f, 0, XS_RM, P("/\0"), "EINVAL");
}

/* Read a directory too big for one message with XS_DIRECTORY_PART. */
static void directory_part_pages_a_big_directory(void **state)
{
    struct fx *f = *state;
    static char want[16384], got[16384], payload[XENSTORE_PAYLOAD_MAX + 1];
    struct xsd_sockmsg hdr;
    char path[64], req[64];
    uint32_t wlen = 0, glen = 0, off = 0;
    int parts = 0;

    for (int i = 0; i < 300; i++) {
        int n = snprintf(path, sizeof(path), "/big/child-with-a-long-name-%04d", i);

        assert_int_equal(xs_store_write(&f->store, 0, path, "", 0, NULL), 0);
        memcpy(want + wlen, path + 5, (size_t)n - 5 + 1);
        wlen += (uint32_t)n - 5 + 1;
    }
    fx_call_err(f, 0, XS_DIRECTORY, P("/big\0"), "E2BIG");
    for (;;) {
        int n = snprintf(req, sizeof(req), "/big%c%u", 0, off);

        fx_send(f, 0, XS_DIRECTORY_PART, 0, req, (uint32_t)n + 1);
        assert_int_equal(fx_process(f, 0), 0);
        assert_true(fx_recv(f, 0, &hdr, payload));
        assert_int_equal(hdr.type, XS_DIRECTORY_PART);
        assert_true(hdr.len <= XENSTORE_PAYLOAD_MAX);
        parts++;
        {
            size_t gl = strlen(payload) + 1; /* generation */
            uint32_t body = hdr.len - (uint32_t)gl;

            assert_true(gl > 1 && gl < 22);
            /* The last part ends with an empty string: two NULs. */
            if (body == 0 || (body >= 1 && payload[hdr.len - 1] == '\0' &&
                              (body == 1 || payload[hdr.len - 2] == '\0'))) {
                memcpy(got + glen, payload + gl, body ? body - 1 : 0);
                glen += body ? body - 1 : 0;
                break;
            }
            memcpy(got + glen, payload + gl, body);
            glen += body;
            off += body;
        }
        assert_true(parts < 10);
    }
    assert_true(parts >= 3);
    assert_int_equal(glen, wlen);
    assert_memory_equal(got, want, wlen);
    fx_call_err(f, 0, XS_DIRECTORY_PART, P("/big\0x\0"), "EINVAL");
}

static void get_and_set_perms(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_GET_PERMS, 0, P("name\0"), XS_GET_PERMS, P("n0\0r1\0"));
    fx_call(f, 1, XS_WRITE, 0, P("data/p\0v"), XS_WRITE, OK);
    fx_call(f, 1, XS_GET_PERMS, 0, P("data/p\0"), XS_GET_PERMS, P("n1\0"));
    fx_call(f, 1, XS_SET_PERMS, 0, P("data/p\0n1\0r2\0w3\0"), XS_SET_PERMS, OK);
    fx_call(f, 1, XS_GET_PERMS, 0, P("data/p\0"), XS_GET_PERMS, P("n1\0r2\0w3\0"));
    fx_call(f, 2, XS_READ, 0, P("/local/domain/1/data/p\0"), XS_READ, P("v"));
    fx_call_err(f, 1, XS_SET_PERMS, P("data/p\0x1\0"), "EINVAL");
    fx_call_err(f, 1, XS_SET_PERMS, P("data/p\0r\0"), "EINVAL");
    fx_call_err(f, 1, XS_SET_PERMS, P("data/p\0r99999\0"), "EINVAL");
    fx_call_err(f, 1, XS_SET_PERMS, P("data/p\0"), "EINVAL");
    fx_call_err(f, 1, XS_SET_PERMS, P("data/p\0n2\0"), "EPERM");
    fx_call_err(f, 1, XS_SET_PERMS, P("data/p\0n1\0r2\0r3\0r4\0r5\0r6\0"), "ENOSPC");
    fx_call_err(f, 2, XS_SET_PERMS, P("/local/domain/1/data/p\0b2\0"), "EACCES");
}

static void watch_fires_on_registration(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_WATCH, 0, P("control/shutdown\0tok\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("control/shutdown\0tok\0"));
    fx_expect_none(f, 1);
    /* Absolute watches report absolute paths, even on nodes that do not exist. */
    fx_call(f, 1, XS_WATCH, 0, P("/local/domain/1/nothing\0t2\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("/local/domain/1/nothing\0t2\0"));
    fx_call_err(f, 1, XS_WATCH, P("control/shutdown\0tok\0"), "EEXIST");
}

static void watch_fires_on_change(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_WATCH, 0, P("control\0c\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("control\0c\0"));
    /* The builder asks the guest to shut down. */
    assert_int_equal(
        xs_store_write(&f->store, 0, "/local/domain/1/control/shutdown", "poweroff", 8, NULL), 0);
    assert_true(xs_conn_has_output(&f->conn[1]));
    assert_ptr_equal(xs_store_next_pending(&f->store, NULL), &f->conn[1]);
    assert_int_equal(fx_process(f, 1), 0);
    assert_true(f->notify);
    fx_expect(f, 1, XS_WATCH_EVENT, P("control/shutdown\0c\0"));
    fx_call(f, 1, XS_READ, 0, P("control/shutdown\0"), XS_READ, P("poweroff"));
    /* The guest acknowledges by clearing it: its own write fires too. */
    fx_send(f, 1, XS_WRITE, 0, P("control/shutdown\0"));
    assert_int_equal(fx_process(f, 1), 0);
    fx_expect(f, 1, XS_WATCH_EVENT, P("control/shutdown\0c\0"));
    fx_expect(f, 1, XS_WRITE, OK);
    /* Unrelated nodes and prefixes that are not ancestors do not fire. */
    assert_int_equal(xs_store_write(&f->store, 0, "/local/domain/1/controlx", "1", 1, NULL), 0);
    fx_call(f, 1, XS_WRITE, 0,
            P("data/y\0"
              "1"),
            XS_WRITE, OK);
    fx_expect_none(f, 1);
}

static void watch_events_for_other_connections(void **state)
{
    struct fx *f = *state;

    /* dom0 watches the guest's home; guest 2 tries to. */
    fx_call(f, 0, XS_WATCH, 0, P("/local/domain/1\0dom0\0"), XS_WATCH, OK);
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/1\0dom0\0"));
    fx_call(f, 2, XS_WATCH, 0, P("/local/domain/1\0spy\0"), XS_WATCH, OK);
    fx_expect(f, 2, XS_WATCH_EVENT, P("/local/domain/1\0spy\0"));
    fx_call(f, 1, XS_WRITE, 0,
            P("data/x\0"
              "1"),
            XS_WRITE, OK);
    /* Queued on dom0's connection, delivered on its next call; none for 2. */
    assert_ptr_equal(xs_store_next_pending(&f->store, NULL), &f->conn[0]);
    assert_null(xs_store_next_pending(&f->store, &f->conn[0]));
    fx_expect_none(f, 2);
    assert_int_equal(fx_process(f, 0), 0);
    assert_true(f->notify);
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/1/data/x\0dom0\0"));
    assert_null(xs_store_next_pending(&f->store, NULL));
    /* A node guest 2 may read does reach it. */
    fx_call(f, 1, XS_WRITE, 0,
            P("data/pub\0"
              "1"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_SET_PERMS, 0, P("data/pub\0n1\0r2\0"), XS_SET_PERMS, OK);
    assert_int_equal(fx_process(f, 2), 0);
    fx_expect(f, 2, XS_WATCH_EVENT, P("/local/domain/1/data/pub\0spy\0"));
    fx_expect_none(f, 2);
}

static void watch_fires_on_parent_removal(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_WRITE, 0,
            P("data/a/b/c\0"
              "1"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_WATCH, 0, P("data/a/b/c\0w\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("data/a/b/c\0w\0"));
    fx_call(f, 1, XS_WATCH, 0, P("data/a/b/none\0n\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("data/a/b/none\0n\0"));
    fx_send(f, 1, XS_RM, 0, P("data/a\0"));
    assert_int_equal(fx_process(f, 1), 0);
    fx_expect(f, 1, XS_WATCH_EVENT, P("data/a/b/c\0w\0"));
    fx_expect(f, 1, XS_RM, OK);
    fx_expect_none(f, 1); /* the watch on a node that never existed stays quiet */
}

static void domain_release_fires_watches(void **state)
{
    struct fx *f = *state;

    fx_call(f, 0, XS_WATCH, 0, P("@releaseDomain\0r\0"), XS_WATCH, OK);
    fx_expect(f, 0, XS_WATCH_EVENT, P("@releaseDomain\0r\0"));
    fx_call(f, 0, XS_WATCH, 0, P("/local/domain/2/control/shutdown\0s\0"), XS_WATCH, OK);
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/2/control/shutdown\0s\0"));
    fx_call(f, 1, XS_WATCH, 0, P("@releaseDomain\0r\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("@releaseDomain\0r\0"));
    assert_int_equal(xs_store_domain_release(&f->store, 2, NULL), 0);
    xs_conn_destroy(&f->conn[2]);
    assert_int_equal(fx_process(f, 0), 0);
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/2/control/shutdown\0s\0"));
    fx_expect(f, 0, XS_WATCH_EVENT, P("@releaseDomain\0r\0"));
    fx_expect_none(f, 0);
    assert_int_equal(fx_process(f, 1), 0);
    fx_expect_none(f, 1);                    /* special events are the builder's */
    xs_conn_init(&f->conn[2], &f->store, 2); /* for the teardown */
}

static void unwatch_and_reset(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_WATCH, 0, P("data\0a\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("data\0a\0"));
    fx_call(f, 1, XS_WATCH, 0, P("data\0b\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("data\0b\0"));
    fx_call(f, 1, XS_UNWATCH, 0, P("data\0a\0"), XS_UNWATCH, OK);
    fx_call_err(f, 1, XS_UNWATCH, P("data\0a\0"), "ENOENT");
    fx_send(f, 1, XS_WRITE, 0,
            P("data/z\0"
              "1"));
    assert_int_equal(fx_process(f, 1), 0);
    fx_expect(f, 1, XS_WATCH_EVENT, P("data/z\0b\0"));
    fx_expect(f, 1, XS_WRITE, OK);
    fx_call(f, 1, XS_RESET_WATCHES, 0, "", 0, XS_RESET_WATCHES, OK);
    fx_call(f, 1, XS_WRITE, 0,
            P("data/z\0"
              "2"),
            XS_WRITE, OK);
    fx_expect_none(f, 1);
    assert_int_equal(f->conn[1].nwatches, 0);
}

static void watch_table_limits(void **state)
{
    struct fx *f = *state;
    char req[64];

    for (int i = 0; i < XS_CONN_WATCHES; i++) {
        int n = snprintf(req, sizeof(req), "data%ct%d", 0, i);

        fx_send(f, 1, XS_WATCH, 0, req, (uint32_t)n + 1);
        assert_int_equal(fx_process(f, 1), 0);
        fx_expect(f, 1, XS_WATCH, OK);
        assert_true(fx_recv(f, 1, &(struct xsd_sockmsg){0}, (char[64]){0}));
    }
    fx_call_err(f, 1, XS_WATCH, P("data\0one-too-many\0"), "E2BIG");
}

/* The protocol of transactions (their semantics: test_xs_tx.c). */
static void transactions_on_the_wire(void **state)
{
    struct fx *f = *state;
    struct xsd_sockmsg hdr;
    char buf[64];
    uint32_t tx;

    fx_send(f, 1, XS_TRANSACTION_START, 0, P("\0"));
    assert_int_equal(fx_process(f, 1), 0);
    assert_true(fx_recv(f, 1, &hdr, buf));
    assert_int_equal(hdr.type, XS_TRANSACTION_START);
    tx = (uint32_t)strtoul(buf, NULL, 10);
    assert_true(tx != 0);
    fx_call(f, 1, XS_WRITE, tx,
            P("data/t\0"
              "1"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_READ, tx, P("data/t\0"), XS_READ, P("1"));
    fx_call(f, 1, XS_READ, 0, P("data/t\0"), XS_ERROR, P("ENOENT\0")); /* not yet */
    fx_call(f, 1, XS_TRANSACTION_START, tx, P("\0"), XS_ERROR, P("EBUSY\0"));
    fx_call(f, 1, XS_TRANSACTION_START, tx + 99, P("\0"), XS_ERROR, P("ENOENT\0"));
    /* Watches ignore the tx_id (xenstored's XS_FLAG_NOTID). */
    fx_call(f, 1, XS_WATCH, tx + 99, P("data/t\0w\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("data/t\0w\0"));
    fx_call(f, 1, XS_TRANSACTION_END, tx, P("X\0"), XS_ERROR, P("EINVAL\0"));
    fx_send(f, 1, XS_TRANSACTION_END, tx, P("T\0"));
    assert_int_equal(fx_process(f, 1), 0);
    fx_expect(f, 1, XS_WATCH_EVENT, P("data/t\0w\0")); /* fired by the commit, first */
    fx_expect(f, 1, XS_TRANSACTION_END, OK);
    fx_call(f, 1, XS_TRANSACTION_END, tx, P("T\0"), XS_ERROR, P("ENOENT\0"));
    fx_call(f, 1, XS_TRANSACTION_END, 0, P("T\0"), XS_ERROR, P("ENOENT\0"));
    fx_call(f, 1, XS_READ, tx, P("data/t\0"), XS_ERROR, P("ENOENT\0"));
    fx_call(f, 1, XS_READ, 0, P("data/t\0"), XS_READ, P("1"));
    /* Another connection cannot use this one's transaction. */
    fx_send(f, 1, XS_TRANSACTION_START, 0, P("\0"));
    assert_int_equal(fx_process(f, 1), 0);
    assert_true(fx_recv(f, 1, &hdr, buf));
    tx = (uint32_t)strtoul(buf, NULL, 10);
    fx_call(f, 2, XS_READ, tx, P("data/t\0"), XS_ERROR, P("ENOENT\0"));
    fx_call(f, 1, XS_TRANSACTION_END, tx, P("F\0"), XS_TRANSACTION_END, OK);
    for (int i = 0; i < XS_CONN_TX_MAX; i++) {
        fx_send(f, 1, XS_TRANSACTION_START, 0, P("\0"));
        assert_int_equal(fx_process(f, 1), 0);
        assert_true(fx_recv(f, 1, &hdr, buf));
        assert_int_equal(hdr.type, XS_TRANSACTION_START);
    }
    fx_call_err(f, 1, XS_TRANSACTION_START, P("\0"), "ENOSPC");
    fx_call(f, 1, XS_TRANSACTION_END, (uint32_t)strtoul(buf, NULL, 10), P("F\0"),
            XS_TRANSACTION_END, OK);
    /* XS_RESET_WATCHES ends them all, as in xenstored. */
    fx_call(f, 1, XS_RESET_WATCHES, 0, "", 0, XS_RESET_WATCHES, OK);
    assert_int_equal(xs_tx_count(&f->store, &f->conn[1]), 0);
}

static void domain_path_and_introduced(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_GET_DOMAIN_PATH, 0, P("1\0"), XS_GET_DOMAIN_PATH, P("/local/domain/1\0"));
    fx_call(f, 2, XS_GET_DOMAIN_PATH, 0, P("65535\0"), XS_GET_DOMAIN_PATH,
            P("/local/domain/65535\0"));
    fx_call(f, 0, XS_IS_DOMAIN_INTRODUCED, 0, P("2\0"), XS_IS_DOMAIN_INTRODUCED, P("T\0"));
    fx_call(f, 0, XS_IS_DOMAIN_INTRODUCED, 0, P("9\0"), XS_IS_DOMAIN_INTRODUCED, P("F\0"));
    fx_call_err(f, 1, XS_IS_DOMAIN_INTRODUCED, P("2\0"), "EACCES");
}

static void unknown_and_privileged_types(void **state)
{
    struct fx *f = *state;

    fx_call_err(f, 1, 99, P("x\0"), "ENOSYS");
    fx_call_err(f, 1, 0xffff, "", 0, "ENOSYS");
    fx_call_err(f, 1, XS_WATCH_EVENT, P("x\0y\0"), "ENOSYS");
    fx_call_err(f, 1, XS_ERROR, P("EINVAL\0"), "ENOSYS");
    fx_call_err(f, 1, XS_CONTROL, P("print\0hi\0"), "ENOSYS");
    fx_call_err(f, 1, 20, "", 0, "ENOSYS"); /* XS_RESTRICT, removed */
    fx_call_err(f, 1, XS_INTRODUCE,
                P("3\0"
                  "5\0"
                  "6\0"),
                "EACCES");
    fx_call_err(f, 1, XS_RELEASE, P("2\0"), "EACCES");
    fx_call_err(f, 1, XS_SET_TARGET,
                P("2\0"
                  "1\0"),
                "EACCES");
    fx_call_err(f, 0, XS_RELEASE, P("2\0"), "ENOSYS");
    /* Still serving afterwards. */
    fx_call(f, 1, XS_READ, 0, P("domid\0"), XS_READ, P("1"));
}

/* A message split across the ring's end, and 32-bit index wrap-around. */
static void message_split_across_wrap(void **state)
{
    struct fx *f = *state;
    struct xenstore_domain_interface *r = f->ring[1];

    r->req_cons = r->req_prod = 0xfffffff0u - 3;
    r->rsp_cons = r->rsp_prod = 0xfffffffau;
    f->conn[1].attached = false; /* adopt the new indexes, as at first contact */
    for (int i = 0; i < 200; i++)
        fx_call(f, 1, XS_READ, 0, P("console/type\0"), XS_READ, P("xenconsoled"));
    assert_true(r->req_prod < 0x10000); /* wrapped */
    assert_true(r->rsp_prod < 0x10000);
}

static void partial_message_waits(void **state)
{
    struct fx *f = *state;
    struct xsd_sockmsg hdr = {.type = XS_READ, .req_id = 7, .len = 5};

    fx_put(f, 1, &hdr, 10); /* part of the header */
    assert_int_equal(fx_process(f, 1), 0);
    fx_expect_none(f, 1);
    fx_put(f, 1, (char *)&hdr + 10, 6);
    fx_put(f, 1, "nam", 3);
    assert_int_equal(fx_process(f, 1), 0);
    fx_expect_none(f, 1);
    assert_int_equal(f->ring[1]->req_cons, f->ring[1]->req_prod); /* copied out already */
    fx_put(f, 1, "e\0", 2);
    assert_int_equal(fx_process(f, 1), 0);
    fx_expect(f, 1, XS_READ, P("guest1"));
}

static void byte_at_a_time(void **state)
{
    struct fx *f = *state;
    static const char payload[] = "data/slow\0value";
    struct xsd_sockmsg hdr = {.type = XS_WRITE, .req_id = 9, .len = sizeof(payload) - 1};
    char msg[64];

    memcpy(msg, &hdr, sizeof(hdr));
    memcpy(msg + sizeof(hdr), payload, hdr.len);
    for (uint32_t i = 0; i < sizeof(hdr) + hdr.len; i++) {
        fx_expect_none(f, 1);
        fx_put(f, 1, msg + i, 1);
        assert_int_equal(fx_process(f, 1), 0);
    }
    fx_expect(f, 1, XS_WRITE, OK);
    fx_call(f, 1, XS_READ, 0, P("data/slow\0"), XS_READ, P("value"));
}

/* A payload of the maximum size, larger than the ring, fed as it drains. */
static void max_payload_through_small_ring(void **state)
{
    struct fx *f = *state;
    static char req[XENSTORE_PAYLOAD_MAX + 16];
    struct xsd_sockmsg hdr = {.type = XS_WRITE, .req_id = 5, .len = XENSTORE_PAYLOAD_MAX};
    uint32_t sent = 0, total = sizeof(hdr) + XENSTORE_PAYLOAD_MAX;
    static const char path[] = "data/big";

    memcpy(req, &hdr, sizeof(hdr));
    memcpy(req + sizeof(hdr), path, sizeof(path));
    memset(req + sizeof(hdr) + sizeof(path), 'v', XENSTORE_PAYLOAD_MAX - sizeof(path));
    while (sent < total) {
        struct xenstore_domain_interface *r = f->ring[1];
        uint32_t room = XENSTORE_RING_SIZE - (r->req_prod - r->req_cons);
        uint32_t n = total - sent < room ? total - sent : room;

        fx_put(f, 1, req + sent, n);
        sent += n;
        assert_int_equal(fx_process(f, 1), 0);
    }
    fx_expect(f, 1, XS_WRITE, OK);
    {
        const char *v;
        uint32_t len;

        assert_int_equal(xs_store_read(&f->store, 1, "/local/domain/1/data/big", &v, &len, NULL),
                         0);
        assert_int_equal(len, XENSTORE_PAYLOAD_MAX - sizeof(path));
    }
}

static void hostile_request_indexes_break(void **state)
{
    struct fx *f = *state;

    assert_int_equal(fx_process(f, 1), 0);
    assert_int_equal(fx_process(f, 2), 0);
    f->ring[1]->req_prod = f->ring[1]->req_cons + XENSTORE_RING_SIZE + 1;
    assert_int_equal(fx_process(f, 1), -XEN_EIO);
    assert_true(f->conn[1].broken);
    assert_non_null(strstr(f->conn[1].error.msg, "request ring"));
    assert_int_equal(f->ring[1]->error, XENSTORE_ERROR_RINGIDX);
    /* Broken for good, whatever the guest does next. */
    f->ring[1]->req_prod = f->ring[1]->req_cons;
    assert_int_equal(fx_process(f, 1), -XEN_EIO);
    /* Our private consumer index is authoritative: rewriting the ring's copy
     * does not make another guest's ring misbehave. */
    f->ring[2]->req_cons = 12345;
    fx_call(f, 2, XS_READ, 0, P("domid\0"), XS_READ, P("2"));
}

static void hostile_response_indexes_break(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_READ, 0, P("domid\0"), XS_READ, P("1"));
    f->ring[1]->rsp_cons = f->ring[1]->rsp_prod + 1; /* consumed what was never produced */
    fx_send(f, 1, XS_READ, 0, P("domid\0"));
    assert_int_equal(fx_process(f, 1), -XEN_EIO);
    assert_non_null(strstr(f->conn[1].error.msg, "response ring"));
}

static void oversized_len_breaks(void **state)
{
    struct fx *f = *state;
    struct xsd_sockmsg hdr = {.type = XS_WRITE, .req_id = 1, .len = XENSTORE_PAYLOAD_MAX + 1};

    fx_put(f, 1, &hdr, sizeof(hdr));
    assert_int_equal(fx_process(f, 1), -XEN_EIO);
    assert_non_null(strstr(f->conn[1].error.msg, "longer"));
    assert_int_equal(f->ring[1]->error, XENSTORE_ERROR_PROTO);
    /* The other guests are unaffected. */
    fx_call(f, 2, XS_READ, 0, P("name\0"), XS_READ, P("guest2"));
    fx_call(f, 0, XS_READ, 0, P("/local/domain/1/name\0"), XS_READ, P("guest1"));
}

/* Far more answers than the response ring holds: queued, then delivered. */
static void flood_is_queued_then_delivered(void **state)
{
    struct fx *f = *state;
    struct xsd_sockmsg hdr;
    static char buf[XENSTORE_PAYLOAD_MAX + 1];
    static char big[2000];
    uint32_t first = f->next_req, sent = 0, got = 0;
    const uint32_t total = 120;

    memset(big, 'x', sizeof(big));
    assert_int_equal(xs_store_write(&f->store, 1, "/local/domain/1/data/f", big, 500, NULL), 0);
    /* The guest keeps sending reads of a 500-byte value without reading. */
    while (sent < total) {
        struct xenstore_domain_interface *r = f->ring[1];

        while (sent < total && XENSTORE_RING_SIZE - (r->req_prod - r->req_cons) >= 16 + 7) {
            fx_send(f, 1, XS_READ, 0, P("data/f\0"));
            sent++;
        }
        assert_int_equal(fx_process(f, 1), 0);
        if (r->req_prod != r->req_cons)
            break; /* we stopped taking requests: answers are queued */
    }
    assert_true(sent < total);
    assert_true(xs_conn_has_output(&f->conn[1]));
    assert_true(f->conn[1].out_tail - f->conn[1].out_head <= XS_CONN_OUT_MAX);
    /* Now the guest reads; every answer arrives once, in order. */
    while (got < total) {
        while (fx_recv(f, 1, &hdr, buf)) {
            assert_int_equal(hdr.type, XS_READ);
            assert_int_equal(hdr.req_id, first + got);
            assert_int_equal(hdr.len, 500);
            got++;
        }
        while (sent < total &&
               XENSTORE_RING_SIZE - (f->ring[1]->req_prod - f->ring[1]->req_cons) >= 23) {
            fx_send(f, 1, XS_READ, 0, P("data/f\0"));
            sent++;
        }
        assert_int_equal(fx_process(f, 1), 0);
    }
    fx_expect_none(f, 1);
}

/* Watch events that do not fit a stalled guest's queue are dropped, counted. */
static void stalled_guest_loses_events_not_answers(void **state)
{
    struct fx *f = *state;
    static char buf[XENSTORE_PAYLOAD_MAX + 1];

    fx_send(f, 1, XS_WATCH, 0, P("data\0t\0"));
    assert_int_equal(fx_process(f, 1), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(xs_store_write(&f->store, 0, "/local/domain/1/data/e", "1", 1, NULL), 0);
    assert_true(f->conn[1].events_dropped > 0);
    assert_true(f->conn[1].out_tail - f->conn[1].out_head <= XS_CONN_OUT_MAX);
    /* The guest still gets answers once it reads. */
    while (fx_recv(f, 1, &(struct xsd_sockmsg){0}, buf) || xs_conn_has_output(&f->conn[1]))
        assert_int_equal(fx_process(f, 1), 0);
    fx_call(f, 1, XS_READ, 0, P("domid\0"), XS_READ, P("1"));
}

static void connections_are_isolated(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_WRITE, 0, P("data/x\0one"), XS_WRITE, OK);
    fx_call(f, 2, XS_WRITE, 0, P("data/x\0two"), XS_WRITE, OK);
    fx_call(f, 1, XS_READ, 0, P("data/x\0"), XS_READ, P("one"));
    fx_call(f, 2, XS_READ, 0, P("data/x\0"), XS_READ, P("two"));
    fx_call_err(f, 2, XS_WRITE, P("/local/domain/1/data/x\0evil"), "EACCES");
    fx_call_err(f, 2, XS_RM, P("/local/domain/1\0"), "EACCES");
    /* Guest 1 sends garbage: only it breaks. */
    fx_put(f, 1, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 16);
    assert_true(fx_process(f, 1) < 0);
    fx_call(f, 2, XS_READ, 0, P("data/x\0"), XS_READ, P("two"));
    fx_call(f, 0, XS_READ, 0, P("/local/domain/1/data/x\0"), XS_READ, P("one"));
}

/*
 * What GRUB's Xen PV image asks at start-up (grub-core/kern/xen/init.c and
 * disk/xen): its domain path, the device directory, the vbd list (absent
 * here), with requests one at a time.
 */
static void grub_like_boot(void **state)
{
    struct fx *f = *state;

    fx_call(f, 1, XS_GET_DOMAIN_PATH, 0, P("1\0"), XS_GET_DOMAIN_PATH, P("/local/domain/1\0"));
    fx_call(f, 1, XS_READ, 0, P("/local/domain/1/name\0"), XS_READ, P("guest1"));
    fx_call(f, 1, XS_DIRECTORY, 0, P("device\0"), XS_DIRECTORY, P("suspend\0"));
    fx_call_err(f, 1, XS_DIRECTORY, P("device/vbd\0"), "ENOENT");
    fx_call_err(f, 1, XS_READ, P("device/vbd\0"), "ENOENT");
    fx_call_err(f, 1, XS_DIRECTORY, P("device/vif\0"), "ENOENT");
    fx_call(f, 1, XS_READ, 0, P("domid\0"), XS_READ, P("1"));
    assert_false(f->conn[1].broken);
}

/*
 * What a Linux PV guest does in xenbus_probe and friends: reset watches,
 * watch control/shutdown, memory/target, cpu, device; read its cpus and
 * memory target; write feature flags under its own path in a transaction;
 * probe the device tree; then obey a shutdown request.
 */
static void linux_like_boot(void **state)
{
    struct fx *f = *state;
    struct xsd_sockmsg hdr;
    char buf[128];
    uint32_t tx;

    fx_call(f, 1, XS_RESET_WATCHES, 0, "", 0, XS_RESET_WATCHES, OK);
    fx_call(f, 1, XS_READ, 0, P("control/platform-feature-xs_reset_watches\0"), XS_READ, P("1"));
    fx_call(f, 1, XS_WATCH, 0, P("device\0FFFF888001\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("device\0FFFF888001\0"));
    fx_call(f, 1, XS_DIRECTORY, 0, P("device\0"), XS_DIRECTORY, P("suspend\0"));
    fx_call(f, 1, XS_WATCH, 0, P("control/shutdown\0FFFF888002\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("control/shutdown\0FFFF888002\0"));
    fx_call(f, 1, XS_WATCH, 0, P("control/sysrq\0FFFF888003\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("control/sysrq\0FFFF888003\0"));
    fx_call(f, 1, XS_WATCH, 0, P("memory/target\0FFFF888004\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("memory/target\0FFFF888004\0"));
    fx_call(f, 1, XS_WATCH, 0, P("cpu\0FFFF888005\0"), XS_WATCH, OK);
    fx_expect(f, 1, XS_WATCH_EVENT, P("cpu\0FFFF888005\0"));
    fx_call(f, 1, XS_READ, 0, P("memory/target\0"), XS_READ, P("65536"));
    fx_call(f, 1, XS_DIRECTORY, 0, P("cpu\0"), XS_DIRECTORY,
            P("0\0"
              "1\0"));
    fx_call(f, 1, XS_READ, 0, P("cpu/1/availability\0"), XS_READ, P("online"));
    fx_call(f, 1, XS_READ, 0, P("control/sysrq\0"), XS_READ, "", 0);
    /* Feature flags in a transaction (control/feature-* are the guest's). */
    fx_send(f, 1, XS_TRANSACTION_START, 0, P("\0"));
    assert_int_equal(fx_process(f, 1), 0);
    assert_true(fx_recv(f, 1, &hdr, buf));
    assert_int_equal(hdr.type, XS_TRANSACTION_START);
    tx = (uint32_t)strtoul(buf, NULL, 10);
    fx_call(f, 1, XS_WRITE, tx,
            P("control/feature-poweroff\0"
              "1"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_WRITE, tx,
            P("control/feature-reboot\0"
              "1"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_TRANSACTION_END, tx, P("T\0"), XS_TRANSACTION_END, OK);
    fx_call(f, 1, XS_WRITE, 0, P("data/boot\0done"), XS_WRITE, OK);
    fx_call_err(f, 1, XS_WRITE, P("name\0renamed"), "EACCES");
    fx_call(f, 1, XS_DIRECTORY, 0, P("device\0"), XS_DIRECTORY, P("suspend\0"));
    fx_call_err(f, 1, XS_DIRECTORY, P("device/vbd\0"), "ENOENT");
    fx_expect_none(f, 1);
    /* The builder asks for a reboot. */
    assert_int_equal(
        xs_store_write(&f->store, 0, "/local/domain/1/control/shutdown", "reboot", 6, NULL), 0);
    assert_int_equal(fx_process(f, 1), 0);
    fx_expect(f, 1, XS_WATCH_EVENT, P("control/shutdown\0FFFF888002\0"));
    fx_call(f, 1, XS_READ, 0, P("control/shutdown\0"), XS_READ, P("reboot"));
    fx_send(f, 1, XS_WRITE, 0, P("control/shutdown\0"));
    assert_int_equal(fx_process(f, 1), 0);
    fx_expect(f, 1, XS_WATCH_EVENT, P("control/shutdown\0FFFF888002\0"));
    fx_expect(f, 1, XS_WRITE, OK);
    assert_int_equal(f->conn[1].errors, 2);
    assert_int_equal(f->conn[1].events_dropped, 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(read_absent_is_enoent, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(write_then_read_relative, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(malformed_arguments_einval, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(path_too_long_einval, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(mkdir_rm_and_directory, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(directory_part_pages_a_big_directory, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(get_and_set_perms, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(watch_fires_on_registration, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(watch_fires_on_change, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(watch_events_for_other_connections, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(watch_fires_on_parent_removal, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(domain_release_fires_watches, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(unwatch_and_reset, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(watch_table_limits, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(transactions_on_the_wire, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(domain_path_and_introduced, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(unknown_and_privileged_types, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(message_split_across_wrap, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(partial_message_waits, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(byte_at_a_time, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(max_payload_through_small_ring, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(hostile_request_indexes_break, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(hostile_response_indexes_break, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(oversized_len_breaks, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(flood_is_queued_then_delivered, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(stalled_guest_loses_events_not_answers, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(connections_are_isolated, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(grub_like_boot, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(linux_like_boot, fx_setup, fx_teardown),
};

DOMB_TEST_MAIN(tests)
