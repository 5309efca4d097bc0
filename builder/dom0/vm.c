/*
 * One VM of a builder kernel: unpack and check its kernel, build it through
 * the seam, attach its db-server channel, xenstore connection and console
 * relay, start it, notice that it stopped, destroy it, and report.
 */
#include <builder/elf.h>
#include <decompress/bzimage.h>
#include <dom0/vm.h>
#include <domb/byteorder.h>
#include <domb/errno.h>
#include <domb/log.h>

/* The seam's caller fills interface_version (Xen: -EACCES otherwise). */
static int domctl(const struct xenops *xen, struct xen_domctl *d)
{
    d->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return xen->domctl(xen->ctx, d);
}

/* Map one machine frame of domid (the seam takes Xen's xen_pfn_t). */
static int map_one(const struct xenops *xen, domid_t domid, mfn_t mfn, void **va)
{
    xen_pfn_t frame = mfn_x(mfn);

    return xen->map_foreign(xen->ctx, domid, &frame, 1, va);
}

static void unmap_one(const struct xenops *xen, void *va)
{
    xen->unmap_foreign(xen->ctx, va, 1);
}

static void *alloc_pages(const struct xenops *xen, uint64_t n)
{
    void *va;

    if (n > UINT32_MAX || xen->alloc_pages(xen->ctx, (unsigned int)n, &va) != 0)
        return NULL;
    return va;
}

/* PV device permissions from the config: I/O memory, I/O ports, IRQs. */
static int vm_grant_permissions(const struct xenops *xen, const struct vm_config *cfg,
                                domid_t domid, struct domb_error *err)
{
    for (uint32_t i = 0; i < cfg->nr_iomem; i++) {
        struct xen_domctl d = {.cmd = XEN_DOMCTL_iomem_permission, .domain = domid};
        int rc;

        d.u.iomem_permission.first_mfn = cfg->iomem[i].start_mfn;
        d.u.iomem_permission.nr_mfns = cfg->iomem[i].nr_pages;
        d.u.iomem_permission.allow_access = 1;
        if ((rc = domctl(xen, &d)) != 0)
            return domb_error_set(err, rc, "iomem 0x%lx+%lu: permission refused (%d)",
                                  cfg->iomem[i].start_mfn, cfg->iomem[i].nr_pages, rc);
    }
    for (uint32_t i = 0; i < cfg->nr_ioports; i++) {
        struct xen_domctl d = {.cmd = XEN_DOMCTL_ioport_permission, .domain = domid};
        int rc;

        d.u.ioport_permission.first_port = cfg->ioports[i].first;
        d.u.ioport_permission.nr_ports = cfg->ioports[i].last - cfg->ioports[i].first + 1;
        d.u.ioport_permission.allow_access = 1;
        if ((rc = domctl(xen, &d)) != 0)
            return domb_error_set(err, rc, "ioports 0x%x-0x%x: permission refused (%d)",
                                  cfg->ioports[i].first, cfg->ioports[i].last, rc);
    }
    for (uint32_t i = 0; i < cfg->nr_irqs; i++) {
        struct xen_domctl d = {.cmd = XEN_DOMCTL_irq_permission, .domain = domid};
        int rc;

        d.u.irq_permission.pirq = cfg->irqs[i];
        d.u.irq_permission.allow_access = 1;
        if ((rc = domctl(xen, &d)) != 0)
            return domb_error_set(err, rc, "irq %u: permission refused (%d)", cfg->irqs[i], rc);
    }
    return 0;
}

void vm_fail(struct vm *vm, const char *name, const struct domb_error *why)
{
    memset(vm, 0, sizeof(*vm));
    domb_snprintf(vm->name, sizeof(vm->name), "%s", name);
    vm->state = VM_FAILED;
    vm->error = *why;
}

/*
 * The builder says where the guest's command line lives (builder_result's
 * cmdline_frame/offset/capacity): start_info.cmd_line for PV, the
 * command-line page hvm_start_info points to for PVH. The frame is what
 * map_foreign takes for this guest either way.
 */
