/*
 * The simulated hypervisor's rules: each test does one thing Xen refuses
 * and checks the simulator refuses it too (and leaves no state behind), so
 * the builder's end-to-end tests against it mean something.
 */
#include "domb_test.h"

#include <domb/errno.h>
#include <builder/xenops_fault.h>
#include <sim.h>
#include <stdlib.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <string.h>

#define TBL   0x67ULL /* present, rw, user, accessed, dirty */
#define RO    0x25ULL /* present, user, accessed */
#define VA    0xffffffff80000000ULL
#define SLOT4 511
#define SLOT3 510

struct env {
    struct sim *s;
    struct xenops ops;
    domid_t d;
    xen_pfn_t m[16]; /* pfn i -> mfn, order-0 populated */
};

static int domctl(struct env *e, uint32_t cmd, domid_t dom, struct xen_domctl *op)
{
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
    return e->ops.domctl(e->ops.ctx, op);
}

static int create(struct env *e, domid_t want, domid_t *got)
{
    struct xen_domctl op;
    int rc;
    memset(&op, 0, sizeof(op));
    op.u.createdomain.max_vcpus = 1;
    op.u.createdomain.max_evtchn_port = 1023;
    op.u.createdomain.max_grant_frames = -1;
    op.u.createdomain.max_maptrack_frames = -1;
    op.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
    rc = domctl(e, XEN_DOMCTL_createdomain, want, &op);
    *got = op.domain;
    return rc;
}

static long populate(struct env *e, domid_t d, xen_pfn_t *ext, unsigned long n, unsigned order)
{
    struct xen_memory_reservation r;
    memset(&r, 0, sizeof(r));
    set_xen_guest_handle(r.extent_start, ext);
    r.nr_extents = n;
    r.extent_order = order;
    r.domid = d;
    return e->ops.memory_op(e->ops.ctx, XENMEM_populate_physmap, &r);
}

static void env_init(struct env *e, bool privileged)
{
    struct sim_config cfg = {
        .nr_frames = 1u << 14, .self = 0, .privileged = privileged, .max_extent_order = 9};
    struct xen_domctl op;
    memset(e, 0, sizeof(*e));
    e->s = sim_create(&cfg);
    sim_ops(e->s, &e->ops);
    if (!privileged)
        return;
    assert_int_equal(create(e, 0, &e->d), 0);
    memset(&op, 0, sizeof(op));
    op.u.max_vcpus.max = 1;
    assert_int_equal(domctl(e, XEN_DOMCTL_max_vcpus, e->d, &op), 0);
    memset(&op, 0, sizeof(op));
    op.u.max_mem.max_memkb = 4096;
    assert_int_equal(domctl(e, XEN_DOMCTL_max_mem, e->d, &op), 0);
    for (unsigned i = 0; i < 16; i++)
        e->m[i] = i;
    assert_int_equal(populate(e, e->d, e->m, 16, 0), 16);
}

static uint64_t *table(struct env *e, unsigned pfn)
{
    return (uint64_t *)sim_frame(e->s, e->m[pfn]);
}

/* A minimal valid tree for VA: pfn 0 = L4, 1 = L3, 2 = L2, 3 = L1,
 * 4 = data (rw), and the L1 maps itself read-only at VA + 4 KiB. */
static void make_tree(struct env *e)
{
    for (unsigned i = 0; i < 5; i++)
        memset(table(e, i), 0, PAGE_SIZE);
    table(e, 0)[SLOT4] = (e->m[1] << 12) | TBL;
    table(e, 1)[SLOT3] = (e->m[2] << 12) | TBL;
    table(e, 2)[0] = (e->m[3] << 12) | TBL;
    table(e, 3)[0] = (e->m[4] << 12) | TBL;
    table(e, 3)[1] = (e->m[3] << 12) | RO;
}

static int pin(struct env *e, xen_pfn_t mfn, unsigned cmd)
{
    struct mmuext_op op = {.cmd = cmd, .arg1.mfn = mfn};
    return e->ops.mmuext_op(e->ops.ctx, &op, 1, NULL, e->d);
}

/* After a refused pin nothing may stay typed. */
static void assert_untyped(struct env *e)
{
    for (unsigned i = 0; i < 5; i++) {
        unsigned count = 99;
        sim_frame_type(e->s, e->m[i], &count);
        assert_int_equal(count, 0);
        assert_false(sim_frame_pinned(e->s, e->m[i]));
    }
}

static void env_fini(struct env *e)
{
    sim_destroy(e->s);
}

/* Build the good tree with one entry changed: the pin must be refused and
 * leave no type behind. */
static void assert_pin_refused(struct env *e, unsigned pfn, unsigned idx, uint64_t entry)
{
    make_tree(e);
    table(e, pfn)[idx] = entry;
    assert_int_equal(pin(e, e->m[0], MMUEXT_PIN_L4_TABLE), -XEN_EINVAL);
    assert_untyped(e);
}

static void sim_createdomain_ids(void **state)
{
    struct env e;
    domid_t d;
    (void)state;
    env_init(&e, true);
    assert_int_equal(e.d, 1);
    assert_int_equal(create(&e, 0, &d), 0);
    assert_int_equal(d, 2);
    assert_int_equal(create(&e, 2, &d), -XEN_EEXIST);
    assert_int_equal(create(&e, 0, &d), 0); /* 0 = pick the first free id */
    assert_int_equal(d, 3);
    assert_int_equal(create(&e, DOMID_FIRST_RESERVED, &d), -XEN_EINVAL);
    assert_int_equal(sim_nr_domains(e.s), 3);
    env_fini(&e);
}

static void sim_interface_version_checked(void **state)
{
    struct env e;
    struct xen_domctl op;
    (void)state;
    env_init(&e, true);
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_DOMCTL_getdomaininfo;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
    assert_int_equal(e.ops.domctl(e.ops.ctx, &op), -XEN_EACCES);
    env_fini(&e);
}

static void sim_unprivileged_refused(void **state)
{
    struct env e;
    domid_t d;
    xen_pfn_t mfn = 100;
    void *va;
    (void)state;
    env_init(&e, false);
    assert_int_equal(create(&e, 0, &d), -XEN_EPERM);
    assert_int_equal(e.ops.map_foreign(e.ops.ctx, 1, &mfn, 1, &va), -XEN_EPERM);
    env_fini(&e);
}

static void sim_max_vcpus_must_match(void **state)
{
    struct env e;
    struct xen_domctl op;
    domid_t d;
    (void)state;
    env_init(&e, true);
    assert_int_equal(create(&e, 0, &d), 0);
    memset(&op, 0, sizeof(op));
    op.u.max_vcpus.max = 2;
    assert_int_equal(domctl(&e, XEN_DOMCTL_max_vcpus, d, &op), -XEN_EINVAL);
    op.u.max_vcpus.max = 1;
    assert_int_equal(domctl(&e, XEN_DOMCTL_max_vcpus, d, &op), 0);
    assert_int_equal(domctl(&e, XEN_DOMCTL_max_vcpus, d, &op), -XEN_EINVAL); /* once */
    env_fini(&e);
}

static void sim_max_mem_enforced(void **state)
{
    struct env e;
    xen_pfn_t ext[600];
    (void)state;
    env_init(&e, true); /* 4096 KiB = 1024 pages, 16 used */
    for (unsigned i = 0; i < 600; i++)
        ext[i] = 1000 + i;
    assert_int_equal(populate(&e, e.d, ext, 600, 0), 600);
    for (unsigned i = 0; i < 600; i++)
        ext[i] = 2000 + i;
    assert_int_equal(populate(&e, e.d, ext, 600, 0), 1024 - 616);
    assert_int_equal(sim_frames_owned(e.s, e.d), 1024 + 1 /* shared_info */);
    env_fini(&e);
}

