/*
 * The db-server protocol: how an authorised client domain (the control
 * domain) asks domB's db-server to build, start, stop and list VMs.
 *
 * Transport: one 4 KiB page per client, shared with the server, laid out like
 * a Xen io/ring.h shared ring (req_prod, req_event, rsp_prod, rsp_event, then
 * slots) with exactly one 4032-byte slot, plus an event channel. A build
 * request carries a whole binary VM spec (<proto/spec.h>, 2352 bytes, 3904
 * for a version 3 spec with devices, 3968 for version 4), so two slots do
 * not fit in a page;
 * with one slot the client has at most one request outstanding and the
 * server answers in the same slot, as io/ring.h does. docs/protocol.md
 * documents every byte and the reasons.
 *
 * Messages: version 1, little-endian, fixed layouts given as byte offsets
 * (never C structures). Every message starts with the framing of
 * <proto/format.h> (8-byte magic, u16 version, u16 flags, u32 size), then a
 * u16 type and a u64 request id. Responses add a status, an error code and a
 * reason string.
 *
 * The peer is hostile: it may write anything anywhere in the page at any
 * time. The server copies a request out of the page (one read of each index,
 * bounds checked, one copy of the slot) and decodes only the private copy.
 *
 * Errors: decoders and ring helpers return 0 (or a length/count) or a negative
 * protocol error value, PROTO_RC(PROTO_ERR_BAD_MAGIC) and so on (see "Error
 * codes" below), and fill struct domb_error with the same value and a sentence
 * naming the problem.
 */
#ifndef PROTO_PROTOCOL_H
#define PROTO_PROTOCOL_H

#include <domb/error.h>
#include <domb/sha256.h>
#include <domb/types.h>
#include <proto/spec.h>
#include <proto/vm_config.h>

/* ------------------------------------------------------------------------ */
/*
 * Error codes.
 *
 * enum proto_error is the protocol's own numbering: the u16 `error` field of
 * every response carries it (0 for OK, 1..17 for the errors; these numbers
 * are the wire format and never change).
 *
 * One sign convention for return values, as everywhere in domB: 0 (or a
 * length/count) for success, a negative value for an error. A protocol error
 * is returned, and kept in struct domb_error.code, as PROTO_RC(code) =
 * -(PROTO_ERR_BASE + code), that is -2001..-2017: a range of its own that no
 * negated Xen errno (-1..-135 or so), elf_error (counting up from -1000) or
 * decompressor error (up from -3000, -3100, -3200) reaches, so a caller that
 * gets either kind from one call can always tell them apart
 * (proto_rc_is_error). proto_error_code() maps a return value back to the
 * code a response carries.
 */

enum proto_error {
    PROTO_OK = 0,
    PROTO_ERR_BAD_MAGIC = 1,       /* message does not start with the expected magic */
    PROTO_ERR_VERSION = 2,         /* message version not supported */
    PROTO_ERR_UNKNOWN_TYPE = 3,    /* message type not known */
    PROTO_ERR_BAD_LENGTH = 4,      /* size field wrong for the type, or truncated */
    PROTO_ERR_BAD_FIELD = 5,       /* a field out of range, reserved byte set, bad string */
    PROTO_ERR_BAD_SPEC = 6,        /* the VM spec in a build request is invalid */
    PROTO_ERR_NO_IMAGE = 7,        /* the kernel/ramdisk the spec names is not available */
    PROTO_ERR_NO_MEMORY = 8,       /* not enough free host memory */
    PROTO_ERR_QUOTA = 9,           /* the client's VM, memory or device limit would be exceeded */
    PROTO_ERR_NOT_OWNER = 10,      /* the domain exists but this client did not build it */
    PROTO_ERR_NO_SUCH_DOMAIN = 11, /* no such domain */
    PROTO_ERR_BUILD_FAILED = 12,   /* the builder failed (reason says where) */
    PROTO_ERR_BUSY = 13,           /* try again later (ring full, server busy) */
    PROTO_ERR_NOT_AUTHORISED = 14, /* this client may not make this request */
    PROTO_ERR_SEQUENCE = 15,       /* request id not above the last accepted one */
    PROTO_ERR_RING_CORRUPT = 16,   /* ring indexes or header invalid: drop the client */
    PROTO_ERR_INTERNAL = 17,       /* server-side bug or unexpected hypercall failure */
};
#define PROTO_ERR_COUNT 18

