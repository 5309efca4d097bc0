/*
 * The kernel console: Xen's console_io for dom0 (it lands on Xen's serial
 * line), the PV console ring (io/console.h) for other domains.
 */
#ifndef DOMB_CONSOLE_H
#define DOMB_CONSOLE_H

#include <domb/lib.h>
#include <domb/types.h>
#include <xen/xen.h>

void console_init(const start_info_t *si, bool is_dom0);
void console_write(const char *buf, size_t len);
void console_flush(void);
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
