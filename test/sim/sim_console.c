/* printk on the host: the dom0 services log through it; tests read it back. */
#include "sim.h"

#include <domb/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *text;
static size_t len, cap;

int vprintk(const char *fmt, va_list ap)
{
    va_list again;
    int n;

    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0) {
        va_end(again);
        return n;
    }
    if (len + (size_t)n + 1 > cap) {
        cap = (len + (size_t)n + 1) * 2;
        text = realloc(text, cap);
        if (!text)
            abort();
    }
    vsnprintf(text + len, (size_t)n + 1, fmt, again);
    va_end(again);
    if (getenv("DOMB_SIM_ECHO"))
        fputs(text + len, stderr);
    len += (size_t)n;
    return n;
}

int printk(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintk(fmt, ap);
    va_end(ap);
    return n;
}

const char *sim_console(void)
{
    return text ? text : "";
}

void sim_console_clear(void)
{
    len = 0;
    if (text)
        text[0] = '\0';
}
