/*
 * PV entry point and exception stubs.
 *
 * Xen starts us in 64-bit mode at XEN_ELFNOTE_ENTRY with rsi = start_info
 * (virtual), on a bootstrap stack inside the initial mapping. We switch to
 * our own stack in .bss and call kernel_start(start_info).
 */
#include <arch/layout.h>

    .section .text.entry, "ax"
    .globl _start
_start:
    cld
    leaq    boot_stack_top(%rip), %rsp
    xorl    %ebp, %ebp
    movq    %rsi, %rdi
    call    kernel_start
1:  hlt                     /* not reached: kernel_start never returns */
    jmp     1b

/*
 * Exception entry. For a 64-bit PV guest Xen's bounce frame holds, from the
 * stack pointer up: rcx, r11, [error code], rip, cs, rflags, rsp, ss.
 * Each stub restores rcx/r11, pushes a dummy error code where the CPU has
 * none, pushes the vector, and joins trap_common, which saves the registers
 * and calls trap_handler(struct trap_frame *). (PVH's native stubs in
 * pvh_entry.S join it too.)
 */
.macro TRAP_NOERR vec
    .globl trap_entry_\vec
trap_entry_\vec:
    popq    %rcx
    popq    %r11
    pushq   $0
    pushq   $\vec
    jmp     trap_common
.endm

.macro TRAP_ERR vec
    .globl trap_entry_\vec
trap_entry_\vec:
    popq    %rcx
    popq    %r11
    pushq   $\vec
    jmp     trap_common
.endm

    .text
TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 2
TRAP_NOERR 3
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_ERR   8
TRAP_NOERR 9
TRAP_ERR   10
TRAP_ERR   11
TRAP_ERR   12
TRAP_ERR   13
TRAP_ERR   14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR   17
TRAP_NOERR 18
TRAP_NOERR 19

    .globl trap_common
trap_common:
    pushq   %rax
    pushq   %rbx
    pushq   %rcx
    pushq   %rdx
    pushq   %rsi
    pushq   %rdi
    pushq   %rbp
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, %rdi
    andq    $-16, %rsp
    call    trap_handler
2:  hlt                     /* trap_handler does not return */
    jmp     2b

/* Xen fills this page with hypercall stubs (XEN_ELFNOTE_HYPERCALL_PAGE). */
    .section .text.hypercall_page, "ax"
    .balign 4096
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0xcc

    .section .bss.stack, "aw", @nobits
    .balign 4096
boot_stack:
    .skip KERNEL_STACK_SIZE
    .globl boot_stack_top
boot_stack_top:
