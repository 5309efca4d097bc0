/* The xenstore wire protocol: decode one request, perform it, queue the answer. */
/*
 * The protocol is io/xs_wire.h's. A request arrives here already copied out
 * of the guest's ring; it is performed on the store as the connection's
 * domain, and the answer goes to the connection's output queue
 * (xs_session.c). Argument rules follow xenstored's: single-argument
 * requests carry exactly one NUL-terminated string; XS_WRITE is a path, NUL,
 * then raw value bytes; relative paths are relative to /local/domain/<domid>.
 * Every malformed request gets an XS_ERROR answer and changes nothing.
 * A request with a tx_id is performed in that transaction of the
 * connection (xs_tx.c); XS_WATCH and XS_UNWATCH ignore it, as xenstored.
 */
#include "xs_wire.h"

#include "xs_session.h"
#include "xs_store.h"
#include "xs_tx.h"

#include <domb/errno.h>
#include <domb/lib.h>

static const struct {
    int code;
    const char *name;
} xs_errors[] = {
    {XEN_EINVAL, "EINVAL"}, {XEN_EACCES, "EACCES"},   {XEN_EEXIST, "EEXIST"},
    {XEN_EISDIR, "EISDIR"}, {XEN_ENOENT, "ENOENT"},   {XEN_ENOMEM, "ENOMEM"},
    {XEN_ENOSPC, "ENOSPC"}, {XEN_EIO, "EIO"},         {XEN_ENOTEMPTY, "ENOTEMPTY"},
    {XEN_ENOSYS, "ENOSYS"}, {XEN_EROFS, "EROFS"},     {XEN_EBUSY, "EBUSY"},
    {XEN_EAGAIN, "EAGAIN"}, {XEN_EISCONN, "EISCONN"}, {XEN_E2BIG, "E2BIG"},
    {XEN_EPERM, "EPERM"},
};

const char *xs_error_name(int code)
{
    for (size_t i = 0; i < ARRAY_SIZE(xs_errors); i++)
        if (-code == xs_errors[i].code)
            return xs_errors[i].name;
    return "EINVAL";
}

/* Permission letters by XS_PERM_* value. */
static const char xs_perm_letters[] = "nrwb";

/* ---- answers -------------------------------------------------------------------------- */

static void xs_reply(struct xs_conn *c, const struct xsd_sockmsg *req, const void *data,
                     uint32_t len)
{
    memcpy(xs_out_payload(c), data, len);
    xs_out_commit(c, req->type, req->req_id, req->tx_id, len);
}

static void xs_reply_string(struct xs_conn *c, const struct xsd_sockmsg *req, const char *s)
{
    xs_reply(c, req, s, (uint32_t)strlen(s) + 1);
}

static void xs_reply_error(struct xs_conn *c, const struct xsd_sockmsg *req, int code)
{
    const char *name = xs_error_name(code);

    c->errors++;
    memcpy(xs_out_payload(c), name, strlen(name) + 1);
    xs_out_commit(c, XS_ERROR, req->req_id, req->tx_id, (uint32_t)strlen(name) + 1);
}

/* ---- arguments ------------------------------------------------------------------------ */

/* How many NUL-terminated strings the payload holds; vec gets the first n. */
static unsigned int xs_strings(const char *p, uint32_t len, const char **vec, unsigned int n)
{
    unsigned int count = 0;
    uint32_t start = 0;

    for (uint32_t i = 0; i < len; i++) {
        if (p[i] != '\0')
            continue;
        if (count < n)
            vec[count] = p + start;
        count++;
        start = i + 1;
    }
    return count;
}

/* Exactly one string, NUL-terminated at the payload's end (xenstored's onearg). */
static const char *xs_one_arg(const char *p, uint32_t len)
{
    const char *vec[1] = {NULL};

    if (len == 0 || p[len - 1] != '\0' || xs_strings(p, len, vec, 1) != 1)
        return NULL;
    return vec[0];
}