int vm_append_cmdline(struct vm *vm, const char *text)
{
    const struct builder_result *r = &vm->result;
    size_t len, add = strlen(text);
    char *line;
    void *va;
    int rc;

    if (r->cmdline_capacity == 0 || r->cmdline_offset > PAGE_SIZE ||
        r->cmdline_capacity > PAGE_SIZE - r->cmdline_offset)
        return domb_error_set(&vm->error, -XEN_EINVAL,
                              "the builder gave no place for the command line (offset %u, %u "
                              "bytes)",
                              r->cmdline_offset, r->cmdline_capacity);
    rc = map_one(vm->xen, vm->domid, r->cmdline_frame, &va);
    if (rc)
        return domb_error_set(
            &vm->error, rc, "cannot map %s (%d)",
            r->guest_type == BUILDER_GUEST_PVH ? "the command-line page" : "start_info", rc);
    line = (char *)va + r->cmdline_offset;
    len = strnlen(line, r->cmdline_capacity);
    if (len + 1 + add + 1 > r->cmdline_capacity) {
        unmap_one(vm->xen, va);
        return domb_error_set(&vm->error, -XEN_E2BIG,
                              "cmdline too long to add the db-server channel (%zu of %u bytes)",
                              len, r->cmdline_capacity);
    }
    if (len)
        line[len++] = ' ';
    memcpy(line + len, text, add + 1);
    return vm->xen->unmap_foreign(vm->xen->ctx, va, 1);
}

/* Set up the db-server channel before the guest first runs: an event
 * channel allocated in the guest and bound by us, the ring page mapped, and
 * both named on the guest's command line. */
static int vm_channel_setup(struct vm *vm)
{
    struct vm_channel *c = &vm->chan;
    evtchn_alloc_unbound_t alloc = {.dom = vm->domid, .remote_dom = vm->builder_domid};
    char arg[64];
    void *va;
    int rc;

    rc = vm->xen->evtchn_alloc_unbound(vm->xen->ctx, &alloc);
    if (rc)
        return domb_error_set(&vm->error, rc, "channel: alloc_unbound failed (%d)", rc);
    c->guest_port = alloc.port;
    rc = vm->xen->evtchn_bind_interdomain(vm->xen->ctx, vm->domid, c->guest_port, &c->port);
    if (rc)
        return domb_error_set(&vm->error, rc, "channel: bind_interdomain failed (%d)", rc);
    rc = map_one(vm->xen, vm->domid, vm->result.channel_mfn, &va);
    if (rc) {
        vm->xen->evtchn_close(vm->xen->ctx, c->port);
        return domb_error_set(&vm->error, rc, "channel: cannot map the ring page (%d)", rc);
    }
    c->page = va;
    domb_snprintf(arg, sizeof(arg), "domb.server=%u,%u,0x%lx", vm->builder_domid, c->guest_port,
                  pfn_x(vm->result.channel_pfn));
    return vm_append_cmdline(vm, arg);
}

#define XS_CONN_PAGES ((sizeof(struct xs_conn) + PAGE_SIZE - 1) / PAGE_SIZE)

static void vm_xenstore_close(struct vm *vm)
{
    struct vm_xenstore *x = &vm->xs;
    struct domb_error err;

    if (!x->conn)
        return;
    xs_conn_destroy(x->conn);
    xs_store_domain_release(x->store, vm->domid, &err);
    vm->xen->free_pages(vm->xen->ctx, x->conn, XS_CONN_PAGES);
    unmap_one(vm->xen, x->ring);
    vm->xen->evtchn_close(vm->xen->ctx, x->port);
    x->conn = NULL;
}

/* Introduce the guest to our store, map its store page and bind its store
 * channel, so that we answer its xenstore requests. */
static int vm_xenstore_setup(struct vm *vm, struct xs_store *store, const struct vm_config *cfg)
{
    struct vm_xenstore *x = &vm->xs;
    struct xs_domain_info info = {
        .domid = vm->domid,
        .name = vm->name,
        .mem_kib = (uint64_t)cfg->memory_mib * 1024,
        .vcpus = cfg->vcpus,
        .max_vcpus = cfg->max_vcpus,
        .console_mfn = mfn_x(vm->result.console_mfn),
        .console_port = vm->result.console_port,
        .store_mfn = mfn_x(vm->result.store_mfn),
        .store_port = vm->result.store_port,
        .max_mem_kib = (uint64_t)cfg->maxmem_mib * 1024,
        .type = vm_type_name(cfg->type),
        .driver_domain = cfg->driver_domain,
    };
    void *va;
    int rc;

    if (cfg->has_uuid)
        memcpy(info.uuid, cfg->uuid, sizeof(info.uuid));
    x->store = store;
    rc = xs_store_domain_introduce(store, &info, &vm->error);
    if (rc)
        return rc;
    x->conn = alloc_pages(vm->xen, XS_CONN_PAGES);
    if (!x->conn) {
        xs_store_domain_release(store, vm->domid, NULL);
        return domb_error_set(&vm->error, -XEN_ENOMEM, "no memory for a xenstore connection");
    }
    rc = map_one(vm->xen, vm->domid, vm->result.store_mfn, &va);
    if (rc == 0) {
        x->ring = va;
        rc = vm->xen->evtchn_bind_interdomain(vm->xen->ctx, vm->domid, vm->result.store_port,
                                              &x->port);
        if (rc)
            unmap_one(vm->xen, va);
    }
    if (rc) {
        vm->xen->free_pages(vm->xen->ctx, x->conn, XS_CONN_PAGES);
        x->conn = NULL;
        xs_store_domain_release(store, vm->domid, NULL);
        return domb_error_set(&vm->error, rc, "cannot attach the xenstore ring (%d)", rc);
    }
    xs_conn_init(x->conn, store, vm->domid);
    return 0;
}

