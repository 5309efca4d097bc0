/*
 * Hypercalls, in two tiers (as Solo5 does):
 *
 *  - raw: hypercallN(op, a1..aN), one asm block per arity, calling through
 *    the hypercall page Xen filled in for us (XEN_ELFNOTE_HYPERCALL_PAGE);
 *  - typed: hypercall_<name>(...) with Xen's public ABI types.
 *
 * 64-bit PV ABI: op selects a 32-byte stub in the page; arguments in rdi, rsi,
 * rdx, r10, r8; result in rax; rcx and r11 are clobbered. A 64-bit HVM (PVH)
 * guest uses the same registers and the same page, which Xen fills when the
 * guest writes the page's physical address to the MSR its CPUID leaves name
 * (the stubs then use vmcall/vmmcall); pointers are our virtual addresses.
 */
#ifndef ARCH_HYPERCALL_H
#define ARCH_HYPERCALL_H

#include <domb/types.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/physdev.h>
#include <xen/vcpu.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

extern char hypercall_page[4096];

static inline long hypercall1(unsigned int op, unsigned long a1)
{
    register unsigned long rdi asm("rdi") = a1;
    long ret;

    asm volatile("call *%[stub]"
                 : "=a"(ret), "+r"(rdi)
                 : [stub] "r"(hypercall_page + op * 32)
                 : "rcx", "r11", "memory");
    return ret;
}

static inline long hypercall2(unsigned int op, unsigned long a1, unsigned long a2)
{
    register unsigned long rdi asm("rdi") = a1;
    register unsigned long rsi asm("rsi") = a2;
    long ret;

    asm volatile("call *%[stub]"
                 : "=a"(ret), "+r"(rdi), "+r"(rsi)
                 : [stub] "r"(hypercall_page + op * 32)
                 : "rcx", "r11", "memory");
    return ret;
}

static inline long hypercall3(unsigned int op, unsigned long a1, unsigned long a2, unsigned long a3)
{
    register unsigned long rdi asm("rdi") = a1;
    register unsigned long rsi asm("rsi") = a2;
    register unsigned long rdx asm("rdx") = a3;
    long ret;

    asm volatile("call *%[stub]"
                 : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx)
                 : [stub] "r"(hypercall_page + op * 32)
                 : "rcx", "r11", "memory");
    return ret;
}

static inline long hypercall4(unsigned int op, unsigned long a1, unsigned long a2, unsigned long a3,
                              unsigned long a4)
{
    register unsigned long rdi asm("rdi") = a1;
    register unsigned long rsi asm("rsi") = a2;
    register unsigned long rdx asm("rdx") = a3;
    register unsigned long r10 asm("r10") = a4;
    long ret;

    asm volatile("call *%[stub]"
                 : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10)
                 : [stub] "r"(hypercall_page + op * 32)
                 : "rcx", "r11", "memory");
    return ret;
}

/* Every hypercall the kernel makes is counted here (per op), so builds can
 * report exact hypercall counts. */
#define HYPERCALL_COUNT_OPS 64
extern unsigned long hypercall_counts[HYPERCALL_COUNT_OPS];

static inline void hypercall_count(unsigned int op)
{
    if (op < HYPERCALL_COUNT_OPS)
        hypercall_counts[op]++;
}
unsigned long hypercall_total(void);

/* ---- typed tier ---- */

static inline int hypercall_console_write(const char *buf, unsigned int len)
{
    hypercall_count(__HYPERVISOR_console_io);
    return (int)hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len, (unsigned long)buf);
}

/* CONSOLEIO_read: serial input Xen holds for the hardware domain; returns
 * the bytes moved into buf, or a negative errno. */
static inline int hypercall_console_read(char *buf, unsigned int len)
{
    hypercall_count(__HYPERVISOR_console_io);
    return (int)hypercall3(__HYPERVISOR_console_io, CONSOLEIO_read, len, (unsigned long)buf);
}

static inline int hypercall_sched_op(int cmd, void *arg)
{
    hypercall_count(__HYPERVISOR_sched_op);
    return (int)hypercall2(__HYPERVISOR_sched_op, (unsigned long)cmd, (unsigned long)arg);
}

static inline int hypercall_shutdown(unsigned int reason)
{
    struct sched_shutdown s = {.reason = reason};

    return hypercall_sched_op(SCHEDOP_shutdown, &s);
}

static inline int hypercall_yield(void)
{
    return hypercall_sched_op(SCHEDOP_yield, NULL);
}

