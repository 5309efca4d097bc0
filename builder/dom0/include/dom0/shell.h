/*
 * The operator's shell on the builder's serial line (docs/user-guide.md,
 * "Operating a running platform"): xl's everyday commands for the VMs of a
 * running db-boot or db-server.
 *
 *     domb> list                      the VMs that exist, as xl list
 *     domb> create NAME               build and start VM NAME of the archive
 *     domb> shutdown NAME|ID          ask it to power off (control/shutdown)
 *     domb> reboot NAME|ID            ask it to reboot; it is built again
 *     domb> destroy NAME|ID           end it at once
 *     domb> pause NAME|ID / unpause NAME|ID
 *     domb> console NAME|ID           this line becomes its console; Ctrl-] back
 *     domb> info                      Xen version, memory, uptime
 *     domb> help [COMMAND]
 *
 * It runs inside the platform's event loop (platform_handle_events calls
 * shell_poll once per pass): no thread, no blocking beyond what a command
 * itself does (create builds a VM). Every mistake gets one line saying what
 * was wrong; over-long lines and bytes that are not text are refused whole.
 * Until the operator types, nothing it prints changes the relay's output
 * beyond one line at start.
 */
#ifndef DOMB_SHELL_H
#define DOMB_SHELL_H

#include <dom0/console_input.h>
#include <dom0/platform.h>

#define SHELL_PROMPT   "domb> "
#define SHELL_LINE_MAX 200u /* characters in one command line */
/* A guest asked through control/shutdown must take the request (Linux and
 * our guests clear the node) within SHELL_ACK_NS, then stop within
 * SHELL_STOP_NS; otherwise the operator is told. */
#define SHELL_ACK_NS      (10ULL * 1000000000ULL)
#define SHELL_STOP_NS     (120ULL * 1000000000ULL)
#define SHELL_REQUESTS    16u /* shutdown/reboot requests followed at once */
#define SHELL_READ_ROUNDS 4u  /* CONSOLEIO_read calls per pass at most */

/* ---- the command parser (pure) ---- */

enum shell_verb {
    SHELL_EMPTY, /* a blank line */
    SHELL_HELP,
    SHELL_LIST,
    SHELL_INFO,
    SHELL_CREATE,
    SHELL_SHUTDOWN,
    SHELL_REBOOT,
    SHELL_DESTROY,
    SHELL_PAUSE,
    SHELL_UNPAUSE,
    SHELL_CONSOLE,
    SHELL_VERBS,
};

struct shell_command {
    enum shell_verb verb;
    /* create: the VM name; the others: NAME, or the domid's digits */
    char target[VM_NAME_MAX + 1];
    bool by_domid;
    domid_t domid;
    enum shell_verb topic; /* help COMMAND (SHELL_EMPTY: all) */
};

/*
 * Parse one line (NUL-terminated printable text, without its line end):
 * a command word and its arguments, separated by spaces or tabs. A target
 * that is all digits is a domid (1..32751), anything else a VM name
 * ([A-Za-z0-9_.-], at most VM_NAME_MAX). Returns 0, or -XEN_EINVAL with err
 * saying what is wrong, in one line, naming the command ("shutdown: which
 * VM? usage: shutdown NAME|ID").
 */
int shell_parse(const char *line, struct shell_command *cmd, struct domb_error *err);
const char *shell_verb_name(enum shell_verb verb);

/* ---- the shell ---- */

/* A control/shutdown request being followed. */
struct shell_request {
    struct vm *vm; /* NULL: free slot */
    domid_t domid; /* the domain asked */
    bool reboot;
    bool acked; /* the guest cleared control/shutdown */
    uint64_t asked_ns;
};

struct shell {
    struct platform *p;
    const char *who; /* "db-boot", "db-server" */
    struct console_input in;
    struct relay_sink sink; /* installed on every relayed console */
    char line[SHELL_LINE_MAX + 1];
    unsigned int len;
    unsigned int overflow; /* characters typed beyond SHELL_LINE_MAX */
    unsigned int garbage;  /* bytes of the line that are not printable text */
    uint8_t esc_state;     /* a terminal key sequence (arrows, ...) being skipped */
    bool last_cr;          /* the last byte ended a line with '\r' */
    bool on_prompt;        /* the prompt and the line are the last output */
    bool read_once;        /* the serial line was read since the start */
    char echo[256];        /* typed characters echoed, printed at once */
    unsigned int echo_len;
    struct shell_request requests[SHELL_REQUESTS];
    /* What the platform's VMs looked like after the last pass (redraws the
     * prompt after someone else printed). */
    uint8_t seen_state[PLATFORM_MAX_VMS];
    domid_t seen_domid[PLATFORM_MAX_VMS];
    unsigned long lines, errors;
};

/*
 * Start the shell on platform p (after platform_boot): bind VIRQ_CONSOLE,
 * hook into the platform (p->shell) and say so in one line. Not started
 * (returns 0, p->shell stays NULL) when the builder's command line has
 * "domb.shell=0" or the platform will not run (when-done "shutdown").
 * Returns a negative error, after saying why, when the serial line cannot
 * be read.
 */
int shell_start(struct shell *sh, struct platform *p, const char *who, const char *cmdline);

/* Unhook from the platform and close VIRQ_CONSOLE (tests; the builders
 * never stop it). */
void shell_stop(struct shell *sh);

/* The port the event loop waits on (VIRQ_CONSOLE). */
evtchn_port_t shell_port(const struct shell *sh);

/* One pass of the event loop: read the serial line if it has something,
 * run the commands typed, follow shutdown requests, notice an attached
 * guest that stopped. */
void shell_poll(struct shell *sh);

/* Bytes from the serial line, as typed (shell_poll reads them; tests may
 * feed them directly). */
void shell_feed(struct shell *sh, const char *buf, size_t n);

/* Run one command line (as if typed and ended with Enter). */
void shell_execute(struct shell *sh, const char *line);

#endif
