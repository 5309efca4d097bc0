/*
 * Binary VM spec encoder and decoder (layout in <proto/spec.h> and
 * docs/spec-format.md). The decoder treats its input as hostile: it reads
 * only inside [buf, buf + len) and checks every byte it does not use.
 */
#include <domb/errno.h>
#include <domb/byteorder.h>
#include <proto/format.h>
#include <proto/spec.h>

/* The layout is contiguous and each field matches its vm_config counterpart. */
_Static_assert(SPEC_OFF_MAGIC == FORMAT_OFF_MAGIC && SPEC_OFF_VERSION == FORMAT_OFF_VERSION &&
                   SPEC_OFF_FLAGS == FORMAT_OFF_FLAGS && SPEC_OFF_SIZE == FORMAT_OFF_SIZE,
               "common framing");
_Static_assert(SPEC_OFF_VERSION == SPEC_OFF_MAGIC + 8, "layout");
_Static_assert(SPEC_OFF_FLAGS == SPEC_OFF_VERSION + 2, "layout");
_Static_assert(SPEC_OFF_SIZE == SPEC_OFF_FLAGS + 2, "layout");
_Static_assert(SPEC_OFF_MEMORY == SPEC_OFF_SIZE + 4, "layout");
_Static_assert(SPEC_HEADER_SIZE == SPEC_OFF_MEMORY, "layout");
_Static_assert(SPEC_OFF_MAXMEM == SPEC_OFF_MEMORY + 4, "layout");
_Static_assert(SPEC_OFF_VCPUS == SPEC_OFF_MAXMEM + 4, "layout");
_Static_assert(SPEC_OFF_DOMID == SPEC_OFF_VCPUS + 2, "layout");
_Static_assert(SPEC_OFF_ON_EXIT == SPEC_OFF_DOMID + 2, "layout");
_Static_assert(SPEC_OFF_NR_IOMEM == SPEC_OFF_ON_EXIT + 1, "layout");
_Static_assert(SPEC_OFF_NR_IOPORTS == SPEC_OFF_NR_IOMEM + 1, "layout");
_Static_assert(SPEC_OFF_NR_IRQS == SPEC_OFF_NR_IOPORTS + 1, "layout");
_Static_assert(SPEC_OFF_DB_MAX_VMS == SPEC_OFF_NR_IRQS + 1, "layout");
_Static_assert(SPEC_OFF_DB_MAX_MEMORY == SPEC_OFF_DB_PAD + 2, "layout");
_Static_assert(SPEC_OFF_RESERVED == SPEC_OFF_DB_MAX_MEMORY + 4, "layout");
_Static_assert(SPEC_OFF_NAME == SPEC_OFF_RESERVED + SPEC_RESERVED_SIZE, "layout");
_Static_assert(SPEC_OFF_TYPE == SPEC_OFF_RESERVED && SPEC_OFF_GRANT_VERSION == SPEC_OFF_TYPE + 1 &&
                   SPEC_OFF_GRANT_FRAMES == SPEC_OFF_GRANT_VERSION + 1 &&
                   SPEC_OFF_MAPTRACK == SPEC_OFF_GRANT_FRAMES + 2 &&
                   SPEC_OFF_V2_RESERVED == SPEC_OFF_MAPTRACK + 2 &&
                   SPEC_OFF_NAME == SPEC_OFF_V2_RESERVED + 2,
               "version 2 fields fill version 1's reserved bytes");
_Static_assert(VM_TYPE_COUNT <= 0xff && VM_GRANT_VERSION_MAX <= 0xff &&
                   VM_GRANT_FRAMES_MAX <= 0xffff,
               "version 2 field sizes");
_Static_assert(SPEC_OFF_KERNEL == SPEC_OFF_NAME + VM_NAME_MAX + 1, "layout");
_Static_assert(SPEC_OFF_RAMDISK == SPEC_OFF_KERNEL + VM_PATH_MAX + 1, "layout");
_Static_assert(SPEC_OFF_CMDLINE == SPEC_OFF_RAMDISK + VM_PATH_MAX + 1, "layout");
_Static_assert(SPEC_OFF_KERNEL_SHA256 == SPEC_OFF_CMDLINE + VM_CMDLINE_MAX + 1, "layout");
_Static_assert(SPEC_OFF_RAMDISK_SHA256 == SPEC_OFF_KERNEL_SHA256 + SHA256_DIGEST_SIZE, "layout");
_Static_assert(SPEC_OFF_IOMEM == SPEC_OFF_RAMDISK_SHA256 + SHA256_DIGEST_SIZE, "layout");
_Static_assert(SPEC_OFF_IOPORTS == SPEC_OFF_IOMEM + VM_IOMEM_MAX * SPEC_IOMEM_SIZE, "layout");
_Static_assert(SPEC_OFF_IRQS == SPEC_OFF_IOPORTS + VM_IOPORT_MAX * SPEC_IOPORT_SIZE, "layout");
_Static_assert(SPEC_V1_SIZE == SPEC_OFF_IRQS + VM_IRQ_MAX * SPEC_IRQ_SIZE, "layout");
_Static_assert(VM_IOMEM_MAX <= 0xff && VM_IOPORT_MAX <= 0xff && VM_IRQ_MAX <= 0xff, "u8 counts");
_Static_assert(VM_VCPUS_MAX <= 0xffff && VM_DOMID_MAX <= 0xffff && VM_DB_MAX_VMS <= 0xffff,
               "u16 fields");
