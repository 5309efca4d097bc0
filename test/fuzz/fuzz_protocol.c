/*
 * libFuzzer: the db-server's side of the protocol against a hostile client.
 * The first byte picks what the rest is:
 *
 *   0: a ring page (exactly 4 KiB, in its own allocation so ASan sees any
 *      read outside it) with the server's private indexes taken from the
 *      input; the server attaches (or, every other run, skips the header
 *      check), takes requests, decodes each copy and answers it, while a
 *      peer rewrites the page between its index read and slot copy;
 *   1: one request message; 2: one response message (the client's decoder).
 *
 * Invariants: a message that decodes re-encodes to the same bytes (one
 * encoding per message); the ring helpers never report more requests than
 * the ring holds; the server's answer always encodes and decodes.
 */
#include <domb/lib.h>
#include <domb/byteorder.h>
#include <proto/protocol.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct peer {
    const uint8_t *data; /* bytes the peer writes into the page, 8 at a time */
    size_t size;
};

/* Write 4 bytes at an offset of the input's choosing: indexes, slot, anywhere. */
static void peer_rewrite(uint8_t *page, void *arg)
{
    struct peer *p = arg;

    if (p->size < 6)
        return;
    memcpy(page + (get_le16(p->data) % (PROTO_PAGE_SIZE - 3)), p->data + 2, 4);
    p->data += 6;
    p->size -= 6;
}

static void check_request(const uint8_t *msg, size_t len, struct proto_request *req,
                          struct domb_error *err, int *rc)
{
    static uint8_t again[PROTO_MSG_MAX];

    *rc = proto_request_decode(msg, len, req, err);
    if (*rc == 0) {
        int n = proto_request_encode(req, again, sizeof(again), NULL);

        if (n <= 0 || (size_t)n > len || memcmp(again, msg, (size_t)n) != 0)
            __builtin_trap();
    } else if (err->code != *rc || err->msg[0] == '\0') {
        __builtin_trap(); /* every rejection names the problem */
    }
}

/* The server's answer to a request, as db-server would send it. */
static size_t answer(const struct proto_request *req, int rc, const struct domb_error *err,
                     uint8_t *out)
{
    struct proto_response rsp, back;
    int n;

    if (rc) {
        proto_response_error(&rsp, req, err);
    } else {
        proto_response_ok(&rsp, req);
        if (req->type == PROTO_TYPE_PING)
            rsp.ping = req->ping;
        else if (req->type == PROTO_TYPE_LIST)
            rsp.list.count = 0;
        else if (req->type == PROTO_TYPE_UNPAUSE || req->type == PROTO_TYPE_DESTROY)
            rsp.domid = req->domid;
        else if (req->type == PROTO_TYPE_STATUS)
            rsp.vm_status = (struct proto_vm_status){req->domid, PROTO_VM_RUNNING, 0, 1};
        else {
            struct domb_error cause;

            domb_error_set(&cause, PROTO_RC(PROTO_ERR_QUOTA), "no builds in the fuzzer");
            proto_response_error(&rsp, req, &cause);
        }
    }
    n = proto_response_encode(&rsp, out, PROTO_MSG_MAX, NULL);
    if (n <= 0 || proto_response_decode(out, (size_t)n, &back, NULL) != 0)
        __builtin_trap();
    return (size_t)n;
}

static void fuzz_ring(const uint8_t *data, size_t size)
{
    static uint8_t copy[PROTO_SLOT_SIZE], out[PROTO_MSG_MAX];
    struct proto_back_ring back;
    struct peer peer;
    uint8_t *page;
    size_t take;
    uint32_t cons;
    bool check_header;

    if (size < 5)
        return;
    cons = get_le32(data);
    check_header = data[4] & 1;
    data += 5;
    size -= 5;
    page = calloc(1, PROTO_PAGE_SIZE);
    if (!page)
        return;
    take = size < PROTO_PAGE_SIZE ? size : PROTO_PAGE_SIZE;
    memcpy(page, data, take);
    peer = (struct peer){data + take, size - take};

    if (check_header) {
        if (proto_ring_attach(&back, page, NULL) != 0) {
            free(page);
            return;
        }
    } else {
        back = (struct proto_back_ring){.page = page};
    }
    back.req_cons = back.rsp_prod_pvt = cons;
    back.race_hook = peer_rewrite;
    back.race_arg = &peer;
    for (int round = 0; round < 8; round++) {
        struct proto_request req;
        struct domb_error err;
        uint32_t before = back.req_cons;
        int rc = proto_ring_get_request(&back, copy, &err), decoded;

        if (rc < 0) {
            if (rc != PROTO_RC(PROTO_ERR_RING_CORRUPT) || back.req_cons != before)
                __builtin_trap();
            break; /* db-server drops the client */
        }
        if (rc == 0)
            break;
        if (back.req_cons != before + 1 || back.req_cons - back.rsp_prod_pvt != 1)
            __builtin_trap();
        check_request(copy, sizeof(copy), &req, &err, &decoded);
        if (proto_ring_put_response(&back, out, answer(&req, decoded, &err, out), NULL) < 0)
            __builtin_trap();
        peer_rewrite(page, &peer); /* the client moves on, or misbehaves */
    }
    free(page);
}

static void fuzz_response(const uint8_t *data, size_t size)
{
    static uint8_t again[PROTO_MSG_MAX];
    struct proto_response rsp;
    struct domb_error err;

    if (proto_response_decode(data, size, &rsp, &err) == 0) {
        int n = proto_response_encode(&rsp, again, sizeof(again), NULL);

        if (n <= 0 || (size_t)n > size || memcmp(again, data, (size_t)n) != 0)
            __builtin_trap();
    } else if (err.msg[0] == '\0') {
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proto_request req;
    struct domb_error err;
    int rc;

    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0:
        fuzz_ring(data + 1, size - 1);
        break;
    case 1:
        check_request(data + 1, size - 1, &req, &err, &rc);
        break;
    default:
        fuzz_response(data + 1, size - 1);
        break;
    }
    return 0;
}
