/* The guest model check (see guest_check.h). */
#include "guest_check.h"

#include "domb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERM_RW (1ULL << 1)
#define PERM_NX (1ULL << 63)

struct guest {
    struct sim *s;
    domid_t domid;
    uint64_t l4;
};

/* Translate va; fails the test if it is not mapped. */
static uint64_t walk(const struct guest *g, uint64_t va, uint64_t *perms)
{
    uint64_t mfn = INVALID_FRAME, p = 0;
    int rc = sim_walk(g->s, g->l4, va, &mfn, &p);
    if (rc) {
        fprintf(stderr, "guest check: va 0x%llx is not mapped\n", (unsigned long long)va);
        fail();
    }
    assert_int_equal(sim_frame_owner(g->s, mfn), g->domid);
    if (perms)
        *perms = p;
    return mfn;
}

static void read_va(const struct guest *g, uint64_t va, void *buf, uint64_t len)
{
    uint8_t *out = buf;
    while (len) {
        uint64_t off = va & (PAGE_SIZE - 1), n = PAGE_SIZE - off;
        if (n > len)
            n = len;
        memcpy(out, sim_frame(g->s, walk(g, va, NULL)) + off, n);
        out += n;
        va += n;
        len -= n;
    }
}

static bool page_is_zero(const uint8_t *p)
{
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        if (p[i])
            return false;
    return true;
}

static void check_bootstrap_mapping(const struct guest *g, const struct builder_result *res,
                                    const start_info_t *si, uint64_t stack_top)
{
    const struct layout *lay = &res->layout;
    uint64_t pt_end = si->pt_base + si->nr_pt_frames * PAGE_SIZE;
    /* Every page from virt_base to 512 KiB past the boot stack is mapped
     * 1:1 onto pfns (va - virt_base) >> 12; page tables read-only, all
     * else writable. */
    for (uint64_t va = lay->virt_base; va < stack_top + (512 << 10); va += PAGE_SIZE) {
        uint64_t perms, mfn = walk(g, va, &perms);
        bool table = va >= si->pt_base && va < pt_end;
        assert_int_equal(sim_m2p(g->s, mfn), (va - lay->virt_base) >> PAGE_SHIFT);
        assert_int_equal(!!(perms & PERM_RW), !table);
        if (table) {
            unsigned int count = 0;
            assert_true(sim_frame_type(g->s, mfn, &count) >= SIM_PGT_L1);
            assert_true(count > 0);
        }
    }
    assert_int_equal(walk(g, si->pt_base, NULL), g->l4);
    assert_true(stack_top <= lay->bootstrap_end - (512 << 10));
}

static void check_p2m(const struct guest *g, const start_info_t *si, const struct elf_image *img)
{
    uint64_t *p2m = malloc(si->nr_pages * sizeof(uint64_t));
    uint64_t perms;
    assert_non_null(p2m);
    if (img->notes.has_init_p2m)
        assert_int_equal(si->mfn_list, img->notes.init_p2m);
    read_va(g, si->mfn_list, p2m, si->nr_pages * sizeof(uint64_t));
    for (uint64_t pfn = 0; pfn < si->nr_pages; pfn++)
        assert_int_equal(p2m[pfn], sim_p2m(g->s, g->domid, pfn));
    walk(g, si->mfn_list, &perms);
    assert_true(perms & PERM_RW);
    if (img->notes.has_init_p2m) {
        /* first_p2m_pfn/nr_p2m_frames cover the p2m frames */
        uint64_t pfn = sim_m2p(g->s, walk(g, si->mfn_list, NULL));
        assert_int_equal(pfn, si->first_p2m_pfn);
        assert_true(si->nr_p2m_frames * PAGE_SIZE >= si->nr_pages * 8);
    } else {
        assert_int_equal(si->nr_p2m_frames, 0);
    }
    free(p2m);
}

static void check_ramdisk(const struct guest *g, const start_info_t *si,
                          const struct guest_expect *e)
{
    uint8_t *buf;
    assert_int_equal(si->mod_len, e->ramdisk_size);
    if (!e->ramdisk_size) {
        assert_int_equal(si->mod_start, 0);
        return;
    }
    buf = malloc(e->ramdisk_size);
    assert_non_null(buf);
    if (si->flags & SIF_MOD_START_PFN) {
        assert_true(e->img->notes.mod_start_pfn);
        for (uint64_t off = 0; off < e->ramdisk_size; off += PAGE_SIZE) {
            uint64_t n = e->ramdisk_size - off < PAGE_SIZE ? e->ramdisk_size - off : PAGE_SIZE;
            uint64_t mfn = sim_p2m(g->s, g->domid, si->mod_start + off / PAGE_SIZE);
            memcpy(buf + off, sim_frame(g->s, mfn), n);
        }
    } else {
        read_va(g, si->mod_start, buf, e->ramdisk_size);
    }
    assert_memory_equal(buf, e->ramdisk, e->ramdisk_size);
    free(buf);
}

/* What the kernel image says page va holds, worked out from the segments
 * directly (not with elf_copy_out, which the builder uses): file bytes
 * where a segment has them, zero for BSS and gaps. */
static void expected_image_page(const struct elf_image *img, uint64_t va, uint8_t *out)
{
    for (unsigned b = 0; b < PAGE_SIZE; b++) {
        out[b] = 0;
        for (unsigned i = 0; i < img->nr_segments; i++) {
            const struct elf_segment *sg = &img->seg[i];
            if (va + b >= sg->vaddr && va + b - sg->vaddr < sg->filesz)
                out[b] = img->data[sg->offset + (va + b - sg->vaddr)];
        }
    }
}