static void sim_extent_order_limit(void **state)
{
    struct env e;
    xen_pfn_t ext[1] = {1024};
    uint64_t before;
    (void)state;
    env_init(&e, true);
    before = sim_free_frames(e.s);
    assert_int_equal(populate(&e, e.d, ext, 1, 10), 0); /* limit is 9 */
    assert_int_equal(sim_free_frames(e.s), before);
    env_fini(&e);
}

static void sim_populate_extents(void **state)
{
    struct env e;
    xen_pfn_t ext[2] = {512, 1024};
    struct xen_domctl op;
    (void)state;
    env_init(&e, true);
    memset(&op, 0, sizeof(op));
    op.u.max_mem.max_memkb = 16384;
    assert_int_equal(domctl(&e, XEN_DOMCTL_max_mem, e.d, &op), 0);
    assert_int_equal(populate(&e, e.d, ext, 2, 9), 2);
    for (unsigned x = 0; x < 2; x++) {
        assert_int_equal(ext[x] % 512, 0); /* naturally aligned machine block */
        for (unsigned j = 0; j < 512; j++) {
            uint64_t pfn = 512 + x * 512 + j;
            assert_int_equal(sim_frame_owner(e.s, ext[x] + j), e.d);
            assert_int_equal(sim_m2p(e.s, ext[x] + j), pfn);
            assert_int_equal(sim_p2m(e.s, e.d, pfn), ext[x] + j);
        }
    }
    assert_int_equal(sim_frame(e.s, ext[0])[100], 0xa5); /* not zeroed for us */
    /* a misaligned extent or a pfn populated twice is refused */
    ext[0] = 1536 + 3;
    assert_int_equal(populate(&e, e.d, ext, 1, 9), 0);
    ext[0] = 512;
    assert_int_equal(populate(&e, e.d, ext, 1, 0), 0);
    env_fini(&e);
}

static void sim_destroy_returns_frames(void **state)
{
    struct env e;
    struct xen_domctl op;
    uint64_t start;
    struct sim_config cfg = {.nr_frames = 1u << 14, .privileged = true, .max_extent_order = 9};
    (void)state;
    e.s = sim_create(&cfg);
    start = sim_free_frames(e.s);
    sim_destroy(e.s);
    env_init(&e, true);
    assert_true(sim_free_frames(e.s) < start);
    memset(&op, 0, sizeof(op));
    assert_int_equal(domctl(&e, XEN_DOMCTL_destroydomain, e.d, &op), 0);
    assert_int_equal(sim_free_frames(e.s), start);
    assert_false(sim_domain_exists(e.s, e.d));
    assert_int_equal(domctl(&e, XEN_DOMCTL_destroydomain, e.d, &op), -XEN_ESRCH);
    env_fini(&e);
}

static void sim_map_foreign_rules(void **state)
{
    struct env e;
    xen_pfn_t bad = 5, many[XENOPS_MAP_BATCH_MAX + 1];
    void *va;
    (void)state;
    env_init(&e, true);
    assert_int_equal(e.ops.map_foreign(e.ops.ctx, e.d, &bad, 1, &va), -XEN_EINVAL); /* Xen's */
    assert_int_equal(e.ops.map_foreign(e.ops.ctx, 0, e.m, 1, &va), -XEN_EINVAL);    /* self */
    assert_int_equal(e.ops.map_foreign(e.ops.ctx, 77, e.m, 1, &va), -XEN_ESRCH);
    for (unsigned i = 0; i <= XENOPS_MAP_BATCH_MAX; i++)
        many[i] = e.m[i % 16];
    assert_int_equal(e.ops.map_foreign(e.ops.ctx, e.d, many, XENOPS_MAP_BATCH_MAX + 1, &va),
                     -XEN_EINVAL);
    assert_int_equal(e.ops.map_foreign(e.ops.ctx, e.d, e.m, 0, &va), -XEN_EINVAL);
    /* a good mapping aliases the frames */
    assert_int_equal(e.ops.map_foreign(e.ops.ctx, e.d, e.m, 4, &va), 0);
    ((uint8_t *)va)[3 * PAGE_SIZE + 7] = 0x42;
    assert_int_equal(sim_frame(e.s, e.m[3])[7], 0x42);
    assert_int_equal(sim_foreign_maps(e.s), 4);
    assert_int_equal(e.ops.unmap_foreign(e.ops.ctx, va, 3), -XEN_EINVAL); /* wrong size */
    assert_int_equal(e.ops.unmap_foreign(e.ops.ctx, va, 4), 0);
    assert_int_equal(sim_foreign_maps(e.s), 0);
    assert_int_equal(e.ops.unmap_foreign(e.ops.ctx, va, 4), -XEN_EINVAL); /* twice */
    env_fini(&e);
}

static void sim_pin_valid_tree(void **state)
{
    struct env e;
    unsigned count;
    uint64_t mfn, perms;
    (void)state;
    env_init(&e, true);
    make_tree(&e);
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), 0);
    assert_true(sim_frame_pinned(e.s, e.m[0]));
    assert_int_equal(sim_frame_type(e.s, e.m[3], &count), SIM_PGT_L1);
    assert_int_equal(sim_frame_type(e.s, e.m[4], &count), SIM_PGT_WRITABLE);
    assert_int_equal(sim_walk(e.s, e.m[0], VA + 4096, &mfn, &perms), 0);
    assert_int_equal(mfn, e.m[3]);
    assert_false(perms & 2);
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), -XEN_EINVAL); /* twice */
    assert_int_equal(pin(&e, e.m[0], MMUEXT_UNPIN_TABLE), 0);
    assert_untyped(&e);
    env_fini(&e);
}

static void sim_pin_rejects_writable_table(void **state)
{
    struct env e;
    (void)state;
    env_init(&e, true);
    assert_pin_refused(&e, 3, 1, (e.m[3] << 12) | TBL); /* the L1 maps itself writable */
    assert_pin_refused(&e, 3, 2, (e.m[1] << 12) | TBL); /* the L3 mapped writable */
    env_fini(&e);
}

static void sim_pin_rejects_foreign_frame(void **state)
{
    struct env e;
    domid_t other;
    xen_pfn_t theirs = 3000;
    struct xen_domctl op;
    (void)state;
    env_init(&e, true);
    assert_int_equal(create(&e, 0, &other), 0);
    memset(&op, 0, sizeof(op));
    op.u.max_mem.max_memkb = 64;
    assert_int_equal(domctl(&e, XEN_DOMCTL_max_mem, other, &op), 0);
    assert_int_equal(populate(&e, other, &theirs, 1, 0), 1);
    assert_pin_refused(&e, 3, 5, (theirs << 12) | RO);
    env_fini(&e);
}

static void sim_pin_rejects_xen_slots(void **state)
{
    struct env e;
    (void)state;
    env_init(&e, true);
    assert_pin_refused(&e, 0, 260, (e.m[1] << 12) | TBL);
    env_fini(&e);
}

static void sim_pin_rejects_forbidden_bits(void **state)
{
    struct env e;
    const uint64_t bad_l1[] = {1ULL << 7 /* PAT */, 1ULL << 4 /* PCD */, 1ULL << 55};
    (void)state;
    env_init(&e, true);
    /* PSE: no superpages for PV */
    assert_pin_refused(&e, 2, 0, (e.m[3] << 12) | TBL | 1ULL << 7);
    for (unsigned i = 0; i < 3; i++)
        assert_pin_refused(&e, 3, 0, (e.m[4] << 12) | TBL | bad_l1[i]);
    make_tree(&e);
    table(&e, 3)[0] |= 1ULL << 8 | 1ULL << 63; /* global and NX are fine in an L1 */
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), 0);
    env_fini(&e);
}

static void sim_pin_rejects_retyped_frame(void **state)
{
    struct env e;
    (void)state;
    env_init(&e, true);
    assert_pin_refused(&e, 2, 1, (e.m[2] << 12) | TBL); /* the L2 used as an L1 as well */
    env_fini(&e);
}

