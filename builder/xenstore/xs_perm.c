/* The permission check: what a domain may do to a node, by xenstored's rules. */
#include "xs_perm.h"

unsigned int xs_perm_for(domid_t as, const struct xs_perm *perms, unsigned int nperms)
{
    /* xenstored's perm_for_conn: dom0 and the owner get everything; then a
     * domain's own entry; then the default for everyone else. */
    if (as == 0 || perms[0].domid == as)
        return XS_PERM_BOTH | XS_PERM_OWNER;
    for (unsigned int i = 1; i < nperms; i++)
        if (perms[i].domid == as)
            return perms[i].perm & XS_PERM_BOTH;
    return perms[0].perm & XS_PERM_BOTH;
}
