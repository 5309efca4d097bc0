/*
 * A streamed kernel (issue 15): its ELF goes straight into the guest's frames
 * as it is produced (decompressed), through a small cache of foreign
 * mappings, and is parsed once it is there (see builder/build.h and
 * docs/builder.md, "Streamed kernels").
 *
 * Where a byte goes is decided from the ELF's first bytes
 * (elf_parse_layout(): the program headers, at the load addresses the notes
 * are expected to give); those are checked as elf_parse() checks them, and
 * the plan (elf_check_fits(), elf_check_pvh_placement()) has put every
 * segment inside the guest's RAM before the first byte arrives, so nothing
 * is ever written outside what the layout allows, whatever the image says
 * later. File bytes outside every segment (the ELF header, padding, the
 * section headers, Linux's appended relocations) are kept here, page by
 * page, when they are not zero: the producer may read them back, and the
 * parse needs the header. Once the ELF is complete, elf_parse_from() parses
 * it from what the guest and this store hold, exactly as elf_parse() would
 * the whole image; if its notes place the segments elsewhere (a
 * PADDR_OFFSET other than 0 that only the notes tell), the ELF is produced
 * a second time into the right place and the frames the first pass wrote
 * outside the kernel are zeroed.
 */
#include "build_internal.h"

#include <domb/errno.h>

#define CHUNK_PAGES 32u /* frames per mapping of the cache */
#define CHUNKS      64u /* mappings at most: 2048 frames, 8 MiB of the window */
#define GAP_PAGES   (BUILDER_STREAM_GAP_MAX / PAGE_SIZE)
#define PARSE_BYTES (64u << 10) /* elf_parse_from()'s piece table and bytes */

/* A mapping of frames [first, first + n) of the guest. */
struct stream_chunk {
    uint64_t first;
    uint8_t *va; /* NULL: slot free */
    unsigned int n;
    uint64_t used; /* for least-recently-used eviction */
};

/* A page of file bytes outside the segments: [page * 4K, page * 4K + 4K). */
struct stream_gap {
    uint64_t page;
    uint8_t *va;
};

struct build_stream {
    struct elf_image spec;         /* where the segments were expected */
    struct elf_image final;        /* what the complete ELF says */
    const struct elf_image *place; /* where this pass puts bytes */
    struct stream_chunk chunk[CHUNKS];
    unsigned int max_chunks; /* fewer once the mapping window was full */
    uint64_t tick;
    struct stream_chunk *last;
    struct stream_gap gap[GAP_PAGES];
    unsigned int nr_gaps;
    struct stream_gap *last_gap;
    uint64_t high; /* ELF bytes [0, high) written at least once */
    uint8_t parse[PARSE_BYTES];
};

/* ---- the mapping cache ---------------------------------------------------- */

static int chunk_unmap(struct build *b, struct stream_chunk *c)
{
    int rc;

    build_count(b);
    rc = b->ops->unmap_foreign(b->ops->ctx, c->va, c->n);
    if (rc && b->phase == BUILDER_PHASE_CLEANUP) {
        build_count(b); /* retried once while cleaning up, as the window is */
        rc = b->ops->unmap_foreign(b->ops->ctx, c->va, c->n);
    }
    if (rc)
        return domb_error_set(b->err, rc,
                              "streaming the kernel: unmapping %u frames of domain %u failed: "
                              "error %d",
                              c->n, b->domid, rc);
    if (b->stream->last == c)
        b->stream->last = NULL;
    c->va = NULL;
    return 0;
}

static struct stream_chunk *chunk_lru(struct build_stream *st)
{
    struct stream_chunk *lru = NULL;

    for (unsigned int i = 0; i < CHUNKS; i++)
        if (st->chunk[i].va && (!lru || st->chunk[i].used < lru->used))
            lru = &st->chunk[i];
    return lru;
}

/*
 * The guest frame pfn, mapped: from the cache, or mapped now with the rest
 * of its chunk. When the builder's mapping window is full (db-boot shares it
 * with every guest's console and xenstore rings), the cache shrinks.
 */
