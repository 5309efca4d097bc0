/* The xl-style VM configuration parser: good files and exact error messages. */
#include "domb_test.h"

#include <domb/errno.h>
#include <proto/config.h>
#include <stdio.h>
#include <string.h>

#define BASE "name = \"web\"\nkernel = \"web.elf\"\nmemory = 128\n"

static struct vm_config cfg;

static void parse_ok(const char *text)
{
    struct domb_error err;
    int rc = config_parse(text, strlen(text), "web.cfg", &cfg, NULL, &err);

    if (rc != 0)
        fail_msg("unexpected error: %s", err.msg);
    assert_int_equal(err.code, 0);
}

static void parse_fails(const char *text, const char *expect)
{
    struct domb_error err;

    assert_int_equal(config_parse(text, strlen(text), "web.cfg", &cfg, NULL, &err), -XEN_EINVAL);
    assert_int_equal(err.code, -XEN_EINVAL);
    assert_string_equal(err.msg, expect);
}

static void config_minimal_defaults(void **state)
{
    struct config_lines lines;
    struct domb_error err;

    assert_int_equal(config_parse(BASE, strlen(BASE), "web.cfg", &cfg, &lines, &err), 0);
    assert_int_equal(lines.name, 1);
    assert_int_equal(lines.kernel, 2);
    assert_int_equal(lines.ramdisk, 0);
    assert_string_equal(cfg.name, "web");
    assert_string_equal(cfg.kernel, "web.elf");
    assert_string_equal(cfg.ramdisk, "");
    assert_string_equal(cfg.cmdline, "");
    assert_int_equal(cfg.memory_mib, 128);
    assert_int_equal(cfg.maxmem_mib, 128);
    assert_int_equal(cfg.vcpus, 1);
    assert_int_equal(cfg.domid, 0);
    assert_int_equal(cfg.on_exit, VM_ON_EXIT_DESTROY);
    assert_false(cfg.has_kernel_sha256);
    assert_int_equal(cfg.nr_iomem + cfg.nr_ioports + cfg.nr_irqs, 0);
}

static void config_full_file(void **state)
{
    parse_ok(
        "# a web server\n"
        "name = 'web-1.a_b'\n"
        "type = \"pv\"\n"
        "kernel = \"/k/web.elf\"  # trailing comment\n"
        "ramdisk = \"web.cpio\"\n"
        "cmdline = \"console=hvc0 quiet\"\n"
        "memory = 0x80; maxmem = 256\n"
        "vcpus = 4\n"
        "domid = 0x7fef\n"
        "iomem = [ \"fe000,2@1000\", \"0xfeb00\",\n"
        "          \"c0000,10\", ]\n"
        "ioports = [ \"3f8-3ff\", \"80\" ]\n"
        "irqs = [\n  4, # uart\n  0x10,\n]\n"
        "kernel_sha256 = \"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\"\n"
        "ramdisk_sha256 = "
        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"\n"
        "on_exit = \"restart\"\n");
    assert_string_equal(cfg.name, "web-1.a_b");
    assert_string_equal(cfg.kernel, "/k/web.elf");
    assert_string_equal(cfg.ramdisk, "web.cpio");
    assert_string_equal(cfg.cmdline, "console=hvc0 quiet");
    assert_int_equal(cfg.memory_mib, 128);
    assert_int_equal(cfg.maxmem_mib, 256);
    assert_int_equal(cfg.vcpus, 4);
    assert_int_equal(cfg.domid, 0x7fef);
    assert_int_equal(cfg.nr_iomem, 3);
    assert_int_equal(cfg.iomem[0].start_mfn, 0xfe000);
    assert_int_equal(cfg.iomem[0].nr_pages, 2);
    assert_int_equal(cfg.iomem[0].gfn, 0x1000);
    assert_int_equal(cfg.iomem[1].start_mfn, 0xfeb00);
    assert_int_equal(cfg.iomem[1].nr_pages, 1);
    assert_int_equal(cfg.iomem[1].gfn, 0xfeb00);
    assert_int_equal(cfg.iomem[2].nr_pages, 0x10);
    assert_int_equal(cfg.nr_ioports, 2);
    assert_int_equal(cfg.ioports[0].first, 0x3f8);
    assert_int_equal(cfg.ioports[0].last, 0x3ff);
    assert_int_equal(cfg.ioports[1].first, 0x80);
    assert_int_equal(cfg.ioports[1].last, 0x80);
    assert_int_equal(cfg.nr_irqs, 2);
    assert_int_equal(cfg.irqs[0], 4);
    assert_int_equal(cfg.irqs[1], 16);
    assert_true(cfg.has_kernel_sha256);
    assert_int_equal(cfg.kernel_sha256[0], 0xba);
    assert_int_equal(cfg.kernel_sha256[31], 0xad);
    assert_true(cfg.has_ramdisk_sha256);
    assert_int_equal(cfg.ramdisk_sha256[0], 0xe3);
    assert_int_equal(cfg.on_exit, VM_ON_EXIT_RESTART);
}

