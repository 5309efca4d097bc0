/* The operator shell and the serial input routing, against the simulated serial line. */
#include "domb_test.h"

#include "dom0_fixture.h"

#include <dom0/shell.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELAY MANIFEST_FLAG_CONSOLE_RELAY

static struct dfx *f;
static struct dfx_bootset *b;
static struct shell sh;

/* ---- the guests' side ---- */

/* What a test guest does beyond the fixture's script. */
struct behaviour {
    const char *name;
    bool reads_input;      /* takes its console input and answers "got: ..." */
    bool honours_shutdown; /* watches control/shutdown, clears it and does it */
    unsigned long took;    /* bytes of input it took */
    char last_request[16]; /* the last control/shutdown value it saw */
};

static struct behaviour guests[8];
static unsigned int nr_guests;

static struct behaviour *behave(const char *name, bool reads, bool honours)
{
    struct behaviour *g = &guests[nr_guests++];

    assert_true(nr_guests <= 8);
    *g = (struct behaviour){.name = name, .reads_input = reads, .honours_shutdown = honours};
    return g;
}

static struct behaviour *behaviour_of(const struct vm *vm)
{
    for (unsigned int i = 0; i < nr_guests; i++)
        if (strcmp(guests[i].name, vm->name) == 0)
            return &guests[i];
    return NULL;
}

static void guest_take_input(struct vm *vm, struct behaviour *g)
{
    struct xencons_interface *r = dfx_console_ring(f, vm);
    XENCONS_RING_IDX cons = r->in_cons, prod = __atomic_load_n(&r->in_prod, __ATOMIC_ACQUIRE);
    char got[1100], line[1200];
    size_t n = 0;

    while (cons != prod && n < sizeof(got) - 1)
        got[n++] = r->in[MASK_XENCONS_IDX(cons++, r->in)];
    __atomic_store_n(&r->in_cons, cons, __ATOMIC_RELEASE);
    if (!n)
        return;
    got[n] = '\0';
    g->took += n;
    snprintf(line, sizeof(line), "got: %s\n", got);
    dfx_guest_write(f, vm, line, strlen(line), true);
}

static void guest_watch_shutdown(struct vm *vm, struct behaviour *g)
{
    char path[64];
    const char *value;
    uint32_t len;
    struct domb_error err;

    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", vm->domid);
    if (xs_store_read(&f->p->store, vm->domid, path, &value, &len, &err) != 0 || len == 0)
        return;
    snprintf(g->last_request, sizeof(g->last_request), "%.*s", (int)len, value);
    /* As Linux does: clear the node (the acknowledgement), then act. */
    assert_int_equal(xs_store_write(&f->p->store, vm->domid, path, "", 0, &err), 0);
    dfx_guest_shutdown(
        f, vm, strcmp(g->last_request, "reboot") == 0 ? SHUTDOWN_reboot : SHUTDOWN_poweroff);
}

static void world(struct dfx *fx, void *arg)
{
    for (unsigned int i = 0; fx->p && i < fx->p->nr_vms; i++) {
        struct vm *vm = &fx->p->vms[i];
        struct behaviour *g;

        if (vm->state != VM_RUNNING || !(g = behaviour_of(vm)))
            continue;
        if (g->reads_input)
            guest_take_input(vm, g);
        if (g->honours_shutdown)
            guest_watch_shutdown(vm, g);
    }
}

/* ---- the platform and the serial line ---- */

static int setup(void **state)
{
    f = dfx_create(NULL);
    nr_guests = 0;
    memset(&sh, 0, sizeof(sh));
    return 0;
}

static int teardown(void **state)
{
    dfx_free(f);
    dfx_bootset_free(b);
    f = NULL;
    b = NULL;
    return 0;
}

static void add_vm(const char *name, enum vm_on_exit on_exit)
{
    struct vm_config cfg;

    dfx_config(&cfg, name, "k.elf", 16);
    cfg.on_exit = on_exit;
    dfx_bootset_vm(b, &cfg);
}

/* A platform of "echo" (reads its input, honours shutdown), "deaf" (neither),
 * "hello" (prints and powers off at once), started with the shell. */
static void boot_platform(enum manifest_when_done wd)
{
    static const struct dfx_action script[] = {
        {"hello", 1, DFX_PRINT, .text = "Hello from a test guest\n"},
        {"hello", 2, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"deaf", 1, DFX_PRINT, .text = "deaf> "},
        {NULL}};

    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, wd);
    dfx_bootset_kernel(b, "k.elf");
    add_vm("echo", VM_ON_EXIT_DESTROY);
    add_vm("deaf", VM_ON_EXIT_DESTROY);
    add_vm("hello", VM_ON_EXIT_DESTROY);
    behave("echo", true, true);
    behave("deaf", false, false);
    dfx_script(f, script);
    f->world_hook = world;
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(shell_start(&sh, f->p, "db-boot", NULL), 0);
    assert_ptr_equal(f->p->shell, &sh);
}

