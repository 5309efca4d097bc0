/*
 * Full builds of generated PV64 kernels against the simulated hypervisor:
 * every build passes the guest model check; every call of a build can fail
 * and the build still cleans up completely; the hypercall budget is tight.
 */
#include "domb_test.h"
#include "elf_writer.h"
#include "guest_check.h"

#include <builder/xenops_fault.h>
#include <domb/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/elfnote.h>

#define MIB (1ULL << 20)

struct kernel_opts {
    uint64_t text_size; /* bytes of code (>= 4 KiB: holds the hypercall page) */
    bool init_p2m;
    uint64_t init_p2m_va;
    bool mod_start_pfn;
};

struct kernel {
    struct ew_out out;
    struct elf_image img;
};

/* A PV64 kernel like ours: VIRT_BASE 0xffffffff80000000, text from
 * EW_TEXT with the entry and the hypercall page, then data + BSS starting
 * mid-page. */
static void make_kernel(struct kernel *k, const struct kernel_opts *o)
{
    static struct ew w; /* large; tests run one at a time */
    uint64_t text = o->text_size < 0x1000 ? 0x1000 : o->text_size;
    uint64_t data = ((EW_TEXT + text + 0xfff) & ~0xfffULL) + 0x400;
    struct domb_error err;

    ew_init_empty(&w);
    w.e_entry = EW_ENTRY;
    ew_load(&w, EW_TEXT, text, text, EW_PF_R | EW_PF_X);
    ew_load(&w, data, 0x300, 0x3000, EW_PF_R | EW_PF_W);
    w.ph[w.nph++] = (struct ew_phdr){.type = EW_PT_NOTE, .flags = EW_PF_R};
    ew_default_notes(&w, 0);
    if (o->init_p2m)
        ew_note_u64(&w, XEN_ELFNOTE_INIT_P2M, o->init_p2m_va ? o->init_p2m_va : 0x8000000000ULL);
    if (o->mod_start_pfn)
        ew_note_u32(&w, XEN_ELFNOTE_MOD_START_PFN, 1);
    ew_build(&w, &k->out);
    if (elf_parse(&k->img, k->out.buf, k->out.size, &err) != 0) {
        fprintf(stderr, "test kernel rejected: %s\n", err.msg);
        fail();
    }
}

static void free_kernel(struct kernel *k)
{
    free(k->out.buf);
}

static uint8_t *make_ramdisk(uint64_t size)
{
    uint8_t *r = malloc(size);
    assert_non_null(r);
    for (uint64_t i = 0; i < size; i++)
        r[i] = (uint8_t)(i * 7 + (i >> 12) + 1);
    return r;
}

/* One simulator, one kernel, one request: what every test here starts from. */
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

static const struct kernel_opts small_kernel = {.text_size = 0x3000};

static void fx_init_sim(struct fx *f, const struct kernel_opts *ko, uint64_t mem_mib,
                        uint64_t rd_size, const struct sim_config *cfg)
{
    memset(f, 0, sizeof(*f));
    f->s = sim_create(cfg);
    sim_ops(f->s, &f->ops);
    make_kernel(&f->k, ko);
    f->rd = rd_size ? make_ramdisk(rd_size) : NULL;
    f->req = (struct builder_request){.kernel = &f->k.img,
                                      .ramdisk = f->rd,
                                      .ramdisk_size = rd_size,
                                      .mem_kib = mem_mib * 1024,
                                      .max_vcpus = 1,
                                      .backend_domid = 0,
                                      .max_extent_order = cfg->max_extent_order,
                                      .cmdline = "console=hvc0 domb.test=1"};
    f->free_start = sim_free_frames(f->s);
}

static void fx_init(struct fx *f, const struct kernel_opts *ko, uint64_t mem_mib, uint64_t rd_size,
                    unsigned int max_order)
{
    struct sim_config cfg = {
        .nr_frames = 1u << 16, .self = 0, .privileged = true, .max_extent_order = max_order};
    fx_init_sim(f, ko, mem_mib, rd_size, &cfg);
}

static void fx_fini(struct fx *f)
{
    sim_destroy(f->s);
    free(f->rd);
    free_kernel(&f->k);
}

