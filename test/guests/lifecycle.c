/*
 * lifecycle: shuts down the way its plan says, one step per incarnation,
 * for xl's lifecycle keys (on_poweroff, on_reboot, on_crash). The plan is
 * "lifecycle.plan=reboot,poweroff" on the command line; the builder tells
 * a restarted incarnation which it is ("domb.restart=N", docs/config.md),
 * so incarnation N+1 takes step N. Each prints one line saying what it
 * does; the builder's log says what it did about it.
 */
#include <arch/hypercall.h>
#include <domb/lib.h>
#include <kernel/console.h>
#include <kernel/evtchn.h>
#include <kernel/kernel.h>
#include <kernel/time.h>
#include <kernel/xenstore_ring.h>
#include <xen/sched.h>

#define XS_TIMEOUT_NS     (5ULL * 1000000000ULL)
#define DEVICE_TIMEOUT_NS (120ULL * 1000000000ULL)

static unsigned int restart_number(const char *cmdline)
{
    char value[12];
    unsigned int n = 0;

    if (!cmdline_get(cmdline, "domb.restart", value, sizeof(value)))
        return 0;
    for (const char *s = value; *s >= '0' && *s <= '9'; s++)
        n = n * 10 + (unsigned int)(*s - '0');
    return n;
}

/* Step n of a comma-separated plan into step (empty when there is none). */
static void plan_step(const char *plan, unsigned int n, char *step, size_t size)
{
    size_t len = 0;

    while (n && *plan)
        if (*plan++ == ',')
            n--;
    while (*plan && *plan != ',' && len + 1 < size)
        step[len++] = *plan++;
    step[len] = '\0';
}

/* Wait until every device of the comma-separated list is connected;
 * false (and a FAILURE line) when one is not in time. */
static bool devices_connected(const char *list)
{
    struct xs_client xs;
    struct domb_error err;
    uint64_t start = time_now_ns();

    if (xenstore_open(&xs, &err) != 0) {
        printk("lifecycle: no xenstore: %s\n", err.msg);
        return false;
    }
    while (*list) {
        char dev[24], path[96], backend[80], status[24];
        size_t len = 0;
        int rc;

        while (*list && *list != ',' && len + 1 < sizeof(dev))
            dev[len++] = *list++;
        dev[len] = '\0';
        if (*list == ',')
            list++;
        domb_snprintf(path, sizeof(path), "device/%s/backend", dev);
        rc = xs_client_read(&xs, path, backend, sizeof(backend), XS_TIMEOUT_NS);
        if (rc <= 0) {
            printk("lifecycle: cannot read %s (%d)\n", path, rc);
            return false;
        }
        domb_snprintf(path, sizeof(path), "%s/hotplug-status", backend);
        for (;;) {
            rc = xs_client_read(&xs, path, status, sizeof(status), XS_TIMEOUT_NS);
            if (rc > 0 && strcmp(status, "connected") == 0)
                break;
            if (rc > 0 && strcmp(status, "error") == 0) {
                printk("lifecycle: %s: the driver domain failed it\n", dev);
                return false;
            }
            if (time_now_ns() - start > DEVICE_TIMEOUT_NS) {
                printk("lifecycle: %s: not connected in 120 s (%s: %s)\n", dev, path,
                       rc > 0 ? status : "unset");
                return false;
            }
            evtchn_poll(NULL, 0, 50000000ULL);
        }
        printk("lifecycle: %s connected (%s)\n", dev, backend);
    }
    return true;
}

/* "STEP@S": strip "@S" from step and wait until S s after start. */
static void step_wait(char *step, uint64_t start_ns)
{
    char *at = step;
    uint64_t s = 0;

    while (*at && *at != '@')
        at++;
    if (!*at)
        return;
    *at++ = '\0';
    for (; *at >= '0' && *at <= '9'; at++)
        s = s * 10 + (uint64_t)(*at - '0');
    while (time_now_ns() - start_ns < s * 1000000000ULL)
        evtchn_poll(NULL, 0, 100000000ULL);
}

int domb_main(const struct boot_info *bi)
{
    char plan[256], step[16], devices[64];
    unsigned int n = restart_number(bi->cmdline);
    uint64_t start_ns = time_now_ns();

    if (!cmdline_get(bi->cmdline, "lifecycle.plan", plan, sizeof(plan))) {
        printk("lifecycle: no lifecycle.plan on the command line\n");
        printk("Test result: FAILURE\n");
        return KERNEL_EXIT_FAILURE;
    }
    plan_step(plan, n, step, sizeof(step));
    printk("lifecycle: incarnation %u (domb.restart=%u) of plan %s: %s\n", n + 1, n, plan,
           step[0] ? step : "(past its end)");
    if (cmdline_get(bi->cmdline, "lifecycle.devices", devices, sizeof(devices))) {
        if (!devices_connected(devices)) {
            printk("Test result: FAILURE (devices)\n");
            return KERNEL_EXIT_FAILURE;
        }
        start_ns = time_now_ns();
    }
    step_wait(step, start_ns);
    if (strcmp(step, "reboot") == 0)
        hypercall_shutdown(SHUTDOWN_reboot);
    else if (strcmp(step, "crash") == 0)
        hypercall_shutdown(SHUTDOWN_crash);
    else if (strcmp(step, "poweroff") == 0)
        return KERNEL_EXIT_SUCCESS;
    printk("Test result: FAILURE (no step %u in the plan)\n", n);
    return KERNEL_EXIT_FAILURE;
}
