/*
 * printk: formatted output on the console of whatever runs the code. Code on
 * every floor may log; the floor that owns a console provides printk: the
 * PV kernel (kernel/console.c) in the freestanding images, test/sim (which
 * keeps what is printed for the tests to read) on the host.
 */
#ifndef DOMB_LOG_H
#define DOMB_LOG_H

#include <stdarg.h>

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
