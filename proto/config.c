/*
 * xl.cfg-style VM configuration parser.
 *
 * The grammar is xl's (tools/libs/util/libxlu_cfg_*): statements
 * `KEY = VALUE` or `KEY += VALUE` ended by a newline or ';', values are
 * "double" or 'single' quoted strings with C escapes, numbers (decimal, 0x
 * hex, or octal with a leading 0, as xl's strtol base 0; quoted or not), or
 * lists `[ v, v, ]` that may span lines. '#' starts a comment. `+=` adds to
 * a string or a list set before, as xl does. A file that is an HVM guest
 * (type = "hvm", or a key only HVM guests have) gets one answer, found
 * before anything else is read (config_find_hvm).
 *
 * Each key has one entry in config_keys[] with a handler that reads its value
 * through the small reader API below (config_string_value, config_read_number,
 * the list helpers) and stores it into the vm_config. Adding a key is adding
 * an entry. xl keys domB refuses, and why, are in config_xl.c.
 */
#include "config_device.h"
#include "config_xl.h"

#include <domb/errno.h>
#include <proto/config.h>

/* Settings that keys store into; aliases (cmdline/extra, type/builder) share a slot. */
enum config_slot {
    SLOT_NAME,
    SLOT_TYPE,
    SLOT_KERNEL,
    SLOT_RAMDISK,
    SLOT_CMDLINE,
    SLOT_ROOT,
    SLOT_MEMORY,
    SLOT_MAXMEM,
    SLOT_VCPUS,
    SLOT_MAXVCPUS,
    SLOT_CPUS,
    SLOT_CPUS_SOFT,
    SLOT_UUID,
    SLOT_POOL,
    SLOT_LOCALTIME,
    SLOT_DOMID,
    SLOT_IOMEM,
    SLOT_IOPORTS,
    SLOT_IRQS,
    SLOT_KERNEL_SHA256,
    SLOT_RAMDISK_SHA256,
    SLOT_ON_EXIT,
    SLOT_ON_POWEROFF, /* the five in enum vm_reason's order */
    SLOT_ON_REBOOT,
    SLOT_ON_CRASH,
    SLOT_ON_WATCHDOG,
    SLOT_ON_SOFT_RESET,
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
    SLOT_SECLABEL,
    SLOT_INIT_SECLABEL,
    SLOT_DB_BUILDER,
    SLOT_COUNT
};
_Static_assert(SLOT_ON_REBOOT - SLOT_ON_POWEROFF == VM_REASON_REBOOT &&
                   SLOT_ON_CRASH - SLOT_ON_POWEROFF == VM_REASON_CRASH &&
                   SLOT_ON_WATCHDOG - SLOT_ON_POWEROFF == VM_REASON_WATCHDOG &&
                   SLOT_ON_SOFT_RESET - SLOT_ON_POWEROFF == VM_REASON_SOFT_RESET,
               "the on_* slots follow enum vm_reason");

#define CONFIG_ADDS_MAX           16  /* '+=' to strings in one file */
#define CONFIG_DEFAULT_MEMORY_MIB 32  /* libxl's, when neither memory nor maxmem is given */
#define CONFIG_ROOT_MAX           255 /* xl's root, "root=" + it goes in front of the command line */

struct config_parser {
    const char *text;
    size_t len;
    size_t pos;
    unsigned line;
    const char *file;
    struct domb_error *err;
    bool list_after_item;           /* inside a list, an item was just read */
    const char *key;                /* the key whose value is being read */
    enum config_slot slot;          /* ... and its slot */
    bool append;                    /* the statement is KEY += VALUE after an earlier KEY */
    unsigned slot_line[SLOT_COUNT]; /* line that set each slot; 0 = unset */
    const char *slot_key[SLOT_COUNT];
    /* Where string values were, so that a later '+=' can join them: the
     * one set with '=' (0: none), and each added one in order. */
    uint32_t slot_pos[SLOT_COUNT];
    struct {
        uint32_t pos;
        uint8_t slot;
    } adds[CONFIG_ADDS_MAX];
    unsigned nr_adds;
    char root[CONFIG_ROOT_MAX + 1]; /* xl's root, joined with the command line at the end */
    /* Devices: the line of each, how many of each kind, and which vifs
     * get the default MAC (it needs the name, known only at the end). */
    unsigned device_line[VM_DEVICE_MAX];
    uint32_t nr_vifs, nr_disks;
    uint32_t default_mac; /* bit i: devices[i] */
};

/* ---- errors ---- */

#define CONFIG_PATH_KEEP 32

