/*
 * Pack-time checks of a db-server platform: the CPIO archive of VM configs
 * a control domain (a VM with db_client = 1) carries as its ramdisk and
 * builds through db-server at run time (docs/db-server.md). domb-pack
 * parses them now with the parser the control domain uses, so a broken
 * config is reported before boot instead of silently left out.
 */
#ifndef DOMB_PACK_PLATFORM_CHECK_H
#define DOMB_PACK_PLATFORM_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* An image the archive will hold, by member name (domb/images/NAME); NULL
 * when it holds none of that name. */
typedef const uint8_t *(*platform_image_fn)(void *ctx, const char *member, size_t *size);

/*
 * If data[0..len) is a newc CPIO with *.cfg members (the control domain
 * reads those), parse each as the control domain does (config_parse; its
 * default backend: the only config with driver_domain = 1), and check
 * that its kernel and ramdisk are db-server catalog images (find) and that
 * the kernel boots as that guest (kernel_check). Each problem is printed
 * on stderr as "LABEL:MEMBER:LINE: message" (LABEL names the ramdisk).
 * Returns how many configs it checked (0: not a platform archive) or -1
 * after reporting problems.
 */
int platform_check(const char *label, const uint8_t *data, size_t len, platform_image_fn find,
                   void *ctx);

#endif