static int fx_build(struct fx *f, struct builder_result *res)
{
    int rc = builder_build(&f->ops, &f->req, res, &f->err);
    if (rc)
        fprintf(stderr, "build: %s\n", f->err.msg);
    return rc;
}

static void fx_check(struct fx *f, const struct builder_result *res)
{
    guest_check(f->s, res,
                &(struct guest_expect){.img = &f->k.img,
                                       .ramdisk = f->rd,
                                       .ramdisk_size = f->req.ramdisk_size,
                                       .cmdline = f->req.cmdline,
                                       .backend = f->req.backend_domid});
}

/* Nothing of a failed or destroyed build is left in the simulator. */
static void fx_assert_clean(struct fx *f)
{
    assert_int_equal(sim_nr_domains(f->s), 0);
    assert_int_equal(sim_free_frames(f->s), f->free_start);
    assert_int_equal(sim_scratch_pages(f->s), 0);
    assert_int_equal(sim_foreign_maps(f->s), 0);
}

/* Build, pass the model check, destroy, and prove every frame came back. */
static void build_and_check(const struct kernel_opts *ko, uint64_t mem_mib, uint64_t ramdisk_size,
                            unsigned int max_order)
{
    struct fx f;
    fx_init(&f, ko, mem_mib, ramdisk_size, max_order);
    assert_int_equal(fx_build(&f, &f.res), 0);
    assert_int_equal(sim_scratch_pages(f.s), 0);
    assert_int_equal(sim_foreign_maps(f.s), 0);
    fx_check(&f, &f.res);
    assert_int_equal(builder_unpause(&f.ops, f.res.domid, &f.err), 0);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    fx_assert_clean(&f);
    fx_fini(&f);
}

static void build_16m(void **state)
{
    (void)state;
    build_and_check(&small_kernel, 16, 0, 9);
}

static void build_64m(void **state)
{
    (void)state;
    build_and_check(&small_kernel, 64, 0, 9);
}

static void build_128m(void **state)
{
    (void)state;
    build_and_check(&small_kernel, 128, 0, 9);
}

static void build_with_ramdisk(void **state)
{
    (void)state;
    build_and_check(&small_kernel, 64, 3 * MIB + 123, 9);
}

static void build_big_kernel(void **state)
{
    (void)state;
    /* > 4 MiB image: several mapping windows, page tables beyond 8 MiB */
    build_and_check(&(struct kernel_opts){.text_size = 5 * MIB + 0x777}, 64, MIB, 9);
}

static void build_init_p2m(void **state)
{
    (void)state;
    build_and_check(&(struct kernel_opts){.text_size = 0x3000, .init_p2m = true}, 64, 0, 9);
}

static void build_init_p2m_128m_ramdisk(void **state)
{
    (void)state;
    build_and_check(&(struct kernel_opts){.text_size = 0x3000, .init_p2m = true}, 128, 2 * MIB, 9);
}

static void build_init_p2m_shares_tables(void **state)
{
    (void)state;
    /* p2m right below virt_base: its L3 (and maybe L2) are shared */
    build_and_check(&(struct kernel_opts){.text_size = 0x3000,
                                          .init_p2m = true,
                                          .init_p2m_va = EW_VIRT_BASE - 64 * MIB},
                    64, 0, 9);
}

static void build_mod_start_pfn(void **state)
{
    (void)state;
    build_and_check(&(struct kernel_opts){.text_size = 0x3000, .mod_start_pfn = true}, 32, 100000,
                    9);
}

static void build_order0_odd_size(void **state)
{
    (void)state;
    /* 4 KiB extents only, and a size that is not a multiple of 2 MiB */
    build_and_check(&small_kernel, 17, 0, 0);
}

static void build_dom0_order12(void **state)
{
    (void)state;
    build_and_check(&small_kernel, 64, 0, 12);
}

static void build_tail_extents(void **state)
{
    struct fx f;
    (void)state;
    fx_init(&f, &small_kernel, 64, 0, 9);
    f.req.mem_kib += 12; /* 3 pages beyond 32 extents of 2 MiB */
    assert_int_equal(fx_build(&f, &f.res), 0);
    assert_int_equal(f.res.nr_pages, 16387);
    assert_int_equal(sim_calls(f.s, SIM_MEMORY_OP), 2);
    fx_check(&f, &f.res);
    fx_fini(&f);
}

