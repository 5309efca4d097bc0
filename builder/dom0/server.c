/*
 * db-server's request loop: each client's channel ring, who may ask what,
 * builds/starts/destroys through the platform, answers, and the proof that
 * every requested VM gave its memory back.
 */
#include <dom0/server.h>
#include <domb/cmdline.h>
#include <domb/errno.h>
#include <domb/log.h>
#include <domb/sha256.h>
#include <initrd/cpio.h>

/* Logged refusals per client before we stop repeating ourselves. */
#define REFUSALS_LOGGED 5

void server_init(struct server *s, struct platform *p, const void *catalog, size_t len)
{
    memset(s, 0, sizeof(*s));
    s->platform = p;
    s->catalog = catalog;
    s->catalog_len = len;
}

int server_set_labels(struct server *s, const char *cmdline, struct domb_error *err)
{
    static const struct {
        const char *arg, *key;
        size_t off;
    } labels[] = {
        {"domb.guest_seclabel", "seclabel", offsetof(struct server, guest_seclabel)},
        {"domb.guest_init_seclabel", "init_seclabel", offsetof(struct server, guest_init_seclabel)},
    };
    struct domb_error why;

    for (unsigned int i = 0; i < 2; i++) {
        char *label = (char *)s + labels[i].off;
        char value[VM_SECLABEL_MAX + 2] = "";

        label[0] = '\0';
        if (!cmdline || !cmdline_get(cmdline, labels[i].arg, value, sizeof(value)))
            continue;
        if (vm_config_check_seclabel(labels[i].key, value, &why) != 0)
            return domb_error_set(err, -XEN_EINVAL, "%s=: %s", labels[i].arg, why.msg);
        domb_snprintf(label, VM_SECLABEL_MAX + 1, "%s", value);
    }
    if (s->guest_init_seclabel[0] && !s->guest_seclabel[0])
        return domb_error_set(err, -XEN_EINVAL,
                              "domb.guest_init_seclabel= needs domb.guest_seclabel= (the label "
                              "the VMs run with once built)");
    return 0;
}

static bool serving(const struct vm *vm)
{
    return vm->chan.page && !vm->chan.dropped && (vm->state == VM_RUNNING || vm->state == VM_BUILT);
}

unsigned int server_ports(const struct server *s, evtchn_port_t *ports, unsigned int max)
{
    const struct platform *p = s->platform;
    unsigned int n = 0;

    for (unsigned int i = 0; i < p->nr_vms && n < max; i++)
        if (serving(&p->vms[i]))
            ports[n++] = p->vms[i].chan.port;
    return n;
}

/*
 * Refuse a request: record rc, the protocol error value the client is
 * answered with (PROTO_RC(PROTO_ERR_...), like every other error value the
 * server passes around), and the reason it reads; returns rc. Every refusal
 * in this file goes through here, so a reason's arguments are checked
 * against its format.
 */
__attribute__((format(printf, 3, 4))) static int fail(struct domb_error *err, int rc,
                                                      const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    rc = domb_error_vset(err, rc, fmt, ap);
    va_end(ap);
    return rc;
}

/* Built and not yet destroyed (a VM_DESTROYED record only keeps its reason). */
static bool held(const struct vm *vm)
{
    return vm->state == VM_BUILT || vm->state == VM_RUNNING || vm->state == VM_STOPPED;
}

/* The VM `domid` if `client` built it; else an error naming why not. */
static struct vm *owned_vm(struct server *s, const struct vm *client, uint16_t domid,
                           struct domb_error *err)
{
    struct platform *p = s->platform;

    for (unsigned int i = 0; i < p->nr_vms; i++) {
        struct vm *vm = &p->vms[i];

        if (vm->domid != domid || !held(vm))
            continue;
        if (vm->owner != client->domid) {
            fail(err, PROTO_RC(PROTO_ERR_NOT_OWNER), "domain %u was not built by you", domid);
            return NULL;
        }
        return vm;
    }
    fail(err, PROTO_RC(PROTO_ERR_NO_SUCH_DOMAIN), "no domain %u", domid);
    return NULL;
}

