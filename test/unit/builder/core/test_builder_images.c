/*
 * The project's real PV64 kernels (the images the freestanding build makes,
 * and GRUB's Xen PV image) built in the simulated hypervisor: each build must
 * pass the guest model check, and a failure at any call of a real build must
 * leave nothing behind. GRUB's PVH image (a 32-bit ELF) must parse, pass
 * elf_check_pvh(), be refused as PV and build as PVH with its bytes at p_paddr.
 */
#include "domb_test.h"
#include "guest_check.h"

#include <builder/pvh.h>
#include <builder/xenops_fault.h>
#include <domb/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1ULL << 20)

struct image {
    uint8_t *data;
    size_t size;
    struct elf_image img;
};

static void load_image(struct image *im, const char *path)
{
    FILE *f = fopen(path, "rb");
    struct domb_error err;
    long n;

    if (!f)
        fail_msg("cannot open %s (build the freestanding images first)", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    im->data = malloc((size_t)n);
    assert_non_null(im->data);
    assert_int_equal(fread(im->data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    im->size = (size_t)n;
    if (elf_parse(&im->img, im->data, im->size, &err) != 0)
        fail_msg("%s rejected: %s", path, err.msg);
}

static uint8_t *make_ramdisk(uint64_t size)
{
    uint8_t *r = malloc(size);

    assert_non_null(r);
    for (uint64_t i = 0; i < size; i++)
        r[i] = (uint8_t)(i * 131 + (i >> 9));
    return r;
}

static struct sim *new_sim(struct xenops *ops)
{
    struct sim_config cfg = {
        .nr_frames = 1u << 17, .self = 0, .privileged = true, .max_extent_order = 9};
    struct sim *s = sim_create(&cfg);

    sim_ops(s, ops);
    return s;
}

static void assert_clean(struct sim *s, uint64_t free_before)
{
    assert_int_equal(sim_nr_domains(s), 0);
    assert_int_equal(sim_free_frames(s), free_before);
    assert_int_equal(sim_scratch_pages(s), 0);
    assert_int_equal(sim_foreign_maps(s), 0);
}

/* Build `path` with mem_mib and an optional ramdisk, model-check, destroy. */
static void build_real(const char *path, uint64_t mem_mib, uint64_t ramdisk_size)
{
    struct image im;
    struct xenops ops;
    struct sim *s = new_sim(&ops);
    uint64_t free_before = sim_free_frames(s);
    uint8_t *rd = ramdisk_size ? make_ramdisk(ramdisk_size) : NULL;
    struct builder_result res;
    struct domb_error err;

    load_image(&im, path);
    struct builder_request req = {.kernel = &im.img,
                                  .ramdisk = rd,
                                  .ramdisk_size = ramdisk_size,
                                  .cmdline = "memorywalk.mib=16",
                                  .mem_kib = mem_mib * 1024,
                                  .max_vcpus = 1,
                                  .max_extent_order = 9};
    if (builder_build(&ops, &req, &res, &err) != 0)
        fail_msg("build of %s failed: %s", path, err.msg);
    printf("%s: %lu MiB, ramdisk %lu bytes: %lu hypercalls\n", path, mem_mib, ramdisk_size,
           sim_hypercalls(s));
    guest_check(s, &res,
                &(struct guest_expect){.img = &im.img,
                                       .ramdisk = rd,
                                       .ramdisk_size = ramdisk_size,
                                       .cmdline = req.cmdline,
                                       .backend = 0});
    assert_int_equal(builder_destroy(&ops, res.domid, &err), 0);
    assert_clean(s, free_before);
    sim_destroy(s);
    free(rd);
    free(im.data);
}

static void real_hello_16m(void **state)
{
    build_real(DOMB_IMAGE_DIR "/test/guests/hello", 16, 0);
}

static void real_memorywalk_128m_ramdisk(void **state)
{
    build_real(DOMB_IMAGE_DIR "/test/guests/memorywalk", 128, 3000000);
}

static void real_bigimage_over_4m(void **state)
{
    struct image im;

    load_image(&im, DOMB_IMAGE_DIR "/test/guests/bigimage");
    assert_true(im.img.virt_end - im.img.virt_start > 4 * MIB);
    free(im.data);
    build_real(DOMB_IMAGE_DIR "/test/guests/bigimage", 64, 0);
}

static void real_db_boot_as_guest(void **state)
{
    build_real(DOMB_IMAGE_DIR "/builder/main/db-boot", 32, 100000);
}

static void real_grub_pv_image(void **state)
{
    build_real(DOMB_GRUB_IMAGE, 32, 0);
}

/* GRUB's i386-xen_pvh image: ELFCLASS32 / EM_386 whose only Xen note is
 * PHYS32_ENTRY. */
static void real_grub_pvh_image(void **state)
{
    struct image im;
    struct xenops ops;
    struct sim *s = new_sim(&ops);
    uint64_t free_before = sim_free_frames(s);
    struct builder_result res;
    struct domb_error err;
    struct sim_hvm_info *hvm = malloc(sizeof(*hvm));

    (void)state;
    assert_non_null(hvm);
    load_image(&im, DOMB_GRUB_PVH_IMAGE);
    assert_int_equal(im.data[4], 1); /* ELFCLASS32 */
    assert_true(im.img.elf32);
    assert_true(im.img.notes.has_phys32_entry);
    assert_true(im.img.phys_start >= MIB && im.img.phys_end < 16 * MIB);
    assert_int_equal(elf_check_pvh(&im.img, 32 * MIB, PVH_HOLE_START, &err), 0);
    assert_int_equal(elf_check_pv(&im.img, &err), ELF_ERR_NOT_64BIT);
    printf("%s: %u segments at physical [0x%llx, 0x%llx), PHYS32_ENTRY 0x%x\n", DOMB_GRUB_PVH_IMAGE,
           im.img.nr_segments, (unsigned long long)im.img.phys_start,
           (unsigned long long)im.img.phys_end, (unsigned)im.img.notes.phys32_entry);

    struct builder_request req = {.kernel = &im.img,
                                  .guest_type = BUILDER_GUEST_PV64,
                                  .mem_kib = 32 * 1024,
                                  .max_vcpus = 1,
                                  .max_extent_order = 9};
    assert_int_equal(builder_build(&ops, &req, &res, &err), ELF_ERR_NOT_64BIT);
    assert_non_null(strstr(err.msg, "64-bit"));
    assert_clean(s, free_before);

    req.guest_type = BUILDER_GUEST_PVH;
    if (builder_build(&ops, &req, &res, &err) != 0)
        fail_msg("PVH build of %s failed: %s", DOMB_GRUB_PVH_IMAGE, err.msg);
    assert_int_equal(res.guest_type, BUILDER_GUEST_PVH);
    assert_int_equal(res.entry, im.img.notes.phys32_entry);
    assert_int_equal(sim_hvm_info(s, res.domid, hvm), 0);
    assert_int_equal(hvm->cpu0.rip, im.img.notes.phys32_entry);
    /* Every byte of the image's range, from the guest's side. */
    for (uint64_t gpa = im.img.phys_start; gpa < im.img.phys_end; gpa += 4096) {
        uint8_t want[4096];
        const uint8_t *page = sim_gfn(s, res.domid, gpa >> 12);

        assert_non_null(page);
        assert_int_equal(elf_copy_out_phys(&im.img, gpa, want, sizeof(want)), 0);
        if (memcmp(page, want, sizeof(want)) != 0)
            fail_msg("guest page at 0x%llx differs from the image", (unsigned long long)gpa);
    }
    assert_int_equal(builder_destroy(&ops, res.domid, &err), 0);
    assert_clean(s, free_before);
    sim_destroy(s);
    free(hvm);
    free(im.data);
}

/* Fail each call of a real build in turn: nothing may be left behind. */
static void real_memorywalk_fault_every_call(void **state)
{
    struct image im;
    uint8_t *rd = make_ramdisk(1000000);
    unsigned long total;

    load_image(&im, DOMB_IMAGE_DIR "/test/guests/memorywalk");
    struct builder_request req = {.kernel = &im.img,
                                  .ramdisk = rd,
                                  .ramdisk_size = 1000000,
                                  .cmdline = "x",
                                  .mem_kib = 32 * 1024,
                                  .max_vcpus = 1,
                                  .max_extent_order = 9};
    {
        struct xenops ops;
        struct sim *s = new_sim(&ops);
        struct builder_result res;
        struct domb_error err;

        struct xenops_fault fault;

        xenops_fault_init(&fault, &ops);
        assert_int_equal(builder_build(&fault.ops, &req, &res, &err), 0);
        xenops_fault_fired(&fault, &total);
        sim_destroy(s);
    }
    for (unsigned long n = 1; n <= total; n++) {
        struct xenops ops;
        struct sim *s = new_sim(&ops);
        uint64_t free_before = sim_free_frames(s);
        struct builder_result res;
        struct domb_error err;

        struct xenops_fault fault;

        xenops_fault_init(&fault, &ops);
        xenops_fault_arm(&fault, n, -12 /* ENOMEM */);
        assert_int_not_equal(builder_build(&fault.ops, &req, &res, &err), 0);
        assert_true(err.msg[0] != '\0');
        assert_clean(s, free_before);
        sim_destroy(s);
    }
    printf("fault injection: %lu calls of a real build, each failed cleanly\n", total);
    free(rd);
    free(im.data);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(real_hello_16m),
    cmocka_unit_test(real_memorywalk_128m_ramdisk),
    cmocka_unit_test(real_bigimage_over_4m),
    cmocka_unit_test(real_db_boot_as_guest),
    cmocka_unit_test(real_grub_pv_image),
    cmocka_unit_test(real_grub_pvh_image),
    cmocka_unit_test(real_memorywalk_fault_every_call),
};
DOMB_TEST_MAIN(tests)
