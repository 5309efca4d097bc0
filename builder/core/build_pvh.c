/*
 * PVH domain construction: an HVM container entered through the kernel's
 * XEN_ELFNOTE_PHYS32_ENTRY (see builder/build.h, builder/pvh.h and
 * docs/builder.md, "PVH guests").
 *
 * Xen's toolstack for reference: libxl (libxl_create.c, libxl_x86.c,
 * libxl_dom.c, libxl_x86_acpi.c) and libxenguest (xg_dom_x86.c:
 * meminit_hvm, alloc_magic_pages_hvm, bootlate_hvm, vcpu_hvm). The guest is
 * translated: every frame the builder names is a gfn (= pfn), populate
 * writes nothing back, and foreign mappings name gfns.
 */
#include "build_internal.h"

#include <builder/acpi.h>
#include <builder/pvh.h>
#include <domb/errno.h>
#include <xen/arch-x86/hvm/start_info.h>

#define E820_RAM      XEN_HVM_MEMMAP_TYPE_RAM
#define E820_RESERVED XEN_HVM_MEMMAP_TYPE_RESERVED
#define E820_ACPI     XEN_HVM_MEMMAP_TYPE_ACPI
#define MEMMAP_MAX    4u /* low RAM, ACPI, reserved (special pages), high RAM */

/* xg_dom_x86.c */
#define X86_CR0_PE           0x01u
#define X86_CR0_ET           0x10u
#define X86_DR6_DEFAULT      0xffff0ff0u
#define X86_DR7_DEFAULT      0x00000400u
#define X86_EFLAGS_MBS       0x2u /* bit 1 always reads as 1 */
#define MTRR_TYPE_WRBACK     6u
#define MTRR_DEF_TYPE_ENABLE (1u << 11)
/* Segment attributes for the PVH entry state (docs/misc/pvh.pandoc): a flat
 * 32-bit code segment (G, D, P, S, execute/read, accessed), flat 32-bit
 * data (G, D, P, S, read/write, accessed) and a busy 32-bit TSS. */
#define SEG_CODE32 0xc9bu
#define SEG_DATA32 0xc93u
#define SEG_TSS32  0x8bu

/* libxl__get_required_paging_memory(): 256 pages per vCPU plus one page per
 * MiB of RAM for the p2m (HAP: no shadow term). */
#define PAGING_PAGES_PER_VCPU 256u

/* libxenguest's identity-map page table (HVM_PARAM_IDENT_PT) entries:
 * present, rw, user, accessed, dirty, 4 MiB page. */
#define IDENT_PT_FLAGS 0xe7u

/* Descriptor + record sizes in an HVM context blob. */
#define DESC_SIZE   sizeof(struct hvm_save_descriptor)
#define HEADER_SIZE HVM_SAVE_LENGTH(HEADER)
#define CPU_SIZE    HVM_SAVE_LENGTH(CPU)
#define MTRR_SIZE   HVM_SAVE_LENGTH(MTRR)

/* Where the start-info page holds what (offsets in that page). */
#define SI_MODLIST_OFF 64u
#define SI_MEMMAP_OFF  128u

/* One run of consecutive gfns the builder writes. */
struct gfn_run {
    uint64_t gfn, n;
};

struct pvh {
    struct build *b;
    struct builder_pvh_layout *lay;
    unsigned int vcpus;
    uint64_t ram_pages;   /* mem_kib / 4 */
    uint64_t extra_pages; /* special + ACPI + channel pages */
    uint64_t n_big_low, n_big_high, n_single;
    uint64_t channel_gfn;  /* 0: none */
    uint64_t reserved_gfn; /* first gfn of the reserved region (channel or special) */
    uint32_t acpi_size;
    uint8_t *acpi_buf; /* scratch: the ACPI tables before they are copied */
    uint8_t *ctx_out;  /* scratch: the blob for sethvmcontext */
    uint32_t ctx_out_size;
    struct acpi_tables acpi;
    struct xenops_e820 memmap[MEMMAP_MAX];
    unsigned int nr_memmap;
    struct gfn_run runs[3];
    unsigned int nr_runs;
};

