/*
 * Privileged CPU instructions a PVH kernel (an HVM container, ring 0) uses
 * directly: CPUID, MSRs, control registers, TLB flushes. A PV kernel runs
 * in ring 3 and must not use the privileged ones (Xen's hypercalls do their
 * work there).
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdint.h>

static inline void cpu_cpuid(uint32_t leaf, uint32_t regs[4])
{
    asm volatile("cpuid"
                 : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
                 : "a"(leaf), "c"(0));
}

static inline void cpu_wrmsr(uint32_t msr, uint64_t value)
{
    asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static inline uint64_t cpu_read_cr2(void)
{
    uint64_t v;

    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline uint64_t cpu_read_cr3(void)
{
    uint64_t v;

    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline void cpu_write_cr3(uint64_t v)
{
    asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void cpu_invlpg(const void *va)
{
    asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

#endif
