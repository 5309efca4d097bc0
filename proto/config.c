/*
 * xl.cfg-style VM configuration parser.
 *
 * The grammar is xl's (tools/libs/util/libxlu_cfg_*): statements
 * `KEY = VALUE` ended by a newline or ';', values are "double" or 'single'
 * quoted strings with C escapes, unsigned numbers (decimal or 0x hex), or
 * lists `[ v, v, ]` that may span lines. '#' starts a comment.
 *
 * Each key has one entry in config_keys[] with a handler that reads its value
 * through the small reader API below (config_string, config_number, the list
 * helpers) and stores it into the vm_config. Adding a key is adding an entry.
 */
#include "config_device.h"

#include <domb/errno.h>
#include <proto/config.h>

/* Settings that keys store into; aliases (cmdline/extra) share a slot. */
enum config_slot {
    SLOT_NAME,
    SLOT_TYPE,
    SLOT_KERNEL,
    SLOT_RAMDISK,
    SLOT_CMDLINE,
    SLOT_MEMORY,
    SLOT_MAXMEM,
    SLOT_VCPUS,
    SLOT_DOMID,
    SLOT_IOMEM,
    SLOT_IOPORTS,
    SLOT_IRQS,
    SLOT_KERNEL_SHA256,
    SLOT_RAMDISK_SHA256,
    SLOT_ON_EXIT,
    SLOT_DB_CLIENT,
    SLOT_DB_MAX_VMS,
    SLOT_DB_MAX_MEMORY,
    SLOT_MAX_GRANT_FRAMES,
    SLOT_MAX_MAPTRACK_FRAMES,
    SLOT_MAX_GRANT_VERSION,
    SLOT_VIF,
    SLOT_DISK,
    SLOT_DRIVER_DOMAIN,
    SLOT_DB_MAX_DEVICES,
    SLOT_COUNT
};

struct config_parser {
    const char *text;
    size_t len;
    size_t pos;
    unsigned line;
    const char *file;
    struct domb_error *err;
    bool list_after_item;           /* inside a list, an item was just read */
    const char *key;                /* the key whose value is being read */
    unsigned slot_line[SLOT_COUNT]; /* line that set each slot; 0 = unset */
    const char *slot_key[SLOT_COUNT];
    /* Devices: the line of each, how many of each kind, and which vifs
     * get the default MAC (it needs the name, known only at the end). */
    unsigned device_line[VM_DEVICE_MAX];
    uint32_t nr_vifs, nr_disks;
    uint32_t default_mac; /* bit i: devices[i] */
};

/* ---- errors ---- */