/* ---- the plan (pure) ------------------------------------------------------ */

static void add_memmap(struct pvh *p, uint64_t addr, uint64_t size, uint32_t type)
{
    if (size)
        p->memmap[p->nr_memmap++] = (struct xenops_e820){addr, size, type};
}

static int plan(struct pvh *p)
{
    struct build *b = p->b;
    const struct builder_request *req = b->req;
    const struct elf_image *img = b->img;
    struct builder_pvh_layout *lay = p->lay;
    uint64_t cursor, low_bytes;
    int rc;

    p->nr_memmap = 0;
    p->vcpus = req->max_vcpus ? req->max_vcpus : 1;
    p->ram_pages = req->mem_kib / 4;
    /* RAM below the hole, the rest above 4 GiB (libxl__build_hvm with
     * mmio_size = 4 GiB - min(special pages, LAPIC, ACPI_INFO)). */
    low_bytes = p->ram_pages << PAGE_SHIFT;
    if (low_bytes > PVH_HOLE_START)
        low_bytes = PVH_HOLE_START;
    lay->lowmem_pages = low_bytes >> PAGE_SHIFT;
    lay->highmem_pages = p->ram_pages - lay->lowmem_pages;

    /* A streamed kernel's notes come with it: until then, only where its
     * segments lie can be checked (build_stream.c). */
    rc = b->img_spec ? elf_check_pvh_placement(img, low_bytes, PVH_HOLE_START, b->err)
                     : elf_check_pvh(img, low_bytes, PVH_HOLE_START, b->err);
    if (rc)
        return rc;

    /* Kernel at its physical addresses, then ramdisk, start info, cmdline. */
    lay->kernel = _pfn(img->phys_start >> PAGE_SHIFT);
    lay->kernel_pages = (img->phys_end - img->phys_start) >> PAGE_SHIFT;
    cursor = img->phys_end >> PAGE_SHIFT;
    lay->ramdisk = _pfn(req->ramdisk_size ? cursor : 0);
    lay->ramdisk_pages = build_div_round_up(req->ramdisk_size, PAGE_SIZE);
    cursor += lay->ramdisk_pages;
    lay->start_info = _pfn(cursor++);
    lay->cmdline = _pfn(cursor++);
    if (cursor > lay->lowmem_pages)
        return domb_error_set(b->err, -XEN_ENOMEM,
                              "the guest's %llu pages of RAM below 4 GiB cannot hold the kernel, "
                              "ramdisk, start info and command line (%llu pages)",
                              (unsigned long long)lay->lowmem_pages, (unsigned long long)cursor);

    /* ACPI tables, the special pages (and the channel page below them). */
    p->acpi_size = acpi_tables_size(p->vcpus);
    lay->acpi = _pfn(PVH_ACPI_BASE >> PAGE_SHIFT);
    lay->acpi_pages = build_div_round_up(p->acpi_size, PAGE_SIZE);
    lay->special = _pfn(PVH_SPECIAL_GFN);
    lay->console = _pfn(PVH_SPECIAL_GFN + PVH_SPECIALPAGE_CONSOLE);
    lay->xenstore = _pfn(PVH_SPECIAL_GFN + PVH_SPECIALPAGE_XENSTORE);
    p->channel_gfn = req->channel_page ? PVH_SPECIAL_GFN - 1 : 0;
    p->reserved_gfn = req->channel_page ? p->channel_gfn : PVH_SPECIAL_GFN;
    p->extra_pages = PVH_NR_SPECIAL_PAGES + lay->acpi_pages + (req->channel_page ? 1 : 0);

    /* The memory map, in address order (libxl's domain_construct_memmap has
     * the same entries). */
    add_memmap(p, 0, low_bytes, E820_RAM);
    add_memmap(p, PVH_ACPI_BASE, lay->acpi_pages << PAGE_SHIFT, E820_ACPI);
    add_memmap(p, p->reserved_gfn << PAGE_SHIFT,
               (PVH_END_SPECIAL_REGION - p->reserved_gfn) << PAGE_SHIFT, E820_RESERVED);
    add_memmap(p, PVH_4G, lay->highmem_pages << PAGE_SHIFT, E820_RAM);
    lay->memmap_entries = p->nr_memmap;

    /* What is written, in order: kernel .. cmdline, ACPI, reserved pages. */
    p->runs[0] = (struct gfn_run){pfn_x(lay->kernel), cursor - pfn_x(lay->kernel)};
    p->runs[1] = (struct gfn_run){pfn_x(lay->acpi), lay->acpi_pages};
    p->runs[2] = (struct gfn_run){p->reserved_gfn, PVH_END_SPECIAL_REGION - p->reserved_gfn};
    p->nr_runs = 3;

    /* populate: RAM in the largest extents allowed, all else in 4 KiB ones. */
    b->order = req->max_extent_order;
    p->n_big_low = b->order ? lay->lowmem_pages >> b->order : 0;
    p->n_big_high = b->order ? lay->highmem_pages >> b->order : 0;
    p->n_single = (lay->lowmem_pages - (p->n_big_low << b->order)) +
                  (lay->highmem_pages - (p->n_big_high << b->order)) + p->extra_pages;
    return 0;
}

