/* One VM through the seam: build budget, fault sweep, attach failures, destroy, bzImage. */
#include "domb_test.h"

#include "dom0_fixture.h"
#include "elf_writer.h"

#include <decompress/bzimage.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static struct dfx *f;

static int setup(void **state)
{
    f = dfx_create(NULL);
    return 0;
}

static int teardown(void **state)
{
    dfx_free(f);
    f = NULL;
    return 0;
}

static void use(const struct dfx_opts *o)
{
    dfx_free(f);
    f = dfx_create(o);
}

static void config(struct vm_config *cfg, const char *name, uint32_t mib)
{
    dfx_config(cfg, name, "k.elf", mib);
}

static int build(struct vm *vm, const struct vm_config *cfg, bool relay, bool channel,
                 struct xs_store *store)
{
    struct vm_build_opts o;

    dfx_build_opts(f, &o, relay, channel, store);
    return vm_build(vm, cfg, f->kernel, f->kernel_size, NULL, 0, &o);
}

/* ---- the hypercall budget ---- */

/*
 * vm_build of a 64 MiB guest costs exactly, as Xen counts hypercalls:
 *   1 physinfo (is there room?)
 *   + the builder core, 18: createdomain, max_vcpus, max_mem,
 *     set_address_size (4); one populate_physmap of four 16 MiB (order 12)
 *     extents (1); getdomaininfo, 2 alloc_unbound, one mapping window for
 *     the bootstrap region and its unmap (5); the page tables through one
 *     more window and its unmap (2); hypercall_init, pin L4,
 *     setvcpucontext (3) and the grant seed (SIM_GRANT_SEED_HYPERCALLS = 3:
 *     acquire_resource, map, unmap)
 *   = 19 without the dom0 services,
 * and each service adds 2: the xenstore ring (map, bind_interdomain) and
 * the console relay (map, bind_interdomain). Scratch pages (alloc/free) are
 * not hypercalls. builder_result counts the grant seed as one op, so
 * vm->hypercalls reads 2 less than the core's 18.
 */
#define BUDGET_CORE_64M   18u
#define BUDGET_BARE_64M   (1u + BUDGET_CORE_64M)
#define BUDGET_FULL_64M   (BUDGET_BARE_64M + 2u + 2u)
#define BUDGET_RESULT_64M (BUDGET_CORE_64M - (SIM_GRANT_SEED_HYPERCALLS - 1u))

static void budget_64m(void **state)
{
    struct vm *vm = dfx_vm_new(f);
    struct vm_config cfg;
    unsigned long h0;

    config(&cfg, "budget", 64);
    h0 = sim_hypercalls(f->sim);
    assert_int_equal(build(vm, &cfg, false, false, NULL), 0);
    assert_int_equal(sim_hypercalls(f->sim) - h0, BUDGET_BARE_64M);
    assert_int_equal(vm->hypercalls, BUDGET_RESULT_64M);
    assert_int_equal(vm_destroy(vm), 0);

    h0 = sim_hypercalls(f->sim);
    assert_int_equal(build(vm, &cfg, true, false, dfx_store()), 0);
    assert_int_equal(sim_hypercalls(f->sim) - h0, BUDGET_FULL_64M);
    assert_int_equal(vm->hypercalls, BUDGET_RESULT_64M);
    dfx_teardown(f);
    f = NULL;
}

/* ---- fault injection ---- */

static const char *const sweep_messages[] = {
    "cannot read Xen's free memory",
    "channel: alloc_unbound failed",
    "channel: bind_interdomain failed",
    "channel: cannot map the ring page",
    "cannot map start_info",
    "no memory for a xenstore connection",
    "cannot attach the xenstore ring",
    "cannot attach the console relay",
};
#define NR_SWEEP_MESSAGES (sizeof(sweep_messages) / sizeof(sweep_messages[0]))

/* Fail every failable call of a full vm_build (db-server channel, xenstore,
 * relay) in turn: each build fails with a message and leaves nothing in
 * Xen, in the store, or among our mappings, scratch pages and ports. */
