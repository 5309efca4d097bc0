/*
 * ELF loader for PV64 and PVH guest kernels.
 *
 * The image is hostile until proven otherwise (Xen's XSA-55 is the catalogue
 * of what goes wrong): elf_parse() checks every offset, size and count with
 * overflow-safe unsigned arithmetic before anything else reads it, and
 * rejects the image with a distinct elf_error code plus a sentence when a
 * check fails. After a successful parse, struct elf_image describes the
 * loadable segments and Xen notes and elf_copy_out() may be used freely.
 *
 * A kernel that can also boot as PVH carries XEN_ELFNOTE_PHYS32_ENTRY: the
 * 32-bit physical entry point of Xen's PVH boot ABI (docs/misc/pvh.pandoc).
 * Such a kernel is loaded at its physical addresses (p_paddr, as libelf does
 * for an HVM container); elf_parse() checks the note and the physical
 * placement that does not depend on the domain, elf_check_pvh() the rest
 * once the guest's memory is known.
 *
 * The parser never writes to the image and never allocates.
 */
#ifndef BUILDER_ELF_H
#define BUILDER_ELF_H

#include <domb/error.h>
#include <domb/types.h>

#define ELF_MAX_SEGMENTS 16  /* PT_LOAD segments accepted */
#define ELF_MAX_PHDRS    64  /* program headers accepted */
#define ELF_MAX_SHDRS    256 /* section headers walked for .note sections */
#define ELF_NOTE_STR_MAX 32  /* longest string note kept (GUEST_OS, ...) */

/* Every reason elf_parse() can reject an image. elf_error_name() gives a
 * stable identifier ("ELF_ERR_PHDR_OOB") and the domb_error message says what
 * exactly was wrong. Values are negative so they can be returned directly. */
