/*
 * ELF loader for PV64 and PVH guest kernels: a validating parser for hostile
 * images.
 *
 * Every field is read with explicit little-endian loads from a bounds-checked
 * offset (no struct casts, so no alignment or strict-aliasing assumptions), and
 * every sum of an offset and a size goes through add_overflows_u64(). The
 * checks follow the classes of Xen's XSA-55 (libelf trusting counts, offsets
 * and sizes from the image) and the rules of Xen's libelf-dominfo.c for the
 * Xen notes; docs/elf-loader.md lists every check and its error code.
 *
 * ELFCLASS64 (EM_X86_64) and, for PVH guests only, ELFCLASS32 (EM_386, e.g.
 * GRUB's i386-xen_pvh image) are parsed by the same code: each header field
 * is read through the class's layout table (struct elf_layout) into one
 * internal form, and one set of checks runs on that.
 */
#include <builder/elf.h>
#include <domb/byteorder.h>
#include <domb/errno.h>
#include <domb/lib.h>
#include <xen/elfnote.h>
#include <xen/features.h>

/* ELF constants (System V gABI, the i386 and x86-64 psABIs). */
#define EHDR32_SIZE   52 /* the smaller of the two ELF headers */
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC       2
#define EM_386        3
#define EM_X86_64     62
#define PT_LOAD       1
#define PT_NOTE       4
#define SHT_NOTE      7
#define PF_X          1
#define NOTE_HDR_SIZE 12

/* More notes than this in all PT_NOTE segments and SHT_NOTE sections
 * together is not a kernel (Linux has a few dozen); it bounds the walk. */
#define ELF_MAX_NOTES 1024

/* x86-64 with 4-level paging: canonical addresses sign-extend bit 47. Xen
 * reserves 0xffff800000000000-0xffff87ffffffffff for itself in every 64-bit
 * PV guest's address space (public/arch-x86/xen-x86_64.h,
 * HYPERVISOR_VIRT_START/END), so no guest segment may live there. */
#define CANONICAL_LOW_END   0x0000800000000000ULL
#define CANONICAL_HIGH_BASE 0xffff800000000000ULL
#define XEN_HOLE_START      0xffff800000000000ULL
#define XEN_HOLE_END        0xffff880000000000ULL

/* Xen's libelf only knows these FEATURES names (elf_xen_feature_names); an
 * unknown optional feature is ignored there, an unknown required one ('!')
 * makes it refuse the image. We do the same. */
static const struct {
    const char *name;
    unsigned bit;
} elf_feature_names[] = {
    {"writable_page_tables", XENFEAT_writable_page_tables},
    {"writable_descriptor_tables", XENFEAT_writable_descriptor_tables},
    {"auto_translated_physmap", XENFEAT_auto_translated_physmap},
    {"supervisor_mode_kernel", XENFEAT_supervisor_mode_kernel},
    {"pae_pgdir_above_4gb", XENFEAT_pae_pgdir_above_4gb},
    {"hvm_callback_vector", XENFEAT_hvm_callback_vector},
    {"dom0", XENFEAT_dom0},
};

/*
 * Where the fields the parser reads live in each ELF class. The two classes
 * differ only in the width of addresses, offsets and sizes (4 or 8 bytes)
 * and in field order; every field is read through this table into one
 * internal form (struct elf_hdr / elf_phdr / elf_shdr), and one set of checks
 * runs on that, whatever the class.
 */
struct elf_layout {
    uint8_t class;                                 /* EI_CLASS */
    uint16_t machine;                              /* the e_machine accepted */
    const char *machine_name;                      /* for messages */
    uint8_t ehdr_size, phdr_size, shdr_size, word; /* sizes; word: address width */
    uint8_t e_entry, e_phoff, e_shoff, e_ehsize;   /* Elf{32,64}_Ehdr offsets */
    uint8_t e_phentsize, e_phnum, e_shentsize, e_shnum;
    uint8_t p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align; /* Elf_Phdr */
    uint8_t sh_offset, sh_size, sh_addralign;                                /* Elf_Shdr */
};

static const struct elf_layout elf_layout64 = {
    .class = ELFCLASS64,
    .machine = EM_X86_64,
    .machine_name = "EM_X86_64 (62)",
    .ehdr_size = 64,
    .phdr_size = 56,
    .shdr_size = 64,
    .word = 8,
    .e_entry = 24,
    .e_phoff = 32,
    .e_shoff = 40,
    .e_ehsize = 52,
    .e_phentsize = 54,
    .e_phnum = 56,
    .e_shentsize = 58,
    .e_shnum = 60,
    .p_flags = 4,
    .p_offset = 8,
    .p_vaddr = 16,
    .p_paddr = 24,
    .p_filesz = 32,
    .p_memsz = 40,
    .p_align = 48,
    .sh_offset = 24,
    .sh_size = 32,
    .sh_addralign = 48,
};
static const struct elf_layout elf_layout32 = {
    .class = ELFCLASS32,
    .machine = EM_386,
    .machine_name = "EM_386 (3)",
    .ehdr_size = 52,
    .phdr_size = 32,
    .shdr_size = 40,
    .word = 4,
    .e_entry = 24,
    .e_phoff = 28,
    .e_shoff = 32,
    .e_ehsize = 40,
    .e_phentsize = 42,
    .e_phnum = 44,
    .e_shentsize = 46,
    .e_shnum = 48,
    .p_flags = 24,
    .p_offset = 4,
    .p_vaddr = 8,
    .p_paddr = 12,
    .p_filesz = 16,
    .p_memsz = 20,
    .p_align = 28,
    .sh_offset = 16,
    .sh_size = 20,
    .sh_addralign = 32,
};

/* The ELF header's fields, read once the header's size is known. */
struct elf_hdr {
    uint64_t entry, phoff, shoff;
    unsigned phnum, shnum;
};

/* One program header in class-independent form. */
struct elf_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* Parser state that does not belong in struct elf_image. */
struct elf_ctx {
    const struct elf_piece *pieces; /* where the image's bytes are */
    unsigned nr_pieces;
    uint64_t size;
    struct elf_image *img;
    struct domb_error *err;
    const struct elf_layout *l; /* the image's class */
    struct elf_hdr eh;          /* its header (valid after elf_check_header()) */
    unsigned notes_walked;
    uint32_t xen_seen;                      /* bit per Xen note type 0..31 */
    uint64_t num[XEN_ELFNOTE_MAX + 1];      /* numeric note values, for duplicates */
    uint32_t feat_supported, feat_required; /* from the FEATURES note */
    uint32_t supported_features;            /* from SUPPORTED_FEATURES */
    unsigned seg_phdr[ELF_MAX_SEGMENTS];    /* program header index of each segment */
    uint64_t load_shift;                    /* VIRT_BASE - PADDR_OFFSET */
};

static bool elf_is_canonical(uint64_t va)
{
    return va < CANONICAL_LOW_END || va >= CANONICAL_HIGH_BASE;
}

/* [off, off+len) lies inside [0, limit); false when the sum wraps. */
static bool elf_range_ok(uint64_t off, uint64_t len, uint64_t limit)
{
    uint64_t end;

    return !add_overflows_u64(off, len, &end) && end <= limit;
}

static bool elf_is_printable(uint8_t c)
{
    return c >= 0x20 && c < 0x7f;
}

/* The image's bytes [off, off+len), if one piece holds them all. A whole
 * image is one piece; a streamed one is the pieces the parser reads
 * (elf_parse_from()). */
static const uint8_t *elf_at(const struct elf_ctx *c, uint64_t off, uint64_t len)
{
    for (unsigned i = 0; i < c->nr_pieces; i++) {
        const struct elf_piece *p = &c->pieces[i];

        if (p->data && off >= p->off && len <= p->len && off - p->off <= p->len - len)
            return p->data + (off - p->off);
    }
    return NULL;
}

/* A range inside the image that no piece holds (elf_parse_from() gathered
 * too little): not the image's fault, so not an elf_error. */
static int elf_missing(const struct elf_ctx *c, uint64_t off, uint64_t len)
{
    return domb_error_set(c->err, -XEN_EIO,
                          "image bytes [0x%llx, 0x%llx) were not read before parsing",
                          (unsigned long long)off, (unsigned long long)(off + len));
}

/* ---- ELF header ---------------------------------------------------------- */

/* An address, offset or size field: 4 bytes in ELFCLASS32, 8 in ELFCLASS64. */
static uint64_t elf_word(const struct elf_ctx *c, const uint8_t *p)
{
    return c->l->word == 4 ? get_le32(p) : get_le64(p);
}

