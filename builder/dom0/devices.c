/* A VM's vif and vbd devices in xenstore, written and torn down as libxl does. */
#include <dom0/devices.h>
#include <domb/errno.h>
#include <domb/lib.h>
#include <domb/log.h>
#include <xen/io/xenbus.h>

#define DEV_VALUE_MAX 128
#define DEV_BACK_MAX  20
#define DEV_FRONT_MAX 10
#define DEV_RO_MAX    4

/* Where Xen installs its hotplug scripts (libxl__xen_script_dir_path). */
#define DEV_SCRIPT_DIR "/etc/xen/scripts"

struct dev_kv {
    const char *key;
    char value[DEV_VALUE_MAX];
};

/* The keys one device gets, in libxl's order: bents, fents and ro_fents of
 * libxl__device_generic_add. */
struct dev_entries {
    struct dev_kv back[DEV_BACK_MAX], front[DEV_FRONT_MAX], ro_front[DEV_RO_MAX];
    unsigned int nback, nfront, nro;
};

__attribute__((format(printf, 4, 5))) static void dev_kv_add(struct dev_kv *list, unsigned int *n,
                                                             const char *key, const char *fmt, ...)
{
    va_list ap;

    list[*n].key = key;
    va_start(ap, fmt);
    domb_vsnprintf(list[*n].value, sizeof(list[*n].value), fmt, ap);
    va_end(ap);
    (*n)++;
}

#define BACK(e, k, ...)  dev_kv_add((e)->back, &(e)->nback, k, __VA_ARGS__)
#define FRONT(e, k, ...) dev_kv_add((e)->front, &(e)->nfront, k, __VA_ARGS__)
#define RO(e, k, ...)    dev_kv_add((e)->ro_front, &(e)->nro, k, __VA_ARGS__)

/* The keys every kind starts with (libxl__device_add_async, libxl_disk.c). */
static void dev_common(struct dev_entries *e, domid_t frontend, domid_t backend)
{
    BACK(e, "frontend-id", "%u", frontend);
    BACK(e, "online", "1");
    BACK(e, "state", "%d", XenbusStateInitialising);
    FRONT(e, "backend-id", "%u", backend);
    FRONT(e, "state", "%d", XenbusStateInitialising);
}

/* libxl__abs_path: a script given without a directory is in Xen's. */
static void dev_script(struct dev_entries *e, const char *script)
{
    if (script[0] == '/')
        BACK(e, "script", "%s", script);
    else
        BACK(e, "script", "%s/%s", DEV_SCRIPT_DIR, script);
}

/* libxl_nic.c, libxl__set_xenstore_nic (with libxl's defaults: mtu 1500,
 * trusted, nictype vif). */
static void dev_vif_entries(const struct vm_device *d, domid_t frontend, domid_t backend,
                            enum vm_type type, struct dev_entries *e)
{
    const struct vm_vif *v = &d->vif;
    const uint8_t *m = v->mac;

