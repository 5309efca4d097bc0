/*
 * Unit tests for the ELF loader (builder/elf.c): valid images built by the
 * in-test writer (elf_writer.c), elf_copy_out() contents, and the malformed
 * corpus (elf_corpus.c), where each image must be rejected with its own error
 * code and a message naming the problem.
 */
#include "domb_test.h"
#include "elf_corpus.h"

#include <builder/elf.h>
#include <domb/byteorder.h>
#include <domb/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/elfnote.h>
#include <xen/features.h>

/* ---- helpers ---------------------------------------------------------------- */

static int parse(struct elf_image *img, const struct ew_out *o, struct domb_error *err)
{
    int rc = elf_parse(img, o->buf, o->size, err);

    if (rc != 0)
        print_message("elf_parse: %s: %s\n", elf_error_name(rc), err->msg);
    return rc;
}

/* Build w and parse it; the image must be accepted. Caller frees o->buf. */
static void parse_ok(struct ew *w, struct ew_out *o, struct elf_image *img)
{
    struct domb_error err;

    ew_build(w, o);
    assert_int_equal(parse(img, o, &err), 0);
    assert_int_equal(err.code, 0);
}

/* Make the named valid corpus image and parse it; it must be accepted. */
static void parse_case_ok(const char *name, struct ew_out *o, struct elf_image *img)
{
    const struct elf_case *c = elf_case_find(name);
    struct domb_error err;

    assert_non_null(c);
    c->make(o);
    assert_int_equal(parse(img, o, &err), 0);
}

/* Check elf_copy_out() over [va, va+len) against the writer's pattern: file
 * bytes where a segment has them, zeros elsewhere. */
static void check_copy(const struct elf_image *img, uint64_t va, uint64_t len)
{
    uint8_t *buf = malloc(len ? len : 1);

    assert_non_null(buf);
    memset(buf, 0xcc, len);
    assert_int_equal(elf_copy_out(img, va, buf, len), 0);
    for (uint64_t i = 0; i < len; i++) {
        uint64_t v = va + i;
        uint8_t want = 0;

        for (unsigned s = 0; s < img->nr_segments; s++)
            if (v >= img->seg[s].vaddr && v - img->seg[s].vaddr < img->seg[s].filesz)
                want = ew_pattern(v);
        if (buf[i] != want)
            fail_msg("copy_out byte at 0x%llx is 0x%02x, want 0x%02x", (unsigned long long)v,
                     buf[i], want);
    }
    free(buf);
}

/* For images whose bytes are not the writer's pattern: elf_copy_out() must
 * agree with a byte-by-byte lookup in the image, and stay inside the range. */
static void check_copy_raw(const struct elf_image *img)
{
    uint64_t len = img->virt_end - img->virt_start;
    uint8_t *buf = malloc(len + 1);

    assert_non_null(buf);
    assert_true(len > 0 && len <= ELF_MAX_SPAN);
    buf[len] = 0xa5;
    assert_int_equal(elf_copy_out(img, img->virt_start, buf, len), 0);
    assert_int_equal(buf[len], 0xa5);
    for (uint64_t i = 0; i < len; i++) {
        uint64_t v = img->virt_start + i;
        uint8_t want = 0;

        for (unsigned s = 0; s < img->nr_segments; s++)
            if (v >= img->seg[s].vaddr && v - img->seg[s].vaddr < img->seg[s].filesz)
                want = img->data[img->seg[s].offset + (v - img->seg[s].vaddr)];
        if (buf[i] != want)
            fail_msg("copy_out byte at 0x%llx is 0x%02x, want 0x%02x", (unsigned long long)v,
                     buf[i], want);
    }
    free(buf);
}

/* Run one corpus case: the exact code, err.code, and a message that says what. */
static void check_case(const struct elf_case *c)
{
    struct ew_out o;
    struct elf_image img;
    struct domb_error err;
    int rc;

    c->make(&o);
    memset(&err, 0x55, sizeof(err));
    rc = elf_parse(&img, o.buf, o.size, &err);
    if (c->fits_pages) {
        if (rc != 0)
            fail_msg("%s: parse failed: %s", c->name, err.msg);
        rc = elf_check_fits(&img, c->fits_pages, 16, &err);
    }
    if (c->pvh_ram) {
        if (rc != 0)
            fail_msg("%s: parse failed: %s", c->name, err.msg);
        rc = elf_check_pvh(&img, c->pvh_ram, ELF_CORPUS_PVH_HOLE, &err);
    }
    if (rc != c->expect)
        fail_msg("%s: got %s (%s), want %s", c->name, elf_error_name(rc), rc ? err.msg : "accepted",
                 elf_error_name(c->expect));
    if (rc != 0) {
        assert_int_equal(err.code, rc);
        assert_true(strlen(err.msg) > 0 && strlen(err.msg) < sizeof(err.msg));
        if (c->msg_has && !strstr(err.msg, c->msg_has))
            fail_msg("%s: message \"%s\" does not mention \"%s\"", c->name, err.msg, c->msg_has);
        if (!c->fits_pages && !c->pvh_ram) {
            assert_int_equal(img.nr_segments, 0); /* nothing half-filled is left behind */
            assert_null(img.data);
        }
    }
    free(o.buf);
}

static void check_named(const char *name)
{
    const struct elf_case *c = elf_case_find(name);

    assert_non_null(c);
    check_case(c);
}

/* ---- valid images ------------------------------------------------------------ */

static void test_default_image(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default(&w);
    parse_ok(&w, &o, &img);
    assert_ptr_equal(img.data, o.buf);
    assert_int_equal(img.size, o.size);
    assert_int_equal(img.entry, EW_ENTRY);
    assert_int_equal(img.virt_base, EW_VIRT_BASE);
    assert_int_equal(img.virt_start, EW_VIRT_BASE);
    assert_int_equal(img.virt_end, EW_VIRT_BASE + 0x5000);
    assert_int_equal(img.nr_segments, 2);
    assert_int_equal(img.seg[0].vaddr, EW_TEXT);
    assert_int_equal(img.seg[0].filesz, EW_TEXT_FILESZ);
    assert_int_equal(img.seg[0].memsz, EW_TEXT_MEMSZ);
    assert_int_equal(img.seg[0].offset, o.ph_off[0]);
    assert_int_equal(img.seg[0].flags, EW_PF_R | EW_PF_X);
    assert_int_equal(img.seg[1].vaddr, EW_DATA);
    assert_int_equal(img.seg[1].memsz, EW_DATA_MEMSZ);
    assert_int_equal(img.seg[1].flags, EW_PF_R | EW_PF_W);
    assert_true(img.notes.present);
    assert_true(img.notes.has_entry && img.notes.has_hypercall_page && img.notes.has_virt_base &&
                img.notes.has_paddr_offset);
    assert_false(img.notes.has_init_p2m);
    assert_int_equal(img.notes.hypercall_page, EW_HYPERCALL);
    assert_int_equal(img.notes.paddr_offset, EW_VIRT_BASE);
    assert_string_equal(img.notes.guest_os, "domB");
    assert_string_equal(img.notes.guest_version, "0.1");
    assert_string_equal(img.notes.xen_version, "xen-3.0");
    assert_string_equal(img.notes.loader, "generic");
    assert_string_equal(img.notes.pae_mode, "yes");
    assert_int_equal(img.notes.features_supported,
                     (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_dom0));
    assert_int_equal(img.notes.features_required, 0);
    assert_false(img.notes.mod_start_pfn);
    assert_false(img.notes.suspend_cancel);
    free(o.buf);
}

