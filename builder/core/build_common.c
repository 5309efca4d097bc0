/* What the PV64 and PVH builds share: request checks, creation, populate, ports, cleanup. */
#include "build_internal.h"

#include <builder/pvh.h>
#include <domb/errno.h>

#define MAX_ORDER 18u /* 1 GiB extents; Xen allows no more to anyone */

/* xl's defaults (Xen 4.17 libxl): -1 asks Xen for its own limits
 * (gnttab_max_frames 64, gnttab_max_maptrack_frames 1024); the grant version
 * is 2 when physinfo reports XEN_SYSCTL_PHYSCAP_gnttab_v2, as 4.17 does. */
#define XL_MAX_GRANT_FRAMES    (-1)
#define XL_MAX_MAPTRACK_FRAMES (-1)
#define XL_MAX_GRANT_VERSION   2u
/* xl's event_channels default. */
#define XL_MAX_EVTCHN_PORT 1023u

static const char *const phase_names[BUILDER_PHASE_COUNT] = {
    "create", "populate", "load", "page tables", "start", "cleanup",
};

const char *builder_phase_name(enum builder_phase phase)
{
    return phase < BUILDER_PHASE_COUNT ? phase_names[phase] : "?";
}

uint64_t build_div_round_up(uint64_t a, uint64_t b)
{
    return a / b + (a % b != 0);
}

static uint64_t now(const struct build *b)
{
    return xenops_now_ns(b->ops);
}

void build_enter_phase(struct build *b, enum builder_phase next)
{
    uint64_t t = now(b);

    b->res->phase_ns[b->phase] += t - b->phase_t0;
    b->phase_t0 = t;
    b->phase = next;
}

void build_count(struct build *b)
{
    b->res->hypercalls[b->phase]++;
}

int build_domctl(struct build *b, uint32_t cmd, struct xen_domctl *op)
{
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = b->domid;
    build_count(b);
    return b->ops->domctl(b->ops->ctx, op);
}

int build_fail(struct build *b, int rc, const char *what)
{
    return domb_error_set(b->err, rc, "%s failed for domain %u: error %d", what, b->domid, rc);
}

/* ---- request checks -------------------------------------------------------- */

static int check_request(const struct builder_request *req, struct domb_error *err)
{
    if (!req->kernel == !req->kernel_stream)
        return domb_error_set(err, -XEN_EINVAL,
                              req->kernel ? "both a kernel image and a kernel stream given"
                                          : "no kernel image given");
    if (req->guest_type != BUILDER_GUEST_PV64 && req->guest_type != BUILDER_GUEST_PVH)
        return domb_error_set(err, -XEN_EINVAL, "unknown guest type %u", req->guest_type);
    if (req->mem_kib == 0 || req->mem_kib % 4 != 0)
        return domb_error_set(err, -XEN_EINVAL,
                              "memory size %llu KiB is not a positive multiple of 4 KiB",
                              (unsigned long long)req->mem_kib);
    if (req->ramdisk_size && !req->ramdisk)
        return domb_error_set(err, -XEN_EINVAL, "ramdisk size given without ramdisk data");
    if (req->cmdline && strnlen(req->cmdline, MAX_GUEST_CMDLINE) >= MAX_GUEST_CMDLINE)
        return domb_error_set(err, -XEN_E2BIG, "command line longer than %d bytes",
                              MAX_GUEST_CMDLINE - 1);
    if (req->max_extent_order > MAX_ORDER)
        return domb_error_set(err, -XEN_EINVAL, "extent order %u is above Xen's maximum %u",
                              req->max_extent_order, MAX_ORDER);
    if (req->domid >= DOMID_FIRST_RESERVED)
        return domb_error_set(err, -XEN_EINVAL, "domain id %u is reserved", req->domid);
    if (req->max_grant_frames < -1 || req->max_maptrack_frames < -1)
        return domb_error_set(err, -XEN_EINVAL,
                              "grant frame limits %d/%d: -1 (Xen's default) or more",
                              (int)req->max_grant_frames, (int)req->max_maptrack_frames);
    if (req->max_grant_version > 2)
        return domb_error_set(err, -XEN_EINVAL, "grant table version %u: Xen knows 1 and 2",
                              req->max_grant_version);
    if (req->guest_type == BUILDER_GUEST_PVH && req->max_vcpus > PVH_MAX_VCPUS)
        return domb_error_set(err, -XEN_EINVAL, "%u vCPUs: a PVH guest has at most %u",
                              req->max_vcpus, PVH_MAX_VCPUS);
    if (req->online_vcpus > (req->max_vcpus ? req->max_vcpus : 1))
        return domb_error_set(err, -XEN_EINVAL, "%u vCPUs online but only %u in all",
                              req->online_vcpus, req->max_vcpus ? req->max_vcpus : 1);
    if ((req->cpumap_hard || req->cpumap_soft) &&
        (req->cpumap_bytes == 0 || req->cpumap_bytes > BUILDER_CPUMAP_MAX))
        return domb_error_set(err, -XEN_EINVAL, "a cpumap of %u bytes (1 to %u)", req->cpumap_bytes,
                              BUILDER_CPUMAP_MAX);
    return 0;
}

