/*
 * PV64 domain construction (see builder/build.h and docs/builder.md).
 *
 * Frames are typed: a guest pseudo-physical frame is a pfn_t (every frame the
 * layout plans), a machine frame an mfn_t (what mfn_of() finds for a pfn once
 * the domain is populated). Xen's ABI types (xen_pfn_t in populate's extent
 * list, the map batch, start_info, the vCPU context, the seam's arguments)
 * are filled with mfn_x()/pfn_x() where a frame goes into one of them.
 */
#include "build_internal.h"

#include <domb/errno.h>

/* Page-table entry bits. Upper levels and writable leaves get
 * present|rw|user|accessed|dirty; page-table frames are mapped read-only
 * (Xen refuses to pin a tree that maps one of its own tables writable).
 * 64-bit PV kernels run in ring 3, so every level carries the user bit. */
#define PTE_P       (1ULL << 0)
#define PTE_RW      (1ULL << 1)
#define PTE_US      (1ULL << 2)
#define PTE_A       (1ULL << 5)
#define PTE_D       (1ULL << 6)
#define PTE_TABLE   (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)
#define PTE_LEAF_RW (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)
#define PTE_LEAF_RO (PTE_P | PTE_US | PTE_A)
#define ENTRIES     512u
#define RFLAGS_IF   (1ULL << 9)

/* Machine frame of a guest pfn, from the populate results. */
static mfn_t mfn_of(const struct build *b, pfn_t pfn)
{
    uint64_t p = pfn_x(pfn), big_pages = b->n_big << b->order;
    if (p < big_pages)
        return _mfn(b->ext[p >> b->order] + (p & ((1ULL << b->order) - 1)));
    return _mfn(b->ext[b->n_big + (p - big_pages)]);
}

/* ---- layout and scratch ----------------------------------- */

static int plan(struct build *b)
{
    const struct elf_image *img = b->img;
    struct layout_request lr = {
        .virt_base = img->virt_base,
        .kernel_start = img->virt_start,
        .kernel_end = img->virt_end,
        .ramdisk_size = b->req->ramdisk_size,
        .nr_pages = b->req->mem_kib / 4,
        .has_init_p2m = img->notes.has_init_p2m,
        .init_p2m = img->notes.init_p2m,
        .channel_page = b->req->channel_page,
    };
    int rc = elf_check_pv(img, b->err);
    if (rc)
        return rc;
    rc = layout_plan(&b->res->layout, &lr, b->err);
    if (rc)
        return rc;
    return elf_check_fits(img, lr.nr_pages, layout_reserved_pages(b->lay), b->err);
}

static int alloc_scratch(struct build *b)
{
    uint64_t nr_pages = b->lay->nr_pages;
    uint64_t batch_pages = build_div_round_up(XENOPS_MAP_BATCH_MAX * sizeof(xen_pfn_t), PAGE_SIZE);
    uint64_t ctxt_pages = build_div_round_up(sizeof(vcpu_guest_context_t), PAGE_SIZE);
    uint64_t ext_pages, total;
    uint8_t *p;
    int rc;

    b->order = b->req->max_extent_order;
    b->n_big = nr_pages >> b->order;
    b->n_tail = nr_pages & ((1ULL << b->order) - 1);
    ext_pages = build_div_round_up((b->n_big + b->n_tail) * sizeof(xen_pfn_t), PAGE_SIZE);
    total = batch_pages + ctxt_pages + ext_pages;
    if (total > UINT32_MAX)
        return domb_error_set(b->err, -XEN_ENOMEM, "scratch for %llu pages is too large",
                              (unsigned long long)nr_pages);
    rc = b->ops->alloc_pages(b->ops->ctx, (unsigned int)total, &b->scratch);
    if (rc)
        return domb_error_set(b->err, rc, "cannot allocate %llu scratch pages: error %d",
                              (unsigned long long)total, rc);
    b->scratch_pages = (unsigned int)total;
    p = b->scratch;
    b->batch = (xen_pfn_t *)p;
    b->ctxt = (vcpu_guest_context_t *)(p + batch_pages * PAGE_SIZE);
    b->ext = (xen_pfn_t *)(p + (batch_pages + ctxt_pages) * PAGE_SIZE);
    return 0;
}

/* ---- domain creation and memory ------------------------------------------- */

