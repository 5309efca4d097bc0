/* The xenstore tree: nodes, their permissions and quotas, and each domain's nodes. */
/*
 * The tree (docs/xenstore.md) lives in a caller-provided arena. It enforces
 * xenstored's permission model (the check itself is xs_perm.c's) and
 * per-domain quotas, publishes the nodes the builder creates for each
 * domain, and fires watches (xs_session.c) on every change.
 *
 * It also keeps the storage of transactions (xs_tx.c has their logic): the
 * slots in struct xs_store and their entries, detached nodes of the same
 * table and heap; and offers xs_tx.c the tree without checks or watches
 * (lookup, and the xs_store_apply_* steps of a commit).
 *
 * The arena holds a node table and a byte heap. Each node owns one heap
 * block (header, then its name, then its value). Blocks are bump-allocated;
 * when the heap runs out, live blocks are slid down over freed ones
 * (compaction), so the only limit is the bytes actually stored. Operations
 * check every limit before they change anything, so a failed request leaves
 * the tree as it was.
 *
 * Nothing here recurses: walks over a subtree follow the parent links.
 */
#include "xs_store.h"

#include "xs_perm.h"
#include "xs_session.h"

#include <domb/errno.h>
#include <domb/lib.h>

struct xs_block {
    uint32_t node; /* owner index, XS_NONE when freed */
    uint32_t size; /* bytes after this header */
};

#define XS_ROOT 0u

static uint32_t align8(uint32_t n)
{
    return (n + 7u) & ~7u;
}

/* ---- paths ---------------------------------------------------------------------------- */

static bool xs_path_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '@' || ch == '/';
}

int xs_path_check(const char *path, size_t len, bool allow_special, struct domb_error *err)
{
    if (len == 0)
        return domb_error_set(err, -XEN_EINVAL, "path is empty");
    if (len > XS_PATH_MAX)
        return domb_error_set(err, -XEN_EINVAL, "path of %zu characters is longer than %u", len,
                              (unsigned int)XS_PATH_MAX);
    if (path[0] == '@') {
        if (!allow_special)
            return domb_error_set(err, -XEN_EINVAL, "special path '%.40s' is only for watches",
                                  path);
        if (len == 1)
            return domb_error_set(err, -XEN_EINVAL, "special path '@' has no name");
    } else if (path[0] != '/') {
        return domb_error_set(err, -XEN_EINVAL, "path '%.40s' is not absolute", path);
    } else if (len > 1 && path[len - 1] == '/') {
        return domb_error_set(err, -XEN_EINVAL, "path '%.40s' ends with '/'", path);
    }
    for (size_t i = 0; i < len; i++) {
        if (!xs_path_char_ok(path[i]))
            return domb_error_set(err, -XEN_EINVAL,
                                  "path has character 0x%02x at offset %zu (allowed: "
                                  "A-Z a-z 0-9 - _ @ /)",
                                  (unsigned char)path[i], i);
        if (path[0] == '@' && path[i] == '/')
            return domb_error_set(err, -XEN_EINVAL, "special path '%.40s' has a '/'", path);
        if (i > 0 && path[i] == '/' && path[i - 1] == '/')
            return domb_error_set(err, -XEN_EINVAL, "path has '//' at offset %zu", i - 1);
    }
    return 0;
}

/* ---- quotas --------------------------------------------------------------------------- */

static struct xs_domain *xs_domain_find(struct xs_store *s, domid_t domid, bool create)
{
    uint16_t slot = s->domain_slot[domid];
    struct xs_domain *d;

    if (slot)
        return &s->domains[slot - 1];
    if (!create || s->domains_used == XS_DOMAINS_MAX)
        return NULL;
    for (d = s->domains; d->used; d++) /* a free one exists: domains_used < max */
        ;
    memset(d, 0, sizeof(*d));
    d->used = true;
    d->domid = domid;
    s->domain_slot[domid] = (uint16_t)(d - s->domains + 1);
    s->domains_used++;
    return d;
}

static void xs_domain_put(struct xs_store *s, struct xs_domain *d)
{
    if (d && d->nodes == 0 && d->bytes == 0 && !d->introduced) {
        d->used = false;
        s->domain_slot[d->domid] = 0;
        s->domains_used--;
    }
}

int xs_store_quota_check(struct xs_store *s, domid_t owner, int64_t nodes, int64_t bytes,
                         struct domb_error *err)
{
    const struct xs_domain *d;
    int64_t have_nodes = 0, have_bytes = 0;

    if (owner == 0 || (nodes <= 0 && bytes <= 0))
        return 0;
    d = xs_domain_find(s, owner, false);
    if (d) {
        have_nodes = d->nodes;
        have_bytes = d->bytes;
    } else {
        if (s->domains_used == XS_DOMAINS_MAX)
            return domb_error_set(err, -XEN_ENOSPC,
                                  "store tracks %u domains already; no room for %u", XS_DOMAINS_MAX,
                                  owner);
    }
    if (nodes > 0 && have_nodes + nodes > s->quota_nodes)
        return domb_error_set(err, -XEN_ENOSPC, "domain %u would own more than %u nodes", owner,
                              s->quota_nodes);
    if (bytes > 0 && have_bytes + bytes > s->quota_bytes)
        return domb_error_set(err, -XEN_ENOSPC, "domain %u would own more than %u bytes", owner,
                              s->quota_bytes);
    return 0;
}

/* Can owner take `nodes` more nodes and `bytes` more bytes? (dom0: always) */
static int xs_quota_check(struct xs_store *s, domid_t owner, uint32_t nodes, uint32_t bytes,
                          struct domb_error *err)
{
    return xs_store_quota_check(s, owner, nodes, bytes, err);
}

/* Account a change already checked by xs_quota_check (or a release). */
static void xs_charge(struct xs_store *s, domid_t owner, int32_t nodes, int64_t bytes)
{
    struct xs_domain *d;

    if (owner == 0)
        return;
    d = xs_domain_find(s, owner, nodes > 0 || bytes > 0);
    if (!d)
        return; /* quota was checked, so only a release of nothing gets here */
    d->nodes = (uint32_t)((int64_t)d->nodes + nodes);
    d->bytes = (uint32_t)((int64_t)d->bytes + bytes);
    xs_domain_put(s, d);
}

/* ---- heap ----------------------------------------------------------------------------- */

static struct xs_block *xs_block_at(struct xs_store *s, uint32_t off)
{
    return (struct xs_block *)(void *)(s->heap + off);
}

static char *xs_node_name(struct xs_store *s, const struct xs_node *n)
{
    return (char *)(s->heap + n->block + sizeof(struct xs_block));
}

static char *xs_node_value(struct xs_store *s, const struct xs_node *n)
{
    return xs_node_name(s, n) + n->name_len;
}

static uint32_t xs_block_bytes(uint32_t payload)
{
    return (uint32_t)sizeof(struct xs_block) + align8(payload);
}

