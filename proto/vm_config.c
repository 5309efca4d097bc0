/*
 * Checks on a VM configuration that both the text parser and the binary spec
 * decoder need, so the two can never disagree about what is valid.
 */
#include <domb/errno.h>
#include <domb/sha256.h>
#include <proto/vm_config.h>

static const char *const vm_on_exit_names[VM_ON_EXIT_COUNT] = {
    [VM_ON_EXIT_DESTROY] = "destroy",
    [VM_ON_EXIT_PRESERVE] = "preserve",
    [VM_ON_EXIT_RESTART] = "restart",
    [VM_ON_EXIT_RENAME_RESTART] = "rename-restart",
};

static const char *const vm_reason_keys[VM_REASON_COUNT] = {
    [VM_REASON_POWEROFF] = "on_poweroff",     [VM_REASON_REBOOT] = "on_reboot",
    [VM_REASON_CRASH] = "on_crash",           [VM_REASON_WATCHDOG] = "on_watchdog",
    [VM_REASON_SOFT_RESET] = "on_soft_reset",
};

const char *vm_reason_key(enum vm_reason reason)
{
    if ((unsigned)reason >= VM_REASON_COUNT)
        return NULL;
    return vm_reason_keys[reason];
}

enum vm_on_exit vm_config_action(const struct vm_config *cfg, unsigned int xen_reason, bool *leave)
{
    /* Xen's SHUTDOWN_* codes (public/sched.h), which are ABI. */
    static const int reason_of[] = {VM_REASON_POWEROFF, VM_REASON_REBOOT,   -1,
                                    VM_REASON_CRASH,    VM_REASON_WATCHDOG, VM_REASON_SOFT_RESET};
    int r = xen_reason < ARRAY_SIZE(reason_of) ? reason_of[xen_reason] : -2;

    *leave = r == -1; /* suspend: xl leaves a suspended domain alone */
    if (r < 0)
        return VM_ON_EXIT_DESTROY; /* unknown codes: xl destroys the domain */
    if (cfg->on_reason_set & (1u << r))
        return cfg->on_reason[r];
    return cfg->on_exit;
}

void vm_uuid_format(const uint8_t uuid[VM_UUID_SIZE], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;

    for (unsigned int i = 0; i < VM_UUID_SIZE; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[n++] = '-';
        out[n++] = hex[uuid[i] >> 4];
        out[n++] = hex[uuid[i] & 15];
    }
    out[n] = '\0';
}

static const char *const vm_type_names[VM_TYPE_COUNT] = {
    [VM_TYPE_PV] = "pv",
    [VM_TYPE_PVH] = "pvh",
};

const char *vm_type_name(enum vm_type type)
{
    if ((unsigned)type >= VM_TYPE_COUNT)
        return NULL;
    return vm_type_names[type];
}

void vm_config_init(struct vm_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->vcpus = 1;
    cfg->on_exit = VM_ON_EXIT_DESTROY;
    cfg->type = VM_TYPE_PV;
}

const char *vm_on_exit_name(enum vm_on_exit action)
{
    if ((unsigned)action >= VM_ON_EXIT_COUNT)
        return NULL;
    return vm_on_exit_names[action];
}

static bool vm_name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

int vm_config_check_name(const char *name, struct domb_error *err)
{
    size_t len = strnlen(name, VM_NAME_MAX + 1);

    if (len == 0)
        return domb_error_set(err, -XEN_EINVAL, "name must not be empty");
    if (len > VM_NAME_MAX)
        return domb_error_set(err, -XEN_EINVAL, "name is longer than %d characters", VM_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        if (!vm_name_char_ok(name[i]))
            return domb_error_set(err, -XEN_EINVAL,
                                  "name may only hold letters, digits, '_', '.' and '-'");
    }
    return 0;
}

