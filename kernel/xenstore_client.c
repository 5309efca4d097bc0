/* The guests' xenstore client: requests over the shared ring, bounded waits, queued events. */
#include <domb/errno.h>
#include <domb/lib.h>
#include <kernel/xenstore_client.h>

#define HDR sizeof(struct xsd_sockmsg)

/* The other side's indexes are read with acquire, ours published with
 * release (the ring protocol of io/xs_wire.h). */
#define LOAD(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

__attribute__((format(printf, 2, 3))) static int xs_client_break(struct xs_client *c,
                                                                 const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    domb_error_vset(&c->error, -XEN_EIO, fmt, ap);
    va_end(ap);
    c->broken = true;
    return -XEN_EIO;
}

void xs_client_init(struct xs_client *c, void *ring, const struct xs_client_env *env)
{
    memset(c, 0, sizeof(*c));
    c->ring = ring;
    c->env = *env;
}

static uint64_t now(const struct xs_client *c)
{
    return c->env.now_ns(c->env.arg);
}

/* Wait for the server until deadline; false when it has passed. */
static bool wait_until(struct xs_client *c, uint64_t deadline)
{
    uint64_t t = now(c);

    if (t >= deadline)
        return false;
    c->env.wait(c->env.arg, deadline - t);
    return true;
}

/* Put len bytes into the request ring, waiting for room until deadline. */
static int put(struct xs_client *c, const void *data, size_t len, uint64_t deadline)
{
    struct xenstore_domain_interface *r = c->ring;
    const char *p = data;

    while (len) {
        XENSTORE_RING_IDX cons = LOAD(&r->req_cons), prod = r->req_prod;
        XENSTORE_RING_IDX used = prod - cons;

        if (used > XENSTORE_RING_SIZE)
            return xs_client_break(c, "the request ring's indexes are nonsense (%u in use)", used);
        if (used == XENSTORE_RING_SIZE) {
            c->env.notify(c->env.arg);
            if (!wait_until(c, deadline))
                /* part of a request is in the ring: the stream is lost */
                return xs_client_break(c, "the server took no request bytes in time");
            continue;
        }
        while (len && prod - cons < XENSTORE_RING_SIZE) {
            r->req[MASK_XENSTORE_IDX(prod)] = *p++;
            prod++;
            len--;
        }
        STORE(&r->req_prod, prod);
    }
    return 0;
}

/* Move response bytes into c->in; 1 once it holds a whole message, 0 when
 * more must come, negative once broken. */
static int take(struct xs_client *c)
{
    struct xenstore_domain_interface *r = c->ring;
    XENSTORE_RING_IDX prod = LOAD(&r->rsp_prod), cons = r->rsp_cons;
    bool moved = false;
    struct xsd_sockmsg h;

    if (prod - cons > XENSTORE_RING_SIZE)
        return xs_client_break(c, "the response ring's indexes are nonsense (%u in use)",
                               prod - cons);
    for (;;) {
        uint32_t want = HDR;

        if (c->in_used >= HDR) {
            memcpy(&h, c->in, HDR);
            want = (uint32_t)HDR + h.len;
        }
        if (c->in_used == want && c->in_used >= HDR)
            break;
        if (cons == prod)
            break;
        c->in[c->in_used++] = (uint8_t)r->rsp[MASK_XENSTORE_IDX(cons)];
        cons++;
        moved = true;
        if (c->in_used == HDR) {
            memcpy(&h, c->in, HDR);
            if (h.len > XENSTORE_PAYLOAD_MAX)
                return xs_client_break(c, "a message of %u bytes, more than xenstore's %u", h.len,
                                       XENSTORE_PAYLOAD_MAX);
        }
    }
    if (moved) {
        STORE(&r->rsp_cons, cons);
        c->env.notify(c->env.arg); /* the server may wait for room */
    }
    if (c->in_used < HDR)
        return 0;
    memcpy(&h, c->in, HDR);
    return c->in_used == HDR + h.len;
}

static void queue_event(struct xs_client *c, const uint8_t *payload, uint32_t len)
{
    const char *path = (const char *)payload, *token;
    size_t plen = strnlen(path, len), tlen;

    if (plen >= len) {
        c->events_dropped++; /* no NUL after the path */
        return;
    }
    token = path + plen + 1;
    tlen = strnlen(token, len - plen - 1);
    if (c->nr_events == XS_CLIENT_EVENTS || plen >= XS_CLIENT_EVENT_PATH ||
        tlen >= XS_CLIENT_TOKEN) {
        c->events_dropped++;
        return;
    }
    memcpy(c->events[c->nr_events].path, path, plen);
    c->events[c->nr_events].path[plen] = '\0';
    memcpy(c->events[c->nr_events].token, token, tlen);
    c->events[c->nr_events].token[tlen] = '\0';
    c->nr_events++;
}

/* Take messages, queueing watch events, until the answer to want_id is in
 * c->in (1), nothing complete is left (0), or the client broke. Answers to
 * requests that timed out earlier are dropped. */
