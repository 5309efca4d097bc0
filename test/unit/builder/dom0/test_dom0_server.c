/* db-server's request loop against the simulated hypervisor; the tests play the clients. */
#include "domb_test.h"

#include "dom0_fixture.h"

#include <domb/errno.h>
#include <domb/sha256.h>
#include <proto/protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUEST_MIB      16   /* a VM built on request */
#define SMALL_MIB      4    /* when many are built */
#define CLIENT_VMS     8    /* the standard clients' quotas */
#define CLIENT_MIB     1024 /* (more than the sim has: NO_MEMORY before QUOTA) */
#define RAMDISK_BYTES  3000
#define NO_SUCH_DOMID  999
#define PAGES_PER_MIB  256
#define VERDICT        "every requested VM is gone"
#define VERDICT_EQUAL  "equal), builder free pages"
#define VERDICT_DIFFER "DIFFERENT"

/* ---- the platform db-server runs on ---- */

struct ctx {
    struct dfx *f;
    struct dfx_bootset *b;
    struct server s;
    unsigned int nr_boot; /* VMs of the boot set */
    bool notify_may_fail; /* fault injection may fail the server's evtchn_notify */
    uint8_t ramdisk[RAMDISK_BYTES];
};

/* A boot set under construction whose catalog holds k.elf (a good kernel),
 * broken.elf (not an ELF image) and rd.img (a ramdisk). */
static struct ctx *ctx_new(const struct dfx_opts *o)
{
    struct ctx *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    t->f = dfx_create(o);
    t->b = dfx_bootset_new(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_WAIT);
    for (size_t i = 0; i < sizeof(t->ramdisk); i++)
        t->ramdisk[i] = (uint8_t)(i * 7 + 1);
    dfx_bootset_image(t->b, "k.elf", t->f->kernel, t->f->kernel_size);
    dfx_bootset_image(t->b, "broken.elf", t->f->broken, t->f->broken_size);
    dfx_bootset_image(t->b, "rd.img", t->ramdisk, sizeof(t->ramdisk));
    return t;
}

/* A boot-set VM: a db-server client with these quotas when max_vms != 0. */
static void ctx_vm(struct ctx *t, const char *name, uint32_t max_vms, uint32_t max_mib,
                   enum vm_on_exit on_exit)
{
    struct vm_config cfg;

    dfx_config(&cfg, name, "k.elf", GUEST_MIB);
    cfg.on_exit = on_exit;
    if (max_vms)
        dfx_config_client(&cfg, max_vms, max_mib);
    dfx_bootset_vm(t->b, &cfg);
}

/* Boot the set as db-server does (every VM gets a channel) and set up the
 * server with the initramfs as its catalog. */
static void ctx_boot(struct ctx *t)
{
    size_t len;
    const uint8_t *archive = dfx_bootset_finish(t->b, &len);

    dfx_platform_new(t->f, true);
    assert_int_equal(dfx_boot(t->f, t->b, NULL), 0);
    assert_int_equal(t->f->p->failed, 0);
    server_init(&t->s, t->f->p, archive, len);
    t->nr_boot = t->f->p->nr_vms;
}

/* The usual platform: clients "ctl" and "ctl2", and "plain", which is not one. */
static struct ctx *ctx_standard(enum vm_on_exit ctl_on_exit)
{
    struct ctx *t = ctx_new(NULL);

    ctx_vm(t, "ctl", CLIENT_VMS, CLIENT_MIB, ctl_on_exit);
    ctx_vm(t, "ctl2", CLIENT_VMS, CLIENT_MIB, VM_ON_EXIT_DESTROY);
    ctx_vm(t, "plain", 0, 0, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    return t;
}

/* Destroy what is left, check that nothing leaked, free. */
static void ctx_free(struct ctx *t)
{
    dfx_teardown(t->f);
    dfx_bootset_free(t->b);
    free(t);
}

/* The VM holding domid now (built, running or stopped), or NULL. */
static struct vm *vm_of(struct ctx *t, domid_t domid)
{
    struct platform *p = t->f->p;

    for (unsigned int i = 0; i < p->nr_vms; i++) {
        struct vm *vm = &p->vms[i];

        if (vm->domid == domid &&
            (vm->state == VM_BUILT || vm->state == VM_RUNNING || vm->state == VM_STOPPED))
            return vm;
    }
    return NULL;
}

/* What a leak check compares. */
struct snap {
    unsigned int domains, ports;
    uint64_t free_frames;
    unsigned long scratch, maps;
};

static void snap_take(struct ctx *t, struct snap *s)
{
    dfx_settle(t->f);
    s->domains = sim_nr_domains(t->f->sim);
    s->ports = sim_self_ports(t->f->sim);
    s->free_frames = sim_free_frames(t->f->sim);
    s->scratch = sim_scratch_pages(t->f->sim);
    s->maps = sim_foreign_maps(t->f->sim);
}

static void snap_assert_same(struct ctx *t, const struct snap *before)
{
    struct snap now;

    snap_take(t, &now);
    assert_int_equal(now.domains, before->domains);
    assert_int_equal(now.ports, before->ports);
    assert_int_equal(now.free_frames, before->free_frames);
    assert_int_equal(now.scratch, before->scratch);
    assert_int_equal(now.maps, before->maps);
}

/* The memory verdict was printed n times, every one of them "equal". */
static void assert_verdicts(unsigned int n)
{
    assert_int_equal(dfx_console_count(VERDICT), n);
    assert_int_equal(dfx_console_count(VERDICT_EQUAL), n);
    assert_null(strstr(sim_console(), VERDICT_DIFFER));
}

/* ---- the client guest's side of its channel ---- */

struct client {
    struct ctx *t;
    struct vm *vm; /* its record in the platform */
    domid_t domid; /* the incarnation that opened the channel */
    evtchn_port_t port;
    struct proto_front_ring ring;
    uint64_t next_id;
    bool conforming; /* notify only when the ring says the server waits */
    int last_put;    /* what proto_ring_put_request returned last */
};

/* VM `name` initialises the ring in its channel page and signals its port
 * (what db_client_open does). */
static void client_open(struct ctx *t, struct client *c, const char *name)
{
    struct vm *vm = dfx_vm(t->f, name);

    assert_non_null(vm);
    assert_int_equal(vm->state, VM_RUNNING);
    memset(c, 0, sizeof(*c));
    c->t = t;
    c->vm = vm;
    c->domid = vm->domid;
    c->port = vm->chan.guest_port;
    assert_true(c->port != 0);
    assert_int_equal(sim_frame_owner(t->f->sim, dfx_channel_mfn(vm)), vm->domid);
    proto_ring_init(&c->ring, sim_frame(t->f->sim, dfx_channel_mfn(vm)));
    assert_int_equal(sim_guest_notify(t->f->sim, c->domid, c->port), 0);
}

static uint8_t *client_page(struct client *c)
{
    return c->ring.page;
}

static void client_send_raw(struct client *c, const void *msg, size_t len)
{
    struct domb_error err;

    c->last_put = proto_ring_put_request(&c->ring, msg, len, &err);
    if (c->last_put < 0)
        fail_msg("put_request: %s", err.msg);
    if (c->last_put > 0 || !c->conforming)
        assert_int_equal(sim_guest_notify(c->t->f->sim, c->domid, c->port), 0);
}

/* Encode (numbering it if its id is 0) and send. */
static void client_send(struct client *c, struct proto_request *req)
{
    static uint8_t buf[PROTO_MSG_MAX];
    struct domb_error err;
    int len;

    if (req->id == 0)
        req->id = ++c->next_id;
    len = proto_request_encode(req, buf, sizeof(buf), &err);
    if (len <= 0)
        fail_msg("request_encode: %s", err.msg);
    client_send_raw(c, buf, (size_t)len);
}

/* Take the server's answer if there is one. */
static bool client_recv(struct client *c, struct proto_response *rsp)
{
    static uint8_t slot[PROTO_SLOT_SIZE];
    struct domb_error err;
    int rc = proto_ring_get_response(&c->ring, slot, &err);

    if (rc < 0)
        fail_msg("get_response: %s", err.msg);
    if (rc == 0)
        return false;
    if (proto_response_decode(slot, sizeof(slot), rsp, &err) != 0)
        fail_msg("response_decode: %s", err.msg);
    return true;
}

/* One round trip as db_client_call makes it: send, look for the answer
 * (none yet: that asks the server for an event), one pass of the server,
 * take the answer it signalled. */
static void call(struct client *c, struct proto_request *req, struct proto_response *rsp)
{
    client_send(c, req);
    assert_false(client_recv(c, rsp));
    sim_guest_pending(c->t->f->sim, c->domid, c->port);
    server_handle_events(&c->t->s);
    if (!c->t->notify_may_fail)
        assert_true(sim_guest_pending(c->t->f->sim, c->domid, c->port));
    if (!client_recv(c, rsp))
        fail_msg("no answer to request %lu", (unsigned long)req->id);
    assert_int_equal(rsp->id, req->id);
    assert_int_equal(rsp->type, req->type);
}

/* ---- requests ---- */

static struct proto_request *rq_build(struct proto_request *r, const char *name, const char *image,
                                      uint32_t mib, uint32_t flags)
{
    memset(r, 0, sizeof(*r));
    r->type = PROTO_TYPE_BUILD;
    r->build.flags = flags;
    vm_config_init(&r->build.spec);
    snprintf(r->build.spec.name, sizeof(r->build.spec.name), "%s", name);
    snprintf(r->build.spec.kernel, sizeof(r->build.spec.kernel), "%s", image);
    snprintf(r->build.spec.cmdline, sizeof(r->build.spec.cmdline), "console=hvc0");
    r->build.spec.memory_mib = r->build.spec.maxmem_mib = mib;
    return r;
}

static struct proto_request *rq_domid(struct proto_request *r, enum proto_type type, uint16_t domid)
{
    memset(r, 0, sizeof(*r));
    r->type = type;
    r->domid = domid;
    return r;
}

static struct proto_request *rq_list(struct proto_request *r, uint32_t cursor)
{
    memset(r, 0, sizeof(*r));
    r->type = PROTO_TYPE_LIST;
    r->cursor = cursor;
    return r;
}

static struct proto_request *rq_ping(struct proto_request *r, uint64_t nonce)
{
    memset(r, 0, sizeof(*r));
    r->type = PROTO_TYPE_PING;
    r->ping.nonce = nonce;
    return r;
}

static void expect_ok(const struct proto_response *rsp)
{
    if (rsp->status != 0 || rsp->error != PROTO_OK)
        fail_msg("refused: %s: %s", proto_error_name(rsp->error), rsp->reason);
}

static void expect_refused(const struct proto_response *rsp, enum proto_error code)
{
    if (rsp->error != code)
        fail_msg("answered %s (%s), want %s", proto_error_name(rsp->error) ?: "OK", rsp->reason,
                 proto_error_name(code));
    assert_int_equal(rsp->status, proto_error_errno(code));
    assert_true(rsp->status != 0);
    assert_true(rsp->reason[0] != '\0');
}

/* Build `name` (a running VM unless flags say paused); returns its domid. */
static uint16_t build_ok(struct client *c, const char *name, uint32_t mib, enum vm_on_exit on_exit,
                         uint32_t flags)
{
    struct proto_request rq;
    struct proto_response rsp;

    rq_build(&rq, name, "k.elf", mib, flags);
    rq.build.spec.on_exit = on_exit;
    call(c, &rq, &rsp);
    expect_ok(&rsp);
    assert_non_null(vm_of(c->t, rsp.build.domid));
    return rsp.build.domid;
}

/* Answer to a domid request (unpause, destroy, status). */
static void domid_call(struct client *c, enum proto_type type, uint16_t domid,
                       struct proto_response *rsp)
{
    struct proto_request rq;

