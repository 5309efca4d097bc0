/*
 * control-domain: a small guest on domB's kernel that starts a whole
 * platform through db-server. Its ramdisk is a CPIO archive of VM configs in
 * the usual xl syntax (kernel/ramdisk name images in the server's catalog);
 * it asks db-server to build them in archive order (paused), unpauses them,
 * waits for their verdicts with `status`, destroys them, checks with `list`
 * that they are gone, prints a summary and reports success only if every VM
 * powered off cleanly.
 *
 * Command line: domb.server=... (from db-server), and optionally
 * control.pings=N (ping round trips to time, default 20) and
 * control.rounds=N (run the whole platform N times, default 1; the summary
 * is of the last round), and control.probe_map=1: after each build, try to
 * map the new VM's start_info frame (its mfn is in the answer) and fail
 * unless Xen refuses (docs/disaggregation.md: a control domain may only
 * talk to db-server).
 */
#include <arch/hypercall.h>
#include <arch/mm.h>
#include <client/db_client.h>
#include <kernel/console.h>
#include <kernel/kernel.h>
#include <kernel/time.h>
#include <initrd/cpio.h>
#include <proto/config.h>

#define CONTROL_MAX_VMS    32
#define CALL_TIMEOUT_NS    (120ULL * 1000000000ULL)
#define VERDICT_TIMEOUT_NS (300ULL * 1000000000ULL)

struct managed {
    char name[VM_NAME_MAX + 1];
    uint16_t domid;
    bool built;
    uint64_t build_ns, rtt_ns;
    uint32_t hypercalls;
    enum proto_vm_state state;
    uint8_t reason;
    char error[PROTO_REASON_SIZE];
};

static struct db_client client;
static struct managed vms[CONTROL_MAX_VMS];
static unsigned int nr_vms;
static struct proto_request req;
static struct proto_response rsp;
static struct proto_list_entry leftover[PROTO_LIST_MAX];
static bool probe_map;      /* control.probe_map=1 */
static unsigned int mapped; /* probes Xen let through (a failure) */

/* One call; prints failures on our side (the server's verdict is in rsp):
 * a protocol error value names its code, the only other is a timeout. */
static bool call(struct proto_request *r)
{
    struct domb_error err;
    int rc = db_client_call(&client, r, &rsp, CALL_TIMEOUT_NS, &err);

    if (rc != 0) {
        printk("control: request failed (%s): %s\n",
               proto_rc_is_error(rc) ? proto_error_name(proto_error_code(rc)) : "no answer",
               err.msg);
        return false;
    }
    return true;
}

static void time_pings(unsigned int n)
{
    uint64_t total = 0, best = ~0ULL;

    for (unsigned int i = 0; i < n; i++) {
        memset(&req, 0, sizeof(req));
        req.type = PROTO_TYPE_PING;
        req.ping.nonce = 0x5eed0000 + i;
        req.ping.len = 4;
        memcpy(req.ping.payload, "ping", 4);
        uint64_t t0 = time_now_ns();
        if (!call(&req) || rsp.status != 0 || rsp.ping.nonce != req.ping.nonce) {
            printk("control: ping %u failed\n", i);
            return;
        }
        uint64_t dt = time_now_ns() - t0;
        total += dt;
        if (dt < best)
            best = dt;
    }
    if (n)
        printk("control: ping round trip: %u pings, mean %lu us, best %lu us\n", n,
               total / n / 1000, best / 1000);
}

static void build_one(const struct vm_config *cfg)
{
    struct managed *m = &vms[nr_vms++];

    domb_snprintf(m->name, sizeof(m->name), "%s", cfg->name);
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_BUILD;
    req.build.flags = PROTO_BUILD_LEAVE_PAUSED;
    req.build.spec = *cfg;
    uint64_t t0 = time_now_ns();
    if (!call(&req))
        return;
    m->rtt_ns = time_now_ns() - t0;
    if (rsp.status != 0) {
        domb_snprintf(m->error, sizeof(m->error), "%s", rsp.reason);
        printk("control: build '%s' refused (%s): %s\n", m->name, proto_error_name(rsp.error),
               rsp.reason);
        return;
    }
    m->built = true;
    m->domid = rsp.build.domid;
    m->build_ns = rsp.build.build_ns;
    m->hypercalls = rsp.build.hypercalls;
    printk("control: built '%s' as domid %u (%s, %lu pages, build %lu us, round trip %lu us, "
           "%u hypercalls)\n",
           m->name, m->domid, rsp.build.flags & PROTO_BUILT_PVH ? "pvh" : "pv", rsp.build.nr_pages,
           m->build_ns / 1000, m->rtt_ns / 1000, m->hypercalls);
    if (probe_map && !(rsp.build.flags & PROTO_BUILT_PVH)) {
        xen_pfn_t mfn = rsp.build.start_info_mfn;
        void *va;
        int rc = mm_map_foreign(m->domid, &mfn, 1, &va);

        printk("control: mapping the start_info frame 0x%lx of '%s' (domid %u): error %d (%s)\n",
               mfn, m->name, m->domid, rc, rc ? "refused, as it must be" : "ALLOWED");
        if (rc == 0) {
            mapped++;
            mm_unmap_foreign(va, 1);
        }
    }
}

