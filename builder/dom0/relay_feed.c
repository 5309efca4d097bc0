/* The pure half of the console relay: bytes in, sanitised lines out. */
#include <domb/lib.h>
#include <dom0/relay.h>

void relay_feed(struct relay_console *c, const char *buf, unsigned int n,
                void (*emit)(const char *name, const char *line))
{
    for (unsigned int i = 0; i < n; i++) {
        char ch = buf[i];

        if (c->esc_state == 1) { /* after ESC: '[' starts CSI, else one char */
            c->esc_state = ch == '[' ? 2 : 0;
            continue;
        }
        if (c->esc_state == 2) { /* CSI ends with a byte in 0x40..0x7e */
            if (ch >= 0x40 && ch <= 0x7e)
                c->esc_state = 0;
            continue;
        }
        if (ch == 0x1b) {
            c->esc_state = 1;
            continue;
        }
        if (ch == '\n' || c->len == RELAY_LINE_MAX) {
            c->line[c->len] = '\0';
            emit(c->name, c->line);
            c->len = 0;
            if (ch == '\n')
                continue;
        }
        if (ch == '\t' || (ch >= 0x20 && ch < 0x7f))
            c->line[c->len++] = ch;
        /* other control characters (\r, bells, ...) are dropped */
    }
}
