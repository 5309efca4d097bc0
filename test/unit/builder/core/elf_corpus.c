/* Valid and malformed ELF images for the loader's tests (see elf_corpus.h). */
#include "elf_corpus.h"

#include <builder/elf.h>
#include <string.h>
#include <xen/elfnote.h>

/* Offset of field f of program header i in images from ew_build(). */
#define PHF(i, f)  (64 + (i)*56 + (f))
#define P_OFFSET   8
#define P_FILESZ   32
#define SHF(i, f)  (o->shoff + (i)*64 + (f))
#define SH_OFFSET  24
#define NOTE_PT    2 /* index of the PT_NOTE in the default image */
#define PATCH(...) ew_put(o, __VA_ARGS__)

/* ---- helpers -------------------------------------------------------------- */

static void build(struct ew *w, struct ew_out *o)
{
    ew_build(w, o);
}

static void make_default(struct ew_out *o)
{
    struct ew w;

    ew_init_default(&w);
    build(&w, o);
}

/* Default image with one Xen note left out and a replacement appended. */
static void with_u64(struct ew_out *o, uint32_t type, uint64_t v)
{
    struct ew w;

    ew_init_default_omit(&w, EW_OMIT(type));
    ew_note_u64(&w, type, v);
    build(&w, o);
}

static void with_raw(struct ew_out *o, uint32_t type, const void *desc, uint32_t descsz)
{
    struct ew w;

    ew_init_default_omit(&w, EW_OMIT(type));
    if (desc)
        ew_note(&w, type, desc, descsz);
    build(&w, o);
}

static void with_str(struct ew_out *o, uint32_t type, const char *s)
{
    with_raw(o, type, s, s ? (uint32_t)strlen(s) + 1 : 0);
}

/* Default image with notes only in an SHT_NOTE section (no PT_NOTE). */
static void make_sections_only(struct ew_out *o)
{
    struct ew w;

    ew_init_default(&w);
    w.nph = 2;
    w.sec_notes = true;
    build(&w, o);
}

static void make_with_sections(struct ew_out *o)
{
    struct ew w;

    ew_init_default(&w);
    w.sec_notes = true;
    build(&w, o);
}

/* ---- header ---------------------------------------------------------------- */

static void bad_truncated_header(struct ew_out *o)
{
    make_default(o);
    o->size = 40;
}
static void bad_empty(struct ew_out *o)
{
    make_default(o);
    o->size = 0;
}
static void bad_magic(struct ew_out *o)
{
    make_default(o);
    o->buf[1] = 'X';
}
/* A 64-bit image claiming ELFCLASS32: read as one, its e_machine is wrong. */
static void bad_class32(struct ew_out *o)
{
    make_default(o);
    o->buf[4] = 1;
}
static void bad_class_none(struct ew_out *o)
{
    make_default(o);
    o->buf[4] = 3;
}
/* ELFCLASS64 but shorter than its 64-byte header (longer than ELF32's). */
static void bad_header_class64_short(struct ew_out *o)
{
    make_default(o);
    o->size = 56;
}
static void bad_big_endian(struct ew_out *o)
{
    make_default(o);
    o->buf[5] = 2;
}
static void bad_ei_version(struct ew_out *o)
{
    make_default(o);
    o->buf[6] = 0;
}
static void bad_e_version(struct ew_out *o)
{
    make_default(o);
    PATCH(20, 2, 4);
}
static void bad_machine_i386(struct ew_out *o)
{
    make_default(o);
    PATCH(18, 3, 2);
}
static void bad_type_dyn(struct ew_out *o)
{
    make_default(o);
    PATCH(16, 3, 2);
}
static void bad_ehsize(struct ew_out *o)
{
    make_default(o);
    PATCH(52, 52, 2);
}
static void bad_phentsize(struct ew_out *o)
{
    make_default(o);
    PATCH(54, 32, 2);
}
static void bad_phnum_zero(struct ew_out *o)
{
    make_default(o);
    PATCH(56, 0, 2);
}
static void bad_phnum_ffff(struct ew_out *o)
{
    make_default(o);
    PATCH(56, 0xffff, 2);
}
static void bad_phoff_past_end(struct ew_out *o)
{
    make_default(o);
    PATCH(32, o->size + 8, 8);
}
static void bad_phoff_wrap(struct ew_out *o)
{
    make_default(o);
    PATCH(32, 0xffffffffffffffc8ULL, 8);
}
static void bad_phdrs_truncated(struct ew_out *o)
{
    make_default(o);
    PATCH(56, 64, 2); /* 64 * 56 bytes from offset 64 pass the image's end */
}
static void bad_shentsize(struct ew_out *o)
{
    make_with_sections(o);
    PATCH(58, 40, 2);
}
static void bad_shnum_absurd(struct ew_out *o)
{
    make_with_sections(o);
    PATCH(60, 0xffff, 2);
}
static void bad_shoff_past_end(struct ew_out *o)
{
    make_with_sections(o);
    PATCH(40, o->size, 8);
}
static void bad_shoff_wrap(struct ew_out *o)
{
    make_with_sections(o);
    PATCH(40, 0xffffffffffffffc0ULL, 8);
}

/* ---- segments ------------------------------------------------------------- */

static void bad_no_load(struct ew_out *o)
{
    make_default(o);
    PATCH(PHF(0, 0), 0, 4); /* PT_NULL */
    PATCH(PHF(1, 0), 0, 4);
}
static void bad_too_many_segments(struct ew_out *o)
{
    struct ew w;

    ew_init_empty(&w);
    w.e_entry = EW_ENTRY;
    for (unsigned i = 0; i <= ELF_MAX_SEGMENTS; i++)
        ew_load(&w, EW_TEXT + i * 0x20, 0x10, 0x10, EW_PF_R | EW_PF_X)->align = 0x10;
    w.ph[w.nph++] = (struct ew_phdr){.type = EW_PT_NOTE};
    ew_default_notes(&w, 0);
    build(&w, o);
}

/* Default image with the data segment (program header 1) changed. */
#define DATA_SEG_CASE(fn, stmt)                                                                    \
    static void fn(struct ew_out *o)                                                               \
    {                                                                                              \
        struct ew w;                                                                               \
        struct ew_phdr *p;                                                                         \
                                                                                                   \
        ew_init_default(&w);                                                                       \
        p = &w.ph[1];                                                                              \
        stmt;                                                                                      \
        build(&w, o);                                                                              \
    }

DATA_SEG_CASE(bad_filesz_gt_memsz, (p->filesz = 0x2000, p->memsz = 0x1000))
DATA_SEG_CASE(bad_seg_vaddr_wrap, (p->vaddr = p->paddr = 0xffffffffffffec00ULL))
DATA_SEG_CASE(bad_seg_noncanonical, (p->vaddr = p->paddr = 0x0000900000000c00ULL))
DATA_SEG_CASE(bad_seg_crosses_canonical, (p->vaddr = p->paddr = 0x00007ffffffffc00ULL))
DATA_SEG_CASE(bad_seg_overlap, (p->vaddr = p->paddr = EW_TEXT + 0x1000))
/* Accepted: load address and p_offset disagree modulo the page size (GRUB's
 * Xen image has such a segment; the builder copies, it does not map). */
