/*
 * Streamed kernels (issue 15) in the simulated hypervisor: a bzImage's ELF
 * decompressed straight into the guest must give exactly the guest the
 * staged load gives (the ELF decompressed whole, then built): every page of
 * the guest the same, the same layout, the same start state. For our
 * kernels, GRUB's PV and PVH images and Debian's Linux, PV and PVH, XZ (with
 * the x86 filter) and gzip, with and without a ramdisk; in a builder with
 * only a few MiB of its own memory; with the notes placing the kernel
 * elsewhere than its program headers suggest; hostile headers; and a failure
 * at every call leaving nothing behind.
 */
#include "domb_test.h"
#include "elf_writer.h"
#include "guest_check.h"
#include "ref.h"

#include <builder/pvh.h>
#include <builder/xenops_fault.h>
#include <decompress/bzimage.h>
#include <domb/byteorder.h>
#include <domb/errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/elfnote.h>
#include <zlib.h>

#define MIB          (1ULL << 20)
#define PREFIX_BYTES (64u << 10) /* what db-boot decodes first */

enum packing { XZ, GZIP };

/* ---- images ---------------------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* A bzImage as Linux lays it out: 4 setup sectors after the boot sector,
 * 1000 bytes of "decompressor", the payload and its size word. */
static uint8_t *make_bzimage(const uint8_t *elf, size_t elf_len, enum packing how, size_t *len)
{
    size_t plen, pm = 5 * 512;
    uint8_t *payload, *bz;

    if (how == XZ) {
        struct ref_xz_opts o = {.preset = 6, .check = LZMA_CHECK_CRC32, .x86 = true};
        payload = ref_xz_encode(elf, elf_len, &o, &plen);
    } else {
        struct ref_gzip_opts o = {.level = 6, .strategy = Z_DEFAULT_STRATEGY};
        payload = ref_gzip_encode(elf, elf_len, &o, &plen);
    }
    assert_non_null(payload);
    *len = pm + 1000 + plen + 4;
    bz = calloc(1, *len);
    assert_non_null(bz);
    bz[BZIMAGE_SETUP_SECTS_OFF] = 4;
    bz[0x1fe] = 0x55;
    bz[0x1ff] = 0xaa;
    memcpy(bz + BZIMAGE_HEADER_OFF, "HdrS", 4);
    put_le16(bz + BZIMAGE_VERSION_OFF, 0x020f);
    put_le32(bz + BZIMAGE_PAYLOAD_OFF_OFF, 1000);
    put_le32(bz + BZIMAGE_PAYLOAD_LEN_OFF, (uint32_t)(plen + 4));
    memcpy(bz + pm + 1000, payload, plen);
    put_le32(bz + pm + 1000 + plen, (uint32_t)elf_len);
    free(payload);
    return bz;
}

static uint8_t *make_ramdisk(uint64_t size)
{
    uint8_t *r = malloc(size);

    assert_non_null(r);
    for (uint64_t i = 0; i < size; i++)
        r[i] = (uint8_t)(i * 131 + (i >> 9));
    return r;
}

/* ---- the producer: what db-boot does (builder/dom0/vm.c) -------------------- */

struct producer {
    const uint8_t *bz;
    size_t bz_len;
    uint8_t *window;
    size_t window_size;
    union decompress_work *work;
    uint8_t *prefix;
    size_t prefix_len;
    uint64_t size;
};

static int produce(void *ctx, const struct builder_sink *sink, uint64_t *size,
                   struct domb_error *err)
{
    struct producer *p = ctx;
    struct decompress_sink ds = {.ctx = sink->ctx, .write = sink->write, .read = sink->read};
    struct decompress_stream s = {
        .sink = &ds, .window = p->window, .window_size = p->window_size, .out_cap = 1ULL << 30};

    return bzimage_stream(p->bz, p->bz_len, &s, size, p->work, err);
}

/* The prefix, window and decoder memory from the builder's own scratch (so
 * the simulator's limit and peak count them, as db-boot's allocator does). */
