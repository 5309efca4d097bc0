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
 * Where some keys were set (line numbers, 0 when absent), for tools that
 * report later problems (a missing kernel file, a hash mismatch) at the line
 * that caused them.
 */
struct config_lines {
    unsigned name;
    unsigned kernel;
    unsigned ramdisk;
    unsigned kernel_sha256;
    unsigned ramdisk_sha256;
    unsigned domid;
    unsigned driver_domain;
    unsigned db_builder;
    unsigned devices[VM_DEVICE_MAX]; /* the line of each of cfg->devices[] */
};

/*
 * Parse text[0..len) (it need not be NUL-terminated) into *cfg; lines may be
 * NULL. Returns 0, or -XEN_EINVAL with err describing the first problem;
 * *cfg is then undefined.
 */
int config_parse(const char *text, size_t len, const char *file_name, struct vm_config *cfg,
                 struct config_lines *lines, struct domb_error *err);

#endif
