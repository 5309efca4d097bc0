/* The console relay end to end: guest console rings through the sim to our console. */
#include "domb_test.h"

#include "dom0_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct dfx *f;

static int setup(void **state)
{
    f = dfx_create(NULL);
    return 0;
}

static int teardown(void **state)
{
    dfx_free(f);
    f = NULL;
    return 0;
}

/* A running VM with its console relayed. */
static struct vm *guest(const char *name)
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

static void say(struct vm *vm, const char *text)
{
    size_t len = strlen(text);

    assert_int_equal(dfx_guest_write(f, vm, text, len, true), len);
}

static void assert_console(const char *expect)
{
    if (strcmp(sim_console(), expect) != 0) {
        dfx_console_dump();
        fail_msg("console differs from \"%s\"", expect);
    }
}

/* Lines are prefixed with the guest's name; a partial line waits. */
static void relay_prefixes_lines(void **state)
{
    struct vm *vm = guest("web");

    sim_console_clear();
    say(vm, "hello\nworld\npart");
    assert_int_equal(relay_drain(&vm->console), 16);
    assert_console("[web] hello\n[web] world\n");
    say(vm, "ial\n");
    assert_int_equal(relay_drain(&vm->console), 4);
    assert_console("[web] hello\n[web] world\n[web] partial\n");
    assert_int_equal(vm->console.bytes, 20);
    assert_int_equal(relay_drain(&vm->console), 0);
    dfx_teardown(f);
    f = NULL;
}

/* Escape sequences (CSI and two-byte) and control characters are
 * dropped; tabs are kept. */
static void relay_strips_escapes(void **state)
{
    struct vm *vm = guest("esc");

    sim_console_clear();
    say(vm, "\x1b[1;31mred\x1b[0m plain\x07\r\n");
    say(vm, "\x1b"
            "cclear\tX\x01\x7f\x1b[?25l!\n");
    relay_drain(&vm->console);
    assert_console("[esc] red plain\n[esc] clear\tX!\n"); /* ESC took one 'c' */
    /* an escape sequence split across drains */
    say(vm, "a\x1b[3");
    relay_drain(&vm->console);
    say(vm, "2mb\n");
    relay_drain(&vm->console);
    assert_non_null(strstr(sim_console(), "[esc] ab\n"));
    /* bytes above 0x7f are dropped too */
    say(vm, "\xc3\xa9t\xe9\n");
    relay_drain(&vm->console);
    assert_non_null(strstr(sim_console(), "[esc] t\n"));
    dfx_teardown(f);
    f = NULL;
}

/* A line longer than RELAY_LINE_MAX is split into RELAY_LINE_MAX pieces. */
static void relay_splits_long_lines(void **state)
{
    struct vm *vm = guest("long");
    char text[2 * RELAY_LINE_MAX + 50];
    char expect[3 * RELAY_LINE_MAX + 100];
    char a[RELAY_LINE_MAX + 1], b[RELAY_LINE_MAX + 1];

    memset(text, 'a', RELAY_LINE_MAX);
    memset(text + RELAY_LINE_MAX, 'b', RELAY_LINE_MAX);
    memset(text + 2 * RELAY_LINE_MAX, 'c', 10);
    text[2 * RELAY_LINE_MAX + 10] = '\n';
    text[2 * RELAY_LINE_MAX + 11] = '\0';
    memset(a, 'a', RELAY_LINE_MAX);
    a[RELAY_LINE_MAX] = '\0';
    memset(b, 'b', RELAY_LINE_MAX);
    b[RELAY_LINE_MAX] = '\0';
    sim_console_clear();
    say(vm, text);
    relay_drain(&vm->console);
    snprintf(expect, sizeof(expect), "[long] %s\n[long] %s\n[long] cccccccccc\n", a, b);
    assert_console(expect);
    /* exactly RELAY_LINE_MAX then a newline: one line, no empty one */
    sim_console_clear();
    say(vm, a);
    say(vm, "\n");
    relay_drain(&vm->console);
    snprintf(expect, sizeof(expect), "[long] %s\n", a);
    assert_console(expect);
    dfx_teardown(f);
    f = NULL;
}

/* A guest lying about its ring indexes loses its own pending output; the
 * next guest's output is relayed; the liar's later output works again. */
static void relay_liar_loses_only_its_output(void **state)
{
    struct vm *liar = guest("liar");
    struct vm *honest = guest("honest");
    struct xencons_interface *r = dfx_console_ring(f, liar);

    sim_console_clear();
    say(liar, "secret\n");
    dfx_guest_console_indexes(f, liar, r->out_cons, r->out_cons + 5000);
    say(honest, "fine\n");
    assert_int_equal(relay_drain(&liar->console), 0);
    assert_int_equal(liar->console.ring_errors, 1);
    assert_int_equal(r->out_cons, r->out_prod); /* its claim was dropped */
    assert_int_equal(relay_drain(&honest->console), 5);
    assert_int_equal(honest->console.ring_errors, 0);
    assert_console("[honest] fine\n");
    /* the liar behaves again */
    say(liar, "sorry\n");
    assert_int_equal(relay_drain(&liar->console), 6);
    assert_non_null(strstr(sim_console(), "[liar] sorry\n"));
    assert_null(strstr(sim_console(), "secret"));
    /* a producer behind the consumer is nonsense too */
    dfx_guest_console_indexes(f, liar, r->out_cons, r->out_cons - 1);
    assert_int_equal(relay_drain(&liar->console), 0);
    assert_int_equal(liar->console.ring_errors, 2);
    dfx_teardown(f);
    f = NULL;
}