    call(c, rq_domid(&rq, type, domid), rsp);
}

static void destroy_ok(struct client *c, uint16_t domid)
{
    struct proto_response rsp;

    domid_call(c, PROTO_TYPE_DESTROY, domid, &rsp);
    expect_ok(&rsp);
    assert_int_equal(rsp.domid, domid);
}

static enum proto_vm_state status_ok(struct client *c, uint16_t domid, uint8_t *reason)
{
    struct proto_response rsp;

    domid_call(c, PROTO_TYPE_STATUS, domid, &rsp);
    expect_ok(&rsp);
    assert_int_equal(rsp.vm_status.domid, domid);
    if (reason)
        *reason = rsp.vm_status.shutdown_reason;
    return rsp.vm_status.state;
}

static void list_ok(struct client *c, uint32_t cursor, struct proto_response *rsp)
{
    struct proto_request rq;

    call(c, rq_list(&rq, cursor), rsp);
    expect_ok(rsp);
}

/* ---- cases ---- */

static void server_ping_echoes(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;

    (void)state;
    client_open(t, &c, "ctl");
    rq_ping(&rq, 0x1122334455667788ULL);
    rq.ping.len = 5;
    memcpy(rq.ping.payload, "hello", 5);
    call(&c, &rq, &rsp);
    expect_ok(&rsp);
    assert_int_equal(rsp.ping.nonce, 0x1122334455667788ULL);
    assert_int_equal(rsp.ping.len, 5);
    assert_memory_equal(rsp.ping.payload, "hello", 5);
    assert_int_equal(t->s.requests, 1);
    assert_int_equal(c.vm->chan.requests, 1);
    assert_int_equal(t->s.builds, 0);
    ctx_free(t);
}

static void server_build_runs_measured(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    uint8_t sha[SHA256_DIGEST_SIZE], zero[SHA256_DIGEST_SIZE] = {0};
    struct proto_request rq;
    struct proto_response rsp;
    struct sim_domain_info info;
    struct client c;
    unsigned long hc0;
    char line[160];
    struct vm *vm;

    (void)state;
    client_open(t, &c, "ctl");
    hc0 = sim_hypercalls(t->f->sim);
    call(&c, rq_build(&rq, "web", "k.elf", GUEST_MIB, 0), &rsp);
    expect_ok(&rsp);
    vm = vm_of(t, rsp.build.domid);
    assert_non_null(vm);
    assert_string_equal(vm->name, "web");
    assert_int_equal(vm->owner, c.domid);
    assert_int_equal(vm->state, VM_RUNNING);
    assert_int_equal(sim_domain_info(t->f->sim, rsp.build.domid, &info), 0);
    assert_false(info.paused);
    assert_true(info.vcpu_ready);
    /* What the response says is what was built. */
    assert_int_equal(rsp.build.flags, 0);
    assert_int_equal(rsp.build.nr_pages, GUEST_MIB * PAGES_PER_MIB);
    assert_int_equal(rsp.build.nr_pages, vm->result.nr_pages);
    assert_int_equal(info.tot_pages, rsp.build.nr_pages);
    assert_true(rsp.build.console_port != 0 && rsp.build.store_port != 0);
    assert_int_equal(rsp.build.console_port, vm->result.console_port);
    assert_int_equal(rsp.build.store_port, vm->result.store_port);
    assert_int_equal(sim_evtchn(t->f->sim, vm->domid, rsp.build.store_port, NULL), 2);
    assert_int_equal(rsp.build.start_info_mfn, dfx_start_info_mfn(vm));
    assert_int_equal(rsp.build.console_mfn, dfx_console_mfn(vm));
    assert_int_equal(rsp.build.store_mfn, dfx_store_mfn(vm));
    assert_int_equal(sim_frame_owner(t->f->sim, rsp.build.start_info_mfn), vm->domid);
    assert_int_equal(sim_frame_owner(t->f->sim, rsp.build.console_mfn), vm->domid);
    assert_int_equal(sim_frame_owner(t->f->sim, rsp.build.store_mfn), vm->domid);
    assert_int_equal(rsp.build.build_ns, vm->build_ns);
    assert_int_equal(rsp.build.hypercalls, vm->hypercalls);
    assert_true(rsp.build.hypercalls > 0);
    assert_true(rsp.build.hypercalls <= sim_hypercalls(t->f->sim) - hc0);
    /* A measured build: the hash of exactly the image loaded. */
    sha256(t->f->kernel, t->f->kernel_size, sha);
    assert_memory_equal(rsp.build.kernel_sha256, sha, sizeof(sha));
    assert_memory_equal(rsp.build.ramdisk_sha256, zero, sizeof(zero));
    /* It has a channel of its own, named on its command line. */
    assert_non_null(strstr(dfx_guest_cmdline(t->f, vm), "console=hvc0 domb.server=0,"));
    assert_non_null(vm->chan.page);
    snprintf(line, sizeof(line), "db-server: 'ctl' (domid %u) built 'web': domid %u, pv, %u MiB, ",
             c.domid, vm->domid, GUEST_MIB);
    assert_non_null(strstr(sim_console(), line));
    assert_int_equal(t->s.builds, 1);
    assert_int_equal(t->f->p->nr_vms, t->nr_boot + 1);
    ctx_free(t);
}

static void server_build_with_ramdisk(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    uint8_t sha[SHA256_DIGEST_SIZE];
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;

    (void)state;
    client_open(t, &c, "ctl");
    sha256(t->ramdisk, sizeof(t->ramdisk), sha);
    rq_build(&rq, "withrd", "k.elf", GUEST_MIB, 0);
    snprintf(rq.build.spec.ramdisk, sizeof(rq.build.spec.ramdisk), "rd.img");
    rq.build.spec.has_ramdisk_sha256 = true;
    memcpy(rq.build.spec.ramdisk_sha256, sha, sizeof(sha));
    call(&c, &rq, &rsp);
    expect_ok(&rsp);
    assert_int_equal(rsp.build.flags, PROTO_BUILT_RAMDISK);
    assert_memory_equal(rsp.build.ramdisk_sha256, sha, sizeof(sha));
    assert_int_equal(dfx_start_info(t->f, vm_of(t, rsp.build.domid))->mod_len, RAMDISK_BYTES);
    /* The same spec with another hash is refused before anything is built. */
    rq.build.spec.ramdisk_sha256[0] ^= 1;
    rq.id = 0;
    call(&c, &rq, &rsp);
    expect_refused(&rsp, PROTO_ERR_BAD_SPEC);
    assert_non_null(strstr(rsp.reason, "ramdisk_sha256"));
    assert_int_equal(t->s.builds, 1);
    ctx_free(t);
}

static void server_build_paused_then_unpause(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_response rsp;
    struct sim_domain_info info;
    struct client c;
    uint16_t d;

    (void)state;
    client_open(t, &c, "ctl");
    d = build_ok(&c, "later", GUEST_MIB, VM_ON_EXIT_DESTROY, PROTO_BUILD_LEAVE_PAUSED);
    assert_int_equal(vm_of(t, d)->state, VM_BUILT);
    assert_int_equal(sim_domain_info(t->f->sim, d, &info), 0);
    assert_true(info.paused);
    assert_int_equal(status_ok(&c, d, NULL), PROTO_VM_BUILT);
    list_ok(&c, 0, &rsp);
    assert_int_equal(rsp.list.count, 1);
    assert_int_equal(rsp.list.entries[0].state, PROTO_VM_BUILT);

    domid_call(&c, PROTO_TYPE_UNPAUSE, d, &rsp);
    expect_ok(&rsp);
    assert_int_equal(rsp.domid, d);
    assert_int_equal(sim_domain_info(t->f->sim, d, &info), 0);
    assert_false(info.paused);
    assert_int_equal(vm_of(t, d)->state, VM_RUNNING);
    assert_int_equal(status_ok(&c, d, NULL), PROTO_VM_RUNNING);
    /* Running already. */
    domid_call(&c, PROTO_TYPE_UNPAUSE, d, &rsp);
    expect_refused(&rsp, PROTO_ERR_BAD_FIELD);
    ctx_free(t);
}

static void server_destroy_gives_memory_back(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_response rsp;
    struct client c;
    struct snap before;
    uint16_t a, b;
    char line[160];

    (void)state;
    client_open(t, &c, "ctl");
    snap_take(t, &before);
    a = build_ok(&c, "a", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    b = build_ok(&c, "b", GUEST_MIB, VM_ON_EXIT_DESTROY, PROTO_BUILD_LEAVE_PAUSED);
    destroy_ok(&c, a);
    assert_false(sim_domain_exists(t->f->sim, a));
    snprintf(line, sizeof(line), "db-server: 'ctl' (domid %u) destroyed 'a' (domid %u)\n", c.domid,
             a);
    assert_non_null(strstr(sim_console(), line));
    /* b is still there: no verdict yet. */
    assert_verdicts(0);
    destroy_ok(&c, b);
    assert_verdicts(1);
    snap_assert_same(t, &before);
    /* Gone, and not destroyable twice. */
    assert_int_equal(status_ok(&c, a, NULL), PROTO_VM_GONE);
    domid_call(&c, PROTO_TYPE_DESTROY, a, &rsp);
    expect_refused(&rsp, PROTO_ERR_NO_SUCH_DOMAIN);
    list_ok(&c, 0, &rsp);
    assert_int_equal(rsp.list.count, 0);
    assert_false(rsp.list.more);
    /* A second round is measured from scratch. */
    b = build_ok(&c, "again", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    destroy_ok(&c, b);
    assert_verdicts(2);
    snap_assert_same(t, &before);
    ctx_free(t);
}

static void server_list_ascending_with_cursor(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c, c2;
    uint16_t high, low1, low2;

    (void)state;
    client_open(t, &c, "ctl");
    client_open(t, &c2, "ctl2");
    /* The first slot gets the highest domid: list must sort, not walk slots. */
    rq_build(&rq, "high", "k.elf", 12, 0);
    rq.build.spec.domid = 40;
    call(&c, &rq, &rsp);
    expect_ok(&rsp);
    high = rsp.build.domid;
    assert_int_equal(high, 40);
    low1 = build_ok(&c, "low1", 4, VM_ON_EXIT_DESTROY, PROTO_BUILD_LEAVE_PAUSED);
    low2 = build_ok(&c, "low2", 8, VM_ON_EXIT_DESTROY, 0);
    assert_true(low1 < low2 && low2 < high);
    build_ok(&c2, "theirs", 4, VM_ON_EXIT_DESTROY, 0);

    list_ok(&c, 0, &rsp);
    assert_int_equal(rsp.list.count, 3);
    assert_false(rsp.list.more);
    assert_int_equal(rsp.list.entries[0].domid, low1);
    assert_string_equal(rsp.list.entries[0].name, "low1");
    assert_int_equal(rsp.list.entries[0].state, PROTO_VM_BUILT);
    assert_int_equal(rsp.list.entries[0].memory_kib, 4 * 1024);
    assert_int_equal(rsp.list.entries[1].domid, low2);
    assert_string_equal(rsp.list.entries[1].name, "low2");
    assert_int_equal(rsp.list.entries[1].state, PROTO_VM_RUNNING);
    assert_int_equal(rsp.list.entries[1].memory_kib, 8 * 1024);
    assert_int_equal(rsp.list.entries[2].domid, high);
    assert_string_equal(rsp.list.entries[2].name, "high");
    assert_int_equal(rsp.list.entries[2].memory_kib, 12 * 1024);
    /* From a cursor: domids >= it. */
    list_ok(&c, low2, &rsp);
    assert_int_equal(rsp.list.count, 2);
    assert_int_equal(rsp.list.entries[0].domid, low2);
    assert_int_equal(rsp.list.entries[1].domid, high);
    list_ok(&c, high + 1, &rsp);
    assert_int_equal(rsp.list.count, 0);
    /* Each client sees only its own. */
    list_ok(&c2, 0, &rsp);
    assert_int_equal(rsp.list.count, 1);
    assert_string_equal(rsp.list.entries[0].name, "theirs");
    ctx_free(t);
}

static void server_list_pages_beyond_max(void **state)
{
    enum { N = PROTO_LIST_MAX + 8 };
    struct ctx *t = ctx_new(NULL);
    struct proto_response rsp;
    uint16_t domids[N];
    struct client c;
    char name[16];
    unsigned int seen = 0;

    (void)state;
    ctx_vm(t, "big", VM_DB_MAX_VMS, N * SMALL_MIB, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    client_open(t, &c, "big");
    for (unsigned int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "vm%u", i);
        domids[i] = build_ok(&c, name, SMALL_MIB, VM_ON_EXIT_DESTROY, PROTO_BUILD_LEAVE_PAUSED);
    }
    list_ok(&c, 0, &rsp);
    assert_int_equal(rsp.list.count, PROTO_LIST_MAX);
    assert_true(rsp.list.more);
    for (unsigned int i = 0; i < rsp.list.count; i++)
        assert_int_equal(rsp.list.entries[i].domid, domids[seen++]);
    assert_int_equal(rsp.list.next_cursor, domids[PROTO_LIST_MAX]);
    list_ok(&c, rsp.list.next_cursor, &rsp);
    assert_int_equal(rsp.list.count, N - PROTO_LIST_MAX);
    assert_false(rsp.list.more);
    assert_int_equal(rsp.list.next_cursor, 0);
    for (unsigned int i = 0; i < rsp.list.count; i++) {
        snprintf(name, sizeof(name), "vm%u", seen);
        assert_string_equal(rsp.list.entries[i].name, name);
        assert_int_equal(rsp.list.entries[i].domid, domids[seen++]);
    }
    assert_int_equal(seen, N);
    /* Exactly PROTO_LIST_MAX: one page, nothing more. */
    for (unsigned int i = PROTO_LIST_MAX; i < N; i++)
        destroy_ok(&c, domids[i]);
    list_ok(&c, 0, &rsp);
    assert_int_equal(rsp.list.count, PROTO_LIST_MAX);
    assert_false(rsp.list.more);
    ctx_free(t);
}

static void server_status_running_shutdown_gone(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_response rsp;
    struct client c;
    uint8_t reason = 0xff;
    uint16_t d;

    (void)state;
    client_open(t, &c, "ctl");
    d = build_ok(&c, "keep", GUEST_MIB, VM_ON_EXIT_PRESERVE, 0);
    domid_call(&c, PROTO_TYPE_STATUS, d, &rsp);
    expect_ok(&rsp);
    assert_int_equal(rsp.vm_status.state, PROTO_VM_RUNNING);
    assert_int_equal(rsp.vm_status.shutdown_reason, 0);
    assert_int_equal(rsp.vm_status.nr_pages, GUEST_MIB * PAGES_PER_MIB);

    /* It crashes; the platform notices (VIRQ_DOM_EXC) and preserves it. */
    assert_int_equal(sim_guest_shutdown(t->f->sim, d, SHUTDOWN_crash), 0);
    platform_handle_events(t->f->p);
    assert_int_equal(vm_of(t, d)->state, VM_STOPPED);
    assert_int_equal(status_ok(&c, d, &reason), PROTO_VM_SHUTDOWN);
    assert_int_equal(reason, SHUTDOWN_crash);
    list_ok(&c, 0, &rsp);
    assert_int_equal(rsp.list.count, 1);
    assert_int_equal(rsp.list.entries[0].state, PROTO_VM_SHUTDOWN);
    /* Preserved until the client destroys it. */
    assert_true(sim_domain_exists(t->f->sim, d));
    destroy_ok(&c, d);
    assert_false(sim_domain_exists(t->f->sim, d));
    assert_verdicts(1);
    ctx_free(t);
}

static void server_status_after_on_exit_destroy(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct client c;
    struct snap before;
    uint8_t reason = 0;
    uint16_t d;

    (void)state;
    client_open(t, &c, "ctl");
    snap_take(t, &before);
    d = build_ok(&c, "once", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    assert_int_equal(sim_guest_shutdown(t->f->sim, d, SHUTDOWN_poweroff), 0);
    platform_handle_events(t->f->p);
    assert_null(vm_of(t, d));
    /* Destroyed by its policy. The pass that answers also proves that the
     * memory came back. */
    reason = 0xff;
    assert_int_equal(status_ok(&c, d, &reason), PROTO_VM_GONE);
    assert_int_equal(reason, SHUTDOWN_poweroff);
    assert_verdicts(1);
    snap_assert_same(t, &before);
    ctx_free(t);
}

/* A client asks for the status of its VM after the VM stopped but before
 * the platform has looked (its VIRQ_DOM_EXC is still pending): the answer
 * must not stop the platform from applying the VM's on_exit policy. */
static void server_status_does_not_swallow_on_exit(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct client c;
    struct snap before;
    uint8_t reason = 0xff;
    enum proto_vm_state st;
    uint16_t d;

    (void)state;
    client_open(t, &c, "ctl");
    snap_take(t, &before);
    d = build_ok(&c, "brief", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    assert_int_equal(sim_guest_shutdown(t->f->sim, d, SHUTDOWN_poweroff), 0);
    st = status_ok(&c, d, &reason);
    assert_true(st == PROTO_VM_SHUTDOWN || st == PROTO_VM_RUNNING);
    platform_handle_events(t->f->p);
    assert_null(vm_of(t, d));
    assert_int_equal(status_ok(&c, d, &reason), PROTO_VM_GONE);
    assert_int_equal(reason, SHUTDOWN_poweroff);
    assert_verdicts(1);
    snap_assert_same(t, &before);
    ctx_free(t);
}

/* docs/protocol.md, status: a VM that its on_exit policy destroyed or
 * restarted reads "gone" with the reason it stopped. */
static void server_status_gone_keeps_reason(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_response rsp;
    struct client c;
    uint16_t gone, again;

    (void)state;
    client_open(t, &c, "ctl");
    gone = build_ok(&c, "dog", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    again = build_ok(&c, "cat", GUEST_MIB, VM_ON_EXIT_RESTART, 0);
    assert_int_equal(sim_guest_shutdown(t->f->sim, gone, SHUTDOWN_watchdog), 0);
    assert_int_equal(sim_guest_shutdown(t->f->sim, again, SHUTDOWN_reboot), 0);
    platform_handle_events(t->f->p);
    domid_call(&c, PROTO_TYPE_STATUS, gone, &rsp);
    expect_ok(&rsp);
    assert_int_equal(rsp.vm_status.state, PROTO_VM_GONE);
    assert_int_equal(rsp.vm_status.shutdown_reason, SHUTDOWN_watchdog);
    domid_call(&c, PROTO_TYPE_STATUS, again, &rsp);
    expect_ok(&rsp);
    assert_int_equal(rsp.vm_status.state, PROTO_VM_GONE);
    assert_int_equal(rsp.vm_status.shutdown_reason, SHUTDOWN_reboot);
    assert_false(c.vm->chan.dropped);
    ctx_free(t);
}

/* A client asks about the domid it was given after the VM's on_exit
 * restarted it twice: still "gone", with how that first domain stopped
 * (integration.server-platform's control domain polled too late once and
 * got "no domain", then failed to destroy it). */
static void server_status_after_two_restarts(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_response rsp;
    struct client c;
    uint16_t first, second;
    struct vm *vm;

    (void)state;
    client_open(t, &c, "ctl");
    first = build_ok(&c, "cat", GUEST_MIB, VM_ON_EXIT_RESTART, 0);
    assert_int_equal(sim_guest_shutdown(t->f->sim, first, SHUTDOWN_reboot), 0);
    platform_handle_events(t->f->p);
    vm = dfx_vm(t->f, "cat");
    second = vm->domid;
    assert_true(second != first);
    assert_int_equal(sim_guest_shutdown(t->f->sim, second, SHUTDOWN_watchdog), 0);
    platform_handle_events(t->f->p);
    assert_true(vm->domid != second);
    assert_int_equal(vm->restarts, 2);
    domid_call(&c, PROTO_TYPE_STATUS, first, &rsp);
    expect_ok(&rsp);
    assert_int_equal(rsp.vm_status.state, PROTO_VM_GONE);
    assert_int_equal(rsp.vm_status.shutdown_reason, SHUTDOWN_reboot);
    domid_call(&c, PROTO_TYPE_STATUS, second, &rsp);
    expect_ok(&rsp);
    assert_int_equal(rsp.vm_status.state, PROTO_VM_GONE);
    assert_int_equal(rsp.vm_status.shutdown_reason, SHUTDOWN_watchdog);
    assert_int_equal(status_ok(&c, vm->domid, NULL), PROTO_VM_RUNNING);
    ctx_free(t);
}

/* A VM of the boot set stops while a requested VM is held: its memory comes
 * back too, and the verdict must not blame the requested VMs for it. */
static void server_memory_verdict_not_fooled_by_boot_set(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct client c;
    uint16_t d;

    (void)state;
    client_open(t, &c, "ctl");
    d = build_ok(&c, "held", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    assert_int_equal(dfx_guest_shutdown(t->f, dfx_vm(t->f, "plain"), SHUTDOWN_poweroff), 0);
    platform_handle_events(t->f->p);
    assert_int_equal(dfx_vm(t->f, "plain")->state, VM_DESTROYED);
    destroy_ok(&c, d);
    assert_int_equal(dfx_console_count(VERDICT), 1);
    assert_null(strstr(sim_console(), VERDICT_DIFFER));
    assert_non_null(strstr(sim_console(), "not compared: 1 of the boot set's VMs stopped"));
    /* The next round compares again, from a new mark. */
    destroy_ok(&c, build_ok(&c, "next", GUEST_MIB, VM_ON_EXIT_DESTROY, 0));
    assert_int_equal(dfx_console_count(VERDICT_EQUAL), 1);
    assert_null(strstr(sim_console(), VERDICT_DIFFER));
    ctx_free(t);
}

/* Another privileged domain destroys a client's VM behind db-server's back:
 * status says dying, then gone once Xen has let it go. */
static void server_status_of_vm_destroyed_elsewhere(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct xen_domctl op = {.cmd = XEN_DOMCTL_destroydomain,
                            .interface_version = XEN_DOMCTL_INTERFACE_VERSION};
    struct proto_response rsp;
    struct client c;
    uint8_t reason = 0xff;
    uint16_t d;

    (void)state;
    client_open(t, &c, "ctl");
    d = build_ok(&c, "victim", GUEST_MIB, VM_ON_EXIT_RESTART, 0);
    op.domain = d;
    assert_int_equal(t->f->ops.domctl(t->f->ops.ctx, &op), 0);
    assert_int_equal(status_ok(&c, d, &reason), PROTO_VM_DYING);
    assert_int_equal(reason, 0);
    /* Xen keeps it (a zombie) while we still map its pages. */
    dfx_settle(t->f);
    assert_int_equal(status_ok(&c, d, &reason), PROTO_VM_DYING);
    /* The platform notices (it did not stop: no restart) and lets go. */
    platform_handle_events(t->f->p);
    assert_null(vm_of(t, d));
    assert_false(sim_domain_exists(t->f->sim, d));
    assert_int_equal(status_ok(&c, d, &reason), PROTO_VM_GONE);
    assert_int_equal(reason, 0);
    list_ok(&c, 0, &rsp);
    assert_int_equal(rsp.list.count, 0);
    ctx_free(t);
}

static void server_ownership_enforced(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_response rsp;
    struct client a, b;
    uint16_t x, y;

    (void)state;
    client_open(t, &a, "ctl");
    client_open(t, &b, "ctl2");
    x = build_ok(&a, "mine", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    y = build_ok(&a, "paused", GUEST_MIB, VM_ON_EXIT_DESTROY, PROTO_BUILD_LEAVE_PAUSED);
    domid_call(&b, PROTO_TYPE_DESTROY, x, &rsp);
    expect_refused(&rsp, PROTO_ERR_NOT_OWNER);
    domid_call(&b, PROTO_TYPE_STATUS, x, &rsp);
    expect_refused(&rsp, PROTO_ERR_NOT_OWNER);
    domid_call(&b, PROTO_TYPE_UNPAUSE, y, &rsp);
    expect_refused(&rsp, PROTO_ERR_NOT_OWNER);
    list_ok(&b, 0, &rsp);
    assert_int_equal(rsp.list.count, 0);
    /* Nor the boot set's VMs, nor itself. */
    domid_call(&a, PROTO_TYPE_DESTROY, dfx_vm(t->f, "plain")->domid, &rsp);
    expect_refused(&rsp, PROTO_ERR_NOT_OWNER);
    domid_call(&a, PROTO_TYPE_DESTROY, a.domid, &rsp);
    expect_refused(&rsp, PROTO_ERR_NOT_OWNER);
    /* Unknown domids. */
    domid_call(&a, PROTO_TYPE_STATUS, NO_SUCH_DOMID, &rsp);
    expect_refused(&rsp, PROTO_ERR_NO_SUCH_DOMAIN);
    domid_call(&a, PROTO_TYPE_DESTROY, NO_SUCH_DOMID, &rsp);
    expect_refused(&rsp, PROTO_ERR_NO_SUCH_DOMAIN);
    domid_call(&a, PROTO_TYPE_UNPAUSE, NO_SUCH_DOMID, &rsp);
    expect_refused(&rsp, PROTO_ERR_NO_SUCH_DOMAIN);
    /* Nothing of it happened. */
    assert_int_equal(vm_of(t, x)->state, VM_RUNNING);
    assert_int_equal(vm_of(t, y)->state, VM_BUILT);
    assert_true(sim_domain_exists(t->f->sim, dfx_vm(t->f, "plain")->domid));
    assert_int_equal(dfx_console_count("db-server: refused request"), 8);
    destroy_ok(&a, x);
    destroy_ok(&a, y);
    ctx_free(t);
}

/* A client is destroyed for good while VMs it built run on. A domain that
 * later gets its domid (here one another client asks for by number) must
 * not inherit them. */
static void server_dead_client_vms_not_inherited(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client a, b, heir;
    domid_t dead;
    uint16_t x, h;

    (void)state;
    client_open(t, &a, "ctl");
    client_open(t, &b, "ctl2");
    x = build_ok(&a, "orphan", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    dead = a.domid;
    assert_int_equal(sim_guest_shutdown(t->f->sim, dead, SHUTDOWN_poweroff), 0);
    platform_handle_events(t->f->p);
    dfx_settle(t->f);
    assert_false(sim_domain_exists(t->f->sim, dead));
    /* Its VM runs on. */
    assert_int_equal(vm_of(t, x)->state, VM_RUNNING);

    rq_build(&rq, "heir", "k.elf", GUEST_MIB, 0);
    rq.build.spec.domid = dead;
    dfx_config_client(&rq.build.spec, CLIENT_VMS, CLIENT_MIB);
    call(&b, &rq, &rsp);
    expect_ok(&rsp);
    h = rsp.build.domid;
    assert_int_equal(h, dead);
    client_open(t, &heir, "heir");
    list_ok(&heir, 0, &rsp);
    assert_int_equal(rsp.list.count, 0);
    domid_call(&heir, PROTO_TYPE_DESTROY, x, &rsp);
    expect_refused(&rsp, PROTO_ERR_NOT_OWNER);
    domid_call(&heir, PROTO_TYPE_STATUS, x, &rsp);
    expect_refused(&rsp, PROTO_ERR_NOT_OWNER);
    assert_int_equal(vm_of(t, x)->state, VM_RUNNING);
    /* Nor when the client was destroyed through the server by its owner. */
    domid_call(&b, PROTO_TYPE_DESTROY, h, &rsp);
    expect_ok(&rsp);
    rq.id = 0;
    call(&b, &rq, &rsp);
    expect_ok(&rsp);
    client_open(t, &heir, "heir");
    build_ok(&heir, "grandchild", SMALL_MIB, VM_ON_EXIT_DESTROY, 0);
    domid_call(&b, PROTO_TYPE_DESTROY, h, &rsp);
    expect_ok(&rsp);
    rq.id = 0;
    call(&b, &rq, &rsp);
    expect_ok(&rsp);
    client_open(t, &heir, "heir");
    list_ok(&heir, 0, &rsp);
    assert_int_equal(rsp.list.count, 0);
    ctx_free(t);
}

static void server_quota_max_vms(void **state)
{
    struct ctx *t = ctx_new(NULL);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    unsigned int doms;
    uint16_t a, b;

    (void)state;
    ctx_vm(t, "q", 2, CLIENT_MIB, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    client_open(t, &c, "q");
    a = build_ok(&c, "one", SMALL_MIB, VM_ON_EXIT_DESTROY, 0);
    b = build_ok(&c, "two", SMALL_MIB, VM_ON_EXIT_PRESERVE, 0);
    doms = sim_nr_domains(t->f->sim);
    call(&c, rq_build(&rq, "three", "k.elf", SMALL_MIB, 0), &rsp);
    expect_refused(&rsp, PROTO_ERR_QUOTA);
    assert_non_null(strstr(rsp.reason, "limit is 2"));
    assert_int_equal(sim_nr_domains(t->f->sim), doms);
    /* A stopped (preserved) VM still counts; a destroyed one does not. */
    assert_int_equal(sim_guest_shutdown(t->f->sim, a, SHUTDOWN_poweroff), 0);
    assert_int_equal(sim_guest_shutdown(t->f->sim, b, SHUTDOWN_poweroff), 0);
    platform_handle_events(t->f->p);
    assert_null(vm_of(t, a));
    assert_int_equal(vm_of(t, b)->state, VM_STOPPED);
    build_ok(&c, "three", SMALL_MIB, VM_ON_EXIT_DESTROY, 0);
    call(&c, rq_build(&rq, "four", "k.elf", SMALL_MIB, 0), &rsp);
    expect_refused(&rsp, PROTO_ERR_QUOTA);
    assert_int_equal(t->s.builds, 3);
    ctx_free(t);
}

static void server_quota_max_memory(void **state)
{
    struct ctx *t = ctx_new(NULL);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;

    (void)state;
    ctx_vm(t, "q", CLIENT_VMS, 40, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    client_open(t, &c, "q");
    /* maxmem counts, not the initial memory. */
    rq_build(&rq, "grows", "k.elf", SMALL_MIB, 0);
    rq.build.spec.maxmem_mib = 48;
    call(&c, &rq, &rsp);
    expect_refused(&rsp, PROTO_ERR_QUOTA);
    assert_non_null(strstr(rsp.reason, "48 MiB more would bring the client to 48 MiB"));
    build_ok(&c, "a", 16, VM_ON_EXIT_DESTROY, 0);
    build_ok(&c, "b", 16, VM_ON_EXIT_DESTROY, 0);
    call(&c, rq_build(&rq, "c", "k.elf", 16, 0), &rsp);
    expect_refused(&rsp, PROTO_ERR_QUOTA);
    /* Exactly at the limit is fine. */
    build_ok(&c, "d", 8, VM_ON_EXIT_DESTROY, 0);
    call(&c, rq_build(&rq, "e", "k.elf", 1, 0), &rsp);
    expect_refused(&rsp, PROTO_ERR_QUOTA);
    assert_int_equal(t->s.builds, 3);
    ctx_free(t);
}

/* Devices count against db_client_max_devices before anything is built. */
static void server_quota_max_devices(void **state)
{
    struct ctx *t = ctx_new(NULL);
    struct proto_request rq;
    struct proto_response rsp;
    struct vm_config cfg;
    struct client c;
    unsigned int doms;

    (void)state;
    dfx_config(&cfg, "q", "k.elf", GUEST_MIB);
    dfx_config_client(&cfg, CLIENT_VMS, CLIENT_MIB);
    cfg.db_max_devices = 1;
    dfx_bootset_vm(t->b, &cfg);
    ctx_boot(t);
    client_open(t, &c, "q");
    rq_build(&rq, "two", "k.elf", SMALL_MIB, 0);
    rq.build.spec.nr_devices = 2;
    for (uint32_t i = 0; i < 2; i++) {
        struct vm_device *d = &rq.build.spec.devices[i];

        d->kind = VM_DEVICE_VIF;
        d->devid = i;
        strcpy(d->backend, "dd");
        vm_vif_default_mac("two", i, d->vif.mac);
        strcpy(d->vif.bridge, "xenbr0");
        strcpy(d->vif.script, "vif-bridge");
    }
    doms = sim_nr_domains(t->f->sim);
    call(&c, &rq, &rsp);
    expect_refused(&rsp, PROTO_ERR_QUOTA);
    assert_string_equal(rsp.reason, "2 devices more would bring the client to 2; its limit is 1");
    assert_int_equal(sim_nr_domains(t->f->sim), doms);
    build_ok(&c, "none", SMALL_MIB, VM_ON_EXIT_DESTROY, 0); /* 0 devices fit any limit */
    ctx_free(t);
}

/* A client's VM with a vif and a disk served by the boot set's driver
 * domain: wired as at boot, torn down by the destroy, and the verdict that
 * every requested VM is gone covers the xenstore's node count too. */
static void server_build_with_devices(void **state)
{
    struct ctx *t = ctx_new(NULL);
    struct proto_request rq;
    struct proto_response rsp;
    struct vm_config cfg;
    struct client c;
    domid_t dd;
    char path[128];
    const char *v;
    uint32_t len, nodes;

    (void)state;
    dfx_config(&cfg, "dd", "k.elf", GUEST_MIB);
    cfg.driver_domain = true;
    dfx_bootset_vm(t->b, &cfg);
    ctx_vm(t, "ctl", CLIENT_VMS, CLIENT_MIB, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    dd = dfx_vm(t->f, "dd")->domid;
    client_open(t, &c, "ctl");
    nodes = t->f->p->store.used_nodes;
    rq_build(&rq, "web", "k.elf", SMALL_MIB, PROTO_BUILD_LEAVE_PAUSED);
    rq.build.spec.nr_devices = 2;
    rq.build.spec.devices[0].kind = VM_DEVICE_VIF;
    strcpy(rq.build.spec.devices[0].backend, "dd");
    vm_vif_default_mac("web", 0, rq.build.spec.devices[0].vif.mac);
    strcpy(rq.build.spec.devices[0].vif.bridge, "xenbr0");
    strcpy(rq.build.spec.devices[0].vif.script, "vif-bridge");
    rq.build.spec.devices[1].kind = VM_DEVICE_VBD;
    rq.build.spec.devices[1].devid = 51712;
    strcpy(rq.build.spec.devices[1].backend, "dd");
    strcpy(rq.build.spec.devices[1].disk.vdev, "xvda");
    strcpy(rq.build.spec.devices[1].disk.target, "/srv/web.img");
    rq.build.spec.devices[1].disk.virtual_device = 51712;
    call(&c, &rq, &rsp);
    expect_ok(&rsp);
    snprintf(path, sizeof(path), "/local/domain/%u/backend/vbd/%u/51712/params", dd,
             rsp.build.domid);
    assert_int_equal(xs_store_read(&t->f->p->store, 0, path, &v, &len, NULL), 0);
    assert_memory_equal(v, "/srv/web.img", len);
    snprintf(path, sizeof(path), "/local/domain/%u/device/vif/0/backend-id", rsp.build.domid);
    assert_int_equal(xs_store_read(&t->f->p->store, 0, path, &v, &len, NULL), 0);
    destroy_ok(&c, rsp.build.domid);
    assert_int_equal(t->f->p->store.used_nodes, nodes);
    assert_verdicts(1);
    /* A backend naming a VM that is not a driver domain: refused, named. */
    strcpy(rq.build.spec.devices[1].backend, "ctl");
    rq.id = 0;
    call(&c, &rq, &rsp);
    expect_refused(&rsp, PROTO_ERR_BUILD_FAILED);
    assert_non_null(strstr(rsp.reason, "disk xvda: 'ctl' is not a driver domain"));
    assert_int_equal(t->f->p->store.used_nodes, nodes);
    ctx_free(t);
}

static void server_no_memory(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    struct snap before;

    (void)state;
    client_open(t, &c, "ctl");
    snap_take(t, &before);
    /* Within the quota, beyond what the host has. */
    call(&c, rq_build(&rq, "huge", "k.elf", 512, 0), &rsp);
    expect_refused(&rsp, PROTO_ERR_NO_MEMORY);
    assert_non_null(strstr(rsp.reason, "512 MiB"));
    snap_assert_same(t, &before);
    assert_int_equal(t->s.builds, 0);
    build_ok(&c, "fits", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    ctx_free(t);
}

static void server_kernel_sha256_checked(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    unsigned int doms;

    (void)state;
    client_open(t, &c, "ctl");
    doms = sim_nr_domains(t->f->sim);
    rq_build(&rq, "pinned", "k.elf", GUEST_MIB, 0);
    dfx_config_kernel_sha(&rq.build.spec, t->f->broken, t->f->broken_size);
    call(&c, &rq, &rsp);
    expect_refused(&rsp, PROTO_ERR_BAD_SPEC);
    assert_non_null(strstr(rsp.reason, "does not match kernel_sha256"));
    assert_int_equal(sim_nr_domains(t->f->sim), doms);
    assert_int_equal(t->f->p->nr_vms, t->nr_boot);
    /* The right hash is accepted. */
    dfx_config_kernel_sha(&rq.build.spec, t->f->kernel, t->f->kernel_size);
    rq.id = 0;
    call(&c, &rq, &rsp);
    expect_ok(&rsp);
    assert_memory_equal(rsp.build.kernel_sha256, rq.build.spec.kernel_sha256, SHA256_DIGEST_SIZE);
    ctx_free(t);
}

static void server_image_not_in_catalog(void **state)
{
    static const char *const kernels[] = {"nope.elf", "../manifest", "../specs/ctl.spec",
                                          "domb/images/k.elf"};
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;

    (void)state;
    client_open(t, &c, "ctl");
    for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
        call(&c, rq_build(&rq, "lost", kernels[i], GUEST_MIB, 0), &rsp);
        expect_refused(&rsp, PROTO_ERR_NO_IMAGE);
    }
    assert_non_null(strstr(rsp.reason, "is not in the server's catalog"));
    rq_build(&rq, "lost", "k.elf", GUEST_MIB, 0);
    snprintf(rq.build.spec.ramdisk, sizeof(rq.build.spec.ramdisk), "nope.img");
    call(&c, &rq, &rsp);
    expect_refused(&rsp, PROTO_ERR_NO_IMAGE);
    assert_non_null(strstr(rsp.reason, "'nope.img'"));
    assert_int_equal(t->f->p->nr_vms, t->nr_boot);
    assert_int_equal(t->s.builds, 0);
    ctx_free(t);
}

static void server_non_client_refused_and_logged(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client n, c;
    unsigned int doms;
    char line[160];

    (void)state;
    client_open(t, &n, "plain");
    client_open(t, &c, "ctl");
    doms = sim_nr_domains(t->f->sim);
    call(&n, rq_build(&rq, "sneaky", "k.elf", GUEST_MIB, 0), &rsp);
    expect_refused(&rsp, PROTO_ERR_NOT_AUTHORISED);
    assert_int_equal(sim_nr_domains(t->f->sim), doms);
    for (int i = 0; i < 9; i++) {
        call(&n, rq_ping(&rq, (uint64_t)i), &rsp);
        expect_refused(&rsp, PROTO_ERR_NOT_AUTHORISED);
    }
    domid_call(&n, PROTO_TYPE_STATUS, c.domid, &rsp);
    expect_refused(&rsp, PROTO_ERR_NOT_AUTHORISED);
    snprintf(line, sizeof(line),
             "db-server: refused request 1 from 'plain' (domid %u): not a client\n", n.domid);
    assert_non_null(strstr(sim_console(), line));
    /* The first five only. */
    assert_int_equal(dfx_console_count("): not a client\n"), 5);
    assert_int_equal(n.vm->chan.requests, 11);
    /* The client next to it is served as usual. */
    call(&c, rq_ping(&rq, 7), &rsp);
    expect_ok(&rsp);
    assert_int_equal(t->s.builds, 0);
    ctx_free(t);
}

static void server_request_ids_must_increase(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    uint8_t msg[PROTO_MSG_MAX];
    int len;

    (void)state;
    client_open(t, &c, "ctl");
    rq_ping(&rq, 1);
    rq.id = 5;
    call(&c, &rq, &rsp);
    expect_ok(&rsp);
    /* A replay, an older id: refused, and they do not move the sequence. */
    rq.id = 5;
    call(&c, &rq, &rsp);
    expect_refused(&rsp, PROTO_ERR_SEQUENCE);
    rq.id = 3;
    call(&c, &rq, &rsp);
    expect_refused(&rsp, PROTO_ERR_SEQUENCE);
    rq.id = 6;
    call(&c, &rq, &rsp);
    expect_ok(&rsp);
    /* Gaps are fine. */
    rq.id = 100;
    call(&c, &rq, &rsp);
    expect_ok(&rsp);
    /* A replayed build builds nothing. */
    rq_build(&rq, "once", "k.elf", GUEST_MIB, 0);
    rq.id = 101;
    call(&c, &rq, &rsp);
    expect_ok(&rsp);
    call(&c, &rq, &rsp);
    expect_refused(&rsp, PROTO_ERR_SEQUENCE);
    assert_int_equal(t->s.builds, 1);
    /* Id 0 does not even decode. */
    rq_ping(&rq, 1);
    rq.id = 102;
    len = proto_request_encode(&rq, msg, sizeof(msg), NULL);
    assert_true(len > 0);
    memset(msg + PROTO_OFF_ID, 0, 8);
    client_send_raw(&c, msg, (size_t)len);
    server_handle_events(&t->s);
    assert_true(client_recv(&c, &rsp));
    expect_refused(&rsp, PROTO_ERR_BAD_FIELD);
    /* Each client has its own sequence. */
    {
        struct client c2;

        client_open(t, &c2, "ctl2");
        rq_ping(&rq, 2);
        rq.id = 1;
        call(&c2, &rq, &rsp);
        expect_ok(&rsp);
    }
    ctx_free(t);
}

static void server_malformed_requests_answered(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    uint8_t msg[PROTO_MSG_MAX];
    int len;

    (void)state;
    client_open(t, &c, "ctl");
    /* Not a request at all. */
    memset(msg, 0, sizeof(msg));
    memcpy(msg, "garbage!", 8);
    client_send_raw(&c, msg, PROTO_PING_REQ_SIZE);
    server_handle_events(&t->s);
    assert_true(client_recv(&c, &rsp));
    expect_refused(&rsp, PROTO_ERR_BAD_MAGIC);
    assert_int_equal(rsp.id, 0);
    assert_int_equal(rsp.type, PROTO_TYPE_NONE);
    /* A size field that is not the type's. */
    rq_ping(&rq, 1);
    rq.id = 8;
    len = proto_request_encode(&rq, msg, sizeof(msg), NULL);
    assert_true(len > 0);
    msg[PROTO_OFF_SIZE] = PROTO_REQ_HDR_SIZE;
    client_send_raw(&c, msg, (size_t)len);
    server_handle_events(&t->s);
    assert_true(client_recv(&c, &rsp));
    expect_refused(&rsp, PROTO_ERR_BAD_LENGTH);
    /* An unknown type: answered with type NONE and the request's id. */
    rq_ping(&rq, 1);
    rq.id = 9;
    len = proto_request_encode(&rq, msg, sizeof(msg), NULL);
    assert_true(len > 0);
    msg[PROTO_OFF_TYPE] = 99;
    client_send_raw(&c, msg, (size_t)len);
    server_handle_events(&t->s);
    assert_true(client_recv(&c, &rsp));
    expect_refused(&rsp, PROTO_ERR_UNKNOWN_TYPE);
    assert_int_equal(rsp.type, PROTO_TYPE_NONE);
    assert_int_equal(rsp.id, 9);
    /* Still served: a bad message is not a bad ring. */
    assert_false(c.vm->chan.dropped);
    c.next_id = 9;
    call(&c, rq_ping(&rq, 2), &rsp);
    expect_ok(&rsp);
    assert_int_equal(dfx_console_count("db-server: refused request"), 3);
    ctx_free(t);
}

static bool port_served(struct ctx *t, evtchn_port_t port)
{
    evtchn_port_t ports[SERVER_POLL_MAX];
    unsigned int n = server_ports(&t->s, ports, SERVER_POLL_MAX);

    for (unsigned int i = 0; i < n; i++)
        if (ports[i] == port)
            return true;
    return false;
}

static void server_corrupt_ring_drops_only_that_client(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client a, b;
    char line[160];
    uint32_t bad = 7;

    (void)state;
    client_open(t, &a, "ctl");
    client_open(t, &b, "ctl2");
    call(&b, rq_ping(&rq, 1), &rsp);
    expect_ok(&rsp);
    assert_true(port_served(t, b.vm->chan.port));
    /* b claims seven requests in a one-slot ring; a asks as usual. Both are
     * looked at in the same pass. */
    memcpy(client_page(&b) + PROTO_RING_OFF_REQ_PROD, &bad, sizeof(bad));
    assert_int_equal(sim_guest_notify(t->f->sim, b.domid, b.port), 0);
    client_send(&a, rq_ping(&rq, 2));
    server_handle_events(&t->s);
    assert_true(client_recv(&a, &rsp));
    expect_ok(&rsp);
    snprintf(line, sizeof(line),
             "db-server: dropping client 'ctl2' (domid %u): ring indexes corrupt", b.domid);
    assert_non_null(strstr(sim_console(), line));
    assert_true(b.vm->chan.dropped);
    assert_false(port_served(t, b.vm->chan.port));
    assert_true(port_served(t, a.vm->chan.port));
    /* b is never answered again, even with a sane ring; its VM runs on. */
    proto_ring_init(&b.ring, client_page(&b));
    client_send(&b, rq_ping(&rq, 3));
    server_handle_events(&t->s);
    assert_false(client_recv(&b, &rsp));
    assert_int_equal(b.vm->state, VM_RUNNING);
    assert_int_equal(dfx_console_count("db-server: dropping client"), 1);
    call(&a, rq_ping(&rq, 4), &rsp);
    expect_ok(&rsp);
    ctx_free(t);
}

static void server_ring_header_checked_on_attach(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client a, b;
    uint8_t *page;

    (void)state;
    /* Events before the ring is written (Xen marks a fresh port pending,
     * the guest may signal early) are ignored, not an error. */
    page = sim_frame(t->f->sim, dfx_channel_mfn(dfx_vm(t->f, "ctl")));
    memset(page, 0, PROTO_PAGE_SIZE);
    server_handle_events(&t->s);
    assert_int_equal(sim_guest_notify(t->f->sim, dfx_vm(t->f, "ctl")->domid,
                                      dfx_vm(t->f, "ctl")->chan.guest_port),
                     0);
    server_handle_events(&t->s);
    assert_false(dfx_vm(t->f, "ctl")->chan.dropped);
    assert_false(dfx_vm(t->f, "ctl")->chan.attached);
    client_open(t, &a, "ctl");
    call(&a, rq_ping(&rq, 1), &rsp);
    expect_ok(&rsp);
    assert_true(a.vm->chan.attached);
    /* A header of another ring version: dropped at once. */
    client_open(t, &b, "ctl2");
    client_page(&b)[PROTO_RING_OFF_VERSION] = 2;
    server_handle_events(&t->s);
    assert_true(b.vm->chan.dropped);
    assert_non_null(strstr(sim_console(), "dropping client 'ctl2'"));
    assert_non_null(strstr(sim_console(), "ring version 2 is not supported"));
    call(&a, rq_ping(&rq, 2), &rsp);
    expect_ok(&rsp);
    ctx_free(t);
}

/* A client that notifies only when the ring says the server waits for an
 * event (io/ring.h's RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, docs/protocol.md
 * "Notifications") is answered every time. */
static void server_conforming_client_notified_of_need(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;

    (void)state;
    client_open(t, &c, "ctl");
    c.conforming = true;
    for (uint64_t i = 1; i <= 5; i++) {
        call(&c, rq_ping(&rq, i), &rsp);
        expect_ok(&rsp);
        assert_int_equal(rsp.ping.nonce, i);
        /* The server waited for this request. */
        assert_int_equal(c.last_put, 1);
    }
    build_ok(&c, "quiet", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    assert_int_equal(c.last_put, 1);
    ctx_free(t);
}

static void server_client_vm_on_exit_restart(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_response rsp;
    struct client c;
    uint8_t reason = 0;
    uint16_t d1, d2;
    char line[160];

    (void)state;
    client_open(t, &c, "ctl");
    d1 = build_ok(&c, "phoenix", GUEST_MIB, VM_ON_EXIT_RESTART, 0);
    assert_int_equal(sim_guest_shutdown(t->f->sim, d1, SHUTDOWN_poweroff), 0);
    platform_handle_events(t->f->p);
    assert_null(vm_of(t, d1));
    list_ok(&c, 0, &rsp);
    assert_int_equal(rsp.list.count, 1);
    assert_string_equal(rsp.list.entries[0].name, "phoenix");
    assert_int_equal(rsp.list.entries[0].state, PROTO_VM_RUNNING);
    d2 = rsp.list.entries[0].domid;
    assert_true(d2 != d1);
    assert_int_equal(vm_of(t, d2)->owner, c.domid);
    assert_int_equal(vm_of(t, d2)->restarts, 1);
    snprintf(line, sizeof(line), "db: vm 'phoenix' restarted (restart 1): domid %u\n", d2);
    assert_non_null(strstr(sim_console(), line));
    /* The old domid is gone with the reason; the new one runs. */
    reason = 0xff;
    assert_int_equal(status_ok(&c, d1, &reason), PROTO_VM_GONE);
    assert_int_equal(reason, SHUTDOWN_poweroff);
    assert_int_equal(status_ok(&c, d2, &reason), PROTO_VM_RUNNING);
    assert_int_equal(reason, 0);
    /* Still the client's, and it still counts. */
    destroy_ok(&c, d2);
    assert_false(sim_domain_exists(t->f->sim, d2));
    assert_verdicts(1);
    ctx_free(t);
}

/* A client whose on_exit is restart stops; the platform builds it again
 * under a new domid. The VMs it had built are the new incarnation's: it
 * finds them with list (its new channel starts with a fresh ring and fresh
 * request ids) and may unpause and destroy them; nobody else may. */
static void server_restarted_client_keeps_its_vms(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_RESTART);
    struct proto_response rsp;
    struct client c, again, other;
    struct snap before;
    domid_t old_domid;
    struct vm *ctl;
    uint16_t x1, x2;
    char line[160];

    (void)state;
    client_open(t, &c, "ctl");
    client_open(t, &other, "ctl2");
    snap_take(t, &before);
    x1 = build_ok(&c, "x1", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    x2 = build_ok(&c, "x2", GUEST_MIB, VM_ON_EXIT_DESTROY, PROTO_BUILD_LEAVE_PAUSED);
    old_domid = c.domid;

    assert_int_equal(sim_guest_shutdown(t->f->sim, old_domid, SHUTDOWN_reboot), 0);
    platform_handle_events(t->f->p);
    ctl = dfx_vm(t->f, "ctl");
    assert_int_equal(ctl->state, VM_RUNNING);
    assert_true(ctl->domid != old_domid);
    assert_int_equal(ctl->prev_domid, old_domid);
    assert_false(ctl->chan.attached);
    snprintf(line, sizeof(line), "db: vm 'ctl' restarted (restart 1): domid %u\n", ctl->domid);
    assert_non_null(strstr(sim_console(), line));
    /* Its VMs ran on, and follow it. */
    assert_int_equal(vm_of(t, x1)->state, VM_RUNNING);
    assert_int_equal(vm_of(t, x1)->owner, ctl->domid);
    assert_int_equal(vm_of(t, x2)->owner, ctl->domid);

    client_open(t, &again, "ctl");
    assert_int_equal(again.domid, ctl->domid);
    list_ok(&again, 0, &rsp);
    assert_int_equal(again.next_id, 1);
    assert_int_equal(rsp.list.count, 2);
    assert_int_equal(rsp.list.entries[0].domid, x1);
    assert_string_equal(rsp.list.entries[0].name, "x1");
    assert_int_equal(rsp.list.entries[1].domid, x2);
    assert_int_equal(rsp.list.entries[1].state, PROTO_VM_BUILT);
    assert_int_equal(status_ok(&again, x1, NULL), PROTO_VM_RUNNING);
    domid_call(&other, PROTO_TYPE_DESTROY, x1, &rsp);
    expect_refused(&rsp, PROTO_ERR_NOT_OWNER);
    domid_call(&again, PROTO_TYPE_UNPAUSE, x2, &rsp);
    expect_ok(&rsp);
    /* The quota follows too: x1 and x2 count against CLIENT_VMS. */
    uint16_t more[CLIENT_VMS];
    struct proto_request rq;

    for (unsigned int i = 2; i < CLIENT_VMS; i++) {
        char name[16];

        snprintf(name, sizeof(name), "more%u", i);
        more[i] = build_ok(&again, name, SMALL_MIB, VM_ON_EXIT_DESTROY, 0);
    }
    call(&again, rq_build(&rq, "toomany", "k.elf", SMALL_MIB, 0), &rsp);
    expect_refused(&rsp, PROTO_ERR_QUOTA);
    for (unsigned int i = 2; i < CLIENT_VMS; i++)
        destroy_ok(&again, more[i]);
    destroy_ok(&again, x1);
    destroy_ok(&again, x2);
    list_ok(&again, 0, &rsp);
    assert_int_equal(rsp.list.count, 0);
    assert_verdicts(1);
    /* Everything came back but the client's new domain replacing its old. */
    snap_assert_same(t, &before);
    ctx_free(t);
}

/* The same with a client whose spec fixes its domid: the new incarnation
 * has the old domid, and still its VMs. */
static void server_restarted_fixed_domid_client_keeps_its_vms(void **state)
{
    struct ctx *t = ctx_new(NULL);
    struct proto_response rsp;
    struct vm_config cfg;
    struct client c, again;
    uint16_t x;

    (void)state;
    dfx_config(&cfg, "ctl", "k.elf", GUEST_MIB);
    cfg.on_exit = VM_ON_EXIT_RESTART;
    cfg.domid = 20;
    dfx_config_client(&cfg, CLIENT_VMS, CLIENT_MIB);
    dfx_bootset_vm(t->b, &cfg);
    ctx_boot(t);
    client_open(t, &c, "ctl");
    assert_int_equal(c.domid, 20);
    x = build_ok(&c, "kept", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    assert_int_equal(sim_guest_shutdown(t->f->sim, c.domid, SHUTDOWN_reboot), 0);
    platform_handle_events(t->f->p);
    assert_int_equal(dfx_vm(t->f, "ctl")->state, VM_RUNNING);
    assert_int_equal(dfx_vm(t->f, "ctl")->restarts, 1);
    client_open(t, &again, "ctl");
    assert_int_equal(again.domid, 20);
    assert_int_equal(vm_of(t, x)->owner, 20);
    list_ok(&again, 0, &rsp);
    assert_int_equal(rsp.list.count, 1);
    assert_int_equal(rsp.list.entries[0].domid, x);
    destroy_ok(&again, x);
    ctx_free(t);
}

/* Every slot the platform has is taken: BUSY, and nothing is built. */
static void server_busy_when_every_slot_is_taken(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct platform *p = t->f->p;
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    unsigned int n = p->nr_vms;

    (void)state;
    client_open(t, &c, "ctl");
    /* Stand-ins for VMs of someone else's in every free slot. */
    for (unsigned int i = n; i < PLATFORM_MAX_VMS; i++) {
        p->vms[i].state = VM_STOPPED;
        p->vms[i].owner = DOMID_SELF;
        p->vms[i].domid = (domid_t)(VM_DOMID_MAX - i);
    }
    p->nr_vms = PLATFORM_MAX_VMS;
    call(&c, rq_build(&rq, "nowhere", "k.elf", GUEST_MIB, 0), &rsp);
    expect_refused(&rsp, PROTO_ERR_BUSY);
    assert_int_equal(t->s.builds, 0);
    for (unsigned int i = n; i < PLATFORM_MAX_VMS; i++)
        memset(&p->vms[i], 0, sizeof(p->vms[i]));
    p->nr_vms = n;
    build_ok(&c, "somewhere", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    ctx_free(t);
}

/* Starting a paused VM fails: the client is told, and nothing of the VM is
 * left. */
static void server_unpause_failure_leaves_nothing(void **state)
{
    struct dfx_opts o = {.fault = true};
    struct ctx *t = ctx_new(&o);
    struct proto_response rsp;
    struct client c;
    struct snap before;
    uint16_t d;

    (void)state;
    ctx_vm(t, "ctl", CLIENT_VMS, CLIENT_MIB, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    client_open(t, &c, "ctl");
    snap_take(t, &before);
    d = build_ok(&c, "stuck", GUEST_MIB, VM_ON_EXIT_DESTROY, PROTO_BUILD_LEAVE_PAUSED);
    /* The first failable call of an unpause request is unpausedomain. */
    xenops_fault_arm(&t->f->fault, 1, -XEN_EINVAL);
    domid_call(&c, PROTO_TYPE_UNPAUSE, d, &rsp);
    assert_true(xenops_fault_fired(&t->f->fault, NULL));
    xenops_fault_arm(&t->f->fault, 0, 0);
    expect_refused(&rsp, PROTO_ERR_INTERNAL);
    assert_non_null(strstr(rsp.reason, "unpause failed"));
    assert_null(vm_of(t, d));
    domid_call(&c, PROTO_TYPE_STATUS, d, &rsp);
    expect_refused(&rsp, PROTO_ERR_NO_SUCH_DOMAIN);
    snap_assert_same(t, &before);
    assert_verdicts(1);
    ctx_free(t);
}

/* A client publishes a second request before it has the answer to the
 * first (one slot: impossible for an honest client): dropped. */
static void bump_req_prod(uint8_t *page, void *arg)
{
    uint32_t prod;

    (void)arg;
    memcpy(&prod, page + PROTO_RING_OFF_REQ_PROD, sizeof(prod));
    prod++;
    memcpy(page + PROTO_RING_OFF_REQ_PROD, &prod, sizeof(prod));
}

static void server_second_request_in_flight_drops_client(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client a, b;

    (void)state;
    client_open(t, &a, "ctl");
    client_open(t, &b, "ctl2");
    call(&a, rq_ping(&rq, 1), &rsp);
    expect_ok(&rsp);
    /* Right after the server read req_prod, the client bumps it again. */
    a.vm->chan.ring.race_hook = bump_req_prod;
    client_send(&a, rq_ping(&rq, 2));
    server_handle_events(&t->s);
    assert_true(a.vm->chan.dropped);
    assert_false(client_recv(&a, &rsp));
    assert_non_null(strstr(sim_console(), "dropping client 'ctl'"));
    call(&b, rq_ping(&rq, 3), &rsp);
    expect_ok(&rsp);
    ctx_free(t);
}

/* ---- db-server as an ordinary domain (docs/disaggregation.md) ---- */

#define SERVER_DOMID 7 /* the builder's domid when it is not dom0 */

/* db-server built by db-boot as domain 7: the VMs it builds on request get
 * their console, xenstore and channel towards domain 7 (the sim lets only
 * the caller bind a port allocated for it), the reserved grants name it,
 * their command line says where the server is, and it populates with the
 * order Xen lets a domU use (the sim completes nothing above 9). */
/* db-server as domain SERVER_DOMID, its client "ctl" connected. */
static struct ctx *ctx_domu(struct client *c)
{
    const struct dfx_opts o = {.self = SERVER_DOMID};
    struct ctx *t = ctx_new(&o);

    ctx_vm(t, "ctl", CLIENT_VMS, CLIENT_MIB, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    client_open(t, c, "ctl");
    return t;
}

static void server_as_domu_backs_its_vms_itself(void **state)
{
    struct sim_domain_info info;
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    struct ctx *t = ctx_domu(&c);
    char want[40];
    domid_t remote;
    struct vm *vm;

    (void)state;
    assert_true(t->f->p->domu);
    assert_int_equal(t->f->p->self_domid, SERVER_DOMID);
    dfx_assert_console_has("db: building as an ordinary domain (domid 7)");
    assert_non_null(strstr(dfx_guest_cmdline(t->f, c.vm), "domb.server=7,"));
    call(&c, rq_build(&rq, "web", "k.elf", GUEST_MIB, 0), &rsp);
    expect_ok(&rsp);
    vm = vm_of(t, rsp.build.domid);
    assert_non_null(vm);
    assert_int_equal(vm->state, VM_RUNNING);
    snprintf(want, sizeof(want), "domb.server=%u,%u,", SERVER_DOMID, vm->chan.guest_port);
    assert_non_null(strstr(dfx_guest_cmdline(t->f, vm), want));
    /* The console is not relayed here: unbound, for domain 7 to bind. */
    assert_int_equal(sim_evtchn(t->f->sim, vm->domid, rsp.build.console_port, &remote), 1);
    assert_int_equal(remote, SERVER_DOMID);
    assert_int_equal(sim_evtchn(t->f->sim, vm->domid, rsp.build.store_port, &remote), 2);
    assert_int_equal(remote, SERVER_DOMID);
    assert_int_equal(sim_evtchn(t->f->sim, vm->domid, vm->chan.guest_port, &remote), 2);
    assert_int_equal(remote, SERVER_DOMID);
    assert_int_equal(sim_domain_info(t->f->sim, vm->domid, &info), 0);
    assert_int_equal(info.gnttab[0].domid, SERVER_DOMID);
    assert_int_equal(info.gnttab[1].domid, SERVER_DOMID);
    assert_int_equal(info.tot_pages, GUEST_MIB * PAGES_PER_MIB);
    destroy_ok(&c, rsp.build.domid);
    ctx_free(t);
}

/* The same server with dom0's extent order fails every build (what Xen
 * does to a domU asking for order 12: nothing populated), so the order
 * above is the reason it works. */
static void server_as_domu_with_dom0_order_fails(void **state)
{
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    struct ctx *t = ctx_domu(&c);

    (void)state;
    t->f->p->domu = false; /* as if it took itself for dom0 */
    call(&c, rq_build(&rq, "web", "k.elf", GUEST_MIB, 0), &rsp);
    expect_refused(&rsp, PROTO_ERR_NO_MEMORY); /* Xen: 0 extents done */
    assert_non_null(strstr(rsp.reason, "0 of 1 extents of order 12"));
    t->f->p->domu = true;
    ctx_free(t);
}

/* The platform labels the VMs built on request (db-server's command line),
 * not the client: under FLASK each is created under the build label and
 * relabelled before it runs. */
static void server_labels_requested_vms(void **state)
{
    const struct dfx_opts o = {.flask = true};
    struct ctx *t = ctx_new(&o);
    struct sim_domain_info info;
    struct proto_request rq;
    struct proto_response rsp;
    struct domb_error err;
    struct client c;

    (void)state;
    ctx_vm(t, "ctl", CLIENT_VMS, CLIENT_MIB, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    assert_int_equal(server_set_labels(&t->s,
                                       "domb.guest_seclabel=system_u:system_r:domb_guest_t "
                                       "domb.guest_init_seclabel=system_u:system_r:domb_guest_t_"
                                       "building",
                                       &err),
                     0);
    client_open(t, &c, "ctl");
    /* With the isolation check, each VM started on request is checked. */
    assert_int_equal(platform_isolation_check(t->f->p, "domb.isolation_check="), 0);
    call(&c, rq_build(&rq, "web", "k.elf", GUEST_MIB, 0), &rsp);
    expect_ok(&rsp);
    assert_int_equal(sim_domain_info(t->f->sim, rsp.build.domid, &info), 0);
    assert_int_equal(info.ssidref, SIM_SID_GUEST);
    assert_int_equal(info.relabels, 1);
    assert_false(info.paused);
    dfx_assert_console_has("db: isolation check: mapping its start_info frame after the relabel "
                           "of domain 2 (web): error -13 (refused, as it must be)");
    assert_int_equal(t->f->p->isolation_wrong, 0);
    destroy_ok(&c, rsp.build.domid);
    /* Without labels: Xen's default domU SID, no relabel. */
    assert_int_equal(server_set_labels(&t->s, "console=hvc0", &err), 0);
    call(&c, rq_build(&rq, "web2", "k.elf", GUEST_MIB, 0), &rsp);
    expect_ok(&rsp);
    assert_int_equal(sim_domain_info(t->f->sim, rsp.build.domid, &info), 0);
    assert_int_equal(info.ssidref, SIM_SID_DOMU);
    assert_int_equal(info.relabels, 0);
    destroy_ok(&c, rsp.build.domid);
    ctx_free(t);
}

/* Bad labels on the server's command line are named; an init label needs
 * the running one. */
static void server_labels_checked(void **state)
{
    struct server s;
    struct domb_error err;

    (void)state;
    memset(&s, 0, sizeof(s));
    assert_int_equal(server_set_labels(&s, NULL, &err), 0);
    assert_string_equal(s.guest_seclabel, "");
    assert_int_equal(server_set_labels(&s, "domb.guest_seclabel=nocolons", &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "domb.guest_seclabel=: seclabel 'nocolons'"));
    assert_int_equal(
        server_set_labels(&s, "domb.guest_init_seclabel=system_u:system_r:domb_guest_t", &err),
        -XEN_EINVAL);
    assert_string_equal(err.msg, "domb.guest_init_seclabel= needs domb.guest_seclabel= (the label "
                                 "the VMs run with once built)");
    assert_int_equal(server_set_labels(&s,
                                       "domb.guest_seclabel=system_u:system_r:aaaaaaaaaaaaaaaaaaa"
                                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                       &err),
                     -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "domb.guest_seclabel=: seclabel"));
}

/* A client cannot make a domain builder (only the platform booting
 * db-server hands out VIRQ_DOM_EXC). */
static void server_refuses_a_builder(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;

    (void)state;
    client_open(t, &c, "ctl");
    rq_build(&rq, "b", "k.elf", GUEST_MIB, 0);
    rq.build.spec.db_builder = true;
    call(&c, &rq, &rsp);
    expect_refused(&rsp, PROTO_ERR_BAD_SPEC);
    assert_string_equal(rsp.reason, "db_builder: a client cannot ask for a domain builder");
    assert_int_equal(t->f->p->nr_vms, t->nr_boot);
    ctx_free(t);
}

static void server_failed_build_leaves_nothing(void **state)
{
    struct ctx *t = ctx_new(NULL);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    struct snap before;
    struct vm *slot;
    uint16_t d;

    (void)state;
    ctx_vm(t, "ctl", 1, CLIENT_MIB, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    client_open(t, &c, "ctl");
    snap_take(t, &before);
    call(&c, rq_build(&rq, "bad", "broken.elf", GUEST_MIB, 0), &rsp);
    expect_refused(&rsp, PROTO_ERR_BUILD_FAILED);
    snap_assert_same(t, &before);
    assert_int_equal(t->f->p->nr_vms, t->nr_boot + 1);
    slot = &t->f->p->vms[t->nr_boot];
    assert_int_equal(slot->state, VM_FAILED);
    assert_verdicts(1);
    /* The summary says it failed, not that it exited; the server's verdict
     * is not the client's. */
    assert_true(platform_report(t->f->p, "db-server"));
    assert_true(dfx_summary_has("bad", "-", "FAILED: "));
    assert_int_equal(t->s.builds, 0);
    /* Not charged against the quota of one, not listed; the slot is reused. */
    list_ok(&c, 0, &rsp);
    assert_int_equal(rsp.list.count, 0);
    d = build_ok(&c, "good", GUEST_MIB, VM_ON_EXIT_DESTROY, 0);
    assert_ptr_equal(vm_of(t, d), slot);
    assert_int_equal(t->f->p->nr_vms, t->nr_boot + 1);
    destroy_ok(&c, d);
    assert_verdicts(2);
    snap_assert_same(t, &before);
    ctx_free(t);
}

/* Every failable call of a build request fails once in turn: each answer is
 * an error or a VM, nothing is ever left behind, and the memory verdicts
 * stay honest. */
static void server_build_fault_sweep(void **state)
{
    struct dfx_opts o = {.fault = true};
    struct ctx *t = ctx_new(&o);
    struct proto_request rq;
    struct proto_response rsp;
    struct client c;
    struct snap before;
    unsigned long calls = 0, calls_now = 0, failures = 0, n;

    (void)state;
    ctx_vm(t, "ctl", CLIENT_VMS, CLIENT_MIB, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    client_open(t, &c, "ctl");
    t->notify_may_fail = true;
    snap_take(t, &before);
    /* How many calls a build request makes. */
    xenops_fault_arm(&t->f->fault, 0, 0);
    call(&c, rq_build(&rq, "count", "k.elf", SMALL_MIB, 0), &rsp);
    expect_ok(&rsp);
    xenops_fault_fired(&t->f->fault, &calls);
    assert_true(calls > 10);
    destroy_ok(&c, rsp.build.domid);
    for (n = 1; n <= calls; n++) {
        xenops_fault_arm(&t->f->fault, n, (n & 1) ? -XEN_EIO : -XEN_ENOMEM);
        call(&c, rq_build(&rq, "sweep", "k.elf", SMALL_MIB, 0), &rsp);
        if (!xenops_fault_fired(&t->f->fault, &calls_now))
            fail_msg("call %lu of %lu never came (%lu calls; answered %s: %s)", n, calls, calls_now,
                     proto_error_name(rsp.error) ?: "OK", rsp.reason);
        xenops_fault_arm(&t->f->fault, 0, 0);
        if (rsp.status == 0) {
            destroy_ok(&c, rsp.build.domid);
        } else {
            failures++;
            if (rsp.error != PROTO_ERR_BUILD_FAILED && rsp.error != PROTO_ERR_NO_MEMORY)
                fail_msg("call %lu: answered %s (%s)", n, proto_error_name(rsp.error), rsp.reason);
        }
        snap_assert_same(t, &before);
        /* One slot serves every attempt. */
        assert_int_equal(t->f->p->nr_vms, t->nr_boot + 1);
    }
    assert_true(failures > 0);
    assert_null(strstr(sim_console(), VERDICT_DIFFER));
    assert_int_equal(dfx_console_count(VERDICT), dfx_console_count(VERDICT_EQUAL));
    /* And the next build works. */
    destroy_ok(&c, build_ok(&c, "after", SMALL_MIB, VM_ON_EXIT_DESTROY, 0));
    ctx_free(t);
}

static void server_refusals_rate_limited(void **state)
{
    struct ctx *t = ctx_standard(VM_ON_EXIT_DESTROY);
    struct proto_response rsp;
    struct client c;
    char line[160];

    (void)state;
    client_open(t, &c, "ctl");
    for (unsigned int i = 0; i < 2005; i++) {
        domid_call(&c, PROTO_TYPE_STATUS, NO_SUCH_DOMID, &rsp);
        expect_refused(&rsp, PROTO_ERR_NO_SUCH_DOMAIN);
    }
    snprintf(line, sizeof(line),
             "db-server: refused request 1 from 'ctl' (domid %u): NO_SUCH_DOMAIN: no domain %u\n",
             c.domid, NO_SUCH_DOMID);
    assert_non_null(strstr(sim_console(), line));
    assert_int_equal(dfx_console_count("db-server: refused request"), 5);
    assert_int_equal(dfx_console_count("requests refused so far"), 2);
    snprintf(line, sizeof(line), "db-server: 'ctl' (domid %u): 1000 requests refused so far\n",
             c.domid);
    assert_non_null(strstr(sim_console(), line));
    snprintf(line, sizeof(line), "db-server: 'ctl' (domid %u): 2000 requests refused so far\n",
             c.domid);
    assert_non_null(strstr(sim_console(), line));
    /* Answers are not rate limited. */
    assert_int_equal(c.vm->chan.requests, 2005);
    assert_int_equal(c.vm->chan.refused, 2005);
    ctx_free(t);
}

/* server_run with "wait": the test's world plays the client (build a VM,
 * then everyone powers off); the loop ends when every VM has stopped. */
struct run_play {
    struct ctx *t;
    struct client c;
    int step;
    uint16_t built;
};

static void run_world(struct dfx *f, void *arg)
{
    struct run_play *r = arg;
    struct proto_request rq;
    struct proto_response rsp;

    switch (r->step) {
    case 0:
        client_open(r->t, &r->c, "ctl");
        client_send(&r->c, rq_build(&rq, "job", "k.elf", GUEST_MIB, 0));
        r->step = 1;
        break;
    case 1:
        if (!client_recv(&r->c, &rsp))
            break;
        expect_ok(&rsp);
        r->built = rsp.build.domid;
        /* Everyone stops at once: the loop ends in the pass that releases
         * the VM built on request. */
        assert_int_equal(sim_guest_shutdown(f->sim, r->built, SHUTDOWN_poweroff), 0);
        assert_int_equal(dfx_guest_shutdown(f, dfx_vm(f, "ctl"), SHUTDOWN_poweroff), 0);
        assert_int_equal(dfx_guest_shutdown(f, dfx_vm(f, "plain"), SHUTDOWN_poweroff), 0);
        r->step = 2;
        break;
    default:
        break;
    }
}

static void server_run_ends_when_every_vm_stopped(void **state)
{
    struct ctx *t = ctx_new(NULL);
    struct run_play r = {.t = t};

    (void)state;
    ctx_vm(t, "ctl", CLIENT_VMS, CLIENT_MIB, VM_ON_EXIT_DESTROY);
    ctx_vm(t, "plain", 0, 0, VM_ON_EXIT_DESTROY);
    ctx_boot(t);
    t->f->world_hook = run_world;
    t->f->world_hook_arg = &r;
    dfx_script(t->f, NULL);
    server_run(&t->s);
    assert_false(t->f->stuck);
    assert_int_equal(r.step, 2);
    assert_int_equal(platform_running(t->f->p), 0);
    assert_int_equal(t->s.requests, 1);
    assert_int_equal(t->s.builds, 1);
    assert_non_null(strstr(sim_console(), "built 'job'"));
    assert_null(vm_of(t, r.built));
    /* The VM built on request went with its on_exit policy in the last
     * pass: the verdict is printed before the loop ends, and says why it
     * cannot compare (the boot set's VMs went at the same time). */
    assert_int_equal(dfx_console_count(VERDICT), 1);
    assert_non_null(strstr(sim_console(), VERDICT " (free memory not compared: 2 of the boot set's "
                                                  "VMs stopped meanwhile)\n"));
    assert_null(strstr(sim_console(), VERDICT_DIFFER));
    assert_true(platform_report(t->f->p, "db-server"));
    ctx_free(t);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(server_ping_echoes),
    cmocka_unit_test(server_build_runs_measured),
    cmocka_unit_test(server_build_with_ramdisk),
    cmocka_unit_test(server_build_paused_then_unpause),
    cmocka_unit_test(server_destroy_gives_memory_back),
    cmocka_unit_test(server_list_ascending_with_cursor),
    cmocka_unit_test(server_list_pages_beyond_max),
    cmocka_unit_test(server_status_running_shutdown_gone),
    cmocka_unit_test(server_status_after_on_exit_destroy),
    cmocka_unit_test(server_status_does_not_swallow_on_exit),
    cmocka_unit_test(server_status_gone_keeps_reason),
    cmocka_unit_test(server_status_after_two_restarts),
    cmocka_unit_test(server_memory_verdict_not_fooled_by_boot_set),
    cmocka_unit_test(server_status_of_vm_destroyed_elsewhere),
    cmocka_unit_test(server_ownership_enforced),
    cmocka_unit_test(server_dead_client_vms_not_inherited),
    cmocka_unit_test(server_quota_max_vms),
    cmocka_unit_test(server_quota_max_memory),
    cmocka_unit_test(server_quota_max_devices),
    cmocka_unit_test(server_build_with_devices),
    cmocka_unit_test(server_no_memory),
    cmocka_unit_test(server_kernel_sha256_checked),
    cmocka_unit_test(server_image_not_in_catalog),
    cmocka_unit_test(server_non_client_refused_and_logged),
    cmocka_unit_test(server_request_ids_must_increase),
    cmocka_unit_test(server_malformed_requests_answered),
    cmocka_unit_test(server_corrupt_ring_drops_only_that_client),
    cmocka_unit_test(server_ring_header_checked_on_attach),
    cmocka_unit_test(server_conforming_client_notified_of_need),
    cmocka_unit_test(server_client_vm_on_exit_restart),
    cmocka_unit_test(server_restarted_client_keeps_its_vms),
    cmocka_unit_test(server_restarted_fixed_domid_client_keeps_its_vms),
    cmocka_unit_test(server_busy_when_every_slot_is_taken),
    cmocka_unit_test(server_unpause_failure_leaves_nothing),
    cmocka_unit_test(server_second_request_in_flight_drops_client),
    cmocka_unit_test(server_failed_build_leaves_nothing),
    cmocka_unit_test(server_build_fault_sweep),
    cmocka_unit_test(server_refusals_rate_limited),
    cmocka_unit_test(server_run_ends_when_every_vm_stopped),
    cmocka_unit_test(server_as_domu_backs_its_vms_itself),
    cmocka_unit_test(server_as_domu_with_dom0_order_fails),
    cmocka_unit_test(server_labels_requested_vms),
    cmocka_unit_test(server_labels_checked),
    cmocka_unit_test(server_refuses_a_builder),
};

DOMB_TEST_MAIN(tests)
