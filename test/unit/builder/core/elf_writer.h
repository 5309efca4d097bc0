/*
 * A small ELF writer for tests: builds PV and PVH kernel images (ELFCLASS64,
 * or ELFCLASS32 / EM_386 for PVH with `elf32`) from a description
 * (program headers, a blob of notes placed in a PT_NOTE segment and/or an
 * SHT_NOTE section), so tests and the corpus generator can make valid images
 * and then break exactly one thing. Host-only (uses malloc).
 */
#ifndef TEST_ELF_WRITER_H
#define TEST_ELF_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EW_VIRT_BASE 0xffffffff80000000ULL
#define EW_MAX_PHDRS 24
#define EW_NOTES_MAX 16384
#define EW_PT_LOAD   1
#define EW_PT_NOTE   4
#define EW_PF_X      1
#define EW_PF_W      2
#define EW_PF_R      4

/* The default image (ew_init_default): text at EW_TEXT (file bytes
 * EW_TEXT_FILESZ, memory up to EW_TEXT + EW_TEXT_MEMSZ, which holds the
 * hypercall page EW_HYPERCALL), data at EW_DATA with BSS after it. */
#define EW_TEXT         (EW_VIRT_BASE + 0x800)
#define EW_TEXT_FILESZ  0x400
#define EW_TEXT_MEMSZ   0x1800
#define EW_HYPERCALL    (EW_VIRT_BASE + 0x1000)
#define EW_DATA         (EW_VIRT_BASE + 0x2c00)
#define EW_DATA_FILESZ  0x200
#define EW_DATA_MEMSZ   0x2400
#define EW_ENTRY        EW_TEXT
#define EW_FEATURE_DOM0 (1u << 11)

/* PVH-capable images (ew_init_pvh): like our kernels, linked at
 * EW_VIRT_BASE + phys with p_paddr = phys (PADDR_OFFSET 0), so they boot as
 * PV (at the virtual address) and as PVH (at p_paddr, entered at the
 * PHYS32_ENTRY note, EW_PVH_ENTRY_OFF into the text). */
#define EW_PVH_PHYS      0x100000ULL /* default physical load address: 1 MiB */
#define EW_PVH_ENTRY_OFF 0x40ULL

/* Field offsets in ELFCLASS32 images (Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr),
 * for tests that patch a built image. */
#define EW32_EHDR_SIZE   52
#define EW32_PHDR_SIZE   32
#define EW32_SHDR_SIZE   40
#define EW32_E_ENTRY     24
#define EW32_E_PHOFF     28
#define EW32_E_SHOFF     32
#define EW32_E_EHSIZE    40
#define EW32_E_PHENTSIZE 42
#define EW32_E_PHNUM     44
#define EW32_E_SHENTSIZE 46
#define EW32_E_SHNUM     48
#define EW32_P_OFFSET    4
#define EW32_P_PADDR     12
#define EW32_P_FILESZ    16
#define EW32_P_MEMSZ     20
#define EW32_SH_OFFSET   16

struct ew_phdr {
    uint32_t type, flags;
    uint64_t vaddr, paddr, filesz, memsz, align;
    uint64_t offset_delta; /* added to the offset the writer picks (to misalign) */
};

struct ew {
    bool elf32; /* write ELFCLASS32 / EM_386 (fields truncated to 32 bits) */
    uint64_t e_entry;
    unsigned nph;
    struct ew_phdr ph[EW_MAX_PHDRS]; /* PT_NOTE entries cover the notes blob */
    bool sec_notes;                  /* also describe the notes in an SHT_NOTE section */
    uint64_t note_align;             /* p_align / sh_addralign of the notes (default 4) */
    uint64_t load_shift; /* VIRT_BASE - PADDR_OFFSET: where p_paddr loads (for the pattern) */
    size_t notes_len;
    uint8_t notes[EW_NOTES_MAX];
};

/* The built image and where the writer put things, for patching. */
struct ew_out {
    uint8_t *buf; /* malloc'ed; free() it */
    size_t size;
    uint64_t phoff, shoff, notes_off;
    uint64_t ph_off[EW_MAX_PHDRS]; /* file offset of each program header's data */
};

/* Bits for ew_default_notes(): which Xen notes to leave out. */
#define EW_OMIT(type) (1u << (type))

/* Byte the writer stores for load address va (p_paddr + load_shift) of a
 * PT_LOAD segment. */
uint8_t ew_pattern(uint64_t va);

void ew_init_empty(struct ew *w);
/* The valid default image described above, with all Xen notes in a PT_NOTE. */
void ew_init_default(struct ew *w);
/* The same with the Xen notes in `omit` (EW_OMIT bits) left out. */
void ew_init_default_omit(struct ew *w, uint32_t omit);
void ew_default_notes(struct ew *w, uint32_t omit);
/* A PVH-capable image: text of text_size bytes (>= 8 KiB: it holds the
 * hypercall page at +0x1000) at physical `phys`, data + BSS of data_memsz
 * bytes after it, every Xen note of ours plus PHYS32_ENTRY = phys +
 * EW_PVH_ENTRY_OFF. */
void ew_init_pvh(struct ew *w, uint64_t phys, uint64_t text_size, uint64_t data_memsz);
/* A 32-bit PVH image like GRUB's i386-xen_pvh one: ELFCLASS32, linked where
 * it loads (p_vaddr = p_paddr, no VIRT_BASE), text of text_size bytes at
 * `phys` entered at e_entry = phys, data + BSS of data_memsz bytes after it,
 * and a single Xen note, PHYS32_ENTRY = phys + EW_PVH_ENTRY_OFF (4 bytes). */
void ew_init_pvh32(struct ew *w, uint64_t phys, uint64_t text_size, uint64_t data_memsz);
struct ew_phdr *ew_load(struct ew *w, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                        uint32_t flags);
/* Append a note with an explicit name size (namesz counts the NUL). */
void ew_note_raw(struct ew *w, const char *name, uint32_t namesz, uint32_t type, const void *desc,
                 uint32_t descsz);
void ew_note(struct ew *w, uint32_t type, const void *desc, uint32_t descsz); /* name "Xen" */
void ew_note_str(struct ew *w, uint32_t type, const char *s);                 /* with NUL */
void ew_note_u32(struct ew *w, uint32_t type, uint32_t v);
void ew_note_u64(struct ew *w, uint32_t type, uint64_t v);

/* Lay the image out; aborts on a description that does not fit. */
void ew_build(const struct ew *w, struct ew_out *o);
/* Little-endian store into a built image. */
void ew_put(struct ew_out *o, uint64_t off, uint64_t v, unsigned n);

#endif
