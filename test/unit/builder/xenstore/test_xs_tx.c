/* Transactions: isolation, atomic commit, conflicts, rollback, watches, limits. */
#include "xs_fixture.h"

#include <domb/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OK "OK\0", 3

/* Start a transaction on connection i over the wire; returns its id. */
static uint32_t tx_start(struct fx *f, int i)
{
    struct xsd_sockmsg hdr;
    char buf[32];

    fx_send(f, i, XS_TRANSACTION_START, 0, P("\0"));
    assert_int_equal(fx_process(f, i), 0);
    assert_true(fx_recv(f, i, &hdr, buf));
    if (hdr.type == XS_ERROR)
        fail_msg("TRANSACTION_START: %s", buf);
    assert_int_equal(hdr.type, XS_TRANSACTION_START);
    return (uint32_t)strtoul(buf, NULL, 10);
}

/* End it and expect this answer ("OK" or an error name). */
static void tx_end(struct fx *f, int i, uint32_t tx, bool commit, const char *want)
{
    if (strcmp(want, "OK") == 0)
        fx_call(f, i, XS_TRANSACTION_END, tx, commit ? "T" : "F", 2, XS_TRANSACTION_END, OK);
    else
        fx_call(f, i, XS_TRANSACTION_END, tx, commit ? "T" : "F", 2, XS_ERROR, want,
                (uint32_t)strlen(want) + 1);
}

static void check_value(struct xs_store *s, const char *path, const char *want)
{
    const char *v;
    uint32_t len;
    struct domb_error err;
    int rc = xs_store_read(s, 0, path, &v, &len, &err);

    if (!want) {
        assert_int_equal(rc, -XEN_ENOENT);
        return;
    }
    if (rc != 0)
        fail_msg("%s: %s", path, err.msg);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(v, want, len);
}

/* Nothing written in a transaction is seen outside it before the commit;
 * everything is after. */
static void changes_invisible_until_commit(void **state)
{
    struct fx *f = *state;
    uint32_t tx = tx_start(f, 1), before = xs_store_node_count(&f->store);

    fx_call(f, 1, XS_WRITE, tx, P("data/a/b\0one"), XS_WRITE, OK);
    fx_call(f, 1, XS_MKDIR, tx, P("data/m\0"), XS_MKDIR, OK);
    fx_call(f, 1, XS_READ, tx, P("data/a/b\0"), XS_READ, P("one"));
    fx_call(f, 1, XS_DIRECTORY, tx, P("data\0"), XS_DIRECTORY, P("a\0m\0"));
    /* Outside: the guest itself, dom0, the C API. */
    fx_call_err(f, 1, XS_READ, P("data/a/b\0"), "ENOENT");
    fx_call(f, 1, XS_DIRECTORY, 0, P("data\0"), XS_DIRECTORY, "", 0);
    fx_call_err(f, 0, XS_READ, P("/local/domain/1/data/a\0"), "ENOENT");
    check_value(&f->store, "/local/domain/1/data/m", NULL);
    assert_int_equal(xs_store_node_count(&f->store), before);
    tx_end(f, 1, tx, true, "OK");
    check_value(&f->store, "/local/domain/1/data/a/b", "one");
    check_value(&f->store, "/local/domain/1/data/a", "");
    check_value(&f->store, "/local/domain/1/data/m", "");
    assert_int_equal(xs_store_node_count(&f->store), before + 3);
    fx_call(f, 1, XS_DIRECTORY, 0, P("data\0"), XS_DIRECTORY, P("a\0m\0"));
    /* The new nodes are the guest's, as outside a transaction. */
    fx_call(f, 1, XS_GET_PERMS, 0, P("data/a/b\0"), XS_GET_PERMS, P("n1\0"));
    assert_true(xs_store_index_ok(&f->store));
}