int vm_config_check_iomem(const struct vm_iomem *range, struct domb_error *err)
{
    uint64_t end;

    if (range->nr_pages == 0)
        return domb_error_set(err, -XEN_EINVAL, "iomem range must cover at least one page");
    if (add_overflows_u64(range->start_mfn, range->nr_pages, &end) || end > VM_FRAME_LIMIT)
        return domb_error_set(err, -XEN_EINVAL, "iomem range 0x%llx+0x%llx is beyond 2^40 frames",
                              (unsigned long long)range->start_mfn,
                              (unsigned long long)range->nr_pages);
    if (add_overflows_u64(range->gfn, range->nr_pages, &end) || end > VM_FRAME_LIMIT)
        return domb_error_set(err, -XEN_EINVAL,
                              "iomem guest frame 0x%llx+0x%llx is beyond 2^40 frames",
                              (unsigned long long)range->gfn, (unsigned long long)range->nr_pages);
    return 0;
}

int vm_config_check_ioport(const struct vm_ioport *range, struct domb_error *err)
{
    if (range->last > VM_IOPORT_LAST)
        return domb_error_set(err, -XEN_EINVAL, "ioport 0x%x is above 0xffff",
                              (unsigned)range->last);
    if (range->first > range->last)
        return domb_error_set(err, -XEN_EINVAL, "ioport range 0x%x-0x%x ends before it starts",
                              (unsigned)range->first, (unsigned)range->last);
    return 0;
}

int vm_config_check_irq(uint64_t irq, struct domb_error *err)
{
    if (irq > VM_IRQ_LAST)
        return domb_error_set(err, -XEN_EINVAL, "irq %llu is above %u", (unsigned long long)irq,
                              VM_IRQ_LAST);
    return 0;
}

static int vm_config_check_string(const char *field, size_t size, const char *what,
                                  struct domb_error *err)
{
    if (strnlen(field, size) == size)
        return domb_error_set(err, -XEN_EINVAL, "%s is not NUL-terminated", what);
    return 0;
}

int vm_config_check_seclabel(const char *key, const char *label, struct domb_error *err)
{
    size_t len = strnlen(label, VM_SECLABEL_MAX + 1), start = 0;
    unsigned int fields = 1;

    if (len > VM_SECLABEL_MAX)
        return domb_error_set(err, -XEN_EINVAL, "%s is longer than %u characters", key,
                              VM_SECLABEL_MAX);
    for (size_t i = 0; i <= len; i++) {
        char c = label[i];

        if (c == ':' || c == '\0') {
            if (i == start)
                break; /* an empty field */
            if (c == ':')
                fields++;
            start = i + 1;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_')) {
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s '%s' has a character other than [A-Za-z0-9_:] at %zu", key,
                                  label, i + 1);
        }
        if (c == '\0')
            return fields == 3 ? 0
                               : domb_error_set(err, -XEN_EINVAL,
                                                "%s '%s' is not a FLASK label user:role:type "
                                                "(%u fields)",
                                                key, label, fields);
    }
    return domb_error_set(err, -XEN_EINVAL,
                          "%s '%s' is not a FLASK label user:role:type (an empty field)", key,
                          label);
}

static bool all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < len; i++)
        if (b[i])
            return false;
    return true;
}

/* ---- devices ---- */

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_decimal(char c)
{
    return c >= '0' && c <= '9';
}

/* Decimal digits s[0..) up to the end, no leading zero, value <= max. */
static bool parse_decimal(const char *s, uint32_t max, uint32_t *value)
{
    uint32_t v = 0;

    if (!is_decimal(*s) || (s[0] == '0' && s[1] != '\0'))
        return false;
    for (; *s; s++) {
        if (!is_decimal(*s))
            return false;
        v = v * 10 + (uint32_t)(*s - '0');
        if (v > max)
            return false;
    }
    *value = v;
    return true;
}

/*
 * PREFIX, drive letters (a = 0, ..., z = 25, aa = 26, ...) up to max_disk,
 * then an optional partition number up to max_part without leading zeros
 * (libxl's device_virtdisk_matches). 1: matched; 0: not this prefix; -1:
 * this prefix but out of range or malformed.
 */
