/*
 * xl's vif and disk item syntax, parsed into struct vm_device: what domB
 * supports is stored, everything else xl knows is refused by name and with
 * the reason, never ignored (docs/config.md, "Devices").
 */
#include "config_device.h"

#include <domb/errno.h>

#define VIF_DEFAULT_BRIDGE "xenbr0"
#define VIF_DEFAULT_SCRIPT "vif-bridge"

static int fail(struct domb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct domb_error *err, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = domb_error_vset(err, -XEN_EINVAL, fmt, ap);
    va_end(ap);
    return rc;
}

static bool slice_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

static size_t span_until(const char *s, char stop)
{
    size_t n = 0;

    while (s[n] && s[n] != stop)
        n++;
    return n;
}

/* Copy value[0..len) into a field of max characters; `what` names it. */
static int put_string(char *field, size_t max, const char *value, size_t len, const char *what,
                      struct domb_error *err)
{
    if (len > max)
        return fail(err, "%s is longer than %zu characters", what, max);
    memset(field, 0, max + 1); /* NUL-padded, as the spec carries it: one encoding */
    memcpy(field, value, len);
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- vif ---- */

/* Six groups of one or two hex digits separated by ':' (xl also takes one digit). */
static bool parse_mac(const char *s, size_t len, uint8_t mac[6])
{
    size_t pos = 0;

    for (int i = 0; i < 6; i++) {
        unsigned v = 0, digits = 0;

        while (pos < len && digits < 2 && hex_digit(s[pos]) >= 0) {
            v = v * 16 + (unsigned)hex_digit(s[pos++]);
            digits++;
        }
        if (digits == 0)
            return false;
        mac[i] = (uint8_t)v;
        if (i < 5 && (pos >= len || s[pos++] != ':'))
            return false;
    }
    return pos == len;
}

enum vif_key { VIF_MAC, VIF_BRIDGE, VIF_VIFNAME, VIF_SCRIPT, VIF_IP, VIF_BACKEND, VIF_TYPE };

static const struct {
    const char *name;
    enum vif_key key;
} vif_keys[] = {
    {"mac", VIF_MAC}, {"bridge", VIF_BRIDGE},   {"vifname", VIF_VIFNAME}, {"script", VIF_SCRIPT},
    {"ip", VIF_IP},   {"backend", VIF_BACKEND}, {"type", VIF_TYPE},
};

/* What xl-network-configuration(5) and xl_parse.c know that domB does not do. */
static const struct {
    const char *name; /* a key (KEY=...) or a flag; "colo_" matches every colo_* key */
    const char *why;
} vif_refused[] = {
    {"model", "it picks the emulated NIC of an HVM guest; domB guests get PV vifs only"},
    {"rate", "domB sets no rate limit on vifs"},
    {"gatewaydev", "domB passes no gateway device to the hotplug script"},
    {"netdev", "domB passes no gateway device to the hotplug script"},
    {"devid", "vifs are numbered 0, 1, ... in list order"},
    {"mtu", "domB leaves the MTU to the bridge"},
    {"accel", "xl does not support it either"},
    {"forwarddev", "COLO is not supported"},
    {"colo_", "COLO is not supported"},
    {"trusted", "domB writes no trust advice for the frontend"},
    {"untrusted", "domB writes no trust advice for the frontend"},
};

static const char *vif_refusal(const char *key, size_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(vif_refused); i++) {
        const char *name = vif_refused[i].name;
        size_t n = strlen(name);

        if (slice_is(key, len, name) ||
            (name[n - 1] == '_' && len > n && memcmp(key, name, n) == 0))
            return vif_refused[i].why;
    }
    return NULL;
}

