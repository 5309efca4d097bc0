/* CPIO newc reader against well-formed and hostile archives. */
#include "domb_test.h"

#include "cpio_write.h"
#include <domb/errno.h>
#include <initrd/cpio.h>
#include <stdio.h>
#include <string.h>

static struct cpio_writer w;

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

static void build_sample(void)
{
    cpio_writer_add_dir(&w, "dir");
    cpio_writer_add_file(&w, "dir/a", "hello", 5);
    cpio_writer_add_file(&w, "empty", "", 0);
    cpio_writer_add_file(&w, "b", "1234", 4);
    assert_int_equal(cpio_writer_finish(&w), 0);
}

/* Overwrite a header field (index after the magic) of the entry at `off`. */
static void set_field(size_t off, int field, const char *eight)
{
    memcpy(w.buf + off + 6 + 8 * field, eight, 8);
}

static void expect_error(size_t len, const char *msg)
{
    struct cpio_iter it;
    struct cpio_entry e;
    struct domb_error err;
    int rc;

    cpio_iter_init(&it, w.buf, len);
    while ((rc = cpio_next_entry(&it, &e, &err)) == 1)
        ;
    assert_int_equal(rc, -XEN_EINVAL);
    assert_string_equal(err.msg, msg);
    /* After an error the iterator stays finished. */
    assert_int_equal(cpio_next_entry(&it, &e, &err), 0);
}

static void cpio_iterates_entries(void **state)
{
    struct cpio_iter it;
    struct cpio_entry e;

    build_sample();
    cpio_iter_init(&it, w.buf, w.len);
    assert_int_equal(cpio_next_entry(&it, &e, NULL), 1);
    assert_string_equal(e.name, "dir");
    assert_int_equal(e.mode & CPIO_MODE_TYPE_MASK, CPIO_MODE_DIRECTORY);
    assert_int_equal(cpio_next_entry(&it, &e, NULL), 1);
    assert_string_equal(e.name, "dir/a");
    assert_int_equal(e.name_len, 5);
    assert_int_equal(e.size, 5);
    assert_memory_equal(e.data, "hello", 5);
    assert_int_equal(cpio_next_entry(&it, &e, NULL), 1);
    assert_string_equal(e.name, "empty");
    assert_int_equal(e.size, 0);
    assert_int_equal(cpio_next_entry(&it, &e, NULL), 1);
    assert_string_equal(e.name, "b");
    assert_int_equal(cpio_next_entry(&it, &e, NULL), 0);
    assert_int_equal(cpio_next_entry(&it, &e, NULL), 0);
}