static int elf_check_header(struct elf_ctx *c)
{
    const uint8_t *d = c->size >= EHDR32_SIZE ? elf_at(c, 0, EHDR32_SIZE) : NULL;
    const struct elf_layout *l;
    struct elf_hdr *eh = &c->eh;

    if (!d)
        return domb_error_set(c->err, ELF_ERR_TOO_SMALL,
                              "image is %llu bytes, shorter than the %u-byte ELF header",
                              (unsigned long long)c->size, EHDR32_SIZE);
    if (d[0] != 0x7f || d[1] != 'E' || d[2] != 'L' || d[3] != 'F')
        return domb_error_set(c->err, ELF_ERR_BAD_MAGIC,
                              "bad ELF magic %02x %02x %02x %02x (want 7f 45 4c 46)", d[0], d[1],
                              d[2], d[3]);
    if (d[EI_CLASS] != ELFCLASS64 && d[EI_CLASS] != ELFCLASS32)
        return domb_error_set(c->err, ELF_ERR_NOT_64BIT,
                              "EI_CLASS is %u, not ELFCLASS64 (2) or ELFCLASS32 (1, PVH only)",
                              d[EI_CLASS]);
    l = c->l = d[EI_CLASS] == elf_layout64.class ? &elf_layout64 : &elf_layout32;
    if (c->size < l->ehdr_size)
        return domb_error_set(c->err, ELF_ERR_TOO_SMALL,
                              "image is %llu bytes, shorter than the %u-byte ELFCLASS%u header",
                              (unsigned long long)c->size, l->ehdr_size, l->word * 8);
    if (!(d = elf_at(c, 0, l->ehdr_size)))
        return elf_missing(c, 0, l->ehdr_size);
    if (d[EI_DATA] != ELFDATA2LSB)
        return domb_error_set(c->err, ELF_ERR_NOT_LITTLE_ENDIAN,
                              "EI_DATA is %u, not ELFDATA2LSB (1)", d[EI_DATA]);
    if (d[EI_VERSION] != EV_CURRENT || get_le32(d + 20) != EV_CURRENT)
        return domb_error_set(c->err, ELF_ERR_BAD_VERSION, "ELF version is %u / %llu, not 1",
                              d[EI_VERSION], (unsigned long long)get_le32(d + 20));
    if (get_le16(d + 18) != l->machine)
        return domb_error_set(c->err, ELF_ERR_NOT_X86_64,
                              "e_machine is %llu, not %s for an ELFCLASS%u image",
                              (unsigned long long)get_le16(d + 18), l->machine_name, l->word * 8);
    if (get_le16(d + 16) != ET_EXEC)
        return domb_error_set(c->err, ELF_ERR_NOT_EXEC, "e_type is %llu, not ET_EXEC (2)",
                              (unsigned long long)get_le16(d + 16));
    if (get_le16(d + l->e_ehsize) != l->ehdr_size)
        return domb_error_set(c->err, ELF_ERR_BAD_EHSIZE, "e_ehsize is %llu, not %u",
                              (unsigned long long)get_le16(d + l->e_ehsize), l->ehdr_size);
    if (get_le16(d + l->e_phentsize) != l->phdr_size)
        return domb_error_set(c->err, ELF_ERR_BAD_PHENTSIZE, "e_phentsize is %llu, not %u",
                              (unsigned long long)get_le16(d + l->e_phentsize), l->phdr_size);

    eh->entry = elf_word(c, d + l->e_entry);
    eh->phoff = elf_word(c, d + l->e_phoff);
    eh->phnum = get_le16(d + l->e_phnum);
    if (eh->phnum == 0 || eh->phnum > ELF_MAX_PHDRS)
        return domb_error_set(c->err, ELF_ERR_TOO_MANY_PHDRS,
                              "e_phnum is %u; between 1 and %u program headers are accepted",
                              eh->phnum, ELF_MAX_PHDRS);
    if (!elf_range_ok(eh->phoff, (uint64_t)eh->phnum * l->phdr_size, c->size))
        return domb_error_set(c->err, ELF_ERR_PHDR_OOB,
                              "program header table at e_phoff 0x%llx (%u entries) does not fit "
                              "in the %llu-byte image",
                              (unsigned long long)eh->phoff, eh->phnum,
                              (unsigned long long)c->size);

    eh->shoff = elf_word(c, d + l->e_shoff);
    eh->shnum = get_le16(d + l->e_shnum);
    if (eh->shnum == 0)
        return 0; /* no section headers (or extended numbering): notes come from PT_NOTE */
    if (get_le16(d + l->e_shentsize) != l->shdr_size)
        return domb_error_set(c->err, ELF_ERR_BAD_SHENTSIZE, "e_shentsize is %llu, not %u",
                              (unsigned long long)get_le16(d + l->e_shentsize), l->shdr_size);
    if (eh->shnum > ELF_MAX_SHDRS)
        return domb_error_set(c->err, ELF_ERR_TOO_MANY_SHDRS,
                              "e_shnum is %u; at most %u section headers are accepted", eh->shnum,
                              ELF_MAX_SHDRS);
    if (!elf_range_ok(eh->shoff, (uint64_t)eh->shnum * l->shdr_size, c->size))
        return domb_error_set(c->err, ELF_ERR_SHDR_OOB,
                              "section header table at e_shoff 0x%llx (%u entries) does not fit "
                              "in the %llu-byte image",
                              (unsigned long long)eh->shoff, eh->shnum,
                              (unsigned long long)c->size);
    return 0;
}

/* Program header i (< e_phnum, inside the image: elf_check_header()). */
static int elf_read_phdr(const struct elf_ctx *c, unsigned i, struct elf_phdr *ph)
{
    const struct elf_layout *l = c->l;
    uint64_t at = c->eh.phoff + (uint64_t)i * l->phdr_size;
    const uint8_t *p = elf_at(c, at, l->phdr_size);

    if (!p)
        return elf_missing(c, at, l->phdr_size);
    ph->type = get_le32(p);
    ph->flags = get_le32(p + l->p_flags);
    ph->offset = elf_word(c, p + l->p_offset);
    ph->vaddr = elf_word(c, p + l->p_vaddr);
    ph->paddr = elf_word(c, p + l->p_paddr);
    ph->filesz = elf_word(c, p + l->p_filesz);
    ph->memsz = elf_word(c, p + l->p_memsz);
    ph->align = elf_word(c, p + l->p_align);
    return 0;
}

/* ---- PT_LOAD segments ---------------------------------------------------- */

/*
 * Validate one PT_LOAD program header on its own and record it. Like Xen's
 * libelf (elf_load_binary, elf_xen_addr_calc_check), a segment is loaded at
 * p_paddr + VIRT_BASE - PADDR_OFFSET, not at p_vaddr: Linux links its
 * per-CPU segment at p_vaddr 0 and relies on this. For images linked with
 * consistent addresses (ours, Mini-OS, Linux's other segments) the two agree.
 */
