/* Transactions: each one's view of the store, and its all-or-nothing commit. */
/*
 * As C xenstored (tools/xenstore/xenstored_transaction.c, Xen 4.17): the
 * first time a transaction touches a node (reads, lists, writes, removes,
 * or looks it up as the parent of a change) it takes a copy of it, an
 * "entry": the node's value, permissions, child names and generation (or
 * "absent" and XS_GEN_NONE). From then on the transaction sees and changes
 * only its copy; nodes it never touched it sees as they are now. At commit
 * every entry's generation is compared with the node's in the store: any
 * difference (someone wrote, re-permitted, created or removed the node, or
 * added or removed one of its children) fails the commit with EAGAIN and
 * nothing is applied. Otherwise every limit is checked, then the changed
 * entries are applied (removals first, then creations and updates from the
 * top down), and the watches fire, for the committed changes only.
 *
 * Entries are detached nodes of the store's own table and heap (xs_store.h),
 * linked per transaction in access order; a transaction's copies count
 * against its limits and the store's (docs/xenstore.md "Limits"). Every
 * operation checks what it needs before it changes the view, so a failed
 * one leaves the view as it was (at most with a few more read-only copies).
 *
 * The view's paths are resolved from the root down, so a node exists in the
 * view only when all its ancestors do. Values handed to an operation must
 * not point into the store (as for xs_store_*).
 */
#include "xs_tx.h"

#include "xs_perm.h"
#include "xs_session.h"
#include "xs_store.h"

#include <domb/errno.h>
#include <domb/lib.h>

/* An entry's flags, beside XS_NODE_DETACHED. */
#define XS_ENTRY_EXISTS   0x01u /* the node exists in the transaction's view */
#define XS_ENTRY_MODIFIED 0x02u /* the transaction changed it: applied at commit */
#define XS_ENTRY_FIRE     0x04u /* its watches fire at commit */
#define XS_ENTRY_EXACT    0x08u /* ... on exactly its path (a removed descendant) */
#define XS_ENTRY_WAS      0x10u /* commit: the node existed before it */

#define XS_ROOT 0u

/* ---- entries -------------------------------------------------------------------------- */

static struct xs_node *xs_entry(struct xs_tx *tx, uint32_t e)
{
    return &tx->store->nodes[e];
}

static char *xs_entry_path(struct xs_tx *tx, uint32_t e)
{
    return xs_store_payload(tx->store, e);
}

static char *xs_entry_value(struct xs_tx *tx, uint32_t e)
{
    return xs_entry_path(tx, e) + xs_entry(tx, e)->name_len;
}

static char *xs_entry_list(struct xs_tx *tx, uint32_t e)
{
    return xs_entry_value(tx, e) + xs_entry(tx, e)->value_len;
}

static bool xs_entry_exists(struct xs_tx *tx, uint32_t e)
{
    return (xs_entry(tx, e)->flags & XS_ENTRY_EXISTS) != 0;
}

static uint32_t xs_entry_find(struct xs_tx *tx, const char *path, size_t len)
{
    for (uint32_t e = tx->first; e != XS_NONE; e = xs_entry(tx, e)->next_sibling)
        if (xs_entry(tx, e)->name_len == len && memcmp(xs_entry_path(tx, e), path, len) == 0)
            return e;
    return XS_NONE;
}

/* May the transaction's copies grow by `bytes` of heap (and `nodes` more)?
 * A guest's open transactions share one quota (xenstored has it per
 * transaction; shared, ten of them cannot take ten times the store's pool). */
static int xs_tx_room(struct xs_tx *tx, uint32_t nodes, uint64_t bytes, struct domb_error *err)
{
    struct xs_store *s = tx->store;
    uint64_t have_nodes = 0, have_bytes = 0;

    for (unsigned int i = 0; tx->domid != 0 && i < XS_TX_MAX; i++) {
        if (s->tx[i].used && s->tx[i].domid == tx->domid) {
            have_nodes += s->tx[i].nodes;
            have_bytes += s->tx[i].bytes;
        }
    }
    if (tx->domid != 0 && have_nodes + nodes > s->quota_tx_nodes)
        return domb_error_set(err, -XEN_ENOSPC,
                              "domain %u's transactions would touch more than %u nodes", tx->domid,
                              s->quota_tx_nodes);
    if (tx->domid != 0 && have_bytes + bytes > s->quota_tx_bytes)
        return domb_error_set(err, -XEN_ENOSPC,
                              "domain %u's transactions would hold more than %u bytes of copies",
                              tx->domid, s->quota_tx_bytes);
    if (s->tx_nodes + nodes > s->tx_nodes_max || s->tx_bytes + bytes > s->tx_bytes_max)
        return domb_error_set(err, -XEN_ENOSPC,
                              "transactions hold %u nodes and %u bytes already (at most %u, %u)",
                              s->tx_nodes, s->tx_bytes, s->tx_nodes_max, s->tx_bytes_max);
    return 0;
}

/*
 * Copy path (len characters, not in the heap) into a new entry: node g of
 * the store (XS_NONE: absent) as the view sees it (exists false: absent in
 * the view although the store has it, because an ancestor is).
 */