static void fault_sweep_full_build(void **state)
{
    bool seen[NR_SWEEP_MESSAGES] = {false};
    struct xs_store *store;
    struct vm_config cfg;
    unsigned long total;
    struct vm *vm;

    use(&(struct dfx_opts){.fault = true});
    vm = dfx_vm_new(f);
    store = dfx_store();
    config(&cfg, "sweep", 16);
    xenops_fault_arm(&f->fault, 0, 0);
    assert_int_equal(build(vm, &cfg, true, true, store), 0);
    xenops_fault_fired(&f->fault, &total);
    assert_true(total > 20);
    assert_int_equal(vm_destroy(vm), 0);
    dfx_assert_clean(f, 0);
    assert_false(dfx_store_has_domains(store));

    for (unsigned long n = 1; n <= total; n++) {
        int rc;

        xenops_fault_arm(&f->fault, n, -XEN_ENOMEM);
        rc = build(vm, &cfg, true, true, store);
        assert_true(xenops_fault_fired(&f->fault, NULL));
        if (rc == 0) {
            fail_msg("vm_build succeeded although call %lu of %lu failed", n, total);
        }
        assert_int_equal(vm->state, VM_FAILED);
        assert_true(vm->error.code < 0);
        assert_true(vm->error.msg[0] != '\0');
        for (unsigned int k = 0; k < NR_SWEEP_MESSAGES; k++)
            if (strstr(vm->error.msg, sweep_messages[k]))
                seen[k] = true;
        dfx_assert_clean(f, 0);
        assert_false(dfx_store_has_domains(store));
    }
    /* every attach step was among the failures */
    for (unsigned int k = 0; k < NR_SWEEP_MESSAGES; k++)
        if (!seen[k])
            fail_msg("no failure said \"%s\"", sweep_messages[k]);
    /* and with the wrapper disarmed the same build still works */
    xenops_fault_arm(&f->fault, 0, 0);
    assert_int_equal(build(vm, &cfg, true, true, store), 0);
    assert_int_equal(vm_unpause(vm), 0);
    dfx_teardown(f);
    f = NULL;
}

/* Starting fails: the VM is destroyed and marked failed. */
static void unpause_failure_destroys(void **state)
{
    struct vm_config cfg;
    struct vm *vm;
    unsigned long total;

    use(&(struct dfx_opts){.fault = true});
    vm = dfx_vm_new(f);
    config(&cfg, "nostart", 16);
    assert_int_equal(build(vm, &cfg, true, false, dfx_store()), 0);
    xenops_fault_arm(&f->fault, 1, -XEN_EINVAL);
    assert_int_equal(vm_unpause(vm), -XEN_EINVAL);
    xenops_fault_fired(&f->fault, &total);
    assert_int_equal(vm->state, VM_FAILED);
    assert_true(vm->error.msg[0] != '\0');
    dfx_teardown(f);
    f = NULL;
}

/* ---- destroy ---- */

/* vm_destroy of a domain that is already dying waits until getdomaininfo
 * stops answering, then every frame is back. */
static void destroy_waits_for_dying_domain(void **state)
{
    struct xen_domctl_getdomaininfo info;
    struct vm_config cfg;
    struct vm *vm;
    unsigned long y0;

    use(&(struct dfx_opts){.destroy_delay = 50, .set_destroy_delay = true});
    vm = dfx_vm_new(f);
    config(&cfg, "dying", 16);
    assert_int_equal(build(vm, &cfg, true, false, dfx_store()), 0);
    assert_int_equal(vm_unpause(vm), 0);
    /* someone destroys it first: it is dying */
    assert_int_equal(builder_destroy(&f->ops, vm->domid, NULL), 0);
    assert_int_equal(xenops_domain_info(&f->ops, vm->domid, &info), 0);
    assert_true(info.flags & XEN_DOMINF_dying);
    y0 = sim_calls(f->sim, SIM_SCHED_OP);
    assert_int_equal(vm_destroy(vm), 0);
    assert_int_equal(vm->state, VM_DESTROYED);
    assert_false(sim_domain_exists(f->sim, vm->domid));
    assert_int_equal(xenops_domain_info(&f->ops, vm->domid, &info), -XEN_ESRCH);
    /* it took the domain's 50 steps of dying, not the 1000 allowed */
    assert_in_range(sim_calls(f->sim, SIM_SCHED_OP) - y0, 49, 50);
    assert_int_equal(sim_free_frames(f->sim), f->free_start);
    dfx_teardown(f);
    f = NULL;
}

/* The wait is bounded: a domain that takes forever to die is left dying. */
static void destroy_wait_is_bounded(void **state)
{
    struct xen_domctl_getdomaininfo info;
    struct vm_config cfg;
    struct vm *vm;
    unsigned long y0;

    use(&(struct dfx_opts){.destroy_delay = 3000, .set_destroy_delay = true});
    vm = dfx_vm_new(f);
    config(&cfg, "slow", 16);
    assert_int_equal(build(vm, &cfg, false, false, NULL), 0);
    y0 = sim_calls(f->sim, SIM_SCHED_OP);
    assert_int_equal(vm_destroy(vm), 0);
    assert_int_equal(sim_calls(f->sim, SIM_SCHED_OP) - y0, 1000);
    assert_int_equal(xenops_domain_info(&f->ops, vm->domid, &info), 0);
    assert_true(info.flags & XEN_DOMINF_dying);
    for (int i = 0; i < 3000; i++)
        f->ops.yield(f->ops.ctx);
    dfx_teardown(f);
    f = NULL;
}