static void sim_pin_rejects_mapped_table(void **state)
{
    struct env e;
    void *va;
    (void)state;
    env_init(&e, true);
    make_tree(&e);
    assert_int_equal(e.ops.map_foreign(e.ops.ctx, e.d, &e.m[2], 1, &va), 0);
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), -XEN_EINVAL);
    assert_int_equal(e.ops.unmap_foreign(e.ops.ctx, va, 1), 0);
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), 0);
    env_fini(&e);
}

static void sim_pinned_table_stays_read_only(void **state)
{
    struct env e;
    void *va;
    mmu_update_t u;
    (void)state;
    env_init(&e, true);
    make_tree(&e);
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), 0);
    /* no writable foreign mapping of any table frame */
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(e.ops.map_foreign(e.ops.ctx, e.d, &e.m[i], 1, &va), -XEN_EINVAL);
    /* an L1 update that maps a table writable is refused, read-only is fine */
    u.ptr = (e.m[3] << 12) + 8 * 9;
    u.val = (e.m[2] << 12) | TBL;
    assert_int_equal(e.ops.mmu_update(e.ops.ctx, &u, 1, NULL, e.d), -XEN_EINVAL);
    u.val = (e.m[2] << 12) | RO;
    assert_int_equal(e.ops.mmu_update(e.ops.ctx, &u, 1, NULL, e.d), 0);
    /* and a data page mapped writable by the guest cannot become a table */
    u.ptr = (e.m[2] << 12) + 8 * 1;
    u.val = (e.m[4] << 12) | TBL;
    assert_int_equal(e.ops.mmu_update(e.ops.ctx, &u, 1, NULL, e.d), -XEN_EINVAL);
    env_fini(&e);
}

/* A good kernel context for the tree of make_tree(), wired into *op. */
static vcpu_guest_context_t *kernel_context(struct env *e, struct xen_domctl *op)
{
    vcpu_guest_context_t *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->flags = VGCF_in_kernel | VGCF_online;
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = c->kernel_ss = FLAT_KERNEL_SS;
    c->user_regs.rip = VA + 0x10;
    c->ctrlreg[3] = xen_pfn_to_cr3(e->m[0]);
    memset(op, 0, sizeof(*op));
    set_xen_guest_handle(op->u.vcpucontext.ctxt, c);
    return c;
}

static void sim_setvcpucontext_rules(void **state)
{
    struct env e;
    struct xen_domctl op;
    vcpu_guest_context_t *c;
    (void)state;
    env_init(&e, true);
    make_tree(&e);
    c = kernel_context(&e, &op);
    assert_int_equal(domctl(&e, XEN_DOMCTL_setvcpucontext, e.d, &op), -XEN_EINVAL); /* unpinned */
    assert_int_equal(domctl(&e, XEN_DOMCTL_unpausedomain, e.d, &op), -XEN_EINVAL);
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), 0);
    c->user_regs.rip = VA + 2 * 4096; /* not mapped */
    assert_int_equal(domctl(&e, XEN_DOMCTL_setvcpucontext, e.d, &op), -XEN_EFAULT);
    c->user_regs.rip = 0x0000900000000000ULL; /* not canonical */
    assert_int_equal(domctl(&e, XEN_DOMCTL_setvcpucontext, e.d, &op), -XEN_EINVAL);
    c->user_regs.rip = VA + 0x10;
    c->user_regs.cs = 0;
    assert_int_equal(domctl(&e, XEN_DOMCTL_setvcpucontext, e.d, &op), -XEN_EINVAL);
    c->user_regs.cs = FLAT_KERNEL_CS;
    /* NX at L2 covers the entry point: not executable */
    assert_int_equal(pin(&e, e.m[0], MMUEXT_UNPIN_TABLE), 0);
    table(&e, 2)[0] |= 1ULL << 63;
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), 0);
    assert_int_equal(domctl(&e, XEN_DOMCTL_setvcpucontext, e.d, &op), -XEN_EFAULT);
    assert_int_equal(pin(&e, e.m[0], MMUEXT_UNPIN_TABLE), 0);
    table(&e, 2)[0] &= ~(1ULL << 63);
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), 0);
    assert_int_equal(domctl(&e, XEN_DOMCTL_setvcpucontext, e.d, &op), 0);
    assert_int_equal(domctl(&e, XEN_DOMCTL_unpausedomain, e.d, &op), 0);
    free(c);
    env_fini(&e);
}

static void sim_hypercall_page(void **state)
{
    struct env e;
    struct xen_domctl op;
    uint8_t stub[32];
    (void)state;
    env_init(&e, true);
    memset(&op, 0, sizeof(op));
    op.u.hypercall_init.gmfn = e.m[6];
    assert_int_equal(domctl(&e, XEN_DOMCTL_hypercall_init, e.d, &op), 0);
    sim_hypercall_stub(29, stub);
    assert_memory_equal(sim_frame(e.s, e.m[6]) + 29 * 32, stub, 32);
    assert_int_equal(stub[0], 0x51);
    make_tree(&e);
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), 0);
    op.u.hypercall_init.gmfn = e.m[3]; /* a page table */
    assert_int_equal(domctl(&e, XEN_DOMCTL_hypercall_init, e.d, &op), -XEN_EINVAL);
    op.u.hypercall_init.gmfn = 3; /* not the guest's */
    assert_int_equal(domctl(&e, XEN_DOMCTL_hypercall_init, e.d, &op), -XEN_EINVAL);
    env_fini(&e);
}

static void sim_fault_injection_and_counts(void **state)
{
    struct env e;
    struct xen_domctl op;
    struct xenops_fault fault;
    evtchn_alloc_unbound_t ev = {.remote_dom = 0};
    (void)state;
    env_init(&e, true);
    sim_reset_counts(e.s);
    ev.dom = e.d;
    xenops_fault_init(&fault, &e.ops);
    xenops_fault_arm(&fault, 2, -XEN_EIO);
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_DOMCTL_getdomaininfo;
    op.domain = e.d;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    assert_int_equal(fault.ops.domctl(fault.ops.ctx, &op), 0);
    assert_int_equal(fault.ops.evtchn_alloc_unbound(fault.ops.ctx, &ev), -XEN_EIO); /* 2nd call */
    assert_int_equal(sim_evtchn(e.s, e.d, 1, NULL), 0); /* and it had no effect */
    assert_int_equal(e.ops.evtchn_alloc_unbound(e.ops.ctx, &ev), 0);
    assert_int_equal(ev.port, 1);
    assert_int_equal(sim_calls(e.s, SIM_DOMCTL), 1);
    assert_int_equal(sim_calls(e.s, SIM_EVTCHN_OP), 1); /* the injected failure never reached it */
    assert_int_equal(sim_hypercalls(e.s), 2);
    env_fini(&e);
}

static void sim_evtchn_and_grants(void **state)
{
    struct env e;
    evtchn_alloc_unbound_t ev;
    struct sim_domain_info *info = malloc(sizeof(*info));
    domid_t remote;
    (void)state;
    env_init(&e, true);
    ev = (evtchn_alloc_unbound_t){.dom = e.d, .remote_dom = 0};
    assert_int_equal(e.ops.evtchn_alloc_unbound(e.ops.ctx, &ev), 0);
    assert_int_equal(e.ops.evtchn_alloc_unbound(e.ops.ctx, &ev), 0);
    assert_int_equal(ev.port, 2);
    assert_int_equal(sim_evtchn(e.s, e.d, 2, &remote), 1);
    assert_int_equal(remote, 0);
    ev.dom = 99;
    assert_int_equal(e.ops.evtchn_alloc_unbound(e.ops.ctx, &ev), -XEN_ESRCH);
    assert_int_equal(e.ops.seed_grant_table(e.ops.ctx, e.d, 3, e.m[1], 0), -XEN_EINVAL);
    assert_int_equal(e.ops.seed_grant_table(e.ops.ctx, e.d, e.m[0], e.m[1], 0), 0);
    assert_int_equal(sim_domain_info(e.s, e.d, info), 0);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_CONSOLE].frame, e.m[0]);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_XENSTORE].frame, e.m[1]);
    assert_int_equal(info->gnttab[GNTTAB_RESERVED_XENSTORE].flags, GTF_permit_access);
    free(info);
    env_fini(&e);
}

