/* FIXTURE READY */
/*
 * Shared fixture of the dom0 service tests (db-boot's platform, the VMs,
 * the console relay, db-server) against the simulated hypervisor:
 *
 * - dfx_create(): a privileged sim (self = domain 0, extent order 12, a few
 *   steps of destroy delay, room for several 16-32 MiB guests), its seam and
 *   optionally a fault-injection wrapper over it; dfx->xen is what the code
 *   under test gets;
 * - an in-memory initramfs for a boot set (manifest, VM specs, images);
 * - valid PV64 kernel images (and a broken one);
 * - a platform booted from such an initramfs;
 * - the guests' side for the sim's world callback: console output, shutdown,
 *   and a scripted world ("hello prints a line and powers off at poll 3");
 * - leak checks: nothing left of any domain, frame, scratch page, mapping or
 *   port;
 * - accessors for builder_result's frame fields (keep their type in one
 *   place).
 *
 * Typical use:
 *
 *   struct dfx *f = dfx_create(NULL);
 *   struct dfx_bootset *b = dfx_bootset_new(MANIFEST_MODE_STARTALL,
 *                                           MANIFEST_FLAG_CONSOLE_RELAY, MANIFEST_DONE_WAIT);
 *   struct vm_config cfg;
 *   dfx_bootset_kernel(b, "k.elf");                  // domb/images/k.elf: good ELF
 *   dfx_config(&cfg, "hello", "k.elf", 16);
 *   dfx_bootset_vm(b, &cfg);
 *   static const struct dfx_action script[] = {
 *       {"hello", 1, DFX_PRINT, .text = "hi\n"},
 *       {"hello", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
 *       {NULL}};
 *   dfx_script(f, script);
 *   assert_int_equal(dfx_boot(f, b, NULL), 0);
 *   platform_run(f->p);
 *   ...assertions on sim_console()...
 *   dfx_teardown(f);                                 // destroys, checks leaks, frees
 *   dfx_bootset_free(b);
 */
#ifndef TEST_DOM0_FIXTURE_H
#define TEST_DOM0_FIXTURE_H

#include "cpio_write.h"
#include "sim.h"

#include <builder/xenops_fault.h>
#include <domb/errno.h>
#include <dom0/platform.h>
#include <dom0/server.h>
#include <dom0/vm.h>
#include <initrd/bootset.h>
#include <proto/manifest.h>
#include <proto/spec.h>
#include <proto/vm_config.h>
#include <xen/io/console.h>
#include <xen/sched.h>

#define DFX_NR_FRAMES     (1u << 16) /* 256 MiB: several 16-32 MiB guests */
#define DFX_DESTROY_DELAY 3          /* polls/yields a destroyed domain takes to go */
#define DFX_MAX_TRACKED   128        /* VM names the scripted world follows */
#define DFX_WORLD_LIMIT   20000      /* world calls before a test is declared stuck */

struct dfx_opts {
    uint64_t nr_frames;         /* 0: DFX_NR_FRAMES */
    unsigned int destroy_delay; /* used when set_destroy_delay (else DFX_DESTROY_DELAY) */
    bool set_destroy_delay;
    bool fault;             /* the code under test gets the fault wrapper */
    uint64_t scratch_pages; /* 0: the sim's default */
    unsigned int max_order; /* 0: 12 */
    bool no_clock;
    bool flask; /* the sim is a Xen with XSM/FLASK (sim_config.flask) */
    /* The builder is an ordinary domain with this domid (0: dom0): the
     * platform is booted with platform_boot_info.domu and, unless
     * max_order says otherwise, the sim lets it populate with order 9. */
    domid_t self;
};

/* ---- the scripted world ---- */

enum dfx_act_kind {
    DFX_PRINT,    /* write text (len bytes, or strlen) to the console ring and notify */
    DFX_RAW,      /* write text into the ring without notifying */
    DFX_NOTIFY,   /* notify the console port only */
    DFX_SHUTDOWN, /* sim_guest_shutdown(reason) */
    DFX_ADVANCE,  /* move the clock on by ns */
    DFX_CALL,     /* fn(f, vm, arg) */
};

struct dfx;

struct dfx_action {
    const char *vm;   /* VM name; NULL ends a script */
    unsigned long at; /* world call of this VM's current incarnation (1-based) */
    enum dfx_act_kind kind;
    const char *text;
    size_t len;
    unsigned int reason;
    uint64_t ns;
    void (*fn)(struct dfx *f, struct vm *vm, void *arg);
    void *arg;
    unsigned int incarnation; /* 0: every incarnation (domid); n: only the nth */
};

