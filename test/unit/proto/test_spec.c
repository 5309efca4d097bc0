/* Binary VM spec and manifest: round trips and every decoder rejection. */
#include "domb_test.h"

#include <domb/errno.h>
#include <domb/byteorder.h>
#include <proto/manifest.h>
#include <proto/spec.h>
#include <string.h>

static uint8_t buf[SPEC_V1_SIZE + 16];

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
    put_le16(buf + SPEC_OFF_VERSION, 3);
    expect_reject(SPEC_V1_SIZE, "version 3 is not supported (this build reads versions 1 to 2)");
    encode_sample();
    put_le16(buf + SPEC_OFF_VERSION, 0);
    expect_reject(SPEC_V1_SIZE, "version 0 is not supported (this build reads versions 1 to 2)");
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
    expect_reject(SPEC_V1_SIZE, "on_exit action 3 is unknown");
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

/* ---- manifest ---- */

static uint8_t mbuf[MANIFEST_MAX_SIZE + 16];

static struct manifest sample_manifest(void)
{
    struct manifest m = {
        .flags = MANIFEST_FLAG_CONSOLE_RELAY,
        .mode = MANIFEST_MODE_SEQUENCED,
        .when_done = MANIFEST_DONE_WAIT,
        .nr_vms = 3,
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
    mbuf[MANIFEST_OFF_RESERVED + 11] = 1;
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

int main(int argc, char **argv);
/* One case per line: the build registers each line's case with ctest. */
/* clang-format off */
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
    cmocka_unit_test(manifest_round_trip),
    cmocka_unit_test(manifest_rejects_header),
    cmocka_unit_test(manifest_rejects_entries),
    cmocka_unit_test(manifest_roles),
};
/* clang-format on */
DOMB_TEST_MAIN(tests)
