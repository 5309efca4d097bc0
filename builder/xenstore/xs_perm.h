/*
 * xs_perm.h: the permission check (xs_perm.c), the lowest of the xenstore's
 * files (docs/xenstore.md, "Source layout": conn -> wire -> store -> session
 * -> perm). It uses nothing of the others. Any xenstore file may include it;
 * today xs_session.c (who may see a watch event) and xs_store.c (who may
 * read, write or re-permit a node) do. Not for users of <xenstore/xenstore.h>.
 */
#ifndef DOMB_XS_PERM_H
#define DOMB_XS_PERM_H

#include <xenstore/xenstore.h>

/* Not a permission a node can carry: the caller owns the node. */
#define XS_PERM_OWNER 4u

/*
 * The permissions domain `as` has on a node with these entries (nperms >= 1):
 * XS_PERM_READ/WRITE, plus XS_PERM_OWNER for dom0 and the node's owner.
 */
unsigned int xs_perm_for(domid_t as, const struct xs_perm *perms, unsigned int nperms);

#endif
