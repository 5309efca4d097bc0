/* Serial input to the shell or an attached guest's console ring; that guest's output, filtered. */
#include <dom0/console_input.h>
#include <domb/errno.h>
#include <domb/lib.h>

int console_input_open(struct console_input *ci, const struct xenops *xen, struct domb_error *err)
{
    int rc;

    memset(ci, 0, sizeof(*ci));
    ci->xen = xen;
    if (!xen->console_read)
        return domb_error_set(err, -XEN_ENOSYS, "this seam cannot read the serial line");
    if (xen->console_input_port && (ci->port = xen->console_input_port(xen->ctx)) != 0) {
        ci->borrowed_port = true; /* our own PV console's: not ours to close */
        return 0;
    }
    rc = xen->evtchn_bind_virq(xen->ctx, VIRQ_CONSOLE, &ci->port);
    if (rc) {
        ci->port = 0;
        return domb_error_set(err, rc, "cannot bind VIRQ_CONSOLE (error %d)", rc);
    }
    return 0;
}

void console_input_close(struct console_input *ci)
{
    console_input_detach(ci);
    if (ci->port && !ci->borrowed_port)
        ci->xen->evtchn_close(ci->xen->ctx, ci->port);
    ci->port = 0;
    ci->borrowed_port = false;
}

int console_input_read(struct console_input *ci, char *buf, unsigned int size)
{
    int n = ci->xen->console_read(ci->xen->ctx, buf, size);

    /* Never more than asked, whatever the other side says. */
    if (n > (int)size)
        n = (int)size;
    if (n > 0)
        ci->bytes_read += (unsigned int)n;
    return n;
}

void console_input_attach(struct console_input *ci, struct vm *vm)
{
    ci->attached = vm;
    ci->attached_domid = vm->domid;
    ci->out_state = 0;
    ci->out_string_len = 0;
    ci->out_mid_line = false;
    ci->dropped_at_attach = ci->bytes_dropped;
}

void console_input_detach(struct console_input *ci)
{
    ci->attached = NULL;
    ci->attached_domid = 0;
}

unsigned int console_input_to_guest(struct relay_console *c, const char *buf, unsigned int n)
{
    struct xencons_interface *intf = c->ring;
    XENCONS_RING_IDX cons, prod;
    unsigned int done = 0;

    if (!intf || n == 0)
        return 0;
    /* The guest consumes (in_cons) and may write anything there; we
     * produce (in_prod), which it may overwrite too. Read each once. */
    cons = __atomic_load_n(&intf->in_cons, __ATOMIC_ACQUIRE);
    prod = __atomic_load_n(&intf->in_prod, __ATOMIC_RELAXED);
    if (prod - cons > sizeof(intf->in)) {
        c->ring_errors++;
        return 0;
    }
    while (done < n && prod - cons < sizeof(intf->in))
        intf->in[MASK_XENCONS_IDX(prod++, intf->in)] = buf[done++];
    if (done) {
        __atomic_store_n(&intf->in_prod, prod, __ATOMIC_RELEASE);
        c->xen->evtchn_notify(c->xen->ctx, c->port);
    }
    return done;
}

size_t console_input_route(struct console_input *ci, const char *buf, size_t n, bool *detach)
{
    size_t take = 0;

    *detach = false;
    while (take < n && (unsigned char)buf[take] != CONSOLE_INPUT_DETACH)
        take++;
    if (ci->attached && take) {
        /* Chunks of at most a ring's worth: the count fits the ring API. */
        for (size_t off = 0; off < take;) {
            unsigned int chunk = take - off > 1024 ? 1024 : (unsigned int)(take - off);
            unsigned int w = console_input_to_guest(&ci->attached->console, buf + off, chunk);

            ci->bytes_to_guest += w;
            ci->bytes_dropped += chunk - w;
            off += chunk;
        }
    }
    if (take < n) {
        *detach = true;
        take++; /* the Ctrl-] itself */
    }
    return take;
}

/* Output filter states. */
enum { OUT_TEXT, OUT_ESC, OUT_STRING, OUT_STRING_ESC };

unsigned int console_output_filter(struct console_input *ci, const char *in, unsigned int n,
                                   char *out)
{
    unsigned int w = 0;

    for (unsigned int i = 0; i < n; i++) {
        char ch = in[i];

        switch (ci->out_state) {
        case OUT_TEXT:
            if (ch == 0x1b)
                ci->out_state = OUT_ESC; /* held until we know what follows */
            else if (ch != '\0')
                out[w++] = ch;
            break;
        case OUT_ESC:
            if (ch == ']' || ch == 'P' || ch == 'X' || ch == '^' || ch == '_') {
                ci->out_state = OUT_STRING;
                ci->out_string_len = 0;
            } else if (ch == 0x1b) {
                out[w++] = 0x1b; /* the first one was a lone ESC */
            } else {
                out[w++] = 0x1b;
                if (ch != '\0')
                    out[w++] = ch;
                ci->out_state = OUT_TEXT;
            }
            break;
        case OUT_STRING:
        case OUT_STRING_ESC:
            /* Ended by BEL or ST (ESC \), or by its length. */
            if (ch == 0x07 || (ci->out_state == OUT_STRING_ESC && ch == '\\') ||
                ++ci->out_string_len >= CONSOLE_OUTPUT_STRING_MAX)
                ci->out_state = OUT_TEXT;
            else
                ci->out_state = ch == 0x1b ? OUT_STRING_ESC : OUT_STRING;
            break;
        }
    }
    if (w)
        ci->out_mid_line = out[w - 1] != '\n';
    return w;
}