/* vm_release does not wait: the domain is still dying afterwards. */
static void release_does_not_wait(void **state)
{
    struct xen_domctl_getdomaininfo info;
    struct vm_config cfg;
    struct vm *vm;
    unsigned long y0;

    use(&(struct dfx_opts){.destroy_delay = 10, .set_destroy_delay = true});
    vm = dfx_vm_new(f);
    config(&cfg, "rel", 16);
    assert_int_equal(build(vm, &cfg, true, true, dfx_store()), 0);
    assert_int_equal(vm_unpause(vm), 0);
    y0 = sim_calls(f->sim, SIM_SCHED_OP);
    assert_int_equal(vm_release(vm), 0);
    assert_int_equal(sim_calls(f->sim, SIM_SCHED_OP), y0);
    assert_int_equal(vm->state, VM_DESTROYED);
    assert_int_equal(xenops_domain_info(&f->ops, vm->domid, &info), 0);
    assert_true(info.flags & XEN_DOMINF_dying);
    /* what we held is let go at once */
    assert_int_equal(sim_foreign_maps(f->sim), 0);
    assert_int_equal(sim_self_ports(f->sim), 0);
    dfx_teardown(f);
    f = NULL;
}

/* Destroying a domain Xen no longer knows fails with Xen's error. */
static void destroy_of_gone_domain_fails(void **state)
{
    struct vm_config cfg;
    struct vm *vm;

    use(&(struct dfx_opts){.set_destroy_delay = true});
    vm = dfx_vm_new(f);
    config(&cfg, "gone", 16);
    assert_int_equal(build(vm, &cfg, false, false, NULL), 0);
    assert_int_equal(builder_destroy(&f->ops, vm->domid, NULL), 0);
    assert_int_equal(vm_destroy(vm), -XEN_ESRCH);
    assert_true(vm->error.msg[0] != '\0');
    vm->state = VM_DESTROYED;
    dfx_teardown(f);
    f = NULL;
}

/* ---- what vm_build refuses ---- */

static void build_too_large_for_xen(void **state)
{
    struct vm_config cfg;
    struct vm *vm = dfx_vm_new(f);
    unsigned long h0 = sim_hypercalls(f->sim);

    config(&cfg, "huge", 300);
    assert_int_equal(build(vm, &cfg, true, false, dfx_store()), -XEN_ENOMEM);
    assert_int_equal(vm->state, VM_FAILED);
    assert_non_null(strstr(vm->error.msg, "needs 300 MiB but Xen has only "));
    /* refused at once: one physinfo, no domain was created */
    assert_int_equal(sim_hypercalls(f->sim) - h0, 1);
    assert_int_equal(sim_calls(f->sim, SIM_DOMCTL), 0);
    dfx_teardown(f);
    f = NULL;
}

static void build_bad_elf(void **state)
{
    struct vm_config cfg;
    struct vm *vm = dfx_vm_new(f);
    struct vm_build_opts o;

    config(&cfg, "bad", 16);
    dfx_build_opts(f, &o, true, false, NULL);
    assert_true(vm_build(vm, &cfg, f->broken, f->broken_size, NULL, 0, &o) < 0);
    assert_int_equal(vm->state, VM_FAILED);
    assert_true(vm->error.msg[0] != '\0');
    assert_int_equal(sim_hypercalls(f->sim), 0);
    assert_string_equal(vm->name, "bad");
    dfx_teardown(f);
    f = NULL;
}

/* Device permissions from the config reach Xen; a refused one fails the
 * build and the half-built domain is destroyed. */
static void build_permissions(void **state)
{
    struct vm_config cfg;
    struct vm *vm = dfx_vm_new(f);
    static const struct {
        const char *msg;
        int which;
    } bad[] = {
        {"iomem 0xffffffffff+2: permission refused", 0},
        {"ioports 0xfff0-0x10005: permission refused", 1},
        {"irq 300: permission refused", 2},
    };

    config(&cfg, "dev", 16);
    cfg.nr_iomem = 1;
    cfg.iomem[0] = (struct vm_iomem){.start_mfn = 0xfee00, .nr_pages = 1, .gfn = 0xfee00};
    cfg.nr_ioports = 1;
    cfg.ioports[0] = (struct vm_ioport){0x3f8, 0x3ff};
    cfg.nr_irqs = 1;
    cfg.irqs[0] = 4;
    assert_int_equal(build(vm, &cfg, false, false, NULL), 0);
    assert_true(sim_domain_permitted(f->sim, vm->domid));
    assert_int_equal(vm_destroy(vm), 0);
    dfx_assert_clean(f, 0);

    for (unsigned int k = 0; k < 3; k++) {
        struct vm_config c = cfg;

        if (bad[k].which == 0)
            c.iomem[0] = (struct vm_iomem){.start_mfn = (1ULL << 40) - 1, .nr_pages = 2};
        else if (bad[k].which == 1)
            c.ioports[0] = (struct vm_ioport){0xfff0, 0x10005};
        else
            c.irqs[0] = 300;
        assert_int_equal(build(vm, &c, true, false, dfx_store()), -XEN_EINVAL);
        assert_non_null(strstr(vm->error.msg, bad[k].msg));
        dfx_assert_clean(f, 0);
    }
    /* a VM without any has none */
    config(&cfg, "plain", 16);
    assert_int_equal(build(vm, &cfg, false, false, NULL), 0);
    assert_false(sim_domain_permitted(f->sim, vm->domid));
    dfx_teardown(f);
    f = NULL;
}

