/*
 * db-server messages: encoders, validating decoders and the server's policy
 * helpers (<proto/protocol.h>, docs/protocol.md).
 *
 * A decoder treats its input as hostile: it reads only inside the message's
 * buffer, checks every byte it does not use (reserved bytes zero, strings
 * NUL-terminated and NUL-padded) and accepts exactly one encoding per message.
 * An encoder writes the bytes and then runs the decoder over them, so it can
 * never emit a message the other side would reject.
 */
#include <domb/errno.h>
#include <domb/byteorder.h>
#include <proto/format.h>
#include <proto/protocol.h>

/* The layouts: common framing, contiguous fields, everything inside a slot. */
_Static_assert(PROTO_OFF_MAGIC == FORMAT_OFF_MAGIC && PROTO_OFF_VERSION == FORMAT_OFF_VERSION &&
                   PROTO_OFF_FLAGS == FORMAT_OFF_FLAGS && PROTO_OFF_SIZE == FORMAT_OFF_SIZE,
               "common framing");
_Static_assert(PROTO_OFF_TYPE == PROTO_OFF_SIZE + 4, "layout");
_Static_assert(PROTO_REQ_OFF_RESERVED == PROTO_OFF_TYPE + 2, "layout");
_Static_assert(PROTO_OFF_ID == PROTO_REQ_OFF_RESERVED + PROTO_REQ_RESERVED_SIZE, "layout");
_Static_assert(PROTO_REQ_HDR_SIZE == PROTO_OFF_ID + 8, "layout");
_Static_assert(PROTO_RSP_OFF_ERROR == PROTO_OFF_TYPE + 2, "layout");
_Static_assert(PROTO_RSP_OFF_STATUS == PROTO_RSP_OFF_ERROR + 2, "layout");
_Static_assert(PROTO_OFF_ID == PROTO_RSP_OFF_STATUS + 4, "layout");
_Static_assert(PROTO_RSP_OFF_REASON == PROTO_OFF_ID + 8, "layout");
_Static_assert(PROTO_RSP_HDR_SIZE == PROTO_RSP_OFF_REASON + PROTO_REASON_SIZE, "layout");
_Static_assert(PROTO_BUILD_OFF_FLAGS == PROTO_REQ_HDR_SIZE, "layout");
_Static_assert(PROTO_BUILD_OFF_RESERVED == PROTO_BUILD_OFF_FLAGS + 4, "layout");
_Static_assert(PROTO_BUILD_OFF_SPEC == PROTO_BUILD_OFF_RESERVED + 4, "layout");
_Static_assert(PROTO_DOMID_OFF_DOMID == PROTO_REQ_HDR_SIZE, "layout");
_Static_assert(PROTO_DOMID_OFF_RESERVED == PROTO_DOMID_OFF_DOMID + 2, "layout");
_Static_assert(PROTO_DOMID_REQ_SIZE == PROTO_DOMID_OFF_RESERVED + 6, "layout");
_Static_assert(PROTO_LIST_OFF_CURSOR == PROTO_REQ_HDR_SIZE, "layout");
_Static_assert(PROTO_LIST_OFF_RESERVED == PROTO_LIST_OFF_CURSOR + 4, "layout");
_Static_assert(PROTO_LIST_REQ_SIZE == PROTO_LIST_OFF_RESERVED + 4, "layout");
_Static_assert(PROTO_PING_OFF_LEN == PROTO_PING_OFF_NONCE + 8, "layout");
_Static_assert(PROTO_PING_OFF_RESERVED == PROTO_PING_OFF_LEN + 2, "layout");
_Static_assert(PROTO_PING_OFF_PAYLOAD == PROTO_PING_OFF_RESERVED + 6, "layout");
_Static_assert(PROTO_PING_BODY_SIZE == PROTO_PING_OFF_PAYLOAD + PROTO_PING_PAYLOAD_MAX, "layout");
_Static_assert(PROTO_BUILT_OFF_DOMID == PROTO_RSP_HDR_SIZE, "layout");
_Static_assert(PROTO_BUILT_OFF_RESERVED == PROTO_BUILT_OFF_DOMID + 2, "layout");
_Static_assert(PROTO_BUILT_OFF_CONSOLE_PORT == PROTO_BUILT_OFF_RESERVED + 2, "layout");
_Static_assert(PROTO_BUILT_OFF_STORE_PORT == PROTO_BUILT_OFF_CONSOLE_PORT + 4, "layout");
_Static_assert(PROTO_BUILT_OFF_FLAGS == PROTO_BUILT_OFF_STORE_PORT + 4, "layout");
_Static_assert(PROTO_BUILT_OFF_START_INFO_MFN == PROTO_BUILT_OFF_FLAGS + 4, "layout");
_Static_assert(PROTO_BUILT_OFF_CONSOLE_MFN == PROTO_BUILT_OFF_START_INFO_MFN + 8, "layout");
_Static_assert(PROTO_BUILT_OFF_STORE_MFN == PROTO_BUILT_OFF_CONSOLE_MFN + 8, "layout");
_Static_assert(PROTO_BUILT_OFF_NR_PAGES == PROTO_BUILT_OFF_STORE_MFN + 8, "layout");
_Static_assert(PROTO_BUILT_OFF_BUILD_NS == PROTO_BUILT_OFF_NR_PAGES + 8, "layout");
_Static_assert(PROTO_BUILT_OFF_HYPERCALLS == PROTO_BUILT_OFF_BUILD_NS + 8, "layout");
_Static_assert(PROTO_BUILT_OFF_RESERVED2 == PROTO_BUILT_OFF_HYPERCALLS + 4, "layout");
_Static_assert(PROTO_BUILT_OFF_KERNEL_SHA256 == PROTO_BUILT_OFF_RESERVED2 + 4, "layout");
_Static_assert(PROTO_BUILT_OFF_RAMDISK_SHA256 == PROTO_BUILT_OFF_KERNEL_SHA256 + 32, "layout");
_Static_assert(PROTO_BUILD_RSP_SIZE == PROTO_BUILT_OFF_RAMDISK_SHA256 + 32, "layout");
_Static_assert(PROTO_DOMID_RSP_OFF_DOMID == PROTO_RSP_HDR_SIZE, "layout");
_Static_assert(PROTO_DOMID_RSP_SIZE == PROTO_DOMID_RSP_OFF_RESERVED + 6, "layout");
_Static_assert(PROTO_STATUS_OFF_DOMID == PROTO_RSP_HDR_SIZE, "layout");
_Static_assert(PROTO_STATUS_OFF_STATE == PROTO_STATUS_OFF_DOMID + 2, "layout");
_Static_assert(PROTO_STATUS_OFF_SHUTDOWN == PROTO_STATUS_OFF_STATE + 1, "layout");
_Static_assert(PROTO_STATUS_OFF_RESERVED == PROTO_STATUS_OFF_SHUTDOWN + 1, "layout");
_Static_assert(PROTO_STATUS_OFF_NR_PAGES == PROTO_STATUS_OFF_RESERVED + 4, "layout");
_Static_assert(PROTO_STATUS_RSP_SIZE == PROTO_STATUS_OFF_NR_PAGES + 8, "layout");
_Static_assert(PROTO_LIST_OFF_COUNT == PROTO_RSP_HDR_SIZE, "layout");
_Static_assert(PROTO_LIST_OFF_FLAGS == PROTO_LIST_OFF_COUNT + 2, "layout");
_Static_assert(PROTO_LIST_OFF_NEXT_CURSOR == PROTO_LIST_OFF_FLAGS + 2, "layout");
_Static_assert(PROTO_LIST_OFF_ENTRIES == PROTO_LIST_OFF_NEXT_CURSOR + 4, "layout");
_Static_assert(PROTO_ENTRY_OFF_RESERVED == PROTO_ENTRY_OFF_STATE + 1, "layout");
_Static_assert(PROTO_ENTRY_OFF_MEMORY_KIB == PROTO_ENTRY_OFF_RESERVED + 5, "layout");
_Static_assert(PROTO_ENTRY_OFF_NAME == PROTO_ENTRY_OFF_MEMORY_KIB + 8, "layout");
_Static_assert(PROTO_LIST_ENTRY_SIZE == PROTO_ENTRY_OFF_NAME + VM_NAME_MAX + 1, "layout");
_Static_assert(PROTO_BUILD_REQ_SIZE <= PROTO_MSG_MAX && PROTO_BUILD_REQ_V3_SIZE <= PROTO_MSG_MAX &&
                   PROTO_BUILD_REQ_V4_SIZE <= PROTO_MSG_MAX,
               "a build request fits a slot, with any spec");
