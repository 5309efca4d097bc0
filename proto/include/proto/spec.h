/*
 * The binary VM spec: one VM's configuration as domb-pack writes it into the
 * initramfs and the builder reads it. Little-endian, fixed size;
 * docs/spec-format.md documents every byte. The layout is given as byte
 * offsets (below), never as a C struct.
 *
 * Versions 1 and 2 have the same size and layout: version 2 gives meaning
 * to bytes that are reserved (zero) in version 1 (the guest type and the
 * grant table limits). The encoder writes the lowest version that can say
 * the config, so PV specs stay readable by builds that know only version 1
 * and a version 1 spec (an old archive) reads as a PV guest with Xen's
 * grant defaults. A spec therefore still has exactly one encoding.
 *
 * Version 3 is version 2 plus a device table at 0x930 (vif and disk
 * devices, the driver_domain flag and db_client_max_devices), 3904 bytes
 * in all; it is written only for a VM with devices, a driver domain, or a
 * db-server client with other than the default device limit. Small enough
 * that a db-server build request still fits one ring slot.
 *
 * Version 4 is version 3 plus xl's lifecycle and CPU keys: an action per
 * shutdown reason (on_poweroff, ...) and the rename-restart action, the
 * domain handle (uuid), maxvcpus, and one hard and one soft affinity map
 * (cpus, cpus_soft), in version 3's reserved bytes and a block appended
 * at 0xf40; 3968 bytes in all (a build request of 4008 bytes still fits
 * the 4032-byte ring slot). Written only for a config that uses one of
 * them; a config without any lifecycle key gets xl's default on_reboot =
 * "restart" from the parser, so most parsed configs are version 4.
 */
#ifndef PROTO_SPEC_H
#define PROTO_SPEC_H

#include <proto/vm_config.h>

#define SPEC_MAGIC       "DOMBSPEC" /* 8 bytes, no NUL */
#define SPEC_VERSION     5          /* the newest version this build reads and writes */
#define SPEC_VERSION_MIN 1

/* Layout (versions 1 and 2): offset and size of every field. */
#define SPEC_OFF_MAGIC          0x000 /* 8: "DOMBSPEC" */
#define SPEC_OFF_VERSION        0x008 /* u16 */
#define SPEC_OFF_FLAGS          0x00a /* u16: SPEC_FLAG_* */
#define SPEC_OFF_SIZE           0x00c /* u32: total size in bytes */
#define SPEC_OFF_MEMORY         0x010 /* u32: MiB */
#define SPEC_OFF_MAXMEM         0x014 /* u32: MiB */
#define SPEC_OFF_VCPUS          0x018 /* u16 */
#define SPEC_OFF_DOMID          0x01a /* u16: 0 = any */
#define SPEC_OFF_ON_EXIT        0x01c /* u8: enum vm_on_exit */
#define SPEC_OFF_NR_IOMEM       0x01d /* u8 */
#define SPEC_OFF_NR_IOPORTS     0x01e /* u8 */
#define SPEC_OFF_NR_IRQS        0x01f /* u8 */
#define SPEC_OFF_DB_MAX_VMS     0x020 /* u16: db-server client: VMs at once (0 unless a client) */
#define SPEC_OFF_DB_PAD         0x022 /* u16, zero */
#define SPEC_OFF_DB_MAX_MEMORY  0x024 /* u32: db-server client: MiB in all (0 unless a client) */
#define SPEC_OFF_RESERVED       0x028 /* version 1: 8 bytes, zero; version 2: */
#define SPEC_OFF_TYPE           0x028 /* u8: enum vm_type (version 2) */
#define SPEC_OFF_GRANT_VERSION  0x029 /* u8: max_grant_version, 0 = default (version 2) */
#define SPEC_OFF_GRANT_FRAMES   0x02a /* u16: max_grant_frames if flag GRANT_FRAMES (v2) */
#define SPEC_OFF_MAPTRACK       0x02c /* u16: max_maptrack_frames if flag MAPTRACK (v2) */
#define SPEC_OFF_V2_RESERVED    0x02e /* u16, zero */
#define SPEC_OFF_NAME           0x030 /* 64: NUL-terminated, NUL-padded */
#define SPEC_OFF_KERNEL         0x070 /* 256: archive member name */
#define SPEC_OFF_RAMDISK        0x170 /* 256: archive member name or empty */
#define SPEC_OFF_CMDLINE        0x270 /* 1024 */
#define SPEC_OFF_KERNEL_SHA256  0x670 /* 32 */
#define SPEC_OFF_RAMDISK_SHA256 0x690 /* 32 */
#define SPEC_OFF_IOMEM          0x6b0 /* 16 x {u64 start_mfn, u64 nr_pages, u64 gfn} */
#define SPEC_OFF_IOPORTS        0x830 /* 16 x {u32 first, u32 last} */
#define SPEC_OFF_IRQS           0x8b0 /* 32 x u32 */
#define SPEC_V1_SIZE            0x930 /* 2352 bytes (version 2: the same) */

