/* ELF64 / ELF32 image writer for the ELF loader's tests (see elf_writer.h). */
#include "elf_writer.h"

#include <domb/byteorder.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/elfnote.h>

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define SHDR_SIZE 64

uint8_t ew_pattern(uint64_t va)
{
    return (uint8_t)(va ^ (va >> 8) ^ (va >> 16) ^ 0x5a);
}

static void ew_fail(const char *what)
{
    fprintf(stderr, "elf_writer: %s\n", what);
    abort();
}

void ew_init_empty(struct ew *w)
{
    memset(w, 0, sizeof(*w));
    w->note_align = 4;
}

struct ew_phdr *ew_load(struct ew *w, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                        uint32_t flags)
{
    struct ew_phdr *p;

    if (w->nph == EW_MAX_PHDRS)
        ew_fail("too many program headers");
    p = &w->ph[w->nph++];
    memset(p, 0, sizeof(*p));
    p->type = EW_PT_LOAD;
    p->flags = flags;
    p->vaddr = vaddr;
    p->paddr = vaddr; /* VIRT_BASE == PADDR_OFFSET in our images */
    p->filesz = filesz;
    p->memsz = memsz;
    p->align = 0x1000;
    return p;
}

void ew_note_raw(struct ew *w, const char *name, uint32_t namesz, uint32_t type, const void *desc,
                 uint32_t descsz)
{
    size_t a = w->note_align == 8 ? 8 : 4;
    size_t at = w->notes_len, desc_at = (at + 12 + namesz + a - 1) & ~(a - 1);
    size_t end = (desc_at + descsz + a - 1) & ~(a - 1);

    if (end > EW_NOTES_MAX)
        ew_fail("notes blob full");
    put_le32(w->notes + at, namesz);
    put_le32(w->notes + at + 4, descsz);
    put_le32(w->notes + at + 8, type);
    memcpy(w->notes + at + 12, name, namesz);
    if (descsz)
        memcpy(w->notes + desc_at, desc, descsz);
    w->notes_len = end;
}

void ew_note(struct ew *w, uint32_t type, const void *desc, uint32_t descsz)
{
    ew_note_raw(w, "Xen", 4, type, desc, descsz);
}

void ew_note_str(struct ew *w, uint32_t type, const char *s)
{
    ew_note(w, type, s, (uint32_t)strlen(s) + 1);
}

void ew_note_u32(struct ew *w, uint32_t type, uint32_t v)
{
    ew_note(w, type, &v, 4);
}

void ew_note_u64(struct ew *w, uint32_t type, uint64_t v)
{
    ew_note(w, type, &v, 8);
}

void ew_default_notes(struct ew *w, uint32_t omit)
{
    static const uint8_t build_id[8] = {1, 2, 3, 4, 5, 6, 7, 8};

    ew_note_raw(w, "GNU", 4, 3, build_id, sizeof(build_id)); /* not ours: skipped */
    if (!(omit & EW_OMIT(XEN_ELFNOTE_GUEST_OS)))
        ew_note_str(w, XEN_ELFNOTE_GUEST_OS, "domB");
    if (!(omit & EW_OMIT(XEN_ELFNOTE_GUEST_VERSION)))
        ew_note_str(w, XEN_ELFNOTE_GUEST_VERSION, "0.1");
    if (!(omit & EW_OMIT(XEN_ELFNOTE_XEN_VERSION)))
        ew_note_str(w, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    if (!(omit & EW_OMIT(XEN_ELFNOTE_LOADER)))
        ew_note_str(w, XEN_ELFNOTE_LOADER, "generic");
    if (!(omit & EW_OMIT(XEN_ELFNOTE_VIRT_BASE)))
        ew_note_u64(w, XEN_ELFNOTE_VIRT_BASE, EW_VIRT_BASE);
    if (!(omit & EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET)))
        ew_note_u64(w, XEN_ELFNOTE_PADDR_OFFSET, EW_VIRT_BASE);
    if (!(omit & EW_OMIT(XEN_ELFNOTE_ENTRY)))
        ew_note_u64(w, XEN_ELFNOTE_ENTRY, EW_ENTRY);
    if (!(omit & EW_OMIT(XEN_ELFNOTE_HYPERCALL_PAGE)))
        ew_note_u64(w, XEN_ELFNOTE_HYPERCALL_PAGE, EW_HYPERCALL);
    if (!(omit & EW_OMIT(XEN_ELFNOTE_FEATURES)))
        ew_note_str(w, XEN_ELFNOTE_FEATURES, "pae_pgdir_above_4gb");
    if (!(omit & EW_OMIT(XEN_ELFNOTE_PAE_MODE)))
        ew_note_str(w, XEN_ELFNOTE_PAE_MODE, "yes");
    if (!(omit & EW_OMIT(XEN_ELFNOTE_SUPPORTED_FEATURES)))
        ew_note_u32(w, XEN_ELFNOTE_SUPPORTED_FEATURES, EW_FEATURE_DOM0);
}