static void sim_scratch_tracking(void **state)
{
    struct env e;
    void *a, *b;
    (void)state;
    env_init(&e, true);
    assert_int_equal(e.ops.alloc_pages(e.ops.ctx, 3, &a), 0);
    assert_int_equal(e.ops.alloc_pages(e.ops.ctx, 1, &b), 0);
    assert_int_equal((uintptr_t)a % PAGE_SIZE, 0);
    assert_int_equal(sim_scratch_pages(e.s), 4);
    e.ops.free_pages(e.ops.ctx, a, 3);
    assert_int_equal(sim_scratch_pages(e.s), 1);
    e.ops.free_pages(e.ops.ctx, b, 1);
    assert_int_equal(sim_scratch_pages(e.s), 0);
    env_fini(&e);
}

static void sim_decrease_reservation(void **state)
{
    struct env e;
    struct xen_memory_reservation r;
    xen_pfn_t give[2];
    uint64_t before;
    (void)state;
    env_init(&e, true);
    make_tree(&e);
    assert_int_equal(pin(&e, e.m[0], MMUEXT_PIN_L4_TABLE), 0);
    before = sim_free_frames(e.s);
    memset(&r, 0, sizeof(r));
    give[0] = e.m[10];
    give[1] = e.m[3]; /* a pinned tree's L1: refused */
    set_xen_guest_handle(r.extent_start, give);
    r.nr_extents = 2;
    r.domid = e.d;
    assert_int_equal(e.ops.memory_op(e.ops.ctx, XENMEM_decrease_reservation, &r), 1);
    assert_int_equal(sim_free_frames(e.s), before + 1);
    assert_int_equal(sim_p2m(e.s, e.d, 10), INVALID_FRAME);
    env_fini(&e);
}

static void sim_getdomaininfo_next_domain(void **state)
{
    struct env e;
    struct xen_domctl op;
    (void)state;
    env_init(&e, true); /* domain 1 */
    memset(&op, 0, sizeof(op));
    assert_int_equal(domctl(&e, XEN_DOMCTL_getdomaininfo, 0, &op), 0);
    assert_int_equal(op.domain, e.d); /* Xen 4.17: the next domain at or above */
    assert_int_equal(op.u.getdomaininfo.tot_pages, 16);
    assert_int_equal(op.u.getdomaininfo.max_pages, 1024);
    assert_int_equal(sim_frame_owner(e.s, op.u.getdomaininfo.shared_info_frame), e.d);
    assert_int_equal(domctl(&e, XEN_DOMCTL_getdomaininfo, 2, &op), -XEN_ESRCH);
    env_fini(&e);
}

/* ---- HVM containers (PVH) ------------------------------------------------ */

#define HVM_FLAGS (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap)

static int create_cfg(struct env *e, uint32_t flags, uint32_t emu, uint32_t vcpus,
                      uint32_t grant_opts, int32_t gframes, int32_t mframes, domid_t *got)
{
    struct xen_domctl op;
    int rc;
    memset(&op, 0, sizeof(op));
    op.u.createdomain.flags = flags;
    op.u.createdomain.arch.emulation_flags = emu;
    op.u.createdomain.max_vcpus = vcpus;
    op.u.createdomain.max_evtchn_port = 1023;
    op.u.createdomain.max_grant_frames = gframes;
    op.u.createdomain.max_maptrack_frames = mframes;
    op.u.createdomain.grant_opts = grant_opts;
    rc = domctl(e, XEN_DOMCTL_createdomain, 0, &op);
    *got = op.domain;
    return rc;
}

static int set_map(struct env *e, domid_t d, const struct xenops_e820 *map, unsigned int n)
{
    struct xen_foreign_memory_map m = {.domid = d, .map.nr_entries = n};
    set_xen_guest_handle(m.map.buffer, (void *)map);
    return e->ops.set_memory_map(e->ops.ctx, &m);
}

/* An HVM domain of `vcpus` with 4 MiB of RAM at gfn 0 in its memory map,
 * max_mem 8 MiB, nothing populated yet. */
static domid_t hvm_domain(struct env *e, uint32_t vcpus)
{
    static const struct xenops_e820 map[] = {{0, 4 << 20, 1}, {0xfeff8000, 0x8000, 2}};
    struct xen_domctl op;
    domid_t d;

    assert_int_equal(
        create_cfg(e, HVM_FLAGS, XEN_X86_EMU_LAPIC, vcpus, XEN_DOMCTL_GRANT_version(2), -1, -1, &d),
        0);
    memset(&op, 0, sizeof(op));
    op.u.max_vcpus.max = vcpus;
    assert_int_equal(domctl(e, XEN_DOMCTL_max_vcpus, d, &op), 0);
    memset(&op, 0, sizeof(op));
    op.u.max_mem.max_memkb = 8192;
    assert_int_equal(domctl(e, XEN_DOMCTL_max_mem, d, &op), 0);
    assert_int_equal(set_map(e, d, map, 2), 0);
    return d;
}