/* Internal return values of the protocol's errors (see above). */
#define PROTO_ERR_BASE 2000
#define PROTO_RC(code) ((code) == PROTO_OK ? 0 : -(PROTO_ERR_BASE + (int)(code)))
#define PROTO_RC_FIRST PROTO_RC(PROTO_ERR_BAD_MAGIC) /* -2001 */
#define PROTO_RC_LAST  PROTO_RC(PROTO_ERR_COUNT - 1) /* -2017 */

/* Whether rc is a protocol error value, PROTO_RC(1..PROTO_ERR_COUNT-1). */
static inline bool proto_rc_is_error(int rc)
{
    return rc <= PROTO_RC_FIRST && rc >= PROTO_RC_LAST;
}

/* The code a response carries for return value rc: PROTO_OK for 0, `code`
 * for PROTO_RC(code), and PROTO_ERR_INTERNAL for anything else (a Xen errno
 * or another module's error reaching the protocol is a server-side bug). */
static inline enum proto_error proto_error_code(int rc)
{
    if (rc == 0)
        return PROTO_OK;
    return proto_rc_is_error(rc) ? (enum proto_error)(-rc - PROTO_ERR_BASE) : PROTO_ERR_INTERNAL;
}

/* "BAD_MAGIC"-style name of a code (not of a PROTO_RC value), or NULL if out
 * of range. */
const char *proto_error_name(enum proto_error code);

/* The negative Xen errno a response's status carries for an error code
 * (the wire's status field; never a return value of this library). */
int proto_error_errno(enum proto_error code);

/* ------------------------------------------------------------------------ */
/* The ring page (io/ring.h layout with one slot). */

#define PROTO_PAGE_SIZE          4096
#define PROTO_RING_OFF_REQ_PROD  0x00 /* u32, written by the client */
#define PROTO_RING_OFF_REQ_EVENT 0x04 /* u32, written by the server */
#define PROTO_RING_OFF_RSP_PROD  0x08 /* u32, written by the server */
#define PROTO_RING_OFF_RSP_EVENT 0x0c /* u32, written by the client */
#define PROTO_RING_OFF_MAGIC     0x10 /* 8: "DOMBRING", written by the client at init */
#define PROTO_RING_OFF_VERSION   0x18 /* u16 */
#define PROTO_RING_OFF_NR_SLOTS  0x1a /* u16: 1 */
#define PROTO_RING_OFF_SLOT_SIZE 0x1c /* u16: 4032 */
#define PROTO_RING_OFF_RESERVED  0x1e /* 34 bytes, zero */
#define PROTO_RING_OFF_SLOTS     0x40 /* where io/ring.h puts ring[0] */
#define PROTO_RING_RESERVED_SIZE 34
#define PROTO_RING_MAGIC         "DOMBRING"
#define PROTO_RING_VERSION       1
#define PROTO_RING_SLOTS         1 /* a power of two, as io/ring.h requires */
#define PROTO_SLOT_SIZE          (PROTO_PAGE_SIZE - PROTO_RING_OFF_SLOTS) /* 4032 */
#define PROTO_MSG_MAX            PROTO_SLOT_SIZE
/* Intended channel setup (docs/protocol.md): the client grants its ring page
 * to the server at this reference, the first after Xen's 8 reserved ones. */
#define PROTO_RING_GREF 8

/* Client ("front") private state; the page is the client's own memory. */
struct proto_front_ring {
    uint8_t *page;
    uint32_t req_prod_pvt; /* requests written */
    uint32_t rsp_cons;     /* responses consumed */
};

/*
 * Server ("back") private state. race_hook is a test seam: when set, it runs
 * after the ring indexes are read and before the slot is copied, so a test can
 * play a peer that rewrites the page at the worst moment. NULL in production.
 */
struct proto_back_ring {
    uint8_t *page;
    uint32_t req_cons;     /* requests consumed */
    uint32_t rsp_prod_pvt; /* responses written */
    void (*race_hook)(uint8_t *page, void *arg);
    void *race_arg;
};

/* Client: zero the page, write the ring header and the initial indexes
 * (SHARED_RING_INIT: req_event = rsp_event = 1), and set up *front. */
void proto_ring_init(struct proto_front_ring *front, void *page);

