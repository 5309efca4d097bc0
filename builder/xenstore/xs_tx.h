/*
 * xs_tx.h: transactions (xs_tx.c): each one's view of the store and its
 * commit. Everything it offers is public (xs_tx_* in <xenstore/xenstore.h>);
 * this header adds nothing internal. It sits above the store and below the
 * wire protocol (docs/xenstore.md, "Source layout": conn -> wire -> tx ->
 * store -> session -> perm): xs_wire.c includes it to state that it uses
 * it; xs_store.c, xs_session.c and xs_perm.c must not.
 */
#ifndef DOMB_XS_TX_H
#define DOMB_XS_TX_H

#include <xenstore/xenstore.h>

#endif
