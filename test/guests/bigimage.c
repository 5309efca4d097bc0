/*
 * bigimage: a guest whose ELF image is larger than 4 MiB (5 MiB of
 * initialised data), so building it needs more than one 4 MiB bootstrap
 * area's worth of page tables and many mapping windows. It checks that the
 * builder copied every byte of its data segment.
 */
#include <kernel/console.h>
#include <kernel/kernel.h>

#define BIG_SIZE (5u << 20)

/* Non-zero initialisers at both ends force the whole array into .data. */
static volatile uint8_t big[BIG_SIZE] = {[0] = 0xb1, [BIG_SIZE / 2] = 0x5a, [BIG_SIZE - 1] = 0xe7};

int domb_main(const struct boot_info *bi)
{
    unsigned long wrong = 0;

    for (uint32_t i = 0; i < BIG_SIZE; i++) {
        uint8_t want = i == 0 ? 0xb1 : i == BIG_SIZE / 2 ? 0x5a : i == BIG_SIZE - 1 ? 0xe7 : 0;
        if (big[i] != want)
            wrong++;
    }
    printk("bigimage: %u bytes of data, %lu wrong\n", BIG_SIZE, wrong);
    printk("Test result: %s\n", wrong ? "FAILURE" : "SUCCESS");
    return wrong ? KERNEL_EXIT_FAILURE : KERNEL_EXIT_SUCCESS;
}