enum elf_error {
    ELF_OK = 0,
    ELF_ERR_TOO_SMALL = -1000,   /* shorter than an ELF header */
    ELF_ERR_BAD_MAGIC,           /* not \x7fELF */
    ELF_ERR_NOT_64BIT,           /* EI_CLASS neither ELFCLASS64 nor ELFCLASS32; an ELFCLASS32
                                  * image without PHYS32_ENTRY; elf_check_pv(): 32-bit image */
    ELF_ERR_NOT_LITTLE_ENDIAN,   /* EI_DATA != ELFDATA2LSB */
    ELF_ERR_BAD_VERSION,         /* EI_VERSION / e_version != 1 */
    ELF_ERR_NOT_X86_64,          /* e_machine != EM_X86_64 (EM_386 for ELFCLASS32) */
    ELF_ERR_NOT_EXEC,            /* e_type != ET_EXEC */
    ELF_ERR_BAD_EHSIZE,          /* e_ehsize wrong */
    ELF_ERR_BAD_PHENTSIZE,       /* e_phentsize != sizeof(Elf64_Phdr) (Elf32_Phdr) */
    ELF_ERR_TOO_MANY_PHDRS,      /* e_phnum == 0 or > ELF_MAX_PHDRS */
    ELF_ERR_PHDR_OOB,            /* program header table outside the image */
    ELF_ERR_BAD_SHENTSIZE,       /* e_shentsize wrong while e_shnum != 0 */
    ELF_ERR_TOO_MANY_SHDRS,      /* e_shnum > ELF_MAX_SHDRS */
    ELF_ERR_SHDR_OOB,            /* section header table outside the image */
    ELF_ERR_NO_LOAD,             /* no PT_LOAD segment */
    ELF_ERR_TOO_MANY_SEGMENTS,   /* more than ELF_MAX_SEGMENTS PT_LOAD */
    ELF_ERR_SEG_FILESZ_GT_MEMSZ, /* p_filesz > p_memsz */
    ELF_ERR_SEG_FILE_OOB,        /* p_offset + p_filesz beyond the image (or wraps) */
    ELF_ERR_SEG_VADDR_WRAP,      /* load address + p_memsz wraps (past 4 GiB for ELFCLASS32) */
    ELF_ERR_SEG_NONCANONICAL,    /* segment not in canonical address space */
    ELF_ERR_SEG_OVERLAP,         /* two PT_LOAD segments overlap in memory */
    ELF_ERR_SEG_MISALIGNED,      /* p_vaddr and p_offset disagree mod page size */
    ELF_ERR_SEG_HUGE,            /* memory span larger than ELF_MAX_SPAN */
    ELF_ERR_NOTE_OOB,            /* a note header or its payload leaves its segment/section */
    ELF_ERR_NOTE_BAD_ALIGN,      /* note section/segment misaligned or p_align unusable */
    ELF_ERR_NOTE_BAD_SIZE,       /* a numeric Xen note whose descsz is not 4 or 8 */
    ELF_ERR_NOTE_TOO_MANY,       /* more notes than any sane image has */
    ELF_ERR_NOTE_DUPLICATE,      /* the same Xen note twice with different values */
    ELF_ERR_NOT_XEN,             /* no Xen notes at all (not a PV kernel) */
    ELF_ERR_BAD_GUEST_OS,        /* GUEST_OS missing or not printable */
    ELF_ERR_BAD_XEN_VERSION,     /* XEN_VERSION not "xen-3.0" */
    ELF_ERR_BAD_LOADER,          /* LOADER present and not "generic" */
    ELF_ERR_BAD_PAE_MODE,        /* PAE_MODE present with an unknown value */
    ELF_ERR_VIRT_BASE,           /* VIRT_BASE above the lowest segment or invalid */
    ELF_ERR_PADDR_OFFSET,        /* PADDR_OFFSET larger than VIRT_BASE */
    ELF_ERR_ENTRY_OUTSIDE,       /* entry point not inside an executable loaded byte */
    ELF_ERR_HYPERCALL_PAGE,      /* hypercall page not a page-aligned, loaded, in-image page */
    ELF_ERR_INIT_P2M,            /* INIT_P2M address non-canonical or overlaps the image */
    ELF_ERR_FEATURES,            /* FEATURES string malformed / unknown feature */
    ELF_ERR_STRING,              /* a string note with bytes after NUL or not printable */
    ELF_ERR_OVERLAP_RESERVED,    /* image overlaps Xen's reserved hole or low page */
    ELF_ERR_TOO_BIG_FOR_DOMAIN,  /* elf_check_fits(): image needs more memory than the domain has
                                  * (elf_check_pvh(): physical range beyond the guest's RAM) */
    ELF_ERR_PHYS32_ENTRY,        /* PHYS32_ENTRY note not a 4-byte (or 8-byte) value below 4 GiB */
    ELF_ERR_PHYS32_OUTSIDE,      /* PHYS32_ENTRY not inside an executable segment's file bytes */
    ELF_ERR_PHYS_RANGE,          /* PVH image: a segment's physical range reaches past 4 GiB */
    ELF_ERR_NOT_PVH,             /* elf_check_pvh(): no PHYS32_ENTRY note (not a PVH kernel) */
    ELF_ERR_PHYS_RESERVED,       /* elf_check_pvh(): physical range in the hole below 4 GiB
                                  * (ACPI tables, LAPIC, HVM special pages) */
    ELF_ERR_COUNT_END,
};

/* One PT_LOAD segment, validated. */
struct elf_segment {
    uint64_t vaddr;  /* load address: p_paddr + VIRT_BASE - PADDR_OFFSET (as libelf) */
    uint64_t paddr;  /* p_paddr: where a PVH build loads it */
    uint64_t memsz;  /* p_memsz (>= filesz) */
    uint64_t offset; /* p_offset within the image */
    uint64_t filesz; /* p_filesz */
    uint32_t flags;  /* PF_R|PF_W|PF_X */
};

