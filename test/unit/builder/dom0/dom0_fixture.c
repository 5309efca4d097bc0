/* Shared fixture of the dom0 service tests: sim, boot set, platform, guests, leak checks. */
#include "domb_test.h"

#include "dom0_fixture.h"
#include "elf_writer.h"

#include <domb/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sim and teardown ---- */

struct dfx *dfx_create(const struct dfx_opts *o)
{
    static const struct dfx_opts none;
    struct dfx *f = calloc(1, sizeof(*f));
    struct sim_config cfg;

    if (!o)
        o = &none;
    assert_non_null(f);
    cfg = (struct sim_config){
        .nr_frames = o->nr_frames ? o->nr_frames : DFX_NR_FRAMES,
        .self = o->self,
        .privileged = true,
        .max_extent_order = o->max_order ? o->max_order
                            : o->self    ? XENOPS_EXTENT_ORDER_DOMU
                                         : XENOPS_EXTENT_ORDER_DOM0,
        .destroy_delay = o->set_destroy_delay ? o->destroy_delay : DFX_DESTROY_DELAY,
        .scratch_pages = o->scratch_pages,
        .no_clock = o->no_clock,
        .flask = o->flask,
    };
    f->sim = sim_create(&cfg);
    f->self = o->self;
    sim_ops(f->sim, &f->ops);
    xenops_fault_init(&f->fault, &f->ops);
    f->xen = o->fault ? &f->fault.ops : &f->ops;
    f->free_start = sim_free_frames(f->sim);
    dfx_make_kernel(&f->kernel, &f->kernel_size);
    f->broken = malloc(f->kernel_size);
    assert_non_null(f->broken);
    memcpy(f->broken, f->kernel, f->kernel_size);
    f->broken[1] = 'X'; /* "\x7fXLF": not an ELF image */
    f->broken_size = f->kernel_size;
    sim_console_clear();
    return f;
}

void dfx_free(struct dfx *f)
{
    if (!f)
        return;
    free(f->p);
    sim_destroy(f->sim);
    free(f->kernel);
    free(f->broken);
    for (unsigned int i = 0; i < f->nr_extra; i++)
        free(f->extra[i]);
    free(f);
}

void dfx_settle(struct dfx *f)
{
    /* Dying domains progress one step per yield or poll. */
    for (int i = 0; i < 1000; i++) {
        bool dying = false;

        for (unsigned int d = 1; d < DOMID_FIRST_RESERVED; d++) {
            struct xen_domctl op = {.cmd = XEN_DOMCTL_getdomaininfo,
                                    .domain = (domid_t)d,
                                    .interface_version = XEN_DOMCTL_INTERFACE_VERSION};

            if (f->ops.domctl(f->ops.ctx, &op) != 0)
                break;
            dying |= (op.u.getdomaininfo.flags & XEN_DOMINF_dying) != 0;
            d = op.domain;
        }
        if (!dying)
            return;
        f->ops.yield(f->ops.ctx);
    }
}

void dfx_assert_clean(struct dfx *f, unsigned int self_ports)
{
    dfx_settle(f);
    assert_int_equal(sim_nr_domains(f->sim), 0);
    assert_int_equal(sim_free_frames(f->sim), f->free_start);
    assert_int_equal(sim_scratch_pages(f->sim), 0);
    assert_int_equal(sim_foreign_maps(f->sim), 0);
    assert_int_equal(sim_self_ports(f->sim), self_ports);
}

static bool vm_known(const struct vm *vm)
{
    return vm->state == VM_BUILT || vm->state == VM_RUNNING || vm->state == VM_STOPPED;
}

void dfx_teardown(struct dfx *f)
{
    dfx_platform_free(f);
    for (unsigned int i = 0; i < f->nr_extra; i++)
        if (vm_known(f->extra[i]))
            assert_int_equal(vm_destroy(f->extra[i]), 0);
    sim_set_world(f->sim, NULL, NULL);
    dfx_assert_clean(f, 0);
    dfx_free(f);
}

