/*
 * One VM's configuration, as the builder needs it: what the config parser
 * (proto/config.c) produces from an xl-style file, what the binary spec
 * (proto/spec.c) carries inside the initramfs, and what the builder consumes.
 *
 * Every field has a fixed size, so the structure can live on a kernel stack or
 * in a caller's array without any allocation. The limits below are the
 * contract: the parser, the spec decoder and the builder all rely on them.
 */
#ifndef PROTO_VM_CONFIG_H
#define PROTO_VM_CONFIG_H

#include <domb/error.h>
#include <domb/sha256.h>
#include <domb/types.h>

#define VM_NAME_MAX                  63   /* characters of [A-Za-z0-9_.-] */
#define VM_PATH_MAX                  255  /* kernel and ramdisk paths */
#define VM_CMDLINE_MAX               1023 /* Xen's MAX_GUEST_CMDLINE is 1024 with the NUL */
#define VM_IOMEM_MAX                 16   /* iomem ranges */
#define VM_IOPORT_MAX                16   /* ioport ranges */
#define VM_IRQ_MAX                   32   /* irqs */
#define VM_VCPUS_MAX                 64
#define VM_MEMORY_MAX                (1024u * 1024u) /* MiB: 1 TiB */
#define VM_DOMID_MAX                 0x7fef          /* DOMID_FIRST_RESERVED - 1 */
#define VM_IOPORT_LAST               0xffff
#define VM_IRQ_LAST                  0xffff
#define VM_FRAME_LIMIT               (1ull << 40) /* 52-bit physical addresses: 2^40 frames */
#define VM_DB_MAX_VMS                64           /* db_client_max_vms upper bound */
#define VM_DB_DEFAULT_MAX_VMS        8
#define VM_DB_DEFAULT_MAX_MEMORY_MIB 1024
#define VM_DB_DEFAULT_MAX_DEVICES    16     /* db_client_max_devices when not given */
#define VM_DB_MAX_DEVICES            512    /* its upper bound: VM_DB_MAX_VMS x VM_DEVICE_MAX */
#define VM_GRANT_FRAMES_MAX          0xffff /* max_grant_frames, max_maptrack_frames */
#define VM_GRANT_VERSION_MAX         2      /* grant table versions Xen knows: 1 and 2 */
#define VM_DEVICE_MAX                8      /* vif and disk entries together */
#define VM_IFNAME_MAX                15     /* Linux IFNAMSIZ - 1: bridge and vifname */
#define VM_VIF_SCRIPT_MAX            43     /* the vif's hotplug script name or path */
#define VM_VIF_IP_MAX                39     /* the vif's ip= (one address, as xl writes it) */
#define VM_VDEV_MAX                  15     /* a disk's vdev as written ("xvda", "hdb1") */
#define VM_DISK_TARGET_MAX           103    /* a disk's target, a path in the driver domain */
#define VM_PCPU_MAX                  128    /* physical CPUs cpus/cpus_soft can name: 0..127 */
#define VM_CPUMAP_BYTES              (VM_PCPU_MAX / 8)
#define VM_UUID_SIZE                 16 /* the domain handle */
#define VM_SECLABEL_MAX              63 /* characters of a FLASK label "user:role:type" */

/*
 * What kind of guest the builder makes (xl's `type`). HVM with a device
 * model is not among them: domB runs no QEMU (docs/config.md).
 */
enum vm_type {
    VM_TYPE_PV = 0,  /* 64-bit PV (xl type = "pv"; the default) */
    VM_TYPE_PVH = 1, /* an HVM container without a device model (type = "pvh") */
};
#define VM_TYPE_COUNT 2

/* What the builder does when the VM shuts down (xl's actions). */
enum vm_on_exit {
    VM_ON_EXIT_DESTROY = 0,        /* destroy the domain and give its memory back (default) */
    VM_ON_EXIT_PRESERVE = 1,       /* leave the shut-down domain in place for inspection */
    VM_ON_EXIT_RESTART = 2,        /* destroy it and build it again from the same spec */
    VM_ON_EXIT_RENAME_RESTART = 3, /* keep it under another name, build a new one */
};
#define VM_ON_EXIT_COUNT 4