/* The Xen notes (from PT_NOTE segments and SHT_NOTE sections), validated. */
struct elf_xen_notes {
    bool present; /* at least one Xen note was found */
    bool has_entry, has_hypercall_page, has_virt_base, has_paddr_offset, has_init_p2m;
    bool has_phys32_entry;       /* XEN_ELFNOTE_PHYS32_ENTRY: the image can boot as PVH */
    uint32_t phys32_entry;       /* its 32-bit physical entry point */
    uint64_t entry;              /* XEN_ELFNOTE_ENTRY */
    uint64_t hypercall_page;     /* XEN_ELFNOTE_HYPERCALL_PAGE (virtual) */
    uint64_t virt_base;          /* XEN_ELFNOTE_VIRT_BASE (0 if absent) */
    uint64_t paddr_offset;       /* XEN_ELFNOTE_PADDR_OFFSET (0 if absent) */
    uint64_t init_p2m;           /* XEN_ELFNOTE_INIT_P2M: where the guest wants its p2m mapped */
    bool mod_start_pfn;          /* XEN_ELFNOTE_MOD_START_PFN nonzero */
    bool suspend_cancel;         /* XEN_ELFNOTE_SUSPEND_CANCEL nonzero */
    uint32_t features_supported; /* XENFEAT_* bits from FEATURES + SUPPORTED_FEATURES */
    uint32_t features_required;  /* XENFEAT_* bits marked '!' in FEATURES */
    char guest_os[ELF_NOTE_STR_MAX]; /* NUL-terminated copies */
    char xen_version[ELF_NOTE_STR_MAX];
    char loader[ELF_NOTE_STR_MAX];
    char pae_mode[ELF_NOTE_STR_MAX];
    char guest_version[ELF_NOTE_STR_MAX];
};

struct elf_image {
    const uint8_t *data; /* the image, borrowed (NULL: parsed from pieces, elf_parse_from()) */
    uint64_t size;
    uint64_t entry;      /* ENTRY note, else e_entry; validated */
    uint64_t virt_base;  /* = notes.virt_base */
    uint64_t virt_start; /* lowest p_vaddr, rounded down to a page */
    uint64_t virt_end;   /* highest p_vaddr + p_memsz, rounded up to a page */
    uint64_t phys_start; /* lowest p_paddr, rounded down to a page (PVH load range) */
    uint64_t phys_end;   /* highest p_paddr + p_memsz, rounded up to a page */
    bool elf32;          /* ELFCLASS32 (EM_386): PVH only, refused by elf_check_pv() */
    unsigned nr_segments;
    struct elf_segment seg[ELF_MAX_SEGMENTS];
    struct elf_xen_notes notes;
};

/* Largest virtual span of all PT_LOAD segments together that we accept. */
#define ELF_MAX_SPAN (1ULL << 30)

/*
 * Parse and validate a kernel image: ELFCLASS64 (EM_X86_64) for PV64 or PVH,
 * or ELFCLASS32 (EM_386) with a PHYS32_ENTRY note, for PVH only. Both
 * classes are read into the same struct elf_image and checked alike. On success fills *img and
 * returns 0. On failure returns one of enum elf_error and fills *err (may be NULL).
 */
int elf_parse(struct elf_image *img, const void *data, uint64_t size, struct domb_error *err);

/*
 * Streamed kernels (issue 15: a bzImage's ELF goes straight into the guest
 * and is never whole in the builder's memory). The parse then happens in
 * two steps:
 *
 * - elf_parse_layout(): from the image's first bytes (which must hold its
 *   header and program header table), the header checks and the checks of
 *   every PT_LOAD, at the load addresses the notes are expected to give
 *   (VIRT_BASE = p_vaddr - p_paddr of the first segment, PADDR_OFFSET 0),
 *   so the builder knows where each file byte goes before any arrives. The
 *   image has no notes yet; data is NULL.
 * - elf_parse_from(): once the whole image has been written to the guest,
 *   the full elf_parse() over the bytes it reads (the header, both header
 *   tables, every PT_NOTE and SHT_NOTE region), fetched through `read` into
 *   caller scratch. The same checks, the same codes and messages as
 *   elf_parse() on the whole image; data is NULL, so elf_copy_out() refuses
 *   it and a builder copies nothing: it zeroes what is not file bytes
 *   (elf_zero_gaps()).
 */

/* Bytes [off, off + len) of an image, held at data. */
struct elf_piece {
    uint64_t off, len;
    const uint8_t *data;
};

