/*
 * The VMs a builder kernel (db-boot, db-server) manages: build one from a
 * config and images, start it, relay its console, notice that it stopped and
 * why, destroy it, and report. Everything privileged goes through the seam
 * the VM was built with (vm->xen).
 */
#ifndef DOMB_VM_H
#define DOMB_VM_H

#include <builder/build.h>
#include <dom0/devices.h>
#include <dom0/relay.h>
#include <xenstore/xenstore.h>
#include <xen/sched.h>
#include <proto/protocol.h>
#include <proto/vm_config.h>

enum vm_state {
    VM_EMPTY = 0,
    VM_FAILED,    /* never built (bad config/image) or the build failed */
    VM_BUILT,     /* built, paused */
    VM_RUNNING,   /* unpaused */
    VM_STOPPED,   /* shut down (reason in shutdown_reason) */
    VM_DESTROYED, /* gone */
};

/*
 * The db-server channel of a VM (docs/protocol.md, "Channel setup"): a ring
 * page in the guest's own memory (the builder's channel page) that the
 * server keeps mapped, and an interdomain event channel the server sets up
 * before the guest runs (port and page reach the guest on its command line
 * as "domb.server=DOMID,PORT,PFN").
 */
struct vm_channel {
    uint8_t *page;            /* mapped ring page, NULL when there is none */
    evtchn_port_t port;       /* our end */
    evtchn_port_t guest_port; /* the guest's end */
    bool attached;            /* the guest initialised the ring and we checked it */
    bool dropped;             /* the guest broke the protocol: not served any more */
    struct proto_back_ring ring;
    struct proto_sequence seq;
    struct proto_usage usage; /* VMs it has had built and not destroyed */
    unsigned long requests, refused;
};

/* shutdown_reason of a VM whose domain was destroyed by someone else
 * before it shut down (not a Xen SHUTDOWN_* code). */
#define VM_SHUTDOWN_GONE 0xffu
/* ... of a VM the operator destroyed (the shell's "destroy"): not abnormal. */
#define VM_SHUTDOWN_DESTROYED 0xfeu

#define VM_QUICK_EXIT_NS  (10ULL * 1000000000ULL)
#define VM_QUICK_RESTARTS 3

struct vm_build_opts {
    const struct xenops *xen; /* the seam to build (and later manage) it through */
    bool relay;               /* relay the guest's console */
    bool channel;             /* give the guest a db-server channel */
    struct xs_store *store;   /* serve the guest's xenstore ring from this store, or NULL */
    /* How its vif/disk devices reach their driver domains (needs store);
     * NULL: a VM with devices is refused. */
    const struct device_env *devices;
    /* Unpack a bzImage's whole ELF into pages of ours first, as before
     * issue 15, instead of streaming it into the guest: only to measure the
     * difference ("domb.staged_bzimage=1", docs/performance.md). */
    bool staged_bzimage;
    /* The builder's own domid (0 as dom0): the backend of the guest's
     * console, xenstore and db-server channel. */
    domid_t self_domid;
    /* The builder is an ordinary domain: populate with the largest order
     * Xen lets a domU use (XENOPS_EXTENT_ORDER_DOMU), not dom0's. */
    bool domu;
};

/* The guest's xenstore connection, served by us (docs/xenstore.md). */
struct vm_xenstore {
    struct xs_store *store;
    struct xs_conn *conn;                   /* in pages of ours, NULL when not served */
    struct xenstore_domain_interface *ring; /* the guest's store page, mapped */
    evtchn_port_t port;                     /* our end of its store channel */
    bool broken;
};