static void config_string_escapes(void **state)
{
    parse_ok(BASE "extra = \"a\\\"b\\\\c\\'d\\te\\x41\\101\\n\"\n");
    assert_string_equal(cfg.cmdline, "a\"b\\c'd\teAA\n");
    parse_ok(BASE "cmdline = 'it\\'s \"x\"'\n");
    assert_string_equal(cfg.cmdline, "it's \"x\"");
}

static void config_empty_lists_and_crlf(void **state)
{
    parse_ok("name = \"a\"\r\nkernel = \"k\"\r\nmemory = 1\r\nirqs = []\r\niomem = [\r\n]\r\n");
    assert_int_equal(cfg.nr_irqs, 0);
    assert_int_equal(cfg.nr_iomem, 0);
}

static void config_cmdline_limits(void **state)
{
    char text[1200];

    memset(text, 0, sizeof(text));
    strcpy(text, BASE "cmdline = \"");
    memset(text + strlen(text), 'x', 1023);
    strcat(text, "\"\n");
    parse_ok(text);
    assert_int_equal(strlen(cfg.cmdline), 1023);

    strcpy(text, BASE "cmdline = \"");
    memset(text + strlen(text), 'x', 1024);
    strcat(text, "\"\n");
    parse_fails(text, "web.cfg:4: cmdline is longer than 1023 bytes");
}

static void config_bad_memory(void **state)
{
    parse_fails("name = \"web\"\nkernel = \"k\"\n\n\n\n\nmemory = 0\n",
                "web.cfg:7: memory must be a positive number of MiB, at most 1048576");
    parse_fails("memory = \"128\"\n",
                "web.cfg:1: memory must be a positive number of MiB, at most 1048576");
    parse_fails("memory = -5\n",
                "web.cfg:1: memory must be a positive number of MiB, at most 1048576");
    parse_fails("memory = 1048577\n",
                "web.cfg:1: memory must be a positive number of MiB, at most 1048576");
    parse_fails("memory = 12abc\n", "web.cfg:1: memory: '12a' is not a number");
    parse_fails("memory = 99999999999999999999999\n", "web.cfg:1: memory: number is too large");
    parse_fails("memory = 0x\n", "web.cfg:1: memory: '0x' without hex digits");
}

static void config_maxmem_below_memory(void **state)
{
    parse_fails(BASE "maxmem = 64\n", "web.cfg:4: maxmem (64 MiB) is less than memory (128 MiB)");
}

static void config_missing_required(void **state)
{
    parse_fails("kernel = \"k\"\nmemory = 1\n", "web.cfg: name is not set");
    parse_fails("name = \"a\"\nmemory = 1\n", "web.cfg: kernel is not set");
    parse_fails("name = \"a\"\nkernel = \"k\"\n", "web.cfg: memory is not set");
    parse_fails("", "web.cfg: name is not set");
}

static void config_unknown_key(void **state)
{
    parse_fails(BASE "colour = \"blue\"\n", "web.cfg:4: unknown key 'colour'");
    parse_fails(BASE "pci = [ \"01:00.0\" ]\n", "web.cfg:4: xl key 'pci' is not supported by domB");
}

static void config_duplicate_key(void **state)
{
    parse_fails(BASE "\nmemory = 64\n", "web.cfg:5: memory is set twice (first on line 3)");
}

static void config_cmdline_and_extra(void **state)
{
    parse_fails(BASE "cmdline = \"a\"\nextra = \"b\"\n",
                "web.cfg:5: cmdline and extra are the same setting; give only one (cmdline is "
                "on line 4)");
}