/* n passes of the event loop, as platform_run does them. */
static void pass(unsigned int n)
{
    static evtchn_port_t ports[PLATFORM_POLL_MAX];

    for (unsigned int i = 0; i < n; i++) {
        unsigned int k = platform_ports(f->p, ports, PLATFORM_POLL_MAX);

        f->xen->evtchn_poll(f->xen->ctx, ports, k, PLATFORM_POLL_NS);
        platform_handle_events(f->p);
    }
}

/* Type text on the serial line (in pieces Xen's buffer holds) and let the
 * loop take it. */
static void type_n(const char *text, size_t len)
{
    for (size_t off = 0; off < len;) {
        size_t k = len - off > SIM_SERIAL_RX_SIZE ? SIM_SERIAL_RX_SIZE : len - off;

        assert_int_equal(sim_serial_input(f->sim, text + off, k), k);
        pass(1);
        off += k;
    }
}

static void type(const char *text)
{
    type_n(text, strlen(text));
}

static void assert_console_lacks(const char *needle)
{
    if (strstr(sim_console(), needle)) {
        dfx_console_dump();
        fail_msg("console has \"%s\"", needle);
    }
}

static void finish(void)
{
    shell_stop(&sh);
    assert_null(f->p->shell);
    sim_set_world(f->sim, NULL, NULL);
    dfx_teardown(f);
    f = NULL;
}

/* ---- the parser ---- */

static void parse_ok(const char *line, enum shell_verb verb, const char *target, bool by_domid,
                     unsigned int domid)
{
    struct shell_command cmd;
    struct domb_error err = {0};

    if (shell_parse(line, &cmd, &err) != 0)
        fail_msg("'%s': %s", line, err.msg);
    assert_int_equal(cmd.verb, verb);
    assert_string_equal(cmd.target, target);
    assert_int_equal(cmd.by_domid, by_domid);
    assert_int_equal(cmd.domid, domid);
}

static void parse_bad(const char *line, const char *msg)
{
    struct shell_command cmd;
    struct domb_error err = {0};

    assert_int_equal(shell_parse(line, &cmd, &err), -XEN_EINVAL);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("'%s': \"%s\", want \"%s\"", line, err.msg, msg);
}

static void parser_accepts_commands(void **state)
{
    struct shell_command cmd;
    struct domb_error err;

    parse_ok("", SHELL_EMPTY, "", false, 0);
    parse_ok("   \t ", SHELL_EMPTY, "", false, 0);
    parse_ok("list", SHELL_LIST, "", false, 0);
    parse_ok("  info  ", SHELL_INFO, "", false, 0);
    parse_ok("create web-1.a_b", SHELL_CREATE, "web-1.a_b", false, 0);
    parse_ok("create 12", SHELL_CREATE, "12", false, 0); /* names, never domids */
    parse_ok("shutdown web", SHELL_SHUTDOWN, "web", false, 0);
    parse_ok("reboot\t7", SHELL_REBOOT, "7", true, 7);
    parse_ok("destroy 0032751", SHELL_DESTROY, "0032751", true, 32751);
    parse_ok("pause a", SHELL_PAUSE, "a", false, 0);
    parse_ok("unpause 1", SHELL_UNPAUSE, "1", true, 1);
    parse_ok("console grub", SHELL_CONSOLE, "grub", false, 0);
    assert_int_equal(shell_parse("help", &cmd, &err), 0);
    assert_int_equal(cmd.verb, SHELL_HELP);
    assert_int_equal(cmd.topic, SHELL_EMPTY);
    assert_int_equal(shell_parse("help console", &cmd, &err), 0);
    assert_int_equal(cmd.topic, SHELL_CONSOLE);
    assert_string_equal(shell_verb_name(SHELL_UNPAUSE), "unpause");
}

static void parser_says_what_is_wrong(void **state)
{
    char name64[80], long_word[200], msg[200];

    parse_bad("frobnicate", "unknown command 'frobnicate' (try 'help')");
    parse_bad("LIST", "unknown command 'LIST' (try 'help')");
    parse_bad("list all", "list takes no arguments (got 'all')");
    parse_bad("info me", "info takes no arguments (got 'me')");
    parse_bad("shutdown", "shutdown: which VM? usage: shutdown NAME|ID");
    parse_bad("create", "create: which VM? usage: create NAME");
    parse_bad("console a b", "console: too many arguments; usage: console NAME|ID");
    parse_bad("destroy a b c d e f", "destroy: too many arguments; usage: destroy NAME|ID");
    parse_bad("shutdown a$b",
              "shutdown: 'a$b' is not a VM name or domid (names are letters, digits, '_', '.' "
              "and '-')");
    parse_bad("create a/b",
              "create: 'a/b' is not a VM name (names are letters, digits, '_', '.' and '-')");
    parse_bad("pause 0", "pause: domain 0 is domB itself, not one of its VMs");
    parse_bad("pause 000", "pause: domain 0 is domB itself, not one of its VMs");
    parse_bad("reboot 32752", "reboot: domid 32752 is out of range (1-32751)");
    parse_bad("reboot 999999999999999999999999999999", "reboot: domid 999999999999999999999999... "
                                                       "is out of range (1-32751)");
    parse_bad("help frob", "help: no command 'frob' (try 'help')");
    parse_bad("help list info", "help: too many arguments; usage: help [COMMAND]");
    memset(name64, 'n', 64);
    name64[64] = '\0';
    snprintf(long_word, sizeof(long_word), "shutdown %s", name64);
    parse_bad(long_word, "shutdown: a VM name of 64 characters, more than the 63 a name may have");
    memset(long_word, 'x', 150);
    long_word[150] = '\0';
    snprintf(msg, sizeof(msg), "unknown command '%.24s...' (try 'help')", long_word);
    parse_bad(long_word, msg);
}

