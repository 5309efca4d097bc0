/* Memory management both modes share: frame translation, the page-table walk, shared_info. */
#include "mm_internal.h"

xen_pfn_t *mm_p2m;
uint64_t mm_p2m_pages;
bool mm_translated;
uint64_t *mm_l4_table;
uint8_t mm_shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
bool mm_shared_info_mapped;

static const unsigned long *m2p = (const unsigned long *)MACH2PHYS_VIRT_START;

mfn_t pfn_to_mfn(pfn_t p)
{
    if (mm_translated)
        return _mfn(pfn_x(p));
    return pfn_x(p) < mm_p2m_pages ? _mfn(mm_p2m[pfn_x(p)]) : INVALID_MFN;
}

pfn_t mfn_to_pfn(mfn_t m)
{
    if (mm_translated)
        return _pfn(mfn_x(m));
    return _pfn(m2p[mfn_x(m)]);
}

shared_info_t *mm_shared_info(void)
{
    return mm_shared_info_mapped ? (shared_info_t *)mm_shared_info_page : NULL;
}

int mm_walk(uint64_t va, uint64_t *pte, bool *writable)
{
    const uint64_t *table = mm_l4_table;

    *writable = true;
    for (int level = 4; level >= 1; level--) {
        uint64_t e = table[mm_table_index(va, level)];

        *pte = e;
        if (!(e & _PAGE_PRESENT))
            return 0;
        *writable = *writable && (e & _PAGE_RW);
        if (level == 1 || (level <= 3 && (e & _PAGE_PSE)))
            return level;
        table = mm_table_of(e);
    }
    return 0;
}