/*
 * The shutdown reasons that have their own action (xl's on_poweroff,
 * on_reboot, on_crash, on_watchdog, on_soft_reset). A suspended domain is
 * left alone, as xl leaves it.
 */
enum vm_reason {
    VM_REASON_POWEROFF = 0,
    VM_REASON_REBOOT = 1,
    VM_REASON_CRASH = 2,
    VM_REASON_WATCHDOG = 3,
    VM_REASON_SOFT_RESET = 4,
};
#define VM_REASON_COUNT 5

/*
 * Split-driver devices (docs/devices.md): the frontend in this VM, the
 * backend in a driver domain of the same platform, named by its VM name
 * (resolved at pack time: a device without backend= gets the archive's
 * default driver domain, so a spec always names one).
 */
enum vm_device_kind {
    VM_DEVICE_VIF = 1, /* network: xen-netfront / xen-netback */
    VM_DEVICE_VBD = 2, /* block: xen-blkfront / xen-blkback */
};

enum vm_disk_format {
    VM_DISK_FORMAT_RAW = 0, /* the only format blkback serves */
};
#define VM_DISK_FORMAT_COUNT 1

struct vm_vif {
    uint8_t mac[6];                     /* always set (default: derived from name and index) */
    char bridge[VM_IFNAME_MAX + 1];     /* default "xenbr0", as xl */
    char vifname[VM_IFNAME_MAX + 1];    /* empty: the backend's vif<domid>.<devid> */
    char script[VM_VIF_SCRIPT_MAX + 1]; /* default "vif-bridge", as xl */
    char ip[VM_VIF_IP_MAX + 1];         /* empty: none */
};

struct vm_disk {
    char target[VM_DISK_TARGET_MAX + 1]; /* the backing file or device in the driver domain */
    char vdev[VM_VDEV_MAX + 1];          /* as the config wrote it ("xvda", "hda") */
    uint32_t virtual_device;             /* xenstore's virtual-device number (xvda = 51712) */
    bool writable;                       /* access=rw (xl's default) or ro */
    bool cdrom;                          /* devtype=cdrom: device-type cdrom, read-only */
    enum vm_disk_format format;
};

struct vm_device {
    enum vm_device_kind kind;
    uint32_t devid;                /* the device's N: vif index, vbd virtual_device */
    char backend[VM_NAME_MAX + 1]; /* the driver domain's VM name */
    union {
        struct vm_vif vif;   /* kind VM_DEVICE_VIF */
        struct vm_disk disk; /* kind VM_DEVICE_VBD */
    };
};

/* Machine frames [start_mfn, start_mfn + nr_pages) mapped at guest frame gfn. */
struct vm_iomem {
    uint64_t start_mfn;
    uint64_t nr_pages;
    uint64_t gfn;
};

/* I/O ports first..last, inclusive. */
struct vm_ioport {
    uint32_t first;
    uint32_t last;
};