void vm_xenstore_service(struct vm *vm)
{
    struct vm_xenstore *x = &vm->xs;
    bool notify = false;

    if (!x->conn || x->broken)
        return;
    if (xs_conn_process(x->conn, x->ring, &notify) < 0) {
        printk("db: vm '%s': xenstore connection dropped: %s\n", vm->name, x->conn->error.msg);
        x->broken = true;
    }
    if (notify)
        vm->xen->evtchn_notify(vm->xen->ctx, x->port);
}

static void vm_channel_close(struct vm *vm)
{
    if (!vm->chan.page)
        return;
    unmap_one(vm->xen, vm->chan.page);
    vm->xen->evtchn_close(vm->xen->ctx, vm->chan.port);
    vm->chan.page = NULL;
}

/*
 * Let go of everything we attached to the domain, in libxl's order for its
 * devices: backends told to go offline and close, the guest's own tree
 * (frontends included) removed, then the wait for the backends to close and
 * the removal of their directories, so that the driver domain releases the
 * grants it maps (else Xen keeps the domain as a dying zombie).
 */
static void vm_let_go(struct vm *vm)
{
    bool devices = vm->devenv && vm->config.nr_devices;

    if (devices)
        devices_detach_begin(vm->devenv, vm->domid, &vm->config, vm->devlinks);
    if (vm->relay && vm->console.ring)
        relay_detach(&vm->console);
    vm_channel_close(vm);
    vm_xenstore_close(vm);
    if (devices)
        devices_detach_finish(vm->devenv, vm->name, vm->domid, &vm->config, vm->devlinks);
}

/* Largest kernel we decompress (Xen's own cap since XSA-25 is 1 GiB). */
#define VM_UNPACK_MAX (1ULL << 30)
/* A streamed bzImage's memory in the builder (issue 15): the decoder's
 * window (its history; an XZ match reaching further back reads the guest),
 * its work area and the ELF's first bytes, which place its segments. */
#define VM_STREAM_WINDOW (2u << 20)
#define VM_STREAM_PREFIX (64u << 10)
#define VM_STREAM_WORK   ((unsigned int)((sizeof(union decompress_work) + PAGE_SIZE - 1) >> 12))
/* What the builder takes besides while streaming (its state and the file
 * bytes outside the segments that are not zero: Linux's ELF header page). */
#define VM_STREAM_BUILDER_PAGES 64u

/* A kernel as vm_build() hands it to the builder: in memory (an ELF image
 * from the initramfs, or a bzImage small enough to be whole in the
 * prefix), or streamed from a bzImage. */
struct vm_kernel {
    const void *elf;
    size_t elf_len;
    bool streamed;
    uint8_t *staged; /* the whole ELF in pages of ours (vm_build_opts.staged_bzimage) */
    uint64_t staged_pages;
    const uint8_t *bz;
    size_t bz_len;
    uint64_t out_cap;
    uint8_t *window, *prefix;
    union decompress_work *work;
    struct builder_kernel_stream ks;
};

static int vm_kernel_produce(void *ctx, const struct builder_sink *sink, uint64_t *size,
                             struct domb_error *err)
{
    struct vm_kernel *k = ctx;
    struct decompress_sink ds = {.ctx = sink->ctx, .write = sink->write, .read = sink->read};
    struct decompress_stream s = {
        .sink = &ds, .window = k->window, .window_size = VM_STREAM_WINDOW, .out_cap = k->out_cap};

    return bzimage_stream(k->bz, k->bz_len, &s, size, k->work, err);
}