_Static_assert(SPEC_OFF_NR_DEVICES == SPEC_V1_SIZE &&
                   SPEC_OFF_DEVICES_FLAGS == SPEC_OFF_NR_DEVICES + 1 &&
                   SPEC_OFF_DB_MAX_DEVICES == SPEC_OFF_DEVICES_FLAGS + 1 &&
                   SPEC_OFF_V3_RESERVED == SPEC_OFF_DB_MAX_DEVICES + 2 &&
                   SPEC_OFF_DEVICE == SPEC_OFF_V3_RESERVED + SPEC_V3_RESERVED_SIZE &&
                   SPEC_V3_SIZE == SPEC_OFF_DEVICE + VM_DEVICE_MAX * SPEC_DEVICE_SIZE,
               "version 3 appends the device table");
_Static_assert(SPEC_DEV_OFF_BACKEND == SPEC_DEV_OFF_RESERVED + 1 &&
                   SPEC_VIF_OFF_MAC == SPEC_DEV_OFF_BACKEND + VM_NAME_MAX + 1 &&
                   SPEC_VIF_OFF_PAD == SPEC_VIF_OFF_MAC + 6 &&
                   SPEC_VIF_OFF_BRIDGE == SPEC_VIF_OFF_PAD + 2 &&
                   SPEC_VIF_OFF_VIFNAME == SPEC_VIF_OFF_BRIDGE + VM_IFNAME_MAX + 1 &&
                   SPEC_VIF_OFF_SCRIPT == SPEC_VIF_OFF_VIFNAME + VM_IFNAME_MAX + 1 &&
                   SPEC_VIF_OFF_IP == SPEC_VIF_OFF_SCRIPT + VM_VIF_SCRIPT_MAX + 1 &&
                   SPEC_DEVICE_SIZE == SPEC_VIF_OFF_IP + VM_VIF_IP_MAX + 1,
               "vif record layout");
_Static_assert(SPEC_VBD_OFF_VIRTUAL_DEV == SPEC_DEV_OFF_BACKEND + VM_NAME_MAX + 1 &&
                   SPEC_VBD_OFF_VDEV == SPEC_VBD_OFF_VIRTUAL_DEV + 4 &&
                   SPEC_VBD_OFF_TARGET == SPEC_VBD_OFF_VDEV + VM_VDEV_MAX + 1 &&
                   SPEC_DEVICE_SIZE == SPEC_VBD_OFF_TARGET + VM_DISK_TARGET_MAX + 1,
               "disk record layout");
_Static_assert(VM_DEVICE_MAX <= 0xff && VM_DB_MAX_DEVICES <= 0xffff && VM_DISK_FORMAT_COUNT <= 0xff,
               "version 3 field sizes");
_Static_assert(SPEC_OFF_ON_REASON == SPEC_OFF_V3_RESERVED &&
                   SPEC_OFF_V4_FLAGS == SPEC_OFF_ON_REASON + VM_REASON_COUNT &&
                   SPEC_OFF_MAX_VCPUS == SPEC_OFF_V4_FLAGS + 1 &&
                   SPEC_OFF_V4_RESERVED == SPEC_OFF_MAX_VCPUS + 2 &&
                   SPEC_OFF_DEVICE == SPEC_OFF_V4_RESERVED + SPEC_V4_RESERVED_SIZE &&
                   SPEC_OFF_UUID == SPEC_V3_SIZE && SPEC_OFF_CPUS == SPEC_OFF_UUID + VM_UUID_SIZE &&
                   SPEC_OFF_CPUS_SOFT == SPEC_OFF_CPUS + VM_CPUMAP_BYTES &&
                   SPEC_OFF_V4_TAIL == SPEC_OFF_CPUS_SOFT + VM_CPUMAP_BYTES &&
                   SPEC_V4_SIZE == SPEC_OFF_V4_TAIL + SPEC_V4_TAIL_SIZE,
               "version 4 fills version 3's reserved bytes and appends a block");
_Static_assert(VM_ON_EXIT_COUNT < 0xff && VM_VCPUS_MAX <= 0xffff, "version 4 field sizes");
_Static_assert(SPEC_OFF_SECLABEL == SPEC_V4_SIZE &&
                   SPEC_OFF_INIT_SECLABEL == SPEC_OFF_SECLABEL + VM_SECLABEL_MAX + 1 &&
                   SPEC_V5_SIZE == SPEC_OFF_INIT_SECLABEL + VM_SECLABEL_MAX + 1,
               "version 5 appends the two labels to version 4");

