/*
 * Basic types shared by every layer of domB, freestanding and host alike.
 *
 * Frame numbers get distinct struct types so that a function that wants a
 * machine frame cannot be handed a guest pseudo-physical frame by mistake
 * (the compiler refuses). Box and unbox explicitly with Xen's names: _mfn(x)
 * and _pfn(x) make one, mfn_x() and pfn_x() give the number back. Xen's own
 * ABI structures and the xenops seam keep xen_pfn_t / uint64_t: convert at
 * the point where a typed frame goes into, or comes out of, one of them.
 *
 * Addresses have no such type: the kernel's own are pointers, and a guest's
 * virtual addresses (the builder's layout) stay uint64_t, since page-table
 * arithmetic is all that is done with them and, with frames typed, none can
 * be passed where a frame is wanted.
 */
#ifndef DOMB_TYPES_H
#define DOMB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

/* Machine frame number: an index into the host's real memory. */
typedef struct {
    uint64_t mfn;
} mfn_t;

/* Pseudo-physical frame number of some domain (its p2m index). */
typedef struct {
    uint64_t pfn;
} pfn_t;

/* "No frame", as a number and as each type. */
#define INVALID_FRAME UINT64_MAX
#define INVALID_MFN   ((mfn_t){INVALID_FRAME})
#define INVALID_PFN   ((pfn_t){INVALID_FRAME})

static inline mfn_t _mfn(uint64_t m)
{
    return (mfn_t){m};
}
static inline uint64_t mfn_x(mfn_t m)
{
    return m.mfn;
}
static inline mfn_t mfn_add(mfn_t m, uint64_t i)
{
    return _mfn(m.mfn + i);
}
static inline bool mfn_eq(mfn_t a, mfn_t b)
{
    return a.mfn == b.mfn;
}

static inline pfn_t _pfn(uint64_t p)
{
    return (pfn_t){p};
}
static inline uint64_t pfn_x(pfn_t p)
{
    return p.pfn;
}
static inline pfn_t pfn_add(pfn_t p, uint64_t i)
{
    return _pfn(p.pfn + i);
}
static inline bool pfn_eq(pfn_t a, pfn_t b)
{
    return a.pfn == b.pfn;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline uint64_t round_up_page(uint64_t x)
{
    return (x + PAGE_SIZE - 1) & PAGE_MASK;
}

/* Overflow-checked unsigned arithmetic: returns true on overflow. */
static inline bool add_overflows_u64(uint64_t a, uint64_t b, uint64_t *sum)
{
    return __builtin_add_overflow(a, b, sum);
}
static inline bool mul_overflows_u64(uint64_t a, uint64_t b, uint64_t *prod)
{
    return __builtin_mul_overflow(a, b, prod);
}

#endif
