/*
 * The simulated hypervisor (see sim.h). Host-only: uses libc and Linux
 * memfd/mmap so that foreign mappings really alias the guest's frames.
 *
 * Every rule below names the Xen behaviour it models; where the simulator
 * is stricter than Xen (it never accepts less), the comment says so.
 */
#define _GNU_SOURCE
#include "sim.h"

#include <domb/errno.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SIM_MAX_DOMS       64
#define SIM_MAX_PORTS      64   /* ports of a guest */
#define SIM_SELF_PORTS     1024 /* ports of the caller (the builder) */
#define SIM_POLL_PORTS_MAX 128  /* Xen's SCHEDOP_poll limit */
#define SIM_RESERVED       16   /* frames 0..15 belong to "Xen": mfn 0 is never a guest's */
#define SIM_GIVEN_RANGES   64   /* give_back calls remembered */
#define SIM_POISON         0xa5
#define SIM_MAX_GPFN       (1ULL << 36)
#define PTE_ADDR_MASK      0x000ffffffffff000ULL
#define PTE_P              (1ULL << 0)
#define PTE_RW             (1ULL << 1)
#define PTE_US             (1ULL << 2)
#define PTE_G              (1ULL << 8)
#define PTE_NX             (1ULL << 63)
/* Bits a PV guest may set (Xen's base_disallow_mask complement): present,
 * rw, user, accessed, dirty, the three software bits and NX. PWT/PCD, PSE/PAT
 * and bits 52..62 are refused at every level; G only in L1. */
#define PTE_ALLOWED  (PTE_P | PTE_RW | PTE_US | (3ULL << 5) | (7ULL << 9) | PTE_NX)
#define L4_XEN_FIRST 256
#define L4_XEN_LAST  271
#define PAGE_ENTRIES 512
/* HVM containers */
#define SIM_HVM_MAX_VCPUS   128   /* Xen's HVM_MAX_VCPUS */
#define SIM_GNTTAB_FRAMES   64u   /* Xen 4.17's gnttab_max_frames default */
#define SIM_MAPTRACK_FRAMES 1024u /* ... and gnttab_max_maptrack_frames */
#define SIM_GNTTAB_VERSION  2u    /* ... and the highest grant version */

struct frame {
    domid_t owner; /* DOMID_INVALID when free, DOMID_XEN for reserved */
    uint8_t type;  /* enum sim_page_type */
    bool pinned;
    uint32_t count;        /* type references */
    uint32_t foreign_maps; /* of them, mappings made by map_foreign */
    uint64_t m2p;
};

enum port_state { PORT_FREE, PORT_UNBOUND, PORT_INTERDOMAIN, PORT_VIRQ };

/* One event channel port (Xen's struct evtchn, as far as we model it). */
struct port {
    uint8_t state;  /* enum port_state */
    bool pending;   /* Xen's pending bit in shared_info */
    domid_t remote; /* UNBOUND: who may bind it; INTERDOMAIN: the peer */
    uint32_t peer;  /* INTERDOMAIN: the peer's port */
    uint32_t virq;  /* VIRQ: which */
};

#define SIM_AFFINITY_VCPUS 128 /* HVM_MAX_VCPUS; PV builds ask for fewer */

struct dom {
    domid_t id;
    uint32_t ssidref;      /* createdomain's, then FLASK_RELABEL_DOMAIN's */
    unsigned int relabels; /* relabels that changed it */
    uint32_t create_max_vcpus;
    bool vcpus_done;
    uint32_t max_evtchn_port;
    uint64_t max_pages, tot_pages;
    unsigned int address_size;
    uint64_t shared_info_mfn, hypercall_mfn;
    bool paused, vcpu_ready;
    vcpu_guest_context_t ctxt;
    uint64_t *p2m;
    uint64_t p2m_cap;
    struct port ports[SIM_MAX_PORTS];
    grant_entry_v1_t gnttab[2];
    bool shutdown;
    unsigned int shutdown_reason;
    unsigned int dying; /* destroyed: steps (polls/yields) until it is dead; 0 = alive */
    bool zombie;        /* dead, but frames of it are still mapped by us: Xen keeps it */
    bool permitted;     /* some iomem/ioport/irq permission was granted */
    uint32_t max_grant_frames, max_maptrack_frames, max_grant_version;
    /* HVM containers (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap) */
    bool hvm;
    uint32_t emulation_flags;
    uint64_t *pool; /* the paging pool's frames (Xen's, taken from the host) */
    uint64_t pool_pages, pool_cap, pool_used; /* used: p2m table pages */
    bool pool_set;
    uint8_t *p2m_tab[3]; /* which p2m L1 (per 2 MiB), L2 (1 GiB), L3 (512 GiB) tables exist */
    uint64_t p2m_tab_cap[3];
    struct xenops_e820 *memmap;
    unsigned int nr_memmap;
    bool memmap_set;
    uint64_t params[HVM_NR_PARAMS];
    struct hvm_hw_cpu *cpu; /* per vCPU */
    struct hvm_hw_mtrr *mtrr;
    bool *cpu_up, *mtrr_loaded;
    /* vCPU affinity (XEN_DOMCTL_setvcpuaffinity): bit c = CPU c */
    uint64_t aff_hard[SIM_AFFINITY_VCPUS], aff_soft[SIM_AFFINITY_VCPUS];
    unsigned int aff_sets[SIM_AFFINITY_VCPUS];
    xen_domain_handle_t handle; /* createdomain's (the toolstack's UUID) */
};

struct mapping {
    uint8_t *va;
    unsigned int n;
    uint64_t *mfns;
};

struct scratch {
    void *va;
    unsigned int n;
};

struct journal_entry {
    uint64_t mfn;
    uint8_t type;
    uint32_t count;
};

struct journal {
    struct journal_entry *e;
    size_t n, cap;
};

struct sim {
    struct sim_config cfg;
    int fd;
    uint8_t *mem;
    struct frame *frames;
    uint64_t free_frames;
    /* dom0's own memory given back (give_back): the ranges, so that a page
     * is given once, and how many pages Xen gained (physinfo counts them). */
    struct {
        uintptr_t start, end;
    } given[SIM_GIVEN_RANGES];
    unsigned int nr_given;
    uint64_t given_pages;
    uint64_t rover;
    domid_t domid_rover; /* the last domid createdomain picked (Xen's rover) */
    struct dom *doms[SIM_MAX_DOMS];
    struct mapping *maps;
    size_t nmaps, capmaps;
    struct scratch *scratch;
    size_t nscratch, capscratch;
    unsigned long scratch_used, scratch_peak; /* pages in use, and the most since a reset */
    unsigned long calls[SIM_CALL_KINDS];
    struct port self_ports[SIM_SELF_PORTS];
    domid_t dom_exc_handler; /* who gets VIRQ_DOM_EXC (Xen: the hardware domain) */
    uint32_t self_sid;       /* the caller's FLASK label (dom0_t until it relabels itself) */
    uint64_t now_ns;
    unsigned long polls;
    void (*world)(struct sim *s, void *arg);
    void *world_arg;
    /* Xen's serial_rx_ring for the hardware domain (free-running indexes). */
    char serial_rx[SIM_SERIAL_RX_SIZE];
    uint32_t serial_cons, serial_prod;
    unsigned long serial_dropped;
    char avc[2048]; /* FLASK's denials, as Xen logs them (sim_config.flask) */
    size_t avc_len;
};

static void sim_die(const char *what)
{
    fprintf(stderr, "sim: %s\n", what);
    abort();
}

static void *xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    *cap = need * 2 + 8;
    p = realloc(p, *cap * elem);
    if (!p)
        sim_die("out of memory");
    return p;
}

/* ---- counting and fault injection ---------------------------------------- */

static const char *const call_names[SIM_CALL_KINDS] = {
    "domctl",     "memory_op",   "mmu_update",    "mmuext_op",   "event_channel_op",
    "grant_seed", "map_foreign", "unmap_foreign", "alloc_pages", "free_pages",
    "sysctl",     "sched_op",    "hvm_op",        "memory_map",  "grant_seed_hvm",
    "console_io", "xen_version", "xsm_op",
};

const char *sim_call_name(enum sim_call kind)
{
    return kind < SIM_CALL_KINDS ? call_names[kind] : "?";
}

/* Count a call. (Failures are injected by wrapping the ops in
 * builder/xenops_fault.h, the same wrapper the real-Xen soak uses.) */
static int sim_enter(struct sim *s, enum sim_call kind)
{
    s->calls[kind]++;
    return 0;
}

unsigned long sim_calls(const struct sim *s, enum sim_call kind)
{
    return s->calls[kind];
}

unsigned long sim_hypercalls(const struct sim *s)
{
    unsigned long n = 0;
    for (int k = 0; k < SIM_CALL_KINDS; k++)
        if (k != SIM_ALLOC_PAGES && k != SIM_FREE_PAGES)
            n += s->calls[k] * (k == SIM_GRANT_SEED       ? SIM_GRANT_SEED_HYPERCALLS
                                : k == SIM_GRANT_SEED_HVM ? SIM_GRANT_SEED_HVM_HYPERCALLS
                                                          : 1);
    return n;
}

void sim_reset_counts(struct sim *s)
{
    memset(s->calls, 0, sizeof(s->calls));
}

/* ---- domains and frames --------------------------------------------------- */

/* A domain Xen still knows (a dying one included). */
static struct dom *dom_find(const struct sim *s, domid_t id)
{
    for (int i = 0; i < SIM_MAX_DOMS; i++)
        if (s->doms[i] && s->doms[i]->id == id)
            return s->doms[i];
    return NULL;
}

/* A live domain: what every operation on a domain needs (Xen refuses most
 * operations on a dying domain; the simulator refuses all but
 * getdomaininfo and destroydomain). */
static struct dom *dom_get(const struct sim *s, domid_t id)
{
    struct dom *d = dom_find(s, id);
    return d && !d->dying ? d : NULL;
}

/* A domain the caller may operate on: exists, is not the caller, and the
 * caller is privileged (Xen: XSM dummy policy, only dom0 may). */
static int dom_target(struct sim *s, domid_t id, struct dom **out)
{
    if (!s->cfg.privileged)
        return -XEN_EPERM;
    if (id == DOMID_SELF || id == s->cfg.self)
        return -XEN_EINVAL; /* the simulator does not model the caller's own memory */
    *out = dom_get(s, id);
    return *out ? 0 : -XEN_ESRCH;
}

/* Count the call, then resolve its target domain. */
static int enter_target(struct sim *s, enum sim_call kind, domid_t id, struct dom **out)
{
    int rc = sim_enter(s, kind);
    return rc ? rc : dom_target(s, id, out);
}

static bool frame_owned_by(const struct sim *s, uint64_t mfn, domid_t d)
{
    return mfn < s->cfg.nr_frames && s->frames[mfn].owner == d;
}

static bool frame_is_pt(const struct frame *f)
{
    return f->count > 0 && f->type >= SIM_PGT_L1;
}

static void frame_free(struct sim *s, uint64_t mfn)
{
    struct frame *f = &s->frames[mfn];
    *f = (struct frame){.owner = DOMID_INVALID, .m2p = INVALID_FRAME};
    s->free_frames++;
}

static bool frame_zombie(const struct sim *s, uint64_t mfn)
{
    domid_t o = s->frames[mfn].owner;
    return o != DOMID_INVALID && o != DOMID_XEN && !dom_find(s, o);
}

static int p2m_set(struct dom *d, uint64_t pfn, uint64_t mfn)
{
    if (pfn >= d->p2m_cap) {
        uint64_t cap = d->p2m_cap ? d->p2m_cap : 1024;
        while (cap <= pfn)
            cap *= 2;
        d->p2m = realloc(d->p2m, cap * sizeof(uint64_t));
        if (!d->p2m)
            sim_die("out of memory");
        for (uint64_t i = d->p2m_cap; i < cap; i++)
            d->p2m[i] = INVALID_FRAME;
        d->p2m_cap = cap;
    }
    d->p2m[pfn] = mfn;
    return 0;
}

static uint64_t p2m_get(const struct dom *d, uint64_t pfn)
{
    return pfn < d->p2m_cap ? d->p2m[pfn] : INVALID_FRAME;
}

/* Find a free, naturally aligned block of 2^order frames, as Xen's buddy
 * allocator returns; blocks are visited in a scrambled order so that a
 * builder cannot get away with assuming consecutive extents. */
static uint64_t block_alloc(struct sim *s, unsigned int order)
{
    uint64_t nblocks = s->cfg.nr_frames >> order, len = 1ULL << order;
    if (!nblocks)
        return INVALID_FRAME;
    for (uint64_t k = 0; k < nblocks; k++) {
        uint64_t b = (s->rover + k * 0x9e3779b1ULL) & (nblocks - 1);
        uint64_t base = b << order, i;
        for (i = 0; i < len && s->frames[base + i].owner == DOMID_INVALID; i++)
            ;
        if (i == len) {
            s->rover += 1;
            return base;
        }
    }
    return INVALID_FRAME;
}

static void frame_give(struct sim *s, struct dom *d, uint64_t mfn, uint64_t pfn)
{
    s->frames[mfn] = (struct frame){.owner = d->id, .m2p = pfn};
    s->free_frames--;
    memset(s->mem + (mfn << PAGE_SHIFT), SIM_POISON, PAGE_SIZE);
}

/* ---- page types (Xen's get_page_type / put_page_type) -------------------- */

static void journal_push(struct journal *j, uint64_t mfn, const struct frame *f)
{
    j->e = xgrow(j->e, &j->cap, j->n + 1, sizeof(*j->e));
    j->e[j->n++] = (struct journal_entry){mfn, f->type, f->count};
}

static void journal_undo(struct sim *s, struct journal *j)
{
    while (j->n) {
        struct journal_entry *e = &j->e[--j->n];
        s->frames[e->mfn].type = e->type;
        s->frames[e->mfn].count = e->count;
    }
}

