/* Boot set loading: a good set, and per-VM failures that leave the others usable. */
#include "domb_test.h"

#include "cpio_write.h"
#include <domb/errno.h>
#include <initrd/bootset.h>
#include <proto/spec.h>
#include <string.h>

static struct cpio_writer w;
static struct bootset_vm vms[8];
static struct bootset set;
static struct domb_error err;

static int setup(void **state)
{
    cpio_writer_init(&w);
    return 0;
}

static int teardown(void **state)
{
    cpio_writer_free(&w);
    return 0;
}

static void add_manifest(uint32_t nr, const char *const *names)
{
    struct manifest m = {.flags = MANIFEST_FLAG_CONSOLE_RELAY, .nr_vms = nr};
    uint8_t buf[MANIFEST_MAX_SIZE];
    int n;

    for (uint32_t i = 0; i < nr; i++)
        m.spec_names[i] = names[i];
    n = manifest_encode(&m, buf, sizeof(buf), NULL);
    assert_true(n > 0);
    cpio_writer_add_file(&w, BOOTSET_MANIFEST_NAME, buf, (size_t)n);
}

/* A spec for VM `name` booting `kernel` (and `ramdisk` if not NULL), with hashes of `kdata`. */
static void add_spec(const char *member, const char *name, const char *kernel, const char *kdata,
                     const char *ramdisk, const char *rdata, uint32_t domid)
{
    struct vm_config cfg;
    uint8_t buf[SPEC_V1_SIZE];

    vm_config_init(&cfg);
    strcpy(cfg.name, name);
    strcpy(cfg.kernel, kernel);
    cfg.memory_mib = cfg.maxmem_mib = 16;
    cfg.domid = domid;
    cfg.has_kernel_sha256 = true;
    sha256(kdata, strlen(kdata), cfg.kernel_sha256);
    if (ramdisk) {
        strcpy(cfg.ramdisk, ramdisk);
        cfg.has_ramdisk_sha256 = true;
        sha256(rdata, strlen(rdata), cfg.ramdisk_sha256);
    }
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), NULL), SPEC_V1_SIZE);
    cpio_writer_add_file(&w, member, buf, sizeof(buf));
}

static void add_image(const char *member, const char *data)
{
    cpio_writer_add_file(&w, member, data, strlen(data));
}

static int load(void)
{
    assert_int_equal(cpio_writer_finish(&w), 0);
    return bootset_load(w.buf, w.len, &set, vms, 8, &err);
}

static const char *const two[] = {"domb/specs/a.spec", "domb/specs/b.spec"};

static void bootset_good_set(void **state)
{
    add_manifest(2, two);
    add_spec(two[0], "a", "domb/images/k", "KERNEL", "domb/images/r", "RAMDISK", 0);
    add_spec(two[1], "b", "domb/images/k", "KERNEL", NULL, NULL, 5);
    add_image("domb/images/k", "KERNEL");
    add_image("domb/images/r", "RAMDISK");
    assert_int_equal(load(), 0);
    assert_int_equal(set.nr_vms, 2);
    assert_int_equal(set.nr_failed, 0);
    assert_int_equal(set.manifest.flags, MANIFEST_FLAG_CONSOLE_RELAY);
    assert_int_equal(vms[0].status, 0);
    assert_string_equal(vms[0].config.name, "a");
    assert_int_equal(vms[0].kernel_size, 6);
    assert_memory_equal(vms[0].kernel, "KERNEL", 6);
    assert_int_equal(vms[0].ramdisk_size, 7);
    assert_memory_equal(vms[0].ramdisk, "RAMDISK", 7);
    assert_int_equal(vms[1].status, 0);
    assert_ptr_equal(vms[1].kernel, vms[0].kernel); /* shared image */
    assert_null(vms[1].ramdisk);
    assert_int_equal(vms[1].config.domid, 5);
}

static void bootset_no_manifest(void **state)
{
    add_image("x", "y");
    assert_int_equal(load(), -XEN_ENOENT);
    assert_string_equal(err.msg, "archive has no 'domb/manifest'");
}

static void bootset_bad_manifest(void **state)
{
    cpio_writer_add_file(&w, BOOTSET_MANIFEST_NAME, "DOMBSPEC", 8);
    assert_int_equal(load(), -XEN_EINVAL);
    assert_string_equal(err.msg, "domb/manifest: is truncated: 8 bytes, less than its header");
}

static void bootset_damaged_archive(void **state)
{
    add_manifest(2, two);
    assert_int_equal(cpio_writer_finish(&w), 0);
    assert_int_equal(bootset_load(w.buf, w.len - 4, &set, vms, 8, &err), -XEN_EINVAL);
    assert_string_equal(err.msg,
                        "cpio entry at offset 0x15c: name runs beyond the end of the archive");
}