/* Server: check the ring header the client wrote (magic, version, geometry,
 * reserved bytes) and set up *back (BACK_RING_INIT). 0 or
 * PROTO_RC(PROTO_ERR_RING_CORRUPT). */
int proto_ring_attach(struct proto_back_ring *back, void *page, struct domb_error *err);

/*
 * Client: copy an encoded request of len bytes into the free slot and publish
 * it. Returns 1 if the server must be notified over the event channel, 0 if
 * not, PROTO_RC(PROTO_ERR_BUSY) if a request is still outstanding,
 * PROTO_RC(PROTO_ERR_BAD_LENGTH) if len is 0 or over PROTO_MSG_MAX.
 */
int proto_ring_put_request(struct proto_front_ring *front, const void *msg, size_t len,
                           struct domb_error *err);

/*
 * Server: if a request is waiting, copy its whole slot (PROTO_SLOT_SIZE bytes)
 * into copy_out and consume it; decode the copy, never the page. Returns 1
 * (copied), 0 (none waiting; req_event is re-armed as RING_FINAL_CHECK_FOR_
 * REQUESTS does) or PROTO_RC(PROTO_ERR_RING_CORRUPT) ("ring indexes corrupt":
 * more requests than slots or than responses allow): the caller drops the
 * client.
 */
int proto_ring_get_request(struct proto_back_ring *back, uint8_t copy_out[PROTO_SLOT_SIZE],
                           struct domb_error *err);

/* Server: answer the oldest consumed, unanswered request. Returns 1/0 (notify
 * or not), PROTO_RC(PROTO_ERR_BUSY) if every consumed request is answered,
 * PROTO_RC(PROTO_ERR_BAD_LENGTH) for a len of 0 or over PROTO_MSG_MAX. */
int proto_ring_put_response(struct proto_back_ring *back, const void *msg, size_t len,
                            struct domb_error *err);

/* Client: like proto_ring_get_request, for responses (the server is checked
 * too: more responses than requests is PROTO_RC(PROTO_ERR_RING_CORRUPT)). */
int proto_ring_get_response(struct proto_front_ring *front, uint8_t copy_out[PROTO_SLOT_SIZE],
                            struct domb_error *err);

/* ------------------------------------------------------------------------ */
/* Messages. */

#define PROTO_VERSION   1
#define PROTO_REQ_MAGIC "DOMB-REQ" /* 8 bytes, no NUL */
#define PROTO_RSP_MAGIC "DOMB-RSP"

enum proto_type {
    PROTO_TYPE_NONE = 0, /* only in error responses to requests whose type is unknown */
    PROTO_TYPE_BUILD = 1,
    PROTO_TYPE_UNPAUSE = 2,
    PROTO_TYPE_DESTROY = 3,
    PROTO_TYPE_LIST = 4,
    PROTO_TYPE_STATUS = 5,
    PROTO_TYPE_PING = 6,
};
#define PROTO_TYPE_COUNT 7

/* Common header (requests and responses). */
#define PROTO_OFF_MAGIC   0x00 /* 8 */
#define PROTO_OFF_VERSION 0x08 /* u16 */
#define PROTO_OFF_FLAGS   0x0a /* u16: none defined, zero */
#define PROTO_OFF_SIZE    0x0c /* u32: total message size */
#define PROTO_OFF_TYPE    0x10 /* u16: enum proto_type */
/* Requests: */
#define PROTO_REQ_OFF_RESERVED  0x12 /* 6 bytes, zero */
#define PROTO_OFF_ID            0x18 /* u64: request id (1, 2, ... increasing) */
#define PROTO_REQ_HDR_SIZE      0x20
#define PROTO_REQ_RESERVED_SIZE 6
/* Responses: */
#define PROTO_RSP_OFF_ERROR  0x12 /* u16: enum proto_error */
#define PROTO_RSP_OFF_STATUS 0x14 /* i32: 0 or a negative Xen errno */
/* PROTO_OFF_ID:              0x18    u64: the id of the request answered */
#define PROTO_RSP_OFF_REASON 0x20 /* 64: NUL-terminated, NUL-padded sentence */
#define PROTO_RSP_HDR_SIZE   0x60
#define PROTO_REASON_SIZE    64