/* A transaction keeps seeing what it read first, whatever others write. */
static void reads_are_repeatable(void **state)
{
    struct fx *f = *state;
    uint32_t tx;

    fx_call(f, 1, XS_WRITE, 0, P("data/x\0old"), XS_WRITE, OK);
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_READ, tx, P("data/x\0"), XS_READ, P("old"));
    fx_call(f, 1, XS_DIRECTORY, tx, P("data\0"), XS_DIRECTORY, P("x\0"));
    assert_int_equal(xs_store_write(&f->store, 0, "/local/domain/1/data/x", "new", 3, NULL), 0);
    assert_int_equal(xs_store_write(&f->store, 0, "/local/domain/1/data/y", "1", 1, NULL), 0);
    fx_call(f, 1, XS_READ, tx, P("data/x\0"), XS_READ, P("old"));
    fx_call(f, 1, XS_DIRECTORY, tx, P("data\0"), XS_DIRECTORY, P("x\0"));
    fx_call(f, 1, XS_READ, 0, P("data/x\0"), XS_READ, P("new"));
    tx_end(f, 1, tx, true, "EAGAIN"); /* it read what changed */
    check_value(&f->store, "/local/domain/1/data/x", "new");
}

/* EAGAIN for every kind of conflict: a node read, a node written, a
 * missing node read, a listed directory gaining or losing a child, a
 * removed node, a parent of a created node; nothing of the transaction is
 * applied. */
static void conflicts_fail_with_eagain(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    static const struct {
        const char *op; /* in the transaction (guest 1, relative path) */
        uint32_t op_type;
        const char *other; /* then someone else, as dom0 */
        bool other_rm;
    } cases[] = {
        {"data/k\0", XS_READ, "/local/domain/1/data/k", false},       /* read set */
        {"data/k\0v2", XS_WRITE, "/local/domain/1/data/k", false},    /* write set */
        {"data/k\0", XS_RM, "/local/domain/1/data/k", false},         /* removed, rewritten */
        {"data/nope\0", XS_READ, "/local/domain/1/data/nope", false}, /* missing, created */
        {"data\0", XS_DIRECTORY, "/local/domain/1/data/new", false},  /* child added */
        {"data\0", XS_DIRECTORY, "/local/domain/1/data/k", true},     /* child removed */
        {"data/k/sub\0v", XS_WRITE, "/local/domain/1/data/k", false}, /* parent changed */
        {"data/k\0", XS_GET_PERMS, "/local/domain/1/data/k", true},   /* node removed */
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint32_t tx, before;
        const char *arg = cases[i].op;
        uint32_t len = (uint32_t)strlen(arg) + 1;
        struct xsd_sockmsg hdr;
        char buf[256];

        assert_int_equal(xs_store_write(s, 1, "/local/domain/1/data/k", "v1", 2, NULL), 0);
        xs_store_rm(s, 0, "/local/domain/1/data/new", NULL);
        xs_store_rm(s, 0, "/local/domain/1/data/nope", NULL);
        tx = tx_start(f, 1);
        if (cases[i].op_type == XS_WRITE)
            len += (uint32_t)strlen(arg + len);
        fx_send(f, 1, cases[i].op_type, tx, arg, len);
        assert_int_equal(fx_process(f, 1), 0);
        assert_true(fx_recv(f, 1, &hdr, buf));
        /* A read of the missing node answers ENOENT, the others succeed. */
        assert_int_equal(hdr.type, strstr(arg, "nope") ? XS_ERROR : cases[i].op_type);
        if (cases[i].other_rm)
            assert_int_equal(xs_store_rm(s, 0, cases[i].other, NULL), 0);
        else
            assert_int_equal(xs_store_write(s, 0, cases[i].other, "x", 1, NULL), 0);
        before = xs_store_node_count(s);
        tx_end(f, 1, tx, true, "EAGAIN");
        assert_int_equal(xs_store_node_count(s), before);
        check_value(s, "/local/domain/1/data/k/sub", NULL);
        assert_int_equal(xs_tx_count(s, &f->conn[1]), 0);
    }
    assert_true(xs_store_index_ok(s));
}

