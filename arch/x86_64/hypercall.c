/* The per-op hypercall counters every typed wrapper bumps (arch/hypercall.h). */
#include <arch/hypercall.h>

unsigned long hypercall_counts[HYPERCALL_COUNT_OPS];

unsigned long hypercall_total(void)
{
    unsigned long n = 0;

    for (unsigned int i = 0; i < HYPERCALL_COUNT_OPS; i++)
        n += hypercall_counts[i];
    return n;
}
