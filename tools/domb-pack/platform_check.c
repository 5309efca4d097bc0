/* domb-pack: a control domain's platform archive, checked at pack time. */
#include "platform_check.h"

#include "kernel_check.h"

#include <initrd/bootset.h>
#include <initrd/cpio.h>
#include <proto/config.h>
#include <stdio.h>
#include <string.h>

static bool is_config(const struct cpio_entry *e)
{
    return (e->mode & CPIO_MODE_TYPE_MASK) == CPIO_MODE_REGULAR && e->name_len >= 5 &&
           strcmp(e->name + e->name_len - 4, ".cfg") == 0;
}

/* An image named as a platform config names it: db-server's catalog member. */
static const uint8_t *catalog_image(platform_image_fn find, void *ctx, const char *name,
                                    size_t *size)
{
    char member[300];

    snprintf(member, sizeof(member), BOOTSET_IMAGE_DIR "%s", name);
    return find(ctx, member, size);
}

int platform_check(const char *label, const uint8_t *data, size_t len, platform_image_fn find,
                   void *ctx)
{
    static struct vm_config cfg;
    char backend[VM_NAME_MAX + 1] = "", file[512], why[200];
    unsigned int configs = 0, drivers = 0;
    struct config_lines lines;
    struct domb_error err;
    struct cpio_iter it;
    struct cpio_entry e;
    bool ok = true;
    int rc;

    if (len < 6 || (memcmp(data, "070701", 6) != 0 && memcmp(data, "070702", 6) != 0))
        return 0;
    /* The default backend, as control_domain.c picks it. */
    cpio_iter_init(&it, data, len);
    while (cpio_next_entry(&it, &e, &err) == 1)
        if (is_config(&e) &&
            config_parse((const char *)e.data, e.size, e.name, &cfg, NULL, &err) == 0 &&
            cfg.driver_domain && drivers++ == 0)
            memcpy(backend, cfg.name, sizeof(backend));
    if (drivers != 1)
        backend[0] = '\0';

    cpio_iter_init(&it, data, len);
    while ((rc = cpio_next_entry(&it, &e, &err)) == 1) {
        const uint8_t *img;
        size_t size;

        if (!is_config(&e))
            continue;
        configs++;
        snprintf(file, sizeof(file), "%s:%s", label, e.name);
        if (config_parse((const char *)e.data, e.size, file, &cfg, &lines, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            ok = false;
            continue;
        }
        img = catalog_image(find, ctx, cfg.kernel, &size);
        if (!img) {
            fprintf(stderr,
                    "%s:%u: kernel '%s' is not in db-server's catalog: add --image %s to "
                    "domb-pack\n",
                    file, lines.kernel, cfg.kernel, cfg.kernel);
            ok = false;
        } else if (kernel_check(img, size, cfg.type, cfg.memory_mib, why, sizeof(why)) != 0) {
            fprintf(stderr, "%s:%u: kernel '%s' cannot boot: %s\n", file, lines.kernel, cfg.kernel,
                    why);
            ok = false;
        }
        if (cfg.ramdisk[0] && !catalog_image(find, ctx, cfg.ramdisk, &size)) {
            fprintf(stderr,
                    "%s:%u: ramdisk '%s' is not in db-server's catalog: add --image %s to "
                    "domb-pack\n",
                    file, lines.ramdisk, cfg.ramdisk, cfg.ramdisk);
            ok = false;
        }
        for (uint32_t i = 0; i < cfg.nr_devices; i++) {
            char dev[32];

            if (cfg.devices[i].backend[0] || (backend[0] && strcmp(backend, cfg.name) != 0))
                continue;
            vm_device_label(&cfg.devices[i], dev, sizeof(dev));
            fprintf(stderr,
                    "%s:%u: %s has no backend= and the platform has %s driver domain (a config "
                    "with driver_domain = 1): name one with backend=\n",
                    file, lines.devices[i], dev,
                    drivers == 0   ? "no"
                    : drivers == 1 ? "only itself as"
                                   : "more than one");
            ok = false;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", label, err.msg);
        return -1;
    }
    return ok ? (int)configs : -1;
}
