/*
 * PVH builds against the simulated hypervisor: every build is checked from
 * the guest's side (memory map, hvm_start_info, module, command line, ACPI
 * tables parsed back, HVM params and special pages, event channels, grant
 * entries, the boot vCPU's registers); every call of a build can fail and
 * nothing is left; hostile kernels are refused each with its own error; the
 * hypercall budget is exact.
 */
#include "domb_test.h"
#include "elf_writer.h"
#include "ref.h"

#include <builder/acpi.h>
#include <builder/build.h>
#include <builder/pvh.h>
#include <builder/xenops_fault.h>
#include <decompress/bzimage.h>
#include <domb/byteorder.h>
#include <domb/errno.h>
#include <sim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/elfnote.h>
#include <zlib.h>

#define MIB (1ULL << 20)

struct kernel {
    struct ew_out out;
    struct elf_image img;
};

struct pvh_opts {
    uint64_t phys;      /* physical load address of the text (default EW_PVH_PHYS) */
    bool phys_set;      /* phys given (0 is a valid address) */
    uint64_t text_size; /* default 0x3000 */
    uint64_t data_memsz;
    bool elf32; /* a GRUB-like ELFCLASS32 image (ew_init_pvh32) */
};

static void make_kernel(struct kernel *k, const struct pvh_opts *o)
{
    static struct ew w;
    struct domb_error err;

    (o && o->elf32 ? ew_init_pvh32 : ew_init_pvh)(&w, o && o->phys_set ? o->phys : EW_PVH_PHYS,
                                                  o && o->text_size ? o->text_size : 0x3000,
                                                  o && o->data_memsz ? o->data_memsz : 0x3000);
    ew_build(&w, &k->out);
    if (elf_parse(&k->img, k->out.buf, k->out.size, &err) != 0) {
        fprintf(stderr, "test kernel rejected: %s\n", err.msg);
        fail();
    }
}

/* One simulator, one kernel, one request. */
struct fx {
    struct kernel k;
    struct sim *s;
    struct xenops ops;
    struct builder_result res;
    struct domb_error err;
    struct builder_request req;
    uint8_t *rd;
    uint64_t free_start;
};

static void fx_init_cfg(struct fx *f, const struct pvh_opts *ko, uint64_t mem_mib, uint64_t rd_size,
                        const struct sim_config *cfg)
{
    memset(f, 0, sizeof(*f));
    f->s = sim_create(cfg);
    sim_ops(f->s, &f->ops);
    make_kernel(&f->k, ko);
    if (rd_size) {
        f->rd = malloc(rd_size);
        assert_non_null(f->rd);
        for (uint64_t i = 0; i < rd_size; i++)
            f->rd[i] = (uint8_t)(i * 13 + (i >> 12) + 7);
    }
    f->req = (struct builder_request){.kernel = &f->k.img,
                                      .ramdisk = f->rd,
                                      .ramdisk_size = rd_size,
                                      .mem_kib = mem_mib * 1024,
                                      .max_vcpus = 1,
                                      .backend_domid = 0,
                                      .max_extent_order = cfg->max_extent_order,
                                      .cmdline = "console=hvc0 domb.test=pvh",
                                      .guest_type = BUILDER_GUEST_PVH};
    f->free_start = sim_free_frames(f->s);
}

static void fx_init(struct fx *f, const struct pvh_opts *ko, uint64_t mem_mib, uint64_t rd_size)
{
    struct sim_config cfg = {
        .nr_frames = 1u << 17, .self = 0, .privileged = true, .max_extent_order = 9};
    fx_init_cfg(f, ko, mem_mib, rd_size, &cfg);
}

static void fx_fini(struct fx *f)
{
    sim_destroy(f->s);
    free(f->rd);
    free(f->k.out.buf);
}

static int fx_build(struct fx *f, struct builder_result *res)
{
    int rc = builder_build(&f->ops, &f->req, res, &f->err);
    if (rc)
        fprintf(stderr, "build: %s\n", f->err.msg);
    return rc;
}

static void fx_assert_clean(struct fx *f)
{
    assert_int_equal(sim_nr_domains(f->s), 0);
    assert_int_equal(sim_free_frames(f->s), f->free_start);
    assert_int_equal(sim_scratch_pages(f->s), 0);
    assert_int_equal(sim_foreign_maps(f->s), 0);
    assert_int_equal(sim_self_ports(f->s), 0);
}

/* ---- the guest's view ------------------------------------------------------ */