static void config_bad_names(void **state)
{
    parse_fails("name = \"web server\"\n",
                "web.cfg:1: name may only hold letters, digits, '_', '.' and '-'");
    parse_fails("name = \"\"\n", "web.cfg:1: name must not be empty");
    parse_fails("name = \"0123456789012345678901234567890123456789012345678901234567890123\"\n",
                "web.cfg:1: name is longer than 63 bytes");
    parse_fails("name = web\n", "web.cfg:1: name must be a quoted string");
}

static void config_bad_strings(void **state)
{
    parse_fails("name = \"web\n", "web.cfg:1: string is not closed before the end of the line");
    parse_fails("name = \"web", "web.cfg:1: string is not closed before the end of the line");
    parse_fails("cmdline = \"a\\qb\"\n", "web.cfg:1: unknown escape '\\q' in a string");
    parse_fails("cmdline = \"a\\x4\"\n",
                "web.cfg:1: \\x in a string must be followed by two hex digits");
    parse_fails("cmdline = \"a\\0b\"\n", "web.cfg:1: a string must not hold a NUL byte");
    parse_fails("cmdline = \"\\777\"\n", "web.cfg:1: octal escape in a string is above \\377");
    parse_fails("kernel = \"\"\n", "web.cfg:1: kernel must not be empty");
}

static void config_bad_syntax(void **state)
{
    parse_fails("memory 128\n", "web.cfg:1: expected '=' after memory");
    parse_fails("memory =\n", "web.cfg:1: memory has no value");
    parse_fails("memory = 128 256\n", "web.cfg:1: unexpected '2' after the value of memory");
    parse_fails("= 5\n", "web.cfg:1: expected a key, found '='");
    parse_fails("memory += 5\n", "web.cfg:1: '+=' is not supported; set memory once with '='");
    parse_fails("\n\n\x01\n", "web.cfg:3: expected a key, found byte 0x01");
}

static void config_nul_byte(void **state)
{
    struct domb_error err;
    static const char text[] = "name = \"a\"\0";

    assert_int_equal(config_parse(text, sizeof(text), "web.cfg", &cfg, NULL, &err), -XEN_EINVAL);
    assert_string_equal(err.msg, "web.cfg: file holds a NUL byte; is it a text file?");
}

static void config_bad_lists(void **state)
{
    parse_fails("irqs = 5\n", "web.cfg:1: irqs must be a list like [ 5, 7, ... ]");
    parse_fails("irqs = [ 1 2 ]\n",
                "web.cfg:1: expected ',' or ']' in the list of irqs, found '2'");
    parse_fails("irqs = [ 1,\n 2,\n", "web.cfg:3: list of irqs is not closed with ']'");
    parse_fails("irqs = [ 1,, 2 ]\n", "web.cfg:1: empty item in the list of irqs");
    parse_fails("irqs = [ \"5\" ]\n", "web.cfg:1: irqs entries must be numbers");
    parse_fails("irqs = [ 65536 ]\n", "web.cfg:1: irq 65536 is above 65535");
}

static void config_too_many_irqs(void **state)
{
    char text[512] = BASE "irqs = [";

    for (int i = 0; i < 33; i++)
        sprintf(text + strlen(text), "%d,", i);
    strcat(text, "]\n");
    parse_fails(text, "web.cfg:4: more than 32 irqs");
}

static void config_bad_iomem(void **state)
{
    parse_fails("iomem = [ \"fe000,\" ]\n",
                "web.cfg:1: iomem entry \"fe000,\" is not START[,NUM[@GFN]] in hex");
    parse_fails("iomem = [ \"xyz\" ]\n",
                "web.cfg:1: iomem entry \"xyz\" is not START[,NUM[@GFN]] in hex");
    parse_fails("iomem = [ \"fe000,0\" ]\n", "web.cfg:1: iomem range must cover at least one page");
    parse_fails("iomem = [ \"ffffffffff,2\" ]\n",
                "web.cfg:1: iomem range 0xffffffffff+0x2 is beyond 2^40 frames");
    parse_fails("iomem = [ \"1,2@ffffffffff\" ]\n",
                "web.cfg:1: iomem guest frame 0xffffffffff+0x2 is beyond 2^40 frames");
    parse_fails("iomem = [ \"11111111111111111\" ]\n",
                "web.cfg:1: iomem entry \"11111111111111111\" is not START[,NUM[@GFN]] in hex");
    parse_fails("iomem = [ 5 ]\n", "web.cfg:1: iomem entries must be strings like \"fe000,2\"");
    parse_fails("iomem = \"fe000\"\n", "web.cfg:1: iomem must be a list like [ \"fe000,2\", ... ]");
}