static int alloc_scratch(struct pvh *p)
{
    struct build *b = p->b;
    uint64_t n_ext = p->n_big_low + p->n_big_high + p->n_single;
    uint64_t ext_pages = build_div_round_up(n_ext * sizeof(xen_pfn_t), PAGE_SIZE);
    uint64_t batch_pages = build_div_round_up(XENOPS_MAP_BATCH_MAX * sizeof(xen_pfn_t), PAGE_SIZE);
    uint64_t acpi_pages = p->lay->acpi_pages, ctx_pages, total;
    uint8_t *s;
    int rc;

    p->ctx_out_size = (uint32_t)(DESC_SIZE + HEADER_SIZE + p->vcpus * (DESC_SIZE + MTRR_SIZE) +
                                 DESC_SIZE + CPU_SIZE + DESC_SIZE);
    ctx_pages = build_div_round_up(p->ctx_out_size, PAGE_SIZE);
    total = ext_pages + batch_pages + acpi_pages + ctx_pages;
    if (total > UINT32_MAX)
        return domb_error_set(b->err, -XEN_ENOMEM, "scratch for %llu pages is too large",
                              (unsigned long long)p->ram_pages);
    rc = b->ops->alloc_pages(b->ops->ctx, (unsigned int)total, &b->scratch);
    if (rc)
        return domb_error_set(b->err, rc, "cannot allocate %llu scratch pages: error %d",
                              (unsigned long long)total, rc);
    b->scratch_pages = (unsigned int)total;
    s = b->scratch;
    b->ext = (xen_pfn_t *)s;
    b->batch = (xen_pfn_t *)(s + ext_pages * PAGE_SIZE);
    p->acpi_buf = s + (ext_pages + batch_pages) * PAGE_SIZE;
    p->ctx_out = s + (ext_pages + batch_pages + acpi_pages) * PAGE_SIZE;
    return 0;
}

/* ---- create: domain, paging pool, memory map ------------------------------ */

static int create(struct pvh *p)
{
    struct build *b = p->b;
    struct xen_domctl op;
    struct xen_foreign_memory_map map;
    uint64_t pool_pages = PAGING_PAGES_PER_VCPU * (uint64_t)p->vcpus + b->req->mem_kib / 1024;
    int rc;

    rc = build_create_domain(b, XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap, XEN_X86_EMU_LAPIC,
                             b->req->mem_kib + p->extra_pages * 4);
    if (rc)
        return rc;
    memset(&op, 0, sizeof(op));
    op.u.paging_mempool.size = pool_pages << PAGE_SHIFT;
    if ((rc = build_domctl(b, XEN_DOMCTL_set_paging_mempool_size, &op)))
        return build_fail(b, rc, "set_paging_mempool_size");

    memset(&map, 0, sizeof(map));
    map.domid = b->domid;
    map.map.nr_entries = p->nr_memmap;
    set_xen_guest_handle(map.map.buffer, p->memmap);
    build_count(b);
    if ((rc = b->ops->set_memory_map(b->ops->ctx, &map)))
        return build_fail(b, rc, "set_memory_map");
    return 0;
}

