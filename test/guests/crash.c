/* crash: faults on purpose. The trap handler prints the fault and the domain
 * shuts down as crashed, which the builder must report. */
#include <kernel/console.h>
#include <kernel/kernel.h>

int domb_main(const struct boot_info *bi)
{
    volatile uint64_t *bad = (volatile uint64_t *)0xdead000;

    printk("crash: about to fault on purpose\n");
    *bad = 1;
    printk("Test result: FAILURE (no fault)\n");
    return KERNEL_EXIT_FAILURE;
}