static int elf_add_segment(struct elf_ctx *c, unsigned i, const struct elf_phdr *ph)
{
    struct elf_image *img = c->img;
    struct elf_segment *s;
    uint64_t off = ph->offset, paddr = ph->paddr, filesz = ph->filesz, memsz = ph->memsz;
    uint64_t align = ph->align, va, end, last;

    if (filesz > memsz)
        return domb_error_set(c->err, ELF_ERR_SEG_FILESZ_GT_MEMSZ,
                              "program header %u: p_filesz 0x%llx exceeds p_memsz 0x%llx", i,
                              (unsigned long long)filesz, (unsigned long long)memsz);
    if (!elf_range_ok(off, filesz, c->size))
        return domb_error_set(c->err, ELF_ERR_SEG_FILE_OOB,
                              "program header %u: file bytes at p_offset 0x%llx + p_filesz 0x%llx "
                              "lie outside the %llu-byte image",
                              i, (unsigned long long)off, (unsigned long long)filesz,
                              (unsigned long long)c->size);
    if (memsz == 0)
        return 0; /* loads nothing; ld emits these for empty output sections */
    if (add_overflows_u64(paddr, c->load_shift, &va))
        return domb_error_set(c->err, ELF_ERR_SEG_VADDR_WRAP,
                              "program header %u: p_paddr 0x%llx + VIRT_BASE - PADDR_OFFSET "
                              "(0x%llx) wraps past the top of the address space",
                              i, (unsigned long long)paddr, (unsigned long long)c->load_shift);
    if (add_overflows_u64(va, memsz, &end) || end > 0ULL - PAGE_SIZE)
        return domb_error_set(c->err, ELF_ERR_SEG_VADDR_WRAP,
                              "program header %u: load address 0x%llx + p_memsz 0x%llx wraps past "
                              "the top of the address space",
                              i, (unsigned long long)va, (unsigned long long)memsz);
    /* An ELFCLASS32 image lives in a 32-bit address space: a segment that
     * reaches past 4 GiB wraps there (p_paddr + p_memsz is at most this). */
    if (c->l->word == 4 && end > (1ULL << 32))
        return domb_error_set(c->err, ELF_ERR_SEG_VADDR_WRAP,
                              "program header %u: load address 0x%llx + p_memsz 0x%llx wraps past "
                              "the top of the 32-bit address space",
                              i, (unsigned long long)va, (unsigned long long)memsz);
    last = end - 1;
    if (!elf_is_canonical(va) || !elf_is_canonical(last) ||
        (va < CANONICAL_LOW_END) != (last < CANONICAL_LOW_END))
        return domb_error_set(c->err, ELF_ERR_SEG_NONCANONICAL,
                              "program header %u: [0x%llx, 0x%llx) is not canonical", i,
                              (unsigned long long)va, (unsigned long long)end);
    /* Virtual page 0 is allowed: Xen loads such kernels (GRUB's and
     * Mini-OS's Xen images are linked at 0). */
    if (va < XEN_HOLE_END && end > XEN_HOLE_START)
        return domb_error_set(c->err, ELF_ERR_OVERLAP_RESERVED,
                              "program header %u: [0x%llx, 0x%llx) overlaps Xen's reserved range "
                              "[0x%llx, 0x%llx)",
                              i, (unsigned long long)va, (unsigned long long)end, XEN_HOLE_START,
                              XEN_HOLE_END);
    /* p_align must be 0 or a power of two. The load address need not equal
     * p_offset modulo p_align: the builder copies bytes, it never maps the
     * file, and Xen's libelf does not require it either (GRUB's Xen image
     * has a segment at 0x41e1f0 whose p_offset is 0xfaef). */
    if (align > 1 && (align & (align - 1)) != 0)
        return domb_error_set(c->err, ELF_ERR_SEG_MISALIGNED,
                              "program header %u: p_align 0x%llx is not a power of two", i,
                              (unsigned long long)align);
    if (memsz > ELF_MAX_SPAN)
        return domb_error_set(c->err, ELF_ERR_SEG_HUGE,
                              "program header %u: p_memsz 0x%llx is larger than the 0x%llx bytes "
                              "accepted",
                              i, (unsigned long long)memsz, ELF_MAX_SPAN);
    if (img->nr_segments == ELF_MAX_SEGMENTS)
        return domb_error_set(c->err, ELF_ERR_TOO_MANY_SEGMENTS,
                              "program header %u: more than %u PT_LOAD segments", i,
                              ELF_MAX_SEGMENTS);

    c->seg_phdr[img->nr_segments] = i;
    s = &img->seg[img->nr_segments++];
    s->vaddr = va;
    s->paddr = paddr;
    s->memsz = memsz;
    s->offset = off;
    s->filesz = filesz;
    s->flags = ph->flags;
    return 0;
}

/* Checks across segments: overlap, total span. Fills virt_start/virt_end. */
static int elf_check_segments(struct elf_ctx *c)
{
    struct elf_image *img = c->img;
    uint64_t lo = UINT64_MAX, hi = 0, plo = UINT64_MAX, phi = 0;

    if (img->nr_segments == 0)
        return domb_error_set(c->err, ELF_ERR_NO_LOAD, "no PT_LOAD segment with p_memsz > 0");
    for (unsigned a = 0; a < img->nr_segments; a++) {
        const struct elf_segment *sa = &img->seg[a];

        for (unsigned b = a + 1; b < img->nr_segments; b++) {
            const struct elf_segment *sb = &img->seg[b];

            /* Ends cannot wrap: checked in elf_add_segment(). */
            if (sa->vaddr < sb->vaddr + sb->memsz && sb->vaddr < sa->vaddr + sa->memsz)
                return domb_error_set(c->err, ELF_ERR_SEG_OVERLAP,
                                      "program headers %u and %u overlap in memory ([0x%llx, "
                                      "0x%llx) and [0x%llx, 0x%llx))",
                                      c->seg_phdr[a], c->seg_phdr[b], (unsigned long long)sa->vaddr,
                                      (unsigned long long)(sa->vaddr + sa->memsz),
                                      (unsigned long long)sb->vaddr,
                                      (unsigned long long)(sb->vaddr + sb->memsz));
        }
        if (sa->vaddr < lo)
            lo = sa->vaddr;
        if (sa->vaddr + sa->memsz > hi)
            hi = sa->vaddr + sa->memsz;
        /* p_paddr <= the load address (VIRT_BASE >= PADDR_OFFSET), so
         * p_paddr + p_memsz cannot wrap either. */
        if (sa->paddr < plo)
            plo = sa->paddr;
        if (sa->paddr + sa->memsz > phi)
            phi = sa->paddr + sa->memsz;
    }
    img->virt_start = lo & PAGE_MASK;
    img->virt_end = round_up_page(hi); /* cannot wrap: ends stay below the last page */
    img->phys_start = plo & PAGE_MASK;
    img->phys_end = round_up_page(phi);
    if (img->virt_end - img->virt_start > ELF_MAX_SPAN)
        return domb_error_set(c->err, ELF_ERR_SEG_HUGE,
                              "segments span [0x%llx, 0x%llx), more than the 0x%llx bytes accepted",
                              (unsigned long long)img->virt_start,
                              (unsigned long long)img->virt_end, ELF_MAX_SPAN);
    return 0;
}

/* ---- Xen notes ----------------------------------------------------------- */

/* Where a note region came from, for messages. */
struct elf_note_region {
    const char *kind; /* "program header" or "section" */
    unsigned index;
    uint64_t off, len, align;
};

/*
 * Validate a string note's payload: the bytes up to the first NUL (or the end
 * of the payload: the terminator is not required, as nothing here reads past
 * descsz) must be printable ASCII, everything after that NUL must be NUL
 * padding, and when out != NULL it must fit out (with its terminator).
 * Returns the string's length or the negative error.
 */
static int elf_note_string(struct elf_ctx *c, const char *what, const uint8_t *desc,
                           uint32_t descsz, char *out, size_t outsz, int code)
{
    uint32_t len = 0;

    while (len < descsz && desc[len] != 0) {
        if (!elf_is_printable(desc[len]))
            return domb_error_set(c->err, code, "%s note: byte %u is 0x%02x, not printable ASCII",
                                  what, (unsigned)len, desc[len]);
        len++;
    }
    for (uint32_t i = len; i < descsz; i++)
        if (desc[i] != 0)
            return domb_error_set(c->err, code,
                                  "%s note: byte %u after the string's end is 0x%02x, not NUL "
                                  "padding",
                                  what, (unsigned)i, desc[i]);
    if (out) {
        if (len >= outsz)
            return domb_error_set(c->err, code,
                                  "%s note: string of %u bytes is longer than the %u accepted",
                                  what, (unsigned)len, (unsigned)(outsz - 1));
        if (out[0] != 0 && (strlen(out) != len || memcmp(out, desc, len) != 0))
            return domb_error_set(c->err, ELF_ERR_NOTE_DUPLICATE,
                                  "%s note appears twice with different strings (\"%s\" and "
                                  "\"%.*s\")",
                                  what, out, (int)len, (const char *)desc);
        memcpy(out, desc, len);
        out[len] = '\0';
    }
    return (int)len;
}

/* Parse FEATURES ("name|!name|..."): '!' marks a feature the kernel requires. */
static int elf_parse_features(struct elf_ctx *c, const uint8_t *s, uint32_t len)
{
    uint32_t supported = 0, required = 0, pos = 0;

    while (pos < len) {
        uint32_t start = pos, n;
        bool req = s[pos] == '!';
        unsigned f;

        while (pos < len && s[pos] != '|')
            pos++;
        n = pos - start;
        pos++; /* skip '|' (or step past the end) */
        if (req) {
            start++;
            n--;
        }
        if (n == 0)
            continue; /* "a||b" or a trailing '|': nothing named */
        for (f = 0; f < ARRAY_SIZE(elf_feature_names); f++)
            if (strlen(elf_feature_names[f].name) == n &&
                memcmp(elf_feature_names[f].name, s + start, n) == 0)
                break;
        if (f == ARRAY_SIZE(elf_feature_names)) {
            if (req)
                return domb_error_set(c->err, ELF_ERR_FEATURES,
                                      "FEATURES note requires unknown feature \"%.*s\"", (int)n,
                                      (const char *)s + start);
            continue; /* an unknown optional feature is harmless */
        }
        supported |= 1u << elf_feature_names[f].bit;
        if (req)
            required |= 1u << elf_feature_names[f].bit;
    }
    if ((c->xen_seen & (1u << XEN_ELFNOTE_FEATURES)) &&
        (supported != c->feat_supported || required != c->feat_required))
        return domb_error_set(c->err, ELF_ERR_NOTE_DUPLICATE,
                              "FEATURES note appears twice with different features");
    c->feat_supported = supported;
    c->feat_required = required;
    return 0;
}

