/* A dom0 kernel that never finishes: domb-run must stop it at its timeout
 * and exit with status 3. */
#include <arch/hypercall.h>
#include <kernel/console.h>
#include <kernel/kernel.h>

int domb_main(const struct boot_info *bi)
{
    printk("kernel-hang: going to sleep forever\n");
    for (;;)
        hypercall_yield();
    return KERNEL_EXIT_FAILURE;
}
