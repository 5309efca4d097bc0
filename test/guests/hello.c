/* hello: the smallest useful guest. Prints, reports success, powers off. */
#include <kernel/console.h>
#include <kernel/kernel.h>
#include <kernel/time.h>

int domb_main(const struct boot_info *bi)
{
    printk("Hello from a domB guest: %lu MiB, cmdline \"%s\"\n", bi->nr_pages >> 8, bi->cmdline);
    if (bi->mode == BOOT_MODE_PVH)
        printk("hello: booted as PVH (hvm_start_info version %u, %u memory map entries)\n",
               bi->pvh->start.si->version, bi->pvh->start.memmap_entries);
    printk("Test result: SUCCESS\n");
    return KERNEL_EXIT_SUCCESS;
}
