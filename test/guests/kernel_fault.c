/* A dom0 kernel that faults on purpose: the trap handler must print the
 * fault and end the run as crashed (domb-run exit status 2). */
#include <kernel/console.h>
#include <kernel/kernel.h>

int domb_main(const struct boot_info *bi)
{
    volatile uint64_t *unmapped = (volatile uint64_t *)0x1000;

    printk("kernel-fault: about to write to %p\n", (void *)unmapped);
    *unmapped = 0xdead;
    printk("kernel-fault: still alive?!\n");
    return KERNEL_EXIT_FAILURE;
}