static int create_domain(struct build *b)
{
    struct xen_domctl op;
    int rc = build_create_domain(b, 0, 0, b->req->mem_kib);

    if (rc)
        return rc;
    memset(&op, 0, sizeof(op));
    op.u.address_size.size = 64;
    if ((rc = build_domctl(b, XEN_DOMCTL_set_address_size, &op)))
        return build_fail(b, rc, "set_address_size");
    return 0;
}

/* All memory in the largest extents allowed, then single pages for the
 * remainder: two calls at most. Each extent's guest pfn goes in, its base
 * mfn comes back. */
static int populate(struct build *b)
{
    uint64_t big_pages = b->n_big << b->order;
    int rc;

    for (uint64_t i = 0; i < b->n_big; i++)
        b->ext[i] = i << b->order;
    for (uint64_t j = 0; j < b->n_tail; j++)
        b->ext[b->n_big + j] = big_pages + j;
    rc = build_populate_call(b, b->ext, b->n_big, b->order);
    if (rc)
        return rc;
    return build_populate_call(b, b->ext + b->n_big, b->n_tail, 0);
}

static int domain_info_and_ports(struct build *b)
{
    struct xen_domctl op;
    int rc;

    memset(&op, 0, sizeof(op));
    rc = build_domctl(b, XEN_DOMCTL_getdomaininfo, &op);
    if (rc)
        return build_fail(b, rc, "getdomaininfo");
    if (op.domain != b->domid) /* Xen 4.17 may answer for a later domain */
        return domb_error_set(b->err, -XEN_ESRCH, "getdomaininfo: domain %u has vanished",
                              b->domid);
    b->shared_info_mfn = _mfn(op.u.getdomaininfo.shared_info_frame);
    return build_alloc_ports(b);
}

/* ---- page contents -------------------------------------------------------- */

static void write_start_info(struct build *b, void *dst)
{
    const struct layout *lay = b->lay;
    const struct elf_image *img = b->img;
    start_info_t *si = dst;
    static const char magic[] = "xen-3.0-x86_64";

    memcpy(si->magic, magic, sizeof(magic));
    si->nr_pages = lay->nr_pages;
    si->shared_info = mfn_x(b->shared_info_mfn) << PAGE_SHIFT;
    si->store_mfn = mfn_x(mfn_of(b, lay->xenstore.pfn));
    si->store_evtchn = b->res->store_port;
    si->console.domU.mfn = mfn_x(mfn_of(b, lay->console.pfn));
    si->console.domU.evtchn = b->res->console_port;
    si->pt_base = layout_pfn_va(lay, lay->main.pfn);
    si->nr_pt_frames = lay->main.total;
    si->mfn_list = lay->p2m_va;
    if (b->req->ramdisk_size) {
        bool by_pfn = img->notes.mod_start_pfn;
        si->flags |= by_pfn ? SIF_MOD_START_PFN : 0;
        si->mod_start = by_pfn ? pfn_x(lay->ramdisk.pfn) : layout_pfn_va(lay, lay->ramdisk.pfn);
        si->mod_len = b->req->ramdisk_size;
    }
    if (b->req->cmdline)
        memcpy(si->cmd_line, b->req->cmdline, strlen(b->req->cmdline));
    if (lay->p2m_separate) {
        si->first_p2m_pfn = pfn_x(lay->p2m_seg.pfn);
        si->nr_p2m_frames = lay->p2m_seg.pages;
    }
}

/* Find which table a page-table pfn is: its level and slot. */
static void table_identity(const struct layout *lay, pfn_t pfn, unsigned int *level, uint64_t *slot)
{
    uint64_t p = pfn_x(pfn);
    const struct layout_tables *t =
        (p >= pfn_x(lay->main.pfn) && p - pfn_x(lay->main.pfn) < lay->main.total) ? &lay->main
                                                                                  : &lay->p2m_map;
    uint64_t idx = p - pfn_x(t->pfn);
    for (unsigned int l = LAYOUT_LEVELS; l >= 1; l--) {
        if (idx < t->nr[l]) {
            *level = l;
            *slot = t->first_slot[l] + idx;
            return;
        }
        idx -= t->nr[l];
    }
}

