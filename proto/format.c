/* Checks shared by the binary formats' decoders (see <proto/format.h>). */
#include <domb/errno.h>
#include <domb/byteorder.h>
#include <proto/format.h>

int format_check_header(const uint8_t *b, size_t len, size_t header_size, const char *magic,
                        uint16_t version, struct domb_error *err)
{
    return format_check_header_versions(b, len, header_size, magic, version, version, err);
}

int format_check_header_versions(const uint8_t *b, size_t len, size_t header_size,
                                 const char *magic, uint16_t oldest, uint16_t newest,
                                 struct domb_error *err)
{
    uint16_t found;

    if (len < header_size)
        return domb_error_set(err, -XEN_EINVAL, "is truncated: %zu bytes, less than its header",
                              len);
    if (memcmp(b + FORMAT_OFF_MAGIC, magic, FORMAT_MAGIC_SIZE) != 0)
        return domb_error_set(err, -XEN_EINVAL, "magic is not \"%.8s\"", magic);
    found = get_le16(b + FORMAT_OFF_VERSION);
    if (found < oldest || found > newest) {
        if (oldest == newest)
            return domb_error_set(err, -XEN_EINVAL,
                                  "version %u is not supported (this build reads version %u)",
                                  found, newest);
        return domb_error_set(err, -XEN_EINVAL,
                              "version %u is not supported (this build reads versions %u to %u)",
                              found, oldest, newest);
    }
    return 0;
}

int format_check_length(size_t len, uint32_t size_field, struct domb_error *err)
{
    if (len != size_field)
        return domb_error_set(err, -XEN_EINVAL, "is %zu bytes but its size field says %u", len,
                              size_field);
    return 0;
}

long format_first_nonzero(const uint8_t *b, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[off + i])
            return (long)(off + i);
    return -1;
}

int format_check_reserved(const uint8_t *b, size_t off, size_t n, struct domb_error *err)
{
    long nz = format_first_nonzero(b, off, n);

    if (nz >= 0)
        return domb_error_set(err, -XEN_EINVAL, "reserved byte at offset 0x%lx is not zero", nz);
    return 0;
}

int format_get_string(const uint8_t *b, size_t off, char *dst, size_t field, int code,
                      const char *what, bool printable, struct domb_error *err)
{
    size_t n = strnlen((const char *)b + off, field);

    if (n == field)
        return domb_error_set(err, code, "%s is not NUL-terminated", what);
    if (format_first_nonzero(b, off + n, field - n) >= 0)
        return domb_error_set(err, code, "%s has bytes after its terminating NUL", what);
    for (size_t i = 0; printable && i < n; i++)
        if (b[off + i] < 0x20 || b[off + i] > 0x7e)
            return domb_error_set(err, code, "%s has a non-printable byte 0x%02x at position %zu",
                                  what, b[off + i], i);
    memcpy(dst, b + off, field);
    return 0;
}
