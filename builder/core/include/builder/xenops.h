/*
 * The seam between the builder and the hypervisor.
 *
 * The builder never issues a hypercall itself: everything privileged goes
 * through one struct xenops, expressed in Xen's own public ABI types, so the
 * same builder code runs on real Xen (builder/xenops implements the ops with
 * hypercalls) and on the host against the simulated hypervisor (test/sim/),
 * which enforces the PV rules Xen enforces. The dom0 services (builder/dom0:
 * the VM set, db-server, the console relay) use the same seam for event
 * channels, domain state and their own memory, so they run on the host too.
 *
 * Conventions for every op:
 * - The first argument is xenops.ctx, passed back untouched.
 * - The return value is 0 or a negative Xen errno (-XEN_EINVAL, ...), exactly
 *   what the hypercall returns, except memory_op, which returns what
 *   XENMEM_populate_physmap/decrease_reservation return: the number of
 *   extents completed (>= 0), or a negative errno.
 * - Ops are batch-friendly: one call carries an array, and one call of any op
 *   is one hypercall on real Xen, except seed_grant_table and
 *   seed_grant_table_hvm (short fixed sequences) and the ops marked "not a
 *   hypercall" (the builder kernel's own allocator, clock and shared_info).
 *   The simulator counts calls on this basis, which is what the hypercall
 *   budget measures.
 * - Frames of a guest: for a PV guest (not translated) every frame argument
 *   is a machine frame (mfn). For an HVM/PVH guest (translated: Xen keeps
 *   its p2m) the builder names guest frames (gfns) instead, because that is
 *   what Xen reads there: populate_physmap takes gfns and writes nothing
 *   back, and a PV dom0's foreign PTE for a translated domain names a gfn,
 *   which Xen translates (mod_l1_entry, get_page_from_gfn).
 * - Releasing ops (unmap_foreign, free_pages, evtchn_close, domctl
 *   destroydomain) undo what others did; fault injection (xenops_fault.h)
 *   never fails them.
 */
#ifndef BUILDER_XENOPS_H
#define BUILDER_XENOPS_H

#include <domb/types.h>

#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/sysctl.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/hvm/save.h>
#include <xen/xsm/flask_op.h>

/* Most frames one map_foreign call maps: one page of PTE writes (one L1
 * table) in the real implementation's mapping window. */
#define XENOPS_MAP_BATCH_MAX 512u

/* Largest populate_physmap extent order Xen lets an ordinary (non-hardware)
 * domain use; the hardware domain (dom0) may use up to 12 on Xen 4.17. */
#define XENOPS_EXTENT_ORDER_DOMU 9u
#define XENOPS_EXTENT_ORDER_DOM0 12u

/* Most HVM params one hvm_param call carries (one multicall on Xen). */
#define XENOPS_HVM_PARAM_BATCH_MAX 16u

/* One entry of a guest's memory map (XENMEM_set_memory_map's buffer): Xen's
 * struct e820entry, packed, 20 bytes. Types are the E820 / XEN_HVM_MEMMAP_TYPE_*
 * values (1 RAM, 2 reserved, 3 ACPI, ...). */
struct xenops_e820 {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed));

/* Largest memory map Xen accepts (its E820MAX). */
#define XENOPS_E820_MAX 1024u

struct xenops {
    void *ctx;