/* The db-server channel page: right after the console page, inside the
 * bootstrap area, owned by the guest and zero. */
static void build_channel_page(void **state)
{
    struct fx f;

    fx_init(&f, &small_kernel, 16, 0, 9);
    f.req.channel_page = true;
    assert_int_equal(fx_build(&f, &f.res), 0);
    fx_check(&f, &f.res);
    assert_int_equal(pfn_x(f.res.channel_pfn), pfn_x(f.res.layout.console.pfn) + 1);
    assert_true(pfn_x(f.res.channel_pfn) < pfn_x(f.res.layout.pgtables.pfn));
    assert_int_equal(sim_p2m(f.s, f.res.domid, pfn_x(f.res.channel_pfn)), mfn_x(f.res.channel_mfn));
    assert_int_equal(sim_frame_owner(f.s, mfn_x(f.res.channel_mfn)), f.res.domid);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(sim_frame(f.s, mfn_x(f.res.channel_mfn))[i], 0);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    fx_assert_clean(&f);
    fx_fini(&f);
}

static void build_fixed_domid(void **state)
{
    struct fx f;
    struct builder_result again;
    (void)state;
    fx_init(&f, &small_kernel, 16, 0, 9);
    f.req.domid = 7;
    assert_int_equal(fx_build(&f, &f.res), 0);
    assert_int_equal(f.res.domid, 7);
    /* the same id again is refused, and nothing is left behind */
    f.free_start = sim_free_frames(f.s);
    assert_int_equal(fx_build(&f, &again), -XEN_EEXIST);
    assert_non_null(strstr(f.err.msg, "createdomain"));
    assert_int_equal(sim_free_frames(f.s), f.free_start);
    assert_int_equal(sim_nr_domains(f.s), 1);
    assert_int_equal(sim_scratch_pages(f.s), 0);
    fx_fini(&f);
}

static void build_two_domains(void **state)
{
    struct fx f;
    struct builder_result b;
    (void)state;
    fx_init(&f, &small_kernel, 16, 0, 9);
    assert_int_equal(fx_build(&f, &f.res), 0);
    assert_int_equal(fx_build(&f, &b), 0);
    assert_int_not_equal(f.res.domid, b.domid);
    fx_check(&f, &f.res);
    fx_check(&f, &b);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    assert_int_equal(builder_destroy(&f.ops, b.domid, &f.err), 0);
    fx_assert_clean(&f);
    fx_fini(&f);
}

static void build_rejects_bad_requests(void **state)
{
    struct fx f;
    char *longline = malloc(MAX_GUEST_CMDLINE + 1);
    (void)state;
    fx_init(&f, &small_kernel, 16, 0, 9);
    memset(longline, 'x', MAX_GUEST_CMDLINE);
    longline[MAX_GUEST_CMDLINE] = '\0';
    f.req.cmdline = longline;
    assert_int_equal(fx_build(&f, &f.res), -XEN_E2BIG);
    assert_non_null(strstr(f.err.msg, "command line"));
    f.req.cmdline = NULL;
    f.req.mem_kib = 1024; /* 1 MiB: no room for the bootstrap region */
    assert_int_equal(fx_build(&f, &f.res), -XEN_ENOMEM);
    assert_non_null(strstr(f.err.msg, "cannot hold"));
    f.req.mem_kib = 16 * 1024 + 2;
    assert_int_equal(fx_build(&f, &f.res), -XEN_EINVAL);
    f.req.mem_kib = 16 * 1024;
    f.req.ramdisk_size = 10; /* without data */
    assert_int_equal(fx_build(&f, &f.res), -XEN_EINVAL);
    /* refused before any hypercall */
    assert_int_equal(sim_hypercalls(f.s), 0);
    fx_assert_clean(&f);
    free(longline);
    fx_fini(&f);
}

