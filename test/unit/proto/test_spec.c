/* Binary VM spec and manifest: round trips and every decoder rejection. */
#include "domb_test.h"

#include <domb/errno.h>
#include <domb/byteorder.h>
#include <proto/manifest.h>
#include <proto/spec.h>
#include <stdio.h>
#include <string.h>

static uint8_t buf[SPEC_MAX_SIZE + 16];

static void sample_config(struct vm_config *cfg)
{
    vm_config_init(cfg);
    strcpy(cfg->name, "web");
    strcpy(cfg->kernel, "images/web.elf");
    strcpy(cfg->ramdisk, "images/web.cpio");
    strcpy(cfg->cmdline, "console=hvc0");
    cfg->memory_mib = 128;
    cfg->maxmem_mib = 256;
    cfg->vcpus = 2;
    cfg->domid = 7;
    cfg->on_exit = VM_ON_EXIT_PRESERVE;
    cfg->has_kernel_sha256 = true;
    memset(cfg->kernel_sha256, 0xab, SHA256_DIGEST_SIZE);
    cfg->has_ramdisk_sha256 = true;
    memset(cfg->ramdisk_sha256, 0xcd, SHA256_DIGEST_SIZE);
    cfg->nr_iomem = 2;
    cfg->iomem[0] = (struct vm_iomem){0xfe000, 2, 0x1000};
    cfg->iomem[1] = (struct vm_iomem){0xfffffffff0, 0x10, 0x5};
    cfg->nr_ioports = 1;
    cfg->ioports[0] = (struct vm_ioport){0x3f8, 0x3ff};
    cfg->nr_irqs = 3;
    cfg->irqs[0] = 4;
    cfg->irqs[1] = 9;
    cfg->irqs[2] = 0xffff;
}

/* Decode the first len bytes of buf and expect the decoder to reject them with msg. */
static void expect_reject(size_t len, const char *msg)
{
    struct vm_config out;
    struct domb_error err;

    assert_int_equal(spec_decode(buf, len, &out, &err), -XEN_EINVAL);
    assert_string_equal(err.msg, msg);
}

static void encode_sample(void)
{
    struct vm_config cfg;

    sample_config(&cfg);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), NULL), SPEC_V1_SIZE);
}

static void spec_round_trip(void **state)
{
    struct vm_config in, out;
    struct domb_error err;

    sample_config(&in);
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V1_SIZE);
    assert_int_equal(spec_decode(buf, SPEC_V1_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));
    /* A few bytes at their documented offsets. */
    assert_memory_equal(buf, "DOMBSPEC", 8);
    assert_int_equal(get_le16(buf + SPEC_OFF_VERSION), 1);
    assert_int_equal(get_le16(buf + SPEC_OFF_FLAGS), 3);
    assert_int_equal(get_le32(buf + SPEC_OFF_SIZE), 2352);
    assert_int_equal(get_le32(buf + SPEC_OFF_MEMORY), 128);
    assert_int_equal(buf[SPEC_OFF_NR_IRQS], 3);
    assert_int_equal(get_le64(buf + SPEC_OFF_IOMEM + 24), 0xfffffffff0);
    assert_string_equal((char *)buf + SPEC_OFF_NAME, "web");
}

static void spec_round_trip_minimal(void **state)
{
    struct vm_config in, out;

    vm_config_init(&in);
    strcpy(in.name, "a");
    strcpy(in.kernel, "k");
    in.memory_mib = in.maxmem_mib = 1;
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), NULL), SPEC_V1_SIZE);
    assert_int_equal(spec_decode(buf, SPEC_V1_SIZE, &out, NULL), 0);
    assert_memory_equal(&in, &out, sizeof(in));
    assert_int_equal(get_le16(buf + SPEC_OFF_FLAGS), 0);
}

static void spec_db_client_round_trip(void **state)
{
    struct vm_config in, out;
    struct domb_error err;

    sample_config(&in);
    in.db_client = true;
    in.db_max_vms = 5;
    in.db_max_memory_mib = 300;
    in.db_max_devices = VM_DB_DEFAULT_MAX_DEVICES; /* what version 1 means */
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V1_SIZE);
    assert_int_equal(get_le16(buf + SPEC_OFF_FLAGS), 7);
    assert_int_equal(get_le16(buf + SPEC_OFF_DB_MAX_VMS), 5);
    assert_int_equal(get_le32(buf + SPEC_OFF_DB_MAX_MEMORY), 300);
    assert_int_equal(spec_decode(buf, SPEC_V1_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));
    /* Limits without the client flag, or a non-zero pad, are refused. */
    put_le16(buf + SPEC_OFF_FLAGS, 3);
    expect_reject(SPEC_V1_SIZE, "db-server client limits are set but db_client is not");
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V1_SIZE);
    put_le16(buf + SPEC_OFF_DB_PAD, 1);
    expect_reject(SPEC_V1_SIZE, "reserved byte at offset 0x22 is not zero");
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V1_SIZE);
    put_le16(buf + SPEC_OFF_DB_MAX_VMS, 0);
    expect_reject(SPEC_V1_SIZE, "db_client_max_vms must be between 1 and 64");
}

static void spec_encode_rejects(void **state)
{
    struct vm_config cfg;
    struct domb_error err;

    sample_config(&cfg);
    assert_int_equal(spec_encode(&cfg, buf, SPEC_V1_SIZE - 1, &err), -XEN_ENOSPC);
    assert_string_equal(err.msg, "spec needs 2352 bytes; the buffer holds 2351");
    cfg.maxmem_mib = 64;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(
        err.msg, "maxmem (64 MiB) must be at least memory (128 MiB) and at most 1048576 MiB");
}

static void spec_rejects_header(void **state)
{
    encode_sample();
    expect_reject(15, "is truncated: 15 bytes, less than its header");
    expect_reject(SPEC_V1_SIZE - 1, "is 2351 bytes but its size field says 2352");
    expect_reject(SPEC_V1_SIZE + 1, "is 2353 bytes but its size field says 2352");
    buf[3] = 'x';
    expect_reject(SPEC_V1_SIZE, "magic is not \"DOMBSPEC\"");
    encode_sample();
    put_le16(buf + SPEC_OFF_VERSION, 6);
    expect_reject(SPEC_V1_SIZE, "version 6 is not supported (this build reads versions 1 to 5)");
    encode_sample();
    put_le16(buf + SPEC_OFF_VERSION, 0);
    expect_reject(SPEC_V1_SIZE, "version 0 is not supported (this build reads versions 1 to 5)");
    encode_sample();
    put_le16(buf + SPEC_OFF_VERSION, 4);
    expect_reject(SPEC_V1_SIZE, "size field says 2352 bytes; version 4 is 3968");
    encode_sample();
    put_le16(buf + SPEC_OFF_VERSION, 3);
    expect_reject(SPEC_V1_SIZE, "size field says 2352 bytes; version 3 is 3904");
    encode_sample();
    put_le32(buf + SPEC_OFF_SIZE, 4096);
    expect_reject(SPEC_V1_SIZE, "size field says 4096 bytes; version 1 is 2352");
    encode_sample();
    put_le16(buf + SPEC_OFF_FLAGS, 0x13);
    expect_reject(SPEC_V1_SIZE, "flags 0x13 hold unknown bits 0x10");
    encode_sample();
    buf[SPEC_OFF_RESERVED + 5] = 1;
    expect_reject(SPEC_V1_SIZE, "reserved byte at offset 0x2d is not zero");
}