/* Read guest-physical memory (every page must be populated). */
static void read_gpa(struct fx *f, domid_t d, uint64_t gpa, void *buf, uint64_t len)
{
    uint8_t *out = buf;
    while (len) {
        uint64_t off = gpa & (PAGE_SIZE - 1), n = PAGE_SIZE - off;
        uint8_t *page = sim_gfn(f->s, d, gpa >> PAGE_SHIFT);
        if (!page) {
            fprintf(stderr, "guest-physical 0x%llx is not populated\n", (unsigned long long)gpa);
            fail();
        }
        if (n > len)
            n = len;
        memcpy(out, page + off, n);
        out += n;
        gpa += n;
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

static uint8_t sum8(const uint8_t *p, uint32_t len)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/* A table at gpa: signature, a length that fits, a zero checksum. Returns
 * its bytes (malloc'ed) and length. */
static uint8_t *read_table(struct fx *f, domid_t d, uint64_t gpa, const char *sig, uint32_t *len)
{
    uint8_t hdr[ACPI_HDR_SIZE], *t;

    read_gpa(f, d, gpa, hdr, sizeof(hdr));
    assert_memory_equal(hdr, sig, 4);
    *len = get_le32(hdr + 4);
    assert_true(*len >= ACPI_HDR_SIZE && *len < 65536);
    t = malloc(*len);
    assert_non_null(t);
    read_gpa(f, d, gpa, t, *len);
    assert_int_equal(sum8(t, *len), 0);
    return t;
}

struct acpi_seen {
    unsigned int madt_cpus, dsdt_cpus;
    bool hw_reduced;
};

/* Parse the ACPI tables back from the RSDP as a guest kernel does. */
static void check_acpi(struct fx *f, domid_t d, uint64_t rsdp_gpa, unsigned int vcpus,
                       struct acpi_seen *seen)
{
    uint8_t rsdp[ACPI_RSDP_SIZE], *xsdt, *fadt = NULL, *madt = NULL, *dsdt;
    uint32_t xlen, flen = 0, mlen = 0, dlen;
    uint64_t acpi_end = PVH_ACPI_BASE + f->res.pvh.acpi_pages * PAGE_SIZE;

    memset(seen, 0, sizeof(*seen));
    assert_true(rsdp_gpa >= PVH_ACPI_BASE && rsdp_gpa < acpi_end && !(rsdp_gpa & 15));
    read_gpa(f, d, rsdp_gpa, rsdp, sizeof(rsdp));
    assert_memory_equal(rsdp, "RSD PTR ", 8);
    assert_int_equal(sum8(rsdp, 20), 0);
    assert_int_equal(sum8(rsdp, ACPI_RSDP_SIZE), 0);
    assert_int_equal(rsdp[15], 2);
    assert_int_equal(get_le32(rsdp + 20), ACPI_RSDP_SIZE);
    xsdt = read_table(f, d, get_le64(rsdp + 24), "XSDT", &xlen);
    assert_int_equal((xlen - ACPI_HDR_SIZE) % 8, 0);
    for (uint32_t off = ACPI_HDR_SIZE; off < xlen; off += 8) {
        uint64_t at = get_le64(xsdt + off);
        char sig[4];
        assert_true(at >= PVH_ACPI_BASE && at < acpi_end);
        read_gpa(f, d, at, sig, 4);
        if (!memcmp(sig, "FACP", 4))
            fadt = read_table(f, d, at, "FACP", &flen);
        else if (!memcmp(sig, "APIC", 4))
            madt = read_table(f, d, at, "APIC", &mlen);
    }
    assert_non_null(fadt);
    assert_non_null(madt);
    /* FADT: ACPI 5, hardware-reduced, DSDT through X_DSDT */
    assert_int_equal(fadt[8], ACPI_FADT_REVISION);
    assert_int_equal(flen, ACPI_FADT_SIZE);
    seen->hw_reduced = get_le32(fadt + ACPI_FADT_FLAGS_OFF) & ACPI_FADT_HW_REDUCED;
    assert_true(get_le16(fadt + ACPI_FADT_BOOT_ARCH_OFF) & ACPI_FADT_NO_CMOS_RTC);
    dsdt = read_table(f, d, get_le64(fadt + ACPI_FADT_X_DSDT_OFF), "DSDT", &dlen);
    /* DSDT: one Processor object per vCPU, ProcIDs 0.. in order */
    for (uint32_t i = ACPI_HDR_SIZE; i + 1 < dlen; i++)
        if (dsdt[i] == 0x5b && dsdt[i + 1] == ACPI_AML_PROCESSOR_OP) {
            assert_true(i + 7 < dlen);
            assert_memory_equal(dsdt + i + 3, "PR", 2);
            assert_int_equal(dsdt[i + 7], seen->dsdt_cpus);
            seen->dsdt_cpus++;
        }
    /* MADT: the local APIC and one enabled xAPIC entry per vCPU */
    assert_int_equal(get_le32(madt + 36), PVH_LAPIC_BASE);
    for (uint32_t off = 44; off < mlen;) {
        assert_true(off + 2 <= mlen && madt[off + 1] >= 2 && off + madt[off + 1] <= mlen);
        if (madt[off] == ACPI_MADT_LAPIC) {
            assert_int_equal(madt[off + 1], ACPI_MADT_LAPIC_SIZE);
            assert_int_equal(madt[off + 2], seen->madt_cpus);              /* UID */
            assert_int_equal(madt[off + 3], pvh_apic_id(seen->madt_cpus)); /* APIC ID */
            /* vCPUs beyond the online ones (maxvcpus) are there but not enabled */
            assert_int_equal(get_le32(madt + off + 4),
                             f->req.online_vcpus && seen->madt_cpus >= f->req.online_vcpus
                                 ? 0
                                 : ACPI_MADT_LAPIC_ENABLED);
            seen->madt_cpus++;
        }
        off += madt[off + 1];
    }
    assert_int_equal(seen->madt_cpus, vcpus);
    assert_int_equal(seen->dsdt_cpus, vcpus);
    assert_true(seen->hw_reduced);
    free(xsdt);
    free(fadt);
    free(madt);
    free(dsdt);
}

/* What the kernel image holds at physical page gpa (from the segments). */
static void expected_phys_page(const struct elf_image *img, uint64_t gpa, uint8_t *out)
{
    memset(out, 0, PAGE_SIZE);
    for (unsigned i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *sg = &img->seg[i];
        for (unsigned b = 0; b < PAGE_SIZE; b++)
            if (gpa + b >= sg->paddr && gpa + b - sg->paddr < sg->filesz)
                out[b] = img->data[sg->offset + (gpa + b - sg->paddr)];
    }
}

static const char *cmdline_of(const struct fx *f)
{
    return f->req.cmdline ? f->req.cmdline : "";
}

/* The whole guest-side check of a PVH build. */
static void pvh_check(struct fx *f, const struct builder_result *res)
{
    const struct builder_pvh_layout *lay = &res->pvh;
    domid_t d = res->domid;
    unsigned int vcpus = f->req.max_vcpus ? f->req.max_vcpus : 1;
    uint64_t ram = f->req.mem_kib * 1024, low = ram < PVH_HOLE_START ? ram : PVH_HOLE_START;
    struct sim_domain_info *info = malloc(sizeof(*info));
    struct sim_hvm_info *hvm = malloc(sizeof(*hvm));
    struct hvm_start_info si;
    struct hvm_memmap_table_entry mm[8];
    struct xen_domctl_getdomaininfo gi;
    struct acpi_seen seen;
    uint8_t *page, want[PAGE_SIZE];
    char *cmd;
    domid_t remote;
    uint64_t special = PVH_SPECIAL_GFN, populated = 0;

    assert_non_null(info);
    assert_non_null(hvm);
    assert_int_equal(res->guest_type, BUILDER_GUEST_PVH);
    assert_int_equal(sim_domain_info(f->s, d, info), 0);
    assert_int_equal(sim_hvm_info(f->s, d, hvm), 0);
    assert_true(info->hvm);
    assert_true(info->paused);
    assert_int_equal(hvm->emulation_flags, XEN_X86_EMU_LAPIC);
    assert_int_equal(xenops_domain_info(&f->ops, d, &gi), 0);
    assert_true(gi.flags & XEN_DOMINF_hvm_guest);

    /* paging pool as libxl sizes it: 256 pages per vCPU + 1 per MiB */
    assert_true(hvm->pool_set);
    assert_int_equal(hvm->pool_pages, 256ULL * vcpus + f->req.mem_kib / 1024);
    assert_true(hvm->pool_used >= 2 && hvm->pool_used < hvm->pool_pages);

    /* hvm_start_info at rbx */
    assert_int_equal(res->start_info_va, pfn_x(lay->start_info) << PAGE_SHIFT);
    assert_int_equal(mfn_x(res->start_info_mfn), pfn_x(lay->start_info));
    read_gpa(f, d, res->start_info_va, &si, sizeof(si));
    assert_int_equal(si.magic, XEN_HVM_START_MAGIC_VALUE);
    assert_int_equal(si.version, 1);
    assert_int_equal(si.flags, 0);
    assert_int_equal(si.reserved, 0);
    assert_int_equal(si.rsdp_paddr, lay->rsdp);

    /* the memory map: what Xen was told is what the guest is told */
    assert_true(si.memmap_entries >= 3 && si.memmap_entries <= 4);
    assert_int_equal(si.memmap_entries, hvm->nr_memmap);
    assert_int_equal(si.memmap_entries, lay->memmap_entries);
    read_gpa(f, d, si.memmap_paddr, mm, si.memmap_entries * sizeof(mm[0]));
    for (unsigned i = 0; i < si.memmap_entries; i++) {
        assert_int_equal(mm[i].addr, hvm->memmap[i].addr);
        assert_int_equal(mm[i].size, hvm->memmap[i].size);
        assert_int_equal(mm[i].type, hvm->memmap[i].type);
        assert_int_equal(mm[i].reserved, 0);
        if (i)
            assert_true(mm[i].addr >= mm[i - 1].addr + mm[i - 1].size);
    }
    assert_int_equal(mm[0].addr, 0);
    assert_int_equal(mm[0].size, low);
    assert_int_equal(mm[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
    assert_int_equal(mm[1].addr, PVH_ACPI_BASE);
    assert_int_equal(mm[1].size, lay->acpi_pages * PAGE_SIZE);
    assert_int_equal(mm[1].type, XEN_HVM_MEMMAP_TYPE_ACPI);
    assert_int_equal(mm[2].addr + mm[2].size, PVH_END_SPECIAL_REGION << PAGE_SHIFT);
    assert_int_equal(mm[2].addr, (f->req.channel_page ? special - 1 : special) << PAGE_SHIFT);
    assert_int_equal(mm[2].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
    if (ram > low) {
        assert_int_equal(si.memmap_entries, 4);
        assert_int_equal(mm[3].addr, 1ULL << 32);
        assert_int_equal(mm[3].size, ram - low);
    }

    /* every RAM, ACPI and reserved gfn is populated, nothing else in the hole */
    for (uint64_t g = 0; g < low >> PAGE_SHIFT; g++)
        populated += sim_gfn(f->s, d, g) != NULL;
    assert_int_equal(populated, low >> PAGE_SHIFT);
    for (uint64_t g = mm[1].addr >> PAGE_SHIFT; g < (mm[1].addr + mm[1].size) >> PAGE_SHIFT; g++)
        assert_non_null(sim_gfn(f->s, d, g));
    for (uint64_t g = mm[2].addr >> PAGE_SHIFT; g < PVH_END_SPECIAL_REGION; g++)
        assert_non_null(sim_gfn(f->s, d, g));
    assert_null(sim_gfn(f->s, d, (mm[1].addr + mm[1].size) >> PAGE_SHIFT));
    assert_null(sim_gfn(f->s, d, PVH_LAPIC_BASE >> PAGE_SHIFT));
    assert_null(sim_gfn(f->s, d, (mm[2].addr >> PAGE_SHIFT) - 1));
    assert_null(sim_gfn(f->s, d, PVH_END_SPECIAL_REGION)); /* the grant scratch is gone */
    assert_int_equal(info->tot_pages, info->max_pages);
    assert_int_equal(res->nr_pages, ram >> PAGE_SHIFT);

    /* the ramdisk as module 0 */
    assert_int_equal(si.nr_modules, f->req.ramdisk_size ? 1 : 0);
    if (f->req.ramdisk_size) {
        struct hvm_modlist_entry mod;
        uint8_t *buf = malloc(f->req.ramdisk_size);
        assert_non_null(buf);
        read_gpa(f, d, si.modlist_paddr, &mod, sizeof(mod));
        assert_int_equal(mod.size, f->req.ramdisk_size);
        assert_int_equal(mod.paddr & (PAGE_SIZE - 1), 0);
        assert_true(mod.paddr >= f->k.img.phys_end);
        assert_true(mod.paddr + mod.size <= low);
        read_gpa(f, d, mod.paddr, buf, mod.size);
        assert_memory_equal(buf, f->req.ramdisk, mod.size);
        free(buf);
    } else {
        assert_int_equal(si.modlist_paddr, 0);
    }

    /* the command line, and where the dom0 layer finds it */
    assert_int_equal(si.cmdline_paddr, pfn_x(lay->cmdline) << PAGE_SHIFT);
    assert_int_equal(mfn_x(res->cmdline_frame), pfn_x(lay->cmdline));
    assert_int_equal(res->cmdline_offset, 0);
    assert_int_equal(res->cmdline_capacity, PAGE_SIZE);
    cmd = calloc(1, PAGE_SIZE + 1);
    assert_non_null(cmd);
    read_gpa(f, d, si.cmdline_paddr, cmd, PAGE_SIZE);
    assert_string_equal(cmd, cmdline_of(f));
    free(cmd);

    /* the kernel at its physical addresses */
    for (uint64_t gpa = f->k.img.phys_start; gpa < f->k.img.phys_end; gpa += PAGE_SIZE) {
        expected_phys_page(&f->k.img, gpa, want);
        page = sim_gfn(f->s, d, gpa >> PAGE_SHIFT);
        assert_non_null(page);
        assert_memory_equal(page, want, PAGE_SIZE);
    }

    /* ACPI: every vCPU visible */
    check_acpi(f, d, si.rsdp_paddr, vcpus, &seen);

    /* HVM params name the special pages; rings are zero, the ident PT is
     * libxenguest's identity map */
    assert_int_equal(hvm->params[HVM_PARAM_STORE_PFN], mfn_x(res->store_mfn));
    assert_int_equal(hvm->params[HVM_PARAM_CONSOLE_PFN], mfn_x(res->console_mfn));
    assert_int_equal(hvm->params[HVM_PARAM_STORE_PFN], special + PVH_SPECIALPAGE_XENSTORE);
    assert_int_equal(hvm->params[HVM_PARAM_CONSOLE_PFN], special + PVH_SPECIALPAGE_CONSOLE);
    assert_int_equal(hvm->params[HVM_PARAM_BUFIOREQ_PFN], special + PVH_SPECIALPAGE_BUFIOREQ);
    assert_int_equal(hvm->params[HVM_PARAM_IOREQ_PFN], special + PVH_SPECIALPAGE_IOREQ);
    assert_int_equal(hvm->params[HVM_PARAM_PAGING_RING_PFN], special + PVH_SPECIALPAGE_PAGING);
    assert_int_equal(hvm->params[HVM_PARAM_MONITOR_RING_PFN], special + PVH_SPECIALPAGE_ACCESS);
    assert_int_equal(hvm->params[HVM_PARAM_SHARING_RING_PFN], special + PVH_SPECIALPAGE_SHARING);
    assert_int_equal(hvm->params[HVM_PARAM_IDENT_PT], (special + PVH_SPECIALPAGE_IDENT_PT)
                                                          << PAGE_SHIFT);
    assert_int_equal(hvm->params[HVM_PARAM_TIMER_MODE], HVMPTM_no_delay_for_missed_ticks);
    for (unsigned i = 0; i < PVH_NR_SPECIAL_PAGES; i++) {
        page = sim_gfn(f->s, d, special + i);
        if (i == PVH_SPECIALPAGE_IDENT_PT) {
            for (unsigned e = 0; e < 1024; e++)
                assert_int_equal(get_le32(page + 4 * e), (e << 22) | 0xe7u);
        } else {
            assert_true(page_is_zero(page));
        }
    }
    if (f->req.channel_page) {
        assert_int_equal(pfn_x(res->channel_pfn), special - 1);
        assert_int_equal(mfn_x(res->channel_mfn), special - 1);
        assert_true(page_is_zero(sim_gfn(f->s, d, special - 1)));
    } else {
        assert_int_equal(mfn_x(res->channel_mfn), 0);
    }

    /* event channels: unbound in the guest, for the backend */
    assert_int_equal(hvm->params[HVM_PARAM_STORE_EVTCHN], res->store_port);
    assert_int_equal(hvm->params[HVM_PARAM_CONSOLE_EVTCHN], res->console_port);
    assert_int_not_equal(res->store_port, res->console_port);
    assert_int_equal(sim_evtchn(f->s, d, res->store_port, &remote), 1);
    assert_int_equal(remote, f->req.backend_domid);
    assert_int_equal(sim_evtchn(f->s, d, res->console_port, &remote), 1);
    assert_int_equal(remote, f->req.backend_domid);

    /* grant entries name the gfns of the rings */
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_CONSOLE].flags, GTF_permit_access);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_CONSOLE].domid, f->req.backend_domid);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_CONSOLE].frame, mfn_x(res->console_mfn));
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_XENSTORE].flags, GTF_permit_access);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_XENSTORE].domid, f->req.backend_domid);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_XENSTORE].frame, mfn_x(res->store_mfn));

    /* the boot vCPU: flat 32-bit protected mode at PHYS32_ENTRY, rbx = start info */
    assert_true(hvm->cpu0_up);
    assert_int_equal(hvm->vcpus_up, 1);
    assert_true(info->vcpu_ready);
    assert_int_equal(hvm->cpu0.rip, f->k.img.notes.phys32_entry);
    assert_int_equal(res->entry, f->k.img.notes.phys32_entry);
    assert_int_equal(hvm->cpu0.rbx, res->start_info_va);
    assert_int_equal(hvm->cpu0.cr0, 0x11);
    assert_int_equal(hvm->cpu0.cr4, 0);
    assert_int_equal(hvm->cpu0.msr_efer, 0);
    assert_int_equal(hvm->cpu0.rflags & ((1u << 9) | (1u << 8) | (1u << 17)), 0);
    assert_int_equal(hvm->cpu0.cs_arbytes, 0xc9b);
    assert_int_equal(hvm->cpu0.ds_arbytes, 0xc93);
    assert_int_equal(hvm->cpu0.ss_arbytes, 0xc93);
    assert_int_equal(hvm->cpu0.es_arbytes, 0xc93);
    assert_int_equal(hvm->cpu0.cs_limit, 0xffffffffu);
    assert_int_equal(hvm->cpu0.cs_base, 0);
    assert_int_equal(hvm->cpu0.tr_arbytes, 0x8b);
    assert_int_equal(hvm->cpu0.tr_limit, 0x67);
    assert_int_equal(hvm->cpu0.dr7, 0x400);
    /* MTRRs: every vCPU write-back by default, enabled */
    assert_int_equal(hvm->mtrr_loaded, vcpus);
    for (unsigned v = 0; v < vcpus; v++) {
        struct hvm_hw_mtrr m;
        assert_int_equal(sim_hvm_mtrr(f->s, d, v, &m), 0);
        assert_int_equal(m.msr_mtrr_def_type, 6 | (1u << 11));
        assert_int_equal(m.msr_mtrr_cap, 0x508); /* Xen's, copied */
    }
    free(info);
    free(hvm);
}