static int vdev_match(const char *vdev, const char *prefix, uint32_t max_disk, uint32_t max_part,
                      uint32_t *disk, uint32_t *part)
{
    size_t n = strlen(prefix);
    const char *s = vdev + n;
    uint64_t index = 0;

    if (strncmp(vdev, prefix, n) != 0 || !is_lower(*s))
        return 0;
    for (; is_lower(*s); s++) {
        index = index * 26 + (uint64_t)(*s - 'a') + (s == vdev + n ? 0 : 26);
        if (index > max_disk)
            return -1;
    }
    *disk = (uint32_t)index;
    *part = 0;
    if (*s == '\0')
        return 1;
    /* libxl: no leading zeros, so no partition 0 either */
    return *s != '0' && parse_decimal(s, max_part, part) ? 1 : -1;
}

/* "dDpP": disk and partition by number (the same numbers as xvd). */
static int vdev_match_numbers(const char *vdev, uint32_t *disk, uint32_t *part)
{
    char digits[VM_VDEV_MAX + 1];
    size_t n = 0;
    const char *s = vdev + 1;

    if (vdev[0] != 'd' || !is_decimal(vdev[1]))
        return 0;
    while (is_decimal(*s) && n < sizeof(digits) - 1)
        digits[n++] = *s++;
    digits[n] = '\0';
    if (*s != 'p' || !parse_decimal(digits, (1u << 20) - 1, disk) ||
        !parse_decimal(s + 1, 255, part))
        return -1;
    return 1;
}

int vm_disk_vdev_number(const char *vdev, uint32_t *number, struct domb_error *err)
{
    uint32_t disk = 0, part = 0;
    int m;

    if ((m = vdev_match(vdev, "xvd", (1u << 20) - 1, 255, &disk, &part)) == 0)
        m = vdev_match_numbers(vdev, &disk, &part);
    if (m == 1) {
        if (disk <= 15 && part <= 15)
            *number = 202u << 8 | disk << 4 | part;
        else
            *number = 1u << 28 | disk << 8 | part;
        return 0;
    }
    if (m < 0)
        return domb_error_set(err, -XEN_EINVAL,
                              "vdev '%s' is malformed or out of range (xvda to xvdbgqcv, "
                              "partitions 1 to 255; dDpP with D < 1048576, P < 256)",
                              vdev);
    if ((m = vdev_match(vdev, "hd", 3, 63, &disk, &part)) == 1) {
        *number = (disk < 2 ? 3u : 22u) << 8 | (disk & 1) << 6 | part;
        return 0;
    }
    if (m < 0)
        return domb_error_set(
            err, -XEN_EINVAL,
            "vdev '%s' is malformed or out of range (hda to hdd, partitions 1 to 63)", vdev);
    if ((m = vdev_match(vdev, "sd", 15, 15, &disk, &part)) == 1) {
        *number = 8u << 8 | disk << 4 | part;
        return 0;
    }
    if (m < 0)
        return domb_error_set(
            err, -XEN_EINVAL,
            "vdev '%s' is malformed or out of range (sda to sdp, partitions 1 to 15)", vdev);
    if (is_decimal(vdev[0]))
        return domb_error_set(err, -XEN_EINVAL,
                              "vdev '%s' is a number; name the disk (xvda, hda, sda, d0p0)", vdev);
    return domb_error_set(err, -XEN_EINVAL,
                          "vdev '%s' is not a disk name (xvdX, hdX, sdX or dDpP, with an optional "
                          "partition number)",
                          vdev);
}

void vm_vif_default_mac(const char *vm_name, uint32_t index, uint8_t mac[6])
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    char text[VM_NAME_MAX + 16];
    int n = domb_snprintf(text, sizeof(text), "%s/%u", vm_name, index);

    sha256(text, n < (int)sizeof(text) ? (size_t)n : sizeof(text) - 1, digest);
    mac[0] = 0x00;
    mac[1] = 0x16;
    mac[2] = 0x3e;
    mac[3] = digest[0] & 0x7f;
    mac[4] = digest[1];
    mac[5] = digest[2];
}

