/*
 * The boot phase of db-boot and db-server: the boot set from the initramfs,
 * built and started in the manifest's order and mode, then supervised
 * (console relay, xenstore, VIRQ_DOM_EXC, on_exit) until the end, and the
 * summary.
 */
#include <dom0/platform.h>
#include <dom0/shell.h>
#include <domb/cmdline.h>
#include <domb/errno.h>
#include <domb/log.h>

/*
 * Make vm the handler of VIRQ_DOM_EXC (XEN_DOMCTL_set_virq_handler): Xen
 * tells it, not us, when a domain stops. We look at our own VMs every time
 * round from then on (virq_delegated).
 */
static int platform_hand_over_dom_exc(struct platform *p, struct vm *vm, const char *role)
{
    struct xen_domctl d = {.cmd = XEN_DOMCTL_set_virq_handler,
                           .domain = vm->domid,
                           .interface_version = XEN_DOMCTL_INTERFACE_VERSION};
    int rc;

    d.u.set_virq_handler.virq = VIRQ_DOM_EXC;
    rc = p->xen->domctl(p->xen->ctx, &d);
    if (rc)
        return domb_error_set(&vm->error, rc, "%s: set_virq_handler failed (%d)", role, rc);
    p->virq_delegated = true;
    return 0;
}

/*
 * A domain builder (db_builder = 1: db-server as an ordinary domain,
 * docs/disaggregation.md), in either mode: it hears VIRQ_DOM_EXC, so that
 * it notices the domains it builds stop. One per platform (domb-pack
 * refuses two): Xen has one handler per global VIRQ.
 */
static int platform_builder_role(struct platform *p, struct vm *vm)
{
    int rc;

    if (!vm->config.db_builder)
        return 0;
    if (p->builder_domid != DOMID_INVALID)
        return domb_error_set(&vm->error, -XEN_EEXIST,
                              "db_builder: domain %u is this platform's builder already (Xen has "
                              "one VIRQ_DOM_EXC handler)",
                              p->builder_domid);
    if ((rc = platform_hand_over_dom_exc(p, vm, "db_builder")) != 0)
        return rc;
    p->builder_domid = vm->domid;
    printk("db: vm '%s' is a domain builder (VIRQ_DOM_EXC)\n", vm->name);
    return 0;
}

/*
 * Sequenced mode's conventions (docs/user-guide.md, "Sequenced start"):
 * the first VM may be the xenstore domain: it gets "--event PORT
 * --master-domid 0" on its command line (PORT: an unbound channel in it for
 * us, as Xen's init-xenstore-domain does) and becomes the VIRQ_DOM_EXC
 * handler; the last VM may be the control domain: it gets
 * "domb.xenstore_domid=D" when there is a xenstore domain (and, under
 * db-server, its channel as every VM does).
 */
static int platform_sequenced_roles(struct platform *p, struct vm *vm, uint32_t index)
{
    const struct bootset *set = &p->set;
    char arg[64];
    int rc;

    if (index == 0 && (set->manifest.flags & MANIFEST_FLAG_FIRST_XENSTORE)) {
        evtchn_alloc_unbound_t alloc = {.dom = vm->domid, .remote_dom = p->self_domid};

        rc = p->xen->evtchn_alloc_unbound(p->xen->ctx, &alloc);
        if (rc)
            return domb_error_set(&vm->error, rc, "xenstore domain: alloc_unbound failed (%d)", rc);
        domb_snprintf(arg, sizeof(arg), "--event %u --master-domid %u", alloc.port, p->self_domid);
        if ((rc = vm_append_cmdline(vm, arg)) != 0 ||
            (rc = platform_hand_over_dom_exc(p, vm, "xenstore domain")) != 0)
            return rc;
        p->xenstore_domid = vm->domid;
        printk("db: vm '%s' is the xenstore domain (event channel %u, VIRQ_DOM_EXC)\n", vm->name,
               alloc.port);
    }
    /* A lone VM may be the control domain (it builds the rest through
     * db-server); the manifest refuses one VM in both roles. */
    if (index == set->nr_vms - 1 && (set->manifest.flags & MANIFEST_FLAG_LAST_CONTROL)) {
        if (p->xenstore_domid != DOMID_INVALID) {
            domb_snprintf(arg, sizeof(arg), "domb.xenstore_domid=%u", p->xenstore_domid);
            if ((rc = vm_append_cmdline(vm, arg)) != 0)
                return rc;
        }
        printk("db: vm '%s' is the control domain\n", vm->name);
    }
    return 0;
}

/*
 * Benchmark output ("domb.bench=1" on the builder's command line): one
 * machine-readable line per built VM, one when its first console byte is
 * relayed, and one when every VM has been started. tools/bench reads them
 * (docs/performance.md). Times are Xen system time in nanoseconds.
 */
static void platform_bench_built(const struct platform *p, unsigned int i)
{
    const struct vm *vm = &p->vms[i];
    const struct builder_result *r = &vm->result;
    uint64_t builder_ns = 0;

    for (unsigned int k = 0; k < BUILDER_PHASE_COUNT; k++)
        builder_ns += r->phase_ns[k];
    printk(
        "BENCH vm=%s domid=%u type=%s mem=%u at_ns=%lu build_ns=%lu builder_ns=%lu create_ns=%lu "
        "populate_ns=%lu load_ns=%lu pt_ns=%lu start_ns=%lu hypercalls=%u hc_create=%u "
        "hc_populate=%u hc_load=%u hc_pt=%u hc_start=%u hc_vm_build=%lu mem_build_kib=%lu "
        "mem_peak_kib=%lu\n",
        vm->name, vm->domid, vm_type_name(vm->config.type), vm->memory_mib,
        p->bench_vm[i].build_start_ns - p->boot_t0, vm->build_ns, builder_ns,
        r->phase_ns[BUILDER_PHASE_CREATE], r->phase_ns[BUILDER_PHASE_POPULATE],
        r->phase_ns[BUILDER_PHASE_LOAD], r->phase_ns[BUILDER_PHASE_PAGETABLES],
        r->phase_ns[BUILDER_PHASE_START], vm->hypercalls, r->hypercalls[BUILDER_PHASE_CREATE],
        r->hypercalls[BUILDER_PHASE_POPULATE], r->hypercalls[BUILDER_PHASE_LOAD],
        r->hypercalls[BUILDER_PHASE_PAGETABLES], r->hypercalls[BUILDER_PHASE_START],
        p->bench_vm[i].hypercalls, vm->mem_build_pages * 4, vm->mem_peak_pages * 4);
}