static uint64_t *table_of(struct sim *s, uint64_t mfn)
{
    return (uint64_t *)(s->mem + (mfn << PAGE_SHIFT));
}

static int get_type(struct sim *s, domid_t d, uint64_t mfn, uint8_t type, struct journal *j);

/* Validate one entry of a table of `level` in domain d (Xen's
 * get_page_from_lNe): flags allowed, Xen's L4 slots untouched, target owned
 * by d and typed one level down (or writable for a RW L1 entry). */
static int get_entry(struct sim *s, domid_t d, unsigned int level, unsigned int idx, uint64_t e,
                     struct journal *j)
{
    uint64_t allowed = PTE_ALLOWED | (level == 1 ? PTE_G : 0);
    uint64_t target = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
    if (!(e & PTE_P))
        return 0;
    if (level == 4 && idx >= L4_XEN_FIRST && idx <= L4_XEN_LAST)
        return -XEN_EINVAL;
    if ((e & ~PTE_ADDR_MASK) & ~allowed)
        return -XEN_EINVAL;
    if (!frame_owned_by(s, target, d))
        return -XEN_EINVAL;
    if (level > 1)
        return get_type(s, d, target, (uint8_t)(SIM_PGT_L1 + level - 2), j);
    return (e & PTE_RW) ? get_type(s, d, target, SIM_PGT_WRITABLE, j) : 0;
}

static void put_type(struct sim *s, uint64_t mfn);

static void put_entry(struct sim *s, unsigned int level, uint64_t e)
{
    if (!(e & PTE_P))
        return;
    if (level > 1 || (e & PTE_RW))
        put_type(s, (e & PTE_ADDR_MASK) >> PAGE_SHIFT);
}

/* Take a type reference; the first reference of a page-table type validates
 * every entry (Xen's alloc_lN_table), recursively, at most 4 levels deep. */