/* The guest pfn mapped at va by the bootstrap tables, or INVALID_PFN. */
static pfn_t pfn_at(const struct layout *lay, uint64_t va)
{
    if (va >= lay->main.va_start && va < lay->main.va_end)
        return _pfn((va - lay->virt_base) >> PAGE_SHIFT);
    if (lay->p2m_separate && va >= lay->p2m_map.va_start && va < lay->p2m_map.va_end)
        return pfn_add(lay->p2m.pfn, (va - lay->p2m_map.va_start) >> PAGE_SHIFT);
    return INVALID_PFN;
}

static void write_table(struct build *b, pfn_t pfn, uint64_t *t)
{
    const struct layout *lay = b->lay;
    unsigned int level = 1;
    uint64_t slot = 0;

    table_identity(lay, pfn, &level, &slot);
    for (unsigned int i = 0; i < ENTRIES; i++) {
        pfn_t target;
        t[i] = 0;
        if (level > 1) {
            target = layout_table_pfn(lay, level - 1, slot * ENTRIES + i);
            if (!pfn_eq(target, INVALID_PFN))
                t[i] = (mfn_x(mfn_of(b, target)) << PAGE_SHIFT) | PTE_TABLE;
            continue;
        }
        target = pfn_at(lay, layout_canonical((slot << 21) | ((uint64_t)i << PAGE_SHIFT)));
        if (!pfn_eq(target, INVALID_PFN))
            t[i] = (mfn_x(mfn_of(b, target)) << PAGE_SHIFT) |
                   (layout_is_table_pfn(lay, target) ? PTE_LEAF_RO : PTE_LEAF_RW);
    }
}

/* One page of the guest's p2m list (the mfn of every pfn, Xen's ABI). */
static void write_p2m(struct build *b, pfn_t pfn, uint64_t *dst)
{
    uint64_t first = (pfn_x(pfn) - pfn_x(b->lay->p2m.pfn)) * ENTRIES;
    for (unsigned int i = 0; i < ENTRIES; i++)
        dst[i] = first + i < b->lay->nr_pages ? mfn_x(mfn_of(b, _pfn(first + i))) : 0;
}

static int fill_page(struct build *b, pfn_t pfn, uint8_t *dst)
{
    const struct layout *lay = b->lay;
    if (layout_in_range(&lay->kernel, pfn))
        return build_kernel_page(b, layout_pfn_va(lay, pfn), dst);
    memset(dst, 0, PAGE_SIZE);
    if (layout_in_range(&lay->ramdisk, pfn)) {
        uint64_t off = (pfn_x(pfn) - pfn_x(lay->ramdisk.pfn)) * PAGE_SIZE,
                 left = b->req->ramdisk_size - off;
        memcpy(dst, (const uint8_t *)b->req->ramdisk + off, left < PAGE_SIZE ? left : PAGE_SIZE);
    } else if (layout_in_range(&lay->p2m, pfn)) {
        write_p2m(b, pfn, (uint64_t *)dst);
    } else if (pfn_eq(pfn, lay->start_info.pfn)) {
        write_start_info(b, dst);
    } else if (layout_is_table_pfn(lay, pfn)) {
        write_table(b, pfn, (uint64_t *)dst);
    }
    /* xenstore, console, the channel page and the boot stack stay zero */
    return 0;
}

/*
 * As libxenguest does, start every vCPU with event upcalls masked
 * (vcpu_info[].evtchn_upcall_mask = 1): a guest that never registers an
 * event callback (GRUB's PV image) would otherwise be crashed by Xen on the
 * first event sent to it. `page` is the guest's shared_info, mapped.
 */
static void mask_upcalls(struct build *b, void *page)
{
    shared_info_t *shared = page;

    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        shared->vcpu_info[i].evtchn_upcall_mask = 1;
    b->shared_info_done = true;
}

/* Write guest pfns [first, end) through windows of up to
 * XENOPS_MAP_BATCH_MAX mapped frames: one map and one unmap per window.
 * The first window with room also maps the guest's shared_info frame (to
 * mask its upcalls) at no extra hypercall. */
