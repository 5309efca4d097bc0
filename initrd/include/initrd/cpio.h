/*
 * Reader for CPIO "newc" archives (magic 070701, and 070702 with checksums),
 * the format of Linux initramfs images and of domB's boot archive.
 *
 * Every entry is a 110-byte ASCII header of 13 eight-digit hex fields, the
 * name (namesize bytes including its NUL), padding to 4 bytes, the file data,
 * and padding to 4 bytes. The archive ends with an entry named "TRAILER!!!".
 *
 * The input is hostile: every offset is checked against the archive's end,
 * names must be NUL-terminated inside namesize, and the number of entries is
 * bounded. Returned pointers point into the caller's archive buffer.
 */
#ifndef INITRD_CPIO_H
#define INITRD_CPIO_H

#include <domb/error.h>
#include <domb/types.h>

#define CPIO_HEADER_SIZE 110
#define CPIO_NAME_MAX    1024 /* namesize limit, NUL included */
#define CPIO_MAX_ENTRIES 4096
#define CPIO_TRAILER     "TRAILER!!!"

#define CPIO_MODE_TYPE_MASK 0170000
#define CPIO_MODE_REGULAR   0100000
#define CPIO_MODE_DIRECTORY 0040000

struct cpio_entry {
    const char *name; /* NUL-terminated, inside the archive */
    size_t name_len;  /* without the NUL */
    const uint8_t *data;
    size_t size;
    uint32_t mode;
    size_t offset; /* of the entry's header in the archive */
};

struct cpio_iter {
    const uint8_t *archive;
    size_t len;
    size_t offset;  /* next header */
    unsigned count; /* entries returned so far */
    bool done;      /* trailer seen */
};

void cpio_iter_init(struct cpio_iter *it, const void *archive, size_t len);

/*
 * Read the next entry. Returns 1 with *entry filled, 0 at the trailer (and on
 * every call after it), or -XEN_EINVAL with err naming the problem and the
 * entry's offset.
 */
int cpio_next_entry(struct cpio_iter *it, struct cpio_entry *entry, struct domb_error *err);

/*
 * Find the regular file `name`. The whole archive is checked while
 * searching, so a damaged archive fails even if the name comes early.
 * Returns 0, -XEN_ENOENT ("archive has no 'x'"), or -XEN_EINVAL (damaged
 * archive, the name is not a regular file, or it appears twice).
 */
int cpio_find(const void *archive, size_t len, const char *name, const void **data, size_t *size,
              struct domb_error *err);

#endif
