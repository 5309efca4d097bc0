/*
 * The kernel console: Xen's console_io for dom0 (it lands on Xen's serial
 * line), the PV console ring (io/console.h) for other domains, PV or PVH.
 */
#ifndef DOMB_CONSOLE_H
#define DOMB_CONSOLE_H

#include <domb/lib.h>
#include <domb/log.h>
#include <domb/types.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

void console_init(const start_info_t *si, bool is_dom0);
/* PVH: the ring (HVM_PARAM_CONSOLE_PFN, mapped) and its port. */
void console_init_ring(void *ring, evtchn_port_t port);
void console_write(const char *buf, size_t len);
void console_flush(void);

#endif