static int write_pfns(struct build *b, pfn_t first, pfn_t end)
{
    for (pfn_t pfn = first; pfn_x(pfn) < pfn_x(end);) {
        uint64_t left = pfn_x(end) - pfn_x(pfn);
        unsigned int n = left < XENOPS_MAP_BATCH_MAX ? (unsigned int)left : XENOPS_MAP_BATCH_MAX;
        bool with_shared = !b->shared_info_done && n < XENOPS_MAP_BATCH_MAX;
        void *va;
        int rc;
        for (unsigned int i = 0; i < n; i++)
            b->batch[i] = mfn_x(mfn_of(b, pfn_add(pfn, i)));
        if (with_shared)
            b->batch[n] = mfn_x(b->shared_info_mfn);
        build_count(b);
        rc = b->ops->map_foreign(b->ops->ctx, b->domid, b->batch, n + with_shared, &va);
        if (rc)
            return domb_error_set(b->err, rc,
                                  "mapping %u frames of domain %u at pfn 0x%llx failed: error %d",
                                  n, b->domid, (unsigned long long)pfn_x(pfn), rc);
        b->mapped = va;
        b->mapped_n = n + with_shared;
        for (unsigned int i = 0; i < n; i++) {
            rc = fill_page(b, pfn_add(pfn, i), (uint8_t *)va + (uint64_t)i * PAGE_SIZE);
            if (rc)
                return domb_error_set(b->err, rc, "copying the kernel at pfn 0x%llx failed",
                                      (unsigned long long)pfn_x(pfn_add(pfn, i)));
        }
        if (with_shared)
            mask_upcalls(b, (uint8_t *)va + (uint64_t)n * PAGE_SIZE);
        rc = build_unmap_window(b);
        if (rc)
            return build_fail(b, rc, "unmapping guest frames");
        pfn = pfn_add(pfn, n);
    }
    return 0;
}

/* Only when every window was full: map shared_info on its own. */
static int mask_upcalls_alone(struct build *b)
{
    xen_pfn_t frame = mfn_x(b->shared_info_mfn);
    void *va;
    int rc;

    if (b->shared_info_done)
        return 0;
    build_count(b);
    rc = b->ops->map_foreign(b->ops->ctx, b->domid, &frame, 1, &va);
    if (rc)
        return build_fail(b, rc, "mapping shared_info");
    b->mapped = va;
    b->mapped_n = 1;
    mask_upcalls(b, va);
    rc = build_unmap_window(b);
    return rc ? build_fail(b, rc, "unmapping shared_info") : 0;
}

/* What map_foreign takes for a PV guest's frame: its mfn. */
static xen_pfn_t pv_frame(const struct build *b, pfn_t pfn)
{
    return mfn_x(mfn_of(b, pfn));
}

static int load(struct build *b)
{
    const struct layout *lay = b->lay;
    int rc;

    build_enter_phase(b, BUILDER_PHASE_LOAD);
    if ((rc = domain_info_and_ports(b)))
        return rc;
    if (b->stream) {
        /* The kernel goes into its frames as it is decompressed; then the
         * layout is planned again from what its notes say. */
        b->frame = pv_frame;
        b->frame_limit = lay->nr_pages;
        if ((rc = build_stream_load(b)) != 0 || (rc = plan(b)) != 0)
            return rc;
    }
    if ((rc = write_pfns(b, lay->kernel.pfn, lay->pgtables.pfn)))
        return rc;
    if (lay->p2m_separate && (rc = write_pfns(b, lay->p2m.pfn, layout_range_end(&lay->p2m))))
        return rc;
    build_enter_phase(b, BUILDER_PHASE_PAGETABLES);
    if ((rc = write_pfns(b, lay->pgtables.pfn, layout_range_end(&lay->stack))))
        return rc;
    if (lay->p2m_separate)
        rc = write_pfns(b, lay->p2m_map.pfn, pfn_add(lay->p2m_map.pfn, lay->p2m_map.total));
    return rc ? rc : mask_upcalls_alone(b);
}

/* ---- start: hypercall page, pin, vCPU, grant table ------------------------ */