static void spec_rejects_strings(void **state)
{
    encode_sample();
    memset(buf + SPEC_OFF_NAME, 'a', 64);
    expect_reject(SPEC_V1_SIZE, "name field is not NUL-terminated");
    encode_sample();
    buf[SPEC_OFF_KERNEL + 200] = 'x';
    expect_reject(SPEC_V1_SIZE, "kernel field has bytes after its terminating NUL");
    encode_sample();
    memset(buf + SPEC_OFF_CMDLINE, 'c', 1024);
    expect_reject(SPEC_V1_SIZE, "cmdline field is not NUL-terminated");
    encode_sample();
    buf[SPEC_OFF_RAMDISK + 255] = 'x';
    expect_reject(SPEC_V1_SIZE, "ramdisk field has bytes after its terminating NUL");
    encode_sample();
    buf[SPEC_OFF_NAME + 1] = ' ';
    expect_reject(SPEC_V1_SIZE, "name may only hold letters, digits, '_', '.' and '-'");
    encode_sample();
    memset(buf + SPEC_OFF_NAME, 0, 64);
    expect_reject(SPEC_V1_SIZE, "name must not be empty");
    encode_sample();
    memset(buf + SPEC_OFF_KERNEL, 0, 256);
    expect_reject(SPEC_V1_SIZE, "kernel must be given");
}

static void spec_rejects_counts(void **state)
{
    encode_sample();
    buf[SPEC_OFF_NR_IOMEM] = 17;
    expect_reject(SPEC_V1_SIZE, "holds 17 iomem ranges; at most 16 fit");
    encode_sample();
    buf[SPEC_OFF_NR_IOPORTS] = 255;
    expect_reject(SPEC_V1_SIZE, "holds 255 ioport ranges; at most 16 fit");
    encode_sample();
    buf[SPEC_OFF_NR_IRQS] = 33;
    expect_reject(SPEC_V1_SIZE, "holds 33 irqs; at most 32 fit");
    encode_sample();
    buf[SPEC_OFF_IOMEM + 5 * SPEC_IOMEM_SIZE + 3] = 1;
    expect_reject(SPEC_V1_SIZE, "iomem entry 5 is unused but not zero");
    encode_sample();
    buf[SPEC_OFF_IOPORTS + 15 * SPEC_IOPORT_SIZE] = 1;
    expect_reject(SPEC_V1_SIZE, "ioports entry 15 is unused but not zero");
    encode_sample();
    buf[SPEC_OFF_IRQS + 3 * SPEC_IRQ_SIZE] = 1;
    expect_reject(SPEC_V1_SIZE, "irqs entry 3 is unused but not zero");
}

static void spec_rejects_values(void **state)
{
    encode_sample();
    put_le32(buf + SPEC_OFF_MEMORY, 0);
    expect_reject(SPEC_V1_SIZE, "memory must be between 1 and 1048576 MiB");
    encode_sample();
    put_le32(buf + SPEC_OFF_MEMORY, 512);
    expect_reject(SPEC_V1_SIZE,
                  "maxmem (256 MiB) must be at least memory (512 MiB) and at most 1048576 MiB");
    encode_sample();
    put_le16(buf + SPEC_OFF_VCPUS, 0);
    expect_reject(SPEC_V1_SIZE, "vcpus must be between 1 and 64");
    encode_sample();
    put_le16(buf + SPEC_OFF_DOMID, 0x7ff0);
    expect_reject(SPEC_V1_SIZE, "domid must be between 1 and 0x7fef");
    encode_sample();
    buf[SPEC_OFF_ON_EXIT] = 3;
    expect_reject(SPEC_V1_SIZE,
                  "is version 1 but its on_exit is rename-restart, which needs version 4");
    encode_sample();
    buf[SPEC_OFF_ON_EXIT] = 4;
    expect_reject(SPEC_V1_SIZE, "on_exit action 4 is unknown");
    encode_sample();
    put_le64(buf + SPEC_OFF_IOMEM + 8, 0);
    expect_reject(SPEC_V1_SIZE, "iomem range must cover at least one page");
    encode_sample();
    put_le64(buf + SPEC_OFF_IOMEM + 24 + 8, UINT64_MAX);
    expect_reject(SPEC_V1_SIZE,
                  "iomem range 0xfffffffff0+0xffffffffffffffff is beyond 2^40 frames");
    encode_sample();
    put_le32(buf + SPEC_OFF_IOPORTS, 0x400);
    expect_reject(SPEC_V1_SIZE, "ioport range 0x400-0x3ff ends before it starts");
    encode_sample();
    put_le32(buf + SPEC_OFF_IOPORTS + 4, 0x10000);
    expect_reject(SPEC_V1_SIZE, "ioport 0x10000 is above 0xffff");
    encode_sample();
    put_le32(buf + SPEC_OFF_IRQS, 0x10000);
    expect_reject(SPEC_V1_SIZE, "irq 65536 is above 65535");
}

static void spec_rejects_hash_flags(void **state)
{
    encode_sample();
    put_le16(buf + SPEC_OFF_FLAGS, SPEC_FLAG_RAMDISK_SHA256);
    expect_reject(SPEC_V1_SIZE, "kernel_sha256 is set but not marked present");
    encode_sample();
    put_le16(buf + SPEC_OFF_FLAGS, SPEC_FLAG_KERNEL_SHA256);
    expect_reject(SPEC_V1_SIZE, "ramdisk_sha256 is set but not marked present");
    encode_sample();
    memset(buf + SPEC_OFF_RAMDISK, 0, 256);
    expect_reject(SPEC_V1_SIZE, "ramdisk_sha256 is given without a ramdisk");
}

/* ---- version 2: guest type and grant table limits ---- */

static void pvh_config(struct vm_config *cfg)
{
    sample_config(cfg);
    cfg->type = VM_TYPE_PVH;
    cfg->nr_iomem = cfg->nr_ioports = cfg->nr_irqs = 0;
    memset(cfg->iomem, 0, sizeof(cfg->iomem));
    memset(cfg->ioports, 0, sizeof(cfg->ioports));
    memset(cfg->irqs, 0, sizeof(cfg->irqs));
}

static void encode_pvh(void)
{
    struct vm_config cfg;

    pvh_config(&cfg);
    cfg.has_max_grant_frames = true;
    cfg.max_grant_frames = 32;
    memset(buf, 0, sizeof(buf));
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), NULL), SPEC_V1_SIZE);
}

static void spec_pvh_round_trip(void **state)
{
    struct vm_config in, out;
    struct domb_error err;

    pvh_config(&in);
    assert_int_equal(spec_version_for(&in), 2);
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V1_SIZE);
    assert_int_equal(get_le16(buf + SPEC_OFF_VERSION), 2);
    assert_int_equal(get_le32(buf + SPEC_OFF_SIZE), 2352);
    assert_int_equal(buf[SPEC_OFF_TYPE], 1);
    assert_int_equal(get_le16(buf + SPEC_OFF_FLAGS), 3);
    assert_int_equal(spec_decode(buf, SPEC_V1_SIZE, &out, &err), 0);
    assert_int_equal(out.type, VM_TYPE_PVH);
    assert_memory_equal(&in, &out, sizeof(in));
}

static void spec_grant_limits_round_trip(void **state)
{
    struct vm_config in, out;
    struct domb_error err;

    /* A PV guest with grant limits needs version 2 as well. */
    sample_config(&in);
    in.has_max_grant_frames = true;
    in.max_grant_frames = 65535;
    in.has_max_maptrack_frames = true;
    in.max_maptrack_frames = 1;
    in.max_grant_version = 2;
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V1_SIZE);
    assert_int_equal(get_le16(buf + SPEC_OFF_VERSION), 2);
    assert_int_equal(buf[SPEC_OFF_TYPE], 0);
    assert_int_equal(buf[SPEC_OFF_GRANT_VERSION], 2);
    assert_int_equal(get_le16(buf + SPEC_OFF_GRANT_FRAMES), 65535);
    assert_int_equal(get_le16(buf + SPEC_OFF_MAPTRACK), 1);
    assert_int_equal(get_le16(buf + SPEC_OFF_FLAGS),
                     3 | SPEC_FLAG_GRANT_FRAMES | SPEC_FLAG_MAPTRACK);
    assert_int_equal(spec_decode(buf, SPEC_V1_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));
    /* Each setting alone is enough for version 2. */
    sample_config(&in);
    in.max_grant_version = 1;
    assert_int_equal(spec_version_for(&in), 2);
    sample_config(&in);
    in.has_max_maptrack_frames = true;
    in.max_maptrack_frames = 8;
    assert_int_equal(spec_version_for(&in), 2);
}