/* Build, check, unpause, destroy, and prove every frame came back. */
static void build_and_check(const struct pvh_opts *ko, uint64_t mem_mib, uint64_t rd,
                            unsigned int vcpus, unsigned int order)
{
    struct sim_config cfg = {.nr_frames = 1u << 17,
                             .self = 0,
                             .privileged = true,
                             .max_extent_order = order > 9 ? order : 9};
    struct fx f;

    fx_init_cfg(&f, ko, mem_mib, rd, &cfg);
    f.req.max_vcpus = vcpus;
    f.req.max_extent_order = order;
    assert_int_equal(fx_build(&f, &f.res), 0);
    assert_int_equal(sim_scratch_pages(f.s), 0);
    assert_int_equal(sim_foreign_maps(f.s), 0);
    pvh_check(&f, &f.res);
    assert_int_equal(builder_unpause(&f.ops, f.res.domid, &f.err), 0);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    fx_assert_clean(&f);
    fx_fini(&f);
}

/* ---- good builds ------------------------------------------------------------ */

static void pvh_build_64m(void **state)
{
    (void)state;
    build_and_check(NULL, 64, 0, 1, 9);
}

static void pvh_build_16m(void **state)
{
    (void)state;
    build_and_check(NULL, 16, 0, 1, 9);
}