/* ---- the routing and the output filter (no platform) ---- */

/* A running relayed VM outside a platform, for the ring tests. */
static struct vm *lone_guest(const char *name)
{
    struct vm *vm = dfx_vm_new(f);
    struct vm_build_opts o;
    struct vm_config cfg;

    dfx_config(&cfg, name, "k.elf", 16);
    dfx_build_opts(f, &o, true, false, NULL);
    assert_int_equal(vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &o), 0);
    assert_int_equal(vm_unpause(vm), 0);
    return vm;
}

/* A guest that never reads its input: the ring fills, the rest is dropped,
 * nothing waits; it is told once per batch. */
static void route_guest_never_reads(void **state)
{
    struct vm *vm = lone_guest("sleepy");
    struct xencons_interface *r = dfx_console_ring(f, vm);
    static char big[3000];
    struct console_input ci;
    struct domb_error err;
    bool detach;

    memset(big, 'z', sizeof(big));
    assert_int_equal(console_input_open(&ci, f->xen, &err), 0);
    console_input_attach(&ci, vm);
    assert_int_equal(console_input_route(&ci, big, sizeof(big), &detach), sizeof(big));
    assert_false(detach);
    assert_int_equal(ci.bytes_to_guest, sizeof(r->in));
    assert_int_equal(ci.bytes_dropped, sizeof(big) - sizeof(r->in));
    assert_int_equal(r->in_prod - r->in_cons, sizeof(r->in));
    assert_true(sim_guest_pending(f->sim, vm->domid, vm->result.console_port));
    /* More is dropped at once, and nothing is written past the ring. */
    assert_int_equal(console_input_to_guest(&vm->console, "more", 4), 0);
    assert_int_equal(r->in_prod, sizeof(r->in));
    /* Once it reads, input flows again. */
    r->in_cons = r->in_prod;
    assert_int_equal(console_input_to_guest(&vm->console, "more", 4), 4);
    console_input_close(&ci);
    dfx_teardown(f);
    f = NULL;
}

/* A guest that lies about its input indexes gets nothing, and we count it. */
static void route_guest_lies_about_indexes(void **state)
{
    struct vm *vm = lone_guest("liar");
    struct xencons_interface *r = dfx_console_ring(f, vm);

    r->in_cons = 5000; /* prod (0) - cons: far more than the ring */
    assert_int_equal(console_input_to_guest(&vm->console, "abc", 3), 0);
    assert_int_equal(vm->console.ring_errors, 1);
    assert_int_equal(r->in_prod, 0);
    r->in_cons = 0;
    r->in_prod = 2000;
    assert_int_equal(console_input_to_guest(&vm->console, "abc", 3), 0);
    assert_int_equal(vm->console.ring_errors, 2);
    dfx_teardown(f);
    f = NULL;
}

/* Ctrl-] ends the attachment; what follows it is the shell's. */
static void route_ctrl_bracket_detaches(void **state)
{
    struct vm *vm = lone_guest("g");
    struct xencons_interface *r = dfx_console_ring(f, vm);
    struct console_input ci;
    struct domb_error err;
    bool detach;

    assert_int_equal(console_input_open(&ci, f->xen, &err), 0);
    console_input_attach(&ci, vm);
    assert_int_equal(console_input_route(&ci,
                                         "ab\r\x1d"
                                         "list\r",
                                         9, &detach),
                     4);
    assert_true(detach);
    assert_int_equal(r->in_prod, 3);
    assert_memory_equal(r->in, "ab\r", 3);
    assert_int_equal(console_input_route(&ci, "\x1d", 1, &detach), 1);
    assert_true(detach);
    assert_int_equal(r->in_prod, 3);
    console_input_close(&ci);
    assert_int_equal(sim_self_ports(f->sim), 1); /* the relay's, VIRQ_CONSOLE closed */
    dfx_teardown(f);
    f = NULL;
}

static void filter(struct console_input *ci, const char *in, size_t n, const char *want,
                   size_t want_n)
{
    char out[600];
    unsigned int w = console_output_filter(ci, in, (unsigned int)n, out);

    if (w != want_n || memcmp(out, want, want_n) != 0)
        fail_msg("filter of %zu bytes gave %u bytes \"%.*s\"", n, w, (int)w, out);
}

/* The attached guest's output: CSI (cursor, colour) and text pass, string
 * commands (OSC window titles and clipboard writes, DCS, APC, ...) and NULs
 * do not; an ESC split across drains still counts. */
