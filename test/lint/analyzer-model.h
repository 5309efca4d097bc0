/*
 * Facts the static analyzers cannot see across translation units, given to
 * clang-tidy (with -include) so that it does not report paths that cannot
 * happen. Never compiled into domB.
 *
 * domb_error_set() and domb_error_vset() return the code they are given
 * (kernel/lib/error.c): the `return domb_error_set(err, -XEN_EINVAL, ...)`
 * idiom returns that error, so out-parameters left unset on that path are
 * never read.
 */
#ifndef DOMB_LINT_ANALYZER_MODEL_H
#define DOMB_LINT_ANALYZER_MODEL_H

#include <domb/error.h>

#define domb_error_set(err, code, ...) ((void)(domb_error_set)(err, code, __VA_ARGS__), (int)(code))
#define domb_error_vset(err, code, fmt, ap)                                                        \
    ((void)(domb_error_vset)(err, code, fmt, ap), (int)(code))

#endif
