/* The operator shell: line editing on the serial line, the commands and what follows from them. */
#include <dom0/shell.h>
#include <domb/cmdline.h>
#include <domb/errno.h>
#include <domb/lib.h>
#include <domb/log.h>

/* ---- output: the prompt stays the last thing on the line ---- */

static void shell_flush_echo(struct shell *sh)
{
    if (sh->echo_len) {
        printk("%.*s", (int)sh->echo_len, sh->echo);
        sh->echo_len = 0;
    }
}

static void shell_echo(struct shell *sh, const char *s)
{
    for (; *s; s++) {
        if (sh->echo_len == sizeof(sh->echo))
            shell_flush_echo(sh);
        sh->echo[sh->echo_len++] = *s;
    }
}

static void shell_show_prompt(struct shell *sh)
{
    shell_flush_echo(sh);
    printk("%s%.*s", SHELL_PROMPT, (int)sh->len, sh->line);
    sh->on_prompt = true;
}

/* Draw the prompt and the line again over whatever is on the cursor's line
 * (CR, then erase to the end of the line: VT100's EL). */
static void shell_redraw(struct shell *sh)
{
    shell_flush_echo(sh);
    printk("\r\x1b[K");
    shell_show_prompt(sh);
}

__attribute__((format(printf, 2, 3))) static void shell_error(struct shell *sh, const char *fmt,
                                                              ...)
{
    char msg[2 * DOMB_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    domb_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    printk("domb: %s\n", msg);
    sh->errors++;
}

/* Something the shell says on its own (not as a command's answer): on a
 * line of its own, the prompt drawn again below it. */
__attribute__((format(printf, 2, 3))) static void shell_notice(struct shell *sh, const char *fmt,
                                                               ...)
{
    char msg[2 * DOMB_ERROR_MSG_MAX + 64];
    bool prompt = sh->on_prompt;
    va_list ap;

    va_start(ap, fmt);
    domb_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    shell_flush_echo(sh);
    printk("%s%s\n", prompt ? "\r\x1b[K" : "", msg);
    sh->on_prompt = false;
    if (prompt)
        shell_show_prompt(sh);
}

/* ---- the relay's output while the shell runs ---- */

static bool shell_sink_raw(void *arg, struct relay_console *c, const char *buf, unsigned int n)
{
    struct shell *sh = arg;
    char out[256 + 1];

    if (!sh->in.attached || c != &sh->in.attached->console)
        return false;
    for (unsigned int off = 0; off < n;) {
        unsigned int k = n - off > 256 ? 256 : n - off;
        unsigned int w = console_output_filter(&sh->in, buf + off, k, out);

        if (w)
            printk("%.*s", (int)w, out);
        off += k;
    }
    return true;
}

static void shell_sink_line(void *arg, const char *name, const char *line)
{
    struct shell *sh = arg;
    const struct vm *a = sh->in.attached;

    if (a && strcmp(a->name, name) == 0) {
        /* the attached guest's own last partial line, as it stopped */
        printk("%s\n", line);
        sh->in.out_mid_line = false;
    } else if (a) {
        /* another guest while attached: on a line of its own, prefixed */
        printk("%s[%s] %s\n", sh->in.out_mid_line ? "\n" : "", name, line);
        sh->in.out_mid_line = false;
    } else if (sh->on_prompt) {
        shell_flush_echo(sh);
        printk("\r\x1b[K[%s] %s\n", name, line);
        shell_show_prompt(sh);
    } else {
        printk("[%s] %s\n", name, line);
    }
}

static void shell_install_sinks(struct shell *sh)
{
    struct platform *p = sh->p;

    for (unsigned int i = 0; i < p->nr_vms; i++) {
        struct relay_console *c = &p->vms[i].console;

        if (p->vms[i].relay && c->ring && c->sink != &sh->sink)
            c->sink = &sh->sink;
    }
}

/* Remember what every VM looks like now. Returns whether anything changed
 * since the last look. */
static bool shell_snapshot(struct shell *sh)
{
    struct platform *p = sh->p;
    bool changed = false;

    for (unsigned int i = 0; i < p->nr_vms && i < PLATFORM_MAX_VMS; i++) {
        const struct vm *vm = &p->vms[i];

        if (sh->seen_state[i] != (uint8_t)vm->state || sh->seen_domid[i] != vm->domid) {
            changed = true;
            sh->seen_state[i] = (uint8_t)vm->state;
            sh->seen_domid[i] = vm->domid;
        }
    }
    return changed;
}

/* ---- VMs by name or domid ---- */

static bool vm_exists(const struct vm *vm)
{
    return vm->state == VM_BUILT || vm->state == VM_RUNNING || vm->state == VM_STOPPED;
}

/* The summary's result text, except that a built VM is one never started. */
static const char *shell_vm_status(const struct vm *vm, char *buf, size_t size)
{
    if (vm->state != VM_BUILT)
        return vm_result_text(vm, buf, size);
    domb_snprintf(buf, size, "built, never started");
    return buf;
}

/* The VM cmd names whose domain exists; NULL after saying why there is none. */
static struct vm *shell_find(struct shell *sh, const struct shell_command *cmd)
{
    struct platform *p = sh->p;
    const char *verb = shell_verb_name(cmd->verb);
    struct vm *record = NULL;
    char status[160];

    for (unsigned int i = 0; i < p->nr_vms; i++) {
        struct vm *vm = &p->vms[i];

        if (cmd->by_domid ? vm->domid != cmd->domid : strcmp(vm->name, cmd->target) != 0)
            continue;
        if (vm_exists(vm))
            return vm;
        if (vm->state != VM_EMPTY && !cmd->by_domid)
            record = vm;
    }
    if (record)
        shell_error(sh, "%s: '%s' is not running (%s)", verb, record->name,
                    shell_vm_status(record, status, sizeof(status)));
    else if (cmd->by_domid)
        shell_error(sh, "%s: no VM has domid %u (try 'list')", verb, cmd->domid);
    else
        shell_error(sh, "%s: no VM named '%s' (try 'list')", verb, cmd->target);
    return NULL;
}

/* A VM the command needs running (not only built, not stopped). */
static struct vm *shell_find_running(struct shell *sh, const struct shell_command *cmd)
{
    struct vm *vm = shell_find(sh, cmd);
    const char *verb = shell_verb_name(cmd->verb);
    char status[160];

    if (!vm || vm->state == VM_RUNNING)
        return vm;
    if (vm->state == VM_BUILT)
        shell_error(sh, "%s: '%s' (domid %u) was built but never started ('unpause %s' starts it)",
                    verb, vm->name, vm->domid, vm->name);
    else
        shell_error(sh, "%s: '%s' (domid %u) has stopped (%s); 'destroy %s' removes it", verb,
                    vm->name, vm->domid, shell_vm_status(vm, status, sizeof(status)), vm->name);
    return NULL;
}

static int shell_domctl(struct shell *sh, unsigned int cmd, domid_t domid)
{
    struct xen_domctl d = {
        .cmd = cmd, .domain = domid, .interface_version = XEN_DOMCTL_INTERFACE_VERSION};

    return sh->p->xen->domctl(sh->p->xen->ctx, &d);
}

/* ---- list and info ---- */

static void shell_list_row(const char *name, domid_t domid, const char *type,
                           const struct xen_domctl_getdomaininfo *info)
{
    char state[7] = "------";
    uint64_t tenths;
    unsigned int reason;

    if (!info) {
        printk("%-32s %5u %5s %5s %-6s %9s  %s\n", name, domid, "-", "-", "?", "-", type);
        return;
    }
    reason = (info->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    if (info->flags & XEN_DOMINF_running)
        state[0] = 'r';
    if (info->flags & XEN_DOMINF_blocked)
        state[1] = 'b';
    if (info->flags & XEN_DOMINF_paused)
        state[2] = 'p';
    if ((info->flags & XEN_DOMINF_shutdown) && reason != SHUTDOWN_crash)
        state[3] = 's';
    if ((info->flags & XEN_DOMINF_shutdown) && reason == SHUTDOWN_crash)
        state[4] = 'c';
    if (info->flags & XEN_DOMINF_dying)
        state[5] = 'd';
    tenths = info->cpu_time / 100000000ULL;
    printk("%-32s %5u %5lu %5u %-6s %7lu.%lu  %s\n", name, domid,
           (unsigned long)(info->tot_pages >> 8), info->nr_online_vcpus, state,
           (unsigned long)(tenths / 10), (unsigned long)(tenths % 10), type);
}

static void shell_list(struct shell *sh)
{
    struct platform *p = sh->p;
    static uint16_t order[PLATFORM_MAX_VMS];
    struct xen_domctl_getdomaininfo info;
    unsigned int n = 0, others = 0;
    char gone[200];
    size_t used = 0;

    printk("%-32s %5s %5s %5s %-6s %9s  %s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)",
           "Type");
    /* An ordinary domain (db-server under FLASK) may look neither at dom0
     * nor at itself (domb.te): it names itself, without Xen's figures. */
    if (p->domu)
        shell_list_row(sh->who, p->self_domid, "pv", NULL);
    else
        shell_list_row("Domain-0", 0, "pv",
                       xenops_domain_info(p->xen, 0, &info) == 0 ? &info : NULL);
    /* The domains that exist, by domid (insertion sort: a few hundred at most). */
    for (unsigned int i = 0; i < p->nr_vms; i++) {
        unsigned int k = n++;

        if (!vm_exists(&p->vms[i])) {
            n--;
            continue;
        }
        while (k > 0 && p->vms[order[k - 1]].domid > p->vms[i].domid) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = (uint16_t)i;
    }
    for (unsigned int k = 0; k < n; k++) {
        const struct vm *vm = &p->vms[order[k]];

        shell_list_row(vm->name, vm->domid, vm_type_name(vm->config.type),
                       xenops_domain_info(p->xen, vm->domid, &info) == 0 ? &info : NULL);
    }
    /* And, in one line, what is known but not there any more. */
    gone[0] = '\0';
    for (unsigned int i = 0; i < p->nr_vms; i++) {
        const struct vm *vm = &p->vms[i];
        char status[40];
        int w;

        if (vm->state != VM_FAILED && vm->state != VM_DESTROYED)
            continue;
        if (vm->state == VM_FAILED)
            domb_snprintf(status, sizeof(status), "FAILED");
        else
            shell_vm_status(vm, status, sizeof(status));
        w = domb_snprintf(gone + used, sizeof(gone) - used, "%s%s (%s)", used ? ", " : "", vm->name,
                          status);
        if (w < 0 || used + (size_t)w >= sizeof(gone) - 16) {
            gone[used] = '\0';
            others++;
            continue;
        }
        used += (size_t)w;
    }
    if (used || others) {
        if (others)
            printk("not running: %s%s%u more\n", gone, used ? " and " : "", others);
        else
            printk("not running: %s\n", gone);
    }
}

static void shell_info(struct shell *sh)
{
    struct platform *p = sh->p;
    const struct xenops *x = p->xen;
    xen_extraversion_t extra = "";
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_physinfo,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    uint64_t now = xenops_now_ns(x), since = now - p->boot_t0;
    unsigned int running = 0, paused = 0, stopped = 0, failed = 0;
    int v = x->xen_version ? x->xen_version(x->ctx, XENVER_version, NULL) : -XEN_ENOSYS;

    if (v >= 0 && x->xen_version(x->ctx, XENVER_extraversion, extra) != 0)
        extra[0] = '\0';
    extra[sizeof(extra) - 1] = '\0';
    if (v >= 0)
        printk("xen_version         : %d.%d%s\n", v >> 16, v & 0xffff, extra);
    else
        printk("xen_version         : unknown (error %d)\n", v);
    printk("builder             : %s (domain %u%s)\n", sh->who, p->self_domid,
           p->domu ? ", an ordinary domain" : "");
    if (x->sysctl(x->ctx, &op) == 0) {
        printk("nr_cpus             : %u\n", op.u.physinfo.nr_cpus);
        printk("total_memory        : %lu MiB\n", (unsigned long)(op.u.physinfo.total_pages >> 8));
        printk("free_memory         : %lu MiB\n", (unsigned long)(op.u.physinfo.free_pages >> 8));
    } else {
        printk("free_memory         : unknown (physinfo failed)\n");
    }
    printk("xen_uptime          : %lu.%lu s\n", (unsigned long)(now / 1000000000ULL),
           (unsigned long)(now / 100000000ULL % 10));
    printk("builder_uptime      : %lu.%lu s\n", (unsigned long)(since / 1000000000ULL),
           (unsigned long)(since / 100000000ULL % 10));
    for (unsigned int i = 0; i < p->nr_vms; i++) {
        const struct vm *vm = &p->vms[i];
        struct xen_domctl_getdomaininfo info;

        if (vm->state == VM_RUNNING) {
            running++;
            if (xenops_domain_info(x, vm->domid, &info) == 0 && (info.flags & XEN_DOMINF_paused))
                paused++;
        }
        stopped += vm->state == VM_STOPPED || vm->state == VM_DESTROYED;
        failed += vm->state == VM_FAILED;
    }
    printk("vms                 : %u running (%u paused), %u stopped, %u failed\n", running, paused,
           stopped, failed);
}

/* ---- help ---- */

static const char *const shell_help_text[SHELL_VERBS] = {
    [SHELL_HELP] = "help [COMMAND]      this list, or one command",
    [SHELL_LIST] = "list                the VMs that exist (as xl list), then those that stopped",
    [SHELL_INFO] = "info                Xen version, CPUs, memory, uptime",
    [SHELL_CREATE] =
        "create NAME         build and start VM NAME of the archive (it must not exist)",
    [SHELL_SHUTDOWN] = "shutdown NAME|ID    ask it to power off (xenstore control/shutdown, as xl)",
    [SHELL_REBOOT] = "reboot NAME|ID      ask it to reboot; it is built and started again",
    [SHELL_DESTROY] = "destroy NAME|ID     end it at once",
    [SHELL_PAUSE] = "pause NAME|ID       stop its vCPUs",
    [SHELL_UNPAUSE] = "unpause NAME|ID     let them run again (starts a VM built paused)",
    [SHELL_CONSOLE] = "console NAME|ID     this line becomes its console; Ctrl-] comes back",
};

static void shell_help(struct shell *sh, enum shell_verb topic)
{
    if (topic != SHELL_EMPTY) {
        printk("  %s\n", shell_help_text[topic]);
        return;
    }
    printk("commands (NAME: a VM's name, ID: its domid):\n");
    for (unsigned int k = SHELL_EMPTY + 1; k < SHELL_VERBS; k++)
        printk("  %s\n", shell_help_text[k]);
}

/* ---- create, shutdown/reboot, destroy, pause, console ---- */

static void shell_create(struct shell *sh, const char *name)
{
    struct platform *p = sh->p;
    const struct bootset_vm *b = NULL;
    struct vm_build_opts opts;
    struct vm *vm;
    unsigned int slot = 0;

    for (unsigned int i = 0; i < p->set.nr_vms; i++)
        if (strcmp(p->set.vms[i].config.name, name) == 0) {
            b = &p->set.vms[i];
            slot = i;
        }
    if (!b) {
        shell_error(sh, "create: no VM named '%s' in the archive (its VMs are in 'list')", name);
        return;
    }
    if (b->status != 0) {
        shell_error(sh, "create: '%s' cannot be built: %s", name, b->error.msg);
        return;
    }
    for (unsigned int i = 0; i < p->nr_vms; i++)
        if (vm_exists(&p->vms[i]) && strcmp(p->vms[i].name, name) == 0) {
            shell_error(sh,
                        "create: '%s' already exists (domid %u); shut it down or destroy it "
                        "first",
                        name, p->vms[i].domid);
            return;
        }
    /* The boot set's own slot (its record is replaced, as a restart does). */
    vm = slot < p->nr_vms ? &p->vms[slot] : platform_new_vm(p);
    if (!vm) {
        shell_error(sh, "create: no room for another VM (%u)", PLATFORM_MAX_VMS);
        return;
    }
    printk("domb: building '%s' (input typed meanwhile waits)\n", name);
    platform_build_opts(p, &opts);
    if (vm_build(vm, &b->config, b->kernel, b->kernel_size, b->ramdisk, b->ramdisk_size, &opts) !=
        0) {
        shell_error(sh, "create: '%s' FAILED: %s", name, vm->error.msg);
        return;
    }
    if (vm_unpause(vm) != 0) {
        shell_error(sh, "create: '%s' FAILED to start: %s", name, vm->error.msg);
        return;
    }
    shell_install_sinks(sh);
    printk("db: vm '%s' created: domid %u, %s, %u MiB, %lu us, %u hypercalls\n", vm->name,
           vm->domid, vm_type_name(vm->config.type), vm->memory_mib, vm->build_ns / 1000,
           vm->hypercalls);
}

static struct shell_request *shell_request_of(struct shell *sh, const struct vm *vm)
{
    for (unsigned int i = 0; i < SHELL_REQUESTS; i++)
        if (sh->requests[i].vm == vm && sh->requests[i].domid == vm->domid)
            return &sh->requests[i];
    return NULL;
}

static void shell_ask(struct shell *sh, const struct shell_command *cmd, bool reboot)
{
    struct vm *vm = shell_find_running(sh, cmd);
    const char *verb = shell_verb_name(cmd->verb), *how = reboot ? "reboot" : "poweroff";
    struct shell_request *r;
    uint64_t now = xenops_now_ns(sh->p->xen);

    if (!vm)
        return;
    if ((r = shell_request_of(sh, vm)) != NULL) {
        shell_error(sh,
                    "%s: '%s' was asked to %s %lu s ago and has not stopped yet ('destroy %s' "
                    "ends it)",
                    verb, vm->name, r->reboot ? "reboot" : "power off",
                    (unsigned long)((now - r->asked_ns) / 1000000000ULL), vm->name);
        return;
    }
    for (unsigned int i = 0; i < SHELL_REQUESTS && !r; i++)
        if (!sh->requests[i].vm)
            r = &sh->requests[i];
    if (!r) {
        shell_error(sh, "%s: %u requests are being followed already; wait or destroy", verb,
                    SHELL_REQUESTS);
        return;
    }
    if (vm_request_shutdown(vm, how) != 0) {
        shell_error(sh, "%s: cannot ask '%s' (domid %u): %s; 'destroy %s' ends it", verb, vm->name,
                    vm->domid, vm->error.msg, vm->name);
        return;
    }
    platform_xenstore_pending(sh->p);
    *r = (struct shell_request){.vm = vm, .domid = vm->domid, .reboot = reboot, .asked_ns = now};
    printk("domb: asked '%s' (domid %u) to %s (control/shutdown = %s)\n", vm->name, vm->domid,
           reboot ? "reboot" : "power off", how);
}

static void shell_detach(struct shell *sh, const char *why)
{
    struct vm *vm = sh->in.attached;
    bool mid = sh->in.out_mid_line;

    if (!vm)
        return;
    console_input_detach(&sh->in);
    printk("%sdomb: back from the console of '%s'%s\n", mid ? "\n" : "", vm->name, why);
}

static void shell_forget_requests(struct shell *sh, const struct vm *vm)
{
    for (unsigned int i = 0; i < SHELL_REQUESTS; i++)
        if (sh->requests[i].vm == vm)
            sh->requests[i].vm = NULL;
}

static void shell_destroy(struct shell *sh, const struct shell_command *cmd)
{
    struct vm *vm = shell_find(sh, cmd);
    domid_t domid;

    if (!vm)
        return;
    domid = vm->domid;
    if (sh->in.attached == vm)
        shell_detach(sh, "");
    if (vm_destroy(vm) != 0) {
        shell_error(sh, "destroy: '%s' (domid %u): %s", vm->name, domid, vm->error.msg);
        return;
    }
    vm->shutdown_reason = VM_SHUTDOWN_DESTROYED;
    shell_forget_requests(sh, vm);
    platform_orphan(sh->p, domid);
    printk("db: vm '%s' (domid %u) destroyed by the operator\n", vm->name, domid);
}

static void shell_pause(struct shell *sh, const struct shell_command *cmd, bool pause)
{
    struct vm *vm = pause ? shell_find_running(sh, cmd) : shell_find(sh, cmd);
    const char *verb = shell_verb_name(cmd->verb);
    struct xen_domctl_getdomaininfo info;
    int rc;

    if (!vm)
        return;
    if (!pause && vm->state == VM_BUILT) {
        /* built and left paused (db-server's LEAVE_PAUSED): its first start */
        if (vm_unpause(vm) != 0) {
            shell_error(sh, "unpause: '%s' FAILED to start: %s", vm->name, vm->error.msg);
            return;
        }
        printk("domb: '%s' (domid %u) started\n", vm->name, vm->domid);
        return;
    }
    if (!pause && vm->state != VM_RUNNING) {
        shell_find_running(sh, cmd); /* says why */
        return;
    }
    if (xenops_domain_info(sh->p->xen, vm->domid, &info) == 0 &&
        !!(info.flags & XEN_DOMINF_paused) == pause) {
        shell_error(sh, "%s: '%s' (domid %u) is %s paused", verb, vm->name, vm->domid,
                    pause ? "already" : "not");
        return;
    }
    rc = shell_domctl(sh, pause ? XEN_DOMCTL_pausedomain : XEN_DOMCTL_unpausedomain, vm->domid);
    if (rc) {
        shell_error(sh, "%s: '%s' (domid %u): Xen refused (error %d)", verb, vm->name, vm->domid,
                    rc);
        return;
    }
    printk("domb: '%s' (domid %u) %s\n", vm->name, vm->domid, pause ? "paused" : "unpaused");
}

static void shell_console(struct shell *sh, const struct shell_command *cmd)
{
    struct vm *vm = shell_find(sh, cmd);
    struct relay_console *c;

    if (!vm)
        return;
    if (vm->state != VM_RUNNING && vm->state != VM_BUILT) {
        shell_find_running(sh, cmd); /* says why */
        return;
    }
    c = &vm->console;
    if (!vm->relay || !c->ring) {
        shell_error(sh,
                    "console: '%s' has no console here: the console relay is off for this "
                    "archive (domb-pack --no-relay)",
                    vm->name);
        return;
    }
    console_input_attach(&sh->in, vm);
    shell_install_sinks(sh);
    printk("domb: attached to the console of '%s' (domid %u); Ctrl-] comes back\n", vm->name,
           vm->domid);
    /* What it printed of its current line so far (a shell's prompt). */
    if (c->len) {
        printk("%.*s", (int)c->len, c->line);
        c->len = 0;
        sh->in.out_mid_line = true;
    }
    c->esc_state = 0;
}

void shell_execute(struct shell *sh, const char *line)
{
    struct shell_command cmd;
    struct domb_error err;

    sh->lines++;
    if (shell_parse(line, &cmd, &err) != 0) {
        shell_error(sh, "%s", err.msg);
        return;
    }
    switch (cmd.verb) {
    case SHELL_EMPTY:
        break;
    case SHELL_HELP:
        shell_help(sh, cmd.topic);
        break;
    case SHELL_LIST:
        shell_list(sh);
        break;
    case SHELL_INFO:
        shell_info(sh);
        break;
    case SHELL_CREATE:
        shell_create(sh, cmd.target);
        break;
    case SHELL_SHUTDOWN:
    case SHELL_REBOOT:
        shell_ask(sh, &cmd, cmd.verb == SHELL_REBOOT);
        break;
    case SHELL_DESTROY:
        shell_destroy(sh, &cmd);
        break;
    case SHELL_PAUSE:
    case SHELL_UNPAUSE:
        shell_pause(sh, &cmd, cmd.verb == SHELL_PAUSE);
        break;
    case SHELL_CONSOLE:
        shell_console(sh, &cmd);
        break;
    case SHELL_VERBS:
        break;
    }
}

/* ---- line editing ---- */

static void shell_enter(struct shell *sh)
{
    shell_flush_echo(sh);
    printk("\n");
    sh->on_prompt = false;
    sh->line[sh->len] = '\0';
    if (sh->garbage)
        shell_error(sh,
                    "ignored a line with %u byte%s that %s not printable text (control "
                    "characters or binary)",
                    sh->garbage, sh->garbage == 1 ? "" : "s", sh->garbage == 1 ? "is" : "are");
    else if (sh->overflow)
        shell_error(sh, "ignored a line of %u characters: at most %u", sh->len + sh->overflow,
                    SHELL_LINE_MAX);
    else
        shell_execute(sh, sh->line);
    sh->len = sh->overflow = sh->garbage = 0;
    shell_snapshot(sh); /* what the command changed was said already */
    if (!sh->in.attached)
        shell_show_prompt(sh);
}

/* One byte typed at the shell (not attached to a guest). */
static void shell_key(struct shell *sh, unsigned char c)
{
    if (!sh->on_prompt)
        shell_show_prompt(sh);
    if (sh->esc_state) {
        /* ESC [ or ESC O, parameters, then a final byte 0x40..0x7e (arrow
         * keys, function keys): skipped whole. */
        if (sh->esc_state == 1 && (c == '[' || c == 'O'))
            sh->esc_state = 2;
        else if (sh->esc_state == 1 || (c >= 0x40 && c <= 0x7e) || ++sh->esc_state > 16)
            sh->esc_state = 0;
        return;
    }
    if (c == '\n' && sh->last_cr) { /* CR LF is one line end */
        sh->last_cr = false;
        return;
    }
    sh->last_cr = c == '\r';
    switch (c) {
    case '\r':
    case '\n':
        shell_enter(sh);
        return;
    case 0x7f: /* DEL, backspace */
    case 0x08:
        if (sh->overflow)
            sh->overflow--;
        else if (sh->len) {
            sh->len--;
            shell_echo(sh, "\b \b");
        }
        return;
    case 0x15: /* Ctrl-U: the whole line */
        sh->len = sh->overflow = sh->garbage = 0;
        shell_redraw(sh);
        return;
    case 0x03: /* Ctrl-C: drop the line */
        shell_echo(sh, "^C\n");
        sh->len = sh->overflow = sh->garbage = 0;
        shell_show_prompt(sh);
        return;
    case 0x1b:
        sh->esc_state = 1;
        return;
    case CONSOLE_INPUT_DETACH: /* not attached: nothing to leave */
        return;
    case '\t':
        c = ' ';
        break;
    default:
        break;
    }
    if (c >= 0x20 && c < 0x7f) {
        if (sh->len < SHELL_LINE_MAX && !sh->overflow) {
            char s[2] = {(char)c, '\0'};

            sh->line[sh->len++] = (char)c;
            shell_echo(sh, s);
        } else {
            sh->overflow++;
        }
    } else {
        sh->garbage++;
    }
}

void shell_feed(struct shell *sh, const char *buf, size_t n)
{
    size_t i = 0;

    while (i < n) {
        if (sh->in.attached) {
            bool detach, first_drop = sh->in.bytes_dropped == sh->in.dropped_at_attach;

            i += console_input_route(&sh->in, buf + i, n - i, &detach);
            if (first_drop && sh->in.bytes_dropped > sh->in.dropped_at_attach)
                printk("%sdomb: '%s' is not reading its console input: what you type is dropped "
                       "(Ctrl-] comes back)\n",
                       sh->in.out_mid_line ? "\n" : "", sh->in.attached->name);
            if (detach) {
                shell_detach(sh, "");
                shell_show_prompt(sh);
            }
            continue;
        }
        shell_key(sh, (unsigned char)buf[i++]);
    }
    shell_flush_echo(sh);
}

/* ---- following what was asked ---- */

static void shell_follow(struct shell *sh)
{
    struct platform *p = sh->p;
    uint64_t now = xenops_now_ns(p->xen);

    for (unsigned int i = 0; i < SHELL_REQUESTS; i++) {
        struct shell_request *r = &sh->requests[i];
        struct vm *vm = r->vm;
        char path[48];
        const char *value;
        uint32_t len;
        struct domb_error err;
        int rc;

        if (!vm)
            continue;
        if (vm->domid != r->domid || vm->state != VM_RUNNING) {
            /* It stopped (the platform said how). Asked to reboot and not
             * restarted by its on_exit: build it again, as xl's default
             * on_reboot = "restart" does. */
            r->vm = NULL;
            if (r->reboot && vm->domid == r->domid &&
                (vm->state == VM_STOPPED || vm->state == VM_DESTROYED) &&
                vm->shutdown_reason == SHUTDOWN_reboot) {
                if (vm->state == VM_STOPPED)
                    vm_release(vm);
                platform_restart(p, vm);
                shell_install_sinks(sh);
            }
            continue;
        }
        if (!r->acked) {
            domb_snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", vm->domid);
            rc = xs_store_read(&p->store, 0, path, &value, &len, &err);
            r->acked = rc == -XEN_ENOENT || (rc == 0 && len == 0);
        }
        if (!r->acked && now - r->asked_ns >= SHELL_ACK_NS) {
            shell_notice(sh,
                         "domb: '%s' (domid %u) has not taken the %s request in %llu s: it does "
                         "not watch xenstore's control/shutdown (no PV shutdown support); "
                         "'destroy %s' ends it",
                         vm->name, vm->domid, r->reboot ? "reboot" : "power-off",
                         SHELL_ACK_NS / 1000000000ULL, vm->name);
            r->vm = NULL;
        } else if (r->acked && now - r->asked_ns >= SHELL_STOP_NS) {
            shell_notice(sh,
                         "domb: '%s' (domid %u) took the %s request %llu s ago but is still "
                         "running",
                         vm->name, vm->domid, r->reboot ? "reboot" : "power-off",
                         SHELL_STOP_NS / 1000000000ULL);
            r->vm = NULL;
        }
    }
}

void shell_poll(struct shell *sh)
{
    struct platform *p = sh->p;
    struct vm *a;
    char buf[CONSOLE_INPUT_CHUNK];

    /* The platform said something since the last pass (a VM stopped):
     * the prompt goes below it before anything typed is echoed. */
    if (shell_snapshot(sh) && sh->on_prompt)
        shell_redraw(sh);
    /* Once at the start too: what was typed before VIRQ_CONSOLE was bound
     * waits in Xen without a pending event. */
    if (p->xen->evtchn_pending(p->xen->ctx, sh->in.port) || !sh->read_once) {
        sh->read_once = true;
        for (unsigned int round = 0; round < SHELL_READ_ROUNDS; round++) {
            int n = console_input_read(&sh->in, buf, sizeof(buf));

            if (n <= 0)
                break;
            shell_feed(sh, buf, (size_t)n);
            if ((unsigned int)n < sizeof(buf))
                break;
        }
    }
    shell_follow(sh);
    a = sh->in.attached;
    if (a && (a->state != VM_RUNNING && a->state != VM_BUILT)) {
        char status[160];
        char why[200];

        domb_snprintf(why, sizeof(why), ": it %s", shell_vm_status(a, status, sizeof(status)));
        shell_detach(sh, why);
        shell_show_prompt(sh);
    } else if (a && a->domid != sh->in.attached_domid) {
        shell_detach(sh, ": it was built again under another domid");
        shell_show_prompt(sh);
    }
    shell_install_sinks(sh);
    if (shell_snapshot(sh) && sh->on_prompt)
        shell_redraw(sh);
}

/* ---- start and stop ---- */

static void shell_set_sinks(struct shell *sh, const struct relay_sink *to)
{
    struct platform *p = sh->p;

    for (unsigned int i = 0; i < p->nr_vms; i++)
        if (p->vms[i].console.sink == &sh->sink)
            p->vms[i].console.sink = to;
}

int shell_start(struct shell *sh, struct platform *p, const char *who, const char *cmdline)
{
    struct domb_error err;
    char flag[8];
    int rc;

    memset(sh, 0, sizeof(*sh));
    if (cmdline && cmdline_get(cmdline, "domb.shell", flag, sizeof(flag)) && flag[0] == '0') {
        printk("db: no shell on the serial line (domb.shell=0)\n");
        return 0;
    }
    if (p->set.manifest.when_done == MANIFEST_DONE_SHUTDOWN)
        return 0; /* no event loop to run it in */
    rc = console_input_open(&sh->in, p->xen, &err);
    if (rc) {
        printk("db: no shell on the serial line: %s\n", err.msg);
        return rc;
    }
    sh->p = p;
    sh->who = who;
    sh->sink = (struct relay_sink){.raw = shell_sink_raw, .line = shell_sink_line, .arg = sh};
    shell_install_sinks(sh);
    shell_snapshot(sh);
    p->shell = sh;
    if (p->domu)
        printk("db: %s shell on its console (from dom0's shell: console NAME): type 'help' and "
               "Enter\n",
               who);
    else
        printk("db: %s shell on this serial line: type 'help' and Enter\n", who);
    return 0;
}

void shell_stop(struct shell *sh)
{
    if (!sh->p)
        return;
    shell_set_sinks(sh, NULL);
    console_input_close(&sh->in);
    if (sh->p->shell == sh)
        sh->p->shell = NULL;
    sh->p = NULL;
}

evtchn_port_t shell_port(const struct shell *sh)
{
    return sh->in.port;
}