/* createdomain: HAP only, the exact emulation flags, Xen's grant rules. */
static void sim_hvm_createdomain_rules(void **state)
{
    struct env e;
    struct sim_hvm_info hvm;
    struct sim_domain_info info;
    struct xen_domctl op;
    uint64_t before;
    domid_t d;
    const uint32_t v1 = XEN_DOMCTL_GRANT_version(1);
    (void)state;
    env_init(&e, true);
    before = sim_free_frames(e.s);
    /* this Xen has no shadow paging: HVM needs HAP; HAP needs HVM */
    assert_int_equal(create_cfg(&e, XEN_DOMCTL_CDF_hvm, XEN_X86_EMU_LAPIC, 1, v1, -1, -1, &d),
                     -XEN_EINVAL);
    assert_int_equal(create_cfg(&e, XEN_DOMCTL_CDF_hap, 0, 1, v1, -1, -1, &d), -XEN_EINVAL);
    /* PVH: exactly LAPIC; PV: nothing */
    assert_int_equal(create_cfg(&e, HVM_FLAGS, 0, 1, v1, -1, -1, &d), -XEN_EINVAL);
    assert_int_equal(create_cfg(&e, HVM_FLAGS, XEN_X86_EMU_ALL, 1, v1, -1, -1, &d), -XEN_EINVAL);
    assert_int_equal(create_cfg(&e, 0, XEN_X86_EMU_LAPIC, 1, v1, -1, -1, &d), -XEN_EINVAL);
    assert_int_equal(create_cfg(&e, HVM_FLAGS | XEN_DOMCTL_CDF_nested_virt, XEN_X86_EMU_LAPIC, 1,
                                v1, -1, -1, &d),
                     -XEN_EINVAL);
    assert_int_equal(create_cfg(&e, HVM_FLAGS, XEN_X86_EMU_LAPIC, 129, v1, -1, -1, &d),
                     -XEN_EINVAL);
    /* grants: version 1 or 2, at most 64 grant and 1024 maptrack frames */
    assert_int_equal(create_cfg(&e, HVM_FLAGS, XEN_X86_EMU_LAPIC, 1, 0, -1, -1, &d), -XEN_EINVAL);
    assert_int_equal(
        create_cfg(&e, HVM_FLAGS, XEN_X86_EMU_LAPIC, 1, XEN_DOMCTL_GRANT_version(3), -1, -1, &d),
        -XEN_EINVAL);
    assert_int_equal(create_cfg(&e, HVM_FLAGS, XEN_X86_EMU_LAPIC, 1, v1, 65, -1, &d), -XEN_EINVAL);
    assert_int_equal(create_cfg(&e, HVM_FLAGS, XEN_X86_EMU_LAPIC, 1, v1, 0, -1, &d), -XEN_EINVAL);
    assert_int_equal(create_cfg(&e, HVM_FLAGS, XEN_X86_EMU_LAPIC, 1, v1, -1, 1025, &d),
                     -XEN_EINVAL);
    assert_int_equal(sim_free_frames(e.s), before); /* refusals take nothing */
    assert_int_equal(create_cfg(&e, HVM_FLAGS, XEN_X86_EMU_LAPIC, 2, v1, 8, 0, &d), 0);
    /* HAP's 256-page pool comes from the host, the p2m root from it */
    assert_int_equal(sim_free_frames(e.s), before - 1 - SIM_HAP_INITIAL_POOL);
    assert_int_equal(sim_hvm_info(e.s, d, &hvm), 0);
    assert_int_equal(hvm.pool_pages, SIM_HAP_INITIAL_POOL);
    assert_int_equal(hvm.pool_used, 1);
    assert_false(hvm.pool_set);
    assert_int_equal(hvm.emulation_flags, XEN_X86_EMU_LAPIC);
    assert_int_equal(sim_domain_info(e.s, d, &info), 0);
    assert_true(info.hvm);
    assert_int_equal(info.max_grant_frames, 8);
    assert_int_equal(info.max_maptrack_frames, 0);
    assert_int_equal(info.max_grant_version, 1);
    memset(&op, 0, sizeof(op));
    assert_int_equal(domctl(&e, XEN_DOMCTL_getdomaininfo, d, &op), 0);
    assert_true(op.u.getdomaininfo.flags & XEN_DOMINF_hvm_guest);
    assert_int_equal(sim_hvm_info(e.s, e.d, &hvm), -XEN_ESRCH); /* the PV domain */
    memset(&op, 0, sizeof(op));
    assert_int_equal(domctl(&e, XEN_DOMCTL_destroydomain, d, &op), 0);
    assert_int_equal(sim_free_frames(e.s), before);
    env_fini(&e);
}

/* The memory map comes first and bounds every populated gfn; populate is
 * gfn-based and writes nothing back. */
static void sim_hvm_memmap_and_populate(void **state)
{
    static const struct xenops_e820 overlap[] = {{0, 0x2000, 1}, {0x1000, 0x1000, 2}};
    static const struct xenops_e820 ram[] = {{0, 4 << 20, 1}};
    struct env e;
    xen_pfn_t ext[2] = {0, 512};
    struct sim_hvm_info hvm;
    domid_t d;
    struct xen_domctl op;
    (void)state;
    env_init(&e, true);
    assert_int_equal(
        create_cfg(&e, HVM_FLAGS, XEN_X86_EMU_LAPIC, 1, XEN_DOMCTL_GRANT_version(1), -1, -1, &d),
        0);
    memset(&op, 0, sizeof(op));
    op.u.max_mem.max_memkb = 8192;
    assert_int_equal(domctl(&e, XEN_DOMCTL_max_mem, d, &op), 0);
    assert_int_equal(populate(&e, d, ext, 2, 9), -XEN_EINVAL); /* no map yet */
    assert_int_equal(set_map(&e, d, overlap, 2), -XEN_EINVAL);
    assert_int_equal(set_map(&e, d, ram, XENOPS_E820_MAX + 1), -XEN_EINVAL);
    assert_int_equal(set_map(&e, d, ram, 1), 0);
    assert_int_equal(populate(&e, d, ext, 2, 9), 2);
    assert_int_equal(ext[0], 0); /* translated: no mfn written back */
    assert_int_equal(ext[1], 512);
    assert_int_not_equal(sim_p2m(e.s, d, 513), INVALID_FRAME);
    assert_int_equal(sim_m2p(e.s, sim_p2m(e.s, d, 513)), 513);
    ext[0] = 1024; /* outside the map */
    assert_int_equal(populate(&e, d, ext, 1, 0), 0);
    assert_int_equal(sim_hvm_info(e.s, d, &hvm), 0);
    assert_int_equal(hvm.nr_memmap, 1);
    assert_int_equal(hvm.pool_used, 1 + 2); /* root + L3 + L2 (2 MiB entries) */
    env_fini(&e);
}

/* The paging pool: HVM only, whole pages, from the host; p2m tables come
 * from it and populate stops when it is empty. */
static void sim_hvm_paging_pool(void **state)
{
    static const struct xenops_e820 wide[] = {{0, 1ULL << 30, 1}};
    struct env e;
    struct xen_domctl op;
    struct sim_hvm_info hvm;
    xen_pfn_t ext[300];
    uint64_t before;
    domid_t d;
    (void)state;
    env_init(&e, true);
    memset(&op, 0, sizeof(op));
    op.u.paging_mempool.size = 1 << 20;
    assert_int_equal(domctl(&e, XEN_DOMCTL_set_paging_mempool_size, e.d, &op), -XEN_EOPNOTSUPP);
    d = hvm_domain(&e, 1);
    assert_int_equal(set_map(&e, d, wide, 1), 0);
    op.u.paging_mempool.size = (300 << 12) + 1;
    assert_int_equal(domctl(&e, XEN_DOMCTL_set_paging_mempool_size, d, &op), -XEN_EINVAL);
    /* one 4 KiB page in each of 300 different 2 MiB regions: 300 L1 tables
     * do not fit the 256-page default pool */
    for (unsigned i = 0; i < 300; i++)
        ext[i] = (xen_pfn_t)i << 9;
    assert_int_equal(populate(&e, d, ext, 300, 0), 256 - 1 - 2);
    assert_int_equal(sim_hvm_info(e.s, d, &hvm), 0);
    assert_int_equal(hvm.pool_used, hvm.pool_pages);
    /* a bigger pool lets the rest through; the frames come from the host */
    before = sim_free_frames(e.s);
    op.u.paging_mempool.size = 400ULL << 12;
    assert_int_equal(domctl(&e, XEN_DOMCTL_set_paging_mempool_size, d, &op), 0);
    assert_int_equal(sim_free_frames(e.s), before - (400 - 256));
    assert_int_equal(populate(&e, d, ext + 253, 300 - 253, 0), 300 - 253);
    /* shrinking never drops the p2m pages in use */
    op.u.paging_mempool.size = 0;
    assert_int_equal(domctl(&e, XEN_DOMCTL_set_paging_mempool_size, d, &op), 0);
    assert_int_equal(sim_hvm_info(e.s, d, &hvm), 0);
    assert_int_equal(hvm.pool_pages, hvm.pool_used);
    assert_true(hvm.pool_set);
    env_fini(&e);
}

/* map_foreign of an HVM domain takes gfns; decrease_reservation too. */
static void sim_hvm_foreign_by_gfn(void **state)
{
    struct env e;
    xen_pfn_t ext[4] = {0, 1, 2, 3}, gfns[2] = {3, 1}, hole = 700;
    struct xen_memory_reservation r;
    uint8_t *va;
    domid_t d;
    (void)state;
    env_init(&e, true);
    d = hvm_domain(&e, 1);
    assert_int_equal(populate(&e, d, ext, 4, 0), 4);
    assert_int_equal(e.ops.map_foreign(e.ops.ctx, d, gfns, 2, (void **)&va), 0);
    va[7] = 0x3c;
    va[PAGE_SIZE + 9] = 0x1d;
    assert_int_equal(sim_gfn(e.s, d, 3)[7], 0x3c);
    assert_int_equal(sim_gfn(e.s, d, 1)[9], 0x1d);
    assert_int_equal(e.ops.unmap_foreign(e.ops.ctx, va, 2), 0);
    assert_int_equal(e.ops.map_foreign(e.ops.ctx, d, &hole, 1, (void **)&va), -XEN_EINVAL);
    assert_int_equal(sim_foreign_maps(e.s), 0);
    memset(&r, 0, sizeof(r));
    set_xen_guest_handle(r.extent_start, gfns);
    r.nr_extents = 1;
    r.domid = d;
    assert_int_equal(e.ops.memory_op(e.ops.ctx, XENMEM_decrease_reservation, &r), 1);
    assert_null(sim_gfn(e.s, d, 3));
    env_fini(&e);
}

