/* Xen system time from shared_info's vCPU time record. */
#include <kernel/time.h>

static volatile struct vcpu_time_info *time_info;

void time_init(shared_info_t *shared_info)
{
    time_info = &shared_info->vcpu_info[0].time;
}

uint64_t time_scale_delta(uint64_t delta, uint32_t mul_frac, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    /* (delta * mul_frac) >> 32 with a 128-bit intermediate. */
    return (uint64_t)(((unsigned __int128)delta * mul_frac) >> 32);
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

uint64_t time_now_ns(void)
{
    uint32_t version;
    uint64_t system_time, tsc_timestamp, tsc;
    uint32_t mul;
    int8_t shift;

    if (!time_info)
        return 0;
    /* Xen updates the record with an odd version while it writes. */
    do {
        version = time_info->version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        system_time = time_info->system_time;
        tsc_timestamp = time_info->tsc_timestamp;
        mul = time_info->tsc_to_system_mul;
        shift = time_info->tsc_shift;
        tsc = rdtsc();
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((version & 1) || version != time_info->version);
    return system_time + time_scale_delta(tsc - tsc_timestamp, mul, shift);
}
