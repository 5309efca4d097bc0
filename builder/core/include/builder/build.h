/*
 * Build a PV64 or PVH domain from a parsed kernel image, through the xenops
 * seam.
 *
 * builder_build() runs the whole sequence (docs/builder.md): create the
 * domain, populate its memory in large extents, write the kernel, ramdisk,
 * p2m list, start_info and the bootstrap page tables through batched foreign
 * mappings, initialise the hypercall page, pin the L4, set vCPU 0's context
 * and seed the grant table. The domain is left paused; builder_unpause()
 * starts it. On any failure the half-built domain is destroyed and every
 * mapping and scratch page is released before the error is returned.
 *
 * A PVH guest (request.guest_type = BUILDER_GUEST_PVH; build_pvh.c) is an
 * HVM container entered in 32-bit protected mode at the ELF's
 * XEN_ELFNOTE_PHYS32_ENTRY: the builder sets its memory map, populates its
 * guest-physical memory, writes the kernel at its physical addresses, the
 * ramdisk, hvm_start_info, the command-line page, ACPI tables and the HVM
 * special pages (console and xenstore rings, ...), sets the HVM params and
 * loads vCPU 0 with XEN_DOMCTL_sethvmcontext (docs/builder.md, "PVH guests").
 *
 * Stack use is small (well under 4 KiB); large arrays live in scratch pages
 * from ops->alloc_pages.
 */
#ifndef BUILDER_BUILD_H
#define BUILDER_BUILD_H

#include <builder/elf.h>
#include <builder/layout.h>
#include <builder/xenops.h>

/*
 * A kernel that is not in memory as a whole: a bzImage's ELF, decompressed
 * straight into the guest (issue 15; docs/builder.md, "Streamed kernels").
 * The builder places its segments from the first bytes (prefix: they must
 * hold the ELF header and program headers), creates and populates the
 * domain, then asks the producer for the whole ELF: every byte goes
 * through the sink to where it belongs in the guest (file bytes outside the
 * segments that are not zero are kept by the builder, at most
 * BUILDER_STREAM_GAP_MAX), and the producer may read back what it wrote
 * (an XZ dictionary reaching past its window). Then the builder parses the
 * ELF as elf_parse() does, from what it holds, and goes on as for a kernel
 * in memory. The guest's memory ends up byte for byte the same.
 */
struct builder_sink {
    void *ctx;
    /* ELF bytes [pos, pos + len): in increasing order the first time; a
     * range may be written again (a filter's final bytes). 0 or a negative
     * error (the builder's message in the err produce() was given). */
    int (*write)(void *ctx, uint64_t pos, const void *buf, size_t len);
    /* ELF bytes [pos, pos + len) as last written. */
    int (*read)(void *ctx, uint64_t pos, void *buf, size_t len);
};

struct builder_kernel_stream {
    const uint8_t *prefix; /* the ELF's first prefix_len bytes, as the producer will write them */
    size_t prefix_len;
    uint64_t size; /* the ELF's size if known in advance (0: not), checked at the end */
    void *ctx;
    /* Write the whole ELF to sink from its first byte; *size = its length.
     * Called once, or twice when the notes place the segments elsewhere
     * than elf_parse_layout() expected. 0 or a negative error with *err. */
    int (*produce)(void *ctx, const struct builder_sink *sink, uint64_t *size,
                   struct domb_error *err);
};

/* File bytes outside a streamed kernel's segments that are not zero, kept
 * by the builder (Linux's: its ELF header page; more is -E2BIG). */
#define BUILDER_STREAM_GAP_MAX (1u << 20)

/* builder_request.guest_type */
enum builder_guest_type {
    BUILDER_GUEST_PV64 = 0, /* the default: a 64-bit PV guest */
    BUILDER_GUEST_PVH = 1,  /* an HVM container booted through PHYS32_ENTRY */
};

