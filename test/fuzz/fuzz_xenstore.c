/*
 * libFuzzer: the builder's xenstore against hostile guests. One store (small
 * arena, so limits and compaction are hit), dom0 and three guests (domains
 * 1, 2, 3), each connection with its own 4 KiB ring page in its own
 * allocation (ASan sees any access outside it). The input is a script of
 * operations, one byte each (low nibble: the operation, high: the
 * connection) plus arguments:
 *
 *   0 put raw bytes at the guest's req_prod and advance it (any amount)
 *   1 put a well-formed request: type, tx id, payload from the input
 *   2 set any 32-bit value into any index (req_prod, rsp_cons, or ours)
 *   3 rewrite bytes anywhere in the page
 *   4 the guest reads its responses
 *   5 process the connection
 *   6 the builder writes, removes, introduces or releases a domain
 *   7 process every connection
 *   8 put a request made of parts that mean something: a type that takes
 *     a path, a tx id among the small ones transactions get, a path from a
 *     table (the guest's own, other guests', the backends', relative and
 *     absolute), a value or permissions from the input
 *   9 the builder's own transaction (C API): start, an operation in it,
 *     commit or abort
 *
 * Invariants, checked after every operation: the tree is consistent (every
 * node reachable once, links agree, counts match, every domain's nodes and
 * bytes are what it owns and within its quota), the transactions' entries
 * are exactly the detached nodes and their counts agree, queues and
 * buffers stay in bounds, a broken connection stays broken and never
 * touches the ring again, and every message a guest reads from an
 * untampered response ring is well formed.
 */
#include <domb/errno.h>
#include <xenstore/xenstore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CONNS     4
#define MAX_NODES 320
#define ARENA     (MAX_NODES * sizeof(struct xs_node) + 32 * 1024)

struct input {
    const uint8_t *p;
    size_t n;
};

static uint32_t take(struct input *in, unsigned int bytes)
{
    uint32_t v = 0;

    for (unsigned int i = 0; i < bytes && in->n; i++, in->p++, in->n--)
        v |= (uint32_t)in->p[0] << (8 * i);
    return v;
}