_Static_assert(PROTO_LIST_RSP_SIZE(PROTO_LIST_MAX) <= PROTO_MSG_MAX, "a full list fits a slot");
_Static_assert(PROTO_BUILD_RSP_SIZE <= PROTO_MSG_MAX && PROTO_PING_RSP_SIZE <= PROTO_MSG_MAX,
               "responses fit a slot");
_Static_assert(PROTO_SHUTDOWN_MAX == 5, "Xen's SHUTDOWN_MAX (xen/sched.h)");
/* Protocol error values keep clear of Xen's errnos (all below 256; the unit
 * test test_protocol_errors checks every XEN_E* one by one). */
_Static_assert(PROTO_RC_FIRST < -255 && PROTO_RC_LAST == -(PROTO_ERR_BASE + PROTO_ERR_COUNT - 1),
               "protocol error values");
_Static_assert(PROTO_RC(PROTO_OK) == 0, "PROTO_OK is success");

#define PROTO_RESERVED_BUILD  4 /* build request, u32 after the flags */
#define PROTO_RESERVED_DOMID  6 /* domid request/response, after the u16 domid */
#define PROTO_RESERVED_LIST   4
#define PROTO_RESERVED_PING   6
#define PROTO_RESERVED_BUILT  2
#define PROTO_RESERVED_STATUS 4
#define PROTO_RESERVED_ENTRY  5

/* Per type: name and fixed sizes (the list response's size depends on its count). */
static const struct {
    const char *name;
    uint32_t req_size, rsp_size;
} proto_types[PROTO_TYPE_COUNT] = {
    [PROTO_TYPE_NONE] = {"none", 0, 0},
    [PROTO_TYPE_BUILD] = {"build", PROTO_BUILD_REQ_SIZE, PROTO_BUILD_RSP_SIZE},
    [PROTO_TYPE_UNPAUSE] = {"unpause", PROTO_DOMID_REQ_SIZE, PROTO_DOMID_RSP_SIZE},
    [PROTO_TYPE_DESTROY] = {"destroy", PROTO_DOMID_REQ_SIZE, PROTO_DOMID_RSP_SIZE},
    [PROTO_TYPE_LIST] = {"list", PROTO_LIST_REQ_SIZE, 0},
    [PROTO_TYPE_STATUS] = {"status", PROTO_DOMID_REQ_SIZE, PROTO_STATUS_RSP_SIZE},
    [PROTO_TYPE_PING] = {"ping", PROTO_PING_REQ_SIZE, PROTO_PING_RSP_SIZE},
};