void ew_init_default_omit(struct ew *w, uint32_t omit)
{
    ew_init_empty(w);
    w->e_entry = EW_ENTRY;
    ew_load(w, EW_TEXT, EW_TEXT_FILESZ, EW_TEXT_MEMSZ, EW_PF_R | EW_PF_X);
    ew_load(w, EW_DATA, EW_DATA_FILESZ, EW_DATA_MEMSZ, EW_PF_R | EW_PF_W);
    w->ph[w->nph++] = (struct ew_phdr){.type = EW_PT_NOTE, .flags = EW_PF_R};
    ew_default_notes(w, omit);
}

void ew_init_pvh(struct ew *w, uint64_t phys, uint64_t text_size, uint64_t data_memsz)
{
    uint64_t text = text_size < 0x2000 ? 0x2000 : text_size;
    uint64_t data = ((phys + text + 0xfff) & ~0xfffULL) + 0x400;
    struct ew_phdr *p;

    ew_init_empty(w);
    w->load_shift = EW_VIRT_BASE;
    w->e_entry = EW_VIRT_BASE + phys;
    p = ew_load(w, EW_VIRT_BASE + phys, text, text, EW_PF_R | EW_PF_X);
    p->paddr = phys;
    p = ew_load(w, EW_VIRT_BASE + data, 0x300, data_memsz < 0x300 ? 0x300 : data_memsz,
                EW_PF_R | EW_PF_W);
    p->paddr = data;
    w->ph[w->nph++] = (struct ew_phdr){.type = EW_PT_NOTE, .flags = EW_PF_R};
    ew_default_notes(w, EW_OMIT(XEN_ELFNOTE_PADDR_OFFSET) | EW_OMIT(XEN_ELFNOTE_ENTRY) |
                            EW_OMIT(XEN_ELFNOTE_HYPERCALL_PAGE));
    ew_note_u64(w, XEN_ELFNOTE_PADDR_OFFSET, 0);
    ew_note_u64(w, XEN_ELFNOTE_ENTRY, EW_VIRT_BASE + phys);
    ew_note_u64(w, XEN_ELFNOTE_HYPERCALL_PAGE, EW_VIRT_BASE + phys + 0x1000);
    ew_note_u32(w, XEN_ELFNOTE_PHYS32_ENTRY, (uint32_t)(phys + EW_PVH_ENTRY_OFF));
}

void ew_init_pvh32(struct ew *w, uint64_t phys, uint64_t text_size, uint64_t data_memsz)
{
    uint64_t data = ((phys + text_size + 0xfff) & ~0xfffULL) + 0x400;

    ew_init_empty(w);
    w->elf32 = true;
    w->e_entry = phys;
    ew_load(w, phys, text_size, text_size, EW_PF_R | EW_PF_X);
    ew_load(w, data, 0x300, data_memsz < 0x300 ? 0x300 : data_memsz, EW_PF_R | EW_PF_W);
    w->ph[w->nph++] = (struct ew_phdr){.type = EW_PT_NOTE, .flags = EW_PF_R};
    ew_note_u32(w, XEN_ELFNOTE_PHYS32_ENTRY, (uint32_t)(phys + EW_PVH_ENTRY_OFF));
}

void ew_init_default(struct ew *w)
{
    ew_init_default_omit(w, 0);
}

void ew_put(struct ew_out *o, uint64_t off, uint64_t v, unsigned n)
{
    if (off + n > o->size)
        ew_fail("patch outside the image");
    switch (n) {
    case 1:
        o->buf[off] = (uint8_t)v;
        break;
    case 2:
        put_le16(o->buf + off, (uint16_t)v);
        break;
    case 4:
        put_le32(o->buf + off, (uint32_t)v);
        break;
    case 8:
        put_le64(o->buf + off, v);
        break;
    default:
        ew_fail("a field is 1, 2, 4 or 8 bytes");
    }
}

/* Where each field goes in the class being written. */
struct ew_layout {
    unsigned ehdr, phdr, shdr, word;
    unsigned e_entry, e_phoff, e_shoff, e_ehsize;
    unsigned p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
    unsigned sh_flags, sh_offset, sh_size, sh_addralign;
};

