/* The xenstore tree: nodes, their permissions and quotas, and each domain's nodes. */
/*
 * The tree (docs/xenstore.md) lives in a caller-provided arena. It enforces
 * xenstored's permission model (the check itself is xs_perm.c's) and
 * per-domain quotas, publishes the nodes the builder creates for each
 * domain, and fires watches (xs_session.c) on every change.
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

/* Can owner take `nodes` more nodes and `bytes` more bytes? (dom0: always) */
static int xs_quota_check(struct xs_store *s, domid_t owner, uint32_t nodes, uint32_t bytes,
                          struct domb_error *err)
{
    const struct xs_domain *d;
    uint32_t have_nodes = 0, have_bytes = 0;

    if (owner == 0 || (nodes == 0 && bytes == 0))
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
    if (have_nodes + nodes > s->quota_nodes)
        return domb_error_set(err, -XEN_ENOSPC, "domain %u would own more than %u nodes", owner,
                              s->quota_nodes);
    if (have_bytes + bytes > s->quota_bytes)
        return domb_error_set(err, -XEN_ENOSPC, "domain %u would own more than %u bytes", owner,
                              s->quota_bytes);
    return 0;
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

static uint32_t xs_node_alloc(struct xs_store *s)
{
    uint32_t idx = s->free_node;

    s->free_node = s->nodes[idx].next_sibling;
    s->used_nodes++;
    return idx;
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
    xs_heap_free(s, n->block);
    n->block = XS_NONE;
    n->nperms = 0;
    n->next_sibling = s->free_node;
    s->free_node = idx;
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

    memcpy(perms, s->nodes[nearest].perms, sizeof(perms));
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
    if (s->max_nodes - s->used_nodes < count)
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
        uint32_t idx = xs_node_alloc(s), payload = (uint32_t)clen + (last ? vlen : 0);
        struct xs_node *n = &s->nodes[idx];
        uint32_t *link = &s->nodes[cur].first_child;

        memset(n, 0, sizeof(*n));
        n->parent = cur;
        n->first_child = XS_NONE;
        n->next_sibling = XS_NONE;
        n->block = xs_heap_alloc(s, idx, payload);
        n->block_size = align8(payload);
        n->name_len = (uint16_t)clen;
        n->value_len = (uint16_t)(last ? vlen : 0);
        n->nperms = nperms;
        memcpy(n->perms, perms, sizeof(perms));
        memcpy(xs_node_name(s, n), path + pos, clen);
        if (last && vlen)
            memcpy(xs_node_value(s, n), value, vlen);
        while (*link != XS_NONE) /* children stay in creation order */
            link = &s->nodes[*link].next_sibling;
        *link = idx;
        xs_index_insert(s, idx);
        xs_touch(s, cur);
        xs_touch(s, idx);
        cur = idx;
        pos += clen + 1;
    }
    xs_charge(s, perms[0].domid, (int32_t)count, bytes);
    return cur;
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
    for (uint32_t i = 0; i < max_nodes; i++) {
        s->nodes[i].block = XS_NONE;
        s->nodes[i].nperms = 0;
        s->nodes[i].next_sibling = i + 1 < max_nodes ? i + 1 : XS_NONE;
    }
    s->free_node = 0;
    root = &s->nodes[xs_node_alloc(s)];
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

/* Replace the value of an existing node. */
static int xs_set_value(struct xs_store *s, uint32_t idx, const void *value, uint32_t vlen,
                        struct domb_error *err)
{
    struct xs_node *n = &s->nodes[idx];
    int64_t delta = (int64_t)vlen - n->value_len;
    int rc = xs_quota_check(s, n->perms[0].domid, 0, delta > 0 ? (uint32_t)delta : 0, err);

