/* Kernel command-line helpers (pure; unit-tested on the host). */
#ifndef DOMB_CMDLINE_H
#define DOMB_CMDLINE_H

#include <domb/types.h>

/* Find "key=value" or a bare "key" among space-separated words. Copies the
 * value (empty for a bare key, truncated to size-1) into buf; true if found. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/* Parse an unsigned decimal or 0x-hex number; false if malformed or too big. */
bool parse_u64(const char *s, uint64_t *out);

#endif
