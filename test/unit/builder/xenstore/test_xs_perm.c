/* Permissions of split-driver nodes: who may read, write and watch what. */
#include "xs_fixture.h"

#include <domb/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OK "OK\0", 3

#define FRONT  "/local/domain/6/device/vif/0"
#define BACK   "/local/domain/7/backend/vif/6/0"
#define MIRROR "/libxl/6/device/vif/0"

static void introduce(struct xs_store *s, domid_t domid, const char *name)
{
    struct xs_domain_info info = {.domid = domid, .name = name, .vcpus = 1, .mem_kib = 1024};
    struct domb_error err;

    if (xs_store_domain_introduce(s, &info, &err) != 0)
        fail_msg("introduce %u: %s", domid, err.msg);
}

static void put(struct xs_store *s, const char *path, const char *value)
{
    struct domb_error err;

    if (xs_store_write(s, 0, path, value, (uint32_t)strlen(value), &err) != 0)
        fail_msg("write %s: %s", path, err.msg);
}

static void put_dir(struct xs_store *s, const char *path, domid_t owner, domid_t reader)
{
    const struct xs_perm perms[2] = {{owner, XS_PERM_NONE}, {reader, XS_PERM_READ}};
    struct domb_error err;

    if (xs_store_write_perms(s, 0, path, "", 0, perms, reader ? 2 : 1, &err) != 0)
        fail_msg("mknod %s: %s", path, err.msg);
}

/* What libxl writes for a vif of frontend 6 served by driver domain 7
 * (libxl_device.c libxl__device_generic_add; docs/devices.md). */
static void make_vif(struct xs_store *s)
{
    introduce(s, 5, "other");
    introduce(s, 6, "front");
    introduce(s, 7, "back");
    put_dir(s, FRONT, 6, 7);
    put(s, FRONT "/backend", BACK);
    put(s, FRONT "/backend-id", "7");
    put(s, FRONT "/state", "1");
    put(s, FRONT "/handle", "0");
    put(s, FRONT "/mac", "00:16:3e:00:00:01");
    put_dir(s, BACK, 7, 6);
    put(s, BACK "/frontend", FRONT);
    put(s, BACK "/frontend-id", "6");
    put(s, BACK "/online", "1");
    put(s, BACK "/state", "1");
    put(s, BACK "/script", "vif-bridge");
    put(s, BACK "/mac", "00:16:3e:00:00:01");
    put(s, BACK "/bridge", "xenbr0");
    put(s, BACK "/hotplug-status", "");
    put_dir(s, MIRROR, 0, 0);
    put(s, MIRROR "/frontend", FRONT);
    put(s, MIRROR "/backend", BACK);
    assert_int_equal(xs_store_write(s, 7, "/local/domain/7/data/secret", "k7", 2, NULL), 0);
    assert_int_equal(xs_store_write(s, 6, "/local/domain/6/data/secret", "k6", 2, NULL), 0);
}

