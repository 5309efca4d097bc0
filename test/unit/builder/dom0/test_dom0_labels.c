/*
 * XSM/FLASK labels through vm_build (seclabel, init_seclabel;
 * docs/disaggregation.md), against test/sim with and without its FLASK
 * model: the SID createdomain gets, the relabel after a complete build and
 * never after a failed one, Xen's refusals, and no extra hypercall for a
 * VM without a label.
 */
#include "domb_test.h"

#include "dom0_fixture.h"

#include <stdio.h>
#include <string.h>

#define ISOLATED    "system_u:system_r:isolated_domU_t"
#define NOMIGRATE   "system_u:system_r:nomigrate_t"
#define NOMIGRATE_B "system_u:system_r:nomigrate_t_building"
#define DOMU        "system_u:system_r:domU_t"
#define GUEST       "system_u:system_r:domb_guest_t"
#define GUEST_B     "system_u:system_r:domb_guest_t_building"
#define PROT        "system_u:system_r:prot_domU_t"

static struct dfx *f;

static void use(bool flask, bool fault)
{
    struct dfx_opts o = {.flask = flask, .fault = fault};

    if (f)
        dfx_free(f);
    f = dfx_create(&o);
}

static int setup(void **state)
{
    use(true, false);
    return 0;
}

static int teardown(void **state)
{
    dfx_free(f);
    f = NULL;
    return 0;
}

static void config(struct vm_config *cfg, const char *name, const char *seclabel,
                   const char *init_seclabel)
{
    dfx_config(cfg, name, "k.elf", 16);
    snprintf(cfg->seclabel, sizeof(cfg->seclabel), "%s", seclabel ? seclabel : "");
    snprintf(cfg->init_seclabel, sizeof(cfg->init_seclabel), "%s",
             init_seclabel ? init_seclabel : "");
}

/* vm_build with the console relay and a xenstore, as db-boot builds. */
static int build(struct vm *vm, const struct vm_config *cfg)
{
    struct vm_build_opts o;

    dfx_build_opts(f, &o, true, false, dfx_store());
    return vm_build(vm, cfg, f->kernel, f->kernel_size, NULL, 0, &o);
}

static uint32_t ssidref_of(domid_t domid, unsigned int *relabels)
{
    struct sim_domain_info info;

    assert_int_equal(sim_domain_info(f->sim, domid, &info), 0);
    if (relabels)
        *relabels = info.relabels;
    return info.ssidref;
}

/* ---- no label: as before, on either Xen ---- */

/* Without a seclabel createdomain gets Xen's initial SID domU (libxl's
 * default), and no xsm_op is made: the same hypercalls as without XSM. */
static void no_label_costs_nothing(void **state)
{
    unsigned long plain = 0;

    for (int flask = 0; flask <= 1; flask++) {
        struct vm *vm;
        struct vm_config cfg;
        unsigned long h0;

        use(flask, false);
        vm = dfx_vm_new(f);
        config(&cfg, "plain", NULL, NULL);
        h0 = sim_hypercalls(f->sim);
        assert_int_equal(build(vm, &cfg), 0);
        assert_int_equal(ssidref_of(vm->domid, NULL), XENOPS_SSIDREF_DOMU);
        assert_int_equal(sim_calls(f->sim, SIM_XSM_OP), 0);
        if (flask)
            assert_int_equal(sim_hypercalls(f->sim) - h0, plain);
        else
            plain = sim_hypercalls(f->sim) - h0;
        assert_string_equal(sim_avc_log(f->sim), "");
        dfx_teardown(f);
        f = NULL;
    }
}

/* ---- seclabel ---- */

/* The label's SID reaches createdomain; one xsm_op more than without it. */
static void seclabel_sid_at_createdomain(void **state)
{
    struct vm *vm = dfx_vm_new(f);
    struct vm_config cfg;
    unsigned int relabels = 9;

    config(&cfg, "isolated", ISOLATED, NULL);
    assert_int_equal(build(vm, &cfg), 0);
    assert_int_equal(ssidref_of(vm->domid, &relabels), SIM_SID_ISOLATED);
    assert_int_equal(relabels, 0);
    assert_int_equal(sim_calls(f->sim, SIM_XSM_OP), 1);
    assert_int_equal(vm_unpause(vm), 0);
    assert_string_equal(sim_avc_log(f->sim), "");
    dfx_teardown(f);
    f = NULL;
}

/* Debian's Xen has no XSM: a label is refused with a reason, before
 * anything is created. */
