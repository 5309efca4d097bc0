/*
 * start_info: what Xen (or our builder) tells a PV kernel at boot.
 * start_info_validate() checks it before anything trusts it.
 */
#ifndef DOMB_START_INFO_H
#define DOMB_START_INFO_H

#include <domb/error.h>
#include <domb/types.h>
#include <xen/xen.h>

/* Largest memory we accept a start_info to describe (1 TiB of 4 KiB pages). */
#define START_INFO_MAX_PAGES (1ULL << 28)

/*
 * Validate a start_info against Xen's ABI (public/xen.h): magic
 * "xen-3.0-x86_64", nr_pages non-zero and bounded, mfn_list and pt_base
 * canonical, page-aligned virtual addresses inside [virt_base, virt_base +
 * nr_pages pages), nr_pt_frames non-zero, module range consistent (no wrap;
 * SIF_MOD_START_PFN selects pfn or virtual address), cmd_line NUL-terminated,
 * only known SIF_* flags. virt_base is the image's VIRT_BASE.
 */
int start_info_validate(const start_info_t *si, uint64_t virt_base, struct domb_error *err);

/* Human-readable flags, e.g. "INITDOMAIN|PRIVILEGED". */
void start_info_flags_string(uint32_t flags, char *buf, size_t size);

#endif