/* What `client` holds now: VMs built on its request and not destroyed. */
static void usage_of(const struct server *s, const struct vm *client, struct proto_usage *u)
{
    const struct platform *p = s->platform;

    u->vms = u->memory_mib = u->devices = 0;
    for (unsigned int i = 0; i < p->nr_vms; i++) {
        const struct vm *vm = &p->vms[i];

        if (vm->owner == client->domid && held(vm)) {
            u->vms++;
            u->memory_mib += vm->config.maxmem_mib;
            u->devices += vm->config.nr_devices;
        }
    }
}

/* Is any VM built on a client's request still there? */
static bool requested_held(const struct server *s)
{
    const struct platform *p = s->platform;

    for (unsigned int i = 0; i < p->nr_vms; i++)
        if (p->vms[i].owner != DOMID_SELF && held(&p->vms[i]))
            return true;
    return false;
}

/* VMs of the boot set that hold memory now. */
static unsigned int boot_held(const struct server *s)
{
    const struct platform *p = s->platform;
    unsigned int n = 0;

    for (unsigned int i = 0; i < p->nr_vms; i++)
        if (p->vms[i].owner == DOMID_SELF && held(&p->vms[i]))
            n++;
    return n;
}

static void memory_mark(struct server *s)
{
    const struct xenops *xen = s->platform->xen;

    if (!s->marked && !requested_held(s)) {
        s->boot_held_before = boot_held(s);
        xenops_physinfo(xen, &s->xen_free_before, NULL);
        s->alloc_free_before = xen->scratch_free_pages(xen->ctx);
        s->xs_nodes_before = s->platform->store.used_nodes;
        s->marked = true;
    }
}

/* After a failed build, a destroy, or VMs released by their on_exit policy:
 * once no VM built on request is left, prove that everything came back. */
static void memory_check(struct server *s)
{
    const struct xenops *xen = s->platform->xen;
    uint64_t xen_free, alloc_free;
    uint32_t nodes;

    if (!s->marked || requested_held(s))
        return;
    s->marked = false;
    /* A VM of the boot set that went meanwhile gave its memory back too:
     * comparing would blame the requested VMs for a difference. */
    if (boot_held(s) != s->boot_held_before) {
        printk("db-server: every requested VM is gone (free memory not compared: %u of the boot "
               "set's VMs stopped meanwhile)\n",
               s->boot_held_before - boot_held(s));
        return;
    }
    xen_free = platform_settled_xen_free(s->platform, s->xen_free_before);
    alloc_free = xen->scratch_free_pages(xen->ctx);
    nodes = s->platform->store.used_nodes;
    printk("db-server: every requested VM is gone: Xen free pages %lu (before the first build "
           "%lu: %s), builder free pages %lu (before %lu: %s), xenstore nodes %u (before %u: "
           "%s)\n",
           xen_free, s->xen_free_before, xen_free == s->xen_free_before ? "equal" : "DIFFERENT",
           alloc_free, s->alloc_free_before,
           alloc_free == s->alloc_free_before ? "equal" : "DIFFERENT", nodes, s->xs_nodes_before,
           nodes == s->xs_nodes_before ? "equal" : "DIFFERENT");
}

/* With domb.isolation_check, each VM started on request, now relabelled,
 * must be out of our reach too (docs/disaggregation.md). */
static void server_check_started(struct server *s, struct vm *vm)
{
    if (s->platform->isolation_check)
        platform_isolation_check_vm(s->platform, vm);
}

static int find_image(struct server *s, const char *name, const void **data, size_t *size,
                      struct domb_error *err)
{
    char member[16 + VM_PATH_MAX + 1];
    struct domb_error sub;

    domb_snprintf(member, sizeof(member), "%s%s", BOOTSET_IMAGE_DIR, name);
    if (cpio_find(s->catalog, s->catalog_len, member, data, size, &sub) != 0)
        return fail(err, PROTO_RC(PROTO_ERR_NO_IMAGE), "image '%s' is not in the server's catalog",
                    name);
    return 0;
}

static int do_build(struct server *s, struct vm *client, const struct proto_request *req,
                    struct proto_response *rsp, struct domb_error *err)
{
    static struct vm_config labelled; /* requests are served one at a time */
    const struct vm_config *spec = &req->build.spec;
    struct proto_quota quota = {client->config.db_max_vms, client->config.db_max_memory_mib,
                                client->config.db_max_devices};
    struct proto_build_result *out = &rsp->build;
    struct vm_build_opts opts;
    struct proto_usage used;
    const void *kernel, *ramdisk = NULL;
    size_t kernel_size, ramdisk_size = 0;
    struct vm *vm;
    int rc;

