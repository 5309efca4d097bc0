/*
 * Hand-made XZ files for the tests (see xz_build.h). Independent of the
 * decoder under test: CRCs come from liblzma.
 */
#include "xz_build.h"

#include <domb/byteorder.h>
#include <lzma.h>
#include <string.h>

size_t xzb_put_vli(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

void xzb_fix_crc32(uint8_t *buf, size_t from, size_t len, size_t at)
{
    put_le32(buf + at, lzma_crc32(buf + from, len, 0));
}

static size_t check_size(uint8_t check)
{
    return check == 0 ? 0 : check == 1 ? 4 : check == 4 ? 8 : 32; /* 10: SHA-256 */
}

size_t xzb_wrap(uint8_t *dst, const uint8_t *lzma2, size_t n, const uint8_t *plain,
                size_t plain_len, const struct xzb_opts *o)
{
    static const uint8_t magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
    size_t p = 0;

    memcpy(dst, magic, 6);
    dst[6] = 0;
    dst[7] = o->check;
    xzb_fix_crc32(dst, 6, 2, 8);
    p = 12;

    /* block header */
    size_t bh = p;
    uint8_t hdr[64];
    size_t h = 2;
    hdr[1] = o->x86 ? 1 : 0;
    if (o->x86) {
        hdr[h++] = 0x04;
        hdr[h++] = 0x00;
    }
    hdr[h++] = 0x21;
    hdr[h++] = 0x01;
    hdr[h++] = o->dict_byte;
    while ((h + 4) % 4)
        hdr[h++] = 0;
    hdr[0] = (uint8_t)((h + 4) / 4 - 1);
    memcpy(dst + p, hdr, h);
    xzb_fix_crc32(dst, bh, h, bh + h);
    p += h + 4;
    size_t bh_size = h + 4;

    memcpy(dst + p, lzma2, n);
    p += n;
    while (p % 4)
        dst[p++] = 0;
    if (o->check == 1)
        put_le32(dst + p, lzma_crc32(plain, plain_len, 0));
    if (o->check == 4)
        put_le64(dst + p, lzma_crc64(plain, plain_len, 0));
    p += check_size(o->check);

    /* index */
    size_t idx = p;
    dst[p++] = 0;
    p += xzb_put_vli(dst + p, 1);
    p += xzb_put_vli(dst + p, bh_size + n + check_size(o->check));
    p += xzb_put_vli(dst + p, plain_len);
    while (p % 4)
        dst[p++] = 0;
    xzb_fix_crc32(dst, idx, p - idx, p);
    p += 4;
    size_t index_size = p - idx;

    /* footer */
    put_le32(dst + p + 4, (uint32_t)(index_size / 4 - 1));
    dst[p + 8] = 0;
    dst[p + 9] = o->check;
    xzb_fix_crc32(dst, p + 4, 6, p);
    dst[p + 10] = 'Y';
    dst[p + 11] = 'Z';
    return p + 12;
}

size_t xzb_lzma2_size(const uint8_t *p)
{
    size_t i = 0;
    while (p[i] != 0) {
        uint8_t c = p[i];
        if (c >= 0x80)
            i += (c >= 0xc0 ? 6 : 5) + ((size_t)p[i + 3] << 8 | p[i + 4]) + 1;
        else
            i += 3 + ((size_t)p[i + 1] << 8 | p[i + 2]) + 1;
    }
    return i + 1;
}

void xzb_layout(const uint8_t *x, size_t n, struct xzb_layout *l)
{
    l->block_header = 12;
    l->block_header_size = ((size_t)x[12] + 1) * 4;
    l->data = 12 + l->block_header_size;
    l->comp = xzb_lzma2_size(x + l->data);
    l->padding = l->data + l->comp;
    l->check = (l->padding + 3) & ~(size_t)3;
    l->index = l->check + check_size(x[7]);
    l->footer = n - 12;
}

void xzb_fix_block_header_crc(uint8_t *x, const struct xzb_layout *l)
{
    size_t len = l->block_header_size - 4;
    xzb_fix_crc32(x, l->block_header, len, l->block_header + len);
}
