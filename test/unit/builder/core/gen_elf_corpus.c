/*
 * gen_elf_corpus DIR: write every image of the ELF loader's corpus to DIR as
 * good_<name>.elf and bad_<name>.elf (seeds for fuzz_elf; the expected error
 * of each bad image is in elf_corpus.c).
 */
#include "elf_corpus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int write_case(const char *dir, const char *prefix, const struct elf_case *c)
{
    char path[4096];
    struct ew_out o;
    FILE *f;
    int ok;

    c->make(&o);
    snprintf(path, sizeof(path), "%s/%s_%s.elf", dir, prefix, c->name);
    f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "gen_elf_corpus: %s: %s\n", path, strerror(errno));
        free(o.buf);
        return -1;
    }
    ok = fwrite(o.buf, 1, o.size, f) == o.size;
    ok &= fclose(f) == 0;
    free(o.buf);
    if (!ok) {
        fprintf(stderr, "gen_elf_corpus: %s: write failed\n", path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_elf_corpus DIR\n");
        return 2;
    }
    if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen_elf_corpus: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < elf_good_case_count; i++)
        if (write_case(argv[1], "good", &elf_good_cases[i]) != 0)
            return 1;
    for (size_t i = 0; i < elf_bad_case_count; i++)
        if (write_case(argv[1], "bad", &elf_bad_cases[i]) != 0)
            return 1;
    return 0;
}