static int chunk_get(struct build *b, uint64_t pfn, uint8_t **page)
{
    struct build_stream *st = b->stream;
    uint64_t first = pfn & ~(uint64_t)(CHUNK_PAGES - 1);
    struct stream_chunk *c = st->last, *slot = NULL;
    unsigned int in_use = 0, n;
    int rc;

    if (pfn >= b->frame_limit)
        return domb_error_set(b->err, -XEN_EFAULT,
                              "streaming the kernel: frame 0x%llx is outside the guest's %llu",
                              (unsigned long long)pfn, (unsigned long long)b->frame_limit);
    if (!c || !c->va || c->first != first) {
        c = NULL;
        for (unsigned int i = 0; i < CHUNKS; i++) {
            if (st->chunk[i].va && st->chunk[i].first == first)
                c = &st->chunk[i];
            if (st->chunk[i].va)
                in_use++;
            else if (!slot)
                slot = &st->chunk[i];
        }
    }
    if (!c) {
        n = b->frame_limit - first < CHUNK_PAGES ? (unsigned int)(b->frame_limit - first)
                                                 : CHUNK_PAGES;
        for (unsigned int i = 0; i < n; i++)
            b->batch[i] = b->frame(b, _pfn(first + i));
        for (;;) {
            if (in_use >= st->max_chunks || !slot) {
                struct stream_chunk *old = chunk_lru(st);

                if ((rc = chunk_unmap(b, old)) != 0)
                    return rc;
                slot = old;
                in_use--;
            }
            build_count(b);
            b->res->stream_maps++;
            rc = b->ops->map_foreign(b->ops->ctx, b->domid, b->batch, n, (void **)&slot->va);
            if (rc == 0)
                break;
            slot->va = NULL;
            if (rc != -XEN_ENOMEM || in_use == 0)
                return domb_error_set(b->err, rc,
                                      "streaming the kernel: mapping %u frames of domain %u at "
                                      "pfn 0x%llx failed: error %d",
                                      n, b->domid, (unsigned long long)first, rc);
            st->max_chunks = in_use; /* the window is full: make do with fewer */
        }
        slot->first = first;
        slot->n = n;
        c = slot;
    }
    c->used = ++st->tick;
    st->last = c;
    *page = c->va + ((pfn - first) << PAGE_SHIFT);
    return 0;
}

/* Copy to (write) or from guest memory at guest-physical byte addr. */
static int guest_copy(struct build *b, uint64_t addr, void *buf, size_t len, bool write)
{
    uint8_t *p = buf;
    int rc;

    while (len) {
        size_t off = addr & (PAGE_SIZE - 1), n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
        uint8_t *page;

        if ((rc = chunk_get(b, addr >> PAGE_SHIFT, &page)) != 0)
            return rc;
        if (write)
            memcpy(page + off, p, n);
        else
            memcpy(p, page + off, n);
        addr += n;
        p += n;
        len -= n;
    }
    return 0;
}

/* ---- file bytes outside the segments -------------------------------------- */

