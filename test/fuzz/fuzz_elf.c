/*
 * Fuzz elf_parse(): any input must be rejected with a named error or accepted
 * with a self-consistent elf_image, and then elf_copy_out() over every
 * segment must return exactly the file bytes and zeros (ASan catches reads
 * outside the input; the checks below catch wrong answers).
 */
#include <builder/elf.h>
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[WINDOW];
    struct elf_image img;
    struct domb_error err;
    int rc = elf_parse(&img, data, size, &err);

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
    check(elf_copy_out(&img, img.virt_end, buf, 1) != 0, "copy_out past the end accepted");
    check(elf_copy_out(&img, img.virt_start - 1, buf, 1) != 0, "copy_out before start accepted");
    check(elf_check_fits(&img, UINT64_MAX, 0, NULL) == 0, "fits an unlimited domain");
    check(elf_check_fits(&img, 0, 1, NULL) == ELF_ERR_TOO_BIG_FOR_DOMAIN, "fits no memory");
    return 0;
}
