/*
 * One guest's xenstore connection: its ring (struct xenstore_domain_interface
 * from io/xs_wire.h), its output queue, its watches.
 *
 * The ring page belongs to the guest, which may rewrite any byte at any time.
 * So the indexes we own (req_cons, rsp_prod) are kept privately and only
 * published; the guest's (req_prod, rsp_cons) are read once per use with
 * acquire ordering and checked against the ring size before anything depends
 * on them; each request byte is copied into c->in exactly once and parsed
 * only there. Barriers follow xenstored's: read the producer, then the data;
 * write the data, then (release) the producer.
 */
#include "xs_internal.h"

#include <domb/errno.h>
#include <domb/lib.h>

#define XS_HDR_SIZE ((uint32_t)sizeof(struct xsd_sockmsg))

static uint32_t xs_ring_load(const XENSTORE_RING_IDX *idx)
{
    return __atomic_load_n(idx, __ATOMIC_ACQUIRE);
}

static void xs_ring_publish(XENSTORE_RING_IDX *idx, uint32_t value)
{
    __atomic_store_n(idx, value, __ATOMIC_RELEASE);
}

void xs_conn_init(struct xs_conn *c, struct xs_store *s, domid_t domid)
{
    memset(c, 0, sizeof(*c));
    c->store = s;
    c->domid = domid;
    c->next_tx = 1;
    c->next = s->conns;
    s->conns = c;
}

/* Keep c on the store's watcher list exactly while it has a watch. */
static void xs_conn_update_watching(struct xs_conn *c)
{
    struct xs_conn **link = &c->store->watchers;

    if (c->watching == (c->nwatches > 0))
        return;
    if (!c->watching) {
        c->next_watcher = *link;
        *link = c;
    } else {
        while (*link != c)
            link = &(*link)->next_watcher;
        *link = c->next_watcher;
        c->next_watcher = NULL;
    }
    c->watching = !c->watching;
}

void xs_conn_destroy(struct xs_conn *c)
{
    struct xs_conn **link = &c->store->conns;

    while (*link && *link != c)
        link = &(*link)->next;
    if (*link)
        *link = c->next;
    c->next = NULL;
    c->nwatches = 0;
    xs_conn_update_watching(c);
    c->out_head = c->out_tail = 0;
}

bool xs_conn_has_output(const struct xs_conn *c)
{
    return c->out_tail != c->out_head;
}

struct xs_conn *xs_store_next_pending(struct xs_store *s, struct xs_conn *prev)
{
    for (struct xs_conn *c = prev ? prev->next : s->conns; c; c = c->next)
        if (!c->broken && xs_conn_has_output(c))
            return c;
    return NULL;
}

/* ---- output queue --------------------------------------------------------------------- */

static uint32_t xs_out_queued(const struct xs_conn *c)
{
    return c->out_tail - c->out_head;
}

/* Make `bytes` contiguous room at the tail (the caller checked the total). */
static void xs_out_make_room(struct xs_conn *c, uint32_t bytes)
{
    if (XS_CONN_OUT_MAX - c->out_tail >= bytes)
        return;
    memmove(c->out, c->out + c->out_head, xs_out_queued(c));
    c->out_tail -= c->out_head;
    c->out_head = 0;
}

char *xs_out_payload(struct xs_conn *c)
{
    xs_out_make_room(c, XS_MSG_MAX);
    return (char *)c->out + c->out_tail + XS_HDR_SIZE;
}

void xs_out_commit(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, uint32_t len)
{
    struct xsd_sockmsg hdr = {.type = type, .req_id = req_id, .tx_id = tx_id, .len = len};

    memcpy(c->out + c->out_tail, &hdr, sizeof(hdr));
    c->out_tail += XS_HDR_SIZE + len;
    c->out_reserved = 0;
}

/* Queue one watch event, or count it as dropped when it does not fit. */
static void xs_out_event(struct xs_conn *c, const char *path, size_t plen, const char *token,
                         size_t tlen)
{
    size_t payload = plen + 1 + tlen + 1;
    char *p;

    if (payload > XENSTORE_PAYLOAD_MAX ||
        XS_HDR_SIZE + payload + xs_out_queued(c) + c->out_reserved > XS_CONN_OUT_MAX) {
        c->events_dropped++;
        return;
    }
    xs_out_make_room(c, (uint32_t)(XS_HDR_SIZE + payload));
    p = (char *)c->out + c->out_tail + XS_HDR_SIZE;
    memcpy(p, path, plen);
    p[plen] = '\0';
    memcpy(p + plen + 1, token, tlen);
    p[plen + 1 + tlen] = '\0';
    {
        struct xsd_sockmsg hdr = {.type = XS_WATCH_EVENT, .len = (uint32_t)payload};

        memcpy(c->out + c->out_tail, &hdr, sizeof(hdr));
    }
    c->out_tail += (uint32_t)(XS_HDR_SIZE + payload);
}

/* ---- watches -------------------------------------------------------------------------- */

static const char *xs_watch_path(const struct xs_conn *c, const struct xs_watch *w)
{
    return c->watch_bytes + w->off;
}