static void test_copy_out_whole_image(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default(&w);
    parse_ok(&w, &o, &img);
    check_copy(&img, img.virt_start, img.virt_end - img.virt_start);
    free(o.buf);
}

static void test_copy_out_partial_ranges(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default(&w);
    parse_ok(&w, &o, &img);
    check_copy(&img, EW_TEXT - 3, 10);                      /* gap before text, into text */
    check_copy(&img, EW_TEXT + EW_TEXT_FILESZ - 5, 10);     /* text file bytes into its BSS */
    check_copy(&img, EW_DATA + EW_DATA_FILESZ - 1, 0x1000); /* data into BSS */
    check_copy(&img, img.virt_end - 1, 1);
    check_copy(&img, EW_TEXT + 17, 1);
    free(o.buf);
}

static void test_copy_out_rejects_outside(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;
    uint8_t buf[16];

    (void)state;
    ew_init_default(&w);
    parse_ok(&w, &o, &img);
    assert_int_equal(elf_copy_out(&img, img.virt_start - 1, buf, 2), -XEN_EINVAL);
    assert_int_equal(elf_copy_out(&img, img.virt_end - 1, buf, 2), -XEN_EINVAL);
    assert_int_equal(elf_copy_out(&img, img.virt_end, buf, 1), -XEN_EINVAL);
    assert_int_equal(elf_copy_out(&img, img.virt_start, buf, UINT64_MAX), -XEN_EINVAL);
    assert_int_equal(elf_copy_out(&img, UINT64_MAX, buf, 2), -XEN_EINVAL);
    assert_int_equal(elf_copy_out(&img, 0, buf, 16), -XEN_EINVAL);
    assert_int_equal(elf_copy_out(&img, img.virt_start, NULL, 0), 0);
    free(o.buf);
}

static void test_notes_in_section_only(void **state)
{
    struct ew_out o;
    struct elf_image img;

    (void)state;
    parse_case_ok("sections_only", &o, &img);
    assert_int_equal(img.entry, EW_ENTRY);
    assert_string_equal(img.notes.guest_os, "domB");
    assert_int_equal(img.notes.hypercall_page, EW_HYPERCALL);
    free(o.buf);
}

/* The same notes in a PT_NOTE and an SHT_NOTE: equal duplicates are fine. */
static void test_notes_in_segment_and_section(void **state)
{
    struct ew_out o;
    struct elf_image img;

    (void)state;
    parse_case_ok("with_sections", &o, &img);
    assert_int_equal(img.entry, EW_ENTRY);
    assert_int_equal(img.notes.features_supported,
                     (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_dom0));
    free(o.buf);
}

static void test_no_entry_note_uses_e_entry(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default_omit(&w, EW_OMIT(XEN_ELFNOTE_ENTRY));
    w.e_entry = EW_TEXT + 0x40;
    parse_ok(&w, &o, &img);
    assert_false(img.notes.has_entry);
    assert_int_equal(img.entry, EW_TEXT + 0x40);
    free(o.buf);
}

static void test_entry_note_overrides_e_entry(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default(&w);
    w.e_entry = 0xdeadbeef; /* garbage: the ENTRY note wins, as in Xen */
    parse_ok(&w, &o, &img);
    assert_int_equal(img.entry, EW_ENTRY);
    free(o.buf);
}

static void test_numeric_notes_4_bytes(void **state)
{
    struct ew_out o;
    struct elf_image img;

    (void)state;
    parse_case_ok("low_4byte", &o, &img);
    assert_int_equal(img.virt_base, 0x200000);
    assert_int_equal(img.notes.paddr_offset, 0x200000);
    assert_int_equal(img.entry, 0x200800);
    assert_int_equal(img.notes.hypercall_page, 0x201000);
    assert_true(img.notes.has_init_p2m);
    assert_int_equal(img.notes.init_p2m, 0x40000000);
    assert_int_equal(img.virt_start, 0x200000);
    assert_int_equal(img.virt_end, 0x203000);
    check_copy(&img, img.virt_start, img.virt_end - img.virt_start);
    free(o.buf);
}

static void test_numeric_notes_8_bytes(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default_omit(&w, EW_OMIT(XEN_ELFNOTE_SUPPORTED_FEATURES));
    /* 8-byte bitmap: submap 0 is the low 32 bits. */
    ew_note_u64(&w, XEN_ELFNOTE_SUPPORTED_FEATURES, (1ULL << 40) | EW_FEATURE_DOM0);
    ew_note_u64(&w, XEN_ELFNOTE_MOD_START_PFN, 0x100000000ULL);
    parse_ok(&w, &o, &img);
    assert_int_equal(img.notes.entry, EW_ENTRY);
    assert_int_equal(img.notes.features_supported,
                     (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_dom0));
    assert_true(img.notes.mod_start_pfn); /* nonzero in the high half counts */
    free(o.buf);
}

static void test_linux_style_image(void **state)
{
    struct ew_out o;
    struct elf_image img;

    (void)state;
    parse_case_ok("linux_style", &o, &img);
    assert_false(img.notes.has_paddr_offset);
    assert_int_equal(img.notes.paddr_offset, 0); /* libelf's default for note images */
    assert_int_equal(img.virt_base, EW_VIRT_BASE);
    assert_string_equal(img.notes.guest_os, "linux");
    assert_string_equal(img.notes.loader, "");
    assert_int_equal(img.notes.init_p2m, 0x8000000000ULL);
    assert_int_equal(img.notes.features_required, 1u << XENFEAT_writable_page_tables);
    assert_int_equal(img.notes.features_supported, (1u << XENFEAT_writable_page_tables) |
                                                       (1u << XENFEAT_pae_pgdir_above_4gb) |
                                                       (1u << XENFEAT_dom0));
    assert_true(img.notes.mod_start_pfn);
    assert_true(img.notes.suspend_cancel);
    assert_int_equal(img.seg[0].vaddr, EW_TEXT); /* p_paddr + VIRT_BASE - 0 */
    check_copy(&img, img.virt_start, img.virt_end - img.virt_start);
    free(o.buf);
}

