/*
 * libFuzzer: the binary VM spec decoder and the manifest decoder. The first
 * byte picks the decoder. A spec that decodes must re-encode to the same bytes
 * (one encoding per spec); so must a manifest.
 */
#include <domb/lib.h>
#include <proto/manifest.h>
#include <proto/spec.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[MANIFEST_MAX_SIZE > SPEC_MAX_SIZE ? MANIFEST_MAX_SIZE : SPEC_MAX_SIZE];
    struct domb_error err;

    if (size < 1)
        return 0;
    if (data[0] & 1) {
        struct vm_config cfg;

        if (spec_decode(data + 1, size - 1, &cfg, &err) == 0) {
            int n = spec_encode(&cfg, out, sizeof(out), &err);

            if (n < 0 || (size_t)n != size - 1 || memcmp(out, data + 1, size - 1) != 0)
                __builtin_trap();
        }
    } else {
        struct manifest m;

        if (manifest_decode(data + 1, size - 1, &m, &err) == 0) {
            int n = manifest_encode(&m, out, sizeof(out), &err);

            if (n < 0 || (size_t)n != size - 1 || memcmp(out, data + 1, size - 1) != 0)
                __builtin_trap();
        }
    }
    return 0;
}