DATA_SEG_CASE(good_seg_unaligned_offset, (p->offset_delta = 0x10))
DATA_SEG_CASE(bad_seg_align_not_pow2, (p->align = 0x3000))
DATA_SEG_CASE(bad_seg_huge, (p->memsz = 0x50000000ULL))
DATA_SEG_CASE(bad_span_huge, (p->vaddr = p->paddr = EW_VIRT_BASE + 0x60000c00ULL))
DATA_SEG_CASE(bad_seg_hypervisor_hole, (p->vaddr = p->paddr = 0xffff800000100c00ULL))

/* Linux-style (PADDR_OFFSET 0, load address = p_paddr + VIRT_BASE) with a
 * p_paddr so high that the sum wraps. */
static void bad_paddr_load_wrap(struct ew_out *o)
{
    struct ew w;

    ew_init_default_omit(&w, EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET));
    w.ph[0].paddr = EW_TEXT - EW_VIRT_BASE;
    w.ph[1].paddr = 0x0000800000000c00ULL;
    build(&w, o);
}

static void bad_seg_offset_past_end(struct ew_out *o)
{
    make_default(o);
    PATCH(PHF(1, P_OFFSET), o->size + 0x1000, 8);
}
static void bad_seg_offset_filesz_wrap(struct ew_out *o)
{
    make_default(o);
    PATCH(PHF(1, P_OFFSET), 0ULL - EW_DATA_FILESZ, 8);
}

/* ---- note walk ------------------------------------------------------------ */

static void bad_note_seg_oob(struct ew_out *o)
{
    make_default(o);
    PATCH(PHF(NOTE_PT, P_OFFSET), o->size + 4, 8);
}
static void bad_note_seg_offset_wrap(struct ew_out *o)
{
    make_default(o);
    PATCH(PHF(NOTE_PT, P_OFFSET), 0xfffffffffffffff0ULL, 8);
}
static void bad_note_offset_misaligned(struct ew_out *o)
{
    make_default(o);
    PATCH(PHF(NOTE_PT, P_OFFSET), o->notes_off + 2, 8);
}
/* The first note (GNU build id) gets a bad namesz/descsz. */
static void bad_note_namesz_huge(struct ew_out *o)
{
    make_default(o);
    PATCH(o->notes_off, 0xfffffff0u, 4);
}
static void bad_note_namesz_wrap(struct ew_out *o)
{
    make_default(o);
    PATCH(o->notes_off, 0xfffffffeu, 4); /* 12 + namesz + 3 wraps in 32 bits */
}
static void bad_note_descsz_huge(struct ew_out *o)
{
    make_default(o);
    PATCH(o->notes_off + 4, 0x7fffffffu, 4);
}
static void bad_note_descsz_wrap(struct ew_out *o)
{
    make_default(o);
    PATCH(o->notes_off + 4, 0xfffffffdu, 4); /* rounds up to 0 in 32 bits */
}
static void bad_note_truncated_header(struct ew_out *o)
{
    struct ew w;

    ew_init_default(&w);
    w.notes_len += 8; /* 8 stray bytes: not a whole note header */
    build(&w, o);
}
static void bad_note_zero_loop(struct ew_out *o)
{
    struct ew w;

    ew_init_default(&w);
    w.notes_len += 1100 * 12; /* 1100 empty notes, each 12 bytes of zeros */
    build(&w, o);
}
static void bad_note_bad_align(struct ew_out *o)
{
    struct ew w;

    ew_init_default(&w);
    w.note_align = 16;
    build(&w, o);
}
static void bad_section_note_oob(struct ew_out *o)
{
    make_sections_only(o);
    PATCH(SHF(1, SH_OFFSET), o->size + 16, 8);
}
static void bad_section_note_descsz_huge(struct ew_out *o)
{
    make_sections_only(o);
    PATCH(o->notes_off + 4, 0x10000u, 4);
}

/* ---- note contents ------------------------------------------------------ */

static void bad_note_numeric_size(struct ew_out *o)
{
    static const uint8_t two[2] = {0x34, 0x12};

    with_raw(o, XEN_ELFNOTE_ENTRY, two, sizeof(two));
}
static void bad_supported_features_size(struct ew_out *o)
{
    static const uint8_t three[3] = {0, 8, 0};

    with_raw(o, XEN_ELFNOTE_SUPPORTED_FEATURES, three, sizeof(three));
}
static void bad_note_duplicate(struct ew_out *o)
{
    struct ew w;

    ew_init_default(&w);
    ew_note_u64(&w, XEN_ELFNOTE_ENTRY, EW_ENTRY + 4);
    build(&w, o);
}
static void bad_note_duplicate_string(struct ew_out *o)
{
    struct ew w;

    ew_init_default(&w);
    ew_note_str(&w, XEN_ELFNOTE_GUEST_OS, "other");
    build(&w, o);
}
static void bad_not_xen(struct ew_out *o)
{
    struct ew w;
    static const uint8_t id[4] = {1, 2, 3, 4};

    ew_init_default(&w);
    w.notes_len = 0;
    ew_note_raw(&w, "GNU", 4, 3, id, sizeof(id));
    ew_note_raw(&w, "XEN", 4, XEN_ELFNOTE_GUEST_OS, "domB", 5); /* wrong name: not ours */
    build(&w, o);
}
static void bad_guest_os_missing(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_GUEST_OS, NULL);
}
static void bad_guest_os_nonprintable(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_GUEST_OS, "dom\001B");
}
static void bad_xen_version_wrong(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_XEN_VERSION, "xen-2.0");
}
static void bad_xen_version_missing(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_XEN_VERSION, NULL);
}
static void bad_loader_wrong(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_LOADER, "elf");
}
static void bad_loader_missing_not_linux(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_LOADER, NULL);
}
static void bad_pae_mode(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_PAE_MODE, "maybe");
}
static void bad_string_unterminated_long(struct ew_out *o)
{
    char s[64];

    memset(s, 'A', sizeof(s));
    with_raw(o, XEN_ELFNOTE_GUEST_VERSION, s, sizeof(s));
}
static void bad_string_garbage_after_nul(struct ew_out *o)
{
    with_raw(o, XEN_ELFNOTE_GUEST_VERSION, "0.1\0XYZ", 7);
}
static void bad_string_nonprintable(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_LOADER, "gen\177");
}
static void bad_features_unknown_required(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_FEATURES, "pae_pgdir_above_4gb|!frobnicate");
}
static void bad_features_nonprintable(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_FEATURES, "dom0\t");
}

/* ---- addresses ------------------------------------------------------------- */

