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
/* Console input: what the backend put in our PV console ring (a domU,
 * PV or PVH), or Xen's serial input (dom0, CONSOLEIO_read). Never waits;
 * returns the bytes read (0: none) or a negative errno. */
int console_read(char *buf, size_t len);
/* The console ring's event channel (0 for dom0, which has none): it fires
 * when the backend wrote input or took output. */
evtchn_port_t console_evtchn(void);
void console_flush(void);

#endif