struct dfx_tracked {
    char name[64];
    domid_t domid; /* current incarnation (domid, restarts) */
    unsigned int restarts;
    unsigned int incarnation; /* 1-based */
    unsigned long ticks;      /* world calls seen in this incarnation */
};

struct dfx {
    struct sim *sim;
    struct xenops ops;         /* the sim's own seam */
    struct xenops_fault fault; /* wrapping ops */
    const struct xenops *xen;  /* what the code under test gets */
    uint64_t free_start;       /* sim_free_frames before anything was built */
    domid_t self;              /* dfx_opts.self */
    struct platform *p;        /* after dfx_boot / dfx_platform_new */
    /* Kernel images (malloc'ed): a valid PV64 ELF and a broken one. */
    uint8_t *kernel;
    size_t kernel_size;
    uint8_t *broken;
    size_t broken_size;
    /* The scripted world. */
    const struct dfx_action *script;
    struct dfx_tracked tracked[DFX_MAX_TRACKED];
    unsigned int nr_tracked;
    struct vm *extra[DFX_MAX_TRACKED]; /* dfx_vm_new: VMs outside f->p */
    unsigned int nr_extra;
    unsigned long world_calls;
    bool stuck;                                   /* DFX_WORLD_LIMIT hit (the test failed) */
    void (*world_hook)(struct dfx *f, void *arg); /* also called on every world call */
    void *world_hook_arg;
};

struct dfx *dfx_create(const struct dfx_opts *o);
/* Destroy what is left of the platform (if any) and every extra VM, check
 * nothing leaked (dfx_assert_clean with no ports) and free everything. */
void dfx_teardown(struct dfx *f);
/* Free without any checks (after a failed assertion path, or when the test
 * checked by itself). */
void dfx_free(struct dfx *f);

/* Let the sim finish dying domains (yields), then assert: no domain, every
 * frame back, no scratch page, no foreign mapping, exactly self_ports ports
 * of ours in use. */
void dfx_assert_clean(struct dfx *f, unsigned int self_ports);
/* Yield until no domain is dying (bounded). */
void dfx_settle(struct dfx *f);

/* ---- kernel images ---- */

/* A fresh valid PV64 ELF image (ew_init_default); free() *buf. */
void dfx_make_kernel(uint8_t **buf, size_t *size);
/* A fresh valid PVH-capable ELF image (ew_init_pvh: PHYS32_ENTRY, loaded at
 * 1 MiB); free() *buf. */
void dfx_make_pvh_kernel(uint8_t **buf, size_t *size);

/* ---- VM configs and the boot set initramfs ---- */

/* name, kernel = BOOTSET_IMAGE_DIR image, memory = maxmem = mib, 1 vCPU,
 * on_exit destroy, cmdline "console=hvc0". */
void dfx_config(struct vm_config *cfg, const char *name, const char *image, uint32_t mib);
/* Make cfg a db-server client with these quotas. */
void dfx_config_client(struct vm_config *cfg, uint32_t max_vms, uint32_t max_memory_mib);
/* Carry the hash of data as the kernel's sha256. */
void dfx_config_kernel_sha(struct vm_config *cfg, const void *data, size_t len);

struct dfx_bootset {
    struct cpio_writer w;
    struct manifest m;
    char names[MANIFEST_MAX_VMS > 64 ? 64 : MANIFEST_MAX_VMS][MANIFEST_NAME_SIZE];
    bool finished;
};

struct dfx_bootset *dfx_bootset_new(enum manifest_mode mode, uint16_t flags,
                                    enum manifest_when_done when_done);
void dfx_bootset_free(struct dfx_bootset *b);
/* domb/specs/<name>.spec from cfg, listed next in the manifest. */
void dfx_bootset_vm(struct dfx_bootset *b, const struct vm_config *cfg);
/* A spec member with arbitrary bytes, listed next in the manifest. */
void dfx_bootset_spec_raw(struct dfx_bootset *b, const char *member, const void *data, size_t len);
/* List a spec member in the manifest without adding it to the archive. */
void dfx_bootset_list(struct dfx_bootset *b, const char *member);
/* An image at BOOTSET_IMAGE_DIR<name>. */
void dfx_bootset_image(struct dfx_bootset *b, const char *name, const void *data, size_t len);
/* The valid test kernel at BOOTSET_IMAGE_DIR<name> (a fresh copy). */
void dfx_bootset_kernel(struct dfx_bootset *b, const char *name);
/* The valid PVH test kernel (dfx_make_pvh_kernel) at BOOTSET_IMAGE_DIR<name>. */
void dfx_bootset_pvh_kernel(struct dfx_bootset *b, const char *name);
/* Write the manifest and the trailer; returns the archive. */
const uint8_t *dfx_bootset_finish(struct dfx_bootset *b, size_t *len);