static int vif_value(struct vm_device *dev, enum vif_key key, const char *name, const char *v,
                     size_t len, struct domb_error *err)
{
    struct vm_vif *vif = &dev->vif;

    switch (key) {
    case VIF_MAC:
        if (!parse_mac(v, len, vif->mac))
            return fail(err, "mac '%.*s' is not six hex bytes like 00:16:3e:01:02:03", (int)len, v);
        return 0;
    case VIF_BRIDGE:
        return put_string(vif->bridge, VM_IFNAME_MAX, v, len, name, err);
    case VIF_VIFNAME:
        return put_string(vif->vifname, VM_IFNAME_MAX, v, len, name, err);
    case VIF_SCRIPT:
        return put_string(vif->script, VM_VIF_SCRIPT_MAX, v, len, name, err);
    case VIF_IP:
        return put_string(vif->ip, VM_VIF_IP_MAX, v, len, name, err);
    case VIF_BACKEND:
        return put_string(dev->backend, VM_NAME_MAX, v, len, name, err);
    case VIF_TYPE:
        if (slice_is(v, len, "vif"))
            return 0;
        if (slice_is(v, len, "ioemu"))
            return fail(err, "type=ioemu (an emulated NIC) needs a device model; domB guests get "
                             "PV vifs only (type=vif)");
        return fail(err, "type '%.*s' is unknown; the one type domB has is vif", (int)len, v);
    }
    return 0;
}

int config_device_vif(const char *spec, uint32_t index, struct vm_device *dev, bool *mac_given,
                      struct domb_error *err)
{
    bool given[ARRAY_SIZE(vif_keys)] = {false};
    const char *s = spec;

    memset(dev, 0, sizeof(*dev));
    dev->kind = VM_DEVICE_VIF;
    dev->devid = index;
    memcpy(dev->vif.bridge, VIF_DEFAULT_BRIDGE, sizeof(VIF_DEFAULT_BRIDGE));
    memcpy(dev->vif.script, VIF_DEFAULT_SCRIPT, sizeof(VIF_DEFAULT_SCRIPT));
    for (;;) {
        size_t len = span_until(s, ','), key_len, i;
        const char *tok = s, *why;
        int rc;

        s += len + (s[len] == ',');
        if (len == 0) { /* xl splits with strtok: empty parameters vanish */
            if (*s == '\0')
                break;
            continue;
        }
        while (len && (*tok == ' ' || *tok == '\t')) {
            tok++;
            len--;
        }
        if (len == 0)
            return fail(err, "a parameter is empty (only blanks between commas)");
        key_len = 0;
        while (key_len < len && tok[key_len] != '=')
            key_len++;
        if ((why = vif_refusal(tok, key_len)))
            return fail(err, "%.*s is not supported: %s", (int)key_len, tok, why);
        if (key_len == len)
            return fail(err,
                        "'%.*s' is not KEY=VALUE (mac, bridge, vifname, script, ip, backend, "
                        "type)",
                        (int)len, tok);
        for (i = 0; i < ARRAY_SIZE(vif_keys); i++)
            if (slice_is(tok, key_len, vif_keys[i].name))
                break;
        if (i == ARRAY_SIZE(vif_keys))
            return fail(err, "'%.*s' is not a vif parameter xl or domB knows", (int)key_len, tok);
        if (given[i])
            return fail(err, "%s is given twice", vif_keys[i].name);
        given[i] = true;
        if (key_len + 1 == len)
            return fail(err, "%s= has no value", vif_keys[i].name);
        if ((rc = vif_value(dev, vif_keys[i].key, vif_keys[i].name, tok + key_len + 1,
                            len - key_len - 1, err)))
            return rc;
        if (*s == '\0')
            break;
    }
    *mac_given = given[VIF_MAC];
    if (*mac_given)
        return vm_config_check_device(dev, err);
    /* The default MAC needs the VM's name: check the rest with a placeholder. */
    memset(dev->vif.mac, 0x02, sizeof(dev->vif.mac));
    if (vm_config_check_device(dev, err))
        return -XEN_EINVAL;
    memset(dev->vif.mac, 0, sizeof(dev->vif.mac));
    return 0;
}

/* ---- disk ---- */

struct disk_parse {
    struct vm_device *dev;
    struct domb_error *err;
    bool target_given, format_given, vdev_given, access_given, devtype_given;
    bool backend_given, backendtype_given, specification_given;
    bool had_prefix; /* a deprecated prefix (phy:, file:, tap:aio:, raw:) was seen */
    bool cdrom;
    bool writable;
    bool rw_asked; /* access rw or w given in so many words (not left empty) */
};

