/*
 * The Xen ELF notes (public/elfnote.h) that make this image a PV kernel Xen
 * (and our own builder) will load, and a PVH kernel (PHYS32_ENTRY, the
 * 32-bit entry in pvh_entry.S, by its physical address). XENFEAT_dom0 in
 * SUPPORTED_FEATURES is what lets Xen boot the image as dom0 ("Kernel does
 * not support Dom0 operation" otherwise).
 *
 * The segments' p_paddr are physical (p_vaddr - KERNEL_VIRT_BASE, see
 * kernel.ld), so PADDR_OFFSET is 0: a PV loader puts each segment at p_paddr
 * + VIRT_BASE - PADDR_OFFSET = p_vaddr, as Linux's notes say too.
 */
#include <xen/elfnote.h>
#include <xen/features.h>
#include <arch/layout.h>

.macro XEN_NOTE_BEGIN type
    .pushsection .note.Xen, "a", @note
    .balign 4
    .long   2f - 1f
    .long   4f - 3f
    .long   \type
1:  .asciz  "Xen"
2:  .balign 4
3:
.endm

.macro XEN_NOTE_END
4:  .balign 4
    .popsection
.endm

.macro XEN_NOTE_STR type, str
    XEN_NOTE_BEGIN \type
    .asciz "\str"
    XEN_NOTE_END
.endm

.macro XEN_NOTE_QUAD type, value
    XEN_NOTE_BEGIN \type
    .quad \value
    XEN_NOTE_END
.endm

.macro XEN_NOTE_LONG type, value
    XEN_NOTE_BEGIN \type
    .long \value
    XEN_NOTE_END
.endm

XEN_NOTE_STR  XEN_ELFNOTE_GUEST_OS,       "domB"
XEN_NOTE_STR  XEN_ELFNOTE_GUEST_VERSION,  "0.1"
XEN_NOTE_STR  XEN_ELFNOTE_XEN_VERSION,    "xen-3.0"
XEN_NOTE_STR  XEN_ELFNOTE_LOADER,         "generic"
XEN_NOTE_QUAD XEN_ELFNOTE_VIRT_BASE,      KERNEL_VIRT_BASE
XEN_NOTE_QUAD XEN_ELFNOTE_PADDR_OFFSET,   0
XEN_NOTE_QUAD XEN_ELFNOTE_ENTRY,          _start
XEN_NOTE_QUAD XEN_ELFNOTE_HYPERCALL_PAGE, hypercall_page
XEN_NOTE_LONG XEN_ELFNOTE_PHYS32_ENTRY,   (pvh_start32 - KERNEL_VIRT_BASE)
XEN_NOTE_STR  XEN_ELFNOTE_FEATURES,       "pae_pgdir_above_4gb"
XEN_NOTE_STR  XEN_ELFNOTE_PAE_MODE,       "yes"
XEN_NOTE_LONG XEN_ELFNOTE_SUPPORTED_FEATURES, (1 << XENFEAT_dom0)