static void vm_kernel_close(const struct xenops *xen, struct vm_kernel *k)
{
    if (k->staged)
        xen->free_pages(xen->ctx, k->staged, (unsigned int)k->staged_pages);
    if (k->window)
        xen->free_pages(xen->ctx, k->window, VM_STREAM_WINDOW >> PAGE_SHIFT);
    if (k->prefix)
        xen->free_pages(xen->ctx, k->prefix, VM_STREAM_PREFIX >> PAGE_SHIFT);
    if (k->work)
        xen->free_pages(xen->ctx, k->work, VM_STREAM_WORK);
    memset(k, 0, sizeof(*k));
}

/*
 * A bzImage (Debian's Linux kernels) is not unpacked here: its ELF goes
 * straight into the guest as it is decompressed (builder_kernel_stream),
 * the builder holding only the decoder's window, the ELF's first 64 KiB and
 * a few pages of its own, whatever the kernel's size. The output is capped
 * by VM_UNPACK_MAX and the guest's memory; an ELF that fits in the first
 * 64 KiB is built from there.
 */
/* The way before issue 15, kept to measure against: the whole ELF
 * unpacked into pages of ours (as large as the kernel: 63 MiB for Debian's). */
static int vm_kernel_stage(struct vm *vm, struct vm_kernel *k)
{
    const struct xenops *xen = vm->xen;
    uint64_t want = bzimage_declared_size(k->bz, k->bz_len), free_pages;
    size_t out_len;
    int rc;

    if (want == 0)
        return domb_error_set(&vm->error, -XEN_EINVAL, "bzImage without a size word to stage");
    k->staged_pages = round_up_page(want) >> PAGE_SHIFT;
    free_pages = xen->scratch_free_pages(xen->ctx);
    if (k->staged_pages + VM_STREAM_WORK + 256 > free_pages)
        return domb_error_set(&vm->error, -XEN_ENOMEM,
                              "unpacking the bzImage needs %lu MiB; the builder has %lu MiB free",
                              (k->staged_pages + VM_STREAM_WORK) >> 8, free_pages >> 8);
    if (!(k->staged = alloc_pages(xen, k->staged_pages)))
        return domb_error_set(&vm->error, -XEN_ENOMEM,
                              "no %lu contiguous MiB to unpack the bzImage", k->staged_pages >> 8);
    rc = bzimage_extract(k->bz, k->bz_len, k->staged, k->staged_pages << PAGE_SHIFT, &out_len,
                         k->work, &vm->error);
    if (rc)
        return rc;
    printk("db: vm '%s': bzImage unpacked in the builder: %zu -> %zu bytes\n", vm->name, k->bz_len,
           out_len);
    k->elf = k->staged;
    k->elf_len = out_len;
    return 0;
}

static int vm_kernel_open(struct vm *vm, const struct vm_config *cfg, const void *kernel,
                          size_t kernel_size, const struct vm_build_opts *opts, struct vm_kernel *k)
{
    const struct xenops *xen = vm->xen;
    uint64_t need = (VM_STREAM_WINDOW + VM_STREAM_PREFIX) / PAGE_SIZE + VM_STREAM_WORK +
                    VM_STREAM_BUILDER_PAGES;
    uint64_t free_pages = xen->scratch_free_pages(xen->ctx);
    size_t got = 0;
    bool complete = false;
    int rc;

    memset(k, 0, sizeof(*k));
    k->elf = kernel;
    k->elf_len = kernel_size;
    if (!bzimage_probe(kernel, kernel_size))
        return 0;
    k->bz = kernel;
    k->bz_len = kernel_size;
    k->out_cap = VM_UNPACK_MAX;
    if (k->out_cap > (uint64_t)cfg->memory_mib << 20)
        k->out_cap = (uint64_t)cfg->memory_mib << 20;
    if (bzimage_declared_size(kernel, kernel_size) > k->out_cap)
        return domb_error_set(&vm->error, -XEN_E2BIG,
                              "bzImage unpacks to %lu bytes, more than the %lu allowed",
                              bzimage_declared_size(kernel, kernel_size), k->out_cap);
    if (need > free_pages)
        return domb_error_set(&vm->error, -XEN_ENOMEM,
                              "streaming the bzImage needs %lu KiB of the builder's memory; it "
                              "has %lu KiB free (give dom0 more: domb-pack --check says how much)",
                              need * 4, free_pages * 4);
    k->window = alloc_pages(xen, VM_STREAM_WINDOW >> PAGE_SHIFT);
    k->prefix = alloc_pages(xen, VM_STREAM_PREFIX >> PAGE_SHIFT);
    k->work = alloc_pages(xen, VM_STREAM_WORK);
    if (!k->window || !k->prefix || !k->work) {
        vm_kernel_close(xen, k);
        return domb_error_set(&vm->error, -XEN_ENOMEM,
                              "no %u KiB contiguous to stream the bzImage through",
                              VM_STREAM_WINDOW >> 10);
    }
    rc = bzimage_prefix(kernel, kernel_size, k->prefix, VM_STREAM_PREFIX, k->window,
                        VM_STREAM_WINDOW, &got, &complete, k->work, &vm->error);
    if (rc) {
        vm_kernel_close(xen, k);
        return rc;
    }
    k->elf = k->prefix;
    k->elf_len = got;
    if (complete)
        return 0; /* the whole ELF is in the prefix */
    if (opts->staged_bzimage)
        return vm_kernel_stage(vm, k);
    k->streamed = true;
    k->ks = (struct builder_kernel_stream){.prefix = k->prefix,
                                           .prefix_len = got,
                                           .size = bzimage_declared_size(kernel, kernel_size),
                                           .ctx = k,
                                           .produce = vm_kernel_produce};
    return 0;
}