/* Slide live blocks down over freed ones. */
static void xs_heap_compact(struct xs_store *s)
{
    uint32_t src = 0, dst = 0;

    while (src < s->heap_top) {
        struct xs_block *b = xs_block_at(s, src);
        uint32_t total = xs_block_bytes(b->size);

        if (b->node != XS_NONE) {
            if (dst != src)
                memmove(s->heap + dst, s->heap + src, total);
            s->nodes[xs_block_at(s, dst)->node].block = dst;
            dst += total;
        }
        src += total;
    }
    s->heap_top = dst;
    s->heap_dead = 0;
}

/* Make sure `bytes` of block space can be allocated without compacting. */
static int xs_heap_reserve(struct xs_store *s, uint32_t bytes, struct domb_error *err)
{
    if (s->heap_size - s->heap_top >= bytes)
        return 0;
    if (s->heap_size - s->heap_top + s->heap_dead >= bytes) {
        xs_heap_compact(s);
        return 0;
    }
    return domb_error_set(err, -XEN_ENOSPC,
                          "store heap is full (%u of %u bytes used, %u more needed)",
                          s->heap_top - s->heap_dead, s->heap_size, bytes);
}

/* Allocate a block for node idx; space must have been reserved. */
static uint32_t xs_heap_alloc(struct xs_store *s, uint32_t idx, uint32_t payload)
{
    uint32_t off = s->heap_top;
    struct xs_block *b = xs_block_at(s, off);

    b->node = idx;
    b->size = align8(payload);
    s->heap_top += xs_block_bytes(payload);
    return off;
}

static void xs_heap_free(struct xs_store *s, uint32_t off)
{
    struct xs_block *b = xs_block_at(s, off);

    b->node = XS_NONE;
    s->heap_dead += xs_block_bytes(b->size);
}

/* ---- nodes ---------------------------------------------------------------------------- */

/* Take a slot off the free list (the caller checked there is one and
 * counts it as a tree node or a detached one). */
static uint32_t xs_node_alloc(struct xs_store *s)
{
    uint32_t idx = s->free_node;

    s->free_node = s->nodes[idx].next_sibling;
    return idx;
}

static void xs_node_release_slot(struct xs_store *s, uint32_t idx)
{
    struct xs_node *n = &s->nodes[idx];

    xs_heap_free(s, n->block);
    n->block = XS_NONE;
    n->nperms = 0;
    n->flags = 0;
    n->next_sibling = s->free_node;
    s->free_node = idx;
}

uint32_t xs_store_free_slots(const struct xs_store *s)
{
    return s->max_nodes - s->used_nodes - s->detached;
}

uint32_t xs_store_node_count(const struct xs_store *s)
{
    return s->used_nodes;
}

uint32_t xs_store_block_bytes(uint32_t payload)
{
    return xs_block_bytes(payload);
}

int xs_store_reserve(struct xs_store *s, uint32_t bytes, struct domb_error *err)
{
    return xs_heap_reserve(s, bytes, err);
}

char *xs_store_payload(struct xs_store *s, uint32_t idx)
{
    return xs_node_name(s, &s->nodes[idx]);
}

char *xs_store_value(struct xs_store *s, uint32_t idx)
{
    return xs_node_value(s, &s->nodes[idx]);
}

/* ---- detached nodes ------------------------------------------------------------------- */

int xs_store_detached_new(struct xs_store *s, uint32_t payload, uint32_t *idx,
                          struct domb_error *err)
{
    struct xs_node *n;
    int rc;

    if (xs_store_free_slots(s) == 0)
        return domb_error_set(err, -XEN_ENOSPC, "store is full (%u nodes)", s->max_nodes);
    rc = xs_heap_reserve(s, xs_block_bytes(payload), err);
    if (rc < 0)
        return rc;
    *idx = xs_node_alloc(s);
    n = &s->nodes[*idx];
    memset(n, 0, sizeof(*n));
    n->parent = n->first_child = n->next_sibling = n->hash_next = XS_NONE;
    n->flags = XS_NODE_DETACHED;
    n->block = xs_heap_alloc(s, *idx, payload);
    n->block_size = align8(payload);
    s->detached++;
    return 0;
}

int xs_store_detached_grow(struct xs_store *s, uint32_t idx, uint32_t payload,
                           struct domb_error *err)
{
    struct xs_node *n = &s->nodes[idx];
    uint32_t old, used = n->name_len + n->value_len + n->list_len;
    int rc;

    if (payload <= n->block_size)
        return 0;
    rc = xs_heap_reserve(s, xs_block_bytes(payload), err);
    if (rc < 0)
        return rc;
    old = n->block; /* read after a possible compaction */
    n->block = xs_heap_alloc(s, idx, payload);
    n->block_size = align8(payload);
    memcpy(xs_node_name(s, n), s->heap + old + sizeof(struct xs_block), used);
    xs_heap_free(s, old);
    return 0;
}

void xs_store_detached_free(struct xs_store *s, uint32_t idx)
{
    xs_node_release_slot(s, idx);
    s->detached--;
}

/* ---- transaction slots ---------------------------------------------------------------- */

struct xs_tx *xs_store_tx_slot(struct xs_store *s)
{
    for (unsigned int i = 0; i < XS_TX_MAX; i++) {
        struct xs_tx *tx = &s->tx[i];

        if (!tx->used) {
            memset(tx, 0, sizeof(*tx));
            tx->store = s;
            tx->first = tx->last = XS_NONE;
            return tx;
        }
    }
    return NULL;
}

void xs_store_tx_drop(struct xs_tx *tx)
{
    struct xs_store *s = tx->store;

    for (uint32_t e = tx->first; e != XS_NONE;) {
        uint32_t next = s->nodes[e].next_sibling;

        xs_store_detached_free(s, e);
        e = next;
    }
    s->tx_nodes -= tx->nodes;
    s->tx_bytes -= tx->bytes;
    tx->used = false;
    tx->first = tx->last = XS_NONE;
    tx->nodes = tx->bytes = 0;
}

void xs_store_tx_drop_owner(struct xs_store *s, const struct xs_conn *owner)
{
    for (unsigned int i = 0; i < XS_TX_MAX; i++)
        if (s->tx[i].used && s->tx[i].owner == owner)
            xs_store_tx_drop(&s->tx[i]);
}

void xs_store_tx_drop_domain(struct xs_store *s, domid_t domid)
{
    for (unsigned int i = 0; i < XS_TX_MAX; i++)
        if (s->tx[i].used && s->tx[i].domid == domid)
            xs_store_tx_drop(&s->tx[i]);
}

/* ---- the child index ---------------------------------------------------------------- */

/* FNV-1a over the parent's index and the name. */
static uint32_t xs_child_bucket(const struct xs_store *s, uint32_t parent, const char *name,
                                size_t len)
{
    uint32_t h = 2166136261u;

    for (unsigned int i = 0; i < 4; i++)
        h = (h ^ ((parent >> (8 * i)) & 0xffu)) * 16777619u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h & s->bucket_mask;
}

