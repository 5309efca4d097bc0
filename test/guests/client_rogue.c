/*
 * client-rogue: a guest that is NOT a db-server client tries to use its
 * channel anyway. db-server must answer every request with
 * NOT_AUTHORISED (and log it) and build nothing.
 */
#include <client/db_client.h>
#include <kernel/console.h>
#include <kernel/kernel.h>

#define TIMEOUT_NS (30ULL * 1000000000ULL)

static struct proto_request req;
static struct proto_response rsp;

static bool refused(struct db_client *c, const char *what)
{
    struct domb_error err;

    if (db_client_call(c, &req, &rsp, TIMEOUT_NS, &err) != 0) {
        printk("rogue: %s: no answer: %s\n", what, err.msg);
        return false;
    }
    printk("rogue: %s -> status %d error %s: %s\n", what, rsp.status,
           rsp.error == PROTO_ERR_NOT_AUTHORISED ? "NOT_AUTHORISED" : "other", rsp.reason);
    return rsp.status != 0 && rsp.error == PROTO_ERR_NOT_AUTHORISED;
}

int domb_main(const struct boot_info *bi)
{
    struct db_client c;
    struct domb_error err;
    bool ok = true;

    if (db_client_open(&c, &err) != 0) {
        printk("Test result: FAILURE (%s)\n", err.msg);
        return KERNEL_EXIT_FAILURE;
    }
    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_PING;
    ok &= refused(&c, "ping");

    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_BUILD;
    vm_config_init(&req.build.spec);
    memcpy(req.build.spec.name, "stolen", 7);
    memcpy(req.build.spec.kernel, "hello", 6);
    req.build.spec.memory_mib = req.build.spec.maxmem_mib = 16;
    ok &= refused(&c, "build");

    memset(&req, 0, sizeof(req));
    req.type = PROTO_TYPE_DESTROY;
    req.domid = 1;
    ok &= refused(&c, "destroy domid 1");

    printk("Test result: %s\n", ok ? "SUCCESS (every request refused)" : "FAILURE");
    return ok ? KERNEL_EXIT_SUCCESS : KERNEL_EXIT_FAILURE;
}