/* ---- kernel images ---- */

void dfx_make_kernel(uint8_t **buf, size_t *size)
{
    static struct ew w; /* large */
    struct ew_out out;

    ew_init_default(&w);
    ew_build(&w, &out);
    *buf = out.buf;
    *size = out.size;
}

void dfx_make_pvh_kernel(uint8_t **buf, size_t *size)
{
    static struct ew w; /* large */
    struct ew_out out;

    ew_init_pvh(&w, EW_PVH_PHYS, 0x2000, 0x1000);
    ew_build(&w, &out);
    *buf = out.buf;
    *size = out.size;
}

/* ---- configs and the boot set ---- */

void dfx_config(struct vm_config *cfg, const char *name, const char *image, uint32_t mib)
{
    vm_config_init(cfg);
    snprintf(cfg->name, sizeof(cfg->name), "%s", name);
    snprintf(cfg->kernel, sizeof(cfg->kernel), "%s%s", BOOTSET_IMAGE_DIR, image);
    snprintf(cfg->cmdline, sizeof(cfg->cmdline), "console=hvc0");
    cfg->memory_mib = cfg->maxmem_mib = mib;
}

void dfx_config_client(struct vm_config *cfg, uint32_t max_vms, uint32_t max_memory_mib)
{
    cfg->db_client = true;
    cfg->db_max_vms = max_vms;
    cfg->db_max_memory_mib = max_memory_mib;
    cfg->db_max_devices = VM_DB_DEFAULT_MAX_DEVICES;
}

void dfx_config_kernel_sha(struct vm_config *cfg, const void *data, size_t len)
{
    cfg->has_kernel_sha256 = true;
    sha256(data, len, cfg->kernel_sha256);
}

struct dfx_bootset *dfx_bootset_new(enum manifest_mode mode, uint16_t flags,
                                    enum manifest_when_done when_done)
{
    struct dfx_bootset *b = calloc(1, sizeof(*b));

    assert_non_null(b);
    cpio_writer_init(&b->w);
    b->m.mode = mode;
    b->m.flags = flags;
    b->m.when_done = when_done;
    return b;
}

void dfx_bootset_free(struct dfx_bootset *b)
{
    if (!b)
        return;
    cpio_writer_free(&b->w);
    free(b);
}

void dfx_bootset_list(struct dfx_bootset *b, const char *member)
{
    uint32_t i = b->m.nr_vms;

    assert_true(i < sizeof(b->names) / sizeof(b->names[0]));
    snprintf(b->names[i], sizeof(b->names[i]), "%s", member);
    b->m.spec_names[i] = b->names[i];
    b->m.nr_vms++;
}

void dfx_bootset_spec_raw(struct dfx_bootset *b, const char *member, const void *data, size_t len)
{
    dfx_bootset_list(b, member);
    cpio_writer_add_file(&b->w, member, data, len);
}

void dfx_bootset_vm(struct dfx_bootset *b, const struct vm_config *cfg)
{
    uint8_t buf[SPEC_MAX_SIZE];
    char member[MANIFEST_NAME_SIZE];
    struct domb_error err;
    int n = spec_encode(cfg, buf, sizeof(buf), &err);

    if (n < 0)
        fail_msg("spec_encode(%s): %s", cfg->name, err.msg);
    snprintf(member, sizeof(member), "%s%s.spec", BOOTSET_SPEC_DIR, cfg->name);
    dfx_bootset_spec_raw(b, member, buf, (size_t)n);
}

void dfx_bootset_image(struct dfx_bootset *b, const char *name, const void *data, size_t len)
{
    char member[VM_PATH_MAX + 1];

    snprintf(member, sizeof(member), "%s%s", BOOTSET_IMAGE_DIR, name);
    cpio_writer_add_file(&b->w, member, data, len);
}

void dfx_bootset_kernel(struct dfx_bootset *b, const char *name)
{
    uint8_t *k;
    size_t n;

    dfx_make_kernel(&k, &n);
    dfx_bootset_image(b, name, k, n);
    free(k);
}

