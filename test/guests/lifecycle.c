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
#include <kernel/kernel.h>
#include <xen/sched.h>

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

int domb_main(const struct boot_info *bi)
{
    char plan[64], step[16];
    unsigned int n = restart_number(bi->cmdline);

    if (!cmdline_get(bi->cmdline, "lifecycle.plan", plan, sizeof(plan))) {
        printk("lifecycle: no lifecycle.plan on the command line\n");
        printk("Test result: FAILURE\n");
        return KERNEL_EXIT_FAILURE;
    }
    plan_step(plan, n, step, sizeof(step));
    printk("lifecycle: incarnation %u (domb.restart=%u) of plan %s: %s\n", n + 1, n, plan,
           step[0] ? step : "(past its end)");
    if (strcmp(step, "reboot") == 0)
        hypercall_shutdown(SHUTDOWN_reboot);
    else if (strcmp(step, "crash") == 0)
        hypercall_shutdown(SHUTDOWN_crash);
    else if (strcmp(step, "poweroff") == 0)
        return KERNEL_EXIT_SUCCESS;
    printk("Test result: FAILURE (no step %u in the plan)\n", n);
    return KERNEL_EXIT_FAILURE;
}
