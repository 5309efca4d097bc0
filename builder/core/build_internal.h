/*
 * Inside the builder core: the state of one build and the steps the PV64
 * (build.c) and PVH (build_pvh.c) sequences share (build_common.c). Not part
 * of the library's interface.
 */
#ifndef BUILDER_BUILD_INTERNAL_H
#define BUILDER_BUILD_INTERNAL_H

#include <builder/build.h>

struct build_stream;

struct build {
    const struct xenops *ops;
    const struct builder_request *req;
    /* The kernel: req->kernel, or a streamed kernel's (where its segments
     * are expected, then, once it is in the guest, what it is). */
    const struct elf_image *img;
    struct build_stream *stream; /* a streamed kernel's state (build_stream.c) */
    unsigned int stream_pages;
    /* What map_foreign takes for guest frame pfn (PV: its mfn; PVH: the
     * gfn), and how many frames from 0 are RAM a kernel may be in. */
    xen_pfn_t (*frame)(const struct build *b, pfn_t pfn);
    uint64_t frame_limit;
    bool phys;     /* PVH: segments lie at p_paddr */
    bool img_spec; /* img is where a streamed kernel's segments go, no notes yet */
    struct builder_result *res;
    struct domb_error *err;
    const struct layout *lay; /* PV64: &res->layout */
    enum builder_phase phase;
    uint64_t phase_t0; /* ops->now_ns() when the current phase began */
    bool created;
    domid_t domid;
    unsigned int order;
    uint64_t n_big, n_tail; /* PV64: extents of 2^order pages, then single pages */
    /* populate_physmap's extent list (scratch, Xen's ABI). PV64: n_big +
     * n_tail entries, each the guest pfn of an extent going in and its base
     * mfn coming back; afterwards the p2m, read only through mfn_of().
     * PVH: gfns going in, nothing coming back. */
    xen_pfn_t *ext;
    xen_pfn_t *batch;           /* XENOPS_MAP_BATCH_MAX frames for map_foreign (scratch) */
    vcpu_guest_context_t *ctxt; /* PV64 scratch: too big for a kernel stack */
    void *scratch;
    unsigned int scratch_pages;
    void *scratch2; /* PVH: the buffer gethvmcontext fills */
    unsigned int scratch2_pages;
    void *mapped; /* the mapping window currently open */
    unsigned int mapped_n;
    mfn_t shared_info_mfn;
    bool shared_info_done; /* PV64: event upcalls masked in the guest's shared_info */
};

/* The sequences, after the common request checks. Both fill *b->res on
 * success and free their scratch; on failure builder_build() cleans up. */
int build_pv64(struct build *b);
int build_pvh(struct build *b);

uint64_t build_div_round_up(uint64_t a, uint64_t b);
/* Close the current phase's time and start the next one's. */
void build_enter_phase(struct build *b, enum builder_phase next);
/* One hypercall issued in the current phase. */
void build_count(struct build *b);
/* A domctl on the domain being built (counted). */
int build_domctl(struct build *b, uint32_t cmd, struct xen_domctl *op);
/* "<what> failed for domain N: error E". */
int build_fail(struct build *b, int rc, const char *what);

/* createdomain (with the request's vCPUs, grant limits, handle, and the
 * given flags), max_vcpus, max_mem (KiB). */
int build_create_domain(struct build *b, uint32_t cdf_flags, uint32_t emulation_flags,
                        uint64_t max_mem_kib);
/* One populate_physmap call of n extents of 2^order pages (nothing for 0). */
int build_populate_call(struct build *b, xen_pfn_t *ext, uint64_t n, unsigned int order);
/* The xenstore and console event channels, unbound for the backend. */
int build_alloc_ports(struct build *b);
/* Unmap the open mapping window, if any (retried once while cleaning up). */
int build_unmap_window(struct build *b);

/* A streamed kernel (build_stream.c). begin: its state and where its
 * segments go (b->img), before anything else; load: once the domain is
 * populated and b->frame set, write it into the guest and parse it (b->img
 * is then the parsed image: the caller plans the layout again with it);
 * end: release everything (also after a failure). */
int build_stream_begin(struct build *b);
int build_stream_load(struct build *b);
void build_stream_end(struct build *b);
/* The kernel's bytes in [va, va + PAGE_SIZE) of a kernel page: copied from
 * the image in memory, or, when it was streamed in, zeroes where it has
 * no file bytes (they are there already). */
int build_kernel_page(const struct build *b, uint64_t at, uint8_t *dst);

#endif