static void xs_index_insert(struct xs_store *s, uint32_t idx)
{
    struct xs_node *n = &s->nodes[idx];
    uint32_t b = xs_child_bucket(s, n->parent, xs_node_name(s, n), n->name_len);

    n->hash_next = s->buckets[b];
    s->buckets[b] = idx;
}

static void xs_index_remove(struct xs_store *s, uint32_t idx)
{
    struct xs_node *n = &s->nodes[idx];
    uint32_t *link = &s->buckets[xs_child_bucket(s, n->parent, xs_node_name(s, n), n->name_len)];

    while (*link != idx)
        link = &s->nodes[*link].hash_next;
    *link = n->hash_next;
}

bool xs_store_index_ok(const struct xs_store *s)
{
    uint32_t chained = 0;

    for (uint32_t b = 0; b <= s->bucket_mask; b++) {
        for (uint32_t c = s->buckets[b]; c != XS_NONE; c = s->nodes[c].hash_next) {
            const struct xs_node *n = &s->nodes[c];

            if (c >= s->max_nodes || c == XS_ROOT || n->block == XS_NONE ||
                ++chained > s->used_nodes ||
                xs_child_bucket(s, n->parent, xs_node_name((struct xs_store *)s, n), n->name_len) !=
                    b)
                return false;
        }
    }
    return chained + 1 == s->used_nodes; /* every node but the root */
}

static void xs_node_free(struct xs_store *s, uint32_t idx)
{
    struct xs_node *n = &s->nodes[idx];

    xs_index_remove(s, idx);
    xs_charge(s, n->perms[0].domid, -1, -(int64_t)(n->name_len + n->value_len));
    xs_node_release_slot(s, idx);
    s->used_nodes--;
}

static uint32_t xs_child_find(struct xs_store *s, uint32_t parent, const char *name, size_t len)
{
    for (uint32_t c = s->buckets[xs_child_bucket(s, parent, name, len)]; c != XS_NONE;
         c = s->nodes[c].hash_next) {
        const struct xs_node *n = &s->nodes[c];

        if (n->parent == parent && n->name_len == len && memcmp(xs_node_name(s, n), name, len) == 0)
            return c;
    }
    return XS_NONE;
}

/* Length of the path component starting at path[pos] (pos after a '/'). */
static size_t xs_component_len(const char *path, size_t len, size_t pos)
{
    size_t end = pos;

    while (end < len && path[end] != '/')
        end++;
    return end - pos;
}

/*
 * Walk path (checked, absolute) from the root. Returns the node or XS_NONE;
 * *nearest gets the deepest existing node on the way and *missing the offset
 * of the first component that does not exist (len when the node exists).
 */
static uint32_t xs_lookup(struct xs_store *s, const char *path, size_t len, uint32_t *nearest,
                          size_t *missing)
{
    uint32_t cur = XS_ROOT;
    size_t pos = 1;

    while (pos < len) {
        size_t clen = xs_component_len(path, len, pos);
        uint32_t child = xs_child_find(s, cur, path + pos, clen);

        if (child == XS_NONE) {
            *nearest = cur;
            *missing = pos;
            return XS_NONE;
        }
        cur = child;
        pos += clen + 1;
    }
    *nearest = cur;
    *missing = len;
    return cur;
}

static const struct xs_node *xs_node(const struct xs_store *s, uint32_t idx)
{
    return &s->nodes[idx];
}

uint32_t xs_store_child(struct xs_store *s, uint32_t parent, const char *name, size_t len)
{
    return xs_child_find(s, parent, name, len);
}

uint32_t xs_store_lookup(struct xs_store *s, const char *path, size_t len)
{
    uint32_t nearest;
    size_t missing;

    return xs_lookup(s, path, len, &nearest, &missing);
}

/*
 * Find path for an operation that needs `need` permissions. A missing node
 * reads as ENOENT only to a domain that the nearest existing ancestor grants
 * `need`; everyone else learns EACCES, as in xenstored, so a guest cannot
 * probe other domains' trees. Returns the node or a negative errno.
 */
static int64_t xs_find(struct xs_store *s, domid_t as, const char *path, unsigned int need,
                       uint32_t *nearest, size_t *missing, struct domb_error *err)
{
    size_t len = strnlen(path, XS_PATH_MAX + 1);
    uint32_t idx, near;
    size_t miss;
    int rc = xs_path_check(path, len, false, err);
    const struct xs_node *n;

    if (nearest) {
        *nearest = XS_ROOT;
        *missing = 0;
    }
    if (rc < 0)
        return rc;
    idx = xs_lookup(s, path, len, &near, &miss);
    if (nearest) {
        *nearest = near;
        *missing = miss;
    }
    n = xs_node(s, idx == XS_NONE ? near : idx);
    if ((xs_perm_for(as, n->perms, n->nperms) & need) != need)
        return domb_error_set(err, -XEN_EACCES, "domain %u may not %s %s", as,
                              need & XS_PERM_OWNER   ? "change permissions of"
                              : need & XS_PERM_WRITE ? "write"
                                                     : "read",
                              path);
    if (idx == XS_NONE)
        return domb_error_set(err, -XEN_ENOENT, "%s does not exist", path);
    return idx;
}

static void xs_touch(struct xs_store *s, uint32_t idx)
{
    s->nodes[idx].generation = ++s->generation;
}

static void xs_fire_node(struct xs_store *s, const char *path, uint32_t idx, bool exact)
{
    const struct xs_node *n = xs_node(s, idx);

    xs_watch_fire(s, path, strlen(path), n->perms, n->nperms, exact);
}

/*
 * Create the missing components of path below `nearest` (starting at offset
 * `missing`), the last with value; new nodes inherit the nearest node's
 * permissions, but an unprivileged creator owns them (xenstored's rule).
 * Every limit is checked before the first node is made.
 */
static int64_t xs_create(struct xs_store *s, domid_t as, const char *path, size_t len,
                         uint32_t nearest, size_t missing, const void *value, uint32_t vlen,
                         struct domb_error *err)
{
    struct xs_perm perms[XS_PERMS_MAX];
    uint8_t nperms = s->nodes[nearest].nperms;
    uint32_t count = 0, bytes = 0, heap = 0, cur = nearest;
    int rc;

    memset(perms, 0, sizeof(perms));
    memcpy(perms, s->nodes[nearest].perms, nperms * sizeof(perms[0]));
    if (as != 0)
        perms[0].domid = as;
    for (size_t pos = missing; pos < len;) {
        size_t clen = xs_component_len(path, len, pos);
        uint32_t payload = (uint32_t)clen + (pos + clen == len ? vlen : 0);

        count++;
        bytes += payload;
        heap += xs_block_bytes(payload);
        pos += clen + 1;
    }
    if (xs_store_free_slots(s) < count)
        return domb_error_set(err, -XEN_ENOSPC, "store is full (%u nodes)", s->max_nodes);
    rc = xs_quota_check(s, perms[0].domid, count, bytes, err);
    if (rc < 0)
        return rc;
    rc = xs_heap_reserve(s, heap, err);
    if (rc < 0)
        return rc;
    for (size_t pos = missing; pos < len;) {
        size_t clen = xs_component_len(path, len, pos);
        bool last = pos + clen == len;

        cur = xs_store_apply_create(s, cur, path + pos, (uint32_t)clen, value, last ? vlen : 0,
                                    perms, nperms);
        pos += clen + 1;
    }
    return cur;
}

