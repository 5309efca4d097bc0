/* db-boot's boot set end to end against the simulated hypervisor: boot, run, report. */
#include "domb_test.h"

#include "dom0_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELAY MANIFEST_FLAG_CONSOLE_RELAY

/* ---- helpers ---- */

static struct dfx *f;
static struct dfx_bootset *b;

static int setup(void **state)
{
    f = dfx_create(NULL);
    return 0;
}

static int teardown(void **state)
{
    dfx_free(f);
    dfx_bootset_free(b);
    f = NULL;
    b = NULL;
    return 0;
}

/* A new boot set with the good kernel at domb/images/k.elf and the broken
 * one at domb/images/bad.elf. */
static void new_set(enum manifest_mode mode, uint16_t flags, enum manifest_when_done wd)
{
    b = dfx_bootset_new(mode, flags, wd);
    dfx_bootset_kernel(b, "k.elf");
    dfx_bootset_image(b, "bad.elf", f->broken, f->broken_size);
}

static void add_vm(const char *name, uint32_t mib, enum vm_on_exit on_exit)
{
    struct vm_config cfg;

    dfx_config(&cfg, name, "k.elf", mib);
    cfg.on_exit = on_exit;
    dfx_bootset_vm(b, &cfg);
}

/* Position of needle in the console text (asserting it is there). */
static size_t at(const char *needle)
{
    const char *c = sim_console(), *p = strstr(c, needle);

    if (!p) {
        dfx_console_dump();
        fail_msg("console lacks \"%s\"", needle);
    }
    return (size_t)(p - c);
}

static void assert_console_has(const char *needle)
{
    (void)at(needle);
}

static void assert_console_lacks(const char *needle)
{
    if (strstr(sim_console(), needle)) {
        dfx_console_dump();
        fail_msg("console has \"%s\"", needle);
    }
}

static void assert_row(const char *name, const char *domid, const char *result)
{
    if (!dfx_summary_has(name, domid, result)) {
        dfx_console_dump();
        fail_msg("summary lacks %s %s %s", name, domid, result);
    }
}

static char domid_text[8];

static const char *did(const char *name)
{
    struct vm *vm = dfx_vm(f, name);

    assert_non_null(vm);
    snprintf(domid_text, sizeof(domid_text), "%u", vm->domid);
    return domid_text;
}

/* One turn of db-boot's event loop. */
static void step(unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        evtchn_port_t ports[PLATFORM_POLL_MAX];
        unsigned int k = platform_ports(f->p, ports, PLATFORM_POLL_MAX);

        f->xen->evtchn_poll(f->xen->ctx, ports, k, PLATFORM_POLL_NS);
        platform_handle_events(f->p);
    }
}

/* The order of createdomain / unpausedomain, recorded through the seam. */
struct trace_event {
    uint32_t cmd;
    domid_t domid;
};
static struct trace_event trace[64];
static unsigned int nr_trace;

static int trace_domctl(void *ctx, struct xen_domctl *op)
{
    int rc = f->ops.domctl(f->ops.ctx, op);

    if (rc == 0 && nr_trace < 64 &&
        (op->cmd == XEN_DOMCTL_createdomain || op->cmd == XEN_DOMCTL_unpausedomain))
        trace[nr_trace++] = (struct trace_event){op->cmd, op->domain};
    return rc;
}

static void use_trace(void)
{
    dfx_free(f);
    f = dfx_create(&(struct dfx_opts){.fault = true});
    f->fault.ops.domctl = trace_domctl;
    nr_trace = 0;
}

/* ---- startall ---- */