static void pvh_build_with_ramdisk(void **state)
{
    (void)state;
    build_and_check(NULL, 64, 3 * MIB + 123, 1, 9);
}

static void pvh_build_4_vcpus(void **state)
{
    (void)state;
    build_and_check(NULL, 32, 0, 4, 9);
}

/* xl's maxvcpus above vcpus: 6 vCPUs, the first 2 enabled in the MADT. */
static void pvh_build_offline_vcpus(void **state)
{
    struct sim_config cfg = {.nr_frames = 1u << 17, .privileged = true, .max_extent_order = 9};
    struct fx f;

    (void)state;
    fx_init_cfg(&f, NULL, 32, 0, &cfg);
    f.req.max_vcpus = 6;
    f.req.online_vcpus = 2;
    assert_int_equal(fx_build(&f, &f.res), 0);
    pvh_check(&f, &f.res);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    fx_assert_clean(&f);
    fx_fini(&f);
}

static void pvh_build_128_vcpus(void **state)
{
    (void)state;
    build_and_check(NULL, 64, 0, PVH_MAX_VCPUS, 9);
}

static void pvh_build_order0_odd_size(void **state)
{
    (void)state;
    build_and_check(NULL, 17, 0, 2, 0);
}

static void pvh_build_order12(void **state)
{
    (void)state;
    build_and_check(NULL, 64, MIB, 1, 12);
}

static void pvh_build_big_kernel(void **state)
{
    (void)state;
    /* > 2 MiB of kernel: several mapping windows */
    build_and_check(&(struct pvh_opts){.text_size = 5 * MIB + 0x777}, 64, MIB, 2, 9);
}

/* Our own kernels' layout: linked at physical page 0. */
static void pvh_build_kernel_at_page0(void **state)
{
    (void)state;
    build_and_check(&(struct pvh_opts){.phys = 0, .phys_set = true}, 32, 0, 1, 9);
}

/* Linux's layout: text at 16 MiB. */
static void pvh_build_kernel_at_16m(void **state)
{
    (void)state;
    build_and_check(&(struct pvh_opts){.phys = 16 * MIB, .phys_set = true}, 64, 2 * MIB, 2, 9);
}

static void pvh_build_tail_extents(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 64, 0);
    f.req.mem_kib += 12; /* 3 pages beyond 32 extents of 2 MiB */
    assert_int_equal(fx_build(&f, &f.res), 0);
    assert_int_equal(f.res.nr_pages, 16387);
    assert_int_equal(sim_calls(f.s, SIM_MEMORY_OP), 2);
    pvh_check(&f, &f.res);
    fx_fini(&f);
}

static void pvh_build_channel_page(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    f.req.channel_page = true;
    assert_int_equal(fx_build(&f, &f.res), 0);
    pvh_check(&f, &f.res);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    fx_assert_clean(&f);
    fx_fini(&f);
}

static void pvh_build_no_cmdline(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    f.req.cmdline = NULL;
    assert_int_equal(fx_build(&f, &f.res), 0);
    pvh_check(&f, &f.res);
    fx_fini(&f);
}

/* The dom0 layer appends to the command line where the result says it
 * lives, through map_foreign, and the guest sees it. */
static void pvh_cmdline_append(void **state)
{
    struct fx f;
    xen_pfn_t frame;
    char *page, got[128];
    void *va;
    size_t len;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    assert_int_equal(fx_build(&f, &f.res), 0);
    frame = mfn_x(f.res.cmdline_frame);
    assert_int_equal(f.ops.map_foreign(f.ops.ctx, f.res.domid, &frame, 1, &va), 0);
    page = (char *)va + f.res.cmdline_offset;
    len = strnlen(page, f.res.cmdline_capacity);
    assert_int_equal(len, strlen(f.req.cmdline));
    memcpy(page + len, " domb.server=0,7,0xfeff7", 25);
    assert_int_equal(f.ops.unmap_foreign(f.ops.ctx, va, 1), 0);
    memcpy(got, sim_gfn(f.s, f.res.domid, frame), sizeof(got));
    got[sizeof(got) - 1] = 0;
    assert_string_equal(got, "console=hvc0 domb.test=pvh domb.server=0,7,0xfeff7");
    fx_fini(&f);
}

/* A 32-bit (ELFCLASS32, EM_386) kernel like GRUB's i386-xen_pvh image: the
 * same guest-side checks (its bytes at p_paddr, BSS zeroed, entered at the
 * 4-byte PHYS32_ENTRY with hvm_start_info in rbx). */
static void pvh_build_elf32(void **state)
{
    (void)state;
    build_and_check(&(struct pvh_opts){.elf32 = true}, 32, 0, 1, 9);
}

static void pvh_build_elf32_ramdisk_vcpus(void **state)
{
    (void)state;
    build_and_check(&(struct pvh_opts){.elf32 = true,
                                       .phys = 16 * MIB,
                                       .phys_set = true,
                                       .text_size = 3 * MIB + 0x123,
                                       .data_memsz = MIB},
                    64, 2 * MIB + 77, 4, 9);
}