static void bad_virt_base_above_start(struct ew_out *o)
{
    struct ew w;

    ew_init_default_omit(&w, EW_OMIT(XEN_ELFNOTE_VIRT_BASE) | EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET));
    ew_note_u64(&w, XEN_ELFNOTE_VIRT_BASE, EW_VIRT_BASE + 0x1000);
    ew_note_u64(&w, XEN_ELFNOTE_PADDR_OFFSET, EW_VIRT_BASE + 0x1000);
    build(&w, o);
}
static void bad_virt_base_unaligned(struct ew_out *o)
{
    with_u64(o, XEN_ELFNOTE_VIRT_BASE, EW_VIRT_BASE - 0x10);
}
static void bad_paddr_offset_without_virt_base(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_VIRT_BASE, NULL);
}
static void bad_paddr_offset_gt_virt_base(struct ew_out *o)
{
    with_u64(o, XEN_ELFNOTE_PADDR_OFFSET, EW_VIRT_BASE + 0x1000);
}
static void bad_entry_outside(struct ew_out *o)
{
    with_u64(o, XEN_ELFNOTE_ENTRY, EW_VIRT_BASE + 0x10000000);
}
static void bad_entry_non_exec(struct ew_out *o)
{
    with_u64(o, XEN_ELFNOTE_ENTRY, EW_DATA);
}
static void bad_entry_in_bss(struct ew_out *o)
{
    with_u64(o, XEN_ELFNOTE_ENTRY, EW_TEXT + EW_TEXT_FILESZ + 0x10);
}
static void bad_e_entry_outside_no_note(struct ew_out *o)
{
    with_str(o, XEN_ELFNOTE_ENTRY, NULL);
    PATCH(24, 0, 8);
}
static void bad_hypercall_unaligned(struct ew_out *o)
{
    with_u64(o, XEN_ELFNOTE_HYPERCALL_PAGE, EW_HYPERCALL + 0x20);
}
static void bad_hypercall_outside(struct ew_out *o)
{
    with_u64(o, XEN_ELFNOTE_HYPERCALL_PAGE, EW_VIRT_BASE + 0x100000);
}
static void bad_hypercall_in_gap(struct ew_out *o)
{
    with_u64(o, XEN_ELFNOTE_HYPERCALL_PAGE, EW_VIRT_BASE + 0x2000);
}
static void bad_init_p2m_overlap(struct ew_out *o)
{
    with_u64(o, XEN_ELFNOTE_INIT_P2M, EW_VIRT_BASE + 0x2000);
}
static void bad_init_p2m_noncanonical(struct ew_out *o)
{
    with_u64(o, XEN_ELFNOTE_INIT_P2M, 0x0000800000000000ULL);
}

/* ---- PVH: PHYS32_ENTRY and physical placement ----------------------------- */

/* A PVH-capable image like ours, text at physical 1 MiB. */
static void make_pvh(struct ew_out *o)
{
    struct ew w;

    ew_init_pvh(&w, EW_PVH_PHYS, 0x2000, 0x3000);
    build(&w, o);
}

/* Like ours but linked at physical page 0 (our kernels' own layout). */
static void good_pvh_page0(struct ew_out *o)
{
    struct ew w;

    ew_init_pvh(&w, 0x0, 0x3000, 0x2000);
    build(&w, o);
}

/* A PVH image linked where it loads (VIRT_BASE 0, no PADDR_OFFSET), text at
 * `phys`, entry patched by the caller if wanted. */
static void pvh_identity(struct ew *w, uint64_t phys, uint64_t text)
{
    ew_init_empty(w);
    w->e_entry = phys;
    ew_load(w, phys, text, text, EW_PF_R | EW_PF_X);
    ew_load(w, ((phys + text + 0xfff) & ~0xfffULL) + 0x400, 0x200, 0x800, EW_PF_R | EW_PF_W);
    w->ph[w->nph++] = (struct ew_phdr){.type = EW_PT_NOTE, .flags = EW_PF_R};
    ew_default_notes(w, EW_OMIT(XEN_ELFNOTE_VIRT_BASE) | EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET) |
                            EW_OMIT(XEN_ELFNOTE_ENTRY) | EW_OMIT(XEN_ELFNOTE_HYPERCALL_PAGE));
    ew_note_u64(w, XEN_ELFNOTE_ENTRY, phys);
    ew_note_u32(w, XEN_ELFNOTE_PHYS32_ENTRY, (uint32_t)(phys + EW_PVH_ENTRY_OFF));
}

static void good_pvh_identity(struct ew_out *o)
{
    struct ew w;

    pvh_identity(&w, 0x200000, 0x2000);
    build(&w, o);
}

/* The PHYS32_ENTRY note replaced by `desc`. */
static void pvh_with_note(struct ew_out *o, const void *desc, uint32_t descsz)
{
    struct ew w;

    ew_init_pvh(&w, EW_PVH_PHYS, 0x2000, 0x3000);
    w.notes_len = 0;
    ew_default_notes(&w, EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET) | EW_OMIT(XEN_ELFNOTE_ENTRY) |
                             EW_OMIT(XEN_ELFNOTE_HYPERCALL_PAGE));
    ew_note_u64(&w, XEN_ELFNOTE_PADDR_OFFSET, 0);
    ew_note_u64(&w, XEN_ELFNOTE_ENTRY, EW_VIRT_BASE + EW_PVH_PHYS);
    ew_note_u64(&w, XEN_ELFNOTE_HYPERCALL_PAGE, EW_VIRT_BASE + EW_PVH_PHYS + 0x1000);
    ew_note(&w, XEN_ELFNOTE_PHYS32_ENTRY, desc, descsz);
    build(&w, o);
}

static void bad_phys32_short(struct ew_out *o)
{
    static const uint16_t v = 0x40;

    pvh_with_note(o, &v, 2);
}
static void bad_phys32_above_4g(struct ew_out *o)
{
    static const uint64_t v = 0x100000040ULL;

    pvh_with_note(o, &v, 8);
}
static void bad_phys32_outside(struct ew_out *o)
{
    static const uint32_t v = 0x50000000;

    pvh_with_note(o, &v, 4);
}
static void bad_phys32_non_exec(struct ew_out *o)
{
    static const uint32_t v = EW_PVH_PHYS + 0x2400; /* in the data segment */

    pvh_with_note(o, &v, 4);
}
static void bad_phys32_in_bss(struct ew_out *o)
{
    static const uint32_t v = EW_PVH_PHYS + 0x2400 + 0x400; /* past the data's file bytes */

    pvh_with_note(o, &v, 4);
}
static void bad_phys32_duplicate(struct ew_out *o)
{
    struct ew w;

    ew_init_pvh(&w, EW_PVH_PHYS, 0x2000, 0x3000);
    ew_note_u32(&w, XEN_ELFNOTE_PHYS32_ENTRY, EW_PVH_PHYS + 0x80);
    build(&w, o);
}
/* A segment of a PVH image crossing 4 GiB. */
static void bad_pvh_above_4g(struct ew_out *o)
{
    struct ew w;

    pvh_identity(&w, 0xfffff000ULL, 0x2000);
    build(&w, o);
}
/* elf_check_pvh() cases: the image parses, the guest cannot take it. */
static void pvh_in_special_pages(struct ew_out *o)
{
    struct ew w;

    pvh_identity(&w, 0xfeff8000ULL, 0x2000);
    build(&w, o);
}
static void pvh_in_acpi(struct ew_out *o)
{
    struct ew w;

    pvh_identity(&w, 0xfbfff000ULL, 0x2000); /* runs into 0xfc000000 */
    build(&w, o);
}
static void pvh_at_64m(struct ew_out *o)
{
    struct ew w;

    ew_init_pvh(&w, 64ULL << 20, 0x2000, 0x3000);
    build(&w, o);
}

/* ---- ELFCLASS32 (PVH only): the same checks on 32-bit fields ------------- */

#define PHF32(i, f) (EW32_EHDR_SIZE + (i)*EW32_PHDR_SIZE + (f))
#define SHF32(i, f) (o->shoff + (i)*EW32_SHDR_SIZE + (f))

/* Like GRUB's i386-xen_pvh image: text at 1 MiB, data at 0x102400 (0x300
 * file bytes, BSS to 0x105400), only a PHYS32_ENTRY note (0x100040). */