/* ---- populate ------------------------------------------------------------- */

static int populate(struct pvh *p)
{
    struct build *b = p->b;
    const struct builder_pvh_layout *lay = p->lay;
    uint64_t n = 0, high = PVH_4G >> PAGE_SHIFT;
    xen_pfn_t *single;
    int rc;

    for (uint64_t i = 0; i < p->n_big_low; i++)
        b->ext[n++] = i << b->order;
    for (uint64_t i = 0; i < p->n_big_high; i++)
        b->ext[n++] = high + (i << b->order);
    single = b->ext + n;
    for (uint64_t g = p->n_big_low << b->order; g < lay->lowmem_pages; g++)
        b->ext[n++] = g;
    for (uint64_t g = p->n_big_high << b->order; g < lay->highmem_pages; g++)
        b->ext[n++] = high + g;
    for (uint64_t i = 0; i < lay->acpi_pages; i++)
        b->ext[n++] = pfn_x(lay->acpi) + i;
    for (uint64_t g = p->reserved_gfn; g < PVH_END_SPECIAL_REGION; g++)
        b->ext[n++] = g;
    /* gfns go in; for a translated guest Xen writes nothing back */
    rc = build_populate_call(b, b->ext, p->n_big_low + p->n_big_high, b->order);
    if (rc)
        return rc;
    return build_populate_call(b, single, p->n_single, 0);
}

/* ---- page contents -------------------------------------------------------- */

static void write_start_info(struct pvh *p, uint8_t *page)
{
    const struct builder_pvh_layout *lay = p->lay;
    const struct builder_request *req = p->b->req;
    uint64_t base = pfn_x(lay->start_info) << PAGE_SHIFT;
    struct hvm_start_info *si = (struct hvm_start_info *)page;
    struct hvm_memmap_table_entry *mm = (struct hvm_memmap_table_entry *)(page + SI_MEMMAP_OFF);

    si->magic = XEN_HVM_START_MAGIC_VALUE;
    si->version = 1;
    si->cmdline_paddr = pfn_x(lay->cmdline) << PAGE_SHIFT;
    si->rsdp_paddr = p->acpi.rsdp;
    if (req->ramdisk_size) {
        struct hvm_modlist_entry *mod = (struct hvm_modlist_entry *)(page + SI_MODLIST_OFF);

        mod->paddr = pfn_x(lay->ramdisk) << PAGE_SHIFT;
        mod->size = req->ramdisk_size;
        si->nr_modules = 1;
        si->modlist_paddr = base + SI_MODLIST_OFF;
    }
    for (unsigned int i = 0; i < p->nr_memmap; i++)
        mm[i] = (struct hvm_memmap_table_entry){
            .addr = p->memmap[i].addr, .size = p->memmap[i].size, .type = p->memmap[i].type};
    si->memmap_paddr = base + SI_MEMMAP_OFF;
    si->memmap_entries = p->nr_memmap;
}

/* libxenguest's 32-bit non-PAE identity map of 4 MiB pages, for HAP on
 * Intel CPUs without unrestricted guest (HVM_PARAM_IDENT_PT). */
static void write_ident_pt(uint8_t *page)
{
    uint32_t *pd = (uint32_t *)page;

    for (unsigned int i = 0; i < PAGE_SIZE / sizeof(*pd); i++)
        pd[i] = (i << 22) | IDENT_PT_FLAGS;
}

