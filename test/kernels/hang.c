/* A dom0 kernel that never finishes: domb-run must stop it at its timeout
 * and exit with status 3. */
#include <arch/hypercall.h>
#include <domb/console.h>
#include <domb/kernel.h>

int domb_main(const struct boot_info *bi)
{
    printk("kernel-hang: going to sleep forever\n");
    for (;;)
        hypercall_yield();
    return KERNEL_EXIT_FAILURE;
}