static void producer_init(struct producer *p, const struct xenops *ops, const uint8_t *bz,
                          size_t bz_len, size_t window_size, size_t prefix_len)
{
    struct domb_error err;
    bool complete;
    void *va;

    memset(p, 0, sizeof(*p));
    p->bz = bz;
    p->bz_len = bz_len;
    p->window_size = window_size;
    assert_int_equal(ops->alloc_pages(ops->ctx, (unsigned int)(window_size / PAGE_SIZE), &va), 0);
    p->window = va;
    assert_int_equal(
        ops->alloc_pages(ops->ctx, (unsigned int)((sizeof(*p->work) + PAGE_SIZE - 1) / PAGE_SIZE),
                         &va),
        0);
    p->work = va;
    assert_int_equal(ops->alloc_pages(ops->ctx, (unsigned int)(PREFIX_BYTES / PAGE_SIZE), &va), 0);
    p->prefix = va;
    if (bzimage_prefix(bz, bz_len, p->prefix, prefix_len, p->window, window_size, &p->prefix_len,
                       &complete, p->work, &err) != 0)
        fail_msg("bzimage_prefix: %s", err.msg);
    p->size = bzimage_declared_size(bz, bz_len);
}

static void producer_fini(struct producer *p, const struct xenops *ops)
{
    ops->free_pages(ops->ctx, p->window, (unsigned int)(p->window_size / PAGE_SIZE));
    ops->free_pages(ops->ctx, p->work,
                    (unsigned int)((sizeof(*p->work) + PAGE_SIZE - 1) / PAGE_SIZE));
    ops->free_pages(ops->ctx, p->prefix, (unsigned int)(PREFIX_BYTES / PAGE_SIZE));
}

/* ---- the comparison --------------------------------------------------------- */

static struct sim *new_sim(struct xenops *ops, uint64_t scratch_pages)
{
    struct sim_config cfg = {.nr_frames = 1u << 17,
                             .self = 0,
                             .privileged = true,
                             .max_extent_order = 12,
                             .scratch_pages = scratch_pages};
    struct sim *s = sim_create(&cfg);

    sim_ops(s, ops);
    return s;
}

/* Every frame of the guest, in pfn (PVH: gfn) order: RAM, and for PVH the
 * ACPI and special pages too. */
struct snapshot {
    uint8_t *bytes;
    uint64_t pages;
};

static void snap_add(struct snapshot *sn, struct sim *s, domid_t d, uint64_t pfn)
{
    uint64_t mfn = sim_p2m(s, d, pfn);

    assert_true(mfn != ~0ULL);
    memcpy(sn->bytes + sn->pages * PAGE_SIZE, sim_frame(s, mfn), PAGE_SIZE);
    sn->pages++;
}

static void snapshot(struct snapshot *sn, struct sim *s, const struct builder_result *r)
{
    uint64_t pages = r->guest_type == BUILDER_GUEST_PVH
                         ? r->pvh.lowmem_pages + r->pvh.acpi_pages +
                               (PVH_END_SPECIAL_REGION - pfn_x(r->pvh.special))
                         : r->nr_pages;

    memset(sn, 0, sizeof(*sn));
    sn->bytes = malloc(pages * PAGE_SIZE);
    assert_non_null(sn->bytes);
    if (r->guest_type == BUILDER_GUEST_PVH) {
        for (uint64_t g = 0; g < r->pvh.lowmem_pages; g++)
            snap_add(sn, s, r->domid, g);
        for (uint64_t g = 0; g < r->pvh.acpi_pages; g++)
            snap_add(sn, s, r->domid, pfn_x(r->pvh.acpi) + g);
        for (uint64_t g = pfn_x(r->pvh.special); g < PVH_END_SPECIAL_REGION; g++)
            snap_add(sn, s, r->domid, g);
    } else {
        for (uint64_t p = 0; p < r->nr_pages; p++)
            snap_add(sn, s, r->domid, p);
    }
}