void vm_device_label(const struct vm_device *dev, char *buf, size_t size)
{
    if (dev->kind == VM_DEVICE_VIF)
        domb_snprintf(buf, size, "vif %u", dev->devid);
    else if (dev->kind == VM_DEVICE_VBD && dev->disk.vdev[0] &&
             strnlen(dev->disk.vdev, sizeof(dev->disk.vdev)) < sizeof(dev->disk.vdev))
        domb_snprintf(buf, size, "disk %s", dev->disk.vdev);
    else if (dev->kind == VM_DEVICE_VBD)
        domb_snprintf(buf, size, "disk (no vdev)");
    else
        domb_snprintf(buf, size, "device of kind %u", (unsigned)dev->kind);
}

/* A Linux interface name (dev_valid_name): not "." or "..", no '/', ':' or blanks. */
static int check_ifname(const char *name, size_t field, bool optional, const char *what,
                        struct domb_error *err)
{
    size_t len = strnlen(name, field);

    if (len == field)
        return domb_error_set(err, -XEN_EINVAL, "%s is not NUL-terminated", what);
    if (len == 0 && optional)
        return 0;
    if (len == 0)
        return domb_error_set(err, -XEN_EINVAL, "%s must not be empty", what);
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return domb_error_set(err, -XEN_EINVAL, "%s '%s' is not an interface name", what, name);
    for (size_t i = 0; i < len; i++)
        if (name[i] <= ' ' || name[i] > '~' || name[i] == '/' || name[i] == ':')
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s '%.*s' is not an interface name (no '/', ':', blanks or "
                                  "control bytes)",
                                  what, (int)len, name);
    return 0;
}

static bool script_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_decimal(c) || c == '_' ||
           c == '.' || c == '+' || c == '-' || c == '/';
}

/* One IPv4 address a.b.c.d, or an IPv6 one (hex groups and colons, maybe a
 * dotted tail), each with an optional /prefix. */