static void platform_print_built(const struct vm *vm)
{
    printk("db: vm '%s' built: domid %u, %s, %u MiB, %lu us, %u hypercalls\n", vm->name, vm->domid,
           vm_type_name(vm->config.type), vm->memory_mib, vm->build_ns / 1000, vm->hypercalls);
}

/* In a benchmark the "built" lines wait until every VM has started: on a
 * 115200-baud serial console each line costs milliseconds, more than a
 * small VM's build (docs/performance.md). */
static void platform_bench_report_built(const struct platform *p, uint64_t loop_t0)
{
    uint64_t now = xenops_now_ns(p->xen);

    printk("BENCH started_all_ns=%lu build_loop_ns=%lu vms=%u failed=%u\n", now - p->boot_t0,
           now - loop_t0, p->set.nr_vms, p->failed);
    for (unsigned int i = 0; i < p->nr_vms; i++) {
        if (p->vms[i].state == VM_FAILED)
            continue;
        platform_print_built(&p->vms[i]);
        platform_bench_built(p, i);
    }
}

/* Note the first relayed console byte of VM i (after a drain). */
static void platform_bench_output(struct platform *p, unsigned int i)
{
    struct platform_bench_vm *b = &p->bench_vm[i];
    uint64_t now;

    if (!p->bench || b->first_output_ns || p->vms[i].console.bytes == 0)
        return;
    now = xenops_now_ns(p->xen);
    b->first_output_ns = now;
    printk("BENCH first_output vm=%s ns=%lu since_boot_ns=%lu\n", p->vms[i].name,
           now - b->build_start_ns, now - p->boot_t0);
}

/* Benchmarks in sequenced mode measure one VM at a time, as the xl
 * baseline does: relay and supervise until VM i has stopped (at most 60 s)
 * before building the next, so no guest runs while another is built. */
static void platform_bench_wait_exit(struct platform *p, unsigned int i)
{
    uint64_t deadline = xenops_now_ns(p->xen) + 60000000000ULL, now;
    evtchn_port_t ports[2] = {p->virq_port, p->vms[i].console.port};
    struct vm *vm = &p->vms[i];

    if (!p->bench)
        return;
    while (vm->state == VM_RUNNING && (now = xenops_now_ns(p->xen)) < deadline) {
        p->xen->evtchn_poll(p->xen->ctx, ports, vm->relay ? 2 : 1, deadline - now);
        platform_handle_events(p);
    }
    now = xenops_now_ns(p->xen);
    printk("BENCH exited vm=%s ns=%lu state=%s\n", vm->name, now - p->bench_vm[i].build_start_ns,
           vm->state == VM_RUNNING ? "running" : vm_shutdown_name(vm->shutdown_reason));
}

/* A boot-set VM that is a driver domain (its spec decoded and says so). */
static bool platform_serves_devices(const struct bootset_vm *b)
{
    return b->status == 0 && b->config.driver_domain;
}

/* Build (and in sequenced mode start) every VM of the boot set, in order,
 * driver domains first. A VM that fails is reported and skipped; the
 * others go on. */
static void platform_build_all(struct platform *p)
{
    const struct bootset *set = &p->set;
    uint64_t loop_t0 = xenops_now_ns(p->xen);

    /* Driver domains first, in either mode: a guest's devices name their
     * backend's domid when it is built (docs/devices.md). */
    for (uint32_t k = 0; set->nr_vms && k < 2 * set->nr_vms; k++) {
        uint32_t i = k % set->nr_vms;
        const struct bootset_vm *b = &set->vms[i];
        struct vm *vm = &p->vms[i];

        if ((k < set->nr_vms) != platform_serves_devices(b))
            continue;

        if (b->status < 0) {
            /* The spec may have decoded (then we know the VM's name) even
             * though the VM cannot be built. */
            vm_fail(vm, b->config.name[0] ? b->config.name : b->spec_name, &b->error);
            vm->memory_mib = b->config.memory_mib;
        } else {
            struct vm_build_opts opts;

            platform_build_opts(p, &opts);
            unsigned long hc = p->xen->hypercalls(p->xen->ctx);

            p->bench_vm[i].build_start_ns = xenops_now_ns(p->xen);
            vm_build(vm, &b->config, b->kernel, b->kernel_size, b->ramdisk, b->ramdisk_size, &opts);
            p->bench_vm[i].hypercalls = p->xen->hypercalls(p->xen->ctx) - hc;
        }
        if (p->nr_vms < i + 1)
            p->nr_vms = i + 1;
        if (vm->state == VM_FAILED) {
            printk("db: vm '%s' FAILED: %s\n", vm->name, vm->error.msg);
            p->failed++;
            continue;
        }
        if (!p->bench)
            platform_print_built(vm);
        if (platform_builder_role(p, vm) != 0 || (set->manifest.mode == MANIFEST_MODE_SEQUENCED &&
                                                  platform_sequenced_roles(p, vm, i) != 0)) {
            printk("db: vm '%s' FAILED: %s\n", vm->name, vm->error.msg);
            vm_destroy(vm);
            vm->state = VM_FAILED;
            p->failed++;
            continue;
        }
        if (set->manifest.mode == MANIFEST_MODE_SEQUENCED && vm_unpause(vm) != 0) {
            printk("db: vm '%s' FAILED to start: %s\n", vm->name, vm->error.msg);
            p->failed++;
        } else if (set->manifest.mode == MANIFEST_MODE_SEQUENCED) {
            platform_bench_wait_exit(p, i);
        }
    }
    if (set->manifest.mode == MANIFEST_MODE_STARTALL) {
        for (uint32_t i = 0; i < set->nr_vms; i++) {
            if (p->vms[i].state == VM_BUILT && vm_unpause(&p->vms[i]) != 0) {
                printk("db: vm '%s' FAILED to start: %s\n", p->vms[i].name, p->vms[i].error.msg);
                p->failed++;
            }
        }
    }
    if (p->bench)
        platform_bench_report_built(p, loop_t0);
}