struct builder_request {
    const struct elf_image *kernel; /* parsed by elf_parse(); or NULL and kernel_stream */
    const struct builder_kernel_stream *kernel_stream;
    const void *ramdisk; /* may be NULL when ramdisk_size is 0 */
    uint64_t ramdisk_size;
    const char *cmdline;           /* NULL = empty; at most MAX_GUEST_CMDLINE - 1 bytes */
    uint64_t mem_kib;              /* guest memory, a multiple of 4 KiB */
    uint32_t max_vcpus;            /* 0 means 1; PVH: at most 128 (HVM_MAX_VCPUS) */
    domid_t domid;                 /* 0 = let Xen pick the first free id */
    domid_t backend_domid;         /* console/xenstore backend: the builder's domid */
    unsigned int max_extent_order; /* XENOPS_EXTENT_ORDER_DOMU (9) or more for dom0 */
    uint8_t handle[16];            /* domain handle (UUID) */
    bool channel_page;             /* reserve a zeroed db-server channel page after the
                                    * console page (docs/protocol.md); PVH: the page
                                    * below the special pages, reserved in the memory map */
    unsigned int guest_type;       /* enum builder_guest_type; 0 = PV64 */
    /* Grant-table limits at createdomain. 0 means xl's default (Xen 4.17's
     * libxl): -1 frames (Xen's own: gnttab_max_frames = 64,
     * gnttab_max_maptrack_frames = 1024) and grant version 2 (what libxl
     * picks when physinfo reports XEN_SYSCTL_PHYSCAP_gnttab_v2, as Xen 4.17
     * does by default). -1 also asks for Xen's own frame limits; a positive
     * value is passed through (Xen refuses more than its limits). */
    int32_t max_grant_frames;
    int32_t max_maptrack_frames;
    unsigned int max_grant_version; /* 0 = 2 (xl's default); 1 or 2 */
    /* vCPUs online at start (xl's vcpus under maxvcpus); 0 means all of
     * max_vcpus. PVH: the others are not enabled in the MADT; PV: the
     * guest brings up its vCPUs itself (xenstore cpu/N/availability). */
    uint32_t online_vcpus;
    /* Every vCPU's hard and soft affinity (xl's cpus, cpus_soft; Xen's
     * XEN_DOMCTL_setvcpuaffinity after createdomain), cpumap_bytes bytes,
     * bit c = physical CPU c; NULL: Xen's default (any CPU). */
    const uint8_t *cpumap_hard;
    const uint8_t *cpumap_soft;
    uint32_t cpumap_bytes; /* at most BUILDER_CPUMAP_MAX */
    /* createdomain's ssidref: the XSM/FLASK SID the domain is built with
     * (xenops_flask_context_to_sid); 0 means XENOPS_SSIDREF_DOMU, libxl's
     * default. Xen without XSM ignores it. */
    uint32_t ssidref;
};
#define BUILDER_CPUMAP_MAX 64 /* bytes of a cpumap: 512 CPUs */

/* Where a PVH build put things, in guest frames (gfn = pfn for PVH). */
struct builder_pvh_layout {
    uint64_t lowmem_pages;  /* RAM [0, lowmem_pages) */
    uint64_t highmem_pages; /* RAM [4 GiB, 4 GiB + highmem_pages * 4K) */
    pfn_t kernel;           /* first frame of the kernel (phys_start >> 12) */
    uint64_t kernel_pages;
    pfn_t ramdisk; /* the ramdisk (module 0), when there is one */
    uint64_t ramdisk_pages;
    pfn_t start_info; /* hvm_start_info, its module list and memory map */
    pfn_t cmdline;    /* the command-line page */
    pfn_t acpi;       /* ACPI tables (RSDP first) */
    uint64_t acpi_pages;
    pfn_t special;  /* the X86_HVM_NR_SPECIAL_PAGES special pages */
    pfn_t console;  /* special page: console ring */
    pfn_t xenstore; /* special page: xenstore ring */
    uint64_t rsdp;  /* guest-physical address of the RSDP */
    uint32_t memmap_entries;
};