/* Request bodies (offsets from the message start). */
#define PROTO_BUILD_OFF_FLAGS    0x20 /* u32: PROTO_BUILD_* */
#define PROTO_BUILD_OFF_RESERVED 0x24 /* u32, zero */
#define PROTO_BUILD_OFF_SPEC     0x28 /* the spec: the rest of the request */
#define PROTO_BUILD_REQ_SIZE     (PROTO_BUILD_OFF_SPEC + SPEC_V1_SIZE) /* 0x958: v1/v2 spec */
#define PROTO_BUILD_REQ_V3_SIZE  (PROTO_BUILD_OFF_SPEC + SPEC_V3_SIZE) /* 0xf68: v3 spec */
#define PROTO_BUILD_REQ_V4_SIZE  (PROTO_BUILD_OFF_SPEC + SPEC_V4_SIZE) /* 0xfa8: v4 spec */
#define PROTO_BUILD_LEAVE_PAUSED 0x00000001u /* do not unpause after the build */
#define PROTO_BUILD_FLAGS_KNOWN  0x00000001u

#define PROTO_DOMID_OFF_DOMID    0x20 /* u16 (unpause, destroy, status) */
#define PROTO_DOMID_OFF_RESERVED 0x22 /* 6, zero */
#define PROTO_DOMID_REQ_SIZE     0x28

#define PROTO_LIST_OFF_CURSOR   0x20 /* u32: list domains with domid >= cursor */
#define PROTO_LIST_OFF_RESERVED 0x24 /* u32, zero */
#define PROTO_LIST_REQ_SIZE     0x28

/* Ping body, the same in the request and the echoing response, at `base`. */
#define PROTO_PING_OFF_NONCE    0x00 /* u64 */
#define PROTO_PING_OFF_LEN      0x08 /* u16: payload bytes used */
#define PROTO_PING_OFF_RESERVED 0x0a /* 6, zero */
#define PROTO_PING_OFF_PAYLOAD  0x10 /* 64: payload, zero after len */
#define PROTO_PING_BODY_SIZE    0x50
#define PROTO_PING_PAYLOAD_MAX  64
#define PROTO_PING_REQ_SIZE     (PROTO_REQ_HDR_SIZE + PROTO_PING_BODY_SIZE) /* 0x70 */

/* Response bodies. An error response (status != 0) has no body. */
#define PROTO_BUILT_OFF_DOMID          0x60 /* u16 */
#define PROTO_BUILT_OFF_RESERVED       0x62 /* u16, zero */
#define PROTO_BUILT_OFF_CONSOLE_PORT   0x64 /* u32: event channel (in the guest) */
#define PROTO_BUILT_OFF_STORE_PORT     0x68 /* u32 */
#define PROTO_BUILT_OFF_FLAGS          0x6c /* u32: PROTO_BUILT_* */
#define PROTO_BUILT_OFF_START_INFO_MFN 0x70 /* u64 */
#define PROTO_BUILT_OFF_CONSOLE_MFN    0x78 /* u64 */
#define PROTO_BUILT_OFF_STORE_MFN      0x80 /* u64 */
#define PROTO_BUILT_OFF_NR_PAGES       0x88 /* u64: guest memory in pages */
#define PROTO_BUILT_OFF_BUILD_NS       0x90 /* u64: build time in ns */
#define PROTO_BUILT_OFF_HYPERCALLS     0x98 /* u32: hypercalls the build issued */
#define PROTO_BUILT_OFF_RESERVED2      0x9c /* u32, zero */
#define PROTO_BUILT_OFF_KERNEL_SHA256  0xa0 /* 32: of the kernel image loaded */
#define PROTO_BUILT_OFF_RAMDISK_SHA256 0xc0 /* 32: of the ramdisk, zero without one */
#define PROTO_BUILD_RSP_SIZE           0xe0
#define PROTO_BUILT_PAUSED             0x00000001u /* left paused (not unpaused yet) */
#define PROTO_BUILT_RAMDISK            0x00000002u /* has a ramdisk (its hash is set) */
#define PROTO_BUILT_PVH                0x00000004u /* a PVH guest: the frames are its gfns */
#define PROTO_BUILT_FLAGS_KNOWN        0x00000007u

#define PROTO_DOMID_RSP_OFF_DOMID    0x60 /* u16 (unpause, destroy) */
#define PROTO_DOMID_RSP_OFF_RESERVED 0x62 /* 6, zero */
#define PROTO_DOMID_RSP_SIZE         0x68