void platform_build_opts(struct platform *p, struct vm_build_opts *opts)
{
    opts->xen = p->xen;
    opts->relay = p->relay;
    opts->channel = p->channels;
    opts->store = &p->store;
    opts->devices = &p->devices;
    opts->staged_bzimage = p->staged_bzimage;
    opts->self_domid = p->self_domid;
    opts->domu = p->domu;
}

/* The domid of the running driver domain called name (device_env). */
static int platform_backend_domid(void *ctx, const char *name, domid_t *domid,
                                  struct domb_error *err)
{
    const struct platform *p = ctx;
    const struct vm *found = NULL;

    for (unsigned int i = 0; i < p->nr_vms; i++) {
        const struct vm *vm = &p->vms[i];

        if (strcmp(vm->name, name) != 0 || vm->state == VM_EMPTY)
            continue;
        found = vm;
        if (vm->state == VM_BUILT || vm->state == VM_RUNNING)
            break;
    }
    if (!found)
        return domb_error_set(err, -XEN_ENOENT, "no VM '%s' on this platform to serve it", name);
    if (!found->config.driver_domain)
        return domb_error_set(err, -XEN_EINVAL, "'%s' is not a driver domain (driver_domain = 1)",
                              name);
    if (found->state != VM_BUILT && found->state != VM_RUNNING)
        return domb_error_set(err, -XEN_ESRCH, "the driver domain '%s' is not running", name);
    *domid = found->domid;
    return 0;
}

static uint64_t platform_now_ns(void *ctx)
{
    const struct platform *p = ctx;

    return xenops_now_ns(p->xen);
}

/* While a device teardown waits for its backend: serve every VM's xenstore
 * ring (the driver domain answers through it), nothing else. */
static void platform_pump_xenstore(void *ctx, uint64_t timeout_ns)
{
    static evtchn_port_t ports[PLATFORM_POLL_MAX];
    struct platform *p = ctx;
    unsigned int n = 0;

    for (unsigned int i = 0; i < p->nr_vms && n < PLATFORM_POLL_MAX; i++)
        if (p->vms[i].xs.conn && !p->vms[i].xs.broken)
            ports[n++] = p->vms[i].xs.port;
    p->xen->evtchn_poll(p->xen->ctx, ports, n, timeout_ns < 10000000ULL ? timeout_ns : 10000000ULL);
    for (unsigned int i = 0; i < p->nr_vms; i++)
        if (p->vms[i].xs.conn && p->xen->evtchn_pending(p->xen->ctx, p->vms[i].xs.port))
            vm_xenstore_service(&p->vms[i]);
    platform_xenstore_pending(p);
}

/* The xenstore's memory: node table and values (docs/xenstore.md). */
static uint8_t xenstore_arena[PLATFORM_XENSTORE_ARENA];

int platform_boot(struct platform *p, const struct platform_boot_info *bi)
{
    struct domb_error err;
    uint64_t t;

    char flag[8];

    p->xenstore_domid = DOMID_INVALID;
    p->builder_domid = DOMID_INVALID;
    p->boot_t0 = bi->t0_ns;
    p->domu = bi->domu;
    p->self_domid = bi->domu ? bi->self_domid : 0;
    p->bench =
        bi->cmdline && cmdline_get(bi->cmdline, "domb.bench", flag, sizeof(flag)) && flag[0] == '1';
    p->staged_bzimage = bi->cmdline &&
                        cmdline_get(bi->cmdline, "domb.staged_bzimage", flag, sizeof(flag)) &&
                        flag[0] == '1';
    p->devices = (struct device_env){.store = &p->store,
                                     .ctx = p,
                                     .backend_domid = platform_backend_domid,
                                     .now_ns = platform_now_ns,
                                     .pump = platform_pump_xenstore};
    if (xs_store_init(&p->store, xenstore_arena, sizeof(xenstore_arena), PLATFORM_XENSTORE_NODES,
                      &err) != 0) {
        printk("db: cannot set up the xenstore: %s\n", err.msg);
        return err.code;
    }
    if (!bi->module) {
        printk("db: no initramfs: nothing to build\n");
        return -XEN_EINVAL;
    }
    if (bootset_load(bi->module, bi->module_len, &p->set, p->boot_vms, MANIFEST_MAX_VMS, &err) !=
        0) {
        printk("db: initramfs: %s\n", err.msg);
        return err.code;
    }
    p->relay = (p->set.manifest.flags & MANIFEST_FLAG_CONSOLE_RELAY) != 0;
    printk("db: boot set: %u VMs, mode %s, console relay %s, when done: %s\n", p->set.nr_vms,
           manifest_mode_name(p->set.manifest.mode), p->relay ? "on" : "off",
           manifest_when_done_name(p->set.manifest.when_done));
    /* What domb-pack worked out this archive needs (issue 15): refuse at
     * once, with the number, rather than fail a build half-way. */
    if (p->set.manifest.dom0_kib && bi->dom0_pages &&
        bi->dom0_pages * 4 < p->set.manifest.dom0_kib) {
        unsigned int mib = (p->set.manifest.dom0_kib + 1023) / 1024;

        if (p->domu)
            printk("db: this builder domain has %lu MiB, but its archive needs %u MiB (domb-pack "
                   "--check says why): give it memory = %u in its config\n",
                   bi->dom0_pages / 256, mib, mib);
        else
            printk("db: dom0 has %lu MiB, but this archive needs %u MiB (domb-pack --check says "
                   "why): boot Xen with dom0_mem=%uM,max:%uM, as domb-iso does unless "
                   "--xen-cmdline says otherwise\n",
                   bi->dom0_pages / 256, mib, mib, mib);
        return -XEN_ENOMEM;
    }
    if (p->domu)
        printk("db: building as an ordinary domain (domid %u): its guests' consoles, xenstore "
               "and channels are served from here\n",
               p->self_domid);
    if (p->xen->evtchn_bind_virq(p->xen->ctx, VIRQ_DOM_EXC, &p->virq_port) != 0) {
        printk("db: cannot bind VIRQ_DOM_EXC\n");
        return -XEN_EINVAL;
    }
    platform_build_all(p);
    t = xenops_now_ns(p->xen) - p->t0;
    printk("db: %u of %u VMs started in %lu.%03lu ms (since the builder started)\n",
           p->set.nr_vms - p->failed, p->set.nr_vms, t / 1000000, t / 1000 % 1000);
    return 0;
}

