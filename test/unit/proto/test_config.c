/* The xl-style VM configuration parser: good files and exact error messages. */
#include "domb_test.h"

#include <domb/errno.h>
#include <proto/config.h>
#include <stdio.h>
#include <string.h>

#define BASE   "name = \"web\"\nkernel = \"web.elf\"\nmemory = 128\n"
#define NO_HVM "HVM guests need a device model (QEMU), which domB does not run: use type = \"pvh\""
#define FORMS  "decimal, 0x hex, or octal with a leading 0, as xl reads numbers"
#define BOOT   "domB loads the kernel itself: give kernel (GRUB's Xen image can be one)"

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
    /* xl's defaults: destroy, except a reboot restarts (on_reboot = "restart"). */
    assert_int_equal(cfg.on_reason_set, 1u << VM_REASON_REBOOT);
    assert_int_equal(cfg.on_reason[VM_REASON_REBOOT], VM_ON_EXIT_RESTART);
    assert_int_equal(cfg.max_vcpus, 0);
    assert_false(cfg.has_uuid);
    assert_false(cfg.has_cpus);
    assert_false(cfg.has_cpus_soft);
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
    parse_ok(BASE "extra = \"a\\\"b\\\\c\\'d\\te\\n\\a\\b\\f\\r\\v\"\n");
    assert_string_equal(cfg.cmdline, "a\"b\\c'd\te\n\a\b\f\r\v");
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
    parse_fails(text, "web.cfg:4: cmdline is longer than 1023 bytes: shorten it");
}

static void config_bad_memory(void **state)
{
    parse_fails("name = \"web\"\nkernel = \"k\"\n\n\n\n\nmemory = 0\n",
                "web.cfg:7: memory must be a positive number of MiB, at most 1048576");
    parse_fails("memory = [ 128 ]\n",
                "web.cfg:1: memory must be a positive number of MiB, at most 1048576");
    parse_fails("memory = -5\n",
                "web.cfg:1: memory must be a positive number of MiB, at most 1048576");
    parse_fails("memory = 1048577\n",
                "web.cfg:1: memory must be a positive number of MiB, at most 1048576");
    parse_fails("memory = 12abc\n", "web.cfg:1: memory: '12abc' is not a number (" FORMS ")");
    parse_fails("memory = 99999999999999999999999\n",
                "web.cfg:1: memory: 99999999999999999999999 is too large");
    parse_fails("memory = 0x\n", "web.cfg:1: memory: '0x' has no hex digits after 0x");
}

static void config_maxmem_below_memory(void **state)
{
    parse_fails(BASE "maxmem = 64\n",
                "web.cfg:4: maxmem (64 MiB) is less than memory (128 MiB): give maxmem >= "
                "memory, or leave it out");
}

static void config_missing_required(void **state)
{
    parse_fails("kernel = \"k\"\nmemory = 1\n", "web.cfg: name is not set: add name = \"NAME\"");
    parse_fails("name = \"a\"\nmemory = 1\n", "web.cfg: kernel is not set: add kernel = \"PATH\"");
    /* libxl's defaults: memory is maxmem, or 32 MiB */
    parse_ok("name = \"a\"\nkernel = \"k\"\n");
    assert_int_equal(cfg.memory_mib, 32);
    assert_int_equal(cfg.maxmem_mib, 32);
    parse_ok("name = \"a\"\nkernel = \"k\"\nmaxmem = 64\n");
    assert_int_equal(cfg.memory_mib, 64);
    parse_fails("", "web.cfg: name is not set: add name = \"NAME\"");
}

static void config_unknown_key(void **state)
{
    parse_fails(BASE "colour = \"blue\"\n", "web.cfg:4: unknown key 'colour': neither xl nor "
                                            "domB has it (docs/config.md lists the keys)");
    /* A typo names the key it is closest to. */
    parse_fails(BASE "memroy = 64\n", "web.cfg:4: unknown key 'memroy': did you mean 'memory'?");
    parse_fails(BASE "vpcus = 2\n", "web.cfg:4: unknown key 'vpcus': did you mean 'vcpus'?");
    parse_fails(BASE "on_crsh = \"destroy\"\n",
                "web.cfg:4: unknown key 'on_crsh': did you mean 'on_crash'?");
    parse_fails(BASE "kernel_sha265 = \"\"\n",
                "web.cfg:4: unknown key 'kernel_sha265': did you mean 'kernel_sha256'?");
    /* xl keys domB does not implement: the reason and the fix. */
    parse_fails(BASE "pci = [ \"01:00.0\" ]\n",
                "web.cfg:4: xl key 'pci' is not supported by domB: domB passes no PCI device "
                "through (iomem, ioports, irqs do): remove it");
    parse_fails(BASE "vnc = 1\n", "web.cfg:4: xl key 'vnc' is not supported by domB: it needs a "
                                  "device model (QEMU), which domB does not run: remove it");
    parse_fails(BASE "cpu_weight = 512\n",
                "web.cfg:4: xl key 'cpu_weight' is not supported by domB: domB leaves scheduler "
                "parameters at Xen's defaults: remove it");
    parse_fails(BASE "gic_version = \"v3\"\n",
                "web.cfg:4: xl key 'gic_version' is not supported by domB: it is for Arm guests, "
                "and domB builds x86 guests: remove it");
}