struct guest {
    struct xenstore_domain_interface *ring;
    bool tampered; /* the input wrote into the response side */
    uint8_t rx[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    uint32_t rx_used;
};

/* Every node reachable from the root exactly once; links and counts agree. */
static void check_store(const struct xs_store *s)
{
    static uint8_t seen[MAX_NODES];
    uint32_t owned[XS_DOMAINS_MAX] = {0}, count = 0, cur = 0, detached = 0, tx_nodes = 0;
    uint64_t bytes[XS_DOMAINS_MAX] = {0}, tx_bytes = 0;

    if (s->used_nodes > s->max_nodes || s->heap_top > s->heap_size || s->heap_dead > s->heap_top)
        __builtin_trap();
    memset(seen, 0, sizeof(seen));
    /* Iterative preorder walk over first_child/next_sibling/parent. */
    for (;;) {
        const struct xs_node *n = &s->nodes[cur];

        if (seen[cur] || n->block == XS_NONE || n->nperms == 0 || n->nperms > XS_PERMS_MAX ||
            n->block + 8 + n->name_len + n->value_len > s->heap_top ||
            n->name_len + n->value_len > n->block_size || n->value_len > XS_VALUE_MAX)
            __builtin_trap();
        seen[cur] = 1;
        count++;
        if (s->domain_slot[n->perms[0].domid]) {
            unsigned int d = s->domain_slot[n->perms[0].domid] - 1u;

            if (!s->domains[d].used || s->domains[d].domid != n->perms[0].domid)
                __builtin_trap();
            owned[d]++;
            bytes[d] += n->name_len + n->value_len;
        } else if (n->perms[0].domid != 0) {
            __builtin_trap(); /* an owner the store does not account */
        }
        if (n->first_child != XS_NONE) {
            if (s->nodes[n->first_child].parent != cur)
                __builtin_trap();
            cur = n->first_child;
            continue;
        }
        while (cur != 0 && s->nodes[cur].next_sibling == XS_NONE)
            cur = s->nodes[cur].parent;
        if (cur == 0)
            break;
        if (s->nodes[s->nodes[cur].next_sibling].parent != s->nodes[cur].parent)
            __builtin_trap();
        cur = s->nodes[cur].next_sibling;
    }
    if (count != s->used_nodes || !xs_store_index_ok(s) || count != xs_store_node_count(s))
        __builtin_trap();
    for (unsigned int d = 0; d < XS_DOMAINS_MAX; d++) {
        const struct xs_domain *dom = &s->domains[d];

        if (dom->used && dom->domid != 0 &&
            (dom->nodes != owned[d] || dom->bytes != bytes[d] || dom->nodes > s->quota_nodes ||
             dom->bytes > s->quota_bytes))
            __builtin_trap();
    }
    /* Transactions: their entries are the detached nodes, each in one list. */
    for (uint32_t i = 0; i < s->max_nodes; i++)
        detached += s->nodes[i].block != XS_NONE && (s->nodes[i].flags & XS_NODE_DETACHED);
    for (unsigned int t = 0; t < XS_TX_MAX; t++) {
        const struct xs_tx *tx = &s->tx[t];
        uint32_t n = 0;

        if (!tx->used)
            continue;
        for (uint32_t e = tx->first; e != XS_NONE; e = s->nodes[e].next_sibling) {
            const struct xs_node *en = &s->nodes[e];

            if (e >= s->max_nodes || seen[e] || ++n > tx->nodes || en->block == XS_NONE ||
                !(en->flags & XS_NODE_DETACHED) || en->name_len == 0 ||
                en->name_len > XS_PATH_MAX || en->value_len > XS_VALUE_MAX ||
                en->name_len + en->value_len + en->list_len > en->block_size ||
                en->block + 8 + en->block_size > s->heap_top)
                __builtin_trap();
            seen[e] = 1;
        }
        if (n != tx->nodes)
            __builtin_trap();
        tx_nodes += tx->nodes;
        tx_bytes += tx->bytes;
    }
    if (detached != s->detached || tx_nodes != s->detached || tx_nodes != s->tx_nodes ||
        tx_bytes != s->tx_bytes || s->used_nodes + s->detached > s->max_nodes)
        __builtin_trap();
}

static void check_conn(const struct xs_conn *c)
{
    if (c->out_head > c->out_tail || c->out_tail > XS_CONN_OUT_MAX || c->in_used > XS_MSG_MAX ||
        c->nwatches > XS_CONN_WATCHES || c->watch_bytes_used > XS_CONN_WATCH_BYTES ||
        (c->domid != 0 && xs_tx_count(c->store, c) > XS_CONN_TX_MAX))
        __builtin_trap();
    if (c->broken && (c->error.code >= 0 || c->error.msg[0] == '\0'))
        __builtin_trap();
    /* On the store's watcher list exactly while it has a watch. */
    bool listed = false;
    for (const struct xs_conn *w = c->store->watchers; w; w = w->next_watcher)
        listed |= w == c;
    if (listed != (c->nwatches > 0) || listed != c->watching)
        __builtin_trap();
}

/* The guest reads its response ring and checks each message's framing. */
static void guest_read(struct guest *g)
{
    uint32_t avail = g->ring->rsp_prod - g->ring->rsp_cons;

    if (avail > XENSTORE_RING_SIZE) {
        if (!g->tampered)
            __builtin_trap(); /* we never publish more than the ring holds */
        return;
    }
    while (avail--) {
        struct xsd_sockmsg hdr;

        g->rx[g->rx_used++] = (uint8_t)g->ring->rsp[MASK_XENSTORE_IDX(g->ring->rsp_cons++)];
        if (g->rx_used < sizeof(hdr))
            continue;
        memcpy(&hdr, g->rx, sizeof(hdr));
        if (!g->tampered && (hdr.len > XENSTORE_PAYLOAD_MAX ||
                             (hdr.type >= XS_TYPE_COUNT && hdr.type != XS_ERROR) ||
                             (hdr.type == XS_WATCH_EVENT && (hdr.req_id != 0 || hdr.len < 3))))
            __builtin_trap();
        if (hdr.len > XENSTORE_PAYLOAD_MAX) {
            g->rx_used = 0; /* tampered: resynchronise anywhere */
            continue;
        }
        if (g->rx_used == sizeof(hdr) + hdr.len)
            g->rx_used = 0;
    }
}

/* Paths the structured requests and the builder use: homes, split-driver
 * nodes of 1 <-> 2, another guest's, dom0's, relative ones. */
static const char *const paths[] = {
    "/local/domain/1/control/shutdown",
    "/local/domain/2/data/x",
    "/local/domain/1",
    "/a/b/c",
    "/local/domain/2/device/vbd/51712/state",
    "/local/domain/1/device/vif/0",
    "/local/domain/1/device/vif/0/state",
    "/local/domain/2/backend/vif/1/0",
    "/local/domain/2/backend/vif/1/0/state",
    "/local/domain/3/data/secret",
    "/libxl/1/device/vif/0",
    "/a",
    "data",
    "data/x",
    "data/x/y",
    "data/z",
    "control/shutdown",
    "device",
    "name",
    "/",
};

/* "r1", "b2", ...: one permission entry from a byte. */
static int perm_string(char *out, uint32_t v)
{
    return snprintf(out, 8, "%c%u", "nrwb"[v & 3], (v >> 2) % 5);
}

static void builder_op(struct xs_store *s, struct input *in, struct xs_conn *conns)
{
    uint32_t op = take(in, 1), which = take(in, 1);
    struct domb_error err;
    char value[64];
    int rc = 0;

    memset(value, 'v', sizeof(value));
    switch (op % 4) {
    case 0:
        rc = xs_store_write(s, 0, paths[which % ARRAY_SIZE(paths)], value, take(in, 1) % 64, &err);
        break;
    case 1:
        rc = xs_store_rm(s, 0, paths[which % ARRAY_SIZE(paths)], &err);
        break;
    case 2: {
        struct xs_domain_info info = {.domid = (domid_t)(1 + which % 4),
                                      .name = "fuzz",
                                      .vcpus = which % 4,
                                      .mem_kib = 1,
                                      .driver_domain = (which & 0x40) != 0};

        rc = xs_store_domain_introduce(s, &info, &err);
        break;
    }
    default:
        rc = xs_store_domain_release(s, (domid_t)(1 + which % 4), &err);
        break;
    }
    if (rc < 0 && (err.code != rc || err.msg[0] == '\0'))
        __builtin_trap(); /* every failure names the problem */
    (void)conns;
}

/* A request whose parts mean something (see the top). */
static void structured_request(struct xenstore_domain_interface *r, struct input *in)
{
    static const uint32_t types[] = {XS_READ,
                                     XS_WRITE,
                                     XS_MKDIR,
                                     XS_RM,
                                     XS_DIRECTORY,
                                     XS_DIRECTORY_PART,
                                     XS_GET_PERMS,
                                     XS_SET_PERMS,
                                     XS_TRANSACTION_START,
                                     XS_TRANSACTION_END,
                                     XS_WATCH,
                                     XS_UNWATCH,
                                     XS_RESET_WATCHES};
    uint32_t type = types[take(in, 1) % ARRAY_SIZE(types)], tx = take(in, 1) % 5;
    const char *path = paths[take(in, 1) % ARRAY_SIZE(paths)];
    char msg[sizeof(struct xsd_sockmsg) + 256], *p = msg + sizeof(struct xsd_sockmsg);
    uint32_t len = (uint32_t)strlen(path) + 1, extra = take(in, 1);
    struct xsd_sockmsg hdr = {.type = type, .req_id = take(in, 1), .tx_id = tx};

    memcpy(p, path, len);
    switch (type) {
    case XS_WRITE: /* a value of up to 63 bytes */
        for (uint32_t i = 0; i < extra % 64; i++)
            p[len++] = (char)('a' + take(in, 1) % 26);
        break;
    case XS_SET_PERMS: /* 1 to 3 entries */
        for (uint32_t i = 0; i <= extra % 3; i++)
            len += (uint32_t)perm_string(p + len, take(in, 1)) + 1;
        break;
    case XS_DIRECTORY_PART:
        len += (uint32_t)snprintf(p + len, 8, "%u", extra % 16) + 1;
        break;
    case XS_WATCH:
    case XS_UNWATCH:
        len += (uint32_t)snprintf(p + len, 8, "t%u", extra % 4) + 1;
        break;
    case XS_TRANSACTION_END:
        len = (uint32_t)snprintf(p, 8, "%c", extra & 1 ? 'T' : 'F') + 1;
        break;
    case XS_TRANSACTION_START:
    case XS_RESET_WATCHES:
        len = 1;
        p[0] = '\0';
        break;
    default:
        break;
    }
    hdr.len = len;
    memcpy(msg, &hdr, sizeof(hdr));
    if (XENSTORE_RING_SIZE - (r->req_prod - r->req_cons) < sizeof(hdr) + len)
        return;
    for (uint32_t i = 0; i < sizeof(hdr) + len; i++)
        r->req[MASK_XENSTORE_IDX(r->req_prod + i)] = msg[i];
    r->req_prod += (uint32_t)sizeof(hdr) + len;
}

/* The builder's own transaction: start one, act in it, or end it. */
static void builder_tx_op(struct xs_store *s, struct input *in, struct xs_tx **tx)
{
    uint32_t op = take(in, 1), which = take(in, 1);
    const char *path = paths[which % ARRAY_SIZE(paths)];
    struct domb_error err;
    struct xs_perm perms[2] = {{(domid_t)(op >> 4) % 4, (uint8_t)(op & 3)},
                               {(domid_t)(which >> 5), XS_PERM_READ}};
    const char *value;
    uint32_t len;
    char buf[128];
    bool complete;
    uint64_t gen;
    int rc = 0;

    if (path[0] != '/')
        path = "/local/domain/2/data/bx";
    if (!*tx) {
        rc = xs_tx_start(s, NULL, 0, tx, &err);
        if (rc < 0)
            *tx = NULL;
    } else {
        switch ((op >> 2) % 8) {
        case 0:
            rc = xs_tx_write(s, *tx, 0, path, "vvvvvvvv", which % 9, &err);
            break;
        case 1:
            rc = xs_tx_rm(s, *tx, 0, path, &err);
            break;
        case 2:
            rc = xs_tx_mkdir(s, *tx, 0, path, &err);
            break;
        case 3:
            rc = xs_tx_set_perms(s, *tx, 0, path, perms, 1 + (which & 1), &err);
            break;
        case 4:
            rc = xs_tx_read(s, *tx, 0, path, &value, &len, &err);
            break;
        case 5:
            rc = xs_tx_directory(s, *tx, 0, path, which % 8, buf, sizeof(buf), &len, &complete,
                                 &gen, &err);
            break;
        default:
            rc = xs_tx_end(*tx, (op & 1) != 0, &err);
            *tx = NULL;
            break;
        }
    }
    if (rc < 0 && (err.code != rc || err.msg[0] == '\0'))
        __builtin_trap(); /* every failure names the problem */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    struct xs_store *s = malloc(sizeof(*s));
    void *arena = malloc(ARENA);
    struct xs_conn *conns = malloc(CONNS * sizeof(*conns));
    struct guest guests[CONNS];
    struct domb_error err;
    struct xs_tx *btx = NULL;
    unsigned int ops = 0;

    if (xs_store_init(s, arena, ARENA, MAX_NODES, &err) != 0)
        __builtin_trap();
    s->quota_nodes = 40;
    s->quota_bytes = 4096;
    s->quota_tx_nodes = 24; /* small, so that the limits are hit */
    s->quota_tx_bytes = 2048;
    for (int i = 0; i < CONNS; i++) {
        guests[i].ring = calloc(1, 4096);
        guests[i].tampered = false;
        guests[i].rx_used = 0;
        xs_conn_init(&conns[i], s, (domid_t)i);
        if (i > 0) {
            struct xs_domain_info info = {
                .domid = (domid_t)i, .name = "g", .vcpus = 1, .driver_domain = i == 2};

            if (xs_store_domain_introduce(s, &info, &err) != 0)
                __builtin_trap();
        }
    }
    while (in.n > 0 && ops++ < 1024) {
        uint32_t op = take(&in, 1), k = op >> 4;
        struct guest *g = &guests[k % CONNS];
        struct xs_conn *c = &conns[k % CONNS];
        struct xenstore_domain_interface *r = g->ring;
        bool notify;
        bool was_broken = c->broken;
        uint32_t rsp_prod = r->rsp_prod, req_cons = r->req_cons;

        switch (op & 15) {
        case 0: {
            uint32_t n = take(&in, 2) % 1500;

            for (uint32_t i = 0; i < n && in.n; i++)
                r->req[MASK_XENSTORE_IDX(r->req_prod + i)] = (char)take(&in, 1);
            r->req_prod += n;
            break;
        }
        case 1: {
            struct xsd_sockmsg hdr = {.type = take(&in, 1) % (XS_TYPE_COUNT + 2),
                                      .req_id = take(&in, 1),
                                      .tx_id = take(&in, 1) % 4,
                                      .len = take(&in, 1) % 200};
            uint8_t msg[sizeof(hdr) + 200];

            memcpy(msg, &hdr, sizeof(hdr));
            for (uint32_t i = 0; i < hdr.len; i++)
                msg[sizeof(hdr) + i] = (uint8_t)take(&in, 1);
            if (XENSTORE_RING_SIZE - (r->req_prod - r->req_cons) < sizeof(hdr) + hdr.len)
                break;
            for (uint32_t i = 0; i < sizeof(hdr) + hdr.len; i++)
                r->req[MASK_XENSTORE_IDX(r->req_prod + i)] = (char)msg[i];
            r->req_prod += (uint32_t)sizeof(hdr) + hdr.len;
            break;
        }
        case 2: {
            uint32_t which = take(&in, 1) % 4, v = take(&in, 4);
            XENSTORE_RING_IDX *idx[4] = {&r->req_prod, &r->rsp_cons, &r->req_cons, &r->rsp_prod};

            *idx[which] = which == 0 ? r->req_prod + v % 64 : v;
            g->tampered = g->tampered || which != 0;
            break;
        }
        case 3: {
            uint32_t off = take(&in, 2) % 4096;

            ((uint8_t *)r)[off] = (uint8_t)take(&in, 1);
            g->tampered = g->tampered || off >= offsetof(struct xenstore_domain_interface, rsp);
            break;
        }
        case 4:
            guest_read(g);
            break;
        case 5: {
            int rc = xs_conn_process(c, r, &notify);

            if ((rc < 0) != c->broken || (was_broken && rc != c->error.code))
                __builtin_trap();
            /* A broken connection leaves the ring alone. */
            if (was_broken && (r->rsp_prod != rsp_prod || r->req_cons != req_cons))
                __builtin_trap();
            break;
        }
        case 6:
            builder_op(s, &in, conns);
            break;
        case 8:
            structured_request(r, &in);
            break;
        case 9:
            builder_tx_op(s, &in, &btx);
            break;
        default:
            for (int i = 0; i < CONNS; i++)
                if (!conns[i].broken && xs_conn_process(&conns[i], guests[i].ring, &notify) < 0 &&
                    !conns[i].broken)
                    __builtin_trap();
            break;
        }
        if ((op & 15) >= 5 && (op & 15) != 8) /* only these reach the store */
            check_store(s);
        for (int i = 0; i < CONNS; i++)
            check_conn(&conns[i]);
    }
    if (btx && xs_tx_end(btx, true, &err) < 0 && (err.code >= 0 || err.msg[0] == '\0'))
        __builtin_trap();
    check_store(s);
    for (int i = 0; i < CONNS; i++) {
        xs_conn_destroy(&conns[i]);
        free(guests[i].ring);
    }
    /* Every transaction died with its connection. */
    if (s->detached != 0 || s->tx_nodes != 0 || s->tx_bytes != 0)
        __builtin_trap();
    free(conns);
    free(arena);
    free(s);
    return 0;
}