struct case_ {
    const uint8_t *elf; /* the ELF the bzImage carries */
    size_t elf_len;
    enum packing how;
    unsigned int type;
    uint64_t mem_mib, ramdisk_size;
    size_t window_size, prefix_len;
    uint64_t scratch_pages; /* the streamed build's memory (0: the default) */
};

struct outcome {
    struct builder_result res;
    struct snapshot snap;
    unsigned long peak; /* the builder's own pages at the most, beyond what it started with */
    unsigned long hypercalls;
};

static void build_one(const struct case_ *c, const uint8_t *bz, size_t bz_len, const uint8_t *rd,
                      bool streamed, struct outcome *out)
{
    struct xenops ops;
    struct sim *s = new_sim(&ops, streamed ? c->scratch_pages : 0);
    uint64_t free_before = sim_free_frames(s);
    struct builder_request req = {.ramdisk = rd,
                                  .ramdisk_size = c->ramdisk_size,
                                  .cmdline = "console=hvc0 quiet",
                                  .mem_kib = c->mem_mib * 1024,
                                  .max_vcpus = 1,
                                  .max_extent_order = 12,
                                  .guest_type = c->type};
    struct elf_image img;
    struct producer p;
    struct builder_kernel_stream ks;
    struct domb_error err;
    uint8_t *elf = NULL;
    int rc;

    sim_scratch_peak(s, true);
    if (streamed) {
        producer_init(&p, &ops, bz, bz_len, c->window_size, c->prefix_len);
        ks = (struct builder_kernel_stream){.prefix = p.prefix,
                                            .prefix_len = p.prefix_len,
                                            .size = p.size,
                                            .ctx = &p,
                                            .produce = produce};
        req.kernel_stream = &ks;
    } else {
        static union decompress_work work;
        size_t len;

        elf = malloc(c->elf_len);
        assert_non_null(elf);
        assert_int_equal(bzimage_extract(bz, bz_len, elf, c->elf_len, &len, &work, &err), 0);
        assert_int_equal(len, c->elf_len);
        assert_int_equal(elf_parse(&img, elf, len, &err), 0);
        req.kernel = &img;
    }
    rc = builder_build(&ops, &req, &out->res, &err);
    if (rc)
        fail_msg("%s build failed: %s", streamed ? "streamed" : "staged", err.msg);
    out->hypercalls = sim_hypercalls(s);
    if (streamed)
        producer_fini(&p, &ops);
    out->peak = sim_scratch_peak(s, false);
    snapshot(&out->snap, s, &out->res);
    if (!streamed && c->type == BUILDER_GUEST_PV64)
        guest_check(s, &out->res,
                    &(struct guest_expect){.img = &img,
                                           .ramdisk = rd,
                                           .ramdisk_size = c->ramdisk_size,
                                           .cmdline = req.cmdline,
                                           .backend = 0});
    assert_int_equal(builder_destroy(&ops, out->res.domid, &err), 0);
    assert_int_equal(sim_nr_domains(s), 0);
    assert_int_equal(sim_free_frames(s), free_before);
    assert_int_equal(sim_scratch_pages(s), 0);
    assert_int_equal(sim_foreign_maps(s), 0);
    sim_destroy(s);
    free(elf);
}

