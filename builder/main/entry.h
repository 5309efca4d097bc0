/* What db-boot and db-server share on their way in. */
#ifndef MAIN_ENTRY_H
#define MAIN_ENTRY_H

#include <dom0/platform.h>
#include <kernel/kernel.h>

/* Check that Xen speaks our domctl/sysctl interface and that we may build
 * domains, then run the boot phase (platform_boot) on p with what our
 * start_info gave us. Returns 0, or a negative error after saying why. */
int entry_boot(struct platform *p, const struct boot_info *bi);

#endif
