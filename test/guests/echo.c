/*
 * echo: a guest to drive through the operator shell: it echoes what is typed
 * on its console (the builder's "console NAME") line by line, and honours
 * xenstore's control/shutdown as Linux does (clears the node, then powers
 * off or reboots). "echo.timeout=S" ends it as a failure when nobody has
 * asked it to shut down after S seconds (a test that forgot).
 */
#include <domb/cmdline.h>
#include <kernel/console.h>
#include <kernel/evtchn.h>
#include <kernel/kernel.h>
#include <kernel/time.h>
#include <kernel/xenstore_ring.h>

#define XS_TIMEOUT_NS (5ULL * 1000000000ULL)
#define LINE_MAX      120

static struct xs_client xs;

/* The toolstack's request, if any: 1 poweroff, 2 reboot, 0 none. */
static int shutdown_request(void)
{
    struct xs_client_event ev;
    char value[32];
    int rc, what = 0;

    while ((rc = xs_client_event(&xs, &ev)) == 1) {
        rc = xs_client_read(&xs, "control/shutdown", value, sizeof(value), XS_TIMEOUT_NS);
        if (rc <= 0)
            continue; /* empty (our own acknowledgement) or gone */
        /* Acknowledge as Linux's xenbus does: clear the node, then act. */
        xs_client_write(&xs, "control/shutdown", "", 0, XS_TIMEOUT_NS);
        if (strcmp(value, "poweroff") == 0 || strcmp(value, "halt") == 0)
            what = 1;
        else if (strcmp(value, "reboot") == 0)
            what = 2;
        else
            printk("echo: control/shutdown '%s' is not supported here: ignored\n", value);
    }
    if (rc < 0)
        printk("echo: xenstore connection broken: %s\n", xs.error.msg);
    return what;
}

int domb_main(const struct boot_info *bi)
{
    struct domb_error err;
    char arg[24], line[LINE_MAX + 1], buf[64];
    size_t len = 0;
    uint64_t timeout_s = 0, start = time_now_ns();
    bool watching = false;
    evtchn_port_t ports[2];
    unsigned int nports = 0;

    if (cmdline_get(bi->cmdline, "echo.timeout", arg, sizeof(arg)))
        parse_u64(arg, &timeout_s);
    printk("echo: %s guest, %lu MiB: type a line and it comes back\n",
           bi->mode == BOOT_MODE_PVH ? "PVH" : "PV", bi->nr_pages >> 8);
    if (xenstore_open(&xs, &err) != 0)
        printk("echo: no xenstore (%s): control/shutdown is not watched\n", err.msg);
    else if (xs_client_watch(&xs, "control/shutdown", "shutdown", XS_TIMEOUT_NS) != 0)
        printk("echo: cannot watch control/shutdown: %s\n", xs.broken ? xs.error.msg : "refused");
    else
        watching = true;
    ports[nports++] = console_evtchn();
    if (watching)
        ports[nports++] = xenstore_evtchn();

    for (;;) {
        int n, what;

        evtchn_poll(ports, nports, 1000000000ULL);
        for (unsigned int i = 0; i < nports; i++)
            evtchn_test_and_clear(ports[i]);
        while ((n = console_read(buf, sizeof(buf))) > 0) {
            for (int i = 0; i < n; i++) {
                char c = buf[i];

                if (c == '\r' || c == '\n') {
                    line[len] = '\0';
                    console_write("\r\n", 2);
                    if (len)
                        printk("echo: \"%s\"\n", line);
                    len = 0;
                } else if ((c == 0x7f || c == 0x08) && len) {
                    len--;
                    console_write("\b \b", 3);
                } else if (c >= 0x20 && c < 0x7f && len < LINE_MAX) {
                    line[len++] = c;
                    console_write(&c, 1); /* as a terminal echoes */
                }
            }
        }
        what = watching ? shutdown_request() : 0;
        watching = watching && !xs.broken; /* said once, in shutdown_request */
        if (what == 1) {
            printk("echo: control/shutdown says poweroff: powering off\n");
            printk("Test result: SUCCESS\n");
            return KERNEL_EXIT_SUCCESS;
        }
        if (what == 2) {
            printk("echo: control/shutdown says reboot: rebooting\n");
            kernel_reboot();
        }
        if (timeout_s && time_now_ns() - start > timeout_s * 1000000000ULL) {
            printk("Test result: FAILURE (nobody asked it to shut down in %lu s)\n", timeout_s);
            return KERNEL_EXIT_FAILURE;
        }
    }
}
