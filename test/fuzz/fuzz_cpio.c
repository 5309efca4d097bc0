/* libFuzzer: the CPIO newc reader and the boot set loader on arbitrary archives. */
#include <initrd/bootset.h>
#include <initrd/cpio.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct bootset_vm vms[MANIFEST_MAX_VMS];
    struct bootset set;
    struct cpio_iter it;
    struct cpio_entry e;
    struct domb_error err;
    const void *found;
    size_t found_size;
    volatile uint8_t sink = 0;

    cpio_iter_init(&it, data, size);
    while (cpio_next_entry(&it, &e, &err) == 1) {
        /* Touch the first and last bytes of name and data: ASan checks the bounds. */
        sink ^= (uint8_t)e.name[0] ^ (uint8_t)e.name[e.name_len];
        if (e.size)
            sink ^= e.data[0] ^ e.data[e.size - 1];
    }
    if (cpio_find(data, size, "domb/manifest", &found, &found_size, &err) == 0 && found_size)
        sink ^= ((const uint8_t *)found)[found_size - 1];

    if (bootset_load(data, size, &set, vms, MANIFEST_MAX_VMS, &err) == 0) {
        for (uint32_t i = 0; i < set.nr_vms; i++) {
            if (vms[i].status)
                continue;
            if (vms[i].kernel_size)
                sink ^= ((const uint8_t *)vms[i].kernel)[vms[i].kernel_size - 1];
            if (vms[i].ramdisk_size)
                sink ^= ((const uint8_t *)vms[i].ramdisk)[vms[i].ramdisk_size - 1];
        }
    }
    (void)sink;
    return 0;
}