/* Who may read (r) and write (w) which node: 0 or the errno. */
static void split_driver_access(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    static const struct {
        domid_t as;
        const char *path;
        int read, write;
    } cases[] = {
        /* Another guest learns nothing, not even what exists. */
        {5, FRONT "/mac", -XEN_EACCES, -XEN_EACCES},
        {5, FRONT "/state", -XEN_EACCES, -XEN_EACCES},
        {5, FRONT, -XEN_EACCES, -XEN_EACCES},
        {5, FRONT "/missing", -XEN_EACCES, -XEN_EACCES},
        {5, "/local/domain/6/device/vif/9", -XEN_EACCES, -XEN_EACCES},
        {5, "/local/domain/6/device", -XEN_EACCES, -XEN_EACCES},
        {5, BACK "/state", -XEN_EACCES, -XEN_EACCES},
        {5, BACK "/script", -XEN_EACCES, -XEN_EACCES},
        {5, MIRROR "/frontend", -XEN_EACCES, -XEN_EACCES},
        {5, "/local/domain/7/data/secret", -XEN_EACCES, -XEN_EACCES},
        {5, "/local/domain/6/data/secret", -XEN_EACCES, -XEN_EACCES},
        /* The backend reads its frontend's directory, writes only its own. */
        {7, FRONT "/mac", 0, -XEN_EACCES},
        {7, FRONT "/state", 0, -XEN_EACCES},
        {7, FRONT "/new", -XEN_ENOENT, -XEN_EACCES},
        {7, BACK "/state", 0, 0},
        {7, BACK "/hotplug-status", 0, 0},
        {7, BACK "/feature-sg", -XEN_ENOENT, 0},
        {7, "/local/domain/6/data/secret", -XEN_EACCES, -XEN_EACCES},
        {7, "/local/domain/6/name", -XEN_EACCES, -XEN_EACCES},
        {7, MIRROR "/backend", -XEN_EACCES, -XEN_EACCES},
        /* The frontend: the other way round. */
        {6, BACK "/state", 0, -XEN_EACCES},
        {6, BACK "/mac", 0, -XEN_EACCES},
        {6, FRONT "/state", 0, 0},
        {6, FRONT "/request-rx-copy", -XEN_ENOENT, 0},
        {6, "/local/domain/7/data/secret", -XEN_EACCES, -XEN_EACCES},
        {6, "/local/domain/7/backend", -XEN_EACCES, -XEN_EACCES},
        {6, MIRROR "/frontend", -XEN_EACCES, -XEN_EACCES},
        /* dom0 does everything. */
        {0, FRONT "/mac", 0, 0},
        {0, BACK "/state", 0, 0},
        {0, MIRROR "/frontend", 0, 0},
    };
    struct domb_error err;
    const char *v;
    uint32_t len;

    make_vif(s);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int rc = xs_store_read(s, cases[i].as, cases[i].path, &v, &len, &err);
        struct xs_tx *tx;

        if (rc != cases[i].read)
            fail_msg("domain %u reads %s: %d, wanted %d", cases[i].as, cases[i].path, rc,
                     cases[i].read);
        /* The same inside a transaction. */
        assert_int_equal(xs_tx_start(s, NULL, cases[i].as, &tx, &err), 0);
        rc = xs_tx_read(s, tx, cases[i].as, cases[i].path, &v, &len, &err);
        if (rc != cases[i].read)
            fail_msg("domain %u reads %s in a transaction: %d, wanted %d", cases[i].as,
                     cases[i].path, rc, cases[i].read);
        rc = xs_tx_write(s, tx, cases[i].as, cases[i].path, "1", 1, &err);
        if (rc != cases[i].write)
            fail_msg("domain %u writes %s in a transaction: %d, wanted %d", cases[i].as,
                     cases[i].path, rc, cases[i].write);
        assert_int_equal(xs_tx_end(tx, false, &err), 0);
        rc = xs_store_write(s, cases[i].as, cases[i].path, "1", 1, &err);
        if (rc != cases[i].write)
            fail_msg("domain %u writes %s: %d, wanted %d", cases[i].as, cases[i].path, rc,
                     cases[i].write);
    }
}

