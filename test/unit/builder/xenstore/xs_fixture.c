/* The guest side of the xenstore ring, for tests (see xs_fixture.h). */
#include "xs_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx *fx_new(uint32_t max_nodes, size_t arena_size)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct domb_error err;

    assert_non_null(f);
    f->arena = malloc(arena_size);
    assert_non_null(f->arena);
    memset(f->arena, 0xa5, arena_size); /* the store must not rely on zeroed memory */
    assert_int_equal(xs_store_init(&f->store, f->arena, arena_size, max_nodes, &err), 0);
    for (int i = 0; i < FX_CONNS; i++) {
        f->ring[i] = calloc(1, 4096);
        assert_non_null(f->ring[i]);
        xs_conn_init(&f->conn[i], &f->store, (domid_t)i);
        if (i > 0 && i < 3) {
            char name[16];
            struct xs_domain_info info = {
                .domid = (domid_t)i,
                .name = name,
                .mem_kib = 65536,
                .vcpus = 2,
                .console_mfn = 0x1234,
                .console_port = 3,
            };

            snprintf(name, sizeof(name), "guest%d", i);
            assert_int_equal(xs_store_domain_introduce(&f->store, &info, &err), 0);
        }
    }
    f->next_req = 100;
    return f;
}

void fx_free(struct fx *f)
{
    for (int i = 0; i < FX_CONNS; i++) {
        xs_conn_destroy(&f->conn[i]);
        free(f->ring[i]);
    }
    free(f->arena);
    free(f);
}

int fx_setup(void **state)
{
    *state = fx_new(4096, 1 << 20);
    return 0;
}

int fx_teardown(void **state)
{
    fx_free(*state);
    return 0;
}

void fx_put(struct fx *f, int i, const void *bytes, uint32_t len)
{
    struct xenstore_domain_interface *r = f->ring[i];
    const char *b = bytes;

    assert_true(len <= XENSTORE_RING_SIZE - (r->req_prod - r->req_cons));
    for (uint32_t k = 0; k < len; k++)
        r->req[MASK_XENSTORE_IDX(r->req_prod + k)] = b[k];
    r->req_prod += len;
}

/* Put bytes as the ring drains, like a guest blocked on a full ring would. */
static void fx_put_all(struct fx *f, int i, const void *bytes, uint32_t len)
{
    struct xenstore_domain_interface *r = f->ring[i];
    const char *b = bytes;

    while (len > 0) {
        uint32_t room = XENSTORE_RING_SIZE - (r->req_prod - r->req_cons);
        uint32_t n = len < room ? len : room;

        if (n == 0) {
            uint32_t before = r->req_cons;

            fx_process(f, i);
            assert_true(r->req_cons != before); /* the server must make progress */
            continue;
        }
        fx_put(f, i, b, n);
        b += n;
        len -= n;
    }
}

uint32_t fx_send(struct fx *f, int i, uint32_t type, uint32_t tx, const void *payload, uint32_t len)
{
    struct xsd_sockmsg hdr = {.type = type, .req_id = f->next_req++, .tx_id = tx, .len = len};

    fx_put_all(f, i, &hdr, sizeof(hdr));
    fx_put_all(f, i, payload, len);
    return hdr.req_id;
}

int fx_process(struct fx *f, int i)
{
    return xs_conn_process(&f->conn[i], f->ring[i], &f->notify);
}

/* Move what the response ring holds into the client's buffer, up to want. */
static void fx_pull(struct fx *f, int i, uint32_t want)
{
    struct xenstore_domain_interface *r = f->ring[i];
    uint32_t avail = r->rsp_prod - r->rsp_cons;

    assert_true(avail <= XENSTORE_RING_SIZE);
    if (f->rx_used[i] >= want)
        return;
    if (avail > want - f->rx_used[i])
        avail = want - f->rx_used[i];
    for (uint32_t k = 0; k < avail; k++)
        f->rx[i][f->rx_used[i] + k] = r->rsp[MASK_XENSTORE_IDX(r->rsp_cons + k)];
    f->rx_used[i] += avail;
    r->rsp_cons += avail;
}

bool fx_recv(struct fx *f, int i, struct xsd_sockmsg *hdr, char *payload)
{
    for (;;) {
        uint32_t before = f->rx_used[i];

        fx_pull(f, i, sizeof(*hdr));
        if (f->rx_used[i] >= sizeof(*hdr)) {
            memcpy(hdr, f->rx[i], sizeof(*hdr));
            assert_true(hdr->len <= XENSTORE_PAYLOAD_MAX);
            fx_pull(f, i, sizeof(*hdr) + hdr->len);
            if (f->rx_used[i] == sizeof(*hdr) + hdr->len) {
                memcpy(payload, f->rx[i] + sizeof(*hdr), hdr->len);
                payload[hdr->len] = '\0';
                f->rx_used[i] = 0;
                return true;
            }
        }
        /* Part of a message: let the server move more into the ring. */
        if (!xs_conn_has_output(&f->conn[i]) && f->rx_used[i] == before)
            return false;
        if (fx_process(f, i) < 0 && f->rx_used[i] == before)
            return false;
    }
}

void fx_expect(struct fx *f, int i, uint32_t type, const void *want, uint32_t want_len)
{
    struct xsd_sockmsg hdr;
    static char got[XENSTORE_PAYLOAD_MAX + 1];

    assert_true(fx_recv(f, i, &hdr, got));
    if (hdr.type != type && hdr.type == XS_ERROR)
        fail_msg("expected type %u, got error %s", type, got);
    assert_int_equal(hdr.type, type);
    assert_int_equal(hdr.len, want_len);
    assert_memory_equal(got, want, want_len);
}

void fx_call(struct fx *f, int i, uint32_t type, uint32_t tx, const void *payload, uint32_t len,
             uint32_t want_type, const void *want, uint32_t want_len)
{
    struct xsd_sockmsg hdr;
    static char got[XENSTORE_PAYLOAD_MAX + 1];
    uint32_t id = fx_send(f, i, type, tx, payload, len);

    assert_int_equal(fx_process(f, i), 0);
    assert_true(fx_recv(f, i, &hdr, got));
    assert_int_equal(hdr.req_id, id);
    assert_int_equal(hdr.tx_id, tx);
    if (hdr.type != want_type && hdr.type == XS_ERROR)
        fail_msg("type %u: expected type %u, got error %s", type, want_type, got);
    assert_int_equal(hdr.type, want_type);
    assert_int_equal(hdr.len, want_len);
    assert_memory_equal(got, want, want_len);
}

void fx_call_err(struct fx *f, int i, uint32_t type, const void *payload, uint32_t len,
                 const char *error)
{
    fx_call(f, i, type, 0, payload, len, XS_ERROR, error, (uint32_t)strlen(error) + 1);
}

void fx_expect_none(struct fx *f, int i)
{
    assert_int_equal(f->rx_used[i], 0);
    assert_int_equal(f->ring[i]->rsp_prod, f->ring[i]->rsp_cons);
    assert_false(xs_conn_has_output(&f->conn[i]));
}