static void output_filter_drops_string_commands(void **state)
{
    struct console_input ci;
    char osc[CONSOLE_OUTPUT_STRING_MAX + 20];

    memset(&ci, 0, sizeof(ci));
    filter(&ci, "a\x1b[1;31mred\x1b[0m\r\n", 16, "a\x1b[1;31mred\x1b[0m\r\n", 16);
    filter(&ci, "x\x1b]0;evil title\x07y", 17, "xy", 2);
    filter(&ci, "\x1b]52;c;Y2xpcA==\x1b\\z", 18, "z", 1);
    filter(&ci, "\x1bPq#0;2;0;0;0\x1b\\k", 16, "k", 1);
    filter(&ci, "\x1b_apc\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\.", 22, ".", 1);
    filter(&ci, "n\0u\0l", 5, "nul", 3);
    assert_false(ci.out_mid_line == false);
    /* ESC at the end of one drain, its sequence in the next */
    filter(&ci, "ab\x1b", 3, "ab", 2);
    filter(&ci, "[H", 2, "\x1b[H", 3);
    filter(&ci, "\x1b", 1, "", 0);
    filter(&ci, "]2;t\x07ok\n", 8, "ok\n", 3);
    assert_false(ci.out_mid_line);
    /* ESC ESC: the first was alone */
    filter(&ci, "\x1b\x1b[A", 4, "\x1b\x1b[A", 4);
    /* a string command that never ends stops swallowing at its limit */
    osc[0] = 0x1b;
    osc[1] = ']';
    memset(osc + 2, 'q', sizeof(osc) - 2);
    filter(&ci, osc, CONSOLE_OUTPUT_STRING_MAX + 2, "", 0);
    filter(&ci, "visible", 7, "visible", 7);
}

/* The simulated serial line: Xen's 128-byte buffer, drops beyond it, and
 * console_read for privileged callers only. */
static void sim_serial_line(void **state)
{
    static char text[200];
    char buf[256];
    struct sim_config cfg = {.nr_frames = 1024, .self = 0, .privileged = false};
    struct sim *s;
    struct xenops ops;
    evtchn_port_t port;

    memset(text, 'k', sizeof(text));
    assert_int_equal(f->ops.evtchn_bind_virq(f->ops.ctx, VIRQ_CONSOLE, &port), 0);
    assert_int_equal(f->ops.evtchn_bind_virq(f->ops.ctx, VIRQ_CONSOLE, &port), -XEN_EEXIST);
    assert_int_equal(sim_serial_input(f->sim, text, sizeof(text)), SIM_SERIAL_RX_SIZE);
    assert_int_equal(sim_serial_pending(f->sim), SIM_SERIAL_RX_SIZE);
    assert_int_equal(sim_serial_dropped(f->sim), sizeof(text) - SIM_SERIAL_RX_SIZE);
    assert_true(f->ops.evtchn_pending(f->ops.ctx, port));
    assert_int_equal(f->ops.console_read(f->ops.ctx, buf, 100), 100);
    assert_int_equal(f->ops.console_read(f->ops.ctx, buf, sizeof(buf)), 28);
    assert_int_equal(f->ops.console_read(f->ops.ctx, buf, sizeof(buf)), 0);
    assert_int_equal(f->ops.console_read(f->ops.ctx, buf, 0x80000000u), -XEN_E2BIG);
    assert_int_equal(sim_calls(f->sim, SIM_CONSOLE_IO), 4);
    assert_int_equal(f->ops.xen_version(f->ops.ctx, XENVER_version, NULL), 4 << 16 | 17);
    f->ops.evtchn_close(f->ops.ctx, port);
    s = sim_create(&cfg);
    sim_ops(s, &ops);
    assert_int_equal(ops.console_read(ops.ctx, buf, sizeof(buf)), -XEN_EPERM);
    sim_destroy(s);
    dfx_teardown(f);
    f = NULL;
}

/* ---- the shell on a platform ---- */

/* Nobody types: the relay and the summary are as without a shell, but for
 * one line at the start. */
static void shell_silent_until_typed(void **state)
{
    boot_platform(MANIFEST_DONE_WAIT);
    pass(6);
    dfx_assert_console_has("db: db-boot shell on this serial line: type 'help' and Enter");
    dfx_assert_console_has("[hello] Hello from a test guest\n");
    dfx_assert_console_has("db: vm 'hello' (domid 3) stopped: poweroff\n");
    assert_console_lacks(SHELL_PROMPT);
    assert_console_lacks("\x1b");
    /* The first key shows the prompt; relayed lines then keep it last. */
    sim_console_clear();
    type("l");
    assert_string_equal(sim_console(), "domb> l");
    dfx_guest_write(f, dfx_vm(f, "deaf"), "line\n", 5, true);
    pass(1);
    dfx_assert_console_has("domb> l\r\x1b[K[deaf] deaf> line\ndomb> l");
    finish();
}