static void pvh_and_pv_side_by_side(void **state)
{
    struct fx f;
    struct builder_result pv;
    struct sim_domain_info info;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    assert_int_equal(fx_build(&f, &f.res), 0);
    f.req.guest_type = BUILDER_GUEST_PV64; /* the same image boots as PV */
    assert_int_equal(fx_build(&f, &pv), 0);
    assert_int_equal(pv.guest_type, BUILDER_GUEST_PV64);
    assert_int_not_equal(pv.domid, f.res.domid);
    assert_int_equal(sim_domain_info(f.s, pv.domid, &info), 0);
    assert_false(info.hvm);
    assert_int_equal(pv.cmdline_offset, offsetof(start_info_t, cmd_line));
    assert_int_equal(pv.cmdline_capacity, MAX_GUEST_CMDLINE);
    assert_true(mfn_eq(pv.cmdline_frame, pv.start_info_mfn));
    f.req.guest_type = BUILDER_GUEST_PVH;
    pvh_check(&f, &f.res);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    assert_int_equal(builder_destroy(&f.ops, pv.domid, &f.err), 0);
    fx_assert_clean(&f);
    fx_fini(&f);
}

static void pvh_fixed_domid(void **state)
{
    struct fx f;
    struct builder_result again;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    f.req.domid = 9;
    assert_int_equal(fx_build(&f, &f.res), 0);
    assert_int_equal(f.res.domid, 9);
    f.free_start = sim_free_frames(f.s);
    assert_int_equal(fx_build(&f, &again), -XEN_EEXIST);
    assert_non_null(strstr(f.err.msg, "createdomain"));
    assert_int_equal(sim_free_frames(f.s), f.free_start);
    assert_int_equal(sim_nr_domains(f.s), 1);
    assert_int_equal(sim_scratch_pages(f.s), 0);
    fx_fini(&f);
}

/* xl's grant defaults for PV and PVH alike (Xen's 64 / 1024 frames, v2),
 * and explicit limits passed through. */
static void pvh_grant_defaults(void **state)
{
    struct fx f;
    struct sim_domain_info info;
    struct builder_result pv;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    assert_int_equal(fx_build(&f, &f.res), 0);
    assert_int_equal(sim_domain_info(f.s, f.res.domid, &info), 0);
    assert_int_equal(info.max_grant_frames, 64);
    assert_int_equal(info.max_maptrack_frames, 1024);
    assert_int_equal(info.max_grant_version, 2);
    f.req.guest_type = BUILDER_GUEST_PV64;
    assert_int_equal(fx_build(&f, &pv), 0);
    assert_int_equal(sim_domain_info(f.s, pv.domid, &info), 0);
    assert_int_equal(info.max_grant_frames, 64);
    assert_int_equal(info.max_maptrack_frames, 1024);
    assert_int_equal(info.max_grant_version, 2);
    f.req.guest_type = BUILDER_GUEST_PVH;
    f.req.max_grant_frames = 4;
    f.req.max_maptrack_frames = 128;
    f.req.max_grant_version = 1;
    assert_int_equal(fx_build(&f, &f.res), 0);
    assert_int_equal(sim_domain_info(f.s, f.res.domid, &info), 0);
    assert_int_equal(info.max_grant_frames, 4);
    assert_int_equal(info.max_maptrack_frames, 128);
    assert_int_equal(info.max_grant_version, 1);
    fx_fini(&f);
}

/* A bzImage carries the PVH kernel too: the dom0 layer unpacks it before
 * elf_parse(), and the note survives. */
static void pvh_build_from_bzimage(void **state)
{
    static union decompress_work work;
    struct ref_gzip_opts go = {.level = 9, .strategy = Z_DEFAULT_STRATEGY};
    struct fx f;
    uint8_t *payload, *bz, *elf;
    size_t plen, bzlen, pm = 5 * 512, elf_len = 0;

    (void)state;
    fx_init(&f, NULL, 32, MIB);
    payload = ref_gzip_encode(f.k.out.buf, f.k.out.size, &go, &plen);
    assert_non_null(payload);
    bzlen = pm + 1000 + plen + 4;
    bz = calloc(1, bzlen);
    elf = malloc(f.k.out.size);
    assert_non_null(bz);
    assert_non_null(elf);
    bz[BZIMAGE_SETUP_SECTS_OFF] = 4;
    bz[0x1fe] = 0x55;
    bz[0x1ff] = 0xaa;
    memcpy(bz + BZIMAGE_HEADER_OFF, "HdrS", 4);
    put_le16(bz + BZIMAGE_VERSION_OFF, 0x020f);
    put_le32(bz + BZIMAGE_PAYLOAD_OFF_OFF, 1000);
    put_le32(bz + BZIMAGE_PAYLOAD_LEN_OFF, (uint32_t)(plen + 4));
    memcpy(bz + pm + 1000, payload, plen);
    put_le32(bz + pm + 1000 + plen, (uint32_t)f.k.out.size);
    assert_int_equal(bzimage_extract(bz, bzlen, elf, f.k.out.size, &elf_len, &work, &f.err), 0);
    assert_int_equal(elf_len, f.k.out.size);
    free(f.k.out.buf);
    f.k.out.buf = elf;
    assert_int_equal(elf_parse(&f.k.img, elf, elf_len, &f.err), 0);
    assert_true(f.k.img.notes.has_phys32_entry);
    assert_int_equal(fx_build(&f, &f.res), 0);
    pvh_check(&f, &f.res);
    free(payload);
    free(bz);
    fx_fini(&f);
}

/* ---- refused requests and hostile kernels --------------------------------- */

/* A refusal: the code, a sentence saying what, and nothing left behind. */
static void assert_refused(struct fx *f, int code, const char *msg_has, bool before_hypercalls)
{
    struct builder_result res;
    int rc;

    sim_reset_counts(f->s);
    domb_error_clear(&f->err);
    rc = builder_build(&f->ops, &f->req, &res, &f->err);
    if (rc != code)
        fail_msg("got %d (%s), want %d", rc, f->err.msg, code);
    assert_int_equal(f->err.code, rc);
    if (msg_has && !strstr(f->err.msg, msg_has))
        fail_msg("message \"%s\" does not mention \"%s\"", f->err.msg, msg_has);
    if (before_hypercalls)
        assert_int_equal(sim_hypercalls(f->s), 0);
    fx_assert_clean(f);
}

static void pvh_rejects_bad_requests(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    f.req.guest_type = 7;
    assert_refused(&f, -XEN_EINVAL, "guest type 7", true);
    f.req.guest_type = BUILDER_GUEST_PVH;
    f.req.max_vcpus = PVH_MAX_VCPUS + 1;
    assert_refused(&f, -XEN_EINVAL, "at most 128", true);
    f.req.max_vcpus = 1;
    f.req.max_grant_version = 3;
    assert_refused(&f, -XEN_EINVAL, "grant table version 3", true);
    f.req.max_grant_version = 0;
    f.req.max_grant_frames = -2;
    assert_refused(&f, -XEN_EINVAL, "grant frame limits", true);
    /* Xen's own limit: 65 grant frames is refused at createdomain */
    f.req.max_grant_frames = 65;
    assert_refused(&f, -XEN_EINVAL, "createdomain", false);
    f.req.max_grant_frames = 0;
    f.req.mem_kib = 16 * 1024 + 2;
    assert_refused(&f, -XEN_EINVAL, "multiple of 4 KiB", true);
    fx_fini(&f);
}

/* The same 32-bit image asked for as PV: refused before any hypercall,
 * saying why (no 32-bit PV guests on this Xen). */