static void spec_put_string(uint8_t *b, size_t off, const char *s, size_t field_size)
{
    size_t n = strnlen(s, field_size - 1);

    memcpy(b + off, s, n); /* the rest of the field is already zero */
}

/* Something only version 4 can say. */
static bool spec_needs_v4(const struct vm_config *cfg)
{
    return cfg->on_reason_set || cfg->on_exit == VM_ON_EXIT_RENAME_RESTART || cfg->has_uuid ||
           cfg->max_vcpus || cfg->has_cpus || cfg->has_cpus_soft;
}

/* The size of a spec of each version (1 and 2 share their layout). */
static uint32_t spec_size_of(unsigned int version)
{
    return version == 5   ? SPEC_V5_SIZE
           : version == 4 ? SPEC_V4_SIZE
           : version == 3 ? SPEC_V3_SIZE
                          : SPEC_V1_SIZE;
}

unsigned int spec_version_for(const struct vm_config *cfg)
{
    if (cfg->seclabel[0])
        return 5;
    if (spec_needs_v4(cfg))
        return 4;
    if (cfg->nr_devices || cfg->driver_domain || cfg->db_builder ||
        (cfg->db_client && cfg->db_max_devices != VM_DB_DEFAULT_MAX_DEVICES))
        return 3;
    if (cfg->type != VM_TYPE_PV || cfg->has_max_grant_frames || cfg->has_max_maptrack_frames ||
        cfg->max_grant_version)
        return 2;
    return 1;
}

size_t spec_size_for(const struct vm_config *cfg)
{
    return spec_size_of(spec_version_for(cfg));
}

/* A spec names each device's backend (domb-pack fills those a config left out). */
static int spec_check_backends(const struct vm_config *cfg, struct domb_error *err)
{
    char label[32];

    for (uint32_t i = 0; i < cfg->nr_devices && i < VM_DEVICE_MAX; i++) {
        if (cfg->devices[i].backend[0])
            continue;
        vm_device_label(&cfg->devices[i], label, sizeof(label));
        return domb_error_set(err, -XEN_EINVAL,
                              "%s has no backend (a spec names the driver domain of every "
                              "device)",
                              label);
    }
    return 0;
}

static void spec_put_device(uint8_t *e, const struct vm_device *dev)
{
    e[SPEC_DEV_OFF_KIND] = (uint8_t)dev->kind;
    spec_put_string(e, SPEC_DEV_OFF_BACKEND, dev->backend, sizeof(dev->backend));
    if (dev->kind == VM_DEVICE_VIF) {
        memcpy(e + SPEC_VIF_OFF_MAC, dev->vif.mac, sizeof(dev->vif.mac));
        spec_put_string(e, SPEC_VIF_OFF_BRIDGE, dev->vif.bridge, sizeof(dev->vif.bridge));
        spec_put_string(e, SPEC_VIF_OFF_VIFNAME, dev->vif.vifname, sizeof(dev->vif.vifname));
        spec_put_string(e, SPEC_VIF_OFF_SCRIPT, dev->vif.script, sizeof(dev->vif.script));
        spec_put_string(e, SPEC_VIF_OFF_IP, dev->vif.ip, sizeof(dev->vif.ip));
        return;
    }
    e[SPEC_DEV_OFF_FLAGS] = (uint8_t)((dev->disk.writable ? SPEC_DEV_FLAG_WRITABLE : 0) |
                                      (dev->disk.cdrom ? SPEC_DEV_FLAG_CDROM : 0));
    e[SPEC_DEV_OFF_FORMAT] = (uint8_t)dev->disk.format;
    put_le32(e + SPEC_VBD_OFF_VIRTUAL_DEV, dev->disk.virtual_device);
    spec_put_string(e, SPEC_VBD_OFF_VDEV, dev->disk.vdev, sizeof(dev->disk.vdev));
    spec_put_string(e, SPEC_VBD_OFF_TARGET, dev->disk.target, sizeof(dev->disk.target));
}

