#ifndef ARCH_TRAPS_H
#define ARCH_TRAPS_H

#include <stdint.h>

/* Registers as trap_common (entry.S) saves them, lowest address first. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* What the kernel does with an exception: report it (name: the vector's
 * name, cr2: the faulting address of a page fault) and end the domain; it
 * never returns. */
typedef void (*trap_fatal_fn)(const struct trap_frame *f, const char *name, uint64_t cr2);

/* Register our exception handlers with Xen (HYPERVISOR_set_trap_table);
 * every exception ends in fatal. */
void traps_init(trap_fatal_fn fatal);

/* PVH (ring 0 in an HVM container): load our own IDT (the stubs in
 * pvh_entry.S, our 64-bit code selector); every exception ends in fatal. */
void traps_init_native(trap_fatal_fn fatal);

#endif
