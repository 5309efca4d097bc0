/* Errors as values: record a code and a sentence in a struct domb_error. */
#include <domb/error.h>

int domb_error_set(struct domb_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;

        va_start(ap, fmt);
        domb_vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        err->code = code;
        if (err->msg[0] == '\0')
            domb_snprintf(err->msg, sizeof(err->msg), "error %d", code);
    }
    return code;
}
