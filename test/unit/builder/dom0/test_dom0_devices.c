/* vif and vbd wiring against the simulated hypervisor: libxl's entries and permissions, hotplug
 * results, teardown. */
#include "domb_test.h"

#include "dom0_fixture.h"

#include <dom0/devices.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELAY MANIFEST_FLAG_CONSOLE_RELAY

static struct dfx *f;
static struct dfx_bootset *b;

/* What the simulated driver domain's hotplug side does. */
enum dd_mode {
    DD_CONNECT,     /* hotplug-status connected (vif), physical-device (vbd) */
    DD_FAIL_VIF,    /* a vif's hotplug fails: no such bridge */
    DD_SILENT,      /* never answers anything (no backend driver) */
    DD_NEVER_CLOSE, /* connects, but never reaches Closed */
    DD_KEEPS_DIR,   /* closes, but leaves its backend directory (not xl devd) */
    DD_SLOW_REMOVE, /* xl devd on a loaded machine: removes 30 s after Closed */
};

#define DD_SLOW_REMOVE_NS (30ULL * 1000000000ULL)

static struct {
    enum dd_mode mode;
    domid_t domid;
    unsigned int closed;  /* backends it moved to Closed */
    unsigned int removed; /* backend directories it removed (as xl devd does) */
    uint64_t closed_at;   /* sim time of the last Closed (DD_SLOW_REMOVE) */
} dd;

