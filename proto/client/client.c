/* The client side of the db-server protocol: find the channel, send requests, wait for answers. */
#include <arch/mm.h>
#include <client/db_client.h>
#include <domb/errno.h>
#include <kernel/evtchn.h>
#include <kernel/kernel.h>
#include <kernel/time.h>

/* "DOMID,PORT,PFN" */
static bool parse_server_arg(const char *s, uint64_t v[3])
{
    char part[24];

    for (int i = 0; i < 3; i++) {
        size_t n = 0;

        while (*s && *s != ',' && n < sizeof(part) - 1)
            part[n++] = *s++;
        part[n] = '\0';
        if (!parse_u64(part, &v[i]))
            return false;
        if (i < 2 && *s++ != ',')
            return false;
    }
    return *s == '\0';
}

/* Whether guest frame pfn is RAM in our PVH memory map (type 1). */
static bool pvh_frame_is_ram(uint64_t pfn)
{
    const struct pvh_boot *b = &boot_info.pvh->start;
    uint64_t addr = pfn << PAGE_SHIFT;

    for (uint32_t i = 0; i < b->memmap_entries; i++)
        if (b->memmap[i].type == XEN_HVM_MEMMAP_TYPE_RAM && addr >= b->memmap[i].addr &&
            addr - b->memmap[i].addr < b->memmap[i].size)
            return true;
    return false;
}

/*
 * The ring page db-server named. PV: inside our boot area (below the first
 * frame the allocator hands out), in the direct map. PVH: a page the
 * builder reserved in the memory map (never RAM, so never the allocator's),
 * mapped in the frame window. NULL if the frame is not such a page.
 */
static void *channel_page(uint64_t pfn)
{
    if (boot_info.mode == BOOT_MODE_PVH)
        return pfn < (1ULL << 20) && !pvh_frame_is_ram(pfn) ? mm_pvh_map_frame(_pfn(pfn)) : NULL;
    return pfn < boot_info.first_free_pfn ? pfn_to_virt(_pfn(pfn)) : NULL;
}

int db_client_open(struct db_client *c, struct domb_error *err)
{
    void *page;

    char arg[64];
    uint64_t v[3];

    memset(c, 0, sizeof(*c));
    if (!cmdline_get(boot_info.cmdline, "domb.server", arg, sizeof(arg)))
        return domb_error_set(err, -XEN_ENOENT, "no domb.server= on the command line");
    if (!parse_server_arg(arg, v) || v[1] == 0 || !(page = channel_page(v[2])))
        return domb_error_set(err, -XEN_EINVAL, "bad domb.server=%s", arg);
    c->port = (evtchn_port_t)v[1];
    proto_ring_init(&c->ring, page);
    evtchn_notify(c->port);
    return 0;
}

static int wait_response(struct db_client *c, uint64_t id, struct proto_response *rsp,
                         uint64_t timeout_ns, struct domb_error *err)
{
    static uint8_t slot[PROTO_SLOT_SIZE];
    uint64_t deadline = time_now_ns() + timeout_ns;

    for (;;) {
        int rc = proto_ring_get_response(&c->ring, slot, err);

        if (rc < 0)
            return rc;
        if (rc > 0) {
            rc = proto_response_decode(slot, sizeof(slot), rsp, err);
            if (rc < 0)
                return rc;
            if (id == 0 || rsp->id == id || rsp->id == 0)
                return 0;
            continue; /* an answer to something older: skip it */
        }
        uint64_t now = time_now_ns();
        if (now >= deadline)
            return domb_error_set(err, -XEN_ETIMEDOUT, "no answer from db-server within %lu ms",
                                  timeout_ns / 1000000);
        evtchn_poll(&c->port, 1, deadline - now);
        evtchn_test_and_clear(c->port);
    }
}

int db_client_call_raw(struct db_client *c, const void *msg, size_t len, struct proto_response *rsp,
                       uint64_t timeout_ns, struct domb_error *err)
{
    int rc = proto_ring_put_request(&c->ring, msg, len, err);

    if (rc < 0)
        return rc;
    evtchn_notify(c->port);
    c->calls++;
    return wait_response(c, 0, rsp, timeout_ns, err);
}

int db_client_call(struct db_client *c, struct proto_request *req, struct proto_response *rsp,
                   uint64_t timeout_ns, struct domb_error *err)
{
    static uint8_t buf[PROTO_MSG_MAX];
    int len, rc;

    req->id = ++c->next_id;
    len = proto_request_encode(req, buf, sizeof(buf), err);
    if (len < 0)
        return len;
    rc = proto_ring_put_request(&c->ring, buf, (size_t)len, err);
    if (rc < 0)
        return rc;
    evtchn_notify(c->port);
    c->calls++;
    return wait_response(c, req->id, rsp, timeout_ns, err);
}