/* Staged and streamed, then every page and the layout compared. */
static void compare(const struct case_ *c, struct outcome *streamed_out)
{
    struct outcome staged, streamed;
    uint8_t *rd = c->ramdisk_size ? make_ramdisk(c->ramdisk_size) : NULL;
    size_t bz_len;
    uint8_t *bz = make_bzimage(c->elf, c->elf_len, c->how, &bz_len);

    build_one(c, bz, bz_len, rd, false, &staged);
    build_one(c, bz, bz_len, rd, true, &streamed);
    assert_int_equal(streamed.res.stream_size, c->elf_len);
    assert_int_equal(streamed.snap.pages, staged.snap.pages);
    for (uint64_t i = 0; i < staged.snap.pages; i++)
        if (memcmp(staged.snap.bytes + i * PAGE_SIZE, streamed.snap.bytes + i * PAGE_SIZE,
                   PAGE_SIZE) != 0)
            fail_msg("guest frame %llu differs between the staged and the streamed load",
                     (unsigned long long)i);
    assert_memory_equal(&streamed.res.layout, &staged.res.layout, sizeof(staged.res.layout));
    assert_memory_equal(&streamed.res.pvh, &staged.res.pvh, sizeof(staged.res.pvh));
    assert_int_equal(streamed.res.entry, staged.res.entry);
    assert_int_equal(streamed.res.start_info_va, staged.res.start_info_va);
    assert_int_equal(mfn_x(streamed.res.start_info_mfn), mfn_x(staged.res.start_info_mfn));
    print_message(
        "  %zu-byte ELF (%s, %s, %llu MiB%s): staged %lu pages of the builder's, "
        "streamed %lu; %u pass(es), %llu reads back, %llu mappings; hypercalls %lu / "
        "%lu\n",
        c->elf_len, c->how == XZ ? "xz" : "gzip", c->type == BUILDER_GUEST_PVH ? "pvh" : "pv",
        (unsigned long long)c->mem_mib, c->ramdisk_size ? ", ramdisk" : "", staged.peak,
        streamed.peak, streamed.res.stream_passes, (unsigned long long)streamed.res.stream_reads,
        (unsigned long long)streamed.res.stream_maps, staged.hypercalls, streamed.hypercalls);
    if (streamed_out)
        *streamed_out = streamed;
    else
        free(streamed.snap.bytes);
    free(staged.snap.bytes);
    free(bz);
    free(rd);
}

static void compare_file(const char *path, enum packing how, unsigned int type, uint64_t mem_mib,
                         uint64_t ramdisk_size)
{
    size_t len;
    uint8_t *elf = read_file(path, &len);

    if (!elf)
        fail_msg("cannot open %s (build the images first)", path);
    compare(&(struct case_){.elf = elf,
                            .elf_len = len,
                            .how = how,
                            .type = type,
                            .mem_mib = mem_mib,
                            .ramdisk_size = ramdisk_size,
                            .window_size = DECOMPRESS_WINDOW_MIN,
                            .prefix_len = PREFIX_BYTES},
            NULL);
    free(elf);
}

/* ---- our kernels, GRUB's ----------------------------------------------------- */

static void stream_hello_xz(void **state)
{
    (void)state;
    compare_file(DOMB_IMAGE_DIR "/test/guests/hello", XZ, BUILDER_GUEST_PV64, 16, 0);
}

static void stream_memorywalk_gzip_ramdisk(void **state)
{
    (void)state;
    compare_file(DOMB_IMAGE_DIR "/test/guests/memorywalk", GZIP, BUILDER_GUEST_PV64, 128, 3000000);
}

static void stream_bigimage_xz(void **state)
{
    (void)state;
    compare_file(DOMB_IMAGE_DIR "/test/guests/bigimage", XZ, BUILDER_GUEST_PV64, 64, 0);
}

static void stream_db_boot_xz_ramdisk(void **state)
{
    (void)state;
    compare_file(DOMB_IMAGE_DIR "/builder/main/db-boot", XZ, BUILDER_GUEST_PV64, 32, 100000);
}

static void stream_hello_pvh_xz(void **state)
{
    (void)state;
    compare_file(DOMB_IMAGE_DIR "/test/guests/hello", XZ, BUILDER_GUEST_PVH, 32, 200000);
}

static void stream_grub_pv_xz(void **state)
{
    (void)state;
    compare_file(DOMB_GRUB_IMAGE, XZ, BUILDER_GUEST_PV64, 32, 0);
}

static void stream_grub_pvh_gzip(void **state)
{
    (void)state;
    compare_file(DOMB_GRUB_PVH_IMAGE, GZIP, BUILDER_GUEST_PVH, 32, 0);
}

/* ---- Debian's Linux ------------------------------------------------------------ */

