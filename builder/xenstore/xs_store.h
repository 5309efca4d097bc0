/*
 * xs_store.h: the node store (xs_store.c). Everything it offers is public and
 * declared in <xenstore/xenstore.h>: xs_store_init, the xs_store_* operations
 * on paths and domains, xs_store_next_pending and xs_path_check. This header
 * adds nothing internal; the files above the store (xs_wire.c) include it to
 * state that they use it (docs/xenstore.md, "Source layout": conn -> wire ->
 * store -> session -> perm). xs_session.c and xs_perm.c must not include it.
 */
#ifndef DOMB_XS_STORE_H
#define DOMB_XS_STORE_H

#include <xenstore/xenstore.h>

#endif
