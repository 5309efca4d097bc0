/*
 * The VM configuration file parser: xl.cfg syntax (see docs/config.md).
 *
 *     name = "web"            # comments run to the end of the line
 *     kernel = 'web.elf'
 *     memory = 128
 *     irqs = [ 5, 0x7, ]      # lists may span lines and end with a comma
 *
 * Unknown keys, keys xl knows but domB does not support, and keys given twice
 * are errors, never ignored. Errors read "FILE:LINE: message" (or "FILE:
 * message" for something missing from the whole file), with FILE the name
 * the caller passed in.
 *
 * Shared code: no allocation; the parser writes straight into *cfg.
 */
#ifndef PROTO_CONFIG_H
#define PROTO_CONFIG_H

#include <proto/vm_config.h>

/*
 * Parse text[0..len) (it need not be NUL-terminated) into *cfg. Returns 0, or
 * -XEN_EINVAL with err describing the first problem; *cfg is then undefined.
 */
int config_parse(const char *text, size_t len, const char *file_name, struct vm_config *cfg,
                 struct domb_error *err);

#endif
