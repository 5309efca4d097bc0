/* xl's lifecycle keys at run time: each shutdown reason gets its own action (platform.c). */
#include "domb_test.h"

#include "dom0_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELAY MANIFEST_FLAG_CONSOLE_RELAY

static struct dfx *f;
static struct dfx_bootset *b;

static int setup(void **state)
{
    (void)state;
    f = dfx_create(NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dfx_free(f);
    dfx_bootset_free(b);
    f = NULL;
    b = NULL;
    return 0;
}

/* A VM with xl's on_crash = "preserve", on_reboot = "restart" and
 * on_poweroff = "destroy" (the parser's defaults for the other reasons). */
static void add_lifecycle_vm(const char *name, enum vm_on_exit on_exit, unsigned int set,
                             const enum vm_on_exit actions[VM_REASON_COUNT])
{
    struct vm_config cfg;

    dfx_config(&cfg, name, "k.elf", 16);
    cfg.on_exit = on_exit;
    cfg.on_reason_set = set;
    for (unsigned int r = 0; r < VM_REASON_COUNT; r++)
        if (set & (1u << r))
            cfg.on_reason[r] = actions[r];
    dfx_bootset_vm(b, &cfg);
}

static const enum vm_on_exit xl_pair[VM_REASON_COUNT] = {
    [VM_REASON_POWEROFF] = VM_ON_EXIT_DESTROY,
    [VM_REASON_REBOOT] = VM_ON_EXIT_RESTART,
    [VM_REASON_CRASH] = VM_ON_EXIT_PRESERVE,
};
#define XL_PAIR ((1u << VM_REASON_REBOOT) | (1u << VM_REASON_CRASH))

static void step(unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        evtchn_port_t ports[PLATFORM_POLL_MAX];
        unsigned int k = platform_ports(f->p, ports, PLATFORM_POLL_MAX);

        f->xen->evtchn_poll(f->xen->ctx, ports, k, PLATFORM_POLL_NS);
        platform_handle_events(f->p);
    }
}

/* Life 1 reboots, life 2 (told domb.restart=1) powers off; a second VM of
 * the same config crashes. Each reason gets exactly its action. */
static const struct dfx_action reboot_then_poweroff[] = {
    {"life", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_reboot, .incarnation = 1},
    {"life", 2, DFX_ADVANCE, .ns = 20000000000ULL, .incarnation = 2},
    {"life", 3, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff, .incarnation = 2},
    {"crash", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_crash},
    {NULL},
};

static void lifecycle_per_reason(void **state)
{
    struct vm *life, *crash;
    domid_t first, second;
    char line[96];

    (void)state;
    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_kernel(b, "k.elf");
    add_lifecycle_vm("life", VM_ON_EXIT_DESTROY, XL_PAIR, xl_pair);
    add_lifecycle_vm("crash", VM_ON_EXIT_DESTROY, XL_PAIR, xl_pair);
    dfx_script(f, reboot_then_poweroff);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    life = dfx_vm(f, "life");
    crash = dfx_vm(f, "crash");
    first = life->domid;
    assert_null(strstr(dfx_guest_cmdline(f, life), "domb.restart"));
    while (dfx_incarnations(f, "life") < 2 || life->state != VM_RUNNING)
        step(1);
    second = life->domid;
    assert_int_not_equal(second, first);
    /* the new incarnation is told which it is */
    assert_non_null(strstr(dfx_guest_cmdline(f, life), "console=hvc0 domb.restart=1"));
    platform_run(f->p);
    snprintf(line, sizeof(line), "db: vm 'life' (domid %u) reboot: restart", first);
    dfx_assert_console_has(line);
    snprintf(line, sizeof(line), "db: vm 'life' (domid %u) poweroff: destroy", second);
    dfx_assert_console_has(line);
    snprintf(line, sizeof(line), "db: vm 'crash' (domid %u) crashed: preserve", crash->domid);
    dfx_assert_console_has(line);
    assert_int_equal(life->state, VM_DESTROYED);
    assert_int_equal(life->restarts, 1);
    /* preserved: the crashed domain is still there, with its memory */
    assert_int_equal(crash->state, VM_STOPPED);
    dfx_settle(f);
    assert_true(sim_domain_exists(f->sim, crash->domid));
    assert_false(sim_domain_exists(f->sim, second));
    assert_false(platform_report(f->p, "db-boot")); /* a crash is abnormal */
    assert_true(dfx_summary_has("crash", "2", "exited: crashed"));
    dfx_teardown(f);
    f = NULL;
}

