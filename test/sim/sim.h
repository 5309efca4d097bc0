/*
 * The simulated hypervisor: a host-only implementation of struct xenops
 * (builder/xenops.h) that keeps domains, a finite pool of machine frames,
 * p2m/m2p, page types and reference counts, and enforces the PV rules Xen
 * enforces (see docs/builder.md, "The simulator's rules"). It also models
 * what the dom0 services use: event channels (unbound, interdomain, VIRQ,
 * pending bits, poll), guests that shut down, domains that take a while to
 * die, physinfo and a clock. It counts every call by kind and tracks the
 * caller's scratch pages, foreign mappings and ports so tests can prove
 * nothing leaked. Failures are injected by wrapping the ops in
 * builder/xenops_fault.h.
 *
 * Tests play the guests: between the builder's polls the simulator calls the
 * test's "world" function, which may write into guest frames (sim_frame),
 * signal ports (sim_guest_notify) and shut guests down (sim_guest_shutdown).
 *
 * Frame contents live in one memfd; foreign mappings are real shared
 * mappings of it, so what the builder writes is what the "guest" sees.
 */
#ifndef TEST_SIM_H
#define TEST_SIM_H

#include <builder/xenops.h>

enum sim_call {
    SIM_DOMCTL,
    SIM_MEMORY_OP,
    SIM_MMU_UPDATE,
    SIM_MMUEXT_OP,
    SIM_EVTCHN_OP,
    SIM_GRANT_SEED,
    SIM_MAP_FOREIGN,
    SIM_UNMAP_FOREIGN,
    SIM_ALLOC_PAGES,
    SIM_FREE_PAGES,
    SIM_SYSCTL,
    SIM_SCHED_OP,       /* poll and yield */
    SIM_HVM_OP,         /* hvm_param (one hvm_op or one multicall) */
    SIM_MEMORY_MAP,     /* set_memory_map */
    SIM_GRANT_SEED_HVM, /* seed_grant_table_hvm */
    SIM_CONSOLE_IO,     /* console_read */
    SIM_XEN_VERSION,    /* xen_version */
    SIM_XSM_OP,         /* xsm_op */
    SIM_CALL_KINDS,
};

/* Hypercalls one seed_grant_table costs on real Xen (acquire_resource,
 * map batch, unmap batch). */
#define SIM_GRANT_SEED_HYPERCALLS 3
/* ... and one seed_grant_table_hvm (add_to_physmap, map, unmap,
 * remove_from_physmap). */
#define SIM_GRANT_SEED_HVM_HYPERCALLS 4

/* What the simulated Xen puts in the HVM save header (gethvmcontext):
 * CPUID[1].eax of the "host" and the guest TSC frequency. */
#define SIM_HVM_CPUID     0x00a00f11u
#define SIM_HVM_TSC_KHZ   2000000u
#define SIM_HVM_CHANGESET 0x01140da4e8ULL
/* The paging pool an HVM domain starts with (Xen's hap_enable) and the p2m
 * pages it uses from the start (the host p2m's root). */
#define SIM_HAP_INITIAL_POOL 256u

enum sim_page_type {
    SIM_PGT_NONE,
    SIM_PGT_WRITABLE,
    SIM_PGT_L1,
    SIM_PGT_L2,
    SIM_PGT_L3,
    SIM_PGT_L4
};

struct sim_config {
    uint64_t nr_frames;            /* machine frames in the pool (power of two) */
    domid_t self;                  /* the caller's domid (the builder) */
    bool privileged;               /* may the caller touch other domains? */
    unsigned int max_extent_order; /* largest populate order the caller may use */
    unsigned int destroy_delay;    /* polls/yields a destroyed domain takes to die (it is
                                    * gone then, or once the caller unmaps the last of
                                    * its frames: a zombie until then, as in Xen) */
    uint64_t scratch_pages;        /* the caller's own memory (0: SIM_DEFAULT_SCRATCH_PAGES) */
    bool no_clock;                 /* ops without now_ns (the builder's timings are optional) */
    unsigned int nr_cpus;          /* physical CPUs, all online (0: 1; at most 64) */
    bool flask;                    /* a Xen with XSM/FLASK enforcing the sim's policy
                                    * (below); else xsm_op is -ENOSYS and ssidref is
                                    * ignored, as on Debian's Xen */
};

