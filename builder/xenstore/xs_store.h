/*
 * xs_store.h: the node store (xs_store.c). What it offers everyone is
 * public and declared in <xenstore/xenstore.h>: xs_store_init, the
 * xs_store_* operations on paths and domains, xs_store_next_pending and
 * xs_path_check. This header adds what only the transactions (xs_tx.c)
 * use: the tree without permission checks or watches, the storage of
 * transactions (slots and their detached entries), and the steps of a
 * commit. The files above the store (xs_tx.c, xs_wire.c) include it
 * (docs/xenstore.md, "Source layout": conn -> wire -> tx -> store ->
 * session -> perm). xs_session.c and xs_perm.c must not include it.
 */
#ifndef DOMB_XS_STORE_H
#define DOMB_XS_STORE_H

#include <xenstore/xenstore.h>

/* ---- the tree, unchecked ------------------------------------------------------------ */

/* The node at path (checked, absolute, len characters), or XS_NONE. */
uint32_t xs_store_lookup(struct xs_store *s, const char *path, size_t len);
/* The child `name` (len characters) of node parent, or XS_NONE. */
uint32_t xs_store_child(struct xs_store *s, uint32_t parent, const char *name, size_t len);
/* A permission list a node may carry: 1 to XS_PERMS_MAX entries of n/r/w/b
 * (-XEN_EINVAL, or -XEN_ENOSPC for too many, as xenstored). */
int xs_store_perms_check(const struct xs_perm *perms, unsigned int nperms, struct domb_error *err);
/* Where node idx's block starts (its name, or an entry's path), and its value. */
char *xs_store_payload(struct xs_store *s, uint32_t idx);
char *xs_store_value(struct xs_store *s, uint32_t idx);
/* Node slots neither in the tree nor detached. */
uint32_t xs_store_free_slots(const struct xs_store *s);
/* Heap bytes a block of `payload` bytes takes. */
uint32_t xs_store_block_bytes(uint32_t payload);
/* Make `bytes` of blocks allocatable without compaction (may compact now,
 * moving every block: pointers into the heap are stale afterwards). */
int xs_store_reserve(struct xs_store *s, uint32_t bytes, struct domb_error *err);
/* Can owner's holdings change by this many nodes and bytes (negative:
 * fewer)? Checks its quota and the domain table (dom0: always). */
int xs_store_quota_check(struct xs_store *s, domid_t owner, int64_t nodes, int64_t bytes,
                         struct domb_error *err);

/* ---- detached nodes (transactions' entries) ---------------------------------------- */

/* A detached node with a block of `payload` bytes (zeroed fields, flags
 * XS_NODE_DETACHED); -XEN_ENOSPC when the table or heap is full. */
int xs_store_detached_new(struct xs_store *s, uint32_t payload, uint32_t *idx,
                          struct domb_error *err);
/* Make node idx's block hold at least `payload` bytes, keeping what it
 * holds (name + value + list_len bytes). May compact. */
int xs_store_detached_grow(struct xs_store *s, uint32_t idx, uint32_t payload,
                           struct domb_error *err);
void xs_store_detached_free(struct xs_store *s, uint32_t idx);

/* ---- transaction slots -------------------------------------------------------------- */

/* A free slot (zeroed but for store), or NULL when XS_TX_MAX are open. */
struct xs_tx *xs_store_tx_slot(struct xs_store *s);
/* Free a transaction's entries and its slot. */
void xs_store_tx_drop(struct xs_tx *tx);
/* End every transaction of owner, or of domain domid. */
void xs_store_tx_drop_owner(struct xs_store *s, const struct xs_conn *owner);
void xs_store_tx_drop_domain(struct xs_store *s, domid_t domid);

/* ---- the steps of a commit: no checks, no watches ---------------------------------- */

/* Remove node idx and everything below it. */
void xs_store_apply_remove(struct xs_store *s, uint32_t idx);
/* A new child of parent with this name, value and permissions (the caller
 * checked the room: a slot, xs_store_reserve for its block, the owner's
 * quota). Returns its index. */
uint32_t xs_store_apply_create(struct xs_store *s, uint32_t parent, const char *name,
                               uint32_t name_len, const void *value, uint32_t vlen,
                               const struct xs_perm *perms, unsigned int nperms);
/* Give node idx this value and these permissions (room checked likewise). */
void xs_store_apply_update(struct xs_store *s, uint32_t idx, const void *value, uint32_t vlen,
                           const struct xs_perm *perms, unsigned int nperms);

#endif