static int fill_page(struct pvh *p, uint64_t gfn, uint8_t *dst)
{
    const struct builder_pvh_layout *lay = p->lay;
    const struct builder_request *req = p->b->req;

    if (gfn >= pfn_x(lay->kernel) && gfn - pfn_x(lay->kernel) < lay->kernel_pages)
        return build_kernel_page(p->b, gfn << PAGE_SHIFT, dst);
    memset(dst, 0, PAGE_SIZE);
    if (req->ramdisk_size && gfn >= pfn_x(lay->ramdisk) &&
        gfn - pfn_x(lay->ramdisk) < lay->ramdisk_pages) {
        uint64_t off = (gfn - pfn_x(lay->ramdisk)) << PAGE_SHIFT, left = req->ramdisk_size - off;
        memcpy(dst, (const uint8_t *)req->ramdisk + off, left < PAGE_SIZE ? left : PAGE_SIZE);
    } else if (gfn == pfn_x(lay->start_info)) {
        write_start_info(p, dst);
    } else if (gfn == pfn_x(lay->cmdline)) {
        if (req->cmdline)
            memcpy(dst, req->cmdline, strlen(req->cmdline));
    } else if (gfn >= pfn_x(lay->acpi) && gfn - pfn_x(lay->acpi) < lay->acpi_pages) {
        uint64_t off = (gfn - pfn_x(lay->acpi)) << PAGE_SHIFT, left = p->acpi.size - off;
        memcpy(dst, p->acpi_buf + off, left < PAGE_SIZE ? left : PAGE_SIZE);
    } else if (gfn == PVH_SPECIAL_GFN + PVH_SPECIALPAGE_IDENT_PT) {
        write_ident_pt(dst);
    }
    /* the other special pages (rings) and the channel page stay zero */
    return 0;
}

/* Write every run through windows of up to XENOPS_MAP_BATCH_MAX gfns (one
 * map and one unmap each); a window may span runs. */
static int load(struct pvh *p)
{
    struct build *b = p->b;
    unsigned int run = 0;
    uint64_t at = 0; /* next frame within runs[run] */
    int rc;

    while (run < p->nr_runs) {
        unsigned int n = 0;
        void *va;

        while (n < XENOPS_MAP_BATCH_MAX && run < p->nr_runs) {
            if (at == p->runs[run].n) {
                run++;
                at = 0;
                continue;
            }
            b->batch[n++] = p->runs[run].gfn + at++;
        }
        if (n == 0)
            break;
        build_count(b);
        rc = b->ops->map_foreign(b->ops->ctx, b->domid, b->batch, n, &va);
        if (rc)
            return domb_error_set(b->err, rc,
                                  "mapping %u frames of domain %u at gfn 0x%llx failed: error %d",
                                  n, b->domid, (unsigned long long)b->batch[0], rc);
        b->mapped = va;
        b->mapped_n = n;
        for (unsigned int i = 0; i < n; i++) {
            rc = fill_page(p, b->batch[i], (uint8_t *)va + (uint64_t)i * PAGE_SIZE);
            if (rc)
                return domb_error_set(b->err, rc, "copying the kernel at gfn 0x%llx failed",
                                      (unsigned long long)b->batch[i]);
        }
        rc = build_unmap_window(b);
        if (rc)
            return build_fail(b, rc, "unmapping guest frames");
    }
    return 0;
}

/* ---- start: HVM params, vCPU 0, grant table ------------------------------- */