static int pump(struct xs_client *c, uint32_t want_id)
{
    for (;;) {
        struct xsd_sockmsg h;
        int rc = take(c);

        if (rc <= 0)
            return rc;
        memcpy(&h, c->in, HDR);
        if (h.type == XS_WATCH_EVENT) {
            queue_event(c, c->in + HDR, h.len);
            c->in_used = 0;
            continue;
        }
        if (want_id && h.req_id == want_id)
            return 1;
        c->in_used = 0;
    }
}

static const struct {
    const char *name;
    int code;
} error_names[] = {
    {"EINVAL", XEN_EINVAL}, {"EACCES", XEN_EACCES},   {"EEXIST", XEN_EEXIST},
    {"EISDIR", XEN_EISDIR}, {"ENOENT", XEN_ENOENT},   {"ENOMEM", XEN_ENOMEM},
    {"ENOSPC", XEN_ENOSPC}, {"EIO", XEN_EIO},         {"ENOTEMPTY", XEN_ENOTEMPTY},
    {"ENOSYS", XEN_ENOSYS}, {"EROFS", XEN_EROFS},     {"EBUSY", XEN_EBUSY},
    {"EAGAIN", XEN_EAGAIN}, {"EISCONN", XEN_EISCONN}, {"E2BIG", XEN_E2BIG},
    {"EPERM", XEN_EPERM},
};

static int error_code(const uint8_t *payload, uint32_t len)
{
    size_t n = strnlen((const char *)payload, len);

    for (size_t i = 0; i < ARRAY_SIZE(error_names); i++)
        if (strlen(error_names[i].name) == n && memcmp(error_names[i].name, payload, n) == 0)
            return -error_names[i].code;
    return -XEN_EIO;
}

/*
 * One request (payload = a then b) and its answer, whose payload goes to
 * out (out_size bytes; *out_len its length). Returns 0 or a negative errno.
 */
static int request(struct xs_client *c, uint32_t type, const void *a, size_t alen, const void *b,
                   size_t blen, uint64_t timeout_ns, void *out, size_t out_size, size_t *out_len)
{
    struct xsd_sockmsg h = {.type = type};
    uint64_t deadline = now(c) + timeout_ns;
    int rc;

    if (c->broken)
        return -XEN_EIO;
    if (alen + blen > XENSTORE_PAYLOAD_MAX)
        return -XEN_E2BIG;
    if (++c->next_req_id == 0)
        c->next_req_id = 1;
    h.req_id = c->next_req_id;
    h.len = (uint32_t)(alen + blen);
    if ((rc = put(c, &h, HDR, deadline)) != 0 || (rc = put(c, a, alen, deadline)) != 0 ||
        (rc = put(c, b, blen, deadline)) != 0)
        return rc;
    c->env.notify(c->env.arg);
    while ((rc = pump(c, h.req_id)) == 0)
        if (!wait_until(c, deadline))
            return -XEN_ETIMEDOUT;
    if (rc < 0)
        return rc;
    memcpy(&h, c->in, HDR);
    c->in_used = 0;
    if (h.type == XS_ERROR)
        return error_code(c->in + HDR, h.len);
    if (h.type != type)
        return xs_client_break(c, "request %u of type %u was answered with type %u", h.req_id, type,
                               h.type);
    if (out_len)
        *out_len = h.len;
    if (h.len > out_size)
        return -XEN_E2BIG;
    memcpy(out, c->in + HDR, h.len);
    return 0;
}

int xs_client_read(struct xs_client *c, const char *path, char *buf, size_t size,
                   uint64_t timeout_ns)
{
    size_t len = 0;
    int rc;

    if (size == 0)
        return -XEN_E2BIG;
    rc = request(c, XS_READ, path, strlen(path) + 1, NULL, 0, timeout_ns, buf, size - 1, &len);
    if (rc)
        return rc;
    buf[len] = '\0';
    return (int)len;
}

int xs_client_write(struct xs_client *c, const char *path, const void *value, size_t len,
                    uint64_t timeout_ns)
{
    char ok[8];

    return request(c, XS_WRITE, path, strlen(path) + 1, value, len, timeout_ns, ok, sizeof(ok),
                   NULL);
}

int xs_client_watch(struct xs_client *c, const char *path, const char *token, uint64_t timeout_ns)
{
    char ok[8];

    return request(c, XS_WATCH, path, strlen(path) + 1, token, strlen(token) + 1, timeout_ns, ok,
                   sizeof(ok), NULL);
}

int xs_client_event(struct xs_client *c, struct xs_client_event *ev)
{
    if (c->broken)
        return -XEN_EIO;
    if (pump(c, 0) < 0)
        return -XEN_EIO;
    if (c->nr_events == 0)
        return 0;
    *ev = c->events[0];
    memmove(c->events, c->events + 1, (c->nr_events - 1) * sizeof(c->events[0]));
    c->nr_events--;
    return 1;
}