struct vm {
    const struct xenops *xen;
    char name[64];
    enum vm_state state;
    struct domb_error error; /* why it failed (state VM_FAILED) */
    domid_t domid;
    uint32_t memory_mib;
    enum vm_on_exit on_exit;
    uint64_t build_ns;
    unsigned int hypercalls;
    /* XSM/FLASK: the SID of the seclabel it runs with when it was built
     * under an init_seclabel (0: no relabel), and whether vm_unpause has
     * relabelled this incarnation (docs/disaggregation.md). */
    uint32_t run_ssid;
    bool relabelled;
    /* The builder kernel's own pages during the build (issue 15): in use
     * when it began, at the most, and that peak beyond the start (the
     * build's working set; 0 when the seam cannot tell). */
    uint64_t mem_start_pages, mem_peak_pages, mem_build_pages;
    unsigned int shutdown_reason; /* SHUTDOWN_* once stopped, or VM_SHUTDOWN_GONE */
    struct builder_result result;
    struct relay_console console;
    bool relay;
    domid_t owner;               /* the client that asked for it (DOMID_SELF: the boot set) */
    unsigned int restarts;       /* times on_exit = "restart" rebuilt it */
    unsigned int quick_restarts; /* of those, after running less than VM_QUICK_EXIT_NS */
    uint64_t started_ns;         /* when it was last unpaused */
    domid_t prev_domid;          /* before the last on_exit restart (0: none) */
    unsigned int prev_reason;    /* how that domain shut down (SHUTDOWN_*) */
    domid_t first_domid;         /* before the first on_exit restart (0: none): the domid
                                  * its builder (a db-server client) was told */
    unsigned int first_reason;   /* how that domain shut down (SHUTDOWN_*) */
    /* A VM with devices, once its first incarnation is gone (restarts
     * compare with it: platform.c, platform_restart_leftovers): xenstore
     * nodes, Xen's and the builder's free pages, and how many other VMs
     * held a domain then. */
    bool gone_marked;
    uint32_t gone_nodes;
    uint64_t gone_xen_free, gone_builder_free;
    unsigned int gone_others;
    struct vm_config config;
    /* The images it was built from, as given to vm_build (inside the
     * initramfs, which lives as long as the kernel): a restart reuses them. */
    const void *kernel_image, *ramdisk_image;
    size_t kernel_image_size, ramdisk_image_size;
    struct vm_channel chan;
    struct vm_xenstore xs;
    const struct device_env *devenv;            /* from vm_build_opts.devices */
    domid_t builder_domid;                      /* from vm_build_opts.self_domid */
    struct device_link devlinks[VM_DEVICE_MAX]; /* one per config.devices[] */
};

/* Serve the VM's xenstore ring (after its event fired, or when it has
 * output queued by others). */
void vm_xenstore_service(struct vm *vm);

/* Build a VM (left paused). On failure state = VM_FAILED with error set and
 * nothing of the domain left behind. */
int vm_build(struct vm *vm, const struct vm_config *cfg, const void *kernel, size_t kernel_size,
             const void *ramdisk, size_t ramdisk_size, const struct vm_build_opts *opts);

/* Record a VM that could not even be attempted (e.g. its spec was bad). */
void vm_fail(struct vm *vm, const char *name, const struct domb_error *why);

/* Start a built VM. A VM built under an init_seclabel is first relabelled
 * to its seclabel (FLASK_RELABEL_DOMAIN), as libxl does once it is done
 * with a domain: everything the platform writes into a built VM
 * (vm_append_cmdline) comes before. On failure of either the domain is
 * destroyed and state = VM_FAILED. */
int vm_unpause(struct vm *vm);

/* Append " text" to the command line in a built (paused) guest's start_info. */
int vm_append_cmdline(struct vm *vm, const char *text);

/* Ask Xen whether the VM has shut down; if so, drain its console and move it
 * to VM_STOPPED. Returns true if it is stopped (or gone). */
bool vm_poll_exit(struct vm *vm);

/* Ask the guest to shut down as xl shutdown/reboot does: write how
 * ("poweroff", "reboot") to its control/shutdown in our xenstore. Returns 0,
 * or a negative error when the VM has no xenstore we serve. */
int vm_request_shutdown(struct vm *vm, const char *how);

/* Destroy the domain and wait (bounded) until Xen has freed all of it. */
int vm_destroy(struct vm *vm);

/* Wait (bounded: 1000 yields) until Xen has forgotten domid, i.e. freed all
 * of it and made the id free again. */
void vm_wait_gone(const struct xenops *xen, domid_t domid);

/* Destroy the domain without waiting for Xen to finish freeing it (the
 * event loop's on_exit path: with hundreds of runnable guests the wait
 * would stall everyone). */
int vm_release(struct vm *vm);

/* "poweroff", "crash", ... for a SHUTDOWN_* code. */
const char *vm_shutdown_name(unsigned int reason);

/* The summary's RESULT text of a VM ("running", "exited: poweroff",
 * "FAILED: ..."), written to buf. */
const char *vm_result_text(const struct vm *vm, char *buf, size_t size);

/* Print the summary table of n VMs. */
void vm_print_summary(const struct vm *vms, unsigned int n);

#endif