static void init32(struct ew *w)
{
    ew_init_pvh32(w, EW_PVH_PHYS, 0x2000, 0x3000);
}
static void make32(struct ew_out *o)
{
    struct ew w;

    init32(&w);
    build(&w, o);
}
static void make32_with_sections(struct ew_out *o)
{
    struct ew w;

    init32(&w);
    w.sec_notes = true;
    build(&w, o);
}
static void make32_sections_only(struct ew_out *o)
{
    struct ew w;

    init32(&w);
    w.nph = 2;
    w.sec_notes = true;
    build(&w, o);
}
/* Every string and numeric note Xen knows besides PHYS32_ENTRY, in 4 bytes. */
static void good_pvh32_notes(struct ew_out *o)
{
    struct ew w;

    init32(&w);
    w.sec_notes = true;
    ew_default_notes(&w, EW_OMIT(XEN_ELFNOTE_VIRT_BASE) | EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET) |
                             EW_OMIT(XEN_ELFNOTE_ENTRY) | EW_OMIT(XEN_ELFNOTE_HYPERCALL_PAGE));
    ew_note_u32(&w, XEN_ELFNOTE_ENTRY, EW_PVH_PHYS);
    ew_note_u32(&w, XEN_ELFNOTE_HYPERCALL_PAGE, EW_PVH_PHYS + 0x1000);
    build(&w, o);
}
/* The 32-bit image with one more Xen note appended. */
static void with32(struct ew_out *o, uint32_t type, const void *desc, uint32_t descsz)
{
    struct ew w;

    init32(&w);
    ew_note(&w, type, desc, descsz);
    build(&w, o);
}
static void with32_str(struct ew_out *o, uint32_t type, const char *s)
{
    with32(o, type, s, (uint32_t)strlen(s) + 1);
}
static void with32_u32(struct ew_out *o, uint32_t type, uint32_t v)
{
    with32(o, type, &v, 4);
}
/* The 32-bit image with its PHYS32_ENTRY note replaced by `desc`. */
static void pvh32_with_note(struct ew_out *o, const void *desc, uint32_t descsz)
{
    struct ew w;

    init32(&w);
    w.notes_len = 0;
    ew_note(&w, XEN_ELFNOTE_PHYS32_ENTRY, desc, descsz);
    build(&w, o);
}

#define CASE32(fn, stmt)                                                                           \
    static void fn(struct ew_out *o)                                                               \
    {                                                                                              \
        make32(o);                                                                                 \
        stmt;                                                                                      \
    }
#define CASE32_SEC(fn, stmt)                                                                       \
    static void fn(struct ew_out *o)                                                               \
    {                                                                                              \
        make32_with_sections(o);                                                                   \
        stmt;                                                                                      \
    }
/* The 32-bit image with its data segment (program header 1) changed. */
#define DATA_SEG_CASE32(fn, stmt)                                                                  \
    static void fn(struct ew_out *o)                                                               \
    {                                                                                              \
        struct ew w;                                                                               \
        struct ew_phdr *p;                                                                         \
                                                                                                   \
        init32(&w);                                                                                \
        p = &w.ph[1];                                                                              \
        stmt;                                                                                      \
        build(&w, o);                                                                              \
    }

CASE32(bad32_truncated_header, o->size = 40)
CASE32(bad32_magic, o->buf[0] = 0x7e)
CASE32(bad32_class_none, o->buf[4] = 0)
CASE32(bad32_big_endian, o->buf[5] = 2)
CASE32(bad32_ei_version, o->buf[6] = 2)
CASE32(bad32_e_version, PATCH(20, 0, 4))
CASE32(bad32_machine_x86_64, PATCH(18, 62, 2))
CASE32(bad32_type_dyn, PATCH(16, 3, 2))
CASE32(bad32_ehsize, PATCH(EW32_E_EHSIZE, 64, 2))
CASE32(bad32_phentsize, PATCH(EW32_E_PHENTSIZE, 56, 2))
CASE32(bad32_phnum_zero, PATCH(EW32_E_PHNUM, 0, 2))
CASE32(bad32_phnum_ffff, PATCH(EW32_E_PHNUM, 0xffff, 2))
CASE32(bad32_phoff_past_end, PATCH(EW32_E_PHOFF, o->size + 8, 4))
CASE32(bad32_phoff_wrap, PATCH(EW32_E_PHOFF, 0xffffffe0u, 4))
CASE32(bad32_phdrs_truncated, PATCH(EW32_E_PHOFF, o->size - 40, 4)) /* 3 * 32 bytes */
CASE32_SEC(bad32_shentsize, PATCH(EW32_E_SHENTSIZE, 64, 2))
CASE32_SEC(bad32_shnum_absurd, PATCH(EW32_E_SHNUM, 0xffff, 2))
CASE32_SEC(bad32_shoff_past_end, PATCH(EW32_E_SHOFF, o->size, 4))
CASE32_SEC(bad32_shoff_wrap, PATCH(EW32_E_SHOFF, 0xffffffc0u, 4))

CASE32(bad32_no_load, (PATCH(PHF32(0, 0), 0, 4), PATCH(PHF32(1, 0), 0, 4)))
CASE32(bad32_seg_offset_past_end, PATCH(PHF32(1, EW32_P_OFFSET), o->size + 0x1000, 4))
CASE32(bad32_seg_offset_filesz_wrap, PATCH(PHF32(1, EW32_P_OFFSET), 0xffffff00u, 4))
static void bad32_too_many_segments(struct ew_out *o)
{
    struct ew w;

    init32(&w);
    w.nph = 0;
    for (unsigned i = 0; i <= ELF_MAX_SEGMENTS; i++)
        ew_load(&w, EW_PVH_PHYS + i * 0x20, 0x10, 0x10, EW_PF_R | EW_PF_X)->align = 0x10;
    w.ph[w.nph++] = (struct ew_phdr){.type = EW_PT_NOTE};
    build(&w, o);
}
DATA_SEG_CASE32(bad32_filesz_gt_memsz, (p->filesz = 0x2000, p->memsz = 0x1000))
DATA_SEG_CASE32(bad32_seg_wrap_4g, (p->vaddr = p->paddr = 0xffffec00u))
DATA_SEG_CASE32(bad32_seg_overlap, (p->vaddr = p->paddr = EW_PVH_PHYS + 0x1000))
DATA_SEG_CASE32(bad32_seg_align_not_pow2, (p->align = 0x3000))
DATA_SEG_CASE32(bad32_seg_huge, (p->memsz = 0x50000000u))
DATA_SEG_CASE32(bad32_span_huge, (p->vaddr = p->paddr = 0x60100400u))
DATA_SEG_CASE32(good_pvh32_unaligned_offset, (p->offset_delta = 0x10))
/* VIRT_BASE moves the load address past the 32-bit address space. */
static void bad32_virt_base_wrap(struct ew_out *o)
{
    struct ew w;

    init32(&w);
    w.ph[1].vaddr = w.ph[1].paddr = 0x40000400u;
    w.load_shift = 0xc0000000u;
    ew_note_u32(&w, XEN_ELFNOTE_VIRT_BASE, 0xc0000000u);
    ew_note_u32(&w, XEN_ELFNOTE_PADDR_OFFSET, 0);
    build(&w, o);
}