/* The builder kernel's memory high-water during this build (issue 15):
 * pages in use at the most, and how many more than when it began. */
static void vm_note_memory(struct vm *vm)
{
    if (!vm->xen->scratch_peak_pages)
        return;
    vm->mem_peak_pages = vm->xen->scratch_peak_pages(vm->xen->ctx, false);
    vm->mem_build_pages = vm->mem_peak_pages - vm->mem_start_pages;
}

/* One label to its SID, with a message that names the key and the label. */
static int vm_label_sid(struct vm *vm, const char *key, const char *label, uint32_t *sid)
{
    int rc = xenops_flask_context_to_sid(vm->xen, label, sid);

    if (rc == -XEN_ENOSYS)
        return domb_error_set(&vm->error, rc,
                              "%s '%s' needs a Xen with XSM/FLASK, and this one has none "
                              "(xsm_op: error %d): boot a FLASK Xen (docs/disaggregation.md) "
                              "or remove %s",
                              key, label, rc, key);
    if (rc)
        return domb_error_set(&vm->error, rc,
                              "%s '%s' is not a label of the loaded FLASK policy "
                              "(FLASK_CONTEXT_TO_SID: error %d)",
                              key, label, rc);
    return 0;
}

/*
 * The SIDs of a VM's labels, as libxl resolves them before it creates the
 * domain: *create_sid for createdomain (init_seclabel when given, else
 * seclabel; 0 without a label: the builder passes Xen's initial SID domU,
 * libxl's default, and makes no xsm_op call), *run_sid the one to relabel
 * to after the build (0: none, the config has no init_seclabel).
 */
static int vm_resolve_labels(struct vm *vm, const struct vm_config *cfg, uint32_t *create_sid,
                             uint32_t *run_sid)
{
    int rc;

    *create_sid = 0;
    *run_sid = 0;
    if (!cfg->seclabel[0])
        return 0;
    if (!cfg->init_seclabel[0])
        return vm_label_sid(vm, "seclabel", cfg->seclabel, create_sid);
    if ((rc = vm_label_sid(vm, "init_seclabel", cfg->init_seclabel, create_sid)))
        return rc;
    return vm_label_sid(vm, "seclabel", cfg->seclabel, run_sid);
}

