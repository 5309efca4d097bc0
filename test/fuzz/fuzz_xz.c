/*
 * Differential fuzzing of xz_decode() against liblzma (LZMA_CONCATENATED,
 * the same policy as ours: streams, stream padding, nothing else).
 *
 * - liblzma accepts => we accept with the same bytes, except for features we
 *   reject on purpose: filter chains other than [x86 BCJ,] LZMA2.
 * - we accept => liblzma accepts, unless liblzma cannot judge (its memory
 *   limit for a huge declared dictionary, which we never allocate).
 * - liblzma's output exceeds the cap => we fail.
 * Check types other than none/CRC32/CRC64/SHA-256 are reported by liblzma
 * as unsupported (LZMA_TELL_UNSUPPORTED_CHECK) and rejected by us.
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
    static struct xz_work work;
    struct domb_error err = {0};
    size_t out_len = 0, ref_len = 0;
    uint8_t *ref = NULL;

    int ours = xz_decode(data, size, out, sizeof(out), &out_len, &work, &err);
    if (ours != 0 && (err.code != ours || err.msg[0] == '\0' || out_len != 0))
        abort();
    int theirs = ref_xz_decode(data, size, sizeof(out), &ref, &ref_len);

    if (theirs == 0) {
        if (ours == XZ_ERR_FILTER_UNSUPPORTED)
            goto done;
        if (ours != 0) {
            fprintf(stderr, "liblzma accepts, we reject: %s\n", err.msg);
            abort();
        }
        if (out_len != ref_len || memcmp(out, ref, ref_len) != 0) {
            fprintf(stderr, "output differs: ours %zu bytes, liblzma %zu\n", out_len, ref_len);
            abort();
        }
    } else if (ours == 0 && theirs != -3) {
        fprintf(stderr, "we accept (%zu bytes), liblzma rejects (%d)\n", out_len, theirs);
        abort();
    }
done:
    free(ref);
    return 0;
}
