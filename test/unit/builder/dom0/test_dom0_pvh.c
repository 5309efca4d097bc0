/* PVH guests in the dom0 services (boot set, relay, xenstore, db-server) against test/sim. */
#include "domb_test.h"

#include "dom0_fixture.h"

#include <proto/protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELAY         MANIFEST_FLAG_CONSOLE_RELAY
#define PVH_MIB       32
#define PV_MIB        16
#define HELLO         "Hello from a PVH guest\n"
#define VERDICT       "every requested VM is gone"
#define VERDICT_EQUAL "equal), builder free pages"

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

/* A boot set with the PV test kernel at k.elf and the PVH one at pvh.elf. */
static void new_set(enum manifest_mode mode, enum manifest_when_done wd)
{
    b = dfx_bootset_new(mode, RELAY, wd);
    dfx_bootset_kernel(b, "k.elf");
    dfx_bootset_pvh_kernel(b, "pvh.elf");
}

static void pvh_config(struct vm_config *cfg, const char *name)
{
    dfx_config(cfg, name, "pvh.elf", PVH_MIB);
    cfg->type = VM_TYPE_PVH;
}

static void assert_row(const char *name, const char *domid, const char *result)
{
    if (!dfx_summary_has(name, domid, result)) {
        dfx_console_dump();
        fail_msg("summary lacks %s %s %s", name, domid, result);
    }
}

/* The domain is an HVM container with the frames builder_result names. */
static void assert_is_pvh(const struct vm *vm)
{
    struct sim_domain_info di;
    struct sim_hvm_info hi;

    assert_int_equal(vm->result.guest_type, BUILDER_GUEST_PVH);
    assert_int_equal(sim_domain_info(f->sim, vm->domid, &di), 0);
    assert_true(di.hvm);
    assert_int_equal(sim_hvm_info(f->sim, vm->domid, &hi), 0);
    /* The console and store frames are gfns: the HVM params name them. */
    assert_int_equal(hi.params[HVM_PARAM_CONSOLE_PFN], mfn_x(vm->result.console_mfn));
    assert_int_equal(hi.params[HVM_PARAM_STORE_PFN], mfn_x(vm->result.store_mfn));
    assert_non_null(dfx_console_ring(f, vm));
}

/* ---- db-boot: a PVH VM of the boot set ---- */

/* Built (as an HVM domain), its console relayed under its name, its
 * xenstore served, stopped by its poweroff, reported with its type, and
 * nothing of it left. */