static bool ip_ok(const char *ip)
{
    size_t len = strlen(ip), slash = len;
    uint32_t prefix, parts = 0, value = 0, colons = 0, max_prefix;
    bool digits = false, v6 = false;
    char text[VM_VIF_IP_MAX + 1];

    for (size_t i = 0; i < len; i++) {
        if (ip[i] == '/' && slash == len)
            slash = i;
        v6 |= ip[i] == ':';
    }
    max_prefix = v6 ? 128 : 32;
    if (slash < len && !parse_decimal(ip + slash + 1, max_prefix, &prefix))
        return false;
    if (slash == 0 || slash >= sizeof(text))
        return false;
    memcpy(text, ip, slash);
    text[slash] = '\0';
    if (v6) {
        for (size_t i = 0; i < slash; i++) {
            char c = text[i];

            if (c == ':')
                colons++;
            else if (!is_decimal(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') &&
                     c != '.')
                return false;
        }
        return colons >= 2 && colons <= 7;
    }
    for (size_t i = 0; i <= slash; i++) {
        if (i < slash && is_decimal(text[i])) {
            value = value * 10 + (uint32_t)(text[i] - '0');
            if (value > 255)
                return false;
            digits = true;
        } else if ((i == slash || text[i] == '.') && digits) {
            parts++;
            value = 0;
            digits = false;
        } else {
            return false;
        }
    }
    return parts == 4;
}

static int check_vif(const struct vm_vif *vif, struct domb_error *err)
{
    static const uint8_t zero[6];
    size_t n;
    int rc;

    if (vif->mac[0] & 1)
        return domb_error_set(err, -XEN_EINVAL,
                              "mac %02x:%02x:%02x:%02x:%02x:%02x is a multicast address (the low "
                              "bit of the first byte is set)",
                              vif->mac[0], vif->mac[1], vif->mac[2], vif->mac[3], vif->mac[4],
                              vif->mac[5]);
    if (memcmp(vif->mac, zero, sizeof(zero)) == 0)
        return domb_error_set(err, -XEN_EINVAL, "mac 00:00:00:00:00:00 is not an address");
    if ((rc = check_ifname(vif->bridge, sizeof(vif->bridge), false, "bridge", err)) ||
        (rc = check_ifname(vif->vifname, sizeof(vif->vifname), true, "vifname", err)))
        return rc;
    n = strnlen(vif->script, sizeof(vif->script));
    if (n == sizeof(vif->script))
        return domb_error_set(err, -XEN_EINVAL, "script is not NUL-terminated");
    if (n == 0)
        return domb_error_set(err, -XEN_EINVAL, "script must not be empty");
    for (size_t i = 0; i < n; i++)
        if (!script_char_ok(vif->script[i]))
            return domb_error_set(err, -XEN_EINVAL,
                                  "script '%s' may only hold letters, digits, '_', '.', '+', '-' "
                                  "and '/'",
                                  vif->script);
    n = strnlen(vif->ip, sizeof(vif->ip));
    if (n == sizeof(vif->ip))
        return domb_error_set(err, -XEN_EINVAL, "ip is not NUL-terminated");
    if (n && !ip_ok(vif->ip))
        return domb_error_set(err, -XEN_EINVAL,
                              "ip '%s' is not one IPv4 or IPv6 address (with an optional /prefix)",
                              vif->ip);
    return 0;
}

static int check_disk(const struct vm_disk *disk, struct domb_error *err)
{
    size_t n = strnlen(disk->target, sizeof(disk->target));
    uint32_t number;
    int rc;

    if (strnlen(disk->vdev, sizeof(disk->vdev)) == sizeof(disk->vdev))
        return domb_error_set(err, -XEN_EINVAL, "vdev is not NUL-terminated");
    if (disk->vdev[0] == '\0')
        return domb_error_set(err, -XEN_EINVAL, "vdev must be given");
    if ((rc = vm_disk_vdev_number(disk->vdev, &number, err)))
        return rc;
    if (number != disk->virtual_device)
        return domb_error_set(err, -XEN_EINVAL,
                              "virtual-device %u does not match vdev '%s' (which is %u)",
                              disk->virtual_device, disk->vdev, number);
    if (n == sizeof(disk->target))
        return domb_error_set(err, -XEN_EINVAL, "target is not NUL-terminated");
    if (n == 0)
        return domb_error_set(err, -XEN_EINVAL, "target must be given");
    if (disk->target[0] != '/')
        return domb_error_set(err, -XEN_EINVAL,
                              "target '%s' is not an absolute path (a file or device in the "
                              "driver domain)",
                              disk->target);
    for (size_t i = 0; i < n; i++)
        if (disk->target[i] < ' ' || disk->target[i] > '~')
            return domb_error_set(err, -XEN_EINVAL,
                                  "target has a control or non-ASCII byte 0x%02x at position %zu",
                                  (unsigned char)disk->target[i], i);
    if ((unsigned)disk->format >= VM_DISK_FORMAT_COUNT)
        return domb_error_set(err, -XEN_EINVAL, "format %u is unknown (0 is raw)",
                              (unsigned)disk->format);
    if (disk->cdrom && disk->writable)
        return domb_error_set(err, -XEN_EINVAL, "a cdrom is read-only; it cannot be writable");
    return 0;
}

int vm_config_check_device(const struct vm_device *dev, struct domb_error *err)
{
    size_t n = strnlen(dev->backend, sizeof(dev->backend));
    struct domb_error sub;

    if (n == sizeof(dev->backend))
        return domb_error_set(err, -XEN_EINVAL, "backend is not NUL-terminated");
    if (n && vm_config_check_name(dev->backend, &sub))
        return domb_error_set(err, -XEN_EINVAL,
                              "backend '%s' is not a VM name (letters, digits, '_', '.', '-')",
                              dev->backend);
    if (dev->kind == VM_DEVICE_VIF)
        return check_vif(&dev->vif, err);
    if (dev->kind == VM_DEVICE_VBD)
        return check_disk(&dev->disk, err);
    return domb_error_set(err, -XEN_EINVAL, "device kind %u is unknown (1 vif, 2 disk)",
                          (unsigned)dev->kind);
}

/* Checks across the devices of one config, each message naming the device. */
static int vm_config_check_devices(const struct vm_config *cfg, struct domb_error *err)
{
    uint32_t vifs = 0;
    char label[32], other[32];
    struct domb_error sub;

    if (cfg->nr_devices > VM_DEVICE_MAX)
        return domb_error_set(err, -XEN_EINVAL, "more than %d devices (vif and disk together)",
                              VM_DEVICE_MAX);
    for (uint32_t i = 0; i < cfg->nr_devices; i++) {
        const struct vm_device *dev = &cfg->devices[i];

        vm_device_label(dev, label, sizeof(label));
        if (vm_config_check_device(dev, &sub))
            return domb_error_set(err, -XEN_EINVAL, "%s: %s", label, sub.msg);
        if (dev->kind == VM_DEVICE_VIF && dev->devid != vifs)
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s is vif number %u in order; vifs are numbered 0, 1, ...",
                                  label, vifs);
        if (dev->kind == VM_DEVICE_VIF)
            vifs++;
        if (dev->kind == VM_DEVICE_VBD && dev->devid != dev->disk.virtual_device)
            return domb_error_set(err, -XEN_EINVAL, "%s: devid %u is not its virtual-device %u",
                                  label, dev->devid, dev->disk.virtual_device);
        if (strcmp(dev->backend, cfg->name) == 0)
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s: backend '%s' is this VM itself; a device needs another VM "
                                  "(a driver domain) as its backend",
                                  label, dev->backend);
        for (uint32_t j = 0; j < i; j++) {
            const struct vm_device *prev = &cfg->devices[j];

            vm_device_label(prev, other, sizeof(other));
            if (dev->kind == VM_DEVICE_VBD && prev->kind == VM_DEVICE_VBD &&
                dev->disk.virtual_device == prev->disk.virtual_device)
                return domb_error_set(err, -XEN_EINVAL, "%s is the same virtual device (%u) as %s",
                                      label, dev->disk.virtual_device, other);
            if (dev->kind == VM_DEVICE_VIF && prev->kind == VM_DEVICE_VIF &&
                memcmp(dev->vif.mac, prev->vif.mac, sizeof(dev->vif.mac)) == 0)
                return domb_error_set(err, -XEN_EINVAL, "%s has the same mac as %s", label, other);
        }
    }
    return 0;
}

