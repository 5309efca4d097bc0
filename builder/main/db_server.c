/*
 * db-server: domB's second entry point. Booted as dom0 like db-boot, it
 * builds and starts the boot set from its initramfs (the control domain
 * among them), then builds, starts and destroys VMs on request from the
 * VMs whose spec marks them as clients, over their channel rings
 * (docs/protocol.md). The initramfs is also its image catalog.
 *
 * Only builder/dom0/server.c knows about requests; building goes through
 * the same platform/vm/builder code as db-boot, and the privileged
 * operations through the one seam (builder/xenops.h), so on an XSM-enabled
 * Xen the same server could run as an ordinary domain granted just those.
 */
#include "entry.h"

#include <dom0/server.h>
#include <dom0/shell.h>
#include <kernel/console.h>
#include <kernel/time.h>
#include <xenops/xenops_xen.h>

static struct platform platform;
static struct server server;
static struct shell shell;

int domb_main(const struct boot_info *bi)
{
    struct platform *p = &platform;
    struct domb_error err;

    p->t0 = time_now_ns();
    p->xen = &xenops_xen;
    p->channels = true;
    printk("\ndomB db-server 0.1: Xen domain builder serving requests (dom0=%s)\n",
           bi->is_dom0 ? "yes" : "no");
    printk("initramfs: %lu bytes at %p\n", bi->module_len, (const void *)bi->module);
    server_init(&server, p, bi->module, bi->module_len);
    if (server_set_labels(&server, bi->cmdline, &err) != 0) {
        printk("db-server: %s\n", err.msg);
        return KERNEL_EXIT_FAILURE;
    }
    if (server.guest_seclabel[0])
        printk("db-server: VMs built on request get seclabel %s%s%s\n", server.guest_seclabel,
               server.guest_init_seclabel[0] ? ", built as " : "", server.guest_init_seclabel);
    if (entry_boot(p, bi) != 0)
        return KERNEL_EXIT_FAILURE;
    platform_isolation_check(p, bi->cmdline);         /* domb.isolation_check= */
    shell_start(&shell, p, "db-server", bi->cmdline); /* runs without it if it cannot */
    server_run(&server);
    printk("db-server: served %lu requests, %lu builds\n", server.requests, server.builds);
    return platform_report(p, "db-server") && !p->isolation_wrong ? KERNEL_EXIT_SUCCESS
                                                                  : KERNEL_EXIT_FAILURE;
}