static void seclabel_without_xsm(void **state)
{
    struct vm *vm;
    struct vm_config cfg;

    use(false, false);
    vm = dfx_vm_new(f);
    config(&cfg, "isolated", ISOLATED, NULL);
    assert_int_equal(build(vm, &cfg), -XEN_ENOSYS);
    assert_int_equal(vm->state, VM_FAILED);
    assert_non_null(strstr(vm->error.msg, "seclabel '" ISOLATED
                                          "' needs a Xen with XSM/FLASK, and this one has none"));
    assert_int_equal(sim_calls(f->sim, SIM_DOMCTL), 0);
    dfx_teardown(f);
    f = NULL;
}

/* A label the policy does not know: FLASK_CONTEXT_TO_SID's -EINVAL. */
static void seclabel_unknown(void **state)
{
    struct vm *vm = dfx_vm_new(f);
    struct vm_config cfg;

    config(&cfg, "bogus", "system_u:system_r:no_such_t", NULL);
    assert_int_equal(build(vm, &cfg), -XEN_EINVAL);
    assert_string_equal(vm->error.msg, "seclabel 'system_u:system_r:no_such_t' is not a label of "
                                       "the loaded FLASK policy (FLASK_CONTEXT_TO_SID: error -22)");
    assert_int_equal(sim_calls(f->sim, SIM_DOMCTL), 0);
    dfx_teardown(f);
    f = NULL;
}

/* A label the builder may not create (nomigrate_t is built through its
 * build label): createdomain's -EACCES, Xen's avc line, nothing left. */
static void seclabel_create_denied(void **state)
{
    struct vm *vm = dfx_vm_new(f);
    struct vm_config cfg;

    config(&cfg, "direct", NOMIGRATE, NULL);
    assert_int_equal(build(vm, &cfg), -XEN_EACCES);
    assert_string_equal(vm->error.msg, "seclabel '" NOMIGRATE "': createdomain with ssidref 258 "
                                       "refused: error -13 (the XSM policy forbids it; Xen logs "
                                       "avc: denied { create })");
    assert_string_equal(sim_avc_log(f->sim),
                        "avc:  denied  { create } for current=d0 "
                        "scontext=system_u:system_r:dom0_t "
                        "tcontext=system_u:system_r:nomigrate_t tclass=domain\n");
    assert_int_equal(sim_nr_domains(f->sim), 0);
    dfx_teardown(f);
    f = NULL;
}

/* ---- init_seclabel: relabel after the build, at the first unpause ---- */

/*
 * A seam over the sim's that checks, at FLASK_RELABEL_DOMAIN, that the
 * domain is complete and not yet running: its vCPU context set, still
 * paused, the console relay and the xenstore ring mapped.
 */
static struct xenops spy;
static unsigned int relabel_seen;

static int spy_xsm_op(void *ctx, struct xen_flask_op *op)
{
    if (op->cmd == FLASK_RELABEL_DOMAIN) {
        struct sim_domain_info info;

        assert_int_equal(sim_domain_info(f->sim, (domid_t)op->u.relabel.domid, &info), 0);
        assert_true(info.vcpu_ready);
        assert_true(info.paused);
        assert_int_equal(info.ssidref, SIM_SID_GUEST_B);
        assert_int_equal(sim_foreign_maps(f->sim), 2); /* console and xenstore rings */
        relabel_seen++;
    }
    return f->ops.xsm_op(ctx, op);
}

static void init_seclabel_relabels_after_build(void **state)
{
    struct vm *vm = dfx_vm_new(f);
    struct vm_config cfg;
    struct vm_build_opts o;
    unsigned int relabels = 9;

    spy = f->ops;
    spy.xsm_op = spy_xsm_op;
    relabel_seen = 0;
    config(&cfg, "guest", GUEST, GUEST_B);
    dfx_build_opts(f, &o, true, false, dfx_store());
    o.xen = &spy;
    assert_int_equal(vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &o), 0);
    /* Built under the build label: the platform may still write into it
     * (roles, restart markers on its command line). */
    assert_int_equal(ssidref_of(vm->domid, &relabels), SIM_SID_GUEST_B);
    assert_int_equal(relabels, 0);
    assert_int_equal(sim_calls(f->sim, SIM_XSM_OP), 2); /* two CONTEXT_TO_SID */
    assert_int_equal(vm_append_cmdline(vm, "domb.restart=1"), 0);
    assert_int_equal(relabel_seen, 0);
    /* The first unpause relabels, once. */
    assert_int_equal(vm_unpause(vm), 0);
    assert_int_equal(relabel_seen, 1);
    assert_int_equal(ssidref_of(vm->domid, &relabels), SIM_SID_GUEST);
    assert_int_equal(relabels, 1);
    assert_int_equal(sim_calls(f->sim, SIM_XSM_OP), 3);
    /* After the relabel the builder may no longer map the guest's memory
     * (the policy gives it mmu rights on the build label only), so the
     * platform cannot write into it any more either. */
    {
        xen_pfn_t frame = dfx_start_info_mfn(vm);
        void *va;

        assert_int_equal(f->ops.map_foreign(f->ops.ctx, vm->domid, &frame, 1, &va), -XEN_EACCES);
        assert_non_null(strstr(sim_avc_log(f->sim), "{ map_read map_write } for current=d0 "
                                                    "scontext=system_u:system_r:dom0_t "
                                                    "tcontext=" GUEST " tclass=mmu"));
        assert_int_equal(vm_append_cmdline(vm, "late=1"), -XEN_EACCES);
    }
    dfx_teardown(f);
    f = NULL;
}

