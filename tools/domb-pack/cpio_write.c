/* CPIO newc writer (see cpio_write.h). */
#include "cpio_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cpio_writer_init(struct cpio_writer *w)
{
    memset(w, 0, sizeof(*w));
    w->next_ino = 1;
}

static void cpio_writer_append(struct cpio_writer *w, const void *data, size_t size)
{
    if (w->failed)
        return;
    if (w->len + size > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        uint8_t *p;

        while (cap < w->len + size)
            cap *= 2;
        p = realloc(w->buf, cap);
        if (!p) {
            w->failed = 1;
            return;
        }
        w->buf = p;
        w->cap = cap;
    }
    if (size)
        memcpy(w->buf + w->len, data, size);
    w->len += size;
}

static void cpio_writer_pad4(struct cpio_writer *w)
{
    static const uint8_t zeros[3];

    cpio_writer_append(w, zeros, (4 - (w->len & 3)) & 3);
}

void cpio_writer_add(struct cpio_writer *w, const char *name, uint32_t mode, const void *data,
                     size_t size)
{
    char header[111];
    size_t namesize = strlen(name) + 1;

    /* magic ino mode uid gid nlink mtime filesize devmaj devmin rdevmaj rdevmin namesize check */
    snprintf(header, sizeof(header), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             w->next_ino++, mode, 0, 0, 1, 0, (unsigned)size, 0, 0, 0, 0, (unsigned)namesize, 0);
    cpio_writer_append(w, header, 110);
    cpio_writer_append(w, name, namesize);
    cpio_writer_pad4(w);
    cpio_writer_append(w, data, size);
    cpio_writer_pad4(w);
}

void cpio_writer_add_file(struct cpio_writer *w, const char *name, const void *data, size_t size)
{
    cpio_writer_add(w, name, 0100644, data, size);
}

void cpio_writer_add_dir(struct cpio_writer *w, const char *name)
{
    cpio_writer_add(w, name, 040755, NULL, 0);
}

int cpio_writer_finish(struct cpio_writer *w)
{
    w->next_ino = 0;
    cpio_writer_add(w, "TRAILER!!!", 0, NULL, 0);
    return w->failed ? -1 : 0;
}

void cpio_writer_free(struct cpio_writer *w)
{
    free(w->buf);
    memset(w, 0, sizeof(*w));
}
