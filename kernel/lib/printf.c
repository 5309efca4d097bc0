/*
 * A small, complete-enough vsnprintf for the kernel, the builder and the host
 * tests (which compare it against the C library's). No floating point.
 */
#include <domb/lib.h>
#include <stdbool.h>
#include <stdint.h>

struct out {
    char *buf;
    size_t size;
    size_t len; /* characters the full output has so far */
};

static void out_char(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_repeat(struct out *o, char c, int n)
{
    while (n-- > 0)
        out_char(o, c);
}

enum {
    F_LEFT = 1,
    F_ZERO = 2,
    F_PLUS = 4,
    F_SPACE = 8,
    F_ALT = 16,
};

static void out_string(struct out *o, const char *s, int width, int prec, int flags)
{
    size_t n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
    int pad = width > (int)n ? width - (int)n : 0;

    if (!(flags & F_LEFT))
        out_repeat(o, ' ', pad);
    for (size_t i = 0; i < n; i++)
        out_char(o, s[i]);
    if (flags & F_LEFT)
        out_repeat(o, ' ', pad);
}

static void out_number(struct out *o, uint64_t v, bool negative, unsigned base, bool upper,
                       int width, int prec, int flags)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    const char *prefix = "";
    char sign = 0;

    while (v) {
        tmp[n++] = digits[v % base];
        v /= base;
    }
    if (prec < 0)
        prec = 1;
    else
        flags &= ~F_ZERO; /* C: a precision disables zero padding */
    int zeros = prec > n ? prec - n : 0;

    if (negative)
        sign = '-';
    else if (flags & F_PLUS)
        sign = '+';
    else if (flags & F_SPACE)
        sign = ' ';
    if ((flags & F_ALT) && n > 0) {
        if (base == 16)
            prefix = upper ? "0X" : "0x";
        else if (base == 8 && zeros == 0)
            prefix = "0";
    }
    int body = n + zeros + (sign ? 1 : 0) + (int)strlen(prefix);
    int pad = width > body ? width - body : 0;

    if (!(flags & (F_LEFT | F_ZERO)))
        out_repeat(o, ' ', pad);
    if (sign)
        out_char(o, sign);
    for (const char *p = prefix; *p; p++)
        out_char(o, *p);
    if (flags & F_ZERO && !(flags & F_LEFT))
        out_repeat(o, '0', pad);
    out_repeat(o, '0', zeros);
    while (n > 0)
        out_char(o, tmp[--n]);
    if (flags & F_LEFT)
        out_repeat(o, ' ', pad);
}

enum length { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE, L_PTRDIFF, L_MAX };

static uint64_t arg_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case L_CHAR:
        return (unsigned char)va_arg(*ap, unsigned int);
    case L_SHORT:
        return (unsigned short)va_arg(*ap, unsigned int);
    case L_LONG:
        return va_arg(*ap, unsigned long);
    case L_LLONG:
        return va_arg(*ap, unsigned long long);
    case L_SIZE:
        return va_arg(*ap, size_t);
    case L_PTRDIFF:
        return (uint64_t)va_arg(*ap, ptrdiff_t);
    case L_MAX:
        return va_arg(*ap, uintmax_t);
    default:
        return va_arg(*ap, unsigned int);
    }
}

static int64_t arg_signed(va_list *ap, enum length len)
{
    switch (len) {
    case L_CHAR:
        return (signed char)va_arg(*ap, int);
    case L_SHORT:
        return (short)va_arg(*ap, int);
    case L_LONG:
        return va_arg(*ap, long);
    case L_LLONG:
        return va_arg(*ap, long long);
    case L_SIZE:
    case L_PTRDIFF:
        return va_arg(*ap, ptrdiff_t);
    case L_MAX:
        return va_arg(*ap, intmax_t);
    default:
        return va_arg(*ap, int);
    }
}

int domb_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = {buf, size, 0};
    va_list ap;

    va_copy(ap, ap_in);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            out_char(&o, *p);
            continue;
        }
        p++;
        int flags = 0;
        for (;; p++) {
            if (*p == '-')
                flags |= F_LEFT;
            else if (*p == '0')
                flags |= F_ZERO;
            else if (*p == '+')
                flags |= F_PLUS;
            else if (*p == ' ')
                flags |= F_SPACE;
            else if (*p == '#')
                flags |= F_ALT;
            else
                break;
        }
        int width = 0;
        if (*p == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = -width;
            }
            p++;
        } else {
            while (*p >= '0' && *p <= '9' && width < 10000)
                width = width * 10 + (*p++ - '0');
        }
        int prec = -1;
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(ap, int);
                if (prec < 0)
                    prec = -1;
                p++;
            } else {
                while (*p >= '0' && *p <= '9' && prec < 10000)
                    prec = prec * 10 + (*p++ - '0');
            }
        }
        enum length len = L_INT;
        switch (*p) {
        case 'h':
            len = L_SHORT;
            if (p[1] == 'h') {
                len = L_CHAR;
                p++;
            }
            p++;
            break;
        case 'l':
            len = L_LONG;
            if (p[1] == 'l') {
                len = L_LLONG;
                p++;
            }
            p++;
            break;
        case 'z':
            len = L_SIZE;
            p++;
            break;
        case 't':
            len = L_PTRDIFF;
            p++;
            break;
        case 'j':
            len = L_MAX;
            p++;
            break;
        default:
            break;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = arg_signed(&ap, len);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            out_number(&o, mag, v < 0, 10, false, width, prec, flags);
            break;
        }
        case 'u':
            out_number(&o, arg_unsigned(&ap, len), false, 10, false, width, prec, flags);
            break;
        case 'x':
        case 'X':
            out_number(&o, arg_unsigned(&ap, len), false, 16, *p == 'X', width, prec, flags);
            break;
        case 'o':
            out_number(&o, arg_unsigned(&ap, len), false, 8, false, width, prec, flags);
            break;
        case 'p': {
            void *ptr = va_arg(ap, void *);
            if (!ptr)
                out_string(&o, "(nil)", width, -1, flags);
            else
                out_number(&o, (uintptr_t)ptr, false, 16, false, width, -1,
                           (flags | F_ALT) & ~(F_PLUS | F_SPACE));
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            int pad = width > 1 ? width - 1 : 0;
            if (!(flags & F_LEFT))
                out_repeat(&o, ' ', pad);
            out_char(&o, c);
            if (flags & F_LEFT)
                out_repeat(&o, ' ', pad);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            out_string(&o, s ? s : "(null)", width, prec, flags);
            break;
        }
        case '%':
            out_char(&o, '%');
            break;
        case '\0':
            p--; /* a lone '%' at the end: print nothing more */
            break;
        default:
            /* Unknown conversion: print it verbatim so the mistake is visible. */
            out_char(&o, '%');
            out_char(&o, *p);
            break;
        }
    }
    va_end(ap);
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

int domb_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = domb_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