static void pvh_elf32_refused_as_pv(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, &(struct pvh_opts){.elf32 = true}, 16, 0);
    assert_true(f.k.img.elf32);
    f.req.guest_type = BUILDER_GUEST_PV64;
    assert_refused(&f, ELF_ERR_NOT_64BIT, "a PV guest must be a 64-bit kernel", true);
    f.req.guest_type = BUILDER_GUEST_PVH;
    assert_int_equal(fx_build(&f, &f.res), 0);
    pvh_check(&f, &f.res);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    fx_assert_clean(&f);
    fx_fini(&f);
}

static void pvh_rejects_image_without_note(void **state)
{
    static struct ew w;
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    free(f.k.out.buf);
    ew_init_default(&w); /* a PV-only kernel */
    ew_build(&w, &f.k.out);
    assert_int_equal(elf_parse(&f.k.img, f.k.out.buf, f.k.out.size, &f.err), 0);
    assert_refused(&f, ELF_ERR_NOT_PVH, "PHYS32_ENTRY", true);
    fx_fini(&f);
}

/* A hand-made PVH image: one text segment at physical `phys` of `size`
 * bytes, entered at `entry`. Linked where it loads (VIRT_BASE 0). */
static int parse_identity(struct fx *f, uint64_t phys, uint64_t size, uint64_t entry,
                          int entry_note_size)
{
    static struct ew w;
    uint64_t v = entry;

    free(f->k.out.buf);
    ew_init_empty(&w);
    w.e_entry = phys;
    ew_load(&w, phys, size, size, EW_PF_R | EW_PF_X);
    w.ph[w.nph++] = (struct ew_phdr){.type = EW_PT_NOTE, .flags = EW_PF_R};
    ew_default_notes(&w, EW_OMIT(XEN_ELFNOTE_VIRT_BASE) | EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET) |
                             EW_OMIT(XEN_ELFNOTE_ENTRY) | EW_OMIT(XEN_ELFNOTE_HYPERCALL_PAGE));
    ew_note_u64(&w, XEN_ELFNOTE_ENTRY, phys);
    ew_note(&w, XEN_ELFNOTE_PHYS32_ENTRY, &v, (uint32_t)entry_note_size);
    ew_build(&w, &f->k.out);
    return elf_parse(&f->k.img, f->k.out.buf, f->k.out.size, &f->err);
}

static void pvh_elf_entry_outside_segments(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    assert_int_equal(parse_identity(&f, 0x200000, 0x2000, 0x300000, 4), ELF_ERR_PHYS32_OUTSIDE);
    assert_non_null(strstr(f.err.msg, "0x300000"));
    fx_fini(&f);
}

static void pvh_elf_entry_not_executable(void **state)
{
    static struct ew w;
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    free(f.k.out.buf);
    ew_init_pvh(&w, EW_PVH_PHYS, 0x2000, 0x3000);
    w.notes_len = 0;
    ew_default_notes(&w, EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET) | EW_OMIT(XEN_ELFNOTE_ENTRY) |
                             EW_OMIT(XEN_ELFNOTE_HYPERCALL_PAGE));
    ew_note_u64(&w, XEN_ELFNOTE_PADDR_OFFSET, 0);
    ew_note_u64(&w, XEN_ELFNOTE_ENTRY, EW_VIRT_BASE + EW_PVH_PHYS);
    ew_note_u32(&w, XEN_ELFNOTE_PHYS32_ENTRY, EW_PVH_PHYS + 0x2500); /* in the data */
    ew_build(&w, &f.k.out);
    assert_int_equal(elf_parse(&f.k.img, f.k.out.buf, f.k.out.size, &f.err),
                     ELF_ERR_PHYS32_OUTSIDE);
    assert_non_null(strstr(f.err.msg, "not executable"));
    fx_fini(&f);
}

static void pvh_elf_short_note(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    assert_int_equal(parse_identity(&f, 0x200000, 0x2000, 0x200040, 2), ELF_ERR_PHYS32_ENTRY);
    assert_non_null(strstr(f.err.msg, "2-byte"));
    assert_int_equal(parse_identity(&f, 0x200000, 0x2000, 0x200040, 3), ELF_ERR_PHYS32_ENTRY);
    /* 8 bytes are fine while the value is below 4 GiB */
    assert_int_equal(parse_identity(&f, 0x200000, 0x2000, 0x200040, 8), 0);
    assert_int_equal(f.k.img.notes.phys32_entry, 0x200040);
    fx_fini(&f);
}

static void pvh_elf_note_above_4g(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    assert_int_equal(parse_identity(&f, 0x200000, 0x2000, 0x100200040ULL, 8), ELF_ERR_PHYS32_ENTRY);
    assert_non_null(strstr(f.err.msg, "below 4 GiB"));
    fx_fini(&f);
}

static void pvh_elf_segment_past_4g(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    assert_int_equal(parse_identity(&f, 0xffffe000ULL, 0x4000, 0xffffe040ULL, 4),
                     ELF_ERR_PHYS_RANGE);
    assert_non_null(strstr(f.err.msg, "past 4 GiB"));
    fx_fini(&f);
}

static void pvh_elf_overlaps_special_pages(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    assert_int_equal(parse_identity(&f, 0xfeffa000ULL, 0x2000, 0xfeffa040ULL, 4), 0);
    assert_refused(&f, ELF_ERR_PHYS_RESERVED, "special pages", true);
    fx_fini(&f);
}

static void pvh_elf_overlaps_acpi(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    assert_int_equal(parse_identity(&f, 0xfbffe000ULL, 0x4000, 0xfbffe040ULL, 4), 0);
    assert_refused(&f, ELF_ERR_PHYS_RESERVED, "0xfc000000", true);
    fx_fini(&f);
}

static void pvh_elf_beyond_memory(void **state)
{
    struct fx f;

    (void)state;
    fx_init(&f, &(struct pvh_opts){.phys = 64 * MIB, .phys_set = true}, 32, 0);
    assert_refused(&f, ELF_ERR_TOO_BIG_FOR_DOMAIN, "beyond the guest's", true);
    fx_fini(&f);
}

/* The kernel fits, but start info and command line no longer do. */
static void pvh_no_room_after_kernel(void **state)
{
    struct fx f;

    (void)state;
    /* text 1 MiB .. 15 MiB + data: ends a page before 16 MiB, which leaves
     * room for the start info page but not for the command line */
    fx_init(&f, &(struct pvh_opts){.text_size = 14 * MIB, .data_memsz = MIB - 0x1400}, 16, 0);
    assert_int_equal(f.k.img.phys_end, 16 * MIB - PAGE_SIZE);
    assert_refused(&f, -XEN_ENOMEM, "cannot hold", true);
    fx_fini(&f);
}

static void pvh_refused_when_unprivileged(void **state)
{
    struct sim_config cfg = {.nr_frames = 1u << 14, .privileged = false, .max_extent_order = 9};
    struct fx f;

    (void)state;
    fx_init_cfg(&f, NULL, 16, 0, &cfg);
    assert_refused(&f, -XEN_EPERM, "createdomain", false);
    fx_fini(&f);
}

/* ---- the simulator's HVM rules through the builder -------------------------- */

/* A seam that forwards to the simulator but lies about one thing. The
 * simulator's ctx stays in every op, so the two ops it wraps find their
 * state through a pointer (tests run one at a time). */
struct lying {
    const struct xenops *inner;
    bool skip_pool;  /* set_paging_mempool_size "succeeds" without reaching Xen */
    bool bad_header; /* gethvmcontext's header comes back with another cpuid */
    bool no_memmap;  /* set_memory_map "succeeds" without reaching Xen */
    struct xenops_e820 map[8];
    unsigned int nr_map;
};

static struct lying *the_lie;