unsigned int platform_ports(const struct platform *p, evtchn_port_t *ports, unsigned int max)
{
    unsigned int n = 0;

    if (max == 0)
        return 0;
    ports[n++] = p->virq_port;
    if (p->shell && n < max)
        ports[n++] = shell_port(p->shell); /* serial input (VIRQ_CONSOLE) */
    for (unsigned int i = 0; i < p->nr_vms && n < max; i++) {
        const struct vm *vm = &p->vms[i];

        if (vm->state != VM_RUNNING)
            continue;
        if (vm->relay)
            ports[n++] = vm->console.port;
        if (vm->xs.conn && !vm->xs.broken && n < max)
            ports[n++] = vm->xs.port;
    }
    return n;
}

/* ---- giving the initramfs back (issue 15) ---- */

/* Whether any shutdown reason's action builds the VM again. */
static bool platform_may_rebuild(const struct vm_config *cfg)
{
    static const unsigned int xen_reasons[] = {SHUTDOWN_poweroff, SHUTDOWN_reboot, SHUTDOWN_crash,
                                               SHUTDOWN_watchdog, SHUTDOWN_soft_reset};

    for (unsigned int i = 0; i < ARRAY_SIZE(xen_reasons); i++) {
        bool leave;
        enum vm_on_exit a = vm_config_action(cfg, xen_reasons[i], &leave);

        if (!leave && (a == VM_ON_EXIT_RESTART || a == VM_ON_EXIT_RENAME_RESTART))
            return true;
    }
    return false;
}

/* Whether [a, a + n) overlaps an image a VM that may be rebuilt uses. */
static bool platform_image_needed(const struct platform *p, const uint8_t *a, size_t n)
{
    for (unsigned int i = 0; i < p->set.nr_vms; i++) {
        const struct bootset_vm *b = &p->set.vms[i];
        const uint8_t *k = b->kernel, *r = b->ramdisk;

        if (b->status != 0 || !platform_may_rebuild(&b->config))
            continue;
        if (k && a < k + b->kernel_size && k < a + n)
            return true;
        if (r && a < r + b->ramdisk_size && r < a + n)
            return true;
    }
    return false;
}

/* Give back the whole pages inside [a, a + n); the pages Xen took. */
static uint64_t platform_give_back_range(struct platform *p, const uint8_t *a, size_t n)
{
    uintptr_t start = ((uintptr_t)a + PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1);
    uintptr_t end = ((uintptr_t)a + n) & ~(uintptr_t)(PAGE_SIZE - 1);
    long rc;

    if (end <= start)
        return 0;
    rc = p->xen->give_back(p->xen->ctx, (void *)start, (end - start) / PAGE_SIZE);
    return rc > 0 ? (uint64_t)rc : 0;
}

int platform_give_back_images(struct platform *p, struct platform_given_back *out)
{
    static const struct domb_error gone = {
        .code = -XEN_ENOENT,
        .msg = "its images were given back to Xen after boot (domb.keep_images=1 on db-boot's "
               "command line keeps them)"};
    static const void *given[2 * MANIFEST_MAX_VMS];
    unsigned int nr_given = 0;

    memset(out, 0, sizeof(*out));
    if (!p->xen->give_back)
        return -XEN_EOPNOTSUPP;
    xenops_physinfo(p->xen, &out->xen_free_before, NULL);
    for (unsigned int i = 0; i < p->set.nr_vms; i++) {
        struct bootset_vm *b = &p->set.vms[i];
        const uint8_t *img[2] = {b->kernel, b->ramdisk};
        size_t len[2] = {b->kernel_size, b->ramdisk_size};
        bool any = false;

        if (b->status != 0 || platform_may_rebuild(&b->config))
            continue;
        for (unsigned int j = 0; j < 2; j++) {
            bool done = false;

            if (!img[j] || platform_image_needed(p, img[j], len[j]))
                continue;
            any = true;
            /* An image several VMs share goes once. */
            for (unsigned int g = 0; g < nr_given; g++)
                done |= given[g] == img[j];
            if (done || nr_given == ARRAY_SIZE(given))
                continue;
            given[nr_given++] = img[j];
            out->pages += platform_give_back_range(p, img[j], len[j]);
            out->images++;
        }
        if (!any)
            continue;
        /* Nothing builds from it any more: the shell's create says why. */
        b->status = gone.code;
        b->error = gone;
        out->vms++;
        if (i < p->nr_vms) { /* its record (the boot set comes first) */
            p->vms[i].kernel_image = NULL;
            p->vms[i].ramdisk_image = NULL;
        }
    }
    xenops_physinfo(p->xen, &out->xen_free_after, NULL);
    return 0;
}