    /*
     * One XEN_DOMCTL_* operation (HYPERVISOR_domctl). The caller fills
     * op->cmd, op->domain, the union member and interface_version
     * (XEN_DOMCTL_INTERFACE_VERSION; Xen answers -EACCES when it differs
     * from the running hypervisor's). Results are
     * written back into *op as Xen does (createdomain's chosen id in
     * op->domain, getdomaininfo's fields). Only a privileged domain may
     * issue domctls. The builder uses: createdomain (domain 0 = "pick the
     * first free id"), max_vcpus (must equal createdomain's max_vcpus),
     * max_mem (KiB; populate fails beyond it), set_address_size (64),
     * getdomaininfo (shared_info_frame), hypercall_init (gmfn = an mfn of
     * the PV guest; Xen writes the hypercall stubs into it),
     * setvcpucontext (Xen validates cr3 as an L4 of that domain and the
     * segment/rip values), unpausedomain, destroydomain (Xen unpins and
     * frees every frame of the domain, possibly some time later).
     * For a PVH guest (createdomain with XEN_DOMCTL_CDF_hvm |
     * XEN_DOMCTL_CDF_hap and arch.emulation_flags = XEN_X86_EMU_LAPIC) also:
     * set_paging_mempool_size (bytes, a multiple of 4 KiB: the pool HAP
     * builds the p2m from; it starts with 256 pages; -EOPNOTSUPP for PV),
     * gethvmcontext (u.hvmcontext.buffer NULL: Xen answers the size it
     * needs; else a buffer of at least that size, -ENOSPC otherwise, and
     * Xen writes its HVM save records: HEADER first, END last, size = the
     * bytes written), sethvmcontext (Xen loads the records of the blob in
     * order after HEADER, which must match this Xen, until END; every vCPU
     * without a CPU record in it is left down). setvcpucontext,
     * set_address_size and hypercall_init are PV only.
     */
    int (*domctl)(void *ctx, struct xen_domctl *op);

    /*
     * HYPERVISOR_memory_op with a struct xen_memory_reservation:
     * XENMEM_populate_physmap or XENMEM_decrease_reservation for r->domid.
     * populate_physmap for a PV guest reads each extent_start[i] as the
     * guest pfn of extent i, allocates 2^extent_order machine-contiguous
     * frames for it, records m2p[mfn + j] = pfn + j and writes the base mfn
     * back into extent_start[i]. Xen refuses orders above the caller's limit
     * and stops when the domain would exceed max_mem. decrease_reservation
     * frees the extents whose base frames are listed (for a PV guest the
     * entries are mfns). Returns the number of extents completed or a
     * negative errno; fewer than r->nr_extents is a partial failure.
     * For an HVM/PVH guest extent_start[i] is the gfn of extent i going in
     * and Xen writes nothing back (the guest is gfn-based; Xen maps the new
     * frames in its p2m, from the paging pool); decrease_reservation takes
     * gfns too.
     */
    long (*memory_op)(void *ctx, unsigned int cmd, struct xen_memory_reservation *r);

    /*
     * HYPERVISOR_mmu_update(req, count, done, foreigndom): each req.ptr is a
     * machine address with the command in its low 2 bits
     * (MMU_NORMAL_PT_UPDATE: write PTE req.val at that address, checked
     * against the frame's page type; MMU_MACHPHYS_UPDATE: m2p[ptr>>12] =
     * val). foreigndom names the domain whose frames the new PTEs map (a
     * privileged caller only). Stops at the first failure; *done (may be
     * NULL) tells how many requests succeeded.
     */
    int (*mmu_update)(void *ctx, const mmu_update_t *req, unsigned int count, unsigned int *done,
                      domid_t foreigndom);

    /*
     * HYPERVISOR_mmuext_op(op, count, done, foreigndom). The builder uses
     * MMUEXT_PIN_L4_TABLE with foreigndom = the guest: Xen validates the
     * whole tree below the L4 (every present entry maps a frame of that
     * domain, no page-table frame is mapped writable anywhere, Xen's
     * reserved L4 slots are left alone, no forbidden PTE bits) and types the
     * frames as page tables. MMUEXT_UNPIN_TABLE undoes it.
     */
    int (*mmuext_op)(void *ctx, const struct mmuext_op *op, unsigned int count, unsigned int *done,
                     domid_t foreigndom);