void dfx_bootset_pvh_kernel(struct dfx_bootset *b, const char *name)
{
    uint8_t *k;
    size_t n;

    dfx_make_pvh_kernel(&k, &n);
    dfx_bootset_image(b, name, k, n);
    free(k);
}

const uint8_t *dfx_bootset_finish(struct dfx_bootset *b, size_t *len)
{
    if (!b->finished) {
        static uint8_t buf[MANIFEST_MAX_SIZE];
        struct domb_error err;
        int n = manifest_encode(&b->m, buf, sizeof(buf), &err);

        if (n <= 0)
            fail_msg("manifest_encode: %s", err.msg);
        cpio_writer_add_file(&b->w, BOOTSET_MANIFEST_NAME, buf, (size_t)n);
        assert_int_equal(cpio_writer_finish(&b->w), 0);
        b->finished = true;
    }
    *len = b->w.len;
    return b->w.buf;
}

/* ---- the platform ---- */

struct platform *dfx_platform_new(struct dfx *f, bool channels)
{
    struct platform *p = calloc(1, sizeof(*p));

    assert_non_null(p);
    p->xen = f->xen;
    p->t0 = xenops_now_ns(&f->ops);
    p->channels = channels;
    f->p = p;
    return p;
}

int dfx_boot_raw(struct dfx *f, const void *module, size_t len, const char *cmdline)
{
    struct platform_boot_info bi = {
        .cmdline = cmdline,
        .module = module,
        .module_len = len,
        .t0_ns = xenops_now_ns(&f->ops),
        .domu = f->self != 0,
        .self_domid = f->self,
    };

    if (!f->p)
        dfx_platform_new(f, false);
    return platform_boot(f->p, &bi);
}

int dfx_boot(struct dfx *f, struct dfx_bootset *b, const char *cmdline)
{
    size_t len;
    const uint8_t *m = dfx_bootset_finish(b, &len);

    return dfx_boot_raw(f, m, len, cmdline);
}

void dfx_platform_free(struct dfx *f)
{
    struct platform *p = f->p;

    if (!p)
        return;
    for (unsigned int i = 0; i < p->nr_vms; i++)
        if (vm_known(&p->vms[i]))
            assert_int_equal(vm_destroy(&p->vms[i]), 0);
    if (p->virq_port)
        f->ops.evtchn_close(f->ops.ctx, p->virq_port);
    free(p);
    f->p = NULL;
}

struct vm *dfx_vm(struct dfx *f, const char *name)
{
    if (!f->p)
        return NULL;
    for (unsigned int i = 0; i < f->p->nr_vms; i++)
        if (strcmp(f->p->vms[i].name, name) == 0)
            return &f->p->vms[i];
    return NULL;
}

/* ---- builder_result frames ---- */

uint64_t dfx_console_mfn(const struct vm *vm)
{
    return mfn_x(vm->result.console_mfn);
}

uint64_t dfx_store_mfn(const struct vm *vm)
{
    return mfn_x(vm->result.store_mfn);
}

uint64_t dfx_start_info_mfn(const struct vm *vm)
{
    return mfn_x(vm->result.start_info_mfn);
}

uint64_t dfx_channel_mfn(const struct vm *vm)
{
    return mfn_x(vm->result.channel_mfn);
}

uint64_t dfx_channel_pfn(const struct vm *vm)
{
    return pfn_x(vm->result.channel_pfn);
}

uint8_t *dfx_guest_frame(struct dfx *f, const struct vm *vm, uint64_t frame)
{
    if (vm->result.guest_type == BUILDER_GUEST_PVH)
        return sim_gfn(f->sim, vm->domid, frame);
    return sim_frame(f->sim, frame);
}

struct xencons_interface *dfx_console_ring(struct dfx *f, const struct vm *vm)
{
    return (struct xencons_interface *)dfx_guest_frame(f, vm, dfx_console_mfn(vm));
}