uint32_t xs_store_apply_create(struct xs_store *s, uint32_t parent, const char *name,
                               uint32_t name_len, const void *value, uint32_t vlen,
                               const struct xs_perm *perms, unsigned int nperms)
{
    uint32_t idx = xs_node_alloc(s), payload = name_len + vlen;
    struct xs_node *n = &s->nodes[idx];
    uint32_t *link = &s->nodes[parent].first_child;

    memset(n, 0, sizeof(*n));
    n->parent = parent;
    n->first_child = XS_NONE;
    n->next_sibling = XS_NONE;
    n->block = xs_heap_alloc(s, idx, payload);
    n->block_size = align8(payload);
    n->name_len = (uint16_t)name_len;
    n->value_len = (uint16_t)vlen;
    n->nperms = (uint8_t)nperms;
    memcpy(n->perms, perms, nperms * sizeof(*perms));
    memcpy(xs_node_name(s, n), name, name_len);
    if (vlen)
        memcpy(xs_node_value(s, n), value, vlen);
    while (*link != XS_NONE) /* children stay in creation order */
        link = &s->nodes[*link].next_sibling;
    *link = idx;
    xs_index_insert(s, idx);
    s->used_nodes++;
    xs_touch(s, parent);
    xs_touch(s, idx);
    xs_charge(s, perms[0].domid, 1, payload);
    return idx;
}

/* ---- operations ----------------------------------------------------------------------- */

int xs_store_init(struct xs_store *s, void *arena, size_t arena_size, uint32_t max_nodes,
                  struct domb_error *err)
{
    uintptr_t base = ((uintptr_t)arena + 7u) & ~(uintptr_t)7u;
    size_t skip = base - (uintptr_t)arena, table;
    uint32_t nbuckets;
    struct xs_node *root;

    memset(s, 0, sizeof(*s));
    if (max_nodes < 2 || max_nodes > (1u << 24))
        return domb_error_set(err, -XEN_EINVAL, "store of %u nodes (need 2 to 16M)", max_nodes);
    /* Half as many index buckets as nodes (a power of two), after the table. */
    nbuckets = 1;
    while (nbuckets < max_nodes / 2)
        nbuckets <<= 1;
    table = (size_t)max_nodes * sizeof(struct xs_node) + align8(nbuckets * 4u);
    if (arena_size < skip + table + 4096)
        return domb_error_set(err, -XEN_ENOSPC,
                              "arena of %zu bytes cannot hold %u nodes and a 4 KiB heap",
                              arena_size, max_nodes);
    s->nodes = (struct xs_node *)base;
    s->max_nodes = max_nodes;
    s->buckets = (uint32_t *)(base + (size_t)max_nodes * sizeof(struct xs_node));
    s->bucket_mask = nbuckets - 1;
    for (uint32_t b = 0; b < nbuckets; b++)
        s->buckets[b] = XS_NONE;
    s->heap = (uint8_t *)base + table;
    s->heap_size = (uint32_t)((arena_size - skip - table) & ~(size_t)7u);
    if (arena_size - skip - table > UINT32_MAX)
        s->heap_size = UINT32_MAX & ~7u;
    s->quota_nodes = XS_QUOTA_NODES;
    s->quota_bytes = XS_QUOTA_BYTES;
    s->tx_nodes_max = max_nodes / 4;
    s->tx_bytes_max = s->heap_size / 4;
    s->quota_tx_nodes = XS_TX_NODES;
    s->quota_tx_bytes = XS_TX_BYTES;
    s->next_tx = 1;
    for (uint32_t i = 0; i < max_nodes; i++) {
        s->nodes[i].block = XS_NONE;
        s->nodes[i].nperms = 0;
        s->nodes[i].next_sibling = i + 1 < max_nodes ? i + 1 : XS_NONE;
    }
    s->free_node = 0;
    root = &s->nodes[xs_node_alloc(s)];
    s->used_nodes = 1;
    memset(root, 0, sizeof(*root));
    root->parent = XS_NONE;
    root->first_child = XS_NONE;
    root->next_sibling = XS_NONE;
    root->block = xs_heap_alloc(s, XS_ROOT, 0);
    root->nperms = 1;
    root->perms[0] = (struct xs_perm){0, XS_PERM_NONE};
    xs_touch(s, XS_ROOT);
    return 0;
}

int xs_store_read(struct xs_store *s, domid_t as, const char *path, const char **value,
                  uint32_t *len, struct domb_error *err)
{
    int64_t idx = xs_find(s, as, path, XS_PERM_READ, NULL, NULL, err);

    if (idx < 0)
        return (int)idx;
    *value = xs_node_value(s, xs_node(s, (uint32_t)idx));
    *len = xs_node(s, (uint32_t)idx)->value_len;
    return 0;
}

/* Make node idx's block hold name + vlen bytes (may compact). */
static int xs_value_room(struct xs_store *s, uint32_t idx, uint32_t vlen, struct domb_error *err)
{
    const struct xs_node *n = &s->nodes[idx];

    if (n->name_len + vlen <= n->block_size)
        return 0;
    return xs_heap_reserve(s, xs_block_bytes(n->name_len + vlen), err);
}

/* Replace the value of an existing node; room made by xs_value_room. */
static void xs_node_set_value(struct xs_store *s, uint32_t idx, const void *value, uint32_t vlen)
{
    struct xs_node *n = &s->nodes[idx];
    int64_t delta = (int64_t)vlen - n->value_len;

    if (n->name_len + vlen > n->block_size) {
        uint32_t payload = n->name_len + vlen, old = n->block;

        n->block = xs_heap_alloc(s, idx, payload);
        n->block_size = align8(payload);
        memcpy(xs_node_name(s, n), s->heap + old + sizeof(struct xs_block), n->name_len);
        xs_heap_free(s, old);
    }
    if (vlen)
        memcpy(xs_node_value(s, n), value, vlen);
    n->value_len = (uint16_t)vlen;
    xs_charge(s, n->perms[0].domid, 0, delta);
    xs_touch(s, idx);
}

/* Replace the permissions of an existing node (the new owner's quota checked). */
static void xs_node_set_perms(struct xs_store *s, uint32_t idx, const struct xs_perm *perms,
                              unsigned int nperms)
{
    struct xs_node *n = &s->nodes[idx];

    if (perms[0].domid != n->perms[0].domid) {
        uint32_t bytes = n->name_len + n->value_len;

        xs_charge(s, n->perms[0].domid, -1, -(int64_t)bytes);
        xs_charge(s, perms[0].domid, 1, bytes);
    }
    memset(n->perms, 0, sizeof(n->perms));
    memcpy(n->perms, perms, nperms * sizeof(*perms));
    n->nperms = (uint8_t)nperms;
    xs_touch(s, idx);
}