CASE32(bad32_note_seg_oob, PATCH(PHF32(NOTE_PT, EW32_P_OFFSET), o->size + 4, 4))
CASE32(bad32_note_seg_offset_wrap, PATCH(PHF32(NOTE_PT, EW32_P_OFFSET), 0xfffffff0u, 4))
CASE32(bad32_note_offset_misaligned, PATCH(PHF32(NOTE_PT, EW32_P_OFFSET), o->notes_off + 2, 4))
CASE32(bad32_note_namesz_huge, PATCH(o->notes_off, 0xfffffff0u, 4))
CASE32(bad32_note_namesz_wrap, PATCH(o->notes_off, 0xfffffffeu, 4))
CASE32(bad32_note_descsz_huge, PATCH(o->notes_off + 4, 0x7fffffffu, 4))
CASE32(bad32_note_descsz_wrap, PATCH(o->notes_off + 4, 0xfffffffdu, 4))
static void bad32_note_truncated_header(struct ew_out *o)
{
    struct ew w;

    init32(&w);
    w.notes_len += 8;
    build(&w, o);
}
static void bad32_note_zero_loop(struct ew_out *o)
{
    struct ew w;

    init32(&w);
    w.notes_len += 1100 * 12;
    build(&w, o);
}
static void bad32_note_bad_align(struct ew_out *o)
{
    struct ew w;

    init32(&w);
    w.note_align = 16;
    build(&w, o);
}
static void bad32_section_note_oob(struct ew_out *o)
{
    make32_sections_only(o);
    PATCH(SHF32(1, EW32_SH_OFFSET), o->size + 16, 4);
}
static void bad32_section_note_descsz_huge(struct ew_out *o)
{
    make32_sections_only(o);
    PATCH(o->notes_off + 4, 0x10000u, 4);
}

static void bad32_note_numeric_size(struct ew_out *o)
{
    static const uint8_t two[2] = {0x34, 0x12};

    with32(o, XEN_ELFNOTE_ENTRY, two, sizeof(two));
}
static void bad32_note_duplicate(struct ew_out *o)
{
    with32_u32(o, XEN_ELFNOTE_PHYS32_ENTRY, EW_PVH_PHYS + 0x80);
}
static void bad32_not_xen(struct ew_out *o)
{
    struct ew w;
    static const uint8_t id[4] = {1, 2, 3, 4};

    init32(&w);
    w.notes_len = 0;
    ew_note_raw(&w, "GNU", 4, 3, id, sizeof(id));
    build(&w, o);
}
/* Xen notes, but not PHYS32_ENTRY: a 32-bit PV kernel. */
static void bad32_no_phys32(struct ew_out *o)
{
    struct ew w;

    init32(&w);
    w.notes_len = 0;
    ew_default_notes(&w, EW_OMIT(XEN_ELFNOTE_VIRT_BASE) | EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET) |
                             EW_OMIT(XEN_ELFNOTE_ENTRY) | EW_OMIT(XEN_ELFNOTE_HYPERCALL_PAGE));
    build(&w, o);
}
static void bad32_guest_os_nonprintable(struct ew_out *o)
{
    with32_str(o, XEN_ELFNOTE_GUEST_OS, "dom\001B");
}
static void bad32_string_garbage_after_nul(struct ew_out *o)
{
    with32(o, XEN_ELFNOTE_GUEST_VERSION, "0.1\0XYZ", 7);
}
static void bad32_pae_mode(struct ew_out *o)
{
    with32_str(o, XEN_ELFNOTE_PAE_MODE, "maybe");
}
static void bad32_features_unknown_required(struct ew_out *o)
{
    with32_str(o, XEN_ELFNOTE_FEATURES, "!frobnicate");
}

static void bad32_virt_base_unaligned(struct ew_out *o)
{
    with32_u32(o, XEN_ELFNOTE_VIRT_BASE, 0x10);
}
static void bad32_paddr_offset_without_virt_base(struct ew_out *o)
{
    with32_u32(o, XEN_ELFNOTE_PADDR_OFFSET, 0);
}
CASE32(bad32_entry_outside, PATCH(EW32_E_ENTRY, 0x50000000u, 4))
CASE32(bad32_entry_non_exec, PATCH(EW32_E_ENTRY, EW_PVH_PHYS + 0x2400, 4))
CASE32(bad32_entry_in_bss, PATCH(EW32_E_ENTRY, EW_PVH_PHYS + 0x2800, 4))
CASE32(bad32_e_entry_zero, PATCH(EW32_E_ENTRY, 0, 4))
static void bad32_entry_note_outside(struct ew_out *o)
{
    with32_u32(o, XEN_ELFNOTE_ENTRY, 0x50000000u);
}
static void bad32_hypercall_unaligned(struct ew_out *o)
{
    with32_u32(o, XEN_ELFNOTE_HYPERCALL_PAGE, EW_PVH_PHYS + 0x1020);
}
static void bad32_init_p2m_overlap(struct ew_out *o)
{
    with32_u32(o, XEN_ELFNOTE_INIT_P2M, EW_PVH_PHYS + 0x1000);
}

static void bad32_phys32_short(struct ew_out *o)
{
    static const uint16_t v = 0x40;

    pvh32_with_note(o, &v, 2);
}
static void bad32_phys32_above_4g(struct ew_out *o)
{
    static const uint64_t v = 0x100000040ULL;

    pvh32_with_note(o, &v, 8);
}
static void bad32_phys32_outside(struct ew_out *o)
{
    static const uint32_t v = 0x50000000;

    pvh32_with_note(o, &v, 4);
}
static void bad32_phys32_non_exec(struct ew_out *o)
{
    static const uint32_t v = EW_PVH_PHYS + 0x2400;

    pvh32_with_note(o, &v, 4);
}
static void bad32_phys32_in_bss(struct ew_out *o)
{
    static const uint32_t v = EW_PVH_PHYS + 0x2800;

    pvh32_with_note(o, &v, 4);
}
/* 8 bytes holding a value below 4 GiB: accepted, as in 64-bit images. */
static void good_pvh32_phys32_8byte(struct ew_out *o)
{
    static const uint64_t v = EW_PVH_PHYS + EW_PVH_ENTRY_OFF;

    pvh32_with_note(o, &v, 8);
}
static void pvh32_at(struct ew_out *o, uint64_t phys)
{
    struct ew w;

    ew_init_pvh32(&w, phys, 0x2000, 0x800);
    build(&w, o);
}
static void pvh32_in_special_pages(struct ew_out *o)
{
    pvh32_at(o, 0xfeff8000ULL);
}
static void pvh32_in_acpi(struct ew_out *o)
{
    pvh32_at(o, 0xfbfff000ULL);
}
static void pvh32_at_64m(struct ew_out *o)
{
    pvh32_at(o, 64ULL << 20);
}

/* ---- the tables ----------------------------------------------------------- */

#define BAD(n, code, msg)                                                                          \
    {                                                                                              \
#n, bad_##n, code, msg, 0, 0                                                               \
    }
#define BAD32(n, code, msg)                                                                        \
    {                                                                                              \
        "e32_" #n, bad32_##n, code, msg, 0, 0                                                      \
    }
#define PVH(n, fn, code, msg, ram)                                                                 \
    {                                                                                              \
#n, fn, code, msg, 0, ram                                                                  \
    }
#define FITS(n, fn, pages)                                                                         \
    {                                                                                              \
#n, fn, ELF_ERR_TOO_BIG_FOR_DOMAIN, "domain has", pages, 0                                 \
    }