static const struct dfx_action three_script[] = {
    {"zeta", 1, DFX_PRINT, .text = "zeta up\n"},
    {"alpha", 2, DFX_PRINT, .text = "alpha up\n"},
    {"mid", 3, DFX_PRINT, .text = "mid up\n"},
    {"zeta", 4, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
    {"alpha", 4, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
    {"mid", 5, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
    {NULL},
};

/* Every VM is built (in manifest order) before any is unpaused; the table
 * lists each with its domid and "exited: poweroff"; the verdict is good. */
static void startall_order_and_summary(void **state)
{
    use_trace();
    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("zeta", 16, VM_ON_EXIT_DESTROY);
    add_vm("alpha", 32, VM_ON_EXIT_DESTROY);
    add_vm("mid", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, three_script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(f->p->nr_vms, 3);
    assert_int_equal(f->p->failed, 0);
    assert_int_equal(platform_running(f->p), 3);
    /* create zeta, alpha, mid; then unpause them in the same order */
    assert_int_equal(nr_trace, 6);
    for (unsigned int i = 0; i < 3; i++) {
        assert_int_equal(trace[i].cmd, XEN_DOMCTL_createdomain);
        assert_int_equal(trace[3 + i].cmd, XEN_DOMCTL_unpausedomain);
        assert_int_equal(trace[3 + i].domid, trace[i].domid);
        assert_int_equal(trace[i].domid, f->p->vms[i].domid);
    }
    assert_string_equal(f->p->vms[0].name, "zeta");
    assert_string_equal(f->p->vms[1].name, "alpha");
    assert_string_equal(f->p->vms[2].name, "mid");
    assert_true(at("vm 'zeta' built") < at("vm 'alpha' built"));
    assert_true(at("vm 'alpha' built") < at("vm 'mid' built"));
    assert_console_has("db: boot set: 3 VMs, mode startall, console relay on, when done: wait");
    assert_console_has("db: 3 of 3 VMs started");

    platform_run(f->p);
    assert_false(f->stuck);
    assert_int_equal(platform_running(f->p), 0);
    assert_true(at("[zeta] zeta up\n") < at("[alpha] alpha up\n"));
    assert_true(at("[alpha] alpha up\n") < at("[mid] mid up\n"));
    sim_console_clear();
    assert_true(platform_report(f->p, "db-boot"));
    assert_row("zeta", did("zeta"), "exited: poweroff");
    assert_row("alpha", did("alpha"), "exited: poweroff");
    assert_row("mid", did("mid"), "exited: poweroff");
    {
        char row[64];

        snprintf(row, sizeof(row), "\n%-16s %5u %-4s %8u ", "alpha", f->p->vms[1].domid, "pv", 32);
        assert_console_has(row);
    }
    assert_console_has("db-boot: done: 3 built, 0 failed, 0 exited abnormally;");
    /* on_exit destroy: every domain is gone and its memory is back */
    dfx_settle(f);
    assert_int_equal(sim_nr_domains(f->sim), 0);
    assert_int_equal(sim_free_frames(f->sim), f->free_start);
    assert_int_equal(sim_self_ports(f->sim), 1); /* VIRQ_DOM_EXC */
    dfx_teardown(f);
    f = NULL;
}

static const struct dfx_action good_poweroff[] = {
    {"good", 1, DFX_PRINT, .text = "still here\n"},
    {"good", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
    {"good2", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
    {NULL},
};

/* A bad ELF, a missing image, an unreadable spec and a VM larger than Xen's
 * free memory are each reported by name; the good VMs still run. */
static void startall_broken_vms_reported(void **state)
{
    struct vm_config cfg;
    uint8_t junk[100];

    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("good", 16, VM_ON_EXIT_DESTROY);
    dfx_config(&cfg, "badelf", "bad.elf", 16);
    dfx_bootset_vm(b, &cfg);
    dfx_config(&cfg, "noimage", "missing.elf", 16);
    dfx_bootset_vm(b, &cfg);
    add_vm("huge", 1024, VM_ON_EXIT_DESTROY);
    memset(junk, 'j', sizeof(junk));
    dfx_bootset_spec_raw(b, "domb/specs/junk.spec", junk, sizeof(junk));
    add_vm("good2", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, good_poweroff);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(f->p->nr_vms, 6);
    assert_int_equal(f->p->failed, 4);
    assert_int_equal(platform_running(f->p), 2);
    assert_console_has("db: vm 'badelf' FAILED: ");
    assert_console_has("db: vm 'noimage' FAILED: vm 'noimage': kernel: ");
    assert_console_has("db: vm 'huge' FAILED: needs 1024 MiB but Xen has only ");
    assert_console_has("db: vm 'domb/specs/junk.spec' FAILED: domb/specs/junk.spec: ");
    assert_console_has("db: 2 of 6 VMs started");
    platform_run(f->p);
    assert_console_has("[good] still here\n");
    sim_console_clear();
    assert_false(platform_report(f->p, "db-boot"));
    assert_row("good", did("good"), "exited: poweroff");
    assert_row("good2", did("good2"), "exited: poweroff");
    assert_row("badelf", "-", "FAILED: ");
    assert_row("noimage", "-", "FAILED: vm 'noimage': kernel: ");
    assert_row("huge", "-", "FAILED: needs 1024 MiB but Xen has only ");
    assert_row("domb/specs/junk.spec", "-", "FAILED: domb/specs/junk.spec: ");
    {
        char row[64];

        snprintf(row, sizeof(row), "\n%-16s %5s %-4s %8u ", "huge", "-", "pv", 1024);
        assert_console_has(row);
    }
    assert_console_has("db-boot: done: 2 built, 4 failed, 0 exited abnormally;");
    dfx_teardown(f);
    f = NULL;
}

/* The broken ELF's message says what is wrong with it. */
static void startall_bad_elf_message(void **state)
{
    struct vm_config cfg;
    struct vm *vm;

    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_SHUTDOWN);
    dfx_config(&cfg, "badelf", "bad.elf", 16);
    dfx_bootset_vm(b, &cfg);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    vm = dfx_vm(f, "badelf");
    assert_non_null(vm);
    assert_int_equal(vm->state, VM_FAILED);
    assert_true(vm->error.code != 0);
    assert_non_null(strstr(vm->error.msg, "ELF"));
    assert_int_equal(sim_nr_domains(f->sim), 0);
    dfx_teardown(f);
    f = NULL;
}

static const struct dfx_action crash_script[] = {
    {"ok", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
    {"boom", 2, DFX_PRINT, .text = "panic!\n"},
    {"boom", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_crash},
    {"again", 3, DFX_SHUTDOWN, .reason = SHUTDOWN_reboot},
    {NULL},
};

/* A crashed VM makes the verdict false and shows as "exited: crashed". */
static void report_crash_is_failure(void **state)
{
    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("ok", 16, VM_ON_EXIT_DESTROY);
    add_vm("boom", 16, VM_ON_EXIT_DESTROY);
    add_vm("again", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, crash_script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    platform_run(f->p);
    assert_console_has("[boom] panic!\n");
    assert_console_has("stopped: crashed");
    sim_console_clear();
    assert_false(platform_report(f->p, "db-boot"));
    assert_row("ok", did("ok"), "exited: poweroff");
    assert_row("boom", did("boom"), "exited: crashed");
    assert_row("again", did("again"), "exited: reboot");
    assert_console_has("db-boot: done: 3 built, 0 failed, 2 exited abnormally;");
    dfx_teardown(f);
    f = NULL;
}

/* "shutdown" when done: platform_run returns at once, the VMs still run. */
static void when_done_shutdown_returns_at_once(void **state)
{
    unsigned long polls;

    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_SHUTDOWN);
    add_vm("a", 16, VM_ON_EXIT_DESTROY);
    add_vm("b", 16, VM_ON_EXIT_DESTROY);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    polls = sim_polls(f->sim);
    platform_run(f->p);
    assert_int_equal(sim_polls(f->sim), polls);
    assert_int_equal(platform_running(f->p), 2);
    sim_console_clear();
    assert_true(platform_report(f->p, "db-boot"));
    assert_row("a", did("a"), "running");
    assert_row("b", did("b"), "running");
    dfx_teardown(f);
    f = NULL;
}

static const struct dfx_action late_script[] = {
    {"early", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
    {"late", 30, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
    {NULL},
};

/* "wait" when done: platform_run returns only once the last VM stopped. */
static void when_done_wait_until_last(void **state)
{
    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_WAIT);
    add_vm("early", 16, VM_ON_EXIT_DESTROY);
    add_vm("late", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, late_script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    platform_run(f->p);
    assert_int_equal(platform_running(f->p), 0);
    assert_int_equal(dfx_vm(f, "late")->state, VM_DESTROYED);
    /* late stopped at its 30th look: the loop waited for it */
    assert_true(f->world_calls >= 30);
    assert_true(f->world_calls < 40);
    dfx_teardown(f);
    f = NULL;
}

/* Without the relay flag no console port is bound and nothing is relayed. */
static void relay_off_binds_no_console(void **state)
{
    static const struct dfx_action script[] = {
        {"quiet", 1, DFX_PRINT, .text = "unheard\n"},
        {"quiet", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };

    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_WAIT);
    add_vm("quiet", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_console_has("console relay off");
    /* VIRQ_DOM_EXC and the xenstore channel; no console channel */
    assert_int_equal(sim_self_ports(f->sim), 2);
    assert_false(dfx_vm(f, "quiet")->relay);
    platform_run(f->p);
    assert_console_lacks("unheard");
    dfx_teardown(f);
    f = NULL;
}

/* ---- sequenced ---- */

/* Each VM is built and started before the next is built. */
static void sequenced_start_order(void **state)
{
    static const struct dfx_action script[] = {
        {"one", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"two", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"three", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };

    use_trace();
    new_set(MANIFEST_MODE_SEQUENCED, RELAY, MANIFEST_DONE_WAIT);
    add_vm("one", 16, VM_ON_EXIT_DESTROY);
    add_vm("two", 16, VM_ON_EXIT_DESTROY);
    add_vm("three", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_console_has("mode sequenced");
    assert_int_equal(nr_trace, 6);
    for (unsigned int i = 0; i < 3; i++) {
        assert_int_equal(trace[2 * i].cmd, XEN_DOMCTL_createdomain);
        assert_int_equal(trace[2 * i + 1].cmd, XEN_DOMCTL_unpausedomain);
        assert_int_equal(trace[2 * i + 1].domid, trace[2 * i].domid);
        assert_int_equal(trace[2 * i].domid, f->p->vms[i].domid);
    }
    assert_false(f->p->virq_delegated);
    assert_int_equal(f->p->xenstore_domid, DOMID_INVALID);
    platform_run(f->p);
    assert_true(platform_report(f->p, "db-boot"));
    dfx_teardown(f);
    f = NULL;
}

/* VIRQ_DOM_EXC was handed to one of the VMs: the loop looks for exits every
 * time round and still sees every VM stop; once the handler is gone Xen
 * gives the VIRQ back to dom0. Ends the test. */
static void run_until_the_virq_comes_back(void)
{
    platform_run(f->p);
    assert_int_equal(platform_running(f->p), 0);
    assert_true(platform_report(f->p, "db-boot"));
    dfx_settle(f);
    assert_int_equal(sim_virq_handler(f->sim), 0);
    dfx_teardown(f);
    f = NULL;
}

/* ---- a domain builder among the VMs (db_builder = 1), and db-boot's
 * platform as an ordinary domain (docs/disaggregation.md) ---- */

static void add_builder(const char *name)
{
    struct vm_config cfg;

    dfx_config(&cfg, name, "k.elf", 16);
    cfg.db_builder = true;
    dfx_bootset_vm(b, &cfg);
}

/* db-boot hands VIRQ_DOM_EXC to the builder, in either mode, and still
 * notices every exit of its own VMs by looking; once the builder is gone
 * Xen gives the VIRQ back to dom0. */
static void builder_vm_gets_dom_exc(void **state)
{
    static const struct dfx_action script[] = {
        {"web", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"dbs", 4, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    char expect[64];
    struct vm *dbs;

    (void)state;
    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_builder("dbs");
    add_vm("web", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    dbs = dfx_vm(f, "dbs");
    assert_int_equal(f->p->failed, 0);
    assert_int_equal(sim_virq_handler(f->sim), dbs->domid);
    assert_int_equal(f->p->builder_domid, dbs->domid);
    assert_true(f->p->virq_delegated);
    snprintf(expect, sizeof(expect), "db: vm 'dbs' is a domain builder (VIRQ_DOM_EXC)");
    assert_console_has(expect);
    assert_true(at(expect) < at("db: 2 of 2 VMs started"));
    run_until_the_virq_comes_back();
}

/* Xen has one VIRQ_DOM_EXC handler: a second builder fails, by name, and
 * the first keeps it. */
static void second_builder_refused(void **state)
{
    struct vm *one, *two;

    (void)state;
    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_builder("one");
    add_builder("two");
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    one = dfx_vm(f, "one");
    two = dfx_vm(f, "two");
    assert_int_equal(f->p->failed, 1);
    assert_int_equal(two->state, VM_FAILED);
    assert_string_equal(two->error.msg, "db_builder: domain 1 is this platform's builder already "
                                        "(Xen has one VIRQ_DOM_EXC handler)");
    assert_int_equal(sim_virq_handler(f->sim), one->domid);
    dfx_teardown(f);
    f = NULL;
}

/* A builder restarted by its on_exit gets VIRQ_DOM_EXC again, under its
 * new domid. */
static void restarted_builder_gets_dom_exc_again(void **state)
{
    static const struct dfx_action script[] = {
        {"dbs", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_reboot, .incarnation = 1},
        {"dbs", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff, .incarnation = 2},
        {NULL},
    };
    struct vm_config cfg;
    domid_t first;

    (void)state;
    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_config(&cfg, "dbs", "k.elf", 16);
    cfg.db_builder = true;
    cfg.on_reason_set = 1u << VM_REASON_REBOOT;
    cfg.on_reason[VM_REASON_REBOOT] = VM_ON_EXIT_RESTART;
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    first = dfx_vm(f, "dbs")->domid;
    assert_int_equal(sim_virq_handler(f->sim), first);
    platform_run(f->p);
    assert_int_equal(dfx_incarnations(f, "dbs"), 2);
    assert_int_equal(dfx_console_count("db: vm 'dbs' is a domain builder (VIRQ_DOM_EXC)"), 2);
    assert_true(f->p->builder_domid != first);
    assert_true(platform_report(f->p, "db-boot"));
    dfx_teardown(f);
    f = NULL;
}

/* The platform as an ordinary domain that nobody made the VIRQ_DOM_EXC
 * handler (built by a toolstack that does not know db_builder): it still
 * notices its VMs stop, by looking at least once a second. */
static void domu_platform_without_dom_exc_polls(void **state)
{
    static const struct dfx_action script[] = {
        {"web", 3, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    const struct dfx_opts o = {.self = 9};

    (void)state;
    dfx_free(f);
    f = dfx_create(&o);
    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("web", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(sim_virq_handler(f->sim), 0); /* dom0 hears it, not us */
    assert_int_equal(f->p->failed, 0);
    assert_true(f->p->domu);
    platform_run(f->p);
    assert_int_equal(platform_running(f->p), 0);
    assert_true(platform_report(f->p, "db-boot"));
    assert_true(dfx_summary_has("web", "1", "exited: poweroff"));
    dfx_teardown(f);
    f = NULL;
}

/* The first VM as xenstore domain, the last as control domain. */
static void sequenced_xenstore_and_control_roles(void **state)
{
    static const struct dfx_action script[] = {
        {"ctl", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"mid", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"xs", 4, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    struct vm *xs, *mid, *ctl;
    char expect[80];
    unsigned int port;
    domid_t remote;
    const char *cl;

    new_set(MANIFEST_MODE_SEQUENCED,
            RELAY | MANIFEST_FLAG_FIRST_XENSTORE | MANIFEST_FLAG_LAST_CONTROL, MANIFEST_DONE_WAIT);
    add_vm("xs", 16, VM_ON_EXIT_DESTROY);
    add_vm("mid", 16, VM_ON_EXIT_DESTROY);
    add_vm("ctl", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    xs = dfx_vm(f, "xs");
    mid = dfx_vm(f, "mid");
    ctl = dfx_vm(f, "ctl");
    assert_int_equal(f->p->failed, 0);
    /* xenstore domain: an unbound port in it for us on its command line,
     * and VIRQ_DOM_EXC delegated to it */
    cl = dfx_guest_cmdline(f, xs);
    assert_non_null(strstr(cl, "console=hvc0 --event "));
    assert_int_equal(sscanf(strstr(cl, "--event ") + 8, "%u", &port), 1);
    snprintf(expect, sizeof(expect), "--event %u --master-domid 0", port);
    assert_non_null(strstr(cl, expect));
    assert_int_equal(sim_evtchn(f->sim, xs->domid, port, &remote), 1);
    assert_int_equal(remote, 0);
    assert_int_equal(sim_virq_handler(f->sim), xs->domid);
    assert_true(f->p->virq_delegated);
    assert_int_equal(f->p->xenstore_domid, xs->domid);
    snprintf(expect, sizeof(expect),
             "db: vm 'xs' is the xenstore domain (event channel %u, "
             "VIRQ_DOM_EXC)",
             port);
    assert_console_has(expect);
    /* control domain: told where xenstore lives */
    snprintf(expect, sizeof(expect), "console=hvc0 domb.xenstore_domid=%u", xs->domid);
    assert_string_equal(dfx_guest_cmdline(f, ctl), expect);
    assert_console_has("db: vm 'ctl' is the control domain");
    /* the one in between has neither */
    assert_string_equal(dfx_guest_cmdline(f, mid), "console=hvc0");

    /* VIRQ_DOM_EXC does not reach us: the loop looks every time round and
     * still notices every exit; the xenstore domain gone, it comes back */
    run_until_the_virq_comes_back();
}

/* A lone control domain (no xenstore domain) gets no xenstore_domid. */
static void sequenced_control_only(void **state)
{
    new_set(MANIFEST_MODE_SEQUENCED, MANIFEST_FLAG_LAST_CONTROL, MANIFEST_DONE_SHUTDOWN);
    add_vm("ctl", 16, VM_ON_EXIT_DESTROY);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_string_equal(dfx_guest_cmdline(f, dfx_vm(f, "ctl")), "console=hvc0");
    assert_console_has("db: vm 'ctl' is the control domain");
    assert_int_equal(sim_virq_handler(f->sim), 0);
    assert_false(f->p->virq_delegated);
    dfx_teardown(f);
    f = NULL;
}

/* A failing role setup (here: the command line has no room left for the
 * xenstore arguments) fails that VM only; the next is still started. */
static void sequenced_role_failure_fails_that_vm(void **state)
{
    struct vm_config cfg;

    new_set(MANIFEST_MODE_SEQUENCED, MANIFEST_FLAG_FIRST_XENSTORE, MANIFEST_DONE_SHUTDOWN);
    dfx_config(&cfg, "xs", "k.elf", 16);
    memset(cfg.cmdline, 'x', 1010);
    cfg.cmdline[1010] = '\0';
    dfx_bootset_vm(b, &cfg);
    add_vm("next", 16, VM_ON_EXIT_DESTROY);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(f->p->failed, 1);
    assert_int_equal(dfx_vm(f, "xs")->state, VM_FAILED);
    assert_int_equal(dfx_vm(f, "next")->state, VM_RUNNING);
    assert_console_has("db: vm 'xs' FAILED: cmdline too long");
    assert_int_equal(sim_virq_handler(f->sim), 0);
    assert_int_equal(f->p->xenstore_domid, DOMID_INVALID);
    sim_console_clear();
    assert_false(platform_report(f->p, "db-boot"));
    assert_row("xs", did("xs"), "FAILED: cmdline too long");
    /* only "next" is left */
    assert_int_equal(sim_nr_domains(f->sim), 1);
    dfx_teardown(f);
    f = NULL;
}

/* The xenstore role fails at each of its hypercalls: that VM is destroyed
 * and reported; nothing of it is left. */
static void sequenced_role_fault_injection(void **state)
{
    const char *const expect[] = {"xenstore domain: alloc_unbound failed", "cannot map start_info",
                                  "xenstore domain: set_virq_handler failed", "unpause of domain "};

    for (unsigned int k = 0; k < 4; k++) {
        unsigned long calls;

        dfx_free(f);
        dfx_bootset_free(b);
        f = dfx_create(&(struct dfx_opts){.fault = true});
        new_set(MANIFEST_MODE_SEQUENCED, MANIFEST_FLAG_FIRST_XENSTORE, MANIFEST_DONE_SHUTDOWN);
        add_vm("xs", 16, VM_ON_EXIT_DESTROY);
        /* count the calls up to the end of the build: physinfo, the
         * builder, the xenstore and relay attach */
        xenops_fault_arm(&f->fault, 0, 0);
        assert_int_equal(dfx_boot(f, b, NULL), 0);
        xenops_fault_fired(&f->fault, &calls);
        dfx_platform_free(f);
        dfx_assert_clean(f, 0);
        /* the role's calls come after vm_build's: alloc_unbound, map (of
         * start_info), set_virq_handler, then the unpause, the last call.
         * Fail the (calls - 3 + k)th, counted from platform_boot's first. */
        sim_console_clear();
        xenops_fault_arm(&f->fault, calls - 3 + k, -XEN_ENOMEM);
        assert_int_equal(dfx_boot(f, b, NULL), 0);
        assert_true(xenops_fault_fired(&f->fault, NULL));
        assert_int_equal(f->p->failed, 1);
        assert_int_equal(f->p->vms[0].state, VM_FAILED);
        assert_non_null(strstr(f->p->vms[0].error.msg, expect[k]));
        if (k == 3)
            assert_console_has("db: vm 'xs' FAILED to start: unpause of domain ");
        else {
            char line[96];

            snprintf(line, sizeof(line), "db: vm 'xs' FAILED: %s", expect[k]);
            assert_console_has(line);
        }
        /* (a failed unpause leaves the delegation to a dead domain, which
         * Xen hands back to us when it is gone) */
        dfx_settle(f);
        assert_int_equal(sim_virq_handler(f->sim), 0);
        dfx_platform_free(f);
        dfx_assert_clean(f, 0);
    }
}

/* A control domain whose command line cannot take the xenstore domid. */
static void sequenced_control_cmdline_full(void **state)
{
    struct vm_config cfg;

    new_set(MANIFEST_MODE_SEQUENCED, MANIFEST_FLAG_FIRST_XENSTORE | MANIFEST_FLAG_LAST_CONTROL,
            MANIFEST_DONE_SHUTDOWN);
    add_vm("xs", 16, VM_ON_EXIT_DESTROY);
    dfx_config(&cfg, "ctl", "k.elf", 16);
    memset(cfg.cmdline, 'x', 1015);
    cfg.cmdline[1015] = '\0';
    dfx_bootset_vm(b, &cfg);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(f->p->failed, 1);
    assert_int_equal(dfx_vm(f, "xs")->state, VM_RUNNING);
    assert_int_equal(dfx_vm(f, "ctl")->state, VM_FAILED);
    assert_console_has("db: vm 'ctl' FAILED: cmdline too long");
    assert_console_lacks("is the control domain");
    dfx_teardown(f);
    f = NULL;
}

/* startall: a VM that cannot be unpaused is reported; the others run. */
static void startall_unpause_failure(void **state)
{
    unsigned long calls;

    dfx_free(f);
    f = dfx_create(&(struct dfx_opts){.fault = true});
    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_SHUTDOWN);
    add_vm("first", 16, VM_ON_EXIT_DESTROY);
    add_vm("second", 16, VM_ON_EXIT_DESTROY);
    xenops_fault_arm(&f->fault, 0, 0);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    xenops_fault_fired(&f->fault, &calls);
    dfx_platform_free(f);
    dfx_assert_clean(f, 0);
    /* the two unpauses are the last two calls: fail the first */
    sim_console_clear();
    xenops_fault_arm(&f->fault, calls - 1, -XEN_EINVAL);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_true(xenops_fault_fired(&f->fault, NULL));
    assert_int_equal(f->p->failed, 1);
    assert_int_equal(dfx_vm(f, "first")->state, VM_FAILED);
    assert_int_equal(dfx_vm(f, "second")->state, VM_RUNNING);
    assert_console_has("db: vm 'first' FAILED to start: unpause of domain ");
    assert_console_has("db: 1 of 2 VMs started");
    sim_console_clear();
    assert_false(platform_report(f->p, "db-boot"));
    assert_console_has("db-boot: done: 1 built, 1 failed, 0 exited abnormally;");
    dfx_teardown(f);
    f = NULL;
}

/* ---- on_exit ---- */

/* destroy: the domain is gone and its memory back as soon as it stopped. */
static void on_exit_destroy(void **state)
{
    static const struct dfx_action script[] = {
        {"d", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    struct vm *vm;

    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("d", 32, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    vm = dfx_vm(f, "d");
    assert_true(sim_frames_owned(f->sim, vm->domid) >= 32 * 256);
    platform_run(f->p);
    assert_int_equal(vm->state, VM_DESTROYED);
    assert_int_equal(vm->shutdown_reason, SHUTDOWN_poweroff);
    dfx_settle(f);
    assert_false(sim_domain_exists(f->sim, vm->domid));
    assert_int_equal(sim_free_frames(f->sim), f->free_start);
    assert_int_equal(sim_foreign_maps(f->sim), 0);
    assert_int_equal(sim_self_ports(f->sim), 1);
    dfx_teardown(f);
    f = NULL;
}

/* preserve: the shut-down domain stays (for inspection), state stopped. */
static void on_exit_preserve(void **state)
{
    static const struct dfx_action script[] = {
        {"keep", 1, DFX_PRINT, .text = "partial"},
        {"keep", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_crash},
        {NULL},
    };
    struct vm *vm;

    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("keep", 16, VM_ON_EXIT_PRESERVE);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    platform_run(f->p);
    vm = dfx_vm(f, "keep");
    assert_int_equal(vm->state, VM_STOPPED);
    assert_int_equal(vm->shutdown_reason, SHUTDOWN_crash);
    dfx_settle(f);
    assert_true(sim_domain_exists(f->sim, vm->domid));
    assert_true(sim_frames_owned(f->sim, vm->domid) >= 16 * 256);
    /* its console and xenstore were let go when it stopped */
    assert_int_equal(sim_foreign_maps(f->sim), 0);
    assert_int_equal(sim_self_ports(f->sim), 1);
    assert_console_has("[keep] partial\n");
    sim_console_clear();
    assert_false(platform_report(f->p, "db-boot"));
    assert_row("keep", did("keep"), "exited: crashed");
    dfx_teardown(f); /* destroys it */
    f = NULL;
}

static const struct dfx_action restart_once[] = {
    {"r", 1, DFX_PRINT, .text = "first life\n", .incarnation = 1},
    {"r", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_reboot, .incarnation = 1},
    {"r", 1, DFX_PRINT, .text = "second life\n", .incarnation = 2},
    {"r", 2, DFX_ADVANCE, .ns = 20000000000ULL, .incarnation = 2},
    {"r", 3, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff, .incarnation = 2},
    {NULL},
};

/* restart: rebuilt under a new domid, restarts counted, owner kept. */
static void on_exit_restart(void **state)
{
    struct vm *vm;
    domid_t first;

    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("r", 16, VM_ON_EXIT_RESTART);
    add_vm("other", 16, VM_ON_EXIT_PRESERVE);
    dfx_script(f, restart_once);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    vm = dfx_vm(f, "r");
    first = vm->domid;
    /* "other" is owned by r: it must follow r to its new domid */
    dfx_vm(f, "other")->owner = first;
    /* run until r's second incarnation is up */
    while (dfx_incarnations(f, "r") < 2 || vm->state != VM_RUNNING)
        step(1);
    assert_int_not_equal(vm->domid, first);
    assert_int_equal(vm->restarts, 1);
    assert_int_equal(vm->prev_domid, first);
    assert_int_equal(vm->prev_reason, SHUTDOWN_reboot);
    assert_int_equal(vm->owner, DOMID_SELF);
    assert_int_equal(dfx_vm(f, "other")->owner, vm->domid);
    {
        char line[64];

        snprintf(line, sizeof(line), "db: vm 'r' restarted (restart 1): domid %u", vm->domid);
        assert_console_has(line);
    }
    /* the second life powers off after 20 s: r is restarted again */
    dfx_guest_shutdown(f, dfx_vm(f, "other"), SHUTDOWN_poweroff);
    while (dfx_incarnations(f, "r") < 3 || vm->state != VM_RUNNING)
        step(1);
    assert_int_equal(vm->restarts, 2);
    assert_console_has("[r] first life\n");
    assert_console_has("[r] second life\n");
    /* only the current incarnation (and the preserved "other") exist */
    dfx_settle(f);
    assert_int_equal(sim_nr_domains(f->sim), 2);
    assert_true(sim_domain_exists(f->sim, vm->domid));
    assert_false(sim_domain_exists(f->sim, first));
    dfx_teardown(f);
    f = NULL;
}

static const struct dfx_action restart_quick[] = {
    {"loop", 1, DFX_PRINT, .text = "up\n"},
    {"loop", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_crash},
    {NULL},
};

/* A guest that stops at once after every start is restarted
 * VM_QUICK_RESTARTS times, then given up. */
static void on_exit_restart_loop_guard(void **state)
{
    struct vm *vm;

    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("loop", 16, VM_ON_EXIT_RESTART);
    dfx_script(f, restart_quick);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    platform_run(f->p);
    assert_false(f->stuck);
    vm = dfx_vm(f, "loop");
    assert_int_equal(dfx_incarnations(f, "loop"), VM_QUICK_RESTARTS + 1);
    assert_int_equal(vm->restarts, VM_QUICK_RESTARTS);
    assert_int_equal(vm->state, VM_DESTROYED);
    assert_int_equal(dfx_console_count("[loop] up\n"), VM_QUICK_RESTARTS + 1);
    assert_int_equal(dfx_console_count("db: vm 'loop' stops too soon after every start: giving up"),
                     1);
    sim_console_clear();
    assert_false(platform_report(f->p, "db-boot"));
    assert_row("loop", did("loop"), "exited: crashed");
    dfx_teardown(f);
    f = NULL;
}

/* Quick exits only count "in a row" (docs/protocol.md): a run that lasted
 * long resets the count. Incarnations 1, 2 stop at once, 3 runs 20 s, then
 * 4, 5, 6 and 7 stop at once: the guard gives up after the 7th. */
static void on_exit_restart_guard_resets_after_long_run(void **state)
{
    static const struct dfx_action script[] = {
        {"loop", 1, DFX_ADVANCE, .ns = 20000000000ULL, .incarnation = 3},
        {"loop", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_crash},
        {NULL},
    };

    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_WAIT);
    add_vm("loop", 16, VM_ON_EXIT_RESTART);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    platform_run(f->p);
    assert_false(f->stuck);
    assert_int_equal(dfx_incarnations(f, "loop"), 7);
    assert_int_equal(dfx_vm(f, "loop")->restarts, 6);
    dfx_teardown(f);
    f = NULL;
}

/* A VM with a fixed domid is restarted under the same domid: the old domain
 * must be gone first (Xen keeps the id while the domain dies). */
static void on_exit_restart_fixed_domid(void **state)
{
    static const struct dfx_action script[] = {
        {"fixed", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_reboot, .incarnation = 1},
        {"fixed", 1, DFX_PRINT, .text = "back\n", .incarnation = 2},
        {NULL},
    };
    struct vm_config cfg;
    struct vm *vm;

    dfx_free(f);
    f = dfx_create(&(struct dfx_opts){.destroy_delay = 20, .set_destroy_delay = true});
    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_config(&cfg, "fixed", "k.elf", 16);
    cfg.domid = 7;
    cfg.on_exit = VM_ON_EXIT_RESTART;
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    vm = dfx_vm(f, "fixed");
    assert_int_equal(vm->domid, 7);
    for (int i = 0; i < 200 && dfx_incarnations(f, "fixed") < 2 && vm->state != VM_FAILED; i++)
        step(1);
    step(3);
    assert_console_lacks("could not be restarted");
    assert_int_equal(vm->restarts, 1);
    assert_int_equal(vm->prev_domid, 7);
    assert_console_has("[fixed] back\n");
    assert_int_equal(dfx_incarnations(f, "fixed"), 2);
    dfx_teardown(f);
    f = NULL;
}

/* A restart whose build fails is reported, and the verdict is false. */
static void on_exit_restart_build_failure(void **state)
{
    static const struct dfx_action script[] = {
        {"r", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    struct vm *vm;

    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_WAIT);
    add_vm("r", 16, VM_ON_EXIT_RESTART);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    vm = dfx_vm(f, "r");
    /* the image it would be rebuilt from is damaged meanwhile */
    vm->kernel_image = f->broken;
    vm->kernel_image_size = f->broken_size;
    platform_run(f->p);
    assert_console_has("db: vm 'r' could not be restarted: ");
    assert_int_equal(vm->state, VM_FAILED);
    assert_int_equal(vm->restarts, 1);
    sim_console_clear();
    assert_false(platform_report(f->p, "db-boot"));
    assert_row("r", "-", "FAILED: ");
    dfx_teardown(f);
    f = NULL;
}

/* A domain destroyed behind our back (by another privileged domain) is
 * noticed as gone, what we held of it is let go (else Xen would keep it as
 * a zombie), and it is not reported as a clean poweroff. */
static void vm_vanished_is_not_poweroff(void **state)
{
    struct xen_domctl d = {.cmd = XEN_DOMCTL_destroydomain,
                           .interface_version = XEN_DOMCTL_INTERFACE_VERSION};
    struct vm *vm;

    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("victim", 16, VM_ON_EXIT_PRESERVE);
    add_vm("victim2", 16, VM_ON_EXIT_RESTART);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    dfx_script(f, NULL);
    vm = dfx_vm(f, "victim");
    d.domain = vm->domid;
    assert_int_equal(f->ops.domctl(f->ops.ctx, &d), 0);
    d.domain = dfx_vm(f, "victim2")->domid;
    assert_int_equal(f->ops.domctl(f->ops.ctx, &d), 0);
    platform_run(f->p);
    assert_int_equal(vm->state, VM_DESTROYED);
    /* a VM destroyed by someone else is not restarted */
    assert_int_equal(dfx_vm(f, "victim2")->state, VM_DESTROYED);
    assert_int_equal(dfx_vm(f, "victim2")->restarts, 0);
    /* what it held of the guest was let go */
    dfx_settle(f);
    assert_int_equal(sim_nr_domains(f->sim), 0);
    assert_int_equal(sim_foreign_maps(f->sim), 0);
    assert_int_equal(sim_self_ports(f->sim), 1);
    assert_console_has("db: vm 'victim' (domid 1) was destroyed");
    sim_console_clear();
    assert_false(platform_report(f->p, "db-boot"));
    assert_console_lacks("exited: poweroff");
    assert_row("victim", "1", "exited: destroyed");
    dfx_teardown(f);
    f = NULL;
}

/* ---- xenstore ---- */

struct xs_guest {
    char reply[64];
    uint32_t type;
};
static struct xs_guest xsg;

/* The guest asks for its "name" through its store ring. */
static void xs_ask_name(struct dfx *fx, struct vm *vm, void *arg)
{
    struct xenstore_domain_interface *r = dfx_store_ring(fx, vm);
    struct xsd_sockmsg h = {.type = XS_READ, .req_id = 42, .tx_id = 0, .len = 5};
    XENSTORE_RING_IDX prod = r->req_prod;

    memcpy(r->req + MASK_XENSTORE_IDX(prod), &h, sizeof(h));
    memcpy(r->req + MASK_XENSTORE_IDX(prod + sizeof(h)), "name", 5);
    __atomic_store_n(&r->req_prod, prod + sizeof(h) + 5, __ATOMIC_RELEASE);
    assert_int_equal(sim_guest_notify(fx->sim, vm->domid, vm->result.store_port), 0);
}

static void xs_read_reply(struct dfx *fx, struct vm *vm, void *arg)
{
    struct xenstore_domain_interface *r = dfx_store_ring(fx, vm);
    struct xsd_sockmsg h;
    XENSTORE_RING_IDX cons = r->rsp_cons;

    assert_true(r->rsp_prod - cons >= sizeof(h));
    memcpy(&h, r->rsp + MASK_XENSTORE_IDX(cons), sizeof(h));
    assert_true(h.len < sizeof(xsg.reply));
    memcpy(xsg.reply, r->rsp + MASK_XENSTORE_IDX(cons + sizeof(h)), h.len);
    xsg.reply[h.len] = '\0';
    xsg.type = h.type;
    assert_int_equal(h.req_id, 42);
    r->rsp_cons = cons + sizeof(h) + h.len;
    /* we were notified of the answer */
    assert_true(sim_guest_pending(fx->sim, vm->domid, vm->result.store_port));
}

/* The guest reads its name from our xenstore through the ring. */
static void xenstore_read_name(void **state)
{
    static const struct dfx_action script[] = {
        {"named", 1, DFX_CALL, .fn = xs_ask_name},
        {"named", 3, DFX_CALL, .fn = xs_read_reply},
        {"named", 4, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };

    memset(&xsg, 0, sizeof(xsg));
    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_WAIT);
    add_vm("named", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    platform_run(f->p);
    assert_int_equal(xsg.type, XS_READ);
    assert_string_equal(xsg.reply, "named");
    dfx_teardown(f);
    f = NULL;
}

static void xs_break_ring(struct dfx *fx, struct vm *vm, void *arg)
{
    struct xenstore_domain_interface *r = dfx_store_ring(fx, vm);

    __atomic_store_n(&r->req_prod, r->req_cons + 5000, __ATOMIC_RELEASE);
    sim_guest_notify(fx->sim, vm->domid, vm->result.store_port);
}

/* A guest that breaks its xenstore ring loses its connection, not its
 * console; the others keep theirs. */
static void xenstore_broken_ring_dropped(void **state)
{
    static const struct dfx_action script[] = {
        {"liar", 1, DFX_CALL, .fn = xs_break_ring},
        {"liar", 3, DFX_PRINT, .text = "still talking\n"},
        {"liar", 4, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"named", 4, DFX_CALL, .fn = xs_ask_name},
        {"named", 6, DFX_CALL, .fn = xs_read_reply},
        {"named", 7, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    evtchn_port_t ports[PLATFORM_POLL_MAX];
    unsigned int n0;

    memset(&xsg, 0, sizeof(xsg));
    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("liar", 16, VM_ON_EXIT_DESTROY);
    add_vm("named", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    n0 = platform_ports(f->p, ports, PLATFORM_POLL_MAX);
    assert_int_equal(n0, 5); /* VIRQ + 2 x (console, xenstore) */
    platform_run(f->p);
    assert_console_has("db: vm 'liar': xenstore connection dropped: ");
    assert_console_has("[liar] still talking\n");
    assert_string_equal(xsg.reply, "named");
    dfx_teardown(f);
    f = NULL;
}

/* A guest's watch fires when another guest writes the watched node (the
 * watcher let it): the event, queued while the writer's request was
 * served, is delivered to the watcher in the same turn of the loop. */
struct xs_msgs {
    unsigned int n;
    uint32_t type[16];
    char payload[16][64];
};
static struct xs_msgs watcher_msgs, writer_msgs;

static void xs_send(struct dfx *fx, struct vm *vm, uint32_t type, const char *p, uint32_t len)
{
    struct xenstore_domain_interface *r = dfx_store_ring(fx, vm);
    struct xsd_sockmsg h = {.type = type, .req_id = 9, .tx_id = 0, .len = len};
    XENSTORE_RING_IDX prod = r->req_prod;

    memcpy(r->req + MASK_XENSTORE_IDX(prod), &h, sizeof(h));
    memcpy(r->req + MASK_XENSTORE_IDX(prod + sizeof(h)), p, len);
    __atomic_store_n(&r->req_prod, prod + sizeof(h) + len, __ATOMIC_RELEASE);
    sim_guest_notify(fx->sim, vm->domid, vm->result.store_port);
}

static void xs_drain(struct dfx *fx, struct vm *vm, struct xs_msgs *m)
{
    struct xenstore_domain_interface *r = dfx_store_ring(fx, vm);

    while (r->rsp_prod - r->rsp_cons >= sizeof(struct xsd_sockmsg)) {
        struct xsd_sockmsg h;
        XENSTORE_RING_IDX cons = r->rsp_cons;

        memcpy(&h, r->rsp + MASK_XENSTORE_IDX(cons), sizeof(h));
        assert_true(m->n < 16);
        m->type[m->n] = h.type;
        memset(m->payload[m->n], 0, sizeof(m->payload[0]));
        memcpy(m->payload[m->n], r->rsp + MASK_XENSTORE_IDX(cons + sizeof(h)),
               h.len < 63 ? h.len : 63);
        m->n++;
        r->rsp_cons = cons + sizeof(h) + h.len;
    }
}

/* The watcher makes "data", lets the writer write there, and watches it. */
static void watch_setup(struct dfx *fx, struct vm *vm, void *arg)
{
    char perms[32];
    int n = snprintf(perms, sizeof(perms), "data%cn%u%cb%u", 0, vm->domid, 0,
                     dfx_vm(fx, "writer")->domid);

    xs_send(fx, vm, XS_MKDIR, "data", 5);
    xs_send(fx, vm, XS_SET_PERMS, perms, (uint32_t)n + 1);
    xs_send(fx, vm, XS_WATCH, "data\0tok\0", 9);
}

static void writer_write(struct dfx *fx, struct vm *vm, void *arg)
{
    char req[64];
    int n = snprintf(req, sizeof(req), "/local/domain/%u/data", dfx_vm(fx, "watcher")->domid);

    memcpy(req + n + 1, "hi", 2);
    xs_send(fx, vm, XS_WRITE, req, (uint32_t)n + 3);
}

static void watch_collect(struct dfx *fx, struct vm *vm, void *arg)
{
    xs_drain(fx, vm, arg);
}

static void xenstore_watch_event_between_guests(void **state)
{
    static const struct dfx_action script[] = {
        {"watcher", 1, DFX_CALL, .fn = watch_setup},
        {"watcher", 3, DFX_CALL, .fn = watch_collect, .arg = &watcher_msgs},
        {"writer", 4, DFX_CALL, .fn = writer_write},
        {"writer", 6, DFX_CALL, .fn = watch_collect, .arg = &writer_msgs},
        {"watcher", 6, DFX_CALL, .fn = watch_collect, .arg = &watcher_msgs},
        {"writer", 7, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"watcher", 7, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    unsigned int events = 0;

    memset(&watcher_msgs, 0, sizeof(watcher_msgs));
    memset(&writer_msgs, 0, sizeof(writer_msgs));
    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_WAIT);
    add_vm("watcher", 16, VM_ON_EXIT_DESTROY);
    add_vm("writer", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    platform_run(f->p);
    /* the writer was allowed */
    assert_int_equal(writer_msgs.n, 1);
    assert_int_equal(writer_msgs.type[0], XS_WRITE);
    /* mkdir, set_perms, watch answered; the watch's first firing, then the
     * one for the writer's write */
    assert_int_equal(watcher_msgs.type[0], XS_MKDIR);
    assert_int_equal(watcher_msgs.type[1], XS_SET_PERMS);
    assert_int_equal(watcher_msgs.type[2], XS_WATCH);
    for (unsigned int i = 0; i < watcher_msgs.n; i++)
        if (watcher_msgs.type[i] == XS_WATCH_EVENT) {
            assert_string_equal(watcher_msgs.payload[i], "data");
            events++;
        }
    assert_int_equal(events, 2);
    assert_int_equal(watcher_msgs.n, 5);
    dfx_teardown(f);
    f = NULL;
}

/* ---- benchmark output ---- */

/* "domb.bench=1": BENCH lines for every VM, the start of all, the first
 * output; built lines wait until everything started. */
static void bench_startall_lines(void **state)
{
    static const struct dfx_action script[] = {
        {"b1", 1, DFX_PRINT, .text = "x\n"},
        {"b1", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"b2", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    char line[80];

    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    add_vm("b1", 16, VM_ON_EXIT_DESTROY);
    add_vm("b2", 16, VM_ON_EXIT_DESTROY);
    {
        struct vm_config cfg;

        dfx_config(&cfg, "bad", "bad.elf", 16);
        dfx_bootset_vm(b, &cfg);
    }
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, "console=hvc0 domb.bench=1"), 0);
    assert_true(f->p->bench);
    assert_console_has("BENCH started_all_ns=");
    assert_console_has(" vms=3 failed=1\n");
    snprintf(line, sizeof(line), "BENCH vm=b1 domid=%u type=pv mem=16 at_ns=", f->p->vms[0].domid);
    assert_console_has(line);
    assert_console_has("BENCH vm=b2 ");
    assert_console_lacks("BENCH vm=bad ");
    /* the built lines come after the start of all */
    assert_true(at("BENCH started_all_ns=") < at("db: vm 'b1' built"));
    assert_true(f->p->bench_vm[0].hypercalls >= f->p->vms[0].hypercalls);
    platform_run(f->p);
    assert_int_equal(dfx_console_count("BENCH first_output vm=b1 ns="), 1);
    assert_console_lacks("BENCH first_output vm=b2");
    assert_true(f->p->bench_vm[0].first_output_ns > 0);
    dfx_teardown(f);
    f = NULL;
}

/* Sequenced benchmarks run one VM at a time: each is waited for. */
static void bench_sequenced_waits_each(void **state)
{
    static const struct dfx_action script[] = {
        /* (a poll that finds nothing after the world ran waits its whole
         * timeout, here the benchmark's 60 s: act at the first look) */
        {"s1", 1, DFX_PRINT, .text = "one\n"},
        {"s1", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"s2", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_crash},
        {NULL},
    };

    new_set(MANIFEST_MODE_SEQUENCED, RELAY, MANIFEST_DONE_WAIT);
    add_vm("s1", 16, VM_ON_EXIT_DESTROY);
    add_vm("s2", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, "domb.bench=1"), 0);
    /* both ran to their end inside platform_boot, s1 before s2 was built */
    assert_int_equal(platform_running(f->p), 0);
    assert_console_has("BENCH exited vm=s1 ns=");
    assert_console_has(" state=poweroff\n");
    assert_console_has("BENCH exited vm=s2 ns=");
    assert_console_has(" state=crashed\n");
    assert_true(at("BENCH exited vm=s1") < at("BENCH exited vm=s2"));
    assert_true(at("[s1] one\n") < at("BENCH exited vm=s1"));
    assert_console_has("BENCH first_output vm=s1");
    dfx_teardown(f);
    f = NULL;
}

/* A guest that never stops is waited for at most 60 s in a benchmark. */
static void bench_sequenced_wait_is_bounded(void **state)
{
    uint64_t t0;

    new_set(MANIFEST_MODE_SEQUENCED, 0, MANIFEST_DONE_SHUTDOWN);
    add_vm("forever", 16, VM_ON_EXIT_DESTROY);
    dfx_script(f, NULL);
    t0 = sim_now(f->sim);
    assert_int_equal(dfx_boot(f, b, "domb.bench=1"), 0);
    assert_true(sim_now(f->sim) - t0 >= 60000000000ULL);
    assert_true(sim_now(f->sim) - t0 < 62000000000ULL);
    assert_console_has("BENCH exited vm=forever ns=");
    assert_console_has(" state=running\n");
    assert_int_equal(platform_running(f->p), 1);
    dfx_teardown(f);
    f = NULL;
}

/* ---- platform_boot refusals ---- */

static void boot_without_initramfs(void **state)
{
    dfx_platform_new(f, false);
    assert_int_equal(dfx_boot_raw(f, NULL, 0, NULL), -XEN_EINVAL);
    assert_console_has("db: no initramfs: nothing to build");
    assert_int_equal(f->p->nr_vms, 0);
    dfx_teardown(f);
    f = NULL;
}

static void boot_bad_initramfs(void **state)
{
    static const uint8_t junk[256] = {1, 2, 3};

    assert_true(dfx_boot_raw(f, junk, sizeof(junk), NULL) < 0);
    assert_console_has("db: initramfs: ");
    assert_int_equal(f->p->nr_vms, 0);
    assert_int_equal(sim_nr_domains(f->sim), 0);
    dfx_teardown(f);
    f = NULL;
}

/* Issue 15: dom0 smaller than the memory domb-pack recorded for the
 * archive is refused at once, naming the size; enough, or none recorded,
 * boots. */
static void boot_dom0_too_small(void **state)
{
    struct platform_boot_info bi;
    const uint8_t *m;
    size_t len;

    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_SHUTDOWN);
    add_vm("a", 16, VM_ON_EXIT_DESTROY);
    b->m.dom0_kib = 40 << 10;
    m = dfx_bootset_finish(b, &len);
    bi = (struct platform_boot_info){
        .module = m, .module_len = len, .dom0_pages = (32 << 20) / 4096};
    dfx_platform_new(f, false);
    assert_int_equal(platform_boot(f->p, &bi), -XEN_ENOMEM);
    assert_console_has("db: dom0 has 32 MiB, but this archive needs 40 MiB (domb-pack --check "
                       "says why): boot Xen with dom0_mem=40M,max:40M");
    assert_int_equal(sim_nr_domains(f->sim), 0);
    dfx_platform_free(f);
    bi.dom0_pages = (40 << 20) / 4096;
    dfx_platform_new(f, false);
    assert_int_equal(platform_boot(f->p, &bi), 0);
    assert_int_equal(sim_nr_domains(f->sim), 1);
    dfx_teardown(f);
    f = NULL;
}

/* VIRQ_DOM_EXC cannot be bound (someone has it): nothing is built. */
static void boot_virq_bind_fails(void **state)
{
    evtchn_port_t port;

    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_SHUTDOWN);
    add_vm("a", 16, VM_ON_EXIT_DESTROY);
    assert_int_equal(f->ops.evtchn_bind_virq(f->ops.ctx, VIRQ_DOM_EXC, &port), 0);
    assert_int_equal(dfx_boot(f, b, NULL), -XEN_EINVAL);
    assert_console_has("db: cannot bind VIRQ_DOM_EXC");
    assert_int_equal(sim_nr_domains(f->sim), 0);
    f->p->virq_port = 0;
    f->ops.evtchn_close(f->ops.ctx, port);
    dfx_teardown(f);
    f = NULL;
}

/* platform_new_vm: slots after the boot set, reusing gone ones. */
static void platform_new_vm_slots(void **state)
{
    struct vm *a, *c;

    new_set(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_SHUTDOWN);
    add_vm("a", 16, VM_ON_EXIT_DESTROY);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    a = platform_new_vm(f->p);
    assert_ptr_equal(a, &f->p->vms[1]);
    assert_int_equal(f->p->nr_vms, 2);
    a->state = VM_RUNNING;
    c = platform_new_vm(f->p);
    assert_ptr_equal(c, &f->p->vms[2]);
    c->state = VM_DESTROYED;
    assert_ptr_equal(platform_new_vm(f->p), c);
    a->state = VM_EMPTY;
    c->state = VM_EMPTY;
    f->p->nr_vms = PLATFORM_MAX_VMS;
    for (unsigned int i = 1; i < PLATFORM_MAX_VMS; i++)
        f->p->vms[i].state = VM_RUNNING;
    assert_null(platform_new_vm(f->p));
    for (unsigned int i = 1; i < PLATFORM_MAX_VMS; i++)
        f->p->vms[i].state = VM_EMPTY;
    f->p->nr_vms = 1;
    dfx_teardown(f);
    f = NULL;
}

/* platform_ports respects its room. */
static void platform_ports_bounded(void **state)
{
    evtchn_port_t ports[4];

    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_SHUTDOWN);
    add_vm("a", 16, VM_ON_EXIT_DESTROY);
    add_vm("b", 16, VM_ON_EXIT_DESTROY);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(platform_ports(f->p, ports, 0), 0);
    assert_int_equal(platform_ports(f->p, ports, 1), 1);
    assert_int_equal(ports[0], f->p->virq_port);
    assert_int_equal(platform_ports(f->p, ports, 4), 4);
    assert_int_equal(ports[1], f->p->vms[0].console.port);
    assert_int_equal(ports[2], f->p->vms[0].xs.port);
    assert_int_equal(ports[3], f->p->vms[1].console.port);
    dfx_teardown(f);
    f = NULL;
}

/* Many guests: more ports than one poll takes (the ones beyond are still
 * looked at every time round). */
static void many_vms_beyond_poll_limit(void **state)
{
    enum { N = 64 };
    static struct dfx_action script[2 * N + 1];
    static char names[N][16];

    for (unsigned int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "g%u", i);
        script[2 * i] = (struct dfx_action){names[i], 1, DFX_PRINT, .text = "hi\n"};
        script[2 * i + 1] =
            (struct dfx_action){names[i], 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff};
    }
    script[2 * N] = (struct dfx_action){NULL};
    dfx_free(f);
    f = dfx_create(&(struct dfx_opts){.nr_frames = 1u << 18});
    new_set(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    for (unsigned int i = 0; i < N; i++)
        add_vm(names[i], 8, VM_ON_EXIT_DESTROY);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(platform_running(f->p), N);
    {
        evtchn_port_t ports[PLATFORM_POLL_MAX];

        assert_int_equal(platform_ports(f->p, ports, PLATFORM_POLL_MAX), PLATFORM_POLL_MAX);
    }
    platform_run(f->p);
    assert_false(f->stuck);
    assert_int_equal(dfx_console_count("] hi\n"), N);
    assert_console_has("[g63] hi\n");
    assert_true(platform_report(f->p, "db-boot"));
    dfx_teardown(f);
    f = NULL;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(startall_order_and_summary, setup, teardown),
    cmocka_unit_test_setup_teardown(startall_broken_vms_reported, setup, teardown),
    cmocka_unit_test_setup_teardown(startall_bad_elf_message, setup, teardown),
    cmocka_unit_test_setup_teardown(report_crash_is_failure, setup, teardown),
    cmocka_unit_test_setup_teardown(when_done_shutdown_returns_at_once, setup, teardown),
    cmocka_unit_test_setup_teardown(when_done_wait_until_last, setup, teardown),
    cmocka_unit_test_setup_teardown(relay_off_binds_no_console, setup, teardown),
    cmocka_unit_test_setup_teardown(sequenced_start_order, setup, teardown),
    cmocka_unit_test_setup_teardown(sequenced_xenstore_and_control_roles, setup, teardown),
    cmocka_unit_test_setup_teardown(sequenced_control_only, setup, teardown),
    cmocka_unit_test_setup_teardown(sequenced_role_failure_fails_that_vm, setup, teardown),
    cmocka_unit_test_setup_teardown(sequenced_role_fault_injection, setup, teardown),
    cmocka_unit_test_setup_teardown(sequenced_control_cmdline_full, setup, teardown),
    cmocka_unit_test_setup_teardown(startall_unpause_failure, setup, teardown),
    cmocka_unit_test_setup_teardown(on_exit_destroy, setup, teardown),
    cmocka_unit_test_setup_teardown(on_exit_preserve, setup, teardown),
    cmocka_unit_test_setup_teardown(on_exit_restart, setup, teardown),
    cmocka_unit_test_setup_teardown(on_exit_restart_loop_guard, setup, teardown),
    cmocka_unit_test_setup_teardown(on_exit_restart_guard_resets_after_long_run, setup, teardown),
    cmocka_unit_test_setup_teardown(on_exit_restart_fixed_domid, setup, teardown),
    cmocka_unit_test_setup_teardown(on_exit_restart_build_failure, setup, teardown),
    cmocka_unit_test_setup_teardown(vm_vanished_is_not_poweroff, setup, teardown),
    cmocka_unit_test_setup_teardown(xenstore_read_name, setup, teardown),
    cmocka_unit_test_setup_teardown(xenstore_broken_ring_dropped, setup, teardown),
    cmocka_unit_test_setup_teardown(xenstore_watch_event_between_guests, setup, teardown),
    cmocka_unit_test_setup_teardown(bench_startall_lines, setup, teardown),
    cmocka_unit_test_setup_teardown(bench_sequenced_waits_each, setup, teardown),
    cmocka_unit_test_setup_teardown(bench_sequenced_wait_is_bounded, setup, teardown),
    cmocka_unit_test_setup_teardown(boot_without_initramfs, setup, teardown),
    cmocka_unit_test_setup_teardown(boot_bad_initramfs, setup, teardown),
    cmocka_unit_test_setup_teardown(boot_virq_bind_fails, setup, teardown),
    cmocka_unit_test_setup_teardown(boot_dom0_too_small, setup, teardown),
    cmocka_unit_test_setup_teardown(platform_new_vm_slots, setup, teardown),
    cmocka_unit_test_setup_teardown(platform_ports_bounded, setup, teardown),
    cmocka_unit_test_setup_teardown(many_vms_beyond_poll_limit, setup, teardown),
    cmocka_unit_test_setup_teardown(builder_vm_gets_dom_exc, setup, teardown),
    cmocka_unit_test_setup_teardown(second_builder_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(restarted_builder_gets_dom_exc_again, setup, teardown),
    cmocka_unit_test_setup_teardown(domu_platform_without_dom_exc_polls, setup, teardown),
};

DOMB_TEST_MAIN(tests)