/* Linux links its per-CPU segment at p_vaddr 0; Xen (and we) load segments at
 * p_paddr + VIRT_BASE - PADDR_OFFSET. */
static void test_linux_percpu_segment_loads_at_paddr(void **state)
{
    struct ew_out o;
    struct elf_image img;

    (void)state;
    parse_case_ok("linux_percpu", &o, &img);
    assert_int_equal(get_le64(o.buf + 64 + 56 + 16), 0); /* p_vaddr of segment 1 */
    assert_int_equal(img.nr_segments, 2);
    assert_int_equal(img.seg[1].vaddr, EW_DATA);
    assert_int_equal(img.virt_start, EW_VIRT_BASE);
    check_copy(&img, img.virt_start, img.virt_end - img.virt_start);
    free(o.buf);
}

static void test_multiple_segments_and_bss(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default(&w);
    w.nph = 0;
    ew_load(&w, EW_TEXT, EW_TEXT_FILESZ, EW_TEXT_MEMSZ, EW_PF_R | EW_PF_X);
    ew_load(&w, EW_VIRT_BASE + 0x2000, 0x123, 0x123, EW_PF_R);           /* rodata */
    ew_load(&w, EW_VIRT_BASE + 0x3010, 0x80, 0x1000, EW_PF_R | EW_PF_W); /* data + bss */
    ew_load(&w, EW_VIRT_BASE + 0x5000, 0, 0x3000, EW_PF_R | EW_PF_W);    /* bss only */
    ew_load(&w, EW_VIRT_BASE + 0x9000, 0, 0, EW_PF_R);                   /* empty: ignored */
    w.ph[w.nph++] = (struct ew_phdr){.type = EW_PT_NOTE};
    parse_ok(&w, &o, &img);
    assert_int_equal(img.nr_segments, 4);
    assert_int_equal(img.virt_end, EW_VIRT_BASE + 0x8000);
    assert_int_equal(img.seg[3].filesz, 0);
    check_copy(&img, img.virt_start, img.virt_end - img.virt_start);
    check_copy(&img, EW_VIRT_BASE + 0x2100, 0x1000); /* rodata, gap, data */
    free(o.buf);
}

static void test_image_larger_than_4mib(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;
    struct domb_error err;

    (void)state;
    ew_init_default(&w);
    w.ph[0].filesz = 5 << 20;
    w.ph[0].memsz = (5 << 20) + 0x1000;
    w.ph[1].vaddr = w.ph[1].paddr = EW_VIRT_BASE + (6 << 20) + 0xc00;
    parse_ok(&w, &o, &img);
    assert_true(o.size > (4u << 20));
    assert_int_equal(img.virt_end, EW_VIRT_BASE + (6 << 20) + 0x3000);
    check_copy(&img, EW_TEXT + (4 << 20) - 7, 0x10000);
    check_copy(&img, img.virt_start, img.virt_end - img.virt_start);
    /* 6 MiB + 3 pages from VIRT_BASE: 1539 pages, plus 16 reserved. */
    assert_int_equal(elf_check_fits(&img, 1539 + 16, 16, &err), 0);
    assert_int_equal(elf_check_fits(&img, 1539 + 15, 16, &err), ELF_ERR_TOO_BIG_FOR_DOMAIN);
    free(o.buf);
}

static void test_notes_aligned_8(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default(&w);
    w.notes_len = 0;
    w.note_align = 8;
    ew_default_notes(&w, 0);
    parse_ok(&w, &o, &img);
    assert_string_equal(img.notes.guest_version, "0.1");
    assert_int_equal(img.notes.hypercall_page, EW_HYPERCALL);
    free(o.buf);
}

static void test_features_parsing(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default_omit(&w,
                         EW_OMIT(XEN_ELFNOTE_FEATURES) | EW_OMIT(XEN_ELFNOTE_SUPPORTED_FEATURES));
    /* Unknown optional features and empty items are ignored, as in libelf. */
    ew_note_str(&w, XEN_ELFNOTE_FEATURES,
                "writable_descriptor_tables||!auto_translated_physmap|some_future_thing|dom0|");
    parse_ok(&w, &o, &img);
    assert_int_equal(img.notes.features_supported, (1u << XENFEAT_writable_descriptor_tables) |
                                                       (1u << XENFEAT_auto_translated_physmap) |
                                                       (1u << XENFEAT_dom0));
    assert_int_equal(img.notes.features_required, 1u << XENFEAT_auto_translated_physmap);
    free(o.buf);
}

/* A string note need not carry its NUL: nothing reads past descsz. */
static void test_unterminated_short_string_accepted(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default_omit(&w, EW_OMIT(XEN_ELFNOTE_GUEST_OS));
    ew_note(&w, XEN_ELFNOTE_GUEST_OS, "domB-unterminated", 17);
    parse_ok(&w, &o, &img);
    assert_string_equal(img.notes.guest_os, "domB-unterminated");
    free(o.buf);
}

static void test_foreign_and_unknown_notes_ignored(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;
    uint64_t bogus = 0x1234;

    (void)state;
    ew_init_default(&w);
    ew_note_raw(&w, "Linux", 6, XEN_ELFNOTE_ENTRY, &bogus, 8); /* other owner, same type */
    ew_note_raw(&w, "Xe", 3, XEN_ELFNOTE_ENTRY, &bogus, 8);
    ew_note_raw(&w, "Xen", 4, XEN_ELFNOTE_L1_MFN_VALID, &bogus, 3); /* unknown to us */
    ew_note_raw(&w, "Xen", 4, XEN_ELFNOTE_CRASH_INFO, &bogus, 8);
    ew_note_raw(&w, "", 0, 0, NULL, 0);
    parse_ok(&w, &o, &img);
    assert_int_equal(img.entry, EW_ENTRY);
    free(o.buf);
}