static int xs_entry_add(struct xs_tx *tx, const char *path, size_t len, uint32_t g, bool exists,
                        uint32_t *out, struct domb_error *err)
{
    struct xs_store *s = tx->store;
    uint32_t payload = (uint32_t)len, list = 0, e;
    struct xs_node *n;
    int rc;

    exists = exists && g != XS_NONE;
    if (exists) {
        for (uint32_t c = s->nodes[g].first_child; c != XS_NONE; c = s->nodes[c].next_sibling)
            list += s->nodes[c].name_len + 1u;
        payload += s->nodes[g].value_len + list;
    }
    rc = xs_tx_room(tx, 1, xs_store_block_bytes(payload), err);
    if (rc == 0)
        rc = xs_store_detached_new(s, payload, &e, err);
    if (rc < 0)
        return rc;
    n = &s->nodes[e];
    n->name_len = (uint16_t)len;
    memcpy(xs_store_payload(s, e), path, len);
    n->generation = g != XS_NONE ? s->nodes[g].generation : XS_GEN_NONE;
    if (exists) {
        const struct xs_node *src = &s->nodes[g];
        char *p;

        n->flags |= XS_ENTRY_EXISTS;
        n->nperms = src->nperms;
        memcpy(n->perms, src->perms, sizeof(n->perms));
        n->value_len = src->value_len;
        memcpy(xs_entry_value(tx, e), xs_store_value(s, g), src->value_len);
        p = xs_entry_list(tx, e);
        for (uint32_t c = src->first_child; c != XS_NONE; c = s->nodes[c].next_sibling) {
            memcpy(p, xs_store_payload(s, c), s->nodes[c].name_len);
            p += s->nodes[c].name_len;
            *p++ = '\0';
        }
        n->list_len = list;
    }
    if (tx->last == XS_NONE)
        tx->first = e;
    else
        s->nodes[tx->last].next_sibling = e;
    tx->last = e;
    tx->nodes++;
    tx->bytes += xs_store_block_bytes(n->block_size);
    s->tx_nodes++;
    s->tx_bytes += xs_store_block_bytes(n->block_size);
    *out = e;
    return 0;
}

/* Heap bytes entry e's block must grow by to hold payload bytes. */
static uint32_t xs_entry_growth(struct xs_tx *tx, uint32_t e, uint32_t payload)
{
    uint32_t have = xs_entry(tx, e)->block_size;

    return payload <= have ? 0 : xs_store_block_bytes(payload);
}

/* Make entry e hold payload bytes, within the transaction's limits. */
static int xs_entry_grow(struct xs_tx *tx, uint32_t e, uint32_t payload, struct domb_error *err)
{
    struct xs_store *s = tx->store;
    uint32_t before = xs_store_block_bytes(xs_entry(tx, e)->block_size), grown;
    int rc;

    if (payload <= xs_entry(tx, e)->block_size)
        return 0;
    rc = xs_tx_room(tx, 0, xs_store_block_bytes(payload) - before, err);
    if (rc == 0)
        rc = xs_store_detached_grow(s, e, payload, err);
    if (rc < 0)
        return rc;
    grown = xs_store_block_bytes(xs_entry(tx, e)->block_size) - before;
    tx->bytes += grown;
    s->tx_bytes += grown;
    return 0;
}

static int xs_entry_set_value(struct xs_tx *tx, uint32_t e, const void *value, uint32_t vlen,
                              struct domb_error *err)
{
    struct xs_node *n = xs_entry(tx, e);
    int rc = xs_entry_grow(tx, e, n->name_len + vlen + n->list_len, err);
    char *v;

    if (rc < 0)
        return rc;
    v = xs_entry_value(tx, e);
    memmove(v + vlen, v + n->value_len, n->list_len);
    if (vlen)
        memcpy(v, value, vlen);
    n->value_len = (uint16_t)vlen;
    return 0;
}

/* Offset of child `name` in e's list, or -1. */
static int64_t xs_entry_child(struct xs_tx *tx, uint32_t e, const char *name, size_t len)
{
    const char *list = xs_entry_list(tx, e);
    uint32_t total = xs_entry(tx, e)->list_len;

    for (uint32_t off = 0; off < total;) {
        size_t l = strlen(list + off);

        if (l == len && memcmp(list + off, name, len) == 0)
            return off;
        off += (uint32_t)l + 1;
    }
    return -1;
}

/* Append child `name` (not in the heap) to e's list unless it is there. */
static int xs_entry_add_child(struct xs_tx *tx, uint32_t e, const char *name, size_t len,
                              struct domb_error *err)
{
    struct xs_node *n = xs_entry(tx, e);
    int rc;

    if (xs_entry_child(tx, e, name, len) >= 0)
        return 0;
    rc = xs_entry_grow(tx, e, n->name_len + n->value_len + n->list_len + (uint32_t)len + 1, err);
    if (rc < 0)
        return rc;
    memcpy(xs_entry_list(tx, e) + n->list_len, name, len);
    xs_entry_list(tx, e)[n->list_len + len] = '\0';
    n->list_len += (uint32_t)len + 1;
    return 0;
}