int platform_drop_build_rights(struct platform *p)
{
    bool labelled = false;
    uint32_t sid;
    int rc;

    for (unsigned int i = 0; i < p->set.nr_vms; i++)
        labelled |= p->set.vms[i].config.seclabel[0] != '\0';
    if (!labelled || p->domu)
        return 0;
    for (unsigned int i = 0; i < p->set.nr_vms; i++)
        if (p->set.vms[i].status == 0) {
            printk("db-boot: keeping the rights to build: vm '%s' may be built again (its "
                   "on_exit, or domb.keep_images=1)\n",
                   p->set.vms[i].config.name);
            return 0;
        }
    rc = xenops_flask_context_to_sid(p->xen, PLATFORM_RUN_LABEL, &sid);
    if (rc == 0)
        rc = xenops_flask_relabel_domain(p->xen, DOMID_SELF, sid);
    if (rc) {
        printk("db-boot: keeping the rights to build: relabelling ourselves to %s failed: "
               "error %d (%s)\n",
               PLATFORM_RUN_LABEL, rc,
               rc == -XEN_EINVAL ? "the policy has no such label: domB's tools/flask-xen/domb.te"
                                 : "the policy forbids it");
        return rc;
    }
    p->build_rights_dropped = true;
    printk("db-boot: nothing is left to build: gave up the rights to build, now %s (runs, "
           "watches and destroys the VMs; creates and maps none)\n",
           PLATFORM_RUN_LABEL);
    return 1;
}

/* One attempt of the isolation check: rc is what Xen said. */
static unsigned int isolation_line(const char *what, domid_t domid, const char *whose, int rc,
                                   bool must_refuse)
{
    /* Refused means refused by the policy: -EACCES (FLASK) or -EPERM (the
     * dummy XSM); any other error proves nothing. */
    bool refused = rc == -XEN_EACCES || rc == -XEN_EPERM;
    bool wrong = must_refuse ? !refused : rc != 0;
    const char *verdict = !wrong
                              ? (must_refuse ? "refused, as it must be" : "allowed, as it must be")
                          : rc == 0     ? "ALLOWED, which it must not be"
                          : must_refuse ? "FAILED for another reason: this proves nothing"
                                        : "REFUSED, which it must not be";
    char of[24] = "";

    if (domid != DOMID_INVALID)
        domb_snprintf(of, sizeof(of), " of domain %u", domid);
    printk("db: isolation check: %s%s (%s): error %d (%s)\n", what, of, whose, rc, verdict);
    return wrong ? 1 : 0;
}

/* A foreign mapping of frame mfn of domid: Xen checks the right before the
 * frame, so any frame shows whether we may map that domain at all. */
static int isolation_map(const struct xenops *xen, domid_t domid, xen_pfn_t mfn)
{
    void *va;
    int rc = xen->map_foreign(xen->ctx, domid, &mfn, 1, &va);

    if (rc == 0)
        xen->unmap_foreign(xen->ctx, va, 1);
    return rc;
}

unsigned int platform_isolation_check(struct platform *p, const char *cmdline)
{
    const struct xenops *xen = p->xen;
    struct xen_domctl_getdomaininfo info;
    unsigned int wrong = 0, tries = 0;
    char list[64], *at = list;

    if (!cmdline || !cmdline_get(cmdline, "domb.isolation_check", list, sizeof(list)))
        return 0;
    while (*at) {
        char *end = at;
        uint64_t id;

        while (*end && *end != ',')
            end++;
        if (*end)
            *end++ = '\0';
        if (!parse_u64(at, &id) || id >= DOMID_FIRST_RESERVED || id == p->self_domid) {
            printk("db: isolation check: '%s' is not a domid of another domain\n", at);
            wrong++;
        } else {
            struct xen_domctl d = {.cmd = XEN_DOMCTL_pausedomain,
                                   .domain = (domid_t)id,
                                   .interface_version = XEN_DOMCTL_INTERFACE_VERSION};
            int rc;

            wrong += isolation_line("getdomaininfo", (domid_t)id, "not ours",
                                    xenops_domain_info(xen, (domid_t)id, &info), true);
            rc = xen->domctl(xen->ctx, &d);
            wrong += isolation_line("pause", (domid_t)id, "not ours", rc, true);
            if (rc == 0) { /* it must not have worked; undo it */
                d.cmd = XEN_DOMCTL_unpausedomain;
                xen->domctl(xen->ctx, &d);
            }
            wrong += isolation_line("foreign mapping", (domid_t)id, "not ours",
                                    isolation_map(xen, (domid_t)id, 0), true);
            tries += 3;
        }
        at = end;
    }
    /* Once db-boot gave up building, it may create no domain at all. */
    if (p->build_rights_dropped) {
        struct xen_domctl d = {.cmd = XEN_DOMCTL_createdomain,
                               .domain = 0,
                               .interface_version = XEN_DOMCTL_INTERFACE_VERSION};
        int rc;

        d.u.createdomain.ssidref = XENOPS_SSIDREF_DOMU;
        d.u.createdomain.max_vcpus = 1;
        d.u.createdomain.max_evtchn_port = 1023;
        d.u.createdomain.max_grant_frames = 1;
        d.u.createdomain.max_maptrack_frames = 1;
        d.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
        rc = xen->domctl(xen->ctx, &d);
        wrong += isolation_line("createdomain", DOMID_INVALID, "a new domU_t", rc, true);
        if (rc == 0) { /* it must not have worked; undo it */
            d.cmd = XEN_DOMCTL_destroydomain;
            xen->domctl(xen->ctx, &d);
        }
        tries++;
    }
    /* Our VMs: managed, not mapped once relabelled (or once we gave up
     * building: then none at all). */
    p->isolation_wrong += wrong;
    for (unsigned int i = 0; i < p->nr_vms; i++) {
        unsigned int before = p->isolation_wrong;

        tries += platform_isolation_check_vm(p, &p->vms[i]);
        wrong += p->isolation_wrong - before;
    }
    p->isolation_check = true;
    printk("db: isolation check: %u of %u attempts as they must be\n", tries - wrong, tries);
    return wrong;
}

unsigned int platform_isolation_check_vm(struct platform *p, struct vm *vm)
{
    const struct xenops *xen = p->xen;
    struct xen_domctl_getdomaininfo info;

    if (vm->state != VM_RUNNING || !(vm->relabelled || p->build_rights_dropped))
        return 0;
    p->isolation_wrong += isolation_line("getdomaininfo", vm->domid, vm->name,
                                         xenops_domain_info(xen, vm->domid, &info), false);
    p->isolation_wrong += isolation_line(
        p->build_rights_dropped ? "mapping its start_info frame"
                                : "mapping its start_info frame after the relabel",
        vm->domid, vm->name, isolation_map(xen, vm->domid, mfn_x(vm->result.start_info_mfn)), true);
    return 2;
}