static int setup(void **state)
{
    (void)state;
    f = dfx_create(NULL);
    memset(&dd, 0, sizeof(dd));
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

/* ---- the store, as dom0 sees it ---- */

static struct xs_store *store(void)
{
    return &f->p->store;
}

/* The value of path (as domain `as`), or NULL when it cannot be read. */
static const char *xs_get_as(domid_t as, const char *path)
{
    static char buf[256];

    if (strlen(path) >= 256)
        fail_msg("path too long: %s", path);
    const char *v;
    uint32_t len;

    if (xs_store_read(store(), as, path, &v, &len, NULL) != 0)
        return NULL;
    assert_true(len < sizeof(buf));
    memcpy(buf, v, len);
    buf[len] = '\0';
    return buf;
}

static const char *xs_get(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *xs_get(const char *fmt, ...)
{
    char path[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return xs_get_as(0, path);
}

static void assert_node(const char *path, const char *want)
{
    const char *v = xs_get_as(0, path);

    if (!v)
        fail_msg("%s: absent, want \"%s\"", path, want);
    if (strcmp(v, want) != 0)
        fail_msg("%s = \"%s\", want \"%s\"", path, v, want);
}

/* The children of dir, NUL-separated, and their count. */
static unsigned int children(const char *dir, char *buf, size_t size)
{
    uint32_t len = 0;
    bool complete;
    uint64_t gen;
    unsigned int n = 0;

    if (xs_store_directory(store(), 0, dir, 0, buf, (uint32_t)size, &len, &complete, &gen, NULL))
        return 0;
    for (uint32_t i = 0; i < len; i++)
        n += buf[i] == '\0';
    return n;
}

/* Exactly these keys (and values) under dir, in this order. */
static void assert_dir(const char *dir, const char *const *kv)
{
    char names[2048];
    unsigned int n = children(dir, names, sizeof(names)), want = 0;
    const char *name = names;

    for (; kv[2 * want]; want++) {
        char path[2400];

        if (want >= n)
            fail_msg("%s: has %u keys, the %u-th should be %s", dir, n, want + 1, kv[2 * want]);
        if (strcmp(name, kv[2 * want]) != 0)
            fail_msg("%s: key %u is %s, want %s", dir, want + 1, name, kv[2 * want]);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_node(path, kv[2 * want + 1]);
        name += strlen(name) + 1;
    }
    if (n != want)
        fail_msg("%s: %u keys, want %u (extra: %s)", dir, n, want, name);
}

static void assert_perms(const char *path, domid_t owner, uint8_t other, domid_t reader,
                         uint8_t reader_perm)
{
    struct xs_perm perms[XS_PERMS_MAX];
    unsigned int n = XS_PERMS_MAX;

    assert_int_equal(xs_store_get_perms(store(), 0, path, perms, &n, NULL), 0);
    if (n != 2 || perms[0].domid != owner || perms[0].perm != other || perms[1].domid != reader ||
        perms[1].perm != reader_perm)
        fail_msg("%s: perms n=%u [%u:%u, %u:%u], want [%u:%u, %u:%u]", path, n, perms[0].domid,
                 perms[0].perm, n > 1 ? perms[1].domid : 0, n > 1 ? perms[1].perm : 0, owner, other,
                 reader, reader_perm);
}

/* ---- the simulated driver domain: its backends' side of xenbus ---- */

static void dd_write(const char *dir, const char *key, const char *value)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    assert_int_equal(xs_store_write(store(), dd.domid, path, value, (uint32_t)strlen(value), NULL),
                     0);
}

static void dd_backend(const char *dir, bool vif)
{
    const char *state = xs_get("%s/state", dir);

    if (!state || dd.mode == DD_SILENT)
        return;
    if (strcmp(state, "1") == 0) {
        dd_write(dir, "state", "2"); /* the backend driver probed it: InitWait */
        if (vif && dd.mode == DD_FAIL_VIF) {
            dd_write(dir, "hotplug-error", "bridge xenbr9 does not exist");
            dd_write(dir, "hotplug-status", "error");
        } else if (vif) {
            dd_write(dir, "hotplug-status", "connected");
        } else {
            dd_write(dir, "physical-device", "7:0");
            dd_write(dir, "hotplug-status", "connected");
        }
    } else if (strcmp(state, "5") == 0 && dd.mode != DD_NEVER_CLOSE) {
        dd_write(dir, "state", "6");
        dd.closed++;
        dd.closed_at = sim_now(f->sim);
    } else if (strcmp(state, "6") == 0 && dd.mode != DD_KEEPS_DIR) {
        const char *online = xs_get("%s/online", dir);

        /* xl devd: at Closed with online 0, the script's remove, then the
         * backend directory goes (the driver domain owns it). */
        if (dd.mode == DD_SLOW_REMOVE && sim_now(f->sim) - dd.closed_at < DD_SLOW_REMOVE_NS)
            return;
        if (online && strcmp(online, "0") == 0) {
            assert_int_equal(xs_store_rm(store(), dd.domid, dir, NULL), 0);
            dd.removed++;
        }
    }
}

static void dd_world(struct dfx *fx, void *arg)
{
    static const char *const kinds[] = {"vif", "vbd"};

    (void)arg;
    if (!fx->p || !dd.domid)
        return;
    for (unsigned int k = 0; k < 2; k++) {
        char dir[128], fronts[512], devs[512];
        unsigned int nf;
        const char *fe;

        snprintf(dir, sizeof(dir), "/local/domain/%u/backend/%s", dd.domid, kinds[k]);
        nf = children(dir, fronts, sizeof(fronts));
        fe = fronts;
        for (unsigned int i = 0; i < nf; i++, fe += strlen(fe) + 1) {
            char fdir[768];
            unsigned int nd;
            const char *dev = devs;

            snprintf(fdir, sizeof(fdir), "%s/%s", dir, fe);
            nd = children(fdir, devs, sizeof(devs));
            for (unsigned int j = 0; j < nd; j++, dev += strlen(dev) + 1) {
                char ddir[1300];

                snprintf(ddir, sizeof(ddir), "%s/%s", fdir, dev);
                dd_backend(ddir, k == 0);
            }
        }
    }
}

/* ---- configs ---- */

static void config_dd(struct vm_config *cfg)
{
    dfx_config(cfg, "dd", "k.elf", 16);
    cfg->driver_domain = true;
}

static void add_vif(struct vm_config *cfg, uint32_t devid, const char *bridge)
{
    struct vm_device *d = &cfg->devices[cfg->nr_devices++];
    static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x12, 0x34, 0x56};

    memset(d, 0, sizeof(*d));
    d->kind = VM_DEVICE_VIF;
    d->devid = devid;
    strcpy(d->backend, "dd");
    memcpy(d->vif.mac, mac, 6);
    d->vif.mac[5] = (uint8_t)(0x56 + devid);
    snprintf(d->vif.bridge, sizeof(d->vif.bridge), "%s", bridge);
    strcpy(d->vif.script, "vif-bridge");
}

static void add_disk(struct vm_config *cfg, const char *vdev, uint32_t number, bool writable,
                     const char *target)
{
    struct vm_device *d = &cfg->devices[cfg->nr_devices++];

    memset(d, 0, sizeof(*d));
    d->kind = VM_DEVICE_VBD;
    d->devid = number;
    strcpy(d->backend, "dd");
    snprintf(d->disk.vdev, sizeof(d->disk.vdev), "%s", vdev);
    d->disk.virtual_device = number;
    d->disk.writable = writable;
    snprintf(d->disk.target, sizeof(d->disk.target), "%s", target);
}

/* A boot set: web (a vif and an rw disk) listed before its driver domain. */
static void boot_web_and_dd(enum vm_on_exit web_exit, unsigned int web_poweroff_at)
{
    struct vm_config cfg;
    static struct dfx_action script[2];

    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_kernel(b, "k.elf");
    dfx_config(&cfg, "web", "k.elf", 16);
    cfg.on_exit = web_exit;
    add_vif(&cfg, 0, "xenbr0");
    add_disk(&cfg, "xvda", 51712, true, "/srv/web.img");
    dfx_bootset_vm(b, &cfg);
    config_dd(&cfg);
    dfx_bootset_vm(b, &cfg);
    memset(script, 0, sizeof(script));
    if (web_poweroff_at)
        script[0] = (struct dfx_action){"web", web_poweroff_at, DFX_SHUTDOWN,
                                        .reason = SHUTDOWN_poweroff, .incarnation = 1};
    dfx_script(f, script);
    f->world_hook = dd_world;
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    dd.domid = dfx_vm(f, "dd")->domid;
}

/* ---- the tests ---- */

/* The entries of a vif, key by key in libxl's order, and their perms. */
static void vif_entries_are_libxls(void **state)
{
    char back[128], front[128], mirror[128], want_be[16], want_fe_id[16], be_path[128];
    struct vm *web;
    domid_t w;

    (void)state;
    boot_web_and_dd(VM_ON_EXIT_DESTROY, 0);
    web = dfx_vm(f, "web");
    assert_int_equal(web->state, VM_RUNNING);
    w = web->domid;
    assert_true(w != dd.domid);
    /* The driver domain was built first although listed second. */
    assert_true(dd.domid < w);
    snprintf(back, sizeof(back), "/local/domain/%u/backend/vif/%u/0", dd.domid, w);
    snprintf(front, sizeof(front), "/local/domain/%u/device/vif/0", w);
    snprintf(mirror, sizeof(mirror), "/libxl/%u/device/vif/0", w);
    snprintf(want_be, sizeof(want_be), "%u", dd.domid);
    snprintf(want_fe_id, sizeof(want_fe_id), "%u", w);
    snprintf(be_path, sizeof(be_path), "%s", back);
    /* Before the driver domain runs its side: the state libxl leaves. */
    {
        const char *const kv[] = {"frontend",
                                  front,
                                  "frontend-id",
                                  want_fe_id,
                                  "online",
                                  "1",
                                  "state",
                                  "1",
                                  "script",
                                  "/etc/xen/scripts/vif-bridge",
                                  "mac",
                                  "00:16:3e:12:34:56",
                                  "bridge",
                                  "xenbr0",
                                  "handle",
                                  "0",
                                  "type",
                                  "vif",
                                  "hotplug-status",
                                  "",
                                  NULL};
        assert_dir(back, kv);
    }
    {
        /* libxl's fents, then its ro_fents (mtu). */
        const char *const kv[] = {"backend", be_path,  "backend-id", want_be, "state",
                                  "1",       "handle", "0",          "mac",   "00:16:3e:12:34:56",
                                  "trusted", "1",      "mtu",        "1500",  NULL};
        assert_node(front, "");
        assert_dir(front, kv);
    }
    {
        const char *const kv[] = {"frontend",
                                  front,
                                  "backend",
                                  be_path,
                                  "frontend-id",
                                  want_fe_id,
                                  "online",
                                  "1",
                                  "state",
                                  "1",
                                  "script",
                                  "/etc/xen/scripts/vif-bridge",
                                  "mac",
                                  "00:16:3e:12:34:56",
                                  "bridge",
                                  "xenbr0",
                                  "handle",
                                  "0",
                                  "type",
                                  "vif",
                                  "hotplug-status",
                                  "",
                                  NULL};
        assert_dir(mirror, kv);
    }
    /* libxl__device_generic_add's permissions. */
    assert_perms(front, w, XS_PERM_NONE, dd.domid, XS_PERM_READ);
    {
        char mac[160], mtu[160];

        snprintf(mac, sizeof(mac), "%s/mac", front);
        snprintf(mtu, sizeof(mtu), "%s/mtu", front);
        assert_perms(mac, w, XS_PERM_NONE, dd.domid, XS_PERM_READ);
        assert_perms(mtu, dd.domid, XS_PERM_NONE, w, XS_PERM_READ);
    }
    assert_perms(back, dd.domid, XS_PERM_NONE, w, XS_PERM_READ);
    /* Who can see what: the guest reads its backend but cannot change it,
     * nobody else reads either side, the mirror is dom0's. */
    {
        char path[160];

        snprintf(path, sizeof(path), "%s/bridge", back);
        assert_non_null(xs_get_as(w, path));
        assert_int_not_equal(xs_store_write(store(), w, path, "evil", 4, NULL), 0);
        assert_null(xs_get_as((domid_t)(w + 1), path));
        snprintf(path, sizeof(path), "%s/mac", front);
        assert_non_null(xs_get_as(dd.domid, path));
        assert_int_not_equal(xs_store_write(store(), dd.domid, path, "x", 1, NULL), 0);
        snprintf(path, sizeof(path), "%s/bridge", mirror);
        assert_null(xs_get_as(w, path));
        assert_null(xs_get_as(dd.domid, path));
    }
    dfx_teardown(f);
    f = NULL;
}

static void vbd_entries_are_libxls(void **state)
{
    char back[128], front[128], be_path[128], want_be[16], want_fe_id[16];
    domid_t w;

    (void)state;
    boot_web_and_dd(VM_ON_EXIT_DESTROY, 0);
    w = dfx_vm(f, "web")->domid;
    snprintf(back, sizeof(back), "/local/domain/%u/backend/vbd/%u/51712", dd.domid, w);
    snprintf(front, sizeof(front), "/local/domain/%u/device/vbd/51712", w);
    snprintf(be_path, sizeof(be_path), "%s", back);
    snprintf(want_be, sizeof(want_be), "%u", dd.domid);
    snprintf(want_fe_id, sizeof(want_fe_id), "%u", w);
    {
        const char *const kv[] = {"frontend",
                                  front,
                                  "params",
                                  "/srv/web.img",
                                  "script",
                                  "/etc/xen/scripts/block",
                                  "frontend-id",
                                  want_fe_id,
                                  "online",
                                  "1",
                                  "removable",
                                  "0",
                                  "bootable",
                                  "1",
                                  "state",
                                  "1",
                                  "dev",
                                  "xvda",
                                  "type",
                                  "phy",
                                  "mode",
                                  "w",
                                  "device-type",
                                  "disk",
                                  "discard-enable",
                                  "1",
                                  "specification",
                                  "xen",
                                  NULL};
        assert_dir(back, kv);
    }
    {
        const char *const kv[] = {
            "backend",        be_path,      "backend-id",  want_be, "state",   "1",
            "virtual-device", "51712",      "device-type", "disk",  "trusted", "1",
            "protocol",       "x86_64-abi", NULL};
        assert_dir(front, kv);
    }
    assert_perms(front, w, XS_PERM_NONE, dd.domid, XS_PERM_READ);
    assert_perms(back, dd.domid, XS_PERM_NONE, w, XS_PERM_READ);
    dfx_teardown(f);
    f = NULL;
}

/* The guest powers off: its backends are told to close, reach Closed, and
 * every node the devices made is gone; the driver domain, serving nobody,
 * is asked to power off; nothing leaks. */
static void teardown_restores_the_store(void **state)
{
    char dir[128];
    uint32_t before_guest;

    (void)state;
    boot_web_and_dd(VM_ON_EXIT_DESTROY, 4);
    /* Let the world connect the devices. */
    for (int i = 0; i < 3; i++) {
        evtchn_port_t port = f->p->virq_port;

        f->xen->evtchn_poll(f->xen->ctx, &port, 1, 1000000);
        platform_handle_events(f->p);
    }
    assert_int_equal(dfx_console_count("db: vm 'web': vif 0 ready in 'dd' (bridge xenbr0)"), 1);
    assert_int_equal(
        dfx_console_count(
            "db: vm 'web': disk xvda ready in 'dd' (/srv/web.img, physical-device 7:0)"),
        1);
    /* What the store held with the driver domain alone, less the guest: a
     * guest's own nodes come and go with it. */
    before_guest = store()->used_nodes;
    platform_run(f->p);
    assert_int_equal(dd.closed, 2);
    snprintf(dir, sizeof(dir), "/local/domain/%u/backend/vif", dd.domid);
    assert_null(xs_get_as(0, dir));
    snprintf(dir, sizeof(dir), "/local/domain/%u/backend/vbd", dd.domid);
    assert_null(xs_get_as(0, dir));
    assert_null(xs_get("/libxl/%u/device", dfx_vm(f, "web")->domid));
    assert_true(store()->used_nodes < before_guest);
    assert_int_equal(dfx_console_count("db: vm 'dd' serves no running VM: asking it to power off"),
                     1);
    assert_int_equal(dfx_console_count("did not close it"), 0);
    dfx_teardown(f);
    f = NULL;
}

/* The same guest built and destroyed 20 times: the store's node count and
 * Xen's free memory come back to where they were each time. */
static void build_destroy_cycles_leave_nothing(void **state)
{
    struct vm_config cfg;
    struct vm_build_opts opts;
    uint32_t nodes;
    uint64_t free_before;
    unsigned int closed, removed;

    (void)state;
    boot_web_and_dd(VM_ON_EXIT_DESTROY, 0);
    cfg = dfx_vm(f, "web")->config;
    assert_int_equal(vm_destroy(dfx_vm(f, "web")), 0);
    dfx_settle(f);
    nodes = store()->used_nodes;
    free_before = sim_free_frames(f->sim);
    closed = dd.closed;
    removed = dd.removed;
    for (int i = 0; i < 20; i++) {
        struct vm *vm = platform_new_vm(f->p);

        platform_build_opts(f->p, &opts);
        assert_int_equal(vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &opts), 0);
        assert_int_equal(vm_unpause(vm), 0);
        for (int k = 0; k < 2; k++) {
            evtchn_port_t port = f->p->virq_port;

            f->xen->evtchn_poll(f->xen->ctx, &port, 1, 1000000);
            platform_handle_events(f->p);
        }
        assert_int_equal(vm_destroy(vm), 0);
        dfx_settle(f);
        assert_int_equal(store()->used_nodes, nodes);
        assert_int_equal(sim_free_frames(f->sim), free_before);
    }
    /* Every cycle's two backends closed through the handshake, and the
     * driver domain removed their directories itself, as xl devd does. */
    assert_int_equal(dd.closed - closed, 2 * 20);
    assert_int_equal(dd.removed - removed, 2 * 20);
    assert_int_equal(dfx_console_count("did not remove its backend directory"), 0);
    dfx_teardown(f);
    f = NULL;
}