static int config_fail_at(struct config_parser *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int config_fail_at(struct config_parser *p, unsigned line, const char *fmt, ...)
{
    char msg[DOMB_ERROR_MSG_MAX], where[16];
    const char *file = p->file;
    va_list ap;
    size_t used, room;

    va_start(ap, fmt);
    domb_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line == 0)
        domb_snprintf(where, sizeof(where), ": ");
    else
        domb_snprintf(where, sizeof(where), ":%u: ", line);
    /* The message must survive whole: a long path loses its head
     * ("...dir/file.cfg"), not the message its tail, as long as at least
     * CONFIG_PATH_KEEP characters of the path are left; a message too long
     * for that (it quotes a long value) keeps the whole path instead. */
    used = strlen(where) + strlen(msg);
    room = used < sizeof(msg) - 1 ? sizeof(msg) - 1 - used : 0;
    if (strlen(file) > room && room >= CONFIG_PATH_KEEP)
        return domb_error_set(p->err, -XEN_EINVAL, "...%s%s%s", file + strlen(file) - (room - 3),
                              where, msg);
    return domb_error_set(p->err, -XEN_EINVAL, "%s%s%s", file, where, msg);
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

/* xl's keys are [a-z][._0-9a-z]*; domB also takes capitals and '_' first. */
static bool is_ident(int c)
{
    return is_ident_start(c) || is_digit(c) || c == '.';
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

/* The run of key-like characters at the cursor (a bareword or a number's
 * text), not consumed: its length. */
static size_t config_word_len(const struct config_parser *p)
{
    size_t n = 0;

    while (p->pos + n < p->len && is_ident((unsigned char)p->text[p->pos + n]))
        n++;
    return n;
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

/*
 * One escape after a backslash: xl's \" \' \\ \a \b \f \n \r \t \v. Its
 * numeric escapes are refused: Xen 4.17's xl refuses every \xHH (its
 * dequote skips a digit, then wants more than two) and drops \ooo
 * without a word (it parses the digits but stores nothing), so domB
 * taking them would read such a file differently from xl.
 */
static int config_escape(struct config_parser *p, char *out)
{
    int c = config_peek(p);
    static const char simple_from[] = "\"'\\abfnrtv";
    static const char simple_to[] = "\"'\\\a\b\f\n\r\t\v";

    for (size_t i = 0; simple_from[i]; i++) {
        if (c == simple_from[i]) {
            p->pos++;
            *out = simple_to[i];
            return 0;
        }
    }
    if (c == 'x')
        return config_fail(p,
                           "%s: \\x escapes are not supported (xl refuses them too): write the "
                           "character itself",
                           p->key);
    if (c >= '0' && c <= '7')
        return config_fail(p,
                           "%s: octal escapes such as \\%c are not supported (xl drops them "
                           "without a word): write the character itself",
                           p->key, c);
    if (c < 0 || c == '\n')
        return config_fail(p,
                           "%s: the string is not closed before the end of the line: end it with "
                           "its quote (a string cannot span lines)",
                           p->key);
    if (c > ' ' && c < 0x7f)
        return config_fail(p,
                           "%s: unknown escape '\\%c' (xl refuses it too): write \\\\ for a "
                           "backslash",
                           p->key, c);
    return config_fail(p, "%s: unknown escape '\\' + byte 0x%02x: write \\\\ for a backslash",
                       p->key, (unsigned)c);
}

/*
 * Read the quoted string at the cursor and append it to buf[*n..] (kept
 * NUL-terminated, at most max bytes of text). The caller has checked that
 * the value is a string.
 */
static int config_string_into(struct config_parser *p, char *buf, size_t *n, size_t max)
{
    char quote = p->text[p->pos++];

    for (;;) {
        int c = config_peek(p);
        char ch = 0;

        if (c < 0 || c == '\n')
            return config_fail(p,
                               "%s: the string is not closed before the end of the line: end it "
                               "with %c (a string cannot span lines)",
                               p->key, quote);
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
        if (*n == max)
            return config_fail(p, "%s is longer than %zu bytes: shorten it", p->key, max);
        buf[(*n)++] = ch;
    }
    buf[*n] = '\0';
    return 0;
}

static int config_string(struct config_parser *p, char *buf, size_t max)
{
    size_t n = 0;

    buf[0] = '\0';
    return config_string_into(p, buf, &n, max);
}

/* Append the string value that was at text position `pos` (read before). */
static int config_string_again(struct config_parser *p, uint32_t pos, char *buf, size_t *n,
                               size_t max)
{
    size_t here = p->pos;
    int rc;

    p->pos = pos;
    rc = config_string_into(p, buf, n, max);
    p->pos = here;
    return rc;
}

/*
 * A statement's string value. After `KEY += "more"` (p->append), the
 * value is every string the key was given, joined in order, as xl joins
 * them; the handler then sees the whole of it.
 */
static int config_string_value(struct config_parser *p, char *buf, size_t max)
{
    size_t n = 0, word = config_word_len(p);
    int rc;

    if (config_value_kind(p) != VALUE_STRING) {
        if (word && word < 64)
            return config_fail(p, "%s must be a quoted string: write %s = \"%.*s\"", p->key, p->key,
                               (int)word, p->text + p->pos);
        return config_fail(p, "%s must be a quoted string, as %s = \"...\"", p->key, p->key);
    }
    if (!p->append) {
        p->slot_pos[p->slot] = (uint32_t)p->pos;
        return config_string(p, buf, max);
    }
    if (p->slot_pos[p->slot] == 0)
        return config_fail(p, "'+=' adds a string to a string; %s was a list before", p->key);
    buf[0] = '\0';
    if ((rc = config_string_again(p, p->slot_pos[p->slot], buf, &n, max)))
        return rc;
    for (unsigned i = 0; i < p->nr_adds; i++)
        if (p->adds[i].slot == p->slot &&
            (rc = config_string_again(p, p->adds[i].pos, buf, &n, max)))
            return rc;
    if (p->nr_adds == CONFIG_ADDS_MAX)
        return config_fail(p, "more than %d '+=' to strings in one file: join them into one",
                           CONFIG_ADDS_MAX);
    p->adds[p->nr_adds].pos = (uint32_t)p->pos;
    p->adds[p->nr_adds++].slot = (uint8_t)p->slot;
    return config_string_into(p, buf, &n, max);
}

/* How a number is read: xl's strtol base 0 (most keys) or strtoul base 10
 * (xl's irqs, where a leading 0 is not octal). */
enum config_base { BASE_XL, BASE_DECIMAL };

#define CONFIG_NUMBER_FORMS "decimal, 0x hex, or octal with a leading 0, as xl reads numbers"

/*
 * The number in text (as written, without quotes), as xl reads it:
 * "0x"/"0X" and hex digits; else, with BASE_XL, a leading 0 makes it
 * octal (010 is 8); else decimal. domB also takes 0x hex where xl reads
 * decimal only (irqs), which xl refuses, so no file reads differently.
 */
static int config_number_text(struct config_parser *p, const char *text, bool quoted,
                              enum config_base base_rule, uint64_t *value)
{
    const char *s = text;
    unsigned base = 10;
    uint64_t v = 0;
    char q = quoted ? '"' : '\'';

    if (quoted && (*s == ' ' || *s == '\t' || *s == '+' || *s == '-'))
        return config_fail(p,
                           "%s: \"%s\" is not a number: write the digits alone, without blanks "
                           "or a sign",
                           p->key, text);
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (*s == '\0')
            return config_fail(p, "%s: %c%s%c has no hex digits after 0x", p->key, q, text, q);
    } else if (s[0] == '0' && s[1] && base_rule == BASE_XL) {
        base = 8;
        s++;
    }
    if (*s == '\0')
        return config_fail(p, "%s: %c%s%c is not a number (" CONFIG_NUMBER_FORMS ")", p->key, q,
                           text, q);
    for (; *s; s++) {
        int d = hex_value((unsigned char)*s);

        if (base == 8 && (*s == '8' || *s == '9'))
            return config_fail(p,
                               "%s: %c%s%c has a leading 0, so xl reads it as octal (010 is 8), "
                               "and %c is not an octal digit: write it without the 0",
                               p->key, q, text, q, *s);
        if (d < 0 || (unsigned)d >= base)
            return config_fail(p, "%s: %c%s%c is not a number (" CONFIG_NUMBER_FORMS ")", p->key, q,
                               text, q);
        if (mul_overflows_u64(v, base, &v) || add_overflows_u64(v, (uint64_t)d, &v))
            return config_fail(p, "%s: %s is too large", p->key, text);
    }
    *value = v;
    return 0;
}

/*
 * A number value, quoted or not (xl reads "256" as 256). Returns 1 with
 * *value, 0 when the value is neither a number nor a string (the caller
 * says what the key takes), or an error.
 */
static int config_read_number(struct config_parser *p, enum config_base base, uint64_t *value)
{
    char text[32];
    int rc;

    if (config_value_kind(p) == VALUE_NUMBER) {
        size_t n = config_word_len(p);

        if (n >= sizeof(text))
            return config_fail(p, "%s: %.*s... is not a number (" CONFIG_NUMBER_FORMS ")", p->key,
                               16, p->text + p->pos);
        memcpy(text, p->text + p->pos, n);
        text[n] = '\0';
        p->pos += n;
        rc = config_number_text(p, text, false, base, value);
    } else if (config_value_kind(p) == VALUE_STRING) {
        rc = config_string(p, text, sizeof(text) - 1);
        if (rc == 0)
            rc = config_number_text(p, text, true, base, value);
    } else {
        return 0;
    }
    return rc ? rc : 1;
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
            return config_fail(p,
                               "expected ',' or ']' in the list of %s, found %s: separate items "
                               "with ','",
                               p->key, here);
        }
    }
    if (config_peek(p) == ']') {
        p->pos++;
        return 0;
    }
    if (config_peek(p) < 0)
        return config_fail(p, "list of %s is not closed with ']': end it with ']'", p->key);
    if (config_peek(p) == ',')
        return config_fail(p, "empty item in the list of %s: remove the extra ','", p->key);
    p->list_after_item = true;
    return 1;
}