int spec_encode(const struct vm_config *cfg, void *buf, size_t size, struct domb_error *err)
{
    uint8_t *b = buf;
    uint16_t flags = 0;
    unsigned int version = spec_version_for(cfg);
    uint32_t total = spec_size_of(version);
    int rc;

    if ((rc = vm_config_validate(cfg, err)) || (rc = spec_check_backends(cfg, err)))
        return rc;
    if (size < total)
        return domb_error_set(err, -XEN_ENOSPC, "spec needs %u bytes; the buffer holds %zu", total,
                              size);
    if (cfg->has_kernel_sha256)
        flags |= SPEC_FLAG_KERNEL_SHA256;
    if (cfg->has_ramdisk_sha256)
        flags |= SPEC_FLAG_RAMDISK_SHA256;
    if (cfg->db_client)
        flags |= SPEC_FLAG_DB_CLIENT;
    if (cfg->has_max_grant_frames)
        flags |= SPEC_FLAG_GRANT_FRAMES;
    if (cfg->has_max_maptrack_frames)
        flags |= SPEC_FLAG_MAPTRACK;

    memset(b, 0, total);
    memcpy(b + SPEC_OFF_MAGIC, SPEC_MAGIC, 8);
    put_le16(b + SPEC_OFF_VERSION, (uint16_t)version);
    put_le16(b + SPEC_OFF_FLAGS, flags);
    put_le32(b + SPEC_OFF_SIZE, total);
    put_le32(b + SPEC_OFF_MEMORY, cfg->memory_mib);
    put_le32(b + SPEC_OFF_MAXMEM, cfg->maxmem_mib);
    put_le16(b + SPEC_OFF_VCPUS, (uint16_t)cfg->vcpus);
    put_le16(b + SPEC_OFF_DOMID, (uint16_t)cfg->domid);
    b[SPEC_OFF_ON_EXIT] = (uint8_t)cfg->on_exit;
    b[SPEC_OFF_NR_IOMEM] = (uint8_t)cfg->nr_iomem;
    b[SPEC_OFF_NR_IOPORTS] = (uint8_t)cfg->nr_ioports;
    b[SPEC_OFF_NR_IRQS] = (uint8_t)cfg->nr_irqs;
    put_le16(b + SPEC_OFF_DB_MAX_VMS, (uint16_t)cfg->db_max_vms);
    put_le32(b + SPEC_OFF_DB_MAX_MEMORY, cfg->db_max_memory_mib);
    /* Version 2 only; all zero in a version 1 spec. */
    b[SPEC_OFF_TYPE] = (uint8_t)cfg->type;
    b[SPEC_OFF_GRANT_VERSION] = (uint8_t)cfg->max_grant_version;
    put_le16(b + SPEC_OFF_GRANT_FRAMES, (uint16_t)cfg->max_grant_frames);
    put_le16(b + SPEC_OFF_MAPTRACK, (uint16_t)cfg->max_maptrack_frames);
    spec_put_string(b, SPEC_OFF_NAME, cfg->name, sizeof(cfg->name));
    spec_put_string(b, SPEC_OFF_KERNEL, cfg->kernel, sizeof(cfg->kernel));
    spec_put_string(b, SPEC_OFF_RAMDISK, cfg->ramdisk, sizeof(cfg->ramdisk));
    spec_put_string(b, SPEC_OFF_CMDLINE, cfg->cmdline, sizeof(cfg->cmdline));
    if (cfg->has_kernel_sha256)
        memcpy(b + SPEC_OFF_KERNEL_SHA256, cfg->kernel_sha256, SHA256_DIGEST_SIZE);
    if (cfg->has_ramdisk_sha256)
        memcpy(b + SPEC_OFF_RAMDISK_SHA256, cfg->ramdisk_sha256, SHA256_DIGEST_SIZE);
    for (uint32_t i = 0; i < cfg->nr_iomem; i++) {
        uint8_t *e = b + SPEC_OFF_IOMEM + i * SPEC_IOMEM_SIZE;

        put_le64(e, cfg->iomem[i].start_mfn);
        put_le64(e + 8, cfg->iomem[i].nr_pages);
        put_le64(e + 16, cfg->iomem[i].gfn);
    }
    for (uint32_t i = 0; i < cfg->nr_ioports; i++) {
        uint8_t *e = b + SPEC_OFF_IOPORTS + i * SPEC_IOPORT_SIZE;

        put_le32(e, cfg->ioports[i].first);
        put_le32(e + 4, cfg->ioports[i].last);
    }
    for (uint32_t i = 0; i < cfg->nr_irqs; i++)
        put_le32(b + SPEC_OFF_IRQS + i * SPEC_IRQ_SIZE, cfg->irqs[i]);
    if (version < 3)
        return SPEC_V1_SIZE;
    b[SPEC_OFF_NR_DEVICES] = (uint8_t)cfg->nr_devices;
    b[SPEC_OFF_DEVICES_FLAGS] =
        (uint8_t)((cfg->driver_domain ? SPEC_DEVICES_FLAG_DRIVER_DOMAIN : 0) |
                  (cfg->db_builder ? SPEC_DEVICES_FLAG_DB_BUILDER : 0));
    put_le16(b + SPEC_OFF_DB_MAX_DEVICES, (uint16_t)cfg->db_max_devices);
    for (uint32_t i = 0; i < cfg->nr_devices; i++)
        spec_put_device(b + SPEC_OFF_DEVICE + i * SPEC_DEVICE_SIZE, &cfg->devices[i]);
    if (version < 4)
        return SPEC_V3_SIZE;
    for (unsigned int r = 0; r < VM_REASON_COUNT; r++)
        if (cfg->on_reason_set & (1u << r))
            b[SPEC_OFF_ON_REASON + r] = (uint8_t)(1 + cfg->on_reason[r]);
    b[SPEC_OFF_V4_FLAGS] = (uint8_t)((cfg->has_uuid ? SPEC_V4_FLAG_UUID : 0) |
                                     (cfg->has_cpus ? SPEC_V4_FLAG_CPUS : 0) |
                                     (cfg->has_cpus_soft ? SPEC_V4_FLAG_CPUS_SOFT : 0));
    put_le16(b + SPEC_OFF_MAX_VCPUS, (uint16_t)cfg->max_vcpus);
    memcpy(b + SPEC_OFF_UUID, cfg->uuid, VM_UUID_SIZE);
    memcpy(b + SPEC_OFF_CPUS, cfg->cpus, VM_CPUMAP_BYTES);
    memcpy(b + SPEC_OFF_CPUS_SOFT, cfg->cpus_soft, VM_CPUMAP_BYTES);
    if (version < 5)
        return SPEC_V4_SIZE;
    spec_put_string(b, SPEC_OFF_SECLABEL, cfg->seclabel, VM_SECLABEL_MAX + 1);
    spec_put_string(b, SPEC_OFF_INIT_SECLABEL, cfg->init_seclabel, VM_SECLABEL_MAX + 1);
    return SPEC_V5_SIZE;
}