#define PROTO_STATUS_OFF_DOMID    0x60 /* u16 */
#define PROTO_STATUS_OFF_STATE    0x62 /* u8: enum proto_vm_state */
#define PROTO_STATUS_OFF_SHUTDOWN 0x63 /* u8: Xen SHUTDOWN_* when state is shutdown, else 0 */
#define PROTO_STATUS_OFF_RESERVED 0x64 /* u32, zero */
#define PROTO_STATUS_OFF_NR_PAGES 0x68 /* u64 */
#define PROTO_STATUS_RSP_SIZE     0x70

#define PROTO_LIST_OFF_COUNT       0x60 /* u16: entries that follow */
#define PROTO_LIST_OFF_FLAGS       0x62 /* u16: PROTO_LIST_MORE */
#define PROTO_LIST_OFF_NEXT_CURSOR 0x64 /* u32: cursor for the next list request, if more */
#define PROTO_LIST_OFF_ENTRIES     0x68 /* count x 80-byte entries, ascending domid */
#define PROTO_LIST_ENTRY_SIZE      0x50
#define PROTO_LIST_MAX             32
#define PROTO_LIST_MORE            0x0001u
#define PROTO_LIST_FLAGS_KNOWN     0x0001u
/* Entry: */
#define PROTO_ENTRY_OFF_DOMID      0x00 /* u16 */
#define PROTO_ENTRY_OFF_STATE      0x02 /* u8 */
#define PROTO_ENTRY_OFF_RESERVED   0x03 /* 5, zero */
#define PROTO_ENTRY_OFF_MEMORY_KIB 0x08 /* u64 */
#define PROTO_ENTRY_OFF_NAME       0x10 /* 64: VM name, NUL-terminated, NUL-padded */
#define PROTO_LIST_RSP_SIZE(n)     (PROTO_LIST_OFF_ENTRIES + (n)*PROTO_LIST_ENTRY_SIZE)

#define PROTO_PING_RSP_SIZE (PROTO_RSP_HDR_SIZE + PROTO_PING_BODY_SIZE) /* 0xb0 */

enum proto_vm_state {
    PROTO_VM_BUILT = 1,    /* built, paused, never unpaused */
    PROTO_VM_RUNNING = 2,  /* unpaused (running or blocked) */
    PROTO_VM_SHUTDOWN = 3, /* shut down; see the shutdown reason */
    PROTO_VM_DYING = 4,    /* being destroyed */
    PROTO_VM_GONE = 5,     /* destroyed and fully released */
};
#define PROTO_VM_STATE_FIRST PROTO_VM_BUILT
#define PROTO_VM_STATE_LAST  PROTO_VM_GONE
#define PROTO_SHUTDOWN_MAX   5 /* Xen's SHUTDOWN_MAX (soft_reset) */

/* "built", "running", ..., or NULL. */
const char *proto_vm_state_name(enum proto_vm_state state);

struct proto_ping {
    uint64_t nonce;
    uint16_t len;
    uint8_t payload[PROTO_PING_PAYLOAD_MAX];
};

struct proto_request {
    enum proto_type type;
    uint64_t id; /* nonzero */
    union {
        struct {
            uint32_t flags; /* PROTO_BUILD_* */
            struct vm_config spec;
        } build;
        uint16_t domid;  /* unpause, destroy, status: 1..VM_DOMID_MAX */
        uint32_t cursor; /* list */
        struct proto_ping ping;
    };
};

struct proto_build_result {
    uint16_t domid;
    uint32_t flags; /* PROTO_BUILT_* */
    uint32_t console_port, store_port;
    uint64_t start_info_mfn, console_mfn, store_mfn;
    uint64_t nr_pages;
    uint64_t build_ns;
    uint32_t hypercalls;
    uint8_t kernel_sha256[SHA256_DIGEST_SIZE];
    uint8_t ramdisk_sha256[SHA256_DIGEST_SIZE];
};

struct proto_vm_status {
    uint16_t domid;
    enum proto_vm_state state;
    uint8_t shutdown_reason; /* SHUTDOWN_*, meaningful (else 0) when state is shutdown */
    uint64_t nr_pages;
};