/* elf_parse() over an image of `size` bytes given as pieces: every range the
 * parser reads must lie inside one piece (else -XEN_EIO: not the image's
 * fault). */
int elf_parse_pieces(struct elf_image *img, uint64_t size, const struct elf_piece *pieces,
                     unsigned nr_pieces, struct domb_error *err);

/* size: the image's size as its producer declares it (Linux's bzImage size
 * word), 0 if unknown. The prefix must hold the program header table
 * (else -XEN_E2BIG: not the image's fault). */
int elf_parse_layout(struct elf_image *img, const void *prefix, uint64_t prefix_len, uint64_t size,
                     struct domb_error *err);

/* Read image bytes [off, off + len) into buf: 0 or a negative error (the
 * reader fills err itself). */
typedef int (*elf_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

/* scratch: at least 8 KiB for the piece table plus the bytes read (the
 * header, both tables and the note regions: more is -XEN_E2BIG). */
int elf_parse_from(struct elf_image *img, uint64_t size, elf_read_fn read, void *ctx, void *scratch,
                   size_t scratch_size, struct domb_error *err);

/* Zero the bytes of [va, va+len) (within [virt_start, virt_end)) that are
 * not file bytes of a segment (BSS, gaps), leaving the others as they are:
 * what elf_copy_out() writes besides the file bytes. 0 or -XEN_EINVAL. */
int elf_zero_gaps(const struct elf_image *img, uint64_t va, void *dst, uint64_t len);
/* The same by physical address (within [phys_start, phys_end)). */
int elf_zero_gaps_phys(const struct elf_image *img, uint64_t paddr, void *dst, uint64_t len);

/*
 * Check that the image can be a PV guest: a 64-bit kernel (this Xen runs no
 * 32-bit PV guests). Returns 0 or ELF_ERR_NOT_64BIT for an ELFCLASS32 image.
 */
int elf_check_pv(const struct elf_image *img, struct domb_error *err);

/*
 * Check that the image fits a domain of nr_pages pages given `reserved_pages`
 * pages the builder needs besides the image (ramdisk, p2m, start_info, page
 * tables, stack). Returns 0 or ELF_ERR_TOO_BIG_FOR_DOMAIN.
 */
int elf_check_fits(const struct elf_image *img, uint64_t nr_pages, uint64_t reserved_pages,
                   struct domb_error *err);

/*
 * Copy the image's bytes for virtual range [va, va+len) into dst: file bytes
 * where a segment has them, zeros elsewhere (BSS and gaps). The range must lie
 * within [virt_start, virt_end); returns 0 or -XEN_EINVAL.
 */
int elf_copy_out(const struct elf_image *img, uint64_t va, void *dst, uint64_t len);

/*
 * Check that the image can be loaded as a PVH guest whose RAM below 4 GiB is
 * [0, ram_end): it has a PHYS32_ENTRY note (else ELF_ERR_NOT_PVH), no segment
 * lies in [hole_start, 4 GiB) (ELF_ERR_PHYS_RESERVED: the ACPI tables, LAPIC
 * and special pages live there) and every segment ends at or below ram_end
 * (ELF_ERR_TOO_BIG_FOR_DOMAIN).
 */
int elf_check_pvh(const struct elf_image *img, uint64_t ram_end, uint64_t hole_start,
                  struct domb_error *err);
/* elf_check_pvh() without the note check (a streamed kernel's notes come
 * later): only where the segments lie. */
int elf_check_pvh_placement(const struct elf_image *img, uint64_t ram_end, uint64_t hole_start,
                            struct domb_error *err);

/*
 * elf_copy_out() by physical address: the bytes for [paddr, paddr+len),
 * which must lie within [phys_start, phys_end); returns 0 or -XEN_EINVAL.
 */
int elf_copy_out_phys(const struct elf_image *img, uint64_t paddr, void *dst, uint64_t len);

/* Stable identifier for an error code, e.g. "ELF_ERR_SEG_OVERLAP". */
const char *elf_error_name(int code);

#endif