struct xenstore_domain_interface *dfx_store_ring(struct dfx *f, const struct vm *vm)
{
    return (struct xenstore_domain_interface *)dfx_guest_frame(f, vm, dfx_store_mfn(vm));
}

start_info_t *dfx_start_info(struct dfx *f, const struct vm *vm)
{
    return (start_info_t *)sim_frame(f->sim, dfx_start_info_mfn(vm));
}

const char *dfx_guest_cmdline(struct dfx *f, const struct vm *vm)
{
    /* Where the builder says it is: start_info (PV), the command-line page (PVH). */
    const uint8_t *page = dfx_guest_frame(f, vm, mfn_x(vm->result.cmdline_frame));

    return page ? (const char *)page + vm->result.cmdline_offset : NULL;
}

/* ---- the guests' side ---- */

size_t dfx_guest_write(struct dfx *f, const struct vm *vm, const void *data, size_t len,
                       bool notify)
{
    struct xencons_interface *r = dfx_console_ring(f, vm);
    XENCONS_RING_IDX prod = r->out_prod, cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
    const char *p = data;
    size_t n = 0;

    while (n < len && prod - cons < sizeof(r->out)) {
        r->out[MASK_XENCONS_IDX(prod, r->out)] = p[n++];
        prod++;
    }
    __atomic_store_n(&r->out_prod, prod, __ATOMIC_RELEASE);
    if (notify)
        dfx_guest_notify_console(f, vm);
    return n;
}

int dfx_guest_notify_console(struct dfx *f, const struct vm *vm)
{
    return sim_guest_notify(f->sim, vm->domid, vm->result.console_port);
}

int dfx_guest_shutdown(struct dfx *f, const struct vm *vm, unsigned int reason)
{
    return sim_guest_shutdown(f->sim, vm->domid, reason);
}

void dfx_guest_console_indexes(struct dfx *f, const struct vm *vm, XENCONS_RING_IDX cons,
                               XENCONS_RING_IDX prod)
{
    struct xencons_interface *r = dfx_console_ring(f, vm);

    r->out_cons = cons;
    __atomic_store_n(&r->out_prod, prod, __ATOMIC_RELEASE);
}

/* The world's record for the running VM vm (a new incarnation when its
 * domid changed). */
static struct dfx_tracked *track(struct dfx *f, const struct vm *vm)
{
    struct dfx_tracked *t = NULL;

    for (unsigned int i = 0; i < f->nr_tracked; i++)
        if (strcmp(f->tracked[i].name, vm->name) == 0)
            t = &f->tracked[i];
    if (!t) {
        assert_true(f->nr_tracked < DFX_MAX_TRACKED);
        t = &f->tracked[f->nr_tracked++];
        snprintf(t->name, sizeof(t->name), "%s", vm->name);
    }
    if (t->incarnation == 0 || t->domid != vm->domid || t->restarts != vm->restarts) {
        t->domid = vm->domid;
        t->restarts = vm->restarts;
        t->incarnation++;
        t->ticks = 0;
    }
    return t;
}

static void run_action(struct dfx *f, struct vm *vm, const struct dfx_action *a)
{
    switch (a->kind) {
    case DFX_PRINT:
    case DFX_RAW:
        dfx_guest_write(f, vm, a->text, a->len ? a->len : strlen(a->text), a->kind == DFX_PRINT);
        break;
    case DFX_NOTIFY:
        dfx_guest_notify_console(f, vm);
        break;
    case DFX_SHUTDOWN:
        assert_int_equal(dfx_guest_shutdown(f, vm, a->reason), 0);
        break;
    case DFX_ADVANCE:
        sim_advance(f->sim, a->ns);
        break;
    case DFX_CALL:
        a->fn(f, vm, a->arg);
        break;
    }
}

static void world_vm(struct dfx *f, struct vm *vm)
{
    struct dfx_tracked *t;

    if (vm->state != VM_RUNNING)
        return;
    t = track(f, vm);
    t->ticks++;
    for (const struct dfx_action *a = f->script; a && a->vm; a++)
        if (strcmp(a->vm, vm->name) == 0 && a->at == t->ticks &&
            (a->incarnation == 0 || a->incarnation == t->incarnation))
            run_action(f, vm, a);
}