struct proto_list_entry {
    uint16_t domid;
    enum proto_vm_state state;
    uint64_t memory_kib;
    char name[VM_NAME_MAX + 1];
};

struct proto_list {
    uint16_t count; /* <= PROTO_LIST_MAX */
    bool more;      /* more domains follow: ask again from next_cursor */
    uint32_t next_cursor;
    struct proto_list_entry entries[PROTO_LIST_MAX];
};

struct proto_response {
    enum proto_type type;   /* the request's type; NONE only in error responses */
    uint64_t id;            /* the request's id; 0 if its header was unreadable */
    int32_t status;         /* 0, or a negative Xen errno */
    enum proto_error error; /* PROTO_OK iff status is 0 */
    char reason[PROTO_REASON_SIZE];
    union { /* only when status is 0 */
        struct proto_build_result build;
        uint16_t domid; /* unpause, destroy */
        struct proto_vm_status vm_status;
        struct proto_list list;
        struct proto_ping ping;
    };
};

/* Encoded size of a request / response (0 if the type is unknown). */
size_t proto_request_size(const struct proto_request *req);
size_t proto_response_size(const struct proto_response *rsp);

/*
 * Encode after validating: returns the number of bytes written or a protocol
 * error value (PROTO_RC(PROTO_ERR_BAD_LENGTH) when the buffer is too small).
 */
int proto_request_encode(const struct proto_request *req, void *buf, size_t size,
                         struct domb_error *err);
int proto_response_encode(const struct proto_response *rsp, void *buf, size_t size,
                          struct domb_error *err);

/*
 * Decode and validate a message in buf[0, len) (len may be a whole slot; the
 * size field says how much is the message and must fit). Checks magic,
 * version, flags, size against the type, reserved bytes, strings, counts and
 * ranges. Returns 0 or a protocol error value (PROTO_RC) with a sentence. Even
 * on failure, req->type and req->id hold what the header said once it was
 * readable (type NONE if unknown, id 0 if unreadable), so the server can
 * address its error response (proto_response_error).
 */
int proto_request_decode(const void *buf, size_t len, struct proto_request *req,
                         struct domb_error *err);
int proto_response_decode(const void *buf, size_t len, struct proto_response *rsp,
                          struct domb_error *err);

/*
 * Fill *rsp as the error response to req (as far as it was decoded) for the
 * failure in *cause (cause->code a protocol error value, PROTO_RC(code); any
 * other value answers INTERNAL): error = proto_error_code(cause->code), status
 * from proto_error_errno, the reason from cause->msg (truncated to fit).
 */
void proto_response_error(struct proto_response *rsp, const struct proto_request *req,
                          const struct domb_error *cause);

/* Fill *rsp as the successful response header to req (status 0); the caller
 * fills the body for req->type. */
void proto_response_ok(struct proto_response *rsp, const struct proto_request *req);

/* ------------------------------------------------------------------------ */
/* Server-side policy (pure). */

struct proto_quota {
    uint32_t max_vms;
    uint32_t max_memory_mib; /* sum of the VMs' maxmem */
    uint32_t max_devices;    /* sum of the VMs' vif and disk devices */
};

struct proto_usage {
    uint32_t vms;
    uint32_t memory_mib;
    uint32_t devices;
};

/* May a client with this usage build one more VM of maxmem memory_mib with
 * `devices` devices? 0 or PROTO_RC(PROTO_ERR_QUOTA) naming the limit. */
int proto_quota_check(const struct proto_quota *limit, const struct proto_usage *used,
                      uint32_t memory_mib, uint32_t devices, struct domb_error *err);

/* Account a built VM (after proto_quota_check passed) / a destroyed one.
 * Release of more than was charged is PROTO_RC(PROTO_ERR_INTERNAL). */
void proto_quota_charge(struct proto_usage *used, uint32_t memory_mib, uint32_t devices);
int proto_quota_release(struct proto_usage *used, uint32_t memory_mib, uint32_t devices,
                        struct domb_error *err);

/* Request ids must increase (gaps allowed). */
struct proto_sequence {
    uint64_t last_id; /* 0: nothing accepted yet */
};

/* Accept id (recording it) or return PROTO_RC(PROTO_ERR_SEQUENCE) for a
 * replayed or out-of-order id. */
int proto_sequence_check(struct proto_sequence *seq, uint64_t id, struct domb_error *err);

#endif