static void config_duplicate_key(void **state)
{
    parse_fails(BASE "\nmemory = 64\n", "web.cfg:5: memory is set twice (first on line 3): remove "
                                        "one (xl would keep the last without a word)");
    parse_fails(BASE "ramdisk = \"a\"\nramdisk = \"b\"\n",
                "web.cfg:5: ramdisk is set twice (first on line 4): remove one, or add to it with "
                "'+='");
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
                "web.cfg:1: name is longer than 63 bytes: shorten it");
    parse_fails("name = web\n", "web.cfg:1: name must be a quoted string: write name = \"web\"");
    parse_fails("name = [ \"web\" ]\n",
                "web.cfg:1: name must be a quoted string, as name = \"...\"");
}

static void config_bad_strings(void **state)
{
    parse_fails("name = \"web\n", "web.cfg:1: name: the string is not closed before the end of "
                                  "the line: end it with \" (a string cannot span lines)");
    parse_fails("name = 'web", "web.cfg:1: name: the string is not closed before the end of the "
                               "line: end it with ' (a string cannot span lines)");
    /* xl's dequote refuses an unknown escape too. */
    parse_fails("cmdline = \"a\\qb\"\n",
                "web.cfg:1: cmdline: unknown escape '\\q' (xl refuses it too): write \\\\ for "
                "a backslash");
    /* Xen 4.17's xl refuses every \x escape and drops octal ones: domB refuses both. */
    parse_fails("cmdline = \"a\\x41\"\n", "web.cfg:1: cmdline: \\x escapes are not supported "
                                          "(xl refuses them too): write the character itself");
    parse_fails("cmdline = \"a\\101b\"\n",
                "web.cfg:1: cmdline: octal escapes such as \\1 are not supported (xl drops them "
                "without a word): write the character itself");
    parse_fails("cmdline = \"a\\0b\"\n",
                "web.cfg:1: cmdline: octal escapes such as \\0 are not supported (xl drops them "
                "without a word): write the character itself");
    parse_fails("kernel = \"\"\n", "web.cfg:1: kernel must not be empty");
}

static void config_bad_syntax(void **state)
{
    parse_fails("memory 128\n", "web.cfg:1: expected '=' after memory: write memory = VALUE");
    parse_fails("memory =\n", "web.cfg:1: memory has no value: write memory = VALUE");
    parse_fails("memory = 128 256\n", "web.cfg:1: unexpected '2' after the value of memory: end "
                                      "the statement with a new line or ';'");
    parse_fails("= 5\n", "web.cfg:1: expected a key, found '=': a statement is KEY = VALUE");
    parse_fails("\n\n\x01\n",
                "web.cfg:3: expected a key, found byte 0x01: a statement is KEY = VALUE");
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
                "web.cfg:1: expected ',' or ']' in the list of irqs, found '2': separate items "
                "with ','");
    parse_fails("irqs = [ 1,\n 2,\n",
                "web.cfg:3: list of irqs is not closed with ']': end it with ']'");
    parse_fails("irqs = [ 1,, 2 ]\n",
                "web.cfg:1: empty item in the list of irqs: remove the extra ','");
    parse_fails("irqs = [ [ 5 ] ]\n",
                "web.cfg:1: irqs entries must be numbers, as irqs = [ 5, 7 ]");
    parse_fails("irqs = [ \"five\" ]\n", "web.cfg:1: irqs: \"five\" is not a number (" FORMS ")");
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
    parse_fails("iomem = [ [ 5 ] ]\n", "web.cfg:1: iomem entries must be strings like \"fe000,2\"");
    parse_fails("iomem = \"fe000\"\n", "web.cfg:1: iomem must be a list like [ \"fe000,2\", ... ]");
}

static void config_bad_ioports(void **state)
{
    parse_fails("ioports = [ \"3ff-3f8\" ]\n",
                "web.cfg:1: ioport range 0x3ff-0x3f8 ends before it starts");
    parse_fails("ioports = [ \"10000\" ]\n", "web.cfg:1: ioports entry \"10000\" is above 0xffff");
    parse_fails("ioports = [ [ \"3f8\" ] ]\n",
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
                "web.cfg:5: ramdisk_sha256 is given but ramdisk is not: add ramdisk = \"PATH\" or "
                "remove it");
}

/* A long path loses its head, never the message (CI's build directory is
 * deeper than a developer's, and the HVM message was cut there). */