static const struct {
    const char *name;
    int errno_value;
} proto_errors[PROTO_ERR_COUNT] = {
    [PROTO_OK] = {"OK", 0},
    [PROTO_ERR_BAD_MAGIC] = {"BAD_MAGIC", -XEN_EBADMSG},
    [PROTO_ERR_VERSION] = {"VERSION", -XEN_EOPNOTSUPP},
    [PROTO_ERR_UNKNOWN_TYPE] = {"UNKNOWN_TYPE", -XEN_ENOSYS},
    [PROTO_ERR_BAD_LENGTH] = {"BAD_LENGTH", -XEN_EMSGSIZE},
    [PROTO_ERR_BAD_FIELD] = {"BAD_FIELD", -XEN_EINVAL},
    [PROTO_ERR_BAD_SPEC] = {"BAD_SPEC", -XEN_EINVAL},
    [PROTO_ERR_NO_IMAGE] = {"NO_IMAGE", -XEN_ENOENT},
    [PROTO_ERR_NO_MEMORY] = {"NO_MEMORY", -XEN_ENOMEM},
    [PROTO_ERR_QUOTA] = {"QUOTA", -XEN_ENOSPC},
    [PROTO_ERR_NOT_OWNER] = {"NOT_OWNER", -XEN_EPERM},
    [PROTO_ERR_NO_SUCH_DOMAIN] = {"NO_SUCH_DOMAIN", -XEN_ESRCH},
    [PROTO_ERR_BUILD_FAILED] = {"BUILD_FAILED", -XEN_EIO},
    [PROTO_ERR_BUSY] = {"BUSY", -XEN_EBUSY},
    [PROTO_ERR_NOT_AUTHORISED] = {"NOT_AUTHORISED", -XEN_EACCES},
    [PROTO_ERR_SEQUENCE] = {"SEQUENCE", -XEN_EILSEQ},
    [PROTO_ERR_RING_CORRUPT] = {"RING_CORRUPT", -XEN_ENOTCONN},
    [PROTO_ERR_INTERNAL] = {"INTERNAL", -XEN_EFAULT},
};

static const char *const proto_state_names[] = {
    [PROTO_VM_BUILT] = "built", [PROTO_VM_RUNNING] = "running", [PROTO_VM_SHUTDOWN] = "shutdown",
    [PROTO_VM_DYING] = "dying", [PROTO_VM_GONE] = "gone",
};

const char *proto_error_name(enum proto_error code)
{
    return (unsigned)code < PROTO_ERR_COUNT ? proto_errors[code].name : NULL;
}

int proto_error_errno(enum proto_error code)
{
    return (unsigned)code < PROTO_ERR_COUNT ? proto_errors[code].errno_value : -XEN_EFAULT;
}

const char *proto_vm_state_name(enum proto_vm_state state)
{
    if (state < PROTO_VM_STATE_FIRST || state > PROTO_VM_STATE_LAST)
        return NULL;
    return proto_state_names[state];
}

static const char *proto_type_name(unsigned int type)
{
    return type < PROTO_TYPE_COUNT ? proto_types[type].name : "unknown";
}

/* ------------------------------------------------------------------------ */
/* Field helpers shared by requests and responses. */

/* Give an error from another module our code and a "what: " prefix. */
static int msg_rewrap(struct domb_error *err, enum proto_error code, const char *what)
{
    char inner[DOMB_ERROR_MSG_MAX];

    if (!err)
        return PROTO_RC(code);
    memcpy(inner, err->msg, sizeof(inner));
    inner[sizeof(inner) - 1] = '\0';
    return domb_error_set(err, PROTO_RC(code), "%s: %s", what, inner);
}

static int msg_reserved(const uint8_t *b, size_t off, size_t n, struct domb_error *err)
{
    if (format_check_reserved(b, off, n, err))
        return msg_rewrap(err, PROTO_ERR_BAD_FIELD, "message");
    return 0;
}

/* A guest domain id: not dom0, not one of Xen's reserved ids. */
static int msg_check_domid(uint32_t domid, const char *what, struct domb_error *err)
{
    if (domid == 0 || domid > VM_DOMID_MAX)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "%s %u is not a guest domain id (1..%u)", what, domid, VM_DOMID_MAX);
    return 0;
}

static int msg_put_string(uint8_t *b, size_t off, const char *s, size_t field, const char *what,
                          struct domb_error *err)
{
    size_t n = strnlen(s, field);

    if (n == field)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "%s is longer than its %zu-byte field", what, field - 1);
    memcpy(b + off, s, n); /* the rest of the field is already zero */
    return 0;
}

/* A string field: printable ASCII, NUL-terminated inside it, NULs after. */
static int msg_get_string(const uint8_t *b, size_t off, char *dst, size_t field, const char *what,
                          struct domb_error *err)
{
    return format_get_string(b, off, dst, field, PROTO_RC(PROTO_ERR_BAD_FIELD), what, true, err);
}

static int msg_check_flags(uint32_t flags, uint32_t known, const char *what, struct domb_error *err)
{
    if (flags & ~known)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD), "%s 0x%x hold unknown bits 0x%x",
                              what, flags, flags & ~known);
    return 0;
}

/* Magic, version, flags: everything before the type. */
static int msg_check_frame(const uint8_t *b, size_t len, const char *magic, size_t header_size,
                           const char *what, struct domb_error *err)
{
    uint16_t version;

    if (len < header_size)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_LENGTH),
                              "%s is truncated: %zu bytes, less than its %zu-byte header", what,
                              len, header_size);
    if (memcmp(b + PROTO_OFF_MAGIC, magic, FORMAT_MAGIC_SIZE) != 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_MAGIC), "%s magic is not \"%.8s\"", what,
                              magic);
    version = get_le16(b + PROTO_OFF_VERSION);
    if (version != PROTO_VERSION)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_VERSION),
                              "%s version %u is not supported (this build speaks version %u)", what,
                              version, PROTO_VERSION);
    return msg_check_flags(get_le16(b + PROTO_OFF_FLAGS), 0, "header flags", err);
}

/* The size field fits the buffer and is the size this message must have. */
static int msg_check_size(const uint8_t *b, size_t len, uint32_t expected, const char *what,
                          unsigned int type, struct domb_error *err)
{
    uint32_t size = get_le32(b + PROTO_OFF_SIZE);

    if (size > len)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_LENGTH),
                              "%s size field says %u bytes but only %zu are there", what, size,
                              len);
    if (size != expected)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_LENGTH),
                              "a %s %s is %u bytes but its size field says %u",
                              proto_type_name(type), what, expected, size);
    return 0;
}