/* Version 3 only: the device table after the version 2 layout. */
#define SPEC_OFF_NR_DEVICES     0x930        /* u8: 0..VM_DEVICE_MAX */
#define SPEC_OFF_DEVICES_FLAGS  0x931        /* u8: SPEC_DEVICES_FLAG_* */
#define SPEC_OFF_DB_MAX_DEVICES 0x932        /* u16: db_client_max_devices (0 unless a client) */
#define SPEC_OFF_V3_RESERVED    0x934        /* 12 bytes, zero */
#define SPEC_OFF_DEVICE         0x940        /* VM_DEVICE_MAX x SPEC_DEVICE_SIZE records */
#define SPEC_V3_SIZE            0xf40        /* 3904 bytes */
#define SPEC_MAX_SIZE           SPEC_V5_SIZE /* a buffer for any spec */
#define SPEC_V3_RESERVED_SIZE   12

/* Version 4 only: in version 3's reserved bytes, and a block after the devices. */
#define SPEC_OFF_ON_REASON                                                                         \
    0x934                            /* 5 x u8: on_poweroff, on_reboot, on_crash,                  \
                                      * on_watchdog, on_soft_reset: 0 = as on_exit,                \
                                      * else 1 + enum vm_on_exit */
#define SPEC_OFF_V4_FLAGS      0x939 /* u8: SPEC_V4_FLAG_* */
#define SPEC_OFF_MAX_VCPUS     0x93a /* u16: maxvcpus, 0 = vcpus */
#define SPEC_OFF_V4_RESERVED   0x93c /* 4 bytes, zero */
#define SPEC_V4_RESERVED_SIZE  4
#define SPEC_OFF_UUID          0xf40 /* 16: the domain handle if flag UUID, else zero */
#define SPEC_OFF_CPUS          0xf50 /* 16: hard affinity (bit c = CPU c) if flag CPUS */
#define SPEC_OFF_CPUS_SOFT     0xf60 /* 16: soft affinity if flag CPUS_SOFT */
#define SPEC_OFF_V4_TAIL       0xf70 /* 16 bytes, zero */
#define SPEC_V4_TAIL_SIZE      16
#define SPEC_V4_SIZE           0xf80 /* 3968 bytes */
#define SPEC_V4_FLAG_UUID      0x01
#define SPEC_V4_FLAG_CPUS      0x02
#define SPEC_V4_FLAG_CPUS_SOFT 0x04
#define SPEC_V4_FLAGS_KNOWN    0x07

/* Version 5: version 4 and the FLASK labels appended (docs/disaggregation.md). */
#define SPEC_OFF_SECLABEL      0xf80  /* 64: seclabel, NUL-terminated and padded, not empty */
#define SPEC_OFF_INIT_SECLABEL 0xfc0  /* 64: init_seclabel or empty */
#define SPEC_V5_SIZE           0x1000 /* 4096 bytes */

#define SPEC_DEVICES_FLAG_DRIVER_DOMAIN 0x01 /* driver_domain = 1 */
#define SPEC_DEVICES_FLAG_DB_BUILDER    0x02 /* db_builder = 1 */
#define SPEC_DEVICES_FLAGS_KNOWN        0x03