    if (spec->db_builder)
        return fail(err, PROTO_RC(PROTO_ERR_BAD_SPEC),
                    "db_builder: a client cannot ask for a domain builder");
    if ((rc = find_image(s, spec->kernel, &kernel, &kernel_size, err)) ||
        (spec->ramdisk[0] && (rc = find_image(s, spec->ramdisk, &ramdisk, &ramdisk_size, err))))
        return rc;
    usage_of(s, client, &used);
    if ((rc = proto_quota_check(&quota, &used, spec->maxmem_mib, spec->nr_devices, err)))
        return rc;
    /* A measured build: the hashes of exactly what is loaded. */
    sha256(kernel, kernel_size, out->kernel_sha256);
    if (ramdisk)
        sha256(ramdisk, ramdisk_size, out->ramdisk_sha256);
    if (spec->has_kernel_sha256 &&
        memcmp(spec->kernel_sha256, out->kernel_sha256, SHA256_DIGEST_SIZE) != 0)
        return fail(err, PROTO_RC(PROTO_ERR_BAD_SPEC), "kernel '%s' does not match kernel_sha256",
                    spec->kernel);
    if (spec->has_ramdisk_sha256 &&
        memcmp(spec->ramdisk_sha256, out->ramdisk_sha256, SHA256_DIGEST_SIZE) != 0)
        return fail(err, PROTO_RC(PROTO_ERR_BAD_SPEC), "ramdisk '%s' does not match ramdisk_sha256",
                    spec->ramdisk);
    platform_build_opts(s->platform, &opts);
    vm = platform_new_vm(s->platform);
    if (!vm)
        return fail(err, PROTO_RC(PROTO_ERR_BUSY), "the server manages as many VMs as it can");
    memory_mark(s);
    /* The platform's labels, not the client's (the protocol carries none). */
    labelled = *spec;
    domb_snprintf(labelled.seclabel, sizeof(labelled.seclabel), "%s", s->guest_seclabel);
    domb_snprintf(labelled.init_seclabel, sizeof(labelled.init_seclabel), "%s",
                  s->guest_init_seclabel);
    rc = vm_build(vm, &labelled, kernel, kernel_size, ramdisk, ramdisk_size, &opts);
    if (rc == 0) {
        vm->owner = client->domid;
        if (!(req->build.flags & PROTO_BUILD_LEAVE_PAUSED) && (rc = vm_unpause(vm)) == 0)
            server_check_started(s, vm);
    }
    if (rc) {
        /* vm_build and vm_unpause return Xen errnos; the client gets ours. */
        rc = fail(err, PROTO_RC(rc == -XEN_ENOMEM ? PROTO_ERR_NO_MEMORY : PROTO_ERR_BUILD_FAILED),
                  "%s", vm->error.msg);
        /* Nothing of it is left and the slot is free again; the summary
         * says it failed and why (it never ran: not "exited"). */
        vm->state = VM_FAILED;
        memory_check(s);
        return rc;
    }
    s->builds++;
    out->domid = vm->domid;
    out->flags = (vm->state == VM_BUILT ? PROTO_BUILT_PAUSED : 0) |
                 (ramdisk ? PROTO_BUILT_RAMDISK : 0) |
                 (spec->type == VM_TYPE_PVH ? PROTO_BUILT_PVH : 0);
    out->console_port = vm->result.console_port;
    out->store_port = vm->result.store_port;
    /* For PVH the builder's frames are gfns (PROTO_BUILT_PVH says so). */
    out->start_info_mfn = mfn_x(vm->result.start_info_mfn);
    out->console_mfn = mfn_x(vm->result.console_mfn);
    out->store_mfn = mfn_x(vm->result.store_mfn);
    out->nr_pages = vm->result.nr_pages;
    out->build_ns = vm->build_ns;
    out->hypercalls = vm->hypercalls;
    printk("db-server: '%s' (domid %u) built '%s': domid %u, %s, %u MiB, %lu us, %u hypercalls\n",
           client->name, client->domid, vm->name, vm->domid, vm_type_name(spec->type),
           vm->memory_mib, vm->build_ns / 1000, vm->hypercalls);
    return 0;
}