/* Changes by others to nodes the transaction never touched do not matter. */
static void unrelated_writes_do_not_conflict(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    uint32_t tx;

    fx_call(f, 1, XS_WRITE, 0, P("data/a\0"), XS_WRITE, OK);
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_WRITE, tx, P("data/a\0mine"), XS_WRITE, OK);
    fx_call(f, 1, XS_READ, tx, P("name\0"), XS_READ, P("guest1"));
    /* A sibling appears (data changes, but the transaction never looked at
     * data), another guest writes, dom0 writes elsewhere. */
    assert_int_equal(xs_store_write(s, 0, "/local/domain/1/data/b", "x", 1, NULL), 0);
    fx_call(f, 2, XS_WRITE, 0, P("data/z\0z"), XS_WRITE, OK);
    assert_int_equal(xs_store_write(s, 0, "/tool/state", "1", 1, NULL), 0);
    tx_end(f, 1, tx, true, "OK");
    check_value(s, "/local/domain/1/data/a", "mine");
    check_value(s, "/local/domain/1/data/b", "x");
}

/* Two transactions on the same node: the first to commit wins (xenstored's
 * example 4), whether on one connection or two. */
static void first_commit_wins(void **state)
{
    struct fx *f = *state;
    uint32_t t1, t2, t3;

    fx_call(f, 1, XS_WRITE, 0,
            P("data/n\0"
              "0"),
            XS_WRITE, OK);
    t1 = tx_start(f, 1);
    t2 = tx_start(f, 1);
    t3 = tx_start(f, 0);
    assert_true(t1 != t2);
    fx_call(f, 1, XS_READ, t1, P("data/n\0"), XS_READ, P("0"));
    fx_call(f, 1, XS_READ, t2, P("data/n\0"), XS_READ, P("0"));
    fx_call(f, 0, XS_READ, t3, P("/local/domain/1/data/n\0"), XS_READ, P("0"));
    fx_call(f, 1, XS_WRITE, t1,
            P("data/n\0"
              "1"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_WRITE, t2,
            P("data/n\0"
              "2"),
            XS_WRITE, OK);
    fx_call(f, 0, XS_WRITE, t3,
            P("/local/domain/1/data/n\0"
              "3"),
            XS_WRITE, OK);
    tx_end(f, 1, t2, true, "OK");
    tx_end(f, 1, t1, true, "EAGAIN");
    tx_end(f, 0, t3, true, "EAGAIN");
    check_value(&f->store, "/local/domain/1/data/n", "2");
}

/* "F" discards everything: writes, mkdir, rm, permission changes; no watch
 * fires; the store is exactly as before. */
static void abort_discards(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    uint32_t tx, before;

    fx_call(f, 1, XS_WRITE, 0, P("data/keep/child\0c"), XS_WRITE, OK);
    fx_call(f, 0, XS_WATCH, 0, P("/local/domain/1/data\0w\0"), XS_WATCH, OK);
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/1/data\0w\0"));
    before = xs_store_node_count(s);
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_WRITE, tx, P("data/new\0n"), XS_WRITE, OK);
    fx_call(f, 1, XS_RM, tx, P("data/keep\0"), XS_RM, OK);
    fx_call(f, 1, XS_SET_PERMS, tx, P("data\0n1\0r2\0"), XS_SET_PERMS, OK);
    fx_call(f, 1, XS_MKDIR, tx, P("data/d/e\0"), XS_MKDIR, OK);
    fx_call_err(f, 1, XS_READ, P("data/new\0"), "ENOENT");
    tx_end(f, 1, tx, false, "OK");
    assert_int_equal(xs_store_node_count(s), before);
    check_value(s, "/local/domain/1/data/keep/child", "c");
    check_value(s, "/local/domain/1/data/new", NULL);
    fx_call(f, 1, XS_GET_PERMS, 0, P("data\0"), XS_GET_PERMS, P("n1\0"));
    assert_int_equal(fx_process(f, 0), 0);
    fx_expect_none(f, 0);
    assert_int_equal(s->tx_nodes, 0);
    assert_int_equal(s->detached, 0);
}

/* Watches fire at commit, for what was committed, with xenstored's
 * exactness; never for an aborted or failed transaction. */