const struct elf_case elf_bad_cases[] = {
    BAD(truncated_header, ELF_ERR_TOO_SMALL, "40 bytes"),
    BAD(empty, ELF_ERR_TOO_SMALL, "0 bytes"),
    BAD(magic, ELF_ERR_BAD_MAGIC, "7f 58 4c 46"),
    BAD(class32, ELF_ERR_NOT_X86_64, "e_machine is 62, not EM_386 (3) for an ELFCLASS32"),
    BAD(class_none, ELF_ERR_NOT_64BIT, "EI_CLASS is 3"),
    BAD(header_class64_short, ELF_ERR_TOO_SMALL, "64-byte ELFCLASS64 header"),
    BAD(big_endian, ELF_ERR_NOT_LITTLE_ENDIAN, "EI_DATA is 2"),
    BAD(ei_version, ELF_ERR_BAD_VERSION, "0 / 1"),
    BAD(e_version, ELF_ERR_BAD_VERSION, "1 / 2"),
    BAD(machine_i386, ELF_ERR_NOT_X86_64, "e_machine is 3"),
    BAD(type_dyn, ELF_ERR_NOT_EXEC, "e_type is 3"),
    BAD(ehsize, ELF_ERR_BAD_EHSIZE, "e_ehsize is 52"),
    BAD(phentsize, ELF_ERR_BAD_PHENTSIZE, "e_phentsize is 32"),
    BAD(phnum_zero, ELF_ERR_TOO_MANY_PHDRS, "e_phnum is 0"),
    BAD(phnum_ffff, ELF_ERR_TOO_MANY_PHDRS, "e_phnum is 65535"),
    BAD(phoff_past_end, ELF_ERR_PHDR_OOB, "e_phoff"),
    BAD(phoff_wrap, ELF_ERR_PHDR_OOB, "0xffffffffffffffc8"),
    BAD(phdrs_truncated, ELF_ERR_PHDR_OOB, "64 entries"),
    BAD(shentsize, ELF_ERR_BAD_SHENTSIZE, "e_shentsize is 40"),
    BAD(shnum_absurd, ELF_ERR_TOO_MANY_SHDRS, "e_shnum is 65535"),
    BAD(shoff_past_end, ELF_ERR_SHDR_OOB, "e_shoff"),
    BAD(shoff_wrap, ELF_ERR_SHDR_OOB, "0xffffffffffffffc0"),
    BAD(no_load, ELF_ERR_NO_LOAD, "PT_LOAD"),
    BAD(too_many_segments, ELF_ERR_TOO_MANY_SEGMENTS, "program header 16"),
    BAD(filesz_gt_memsz, ELF_ERR_SEG_FILESZ_GT_MEMSZ,
        "program header 1: p_filesz 0x2000 exceeds p_memsz 0x1000"),
    BAD(seg_offset_past_end, ELF_ERR_SEG_FILE_OOB, "program header 1"),
    BAD(seg_offset_filesz_wrap, ELF_ERR_SEG_FILE_OOB, "p_offset 0xfffffffffffffe00"),
    BAD(seg_vaddr_wrap, ELF_ERR_SEG_VADDR_WRAP,
        "program header 1: load address 0xffffffffffffec00"),
    BAD(seg_noncanonical, ELF_ERR_SEG_NONCANONICAL, "0x900000000c00"),
    BAD(seg_crosses_canonical, ELF_ERR_SEG_NONCANONICAL, "0x7ffffffffc00"),
    BAD(seg_overlap, ELF_ERR_SEG_OVERLAP, "program headers 0 and 1"),
    BAD(seg_align_not_pow2, ELF_ERR_SEG_MISALIGNED, "0x3000"),
    BAD(seg_huge, ELF_ERR_SEG_HUGE, "p_memsz 0x50000000"),
    BAD(span_huge, ELF_ERR_SEG_HUGE, "span"),
    BAD(seg_hypervisor_hole, ELF_ERR_OVERLAP_RESERVED, "0xffff800000100c00"),
    BAD(paddr_load_wrap, ELF_ERR_SEG_VADDR_WRAP, "program header 1: p_paddr 0x800000000c00"),
    BAD(note_seg_oob, ELF_ERR_NOTE_OOB, "program header 2"),
    BAD(note_seg_offset_wrap, ELF_ERR_NOTE_OOB, "0xfffffffffffffff0"),
    BAD(note_offset_misaligned, ELF_ERR_NOTE_BAD_ALIGN, "4-byte aligned"),
    BAD(note_namesz_huge, ELF_ERR_NOTE_OOB, "namesz 0xfffffff0"),
    BAD(note_namesz_wrap, ELF_ERR_NOTE_OOB, "namesz 0xfffffffe"),
    BAD(note_descsz_huge, ELF_ERR_NOTE_OOB, "descsz 0x7fffffff"),
    BAD(note_descsz_wrap, ELF_ERR_NOTE_OOB, "descsz 0xfffffffd"),
    BAD(note_truncated_header, ELF_ERR_NOTE_OOB, "12-byte header"),
    BAD(note_zero_loop, ELF_ERR_NOTE_TOO_MANY, "1024"),
    BAD(note_bad_align, ELF_ERR_NOTE_BAD_ALIGN, "alignment 16"),
    BAD(section_note_oob, ELF_ERR_NOTE_OOB, "section 1"),
    BAD(section_note_descsz_huge, ELF_ERR_NOTE_OOB, "section 1"),
    BAD(note_numeric_size, ELF_ERR_NOTE_BAD_SIZE, "ENTRY note has a 2-byte value"),
    BAD(supported_features_size, ELF_ERR_NOTE_BAD_SIZE, "SUPPORTED_FEATURES"),
    BAD(note_duplicate, ELF_ERR_NOTE_DUPLICATE, "ENTRY"),
    BAD(note_duplicate_string, ELF_ERR_NOTE_DUPLICATE, "GUEST_OS"),
    BAD(not_xen, ELF_ERR_NOT_XEN, "Xen"),
    BAD(guest_os_missing, ELF_ERR_BAD_GUEST_OS, "missing"),
    BAD(guest_os_nonprintable, ELF_ERR_BAD_GUEST_OS, "byte 3 is 0x01"),
    BAD(xen_version_wrong, ELF_ERR_BAD_XEN_VERSION, "xen-2.0"),
    BAD(xen_version_missing, ELF_ERR_BAD_XEN_VERSION, "XEN_VERSION"),
    BAD(loader_wrong, ELF_ERR_BAD_LOADER, "\"elf\""),
    BAD(loader_missing_not_linux, ELF_ERR_BAD_LOADER, "linux"),
    BAD(pae_mode, ELF_ERR_BAD_PAE_MODE, "maybe"),
    BAD(string_unterminated_long, ELF_ERR_STRING, "64 bytes"),
    BAD(string_garbage_after_nul, ELF_ERR_STRING, "byte 4"),
    BAD(string_nonprintable, ELF_ERR_STRING, "0x7f"),
    BAD(features_unknown_required, ELF_ERR_FEATURES, "frobnicate"),
    BAD(features_nonprintable, ELF_ERR_FEATURES, "0x09"),
    BAD(virt_base_above_start, ELF_ERR_VIRT_BASE, "0xffffffff80001000"),
    BAD(virt_base_unaligned, ELF_ERR_VIRT_BASE, "0xffffffff7ffffff0"),
    BAD(paddr_offset_without_virt_base, ELF_ERR_PADDR_OFFSET, "without a VIRT_BASE"),
    BAD(paddr_offset_gt_virt_base, ELF_ERR_PADDR_OFFSET, "larger than VIRT_BASE"),
    BAD(entry_outside, ELF_ERR_ENTRY_OUTSIDE, "0xffffffff90000000"),
    BAD(entry_non_exec, ELF_ERR_ENTRY_OUTSIDE, "not executable"),
    BAD(entry_in_bss, ELF_ERR_ENTRY_OUTSIDE, "0xffffffff80000c10"),
    BAD(e_entry_outside_no_note, ELF_ERR_ENTRY_OUTSIDE, "e_entry 0x0"),
    BAD(hypercall_unaligned, ELF_ERR_HYPERCALL_PAGE, "not page-aligned"),
    BAD(hypercall_outside, ELF_ERR_HYPERCALL_PAGE, "0xffffffff80100000"),
    BAD(hypercall_in_gap, ELF_ERR_HYPERCALL_PAGE, "0xffffffff80002000"),
    BAD(init_p2m_overlap, ELF_ERR_INIT_P2M, "inside the image"),
    BAD(init_p2m_noncanonical, ELF_ERR_INIT_P2M, "0x800000000000"),
    FITS(too_big_for_domain, make_default, 8),
    BAD(phys32_short, ELF_ERR_PHYS32_ENTRY, "2-byte value"),
    BAD(phys32_above_4g, ELF_ERR_PHYS32_ENTRY, "0x100000040 is not below 4 GiB"),
    BAD(phys32_outside, ELF_ERR_PHYS32_OUTSIDE, "0x50000000 is not inside"),
    BAD(phys32_non_exec, ELF_ERR_PHYS32_OUTSIDE, "not executable"),
    BAD(phys32_in_bss, ELF_ERR_PHYS32_OUTSIDE, "0x102800 is not inside"),
    BAD(phys32_duplicate, ELF_ERR_NOTE_DUPLICATE, "PHYS32_ENTRY"),
    BAD(pvh_above_4g, ELF_ERR_PHYS_RANGE, "past 4 GiB"),
    PVH(pvh_not_pvh, make_default, ELF_ERR_NOT_PVH, "no PHYS32_ENTRY", 64ULL << 20),
    PVH(pvh_special_pages, pvh_in_special_pages, ELF_ERR_PHYS_RESERVED, "0xfeff8000", 64ULL << 20),
    PVH(pvh_acpi_tables, pvh_in_acpi, ELF_ERR_PHYS_RESERVED, "0xfc000000", 0xfc000000ULL),
    PVH(pvh_beyond_ram, pvh_at_64m, ELF_ERR_TOO_BIG_FOR_DOMAIN, "beyond", 32ULL << 20),
    /* ELFCLASS32: every class above that applies to a 32-bit PVH image. */
    BAD32(truncated_header, ELF_ERR_TOO_SMALL, "40 bytes"),
    BAD32(magic, ELF_ERR_BAD_MAGIC, "7e 45 4c 46"),
    BAD32(class_none, ELF_ERR_NOT_64BIT, "EI_CLASS is 0"),
    BAD32(big_endian, ELF_ERR_NOT_LITTLE_ENDIAN, "EI_DATA is 2"),
    BAD32(ei_version, ELF_ERR_BAD_VERSION, "2 / 1"),
    BAD32(e_version, ELF_ERR_BAD_VERSION, "1 / 0"),
    BAD32(machine_x86_64, ELF_ERR_NOT_X86_64, "e_machine is 62, not EM_386"),
    BAD32(type_dyn, ELF_ERR_NOT_EXEC, "e_type is 3"),
    BAD32(ehsize, ELF_ERR_BAD_EHSIZE, "e_ehsize is 64, not 52"),
    BAD32(phentsize, ELF_ERR_BAD_PHENTSIZE, "e_phentsize is 56, not 32"),
    BAD32(phnum_zero, ELF_ERR_TOO_MANY_PHDRS, "e_phnum is 0"),
    BAD32(phnum_ffff, ELF_ERR_TOO_MANY_PHDRS, "e_phnum is 65535"),
    BAD32(phoff_past_end, ELF_ERR_PHDR_OOB, "e_phoff"),
    BAD32(phoff_wrap, ELF_ERR_PHDR_OOB, "0xffffffe0"),
    BAD32(phdrs_truncated, ELF_ERR_PHDR_OOB, "3 entries"),
    BAD32(shentsize, ELF_ERR_BAD_SHENTSIZE, "e_shentsize is 64, not 40"),
    BAD32(shnum_absurd, ELF_ERR_TOO_MANY_SHDRS, "e_shnum is 65535"),
    BAD32(shoff_past_end, ELF_ERR_SHDR_OOB, "e_shoff"),
    BAD32(shoff_wrap, ELF_ERR_SHDR_OOB, "0xffffffc0"),
    BAD32(no_load, ELF_ERR_NO_LOAD, "PT_LOAD"),
    BAD32(too_many_segments, ELF_ERR_TOO_MANY_SEGMENTS, "program header 16"),
    BAD32(filesz_gt_memsz, ELF_ERR_SEG_FILESZ_GT_MEMSZ,
          "program header 1: p_filesz 0x2000 exceeds p_memsz 0x1000"),
    BAD32(seg_offset_past_end, ELF_ERR_SEG_FILE_OOB, "program header 1"),
    BAD32(seg_offset_filesz_wrap, ELF_ERR_SEG_FILE_OOB, "p_offset 0xffffff00"),
    BAD32(seg_wrap_4g, ELF_ERR_SEG_VADDR_WRAP,
          "0xffffec00 + p_memsz 0x3000 wraps past the top "
          "of the 32-bit address space"),
    BAD32(virt_base_wrap, ELF_ERR_SEG_VADDR_WRAP, "32-bit address space"),
    BAD32(seg_overlap, ELF_ERR_SEG_OVERLAP, "program headers 0 and 1"),
    BAD32(seg_align_not_pow2, ELF_ERR_SEG_MISALIGNED, "0x3000"),
    BAD32(seg_huge, ELF_ERR_SEG_HUGE, "p_memsz 0x50000000"),
    BAD32(span_huge, ELF_ERR_SEG_HUGE, "span"),
    BAD32(note_seg_oob, ELF_ERR_NOTE_OOB, "program header 2"),
    BAD32(note_seg_offset_wrap, ELF_ERR_NOTE_OOB, "0xfffffff0"),
    BAD32(note_offset_misaligned, ELF_ERR_NOTE_BAD_ALIGN, "4-byte aligned"),
    BAD32(note_namesz_huge, ELF_ERR_NOTE_OOB, "namesz 0xfffffff0"),
    BAD32(note_namesz_wrap, ELF_ERR_NOTE_OOB, "namesz 0xfffffffe"),
    BAD32(note_descsz_huge, ELF_ERR_NOTE_OOB, "descsz 0x7fffffff"),
    BAD32(note_descsz_wrap, ELF_ERR_NOTE_OOB, "descsz 0xfffffffd"),
    BAD32(note_truncated_header, ELF_ERR_NOTE_OOB, "12-byte header"),
    BAD32(note_zero_loop, ELF_ERR_NOTE_TOO_MANY, "1024"),
    BAD32(note_bad_align, ELF_ERR_NOTE_BAD_ALIGN, "alignment 16"),
    BAD32(section_note_oob, ELF_ERR_NOTE_OOB, "section 1"),
    BAD32(section_note_descsz_huge, ELF_ERR_NOTE_OOB, "section 1"),
    BAD32(note_numeric_size, ELF_ERR_NOTE_BAD_SIZE, "ENTRY note has a 2-byte value"),
    BAD32(note_duplicate, ELF_ERR_NOTE_DUPLICATE, "PHYS32_ENTRY"),
    BAD32(not_xen, ELF_ERR_NOT_XEN, "Xen"),
    BAD32(no_phys32, ELF_ERR_NOT_64BIT, "without a PHYS32_ENTRY note"),
    BAD32(guest_os_nonprintable, ELF_ERR_BAD_GUEST_OS, "byte 3 is 0x01"),
    BAD32(string_garbage_after_nul, ELF_ERR_STRING, "byte 4"),
    BAD32(pae_mode, ELF_ERR_BAD_PAE_MODE, "maybe"),
    BAD32(features_unknown_required, ELF_ERR_FEATURES, "frobnicate"),
    BAD32(virt_base_unaligned, ELF_ERR_VIRT_BASE, "0x10"),
    BAD32(paddr_offset_without_virt_base, ELF_ERR_PADDR_OFFSET, "without a VIRT_BASE"),
    BAD32(entry_outside, ELF_ERR_ENTRY_OUTSIDE, "e_entry 0x50000000"),
    BAD32(entry_non_exec, ELF_ERR_ENTRY_OUTSIDE, "not executable"),
    BAD32(entry_in_bss, ELF_ERR_ENTRY_OUTSIDE, "e_entry 0x102800"),
    BAD32(e_entry_zero, ELF_ERR_ENTRY_OUTSIDE, "e_entry 0x0"),
    BAD32(entry_note_outside, ELF_ERR_ENTRY_OUTSIDE, "ENTRY note 0x50000000"),
    BAD32(hypercall_unaligned, ELF_ERR_HYPERCALL_PAGE, "not page-aligned"),
    BAD32(init_p2m_overlap, ELF_ERR_INIT_P2M, "inside the image"),
    BAD32(phys32_short, ELF_ERR_PHYS32_ENTRY, "2-byte value"),
    BAD32(phys32_above_4g, ELF_ERR_PHYS32_ENTRY, "0x100000040 is not below 4 GiB"),
    BAD32(phys32_outside, ELF_ERR_PHYS32_OUTSIDE, "0x50000000 is not inside"),
    BAD32(phys32_non_exec, ELF_ERR_PHYS32_OUTSIDE, "not executable"),
    BAD32(phys32_in_bss, ELF_ERR_PHYS32_OUTSIDE, "0x102800 is not inside"),
    PVH(pvh32_special_pages, pvh32_in_special_pages, ELF_ERR_PHYS_RESERVED, "0xfeff8000",
        64ULL << 20),
    PVH(pvh32_acpi_tables, pvh32_in_acpi, ELF_ERR_PHYS_RESERVED, "0xfc000000", 0xfc000000ULL),
    PVH(pvh32_beyond_ram, pvh32_at_64m, ELF_ERR_TOO_BIG_FOR_DOMAIN, "beyond", 32ULL << 20),
};
const size_t elf_bad_case_count = sizeof(elf_bad_cases) / sizeof(elf_bad_cases[0]);

