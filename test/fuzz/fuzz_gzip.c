/*
 * Differential fuzzing of gunzip_decode() against zlib (inflate with the
 * gzip wrapper, members decoded back to back; trailing bytes that are not a
 * member are an error for both). zlib and we must agree on every input:
 * same verdict, same bytes.
 */
#include "ref.h"

#include <decompress/decompress.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_OUT_CAP (512u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[FUZZ_OUT_CAP];
    static struct gunzip_work work;
    struct domb_error err = {0};
    size_t out_len = 0, ref_len = 0;
    uint8_t *ref = NULL;

    int ours = gunzip_decode(data, size, out, sizeof(out), &out_len, &work, &err);
    if (ours != 0 && (err.code != ours || err.msg[0] == '\0' || out_len != 0))
        abort();
    int theirs = ref_gzip_decode(data, size, sizeof(out), &ref, &ref_len);

    if ((theirs == 0) != (ours == 0)) {
        fprintf(stderr, "zlib %d, ours %d (%s)\n", theirs, ours, ours ? err.msg : "");
        abort();
    }
    if (theirs == 0 && (out_len != ref_len || memcmp(out, ref, ref_len) != 0)) {
        fprintf(stderr, "output differs: ours %zu bytes, zlib %zu\n", out_len, ref_len);
        abort();
    }
    free(ref);
    return 0;
}