static void watches_fire_only_on_commit(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    uint32_t tx;

    fx_call(f, 1, XS_WRITE, 0, P("data/old/deep\0d"), XS_WRITE, OK);
    fx_call(f, 0, XS_WATCH, 0, P("/local/domain/1/data\0all\0"), XS_WATCH, OK);
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/1/data\0all\0"));
    fx_call(f, 0, XS_WATCH, 0, P("/local/domain/1/data/old/deep\0deep\0"), XS_WATCH, OK);
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/1/data/old/deep\0deep\0"));
    fx_call(f, 2, XS_WATCH, 0, P("/local/domain/1/data\0spy\0"), XS_WATCH, OK);
    fx_expect(f, 2, XS_WATCH_EVENT, P("/local/domain/1/data\0spy\0"));
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_WRITE, tx,
            P("data/w\0"
              "1"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_RM, tx, P("data/old\0"), XS_RM, OK);
    fx_call(f, 1, XS_WRITE, tx,
            P("data/w\0"
              "2"),
            XS_WRITE, OK);
    assert_int_equal(fx_process(f, 0), 0);
    fx_expect_none(f, 0); /* nothing yet */
    tx_end(f, 1, tx, true, "OK");
    assert_int_equal(fx_process(f, 0), 0);
    /* In the transaction's order of first touch: w, old, old/deep. */
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/1/data/w\0all\0"));
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/1/data/old\0all\0"));
    /* A removed descendant fires the watches on exactly its path. */
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/1/data/old/deep\0deep\0"));
    fx_expect_none(f, 0);
    assert_int_equal(fx_process(f, 2), 0);
    fx_expect_none(f, 2); /* guest 2 may not read guest 1's data */
    /* A failed commit fires nothing. */
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_READ, tx, P("data/w\0"), XS_READ, P("2"));
    fx_call(f, 1, XS_WRITE, tx,
            P("data/v\0"
              "1"),
            XS_WRITE, OK);
    assert_int_equal(xs_store_write(s, 1, "/local/domain/1/data/w", "3", 1, NULL), 0);
    assert_int_equal(fx_process(f, 0), 0);
    fx_expect(f, 0, XS_WATCH_EVENT, P("/local/domain/1/data/w\0all\0"));
    tx_end(f, 1, tx, true, "EAGAIN");
    assert_int_equal(fx_process(f, 0), 0);
    fx_expect_none(f, 0);
    check_value(s, "/local/domain/1/data/v", NULL);
}

/* Remove a subtree and build part of it again in one transaction. */
static void remove_and_recreate(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    uint32_t tx, before;

    fx_call(f, 1, XS_WRITE, 0,
            P("data/dir/a\0"
              "1"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_WRITE, 0,
            P("data/dir/b/c\0"
              "2"),
            XS_WRITE, OK);
    before = xs_store_node_count(s);
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_RM, tx, P("data/dir\0"), XS_RM, OK);
    fx_call(f, 1, XS_READ, tx, P("data/dir/b/c\0"), XS_ERROR, P("ENOENT\0"));
    fx_call(f, 1, XS_READ, tx, P("data/dir\0"), XS_ERROR, P("ENOENT\0"));
    fx_call(f, 1, XS_DIRECTORY, tx, P("data\0"), XS_DIRECTORY, "", 0);
    fx_call(f, 1, XS_RM, tx, P("data/dir/b\0"), XS_ERROR, P("ENOENT\0"));
    fx_call(f, 1, XS_RM, tx, P("data/dir\0"), XS_RM, OK); /* missing, parent there */
    fx_call(f, 1, XS_WRITE, tx,
            P("data/dir/b/new\0"
              "3"),
            XS_WRITE, OK);
    fx_call(f, 1, XS_DIRECTORY, tx, P("data/dir\0"), XS_DIRECTORY, P("b\0"));
    fx_call(f, 1, XS_DIRECTORY, tx, P("data/dir/b\0"), XS_DIRECTORY, P("new\0"));
    fx_call(f, 1, XS_READ, tx, P("data/dir\0"), XS_READ, "", 0);
    /* Outside, all of it is still there. */
    fx_call(f, 1, XS_READ, 0, P("data/dir/b/c\0"), XS_READ, P("2"));
    tx_end(f, 1, tx, true, "OK");
    check_value(s, "/local/domain/1/data/dir/a", NULL);
    check_value(s, "/local/domain/1/data/dir/b/c", NULL);
    check_value(s, "/local/domain/1/data/dir/b/new", "3");
    check_value(s, "/local/domain/1/data/dir", "");
    fx_call(f, 1, XS_DIRECTORY, 0, P("data/dir\0"), XS_DIRECTORY, P("b\0"));
    assert_int_equal(xs_store_node_count(s), before - 1);
    assert_true(xs_store_index_ok(s));
}