static inline int hypercall_mmu_update(const mmu_update_t *req, unsigned int count,
                                       unsigned int *done, domid_t foreigndom)
{
    hypercall_count(__HYPERVISOR_mmu_update);
    return (int)hypercall4(__HYPERVISOR_mmu_update, (unsigned long)req, count, (unsigned long)done,
                           foreigndom);
}

static inline int hypercall_mmuext_op(const struct mmuext_op *op, unsigned int count,
                                      unsigned int *done, domid_t foreigndom)
{
    hypercall_count(__HYPERVISOR_mmuext_op);
    return (int)hypercall4(__HYPERVISOR_mmuext_op, (unsigned long)op, count, (unsigned long)done,
                           foreigndom);
}

static inline int hypercall_update_va_mapping(unsigned long va, uint64_t pte, unsigned long flags)
{
    hypercall_count(__HYPERVISOR_update_va_mapping);
    return (int)hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags);
}

static inline int hypercall_memory_op(unsigned int cmd, void *arg)
{
    hypercall_count(__HYPERVISOR_memory_op);
    return (int)hypercall2(__HYPERVISOR_memory_op, cmd, (unsigned long)arg);
}

static inline int hypercall_event_channel_op(int cmd, void *arg)
{
    hypercall_count(__HYPERVISOR_event_channel_op);
    return (int)hypercall2(__HYPERVISOR_event_channel_op, (unsigned long)cmd, (unsigned long)arg);
}

static inline int hypercall_evtchn_send(evtchn_port_t port)
{
    struct evtchn_send s = {.port = port};

    return hypercall_event_channel_op(EVTCHNOP_send, &s);
}

static inline int hypercall_grant_table_op(unsigned int cmd, void *arg, unsigned int count)
{
    hypercall_count(__HYPERVISOR_grant_table_op);
    return (int)hypercall3(__HYPERVISOR_grant_table_op, cmd, (unsigned long)arg, count);
}

static inline int hypercall_physdev_op(int cmd, void *arg)
{
    hypercall_count(__HYPERVISOR_physdev_op);
    return (int)hypercall2(__HYPERVISOR_physdev_op, (unsigned long)cmd, (unsigned long)arg);
}

static inline int hypercall_set_trap_table(const struct trap_info *table)
{
    hypercall_count(__HYPERVISOR_set_trap_table);
    return (int)hypercall1(__HYPERVISOR_set_trap_table, (unsigned long)table);
}

static inline int hypercall_domctl(struct xen_domctl *d)
{
    hypercall_count(__HYPERVISOR_domctl);
    return (int)hypercall1(__HYPERVISOR_domctl, (unsigned long)d);
}

static inline int hypercall_sysctl(struct xen_sysctl *s)
{
    hypercall_count(__HYPERVISOR_sysctl);
    return (int)hypercall1(__HYPERVISOR_sysctl, (unsigned long)s);
}

static inline int hypercall_xen_version(int cmd, void *arg)
{
    hypercall_count(__HYPERVISOR_xen_version);
    return (int)hypercall2(__HYPERVISOR_xen_version, (unsigned long)cmd, (unsigned long)arg);
}

/* XSM's op (a struct xen_flask_op under FLASK); -ENOSYS from a Xen without XSM. */
static inline int hypercall_xsm_op(void *op)
{
    hypercall_count(__HYPERVISOR_xsm_op);
    return (int)hypercall1(__HYPERVISOR_xsm_op, (unsigned long)op);
}

static inline int hypercall_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
    hypercall_count(__HYPERVISOR_vcpu_op);
    return (int)hypercall3(__HYPERVISOR_vcpu_op, (unsigned long)cmd, vcpu, (unsigned long)arg);
}

static inline int hypercall_hvm_op(unsigned int cmd, void *arg)
{
    hypercall_count(__HYPERVISOR_hvm_op);
    return (int)hypercall2(__HYPERVISOR_hvm_op, cmd, (unsigned long)arg);
}

/* HVMOP_get_param for ourselves (PVH: console and xenstore pages, ports). */
static inline int hypercall_hvm_get_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
    int rc = hypercall_hvm_op(HVMOP_get_param, &p);

    if (rc == 0)
        *value = p.value;
    return rc;
}

static inline int hypercall_multicall(multicall_entry_t *calls, unsigned int n)
{
    hypercall_count(__HYPERVISOR_multicall);
    return (int)hypercall2(__HYPERVISOR_multicall, (unsigned long)calls, n);
}

#endif