/* The db-server channel: an interdomain channel bound before the guest
 * runs, the ring page mapped, both on the guest's command line. */
static void build_channel(void **state)
{
    struct vm_config cfg;
    struct vm *vm = dfx_vm_new(f);
    char expect[96];
    domid_t remote;

    config(&cfg, "client", 16);
    assert_int_equal(build(vm, &cfg, false, true, NULL), 0);
    assert_non_null(vm->chan.page);
    assert_int_equal(sim_evtchn(f->sim, vm->domid, vm->chan.guest_port, &remote), 2);
    assert_int_equal(remote, 0);
    assert_int_equal(sim_frame_owner(f->sim, dfx_channel_mfn(vm)), vm->domid);
    snprintf(expect, sizeof(expect), "console=hvc0 domb.server=0,%u,0x%lx", vm->chan.guest_port,
             (unsigned long)dfx_channel_pfn(vm));
    assert_string_equal(dfx_guest_cmdline(f, vm), expect);
    /* the page we map is the guest's channel page */
    vm->chan.page[100] = 0x5a;
    assert_int_equal(sim_frame(f->sim, dfx_channel_mfn(vm))[100], 0x5a);
    assert_int_equal(sim_foreign_maps(f->sim), 1);
    assert_int_equal(sim_self_ports(f->sim), 1);
    dfx_teardown(f);
    f = NULL;
}

/* A command line with no room for the channel fails the build cleanly. */
static void build_channel_cmdline_full(void **state)
{
    struct vm_config cfg;
    struct vm *vm = dfx_vm_new(f);

    config(&cfg, "full", 16);
    memset(cfg.cmdline, 'c', 1010);
    cfg.cmdline[1010] = '\0';
    assert_int_equal(build(vm, &cfg, true, true, dfx_store()), -XEN_E2BIG);
    assert_non_null(strstr(vm->error.msg, "cmdline too long to add the db-server channel"));
    dfx_assert_clean(f, 0);
    dfx_teardown(f);
    f = NULL;
}

/* vm_append_cmdline: appended with a space; what does not fit is refused
 * and the command line is unchanged. */
static void append_cmdline(void **state)
{
    struct vm_config cfg;
    struct vm *vm = dfx_vm_new(f);
    char big[1100];

    config(&cfg, "cl", 16);
    cfg.cmdline[0] = '\0';
    assert_int_equal(build(vm, &cfg, false, false, NULL), 0);
    assert_string_equal(dfx_guest_cmdline(f, vm), "");
    assert_int_equal(vm_append_cmdline(vm, "a=1"), 0);
    assert_string_equal(dfx_guest_cmdline(f, vm), "a=1");
    assert_int_equal(vm_append_cmdline(vm, "b=2"), 0);
    assert_string_equal(dfx_guest_cmdline(f, vm), "a=1 b=2");
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[1016] = '\0'; /* 7 + 1 + 1016 + 1 = 1025 > 1024 */
    assert_int_equal(vm_append_cmdline(vm, big), -XEN_E2BIG);
    big[1016] = 'z';
    big[1015] = '\0'; /* exactly fills the 1024 bytes */
    assert_int_equal(vm_append_cmdline(vm, big), 0);
    assert_int_equal(strlen(dfx_guest_cmdline(f, vm)), 1023);
    assert_int_equal(sim_foreign_maps(f->sim), 0);
    dfx_teardown(f);
    f = NULL;
}

/* ---- supervision ---- */

static void poll_exit_states(void **state)
{
    struct vm_config cfg;
    struct vm *vm = dfx_vm_new(f);

    config(&cfg, "p", 16);
    assert_int_equal(build(vm, &cfg, true, false, dfx_store()), 0);
    assert_false(vm_poll_exit(vm)); /* built, paused */
    assert_int_equal(vm->state, VM_BUILT);
    assert_int_equal(vm_unpause(vm), 0);
    assert_false(vm_poll_exit(vm));
    dfx_guest_write(f, vm, "last words", 10, false);
    assert_int_equal(dfx_guest_shutdown(f, vm, SHUTDOWN_watchdog), 0);
    assert_true(vm_poll_exit(vm));
    assert_int_equal(vm->state, VM_STOPPED);
    assert_int_equal(vm->shutdown_reason, SHUTDOWN_watchdog);
    assert_non_null(strstr(sim_console(), "[p] last words\n"));
    assert_non_null(strstr(sim_console(), "db: vm 'p' (domid 1) stopped: watchdog"));
    assert_true(vm_poll_exit(vm)); /* stays stopped */
    assert_int_equal(sim_foreign_maps(f->sim), 0);
    assert_int_equal(sim_self_ports(f->sim), 0);
    assert_true(sim_domain_exists(f->sim, vm->domid));
    assert_int_equal(vm_destroy(vm), 0);
    assert_true(vm_poll_exit(vm));
    dfx_teardown(f);
    f = NULL;
}