/* Permissions hold inside transactions: the view's own permissions, the
 * same EACCES/ENOENT rule, owner-only set_perms, EPERM to give away. */
static void permissions_inside_transactions(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    uint32_t tx;

    assert_int_equal(xs_store_write(s, 2, "/local/domain/2/data/secret", "s", 1, NULL), 0);
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_READ, tx, P("/local/domain/2/data/secret\0"), XS_ERROR, P("EACCES\0"));
    fx_call(f, 1, XS_READ, tx, P("/local/domain/2/data/none\0"), XS_ERROR, P("EACCES\0"));
    fx_call(f, 1, XS_DIRECTORY, tx, P("/local/domain/2/data\0"), XS_ERROR, P("EACCES\0"));
    fx_call(f, 1, XS_WRITE, tx, P("/local/domain/2/data/secret\0x"), XS_ERROR, P("EACCES\0"));
    fx_call(f, 1, XS_RM, tx, P("/local/domain/2/data/secret\0"), XS_ERROR, P("EACCES\0"));
    fx_call(f, 1, XS_WRITE, tx, P("name\0x"), XS_ERROR, P("EACCES\0"));
    fx_call(f, 1, XS_WRITE, tx, P("mine\0x"), XS_ERROR, P("EACCES\0"));
    /* Its own node, re-permitted inside: guest 2 gets to read it at commit. */
    fx_call(f, 1, XS_WRITE, tx, P("data/pub\0p"), XS_WRITE, OK);
    fx_call(f, 1, XS_SET_PERMS, tx, P("data/pub\0n1\0r2\0"), XS_SET_PERMS, OK);
    fx_call(f, 1, XS_GET_PERMS, tx, P("data/pub\0"), XS_GET_PERMS, P("n1\0r2\0"));
    fx_call(f, 1, XS_SET_PERMS, tx, P("data/pub\0n2\0"), XS_ERROR, P("EPERM\0"));
    fx_call(f, 1, XS_SET_PERMS, tx, P("control\0n1\0"), XS_ERROR, P("EACCES\0"));
    fx_call(f, 2, XS_READ, 0, P("/local/domain/1/data/pub\0"), XS_ERROR, P("EACCES\0"));
    /* What it could not read is not in its read set: domain 2 changing it
     * (a side channel otherwise) does not fail the commit. */
    assert_int_equal(xs_store_write(s, 2, "/local/domain/2/data/secret", "t", 1, NULL), 0);
    assert_int_equal(xs_store_write(s, 2, "/local/domain/2/data/none", "t", 1, NULL), 0);
    tx_end(f, 1, tx, true, "OK");
    fx_call(f, 2, XS_READ, 0, P("/local/domain/1/data/pub\0"), XS_READ, P("p"));
    fx_call(f, 2, XS_WRITE, 0, P("/local/domain/1/data/pub\0x"), XS_ERROR, P("EACCES\0"));
}

/* Limits: per guest connection, in the store, per transaction; the
 * operation that would pass one fails with ENOSPC and the view stays. */