/* A relabel the policy refuses (from domU_t, which is no build label)
 * fails the start: the domain is destroyed, nothing leaks. */
static void init_seclabel_relabel_denied(void **state)
{
    struct vm *vm = dfx_vm_new(f);
    struct vm_config cfg;

    config(&cfg, "wrongfrom", GUEST, DOMU);
    assert_int_equal(build(vm, &cfg), 0);
    assert_int_equal(vm_unpause(vm), -XEN_EACCES);
    assert_int_equal(vm->state, VM_FAILED);
    assert_non_null(strstr(vm->error.msg, "relabel from init_seclabel '" DOMU
                                          "' to seclabel '" GUEST "' refused"));
    assert_non_null(strstr(sim_avc_log(f->sim), "{ relabelfrom }"));
    dfx_teardown(f);
    f = NULL;
}

/*
 * A fault at every seam call of a build and its start: a failed build
 * never gets a relabel (at most the two labels were resolved); a failed
 * start (the relabel or the unpause) destroys the domain; nothing leaks.
 */
static void init_seclabel_never_on_failed_build(void **state)
{
    struct vm_config cfg;
    struct vm_build_opts o;
    unsigned long total = 0;
    bool relabel_failed = false;
    struct vm *vm;

    use(true, true);
    vm = dfx_vm_new(f);
    dfx_build_opts(f, &o, true, false, dfx_store());
    config(&cfg, "sweep", GUEST, GUEST_B);
    xenops_fault_arm(&f->fault, 0, 0);
    assert_int_equal(vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &o), 0);
    assert_int_equal(vm_unpause(vm), 0);
    xenops_fault_fired(&f->fault, &total);
    assert_true(total > 20);
    assert_int_equal(vm_destroy(vm), 0);
    dfx_assert_clean(f, 0);
    for (unsigned long n = 1; n <= total; n++) {
        int rc;

        sim_reset_counts(f->sim);
        xenops_fault_arm(&f->fault, n, -XEN_ENOMEM);
        rc = vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &o);
        if (rc) {
            assert_true(xenops_fault_fired(&f->fault, NULL));
            assert_int_equal(vm->state, VM_FAILED);
            /* the relabel needs a built VM: only the labels were resolved */
            assert_true(sim_calls(f->sim, SIM_XSM_OP) <= 2);
        } else {
            /* the fault is in the start: the relabel or the unpause */
            assert_int_not_equal(vm_unpause(vm), 0);
            assert_true(xenops_fault_fired(&f->fault, NULL));
            assert_int_equal(vm->state, VM_FAILED);
            if (strstr(vm->error.msg, "relabel from init_seclabel"))
                relabel_failed = true;
        }
        dfx_assert_clean(f, 0);
    }
    assert_true(relabel_failed);
    xenops_fault_arm(&f->fault, 0, 0);
    dfx_teardown(f);
    f = NULL;
}

/*
 * Xen's example build label grants no destroy (create_domain_build_label):
 * a build that fails under nomigrate_t_building leaves the domain behind,
 * as measured on Xen ("avc: denied { destroy } ... nomigrate_t_building").
 * domB's domb_guest_t_building has it (domb_build_label_comms).
 */
static void example_build_label_cannot_destroy(void **state)
{
    struct vm *vm;
    struct vm_config cfg;

    use(true, true);
    vm = dfx_vm_new(f);
    config(&cfg, "nomig", NOMIGRATE, NOMIGRATE_B);
    /* a fault in the middle of the build, well after createdomain */
    xenops_fault_arm(&f->fault, 20, -XEN_ENOMEM);
    assert_int_not_equal(build(vm, &cfg), 0);
    assert_true(xenops_fault_fired(&f->fault, NULL));
    assert_int_equal(sim_nr_domains(f->sim), 1);
    assert_non_null(strstr(sim_avc_log(f->sim), "{ destroy } for current=d0 "
                                                "scontext=system_u:system_r:dom0_t "
                                                "tcontext=" NOMIGRATE_B " tclass=domain"));
    dfx_free(f); /* the domain is Xen's now */
    f = NULL;
}

