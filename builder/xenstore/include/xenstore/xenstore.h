/*
 * A minimal xenstore served by the builder (docs/xenstore.md).
 *
 * Guests block during boot until somebody answers their xenstore ring, so
 * db-boot (dom0) serves every guest's ring itself from one small in-memory
 * store. This header is the pure part: the store (a tree of nodes in a
 * caller-provided arena, with xenstored's permission model and its
 * transactions), and one connection per guest that takes requests from the
 * guest's struct xenstore_domain_interface and writes answers and watch
 * events back.
 *
 * The ring page is hostile: its indexes are read once per use and checked,
 * every byte of a message is copied out exactly once before it is parsed, and
 * a guest that lies about its indexes or sends an oversized message gets its
 * connection marked broken (the caller stops serving it), never more.
 *
 * Nothing here allocates or blocks; nothing has global state. Typical use:
 *
 *     xs_store_init(&store, arena, sizeof(arena), 2048, &err);
 *     xs_store_domain_introduce(&store, &info, &err);   // per new guest
 *     xs_conn_init(&conn[i], &store, domid);
 *     // when guest i's store event channel fires:
 *     if (xs_conn_process(&conn[i], ring[i], &notify) < 0) log conn[i].error
 *     if (notify) kick guest i;
 *     // then serve every connection that has output queued by others (or
 *     // requests left after a batch):
 *     for (c = xs_store_next_pending(&store, NULL); c; c = xs_store_next_pending(&store, c))
 *         xs_conn_process(c, ring_of(c), &notify) ...
 *     xs_store_domain_release(&store, domid, &err);    // when the guest dies
 *     xs_conn_destroy(&conn[i]);
 */
#ifndef DOMB_XENSTORE_H
#define DOMB_XENSTORE_H

#include <domb/error.h>
#include <domb/types.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/io/xs_wire.h>

/* Permission bits of one entry, as in xenstored ('n', 'r', 'w', 'b'). */
#define XS_PERM_NONE  0u
#define XS_PERM_READ  1u
#define XS_PERM_WRITE 2u
#define XS_PERM_BOTH  (XS_PERM_READ | XS_PERM_WRITE)

/* Limits (the first three are the wire protocol's). */
#define XS_VALUE_MAX        XENSTORE_PAYLOAD_MAX  /* bytes in one node's value */
#define XS_PATH_MAX         XENSTORE_ABS_PATH_MAX /* characters in an absolute path */
#define XS_MSG_MAX          (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)
#define XS_PERMS_MAX        5                /* permission entries per node (xenstored's quota) */
#define XS_DOMAINS_MAX      1024             /* domains with nodes or an introduction at once */
#define XS_QUOTA_NODES      1000             /* nodes one unprivileged domain may own */
#define XS_QUOTA_BYTES      (256u * 1024)    /* name + value bytes it may own */
#define XS_CONN_OUT_MAX     (4 * XS_MSG_MAX) /* queued output per connection */
#define XS_CONN_WATCHES     64               /* watches per connection */
#define XS_CONN_WATCH_BYTES 8192             /* their paths and tokens */
#define XS_CONN_TX_MAX      10               /* open transactions per guest connection */
#define XS_TX_MAX           256              /* open transactions in the whole store */
#define XS_TX_RESERVE       64               /* of those, only for a guest's first one */
#define XS_TX_NODES         1024             /* nodes a guest's open transactions may touch */
#define XS_TX_BYTES         (256u * 1024)    /* bytes of copies they may hold */

#define XS_NONE     UINT32_MAX /* "no node" in the tree links */
#define XS_GEN_NONE UINT64_MAX /* the generation of a node that does not exist */

struct xs_perm {
    domid_t domid;
    uint8_t perm; /* XS_PERM_* */
};

/* One node; it lives in the arena's node table. Its name and value are in one
 * block of the arena's byte heap (name first, then value, no NULs).
 *
 * A transaction's copy of a node (an "entry", docs/xenstore.md
 * "Transactions") is a detached slot of the same table (flags has
 * XS_NODE_DETACHED): not in the tree, its block holds the absolute path,
 * the value and the child names (each NUL-terminated, list_len bytes),
 * next_sibling links the transaction's entries, generation is the one the
 * node had when the transaction first touched it (XS_GEN_NONE: absent). */