enum builder_phase {
    BUILDER_PHASE_CREATE,     /* createdomain, max_vcpus, max_mem, address size
                               * (PVH: paging pool, memory map) */
    BUILDER_PHASE_POPULATE,   /* populate_physmap */
    BUILDER_PHASE_LOAD,       /* domain info, event channels, writing the bootstrap
                               * (PVH: kernel, ramdisk, start info, ACPI, special pages) */
    BUILDER_PHASE_PAGETABLES, /* writing the page tables (and the boot stack); PVH: none */
    BUILDER_PHASE_START,      /* hypercall page, pin, vCPU context, grant table
                               * (PVH: HVM params, HVM context, grant table) */
    BUILDER_PHASE_CLEANUP,    /* undoing a failed build */
    BUILDER_PHASE_COUNT,
};

/* Frames are typed (<domb/types.h>): the guest's pfns pfn_t, the machine
 * frames backing them mfn_t.
 *
 * The *_mfn fields hold what xenops.map_foreign takes for this guest: for
 * PV64 the machine frame; for PVH (a translated guest, whose foreign
 * mappings name guest frames) the gfn, which is then also the pfn. So the
 * dom0 layer maps start_info_mfn, console_mfn, store_mfn, channel_mfn and
 * cmdline_frame the same way for either type. */
struct builder_result {
    domid_t domid;
    unsigned int guest_type; /* enum builder_guest_type, as requested */
    uint64_t nr_pages;       /* RAM pages (PVH: without special/ACPI pages) */
    mfn_t start_info_mfn;    /* PV: start_info; PVH: the hvm_start_info page */
    mfn_t console_mfn, store_mfn;
    pfn_t channel_pfn; /* the db-server channel page, when requested, else 0 */
    mfn_t channel_mfn; /* and its machine frame (PVH: gfn), else 0 */
    evtchn_port_t console_port, store_port;
    /* PV: start_info's virtual address (rsi). PVH: hvm_start_info's
     * guest-physical address (rbx). */
    uint64_t start_info_va;
    uint64_t entry; /* PV: ENTRY (virtual); PVH: PHYS32_ENTRY (physical) */
    /* Where the guest's NUL-terminated command line lives, so the dom0 layer
     * can append to it (e.g. "domb.server=..."): map cmdline_frame
     * (map_foreign's kind of frame, as above) and write at cmdline_offset,
     * keeping the string with its NUL within cmdline_capacity bytes.
     * PV: start_info.cmd_line (frame = start_info_mfn, offset
     * offsetof(start_info_t, cmd_line), capacity MAX_GUEST_CMDLINE). PVH:
     * the command-line page that hvm_start_info.cmdline_paddr points to
     * (offset 0, capacity PAGE_SIZE). */
    mfn_t cmdline_frame;
    uint32_t cmdline_offset;
    uint32_t cmdline_capacity;
    /* PV64 only (zero for PVH): the planned bootstrap layout. */
    struct layout layout;
    /* PVH only (zero for PV64): where things are in guest-physical memory. */
    struct builder_pvh_layout pvh;
    /* Hypercalls issued per phase, counted as Xen counts them (one batched
     * map or mmu_update = one); alloc/free of scratch pages excluded. */
    unsigned int hypercalls[BUILDER_PHASE_COUNT];
    /* Time spent per phase by ops->now_ns (all zero without a clock). The
     * request checks, layout and scratch allocation before the first phase
     * count towards create. */
    uint64_t phase_ns[BUILDER_PHASE_COUNT];
    /* A streamed kernel: the ELF's size, how often it was produced (1, or
     * 2 when the notes moved it), the reads back and the mappings made. */
    uint64_t stream_size;
    unsigned int stream_passes;
    uint64_t stream_reads, stream_maps;
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