/* Xen's prot_domU_t: dom0 may create it but not unpause it (its module
 * leaves out manage_domain); the start fails and the domain is destroyed
 * (migrate_domain_out allows that). */
static void example_prot_cannot_start(void **state)
{
    struct vm *vm = dfx_vm_new(f);
    struct vm_config cfg;

    config(&cfg, "prot", PROT, NULL);
    assert_int_equal(build(vm, &cfg), 0);
    assert_int_equal(vm_unpause(vm), -XEN_EACCES);
    assert_non_null(strstr(sim_avc_log(f->sim), "{ unpause } for current=d0 "
                                                "scontext=system_u:system_r:dom0_t "
                                                "tcontext=" PROT " tclass=domain"));
    dfx_teardown(f);
    f = NULL;
}

/* ---- the summary ---- */

static void summary_shows_labels(void **state)
{
    static struct vm vms[3];
    static const char *const names[3] = {"iso", "nomig", "plain"};

    memset(vms, 0, sizeof(vms));
    config(&vms[0].config, names[0], ISOLATED, NULL);
    config(&vms[1].config, names[1], NOMIGRATE, NOMIGRATE_B);
    config(&vms[2].config, names[2], NULL, NULL);
    for (int i = 0; i < 3; i++) {
        snprintf(vms[i].name, sizeof(vms[i].name), "%s", names[i]);
        vms[i].state = VM_RUNNING;
        vms[i].domid = (domid_t)(i + 1);
    }
    sim_console_clear();
    vm_print_summary(vms, 3);
    assert_non_null(strstr(sim_console(), "\niso              seclabel " ISOLATED "\n"));
    assert_non_null(strstr(sim_console(), "\nnomig            seclabel " NOMIGRATE
                                          " (built as " NOMIGRATE_B ")\n"));
    assert_null(strstr(sim_console(), "plain            seclabel"));
}

/* ---- db-boot gives up building once nothing can be built again ---- */

/* A boot set of one labelled guest and one plain VM; lifecycle `on_exit`
 * for every reason (destroy: nothing restarts; restart: reboots do). */
static struct dfx_bootset *labelled_set(enum vm_on_exit on_exit)
{
    struct dfx_bootset *b =
        dfx_bootset_new(MANIFEST_MODE_STARTALL, MANIFEST_FLAG_CONSOLE_RELAY, MANIFEST_DONE_WAIT);
    struct vm_config cfg;

    dfx_bootset_kernel(b, "k.elf");
    config(&cfg, "g", GUEST, GUEST_B);
    cfg.on_exit = on_exit;
    dfx_bootset_vm(b, &cfg);
    config(&cfg, "plain", NULL, NULL);
    cfg.on_exit = on_exit;
    dfx_bootset_vm(b, &cfg);
    return b;
}

/* Nothing may restart and the images went back: db-boot relabels itself
 * to domb_dom0_run_t. From then on Xen refuses it createdomain and every
 * mapping (also of the plain domU_t VM it could map before), and it still
 * runs, watches and destroys its VMs. */
static void build_rights_dropped_when_nothing_is_left(void **state)
{
    struct dfx_bootset *b = labelled_set(VM_ON_EXIT_DESTROY);
    struct platform_given_back g;
    struct vm_config cfg;
    struct vm *extra;

    (void)state;
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(f->p->failed, 0);
    assert_int_equal(platform_give_back_images(f->p, &g), 0);
    assert_int_equal(sim_self_sid(f->sim), SIM_SID_DOM0);
    assert_int_equal(platform_drop_build_rights(f->p), 1);
    assert_true(f->p->build_rights_dropped);
    assert_int_equal(sim_self_sid(f->sim), SIM_SID_DOM0_RUN);
    dfx_assert_console_has("db-boot: nothing is left to build: gave up the rights to build, now "
                           "system_u:system_r:domb_dom0_run_t");
    /* Xen's refusals, from db-boot's own check. */
    sim_console_clear();
    assert_int_equal(platform_isolation_check(f->p, "domb.isolation_check="), 0);
    dfx_assert_console_has("db: isolation check: createdomain (a new domU_t): error -13 (refused, "
                           "as it must be)");
    dfx_assert_console_has("db: isolation check: mapping its start_info frame of domain 2 "
                           "(plain): error -13 (refused, as it must be)");
    dfx_assert_console_has("db: isolation check: 5 of 5 attempts as they must be");
    assert_non_null(strstr(sim_avc_log(f->sim), "avc:  denied  { create } for current=d0 "
                                                "scontext=system_u:system_r:domb_dom0_run_t"));
    /* A build now fails at createdomain and leaves nothing. */
    extra = dfx_vm_new(f);
    config(&cfg, "late", NULL, NULL);
    assert_int_equal(build(extra, &cfg), -XEN_EACCES);
    /* It still runs what it built to the end. */
    for (unsigned int i = 0; i < f->p->nr_vms; i++)
        assert_int_equal(dfx_guest_shutdown(f, &f->p->vms[i], SHUTDOWN_poweroff), 0);
    platform_run(f->p);
    assert_int_equal(platform_running(f->p), 0);
    assert_true(platform_report(f->p, "db-boot"));
    dfx_teardown(f);
    f = NULL;
    dfx_bootset_free(b);
}