/* Listing, removing, re-permitting another domain's nodes: refused alike. */
static void split_driver_other_operations(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    const struct xs_perm mine[1] = {{5, XS_PERM_BOTH}};
    const struct xs_perm widen[3] = {{6, XS_PERM_NONE}, {7, XS_PERM_READ}, {5, XS_PERM_READ}};
    struct xs_perm perms[XS_PERMS_MAX];
    unsigned int n;
    char buf[256];
    uint32_t len;
    bool complete;
    uint64_t gen;
    const char *v;

    make_vif(s);
    assert_int_equal(
        xs_store_directory(s, 5, FRONT, 0, buf, sizeof(buf), &len, &complete, &gen, NULL),
        -XEN_EACCES);
    assert_int_equal(
        xs_store_directory(s, 7, FRONT, 0, buf, sizeof(buf), &len, &complete, &gen, NULL), 0);
    assert_int_equal(xs_store_get_perms(s, 5, FRONT, perms, &n, NULL), -XEN_EACCES);
    assert_int_equal(xs_store_set_perms(s, 5, FRONT, mine, 1, NULL), -XEN_EACCES);
    assert_int_equal(xs_store_set_perms(s, 7, FRONT, mine, 1, NULL), -XEN_EACCES);
    assert_int_equal(xs_store_rm(s, 5, FRONT, NULL), -XEN_EACCES);
    assert_int_equal(xs_store_rm(s, 7, FRONT, NULL), -XEN_EACCES);
    assert_int_equal(xs_store_rm(s, 6, BACK, NULL), -XEN_EACCES);
    assert_int_equal(xs_store_mkdir(s, 5, FRONT "/x", NULL), -XEN_EACCES);
    /* The owner may widen its own node (xenstored's rule), not give it away. */
    assert_int_equal(xs_store_set_perms(s, 6, FRONT "/mac", widen, 3, NULL), 0);
    assert_int_equal(xs_store_read(s, 5, FRONT "/mac", &v, &len, NULL), 0);
    assert_int_equal(xs_store_read(s, 5, FRONT "/state", &v, &len, NULL), -XEN_EACCES);
    assert_int_equal(xs_store_set_perms(s, 6, FRONT "/mac", mine, 1, NULL), -XEN_EPERM);
    /* The mirror under /libxl is dom0's alone. */
    assert_int_equal(xs_store_get_perms(s, 0, MIRROR, perms, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(perms[0].domid, 0);
    assert_int_equal(perms[0].perm, XS_PERM_NONE);
}

/* A connection gets watch events only for nodes it may read: the backend
 * sees its frontend's state change, a third guest nothing, with or
 * without transactions, and none of the removals at release. */
static void watch_events_follow_permissions(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    uint32_t tx;
    struct xsd_sockmsg hdr;
    char buf[64];

    introduce(s, 3, "other");
    /* Frontend 1, backend 2, observer 3. */
    put_dir(s, "/local/domain/1/device/vif/0", 1, 2);
    put(s, "/local/domain/1/device/vif/0/state", "1");
    put_dir(s, "/local/domain/2/backend/vif/1/0", 2, 1);
    put(s, "/local/domain/2/backend/vif/1/0/state", "1");
    fx_call(f, 2, XS_WATCH, 0, P("/local/domain/1/device/vif/0/state\0be\0"), XS_WATCH, OK);
    fx_expect(f, 2, XS_WATCH_EVENT, P("/local/domain/1/device/vif/0/state\0be\0"));
    fx_call(f, 3, XS_WATCH, 0, P("/local/domain/1\0spy\0"), XS_WATCH, OK);
    fx_expect(f, 3, XS_WATCH_EVENT, P("/local/domain/1\0spy\0"));
    fx_call(f, 3, XS_WATCH, 0, P("/local/domain/2\0spy2\0"), XS_WATCH, OK);
    fx_expect(f, 3, XS_WATCH_EVENT, P("/local/domain/2\0spy2\0"));
    /* The frontend moves on: the backend hears it, the observer does not. */
    fx_call(f, 1, XS_WRITE, 0,
            P("device/vif/0/state\0"
              "3"),
            XS_WRITE, OK);
    assert_int_equal(fx_process(f, 2), 0);
    fx_expect(f, 2, XS_WATCH_EVENT, P("/local/domain/1/device/vif/0/state\0be\0"));
    /* In a transaction: at the commit, the same. */
    fx_send(f, 1, XS_TRANSACTION_START, 0, P("\0"));
    assert_int_equal(fx_process(f, 1), 0);
    assert_true(fx_recv(f, 1, &hdr, buf));
    tx = (uint32_t)strtoul(buf, NULL, 10);
    fx_call(f, 1, XS_WRITE, tx,
            P("device/vif/0/state\0"
              "4"),
            XS_WRITE, OK);
    assert_int_equal(fx_process(f, 2), 0);
    fx_expect_none(f, 2);
    fx_call(f, 1, XS_TRANSACTION_END, tx, P("T\0"), XS_TRANSACTION_END, OK);
    assert_int_equal(fx_process(f, 2), 0);
    fx_expect(f, 2, XS_WATCH_EVENT, P("/local/domain/1/device/vif/0/state\0be\0"));
    /* The backend's own changes and the frontend's release. */
    fx_call(f, 2, XS_WRITE, 0,
            P("backend/vif/1/0/state\0"
              "4"),
            XS_WRITE, OK);
    assert_int_equal(xs_store_domain_release(s, 1, NULL), 0);
    assert_int_equal(fx_process(f, 2), 0);
    fx_expect(f, 2, XS_WATCH_EVENT, P("/local/domain/1/device/vif/0/state\0be\0"));
    assert_int_equal(fx_process(f, 3), 0);
    fx_expect_none(f, 3);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(split_driver_access, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(split_driver_other_operations, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(watch_events_follow_permissions, fx_setup, fx_teardown),
};

DOMB_TEST_MAIN(tests)