/*
 * The simulated FLASK policy (sim_config.flask), a small model of Xen's
 * example policy (tools/flask/policy) and domB's module
 * (tools/flask-xen/domb.te) for a caller labelled dom0_t:
 *   label                                   SID    create map manage  relabel
 *   system_u:system_r:dom0_t                3      -      -    -       -
 *   system_u:system_r:unlabeled_t           6      -      -    -       -
 *   system_u:system_r:domU_t                12     yes    yes  all     -
 *   system_u:system_r:isolated_domU_t       0x100  yes    yes  all     -
 *   system_u:system_r:nomigrate_t_building  0x101  yes    yes  -       from
 *   system_u:system_r:nomigrate_t           0x102  -      -    all     to
 *   system_u:system_r:prot_domU_t           0x103  yes    yes  pause,  -
 *                                                              destroy
 *   system_u:system_r:domb_guest_t_building 0x104  yes    yes  all     from
 *   system_u:system_r:domb_guest_t          0x105  -      -    all     to
 *   system_u:system_r:domb_dom0_run_t       0x106  -      -    -       -
 * ("manage": pause, unpause, destroy.)
 * (dom0_t, unlabeled_t and domU_t are Xen's initial SIDs, their numbers
 * fixed by xen/xsm/flask/policy/initial_sids; the others are what this
 * policy happens to give.) FLASK_CONTEXT_TO_SID of any other string is
 * -EINVAL. With -EACCES, logged as Xen logs it ("avc:  denied  { create }
 * ... tcontext=..."; sim_avc_log), it refuses: createdomain with an
 * ssidref the caller may not create (unlabeled_t for 0, as on Xen;
 * nomigrate_t and domb_guest_t only through their build labels);
 * map_foreign of a domain whose label the caller may not map (a relabelled
 * guest: the policies give mmu rights on the build label only); pause,
 * unpause and destroy of a domain it may not manage (measured on Xen:
 * prot_domU_t cannot be unpaused, and Xen's example build label
 * nomigrate_t_building cannot be destroyed, so a failed build under it
 * leaves the domain behind; domB's domb_guest_t_building can);
 * FLASK_RELABEL_DOMAIN unless from a "from" label to a "to" label. The
 * caller may relabel itself (DOMID_SELF) from dom0_t to domb_dom0_run_t
 * only (db-boot giving up building); from then on it may create no domain
 * and map none (still manage them) - sim_self_sid says which it is.
 */
#define SIM_SID_DOM0        3u
#define SIM_SID_UNLABELED   6u
#define SIM_SID_DOMU        12u
#define SIM_SID_ISOLATED    0x100u
#define SIM_SID_NOMIGRATE_B 0x101u
#define SIM_SID_NOMIGRATE   0x102u
#define SIM_SID_PROT        0x103u
#define SIM_SID_GUEST_B     0x104u
#define SIM_SID_GUEST       0x105u
#define SIM_SID_DOM0_RUN    0x106u

#define SIM_DEFAULT_SCRATCH_PAGES (64ULL << 8) /* 64 MiB */

struct sim;

struct sim *sim_create(const struct sim_config *cfg);
void sim_destroy(struct sim *s);
/* Fill *ops with this simulator's operations (ctx = s). */
void sim_ops(struct sim *s, struct xenops *ops);

/* ---- call counting and fault injection ---- */
unsigned long sim_calls(const struct sim *s, enum sim_call kind);
/* Hypercalls as Xen would count them (excludes alloc/free pages). */
unsigned long sim_hypercalls(const struct sim *s);
void sim_reset_counts(struct sim *s);
const char *sim_call_name(enum sim_call kind);