static void xs_entry_drop_child(struct xs_tx *tx, uint32_t e, const char *name, size_t len)
{
    struct xs_node *n = xs_entry(tx, e);
    int64_t off = xs_entry_child(tx, e, name, len);
    char *list = xs_entry_list(tx, e);

    if (off < 0)
        return;
    memmove(list + off, list + off + len + 1, n->list_len - (uint32_t)off - len - 1);
    n->list_len -= (uint32_t)len + 1;
}

/* Mark e changed, firing its watches at commit (exact: only its own path;
 * a non-exact mark replaces an exact one, never the other way round). */
static void xs_entry_fire(struct xs_tx *tx, uint32_t e, bool exact)
{
    struct xs_node *n = xs_entry(tx, e);

    if (!(n->flags & XS_ENTRY_FIRE) && exact)
        n->flags |= XS_ENTRY_EXACT;
    else if (!exact)
        n->flags &= (uint8_t)~XS_ENTRY_EXACT;
    n->flags |= XS_ENTRY_MODIFIED | XS_ENTRY_FIRE;
}

/* ---- the view ------------------------------------------------------------------------- */

/* A node of the view: its entry and its node in the store (either XS_NONE). */
struct xs_vnode {
    uint32_t entry, global;
};

/* Where a path stands in a transaction's view. */
struct xs_view {
    bool exists;
    struct xs_vnode node;    /* the path's own (its entry: absent ones too) */
    struct xs_vnode nearest; /* the deepest existing prefix (the node itself when it exists) */
    size_t missing;          /* offset of the first missing component; len when it exists */
};

static size_t xs_component_len(const char *path, size_t len, size_t pos)
{
    size_t end = pos;

    while (end < len && path[end] != '/')
        end++;
    return end - pos;
}

/* Length of the parent's path of path (len > 1 characters; the root's is 1). */
static size_t xs_parent_len(const char *path, size_t len)
{
    while (path[len - 1] != '/')
        len--;
    return len > 1 ? len - 1 : 1;
}

/* Offset of path's last component (1 for the root itself). */
static size_t xs_name_off(const char *path, size_t len)
{
    size_t parent;

    if (len == 1)
        return 1;
    parent = xs_parent_len(path, len);
    return parent > 1 ? parent + 1 : 1;
}

/* Resolve path (checked, absolute) from the root down. */
static void xs_view_resolve(struct xs_tx *tx, const char *path, size_t len, struct xs_view *v)
{
    struct xs_store *s = tx->store;
    uint32_t g = XS_ROOT;
    size_t pos = 1;

    v->nearest = (struct xs_vnode){xs_entry_find(tx, "/", 1), XS_ROOT};
    v->missing = len;
    v->exists = true;
    while (pos < len) {
        size_t clen = xs_component_len(path, len, pos);
        uint32_t e = xs_entry_find(tx, path, pos + clen);
        bool exists;

        g = g != XS_NONE ? xs_store_child(s, g, path + pos, clen) : XS_NONE;
        exists = e != XS_NONE ? xs_entry_exists(tx, e) : g != XS_NONE;
        if (!exists) {
            v->exists = false;
            v->missing = pos;
            break;
        }
        v->nearest = (struct xs_vnode){e, g};
        pos += clen + 1;
    }
    if (v->exists) {
        v->node = v->nearest;
    } else {
        v->node.entry = xs_entry_find(tx, path, len);
        v->node.global = xs_store_lookup(s, path, len);
    }
}

static const struct xs_node *xs_vnode_node(struct xs_tx *tx, struct xs_vnode n)
{
    return n.entry != XS_NONE ? xs_entry(tx, n.entry) : &tx->store->nodes[n.global];
}

/* The entry of an existing view node, made now if needed. */
static int xs_view_access(struct xs_tx *tx, const char *path, size_t len, struct xs_vnode *n,
                          bool exists, struct domb_error *err)
{
    int rc;

    if (n->entry != XS_NONE)
        return 0;
    rc = xs_entry_add(tx, path, len, n->global, exists, &n->entry, err);
    return rc;
}

/*
 * The permission check of xs_store's xs_find, on the view: a node's own
 * permissions, or for a missing one its nearest existing ancestor's
 * (ENOENT only to whom that grants `need`, else EACCES).
 */
static int xs_view_check(struct xs_tx *tx, const char *path, const struct xs_view *v,
                         unsigned int need, struct domb_error *err)
{
    const struct xs_node *n = xs_vnode_node(tx, v->nearest);

    if ((xs_perm_for(tx->domid, n->perms, n->nperms) & need) != need)
        return domb_error_set(err, -XEN_EACCES, "domain %u may not %s %s", tx->domid,
                              need & XS_PERM_OWNER   ? "change permissions of"
                              : need & XS_PERM_WRITE ? "write"
                                                     : "read",
                              path);
    if (!v->exists)
        return domb_error_set(err, -XEN_ENOENT, "%s does not exist", path);
    return 0;
}

/* Check the arguments common to every operation; *len gets the path's. */
static int xs_tx_args(struct xs_tx *tx, domid_t as, const char *path, size_t *len,
                      struct domb_error *err)
{
    *len = 0;
    if (!tx->used)
        return domb_error_set(err, -XEN_ENOENT, "transaction is not open");
    if (as != tx->domid)
        return domb_error_set(err, -XEN_EINVAL, "transaction %u is domain %u's, not %u", tx->id,
                              tx->domid, as);
    *len = strnlen(path, XS_PATH_MAX + 1);
    return xs_path_check(path, *len, false, err);
}

