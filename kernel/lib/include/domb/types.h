/*
 * Basic types shared by every layer of domB, freestanding and host alike.
 *
 * Frame numbers and addresses get distinct struct types so that a function
 * that wants a machine frame cannot be handed a guest pseudo-physical frame by
 * mistake (the compiler refuses). Convert explicitly with the helpers below.
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

/* A guest or kernel virtual address. */
typedef struct {
    uint64_t va;
} vaddr_t;

#define INVALID_FRAME UINT64_MAX

static inline mfn_t mfn(uint64_t m)
{
    return (mfn_t){m};
}
static inline uint64_t mfn_x(mfn_t m)
{
    return m.mfn;
}
static inline pfn_t pfn(uint64_t p)
{
    return (pfn_t){p};
}
static inline uint64_t pfn_x(pfn_t p)
{
    return p.pfn;
}
static inline vaddr_t vaddr(uint64_t v)
{
    return (vaddr_t){v};
}
static inline uint64_t vaddr_x(vaddr_t v)
{
    return v.va;
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
