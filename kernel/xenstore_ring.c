/* Our own xenstore ring, from start_info (PV) or the HVM params (PVH), for the client. */
#include <arch/mm.h>
#include <domb/errno.h>
#include <kernel/evtchn.h>
#include <kernel/kernel.h>
#include <kernel/time.h>
#include <kernel/xenstore_ring.h>

static evtchn_port_t store_port;

static void store_notify(void *arg)
{
    evtchn_notify(store_port);
}

static void store_wait(void *arg, uint64_t timeout_ns)
{
    evtchn_poll(&store_port, 1, timeout_ns);
    evtchn_test_and_clear(store_port);
}

static uint64_t store_now(void *arg)
{
    return time_now_ns();
}

int xenstore_open(struct xs_client *c, struct domb_error *err)
{
    static const struct xs_client_env env = {
        .notify = store_notify, .wait = store_wait, .now_ns = store_now};
    void *ring = NULL;

    if (boot_info.mode == BOOT_MODE_PVH) {
        if (pfn_x(boot_info.pvh->store_pfn) == 0 || boot_info.pvh->store_evtchn == 0)
            return domb_error_set(err, -XEN_ENOENT, "no xenstore ring in the HVM params");
        ring = mm_pvh_map_frame(boot_info.pvh->store_pfn);
        store_port = boot_info.pvh->store_evtchn;
    } else {
        if (boot_info.is_dom0 || boot_info.si->store_evtchn == 0)
            return domb_error_set(err, -XEN_ENOENT, "no xenstore ring in start_info");
        ring = mfn_to_virt(_mfn(boot_info.si->store_mfn));
        store_port = boot_info.si->store_evtchn;
    }
    if (!ring)
        return domb_error_set(err, -XEN_ENOMEM, "cannot map the xenstore ring");
    xs_client_init(c, ring, &env);
    return 0;
}

evtchn_port_t xenstore_evtchn(void)
{
    return store_port;
}