/*
 * Look path up needing `need`; on success *v is resolved and, when the node
 * exists, its entry made. A missing node the domain may know about gets an
 * absent entry (so that its creation by someone else fails the commit)
 * and ENOENT.
 */
static int xs_view_find(struct xs_tx *tx, domid_t as, const char *path, size_t *len,
                        unsigned int need, struct xs_view *v, struct domb_error *err)
{
    int rc = xs_tx_args(tx, as, path, len, err);

    if (rc < 0)
        return rc;
    xs_view_resolve(tx, path, *len, v);
    rc = xs_view_check(tx, path, v, need, err);
    if (rc == -XEN_ENOENT) {
        int arc = xs_view_access(tx, path, *len, &v->node, false, err);

        return arc < 0 ? arc : rc;
    }
    if (rc < 0)
        return rc;
    return xs_view_access(tx, path, *len, &v->node, true, err);
}

/* ---- operations ----------------------------------------------------------------------- */

int xs_tx_read(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
               const char **value, uint32_t *len, struct domb_error *err)
{
    struct xs_view v;
    size_t plen = 0;
    int rc;

    if (!tx)
        return xs_store_read(s, as, path, value, len, err);
    rc = xs_view_find(tx, as, path, &plen, XS_PERM_READ, &v, err);
    if (rc < 0)
        return rc;
    *value = xs_entry_value(tx, v.node.entry);
    *len = xs_entry(tx, v.node.entry)->value_len;
    return 0;
}

/*
 * Create the missing components of path (v resolved it; the nearest
 * existing prefix grants writing) with value on the last, as xs_store's
 * xs_create: inherited permissions, owned by an unprivileged creator.
 * First every entry is made and every limit checked, then the view changes.
 * *out gets the last one's entry.
 */
static int xs_view_create(struct xs_tx *tx, const char *path, size_t len, struct xs_view *v,
                          const void *value, uint32_t vlen, uint32_t *out, struct domb_error *err)
{
    struct xs_store *s = tx->store;
    size_t near_len = v->missing - 1, pos;
    uint32_t count = 0, bytes = 0, e = XS_NONE, prev;
    uint64_t growth;
    struct xs_perm perms[XS_PERMS_MAX];
    uint8_t nperms;
    int rc = xs_view_access(tx, path, near_len ? near_len : 1, &v->nearest, true, err);

    /* Entries (absent) for every missing component. */
    for (pos = v->missing; rc == 0 && pos < len;) {
        size_t clen = xs_component_len(path, len, pos);

        if (xs_entry_find(tx, path, pos + clen) == XS_NONE)
            rc = xs_entry_add(tx, path, pos + clen, xs_store_lookup(s, path, pos + clen), false, &e,
                              err);
        count++;
        bytes += (uint32_t)clen;
        pos += clen + 1;
    }
    if (rc < 0)
        return rc;
    bytes += vlen;
    prev = v->nearest.entry;
    memcpy(perms, xs_entry(tx, prev)->perms, sizeof(perms));
    nperms = xs_entry(tx, prev)->nperms;
    if (tx->domid != 0)
        perms[0].domid = tx->domid;
    /* Room: the owner's quota, the copies' growth (limits and heap). */
    rc = xs_store_quota_check(s, perms[0].domid, count, bytes, err);
    growth = xs_entry_growth(tx, prev,
                             xs_entry(tx, prev)->name_len + xs_entry(tx, prev)->value_len +
                                 xs_entry(tx, prev)->list_len +
                                 (uint32_t)xs_component_len(path, len, v->missing) + 1);
    for (pos = v->missing; pos < len;) {
        size_t clen = xs_component_len(path, len, pos), next = pos + clen + 1;
        uint32_t child = next < len ? (uint32_t)xs_component_len(path, len, next) + 1 : 0;

        e = xs_entry_find(tx, path, pos + clen);
        growth += xs_entry_growth(tx, e, (uint32_t)(pos + clen) + (next < len ? 0 : vlen) + child);
        pos = next;
    }
    if (rc == 0)
        rc = xs_tx_room(tx, 0, growth, err);
    if (rc == 0 && growth > UINT32_MAX)
        rc = domb_error_set(err, -XEN_ENOSPC, "transaction %u: copies too large", tx->id);
    if (rc == 0)
        rc = xs_store_reserve(s, (uint32_t)growth, err);
    if (rc < 0)
        return rc;
    /* Nothing fails from here on: the limits are checked and the heap has room. */
    rc = xs_entry_add_child(tx, prev, path + v->missing, xs_component_len(path, len, v->missing),
                            err);
    xs_entry(tx, prev)->flags |= XS_ENTRY_MODIFIED;
    for (pos = v->missing; rc == 0 && pos < len;) {
        size_t clen = xs_component_len(path, len, pos), next = pos + clen + 1;
        struct xs_node *n;

        e = xs_entry_find(tx, path, pos + clen);
        n = xs_entry(tx, e);
        n->flags |= XS_ENTRY_EXISTS | XS_ENTRY_MODIFIED;
        n->nperms = nperms;
        memcpy(n->perms, perms, sizeof(perms));
        n->value_len = 0;
        n->list_len = 0;
        if (next < len)
            rc = xs_entry_add_child(tx, e, path + next, xs_component_len(path, len, next), err);
        else
            rc = xs_entry_set_value(tx, e, value, vlen, err);
        pos = next;
    }
    *out = e;
    return rc;
}

