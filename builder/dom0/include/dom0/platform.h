/*
 * The boot phase shared by db-boot and db-server: load the boot set from the
 * initramfs, build and start its VMs in the manifest's order and mode, then
 * supervise them (console relay, VIRQ_DOM_EXC, on_exit), and report.
 */
#ifndef DOMB_PLATFORM_H
#define DOMB_PLATFORM_H

#include <dom0/vm.h>
#include <initrd/bootset.h>

/* VMs one builder kernel keeps track of (boot set + VMs built on request).
 * What limits the number of running VMs in practice is memory: each served
 * VM costs a xenstore connection (32 KiB) and two foreign-window slots. */
#define PLATFORM_MAX_VMS 1024

/* The xenstore we serve to every VM: a new domain has about 40 nodes, what
 * libxl makes (docs/xenstore.md), a vif or disk some 25 more, and
 * transactions borrow up to a quarter of the table while they are open.
 * 64 bytes per node in the table (3 MiB), the rest is the heap (about 30
 * bytes a node). */
#define PLATFORM_XENSTORE_NODES 49152u
#define PLATFORM_XENSTORE_ARENA (6u << 20)

/* The event loop's wait: at most this many ports (Xen's SCHEDOP_poll limit;
 * the VMs beyond are looked at every time round), at most this long between
 * looks at the VMs. */
#define PLATFORM_POLL_MAX 128u
#define PLATFORM_POLL_NS  1000000000ULL

/* What the builder kernel was booted with (from its start_info). */
struct platform_boot_info {
    const char *cmdline;   /* the builder's command line ("domb.bench=1"), or NULL */
    const uint8_t *module; /* the initramfs, or NULL */
    uint64_t module_len;
    uint64_t t0_ns;      /* the seam's clock when the kernel started */
    uint64_t dom0_pages; /* the builder's own memory in pages (0: not known) */
    /* An ordinary domain, not dom0 (db-server built by db-boot under
     * FLASK; docs/disaggregation.md): its domid is the backend of the
     * consoles, xenstores and channels it gives its guests, and it
     * populates with the orders Xen allows a domU. */
    bool domu;
    domid_t self_domid; /* 0 for dom0 */
};

/* Benchmark timestamps of one VM ("domb.bench=1"; docs/performance.md). */
struct platform_bench_vm {
    uint64_t build_start_ns;  /* Xen system time as its build began */
    uint64_t first_output_ns; /* when its first console byte was relayed; 0 = not yet */
    unsigned long hypercalls; /* all of vm_build's, not only the builder core's */
};

struct platform {
    const struct xenops *xen; /* set by the caller before platform_boot */
    struct bootset set;
    struct bootset_vm boot_vms[MANIFEST_MAX_VMS];
    struct vm vms[PLATFORM_MAX_VMS]; /* the boot set first, in start order */
    unsigned int nr_vms;
    unsigned int failed;          /* VMs of the boot set that could not be built or started */
    evtchn_port_t virq_port;      /* VIRQ_DOM_EXC */
    bool virq_delegated;          /* the xenstore domain handles VIRQ_DOM_EXC: poll for exits */
    bool domu;                    /* we are an ordinary domain (platform_boot_info.domu) */
    domid_t self_domid;           /* our domid: 0 as dom0 */
    uint64_t next_exit_poll;      /* domU: when to look for stopped VMs without VIRQ_DOM_EXC */
    domid_t builder_domid;        /* db-boot: the VM that is a domain builder (db_builder), or
                                   * DOMID_INVALID; it has VIRQ_DOM_EXC */
    bool build_rights_dropped;    /* platform_drop_build_rights relabelled us */
    bool isolation_check;         /* domb.isolation_check= was given: check VMs started later */
    unsigned int isolation_wrong; /* attempts of the check that went the wrong way */
    domid_t xenstore_domid;       /* sequenced mode's xenstore domain, or DOMID_INVALID */
    bool relay;
    bool channels;             /* db-server: every VM gets a db-server channel */
    struct xs_store store;     /* the xenstore we serve to every VM */
    struct device_env devices; /* how VMs' devices find their driver domains */
    uint64_t wind_down_ns;     /* driver domains asked to power off: destroy them after */
    bool stay_reported;        /* --when-done stay: the summary of the VMs' end is out */
    uint64_t t0;               /* Xen system time when the kernel's main started */
    uint64_t boot_t0;          /* Xen system time at kernel_start (boot_info.t0_ns) */
    bool bench;                /* "domb.bench=1": print machine-readable BENCH lines */
    bool staged_bzimage;       /* "domb.staged_bzimage=1": unpack bzImages first (vm.h) */
    struct platform_bench_vm bench_vm[PLATFORM_MAX_VMS];
    /* the operator shell on the serial line (dom0/shell.h), or NULL */
    struct shell *shell;
};

/* Load the boot set from the initramfs, and build and start its VMs
 * through p->xen (the caller has checked the hypervisor's interface).
 * Returns 0 (individual VMs may have failed: see p->failed) or a negative
 * error when nothing could be attempted. */
int platform_boot(struct platform *p, const struct platform_boot_info *bi);

/* db-boot's event loop: relay consoles and watch guests until every one has
 * stopped, forever when the manifest says "stay", not at all for
 * "shutdown". */
void platform_run(struct platform *p);