/* A guest with devices rebuilt by its lifecycle (on_reboot = "restart"):
 * each restart waits until the old domain is gone and shows that it left
 * nothing behind, the same store nodes and free pages as after its first
 * incarnation; a node that something left meanwhile shows as DIFFERENT. */
static void leak(struct dfx *fx, struct vm *vm, void *arg)
{
    (void)fx, (void)vm, (void)arg;
    assert_int_equal(xs_store_write(store(), 0, "/local/domain/1/leftover", "x", 1, NULL), 0);
}

static void restart_run(bool with_leak)
{
    struct vm_config cfg;
    static struct dfx_action script[6];

    memset(script, 0, sizeof(script));
    for (unsigned int i = 0; i < 3; i++)
        script[i] = (struct dfx_action){"web", 6, DFX_SHUTDOWN, .reason = SHUTDOWN_reboot,
                                        .incarnation = i + 1};
    script[3] =
        (struct dfx_action){"web", 6, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff, .incarnation = 4};
    if (with_leak)
        script[4] = (struct dfx_action){"web", 2, DFX_CALL, .fn = leak, .incarnation = 3};
    b = dfx_bootset_new(MANIFEST_MODE_SEQUENCED, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_kernel(b, "k.elf");
    config_dd(&cfg);
    dfx_bootset_vm(b, &cfg);
    dfx_config(&cfg, "web", "k.elf", 16);
    cfg.on_exit = VM_ON_EXIT_DESTROY;
    cfg.on_reason_set = 1u << VM_REASON_REBOOT;
    cfg.on_reason[VM_REASON_REBOOT] = VM_ON_EXIT_RESTART;
    add_vif(&cfg, 0, "xenbr0");
    add_disk(&cfg, "xvda", 51712, true, "/srv/web.img");
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, script);
    f->world_hook = dd_world;
    dd.domid = 1; /* sequenced: the first VM gets domid 1 */
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    platform_run(f->p);
    dfx_assert_console_has("db: vm 'web' restarted (restart 3): domid 5");
    dfx_assert_console_has("db: vm 'web' (domid 2) is gone: xenstore nodes ");
    dfx_assert_console_has("(what its next incarnations must leave)");
    platform_report(f->p, "db-boot");
    assert_true(dfx_summary_has("web", "5", "exited: poweroff"));
}