static void check_kernel(const struct guest *g, const struct guest_expect *e,
                         const struct sim_domain_info *info)
{
    const struct elf_image *img = e->img;
    uint8_t want[PAGE_SIZE];
    for (uint64_t va = img->virt_start; va < img->virt_end; va += PAGE_SIZE) {
        uint64_t perms, mfn = walk(g, va, &perms);
        assert_true(perms & PERM_RW);
        assert_false(perms & PERM_NX);
        if (img->notes.has_hypercall_page && va == img->notes.hypercall_page) {
            assert_int_equal(mfn, info->hypercall_mfn);
            for (unsigned i = 0; i < PAGE_SIZE / 32; i++)
                sim_hypercall_stub(i, want + i * 32);
        } else {
            expected_image_page(img, va, want);
        }
        assert_memory_equal(sim_frame(g->s, mfn), want, PAGE_SIZE);
    }
}

static void check_start_info(const struct guest *g, const struct builder_result *res,
                             const start_info_t *si, const struct guest_expect *e,
                             const struct sim_domain_info *info)
{
    domid_t remote = DOMID_INVALID;
    assert_string_equal(si->magic, "xen-3.0-x86_64");
    assert_int_equal(si->nr_pages, info->tot_pages);
    assert_int_equal(si->nr_pages, res->nr_pages);
    assert_int_equal(si->shared_info, info->shared_info_mfn << PAGE_SHIFT);
    assert_int_equal(si->store_mfn, mfn_x(res->store_mfn));
    assert_int_equal(si->console.domU.mfn, mfn_x(res->console_mfn));
    assert_int_equal(si->store_evtchn, res->store_port);
    assert_int_equal(si->console.domU.evtchn, res->console_port);
    assert_int_not_equal(si->store_evtchn, si->console.domU.evtchn);
    assert_int_equal(sim_evtchn(g->s, g->domid, si->store_evtchn, &remote), 1);
    assert_int_equal(remote, e->backend);
    assert_int_equal(sim_evtchn(g->s, g->domid, si->console.domU.evtchn, &remote), 1);
    assert_int_equal(remote, e->backend);
    assert_int_equal(sim_frame_owner(g->s, si->store_mfn), g->domid);
    assert_int_equal(sim_frame_owner(g->s, si->console.domU.mfn), g->domid);
    assert_true(page_is_zero(sim_frame(g->s, si->store_mfn)));
    assert_true(page_is_zero(sim_frame(g->s, si->console.domU.mfn)));
    assert_string_equal((const char *)si->cmd_line, e->cmdline ? e->cmdline : "");
    /* grant entries 0 and 1 let the backend map console and xenstore */
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_CONSOLE].flags, GTF_permit_access);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_CONSOLE].domid, e->backend);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_CONSOLE].frame, si->console.domU.mfn);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_XENSTORE].flags, GTF_permit_access);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_XENSTORE].domid, e->backend);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_XENSTORE].frame, si->store_mfn);
}

void guest_check(struct sim *s, const struct builder_result *res, const struct guest_expect *e)
{
    struct sim_domain_info *info = malloc(sizeof(*info));
    struct guest g = {.s = s, .domid = res->domid};
    const vcpu_guest_context_t *c;
    start_info_t si;
    uint64_t perms, si_mfn;

    assert_non_null(info);
    assert_int_equal(sim_domain_info(s, res->domid, info), 0);
    c = &info->ctxt;

    /* Every vCPU starts with event upcalls masked, as libxenguest leaves it. */
    {
        const shared_info_t *shared = (const shared_info_t *)sim_frame(s, info->shared_info_mfn);
        for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
            assert_int_equal(shared->vcpu_info[i].evtchn_upcall_mask, 1);
    }
    assert_true(info->vcpu_ready);
    assert_true(info->paused);
    assert_int_equal(info->address_size, 64);
    g.l4 = xen_cr3_to_pfn(c->ctrlreg[3]);
    assert_true(sim_frame_pinned(s, g.l4));
    assert_int_equal(sim_frame_type(s, g.l4, NULL), SIM_PGT_L4);

    /* registers: entry, start_info in rsi, stack */
    assert_int_equal(c->user_regs.rip, e->img->entry);
    walk(&g, c->user_regs.rip, &perms);
    assert_false(perms & PERM_NX);
    assert_int_equal(c->user_regs.rsi, res->start_info_va);
    assert_int_equal(c->kernel_sp, c->user_regs.rsp);
    assert_int_equal(c->user_regs.cs, FLAT_KERNEL_CS);
    assert_int_equal(c->user_regs.ss, FLAT_KERNEL_SS);
    assert_int_equal(c->event_callback_eip, 0);
    assert_int_equal(c->failsafe_callback_eip, 0);
    assert_true(walk(&g, c->user_regs.rsp - 8, &perms) != INVALID_FRAME);
    assert_true(perms & PERM_RW);
    assert_true(page_is_zero(sim_frame(s, walk(&g, c->user_regs.rsp - 8, NULL))));

    si_mfn = walk(&g, c->user_regs.rsi, &perms);
    assert_true(perms & PERM_RW);
    assert_int_equal(si_mfn, mfn_x(res->start_info_mfn));
    memcpy(&si, sim_frame(s, si_mfn), sizeof(si));

    check_start_info(&g, res, &si, e, info);
    check_bootstrap_mapping(&g, res, &si, c->user_regs.rsp);
    check_p2m(&g, &si, e->img);
    check_ramdisk(&g, &si, e);
    check_kernel(&g, e, info);
    free(info);
}