/* An archive from before version 2: the same bytes, read as PV with Xen's
 * grant defaults (written by hand here, not by today's encoder). */
static void spec_version1_reads_as_pv(void **state)
{
    struct vm_config out;
    struct domb_error err;

    memset(buf, 0, sizeof(buf));
    memcpy(buf, "DOMBSPEC", 8);
    put_le16(buf + SPEC_OFF_VERSION, 1);
    put_le32(buf + SPEC_OFF_SIZE, 0x930);
    put_le32(buf + SPEC_OFF_MEMORY, 16);
    put_le32(buf + SPEC_OFF_MAXMEM, 16);
    put_le16(buf + SPEC_OFF_VCPUS, 1);
    strcpy((char *)buf + SPEC_OFF_NAME, "old");
    strcpy((char *)buf + SPEC_OFF_KERNEL, "hello");
    assert_int_equal(spec_decode(buf, SPEC_V1_SIZE, &out, &err), 0);
    assert_int_equal(out.type, VM_TYPE_PV);
    assert_false(out.has_max_grant_frames);
    assert_false(out.has_max_maptrack_frames);
    assert_int_equal(out.max_grant_version, 0);
    /* And today's encoder writes a PV guest without grant limits the same way. */
    assert_int_equal(spec_version_for(&out), 1);
    encode_sample();
    assert_int_equal(get_le16(buf + SPEC_OFF_VERSION), 1);
}

static void spec_version2_rejects(void **state)
{
    /* Version 1 has no type, grant fields or flags for them. */
    encode_sample();
    buf[SPEC_OFF_TYPE] = 1;
    expect_reject(SPEC_V1_SIZE, "reserved byte at offset 0x28 is not zero");
    encode_sample();
    put_le16(buf + SPEC_OFF_GRANT_FRAMES, 4);
    expect_reject(SPEC_V1_SIZE, "reserved byte at offset 0x2a is not zero");
    encode_sample();
    put_le16(buf + SPEC_OFF_FLAGS, 3 | SPEC_FLAG_GRANT_FRAMES);
    expect_reject(SPEC_V1_SIZE, "flags 0xb hold unknown bits 0x8");
    /* Version 2 only for what version 1 cannot say: one encoding per spec. */
    encode_sample();
    put_le16(buf + SPEC_OFF_VERSION, 2);
    expect_reject(SPEC_V1_SIZE, "is version 2 but holds only version 1 settings (a PV guest "
                                "without grant limits must be written as version 1)");
    encode_pvh();
    put_le16(buf + SPEC_OFF_FLAGS, 0x23);
    expect_reject(SPEC_V1_SIZE, "flags 0x23 hold unknown bits 0x20");
    encode_pvh();
    buf[SPEC_OFF_V2_RESERVED + 1] = 1;
    expect_reject(SPEC_V1_SIZE, "reserved byte at offset 0x2f is not zero");
    encode_pvh();
    buf[SPEC_OFF_TYPE] = 2;
    expect_reject(SPEC_V1_SIZE, "guest type 2 is unknown");
    encode_pvh();
    buf[SPEC_OFF_GRANT_VERSION] = 3;
    expect_reject(SPEC_V1_SIZE, "max_grant_version 3 is unknown (Xen has 1 and 2)");
    encode_pvh();
    put_le16(buf + SPEC_OFF_GRANT_FRAMES, 0);
    expect_reject(SPEC_V1_SIZE, "max_grant_frames must be between 1 and 65535");
    encode_pvh();
    put_le16(buf + SPEC_OFF_FLAGS, 3);
    expect_reject(SPEC_V1_SIZE, "max_grant_frames is set but not marked present");
    encode_pvh();
    put_le16(buf + SPEC_OFF_MAPTRACK, 9);
    expect_reject(SPEC_V1_SIZE, "max_maptrack_frames is set but not marked present");
    /* A PVH guest gets no devices, whatever wrote the spec. */
    encode_pvh();
    buf[SPEC_OFF_NR_IRQS] = 1;
    put_le32(buf + SPEC_OFF_IRQS, 4);
    expect_reject(SPEC_V1_SIZE, "a PVH guest cannot have iomem, ioports or irqs (domB passes "
                                "devices through to PV guests only)");
}

static void spec_encode_rejects_pvh_devices(void **state)
{
    struct vm_config cfg;
    struct domb_error err;

    sample_config(&cfg);
    cfg.type = VM_TYPE_PVH;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "a PVH guest cannot have iomem, ioports or irqs (domB passes "
                                 "devices through to PV guests only)");
    pvh_config(&cfg);
    cfg.has_max_maptrack_frames = true;
    cfg.max_maptrack_frames = 65536;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "max_maptrack_frames must be between 1 and 65535");
    cfg.max_maptrack_frames = 0;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "max_maptrack_frames must be between 1 and 65535");
}

/* ---- version 3: devices ---- */

/* The sample plus a vif, a writable disk and a cdrom, all backed by "dd". */
static void device_config(struct vm_config *cfg)
{
    struct vm_device *d;

    sample_config(cfg);
    cfg->nr_devices = 3;
    d = &cfg->devices[0];
    d->kind = VM_DEVICE_VIF;
    d->devid = 0;
    strcpy(d->backend, "dd");
    memcpy(d->vif.mac, "\x00\x16\x3e\x01\x02\x03", 6);
    strcpy(d->vif.bridge, "xenbr0");
    strcpy(d->vif.vifname, "web0");
    strcpy(d->vif.script, "vif-bridge");
    strcpy(d->vif.ip, "10.0.0.2");
    d = &cfg->devices[1];
    d->kind = VM_DEVICE_VBD;
    d->devid = 51712;
    strcpy(d->backend, "dd");
    strcpy(d->disk.target, "/srv/web.img");
    strcpy(d->disk.vdev, "xvda");
    d->disk.virtual_device = 51712;
    d->disk.writable = true;
    d = &cfg->devices[2];
    d->kind = VM_DEVICE_VBD;
    d->devid = 5632;
    strcpy(d->backend, "dd-2");
    strcpy(d->disk.target, "/srv/boot.iso");
    strcpy(d->disk.vdev, "hdc");
    d->disk.virtual_device = 5632;
    d->disk.cdrom = true;
}

static void encode_devices(void)
{
    struct vm_config cfg;

    device_config(&cfg);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), NULL), SPEC_V3_SIZE);
}

/* Record i of the device table in buf. */
static uint8_t *rec(unsigned i)
{
    return buf + SPEC_OFF_DEVICE + i * SPEC_DEVICE_SIZE;
}