static void test_equal_duplicate_notes_accepted(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;

    (void)state;
    ew_init_default(&w);
    ew_note_u64(&w, XEN_ELFNOTE_ENTRY, EW_ENTRY);
    ew_note_str(&w, XEN_ELFNOTE_GUEST_OS, "domB");
    ew_note_str(&w, XEN_ELFNOTE_FEATURES, "pae_pgdir_above_4gb");
    parse_ok(&w, &o, &img);
    free(o.buf);
}

static void test_check_fits_boundaries(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;
    struct domb_error err;

    (void)state;
    ew_init_default(&w);
    parse_ok(&w, &o, &img);
    assert_int_equal(elf_check_fits(&img, 5 + 100, 100, &err), 0); /* 5 image pages */
    assert_int_equal(elf_check_fits(&img, 5 + 99, 100, &err), ELF_ERR_TOO_BIG_FOR_DOMAIN);
    assert_non_null(strstr(err.msg, "104 pages"));
    assert_int_equal(elf_check_fits(&img, UINT64_MAX, UINT64_MAX, &err),
                     ELF_ERR_TOO_BIG_FOR_DOMAIN);
    assert_int_equal(elf_check_fits(&img, 5, 0, NULL), 0);
    free(o.buf);
}

static void test_null_error_pointer(void **state)
{
    const struct elf_case *c = elf_case_find("seg_overlap");
    struct ew_out o;
    struct elf_image img;

    (void)state;
    c->make(&o);
    assert_int_equal(elf_parse(&img, o.buf, o.size, NULL), ELF_ERR_SEG_OVERLAP);
    assert_int_equal(elf_parse(&img, NULL, 0, NULL), ELF_ERR_TOO_SMALL);
    free(o.buf);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(elf_error_name(ELF_OK), "ELF_OK");
    assert_string_equal(elf_error_name(ELF_ERR_SEG_OVERLAP), "ELF_ERR_SEG_OVERLAP");
    assert_string_equal(elf_error_name(ELF_ERR_TOO_SMALL), "ELF_ERR_TOO_SMALL");
    assert_string_equal(elf_error_name(ELF_ERR_TOO_BIG_FOR_DOMAIN), "ELF_ERR_TOO_BIG_FOR_DOMAIN");
    assert_string_equal(elf_error_name(ELF_ERR_COUNT_END), "ELF_ERR_UNKNOWN");
    assert_string_equal(elf_error_name(-XEN_EINVAL), "ELF_ERR_UNKNOWN");
    for (int a = ELF_ERR_TOO_SMALL; a < ELF_ERR_COUNT_END; a++) {
        assert_int_equal(strncmp(elf_error_name(a), "ELF_ERR_", 8), 0);
        for (int b = a + 1; b < ELF_ERR_COUNT_END; b++)
            assert_string_not_equal(elf_error_name(a), elf_error_name(b));
    }
}

/* Every rejection the parser can make is exercised by the corpus. */
static void test_corpus_covers_every_error(void **state)
{
    (void)state;
    for (int code = ELF_ERR_TOO_SMALL; code < ELF_ERR_COUNT_END; code++) {
        bool found = false;

        for (size_t i = 0; i < elf_bad_case_count; i++)
            found |= elf_bad_cases[i].expect == code;
        if (!found)
            fail_msg("no corpus image is rejected with %s", elf_error_name(code));
    }
    assert_true(elf_bad_case_count >= 35);
}

/* The whole table, so an entry missing from the list below still runs. */
static void test_all_corpus_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < elf_bad_case_count; i++)
        check_case(&elf_bad_cases[i]);
    for (size_t i = 0; i < elf_good_case_count; i++)
        check_case(&elf_good_cases[i]);
}

/* ---- streamed kernels: elf_parse_layout() + elf_parse_from() --------------- */

struct mem_reader {
    const uint8_t *buf;
    size_t size;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct mem_reader *r = ctx;

    assert_true(off <= r->size && len <= r->size - off);
    memcpy(buf, r->buf + off, len);
    return 0;
}

/* What the builder does with a streamed kernel: place the segments from the
 * first `prefix` bytes, then parse the complete image through reads. */
static int parse_streamed(const uint8_t *buf, size_t size, size_t prefix, struct elf_image *spec,
                          struct elf_image *img, struct domb_error *err)
{
    static uint8_t scratch[64 << 10];
    struct mem_reader r = {buf, size};
    int rc = elf_parse_layout(spec, buf, prefix < size ? prefix : size, size, err);

    if (rc)
        return rc;
    return elf_parse_from(img, size, mem_read, &r, scratch, sizeof(scratch), err);
}

/* Streamed, every corpus image gets elf_parse()'s verdict and message (a
 * placement error from the first bytes is the same check elf_parse() makes
 * on them), and every accepted one the same image, placed where
 * elf_parse_layout() expected for our kind of images. */
static void check_case_streamed(const struct elf_case *c, size_t prefix)
{
    struct ew_out o;
    struct elf_image whole, spec, img;
    struct domb_error e1, e2;
    int r1, r2;

    c->make(&o);
    if (o.size < 64) { /* bzimage_prefix() refuses these (BZIMAGE_ERR_NOT_ELF) */
        free(o.buf);
        return;
    }
    r1 = elf_parse(&whole, o.buf, o.size, &e1);
    r2 = parse_streamed(o.buf, o.size, prefix, &spec, &img, &e2);
    if (r2 == -XEN_E2BIG && prefix < o.size) {
        /* program headers beyond the prefix: a limit of streaming */
        assert_non_null(strstr(e2.msg, "lies beyond the first"));
        free(o.buf);
        return;
    }
    if (r1 != r2 || (r1 && strcmp(e1.msg, e2.msg) != 0))
        fail_msg("%s, prefix %zu: whole %s (%s), streamed %s (%s)", c->name, prefix,
                 elf_error_name(r1), r1 ? e1.msg : "", elf_error_name(r2), r2 ? e2.msg : "");
    if (r1 == 0) {
        assert_null(img.data);
        img.data = whole.data;
        assert_memory_equal(&img, &whole, sizeof(img));
        assert_int_equal(spec.nr_segments, whole.nr_segments);
        for (unsigned i = 0; i < whole.nr_segments; i++) {
            assert_int_equal(spec.seg[i].paddr, whole.seg[i].paddr);
            assert_int_equal(spec.seg[i].offset, whole.seg[i].offset);
            assert_int_equal(spec.seg[i].filesz, whole.seg[i].filesz);
        }
    }
    free(o.buf);
}