static const char *xs_watch_token(const struct xs_conn *c, const struct xs_watch *w)
{
    return c->watch_bytes + w->off + w->path_len + 1;
}

/* Send the event for path to watch w, relative to the domain's home when the
 * watch was registered with a relative path. */
static void xs_watch_send(struct xs_conn *c, const struct xs_watch *w, const char *path, size_t len)
{
    char home[32];
    int hlen = domb_snprintf(home, sizeof(home), "/local/domain/%u/", c->domid);

    if (w->relative && len > (size_t)hlen && memcmp(path, home, (size_t)hlen) == 0) {
        path += hlen;
        len -= (size_t)hlen;
    }
    xs_out_event(c, path, len, xs_watch_token(c, w), w->token_len);
}

int xs_conn_watch(struct xs_conn *c, const char *path, bool relative, const char *token,
                  struct domb_error *err)
{
    size_t plen = strlen(path), tlen = strlen(token);
    struct xs_watch *w;

    for (uint32_t i = 0; i < c->nwatches; i++) {
        w = &c->watches[i];
        if (w->path_len == plen && w->token_len == tlen &&
            memcmp(xs_watch_path(c, w), path, plen) == 0 &&
            memcmp(xs_watch_token(c, w), token, tlen) == 0)
            return domb_error_set(err, -XEN_EEXIST, "watch on %s with this token exists", path);
    }
    if (c->nwatches == XS_CONN_WATCHES)
        return domb_error_set(err, -XEN_E2BIG, "domain %u has %u watches already", c->domid,
                              XS_CONN_WATCHES);
    if (plen + tlen + 2 > XS_CONN_WATCH_BYTES - c->watch_bytes_used)
        return domb_error_set(err, -XEN_E2BIG, "domain %u's watches would exceed %u bytes",
                              c->domid, XS_CONN_WATCH_BYTES);
    w = &c->watches[c->nwatches++];
    w->off = (uint16_t)c->watch_bytes_used;
    w->path_len = (uint16_t)plen;
    w->token_len = (uint16_t)tlen;
    w->relative = relative;
    memcpy(c->watch_bytes + w->off, path, plen + 1);
    memcpy(c->watch_bytes + w->off + plen + 1, token, tlen + 1);
    c->watch_bytes_used += (uint32_t)(plen + tlen + 2);
    xs_conn_update_watching(c);
    return 0;
}

void xs_conn_fire_new_watch(struct xs_conn *c)
{
    const struct xs_watch *w = &c->watches[c->nwatches - 1];

    xs_watch_send(c, w, xs_watch_path(c, w), w->path_len);
}

int xs_conn_unwatch(struct xs_conn *c, const char *path, const char *token, struct domb_error *err)
{
    size_t plen = strlen(path), tlen = strlen(token);

    for (uint32_t i = 0; i < c->nwatches; i++) {
        struct xs_watch *w = &c->watches[i];
        uint32_t size = w->path_len + w->token_len + 2u, off = w->off;

        if (w->path_len != plen || w->token_len != tlen ||
            memcmp(xs_watch_path(c, w), path, plen) != 0 ||
            memcmp(xs_watch_token(c, w), token, tlen) != 0)
            continue;
        memmove(c->watch_bytes + off, c->watch_bytes + off + size,
                c->watch_bytes_used - off - size);
        c->watch_bytes_used -= size;
        memmove(w, w + 1, (c->nwatches - i - 1) * sizeof(*w));
        c->nwatches--;
        for (uint32_t k = 0; k < c->nwatches; k++)
            if (c->watches[k].off > off)
                c->watches[k].off = (uint16_t)(c->watches[k].off - size);
        xs_conn_update_watching(c);
        return 0;
    }
    return domb_error_set(err, -XEN_ENOENT, "no watch on %s with this token", path);
}

void xs_conn_reset_watches(struct xs_conn *c)
{
    c->nwatches = 0;
    c->watch_bytes_used = 0;
    xs_conn_update_watching(c);
}

/* Does a change of path (exact: only that node) trigger a watch on w? */
static bool xs_watch_matches(const char *w, size_t wlen, const char *path, size_t len, bool exact)
{
    if (wlen == len)
        return memcmp(w, path, len) == 0;
    if (exact || wlen > len || path[0] != '/' || memcmp(w, path, wlen) != 0)
        return false;
    return wlen == 1 || path[wlen] == '/';
}

void xs_watch_fire(struct xs_store *s, const char *path, size_t len, const struct xs_perm *perms,
                   unsigned int nperms, bool exact)
{
    for (struct xs_conn *c = s->watchers; c; c = c->next_watcher) {
        bool may_read = perms ? (xs_perm_for(c->domid, perms, nperms) & XS_PERM_READ) != 0
                              : c->domid == 0; /* "@..." events: the builder's only */

        if (!may_read || c->broken)
            continue;
        for (uint32_t i = 0; i < c->nwatches; i++) {
            const struct xs_watch *w = &c->watches[i];

            if (xs_watch_matches(xs_watch_path(c, w), w->path_len, path, len, exact))
                xs_watch_send(c, w, path, len);
        }
    }
}