/*
 * The state to report, and the reason (*reason) once it has stopped. A
 * running VM that has shut down is reported so at once, but only read, not
 * moved to VM_STOPPED: noticing an exit and applying the VM's on_exit
 * policy is the platform's loop's job, and it looks only at VMs it still
 * sees running (vm_poll_exit here would leave an on_exit destroy or restart
 * undone for good).
 */
static enum proto_vm_state state_of(const struct vm *vm, unsigned int *reason)
{
    struct xen_domctl_getdomaininfo info;
    int rc;

    *reason = vm->shutdown_reason;
    switch (vm->state) {
    case VM_BUILT:
        return PROTO_VM_BUILT;
    case VM_RUNNING:
        rc = xenops_domain_info(vm->xen, vm->domid, &info);
        if (rc == -XEN_ESRCH)
            return PROTO_VM_GONE;
        if (rc == 0 && (info.flags & XEN_DOMINF_shutdown)) {
            *reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
            return PROTO_VM_SHUTDOWN;
        }
        /* Destroyed by someone else and not gone yet. */
        return rc == 0 && (info.flags & XEN_DOMINF_dying) ? PROTO_VM_DYING : PROTO_VM_RUNNING;
    case VM_STOPPED:
        return PROTO_VM_SHUTDOWN;
    default:
        return PROTO_VM_GONE;
    }
}

/* The client's record for domid, best match first: a VM that holds the
 * domid now, then one destroyed by its on_exit policy (its record and
 * shutdown reason stay until the slot is reused), then one whose on_exit
 * restart replaced that domid: the last domain it replaced, or the first
 * one, whose domid is the one the client was told when it asked for the
 * build (*replaced_reason then says how that domain shut down, else NULL).
 * Domids are reused only after Xen wraps around, so the order matters only
 * then. */
static struct vm *status_record(struct server *s, const struct vm *client, uint16_t domid,
                                const unsigned int **replaced_reason)
{
    struct platform *p = s->platform;

    *replaced_reason = NULL;
    for (int pass = 0; pass < 4; pass++) {
        for (unsigned int i = 0; i < p->nr_vms; i++) {
            struct vm *vm = &p->vms[i];

            if (vm->owner != client->domid)
                continue;
            if ((pass == 0 && vm->domid == domid && held(vm)) ||
                (pass == 1 && vm->domid == domid && vm->state == VM_DESTROYED)) {
                return vm;
            }
            if (pass == 2 && vm->prev_domid == domid && domid != 0) {
                *replaced_reason = &vm->prev_reason;
                return vm;
            }
            if (pass == 3 && vm->first_domid == domid && domid != 0) {
                *replaced_reason = &vm->first_reason;
                return vm;
            }
        }
    }
    return NULL;
}

static int do_status(struct server *s, struct vm *client, uint16_t domid,
                     struct proto_response *rsp, struct domb_error *err)
{
    const unsigned int *replaced_reason;
    struct vm *vm = status_record(s, client, domid, &replaced_reason);
    unsigned int reason;

    if (!vm)
        return owned_vm(s, client, domid, err) ? 0 : err->code;
    rsp->vm_status.domid = domid;
    if (replaced_reason) {
        rsp->vm_status.state = PROTO_VM_GONE;
        reason = *replaced_reason;
    } else {
        rsp->vm_status.state = state_of(vm, &reason);
        rsp->vm_status.nr_pages = vm->result.nr_pages;
    }
    /* The reason is meaningful once it has stopped (and stays after an
     * on_exit destroy or restart); Xen's codes above the protocol's range
     * read 0. */
    rsp->vm_status.shutdown_reason =
        (rsp->vm_status.state == PROTO_VM_SHUTDOWN || rsp->vm_status.state == PROTO_VM_GONE) &&
                reason <= PROTO_SHUTDOWN_MAX
            ? (uint8_t)reason
            : 0;
    return 0;
}

static void do_list(struct server *s, struct vm *client, uint32_t cursor,
                    struct proto_response *rsp)
{
    const struct platform *p = s->platform;
    struct proto_list *l = &rsp->list;
    uint32_t last = 0;