    /*
     * EVTCHNOP_alloc_unbound: allocate a port in op->dom that op->remote_dom
     * may bind later; the port is written to op->port. Allocating in another
     * domain needs privilege over it.
     */
    int (*evtchn_alloc_unbound)(void *ctx, evtchn_alloc_unbound_t *op);

    /*
     * Write the guest's reserved grant entries, as libxenguest's
     * xc_dom_gnttab_seed does: GNTTAB_RESERVED_CONSOLE grants console_mfn
     * and GNTTAB_RESERVED_XENSTORE grants store_mfn to backend_domid
     * (flags GTF_permit_access). Real Xen: map the guest's first grant
     * frame (XENMEM_acquire_resource, or GNTTABOP_setup_table + foreign
     * mapping), write, unmap; the implementation chooses.
     */
    int (*seed_grant_table)(void *ctx, domid_t domid, xen_pfn_t console_mfn, xen_pfn_t store_mfn,
                            domid_t backend_domid);

    /*
     * The same for an HVM/PVH guest, whose grant entries name gfns
     * (console_gfn, store_gfn). As libxenguest's compat_gnttab_hvm_seed:
     * XENMEM_add_to_physmap puts the guest's grant-table frame 0 at
     * scratch_gfn (a gfn the guest has nothing at), the builder maps that
     * gfn, writes the two entries, unmaps it and XENMEM_remove_from_physmap
     * takes the frame out again: 4 hypercalls (the unmap is one multicall).
     */
    int (*seed_grant_table_hvm)(void *ctx, domid_t domid, xen_pfn_t console_gfn,
                                xen_pfn_t store_gfn, domid_t backend_domid, xen_pfn_t scratch_gfn);

    /*
     * HVMOP_set_param (op = HVMOP_set_param) or HVMOP_get_param for n
     * (1..XENOPS_HVM_PARAM_BATCH_MAX) params, each naming its domain, index
     * and value (in for set, out for get). One call is one hypercall: one
     * HYPERVISOR_hvm_op for n = 1, else one multicall of n of them. Xen
     * refuses an index >= HVM_NR_PARAMS, a domain that is not HVM, the
     * deprecated params, and some values (a param that may be set once).
     * Returns 0, or the errno of the first entry that failed (*done, may be
     * NULL: how many entries before it succeeded). On real Xen a multicall
     * runs every entry, so entries after a failing one may still have been
     * applied: a caller treats any failure as fatal for the domain.
     */
    int (*hvm_param)(void *ctx, unsigned int op, xen_hvm_param_t *params, unsigned int n,
                     unsigned int *done);

    /*
     * XENMEM_set_memory_map: map->domid's memory map becomes the
     * map->map.nr_entries (<= XENOPS_E820_MAX, else -EINVAL) struct
     * xenops_e820 entries at map->map.buffer. Xen stores it as given (no
     * checks beyond the count) and hands it to the guest's
     * XENMEM_memory_map; a PVH toolstack sets it before populating the
     * guest (libxl's domain_construct_memmap).
     */
    int (*set_memory_map)(void *ctx, struct xen_foreign_memory_map *map);

    /*
     * Map n (1..XENOPS_MAP_BATCH_MAX) frames owned by domid, writable and
     * virtually contiguous, into the builder's address space; *va receives
     * the address of the first. Real Xen: one mmu_update batch into a
     * reserved window, foreigndom = domid (privileged caller only; a frame
     * that is typed as a page table cannot be mapped writable). All or
     * nothing: on failure nothing stays mapped. For an HVM/PVH guest the
     * frames are gfns (a foreign PTE of a PV dom0 names a gfn of a
     * translated domain, and Xen maps the page its p2m has there; a gfn with
     * nothing behind it fails): the list may be any gfns, not only
     * consecutive ones.
     */
    int (*map_foreign)(void *ctx, domid_t domid, const xen_pfn_t *mfns, unsigned int n, void **va);

    /* Undo one map_foreign call (same va and n). Real Xen: one mmu_update
     * batch clearing the PTEs plus a TLB flush. */
    int (*unmap_foreign)(void *ctx, void *va, unsigned int n);