static void limits_are_enospc(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    struct xs_tx *txs[XS_TX_MAX];
    struct domb_error err;
    char req[64];
    uint32_t tx;
    unsigned int n = 0;

    /* The store's table of open transactions (the builder's own). */
    while (xs_tx_start(s, NULL, 0, &txs[n], &err) == 0)
        n++;
    assert_int_equal(n, XS_TX_MAX);
    assert_non_null(strstr(err.msg, "transactions open"));
    fx_call_err(f, 1, XS_TRANSACTION_START, P("\0"), "ENOSPC");
    for (unsigned int i = 0; i < n; i++)
        assert_int_equal(xs_tx_end(txs[i], false, &err), 0);
    /* The last XS_TX_RESERVE are for guests without one: a guest holding
     * one cannot take them, a guest with none can. */
    tx = tx_start(f, 1);
    for (n = 1; n < XS_TX_MAX - XS_TX_RESERVE; n++)
        assert_int_equal(xs_tx_start(s, NULL, 0, &txs[n], &err), 0);
    fx_call_err(f, 1, XS_TRANSACTION_START, P("\0"), "ENOSPC");
    tx_end(f, 2, tx_start(f, 2), false, "OK");
    tx_end(f, 1, tx, false, "OK");
    for (unsigned int i = 1; i < n; i++)
        assert_int_equal(xs_tx_end(txs[i], false, &err), 0);
    /* Nodes one transaction may touch. */
    s->quota_tx_nodes = 8;
    tx = tx_start(f, 1);
    for (int i = 0;; i++) {
        struct xsd_sockmsg hdr;
        char buf[32];
        int len = snprintf(req, sizeof(req), "data/n%d%cv", i, 0);

        fx_send(f, 1, XS_WRITE, tx, req, (uint32_t)len);
        assert_int_equal(fx_process(f, 1), 0);
        assert_true(fx_recv(f, 1, &hdr, buf));
        if (hdr.type == XS_ERROR) {
            assert_string_equal(buf, "ENOSPC");
            assert_true(i >= 4);
            break;
        }
    }
    fx_call(f, 1, XS_READ, tx, P("data/n0\0"), XS_READ, P("v"));
    /* The guest's other transactions share the quota. */
    {
        uint32_t other = tx_start(f, 1);

        fx_call(f, 1, XS_READ, other, P("data/n0\0"), XS_ERROR, P("ENOSPC\0"));
        tx_end(f, 1, other, false, "OK");
    }
    tx_end(f, 1, tx, true, "OK"); /* what fitted commits */
    check_value(s, "/local/domain/1/data/n0", "v");
    /* dom0's transactions are not held to it (xenstored's quota_trans_nodes). */
    tx = tx_start(f, 0);
    for (int i = 0; i < 20; i++) {
        int len = snprintf(req, sizeof(req), "/tool/t%d%cv", i, 0);

        fx_call(f, 0, XS_WRITE, tx, req, (uint32_t)len, XS_WRITE, OK);
    }
    tx_end(f, 0, tx, true, "OK");
    s->quota_tx_nodes = XS_TX_NODES;
    /* Bytes of copies one transaction may hold. */
    s->quota_tx_bytes = 2048;
    tx = tx_start(f, 1);
    {
        static char big[1 + 8 + 4000];
        int len = snprintf(big, sizeof(big), "data/big%c", 0);

        memset(big + len, 'b', 3000);
        fx_call(f, 1, XS_WRITE, tx, big, (uint32_t)len + 3000, XS_ERROR, P("ENOSPC\0"));
    }
    fx_call(f, 1, XS_READ, tx, P("data/big\0"), XS_ERROR, P("ENOENT\0"));
    tx_end(f, 1, tx, true, "OK");
    s->quota_tx_bytes = XS_TX_BYTES;
    /* All transactions' copies together. */
    s->tx_nodes_max = 3;
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_WRITE, tx,
            P("data/x/y/z\0"
              "1"),
            XS_ERROR, P("ENOSPC\0"));
    tx_end(f, 1, tx, true, "OK");
    check_value(s, "/local/domain/1/data/x", NULL);
    assert_int_equal(s->tx_nodes, 0);
    assert_int_equal(s->detached, 0);
}

/* A commit checks all its room before it applies anything: the owner's
 * quota and the store's nodes can be used up by others meanwhile. */
static void commit_never_half_applies(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    struct domb_error err;
    uint32_t tx, before;
    char path[64];

    /* The guest's node quota, lowered meanwhile. */
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_WRITE, tx, P("data/q1/q2\0v"), XS_WRITE, OK);
    s->quota_nodes = s->domains[s->domain_slot[1] - 1].nodes + 1;
    before = xs_store_node_count(s);
    tx_end(f, 1, tx, true, "ENOSPC");
    assert_int_equal(xs_store_node_count(s), before);
    check_value(s, "/local/domain/1/data/q1", NULL);
    s->quota_nodes = XS_QUOTA_NODES;
    /* The store's node table, filled elsewhere (the transaction touched
     * only / and /tool...). */
    tx = tx_start(f, 0);
    fx_call(f, 0, XS_WRITE, tx, P("/tool/a/b/c\0v"), XS_WRITE, OK);
    for (int i = 0; s->max_nodes - s->used_nodes - s->detached > 2; i++) {
        snprintf(path, sizeof(path), "/local/fill/n%d", i);
        assert_int_equal(xs_store_write(s, 0, path, "", 0, &err), 0);
    }
    before = xs_store_node_count(s);
    tx_end(f, 0, tx, true, "ENOSPC");
    assert_int_equal(xs_store_node_count(s), before);
    check_value(s, "/tool", NULL);
    assert_true(xs_store_index_ok(s));
}