/* ---- key handlers ---- */

typedef int (*config_handler)(struct config_parser *p, struct vm_config *cfg);

static int config_nonempty_string_value(struct config_parser *p, char *buf, size_t max)
{
    int rc = config_string_value(p, buf, max);

    if (rc == 0 && buf[0] == '\0')
        return config_fail(p, "%s must not be empty", p->key);
    return rc;
}

/* A number in [min, max] (quoted or not); `what` completes "KEY must be ...". */
static int config_ranged_number_base(struct config_parser *p, enum config_base base, uint64_t min,
                                     uint64_t max, const char *what, uint32_t *out)
{
    uint64_t v = 0;
    int rc = config_read_number(p, base, &v);

    if (rc < 0)
        return rc;
    if (rc == 0 || v < min || v > max)
        return config_fail(p, "%s must be %s", p->key, what);
    *out = (uint32_t)v;
    return 0;
}

static int config_ranged_number(struct config_parser *p, uint64_t min, uint64_t max,
                                const char *what, uint32_t *out)
{
    return config_ranged_number_base(p, BASE_XL, min, max, what, out);
}

/* An xl BOOLEAN: a number, 0 false and anything else true (xlu_cfg_get_defbool). */
static int config_xl_bool(struct config_parser *p, bool *out)
{
    uint64_t v = 0;
    int rc = config_read_number(p, BASE_XL, &v);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return config_fail(p, "%s must be 0 or 1 (a number: 0 is false, any other true, as xl)",
                           p->key);
    *out = v != 0;
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
    return config_fail(p, "type \"%s\" is unknown: use \"pv\" or \"pvh\"", type);
}

