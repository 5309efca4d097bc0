#include <domb/error.h>

int domb_error_vset(struct domb_error *err, int code, const char *fmt, va_list ap)
{
    if (err) {
        domb_vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        err->code = code;
        if (err->msg[0] == '\0')
            domb_snprintf(err->msg, sizeof(err->msg), "error %d", code);
    }
    return code;
}

int domb_error_set(struct domb_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    code = domb_error_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}