static void build_refused_when_unprivileged(void **state)
{
    struct sim_config cfg = {.nr_frames = 1u << 14, .privileged = false, .max_extent_order = 9};
    struct fx f;
    (void)state;
    fx_init_sim(&f, &small_kernel, 16, 0, &cfg);
    assert_int_equal(fx_build(&f, &f.res), -XEN_EPERM);
    fx_assert_clean(&f);
    fx_fini(&f);
}

/*
 * Fault injection: count the calls of a good build, then fail call N for
 * every N. Each build must fail with an error sentence, and the simulator
 * must show no domain, every frame free, no scratch page and no mapping.
 */
static void fault_every_call(const struct kernel_opts *ko, uint64_t mem_mib, uint64_t rd_size)
{
    struct xenops_fault fault;
    struct fx f;
    unsigned long total;

    fx_init(&f, ko, mem_mib, rd_size, 9);
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
    /* and with injection disarmed, the same build still works */
    xenops_fault_arm(&fault, 0, 0);
    assert_int_equal(fx_build(&f, &f.res), 0);
    printf("fault injection: %lu calls, each failed in turn, all cleaned up\n", total);
    fx_fini(&f);
}

static void fault_injection_64m_ramdisk(void **state)
{
    (void)state;
    fault_every_call(&small_kernel, 64, MIB + 5);
}

static void fault_injection_big_kernel_init_p2m(void **state)
{
    (void)state;
    fault_every_call(&(struct kernel_opts){.text_size = 5 * MIB, .init_p2m = true}, 64, 0);
}

/*
 * The hypercall budget of a 64 MiB build of a small kernel: 4 domctls to
 * create, 1 populate (32 extents of 2 MiB), getdomaininfo + 2 event
 * channels, one map+unmap window for kernel..console, one for the page
 * tables + stack, then hypercall_init, pin, setvcpucontext and the grant
 * seed (3 hypercalls on real Xen).
 */
static void hypercall_budget_64m(void **state)
{
    struct fx f;
    unsigned int per_phase = 0;

    (void)state;
    fx_init(&f, &small_kernel, 64, 0, 9);
    sim_reset_counts(f.s);
    assert_int_equal(fx_build(&f, &f.res), 0);
    printf("hypercall budget, 64 MiB PV64 build:\n");
    for (int kind = 0; kind < SIM_CALL_KINDS; kind++)
        printf("  %-18s %lu\n", sim_call_name(kind), sim_calls(f.s, kind));
    for (int p = 0; p < BUILDER_PHASE_COUNT; p++) {
        printf("  phase %-12s %u\n", builder_phase_name(p), f.res.hypercalls[p]);
        per_phase += f.res.hypercalls[p];
    }
    printf("  total hypercalls  %lu (grant seed counted as %d)\n", sim_hypercalls(f.s),
           SIM_GRANT_SEED_HYPERCALLS);
    assert_int_equal(sim_calls(f.s, SIM_DOMCTL), 7); /* 4 create, info, hc init, vcpu */
    assert_int_equal(sim_calls(f.s, SIM_MEMORY_OP), 1);
    assert_int_equal(sim_calls(f.s, SIM_MAP_FOREIGN), 2);
    assert_int_equal(sim_calls(f.s, SIM_UNMAP_FOREIGN), 2);
    assert_int_equal(sim_calls(f.s, SIM_MMUEXT_OP), 1);
    assert_int_equal(sim_calls(f.s, SIM_MMU_UPDATE), 0);
    assert_int_equal(sim_calls(f.s, SIM_EVTCHN_OP), 2);
    assert_int_equal(sim_calls(f.s, SIM_GRANT_SEED), 1);
    assert_int_equal(sim_calls(f.s, SIM_ALLOC_PAGES), 1);
    assert_int_equal(sim_calls(f.s, SIM_FREE_PAGES), 1);
    assert_int_equal(sim_hypercalls(f.s), 18);
    assert_int_equal(per_phase, sim_hypercalls(f.s) - (SIM_GRANT_SEED_HYPERCALLS - 1));
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_CREATE], 4);
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_POPULATE], 1);
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_LOAD], 5);
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_PAGETABLES], 2);
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_START], 4);
    assert_int_equal(f.res.hypercalls[BUILDER_PHASE_CLEANUP], 0);
    fx_fini(&f);
}

/* A clock that advances 1 us per reading, for the phase timings. */
static uint64_t fake_clock_ns;