/* One device record (offsets inside it); entries >= nr_devices are zero. */
#define SPEC_DEVICE_SIZE         0xc0 /* 192 */
#define SPEC_DEV_OFF_KIND        0x00 /* u8: enum vm_device_kind (1 vif, 2 disk) */
#define SPEC_DEV_OFF_FLAGS       0x01 /* u8: disk: SPEC_DEV_FLAG_*; vif: zero */
#define SPEC_DEV_OFF_FORMAT      0x02 /* u8: disk: enum vm_disk_format; vif: zero */
#define SPEC_DEV_OFF_RESERVED    0x03 /* u8, zero */
#define SPEC_DEV_OFF_BACKEND     0x04 /* 64: the driver domain's VM name, not empty */
#define SPEC_VIF_OFF_MAC         0x44 /* 6 */
#define SPEC_VIF_OFF_PAD         0x4a /* u16, zero */
#define SPEC_VIF_OFF_BRIDGE      0x4c /* 16 */
#define SPEC_VIF_OFF_VIFNAME     0x5c /* 16, may be empty */
#define SPEC_VIF_OFF_SCRIPT      0x6c /* 44 */
#define SPEC_VIF_OFF_IP          0x98 /* 40, may be empty */
#define SPEC_VBD_OFF_VIRTUAL_DEV 0x44 /* u32: xenstore's virtual-device (the devid) */
#define SPEC_VBD_OFF_VDEV        0x48 /* 16 */
#define SPEC_VBD_OFF_TARGET      0x58 /* 104 */
#define SPEC_DEV_FLAG_WRITABLE   0x01 /* disk: read-write */
#define SPEC_DEV_FLAG_CDROM      0x02 /* disk: device-type cdrom (never writable) */
#define SPEC_DEV_FLAGS_KNOWN     0x03

#define SPEC_RESERVED_SIZE 8
#define SPEC_IOMEM_SIZE    24
#define SPEC_IOPORT_SIZE   8
#define SPEC_IRQ_SIZE      4
#define SPEC_HEADER_SIZE   0x010 /* magic, version, flags, size: enough to read the rest */

#define SPEC_FLAG_KERNEL_SHA256  0x0001 /* kernel_sha256 holds the kernel's hash */
#define SPEC_FLAG_RAMDISK_SHA256 0x0002 /* ramdisk_sha256 holds the ramdisk's hash */
#define SPEC_FLAG_DB_CLIENT      0x0004 /* the VM may send requests to db-server */
#define SPEC_FLAG_GRANT_FRAMES   0x0008 /* version 2: max_grant_frames is given */
#define SPEC_FLAG_MAPTRACK       0x0010 /* version 2: max_maptrack_frames is given */
#define SPEC_V1_FLAGS_KNOWN      0x0007
#define SPEC_FLAGS_KNOWN         0x001f

/*
 * Encode cfg (validated first; every device must name its backend) into
 * buf, as the lowest version that can say it: 1 for a PV guest without
 * grant table limits, 2 for PVH or grant limits, 3 with devices, a driver
 * domain or a non-default db_client_max_devices, 4 with an action of its
 * own for some shutdown reason, rename-restart, a uuid, maxvcpus, cpus or
 * cpus_soft, 5 with a seclabel. Returns the number of bytes written (SPEC_V1_SIZE,
 * SPEC_V3_SIZE, SPEC_V4_SIZE or SPEC_V5_SIZE) or a negative error (-XEN_EINVAL invalid
 * config, -XEN_ENOSPC buffer too small).
 */
int spec_encode(const struct vm_config *cfg, void *buf, size_t size, struct domb_error *err);

/* The version spec_encode writes for cfg (1 to 5), and its size. */
unsigned int spec_version_for(const struct vm_config *cfg);
size_t spec_size_for(const struct vm_config *cfg);

/*
 * Decode and validate a spec of exactly len bytes (version 1 to 5). Every
 * field is checked: magic, version, size, flags, reserved bytes (a version 2
 * spec must use something version 1 cannot say, a version 3 one something
 * version 2 cannot, a version 4 one something version 3 cannot), strings NUL-terminated inside
 * their fields with only NULs after, counts, unused array entries and device records zero, device
 * kinds and flags, and the checks of vm_config_validate. A version 1 or 2
 * spec of a db-server client reads with the default db_client_max_devices.
 * Returns 0 or -XEN_EINVAL with a message naming the field; the caller
 * prefixes the spec's name.
 */
int spec_decode(const void *buf, size_t len, struct vm_config *cfg, struct domb_error *err);

#endif