static void spec_devices_round_trip(void **state)
{
    struct vm_config in, out;
    struct domb_error err;

    device_config(&in);
    assert_int_equal(spec_version_for(&in), 3);
    assert_int_equal(spec_size_for(&in), 3904);
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V3_SIZE);
    assert_int_equal(get_le16(buf + SPEC_OFF_VERSION), 3);
    assert_int_equal(get_le32(buf + SPEC_OFF_SIZE), 3904);
    assert_int_equal(buf[SPEC_OFF_NR_DEVICES], 3);
    assert_int_equal(buf[SPEC_OFF_DEVICES_FLAGS], 0);
    assert_int_equal(rec(0)[SPEC_DEV_OFF_KIND], VM_DEVICE_VIF);
    assert_string_equal((char *)rec(0) + SPEC_DEV_OFF_BACKEND, "dd");
    assert_memory_equal(rec(0) + SPEC_VIF_OFF_MAC, "\x00\x16\x3e\x01\x02\x03", 6);
    assert_string_equal((char *)rec(0) + SPEC_VIF_OFF_BRIDGE, "xenbr0");
    assert_string_equal((char *)rec(0) + SPEC_VIF_OFF_VIFNAME, "web0");
    assert_string_equal((char *)rec(0) + SPEC_VIF_OFF_SCRIPT, "vif-bridge");
    assert_string_equal((char *)rec(0) + SPEC_VIF_OFF_IP, "10.0.0.2");
    assert_int_equal(rec(1)[SPEC_DEV_OFF_KIND], VM_DEVICE_VBD);
    assert_int_equal(rec(1)[SPEC_DEV_OFF_FLAGS], SPEC_DEV_FLAG_WRITABLE);
    assert_int_equal(get_le32(rec(1) + SPEC_VBD_OFF_VIRTUAL_DEV), 51712);
    assert_string_equal((char *)rec(1) + SPEC_VBD_OFF_VDEV, "xvda");
    assert_string_equal((char *)rec(1) + SPEC_VBD_OFF_TARGET, "/srv/web.img");
    assert_int_equal(rec(2)[SPEC_DEV_OFF_FLAGS], SPEC_DEV_FLAG_CDROM);
    for (unsigned i = 0; i < 5 * SPEC_DEVICE_SIZE; i++)
        assert_int_equal(rec(3)[i], 0);
    assert_int_equal(spec_decode(buf, SPEC_V3_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));
    /* A whole table: 8 devices, the largest strings. */
    for (unsigned i = 3; i < VM_DEVICE_MAX; i++) {
        struct vm_device *d = &in.devices[i];

        *d = in.devices[0];
        d->devid = i - 2;
        d->vif.mac[4] = (uint8_t)i;
        memset(d->backend, 'b', VM_NAME_MAX);
        memset(d->vif.bridge, 'r', VM_IFNAME_MAX);
        memset(d->vif.vifname, 'v', VM_IFNAME_MAX);
        memset(d->vif.script, 's', VM_VIF_SCRIPT_MAX);
        strcpy(d->vif.ip, "fe80:0000:0000:0000:0000:0000:0000:0001");
    }
    in.nr_devices = VM_DEVICE_MAX;
    memset(in.devices[1].disk.target, 't', VM_DISK_TARGET_MAX);
    in.devices[1].disk.target[0] = '/';
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V3_SIZE);
    assert_int_equal(spec_decode(buf, SPEC_V3_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));
}

/* driver_domain and a non-default device limit need version 3 too; the
 * default limit does not, and older specs read with it. */
static void spec_driver_domain_and_device_limit(void **state)
{
    struct vm_config in, out;
    struct domb_error err;

    sample_config(&in);
    in.driver_domain = true;
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V3_SIZE);
    assert_int_equal(buf[SPEC_OFF_DEVICES_FLAGS], SPEC_DEVICES_FLAG_DRIVER_DOMAIN);
    assert_int_equal(buf[SPEC_OFF_NR_DEVICES], 0);
    assert_int_equal(spec_decode(buf, SPEC_V3_SIZE, &out, &err), 0);
    assert_true(out.driver_domain);
    assert_memory_equal(&in, &out, sizeof(in));

    sample_config(&in);
    in.db_builder = true;
    assert_int_equal(spec_version_for(&in), 3);
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V3_SIZE);
    assert_int_equal(buf[SPEC_OFF_DEVICES_FLAGS], SPEC_DEVICES_FLAG_DB_BUILDER);
    assert_int_equal(spec_decode(buf, SPEC_V3_SIZE, &out, &err), 0);
    assert_true(out.db_builder);
    assert_false(out.driver_domain);
    assert_memory_equal(&in, &out, sizeof(in));

    sample_config(&in);
    in.db_client = true;
    in.db_max_vms = 2;
    in.db_max_memory_mib = 64;
    in.db_max_devices = 0;
    assert_int_equal(spec_version_for(&in), 3);
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V3_SIZE);
    assert_int_equal(get_le16(buf + SPEC_OFF_DB_MAX_DEVICES), 0);
    assert_int_equal(spec_decode(buf, SPEC_V3_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));
    in.db_max_devices = 512;
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V3_SIZE);
    assert_int_equal(get_le16(buf + SPEC_OFF_DB_MAX_DEVICES), 512);
    assert_int_equal(spec_decode(buf, SPEC_V3_SIZE, &out, &err), 0);
    assert_int_equal(out.db_max_devices, 512);
    in.db_max_devices = VM_DB_DEFAULT_MAX_DEVICES;
    assert_int_equal(spec_version_for(&in), 1);
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V1_SIZE);
    assert_int_equal(spec_decode(buf, SPEC_V1_SIZE, &out, &err), 0);
    assert_int_equal(out.db_max_devices, 16);
    /* A PVH guest with devices is version 3 (its type stays in the v2 bytes). */
    pvh_config(&in);
    in.nr_devices = 1;
    device_config(&out);
    in.devices[0] = out.devices[1];
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V3_SIZE);
    assert_int_equal(buf[SPEC_OFF_TYPE], VM_TYPE_PVH);
    assert_int_equal(spec_decode(buf, SPEC_V3_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));
}

static void spec_version3_rejects_table(void **state)
{
    encode_devices();
    expect_reject(SPEC_V1_SIZE, "is 2352 bytes but its size field says 3904");
    put_le32(buf + SPEC_OFF_SIZE, SPEC_V1_SIZE);
    expect_reject(SPEC_V3_SIZE, "size field says 2352 bytes; version 3 is 3904");
    /* Nothing that needs version 3: one encoding per spec. */
    encode_devices();
    buf[SPEC_OFF_NR_DEVICES] = 0;
    memset(rec(0), 0, 3 * SPEC_DEVICE_SIZE);
    expect_reject(SPEC_V3_SIZE, "is version 3 but has no devices, no driver_domain, no "
                                "db_builder and the default db_client_max_devices (it must be "
                                "written as version 1)");
    encode_pvh();
    put_le16(buf + SPEC_OFF_VERSION, 3);
    put_le32(buf + SPEC_OFF_SIZE, SPEC_V3_SIZE);
    expect_reject(SPEC_V3_SIZE, "is version 3 but has no devices, no driver_domain, no "
                                "db_builder and the default db_client_max_devices (it must be "
                                "written as version 2)");
    encode_devices();
    buf[SPEC_OFF_DEVICES_FLAGS] = 5;
    expect_reject(SPEC_V3_SIZE, "device table flags 0x5 hold unknown bits 0x4");
    encode_devices();
    buf[SPEC_OFF_V3_RESERVED + 11] = 1;
    expect_reject(SPEC_V3_SIZE, "reserved byte at offset 0x93f is not zero");
    encode_devices();
    buf[SPEC_OFF_NR_DEVICES] = 9;
    expect_reject(SPEC_V3_SIZE, "holds 9 devices; at most 8 fit");
    encode_devices();
    rec(7)[SPEC_DEVICE_SIZE - 1] = 1;
    expect_reject(SPEC_V3_SIZE, "device entry 7 is unused but not zero");
    encode_devices();
    buf[SPEC_OFF_NR_DEVICES] = 2; /* the cdrom's record is now unused */
    expect_reject(SPEC_V3_SIZE, "device entry 2 is unused but not zero");
    encode_devices();
    buf[SPEC_OFF_NR_DEVICES] = 4;
    expect_reject(SPEC_V3_SIZE, "device 3: kind 0 is unknown (1 vif, 2 disk)");
    encode_devices();
    rec(1)[SPEC_DEV_OFF_KIND] = 3;
    expect_reject(SPEC_V3_SIZE, "device 1: kind 3 is unknown (1 vif, 2 disk)");
    encode_devices();
    rec(0)[SPEC_DEV_OFF_RESERVED] = 1;
    expect_reject(SPEC_V3_SIZE, "device 0: reserved byte 0x3 is not zero");
    encode_devices();
    rec(0)[SPEC_DEV_OFF_FLAGS] = SPEC_DEV_FLAG_WRITABLE;
    expect_reject(SPEC_V3_SIZE, "device 0: a vif's flags, format and pad bytes must be zero");
    encode_devices();
    rec(0)[SPEC_DEV_OFF_FORMAT] = 1;
    expect_reject(SPEC_V3_SIZE, "device 0: a vif's flags, format and pad bytes must be zero");
    encode_devices();
    rec(0)[SPEC_VIF_OFF_PAD + 1] = 1;
    expect_reject(SPEC_V3_SIZE, "device 0: a vif's flags, format and pad bytes must be zero");
    encode_devices();
    rec(1)[SPEC_DEV_OFF_FLAGS] = 5;
    expect_reject(SPEC_V3_SIZE, "device 1: flags 0x5 hold unknown bits 0x4");
    encode_devices();
    rec(1)[SPEC_DEV_OFF_FORMAT] = 1;
    expect_reject(SPEC_V3_SIZE, "disk xvda: format 1 is unknown (0 is raw)");
    encode_devices();
    rec(2)[SPEC_DEV_OFF_FLAGS] = SPEC_DEV_FLAG_CDROM | SPEC_DEV_FLAG_WRITABLE;
    expect_reject(SPEC_V3_SIZE, "disk hdc: a cdrom is read-only; it cannot be writable");
    encode_devices();
    put_le16(buf + SPEC_OFF_DB_MAX_DEVICES, 1);
    expect_reject(SPEC_V3_SIZE, "db_client_max_devices is set but db_client is not");
}