    l->count = 0;
    l->more = false;
    /* Ascending domid from the cursor: pick the next smallest each time. */
    for (;;) {
        const struct vm *best = NULL;

        for (unsigned int i = 0; i < p->nr_vms; i++) {
            const struct vm *vm = &p->vms[i];

            if (vm->owner != client->domid || vm->domid < cursor ||
                (l->count && vm->domid <= last) || !held(vm))
                continue;
            if (!best || vm->domid < best->domid)
                best = vm;
        }
        if (!best)
            return;
        if (l->count == PROTO_LIST_MAX) {
            l->more = true;
            l->next_cursor = best->domid;
            return;
        }
        struct proto_list_entry *e = &l->entries[l->count++];
        e->domid = best->domid;
        e->state = best->state == VM_BUILT     ? PROTO_VM_BUILT
                   : best->state == VM_RUNNING ? PROTO_VM_RUNNING
                                               : PROTO_VM_SHUTDOWN;
        e->memory_kib = (uint64_t)best->memory_mib * 1024;
        domb_snprintf(e->name, sizeof(e->name), "%s", best->name);
        last = best->domid;
    }
}

static int dispatch(struct server *s, struct vm *client, const struct proto_request *req,
                    struct proto_response *rsp, struct domb_error *err)
{
    struct vm *vm;
    int rc;

    switch (req->type) {
    case PROTO_TYPE_BUILD:
        return do_build(s, client, req, rsp, err);
    case PROTO_TYPE_UNPAUSE:
        if (!(vm = owned_vm(s, client, req->domid, err)))
            return err->code;
        if (vm->state != VM_BUILT)
            return fail(err, PROTO_RC(PROTO_ERR_BAD_FIELD), "domain %u is not paused", req->domid);
        if ((rc = vm_unpause(vm)) != 0)
            return fail(err, PROTO_RC(PROTO_ERR_INTERNAL), "unpause failed: %s", vm->error.msg);
        server_check_started(s, vm);
        rsp->domid = req->domid;
        return 0;
    case PROTO_TYPE_DESTROY:
        if (!(vm = owned_vm(s, client, req->domid, err)))
            return err->code;
        if ((rc = vm_destroy(vm)) != 0)
            return fail(err, PROTO_RC(PROTO_ERR_INTERNAL), "destroy failed: %s", vm->error.msg);
        printk("db-server: '%s' (domid %u) destroyed '%s' (domid %u)\n", client->name,
               client->domid, vm->name, vm->domid);
        platform_orphan(s->platform, vm->domid); /* were it a client: its VMs */
        memory_check(s);
        rsp->domid = req->domid;
        return 0;
    case PROTO_TYPE_STATUS:
        return do_status(s, client, req->domid, rsp, err);
    case PROTO_TYPE_LIST:
        do_list(s, client, req->cursor, rsp);
        return 0;
    case PROTO_TYPE_PING:
        rsp->ping = req->ping;
        return 0;
    default:
        return fail(err, PROTO_RC(PROTO_ERR_UNKNOWN_TYPE), "request type %u", req->type);
    }
}

/* A client's request was answered with an error: say so, for the first few
 * and then every 1000th, so a flooding client cannot flood the console. */
static void log_refusal(struct vm *client, const struct proto_response *rsp,
                        const struct domb_error *why)
{
    unsigned long n = ++client->chan.refused;

    /* The whole reason: the response's field may have had to shorten it. */
    if (n <= REFUSALS_LOGGED)
        printk("db-server: refused request %lu from '%s' (domid %u): %s: %s\n", rsp->id,
               client->name, client->domid, proto_error_name(rsp->error),
               why->msg[0] ? why->msg : rsp->reason);
    else if (n % 1000 == 0)
        printk("db-server: '%s' (domid %u): %lu requests refused so far\n", client->name,
               client->domid, n);
}

