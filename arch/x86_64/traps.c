/*
 * A minimal trap table: every exception is handed to the kernel's fatal
 * handler (it prints what happened and ends the domain as crashed), instead
 * of leaving it hanging or letting Xen kill it without a word.
 */
#include <arch/hypercall.h>
#include <arch/mm.h>
#include <arch/traps.h>

#define DECLARE_TRAP(n) void trap_entry_##n(void)
DECLARE_TRAP(0);
DECLARE_TRAP(1);
DECLARE_TRAP(2);
DECLARE_TRAP(3);
DECLARE_TRAP(4);
DECLARE_TRAP(5);
DECLARE_TRAP(6);
DECLARE_TRAP(7);
DECLARE_TRAP(8);
DECLARE_TRAP(9);
DECLARE_TRAP(10);
DECLARE_TRAP(11);
DECLARE_TRAP(12);
DECLARE_TRAP(13);
DECLARE_TRAP(14);
DECLARE_TRAP(15);
DECLARE_TRAP(16);
DECLARE_TRAP(17);
DECLARE_TRAP(18);
DECLARE_TRAP(19);

void trap_handler(struct trap_frame *f);

static const char *const trap_names[] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 FP error",
    "alignment check",
    "machine check",
    "SIMD FP error",
};

/* Flat kernel code selector; Xen fixes up the RPL for a PV kernel. */
#define TRAP(n)                                                                                    \
    {                                                                                              \
        .vector = n, .flags = (n == 3 || n == 4) ? 3 : 0, .cs = FLAT_KERNEL_CS,                    \
        .address = (unsigned long)trap_entry_##n                                                   \
    }

static const struct trap_info trap_table[] = {
    TRAP(0),  TRAP(1),  TRAP(2),  TRAP(3),  TRAP(4),  TRAP(5),  TRAP(6),
    TRAP(7),  TRAP(8),  TRAP(9),  TRAP(10), TRAP(11), TRAP(12), TRAP(13),
    TRAP(14), TRAP(15), TRAP(16), TRAP(17), TRAP(18), TRAP(19), {0, 0, 0, 0},
};

static trap_fatal_fn trap_fatal;

void traps_init(trap_fatal_fn fatal)
{
    trap_fatal = fatal;
    hypercall_set_trap_table(trap_table);
}

void trap_handler(struct trap_frame *f)
{
    static int nested;
    uint64_t cr2 = 0;

    if (nested++) {
        /* A fault while reporting a fault: give up at once. */
        hypercall_shutdown(SHUTDOWN_crash);
    }
    if (f->vector == 14 && mm_shared_info())
        cr2 = mm_shared_info()->vcpu_info[0].arch.cr2;
    trap_fatal(f, f->vector < 20 ? trap_names[f->vector] : "?", cr2);
}