/* The fixture's bzImage (test/linux/make-linux-fixture), or $DOMB_LINUX_VMLINUZ. */
static uint8_t *linux_bzimage(size_t *len)
{
    const char *path = getenv("DOMB_LINUX_VMLINUZ");
    uint8_t *bz = read_file(path ? path : DOMB_LINUX_VMLINUZ, len);

    if (!bz)
        print_message("no %s: skipped (make it with the linux integration tests)\n",
                      path ? path : DOMB_LINUX_VMLINUZ);
    return bz;
}

/*
 * Debian's bzImage as it is (XZ, x86 filter, a 32 MiB dictionary): staged
 * and streamed give the same 96 MiB guest, and the streamed build runs in a
 * builder with 4 MiB of memory of its own (the staged one needs 64).
 */
static void linux_case(unsigned int type, uint64_t mem_mib, uint64_t ramdisk_size)
{
    static union decompress_work work;
    struct domb_error err;
    struct outcome streamed;
    size_t bz_len, elf_len;
    uint8_t *bz = linux_bzimage(&bz_len), *elf;
    struct case_ c;

    if (!bz)
        skip();
    elf_len = get_le32(bz + bz_len - 4);
    elf = malloc(elf_len);
    assert_non_null(elf);
    assert_int_equal(bzimage_extract(bz, bz_len, elf, elf_len, &elf_len, &work, &err), 0);
    /* compare() packs it again; use Debian's payload as it is instead */
    c = (struct case_){.elf = elf,
                       .elf_len = elf_len,
                       .type = type,
                       .mem_mib = mem_mib,
                       .ramdisk_size = ramdisk_size,
                       .window_size = 2 * MIB,
                       .prefix_len = PREFIX_BYTES,
                       .scratch_pages = 4 * MIB / PAGE_SIZE};
    {
        struct outcome staged;
        uint8_t *rd = ramdisk_size ? make_ramdisk(ramdisk_size) : NULL;

        build_one(&c, bz, bz_len, rd, false, &staged);
        build_one(&c, bz, bz_len, rd, true, &streamed);
        assert_int_equal(streamed.snap.pages, staged.snap.pages);
        for (uint64_t i = 0; i < staged.snap.pages; i++)
            if (memcmp(staged.snap.bytes + i * PAGE_SIZE, streamed.snap.bytes + i * PAGE_SIZE,
                       PAGE_SIZE) != 0)
                fail_msg("guest frame %llu differs", (unsigned long long)i);
        assert_memory_equal(&streamed.res.layout, &staged.res.layout, sizeof(staged.res.layout));
        assert_memory_equal(&streamed.res.pvh, &staged.res.pvh, sizeof(staged.res.pvh));
        assert_int_equal(streamed.res.stream_passes, 1);
        print_message("  Linux %zu-byte ELF, %s %llu MiB%s: builder memory staged %lu pages, "
                      "streamed %lu (%.2f MiB); %llu reads back, %llu mappings\n",
                      elf_len, type == BUILDER_GUEST_PVH ? "pvh" : "pv",
                      (unsigned long long)mem_mib, ramdisk_size ? " + ramdisk" : "", staged.peak,
                      streamed.peak, streamed.peak / 256.0,
                      (unsigned long long)streamed.res.stream_reads,
                      (unsigned long long)streamed.res.stream_maps);
        assert_true(streamed.peak < 4 * MIB / PAGE_SIZE);
        free(staged.snap.bytes);
        free(streamed.snap.bytes);
        free(rd);
    }
    free(elf);
    free(bz);
}

static void stream_linux_pv_96m(void **state)
{
    (void)state;
    linux_case(BUILDER_GUEST_PV64, 96, 0);
}

static void stream_linux_pv_96m_ramdisk(void **state)
{
    (void)state;
    linux_case(BUILDER_GUEST_PV64, 96, 2 * MIB);
}

static void stream_linux_pvh_256m(void **state)
{
    (void)state;
    linux_case(BUILDER_GUEST_PVH, 256, 2 * MIB);
}

