/* Fault injection over any struct xenops (rules in builder/xenops_fault.h). */
#include <builder/xenops_fault.h>
#include <domb/lib.h>

/* Count a failable call; true if it is the one to fail. */
static bool fault_now(struct xenops_fault *f)
{
    f->calls++;
    if (f->fail_at == 0 || f->fired || f->calls != f->fail_at)
        return false;
    f->fired = true;
    return true;
}

#define INNER(f) ((f)->inner)
#define FAULT(f)                                                                                   \
    do {                                                                                           \
        if (fault_now(f))                                                                          \
            return (f)->rc;                                                                        \
    } while (0)

static int fault_domctl(void *ctx, struct xen_domctl *op)
{
    struct xenops_fault *f = ctx;

    if (op->cmd != XEN_DOMCTL_destroydomain)
        FAULT(f);
    return INNER(f)->domctl(INNER(f)->ctx, op);
}

static long fault_memory_op(void *ctx, unsigned int cmd, struct xen_memory_reservation *r)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->memory_op(INNER(f)->ctx, cmd, r);
}

static int fault_mmu_update(void *ctx, const mmu_update_t *req, unsigned int count,
                            unsigned int *done, domid_t foreigndom)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->mmu_update(INNER(f)->ctx, req, count, done, foreigndom);
}

static int fault_mmuext_op(void *ctx, const struct mmuext_op *op, unsigned int count,
                           unsigned int *done, domid_t foreigndom)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->mmuext_op(INNER(f)->ctx, op, count, done, foreigndom);
}

static int fault_evtchn_alloc_unbound(void *ctx, evtchn_alloc_unbound_t *op)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->evtchn_alloc_unbound(INNER(f)->ctx, op);
}

static int fault_seed_grant_table(void *ctx, domid_t domid, xen_pfn_t console_mfn,
                                  xen_pfn_t store_mfn, domid_t backend_domid)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->seed_grant_table(INNER(f)->ctx, domid, console_mfn, store_mfn, backend_domid);
}

static int fault_seed_grant_table_hvm(void *ctx, domid_t domid, xen_pfn_t console_gfn,
                                      xen_pfn_t store_gfn, domid_t backend_domid,
                                      xen_pfn_t scratch_gfn)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->seed_grant_table_hvm(INNER(f)->ctx, domid, console_gfn, store_gfn,
                                          backend_domid, scratch_gfn);
}

static int fault_hvm_param(void *ctx, unsigned int op, xen_hvm_param_t *params, unsigned int n,
                           unsigned int *done)
{
    struct xenops_fault *f = ctx;

    if (fault_now(f)) {
        if (done)
            *done = 0;
        return f->rc;
    }
    return INNER(f)->hvm_param(INNER(f)->ctx, op, params, n, done);
}

static int fault_set_memory_map(void *ctx, struct xen_foreign_memory_map *map)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->set_memory_map(INNER(f)->ctx, map);
}

static int fault_map_foreign(void *ctx, domid_t domid, const xen_pfn_t *mfns, unsigned int n,
                             void **va)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->map_foreign(INNER(f)->ctx, domid, mfns, n, va);
}

static int fault_unmap_foreign(void *ctx, void *va, unsigned int n)
{
    struct xenops_fault *f = ctx;

    return INNER(f)->unmap_foreign(INNER(f)->ctx, va, n);
}

static int fault_alloc_pages(void *ctx, unsigned int n, void **va)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->alloc_pages(INNER(f)->ctx, n, va);
}

static void fault_free_pages(void *ctx, void *va, unsigned int n)
{
    struct xenops_fault *f = ctx;

    INNER(f)->free_pages(INNER(f)->ctx, va, n);
}

static uint64_t fault_now_ns(void *ctx)
{
    struct xenops_fault *f = ctx;

    return INNER(f)->now_ns(INNER(f)->ctx); /* only installed when the inner seam has a clock */
}

static int fault_evtchn_bind_interdomain(void *ctx, domid_t remote_dom, evtchn_port_t remote_port,
                                         evtchn_port_t *local_port)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->evtchn_bind_interdomain(INNER(f)->ctx, remote_dom, remote_port, local_port);
}

static int fault_evtchn_bind_virq(void *ctx, uint32_t virq, evtchn_port_t *port)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->evtchn_bind_virq(INNER(f)->ctx, virq, port);
}

static int fault_evtchn_close(void *ctx, evtchn_port_t port)
{
    struct xenops_fault *f = ctx;

    return INNER(f)->evtchn_close(INNER(f)->ctx, port);
}