/* ---- inspection (tests) ---- */
uint64_t sim_free_frames(const struct sim *s);
uint64_t sim_given_back(const struct sim *s);              /* dom0 pages give_back handed to Xen */
uint64_t sim_frames_owned(const struct sim *s, domid_t d); /* incl. shared_info */
unsigned int sim_nr_domains(const struct sim *s);
bool sim_domain_exists(const struct sim *s, domid_t d);
unsigned long sim_scratch_pages(const struct sim *s); /* builder scratch in use */
/* The most scratch pages in use at once since the last reset (reset: start
 * over from what is in use now); also the seam's scratch_peak_pages. */
unsigned long sim_scratch_peak(struct sim *s, bool reset);
unsigned long sim_foreign_maps(const struct sim *s);        /* map_foreign frames mapped */
uint8_t *sim_frame(struct sim *s, uint64_t mfn);            /* frame contents */
domid_t sim_frame_owner(const struct sim *s, uint64_t mfn); /* DOMID_INVALID if free */
enum sim_page_type sim_frame_type(const struct sim *s, uint64_t mfn, unsigned int *count);
bool sim_frame_pinned(const struct sim *s, uint64_t mfn);
uint64_t sim_m2p(const struct sim *s, uint64_t mfn);
uint64_t sim_p2m(const struct sim *s, domid_t d, uint64_t pfn); /* INVALID_FRAME if none */

struct sim_domain_info {
    bool paused;
    bool vcpu_ready; /* setvcpucontext succeeded */
    uint64_t tot_pages, max_pages;
    uint64_t shared_info_mfn;
    uint64_t hypercall_mfn; /* INVALID_FRAME until hypercall_init */
    unsigned int address_size;
    vcpu_guest_context_t ctxt;
    grant_entry_v1_t gnttab[2];                                        /* the reserved entries */
    bool hvm;                                                          /* XEN_DOMCTL_CDF_hvm */
    uint32_t max_grant_frames, max_maptrack_frames, max_grant_version; /* as Xen took them */
    uint32_t ssidref;      /* its FLASK SID (createdomain's, then relabels); flask only */
    unsigned int relabels; /* FLASK_RELABEL_DOMAIN calls that changed it */
};
int sim_domain_info(const struct sim *s, domid_t d, struct sim_domain_info *out);

/* An HVM container's state (sim_hvm_info: -ESRCH unless d is a live HVM
 * domain). */
#define SIM_MEMMAP_MAX 16u
struct sim_hvm_info {
    uint32_t emulation_flags;
    uint64_t pool_pages;    /* paging pool, p2m pages included */
    uint64_t pool_used;     /* p2m table pages taken from it */
    bool pool_set;          /* set_paging_mempool_size was called */
    unsigned int nr_memmap; /* entries set (the first SIM_MEMMAP_MAX are copied) */
    struct xenops_e820 memmap[SIM_MEMMAP_MAX];
    uint64_t params[HVM_NR_PARAMS];
    unsigned int vcpus_up; /* vCPUs with a CPU record loaded since the last sethvmcontext */
    bool cpu0_up;
    struct hvm_hw_cpu cpu0;   /* vCPU 0's loaded CPU record */
    unsigned int mtrr_loaded; /* vCPUs whose MTRR record was loaded */
};
int sim_hvm_info(const struct sim *s, domid_t d, struct sim_hvm_info *out);
/* vCPU v's MTRR state (Xen's initial one until a record is loaded). */
int sim_hvm_mtrr(const struct sim *s, domid_t d, unsigned int v, struct hvm_hw_mtrr *out);
/* The contents of guest frame gfn of d (an HVM domain's gfn = its pfn), or
 * NULL if nothing is populated there. */
uint8_t *sim_gfn(struct sim *s, domid_t d, uint64_t gfn);
/* State of an event channel port of guest d: 0 free, 1 unbound, 2 bound
 * to us; *remote: who may bind it / the peer. */
int sim_evtchn(const struct sim *s, domid_t d, uint32_t port, domid_t *remote);
/* Ports of ours (the caller's) in use: a leak check. */
unsigned int sim_self_ports(const struct sim *s);
/* Who handles VIRQ_DOM_EXC: the hardware domain (0) until set_virq_handler
 * names another, and again once that one dies. */