static bool is_config(const struct cpio_entry *e)
{
    return (e->mode & CPIO_MODE_TYPE_MASK) == CPIO_MODE_REGULAR && e->name_len >= 5 &&
           strcmp(e->name + e->name_len - 4, ".cfg") == 0;
}

/*
 * The platform's driver domain, as domb-pack picks it (docs/packing.md): the
 * only config with driver_domain = 1. Devices without backend= get it; with
 * none or several, their build is refused with the spec's reason.
 */
static void default_backend(const struct boot_info *bi, char name[VM_NAME_MAX + 1])
{
    static struct vm_config cfg;
    struct cpio_iter it;
    struct cpio_entry e;
    struct domb_error err;
    unsigned int found = 0;

    name[0] = '\0';
    cpio_iter_init(&it, bi->module, bi->module_len);
    while (cpio_next_entry(&it, &e, &err) == 1)
        if (is_config(&e) &&
            config_parse((const char *)e.data, e.size, e.name, &cfg, NULL, &err) == 0 &&
            cfg.driver_domain && found++ == 0)
            memcpy(name, cfg.name, VM_NAME_MAX + 1);
    if (found != 1)
        name[0] = '\0';
}

static unsigned int build_platform(const struct boot_info *bi)
{
    static struct vm_config cfg;
    char backend[VM_NAME_MAX + 1];
    struct cpio_iter it;
    struct cpio_entry e;
    struct domb_error err;
    int rc;

    default_backend(bi, backend);
    cpio_iter_init(&it, bi->module, bi->module_len);
    while ((rc = cpio_next_entry(&it, &e, &err)) == 1) {
        if (!is_config(&e))
            continue;
        if (config_parse((const char *)e.data, e.size, e.name, &cfg, NULL, &err) != 0) {
            printk("control: %s\n", err.msg);
            continue;
        }
        for (uint32_t i = 0; i < cfg.nr_devices; i++)
            if (cfg.devices[i].backend[0] == '\0' && strcmp(backend, cfg.name) != 0)
                memcpy(cfg.devices[i].backend, backend, sizeof(backend));
        if (nr_vms == CONTROL_MAX_VMS) {
            printk("control: %s: more than %d VMs, ignored\n", e.name, CONTROL_MAX_VMS);
            continue;
        }
        build_one(&cfg);
    }
    if (rc < 0)
        printk("control: platform archive: %s\n", err.msg);
    return nr_vms;
}

static bool status_of(struct managed *m)
{
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_STATUS;
    req.domid = m->domid;
    if (!call(&req) || rsp.status != 0)
        return false;
    m->state = rsp.vm_status.state;
    m->reason = rsp.vm_status.shutdown_reason;
    return true;
}

static void wait_for_verdicts(void)
{
    uint64_t deadline = time_now_ns() + VERDICT_TIMEOUT_NS;
    unsigned int pending;

    do {
        pending = 0;
        for (unsigned int i = 0; i < nr_vms; i++) {
            struct managed *m = &vms[i];

            if (!m->built || m->state == PROTO_VM_SHUTDOWN || m->state == PROTO_VM_GONE)
                continue;
            if (!status_of(m))
                continue;
            if (m->state == PROTO_VM_SHUTDOWN || m->state == PROTO_VM_GONE)
                printk("control: '%s' (domid %u) stopped: %s\n", m->name, m->domid,
                       m->reason == SHUTDOWN_poweroff ? "poweroff"
                       : m->reason == SHUTDOWN_crash  ? "crashed"
                                                      : "other");
            else
                pending++;
        }
        if (pending) {
            /* Sleep 50 ms on our own port (nothing else wakes us). */
            evtchn_port_t none = client.port;
            struct sched_poll poll = {.nr_ports = 1, .timeout = time_now_ns() + 50000000ULL};
            set_xen_guest_handle(poll.ports, &none);
            hypercall_sched_op(SCHEDOP_poll, &poll);
        }
    } while (pending && time_now_ns() < deadline);
}

static bool destroy(uint16_t domid)
{
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_DESTROY;
    req.domid = domid;
    return call(&req) && rsp.status == 0;
}