static int xs_set_value(struct xs_store *s, uint32_t idx, const void *value, uint32_t vlen,
                        struct domb_error *err)
{
    const struct xs_node *n = &s->nodes[idx];
    int64_t delta = (int64_t)vlen - n->value_len;
    int rc = xs_quota_check(s, n->perms[0].domid, 0, delta > 0 ? (uint32_t)delta : 0, err);

    if (rc == 0)
        rc = xs_value_room(s, idx, vlen, err);
    if (rc < 0)
        return rc;
    xs_node_set_value(s, idx, value, vlen);
    return 0;
}

void xs_store_apply_update(struct xs_store *s, uint32_t idx, const void *value, uint32_t vlen,
                           const struct xs_perm *perms, unsigned int nperms)
{
    const struct xs_node *n = &s->nodes[idx];

    if (n->nperms != nperms || memcmp(n->perms, perms, nperms * sizeof(*perms)) != 0)
        xs_node_set_perms(s, idx, perms, nperms);
    if (n->value_len != vlen || memcmp(xs_node_value(s, n), value, vlen) != 0)
        xs_node_set_value(s, idx, value, vlen);
    xs_touch(s, idx);
}

int xs_store_write(struct xs_store *s, domid_t as, const char *path, const void *value,
                   uint32_t len, struct domb_error *err)
{
    uint32_t nearest;
    size_t missing;
    int64_t idx;

    if (len > XS_VALUE_MAX)
        return domb_error_set(err, -XEN_E2BIG, "value of %u bytes is longer than %u", len,
                              (unsigned int)XS_VALUE_MAX);
    idx = xs_find(s, as, path, XS_PERM_WRITE, &nearest, &missing, err);
    if (idx == -XEN_ENOENT) {
        idx = xs_create(s, as, path, strlen(path), nearest, missing, value, len, err);
    } else if (idx >= 0) {
        int rc = xs_set_value(s, (uint32_t)idx, value, len, err);

        if (rc < 0)
            return rc;
    }
    if (idx < 0)
        return (int)idx;
    domb_error_clear(err);
    xs_fire_node(s, path, (uint32_t)idx, false);
    return 0;
}

int xs_store_mkdir(struct xs_store *s, domid_t as, const char *path, struct domb_error *err)
{
    uint32_t nearest;
    size_t missing;
    int64_t idx = xs_find(s, as, path, XS_PERM_WRITE, &nearest, &missing, err);

    if (idx >= 0)
        return 0; /* it exists: fine, and nothing changed */
    if (idx != -XEN_ENOENT)
        return (int)idx;
    idx = xs_create(s, as, path, strlen(path), nearest, missing, NULL, 0, err);
    if (idx < 0)
        return (int)idx;
    domb_error_clear(err);
    xs_fire_node(s, path, (uint32_t)idx, false);
    return 0;
}

/*
 * Remove the subtree at idx. With fire, its path is in s->path (plen
 * characters): every removed descendant fires the watches on exactly its
 * path, the top fires the watches on it and its ancestors. Iterative,
 * removing leaves first; s->path follows the walk.
 */
static void xs_remove_subtree(struct xs_store *s, uint32_t top, size_t plen, bool fire)
{
    uint32_t cur = top, parent = s->nodes[top].parent;
    uint32_t *link = &s->nodes[parent].first_child;

    while (*link != top)
        link = &s->nodes[*link].next_sibling;
    *link = s->nodes[top].next_sibling;
    xs_touch(s, parent);
    for (;;) {
        while (s->nodes[cur].first_child != XS_NONE) {
            const struct xs_node *c = xs_node(s, s->nodes[cur].first_child);

            if (fire) {
                s->path[plen] = '/';
                memcpy(s->path + plen + 1, xs_node_name(s, c), c->name_len);
                plen += 1 + c->name_len;
                s->path[plen] = '\0';
            }
            cur = s->nodes[cur].first_child;
        }
        if (fire)
            xs_fire_node(s, s->path, cur, cur != top);
        if (cur == top) {
            xs_node_free(s, cur);
            return;
        }
        parent = s->nodes[cur].parent;
        s->nodes[parent].first_child = s->nodes[cur].next_sibling;
        if (fire) {
            plen -= 1u + s->nodes[cur].name_len;
            s->path[plen] = '\0';
        }
        xs_node_free(s, cur);
        cur = parent;
    }
}

void xs_store_apply_remove(struct xs_store *s, uint32_t idx)
{
    xs_remove_subtree(s, idx, 0, false);
}

int xs_store_rm(struct xs_store *s, domid_t as, const char *path, struct domb_error *err)
{
    uint32_t nearest;
    size_t missing, len;
    int64_t idx = xs_find(s, as, path, XS_PERM_WRITE, &nearest, &missing, err);

    if (idx == -XEN_ENOENT) {
        /* xenstored: removing a missing node is fine when its parent exists. */
        len = strlen(path);
        if (xs_component_len(path, len, missing) + missing == len) {
            domb_error_clear(err);
            return 0;
        }
        return (int)idx;
    }
    if (idx < 0)
        return (int)idx;
    if (idx == XS_ROOT)
        return domb_error_set(err, -XEN_EINVAL, "the root node cannot be removed");
    len = strlen(path);
    memcpy(s->path, path, len + 1);
    xs_remove_subtree(s, (uint32_t)idx, len, true);
    return 0;
}

int xs_store_get_perms(struct xs_store *s, domid_t as, const char *path, struct xs_perm *perms,
                       unsigned int *nperms, struct domb_error *err)
{
    int64_t idx = xs_find(s, as, path, XS_PERM_READ, NULL, NULL, err);
    const struct xs_node *n;

    if (idx < 0)
        return (int)idx;
    n = xs_node(s, (uint32_t)idx);
    memcpy(perms, n->perms, n->nperms * sizeof(*perms));
    *nperms = n->nperms;
    return 0;
}

int xs_store_perms_check(const struct xs_perm *perms, unsigned int nperms, struct domb_error *err)
{
    if (nperms == 0 || nperms > XS_PERMS_MAX)
        return domb_error_set(err, nperms ? -XEN_ENOSPC : -XEN_EINVAL,
                              "%u permission entries (a node has 1 to %u)", nperms, XS_PERMS_MAX);
    for (unsigned int i = 0; i < nperms; i++)
        if (perms[i].perm > XS_PERM_BOTH)
            return domb_error_set(err, -XEN_EINVAL, "permission bits 0x%x are not n/r/w/b",
                                  perms[i].perm);
    return 0;
}