static void world(struct sim *s, void *arg)
{
    struct dfx *f = arg;

    f->world_calls++;
    if (f->world_calls > DFX_WORLD_LIMIT) {
        /* The test would loop forever. */
        f->stuck = true;
        fail_msg("the world was called %lu times: the test is stuck", f->world_calls);
    }
    if (f->world_hook)
        f->world_hook(f, f->world_hook_arg);
    for (unsigned int i = 0; f->p && i < f->p->nr_vms; i++)
        world_vm(f, &f->p->vms[i]);
    for (unsigned int i = 0; i < f->nr_extra; i++)
        world_vm(f, f->extra[i]);
}

void dfx_script(struct dfx *f, const struct dfx_action *script)
{
    f->script = script;
    sim_set_world(f->sim, world, f);
}

unsigned int dfx_incarnations(const struct dfx *f, const char *name)
{
    for (unsigned int i = 0; i < f->nr_tracked; i++)
        if (strcmp(f->tracked[i].name, name) == 0)
            return f->tracked[i].incarnation;
    return 0;
}

/* ---- console text ---- */

void dfx_assert_console_has(const char *needle)
{
    if (!strstr(sim_console(), needle)) {
        dfx_console_dump();
        fail_msg("console lacks \"%s\"", needle);
    }
}

unsigned int dfx_console_count(const char *needle)
{
    const char *c = sim_console();
    unsigned int n = 0;
    size_t len = strlen(needle);

    while (len && (c = strstr(c, needle)) != NULL) {
        n++;
        c += len;
    }
    return n;
}

bool dfx_summary_has(const char *name, const char *domid, const char *result)
{
    const char *c = sim_console(), *t = NULL, *hit;

    /* The last table printed. */
    while ((hit = strstr(c, "\nNAME ")) != NULL) {
        t = hit + 1;
        c = hit + 1;
    }
    if (!t)
        return false;
    for (const char *line = strchr(t, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char row_name[80], row_domid[16];
        int pos = 0;
        const char *rest;

        /* NAME DOMID TYPE MEM BUILD HYPERCALLS HW RESULT... */
        if (sscanf(line + 1, "%79s %15s %*s %*s %*s %*s %*s %n", row_name, row_domid, &pos) != 2 ||
            pos == 0)
            break;
        rest = line + 1 + pos;
        if (strcmp(row_name, name) == 0 && strcmp(row_domid, domid) == 0 &&
            strncmp(rest, result, strlen(result)) == 0)
            return true;
    }
    return false;
}

void dfx_console_dump(void)
{
    fprintf(stderr, "---- console ----\n%s---- end ----\n", sim_console());
}

/* ---- VMs outside a platform ---- */

void dfx_build_opts(struct dfx *f, struct vm_build_opts *o, bool relay, bool channel,
                    struct xs_store *store)
{
    *o = (struct vm_build_opts){.xen = f->xen, .relay = relay, .channel = channel, .store = store};
}

struct vm *dfx_vm_new(struct dfx *f)
{
    struct vm *vm = calloc(1, sizeof(*vm));

    assert_non_null(vm);
    assert_true(f->nr_extra < DFX_MAX_TRACKED);
    f->extra[f->nr_extra++] = vm;
    return vm;
}

struct xs_store *dfx_store(void)
{
    static uint8_t arena[1u << 20];
    static struct xs_store store;
    struct domb_error err;

    assert_int_equal(xs_store_init(&store, arena, sizeof(arena), 4096, &err), 0);
    return &store;
}

bool dfx_store_has_domains(const struct xs_store *store)
{
    for (unsigned int d = 1; d < DOMID_FIRST_RESERVED; d++)
        if (xs_store_domain_introduced(store, (domid_t)d))
            return true;
    return false;
}