static int config_fail_at(struct config_parser *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int config_fail_at(struct config_parser *p, unsigned line, const char *fmt, ...)
{
    char msg[DOMB_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    domb_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line == 0)
        return domb_error_set(p->err, -XEN_EINVAL, "%s: %s", p->file, msg);
    return domb_error_set(p->err, -XEN_EINVAL, "%s:%u: %s", p->file, line, msg);
}

#define config_fail(p, ...) config_fail_at((p), (p)->line, __VA_ARGS__)

/* Re-report a shared check's error (which has no location) at the current line. */
static int config_fail_check(struct config_parser *p, const struct domb_error *check)
{
    return config_fail(p, "%s", check->msg);
}

/* ---- lexical layer ---- */

static int config_peek(const struct config_parser *p)
{
    return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1;
}

/* Skip blanks and comments; also newlines when inside a list. */
static void config_skip(struct config_parser *p, bool newlines)
{
    for (;;) {
        int c = config_peek(p);

        if (c == ' ' || c == '\t' || c == '\r') {
            p->pos++;
        } else if (c == '#') {
            while (p->pos < p->len && p->text[p->pos] != '\n')
                p->pos++;
        } else if (c == '\n' && newlines) {
            p->pos++;
            p->line++;
        } else {
            return;
        }
    }
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(int c)
{
    return is_ident_start(c) || is_digit(c);
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Describe the character at the cursor for "unexpected ..." messages. */
static void config_describe_here(const struct config_parser *p, char *buf, size_t size)
{
    int c = config_peek(p);

    if (c < 0)
        domb_snprintf(buf, size, "end of file");
    else if (c == '\n')
        domb_snprintf(buf, size, "end of line");
    else if (c > ' ' && c < 0x7f)
        domb_snprintf(buf, size, "'%c'", c);
    else
        domb_snprintf(buf, size, "byte 0x%02x", (unsigned)c);
}

/* ---- value readers used by key handlers ---- */

enum config_value_kind { VALUE_STRING, VALUE_NUMBER, VALUE_LIST, VALUE_OTHER };

static enum config_value_kind config_value_kind(const struct config_parser *p)
{
    int c = config_peek(p);

    if (c == '"' || c == '\'')
        return VALUE_STRING;
    if (is_digit(c))
        return VALUE_NUMBER;
    if (c == '[')
        return VALUE_LIST;
    return VALUE_OTHER;
}

/* One escape after a backslash (xl's set: \" \' \\ \a \b \f \n \r \t \v \xHH \ooo). */
static int config_escape(struct config_parser *p, char *out)
{
    int c = config_peek(p);
    static const char simple_from[] = "\"'\\abfnrtv";
    static const char simple_to[] = "\"'\\\a\b\f\n\r\t\v";
    unsigned value = 0;

    for (size_t i = 0; simple_from[i]; i++) {
        if (c == simple_from[i]) {
            p->pos++;
            *out = simple_to[i];
            return 0;
        }
    }
    if (c == 'x') {
        p->pos++;
        for (int i = 0; i < 2; i++) {
            int h = hex_value(config_peek(p));

            if (h < 0)
                return config_fail(p, "\\x in a string must be followed by two hex digits");
            value = value * 16 + (unsigned)h;
            p->pos++;
        }
    } else if (c >= '0' && c <= '7') {
        for (int i = 0; i < 3 && config_peek(p) >= '0' && config_peek(p) <= '7'; i++) {
            value = value * 8 + (unsigned)(config_peek(p) - '0');
            p->pos++;
        }
        if (value > 0xff)
            return config_fail(p, "octal escape in a string is above \\377");
    } else if (c < 0 || c == '\n') {
        return config_fail(p, "string is not closed before the end of the line");
    } else if (c > ' ' && c < 0x7f) {
        return config_fail(p, "unknown escape '\\%c' in a string", c);
    } else {
        return config_fail(p, "unknown escape '\\' + byte 0x%02x in a string", (unsigned)c);
    }
    if (value == 0)
        return config_fail(p, "a string must not hold a NUL byte");
    *out = (char)value;
    return 0;
}

/*
 * Read a quoted string into buf (NUL-terminated, at most max bytes of text).
 * The caller has checked that the value is a string.
 */
static int config_string(struct config_parser *p, char *buf, size_t max)
{
    char quote = p->text[p->pos++];
    size_t n = 0;

    for (;;) {
        int c = config_peek(p);
        char ch;

        if (c < 0 || c == '\n')
            return config_fail(p, "string is not closed before the end of the line");
        p->pos++;
        if (c == quote)
            break;
        if (c == '\\') {
            int rc = config_escape(p, &ch);

            if (rc)
                return rc;
        } else {
            ch = (char)c;
        }
        if (n == max)
            return config_fail(p, "%s is longer than %zu bytes", p->key, max);
        buf[n++] = ch;
    }
    buf[n] = '\0';
    return 0;
}

/* Read an unsigned number (decimal, or hex with 0x). The caller checked the kind. */
static int config_number(struct config_parser *p, uint64_t *value)
{
    size_t start = p->pos;
    unsigned base = 10;
    uint64_t v = 0;
    bool digits = false;

    if (p->text[p->pos] == '0' && p->pos + 1 < p->len &&
        (p->text[p->pos + 1] == 'x' || p->text[p->pos + 1] == 'X')) {
        base = 16;
        p->pos += 2;
    }
    for (;;) {
        int c = config_peek(p);
        int d = hex_value(c);

        if (d < 0 || (unsigned)d >= base) {
            if (is_ident(c) || c == '.')
                return config_fail(p, "%s: '%.*s%c' is not a number", p->key, (int)(p->pos - start),
                                   p->text + start, c);
            break;
        }
        if (mul_overflows_u64(v, base, &v) || add_overflows_u64(v, (uint64_t)d, &v))
            return config_fail(p, "%s: number is too large", p->key);
        digits = true;
        p->pos++;
    }
    if (!digits)
        return config_fail(p, "%s: '0x' without hex digits", p->key);
    *value = v;
    return 0;
}

/* Expect '['; `example` shows the items in the error message. */
static int config_list_begin(struct config_parser *p, const char *example)
{
    if (config_peek(p) != '[')
        return config_fail(p, "%s must be a list like [ %s, ... ]", p->key, example);
    p->pos++;
    p->list_after_item = false;
    return 0;
}

/*
 * Returns 1 when an item follows (the cursor is on it), 0 after the closing
 * ']', or an error. Call it once after config_list_begin and after each item.
 */
static int config_list_next(struct config_parser *p)
{
    config_skip(p, true);
    if (p->list_after_item) {
        if (config_peek(p) == ',') {
            p->pos++;
            config_skip(p, true);
        } else if (config_peek(p) != ']') {
            char here[16];

            config_describe_here(p, here, sizeof(here));
            return config_fail(p, "expected ',' or ']' in the list of %s, found %s", p->key, here);
        }
    }
    if (config_peek(p) == ']') {
        p->pos++;
        return 0;
    }
    if (config_peek(p) < 0)
        return config_fail(p, "list of %s is not closed with ']'", p->key);
    if (config_peek(p) == ',')
        return config_fail(p, "empty item in the list of %s", p->key);
    p->list_after_item = true;
    return 1;
}

/* ---- key handlers ---- */

typedef int (*config_handler)(struct config_parser *p, struct vm_config *cfg);

static int config_string_value(struct config_parser *p, char *buf, size_t max)
{
    if (config_value_kind(p) != VALUE_STRING)
        return config_fail(p, "%s must be a quoted string", p->key);
    return config_string(p, buf, max);
}

static int config_nonempty_string_value(struct config_parser *p, char *buf, size_t max)
{
    int rc = config_string_value(p, buf, max);

    if (rc == 0 && buf[0] == '\0')
        return config_fail(p, "%s must not be empty", p->key);
    return rc;
}

/* A number in [min, max]; `what` completes "KEY must be ...". */
static int config_ranged_number(struct config_parser *p, uint64_t min, uint64_t max,
                                const char *what, uint32_t *out)
{
    uint64_t v;
    int rc;

    if (config_value_kind(p) != VALUE_NUMBER)
        return config_fail(p, "%s must be %s", p->key, what);
    if ((rc = config_number(p, &v)))
        return rc;
    if (v < min || v > max)
        return config_fail(p, "%s must be %s", p->key, what);
    *out = (uint32_t)v;
    return 0;
}

static int config_key_name(struct config_parser *p, struct vm_config *cfg)
{
    struct domb_error check;
    int rc = config_string_value(p, cfg->name, VM_NAME_MAX);

    if (rc)
        return rc;
    if (vm_config_check_name(cfg->name, &check))
        return config_fail_check(p, &check);
    return 0;
}

/* xl's HVM guest (type = "hvm", or the older builder = "hvm"): one answer. */
#define CONFIG_NO_HVM                                                                              \
    "HVM guests are not supported: they need a device model (QEMU), which domB does not run; "     \
    "type = \"pvh\" is the alternative"

static int config_key_type(struct config_parser *p, struct vm_config *cfg)
{
    char type[16];
    int rc = config_string_value(p, type, sizeof(type) - 1);

    if (rc)
        return rc;
    for (unsigned i = 0; i < VM_TYPE_COUNT; i++) {
        if (strcmp(type, vm_type_name((enum vm_type)i)) == 0) {
            cfg->type = (enum vm_type)i;
            return 0;
        }
    }
    if (strcmp(type, "hvm") == 0)
        return config_fail(p, CONFIG_NO_HVM);
    return config_fail(p, "type \"%s\" is unknown; domB builds \"pv\" and \"pvh\" guests", type);
}

/* xl's deprecated spelling of the type: "generic" is PV. */
static int config_key_builder(struct config_parser *p, struct vm_config *cfg)
{
    char builder[16];
    int rc = config_string_value(p, builder, sizeof(builder) - 1);

    if (rc)
        return rc;
    if (strcmp(builder, "generic") == 0) {
        cfg->type = VM_TYPE_PV;
        return 0;
    }
    if (strcmp(builder, "hvm") == 0)
        return config_fail(p, CONFIG_NO_HVM);
    return config_fail(p, "builder \"%s\" is unknown; use type = \"pv\" or type = \"pvh\"",
                       builder);
}

static int config_key_kernel(struct config_parser *p, struct vm_config *cfg)
{
    return config_nonempty_string_value(p, cfg->kernel, VM_PATH_MAX);
}

static int config_key_ramdisk(struct config_parser *p, struct vm_config *cfg)
{
    return config_nonempty_string_value(p, cfg->ramdisk, VM_PATH_MAX);
}

static int config_key_cmdline(struct config_parser *p, struct vm_config *cfg)
{
    return config_string_value(p, cfg->cmdline, VM_CMDLINE_MAX);
}

#define MIB_RANGE "a positive number of MiB, at most 1048576"

static int config_key_memory(struct config_parser *p, struct vm_config *cfg)
{
    _Static_assert(VM_MEMORY_MAX == 1048576, "MIB_RANGE text");
    return config_ranged_number(p, 1, VM_MEMORY_MAX, MIB_RANGE, &cfg->memory_mib);
}

static int config_key_maxmem(struct config_parser *p, struct vm_config *cfg)
{
    return config_ranged_number(p, 1, VM_MEMORY_MAX, MIB_RANGE, &cfg->maxmem_mib);
}

static int config_key_db_client(struct config_parser *p, struct vm_config *cfg)
{
    uint32_t v = 0;
    int rc = config_ranged_number(p, 0, 1, "0 or 1", &v);

    if (rc == 0)
        cfg->db_client = v == 1;
    return rc;
}

static int config_key_db_max_vms(struct config_parser *p, struct vm_config *cfg)
{
    _Static_assert(VM_DB_MAX_VMS == 64, "message text");
    return config_ranged_number(p, 1, VM_DB_MAX_VMS, "a number from 1 to 64", &cfg->db_max_vms);
}

static int config_key_db_max_memory(struct config_parser *p, struct vm_config *cfg)
{
    return config_ranged_number(p, 1, VM_MEMORY_MAX, MIB_RANGE, &cfg->db_max_memory_mib);
}

static int config_key_max_grant_frames(struct config_parser *p, struct vm_config *cfg)
{
    _Static_assert(VM_GRANT_FRAMES_MAX == 65535, "message text");
    cfg->has_max_grant_frames = true;
    return config_ranged_number(p, 1, VM_GRANT_FRAMES_MAX, "a number from 1 to 65535",
                                &cfg->max_grant_frames);
}

static int config_key_max_maptrack_frames(struct config_parser *p, struct vm_config *cfg)
{
    cfg->has_max_maptrack_frames = true;
    /* xl also takes 0 (the guest may map no grants), but the builder's
     * request reads 0 as "Xen's default": not offered until it can say it. */
    return config_ranged_number(p, 1, VM_GRANT_FRAMES_MAX, "a number from 1 to 65535",
                                &cfg->max_maptrack_frames);
}

static int config_key_max_grant_version(struct config_parser *p, struct vm_config *cfg)
{
    _Static_assert(VM_GRANT_VERSION_MAX == 2, "message text");
    return config_ranged_number(p, 1, VM_GRANT_VERSION_MAX, "1 or 2", &cfg->max_grant_version);
}

static int config_key_vcpus(struct config_parser *p, struct vm_config *cfg)
{
    _Static_assert(VM_VCPUS_MAX == 64, "message text");
    return config_ranged_number(p, 1, VM_VCPUS_MAX, "a number from 1 to 64", &cfg->vcpus);
}

static int config_key_domid(struct config_parser *p, struct vm_config *cfg)
{
    _Static_assert(VM_DOMID_MAX == 0x7fef, "message text");
    return config_ranged_number(p, 1, VM_DOMID_MAX, "a number from 1 to 0x7fef", &cfg->domid);
}

/* Parse hex digits (with an optional 0x) from s; returns the end or NULL. */
static const char *parse_hex_u64(const char *s, uint64_t *value)
{
    uint64_t v = 0;
    int d;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (hex_value(*s) < 0)
        return NULL;
    while ((d = hex_value(*s)) >= 0) {
        if (v >> 60)
            return NULL;
        v = v * 16 + (uint64_t)d;
        s++;
    }
    *value = v;
    return s;
}

/* One item of a list of strings; `item` is its decoded text. */
typedef int (*config_string_item)(struct config_parser *p, struct vm_config *cfg, const char *item);

/* A list of short strings, e.g. [ "3f8-3ff", "80" ]; `example` is one item. */
static int config_string_list(struct config_parser *p, struct vm_config *cfg, const char *example,
                              config_string_item parse_item)
{
    char quoted[32];
    int rc;

    domb_snprintf(quoted, sizeof(quoted), "\"%s\"", example);
    rc = config_list_begin(p, quoted);
    while (rc == 0 && (rc = config_list_next(p)) == 1) {
        char item[64];

        if (config_value_kind(p) != VALUE_STRING)
            return config_fail(p, "%s entries must be strings like \"%s\"", p->key, example);
        if ((rc = config_string(p, item, sizeof(item) - 1)) || (rc = parse_item(p, cfg, item)))
            return rc;
    }
    return rc;
}

/* "START[,NUM[@GFN]]", all hex pages (xl's iomem syntax); NUM defaults to 1. */
static int config_iomem_item(struct config_parser *p, struct vm_config *cfg, const char *item)
{
    struct vm_iomem range;
    struct domb_error check;
    const char *s;

    s = parse_hex_u64(item, &range.start_mfn);
    range.nr_pages = 1;
    if (s && *s == ',')
        s = parse_hex_u64(s + 1, &range.nr_pages);
    range.gfn = range.start_mfn;
    if (s && *s == '@')
        s = parse_hex_u64(s + 1, &range.gfn);
    if (!s || *s != '\0')
        return config_fail(p, "iomem entry \"%s\" is not START[,NUM[@GFN]] in hex", item);
    if (vm_config_check_iomem(&range, &check))
        return config_fail_check(p, &check);
    if (cfg->nr_iomem == VM_IOMEM_MAX)
        return config_fail(p, "more than %d iomem ranges", VM_IOMEM_MAX);
    cfg->iomem[cfg->nr_iomem++] = range;
    return 0;
}

static int config_key_iomem(struct config_parser *p, struct vm_config *cfg)
{
    return config_string_list(p, cfg, "fe000,2", config_iomem_item);
}

/* "START[-END]" in hex (xl's ioports syntax). */
static int config_ioport_item(struct config_parser *p, struct vm_config *cfg, const char *item)
{
    uint64_t first = 0, last;
    struct vm_ioport range;
    struct domb_error check;
    const char *s;

    s = parse_hex_u64(item, &first);
    last = first;
    if (s && *s == '-')
        s = parse_hex_u64(s + 1, &last);
    if (!s || *s != '\0')
        return config_fail(p, "ioports entry \"%s\" is not START[-END] in hex", item);
    if (first > VM_IOPORT_LAST || last > VM_IOPORT_LAST)
        return config_fail(p, "ioports entry \"%s\" is above 0xffff", item);
    range.first = (uint32_t)first;
    range.last = (uint32_t)last;
    if (vm_config_check_ioport(&range, &check))
        return config_fail_check(p, &check);
    if (cfg->nr_ioports == VM_IOPORT_MAX)
        return config_fail(p, "more than %d ioport ranges", VM_IOPORT_MAX);
    cfg->ioports[cfg->nr_ioports++] = range;
    return 0;
}

static int config_key_ioports(struct config_parser *p, struct vm_config *cfg)
{
    return config_string_list(p, cfg, "3f8-3ff", config_ioport_item);
}

static int config_key_irqs(struct config_parser *p, struct vm_config *cfg)
{
    int rc = config_list_begin(p, "5, 7");

    while (rc == 0 && (rc = config_list_next(p)) == 1) {
        uint64_t irq;
        struct domb_error check;

        if (config_value_kind(p) != VALUE_NUMBER)
            return config_fail(p, "irqs entries must be numbers");
        if ((rc = config_number(p, &irq)))
            return rc;
        if (vm_config_check_irq(irq, &check))
            return config_fail_check(p, &check);
        if (cfg->nr_irqs == VM_IRQ_MAX)
            return config_fail(p, "more than %d irqs", VM_IRQ_MAX);
        cfg->irqs[cfg->nr_irqs++] = (uint32_t)irq;
        rc = 0;
    }
    return rc;
}

static int config_sha256_value(struct config_parser *p, uint8_t digest[SHA256_DIGEST_SIZE])
{
    char hex[SHA256_HEX_LEN + 2];
    int rc = config_string_value(p, hex, SHA256_HEX_LEN + 1);

    if (rc)
        return rc;
    if (strlen(hex) != SHA256_HEX_LEN)
        return config_fail(p, "%s must be 64 hex digits", p->key);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return config_fail(p, "%s must be 64 hex digits", p->key);
        digest[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int config_key_kernel_sha256(struct config_parser *p, struct vm_config *cfg)
{
    cfg->has_kernel_sha256 = true;
    return config_sha256_value(p, cfg->kernel_sha256);
}

static int config_key_ramdisk_sha256(struct config_parser *p, struct vm_config *cfg)
{
    cfg->has_ramdisk_sha256 = true;
    return config_sha256_value(p, cfg->ramdisk_sha256);
}

static int config_key_on_exit(struct config_parser *p, struct vm_config *cfg)
{
    char action[16];
    int rc = config_string_value(p, action, sizeof(action) - 1);

    if (rc)
        return rc;
    for (unsigned i = 0; i < VM_ON_EXIT_COUNT; i++) {
        if (strcmp(action, vm_on_exit_name((enum vm_on_exit)i)) == 0) {
            cfg->on_exit = (enum vm_on_exit)i;
            return 0;
        }
    }
    return config_fail(p, "on_exit must be \"destroy\", \"preserve\" or \"restart\"");
}

static int config_key_driver_domain(struct config_parser *p, struct vm_config *cfg)
{
    uint32_t v = 0;
    int rc = config_ranged_number(p, 0, 1, "0 or 1", &v);

    if (rc == 0)
        cfg->driver_domain = v == 1;
    return rc;
}

static int config_key_db_max_devices(struct config_parser *p, struct vm_config *cfg)
{
    _Static_assert(VM_DB_MAX_DEVICES == 512, "message text");
    return config_ranged_number(p, 0, VM_DB_MAX_DEVICES, "a number from 0 to 512",
                                &cfg->db_max_devices);
}

/* ---- vif and disk: lists of xl device strings (proto/config_device.c) ---- */

#define CONFIG_DEVICE_SPEC_MAX 511 /* one vif or disk string */

/* A list of device strings; parse_item gets each decoded one. */
static int config_device_list(struct config_parser *p, struct vm_config *cfg, const char *example,
                              int (*parse_item)(struct config_parser *p, struct vm_config *cfg,
                                                const char *item))
{
    char quoted[64];
    int rc;

    domb_snprintf(quoted, sizeof(quoted), "'%s'", example);
    rc = config_list_begin(p, quoted);
    while (rc == 0 && (rc = config_list_next(p)) == 1) {
        char item[CONFIG_DEVICE_SPEC_MAX + 1];

        if (config_value_kind(p) != VALUE_STRING)
            return config_fail(p, "%s entries must be strings like '%s'", p->key, example);
        if ((rc = config_string(p, item, CONFIG_DEVICE_SPEC_MAX)))
            return rc;
        if (cfg->nr_devices == VM_DEVICE_MAX)
            return config_fail(p, "more than %d devices (vif and disk entries together)",
                               VM_DEVICE_MAX);
        if ((rc = parse_item(p, cfg, item)))
            return rc;
        p->device_line[cfg->nr_devices++] = p->line;
    }
    return rc;
}

static int config_vif_item(struct config_parser *p, struct vm_config *cfg, const char *item)
{
    struct vm_device *dev = &cfg->devices[cfg->nr_devices];
    struct domb_error sub;
    bool mac_given;

    if (config_device_vif(item, p->nr_vifs, dev, &mac_given, &sub))
        return config_fail(p, "vif %u: %s", p->nr_vifs, sub.msg);
    for (uint32_t i = 0; mac_given && i < cfg->nr_devices; i++) {
        const struct vm_device *other = &cfg->devices[i];

        if (other->kind == VM_DEVICE_VIF && !(p->default_mac & (1u << i)) &&
            memcmp(other->vif.mac, dev->vif.mac, sizeof(dev->vif.mac)) == 0)
            return config_fail(p, "vif %u: mac %02x:%02x:%02x:%02x:%02x:%02x is vif %u's too",
                               p->nr_vifs, dev->vif.mac[0], dev->vif.mac[1], dev->vif.mac[2],
                               dev->vif.mac[3], dev->vif.mac[4], dev->vif.mac[5], other->devid);
    }
    if (!mac_given)
        p->default_mac |= 1u << cfg->nr_devices;
    p->nr_vifs++;
    return 0;
}

static int config_key_vif(struct config_parser *p, struct vm_config *cfg)
{
    return config_device_list(p, cfg, "bridge=xenbr0", config_vif_item);
}

static int config_disk_item(struct config_parser *p, struct vm_config *cfg, const char *item)
{
    struct vm_device *dev = &cfg->devices[cfg->nr_devices];
    struct domb_error sub;
    uint32_t index = 0;

    if (config_device_disk(item, dev, &sub))
        return config_fail(p, "disk %u: %s", p->nr_disks, sub.msg);
    for (uint32_t i = 0; i < cfg->nr_devices; i++) {
        const struct vm_device *other = &cfg->devices[i];

        if (other->kind != VM_DEVICE_VBD)
            continue;
        if (other->disk.virtual_device == dev->disk.virtual_device)
            return config_fail(
                p, "disk %u: vdev %s is the same virtual device (%u) as disk %u's %s", p->nr_disks,
                dev->disk.vdev, dev->disk.virtual_device, index, other->disk.vdev);
        index++;
    }
    p->nr_disks++;
    return 0;
}

static int config_key_disk(struct config_parser *p, struct vm_config *cfg)
{
    return config_device_list(p, cfg, "/images/web.img,raw,xvda,rw", config_disk_item);
}

/*
 * After the whole file: the default MACs (from the name), no device backed
 * by the VM itself (at the device's line).
 */
static int config_finish_devices(struct config_parser *p, struct vm_config *cfg)
{
    uint32_t vif = 0, disk = 0;

    for (uint32_t i = 0; i < cfg->nr_devices; i++) {
        struct vm_device *dev = &cfg->devices[i];
        bool is_vif = dev->kind == VM_DEVICE_VIF;

        if (p->default_mac & (1u << i))
            vm_vif_default_mac(cfg->name, dev->devid, dev->vif.mac);
        if (strcmp(dev->backend, cfg->name) == 0)
            return config_fail_at(p, p->device_line[i],
                                  "%s %u: backend '%s' is this VM itself; a device needs another "
                                  "VM (a driver domain) as its backend",
                                  is_vif ? "vif" : "disk", is_vif ? vif : disk, dev->backend);
        if (is_vif)
            vif++;
        else
            disk++;
    }
    return 0;
}

struct config_key {
    const char *name;
    enum config_slot slot;
    config_handler handler;
};

static const struct config_key config_keys[] = {
    {"name", SLOT_NAME, config_key_name},
    {"type", SLOT_TYPE, config_key_type},
    {"builder", SLOT_TYPE, config_key_builder}, /* xl's older spelling of type */
    {"kernel", SLOT_KERNEL, config_key_kernel},
    {"ramdisk", SLOT_RAMDISK, config_key_ramdisk},
    {"cmdline", SLOT_CMDLINE, config_key_cmdline},
    {"extra", SLOT_CMDLINE, config_key_cmdline}, /* xl's older name for cmdline */
    {"memory", SLOT_MEMORY, config_key_memory},
    {"maxmem", SLOT_MAXMEM, config_key_maxmem},
    {"vcpus", SLOT_VCPUS, config_key_vcpus},
    {"domid", SLOT_DOMID, config_key_domid},
    {"iomem", SLOT_IOMEM, config_key_iomem},
    {"ioports", SLOT_IOPORTS, config_key_ioports},
    {"irqs", SLOT_IRQS, config_key_irqs},
    {"kernel_sha256", SLOT_KERNEL_SHA256, config_key_kernel_sha256},
    {"ramdisk_sha256", SLOT_RAMDISK_SHA256, config_key_ramdisk_sha256},
    {"on_exit", SLOT_ON_EXIT, config_key_on_exit},
    {"db_client", SLOT_DB_CLIENT, config_key_db_client},
    {"db_client_max_vms", SLOT_DB_MAX_VMS, config_key_db_max_vms},
    {"db_client_max_memory", SLOT_DB_MAX_MEMORY, config_key_db_max_memory},
    {"max_grant_frames", SLOT_MAX_GRANT_FRAMES, config_key_max_grant_frames},
    {"max_maptrack_frames", SLOT_MAX_MAPTRACK_FRAMES, config_key_max_maptrack_frames},
    {"max_grant_version", SLOT_MAX_GRANT_VERSION, config_key_max_grant_version},
    {"vif", SLOT_VIF, config_key_vif},
    {"disk", SLOT_DISK, config_key_disk},
    {"driver_domain", SLOT_DRIVER_DOMAIN, config_key_driver_domain},
    {"db_client_max_devices", SLOT_DB_MAX_DEVICES, config_key_db_max_devices},
};

/* xl keys that domB recognises but does not implement: a clearer error. */
static const char *const config_xl_unsupported[] = {
    "bootloader",
    "pci",
    "vfb",
    "vnc",
    "sdl",
    "serial",
    "cpus",
    "on_poweroff",
    "on_reboot",
    "on_crash",
    "device_model_version",
    "usb",
    "vtpm",
    "channel",
    "p9",
    "bootloader_args",
    "root",
    "maxvcpus",
    "cpu_weight",
    /* HVM and PVH tuning that domB's builder decides itself */
    "firmware",
    "acpi",
    "apic",
    "hap",
    "nestedhvm",
    "viridian",
    "pvshim",
    "device_model_override",
    "boot",
    "shadow_memory",
};

static bool slice_equals(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

static int config_statement(struct config_parser *p, struct vm_config *cfg)
{
    size_t key_start = p->pos, key_len;
    const struct config_key *key = NULL;
    unsigned key_line = p->line;
    char here[16];
    int rc;

    while (is_ident(config_peek(p)))
        p->pos++;
    key_len = p->pos - key_start;
    for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
        if (slice_equals(p->text + key_start, key_len, config_keys[i].name))
            key = &config_keys[i];
    if (!key) {
        for (size_t i = 0; i < ARRAY_SIZE(config_xl_unsupported); i++)
            if (slice_equals(p->text + key_start, key_len, config_xl_unsupported[i]))
                return config_fail(p, "xl key '%.*s' is not supported by domB", (int)key_len,
                                   p->text + key_start);
        return config_fail(p, "unknown key '%.*s'", (int)key_len > 64 ? 64 : (int)key_len,
                           p->text + key_start);
    }
    if (p->slot_line[key->slot]) {
        if (strcmp(p->slot_key[key->slot], key->name) == 0)
            return config_fail(p, "%s is set twice (first on line %u)", key->name,
                               p->slot_line[key->slot]);
        return config_fail(p, "%s and %s are the same setting; give only one (%s is on line %u)",
                           p->slot_key[key->slot], key->name, p->slot_key[key->slot],
                           p->slot_line[key->slot]);
    }
    p->slot_line[key->slot] = key_line;
    p->slot_key[key->slot] = key->name;
    p->key = key->name;

    config_skip(p, false);
    if (config_peek(p) == '+' && p->pos + 1 < p->len && p->text[p->pos + 1] == '=')
        return config_fail(p, "'+=' is not supported; set %s once with '='", key->name);
    if (config_peek(p) != '=')
        return config_fail(p, "expected '=' after %s", key->name);
    p->pos++;
    config_skip(p, false);
    if (config_peek(p) < 0 || config_peek(p) == '\n' || config_peek(p) == ';')
        return config_fail(p, "%s has no value", key->name);
    if ((rc = key->handler(p, cfg)))
        return rc;

    config_skip(p, false);
    if (config_peek(p) == ';' || config_peek(p) == '\n' || config_peek(p) < 0)
        return 0;
    config_describe_here(p, here, sizeof(here));
    return config_fail(p, "unexpected %s after the value of %s", here, key->name);
}

/*
 * Keys that do not apply to the guest's type. A PVH guest gets no device
 * passthrough: Xen traps its port I/O and would need iomem mapped into its
 * physmap (XEN_DOMCTL_memory_mapping, ioport_mapping) and its IRQs routed
 * through an emulated interrupt controller, none of which domB sets up (xl
 * refuses passthrough to x86 PVH guests too). Reported at the key's line,
 * wherever `type` is in the file.
 */
static int config_check_type(struct config_parser *p, const struct vm_config *cfg)
{
    static const struct {
        enum config_slot slot;
        const char *key;
    } pv_only[] = {{SLOT_IOMEM, "iomem"}, {SLOT_IOPORTS, "ioports"}, {SLOT_IRQS, "irqs"}};

    if (cfg->type != VM_TYPE_PVH)
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(pv_only); i++)
        if (p->slot_line[pv_only[i].slot])
            return config_fail_at(p, p->slot_line[pv_only[i].slot],
                                  "%s does not apply to a PVH guest (type = \"pvh\" on line %u): "
                                  "domB passes devices through to PV guests only",
                                  pv_only[i].key, p->slot_line[SLOT_TYPE]);
    return 0;
}

/* Checks across keys and required keys, once the whole file is read. */
static int config_finish(struct config_parser *p, struct vm_config *cfg)
{
    struct domb_error check;
    int rc;

    if (!p->slot_line[SLOT_NAME])
        return config_fail_at(p, 0, "name is not set");
    if (!p->slot_line[SLOT_KERNEL])
        return config_fail_at(p, 0, "kernel is not set");
    if (!p->slot_line[SLOT_MEMORY])
        return config_fail_at(p, 0, "memory is not set");
    if (cfg->db_client && !p->slot_line[SLOT_DB_MAX_VMS])
        cfg->db_max_vms = VM_DB_DEFAULT_MAX_VMS;
    if (cfg->db_client && !p->slot_line[SLOT_DB_MAX_MEMORY])
        cfg->db_max_memory_mib = VM_DB_DEFAULT_MAX_MEMORY_MIB;
    if (cfg->db_client && !p->slot_line[SLOT_DB_MAX_DEVICES])
        cfg->db_max_devices = VM_DB_DEFAULT_MAX_DEVICES;
    if (!cfg->db_client && p->slot_line[SLOT_DB_MAX_DEVICES])
        return config_fail_at(p, p->slot_line[SLOT_DB_MAX_DEVICES],
                              "db_client_max_devices needs db_client = 1");
    if (!cfg->db_client && (p->slot_line[SLOT_DB_MAX_VMS] || p->slot_line[SLOT_DB_MAX_MEMORY]))
        return config_fail_at(p,
                              p->slot_line[SLOT_DB_MAX_VMS] ? p->slot_line[SLOT_DB_MAX_VMS]
                                                            : p->slot_line[SLOT_DB_MAX_MEMORY],
                              "db_client_max_vms/db_client_max_memory need db_client = 1");
    if (!p->slot_line[SLOT_MAXMEM])
        cfg->maxmem_mib = cfg->memory_mib;
    else if (cfg->maxmem_mib < cfg->memory_mib)
        return config_fail_at(p, p->slot_line[SLOT_MAXMEM],
                              "maxmem (%u MiB) is less than memory (%u MiB)", cfg->maxmem_mib,
                              cfg->memory_mib);
    if ((rc = config_check_type(p, cfg)) || (rc = config_finish_devices(p, cfg)))
        return rc;
    if (p->slot_line[SLOT_RAMDISK_SHA256] && !p->slot_line[SLOT_RAMDISK])
        return config_fail_at(p, p->slot_line[SLOT_RAMDISK_SHA256],
                              "ramdisk_sha256 is given but ramdisk is not");
    /* Defence in depth: the per-key checks above should make this pass. */
    if (vm_config_validate(cfg, &check))
        return config_fail_at(p, 0, "%s", check.msg);
    return 0;
}

int config_parse(const char *text, size_t len, const char *file_name, struct vm_config *cfg,
                 struct config_lines *lines, struct domb_error *err)
{
    struct config_parser p;
    int rc;

    memset(&p, 0, sizeof(p));
    p.text = text;
    p.len = len;
    p.line = 1;
    p.file = file_name;
    p.err = err;
    vm_config_init(cfg);
    domb_error_clear(err);

    for (size_t i = 0; i < len; i++)
        if (text[i] == '\0')
            return config_fail_at(&p, 0, "file holds a NUL byte; is it a text file?");

    for (;;) {
        int c;

        config_skip(&p, false);
        c = config_peek(&p);
        if (c < 0)
            break;
        if (c == '\n') {
            p.pos++;
            p.line++;
        } else if (c == ';') {
            p.pos++;
        } else if (is_ident_start(c)) {
            if ((rc = config_statement(&p, cfg)))
                return rc;
        } else {
            char here[16];

            config_describe_here(&p, here, sizeof(here));
            return config_fail(&p, "expected a key, found %s", here);
        }
    }
    if ((rc = config_finish(&p, cfg)))
        return rc;
    if (lines) {
        lines->name = p.slot_line[SLOT_NAME];
        lines->kernel = p.slot_line[SLOT_KERNEL];
        lines->ramdisk = p.slot_line[SLOT_RAMDISK];
        lines->kernel_sha256 = p.slot_line[SLOT_KERNEL_SHA256];
        lines->ramdisk_sha256 = p.slot_line[SLOT_RAMDISK_SHA256];
        lines->domid = p.slot_line[SLOT_DOMID];
        lines->driver_domain = p.slot_line[SLOT_DRIVER_DOMAIN];
        memcpy(lines->devices, p.device_line, sizeof(lines->devices));
    }
    return 0;
}
