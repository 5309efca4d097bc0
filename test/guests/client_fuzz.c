/*
 * client-fuzz: a db-server client that sends thousands of malformed and
 * random requests (random bytes, mutated valid messages, wrong lengths,
 * unknown types, replayed ids, requests for domains it does not own, images
 * that do not exist, builds over its quota), checks that each one gets an
 * error answer and the server stays up, then makes one valid build of hello,
 * which must run and power off, and destroys it.
 *
 * Command line: fuzz.count=N (default 3000), fuzz.seed=N.
 */
#include <arch/hypercall.h>
#include <client/db_client.h>
#include <kernel/console.h>
#include <kernel/evtchn.h>
#include <kernel/kernel.h>
#include <kernel/time.h>

#define TIMEOUT_NS (30ULL * 1000000000ULL)

static struct db_client client;
static struct proto_request req;
static struct proto_response rsp;
static uint8_t msg[PROTO_MSG_MAX];
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static unsigned long answered_error, answered_ok, failures;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Send raw bytes; every malformed request must get an error answer. */
static void send_raw(size_t len, bool must_fail, const char *what)
{
    struct domb_error err;

    if (db_client_call_raw(&client, msg, len, &rsp, TIMEOUT_NS, &err) != 0) {
        failures++;
        printk("fuzz: %s: no answer: %s\n", what, err.msg);
        return;
    }
    if (rsp.status == 0) {
        answered_ok++;
        if (must_fail) {
            failures++;
            printk("fuzz: %s: accepted!\n", what);
        }
    } else {
        answered_error++;
    }
}

/* A valid ping, encoded, with the id the client would use next. */
static size_t valid_ping(void)
{
    struct domb_error err;
    int n;

    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_PING;
    req.id = ++client.next_id;
    req.ping.nonce = rnd();
    n = proto_request_encode(&req, msg, sizeof(msg), &err);
    return n > 0 ? (size_t)n : 0;
}

static bool expect_error(enum proto_error want, const char *what)
{
    struct domb_error err;

    if (db_client_call(&client, &req, &rsp, TIMEOUT_NS, &err) != 0) {
        printk("fuzz: %s: no answer: %s\n", what, err.msg);
        failures++;
        return false;
    }
    if (rsp.status == 0 || rsp.error != want) {
        printk("fuzz: %s: got status %d error %u (%s), want error %u\n", what, rsp.status,
               rsp.error, rsp.reason, want);
        failures++;
        return false;
    }
    answered_error++;
    return true;
}

static void build_request(const char *kernel, uint32_t mib)
{
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_BUILD;
    vm_config_init(&req.build.spec);
    domb_snprintf(req.build.spec.name, sizeof(req.build.spec.name), "fuzz-hello");
    domb_snprintf(req.build.spec.kernel, sizeof(req.build.spec.kernel), "%s", kernel);
    req.build.spec.memory_mib = req.build.spec.maxmem_mib = mib;
}

static void targeted_cases(void)
{
    struct domb_error err;
    size_t n;

    /* Unknown type, bad version, bad size field, truncated, trailing junk. */
    n = valid_ping();
    msg[0x10] = 0x7f;
    send_raw(n, true, "unknown type");
    n = valid_ping();
    msg[0x08] = 9;
    send_raw(n, true, "bad version");
    n = valid_ping();
    msg[0x0c] = 0xff;
    msg[0x0d] = 0xff;
    send_raw(n, true, "size field too big");
    /* The ring zero-fills each slot, so a short write is just zeros at the
     * end; a size field too small for the type is the real truncation. */
    n = valid_ping();
    msg[0x0c] = 0x30;
    msg[0x0d] = 0;
    send_raw(n, true, "size field too small");
    n = valid_ping();
    msg[0x13] = 1; /* reserved byte */
    send_raw(n, true, "reserved byte set");
    /* A replayed id, once the server has accepted a higher one. */
    n = valid_ping();
    send_raw(n, false, "valid ping");
    n = valid_ping();
    msg[0x18] = 1;
    for (int i = 0x19; i < 0x20; i++)
        msg[i] = 0;
    send_raw(n, true, "replayed id");
    /* Domains that are not ours, or do not exist. */
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_DESTROY;
    req.domid = 1;
    expect_error(PROTO_ERR_NOT_OWNER, "destroy the control domain");
    req.type = PROTO_TYPE_STATUS;
    req.domid = 0x7000;
    expect_error(PROTO_ERR_NO_SUCH_DOMAIN, "status of a domain that does not exist");
    req.type = PROTO_TYPE_UNPAUSE;
    req.domid = 0x7001;
    expect_error(PROTO_ERR_NO_SUCH_DOMAIN, "unpause of a domain that does not exist");
    /* Images not in the catalog, paths that try to escape it, quota. */
    build_request("no-such-kernel", 16);
    expect_error(PROTO_ERR_NO_IMAGE, "build from a missing image");
    build_request("../manifest", 16);
    expect_error(PROTO_ERR_NO_IMAGE, "build from a path outside the catalog");
    build_request("hello", 4000);
    expect_error(PROTO_ERR_QUOTA, "build over the memory quota");
    /* A second request while one is outstanding is refused by the ring. */
    n = valid_ping();
    if (proto_ring_put_request(&client.ring, msg, n, &err) < 0 ||
        proto_ring_put_request(&client.ring, msg, n, &err) != PROTO_RC(PROTO_ERR_BUSY)) {
        printk("fuzz: a second outstanding request was not refused\n");
        failures++;
    }
    evtchn_notify(client.port);
    static uint8_t slot[PROTO_SLOT_SIZE];
    uint64_t deadline = time_now_ns() + TIMEOUT_NS;
    while (proto_ring_get_response(&client.ring, slot, &err) == 0 && time_now_ns() < deadline)
        evtchn_poll(&client.port, 1, 10000000ULL);
}