static void shutdown_names(void **state)
{
    assert_string_equal(vm_shutdown_name(SHUTDOWN_poweroff), "poweroff");
    assert_string_equal(vm_shutdown_name(SHUTDOWN_reboot), "reboot");
    assert_string_equal(vm_shutdown_name(SHUTDOWN_suspend), "suspend");
    assert_string_equal(vm_shutdown_name(SHUTDOWN_crash), "crashed");
    assert_string_equal(vm_shutdown_name(SHUTDOWN_watchdog), "watchdog");
    assert_string_equal(vm_shutdown_name(SHUTDOWN_soft_reset), "soft-reset");
    assert_string_equal(vm_shutdown_name(VM_SHUTDOWN_GONE), "destroyed");
    assert_string_equal(vm_shutdown_name(77), "unknown");
}

/* The summary's RESULT column for every state. */
static void summary_states(void **state)
{
    static struct vm vms[6];
    struct domb_error why = {.code = -XEN_EINVAL};

    memset(vms, 0, sizeof(vms));
    snprintf(why.msg, sizeof(why.msg), "no good");
    vm_fail(&vms[0], "failed", &why);
    snprintf(vms[1].name, sizeof(vms[1].name), "built");
    vms[1].state = VM_BUILT;
    vms[1].domid = 3;
    vms[1].memory_mib = 24;
    vms[1].build_ns = 1234567;
    vms[1].hypercalls = 21;
    snprintf(vms[2].name, sizeof(vms[2].name), "running");
    vms[2].state = VM_RUNNING;
    vms[2].domid = 4;
    snprintf(vms[3].name, sizeof(vms[3].name), "stopped");
    vms[3].state = VM_STOPPED;
    vms[3].domid = 5;
    vms[3].shutdown_reason = SHUTDOWN_suspend;
    snprintf(vms[4].name, sizeof(vms[4].name), "gone");
    vms[4].state = VM_DESTROYED;
    vms[4].domid = 6;
    snprintf(vms[5].name, sizeof(vms[5].name), "empty");
    sim_console_clear();
    vm_print_summary(vms, 6);
    assert_true(dfx_summary_has("failed", "-", "FAILED: no good"));
    assert_true(dfx_summary_has("built", "3", "built (paused)"));
    assert_true(dfx_summary_has("running", "4", "running"));
    assert_true(dfx_summary_has("stopped", "5", "exited: suspend"));
    assert_true(dfx_summary_has("gone", "6", "exited: poweroff"));
    assert_true(dfx_summary_has("empty", "0", "-"));
    {
        char row[96];

        /* TYPE "-": the record has no config (a VM that was never built). */
        snprintf(row, sizeof(row), "\n%-16s %5s %-4s %8u %6lu.%03lu %10u %9lu  %s\n", "built", "3",
                 "-", 24, 1UL, 234UL, 21, 0UL, "built (paused)");
        assert_non_null(strstr(sim_console(), row));
    }
    assert_false(dfx_summary_has("built", "3", "running"));
}

/* Without a clock the VM still builds; its timings read 0. */
static void build_without_clock(void **state)
{
    struct vm_config cfg;
    struct vm *vm;

    use(&(struct dfx_opts){.no_clock = true});
    vm = dfx_vm_new(f);
    assert_int_equal(xenops_now_ns(f->xen), 0);
    config(&cfg, "noclock", 16);
    assert_int_equal(build(vm, &cfg, true, false, dfx_store()), 0);
    assert_int_equal(vm->build_ns, 0);
    assert_int_equal(vm_unpause(vm), 0);
    assert_int_equal(vm->started_ns, 0);
    dfx_teardown(f);
    f = NULL;
}

/* ---- xenstore through vm_xenstore_service ---- */

static void xs_request(struct dfx *fx, struct vm *vm, uint32_t type, const char *payload,
                       uint32_t len)
{
    struct xenstore_domain_interface *r = dfx_store_ring(fx, vm);
    struct xsd_sockmsg h = {.type = type, .req_id = 7, .tx_id = 0, .len = len};
    XENSTORE_RING_IDX prod = r->req_prod;

    for (size_t i = 0; i < sizeof(h); i++)
        r->req[MASK_XENSTORE_IDX(prod + i)] = ((const char *)&h)[i];
    for (uint32_t i = 0; i < len; i++)
        r->req[MASK_XENSTORE_IDX(prod + sizeof(h) + i)] = payload[i];
    __atomic_store_n(&r->req_prod, prod + (uint32_t)sizeof(h) + len, __ATOMIC_RELEASE);
}

