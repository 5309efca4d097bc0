/* The way in that db-boot and db-server share: check Xen, then boot the set. */
#include "entry.h"

#include <kernel/console.h>
#include <kernel/evtchn.h>
#include <xenops/xenops_xen.h>

int entry_boot(struct platform *p, const struct boot_info *bi)
{
    struct platform_boot_info args = {.cmdline = bi->cmdline,
                                      .module = bi->module,
                                      .module_len = bi->module_len,
                                      .t0_ns = bi->t0_ns,
                                      .dom0_pages = bi->nr_pages,
                                      .domu = !bi->is_dom0};
    struct domb_error err;
    int rc;

    if (!bi->is_dom0 && (rc = evtchn_self_domid(&args.self_domid)) != 0) {
        printk("db: cannot learn our own domid (EVTCHNOP_status): error %d\n", rc);
        return rc;
    }
    if (xenops_xen_check(args.domu, &err) != 0) {
        printk("db: cannot build domains: %s\n", err.msg);
        return err.code;
    }
    return platform_boot(p, &args);
}
