/*
 * soak-client: a db-server client that builds and destroys VMs over and over
 * (docs/reliability.md): small hello VMs of mixed sizes, left paused or run to
 * their poweroff, one or two alive at a time, and requests that must fail
 * (an image not in the catalog, a build over the client's quota, a broken
 * ELF in the catalog). After every cycle it checks the answer it got; at the
 * end it checks that `list` shows none of its VMs and that the server still
 * answers `ping`. db-server itself proves that its allocator and Xen's free
 * memory are back to baseline each time the last requested VM goes.
 *
 * Command line: soak.cycles=N (default 1000), soak.broken=IMAGE (an image in
 * the catalog that is not a valid kernel; default "broken.elf"),
 * soak.run_every=N (every Nth good build runs to poweroff; default 16),
 * soak.devices=DD (every good build gets a vif on bridge xenbr0 served by the
 * driver domain DD, and with soak.disk=PATH a read-only disk xvda with that
 * target in DD: docs/devices.md).
 */
#include <arch/hypercall.h>
#include <client/db_client.h>
#include <kernel/console.h>
#include <kernel/evtchn.h>
#include <kernel/kernel.h>
#include <kernel/time.h>

#define TIMEOUT_NS (60ULL * 1000000000ULL)
#define MAX_LIVE   2

static struct db_client client;
static struct proto_request req;
static struct proto_response rsp;
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static unsigned long failures;
static char broken_image[VM_PATH_MAX] = "broken.elf";
static char devices_backend[VM_NAME_MAX + 1];
static char disk_target[VM_DISK_TARGET_MAX + 1];

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static bool call(const char *what)
{
    struct domb_error err;

    if (db_client_call(&client, &req, &rsp, TIMEOUT_NS, &err) == 0)
        return true;
    printk("soak: %s: no answer: %s\n", what, err.msg);
    failures++;
    return false;
}

/* A vif (and a read-only disk) served by the driver domain devices_backend. */
static void add_devices(struct vm_config *spec, uint64_t id)
{
    struct vm_device *d = &spec->devices[spec->nr_devices++];

    d->kind = VM_DEVICE_VIF;
    d->devid = 0;
    domb_snprintf(d->backend, sizeof(d->backend), "%s", devices_backend);
    d->vif.mac[0] = 0x00;
    d->vif.mac[1] = 0x16;
    d->vif.mac[2] = 0x3e;
    d->vif.mac[3] = 0x5a;
    d->vif.mac[4] = (uint8_t)(id >> 8);
    d->vif.mac[5] = (uint8_t)id;
    domb_snprintf(d->vif.bridge, sizeof(d->vif.bridge), "xenbr0");
    domb_snprintf(d->vif.script, sizeof(d->vif.script), "vif-bridge");
    if (!disk_target[0])
        return;
    d = &spec->devices[spec->nr_devices++];
    d->kind = VM_DEVICE_VBD;
    d->devid = 51712; /* xvda */
    domb_snprintf(d->backend, sizeof(d->backend), "%s", devices_backend);
    domb_snprintf(d->disk.target, sizeof(d->disk.target), "%s", disk_target);
    domb_snprintf(d->disk.vdev, sizeof(d->disk.vdev), "xvda");
    d->disk.virtual_device = 51712;
    d->disk.writable = false;
}

static void build_request(const char *kernel, uint32_t mib, bool paused)
{
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_BUILD;
    req.build.flags = paused ? PROTO_BUILD_LEAVE_PAUSED : 0;
    vm_config_init(&req.build.spec);
    domb_snprintf(req.build.spec.name, sizeof(req.build.spec.name), "soak-%lu",
                  (unsigned long)(client.next_id + 1));
    domb_snprintf(req.build.spec.kernel, sizeof(req.build.spec.kernel), "%s", kernel);
    req.build.spec.memory_mib = req.build.spec.maxmem_mib = mib;
    req.build.spec.on_exit = VM_ON_EXIT_PRESERVE;
    if (devices_backend[0])
        add_devices(&req.build.spec, client.next_id + 1);
}

/* A request that must be refused with `want`. */
static void expect_error(const char *kernel, uint32_t mib, enum proto_error want, const char *what)
{
    build_request(kernel, mib, true);
    if (!call(what))
        return;
    if (rsp.status == 0 || rsp.error != want) {
        printk("soak: %s: got status %d error %u (%s), want error %u\n", what, rsp.status,
               rsp.error, rsp.reason, want);
        failures++;
    }
}

static bool destroy(uint16_t domid)
{
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_DESTROY;
    req.domid = domid;
    if (!call("destroy"))
        return false;
    if (rsp.status != 0) {
        printk("soak: destroy %u refused: %s\n", domid, rsp.reason);
        failures++;
        return false;
    }
    return true;
}