int xs_tx_write(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
                const void *value, uint32_t len, struct domb_error *err)
{
    struct xs_view v;
    size_t plen = 0;
    uint32_t e;
    int rc;

    if (!tx)
        return xs_store_write(s, as, path, value, len, err);
    if (len > XS_VALUE_MAX)
        return domb_error_set(err, -XEN_E2BIG, "value of %u bytes is longer than %u", len,
                              (unsigned int)XS_VALUE_MAX);
    rc = xs_view_find(tx, as, path, &plen, XS_PERM_WRITE, &v, err);
    if (rc == -XEN_ENOENT) {
        rc = xs_view_create(tx, path, plen, &v, value, len, &e, err);
    } else if (rc == 0) {
        const struct xs_node *n;

        e = v.node.entry;
        n = xs_entry(tx, e);
        rc = xs_store_quota_check(s, n->perms[0].domid, 0, (int64_t)len - n->value_len, err);
        if (rc == 0)
            rc = xs_entry_set_value(tx, e, value, len, err);
    }
    if (rc < 0)
        return rc;
    domb_error_clear(err);
    xs_entry_fire(tx, e, false);
    return 0;
}

int xs_tx_mkdir(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
                struct domb_error *err)
{
    struct xs_view v;
    size_t plen = 0;
    uint32_t e;
    int rc;

    if (!tx)
        return xs_store_mkdir(s, as, path, err);
    rc = xs_view_find(tx, as, path, &plen, XS_PERM_WRITE, &v, err);
    if (rc != -XEN_ENOENT)
        return rc; /* it exists: fine, and nothing changed */
    rc = xs_view_create(tx, path, plen, &v, NULL, 0, &e, err);
    if (rc < 0)
        return rc;
    domb_error_clear(err);
    xs_entry_fire(tx, e, false);
    return 0;
}

/* Is entry e's path top's or below it (top: len characters, not "/")? */
static bool xs_entry_below(struct xs_tx *tx, uint32_t e, const char *top, size_t len)
{
    const struct xs_node *n = xs_entry(tx, e);
    const char *p = xs_entry_path(tx, e);

    return n->name_len >= len && memcmp(p, top, len) == 0 && (n->name_len == len || p[len] == '/');
}

int xs_tx_rm(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
             struct domb_error *err)
{
    struct xs_view v;
    struct xs_vnode parent;
    size_t plen = 0, parent_len;
    char *scratch = s->tx_path;
    int rc;

    if (!tx)
        return xs_store_rm(s, as, path, err);
    rc = xs_tx_args(tx, as, path, &plen, err);
    if (rc < 0)
        return rc;
    xs_view_resolve(tx, path, plen, &v);
    rc = xs_view_check(tx, path, &v, XS_PERM_WRITE, err);
    if (rc == -XEN_ENOENT) {
        /* xenstored: removing a missing node is fine when its parent exists. */
        if (xs_component_len(path, plen, v.missing) + v.missing != plen)
            return rc;
        domb_error_clear(err);
        return xs_view_access(tx, path, v.missing > 1 ? v.missing - 1 : 1, &v.nearest, true, err);
    }
    if (rc < 0)
        return rc;
    if (plen == 1)
        return domb_error_set(err, -XEN_EINVAL, "the root node cannot be removed");
    /* The parent (it exists in the view: the node does) and the whole
     * subtree get entries first; entries added go to the list's end, so one
     * pass over the list reaches every descendant. */
    for (parent_len = plen; path[parent_len - 1] != '/';)
        parent_len--;
    parent_len = parent_len > 1 ? parent_len - 1 : 1;
    parent.entry = xs_entry_find(tx, path, parent_len);
    parent.global = xs_store_lookup(s, path, parent_len);
    rc = xs_view_access(tx, path, parent_len, &parent, true, err);
    if (rc == 0)
        rc = xs_view_access(tx, path, plen, &v.node, true, err);
    for (uint32_t e = tx->first; rc == 0 && e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
        if (!xs_entry_exists(tx, e) || !xs_entry_below(tx, e, path, plen))
            continue;
        for (uint32_t off = 0; rc == 0 && off < xs_entry(tx, e)->list_len;) {
            const char *name = xs_entry_list(tx, e) + off;
            size_t nlen = strlen(name), elen = xs_entry(tx, e)->name_len;

            memcpy(scratch, xs_entry_path(tx, e), elen);
            scratch[elen] = '/';
            memcpy(scratch + elen + 1, name, nlen);
            off += (uint32_t)nlen + 1;
            if (xs_entry_find(tx, scratch, elen + 1 + nlen) == XS_NONE) {
                uint32_t g = xs_store_lookup(s, scratch, elen + 1 + nlen), c;

                rc = xs_entry_add(tx, scratch, elen + 1 + nlen, g, true, &c, err);
            }
        }
    }
    if (rc < 0)
        return rc;
    /* Now remove them from the view: nothing fails from here on. */
    for (uint32_t e = tx->first; e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
        struct xs_node *n = xs_entry(tx, e);

        if (!xs_entry_exists(tx, e) || !xs_entry_below(tx, e, path, plen))
            continue;
        n->flags &= (uint8_t)~XS_ENTRY_EXISTS;
        n->value_len = 0;
        n->list_len = 0;
        xs_entry_fire(tx, e, n->name_len != plen);
    }
    xs_entry_drop_child(tx, parent.entry, path + parent_len + (parent_len > 1),
                        plen - parent_len - (parent_len > 1));
    xs_entry(tx, parent.entry)->flags |= XS_ENTRY_MODIFIED;
    return 0;
}