static void bootset_too_many_vms(void **state)
{
    add_manifest(2, two);
    assert_int_equal(cpio_writer_finish(&w), 0);
    assert_int_equal(bootset_load(w.buf, w.len, &set, vms, 1, &err), -XEN_E2BIG);
    assert_string_equal(err.msg, "domb/manifest: lists 2 VMs; room for 1");
}

static void bootset_missing_spec(void **state)
{
    add_manifest(2, two);
    add_spec(two[1], "b", "domb/images/k", "KERNEL", NULL, NULL, 0);
    add_image("domb/images/k", "KERNEL");
    assert_int_equal(load(), 0);
    assert_int_equal(set.nr_failed, 1);
    assert_int_equal(vms[0].status, -XEN_ENOENT);
    assert_string_equal(vms[0].error.msg, "archive has no 'domb/specs/a.spec'");
    assert_int_equal(vms[1].status, 0);
}

static void bootset_bad_spec(void **state)
{
    add_manifest(2, two);
    cpio_writer_add_file(&w, two[0], "garbage garbage!", 16);
    add_spec(two[1], "b", "domb/images/k", "KERNEL", NULL, NULL, 0);
    add_image("domb/images/k", "KERNEL");
    assert_int_equal(load(), 0);
    assert_int_equal(set.nr_failed, 1);
    assert_string_equal(vms[0].error.msg, "domb/specs/a.spec: magic is not \"DOMBSPEC\"");
    assert_int_equal(vms[1].status, 0);
}

static void bootset_missing_images(void **state)
{
    add_manifest(2, two);
    add_spec(two[0], "a", "domb/images/nope", "KERNEL", NULL, NULL, 0);
    add_spec(two[1], "b", "domb/images/k", "KERNEL", "domb/images/rd", "RD", 0);
    add_image("domb/images/k", "KERNEL");
    assert_int_equal(load(), 0);
    assert_int_equal(set.nr_failed, 2);
    assert_string_equal(vms[0].error.msg, "vm 'a': kernel: archive has no 'domb/images/nope'");
    assert_string_equal(vms[1].error.msg, "vm 'b': ramdisk: archive has no 'domb/images/rd'");
    assert_null(vms[1].kernel);
}

static void bootset_hash_mismatch(void **state)
{
    add_manifest(2, two);
    add_spec(two[0], "a", "domb/images/k", "KERNEL", NULL, NULL, 0);
    add_spec(two[1], "b", "domb/images/k", "KERNEL", "domb/images/r", "RAMDISK", 0);
    add_image("domb/images/k", "KERNEl");
    add_image("domb/images/r", "RAMDISK");
    assert_int_equal(load(), 0);
    assert_int_equal(vms[0].status, -XEN_EINVAL);
    assert_string_equal(vms[0].error.msg,
                        "vm 'a': kernel domb/images/k does not match kernel_sha256");
    assert_int_equal(set.nr_failed, 2);
}

static void bootset_duplicate_name_and_domid(void **state)
{
    static const char *const three[] = {"s1", "s2", "s3"};

    add_manifest(3, three);
    add_spec("s1", "a", "k", "K", NULL, NULL, 9);
    add_spec("s2", "a", "k", "K", NULL, NULL, 0);
    add_spec("s3", "c", "k", "K", NULL, NULL, 9);
    add_image("k", "K");
    assert_int_equal(load(), 0);
    assert_int_equal(vms[0].status, 0);
    assert_int_equal(vms[1].status, -XEN_EEXIST);
    assert_string_equal(vms[1].error.msg, "vm 'a': s2 uses the same name as s1");
    assert_int_equal(vms[2].status, -XEN_EEXIST);
    assert_string_equal(vms[2].error.msg, "vm 'c': domid 9 is also vm 'a's");
    assert_int_equal(set.nr_failed, 2);
}

int main(int argc, char **argv);
/* One case per line: the build registers each line's case with ctest. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(bootset_good_set, setup, teardown),
    cmocka_unit_test_setup_teardown(bootset_no_manifest, setup, teardown),
    cmocka_unit_test_setup_teardown(bootset_bad_manifest, setup, teardown),
    cmocka_unit_test_setup_teardown(bootset_damaged_archive, setup, teardown),
    cmocka_unit_test_setup_teardown(bootset_too_many_vms, setup, teardown),
    cmocka_unit_test_setup_teardown(bootset_missing_spec, setup, teardown),
    cmocka_unit_test_setup_teardown(bootset_bad_spec, setup, teardown),
    cmocka_unit_test_setup_teardown(bootset_missing_images, setup, teardown),
    cmocka_unit_test_setup_teardown(bootset_hash_mismatch, setup, teardown),
    cmocka_unit_test_setup_teardown(bootset_duplicate_name_and_domid, setup, teardown),
};
/* clang-format on */
DOMB_TEST_MAIN(tests)
