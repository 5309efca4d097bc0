/*
 * kernel-extract-check BZIMAGE ARCHIVE MEMBER
 *
 * The Linux integration check that pack-time and build-time extraction
 * agree on a real kernel: unpacks BZIMAGE with the builder's
 * bzimage_extract() (the code db-boot runs) and compares the result byte for
 * byte with MEMBER of ARCHIVE, the ELF that `domb-pack --extract-kernels`
 * stored (liblzma/zlib). Exit 0 when identical, 1 otherwise.
 */
#include <decompress/bzimage.h>
#include <domb/sha256.h>
#include <initrd/cpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP (1u << 30)

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "kernel-extract-check: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    static union decompress_work work;
    struct domb_error err;
    uint8_t *bz, *archive, *elf, digest[SHA256_DIGEST_SIZE];
    char hex[SHA256_HEX_LEN + 1];
    size_t bz_len, archive_len, elf_len, stored_len;
    const void *stored;

    if (argc != 4) {
        fprintf(stderr, "usage: kernel-extract-check BZIMAGE ARCHIVE MEMBER\n");
        return 2;
    }
    bz = slurp(argv[1], &bz_len);
    archive = slurp(argv[2], &archive_len);
    elf = malloc(CAP);
    if (!elf || bzimage_extract(bz, bz_len, elf, CAP, &elf_len, &work, &err) != 0) {
        fprintf(stderr, "kernel-extract-check: %s: %s\n", argv[1], elf ? err.msg : "out of memory");
        return 1;
    }
    if (cpio_find(archive, archive_len, argv[3], &stored, &stored_len, &err) != 0) {
        fprintf(stderr, "kernel-extract-check: %s: %s: %s\n", argv[2], argv[3], err.msg);
        return 1;
    }
    sha256(elf, elf_len, digest);
    sha256_to_hex(digest, hex);
    if (stored_len != elf_len || memcmp(stored, elf, elf_len) != 0) {
        fprintf(stderr,
                "kernel-extract-check: DIFFERENT: bzimage_extract gives %zu bytes (sha256 %s), "
                "%s:%s has %zu\n",
                elf_len, hex, argv[2], argv[3], stored_len);
        return 1;
    }
    printf("kernel-extract-check: identical: %s unpacked by bzimage_extract and %s:%s "
           "(%zu bytes, sha256 %s)\n",
           argv[1], argv[2], argv[3], elf_len, hex);
    free(elf);
    free(archive);
    free(bz);
    return 0;
}