uint64_t platform_settled_xen_free(struct platform *p, uint64_t at_least)
{
    const struct xenops *xen = p->xen;
    uint64_t xen_free = 0, last = 0;

    /* Xen frees a domain's last structures after an RCU grace period, a
     * little after getdomaininfo stops listing it: let the figure reach
     * at_least, or stop changing, for at most about a second. */
    for (int i = 0; i < 200; i++) {
        if (xenops_physinfo(xen, &xen_free, NULL) != 0)
            break;
        if (at_least ? xen_free >= at_least : i >= 4 && xen_free == last)
            break;
        last = xen_free;
        xen->evtchn_poll(xen->ctx, NULL, 0, 5000000ULL);
    }
    return xen_free;
}

/* Other VMs holding a domain (built, running or stopped, not yet gone). */
static unsigned int platform_others_held(const struct platform *p, const struct vm *vm)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < p->nr_vms; i++) {
        const struct vm *o = &p->vms[i];

        if (o != vm && (o->state == VM_BUILT || o->state == VM_RUNNING || o->state == VM_STOPPED))
            n++;
    }
    return n;
}

/*
 * A VM with devices is built again: wait until its last domain is gone and
 * prove that it left nothing behind, in the store (its device directories,
 * its per-domain nodes), in Xen (pages a backend still maps keep a dying
 * domain's memory) or in the builder. The first time sets the baseline;
 * each later one is compared with it, unless other VMs came or went in
 * between (then their nodes and memory would be blamed on this one).
 */
static void platform_restart_leftovers(struct platform *p, struct vm *vm, domid_t prev)
{
    const struct xenops *xen = p->xen;
    uint64_t xen_free, builder_free;
    unsigned int others = platform_others_held(p, vm);
    uint32_t nodes;

    vm_wait_gone(xen, prev);
    xen_free = platform_settled_xen_free(p, vm->gone_marked ? vm->gone_xen_free : 0);
    nodes = p->store.used_nodes;
    builder_free = xen->scratch_free_pages(xen->ctx);
    if (!vm->gone_marked) {
        vm->gone_marked = true;
        vm->gone_nodes = nodes;
        vm->gone_xen_free = xen_free;
        vm->gone_builder_free = builder_free;
        vm->gone_others = others;
        printk("db: vm '%s' (domid %u) is gone: xenstore nodes %u, Xen free pages %lu, builder "
               "free pages %lu (what its next incarnations must leave)\n",
               vm->name, prev, nodes, xen_free, builder_free);
    } else if (others != vm->gone_others) {
        printk("db: vm '%s' (domid %u) is gone: xenstore nodes %u, Xen free pages %lu, builder "
               "free pages %lu (not compared: %u other VMs then, %u now)\n",
               vm->name, prev, nodes, xen_free, builder_free, vm->gone_others, others);
    } else {
        bool same = nodes == vm->gone_nodes && xen_free == vm->gone_xen_free &&
                    builder_free == vm->gone_builder_free;

        printk("db: vm '%s' (domid %u) is gone: xenstore nodes %u, Xen free pages %lu, builder "
               "free pages %lu: %s\n",
               vm->name, prev, nodes, xen_free, builder_free,
               same ? "the same as after its first incarnation"
                    : "DIFFERENT from after its first incarnation");
        if (!same)
            printk("db: vm '%s': after its first incarnation: xenstore nodes %u, Xen free pages "
                   "%lu, builder free pages %lu\n",
                   vm->name, vm->gone_nodes, vm->gone_xen_free, vm->gone_builder_free);
    }
}

/* on_exit = "restart": build it again from the same spec and images and
 * start it. Boot-set VMs and VMs built on a client's request alike: the new
 * domain (a new domid, as with xl) keeps the owner, and if it is a db-server
 * client, the VMs it built. */
