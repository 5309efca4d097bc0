/*
 * The few C library functions domB's shared code uses.
 *
 * Freestanding images get them from kernel/lib/string.c; host builds (tools,
 * unit tests, the simulated hypervisor) use the C library's. Shared code
 * (builder/, proto/, initrd/, kernel/lib) includes this header, never <string.h>.
 */
#ifndef DOMB_LIB_H
#define DOMB_LIB_H

#include <stdarg.h>
#include <stddef.h>

#if __STDC_HOSTED__
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif

/*
 * Formatted output into a buffer. Supports %s %c %d %i %u %x %X %o %p %%, the
 * length modifiers hh h l ll z t j, flags '-' '0' '+' ' ' '#', width and
 * precision (also '*'). %s with a NULL pointer prints "(null)".
 * Always NUL-terminates when size > 0; returns the length the full output
 * would have had, like C's vsnprintf.
 */
int domb_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int domb_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