    (void)type;
    dev_common(e, frontend, backend);
    dev_script(e, v->script);
    if (v->vifname[0])
        BACK(e, "vifname", "%s", v->vifname);
    BACK(e, "mac", "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    if (v->ip[0])
        BACK(e, "ip", "%s", v->ip);
    BACK(e, "bridge", "%s", v->bridge);
    BACK(e, "handle", "%u", d->devid);
    BACK(e, "type", "vif");
    FRONT(e, "handle", "%u", d->devid);
    FRONT(e, "mac", "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    RO(e, "mtu", "1500");
    /* Makes netback wait for the hotplug script before it connects. */
    BACK(e, "hotplug-status", "%s", "");
    FRONT(e, "trusted", "1");
}

/* libxl_disk.c, device_disk_add, for the phy backend (blkback): libxl's
 * defaults are discard-enable = writable, removable = cdrom. */
static void dev_vbd_entries(const struct vm_device *d, domid_t frontend, domid_t backend,
                            enum vm_type type, struct dev_entries *e)
{
    const struct vm_disk *k = &d->disk;

    BACK(e, "params", "%s", k->target);
    dev_script(e, "block");
    BACK(e, "frontend-id", "%u", frontend);
    BACK(e, "online", "1");
    BACK(e, "removable", "%d", k->cdrom ? 1 : 0);
    BACK(e, "bootable", "1");
    BACK(e, "state", "%d", XenbusStateInitialising);
    BACK(e, "dev", "%s", k->vdev);
    BACK(e, "type", "phy");
    BACK(e, "mode", "%s", k->writable ? "w" : "r");
    BACK(e, "device-type", "%s", k->cdrom ? "cdrom" : "disk");
    BACK(e, "discard-enable", "%d", k->writable ? 1 : 0);
    BACK(e, "specification", "xen");
    FRONT(e, "backend-id", "%u", backend);
    FRONT(e, "state", "%d", XenbusStateInitialising);
    FRONT(e, "virtual-device", "%u", d->devid);
    FRONT(e, "device-type", "%s", k->cdrom ? "cdrom" : "disk");
    FRONT(e, "trusted", "1");
    /* Old blkfronts read the ABI from here; libxl writes it for PV only. */
    if (type == VM_TYPE_PV)
        FRONT(e, "protocol", "x86_64-abi");
}

/*
 * A device kind. done() says whether the driver domain's hotplug side has
 * finished (libxl waits for the same nodes): 1 done, 0 not yet, negative
 * when it failed, with the reason it wrote in reason.
 */
struct dev_kind {
    enum vm_device_kind kind;
    const char *name; /* xenstore's: backend/<name>, device/<name> */
    void (*entries)(const struct vm_device *d, domid_t frontend, domid_t backend, enum vm_type type,
                    struct dev_entries *e);
};

static const struct dev_kind dev_kinds[] = {
    {VM_DEVICE_VIF, "vif", dev_vif_entries},
    {VM_DEVICE_VBD, "vbd", dev_vbd_entries},
};

static const struct dev_kind *dev_kind_of(enum vm_device_kind kind)
{
    for (size_t i = 0; i < sizeof(dev_kinds) / sizeof(dev_kinds[0]); i++)
        if (dev_kinds[i].kind == kind)
            return &dev_kinds[i];
    return NULL;
}

const char *devices_kind_name(enum vm_device_kind kind)
{
    const struct dev_kind *k = dev_kind_of(kind);

    return k ? k->name : NULL;
}

void devices_backend_path(char *buf, size_t size, const struct vm_device *d, domid_t backend,
                          domid_t frontend)
{
    domb_snprintf(buf, size, "/local/domain/%u/backend/%s/%u/%u", backend,
                  devices_kind_name(d->kind), frontend, d->devid);
}

void devices_frontend_path(char *buf, size_t size, const struct vm_device *d, domid_t frontend)
{
    domb_snprintf(buf, size, "/local/domain/%u/device/%s/%u", frontend, devices_kind_name(d->kind),
                  d->devid);
}

void devices_libxl_path(char *buf, size_t size, const struct vm_device *d, domid_t frontend)
{
    domb_snprintf(buf, size, "/libxl/%u/device/%s/%u", frontend, devices_kind_name(d->kind),
                  d->devid);
}

/* "vif 0" / "vbd xvda" for messages. */
static void dev_label(char *buf, size_t size, const struct vm_device *d)
{
    if (d->kind == VM_DEVICE_VBD)
        domb_snprintf(buf, size, "disk %s", d->disk.vdev);
    else
        domb_snprintf(buf, size, "%s %u", devices_kind_name(d->kind), d->devid);
}

struct dev_paths {
    char back[96], front[96], libxl[96];
};

static void dev_paths(struct dev_paths *p, const struct vm_device *d, domid_t backend,
                      domid_t frontend)
{
    devices_backend_path(p->back, sizeof(p->back), d, backend, frontend);
    devices_frontend_path(p->front, sizeof(p->front), d, frontend);
    devices_libxl_path(p->libxl, sizeof(p->libxl), d, frontend);
}

static int dev_write(struct xs_store *s, const char *dir, const char *key, const char *value,
                     struct domb_error *err)
{
    char path[160];

    domb_snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_store_write(s, 0, path, value, (uint32_t)strlen(value), err);
}

static int dev_write_list(struct xs_store *s, const char *dir, const struct dev_kv *list,
                          unsigned int n, struct domb_error *err)
{
    int rc = 0;

    for (unsigned int i = 0; i < n && rc == 0; i++)
        rc = dev_write(s, dir, list[i].key, list[i].value, err);
    return rc;
}

/* A directory made afresh with perms: owner (none for others), reader. */
static int dev_mkdir(struct xs_store *s, const char *dir, domid_t owner, domid_t reader,
                     struct domb_error *err)
{
    const struct xs_perm perms[2] = {{owner, XS_PERM_NONE}, {reader, XS_PERM_READ}};
    int rc;

    xs_store_rm(s, 0, dir, NULL);
    rc = xs_store_mkdir(s, 0, dir, err);
    return rc ? rc : xs_store_set_perms(s, 0, dir, perms, 2, err);
}

/* libxl__device_generic_add, as dom0 (our writes are not interleaved with
 * anyone's: the builder serves the rings only between calls). */
static int dev_add(struct xs_store *s, const struct vm_device *d, domid_t backend, domid_t frontend,
                   enum vm_type type, struct domb_error *err)
{
    static struct dev_entries e; /* 4 KiB; wiring runs one device at a time */
    const struct xs_perm ro_perms[2] = {{backend, XS_PERM_NONE}, {frontend, XS_PERM_READ}};
    struct dev_paths p;
    int rc;

    memset(&e, 0, sizeof(e));
    dev_kind_of(d->kind)->entries(d, frontend, backend, type, &e);
    dev_paths(&p, d, backend, frontend);

    /* The mirror: the config as the toolstack wrote it (dom0's only). */
    xs_store_rm(s, 0, p.libxl, NULL);
    rc = dev_write(s, p.libxl, "frontend", p.front, err);
    if (rc == 0)
        rc = dev_write(s, p.libxl, "backend", p.back, err);
    /* Frontend: the guest's, readable by the driver domain. */
    if (rc == 0)
        rc = dev_mkdir(s, p.front, frontend, backend, err);
    if (rc == 0)
        rc = dev_write(s, p.front, "backend", p.back, err);
    if (rc == 0)
        rc = dev_write_list(s, p.front, e.front, e.nfront, err);
    /* Read-only for the guest: owned by the backend. */
    for (unsigned int i = 0; rc == 0 && i < e.nro; i++) {
        char path[160];

        domb_snprintf(path, sizeof(path), "%s/%s", p.front, e.ro_front[i].key);
        rc = xs_store_write(s, 0, path, e.ro_front[i].value, (uint32_t)strlen(e.ro_front[i].value),
                            err);
        if (rc == 0)
            rc = xs_store_set_perms(s, 0, path, ro_perms, 2, err);
    }
    /* Backend: the driver domain's, readable by the guest. */
    if (rc == 0)
        rc = dev_mkdir(s, p.back, backend, frontend, err);
    if (rc == 0)
        rc = dev_write(s, p.back, "frontend", p.front, err);
    if (rc == 0)
        rc = dev_write_list(s, p.back, e.back, e.nback, err);
    if (rc == 0)
        rc = dev_write_list(s, p.libxl, e.back, e.nback, err);
    return rc;
}

static void dev_remove(struct xs_store *s, const struct vm_device *d, domid_t backend,
                       domid_t frontend)
{
    struct dev_paths p;

    dev_paths(&p, d, backend, frontend);
    xs_store_rm(s, 0, p.front, NULL);
    xs_store_rm(s, 0, p.back, NULL);
    xs_store_rm(s, 0, p.libxl, NULL);
}

static unsigned int dev_depth(const char *path)
{
    unsigned int n = 0;

    for (; *path; path++)
        n += *path == '/';
    return n;
}

/* Remove the directories left empty by a device's removal (backend/<kind>/F,
 * /libxl/F/device/<kind>...), as libxl__xs_path_cleanup does, so teardown
 * leaves the store as it found it: up to a domain's own directory
 * (/local/domain/B) and up to /libxl. */
static void dev_remove_empty(struct xs_store *s, const char *path)
{
    unsigned int keep = strncmp(path, "/libxl/", 7) == 0 ? 1 : 3;
    char dir[160], buf[8];
    uint32_t len;
    bool complete;
    uint64_t gen;

    domb_snprintf(dir, sizeof(dir), "%s", path);
    for (;;) {
        char *slash = dir + strlen(dir);

        while (slash > dir && *slash != '/')
            slash--;
        if (slash == dir)
            return;
        *slash = '\0';
        if (dev_depth(dir) <= keep)
            return;
        if (xs_store_directory(s, 0, dir, 0, buf, sizeof(buf), &len, &complete, &gen, NULL) != 0 ||
            len != 0)
            return;
        xs_store_rm(s, 0, dir, NULL);
    }
}

int devices_attach(const struct device_env *env, domid_t frontend, const struct vm_config *cfg,
                   struct device_link *links, struct domb_error *err)
{
    char label[32];
    uint32_t i;
    int rc = 0;

    for (i = 0; i < cfg->nr_devices; i++)
        links[i] = (struct device_link){.phase = DEVICE_UNWIRED};
    for (i = 0; i < cfg->nr_devices && rc == 0; i++) {
        const struct vm_device *d = &cfg->devices[i];
        struct domb_error why;

        dev_label(label, sizeof(label), d);
        if (!dev_kind_of(d->kind)) {
            rc = domb_error_set(err, -XEN_EINVAL, "%s: unknown device kind %u", label, d->kind);
            break;
        }
        rc = env->backend_domid(env->ctx, d->backend, &links[i].backend, &why);
        if (rc == 0 && links[i].backend == frontend)
            rc = domb_error_set(&why, -XEN_EINVAL, "'%s' cannot serve its own devices", d->backend);
        if (rc == 0)
            rc = dev_add(env->store, d, links[i].backend, frontend, cfg->type, &why);
        if (rc) {
            domb_error_set(err, rc, "%s: %s", label, why.msg);
            if (links[i].backend != frontend)
                dev_remove(env->store, d, links[i].backend, frontend);
            break;
        }
        links[i].phase = DEVICE_WIRED;
    }
    if (rc) {
        /* Nothing half-made stays: the devices before this one go too. */
        for (uint32_t k = 0; k < i; k++) {
            struct dev_paths p;

            dev_paths(&p, &cfg->devices[k], links[k].backend, frontend);
            dev_remove(env->store, &cfg->devices[k], links[k].backend, frontend);
            dev_remove_empty(env->store, p.back);
            dev_remove_empty(env->store, p.libxl);
            links[k].phase = DEVICE_UNWIRED;
        }
        if (i < cfg->nr_devices && links[i].backend != frontend) {
            struct dev_paths p;

            dev_paths(&p, &cfg->devices[i], links[i].backend, frontend);
            dev_remove_empty(env->store, p.back);
            dev_remove_empty(env->store, p.libxl);
        }
    }
    return rc;
}

/* A node of the backend directory as a short string ("" when absent). */
static bool dev_read(struct xs_store *s, const char *dir, const char *key, char *buf, size_t size)
{
    char path[160];
    const char *value;
    uint32_t len;

    buf[0] = '\0';
    domb_snprintf(path, sizeof(path), "%s/%s", dir, key);
    if (xs_store_read(s, 0, path, &value, &len, NULL) != 0)
        return false;
    if (len >= size)
        len = (uint32_t)size - 1;
    memcpy(buf, value, len);
    buf[len] = '\0';
    /* The driver domain wrote it: keep it printable. */
    for (uint32_t i = 0; i < len; i++)
        if (buf[i] < 0x20 || buf[i] > 0x7e)
            buf[i] = '?';
    return true;
}

int devices_check(const struct device_env *env, const char *name, domid_t frontend,
                  const struct vm_config *cfg, struct device_link *links, struct domb_error *err)
{
    bool all = true;

    for (uint32_t i = 0; i < cfg->nr_devices; i++) {
        const struct vm_device *d = &cfg->devices[i];
        char back[96], status[32], label[32], extra[64] = "";

        if (links[i].phase != DEVICE_WIRED)
            continue;
        dev_label(label, sizeof(label), d);
        devices_backend_path(back, sizeof(back), d, links[i].backend, frontend);
        dev_read(env->store, back, "hotplug-status", status, sizeof(status));
        if (strcmp(status, "error") == 0) {
            char reason[96];

            if (!dev_read(env->store, back, "hotplug-error", reason, sizeof(reason)) || !reason[0])
                domb_snprintf(reason, sizeof(reason), "no reason given");
            return domb_error_set(err, -XEN_EIO, "%s: the driver domain '%s' failed it: %s", label,
                                  d->backend, reason);
        }
        /* Xen's scripts write hotplug-status=connected when done; for a
         * disk, physical-device (what blkback waits for) says the same. */
        if (d->kind == VM_DEVICE_VBD)
            dev_read(env->store, back, "physical-device", extra, sizeof(extra));
        if (strcmp(status, "connected") != 0 && !extra[0]) {
            all = false;
            continue;
        }
        links[i].phase = DEVICE_CONNECTED;
        if (d->kind == VM_DEVICE_VBD)
            printk("db: vm '%s': %s ready in '%s' (%s, physical-device %s)\n", name, label,
                   d->backend, d->disk.target, extra[0] ? extra : "?");
        else
            printk("db: vm '%s': %s ready in '%s' (bridge %s)\n", name, label, d->backend,
                   d->vif.bridge);
    }
    return all ? 1 : 0;
}

void devices_detach_begin(const struct device_env *env, domid_t frontend,
                          const struct vm_config *cfg, struct device_link *links)
{
    for (uint32_t i = 0; i < cfg->nr_devices; i++) {
        char back[96], state[8];

        if (links[i].phase == DEVICE_UNWIRED)
            continue;
        devices_backend_path(back, sizeof(back), &cfg->devices[i], links[i].backend, frontend);
        /* A backend already gone (its driver domain stopped): frontend only. */
        links[i].closing = false;
        if (!dev_read(env->store, back, "state", state, sizeof(state)))
            continue;
        dev_write(env->store, back, "online", "0", NULL);
        if (strcmp(state, "6") != 0)
            dev_write(env->store, back, "state", "5", NULL);
        /* A backend its driver probed is waited for: to close, and then
         * to be removed by its driver domain, even when it closed already
         * (the guest's frontend shut down first): removing it under xl
         * devd's `block remove` leaves the loop device attached. */
        links[i].closing = strcmp(state, "1") != 0;
    }
}

/*
 * Every backend that was closing has reached the next step of its
 * teardown: Closed (6) or gone when `removed` is false; gone (its driver
 * domain removed the directory) when it is true.
 */
static bool dev_all_reached(const struct device_env *env, domid_t frontend,
                            const struct vm_config *cfg, const struct device_link *links,
                            bool removed)
{
    for (uint32_t i = 0; i < cfg->nr_devices; i++) {
        char back[96], state[8];

        if (links[i].phase == DEVICE_UNWIRED || !links[i].closing)
            continue;
        devices_backend_path(back, sizeof(back), &cfg->devices[i], links[i].backend, frontend);
        if (dev_read(env->store, back, "state", state, sizeof(state)) &&
            (removed || strcmp(state, "6") != 0))
            return false;
    }
    return true;
}

void devices_detach_finish(const struct device_env *env, const char *name, domid_t frontend,
                           const struct vm_config *cfg, struct device_link *links)
{
    uint64_t deadline = env->now_ns(env->ctx) + DEVICES_CLOSE_TIMEOUT_NS, now;
    bool any = false;

    for (uint32_t i = 0; i < cfg->nr_devices; i++)
        any |= links[i].phase != DEVICE_UNWIRED && links[i].closing;
    if (!any)
        deadline = 0;
    while (!dev_all_reached(env, frontend, cfg, links, false) &&
           (now = env->now_ns(env->ctx)) < deadline)
        env->pump(env->ctx, deadline - now);
    /* As libxl does with a backend in a driver domain: once it is Closed,
     * the driver domain's hotplug side runs the script's remove/offline
     * and then removes the backend directory itself (xl devd,
     * libxl__device_destroy); removing it first would leave xl devd without
     * the nodes its `block remove` reads (a loop device stays attached).
     * So wait for that, within its own bound, and remove what is left. */
    if (any)
        deadline = env->now_ns(env->ctx) + DEVICES_REMOVE_TIMEOUT_NS;
    while (!dev_all_reached(env, frontend, cfg, links, true) &&
           (now = env->now_ns(env->ctx)) < deadline)
        env->pump(env->ctx, deadline - now);
    for (uint32_t i = 0; i < cfg->nr_devices; i++) {
        const struct vm_device *d = &cfg->devices[i];
        struct dev_paths p;
        char state[8], label[32];

        if (links[i].phase == DEVICE_UNWIRED)
            continue;
        dev_paths(&p, d, links[i].backend, frontend);
        if (links[i].closing && dev_read(env->store, p.back, "state", state, sizeof(state)) &&
            strcmp(state, "6") != 0) {
            dev_label(label, sizeof(label), d);
            printk("db: vm '%s': %s: the driver domain '%s' did not close it in %llu s (state %s); "
                   "removed anyway\n",
                   name, label, d->backend, DEVICES_CLOSE_TIMEOUT_NS / 1000000000ULL, state);
        } else if (links[i].closing &&
                   dev_read(env->store, p.back, "state", state, sizeof(state))) {
            dev_label(label, sizeof(label), d);
            printk("db: vm '%s': %s: the driver domain '%s' closed it but did not remove its "
                   "backend directory in %llu s; removed it\n",
                   name, label, d->backend, DEVICES_REMOVE_TIMEOUT_NS / 1000000000ULL);
        }
        dev_remove(env->store, d, links[i].backend, frontend);
        dev_remove_empty(env->store, p.back);
        dev_remove_empty(env->store, p.libxl);
        links[i].phase = DEVICE_UNWIRED;
    }
}