struct vm_config {
    char name[VM_NAME_MAX + 1];
    char kernel[VM_PATH_MAX + 1];
    char ramdisk[VM_PATH_MAX + 1]; /* empty: no ramdisk */
    char cmdline[VM_CMDLINE_MAX + 1];
    enum vm_type type;
    uint32_t memory_mib;
    uint32_t maxmem_mib; /* >= memory_mib */
    uint32_t vcpus;      /* 1..VM_VCPUS_MAX */
    uint32_t domid;      /* 0: let Xen choose; else 1..VM_DOMID_MAX */
    uint32_t max_vcpus;  /* xl's maxvcpus: 0 = vcpus; else vcpus..VM_VCPUS_MAX, the
                          * vCPUs from `vcpus` on start offline */
    /* What happens when it shuts down: on_exit for every reason, except
     * the reasons whose bit is set in on_reason_set, which take
     * on_reason[reason] (xl's on_poweroff, ...: vm_config_action). */
    enum vm_on_exit on_exit;
    uint32_t on_reason_set;
    enum vm_on_exit on_reason[VM_REASON_COUNT];
    /* xl's uuid: the domain handle (zero when not given). */
    bool has_uuid;
    uint8_t uuid[VM_UUID_SIZE];
    /* xl's cpus and cpus_soft as one map for every vCPU: bit c of byte c / 8
     * is physical CPU c (zero when not given). */
    bool has_cpus, has_cpus_soft;
    uint8_t cpus[VM_CPUMAP_BYTES];
    uint8_t cpus_soft[VM_CPUMAP_BYTES];
    bool has_kernel_sha256;
    bool has_ramdisk_sha256;
    uint8_t kernel_sha256[SHA256_DIGEST_SIZE];
    uint8_t ramdisk_sha256[SHA256_DIGEST_SIZE];
    uint32_t nr_iomem;
    struct vm_iomem iomem[VM_IOMEM_MAX];
    uint32_t nr_ioports;
    struct vm_ioport ioports[VM_IOPORT_MAX];
    uint32_t nr_irqs;
    uint32_t irqs[VM_IRQ_MAX];
    /* db-server: may this VM send requests, and within which limits. */
    bool db_client;
    uint32_t db_max_vms;        /* VMs it may have built at once (0 when not a client) */
    uint32_t db_max_memory_mib; /* their total maxmem (0 when not a client) */
    uint32_t db_max_devices;    /* their devices in all, 0..VM_DB_MAX_DEVICES (0 when not
                                 * a client; default VM_DB_DEFAULT_MAX_DEVICES) */
    /* Grant table limits (xl's max_grant_frames, max_maptrack_frames,
     * max_grant_version). Absent: Xen's own defaults (its gnttab_max_frames
     * and gnttab_max_maptrack_frames options); version 0: the builder's
     * (2, as xl's). */
    bool has_max_grant_frames;
    bool has_max_maptrack_frames;
    uint32_t max_grant_frames;    /* 1..VM_GRANT_FRAMES_MAX when given, else 0 */
    uint32_t max_maptrack_frames; /* 1..VM_GRANT_FRAMES_MAX when given, else 0 */
    uint32_t max_grant_version;   /* 0 = the builder's default, else 1..VM_GRANT_VERSION_MAX */
    /* Devices (xl's vif and disk), in config order: vifs get devid 0, 1, ...
     * in their order, disks their virtual_device. driver_domain: this VM
     * serves other VMs' backends (xl's driver_domain = 1). */
    bool driver_domain;
    /* db_builder = 1: this VM is a domain builder (db-server as an ordinary
     * domain, docs/disaggregation.md): db-boot makes it the handler of
     * VIRQ_DOM_EXC, so it hears when the domains it builds stop. */
    bool db_builder;
    uint32_t nr_devices;
    struct vm_device devices[VM_DEVICE_MAX];
    /* XSM/FLASK labels (xl's seclabel and init_seclabel; docs/disaggregation.md):
     * empty, or "user:role:type" (vm_config_check_seclabel). seclabel is the
     * label the domain runs with; init_seclabel, when given (only with a
     * seclabel), the one it is built with before the builder relabels it to
     * seclabel, as libxl does. Neither: Xen's initial SID domU
     * (system_u:system_r:domU_t), libxl's default. */
    char seclabel[VM_SECLABEL_MAX + 1];
    char init_seclabel[VM_SECLABEL_MAX + 1];
};

/* An empty configuration with every default applied (vcpus 1, on_exit destroy). */
void vm_config_init(struct vm_config *cfg);

/*
 * Field checks shared by the config parser and the spec decoder. Each returns
 * 0 or -XEN_EINVAL with a sentence that starts with the field's name and has no
 * location prefix (the caller adds "file:line: " or "spec 'x': ").
 */
int vm_config_check_name(const char *name, struct domb_error *err);
int vm_config_check_iomem(const struct vm_iomem *range, struct domb_error *err);
int vm_config_check_ioport(const struct vm_ioport *range, struct domb_error *err);
int vm_config_check_irq(uint64_t irq, struct domb_error *err);