static uint32_t xs_reply(struct dfx *fx, struct vm *vm, char *out, size_t size)
{
    struct xenstore_domain_interface *r = dfx_store_ring(fx, vm);
    struct xsd_sockmsg h;
    XENSTORE_RING_IDX cons = r->rsp_cons;

    assert_true(r->rsp_prod - cons >= sizeof(h));
    for (size_t i = 0; i < sizeof(h); i++)
        ((char *)&h)[i] = r->rsp[MASK_XENSTORE_IDX(cons + i)];
    assert_true(h.len < size);
    for (uint32_t i = 0; i < h.len; i++)
        out[i] = r->rsp[MASK_XENSTORE_IDX(cons + sizeof(h) + i)];
    out[h.len] = '\0';
    r->rsp_cons = cons + (uint32_t)sizeof(h) + h.len;
    return h.type;
}

/* The guest's requests are served from the store: its name, a write and
 * read back of its own node; a broken ring drops only that connection. */
static void xenstore_service(void **state)
{
    struct vm_config cfg;
    struct vm *vm = dfx_vm_new(f);
    struct xs_store *store = dfx_store();
    char out[128];
    const char *value;
    uint32_t len;

    config(&cfg, "xsvm", 16);
    assert_int_equal(build(vm, &cfg, false, false, store), 0);
    assert_int_equal(vm_unpause(vm), 0);
    assert_true(xs_store_domain_introduced(store, vm->domid));
    xs_request(f, vm, XS_READ, "name", 5);
    vm_xenstore_service(vm);
    assert_int_equal(xs_reply(f, vm, out, sizeof(out)), XS_READ);
    assert_string_equal(out, "xsvm");
    assert_true(sim_guest_pending(f->sim, vm->domid, vm->result.store_port));
    xs_request(f, vm, XS_WRITE, "data/x\0hello", 12);
    vm_xenstore_service(vm);
    assert_int_equal(xs_reply(f, vm, out, sizeof(out)), XS_WRITE);
    assert_true(sim_guest_pending(f->sim, vm->domid, vm->result.store_port));
    snprintf(out, sizeof(out), "/local/domain/%u/data/x", vm->domid);
    assert_int_equal(xs_store_read(store, 0, out, &value, &len, NULL), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(value, "hello", 5);
    /* nothing asked: nothing answered, no notification */
    vm_xenstore_service(vm);
    assert_false(sim_guest_pending(f->sim, vm->domid, vm->result.store_port));
    /* a ring with impossible indexes: the connection is dropped */
    __atomic_store_n(&dfx_store_ring(f, vm)->req_prod, dfx_store_ring(f, vm)->req_cons + 99999,
                     __ATOMIC_RELEASE);
    sim_console_clear();
    vm_xenstore_service(vm);
    assert_true(vm->xs.broken);
    assert_non_null(strstr(sim_console(), "db: vm 'xsvm': xenstore connection dropped: "));
    sim_console_clear();
    vm_xenstore_service(vm); /* not served any more */
    assert_string_equal(sim_console(), "");
    /* destroying releases its store nodes */
    assert_int_equal(vm_destroy(vm), 0);
    assert_false(xs_store_domain_introduced(store, vm->domid));
    dfx_teardown(f);
    f = NULL;
}

/* A store without room for another domain: that VM's build fails and is
 * undone; the first one keeps working. */
static void xenstore_store_full(void **state)
{
    static uint8_t arena[64u << 10];
    static struct xs_store store;
    struct vm *a = dfx_vm_new(f), *c = dfx_vm_new(f);
    struct vm_config cfg;
    struct domb_error err;

    /* room for about one new domain's nodes (docs/xenstore.md: ~40 + 7 shared) */
    assert_int_equal(xs_store_init(&store, arena, sizeof(arena), 60, &err), 0);
    config(&cfg, "fits", 16);
    assert_int_equal(build(a, &cfg, true, false, &store), 0);
    config(&cfg, "nofit", 16);
    assert_true(build(c, &cfg, true, false, &store) < 0);
    assert_int_equal(c->state, VM_FAILED);
    assert_true(c->error.msg[0] != '\0');
    dfx_settle(f);
    assert_int_equal(sim_nr_domains(f->sim), 1);
    assert_true(xs_store_domain_introduced(&store, a->domid));
    assert_int_equal(vm_destroy(a), 0);
    assert_false(dfx_store_has_domains(&store));
    dfx_teardown(f);
    f = NULL;
}

/* ---- bzImage kernels ---- */

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A bzImage (boot protocol 2.15) whose gzip payload is elf[0..len), with
 * Linux's size word = size_word. */
static uint8_t *make_bzimage(const uint8_t *elf, size_t len, uint32_t size_word, size_t *out_len)
{
    z_stream z = {0};
    size_t cap = compressBound(len) + 64, plen;
    uint8_t *payload = malloc(cap), *b;
    size_t pm_start = 5 * 512, off = 1000;

    assert_non_null(payload);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (uint8_t *)elf;
    z.avail_in = (uInt)len;
    z.next_out = payload;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    plen = z.total_out;
    deflateEnd(&z);
    *out_len = pm_start + off + plen + 4 + 100;
    b = calloc(1, *out_len);
    assert_non_null(b);
    b[BZIMAGE_SETUP_SECTS_OFF] = 4;
    b[0x1fe] = 0x55;
    b[0x1ff] = 0xaa;
    memcpy(b + BZIMAGE_HEADER_OFF, "HdrS", 4);
    b[BZIMAGE_VERSION_OFF] = 0x0f;
    b[BZIMAGE_VERSION_OFF + 1] = 0x02;
    put_le32(b + BZIMAGE_PAYLOAD_OFF_OFF, (uint32_t)off);
    put_le32(b + BZIMAGE_PAYLOAD_LEN_OFF, (uint32_t)(plen + 4));
    memset(b + pm_start, 0x90, off);
    memcpy(b + pm_start + off, payload, plen);
    put_le32(b + pm_start + off + plen, size_word);
    free(payload);
    return b;
}

static void build_bzimage(void **state)
{
    struct vm_config cfg;
    struct vm *vm = dfx_vm_new(f);
    struct vm_build_opts o;
    size_t len, big_len;
    uint8_t *bz = make_bzimage(f->kernel, f->kernel_size, (uint32_t)f->kernel_size, &len);
    uint8_t *big;
    char expect[160];
    unsigned long conn_pages;
    static struct ew w; /* large */
    struct ew_out out;

    config(&cfg, "linux", 16);
    dfx_build_opts(f, &o, true, false, dfx_store());
    /* what a plain ELF build keeps in scratch: its xenstore connection */
    assert_int_equal(vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &o), 0);
    conn_pages = sim_scratch_pages(f->sim);
    assert_true(conn_pages > 0);
    assert_int_equal(vm_destroy(vm), 0);
    /* a small one is whole in the first 64 KiB: built from there */
    assert_int_equal(vm_build(vm, &cfg, bz, len, NULL, 0, &o), 0);
    assert_null(strstr(sim_console(), "streamed into the guest"));
    assert_int_equal(sim_scratch_pages(f->sim), conn_pages);
    assert_ptr_equal(vm->kernel_image, bz);
    assert_int_equal(vm->kernel_image_size, len);
    assert_int_equal(vm_unpause(vm), 0);
    assert_int_equal(vm_destroy(vm), 0);
    dfx_assert_clean(f, 0);

    /* a larger one streams into the guest; its working memory is freed */
    ew_init_pvh(&w, EW_PVH_PHYS, 600 << 10, 0x1000);
    ew_build(&w, &out);
    big = make_bzimage(out.buf, out.size, (uint32_t)out.size, &big_len);
    assert_int_equal(vm_build(vm, &cfg, big, big_len, NULL, 0, &o), 0);
    snprintf(expect, sizeof(expect),
             "db: vm 'linux': bzImage streamed into the guest: %zu -> %zu bytes (1 pass,", big_len,
             out.size);
    assert_non_null(strstr(sim_console(), expect));
    assert_int_equal(vm->result.stream_size, out.size);
    assert_true(vm->mem_build_pages > 512 && vm->mem_build_pages < 1024);
    assert_int_equal(sim_scratch_pages(f->sim), conn_pages);
    assert_int_equal(vm_unpause(vm), 0);
    assert_int_equal(vm_destroy(vm), 0);
    dfx_assert_clean(f, 0);
    /* staged as before issue 15 (the benchmark's "before"): the whole ELF
     * in pages of ours first, then freed */
    {
        uint64_t streamed_pages = vm->mem_build_pages;

        o.staged_bzimage = true;
        assert_int_equal(vm_build(vm, &cfg, big, big_len, NULL, 0, &o), 0);
        snprintf(expect, sizeof(expect),
                 "db: vm 'linux': bzImage unpacked in the builder: %zu -> %zu bytes", big_len,
                 out.size);
        assert_non_null(strstr(sim_console(), expect));
        assert_true(vm->mem_build_pages > streamed_pages &&
                    vm->mem_build_pages >= out.size / 4096 + 512);
        assert_int_equal(sim_scratch_pages(f->sim), conn_pages);
        assert_int_equal(vm_destroy(vm), 0);
        o.staged_bzimage = false;
    }
    dfx_assert_clean(f, 0);
    free(big);
    free(out.buf);

    /* a size word beyond the guest's memory is refused before decoding */
    free(bz);
    bz = make_bzimage(f->kernel, f->kernel_size, 17u << 20, &len);
    assert_int_equal(vm_build(vm, &cfg, bz, len, NULL, 0, &o), -XEN_E2BIG);
    assert_non_null(strstr(vm->error.msg, "bzImage unpacks to 17825792 bytes, more than the "
                                          "16777216 allowed"));
    /* a size word that is not the ELF's */
    put_le32(bz + len - 104, 0);
    assert_int_equal(vm_build(vm, &cfg, bz, len, NULL, 0, &o), BZIMAGE_ERR_SIZE_TRAILER);
    dfx_assert_clean(f, 0);
    /* a payload too short for a gzip member */
    put_le32(bz + BZIMAGE_PAYLOAD_LEN_OFF, 3);
    assert_int_equal(vm_build(vm, &cfg, bz, len, NULL, 0, &o), GZIP_ERR_TRUNCATED);
    assert_non_null(strstr(vm->error.msg, "bzimage: payload: gzip:"));
    /* a payload placed beyond the image */
    put_le32(bz + BZIMAGE_PAYLOAD_LEN_OFF, (uint32_t)len);
    assert_true(vm_build(vm, &cfg, bz, len, NULL, 0, &o) < 0);
    assert_non_null(strstr(vm->error.msg, "bzimage"));
    /* a damaged payload: the decoder's error, and the scratch is freed */
    free(bz);
    bz = make_bzimage(f->kernel, f->kernel_size, (uint32_t)f->kernel_size, &len);
    memset(bz + 5 * 512 + 1000 + 20, 0xff, 40);
    assert_true(vm_build(vm, &cfg, bz, len, NULL, 0, &o) < 0);
    assert_true(vm->error.msg[0] != '\0');
    dfx_assert_clean(f, 0);
    free(bz);
    dfx_teardown(f);
    f = NULL;
}