static uint64_t fake_now_ns(void *ctx)
{
    (void)ctx;
    return fake_clock_ns += 1000;
}

/* With a clock every phase of a good build takes time, cleanup none, and
 * the phases add up to the whole build; without one, all stay zero. */
static void phase_timings(void **state)
{
    struct fx f;
    uint64_t first, sum = 0;

    (void)state;
    fx_init(&f, &small_kernel, 64, 0, 9);
    assert_int_equal(fx_build(&f, &f.res), 0);
    for (int p = 0; p < BUILDER_PHASE_COUNT; p++)
        assert_true(f.res.phase_ns[p] == 0);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);

    f.ops.now_ns = fake_now_ns;
    first = fake_clock_ns + 1000;
    assert_int_equal(fx_build(&f, &f.res), 0);
    for (int p = 0; p < BUILDER_PHASE_CLEANUP; p++) {
        assert_true(f.res.phase_ns[p] > 0);
        sum += f.res.phase_ns[p];
    }
    assert_true(f.res.phase_ns[BUILDER_PHASE_CLEANUP] == 0);
    assert_true(sum == fake_clock_ns - first);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);

    /* A build that fails in populate spends time cleaning up. */
    {
        struct xenops_fault fault;

        xenops_fault_init(&fault, &f.ops);
        xenops_fault_arm(&fault, 6, -XEN_ENOMEM);
        assert_int_not_equal(builder_build(&fault.ops, &f.req, &f.res, &f.err), 0);
    }
    assert_true(f.res.phase_ns[BUILDER_PHASE_CLEANUP] > 0);
    assert_true(f.res.phase_ns[BUILDER_PHASE_LOAD] == 0);
    fx_fini(&f);
}

/* Windows grow with the image: 1 map+unmap per 512 frames written. */
static void hypercall_budget_scales_with_windows(void **state)
{
    struct fx f;
    uint64_t load_pages;

    (void)state;
    fx_init(&f, &(struct kernel_opts){.text_size = 5 * MIB}, 64, 0, 9);
    assert_int_equal(fx_build(&f, &f.res), 0);
    load_pages = pfn_x(f.res.layout.pgtables.pfn) - pfn_x(f.res.layout.kernel.pfn);
    assert_int_equal(sim_calls(f.s, SIM_MAP_FOREIGN),
                     (load_pages + XENOPS_MAP_BATCH_MAX - 1) / XENOPS_MAP_BATCH_MAX + 1);
    assert_int_equal(sim_calls(f.s, SIM_UNMAP_FOREIGN), sim_calls(f.s, SIM_MAP_FOREIGN));
    fx_fini(&f);
}

/* xl's cpus/cpus_soft: every vCPU pinned through XEN_DOMCTL_setvcpuaffinity
 * after createdomain; a map with no online CPU fails the build cleanly. */
