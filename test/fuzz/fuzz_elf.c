/*
 * Fuzz elf_parse(): any input must be rejected with a named error or accepted
 * with a self-consistent elf_image, and then elf_copy_out() over every
 * segment must return exactly the file bytes and zeros (ASan catches reads
 * outside the input; the checks below catch wrong answers). The PVH side is
 * checked the same way: a PHYS32_ENTRY image loads below 4 GiB with its
 * entry in executable file bytes, elf_copy_out_phys() returns the same bytes
 * by physical address, and elf_check_pvh() agrees with the segments for RAM
 * sizes derived from the input. Streamed (issue 15: elf_parse_layout() on
 * the first bytes, elf_parse_from() reading the rest), every input gets the
 * same verdict and message and the same image, or a refusal from the first
 * bytes that elf_parse() shares the code of; elf_zero_gaps() zeroes exactly
 * what elf_copy_out() does not copy.
 */
#include <builder/elf.h>
#include <domb/errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW (64 * 1024) /* bytes checked at each end of a segment */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_elf: invariant violated: %s\n", what);
        abort();
    }
}

#define PVH_HOLE 0xfc000000ULL /* the builder's PVH_HOLE_START */

/* The same by physical address (copy_out_phys). */
static void check_window_phys(const struct elf_image *img, const struct elf_segment *s, uint64_t pa,
                              uint64_t len, uint8_t *buf)
{
    check(elf_copy_out_phys(img, pa, buf, len) == 0, "copy_out_phys of a segment range failed");
    for (uint64_t i = 0; i < len; i++) {
        uint64_t rel = pa + i - s->paddr;
        uint8_t want = rel < s->filesz ? img->data[s->offset + rel] : 0;

        check(buf[i] == want, "copy_out_phys returned a wrong byte");
    }
}

/* elf_check_pvh() for one RAM size must agree with the segments. */
static void check_pvh_fit(const struct elf_image *img, uint64_t ram_end)
{
    int rc = elf_check_pvh(img, ram_end, PVH_HOLE, NULL);
    bool hole = false, beyond = false;

    if (!img->notes.has_phys32_entry) {
        check(rc == ELF_ERR_NOT_PVH, "PVH check of an image without PHYS32_ENTRY");
        return;
    }
    for (unsigned i = 0; i < img->nr_segments; i++) {
        uint64_t end = img->seg[i].paddr + img->seg[i].memsz;
        hole |= end > PVH_HOLE;
        beyond |= end > ram_end;
    }
    if (rc == 0)
        check(!hole && !beyond, "PVH check accepted a segment in the hole or beyond RAM");
    else
        check((rc == ELF_ERR_PHYS_RESERVED && hole) || (rc == ELF_ERR_TOO_BIG_FOR_DOMAIN && beyond),
              "PVH check refused with the wrong error");
}

/* Copy [va, va+len) out and compare with the segment's bytes. */
static void check_window(const struct elf_image *img, const struct elf_segment *s, uint64_t va,
                         uint64_t len, uint8_t *buf)
{
    check(elf_copy_out(img, va, buf, len) == 0, "copy_out of a segment range failed");
    for (uint64_t i = 0; i < len; i++) {
        uint64_t rel = va + i - s->vaddr;
        uint8_t want = rel < s->filesz ? img->data[s->offset + rel] : 0;

        check(buf[i] == want, "copy_out returned a wrong byte");
    }
}

struct reader {
    const uint8_t *data;
    size_t size;
};

static int read_image(void *ctx, uint64_t off, void *buf, size_t len)
{
    const struct reader *r = ctx;

    check(off <= r->size && len <= r->size - off, "elf_parse_from read outside the image");
    memcpy(buf, r->data + off, len);
    return 0;
}