/* ---- generated kernels: far matches, moved by the notes, hostile -------------- */

/* A PV kernel of text_size bytes of code-like bytes whose second half repeats
 * the first (XZ matches reaching far past the window). */
static void big_kernel(struct ew_out *o, uint64_t text_size)
{
    struct ew w;

    uint64_t seed = 0x9e3779b97f4a7c15ULL, half = text_size / 2;

    ew_init_pvh(&w, EW_PVH_PHYS, text_size, 64 << 10);
    ew_build(&w, o);
    assert_true(o->ph_off[0] + text_size <= o->size);
    /* past the entry stub: random bytes, then the same again */
    for (uint64_t i = 0x2000; i < half; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        o->buf[o->ph_off[0] + i] = (uint8_t)(seed >> 56);
    }
    memcpy(o->buf + o->ph_off[0] + half, o->buf + o->ph_off[0], half);
}

static void stream_far_matches_small_window(void **state)
{
    struct ew_out o;
    struct outcome streamed;

    (void)state;
    big_kernel(&o, 3 * MIB);
    compare(&(struct case_){.elf = o.buf,
                            .elf_len = o.size,
                            .how = XZ,
                            .type = BUILDER_GUEST_PV64,
                            .mem_mib = 32,
                            .window_size = DECOMPRESS_WINDOW_MIN,
                            .prefix_len = 4096},
            &streamed);
    assert_true(streamed.res.stream_reads > 100); /* the window was too small: reads back */
    free(streamed.snap.bytes);
    free(o.buf);
}

/*
 * Program headers linked with p_paddr = p_vaddr in the high half and notes
 * (VIRT_BASE = PADDR_OFFSET = 1 MiB above the 1 GiB boundary) that come
 * after the prefix: elf_parse_layout() guesses the boundary, the notes say
 * otherwise, the ELF is produced a second time where they place it and what
 * the first pass wrote outside the kernel is zeroed. The bootstrap region is
 * the staged load's, byte for byte; the other frames are zero or untouched.
 */