static void shell_list_info_help(void **state)
{
    boot_platform(MANIFEST_DONE_WAIT);
    pass(4);
    sim_console_clear();
    type("list\r");
    dfx_assert_console_has(
        "domb> list\nName                                ID   Mem VCPUs State    "
        "Time(s)  Type\n");
    dfx_assert_console_has("\nDomain-0                             0 ");
    dfx_assert_console_has("\necho                                 1    16     1 ------       0.0  "
                           "pv\n");
    dfx_assert_console_has("\ndeaf                                 2    16     1 ");
    dfx_assert_console_has("\nnot running: hello (exited: poweroff)\ndomb> ");
    sim_console_clear();
    type("info\r");
    dfx_assert_console_has("xen_version         : 4.17.7-sim\n");
    dfx_assert_console_has("builder             : db-boot (domain 0)\n");
    dfx_assert_console_has("nr_cpus             : 1\n");
    dfx_assert_console_has("free_memory         : ");
    dfx_assert_console_has("vms                 : 2 running (0 paused), 1 stopped, 0 failed\n");
    sim_console_clear();
    type("help\r");
    dfx_assert_console_has("commands (NAME: a VM's name, ID: its domid):\n");
    dfx_assert_console_has(
        "  console NAME|ID     this line becomes its console; Ctrl-] comes back\n");
    sim_console_clear();
    type("help create\r");
    dfx_assert_console_has("  create NAME         build and start VM NAME of the archive");
    assert_int_equal(sh.errors, 0);
    finish();
}

/* Mistakes, over-long lines and binary garbage: one line each, and the
 * shell still answers. */
static void shell_mistakes_and_garbage(void **state)
{
    static char longline[260], noise[4096];
    unsigned int seed = 7;

    boot_platform(MANIFEST_DONE_WAIT);
    pass(4);
    sim_console_clear();
    type("frobnicate now\r");
    dfx_assert_console_has("domb: unknown command 'frobnicate' (try 'help')\n");
    type("shutdown\r\n");
    dfx_assert_console_has("domb: shutdown: which VM? usage: shutdown NAME|ID\n");
    type("\x01\x02hi\xff\xfe\r");
    dfx_assert_console_has("domb: ignored a line with 4 bytes that are not printable text");
    memset(longline, 'a', 250);
    longline[250] = '\r';
    type_n(longline, 251);
    dfx_assert_console_has("domb: ignored a line of 250 characters: at most 200\n");
    /* backspace, Ctrl-U, Ctrl-C, arrow keys, tabs */
    type("lisx\x7ft\tnow\x15info\x1b[A\x1b[D\r");
    dfx_assert_console_has("xen_version");
    type("abc\x03");
    dfx_assert_console_has("abc^C\ndomb> ");
    assert_int_equal(sh.errors, 4);
    /* Random bytes: whatever they make, the shell survives and answers. */
    for (size_t i = 0; i < sizeof(noise); i++) {
        seed = seed * 1103515245u + 12345u;
        noise[i] = (char)(seed >> 16);
    }
    type_n(noise, sizeof(noise));
    sim_console_clear();
    type("\x15\x03list\r");
    dfx_assert_console_has("\necho                                 1 ");
    /* A flood faster than we read: Xen drops what does not fit its buffer;
     * the shell takes what arrives and the next line still works. */
    assert_int_equal(sim_serial_input(f->sim, noise, sizeof(noise)), SIM_SERIAL_RX_SIZE);
    pass(1);
    sim_console_clear();
    type("\x03info\r");
    dfx_assert_console_has("xen_version");
    finish();
}

/* console NAME: its output unprefixed, what is typed goes into its ring,
 * other guests' lines still come (prefixed, on lines of their own), Ctrl-]
 * comes back to the prompt. */
static void shell_console_both_ways(void **state)
{
    struct vm *echo, *deaf;

    boot_platform(MANIFEST_DONE_WAIT);
    pass(4);
    echo = dfx_vm(f, "echo");
    deaf = dfx_vm(f, "deaf");
    sim_console_clear();
    type("console echo\r");
    dfx_assert_console_has("domb> console echo\ndomb: attached to the console of 'echo' (domid 1); "
                           "Ctrl-] comes back\n");
    sim_console_clear();
    type("hi there\r");
    pass(2); /* the guest reads and answers */
    assert_int_equal(guests[0].took, 9);
    dfx_assert_console_has("got: hi there\r\n");
    assert_console_lacks("[echo]");
    assert_console_lacks(SHELL_PROMPT);
    /* its output raw, colours included; another guest's on its own line */
    dfx_guest_write(f, echo, "\x1b[32mgreen\x1b[0m half", 20, true);
    pass(1);
    dfx_guest_write(f, deaf, "meanwhile\n", 10, true);
    pass(1);
    dfx_assert_console_has("\x1b[32mgreen\x1b[0m half\n[deaf] deaf> meanwhile\n");
    sim_console_clear();
    type("\x1d");
    dfx_assert_console_has("domb: back from the console of 'echo'\ndomb> ");
    /* typed after Ctrl-] in one go: the shell's */
    sim_console_clear();
    type("console 1\rabc\x1dlist\r");
    dfx_assert_console_has("domb: back from the console of 'echo'\ndomb> list\nName ");
    pass(2);
    assert_int_equal(guests[0].took, 12);
    /* The deaf guest's prompt, printed before we attached, shows at once. */
    dfx_guest_write(f, deaf, "deaf> ", 6, true);
    pass(1);
    sim_console_clear();
    type("console deaf\r");
    dfx_assert_console_has("Ctrl-] comes back\ndeaf> ");
    type("\x1d");
    finish();
}

