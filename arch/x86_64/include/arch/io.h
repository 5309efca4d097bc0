/* Port I/O. A PV kernel needs a virtual IOPL (PHYSDEVOP_set_iopl) for Xen to
 * emulate it. */
#ifndef ARCH_IO_H
#define ARCH_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
    asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

#endif
