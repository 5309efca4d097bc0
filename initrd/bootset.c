/* Boot set loading (see <initrd/bootset.h>). */
#include <domb/errno.h>
#include <domb/sha256.h>
#include <initrd/bootset.h>
#include <initrd/cpio.h>
#include <proto/spec.h>

/* Find one of the VM's images and check its hash when the spec carries one. */
static int bootset_image(const void *archive, size_t len, struct bootset_vm *vm, const char *what,
                         const char *name, bool has_hash, const uint8_t *expect, const void **data,
                         size_t *size)
{
    struct domb_error find_err;
    uint8_t digest[SHA256_DIGEST_SIZE];
    int rc;

    rc = cpio_find(archive, len, name, data, size, &find_err);
    if (rc)
        return domb_error_set(&vm->error, rc, "vm '%s': %s: %s", vm->config.name, what,
                              find_err.msg);
    if (has_hash) {
        sha256(*data, *size, digest);
        if (memcmp(digest, expect, SHA256_DIGEST_SIZE) != 0)
            return domb_error_set(&vm->error, -XEN_EINVAL,
                                  "vm '%s': %s %s does not match %s_sha256", vm->config.name, what,
                                  name, what);
    }
    return 0;
}

/* Names and fixed domids must be unique among the VMs that loaded. */
static int bootset_check_unique(const struct bootset *set, struct bootset_vm *vm)
{
    for (uint32_t i = 0; i < set->nr_vms; i++) {
        const struct bootset_vm *other = &set->vms[i];

        if (other->status)
            continue;
        if (strcmp(other->config.name, vm->config.name) == 0)
            return domb_error_set(&vm->error, -XEN_EEXIST, "vm '%s': %s uses the same name as %s",
                                  vm->config.name, vm->spec_name, other->spec_name);
        if (vm->config.domid && other->config.domid == vm->config.domid)
            return domb_error_set(&vm->error, -XEN_EEXIST, "vm '%s': domid %u is also vm '%s's",
                                  vm->config.name, vm->config.domid, other->config.name);
    }
    return 0;
}

static int bootset_load_vm(const void *archive, size_t len, const struct bootset *set,
                           struct bootset_vm *vm)
{
    struct domb_error sub;
    const void *spec;
    size_t spec_size;
    int rc;

    rc = cpio_find(archive, len, vm->spec_name, &spec, &spec_size, &sub);
    if (rc)
        return domb_error_set(&vm->error, rc, "%s", sub.msg);
    rc = spec_decode(spec, spec_size, &vm->config, &sub);
    if (rc)
        return domb_error_set(&vm->error, rc, "%s: %s", vm->spec_name, sub.msg);
    rc = bootset_image(archive, len, vm, "kernel", vm->config.kernel, vm->config.has_kernel_sha256,
                       vm->config.kernel_sha256, &vm->kernel, &vm->kernel_size);
    if (rc)
        return rc;
    if (vm->config.ramdisk[0]) {
        rc = bootset_image(archive, len, vm, "ramdisk", vm->config.ramdisk,
                           vm->config.has_ramdisk_sha256, vm->config.ramdisk_sha256, &vm->ramdisk,
                           &vm->ramdisk_size);
        if (rc)
            return rc;
    }
    return bootset_check_unique(set, vm);
}

int bootset_load(const void *archive, size_t len, struct bootset *set, struct bootset_vm *vms,
                 size_t max_vms, struct domb_error *err)
{
    struct domb_error sub;
    const void *manifest;
    size_t manifest_len;
    int rc;

    memset(set, 0, sizeof(*set));
    set->vms = vms;
    rc = cpio_find(archive, len, BOOTSET_MANIFEST_NAME, &manifest, &manifest_len, &sub);
    if (rc)
        return domb_error_set(err, rc, "%s", sub.msg);
    rc = manifest_decode(manifest, manifest_len, &set->manifest, &sub);
    if (rc)
        return domb_error_set(err, rc, BOOTSET_MANIFEST_NAME ": %s", sub.msg);
    if (set->manifest.nr_vms > max_vms)
        return domb_error_set(err, -XEN_E2BIG, BOOTSET_MANIFEST_NAME ": lists %u VMs; room for %zu",
                              set->manifest.nr_vms, max_vms);

    for (uint32_t i = 0; i < set->manifest.nr_vms; i++) {
        struct bootset_vm *vm = &vms[i];

        memset(vm, 0, sizeof(*vm));
        vm->spec_name = set->manifest.spec_names[i];
        vm->status = bootset_load_vm(archive, len, set, vm);
        if (vm->status) {
            vm->kernel = vm->ramdisk = NULL;
            vm->kernel_size = vm->ramdisk_size = 0;
            set->nr_failed++;
        }
        set->nr_vms++;
    }
    return 0;
}