struct xs_node {
    uint32_t parent, first_child, next_sibling; /* indexes or XS_NONE */
    uint32_t block;                             /* heap offset of the block, XS_NONE if free */
    uint32_t block_size;                        /* bytes the block holds after its header */
    uint32_t hash_next;                         /* next in its child-index bucket */
    uint16_t name_len;                          /* an entry: its path's length */
    uint16_t value_len;
    uint8_t nperms; /* >= 1; perms[0] is owner + everyone else */
    uint8_t flags;  /* 0 for tree nodes; XS_NODE_DETACHED | XS_ENTRY_* for entries */
    struct xs_perm perms[XS_PERMS_MAX];
    uint32_t list_len;   /* an entry: bytes of its child-name list */
    uint64_t generation; /* store generation of its last change */
};

#define XS_NODE_DETACHED 0x80u /* a transaction's entry, not a tree node */

/* An open transaction (docs/xenstore.md "Transactions"): what it touched is a
 * list of entries in the store's node table. Lives in struct xs_store. */
struct xs_tx {
    struct xs_store *store;
    const struct xs_conn *owner; /* the connection that started it; NULL: the builder's C API */
    bool used;
    domid_t domid;         /* performs every operation as this domain */
    uint32_t id;           /* its tx_id on the owner's connection */
    uint32_t first, last;  /* its entries in access order, XS_NONE when empty */
    uint32_t nodes, bytes; /* entries and their heap bytes */
    uint64_t generation;   /* the store's generation when it started */
};

/* What one domain owns, and whether the builder introduced it. */
struct xs_domain {
    domid_t domid;
    bool used;
    bool introduced;
    uint32_t nodes;
    uint32_t bytes;
};

struct xs_conn;

struct xs_store {
    struct xs_node *nodes;
    uint32_t max_nodes, used_nodes, free_node;
    /* Child index: (parent, name) hashed to a bucket of nodes chained by
     * hash_next, so a lookup costs the same with 10 or 1,000 domains. */
    uint32_t *buckets;
    uint32_t bucket_mask;
    uint8_t *heap;
    uint32_t heap_size, heap_top, heap_dead; /* bump pointer; bytes in freed blocks */
    uint64_t generation;
    uint32_t quota_nodes, quota_bytes; /* per unprivileged domain */
    struct xs_domain domains[XS_DOMAINS_MAX];
    uint16_t domain_slot[1u << 16]; /* domid -> index in domains[] + 1; 0: none */
    uint32_t domains_used;
    /* Transactions: their slots, and their entries (detached nodes). */
    struct xs_tx tx[XS_TX_MAX];
    uint32_t detached;                       /* detached node slots in use */
    uint32_t tx_nodes, tx_bytes;             /* entries and their heap bytes, all transactions */
    uint32_t tx_nodes_max, tx_bytes_max;     /* their limits (default: a quarter of the store) */
    uint32_t quota_tx_nodes, quota_tx_bytes; /* per guest, all its open transactions */
    uint32_t next_tx;                        /* ids of the builder's own transactions */
    char tx_path[XS_PATH_MAX + 2];           /* scratch: paths built by transactions */
    /* Kept by the connections' side (xs_session.c), never by the tree: */
    struct xs_conn *conns;      /* every connection */
    struct xs_conn *watchers;   /* those with a watch: the only ones a change can fire */
    char path[XS_PATH_MAX + 2]; /* scratch: paths of removed nodes */
};

/* Information the builder publishes about a new domain. Fields left zero
 * get the default named. */
struct xs_domain_info {
    domid_t domid;
    const char *name;
    uint64_t mem_kib;
    unsigned int vcpus;     /* online at start */
    unsigned int max_vcpus; /* in all (xl's maxvcpus); 0: vcpus. The rest read "offline" */
    uint64_t console_mfn;
    evtchn_port_t console_port;
    uint64_t store_mfn; /* store/ring-ref, written when store_port != 0 */
    evtchn_port_t store_port;
    uint64_t max_mem_kib; /* memory/static-max; 0: mem_kib */
    uint8_t uuid[16];     /* the domain handle, for /vm/<uuid>; all zero: one made from domid */
    const char *type;     /* /libxl/<domid>/type, "pv" or "pvh"; NULL: "pv" */
    bool driver_domain;   /* also the libxl and device-model directories (xl's driver_domain) */
};

/*
 * Make an empty store (only "/", owned by dom0, private) in arena. max_nodes
 * entries of the node table come from the front of the arena; the rest is the
 * byte heap for names and values. Fails when the arena is too small.
 */
int xs_store_init(struct xs_store *s, void *arena, size_t arena_size, uint32_t max_nodes,
                  struct domb_error *err);