static int disk_string(struct disk_parse *d, bool *given, char *field, size_t max, const char *v,
                       size_t len, const char *what)
{
    /* xl lets a value given empty (",,") be given again, nothing else. */
    if (*given && field[0] != '\0')
        return fail(d->err, "%s is given twice", what);
    *given = true;
    return put_string(field, max, v, len, what, d->err);
}

static int disk_format(struct disk_parse *d, const char *v, size_t len)
{
    static const char *const refused[] = {"qcow", "qcow2", "vhd", "qed"};

    if (len == 0 || slice_is(v, len, "raw")) {
        d->format_given = true; /* xl: the same format may be given again */
        d->dev->disk.format = VM_DISK_FORMAT_RAW;
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
        if (slice_is(v, len, refused[i]))
            return fail(d->err, "format %s is not supported: blkback serves raw images only",
                        refused[i]);
    if (slice_is(v, len, "empty"))
        return fail(d->err, "format empty (a cdrom drive without media) is not supported");
    return fail(d->err, "format '%.*s' is unknown (raw, qcow, qcow2, vhd, qed)", (int)len, v);
}

static int disk_access(struct disk_parse *d, const char *v, size_t len)
{
    if (d->access_given)
        return fail(d->err, "access is given twice");
    d->access_given = true;
    if (slice_is(v, len, "r") || slice_is(v, len, "ro"))
        d->writable = false;
    else if (len == 0 || slice_is(v, len, "w") || slice_is(v, len, "rw")) {
        d->writable = true;
        d->rw_asked = len != 0;
    } else
        return fail(d->err, "access '%.*s' is unknown (ro, r, rw or w)", (int)len, v);
    return 0;
}

static int disk_devtype(struct disk_parse *d, const char *v, size_t len)
{
    if (slice_is(v, len, "cdrom"))
        d->cdrom = true;
    else if (slice_is(v, len, "disk"))
        d->cdrom = false;
    else
        return fail(d->err, "devtype '%.*s' is unknown (cdrom or disk)", (int)len, v);
    d->devtype_given = true;
    return 0;
}

/* "vdev:devtype", the deprecated way to say cdrom (xl: the last ':'). */
static int disk_vdev_devtype(struct disk_parse *d, const char *v, size_t len)
{
    size_t colon = len;
    int rc;

    while (colon > 0 && v[colon - 1] != ':')
        colon--;
    if ((rc = disk_string(d, &d->vdev_given, d->dev->disk.vdev, VM_VDEV_MAX, v, colon - 1, "vdev")))
        return rc;
    return disk_devtype(d, v + colon, len - colon);
}

static bool has_char(const char *v, size_t len, char c)
{
    for (size_t i = 0; i < len; i++)
        if (v[i] == c)
            return true;
    return false;
}

/* A disk name where the format was due: the commonest slip, worth a hint. */
static bool looks_like_vdev(const char *v, size_t len)
{
    char vdev[VM_VDEV_MAX + 1];
    uint32_t number;

    if (len == 0 || len > VM_VDEV_MAX)
        return false;
    memcpy(vdev, v, len);
    vdev[len] = '\0';
    return vm_disk_vdev_number(vdev, &number, NULL) == 0;
}

/* Parameters in order: target, format, vdev, access (libxlu_disk_l.l's rule). */
static int disk_positional(struct disk_parse *d, const char *v, size_t len)
{
    struct vm_disk *disk = &d->dev->disk;

    if (has_char(v, len, '='))
        return fail(d->err, "'%.*s' is neither KEY=VALUE nor a positional value (bad syntax)",
                    (int)len, v);
    if (!d->target_given)
        return disk_string(d, &d->target_given, disk->target, VM_DISK_TARGET_MAX, v, len, "target");
    if (!d->had_prefix && !d->format_given) {
        if (disk->target[0] == '\0' && has_char(v, len, ':')) {
            d->format_given = true; /* xl: ",hdc:cdrom,r" is an empty cdrom */
            return disk_vdev_devtype(d, v, len);
        }
        if (!d->vdev_given && looks_like_vdev(v, len))
            return fail(d->err,
                        "format '%.*s' is unknown; the second positional value is the format "
                        "(write TARGET,,VDEV or use a prefix such as phy:)",
                        (int)len, v);
        return disk_format(d, v, len);
    }
    if (!d->vdev_given) {
        if (has_char(v, len, ':'))
            return disk_vdev_devtype(d, v, len);
        return disk_string(d, &d->vdev_given, disk->vdev, VM_VDEV_MAX, v, len, "vdev");
    }
    if (!d->access_given)
        return disk_access(d, v, len);
    return fail(d->err, "'%.*s' is one positional value too many (target, format, vdev, access)",
                (int)len, v);
}

enum disk_key {
    DISK_FORMAT,
    DISK_DEVTYPE,
    DISK_ACCESS,
    DISK_BACKEND,
    DISK_BACKENDTYPE,
    DISK_SPECIFICATION,
    DISK_VDEV,
};

static const struct {
    const char *name;
    enum disk_key key;
} disk_keys[] = {
    {"format", DISK_FORMAT},
    {"devtype", DISK_DEVTYPE},
    {"access", DISK_ACCESS},
    {"backend", DISK_BACKEND},
    {"backendtype", DISK_BACKENDTYPE},
    {"specification", DISK_SPECIFICATION},
    {"vdev", DISK_VDEV},
};

/* What xl-disk-configuration(5) knows that domB does not do: keys and flags. */
static const struct {
    const char *name;
    const char *why;
} disk_refused[] = {
    {"script", "the driver domain serves the target with its block hotplug script"},
    {"direct-io-safe", "it only tunes the qdisk backend, which domB does not use"},
    {"discard", "domB writes no discard setting for the backend"},
    {"no-discard", "domB writes no discard setting for the backend"},
    {"trusted", "domB writes no trust advice for the frontend"},
    {"untrusted", "domB writes no trust advice for the frontend"},
    {"colo", "COLO is not supported"},
    {"no-colo", "COLO is not supported"},
    {"colo-host", "COLO is not supported"},
    {"colo-port", "COLO is not supported"},
    {"colo-export", "COLO is not supported"},
    {"active-disk", "COLO is not supported"},
    {"hidden-disk", "COLO is not supported"},
};

static int disk_keyword(struct disk_parse *d, enum disk_key key, const char *v, size_t len)
{
    struct vm_device *dev = d->dev;

    switch (key) {
    case DISK_FORMAT:
        return disk_format(d, v, len);
    case DISK_DEVTYPE:
        return disk_devtype(d, v, len);
    case DISK_ACCESS:
        return disk_access(d, v, len);
    case DISK_BACKEND:
        return disk_string(d, &d->backend_given, dev->backend, VM_NAME_MAX, v, len, "backend");
    case DISK_VDEV:
        return disk_string(d, &d->vdev_given, dev->disk.vdev, VM_VDEV_MAX, v, len, "vdev");
    case DISK_BACKENDTYPE:
        if (slice_is(v, len, "phy"))
            return 0;
        if (slice_is(v, len, "tap") || slice_is(v, len, "qdisk") || slice_is(v, len, "standalone"))
            return fail(d->err,
                        "backendtype %.*s is not supported: domB's driver domains serve disks "
                        "with blkback (backendtype=phy)",
                        (int)len, v);
        return fail(d->err, "backendtype '%.*s' is unknown (phy, tap, qdisk, standalone)", (int)len,
                    v);
    case DISK_SPECIFICATION:
        if (slice_is(v, len, "xen"))
            return 0;
        if (slice_is(v, len, "virtio"))
            return fail(d->err, "specification virtio is not supported: domB's disks are Xen PV "
                                "block devices (specification=xen)");
        return fail(d->err, "specification '%.*s' is unknown (xen, virtio)", (int)len, v);
    }
    return 0;
}

/*
 * A deprecated prefix at the start of a parameter ("phy:", "tap:aio:",
 * "raw:", ...): returns its length with the ':' (0 if there is none) or an
 * error. A word and ':' followed by a letter or digit is not a prefix but a
 * positional value such as "hdc:cdrom", as in xl.
 */
static int disk_prefix(struct disk_parse *d, const char *s)
{
    static const char *const ignored[] = {"tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy"};
    static const char *const formats[] = {"raw", "qcow", "qcow2", "vhd"};
    static const char *const scripts[] = {"iscsi", "nbd", "enbd", "drbd"};
    size_t n = 0;
    int rc;

    if (!(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9'))
        n++;
    if (s[n] != ':')
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
        if (slice_is(s, n, ignored[i])) {
            d->had_prefix = true;
            return (int)n + 1;
        }
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
        if (slice_is(s, n, formats[i])) {
            d->had_prefix = true;
            if ((rc = disk_format(d, s, n)))
                return rc;
            return (int)n + 1;
        }
    for (size_t i = 0; i < ARRAY_SIZE(scripts); i++)
        if (slice_is(s, n, scripts[i]))
            return fail(d->err,
                        "prefix %s: (script=block-%s) is not supported: the driver domain "
                        "serves the target with its block hotplug script",
                        scripts[i], scripts[i]);
    if ((s[n + 1] >= 'a' && s[n + 1] <= 'z') || (s[n + 1] >= '0' && s[n + 1] <= '9'))
        return 0;
    return fail(d->err, "prefix '%.*s:' is not a disk prefix xl knows", (int)n, s);
}

static int disk_parameter(struct disk_parse *d, const char *tok, size_t len)
{
    size_t key_len = span_until(tok, '=');

    if (key_len > len)
        key_len = len;
    for (size_t i = 0; i < ARRAY_SIZE(disk_refused); i++)
        if (slice_is(tok, key_len, disk_refused[i].name))
            return fail(d->err, "%s is not supported: %s", disk_refused[i].name,
                        disk_refused[i].why);
    if (key_len == len) {
        if (slice_is(tok, len, "cdrom")) {
            d->cdrom = true;
            d->devtype_given = true;
            return 0;
        }
        return disk_positional(d, tok, len);
    }
    for (size_t i = 0; i < ARRAY_SIZE(disk_keys); i++)
        if (slice_is(tok, key_len, disk_keys[i].name))
            return disk_keyword(d, disk_keys[i].key, tok + key_len + 1, len - key_len - 1);
    if (tok[0] >= 'a' && tok[0] <= 'z')
        return fail(d->err, "'%.*s' is not a disk parameter xl or domB knows", (int)key_len, tok);
    return disk_positional(d, tok, len);
}

static int disk_finish(struct disk_parse *d)
{
    struct vm_disk *disk = &d->dev->disk;
    int rc;

    if (d->cdrom && disk->target[0] == '\0')
        return fail(d->err, "an empty cdrom drive (no target) is not supported: domB cannot "
                            "insert media later");
    if (disk->vdev[0] == '\0')
        return fail(d->err, "no vdev is given (such as xvda: vdev= or the third positional "
                            "value)");
    if (disk->target[0] == '\0')
        return fail(d->err, "no target is given (the file or device to serve: target= or the "
                            "first positional value)");
    if (d->cdrom && d->rw_asked)
        return fail(d->err, "a cdrom is read-only; access rw contradicts devtype cdrom");
    disk->cdrom = d->cdrom;
    disk->writable = !d->cdrom && d->writable; /* rw unless asked otherwise, ro for a cdrom */
    if ((rc = vm_disk_vdev_number(disk->vdev, &disk->virtual_device, d->err)))
        return rc;
    d->dev->devid = disk->virtual_device;
    return vm_config_check_device(d->dev, d->err);
}

int config_device_disk(const char *spec, struct vm_device *dev, struct domb_error *err)
{
    struct disk_parse d = {.dev = dev, .err = err, .writable = true};
    const char *s = spec;
    int rc;

    memset(dev, 0, sizeof(*dev));
    dev->kind = VM_DEVICE_VBD;
    for (;;) {
        size_t len;

        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        if (*s == '\0')
            break;
        if (strncmp(s, "target=", 7) == 0) { /* takes the rest, commas and all */
            len = strlen(s + 7);
            if (len && s[7 + len - 1] == ',')
                len--;
            if ((rc = disk_string(&d, &d.target_given, dev->disk.target, VM_DISK_TARGET_MAX, s + 7,
                                  len, "target")))
                return rc;
            break;
        }
        if ((rc = disk_prefix(&d, s)) < 0)
            return rc;
        if (rc > 0) {
            s += rc;
            continue;
        }
        len = span_until(s, ',');
        if ((rc = disk_parameter(&d, s, len)))
            return rc;
        s += len + (s[len] == ',');
    }
    return disk_finish(&d);
}
