/*
 * The binary VM spec: one VM's configuration as domb-pack writes it into the
 * initramfs and the builder reads it. Version 1, little-endian, fixed size;
 * docs/spec-format.md documents every byte. The layout is given as byte
 * offsets (below), never as a C struct.
 */
#ifndef PROTO_SPEC_H
#define PROTO_SPEC_H

#include <proto/vm_config.h>

#define SPEC_MAGIC   "DOMBSPEC" /* 8 bytes, no NUL */
#define SPEC_VERSION 1

/* Version 1 layout: offset and size of every field. */
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
#define SPEC_OFF_RESERVED       0x028 /* 8 bytes, zero */
#define SPEC_OFF_NAME           0x030 /* 64: NUL-terminated, NUL-padded */
#define SPEC_OFF_KERNEL         0x070 /* 256: archive member name */
#define SPEC_OFF_RAMDISK        0x170 /* 256: archive member name or empty */
#define SPEC_OFF_CMDLINE        0x270 /* 1024 */
#define SPEC_OFF_KERNEL_SHA256  0x670 /* 32 */
#define SPEC_OFF_RAMDISK_SHA256 0x690 /* 32 */
#define SPEC_OFF_IOMEM          0x6b0 /* 16 x {u64 start_mfn, u64 nr_pages, u64 gfn} */
#define SPEC_OFF_IOPORTS        0x830 /* 16 x {u32 first, u32 last} */
#define SPEC_OFF_IRQS           0x8b0 /* 32 x u32 */
#define SPEC_V1_SIZE            0x930 /* 2352 bytes */

#define SPEC_RESERVED_SIZE 8
#define SPEC_IOMEM_SIZE    24
#define SPEC_IOPORT_SIZE   8
#define SPEC_IRQ_SIZE      4
#define SPEC_HEADER_SIZE   0x010 /* magic, version, flags, size: enough to read the rest */

#define SPEC_FLAG_KERNEL_SHA256  0x0001 /* kernel_sha256 holds the kernel's hash */
#define SPEC_FLAG_RAMDISK_SHA256 0x0002 /* ramdisk_sha256 holds the ramdisk's hash */
#define SPEC_FLAG_DB_CLIENT      0x0004 /* the VM may send requests to db-server */
#define SPEC_FLAGS_KNOWN         0x0007

/*
 * Encode cfg (validated first) into buf. Returns the number of bytes written
 * (SPEC_V1_SIZE) or a negative error (-XEN_EINVAL invalid config, -XEN_ENOSPC
 * buffer too small).
 */
int spec_encode(const struct vm_config *cfg, void *buf, size_t size, struct domb_error *err);

/*
 * Decode and validate a spec of exactly len bytes. Every field is checked:
 * magic, version, size, flags, reserved bytes, strings NUL-terminated inside
 * their fields with only NULs after, counts, unused array entries zero, and
 * the ranges of vm_config_validate. Returns 0 or -XEN_EINVAL with a message
 * naming the field; the caller prefixes the spec's name.
 */
int spec_decode(const void *buf, size_t len, struct vm_config *cfg, struct domb_error *err);

#endif