/* ---- valid samples (seeds for the fuzzer; test_elf checks them in detail) -- */

/* Linked low (2 MiB) so every numeric note fits in 4 bytes. */
static void good_low_4byte(struct ew_out *o)
{
    const uint64_t base = 0x200000;
    struct ew w;

    ew_init_empty(&w);
    w.e_entry = base + 0x800;
    ew_load(&w, base + 0x800, 0x400, 0x1800, EW_PF_R | EW_PF_X);
    ew_load(&w, base + 0x2c00, 0x200, 0x400, EW_PF_R | EW_PF_W);
    w.ph[w.nph++] = (struct ew_phdr){.type = EW_PT_NOTE};
    ew_default_notes(&w, EW_OMIT(XEN_ELFNOTE_VIRT_BASE) | EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET) |
                             EW_OMIT(XEN_ELFNOTE_ENTRY) | EW_OMIT(XEN_ELFNOTE_HYPERCALL_PAGE));
    ew_note_u32(&w, XEN_ELFNOTE_VIRT_BASE, (uint32_t)base);
    ew_note_u32(&w, XEN_ELFNOTE_PADDR_OFFSET, (uint32_t)base);
    ew_note_u32(&w, XEN_ELFNOTE_ENTRY, (uint32_t)base + 0x800);
    ew_note_u32(&w, XEN_ELFNOTE_HYPERCALL_PAGE, (uint32_t)base + 0x1000);
    ew_note_u32(&w, XEN_ELFNOTE_INIT_P2M, 0x40000000);
    build(&w, o);
}