static void config_bad_ioports(void **state)
{
    parse_fails("ioports = [ \"3ff-3f8\" ]\n",
                "web.cfg:1: ioport range 0x3ff-0x3f8 ends before it starts");
    parse_fails("ioports = [ \"10000\" ]\n", "web.cfg:1: ioports entry \"10000\" is above 0xffff");
    parse_fails("ioports = [ 0x3f8 ]\n",
                "web.cfg:1: ioports entries must be strings like \"3f8-3ff\"");
    parse_fails("ioports = [ \"3f8-\" ]\n",
                "web.cfg:1: ioports entry \"3f8-\" is not START[-END] in hex");
}

static void config_bad_vcpus_domid(void **state)
{
    parse_fails("vcpus = 0\n", "web.cfg:1: vcpus must be a number from 1 to 64");
    parse_fails("vcpus = 65\n", "web.cfg:1: vcpus must be a number from 1 to 64");
    parse_fails("domid = 0\n", "web.cfg:1: domid must be a number from 1 to 0x7fef");
    parse_fails("domid = 0x7ff0\n", "web.cfg:1: domid must be a number from 1 to 0x7fef");
}

static void config_bad_sha256(void **state)
{
    parse_fails("kernel_sha256 = \"abc\"\n", "web.cfg:1: kernel_sha256 must be 64 hex digits");
    parse_fails("kernel_sha256 = "
                "\"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"\n",
                "web.cfg:1: kernel_sha256 must be 64 hex digits");
    parse_fails(BASE "\nramdisk_sha256 = "
                     "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"\n",
                "web.cfg:5: ramdisk_sha256 is given but ramdisk is not");
}

static void config_bad_type_on_exit(void **state)
{
    parse_fails("type = \"hvm\"\n",
                "web.cfg:1: HVM guests are not supported: they need a device model (QEMU), which "
                "domB does not run; type = \"pvh\" is the alternative");
    parse_fails("on_exit = \"coredump\"\n",
                "web.cfg:1: on_exit must be \"destroy\", \"preserve\" or \"restart\"");
    parse_ok(BASE "on_exit = \"preserve\"\n");
    assert_int_equal(cfg.on_exit, VM_ON_EXIT_PRESERVE);
}

static void config_type(void **state)
{
    parse_ok(BASE);
    assert_int_equal(cfg.type, VM_TYPE_PV);
    parse_ok(BASE "type = \"pv\"\n");
    assert_int_equal(cfg.type, VM_TYPE_PV);
    parse_ok(BASE "type = \"pvh\"\n");
    assert_int_equal(cfg.type, VM_TYPE_PVH);
    parse_ok("type = 'pvh'\n" BASE "cmdline = \"console=hvc0\"\nvcpus = 2\nmaxmem = 256\n"
             "db_client = 1\non_exit = \"restart\"\n");
    assert_int_equal(cfg.type, VM_TYPE_PVH);
    assert_int_equal(cfg.vcpus, 2);
    /* xl's deprecated builder key: "generic" is PV. */
    parse_ok(BASE "builder = \"generic\"\n");
    assert_int_equal(cfg.type, VM_TYPE_PV);
}