static int fault_evtchn_notify(void *ctx, evtchn_port_t port)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->evtchn_notify(INNER(f)->ctx, port);
}

static bool fault_evtchn_pending(void *ctx, evtchn_port_t port)
{
    struct xenops_fault *f = ctx;

    return INNER(f)->evtchn_pending(INNER(f)->ctx, port);
}

static int fault_evtchn_poll(void *ctx, const evtchn_port_t *ports, unsigned int n,
                             uint64_t timeout_ns)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->evtchn_poll(INNER(f)->ctx, ports, n, timeout_ns);
}

static void fault_yield(void *ctx)
{
    struct xenops_fault *f = ctx;

    INNER(f)->yield(INNER(f)->ctx);
}

static int fault_sysctl(void *ctx, struct xen_sysctl *op)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->sysctl(INNER(f)->ctx, op);
}

static uint64_t fault_scratch_free_pages(void *ctx)
{
    struct xenops_fault *f = ctx;

    return INNER(f)->scratch_free_pages(INNER(f)->ctx);
}

/* Giving memory back is a releasing call: never failed (xenops_fault.h). */
static long fault_give_back(void *ctx, void *va, uint64_t n)
{
    struct xenops_fault *f = ctx;

    return INNER(f)->give_back(INNER(f)->ctx, va, n);
}

static uint64_t fault_scratch_peak_pages(void *ctx, bool reset)
{
    struct xenops_fault *f = ctx;

    return INNER(f)->scratch_peak_pages(INNER(f)->ctx, reset);
}

static unsigned long fault_hypercalls(void *ctx)
{
    struct xenops_fault *f = ctx;

    return INNER(f)->hypercalls(INNER(f)->ctx);
}

static int fault_console_read(void *ctx, char *buf, unsigned int n)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->console_read(INNER(f)->ctx, buf, n);
}

static int fault_xen_version(void *ctx, int cmd, void *arg)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->xen_version(INNER(f)->ctx, cmd, arg);
}

static int fault_xsm_op(void *ctx, struct xen_flask_op *op)
{
    struct xenops_fault *f = ctx;

    FAULT(f);
    return INNER(f)->xsm_op(INNER(f)->ctx, op);
}

void xenops_fault_init(struct xenops_fault *f, const struct xenops *inner)
{
    memset(f, 0, sizeof(*f));
    f->inner = inner;
    f->ops = (struct xenops){
        .ctx = f,
        .domctl = fault_domctl,
        .memory_op = fault_memory_op,
        .mmu_update = fault_mmu_update,
        .mmuext_op = fault_mmuext_op,
        .evtchn_alloc_unbound = fault_evtchn_alloc_unbound,
        .seed_grant_table = fault_seed_grant_table,
        .seed_grant_table_hvm = fault_seed_grant_table_hvm,
        .hvm_param = fault_hvm_param,
        .set_memory_map = fault_set_memory_map,
        .map_foreign = fault_map_foreign,
        .unmap_foreign = fault_unmap_foreign,
        .alloc_pages = fault_alloc_pages,
        .free_pages = fault_free_pages,
        .now_ns = inner->now_ns ? fault_now_ns : NULL,
        .evtchn_bind_interdomain = fault_evtchn_bind_interdomain,
        .evtchn_bind_virq = fault_evtchn_bind_virq,
        .evtchn_close = fault_evtchn_close,
        .evtchn_notify = fault_evtchn_notify,
        .evtchn_pending = fault_evtchn_pending,
        .evtchn_poll = fault_evtchn_poll,
        .yield = fault_yield,
        .sysctl = fault_sysctl,
        .scratch_free_pages = fault_scratch_free_pages,
        .give_back = inner->give_back ? fault_give_back : NULL,
        .hypercalls = fault_hypercalls,
        .console_read = inner->console_read ? fault_console_read : NULL,
        .console_input_port = inner->console_input_port,
        .xen_version = inner->xen_version ? fault_xen_version : NULL,
        .scratch_peak_pages = inner->scratch_peak_pages ? fault_scratch_peak_pages : NULL,
        .xsm_op = inner->xsm_op ? fault_xsm_op : NULL,
    };
}

void xenops_fault_arm(struct xenops_fault *f, unsigned long n, int rc)
{
    f->fail_at = n;
    f->calls = 0;
    f->rc = rc;
    f->fired = false;
}

bool xenops_fault_fired(const struct xenops_fault *f, unsigned long *calls)
{
    if (calls)
        *calls = f->calls;
    return f->fired;
}
