/* Command lines: find "key=value" words, parse numbers. */
#include <domb/cmdline.h>
#include <domb/lib.h>

bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned int base = 10;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        unsigned int d;

        if (*s >= '0' && *s <= '9')
            d = (unsigned int)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned int)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned int)(*s - 'A' + 10);
        else
            return false;
        if (mul_overflows_u64(v, base, &v) || add_overflows_u64(v, d, &v))
            return false;
    }
    *out = v;
    return true;
}

bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    const char *p = cmdline;

    while (*p) {
        while (*p == ' ')
            p++;
        const char *word = p;
        while (*p && *p != ' ')
            p++;
        size_t wlen = (size_t)(p - word);
        if (wlen >= klen && strncmp(word, key, klen) == 0 && (wlen == klen || word[klen] == '=')) {
            const char *val = wlen == klen ? word + klen : word + klen + 1;
            size_t vlen = (size_t)(p - val);
            if (size == 0)
                return true;
            if (vlen >= size)
                vlen = size - 1;
            memcpy(buf, val, vlen);
            buf[vlen] = '\0';
            return true;
        }
    }
    return false;
}