/* ---- the platform ---- */

/* calloc a platform: p->xen = f->xen, p->t0 = now, p->channels. f->p = it. */
struct platform *dfx_platform_new(struct dfx *f, bool channels);
/* dfx_platform_new (unless f->p exists) + platform_boot from b (finished
 * here if need be) with this builder cmdline; returns platform_boot's. */
int dfx_boot(struct dfx *f, struct dfx_bootset *b, const char *cmdline);
/* platform_boot from raw module bytes. */
int dfx_boot_raw(struct dfx *f, const void *module, size_t len, const char *cmdline);
/* Destroy every VM of f->p still known to Xen, close the VIRQ port, free
 * the platform. */
void dfx_platform_free(struct dfx *f);
/* The platform's VM named name, or NULL. */
struct vm *dfx_vm(struct dfx *f, const char *name);

/* ---- builder_result frames (their type lives only here) ---- */

uint64_t dfx_console_mfn(const struct vm *vm);
uint64_t dfx_store_mfn(const struct vm *vm);
uint64_t dfx_start_info_mfn(const struct vm *vm);
uint64_t dfx_channel_mfn(const struct vm *vm);
uint64_t dfx_channel_pfn(const struct vm *vm);
/* The contents of a frame named as builder_result names it for this VM: a
 * machine frame of a PV guest (sim_frame), a guest frame of a PVH guest
 * (sim_gfn). */
uint8_t *dfx_guest_frame(struct dfx *f, const struct vm *vm, uint64_t frame);
/* The guest's frame contents (dfx_guest_frame). */
struct xencons_interface *dfx_console_ring(struct dfx *f, const struct vm *vm);
struct xenstore_domain_interface *dfx_store_ring(struct dfx *f, const struct vm *vm);
start_info_t *dfx_start_info(struct dfx *f, const struct vm *vm);
/* The guest's command line, where builder_result says it is (start_info
 * for PV, the command-line page for PVH). */
const char *dfx_guest_cmdline(struct dfx *f, const struct vm *vm);

/* ---- the guests' side ---- */

/* Guest vm writes data into its console ring (as much as fits; returns the
 * bytes written), then signals its console port if notify. */
size_t dfx_guest_write(struct dfx *f, const struct vm *vm, const void *data, size_t len,
                       bool notify);
int dfx_guest_notify_console(struct dfx *f, const struct vm *vm);
int dfx_guest_shutdown(struct dfx *f, const struct vm *vm, unsigned int reason);
/* Guest sets its console ring indexes (a liar). */
void dfx_guest_console_indexes(struct dfx *f, const struct vm *vm, XENCONS_RING_IDX cons,
                               XENCONS_RING_IDX prod);

/* Install script (NULL-terminated by .vm == NULL; must outlive the run) as
 * the sim's world. The world follows f->p's VMs and the extra ones. */
void dfx_script(struct dfx *f, const struct dfx_action *script);
/* How many incarnations (domids) of VM name the world has seen. */
unsigned int dfx_incarnations(const struct dfx *f, const char *name);

/* ---- console text ---- */

/* Occurrences of needle in sim_console(). */
unsigned int dfx_console_count(const char *needle);
/* Fail the test (dumping the console) unless needle is in sim_console(). */
void dfx_assert_console_has(const char *needle);
/* Whether the summary table (the last one printed) has a row for name with
 * this domid text ("-" or a number) and RESULT starting with result. */
bool dfx_summary_has(const char *name, const char *domid, const char *result);
/* Print the console to stderr (debugging a failing test). */
void dfx_console_dump(void);

/* ---- VMs outside a platform ---- */

/* The build options for f: relay, channel, store as given (store may be
 * NULL). */
void dfx_build_opts(struct dfx *f, struct vm_build_opts *o, bool relay, bool channel,
                    struct xs_store *store);
/* A fresh xenstore for VMs built outside a platform (static arena: one at a
 * time). */
struct xs_store *dfx_store(void);
/* Whether any domain 1..DOMID_FIRST_RESERVED-1 is introduced to store. */
bool dfx_store_has_domains(const struct xs_store *store);

/* A zeroed struct vm (large) owned by f: the world sees it, dfx_teardown
 * destroys it if Xen still knows it, dfx_free frees it. */
struct vm *dfx_vm_new(struct dfx *f);

#endif