static int set_params(struct pvh *p)
{
    struct build *b = p->b;
    const struct builder_pvh_layout *lay = p->lay;
    const uint64_t sp = PVH_SPECIAL_GFN;
    /* What alloc_magic_pages_hvm and bootlate_hvm set, and libxl's
     * hvm_set_conf_params for PVH (timer mode; altp2m stays 0). */
    const struct {
        uint32_t index;
        uint64_t value;
    } set[] = {
        {HVM_PARAM_STORE_PFN, pfn_x(lay->xenstore)},
        {HVM_PARAM_BUFIOREQ_PFN, sp + PVH_SPECIALPAGE_BUFIOREQ},
        {HVM_PARAM_IOREQ_PFN, sp + PVH_SPECIALPAGE_IOREQ},
        {HVM_PARAM_CONSOLE_PFN, pfn_x(lay->console)},
        {HVM_PARAM_PAGING_RING_PFN, sp + PVH_SPECIALPAGE_PAGING},
        {HVM_PARAM_MONITOR_RING_PFN, sp + PVH_SPECIALPAGE_ACCESS},
        {HVM_PARAM_SHARING_RING_PFN, sp + PVH_SPECIALPAGE_SHARING},
        {HVM_PARAM_IDENT_PT, (sp + PVH_SPECIALPAGE_IDENT_PT) << PAGE_SHIFT},
        {HVM_PARAM_CONSOLE_EVTCHN, b->res->console_port},
        {HVM_PARAM_STORE_EVTCHN, b->res->store_port},
        {HVM_PARAM_TIMER_MODE, HVMPTM_no_delay_for_missed_ticks},
    };
    xen_hvm_param_t params[ARRAY_SIZE(set)];
    unsigned int done = 0;
    int rc;

    _Static_assert(ARRAY_SIZE(set) <= XENOPS_HVM_PARAM_BATCH_MAX, "one hvm_param batch");
    for (unsigned int i = 0; i < ARRAY_SIZE(set); i++)
        params[i] =
            (xen_hvm_param_t){.domid = b->domid, .index = set[i].index, .value = set[i].value};
    build_count(b);
    rc = b->ops->hvm_param(b->ops->ctx, HVMOP_set_param, params, ARRAY_SIZE(set), &done);
    if (rc)
        return domb_error_set(b->err, rc, "setting HVM param %u of domain %u failed: error %d",
                              done < ARRAY_SIZE(set) ? set[done].index : 0, b->domid, rc);
    return 0;
}

/* The record of `type` and `instance` in an HVM context blob, or NULL; every
 * descriptor is bounds-checked. */
static const uint8_t *find_record(const uint8_t *blob, uint32_t size, uint16_t type,
                                  uint16_t instance, uint32_t length)
{
    uint32_t off = 0;

    while (size - off >= DESC_SIZE) {
        const struct hvm_save_descriptor *d = (const struct hvm_save_descriptor *)(blob + off);

        if (d->length > size - off - DESC_SIZE)
            return NULL;
        if (d->typecode == type && d->instance == instance)
            return d->length == length ? blob + off + DESC_SIZE : NULL;
        if (d->typecode == HVM_SAVE_CODE(END))
            return NULL;
        off += DESC_SIZE + d->length;
    }
    return NULL;
}

static uint8_t *put_record(uint8_t *q, uint16_t type, uint16_t instance, const void *rec,
                           uint32_t length)
{
    struct hvm_save_descriptor d = {.typecode = type, .instance = instance, .length = length};

    memcpy(q, &d, DESC_SIZE);
    if (length)
        memcpy(q + DESC_SIZE, rec, length);
    return q + DESC_SIZE + length;
}

static void fill_cpu(struct pvh *p, struct hvm_hw_cpu *c)
{
    memset(c, 0, sizeof(*c));
    c->cs_limit = c->ds_limit = c->es_limit = c->ss_limit = ~0u;
    c->tr_limit = 0x67;
    c->cs_arbytes = SEG_CODE32;
    c->ds_arbytes = c->es_arbytes = c->ss_arbytes = SEG_DATA32;
    c->tr_arbytes = SEG_TSS32;
    c->cr0 = X86_CR0_PE | X86_CR0_ET;
    c->rip = p->b->img->notes.phys32_entry;
    c->rbx = pfn_x(p->lay->start_info) << PAGE_SHIFT;
    c->rflags = X86_EFLAGS_MBS;
    c->dr6 = X86_DR6_DEFAULT;
    c->dr7 = X86_DR7_DEFAULT;
}

/*
 * vCPU 0 as libxenguest's vcpu_hvm does, in one sethvmcontext: Xen's own
 * HEADER (from gethvmcontext: its cpuid and TSC frequency cannot be made
 * up), an MTRR record per vCPU (Xen's with the default type write-back and
 * MTRRs enabled), the CPU record of vCPU 0 in the PVH entry state, END.
 * The other vCPUs stay down until the guest starts them (VCPUOP_initialise).
 */