static int lie_domctl(void *ctx, struct xen_domctl *op)
{
    struct lying *l = the_lie;
    int rc;

    if (l->skip_pool && op->cmd == XEN_DOMCTL_set_paging_mempool_size)
        return 0;
    rc = l->inner->domctl(ctx, op);
    if (rc == 0 && l->bad_header && op->cmd == XEN_DOMCTL_gethvmcontext &&
        op->u.hvmcontext.buffer.p) {
        struct hvm_save_header *h =
            (struct hvm_save_header *)((uint8_t *)op->u.hvmcontext.buffer.p +
                                       sizeof(struct hvm_save_descriptor));
        h->cpuid ^= 0x100;
    }
    return rc;
}

static int lie_memory_map(void *ctx, struct xen_foreign_memory_map *map)
{
    struct lying *l = the_lie;

    l->nr_map = map->map.nr_entries < 8 ? map->map.nr_entries : 8;
    memcpy(l->map, map->map.buffer.p, l->nr_map * sizeof(l->map[0]));
    if (l->no_memmap)
        return 0;
    return l->inner->set_memory_map(ctx, map);
}

static void lie_init(struct lying *l, const struct xenops *inner, struct xenops *out)
{
    memset(l, 0, sizeof(*l));
    l->inner = inner;
    the_lie = l;
    *out = *inner;
    out->domctl = lie_domctl;
    out->set_memory_map = lie_memory_map;
}

/* A build that never sets the paging pool: the domain builds, but the
 * simulator refuses to run it with HAP's 256-page default pool. */
static void pvh_sim_pool_required(void **state)
{
    struct fx f;
    struct lying l;
    struct xenops ops;
    struct sim_hvm_info hvm;

    (void)state;
    fx_init(&f, NULL, 64, 0);
    lie_init(&l, &f.ops, &ops);
    l.skip_pool = true;
    assert_int_equal(builder_build(&ops, &f.req, &f.res, &f.err), 0);
    assert_int_equal(sim_hvm_info(f.s, f.res.domid, &hvm), 0);
    assert_false(hvm.pool_set);
    assert_int_equal(hvm.pool_pages, SIM_HAP_INITIAL_POOL);
    assert_int_equal(builder_unpause(&f.ops, f.res.domid, &f.err), -XEN_ENOMEM);
    assert_non_null(strstr(f.err.msg, "unpause"));
    fx_fini(&f);
}

/* A build whose memory map never reached Xen fails at populate. */
static void pvh_sim_memmap_required(void **state)
{
    struct fx f;
    struct lying l;
    struct xenops ops;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    lie_init(&l, &f.ops, &ops);
    l.no_memmap = true;
    assert_int_equal(builder_build(&ops, &f.req, &f.res, &f.err), -XEN_EINVAL);
    assert_non_null(strstr(f.err.msg, "populate_physmap"));
    fx_assert_clean(&f);
    fx_fini(&f);
}

/* A header that is not Xen's own is refused by sethvmcontext. */
static void pvh_sim_header_must_be_xens(void **state)
{
    struct fx f;
    struct lying l;
    struct xenops ops;

    (void)state;
    fx_init(&f, NULL, 16, 0);
    lie_init(&l, &f.ops, &ops);
    l.bad_header = true;
    assert_int_equal(builder_build(&ops, &f.req, &f.res, &f.err), -XEN_EINVAL);
    assert_non_null(strstr(f.err.msg, "sethvmcontext"));
    fx_assert_clean(&f);
    fx_fini(&f);
}

/* More than 4032 MiB: RAM continues above 4 GiB. The memory map is
 * recorded on its way to the simulator, which has too little memory to
 * populate it: the build fails cleanly after the map was set. */
static void pvh_highmem_memory_map(void **state)
{
    struct fx f;
    struct lying l;
    struct xenops ops;

    (void)state;
    fx_init(&f, NULL, 4096 + 64, 0);
    lie_init(&l, &f.ops, &ops);
    assert_int_equal(builder_build(&ops, &f.req, &f.res, &f.err), -XEN_ENOMEM);
    assert_non_null(strstr(f.err.msg, "populate_physmap"));
    fx_assert_clean(&f);
    assert_int_equal(l.nr_map, 4);
    assert_int_equal(l.map[0].addr, 0);
    assert_int_equal(l.map[0].size, PVH_HOLE_START);
    assert_int_equal(l.map[0].type, 1);
    assert_int_equal(l.map[1].type, 3);
    assert_int_equal(l.map[2].type, 2);
    assert_int_equal(l.map[3].addr, 1ULL << 32);
    assert_int_equal(l.map[3].size, (4096ULL + 64) * MIB - PVH_HOLE_START);
    assert_int_equal(l.map[3].type, 1);
    assert_int_equal(f.res.pvh.highmem_pages, ((4096ULL + 64) * MIB - PVH_HOLE_START) >> 12);
    fx_fini(&f);
}

/* ---- fault injection and the budget ----------------------------------------- */

static void fault_every_call(const struct pvh_opts *ko, uint64_t mem_mib, uint64_t rd,
                             unsigned int vcpus)
{
    struct xenops_fault fault;
    struct fx f;
    unsigned long total;

    fx_init(&f, ko, mem_mib, rd);
    f.req.max_vcpus = vcpus;
    f.req.channel_page = true;
    xenops_fault_init(&fault, &f.ops);
    assert_int_equal(builder_build(&fault.ops, &f.req, &f.res, &f.err), 0);
    xenops_fault_fired(&fault, &total);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    assert_true(total > 10);
    for (unsigned long n = 1; n <= total; n++) {
        int rc;
        xenops_fault_arm(&fault, n, -XEN_EIO);
        domb_error_clear(&f.err);
        rc = builder_build(&fault.ops, &f.req, &f.res, &f.err);
        if (rc == 0)
            fprintf(stderr, "failing call %lu of %lu did not fail the build\n", n, total);
        assert_int_not_equal(rc, 0);
        assert_int_equal(f.err.code, rc);
        assert_true(strlen(f.err.msg) > 10);
        fx_assert_clean(&f);
    }
    xenops_fault_arm(&fault, 0, 0);
    assert_int_equal(fx_build(&f, &f.res), 0);
    pvh_check(&f, &f.res);
    printf("PVH fault injection: %lu calls, each failed in turn, all cleaned up\n", total);
    fx_fini(&f);
}

static void pvh_fault_injection_64m_ramdisk(void **state)
{
    (void)state;
    fault_every_call(NULL, 64, MIB + 5, 1);
}

static void pvh_fault_injection_big_kernel_4_vcpus(void **state)
{
    (void)state;
    fault_every_call(&(struct pvh_opts){.text_size = 3 * MIB}, 32, 0, 4);
}

/*
 * The hypercall budget of a 64 MiB PVH build of a small kernel:
 * create 5 (createdomain, max_vcpus, max_mem, paging pool, memory map),
 * populate 2 (32 extents of 2 MiB; the ACPI and special pages in 4 KiB),
 * load 4 (2 event channels, 1 map + 1 unmap: kernel .. command line, ACPI,
 * special pages in one window), start 5 calls (the HVM params in one
 * multicall, gethvmcontext twice, sethvmcontext, the grant seed): 19
 * hypercalls, the grant seed counted as the 4 it is on real Xen.
 */