static void random_cases(unsigned long count)
{
    for (unsigned long i = 0; i < count; i++) {
        size_t n;

        switch (rnd() % 3) {
        case 0: /* random bytes */
            n = 1 + rnd() % PROTO_MSG_MAX;
            for (size_t j = 0; j < n; j++)
                msg[j] = (uint8_t)rnd();
            send_raw(n, true, "random bytes");
            break;
        case 1: /* a valid header with a random body and length */
            n = valid_ping();
            n = 0x20 + rnd() % (PROTO_MSG_MAX - 0x20);
            for (size_t j = 0x20; j < n; j++)
                msg[j] = (uint8_t)rnd();
            msg[0x10] = (uint8_t)(1 + rnd() % 7);
            send_raw(n, false, "random body");
            break;
        default: /* a valid ping with a few bytes flipped (never the id) */
            n = valid_ping();
            for (int k = 0; k < 3; k++) {
                size_t at = rnd() % n;
                if (at >= 0x18 && at < 0x20)
                    continue;
                msg[at] ^= (uint8_t)(1 + rnd() % 255);
            }
            send_raw(n, false, "mutated ping");
            break;
        }
    }
}

/* The valid build at the end must work despite everything before it. */
static bool valid_build(void)
{
    struct domb_error err;
    uint16_t domid;
    uint64_t deadline;

    build_request("hello", 16);
    if (db_client_call(&client, &req, &rsp, TIMEOUT_NS, &err) != 0 || rsp.status != 0) {
        printk("fuzz: valid build failed: %s\n", rsp.reason);
        return false;
    }
    domid = rsp.build.domid;
    printk("fuzz: valid build after the fuzzing: domid %u, %u hypercalls\n", domid,
           rsp.build.hypercalls);
    deadline = time_now_ns() + 120ULL * 1000000000ULL;
    for (;;) {
        memset(&req, 0, sizeof(req));
        req.type = PROTO_TYPE_STATUS;
        req.domid = domid;
        if (db_client_call(&client, &req, &rsp, TIMEOUT_NS, &err) != 0 || rsp.status != 0)
            return false;
        if (rsp.vm_status.state == PROTO_VM_SHUTDOWN || rsp.vm_status.state == PROTO_VM_GONE)
            break;
        if (time_now_ns() > deadline)
            return false;
        evtchn_poll(NULL, 0, 20000000ULL);
    }
    printk("fuzz: domid %u stopped, reason %u\n", domid, rsp.vm_status.shutdown_reason);
    if (rsp.vm_status.shutdown_reason != SHUTDOWN_poweroff)
        return false;
    if (rsp.vm_status.state == PROTO_VM_SHUTDOWN) {
        /* Stopped, and its on_exit policy (destroy) may get there before
         * our request does: then the server has no such domain any more,
         * which is the outcome we asked for. */
        memset(&req, 0, sizeof(req));
        req.type = PROTO_TYPE_DESTROY;
        req.domid = domid;
        if (db_client_call(&client, &req, &rsp, TIMEOUT_NS, &err) != 0)
            return false;
        if (rsp.status != 0 && rsp.error != PROTO_ERR_NO_SUCH_DOMAIN)
            return false;
    }
    return true;
}

int domb_main(const struct boot_info *bi)
{
    struct domb_error err;
    char arg[24];
    uint64_t count = 3000, seed;
    bool built;

    if (cmdline_get(bi->cmdline, "fuzz.count", arg, sizeof(arg)))
        parse_u64(arg, &count);
    if (cmdline_get(bi->cmdline, "fuzz.seed", arg, sizeof(arg)) && parse_u64(arg, &seed) && seed)
        rng_state = seed;
    if (db_client_open(&client, &err) != 0) {
        printk("Test result: FAILURE (%s)\n", err.msg);
        return KERNEL_EXIT_FAILURE;
    }
    uint64_t t0 = time_now_ns();
    targeted_cases();
    random_cases(count);
    printk("fuzz: %lu requests in %lu ms: %lu answered with an error, %lu accepted, %lu problems\n",
           client.calls, (time_now_ns() - t0) / 1000000, answered_error, answered_ok, failures);
    built = valid_build();
    if (failures == 0 && built) {
        printk("Test result: SUCCESS\n");
        return KERNEL_EXIT_SUCCESS;
    }
    printk("Test result: FAILURE (%lu problems, valid build %s)\n", failures,
           built ? "ok" : "failed");
    return KERNEL_EXIT_FAILURE;
}
