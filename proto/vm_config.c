/*
 * Checks on a VM configuration that both the text parser and the binary spec
 * decoder need, so the two can never disagree about what is valid.
 */
#include <domb/errno.h>
#include <proto/vm_config.h>

static const char *const vm_on_exit_names[VM_ON_EXIT_COUNT] = {
    [VM_ON_EXIT_DESTROY] = "destroy",
    [VM_ON_EXIT_PRESERVE] = "preserve",
    [VM_ON_EXIT_RESTART] = "restart",
};

static const char *const vm_type_names[VM_TYPE_COUNT] = {
    [VM_TYPE_PV] = "pv",
    [VM_TYPE_PVH] = "pvh",
};

const char *vm_type_name(enum vm_type type)
{
    if ((unsigned)type >= VM_TYPE_COUNT)
        return NULL;
    return vm_type_names[type];
}

void vm_config_init(struct vm_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->vcpus = 1;
    cfg->on_exit = VM_ON_EXIT_DESTROY;
    cfg->type = VM_TYPE_PV;
}

const char *vm_on_exit_name(enum vm_on_exit action)
{
    if ((unsigned)action >= VM_ON_EXIT_COUNT)
        return NULL;
    return vm_on_exit_names[action];
}

static bool vm_name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

int vm_config_check_name(const char *name, struct domb_error *err)
{
    size_t len = strnlen(name, VM_NAME_MAX + 1);

    if (len == 0)
        return domb_error_set(err, -XEN_EINVAL, "name must not be empty");
    if (len > VM_NAME_MAX)
        return domb_error_set(err, -XEN_EINVAL, "name is longer than %d characters", VM_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        if (!vm_name_char_ok(name[i]))
            return domb_error_set(err, -XEN_EINVAL,
                                  "name may only hold letters, digits, '_', '.' and '-'");
    }
    return 0;
}

int vm_config_check_iomem(const struct vm_iomem *range, struct domb_error *err)
{
    uint64_t end;

    if (range->nr_pages == 0)
        return domb_error_set(err, -XEN_EINVAL, "iomem range must cover at least one page");
    if (add_overflows_u64(range->start_mfn, range->nr_pages, &end) || end > VM_FRAME_LIMIT)
        return domb_error_set(err, -XEN_EINVAL, "iomem range 0x%llx+0x%llx is beyond 2^40 frames",
                              (unsigned long long)range->start_mfn,
                              (unsigned long long)range->nr_pages);
    if (add_overflows_u64(range->gfn, range->nr_pages, &end) || end > VM_FRAME_LIMIT)
        return domb_error_set(err, -XEN_EINVAL,
                              "iomem guest frame 0x%llx+0x%llx is beyond 2^40 frames",
                              (unsigned long long)range->gfn, (unsigned long long)range->nr_pages);
    return 0;
}

int vm_config_check_ioport(const struct vm_ioport *range, struct domb_error *err)
{
    if (range->last > VM_IOPORT_LAST)
        return domb_error_set(err, -XEN_EINVAL, "ioport 0x%x is above 0xffff",
                              (unsigned)range->last);
    if (range->first > range->last)
        return domb_error_set(err, -XEN_EINVAL, "ioport range 0x%x-0x%x ends before it starts",
                              (unsigned)range->first, (unsigned)range->last);
    return 0;
}

int vm_config_check_irq(uint64_t irq, struct domb_error *err)
{
    if (irq > VM_IRQ_LAST)
        return domb_error_set(err, -XEN_EINVAL, "irq %llu is above %u", (unsigned long long)irq,
                              VM_IRQ_LAST);
    return 0;
}

static int vm_config_check_string(const char *field, size_t size, const char *what,
                                  struct domb_error *err)
{
    if (strnlen(field, size) == size)
        return domb_error_set(err, -XEN_EINVAL, "%s is not NUL-terminated", what);
    return 0;
}

static bool all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < len; i++)
        if (b[i])
            return false;
    return true;
}