void platform_restart(struct platform *p, struct vm *vm)
{
    static struct vm_config cfg; /* vm_build clears *vm; builds run one at a time */
    const void *kernel = vm->kernel_image, *ramdisk = vm->ramdisk_image;
    size_t kernel_size = vm->kernel_image_size, ramdisk_size = vm->ramdisk_image_size;
    unsigned int restarts = vm->restarts + 1;
    unsigned int quick = vm->quick_restarts;
    domid_t owner = vm->owner, prev = vm->domid;
    unsigned int prev_reason = vm->shutdown_reason;
    /* The first domain of the line, which a client may still ask about. */
    domid_t first = vm->restarts ? vm->first_domid : prev;
    unsigned int first_reason = vm->restarts ? vm->first_reason : prev_reason;
    struct vm_build_opts opts;

    if (!kernel) {
        printk("db: vm '%s' cannot be built again: its images were given back to Xen after boot "
               "(domb.keep_images=1 on db-boot's command line keeps them)\n",
               vm->name);
        return;
    }
    /* Like xl, refuse to loop on a guest that keeps stopping at once: after
     * VM_QUICK_RESTARTS exits in a row within VM_QUICK_EXIT_NS of starting,
     * give up. A longer run starts the count again. */
    if (xenops_now_ns(p->xen) - vm->started_ns >= VM_QUICK_EXIT_NS)
        quick = 0;
    else if (++quick > VM_QUICK_RESTARTS) {
        printk("db: vm '%s' stops too soon after every start: giving up restarting it\n", vm->name);
        return;
    }
    bool gone_marked = vm->gone_marked;
    uint32_t gone_nodes = vm->gone_nodes;
    uint64_t gone_xen_free = vm->gone_xen_free, gone_builder_free = vm->gone_builder_free;
    unsigned int gone_others = vm->gone_others;

    /* A fixed domid is free again only once the old domain is gone (Xen
     * keeps the id while it dies). */
    if (vm->config.nr_devices) {
        platform_restart_leftovers(p, vm, prev);
        gone_marked = vm->gone_marked;
        gone_nodes = vm->gone_nodes;
        gone_xen_free = vm->gone_xen_free;
        gone_builder_free = vm->gone_builder_free;
        gone_others = vm->gone_others;
    } else if (vm->config.domid)
        vm_wait_gone(p->xen, prev);

    cfg = vm->config;
    platform_build_opts(p, &opts);
    if (p->builder_domid == prev)
        p->builder_domid = DOMID_INVALID; /* a restarted builder gets VIRQ_DOM_EXC again */
    if (vm_build(vm, &cfg, kernel, kernel_size, ramdisk, ramdisk_size, &opts) == 0) {
        char marker[32];

        if (platform_builder_role(p, vm) != 0) {
            vm_destroy(vm);
            vm->state = VM_FAILED;
        }

        /* Tell the new incarnation which one it is (docs/config.md): a
         * guest may act on it, Linux takes a dotted parameter it does not
         * know for a module's and ignores it. */
        domb_snprintf(marker, sizeof(marker), "domb.restart=%u", restarts);
        if (vm_append_cmdline(vm, marker) != 0)
            printk("db: vm '%s': no room for %s on its command line\n", vm->name, marker);
    }
    if (vm->state == VM_BUILT && vm_unpause(vm) == 0) {
        printk("db: vm '%s' restarted (restart %u): domid %u\n", vm->name, restarts, vm->domid);
        /* A restarted db-server client keeps managing the VMs it built. */
        for (unsigned int i = 0; i < p->nr_vms; i++)
            if (p->vms[i].owner == prev)
                p->vms[i].owner = vm->domid;
    } else
        printk("db: vm '%s' could not be restarted: %s\n", vm->name, vm->error.msg);
    vm->owner = owner;
    vm->prev_domid = prev;
    vm->prev_reason = prev_reason;
    vm->first_domid = first;
    vm->first_reason = first_reason;
    vm->restarts = restarts;
    vm->quick_restarts = quick;
    vm->gone_marked = gone_marked;
    vm->gone_nodes = gone_nodes;
    vm->gone_xen_free = gone_xen_free;
    vm->gone_builder_free = gone_builder_free;
    vm->gone_others = gone_others;
}

/*
 * What a stopped VM's lifecycle says for how it stopped (xl's on_poweroff,
 * on_reboot, on_crash, on_watchdog, on_soft_reset, or on_exit for all;
 * xl's handle_domain_death). A suspended domain is left alone, as xl
 * leaves it; one that someone else destroyed did not stop and is not
 * restarted.
 */
static enum vm_on_exit platform_action(const struct vm *vm)
{
    bool leave = false;
    enum vm_on_exit action;

    if (vm->shutdown_reason == VM_SHUTDOWN_GONE)
        return vm->config.on_exit == VM_ON_EXIT_PRESERVE ? VM_ON_EXIT_PRESERVE : VM_ON_EXIT_DESTROY;
    action = vm_config_action(&vm->config, vm->shutdown_reason, &leave);
    if (leave)
        action = VM_ON_EXIT_PRESERVE;
    printk("db: vm '%s' (domid %u) %s: %s\n", vm->name, vm->domid,
           vm_shutdown_name(vm->shutdown_reason), vm_on_exit_name(action));
    return action;
}

/*
 * rename-restart: keep the stopped domain, as xl's preserve_domain does,
 * under the name NAME-DOMID in a record of its own (xl adds the time; domB
 * has no clock worth printing), and let the caller build a new one into
 * the VM's record. With no record free, the domain is destroyed instead.
 */
static void platform_keep_renamed(struct platform *p, struct vm *vm)
{
    struct vm *kept = platform_new_vm(p);

    if (!kept) {
        printk("db: vm '%s' (domid %u): no record free to keep it renamed: destroying it\n",
               vm->name, vm->domid);
        vm_release(vm);
        return;
    }
    *kept = *vm;
    domb_snprintf(kept->name, sizeof(kept->name), "%.48s-%u", vm->name, vm->domid);
    printk("db: vm '%s' (domid %u) kept as '%s'\n", vm->name, vm->domid, kept->name);
}

static bool pending(const struct platform *p, evtchn_port_t port)
{
    return p->xen->evtchn_pending(p->xen->ctx, port);
}

void platform_xenstore_pending(struct platform *p)
{
    for (struct xs_conn *c = xs_store_next_pending(&p->store, NULL); c;
         c = xs_store_next_pending(&p->store, c)) {
        for (unsigned int i = 0; i < p->nr_vms; i++)
            if (p->vms[i].xs.conn == c)
                vm_xenstore_service(&p->vms[i]);
    }
}

/* A guest whose driver domain's hotplug side failed one of its devices
 * (a bridge it lacks, a disk target that does not exist) fails as xl create
 * fails: reported under its name and destroyed; the others go on. */
static void platform_check_devices(struct platform *p, unsigned int i)
{
    struct vm *vm = &p->vms[i];
    struct domb_error err;

    if (!vm->devenv || vm->state != VM_RUNNING ||
        devices_check(vm->devenv, vm->name, vm->domid, &vm->config, vm->devlinks, &err) >= 0)
        return;
    printk("db: vm '%s' (domid %u) FAILED: %s\n", vm->name, vm->domid, err.msg);
    vm_destroy(vm);
    vm->state = VM_FAILED;
    vm->error = err;
    if (i < p->set.nr_vms)
        p->failed++;
    platform_orphan(p, vm->domid);
}