/* The streamed parse of the same bytes, with the first `prefix` of them. */
static void check_streamed(const uint8_t *data, size_t size, size_t prefix, int rc,
                           const struct elf_image *whole, const struct domb_error *err)
{
    static uint8_t scratch[64 << 10];
    struct reader r = {data, size};
    struct elf_image spec, img;
    struct domb_error e;
    int rs;

    if (size < 64)
        return; /* a producer refuses these before (BZIMAGE_ERR_NOT_ELF) */
    rs = elf_parse_layout(&spec, data, prefix < size ? prefix : size, size, &e);
    if (rs == 0) {
        rs = elf_parse_from(&img, size, read_image, &r, scratch, sizeof(scratch), &e);
        if (rs == -XEN_E2BIG)
            return; /* more headers and notes than a streamed kernel may have */
        check(rs == rc, "streamed parse: another verdict");
        if (rc)
            check(strcmp(e.msg, err->msg) == 0, "streamed parse: another message");
        else
            check(memcmp(&img.seg, &whole->seg, sizeof(img.seg)) == 0 &&
                      memcmp(&img.notes, &whole->notes, sizeof(img.notes)) == 0 &&
                      img.entry == whole->entry && img.virt_start == whole->virt_start &&
                      img.virt_end == whole->virt_end && img.data == NULL,
                  "streamed parse: another image");
        return;
    }
    if (rs == -XEN_E2BIG)
        return; /* program headers beyond the prefix */
    /* refused from the first bytes: a check elf_parse() makes too; of a
     * valid image only an address check that its notes would have passed
     * (a streamed kernel is placed before its notes are read) */
    check(rs >= ELF_ERR_TOO_SMALL && rs < ELF_ERR_COUNT_END, "layout: unknown error code");
    check(rc != 0 || rs == ELF_ERR_SEG_VADDR_WRAP || rs == ELF_ERR_SEG_NONCANONICAL ||
              rs == ELF_ERR_OVERLAP_RESERVED,
          "layout refused what elf_parse accepts");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[WINDOW];
    struct elf_image img;
    struct domb_error err;
    int rc = elf_parse(&img, data, size, &err);

    check_streamed(data, size, SIZE_MAX, rc, &img, &err);
    check_streamed(data, size, 512, rc, &img, &err);
    if (rc != 0) {
        check(rc >= ELF_ERR_TOO_SMALL && rc < ELF_ERR_COUNT_END, "unknown error code");
        check(err.code == rc && err.msg[0] != '\0', "rejection without a message");
        check(strnlen(err.msg, sizeof(err.msg)) < sizeof(err.msg), "message not terminated");
        return 0;
    }
    check(img.data == data && img.size == size, "image not recorded");
    check(img.nr_segments >= 1 && img.nr_segments <= ELF_MAX_SEGMENTS, "segment count");
    check(img.virt_start < img.virt_end, "empty span");
    check(((img.virt_start | img.virt_end) & (PAGE_SIZE - 1)) == 0, "span not page-aligned");
    check(img.virt_end - img.virt_start <= ELF_MAX_SPAN, "span too large");
    check(img.virt_base <= img.virt_start, "VIRT_BASE above the image");

    bool entry_ok = false;
    for (unsigned i = 0; i < img.nr_segments; i++) {
        const struct elf_segment *s = &img.seg[i];
        uint64_t len;

        check(s->filesz <= s->memsz && s->memsz > 0, "segment sizes");
        check(s->vaddr >= img.virt_start && s->vaddr + s->memsz <= img.virt_end,
              "segment outside [virt_start, virt_end)");
        check(s->offset <= size && s->filesz <= size - s->offset, "segment outside the file");
        for (unsigned j = 0; j < i; j++)
            check(s->vaddr >= img.seg[j].vaddr + img.seg[j].memsz ||
                      img.seg[j].vaddr >= s->vaddr + s->memsz,
                  "segments overlap");
        if ((s->flags & 1) && img.entry >= s->vaddr && img.entry - s->vaddr < s->filesz)
            entry_ok = true;

        /* Start, the file/BSS boundary and the end of the segment. */
        len = s->memsz < WINDOW ? s->memsz : WINDOW;
        check_window(&img, s, s->vaddr, len, buf);
        {
            static uint8_t z[WINDOW];

            memset(z, 0xa5, len);
            check(elf_zero_gaps(&img, s->vaddr, z, len) == 0, "zero_gaps of a segment range");
            for (uint64_t k = 0; k < len; k++)
                check(z[k] == (k < s->filesz ? 0xa5 : 0),
                      "zero_gaps touched file bytes or not BSS");
        }
        check_window(&img, s, s->vaddr + s->memsz - len, len, buf);
        if (s->filesz > WINDOW / 2 && s->memsz - s->filesz > WINDOW / 2)
            check_window(&img, s, s->vaddr + s->filesz - WINDOW / 2, WINDOW, buf);
    }
    check(entry_ok, "entry not in an executable segment's file bytes");
    if (img.notes.has_hypercall_page)
        check((img.notes.hypercall_page & (PAGE_SIZE - 1)) == 0 &&
                  img.notes.hypercall_page >= img.virt_start &&
                  img.notes.hypercall_page < img.virt_end,
              "hypercall page");
    check(img.phys_start < img.phys_end && img.phys_end - img.phys_start <= ELF_MAX_SPAN &&
              ((img.phys_start | img.phys_end) & (PAGE_SIZE - 1)) == 0,
          "physical span");
    if (img.notes.has_phys32_entry) {
        bool phys_entry_ok = false;

        check(img.phys_end <= (1ULL << 32), "PVH image reaches past 4 GiB");
        for (unsigned i = 0; i < img.nr_segments; i++) {
            const struct elf_segment *s = &img.seg[i];
            uint64_t len = s->memsz < WINDOW ? s->memsz : WINDOW;

            if ((s->flags & 1) && img.notes.phys32_entry >= s->paddr &&
                img.notes.phys32_entry - s->paddr < s->filesz)
                phys_entry_ok = true;
            check_window_phys(&img, s, s->paddr, len, buf);
            check_window_phys(&img, s, s->paddr + s->memsz - len, len, buf);
        }
        check(phys_entry_ok, "PHYS32_ENTRY not in an executable segment's file bytes");
        check(elf_copy_out_phys(&img, img.phys_end, buf, 1) != 0, "copy_out_phys past the end");
    }
    check_pvh_fit(&img, PVH_HOLE);
    check_pvh_fit(&img, img.phys_end);
    check_pvh_fit(&img, img.phys_end - PAGE_SIZE);
    check_pvh_fit(&img, size * PAGE_SIZE);
    check(elf_copy_out(&img, img.virt_end, buf, 1) != 0, "copy_out past the end accepted");
    check(elf_copy_out(&img, img.virt_start - 1, buf, 1) != 0, "copy_out before start accepted");
    check(elf_check_fits(&img, UINT64_MAX, 0, NULL) == 0, "fits an unlimited domain");
    check(elf_check_fits(&img, 0, 1, NULL) == ELF_ERR_TOO_BIG_FOR_DOMAIN, "fits no memory");
    /* ELFCLASS32 images are PVH only: never accepted without PHYS32_ENTRY,
     * always refused for PV; 64-bit ones never are. */
    check(img.elf32 == (((const uint8_t *)data)[4] == 1), "elf32 disagrees with EI_CLASS");
    check(!img.elf32 || img.notes.has_phys32_entry, "32-bit image without PHYS32_ENTRY");
    check(!img.elf32 || img.phys_end <= (1ULL << 32), "32-bit image past 4 GiB");
    check((elf_check_pv(&img, NULL) == ELF_ERR_NOT_64BIT) == img.elf32, "elf_check_pv wrong");
    return 0;
}