static int set_context(struct pvh *p)
{
    struct build *b = p->b;
    struct xen_domctl op;
    const uint8_t *blob, *hdr, *mtrr_rec;
    struct hvm_hw_mtrr mtrr;
    struct hvm_hw_cpu cpu;
    uint32_t size;
    uint8_t *q;
    int rc;

    memset(&op, 0, sizeof(op));
    if ((rc = build_domctl(b, XEN_DOMCTL_gethvmcontext, &op)))
        return build_fail(b, rc, "gethvmcontext (size)");
    size = op.u.hvmcontext.size;
    if (size < DESC_SIZE + HEADER_SIZE || size > (64u << 20))
        return domb_error_set(b->err, -XEN_EINVAL,
                              "gethvmcontext for domain %u: implausible size %u", b->domid,
                              (unsigned)size);
    b->scratch2_pages = (unsigned int)build_div_round_up(size, PAGE_SIZE);
    rc = b->ops->alloc_pages(b->ops->ctx, b->scratch2_pages, &b->scratch2);
    if (rc) {
        b->scratch2 = NULL;
        return domb_error_set(b->err, rc, "cannot allocate %u pages for the HVM context: error %d",
                              b->scratch2_pages, rc);
    }
    memset(&op, 0, sizeof(op));
    op.u.hvmcontext.size = b->scratch2_pages * (uint32_t)PAGE_SIZE;
    set_xen_guest_handle(op.u.hvmcontext.buffer, (uint8_t *)b->scratch2);
    if ((rc = build_domctl(b, XEN_DOMCTL_gethvmcontext, &op)))
        return build_fail(b, rc, "gethvmcontext");
    blob = b->scratch2;
    size = op.u.hvmcontext.size;
    if (size > b->scratch2_pages * PAGE_SIZE)
        size = b->scratch2_pages * (uint32_t)PAGE_SIZE;
    hdr = find_record(blob, size, HVM_SAVE_CODE(HEADER), 0, HEADER_SIZE);
    if (hdr != blob + DESC_SIZE)
        return domb_error_set(b->err, -XEN_EINVAL,
                              "gethvmcontext for domain %u: the first record is not a %u-byte "
                              "HVM header",
                              b->domid, (unsigned)HEADER_SIZE);
    mtrr_rec = find_record(blob, size, HVM_SAVE_CODE(MTRR), 0, MTRR_SIZE);
    if (!mtrr_rec)
        return domb_error_set(b->err, -XEN_EINVAL,
                              "gethvmcontext for domain %u: no MTRR record for vCPU 0", b->domid);
    memcpy(&mtrr, mtrr_rec, sizeof(mtrr));
    mtrr.msr_mtrr_def_type = MTRR_TYPE_WRBACK | MTRR_DEF_TYPE_ENABLE;
    fill_cpu(p, &cpu);

    q = put_record(p->ctx_out, HVM_SAVE_CODE(HEADER), 0, hdr, HEADER_SIZE);
    for (unsigned int i = 0; i < p->vcpus; i++)
        q = put_record(q, HVM_SAVE_CODE(MTRR), (uint16_t)i, &mtrr, MTRR_SIZE);
    q = put_record(q, HVM_SAVE_CODE(CPU), 0, &cpu, CPU_SIZE);
    q = put_record(q, HVM_SAVE_CODE(END), 0, NULL, 0);

    memset(&op, 0, sizeof(op));
    op.u.hvmcontext.size = (uint32_t)(q - p->ctx_out);
    set_xen_guest_handle(op.u.hvmcontext.buffer, p->ctx_out);
    if ((rc = build_domctl(b, XEN_DOMCTL_sethvmcontext, &op)))
        return build_fail(b, rc, "sethvmcontext");
    b->ops->free_pages(b->ops->ctx, b->scratch2, b->scratch2_pages);
    b->scratch2 = NULL;
    return 0;
}