int vm_config_validate(const struct vm_config *cfg, struct domb_error *err)
{
    int rc;

    if ((rc = vm_config_check_string(cfg->name, sizeof(cfg->name), "name", err)) ||
        (rc = vm_config_check_string(cfg->kernel, sizeof(cfg->kernel), "kernel", err)) ||
        (rc = vm_config_check_string(cfg->ramdisk, sizeof(cfg->ramdisk), "ramdisk", err)) ||
        (rc = vm_config_check_string(cfg->cmdline, sizeof(cfg->cmdline), "cmdline", err)) ||
        (rc = vm_config_check_name(cfg->name, err)))
        return rc;
    if (cfg->kernel[0] == '\0')
        return domb_error_set(err, -XEN_EINVAL, "kernel must be given");
    if (cfg->memory_mib == 0 || cfg->memory_mib > VM_MEMORY_MAX)
        return domb_error_set(err, -XEN_EINVAL, "memory must be between 1 and %u MiB",
                              VM_MEMORY_MAX);
    if (cfg->maxmem_mib < cfg->memory_mib || cfg->maxmem_mib > VM_MEMORY_MAX)
        return domb_error_set(err, -XEN_EINVAL,
                              "maxmem (%u MiB) must be at least memory (%u MiB) and at most %u MiB",
                              cfg->maxmem_mib, cfg->memory_mib, VM_MEMORY_MAX);
    if (cfg->vcpus == 0 || cfg->vcpus > VM_VCPUS_MAX)
        return domb_error_set(err, -XEN_EINVAL, "vcpus must be between 1 and %d", VM_VCPUS_MAX);
    if (cfg->domid > VM_DOMID_MAX)
        return domb_error_set(err, -XEN_EINVAL, "domid must be between 1 and 0x%x", VM_DOMID_MAX);
    if (!vm_on_exit_name(cfg->on_exit))
        return domb_error_set(err, -XEN_EINVAL, "on_exit action %u is unknown",
                              (unsigned)cfg->on_exit);
    if (!vm_type_name(cfg->type))
        return domb_error_set(err, -XEN_EINVAL, "guest type %u is unknown", (unsigned)cfg->type);
    if (cfg->type == VM_TYPE_PVH && (cfg->nr_iomem || cfg->nr_ioports || cfg->nr_irqs))
        return domb_error_set(err, -XEN_EINVAL,
                              "a PVH guest cannot have iomem, ioports or irqs (domB passes "
                              "devices through to PV guests only)");
    if (cfg->has_max_grant_frames &&
        (cfg->max_grant_frames == 0 || cfg->max_grant_frames > VM_GRANT_FRAMES_MAX))
        return domb_error_set(err, -XEN_EINVAL, "max_grant_frames must be between 1 and %u",
                              VM_GRANT_FRAMES_MAX);
    if (!cfg->has_max_grant_frames && cfg->max_grant_frames)
        return domb_error_set(err, -XEN_EINVAL, "max_grant_frames is set but not marked present");
    if (cfg->has_max_maptrack_frames &&
        (cfg->max_maptrack_frames == 0 || cfg->max_maptrack_frames > VM_GRANT_FRAMES_MAX))
        return domb_error_set(err, -XEN_EINVAL, "max_maptrack_frames must be between 1 and %u",
                              VM_GRANT_FRAMES_MAX);
    if (!cfg->has_max_maptrack_frames && cfg->max_maptrack_frames)
        return domb_error_set(err, -XEN_EINVAL,
                              "max_maptrack_frames is set but not marked present");
    if (cfg->max_grant_version > VM_GRANT_VERSION_MAX)
        return domb_error_set(err, -XEN_EINVAL, "max_grant_version %u is unknown (Xen has 1 and 2)",
                              cfg->max_grant_version);
    if (cfg->has_ramdisk_sha256 && cfg->ramdisk[0] == '\0')
        return domb_error_set(err, -XEN_EINVAL, "ramdisk_sha256 is given without a ramdisk");
    if (!cfg->has_kernel_sha256 && !all_zero(cfg->kernel_sha256, SHA256_DIGEST_SIZE))
        return domb_error_set(err, -XEN_EINVAL, "kernel_sha256 is set but not marked present");
    if (!cfg->has_ramdisk_sha256 && !all_zero(cfg->ramdisk_sha256, SHA256_DIGEST_SIZE))
        return domb_error_set(err, -XEN_EINVAL, "ramdisk_sha256 is set but not marked present");
    if (!cfg->db_client && (cfg->db_max_vms || cfg->db_max_memory_mib))
        return domb_error_set(err, -XEN_EINVAL,
                              "db-server client limits are set but db_client is not");
    if (cfg->db_client && (cfg->db_max_vms == 0 || cfg->db_max_vms > VM_DB_MAX_VMS))
        return domb_error_set(err, -XEN_EINVAL, "db_client_max_vms must be between 1 and %d",
                              VM_DB_MAX_VMS);
    if (cfg->db_client && (cfg->db_max_memory_mib == 0 || cfg->db_max_memory_mib > VM_MEMORY_MAX))
        return domb_error_set(err, -XEN_EINVAL, "db_client_max_memory must be between 1 and %u MiB",
                              VM_MEMORY_MAX);
    if (cfg->nr_iomem > VM_IOMEM_MAX)
        return domb_error_set(err, -XEN_EINVAL, "more than %d iomem ranges", VM_IOMEM_MAX);
    if (cfg->nr_ioports > VM_IOPORT_MAX)
        return domb_error_set(err, -XEN_EINVAL, "more than %d ioport ranges", VM_IOPORT_MAX);
    if (cfg->nr_irqs > VM_IRQ_MAX)
        return domb_error_set(err, -XEN_EINVAL, "more than %d irqs", VM_IRQ_MAX);
    for (uint32_t i = 0; i < cfg->nr_iomem; i++)
        if ((rc = vm_config_check_iomem(&cfg->iomem[i], err)))
            return rc;
    for (uint32_t i = 0; i < cfg->nr_ioports; i++)
        if ((rc = vm_config_check_ioport(&cfg->ioports[i], err)))
            return rc;
    for (uint32_t i = 0; i < cfg->nr_irqs; i++)
        if ((rc = vm_config_check_irq(cfg->irqs[i], err)))
            return rc;
    return 0;
}