static void test_corpus_streamed(void **state)
{
    static const size_t prefixes[] = {SIZE_MAX, 4096, 512, 64};

    (void)state;
    for (size_t p = 0; p < ARRAY_SIZE(prefixes); p++) {
        for (size_t i = 0; i < elf_bad_case_count; i++)
            if (!elf_bad_cases[i].fits_pages && !elf_bad_cases[i].pvh_ram)
                check_case_streamed(&elf_bad_cases[i], prefixes[p]);
        for (size_t i = 0; i < elf_good_case_count; i++)
            check_case_streamed(&elf_good_cases[i], prefixes[p]);
    }
}

/* elf_zero_gaps() zeroes exactly what elf_copy_out() does not copy. */
static void test_zero_gaps_complements_copy_out(void **state)
{
    struct ew_out o;
    struct elf_image img;
    const struct elf_case *c = elf_case_find("linux_style");

    (void)state;
    assert_non_null(c);
    c->make(&o);
    assert_int_equal(elf_parse(&img, o.buf, o.size, NULL), 0);
    for (uint64_t va = img.virt_start; va < img.virt_end; va += PAGE_SIZE) {
        uint8_t want[PAGE_SIZE], got[PAGE_SIZE];

        assert_int_equal(elf_copy_out(&img, va, want, PAGE_SIZE), 0);
        memset(got, 0xa5, sizeof(got));
        elf_copy_out(&img, va, got, PAGE_SIZE); /* file bytes in place ... */
        for (size_t i = 0; i < PAGE_SIZE; i++)
            if (want[i] == 0)
                got[i] = 0xa5; /* ... the rest as unwritten memory */
        assert_int_equal(elf_zero_gaps(&img, va, got, PAGE_SIZE), 0);
        for (size_t i = 0; i < PAGE_SIZE; i++)
            if (got[i] != want[i] && !(got[i] == 0xa5 && want[i] == 0))
                fail_msg("va 0x%llx + %zu: %02x, want %02x", (unsigned long long)va, i, got[i],
                         want[i]);
    }
    img.data = NULL;
    assert_int_equal(elf_copy_out(&img, img.virt_start, o.buf, 1), -XEN_EINVAL);
    free(o.buf);
}

/* Every truncation of a valid image is rejected cleanly. */
static void check_every_truncation(struct ew *w)
{
    struct ew_out o;
    struct elf_image img;
    struct domb_error err;

    w->sec_notes = true;
    ew_build(w, &o);
    for (size_t n = 0; n < o.size; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan catches any overread */
        int rc;

        memcpy(copy, o.buf, n);
        rc = elf_parse(&img, copy, n, &err);
        if (rc == 0)
            fail_msg("truncated to %zu bytes but accepted", n);
        assert_int_equal(err.code, rc);
        free(copy);
    }
    free(o.buf);
}

static void test_every_truncation_rejected(void **state)
{
    struct ew w;

    (void)state;
    ew_init_default(&w);
    check_every_truncation(&w);
}

static void test_every_truncation_rejected_32(void **state)
{
    struct ew w;

    (void)state;
    ew_init_pvh32(&w, EW_PVH_PHYS, 0x2000, 0x3000);
    check_every_truncation(&w);
}

/* Every byte of the headers and notes set to a few hostile values: the
 * parser must either accept or reject with a named error, never misbehave. */
static void check_single_byte_corruptions(struct ew *w, unsigned min_rejected)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    struct ew_out o;
    struct elf_image img;
    struct domb_error err;
    unsigned rejected = 0;

    w->sec_notes = true;
    ew_build(w, &o);
    for (size_t at = 0; at < o.notes_off + w->notes_len; at++) {
        for (size_t v = 0; v < sizeof(vals); v++) {
            uint8_t *copy = malloc(o.size);
            int rc;

            memcpy(copy, o.buf, o.size);
            copy[at] = vals[v];
            rc = elf_parse(&img, copy, o.size, &err);
            if (rc != 0) {
                rejected++;
                assert_int_equal(err.code, rc);
                assert_true(err.msg[0] != '\0');
                assert_string_not_equal(elf_error_name(rc), "ELF_ERR_UNKNOWN");
            } else {
                check_copy_raw(&img);
            }
            free(copy);
        }
    }
    assert_true(rejected > min_rejected);
    free(o.buf);
}

static void test_single_byte_corruptions(void **state)
{
    struct ew w;

    (void)state;
    ew_init_default(&w);
    check_single_byte_corruptions(&w, 100);
}

static void test_single_byte_corruptions_32(void **state)
{
    struct ew w;

    (void)state;
    ew_init_pvh32(&w, EW_PVH_PHYS, 0x2000, 0x3000);
    check_single_byte_corruptions(&w, 100);
}

/* ---- ELFCLASS32 (PVH only) ---------------------------------------------------- */

/* A GRUB-like 32-bit PVH image parses into the same struct elf_image as a
 * 64-bit one: segments at their physical (= virtual) addresses, e_entry,
 * the 4-byte PHYS32_ENTRY; no identity notes needed (as Xen's libelf). */
static void test_elf32_pvh_image(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;
    struct domb_error err;
    uint8_t page[0x1000];

    (void)state;
    ew_init_pvh32(&w, EW_PVH_PHYS, 0x2000, 0x3000);
    parse_ok(&w, &o, &img);
    assert_true(img.elf32);
    assert_int_equal(o.buf[4], 1);
    assert_int_equal(img.entry, EW_PVH_PHYS);
    assert_int_equal(img.virt_base, 0);
    assert_int_equal(img.nr_segments, 2);
    assert_int_equal(img.seg[0].vaddr, EW_PVH_PHYS);
    assert_int_equal(img.seg[0].paddr, EW_PVH_PHYS);
    assert_int_equal(img.seg[0].filesz, 0x2000);
    assert_int_equal(img.seg[0].offset, o.ph_off[0]);
    assert_int_equal(img.seg[0].flags, EW_PF_R | EW_PF_X);
    assert_int_equal(img.seg[1].paddr, EW_PVH_PHYS + 0x2400);
    assert_int_equal(img.seg[1].filesz, 0x300);
    assert_int_equal(img.seg[1].memsz, 0x3000);
    assert_int_equal(img.phys_start, EW_PVH_PHYS);
    assert_int_equal(img.phys_end, EW_PVH_PHYS + 0x6000);
    assert_int_equal(img.virt_start, img.phys_start);
    assert_int_equal(img.virt_end, img.phys_end);
    assert_true(img.notes.present && img.notes.has_phys32_entry);
    assert_int_equal(img.notes.phys32_entry, EW_PVH_PHYS + EW_PVH_ENTRY_OFF);
    assert_false(img.notes.has_entry || img.notes.has_virt_base || img.notes.has_hypercall_page);
    assert_string_equal(img.notes.guest_os, "");
    check_copy(&img, img.virt_start, img.virt_end - img.virt_start);
    assert_int_equal(elf_copy_out_phys(&img, EW_PVH_PHYS + 0x2000, page, sizeof(page)), 0);
    assert_int_equal(page[0x400], ew_pattern(EW_PVH_PHYS + 0x2400));
    assert_int_equal(page[0x700], 0); /* BSS */
    assert_int_equal(elf_check_pvh(&img, 64ULL << 20, ELF_CORPUS_PVH_HOLE, &err), 0);
    free(o.buf);
}