/* Once every VM but driver domains has stopped (and the platform is not
 * told to stay): ask the driver domains to power off through
 * control/shutdown, and destroy those still running PLATFORM_WIND_DOWN_NS
 * later. */
#define PLATFORM_WIND_DOWN_NS (30ULL * 1000000000ULL)
void platform_wind_down(struct platform *p);

/* --when-done stay never ends the builder: each time every VM has stopped,
 * print the summary table once (`who` prefixes the line before it), so a
 * run that stays still shows how its VMs ended; domb-run --timeout (or the
 * operator shell) ends it. */
void platform_stay_report(struct platform *p, const char *who);

/* The event channels the platform needs watched: VIRQ_DOM_EXC and the
 * console channels of running VMs. Returns how many were written. */
unsigned int platform_ports(const struct platform *p, evtchn_port_t *ports, unsigned int max);

/* After a poll: relay consoles, notice stopped VMs and apply on_exit. */
void platform_handle_events(struct platform *p);

/* The domain domid, a db-server client perhaps, is gone for good: the VMs
 * built on its request stay, owned by nobody (DOMID_INVALID), so that a
 * later domain given the same domid does not inherit them. A client
 * restarted by its on_exit policy keeps its VMs instead (they follow it to
 * its new domid). */
void platform_orphan(struct platform *p, domid_t domid);

/* VMs currently running. */
unsigned int platform_running(const struct platform *p);

/* Print the summary table and a closing line; returns the verdict: true only
 * if every VM was built and every one that stopped powered off. */
bool platform_report(const struct platform *p, const char *who);

/* The build options for a VM of this platform. */
void platform_build_opts(struct platform *p, struct vm_build_opts *opts);

/* Build a stopped (and released) VM again from its spec and images and
 * start it, as on_exit = "restart" does (the shell's reboot uses it too). */
void platform_restart(struct platform *p, struct vm *vm);

/* Deliver output that one guest's writes queued for others (watch events),
 * and serve connections with requests left after a batch. */
void platform_xenstore_pending(struct platform *p);

/* Xen's free pages once a destroyed domain's memory is back: physinfo
 * until it reaches at_least (0: until it stops changing), at most about a
 * second. */
uint64_t platform_settled_xen_free(struct platform *p, uint64_t at_least);

/*
 * db-boot under FLASK, once the boot set is built and nothing can be built
 * again (every VM failed or gave its images back: none may restart, and
 * domb.keep_images is not set): relabel ourselves (FLASK_RELABEL_DOMAIN of
 * DOMID_SELF) to PLATFORM_RUN_LABEL, which domB's policy lets only run
 * what is built: manage its VMs, their event channels, the console,
 * physinfo; no createdomain and no mapping of anyone
 * (docs/disaggregation.md). Tried only when a VM of the boot set has a
 * seclabel (a platform without labels makes no xsm_op). Returns 1 when
 * relabelled, 0 when not tried or not needed (why is printed when a label
 * was there), or a negative errno from Xen (printed).
 */
#define PLATFORM_RUN_LABEL "system_u:system_r:domb_dom0_run_t"
int platform_drop_build_rights(struct platform *p);

/*
 * "domb.isolation_check=D,D,..." (or empty): prove from the builder itself,
 * once its boot set is built, what the XSM policy keeps it from
 * (docs/disaggregation.md). For each listed domain (not built by us: dom0,
 * a sibling of db-boot's) getdomaininfo, pause and a foreign mapping must
 * be refused; once db-boot gave up building (platform_drop_build_rights),
 * a createdomain too; for each running VM of ours that is relabelled (or
 * every one once db-boot gave up building) the mapping of its start_info
 * frame must be refused and getdomaininfo allowed. Prints one line per
 * attempt and a total; returns how many went the wrong way (0 without the
 * argument), also added to p->isolation_wrong (the entry points fail their
 * verdict on any).
 */
unsigned int platform_isolation_check(struct platform *p, const char *cmdline);

/* The same check for one VM of ours (getdomaininfo allowed, its
 * start_info frame not mappable), as db-server runs it for each VM it
 * starts on request once the check was asked for. Adds the attempts that
 * went the wrong way to p->isolation_wrong; returns the attempts made (0:
 * not one to check, not running or not relabelled). */
unsigned int platform_isolation_check_vm(struct platform *p, struct vm *vm);

/* A free slot for a VM built later, or NULL. */
struct vm *platform_new_vm(struct platform *p);

/*
 * Once the boot set is built (db-boot; issue 15): give back to Xen the
 * initramfs pages that hold only images nothing will build from again, the
 * kernels and ramdisks of VMs that cannot restart (no reason's action is
 * restart or rename-restart) and that no such VM shares. Only whole pages
 * inside an image go (the archive's headers and specs stay readable). The
 * shell's `create` and `reboot` of such a VM then say why they cannot.
 * Fills what went; returns 0, or a negative errno when the seam cannot
 * give memory back (nothing changed).
 */
struct platform_given_back {
    unsigned int images;                      /* kernels and ramdisks given back */
    unsigned int vms;                         /* VMs that can no longer be built */
    uint64_t pages;                           /* pages Xen took */
    uint64_t xen_free_before, xen_free_after; /* Xen's free pages (physinfo) */
};
int platform_give_back_images(struct platform *p, struct platform_given_back *out);

#endif