static void pvh_boot_set_vm_built_relayed_stopped(void **state)
{
    static const struct dfx_action script[] = {
        {"web", 1, DFX_PRINT, .text = HELLO},
        {"web", 3, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    struct vm_config cfg;
    struct vm *vm;

    (void)state;
    new_set(MANIFEST_MODE_STARTALL, MANIFEST_DONE_WAIT);
    pvh_config(&cfg, "web");
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    vm = dfx_vm(f, "web");
    assert_non_null(vm);
    assert_int_equal(vm->state, VM_RUNNING);
    assert_is_pvh(vm);
    assert_non_null(vm->xs.conn); /* the built-in xenstore serves it */
    assert_string_equal(dfx_guest_cmdline(f, vm), "console=hvc0");
    dfx_assert_console_has("db: vm 'web' built: domid 1, pvh, 32 MiB, ");
    platform_run(f->p);
    dfx_assert_console_has("[web] Hello from a PVH guest\n");
    dfx_assert_console_has("db: vm 'web' (domid 1) stopped: poweroff");
    assert_int_equal(vm->state, VM_DESTROYED);
    assert_true(platform_report(f->p, "db-boot"));
    assert_row("web", "1", "exited: poweroff");
    dfx_assert_console_has("\nweb                  1 pvh        32 ");
    dfx_teardown(f);
    f = NULL;
}

/* PV and PVH VMs in one boot set: each built as its type, both consoles
 * relayed, both stopped, the table shows both types. */
static void pvh_and_pv_side_by_side(void **state)
{
    static const struct dfx_action script[] = {
        {"pv", 1, DFX_PRINT, .text = "pv says hi\n"},
        {"pvh", 1, DFX_PRINT, .text = "pvh says hi\n"},
        {"pv", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"pvh", 3, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    struct sim_domain_info di;
    struct vm_config cfg;
    struct vm *pv, *pvh;

    (void)state;
    new_set(MANIFEST_MODE_STARTALL, MANIFEST_DONE_WAIT);
    dfx_config(&cfg, "pv", "k.elf", PV_MIB);
    dfx_bootset_vm(b, &cfg);
    pvh_config(&cfg, "pvh");
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    pv = dfx_vm(f, "pv");
    pvh = dfx_vm(f, "pvh");
    assert_int_equal(pv->result.guest_type, BUILDER_GUEST_PV64);
    assert_int_equal(sim_domain_info(f->sim, pv->domid, &di), 0);
    assert_false(di.hvm);
    assert_is_pvh(pvh);
    assert_string_equal(dfx_guest_cmdline(f, pv), "console=hvc0");
    assert_string_equal(dfx_guest_cmdline(f, pvh), "console=hvc0");
    platform_run(f->p);
    dfx_assert_console_has("[pv] pv says hi\n");
    dfx_assert_console_has("[pvh] pvh says hi\n");
    dfx_assert_console_has("db: vm 'pv' (domid 1) stopped: poweroff");
    dfx_assert_console_has("db: vm 'pvh' (domid 2) stopped: poweroff");
    assert_true(platform_report(f->p, "db-boot"));
    dfx_assert_console_has("\npv                   1 pv         16 ");
    dfx_assert_console_has("\npvh                  2 pvh        32 ");
    dfx_teardown(f);
    f = NULL;
}

/* A kernel without XEN_ELFNOTE_PHYS32_ENTRY cannot be PVH: the VM fails
 * with the builder's reason, the PV VM next to it runs, nothing is left. */
static void pvh_needs_a_pvh_kernel(void **state)
{
    static const struct dfx_action script[] = {
        {"ok", 1, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    struct vm_config cfg;
    struct vm *bad;

    (void)state;
    new_set(MANIFEST_MODE_STARTALL, MANIFEST_DONE_WAIT);
    dfx_config(&cfg, "notpvh", "k.elf", PVH_MIB);
    cfg.type = VM_TYPE_PVH;
    dfx_bootset_vm(b, &cfg);
    dfx_config(&cfg, "ok", "k.elf", PV_MIB);
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    bad = dfx_vm(f, "notpvh");
    assert_int_equal(bad->state, VM_FAILED);
    assert_true(bad->error.msg[0] != '\0');
    dfx_assert_console_has("db: vm 'notpvh' FAILED: ");
    platform_run(f->p);
    assert_false(platform_report(f->p, "db-boot"));
    assert_row("notpvh", "-", "FAILED: no PHYS32_ENTRY note");
    dfx_assert_console_has("\nnotpvh               - pvh ");
    assert_row("ok", "1", "exited: poweroff");
    dfx_teardown(f);
    f = NULL;
}

/* The grant-table keys reach Xen's createdomain through the builder. */
static void pvh_grant_limits_reach_xen(void **state)
{
    struct sim_domain_info di;
    struct vm_config cfg;
    struct vm *vm;

    (void)state;
    new_set(MANIFEST_MODE_STARTALL, MANIFEST_DONE_SHUTDOWN);
    pvh_config(&cfg, "g");
    cfg.has_max_grant_frames = true;
    cfg.max_grant_frames = 8;
    cfg.has_max_maptrack_frames = true;
    cfg.max_maptrack_frames = 16;
    cfg.max_grant_version = 1;
    dfx_bootset_vm(b, &cfg);
    dfx_config(&cfg, "d", "k.elf", PV_MIB);
    dfx_bootset_vm(b, &cfg);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    vm = dfx_vm(f, "g");
    assert_int_equal(sim_domain_info(f->sim, vm->domid, &di), 0);
    assert_int_equal(di.max_grant_frames, 8);
    assert_int_equal(di.max_maptrack_frames, 16);
    assert_int_equal(di.max_grant_version, 1);
    /* Without the keys: Xen's defaults (-1 frames) and version 2, as xl. */
    vm = dfx_vm(f, "d");
    assert_int_equal(sim_domain_info(f->sim, vm->domid, &di), 0);
    assert_int_equal(di.max_grant_version, 2);
    dfx_teardown(f);
    f = NULL;
}

/* on_exit = "restart" rebuilds a PVH VM as PVH. */
static void pvh_restart_stays_pvh(void **state)
{
    static const struct dfx_action script[] = {
        {"again", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_reboot, .incarnation = 1},
        {"again", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff, .incarnation = 2},
        {NULL},
    };
    struct vm_config cfg;
    struct vm *vm;

    (void)state;
    new_set(MANIFEST_MODE_STARTALL, MANIFEST_DONE_WAIT);
    pvh_config(&cfg, "again");
    cfg.on_exit = VM_ON_EXIT_RESTART;
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    /* Run until the second incarnation is up. */
    for (int i = 0; i < 50 && dfx_incarnations(f, "again") < 2; i++) {
        evtchn_port_t ports[PLATFORM_POLL_MAX];
        unsigned int n = platform_ports(f->p, ports, PLATFORM_POLL_MAX);

        f->xen->evtchn_poll(f->xen->ctx, ports, n, PLATFORM_POLL_NS);
        platform_handle_events(f->p);
    }
    vm = dfx_vm(f, "again");
    assert_int_equal(vm->restarts, 1);
    assert_int_equal(vm->state, VM_RUNNING);
    assert_is_pvh(vm);
    /* the restart marker lands on the PVH command-line page too */
    assert_string_equal(dfx_guest_cmdline(f, vm), "console=hvc0 domb.restart=1");
    dfx_assert_console_has("db: vm 'again' restarted (restart 1)");
    dfx_teardown(f);
    f = NULL;
}

/* ---- db-server builds a PVH guest ---- */

/* The client's side of its channel (what db_client does), one request at a
 * time: write it, signal, let the server serve, read the answer. */
struct client {
    struct server *s;
    struct vm *vm;
    struct proto_front_ring ring;
    uint64_t next_id;
};

static void client_open(struct client *c, struct server *s, const char *name)
{
    memset(c, 0, sizeof(*c));
    c->s = s;
    c->vm = dfx_vm(f, name);
    assert_non_null(c->vm);
    proto_ring_init(&c->ring, dfx_guest_frame(f, c->vm, dfx_channel_mfn(c->vm)));
    assert_int_equal(sim_guest_notify(f->sim, c->vm->domid, c->vm->chan.guest_port), 0);
}

/* Send len bytes as a request, let the server serve, read the answer. */
static void client_call_raw(struct client *c, const void *msg, size_t len,
                            struct proto_response *rsp)
{
    static uint8_t slot[PROTO_SLOT_SIZE];
    struct domb_error err;

    assert_true(proto_ring_put_request(&c->ring, msg, len, &err) >= 0);
    assert_int_equal(sim_guest_notify(f->sim, c->vm->domid, c->vm->chan.guest_port), 0);
    server_handle_events(c->s);
    if (proto_ring_get_response(&c->ring, slot, &err) <= 0)
        fail_msg("no answer");
    if (proto_response_decode(slot, sizeof(slot), rsp, &err) != 0)
        fail_msg("response_decode: %s", err.msg);
}

static void client_call(struct client *c, struct proto_request *req, struct proto_response *rsp)
{
    static uint8_t buf[PROTO_MSG_MAX];
    struct domb_error err;
    int len;

    req->id = ++c->next_id;
    len = proto_request_encode(req, buf, sizeof(buf), &err);
    if (len <= 0)
        fail_msg("request_encode: %s", err.msg);
    client_call_raw(c, buf, (size_t)len, rsp);
    assert_int_equal(rsp->id, req->id);
}

/* db-server with one client, "ctl" (PV), whose catalog holds both kernels. */
static void server_boot(struct server *s, struct client *c)
{
    struct vm_config cfg;
    const uint8_t *archive;
    size_t len;

    new_set(MANIFEST_MODE_STARTALL, MANIFEST_DONE_WAIT);
    dfx_config(&cfg, "ctl", "k.elf", PV_MIB);
    dfx_config_client(&cfg, 2, 128);
    dfx_bootset_vm(b, &cfg);
    archive = dfx_bootset_finish(b, &len);
    dfx_platform_new(f, true);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    server_init(s, f->p, archive, len);
    client_open(c, s, "ctl");
}

static void rq_build_pvh(struct proto_request *rq)
{
    memset(rq, 0, sizeof(*rq));
    rq->type = PROTO_TYPE_BUILD;
    pvh_config(&rq->build.spec, "web");
    snprintf(rq->build.spec.kernel, sizeof(rq->build.spec.kernel), "pvh.elf");
}

/* A db-server client asks for a PVH guest: db-server builds it as PVH,
 * answers with its gfns and the PVH flag, gives it a channel named on its
 * own command line (the command-line page), relays its console; status
 * sees it stop, destroy takes it away and every page comes back. */
static void pvh_built_by_db_server(void **state)
{
    static struct server s;
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    const char *line;
    char want[80];
    struct vm *vm;

    (void)state;
    server_boot(&s, &c);
    rq_build_pvh(&rq);
    client_call(&c, &rq, &rsp);
    if (rsp.status != 0)
        fail_msg("build refused: %s", rsp.reason);
    assert_true(rsp.build.flags & PROTO_BUILT_PVH);
    assert_false(rsp.build.flags & PROTO_BUILT_PAUSED);
    vm = dfx_vm(f, "web");
    assert_non_null(vm);
    assert_int_equal(vm->state, VM_RUNNING);
    assert_int_equal(rsp.build.domid, vm->domid);
    assert_is_pvh(vm);
    assert_int_equal(rsp.build.console_mfn, mfn_x(vm->result.console_mfn));
    assert_int_equal(rsp.build.store_mfn, mfn_x(vm->result.store_mfn));
    snprintf(want, sizeof(want), "db-server: 'ctl' (domid %u) built 'web': domid %u, pvh, 32 MiB",
             c.vm->domid, vm->domid);
    dfx_assert_console_has(want);
    /* Its channel, named on its command line in its command-line page. */
    assert_non_null(vm->chan.page);
    line = dfx_guest_cmdline(f, vm);
    snprintf(want, sizeof(want), "console=hvc0 domb.server=0,%u,0x%lx", vm->chan.guest_port,
             (unsigned long)dfx_channel_pfn(vm));
    assert_string_equal(line, want);

    /* Its console output reaches ours under its name. */
    assert_int_equal(dfx_guest_write(f, vm, HELLO, strlen(HELLO), true), strlen(HELLO));
    platform_handle_events(f->p);
    dfx_assert_console_has("[web] Hello from a PVH guest\n");

    /* It powers off: status says so; destroy; every page comes back. */
    assert_int_equal(dfx_guest_shutdown(f, vm, SHUTDOWN_poweroff), 0);
    memset(&rq, 0, sizeof(rq));
    rq.type = PROTO_TYPE_STATUS;
    rq.domid = vm->domid;
    client_call(&c, &rq, &rsp);
    assert_int_equal(rsp.status, 0);
    assert_int_equal(rsp.vm_status.state, PROTO_VM_SHUTDOWN);
    assert_int_equal(rsp.vm_status.shutdown_reason, SHUTDOWN_poweroff);
    memset(&rq, 0, sizeof(rq));
    rq.type = PROTO_TYPE_DESTROY;
    rq.domid = vm->domid;
    client_call(&c, &rq, &rsp);
    assert_int_equal(rsp.status, 0);
    assert_int_equal(dfx_console_count(VERDICT), 1);
    assert_int_equal(dfx_console_count(VERDICT_EQUAL), 1);
    dfx_teardown(f);
    f = NULL;
}

/* A client that writes a PVH spec with devices itself (our encoder would
 * not): db-server answers BAD_SPEC and builds nothing. */
static void pvh_with_devices_refused_by_db_server(void **state)
{
    static struct server s;
    static uint8_t buf[PROTO_MSG_MAX];
    struct proto_request rq;
    struct proto_response rsp;
    struct domb_error err;
    struct client c;
    uint8_t *spec = buf + PROTO_BUILD_OFF_SPEC;
    int len;

    (void)state;
    server_boot(&s, &c);
    rq_build_pvh(&rq);
    rq.id = 1;
    len = proto_request_encode(&rq, buf, sizeof(buf), &err);
    assert_int_equal(len, PROTO_BUILD_REQ_SIZE);
    spec[SPEC_OFF_NR_IRQS] = 1;
    spec[SPEC_OFF_IRQS] = 5;
    client_call_raw(&c, buf, (size_t)len, &rsp);
    assert_int_equal(rsp.error, PROTO_ERR_BAD_SPEC);
    assert_non_null(strstr(rsp.reason, "spec: a PVH guest cannot have iomem, ioports or irqs"));
    assert_null(dfx_vm(f, "web"));
    assert_int_equal(s.builds, 0);
    dfx_teardown(f);
    f = NULL;
}

int main(int argc, char **argv);
/* One case per line: the build registers each line's case with ctest. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(pvh_boot_set_vm_built_relayed_stopped, setup, teardown),
    cmocka_unit_test_setup_teardown(pvh_and_pv_side_by_side, setup, teardown),
    cmocka_unit_test_setup_teardown(pvh_needs_a_pvh_kernel, setup, teardown),
    cmocka_unit_test_setup_teardown(pvh_grant_limits_reach_xen, setup, teardown),
    cmocka_unit_test_setup_teardown(pvh_restart_stays_pvh, setup, teardown),
    cmocka_unit_test_setup_teardown(pvh_built_by_db_server, setup, teardown),
    cmocka_unit_test_setup_teardown(pvh_with_devices_refused_by_db_server, setup, teardown),
};
/* clang-format on */
DOMB_TEST_MAIN(tests)