static void config_type_errors(void **state)
{
    static const char no_hvm[] = "HVM guests are not supported: they need a device model (QEMU), "
                                 "which domB does not run; type = \"pvh\" is the alternative";
    char want[200];

    snprintf(want, sizeof(want), "web.cfg:4: %s", no_hvm);
    parse_fails(BASE "type = \"hvm\"\n", want);
    parse_fails(BASE "builder = \"hvm\"\n", want);
    parse_fails(BASE "type = \"PVH\"\n",
                "web.cfg:4: type \"PVH\" is unknown; domB builds \"pv\" and \"pvh\" guests");
    parse_fails(BASE "type = \"pvhvm\"\n",
                "web.cfg:4: type \"pvhvm\" is unknown; domB builds \"pv\" and \"pvh\" guests");
    parse_fails(BASE "builder = \"linux\"\n",
                "web.cfg:4: builder \"linux\" is unknown; use type = \"pv\" or type = \"pvh\"");
    parse_fails(BASE "type = pvh\n", "web.cfg:4: type must be a quoted string");
    parse_fails(BASE "type = \"pvh\"\nbuilder = \"generic\"\n",
                "web.cfg:5: type and builder are the same setting; give only one (type is on "
                "line 4)");
    parse_fails(BASE "type = \"pv\"\ntype = \"pvh\"\n",
                "web.cfg:5: type is set twice (first on line 4)");
    parse_fails(BASE "firmware = \"ovmf\"\n",
                "web.cfg:4: xl key 'firmware' is not supported by domB");
    parse_fails(BASE "bootloader = \"pygrub\"\n",
                "web.cfg:4: xl key 'bootloader' is not supported by domB");
}

/* Device passthrough keys are PV-only; reported at the key's own line,
 * whether type comes before or after it. */
static void config_pvh_rejects_devices(void **state)
{
    parse_fails(BASE "type = \"pvh\"\nirqs = [ 4 ]\n",
                "web.cfg:5: irqs does not apply to a PVH guest (type = \"pvh\" on line 4): domB "
                "passes devices through to PV guests only");
    parse_fails(BASE "iomem = [ \"fe000,2\" ]\n\ntype = \"pvh\"\n",
                "web.cfg:4: iomem does not apply to a PVH guest (type = \"pvh\" on line 6): domB "
                "passes devices through to PV guests only");
    parse_fails(BASE "ioports = [ \"3f8-3ff\" ]\ntype = \"pvh\"\n",
                "web.cfg:4: ioports does not apply to a PVH guest (type = \"pvh\" on line 5): "
                "domB passes devices through to PV guests only");
    /* Even an empty list: the key has no meaning for PVH. */
    parse_fails(BASE "type = \"pvh\"\nirqs = []\n",
                "web.cfg:5: irqs does not apply to a PVH guest (type = \"pvh\" on line 4): domB "
                "passes devices through to PV guests only");
    /* The same keys are fine for PV. */
    parse_ok(BASE "type = \"pv\"\nirqs = [ 4 ]\niomem = [ \"fe000\" ]\nioports = [ \"80\" ]\n");
    assert_int_equal(cfg.nr_irqs + cfg.nr_iomem + cfg.nr_ioports, 3);
}

static void config_grant_limits(void **state)
{
    parse_ok(BASE);
    assert_false(cfg.has_max_grant_frames);
    assert_false(cfg.has_max_maptrack_frames);
    assert_int_equal(cfg.max_grant_frames + cfg.max_maptrack_frames + cfg.max_grant_version, 0);
    parse_ok(BASE "max_grant_frames = 32\nmax_maptrack_frames = 1\nmax_grant_version = 1\n"
                  "type = \"pvh\"\n");
    assert_true(cfg.has_max_grant_frames);
    assert_int_equal(cfg.max_grant_frames, 32);
    assert_true(cfg.has_max_maptrack_frames);
    assert_int_equal(cfg.max_maptrack_frames, 1);
    assert_int_equal(cfg.max_grant_version, 1);
    parse_ok(BASE
             "max_grant_frames = 0xffff\nmax_maptrack_frames = 65535\nmax_grant_version = 2\n");
    assert_int_equal(cfg.max_grant_frames, 65535);
    assert_int_equal(cfg.max_maptrack_frames, 65535);
    assert_int_equal(cfg.max_grant_version, 2);
    parse_fails(BASE "max_grant_frames = 0\n",
                "web.cfg:4: max_grant_frames must be a number from 1 to 65535");
    parse_fails(BASE "max_grant_frames = 65536\n",
                "web.cfg:4: max_grant_frames must be a number from 1 to 65535");
    parse_fails(BASE "max_grant_frames = \"64\"\n",
                "web.cfg:4: max_grant_frames must be a number from 1 to 65535");
    parse_fails(BASE "max_maptrack_frames = 65536\n",
                "web.cfg:4: max_maptrack_frames must be a number from 1 to 65535");
    parse_fails(BASE "max_maptrack_frames = 0\n",
                "web.cfg:4: max_maptrack_frames must be a number from 1 to 65535");
    parse_fails(BASE "max_grant_version = 0\n", "web.cfg:4: max_grant_version must be 1 or 2");
    parse_fails(BASE "max_grant_version = 3\n", "web.cfg:4: max_grant_version must be 1 or 2");
    parse_fails(BASE "max_grant_frames = 8\nmax_grant_frames = 9\n",
                "web.cfg:5: max_grant_frames is set twice (first on line 4)");
}