/* Take at most one request from the client's ring, answer it. */
static void serve_one(struct server *s, struct vm *client)
{
    static uint8_t slot[PROTO_SLOT_SIZE], spare[PROTO_SLOT_SIZE], out[PROTO_MSG_MAX];
    static struct proto_request req;
    static struct proto_response rsp;
    struct vm_channel *c = &client->chan;
    struct domb_error err;
    int rc, len;

    rc = proto_ring_get_request(&c->ring, slot, &err);
    /* RING_FINAL_CHECK_FOR_REQUESTS: with one slot the client cannot send
     * again before it has our answer, so a second look finds nothing and
     * asks for an event with its next request (req_event = req_cons + 1).
     * Without it a client that notifies only when the ring says so
     * (docs/protocol.md, "Notifications") is never heard again. */
    if (rc > 0 && proto_ring_get_request(&c->ring, spare, &err) != 0)
        rc = -1;
    if (rc <= 0) {
        if (rc < 0) {
            printk("db-server: dropping client '%s' (domid %u): %s\n", client->name, client->domid,
                   err.msg);
            c->dropped = true;
        }
        return;
    }
    c->requests++;
    s->requests++;
    domb_error_clear(&err);
    memset(&rsp, 0, sizeof(rsp));
    rc = proto_request_decode(slot, sizeof(slot), &req, &err);
    if (rc == 0 && !client->config.db_client) {
        rc = fail(&err, PROTO_RC(PROTO_ERR_NOT_AUTHORISED), "domain %u is not a db-server client",
                  client->domid);
        if (c->refused++ < REFUSALS_LOGGED)
            printk("db-server: refused request %lu from '%s' (domid %u): not a client\n", req.id,
                   client->name, client->domid);
    }
    if (rc == 0)
        rc = proto_sequence_check(&c->seq, req.id, &err);
    if (rc == 0) {
        proto_response_ok(&rsp, &req);
        rc = dispatch(s, client, &req, &rsp, &err);
    }
    if (rc != 0) {
        proto_response_error(&rsp, &req, &err);
        if (client->config.db_client)
            log_refusal(client, &rsp, &err);
    }
    len = proto_response_encode(&rsp, out, sizeof(out), &err);
    if (len < 0) {
        /* Our bug, not the client's: tell it so rather than leave it
         * waiting for an answer that never comes. */
        struct domb_error why;

        printk("db-server: cannot encode a response for '%s': %s\n", client->name, err.msg);
        fail(&why, PROTO_RC(PROTO_ERR_INTERNAL), "answer does not encode: %s", err.msg);
        proto_response_error(&rsp, &req, &why);
        len = proto_response_encode(&rsp, out, sizeof(out), &err);
    }
    if (len < 0) {
        c->dropped = true;
        return;
    }
    rc = proto_ring_put_response(&c->ring, out, (size_t)len, &err);
    if (rc > 0)
        client->xen->evtchn_notify(client->xen->ctx, c->port);
    else if (rc < 0)
        printk("db-server: cannot answer '%s': %s\n", client->name, err.msg);
}

void server_handle_events(struct server *s)
{
    struct platform *p = s->platform;

    for (unsigned int i = 0; i < p->nr_vms; i++) {
        struct vm *vm = &p->vms[i];
        struct domb_error err;

        if (!serving(vm) || !p->xen->evtchn_pending(p->xen->ctx, vm->chan.port))
            continue;
        if (!vm->chan.attached) {
            /* Xen marks a freshly bound port pending, so the first event may
             * come before the guest has written its ring: wait for it. */
            if (memcmp(vm->chan.page + PROTO_RING_OFF_MAGIC, PROTO_RING_MAGIC, 8) != 0)
                continue;
            if (proto_ring_attach(&vm->chan.ring, vm->chan.page, &err) != 0) {
                printk("db-server: dropping client '%s' (domid %u): %s\n", vm->name, vm->domid,
                       err.msg);
                vm->chan.dropped = true;
                continue;
            }
            vm->chan.attached = true;
        }
        serve_one(s, vm);
    }
    memory_check(s); /* VMs the event loop released since (on_exit) */
}

void server_run(struct server *s)
{
    static evtchn_port_t ports[PLATFORM_POLL_MAX + SERVER_POLL_MAX];
    struct platform *p = s->platform;
    bool forever = p->set.manifest.when_done == MANIFEST_DONE_STAY;

    /* Clients' channels are polled with the platform's own events. */
    while (forever || platform_running(p) > 0) {
        unsigned int n = platform_ports(p, ports, PLATFORM_POLL_MAX);

        n += server_ports(s, ports + n, ARRAY_SIZE(ports) - n);
        p->xen->evtchn_poll(p->xen->ctx, ports, n, PLATFORM_POLL_NS);
        server_handle_events(s);
        platform_handle_events(p);
        if (!forever)
            platform_wind_down(p);
        else
            platform_stay_report(p, "db-server");
    }
    memory_check(s); /* VMs the last pass released (on_exit) */
}