/* A VM that may restart (xl's default on_reboot) keeps db-boot's rights;
 * so does domb.keep_images (nothing given back). */
static void build_rights_kept_while_a_vm_may_restart(void **state)
{
    struct dfx_bootset *b = labelled_set(VM_ON_EXIT_RESTART);
    struct platform_given_back g;

    (void)state;
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(platform_give_back_images(f->p, &g), 0);
    assert_int_equal(platform_drop_build_rights(f->p), 0);
    assert_false(f->p->build_rights_dropped);
    assert_int_equal(sim_self_sid(f->sim), SIM_SID_DOM0);
    dfx_assert_console_has("db-boot: keeping the rights to build: vm 'g' may be built again");
    dfx_teardown(f);
    f = NULL;
    dfx_bootset_free(b);

    use(true, false);
    b = labelled_set(VM_ON_EXIT_DESTROY);
    assert_int_equal(dfx_boot(f, b, NULL), 0); /* images not given back: keep_images */
    assert_int_equal(platform_drop_build_rights(f->p), 0);
    assert_int_equal(sim_self_sid(f->sim), SIM_SID_DOM0);
    dfx_teardown(f);
    f = NULL;
    dfx_bootset_free(b);
}

/* A platform without labels makes no xsm_op for it (Debian's Xen has none
 * to answer), and neither does the check without its argument. */
static void build_rights_untouched_without_labels(void **state)
{
    struct dfx_bootset *b = dfx_bootset_new(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_WAIT);
    struct platform_given_back g;
    struct vm_config cfg;

    (void)state;
    dfx_bootset_kernel(b, "k.elf");
    config(&cfg, "plain", NULL, NULL);
    cfg.on_exit = VM_ON_EXIT_DESTROY;
    dfx_bootset_vm(b, &cfg);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(platform_give_back_images(f->p, &g), 0);
    sim_reset_counts(f->sim);
    assert_int_equal(platform_drop_build_rights(f->p), 0);
    assert_int_equal(platform_isolation_check(f->p, "console=hvc0"), 0);
    assert_int_equal(sim_calls(f->sim, SIM_XSM_OP), 0);
    assert_int_equal(sim_hypercalls(f->sim), 0);
    dfx_teardown(f);
    f = NULL;
    dfx_bootset_free(b);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(no_label_costs_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown(seclabel_sid_at_createdomain, setup, teardown),
    cmocka_unit_test_setup_teardown(seclabel_without_xsm, setup, teardown),
    cmocka_unit_test_setup_teardown(seclabel_unknown, setup, teardown),
    cmocka_unit_test_setup_teardown(seclabel_create_denied, setup, teardown),
    cmocka_unit_test_setup_teardown(init_seclabel_relabels_after_build, setup, teardown),
    cmocka_unit_test_setup_teardown(init_seclabel_relabel_denied, setup, teardown),
    cmocka_unit_test_setup_teardown(init_seclabel_never_on_failed_build, setup, teardown),
    cmocka_unit_test_setup_teardown(example_build_label_cannot_destroy, setup, teardown),
    cmocka_unit_test_setup_teardown(example_prot_cannot_start, setup, teardown),
    cmocka_unit_test_setup_teardown(summary_shows_labels, setup, teardown),
    cmocka_unit_test_setup_teardown(build_rights_dropped_when_nothing_is_left, setup, teardown),
    cmocka_unit_test_setup_teardown(build_rights_kept_while_a_vm_may_restart, setup, teardown),
    cmocka_unit_test_setup_teardown(build_rights_untouched_without_labels, setup, teardown),
};

DOMB_TEST_MAIN(tests)