/* Like Linux: PADDR_OFFSET 0, p_paddr = p_vaddr - VIRT_BASE, no LOADER. */
static void good_linux_style(struct ew_out *o)
{
    struct ew w;

    ew_init_default_omit(&w, EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET) | EW_OMIT(XEN_ELFNOTE_LOADER) |
                                 EW_OMIT(XEN_ELFNOTE_GUEST_OS) | EW_OMIT(XEN_ELFNOTE_FEATURES));
    w.load_shift = EW_VIRT_BASE;
    for (unsigned i = 0; i < 2; i++)
        w.ph[i].paddr = w.ph[i].vaddr - EW_VIRT_BASE;
    ew_note_str(&w, XEN_ELFNOTE_GUEST_OS, "linux");
    ew_note_str(&w, XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb");
    ew_note_u64(&w, XEN_ELFNOTE_INIT_P2M, 0x8000000000ULL);
    ew_note_u64(&w, XEN_ELFNOTE_MOD_START_PFN, 1);
    ew_note_u64(&w, XEN_ELFNOTE_SUSPEND_CANCEL, 1);
    build(&w, o);
}

/* Linux's per-CPU segment: p_vaddr 0, loaded at p_paddr + VIRT_BASE. */
static void good_linux_percpu(struct ew_out *o)
{
    struct ew w;

    ew_init_default_omit(&w, EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET));
    w.load_shift = EW_VIRT_BASE;
    w.ph[0].paddr = EW_TEXT - EW_VIRT_BASE;
    w.ph[1].paddr = EW_DATA - EW_VIRT_BASE;
    w.ph[1].vaddr = 0;
    ew_note_u64(&w, XEN_ELFNOTE_PADDR_OFFSET, 0);
    build(&w, o);
}

#define GOOD(n, fn)                                                                                \
    {                                                                                              \
#n, fn, 0, NULL, 0, 0                                                                      \
    }

const struct elf_case elf_good_cases[] = {
    GOOD(default, make_default),
    GOOD(sections_only, make_sections_only),
    GOOD(with_sections, make_with_sections),
    GOOD(low_4byte, good_low_4byte),
    GOOD(linux_style, good_linux_style),
    GOOD(linux_percpu, good_linux_percpu),
    GOOD(seg_unaligned_offset, good_seg_unaligned_offset),
    GOOD(pvh, make_pvh),
    GOOD(pvh_page0, good_pvh_page0),
    GOOD(pvh_identity, good_pvh_identity),
    GOOD(pvh32, make32),
    GOOD(pvh32_with_sections, make32_with_sections),
    GOOD(pvh32_sections_only, make32_sections_only),
    GOOD(pvh32_notes, good_pvh32_notes),
    GOOD(pvh32_unaligned_offset, good_pvh32_unaligned_offset),
    GOOD(pvh32_phys32_8byte, good_pvh32_phys32_8byte),
};
const size_t elf_good_case_count = sizeof(elf_good_cases) / sizeof(elf_good_cases[0]);

const struct elf_case *elf_case_find(const char *name)
{
    for (size_t i = 0; i < elf_bad_case_count; i++)
        if (strcmp(elf_bad_cases[i].name, name) == 0)
            return &elf_bad_cases[i];
    for (size_t i = 0; i < elf_good_case_count; i++)
        if (strcmp(elf_good_cases[i].name, name) == 0)
            return &elf_good_cases[i];
    return NULL;
}