static void spec_version3_rejects_strings(void **state)
{
    encode_devices();
    memset(rec(0) + SPEC_DEV_OFF_BACKEND, 'a', 64);
    expect_reject(SPEC_V3_SIZE, "device 0 backend field is not NUL-terminated");
    encode_devices();
    rec(0)[SPEC_DEV_OFF_BACKEND + 63] = 'x';
    expect_reject(SPEC_V3_SIZE, "device 0 backend field has bytes after its terminating NUL");
    encode_devices();
    memset(rec(0) + SPEC_DEV_OFF_BACKEND, 0, 64);
    expect_reject(SPEC_V3_SIZE,
                  "vif 0 has no backend (a spec names the driver domain of every device)");
    encode_devices();
    strcpy((char *)rec(1) + SPEC_DEV_OFF_BACKEND, "d d");
    expect_reject(SPEC_V3_SIZE,
                  "disk xvda: backend 'd d' is not a VM name (letters, digits, '_', '.', '-')");
    encode_devices();
    strcpy((char *)rec(1) + SPEC_DEV_OFF_BACKEND, "web");
    expect_reject(SPEC_V3_SIZE, "disk xvda: backend 'web' is this VM itself; a device needs "
                                "another VM (a driver domain) as its backend");
    encode_devices();
    memset(rec(0) + SPEC_VIF_OFF_BRIDGE, 'b', 16);
    expect_reject(SPEC_V3_SIZE, "device 0 bridge field is not NUL-terminated");
    encode_devices();
    rec(0)[SPEC_VIF_OFF_VIFNAME + 15] = 'v';
    expect_reject(SPEC_V3_SIZE, "device 0 vifname field has bytes after its terminating NUL");
    encode_devices();
    memset(rec(0) + SPEC_VIF_OFF_SCRIPT, 's', 44);
    expect_reject(SPEC_V3_SIZE, "device 0 script field is not NUL-terminated");
    encode_devices();
    memset(rec(0) + SPEC_VIF_OFF_IP, '1', 40);
    expect_reject(SPEC_V3_SIZE, "device 0 ip field is not NUL-terminated");
    encode_devices();
    memset(rec(1) + SPEC_VBD_OFF_VDEV, 'x', 16);
    expect_reject(SPEC_V3_SIZE, "device 1 vdev field is not NUL-terminated");
    encode_devices();
    memset(rec(1) + SPEC_VBD_OFF_TARGET, '/', 104);
    expect_reject(SPEC_V3_SIZE, "device 1 target field is not NUL-terminated");
}

static void spec_version3_rejects_values(void **state)
{
    encode_devices();
    rec(0)[SPEC_VIF_OFF_MAC] = 0x01;
    expect_reject(SPEC_V3_SIZE, "vif 0: mac 01:16:3e:01:02:03 is a multicast address (the low bit "
                                "of the first byte is set)");
    encode_devices();
    memset(rec(0) + SPEC_VIF_OFF_MAC, 0, 6);
    expect_reject(SPEC_V3_SIZE, "vif 0: mac 00:00:00:00:00:00 is not an address");
    encode_devices();
    rec(0)[SPEC_VIF_OFF_BRIDGE] = 0;
    expect_reject(SPEC_V3_SIZE, "device 0 bridge field has bytes after its terminating NUL");
    encode_devices();
    memset(rec(0) + SPEC_VIF_OFF_BRIDGE, 0, 16);
    expect_reject(SPEC_V3_SIZE, "vif 0: bridge must not be empty");
    encode_devices();
    memcpy(rec(0) + SPEC_VIF_OFF_BRIDGE, "br/0\0\0", 6);
    expect_reject(SPEC_V3_SIZE, "vif 0: bridge 'br/0' is not an interface name (no '/', ':', "
                                "blanks or control bytes)");
    encode_devices();
    memset(rec(0) + SPEC_VIF_OFF_VIFNAME, 0, 16);
    strcpy((char *)rec(0) + SPEC_VIF_OFF_VIFNAME, "..");
    expect_reject(SPEC_V3_SIZE, "vif 0: vifname '..' is not an interface name");
    encode_devices();
    memset(rec(0) + SPEC_VIF_OFF_SCRIPT, 0, 44);
    expect_reject(SPEC_V3_SIZE, "vif 0: script must not be empty");
    encode_devices();
    memcpy(rec(0) + SPEC_VIF_OFF_SCRIPT, "vif;rm\0\0\0\0", 10);
    expect_reject(SPEC_V3_SIZE,
                  "vif 0: script 'vif;rm' may only hold letters, digits, '_', '.', '+', '-' and "
                  "'/'");
    encode_devices();
    strcpy((char *)rec(0) + SPEC_VIF_OFF_IP, "10.0.0.256");
    expect_reject(SPEC_V3_SIZE,
                  "vif 0: ip '10.0.0.256' is not one IPv4 or IPv6 address (with an optional "
                  "/prefix)");
    encode_devices();
    put_le32(rec(1) + SPEC_VBD_OFF_VIRTUAL_DEV, 51728);
    expect_reject(SPEC_V3_SIZE,
                  "disk xvda: virtual-device 51728 does not match vdev 'xvda' (which is 51712)");
    encode_devices();
    strcpy((char *)rec(1) + SPEC_VBD_OFF_VDEV, "xvd1");
    expect_reject(SPEC_V3_SIZE, "disk xvd1: vdev 'xvd1' is not a disk name (xvdX, hdX, sdX or "
                                "dDpP, with an optional partition number)");
    encode_devices();
    memset(rec(1) + SPEC_VBD_OFF_VDEV, 0, 16);
    expect_reject(SPEC_V3_SIZE, "disk (no vdev): vdev must be given");
    encode_devices();
    memset(rec(1) + SPEC_VBD_OFF_TARGET, 0, 104);
    expect_reject(SPEC_V3_SIZE, "disk xvda: target must be given");
    encode_devices();
    memset(rec(1) + SPEC_VBD_OFF_TARGET, 0, 104);
    strcpy((char *)rec(1) + SPEC_VBD_OFF_TARGET, "web.img");
    expect_reject(SPEC_V3_SIZE, "disk xvda: target 'web.img' is not an absolute path (a file or "
                                "device in the driver domain)");
    encode_devices();
    rec(1)[SPEC_VBD_OFF_TARGET + 3] = '\t';
    expect_reject(SPEC_V3_SIZE,
                  "disk xvda: target has a control or non-ASCII byte 0x09 at position 3");
    /* Across devices: one virtual device, one MAC each. */
    encode_devices();
    strcpy((char *)rec(2) + SPEC_VBD_OFF_VDEV, "d0p0");
    put_le32(rec(2) + SPEC_VBD_OFF_VIRTUAL_DEV, 51712);
    expect_reject(SPEC_V3_SIZE, "disk d0p0 is the same virtual device (51712) as disk xvda");
    encode_devices();
    memcpy(rec(2), rec(0), SPEC_DEVICE_SIZE);
    expect_reject(SPEC_V3_SIZE, "vif 1 has the same mac as vif 0");
}