/* Wait until a running VM has powered off. */
static bool wait_poweroff(uint16_t domid)
{
    uint64_t deadline = time_now_ns() + TIMEOUT_NS;

    for (;;) {
        memset(&req, 0, sizeof(req));
        req.type = PROTO_TYPE_STATUS;
        req.domid = domid;
        if (!call("status"))
            return false;
        if (rsp.status != 0) {
            printk("soak: status %u refused: %s\n", domid, rsp.reason);
            break;
        }
        if (rsp.vm_status.state == PROTO_VM_SHUTDOWN || rsp.vm_status.state == PROTO_VM_GONE) {
            if (rsp.vm_status.shutdown_reason == SHUTDOWN_poweroff)
                return true;
            printk("soak: domid %u stopped with reason %u\n", domid, rsp.vm_status.shutdown_reason);
            break;
        }
        if (time_now_ns() > deadline) {
            printk("soak: domid %u still running after %lu s\n", domid,
                   (unsigned long)(TIMEOUT_NS / 1000000000));
            break;
        }
        evtchn_poll(NULL, 0, 10000000ULL);
    }
    failures++;
    return false;
}

/* The VMs of ours that `list` still shows. */
static int listed(void)
{
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_LIST;
    if (!call("list") || rsp.status != 0)
        return -1;
    return (int)rsp.list.count + (rsp.list.more ? 1 : 0);
}

int domb_main(const struct boot_info *bi)
{
    static const uint32_t sizes[] = {4, 6, 8};
    uint64_t cycles = 1000, run_every = 16, t0;
    unsigned long built = 0, ran = 0, refused = 0;
    uint16_t live[MAX_LIVE];
    unsigned int nr_live = 0;
    struct domb_error err;
    char arg[VM_PATH_MAX];
    int left;

    if (cmdline_get(bi->cmdline, "soak.cycles", arg, sizeof(arg)))
        parse_u64(arg, &cycles);
    if (cmdline_get(bi->cmdline, "soak.run_every", arg, sizeof(arg)))
        parse_u64(arg, &run_every);
    if (cmdline_get(bi->cmdline, "soak.broken", arg, sizeof(arg)))
        domb_snprintf(broken_image, sizeof(broken_image), "%s", arg);
    if (cmdline_get(bi->cmdline, "soak.devices", arg, sizeof(arg)))
        domb_snprintf(devices_backend, sizeof(devices_backend), "%s", arg);
    if (cmdline_get(bi->cmdline, "soak.disk", arg, sizeof(arg)))
        domb_snprintf(disk_target, sizeof(disk_target), "%s", arg);
    if (db_client_open(&client, &err) != 0) {
        printk("Test result: FAILURE (%s)\n", err.msg);
        return KERNEL_EXIT_FAILURE;
    }
    t0 = time_now_ns();
    for (uint64_t i = 0; i < cycles && failures < 10; i++) {
        uint64_t kind = rnd() % 10;

        if (kind == 0) {
            expect_error("no-such-image", 4, PROTO_ERR_NO_IMAGE, "missing image");
            refused++;
        } else if (kind == 1) {
            expect_error("hello", 4096, PROTO_ERR_QUOTA, "over quota");
            refused++;
        } else if (kind == 2) {
            expect_error(broken_image, 4, PROTO_ERR_BUILD_FAILED, "broken ELF");
            refused++;
        } else {
            bool run = run_every && (built % run_every) == run_every - 1;

            build_request("hello", sizes[rnd() % 3], !run);
            if (!call("build"))
                continue;
            if (rsp.status != 0) {
                printk("soak: cycle %lu: build refused: %s\n", i, rsp.reason);
                failures++;
                continue;
            }
            built++;
            live[nr_live++] = rsp.build.domid;
            if (run) {
                ran++;
                wait_poweroff(live[nr_live - 1]);
            }
        }
        /* Keep one or two alive; destroy the oldest beyond that, and now
         * and then everything (so the server's baseline check runs). */
        while (nr_live == MAX_LIVE || (nr_live && rnd() % 4 == 0)) {
            destroy(live[0]);
            live[0] = live[--nr_live];
        }
        if ((i + 1) % 100 == 0)
            printk("soak: %lu cycles, %lu built, %lu ran, %lu refused, %lu problems, %lu ms\n",
                   (unsigned long)(i + 1), built, ran, refused, failures,
                   (time_now_ns() - t0) / 1000000);
    }
    while (nr_live)
        destroy(live[--nr_live]);
    left = listed();
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_PING;
    req.ping.nonce = 0x50a50a;
    if (!call("final ping") || rsp.status != 0 || rsp.ping.nonce != 0x50a50a) {
        printk("soak: the server does not answer ping at the end\n");
        failures++;
    }
    printk("soak: done: %lu requests in %lu ms: %lu VMs built and destroyed (%lu ran), %lu "
           "refused as expected, %d left in list, %lu problems\n",
           (unsigned long)client.calls, (time_now_ns() - t0) / 1000000, built, ran, refused, left,
           failures);
    if (failures == 0 && left == 0) {
        printk("Test result: SUCCESS (%lu cycles)\n", (unsigned long)cycles);
        return KERNEL_EXIT_SUCCESS;
    }
    printk("Test result: FAILURE (%lu problems, %d VMs left)\n", failures, left);
    return KERNEL_EXIT_FAILURE;
}