/*
 * A FLASK label as xl's seclabel/init_seclabel give it: "user:role:type",
 * three non-empty fields of [A-Za-z0-9_] (Xen's example policy has no MLS
 * part), at most VM_SECLABEL_MAX characters. `key` names the field in the
 * message ("seclabel 'x' ..."). Whether the running policy knows the label
 * only Xen can say (FLASK_CONTEXT_TO_SID, at build time).
 */
int vm_config_check_seclabel(const char *key, const char *label, struct domb_error *err);

/*
 * Whole-configuration check: every field in range, strings NUL-terminated in
 * their arrays, counts within the arrays, memory <= maxmem, a ramdisk hash
 * only with a ramdisk; every device (vm_config_check_device), vifs numbered
 * 0, 1, ... in order and disks by their virtual_device, no two disks on one
 * virtual device, no two vifs with one MAC, no device backed by the VM itself.
 * A device's backend may be empty here (the parser leaves it so); the spec
 * requires one. Used by the parser, the spec encoder and decoder.
 */
int vm_config_validate(const struct vm_config *cfg, struct domb_error *err);

/*
 * One device's own fields (not those that depend on the rest of the
 * config): kind, backend (empty, or a VM name), and per kind the mac (not
 * multicast, not zero), bridge and vifname (Linux interface names), script,
 * ip; the vdev and its virtual_device number, target (an absolute path),
 * format, and a cdrom that is not writable. Messages start with the field's
 * xl sub-key ("bridge 'a/b' is not ..."); the caller prefixes the device
 * (vm_device_label).
 */
int vm_config_check_device(const struct vm_device *dev, struct domb_error *err);

/* "vif 0" (the devid) or "disk xvda" (the vdev), for messages. */
void vm_device_label(const struct vm_device *dev, char *buf, size_t size);

/*
 * xenstore's virtual-device number of a disk name, as libxl computes it
 * (libxl__device_disk_dev_number): xvdX[N] is 202 << 8 | disk << 4 | N for
 * disks 0..15 and partitions 0..15, else 1 << 28 | disk << 8 | N (disks up
 * to 2^20 - 1, partitions up to 255); dDpP is the same by numbers; hdX[N]
 * (hda..hdd, N <= 63) is 3 << 8 (hda, hdb) or 22 << 8 (hdc, hdd) | (disk & 1)
 * << 6 | N; sdX[N] (sda..sdp, N <= 15) is 8 << 8 | disk << 4 | N. Letters
 * count like spreadsheet columns (a = 0, z = 25, aa = 26). Returns 0 or
 * -XEN_EINVAL with a message starting "vdev 'NAME' ...".
 */
int vm_disk_vdev_number(const char *vdev, uint32_t *number, struct domb_error *err);

/*
 * The MAC a vif without mac= gets: Xen's OUI 00:16:3e, then the first three
 * bytes of SHA-256("NAME/INDEX") with the top bit of the fourth byte clear
 * (as libxl's random ones). Stable: the same VM name and vif index always
 * give the same address.
 */
void vm_vif_default_mac(const char *vm_name, uint32_t index, uint8_t mac[6]);

/* Name of an on_exit action ("destroy", "rename-restart", ...), or NULL if out of range. */
const char *vm_on_exit_name(enum vm_on_exit action);

/* xl's key for a reason ("on_poweroff", ...), or NULL if out of range. */
const char *vm_reason_key(enum vm_reason reason);

/*
 * The action for a Xen shutdown code (SHUTDOWN_poweroff 0, reboot 1,
 * crash 3, watchdog 4, soft_reset 5; public/sched.h). Suspend (2) leaves
 * the domain alone (*leave = true), as xl does; an unknown code destroys
 * it, as xl does.
 */
enum vm_on_exit vm_config_action(const struct vm_config *cfg, unsigned int xen_reason, bool *leave);

/* "2a1c...-..." (36 characters and a NUL) for a domain handle. */
void vm_uuid_format(const uint8_t uuid[VM_UUID_SIZE], char out[37]);

/* xl's name of a guest type ("pv", "pvh"), or NULL if out of range. */
const char *vm_type_name(enum vm_type type);

#endif
