/*
 * Reference encoders/decoders (liblzma, zlib) and test data for the
 * decompressor tests. See ref.h.
 */
#include "ref.h"

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

uint64_t ref_rand(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static const uint8_t *ref_self(size_t *len)
{
    static uint8_t *self;
    static size_t self_len;

    if (!self) {
        FILE *f = fopen("/proc/self/exe", "rb");
        size_t cap = 4 << 20;
        self = malloc(cap);
        self_len = f ? fread(self, 1, cap, f) : 0;
        if (f)
            fclose(f);
        if (self_len < 4096) { /* no /proc: fall back to pseudo-code */
            uint64_t s = 7;
            self_len = cap;
            for (size_t i = 0; i < self_len; i++)
                self[i] = (ref_rand(&s) & 7) == 0 ? 0xe8 : (uint8_t)(ref_rand(&s) & 0x1f);
        }
    }
    *len = self_len;
    return self;
}

void ref_fill(uint8_t *buf, size_t n, enum ref_data_kind kind, uint64_t *seed)
{
    static const char *words[] = {"the ",    "domain ", "builder ", "xen ",   "page ",
                                  "table ",  "memory ", "kernel ",  "event ", "channel ",
                                  "grant\n", "start ",  "info ",    "vcpu ",  "=",
                                  "0x1f, ",  "{\n",     "}\n",      "\t",     "return "};
    switch (kind) {
    case REF_DATA_RANDOM:
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)ref_rand(seed);
        break;
    case REF_DATA_ZERO:
        memset(buf, 0, n);
        break;
    case REF_DATA_REPETITIVE: {
        uint8_t pat[64];
        size_t plen = 1 + ref_rand(seed) % sizeof(pat);
        for (size_t i = 0; i < plen; i++)
            pat[i] = (uint8_t)ref_rand(seed);
        for (size_t i = 0; i < n; i++)
            buf[i] = (ref_rand(seed) % 512) == 0 ? (uint8_t)ref_rand(seed) : pat[i % plen];
        break;
    }
    case REF_DATA_TEXT:
        for (size_t i = 0; i < n;) {
            const char *w = words[ref_rand(seed) % (sizeof(words) / sizeof(words[0]))];
            for (; *w && i < n; w++)
                buf[i++] = (uint8_t)*w;
        }
        break;
    case REF_DATA_CODE: {
        size_t len;
        const uint8_t *self = ref_self(&len);
        /* DOMB_REF_SALT shifts the window, so a run can check that no test
         * depends on where in the binary its data happens to come from. */
        const char *salt = getenv("DOMB_REF_SALT");
        size_t at =
            n < len ? (ref_rand(seed) + (salt ? strtoull(salt, NULL, 0) : 0)) % (len - n) : 0;
        for (size_t i = 0; i < n; i++)
            buf[i] = self[(at + i) % len];
        break;
    }
    default:
        abort();
    }
}

uint8_t *ref_xz_encode(const uint8_t *in, size_t n, const struct ref_xz_opts *o, size_t *out_len)
{
    lzma_options_lzma lz;
    lzma_options_bcj bcj = {.start_offset = o->x86_start};
    lzma_options_delta delta = {.type = LZMA_DELTA_TYPE_BYTE, .dist = 4};
    lzma_filter filters[4];
    size_t nf = 0;
    size_t cap = n + n / 2 + 4096;
    uint8_t *out = malloc(cap);

    if (lzma_lzma_preset(&lz, o->preset))
        abort();
    if (o->x86)
        filters[nf++] = (lzma_filter){LZMA_FILTER_X86, &bcj};
    if (o->delta)
        filters[nf++] = (lzma_filter){LZMA_FILTER_DELTA, &delta};
    filters[nf++] = (lzma_filter){LZMA_FILTER_LZMA2, &lz};
    filters[nf] = (lzma_filter){LZMA_VLI_UNKNOWN, NULL};

    if (o->block_size) {
        lzma_mt mt = {.threads = 1,
                      .block_size = o->block_size,
                      .filters = filters,
                      .check = (lzma_check)o->check};
        lzma_stream s = LZMA_STREAM_INIT;
        if (lzma_stream_encoder_mt(&s, &mt) != LZMA_OK)
            abort();
        s.next_in = in;
        s.avail_in = n;
        s.next_out = out;
        s.avail_out = cap;
        lzma_ret r;
        while ((r = lzma_code(&s, LZMA_FINISH)) == LZMA_OK)
            ;
        if (r != LZMA_STREAM_END)
            abort();
        *out_len = s.total_out;
        lzma_end(&s);
        return out;
    }
    size_t pos = 0;
    if (lzma_stream_buffer_encode(filters, (lzma_check)o->check, NULL, in, n, out, &pos, cap))
        abort();
    *out_len = pos;
    return out;
}

