/*
 * db-server: domB's second entry point. Booted as dom0 like db-boot, it
 * builds and starts the boot set from its initramfs (the control domain
 * among them), then builds, starts and destroys VMs on request from the
 * VMs whose spec marks them as clients, over their channel rings
 * (docs/protocol.md). The initramfs is also its image catalog.
 *
 * Only this file and kernel/server.c know about requests; building goes
 * through the same platform/vm/builder code as db-boot, and the privileged
 * operations through the one seam (builder/xenops.h), so on an XSM-enabled
 * Xen the same server could run as an ordinary domain granted just those.
 */
#include <domb/console.h>
#include <domb/evtchn.h>
#include <domb/platform.h>
#include <domb/server.h>
#include <domb/time.h>

static struct platform platform;
static struct server server;

int domb_main(const struct boot_info *bi)
{
    struct platform *p = &platform;
    static evtchn_port_t ports[2 * EVTCHN_POLL_MAX];
    bool forever;

    p->t0 = time_now_ns();
    p->channels = true;
    printk("\ndomB db-server 0.1: Xen domain builder serving requests (dom0=%s)\n",
           bi->is_dom0 ? "yes" : "no");
    printk("initramfs: %lu bytes at %p\n", bi->module_len, (const void *)bi->module);
    if (platform_boot(p, bi) != 0)
        return KERNEL_EXIT_FAILURE;
    server_init(&server, p, bi->module, bi->module_len);

    /* Serve until every VM has stopped (or forever with "stay"). Clients'
     * channels are polled with the platform's own events. */
    forever = p->set.manifest.when_done == MANIFEST_DONE_STAY;
    while (forever || platform_running(p) > 0) {
        unsigned int n = platform_ports(p, ports, EVTCHN_POLL_MAX);

        n += server_ports(&server, ports + n, ARRAY_SIZE(ports) - n);
        evtchn_poll(ports, n, 1000000000ULL);
        server_handle_events(&server);
        platform_handle_events(p);
    }
    printk("db-server: served %lu requests, %lu builds\n", server.requests, server.builds);
    return platform_report(p, "db-server");
}