int vm_build(struct vm *vm, const struct vm_config *cfg, const void *kernel, size_t kernel_size,
             const void *ramdisk, size_t ramdisk_size, const struct vm_build_opts *opts)
{
    static struct vm_kernel k;   /* large; builds run one at a time */
    static struct elf_image img; /* likewise */
    struct builder_request req;
    const struct xenops *xen = opts->xen;
    uint64_t t0 = xenops_now_ns(xen), free_pages;
    uint32_t create_sid, run_sid;
    int rc;

    memset(vm, 0, sizeof(*vm));
    vm->xen = xen;
    domb_snprintf(vm->name, sizeof(vm->name), "%s", cfg->name);
    vm->memory_mib = cfg->memory_mib;
    vm->on_exit = cfg->on_exit;
    vm->relay = opts->relay;
    vm->builder_domid = opts->self_domid;
    vm->owner = DOMID_SELF;
    vm->config = *cfg;
    vm->kernel_image = kernel;
    vm->kernel_image_size = kernel_size;
    vm->ramdisk_image = ramdisk;
    vm->ramdisk_image_size = ramdisk_size;

    if (xen->scratch_peak_pages)
        vm->mem_start_pages = xen->scratch_peak_pages(xen->ctx, true);
    /* Labels first: a label Xen cannot resolve fails before anything is made. */
    rc = vm_resolve_labels(vm, cfg, &create_sid, &run_sid);
    if (rc == 0)
        rc = vm_kernel_open(vm, cfg, kernel, kernel_size, opts, &k);
    if (rc == 0 && !k.streamed)
        rc = elf_parse(&img, k.elf, k.elf_len, &vm->error);
    if (rc)
        goto failed;
    /* Refuse at once what cannot fit, rather than let Xen allocate (and
     * scrub) most of the host's memory before populate_physmap fails. */
    rc = xenops_physinfo(xen, &free_pages, NULL);
    if (rc) {
        domb_error_set(&vm->error, rc, "cannot read Xen's free memory (physinfo: error %d)", rc);
        goto failed;
    }
    if ((uint64_t)cfg->memory_mib * 256 > free_pages) {
        rc = domb_error_set(&vm->error, -XEN_ENOMEM, "needs %u MiB but Xen has only %lu MiB free",
                            cfg->memory_mib, free_pages / 256);
        goto failed;
    }
    memset(&req, 0, sizeof(req));
    req.kernel = k.streamed ? NULL : &img;
    req.kernel_stream = k.streamed ? &k.ks : NULL;
    req.ramdisk = ramdisk;
    req.ramdisk_size = ramdisk_size;
    req.cmdline = cfg->cmdline;
    req.mem_kib = (uint64_t)cfg->memory_mib * 1024;
    /* xl's maxvcpus: that many vCPUs, the ones from `vcpus` on offline. */
    req.max_vcpus = cfg->max_vcpus ? cfg->max_vcpus : cfg->vcpus;
    req.online_vcpus = cfg->max_vcpus ? cfg->vcpus : 0;
    if (cfg->has_uuid)
        memcpy(req.handle, cfg->uuid, sizeof(req.handle));
    if (cfg->has_cpus)
        req.cpumap_hard = cfg->cpus;
    if (cfg->has_cpus_soft)
        req.cpumap_soft = cfg->cpus_soft;
    req.cpumap_bytes = VM_CPUMAP_BYTES;
    req.domid = (domid_t)cfg->domid;
    req.backend_domid = opts->self_domid;
    req.max_extent_order = opts->domu ? XENOPS_EXTENT_ORDER_DOMU : XENOPS_EXTENT_ORDER_DOM0;
    req.channel_page = opts->channel;
    req.guest_type = cfg->type == VM_TYPE_PVH ? BUILDER_GUEST_PVH : BUILDER_GUEST_PV64;
    /* 0 asks for the builder's defaults (xl's: Xen's frame limits, version 2). */
    req.max_grant_frames = cfg->has_max_grant_frames ? (int32_t)cfg->max_grant_frames : 0;
    req.max_maptrack_frames = cfg->has_max_maptrack_frames ? (int32_t)cfg->max_maptrack_frames : 0;
    req.max_grant_version = cfg->max_grant_version;
    req.ssidref = create_sid;
    rc = builder_build(xen, &req, &vm->result, &vm->error);
    if (rc == -XEN_EACCES && create_sid) {
        /* Name the label Xen refused (the builder knows only its SID). */
        struct domb_error why = vm->error;

        domb_error_set(&vm->error, rc, "%s '%s': %s",
                       cfg->init_seclabel[0] ? "init_seclabel" : "seclabel",
                       cfg->init_seclabel[0] ? cfg->init_seclabel : cfg->seclabel, why.msg);
    }
    if (rc)
        goto failed;
    vm->domid = vm->result.domid;
    vm->run_ssid = run_sid; /* the relabel comes at the first unpause */
    for (unsigned int p = 0; p < BUILDER_PHASE_COUNT; p++)
        vm->hypercalls += vm->result.hypercalls[p];
    rc = vm_grant_permissions(xen, cfg, vm->domid, &vm->error);
    if (rc == 0 && opts->channel)
        rc = vm_channel_setup(vm);
    if (rc == 0 && opts->store)
        rc = vm_xenstore_setup(vm, opts->store, cfg);
    if (rc == 0 && cfg->nr_devices) {
        if (!opts->devices || !opts->store)
            rc = domb_error_set(&vm->error, -XEN_EOPNOTSUPP,
                                "has %u devices, but this builder serves no xenstore to wire them",
                                cfg->nr_devices);
        else if ((rc = devices_attach(opts->devices, vm->domid, cfg, vm->devlinks, &vm->error)) ==
                 0)
            vm->devenv = opts->devices;
    }
    if (rc == 0 && vm->relay) {
        rc = relay_attach(&vm->console, xen, vm->name, vm->domid, mfn_x(vm->result.console_mfn),
                          vm->result.console_port);
        if (rc)
            domb_error_set(&vm->error, rc, "cannot attach the console relay (%d)", rc);
    }
    if (rc) {
        vm_let_go(vm);
        builder_destroy(xen, vm->domid, NULL);
        goto failed;
    }
    if (k.streamed)
        printk("db: vm '%s': bzImage streamed into the guest: %zu -> %lu bytes (%u pass%s, %lu "
               "reads back)\n",
               cfg->name, kernel_size, vm->result.stream_size, vm->result.stream_passes,
               vm->result.stream_passes == 1 ? "" : "es", vm->result.stream_reads);
    vm_kernel_close(xen, &k);
    vm_note_memory(vm);
    vm->build_ns = xenops_now_ns(xen) - t0;
    vm->state = VM_BUILT;
    return 0;

failed:
    vm_kernel_close(xen, &k);
    vm_note_memory(vm);
    vm->build_ns = xenops_now_ns(xen) - t0;
    vm->state = VM_FAILED;
    if (vm->error.code == 0)
        domb_error_set(&vm->error, rc, "build failed with error %d", rc);
    return rc;
}