/* ---- the ring ------------------------------------------------------------------------- */

static int xs_conn_break(struct xs_conn *c, struct xenstore_domain_interface *ring, uint32_t why,
                         const char *what, uint32_t a, uint32_t b)
{
    c->broken = true;
    /* Tell a guest that reads the field (XENSTORE_SERVER_FEATURE_ERROR). */
    __atomic_store_n(&ring->error, why, __ATOMIC_RELAXED);
    return domb_error_set(&c->error, -XEN_EIO, "domain %u: %s (%u, %u)", c->domid, what, a, b);
}

/* Move queued output into the response ring as far as it has room. */
static int xs_conn_flush(struct xs_conn *c, struct xenstore_domain_interface *ring, bool *notify)
{
    uint32_t cons = xs_ring_load(&ring->rsp_cons);
    uint32_t used = c->rsp_prod - cons, n, done = 0;

    if (used > XENSTORE_RING_SIZE)
        return xs_conn_break(c, ring, XENSTORE_ERROR_RINGIDX,
                             "response ring indexes are impossible: rsp_cons, rsp_prod", cons,
                             c->rsp_prod);
    n = XENSTORE_RING_SIZE - used;
    if (n > xs_out_queued(c))
        n = xs_out_queued(c);
    while (done < n) {
        uint32_t off = MASK_XENSTORE_IDX(c->rsp_prod + done);
        uint32_t chunk = XENSTORE_RING_SIZE - off;

        if (chunk > n - done)
            chunk = n - done;
        memcpy(ring->rsp + off, c->out + c->out_head + done, chunk);
        done += chunk;
    }
    if (n == 0)
        return 0;
    c->out_head += n;
    if (c->out_head == c->out_tail)
        c->out_head = c->out_tail = 0;
    c->rsp_prod += n;
    xs_ring_publish(&ring->rsp_prod, c->rsp_prod);
    *notify = true;
    return 0;
}

/* Copy up to want bytes of requests (prod is the guest's index) into c->in. */
static uint32_t xs_conn_take(struct xs_conn *c, struct xenstore_domain_interface *ring,
                             uint32_t prod, uint32_t want)
{
    uint32_t n = prod - c->req_cons, done = 0;

    if (n > want)
        n = want;
    while (done < n) {
        uint32_t off = MASK_XENSTORE_IDX(c->req_cons + done);
        uint32_t chunk = XENSTORE_RING_SIZE - off;

        if (chunk > n - done)
            chunk = n - done;
        memcpy(c->in + c->in_used + done, ring->req + off, chunk);
        done += chunk;
    }
    c->in_used += n;
    c->req_cons += n;
    xs_ring_publish(&ring->req_cons, c->req_cons);
    return n;
}

int xs_conn_process(struct xs_conn *c, struct xenstore_domain_interface *ring, bool *notify)
{
    struct xsd_sockmsg hdr;
    uint32_t prod;
    int rc;

    *notify = false;
    if (c->broken)
        return c->error.code;
    if (!c->attached) {
        c->req_cons = xs_ring_load(&ring->req_cons);
        c->rsp_prod = xs_ring_load(&ring->rsp_prod);
        c->attached = true;
    }
    rc = xs_conn_flush(c, ring, notify);
    if (rc < 0)
        return rc;
    /* One look at the producer per call: the guest notifies us of more. */
    prod = xs_ring_load(&ring->req_prod);
    if (prod - c->req_cons > XENSTORE_RING_SIZE)
        return xs_conn_break(c, ring, XENSTORE_ERROR_RINGIDX,
                             "request ring indexes are impossible: req_cons, req_prod", c->req_cons,
                             prod);
    while (prod != c->req_cons) {
        /* Take a request only when its answer can be queued. */
        if (xs_out_queued(c) > XS_CONN_OUT_MAX - XS_MSG_MAX)
            break;
        if (c->in_used < XS_HDR_SIZE) {
            xs_conn_take(c, ring, prod, XS_HDR_SIZE - c->in_used);
            *notify = true;
            if (c->in_used < XS_HDR_SIZE)
                break;
        }
        memcpy(&hdr, c->in, sizeof(hdr));
        if (hdr.len > XENSTORE_PAYLOAD_MAX)
            return xs_conn_break(c, ring, XENSTORE_ERROR_PROTO,
                                 "message is longer than the protocol allows: len, max", hdr.len,
                                 XENSTORE_PAYLOAD_MAX);
        if (c->in_used < XS_HDR_SIZE + hdr.len) {
            xs_conn_take(c, ring, prod, XS_HDR_SIZE + hdr.len - c->in_used);
            *notify = true;
            if (c->in_used < XS_HDR_SIZE + hdr.len)
                break;
        }
        c->out_reserved = XS_MSG_MAX;
        c->requests++;
        xs_wire_handle(c, &hdr, (const char *)c->in + XS_HDR_SIZE);
        c->out_reserved = 0;
        c->in_used = 0;
        rc = xs_conn_flush(c, ring, notify);
        if (rc < 0)
            return rc;
    }
    return 0;
}