static void stream_moved_by_notes(void **state)
{
    const uint64_t base = EW_VIRT_BASE + MIB;
    struct ew w;
    struct ew_out o;
    struct outcome staged, streamed;
    size_t bz_len;
    uint8_t *bz;
    struct case_ c;

    (void)state;
    ew_init_empty(&w);
    ew_note_str(&w, XEN_ELFNOTE_GUEST_OS, "domB-test");
    ew_note_str(&w, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    ew_note_str(&w, XEN_ELFNOTE_LOADER, "generic");
    ew_note_u64(&w, XEN_ELFNOTE_VIRT_BASE, base);
    ew_note_u64(&w, XEN_ELFNOTE_PADDR_OFFSET, base);
    ew_note_u64(&w, XEN_ELFNOTE_ENTRY, base + 0x200000);
    w.load_shift = 0;
    w.e_entry = base + 0x200000;
    ew_load(&w, base + 0x200000, 0x30000, 0x40000, EW_PF_R | EW_PF_X)->paddr = base + 0x200000;
    ew_load(&w, base + 0x300000, 0x8000, 0x20000, EW_PF_R | EW_PF_W)->paddr = base + 0x300000;
    w.ph[w.nph++] = (struct ew_phdr){.type = EW_PT_NOTE, .flags = EW_PF_R};
    ew_build(&w, &o);
    c = (struct case_){.elf = o.buf,
                       .elf_len = o.size,
                       .how = GZIP,
                       .type = BUILDER_GUEST_PV64,
                       .mem_mib = 16,
                       .window_size = DECOMPRESS_WINDOW_MIN,
                       .prefix_len = o.notes_off};
    bz = make_bzimage(o.buf, o.size, GZIP, &bz_len);
    build_one(&c, bz, bz_len, NULL, false, &staged);
    build_one(&c, bz, bz_len, NULL, true, &streamed);
    assert_int_equal(streamed.res.stream_passes, 2);
    assert_memory_equal(&streamed.res.layout, &staged.res.layout, sizeof(staged.res.layout));
    for (uint64_t i = 0; i < staged.snap.pages; i++) {
        const uint8_t *a = staged.snap.bytes + i * PAGE_SIZE,
                      *b = streamed.snap.bytes + i * PAGE_SIZE;
        bool in_bootstrap = i >= pfn_x(staged.res.layout.kernel.pfn) &&
                            i < pfn_x(layout_range_end(&staged.res.layout.stack));

        if (in_bootstrap
                ? memcmp(a, b, PAGE_SIZE) != 0
                : memcmp(a, b, PAGE_SIZE) != 0 && (b[0] != 0 || memcmp(b, b + 1, PAGE_SIZE - 1)))
            fail_msg("frame %llu differs", (unsigned long long)i);
    }
    free(staged.snap.bytes);
    free(streamed.snap.bytes);
    free(bz);
    free(o.buf);
}

/* A streamed build that must fail: its message, nothing left behind, and
 * whether it got as far as creating a domain. */
static void expect_refused(const uint8_t *elf, size_t elf_len, uint64_t mem_mib, int code,
                           const char *msg_has, bool created)
{
    struct xenops ops;
    struct sim *s = new_sim(&ops, 0);
    uint64_t free_before = sim_free_frames(s);
    size_t bz_len;
    uint8_t *bz = make_bzimage(elf, elf_len, GZIP, &bz_len);
    struct producer p;
    struct builder_kernel_stream ks;
    struct builder_request req = {.mem_kib = mem_mib * 1024, .max_extent_order = 9};
    struct builder_result res;
    struct domb_error err;
    int rc;

    producer_init(&p, &ops, bz, bz_len, DECOMPRESS_WINDOW_MIN, 4096);
    ks = (struct builder_kernel_stream){.prefix = p.prefix,
                                        .prefix_len = p.prefix_len,
                                        .size = 0, /* headers are believed until the end */
                                        .ctx = &p,
                                        .produce = produce};
    req.kernel_stream = &ks;
    rc = builder_build(&ops, &req, &res, &err);
    if (rc != code || !strstr(err.msg, msg_has))
        fail_msg("want %d (\"%s\"), got %d: %s", code, msg_has, rc, err.msg);
    assert_int_equal(sim_calls(s, SIM_DOMCTL) > 0, created);
    producer_fini(&p, &ops);
    assert_int_equal(sim_nr_domains(s), 0);
    assert_int_equal(sim_free_frames(s), free_before);
    assert_int_equal(sim_scratch_pages(s), 0);
    assert_int_equal(sim_foreign_maps(s), 0);
    sim_destroy(s);
    free(bz);
}

static void stream_hostile_headers(void **state)
{
    struct ew w;
    struct ew_out o;

    (void)state;
    /* a segment larger than the guest: refused from the prefix, no domain */
    ew_init_default(&w);
    w.ph[1].memsz = 64 * MIB;
    ew_build(&w, &o);
    expect_refused(o.buf, o.size, 16, -XEN_ENOMEM, "cannot hold", false);
    free(o.buf);
    /* file bytes past the image's end: only what exists is written, then
     * the parse of the whole image refuses it as elf_parse() would */
    ew_init_default(&w);
    ew_build(&w, &o);
    ew_put(&o, o.phoff + 1 * 56 + 32, 0x100000, 8); /* p_filesz of the second header */
    ew_put(&o, o.phoff + 1 * 56 + 40, 0x100000, 8); /* p_memsz */
    expect_refused(o.buf, o.size, 16, ELF_ERR_SEG_FILE_OOB, "outside the", true);
    free(o.buf);
    /* a bad note, after the stream */
    ew_init_default_omit(&w, EW_OMIT(XEN_ELFNOTE_PAE_MODE));
    ew_note_str(&w, XEN_ELFNOTE_PAE_MODE, "maybe");
    ew_build(&w, &o);
    expect_refused(o.buf, o.size, 16, ELF_ERR_BAD_PAE_MODE, "PAE_MODE", true);
    free(o.buf);
}

/* One streamed build through a fault wrapper armed at call n (0: disarmed);
 * returns the build's verdict and the calls it could have failed at, and
 * requires that nothing is left behind either way. */
static int fault_build(const uint8_t *bz, size_t bz_len, const uint8_t *rd, unsigned long n,
                       int fault_rc, unsigned long *calls)
{
    struct xenops inner;
    struct sim *s = new_sim(&inner, 0);
    uint64_t free_before = sim_free_frames(s);
    struct xenops_fault f;
    struct producer p;
    struct builder_kernel_stream ks;
    struct builder_request req = {
        .ramdisk = rd, .ramdisk_size = 300000, .mem_kib = 32 * 1024, .max_extent_order = 9};
    struct builder_result res;
    struct domb_error err;
    int rc;

    producer_init(&p, &inner, bz, bz_len, DECOMPRESS_WINDOW_MIN, 4096);
    xenops_fault_init(&f, &inner);
    xenops_fault_arm(&f, n, fault_rc);
    ks = (struct builder_kernel_stream){.prefix = p.prefix,
                                        .prefix_len = p.prefix_len,
                                        .size = p.size,
                                        .ctx = &p,
                                        .produce = produce};
    req.kernel_stream = &ks;
    rc = builder_build(&f.ops, &req, &res, &err);
    xenops_fault_fired(&f, calls);
    if (rc == 0)
        assert_int_equal(builder_destroy(&inner, res.domid, &err), 0);
    else
        assert_true(strlen(err.msg) > 0);
    producer_fini(&p, &inner);
    assert_int_equal(sim_nr_domains(s), 0);
    assert_int_equal(sim_free_frames(s), free_before);
    assert_int_equal(sim_scratch_pages(s), 0);
    assert_int_equal(sim_foreign_maps(s), 0);
    sim_destroy(s);
    return rc;
}

/* A failure at every call of a streamed build (a kernel that reads back
 * through a small window, with a ramdisk) leaves nothing behind; a full
 * mapping window (-ENOMEM from a map) only shrinks the mapping cache. */
static void stream_fault_every_call(void **state)
{
    struct ew_out o;
    size_t bz_len;
    uint8_t *bz, *rd = make_ramdisk(300000);
    unsigned long total = 0, calls, survived = 0;

    (void)state;
    big_kernel(&o, 2 * MIB);
    bz = make_bzimage(o.buf, o.size, XZ, &bz_len);
    assert_int_equal(fault_build(bz, bz_len, rd, 0, 0, &total), 0);
    assert_true(total > 20);
    for (unsigned long n = 1; n <= total; n++) {
        assert_int_not_equal(fault_build(bz, bz_len, rd, n, -XEN_EIO, &calls), 0);
        survived += fault_build(bz, bz_len, rd, n, -XEN_ENOMEM, &calls) == 0;
    }
    print_message("  %lu calls, each failed once (-EIO, -ENOMEM): nothing left behind; %lu "
                  "-ENOMEM builds went on with fewer mappings\n",
                  total, survived);
    free(bz);
    free(rd);
    free(o.buf);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(stream_hello_xz),
    cmocka_unit_test(stream_memorywalk_gzip_ramdisk),
    cmocka_unit_test(stream_bigimage_xz),
    cmocka_unit_test(stream_db_boot_xz_ramdisk),
    cmocka_unit_test(stream_hello_pvh_xz),
    cmocka_unit_test(stream_grub_pv_xz),
    cmocka_unit_test(stream_grub_pvh_gzip),
    cmocka_unit_test(stream_linux_pv_96m),
    cmocka_unit_test(stream_linux_pv_96m_ramdisk),
    cmocka_unit_test(stream_linux_pvh_256m),
    cmocka_unit_test(stream_far_matches_small_window),
    cmocka_unit_test(stream_moved_by_notes),
    cmocka_unit_test(stream_hostile_headers),
    cmocka_unit_test(stream_fault_every_call),
};

DOMB_TEST_MAIN(tests)