int xs_tx_get_perms(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
                    struct xs_perm *perms, unsigned int *nperms, struct domb_error *err)
{
    struct xs_view v;
    const struct xs_node *n;
    size_t plen = 0;
    int rc;

    if (!tx)
        return xs_store_get_perms(s, as, path, perms, nperms, err);
    rc = xs_view_find(tx, as, path, &plen, XS_PERM_READ, &v, err);
    if (rc < 0)
        return rc;
    n = xs_entry(tx, v.node.entry);
    memcpy(perms, n->perms, n->nperms * sizeof(*perms));
    *nperms = n->nperms;
    return 0;
}

int xs_tx_set_perms(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
                    const struct xs_perm *perms, unsigned int nperms, struct domb_error *err)
{
    struct xs_view v;
    struct xs_node *n;
    size_t plen = 0;
    int rc;

    if (!tx)
        return xs_store_set_perms(s, as, path, perms, nperms, err);
    rc = xs_store_perms_check(perms, nperms, err);
    if (rc == 0)
        rc = xs_view_find(tx, as, path, &plen, XS_PERM_WRITE | XS_PERM_OWNER, &v, err);
    if (rc < 0)
        return rc;
    n = xs_entry(tx, v.node.entry);
    if (perms[0].domid != n->perms[0].domid) {
        /* xenstored: only the privileged may give a node away. */
        if (as != 0)
            return domb_error_set(err, -XEN_EPERM, "domain %u may not give %s to domain %u", as,
                                  path, perms[0].domid);
        rc = xs_store_quota_check(s, perms[0].domid, 1,
                                  (int64_t)n->value_len + plen - xs_name_off(path, plen), err);
        if (rc < 0)
            return rc;
    }
    memset(n->perms, 0, sizeof(n->perms));
    memcpy(n->perms, perms, nperms * sizeof(*perms));
    n->nperms = (uint8_t)nperms;
    xs_entry_fire(tx, v.node.entry, false);
    return 0;
}

int xs_tx_directory(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
                    uint32_t offset, char *buf, uint32_t size, uint32_t *len, bool *complete,
                    uint64_t *generation, struct domb_error *err)
{
    struct xs_view v;
    const struct xs_node *n;
    const char *list;
    uint32_t pos = 0, out = 0;
    size_t plen = 0;
    int rc;

    if (!tx)
        return xs_store_directory(s, as, path, offset, buf, size, len, complete, generation, err);
    rc = xs_view_find(tx, as, path, &plen, XS_PERM_READ, &v, err);
    if (rc < 0)
        return rc;
    n = xs_entry(tx, v.node.entry);
    list = xs_entry_list(tx, v.node.entry);
    *complete = true;
    *generation = n->generation != XS_GEN_NONE ? n->generation : tx->generation;
    while (pos < n->list_len) {
        uint32_t l = (uint32_t)strlen(list + pos) + 1, start;

        if (pos + l <= offset) {
            pos += l;
            continue;
        }
        /* The list is one byte string: an offset inside a name starts there. */
        start = offset > pos ? offset - pos : 0;
        if (out + (l - start) > size) {
            *complete = false;
            break;
        }
        memcpy(buf + out, list + pos + start, l - start);
        out += l - start;
        pos += l;
    }
    *len = out;
    return 0;
}

/* ---- start, find, end ----------------------------------------------------------------- */

unsigned int xs_tx_count(const struct xs_store *s, const struct xs_conn *owner)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < XS_TX_MAX; i++)
        n += s->tx[i].used && s->tx[i].owner == owner;
    return n;
}

struct xs_tx *xs_tx_find(struct xs_store *s, const struct xs_conn *owner, uint32_t id)
{
    for (unsigned int i = 0; i < XS_TX_MAX; i++)
        if (s->tx[i].used && s->tx[i].owner == owner && s->tx[i].id == id)
            return &s->tx[i];
    return NULL;
}

int xs_tx_start(struct xs_store *s, struct xs_conn *owner, domid_t as, struct xs_tx **tx,
                struct domb_error *err)
{
    uint32_t *next = owner ? &owner->next_tx : &s->next_tx;
    unsigned int mine = owner ? xs_tx_count(s, owner) : 0, open = 0;
    struct xs_tx *t;