/*
 * Pin every vCPU as the request says (xl's cpus and cpus_soft; libxl does
 * it after createdomain, before the build). Xen writes the affinity it
 * will use back into the maps it is given, so each call gets a copy.
 */
static int build_set_affinity(struct build *b, uint32_t vcpus)
{
    const struct builder_request *req = b->req;

    for (uint32_t v = 0; v < vcpus && (req->cpumap_hard || req->cpumap_soft); v++) {
        uint8_t hard[BUILDER_CPUMAP_MAX], soft[BUILDER_CPUMAP_MAX];
        struct xen_domctl op;
        int rc;

        memset(&op, 0, sizeof(op));
        op.u.vcpuaffinity.vcpu = v;
        if (req->cpumap_hard) {
            memcpy(hard, req->cpumap_hard, req->cpumap_bytes);
            op.u.vcpuaffinity.flags |= XEN_VCPUAFFINITY_HARD;
            set_xen_guest_handle(op.u.vcpuaffinity.cpumap_hard.bitmap, hard);
            op.u.vcpuaffinity.cpumap_hard.nr_bits = req->cpumap_bytes * 8;
        }
        if (req->cpumap_soft) {
            memcpy(soft, req->cpumap_soft, req->cpumap_bytes);
            op.u.vcpuaffinity.flags |= XEN_VCPUAFFINITY_SOFT;
            set_xen_guest_handle(op.u.vcpuaffinity.cpumap_soft.bitmap, soft);
            op.u.vcpuaffinity.cpumap_soft.nr_bits = req->cpumap_bytes * 8;
        }
        rc = build_domctl(b, XEN_DOMCTL_setvcpuaffinity, &op);
        if (rc == -XEN_EINVAL && req->cpumap_hard)
            return domb_error_set(b->err, rc,
                                  "setvcpuaffinity of vCPU %u refused (%d): none of the CPUs it "
                                  "is pinned to (cpus) is online in Xen",
                                  v, rc);
        if (rc)
            return build_fail(b, rc, "setvcpuaffinity");
    }
    return 0;
}

/* ---- creation, memory, ports ------------------------------------------------ */

int build_create_domain(struct build *b, uint32_t cdf_flags, uint32_t emulation_flags,
                        uint64_t max_mem_kib)
{
    const struct builder_request *req = b->req;
    struct xen_domctl op;
    uint32_t vcpus = req->max_vcpus ? req->max_vcpus : 1;
    int rc;

    memset(&op, 0, sizeof(op));
    b->domid = req->domid;
    op.u.createdomain.flags = cdf_flags;
    op.u.createdomain.arch.emulation_flags = emulation_flags;
    op.u.createdomain.max_vcpus = vcpus;
    op.u.createdomain.ssidref = req->ssidref ? req->ssidref : XENOPS_SSIDREF_DOMU;
    op.u.createdomain.max_evtchn_port = XL_MAX_EVTCHN_PORT;
    op.u.createdomain.max_grant_frames =
        req->max_grant_frames ? req->max_grant_frames : XL_MAX_GRANT_FRAMES;
    op.u.createdomain.max_maptrack_frames =
        req->max_maptrack_frames ? req->max_maptrack_frames : XL_MAX_MAPTRACK_FRAMES;
    op.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(
        req->max_grant_version ? req->max_grant_version : XL_MAX_GRANT_VERSION);
    memcpy(op.u.createdomain.handle, req->handle, sizeof(op.u.createdomain.handle));
    rc = build_domctl(b, XEN_DOMCTL_createdomain, &op);
    if (rc == -XEN_EACCES)
        return domb_error_set(b->err, rc,
                              "createdomain with ssidref %u refused: error %d (the XSM policy "
                              "forbids it; Xen logs avc: denied { create })",
                              op.u.createdomain.ssidref, rc);
    if (rc)
        return build_fail(b, rc, "createdomain");
    b->domid = op.domain;
    b->created = true;

    memset(&op, 0, sizeof(op));
    op.u.max_vcpus.max = vcpus;
    if ((rc = build_domctl(b, XEN_DOMCTL_max_vcpus, &op)))
        return build_fail(b, rc, "max_vcpus");
    memset(&op, 0, sizeof(op));
    op.u.max_mem.max_memkb = max_mem_kib;
    if ((rc = build_domctl(b, XEN_DOMCTL_max_mem, &op)))
        return build_fail(b, rc, "max_mem");
    return build_set_affinity(b, vcpus);
}