int xs_store_set_perms(struct xs_store *s, domid_t as, const char *path,
                       const struct xs_perm *perms, unsigned int nperms, struct domb_error *err)
{
    int64_t idx;
    const struct xs_node *n;
    int rc = xs_store_perms_check(perms, nperms, err);

    if (rc < 0)
        return rc;
    idx = xs_find(s, as, path, XS_PERM_WRITE | XS_PERM_OWNER, NULL, NULL, err);
    if (idx < 0)
        return (int)idx;
    n = &s->nodes[idx];
    if (perms[0].domid != n->perms[0].domid) {
        /* xenstored: only the privileged may give a node away. */
        if (as != 0)
            return domb_error_set(err, -XEN_EPERM, "domain %u may not give %s to domain %u", as,
                                  path, perms[0].domid);
        rc = xs_quota_check(s, perms[0].domid, 1, n->name_len + n->value_len, err);
        if (rc < 0)
            return rc;
    }
    xs_node_set_perms(s, (uint32_t)idx, perms, nperms);
    xs_fire_node(s, path, (uint32_t)idx, false);
    return 0;
}

int xs_store_write_perms(struct xs_store *s, domid_t as, const char *path, const void *value,
                         uint32_t len, const struct xs_perm *perms, unsigned int nperms,
                         struct domb_error *err)
{
    uint32_t nearest;
    size_t missing, plen;
    int64_t idx;
    domid_t owner;
    int rc = xs_store_perms_check(perms, nperms, err);

    if (rc < 0)
        return rc;
    if (len > XS_VALUE_MAX)
        return domb_error_set(err, -XEN_E2BIG, "value of %u bytes is longer than %u", len,
                              (unsigned int)XS_VALUE_MAX);
    idx = xs_find(s, as, path, XS_PERM_WRITE, &nearest, &missing, err);
    if (idx < 0 && idx != -XEN_ENOENT)
        return (int)idx;
    plen = strlen(path);
    if (idx >= 0) {
        const struct xs_node *n = &s->nodes[idx];

        owner = n->perms[0].domid;
        if ((xs_perm_for(as, n->perms, n->nperms) & XS_PERM_OWNER) == 0)
            return domb_error_set(err, -XEN_EACCES, "domain %u may not change permissions of %s",
                                  as, path);
        if (perms[0].domid != owner && as != 0)
            return domb_error_set(err, -XEN_EPERM, "domain %u may not give %s to domain %u", as,
                                  path, perms[0].domid);
        rc = perms[0].domid != owner
                 ? xs_quota_check(s, perms[0].domid, 1, n->name_len + len, err)
                 : xs_store_quota_check(s, owner, 0, (int64_t)len - n->value_len, err);
        if (rc == 0)
            rc = xs_value_room(s, (uint32_t)idx, len, err);
        if (rc < 0)
            return rc;
        xs_node_set_perms(s, (uint32_t)idx, perms, nperms);
        xs_node_set_value(s, (uint32_t)idx, value, len);
    } else {
        /* The new node is the creator's (or inherits its parent's owner),
         * then goes to perms[0]: only dom0 may give it to someone else. */
        size_t last = plen;

        owner = as != 0 ? as : s->nodes[nearest].perms[0].domid;
        if (perms[0].domid != owner && as != 0)
            return domb_error_set(err, -XEN_EPERM, "domain %u may not give %s to domain %u", as,
                                  path, perms[0].domid);
        while (path[last - 1] != '/')
            last--;
        rc = perms[0].domid != owner
                 ? xs_quota_check(s, perms[0].domid, 1, (uint32_t)(plen - last) + len, err)
                 : 0;
        if (rc == 0)
            idx = xs_create(s, as, path, plen, nearest, missing, value, len, err);
        if (rc < 0 || idx < 0)
            return rc < 0 ? rc : (int)idx;
        xs_node_set_perms(s, (uint32_t)idx, perms, nperms);
    }
    domb_error_clear(err);
    xs_fire_node(s, path, (uint32_t)idx, false);
    return 0;
}

int xs_store_directory(struct xs_store *s, domid_t as, const char *path, uint32_t offset, char *buf,
                       uint32_t size, uint32_t *len, bool *complete, uint64_t *generation,
                       struct domb_error *err)
{
    int64_t idx = xs_find(s, as, path, XS_PERM_READ, NULL, NULL, err);
    uint32_t pos = 0, out = 0;

    if (idx < 0)
        return (int)idx;
    *complete = true;
    *generation = xs_node(s, (uint32_t)idx)->generation;
    for (uint32_t c = s->nodes[idx].first_child; c != XS_NONE; c = s->nodes[c].next_sibling) {
        const struct xs_node *n = xs_node(s, c);
        uint32_t l = n->name_len + 1u, start;

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
        memcpy(buf + out, xs_node_name(s, n) + start, l - 1 - start);
        out += l - 1 - start;
        buf[out++] = '\0';
        pos += l;
    }
    *len = out;
    return 0;
}

/* ---- domains -------------------------------------------------------------------------- */

bool xs_store_domain_introduced(const struct xs_store *s, domid_t domid)
{
    uint16_t slot = s->domain_slot[domid];

    return slot && s->domains[slot - 1].introduced;
}

/* How a node of a new domain is made (libxl__domain_make's permission sets). */
enum xs_intro_perm {
    XS_INTRO_INHERIT, /* written as dom0: the parent's permissions */
    XS_INTRO_RO,      /* libxl's roperm: n0,r<domid> (the domain reads it) */
    XS_INTRO_RW,      /* libxl's rwperm: n<domid> (the domain owns it) */
    XS_INTRO_NO,      /* libxl's noperm: n0 (dom0's alone) */
};

/* Where a node's value comes from (struct xs_intro_values). */
enum xs_intro_value {
    XS_IV_EMPTY,
    XS_IV_VM,   /* "/vm/<uuid>" */
    XS_IV_UUID, /* "<uuid>" */
    XS_IV_NAME,
    XS_IV_TYPE,
    XS_IV_ONE,
    XS_IV_STATIC_MAX,
    XS_IV_TARGET,
    XS_IV_DOMID,
    XS_IV_CONSOLE_MFN,
    XS_IV_CONSOLE_PORT,
    XS_IV_CONSOLE_LIMIT,
    XS_IV_CONSOLE_TYPE,
    XS_IV_STORE_PORT,
    XS_IV_STORE_MFN,
    XS_IV_COUNT,
};

/* Which domains get a node. */
enum xs_intro_only {
    XS_IO_ALL,
    XS_IO_DRIVER, /* driver domains (xl's driver_domain = 1) */
    XS_IO_STORE,  /* domains with a store port */
};

/* One node of a new domain, under base. */
struct xs_intro_node {
    uint8_t base;  /* 0: /local/domain/<id>, 1: /vm/<uuid>, 2: /libxl/<id> */
    uint8_t perm;  /* enum xs_intro_perm */
    uint8_t value; /* enum xs_intro_value */
    uint8_t only;  /* enum xs_intro_only */
    const char *rel;
};