    if (rc < 0)
        return rc;
    if (n->name_len + vlen > n->block_size) {
        uint32_t payload = n->name_len + vlen, old;

        rc = xs_heap_reserve(s, xs_block_bytes(payload), err);
        if (rc < 0)
            return rc;
        old = n->block; /* read after a possible compaction */
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
    return 0;
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
 * Remove the subtree at idx, whose path is in s->path (plen characters):
 * every removed descendant fires the watches on exactly its path, the top
 * fires the watches on it and its ancestors. Iterative, removing leaves
 * first; s->path follows the walk.
 */
static void xs_remove_subtree(struct xs_store *s, uint32_t top, size_t plen)
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

            s->path[plen] = '/';
            memcpy(s->path + plen + 1, xs_node_name(s, c), c->name_len);
            plen += 1 + c->name_len;
            s->path[plen] = '\0';
            cur = s->nodes[cur].first_child;
        }
        xs_fire_node(s, s->path, cur, cur != top);
        if (cur == top) {
            xs_node_free(s, cur);
            return;
        }
        parent = s->nodes[cur].parent;
        s->nodes[parent].first_child = s->nodes[cur].next_sibling;
        plen -= 1u + s->nodes[cur].name_len;
        s->path[plen] = '\0';
        xs_node_free(s, cur);
        cur = parent;
    }
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
    xs_remove_subtree(s, (uint32_t)idx, len);
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

int xs_store_set_perms(struct xs_store *s, domid_t as, const char *path,
                       const struct xs_perm *perms, unsigned int nperms, struct domb_error *err)
{
    int64_t idx;
    struct xs_node *n;
    uint32_t bytes;
    int rc;

    if (nperms == 0 || nperms > XS_PERMS_MAX)
        return domb_error_set(err, nperms ? -XEN_ENOSPC : -XEN_EINVAL,
                              "%u permission entries (a node has 1 to %u)", nperms, XS_PERMS_MAX);
    for (unsigned int i = 0; i < nperms; i++)
        if (perms[i].perm > XS_PERM_BOTH)
            return domb_error_set(err, -XEN_EINVAL, "permission bits 0x%x are not n/r/w/b",
                                  perms[i].perm);
    idx = xs_find(s, as, path, XS_PERM_WRITE | XS_PERM_OWNER, NULL, NULL, err);
    if (idx < 0)
        return (int)idx;
    n = &s->nodes[idx];
    if (perms[0].domid != n->perms[0].domid) {
        /* xenstored: only the privileged may give a node away. */
        if (as != 0)
            return domb_error_set(err, -XEN_EPERM, "domain %u may not give %s to domain %u", as,
                                  path, perms[0].domid);
        bytes = n->name_len + n->value_len;
        rc = xs_quota_check(s, perms[0].domid, 1, bytes, err);
        if (rc < 0)
            return rc;
        xs_charge(s, n->perms[0].domid, -1, -(int64_t)bytes);
        xs_charge(s, perms[0].domid, 1, bytes);
    }
    memset(n->perms, 0, sizeof(n->perms));
    memcpy(n->perms, perms, nperms * sizeof(*perms));
    n->nperms = (uint8_t)nperms;
    xs_touch(s, (uint32_t)idx);
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

/* Write /local/domain/<domid>/<rel> = value; read-only for the domain when ro. */
static int xs_put(struct xs_store *s, domid_t domid, const char *rel, const char *value, bool ro,
                  struct domb_error *err)
{
    char path[96];
    const struct xs_perm perms[2] = {{0, XS_PERM_NONE}, {domid, XS_PERM_READ}};
    int rc;

    domb_snprintf(path, sizeof(path), "/local/domain/%u%s%s", domid, rel[0] ? "/" : "", rel);
    rc = value ? xs_store_write(s, 0, path, value, (uint32_t)strlen(value), err)
               : xs_store_mkdir(s, 0, path, err);
    if (rc == 0 && ro)
        rc = xs_store_set_perms(s, 0, path, perms, 2, err);
    return rc;
}

/* One node of a new domain: value NULL makes a directory; ro makes it the
 * builder's (n0, readable by the domain), else the domain owns it. */
struct xs_intro_node {
    const char *rel;
    const char *value;
    bool ro;
};

static int xs_introduce_nodes(struct xs_store *s, const struct xs_domain_info *info,
                              struct domb_error *err)
{
    const struct xs_perm home = {info->domid, XS_PERM_NONE}, dom0_name = {0, XS_PERM_READ};
    static const char dom0[] = "/local/domain/0/name";
    char path[48], num[6][24];
    const struct xs_intro_node nodes[] = {
        {"name", info->name, true},
        {"domid", num[0], true},
        {"memory", NULL, false},
        {"memory/target", num[1], true},
        {"console", NULL, false},
        {"console/ring-ref", num[2], true},
        {"console/port", num[3], true},
        {"console/limit", "1048576", true},
        {"console/type", "xenconsoled", true},
        {"control/shutdown", "", false},
        {"device", NULL, false},
        {"data", NULL, false},
        {"cpu", NULL, false},
        {"store/ring-ref", num[4], true}, /* the last two only with a store port */
        {"store/port", num[5], true},
    };
    size_t count = ARRAY_SIZE(nodes) - (info->store_port ? 0 : 2);
    uint32_t near;
    size_t miss;
    int rc;

    domb_snprintf(num[0], sizeof(num[0]), "%u", info->domid);
    domb_snprintf(num[1], sizeof(num[1]), "%llu", (unsigned long long)info->mem_kib);
    domb_snprintf(num[2], sizeof(num[2]), "%llu", (unsigned long long)info->console_mfn);
    domb_snprintf(num[3], sizeof(num[3]), "%u", info->console_port);
    domb_snprintf(num[4], sizeof(num[4]), "%llu", (unsigned long long)info->store_mfn);
    domb_snprintf(num[5], sizeof(num[5]), "%u", info->store_port);
    domb_snprintf(path, sizeof(path), "/local/domain/%u", info->domid);
    rc = xs_store_mkdir(s, 0, path, err);
    if (rc == 0)
        rc = xs_store_set_perms(s, 0, path, &home, 1, err);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = xs_put(s, info->domid, nodes[i].rel, nodes[i].value, nodes[i].ro, err);
    for (unsigned int v = 0; rc == 0 && v < info->vcpus; v++) {
        char rel[40];

        domb_snprintf(rel, sizeof(rel), "cpu/%u/availability", v);
        rc = xs_put(s, info->domid, rel, "online", true, err);
    }
    if (rc == 0 && xs_lookup(s, dom0, strlen(dom0), &near, &miss) == XS_NONE) {
        rc = xs_store_write(s, 0, dom0, "Domain-0", 8, err);
        if (rc == 0)
            rc = xs_store_set_perms(s, 0, dom0, &dom0_name, 1, err);
    }
    return rc;
}

int xs_store_domain_introduce(struct xs_store *s, const struct xs_domain_info *info,
                              struct domb_error *err)
{
    struct xs_domain *d;
    char path[32];
    int rc;

    if (info->domid == 0 || info->domid >= DOMID_FIRST_RESERVED)
        return domb_error_set(err, -XEN_EINVAL, "domain id %u cannot be introduced", info->domid);
    if (!info->name || info->name[0] == '\0' || strlen(info->name) > 255)
        return domb_error_set(err, -XEN_EINVAL, "domain %u needs a name of 1 to 255 bytes",
                              info->domid);
    if (xs_store_domain_introduced(s, info->domid))
        return domb_error_set(err, -XEN_EEXIST, "domain %u is already introduced", info->domid);
    domb_snprintf(path, sizeof(path), "/local/domain/%u", info->domid);
    rc = xs_store_rm(s, 0, path, err); /* leftovers of an earlier domain with this id */
    if (rc == -XEN_ENOENT)
        rc = 0; /* not even /local/domain yet */
    if (rc == 0)
        rc = xs_introduce_nodes(s, info, err);
    d = rc == 0 ? xs_domain_find(s, info->domid, true) : NULL;
    if (!d) {
        struct domb_error ignored;

        if (rc == 0)
            rc =
                domb_error_set(err, -XEN_ENOSPC, "store tracks %u domains already", XS_DOMAINS_MAX);
        xs_store_rm(s, 0, path, &ignored);
        return rc;
    }
    d->introduced = true;
    xs_watch_fire(s, "@introduceDomain", 16, NULL, 0, true);
    return 0;
}

int xs_store_domain_release(struct xs_store *s, domid_t domid, struct domb_error *err)
{
    struct xs_domain *d = xs_domain_find(s, domid, false);
    char path[32];
    int rc;

    if (!d || !d->introduced)
        return domb_error_set(err, -XEN_ENOENT, "domain %u is not introduced", domid);
    domb_snprintf(path, sizeof(path), "/local/domain/%u", domid);
    rc = xs_store_rm(s, 0, path, err);
    if (rc < 0)
        return rc;
    /* What it owned elsewhere goes to dom0, and its own entries lapse, so a
     * later domain with the same id inherits nothing (xenstored does alike). */
    for (uint32_t i = 0; i < s->max_nodes; i++) {
        struct xs_node *n = &s->nodes[i];
        unsigned int k = 1;

        if (n->block == XS_NONE)
            continue;
        if (n->perms[0].domid == domid) {
            xs_charge(s, domid, -1, -(int64_t)(n->name_len + n->value_len));
            n->perms[0].domid = 0;
        }
        while (k < n->nperms) {
            if (n->perms[k].domid == domid) {
                memmove(&n->perms[k], &n->perms[k + 1], (n->nperms - k - 1) * sizeof(n->perms[0]));
                n->nperms--;
            } else {
                k++;
            }
        }
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