/*
 * Operations on absolute paths, performed as domain `as` (0 = the builder,
 * which may do anything). They return 0 or a negative Xen errno, with err
 * naming the problem: -XEN_EINVAL (bad path), -XEN_ENOENT, -XEN_EACCES,
 * -XEN_E2BIG (value too long), -XEN_ENOSPC (store or quota full).
 * Writes, mkdir and rm fire the watches of every connection.
 */
int xs_store_read(struct xs_store *s, domid_t as, const char *path, const char **value,
                  uint32_t *len, struct domb_error *err);
int xs_store_write(struct xs_store *s, domid_t as, const char *path, const void *value,
                   uint32_t len, struct domb_error *err);
int xs_store_mkdir(struct xs_store *s, domid_t as, const char *path, struct domb_error *err);
int xs_store_rm(struct xs_store *s, domid_t as, const char *path, struct domb_error *err);
int xs_store_get_perms(struct xs_store *s, domid_t as, const char *path, struct xs_perm *perms,
                       unsigned int *nperms, struct domb_error *err);
int xs_store_set_perms(struct xs_store *s, domid_t as, const char *path,
                       const struct xs_perm *perms, unsigned int nperms, struct domb_error *err);
/*
 * Write path = value and give it these permissions, as one change: every
 * check (the write's and the permissions', as xs_store_set_perms makes
 * them) runs before anything changes, and the watches fire once, with the
 * new permissions. This is libxl's "mknod" (an empty value) and its
 * writes with permissions.
 */
int xs_store_write_perms(struct xs_store *s, domid_t as, const char *path, const void *value,
                         uint32_t len, const struct xs_perm *perms, unsigned int nperms,
                         struct domb_error *err);
/* Nodes in the tree, the root included (a transaction's copies are not
 * counted). */
uint32_t xs_store_node_count(const struct xs_store *s);
/*
 * The children of path as NUL-terminated names, starting at byte offset
 * `offset` of that list, as many whole names as fit in size bytes. *len gets
 * the bytes written, *complete whether the list ended, *generation the node's
 * generation (for XS_DIRECTORY_PART).
 */
int xs_store_directory(struct xs_store *s, domid_t as, const char *path, uint32_t offset, char *buf,
                       uint32_t size, uint32_t *len, bool *complete, uint64_t *generation,
                       struct domb_error *err);

/*
 * Publish a new domain (nodes listed in docs/xenstore.md: what libxl makes
 * under /local/domain/<domid>, /vm/<uuid> and /libxl/<domid>) and fire
 * @introduceDomain. -XEN_EEXIST when it is already introduced. On failure
 * nothing of it is left.
 */
int xs_store_domain_introduce(struct xs_store *s, const struct xs_domain_info *info,
                              struct domb_error *err);
/* Remove /local/domain/<domid>, its /vm/<uuid> and /libxl/<domid> (firing
 * watches), end the domain's open transactions, hand whatever else the
 * domain owned to dom0 and fire @releaseDomain. */
int xs_store_domain_release(struct xs_store *s, domid_t domid, struct domb_error *err);
bool xs_store_domain_introduced(const struct xs_store *s, domid_t domid);

/* Self-check for tests and fuzzing: every node but the root is in the child
 * index, in the right bucket, exactly once. */
bool xs_store_index_ok(const struct xs_store *s);

/* Check a path the way xenstored does: absolute ("/..." with [A-Za-z0-9-_@]
 * components, no "//", no trailing '/'), or "@name" when special is allowed. */
int xs_path_check(const char *path, size_t len, bool allow_special, struct domb_error *err);

/* A watch: path and token live in the connection's watch_bytes. */
struct xs_watch {
    uint16_t off;      /* path, NUL, token, NUL */
    uint16_t path_len; /* absolute path */
    uint16_t token_len;
    bool relative; /* events report the path relative to the domain's home */
};

struct xs_conn {
    struct xs_store *store;
    struct xs_conn *next;         /* in store->conns */
    struct xs_conn *next_watcher; /* in store->watchers while it has a watch */
    bool watching;
    domid_t domid;
    bool attached; /* private indexes taken from the ring */
    bool broken;
    struct domb_error error;              /* why it broke */
    XENSTORE_RING_IDX req_cons, rsp_prod; /* ours; the copies in the ring are published */
    /* The message being received: header, then payload. */
    uint8_t in[XS_MSG_MAX];
    uint32_t in_used;
    /* Queued output (responses, watch events): bytes [out_head, out_tail). */
    uint8_t out[XS_CONN_OUT_MAX];
    uint32_t out_head, out_tail;
    uint32_t out_reserved; /* bytes kept free for the response being built */
    struct xs_watch watches[XS_CONN_WATCHES];
    uint32_t nwatches;
    char watch_bytes[XS_CONN_WATCH_BYTES];
    uint32_t watch_bytes_used;
    uint32_t next_tx;           /* the next transaction id to try */
    bool more_input;            /* stopped after XS_CONN_BATCH requests with more in the ring */
    char path[XS_PATH_MAX + 2]; /* scratch: the request's absolute path */
    /* Counters for the log. */
    uint64_t requests, errors, events_dropped;
};

