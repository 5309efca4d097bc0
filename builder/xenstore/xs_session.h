/*
 * xs_session.h: a connection's state that the store has to reach
 * (xs_session.c): its output queue and its watch table, watch firing, and
 * the store's lists of connections (struct xs_store's conns and watchers,
 * which no other file touches). It sits below the store and uses only
 * xs_perm.h (docs/xenstore.md, "Source layout": conn -> wire -> store ->
 * session -> perm).
 *
 * For the files above it: xs_store.c fires watches; xs_wire.c builds answers
 * in the output queue and handles watch requests; xs_conn.c attaches and
 * detaches connections and moves queued output to the ring. Not for users of
 * <xenstore/xenstore.h>.
 */
#ifndef DOMB_XS_SESSION_H
#define DOMB_XS_SESSION_H

#include <xenstore/xenstore.h>

/* Bytes of a message header (struct xsd_sockmsg) in a ring or the queue. */
#define XS_HDR_SIZE ((uint32_t)sizeof(struct xsd_sockmsg))

/* ---- the store's connections -------------------------------------------------------- */

/* Make c (zeroed by the caller) one of s's connections (c->store = s). */
void xs_session_attach(struct xs_conn *c, struct xs_store *s);
/* Take c off its store's lists and drop its watches and queued output. */
void xs_session_detach(struct xs_conn *c);
/* The connections of s after `prev` (from the first when NULL) that are not
 * broken and have output queued. */
struct xs_conn *xs_session_next_pending(struct xs_store *s, struct xs_conn *prev);

/* ---- output queue --------------------------------------------------------------------- */

/* Bytes queued and not yet taken by xs_out_consume. */
uint32_t xs_out_queued(const struct xs_conn *c);
/* Keep `bytes` of the queue free for the response being built (0: none), so
 * that watch events fired meanwhile cannot take its room. */
void xs_out_reserve(struct xs_conn *c, uint32_t bytes);
/* Room for one response of up to XENSTORE_PAYLOAD_MAX bytes is guaranteed
 * while a request is handled (the caller checked the total): write the
 * payload at xs_out_payload(c), then commit it with its header (this ends
 * the reservation). */
char *xs_out_payload(struct xs_conn *c);
void xs_out_commit(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, uint32_t len);
/* The queued bytes (xs_out_queued of them), oldest first; drop the first n. */
const uint8_t *xs_out_peek(const struct xs_conn *c);
void xs_out_consume(struct xs_conn *c, uint32_t n);

/* ---- watches -------------------------------------------------------------------------- */

/* Add a watch on path (absolute, checked) with token; relative: its events
 * report paths relative to the domain's home. -XEN_EEXIST, -XEN_E2BIG. */
int xs_watch_add(struct xs_conn *c, const char *path, bool relative, const char *token,
                 struct domb_error *err);
/* Remove the watch on path with token; -XEN_ENOENT when there is none. */
int xs_watch_remove(struct xs_conn *c, const char *path, const char *token, struct domb_error *err);
/* Drop all of c's watches. */
void xs_watch_reset(struct xs_conn *c);
/* Queue the event the newest watch fires at once (after its "OK"). */
void xs_watch_fire_new(struct xs_conn *c);
/*
 * Queue a watch event on every connection of s with a watch that the change
 * of path (len characters) triggers: with exact, watches on exactly path;
 * else watches on path or one of its ancestors. Connections that may not
 * read the node (perms; NULL for "@..." events, which go to dom0 only) and
 * broken ones get nothing.
 */
void xs_watch_fire(struct xs_store *s, const char *path, size_t len, const struct xs_perm *perms,
                   unsigned int nperms, bool exact);

#endif