static void config_db_client(void **state)
{
    parse_ok(BASE);
    assert_false(cfg.db_client);
    assert_int_equal(cfg.db_max_vms + cfg.db_max_memory_mib, 0);
    parse_ok(BASE "db_client = 1\n");
    assert_true(cfg.db_client);
    assert_int_equal(cfg.db_max_vms, VM_DB_DEFAULT_MAX_VMS);
    assert_int_equal(cfg.db_max_memory_mib, VM_DB_DEFAULT_MAX_MEMORY_MIB);
    parse_ok(BASE "db_client = 1\ndb_client_max_vms = 3\ndb_client_max_memory = 256\n");
    assert_int_equal(cfg.db_max_vms, 3);
    assert_int_equal(cfg.db_max_memory_mib, 256);
    parse_fails(BASE "db_client = 2\n", "web.cfg:4: db_client must be 0 or 1");
    parse_fails(BASE "db_client = 1\ndb_client_max_vms = 65\n",
                "web.cfg:5: db_client_max_vms must be a number from 1 to 64");
    parse_fails(BASE "db_client_max_memory = 64\n",
                "web.cfg:4: db_client_max_vms/db_client_max_memory need db_client = 1");
}

static void config_semicolons_and_comments(void **state)
{
    parse_ok("name=\"a\";kernel=\"k\";memory=2;# all on one line\n;;\n# end");
    assert_string_equal(cfg.name, "a");
    assert_int_equal(cfg.memory_mib, 2);
}

static void config_not_nul_terminated(void **state)
{
    /* The parser must stop at len even when the buffer continues. */
    static const char text[] = BASE "memory = 5";
    struct domb_error err;

    assert_int_equal(config_parse(text, strlen(BASE), "web.cfg", &cfg, NULL, &err), 0);
    assert_int_equal(cfg.memory_mib, 128);
}

int main(int argc, char **argv);
/* One case per line: the build registers each line's case with ctest. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(config_minimal_defaults),
    cmocka_unit_test(config_full_file),
    cmocka_unit_test(config_string_escapes),
    cmocka_unit_test(config_empty_lists_and_crlf),
    cmocka_unit_test(config_cmdline_limits),
    cmocka_unit_test(config_bad_memory),
    cmocka_unit_test(config_maxmem_below_memory),
    cmocka_unit_test(config_missing_required),
    cmocka_unit_test(config_unknown_key),
    cmocka_unit_test(config_duplicate_key),
    cmocka_unit_test(config_cmdline_and_extra),
    cmocka_unit_test(config_bad_names),
    cmocka_unit_test(config_bad_strings),
    cmocka_unit_test(config_bad_syntax),
    cmocka_unit_test(config_nul_byte),
    cmocka_unit_test(config_bad_lists),
    cmocka_unit_test(config_too_many_irqs),
    cmocka_unit_test(config_bad_iomem),
    cmocka_unit_test(config_bad_ioports),
    cmocka_unit_test(config_bad_vcpus_domid),
    cmocka_unit_test(config_bad_sha256),
    cmocka_unit_test(config_bad_type_on_exit),
    cmocka_unit_test(config_type),
    cmocka_unit_test(config_type_errors),
    cmocka_unit_test(config_pvh_rejects_devices),
    cmocka_unit_test(config_grant_limits),
    cmocka_unit_test(config_db_client),
    cmocka_unit_test(config_semicolons_and_comments),
    cmocka_unit_test(config_not_nul_terminated),
};
/* clang-format on */
DOMB_TEST_MAIN(tests)