static void restarts_show_nothing_left(void **state)
{
    (void)state;
    restart_run(false);
    assert_int_equal(dfx_console_count("is gone: xenstore nodes "), 3);
    assert_int_equal(dfx_console_count(": the same as after its first incarnation"), 2);
    assert_int_equal(dfx_console_count("DIFFERENT"), 0);
    dfx_teardown(f);
    f = NULL;
}

static void restarts_show_what_was_left(void **state)
{
    (void)state;
    restart_run(true);
    /* domid 3 went as the first did; a node was left during domid 4. */
    dfx_assert_console_has("db: vm 'web' (domid 3) is gone: ");
    assert_int_equal(dfx_console_count(": the same as after its first incarnation"), 1);
    assert_int_equal(dfx_console_count("(domid 4) is gone: "), 1);
    assert_int_equal(dfx_console_count("DIFFERENT from after its first incarnation"), 1);
    dfx_assert_console_has("db: vm 'web': after its first incarnation: xenstore nodes ");
    dfx_teardown(f);
    f = NULL;
}

/* The driver domain's hotplug side fails the vif: the guest fails under its
 * name and is destroyed; the driver domain and the others go on. */
static void hotplug_error_fails_only_that_guest(void **state)
{
    struct vm_config cfg;
    static const struct dfx_action script[] = {{"ok", 6, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
                                               {NULL}};

    (void)state;
    dd.mode = DD_FAIL_VIF;
    b = dfx_bootset_new(MANIFEST_MODE_SEQUENCED, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_kernel(b, "k.elf");
    config_dd(&cfg);
    dfx_bootset_vm(b, &cfg);
    dfx_config(&cfg, "web", "k.elf", 16);
    add_vif(&cfg, 0, "xenbr9");
    dfx_bootset_vm(b, &cfg);
    dfx_config(&cfg, "ok", "k.elf", 16);
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, script);
    f->world_hook = dd_world;
    dd.domid = 1; /* sequenced: the first VM gets domid 1 */
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(dfx_vm(f, "dd")->domid, 1);
    platform_run(f->p);
    assert_int_equal(
        dfx_console_count("FAILED: vif 0: the driver domain 'dd' failed it: bridge xenbr9 does "
                          "not exist"),
        1);
    assert_false(platform_report(f->p, "db-boot"));
    assert_true(dfx_summary_has("web", "2", "FAILED: vif 0: the driver domain 'dd' failed it"));
    assert_true(dfx_summary_has("ok", "3", "exited: poweroff"));
    assert_int_equal(f->p->failed, 1);
    assert_null(xs_get("/local/domain/1/backend/vif/2/0"));
    dfx_teardown(f);
    f = NULL;
}

/* Boot web and dd (in this mode), let dd probe web's backends, destroy web:
 * that costs the teardown's bound. Returns web's record. */
static struct vm *destroy_with_a_slow_driver_domain(enum dd_mode mode)
{
    evtchn_port_t port;
    struct vm *web;
    uint64_t t0;

    dd.mode = mode;
    boot_web_and_dd(VM_ON_EXIT_DESTROY, 0);
    web = dfx_vm(f, "web");
    port = f->p->virq_port;
    f->xen->evtchn_poll(f->xen->ctx, &port, 1, 1000000);
    platform_handle_events(f->p);
    t0 = sim_now(f->sim);
    assert_int_equal(vm_destroy(web), 0);
    assert_true(sim_now(f->sim) - t0 >= DEVICES_CLOSE_TIMEOUT_NS);
    return web;
}

/* A guest whose frontends closed before it went (Linux closes them when it
 * powers off): its backends are already Closed at teardown, and still the
 * driver domain's hotplug side removes their directories, not us (xl devd
 * runs `block remove` first, which reads them). */
static void backends_closed_before_teardown_are_left_to_their_driver_domain(void **state)
{
    char dir[128];
    struct vm *web;

    (void)state;
    boot_web_and_dd(VM_ON_EXIT_DESTROY, 0);
    web = dfx_vm(f, "web");
    {
        evtchn_port_t port = f->p->virq_port;

        f->xen->evtchn_poll(f->xen->ctx, &port, 1, 1000000);
        platform_handle_events(f->p);
    }
    snprintf(dir, sizeof(dir), "/local/domain/%u/backend/vif/%u/0", dd.domid, web->domid);
    dd_write(dir, "state", "6");
    snprintf(dir, sizeof(dir), "/local/domain/%u/backend/vbd/%u/51712", dd.domid, web->domid);
    dd_write(dir, "state", "6");
    assert_int_equal(vm_destroy(web), 0);
    assert_int_equal(dd.removed, 2);
    assert_int_equal(dfx_console_count("did not remove its backend directory"), 0);
    assert_null(xs_get("/local/domain/%u/backend/vif/%u/0", dd.domid, web->domid));
    dfx_teardown(f);
    f = NULL;
}

/* A driver domain that closes its backends but leaves their directories
 * (a hotplug side that is not xl devd) costs the bound once per teardown;
 * db-boot then removes them itself and says so. */
static void backend_left_by_its_driver_domain_is_removed_after_the_bound(void **state)
{
    struct vm *web;

    (void)state;
    web = destroy_with_a_slow_driver_domain(DD_KEEPS_DIR);
    assert_int_equal(dd.closed, 2);
    assert_int_equal(dd.removed, 0);
    dfx_assert_console_has("db: vm 'web': vif 0: the driver domain 'dd' closed it but did not "
                           "remove its backend directory in 60 s; removed it");
    dfx_assert_console_has("db: vm 'web': disk xvda: the driver domain 'dd' closed it but did "
                           "not remove its backend directory in 60 s; removed it");
    assert_null(xs_get("/local/domain/%u/backend/vif/%u/0", dd.domid, web->domid));
    assert_null(xs_get("/local/domain/%u/backend/vbd/%u/51712", dd.domid, web->domid));
    dfx_teardown(f);
    f = NULL;
}

/* A driver domain slower than libxl's 10 s at its hotplug scripts' remove
 * (xl devd under QEMU on a loaded machine: CI saw it) still removes its
 * backend directories itself: the builder must not pull them from under
 * `block remove`, which then leaves the loop device attached. */
static void slow_driver_domain_removes_its_own_backends(void **state)
{
    struct vm *web;
    uint64_t t0;

    (void)state;
    dd.mode = DD_SLOW_REMOVE;
    boot_web_and_dd(VM_ON_EXIT_DESTROY, 0);
    web = dfx_vm(f, "web");
    {
        evtchn_port_t port = f->p->virq_port;

        f->xen->evtchn_poll(f->xen->ctx, &port, 1, 1000000);
        platform_handle_events(f->p);
    }
    t0 = sim_now(f->sim);
    assert_int_equal(vm_destroy(web), 0);
    assert_true(sim_now(f->sim) - t0 >= DD_SLOW_REMOVE_NS);
    assert_true(sim_now(f->sim) - t0 < DEVICES_REMOVE_TIMEOUT_NS);
    assert_int_equal(dd.closed, 2);
    assert_int_equal(dd.removed, 2);
    assert_int_equal(dfx_console_count("did not remove its backend directory"), 0);
    assert_null(xs_get("/local/domain/%u/backend/vif", dd.domid));
    assert_null(xs_get("/local/domain/%u/backend/vbd", dd.domid));
    dfx_teardown(f);
    f = NULL;
}

/* A backend that never closes costs the bound, and is removed anyway. */
static void backend_that_never_closes_is_removed_after_the_bound(void **state)
{
    (void)state;
    destroy_with_a_slow_driver_domain(DD_NEVER_CLOSE);
    assert_int_equal(dfx_console_count("db: vm 'web': vif 0: the driver domain 'dd' did not close "
                                       "it in 10 s (state 5); removed anyway"),
                     1);
    assert_null(xs_get("/local/domain/%u/backend/vif", dd.domid));
    dfx_teardown(f);
    f = NULL;
}

/* A backend its driver never probed (still Initialising) is removed at once. */
static void unprobed_backend_is_removed_at_once(void **state)
{
    uint64_t t0;

    (void)state;
    dd.mode = DD_SILENT;
    boot_web_and_dd(VM_ON_EXIT_DESTROY, 0);
    t0 = sim_now(f->sim);
    assert_int_equal(vm_destroy(dfx_vm(f, "web")), 0);
    assert_true(sim_now(f->sim) - t0 < 1000000000ULL);
    assert_int_equal(dfx_console_count("did not close it"), 0);
    assert_null(xs_get("/local/domain/%u/backend/vif", dd.domid));
    assert_null(xs_get("/local/domain/%u/backend/vbd", dd.domid));
    dfx_teardown(f);
    f = NULL;
}

/* Devices naming a VM that is not there, or not a driver domain: the build
 * fails, naming the device, and leaves nothing in the store. */
static void missing_or_wrong_backend_fails_the_build(void **state)
{
    struct vm_config cfg;
    struct vm_build_opts opts;
    struct vm *vm;
    uint32_t nodes;

    (void)state;
    boot_web_and_dd(VM_ON_EXIT_DESTROY, 0);
    nodes = store()->used_nodes;
    dfx_config(&cfg, "lost", "k.elf", 16);
    add_disk(&cfg, "xvda", 51712, false, "/srv/a.img");
    add_vif(&cfg, 0, "xenbr0");
    strcpy(cfg.devices[1].backend, "nosuch");
    vm = platform_new_vm(f->p);
    platform_build_opts(f->p, &opts);
    assert_int_not_equal(vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &opts), 0);
    assert_string_equal(vm->error.msg, "vif 0: no VM 'nosuch' on this platform to serve it");
    dfx_settle(f);
    assert_int_equal(store()->used_nodes, nodes);

    strcpy(cfg.devices[1].backend, "web");
    vm = platform_new_vm(f->p);
    assert_int_not_equal(vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &opts), 0);
    assert_string_equal(vm->error.msg, "vif 0: 'web' is not a driver domain (driver_domain = 1)");
    dfx_settle(f);
    assert_int_equal(store()->used_nodes, nodes);

    /* Without a store to wire through. */
    opts.devices = NULL;
    vm = platform_new_vm(f->p);
    assert_int_not_equal(vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &opts), 0);
    assert_string_equal(vm->error.msg,
                        "has 2 devices, but this builder serves no xenstore to wire them");
    dfx_teardown(f);
    f = NULL;
}