/* Start serving domain `domid` on store s. The connection adopts the ring's
 * req_cons/rsp_prod on its first process call and keeps private copies. */
void xs_conn_init(struct xs_conn *c, struct xs_store *s, domid_t domid);
/* Forget the connection (its watches, transactions and queued output). */
void xs_conn_destroy(struct xs_conn *c);

/*
 * Take the complete requests in the ring, answer them, and move queued output
 * to the response ring as far as it has room. Never blocks; work that does
 * not fit waits for the next call. It looks at req_prod again after it has
 * caught up (a guest adds bytes without notifying while we are behind: Linux
 * does), and takes at most XS_CONN_BATCH requests (then more_input is set
 * and xs_store_next_pending returns the connection). *notify becomes true when the guest should
 * be kicked (we consumed requests or produced output). Returns 0, or a
 * negative errno once the connection is broken (c->error says why; every
 * later call fails the same way).
 */
int xs_conn_process(struct xs_conn *c, struct xenstore_domain_interface *ring, bool *notify);
/* Output queued and not yet in the ring (e.g. watch events fired by others). */
bool xs_conn_has_output(const struct xs_conn *c);
/* The connections after `prev` (from the first when NULL) with output queued,
 * or with requests left in their ring after a batch (more_input). */
struct xs_conn *xs_store_next_pending(struct xs_store *s, struct xs_conn *prev);

/*
 * Transactions (docs/xenstore.md "Transactions"), as in xenstored: every
 * operation in a transaction sees the store as it was when the transaction
 * first touched each node, plus its own changes; nobody else sees those
 * until xs_tx_end commits them, all at once, firing the watches then. A
 * commit fails with -XEN_EAGAIN when any node the transaction read, listed
 * or changed was changed by someone else meanwhile (nothing is applied);
 * with -XEN_ENOSPC when the result would not fit (nothing is applied).
 *
 * xs_tx_start opens one for domain `as`, owned by connection `owner`
 * (NULL: the builder's own C calls): -XEN_ENOSPC when the owner (a guest)
 * has XS_CONN_TX_MAX open, or the store XS_TX_MAX (the last XS_TX_RESERVE
 * only go to guests with none open, so that no guest can starve the
 * others). xs_tx_end always ends it (commit: apply, else discard); the
 * transaction is invalid afterwards.
 */
int xs_tx_start(struct xs_store *s, struct xs_conn *owner, domid_t as, struct xs_tx **tx,
                struct domb_error *err);
int xs_tx_end(struct xs_tx *tx, bool commit, struct domb_error *err);
/* The open transaction `id` of owner, or NULL. */
struct xs_tx *xs_tx_find(struct xs_store *s, const struct xs_conn *owner, uint32_t id);
/* Transactions open for owner. */
unsigned int xs_tx_count(const struct xs_store *s, const struct xs_conn *owner);

/*
 * The xs_store_* operations, in transaction tx (NULL: outside any, exactly
 * xs_store_*). With a tx, `as` must be its domain. Errors as xs_store_*'s,
 * plus -XEN_ENOSPC when the transaction would touch more than its limits
 * (docs/xenstore.md "Limits"); a failed operation leaves the
 * transaction's view as it was.
 */
int xs_tx_read(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
               const char **value, uint32_t *len, struct domb_error *err);
int xs_tx_write(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
                const void *value, uint32_t len, struct domb_error *err);
int xs_tx_mkdir(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
                struct domb_error *err);
int xs_tx_rm(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
             struct domb_error *err);
int xs_tx_get_perms(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
                    struct xs_perm *perms, unsigned int *nperms, struct domb_error *err);
int xs_tx_set_perms(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
                    const struct xs_perm *perms, unsigned int nperms, struct domb_error *err);
int xs_tx_directory(struct xs_store *s, struct xs_tx *tx, domid_t as, const char *path,
                    uint32_t offset, char *buf, uint32_t size, uint32_t *len, bool *complete,
                    uint64_t *generation, struct domb_error *err);

/* "ENOENT" etc. for a negative Xen errno (xs_wire.h's names; EINVAL otherwise). */
const char *xs_error_name(int code);

#endif