/* PV-only operations on an HVM domain, and HVM-only ones on a PV domain. */
static void sim_hvm_pv_only_ops_refused(void **state)
{
    struct env e;
    struct xen_domctl op;
    vcpu_guest_context_t *c = calloc(1, sizeof(*c));
    xen_pfn_t ext[4] = {0, 1, 2, 3};
    struct mmuext_op pin_op = {.cmd = MMUEXT_PIN_L4_TABLE};
    mmu_update_t mu;
    xen_hvm_param_t p = {.index = HVM_PARAM_TIMER_MODE, .value = 1};
    domid_t d;
    (void)state;
    assert_non_null(c);
    env_init(&e, true);
    d = hvm_domain(&e, 1);
    assert_int_equal(populate(&e, d, ext, 4, 0), 4);
    pin_op.arg1.mfn = sim_p2m(e.s, d, 0);
    assert_int_equal(e.ops.mmuext_op(e.ops.ctx, &pin_op, 1, NULL, d), -XEN_EINVAL);
    mu = (mmu_update_t){.ptr = (sim_p2m(e.s, d, 0) << 12) | MMU_NORMAL_PT_UPDATE, .val = 0};
    assert_int_equal(e.ops.mmu_update(e.ops.ctx, &mu, 1, NULL, d), -XEN_EINVAL);
    memset(&op, 0, sizeof(op));
    op.u.vcpucontext.vcpu = 0;
    set_xen_guest_handle(op.u.vcpucontext.ctxt, c);
    assert_int_equal(domctl(&e, XEN_DOMCTL_setvcpucontext, d, &op), -XEN_EINVAL);
    memset(&op, 0, sizeof(op));
    op.u.address_size.size = 64;
    assert_int_equal(domctl(&e, XEN_DOMCTL_set_address_size, d, &op), -XEN_EOPNOTSUPP);
    memset(&op, 0, sizeof(op));
    op.u.hypercall_init.gmfn = 1;
    assert_int_equal(domctl(&e, XEN_DOMCTL_hypercall_init, d, &op), -XEN_EINVAL);
    assert_int_equal(
        e.ops.seed_grant_table(e.ops.ctx, d, sim_p2m(e.s, d, 0), sim_p2m(e.s, d, 1), 0),
        -XEN_EINVAL);
    /* and the other way round */
    memset(&op, 0, sizeof(op));
    assert_int_equal(domctl(&e, XEN_DOMCTL_gethvmcontext, e.d, &op), -XEN_EINVAL);
    assert_int_equal(domctl(&e, XEN_DOMCTL_sethvmcontext, e.d, &op), -XEN_EINVAL);
    p.domid = e.d;
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, &p, 1, NULL), -XEN_EINVAL);
    assert_int_equal(e.ops.seed_grant_table_hvm(e.ops.ctx, e.d, 0, 1, 0, 1000), -XEN_EACCES);
    free(c);
    env_fini(&e);
}

/* HVM params: in range, not deprecated, set-once ones once, and (stricter)
 * pfns and ports that exist. A batch stops at the first refusal. */
static void sim_hvm_params(void **state)
{
    struct env e;
    xen_pfn_t ext[4] = {0, 1, 2, 3};
    evtchn_alloc_unbound_t ev;
    xen_hvm_param_t p[3];
    unsigned int done = 99;
    struct sim_hvm_info hvm;
    domid_t d;
    (void)state;
    env_init(&e, true);
    d = hvm_domain(&e, 1);
    assert_int_equal(populate(&e, d, ext, 4, 0), 4);
    ev = (evtchn_alloc_unbound_t){.dom = d, .remote_dom = 0};
    assert_int_equal(e.ops.evtchn_alloc_unbound(e.ops.ctx, &ev), 0);
#define P(i, v) ((xen_hvm_param_t){.domid = d, .index = (i), .value = (v)})
    p[0] = P(HVM_NR_PARAMS, 0);
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, p, 1, NULL), -XEN_EINVAL);
    p[0] = P(HVM_PARAM_PAE_ENABLED, 1); /* deprecated */
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, p, 1, NULL), -XEN_EINVAL);
    p[0] = P(HVM_PARAM_STORE_PFN, 700); /* nothing there */
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, p, 1, NULL), -XEN_EINVAL);
    p[0] = P(HVM_PARAM_CONSOLE_EVTCHN, ev.port + 1); /* not allocated */
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, p, 1, NULL), -XEN_EINVAL);
    p[0] = P(HVM_PARAM_TIMER_MODE, 4);
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, p, 1, NULL), -XEN_EINVAL);
    p[0] = P(HVM_PARAM_IDENT_PT, (2 << 12) + 8); /* not page-aligned */
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, p, 1, NULL), -XEN_EINVAL);
    p[0] = P(HVM_PARAM_STORE_PFN, 2);
    p[1] = P(HVM_PARAM_IOREQ_PFN, 1);
    p[2] = P(HVM_PARAM_IOREQ_PFN, 3); /* set once: a second value is refused */
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, p, 3, &done), -XEN_EEXIST);
    assert_int_equal(done, 2);
    p[0] = P(HVM_PARAM_CONSOLE_EVTCHN, ev.port);
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, p, 1, &done), 0);
    assert_int_equal(done, 1);
    p[0] = P(HVM_PARAM_STORE_PFN, 0);
    p[1] = P(HVM_PARAM_CONSOLE_EVTCHN, 0);
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_get_param, p, 2, NULL), 0);
    assert_int_equal(p[0].value, 2);
    assert_int_equal(p[1].value, ev.port);
    assert_int_equal(e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, p, 0, NULL), -XEN_EINVAL);
    assert_int_equal(
        e.ops.hvm_param(e.ops.ctx, HVMOP_set_param, p, XENOPS_HVM_PARAM_BATCH_MAX + 1, NULL),
        -XEN_EINVAL);
#undef P
    assert_int_equal(sim_hvm_info(e.s, d, &hvm), 0);
    assert_int_equal(hvm.params[HVM_PARAM_IOREQ_PFN], 1);
    env_fini(&e);
}

/* A good PVH boot blob for vCPU 0 of d: Xen's header (from
 * gethvmcontext), the CPU record, END. Returns its size. */
struct blob {
    uint8_t b[4096];
};

static uint32_t put_desc(uint8_t *q, uint16_t type, uint16_t inst, uint32_t len)
{
    struct hvm_save_descriptor dsc = {.typecode = type, .instance = inst, .length = len};
    memcpy(q, &dsc, sizeof(dsc));
    return sizeof(dsc);
}