/* The ring's indexes wrap at 2^32 (free-running, masked into out[]). */
static void relay_index_wraparound(void **state)
{
    struct vm *vm = guest("wrap");
    XENCONS_RING_IDX start = 0xfffffff0u;

    dfx_guest_console_indexes(f, vm, start, start);
    sim_console_clear();
    say(vm, "across the wrap of the index\n");
    assert_int_equal(relay_drain(&vm->console), 29);
    assert_console("[wrap] across the wrap of the index\n");
    assert_int_equal(dfx_console_ring(f, vm)->out_cons, start + 29);
    dfx_teardown(f);
    f = NULL;
}

/* A full ring (2048 bytes of out[], many 256-byte chunks) is drained in
 * one go, and the guest is told there is room again. */
static void relay_full_ring_and_notify(void **state)
{
    struct vm *vm = guest("full");
    char text[sizeof(((struct xencons_interface *)0)->out)];
    unsigned int lines = 0;

    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = (i % 32 == 31) ? '\n' : (char)('a' + i % 26);
    assert_int_equal(sizeof(text), 2048);
    assert_int_equal(dfx_guest_write(f, vm, text, sizeof(text), true), 2048);
    /* no room for more */
    assert_int_equal(dfx_guest_write(f, vm, "x", 1, false), 0);
    (void)sim_guest_pending(f->sim, vm->domid, vm->result.console_port);
    sim_console_clear();
    assert_int_equal(relay_drain(&vm->console), 2048);
    for (const char *c = sim_console(); (c = strstr(c, "[full] ")) != NULL; c++)
        lines++;
    assert_int_equal(lines, 64);
    assert_true(sim_guest_pending(f->sim, vm->domid, vm->result.console_port));
    /* nothing drained: no notification */
    assert_int_equal(relay_drain(&vm->console), 0);
    assert_false(sim_guest_pending(f->sim, vm->domid, vm->result.console_port));
    dfx_teardown(f);
    f = NULL;
}

/* Detaching drains and prints what is left of a partial line, and lets go
 * of the page and the channel; a second detach is a no-op. */
static void relay_partial_line_flushed_at_detach(void **state)
{
    struct vm *vm = guest("bye");

    sim_console_clear();
    say(vm, "done\ngoodbye without newline");
    assert_int_equal(sim_foreign_maps(f->sim), 1);
    assert_int_equal(sim_self_ports(f->sim), 1);
    relay_detach(&vm->console);
    assert_console("[bye] done\n[bye] goodbye without newline\n");
    assert_null(vm->console.ring);
    assert_int_equal(sim_foreign_maps(f->sim), 0);
    assert_int_equal(sim_self_ports(f->sim), 0);
    relay_detach(&vm->console);
    assert_int_equal(relay_drain(&vm->console), 0);
    assert_console("[bye] done\n[bye] goodbye without newline\n");
    dfx_teardown(f);
    f = NULL;
}

/* The guest's shutdown flushes its partial line before "stopped". */
static void relay_partial_line_at_shutdown(void **state)
{
    struct vm *vm = guest("last");
    const char *c;

    say(vm, "no newline at the end");
    assert_int_equal(dfx_guest_shutdown(f, vm, SHUTDOWN_poweroff), 0);
    sim_console_clear();
    assert_true(vm_poll_exit(vm));
    c = sim_console();
    assert_non_null(strstr(c, "[last] no newline at the end\n"));
    assert_true(strstr(c, "[last] no newline") < strstr(c, "stopped: poweroff"));
    dfx_teardown(f);
    f = NULL;
}

/* Attach failures undo what was done: a frame that is not the guest's
 * cannot be mapped; a port that is not for us cannot be bound. */