/* A guest that never reads its input: what is typed for it is dropped
 * (the operator is told once), the builder never waits, and everyone else
 * is still served. */
static void shell_console_guest_never_reads(void **state)
{
    static char lots[2000];
    struct vm *deaf;
    struct xencons_interface *r;

    boot_platform(MANIFEST_DONE_WAIT);
    pass(4);
    deaf = dfx_vm(f, "deaf");
    r = dfx_console_ring(f, deaf);
    type("console deaf\r");
    memset(lots, 'y', sizeof(lots));
    sim_console_clear();
    type_n(lots, sizeof(lots));
    assert_int_equal(r->in_prod - r->in_cons, sizeof(r->in));
    assert_int_equal(sh.in.bytes_dropped, sizeof(lots) - sizeof(r->in));
    assert_int_equal(dfx_console_count("is not reading its console input"), 1);
    dfx_assert_console_has(
        "domb: 'deaf' is not reading its console input: what you type is dropped "
        "(Ctrl-] comes back)\n");
    /* echo is still relayed and answers its own input */
    dfx_guest_write(f, dfx_vm(f, "echo"), "still here\n", 11, true);
    pass(1);
    dfx_assert_console_has("[echo] still here\n");
    sim_console_clear();
    type("\x1dlist\r");
    dfx_assert_console_has("\ndeaf                                 2 ");
    finish();
}

/* shutdown NAME: control/shutdown = poweroff, the guest clears it and
 * powers off, the loop ends and the summary says so. */
static void shell_shutdown_powers_off(void **state)
{
    boot_platform(MANIFEST_DONE_WAIT);
    pass(4);
    sim_console_clear();
    type("shutdown echo\r");
    dfx_assert_console_has(
        "domb: asked 'echo' (domid 1) to power off (control/shutdown = poweroff)\n");
    pass(3);
    assert_string_equal(guests[0].last_request, "poweroff");
    dfx_assert_console_has("db: vm 'echo' (domid 1) stopped: poweroff\n");
    assert_console_lacks("has not taken");
    /* deaf does not take it: told after SHELL_ACK_NS; then destroy. */
    sim_console_clear();
    type("shutdown deaf\r");
    dfx_assert_console_has("domb: asked 'deaf' (domid 2) to power off");
    pass(12);
    dfx_assert_console_has(
        "domb: 'deaf' (domid 2) has not taken the power-off request in 10 s: it does "
        "not watch xenstore's control/shutdown (no PV shutdown support); 'destroy "
        "deaf' ends it\n");
    assert_int_equal(dfx_vm(f, "deaf")->state, VM_RUNNING);
    type("destroy deaf\r");
    dfx_assert_console_has("db: vm 'deaf' (domid 2) destroyed by the operator\n");
    assert_int_equal(platform_running(f->p), 0);
    platform_run(f->p); /* returns: nothing runs */
    assert_true(platform_report(f->p, "db-boot"));
    assert_true(dfx_summary_has("echo", "1", "exited: poweroff"));
    assert_true(dfx_summary_has("deaf", "2", "exited: destroyed by the operator"));
    dfx_assert_console_has("db-boot: done: 3 built, 0 failed, 0 exited abnormally");
    finish();
}

/* reboot NAME: the guest reboots and is built and started again (a new
 * domid), as xl's on_reboot = "restart". */
static void shell_reboot_builds_again(void **state)
{
    struct vm *echo;

    boot_platform(MANIFEST_DONE_WAIT);
    pass(4);
    echo = dfx_vm(f, "echo");
    sim_console_clear();
    type("reboot echo\r");
    dfx_assert_console_has("domb: asked 'echo' (domid 1) to reboot (control/shutdown = reboot)\n");
    pass(3);
    dfx_assert_console_has("db: vm 'echo' (domid 1) stopped: reboot\n");
    dfx_assert_console_has("db: vm 'echo' restarted (restart 1): domid 4\n");
    assert_int_equal(echo->state, VM_RUNNING);
    assert_int_equal(echo->domid, 4);
    /* the new incarnation has the shell's sink and answers on its console */
    assert_ptr_equal(echo->console.sink, &sh.sink);
    sim_console_clear();
    type("console echo\rping\r");
    pass(2);
    dfx_assert_console_has("got: ping\r\n");
    type("\x1d");
    finish();
}

/* create NAME builds a VM of the archive that is not running; one that
 * exists is an error, not a second copy; type-ahead waits for the build. */