domid_t sim_virq_handler(const struct sim *s);
/* The caller's FLASK SID (SIM_SID_DOM0 until it relabels itself). */
uint32_t sim_self_sid(const struct sim *s);
/* As dom0's XEN_DOMCTL_set_virq_handler(VIRQ_DOM_EXC, handler) would (a
 * builder that is not dom0, given the VIRQ by the platform that built it). */
void sim_set_virq_handler(struct sim *s, domid_t handler);
/* Whether d was granted an iomem, ioport or irq permission. */
bool sim_domain_permitted(const struct sim *s, domid_t d);
/* vCPU v's hard and soft affinity (bit c = CPU c; all CPUs until
 * XEN_DOMCTL_setvcpuaffinity), and how many times it was set. */
int sim_vcpu_affinity(const struct sim *s, domid_t d, unsigned int v, uint64_t *hard,
                      uint64_t *soft, unsigned int *sets);

/* ---- the guests' side: tests play the guests ---- */

/* Called from every poll that finds nothing pending, before time passes. */
void sim_set_world(struct sim *s, void (*world)(struct sim *s, void *arg), void *arg);
/* The clock (now_ns) and moving it on. */
uint64_t sim_now(const struct sim *s);
void sim_advance(struct sim *s, uint64_t ns);
unsigned long sim_polls(const struct sim *s);
/* Guest d signals its port (EVTCHNOP_send): its peer (our port) goes
 * pending. 0, or -EINVAL if the port is not bound. */
int sim_guest_notify(struct sim *s, domid_t d, uint32_t port);
/* Test and clear the pending bit of guest d's port (we notified it). */
bool sim_guest_pending(struct sim *s, domid_t d, uint32_t port);
/* Running guest d shuts down (SCHEDOP_shutdown) with a SHUTDOWN_* reason:
 * getdomaininfo reports it and VIRQ_DOM_EXC fires. -EINVAL unless running. */
int sim_guest_shutdown(struct sim *s, domid_t d, unsigned int reason);

/* The serial line: bytes typed at the host's console arrive in Xen's
 * serial input buffer for dom0 (SIM_SERIAL_RX_SIZE bytes, Xen's
 * SERIAL_RX_SIZE; what does not fit is dropped, as Xen drops it) and raise
 * VIRQ_CONSOLE. Returns the bytes taken. console_read empties it. */
#define SIM_SERIAL_RX_SIZE 128u
size_t sim_serial_input(struct sim *s, const void *buf, size_t n);
/* Bytes waiting in that buffer; bytes dropped so far because it was full. */
unsigned int sim_serial_pending(const struct sim *s);
unsigned long sim_serial_dropped(const struct sim *s);
/* What XENVER_version / XENVER_extraversion answer. */
#define SIM_XEN_MAJOR        4
#define SIM_XEN_MINOR        17
#define SIM_XEN_EXTRAVERSION ".7-sim"

/* The AVC denials the simulated FLASK logged, one line each, as Xen's
 * "avc: denied { PERM } for ... scontext=... tcontext=... tclass=CLASS";
 * NUL-terminated, empty without any. */
const char *sim_avc_log(const struct sim *s);

/* What printk printed on the host (test/sim provides printk): everything
 * since the last clear, NUL-terminated. DOMB_SIM_ECHO=1 also echoes it to
 * stderr. */
const char *sim_console(void);
void sim_console_clear(void);

/* Walk guest page tables from an L4 frame as the CPU does. On success
 * *mfn is the frame mapping va and *perms has bit 0 (present), bit 1 (RW)
 * and bit 2 (user) set only if every level grants them, and bit 63 (NX) set
 * if any level forbids execution. -XEN_EFAULT if not mapped. */
int sim_walk(struct sim *s, uint64_t l4_mfn, uint64_t va, uint64_t *mfn, uint64_t *perms);

/* What the sim writes into a hypercall page at offset i*32 (entry i). */
void sim_hypercall_stub(unsigned int i, uint8_t out[32]);

#endif
