/*
 * PVH entry point and native exception stubs.
 *
 * Xen (or our builder) starts a PVH guest at XEN_ELFNOTE_PHYS32_ENTRY
 * (docs/misc/pvh.pandoc): flat 32-bit protected mode, paging off, ebx =
 * physical address of struct hvm_start_info, eflags.IF clear; no stack, GDT
 * or IDT of ours yet. We are running at our physical address (link address
 * - KERNEL_VIRT_BASE), so every absolute reference below is PHYS(symbol).
 *
 * pvh_start32: zero .bss (our page tables and stack live there), map
 * physical 0..1 GiB with 2 MiB pages twice (identity, for the next few
 * instructions, and at KERNEL_VIRT_BASE, the direct map every domB kernel
 * uses), enable PAE, EFER.LME (and NXE if the CPU has NX), paging and
 * write protection, load a 64-bit GDT, far-jump to 64-bit code, jump to the
 * high mapping, reload the GDT by its virtual address, switch to the kernel
 * stack and call kernel_start_pvh(start info physical address).
 *
 * The tables (one L4, one L3 used for both mappings, one L2) are plain
 * writable memory: in an HVM container the page tables are ours, not
 * Xen's. arch/x86_64/mm_pvh.c takes them over.
 */
#include <arch/layout.h>

#define PHYS(x)      ((x) - KERNEL_VIRT_BASE)
#define PT_TABLE     0x003 /* present, writable */
#define PT_LARGE     0x0e3 /* present, writable, accessed, dirty, 2 MiB */
#define CR0_PG_WP    0x80010000
#define CR4_PAE      0x20
#define MSR_EFER     0xc0000080
#define EFER_LME     0x100
#define EFER_NXE     0x800
#define CPUID_NX_BIT 20    /* CPUID 0x80000001 edx */

    .section .text.pvh, "ax"
    .code32
    .globl pvh_start32
pvh_start32:
    cld
    movl    %ebx, %esi              /* cpuid below clobbers ebx */

    /* .bss: a builder zeroes it, but our tables must not trust that. */
    movl    $PHYS(_bss_start), %edi
    movl    $PHYS(_bss_end), %ecx
    subl    %edi, %ecx
    shrl    $2, %ecx
    xorl    %eax, %eax
    rep stosl

    /* L2: 512 entries of 2 MiB, physical 0 .. 1 GiB. */
    movl    $PHYS(pvh_l2), %edi
    movl    $PT_LARGE, %eax
    movl    $512, %ecx
1:  movl    %eax, (%edi)
    addl    $0x200000, %eax
    addl    $8, %edi
    loop    1b

    /* L3 slot 0 (VA 0) and slot 510 (KERNEL_VIRT_BASE) -> the L2;
     * L4 slot 0 and slot 511 -> the L3. */
    movl    $(PHYS(pvh_l2) + PT_TABLE), PHYS(pvh_l3)
    movl    $(PHYS(pvh_l2) + PT_TABLE), PHYS(pvh_l3) + 510 * 8
    movl    $(PHYS(pvh_l3) + PT_TABLE), PHYS(pvh_l4)
    movl    $(PHYS(pvh_l3) + PT_TABLE), PHYS(pvh_l4) + 511 * 8

    movl    %cr4, %eax
    orl     $CR4_PAE, %eax
    movl    %eax, %cr4
    movl    $PHYS(pvh_l4), %eax
    movl    %eax, %cr3

    /* EFER: long mode, and no-execute when the CPU has it. */
    xorl    %edi, %edi
    movl    $0x80000000, %eax
    cpuid
    cmpl    $0x80000001, %eax
    jb      2f
    movl    $0x80000001, %eax
    cpuid
    btl     $CPUID_NX_BIT, %edx
    jnc     2f
    movl    $EFER_NXE, %edi
2:  movl    $MSR_EFER, %ecx
    rdmsr
    orl     $EFER_LME, %eax
    orl     %edi, %eax
    wrmsr

    movl    %cr0, %eax
    orl     $CR0_PG_WP, %eax
    movl    %eax, %cr0

    lgdt    PHYS(pvh_gdt_desc32)
    ljmp    $PVH_CODE_SEL, $PHYS(pvh_start64)

    .code64
pvh_start64:
    movl    $PVH_DATA_SEL, %eax
    movl    %eax, %ds
    movl    %eax, %es
    movl    %eax, %ss
    xorl    %eax, %eax
    movl    %eax, %fs
    movl    %eax, %gs
    movabsq $pvh_high, %rax
    jmp     *%rax
pvh_high:
    /* From here on we run in the direct map; the identity map goes soon. */
    lgdt    pvh_gdt_desc64(%rip)
    leaq    boot_stack_top(%rip), %rsp
    xorl    %ebp, %ebp
    movl    %esi, %edi              /* zero-extended: start info paddr */
    call    kernel_start_pvh
3:  hlt                             /* not reached: kernel_start_pvh never returns */
    jmp     3b

/*
 * Native exception entry: the CPU pushes ss, rsp, rflags, cs, rip and, for
 * some vectors, an error code (no rcx/r11 as in a PV bounce frame). Each
 * stub pushes a dummy error code where the CPU has none and the vector, and
 * joins trap_common (entry.S), so trap_handler sees the same frame as in PV.
 */
.macro NATIVE_NOERR vec
    .globl pvh_trap_entry_\vec
pvh_trap_entry_\vec:
    pushq   $0
    pushq   $\vec
    jmp     trap_common
.endm

.macro NATIVE_ERR vec
    .globl pvh_trap_entry_\vec
pvh_trap_entry_\vec:
    pushq   $\vec
    jmp     trap_common
.endm

    .text
NATIVE_NOERR 0
NATIVE_NOERR 1
NATIVE_NOERR 2
NATIVE_NOERR 3
NATIVE_NOERR 4
NATIVE_NOERR 5
NATIVE_NOERR 6
NATIVE_NOERR 7
NATIVE_ERR   8
NATIVE_NOERR 9
NATIVE_ERR   10
NATIVE_ERR   11
NATIVE_ERR   12
NATIVE_ERR   13
NATIVE_ERR   14
NATIVE_NOERR 15
NATIVE_NOERR 16
NATIVE_ERR   17
NATIVE_NOERR 18
NATIVE_NOERR 19

/* Null, 64-bit kernel code (PVH_CODE_SEL), flat data (PVH_DATA_SEL); the
 * accessed bits are set so the CPU never writes to the table. */
    .data
    .balign 16
pvh_gdt:
    .quad   0
    .quad   0x00af9b000000ffff
    .quad   0x00cf93000000ffff
pvh_gdt_end:
pvh_gdt_desc32:
    .word   pvh_gdt_end - pvh_gdt - 1
    .long   PHYS(pvh_gdt)
    .balign 8
pvh_gdt_desc64:
    .word   pvh_gdt_end - pvh_gdt - 1
    .quad   pvh_gdt

    .section .bss.pvh, "aw", @nobits
    .balign 4096
    .globl pvh_l4, pvh_l3, pvh_l2
pvh_l4:
    .skip 4096
pvh_l3:
    .skip 4096
pvh_l2:
    .skip 4096