/* A domain's release ends its transactions, as does its connection's end;
 * the store goes back to where it was. */
static void transactions_die_with_the_domain(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    struct domb_error err;
    uint32_t tx, base;

    tx = tx_start(f, 2);
    fx_call(f, 2, XS_WRITE, tx,
            P("data/w\0"
              "1"),
            XS_WRITE, OK);
    (void)tx_start(f, 2);
    assert_int_equal(xs_tx_count(s, &f->conn[2]), 2);
    assert_true(s->tx_nodes > 0);
    assert_int_equal(xs_store_domain_release(s, 2, &err), 0);
    assert_int_equal(xs_tx_count(s, &f->conn[2]), 0);
    assert_int_equal(s->tx_nodes, 0);
    assert_int_equal(s->detached, 0);
    fx_call(f, 2, XS_TRANSACTION_END, tx, P("T\0"), XS_ERROR, P("ENOENT\0"));
    check_value(s, "/local/domain/2", NULL);
    /* A connection that goes away takes its transactions along. */
    base = xs_store_node_count(s);
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_WRITE, tx,
            P("data/gone\0"
              "1"),
            XS_WRITE, OK);
    xs_conn_destroy(&f->conn[1]);
    assert_int_equal(s->tx_nodes, 0);
    assert_int_equal(s->detached, 0);
    assert_int_equal(xs_store_node_count(s), base);
    xs_conn_init(&f->conn[1], s, 1); /* for the teardown */
}