static void msg_put_header(uint8_t *b, const char *magic, uint32_t size, unsigned int type,
                           uint64_t id)
{
    memset(b, 0, size);
    memcpy(b + PROTO_OFF_MAGIC, magic, FORMAT_MAGIC_SIZE);
    put_le16(b + PROTO_OFF_VERSION, PROTO_VERSION);
    put_le32(b + PROTO_OFF_SIZE, size);
    put_le16(b + PROTO_OFF_TYPE, (uint16_t)type);
    put_le64(b + PROTO_OFF_ID, id);
}

static int msg_check_buffer(size_t need, size_t size, unsigned int type, const char *what,
                            struct domb_error *err)
{
    if (size < need)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_LENGTH),
                              "a %s %s needs %zu bytes; the buffer holds %zu",
                              proto_type_name(type), what, need, size);
    return 0;
}

static int ping_put(uint8_t *body, const struct proto_ping *ping, struct domb_error *err)
{
    if (ping->len > PROTO_PING_PAYLOAD_MAX)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "ping payload of %u bytes; at most %u", ping->len,
                              PROTO_PING_PAYLOAD_MAX);
    put_le64(body + PROTO_PING_OFF_NONCE, ping->nonce);
    put_le16(body + PROTO_PING_OFF_LEN, ping->len);
    memcpy(body + PROTO_PING_OFF_PAYLOAD, ping->payload, ping->len);
    return 0;
}

static int ping_get(const uint8_t *b, size_t base, struct proto_ping *ping, struct domb_error *err)
{
    int rc;

    ping->nonce = get_le64(b + base + PROTO_PING_OFF_NONCE);
    ping->len = get_le16(b + base + PROTO_PING_OFF_LEN);
    if (ping->len > PROTO_PING_PAYLOAD_MAX)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "ping payload of %u bytes; at most %u", ping->len,
                              PROTO_PING_PAYLOAD_MAX);
    if ((rc = msg_reserved(b, base + PROTO_PING_OFF_RESERVED, PROTO_RESERVED_PING, err)))
        return rc;
    if (format_first_nonzero(b, base + PROTO_PING_OFF_PAYLOAD + ping->len,
                             PROTO_PING_PAYLOAD_MAX - ping->len) >= 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "ping payload has non-zero bytes after its %u used bytes", ping->len);
    memcpy(ping->payload, b + base + PROTO_PING_OFF_PAYLOAD, PROTO_PING_PAYLOAD_MAX);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Requests. */

size_t proto_request_size(const struct proto_request *req)
{
    if (req->type == PROTO_TYPE_BUILD)
        return PROTO_BUILD_OFF_SPEC + spec_size_for(&req->build.spec);
    return (unsigned)req->type < PROTO_TYPE_COUNT ? proto_types[req->type].req_size : 0;
}

static int request_decode_body(const uint8_t *b, struct proto_request *req, struct domb_error *err)
{
    int rc;

    switch (req->type) {
    case PROTO_TYPE_BUILD:
        req->build.flags = get_le32(b + PROTO_BUILD_OFF_FLAGS);
        if ((rc = msg_check_flags(req->build.flags, PROTO_BUILD_FLAGS_KNOWN, "build flags", err)))
            return rc;
        if ((rc = msg_reserved(b, PROTO_BUILD_OFF_RESERVED, PROTO_RESERVED_BUILD, err)))
            return rc;
        /* The size field (checked against the two sizes) says which spec follows. */
        if (spec_decode(b + PROTO_BUILD_OFF_SPEC,
                        get_le32(b + PROTO_OFF_SIZE) - PROTO_BUILD_OFF_SPEC, &req->build.spec, err))
            return msg_rewrap(err, PROTO_ERR_BAD_SPEC, "spec");
        return 0;
    case PROTO_TYPE_UNPAUSE:
    case PROTO_TYPE_DESTROY:
    case PROTO_TYPE_STATUS:
        req->domid = get_le16(b + PROTO_DOMID_OFF_DOMID);
        if ((rc = msg_check_domid(req->domid, "domid", err)))
            return rc;
        return msg_reserved(b, PROTO_DOMID_OFF_RESERVED, PROTO_RESERVED_DOMID, err);
    case PROTO_TYPE_LIST:
        req->cursor = get_le32(b + PROTO_LIST_OFF_CURSOR);
        if (req->cursor > VM_DOMID_MAX)
            return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                                  "list cursor %u is above the largest domain id %u", req->cursor,
                                  VM_DOMID_MAX);
        return msg_reserved(b, PROTO_LIST_OFF_RESERVED, PROTO_RESERVED_LIST, err);
    case PROTO_TYPE_PING:
        return ping_get(b, PROTO_REQ_HDR_SIZE, &req->ping, err);
    default:
        return domb_error_set(err, PROTO_RC(PROTO_ERR_INTERNAL), "request type %u has no decoder",
                              req->type);
    }
}

int proto_request_decode(const void *buf, size_t len, struct proto_request *req,
                         struct domb_error *err)
{
    const uint8_t *b = buf;
    uint16_t type;
    int rc;

    memset(req, 0, sizeof(*req));
    if ((rc = msg_check_frame(b, len, PROTO_REQ_MAGIC, PROTO_REQ_HDR_SIZE, "request", err)))
        return rc;
    req->id = get_le64(b + PROTO_OFF_ID);
    type = get_le16(b + PROTO_OFF_TYPE);
    if (type == PROTO_TYPE_NONE || type >= PROTO_TYPE_COUNT)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_UNKNOWN_TYPE), "request type %u is not known",
                              type);
    req->type = type;
    if (type == PROTO_TYPE_BUILD) {
        uint32_t size = get_le32(b + PROTO_OFF_SIZE);

        if (size != PROTO_BUILD_REQ_SIZE && size != PROTO_BUILD_REQ_V3_SIZE &&
            size != PROTO_BUILD_REQ_V4_SIZE && size <= len)
            return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_LENGTH),
                                  "a build request is %u bytes (a version 1 or 2 spec), %u "
                                  "(version 3) or %u (version 4) but its size field says %u",
                                  PROTO_BUILD_REQ_SIZE, PROTO_BUILD_REQ_V3_SIZE,
                                  PROTO_BUILD_REQ_V4_SIZE, size);
        if ((rc = msg_check_size(b, len, size, "request", type, err)))
            return rc;
    } else if ((rc = msg_check_size(b, len, proto_types[type].req_size, "request", type, err))) {
        return rc;
    }
    if ((rc = msg_reserved(b, PROTO_REQ_OFF_RESERVED, PROTO_REQ_RESERVED_SIZE, err)))
        return rc;
    if (req->id == 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "request id 0 is reserved (ids start at 1)");
    return request_decode_body(b, req, err);
}