static void config_long_path_keeps_message(void **state)
{
    static const char text[] = "type = \"hvm\"\n";
    char path[300], want[DOMB_ERROR_MSG_MAX];
    struct domb_error err;
    size_t n;

    (void)state;
    memset(path, 'd', sizeof(path));
    memcpy(path + sizeof(path) - 12, "/win7.cfg", 10);
    assert_int_equal(config_parse(text, strlen(text), path, &cfg, NULL, &err), -XEN_EINVAL);
    n = strlen(err.msg);
    assert_true(n < sizeof(err.msg));
    snprintf(want, sizeof(want), "/win7.cfg:1: %s", NO_HVM);
    assert_true(n > strlen(want));
    assert_string_equal(err.msg + n - strlen(want), want);
    assert_memory_equal(err.msg, "...ddd", 6);
    /* A message too long to leave CONFIG_PATH_KEEP characters of the path
     * (it quotes a long value) keeps the whole path and loses its tail. */
    {
        char text2[200];

        snprintf(text2, sizeof(text2), "k%0120d = 1\n", 7);
        assert_int_equal(config_parse(text2, strlen(text2), path, &cfg, NULL, &err), -XEN_EINVAL);
        assert_memory_equal(err.msg, path, sizeof(err.msg) - 1);
    }
    /* A short path is left whole. */
    assert_int_equal(config_parse(text, strlen(text), "a/b.cfg", &cfg, NULL, &err), -XEN_EINVAL);
    snprintf(want, sizeof(want), "a/b.cfg:1: %s", NO_HVM);
    assert_string_equal(err.msg, want);
}