    for (unsigned int i = 0; i < XS_TX_MAX; i++)
        open += s->tx[i].used;
    if (owner && as != 0 && mine >= XS_CONN_TX_MAX)
        return domb_error_set(err, -XEN_ENOSPC, "domain %u has %u transactions open", as,
                              XS_CONN_TX_MAX);
    if (as != 0 && mine > 0 && open >= XS_TX_MAX - XS_TX_RESERVE)
        return domb_error_set(err, -XEN_ENOSPC,
                              "the store has %u transactions open; the rest are for guests "
                              "with none",
                              open);
    t = xs_store_tx_slot(s);
    if (!t)
        return domb_error_set(err, -XEN_ENOSPC, "the store has %u transactions open", XS_TX_MAX);
    while (*next == 0 || xs_tx_find(s, owner, *next))
        (*next)++;
    t->used = true;
    t->owner = owner;
    t->domid = as;
    t->id = (*next)++;
    t->generation = s->generation;
    *tx = t;
    return 0;
}

/* The store's node for entry e, as the conflict check found it (kept in
 * the entry's parent field, which entries do not use otherwise). */
static uint32_t xs_entry_global(struct xs_tx *tx, uint32_t e)
{
    return xs_entry(tx, e)->parent;
}

/* How the commit changes owner's holdings (nodes, bytes). */
static void xs_commit_delta(struct xs_tx *tx, domid_t owner, int64_t *nodes, int64_t *bytes)
{
    struct xs_store *s = tx->store;

    *nodes = *bytes = 0;
    for (uint32_t e = tx->first; e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
        const struct xs_node *n = xs_entry(tx, e);
        uint32_t g = xs_entry_global(tx, e);

        if (!(n->flags & XS_ENTRY_MODIFIED))
            continue;
        if (g != XS_NONE && s->nodes[g].perms[0].domid == owner) {
            *nodes -= 1;
            *bytes -= s->nodes[g].name_len + s->nodes[g].value_len;
        }
        if ((n->flags & XS_ENTRY_EXISTS) && n->perms[0].domid == owner) {
            *nodes += 1;
            *bytes += (int64_t)(n->name_len - xs_name_off(xs_entry_path(tx, e), n->name_len)) +
                      n->value_len;
        }
    }
}

/* Has an entry before `stop` this owner (before or after)? */
static bool xs_commit_seen(struct xs_tx *tx, uint32_t stop, domid_t owner)
{
    struct xs_store *s = tx->store;

    for (uint32_t e = tx->first; e != stop; e = xs_entry(tx, e)->next_sibling) {
        uint32_t g = xs_entry_global(tx, e);

        if ((xs_entry(tx, e)->flags & XS_ENTRY_MODIFIED) &&
            (xs_entry(tx, e)->perms[0].domid == owner ||
             (g != XS_NONE && s->nodes[g].perms[0].domid == owner)))
            return true;
    }
    return false;
}

/* Every check of a commit: conflicts (EAGAIN), then room (ENOSPC). */
static int xs_commit_check(struct xs_tx *tx, struct domb_error *err)
{
    struct xs_store *s = tx->store;
    uint32_t created = 0;
    uint64_t heap = 0;
    int rc = 0;

    for (uint32_t e = tx->first; e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
        struct xs_node *n = xs_entry(tx, e);
        uint32_t g = xs_store_lookup(s, xs_entry_path(tx, e), n->name_len);
        uint64_t gen = g != XS_NONE ? s->nodes[g].generation : XS_GEN_NONE;

        if (gen != n->generation)
            return domb_error_set(err, -XEN_EAGAIN,
                                  "transaction %u: %.*s was changed by someone else", tx->id,
                                  n->name_len > 200 ? 200 : (int)n->name_len, xs_entry_path(tx, e));
        n->parent = g;
    }
    for (uint32_t e = tx->first; e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
        const struct xs_node *n = xs_entry(tx, e);
        uint32_t g = xs_entry_global(tx, e);
        size_t name = n->name_len - xs_name_off(xs_entry_path(tx, e), n->name_len);

        if ((n->flags & (XS_ENTRY_MODIFIED | XS_ENTRY_EXISTS)) !=
            (XS_ENTRY_MODIFIED | XS_ENTRY_EXISTS))
            continue;
        if (g == XS_NONE) {
            created++;
            heap += xs_store_block_bytes((uint32_t)name + n->value_len);
        } else if (s->nodes[g].name_len + n->value_len > s->nodes[g].block_size) {
            heap += xs_store_block_bytes(s->nodes[g].name_len + n->value_len);
        }
    }
    if (xs_store_free_slots(s) < created)
        return domb_error_set(err, -XEN_ENOSPC, "transaction %u: store is full (%u nodes)", tx->id,
                              s->max_nodes);
    for (uint32_t e = tx->first; rc == 0 && e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
        uint32_t g = xs_entry_global(tx, e);
        domid_t owners[2] = {xs_entry(tx, e)->perms[0].domid,
                             g != XS_NONE ? s->nodes[g].perms[0].domid : 0};

        if (!(xs_entry(tx, e)->flags & XS_ENTRY_MODIFIED))
            continue;
        for (unsigned int i = 0; rc == 0 && i < 2; i++) {
            int64_t nodes, bytes;

            if (owners[i] == 0 || (i == 1 && owners[1] == owners[0]) ||
                xs_commit_seen(tx, e, owners[i]))
                continue;
            xs_commit_delta(tx, owners[i], &nodes, &bytes);
            rc = xs_store_quota_check(s, owners[i], nodes, bytes, err);
        }
    }
    if (rc == 0 && heap > UINT32_MAX)
        rc = domb_error_set(err, -XEN_ENOSPC, "transaction %u: too much to apply", tx->id);
    if (rc == 0)
        rc = xs_store_reserve(s, (uint32_t)heap, err);
    return rc;
}