int build_populate_call(struct build *b, xen_pfn_t *ext, uint64_t n, unsigned int order)
{
    struct xen_memory_reservation r;
    long done;

    if (n == 0)
        return 0;
    memset(&r, 0, sizeof(r));
    set_xen_guest_handle(r.extent_start, ext);
    r.nr_extents = n;
    r.extent_order = order;
    r.domid = b->domid;
    build_count(b);
    done = b->ops->memory_op(b->ops->ctx, XENMEM_populate_physmap, &r);
    if (done == (long)n)
        return 0;
    return domb_error_set(b->err, done < 0 ? (int)done : -XEN_ENOMEM,
                          "populate_physmap for domain %u: %ld of %llu extents of order %u "
                          "(result %ld)",
                          b->domid, done < 0 ? 0 : done, (unsigned long long)n, order, done);
}

int build_alloc_ports(struct build *b)
{
    evtchn_alloc_unbound_t ev;
    int rc;

    ev = (evtchn_alloc_unbound_t){.dom = b->domid, .remote_dom = b->req->backend_domid};
    build_count(b);
    if ((rc = b->ops->evtchn_alloc_unbound(b->ops->ctx, &ev)))
        return build_fail(b, rc, "xenstore event channel allocation");
    b->res->store_port = ev.port;
    ev = (evtchn_alloc_unbound_t){.dom = b->domid, .remote_dom = b->req->backend_domid};
    build_count(b);
    if ((rc = b->ops->evtchn_alloc_unbound(b->ops->ctx, &ev)))
        return build_fail(b, rc, "console event channel allocation");
    b->res->console_port = ev.port;
    return 0;
}

int build_unmap_window(struct build *b)
{
    int rc;
    if (!b->mapped)
        return 0;
    build_count(b);
    rc = b->ops->unmap_foreign(b->ops->ctx, b->mapped, b->mapped_n);
    if (rc && b->phase == BUILDER_PHASE_CLEANUP) {
        build_count(b); /* a failed unmap while cleaning up is retried once */
        rc = b->ops->unmap_foreign(b->ops->ctx, b->mapped, b->mapped_n);
    }
    if (rc == 0)
        b->mapped = NULL;
    return rc;
}

/* ---- the whole build ------------------------------------------------------ */

static void cleanup(struct build *b)
{
    build_enter_phase(b, BUILDER_PHASE_CLEANUP);
    build_unmap_window(b);
    build_stream_end(b);
    if (b->scratch2)
        b->ops->free_pages(b->ops->ctx, b->scratch2, b->scratch2_pages);
    b->scratch2 = NULL;
    if (b->scratch)
        b->ops->free_pages(b->ops->ctx, b->scratch, b->scratch_pages);
    b->scratch = NULL;
    if (b->created) {
        struct xen_domctl op;
        memset(&op, 0, sizeof(op));
        /* destroydomain is retried once; Xen frees the frames itself */
        if (build_domctl(b, XEN_DOMCTL_destroydomain, &op) != 0) {
            memset(&op, 0, sizeof(op));
            build_domctl(b, XEN_DOMCTL_destroydomain, &op);
        }
    }
}

int builder_build(const struct xenops *ops, const struct builder_request *req,
                  struct builder_result *res, struct domb_error *err)
{
    struct build b = {.ops = ops, .req = req, .res = res, .err = err, .lay = &res->layout};
    int rc;

    memset(res, 0, sizeof(*res));
    b.phase = BUILDER_PHASE_CREATE;
    b.phase_t0 = now(&b);
    rc = check_request(req, err);
    b.img = req->kernel;
    b.phys = req->guest_type == BUILDER_GUEST_PVH;
    if (rc == 0 && req->kernel_stream)
        rc = build_stream_begin(&b);
    if (rc == 0)
        rc = b.phys ? build_pvh(&b) : build_pv64(&b);
    if (rc) {
        cleanup(&b);
        build_enter_phase(&b, BUILDER_PHASE_CLEANUP);
        return rc;
    }
    build_stream_end(&b);
    return 0;
}

static int simple_domctl(const struct xenops *ops, domid_t domid, uint32_t cmd, const char *what,
                         struct domb_error *err)
{
    struct xen_domctl op;
    int rc;
    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op.domain = domid;
    rc = ops->domctl(ops->ctx, &op);
    if (rc)
        return domb_error_set(err, rc, "%s of domain %u failed: error %d", what, domid, rc);
    return 0;
}

int builder_unpause(const struct xenops *ops, domid_t domid, struct domb_error *err)
{
    return simple_domctl(ops, domid, XEN_DOMCTL_unpausedomain, "unpause", err);
}

int builder_destroy(const struct xenops *ops, domid_t domid, struct domb_error *err)
{
    return simple_domctl(ops, domid, XEN_DOMCTL_destroydomain, "destroy", err);
}