static int elf_xen_numeric(struct elf_ctx *c, uint32_t type, const char *what, const uint8_t *desc,
                           uint32_t descsz, uint64_t *val)
{
    if (descsz != 4 && descsz != 8)
        return domb_error_set(c->err, ELF_ERR_NOTE_BAD_SIZE,
                              "%s note has a %u-byte value; 4 or 8 bytes are accepted", what,
                              (unsigned)descsz);
    *val = descsz == 4 ? get_le32(desc) : get_le64(desc);
    if ((c->xen_seen & (1u << type)) && c->num[type] != *val)
        return domb_error_set(c->err, ELF_ERR_NOTE_DUPLICATE,
                              "%s note appears twice with different values (0x%llx and 0x%llx)",
                              what, (unsigned long long)c->num[type], (unsigned long long)*val);
    c->num[type] = *val;
    return 0;
}

/* One note named "Xen". Unknown types are ignored, like Xen does. */
static int elf_xen_note(struct elf_ctx *c, uint32_t type, const uint8_t *desc, uint32_t descsz)
{
    static const char *const names[XEN_ELFNOTE_MAX + 1] = {
        [XEN_ELFNOTE_ENTRY] = "ENTRY",
        [XEN_ELFNOTE_HYPERCALL_PAGE] = "HYPERCALL_PAGE",
        [XEN_ELFNOTE_VIRT_BASE] = "VIRT_BASE",
        [XEN_ELFNOTE_PADDR_OFFSET] = "PADDR_OFFSET",
        [XEN_ELFNOTE_XEN_VERSION] = "XEN_VERSION",
        [XEN_ELFNOTE_GUEST_OS] = "GUEST_OS",
        [XEN_ELFNOTE_GUEST_VERSION] = "GUEST_VERSION",
        [XEN_ELFNOTE_LOADER] = "LOADER",
        [XEN_ELFNOTE_PAE_MODE] = "PAE_MODE",
        [XEN_ELFNOTE_FEATURES] = "FEATURES",
        [XEN_ELFNOTE_SUSPEND_CANCEL] = "SUSPEND_CANCEL",
        [XEN_ELFNOTE_INIT_P2M] = "INIT_P2M",
        [XEN_ELFNOTE_MOD_START_PFN] = "MOD_START_PFN",
        [XEN_ELFNOTE_SUPPORTED_FEATURES] = "SUPPORTED_FEATURES",
        [XEN_ELFNOTE_PHYS32_ENTRY] = "PHYS32_ENTRY",
    };
    struct elf_xen_notes *n = &c->img->notes;
    const char *what;
    uint64_t v = 0;
    int rc = 0, len;

    n->present = true;
    if (type > XEN_ELFNOTE_MAX || !names[type])
        return 0;
    what = names[type];

    switch (type) {
    case XEN_ELFNOTE_GUEST_OS:
        rc = elf_note_string(c, what, desc, descsz, n->guest_os, sizeof(n->guest_os),
                             ELF_ERR_BAD_GUEST_OS);
        break;
    case XEN_ELFNOTE_XEN_VERSION:
        rc = elf_note_string(c, what, desc, descsz, n->xen_version, sizeof(n->xen_version),
                             ELF_ERR_STRING);
        break;
    case XEN_ELFNOTE_GUEST_VERSION:
        rc = elf_note_string(c, what, desc, descsz, n->guest_version, sizeof(n->guest_version),
                             ELF_ERR_STRING);
        break;
    case XEN_ELFNOTE_LOADER:
        rc = elf_note_string(c, what, desc, descsz, n->loader, sizeof(n->loader), ELF_ERR_STRING);
        break;
    case XEN_ELFNOTE_PAE_MODE:
        rc = elf_note_string(c, what, desc, descsz, n->pae_mode, sizeof(n->pae_mode),
                             ELF_ERR_STRING);
        if (rc >= 0 && strcmp(n->pae_mode, "yes") != 0 && strcmp(n->pae_mode, "no") != 0 &&
            strcmp(n->pae_mode, "bimodal") != 0 && strcmp(n->pae_mode, "yes[extended-cr3]") != 0)
            rc = domb_error_set(c->err, ELF_ERR_BAD_PAE_MODE,
                                "PAE_MODE note \"%s\" is not yes, no, bimodal or "
                                "yes[extended-cr3]",
                                n->pae_mode);
        break;
    case XEN_ELFNOTE_FEATURES:
        len = elf_note_string(c, what, desc, descsz, NULL, 0, ELF_ERR_FEATURES);
        rc = len < 0 ? len : elf_parse_features(c, desc, (uint32_t)len);
        break;
    case XEN_ELFNOTE_PHYS32_ENTRY:
        /* ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, .long, entry): a 32-bit
         * physical address (docs/misc/pvh.pandoc); 8 bytes holding one
         * below 4 GiB are accepted too, as libelf reads any numeric size. */
        if (descsz != 4 && descsz != 8)
            rc = domb_error_set(c->err, ELF_ERR_PHYS32_ENTRY,
                                "PHYS32_ENTRY note has a %u-byte value; the 32-bit entry point "
                                "takes 4 bytes (8 accepted)",
                                (unsigned)descsz);
        else
            rc = elf_xen_numeric(c, type, what, desc, descsz, &v);
        if (rc == 0 && v > UINT32_MAX)
            rc = domb_error_set(c->err, ELF_ERR_PHYS32_ENTRY,
                                "PHYS32_ENTRY 0x%llx is not below 4 GiB: the PVH entry runs in "
                                "32-bit protected mode",
                                (unsigned long long)v);
        break;
    default:
        rc = elf_xen_numeric(c, type, what, desc, descsz, &v);
        break;
    }
    if (rc < 0)
        return rc;

    switch (type) {
    case XEN_ELFNOTE_ENTRY:
        n->has_entry = true;
        n->entry = v;
        break;
    case XEN_ELFNOTE_HYPERCALL_PAGE:
        n->has_hypercall_page = true;
        n->hypercall_page = v;
        break;
    case XEN_ELFNOTE_VIRT_BASE:
        n->has_virt_base = true;
        n->virt_base = v;
        break;
    case XEN_ELFNOTE_PADDR_OFFSET:
        n->has_paddr_offset = true;
        n->paddr_offset = v;
        break;
    case XEN_ELFNOTE_INIT_P2M:
        n->has_init_p2m = true;
        n->init_p2m = v;
        break;
    case XEN_ELFNOTE_MOD_START_PFN:
        n->mod_start_pfn = v != 0;
        break;
    case XEN_ELFNOTE_SUSPEND_CANCEL:
        n->suspend_cancel = v != 0;
        break;
    case XEN_ELFNOTE_SUPPORTED_FEATURES:
        c->supported_features = (uint32_t)v; /* submap 0: the first 32 bits */
        break;
    case XEN_ELFNOTE_PHYS32_ENTRY:
        n->has_phys32_entry = true;
        n->phys32_entry = (uint32_t)v;
        break;
    }
    c->xen_seen |= 1u << type;
    return 0;
}

/*
 * Walk the notes of one region [off, off+len) of the image (already checked
 * to lie inside it). Each step advances by at least the 12-byte header and
 * the total number of notes is bounded, so the walk always ends.
 */
