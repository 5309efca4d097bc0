/* The dom0 memory an archive needs (see dom0_mem.h). */
#include "dom0_mem.h"

#include <builder/elf.h>
#include <stdio.h>
#include <stdlib.h>

#define KIB_PER_MIB 1024u

void dom0_need_builder(struct dom0_need *n, const char *path)
{
    struct elf_image img;
    FILE *f = path ? fopen(path, "rb") : NULL;
    uint8_t *buf = NULL;
    long len = -1;

    n->builder_kib = DOM0_BUILDER_FALLBACK_KIB;
    n->builder_known = false;
    if (!f)
        return;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)len)) && fread(buf, 1, (size_t)len, f) == (size_t)len &&
        elf_parse(&img, buf, (uint64_t)len, NULL) == 0) {
        /* from its first segment to the end of its BSS, as Xen lays it out */
        n->builder_kib = (img.virt_end - img.virt_start + 1023) / 1024;
        n->builder_known = true;
    }
    free(buf);
    fclose(f);
}

/*
 * What Xen 4.17's PV dom0 builder needs (xen/arch/x86/pv/dom0_build.c,
 * dom0_construct_pv): it lays out the kernel, the initrd, the p2m list
 * (8 bytes a page), start_info, the bootstrap page tables and a stack,
 * rounds that up to 4 MiB with at least 512 KiB to spare, and allocates it,
 * less the initrd, as ONE power-of-two chunk; dom0 must hold that chunk and
 * the initrd ("Domain 0 allocation is too small for kernel image").
 */
static uint64_t xen_minimum_kib(uint64_t kernel_kib, uint64_t initrd_kib, uint64_t dom0_kib)
{
    const uint64_t mib4 = 4u << 10;
    uint64_t p2m = (dom0_kib / 4 * 8 + 1023) / 1024, v, end, chunk = 4;

    v = kernel_kib + initrd_kib + p2m + 4;       /* + start_info */
    v += ((v + mib4 + 2047) / 2048 + 3) * 4 + 4; /* page tables (an L1 per 2 MiB), stack */
    end = (v + mib4 - 1) / mib4 * mib4;
    if (end - v < 512)
        end += mib4;
    while (chunk < end - initrd_kib)
        chunk *= 2;
    return chunk + initrd_kib;
}

void dom0_need_finish(struct dom0_need *n, uint64_t archive_bytes, unsigned int nr_vms,
                      bool any_bzimage)
{
    uint64_t sum, xen;

    n->archive_kib = (archive_bytes + 1023) / 1024;
    n->working_kib =
        (uint64_t)nr_vms * DOM0_PER_VM_KIB + (any_bzimage ? DOM0_STREAM_KIB : DOM0_BUILD_KIB);
    sum = n->builder_kib + n->archive_kib + n->working_kib;
    n->margin_kib = DOM0_MARGIN_KIB + sum / 8;
    sum += n->margin_kib;
    /* 8 bytes of p2m and 8 of page table per 4 KiB page of dom0 */
    n->tables_kib = (sum * 16 + 4095) / 4096 + 4;
    sum += n->tables_kib;
    n->total_kib = (sum + KIB_PER_MIB - 1) / KIB_PER_MIB * KIB_PER_MIB;
    /* at least what Xen's dom0 builder allocates at once (for this size) */
    xen = xen_minimum_kib(n->builder_kib, n->archive_kib, n->total_kib);
    n->xen_minimum_kib = xen;
    if (xen > n->total_kib)
        n->total_kib = (xen + KIB_PER_MIB - 1) / KIB_PER_MIB * KIB_PER_MIB;
}

void dom0_need_print(const struct dom0_need *n, const char *builder_path)
{
    printf("domb-pack: dom0 memory: %llu MiB (builder kernel %llu KiB%s, archive %llu KiB, "
           "working set %llu KiB, p2m and page tables %llu KiB, margin %llu KiB; Xen's dom0 "
           "builder needs %llu KiB at least): dom0_mem=%lluM,max:%lluM\n",
           (unsigned long long)(n->total_kib / KIB_PER_MIB), (unsigned long long)n->builder_kib,
           n->builder_known ? "" : " (guessed: no builder ELF read)",
           (unsigned long long)n->archive_kib, (unsigned long long)n->working_kib,
           (unsigned long long)n->tables_kib, (unsigned long long)n->margin_kib,
           (unsigned long long)n->xen_minimum_kib, (unsigned long long)(n->total_kib / KIB_PER_MIB),
           (unsigned long long)(n->total_kib / KIB_PER_MIB));
    if (!n->builder_known)
        printf("domb-pack: (no builder kernel at %s: --builder ELF names it)\n",
               builder_path ? builder_path : "-");
}
