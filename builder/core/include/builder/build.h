/*
 * Build a PV64 domain from a parsed kernel image, through the xenops seam.
 *
 * builder_build() runs the whole sequence (docs/builder.md): create the
 * domain, populate its memory in large extents, write the kernel, ramdisk,
 * p2m list, start_info and the bootstrap page tables through batched foreign
 * mappings, initialise the hypercall page, pin the L4, set vCPU 0's context
 * and seed the grant table. The domain is left paused; builder_unpause()
 * starts it. On any failure the half-built domain is destroyed and every
 * mapping and scratch page is released before the error is returned.
 *
 * Stack use is small (well under 4 KiB); large arrays live in scratch pages
 * from ops->alloc_pages.
 */
#ifndef BUILDER_BUILD_H
#define BUILDER_BUILD_H

#include <builder/elf.h>
#include <builder/layout.h>
#include <builder/xenops.h>

struct builder_request {
    const struct elf_image *kernel; /* parsed by elf_parse() */
    const void *ramdisk;            /* may be NULL when ramdisk_size is 0 */
    uint64_t ramdisk_size;
    const char *cmdline;           /* NULL = empty; at most MAX_GUEST_CMDLINE - 1 bytes */
    uint64_t mem_kib;              /* guest memory, a multiple of 4 KiB */
    uint32_t max_vcpus;            /* 0 means 1 */
    domid_t domid;                 /* 0 = let Xen pick the first free id */
    domid_t backend_domid;         /* console/xenstore backend: the builder's domid */
    unsigned int max_extent_order; /* XENOPS_EXTENT_ORDER_DOMU (9) or more for dom0 */
    uint8_t handle[16];            /* domain handle (UUID) */
    bool channel_page;             /* reserve a zeroed db-server channel page after the
                                    * console page (docs/protocol.md) */
};

enum builder_phase {
    BUILDER_PHASE_CREATE,     /* createdomain, max_vcpus, max_mem, address size */
    BUILDER_PHASE_POPULATE,   /* populate_physmap */
    BUILDER_PHASE_LOAD,       /* domain info, event channels, writing the bootstrap */
    BUILDER_PHASE_PAGETABLES, /* writing the page tables (and the boot stack) */
    BUILDER_PHASE_START,      /* hypercall page, pin, vCPU context, grant table */
    BUILDER_PHASE_CLEANUP,    /* undoing a failed build */
    BUILDER_PHASE_COUNT,
};

/* Frames are typed (<domb/types.h>): the guest's pfns pfn_t, the machine
 * frames backing them mfn_t. */
struct builder_result {
    domid_t domid;
    uint64_t nr_pages;
    mfn_t start_info_mfn;
    mfn_t console_mfn, store_mfn;
    pfn_t channel_pfn; /* the db-server channel page, when requested, else 0 */
    mfn_t channel_mfn; /* and its machine frame, else 0 */
    evtchn_port_t console_port, store_port;
    uint64_t start_info_va, entry;
    struct layout layout;
    /* Hypercalls issued per phase, counted as Xen counts them (one batched
     * map or mmu_update = one); alloc/free of scratch pages excluded. */
    unsigned int hypercalls[BUILDER_PHASE_COUNT];
    /* Time spent per phase by ops->now_ns (all zero without a clock). The
     * request checks, layout and scratch allocation before the first phase
     * count towards create. */
    uint64_t phase_ns[BUILDER_PHASE_COUNT];
};

/* Returns 0 and fills *res, or a negative Xen errno / elf_error with *err. */
int builder_build(const struct xenops *ops, const struct builder_request *req,
                  struct builder_result *res, struct domb_error *err);

/* Let a built domain run (XEN_DOMCTL_unpausedomain). */
int builder_unpause(const struct xenops *ops, domid_t domid, struct domb_error *err);

/* Destroy a domain (XEN_DOMCTL_destroydomain). */
int builder_destroy(const struct xenops *ops, domid_t domid, struct domb_error *err);

/* Human-readable name of a phase ("populate"). */
const char *builder_phase_name(enum builder_phase phase);

#endif