static int get_type(struct sim *s, domid_t d, uint64_t mfn, uint8_t type, struct journal *j)
{
    struct frame *f;
    if (!frame_owned_by(s, mfn, d))
        return -XEN_EINVAL;
    f = &s->frames[mfn];
    if (f->count > 0) {
        if (f->type != type)
            return -XEN_EINVAL; /* e.g. a page table mapped writable, or vice versa */
        journal_push(j, mfn, f);
        f->count++;
        return 0;
    }
    journal_push(j, mfn, f);
    f->type = type;
    f->count = 1;
    if (type >= SIM_PGT_L1) {
        unsigned int level = (unsigned int)(type - SIM_PGT_L1 + 1);
        const uint64_t *t = table_of(s, mfn);
        for (unsigned int i = 0; i < PAGE_ENTRIES; i++) {
            int rc = get_entry(s, d, level, i, t[i], j);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static void put_type(struct sim *s, uint64_t mfn)
{
    struct frame *f = &s->frames[mfn];
    if (f->count == 0)
        sim_die("type reference underflow");
    if (--f->count == 0 && f->type >= SIM_PGT_L1) {
        unsigned int level = (unsigned int)(f->type - SIM_PGT_L1 + 1);
        const uint64_t *t = table_of(s, mfn);
        for (unsigned int i = 0; i < PAGE_ENTRIES; i++)
            put_entry(s, level, t[i]);
    }
}

static int get_type_atomic(struct sim *s, domid_t d, uint64_t mfn, uint8_t type)
{
    struct journal j = {0};
    int rc = get_type(s, d, mfn, type, &j);
    if (rc)
        journal_undo(s, &j);
    free(j.e);
    return rc;
}

/* ---- page walk ------------------------------------------------------------ */

int sim_walk(struct sim *s, uint64_t l4_mfn, uint64_t va, uint64_t *mfn, uint64_t *perms)
{
    uint64_t acc = PTE_P | PTE_RW | PTE_US, nx = 0, cur = l4_mfn;
    for (int level = 4; level >= 1; level--) {
        uint64_t e;
        if (cur >= s->cfg.nr_frames)
            return -XEN_EFAULT;
        e = table_of(s, cur)[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(e & PTE_P))
            return -XEN_EFAULT;
        acc &= e;
        nx |= e & PTE_NX;
        cur = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
    }
    *mfn = cur;
    *perms = acc | nx;
    return 0;
}

static bool is_canonical(uint64_t va)
{
    return va < (1ULL << 47) || va >= 0xffff800000000000ULL;
}

/* ---- domctl --------------------------------------------------------------- */

/* The paging pool of an HVM domain grows or shrinks to `pages` (never below
 * the p2m pages in use, as Xen's hap_set_allocation); its frames come from
 * the host. -ENOMEM when the host runs out (what was added stays). */
static int pool_resize(struct sim *s, struct dom *d, uint64_t pages)
{
    if (pages < d->pool_used)
        pages = d->pool_used;
    while (d->pool_pages < pages) {
        uint64_t m = block_alloc(s, 0);
        if (m == INVALID_FRAME)
            return -XEN_ENOMEM;
        d->pool = xgrow(d->pool, &d->pool_cap, d->pool_pages + 1, sizeof(*d->pool));
        s->frames[m] = (struct frame){.owner = DOMID_XEN, .m2p = INVALID_FRAME};
        s->free_frames--;
        d->pool[d->pool_pages++] = m;
    }
    while (d->pool_pages > pages)
        frame_free(s, d->pool[--d->pool_pages]);
    return 0;
}

/*
 * Xen's sanitise_domain_config / arch_sanitise_domain_config /
 * emulation_flags_ok / grant_table_init for what the simulator models:
 * PV (no flags, no emulation) and HVM with HAP and only an emulated local
 * APIC (PVH). Debian's Xen has no shadow paging, so HVM without HAP is
 * refused as Xen refuses it.
 */
static int create_config_ok(const struct xen_domctl_createdomain *c)
{
    bool hvm = c->flags & XEN_DOMCTL_CDF_hvm, hap = c->flags & XEN_DOMCTL_CDF_hap;
    uint32_t version = c->grant_opts & XEN_DOMCTL_GRANT_version_mask;
    uint32_t gframes = c->max_grant_frames < 0 ? SIM_GNTTAB_FRAMES : (uint32_t)c->max_grant_frames;
    uint32_t mframes =
        c->max_maptrack_frames < 0 ? SIM_MAPTRACK_FRAMES : (uint32_t)c->max_maptrack_frames;

    if (c->flags & ~(XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_oos_off))
        return -XEN_EINVAL; /* stricter than Xen: the other flags are not modelled */
    if (hap && !hvm)
        return -XEN_EINVAL; /* Xen: "HAP requested for non-HVM guest" */
    if (hvm && !hap)
        return -XEN_EINVAL; /* no shadow paging in this Xen: HVM needs HAP */
    if (c->max_vcpus < 1 || c->max_vcpus > (hvm ? SIM_HVM_MAX_VCPUS : 128) ||
        c->max_evtchn_port == 0)
        return -XEN_EINVAL;
    /* Xen accepts PIT-only emulation for PV and the full set for HVM with a
     * device model too; stricter here: PV gets none, HVM exactly the LAPIC. */
    if (c->arch.emulation_flags != (hvm ? XEN_X86_EMU_LAPIC : 0))
        return -XEN_EINVAL;
    if ((c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask) || version == 0 ||
        version > SIM_GNTTAB_VERSION)
        return -XEN_EINVAL; /* Xen: unknown grant options, version 0 or too high */
    if (gframes < 1 || gframes > SIM_GNTTAB_FRAMES || mframes > SIM_MAPTRACK_FRAMES)
        return -XEN_EINVAL; /* Xen: "Bad grant table sizes" */
    return 0;
}

static uint64_t sim_online_mask(const struct sim *s);

/* ---- XSM/FLASK (sim_config.flask; the policy is described in sim.h) ---- */

/* What the caller may do to a domain it has built (FLASK's domctl hooks:
 * { pause unpause destroy } on the domain's label). */
#define SIM_PAUSE   1u
#define SIM_UNPAUSE 2u
#define SIM_DESTROY 4u
#define SIM_MANAGE  (SIM_PAUSE | SIM_UNPAUSE | SIM_DESTROY)

struct sim_label {
    const char *context;
    uint32_t sid;
    bool create, map;
    unsigned int manage; /* SIM_PAUSE, SIM_UNPAUSE, SIM_DESTROY */
    bool relabel_from, relabel_to;
};

static const struct sim_label sim_labels[] = {
    {"system_u:system_r:dom0_t", SIM_SID_DOM0, false, false, 0, false, false},
    {"system_u:system_r:unlabeled_t", SIM_SID_UNLABELED, false, false, 0, false, false},
    {"system_u:system_r:domU_t", SIM_SID_DOMU, true, true, SIM_MANAGE, false, false},
    {"system_u:system_r:isolated_domU_t", SIM_SID_ISOLATED, true, true, SIM_MANAGE, false, false},
    /* create_domain_build_label grants none of pause, unpause, destroy */
    {"system_u:system_r:nomigrate_t_building", SIM_SID_NOMIGRATE_B, true, true, 0, true, false},
    {"system_u:system_r:nomigrate_t", SIM_SID_NOMIGRATE, false, false, SIM_MANAGE, false, true},
    /* create_domain and migrate_domain_out (pause, destroy), no manage_domain */
    {"system_u:system_r:prot_domU_t", SIM_SID_PROT, true, true, SIM_PAUSE | SIM_DESTROY, false,
     false},
    {"system_u:system_r:domb_guest_t_building", SIM_SID_GUEST_B, true, true, SIM_MANAGE, true,
     false},
    {"system_u:system_r:domb_guest_t", SIM_SID_GUEST, false, false, SIM_MANAGE, false, true},
    /* db-boot once it gave up building (relabelself from dom0_t only) */
    {"system_u:system_r:domb_dom0_run_t", SIM_SID_DOM0_RUN, false, false, 0, false, false},
};

static int sim_flask_manage(struct sim *s, const struct dom *d, unsigned int perm);

/* The label of a SID; a SID the policy never gave is unlabeled (Xen's
 * sidtab_search falls back to the unlabeled SID). */
static const struct sim_label *sim_label_of(uint32_t sid)
{
    for (size_t i = 0; i < sizeof(sim_labels) / sizeof(sim_labels[0]); i++)
        if (sim_labels[i].sid == sid)
            return &sim_labels[i];
    return &sim_labels[1];
}

/* Log a denial the way Xen's avc_audit does, and answer -EACCES. */
static int sim_avc_deny(struct sim *s, const char *perm, uint32_t tsid, const char *tclass)
{
    int n = snprintf(s->avc + s->avc_len, sizeof(s->avc) - s->avc_len,
                     "avc:  denied  { %s } for current=d%u scontext=%s tcontext=%s tclass=%s\n",
                     perm, s->cfg.self, sim_label_of(s->self_sid)->context,
                     sim_label_of(tsid)->context, tclass);

    if (n > 0 && (size_t)n < sizeof(s->avc) - s->avc_len)
        s->avc_len += (size_t)n;
    return -XEN_EACCES;
}

static int sim_flask_manage(struct sim *s, const struct dom *d, unsigned int perm)
{
    if (!s->cfg.flask || (sim_label_of(d->ssidref)->manage & perm))
        return 0;
    return sim_avc_deny(s,
                        perm == SIM_PAUSE     ? "pause"
                        : perm == SIM_UNPAUSE ? "unpause"
                                              : "destroy",
                        d->ssidref, "domain");
}

const char *sim_avc_log(const struct sim *s)
{
    return s->avc;
}

static int sim_xsm_op(void *ctx, struct xen_flask_op *op)
{
    struct sim *s = ctx;
    int rc = sim_enter(s, SIM_XSM_OP);
    struct dom *d;

    if (rc)
        return rc;
    if (!s->cfg.flask)
        return -XEN_ENOSYS; /* Xen without XSM: the dummy module's do_xsm_op */
    if (op->interface_version != XEN_FLASK_INTERFACE_VERSION)
        return -XEN_ENOSYS; /* flask_op.c */
    switch (op->cmd) {
    case FLASK_CONTEXT_TO_SID: {
        const char *text = (const char *)(uintptr_t)op->u.sid_context.context.p;
        uint32_t size = op->u.sid_context.size;

        if (!text || size == 0 || size > PAGE_SIZE)
            return -XEN_EINVAL;
        for (size_t i = 0; i < sizeof(sim_labels) / sizeof(sim_labels[0]); i++) {
            if (strlen(sim_labels[i].context) == size &&
                memcmp(sim_labels[i].context, text, size) == 0) {
                op->u.sid_context.sid = sim_labels[i].sid;
                return 0;
            }
        }
        return -XEN_EINVAL; /* security_context_to_sid: not a context of the policy */
    }
    case FLASK_RELABEL_DOMAIN:
        /* The caller itself: dom0_t may become domb_dom0_run_t (relabelself
         * and transition), nothing else. */
        if (op->u.relabel.domid == DOMID_SELF) {
            if (s->self_sid != SIM_SID_DOM0 || op->u.relabel.sid != SIM_SID_DOM0_RUN)
                return sim_avc_deny(s, "relabelself", op->u.relabel.sid, "domain2");
            s->self_sid = op->u.relabel.sid;
            return 0;
        }
        d = dom_get(s, (domid_t)op->u.relabel.domid);
        if (!d)
            return -XEN_ESRCH;
        if (!sim_label_of(d->ssidref)->relabel_from)
            return sim_avc_deny(s, "relabelfrom", d->ssidref, "domain2");
        if (!sim_label_of(op->u.relabel.sid)->relabel_to)
            return sim_avc_deny(s, "relabelto", op->u.relabel.sid, "domain2");
        d->ssidref = op->u.relabel.sid;
        d->relabels++;
        return 0;
    default:
        return -XEN_ENOSYS; /* not modelled */
    }
}

static int domctl_create(struct sim *s, struct xen_domctl *op)
{
    const struct xen_domctl_createdomain *c = &op->u.createdomain;
    domid_t id = op->domain;
    int slot = -1, rc;
    struct dom *d;
    uint64_t si;

    if ((rc = create_config_ok(c)) != 0)
        return rc;
    /* FLASK's domain_create hook: the caller needs { create } on the new
     * domain's label; ssidref 0 (no label) is unlabeled_t. */
    if (s->cfg.flask && (!sim_label_of(c->ssidref)->create || s->self_sid == SIM_SID_DOM0_RUN))
        return sim_avc_deny(s, "create", c->ssidref, "domain");
    if (id >= DOMID_FIRST_RESERVED)
        return -XEN_EINVAL;
    if (id != 0 && (dom_find(s, id) || id == s->cfg.self))
        return -XEN_EEXIST;
    /* Xen (do_domctl): the first free id after the last one picked,
     * wrapping, so a domid is not reused until the ids wrap around. */
    for (unsigned int k = 1; id == 0 && k < DOMID_FIRST_RESERVED; k++) {
        domid_t cand = (domid_t)((s->domid_rover + k - 1) % (DOMID_FIRST_RESERVED - 1) + 1);
        if (!dom_find(s, cand) && cand != s->cfg.self)
            id = cand;
    }
    for (int i = 0; i < SIM_MAX_DOMS && slot < 0; i++)
        if (!s->doms[i])
            slot = i;
    if (slot < 0 || id == 0)
        return -XEN_ENOMEM;
    si = block_alloc(s, 0);
    if (si == INVALID_FRAME)
        return -XEN_ENOMEM;
    d = calloc(1, sizeof(*d));
    if (!d)
        sim_die("out of memory");
    d->id = id;
    d->create_max_vcpus = c->max_vcpus;
    d->ssidref = c->ssidref;
    memcpy(d->handle, c->handle, sizeof(d->handle));
    for (unsigned int v = 0; v < SIM_AFFINITY_VCPUS; v++)
        d->aff_hard[v] = d->aff_soft[v] = sim_online_mask(s); /* Xen's default: any CPU */
    d->max_evtchn_port = c->max_evtchn_port;
    d->paused = true; /* Xen creates domains paused by the controller */
    d->address_size = 64;
    d->hypercall_mfn = INVALID_FRAME;
    d->shared_info_mfn = si;
    d->max_grant_frames =
        c->max_grant_frames < 0 ? SIM_GNTTAB_FRAMES : (uint32_t)c->max_grant_frames;
    d->max_maptrack_frames =
        c->max_maptrack_frames < 0 ? SIM_MAPTRACK_FRAMES : (uint32_t)c->max_maptrack_frames;
    d->max_grant_version = c->grant_opts & XEN_DOMCTL_GRANT_version_mask;
    frame_give(s, d, si, INVALID_FRAME);
    memset(s->mem + (si << PAGE_SHIFT), 0, PAGE_SIZE);
    if (c->flags & XEN_DOMCTL_CDF_hvm) {
        /* Xen's hap_enable: a 256-page pool, the p2m root taken from it */
        d->hvm = true;
        d->emulation_flags = c->arch.emulation_flags;
        d->address_size = 0;
        d->cpu = calloc(c->max_vcpus, sizeof(*d->cpu));
        d->mtrr = calloc(c->max_vcpus, sizeof(*d->mtrr));
        d->cpu_up = calloc(c->max_vcpus, sizeof(*d->cpu_up));
        d->mtrr_loaded = calloc(c->max_vcpus, sizeof(*d->mtrr_loaded));
        if (!d->cpu || !d->mtrr || !d->cpu_up || !d->mtrr_loaded)
            sim_die("out of memory");
        for (uint32_t v = 0; v < c->max_vcpus; v++) {
            d->cpu[v].cr0 = 0x10;            /* ET: what an HVM vCPU starts with */
            d->mtrr[v].msr_mtrr_cap = 0x508; /* 8 variable ranges, fixed, WC */
            d->mtrr[v].msr_pat_cr = 0x0007040600070406ULL;
        }
        if (pool_resize(s, d, SIM_HAP_INITIAL_POOL) != 0) {
            pool_resize(s, d, 0);
            frame_free(s, si);
            free(d->pool);
            free(d->cpu);
            free(d->mtrr);
            free(d->cpu_up);
            free(d->mtrr_loaded);
            free(d);
            return -XEN_ENOMEM;
        }
        d->pool_used = 1;
    }
    s->doms[slot] = d;
    if (op->domain == 0)
        s->domid_rover = id;
    op->domain = id;
    return 0;
}

static void virq_raise(struct sim *s, uint32_t virq);
static void port_close(struct sim *s, domid_t owner, struct port *pt);

/* Whether the caller still maps a frame of domain id (map_foreign). */
static bool dom_mapped(const struct sim *s, domid_t id)
{
    for (size_t k = 0; k < s->nmaps; k++)
        for (unsigned int i = 0; i < s->maps[k].n; i++)
            if (s->frames[s->maps[k].mfns[i]].owner == id)
                return true;
    return false;
}

static void dom_free(struct dom *d)
{
    free(d->p2m);
    free(d->pool);
    for (int l = 0; l < 3; l++)
        free(d->p2m_tab[l]);
    free(d->memmap);
    free(d->cpu);
    free(d->mtrr);
    free(d->cpu_up);
    free(d->mtrr_loaded);
    free(d);
}

/* The last step of a domain's death: its remaining frames (shared_info)
 * come back and Xen forgets it. */
static void dom_finish(struct sim *s, struct dom *d)
{
    for (uint64_t m = 0; m < s->cfg.nr_frames; m++)
        if (s->frames[m].owner == d->id) {
            s->frames[m].pinned = false;
            if (s->frames[m].foreign_maps == 0)
                frame_free(s, m);
        }
    for (int i = 0; i < SIM_MAX_DOMS; i++)
        if (s->doms[i] == d)
            s->doms[i] = NULL;
    dom_free(d);
}

/* Xen's domain_kill reaching DOMDYING_dead: VIRQ_DOM_EXC fires and a global
 * VIRQ whose handler died goes back to the hardware domain
 * (clear_global_virq_handlers). The domain is forgotten once nothing of it
 * is mapped any more: while a frame of it is still mapped by us (a page
 * reference), Xen keeps it as a dying "zombie" that getdomaininfo still
 * reports, and it goes with the last unmap. */
static void dom_dead(struct sim *s, struct dom *d)
{
    if (s->dom_exc_handler == d->id)
        s->dom_exc_handler = 0; /* the hardware domain */
    d->zombie = true;
    if (!dom_mapped(s, d->id))
        dom_finish(s, d);
    virq_raise(s, VIRQ_DOM_EXC);
}

/*
 * destroydomain: Xen closes the domain's event channels (our ends go back
 * to unbound), frees its memory, and returns at once; the last pages come
 * back, and getdomaininfo stops answering for it, only when it is fully gone
 * (cfg.destroy_delay polls/yields later here; at once when that is 0).
 */
static void dom_release(struct sim *s, struct dom *d)
{
    if (d->dying)
        return;
    for (uint32_t p = 0; p < SIM_MAX_PORTS; p++)
        if (d->ports[p].state != PORT_FREE)
            port_close(s, d->id, &d->ports[p]);
    for (uint64_t m = 0; m < s->cfg.nr_frames; m++)
        if (s->frames[m].owner == d->id && m != d->shared_info_mfn) {
            s->frames[m].pinned = false;
            if (s->frames[m].foreign_maps == 0)
                frame_free(s, m);
        }
    d->tot_pages = 0;
    /* Xen's paging_teardown gives the paging pool back */
    d->pool_used = 0;
    pool_resize(s, d, 0);
    d->dying = s->cfg.destroy_delay ? s->cfg.destroy_delay : 1;
    if (!s->cfg.destroy_delay)
        dom_dead(s, d);
}

/* Time passes for Xen (a poll or a yield): dying domains get closer to gone. */
static void dom_progress(struct sim *s)
{
    for (int i = 0; i < SIM_MAX_DOMS; i++) {
        struct dom *d = s->doms[i];
        if (d && d->dying && !d->zombie && --d->dying == 0) {
            d->dying = 1; /* still dying to getdomaininfo until it is gone */
            dom_dead(s, d);
        }
    }
}

static int domctl_setvcpucontext(struct sim *s, struct dom *d, struct xen_domctl *op)
{
    const vcpu_guest_context_t *c = op->u.vcpucontext.ctxt.p;
    uint64_t l4, mfn, perms;

    if (!d->vcpus_done || op->u.vcpucontext.vcpu >= d->create_max_vcpus || !c)
        return -XEN_EINVAL;
    if ((c->flags & (VGCF_in_kernel | VGCF_online)) != (VGCF_in_kernel | VGCF_online))
        return -XEN_EINVAL; /* stricter than Xen: we only start kernels */
    if (c->user_regs.cs != FLAT_KERNEL_CS || c->user_regs.ss != FLAT_KERNEL_SS ||
        c->kernel_ss != FLAT_KERNEL_SS || c->gdt_ents != 0 || c->ldt_ents != 0)
        return -XEN_EINVAL;
    if (!is_canonical(c->user_regs.rip) || !is_canonical(c->user_regs.rsp) ||
        !is_canonical(c->kernel_sp) || !is_canonical(c->event_callback_eip) ||
        !is_canonical(c->failsafe_callback_eip) || !is_canonical(c->syscall_callback_eip))
        return -XEN_EINVAL; /* Xen: arch_set_info_guest's is_canonical_address checks */
    /* cr3 must be a pinned L4 of this domain (Xen validates it as an L4;
     * the simulator insists it was pinned first, as libxenguest does). */
    l4 = xen_cr3_to_pfn(c->ctrlreg[3]);
    if (!frame_owned_by(s, l4, d->id) || s->frames[l4].type != SIM_PGT_L4 || !s->frames[l4].pinned)
        return -XEN_EINVAL;
    /* rip must be mapped and executable in the guest's own tables. */
    if (sim_walk(s, l4, c->user_regs.rip, &mfn, &perms) || (perms & PTE_NX) ||
        !frame_owned_by(s, mfn, d->id))
        return -XEN_EFAULT;
    d->ctxt = *c;
    d->vcpu_ready = true;
    return 0;
}

void sim_hypercall_stub(unsigned int i, uint8_t out[32])
{
    /* Xen's 64-bit PV stub: push %rcx; push %r11; mov $i,%eax; syscall;
     * pop %r11; pop %rcx; ret; then int3 padding. */
    static const uint8_t head[] = {0x51, 0x41, 0x53, 0xb8};
    static const uint8_t tail[] = {0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3};
    memset(out, 0xcc, 32);
    memcpy(out, head, sizeof(head));
    out[4] = (uint8_t)i;
    out[5] = out[6] = out[7] = 0;
    memcpy(out + 8, tail, sizeof(tail));
}

static int domctl_hypercall_init(struct sim *s, struct dom *d, struct xen_domctl *op)
{
    uint64_t gmfn = op->u.hypercall_init.gmfn;
    if (!frame_owned_by(s, gmfn, d->id) || frame_is_pt(&s->frames[gmfn]))
        return -XEN_EINVAL; /* Xen: get_page_and_type(PGT_writable_page) */
    for (unsigned int i = 0; i < PAGE_SIZE / 32; i++)
        sim_hypercall_stub(i, s->mem + (gmfn << PAGE_SHIFT) + i * 32);
    d->hypercall_mfn = gmfn;
    return 0;
}

static int domctl_getdomaininfo(struct sim *s, struct xen_domctl *op)
{
    /* Xen 4.17 answers for the first domain with an id >= the one asked. */
    struct dom *best = NULL;
    struct xen_domctl_getdomaininfo *info = &op->u.getdomaininfo;
    for (int i = 0; i < SIM_MAX_DOMS; i++)
        if (s->doms[i] && s->doms[i]->id >= op->domain && (!best || s->doms[i]->id < best->id))
            best = s->doms[i];
    if (!best)
        return -XEN_ESRCH;
    memset(info, 0, sizeof(*info));
    info->domain = best->id;
    info->flags = best->paused ? XEN_DOMINF_paused : 0;
    if (best->hvm)
        info->flags |= XEN_DOMINF_hvm_guest;
    if (best->dying)
        info->flags |= XEN_DOMINF_dying;
    if (best->shutdown)
        info->flags |= XEN_DOMINF_shutdown | (best->shutdown_reason & XEN_DOMINF_shutdownmask)
                                                 << XEN_DOMINF_shutdownshift;
    info->tot_pages = best->tot_pages;
    info->max_pages = best->max_pages;
    info->shared_info_frame = best->shared_info_mfn;
    info->nr_online_vcpus = best->vcpu_ready ? 1 : 0;
    if (best->hvm) {
        info->nr_online_vcpus = 0;
        for (uint32_t v = 0; v < best->create_max_vcpus; v++)
            info->nr_online_vcpus += best->cpu_up[v];
    }
    info->max_vcpu_id = best->create_max_vcpus - 1;
    memcpy(info->handle, best->handle, sizeof(info->handle));
    op->domain = best->id;
    return 0;
}

/* ---- HVM containers: paging pool and HVM save records --------------------- */

/* Xen's arch_set_paging_mempool_size: bytes, a whole number of pages. */
static int domctl_paging_pool(struct sim *s, struct dom *d, uint64_t size)
{
    if (!d->hvm)
        return -XEN_EOPNOTSUPP;
    if ((size & (PAGE_SIZE - 1)) || (size >> PAGE_SHIFT) > UINT32_MAX)
        return -XEN_EINVAL;
    d->pool_set = true;
    return pool_resize(s, d, size >> PAGE_SHIFT);
}

/* The records gethvmcontext writes, in Xen's order (by typecode): HEADER,
 * CPU and LAPIC per vCPU, MTRR per vCPU, END. */
static uint32_t hvm_save_size(const struct dom *d)
{
    const uint32_t desc = sizeof(struct hvm_save_descriptor);
    return desc + HVM_SAVE_LENGTH(HEADER) +
           d->create_max_vcpus *
               (3 * desc + HVM_SAVE_LENGTH(CPU) + HVM_SAVE_LENGTH(LAPIC) + HVM_SAVE_LENGTH(MTRR)) +
           desc;
}

static uint8_t *hvm_put(uint8_t *q, uint16_t type, uint16_t inst, const void *rec, uint32_t len)
{
    struct hvm_save_descriptor d = {.typecode = type, .instance = inst, .length = len};
    memcpy(q, &d, sizeof(d));
    if (len)
        memcpy(q + sizeof(d), rec, len);
    return q + sizeof(d) + len;
}

static int domctl_gethvmcontext(struct dom *d, struct xen_domctl *op)
{
    struct xen_domctl_hvmcontext *h = &op->u.hvmcontext;
    struct hvm_save_header hdr = {.magic = HVM_FILE_MAGIC,
                                  .version = HVM_FILE_VERSION,
                                  .changeset = SIM_HVM_CHANGESET,
                                  .cpuid = SIM_HVM_CPUID,
                                  .gtsc_khz = SIM_HVM_TSC_KHZ};
    struct hvm_hw_lapic lapic;
    uint32_t size = hvm_save_size(d);
    uint8_t *q;

    if (!d->hvm)
        return -XEN_EINVAL; /* Xen: only for HVM domains */
    if (!h->buffer.p) {
        h->size = size; /* the caller asks how much room it needs */
        return 0;
    }
    if (h->size < size)
        return -XEN_ENOSPC;
    memset(&lapic, 0, sizeof(lapic));
    lapic.apic_base_msr = 0xfee00900; /* enabled, BSP */
    q = hvm_put(h->buffer.p, HVM_SAVE_CODE(HEADER), 0, &hdr, sizeof(hdr));
    for (uint32_t v = 0; v < d->create_max_vcpus; v++)
        q = hvm_put(q, HVM_SAVE_CODE(CPU), (uint16_t)v, &d->cpu[v], HVM_SAVE_LENGTH(CPU));
    for (uint32_t v = 0; v < d->create_max_vcpus; v++) {
        lapic.apic_base_msr = v ? 0xfee00800 : 0xfee00900;
        q = hvm_put(q, HVM_SAVE_CODE(LAPIC), (uint16_t)v, &lapic, sizeof(lapic));
    }
    for (uint32_t v = 0; v < d->create_max_vcpus; v++)
        q = hvm_put(q, HVM_SAVE_CODE(MTRR), (uint16_t)v, &d->mtrr[v], HVM_SAVE_LENGTH(MTRR));
    q = hvm_put(q, HVM_SAVE_CODE(END), 0, NULL, 0);
    h->size = (uint32_t)(q - (uint8_t *)h->buffer.p);
    return 0;
}

/* A flat 32-bit segment: base 0, limit 4 GiB - 1, present, S, DPL 0, G and
 * D/B set, L clear; code (execute/read) or data (read/write). */
static bool flat32(uint64_t base, uint32_t limit, uint32_t attr, bool code)
{
    const uint32_t must = 0x80 | 0x10 | 0x400 | 0x800 | 0x02;
    return base == 0 && limit == ~0u && (attr & must) == must && !(attr & 0x60) &&
           !(attr & 0x200) && !!(attr & 0x08) == code;
}

/* The 4 bytes at guest-physical address gpa of an HVM domain, if populated. */
static bool gpa_u32(struct sim *s, const struct dom *d, uint64_t gpa, uint32_t *v)
{
    uint64_t mfn = p2m_get(d, gpa >> PAGE_SHIFT);
    if (mfn == INVALID_FRAME || (gpa & (PAGE_SIZE - 1)) > PAGE_SIZE - 4)
        return false;
    memcpy(v, s->mem + (mfn << PAGE_SHIFT) + (gpa & (PAGE_SIZE - 1)), 4);
    return true;
}

/*
 * One CPU record: Xen's hvm_load_cpu_ctxt checks (pad0, CR0 reserved bits,
 * ET, PG without PE, CR4, EFER, flags) and, stricter than Xen, that it is the
 * PVH entry state of docs/misc/pvh.pandoc: CR0 = PE|ET, CR4 = 0, EFER = 0,
 * flat 32-bit CS/DS/ES/SS, a busy 32-bit TSS (base 0, limit 0x67), IF, TF and
 * VM clear, rip in populated guest memory below 4 GiB and rbx pointing at a
 * populated hvm_start_info (its magic).
 */
static int hvm_load_cpu(struct sim *s, struct dom *d, const struct hvm_hw_cpu *c)
{
    uint32_t magic, code;

    if (c->pad0 != 0 || (c->cr0 & ~0xe005003fULL) || !(c->cr0 & 0x10) ||
        (c->cr0 & 0x80000001ULL) == 0x80000000ULL || (c->cr4 & ~0x3777ffULL) ||
        (c->msr_efer & ~0xd01ULL) || (c->flags & ~XEN_X86_FPU_INITIALISED))
        return -XEN_EINVAL; /* Xen's own checks */
    if (c->cr0 != 0x11 || c->cr4 != 0 || c->msr_efer != 0)
        return -XEN_EINVAL;
    if (!flat32(c->cs_base, c->cs_limit, c->cs_arbytes, true) ||
        !flat32(c->ds_base, c->ds_limit, c->ds_arbytes, false) ||
        !flat32(c->es_base, c->es_limit, c->es_arbytes, false) ||
        !flat32(c->ss_base, c->ss_limit, c->ss_arbytes, false))
        return -XEN_EINVAL;
    if (c->tr_base != 0 || c->tr_limit != 0x67 || (c->tr_arbytes & 0x9f) != 0x8b)
        return -XEN_EINVAL;
    if (c->rflags & ((1ULL << 9) | (1ULL << 8) | (1ULL << 17)))
        return -XEN_EINVAL;
    if (c->rip >= (1ULL << 32) || !gpa_u32(s, d, c->rip, &code) || c->rbx >= (1ULL << 32) ||
        !gpa_u32(s, d, c->rbx, &magic) || magic != XEN_HVM_START_MAGIC_VALUE)
        return -XEN_EINVAL;
    return 0;
}

/*
 * Xen's hvm_load: the HEADER first (magic and version as Xen checks them;
 * stricter, cpuid and TSC frequency exactly what gethvmcontext reported: a
 * toolstack copies the header, it cannot make one up), every vCPU down, then
 * records until END. Records the simulator loads: CPU (vCPU < max_vcpus, at
 * most sizeof(struct hvm_hw_cpu), zero-extended) and MTRR (exact size, at
 * most 8 variable ranges); any other typecode is refused (Xen: unknown
 * typecodes; stricter: known ones the simulator does not model). A record
 * running past the blob is refused; a blob without END is -ENODATA.
 */
static int domctl_sethvmcontext(struct sim *s, struct dom *d, const struct xen_domctl *op)
{
    const uint32_t desc_size = sizeof(struct hvm_save_descriptor);
    const uint8_t *blob = op->u.hvmcontext.buffer.p;
    uint32_t size = op->u.hvmcontext.size, off;
    struct hvm_save_descriptor desc;
    struct hvm_save_header hdr;

    if (!d->hvm)
        return -XEN_EINVAL;
    if (!blob)
        return -XEN_EFAULT;
    if (size < desc_size + sizeof(hdr))
        return -XEN_ENODATA;
    memcpy(&desc, blob, desc_size);
    if (desc.typecode != HVM_SAVE_CODE(HEADER) || desc.length != sizeof(hdr))
        return -XEN_ENODATA;
    memcpy(&hdr, blob + desc_size, sizeof(hdr));
    if (hdr.magic != HVM_FILE_MAGIC || hdr.version != HVM_FILE_VERSION)
        return -XEN_EINVAL;
    if (hdr.cpuid != SIM_HVM_CPUID || hdr.gtsc_khz != SIM_HVM_TSC_KHZ)
        return -XEN_EINVAL;
    for (uint32_t v = 0; v < d->create_max_vcpus; v++)
        d->cpu_up[v] = false;
    d->vcpu_ready = false;
    for (off = desc_size + sizeof(hdr);;) {
        const uint8_t *rec;

        if (size - off < desc_size)
            return -XEN_ENODATA; /* Xen: "save did not end with a null entry" */
        memcpy(&desc, blob + off, desc_size);
        if (desc.typecode == HVM_SAVE_CODE(END))
            return 0;
        if (desc.length > size - off - desc_size)
            return -XEN_EINVAL; /* truncated record */
        rec = blob + off + desc_size;
        if (desc.typecode == HVM_SAVE_CODE(CPU)) {
            struct hvm_hw_cpu c;
            int rc;
            if (desc.instance >= d->create_max_vcpus || desc.length > sizeof(c))
                return -XEN_EINVAL;
            memset(&c, 0, sizeof(c));
            memcpy(&c, rec, desc.length);
            if ((rc = hvm_load_cpu(s, d, &c)) != 0)
                return rc;
            d->cpu[desc.instance] = c;
            d->cpu_up[desc.instance] = true;
            if (desc.instance == 0)
                d->vcpu_ready = true;
        } else if (desc.typecode == HVM_SAVE_CODE(MTRR)) {
            struct hvm_hw_mtrr m;
            if (desc.instance >= d->create_max_vcpus || desc.length != sizeof(m))
                return -XEN_EINVAL;
            memcpy(&m, rec, sizeof(m));
            if ((m.msr_mtrr_cap & 0xff) > MTRR_VCNT)
                return -XEN_EINVAL; /* Xen: too many variable range MTRRs */
            d->mtrr[desc.instance] = m;
            d->mtrr_loaded[desc.instance] = true;
        } else {
            return -XEN_EINVAL;
        }
        off += desc_size + desc.length;
    }
}

/* RAM in an HVM domain's memory map, in bytes. */
static uint64_t memmap_ram(const struct dom *d)
{
    uint64_t ram = 0;
    for (unsigned int i = 0; i < d->nr_memmap; i++)
        if (d->memmap[i].type == 1)
            ram += d->memmap[i].size;
    return ram;
}

/*
 * unpausedomain of an HVM domain, stricter than Xen: vCPU 0 needs a CPU
 * record (-EINVAL), and the paging pool must be at least what libxl sizes it
 * to (4 KiB x (256 per vCPU + 1 per MiB of RAM): -ENOMEM). On Xen a domain
 * left with the 256-page default pool starts, and fails later when HAP runs
 * out of pages for the p2m or a vCPU's monitor table, far from the build
 * that forgot it; here that build fails at unpause.
 */
static int hvm_unpause_ok(const struct dom *d)
{
    if (!d->vcpu_ready)
        return -XEN_EINVAL;
    if (d->pool_pages < 256ULL * d->create_max_vcpus + (memmap_ram(d) >> 20))
        return -XEN_ENOMEM;
    return 0;
}

static unsigned int sim_nr_cpus(const struct sim *s)
{
    return s->cfg.nr_cpus ? (s->cfg.nr_cpus > 64 ? 64 : s->cfg.nr_cpus) : 1;
}

/* All the simulated host's CPUs (every one online). */
static uint64_t sim_online_mask(const struct sim *s)
{
    unsigned int n = sim_nr_cpus(s);

    return n == 64 ? ~0ULL : (1ULL << n) - 1;
}

/* A guest's xenctl_bitmap as Xen reads it (xenctl_bitmap_to_bitmap with
 * nr_cpu_ids): bits beyond the host's CPUs are ignored, missing ones zero. */
static uint64_t bitmap_in(const struct sim *s, const struct xenctl_bitmap *b)
{
    const uint8_t *bytes = b->bitmap.p;
    uint64_t m = 0;

    for (uint32_t i = 0; i < b->nr_bits && i < 64; i++)
        if (bytes[i / 8] & (1u << (i % 8)))
            m |= 1ULL << i;
    return m & sim_online_mask(s);
}

/* ... and what Xen writes back (cpumask_to_xenctl_bitmap): nr_bits bits. */
static void bitmap_out(struct xenctl_bitmap *b, uint64_t m)
{
    uint8_t *bytes = b->bitmap.p;

    for (uint32_t i = 0; i < b->nr_bits; i++) {
        if (i < 64 && (m & (1ULL << i)))
            bytes[i / 8] |= (uint8_t)(1u << (i % 8));
        else
            bytes[i / 8] &= (uint8_t) ~(1u << (i % 8));
    }
}

/*
 * XEN_DOMCTL_setvcpuaffinity as Xen 4.17's vcpu_affinity_domctl(): the
 * vCPU must exist (-EINVAL beyond max_vcpus), flags must name a map and
 * each named map must be there (vcpuaffinity_params_invalid: -EINVAL),
 * and a hard affinity must contain an online CPU (vcpu_set_hard_affinity:
 * -EINVAL). Xen answers with the maps it will use: hard & online, soft &
 * online & hard. A soft map may be empty.
 */
static int domctl_vcpuaffinity(struct sim *s, struct dom *d, struct xen_domctl_vcpuaffinity *a)
{
    uint64_t hard, soft;
    uint32_t known = XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT | XEN_VCPUAFFINITY_FORCE;

    if (a->vcpu >= d->create_max_vcpus || a->vcpu >= SIM_AFFINITY_VCPUS)
        return -XEN_EINVAL;
    if ((a->flags & (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT)) == 0 ||
        ((a->flags & XEN_VCPUAFFINITY_HARD) && !a->cpumap_hard.bitmap.p) ||
        ((a->flags & XEN_VCPUAFFINITY_SOFT) && !a->cpumap_soft.bitmap.p))
        return -XEN_EINVAL;
    if (a->flags & ~known)
        return -XEN_EINVAL; /* stricter: Xen ignores unknown flags */
    hard = d->aff_hard[a->vcpu];
    soft = d->aff_soft[a->vcpu];
    if (a->flags & XEN_VCPUAFFINITY_HARD) {
        hard = bitmap_in(s, &a->cpumap_hard);
        if (!hard)
            return -XEN_EINVAL;
    }
    if (a->flags & XEN_VCPUAFFINITY_SOFT)
        soft = bitmap_in(s, &a->cpumap_soft);
    d->aff_hard[a->vcpu] = hard;
    d->aff_soft[a->vcpu] = soft;
    d->aff_sets[a->vcpu]++;
    if (a->flags & XEN_VCPUAFFINITY_HARD)
        bitmap_out(&a->cpumap_hard, hard);
    if (a->flags & XEN_VCPUAFFINITY_SOFT)
        bitmap_out(&a->cpumap_soft, soft & hard);
    return 0;
}

static int sim_domctl(void *ctx, struct xen_domctl *op)
{
    struct sim *s = ctx;
    struct dom *d = NULL;
    int rc = sim_enter(s, SIM_DOMCTL);
    if (rc)
        return rc;
    if (!s->cfg.privileged)
        return -XEN_EPERM;
    if (op->interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (op->cmd == XEN_DOMCTL_createdomain)
        return domctl_create(s, op);
    if (op->cmd == XEN_DOMCTL_getdomaininfo)
        return domctl_getdomaininfo(s, op);
    if (op->cmd == XEN_DOMCTL_destroydomain) {
        /* Xen: destroying a dying domain again is fine (domain_kill). */
        d = dom_find(s, op->domain);
        if (!d || op->domain == s->cfg.self)
            return d ? -XEN_EINVAL : -XEN_ESRCH;
        if ((rc = sim_flask_manage(s, d, SIM_DESTROY)) != 0)
            return rc;
        dom_release(s, d);
        return 0;
    }
    rc = dom_target(s, op->domain, &d);
    if (rc)
        return rc;
    switch (op->cmd) {
    case XEN_DOMCTL_max_vcpus:
        /* Must repeat createdomain's value, once (Xen: -EINVAL otherwise). */
        if (d->vcpus_done || op->u.max_vcpus.max != d->create_max_vcpus)
            return -XEN_EINVAL;
        d->vcpus_done = true;
        return 0;
    case XEN_DOMCTL_max_mem:
        d->max_pages = op->u.max_mem.max_memkb >> (PAGE_SHIFT - 10);
        return 0;
    case XEN_DOMCTL_set_address_size:
        if (d->hvm)
            return -XEN_EOPNOTSUPP; /* Xen: PV only */
        if (op->u.address_size.size != 64)
            return -XEN_EOPNOTSUPP; /* compat (32-bit) guests are not modelled */
        d->address_size = 64;
        return 0;
    case XEN_DOMCTL_hypercall_init:
        /* Stricter than Xen, which would write an HVM hypercall page: a
         * PVH guest sets its own up through the CPUID/MSR interface. */
        if (d->hvm)
            return -XEN_EINVAL;
        return domctl_hypercall_init(s, d, op);
    case XEN_DOMCTL_setvcpucontext:
        /* Stricter than Xen (which loads a subset for HVM): an HVM vCPU is
         * started with sethvmcontext. */
        if (d->hvm)
            return -XEN_EINVAL;
        return domctl_setvcpucontext(s, d, op);
    case XEN_DOMCTL_set_paging_mempool_size:
        return domctl_paging_pool(s, d, op->u.paging_mempool.size);
    case XEN_DOMCTL_gethvmcontext:
        return domctl_gethvmcontext(d, op);
    case XEN_DOMCTL_sethvmcontext:
        return domctl_sethvmcontext(s, d, op);
    case XEN_DOMCTL_unpausedomain:
        if ((rc = sim_flask_manage(s, d, SIM_UNPAUSE)) != 0)
            return rc;
        if (d->hvm && (rc = hvm_unpause_ok(d)) != 0)
            return rc;
        if (!d->vcpu_ready)
            return -XEN_EINVAL; /* stricter: nothing could run */
        d->paused = false;
        return 0;
    case XEN_DOMCTL_pausedomain:
        if ((rc = sim_flask_manage(s, d, SIM_PAUSE)) != 0)
            return rc;
        d->paused = true;
        return 0;
    case XEN_DOMCTL_iomem_permission: {
        uint64_t first = op->u.iomem_permission.first_mfn, nr = op->u.iomem_permission.nr_mfns;
        /* Xen: the range must not wrap and must lie below paddr_bits. */
        if (nr == 0 || first + nr < first || first + nr > (1ULL << 40))
            return -XEN_EINVAL;
        d->permitted = true;
        return 0;
    }
    case XEN_DOMCTL_ioport_permission:
        if (op->u.ioport_permission.nr_ports == 0 ||
            op->u.ioport_permission.first_port + op->u.ioport_permission.nr_ports > 0x10000)
            return -XEN_EINVAL;
        d->permitted = true;
        return 0;
    case XEN_DOMCTL_irq_permission:
        if (op->u.irq_permission.pirq >= 256)
            return -XEN_EINVAL; /* the simulated host has 256 pirqs */
        d->permitted = true;
        return 0;
    case XEN_DOMCTL_setvcpuaffinity:
        return domctl_vcpuaffinity(s, d, &op->u.vcpuaffinity);
    case XEN_DOMCTL_set_virq_handler:
        /* Only global VIRQs have a handler domain. */
        if (op->u.set_virq_handler.virq != VIRQ_DOM_EXC)
            return -XEN_EINVAL;
        s->dom_exc_handler = d->id;
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}

/* ---- memory_op ------------------------------------------------------------ */

/* Whether [gfn, gfn + n) lies inside one entry of d's memory map. */
static bool in_memmap(const struct dom *d, uint64_t gfn, uint64_t n)
{
    uint64_t a = gfn << PAGE_SHIFT, e = (gfn + n) << PAGE_SHIFT;
    for (unsigned int i = 0; i < d->nr_memmap; i++)
        if (a >= d->memmap[i].addr && e <= d->memmap[i].addr + d->memmap[i].size)
            return true;
    return false;
}

/* Presence map of the p2m tables at one level (0: L1 per 2 MiB, 1: L2 per
 * 1 GiB, 2: L3 per 512 GiB). */
static bool p2m_tab_test(struct dom *d, int level, uint64_t idx, bool set)
{
    if (idx >= d->p2m_tab_cap[level]) {
        uint64_t cap = d->p2m_tab_cap[level] ? d->p2m_tab_cap[level] : 64;
        if (!set)
            return false;
        while (cap <= idx)
            cap *= 2;
        d->p2m_tab[level] = realloc(d->p2m_tab[level], cap);
        if (!d->p2m_tab[level])
            sim_die("out of memory");
        memset(d->p2m_tab[level] + d->p2m_tab_cap[level], 0, cap - d->p2m_tab_cap[level]);
        d->p2m_tab_cap[level] = cap;
    }
    if (set)
        d->p2m_tab[level][idx] = 1;
    return d->p2m_tab[level][idx];
}

/*
 * The p2m pages an extent of 2^order at gfn (aligned) needs from the paging
 * pool: Xen's HAP p2m is a 4-level table; an extent of order >= 18 is one
 * 1 GiB entry in an L3 table, of order >= 9 2 MiB entries in an L2, else
 * 4 KiB entries in an L1. Each table missing so far costs a pool page; when
 * the pool has no page left the extent fails (Xen: p2m_set_entry -ENOMEM,
 * populate_physmap stops). The simulator counts only the host p2m.
 */
static bool p2m_take_tables(struct dom *d, uint64_t gfn, unsigned int order)
{
    bool need3 = !p2m_tab_test(d, 2, gfn >> 27, false);
    bool need2 = order < 18 && !p2m_tab_test(d, 1, gfn >> 18, false);
    bool need1 = order < 9 && !p2m_tab_test(d, 0, gfn >> 9, false);
    uint64_t need = (uint64_t)need3 + need2 + need1;

    if (d->pool_used + need > d->pool_pages)
        return false;
    d->pool_used += need;
    p2m_tab_test(d, 2, gfn >> 27, true);
    if (order < 18)
        p2m_tab_test(d, 1, gfn >> 18, true);
    if (order < 9)
        p2m_tab_test(d, 0, gfn >> 9, true);
    return true;
}

static long populate(struct sim *s, struct dom *d, struct xen_memory_reservation *r)
{
    xen_pfn_t *ext = r->extent_start.p;
    uint64_t len = 1ULL << r->extent_order;
    for (xen_ulong_t i = 0; i < r->nr_extents; i++) {
        uint64_t gpfn = ext[i], base;
        /* Stricter than Xen for PV: extents are naturally aligned in pfn
         * space and never populate a pfn twice. */
        if ((gpfn & (len - 1)) || gpfn + len > SIM_MAX_GPFN)
            return (long)i;
        for (uint64_t j = 0; j < len; j++)
            if (p2m_get(d, gpfn + j) != INVALID_FRAME)
                return (long)i;
        /* Stricter than Xen: an HVM domain's memory map is set before it
         * is populated (libxl does), and every gfn lies inside an entry. */
        if (d->hvm && !in_memmap(d, gpfn, len))
            return (long)i;
        if (d->tot_pages + len > d->max_pages)
            return (long)i; /* Xen: assign_pages() refuses beyond max_pages */
        base = block_alloc(s, r->extent_order);
        if (base == INVALID_FRAME)
            return (long)i;
        if (d->hvm && !p2m_take_tables(d, gpfn, r->extent_order))
            return (long)i; /* the paging pool is exhausted */
        for (uint64_t j = 0; j < len; j++) {
            frame_give(s, d, base + j, gpfn + j);
            p2m_set(d, gpfn + j, base + j);
        }
        d->tot_pages += len;
        /* Xen writes the mfn back for a PV guest; a translated guest is
         * gfn-based and its list is left as it was */
        if (!d->hvm)
            ext[i] = base;
    }
    return (long)r->nr_extents;
}

/* decrease_reservation of an HVM domain: the entries are gfns. */
static long decrease_hvm(struct sim *s, struct dom *d, struct xen_memory_reservation *r)
{
    const xen_pfn_t *ext = r->extent_start.p;
    uint64_t len = 1ULL << r->extent_order;
    for (xen_ulong_t i = 0; i < r->nr_extents; i++) {
        for (uint64_t j = 0; j < len; j++) {
            uint64_t mfn = p2m_get(d, ext[i] + j);
            if (mfn == INVALID_FRAME || s->frames[mfn].count)
                return (long)i;
        }
        for (uint64_t j = 0; j < len; j++) {
            frame_free(s, p2m_get(d, ext[i] + j));
            d->p2m[ext[i] + j] = INVALID_FRAME;
        }
        d->tot_pages -= len;
    }
    return (long)r->nr_extents;
}

static long decrease(struct sim *s, struct dom *d, struct xen_memory_reservation *r)
{
    const xen_pfn_t *ext = r->extent_start.p;
    uint64_t len = 1ULL << r->extent_order;
    if (d->hvm)
        return decrease_hvm(s, d, r);
    for (xen_ulong_t i = 0; i < r->nr_extents; i++) {
        uint64_t base = ext[i];
        for (uint64_t j = 0; j < len; j++)
            if (!frame_owned_by(s, base + j, d->id) || s->frames[base + j].count ||
                s->frames[base + j].pinned || base + j == d->shared_info_mfn)
                return (long)i;
        for (uint64_t j = 0; j < len; j++) {
            uint64_t pfn = s->frames[base + j].m2p;
            if (p2m_get(d, pfn) == base + j)
                d->p2m[pfn] = INVALID_FRAME;
            frame_free(s, base + j);
        }
        d->tot_pages -= len;
    }
    return (long)r->nr_extents;
}

static long sim_memory_op(void *ctx, unsigned int cmd, struct xen_memory_reservation *r)
{
    struct sim *s = ctx;
    struct dom *d;
    int rc = sim_enter(s, SIM_MEMORY_OP);
    if (rc)
        return rc;
    if (cmd != XENMEM_populate_physmap && cmd != XENMEM_decrease_reservation)
        return -XEN_ENOSYS;
    rc = dom_target(s, r->domid, &d);
    if (rc)
        return rc;
    if (!r->extent_start.p || r->mem_flags != 0)
        return -XEN_EINVAL;
    /* Xen: an order above the caller's limit completes 0 extents. */
    if (r->extent_order > s->cfg.max_extent_order)
        return 0;
    if (cmd == XENMEM_populate_physmap && d->hvm && !d->memmap_set)
        return -XEN_EINVAL; /* stricter than Xen: the memory map comes first */
    return cmd == XENMEM_populate_physmap ? populate(s, d, r) : decrease(s, d, r);
}

/*
 * XENMEM_set_memory_map: Xen takes up to E820MAX entries as given; stricter,
 * the simulator wants every entry page-aligned, non-empty and not
 * overlapping another.
 */
static int sim_set_memory_map(void *ctx, struct xen_foreign_memory_map *map)
{
    struct sim *s = ctx;
    struct dom *d;
    const struct xenops_e820 *e;
    unsigned int n;
    int rc = enter_target(s, SIM_MEMORY_MAP, map->domid, &d);
    if (rc)
        return rc;
    n = map->map.nr_entries;
    e = map->map.buffer.p;
    if (n > XENOPS_E820_MAX)
        return -XEN_EINVAL;
    if (n && !e)
        return -XEN_EFAULT;
    for (unsigned int i = 0; i < n; i++) {
        if (e[i].size == 0 || ((e[i].addr | e[i].size) & (PAGE_SIZE - 1)) ||
            e[i].addr + e[i].size < e[i].addr)
            return -XEN_EINVAL;
        for (unsigned int j = 0; j < i; j++)
            if (e[i].addr < e[j].addr + e[j].size && e[j].addr < e[i].addr + e[i].size)
                return -XEN_EINVAL;
    }
    free(d->memmap);
    d->memmap = malloc((n ? n : 1) * sizeof(*e));
    if (!d->memmap)
        sim_die("out of memory");
    memcpy(d->memmap, e, n * sizeof(*e));
    d->nr_memmap = n;
    d->memmap_set = true;
    return 0;
}

/* ---- HVM params ----------------------------------------------------------- */

/* Params Xen 4.17 refuses to set at all (hvm_allow_set_param: deprecated). */
static bool param_deprecated(uint32_t i)
{
    return i == HVM_PARAM_PAE_ENABLED || i == HVM_PARAM_DM_DOMAIN ||
           (i >= HVM_PARAM_MEMORY_EVENT_CR0 && i <= HVM_PARAM_MEMORY_EVENT_SINGLE_STEP) ||
           i == HVM_PARAM_BUFIOREQ_EVTCHN || i == HVM_PARAM_MEMORY_EVENT_MSR;
}

/* ... and those that may be set only once (to one non-zero value). */
static bool param_once(uint32_t i)
{
    return i == HVM_PARAM_VIRIDIAN || i == HVM_PARAM_IOREQ_PFN || i == HVM_PARAM_BUFIOREQ_PFN ||
           i == HVM_PARAM_IOREQ_SERVER_PFN || i == HVM_PARAM_NR_IOREQ_SERVER_PAGES ||
           i == HVM_PARAM_ALTP2M || i == HVM_PARAM_MCA_CAP;
}

static bool param_is_pfn(uint32_t i)
{
    return i == HVM_PARAM_STORE_PFN || i == HVM_PARAM_CONSOLE_PFN || i == HVM_PARAM_IOREQ_PFN ||
           i == HVM_PARAM_BUFIOREQ_PFN || i == HVM_PARAM_PAGING_RING_PFN ||
           i == HVM_PARAM_MONITOR_RING_PFN || i == HVM_PARAM_SHARING_RING_PFN;
}

static int param_set(struct dom *d, uint32_t i, uint64_t v)
{
    if (param_deprecated(i))
        return -XEN_EINVAL;
    if (param_once(i) && d->params[i] != 0 && v != d->params[i])
        return -XEN_EEXIST;
    if (i == HVM_PARAM_TIMER_MODE && v > HVMPTM_one_missed_tick_pending)
        return -XEN_EINVAL;
    /* Stricter than Xen, which stores them as given: a ring's pfn names a
     * populated gfn, the identity map a populated page, an event channel
     * param an allocated port of the domain. */
    if (param_is_pfn(i) && p2m_get(d, v) == INVALID_FRAME)
        return -XEN_EINVAL;
    if (i == HVM_PARAM_IDENT_PT &&
        ((v & (PAGE_SIZE - 1)) || p2m_get(d, v >> PAGE_SHIFT) == INVALID_FRAME))
        return -XEN_EINVAL;
    if ((i == HVM_PARAM_STORE_EVTCHN || i == HVM_PARAM_CONSOLE_EVTCHN) &&
        (v == 0 || v >= SIM_MAX_PORTS || v > d->max_evtchn_port || d->ports[v].state == PORT_FREE))
        return -XEN_EINVAL;
    d->params[i] = v;
    return 0;
}

/* HVMOP_set_param / get_param, one entry after the other (Xen's
 * hvmop_set_param: index < HVM_NR_PARAMS, an HVM domain). */
static int sim_hvm_param(void *ctx, unsigned int op, xen_hvm_param_t *params, unsigned int n,
                         unsigned int *done)
{
    struct sim *s = ctx;
    int rc = sim_enter(s, SIM_HVM_OP);
    if (done)
        *done = 0;
    if (rc)
        return rc;
    if (n == 0 || n > XENOPS_HVM_PARAM_BATCH_MAX)
        return -XEN_EINVAL;
    if (!params)
        return -XEN_EFAULT;
    if (op != HVMOP_set_param && op != HVMOP_get_param)
        return -XEN_ENOSYS;
    for (unsigned int k = 0; k < n; k++) {
        struct dom *d;
        if (params[k].index >= HVM_NR_PARAMS)
            return -XEN_EINVAL;
        if ((rc = dom_target(s, params[k].domid, &d)) != 0)
            return rc;
        if (!d->hvm)
            return -XEN_EINVAL;
        if (op == HVMOP_get_param)
            params[k].value = d->params[params[k].index];
        else if ((rc = param_set(d, params[k].index, params[k].value)) != 0)
            return rc;
        if (done)
            *done = k + 1;
    }
    return 0;
}

/* ---- mmu_update / mmuext_op ----------------------------------------------- */

static int pt_update(struct sim *s, struct dom *d, uint64_t ptr, uint64_t val)
{
    uint64_t mfn = ptr >> PAGE_SHIFT, off = ptr & (PAGE_SIZE - 1) & ~3ULL;
    uint64_t *slot;
    struct frame *f;
    if ((off & 7) || !frame_owned_by(s, mfn, d->id))
        return -XEN_EINVAL;
    f = &s->frames[mfn];
    slot = &table_of(s, mfn)[off / 8];
    if (frame_is_pt(f)) {
        /* A validated table: the new entry is checked like at pin time,
         * so e.g. a writable mapping of a page-table frame is refused. */
        unsigned int level = (unsigned int)(f->type - SIM_PGT_L1 + 1);
        struct journal j = {0};
        int rc = get_entry(s, d->id, level, (unsigned int)(off / 8), val, &j);
        if (rc)
            journal_undo(s, &j);
        free(j.e);
        if (rc)
            return rc;
        put_entry(s, level, *slot);
    }
    *slot = val;
    return 0;
}

static int sim_mmu_update(void *ctx, const mmu_update_t *req, unsigned int count,
                          unsigned int *done, domid_t foreigndom)
{
    struct sim *s = ctx;
    struct dom *d;
    unsigned int i;
    int rc = sim_enter(s, SIM_MMU_UPDATE);
    if (done)
        *done = 0;
    if (rc)
        return rc;
    rc = dom_target(s, foreigndom, &d);
    if (rc == 0 && d->hvm)
        rc = -XEN_EINVAL; /* Xen: a translated domain has no PV page tables or m2p to update */
    for (i = 0; rc == 0 && i < count; i++) {
        uint64_t ptr = req[i].ptr;
        if ((ptr & 3) == MMU_NORMAL_PT_UPDATE)
            rc = pt_update(s, d, ptr, req[i].val);
        else if ((ptr & 3) == MMU_MACHPHYS_UPDATE && frame_owned_by(s, ptr >> PAGE_SHIFT, d->id))
            s->frames[ptr >> PAGE_SHIFT].m2p = req[i].val;
        else
            rc = -XEN_EINVAL;
        if (done && rc == 0)
            *done = i + 1;
    }
    return rc;
}

static int sim_mmuext_op(void *ctx, const struct mmuext_op *op, unsigned int count,
                         unsigned int *done, domid_t foreigndom)
{
    struct sim *s = ctx;
    struct dom *d;
    int rc = sim_enter(s, SIM_MMUEXT_OP);
    if (done)
        *done = 0;
    if (rc)
        return rc;
    rc = dom_target(s, foreigndom, &d);
    if (rc == 0 && d->hvm)
        rc = -XEN_EINVAL; /* Xen: no pinning of an HVM domain's frames */
    for (unsigned int i = 0; rc == 0 && i < count; i++) {
        uint64_t mfn = op[i].arg1.mfn;
        if (!frame_owned_by(s, mfn, d->id))
            rc = -XEN_EINVAL;
        else if (op[i].cmd == MMUEXT_PIN_L4_TABLE) {
            if (s->frames[mfn].pinned)
                rc = -XEN_EINVAL; /* Xen: "mfn already pinned" */
            else if ((rc = get_type_atomic(s, d->id, mfn, SIM_PGT_L4)) == 0)
                s->frames[mfn].pinned = true;
        } else if (op[i].cmd == MMUEXT_UNPIN_TABLE) {
            if (!s->frames[mfn].pinned)
                rc = -XEN_EINVAL;
            else {
                s->frames[mfn].pinned = false;
                put_type(s, mfn);
            }
        } else {
            rc = -XEN_ENOSYS;
        }
        if (done && rc == 0)
            *done = i + 1;
    }
    return rc;
}

/* ---- event channels and grant table --------------------------------------- */

/* The caller's own ports and a guest's, by owner. */
static struct port *port_of(struct sim *s, domid_t owner, uint32_t port)
{
    struct dom *d;

    if (owner == s->cfg.self)
        return port < SIM_SELF_PORTS ? &s->self_ports[port] : NULL;
    d = dom_find(s, owner);
    return d && port < SIM_MAX_PORTS && port <= d->max_evtchn_port ? &d->ports[port] : NULL;
}

/* Xen's __evtchn_close: free this end; an interdomain peer goes back to
 * unbound, bindable again by the domain that closed. */
static void port_close(struct sim *s, domid_t owner, struct port *pt)
{
    if (pt->state == PORT_INTERDOMAIN) {
        struct port *peer = port_of(s, pt->remote, pt->peer);
        if (peer && peer->state == PORT_INTERDOMAIN)
            *peer = (struct port){.state = PORT_UNBOUND, .remote = owner};
    }
    *pt = (struct port){0};
}

/* Xen's evtchn_port_set_pending for the other end of an interdomain port. */
static void port_signal_peer(struct sim *s, const struct port *pt)
{
    struct port *peer = port_of(s, pt->remote, pt->peer);
    if (peer && peer->state == PORT_INTERDOMAIN)
        peer->pending = true;
}

static void virq_raise(struct sim *s, uint32_t virq)
{
    if (virq == VIRQ_DOM_EXC && s->dom_exc_handler != s->cfg.self)
        return; /* delegated: the handler domain's business */
    for (uint32_t p = 1; p < SIM_SELF_PORTS; p++)
        if (s->self_ports[p].state == PORT_VIRQ && s->self_ports[p].virq == virq)
            s->self_ports[p].pending = true;
}

static int self_port_alloc(struct sim *s, uint32_t *port)
{
    /* Port 0 is never handed out (Xen reserves it). */
    for (uint32_t p = 1; p < SIM_SELF_PORTS; p++)
        if (s->self_ports[p].state == PORT_FREE) {
            *port = p;
            return 0;
        }
    return -XEN_ENOSPC;
}

static int sim_evtchn_alloc_unbound(void *ctx, evtchn_alloc_unbound_t *op)
{
    struct sim *s = ctx;
    struct dom *d;
    int rc = enter_target(s, SIM_EVTCHN_OP, op->dom, &d);
    if (rc)
        return rc;
    if (op->remote_dom != DOMID_SELF && op->remote_dom >= DOMID_FIRST_RESERVED)
        return -XEN_EINVAL;
    for (uint32_t p = 1; p < SIM_MAX_PORTS && p <= d->max_evtchn_port; p++)
        if (d->ports[p].state == PORT_FREE) {
            d->ports[p] =
                (struct port){.state = PORT_UNBOUND,
                              .remote = op->remote_dom == DOMID_SELF ? d->id : op->remote_dom};
            op->port = p;
            return 0;
        }
    return -XEN_ENOSPC;
}

static int sim_evtchn_bind_interdomain(void *ctx, domid_t remote_dom, evtchn_port_t remote_port,
                                       evtchn_port_t *local_port)
{
    struct sim *s = ctx;
    struct port *rp;
    uint32_t lp;
    int rc = sim_enter(s, SIM_EVTCHN_OP);
    if (rc)
        return rc;
    if (!dom_get(s, remote_dom))
        return -XEN_ESRCH;
    rp = port_of(s, remote_dom, remote_port);
    /* Xen: the remote port must be unbound and allocated for us. */
    if (!rp || remote_port == 0 || rp->state != PORT_UNBOUND || rp->remote != s->cfg.self)
        return -XEN_EINVAL;
    if ((rc = self_port_alloc(s, &lp)) != 0)
        return rc;
    *rp = (struct port){.state = PORT_INTERDOMAIN, .remote = s->cfg.self, .peer = lp};
    /* Xen marks the new local port pending. */
    s->self_ports[lp] = (struct port){
        .state = PORT_INTERDOMAIN, .remote = remote_dom, .peer = remote_port, .pending = true};
    *local_port = lp;
    return 0;
}

static int sim_evtchn_bind_virq(void *ctx, uint32_t virq, evtchn_port_t *port)
{
    struct sim *s = ctx;
    uint32_t p;
    int rc = sim_enter(s, SIM_EVTCHN_OP);
    if (rc)
        return rc;
    if (virq != VIRQ_DOM_EXC && virq != VIRQ_CONSOLE)
        return -XEN_EINVAL; /* the only VIRQs the simulator models */
    for (p = 1; p < SIM_SELF_PORTS; p++)
        if (s->self_ports[p].state == PORT_VIRQ && s->self_ports[p].virq == virq)
            return -XEN_EEXIST;
    if ((rc = self_port_alloc(s, &p)) != 0)
        return rc;
    s->self_ports[p] = (struct port){.state = PORT_VIRQ, .virq = virq};
    *port = p;
    return 0;
}

static int sim_evtchn_close(void *ctx, evtchn_port_t port)
{
    struct sim *s = ctx;
    struct port *pt = port_of(s, s->cfg.self, port);
    int rc = sim_enter(s, SIM_EVTCHN_OP);
    if (rc)
        return rc;
    if (!pt || port == 0 || pt->state == PORT_FREE)
        return -XEN_EINVAL;
    port_close(s, s->cfg.self, pt);
    return 0;
}

static int sim_evtchn_notify(void *ctx, evtchn_port_t port)
{
    struct sim *s = ctx;
    struct port *pt = port_of(s, s->cfg.self, port);
    int rc = sim_enter(s, SIM_EVTCHN_OP);
    if (rc)
        return rc;
    if (!pt || port == 0)
        return -XEN_EINVAL;
    switch (pt->state) {
    case PORT_INTERDOMAIN:
        port_signal_peer(s, pt);
        return 0;
    case PORT_UNBOUND:
        return 0; /* Xen: silently dropped */
    default:
        return -XEN_EINVAL;
    }
}

static bool sim_evtchn_pending(void *ctx, evtchn_port_t port)
{
    struct sim *s = ctx;
    struct port *pt = port_of(s, s->cfg.self, port);
    bool was;

    if (!pt)
        sim_die("evtchn_pending on a port beyond shared_info's bitmap");
    was = pt->pending;
    pt->pending = false;
    return was;
}

static bool any_pending(struct sim *s, const evtchn_port_t *ports, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        if (s->self_ports[ports[i]].pending)
            return true;
    return false;
}

static int sim_evtchn_poll(void *ctx, const evtchn_port_t *ports, unsigned int n,
                           uint64_t timeout_ns)
{
    struct sim *s = ctx;
    int rc = sim_enter(s, SIM_SCHED_OP);
    if (rc)
        return rc;
    /* The seam's contract: beyond Xen's 128, wait on the first 128 for at
     * most 10 ms. */
    if (n > SIM_POLL_PORTS_MAX) {
        n = SIM_POLL_PORTS_MAX;
        if (timeout_ns == 0 || timeout_ns > 10000000)
            timeout_ns = 10000000;
    }
    if (n && !ports)
        return -XEN_EFAULT;
    for (unsigned int i = 0; i < n; i++)
        if (ports[i] >= SIM_SELF_PORTS)
            return -XEN_EINVAL; /* Xen: beyond the domain's ports */
    s->polls++;
    dom_progress(s);
    if (any_pending(s, ports, n))
        return 0;
    /* Nothing pending: the guests run (the test's world), then time passes
     * until something is pending or the timeout ends. */
    if (s->world)
        s->world(s, s->world_arg);
    if (any_pending(s, ports, n)) {
        s->now_ns += 1000;
        return 0;
    }
    if (timeout_ns == 0)
        sim_die("poll without a timeout would block forever: nothing will ever be pending");
    s->now_ns += timeout_ns;
    return 0;
}

static void sim_yield(void *ctx)
{
    struct sim *s = ctx;
    sim_enter(s, SIM_SCHED_OP);
    s->now_ns += 1000;
    dom_progress(s);
}

static int sim_sysctl(void *ctx, struct xen_sysctl *op)
{
    struct sim *s = ctx;
    int rc = sim_enter(s, SIM_SYSCTL);
    if (rc)
        return rc;
    if (!s->cfg.privileged)
        return -XEN_EPERM;
    if (op->interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (op->cmd != XEN_SYSCTL_physinfo)
        return -XEN_ENOSYS;
    memset(&op->u.physinfo, 0, sizeof(op->u.physinfo));
    op->u.physinfo.free_pages = s->free_frames + s->given_pages;
    op->u.physinfo.total_pages = s->cfg.nr_frames;
    op->u.physinfo.nr_cpus = sim_nr_cpus(s);
    return 0;
}

/* Xen's do_console_io(CONSOLEIO_read): what the serial line delivered to
 * the hardware domain, oldest first; nothing waiting is 0. */
static int sim_console_read(void *ctx, char *buf, unsigned int n)
{
    struct sim *s = ctx;
    unsigned int done = 0;
    int rc = sim_enter(s, SIM_CONSOLE_IO);
    if (rc)
        return rc;
    /* XSM dummy policy: console_io is for privileged domains only. */
    if (!s->cfg.privileged)
        return -XEN_EPERM;
    if (n > INT32_MAX)
        return -XEN_E2BIG;
    if (n && !buf)
        return -XEN_EFAULT;
    while (done < n && s->serial_cons != s->serial_prod)
        buf[done++] = s->serial_rx[s->serial_cons++ % SIM_SERIAL_RX_SIZE];
    return (int)done;
}

/* XENVER_version and XENVER_extraversion; the simulator models no other. */
static int sim_xen_version(void *ctx, int cmd, void *arg)
{
    struct sim *s = ctx;
    int rc = sim_enter(s, SIM_XEN_VERSION);
    if (rc)
        return rc;
    switch (cmd) {
    case XENVER_version:
        return SIM_XEN_MAJOR << 16 | SIM_XEN_MINOR;
    case XENVER_extraversion:
        if (!arg)
            return -XEN_EFAULT;
        memset(arg, 0, sizeof(xen_extraversion_t));
        memcpy(arg, SIM_XEN_EXTRAVERSION, sizeof(SIM_XEN_EXTRAVERSION));
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}

static uint64_t sim_now_ns(void *ctx)
{
    struct sim *s = ctx;
    return s->now_ns;
}

static unsigned long sim_hypercalls_op(void *ctx)
{
    return sim_hypercalls(ctx);
}

static int sim_seed_grant_table(void *ctx, domid_t domid, xen_pfn_t console_mfn,
                                xen_pfn_t store_mfn, domid_t backend)
{
    struct sim *s = ctx;
    struct dom *d;
    int rc = enter_target(s, SIM_GRANT_SEED, domid, &d);
    if (rc)
        return rc;
    /* stricter: an HVM guest's entries name gfns (seed_grant_table_hvm) */
    if (d->hvm)
        return -XEN_EINVAL;
    if (!frame_owned_by(s, console_mfn, domid) || !frame_owned_by(s, store_mfn, domid) ||
        console_mfn > UINT32_MAX || store_mfn > UINT32_MAX || backend >= DOMID_FIRST_RESERVED)
        return -XEN_EINVAL;
    d->gnttab[GNTTAB_RESERVED_CONSOLE] =
        (grant_entry_v1_t){GTF_permit_access, backend, (uint32_t)console_mfn};
    d->gnttab[GNTTAB_RESERVED_XENSTORE] =
        (grant_entry_v1_t){GTF_permit_access, backend, (uint32_t)store_mfn};
    return 0;
}

/*
 * Xen: XENMEM_add_to_physmap (grant frame 0 at scratch_gfn) refuses a PV
 * domain (-EACCES); stricter, the scratch gfn must have nothing behind it
 * (else the guest's page there would be replaced) and the two entries must
 * name populated gfns. The grant frame is Xen's, not the guest's: nothing is
 * left at scratch_gfn afterwards (remove_from_physmap).
 */
static int sim_seed_grant_table_hvm(void *ctx, domid_t domid, xen_pfn_t console_gfn,
                                    xen_pfn_t store_gfn, domid_t backend, xen_pfn_t scratch_gfn)
{
    struct sim *s = ctx;
    struct dom *d;
    int rc = enter_target(s, SIM_GRANT_SEED_HVM, domid, &d);
    if (rc)
        return rc;
    if (!d->hvm)
        return -XEN_EACCES;
    if (scratch_gfn >= SIM_MAX_GPFN || p2m_get(d, scratch_gfn) != INVALID_FRAME ||
        p2m_get(d, console_gfn) == INVALID_FRAME || p2m_get(d, store_gfn) == INVALID_FRAME ||
        console_gfn > UINT32_MAX || store_gfn > UINT32_MAX || backend >= DOMID_FIRST_RESERVED)
        return -XEN_EINVAL;
    d->gnttab[GNTTAB_RESERVED_CONSOLE] =
        (grant_entry_v1_t){GTF_permit_access, backend, (uint32_t)console_gfn};
    d->gnttab[GNTTAB_RESERVED_XENSTORE] =
        (grant_entry_v1_t){GTF_permit_access, backend, (uint32_t)store_gfn};
    return 0;
}

/* ---- foreign mappings and scratch ----------------------------------------- */

static int sim_map_foreign(void *ctx, domid_t domid, const xen_pfn_t *mfns, unsigned int n,
                           void **va)
{
    struct sim *s = ctx;
    struct dom *d;
    struct mapping *m;
    uint8_t *base;
    uint64_t *frames;
    int rc = enter_target(s, SIM_MAP_FOREIGN, domid, &d);
    if (rc)
        return rc;
    if (n == 0 || n > XENOPS_MAP_BATCH_MAX || !mfns || !va)
        return -XEN_EINVAL;
    /* FLASK: a foreign PTE needs { map_read map_write } on the owner's label. */
    if (s->cfg.flask && (!sim_label_of(d->ssidref)->map || s->self_sid == SIM_SID_DOM0_RUN))
        return sim_avc_deny(s, "map_read map_write", d->ssidref, "mmu");
    /* For a translated (HVM) domain the frames are gfns: Xen looks each up
     * in the domain's p2m (mod_l1_entry's get_page_from_gfn). */
    frames = malloc(n * sizeof(uint64_t));
    if (!frames)
        sim_die("out of memory");
    for (unsigned int i = 0; i < n; i++) {
        frames[i] = d->hvm ? p2m_get(d, mfns[i]) : mfns[i];
        if (!frame_owned_by(s, frames[i], domid) || frame_is_pt(&s->frames[frames[i]])) {
            free(frames);
            return -XEN_EINVAL; /* not the guest's, or a page table mapped writable */
        }
    }
    mfns = frames;
    base = mmap(NULL, (size_t)n * PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        sim_die("mmap");
    s->maps = xgrow(s->maps, &s->capmaps, s->nmaps + 1, sizeof(*s->maps));
    m = &s->maps[s->nmaps++];
    m->va = base;
    m->n = n;
    m->mfns = malloc(n * sizeof(uint64_t));
    if (!m->mfns)
        sim_die("out of memory");
    for (unsigned int i = 0; i < n; i++) {
        struct frame *f = &s->frames[mfns[i]];
        if (mmap(base + (size_t)i * PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_FIXED, s->fd, (off_t)(mfns[i] << PAGE_SHIFT)) == MAP_FAILED)
            sim_die("mmap frame");
        m->mfns[i] = mfns[i];
        f->type = SIM_PGT_WRITABLE;
        f->count++;
        f->foreign_maps++;
    }
    free(frames);
    *va = base;
    return 0;
}

static int sim_unmap_foreign(void *ctx, void *va, unsigned int n)
{
    struct sim *s = ctx;
    int rc = sim_enter(s, SIM_UNMAP_FOREIGN);
    if (rc)
        return rc;
    for (size_t k = 0; k < s->nmaps; k++) {
        struct mapping *m = &s->maps[k];
        if (m->va != va)
            continue;
        if (m->n != n)
            return -XEN_EINVAL;
        domid_t owner = s->frames[m->mfns[0]].owner; /* map_foreign: one domain's */
        struct dom *d;
        munmap(m->va, (size_t)n * PAGE_SIZE);
        for (unsigned int i = 0; i < n; i++) {
            struct frame *f = &s->frames[m->mfns[i]];
            f->count--;
            f->foreign_maps--;
            if (frame_zombie(s, m->mfns[i]) && f->foreign_maps == 0)
                frame_free(s, m->mfns[i]);
        }
        free(m->mfns);
        *m = s->maps[--s->nmaps];
        /* The last reference to a zombie's frames: Xen frees it now. */
        d = dom_find(s, owner);
        if (d && d->zombie && !dom_mapped(s, owner))
            dom_finish(s, d);
        return 0;
    }
    return -XEN_EINVAL;
}

static int sim_alloc_pages(void *ctx, unsigned int n, void **va)
{
    struct sim *s = ctx;
    void *p;
    int rc = sim_enter(s, SIM_ALLOC_PAGES);
    if (rc)
        return rc;
    if (n == 0 || !va)
        return -XEN_EINVAL;
    if (sim_scratch_pages(s) + n > s->cfg.scratch_pages)
        return -XEN_ENOMEM; /* the builder's own memory is finite too */
    p = aligned_alloc(PAGE_SIZE, (size_t)n * PAGE_SIZE);
    if (!p)
        return -XEN_ENOMEM;
    memset(p, 0xcd, (size_t)n * PAGE_SIZE); /* contents are undefined */
    s->scratch = xgrow(s->scratch, &s->capscratch, s->nscratch + 1, sizeof(*s->scratch));
    s->scratch[s->nscratch++] = (struct scratch){p, n};
    s->scratch_used += n;
    if (s->scratch_used > s->scratch_peak)
        s->scratch_peak = s->scratch_used;
    *va = p;
    return 0;
}

static uint64_t sim_scratch_peak_op(void *ctx, bool reset)
{
    return sim_scratch_peak(ctx, reset);
}

unsigned long sim_scratch_peak(struct sim *s, bool reset)
{
    if (reset)
        s->scratch_peak = s->scratch_used;
    return s->scratch_peak;
}

static void sim_free_pages(void *ctx, void *va, unsigned int n)
{
    struct sim *s = ctx;
    sim_enter(s, SIM_FREE_PAGES);
    for (size_t k = 0; k < s->nscratch; k++)
        if (s->scratch[k].va == va) {
            if (s->scratch[k].n != n)
                sim_die("free_pages with a different page count than alloc_pages");
            free(va);
            s->scratch_used -= n;
            s->scratch[k] = s->scratch[--s->nscratch];
            return;
        }
    sim_die("free_pages of an address alloc_pages never returned");
}

/* ---- lifecycle and inspection --------------------------------------------- */

struct sim *sim_create(const struct sim_config *cfg)
{
    struct sim *s = calloc(1, sizeof(*s));
    size_t bytes;
    if (!s)
        sim_die("out of memory");
    if (cfg->nr_frames < 1024 || (cfg->nr_frames & (cfg->nr_frames - 1)))
        sim_die("nr_frames must be a power of two >= 1024");
    s->cfg = *cfg;
    bytes = (size_t)cfg->nr_frames * PAGE_SIZE;
    s->fd = memfd_create("domb-sim", 0);
    if (s->fd < 0 || ftruncate(s->fd, (off_t)bytes) != 0)
        sim_die("memfd");
    s->mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
    if (s->mem == MAP_FAILED)
        sim_die("mmap");
    s->frames = calloc(cfg->nr_frames, sizeof(*s->frames));
    if (!s->frames)
        sim_die("out of memory");
    for (uint64_t m = 0; m < cfg->nr_frames; m++)
        s->frames[m] = (struct frame){.owner = m < SIM_RESERVED ? DOMID_XEN : DOMID_INVALID,
                                      .m2p = INVALID_FRAME};
    s->free_frames = cfg->nr_frames - SIM_RESERVED;
    if (!s->cfg.scratch_pages)
        s->cfg.scratch_pages = SIM_DEFAULT_SCRATCH_PAGES;
    /* Xen: global VIRQs go to the hardware domain (dom0) until someone
     * names another handler; a builder that is not dom0 hears nothing. */
    s->dom_exc_handler = 0;
    s->self_sid = SIM_SID_DOM0;
    s->now_ns = 1000000000ULL; /* Xen's system time is never 0 once we run */
    return s;
}

void sim_destroy(struct sim *s)
{
    for (int i = 0; i < SIM_MAX_DOMS; i++)
        if (s->doms[i])
            dom_free(s->doms[i]);
    for (size_t k = 0; k < s->nmaps; k++) {
        munmap(s->maps[k].va, (size_t)s->maps[k].n * PAGE_SIZE);
        free(s->maps[k].mfns);
    }
    for (size_t k = 0; k < s->nscratch; k++)
        free(s->scratch[k].va);
    free(s->maps);
    free(s->scratch);
    munmap(s->mem, (size_t)s->cfg.nr_frames * PAGE_SIZE);
    close(s->fd);
    free(s->frames);
    free(s);
}

/*
 * dom0 gives pages of its own back (XENMEM_decrease_reservation of frames
 * Xen gave it at boot). Xen's rules as far as the sim knows dom0's memory:
 * whole pages, at least one, none given twice (Xen: the frame is no longer
 * dom0's). The pages become poison, as dom0 has no mapping of them any
 * more; Xen's free memory (physinfo) grows by n.
 */
static long sim_give_back(void *ctx, void *va, uint64_t n)
{
    struct sim *s = ctx;
    uintptr_t start = (uintptr_t)va, end = start + n * PAGE_SIZE;

    sim_enter(s, SIM_MEMORY_OP);
    if (n == 0 || (start & (PAGE_SIZE - 1)) || end < start)
        return -XEN_EINVAL;
    for (unsigned int i = 0; i < s->nr_given; i++)
        if (start < s->given[i].end && s->given[i].start < end)
            return -XEN_EINVAL;
    if (s->nr_given == SIM_GIVEN_RANGES)
        sim_die("more than SIM_GIVEN_RANGES give_back calls");
    s->given[s->nr_given].start = start;
    s->given[s->nr_given++].end = end;
    memset(va, SIM_POISON, n * PAGE_SIZE);
    s->given_pages += n;
    return (long)n;
}

uint64_t sim_given_back(const struct sim *s)
{
    return s->given_pages;
}

static uint64_t sim_scratch_free(void *ctx)
{
    struct sim *s = ctx;
    return s->cfg.scratch_pages - sim_scratch_pages(s);
}

void sim_ops(struct sim *s, struct xenops *ops)
{
    *ops = (struct xenops){
        .ctx = s,
        .domctl = sim_domctl,
        .memory_op = sim_memory_op,
        .mmu_update = sim_mmu_update,
        .mmuext_op = sim_mmuext_op,
        .evtchn_alloc_unbound = sim_evtchn_alloc_unbound,
        .seed_grant_table = sim_seed_grant_table,
        .seed_grant_table_hvm = sim_seed_grant_table_hvm,
        .hvm_param = sim_hvm_param,
        .set_memory_map = sim_set_memory_map,
        .map_foreign = sim_map_foreign,
        .unmap_foreign = sim_unmap_foreign,
        .alloc_pages = sim_alloc_pages,
        .free_pages = sim_free_pages,
        .now_ns = s->cfg.no_clock ? NULL : sim_now_ns,
        .evtchn_bind_interdomain = sim_evtchn_bind_interdomain,
        .evtchn_bind_virq = sim_evtchn_bind_virq,
        .evtchn_close = sim_evtchn_close,
        .evtchn_notify = sim_evtchn_notify,
        .evtchn_pending = sim_evtchn_pending,
        .evtchn_poll = sim_evtchn_poll,
        .yield = sim_yield,
        .sysctl = sim_sysctl,
        .scratch_free_pages = sim_scratch_free,
        .give_back = sim_give_back,
        .scratch_peak_pages = sim_scratch_peak_op,
        .hypercalls = sim_hypercalls_op,
        .console_read = sim_console_read,
        .xen_version = sim_xen_version,
        .xsm_op = sim_xsm_op,
    };
}

uint64_t sim_free_frames(const struct sim *s)
{
    return s->free_frames;
}

uint64_t sim_frames_owned(const struct sim *s, domid_t d)
{
    uint64_t n = 0;
    for (uint64_t m = 0; m < s->cfg.nr_frames; m++)
        n += s->frames[m].owner == d;
    return n;
}

unsigned int sim_nr_domains(const struct sim *s)
{
    unsigned int n = 0;
    for (int i = 0; i < SIM_MAX_DOMS; i++)
        n += s->doms[i] != NULL;
    return n;
}

bool sim_domain_exists(const struct sim *s, domid_t d)
{
    return dom_find(s, d) != NULL;
}

unsigned long sim_scratch_pages(const struct sim *s)
{
    unsigned long n = 0;
    for (size_t k = 0; k < s->nscratch; k++)
        n += s->scratch[k].n;
    return n;
}

unsigned long sim_foreign_maps(const struct sim *s)
{
    unsigned long n = 0;
    for (size_t k = 0; k < s->nmaps; k++)
        n += s->maps[k].n;
    return n;
}

uint8_t *sim_frame(struct sim *s, uint64_t mfn)
{
    return mfn < s->cfg.nr_frames ? s->mem + (mfn << PAGE_SHIFT) : NULL;
}

domid_t sim_frame_owner(const struct sim *s, uint64_t mfn)
{
    return mfn < s->cfg.nr_frames ? s->frames[mfn].owner : DOMID_INVALID;
}

enum sim_page_type sim_frame_type(const struct sim *s, uint64_t mfn, unsigned int *count)
{
    if (mfn >= s->cfg.nr_frames)
        return SIM_PGT_NONE;
    if (count)
        *count = s->frames[mfn].count;
    return (enum sim_page_type)s->frames[mfn].type;
}

bool sim_frame_pinned(const struct sim *s, uint64_t mfn)
{
    return mfn < s->cfg.nr_frames && s->frames[mfn].pinned;
}

uint64_t sim_m2p(const struct sim *s, uint64_t mfn)
{
    return mfn < s->cfg.nr_frames ? s->frames[mfn].m2p : INVALID_FRAME;
}

uint64_t sim_p2m(const struct sim *s, domid_t id, uint64_t pfn)
{
    const struct dom *d = dom_get(s, id);
    return d ? p2m_get(d, pfn) : INVALID_FRAME;
}

int sim_vcpu_affinity(const struct sim *s, domid_t id, unsigned int v, uint64_t *hard,
                      uint64_t *soft, unsigned int *sets)
{
    const struct dom *d = dom_get(s, id);

    if (!d)
        return -XEN_ESRCH;
    if (v >= d->create_max_vcpus || v >= SIM_AFFINITY_VCPUS)
        return -XEN_EINVAL;
    *hard = d->aff_hard[v];
    *soft = d->aff_soft[v];
    *sets = d->aff_sets[v];
    return 0;
}

int sim_domain_info(const struct sim *s, domid_t id, struct sim_domain_info *out)
{
    const struct dom *d = dom_get(s, id);
    if (!d)
        return -XEN_ESRCH;
    out->paused = d->paused;
    out->vcpu_ready = d->vcpu_ready;
    out->tot_pages = d->tot_pages;
    out->max_pages = d->max_pages;
    out->shared_info_mfn = d->shared_info_mfn;
    out->hypercall_mfn = d->hypercall_mfn;
    out->address_size = d->address_size;
    out->ctxt = d->ctxt;
    memcpy(out->gnttab, d->gnttab, sizeof(out->gnttab));
    out->hvm = d->hvm;
    out->max_grant_frames = d->max_grant_frames;
    out->max_maptrack_frames = d->max_maptrack_frames;
    out->max_grant_version = d->max_grant_version;
    out->ssidref = d->ssidref;
    out->relabels = d->relabels;
    return 0;
}

int sim_hvm_info(const struct sim *s, domid_t id, struct sim_hvm_info *out)
{
    const struct dom *d = dom_get(s, id);
    if (!d || !d->hvm)
        return -XEN_ESRCH;
    memset(out, 0, sizeof(*out));
    out->emulation_flags = d->emulation_flags;
    out->pool_pages = d->pool_pages;
    out->pool_used = d->pool_used;
    out->pool_set = d->pool_set;
    out->nr_memmap = d->nr_memmap;
    if (d->nr_memmap)
        memcpy(out->memmap, d->memmap,
               (d->nr_memmap < SIM_MEMMAP_MAX ? d->nr_memmap : SIM_MEMMAP_MAX) *
                   sizeof(*d->memmap));
    memcpy(out->params, d->params, sizeof(out->params));
    for (uint32_t v = 0; v < d->create_max_vcpus; v++) {
        out->vcpus_up += d->cpu_up[v];
        out->mtrr_loaded += d->mtrr_loaded[v];
    }
    out->cpu0_up = d->cpu_up[0];
    out->cpu0 = d->cpu[0];
    return 0;
}

int sim_hvm_mtrr(const struct sim *s, domid_t id, unsigned int v, struct hvm_hw_mtrr *out)
{
    const struct dom *d = dom_get(s, id);
    if (!d || !d->hvm || v >= d->create_max_vcpus)
        return -XEN_ESRCH;
    *out = d->mtrr[v];
    return 0;
}

uint8_t *sim_gfn(struct sim *s, domid_t id, uint64_t gfn)
{
    const struct dom *d = dom_get(s, id);
    uint64_t mfn = d ? p2m_get(d, gfn) : INVALID_FRAME;
    return mfn == INVALID_FRAME ? NULL : sim_frame(s, mfn);
}

int sim_evtchn(const struct sim *s, domid_t id, uint32_t port, domid_t *remote)
{
    const struct dom *d = dom_find(s, id);
    if (!d || port >= SIM_MAX_PORTS || d->ports[port].state == PORT_FREE)
        return 0;
    if (remote)
        *remote = d->ports[port].remote;
    return d->ports[port].state == PORT_UNBOUND ? 1 : 2;
}

/* ---- the guests' side (tests play the guests) ------------------------------ */

void sim_set_world(struct sim *s, void (*world)(struct sim *s, void *arg), void *arg)
{
    s->world = world;
    s->world_arg = arg;
}

uint64_t sim_now(const struct sim *s)
{
    return s->now_ns;
}

void sim_advance(struct sim *s, uint64_t ns)
{
    s->now_ns += ns;
}

unsigned long sim_polls(const struct sim *s)
{
    return s->polls;
}

int sim_guest_notify(struct sim *s, domid_t d, uint32_t port)
{
    struct port *pt = port_of(s, d, port);
    if (!dom_get(s, d) || !pt || pt->state != PORT_INTERDOMAIN)
        return pt && pt->state == PORT_UNBOUND ? 0 : -XEN_EINVAL;
    port_signal_peer(s, pt);
    return 0;
}

bool sim_guest_pending(struct sim *s, domid_t d, uint32_t port)
{
    struct port *pt = port_of(s, d, port);
    bool was = pt && pt->pending;
    if (pt)
        pt->pending = false;
    return was;
}

int sim_guest_shutdown(struct sim *s, domid_t id, unsigned int reason)
{
    struct dom *d = dom_get(s, id);
    /* Only a running guest can ask (SCHEDOP_shutdown); the first reason
     * sticks, as in Xen's domain_shutdown. */
    if (!d || d->paused || !d->vcpu_ready)
        return -XEN_EINVAL;
    if (!d->shutdown) {
        d->shutdown = true;
        d->shutdown_reason = reason;
        virq_raise(s, VIRQ_DOM_EXC);
    }
    return 0;
}

/* Xen's __serial_rx for console_rx == dom0: keep the byte if the buffer
 * has room, and always notify (so the receive path never gets stuck). */
size_t sim_serial_input(struct sim *s, const void *buf, size_t n)
{
    const char *p = buf;
    size_t taken = 0;

    for (size_t i = 0; i < n; i++) {
        if (s->serial_prod - s->serial_cons != SIM_SERIAL_RX_SIZE) {
            s->serial_rx[s->serial_prod++ % SIM_SERIAL_RX_SIZE] = p[i];
            taken++;
        } else {
            s->serial_dropped++;
        }
        virq_raise(s, VIRQ_CONSOLE);
    }
    return taken;
}

unsigned int sim_serial_pending(const struct sim *s)
{
    return s->serial_prod - s->serial_cons;
}

unsigned long sim_serial_dropped(const struct sim *s)
{
    return s->serial_dropped;
}

unsigned int sim_self_ports(const struct sim *s)
{
    unsigned int n = 0;
    for (uint32_t p = 1; p < SIM_SELF_PORTS; p++)
        n += s->self_ports[p].state != PORT_FREE;
    return n;
}

void sim_set_virq_handler(struct sim *s, domid_t handler)
{
    s->dom_exc_handler = handler;
}

uint32_t sim_self_sid(const struct sim *s)
{
    return s->self_sid;
}

domid_t sim_virq_handler(const struct sim *s)
{
    return s->dom_exc_handler;
}

bool sim_domain_permitted(const struct sim *s, domid_t id)
{
    const struct dom *d = dom_find(s, id);
    return d && d->permitted;
}