int vm_config_validate(const struct vm_config *cfg, struct domb_error *err)
{
    int rc;

    if ((rc = vm_config_check_string(cfg->name, sizeof(cfg->name), "name", err)) ||
        (rc = vm_config_check_string(cfg->kernel, sizeof(cfg->kernel), "kernel", err)) ||
        (rc = vm_config_check_string(cfg->ramdisk, sizeof(cfg->ramdisk), "ramdisk", err)) ||
        (rc = vm_config_check_string(cfg->cmdline, sizeof(cfg->cmdline), "cmdline", err)) ||
        (rc = vm_config_check_name(cfg->name, err)))
        return rc;
    if (cfg->kernel[0] == '\0')
        return domb_error_set(err, -XEN_EINVAL, "kernel must be given");
    if (cfg->memory_mib == 0 || cfg->memory_mib > VM_MEMORY_MAX)
        return domb_error_set(err, -XEN_EINVAL, "memory must be between 1 and %u MiB",
                              VM_MEMORY_MAX);
    if (cfg->maxmem_mib < cfg->memory_mib || cfg->maxmem_mib > VM_MEMORY_MAX)
        return domb_error_set(err, -XEN_EINVAL,
                              "maxmem (%u MiB) must be at least memory (%u MiB) and at most %u MiB",
                              cfg->maxmem_mib, cfg->memory_mib, VM_MEMORY_MAX);
    if (cfg->vcpus == 0 || cfg->vcpus > VM_VCPUS_MAX)
        return domb_error_set(err, -XEN_EINVAL, "vcpus must be between 1 and %d", VM_VCPUS_MAX);
    if (cfg->domid > VM_DOMID_MAX)
        return domb_error_set(err, -XEN_EINVAL, "domid must be between 1 and 0x%x", VM_DOMID_MAX);
    if (!vm_on_exit_name(cfg->on_exit))
        return domb_error_set(err, -XEN_EINVAL, "on_exit action %u is unknown",
                              (unsigned)cfg->on_exit);
    if (cfg->on_reason_set >> VM_REASON_COUNT)
        return domb_error_set(err, -XEN_EINVAL, "shutdown reason bits 0x%x are unknown",
                              cfg->on_reason_set);
    for (unsigned int r = 0; r < VM_REASON_COUNT; r++) {
        bool set = cfg->on_reason_set & (1u << r);

        if (set && !vm_on_exit_name(cfg->on_reason[r]))
            return domb_error_set(err, -XEN_EINVAL, "%s action %u is unknown",
                                  vm_reason_key((enum vm_reason)r), (unsigned)cfg->on_reason[r]);
        if (!set && cfg->on_reason[r] != VM_ON_EXIT_DESTROY)
            return domb_error_set(err, -XEN_EINVAL, "%s is set but not marked present",
                                  vm_reason_key((enum vm_reason)r));
    }
    if (cfg->max_vcpus && (cfg->max_vcpus < cfg->vcpus || cfg->max_vcpus > VM_VCPUS_MAX))
        return domb_error_set(err, -XEN_EINVAL,
                              "maxvcpus (%u) must be at least vcpus (%u) and at most %d",
                              cfg->max_vcpus, cfg->vcpus, VM_VCPUS_MAX);
    if (!cfg->has_uuid && !all_zero(cfg->uuid, VM_UUID_SIZE))
        return domb_error_set(err, -XEN_EINVAL, "uuid is set but not marked present");
    if (!cfg->has_cpus && !all_zero(cfg->cpus, VM_CPUMAP_BYTES))
        return domb_error_set(err, -XEN_EINVAL, "cpus is set but not marked present");
    if (!cfg->has_cpus_soft && !all_zero(cfg->cpus_soft, VM_CPUMAP_BYTES))
        return domb_error_set(err, -XEN_EINVAL, "cpus_soft is set but not marked present");
    if (cfg->has_cpus && all_zero(cfg->cpus, VM_CPUMAP_BYTES))
        return domb_error_set(err, -XEN_EINVAL,
                              "cpus names no CPU (Xen refuses a vCPU pinned to none)");
    if (!vm_type_name(cfg->type))
        return domb_error_set(err, -XEN_EINVAL, "guest type %u is unknown", (unsigned)cfg->type);
    if (cfg->type == VM_TYPE_PVH && (cfg->nr_iomem || cfg->nr_ioports || cfg->nr_irqs))
        return domb_error_set(err, -XEN_EINVAL,
                              "a PVH guest cannot have iomem, ioports or irqs (domB passes "
                              "devices through to PV guests only)");
    if (cfg->has_max_grant_frames &&
        (cfg->max_grant_frames == 0 || cfg->max_grant_frames > VM_GRANT_FRAMES_MAX))
        return domb_error_set(err, -XEN_EINVAL, "max_grant_frames must be between 1 and %u",
                              VM_GRANT_FRAMES_MAX);
    if (!cfg->has_max_grant_frames && cfg->max_grant_frames)
        return domb_error_set(err, -XEN_EINVAL, "max_grant_frames is set but not marked present");
    if (cfg->has_max_maptrack_frames &&
        (cfg->max_maptrack_frames == 0 || cfg->max_maptrack_frames > VM_GRANT_FRAMES_MAX))
        return domb_error_set(err, -XEN_EINVAL, "max_maptrack_frames must be between 1 and %u",
                              VM_GRANT_FRAMES_MAX);
    if (!cfg->has_max_maptrack_frames && cfg->max_maptrack_frames)
        return domb_error_set(err, -XEN_EINVAL,
                              "max_maptrack_frames is set but not marked present");
    if (cfg->max_grant_version > VM_GRANT_VERSION_MAX)
        return domb_error_set(err, -XEN_EINVAL, "max_grant_version %u is unknown (Xen has 1 and 2)",
                              cfg->max_grant_version);
    if (cfg->has_ramdisk_sha256 && cfg->ramdisk[0] == '\0')
        return domb_error_set(err, -XEN_EINVAL, "ramdisk_sha256 is given without a ramdisk");
    if (!cfg->has_kernel_sha256 && !all_zero(cfg->kernel_sha256, SHA256_DIGEST_SIZE))
        return domb_error_set(err, -XEN_EINVAL, "kernel_sha256 is set but not marked present");
    if (!cfg->has_ramdisk_sha256 && !all_zero(cfg->ramdisk_sha256, SHA256_DIGEST_SIZE))
        return domb_error_set(err, -XEN_EINVAL, "ramdisk_sha256 is set but not marked present");
    if (!cfg->db_client && (cfg->db_max_vms || cfg->db_max_memory_mib))
        return domb_error_set(err, -XEN_EINVAL,
                              "db-server client limits are set but db_client is not");
    if (cfg->db_client && (cfg->db_max_vms == 0 || cfg->db_max_vms > VM_DB_MAX_VMS))
        return domb_error_set(err, -XEN_EINVAL, "db_client_max_vms must be between 1 and %d",
                              VM_DB_MAX_VMS);
    if (cfg->db_client && (cfg->db_max_memory_mib == 0 || cfg->db_max_memory_mib > VM_MEMORY_MAX))
        return domb_error_set(err, -XEN_EINVAL, "db_client_max_memory must be between 1 and %u MiB",
                              VM_MEMORY_MAX);
    if (!cfg->db_client && cfg->db_max_devices)
        return domb_error_set(err, -XEN_EINVAL,
                              "db_client_max_devices is set but db_client is not");
    if (cfg->db_max_devices > VM_DB_MAX_DEVICES)
        return domb_error_set(err, -XEN_EINVAL, "db_client_max_devices must be at most %u",
                              VM_DB_MAX_DEVICES);
    if ((rc = vm_config_check_devices(cfg, err)))
        return rc;
    if ((rc = vm_config_check_string(cfg->seclabel, sizeof(cfg->seclabel), "seclabel", err)) ||
        (rc = vm_config_check_string(cfg->init_seclabel, sizeof(cfg->init_seclabel),
                                     "init_seclabel", err)))
        return rc;
    if (cfg->seclabel[0] && (rc = vm_config_check_seclabel("seclabel", cfg->seclabel, err)))
        return rc;
    if (cfg->init_seclabel[0] && !cfg->seclabel[0])
        return domb_error_set(err, -XEN_EINVAL,
                              "init_seclabel needs a seclabel (the label the domain gets after "
                              "its build)");
    if (cfg->init_seclabel[0] &&
        (rc = vm_config_check_seclabel("init_seclabel", cfg->init_seclabel, err)))
        return rc;
    if (cfg->nr_iomem > VM_IOMEM_MAX)
        return domb_error_set(err, -XEN_EINVAL, "more than %d iomem ranges", VM_IOMEM_MAX);
    if (cfg->nr_ioports > VM_IOPORT_MAX)
        return domb_error_set(err, -XEN_EINVAL, "more than %d ioport ranges", VM_IOPORT_MAX);
    if (cfg->nr_irqs > VM_IRQ_MAX)
        return domb_error_set(err, -XEN_EINVAL, "more than %d irqs", VM_IRQ_MAX);
    for (uint32_t i = 0; i < cfg->nr_iomem; i++)
        if ((rc = vm_config_check_iomem(&cfg->iomem[i], err)))
            return rc;
    for (uint32_t i = 0; i < cfg->nr_ioports; i++)
        if ((rc = vm_config_check_ioport(&cfg->ioports[i], err)))
            return rc;
    for (uint32_t i = 0; i < cfg->nr_irqs; i++)
        if ((rc = vm_config_check_irq(cfg->irqs[i], err)))
            return rc;
    return 0;
}