/* Apply a checked transaction: removals, then creations and updates from
 * the shortest path up (a parent before its children), then the watches. */
static void xs_commit_apply(struct xs_tx *tx)
{
    struct xs_store *s = tx->store;
    uint32_t level = 0;

    for (uint32_t e = tx->first; e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
        struct xs_node *n = xs_entry(tx, e);
        uint32_t g = xs_entry_global(tx, e);

        if (g == XS_NONE)
            continue;
        n->flags |= XS_ENTRY_WAS;
        if (!(n->flags & XS_ENTRY_EXISTS)) {
            /* Its watches fire with the permissions it had. */
            memcpy(n->perms, s->nodes[g].perms, sizeof(n->perms));
            n->nperms = s->nodes[g].nperms;
        }
    }
    for (uint32_t e = tx->first; e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
        struct xs_node *n = xs_entry(tx, e);
        uint32_t g = xs_entry_global(tx, e);

        if ((n->flags & (XS_ENTRY_MODIFIED | XS_ENTRY_EXISTS)) != XS_ENTRY_MODIFIED || g == XS_NONE)
            continue;
        if (s->nodes[g].block != XS_NONE) /* else gone with an ancestor */
            xs_store_apply_remove(s, g);
        n->parent = XS_NONE;
    }
    /* A node the view keeps cannot have gone with a removed ancestor (the
     * view's nodes exist only under existing ones); should it have, leave
     * it rather than touch a freed slot. */
    for (uint32_t e = tx->first; e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
        struct xs_node *n = xs_entry(tx, e);
        uint32_t g = xs_entry_global(tx, e);

        if ((n->flags & XS_ENTRY_EXISTS) && g != XS_NONE && s->nodes[g].block == XS_NONE)
            n->flags &= (uint8_t) ~(XS_ENTRY_MODIFIED | XS_ENTRY_FIRE | XS_ENTRY_EXISTS);
    }
    for (;;) {
        uint32_t next = UINT32_MAX;

        for (uint32_t e = tx->first; e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
            struct xs_node *n = xs_entry(tx, e);
            const char *path = xs_entry_path(tx, e);
            uint32_t g = xs_entry_global(tx, e);

            if ((n->flags & (XS_ENTRY_MODIFIED | XS_ENTRY_EXISTS)) !=
                (XS_ENTRY_MODIFIED | XS_ENTRY_EXISTS))
                continue;
            if (n->name_len > level && n->name_len < next)
                next = n->name_len;
            if (n->name_len != level)
                continue;
            if (g != XS_NONE) {
                xs_store_apply_update(s, g, xs_entry_value(tx, e), n->value_len, n->perms,
                                      n->nperms);
            } else {
                size_t plen = xs_parent_len(path, n->name_len);
                uint32_t parent = xs_store_lookup(s, path, plen);
                size_t skip = xs_name_off(path, n->name_len);

                if (parent != XS_NONE)
                    n->parent = xs_store_apply_create(
                        s, parent, path + skip, (uint32_t)(n->name_len - skip),
                        xs_entry_value(tx, e), n->value_len, n->perms, n->nperms);
            }
        }
        if (next == UINT32_MAX)
            break;
        level = next;
    }
    for (uint32_t e = tx->first; e != XS_NONE; e = xs_entry(tx, e)->next_sibling) {
        const struct xs_node *n = xs_entry(tx, e);
        uint32_t g = xs_entry_global(tx, e);
        bool exact = (n->flags & XS_ENTRY_EXACT) != 0;

        if (!(n->flags & XS_ENTRY_FIRE))
            continue;
        if ((n->flags & XS_ENTRY_EXISTS) && g != XS_NONE)
            xs_watch_fire(s, xs_entry_path(tx, e), n->name_len, s->nodes[g].perms,
                          s->nodes[g].nperms, exact);
        else if (!(n->flags & XS_ENTRY_EXISTS) && (n->flags & XS_ENTRY_WAS))
            xs_watch_fire(s, xs_entry_path(tx, e), n->name_len, n->perms, n->nperms, exact);
    }
}

int xs_tx_end(struct xs_tx *tx, bool commit, struct domb_error *err)
{
    int rc = 0;

    if (!tx->used)
        return domb_error_set(err, -XEN_ENOENT, "transaction is not open");
    if (commit) {
        rc = xs_commit_check(tx, err);
        if (rc == 0)
            xs_commit_apply(tx);
    }
    xs_store_tx_drop(tx);
    return rc;
}