/*
 * As libxl does once it is done with a domain (domcreate_complete): it
 * leaves its build label for the one it runs with, after the build and
 * everything the platform adds to it (roles and restart markers on its
 * command line: those map its memory, which the build label allows and the
 * running label need not). Never on a failed build: only a built VM gets
 * here.
 */
static int vm_relabel(struct vm *vm)
{
    int rc;

    if (!vm->run_ssid || vm->relabelled)
        return 0;
    rc = xenops_flask_relabel_domain(vm->xen, vm->domid, vm->run_ssid);
    if (rc)
        return domb_error_set(&vm->error, rc,
                              "relabel from init_seclabel '%s' to seclabel '%s' refused "
                              "(FLASK_RELABEL_DOMAIN: error %d)",
                              vm->config.init_seclabel, vm->config.seclabel, rc);
    vm->relabelled = true;
    return 0;
}

int vm_unpause(struct vm *vm)
{
    int rc = vm_relabel(vm);

    if (rc == 0)
        rc = builder_unpause(vm->xen, vm->domid, &vm->error);
    if (rc) {
        vm_destroy(vm);
        vm->state = VM_FAILED;
        return rc;
    }
    vm->state = VM_RUNNING;
    vm->started_ns = xenops_now_ns(vm->xen);
    return 0;
}

bool vm_poll_exit(struct vm *vm)
{
    struct xen_domctl_getdomaininfo info;

    if (vm->state != VM_RUNNING)
        return vm->state == VM_STOPPED || vm->state == VM_DESTROYED;
    if (vm->relay)
        relay_drain(&vm->console);
    if (xenops_domain_info(vm->xen, vm->domid, &info) != 0 ||
        (info.flags & (XEN_DOMINF_dying | XEN_DOMINF_shutdown)) == XEN_DOMINF_dying) {
        /* Destroyed behind our back (another privileged domain): let go of
         * what we map of it, else Xen keeps it as a dying zombie. */
        vm_let_go(vm);
        vm->shutdown_reason = VM_SHUTDOWN_GONE;
        vm->state = VM_DESTROYED;
        printk("db: vm '%s' (domid %u) was destroyed\n", vm->name, vm->domid);
        return true;
    }
    if (!(info.flags & XEN_DOMINF_shutdown))
        return false;
    vm->shutdown_reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    vm_let_go(vm);
    vm->state = VM_STOPPED;
    printk("db: vm '%s' (domid %u) stopped: %s\n", vm->name, vm->domid,
           vm_shutdown_name(vm->shutdown_reason));
    return true;
}

int vm_release(struct vm *vm)
{
    int rc;

    vm_let_go(vm);
    rc = builder_destroy(vm->xen, vm->domid, &vm->error);
    if (rc)
        return rc;
    vm->state = VM_DESTROYED;
    return 0;
}