/* What libxl__domain_make and libxl__build_post write (Xen 4.17), in order. */
static const struct xs_intro_node xs_intro_nodes[] = {
    {0, XS_INTRO_RO, XS_IV_EMPTY, XS_IO_ALL, ""},
    {1, XS_INTRO_RO, XS_IV_EMPTY, XS_IO_ALL, ""},
    {2, XS_INTRO_NO, XS_IV_EMPTY, XS_IO_ALL, ""},
    {2, XS_INTRO_NO, XS_IV_EMPTY, XS_IO_ALL, "device"},
    {0, XS_INTRO_INHERIT, XS_IV_VM, XS_IO_ALL, "vm"},
    {0, XS_INTRO_INHERIT, XS_IV_NAME, XS_IO_ALL, "name"},
    {0, XS_INTRO_RO, XS_IV_EMPTY, XS_IO_ALL, "cpu"},
    {0, XS_INTRO_RO, XS_IV_EMPTY, XS_IO_ALL, "memory"},
    {0, XS_INTRO_RO, XS_IV_EMPTY, XS_IO_ALL, "device"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "device/suspend/event-channel"},
    {0, XS_INTRO_RO, XS_IV_EMPTY, XS_IO_ALL, "control"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "control/shutdown"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "control/feature-poweroff"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "control/feature-reboot"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "control/feature-suspend"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "control/sysrq"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "data"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "drivers"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "feature"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "attr"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "error"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_DRIVER, "libxl"},
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_DRIVER, "device-model"},
    {1, XS_INTRO_INHERIT, XS_IV_UUID, XS_IO_ALL, "uuid"},
    {1, XS_INTRO_INHERIT, XS_IV_NAME, XS_IO_ALL, "name"},
    {0, XS_INTRO_INHERIT, XS_IV_ONE, XS_IO_ALL, "control/platform-feature-multiprocessor-suspend"},
    {0, XS_INTRO_INHERIT, XS_IV_ONE, XS_IO_ALL, "control/platform-feature-xs_reset_watches"},
    {2, XS_INTRO_INHERIT, XS_IV_TYPE, XS_IO_ALL, "type"},
    {0, XS_INTRO_INHERIT, XS_IV_STATIC_MAX, XS_IO_ALL, "memory/static-max"},
    {0, XS_INTRO_INHERIT, XS_IV_TARGET, XS_IO_ALL, "memory/target"},
    {0, XS_INTRO_INHERIT, XS_IV_DOMID, XS_IO_ALL, "domid"},
    /* the console frontend: the domain's directory, dom0's values */
    {0, XS_INTRO_RW, XS_IV_EMPTY, XS_IO_ALL, "console"},
    {0, XS_INTRO_RO, XS_IV_CONSOLE_MFN, XS_IO_ALL, "console/ring-ref"},
    {0, XS_INTRO_RO, XS_IV_CONSOLE_PORT, XS_IO_ALL, "console/port"},
    {0, XS_INTRO_RO, XS_IV_CONSOLE_LIMIT, XS_IO_ALL, "console/limit"},
    {0, XS_INTRO_RO, XS_IV_CONSOLE_TYPE, XS_IO_ALL, "console/type"},
    {0, XS_INTRO_INHERIT, XS_IV_STORE_PORT, XS_IO_STORE, "store/port"},
    {0, XS_INTRO_INHERIT, XS_IV_STORE_MFN, XS_IO_STORE, "store/ring-ref"},
};

/* The three places a domain has: its home, /vm/<uuid>, /libxl/<id>. */
struct xs_intro_paths {
    char base[3][64];
};

static void xs_intro_paths(struct xs_intro_paths *p, const struct xs_domain_info *info)
{
    static const uint8_t zero[16];
    const uint8_t *u = info->uuid;

    domb_snprintf(p->base[0], sizeof(p->base[0]), "/local/domain/%u", info->domid);
    if (memcmp(u, zero, sizeof(zero)) == 0)
        domb_snprintf(p->base[1], sizeof(p->base[1]), "/vm/00000000-0000-0000-0000-%012x",
                      info->domid);
    else
        domb_snprintf(p->base[1], sizeof(p->base[1]),
                      "/vm/%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                      u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
                      u[12], u[13], u[14], u[15]);
    domb_snprintf(p->base[2], sizeof(p->base[2]), "/libxl/%u", info->domid);
}

static int xs_intro_put(struct xs_store *s, const struct xs_intro_paths *p, domid_t domid,
                        unsigned int base, const char *rel, unsigned int perm, const char *value,
                        struct domb_error *err)
{
    char path[128];
    uint32_t len = (uint32_t)strlen(value);
    const struct xs_perm ro[2] = {{0, XS_PERM_NONE}, {domid, XS_PERM_READ}};
    const struct xs_perm rw = {domid, XS_PERM_NONE}, no = {0, XS_PERM_NONE};

    domb_snprintf(path, sizeof(path), "%s%s%s", p->base[base], rel[0] ? "/" : "", rel);
    switch (perm) {
    case XS_INTRO_RO:
        return xs_store_write_perms(s, 0, path, value, len, ro, 2, err);
    case XS_INTRO_RW:
        return xs_store_write_perms(s, 0, path, value, len, &rw, 1, err);
    case XS_INTRO_NO:
        return xs_store_write_perms(s, 0, path, value, len, &no, 1, err);
    default:
        return xs_store_write(s, 0, path, value, len, err);
    }
}