int proto_request_encode(const struct proto_request *req, void *buf, size_t size,
                         struct domb_error *err)
{
    struct proto_request check;
    uint8_t *b = buf;
    size_t n = proto_request_size(req);
    int rc = 0;

    if (n == 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_UNKNOWN_TYPE), "request type %u is not known",
                              req->type);
    /* A client does not choose the labels of the VMs it asks for (the
     * builder gives them the default, docs/disaggregation.md); a version 5
     * spec would not fit a slot either. */
    if (req->type == PROTO_TYPE_BUILD && req->build.spec.seclabel[0])
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_SPEC),
                              "spec: seclabel '%s': a db-server client cannot choose a VM's "
                              "label",
                              req->build.spec.seclabel);
    if ((rc = msg_check_buffer(n, size, req->type, "request", err)))
        return rc;
    msg_put_header(b, PROTO_REQ_MAGIC, (uint32_t)n, req->type, req->id);
    switch (req->type) {
    case PROTO_TYPE_BUILD:
        put_le32(b + PROTO_BUILD_OFF_FLAGS, req->build.flags);
        if (spec_encode(&req->build.spec, b + PROTO_BUILD_OFF_SPEC, n - PROTO_BUILD_OFF_SPEC, err) <
            0)
            return msg_rewrap(err, PROTO_ERR_BAD_SPEC, "spec");
        break;
    case PROTO_TYPE_UNPAUSE:
    case PROTO_TYPE_DESTROY:
    case PROTO_TYPE_STATUS:
        put_le16(b + PROTO_DOMID_OFF_DOMID, req->domid);
        break;
    case PROTO_TYPE_LIST:
        put_le32(b + PROTO_LIST_OFF_CURSOR, req->cursor);
        break;
    default: /* PROTO_TYPE_PING */
        rc = ping_put(b + PROTO_REQ_HDR_SIZE, &req->ping, err);
        break;
    }
    if (rc || (rc = proto_request_decode(b, n, &check, err)))
        return rc;
    return (int)n;
}

/* ------------------------------------------------------------------------ */
/* Responses. */

size_t proto_response_size(const struct proto_response *rsp)
{
    if ((unsigned)rsp->type >= PROTO_TYPE_COUNT)
        return 0;
    if (rsp->status != 0 || rsp->type == PROTO_TYPE_NONE)
        return PROTO_RSP_HDR_SIZE; /* NONE succeeds never: the encoder's check says so */
    if (rsp->type == PROTO_TYPE_LIST)
        return rsp->list.count <= PROTO_LIST_MAX ? PROTO_LIST_RSP_SIZE(rsp->list.count) : 0;
    return proto_types[rsp->type].rsp_size;
}

static int built_decode(const uint8_t *b, struct proto_build_result *r, struct domb_error *err)
{
    int rc;

    r->domid = get_le16(b + PROTO_BUILT_OFF_DOMID);
    r->console_port = get_le32(b + PROTO_BUILT_OFF_CONSOLE_PORT);
    r->store_port = get_le32(b + PROTO_BUILT_OFF_STORE_PORT);
    r->flags = get_le32(b + PROTO_BUILT_OFF_FLAGS);
    r->start_info_mfn = get_le64(b + PROTO_BUILT_OFF_START_INFO_MFN);
    r->console_mfn = get_le64(b + PROTO_BUILT_OFF_CONSOLE_MFN);
    r->store_mfn = get_le64(b + PROTO_BUILT_OFF_STORE_MFN);
    r->nr_pages = get_le64(b + PROTO_BUILT_OFF_NR_PAGES);
    r->build_ns = get_le64(b + PROTO_BUILT_OFF_BUILD_NS);
    r->hypercalls = get_le32(b + PROTO_BUILT_OFF_HYPERCALLS);
    memcpy(r->kernel_sha256, b + PROTO_BUILT_OFF_KERNEL_SHA256, SHA256_DIGEST_SIZE);
    memcpy(r->ramdisk_sha256, b + PROTO_BUILT_OFF_RAMDISK_SHA256, SHA256_DIGEST_SIZE);
    if ((rc = msg_check_domid(r->domid, "built domid", err)) ||
        (rc = msg_reserved(b, PROTO_BUILT_OFF_RESERVED, PROTO_RESERVED_BUILT, err)) ||
        (rc = msg_reserved(b, PROTO_BUILT_OFF_RESERVED2, 4, err)) ||
        (rc = msg_check_flags(r->flags, PROTO_BUILT_FLAGS_KNOWN, "build result flags", err)))
        return rc;
    if (r->console_port == 0 || r->store_port == 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "event channel port 0 is never a bound port (console %u, store %u)",
                              r->console_port, r->store_port);
    if (r->start_info_mfn >= VM_FRAME_LIMIT || r->console_mfn >= VM_FRAME_LIMIT ||
        r->store_mfn >= VM_FRAME_LIMIT)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "a frame number is beyond 52-bit physical addresses");
    if (r->nr_pages == 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD), "built domain has no memory");
    if (!(r->flags & PROTO_BUILT_RAMDISK) &&
        format_first_nonzero(b, PROTO_BUILT_OFF_RAMDISK_SHA256, SHA256_DIGEST_SIZE) >= 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "ramdisk hash is set but the ramdisk flag is not");
    return 0;
}