/* Array entries beyond the count must be zero, so a spec has one encoding. */
static int spec_check_unused(const uint8_t *b, size_t off, size_t entry_size, uint32_t used,
                             uint32_t max, const char *what, struct domb_error *err)
{
    for (uint32_t i = used; i < max; i++)
        if (format_first_nonzero(b, off + i * entry_size, entry_size) >= 0)
            return domb_error_set(err, -XEN_EINVAL, "%s entry %u is unused but not zero", what, i);
    return 0;
}

static int spec_check_count(uint32_t count, uint32_t max, const char *what, struct domb_error *err)
{
    if (count > max)
        return domb_error_set(err, -XEN_EINVAL, "holds %u %s; at most %u fit", count, what, max);
    return 0;
}

static int spec_check_header(const uint8_t *b, size_t len, uint16_t *version, uint16_t *flags,
                             struct domb_error *err)
{
    uint16_t known;
    uint32_t size;
    int rc;

    /* Version 1 is read as well as 2: check the magic, then the range. */
    if ((rc = format_check_header_versions(b, len, SPEC_HEADER_SIZE, SPEC_MAGIC, SPEC_VERSION_MIN,
                                           SPEC_VERSION, err)))
        return rc;
    *version = get_le16(b + SPEC_OFF_VERSION);
    size = get_le32(b + SPEC_OFF_SIZE);
    if (size != spec_size_of(*version))
        return domb_error_set(err, -XEN_EINVAL, "size field says %u bytes; version %u is %u", size,
                              *version, spec_size_of(*version));
    if ((rc = format_check_length(len, size, err)))
        return rc;
    *flags = get_le16(b + SPEC_OFF_FLAGS);
    known = *version == 1 ? SPEC_V1_FLAGS_KNOWN : SPEC_FLAGS_KNOWN;
    if (*flags & ~known)
        return domb_error_set(err, -XEN_EINVAL, "flags 0x%x hold unknown bits 0x%x", *flags,
                              *flags & ~known);
    if (get_le16(b + SPEC_OFF_DB_PAD) != 0)
        return domb_error_set(err, -XEN_EINVAL, "reserved byte at offset 0x%x is not zero",
                              SPEC_OFF_DB_PAD);
    if (*version == 1)
        return format_check_reserved(b, SPEC_OFF_RESERVED, SPEC_RESERVED_SIZE, err);
    return format_check_reserved(b, SPEC_OFF_V2_RESERVED, 2, err);
}

/* One device record of a version 3 spec; `what` is "device N". */
static int spec_get_device(const uint8_t *e, const char *what, struct vm_device *dev,
                           struct domb_error *err)
{
    char field[48];
    uint8_t flags = e[SPEC_DEV_OFF_FLAGS], format = e[SPEC_DEV_OFF_FORMAT];
    int rc;