static void build_vcpu_affinity(void **state)
{
    struct sim_config cfg = {
        .nr_frames = 1u << 16, .privileged = true, .max_extent_order = 9, .nr_cpus = 4};
    static const uint8_t hard[2] = {0x06, 0}, soft[2] = {0x0c, 0}, offline[2] = {0x30, 0x01};
    struct fx f;
    uint64_t h, so;
    unsigned int sets;
    unsigned long with_maps;
    (void)state;
    fx_init_sim(&f, &small_kernel, 16, 0, &cfg);
    f.req.max_vcpus = 3;
    f.req.online_vcpus = 2;
    f.req.cpumap_hard = hard;
    f.req.cpumap_soft = soft;
    f.req.cpumap_bytes = 2;
    sim_reset_counts(f.s);
    assert_int_equal(fx_build(&f, &f.res), 0);
    with_maps = sim_calls(f.s, SIM_DOMCTL);
    fx_check(&f, &f.res);
    for (unsigned int v = 0; v < 3; v++) {
        assert_int_equal(sim_vcpu_affinity(f.s, f.res.domid, v, &h, &so, &sets), 0);
        assert_int_equal(h, 0x6);
        assert_int_equal(so, 0xc);
        assert_int_equal(sets, 1);
    }
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    /* one domctl per vCPU, none without maps */
    f.req.cpumap_hard = f.req.cpumap_soft = NULL;
    sim_reset_counts(f.s);
    assert_int_equal(fx_build(&f, &f.res), 0);
    assert_int_equal(with_maps - sim_calls(f.s, SIM_DOMCTL), 3);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    /* CPUs 4, 5 and 8 are not online on this 4-CPU host */
    f.req.cpumap_hard = offline;
    assert_int_equal(builder_build(&f.ops, &f.req, &f.res, &f.err), -XEN_EINVAL);
    assert_string_equal(f.err.msg, "setvcpuaffinity of vCPU 0 refused (-22): none of the CPUs it "
                                   "is pinned to (cpus) is online in Xen");
    fx_assert_clean(&f);
    /* checked before any hypercall */
    sim_reset_counts(f.s);
    f.req.cpumap_bytes = 0;
    assert_int_equal(builder_build(&f.ops, &f.req, &f.res, &f.err), -XEN_EINVAL);
    f.req.cpumap_bytes = BUILDER_CPUMAP_MAX + 1;
    assert_int_equal(builder_build(&f.ops, &f.req, &f.res, &f.err), -XEN_EINVAL);
    f.req.cpumap_hard = NULL;
    f.req.online_vcpus = 4;
    assert_int_equal(builder_build(&f.ops, &f.req, &f.res, &f.err), -XEN_EINVAL);
    assert_string_equal(f.err.msg, "4 vCPUs online but only 3 in all");
    assert_int_equal(sim_hypercalls(f.s), 0);
    fx_assert_clean(&f);
    fx_fini(&f);
}

/* Every call of a build with affinity can fail, and it still cleans up. */
static void fault_injection_affinity(void **state)
{
    struct sim_config cfg = {
        .nr_frames = 1u << 16, .privileged = true, .max_extent_order = 9, .nr_cpus = 2};
    static const uint8_t hard[1] = {0x03};
    struct xenops_fault fault;
    unsigned long total;
    struct fx f;
    (void)state;
    fx_init_sim(&f, &small_kernel, 16, 0, &cfg);
    f.req.max_vcpus = 2;
    f.req.cpumap_hard = hard;
    f.req.cpumap_bytes = 1;
    xenops_fault_init(&fault, &f.ops);
    assert_int_equal(builder_build(&fault.ops, &f.req, &f.res, &f.err), 0);
    xenops_fault_fired(&fault, &total);
    assert_int_equal(builder_destroy(&f.ops, f.res.domid, &f.err), 0);
    for (unsigned long n = 1; n <= total; n++) {
        xenops_fault_arm(&fault, n, -XEN_EIO);
        assert_int_not_equal(builder_build(&fault.ops, &f.req, &f.res, &f.err), 0);
        fx_assert_clean(&f);
    }
    fx_fini(&f);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(build_16m),
    cmocka_unit_test(build_64m),
    cmocka_unit_test(build_128m),
    cmocka_unit_test(build_with_ramdisk),
    cmocka_unit_test(build_big_kernel),
    cmocka_unit_test(build_init_p2m),
    cmocka_unit_test(build_init_p2m_128m_ramdisk),
    cmocka_unit_test(build_init_p2m_shares_tables),
    cmocka_unit_test(build_mod_start_pfn),
    cmocka_unit_test(build_order0_odd_size),
    cmocka_unit_test(build_dom0_order12),
    cmocka_unit_test(build_tail_extents),
    cmocka_unit_test(build_fixed_domid),
    cmocka_unit_test(build_channel_page),
    cmocka_unit_test(build_two_domains),
    cmocka_unit_test(build_rejects_bad_requests),
    cmocka_unit_test(build_refused_when_unprivileged),
    cmocka_unit_test(fault_injection_64m_ramdisk),
    cmocka_unit_test(fault_injection_big_kernel_init_p2m),
    cmocka_unit_test(hypercall_budget_64m),
    cmocka_unit_test(phase_timings),
    cmocka_unit_test(hypercall_budget_scales_with_windows),
    cmocka_unit_test(build_vcpu_affinity),
    cmocka_unit_test(fault_injection_affinity),
};

DOMB_TEST_MAIN(tests)
