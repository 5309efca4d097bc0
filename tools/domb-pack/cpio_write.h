/*
 * CPIO newc writer for domb-pack (host only). Entries get mode, size and name;
 * everything else is fixed (uid/gid 0, mtime 0, inode = entry index) so the
 * same inputs always give the same archive, byte for byte.
 */
#ifndef DOMB_PACK_CPIO_WRITE_H
#define DOMB_PACK_CPIO_WRITE_H

#include <stddef.h>
#include <stdint.h>

struct cpio_writer {
    uint8_t *buf;
    size_t len;
    size_t cap;
    unsigned next_ino;
    int failed; /* allocation failed; every later call is a no-op */
};

void cpio_writer_init(struct cpio_writer *w);
/* Append a regular file (mode 0100644). */
void cpio_writer_add_file(struct cpio_writer *w, const char *name, const void *data, size_t size);
/* Append a directory (mode 040755). */
void cpio_writer_add_dir(struct cpio_writer *w, const char *name);
/* Append the TRAILER!!! entry. Returns 0, or -1 if memory ran out on the way. */
int cpio_writer_finish(struct cpio_writer *w);
void cpio_writer_free(struct cpio_writer *w);

/* Low level: append one entry with an explicit mode (tests use it for odd entries). */
void cpio_writer_add(struct cpio_writer *w, const char *name, uint32_t mode, const void *data,
                     size_t size);

#endif