/* watchdog and soft reset: on_exit's action unless they have their own;
 * a suspended domain is left alone (xl's handle_domain_death). */
static const struct dfx_action other_reasons[] = {
    {"wd", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_watchdog},
    {"soft", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_soft_reset},
    {"susp", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_suspend},
    {NULL},
};

static void lifecycle_other_reasons(void **state)
{
    static const enum vm_on_exit soft_preserve[VM_REASON_COUNT] = {[VM_REASON_SOFT_RESET] =
                                                                       VM_ON_EXIT_PRESERVE};
    struct vm *wd, *soft, *susp;

    (void)state;
    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_kernel(b, "k.elf");
    add_lifecycle_vm("wd", VM_ON_EXIT_DESTROY, 0, NULL);
    add_lifecycle_vm("soft", VM_ON_EXIT_DESTROY, 1u << VM_REASON_SOFT_RESET, soft_preserve);
    add_lifecycle_vm("susp", VM_ON_EXIT_DESTROY, 0, NULL);
    dfx_script(f, other_reasons);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    wd = dfx_vm(f, "wd");
    soft = dfx_vm(f, "soft");
    susp = dfx_vm(f, "susp");
    platform_run(f->p);
    dfx_assert_console_has("db: vm 'wd' (domid 1) watchdog: destroy");
    dfx_assert_console_has("db: vm 'soft' (domid 2) soft-reset: preserve");
    dfx_assert_console_has("db: vm 'susp' (domid 3) suspend: preserve");
    assert_int_equal(wd->state, VM_DESTROYED);
    assert_int_equal(soft->state, VM_STOPPED);
    assert_int_equal(susp->state, VM_STOPPED);
    dfx_teardown(f);
    f = NULL;
}

/* rename-restart: the crashed domain is kept under NAME-DOMID and a new
 * one is built in the VM's record (xl's preserve_domain, then a restart). */
static const struct dfx_action crash_once[] = {
    {"rr", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_crash, .incarnation = 1},
    {"rr", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff, .incarnation = 2},
    {NULL},
};

static void lifecycle_rename_restart(void **state)
{
    static const enum vm_on_exit crash_rename[VM_REASON_COUNT] = {[VM_REASON_CRASH] =
                                                                      VM_ON_EXIT_RENAME_RESTART};
    struct vm *rr, *kept;
    domid_t first;
    char name[64];

    (void)state;
    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_kernel(b, "k.elf");
    add_lifecycle_vm("rr", VM_ON_EXIT_DESTROY, 1u << VM_REASON_CRASH, crash_rename);
    dfx_script(f, crash_once);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    rr = dfx_vm(f, "rr");
    first = rr->domid;
    platform_run(f->p);
    snprintf(name, sizeof(name), "rr-%u", first);
    kept = dfx_vm(f, name);
    assert_non_null(kept);
    assert_int_equal(kept->state, VM_STOPPED);
    assert_int_equal(kept->domid, first);
    assert_int_equal(kept->shutdown_reason, SHUTDOWN_crash);
    dfx_settle(f);
    assert_true(sim_domain_exists(f->sim, first));
    assert_int_equal(rr->restarts, 1);
    assert_int_equal(rr->state, VM_DESTROYED); /* its second life powered off */
    dfx_assert_console_has("db: vm 'rr' (domid 1) crashed: rename-restart");
    dfx_assert_console_has("db: vm 'rr' (domid 1) kept as 'rr-1'");
    dfx_assert_console_has("db: vm 'rr' restarted (restart 1): domid 2");
    assert_false(platform_report(f->p, "db-boot"));
    assert_true(dfx_summary_has("rr-1", "1", "exited: crashed"));
    assert_true(dfx_summary_has("rr", "2", "exited: poweroff"));
    dfx_teardown(f);
    f = NULL;
}