static void spec_encode_rejects_devices(void **state)
{
    struct vm_config cfg;
    struct domb_error err;

    device_config(&cfg);
    assert_int_equal(spec_encode(&cfg, buf, SPEC_V1_SIZE, &err), -XEN_ENOSPC);
    assert_string_equal(err.msg, "spec needs 3904 bytes; the buffer holds 2352");
    cfg.devices[2].backend[0] = '\0';
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg,
                        "disk hdc has no backend (a spec names the driver domain of every device)");
    device_config(&cfg);
    cfg.nr_devices = VM_DEVICE_MAX + 1;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "more than 8 devices (vif and disk together)");
    device_config(&cfg);
    cfg.devices[0].devid = 1;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "vif 1 is vif number 0 in order; vifs are numbered 0, 1, ...");
    device_config(&cfg);
    cfg.devices[1].devid = 7;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "disk xvda: devid 7 is not its virtual-device 51712");
    device_config(&cfg);
    cfg.devices[0].kind = (enum vm_device_kind)0;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "device of kind 0: device kind 0 is unknown (1 vif, 2 disk)");
    device_config(&cfg);
    cfg.db_client = true;
    cfg.db_max_vms = 1;
    cfg.db_max_memory_mib = 1;
    cfg.db_max_devices = 513;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "db_client_max_devices must be at most 512");
}

/* ---- manifest ---- */

static uint8_t mbuf[MANIFEST_MAX_SIZE + 16];

static struct manifest sample_manifest(void)
{
    struct manifest m = {
        .flags = MANIFEST_FLAG_CONSOLE_RELAY,
        .mode = MANIFEST_MODE_SEQUENCED,
        .when_done = MANIFEST_DONE_WAIT,
        .nr_vms = 3,
        .dom0_kib = 0x12345, /* issue 15: recorded by domb-pack */
        .spec_names = {"specs/a.spec", "specs/b.spec", "specs/c.spec"},
    };
    return m;
}

static void expect_manifest_reject(size_t len, const char *msg)
{
    struct manifest out;
    struct domb_error err;

    assert_int_equal(manifest_decode(mbuf, len, &out, &err), -XEN_EINVAL);
    assert_string_equal(err.msg, msg);
}

static size_t encode_manifest(void)
{
    struct manifest m = sample_manifest();
    int n = manifest_encode(&m, mbuf, sizeof(mbuf), NULL);

    assert_int_equal(n, 0x20 + 3 * 96);
    return (size_t)n;
}

static void manifest_round_trip(void **state)
{
    struct manifest in = sample_manifest(), out;
    size_t n = encode_manifest();

    assert_int_equal(manifest_decode(mbuf, n, &out, NULL), 0);
    assert_int_equal(out.flags, in.flags);
    assert_int_equal(out.mode, in.mode);
    assert_int_equal(out.when_done, in.when_done);
    assert_int_equal(out.nr_vms, 3);
    assert_int_equal(out.dom0_kib, 0x12345);
    assert_int_equal(get_le32(mbuf + MANIFEST_OFF_DOM0_KIB), 0x12345);
    for (int i = 0; i < 3; i++)
        assert_string_equal(out.spec_names[i], in.spec_names[i]);
    assert_ptr_equal(out.spec_names[1], (char *)mbuf + 0x20 + 96);
    assert_string_equal(manifest_mode_name(out.mode), "sequenced");
    assert_string_equal(manifest_when_done_name(out.when_done), "wait");
}

static void manifest_rejects_header(void **state)
{
    size_t n = encode_manifest();

    expect_manifest_reject(31, "is truncated: 31 bytes, less than its header");
    expect_manifest_reject(n - 1, "is 319 bytes but its size field says 320");
    mbuf[0] = 'X';
    expect_manifest_reject(n, "magic is not \"DOMBMANI\"");
    encode_manifest();
    put_le16(mbuf + MANIFEST_OFF_VERSION, 9);
    expect_manifest_reject(n, "version 9 is not supported (this build reads version 1)");
    encode_manifest();
    put_le32(mbuf + MANIFEST_OFF_SIZE, 0x20);
    expect_manifest_reject(n, "size field says 32 bytes; 3 VMs need 320");
    encode_manifest();
    mbuf[MANIFEST_OFF_RESERVED + MANIFEST_RESERVED_SIZE - 1] = 1;
    expect_manifest_reject(n, "reserved byte at offset 0x1f is not zero");
    encode_manifest();
    put_le16(mbuf + MANIFEST_OFF_FLAGS, 0x8001);
    expect_manifest_reject(n, "flags 0x8001 hold unknown bits 0x8000");
    encode_manifest();
    mbuf[MANIFEST_OFF_MODE] = 2;
    expect_manifest_reject(n, "mode 2 is unknown");
    encode_manifest();
    mbuf[MANIFEST_OFF_WHEN_DONE] = 3;
    expect_manifest_reject(n, "when-done action 3 is unknown");
    encode_manifest();
    put_le16(mbuf + MANIFEST_OFF_NR_VMS, 1025);
    expect_manifest_reject(n, "lists 1025 VMs; at most 1024 are allowed");
    encode_manifest();
    put_le16(mbuf + MANIFEST_OFF_NR_VMS, 0);
    put_le32(mbuf + MANIFEST_OFF_SIZE, 0x20);
    expect_manifest_reject(0x20, "lists no VMs");
}

static void manifest_rejects_entries(void **state)
{
    size_t n = encode_manifest();

    mbuf[0x20 + 96 + 50] = 'x';
    expect_manifest_reject(n, "entry 1 has bytes after its terminating NUL");
    encode_manifest();
    memset(mbuf + 0x20 + 2 * 96, 'x', 96);
    expect_manifest_reject(n, "entry 2: spec name is longer than 95 bytes");
    encode_manifest();
    memset(mbuf + 0x20, 0, 96);
    expect_manifest_reject(n, "entry 0 has an empty spec name");
    encode_manifest();
    mbuf[0x20 + 3] = ' ';
    expect_manifest_reject(n, "entry 0: spec name holds a space, quote or control byte");
    encode_manifest();
    memcpy(mbuf + 0x20 + 2 * 96, "specs/a.spec", 12);
    expect_manifest_reject(n, "entry 2 repeats spec 'specs/a.spec' of entry 0");
}