/* A decimal number of at most max (no sign, no spaces, 1 to 10 digits). */
static bool xs_parse_uint(const char *s, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    for (; s[i] >= '0' && s[i] <= '9' && i < 10; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    if (i == 0 || s[i] != '\0' || v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Make the request's path absolute in c->path and check it. */
static int xs_canonical(struct xs_conn *c, const char *in, bool allow_special, bool *relative)
{
    size_t len = strlen(in); /* NUL-terminated within the payload */
    int prefix = 0;

    *relative = in[0] != '/' && in[0] != '@';
    if (*relative)
        prefix = domb_snprintf(c->path, sizeof(c->path), "/local/domain/%u/", c->domid);
    if ((size_t)prefix + len > XS_PATH_MAX)
        return -XEN_EINVAL;
    memcpy(c->path + prefix, in, len + 1);
    return xs_path_check(c->path, (size_t)prefix + len, allow_special, NULL);
}

static int xs_canonical_one(struct xs_conn *c, const char *p, uint32_t len)
{
    const char *arg = xs_one_arg(p, len);
    bool relative;

    if (!arg)
        return -XEN_EINVAL;
    return xs_canonical(c, arg, false, &relative);
}

/* ---- requests: each returns < 0 (an error to answer), 0 (answer "OK") or 1 (answered) */

static int xs_do_read(struct xs_conn *c, struct xs_tx *tx, const struct xsd_sockmsg *req,
                      const char *p)
{
    const char *value;
    uint32_t vlen;
    int rc = xs_canonical_one(c, p, req->len);

    if (rc == 0)
        rc = xs_tx_read(c->store, tx, c->domid, c->path, &value, &vlen, NULL);
    if (rc < 0)
        return rc;
    xs_reply(c, req, value, vlen);
    return 1;
}

static int xs_do_write(struct xs_conn *c, struct xs_tx *tx, const struct xsd_sockmsg *req,
                       const char *p)
{
    const char *vec[1] = {NULL};
    bool relative;
    uint32_t plen;
    int rc;

    if (xs_strings(p, req->len, vec, 1) < 1)
        return -XEN_EINVAL;
    plen = (uint32_t)strlen(p) + 1;
    rc = xs_canonical(c, p, false, &relative);
    if (rc == 0)
        rc = xs_tx_write(c->store, tx, c->domid, c->path, p + plen, req->len - plen, NULL);
    return rc;
}

static int xs_do_directory(struct xs_conn *c, struct xs_tx *tx, const struct xsd_sockmsg *req,
                           const char *p)
{
    char *out;
    uint32_t len;
    uint64_t gen;
    bool complete;
    int rc = xs_canonical_one(c, p, req->len);

    if (rc < 0)
        return rc;
    out = xs_out_payload(c);
    rc = xs_tx_directory(c->store, tx, c->domid, c->path, 0, out, XENSTORE_PAYLOAD_MAX, &len,
                         &complete, &gen, NULL);
    if (rc == 0 && !complete)
        rc = -XEN_E2BIG; /* the client falls back to XS_DIRECTORY_PART */
    if (rc < 0)
        return rc;
    xs_out_commit(c, req->type, req->req_id, req->tx_id, len);
    return 1;
}

/* "<generation>\0" then names from a byte offset, and one more "\0" when the
 * list ends there (xenstored's send_directory_part). */
static int xs_do_directory_part(struct xs_conn *c, struct xs_tx *tx, const struct xsd_sockmsg *req,
                                const char *p)
{
    const char *vec[2] = {NULL, NULL};
    uint32_t offset, len;
    uint64_t gen;
    bool complete, relative;
    char *out;
    int rc, glen;

    if (xs_strings(p, req->len, vec, 2) != 2 || !xs_parse_uint(vec[1], UINT32_MAX, &offset))
        return -XEN_EINVAL;
    rc = xs_canonical(c, vec[0], false, &relative);
    if (rc < 0)
        return rc;
    out = xs_out_payload(c);
    rc = xs_tx_directory(c->store, tx, c->domid, c->path, 0, out, 0, &len, &complete, &gen, NULL);
    if (rc < 0)
        return rc;
    glen = domb_snprintf(out, 24, "%llu", (unsigned long long)gen) + 1;
    xs_tx_directory(c->store, tx, c->domid, c->path, offset, out + glen,
                    XENSTORE_PAYLOAD_MAX - (uint32_t)glen - 1, &len, &complete, &gen, NULL);
    if (complete)
        out[glen + len++] = '\0';
    xs_out_commit(c, req->type, req->req_id, req->tx_id, (uint32_t)glen + len);
    return 1;
}

static int xs_do_get_perms(struct xs_conn *c, struct xs_tx *tx, const struct xsd_sockmsg *req,
                           const char *p)
{
    struct xs_perm perms[XS_PERMS_MAX];
    unsigned int n;
    uint32_t len = 0;
    char *out;
    int rc = xs_canonical_one(c, p, req->len);

    if (rc == 0)
        rc = xs_tx_get_perms(c->store, tx, c->domid, c->path, perms, &n, NULL);
    if (rc < 0)
        return rc;
    out = xs_out_payload(c);
    for (unsigned int i = 0; i < n; i++)
        len += (uint32_t)domb_snprintf(out + len, 8, "%c%u", xs_perm_letters[perms[i].perm & 3],
                                       perms[i].domid) +
               1;
    xs_out_commit(c, req->type, req->req_id, req->tx_id, len);
    return 1;
}

static int xs_do_set_perms(struct xs_conn *c, struct xs_tx *tx, const struct xsd_sockmsg *req,
                           const char *p)
{
    const char *vec[1 + XS_PERMS_MAX];
    struct xs_perm perms[XS_PERMS_MAX];
    unsigned int n = xs_strings(p, req->len, vec, ARRAY_SIZE(vec));
    bool relative;
    int rc;

    if (n < 2)
        return -XEN_EINVAL;
    if (n - 1 > XS_PERMS_MAX)
        return -XEN_ENOSPC;
    for (unsigned int i = 1; i < n; i++) {
        uint8_t bits = 0;
        uint32_t id;

        while (bits < 4 && xs_perm_letters[bits] != vec[i][0])
            bits++;
        if (bits == 4 || !xs_parse_uint(vec[i] + 1, 0xffff, &id))
            return -XEN_EINVAL;
        perms[i - 1] = (struct xs_perm){(domid_t)id, bits};
    }
    rc = xs_canonical(c, vec[0], false, &relative);
    if (rc == 0)
        rc = xs_tx_set_perms(c->store, tx, c->domid, c->path, perms, n - 1, NULL);
    return rc;
}

static int xs_do_watch(struct xs_conn *c, const struct xsd_sockmsg *req, const char *p, bool add)
{
    const char *vec[2] = {NULL, NULL};
    bool relative;
    int rc;

    if (xs_strings(p, req->len, vec, 2) != 2)
        return -XEN_EINVAL;
    rc = xs_canonical(c, vec[0], true, &relative);
    if (rc < 0)
        return rc;
    if (!add)
        return xs_watch_remove(c, c->path, vec[1], NULL);
    rc = xs_watch_add(c, c->path, relative, vec[1], NULL);
    if (rc == 0) {
        /* xenstored answers, then fires the new watch once at once. */
        xs_reply_string(c, req, "OK");
        xs_watch_fire_new(c);
        return 1;
    }
    return rc;
}

/* Transactions are isolated and commit atomically (xs_tx.c, docs/xenstore.md). */
static int xs_do_transaction_start(struct xs_conn *c, struct xs_tx *tx,
                                   const struct xsd_sockmsg *req)
{
    char id[16];
    int rc;

    if (tx)
        return -XEN_EBUSY; /* no nested transactions */
    rc = xs_tx_start(c->store, c, c->domid, &tx, NULL);
    if (rc < 0)
        return rc;
    domb_snprintf(id, sizeof(id), "%u", tx->id);
    xs_reply_string(c, req, id);
    return 1;
}

/* "T" commits (EAGAIN, ENOSPC: nothing applied), "F" discards; either way
 * the transaction ends. */
static int xs_do_transaction_end(struct xs_conn *c, struct xs_tx *tx, const struct xsd_sockmsg *req,
                                 const char *p)
{
    const char *arg = xs_one_arg(p, req->len);

    (void)c;
    if (!arg || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
        return -XEN_EINVAL;
    if (!tx)
        return -XEN_ENOENT;
    return xs_tx_end(tx, arg[0] == 'T', NULL);
}

static int xs_do_get_domain_path(struct xs_conn *c, const struct xsd_sockmsg *req, const char *p)
{
    const char *arg = xs_one_arg(p, req->len);
    uint32_t domid;
    char path[32];

    if (!arg || !xs_parse_uint(arg, 0xffff, &domid))
        return -XEN_EINVAL;
    domb_snprintf(path, sizeof(path), "/local/domain/%u", domid);
    xs_reply_string(c, req, path);
    return 1;
}

static int xs_do_is_introduced(struct xs_conn *c, const struct xsd_sockmsg *req, const char *p)
{
    const char *arg = xs_one_arg(p, req->len);
    uint32_t domid;

    if (c->domid != 0)
        return -XEN_EACCES;
    if (!arg || !xs_parse_uint(arg, 0xffff, &domid))
        return -XEN_EINVAL;
    xs_reply_string(c, req, xs_store_domain_introduced(c->store, (domid_t)domid) ? "T" : "F");
    return 1;
}

/* Perform one request (in transaction tx, or NULL): < 0 an error to
 * answer, 0 answer "OK", 1 answered. */
static int xs_dispatch(struct xs_conn *c, struct xs_tx *tx, const struct xsd_sockmsg *req,
                       const char *p)
{
    int rc;

    switch (req->type) {
    case XS_READ:
        return xs_do_read(c, tx, req, p);
    case XS_WRITE:
        return xs_do_write(c, tx, req, p);
    case XS_MKDIR:
        rc = xs_canonical_one(c, p, req->len);
        return rc < 0 ? rc : xs_tx_mkdir(c->store, tx, c->domid, c->path, NULL);
    case XS_RM:
        rc = xs_canonical_one(c, p, req->len);
        return rc < 0 ? rc : xs_tx_rm(c->store, tx, c->domid, c->path, NULL);
    case XS_DIRECTORY:
        return xs_do_directory(c, tx, req, p);
    case XS_DIRECTORY_PART:
        return xs_do_directory_part(c, tx, req, p);
    case XS_GET_PERMS:
        return xs_do_get_perms(c, tx, req, p);
    case XS_SET_PERMS:
        return xs_do_set_perms(c, tx, req, p);
    case XS_WATCH:
    case XS_UNWATCH:
        return xs_do_watch(c, req, p, req->type == XS_WATCH);
    case XS_TRANSACTION_START:
        return xs_do_transaction_start(c, tx, req);
    case XS_TRANSACTION_END:
        return xs_do_transaction_end(c, tx, req, p);
    case XS_GET_DOMAIN_PATH:
        return xs_do_get_domain_path(c, req, p);
    case XS_IS_DOMAIN_INTRODUCED:
        return xs_do_is_introduced(c, req, p);
    case XS_RESET_WATCHES:
        /* xenstored: drops the watches and the transactions. */
        xs_watch_reset(c);
        xs_store_tx_drop_owner(c->store, c);
        return 0;
    case XS_INTRODUCE:
    case XS_RELEASE:
    case XS_RESUME:
    case XS_SET_TARGET:
        /* Privileged in xenstored; the builder uses the C API instead. */
        return c->domid == 0 ? -XEN_ENOSYS : -XEN_EACCES;
    default: /* XS_CONTROL/XS_DEBUG, XS_WATCH_EVENT, XS_ERROR, unknown */
        return -XEN_ENOSYS;
    }
}

void xs_wire_init(struct xs_conn *c)
{
    c->next_tx = 1;
}

/* Types that ignore the tx_id (xenstored's XS_FLAG_NOTID), and those only
 * the privileged may send (XS_FLAG_PRIV; checked before the tx_id). */
static bool xs_type_notid(uint32_t type)
{
    return type == XS_WATCH || type == XS_UNWATCH;
}

static bool xs_type_priv(uint32_t type)
{
    return type == XS_INTRODUCE || type == XS_RELEASE || type == XS_RESUME ||
           type == XS_SET_TARGET || type == XS_IS_DOMAIN_INTRODUCED;
}

void xs_wire_handle(struct xs_conn *c, const struct xsd_sockmsg *req, const char *payload)
{
    struct xs_tx *tx = NULL;
    int rc = 0;

    if (xs_type_priv(req->type) && c->domid != 0)
        rc = -XEN_EACCES;
    /* A request in a transaction needs that transaction open (xenstored). */
    else if (req->tx_id != 0 && !xs_type_notid(req->type) &&
             !(tx = xs_tx_find(c->store, c, req->tx_id)))
        rc = -XEN_ENOENT;
    if (rc == 0)
        rc = xs_dispatch(c, tx, req, payload);
    if (rc < 0)
        xs_reply_error(c, req, rc);
    else if (rc == 0)
        xs_reply_string(c, req, "OK");
}