/* The uuid is the domain handle, and the summary shows it. */
static void lifecycle_uuid_in_summary(void **state)
{
    static const struct dfx_action off[] = {{"u", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
                                            {NULL}};
    struct vm_config cfg;

    (void)state;
    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_kernel(b, "k.elf");
    dfx_config(&cfg, "u", "k.elf", 16);
    cfg.has_uuid = true;
    memcpy(cfg.uuid, "\x4d\xea\x22\xb3\x1d\x52\xd8\xf3\x25\x16\x78\x2e\x98\xa2\x3f\xa0", 16);
    cfg.vcpus = 2;
    cfg.max_vcpus = 4;
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, off);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    {
        struct xen_domctl d = {.cmd = XEN_DOMCTL_getdomaininfo,
                               .domain = dfx_vm(f, "u")->domid,
                               .interface_version = XEN_DOMCTL_INTERFACE_VERSION};
        const char *value;
        uint32_t len;
        char path[64];

        assert_int_equal(f->xen->domctl(f->xen->ctx, &d), 0);
        assert_memory_equal(d.u.getdomaininfo.handle, cfg.uuid, 16);
        assert_int_equal(d.u.getdomaininfo.max_vcpu_id, 3);
        /* vCPUs 2 and 3 start offline (xenstore cpu/N/availability) */
        snprintf(path, sizeof(path), "/local/domain/%u/cpu/1/availability", dfx_vm(f, "u")->domid);
        assert_int_equal(xs_store_read(&f->p->store, 0, path, &value, &len, NULL), 0);
        assert_memory_equal(value, "online", len);
        snprintf(path, sizeof(path), "/local/domain/%u/cpu/3/availability", dfx_vm(f, "u")->domid);
        assert_int_equal(xs_store_read(&f->p->store, 0, path, &value, &len, NULL), 0);
        assert_int_equal(len, 7);
        assert_memory_equal(value, "offline", 7);
        snprintf(path, sizeof(path), "/vm/4dea22b3-1d52-d8f3-2516-782e98a23fa0/name");
        assert_int_equal(xs_store_read(&f->p->store, 0, path, &value, &len, NULL), 0);
        assert_memory_equal(value, "u", 1);
    }
    platform_run(f->p);
    platform_report(f->p, "db-boot");
    dfx_assert_console_has("u                uuid 4dea22b3-1d52-d8f3-2516-782e98a23fa0\n");
    dfx_teardown(f);
    f = NULL;
}

/* --when-done stay: once every VM has stopped, the summary is printed once
 * (and again only after VMs ran and stopped again). */
static void lifecycle_stay_summary(void **state)
{
    static const struct dfx_action off[] = {{"s", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
                                            {NULL}};
    struct vm_config cfg;

    (void)state;
    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_STAY);
    dfx_bootset_kernel(b, "k.elf");
    dfx_config(&cfg, "s", "k.elf", 16);
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, off);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    platform_stay_report(f->p, "db-boot");
    assert_int_equal(dfx_console_count("staying up"), 0); /* still running */
    while (dfx_vm(f, "s")->state == VM_RUNNING)
        step(1);
    platform_stay_report(f->p, "db-boot");
    platform_stay_report(f->p, "db-boot");
    assert_int_equal(dfx_console_count("db-boot: every VM has stopped; staying up (--when-done "
                                       "stay): domb-run --timeout or the shell ends the run"),
                     1);
    assert_true(dfx_summary_has("s", "1", "exited: poweroff"));
    dfx_teardown(f);
    f = NULL;
}

/* One case per line: the build registers each line's case with ctest. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(lifecycle_per_reason, setup, teardown),
    cmocka_unit_test_setup_teardown(lifecycle_other_reasons, setup, teardown),
    cmocka_unit_test_setup_teardown(lifecycle_rename_restart, setup, teardown),
    cmocka_unit_test_setup_teardown(lifecycle_uuid_in_summary, setup, teardown),
    cmocka_unit_test_setup_teardown(lifecycle_stay_summary, setup, teardown),
};
/* clang-format on */
DOMB_TEST_MAIN(tests)
