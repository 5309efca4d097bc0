/* The shell's command parser: one line of text in, a checked command or one error line out. */
#include <dom0/shell.h>
#include <domb/errno.h>
#include <domb/lib.h>

#define SHELL_WORDS 4 /* more words than any command takes, to say "too many" */

struct verb_info {
    const char *name;
    enum { ARGS_NONE, ARGS_TARGET, ARGS_NAME, ARGS_TOPIC } args;
    const char *usage;
};

static const struct verb_info verbs[SHELL_VERBS] = {
    [SHELL_EMPTY] = {"", ARGS_NONE, ""},
    [SHELL_HELP] = {"help", ARGS_TOPIC, "help [COMMAND]"},
    [SHELL_LIST] = {"list", ARGS_NONE, "list"},
    [SHELL_INFO] = {"info", ARGS_NONE, "info"},
    [SHELL_CREATE] = {"create", ARGS_NAME, "create NAME"},
    [SHELL_SHUTDOWN] = {"shutdown", ARGS_TARGET, "shutdown NAME|ID"},
    [SHELL_REBOOT] = {"reboot", ARGS_TARGET, "reboot NAME|ID"},
    [SHELL_DESTROY] = {"destroy", ARGS_TARGET, "destroy NAME|ID"},
    [SHELL_PAUSE] = {"pause", ARGS_TARGET, "pause NAME|ID"},
    [SHELL_UNPAUSE] = {"unpause", ARGS_TARGET, "unpause NAME|ID"},
    [SHELL_CONSOLE] = {"console", ARGS_TARGET, "console NAME|ID"},
};

const char *shell_verb_name(enum shell_verb verb)
{
    return verb < SHELL_VERBS ? verbs[verb].name : "?";
}

struct word {
    const char *text;
    size_t len;
};

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Split at blanks; returns the words found (at most max, *more if there
 * were others). */
static unsigned int split(const char *line, struct word *w, unsigned int max, bool *more)
{
    unsigned int n = 0;
    const char *p = line;

    *more = false;
    for (;;) {
        while (blank(*p))
            p++;
        if (!*p)
            return n;
        if (n == max) {
            *more = true;
            return n;
        }
        w[n].text = p;
        while (*p && !blank(*p))
            p++;
        w[n].len = (size_t)(p - w[n].text);
        n++;
    }
}

static bool word_is(const struct word *w, const char *s)
{
    return w->len == strlen(s) && memcmp(w->text, s, w->len) == 0;
}

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* The word, at most 24 characters of it, for an error message. */
static int shown(const struct word *w)
{
    return w->len > 24 ? 24 : (int)w->len;
}

static const char *ellipsis(const struct word *w)
{
    return w->len > 24 ? "..." : "";
}

static int parse_target(const struct verb_info *v, const struct word *w, bool digits_are_domid,
                        struct shell_command *cmd, struct domb_error *err)
{
    bool digits = true;

    for (size_t i = 0; i < w->len; i++) {
        if (!name_char(w->text[i]))
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s: '%.*s%s' is not a VM name%s (names are letters, digits, "
                                  "'_', '.' and '-')",
                                  v->name, shown(w), w->text, ellipsis(w),
                                  digits_are_domid ? " or domid" : "");
        digits &= w->text[i] >= '0' && w->text[i] <= '9';
    }
    if (digits && digits_are_domid) {
        uint64_t id = 0;

        for (size_t i = 0; i < w->len && id <= DOMID_FIRST_RESERVED; i++)
            id = id * 10 + (uint64_t)(w->text[i] - '0');
        if (id == 0)
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s: domain 0 is domB itself, not one of its VMs", v->name);
        if (id >= DOMID_FIRST_RESERVED)
            return domb_error_set(err, -XEN_EINVAL, "%s: domid %.*s%s is out of range (1-%u)",
                                  v->name, shown(w), w->text, ellipsis(w),
                                  DOMID_FIRST_RESERVED - 1);
        cmd->by_domid = true;
        cmd->domid = (domid_t)id;
    }
    if (w->len > VM_NAME_MAX)
        return domb_error_set(err, -XEN_EINVAL,
                              "%s: a VM name of %zu characters, more than the %u a name may have",
                              v->name, w->len, VM_NAME_MAX);
    memcpy(cmd->target, w->text, w->len);
    cmd->target[w->len] = '\0';
    return 0;
}

int shell_parse(const char *line, struct shell_command *cmd, struct domb_error *err)
{
    struct word w[SHELL_WORDS];
    bool more;
    unsigned int n = split(line, w, SHELL_WORDS, &more);
    const struct verb_info *v = NULL;

    memset(cmd, 0, sizeof(*cmd));
    if (n == 0)
        return 0; /* SHELL_EMPTY */
    for (unsigned int k = SHELL_EMPTY + 1; k < SHELL_VERBS; k++)
        if (word_is(&w[0], verbs[k].name)) {
            cmd->verb = (enum shell_verb)k;
            v = &verbs[k];
        }
    if (!v)
        return domb_error_set(err, -XEN_EINVAL, "unknown command '%.*s%s' (try 'help')",
                              shown(&w[0]), w[0].text, ellipsis(&w[0]));
    switch (v->args) {
    case ARGS_NONE:
        if (n > 1)
            return domb_error_set(err, -XEN_EINVAL, "%s takes no arguments (got '%.*s%s')", v->name,
                                  shown(&w[1]), w[1].text, ellipsis(&w[1]));
        return 0;
    case ARGS_TOPIC:
        if (n > 2 || more)
            return domb_error_set(err, -XEN_EINVAL, "help: too many arguments; usage: %s",
                                  v->usage);
        if (n == 2) {
            for (unsigned int k = SHELL_EMPTY + 1; k < SHELL_VERBS; k++)
                if (word_is(&w[1], verbs[k].name))
                    cmd->topic = (enum shell_verb)k;
            if (cmd->topic == SHELL_EMPTY)
                return domb_error_set(err, -XEN_EINVAL, "help: no command '%.*s%s' (try 'help')",
                                      shown(&w[1]), w[1].text, ellipsis(&w[1]));
        }
        return 0;
    case ARGS_NAME:
    case ARGS_TARGET:
        if (n == 1)
            return domb_error_set(err, -XEN_EINVAL, "%s: which VM? usage: %s", v->name, v->usage);
        if (n > 2 || more)
            return domb_error_set(err, -XEN_EINVAL, "%s: too many arguments; usage: %s", v->name,
                                  v->usage);
        return parse_target(v, &w[1], v->args == ARGS_TARGET, cmd, err);
    }
    return 0;
}
