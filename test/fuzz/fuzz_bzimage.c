/*
 * Fuzzing bzimage_extract(): any input must give either an ELF of at most
 * the cap or an error with its code and a sentence; a success implies that
 * bzimage_probe() recognised the image.
 */
#include <decompress/bzimage.h>

#include <stdlib.h>
#include <string.h>

#define FUZZ_OUT_CAP (512u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[FUZZ_OUT_CAP];
    static union decompress_work work;
    struct domb_error err = {0};
    size_t out_len = 123;

    bool probe = bzimage_probe(data, size);
    int ret = bzimage_extract(data, size, out, sizeof(out), &out_len, &work, &err);
    if (ret == 0) {
        if (!probe || out_len < 4 || out_len > sizeof(out) ||
            memcmp(out,
                   "\x7f"
                   "ELF",
                   4) != 0)
            abort();
    } else {
        if (ret != err.code || err.msg[0] == '\0' || out_len != 0 ||
            strncmp(err.msg, "bzimage: ", 9) != 0)
            abort();
    }
    return 0;
}