/* Streaming needs some of the builder's own memory (the decoder's window):
 * refused when it has too little, and its allocations can fail. */
static void build_bzimage_scratch(void **state)
{
    struct vm_config cfg;
    struct vm *vm;
    struct vm_build_opts o;
    size_t len;
    uint8_t *bz;

    use(&(struct dfx_opts){.scratch_pages = 300});
    vm = dfx_vm_new(f);
    bz = make_bzimage(f->kernel, f->kernel_size, (uint32_t)f->kernel_size, &len);
    config(&cfg, "linux", 16);
    dfx_build_opts(f, &o, false, false, NULL);
    assert_int_equal(vm_build(vm, &cfg, bz, len, NULL, 0, &o), -XEN_ENOMEM);
    assert_non_null(strstr(vm->error.msg, "streaming the bzImage needs 2396 KiB of the builder's "
                                          "memory; it has"));
    free(bz);

    use(&(struct dfx_opts){.fault = true});
    vm = dfx_vm_new(f);
    bz = make_bzimage(f->kernel, f->kernel_size, (uint32_t)f->kernel_size, &len);
    dfx_build_opts(f, &o, false, false, NULL);
    for (unsigned long n = 1; n <= 3; n++) {
        /* the first failable calls are the window, prefix and work allocations */
        xenops_fault_arm(&f->fault, n, -XEN_ENOMEM);
        assert_int_equal(vm_build(vm, &cfg, bz, len, NULL, 0, &o), -XEN_ENOMEM);
        assert_non_null(strstr(vm->error.msg, "contiguous to stream the bzImage through"));
        dfx_assert_clean(f, 0);
    }
    free(bz);
    dfx_teardown(f);
    f = NULL;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(budget_64m, setup, teardown),
    cmocka_unit_test_setup_teardown(fault_sweep_full_build, setup, teardown),
    cmocka_unit_test_setup_teardown(unpause_failure_destroys, setup, teardown),
    cmocka_unit_test_setup_teardown(destroy_waits_for_dying_domain, setup, teardown),
    cmocka_unit_test_setup_teardown(destroy_wait_is_bounded, setup, teardown),
    cmocka_unit_test_setup_teardown(release_does_not_wait, setup, teardown),
    cmocka_unit_test_setup_teardown(destroy_of_gone_domain_fails, setup, teardown),
    cmocka_unit_test_setup_teardown(build_too_large_for_xen, setup, teardown),
    cmocka_unit_test_setup_teardown(build_bad_elf, setup, teardown),
    cmocka_unit_test_setup_teardown(build_permissions, setup, teardown),
    cmocka_unit_test_setup_teardown(build_channel, setup, teardown),
    cmocka_unit_test_setup_teardown(build_channel_cmdline_full, setup, teardown),
    cmocka_unit_test_setup_teardown(append_cmdline, setup, teardown),
    cmocka_unit_test_setup_teardown(poll_exit_states, setup, teardown),
    cmocka_unit_test(shutdown_names),
    cmocka_unit_test(summary_states),
    cmocka_unit_test_setup_teardown(build_without_clock, setup, teardown),
    cmocka_unit_test_setup_teardown(xenstore_service, setup, teardown),
    cmocka_unit_test_setup_teardown(xenstore_store_full, setup, teardown),
    cmocka_unit_test_setup_teardown(build_bzimage, setup, teardown),
    cmocka_unit_test_setup_teardown(build_bzimage_scratch, setup, teardown),
};

DOMB_TEST_MAIN(tests)
