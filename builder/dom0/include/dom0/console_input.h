/*
 * The builder's serial line, both ways (docs/user-guide.md, "Operating a
 * running platform").
 *
 * In: Xen hands the serial line's input to the hardware domain
 * (CONSOLEIO_read, VIRQ_CONSOLE; the seam's console_read). By default it
 * goes to the operator shell (builder/dom0/shell.c); while the operator is
 * attached to a guest's console it goes into that guest's PV console ring
 * (the "in" half of io/console.h), as xl console does, until Ctrl-]. The
 * ring is the guest's: what does not fit is dropped and counted, never
 * waited for, so a guest that does not read its input loses only its own
 * input.
 *
 * Out: the attached guest's output is shown as it comes (no prefix, its own
 * line endings and cursor movements), less the terminal string commands
 * (OSC, DCS, SOS, PM, APC: window titles, clipboard writes, ...) that would
 * let it act on the operator's terminal.
 */
#ifndef DOMB_CONSOLE_INPUT_H
#define DOMB_CONSOLE_INPUT_H

#include <builder/xenops.h>
#include <dom0/vm.h>
#include <domb/error.h>

#define CONSOLE_INPUT_DETACH 0x1d /* Ctrl-]: back from a guest's console */
#define CONSOLE_INPUT_CHUNK  128u /* Xen holds at most this much (SERIAL_RX_SIZE) */
/* A terminal string command longer than this is taken as ended (a guest
 * that opens one and never closes it must not swallow its output). */
#define CONSOLE_OUTPUT_STRING_MAX 512u

struct console_input {
    const struct xenops *xen;
    evtchn_port_t port;  /* VIRQ_CONSOLE (or our own PV console's), 0 when closed */
    bool borrowed_port;  /* port is our PV console's (xenops.console_input_port) */
    struct vm *attached; /* whose console the line is attached to, or NULL */
    domid_t attached_domid;
    uint8_t out_state;          /* the output filter's state */
    uint16_t out_string_len;    /* bytes of the string command being dropped */
    bool out_mid_line;          /* the attached guest left the cursor mid-line */
    uint64_t bytes_read;        /* from the serial line */
    uint64_t bytes_to_guest;    /* into attached guests' rings */
    uint64_t bytes_dropped;     /* for a guest whose ring was full (or lied) */
    uint64_t dropped_at_attach; /* bytes_dropped when the current attach began */
};

/* Bind VIRQ_CONSOLE. Fails (err says why) when Xen refuses. */
int console_input_open(struct console_input *ci, const struct xenops *xen, struct domb_error *err);
/* Detach and close the port. */
void console_input_close(struct console_input *ci);

/* Move what Xen holds for us into buf (at most size bytes); returns the
 * bytes read (0: nothing waiting) or a negative errno. */
int console_input_read(struct console_input *ci, char *buf, unsigned int size);

/* Attach the line to vm's console (its relay must be up) / come back. */
void console_input_attach(struct console_input *ci, struct vm *vm);
void console_input_detach(struct console_input *ci);

/*
 * Route typed bytes while attached: everything before a Ctrl-] goes into the
 * attached guest's ring. Returns how many bytes of buf were taken (the
 * Ctrl-] included); *detach is set when a Ctrl-] ended the attachment (the
 * caller detaches; the bytes after it are the shell's).
 */
size_t console_input_route(struct console_input *ci, const char *buf, size_t n, bool *detach);

/*
 * Write n bytes into a guest's console input ring as far as it has room,
 * publish them and notify the guest; never waits. Returns the bytes
 * written; the rest is dropped. A ring whose indexes are nonsense takes
 * nothing (and counts a ring error).
 */
unsigned int console_input_to_guest(struct relay_console *c, const char *buf, unsigned int n);

/*
 * The attached guest's output filter: copies in[0..n) to out (room for
 * n + 1 bytes) less NULs and terminal string commands (ESC ] ... / ESC P
 * ... / ESC X / ESC ^ / ESC _, up to BEL or ESC \), keeping state across
 * calls. Returns the bytes written.
 */
unsigned int console_output_filter(struct console_input *ci, const char *in, unsigned int n,
                                   char *out);

#endif