static int start(struct pvh *p)
{
    struct build *b = p->b;
    const struct builder_pvh_layout *lay = p->lay;
    uint64_t scratch_gfn;
    int rc;

    build_enter_phase(b, BUILDER_PHASE_START);
    if ((rc = set_params(p)) || (rc = set_context(p)))
        return rc;
    /* libxenguest's scratch gfn: just past the highest populated one. */
    scratch_gfn =
        lay->highmem_pages ? (PVH_4G >> PAGE_SHIFT) + lay->highmem_pages : PVH_END_SPECIAL_REGION;
    build_count(b);
    rc = b->ops->seed_grant_table_hvm(b->ops->ctx, b->domid, pfn_x(lay->console),
                                      pfn_x(lay->xenstore), b->req->backend_domid, scratch_gfn);
    if (rc)
        return build_fail(b, rc, "seeding the grant table");
    return 0;
}

/* ---- the whole build ------------------------------------------------------ */

/* What map_foreign takes for a PVH guest's frame: the gfn itself. */
static xen_pfn_t pvh_frame(const struct build *b, pfn_t pfn)
{
    (void)b;
    return pfn_x(pfn);
}

int build_pvh(struct build *b)
{
    struct builder_result *res = b->res;
    struct pvh p;
    struct acpi_config acfg;
    int rc;

    memset(&p, 0, sizeof(p));
    p.b = b;
    p.lay = &res->pvh;
    rc = plan(&p);
    if (rc == 0)
        rc = alloc_scratch(&p);
    if (rc == 0) {
        acfg = (struct acpi_config){.base = PVH_ACPI_BASE,
                                    .nr_vcpus = p.vcpus,
                                    .online = b->req->online_vcpus,
                                    .lapic_base = (uint32_t)PVH_LAPIC_BASE};
        rc = acpi_write_tables(&acfg, p.acpi_buf, (uint32_t)(p.lay->acpi_pages * PAGE_SIZE),
                               &p.acpi, b->err);
        p.lay->rsdp = p.acpi.rsdp;
    }
    if (rc == 0) {
        build_enter_phase(b, BUILDER_PHASE_CREATE);
        rc = create(&p);
    }
    if (rc == 0) {
        build_enter_phase(b, BUILDER_PHASE_POPULATE);
        rc = populate(&p);
    }
    if (rc == 0) {
        build_enter_phase(b, BUILDER_PHASE_LOAD);
        rc = build_alloc_ports(b);
    }
    if (rc == 0 && b->stream) {
        /* The kernel goes into its frames as it is decompressed; then the
         * plan is made again with its notes (the same layout: a PVH
         * kernel lies at its p_paddr, which the notes do not move). */
        b->frame = pvh_frame;
        b->frame_limit = p.lay->lowmem_pages;
        rc = build_stream_load(b);
        if (rc == 0)
            rc = plan(&p);
    }
    if (rc == 0)
        rc = load(&p);
    if (rc == 0)
        rc = start(&p);
    if (rc)
        return rc;
    res->domid = b->domid;
    res->guest_type = BUILDER_GUEST_PVH;
    res->nr_pages = p.ram_pages;
    /* map_foreign takes gfns for this guest: the frame fields hold gfns */
    res->start_info_mfn = _mfn(pfn_x(p.lay->start_info));
    res->console_mfn = _mfn(pfn_x(p.lay->console));
    res->store_mfn = _mfn(pfn_x(p.lay->xenstore));
    if (p.channel_gfn) {
        res->channel_pfn = _pfn(p.channel_gfn);
        res->channel_mfn = _mfn(p.channel_gfn);
    }
    res->start_info_va = pfn_x(p.lay->start_info) << PAGE_SHIFT;
    res->entry = b->img->notes.phys32_entry;
    res->cmdline_frame = _mfn(pfn_x(p.lay->cmdline));
    res->cmdline_offset = 0;
    res->cmdline_capacity = PAGE_SIZE;
    b->ops->free_pages(b->ops->ctx, b->scratch, b->scratch_pages);
    b->scratch = NULL;
    build_enter_phase(b, BUILDER_PHASE_START);
    return 0;
}