static const struct ew_layout ew_layout64 = {
    EHDR_SIZE, PHDR_SIZE, SHDR_SIZE, 8, 24, 32, 40, 52, 4, 8, 16, 24, 32, 40, 48, 8, 24, 32, 48,
};
static const struct ew_layout ew_layout32 = {
    EW32_EHDR_SIZE,
    EW32_PHDR_SIZE,
    EW32_SHDR_SIZE,
    4,
    24,
    28,
    32,
    40,
    24,
    4,
    8,
    12,
    16,
    20,
    28,
    8,
    16,
    20,
    32,
};

void ew_build(const struct ew *w, struct ew_out *o)
{
    const struct ew_layout *l = w->elf32 ? &ew_layout32 : &ew_layout64;
    uint64_t cur, nsh = w->sec_notes ? 2 : 0;
    unsigned wd = l->word;

    memset(o, 0, sizeof(*o));
    o->phoff = l->ehdr;
    o->shoff = nsh ? o->phoff + (uint64_t)w->nph * l->phdr : 0;
    o->notes_off = (o->phoff + w->nph * l->phdr + nsh * l->shdr + 7) & ~7ULL;
    cur = o->notes_off + w->notes_len;
    for (unsigned i = 0; i < w->nph; i++) {
        const struct ew_phdr *p = &w->ph[i];
        uint64_t mod = p->align >= 0x1000 ? 0x1000 : (p->align ? p->align : 1);

        if (p->type != EW_PT_LOAD) {
            o->ph_off[i] = o->notes_off;
            continue;
        }
        /* Lowest offset >= cur congruent to the load address modulo the
         * alignment (load_shift is page-aligned, so p_paddr will do). */
        o->ph_off[i] = cur + ((p->paddr - cur) & (mod - 1)) + p->offset_delta;
        if (p->filesz > (64u << 20))
            ew_fail("segment too large for a test image");
        cur = o->ph_off[i] + p->filesz;
    }
    o->size = cur;
    o->buf = calloc(1, o->size);
    if (!o->buf)
        ew_fail("out of memory");

    memcpy(o->buf,
           "\x7f"
           "ELF",
           4);
    o->buf[4] = w->elf32 ? 1 : 2;        /* ELFCLASS32 / ELFCLASS64 */
    o->buf[5] = 1;                       /* ELFDATA2LSB */
    o->buf[6] = 1;                       /* EV_CURRENT */
    ew_put(o, 16, 2, 2);                 /* ET_EXEC */
    ew_put(o, 18, w->elf32 ? 3 : 62, 2); /* EM_386 / EM_X86_64 */
    ew_put(o, 20, 1, 4);
    ew_put(o, l->e_entry, w->e_entry, wd);
    ew_put(o, l->e_phoff, o->phoff, wd);
    ew_put(o, l->e_shoff, o->shoff, wd);
    ew_put(o, l->e_ehsize, l->ehdr, 2);
    ew_put(o, l->e_ehsize + 2, l->phdr, 2);
    ew_put(o, l->e_ehsize + 4, w->nph, 2);
    ew_put(o, l->e_ehsize + 6, nsh ? l->shdr : 0, 2);
    ew_put(o, l->e_ehsize + 8, nsh, 2);

    for (unsigned i = 0; i < w->nph; i++) {
        const struct ew_phdr *p = &w->ph[i];
        uint64_t at = o->phoff + (uint64_t)i * l->phdr;
        bool note = p->type == EW_PT_NOTE;

        ew_put(o, at, p->type, 4);
        ew_put(o, at + l->p_flags, p->flags, 4);
        ew_put(o, at + l->p_offset, o->ph_off[i], wd);
        ew_put(o, at + l->p_vaddr, p->vaddr, wd);
        ew_put(o, at + l->p_paddr, p->paddr, wd);
        ew_put(o, at + l->p_filesz, note ? w->notes_len : p->filesz, wd);
        ew_put(o, at + l->p_memsz, note ? w->notes_len : p->memsz, wd);
        ew_put(o, at + l->p_align, note ? w->note_align : p->align, wd);
        if (p->type == EW_PT_LOAD)
            for (uint64_t b = 0; b < p->filesz; b++)
                o->buf[o->ph_off[i] + b] = ew_pattern(p->paddr + w->load_shift + b);
    }
    if (nsh) {
        uint64_t at = o->shoff + l->shdr; /* entry 0 stays SHN_UNDEF (zeros) */

        ew_put(o, at + 4, 7, 4);            /* SHT_NOTE */
        ew_put(o, at + l->sh_flags, 2, wd); /* SHF_ALLOC */
        ew_put(o, at + l->sh_offset, o->notes_off, wd);
        ew_put(o, at + l->sh_size, w->notes_len, wd);
        ew_put(o, at + l->sh_addralign, w->note_align, wd);
    }
    memcpy(o->buf + o->notes_off, w->notes, w->notes_len);
}
