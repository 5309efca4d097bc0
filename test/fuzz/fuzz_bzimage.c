/*
 * Fuzzing bzimage_extract(): any input must give either an ELF of at most
 * the cap or an error with its code and a sentence; a success implies that
 * bzimage_probe() recognised the image. Streamed through a sink with the
 * smallest window (bzimage_stream(), issue 15), the same input must give the
 * same verdict, the same bytes and the same code; bzimage_prefix() the same
 * first bytes.
 */
#include <decompress/bzimage.h>

#include <stdlib.h>
#include <string.h>

#define FUZZ_OUT_CAP (512u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_sink {
    uint8_t buf[FUZZ_OUT_CAP];
    uint64_t high;
};

static int sink_write(void *ctx, uint64_t pos, const void *src, size_t len)
{
    struct fuzz_sink *s = ctx;

    if (pos > s->high || pos + len > sizeof(s->buf))
        abort(); /* first writes in order, never past the cap */
    memcpy(s->buf + pos, src, len);
    if (pos + len > s->high)
        s->high = pos + len;
    return 0;
}

static int sink_read(void *ctx, uint64_t pos, void *dst, size_t len)
{
    struct fuzz_sink *s = ctx;

    if (pos + len > s->high)
        abort(); /* only what was written */
    memcpy(dst, s->buf + pos, len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[FUZZ_OUT_CAP], window[DECOMPRESS_WINDOW_MIN], prefix[4096];
    static union decompress_work work;
    static struct fuzz_sink sink;
    struct decompress_sink ds = {.ctx = &sink, .write = sink_write, .read = sink_read};
    struct decompress_stream s = {
        .sink = &ds, .window = window, .window_size = sizeof(window), .out_cap = FUZZ_OUT_CAP};
    struct domb_error err = {0}, err2 = {0};
    size_t out_len = 123, got = 0;
    uint64_t streamed_len = 0;
    bool complete = false;

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
    sink.high = 0;
    int ret2 = bzimage_stream(data, size, &s, &streamed_len, &work, &err2);
    if (ret2 != ret || (ret == 0 && (streamed_len != out_len || sink.high != out_len ||
                                     memcmp(sink.buf, out, out_len) != 0)))
        abort();
    if (ret == 0) {
        int ret3 = bzimage_prefix(data, size, prefix, sizeof(prefix), window, sizeof(window), &got,
                                  &complete, &work, &err2);
        size_t want = out_len < sizeof(prefix) ? out_len : sizeof(prefix);

        if (ret3 != 0 || got != want || memcmp(prefix, out, got) != 0 ||
            complete != (out_len <= sizeof(prefix)))
            abort();
    }
    return 0;
}
