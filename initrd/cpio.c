/* CPIO newc reader (see <initrd/cpio.h>). */
#include <domb/errno.h>
#include <initrd/cpio.h>

/* Header fields, in order, after the 6-byte magic; each is 8 hex digits. */
enum cpio_field {
    CPIO_INO,
    CPIO_MODE,
    CPIO_UID,
    CPIO_GID,
    CPIO_NLINK,
    CPIO_MTIME,
    CPIO_FILESIZE,
    CPIO_DEVMAJOR,
    CPIO_DEVMINOR,
    CPIO_RDEVMAJOR,
    CPIO_RDEVMINOR,
    CPIO_NAMESIZE,
    CPIO_CHECK,
    CPIO_FIELD_COUNT
};

static const char *const cpio_field_names[CPIO_FIELD_COUNT] = {
    "ino",      "mode",     "uid",       "gid",       "nlink",    "mtime", "filesize",
    "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check",
};

_Static_assert(6 + CPIO_FIELD_COUNT * 8 == CPIO_HEADER_SIZE, "newc header layout");

void cpio_iter_init(struct cpio_iter *it, const void *archive, size_t len)
{
    it->archive = archive;
    it->len = len;
    it->offset = 0;
    it->count = 0;
    it->done = false;
}

static size_t align4(size_t x)
{
    return (x + 3) & ~(size_t)3;
}

static int cpio_hex_field(const uint8_t *p, uint32_t *value)
{
    uint32_t v = 0;

    for (int i = 0; i < 8; i++) {
        uint8_t c = p[i];
        uint32_t d;

        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *value = v;
    return 0;
}

/* An error about the entry at `offset`; also stops the iteration. */
static int cpio_fail(struct cpio_iter *it, size_t offset, struct domb_error *err, const char *what)
{
    it->done = true;
    it->offset = it->len;
    return domb_error_set(err, -XEN_EINVAL, "cpio entry at offset 0x%zx: %s", offset, what);
}

int cpio_next_entry(struct cpio_iter *it, struct cpio_entry *entry, struct domb_error *err)
{
    size_t off = it->offset, name_off, data_off, data_end;
    const uint8_t *h = it->archive + off;
    uint32_t f[CPIO_FIELD_COUNT];
    char what[96];
    bool checked;

    if (it->done)
        return 0;
    if (it->count == CPIO_MAX_ENTRIES)
        return cpio_fail(it, off, err, "more than 4096 entries");
    if (off == it->len)
        return cpio_fail(it, off, err, "archive ends without a TRAILER!!! entry");
    if (it->len - off < CPIO_HEADER_SIZE)
        return cpio_fail(it, off, err, "header is truncated");
    if (memcmp(h, "070701", 6) == 0)
        checked = false;
    else if (memcmp(h, "070702", 6) == 0)
        checked = true;
    else
        return cpio_fail(it, off, err, "bad magic (not 070701 or 070702 newc)");
    for (int i = 0; i < CPIO_FIELD_COUNT; i++) {
        if (cpio_hex_field(h + 6 + 8 * i, &f[i]) < 0) {
            domb_snprintf(what, sizeof(what), "%s field is not 8 hex digits", cpio_field_names[i]);
            return cpio_fail(it, off, err, what);
        }
    }
    if (f[CPIO_NAMESIZE] == 0)
        return cpio_fail(it, off, err, "namesize is 0");
    if (f[CPIO_NAMESIZE] > CPIO_NAME_MAX)
        return cpio_fail(it, off, err, "namesize is larger than 1024");
    /* All sizes are at most 32 bits and off + 110 <= len, so no sum below overflows. */
    name_off = off + CPIO_HEADER_SIZE;
    if (f[CPIO_NAMESIZE] > it->len - name_off)
        return cpio_fail(it, off, err, "name runs beyond the end of the archive");
    if (it->archive[name_off + f[CPIO_NAMESIZE] - 1] != '\0')
        return cpio_fail(it, off, err, "name is not NUL-terminated within namesize");
    if (strnlen((const char *)it->archive + name_off, f[CPIO_NAMESIZE]) != f[CPIO_NAMESIZE] - 1)
        return cpio_fail(it, off, err, "name holds a NUL before its end");
    data_off = align4(name_off + f[CPIO_NAMESIZE]);
    if (data_off > it->len || f[CPIO_FILESIZE] > it->len - data_off)
        return cpio_fail(it, off, err, "file data runs beyond the end of the archive");
    data_end = data_off + f[CPIO_FILESIZE];

    entry->name = (const char *)it->archive + name_off;
    entry->name_len = f[CPIO_NAMESIZE] - 1;
    entry->data = it->archive + data_off;
    entry->size = f[CPIO_FILESIZE];
    entry->mode = f[CPIO_MODE];
    entry->offset = off;

    if (checked) {
        uint32_t sum = 0;

        for (size_t i = 0; i < entry->size; i++)
            sum += entry->data[i];
        if (sum != f[CPIO_CHECK])
            return cpio_fail(it, off, err, "data does not match the 070702 checksum");
    } else if (f[CPIO_CHECK] != 0) {
        return cpio_fail(it, off, err, "check field must be 0 in a 070701 archive");
    }

    if (strcmp(entry->name, CPIO_TRAILER) == 0) {
        /* Anything after the trailer must be zero padding (e.g. to a block size). */
        for (size_t i = data_end; i < it->len; i++)
            if (it->archive[i] != 0)
                return cpio_fail(it, off, err, "non-zero bytes follow the TRAILER!!! entry");
        it->done = true;
        it->offset = it->len;
        return 0;
    }
    /* The last entry's padding may be cut short only by the trailer, never here. */
    it->offset = align4(data_end);
    if (it->offset > it->len)
        return cpio_fail(it, off, err, "padding after the file data is truncated");
    it->count++;
    return 1;
}

int cpio_find(const void *archive, size_t len, const char *name, const void **data, size_t *size,
              struct domb_error *err)
{
    struct cpio_iter it;
    struct cpio_entry e;
    bool found = false;
    int rc;

    cpio_iter_init(&it, archive, len);
    while ((rc = cpio_next_entry(&it, &e, err)) == 1) {
        if (strcmp(e.name, name) != 0)
            continue;
        if (found)
            return domb_error_set(err, -XEN_EINVAL, "archive holds '%s' twice", name);
        if ((e.mode & CPIO_MODE_TYPE_MASK) != CPIO_MODE_REGULAR)
            return domb_error_set(err, -XEN_EINVAL, "archive member '%s' is not a regular file",
                                  name);
        found = true;
        *data = e.data;
        *size = e.size;
    }
    if (rc < 0)
        return rc;
    if (!found)
        return domb_error_set(err, -XEN_ENOENT, "archive has no '%s'", name);
    return 0;
}