static void built_encode(uint8_t *b, const struct proto_build_result *r)
{
    put_le16(b + PROTO_BUILT_OFF_DOMID, r->domid);
    put_le32(b + PROTO_BUILT_OFF_CONSOLE_PORT, r->console_port);
    put_le32(b + PROTO_BUILT_OFF_STORE_PORT, r->store_port);
    put_le32(b + PROTO_BUILT_OFF_FLAGS, r->flags);
    put_le64(b + PROTO_BUILT_OFF_START_INFO_MFN, r->start_info_mfn);
    put_le64(b + PROTO_BUILT_OFF_CONSOLE_MFN, r->console_mfn);
    put_le64(b + PROTO_BUILT_OFF_STORE_MFN, r->store_mfn);
    put_le64(b + PROTO_BUILT_OFF_NR_PAGES, r->nr_pages);
    put_le64(b + PROTO_BUILT_OFF_BUILD_NS, r->build_ns);
    put_le32(b + PROTO_BUILT_OFF_HYPERCALLS, r->hypercalls);
    memcpy(b + PROTO_BUILT_OFF_KERNEL_SHA256, r->kernel_sha256, SHA256_DIGEST_SIZE);
    memcpy(b + PROTO_BUILT_OFF_RAMDISK_SHA256, r->ramdisk_sha256, SHA256_DIGEST_SIZE);
}

static int state_check(unsigned int state, const char *what, struct domb_error *err)
{
    if (state < PROTO_VM_STATE_FIRST || state > PROTO_VM_STATE_LAST)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD), "%s state %u is not known", what,
                              state);
    return 0;
}

static int status_decode(const uint8_t *b, struct proto_vm_status *s, struct domb_error *err)
{
    int rc;

    s->domid = get_le16(b + PROTO_STATUS_OFF_DOMID);
    s->state = b[PROTO_STATUS_OFF_STATE];
    s->shutdown_reason = b[PROTO_STATUS_OFF_SHUTDOWN];
    s->nr_pages = get_le64(b + PROTO_STATUS_OFF_NR_PAGES);
    if ((rc = msg_check_domid(s->domid, "status domid", err)) ||
        (rc = state_check(s->state, "status", err)) ||
        (rc = msg_reserved(b, PROTO_STATUS_OFF_RESERVED, PROTO_RESERVED_STATUS, err)))
        return rc;
    if (s->shutdown_reason > PROTO_SHUTDOWN_MAX)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "shutdown reason %u is not one of Xen's (0..%u)", s->shutdown_reason,
                              PROTO_SHUTDOWN_MAX);
    /* A VM removed by its on_exit policy reads "gone" with the reason it
     * stopped (docs/protocol.md); built and running VMs have none. */
    if (s->state != PROTO_VM_SHUTDOWN && s->state != PROTO_VM_GONE && s->shutdown_reason != 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "shutdown reason %u given for a domain in state %s",
                              s->shutdown_reason, proto_vm_state_name(s->state));
    return 0;
}

static int list_entry_decode(const uint8_t *b, size_t off, unsigned int i,
                             struct proto_list_entry *entry, struct domb_error *err)
{
    const uint8_t *e = b + off;
    char what[32];
    int rc;

    domb_snprintf(what, sizeof(what), "list entry %u", i);
    entry->domid = get_le16(e + PROTO_ENTRY_OFF_DOMID);
    entry->state = e[PROTO_ENTRY_OFF_STATE];
    entry->memory_kib = get_le64(e + PROTO_ENTRY_OFF_MEMORY_KIB);
    if ((rc = msg_check_domid(entry->domid, what, err)) ||
        (rc = state_check(entry->state, what, err)) ||
        (rc = msg_reserved(b, off + PROTO_ENTRY_OFF_RESERVED, PROTO_RESERVED_ENTRY, err)) ||
        (rc = msg_get_string(e, PROTO_ENTRY_OFF_NAME, entry->name, sizeof(entry->name), what, err)))
        return rc;
    if (vm_config_check_name(entry->name, err))
        return msg_rewrap(err, PROTO_ERR_BAD_FIELD, what);
    return 0;
}

static int list_decode(const uint8_t *b, struct proto_list *l, struct domb_error *err)
{
    uint16_t flags = get_le16(b + PROTO_LIST_OFF_FLAGS);
    int rc;

    l->count = get_le16(b + PROTO_LIST_OFF_COUNT); /* bounded by the size check */
    l->more = flags & PROTO_LIST_MORE;
    l->next_cursor = get_le32(b + PROTO_LIST_OFF_NEXT_CURSOR);
    if ((rc = msg_check_flags(flags, PROTO_LIST_FLAGS_KNOWN, "list flags", err)))
        return rc;
    for (unsigned int i = 0; i < l->count; i++) {
        if ((rc = list_entry_decode(b, PROTO_LIST_OFF_ENTRIES + i * PROTO_LIST_ENTRY_SIZE, i,
                                    &l->entries[i], err)))
            return rc;
        if (i > 0 && l->entries[i].domid <= l->entries[i - 1].domid)
            return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                                  "list entry %u (domid %u) is not above the previous domid %u", i,
                                  l->entries[i].domid, l->entries[i - 1].domid);
    }
    if (!l->more && l->next_cursor != 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "list has no more entries but a next cursor %u", l->next_cursor);
    if (l->more && (l->count == 0 || l->next_cursor <= l->entries[l->count - 1].domid ||
                    l->next_cursor > VM_DOMID_MAX))
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "list says more entries follow, but its next cursor %u is not "
                              "above its last entry and at most %u",
                              l->next_cursor, VM_DOMID_MAX);
    return 0;
}

