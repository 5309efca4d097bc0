/*
 * The dom0 memory an archive needs (issue 15; docs/packing.md, "dom0
 * memory"): what domb-pack records in the manifest (dom0_kib), prints with
 * --check, and what domb-iso gives Xen as dom0_mem unless told otherwise.
 *
 * dom0 holds the builder kernel (its image with BSS, from its ELF), the
 * archive Xen hands it, its own p2m and page tables (16 bytes per page),
 * and what the builder allocates while it runs: per VM it serves a
 * xenstore connection, and while it builds one VM that build's working set
 * (the largest: a bzImage streamed into the guest, DOM0_STREAM_KIB). On
 * top comes a stated margin, and the sum is rounded up to a MiB. It is at
 * least what Xen's PV dom0 builder allocates in one piece: the kernel,
 * the initrd's neighbours and padding rounded up to a power of two, plus
 * the initrd.
 */
#ifndef DOMB_PACK_DOM0_MEM_H
#define DOMB_PACK_DOM0_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the builder allocates per VM it serves: the xenstore connection
 * (32 KiB) and the VM's bookkeeping around it. */
#define DOM0_PER_VM_KIB 48u
/* One build's working set: a plain ELF needs the builder's scratch (extent
 * list, map batch, vCPU or HVM context); a bzImage streams through the
 * decoder's window (2 MiB), its work area, the ELF's first 64 KiB, the
 * builder's streaming state and at most BUILDER_STREAM_GAP_MAX (1 MiB) of
 * file bytes outside the segments (builder/dom0/vm.c, builder/core/build_stream.c). */
#define DOM0_BUILD_KIB  256u
#define DOM0_STREAM_KIB (2048u + 64u + 28u + 128u + 1024u)
/* The margin: 8 MiB and an eighth of the rest. */
#define DOM0_MARGIN_KIB 8192u
/* The builder kernel's own memory when its ELF cannot be read. */
#define DOM0_BUILDER_FALLBACK_KIB (32u << 10)

struct dom0_need {
    uint64_t builder_kib; /* the builder kernel's image, BSS included */
    bool builder_known;   /* builder_kib came from its ELF (else the fallback) */
    uint64_t archive_kib; /* the archive (at most) */
    uint64_t tables_kib;  /* dom0's p2m and page tables */
    uint64_t working_kib; /* per-VM state plus the largest build's working set */
    uint64_t margin_kib;
    uint64_t xen_minimum_kib; /* what Xen's PV dom0 builder allocates at once, at least */
    uint64_t total_kib;       /* all of it (at least xen_minimum_kib), rounded up to a MiB */
};

/* The builder kernel's memory from its ELF at path (NULL or unreadable:
 * the fallback, builder_known false). */
void dom0_need_builder(struct dom0_need *n, const char *path);

/* The rest, for an archive of archive_bytes holding nr_vms VMs, any_bzimage
 * telling whether one of them boots a bzImage. */
void dom0_need_finish(struct dom0_need *n, uint64_t archive_bytes, unsigned int nr_vms,
                      bool any_bzimage);

/* "dom0 memory: 43 MiB (builder 17 MiB, archive ... ): dom0_mem=43M" */
void dom0_need_print(const struct dom0_need *n, const char *builder_path);

#endif