int vm_request_shutdown(struct vm *vm, const char *how)
{
    char path[48];

    if (!vm->xs.conn || vm->xs.broken)
        return domb_error_set(&vm->error, -XEN_EOPNOTSUPP,
                              "'%s' has no xenstore to be asked through", vm->name);
    domb_snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", vm->domid);
    return xs_store_write(vm->xs.store, 0, path, how, (uint32_t)strlen(how), &vm->error);
}

void vm_wait_gone(const struct xenops *xen, domid_t domid)
{
    struct xen_domctl_getdomaininfo info;

    /* destroydomain returns at once; the last pages come back (and the
     * domid is free again) when the domain is fully gone, which
     * getdomaininfo reports as -ESRCH. */
    for (int i = 0; i < 1000 && xenops_domain_info(xen, domid, &info) == 0; i++)
        xen->yield(xen->ctx);
}

int vm_destroy(struct vm *vm)
{
    int rc = vm_release(vm);

    if (rc)
        return rc;
    vm_wait_gone(vm->xen, vm->domid);
    return 0;
}

const char *vm_shutdown_name(unsigned int reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff:
        return "poweroff";
    case SHUTDOWN_reboot:
        return "reboot";
    case SHUTDOWN_suspend:
        return "suspend";
    case SHUTDOWN_crash:
        return "crashed";
    case SHUTDOWN_watchdog:
        return "watchdog";
    case SHUTDOWN_soft_reset:
        return "soft-reset";
    case VM_SHUTDOWN_GONE:
        return "destroyed";
    case VM_SHUTDOWN_DESTROYED:
        return "destroyed by the operator";
    default:
        return "unknown";
    }
}

const char *vm_result_text(const struct vm *vm, char *buf, size_t size)
{
    switch (vm->state) {
    case VM_FAILED:
        domb_snprintf(buf, size, "FAILED: %s", vm->error.msg);
        break;
    case VM_BUILT:
        domb_snprintf(buf, size, "built (paused)");
        break;
    case VM_RUNNING:
        domb_snprintf(buf, size, "running");
        break;
    case VM_STOPPED:
    case VM_DESTROYED:
        domb_snprintf(buf, size, "exited: %s", vm_shutdown_name(vm->shutdown_reason));
        break;
    default:
        domb_snprintf(buf, size, "-");
    }
    return buf;
}

/* "pv"/"pvh" from the config; "-" for a VM whose spec could not be read. */
static const char *vm_type_text(const struct vm *vm)
{
    const char *name = vm_type_name(vm->config.type);

    return name && vm->config.name[0] ? name : "-";
}

void vm_print_summary(const struct vm *vms, unsigned int n)
{
    char result[200];

    printk("\n%-16s %5s %-4s %8s %10s %10s %9s  %s\n", "NAME", "DOMID", "TYPE", "MEM(MiB)",
           "BUILD(ms)", "HYPERCALLS", "HW(KiB)", "RESULT");
    for (unsigned int i = 0; i < n; i++) {
        const struct vm *vm = &vms[i];
        char domid[8] = "-";

        if (vm->state != VM_FAILED || vm->domid)
            domb_snprintf(domid, sizeof(domid), "%u", vm->domid);
        printk("%-16s %5s %-4s %8u %6lu.%03lu %10u %9lu  %s\n", vm->name, domid, vm_type_text(vm),
               vm->memory_mib, vm->build_ns / 1000000, (vm->build_ns / 1000) % 1000, vm->hypercalls,
               vm->mem_build_pages * 4, vm_result_text(vm, result, sizeof(result)));
    }
    /* xl's uuid, the domain handle, for the VMs whose config gives one. */
    for (unsigned int i = 0; i < n; i++) {
        char uuid[37];

        if (!vms[i].config.has_uuid || !vms[i].config.name[0])
            continue;
        vm_uuid_format(vms[i].config.uuid, uuid);
        printk("%-16s uuid %s\n", vms[i].name, uuid);
    }
    /* The XSM/FLASK label each labelled VM runs with (and was built with). */
    for (unsigned int i = 0; i < n; i++) {
        const struct vm_config *c = &vms[i].config;

        if (!c->seclabel[0] || !c->name[0])
            continue;
        if (c->init_seclabel[0])
            printk("%-16s seclabel %s (built as %s)\n", vms[i].name, c->seclabel, c->init_seclabel);
        else
            printk("%-16s seclabel %s\n", vms[i].name, c->seclabel);
    }
}