/* How many VMs the server lists as ours (entries in rsp.list). */
static unsigned int list_ours(void)
{
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_LIST;
    return call(&req) && rsp.status == 0 ? rsp.list.count : 0;
}

/* Build, start, wait for, destroy and list the platform once; returns the
 * number of VMs the server still lists for us afterwards. */
static unsigned int run_round(const struct boot_info *bi)
{
    unsigned int remaining = 0;

    build_platform(bi);

    for (unsigned int i = 0; i < nr_vms; i++) {
        if (!vms[i].built)
            continue;
        memset(&req, 0, sizeof(req));
        req.type = PROTO_TYPE_UNPAUSE;
        req.domid = vms[i].domid;
        if (!call(&req) || rsp.status != 0)
            printk("control: unpause %u failed: %s\n", vms[i].domid, rsp.reason);
    }
    wait_for_verdicts();

    /* Destroy what is left (VMs with on_exit = "preserve" stay until now). */
    for (unsigned int i = 0; i < nr_vms; i++) {
        if (!vms[i].built || vms[i].state == PROTO_VM_GONE)
            continue;
        if (destroy(vms[i].domid))
            printk("control: destroyed '%s' (domid %u)\n", vms[i].name, vms[i].domid);
        else
            printk("control: destroy '%s' failed: %s\n", vms[i].name, rsp.reason);
    }
    /* VMs with on_exit = "restart" came back under new domids: destroy what
     * the server still lists as ours. A restart may race with the destroy,
     * so look again (the server gives up restarting a VM that keeps
     * stopping at once, so this ends). */
    for (unsigned int pass = 0; (remaining = list_ours()) != 0 && pass < 10; pass++) {
        for (unsigned int i = 0; i < remaining; i++)
            leftover[i] = rsp.list.entries[i];
        for (unsigned int i = 0; i < remaining; i++)
            if (destroy(leftover[i].domid))
                printk("control: destroyed '%s' (domid %u, listed after a restart)\n",
                       leftover[i].name, leftover[i].domid);
    }
    printk("control: list after destroy: %u VMs\n", remaining);

    return remaining;
}

int domb_main(const struct boot_info *bi)
{
    struct domb_error err;
    char arg[16];
    uint64_t pings = 20, rounds = 1;
    unsigned int good = 0, remaining = 0;

    printk("control-domain: starting the platform through db-server\n");
    if (db_client_open(&client, &err) != 0) {
        printk("control: cannot reach db-server: %s\n", err.msg);
        printk("Test result: FAILURE (no server)\n");
        return KERNEL_EXIT_FAILURE;
    }
    if (cmdline_get(bi->cmdline, "control.pings", arg, sizeof(arg)))
        parse_u64(arg, &pings);
    time_pings((unsigned int)pings);
    if (!bi->module) {
        printk("Test result: FAILURE (no platform description in the ramdisk)\n");
        return KERNEL_EXIT_FAILURE;
    }
    if (cmdline_get(bi->cmdline, "control.rounds", arg, sizeof(arg)))
        parse_u64(arg, &rounds);
    probe_map = cmdline_get(bi->cmdline, "control.probe_map", arg, sizeof(arg)) && arg[0] == '1';
    for (uint64_t r = 1; r <= rounds; r++) {
        printk("control: round %lu of %lu\n", r, rounds);
        nr_vms = 0;
        memset(vms, 0, sizeof(vms));
        remaining = run_round(bi);
    }
    printk("\n%-16s %5s %10s %10s %10s  %s\n", "VM", "DOMID", "BUILD(us)", "RTT(us)", "HYPERCALLS",
           "VERDICT");
    for (unsigned int i = 0; i < nr_vms; i++) {
        struct managed *m = &vms[i];
        bool ok = m->built && m->reason == SHUTDOWN_poweroff &&
                  (m->state == PROTO_VM_SHUTDOWN || m->state == PROTO_VM_GONE);

        good += ok;
        printk("%-16s %5u %10lu %10lu %10u  %s\n", m->name, m->domid, m->build_ns / 1000,
               m->rtt_ns / 1000, m->hypercalls,
               !m->built ? m->error
               : ok      ? "poweroff"
                         : "FAILED");
    }
    if (mapped) {
        printk("Test result: FAILURE (Xen let the control domain map %u frames of its VMs)\n",
               mapped);
        return KERNEL_EXIT_FAILURE;
    }
    if (nr_vms > 0 && good == nr_vms && remaining == 0) {
        printk("Test result: SUCCESS (%u VMs built through db-server, all powered off, all "
               "destroyed)\n",
               nr_vms);
        return KERNEL_EXIT_SUCCESS;
    }
    printk("Test result: FAILURE (%u of %u VMs good, %u left)\n", good, nr_vms, remaining);
    return KERNEL_EXIT_FAILURE;
}
