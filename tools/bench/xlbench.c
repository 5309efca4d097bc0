/*
 * xlbench: the measuring helper inside the xl-baseline dom0 (host-only code,
 * runs in a Debian Linux dom0 built by tools/bench/make-xl-baseline-image).
 *
 *   xlbench create NAME MEM RUN CFG LOGDIR  time one `xl create` of a guest
 *   xlbench destroy NAME MEM RUN CFG        time `xl destroy` of a paused guest
 *   xlbench window CMD ARGS...           run CMD, print the TSC before/after
 *   xlbench count TRACE TSC0 TSC1        count hypercalls in a xentrace file
 *   xlbench exit CODE                    write CODE to QEMU's isa-debug-exit
 *
 * Times come from CLOCK_MONOTONIC and are printed as result lines that
 * tools/bench/run-xl-baseline parses:
 *
 *   RESULT name=hello mem=16 run=1 op=create_return ns=123456789
 *
 * The domain itself is named NAME-MEM-RUN. xl's messages go to
 * /tmp/xl-NAME-MEM-RUN.err and are shown only when xl fails: every line on
 * dom0's console is a synchronous write to a 115200-baud serial port.
 *
 * Whether a guest domain still exists is read from Xen itself
 * (XEN_SYSCTL_getdomaininfolist through libxenctrl), not from `xl list`,
 * whose own start-up would dominate a poll interval under QEMU TCG.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>

/* One poll of the guest's state per millisecond: fine enough for timings of
 * tens of milliseconds, cheap enough not to starve the single vCPU. */
#define POLL_NS        1000000L
#define GUEST_LIMIT_NS (300LL * 1000000000LL)

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_poll(void)
{
    struct timespec ts = {0, POLL_NS};

    nanosleep(&ts, NULL);
}

static uint64_t read_tsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Number of domains other than dom0, or -1 when Xen cannot be asked. */
static int guest_domains(xc_interface *xch)
{
    xc_domaininfo_t info[16];

    return xc_domain_getinfolist(xch, 1, 16, info);
}

/* One measured guest: its names and where xl's messages go. */
struct guest {
    const char *name, *mem, *run;
    char domain[128], name_arg[160], err[192];
};

static void guest_init(struct guest *g, char **argv)
{
    g->name = argv[0];
    g->mem = argv[1];
    g->run = argv[2];
    snprintf(g->domain, sizeof(g->domain), "%s-%s-%s", g->name, g->mem, g->run);
    snprintf(g->name_arg, sizeof(g->name_arg), "name=\"%s\"", g->domain);
    snprintf(g->err, sizeof(g->err), "/tmp/xl-%s.err", g->domain);
}

