/*
 * What the config parser (proto/config.c) knows about xl's own keys and
 * value forms beyond the keys domB implements (private to the parser): why
 * each xl.cfg key domB does not implement is refused, which keys make a
 * file an HVM guest, the closest known key to a typo, and xl's CPU-list
 * and UUID strings. Messages have no location: the caller adds "FILE:LINE: ".
 */
#ifndef PROTO_CONFIG_XL_H
#define PROTO_CONFIG_XL_H

#include <proto/vm_config.h>

/* The one answer to an HVM guest (type = "hvm", builder = "hvm", or any
 * key only an HVM guest has). */
#define CONFIG_NO_HVM                                                                              \
    "HVM guests need a device model (QEMU), which domB does not run: use type = \"pvh\""

/* Why domB refuses xl key key[0..len), or NULL when it is not one of them
 * (an implemented key, an HVM key, or not an xl key at all). */
const char *config_xl_refusal(const char *key, size_t len);

/* Is key[0..len) a key only xl's HVM guests have (boot, vnc..., serial, ...)? */
bool config_xl_is_hvm_key(const char *key, size_t len);

/* The known key closest to the typo key[0..len) (at most two edits away,
 * fewer than half its length), among `known` and xl's own keys; or NULL. */
const char *config_xl_suggest(const char *key, size_t len, const char *const *known, size_t n);

/*
 * xl's CPULIST (xl.cfg(5) cpus=): comma-separated CPUs "N", ranges "N-M",
 * "all", each optionally negated with '^' (removed from what came before),
 * applied in order to an empty map; CPUs 0..VM_PCPU_MAX-1. NUMA node
 * forms (node:, nodes:) are refused: domB does not know the host's nodes.
 * `key` names the key in messages ("cpus: ...").
 */
int config_xl_cpulist(const char *key, const char *s, uint8_t map[VM_CPUMAP_BYTES],
                      struct domb_error *err);

/* A UUID as xl writes it: 32 hex digits (either case) in groups of 8-4-4-4-12. */
int config_xl_uuid(const char *s, uint8_t uuid[VM_UUID_SIZE], struct domb_error *err);

#endif