    /* Scratch memory for the builder itself: n contiguous, page-aligned,
     * writable pages (contents undefined). Not a hypercall. */
    int (*alloc_pages)(void *ctx, unsigned int n, void **va);

    /* Give back what alloc_pages returned (same va and n). */
    void (*free_pages)(void *ctx, void *va, unsigned int n);

    /* Optional clock for the per-phase timings (builder_result.phase_ns):
     * a monotonic time in nanoseconds (real Xen: Xen's system time). NULL
     * means no timings (all zero). The dom0 services need it. Not a
     * hypercall. */
    uint64_t (*now_ns)(void *ctx);

    /* ---- what the dom0 services use besides the above; the builder core
     * uses none of these ---- */

    /*
     * EVTCHNOP_bind_interdomain: a new port of ours connected to remote_port
     * of remote_dom, which must be an unbound port that remote_dom allocated
     * for us (alloc_unbound with remote_dom = our id); else -EINVAL. The new
     * port starts pending (Xen marks it so).
     */
    int (*evtchn_bind_interdomain)(void *ctx, domid_t remote_dom, evtchn_port_t remote_port,
                                   evtchn_port_t *local_port);

    /* EVTCHNOP_bind_virq on vCPU 0: a port of ours for a VIRQ (-EEXIST if
     * it is bound already; a global VIRQ such as VIRQ_DOM_EXC or
     * VIRQ_CONSOLE reaches us only while we are its handler, see
     * XEN_DOMCTL_set_virq_handler; the hardware domain is the default). */
    int (*evtchn_bind_virq)(void *ctx, uint32_t virq, evtchn_port_t *port);

    /* EVTCHNOP_close: free a port of ours; an interdomain peer's end goes
     * back to unbound. */
    int (*evtchn_close)(void *ctx, evtchn_port_t port);

    /* EVTCHNOP_send: signal the other end of a bound port of ours. */
    int (*evtchn_notify)(void *ctx, evtchn_port_t port);

    /* Test and clear the pending bit of a port of ours (shared_info). Not a
     * hypercall. */
    bool (*evtchn_pending)(void *ctx, evtchn_port_t port);

    /*
     * SCHEDOP_poll: block until one of ports[0..n) is pending or timeout_ns
     * (relative; 0 = none) has passed; n = 0 just waits. Xen refuses more
     * than 128 ports; the real implementation then waits on the first 128
     * for at most 10 ms so the caller rescans the rest.
     */
    int (*evtchn_poll)(void *ctx, const evtchn_port_t *ports, unsigned int n, uint64_t timeout_ns);

    /* SCHEDOP_yield: let Xen run others (waiting for a destroyed domain to
     * be freed). */
    void (*yield)(void *ctx);

    /* One XEN_SYSCTL_* operation (the dom0 services use physinfo);
     * interface_version is filled in by the implementation. */
    int (*sysctl)(void *ctx, struct xen_sysctl *op);

    /* Pages alloc_pages could still hand out. Not a hypercall. */
    uint64_t (*scratch_free_pages)(void *ctx);

    /*
     * Give n of our own pages from va (page-aligned; memory Xen gave us at
     * boot, such as the initramfs) back to Xen for good: Xen's free memory
     * grows by what this returns (the pages taken), or a negative errno
     * when none were. Nothing may touch them afterwards. Real Xen (PV):
     * the mappings cleared, the p2m entries invalidated,
     * XENMEM_decrease_reservation. Optional (NULL: cannot).
     */
    long (*give_back)(void *ctx, void *va, uint64_t n);

    /* Hypercalls issued so far (reports and benchmarks). Not a hypercall. */
    unsigned long (*hypercalls)(void *ctx);