    dev->kind = (enum vm_device_kind)e[SPEC_DEV_OFF_KIND];
    if (dev->kind != VM_DEVICE_VIF && dev->kind != VM_DEVICE_VBD)
        return domb_error_set(err, -XEN_EINVAL, "%s: kind %u is unknown (1 vif, 2 disk)", what,
                              (unsigned)e[SPEC_DEV_OFF_KIND]);
    if (e[SPEC_DEV_OFF_RESERVED])
        return domb_error_set(err, -XEN_EINVAL, "%s: reserved byte 0x%x is not zero", what,
                              SPEC_DEV_OFF_RESERVED);
    domb_snprintf(field, sizeof(field), "%s backend field", what);
    if ((rc = format_get_string(e, SPEC_DEV_OFF_BACKEND, dev->backend, sizeof(dev->backend),
                                -XEN_EINVAL, field, false, err)))
        return rc;
    if (dev->kind == VM_DEVICE_VIF) {
        static const struct {
            size_t off, size;
            const char *name;
        } strings[] = {
            {SPEC_VIF_OFF_BRIDGE, VM_IFNAME_MAX + 1, "bridge"},
            {SPEC_VIF_OFF_VIFNAME, VM_IFNAME_MAX + 1, "vifname"},
            {SPEC_VIF_OFF_SCRIPT, VM_VIF_SCRIPT_MAX + 1, "script"},
            {SPEC_VIF_OFF_IP, VM_VIF_IP_MAX + 1, "ip"},
        };
        char *dst[] = {dev->vif.bridge, dev->vif.vifname, dev->vif.script, dev->vif.ip};

        if (flags || format || get_le16(e + SPEC_VIF_OFF_PAD))
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s: a vif's flags, format and pad bytes must be zero", what);
        memcpy(dev->vif.mac, e + SPEC_VIF_OFF_MAC, sizeof(dev->vif.mac));
        for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
            domb_snprintf(field, sizeof(field), "%s %s field", what, strings[i].name);
            if ((rc = format_get_string(e, strings[i].off, dst[i], strings[i].size, -XEN_EINVAL,
                                        field, false, err)))
                return rc;
        }
        return 0;
    }
    if (flags & ~SPEC_DEV_FLAGS_KNOWN)
        return domb_error_set(err, -XEN_EINVAL, "%s: flags 0x%x hold unknown bits 0x%x", what,
                              flags, flags & ~SPEC_DEV_FLAGS_KNOWN);
    dev->disk.writable = flags & SPEC_DEV_FLAG_WRITABLE;
    dev->disk.cdrom = flags & SPEC_DEV_FLAG_CDROM;
    dev->disk.format = (enum vm_disk_format)format;
    dev->disk.virtual_device = get_le32(e + SPEC_VBD_OFF_VIRTUAL_DEV);
    dev->devid = dev->disk.virtual_device;
    domb_snprintf(field, sizeof(field), "%s vdev field", what);
    if ((rc = format_get_string(e, SPEC_VBD_OFF_VDEV, dev->disk.vdev, sizeof(dev->disk.vdev),
                                -XEN_EINVAL, field, false, err)))
        return rc;
    domb_snprintf(field, sizeof(field), "%s target field", what);
    return format_get_string(e, SPEC_VBD_OFF_TARGET, dev->disk.target, sizeof(dev->disk.target),
                             -XEN_EINVAL, field, false, err);
}

/* The device table of a version 3 or 4 spec (validated with the rest afterwards). */
static int spec_get_devices(const uint8_t *b, unsigned int version, struct vm_config *cfg,
                            struct domb_error *err)
{
    uint8_t flags = b[SPEC_OFF_DEVICES_FLAGS];
    uint32_t vifs = 0;
    char what[16];
    int rc;

    cfg->nr_devices = b[SPEC_OFF_NR_DEVICES];
    cfg->db_max_devices = get_le16(b + SPEC_OFF_DB_MAX_DEVICES);
    if (flags & ~SPEC_DEVICES_FLAGS_KNOWN)
        return domb_error_set(err, -XEN_EINVAL, "device table flags 0x%x hold unknown bits 0x%x",
                              flags, flags & ~SPEC_DEVICES_FLAGS_KNOWN);
    cfg->driver_domain = flags & SPEC_DEVICES_FLAG_DRIVER_DOMAIN;
    cfg->db_builder = flags & SPEC_DEVICES_FLAG_DB_BUILDER;
    if ((rc = version == 3
                  ? format_check_reserved(b, SPEC_OFF_V3_RESERVED, SPEC_V3_RESERVED_SIZE, err)
                  : format_check_reserved(b, SPEC_OFF_V4_RESERVED, SPEC_V4_RESERVED_SIZE, err)) ||
        (rc = spec_check_count(cfg->nr_devices, VM_DEVICE_MAX, "devices", err)) ||
        (rc = spec_check_unused(b, SPEC_OFF_DEVICE, SPEC_DEVICE_SIZE, cfg->nr_devices,
                                VM_DEVICE_MAX, "device", err)))
        return rc;
    for (uint32_t i = 0; i < cfg->nr_devices; i++) {
        struct vm_device *dev = &cfg->devices[i];

        domb_snprintf(what, sizeof(what), "device %u", i);
        if ((rc = spec_get_device(b + SPEC_OFF_DEVICE + i * SPEC_DEVICE_SIZE, what, dev, err)))
            return rc;
        if (dev->kind == VM_DEVICE_VIF)
            dev->devid = vifs++;
    }
    return 0;
}