static int list_encode(uint8_t *b, const struct proto_list *l, struct domb_error *err)
{
    int rc;

    put_le16(b + PROTO_LIST_OFF_COUNT, l->count);
    put_le16(b + PROTO_LIST_OFF_FLAGS, l->more ? PROTO_LIST_MORE : 0);
    put_le32(b + PROTO_LIST_OFF_NEXT_CURSOR, l->next_cursor);
    for (unsigned int i = 0; i < l->count; i++) {
        const struct proto_list_entry *entry = &l->entries[i];
        uint8_t *e = b + PROTO_LIST_OFF_ENTRIES + i * PROTO_LIST_ENTRY_SIZE;

        put_le16(e + PROTO_ENTRY_OFF_DOMID, entry->domid);
        e[PROTO_ENTRY_OFF_STATE] = (uint8_t)entry->state;
        put_le64(e + PROTO_ENTRY_OFF_MEMORY_KIB, entry->memory_kib);
        if ((rc = msg_put_string(e, PROTO_ENTRY_OFF_NAME, entry->name, sizeof(entry->name),
                                 "list entry name", err)))
            return rc;
    }
    return 0;
}

/* The size a response must have; for a list it follows the count. */
static int response_check_size(const uint8_t *b, size_t len, const struct proto_response *rsp,
                               struct domb_error *err)
{
    uint32_t expected = PROTO_RSP_HDR_SIZE;

    if (rsp->status == 0 && rsp->type == PROTO_TYPE_LIST) {
        uint32_t size = get_le32(b + PROTO_OFF_SIZE);
        uint16_t count;

        expected = PROTO_LIST_RSP_SIZE(0);
        if (size >= PROTO_LIST_OFF_ENTRIES && size <= len) {
            count = get_le16(b + PROTO_LIST_OFF_COUNT);
            if (count > PROTO_LIST_MAX)
                return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                                      "list holds %u entries; at most %u fit", count,
                                      PROTO_LIST_MAX);
            expected = PROTO_LIST_RSP_SIZE(count);
        }
    } else if (rsp->status == 0) {
        expected = proto_types[rsp->type].rsp_size;
    }
    return msg_check_size(b, len, expected, rsp->status ? "error response" : "response", rsp->type,
                          err);
}

/* Status and error code agree: both zero, or a negative status with a known error. */
static int response_check_status(const struct proto_response *rsp, uint16_t error,
                                 struct domb_error *err)
{
    if (rsp->status == 0 && error == PROTO_OK) {
        if (rsp->type == PROTO_TYPE_NONE)
            return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                                  "a successful response must name its request's type");
        return 0;
    }
    if (rsp->status >= 0 || error == PROTO_OK || error >= PROTO_ERR_COUNT)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "status %d and error code %u do not agree (0 and 0, or negative "
                              "and 1..%u)",
                              rsp->status, error, PROTO_ERR_COUNT - 1);
    return 0;
}

static int response_decode_body(const uint8_t *b, struct proto_response *rsp,
                                struct domb_error *err)
{
    int rc;

    switch (rsp->type) {
    case PROTO_TYPE_BUILD:
        return built_decode(b, &rsp->build, err);
    case PROTO_TYPE_UNPAUSE:
    case PROTO_TYPE_DESTROY:
        rsp->domid = get_le16(b + PROTO_DOMID_RSP_OFF_DOMID);
        if ((rc = msg_check_domid(rsp->domid, "domid", err)))
            return rc;
        return msg_reserved(b, PROTO_DOMID_RSP_OFF_RESERVED, PROTO_RESERVED_DOMID, err);
    case PROTO_TYPE_LIST:
        return list_decode(b, &rsp->list, err);
    case PROTO_TYPE_STATUS:
        return status_decode(b, &rsp->vm_status, err);
    case PROTO_TYPE_PING:
        return ping_get(b, PROTO_RSP_HDR_SIZE, &rsp->ping, err);
    default:
        return domb_error_set(err, PROTO_RC(PROTO_ERR_INTERNAL), "response type %u has no decoder",
                              rsp->type);
    }
}

int proto_response_decode(const void *buf, size_t len, struct proto_response *rsp,
                          struct domb_error *err)
{
    const uint8_t *b = buf;
    uint16_t type, error;
    int rc;

    memset(rsp, 0, sizeof(*rsp));
    if ((rc = msg_check_frame(b, len, PROTO_RSP_MAGIC, PROTO_RSP_HDR_SIZE, "response", err)))
        return rc;
    rsp->id = get_le64(b + PROTO_OFF_ID);
    type = get_le16(b + PROTO_OFF_TYPE);
    if (type >= PROTO_TYPE_COUNT)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_UNKNOWN_TYPE),
                              "response type %u is not known", type);
    rsp->type = type;
    rsp->status = (int32_t)get_le32(b + PROTO_RSP_OFF_STATUS);
    error = get_le16(b + PROTO_RSP_OFF_ERROR);
    if ((rc = response_check_status(rsp, error, err)))
        return rc;
    rsp->error = error;
    if ((rc = response_check_size(b, len, rsp, err)) ||
        (rc = msg_get_string(b, PROTO_RSP_OFF_REASON, rsp->reason, sizeof(rsp->reason), "reason",
                             err)))
        return rc;
    if (rsp->status != 0)
        return 0;
    return response_decode_body(b, rsp, err);
}

int proto_response_encode(const struct proto_response *rsp, void *buf, size_t size,
                          struct domb_error *err)
{
    struct proto_response check;
    uint8_t *b = buf;
    size_t n = proto_response_size(rsp);
    int rc = 0;