/* xl's deprecated spelling of the type: "generic" is PV. */
static int config_key_builder(struct config_parser *p, struct vm_config *cfg)
{
    char builder[16];
    int rc = config_string_value(p, builder, sizeof(builder) - 1);

    if (rc)
        return rc;
    /* xl before 4.10 read any builder but "hvm" as PV, and MirageOS's
     * generated .xl files say "linux"; xl 4.17 refuses it. */
    if (strcmp(builder, "generic") == 0 || strcmp(builder, "linux") == 0) {
        cfg->type = VM_TYPE_PV;
        return 0;
    }
    if (strcmp(builder, "hvm") == 0)
        return config_fail(p, CONFIG_NO_HVM);
    return config_fail(p, "builder \"%s\" is unknown: use type = \"pv\" or type = \"pvh\"",
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

/* xl's root: "root=VALUE" goes in front of extra (config_finish_cmdline). */
static int config_key_root(struct config_parser *p, struct vm_config *cfg)
{
    (void)cfg;
    return config_nonempty_string_value(p, p->root, CONFIG_ROOT_MAX);
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

/* domB's own flags: exactly 0 or 1 (xl's booleans take any number). */
static int config_zero_or_one(struct config_parser *p, bool *out)
{
    uint32_t v = 0;
    int rc = config_ranged_number(p, 0, 1, "0 or 1", &v);

    if (rc == 0)
        *out = v == 1;
    return rc;
}

static int config_key_db_client(struct config_parser *p, struct vm_config *cfg)
{
    return config_zero_or_one(p, &cfg->db_client);
}

static int config_key_db_builder(struct config_parser *p, struct vm_config *cfg)
{
    return config_zero_or_one(p, &cfg->db_builder);
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

/* xl's maxvcpus: checked against vcpus at the end (config_finish). */
static int config_key_maxvcpus(struct config_parser *p, struct vm_config *cfg)
{
    return config_ranged_number(p, 1, VM_VCPUS_MAX, "a number from 1 to 64", &cfg->max_vcpus);
}

static int config_key_domid(struct config_parser *p, struct vm_config *cfg)
{
    _Static_assert(VM_DOMID_MAX == 0x7fef, "message text");
    return config_ranged_number(p, 1, VM_DOMID_MAX, "a number from 1 to 0x7fef", &cfg->domid);
}

/* cpus and cpus_soft: xl's CPULIST string, one map for every vCPU. */
static int config_cpus_value(struct config_parser *p, uint8_t map[VM_CPUMAP_BYTES])
{
    char list[256];
    struct domb_error check;
    int rc;

    if (config_value_kind(p) == VALUE_LIST)
        return config_fail(p,
                           "%s: a list gives each vCPU CPUs of its own, and domB pins every "
                           "vCPU alike: write one string, as %s = \"2-3\"",
                           p->key, p->key);
    if ((rc = config_string_value(p, list, sizeof(list) - 1)))
        return rc;
    if (config_xl_cpulist(p->key, list, map, &check))
        return config_fail_check(p, &check);
    return 0;
}

static int config_key_cpus(struct config_parser *p, struct vm_config *cfg)
{
    int rc = config_cpus_value(p, cfg->cpus);
    uint8_t any = 0;

    for (size_t i = 0; i < VM_CPUMAP_BYTES; i++)
        any |= cfg->cpus[i];
    if (rc == 0 && !any)
        return config_fail(p, "cpus names no CPU, and Xen refuses to pin a vCPU to none: name at "
                              "least one, as cpus = \"0-3\"");
    cfg->has_cpus = rc == 0;
    return rc;
}

static int config_key_cpus_soft(struct config_parser *p, struct vm_config *cfg)
{
    int rc = config_cpus_value(p, cfg->cpus_soft);

    cfg->has_cpus_soft = rc == 0;
    return rc;
}

static int config_key_uuid(struct config_parser *p, struct vm_config *cfg)
{
    char text[40];
    struct domb_error check;
    int rc = config_string_value(p, text, sizeof(text) - 1);

    if (rc)
        return rc;
    if (config_xl_uuid(text, cfg->uuid, &check))
        return config_fail_check(p, &check);
    cfg->has_uuid = true;
    return 0;
}

/* xl's seclabel and init_seclabel: FLASK labels, checked for their shape
 * here; whether the policy knows them is Xen's to say at build time. */
static int config_key_seclabel(struct config_parser *p, struct vm_config *cfg)
{
    struct domb_error check;
    bool init = p->slot == SLOT_INIT_SECLABEL;
    char *label = init ? cfg->init_seclabel : cfg->seclabel;
    char text[VM_SECLABEL_MAX + 1];
    int rc = config_string_value(p, text, sizeof(text) - 1);

    if (rc)
        return rc;
    if (vm_config_check_seclabel(p->key, text, &check))
        return config_fail_check(p, &check);
    memcpy(label, text, strlen(text) + 1);
    return 0;
}

/* xl's pool: every domain starts in cpupool 0, which xl calls Pool-0;
 * domB makes no other pool. */
static int config_key_pool(struct config_parser *p, struct vm_config *cfg)
{
    char pool[64];
    int rc = config_string_value(p, pool, sizeof(pool) - 1);

    (void)cfg;
    if (rc || strcmp(pool, "Pool-0") == 0)
        return rc;
    return config_fail(p,
                       "pool \"%s\": domB creates no CPU pools, and every guest runs in Pool-0 "
                       "(all CPUs): remove pool, or write pool = \"Pool-0\"",
                       pool);
}

/* xl's localtime: a guest clock in the host's time zone, which domB does
 * not know; 0 (the default: UTC) is fine. */
static int config_key_localtime(struct config_parser *p, struct vm_config *cfg)
{
    bool on = false;
    int rc = config_xl_bool(p, &on);

    (void)cfg;
    if (rc == 0 && on)
        return config_fail(p, "localtime = 1 asks for the host's local time, but domB knows no "
                              "time zone: remove it (guests get UTC)");
    return rc;
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

        /* xl reads every item as text: an unquoted one (3f8) is its own hex. */
        if (config_value_kind(p) == VALUE_NUMBER && config_word_len(p) < sizeof(item)) {
            size_t n = config_word_len(p);

            memcpy(item, p->text + p->pos, n);
            item[n] = '\0';
            p->pos += n;
        } else if (config_value_kind(p) != VALUE_STRING) {
            return config_fail(p, "%s entries must be strings like \"%s\"", p->key, example);
        } else if ((rc = config_string(p, item, sizeof(item) - 1))) {
            return rc;
        }
        if ((rc = parse_item(p, cfg, item)))
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
        uint64_t irq = 0;
        struct domb_error check;

        /* xl reads irqs with strtoul base 10: 010 is 10 here, and "5" is 5. */
        if ((rc = config_read_number(p, BASE_DECIMAL, &irq)) < 0)
            return rc;
        if (rc == 0)
            return config_fail(p, "irqs entries must be numbers, as irqs = [ 5, 7 ]");
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

/* ---- what happens when the guest shuts down ---- */

#define CONFIG_ACTIONS "use \"destroy\", \"restart\", \"preserve\" or \"rename-restart\""

/* One of xl's actions (xl_parse.c's action_on_shutdown_names). */
static int config_action_value(struct config_parser *p, enum vm_on_exit *out)
{
    char action[32];
    int rc = config_string_value(p, action, sizeof(action) - 1);

    if (rc)
        return rc;
    for (unsigned i = 0; i < VM_ON_EXIT_COUNT; i++) {
        if (strcmp(action, vm_on_exit_name((enum vm_on_exit)i)) == 0) {
            *out = (enum vm_on_exit)i;
            return 0;
        }
    }
    if (strcmp(action, "coredump-destroy") == 0 || strcmp(action, "coredump-restart") == 0)
        return config_fail(p,
                           "%s: %s needs a file system for the core, which domB has not: use "
                           "\"preserve\" or \"%s\"",
                           p->key, action, action + 9);
    if (strcmp(action, "soft-reset") == 0)
        return config_fail(p,
                           "%s: soft-reset (a reset in place, for kexec) is not supported by "
                           "domB: " CONFIG_ACTIONS,
                           p->key);
    return config_fail(p, "%s \"%s\" is unknown: " CONFIG_ACTIONS, p->key, action);
}

/* on_exit: the action for every reason the file gives no key of its own. */
static int config_key_on_exit(struct config_parser *p, struct vm_config *cfg)
{
    return config_action_value(p, &cfg->on_exit);
}

/* on_poweroff, on_reboot, on_crash, on_watchdog, on_soft_reset. */
static int config_key_on_reason(struct config_parser *p, struct vm_config *cfg)
{
    unsigned int r = (unsigned int)(p->slot - SLOT_ON_POWEROFF);
    int rc = config_action_value(p, &cfg->on_reason[r]);

    if (rc == 0)
        cfg->on_reason_set |= 1u << r;
    return rc;
}

static int config_key_driver_domain(struct config_parser *p, struct vm_config *cfg)
{
    return config_xl_bool(p, &cfg->driver_domain);
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

/* What a key's value is: '+=' joins strings and lists, never numbers (as xl). */
enum config_key_kind { KEY_STRING, KEY_NUMBER, KEY_LIST };

struct config_key {
    const char *name;
    enum config_slot slot;
    enum config_key_kind kind;
    config_handler handler;
};

static const struct config_key config_keys[] = {
    {"name", SLOT_NAME, KEY_STRING, config_key_name},
    {"type", SLOT_TYPE, KEY_STRING, config_key_type},
    {"builder", SLOT_TYPE, KEY_STRING, config_key_builder}, /* xl's older spelling of type */
    {"kernel", SLOT_KERNEL, KEY_STRING, config_key_kernel},
    {"ramdisk", SLOT_RAMDISK, KEY_STRING, config_key_ramdisk},
    {"cmdline", SLOT_CMDLINE, KEY_STRING, config_key_cmdline},
    {"extra", SLOT_CMDLINE, KEY_STRING, config_key_cmdline}, /* xl's older name for cmdline */
    {"root", SLOT_ROOT, KEY_STRING, config_key_root},
    {"memory", SLOT_MEMORY, KEY_NUMBER, config_key_memory},
    {"maxmem", SLOT_MAXMEM, KEY_NUMBER, config_key_maxmem},
    {"vcpus", SLOT_VCPUS, KEY_NUMBER, config_key_vcpus},
    {"maxvcpus", SLOT_MAXVCPUS, KEY_NUMBER, config_key_maxvcpus},
    {"cpus", SLOT_CPUS, KEY_STRING, config_key_cpus},
    {"cpus_soft", SLOT_CPUS_SOFT, KEY_STRING, config_key_cpus_soft},
    {"uuid", SLOT_UUID, KEY_STRING, config_key_uuid},
    {"pool", SLOT_POOL, KEY_STRING, config_key_pool},
    {"localtime", SLOT_LOCALTIME, KEY_NUMBER, config_key_localtime},
    {"domid", SLOT_DOMID, KEY_NUMBER, config_key_domid},
    {"iomem", SLOT_IOMEM, KEY_LIST, config_key_iomem},
    {"ioports", SLOT_IOPORTS, KEY_LIST, config_key_ioports},
    {"irqs", SLOT_IRQS, KEY_LIST, config_key_irqs},
    {"kernel_sha256", SLOT_KERNEL_SHA256, KEY_STRING, config_key_kernel_sha256},
    {"ramdisk_sha256", SLOT_RAMDISK_SHA256, KEY_STRING, config_key_ramdisk_sha256},
    {"on_exit", SLOT_ON_EXIT, KEY_STRING, config_key_on_exit},
    {"on_poweroff", SLOT_ON_POWEROFF, KEY_STRING, config_key_on_reason},
    {"on_reboot", SLOT_ON_REBOOT, KEY_STRING, config_key_on_reason},
    {"on_crash", SLOT_ON_CRASH, KEY_STRING, config_key_on_reason},
    {"on_watchdog", SLOT_ON_WATCHDOG, KEY_STRING, config_key_on_reason},
    {"on_soft_reset", SLOT_ON_SOFT_RESET, KEY_STRING, config_key_on_reason},
    {"db_client", SLOT_DB_CLIENT, KEY_NUMBER, config_key_db_client},
    {"db_client_max_vms", SLOT_DB_MAX_VMS, KEY_NUMBER, config_key_db_max_vms},
    {"db_client_max_memory", SLOT_DB_MAX_MEMORY, KEY_NUMBER, config_key_db_max_memory},
    {"max_grant_frames", SLOT_MAX_GRANT_FRAMES, KEY_NUMBER, config_key_max_grant_frames},
    {"max_maptrack_frames", SLOT_MAX_MAPTRACK_FRAMES, KEY_NUMBER, config_key_max_maptrack_frames},
    {"max_grant_version", SLOT_MAX_GRANT_VERSION, KEY_NUMBER, config_key_max_grant_version},
    {"vif", SLOT_VIF, KEY_LIST, config_key_vif},
    {"disk", SLOT_DISK, KEY_LIST, config_key_disk},
    {"driver_domain", SLOT_DRIVER_DOMAIN, KEY_NUMBER, config_key_driver_domain},
    {"db_client_max_devices", SLOT_DB_MAX_DEVICES, KEY_NUMBER, config_key_db_max_devices},
    {"seclabel", SLOT_SECLABEL, KEY_STRING, config_key_seclabel},
    {"init_seclabel", SLOT_INIT_SECLABEL, KEY_STRING, config_key_seclabel},
    {"db_builder", SLOT_DB_BUILDER, KEY_NUMBER, config_key_db_builder},
};

/* domB's own keys, for suggestions (xl's are in config_xl.c). */
static const char *const config_domb_keys[] = {
    "domid",      "kernel_sha256",     "ramdisk_sha256",       "on_exit",
    "db_client",  "db_client_max_vms", "db_client_max_memory", "db_client_max_devices",
    "db_builder",
};

static bool slice_equals(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

/*
 * Is the file an HVM guest? A tolerant scan of the statements (outside
 * strings, comments and lists) for type = "hvm", builder = "hvm", or a key
 * only HVM guests have. It runs first, so that an HVM file gets the one
 * HVM answer whatever else in it domB would refuse. Returns the line (0:
 * not HVM) and, for a key, its name in key/key_len.
 */
static unsigned config_find_hvm(const struct config_parser *p, const char **key, size_t *key_len)
{
    unsigned line = 1, key_hit = 0;
    size_t i = 0;
    int depth = 0;
    bool start = true;

    *key = NULL;
    while (i < p->len) {
        char c = p->text[i];

        if (c == '\n') {
            line++;
            start = depth == 0;
            i++;
        } else if (c == ';' && depth == 0) {
            start = true;
            i++;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            i++;
        } else if (c == '#') {
            while (i < p->len && p->text[i] != '\n')
                i++;
        } else if (c == '"' || c == '\'') {
            for (i++; i < p->len && p->text[i] != c && p->text[i] != '\n'; i++)
                if (p->text[i] == '\\')
                    i++;
            i++;
            start = false;
        } else if (c == '[' || c == ']') {
            depth += c == '[' ? 1 : (depth > 0 ? -1 : 0);
            start = false;
            i++;
        } else if (start && is_ident_start((unsigned char)c)) {
            size_t k = i, n;

            while (i < p->len && is_ident((unsigned char)p->text[i]))
                i++;
            n = i - k;
            start = false;
            if (!key_hit && config_xl_is_hvm_key(p->text + k, n)) {
                key_hit = line;
                *key = p->text + k;
                *key_len = n;
            }
            if (slice_equals(p->text + k, n, "type") || slice_equals(p->text + k, n, "builder")) {
                size_t j = i;

                while (j < p->len && (p->text[j] == ' ' || p->text[j] == '\t'))
                    j++;
                if (j < p->len && p->text[j] == '=')
                    j++;
                while (j < p->len && (p->text[j] == ' ' || p->text[j] == '\t'))
                    j++;
                if (j + 5 <= p->len && (p->text[j] == '"' || p->text[j] == '\'') &&
                    memcmp(p->text + j + 1, "hvm", 3) == 0 && p->text[j + 4] == p->text[j]) {
                    *key = NULL;
                    return line;
                }
            }
        } else {
            start = false;
            i++;
        }
    }
    return key_hit;
}

/* A key that is not one of config_keys[]: xl's, with the reason, or a typo. */
static int config_unknown_key(struct config_parser *p, const char *key, size_t len)
{
    const char *why = config_xl_refusal(key, len), *near;
    int shown = len > 64 ? 64 : (int)len;

    if (why)
        return config_fail(p, "xl key '%.*s' is not supported by domB: %s", (int)len, key, why);
    near = config_xl_suggest(key, len, config_domb_keys, ARRAY_SIZE(config_domb_keys));
    if (near)
        return config_fail(p, "unknown key '%.*s': did you mean '%s'?", shown, key, near);
    return config_fail(p,
                       "unknown key '%.*s': neither xl nor domB has it (docs/config.md lists the "
                       "keys)",
                       shown, key);
}

static int config_statement(struct config_parser *p, struct vm_config *cfg)
{
    size_t key_start = p->pos, key_len;
    const struct config_key *key = NULL;
    unsigned key_line = p->line;
    bool append = false;
    size_t op_len = 1;
    char here[16];
    int rc;

    while (is_ident(config_peek(p)))
        p->pos++;
    key_len = p->pos - key_start;
    for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
        if (slice_equals(p->text + key_start, key_len, config_keys[i].name))
            key = &config_keys[i];
    if (!key)
        return config_unknown_key(p, p->text + key_start, key_len);

    config_skip(p, false);
    if (config_peek(p) == '+' && p->pos + 1 < p->len && p->text[p->pos + 1] == '=') {
        append = true;
        op_len = 2;
        if (key->kind == KEY_NUMBER)
            return config_fail(p,
                               "'+=' does not work with numbers (xl refuses it too): set %s "
                               "once with '='",
                               key->name);
    } else if (config_peek(p) != '=') {
        return config_fail(p, "expected '=' after %s: write %s = VALUE", key->name, key->name);
    }
    if (p->slot_line[key->slot]) {
        if (strcmp(p->slot_key[key->slot], key->name) != 0)
            return config_fail(
                p, "%s and %s are the same setting; give only one (%s is on line %u)",
                p->slot_key[key->slot], key->name, p->slot_key[key->slot], p->slot_line[key->slot]);
        if (!append && key->kind == KEY_NUMBER)
            return config_fail(p,
                               "%s is set twice (first on line %u): remove one (xl would keep "
                               "the last without a word)",
                               key->name, p->slot_line[key->slot]);
        if (!append)
            return config_fail(p,
                               "%s is set twice (first on line %u): remove one, or add to it "
                               "with '+='",
                               key->name, p->slot_line[key->slot]);
    } else {
        /* xl: '+=' to a key not set before is '='. */
        append = false;
        p->slot_line[key->slot] = key_line;
        p->slot_key[key->slot] = key->name;
    }
    p->key = key->name;
    p->slot = key->slot;
    p->append = append;
    p->pos += op_len;
    config_skip(p, false);
    if (config_peek(p) < 0 || config_peek(p) == '\n' || config_peek(p) == ';')
        return config_fail(p, "%s has no value: write %s = VALUE", key->name, key->name);
    if (append && key->kind == KEY_LIST && config_value_kind(p) != VALUE_LIST)
        return config_fail(p, "'+=' adds a list to a list: write %s += [ ... ]", key->name);
    if ((rc = key->handler(p, cfg)))
        return rc;
    p->append = false;

    config_skip(p, false);
    if (config_peek(p) == ';' || config_peek(p) == '\n' || config_peek(p) < 0)
        return 0;
    config_describe_here(p, here, sizeof(here));
    return config_fail(p,
                       "unexpected %s after the value of %s: end the statement with a new line "
                       "or ';'",
                       here, key->name);
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

/*
 * The lifecycle as xl has it: without on_exit, a reboot restarts the guest
 * (xl's default on_reboot) and every other reason destroys it; with
 * on_exit, every reason without a key of its own takes on_exit. A reason's
 * action equal to that base is kept once, in on_exit.
 */
static void config_finish_lifecycle(struct config_parser *p, struct vm_config *cfg)
{
    if (!p->slot_line[SLOT_ON_EXIT] && !p->slot_line[SLOT_ON_REBOOT]) {
        cfg->on_reason_set |= 1u << VM_REASON_REBOOT;
        cfg->on_reason[VM_REASON_REBOOT] = VM_ON_EXIT_RESTART;
    }
    for (unsigned int r = 0; r < VM_REASON_COUNT; r++) {
        if ((cfg->on_reason_set & (1u << r)) && cfg->on_reason[r] == cfg->on_exit) {
            cfg->on_reason_set &= ~(1u << r);
            cfg->on_reason[r] = VM_ON_EXIT_DESTROY;
        }
    }
}

/* xl's command line: cmdline alone; else "root=ROOT EXTRA", "root=ROOT" or EXTRA. */
static int config_finish_cmdline(struct config_parser *p, struct vm_config *cfg)
{
    size_t root_len = strlen(p->root), extra_len = strlen(cfg->cmdline), add;

    if (!p->slot_line[SLOT_ROOT])
        return 0;
    if (p->slot_line[SLOT_CMDLINE] && strcmp(p->slot_key[SLOT_CMDLINE], "cmdline") == 0)
        return config_fail_at(p, p->slot_line[SLOT_ROOT],
                              "root and cmdline: xl ignores root when cmdline is given (cmdline "
                              "is on line %u): put root=%s into cmdline",
                              p->slot_line[SLOT_CMDLINE], p->root);
    add = 5 + root_len + (extra_len ? 1 : 0);
    if (add + extra_len > VM_CMDLINE_MAX)
        return config_fail_at(p, p->slot_line[SLOT_ROOT],
                              "root=%s and extra make a command line longer than %d bytes: "
                              "shorten them",
                              p->root, VM_CMDLINE_MAX);
    memmove(cfg->cmdline + add, cfg->cmdline, extra_len + 1);
    memcpy(cfg->cmdline, "root=", 5);
    memcpy(cfg->cmdline + 5, p->root, root_len);
    if (extra_len)
        cfg->cmdline[add - 1] = ' ';
    return 0;
}

/* Checks across keys and required keys, once the whole file is read. */
static int config_finish(struct config_parser *p, struct vm_config *cfg)
{
    struct domb_error check;
    int rc;

    if (!p->slot_line[SLOT_NAME])
        return config_fail_at(p, 0, "name is not set: add name = \"NAME\"");
    if (!p->slot_line[SLOT_KERNEL])
        return config_fail_at(p, 0, "kernel is not set: add kernel = \"PATH\"");
    /* libxl's defaults: memory = maxmem, and 32 MiB without either. */
    if (!p->slot_line[SLOT_MEMORY])
        cfg->memory_mib = p->slot_line[SLOT_MAXMEM] ? cfg->maxmem_mib : CONFIG_DEFAULT_MEMORY_MIB;
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
                              "maxmem (%u MiB) is less than memory (%u MiB): give maxmem >= "
                              "memory, or leave it out",
                              cfg->maxmem_mib, cfg->memory_mib);
    if (p->slot_line[SLOT_MAXVCPUS] && cfg->max_vcpus < cfg->vcpus)
        return config_fail_at(p, p->slot_line[SLOT_MAXVCPUS],
                              "maxvcpus (%u) is less than vcpus (%u): give maxvcpus >= vcpus, "
                              "or leave it out (xl refuses it too)",
                              cfg->max_vcpus, cfg->vcpus);
    if (cfg->max_vcpus == cfg->vcpus)
        cfg->max_vcpus = 0; /* as many as start online: nothing to say */
    config_finish_lifecycle(p, cfg);
    if ((rc = config_check_type(p, cfg)) || (rc = config_finish_devices(p, cfg)) ||
        (rc = config_finish_cmdline(p, cfg)))
        return rc;
    if (p->slot_line[SLOT_RAMDISK_SHA256] && !p->slot_line[SLOT_RAMDISK])
        return config_fail_at(p, p->slot_line[SLOT_RAMDISK_SHA256],
                              "ramdisk_sha256 is given but ramdisk is not: add ramdisk = "
                              "\"PATH\" or remove it");
    /* xl takes an init_seclabel alone as the one label; domB asks for both
     * (built with init_seclabel, then relabelled) so each config says one thing. */
    if (p->slot_line[SLOT_INIT_SECLABEL] && !p->slot_line[SLOT_SECLABEL])
        return config_fail_at(p, p->slot_line[SLOT_INIT_SECLABEL],
                              "init_seclabel is given but seclabel is not: give the label the "
                              "domain runs with too");
    /* Defence in depth: the per-key checks above should make this pass. */
    if (vm_config_validate(cfg, &check))
        return config_fail_at(p, 0, "%s", check.msg);
    return 0;
}

int config_parse(const char *text, size_t len, const char *file_name, struct vm_config *cfg,
                 struct config_lines *lines, struct domb_error *err)
{
    struct config_parser p;
    const char *hvm_key;
    size_t hvm_key_len = 0;
    unsigned hvm_line;
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
    if ((hvm_line = config_find_hvm(&p, &hvm_key, &hvm_key_len)) != 0) {
        if (hvm_key)
            return config_fail_at(&p, hvm_line, "%.*s is an HVM key, and " CONFIG_NO_HVM,
                                  (int)hvm_key_len, hvm_key);
        return config_fail_at(&p, hvm_line, CONFIG_NO_HVM);
    }

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
            return config_fail(&p, "expected a key, found %s: a statement is KEY = VALUE", here);
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
        lines->db_builder = p.slot_line[SLOT_DB_BUILDER];
        memcpy(lines->devices, p.device_line, sizeof(lines->devices));
    }
    return 0;
}