/* A 32-bit image parses (for PVH) but is refused for a PV build, naming
 * why; a 64-bit image is not. */
static void test_elf32_refused_for_pv(void **state)
{
    struct ew w;
    struct ew_out o;
    struct elf_image img;
    struct domb_error err;

    (void)state;
    ew_init_pvh32(&w, EW_PVH_PHYS, 0x2000, 0x3000);
    parse_ok(&w, &o, &img);
    assert_int_equal(elf_check_pv(&img, &err), ELF_ERR_NOT_64BIT);
    assert_int_equal(err.code, ELF_ERR_NOT_64BIT);
    assert_non_null(strstr(err.msg, "32-bit"));
    assert_non_null(strstr(err.msg, "PV guest must be a 64-bit kernel"));
    assert_int_equal(elf_check_pv(&img, NULL), ELF_ERR_NOT_64BIT);
    free(o.buf);

    ew_init_pvh(&w, EW_PVH_PHYS, 0x2000, 0x3000);
    parse_ok(&w, &o, &img);
    assert_false(img.elf32);
    assert_int_equal(elf_check_pv(&img, &err), 0);
    free(o.buf);
}

/* The same fields in both classes give the same struct elf_image (apart
 * from the class itself and the file offsets). */
static void test_elf32_matches_elf64(void **state)
{
    struct ew w;
    struct ew_out o32, o64;
    struct elf_image i32, i64;

    (void)state;
    ew_init_pvh32(&w, EW_PVH_PHYS, 0x2000, 0x3000);
    /* A 64-bit image needs the identity notes (it could be a PV kernel). */
    ew_note_str(&w, XEN_ELFNOTE_GUEST_OS, "domB");
    ew_note_str(&w, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    ew_note_str(&w, XEN_ELFNOTE_LOADER, "generic");
    parse_ok(&w, &o32, &i32);
    w.elf32 = false;
    parse_ok(&w, &o64, &i64);
    assert_true(i32.elf32);
    assert_false(i64.elf32);
    assert_true(i64.notes.has_phys32_entry);
    assert_int_equal(i32.entry, i64.entry);
    assert_int_equal(i32.phys_start, i64.phys_start);
    assert_int_equal(i32.phys_end, i64.phys_end);
    assert_int_equal(i32.nr_segments, i64.nr_segments);
    for (unsigned s = 0; s < i32.nr_segments; s++) {
        assert_int_equal(i32.seg[s].vaddr, i64.seg[s].vaddr);
        assert_int_equal(i32.seg[s].paddr, i64.seg[s].paddr);
        assert_int_equal(i32.seg[s].filesz, i64.seg[s].filesz);
        assert_int_equal(i32.seg[s].memsz, i64.seg[s].memsz);
        assert_int_equal(i32.seg[s].flags, i64.seg[s].flags);
    }
    assert_int_equal(i32.notes.phys32_entry, i64.notes.phys32_entry);
    free(o32.buf);
    free(o64.buf);
}

/* ---- the malformed corpus, one case each --------------------------------------- */

static void test_bad_truncated_header(void **state)
{
    (void)state;
    check_named("truncated_header");
}
static void test_bad_empty(void **state)
{
    (void)state;
    check_named("empty");
}
static void test_bad_magic(void **state)
{
    (void)state;
    check_named("magic");
}
static void test_bad_class32(void **state)
{
    (void)state;
    check_named("class32");
}
static void test_bad_big_endian(void **state)
{
    (void)state;
    check_named("big_endian");
}
static void test_bad_ei_version(void **state)
{
    (void)state;
    check_named("ei_version");
}
static void test_bad_e_version(void **state)
{
    (void)state;
    check_named("e_version");
}
static void test_bad_machine_i386(void **state)
{
    (void)state;
    check_named("machine_i386");
}
static void test_bad_type_dyn(void **state)
{
    (void)state;
    check_named("type_dyn");
}
static void test_bad_ehsize(void **state)
{
    (void)state;
    check_named("ehsize");
}
static void test_bad_phentsize(void **state)
{
    (void)state;
    check_named("phentsize");
}
static void test_bad_phnum_zero(void **state)
{
    (void)state;
    check_named("phnum_zero");
}
static void test_bad_phnum_ffff(void **state)
{
    (void)state;
    check_named("phnum_ffff");
}
static void test_bad_phoff_past_end(void **state)
{
    (void)state;
    check_named("phoff_past_end");
}
static void test_bad_phoff_wrap(void **state)
{
    (void)state;
    check_named("phoff_wrap");
}
static void test_bad_phdrs_truncated(void **state)
{
    (void)state;
    check_named("phdrs_truncated");
}
static void test_bad_shentsize(void **state)
{
    (void)state;
    check_named("shentsize");
}
static void test_bad_shnum_absurd(void **state)
{
    (void)state;
    check_named("shnum_absurd");
}
static void test_bad_shoff_past_end(void **state)
{
    (void)state;
    check_named("shoff_past_end");
}
static void test_bad_shoff_wrap(void **state)
{
    (void)state;
    check_named("shoff_wrap");
}
static void test_bad_no_load(void **state)
{
    (void)state;
    check_named("no_load");
}
static void test_bad_too_many_segments(void **state)
{
    (void)state;
    check_named("too_many_segments");
}
static void test_bad_filesz_gt_memsz(void **state)
{
    (void)state;
    check_named("filesz_gt_memsz");
}
static void test_bad_seg_offset_past_end(void **state)
{
    (void)state;
    check_named("seg_offset_past_end");
}
static void test_bad_seg_offset_filesz_wrap(void **state)
{
    (void)state;
    check_named("seg_offset_filesz_wrap");
}
static void test_bad_seg_vaddr_wrap(void **state)
{
    (void)state;
    check_named("seg_vaddr_wrap");
}
static void test_bad_seg_noncanonical(void **state)
{
    (void)state;
    check_named("seg_noncanonical");
}
static void test_bad_seg_crosses_canonical(void **state)
{
    (void)state;
    check_named("seg_crosses_canonical");
}
static void test_bad_seg_overlap(void **state)
{
    (void)state;
    check_named("seg_overlap");
}
static void test_good_seg_unaligned_offset(void **state)
{
    (void)state;
    check_named("seg_unaligned_offset");
}
static void test_bad_seg_align_not_pow2(void **state)
{
    (void)state;
    check_named("seg_align_not_pow2");
}
static void test_bad_seg_huge(void **state)
{
    (void)state;
    check_named("seg_huge");
}
static void test_bad_span_huge(void **state)
{
    (void)state;
    check_named("span_huge");
}
static void test_bad_seg_hypervisor_hole(void **state)
{
    (void)state;
    check_named("seg_hypervisor_hole");
}
static void test_bad_paddr_load_wrap(void **state)
{
    (void)state;
    check_named("paddr_load_wrap");
}
static void test_bad_note_seg_oob(void **state)
{
    (void)state;
    check_named("note_seg_oob");
}
static void test_bad_note_seg_offset_wrap(void **state)
{
    (void)state;
    check_named("note_seg_offset_wrap");
}
static void test_bad_note_offset_misaligned(void **state)
{
    (void)state;
    check_named("note_offset_misaligned");
}
static void test_bad_note_namesz_huge(void **state)
{
    (void)state;
    check_named("note_namesz_huge");
}
static void test_bad_note_namesz_wrap(void **state)
{
    (void)state;
    check_named("note_namesz_wrap");
}
static void test_bad_note_descsz_huge(void **state)
{
    (void)state;
    check_named("note_descsz_huge");
}
static void test_bad_note_descsz_wrap(void **state)
{
    (void)state;
    check_named("note_descsz_wrap");
}
static void test_bad_note_truncated_header(void **state)
{
    (void)state;
    check_named("note_truncated_header");
}
static void test_bad_note_zero_loop(void **state)
{
    (void)state;
    check_named("note_zero_loop");
}
static void test_bad_note_bad_align(void **state)
{
    (void)state;
    check_named("note_bad_align");
}
static void test_bad_section_note_oob(void **state)
{
    (void)state;
    check_named("section_note_oob");
}
static void test_bad_section_note_descsz_huge(void **state)
{
    (void)state;
    check_named("section_note_descsz_huge");
}
static void test_bad_note_numeric_size(void **state)
{
    (void)state;
    check_named("note_numeric_size");
}
static void test_bad_supported_features_size(void **state)
{
    (void)state;
    check_named("supported_features_size");
}
static void test_bad_note_duplicate(void **state)
{
    (void)state;
    check_named("note_duplicate");
}
static void test_bad_note_duplicate_string(void **state)
{
    (void)state;
    check_named("note_duplicate_string");
}
static void test_bad_not_xen(void **state)
{
    (void)state;
    check_named("not_xen");
}
static void test_bad_guest_os_missing(void **state)
{
    (void)state;
    check_named("guest_os_missing");
}
static void test_bad_guest_os_nonprintable(void **state)
{
    (void)state;
    check_named("guest_os_nonprintable");
}
static void test_bad_xen_version_wrong(void **state)
{
    (void)state;
    check_named("xen_version_wrong");
}
static void test_bad_xen_version_missing(void **state)
{
    (void)state;
    check_named("xen_version_missing");
}
static void test_bad_loader_wrong(void **state)
{
    (void)state;
    check_named("loader_wrong");
}
static void test_bad_loader_missing_not_linux(void **state)
{
    (void)state;
    check_named("loader_missing_not_linux");
}
static void test_bad_pae_mode(void **state)
{
    (void)state;
    check_named("pae_mode");
}
static void test_bad_string_unterminated_long(void **state)
{
    (void)state;
    check_named("string_unterminated_long");
}
static void test_bad_string_garbage_after_nul(void **state)
{
    (void)state;
    check_named("string_garbage_after_nul");
}
static void test_bad_string_nonprintable(void **state)
{
    (void)state;
    check_named("string_nonprintable");
}
static void test_bad_features_unknown_required(void **state)
{
    (void)state;
    check_named("features_unknown_required");
}
static void test_bad_features_nonprintable(void **state)
{
    (void)state;
    check_named("features_nonprintable");
}
static void test_bad_virt_base_above_start(void **state)
{
    (void)state;
    check_named("virt_base_above_start");
}
static void test_bad_virt_base_unaligned(void **state)
{
    (void)state;
    check_named("virt_base_unaligned");
}
static void test_bad_paddr_offset_without_virt_base(void **state)
{
    (void)state;
    check_named("paddr_offset_without_virt_base");
}
static void test_bad_paddr_offset_gt_virt_base(void **state)
{
    (void)state;
    check_named("paddr_offset_gt_virt_base");
}
static void test_bad_entry_outside(void **state)
{
    (void)state;
    check_named("entry_outside");
}
static void test_bad_entry_non_exec(void **state)
{
    (void)state;
    check_named("entry_non_exec");
}
static void test_bad_entry_in_bss(void **state)
{
    (void)state;
    check_named("entry_in_bss");
}
static void test_bad_e_entry_outside_no_note(void **state)
{
    (void)state;
    check_named("e_entry_outside_no_note");
}
static void test_bad_hypercall_unaligned(void **state)
{
    (void)state;
    check_named("hypercall_unaligned");
}
static void test_bad_hypercall_outside(void **state)
{
    (void)state;
    check_named("hypercall_outside");
}
static void test_bad_hypercall_in_gap(void **state)
{
    (void)state;
    check_named("hypercall_in_gap");
}
static void test_bad_init_p2m_overlap(void **state)
{
    (void)state;
    check_named("init_p2m_overlap");
}
static void test_bad_init_p2m_noncanonical(void **state)
{
    (void)state;
    check_named("init_p2m_noncanonical");
}
static void test_bad_too_big_for_domain(void **state)
{
    (void)state;
    check_named("too_big_for_domain");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_default_image),
    cmocka_unit_test(test_copy_out_whole_image),
    cmocka_unit_test(test_copy_out_partial_ranges),
    cmocka_unit_test(test_copy_out_rejects_outside),
    cmocka_unit_test(test_notes_in_section_only),
    cmocka_unit_test(test_notes_in_segment_and_section),
    cmocka_unit_test(test_no_entry_note_uses_e_entry),
    cmocka_unit_test(test_entry_note_overrides_e_entry),
    cmocka_unit_test(test_numeric_notes_4_bytes),
    cmocka_unit_test(test_numeric_notes_8_bytes),
    cmocka_unit_test(test_linux_style_image),
    cmocka_unit_test(test_linux_percpu_segment_loads_at_paddr),
    cmocka_unit_test(test_multiple_segments_and_bss),
    cmocka_unit_test(test_image_larger_than_4mib),
    cmocka_unit_test(test_notes_aligned_8),
    cmocka_unit_test(test_features_parsing),
    cmocka_unit_test(test_unterminated_short_string_accepted),
    cmocka_unit_test(test_foreign_and_unknown_notes_ignored),
    cmocka_unit_test(test_equal_duplicate_notes_accepted),
    cmocka_unit_test(test_check_fits_boundaries),
    cmocka_unit_test(test_null_error_pointer),
    cmocka_unit_test(test_error_names),
    cmocka_unit_test(test_corpus_covers_every_error),
    cmocka_unit_test(test_all_corpus_cases),
    cmocka_unit_test(test_corpus_streamed),
    cmocka_unit_test(test_zero_gaps_complements_copy_out),
    cmocka_unit_test(test_every_truncation_rejected),
    cmocka_unit_test(test_single_byte_corruptions),
    cmocka_unit_test(test_every_truncation_rejected_32),
    cmocka_unit_test(test_single_byte_corruptions_32),
    cmocka_unit_test(test_elf32_pvh_image),
    cmocka_unit_test(test_elf32_refused_for_pv),
    cmocka_unit_test(test_elf32_matches_elf64),
    cmocka_unit_test(test_bad_truncated_header),
    cmocka_unit_test(test_bad_empty),
    cmocka_unit_test(test_bad_magic),
    cmocka_unit_test(test_bad_class32),
    cmocka_unit_test(test_bad_big_endian),
    cmocka_unit_test(test_bad_ei_version),
    cmocka_unit_test(test_bad_e_version),
    cmocka_unit_test(test_bad_machine_i386),
    cmocka_unit_test(test_bad_type_dyn),
    cmocka_unit_test(test_bad_ehsize),
    cmocka_unit_test(test_bad_phentsize),
    cmocka_unit_test(test_bad_phnum_zero),
    cmocka_unit_test(test_bad_phnum_ffff),
    cmocka_unit_test(test_bad_phoff_past_end),
    cmocka_unit_test(test_bad_phoff_wrap),
    cmocka_unit_test(test_bad_phdrs_truncated),
    cmocka_unit_test(test_bad_shentsize),
    cmocka_unit_test(test_bad_shnum_absurd),
    cmocka_unit_test(test_bad_shoff_past_end),
    cmocka_unit_test(test_bad_shoff_wrap),
    cmocka_unit_test(test_bad_no_load),
    cmocka_unit_test(test_bad_too_many_segments),
    cmocka_unit_test(test_bad_filesz_gt_memsz),
    cmocka_unit_test(test_bad_seg_offset_past_end),
    cmocka_unit_test(test_bad_seg_offset_filesz_wrap),
    cmocka_unit_test(test_bad_seg_vaddr_wrap),
    cmocka_unit_test(test_bad_seg_noncanonical),
    cmocka_unit_test(test_bad_seg_crosses_canonical),
    cmocka_unit_test(test_bad_seg_overlap),
    cmocka_unit_test(test_good_seg_unaligned_offset),
    cmocka_unit_test(test_bad_seg_align_not_pow2),
    cmocka_unit_test(test_bad_seg_huge),
    cmocka_unit_test(test_bad_span_huge),
    cmocka_unit_test(test_bad_seg_hypervisor_hole),
    cmocka_unit_test(test_bad_paddr_load_wrap),
    cmocka_unit_test(test_bad_note_seg_oob),
    cmocka_unit_test(test_bad_note_seg_offset_wrap),
    cmocka_unit_test(test_bad_note_offset_misaligned),
    cmocka_unit_test(test_bad_note_namesz_huge),
    cmocka_unit_test(test_bad_note_namesz_wrap),
    cmocka_unit_test(test_bad_note_descsz_huge),
    cmocka_unit_test(test_bad_note_descsz_wrap),
    cmocka_unit_test(test_bad_note_truncated_header),
    cmocka_unit_test(test_bad_note_zero_loop),
    cmocka_unit_test(test_bad_note_bad_align),
    cmocka_unit_test(test_bad_section_note_oob),
    cmocka_unit_test(test_bad_section_note_descsz_huge),
    cmocka_unit_test(test_bad_note_numeric_size),
    cmocka_unit_test(test_bad_supported_features_size),
    cmocka_unit_test(test_bad_note_duplicate),
    cmocka_unit_test(test_bad_note_duplicate_string),
    cmocka_unit_test(test_bad_not_xen),
    cmocka_unit_test(test_bad_guest_os_missing),
    cmocka_unit_test(test_bad_guest_os_nonprintable),
    cmocka_unit_test(test_bad_xen_version_wrong),
    cmocka_unit_test(test_bad_xen_version_missing),
    cmocka_unit_test(test_bad_loader_wrong),
    cmocka_unit_test(test_bad_loader_missing_not_linux),
    cmocka_unit_test(test_bad_pae_mode),
    cmocka_unit_test(test_bad_string_unterminated_long),
    cmocka_unit_test(test_bad_string_garbage_after_nul),
    cmocka_unit_test(test_bad_string_nonprintable),
    cmocka_unit_test(test_bad_features_unknown_required),
    cmocka_unit_test(test_bad_features_nonprintable),
    cmocka_unit_test(test_bad_virt_base_above_start),
    cmocka_unit_test(test_bad_virt_base_unaligned),
    cmocka_unit_test(test_bad_paddr_offset_without_virt_base),
    cmocka_unit_test(test_bad_paddr_offset_gt_virt_base),
    cmocka_unit_test(test_bad_entry_outside),
    cmocka_unit_test(test_bad_entry_non_exec),
    cmocka_unit_test(test_bad_entry_in_bss),
    cmocka_unit_test(test_bad_e_entry_outside_no_note),
    cmocka_unit_test(test_bad_hypercall_unaligned),
    cmocka_unit_test(test_bad_hypercall_outside),
    cmocka_unit_test(test_bad_hypercall_in_gap),
    cmocka_unit_test(test_bad_init_p2m_overlap),
    cmocka_unit_test(test_bad_init_p2m_noncanonical),
    cmocka_unit_test(test_bad_too_big_for_domain),
};

DOMB_TEST_MAIN(tests)
