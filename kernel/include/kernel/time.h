/* Xen system time (ns since boot of the host) from shared_info's vcpu_time_info. */
#ifndef DOMB_TIME_H
#define DOMB_TIME_H

#include <domb/types.h>
#include <xen/xen.h>

void time_init(shared_info_t *shared_info);
uint64_t time_now_ns(void);

/* Pure conversion used by time_now_ns(): system_time + scaled TSC delta. */
uint64_t time_scale_delta(uint64_t delta, uint32_t mul_frac, int8_t shift);

#endif