static void fill_vcpu_context(struct build *b, mfn_t l4_mfn)
{
    const struct layout *lay = b->lay;
    vcpu_guest_context_t *c = b->ctxt;

    memset(c, 0, sizeof(*c));
    c->flags = VGCF_in_kernel | VGCF_online;
    c->user_regs.rip = b->img->entry;
    c->user_regs.rsp = layout_pfn_va(lay, layout_range_end(&lay->stack));
    c->user_regs.rsi = layout_pfn_va(lay, lay->start_info.pfn);
    c->user_regs.rflags = RFLAGS_IF;
    c->user_regs.cs = FLAT_KERNEL_CS;
    /* ring 3 needs a usable stack segment: FLAT_KERNEL_SS, not the null DS */
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->user_regs.ds = c->user_regs.es = FLAT_KERNEL_DS;
    c->user_regs.fs = c->user_regs.gs = FLAT_KERNEL_DS;
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = c->user_regs.rsp;
    c->ctrlreg[3] = xen_pfn_to_cr3(mfn_x(l4_mfn));
}

static int start(struct build *b)
{
    const struct layout *lay = b->lay;
    const struct elf_image *img = b->img;
    mfn_t l4 = mfn_of(b, lay->main.pfn);
    struct xen_domctl op;
    struct mmuext_op pin;
    int rc;

    build_enter_phase(b, BUILDER_PHASE_START);
    if (img->notes.has_hypercall_page) {
        memset(&op, 0, sizeof(op));
        op.u.hypercall_init.gmfn =
            mfn_x(mfn_of(b, _pfn((img->notes.hypercall_page - lay->virt_base) >> PAGE_SHIFT)));
        if ((rc = build_domctl(b, XEN_DOMCTL_hypercall_init, &op)))
            return build_fail(b, rc, "hypercall_init");
    }
    memset(&pin, 0, sizeof(pin));
    pin.cmd = MMUEXT_PIN_L4_TABLE;
    pin.arg1.mfn = mfn_x(l4);
    build_count(b);
    if ((rc = b->ops->mmuext_op(b->ops->ctx, &pin, 1, NULL, b->domid)))
        return build_fail(b, rc, "pinning the L4 page table");

    fill_vcpu_context(b, l4);
    memset(&op, 0, sizeof(op));
    op.u.vcpucontext.vcpu = 0;
    set_xen_guest_handle(op.u.vcpucontext.ctxt, b->ctxt);
    if ((rc = build_domctl(b, XEN_DOMCTL_setvcpucontext, &op)))
        return build_fail(b, rc, "setvcpucontext");

    build_count(b);
    rc = b->ops->seed_grant_table(b->ops->ctx, b->domid, mfn_x(mfn_of(b, lay->console.pfn)),
                                  mfn_x(mfn_of(b, lay->xenstore.pfn)), b->req->backend_domid);
    if (rc)
        return build_fail(b, rc, "seeding the grant table");
    return 0;
}

/* ---- the whole build ------------------------------------------------------ */

int build_pv64(struct build *b)
{
    struct builder_result *res = b->res;
    int rc;

    rc = plan(b);
    if (rc == 0)
        rc = alloc_scratch(b);
    if (rc == 0) {
        build_enter_phase(b, BUILDER_PHASE_CREATE);
        rc = create_domain(b);
    }
    if (rc == 0) {
        build_enter_phase(b, BUILDER_PHASE_POPULATE);
        rc = populate(b);
    }
    if (rc == 0)
        rc = load(b);
    if (rc == 0)
        rc = start(b);
    if (rc)
        return rc;
    res->domid = b->domid;
    res->guest_type = BUILDER_GUEST_PV64;
    res->nr_pages = b->lay->nr_pages;
    res->start_info_mfn = mfn_of(b, b->lay->start_info.pfn);
    res->console_mfn = mfn_of(b, b->lay->console.pfn);
    res->store_mfn = mfn_of(b, b->lay->xenstore.pfn);
    if (b->lay->channel.pages) {
        res->channel_pfn = b->lay->channel.pfn;
        res->channel_mfn = mfn_of(b, b->lay->channel.pfn);
    }
    res->start_info_va = layout_pfn_va(b->lay, b->lay->start_info.pfn);
    res->entry = b->img->entry;
    res->cmdline_frame = res->start_info_mfn;
    res->cmdline_offset = (uint32_t)offsetof(start_info_t, cmd_line);
    res->cmdline_capacity = MAX_GUEST_CMDLINE;
    b->ops->free_pages(b->ops->ctx, b->scratch, b->scratch_pages);
    b->scratch = NULL;
    build_enter_phase(b, BUILDER_PHASE_START);
    return 0;
}