/* The lifecycle and CPU fields of a version 4 spec (validated with the rest afterwards). */
static int spec_get_v4(const uint8_t *b, struct vm_config *cfg, struct domb_error *err)
{
    uint8_t flags = b[SPEC_OFF_V4_FLAGS];

    for (unsigned int r = 0; r < VM_REASON_COUNT; r++) {
        uint8_t v = b[SPEC_OFF_ON_REASON + r];

        if (v == 0)
            continue;
        if (v > VM_ON_EXIT_COUNT)
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s byte %u is unknown (0: as on_exit, else 1 + an action "
                                  "below %u)",
                                  vm_reason_key((enum vm_reason)r), v, VM_ON_EXIT_COUNT);
        cfg->on_reason_set |= 1u << r;
        cfg->on_reason[r] = (enum vm_on_exit)(v - 1);
    }
    if (flags & ~SPEC_V4_FLAGS_KNOWN)
        return domb_error_set(err, -XEN_EINVAL, "version 4 flags 0x%x hold unknown bits 0x%x",
                              flags, flags & ~SPEC_V4_FLAGS_KNOWN);
    cfg->has_uuid = flags & SPEC_V4_FLAG_UUID;
    cfg->has_cpus = flags & SPEC_V4_FLAG_CPUS;
    cfg->has_cpus_soft = flags & SPEC_V4_FLAG_CPUS_SOFT;
    cfg->max_vcpus = get_le16(b + SPEC_OFF_MAX_VCPUS);
    memcpy(cfg->uuid, b + SPEC_OFF_UUID, VM_UUID_SIZE);
    memcpy(cfg->cpus, b + SPEC_OFF_CPUS, VM_CPUMAP_BYTES);
    memcpy(cfg->cpus_soft, b + SPEC_OFF_CPUS_SOFT, VM_CPUMAP_BYTES);
    return format_check_reserved(b, SPEC_OFF_V4_TAIL, SPEC_V4_TAIL_SIZE, err);
}

