/* What the PV boot (boot.c) and the PVH boot (boot_pvh.c) share; private to kernel/. */
#ifndef KERNEL_BOOT_COMMON_H
#define KERNEL_BOOT_COMMON_H

#include <arch/traps.h>

/* Every exception ends here (arch/x86_64/traps.c): say what happened and end
 * the domain as crashed. */
__attribute__((noreturn)) void kernel_fault(const struct trap_frame *f, const char *name,
                                            uint64_t cr2);

#endif