static int elf_walk_notes(struct elf_ctx *c, const struct elf_note_region *r)
{
    const uint8_t *base = elf_at(c, r->off, r->len);
    uint64_t pos = 0;

    if (!base)
        return elf_missing(c, r->off, r->len);
    while (pos < r->len) {
        uint64_t left = r->len - pos, desc_at, next;
        uint32_t namesz, descsz, type;

        if (++c->notes_walked > ELF_MAX_NOTES)
            return domb_error_set(c->err, ELF_ERR_NOTE_TOO_MANY,
                                  "%s %u: more than %u notes in the image", r->kind, r->index,
                                  ELF_MAX_NOTES);
        if (left < NOTE_HDR_SIZE)
            return domb_error_set(c->err, ELF_ERR_NOTE_OOB,
                                  "%s %u: note at offset 0x%llx: only %llu bytes left for its "
                                  "12-byte header",
                                  r->kind, r->index, (unsigned long long)pos,
                                  (unsigned long long)left);
        namesz = get_le32(base + pos);
        descsz = get_le32(base + pos + 4);
        type = get_le32(base + pos + 8);
        /* 64-bit sums of 32-bit sizes and an in-image offset cannot wrap. */
        desc_at = (NOTE_HDR_SIZE + (uint64_t)namesz + r->align - 1) & ~(r->align - 1);
        if (desc_at > left)
            return domb_error_set(c->err, ELF_ERR_NOTE_OOB,
                                  "%s %u: note at offset 0x%llx: namesz 0x%x runs past the end "
                                  "(%llu bytes left)",
                                  r->kind, r->index, (unsigned long long)pos, (unsigned)namesz,
                                  (unsigned long long)left);
        if (descsz > left - desc_at)
            return domb_error_set(c->err, ELF_ERR_NOTE_OOB,
                                  "%s %u: note at offset 0x%llx: descsz 0x%x runs past the end "
                                  "(%llu bytes left)",
                                  r->kind, r->index, (unsigned long long)pos, (unsigned)descsz,
                                  (unsigned long long)(left - desc_at));
        if (namesz == 4 && memcmp(base + pos + NOTE_HDR_SIZE, "Xen", 4) == 0) {
            int rc = elf_xen_note(c, type, base + pos + desc_at, descsz);

            if (rc < 0)
                return rc;
        }
        /* The last note's padding may be missing: next may pass len. */
        next = pos + ((desc_at + descsz + r->align - 1) & ~(r->align - 1));
        pos = next;
    }
    return 0;
}

/* Check a note region's placement and alignment, then walk it. */
static int elf_note_region(struct elf_ctx *c, struct elf_note_region *r)
{
    if (!elf_range_ok(r->off, r->len, c->size))
        return domb_error_set(c->err, ELF_ERR_NOTE_OOB,
                              "%s %u: notes at offset 0x%llx + size 0x%llx lie outside the "
                              "%llu-byte image",
                              r->kind, r->index, (unsigned long long)r->off,
                              (unsigned long long)r->len, (unsigned long long)c->size);
    /* Notes are 4-byte aligned; 8 is used by .note.gnu.property (gABI). */
    if (r->align > 8 || (r->align & (r->align - 1)) != 0)
        return domb_error_set(c->err, ELF_ERR_NOTE_BAD_ALIGN,
                              "%s %u: note alignment %llu is not 0, 1, 2, 4 or 8", r->kind,
                              r->index, (unsigned long long)r->align);
    r->align = r->align == 8 ? 8 : 4;
    if (r->off % r->align != 0)
        return domb_error_set(c->err, ELF_ERR_NOTE_BAD_ALIGN,
                              "%s %u: notes at offset 0x%llx are not %llu-byte aligned", r->kind,
                              r->index, (unsigned long long)r->off, (unsigned long long)r->align);
    return elf_walk_notes(c, r);
}