static void manifest_roles(void **state)
{
    struct manifest m = sample_manifest();
    struct domb_error err;

    m.flags |= MANIFEST_FLAG_FIRST_XENSTORE | MANIFEST_FLAG_LAST_CONTROL;
    assert_true(manifest_encode(&m, mbuf, sizeof(mbuf), &err) > 0);
    m.mode = MANIFEST_MODE_STARTALL;
    assert_int_equal(manifest_encode(&m, mbuf, sizeof(mbuf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "xenstore and control domain roles need sequenced mode");
    m.mode = MANIFEST_MODE_SEQUENCED;
    m.nr_vms = 1;
    assert_int_equal(manifest_encode(&m, mbuf, sizeof(mbuf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "a xenstore domain and a control domain need two VMs");
    m.nr_vms = 3;
    assert_int_equal(manifest_encode(&m, mbuf, 100, &err), -XEN_ENOSPC);
    assert_string_equal(err.msg, "manifest needs 320 bytes; the buffer holds 100");
}

/* ---- version 4: lifecycle per reason, uuid, maxvcpus, affinity ---- */

static void v4_config(struct vm_config *cfg)
{
    sample_config(cfg);
    cfg->on_exit = VM_ON_EXIT_DESTROY;
    cfg->on_reason_set =
        (1u << VM_REASON_REBOOT) | (1u << VM_REASON_CRASH) | (1u << VM_REASON_SOFT_RESET);
    cfg->on_reason[VM_REASON_REBOOT] = VM_ON_EXIT_RESTART;
    cfg->on_reason[VM_REASON_CRASH] = VM_ON_EXIT_PRESERVE;
    cfg->on_reason[VM_REASON_SOFT_RESET] = VM_ON_EXIT_RENAME_RESTART;
    cfg->has_uuid = true;
    memcpy(cfg->uuid, "\x4d\xea\x22\xb3\x1d\x52\xd8\xf3\x25\x16\x78\x2e\x98\xa2\x3f\xa0", 16);
    cfg->max_vcpus = 8;
    cfg->has_cpus = true;
    cfg->cpus[0] = 0x0d;
    cfg->cpus[15] = 0x80;
    cfg->has_cpus_soft = true;
    cfg->cpus_soft[1] = 0x01;
}

static void encode_v4(void)
{
    struct vm_config cfg;

    v4_config(&cfg);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), NULL), SPEC_V4_SIZE);
}

static void spec_v4_round_trip(void **state)
{
    struct vm_config in, out;
    struct domb_error err;

    v4_config(&in);
    assert_int_equal(spec_version_for(&in), 4);
    assert_int_equal(spec_size_for(&in), SPEC_V4_SIZE);
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V4_SIZE);
    assert_int_equal(get_le16(buf + SPEC_OFF_VERSION), 4);
    assert_int_equal(get_le32(buf + SPEC_OFF_SIZE), 0xf80);
    /* 0 = as on_exit, else 1 + the action */
    assert_int_equal(buf[SPEC_OFF_ON_REASON + VM_REASON_POWEROFF], 0);
    assert_int_equal(buf[SPEC_OFF_ON_REASON + VM_REASON_REBOOT], 1 + VM_ON_EXIT_RESTART);
    assert_int_equal(buf[SPEC_OFF_ON_REASON + VM_REASON_CRASH], 1 + VM_ON_EXIT_PRESERVE);
    assert_int_equal(buf[SPEC_OFF_ON_REASON + VM_REASON_SOFT_RESET], 4);
    assert_int_equal(buf[SPEC_OFF_V4_FLAGS], 0x07);
    assert_int_equal(get_le16(buf + SPEC_OFF_MAX_VCPUS), 8);
    assert_int_equal(buf[SPEC_OFF_UUID], 0x4d);
    assert_int_equal(buf[SPEC_OFF_CPUS], 0x0d);
    assert_int_equal(buf[SPEC_OFF_CPUS + 15], 0x80);
    assert_int_equal(buf[SPEC_OFF_CPUS_SOFT + 1], 0x01);
    assert_int_equal(spec_decode(buf, SPEC_V4_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));

    /* Each v4 setting alone makes a version 4 spec; devices ride along. */
    for (int k = 0; k < 6; k++) {
        sample_config(&in);
        if (k == 0)
            in.on_exit = VM_ON_EXIT_RENAME_RESTART;
        else if (k == 1)
            in.has_uuid = true;
        else if (k == 2)
            in.max_vcpus = 3;
        else if (k == 3)
            in.has_cpus = true, in.cpus[0] = 1;
        else if (k == 4)
            in.has_cpus_soft = true; /* an empty soft map is a map */
        else
            in.on_reason_set = 1u << VM_REASON_WATCHDOG;
        assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V4_SIZE);
        assert_int_equal(spec_decode(buf, SPEC_V4_SIZE, &out, &err), 0);
        assert_memory_equal(&in, &out, sizeof(in));
    }
    device_config(&in);
    in.on_reason_set = 1u << VM_REASON_REBOOT;
    in.on_reason[VM_REASON_REBOOT] = VM_ON_EXIT_RESTART;
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V4_SIZE);
    assert_int_equal(spec_decode(buf, SPEC_V4_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));
    assert_int_equal(spec_encode(&in, buf, SPEC_V3_SIZE, &err), -XEN_ENOSPC);
}

static void spec_v4_rejects(void **state)
{
    struct vm_config cfg;
    struct domb_error err;

    encode_v4();
    expect_reject(SPEC_V3_SIZE, "is 3904 bytes but its size field says 3968");
    put_le32(buf + SPEC_OFF_SIZE, SPEC_V3_SIZE);
    expect_reject(SPEC_V4_SIZE, "size field says 3904 bytes; version 4 is 3968");
    encode_v4();
    buf[SPEC_OFF_ON_REASON + VM_REASON_WATCHDOG] = 5;
    expect_reject(SPEC_V4_SIZE,
                  "on_watchdog byte 5 is unknown (0: as on_exit, else 1 + an action below 4)");
    encode_v4();
    buf[SPEC_OFF_V4_FLAGS] = 0x0f;
    expect_reject(SPEC_V4_SIZE, "version 4 flags 0xf hold unknown bits 0x8");
    encode_v4();
    buf[SPEC_OFF_V4_RESERVED + 3] = 1;
    expect_reject(SPEC_V4_SIZE, "reserved byte at offset 0x93f is not zero");
    encode_v4();
    buf[SPEC_OFF_V4_TAIL + 15] = 1;
    expect_reject(SPEC_V4_SIZE, "reserved byte at offset 0xf7f is not zero");
    encode_v4();
    buf[SPEC_OFF_V4_FLAGS] = SPEC_V4_FLAG_CPUS | SPEC_V4_FLAG_CPUS_SOFT;
    expect_reject(SPEC_V4_SIZE, "uuid is set but not marked present");
    encode_v4();
    buf[SPEC_OFF_V4_FLAGS] = SPEC_V4_FLAG_UUID | SPEC_V4_FLAG_CPUS_SOFT;
    expect_reject(SPEC_V4_SIZE, "cpus is set but not marked present");
    encode_v4();
    buf[SPEC_OFF_V4_FLAGS] = SPEC_V4_FLAG_UUID | SPEC_V4_FLAG_CPUS;
    expect_reject(SPEC_V4_SIZE, "cpus_soft is set but not marked present");
    encode_v4();
    memset(buf + SPEC_OFF_CPUS, 0, VM_CPUMAP_BYTES);
    expect_reject(SPEC_V4_SIZE, "cpus names no CPU (Xen refuses a vCPU pinned to none)");
    encode_v4();
    put_le16(buf + SPEC_OFF_MAX_VCPUS, 1);
    expect_reject(SPEC_V4_SIZE, "maxvcpus (1) must be at least vcpus (2) and at most 64");
    encode_v4();
    put_le16(buf + SPEC_OFF_MAX_VCPUS, 65);
    expect_reject(SPEC_V4_SIZE, "maxvcpus (65) must be at least vcpus (2) and at most 64");
    encode_v4();
    buf[SPEC_OFF_ON_EXIT] = 4;
    expect_reject(SPEC_V4_SIZE, "on_exit action 4 is unknown");
    /* One encoding: a version 4 spec must say something version 3 cannot. */
    sample_config(&cfg);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), SPEC_V1_SIZE);
    put_le16(buf + SPEC_OFF_VERSION, 4);
    put_le32(buf + SPEC_OFF_SIZE, SPEC_V4_SIZE);
    expect_reject(SPEC_V4_SIZE,
                  "is version 4 but has no action per shutdown reason, no rename-restart, uuid, "
                  "maxvcpus, cpus or cpus_soft (it must be written as version 1)");
    /* rename-restart cannot hide in an older version's on_exit byte. */
    device_config(&cfg);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), SPEC_V3_SIZE);
    buf[SPEC_OFF_ON_EXIT] = VM_ON_EXIT_RENAME_RESTART;
    expect_reject(SPEC_V3_SIZE,
                  "is version 3 but its on_exit is rename-restart, which needs version 4");
    /* the config side: a reason's action must be marked present */
    v4_config(&cfg);
    cfg.on_reason_set &= ~(1u << VM_REASON_CRASH);
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "on_crash is set but not marked present");
    v4_config(&cfg);
    cfg.on_reason_set |= 1u << 5;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "shutdown reason bits 0x36 are unknown");
}

