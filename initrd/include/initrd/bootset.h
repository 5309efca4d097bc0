/*
 * The boot set: which VMs to build from the initramfs, in which order.
 *
 * domb-pack writes the archive (docs/packing.md): a manifest at
 * BOOTSET_MANIFEST_NAME listing spec members in start order, one spec per VM,
 * and the kernels and ramdisks the specs name. bootset_load reads the
 * manifest, decodes every spec and finds each VM's kernel and ramdisk in the
 * archive. A bad VM does not fail the set: each VM has its own status, so the
 * builder can report it and still start the others.
 */
#ifndef INITRD_BOOTSET_H
#define INITRD_BOOTSET_H

#include <proto/manifest.h>
#include <proto/vm_config.h>

#define BOOTSET_MANIFEST_NAME "domb/manifest"
#define BOOTSET_SPEC_DIR      "domb/specs/"  /* specs are domb/specs/<vm name>.spec */
#define BOOTSET_IMAGE_DIR     "domb/images/" /* kernels and ramdisks */

struct bootset_vm {
    const char *spec_name; /* archive member, from the manifest */
    int status;            /* 0: ready to build; negative: see error */
    struct domb_error error;
    struct vm_config config; /* valid when status == 0 */
    const void *kernel;      /* inside the archive */
    size_t kernel_size;
    const void *ramdisk; /* NULL when the VM has none */
    size_t ramdisk_size;
};

struct bootset {
    struct manifest manifest; /* spec names point into the archive */
    uint32_t nr_vms;          /* entries filled in vms[], in start order */
    uint32_t nr_failed;       /* of those, how many have status < 0 */
    struct bootset_vm *vms;
};

/*
 * Load the boot set from archive[0..len). vms[] (max_vms entries, caller
 * storage) receives one entry per manifest entry. Returns 0 when the manifest
 * was read (individual VMs may still have failed: see nr_failed and each
 * status), or a negative error when the archive or its manifest is unusable
 * or lists more than max_vms VMs.
 *
 * Per-VM errors read "SPEC: message" or "vm 'NAME': message", e.g.
 * "vm 'web': kernel domb/images/web.elf does not match kernel_sha256".
 */
int bootset_load(const void *archive, size_t len, struct bootset *set, struct bootset_vm *vms,
                 size_t max_vms, struct domb_error *err);

#endif