    /*
     * HYPERVISOR_console_io(CONSOLEIO_read): move up to n bytes of the
     * serial input Xen holds for us into buf; returns the bytes moved (0:
     * none waiting) or a negative errno. Xen directs serial input to the
     * hardware domain once it has booted (CTRL-a three times moves it
     * between Xen and dom0), keeps at most 128 bytes of it (SERIAL_RX_SIZE)
     * and drops what arrives while those are unread; every byte raises
     * VIRQ_CONSOLE. Only a privileged domain may read (XSM dummy policy);
     * n > INT_MAX is -E2BIG.
     */
    int (*console_read)(void *ctx, char *buf, unsigned int n);

    /* Where console input is signalled when it is not VIRQ_CONSOLE: an
     * ordinary domain (db-server built by db-boot) reads no serial line;
     * its console_read takes what its own PV console ring holds, and the
     * event channel of that console, returned here, says when (0, or the
     * op absent: bind VIRQ_CONSOLE). That port is the console's: the
     * reader neither binds nor closes it. */
    evtchn_port_t (*console_input_port)(void *ctx);

    /* HYPERVISOR_xen_version(cmd, arg): XENVER_version returns
     * major << 16 | minor, XENVER_extraversion fills a xen_extraversion_t
     * (".7"); a negative errno for what the implementation does not know. */
    int (*xen_version)(void *ctx, int cmd, void *arg);

    /* The most pages alloc_pages had handed out at once since the last
     * call with reset (which starts over from what is in use now): the
     * builder kernel's memory high-water (issue 15). Not a hypercall;
     * optional (NULL: not known). */
    uint64_t (*scratch_peak_pages)(void *ctx, bool reset);

    /*
     * HYPERVISOR_xsm_op with a struct xen_flask_op (XSM/FLASK; Xen's
     * xsm/flask_op.h; interface_version is filled in by the
     * implementation). The builder uses FLASK_CONTEXT_TO_SID (a label
     * "user:role:type" of u.sid_context.size bytes at u.sid_context.context,
     * no NUL needed, to the SID Xen's loaded policy gives it: -EINVAL for
     * a label the policy does not know) and FLASK_RELABEL_DOMAIN
     * (u.relabel: domid gets sid; the policy must allow relabelfrom on its
     * label and relabelto on the new one, else -EACCES). A Xen built
     * without XSM (Debian's) answers -ENOSYS. Optional: NULL behaves as a
     * Xen without XSM.
     */
    int (*xsm_op)(void *ctx, struct xen_flask_op *op);
};

/* Xen's initial SID "domU" (xen/xsm/flask/policy/initial_sids: the 12th),
 * system_u:system_r:domU_t in its example policy: the ssidref libxl passes
 * at createdomain for a domain without a label. Without XSM Xen ignores
 * ssidref, so domB passes it always. */
#define XENOPS_SSIDREF_DOMU 12u

/* FLASK_CONTEXT_TO_SID for a NUL-terminated label: 0 and *sid, or Xen's
 * errno (-ENOSYS without XSM, also when the seam has no xsm_op). */
int xenops_flask_context_to_sid(const struct xenops *x, const char *label, uint32_t *sid);

/* FLASK_RELABEL_DOMAIN: domid's label becomes sid. 0 or Xen's errno. */
int xenops_flask_relabel_domain(const struct xenops *x, domid_t domid, uint32_t sid);

/* XEN_SYSCTL_physinfo through the seam: the host's free (and total) pages. */
int xenops_physinfo(const struct xenops *x, uint64_t *free_pages, uint64_t *total_pages);

/* The seam's clock in nanoseconds, or 0 when it has none (now_ns NULL). */
uint64_t xenops_now_ns(const struct xenops *x);

/* XEN_DOMCTL_getdomaininfo for exactly domid (Xen 4.17 answers for the first
 * domain with an id >= the one asked; any other answer is -ESRCH). */
int xenops_domain_info(const struct xenops *x, domid_t domid,
                       struct xen_domctl_getdomaininfo *info);

#endif