static void config_bad_type_on_exit(void **state)
{
    parse_fails("type = \"hvm\"\n", "web.cfg:1: " NO_HVM);
    parse_fails("on_exit = \"coredump\"\n",
                "web.cfg:1: on_exit \"coredump\" is unknown: use \"destroy\", \"restart\", "
                "\"preserve\" or \"rename-restart\"");
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
    static const char no_hvm[] = NO_HVM;
    char want[200];

    snprintf(want, sizeof(want), "web.cfg:4: %s", no_hvm);
    parse_fails(BASE "type = \"hvm\"\n", want);
    parse_fails(BASE "builder = \"hvm\"\n", want);
    parse_fails(BASE "type = \"PVH\"\n",
                "web.cfg:4: type \"PVH\" is unknown: use \"pv\" or \"pvh\"");
    parse_fails(BASE "type = \"pvhvm\"\n",
                "web.cfg:4: type \"pvhvm\" is unknown: use \"pv\" or \"pvh\"");
    parse_fails(BASE "builder = \"xen\"\n",
                "web.cfg:4: builder \"xen\" is unknown: use type = \"pv\" or type = \"pvh\"");
    /* MirageOS's .xl files: xl before 4.10 read "linux" as PV */
    parse_ok(BASE "builder = 'linux'\n");
    assert_int_equal(cfg.type, VM_TYPE_PV);
    parse_fails(BASE "type = pvh\n",
                "web.cfg:4: type must be a quoted string: write type = \"pvh\"");
    parse_fails(BASE "type = \"pvh\"\nbuilder = \"generic\"\n",
                "web.cfg:5: type and builder are the same setting; give only one (type is on "
                "line 4)");
    parse_fails(BASE "type = \"pv\"\ntype = \"pvh\"\n",
                "web.cfg:5: type is set twice (first on line 4): remove one, or add to it with "
                "'+='");
    parse_fails(BASE "firmware = \"pvgrub64\"\n",
                "web.cfg:4: xl key 'firmware' is not supported by domB: " BOOT);
    parse_fails(BASE "bootloader = \"pygrub\"\n",
                "web.cfg:4: xl key 'bootloader' is not supported by domB: " BOOT);
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
    parse_ok(BASE "max_grant_frames = \"64\"\n"); /* xl reads quoted numbers */
    assert_int_equal(cfg.max_grant_frames, 64);
    parse_fails(BASE "max_maptrack_frames = 65536\n",
                "web.cfg:4: max_maptrack_frames must be a number from 1 to 65535");
    parse_fails(BASE "max_maptrack_frames = 0\n",
                "web.cfg:4: max_maptrack_frames must be a number from 1 to 65535");
    parse_fails(BASE "max_grant_version = 0\n", "web.cfg:4: max_grant_version must be 1 or 2");
    parse_fails(BASE "max_grant_version = 3\n", "web.cfg:4: max_grant_version must be 1 or 2");
    parse_fails(BASE "max_grant_frames = 8\nmax_grant_frames = 9\n",
                "web.cfg:5: max_grant_frames is set twice (first on line 4): remove one (xl would "
                "keep the last without a word)");
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
    /* db-server as an ordinary domain, built by db-boot. */
    parse_ok(BASE "db_builder = 1\n");
    assert_true(cfg.db_builder);
    parse_ok(BASE "db_builder = 0\n");
    assert_false(cfg.db_builder);
    parse_fails(BASE "db_builder = 2\n", "web.cfg:4: db_builder must be 0 or 1");
    parse_fails(BASE "db_buildr = 1\n",
                "web.cfg:4: unknown key 'db_buildr': did you mean 'db_builder'?");
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

/*
 * Numbers as xl reads them: every atom is text, and xlu_cfg_get_long()
 * runs strtol(text, &end, 0) on it, so a quoted number is a number, 0x is
 * hex and a leading 0 is octal (libxlu_cfg.c); an unquoted NUMBER token
 * is [0-9][0-9a-fx]* (libxlu_cfg_l.l). xl's irqs use strtoul base 10.
 */
static void config_xl_numbers(void **state)
{
    parse_ok("name = \"web\"\nkernel = \"k\"\nmemory = 010\n");
    assert_int_equal(cfg.memory_mib, 8); /* octal, as xl: never a silent 10 */
    parse_ok("name = \"web\"\nkernel = \"k\"\nmemory = \"256\"\nvcpus = \"1\"\nmaxmem = '0x200'\n");
    assert_int_equal(cfg.memory_mib, 256);
    assert_int_equal(cfg.vcpus, 1);
    assert_int_equal(cfg.maxmem_mib, 512);
    parse_ok("name = \"web\"\nkernel = \"k\"\nmemory = 0X10\n"); /* xl's lexer has only 0x */
    assert_int_equal(cfg.memory_mib, 16);
    parse_ok(BASE "vcpus = 04\n");
    assert_int_equal(cfg.vcpus, 4);
    parse_fails(BASE "vcpus = 08\n",
                "web.cfg:4: vcpus: '08' has a leading 0, so xl reads it as octal (010 is 8), and "
                "8 is not an octal digit: write it without the 0");
    parse_fails(BASE "vcpus = \"09\"\n",
                "web.cfg:4: vcpus: \"09\" has a leading 0, so xl reads it as octal (010 is 8), "
                "and 9 is not an octal digit: write it without the 0");
    parse_fails(BASE "vcpus = \" 2\"\n", "web.cfg:4: vcpus: \" 2\" is not a number: write the "
                                         "digits alone, without blanks or a sign");
    parse_fails(BASE "vcpus = \"+2\"\n", "web.cfg:4: vcpus: \"+2\" is not a number: write the "
                                         "digits alone, without blanks or a sign");
    parse_fails(BASE "vcpus = \"-2\"\n", "web.cfg:4: vcpus: \"-2\" is not a number: write the "
                                         "digits alone, without blanks or a sign");
    parse_fails(BASE "vcpus = \"\"\n", "web.cfg:4: vcpus: \"\" is not a number (" FORMS ")");
    parse_fails(BASE "vcpus = \"2 \"\n", "web.cfg:4: vcpus: \"2 \" is not a number (" FORMS ")");
    parse_fails(BASE "vcpus = 1.5\n", "web.cfg:4: vcpus: '1.5' is not a number (" FORMS ")");
    parse_fails(BASE "vcpus = \"0x\"\n", "web.cfg:4: vcpus: \"0x\" has no hex digits after 0x");
    parse_fails(BASE "vcpus = 0xfg\n", "web.cfg:4: vcpus: '0xfg' is not a number (" FORMS ")");
    /* irqs: base 10 as xl's strtoul(buf, &ep, 10), items quoted or not. */
    parse_ok(BASE "irqs = [ 010, \"5\", '07', 0x10 ]\n");
    assert_int_equal(cfg.nr_irqs, 4);
    assert_int_equal(cfg.irqs[0], 10);
    assert_int_equal(cfg.irqs[1], 5);
    assert_int_equal(cfg.irqs[2], 7);
    assert_int_equal(cfg.irqs[3], 16); /* 0x: domB's (xl refuses it here) */
    /* ioports and iomem items are hex text, quoted or not, as xl's strtoul base 16. */
    parse_ok(BASE "ioports = [ 3f8, \"2f8-2ff\", 80 ]\n");
    assert_int_equal(cfg.nr_ioports, 3);
    assert_int_equal(cfg.ioports[0].first, 0x3f8);
    assert_int_equal(cfg.ioports[2].first, 0x80);
}

/* Booleans as xl reads them (xlu_cfg_get_defbool: a number, 0 false, else true). */
static void config_xl_booleans(void **state)
{
    parse_ok(BASE "driver_domain = \"0\"\nlocaltime = 0\n");
    assert_false(cfg.driver_domain);
    parse_ok(BASE "driver_domain = 0x1\nlocaltime = \"0\"\n");
    assert_true(cfg.driver_domain);
    /* domB's own db_client stays 0 or 1. */
    parse_fails(BASE "db_client = \"2\"\n", "web.cfg:4: db_client must be 0 or 1");
    parse_ok(BASE "db_client = \"1\"\n");
    assert_true(cfg.db_client);
}

/*
 * '+=' as xl (xlu__cfg_set_store): after the same key it joins strings
 * and appends lists; with no earlier value it is '='; with numbers it is
 * refused (xlu_cfg_get_long: "can't use += with numbers"); a list added
 * to a string, or the other way round, is refused.
 */
static void config_plus_equals(void **state)
{
    parse_ok(BASE "extra = \"console=hvc0\"\nextra += \" quiet\"\nextra += ' ro'\n");
    assert_string_equal(cfg.cmdline, "console=hvc0 quiet ro");
    parse_ok(BASE "cmdline += \"a\"\n");
    assert_string_equal(cfg.cmdline, "a");
    parse_ok("name = \"we\"\nname += \"b\"\nkernel = \"k\"\nmemory = 1\n");
    assert_string_equal(cfg.name, "web");
    parse_ok(BASE "irqs = [ 4 ]\nirqs += [ 5, 6 ]\nirqs += []\n");
    assert_int_equal(cfg.nr_irqs, 3);
    assert_int_equal(cfg.irqs[2], 6);
    parse_ok(BASE "iomem = [ \"fe000,2\" ]\niomem += [ \"fd000\" ]\n");
    assert_int_equal(cfg.nr_iomem, 2);
    parse_ok(BASE "vif = [ 'bridge=a' ]\nvif += [ 'bridge=b' ]\n");
    assert_int_equal(cfg.nr_devices, 2);
    assert_int_equal(cfg.devices[1].devid, 1);
    assert_string_equal(cfg.devices[1].vif.bridge, "b");
    /* Each statement's value so far is checked (xl checks only the last). */
    parse_fails(BASE "on_crash = \"pre\"\non_crash += \"serve\"\n",
                "web.cfg:4: on_crash \"pre\" is unknown: use \"destroy\", \"restart\", "
                "\"preserve\" or \"rename-restart\"");
    parse_fails(BASE "memory += 2\n", "web.cfg:4: '+=' does not work with numbers (xl refuses it "
                                      "too): set memory once with '='");
    parse_fails(BASE "vcpus += 2\n", "web.cfg:4: '+=' does not work with numbers (xl refuses it "
                                     "too): set vcpus once with '='");
    parse_fails(BASE "irqs = [ 4 ]\nirqs += 5\n",
                "web.cfg:5: '+=' adds a list to a list: write irqs += [ ... ]");
    parse_fails(BASE "extra = \"a\"\nextra += [ \"b\" ]\n",
                "web.cfg:5: extra must be a quoted string, as extra = \"...\"");
    parse_fails(BASE "extra = \"a\"\ncmdline += \"b\"\n",
                "web.cfg:5: extra and cmdline are the same setting; give only one (extra is on "
                "line 4)");
    /* The joined string is checked as a whole. */
    parse_fails(BASE "on_crash = \"preserve\"\non_crash += \"x\"\n",
                "web.cfg:5: on_crash \"preservex\" is unknown: use \"destroy\", \"restart\", "
                "\"preserve\" or \"rename-restart\"");
    {
        char text[2400];

        strcpy(text, BASE "extra = \"");
        memset(text + strlen(text), 'x', 1000);
        strcat(text, "\"\nextra += \"");
        memset(text + strlen(text), 'y', 30);
        strcat(text, "\"\n");
        parse_fails(text, "web.cfg:5: extra is longer than 1023 bytes: shorten it");
    }
}

/* xl's lifecycle keys (xl_parse.c, xl.cfg(5) "Event Actions") and on_exit. */
static void config_lifecycle(void **state)
{
    bool leave;

    parse_ok(BASE "on_crash = \"preserve\"\non_reboot = \"restart\"\non_poweroff = \"destroy\"\n");
    assert_int_equal(cfg.on_exit, VM_ON_EXIT_DESTROY);
    assert_int_equal(cfg.on_reason_set, (1u << VM_REASON_REBOOT) | (1u << VM_REASON_CRASH));
    assert_int_equal(vm_config_action(&cfg, 0, &leave), VM_ON_EXIT_DESTROY); /* poweroff */
    assert_false(leave);
    assert_int_equal(vm_config_action(&cfg, 1, &leave), VM_ON_EXIT_RESTART);  /* reboot */
    assert_int_equal(vm_config_action(&cfg, 3, &leave), VM_ON_EXIT_PRESERVE); /* crash */
    assert_int_equal(vm_config_action(&cfg, 4, &leave), VM_ON_EXIT_DESTROY);  /* watchdog */
    assert_int_equal(vm_config_action(&cfg, 5, &leave), VM_ON_EXIT_DESTROY);  /* soft reset */
    vm_config_action(&cfg, 2, &leave); /* suspend: left alone, as xl */
    assert_true(leave);
    assert_int_equal(vm_config_action(&cfg, 9, &leave), VM_ON_EXIT_DESTROY); /* unknown */
    assert_false(leave);

    parse_ok(BASE "on_watchdog = \"rename-restart\"\non_soft_reset = \"preserve\"\n");
    assert_int_equal(vm_config_action(&cfg, 4, &leave), VM_ON_EXIT_RENAME_RESTART);
    assert_int_equal(vm_config_action(&cfg, 5, &leave), VM_ON_EXIT_PRESERVE);
    assert_int_equal(vm_config_action(&cfg, 1, &leave), VM_ON_EXIT_RESTART); /* xl's default */

    /* on_exit is the base for every reason without its own key (no xl default then). */
    parse_ok(BASE "on_exit = \"preserve\"\non_crash = \"restart\"\non_poweroff = \"preserve\"\n");
    assert_int_equal(cfg.on_exit, VM_ON_EXIT_PRESERVE);
    assert_int_equal(cfg.on_reason_set, 1u << VM_REASON_CRASH); /* poweroff is the base */
    assert_int_equal(vm_config_action(&cfg, 1, &leave), VM_ON_EXIT_PRESERVE);
    parse_ok(BASE "on_exit = \"destroy\"\n");
    assert_int_equal(cfg.on_reason_set, 0); /* a reboot is destroyed too */
    parse_ok(BASE "on_reboot = \"destroy\"\n");
    assert_int_equal(cfg.on_reason_set, 0);
    parse_ok(BASE "on_exit = \"rename-restart\"\n");
    assert_int_equal(cfg.on_exit, VM_ON_EXIT_RENAME_RESTART);

    parse_fails(BASE "on_crash = \"coredump-destroy\"\n",
                "web.cfg:4: on_crash: coredump-destroy needs a file system for the core, which "
                "domB has not: use \"preserve\" or \"destroy\"");
    parse_fails(BASE "on_reboot = \"coredump-restart\"\n",
                "web.cfg:4: on_reboot: coredump-restart needs a file system for the core, which "
                "domB has not: use \"preserve\" or \"restart\"");
    parse_fails(BASE "on_soft_reset = \"soft-reset\"\n",
                "web.cfg:4: on_soft_reset: soft-reset (a reset in place, for kexec) is not "
                "supported by domB: use \"destroy\", \"restart\", \"preserve\" or "
                "\"rename-restart\"");
    parse_fails(BASE "on_poweroff = \"Destroy\"\n",
                "web.cfg:4: on_poweroff \"Destroy\" is unknown: use \"destroy\", \"restart\", "
                "\"preserve\" or \"rename-restart\"");
    parse_fails(BASE "on_crash = preserve\n",
                "web.cfg:4: on_crash must be a quoted string: write on_crash = \"preserve\"");
    parse_fails(BASE "on_crash = \"destroy\"\non_crash = \"preserve\"\n",
                "web.cfg:5: on_crash is set twice (first on line 4): remove one, or add to it "
                "with '+='");
}

static void config_uuid(void **state)
{
    char text[37];

    parse_ok(BASE "uuid = \"4DEA22B3-1d52-d8f3-2516-782e98a23fa0\"\n");
    assert_true(cfg.has_uuid);
    assert_int_equal(cfg.uuid[0], 0x4d);
    assert_int_equal(cfg.uuid[15], 0xa0);
    vm_uuid_format(cfg.uuid, text);
    assert_string_equal(text, "4dea22b3-1d52-d8f3-2516-782e98a23fa0");
    static const char *const bad[] = {
        "4dea22b3-1d52-d8f3-2516-782e98a23fa",
        "4dea22b31d52d8f32516782e98a23fa0",
        "4dea22b3-1d52-d8f3-2516-782e98a23fa00",
        "4dea22b3-1d52-d8f3-2516-782e98a23fg0",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char cfgtext[200];

        snprintf(cfgtext, sizeof(cfgtext), BASE "uuid = \"%s\"\n", bad[i]);
        parse_fails(cfgtext, "web.cfg:4: uuid must be 32 hex digits in groups of 8-4-4-4-12, as "
                             "uuid = \"4dea22b3-1d52-d8f3-2516-782e98a23fa0\"");
    }
}

/* vcpus online at start, maxvcpus in all (xl: the rest start offline). */
static void config_maxvcpus(void **state)
{
    parse_ok(BASE "vcpus = 2\nmaxvcpus = 8\n");
    assert_int_equal(cfg.vcpus, 2);
    assert_int_equal(cfg.max_vcpus, 8);
    parse_ok(BASE "maxvcpus = 4\n"); /* one online, as libxl's default avail_vcpus */
    assert_int_equal(cfg.vcpus, 1);
    assert_int_equal(cfg.max_vcpus, 4);
    parse_ok(BASE "maxvcpus = 2\nvcpus = 2\n");
    assert_int_equal(cfg.max_vcpus, 0); /* as many as online: nothing to say */
    parse_fails(BASE "vcpus = 4\nmaxvcpus = 2\n",
                "web.cfg:5: maxvcpus (2) is less than vcpus (4): give maxvcpus >= vcpus, or leave "
                "it out (xl refuses it too)");
    parse_fails(BASE "maxvcpus = 65\n", "web.cfg:4: maxvcpus must be a number from 1 to 64");
}

static bool cpu_in(const uint8_t *map, unsigned int c)
{
    return map[c / 8] & (1u << (c % 8));
}

/* xl's CPULIST (xl_parse.c parse_cpurange/update_cpumap_range). */
static void config_cpus(void **state)
{
    parse_ok(BASE "cpus = \"0-3,5,^1\"\n");
    assert_true(cfg.has_cpus);
    assert_true(cpu_in(cfg.cpus, 0) && cpu_in(cfg.cpus, 2) && cpu_in(cfg.cpus, 3));
    assert_true(cpu_in(cfg.cpus, 5));
    assert_false(cpu_in(cfg.cpus, 1) || cpu_in(cfg.cpus, 4) || cpu_in(cfg.cpus, 6));
    parse_ok(BASE "cpus = \"all,^7\"\ncpus_soft = \"2,,3\"\n");
    assert_true(cpu_in(cfg.cpus, 0) && cpu_in(cfg.cpus, 127));
    assert_false(cpu_in(cfg.cpus, 7));
    assert_true(cfg.has_cpus_soft);
    assert_true(cpu_in(cfg.cpus_soft, 2) && cpu_in(cfg.cpus_soft, 3));
    assert_false(cpu_in(cfg.cpus_soft, 0));
    parse_ok(BASE "cpus_soft = \"^1\"\n"); /* an empty soft map: Xen takes it */
    assert_true(cfg.has_cpus_soft);
    assert_false(cfg.has_cpus);
    parse_fails(BASE "cpus = \"^1\"\n", "web.cfg:4: cpus names no CPU, and Xen refuses to pin a "
                                        "vCPU to none: name at least one, as cpus = \"0-3\"");
    parse_fails(BASE "cpus = [ \"2\", \"3\" ]\n",
                "web.cfg:4: cpus: a list gives each vCPU CPUs of its own, and domB pins every "
                "vCPU alike: write one string, as cpus = \"2-3\"");
    parse_fails(BASE "cpus = \"nodes:0-1\"\n",
                "web.cfg:4: cpus: 'nodes:0-1' names NUMA nodes, and domB does not know the host's "
                "NUMA layout: name CPUs, as cpus = \"0-3\"");
    parse_fails(BASE "cpus_soft = \"1,^node:2\"\n",
                "web.cfg:4: cpus_soft: '^node:2' names NUMA nodes, and domB does not know the "
                "host's NUMA layout: name CPUs, as cpus_soft = \"0-3\"");
    parse_fails(BASE "cpus = \"^all\"\n", "web.cfg:4: cpus: '^all' leaves no CPU (xl refuses it "
                                          "too); write cpus = \"all,^3\" to leave out CPU 3");
    parse_fails(BASE "cpus = \"3-1\"\n",
                "web.cfg:4: cpus: range 3-1 ends before it starts; write 1-3");
    parse_fails(BASE "cpus = \"200\"\n",
                "web.cfg:4: cpus: CPU 200 is above 127, the highest CPU domB can pin to");
    parse_fails(BASE "cpus = \"1-x\"\n", "web.cfg:4: cpus: '1-x' is not a CPU, a range of CPUs or "
                                         "\"all\"; write it as cpus = \"0-3,5,^1\"");
    parse_fails(BASE "cpus = 2\n", "web.cfg:4: cpus must be a quoted string: write cpus = \"2\"");
}

/* xl's parse_cmdline: cmdline wins (xl warns and ignores root and extra);
 * else "root=ROOT EXTRA", "root=ROOT" or EXTRA. */
static void config_root(void **state)
{
    parse_ok(BASE "root = \"/dev/xvda1 ro\"\n");
    assert_string_equal(cfg.cmdline, "root=/dev/xvda1 ro");
    parse_ok(BASE "extra = \"console=hvc0\"\nroot = \"/dev/xvda2\"\n");
    assert_string_equal(cfg.cmdline, "root=/dev/xvda2 console=hvc0");
    parse_fails(BASE "cmdline = \"quiet\"\nroot = \"/dev/xvda1\"\n",
                "web.cfg:5: root and cmdline: xl ignores root when cmdline is given (cmdline is "
                "on line 4): put root=/dev/xvda1 into cmdline");
    parse_fails(BASE "root = \"\"\n", "web.cfg:4: root must not be empty");
    {
        char text[1400];

        strcpy(text, BASE "root = \"/dev/xvda1\"\nextra = \"");
        memset(text + strlen(text), 'x', 1010);
        strcat(text, "\"\n");
        parse_fails(text, "web.cfg:4: root=/dev/xvda1 and extra make a command line longer than "
                          "1023 bytes: shorten them");
    }
}

static void config_localtime_pool(void **state)
{
    parse_ok(BASE "localtime = 0\npool = \"Pool-0\"\n");
    parse_fails(BASE "localtime = 1\n", "web.cfg:4: localtime = 1 asks for the host's local time, "
                                        "but domB knows no time zone: remove it (guests get UTC)");
    parse_fails(BASE "pool = \"web\"\n",
                "web.cfg:4: pool \"web\": domB creates no CPU pools, and every guest runs in "
                "Pool-0 (all CPUs): remove pool, or write pool = \"Pool-0\"");
}

/*
 * An HVM guest gets one answer, wherever the file says so and whatever
 * else in it domB would refuse first: type = "hvm", builder = "hvm", or a
 * key only HVM guests have (xl.cfg(5)'s HVM options).
 */
static void config_hvm_once(void **state)
{
    char want[300];

    snprintf(want, sizeof(want), "web.cfg:6: %s", NO_HVM);
    parse_fails(BASE "vif = [ 'type=ioemu, bridge=xenbr0' ]\nmemroy = 5\nbuilder = 'hvm'\n", want);
    parse_fails(BASE "disk = [ 'file:/x.img,hda,w' ]\n\ntype=\"hvm\"; boot = \"c\"\n", want);
    snprintf(want, sizeof(want), "web.cfg:4: boot is an HVM key, and %s", NO_HVM);
    parse_fails(BASE "boot = \"dc\"\nvnc = 1\nserial = 'pty'\n", want);
    snprintf(want, sizeof(want), "web.cfg:5: serial is an HVM key, and %s", NO_HVM);
    parse_fails(BASE "vnc = 1\nserial = 'pty'\n", want);
    /* Words inside strings, comments and lists are not keys. */
    parse_ok(BASE "extra = \"boot=1 type = 'hvm'\" # boot = 1\nirqs = [\n 4 ]\n");
    parse_ok(BASE "# type = \"hvm\"\n");
}

int main(int argc, char **argv);
/* One case per line: the build registers each line's case with ctest. */
/* clang-format off */
/* xl's seclabel and init_seclabel: FLASK labels, shape-checked. */
static void config_seclabel(void **state)
{
    char text[256];

    parse_ok(BASE);
    assert_string_equal(cfg.seclabel, "");
    assert_string_equal(cfg.init_seclabel, "");
    parse_ok(BASE "seclabel = \"system_u:system_r:domU_t\"\n");
    assert_string_equal(cfg.seclabel, "system_u:system_r:domU_t");
    assert_string_equal(cfg.init_seclabel, "");
    parse_ok(BASE "init_seclabel = 'system_u:system_r:nomigrate_t_building'\n"
                  "seclabel = \"system_u:system_r:nomigrate_t\"\n");
    assert_string_equal(cfg.seclabel, "system_u:system_r:nomigrate_t");
    assert_string_equal(cfg.init_seclabel, "system_u:system_r:nomigrate_t_building");
    parse_fails(BASE "init_seclabel = \"system_u:system_r:nomigrate_t_building\"\n",
                "web.cfg:4: init_seclabel is given but seclabel is not: give the label the "
                "domain runs with too");
    parse_fails(BASE "seclabel = \"system_u:system_r\"\n",
                "web.cfg:4: seclabel 'system_u:system_r' is not a FLASK label user:role:type "
                "(2 fields)");
    parse_fails(BASE "seclabel = \"system_u:system_r:domU_t:s0\"\n",
                "web.cfg:4: seclabel 'system_u:system_r:domU_t:s0' is not a FLASK label "
                "user:role:type (4 fields)");
    parse_fails(BASE "seclabel = \"system_u::domU_t\"\n",
                "web.cfg:4: seclabel 'system_u::domU_t' is not a FLASK label user:role:type (an "
                "empty field)");
    parse_fails(BASE "seclabel = \"\"\n",
                "web.cfg:4: seclabel '' is not a FLASK label user:role:type (an empty field)");
    parse_fails(BASE "init_seclabel = \"system_u:system_r:dom U\"\n",
                "web.cfg:4: init_seclabel 'system_u:system_r:dom U' has a character other than "
                "[A-Za-z0-9_:] at 22");
    parse_fails(BASE "seclabel = 1\n",
                "web.cfg:4: seclabel must be a quoted string: write seclabel = \"1\"");
    snprintf(text, sizeof(text), BASE "seclabel = \"system_u:system_r:%s\"\n",
             "a123456789012345678901234567890123456789012345");
    parse_fails(text, "web.cfg:4: seclabel is longer than 63 bytes: shorten it");
}

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
    cmocka_unit_test(config_long_path_keeps_message),
    cmocka_unit_test(config_type),
    cmocka_unit_test(config_type_errors),
    cmocka_unit_test(config_pvh_rejects_devices),
    cmocka_unit_test(config_grant_limits),
    cmocka_unit_test(config_db_client),
    cmocka_unit_test(config_semicolons_and_comments),
    cmocka_unit_test(config_not_nul_terminated),
    cmocka_unit_test(config_xl_numbers),
    cmocka_unit_test(config_xl_booleans),
    cmocka_unit_test(config_plus_equals),
    cmocka_unit_test(config_lifecycle),
    cmocka_unit_test(config_uuid),
    cmocka_unit_test(config_seclabel),
    cmocka_unit_test(config_maxvcpus),
    cmocka_unit_test(config_cpus),
    cmocka_unit_test(config_root),
    cmocka_unit_test(config_localtime_pool),
    cmocka_unit_test(config_hvm_once),
};
/* clang-format on */
DOMB_TEST_MAIN(tests)