/* The C API: the builder's own transactions, as xl's device add does. */
static void builder_transactions(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    struct domb_error err;
    struct xs_tx *tx;
    const struct xs_perm front[2] = {{1, XS_PERM_NONE}, {2, XS_PERM_READ}};
    struct xs_perm perms[XS_PERMS_MAX];
    unsigned int n;
    const char *v;
    uint32_t len, before = xs_store_node_count(s);
    char buf[64];
    bool complete;
    uint64_t gen;

    assert_int_equal(xs_tx_start(s, NULL, 0, &tx, &err), 0);
    assert_int_equal(xs_tx_mkdir(s, tx, 0, "/local/domain/1/device/vif/0", &err), 0);
    assert_int_equal(xs_tx_set_perms(s, tx, 0, "/local/domain/1/device/vif/0", front, 2, &err), 0);
    assert_int_equal(xs_tx_write(s, tx, 0, "/local/domain/1/device/vif/0/state", "1", 1, &err), 0);
    assert_int_equal(xs_tx_mkdir(s, tx, 0, "/libxl/1/device/vif/0", &err), 0);
    assert_int_equal(xs_tx_get_perms(s, tx, 0, "/local/domain/1/device/vif/0", perms, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(perms[0].domid, 1);
    assert_int_equal(xs_tx_read(s, tx, 0, "/local/domain/1/device/vif/0/state", &v, &len, &err), 0);
    assert_int_equal(len, 1);
    assert_int_equal(xs_tx_directory(s, tx, 0, "/local/domain/1/device", 0, buf, sizeof(buf), &len,
                                     &complete, &gen, &err),
                     0);
    assert_int_equal(len, 12);
    assert_memory_equal(buf, "suspend\0vif", 12);
    assert_int_equal(xs_tx_read(s, tx, 1, "/local/domain/1/name", &v, &len, &err), -XEN_EINVAL);
    assert_int_equal(xs_store_node_count(s), before);
    assert_int_equal(xs_tx_end(tx, true, &err), 0);
    assert_int_equal(xs_store_node_count(s), before + 5);
    check_value(s, "/local/domain/1/device/vif/0/state", "1");
    assert_int_equal(xs_store_read(s, 2, "/local/domain/1/device/vif/0/state", &v, &len, &err), 0);
    /* Removed again in one: the store is back at its baseline. */
    assert_int_equal(xs_tx_start(s, NULL, 0, &tx, &err), 0);
    assert_int_equal(xs_tx_rm(s, tx, 0, "/local/domain/1/device/vif", &err), 0);
    assert_int_equal(xs_tx_rm(s, tx, 0, "/libxl/1/device/vif", &err), 0);
    assert_int_equal(xs_tx_end(tx, true, &err), 0);
    assert_int_equal(xs_store_node_count(s), before);
    /* NULL: outside any transaction. */
    assert_int_equal(xs_tx_write(s, NULL, 1, "/local/domain/1/data/k", "v", 1, &err), 0);
    check_value(s, "/local/domain/1/data/k", "v");
}

/* Linux's xenbus_switch_state: read the state and write it in a transaction,
 * retried on EAGAIN (drivers/xen/xenbus/xenbus_client.c). */
static void xenbus_switch_state_retries(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    const struct xs_perm front[2] = {{1, XS_PERM_NONE}, {2, XS_PERM_READ}};
    uint32_t tx;

    assert_int_equal(
        xs_store_write_perms(s, 0, "/local/domain/1/device/vif/0", "", 0, front, 2, NULL), 0);
    assert_int_equal(xs_store_write(s, 0, "/local/domain/1/device/vif/0/state", "1", 1, NULL), 0);
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_READ, tx, P("device/vif/0/state\0"), XS_READ, P("1"));
    /* The toolstack touches the state meanwhile: the first try fails. */
    assert_int_equal(xs_store_write(s, 0, "/local/domain/1/device/vif/0/state", "1", 1, NULL), 0);
    fx_call(f, 1, XS_WRITE, tx,
            P("device/vif/0/state\0"
              "4"),
            XS_WRITE, OK);
    tx_end(f, 1, tx, true, "EAGAIN");
    tx = tx_start(f, 1);
    fx_call(f, 1, XS_READ, tx, P("device/vif/0/state\0"), XS_READ, P("1"));
    fx_call(f, 1, XS_WRITE, tx,
            P("device/vif/0/state\0"
              "4"),
            XS_WRITE, OK);
    tx_end(f, 1, tx, true, "OK");
    check_value(s, "/local/domain/1/device/vif/0/state", "4");
    /* The backend sees it. */
    fx_call(f, 2, XS_READ, 0, P("/local/domain/1/device/vif/0/state\0"), XS_READ, P("4"));
}

/* XS_DIRECTORY_PART in a transaction pages its view, with one generation. */
static void directory_part_in_transaction(void **state)
{
    struct fx *f = *state;
    struct xsd_sockmsg hdr;
    static char got[XENSTORE_PAYLOAD_MAX + 1];
    uint32_t tx = tx_start(f, 0);

    fx_call(f, 0, XS_WRITE, tx, P("/tool/aa\0"), XS_WRITE, OK);
    fx_call(f, 0, XS_WRITE, tx, P("/tool/bb\0"), XS_WRITE, OK);
    fx_send(f, 0, XS_DIRECTORY_PART, tx,
            P("/tool\0"
              "3\0"));
    assert_int_equal(fx_process(f, 0), 0);
    assert_true(fx_recv(f, 0, &hdr, got));
    assert_int_equal(hdr.type, XS_DIRECTORY_PART);
    /* "<generation>\0bb\0\0" */
    assert_int_equal(hdr.len, strlen(got) + 1 + 4);
    assert_memory_equal(got + strlen(got) + 1, "bb\0\0", 4);
    tx_end(f, 0, tx, false, "OK");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(changes_invisible_until_commit, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(reads_are_repeatable, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(conflicts_fail_with_eagain, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(unrelated_writes_do_not_conflict, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(first_commit_wins, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(abort_discards, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(watches_fire_only_on_commit, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(remove_and_recreate, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(permissions_inside_transactions, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(limits_are_enospc, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(commit_never_half_applies, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(transactions_die_with_the_domain, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(builder_transactions, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(xenbus_switch_state_retries, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(directory_part_in_transaction, fx_setup, fx_teardown),
};

DOMB_TEST_MAIN(tests)
