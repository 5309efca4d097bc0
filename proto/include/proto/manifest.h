/*
 * The initramfs manifest: its table of contents. It says how the builder runs
 * (start everything at once, or one by one in order), whether guest consoles
 * are relayed, what to do when the work is done, and the start order as a
 * list of spec member names in the archive. Binary, version 1, little-endian;
 * docs/spec-format.md documents every byte.
 */
#ifndef PROTO_MANIFEST_H
#define PROTO_MANIFEST_H

#include <domb/error.h>
#include <domb/types.h>

#define MANIFEST_MAGIC   "DOMBMANI" /* 8 bytes, no NUL */
#define MANIFEST_VERSION 1

#define MANIFEST_OFF_MAGIC     0x00 /* 8 */
#define MANIFEST_OFF_VERSION   0x08 /* u16 */
#define MANIFEST_OFF_FLAGS     0x0a /* u16: MANIFEST_FLAG_* */
#define MANIFEST_OFF_SIZE      0x0c /* u32: total size = 0x20 + nr_vms * 96 */
#define MANIFEST_OFF_MODE      0x10 /* u8: enum manifest_mode */
#define MANIFEST_OFF_WHEN_DONE 0x11 /* u8: enum manifest_when_done */
#define MANIFEST_OFF_NR_VMS    0x12 /* u16 */
#define MANIFEST_OFF_DOM0_KIB  0x14 /* u32: dom0 memory the archive needs, KiB (0: not said) */
#define MANIFEST_OFF_RESERVED  0x18 /* 8 bytes, zero */
#define MANIFEST_OFF_ENTRIES   0x20 /* nr_vms x 96-byte spec member names */
#define MANIFEST_HEADER_SIZE   0x20
#define MANIFEST_RESERVED_SIZE 8
#define MANIFEST_NAME_SIZE     96 /* per entry, NUL-terminated and NUL-padded */
#define MANIFEST_MAX_VMS       1024
#define MANIFEST_MAX_SIZE      (MANIFEST_HEADER_SIZE + MANIFEST_MAX_VMS * MANIFEST_NAME_SIZE)

#define MANIFEST_FLAG_CONSOLE_RELAY  0x0001 /* relay guest consoles to the builder's */
#define MANIFEST_FLAG_FIRST_XENSTORE 0x0002 /* the first VM is the xenstore domain */
#define MANIFEST_FLAG_LAST_CONTROL   0x0004 /* the last VM is the control domain */
#define MANIFEST_FLAGS_KNOWN         0x0007

enum manifest_mode {
    MANIFEST_MODE_STARTALL = 0,  /* build every VM, then unpause them all */
    MANIFEST_MODE_SEQUENCED = 1, /* build and start each VM in order */
};
#define MANIFEST_MODE_COUNT 2

enum manifest_when_done {
    MANIFEST_DONE_SHUTDOWN = 0, /* shut the builder (and so the host) down at once */
    MANIFEST_DONE_WAIT = 1,     /* wait until every guest has stopped, then shut down */
    MANIFEST_DONE_STAY = 2,     /* keep running (relaying consoles) forever */
};
#define MANIFEST_DONE_COUNT 3

struct manifest {
    uint16_t flags;
    enum manifest_mode mode;
    enum manifest_when_done when_done;
    uint32_t nr_vms;
    /* The dom0 memory (KiB) booting this archive needs, as domb-pack worked
     * it out (docs/packing.md, "dom0 memory"): the builder kernel, the
     * archive, the builder's working set for these VMs and a margin. 0 in
     * archives from before it was recorded: not known. */
    uint32_t dom0_kib;
    /* Start order. After manifest_decode these point into the decoded buffer. */
    const char *spec_names[MANIFEST_MAX_VMS];
};

/* Size of an encoded manifest listing nr_vms VMs. */
size_t manifest_size(uint32_t nr_vms);

/* Encode (after validating) into buf; returns bytes written or a negative error. */
int manifest_encode(const struct manifest *m, void *buf, size_t size, struct domb_error *err);

/* Decode and validate len bytes; the spec names point into buf. */
int manifest_decode(const void *buf, size_t len, struct manifest *m, struct domb_error *err);

const char *manifest_mode_name(enum manifest_mode mode);
const char *manifest_when_done_name(enum manifest_when_done when_done);

#endif