    if ((unsigned)rsp->type >= PROTO_TYPE_COUNT)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_UNKNOWN_TYPE),
                              "response type %u is not known", rsp->type);
    if (n == 0)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_BAD_FIELD),
                              "list holds %u entries; at most %u fit", rsp->list.count,
                              PROTO_LIST_MAX);
    if ((rc = msg_check_buffer(n, size, rsp->type, "response", err)))
        return rc;
    msg_put_header(b, PROTO_RSP_MAGIC, (uint32_t)n, rsp->type, rsp->id);
    put_le16(b + PROTO_RSP_OFF_ERROR, (uint16_t)rsp->error);
    put_le32(b + PROTO_RSP_OFF_STATUS, (uint32_t)rsp->status);
    if ((rc = msg_put_string(b, PROTO_RSP_OFF_REASON, rsp->reason, sizeof(rsp->reason), "reason",
                             err)))
        return rc;
    if (rsp->status != 0)
        ; /* an error response has no body */
    else if (rsp->type == PROTO_TYPE_BUILD)
        built_encode(b, &rsp->build);
    else if (rsp->type == PROTO_TYPE_UNPAUSE || rsp->type == PROTO_TYPE_DESTROY)
        put_le16(b + PROTO_DOMID_RSP_OFF_DOMID, rsp->domid);
    else if (rsp->type == PROTO_TYPE_STATUS) {
        put_le16(b + PROTO_STATUS_OFF_DOMID, rsp->vm_status.domid);
        b[PROTO_STATUS_OFF_STATE] = (uint8_t)rsp->vm_status.state;
        b[PROTO_STATUS_OFF_SHUTDOWN] = rsp->vm_status.shutdown_reason;
        put_le64(b + PROTO_STATUS_OFF_NR_PAGES, rsp->vm_status.nr_pages);
    } else if (rsp->type == PROTO_TYPE_LIST)
        rc = list_encode(b, &rsp->list, err);
    else if (rsp->type == PROTO_TYPE_PING)
        rc = ping_put(b + PROTO_RSP_HDR_SIZE, &rsp->ping, err);
    if (rc || (rc = proto_response_decode(b, n, &check, err)))
        return rc;
    return (int)n;
}

static void response_header(struct proto_response *rsp, const struct proto_request *req)
{
    memset(rsp, 0, sizeof(*rsp));
    rsp->type = (unsigned)req->type < PROTO_TYPE_COUNT ? req->type : PROTO_TYPE_NONE;
    rsp->id = req->id;
}

void proto_response_ok(struct proto_response *rsp, const struct proto_request *req)
{
    response_header(rsp, req);
}

void proto_response_error(struct proto_response *rsp, const struct proto_request *req,
                          const struct domb_error *cause)
{
    /* Only a protocol error value names its code; 0, a Xen errno or any
     * other module's error reaching here is answered INTERNAL. */
    enum proto_error code =
        proto_rc_is_error(cause->code) ? proto_error_code(cause->code) : PROTO_ERR_INTERNAL;
    size_t n = 0;

    response_header(rsp, req);
    rsp->error = code;
    rsp->status = proto_error_errno(code);
    /* The reason travels to the client: printable ASCII only. One that
     * does not fit is cut at a word and ends in "..." (never mid-word);
     * the server's log has all of it. */
    for (; n < sizeof(rsp->reason) - 1 && n < sizeof(cause->msg) && cause->msg[n]; n++)
        rsp->reason[n] = (cause->msg[n] >= 0x20 && cause->msg[n] <= 0x7e) ? cause->msg[n] : '?';
    if (n == sizeof(rsp->reason) - 1 && n < sizeof(cause->msg) && cause->msg[n]) {
        size_t cut = sizeof(rsp->reason) - 4; /* room for "..." and the NUL */

        while (cut > 0 && rsp->reason[cut] != ' ')
            cut--;
        while (cut > 0 && (rsp->reason[cut - 1] == ' ' || rsp->reason[cut - 1] == ';' ||
                           rsp->reason[cut - 1] == ',' || rsp->reason[cut - 1] == ':'))
            cut--;
        if (cut == 0) /* one word longer than the field: cut it */
            cut = sizeof(rsp->reason) - 4;
        memcpy(rsp->reason + cut, "...", 4);
        memset(rsp->reason + cut + 4, 0, sizeof(rsp->reason) - cut - 4);
    }
    if (n == 0)
        domb_snprintf(rsp->reason, sizeof(rsp->reason), "%s", proto_error_name(code));
}

/* ------------------------------------------------------------------------ */
/* Server policy. */

int proto_quota_check(const struct proto_quota *limit, const struct proto_usage *used,
                      uint32_t memory_mib, uint32_t devices, struct domb_error *err)
{
    uint64_t total = (uint64_t)used->memory_mib + memory_mib;
    uint64_t total_devices = (uint64_t)used->devices + devices;

    if (used->vms >= limit->max_vms)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_QUOTA),
                              "client already has %u VMs; its limit is %u", used->vms,
                              limit->max_vms);
    if (total > limit->max_memory_mib)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_QUOTA),
                              "%u MiB more would bring the client to %llu MiB; its limit is %u "
                              "MiB",
                              memory_mib, (unsigned long long)total, limit->max_memory_mib);
    if (total_devices > limit->max_devices)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_QUOTA),
                              "%u devices more would bring the client to %llu; its limit is %u",
                              devices, (unsigned long long)total_devices, limit->max_devices);
    return 0;
}

void proto_quota_charge(struct proto_usage *used, uint32_t memory_mib, uint32_t devices)
{
    used->vms++;
    used->memory_mib += memory_mib;
    used->devices += devices;
}

int proto_quota_release(struct proto_usage *used, uint32_t memory_mib, uint32_t devices,
                        struct domb_error *err)
{
    if (used->vms == 0 || used->memory_mib < memory_mib || used->devices < devices)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_INTERNAL),
                              "releasing a %u MiB VM with %u devices from a client charged %u "
                              "VMs, %u MiB and %u devices",
                              memory_mib, devices, used->vms, used->memory_mib, used->devices);
    used->vms--;
    used->memory_mib -= memory_mib;
    used->devices -= devices;
    return 0;
}

int proto_sequence_check(struct proto_sequence *seq, uint64_t id, struct domb_error *err)
{
    if (id <= seq->last_id)
        return domb_error_set(err, PROTO_RC(PROTO_ERR_SEQUENCE),
                              "request id %llu is not above the last accepted id %llu (replayed "
                              "or out of order)",
                              (unsigned long long)id, (unsigned long long)seq->last_id);
    seq->last_id = id;
    return 0;
}