/* Every wiring step can fail (the store full): nothing is left behind. */
static void store_full_leaves_nothing(void **state)
{
    struct vm_config cfg;
    struct vm_build_opts opts;
    struct vm *vm;
    uint32_t nodes, quota;

    (void)state;
    boot_web_and_dd(VM_ON_EXIT_DESTROY, 0);
    nodes = store()->used_nodes;
    quota = store()->max_nodes;
    dfx_config(&cfg, "big", "k.elf", 16);
    add_vif(&cfg, 0, "xenbr0");
    add_disk(&cfg, "xvda", 51712, true, "/srv/a.img");
    platform_build_opts(f->p, &opts);
    /* Cap the node table a bit further each time, until the build fits. */
    for (uint32_t room = 20; room < 120; room++) {
        store()->max_nodes = nodes + room;
        vm = platform_new_vm(f->p);
        if (vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &opts) == 0) {
            assert_int_equal(vm_destroy(vm), 0);
            dfx_settle(f);
            assert_int_equal(store()->used_nodes, nodes);
            store()->max_nodes = quota;
            dfx_teardown(f);
            f = NULL;
            return;
        }
        dfx_settle(f);
        if (store()->used_nodes != nodes)
            fail_msg("room %u: %u nodes after a failed build, %u before (%s)", room,
                     store()->used_nodes, nodes, vm->error.msg);
    }
    fail_msg("the build never fitted");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(vif_entries_are_libxls, setup, teardown),
    cmocka_unit_test_setup_teardown(vbd_entries_are_libxls, setup, teardown),
    cmocka_unit_test_setup_teardown(teardown_restores_the_store, setup, teardown),
    cmocka_unit_test_setup_teardown(build_destroy_cycles_leave_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown(hotplug_error_fails_only_that_guest, setup, teardown),
    cmocka_unit_test_setup_teardown(backend_that_never_closes_is_removed_after_the_bound, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(unprobed_backend_is_removed_at_once, setup, teardown),
    cmocka_unit_test_setup_teardown(missing_or_wrong_backend_fails_the_build, setup, teardown),
    cmocka_unit_test_setup_teardown(store_full_leaves_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown(restarts_show_nothing_left, setup, teardown),
    cmocka_unit_test_setup_teardown(backends_closed_before_teardown_are_left_to_their_driver_domain,
                                    setup, teardown),
    cmocka_unit_test_setup_teardown(backend_left_by_its_driver_domain_is_removed_after_the_bound,
                                    setup, teardown),
    cmocka_unit_test_setup_teardown(slow_driver_domain_removes_its_own_backends, setup, teardown),
    cmocka_unit_test_setup_teardown(restarts_show_what_was_left, setup, teardown),
};

DOMB_TEST_MAIN(tests)