/* Old archives stay readable with their meaning: one on_exit for every reason. */
static void spec_old_on_exit_means_every_reason(void **state)
{
    struct vm_config cfg, out;
    struct domb_error err;
    bool leave;

    sample_config(&cfg);
    cfg.on_exit = VM_ON_EXIT_DESTROY;
    memset(buf, 0, sizeof(buf));
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), SPEC_V1_SIZE);
    assert_int_equal(spec_decode(buf, SPEC_V1_SIZE, &out, &err), 0);
    for (unsigned int r = 0; r < 6; r++)
        if (r != 2)
            assert_int_equal(vm_config_action(&out, r, &leave), VM_ON_EXIT_DESTROY);
}

int main(int argc, char **argv);
/* One case per line: the build registers each line's case with ctest. */
/* clang-format off */
/* Version 5: the FLASK labels after version 4's block. */
static void spec_v5_labels(void **state)
{
    struct vm_config in, out;
    struct domb_error err;

    sample_config(&in);
    snprintf(in.seclabel, sizeof(in.seclabel), "system_u:system_r:nomigrate_t");
    assert_int_equal(spec_version_for(&in), 5);
    assert_int_equal(spec_size_for(&in), SPEC_V5_SIZE);
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V5_SIZE);
    assert_int_equal(get_le16(buf + SPEC_OFF_VERSION), 5);
    assert_int_equal(get_le32(buf + SPEC_OFF_SIZE), 0x1000);
    assert_string_equal((const char *)buf + 0xf80, "system_u:system_r:nomigrate_t");
    assert_int_equal(buf[0xfc0], 0);
    assert_int_equal(spec_decode(buf, SPEC_V5_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));
    /* with a build label, and version 4 settings riding along */
    v4_config(&in);
    snprintf(in.seclabel, sizeof(in.seclabel), "system_u:system_r:nomigrate_t");
    snprintf(in.init_seclabel, sizeof(in.init_seclabel), "system_u:system_r:nomigrate_t_building");
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V5_SIZE);
    assert_string_equal((const char *)buf + 0xfc0, "system_u:system_r:nomigrate_t_building");
    assert_int_equal(spec_decode(buf, SPEC_V5_SIZE, &out, &err), 0);
    assert_memory_equal(&in, &out, sizeof(in));
    assert_int_equal(spec_encode(&in, buf, SPEC_V4_SIZE, &err), -XEN_ENOSPC);
    /* no label: never version 5 */
    in.seclabel[0] = in.init_seclabel[0] = '\0';
    assert_int_equal(spec_version_for(&in), 4);
}

static void spec_v5_rejects(void **state)
{
    struct vm_config in;
    struct domb_error err;

    sample_config(&in);
    snprintf(in.seclabel, sizeof(in.seclabel), "system_u:system_r:domU_t");
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), SPEC_V5_SIZE);
    buf[0xf80 + 40] = 'x'; /* after the label's NUL */
    expect_reject(SPEC_V5_SIZE, "seclabel field has bytes after its terminating NUL");
    memset(buf + 0xf80, 0, 64);
    expect_reject(SPEC_V5_SIZE, "is version 5 but has no seclabel (it must be written as "
                                "version 1)");
    memcpy(buf + 0xf80, "system_u:system_r", 17);
    expect_reject(SPEC_V5_SIZE,
                  "seclabel 'system_u:system_r' is not a FLASK label user:role:type (2 fields)");
    memcpy(buf + 0xf80, "system_u:system_r:domU_t", 24);
    memcpy(buf + 0xfc0, "a:b:c", 5);
    assert_int_equal(spec_decode(buf, SPEC_V5_SIZE, &in, &err), 0);
    assert_string_equal(in.init_seclabel, "a:b:c");
    memset(buf + 0xf80, 0, 64);
    expect_reject(SPEC_V5_SIZE, "init_seclabel needs a seclabel (the label the domain gets after "
                                "its build)");
    put_le32(buf + SPEC_OFF_SIZE, SPEC_V4_SIZE);
    expect_reject(SPEC_V5_SIZE, "size field says 3968 bytes; version 5 is 4096");
    /* the encoder checks too */
    sample_config(&in);
    snprintf(in.seclabel, sizeof(in.seclabel), "nolabel");
    assert_int_equal(spec_encode(&in, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "seclabel 'nolabel' is not a FLASK label user:role:type (1 "
                                 "fields)");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(spec_round_trip),
    cmocka_unit_test(spec_round_trip_minimal),
    cmocka_unit_test(spec_db_client_round_trip),
    cmocka_unit_test(spec_encode_rejects),
    cmocka_unit_test(spec_rejects_header),
    cmocka_unit_test(spec_rejects_strings),
    cmocka_unit_test(spec_rejects_counts),
    cmocka_unit_test(spec_rejects_values),
    cmocka_unit_test(spec_rejects_hash_flags),
    cmocka_unit_test(spec_pvh_round_trip),
    cmocka_unit_test(spec_grant_limits_round_trip),
    cmocka_unit_test(spec_version1_reads_as_pv),
    cmocka_unit_test(spec_version2_rejects),
    cmocka_unit_test(spec_encode_rejects_pvh_devices),
    cmocka_unit_test(spec_devices_round_trip),
    cmocka_unit_test(spec_driver_domain_and_device_limit),
    cmocka_unit_test(spec_version3_rejects_table),
    cmocka_unit_test(spec_version3_rejects_strings),
    cmocka_unit_test(spec_version3_rejects_values),
    cmocka_unit_test(spec_encode_rejects_devices),
    cmocka_unit_test(spec_v4_round_trip),
    cmocka_unit_test(spec_v4_rejects),
    cmocka_unit_test(spec_v5_labels),
    cmocka_unit_test(spec_v5_rejects),
    cmocka_unit_test(spec_old_on_exit_means_every_reason),
    cmocka_unit_test(manifest_round_trip),
    cmocka_unit_test(manifest_rejects_header),
    cmocka_unit_test(manifest_rejects_entries),
    cmocka_unit_test(manifest_roles),
};
/* clang-format on */
DOMB_TEST_MAIN(tests)