static void shell_create_from_archive(void **state)
{
    boot_platform(MANIFEST_DONE_WAIT);
    pass(4);
    assert_int_equal(dfx_vm(f, "hello")->state, VM_DESTROYED);
    sim_console_clear();
    type("create hello\rlist\r");
    dfx_assert_console_has("db: vm 'hello' created: domid 4, pv, 16 MiB");
    dfx_assert_console_has("\nhello                                4 ");
    pass(3);
    dfx_assert_console_has("[hello] Hello from a test guest\n");
    dfx_assert_console_has("db: vm 'hello' (domid 4) stopped: poweroff\n");
    sim_console_clear();
    type("create echo\r");
    dfx_assert_console_has(
        "domb: create: 'echo' already exists (domid 1); shut it down or destroy it "
        "first\n");
    type("create nosuch\r");
    dfx_assert_console_has("domb: create: no VM named 'nosuch' in the archive");
    type("shutdown hello\r");
    dfx_assert_console_has("domb: shutdown: 'hello' is not running (exited: poweroff)\n");
    type("destroy 77\r");
    dfx_assert_console_has("domb: destroy: no VM has domid 77 (try 'list')\n");
    type("console nobody\r");
    dfx_assert_console_has("domb: console: no VM named 'nobody' (try 'list')\n");
    finish();
}

static void shell_pause_unpause(void **state)
{
    struct sim_domain_info info;

    boot_platform(MANIFEST_DONE_WAIT);
    pass(4);
    sim_console_clear();
    type("pause echo\r");
    dfx_assert_console_has("domb: 'echo' (domid 1) paused\n");
    assert_int_equal(sim_domain_info(f->sim, 1, &info), 0);
    assert_true(info.paused);
    type("pause 1\r");
    dfx_assert_console_has("domb: pause: 'echo' (domid 1) is already paused\n");
    type("list\r");
    dfx_assert_console_has("\necho                                 1    16     1 --p--- ");
    type("info\r");
    dfx_assert_console_has("2 running (1 paused)");
    type("unpause echo\r");
    dfx_assert_console_has("domb: 'echo' (domid 1) unpaused\n");
    assert_int_equal(sim_domain_info(f->sim, 1, &info), 0);
    assert_false(info.paused);
    type("unpause echo\r");
    dfx_assert_console_has("domb: unpause: 'echo' (domid 1) is not paused\n");
    finish();
}

/* A PVH guest's console: the same ring, in a guest frame. */
static void shell_console_pvh_guest(void **state)
{
    struct vm_config cfg;
    struct vm *vm;

    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_pvh_kernel(b, "pvh.elf");
    dfx_config(&cfg, "echo", "pvh.elf", 32);
    cfg.type = VM_TYPE_PVH;
    dfx_bootset_vm(b, &cfg);
    behave("echo", true, true);
    dfx_script(f, (const struct dfx_action[]){{NULL}});
    f->world_hook = world;
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(shell_start(&sh, f->p, "db-boot", NULL), 0);
    vm = dfx_vm(f, "echo");
    assert_int_equal(vm->result.guest_type, BUILDER_GUEST_PVH);
    pass(2);
    sim_console_clear();
    type("console echo\rpvh?\r");
    pass(2);
    dfx_assert_console_has("got: pvh?\r\n");
    type("\x1dshutdown echo\r");
    pass(3);
    dfx_assert_console_has("db: vm 'echo' (domid 1) stopped: poweroff\n");
    finish();
}

/* db-server's loop runs the shell too (create takes the boot set's specs). */
static void shell_in_server_loop(void **state)
{
    static struct server srv;
    size_t len;
    const uint8_t *archive;

    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_kernel(b, "k.elf");
    add_vm("echo", VM_ON_EXIT_DESTROY);
    behave("echo", true, true);
    dfx_script(f, (const struct dfx_action[]){{NULL}});
    f->world_hook = world;
    dfx_platform_new(f, true);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    archive = dfx_bootset_finish(b, &len);
    server_init(&srv, f->p, archive, len);
    assert_int_equal(shell_start(&sh, f->p, "db-server", NULL), 0);
    sim_console_clear();
    sim_serial_input(f->sim, "list\rshutdown echo\r", 19);
    server_run(&srv); /* returns once echo has powered off */
    dfx_assert_console_has("\necho                                 1 ");
    dfx_assert_console_has("db: vm 'echo' (domid 1) stopped: poweroff\n");
    finish();
}

/* A guest that clears control/shutdown and never stops is named after
 * SHELL_STOP_NS; one that failed at boot cannot be created; a VM whose
 * console is not relayed has no console to attach to. */