static int xs_introduce_nodes(struct xs_store *s, const struct xs_domain_info *info,
                              const struct xs_intro_paths *p, struct domb_error *err)
{
    const struct xs_perm dom0_name = {0, XS_PERM_READ};
    static const char dom0[] = "/local/domain/0/name";
    unsigned int all;
    char num[7][24];
    const char *values[XS_IV_COUNT] = {
        [XS_IV_EMPTY] = "",
        [XS_IV_VM] = p->base[1],
        [XS_IV_UUID] = p->base[1] + 4,
        [XS_IV_NAME] = info->name,
        [XS_IV_TYPE] = info->type ? info->type : "pv",
        [XS_IV_ONE] = "1",
        [XS_IV_STATIC_MAX] = num[0],
        [XS_IV_TARGET] = num[1],
        [XS_IV_DOMID] = num[2],
        [XS_IV_CONSOLE_MFN] = num[3],
        [XS_IV_CONSOLE_PORT] = num[4],
        [XS_IV_CONSOLE_LIMIT] = "1048576",
        [XS_IV_CONSOLE_TYPE] = "xenconsoled",
        [XS_IV_STORE_PORT] = num[5],
        [XS_IV_STORE_MFN] = num[6],
    };
    uint32_t near;
    size_t miss;
    int rc = 0;

    domb_snprintf(num[0], sizeof(num[0]), "%llu",
                  (unsigned long long)(info->max_mem_kib ? info->max_mem_kib : info->mem_kib));
    domb_snprintf(num[1], sizeof(num[1]), "%llu", (unsigned long long)info->mem_kib);
    domb_snprintf(num[2], sizeof(num[2]), "%u", info->domid);
    domb_snprintf(num[3], sizeof(num[3]), "%llu", (unsigned long long)info->console_mfn);
    domb_snprintf(num[4], sizeof(num[4]), "%u", info->console_port);
    domb_snprintf(num[5], sizeof(num[5]), "%u", info->store_port);
    domb_snprintf(num[6], sizeof(num[6]), "%llu", (unsigned long long)info->store_mfn);
    for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(xs_intro_nodes); i++) {
        const struct xs_intro_node *n = &xs_intro_nodes[i];

        if ((n->only == XS_IO_DRIVER && !info->driver_domain) ||
            (n->only == XS_IO_STORE && !info->store_port))
            continue;
        rc = xs_intro_put(s, p, info->domid, n->base, n->rel, n->perm, values[n->value], err);
    }
    /* libxl: every vCPU up to max_vcpus, "offline" from vcpus on (maxvcpus). */
    all = info->max_vcpus > info->vcpus ? info->max_vcpus : info->vcpus;
    for (unsigned int v = 0; rc == 0 && v < all; v++) {
        char rel[40];

        domb_snprintf(rel, sizeof(rel), "cpu/%u/availability", v);
        rc = xs_intro_put(s, p, info->domid, 0, rel, XS_INTRO_INHERIT,
                          v < info->vcpus ? "online" : "offline", err);
    }
    if (rc == 0 && xs_lookup(s, dom0, strlen(dom0), &near, &miss) == XS_NONE)
        rc = xs_store_write_perms(s, 0, dom0, "Domain-0", 8, &dom0_name, 1, err);
    return rc;
}

/* Remove the three places of a domain (what is missing is fine). */
static void xs_intro_remove(struct xs_store *s, const struct xs_intro_paths *p)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(p->base); i++) {
        struct domb_error ignored;

        xs_store_rm(s, 0, p->base[i], &ignored);
    }
}

int xs_store_domain_introduce(struct xs_store *s, const struct xs_domain_info *info,
                              struct domb_error *err)
{
    struct xs_intro_paths p;
    struct xs_domain *d;
    int rc;

    if (info->domid == 0 || info->domid >= DOMID_FIRST_RESERVED)
        return domb_error_set(err, -XEN_EINVAL, "domain id %u cannot be introduced", info->domid);
    if (!info->name || info->name[0] == '\0' || strlen(info->name) > 255)
        return domb_error_set(err, -XEN_EINVAL, "domain %u needs a name of 1 to 255 bytes",
                              info->domid);
    if (info->type && strcmp(info->type, "pv") != 0 && strcmp(info->type, "pvh") != 0)
        return domb_error_set(err, -XEN_EINVAL, "domain %u: type '%.8s' is not pv or pvh",
                              info->domid, info->type);
    if (xs_store_domain_introduced(s, info->domid))
        return domb_error_set(err, -XEN_EEXIST, "domain %u is already introduced", info->domid);
    xs_intro_paths(&p, info);
    xs_intro_remove(s, &p); /* leftovers of an earlier domain with this id (libxl does too) */
    rc = xs_introduce_nodes(s, info, &p, err);
    d = rc == 0 ? xs_domain_find(s, info->domid, true) : NULL;
    if (!d) {
        if (rc == 0)
            rc =
                domb_error_set(err, -XEN_ENOSPC, "store tracks %u domains already", XS_DOMAINS_MAX);
        xs_intro_remove(s, &p);
        return rc;
    }
    d->introduced = true;
    xs_watch_fire(s, "@introduceDomain", 16, NULL, 0, true);
    return 0;
}

int xs_store_domain_release(struct xs_store *s, domid_t domid, struct domb_error *err)
{
    struct xs_domain *d = xs_domain_find(s, domid, false);
    struct xs_intro_paths p = {0};
    char vm[80];
    const char *value = NULL;
    uint32_t len = 0;
    int rc;

    if (!d || !d->introduced)
        return domb_error_set(err, -XEN_ENOENT, "domain %u is not introduced", domid);
    xs_store_tx_drop_domain(s, domid);
    domb_snprintf(p.base[0], sizeof(p.base[0]), "/local/domain/%u", domid);
    domb_snprintf(p.base[2], sizeof(p.base[2]), "/libxl/%u", domid);
    /* Its /vm path, as introduce wrote it (dom0's node: the domain cannot
     * have changed it); nothing else under /vm is touched. */
    p.base[1][0] = '\0';
    domb_snprintf(vm, sizeof(vm), "%s/vm", p.base[0]);
    if (xs_store_read(s, 0, vm, &value, &len, NULL) == 0 && len > 4 && len < sizeof(p.base[1]) &&
        memcmp(value, "/vm/", 4) == 0) {
        memcpy(p.base[1], value, len);
        p.base[1][len] = '\0';
        for (uint32_t i = 4; i < len; i++)
            if (p.base[1][i] == '/') /* one component under /vm only */
                p.base[1][0] = '\0';
        if (p.base[1][0] && xs_path_check(p.base[1], len, false, NULL) < 0)
            p.base[1][0] = '\0';
    }
    rc = xs_store_rm(s, 0, p.base[0], err);
    if (rc < 0 && rc != -XEN_ENOENT) /* ENOENT: dom0 removed /local/domain already */
        return rc;
    if (p.base[1][0])
        xs_store_rm(s, 0, p.base[1], NULL);
    xs_store_rm(s, 0, p.base[2], NULL);
    /* What it owned elsewhere goes to dom0, and its own entries lapse, so a
     * later domain with the same id inherits nothing (xenstored does alike). */
    for (uint32_t i = 0; i < s->max_nodes; i++) {
        struct xs_node *n = &s->nodes[i];
        unsigned int k = 1;

        bool changed = false;

        if (n->block == XS_NONE || (n->flags & XS_NODE_DETACHED))
            continue;
        if (n->perms[0].domid == domid) {
            xs_charge(s, domid, -1, -(int64_t)(n->name_len + n->value_len));
            n->perms[0].domid = 0;
            changed = true;
        }
        while (k < n->nperms) {
            if (n->perms[k].domid == domid) {
                memmove(&n->perms[k], &n->perms[k + 1], (n->nperms - k - 1) * sizeof(n->perms[0]));
                n->nperms--;
                changed = true;
            } else {
                k++;
            }
        }
        if (changed) /* a transaction that copied the old entries must not commit them */
            xs_touch(s, i);
    }
    d = xs_domain_find(s, domid, false);
    if (d) {
        d->introduced = false;
        xs_domain_put(s, d);
    }
    xs_watch_fire(s, "@releaseDomain", 14, NULL, 0, true);
    return 0;
}

/* ---- connections ---------------------------------------------------------------------- */

struct xs_conn *xs_store_next_pending(struct xs_store *s, struct xs_conn *prev)
{
    return xs_session_next_pending(s, prev);
}
