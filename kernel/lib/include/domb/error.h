/*
 * Errors are values. Every failing operation in shared code returns a negative
 * code and, when the caller passed one, fills a domb_error with the same code
 * and a sentence naming the problem. The caller adds the input's name
 * ("web.cfg:7: ...", "vm 'web': ...") when it reports the error to a person.
 */
#ifndef DOMB_ERROR_H
#define DOMB_ERROR_H

#include <domb/lib.h>

#define DOMB_ERROR_MSG_MAX 160

struct domb_error {
    int code;                     /* negative; 0 when no error was recorded */
    char msg[DOMB_ERROR_MSG_MAX]; /* NUL-terminated, never empty after an error */
};

/* Record an error (err may be NULL) and return code, so callers can write
 * `return domb_error_set(err, -EINVAL, "...")`. */
int domb_error_set(struct domb_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* domb_error_set with a va_list, for wrappers that add their own checks. */
int domb_error_vset(struct domb_error *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static inline void domb_error_clear(struct domb_error *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

#endif