static void shell_unusual_answers(void **state)
{
    static const struct dfx_action script[] = {{NULL}};
    struct vm_config cfg;
    struct behaviour *g;

    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, 0, MANIFEST_DONE_WAIT); /* no relay */
    dfx_bootset_kernel(b, "k.elf");
    dfx_bootset_image(b, "bad.elf", f->broken, f->broken_size);
    add_vm("stubborn", VM_ON_EXIT_DESTROY);
    dfx_config(&cfg, "broken", "bad.elf", 16);
    dfx_bootset_vm(b, &cfg);
    g = behave("stubborn", false, false);
    dfx_script(f, script);
    f->world_hook = world;
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    assert_int_equal(shell_start(&sh, f->p, "db-boot", NULL), 0);
    pass(1);
    sim_console_clear();
    type("console stubborn\r");
    dfx_assert_console_has(
        "domb: console: 'stubborn' has no console here: the console relay is off "
        "for this archive (domb-pack --no-relay)\n");
    type("create broken\r");
    dfx_assert_console_has("domb: create: 'broken' FAILED: ");
    type("list\r");
    dfx_assert_console_has("not running: broken (FAILED)\n");
    type("shutdown stubborn\r");
    type("shutdown 1\r");
    dfx_assert_console_has("domb: shutdown: 'stubborn' was asked to power off 0 s ago and has not "
                           "stopped yet ('destroy stubborn' ends it)\n");
    /* it clears the node (as if it took the request) but keeps running */
    g->honours_shutdown = false;
    {
        struct domb_error err;

        assert_int_equal(
            xs_store_write(&f->p->store, 1, "/local/domain/1/control/shutdown", "", 0, &err), 0);
    }
    pass(125);
    assert_console_lacks("has not taken");
    dfx_assert_console_has("domb: 'stubborn' (domid 1) took the power-off request 120 s ago but is "
                           "still running\n");
    type("reboot stubborn\r");
    dfx_assert_console_has("domb: asked 'stubborn' (domid 1) to reboot");
    type("destroy stubborn\r");
    dfx_assert_console_has("db: vm 'stubborn' (domid 1) destroyed by the operator\n");
    type("pause stubborn\r");
    dfx_assert_console_has("domb: pause: 'stubborn' is not running (exited: destroyed by the "
                           "operator)\n");
    finish();
}

/* Every seam call a session makes fails once, in turn: each mistake is
 * answered, nothing crashes, nothing leaks. */
static void shell_fault_sweep(void **state)
{
    static const char session[] = "list\rinfo\rpause echo\runpause echo\rconsole echo\rhi\r\x1d"
                                  "create hello\rreboot deaf\rdestroy deaf\rshutdown echo\r";
    unsigned long n;

    for (n = 1;; n++) {
        unsigned long calls;

        dfx_free(f);
        dfx_bootset_free(b);
        f = dfx_create(&(struct dfx_opts){.fault = true});
        nr_guests = 0;
        boot_platform(MANIFEST_DONE_WAIT);
        pass(4);
        xenops_fault_arm(&f->fault, n, -XEN_ENOMEM);
        type(session);
        pass(6);
        if (!xenops_fault_fired(&f->fault, &calls))
            break;
        shell_stop(&sh);
        sim_set_world(f->sim, NULL, NULL);
        dfx_platform_free(f);
        dfx_assert_clean(f, 0);
    }
    assert_true(n > 20); /* the session made that many failable calls */
    finish();
}

/* domb.shell=0 leaves the serial line alone; when-done "shutdown" has no
 * loop to run a shell in. */
static void shell_not_started(void **state)
{
    boot_platform(MANIFEST_DONE_WAIT);
    shell_stop(&sh);
    sim_console_clear();
    assert_int_equal(shell_start(&sh, f->p, "db-boot", "domb.shell=0 x=1"), 0);
    assert_null(f->p->shell);
    dfx_assert_console_has("db: no shell on the serial line (domb.shell=0)\n");
    f->p->set.manifest.when_done = MANIFEST_DONE_SHUTDOWN;
    assert_int_equal(shell_start(&sh, f->p, "db-boot", NULL), 0);
    assert_null(f->p->shell);
    sim_set_world(f->sim, NULL, NULL);
    dfx_teardown(f);
    f = NULL;
}

/* The serial line cannot be read (Xen refuses VIRQ_CONSOLE): the platform
 * runs without a shell and says why. */
static void shell_start_fails_cleanly(void **state)
{
    dfx_free(f);
    f = dfx_create(&(struct dfx_opts){.fault = true});
    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_kernel(b, "k.elf");
    add_vm("hello", VM_ON_EXIT_DESTROY);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    sim_console_clear();
    xenops_fault_arm(&f->fault, 1, -XEN_EPERM);
    assert_int_equal(shell_start(&sh, f->p, "db-boot", NULL), -XEN_EPERM);
    assert_null(f->p->shell);
    dfx_assert_console_has(
        "db: no shell on the serial line: cannot bind VIRQ_CONSOLE (error -1)\n");
    dfx_teardown(f);
    f = NULL;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(parser_accepts_commands, setup, teardown),
    cmocka_unit_test_setup_teardown(parser_says_what_is_wrong, setup, teardown),
    cmocka_unit_test_setup_teardown(route_guest_never_reads, setup, teardown),
    cmocka_unit_test_setup_teardown(route_guest_lies_about_indexes, setup, teardown),
    cmocka_unit_test_setup_teardown(route_ctrl_bracket_detaches, setup, teardown),
    cmocka_unit_test_setup_teardown(output_filter_drops_string_commands, setup, teardown),
    cmocka_unit_test_setup_teardown(sim_serial_line, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_silent_until_typed, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_list_info_help, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_mistakes_and_garbage, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_console_both_ways, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_console_guest_never_reads, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_shutdown_powers_off, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_reboot_builds_again, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_create_from_archive, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_pause_unpause, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_console_pvh_guest, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_in_server_loop, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_unusual_answers, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_fault_sweep, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_not_started, setup, teardown),
    cmocka_unit_test_setup_teardown(shell_start_fails_cleanly, setup, teardown),
};

DOMB_TEST_MAIN(tests)