static struct stream_gap *gap_find(struct build_stream *st, uint64_t page)
{
    if (st->last_gap && st->last_gap->page == page)
        return st->last_gap;
    for (unsigned int i = 0; i < st->nr_gaps; i++)
        if (st->gap[i].page == page)
            return st->last_gap = &st->gap[i];
    return NULL;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static int gap_copy(struct build *b, uint64_t pos, void *buf, size_t len, bool write)
{
    struct build_stream *st = b->stream;
    uint8_t *p = buf;
    int rc;

    while (len) {
        size_t off = pos & (PAGE_SIZE - 1), n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
        struct stream_gap *g = gap_find(st, pos >> PAGE_SHIFT);

        if (!write) {
            if (g)
                memcpy(p, g->va + off, n);
            else
                memset(p, 0, n); /* never stored: zeros */
        } else if (g) {
            memcpy(g->va + off, p, n);
        } else if (!all_zero(p, n)) {
            void *va;

            if (st->nr_gaps == GAP_PAGES)
                return domb_error_set(b->err, -XEN_E2BIG,
                                      "streaming the kernel: more than %u KiB of its bytes outside "
                                      "its segments are not zero (at file offset 0x%llx)",
                                      BUILDER_STREAM_GAP_MAX >> 10, (unsigned long long)pos);
            if ((rc = b->ops->alloc_pages(b->ops->ctx, 1, &va)) != 0)
                return domb_error_set(b->err, rc,
                                      "streaming the kernel: no page to keep file bytes at 0x%llx "
                                      "(error %d)",
                                      (unsigned long long)pos, rc);
            g = &st->gap[st->nr_gaps++];
            g->page = pos >> PAGE_SHIFT;
            g->va = va;
            memset(g->va, 0, PAGE_SIZE);
            memcpy(g->va + off, p, n);
            st->last_gap = g;
        }
        pos += n;
        p += n;
        len -= n;
    }
    return 0;
}

/* ---- the sink ------------------------------------------------------------- */

/* Where segment s's file byte at ELF offset pos goes (guest-physical). */
static uint64_t seg_dest(const struct build *b, const struct elf_image *img,
                         const struct elf_segment *s, uint64_t pos)
{
    uint64_t base = b->phys ? s->paddr : s->vaddr - img->virt_base;

    return base + (pos - s->offset);
}

/*
 * Split [pos, end) at every segment's file boundary; each run is file bytes
 * of the same segments throughout (of several when file ranges overlap: a
 * byte then goes to each), or of none.
 */
static int stream_io(struct build *b, uint64_t pos, uint8_t *buf, size_t len, bool write)
{
    const struct elf_image *img = b->stream->place;
    uint64_t end = pos + len;
    int rc;

    while (pos < end) {
        uint64_t next = end;
        bool done = false;

        for (unsigned int i = 0; i < img->nr_segments; i++) {
            const struct elf_segment *s = &img->seg[i];
            uint64_t s_end = s->offset + s->filesz;

            if (s->offset > pos && s->offset < next)
                next = s->offset;
            if (s_end > pos && s_end < next && s->offset <= pos)
                next = s_end;
        }
        for (unsigned int i = 0; i < img->nr_segments; i++) {
            const struct elf_segment *s = &img->seg[i];

            if (pos < s->offset || pos - s->offset >= s->filesz)
                continue;
            rc = guest_copy(b, seg_dest(b, img, s, pos), buf, next - pos, write);
            if (rc)
                return rc;
            done = true;
            if (!write)
                break;
        }
        if (!done && (rc = gap_copy(b, pos, buf, next - pos, write)) != 0)
            return rc;
        buf += next - pos;
        pos = next;
    }
    return 0;
}

static int sink_write(void *ctx, uint64_t pos, const void *buf, size_t len)
{
    struct build *b = ctx;
    struct build_stream *st = b->stream;

    if (pos > st->high)
        return domb_error_set(b->err, -XEN_EINVAL,
                              "streaming the kernel: bytes at 0x%llx came before those at 0x%llx",
                              (unsigned long long)pos, (unsigned long long)st->high);
    if (pos + len > st->high)
        st->high = pos + len;
    return stream_io(b, pos, (uint8_t *)(uintptr_t)buf, len, true);
}

static int sink_read(void *ctx, uint64_t pos, void *buf, size_t len)
{
    struct build *b = ctx;

    if (pos + len > b->stream->high || pos + len < pos)
        return domb_error_set(b->err, -XEN_EINVAL,
                              "streaming the kernel: read of [0x%llx, +%zu) before it was written",
                              (unsigned long long)pos, len);
    b->res->stream_reads++;
    return stream_io(b, pos, buf, len, false);
}

/* ---- the passes ----------------------------------------------------------- */

static void release(struct build *b)
{
    struct build_stream *st = b->stream;

    for (unsigned int i = 0; i < CHUNKS; i++)
        if (st->chunk[i].va)
            chunk_unmap(b, &st->chunk[i]);
    for (unsigned int i = 0; i < st->nr_gaps; i++)
        b->ops->free_pages(b->ops->ctx, st->gap[i].va, 1);
    st->nr_gaps = 0;
    st->last_gap = NULL;
}

static int produce(struct build *b, uint64_t *size)
{
    const struct builder_kernel_stream *ks = b->req->kernel_stream;
    struct builder_sink sink = {.ctx = b, .write = sink_write, .read = sink_read};

    b->stream->high = 0;
    b->res->stream_passes++;
    return ks->produce(ks->ctx, &sink, size, b->err);
}

/* Did the two parses put every segment's file bytes at the same place? */
static bool same_place(const struct build *b, const struct elf_image *x, const struct elf_image *y)
{
    if (x->nr_segments != y->nr_segments)
        return false;
    for (unsigned int i = 0; i < x->nr_segments; i++) {
        const struct elf_segment *s = &x->seg[i], *t = &y->seg[i];

        if (s->offset != t->offset || s->filesz != t->filesz ||
            seg_dest(b, x, s, s->offset) != seg_dest(b, y, t, t->offset))
            return false;
    }
    return true;
}

/* After a second pass: zero the frames the first one wrote that are not the
 * kernel's now (the kernel's own are rewritten: file bytes by the second
 * pass, the rest by build_kernel_page()). */
static int zero_stale(struct build *b, uint64_t lo, uint64_t hi)
{
    const struct elf_image *old = &b->stream->spec;
    uint8_t *page;
    int rc;

    for (unsigned int i = 0; i < old->nr_segments; i++) {
        const struct elf_segment *s = &old->seg[i];
        uint64_t at = seg_dest(b, old, s, s->offset);

        if (s->filesz == 0)
            continue;
        for (uint64_t pfn = at >> PAGE_SHIFT; pfn <= (at + s->filesz - 1) >> PAGE_SHIFT; pfn++) {
            if (pfn >= lo && pfn < hi)
                continue;
            if ((rc = chunk_get(b, pfn, &page)) != 0)
                return rc;
            memset(page, 0, PAGE_SIZE);
        }
    }
    return 0;
}

int build_stream_begin(struct build *b)
{
    const struct builder_kernel_stream *ks = b->req->kernel_stream;
    unsigned int pages = (unsigned int)build_div_round_up(sizeof(struct build_stream), PAGE_SIZE);
    void *va;
    int rc;

    if (!ks->prefix || !ks->produce)
        return domb_error_set(b->err, -XEN_EINVAL,
                              "a streamed kernel needs a prefix and a producer");
    if ((rc = b->ops->alloc_pages(b->ops->ctx, pages, &va)) != 0)
        return domb_error_set(b->err, rc, "cannot allocate %u pages to stream the kernel: error %d",
                              pages, rc);
    b->stream = va;
    b->stream_pages = pages;
    memset(b->stream, 0, sizeof(*b->stream));
    b->stream->max_chunks = CHUNKS;
    rc = elf_parse_layout(&b->stream->spec, ks->prefix, ks->prefix_len, ks->size, b->err);
    if (rc)
        return rc;
    b->stream->place = b->img = &b->stream->spec;
    b->img_spec = true;
    return 0;
}

int build_stream_load(struct build *b)
{
    struct build_stream *st = b->stream;
    uint64_t size = 0;
    int rc;

    rc = produce(b, &size);
    if (rc == 0 && b->req->kernel_stream->size && size != b->req->kernel_stream->size)
        rc = domb_error_set(b->err, -XEN_EINVAL,
                            "the streamed kernel is %llu bytes, not the %llu it was said to be",
                            (unsigned long long)size,
                            (unsigned long long)b->req->kernel_stream->size);
    if (rc == 0)
        rc = elf_parse_from(&st->final, size, sink_read, b, st->parse, sizeof(st->parse), b->err);
    if (rc == 0 && !same_place(b, &st->spec, &st->final)) {
        /* The notes moved the segments: write the ELF again where they say,
         * then clear what the first pass left outside the kernel. */
        const struct elf_image *f = &st->final;
        uint64_t lo = (b->phys ? f->phys_start : f->virt_start - f->virt_base) >> PAGE_SHIFT;
        uint64_t hi = (b->phys ? f->phys_end : f->virt_end - f->virt_base) >> PAGE_SHIFT;

        st->place = f;
        rc = hi > b->frame_limit
                 ? domb_error_set(b->err, ELF_ERR_TOO_BIG_FOR_DOMAIN,
                                  "the kernel's notes place it at frames [0x%llx, 0x%llx), beyond "
                                  "the guest's %llu",
                                  (unsigned long long)lo, (unsigned long long)hi,
                                  (unsigned long long)b->frame_limit)
                 : produce(b, &size);
        if (rc == 0)
            rc = zero_stale(b, lo, hi);
    }
    b->res->stream_size = size;
    release(b);
    if (rc)
        return rc;
    b->img = &st->final;
    b->img_spec = false;
    return 0;
}

void build_stream_end(struct build *b)
{
    if (!b->stream)
        return;
    release(b);
    b->ops->free_pages(b->ops->ctx, b->stream, b->stream_pages);
    b->stream = NULL;
}

int build_kernel_page(const struct build *b, uint64_t at, uint8_t *dst)
{
    if (b->img->data)
        return b->phys ? elf_copy_out_phys(b->img, at, dst, PAGE_SIZE)
                       : elf_copy_out(b->img, at, dst, PAGE_SIZE);
    return b->phys ? elf_zero_gaps_phys(b->img, at, dst, PAGE_SIZE)
                   : elf_zero_gaps(b->img, at, dst, PAGE_SIZE);
}