static uint32_t good_blob(struct env *e, domid_t d, struct blob *out, struct hvm_hw_cpu *cpu)
{
    struct xen_domctl op;
    uint8_t *all = malloc(1 << 20);
    uint32_t n = 0, hdr = sizeof(struct hvm_save_descriptor) + sizeof(struct hvm_save_header);
    assert_non_null(all);
    memset(&op, 0, sizeof(op));
    op.u.hvmcontext.size = 1 << 20;
    set_xen_guest_handle(op.u.hvmcontext.buffer, all);
    assert_int_equal(domctl(e, XEN_DOMCTL_gethvmcontext, d, &op), 0);
    memcpy(out->b, all, hdr);
    n = hdr;
    memset(cpu, 0, sizeof(*cpu));
    cpu->cs_limit = cpu->ds_limit = cpu->es_limit = cpu->ss_limit = ~0u;
    cpu->cs_arbytes = 0xc9b;
    cpu->ds_arbytes = cpu->es_arbytes = cpu->ss_arbytes = 0xc93;
    cpu->tr_arbytes = 0x8b;
    cpu->tr_limit = 0x67;
    cpu->cr0 = 0x11;
    cpu->rip = 0x1040;
    cpu->rbx = 0x2000;
    n += put_desc(out->b + n, HVM_SAVE_CODE(CPU), 0, sizeof(*cpu));
    memcpy(out->b + n, cpu, sizeof(*cpu));
    n += sizeof(*cpu);
    n += put_desc(out->b + n, HVM_SAVE_CODE(END), 0, 0);
    free(all);
    return n;
}

static int set_ctx(struct env *e, domid_t d, void *blob, uint32_t size)
{
    struct xen_domctl op;
    memset(&op, 0, sizeof(op));
    op.u.hvmcontext.size = size;
    set_xen_guest_handle(op.u.hvmcontext.buffer, blob);
    return domctl(e, XEN_DOMCTL_sethvmcontext, d, &op);
}

/* gethvmcontext: the size, ENOSPC, Xen's header; sethvmcontext: header,
 * records, END, instance, the PVH entry state; unpause needs it all. */
static void sim_hvm_context(void **state)
{
    struct env e;
    struct xen_domctl op;
    xen_pfn_t ext[4] = {0, 1, 2, 3};
    struct blob *bl = malloc(sizeof(*bl)), *bad = malloc(sizeof(*bad));
    struct hvm_hw_cpu cpu;
    struct hvm_save_header *h;
    struct sim_hvm_info hvm;
    uint32_t n, cpu_off = sizeof(struct hvm_save_descriptor) * 2 + sizeof(struct hvm_save_header);
    uint32_t magic = XEN_HVM_START_MAGIC_VALUE;
    uint8_t small[64];
    domid_t d;
    (void)state;
    assert_non_null(bl);
    assert_non_null(bad);
    env_init(&e, true);
    d = hvm_domain(&e, 2);
    assert_int_equal(populate(&e, d, ext, 4, 0), 4);
    memcpy(sim_gfn(e.s, d, 2), &magic, 4); /* an hvm_start_info at 0x2000 */
    memset(&op, 0, sizeof(op));
    assert_int_equal(domctl(&e, XEN_DOMCTL_gethvmcontext, d, &op), 0);
    assert_true(op.u.hvmcontext.size > 2 * sizeof(struct hvm_hw_cpu));
    op.u.hvmcontext.size = sizeof(small);
    set_xen_guest_handle(op.u.hvmcontext.buffer, small);
    assert_int_equal(domctl(&e, XEN_DOMCTL_gethvmcontext, d, &op), -XEN_ENOSPC);
    n = good_blob(&e, d, bl, &cpu);
    h = (struct hvm_save_header *)(bl->b + sizeof(struct hvm_save_descriptor));
    assert_int_equal(h->magic, HVM_FILE_MAGIC);
    assert_int_equal(h->version, HVM_FILE_VERSION);
    assert_int_equal(h->cpuid, SIM_HVM_CPUID);
    assert_int_equal(h->gtsc_khz, SIM_HVM_TSC_KHZ);
    /* unpause before any vCPU state: refused */
    memset(&op, 0, sizeof(op));
    assert_int_equal(domctl(&e, XEN_DOMCTL_unpausedomain, d, &op), -XEN_EINVAL);

#define REFUSED(rc, patch)                                                                         \
    do {                                                                                           \
        memcpy(bad, bl, sizeof(*bl));                                                              \
        {                                                                                          \
            struct hvm_hw_cpu *c = (struct hvm_hw_cpu *)(bad->b + cpu_off);                        \
            struct hvm_save_header *hh =                                                           \
                (struct hvm_save_header *)(bad->b + sizeof(struct hvm_save_descriptor));           \
            (void)c;                                                                               \
            (void)hh;                                                                              \
            patch;                                                                                 \
        }                                                                                          \
        assert_int_equal(set_ctx(&e, d, bad->b, n), rc);                                           \
    } while (0)
    REFUSED(-XEN_EINVAL, hh->magic ^= 1);
    REFUSED(-XEN_EINVAL, hh->version = 2);
    REFUSED(-XEN_EINVAL, hh->cpuid ^= 0x10);   /* not Xen's own header */
    REFUSED(-XEN_ENODATA, bad->b[0] = 2);      /* first record not a header */
    REFUSED(-XEN_EINVAL, c->cr0 = 0x80000011); /* paging on: not the PVH state */
    REFUSED(-XEN_EINVAL, c->cr0 = 0x80000010); /* PG without PE: Xen's own check */
    REFUSED(-XEN_EINVAL, c->cr4 = 0x20);
    REFUSED(-XEN_EINVAL, c->msr_efer = 0x500);
    REFUSED(-XEN_EINVAL, c->rflags = 0x202);     /* IF set */
    REFUSED(-XEN_EINVAL, c->cs_arbytes = 0xa9b); /* a 64-bit code segment */
    REFUSED(-XEN_EINVAL, c->ss_base = 0x1000);
    REFUSED(-XEN_EINVAL, c->tr_arbytes = 0x89);
    REFUSED(-XEN_EINVAL, c->rbx = 0x1000);   /* no hvm_start_info there */
    REFUSED(-XEN_EINVAL, c->rip = 0x900000); /* nothing populated there */
    REFUSED(-XEN_EINVAL, c->pad0 = 1);
    /* a record for vCPU 2 of a 2-vCPU domain */
    REFUSED(-XEN_EINVAL, bad->b[cpu_off - sizeof(struct hvm_save_descriptor) + 2] = 2);
    /* an unknown typecode, and one the simulator does not load (LAPIC) */
    REFUSED(-XEN_EINVAL, bad->b[cpu_off - sizeof(struct hvm_save_descriptor)] = 33);
    REFUSED(-XEN_EINVAL, bad->b[cpu_off - sizeof(struct hvm_save_descriptor)] = 5);
#undef REFUSED
    /* truncated: the CPU record runs past the blob; no END */
    assert_int_equal(set_ctx(&e, d, bl->b, cpu_off + 100), -XEN_EINVAL);
    assert_int_equal(set_ctx(&e, d, bl->b, n - sizeof(struct hvm_save_descriptor)), -XEN_ENODATA);
    assert_int_equal(set_ctx(&e, d, bl->b, 10), -XEN_ENODATA);
    /* the good blob brings vCPU 0 up */
    assert_int_equal(set_ctx(&e, d, bl->b, n), 0);
    assert_int_equal(sim_hvm_info(e.s, d, &hvm), 0);
    assert_true(hvm.cpu0_up);
    assert_int_equal(hvm.vcpus_up, 1);
    assert_int_equal(hvm.cpu0.rip, 0x1040);
    /* ... but the pool was never sized: HAP's default is not enough to run */
    memset(&op, 0, sizeof(op));
    assert_int_equal(domctl(&e, XEN_DOMCTL_unpausedomain, d, &op), -XEN_ENOMEM);
    op.u.paging_mempool.size = (2 * 256 + 4) << 12; /* libxl: 2 vCPUs, 4 MiB of RAM */
    assert_int_equal(domctl(&e, XEN_DOMCTL_set_paging_mempool_size, d, &op), 0);
    memset(&op, 0, sizeof(op));
    assert_int_equal(domctl(&e, XEN_DOMCTL_unpausedomain, d, &op), 0);
    assert_int_equal(domctl(&e, XEN_DOMCTL_getdomaininfo, d, &op), 0);
    assert_int_equal(op.u.getdomaininfo.nr_online_vcpus, 1);
    free(bl);
    free(bad);
    env_fini(&e);
}

