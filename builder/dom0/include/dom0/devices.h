/*
 * Split-driver devices (xl's vif and disk) of a VM, wired as libxl wires them
 * (Xen 4.17 tools/libs/light: libxl__device_generic_add, libxl_nic.c,
 * libxl_disk.c): a backend directory in the driver domain's tree, a frontend
 * directory in the guest's, the /libxl mirror, with libxl's keys and
 * permissions; the drivers then run the xenbus handshake themselves (event
 * channels and grants are theirs). Teardown is libxl's too: backend online=0
 * and state Closing, wait (bounded) for Closed, remove everything.
 *
 * One mechanism for every device kind: a kind is an entry in the table of
 * devices.c (its xenstore name, the keys it writes, how its hotplug side says
 * it is done). docs/devices.md has the entries and the reasons.
 */
#ifndef DOM0_DEVICES_H
#define DOM0_DEVICES_H

#include <domb/error.h>
#include <domb/types.h>
#include <proto/vm_config.h>
#include <xenstore/xenstore.h>

/* libxl's LIBXL_DESTROY_TIMEOUT: how long a backend gets to reach Closed. */
#define DEVICES_CLOSE_TIMEOUT_NS (10ULL * 1000000000ULL)

/*
 * How long a Closed backend's driver domain gets to run its hotplug
 * script's remove and remove the directory itself. libxl never removes a
 * driver domain's backend directory; domB does after this bound, so that a
 * dead or broken driver domain leaves nothing behind. Removing it under a
 * slow `xl devd` breaks its `block remove` and `vif-bridge offline` (a loop
 * device stays attached): under QEMU's emulation on a loaded machine that
 * took more than 10 s, so the bound is generous. A driver domain that does
 * its job ends the wait at once.
 */
#define DEVICES_REMOVE_TIMEOUT_NS (60ULL * 1000000000ULL)

/* Where the devices of a VM stand (one per vm_config.devices[] entry). */
enum device_phase {
    DEVICE_UNWIRED = 0, /* nothing in xenstore */
    DEVICE_WIRED,       /* entries written; the driver domain's hotplug side has not answered */
    DEVICE_CONNECTED,   /* the hotplug side reported success */
};

struct device_link {
    enum device_phase phase;
    domid_t backend; /* the driver domain's domid */
    bool closing;    /* probed: teardown waits for Closed, then for its removal */
};

/*
 * What device wiring needs from the platform: the store, the domid of a
 * running driver domain by its VM name, and a way to keep serving xenstore
 * while a teardown waits for a backend (the backend answers through it).
 */
struct device_env {
    struct xs_store *store;
    void *ctx;
    int (*backend_domid)(void *ctx, const char *name, domid_t *domid, struct domb_error *err);
    uint64_t (*now_ns)(void *ctx);
    void (*pump)(void *ctx, uint64_t timeout_ns); /* serve xenstore for up to timeout_ns */
};

/*
 * Write every device of cfg for the (already introduced) domain frontend.
 * On failure nothing of any device is left in the store and err names the
 * device ("vif 0: ..."). links[] (cfg->nr_devices entries) records the
 * backends.
 */
int devices_attach(const struct device_env *env, domid_t frontend, const struct vm_config *cfg,
                   struct device_link *links, struct domb_error *err);

/*
 * Look at the hotplug progress of wired devices: returns 1 when every device
 * is connected, 0 while some still wait, or a negative error (err: "vif 0:
 * the driver domain 'dd' failed it: ...") when a driver domain's hotplug side
 * reported an error. Devices that connected since the last call are logged
 * under name.
 */
int devices_check(const struct device_env *env, const char *name, domid_t frontend,
                  const struct vm_config *cfg, struct device_link *links, struct domb_error *err);

/*
 * First half of a teardown, before the guest's own tree is removed: each
 * backend gets online=0 and (unless already Closed) state=5, as libxl does.
 * A backend still Initialising (its driver never probed it) has nothing to
 * close, so the second half does not wait for it.
 */
void devices_detach_begin(const struct device_env *env, domid_t frontend,
                          const struct vm_config *cfg, struct device_link *links);

/*
 * Second half: wait (serving xenstore through env->pump) until every backend
 * is Closed or gone, at most DEVICES_CLOSE_TIMEOUT_NS, then until its
 * driver domain removed it, at most DEVICES_REMOVE_TIMEOUT_NS, then remove
 * what is left of the backend directories and the /libxl mirror. Logs a
 * backend that did not close or was not removed in time under name.
 * Idempotent: links end DEVICE_UNWIRED.
 */
void devices_detach_finish(const struct device_env *env, const char *name, domid_t frontend,
                           const struct vm_config *cfg, struct device_link *links);

/* Paths (for tests and logs): backend, frontend and libxl directories. */
void devices_backend_path(char *buf, size_t size, const struct vm_device *d, domid_t backend,
                          domid_t frontend);
void devices_frontend_path(char *buf, size_t size, const struct vm_device *d, domid_t frontend);
void devices_libxl_path(char *buf, size_t size, const struct vm_device *d, domid_t frontend);

/* xenstore's name of a device kind ("vif", "vbd"), or NULL. */
const char *devices_kind_name(enum vm_device_kind kind);

#endif