static void cpio_find_files(void **state)
{
    const void *data;
    size_t size;
    struct domb_error err;

    build_sample();
    assert_int_equal(cpio_find(w.buf, w.len, "b", &data, &size, &err), 0);
    assert_int_equal(size, 4);
    assert_memory_equal(data, "1234", 4);
    assert_int_equal(cpio_find(w.buf, w.len, "nope", &data, &size, &err), -XEN_ENOENT);
    assert_string_equal(err.msg, "archive has no 'nope'");
    assert_int_equal(cpio_find(w.buf, w.len, "dir", &data, &size, &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "archive member 'dir' is not a regular file");
}

static void cpio_find_duplicate(void **state)
{
    const void *data;
    size_t size;
    struct domb_error err;

    cpio_writer_add_file(&w, "x", "1", 1);
    cpio_writer_add_file(&w, "x", "2", 1);
    cpio_writer_finish(&w);
    assert_int_equal(cpio_find(w.buf, w.len, "x", &data, &size, &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "archive holds 'x' twice");
}

static void cpio_find_sees_later_damage(void **state)
{
    const void *data;
    size_t size;
    struct domb_error err;

    build_sample();
    /* "b" is fine but the archive is cut before its trailer. */
    assert_int_equal(cpio_find(w.buf, w.len - 124, "dir/a", &data, &size, &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "cpio entry at offset 0x1d8: archive ends without a TRAILER!!! "
                                 "entry");
}

static void cpio_rejects_empty_and_truncated_header(void **state)
{
    build_sample();
    expect_error(0, "cpio entry at offset 0x0: archive ends without a TRAILER!!! entry");
    expect_error(109, "cpio entry at offset 0x0: header is truncated");
}

static void cpio_rejects_bad_magic(void **state)
{
    build_sample();
    memcpy(w.buf, "070707", 6); /* the old portable ASCII format */
    expect_error(w.len, "cpio entry at offset 0x0: bad magic (not 070701 or 070702 newc)");
}

static void cpio_rejects_non_hex(void **state)
{
    build_sample();
    set_field(0, 6, "0000000g");
    expect_error(w.len, "cpio entry at offset 0x0: filesize field is not 8 hex digits");
    set_field(0, 6, "00000000");
    set_field(0, 0, " 0000001");
    expect_error(w.len, "cpio entry at offset 0x0: ino field is not 8 hex digits");
}

static void cpio_rejects_namesize(void **state)
{
    build_sample();
    set_field(0, 11, "00000000");
    expect_error(w.len, "cpio entry at offset 0x0: namesize is 0");
    set_field(0, 11, "FFFFFFFF");
    expect_error(w.len, "cpio entry at offset 0x0: namesize is larger than 1024");
    set_field(0, 11, "00000003"); /* "dir" without its NUL */
    expect_error(w.len, "cpio entry at offset 0x0: name is not NUL-terminated within namesize");
    set_field(0, 11, "00000400");
    expect_error(200, "cpio entry at offset 0x0: name runs beyond the end of the archive");
}

static void cpio_rejects_embedded_nul(void **state)
{
    build_sample();
    w.buf[110 + 1] = '\0'; /* "d\0r\0" */
    expect_error(w.len, "cpio entry at offset 0x0: name holds a NUL before its end");
}

static void cpio_rejects_data_beyond_archive(void **state)
{
    build_sample();
    set_field(0x74, 6, "00001000"); /* dir/a claims 4 KiB */
    expect_error(w.len, "cpio entry at offset 0x74: file data runs beyond the end of the archive");
    set_field(0x74, 6, "FFFFFFFF");
    expect_error(w.len, "cpio entry at offset 0x74: file data runs beyond the end of the archive");
}

static void cpio_rejects_truncated_data(void **state)
{
    build_sample();
    /* Layout: dir@0x0, dir/a@0x74 (data 0xe8..0xed), empty@0xf0, b@0x164, trailer@0x1d8.
     * Cut inside dir/a's data. */
    expect_error(0xe8 + 3, "cpio entry at offset 0x74: file data runs beyond the end of "
                           "the archive");
    /* Cut inside its padding: data ends at 0xed, padding to 0xf0. */
    expect_error(0xee, "cpio entry at offset 0x74: padding after the file data is truncated");
}

static void cpio_rejects_check_field(void **state)
{
    build_sample();
    set_field(0x74, 12, "00000001");
    expect_error(w.len, "cpio entry at offset 0x74: check field must be 0 in a 070701 archive");
}

static void cpio_checksummed_070702(void **state)
{
    struct cpio_iter it;
    struct cpio_entry e;

    cpio_writer_add_file(&w, "f", "\x01\x02\xff", 3);
    cpio_writer_finish(&w);
    memcpy(w.buf, "070702", 6);
    set_field(0, 12, "00000102");
    cpio_iter_init(&it, w.buf, w.len);
    assert_int_equal(cpio_next_entry(&it, &e, NULL), 1);
    assert_int_equal(cpio_next_entry(&it, &e, NULL), 0);
    set_field(0, 12, "00000103");
    expect_error(w.len, "cpio entry at offset 0x0: data does not match the 070702 checksum");
}

static void cpio_trailer_padding(void **state)
{
    struct cpio_iter it;
    struct cpio_entry e;
    size_t len;

    build_sample();
    len = w.len;
    cpio_writer_add_file(&w, "zz", NULL, 0); /* grow the buffer, then zero the tail */
    memset(w.buf + len, 0, w.len - len);
    cpio_iter_init(&it, w.buf, w.len);
    for (int i = 0; i < 4; i++)
        assert_int_equal(cpio_next_entry(&it, &e, NULL), 1);
    assert_int_equal(cpio_next_entry(&it, &e, NULL), 0);
    w.buf[w.len - 1] = 1;
    expect_error(w.len, "cpio entry at offset 0x1d8: non-zero bytes follow the TRAILER!!! entry");
}

static void cpio_entry_limit(void **state)
{
    char name[16];

    for (int i = 0; i < CPIO_MAX_ENTRIES + 1; i++) {
        snprintf(name, sizeof(name), "%d", i);
        cpio_writer_add_file(&w, name, NULL, 0);
    }
    cpio_writer_finish(&w);
    expect_error(w.len, "cpio entry at offset 0x73fd8: more than 4096 entries");
}

int main(int argc, char **argv);
/* One case per line: the build registers each line's case with ctest. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(cpio_iterates_entries, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_find_files, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_find_duplicate, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_find_sees_later_damage, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_rejects_empty_and_truncated_header, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_rejects_bad_magic, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_rejects_non_hex, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_rejects_namesize, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_rejects_embedded_nul, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_rejects_data_beyond_archive, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_rejects_truncated_data, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_rejects_check_field, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_checksummed_070702, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_trailer_padding, setup, teardown),
    cmocka_unit_test_setup_teardown(cpio_entry_limit, setup, teardown),
};
/* clang-format on */
DOMB_TEST_MAIN(tests)