static void relay_attach_failures(void **state)
{
    struct vm *vm = dfx_vm_new(f);
    struct vm_build_opts o;
    struct vm_config cfg;
    struct relay_console c;

    dfx_config(&cfg, "quiet", "k.elf", 16);
    dfx_build_opts(f, &o, false, false, NULL);
    assert_int_equal(vm_build(vm, &cfg, f->kernel, f->kernel_size, NULL, 0, &o), 0);
    assert_int_equal(relay_attach(&c, f->xen, "x", vm->domid, 3, vm->result.console_port),
                     -XEN_EINVAL);
    assert_null(c.ring);
    assert_int_equal(sim_foreign_maps(f->sim), 0);
    assert_int_equal(relay_attach(&c, f->xen, "x", vm->domid, dfx_console_mfn(vm), 60),
                     -XEN_EINVAL);
    assert_null(c.ring);
    assert_int_equal(sim_foreign_maps(f->sim), 0);
    assert_int_equal(sim_self_ports(f->sim), 0);
    /* and it works with the right ones */
    assert_int_equal(
        relay_attach(&c, f->xen, "x", vm->domid, dfx_console_mfn(vm), vm->result.console_port), 0);
    assert_string_equal(c.name, "x");
    relay_detach(&c);
    dfx_teardown(f);
    f = NULL;
}

/* relay_feed alone: its emitter gets each line. */
static char fed[8][RELAY_LINE_MAX + 1];
static unsigned int nr_fed;

static void emit(const char *name, const char *line)
{
    assert_string_equal(name, "pure");
    assert_true(nr_fed < 8);
    snprintf(fed[nr_fed++], sizeof(fed[0]), "%s", line);
}

static void relay_feed_pure(void **state)
{
    static struct relay_console c;

    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "pure");
    nr_fed = 0;
    relay_feed(&c, "one\n\ntwo", 8, emit);
    assert_int_equal(nr_fed, 2);
    assert_string_equal(fed[0], "one");
    assert_string_equal(fed[1], "");
    assert_int_equal(c.len, 3);
    relay_feed(&c, "\x1b", 1, emit);
    assert_int_equal(c.esc_state, 1);
    relay_feed(&c, "[", 1, emit);
    assert_int_equal(c.esc_state, 2);
    relay_feed(&c, "12;", 3, emit);
    assert_int_equal(c.esc_state, 2);
    relay_feed(&c, "H!\n", 3, emit);
    assert_int_equal(c.esc_state, 0);
    assert_int_equal(nr_fed, 3);
    assert_string_equal(fed[2], "two!");
    relay_feed(&c, "\0\n", 2, emit); /* a NUL is a control character */
    assert_string_equal(fed[3], "");
}

/* Through the platform: two guests' lines interleave, each with its name. */
static void relay_through_platform(void **state)
{
    static const struct dfx_action script[] = {
        {"a", 1, DFX_PRINT, .text = "a1\n"},
        {"b", 1, DFX_PRINT, .text = "b1\n"},
        {"a", 2, DFX_RAW, .text = "a2 (not notified)\n"},
        {"b", 3, DFX_PRINT, .text = "b2\n"},
        {"a", 4, DFX_NOTIFY, .text = NULL},
        {"a", 5, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {"b", 5, DFX_SHUTDOWN, .reason = SHUTDOWN_poweroff},
        {NULL},
    };
    struct dfx_bootset *b =
        dfx_bootset_new(MANIFEST_MODE_STARTALL, MANIFEST_FLAG_CONSOLE_RELAY, MANIFEST_DONE_WAIT);
    struct vm_config cfg;
    const char *c;

    dfx_bootset_kernel(b, "k.elf");
    dfx_config(&cfg, "a", "k.elf", 16);
    dfx_bootset_vm(b, &cfg);
    dfx_config(&cfg, "b", "k.elf", 16);
    dfx_bootset_vm(b, &cfg);
    dfx_script(f, script);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
    platform_run(f->p);
    c = sim_console();
    assert_non_null(strstr(c, "[a] a1\n"));
    assert_non_null(strstr(c, "[b] b1\n"));
    /* a's unannounced line waits for its notification (after b2) */
    assert_true(strstr(c, "[b] b2\n") < strstr(c, "[a] a2 (not notified)\n"));
    assert_true(strstr(c, "[a] a2 (not notified)\n") < strstr(c, "'a' (domid"));
    assert_int_equal(dfx_vm(f, "a")->console.bytes, 21);
    dfx_teardown(f);
    dfx_bootset_free(b);
    f = NULL;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(relay_prefixes_lines, setup, teardown),
    cmocka_unit_test_setup_teardown(relay_strips_escapes, setup, teardown),
    cmocka_unit_test_setup_teardown(relay_splits_long_lines, setup, teardown),
    cmocka_unit_test_setup_teardown(relay_liar_loses_only_its_output, setup, teardown),
    cmocka_unit_test_setup_teardown(relay_index_wraparound, setup, teardown),
    cmocka_unit_test_setup_teardown(relay_full_ring_and_notify, setup, teardown),
    cmocka_unit_test_setup_teardown(relay_partial_line_flushed_at_detach, setup, teardown),
    cmocka_unit_test_setup_teardown(relay_partial_line_at_shutdown, setup, teardown),
    cmocka_unit_test_setup_teardown(relay_attach_failures, setup, teardown),
    cmocka_unit_test(relay_feed_pure),
    cmocka_unit_test_setup_teardown(relay_through_platform, setup, teardown),
};

DOMB_TEST_MAIN(tests)