static int elf_walk_all_notes(struct elf_ctx *c)
{
    const struct elf_layout *l = c->l;
    int rc;

    for (unsigned i = 0; i < c->eh.phnum; i++) {
        struct elf_phdr ph;
        struct elf_note_region r;

        if ((rc = elf_read_phdr(c, i, &ph)) != 0)
            return rc;
        r = (struct elf_note_region){"program header", i, ph.offset, ph.filesz, ph.align};
        /* libelf skips PT_NOTE with p_offset 0: some binutils wrote those. */
        if (ph.type != PT_NOTE || r.off == 0 || r.len == 0)
            continue;
        rc = elf_note_region(c, &r);
        if (rc < 0)
            return rc;
    }
    /* The same notes usually appear in a PT_NOTE segment and in its .note
     * sections; walking both is harmless (equal duplicates are accepted) and
     * finds notes in images whose note sections are not in any segment. */
    for (unsigned i = 1; i < c->eh.shnum; i++) {
        uint64_t at = c->eh.shoff + (uint64_t)i * l->shdr_size;
        const uint8_t *sh = elf_at(c, at, l->shdr_size);

        if (!sh)
            return elf_missing(c, at, l->shdr_size);
        struct elf_note_region r = {"section", i, elf_word(c, sh + l->sh_offset),
                                    elf_word(c, sh + l->sh_size),
                                    elf_word(c, sh + l->sh_addralign)};

        if (get_le32(sh + 4) != SHT_NOTE || r.len == 0)
            continue;
        rc = elf_note_region(c, &r);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- semantic checks ----------------------------------------------------- */

/* Xen's elf_xen_note_check(): who the image is for. */
static int elf_check_identity(struct elf_ctx *c)
{
    const struct elf_xen_notes *n = &c->img->notes;

    if (!n->present)
        return domb_error_set(c->err, ELF_ERR_NOT_XEN, "no Xen ELF notes: not a Xen PV kernel");
    /* An ELFCLASS32 kernel can only be a PVH guest (this Xen runs no 32-bit
     * PV guests), and for those Xen's libelf requires just the one note
     * (elf_xen_note_check: "PVH only requires one ELF note to be set"). */
    if (c->l->word == 4 && !n->has_phys32_entry)
        return domb_error_set(c->err, ELF_ERR_NOT_64BIT,
                              "ELFCLASS32 image without a PHYS32_ENTRY note: a 32-bit kernel "
                              "boots only as PVH, and a PV guest must be 64-bit (no PV32 here)");
    if (c->l->word == 4)
        return 0;
    if (n->guest_os[0] == '\0')
        return domb_error_set(c->err, ELF_ERR_BAD_GUEST_OS, "GUEST_OS note missing or empty");
    if (strcmp(n->xen_version, "xen-3.0") != 0)
        return domb_error_set(c->err, ELF_ERR_BAD_XEN_VERSION,
                              "XEN_VERSION note is \"%s\", not \"xen-3.0\"", n->xen_version);
    if ((c->xen_seen & (1u << XEN_ELFNOTE_LOADER)) && strcmp(n->loader, "generic") != 0)
        return domb_error_set(c->err, ELF_ERR_BAD_LOADER, "LOADER note is \"%s\", not \"generic\"",
                              n->loader);
    if (!(c->xen_seen & (1u << XEN_ELFNOTE_LOADER)) && strncmp(n->guest_os, "linux", 5) != 0)
        return domb_error_set(c->err, ELF_ERR_BAD_LOADER,
                              "no LOADER note and GUEST_OS \"%s\" is not linux: only images for "
                              "the generic loader or Linux are loaded",
                              n->guest_os);
    return 0;
}

/* Xen's elf_xen_addr_calc_check(), part 1: VIRT_BASE and PADDR_OFFSET, which
 * decide where segments load. */
static int elf_check_bases(struct elf_ctx *c)
{
    struct elf_xen_notes *n = &c->img->notes;

    if (n->has_paddr_offset && !n->has_virt_base)
        return domb_error_set(c->err, ELF_ERR_PADDR_OFFSET,
                              "PADDR_OFFSET note 0x%llx without a VIRT_BASE note",
                              (unsigned long long)n->paddr_offset);
    /* Defaults as libelf: VIRT_BASE 0; PADDR_OFFSET 0 for note-based images. */
    if (!n->has_virt_base)
        n->virt_base = 0;
    if (!n->has_paddr_offset)
        n->paddr_offset = 0;
    if (!elf_is_canonical(n->virt_base) || (n->virt_base & (PAGE_SIZE - 1)) != 0)
        return domb_error_set(c->err, ELF_ERR_VIRT_BASE,
                              "VIRT_BASE 0x%llx is not a canonical, page-aligned address",
                              (unsigned long long)n->virt_base);
    if (n->paddr_offset > n->virt_base)
        return domb_error_set(
            c->err, ELF_ERR_PADDR_OFFSET, "PADDR_OFFSET 0x%llx is larger than VIRT_BASE 0x%llx",
            (unsigned long long)n->paddr_offset, (unsigned long long)n->virt_base);
    c->load_shift = n->virt_base - n->paddr_offset;
    c->img->virt_base = n->virt_base;
    return 0;
}

/* Part 2, once the segments are known: the image starts at or above VIRT_BASE
 * (pseudo-physical frame 0 is mapped at VIRT_BASE). */
static int elf_check_virt_base(struct elf_ctx *c)
{
    const struct elf_image *img = c->img;

    if (img->virt_base > img->virt_start)
        return domb_error_set(
            c->err, ELF_ERR_VIRT_BASE, "VIRT_BASE 0x%llx is above the lowest segment 0x%llx",
            (unsigned long long)img->virt_base, (unsigned long long)img->virt_start);
    return 0;
}

/* Index of the segment whose [vaddr, vaddr+limit) holds va, limit being
 * filesz or memsz; -1 if none. */
static int elf_find_segment(const struct elf_image *img, uint64_t va, bool file_bytes)
{
    for (unsigned i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *s = &img->seg[i];

        if (va >= s->vaddr && va - s->vaddr < (file_bytes ? s->filesz : s->memsz))
            return (int)i;
    }
    return -1;
}

static int elf_check_entry(struct elf_ctx *c)
{
    struct elf_image *img = c->img;
    uint64_t entry = img->notes.has_entry ? img->notes.entry : c->eh.entry;
    const char *src = img->notes.has_entry ? "ENTRY note" : "e_entry";
    int s = elf_find_segment(img, entry, true);

    if (s < 0)
        return domb_error_set(c->err, ELF_ERR_ENTRY_OUTSIDE,
                              "%s 0x%llx is not inside any segment's file bytes", src,
                              (unsigned long long)entry);
    if (!(img->seg[s].flags & PF_X))
        return domb_error_set(c->err, ELF_ERR_ENTRY_OUTSIDE,
                              "%s 0x%llx is in program header %u, which is not executable", src,
                              (unsigned long long)entry, c->seg_phdr[s]);
    img->entry = entry;
    return 0;
}

static int elf_check_hypercall_page(struct elf_ctx *c)
{
    const struct elf_image *img = c->img;
    uint64_t hc = img->notes.hypercall_page;

    if (!img->notes.has_hypercall_page)
        return 0;
    if ((hc & (PAGE_SIZE - 1)) != 0)
        return domb_error_set(c->err, ELF_ERR_HYPERCALL_PAGE,
                              "HYPERCALL_PAGE 0x%llx is not page-aligned", (unsigned long long)hc);
    /* virt_end is page-aligned, so hc < virt_end means the page is inside. */
    if (hc < img->virt_start || hc >= img->virt_end || elf_find_segment(img, hc, false) < 0)
        return domb_error_set(c->err, ELF_ERR_HYPERCALL_PAGE,
                              "HYPERCALL_PAGE 0x%llx is not in a loaded segment of [0x%llx, "
                              "0x%llx)",
                              (unsigned long long)hc, (unsigned long long)img->virt_start,
                              (unsigned long long)img->virt_end);
    return 0;
}

static int elf_check_init_p2m(struct elf_ctx *c)
{
    const struct elf_image *img = c->img;
    uint64_t p2m = img->notes.init_p2m;

    if (!img->notes.has_init_p2m)
        return 0;
    if (!elf_is_canonical(p2m) || (p2m & (PAGE_SIZE - 1)) != 0 || p2m < PAGE_SIZE ||
        (p2m >= XEN_HOLE_START && p2m < XEN_HOLE_END))
        return domb_error_set(c->err, ELF_ERR_INIT_P2M,
                              "INIT_P2M 0x%llx is not a canonical, page-aligned guest address",
                              (unsigned long long)p2m);
    if (p2m >= img->virt_start && p2m < img->virt_end)
        return domb_error_set(c->err, ELF_ERR_INIT_P2M,
                              "INIT_P2M 0x%llx is inside the image [0x%llx, 0x%llx)",
                              (unsigned long long)p2m, (unsigned long long)img->virt_start,
                              (unsigned long long)img->virt_end);
    return 0;
}

/*
 * A PVH-capable image (PHYS32_ENTRY): it is loaded at p_paddr and entered in
 * 32-bit protected mode without paging, so every segment must lie below
 * 4 GiB and the entry must be in the file bytes of an executable segment,
 * by physical address. (Physical overlaps are the virtual ones: the load
 * address is p_paddr plus one constant.)
 */
static int elf_check_phys32(struct elf_ctx *c)
{
    const struct elf_image *img = c->img;
    uint32_t entry = img->notes.phys32_entry;

    if (!img->notes.has_phys32_entry)
        return 0;
    for (unsigned i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *s = &img->seg[i];

        if (s->paddr + s->memsz > (1ULL << 32))
            return domb_error_set(c->err, ELF_ERR_PHYS_RANGE,
                                  "program header %u: physical range [0x%llx, 0x%llx) of a PVH "
                                  "image reaches past 4 GiB",
                                  c->seg_phdr[i], (unsigned long long)s->paddr,
                                  (unsigned long long)(s->paddr + s->memsz));
    }
    for (unsigned i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *s = &img->seg[i];

        if (entry >= s->paddr && entry - s->paddr < s->filesz) {
            if (!(s->flags & PF_X))
                return domb_error_set(c->err, ELF_ERR_PHYS32_OUTSIDE,
                                      "PHYS32_ENTRY 0x%x is in program header %u, which is not "
                                      "executable",
                                      (unsigned)entry, c->seg_phdr[i]);
            return 0;
        }
    }
    return domb_error_set(c->err, ELF_ERR_PHYS32_OUTSIDE,
                          "PHYS32_ENTRY 0x%x is not inside any segment's file bytes (physical "
                          "range [0x%llx, 0x%llx))",
                          (unsigned)entry, (unsigned long long)img->phys_start,
                          (unsigned long long)img->phys_end);
}

/* ---- API ----------------------------------------------------------------- */

int elf_parse_pieces(struct elf_image *img, uint64_t size, const struct elf_piece *pieces,
                     unsigned nr_pieces, struct domb_error *err)
{
    struct elf_ctx c = {
        .pieces = pieces, .nr_pieces = nr_pieces, .size = size, .img = img, .err = err};
    int rc;

    memset(img, 0, sizeof(*img));
    domb_error_clear(err);
    rc = elf_check_header(&c);
    if (rc == 0)
        rc = elf_walk_all_notes(&c);
    if (rc == 0)
        rc = elf_check_identity(&c);
    if (rc == 0)
        rc = elf_check_bases(&c);
    for (unsigned i = 0; rc == 0 && i < c.eh.phnum; i++) {
        struct elf_phdr ph;

        rc = elf_read_phdr(&c, i, &ph);
        if (rc == 0 && ph.type == PT_LOAD)
            rc = elf_add_segment(&c, i, &ph);
    }
    if (rc == 0)
        rc = elf_check_segments(&c);
    if (rc == 0)
        rc = elf_check_virt_base(&c);
    if (rc == 0)
        rc = elf_check_entry(&c);
    if (rc == 0)
        rc = elf_check_hypercall_page(&c);
    if (rc == 0)
        rc = elf_check_init_p2m(&c);
    if (rc == 0)
        rc = elf_check_phys32(&c);
    if (rc < 0) {
        memset(img, 0, sizeof(*img));
        return rc;
    }
    img->notes.features_supported = c.feat_supported | c.supported_features;
    img->notes.features_required = c.feat_required;
    img->elf32 = c.l->word == 4;
    img->size = size;
    return 0;
}

int elf_parse(struct elf_image *img, const void *data, uint64_t size, struct domb_error *err)
{
    struct elf_piece whole = {.off = 0, .len = size, .data = data};
    int rc = elf_parse_pieces(img, size, &whole, 1, err);

    if (rc == 0)
        img->data = data;
    return rc;
}

/*
 * Where a streamed kernel's segments go, from its first bytes: the header
 * checks of elf_parse() (rows 1-14, against the size the producer declares,
 * which it checks at the end; unknown: 0), then every
 * PT_LOAD checked as elf_parse() does (rows 31-42), at the load addresses
 * the notes most likely give (p_vaddr - p_paddr of the first segment as
 * VIRT_BASE, PADDR_OFFSET 0: Linux's notes, and ours; for p_paddr in the
 * high half, PADDR_OFFSET = VIRT_BASE at its 1 GiB boundary). Nothing is known
 * about the notes yet; elf_parse_from() parses the whole image once it has
 * been written, and the builder compares the two.
 */
int elf_parse_layout(struct elf_image *img, const void *prefix, uint64_t prefix_len, uint64_t size,
                     struct domb_error *err)
{
    struct elf_piece piece = {.off = 0, .len = prefix_len, .data = prefix};
    struct elf_ctx c = {
        .pieces = &piece, .nr_pieces = 1, .size = size ? size : UINT64_MAX, .img = img, .err = err};
    uint64_t shift = 0, vb = 0;
    struct domb_error first_err = {0};
    bool guessed = false;
    int rc, first_rc = 0;

    memset(img, 0, sizeof(*img));
    domb_error_clear(err);
    if (size && prefix_len > size)
        prefix_len = piece.len = size;
    if (prefix_len < EHDR32_SIZE && (!size || size > prefix_len))
        return domb_error_set(err, -XEN_E2BIG,
                              "the first %llu bytes are shorter than an ELF header",
                              (unsigned long long)prefix_len);
    rc = elf_check_header(&c);
    if (rc)
        goto out;
    if (!elf_range_ok(c.eh.phoff, (uint64_t)c.eh.phnum * c.l->phdr_size, prefix_len)) {
        rc = domb_error_set(err, -XEN_E2BIG,
                            "program header table at e_phoff 0x%llx (%u entries) lies beyond the "
                            "first %llu bytes, which a streamed kernel is placed by",
                            (unsigned long long)c.eh.phoff, c.eh.phnum,
                            (unsigned long long)prefix_len);
        goto out;
    }
    /* The guess: the first loadable segment's p_vaddr - p_paddr. */
    for (unsigned i = 0; rc == 0 && !guessed && i < c.eh.phnum; i++) {
        struct elf_phdr ph;

        rc = elf_read_phdr(&c, i, &ph);
        if (rc || ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        guessed = true;
        if (ph.paddr >= CANONICAL_HIGH_BASE) {
            /* p_paddr = p_vaddr in the high half: PADDR_OFFSET must be
             * VIRT_BASE, somewhere below; guess the 1 GiB boundary. */
            vb = ph.paddr & ~((1ULL << 30) - 1);
        } else if (elf_is_canonical(ph.vaddr - ph.paddr) &&
                   ((ph.vaddr - ph.paddr) & (PAGE_SIZE - 1)) == 0) {
            shift = vb = ph.vaddr - ph.paddr;
        }
    }
    /* Every guess places the segments alike (frame p_paddr - PADDR_OFFSET,
     * PADDR_OFFSET guessed 0 or VIRT_BASE); only the address checks differ.
     * A guess that makes them fail (p_vaddr unrelated to the notes) gives
     * way to load addresses = p_paddr, as without any note. */
    for (int attempt = 0; rc == 0 && attempt < 2; attempt++) {
        c.load_shift = attempt ? 0 : shift;
        img->virt_base = img->notes.virt_base = attempt ? 0 : vb;
        img->nr_segments = 0;
        for (unsigned i = 0; rc == 0 && i < c.eh.phnum; i++) {
            struct elf_phdr ph;

            rc = elf_read_phdr(&c, i, &ph);
            if (rc == 0 && ph.type == PT_LOAD)
                rc = elf_add_segment(&c, i, &ph);
        }
        if (rc == 0)
            rc = elf_check_segments(&c);
        if (attempt && rc) {
            /* the guess's refusal is the one elf_parse() most likely gives */
            rc = first_rc;
            if (err)
                *err = first_err;
        }
        if (rc == 0 || attempt || (shift == 0 && vb == 0) ||
            (rc != ELF_ERR_SEG_VADDR_WRAP && rc != ELF_ERR_SEG_NONCANONICAL &&
             rc != ELF_ERR_OVERLAP_RESERVED))
            break;
        first_rc = rc;
        if (err)
            first_err = *err;
        domb_error_clear(err);
        rc = 0;
    }
out:
    if (rc < 0) {
        memset(img, 0, sizeof(*img));
        return rc;
    }
    img->elf32 = c.l->word == 4;
    img->entry = c.eh.entry;
    return 0;
}

/* One more range for elf_parse_from(), unless the same is there already. */
static int elf_gather(struct elf_piece *pieces, unsigned *n, unsigned max, uint64_t off,
                      uint64_t len, uint64_t size, uint64_t *bytes)
{
    if (len == 0 || !elf_range_ok(off, len, size))
        return 0; /* elf_parse() refuses it before reading it */
    for (unsigned i = 0; i < *n; i++)
        if (pieces[i].off == off && pieces[i].len == len)
            return 0;
    if (*n == max)
        return -1;
    pieces[(*n)++] = (struct elf_piece){.off = off, .len = len};
    *bytes += len;
    return 0;
}

int elf_parse_from(struct elf_image *img, uint64_t size, elf_read_fn read, void *ctx, void *scratch,
                   size_t scratch_size, struct domb_error *err)
{
    enum { MAX_PIECES = 3 + ELF_MAX_PHDRS + ELF_MAX_SHDRS };
    struct elf_piece *pieces = scratch;
    size_t table = MAX_PIECES * sizeof(*pieces);
    uint8_t *bytes = (uint8_t *)scratch + table, hdr[64];
    uint64_t total = 0, used = 0;
    unsigned n = 0;
    int rc;

    memset(img, 0, sizeof(*img));
    if (scratch_size < table + sizeof(hdr))
        return domb_error_set(err, -XEN_EINVAL, "%zu bytes of scratch are too few to parse an ELF",
                              scratch_size);
    /* The header, then what it names: the program and section header
     * tables and every PT_NOTE and SHT_NOTE region, each one piece. */
    elf_gather(pieces, &n, MAX_PIECES, 0, size < sizeof(hdr) ? size : sizeof(hdr), size, &total);
    if (n && (rc = read(ctx, 0, hdr, pieces[0].len)) != 0)
        return rc;
    if (n && pieces[0].len >= EHDR32_SIZE && hdr[EI_DATA] == ELFDATA2LSB &&
        (hdr[EI_CLASS] == ELFCLASS64 || hdr[EI_CLASS] == ELFCLASS32)) {
        const struct elf_layout *l = hdr[EI_CLASS] == ELFCLASS64 ? &elf_layout64 : &elf_layout32;
        struct elf_ctx c = {.l = l, .pieces = pieces};
        unsigned phnum = get_le16(hdr + l->e_phnum), shnum = get_le16(hdr + l->e_shnum);
        uint64_t phoff = elf_word(&c, hdr + l->e_phoff), shoff = elf_word(&c, hdr + l->e_shoff);
        const uint8_t *ph = NULL, *sh = NULL;

        if (pieces[0].len < l->ehdr_size)
            goto parse;
        if (phnum > ELF_MAX_PHDRS || get_le16(hdr + l->e_phentsize) != l->phdr_size)
            phnum = 0;
        if (shnum > ELF_MAX_SHDRS || get_le16(hdr + l->e_shentsize) != l->shdr_size)
            shnum = 0;
        elf_gather(pieces, &n, MAX_PIECES, phoff, (uint64_t)phnum * l->phdr_size, size, &total);
        elf_gather(pieces, &n, MAX_PIECES, shoff, (uint64_t)shnum * l->shdr_size, size, &total);
        if (total > scratch_size - table)
            goto too_big;
        /* read the tables now: the note regions are found in them */
        memcpy(bytes, hdr, pieces[0].len);
        pieces[0].data = bytes;
        used = pieces[0].len;
        for (unsigned i = 1; i < n; i++) {
            pieces[i].data = bytes + used;
            if ((rc = read(ctx, pieces[i].off, bytes + used, pieces[i].len)) != 0)
                return rc;
            used += pieces[i].len;
        }
        c.nr_pieces = n;
        if (phnum && elf_range_ok(phoff, (uint64_t)phnum * l->phdr_size, size))
            ph = elf_at(&c, phoff, (uint64_t)phnum * l->phdr_size);
        if (shnum && elf_range_ok(shoff, (uint64_t)shnum * l->shdr_size, size))
            sh = elf_at(&c, shoff, (uint64_t)shnum * l->shdr_size);
        if (ph) {
            for (unsigned i = 0; i < phnum; i++) {
                const uint8_t *p = ph + (uint64_t)i * l->phdr_size;

                if (get_le32(p) == PT_NOTE && elf_word(&c, p + l->p_offset) != 0 &&
                    elf_gather(pieces, &n, MAX_PIECES, elf_word(&c, p + l->p_offset),
                               elf_word(&c, p + l->p_filesz), size, &total))
                    goto too_big;
            }
        }
        if (sh) {
            for (unsigned i = 1; i < shnum; i++) {
                const uint8_t *q = sh + (uint64_t)i * l->shdr_size;

                if (get_le32(q + 4) == SHT_NOTE &&
                    elf_gather(pieces, &n, MAX_PIECES, elf_word(&c, q + l->sh_offset),
                               elf_word(&c, q + l->sh_size), size, &total))
                    goto too_big;
            }
        }
        if (total > scratch_size - table)
            goto too_big;
    }
parse:
    if (n && !pieces[0].data) {
        memcpy(bytes, hdr, pieces[0].len);
        pieces[0].data = bytes;
        used = pieces[0].len;
    }
    for (unsigned i = 1; i < n; i++) {
        if (pieces[i].data)
            continue;
        pieces[i].data = bytes + used;
        if ((rc = read(ctx, pieces[i].off, bytes + used, pieces[i].len)) != 0)
            return rc;
        used += pieces[i].len;
    }
    return elf_parse_pieces(img, size, pieces, n, err);

too_big:
    return domb_error_set(err, -XEN_E2BIG,
                          "the image's headers and notes (more than %llu bytes) are more than "
                          "the %zu a streamed kernel may have",
                          (unsigned long long)total, scratch_size - table);
}

int elf_check_pv(const struct elf_image *img, struct domb_error *err)
{
    if (img->elf32)
        return domb_error_set(err, ELF_ERR_NOT_64BIT,
                              "the kernel is a 32-bit (ELFCLASS32) image: a PV guest must be a "
                              "64-bit kernel, as this Xen runs no 32-bit PV guests; boot it as "
                              "PVH");
    return 0;
}

int elf_check_fits(const struct elf_image *img, uint64_t nr_pages, uint64_t reserved_pages,
                   struct domb_error *err)
{
    /* The guest's pseudo-physical memory starts at VIRT_BASE: frame p is
     * mapped at VIRT_BASE + p * 4K, so everything from VIRT_BASE to the end
     * of the image is used, not just the segments. */
    uint64_t image_pages = (img->virt_end - img->virt_base) >> PAGE_SHIFT, need;

    if (add_overflows_u64(image_pages, reserved_pages, &need) || need > nr_pages)
        return domb_error_set(err, ELF_ERR_TOO_BIG_FOR_DOMAIN,
                              "image needs %llu pages from VIRT_BASE to its end plus %llu "
                              "reserved pages, but the domain has %llu pages",
                              (unsigned long long)image_pages, (unsigned long long)reserved_pages,
                              (unsigned long long)nr_pages);
    return 0;
}

int elf_check_pvh(const struct elf_image *img, uint64_t ram_end, uint64_t hole_start,
                  struct domb_error *err)
{
    if (!img->notes.has_phys32_entry)
        return domb_error_set(err, ELF_ERR_NOT_PVH,
                              "no PHYS32_ENTRY note: the kernel cannot boot as a PVH guest");
    return elf_check_pvh_placement(img, ram_end, hole_start, err);
}

int elf_check_pvh_placement(const struct elf_image *img, uint64_t ram_end, uint64_t hole_start,
                            struct domb_error *err)
{
    for (unsigned i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t end = s->paddr + s->memsz; /* checked not to wrap in elf_parse() */

        if (s->paddr < (1ULL << 32) && end > hole_start)
            return domb_error_set(err, ELF_ERR_PHYS_RESERVED,
                                  "segment %u at physical [0x%llx, 0x%llx) is in the hole from "
                                  "0x%llx to 4 GiB (ACPI, LAPIC, special pages)",
                                  i, (unsigned long long)s->paddr, (unsigned long long)end,
                                  (unsigned long long)hole_start);
        if (end > ram_end)
            return domb_error_set(err, ELF_ERR_TOO_BIG_FOR_DOMAIN,
                                  "segment %u at physical [0x%llx, 0x%llx) lies beyond the "
                                  "guest's 0x%llx bytes of RAM below 4 GiB",
                                  i, (unsigned long long)s->paddr, (unsigned long long)end,
                                  (unsigned long long)ram_end);
    }
    return 0;
}

/* The bytes of [at, at + len) in the space where segment s lives at `base`
 * (its load address or its p_paddr). */
static int elf_copy_range(const struct elf_image *img, bool phys, uint64_t at, void *dst,
                          uint64_t len)
{
    uint8_t *out = dst;
    uint64_t end, lo_lim = phys ? img->phys_start : img->virt_start,
                  hi_lim = phys ? img->phys_end : img->virt_end;

    if (add_overflows_u64(at, len, &end) || at < lo_lim || end > hi_lim ||
        img->nr_segments > ELF_MAX_SEGMENTS || (len && !img->data))
        return -XEN_EINVAL;
    if (len == 0)
        return 0;
    memset(out, 0, len);
    for (unsigned i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t base = phys ? s->paddr : s->vaddr;
        uint64_t lo = at > base ? at : base;
        uint64_t hi = end < base + s->filesz ? end : base + s->filesz;

        if (lo < hi)
            memcpy(out + (lo - at), img->data + s->offset + (lo - base), hi - lo);
    }
    return 0;
}

int elf_copy_out(const struct elf_image *img, uint64_t va, void *dst, uint64_t len)
{
    return elf_copy_range(img, false, va, dst, len);
}

int elf_copy_out_phys(const struct elf_image *img, uint64_t paddr, void *dst, uint64_t len)
{
    return elf_copy_range(img, true, paddr, dst, len);
}

/* Zero what of [at, at + len) no segment has file bytes for; leave the rest. */
static int elf_zero_range(const struct elf_image *img, bool phys, uint64_t at, void *dst,
                          uint64_t len)
{
    uint8_t *out = dst;
    uint64_t end, lo_lim = phys ? img->phys_start : img->virt_start,
                  hi_lim = phys ? img->phys_end : img->virt_end;

    if (add_overflows_u64(at, len, &end) || at < lo_lim || end > hi_lim ||
        img->nr_segments > ELF_MAX_SEGMENTS)
        return -XEN_EINVAL;
    for (uint64_t p = at; p < end;) {
        uint64_t next = end; /* where the next file bytes begin */
        bool inside = false;

        for (unsigned i = 0; i < img->nr_segments; i++) {
            const struct elf_segment *s = &img->seg[i];
            uint64_t base = phys ? s->paddr : s->vaddr;

            if (p >= base && p - base < s->filesz) {
                p = base + s->filesz < end ? base + s->filesz : end;
                inside = true;
                break;
            }
            if (base > p && base < next)
                next = base;
        }
        if (inside)
            continue;
        memset(out + (p - at), 0, next - p);
        p = next;
    }
    return 0;
}

int elf_zero_gaps(const struct elf_image *img, uint64_t va, void *dst, uint64_t len)
{
    return elf_zero_range(img, false, va, dst, len);
}

int elf_zero_gaps_phys(const struct elf_image *img, uint64_t paddr, void *dst, uint64_t len)
{
    return elf_zero_range(img, true, paddr, dst, len);
}

const char *elf_error_name(int code)
{
    static const char *const names[] = {
        "ELF_ERR_TOO_SMALL",
        "ELF_ERR_BAD_MAGIC",
        "ELF_ERR_NOT_64BIT",
        "ELF_ERR_NOT_LITTLE_ENDIAN",
        "ELF_ERR_BAD_VERSION",
        "ELF_ERR_NOT_X86_64",
        "ELF_ERR_NOT_EXEC",
        "ELF_ERR_BAD_EHSIZE",
        "ELF_ERR_BAD_PHENTSIZE",
        "ELF_ERR_TOO_MANY_PHDRS",
        "ELF_ERR_PHDR_OOB",
        "ELF_ERR_BAD_SHENTSIZE",
        "ELF_ERR_TOO_MANY_SHDRS",
        "ELF_ERR_SHDR_OOB",
        "ELF_ERR_NO_LOAD",
        "ELF_ERR_TOO_MANY_SEGMENTS",
        "ELF_ERR_SEG_FILESZ_GT_MEMSZ",
        "ELF_ERR_SEG_FILE_OOB",
        "ELF_ERR_SEG_VADDR_WRAP",
        "ELF_ERR_SEG_NONCANONICAL",
        "ELF_ERR_SEG_OVERLAP",
        "ELF_ERR_SEG_MISALIGNED",
        "ELF_ERR_SEG_HUGE",
        "ELF_ERR_NOTE_OOB",
        "ELF_ERR_NOTE_BAD_ALIGN",
        "ELF_ERR_NOTE_BAD_SIZE",
        "ELF_ERR_NOTE_TOO_MANY",
        "ELF_ERR_NOTE_DUPLICATE",
        "ELF_ERR_NOT_XEN",
        "ELF_ERR_BAD_GUEST_OS",
        "ELF_ERR_BAD_XEN_VERSION",
        "ELF_ERR_BAD_LOADER",
        "ELF_ERR_BAD_PAE_MODE",
        "ELF_ERR_VIRT_BASE",
        "ELF_ERR_PADDR_OFFSET",
        "ELF_ERR_ENTRY_OUTSIDE",
        "ELF_ERR_HYPERCALL_PAGE",
        "ELF_ERR_INIT_P2M",
        "ELF_ERR_FEATURES",
        "ELF_ERR_STRING",
        "ELF_ERR_OVERLAP_RESERVED",
        "ELF_ERR_TOO_BIG_FOR_DOMAIN",
        "ELF_ERR_PHYS32_ENTRY",
        "ELF_ERR_PHYS32_OUTSIDE",
        "ELF_ERR_PHYS_RANGE",
        "ELF_ERR_NOT_PVH",
        "ELF_ERR_PHYS_RESERVED",
    };
    _Static_assert(ARRAY_SIZE(names) == ELF_ERR_COUNT_END - ELF_ERR_TOO_SMALL,
                   "elf_error_name() table out of step with enum elf_error");

    if (code == ELF_OK)
        return "ELF_OK";
    if (code < ELF_ERR_TOO_SMALL || code >= ELF_ERR_COUNT_END)
        return "ELF_ERR_UNKNOWN";
    return names[code - ELF_ERR_TOO_SMALL];
}
