/*
 * The ELF loader's corpus: valid sample images and one malformed image per
 * class of defect (XSA-55 and more), each with the error elf_parse() must
 * return. Shared by test_elf and gen_elf_corpus (which writes them to disk to
 * seed the fuzzer). Host-only.
 */
#ifndef TEST_ELF_CORPUS_H
#define TEST_ELF_CORPUS_H

#include "elf_writer.h"

struct elf_case {
    const char *name;
    void (*make)(struct ew_out *o);
    int expect;          /* elf_parse() result (0 for fits cases and valid images) */
    const char *msg_has; /* the message must contain this (NULL: just non-empty) */
    uint64_t fits_pages; /* != 0: parse must pass, elf_check_fits(pages, 16) must fail */
    uint64_t pvh_ram;    /* != 0: parse must pass, elf_check_pvh(pvh_ram, ELF_CORPUS_PVH_HOLE)
                          * must return `expect` */
};

/* The hole elf_check_pvh() is asked about (the builder's PVH_HOLE_START). */
#define ELF_CORPUS_PVH_HOLE 0xfc000000ULL

extern const struct elf_case elf_bad_cases[];
extern const size_t elf_bad_case_count;
extern const struct elf_case elf_good_cases[];
extern const size_t elf_good_case_count;

const struct elf_case *elf_case_find(const char *name);

#endif
