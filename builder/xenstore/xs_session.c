/* A connection's output queue and watches, and the store's lists of connections. */
#include "xs_session.h"

#include "xs_perm.h"

#include <domb/errno.h>
#include <domb/lib.h>

/* ---- the store's connections -------------------------------------------------------- */

void xs_session_attach(struct xs_conn *c, struct xs_store *s)
{
    c->store = s;
    c->next = s->conns;
    s->conns = c;
}

/* Keep c on the store's watcher list exactly while it has a watch. */
static void xs_session_update_watching(struct xs_conn *c)
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

void xs_session_detach(struct xs_conn *c)
{
    struct xs_conn **link = &c->store->conns;

    while (*link && *link != c)
        link = &(*link)->next;
    if (*link)
        *link = c->next;
    c->next = NULL;
    c->nwatches = 0;
    xs_session_update_watching(c);
    c->out_head = c->out_tail = 0;
}

struct xs_conn *xs_session_next_pending(struct xs_store *s, struct xs_conn *prev)
{
    for (struct xs_conn *c = prev ? prev->next : s->conns; c; c = c->next)
        if (!c->broken && (xs_out_queued(c) != 0 || c->more_input))
            return c;
    return NULL;
}

/* ---- output queue --------------------------------------------------------------------- */

uint32_t xs_out_queued(const struct xs_conn *c)
{
    return c->out_tail - c->out_head;
}

void xs_out_reserve(struct xs_conn *c, uint32_t bytes)
{
    c->out_reserved = bytes;
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

const uint8_t *xs_out_peek(const struct xs_conn *c)
{
    return c->out + c->out_head;
}

void xs_out_consume(struct xs_conn *c, uint32_t n)
{
    c->out_head += n;
    if (c->out_head == c->out_tail)
        c->out_head = c->out_tail = 0;
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

int xs_watch_add(struct xs_conn *c, const char *path, bool relative, const char *token,
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
    xs_session_update_watching(c);
    return 0;
}

void xs_watch_fire_new(struct xs_conn *c)
{
    const struct xs_watch *w = &c->watches[c->nwatches - 1];

    xs_watch_send(c, w, xs_watch_path(c, w), w->path_len);
}

int xs_watch_remove(struct xs_conn *c, const char *path, const char *token, struct domb_error *err)
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
        xs_session_update_watching(c);
        return 0;
    }
    return domb_error_set(err, -XEN_ENOENT, "no watch on %s with this token", path);
}

void xs_watch_reset(struct xs_conn *c)
{
    c->nwatches = 0;
    c->watch_bytes_used = 0;
    xs_session_update_watching(c);
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