uint8_t *ref_lzma2_raw_encode(const uint8_t *in, size_t n, uint32_t preset, size_t *out_len)
{
    lzma_options_lzma lz;
    lzma_filter filters[2] = {{LZMA_FILTER_LZMA2, &lz}, {LZMA_VLI_UNKNOWN, NULL}};
    size_t cap = n + n / 2 + 4096, pos = 0;
    uint8_t *out = malloc(cap);

    if (lzma_lzma_preset(&lz, preset) ||
        lzma_raw_buffer_encode(filters, NULL, in, n, out, &pos, cap))
        abort();
    *out_len = pos;
    return out;
}

int ref_xz_decode(const uint8_t *in, size_t n, size_t out_cap, uint8_t **out, size_t *out_len)
{
    lzma_stream s = LZMA_STREAM_INIT;
    size_t cap = out_cap + 1; /* one spare byte tells "exceeds out_cap" */
    uint8_t *buf = malloc(cap ? cap : 1);
    int ret;

    /* 256 MiB memory limit: huge dictionary sizes in hostile headers make
     * liblzma allocate them; those inputs are "cannot judge". */
    if (lzma_stream_decoder(&s, 256u << 20, LZMA_CONCATENATED | LZMA_TELL_UNSUPPORTED_CHECK))
        abort();
    s.next_in = in;
    s.avail_in = n;
    s.next_out = buf;
    s.avail_out = cap;
    lzma_ret r;
    do
        r = lzma_code(&s, LZMA_FINISH);
    while (r == LZMA_OK && s.avail_out > 0);
    if (r == LZMA_STREAM_END && s.total_out <= out_cap)
        ret = 0;
    else if (s.total_out > out_cap)
        ret = -2;
    else if (r == LZMA_MEMLIMIT_ERROR || r == LZMA_MEM_ERROR || r == LZMA_UNSUPPORTED_CHECK)
        ret = -3;
    else
        ret = -1;
    *out_len = s.total_out;
    lzma_end(&s);
    if (ret != 0) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    return ret;
}

int ref_gzip_decode(const uint8_t *in, size_t n, size_t out_cap, uint8_t **out, size_t *out_len)
{
    z_stream s;
    size_t cap = out_cap + 1;
    uint8_t *buf = malloc(cap);
    int ret = -1;

    memset(&s, 0, sizeof(s));
    if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
        abort();
    s.next_in = (Bytef *)in;
    s.next_out = buf;
    size_t in_left = n, out_left = cap;
    for (;;) {
        /* zlib's counters are 32-bit: feed at most 1 GiB at a time. */
        uInt ai = in_left > (1u << 30) ? 1u << 30 : (uInt)in_left;
        uInt ao = out_left > (1u << 30) ? 1u << 30 : (uInt)out_left;
        s.avail_in = ai;
        s.avail_out = ao;
        int r = inflate(&s, Z_FINISH);
        in_left -= ai - s.avail_in;
        out_left -= ao - s.avail_out;
        if (cap - out_left > out_cap) {
            ret = -2;
            break;
        }
        if (r == Z_STREAM_END) {
            if (in_left == 0) {
                ret = 0;
                break;
            }
            inflateReset(&s); /* another member follows */
            continue;
        }
        if (r == Z_OK || (r == Z_BUF_ERROR && s.avail_in > 0 && s.avail_out > 0))
            continue;
        ret = -1; /* error, or input ended inside a member */
        break;
    }
    *out_len = cap - out_left;
    inflateEnd(&s);
    if (ret != 0) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    return ret;
}

uint8_t *ref_gzip_encode(const uint8_t *in, size_t n, const struct ref_gzip_opts *o,
                         size_t *out_len)
{
    z_stream s;
    gz_header h;
    static char name[] = "vmlinux", comment[] = "domB test";
    static unsigned char extra[] = {'A', 'P', 4, 0, 1, 2, 3, 4};
    size_t cap = deflateBound(NULL, (uLong)n) + 256;
    uint8_t *out = malloc(cap);

    memset(&s, 0, sizeof(s));
    if (deflateInit2(&s, o->level, Z_DEFLATED, 16 + MAX_WBITS, 8, o->strategy) != Z_OK)
        abort();
    memset(&h, 0, sizeof(h));
    h.os = 3;
    h.time = 0x5f000000;
    if (o->name)
        h.name = (Bytef *)name;
    if (o->comment)
        h.comment = (Bytef *)comment;
    if (o->extra) {
        h.extra = extra;
        h.extra_len = sizeof(extra);
    }
    h.hcrc = o->hcrc;
    if (deflateSetHeader(&s, &h) != Z_OK)
        abort();
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)n;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    if (deflate(&s, Z_FINISH) != Z_STREAM_END)
        abort();
    *out_len = s.total_out;
    deflateEnd(&s);
    return out;
}
