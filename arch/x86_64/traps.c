/*
 * A minimal trap table: every exception is handed to the kernel's fatal
 * handler (it prints what happened and ends the domain as crashed), instead
 * of leaving it hanging or letting Xen kill it without a word. PV registers
 * it with Xen (set_trap_table); PVH loads its own IDT.
 */
#include <arch/cpu.h>
#include <arch/hypercall.h>
#include <arch/layout.h>
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

/* pvh_entry.S: the same vectors for native exception frames. */
#define DECLARE_NATIVE(n) void pvh_trap_entry_##n(void)
DECLARE_NATIVE(0);
DECLARE_NATIVE(1);
DECLARE_NATIVE(2);
DECLARE_NATIVE(3);
DECLARE_NATIVE(4);
DECLARE_NATIVE(5);
DECLARE_NATIVE(6);
DECLARE_NATIVE(7);
DECLARE_NATIVE(8);
DECLARE_NATIVE(9);
DECLARE_NATIVE(10);
DECLARE_NATIVE(11);
DECLARE_NATIVE(12);
DECLARE_NATIVE(13);
DECLARE_NATIVE(14);
DECLARE_NATIVE(15);
DECLARE_NATIVE(16);
DECLARE_NATIVE(17);
DECLARE_NATIVE(18);
DECLARE_NATIVE(19);

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
/* PVH: exceptions come through our IDT and cr2 is the CPU's own. */
static bool native;

void traps_init(trap_fatal_fn fatal)
{
    trap_fatal = fatal;
    hypercall_set_trap_table(trap_table);
}

/* A 64-bit interrupt gate (present, DPL 0, type 0xe; interrupts stay off). */
struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
};

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gates are 16 bytes in long mode");

static struct idt_gate idt[20] __attribute__((aligned(16)));

static void (*const native_entries[20])(void) = {
    pvh_trap_entry_0,  pvh_trap_entry_1,  pvh_trap_entry_2,  pvh_trap_entry_3,  pvh_trap_entry_4,
    pvh_trap_entry_5,  pvh_trap_entry_6,  pvh_trap_entry_7,  pvh_trap_entry_8,  pvh_trap_entry_9,
    pvh_trap_entry_10, pvh_trap_entry_11, pvh_trap_entry_12, pvh_trap_entry_13, pvh_trap_entry_14,
    pvh_trap_entry_15, pvh_trap_entry_16, pvh_trap_entry_17, pvh_trap_entry_18, pvh_trap_entry_19,
};

void traps_init_native(trap_fatal_fn fatal)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } idtr = {sizeof(idt) - 1, (uint64_t)idt};

    trap_fatal = fatal;
    native = true;
    for (unsigned int i = 0; i < ARRAY_SIZE(idt); i++) {
        uint64_t a = (uint64_t)native_entries[i];

        idt[i] = (struct idt_gate){.offset_lo = (uint16_t)a,
                                   .selector = PVH_CODE_SEL,
                                   .type_attr = 0x8e,
                                   .offset_mid = (uint16_t)(a >> 16),
                                   .offset_hi = (uint32_t)(a >> 32)};
    }
    asm volatile("lidt %0" : : "m"(idtr));
}

void trap_handler(struct trap_frame *f)
{
    static int nested;
    uint64_t cr2 = 0;

    if (nested++) {
        /* A fault while reporting a fault: give up at once. */
        hypercall_shutdown(SHUTDOWN_crash);
    }
    if (f->vector == 14 && native)
        cr2 = cpu_read_cr2();
    else if (f->vector == 14 && mm_shared_info())
        cr2 = mm_shared_info()->vcpu_info[0].arch.cr2;
    trap_fatal(f, f->vector < 20 ? trap_names[f->vector] : "?", cr2);
}