int spec_decode(const void *buf, size_t len, struct vm_config *cfg, struct domb_error *err)
{
    const uint8_t *b = buf;
    uint16_t version = 0, flags = 0;
    int rc;

    if ((rc = spec_check_header(b, len, &version, &flags, err)))
        return rc;

    vm_config_init(cfg);
    cfg->memory_mib = get_le32(b + SPEC_OFF_MEMORY);
    cfg->maxmem_mib = get_le32(b + SPEC_OFF_MAXMEM);
    cfg->vcpus = get_le16(b + SPEC_OFF_VCPUS);
    cfg->domid = get_le16(b + SPEC_OFF_DOMID);
    cfg->on_exit = (enum vm_on_exit)b[SPEC_OFF_ON_EXIT];
    cfg->nr_iomem = b[SPEC_OFF_NR_IOMEM];
    cfg->nr_ioports = b[SPEC_OFF_NR_IOPORTS];
    cfg->nr_irqs = b[SPEC_OFF_NR_IRQS];
    cfg->db_client = flags & SPEC_FLAG_DB_CLIENT;
    cfg->db_max_vms = get_le16(b + SPEC_OFF_DB_MAX_VMS);
    cfg->db_max_memory_mib = get_le32(b + SPEC_OFF_DB_MAX_MEMORY);
    /* Zero in version 1 (checked above): a PV guest with Xen's grant defaults. */
    cfg->type = (enum vm_type)b[SPEC_OFF_TYPE];
    cfg->max_grant_version = b[SPEC_OFF_GRANT_VERSION];
    cfg->has_max_grant_frames = flags & SPEC_FLAG_GRANT_FRAMES;
    cfg->max_grant_frames = get_le16(b + SPEC_OFF_GRANT_FRAMES);
    cfg->has_max_maptrack_frames = flags & SPEC_FLAG_MAPTRACK;
    cfg->max_maptrack_frames = get_le16(b + SPEC_OFF_MAPTRACK);
    if ((rc = format_get_string(b, SPEC_OFF_NAME, cfg->name, sizeof(cfg->name), -XEN_EINVAL,
                                "name field", false, err)) ||
        (rc = format_get_string(b, SPEC_OFF_KERNEL, cfg->kernel, sizeof(cfg->kernel), -XEN_EINVAL,
                                "kernel field", false, err)) ||
        (rc = format_get_string(b, SPEC_OFF_RAMDISK, cfg->ramdisk, sizeof(cfg->ramdisk),
                                -XEN_EINVAL, "ramdisk field", false, err)) ||
        (rc = format_get_string(b, SPEC_OFF_CMDLINE, cfg->cmdline, sizeof(cfg->cmdline),
                                -XEN_EINVAL, "cmdline field", false, err)))
        return rc;

    cfg->has_kernel_sha256 = flags & SPEC_FLAG_KERNEL_SHA256;
    cfg->has_ramdisk_sha256 = flags & SPEC_FLAG_RAMDISK_SHA256;
    memcpy(cfg->kernel_sha256, b + SPEC_OFF_KERNEL_SHA256, SHA256_DIGEST_SIZE);
    memcpy(cfg->ramdisk_sha256, b + SPEC_OFF_RAMDISK_SHA256, SHA256_DIGEST_SIZE);

    if ((rc = spec_check_count(cfg->nr_iomem, VM_IOMEM_MAX, "iomem ranges", err)) ||
        (rc = spec_check_count(cfg->nr_ioports, VM_IOPORT_MAX, "ioport ranges", err)) ||
        (rc = spec_check_count(cfg->nr_irqs, VM_IRQ_MAX, "irqs", err)) ||
        (rc = spec_check_unused(b, SPEC_OFF_IOMEM, SPEC_IOMEM_SIZE, cfg->nr_iomem, VM_IOMEM_MAX,
                                "iomem", err)) ||
        (rc = spec_check_unused(b, SPEC_OFF_IOPORTS, SPEC_IOPORT_SIZE, cfg->nr_ioports,
                                VM_IOPORT_MAX, "ioports", err)) ||
        (rc = spec_check_unused(b, SPEC_OFF_IRQS, SPEC_IRQ_SIZE, cfg->nr_irqs, VM_IRQ_MAX, "irqs",
                                err)))
        return rc;
    for (uint32_t i = 0; i < cfg->nr_iomem; i++) {
        const uint8_t *e = b + SPEC_OFF_IOMEM + i * SPEC_IOMEM_SIZE;

        cfg->iomem[i].start_mfn = get_le64(e);
        cfg->iomem[i].nr_pages = get_le64(e + 8);
        cfg->iomem[i].gfn = get_le64(e + 16);
    }
    for (uint32_t i = 0; i < cfg->nr_ioports; i++) {
        const uint8_t *e = b + SPEC_OFF_IOPORTS + i * SPEC_IOPORT_SIZE;

        cfg->ioports[i].first = get_le32(e);
        cfg->ioports[i].last = get_le32(e + 4);
    }
    for (uint32_t i = 0; i < cfg->nr_irqs; i++)
        cfg->irqs[i] = get_le32(b + SPEC_OFF_IRQS + i * SPEC_IRQ_SIZE);
    if (version >= 3 && (rc = spec_get_devices(b, version, cfg, err)))
        return rc;
    if (version >= 4 && (rc = spec_get_v4(b, cfg, err)))
        return rc;
    if (version == 5 &&
        ((rc = format_get_string(b, SPEC_OFF_SECLABEL, cfg->seclabel, sizeof(cfg->seclabel),
                                 -XEN_EINVAL, "seclabel field", false, err)) ||
         (rc = format_get_string(b, SPEC_OFF_INIT_SECLABEL, cfg->init_seclabel,
                                 sizeof(cfg->init_seclabel), -XEN_EINVAL, "init_seclabel field",
                                 false, err))))
        return rc;
    /* Older specs know no device limit: a client gets the default. */
    if (version < 3 && cfg->db_client)
        cfg->db_max_devices = VM_DB_DEFAULT_MAX_DEVICES;

    /* Ranges, memory <= maxmem, vcpus, domid, on_exit, name characters, devices, ... */
    if ((rc = vm_config_validate(cfg, err)) || (rc = spec_check_backends(cfg, err)))
        return rc;
    /* One encoding per spec: each config is written as the lowest version that can say it. */
    if (version == 2 && spec_version_for(cfg) == 1)
        return domb_error_set(err, -XEN_EINVAL,
                              "is version %u but holds only version 1 settings (a PV guest "
                              "without grant limits must be written as version 1)",
                              version);
    if (version == 5 && spec_version_for(cfg) != 5)
        return domb_error_set(err, -XEN_EINVAL,
                              "is version 5 but has no seclabel (it must be written as version "
                              "%u)",
                              spec_version_for(cfg));
    /* Only rename-restart can say more than its version (in on_exit). */
    if (version < spec_version_for(cfg))
        return domb_error_set(err, -XEN_EINVAL,
                              "is version %u but its on_exit is rename-restart, which needs "
                              "version 4",
                              version);
    if (version == 4 && spec_version_for(cfg) != 4)
        return domb_error_set(err, -XEN_EINVAL,
                              "is version 4 but has no action per shutdown reason, no "
                              "rename-restart, uuid, maxvcpus, cpus or cpus_soft (it must be "
                              "written as version %u)",
                              spec_version_for(cfg));
    if (version != spec_version_for(cfg))
        return domb_error_set(
            err, -XEN_EINVAL,
            "is version 3 but has no devices, no driver_domain, no db_builder and "
            "the default db_client_max_devices (it must be written as version "
            "%u)",
            spec_version_for(cfg));
    return 0;
}