static void pvh_hypercall_budget_64m(void **state)
{
    struct fx f;
    unsigned int per_phase = 0;

    (void)state;
    fx_init(&f, NULL, 64, 0);
    sim_reset_counts(f.s);
    assert_int_equal(fx_build(&f, &f.res), 0);
    printf("hypercall budget, 64 MiB PVH build:\n");
    for (int kind = 0; kind < SIM_CALL_KINDS; kind++)
        printf("  %-18s %lu\n", sim_call_name(kind), sim_calls(f.s, kind));
    for (int p = 0; p < BUILDER_PHASE_COUNT; p++) {
        printf("  phase %-12s %u\n", builder_phase_name(p), f.res.hypercalls[p]);
        per_phase += f.res.hypercalls[p];
    }
    printf("  total hypercalls  %lu (grant seed counted as %d)\n", sim_hypercalls(f.s),
           SIM_GRANT_SEED_HVM_HYPERCALLS);
    assert_int_equal(sim_calls(f.s, SIM_DOMCTL), 7); /* create 4, get 2, set 1 */
    assert_int_equal(sim_calls(f.s, SIM_MEMORY_MAP), 1);
    assert_int_equal(sim_calls(f.s, SIM_MEMORY_OP), 2);
    assert_int_equal(sim_calls(f.s, SIM_EVTCHN_OP), 2);
    assert_int_equal(sim_calls(f.s, SIM_MAP_FOREIGN), 1);
    assert_int_equal(sim_calls(f.s, SIM_UNMAP_FOREIGN), 1);
    assert_int_equal(sim_calls(f.s, SIM_HVM_OP), 1);
    assert_int_equal(sim_calls(f.s, SIM_GRANT_SEED_HVM), 1);
    assert_int_equal(sim_calls(f.s, SIM_GRANT_SEED), 0);
    assert_int_equal(sim_calls(f.s, SIM_MMU_UPDATE), 0);
    assert_int_equal(sim_calls(f.s, SIM_MMUEXT_OP), 0);
    assert_int_equal(sim_calls(f.s, SIM_ALLOC_PAGES), 2);
    assert_int_equal(sim_calls(f.s, SIM_FREE_PAGES), 2);
    assert_int_equal(sim_hypercalls(f.s), 19);
    assert_int_equal(per_phase, sim_hypercalls(f.s) - (SIM_GRANT_SEED_HVM_HYPERCALLS - 1));
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_CREATE], 5);
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_POPULATE], 2);
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_LOAD], 4);
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_PAGETABLES], 0);
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_START], 5);
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_CLEANUP], 0);
    fx_fini(&f);
}

/* Windows grow with the kernel: 1 map + 1 unmap per 512 frames written. */
static void pvh_windows_scale(void **state)
{
    struct fx f;
    uint64_t frames;

    (void)state;
    fx_init(&f, &(struct pvh_opts){.text_size = 5 * MIB}, 64, 0);
    assert_int_equal(fx_build(&f, &f.res), 0);
    frames = pfn_x(f.res.pvh.cmdline) + 1 - pfn_x(f.res.pvh.kernel) + f.res.pvh.acpi_pages +
             PVH_NR_SPECIAL_PAGES;
    assert_int_equal(sim_calls(f.s, SIM_MAP_FOREIGN),
                     (frames + XENOPS_MAP_BATCH_MAX - 1) / XENOPS_MAP_BATCH_MAX);
    assert_int_equal(sim_calls(f.s, SIM_UNMAP_FOREIGN), sim_calls(f.s, SIM_MAP_FOREIGN));
    fx_fini(&f);
}

/* The ACPI writer on its own: sizes, alignment, refusals. */
static void pvh_acpi_writer(void **state)
{
    uint8_t *buf = malloc(3 * PAGE_SIZE);
    struct acpi_tables t;
    struct domb_error err;
    struct acpi_config c = {.base = PVH_ACPI_BASE, .nr_vcpus = 1, .lapic_base = PVH_LAPIC_BASE};

    (void)state;
    assert_non_null(buf);
    assert_int_equal(acpi_tables_size(0), 0);
    assert_int_equal(acpi_tables_size(ACPI_MAX_VCPUS + 1), 0);
    assert_true(acpi_tables_size(ACPI_MAX_VCPUS) <= PAGE_SIZE);
    assert_true(acpi_tables_size(2) > acpi_tables_size(1));
    assert_int_equal(acpi_write_tables(&c, buf, 3 * PAGE_SIZE, &t, &err), 0);
    assert_int_equal(t.rsdp, PVH_ACPI_BASE);
    assert_int_equal(t.size, acpi_tables_size(1));
    assert_true(!(t.xsdt & 15) && !(t.fadt & 15) && !(t.madt & 15) && !(t.dsdt & 15));
    assert_int_equal(acpi_write_tables(&c, buf, t.size - 1, &t, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "need"));
    c.base = PVH_ACPI_BASE + 4;
    assert_int_equal(acpi_write_tables(&c, buf, 3 * PAGE_SIZE, &t, &err), -XEN_EINVAL);
    c.base = 0xffffff00;
    assert_int_equal(acpi_write_tables(&c, buf, 3 * PAGE_SIZE, &t, &err), -XEN_EINVAL);
    c.base = PVH_ACPI_BASE;
    c.nr_vcpus = 0;
    assert_int_equal(acpi_write_tables(&c, buf, 3 * PAGE_SIZE, &t, &err), -XEN_EINVAL);
    free(buf);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(pvh_build_64m),
    cmocka_unit_test(pvh_build_16m),
    cmocka_unit_test(pvh_build_with_ramdisk),
    cmocka_unit_test(pvh_build_4_vcpus),
    cmocka_unit_test(pvh_build_128_vcpus),
    cmocka_unit_test(pvh_build_offline_vcpus),
    cmocka_unit_test(pvh_build_order0_odd_size),
    cmocka_unit_test(pvh_build_order12),
    cmocka_unit_test(pvh_build_big_kernel),
    cmocka_unit_test(pvh_build_kernel_at_page0),
    cmocka_unit_test(pvh_build_kernel_at_16m),
    cmocka_unit_test(pvh_build_tail_extents),
    cmocka_unit_test(pvh_build_channel_page),
    cmocka_unit_test(pvh_build_no_cmdline),
    cmocka_unit_test(pvh_cmdline_append),
    cmocka_unit_test(pvh_build_elf32),
    cmocka_unit_test(pvh_build_elf32_ramdisk_vcpus),
    cmocka_unit_test(pvh_elf32_refused_as_pv),
    cmocka_unit_test(pvh_and_pv_side_by_side),
    cmocka_unit_test(pvh_build_from_bzimage),
    cmocka_unit_test(pvh_fixed_domid),
    cmocka_unit_test(pvh_grant_defaults),
    cmocka_unit_test(pvh_rejects_bad_requests),
    cmocka_unit_test(pvh_rejects_image_without_note),
    cmocka_unit_test(pvh_elf_entry_outside_segments),
    cmocka_unit_test(pvh_elf_entry_not_executable),
    cmocka_unit_test(pvh_elf_short_note),
    cmocka_unit_test(pvh_elf_note_above_4g),
    cmocka_unit_test(pvh_elf_segment_past_4g),
    cmocka_unit_test(pvh_elf_overlaps_special_pages),
    cmocka_unit_test(pvh_elf_overlaps_acpi),
    cmocka_unit_test(pvh_elf_beyond_memory),
    cmocka_unit_test(pvh_no_room_after_kernel),
    cmocka_unit_test(pvh_refused_when_unprivileged),
    cmocka_unit_test(pvh_sim_pool_required),
    cmocka_unit_test(pvh_sim_memmap_required),
    cmocka_unit_test(pvh_sim_header_must_be_xens),
    cmocka_unit_test(pvh_highmem_memory_map),
    cmocka_unit_test(pvh_fault_injection_64m_ramdisk),
    cmocka_unit_test(pvh_fault_injection_big_kernel_4_vcpus),
    cmocka_unit_test(pvh_hypercall_budget_64m),
    cmocka_unit_test(pvh_windows_scale),
    cmocka_unit_test(pvh_acpi_writer),
};

DOMB_TEST_MAIN(tests)