/* Grant seeding of an HVM guest names gfns, at a scratch gfn with nothing
 * behind it. */
static void sim_hvm_grant_seed(void **state)
{
    struct env e;
    xen_pfn_t ext[4] = {0, 1, 2, 3};
    struct sim_domain_info info;
    domid_t d;
    (void)state;
    env_init(&e, true);
    d = hvm_domain(&e, 1);
    assert_int_equal(populate(&e, d, ext, 4, 0), 4);
    assert_int_equal(e.ops.seed_grant_table_hvm(e.ops.ctx, d, 1, 2, 0, 3), -XEN_EINVAL);
    assert_int_equal(e.ops.seed_grant_table_hvm(e.ops.ctx, d, 1, 600, 0, 1000), -XEN_EINVAL);
    assert_int_equal(e.ops.seed_grant_table_hvm(e.ops.ctx, d, 1, 2, 0, 1000), 0);
    assert_int_equal(sim_domain_info(e.s, d, &info), 0);
    assert_int_equal(info.gnttab[GNTTAB_RESERVED_CONSOLE].frame, 1);
    assert_int_equal(info.gnttab[GNTTAB_RESERVED_XENSTORE].frame, 2);
    assert_null(sim_gfn(e.s, d, 1000));
    assert_int_equal(sim_calls(e.s, SIM_GRANT_SEED_HVM), 3);
    env_fini(&e);
}

/* XEN_DOMCTL_setvcpuaffinity as Xen 4.17's vcpu_affinity_domctl (sched/core.c). */
static int set_affinity(struct env *e, domid_t d, uint32_t vcpu, uint32_t flags, uint8_t *hard,
                        uint8_t *soft, uint32_t bits)
{
    struct xen_domctl op;

    memset(&op, 0, sizeof(op));
    op.u.vcpuaffinity.vcpu = vcpu;
    op.u.vcpuaffinity.flags = flags;
    set_xen_guest_handle(op.u.vcpuaffinity.cpumap_hard.bitmap, hard);
    op.u.vcpuaffinity.cpumap_hard.nr_bits = bits;
    set_xen_guest_handle(op.u.vcpuaffinity.cpumap_soft.bitmap, soft);
    op.u.vcpuaffinity.cpumap_soft.nr_bits = bits;
    return domctl(e, XEN_DOMCTL_setvcpuaffinity, d, &op);
}

static void sim_vcpu_affinity_rules(void **state)
{
    struct sim_config cfg = {
        .nr_frames = 1u << 12, .privileged = true, .max_extent_order = 9, .nr_cpus = 4};
    struct env e;
    uint8_t hard[2], soft[2];
    uint64_t h, so;
    unsigned int sets;
    (void)state;
    memset(&e, 0, sizeof(e));
    e.s = sim_create(&cfg);
    sim_ops(e.s, &e.ops);
    assert_int_equal(create(&e, 0, &e.d), 0);
    /* before anything: every CPU */
    assert_int_equal(sim_vcpu_affinity(e.s, e.d, 0, &h, &so, &sets), 0);
    assert_int_equal(h, 0xf);
    assert_int_equal(sets, 0);
    hard[0] = 0x06, hard[1] = 0xff; /* CPUs 8..15 do not exist: ignored */
    soft[0] = 0x0c, soft[1] = 0;
    assert_int_equal(
        set_affinity(&e, e.d, 0, XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT, hard, soft, 16), 0);
    /* Xen answers with what it uses: hard & online, soft & online & hard */
    assert_int_equal(hard[0], 0x06);
    assert_int_equal(hard[1], 0);
    assert_int_equal(soft[0], 0x04);
    assert_int_equal(sim_vcpu_affinity(e.s, e.d, 0, &h, &so, &sets), 0);
    assert_int_equal(h, 0x6);
    assert_int_equal(so, 0xc);
    assert_int_equal(sets, 1);
    /* vCPU beyond max_vcpus (1): -EINVAL */
    assert_int_equal(set_affinity(&e, e.d, 1, XEN_VCPUAFFINITY_HARD, hard, NULL, 8), -XEN_EINVAL);
    /* no flag, or a flagged map missing: vcpuaffinity_params_invalid */
    assert_int_equal(set_affinity(&e, e.d, 0, 0, hard, soft, 8), -XEN_EINVAL);
    assert_int_equal(set_affinity(&e, e.d, 0, XEN_VCPUAFFINITY_SOFT, hard, NULL, 8), -XEN_EINVAL);
    /* a hard affinity with no online CPU: vcpu_set_hard_affinity */
    hard[0] = 0x30;
    assert_int_equal(set_affinity(&e, e.d, 0, XEN_VCPUAFFINITY_HARD, hard, NULL, 8), -XEN_EINVAL);
    assert_int_equal(sim_vcpu_affinity(e.s, e.d, 0, &h, &so, &sets), 0);
    assert_int_equal(h, 0x6); /* unchanged */
    /* an empty soft affinity is taken */
    soft[0] = 0;
    assert_int_equal(set_affinity(&e, e.d, 0, XEN_VCPUAFFINITY_SOFT, NULL, soft, 8), 0);
    assert_int_equal(set_affinity(&e, 77, 0, XEN_VCPUAFFINITY_SOFT, NULL, soft, 8), -XEN_ESRCH);
    env_fini(&e);
    /* unprivileged: -EPERM, as every domctl */
    env_init(&e, false);
    assert_int_equal(set_affinity(&e, 1, 0, XEN_VCPUAFFINITY_SOFT, NULL, soft, 8), -XEN_EPERM);
    env_fini(&e);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(sim_createdomain_ids),
    cmocka_unit_test(sim_interface_version_checked),
    cmocka_unit_test(sim_unprivileged_refused),
    cmocka_unit_test(sim_max_vcpus_must_match),
    cmocka_unit_test(sim_max_mem_enforced),
    cmocka_unit_test(sim_extent_order_limit),
    cmocka_unit_test(sim_populate_extents),
    cmocka_unit_test(sim_destroy_returns_frames),
    cmocka_unit_test(sim_map_foreign_rules),
    cmocka_unit_test(sim_pin_valid_tree),
    cmocka_unit_test(sim_pin_rejects_writable_table),
    cmocka_unit_test(sim_pin_rejects_foreign_frame),
    cmocka_unit_test(sim_pin_rejects_xen_slots),
    cmocka_unit_test(sim_pin_rejects_forbidden_bits),
    cmocka_unit_test(sim_pin_rejects_retyped_frame),
    cmocka_unit_test(sim_pin_rejects_mapped_table),
    cmocka_unit_test(sim_pinned_table_stays_read_only),
    cmocka_unit_test(sim_setvcpucontext_rules),
    cmocka_unit_test(sim_hypercall_page),
    cmocka_unit_test(sim_fault_injection_and_counts),
    cmocka_unit_test(sim_evtchn_and_grants),
    cmocka_unit_test(sim_scratch_tracking),
    cmocka_unit_test(sim_decrease_reservation),
    cmocka_unit_test(sim_getdomaininfo_next_domain),
    cmocka_unit_test(sim_vcpu_affinity_rules),
    cmocka_unit_test(sim_hvm_createdomain_rules),
    cmocka_unit_test(sim_hvm_memmap_and_populate),
    cmocka_unit_test(sim_hvm_paging_pool),
    cmocka_unit_test(sim_hvm_foreign_by_gfn),
    cmocka_unit_test(sim_hvm_pv_only_ops_refused),
    cmocka_unit_test(sim_hvm_params),
    cmocka_unit_test(sim_hvm_context),
    cmocka_unit_test(sim_hvm_grant_seed),
};

DOMB_TEST_MAIN(tests)
