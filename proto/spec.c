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

static void spec_put_string(uint8_t *b, size_t off, const char *s, size_t field_size)
{
    size_t n = strnlen(s, field_size - 1);

    memcpy(b + off, s, n); /* the rest of the field is already zero */
}

unsigned int spec_version_for(const struct vm_config *cfg)
{
    if (cfg->type != VM_TYPE_PV || cfg->has_max_grant_frames || cfg->has_max_maptrack_frames ||
        cfg->max_grant_version)
        return 2;
    return 1;
}

int spec_encode(const struct vm_config *cfg, void *buf, size_t size, struct domb_error *err)
{
    uint8_t *b = buf;
    uint16_t flags = 0;
    unsigned int version = spec_version_for(cfg);
    int rc;

    if ((rc = vm_config_validate(cfg, err)))
        return rc;
    if (size < SPEC_V1_SIZE)
        return domb_error_set(err, -XEN_ENOSPC, "spec needs %u bytes; the buffer holds %zu",
                              SPEC_V1_SIZE, size);
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

    memset(b, 0, SPEC_V1_SIZE);
    memcpy(b + SPEC_OFF_MAGIC, SPEC_MAGIC, 8);
    put_le16(b + SPEC_OFF_VERSION, (uint16_t)version);
    put_le16(b + SPEC_OFF_FLAGS, flags);
    put_le32(b + SPEC_OFF_SIZE, SPEC_V1_SIZE);
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
    return SPEC_V1_SIZE;
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
    if (size != SPEC_V1_SIZE)
        return domb_error_set(err, -XEN_EINVAL, "size field says %u bytes; version %u is %u", size,
                              *version, SPEC_V1_SIZE);
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

    /* Ranges, memory <= maxmem, vcpus, domid, on_exit, name characters, ... */
    if ((rc = vm_config_validate(cfg, err)))
        return rc;
    /* One encoding per spec: what version 1 can say is written as version 1. */
    if (version != spec_version_for(cfg))
        return domb_error_set(err, -XEN_EINVAL,
                              "is version %u but holds only version 1 settings (a PV guest "
                              "without grant limits must be written as version 1)",
                              version);
    return 0;
}