void platform_handle_events(struct platform *p)
{
    /* With VIRQ_DOM_EXC delegated to the xenstore domain we are not told
     * when a domain stops: look every time round. As an ordinary domain we
     * are told only if our builder made us VIRQ_DOM_EXC's handler (db-boot
     * does): look at least every PLATFORM_POLL_NS as well. */
    bool dom_exc = pending(p, p->virq_port) || p->virq_delegated;

    if (p->domu && !dom_exc) {
        uint64_t now = xenops_now_ns(p->xen);

        if (now >= p->next_exit_poll) {
            dom_exc = true;
            p->next_exit_poll = now + PLATFORM_POLL_NS;
        }
    }

    for (unsigned int i = 0; i < p->nr_vms; i++) {
        struct vm *vm = &p->vms[i];

        if (vm->state != VM_RUNNING)
            continue;
        if (vm->relay && pending(p, vm->console.port)) {
            relay_drain(&vm->console);
            platform_bench_output(p, i);
        }
        if (vm->xs.conn && pending(p, vm->xs.port))
            vm_xenstore_service(vm);
        platform_check_devices(p, i);
        if (vm->state == VM_RUNNING && dom_exc && vm_poll_exit(vm)) {
            domid_t gone = vm->domid;
            enum vm_on_exit action = platform_action(vm);

            platform_bench_output(p, i);
            if (action == VM_ON_EXIT_RENAME_RESTART)
                platform_keep_renamed(p, vm);
            else if (action != VM_ON_EXIT_PRESERVE)
                vm_release(vm);
            if (action == VM_ON_EXIT_RESTART || action == VM_ON_EXIT_RENAME_RESTART)
                platform_restart(p, vm);
            /* Its domid is free unless it is preserved or restarted under
             * the same (fixed) domid; a restart has handed its VMs on. */
            if (vm->state != VM_STOPPED && !(vm->state == VM_RUNNING && vm->domid == gone))
                platform_orphan(p, gone);
        }
    }
    platform_xenstore_pending(p);
    if (p->shell)
        shell_poll(p->shell);
}

void platform_orphan(struct platform *p, domid_t domid)
{
    for (unsigned int i = 0; i < p->nr_vms; i++)
        if (p->vms[i].owner == domid && domid != DOMID_SELF)
            p->vms[i].owner = DOMID_INVALID;
}

unsigned int platform_running(const struct platform *p)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < p->nr_vms; i++)
        if (p->vms[i].state == VM_RUNNING)
            n++;
    return n;
}

struct vm *platform_new_vm(struct platform *p)
{
    /* Reuse the slot of a VM that is gone, else take a new one. */
    for (unsigned int i = p->set.nr_vms; i < p->nr_vms; i++)
        if (p->vms[i].state == VM_DESTROYED || p->vms[i].state == VM_EMPTY ||
            p->vms[i].state == VM_FAILED)
            return &p->vms[i];
    if (p->nr_vms == PLATFORM_MAX_VMS)
        return NULL;
    return &p->vms[p->nr_vms++];
}

bool platform_report(const struct platform *p, const char *who)
{
    unsigned int crashed = 0;

    vm_print_summary(p->vms, p->nr_vms);
    /* Abnormal: stopped other than by a poweroff, or stopped and could not
     * be restarted (its build failed: state VM_FAILED after a restart). */
    for (unsigned int i = 0; i < p->nr_vms; i++)
        if (((p->vms[i].state == VM_STOPPED || p->vms[i].state == VM_DESTROYED) &&
             p->vms[i].shutdown_reason != SHUTDOWN_poweroff &&
             p->vms[i].shutdown_reason != VM_SHUTDOWN_DESTROYED) ||
            (p->vms[i].state == VM_FAILED && p->vms[i].restarts > 0))
            crashed++;
    printk("%s: done: %u built, %u failed, %u exited abnormally; %lu hypercalls in all\n", who,
           p->set.nr_vms - p->failed, p->failed, crashed, p->xen->hypercalls(p->xen->ctx));
    return p->failed == 0 && crashed == 0;
}

void platform_run(struct platform *p)
{
    static evtchn_port_t ports[PLATFORM_POLL_MAX];
    bool forever = p->set.manifest.when_done == MANIFEST_DONE_STAY;

    if (p->set.manifest.when_done == MANIFEST_DONE_SHUTDOWN)
        return;
    while (forever || platform_running(p) > 0) {
        unsigned int n = platform_ports(p, ports, PLATFORM_POLL_MAX);

        p->xen->evtchn_poll(p->xen->ctx, ports, n, PLATFORM_POLL_NS);
        platform_handle_events(p);
        if (!forever)
            platform_wind_down(p);
        else
            platform_stay_report(p, "db-boot");
    }
}

void platform_stay_report(struct platform *p, const char *who)
{
    if (platform_running(p) > 0) {
        p->stay_reported = false;
        return;
    }
    if (p->stay_reported)
        return;
    p->stay_reported = true;
    printk("%s: every VM has stopped; staying up (--when-done stay): domb-run --timeout or the "
           "shell ends the run\n",
           who);
    vm_print_summary(p->vms, p->nr_vms);
}

/* Running VMs that are not driver domains. */
static unsigned int platform_running_guests(const struct platform *p)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < p->nr_vms; i++)
        if (p->vms[i].state == VM_RUNNING && !p->vms[i].config.driver_domain)
            n++;
    return n;
}

void platform_wind_down(struct platform *p)
{
    uint64_t now;

    if (platform_running(p) == 0 || platform_running_guests(p) > 0)
        return;
    now = xenops_now_ns(p->xen);
    if (!p->wind_down_ns) {
        /* Only driver domains are left, serving nobody: ask them to power
         * off, as xl shutdown does (control/shutdown). */
        p->wind_down_ns = now + PLATFORM_WIND_DOWN_NS;
        for (unsigned int i = 0; i < p->nr_vms; i++) {
            struct vm *vm = &p->vms[i];

            if (vm->state != VM_RUNNING)
                continue;
            printk("db: vm '%s' serves no running VM: asking it to power off\n", vm->name);
            vm_request_shutdown(vm, "poweroff");
        }
        platform_xenstore_pending(p);
        return;
    }
    if (now < p->wind_down_ns)
        return;
    for (unsigned int i = 0; i < p->nr_vms; i++) {
        struct vm *vm = &p->vms[i];

        if (vm->state != VM_RUNNING)
            continue;
        printk("db: vm '%s' did not power off in %llu s: destroying it\n", vm->name,
               PLATFORM_WIND_DOWN_NS / 1000000000ULL);
        vm_destroy(vm);
        vm->shutdown_reason = VM_SHUTDOWN_GONE;
    }
}