/* Starts argv with stdout on /dev/null and stderr appended to err_path. */
static pid_t spawn(char *const argv[], const char *err_path)
{
    pid_t pid = fork();

    if (pid == 0) {
        int out = open("/dev/null", O_WRONLY);
        int err = err_path ? open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;

        if (out >= 0) {
            dup2(out, 1);
        }
        if (err >= 0) {
            dup2(err, 2);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "xlbench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

static int run_wait(char *const argv[], const char *err_path)
{
    int status;
    pid_t pid = spawn(argv, err_path);

    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void result(const struct guest *g, const char *op, int64_t ns)
{
    printf("RESULT name=%s mem=%s run=%s op=%s ns=%lld\n", g->name, g->mem, g->run, op,
           (long long)ns);
    fflush(stdout);
}

/* Reports a failed measurement with xl's own messages; returns 1. */
static int failure(const struct guest *g, const char *what)
{
    char line[256];
    FILE *f = fopen(g->err, "r");

    printf("FAIL name=%s mem=%s run=%s reason=%s\n", g->name, g->mem, g->run, what);
    while (f && fgets(line, sizeof(line), f)) {
        printf("  xl: %s", line);
    }
    if (f) {
        fclose(f);
    }
    fflush(stdout);
    return 1;
}

static xc_interface *open_xen(void)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);

    if (!xch) {
        fprintf(stderr, "xlbench: cannot open the Xen control interface: %s\n", strerror(errno));
    }
    return xch;
}

/* Waits until no guest domain is left; returns the time it happened, or -1. */
static int64_t wait_gone(xc_interface *xch, int64_t start)
{
    int n;

    while ((n = guest_domains(xch)) > 0) {
        if (now_ns() - start > GUEST_LIMIT_NS) {
            return -1;
        }
        sleep_poll();
    }
    return n == 0 ? now_ns() : -1;
}

static const char *guest_verdict(const char *log)
{
    static char buf[8192];
    FILE *f = fopen(log, "r");
    size_t n;

    if (!f) {
        return "no-console-log";
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (strstr(buf, "Test result: SUCCESS")) {
        return "SUCCESS";
    }
    return strstr(buf, "Test result:") ? "FAILURE" : "no-result-line";
}

/*
 * `xl create CFG name="DOMAIN"`: the guest powers itself off when done and
 * xl's monitoring process destroys it (on_poweroff = "destroy"). xenconsoled
 * runs with --log=guest, so the guest's first console byte shows up as the
 * first byte of LOGDIR/guest-DOMAIN.log.
 */
static int cmd_create(char **argv)
{
    struct guest g;
    char log[512];
    xc_interface *xch = open_xen();
    int64_t start, returned = -1, first = -1, gone = -1;
    int status, xl_status = -1;
    pid_t pid;
    struct stat st;

    guest_init(&g, argv);
    if (!xch) {
        return 1;
    }
    snprintf(log, sizeof(log), "%s/guest-%s.log", argv[4], g.domain);
    unlink(log);
    if (guest_domains(xch) != 0) {
        return failure(&g, "a-guest-domain-already-exists");
    }
    char *xl[] = {"xl", "create", argv[3], g.name_arg, NULL};
    start = now_ns();
    pid = spawn(xl, g.err);
    if (pid < 0) {
        return failure(&g, "fork-failed");
    }
    while (returned < 0 || first < 0 || gone < 0) {
        int64_t t = now_ns();

        if (returned < 0 && waitpid(pid, &status, WNOHANG) == pid) {
            returned = t;
            xl_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            if (xl_status != 0) {
                break;
            }
        }
        if (first < 0 && stat(log, &st) == 0 && st.st_size > 0) {
            first = t;
        }
        if (returned >= 0 && gone < 0 && guest_domains(xch) == 0) {
            gone = t;
            break;
        }
        if (t - start > GUEST_LIMIT_NS) {
            break;
        }
        sleep_poll();
    }
    if (returned < 0 || xl_status != 0) {
        return failure(&g, returned < 0 ? "xl-create-did-not-return" : "xl-create-failed");
    }
    result(&g, "create_return", returned - start);
    if (first < 0) {
        return failure(&g, "no-console-output");
    }
    result(&g, "first_output", first - start);
    if (gone < 0) {
        return failure(&g, "guest-still-running");
    }
    result(&g, "run_to_gone", gone - start);
    printf("GUEST name=%s mem=%s run=%s verdict=%s\n", g.name, g.mem, g.run, guest_verdict(log));
    fflush(stdout);
    xc_interface_close(xch);
    return 0;
}

/* `xl create -p` (untimed), then `xl destroy DOMAIN` timed to its return and
 * to the moment Xen no longer lists the domain. */
static int cmd_destroy(char **argv)
{
    struct guest g;
    xc_interface *xch = open_xen();
    int64_t start, returned, gone;

    guest_init(&g, argv);
    if (!xch) {
        return 1;
    }
    char *create[] = {"xl", "create", "-p", argv[3], g.name_arg, NULL};
    char *destroy[] = {"xl", "destroy", g.domain, NULL};
    if (run_wait(create, g.err) != 0) {
        return failure(&g, "xl-create-p-failed");
    }
    start = now_ns();
    if (run_wait(destroy, g.err) != 0) {
        return failure(&g, "xl-destroy-failed");
    }
    returned = now_ns();
    gone = wait_gone(xch, start);
    result(&g, "destroy_return", returned - start);
    if (gone < 0) {
        return failure(&g, "domain-still-listed-after-destroy");
    }
    result(&g, "destroy_gone", gone - start);
    xc_interface_close(xch);
    return 0;
}

static int cmd_window(char **argv)
{
    uint64_t t0 = read_tsc();
    int status = run_wait(argv, NULL);
    uint64_t t1 = read_tsc();

    printf("WINDOW tsc0=%llu tsc1=%llu status=%d\n", (unsigned long long)t0, (unsigned long long)t1,
           status);
    return status == 0 ? 0 : 1;
}

/*
 * xentrace's file is a sequence of Xen's struct t_rec (public/trace.h): a
 * 32-bit header (event:28, extra words:3, cycles included:1), an optional
 * 64-bit TSC, then the extra words. TRC_PV_HYPERCALL_V2 carries the hypercall
 * number in bits 0-19 of its first word; multicall entries are traced again
 * as TRC_PV_HYPERCALL_SUBCALL.
 */
#define TRC_LOST_RECORDS_EV 0x0001f001u
#define TRC_PV_HC           0x00201001u
#define TRC_PV_HC_V2        0x0020100du
#define TRC_PV_SUBCALL_EV   0x0020200eu
#define HC_MAX              64

static int cmd_count(char **argv)
{
    FILE *f = fopen(argv[0], "rb");
    uint64_t t0 = strtoull(argv[1], NULL, 0), t1 = strtoull(argv[2], NULL, 0);
    unsigned long calls[HC_MAX] = {0}, subcalls[HC_MAX] = {0};
    unsigned long total = 0, subtotal = 0, lost = 0, other = 0;
    uint64_t tsc = 0;
    uint32_t hdr;

    if (!f) {
        fprintf(stderr, "xlbench: %s: %s\n", argv[0], strerror(errno));
        return 1;
    }
    while (fread(&hdr, 4, 1, f) == 1) {
        uint32_t event = hdr & 0x0fffffffu, n = (hdr >> 28) & 7, extra[8] = {0};
        int has_tsc = hdr >> 31;
        uint32_t op;

        if (has_tsc && fread(&tsc, 8, 1, f) != 1) {
            break;
        }
        if (n && fread(extra, 4, n, f) != n) {
            break;
        }
        if (event == TRC_LOST_RECORDS_EV) {
            lost++;
        }
        if (!has_tsc || tsc < t0 || tsc > t1) {
            continue;
        }
        op = extra[0] & 0xfffff;
        if (event == TRC_PV_HC_V2 || event == TRC_PV_HC) {
            if (event == TRC_PV_HC) {
                op = extra[n > 1 ? 1 : 0]; /* the old format: eip, then eax */
            }
            total++;
            calls[op < HC_MAX ? op : 0]++;
        } else if (event == TRC_PV_SUBCALL_EV) {
            subtotal++;
            subcalls[op < HC_MAX ? op : 0]++;
        } else {
            other++;
        }
    }
    fclose(f);
    printf("HYPERCALLS total=%lu multicall_entries=%lu lost_record_events=%lu "
           "other_pv_events=%lu\n",
           total, subtotal, lost, other);
    for (unsigned i = 0; i < HC_MAX; i++) {
        if (calls[i] || subcalls[i]) {
            printf("HYPERCALL op=%u count=%lu in_multicall=%lu\n", i, calls[i], subcalls[i]);
        }
    }
    return 0;
}

/* QEMU's isa-debug-exit device at 0xf4 ends QEMU with status CODE*2+1. */
static int cmd_exit(char **argv)
{
    if (ioperm(0xf4, 1, 1) != 0) {
        fprintf(stderr, "xlbench: ioperm(0xf4): %s\n", strerror(errno));
        return 1;
    }
    outb((unsigned char)atoi(argv[0]), 0xf4);
    return 1; /* still here: no isa-debug-exit device */
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int args; /* minimum number of arguments */
        int (*run)(char **argv);
    } cmds[] = {
        {"create", 5, cmd_create}, {"destroy", 4, cmd_destroy}, {"window", 1, cmd_window},
        {"count", 3, cmd_count},   {"exit", 1, cmd_exit},
    };

    for (unsigned i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(argv[1], cmds[i].name) == 0) {
            if (argc - 2 < cmds[i].args) {
                fprintf(stderr, "xlbench %s: needs %d arguments\n", argv[1], cmds[i].args);
                return 2;
            }
            return cmds[i].run(argv + 2);
        }
    }
    fprintf(stderr, "usage: xlbench create|destroy|window|count|exit ARGS...\n");
    return 2;
}
