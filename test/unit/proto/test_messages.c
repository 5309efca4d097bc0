/* db-server messages: round trips of every message and every decoder rejection. */
#include "domb_test.h"

#include <domb/errno.h>
#include <domb/byteorder.h>
#include <proto/protocol.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static uint8_t buf[PROTO_SLOT_SIZE];

static void sample_spec(struct vm_config *cfg)
{
    vm_config_init(cfg);
    strcpy(cfg->name, "web");
    strcpy(cfg->kernel, "images/web.elf");
    strcpy(cfg->ramdisk, "images/web.cpio");
    strcpy(cfg->cmdline, "console=hvc0");
    cfg->memory_mib = 128;
    cfg->maxmem_mib = 256;
    cfg->vcpus = 2;
    cfg->has_kernel_sha256 = true;
    memset(cfg->kernel_sha256, 0xab, SHA256_DIGEST_SIZE);
}

static void sample_request(struct proto_request *req, enum proto_type type)
{
    memset(req, 0, sizeof(*req));
    req->type = type;
    req->id = 0x1122334455667788ull;
    switch (type) {
    case PROTO_TYPE_BUILD:
        req->build.flags = PROTO_BUILD_LEAVE_PAUSED;
        sample_spec(&req->build.spec);
        break;
    case PROTO_TYPE_LIST:
        req->cursor = 12;
        break;
    case PROTO_TYPE_PING:
        req->ping.nonce = 0xfeedface;
        req->ping.len = 5;
        memcpy(req->ping.payload, "hello", 5);
        break;
    default:
        req->domid = 7;
        break;
    }
}

static void sample_response(struct proto_response *rsp, enum proto_type type)
{
    memset(rsp, 0, sizeof(*rsp));
    rsp->type = type;
    rsp->id = 42;
    switch (type) {
    case PROTO_TYPE_BUILD:
        rsp->build = (struct proto_build_result){
            .domid = 5,
            .flags = PROTO_BUILT_PAUSED | PROTO_BUILT_RAMDISK,
            .console_port = 3,
            .store_port = 4,
            .start_info_mfn = 0x12345,
            .console_mfn = 0x12346,
            .store_mfn = 0x12347,
            .nr_pages = 32768,
            .build_ns = 123456789,
            .hypercalls = 41,
        };
        memset(rsp->build.kernel_sha256, 0x11, SHA256_DIGEST_SIZE);
        memset(rsp->build.ramdisk_sha256, 0x22, SHA256_DIGEST_SIZE);
        break;
    case PROTO_TYPE_STATUS:
        rsp->vm_status = (struct proto_vm_status){9, PROTO_VM_SHUTDOWN, 3, 4096};
        break;
    case PROTO_TYPE_LIST:
        rsp->list.count = 2;
        rsp->list.more = true;
        rsp->list.next_cursor = 11;
        rsp->list.entries[0] = (struct proto_list_entry){3, PROTO_VM_RUNNING, 65536, "db"};
        rsp->list.entries[1] = (struct proto_list_entry){10, PROTO_VM_BUILT, 131072, "web"};
        break;
    case PROTO_TYPE_PING:
        rsp->ping.nonce = 99;
        rsp->ping.len = 64;
        memset(rsp->ping.payload, 0x5a, 64);
        break;
    default:
        rsp->domid = 7;
        break;
    }
}

static int encode_request(enum proto_type type)
{
    struct proto_request req;
    int n;

    sample_request(&req, type);
    memset(buf, 0xee, sizeof(buf)); /* the slot's tail is garbage the decoder must ignore */
    n = proto_request_encode(&req, buf, sizeof(buf), NULL);
    assert_true(n > 0);
    return n;
}

static int encode_response(enum proto_type type)
{
    struct proto_response rsp;
    int n;

    sample_response(&rsp, type);
    memset(buf, 0xee, sizeof(buf));
    n = proto_response_encode(&rsp, buf, sizeof(buf), NULL);
    assert_true(n > 0);
    return n;
}

/* Decode buf (a whole slot) and expect rejection with code and exactly msg. */
static void expect_request_reject(enum proto_error code, const char *msg)
{
    struct proto_request req;
    struct domb_error err;

    assert_int_equal(proto_request_decode(buf, sizeof(buf), &req, &err), PROTO_RC(code));
    assert_int_equal(err.code, PROTO_RC(code));
    assert_string_equal(err.msg, msg);
}

static void expect_response_reject(enum proto_error code, const char *msg)
{
    struct proto_response rsp;
    struct domb_error err;

    assert_int_equal(proto_response_decode(buf, sizeof(buf), &rsp, &err), PROTO_RC(code));
    assert_int_equal(err.code, PROTO_RC(code));
    assert_string_equal(err.msg, msg);
}

/* Encode, decode, re-encode: same struct fields, same bytes. */
static void request_round_trip(enum proto_type type, size_t size)
{
    struct proto_request in, out;
    uint8_t again[PROTO_SLOT_SIZE];
    int n;

    sample_request(&in, type);
    n = encode_request(type);
    assert_int_equal(n, size);
    assert_int_equal(get_le32(buf + PROTO_OFF_SIZE), size);
    assert_memory_equal(buf, PROTO_REQ_MAGIC, 8);
    assert_int_equal(proto_request_decode(buf, sizeof(buf), &out, NULL), 0);
    assert_int_equal(out.type, type);
    assert_int_equal(out.id, in.id);
    assert_int_equal(proto_request_encode(&out, again, sizeof(again), NULL), n);
    assert_memory_equal(again, buf, (size_t)n);
    if (type == PROTO_TYPE_BUILD) {
        assert_int_equal(out.build.flags, in.build.flags);
        assert_string_equal(out.build.spec.name, "web");
        assert_int_equal(out.build.spec.maxmem_mib, 256);
    } else if (type == PROTO_TYPE_LIST) {
        assert_int_equal(out.cursor, 12);
    } else if (type == PROTO_TYPE_PING) {
        assert_int_equal(out.ping.nonce, in.ping.nonce);
        assert_memory_equal(out.ping.payload, in.ping.payload, PROTO_PING_PAYLOAD_MAX);
    } else {
        assert_int_equal(out.domid, 7);
    }
}

static void req_build_round_trip(void **state)
{
    (void)state;
    request_round_trip(PROTO_TYPE_BUILD, PROTO_BUILD_REQ_SIZE);
    assert_int_equal(PROTO_BUILD_REQ_SIZE, 0x958);
}

/* A PVH build: the spec inside is version 2 and the type survives. */
static void req_build_pvh_round_trip(void **state)
{
    struct proto_request in, out;
    uint8_t again[PROTO_SLOT_SIZE];
    int n;

    (void)state;
    sample_request(&in, PROTO_TYPE_BUILD);
    in.build.spec.type = VM_TYPE_PVH;
    in.build.spec.has_max_grant_frames = true;
    in.build.spec.max_grant_frames = 16;
    n = proto_request_encode(&in, buf, sizeof(buf), NULL);
    assert_int_equal(n, PROTO_BUILD_REQ_SIZE);
    assert_int_equal(get_le16(buf + PROTO_BUILD_OFF_SPEC + SPEC_OFF_VERSION), 2);
    assert_int_equal(buf[PROTO_BUILD_OFF_SPEC + SPEC_OFF_TYPE], VM_TYPE_PVH);
    assert_int_equal(proto_request_decode(buf, sizeof(buf), &out, NULL), 0);
    assert_int_equal(out.build.spec.type, VM_TYPE_PVH);
    assert_int_equal(out.build.spec.max_grant_frames, 16);
    assert_int_equal(proto_request_encode(&out, again, sizeof(again), NULL), n);
    assert_memory_equal(again, buf, (size_t)n);
    /* A PVH spec with devices is a bad spec. */
    buf[PROTO_BUILD_OFF_SPEC + SPEC_OFF_NR_IRQS] = 1;
    put_le32(buf + PROTO_BUILD_OFF_SPEC + SPEC_OFF_IRQS, 5);
    expect_request_reject(PROTO_ERR_BAD_SPEC,
                          "spec: a PVH guest cannot have iomem, ioports or irqs (domB passes "
                          "devices through to PV guests only)");
}

/* A build with devices: a version 3 spec, a 3944-byte request that still fits a slot. */
static void device_spec(struct vm_config *cfg)
{
    sample_spec(cfg);
    cfg->nr_devices = 2;
    cfg->devices[0].kind = VM_DEVICE_VIF;
    strcpy(cfg->devices[0].backend, "dd");
    memcpy(cfg->devices[0].vif.mac, "\x00\x16\x3e\x00\x00\x01", 6);
    strcpy(cfg->devices[0].vif.bridge, "xenbr0");
    strcpy(cfg->devices[0].vif.script, "vif-bridge");
    cfg->devices[1].kind = VM_DEVICE_VBD;
    cfg->devices[1].devid = 51712;
    strcpy(cfg->devices[1].backend, "dd");
    strcpy(cfg->devices[1].disk.target, "/srv/web.img");
    strcpy(cfg->devices[1].disk.vdev, "xvda");
    cfg->devices[1].disk.virtual_device = 51712;
    cfg->devices[1].disk.writable = true;
}

static int encode_device_request(void)
{
    struct proto_request req;
    int n;

    sample_request(&req, PROTO_TYPE_BUILD);
    device_spec(&req.build.spec);
    memset(buf, 0xee, sizeof(buf));
    n = proto_request_encode(&req, buf, sizeof(buf), NULL);
    assert_int_equal(n, PROTO_BUILD_REQ_V3_SIZE);
    return n;
}

static void req_build_devices_round_trip(void **state)
{
    struct proto_request in, out;
    uint8_t again[PROTO_SLOT_SIZE];
    int n;

    (void)state;
    assert_int_equal(PROTO_BUILD_REQ_V3_SIZE, 0xf68);
    assert_true(PROTO_BUILD_REQ_V3_SIZE <= PROTO_SLOT_SIZE);
    sample_request(&in, PROTO_TYPE_BUILD);
    device_spec(&in.build.spec);
    assert_int_equal(proto_request_size(&in), 3944);
    n = encode_device_request();
    assert_int_equal(get_le32(buf + PROTO_OFF_SIZE), 3944);
    assert_int_equal(get_le16(buf + PROTO_BUILD_OFF_SPEC + SPEC_OFF_VERSION), 3);
    assert_int_equal(proto_request_decode(buf, sizeof(buf), &out, NULL), 0);
    assert_memory_equal(&out.build.spec, &in.build.spec, sizeof(in.build.spec));
    assert_int_equal(proto_request_encode(&out, again, sizeof(again), NULL), n);
    assert_memory_equal(again, buf, (size_t)n);
    /* Exactly its size is enough: the rest of the slot is not read. */
    assert_int_equal(proto_request_decode(buf, (size_t)n, &out, NULL), 0);
}

static void req_build_devices_rejections(void **state)
{
    struct proto_request req;
    struct domb_error err;

    (void)state;
    /* The request's size says which spec follows, and must say it exactly. */
    encode_device_request();
    put_le32(buf + PROTO_OFF_SIZE, PROTO_BUILD_REQ_SIZE);
    expect_request_reject(PROTO_ERR_BAD_SPEC, "spec: is 2352 bytes but its size field says 3904");
    encode_request(PROTO_TYPE_BUILD);
    put_le32(buf + PROTO_OFF_SIZE, PROTO_BUILD_REQ_V3_SIZE);
    expect_request_reject(PROTO_ERR_BAD_SPEC, "spec: is 3904 bytes but its size field says 2352");
    encode_device_request();
    put_le32(buf + PROTO_OFF_SIZE, 3000);
    expect_request_reject(PROTO_ERR_BAD_LENGTH,
                          "a build request is 2392 bytes (a version 1 or 2 spec), 3944 "
                          "(version 3) or 4008 (version 4) but its size field says 3000");
    encode_device_request();
    assert_int_equal(proto_request_decode(buf, PROTO_BUILD_REQ_V3_SIZE - 1, &req, &err),
                     PROTO_RC(PROTO_ERR_BAD_LENGTH));
    assert_string_equal(err.msg, "request size field says 3944 bytes but only 3943 are there");
    /* Device checks reach the client as BAD_SPEC. */
    encode_device_request();
    buf[PROTO_BUILD_OFF_SPEC + SPEC_OFF_DEVICE + SPEC_VIF_OFF_MAC] = 1;
    expect_request_reject(PROTO_ERR_BAD_SPEC, "spec: vif 0: mac 01:16:3e:00:00:01 is a multicast "
                                              "address (the low bit of the first byte is set)");
    /* The encoder: the buffer, and a device without a backend. */
    sample_request(&req, PROTO_TYPE_BUILD);
    device_spec(&req.build.spec);
    assert_int_equal(proto_request_encode(&req, buf, PROTO_BUILD_REQ_V3_SIZE - 1, &err),
                     PROTO_RC(PROTO_ERR_BAD_LENGTH));
    assert_string_equal(err.msg, "a build request needs 3944 bytes; the buffer holds 3943");
    req.build.spec.devices[1].backend[0] = '\0';
    assert_int_equal(proto_request_encode(&req, buf, sizeof(buf), &err),
                     PROTO_RC(PROTO_ERR_BAD_SPEC));
    assert_string_equal(err.msg, "spec: disk xvda has no backend (a spec names the driver "
                                 "domain of every device)");
}

static void req_unpause_round_trip(void **state)
{
    (void)state;
    request_round_trip(PROTO_TYPE_UNPAUSE, PROTO_DOMID_REQ_SIZE);
}

static void req_destroy_round_trip(void **state)
{
    (void)state;
    request_round_trip(PROTO_TYPE_DESTROY, PROTO_DOMID_REQ_SIZE);
}

static void req_status_round_trip(void **state)
{
    (void)state;
    request_round_trip(PROTO_TYPE_STATUS, PROTO_DOMID_REQ_SIZE);
}

static void req_list_round_trip(void **state)
{
    (void)state;
    request_round_trip(PROTO_TYPE_LIST, PROTO_LIST_REQ_SIZE);
}

static void req_ping_round_trip(void **state)
{
    (void)state;
    request_round_trip(PROTO_TYPE_PING, PROTO_PING_REQ_SIZE);
    /* the exact bytes of the ping body */
    assert_int_equal(get_le64(buf + PROTO_REQ_HDR_SIZE + PROTO_PING_OFF_NONCE), 0xfeedface);
    assert_int_equal(get_le16(buf + PROTO_REQ_HDR_SIZE + PROTO_PING_OFF_LEN), 5);
    assert_memory_equal(buf + PROTO_REQ_HDR_SIZE + PROTO_PING_OFF_PAYLOAD, "hello", 5);
}

static void response_round_trip(const struct proto_response *in, size_t size)
{
    struct proto_response out;
    uint8_t again[PROTO_SLOT_SIZE];
    int n;

    memset(buf, 0xee, sizeof(buf));
    n = proto_response_encode(in, buf, sizeof(buf), NULL);
    assert_int_equal(n, size);
    assert_memory_equal(buf, PROTO_RSP_MAGIC, 8);
    assert_int_equal(proto_response_decode(buf, sizeof(buf), &out, NULL), 0);
    assert_int_equal(out.type, in->type);
    assert_int_equal(out.id, in->id);
    assert_int_equal(out.status, in->status);
    assert_int_equal(out.error, in->error);
    assert_string_equal(out.reason, in->reason);
    assert_int_equal(proto_response_encode(&out, again, sizeof(again), NULL), n);
    assert_memory_equal(again, buf, (size_t)n);
}

static void rsp_build_round_trip(void **state)
{
    struct proto_response in, out;

    (void)state;
    sample_response(&in, PROTO_TYPE_BUILD);
    response_round_trip(&in, PROTO_BUILD_RSP_SIZE);
    assert_int_equal(proto_response_decode(buf, sizeof(buf), &out, NULL), 0);
    assert_memory_equal(&out.build, &in.build, sizeof(in.build));
    assert_int_equal(get_le64(buf + PROTO_BUILT_OFF_START_INFO_MFN), 0x12345);
    assert_int_equal(get_le64(buf + PROTO_BUILT_OFF_BUILD_NS), 123456789);
}

static void rsp_build_pvh_round_trip(void **state)
{
    struct proto_response in, out;

    (void)state;
    sample_response(&in, PROTO_TYPE_BUILD);
    in.build.flags |= PROTO_BUILT_PVH;
    response_round_trip(&in, PROTO_BUILD_RSP_SIZE);
    assert_int_equal(get_le32(buf + PROTO_BUILT_OFF_FLAGS), 7);
    assert_int_equal(proto_response_decode(buf, sizeof(buf), &out, NULL), 0);
    assert_int_equal(out.build.flags, PROTO_BUILT_PAUSED | PROTO_BUILT_RAMDISK | PROTO_BUILT_PVH);
}

static void rsp_unpause_destroy_round_trip(void **state)
{
    struct proto_response in;

    (void)state;
    sample_response(&in, PROTO_TYPE_UNPAUSE);
    response_round_trip(&in, PROTO_DOMID_RSP_SIZE);
    sample_response(&in, PROTO_TYPE_DESTROY);
    response_round_trip(&in, PROTO_DOMID_RSP_SIZE);
    assert_int_equal(get_le16(buf + PROTO_DOMID_RSP_OFF_DOMID), 7);
}

static void rsp_status_round_trip(void **state)
{
    struct proto_response in, out;

    (void)state;
    sample_response(&in, PROTO_TYPE_STATUS);
    response_round_trip(&in, PROTO_STATUS_RSP_SIZE);
    assert_int_equal(proto_response_decode(buf, sizeof(buf), &out, NULL), 0);
    assert_int_equal(out.vm_status.state, PROTO_VM_SHUTDOWN);
    assert_int_equal(out.vm_status.shutdown_reason, 3);
    assert_int_equal(out.vm_status.nr_pages, 4096);
}

/* A VM its on_exit policy removed reads "gone" with the reason it stopped;
 * a running one carries no reason, and no state a reason beyond Xen's. */
static void rsp_status_gone_keeps_reason(void **state)
{
    struct proto_response in, out;
    struct domb_error err;

    (void)state;
    sample_response(&in, PROTO_TYPE_STATUS);
    in.vm_status.state = PROTO_VM_GONE;
    in.vm_status.shutdown_reason = 3;
    response_round_trip(&in, PROTO_STATUS_RSP_SIZE);
    assert_int_equal(proto_response_decode(buf, sizeof(buf), &out, NULL), 0);
    assert_int_equal(out.vm_status.state, PROTO_VM_GONE);
    assert_int_equal(out.vm_status.shutdown_reason, 3);
    in.vm_status.state = PROTO_VM_RUNNING;
    assert_true(proto_response_encode(&in, buf, sizeof(buf), &err) < 0);
    assert_non_null(strstr(err.msg, "state running"));
    in.vm_status.state = PROTO_VM_GONE;
    in.vm_status.shutdown_reason = PROTO_SHUTDOWN_MAX + 1;
    assert_true(proto_response_encode(&in, buf, sizeof(buf), &err) < 0);
    assert_non_null(strstr(err.msg, "not one of Xen's"));
}

static void rsp_list_round_trip(void **state)
{
    struct proto_response in, out;

    (void)state;
    sample_response(&in, PROTO_TYPE_LIST);
    response_round_trip(&in, PROTO_LIST_RSP_SIZE(2));
    assert_int_equal(proto_response_decode(buf, sizeof(buf), &out, NULL), 0);
    assert_true(out.list.more);
    assert_int_equal(out.list.next_cursor, 11);
    assert_string_equal(out.list.entries[1].name, "web");
    assert_int_equal(out.list.entries[1].memory_kib, 131072);
}

static void rsp_list_full_and_empty(void **state)
{
    struct proto_response in;

    (void)state;
    sample_response(&in, PROTO_TYPE_LIST);
    in.list.count = PROTO_LIST_MAX;
    in.list.more = false;
    in.list.next_cursor = 0;
    for (unsigned int i = 0; i < PROTO_LIST_MAX; i++) {
        in.list.entries[i] = (struct proto_list_entry){(uint16_t)(100 + i), PROTO_VM_GONE, 4, ""};
        snprintf(in.list.entries[i].name, sizeof(in.list.entries[i].name), "vm%u", i);
    }
    response_round_trip(&in, PROTO_LIST_RSP_SIZE(PROTO_LIST_MAX));
    in.list.count = 0;
    response_round_trip(&in, PROTO_LIST_OFF_ENTRIES);
}

static void rsp_ping_round_trip(void **state)
{
    struct proto_response in;

    (void)state;
    sample_response(&in, PROTO_TYPE_PING);
    response_round_trip(&in, PROTO_PING_RSP_SIZE);
}

static void rsp_error_round_trip(void **state)
{
    struct proto_request req = {.type = PROTO_TYPE_NONE, .id = 77};
    struct domb_error cause;
    struct proto_response rsp;

    (void)state;
    domb_error_set(&cause, PROTO_RC(PROTO_ERR_UNKNOWN_TYPE), "request type 9 is not known");
    proto_response_error(&rsp, &req, &cause);
    assert_int_equal(rsp.status, -XEN_ENOSYS);
    assert_int_equal(rsp.error, PROTO_ERR_UNKNOWN_TYPE);
    assert_string_equal(rsp.reason, "request type 9 is not known");
    response_round_trip(&rsp, PROTO_RSP_HDR_SIZE);
    assert_int_equal(get_le16(buf + PROTO_OFF_TYPE), PROTO_TYPE_NONE);
    assert_int_equal(get_le64(buf + PROTO_OFF_ID), 77);
}

/* A failed decode leaves type and id for the error response; the reason is cleaned. */
static void rsp_error_from_failed_decode(void **state)
{
    struct proto_request req;
    struct proto_response rsp;
    struct domb_error err;

    (void)state;
    encode_request(PROTO_TYPE_DESTROY);
    put_le16(buf + PROTO_DOMID_OFF_DOMID, 0);
    assert_int_equal(proto_request_decode(buf, sizeof(buf), &req, &err),
                     PROTO_RC(PROTO_ERR_BAD_FIELD));
    assert_int_equal(req.type, PROTO_TYPE_DESTROY);
    assert_int_equal(req.id, 0x1122334455667788ull);
    err.msg[3] = '\n';
    proto_response_error(&rsp, &req, &err);
    assert_int_equal(rsp.type, PROTO_TYPE_DESTROY);
    assert_int_equal(rsp.id, req.id);
    assert_int_equal(rsp.status, -XEN_EINVAL);
    assert_string_equal(rsp.reason, "dom?d 0 is not a guest domain id (1..32751)");
    response_round_trip(&rsp, PROTO_RSP_HDR_SIZE);

    /* A long reason is cut at a word, never in one, and ends in "..." */
    domb_error_set(&err, PROTO_RC(PROTO_ERR_QUOTA),
                   "memory quota: building this VM would hold 2112 MiB; its limit is 1024 MiB");
    proto_response_error(&rsp, &req, &err);
    assert_string_equal(rsp.reason, "memory quota: building this VM would hold 2112 MiB; its...");
    response_round_trip(&rsp, PROTO_RSP_HDR_SIZE);
    /* one word longer than the field is cut; a non-protocol code becomes INTERNAL. */
    memset(err.msg, 'x', sizeof(err.msg) - 1);
    err.msg[sizeof(err.msg) - 1] = '\0';
    err.code = -1000;
    proto_response_error(&rsp, &req, &err);
    assert_int_equal(strlen(rsp.reason), PROTO_REASON_SIZE - 1);
    assert_string_equal(rsp.reason + PROTO_REASON_SIZE - 4, "...");
    assert_int_equal(rsp.error, PROTO_ERR_INTERNAL);
    response_round_trip(&rsp, PROTO_RSP_HDR_SIZE);
    err.code = INT_MIN;
    proto_response_error(&rsp, &req, &err);
    assert_int_equal(rsp.error, PROTO_ERR_INTERNAL);
    /* A Xen errno is not a protocol code, even one whose number was once a
     * code's (-XEN_ENOENT was -PROTO_ERR_VERSION), and neither is success. */
    err.code = -XEN_ENOENT;
    proto_response_error(&rsp, &req, &err);
    assert_int_equal(rsp.error, PROTO_ERR_INTERNAL);
    assert_int_equal(rsp.status, -XEN_EFAULT);
    err.code = 0;
    proto_response_error(&rsp, &req, &err);
    assert_int_equal(rsp.error, PROTO_ERR_INTERNAL);
    /* Every protocol value answers with its own code. */
    for (int e = 1; e < PROTO_ERR_COUNT; e++) {
        err.code = PROTO_RC(e);
        proto_response_error(&rsp, &req, &err);
        assert_int_equal(rsp.error, e);
        assert_int_equal(rsp.status, proto_error_errno((enum proto_error)e));
        response_round_trip(&rsp, PROTO_RSP_HDR_SIZE);
    }
}

static void rsp_ok_header(void **state)
{
    struct proto_request req;
    struct proto_response rsp;

    (void)state;
    sample_request(&req, PROTO_TYPE_UNPAUSE);
    proto_response_ok(&rsp, &req);
    rsp.domid = req.domid;
    response_round_trip(&rsp, PROTO_DOMID_RSP_SIZE);
    assert_int_equal(rsp.status, 0);
    assert_int_equal(rsp.error, PROTO_OK);
}

static void error_names_and_errnos(void **state)
{
    (void)state;
    assert_string_equal(proto_error_name(PROTO_ERR_BAD_MAGIC), "BAD_MAGIC");
    assert_string_equal(proto_error_name(PROTO_ERR_SEQUENCE), "SEQUENCE");
    assert_null(proto_error_name(PROTO_ERR_COUNT));
    assert_int_equal(proto_error_errno(PROTO_OK), 0);
    for (int e = 1; e < PROTO_ERR_COUNT; e++) {
        assert_non_null(proto_error_name((enum proto_error)e));
        assert_true(proto_error_errno((enum proto_error)e) < 0);
    }
    assert_int_equal(proto_error_errno(PROTO_ERR_NO_SUCH_DOMAIN), -XEN_ESRCH);
    assert_string_equal(proto_vm_state_name(PROTO_VM_DYING), "dying");
    assert_null(proto_vm_state_name(0));
    assert_null(proto_vm_state_name(PROTO_VM_STATE_LAST + 1));
}

/* --- request header rejections --- */

static void req_truncated(void **state)
{
    struct proto_request req;
    struct domb_error err;

    (void)state;
    encode_request(PROTO_TYPE_PING);
    assert_int_equal(proto_request_decode(buf, PROTO_REQ_HDR_SIZE - 1, &req, &err),
                     PROTO_RC(PROTO_ERR_BAD_LENGTH));
    assert_string_equal(err.msg, "request is truncated: 31 bytes, less than its 32-byte header");
    assert_int_equal(req.id, 0);
    /* size field larger than what arrived */
    assert_int_equal(proto_request_decode(buf, PROTO_PING_REQ_SIZE - 1, &req, &err),
                     PROTO_RC(PROTO_ERR_BAD_LENGTH));
    assert_string_equal(err.msg, "request size field says 112 bytes but only 111 are there");
}

static void req_bad_magic(void **state)
{
    (void)state;
    encode_request(PROTO_TYPE_PING);
    memcpy(buf, PROTO_RSP_MAGIC, 8); /* a response is not a request */
    expect_request_reject(PROTO_ERR_BAD_MAGIC, "request magic is not \"DOMB-REQ\"");
}

static void req_bad_version(void **state)
{
    (void)state;
    encode_request(PROTO_TYPE_PING);
    put_le16(buf + PROTO_OFF_VERSION, 2);
    expect_request_reject(PROTO_ERR_VERSION,
                          "request version 2 is not supported (this build speaks version 1)");
}

static void req_bad_header_flags(void **state)
{
    (void)state;
    encode_request(PROTO_TYPE_PING);
    put_le16(buf + PROTO_OFF_FLAGS, 0x8000);
    expect_request_reject(PROTO_ERR_BAD_FIELD, "header flags 0x8000 hold unknown bits 0x8000");
}

static void req_unknown_type(void **state)
{
    static const uint16_t types[] = {PROTO_TYPE_NONE, PROTO_TYPE_COUNT, 0xffff};
    struct proto_request req;
    struct domb_error err;

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        char msg[64];

        encode_request(PROTO_TYPE_PING);
        put_le16(buf + PROTO_OFF_TYPE, types[i]);
        snprintf(msg, sizeof(msg), "request type %u is not known", types[i]);
        expect_request_reject(PROTO_ERR_UNKNOWN_TYPE, msg);
        proto_request_decode(buf, sizeof(buf), &req, &err);
        assert_int_equal(req.type, PROTO_TYPE_NONE);
        assert_int_equal(req.id, 0x1122334455667788ull); /* still addressable */
    }
}

static void req_size_wrong_for_type(void **state)
{
    (void)state;
    encode_request(PROTO_TYPE_PING);
    put_le32(buf + PROTO_OFF_SIZE, PROTO_PING_REQ_SIZE + 8);
    expect_request_reject(PROTO_ERR_BAD_LENGTH,
                          "a ping request is 112 bytes but its size field says 120");
    encode_request(PROTO_TYPE_BUILD);
    put_le32(buf + PROTO_OFF_SIZE, PROTO_SLOT_SIZE + 1);
    expect_request_reject(PROTO_ERR_BAD_LENGTH,
                          "request size field says 4033 bytes but only 4032 are there");
}

static void req_reserved_header(void **state)
{
    (void)state;
    encode_request(PROTO_TYPE_LIST);
    buf[PROTO_REQ_OFF_RESERVED + 5] = 1;
    expect_request_reject(PROTO_ERR_BAD_FIELD, "message: reserved byte at offset 0x17 is not zero");
}

static void req_id_zero(void **state)
{
    (void)state;
    encode_request(PROTO_TYPE_LIST);
    put_le64(buf + PROTO_OFF_ID, 0);
    expect_request_reject(PROTO_ERR_BAD_FIELD, "request id 0 is reserved (ids start at 1)");
}

/* --- request body rejections --- */

static void req_build_bad_flags_and_reserved(void **state)
{
    (void)state;
    encode_request(PROTO_TYPE_BUILD);
    put_le32(buf + PROTO_BUILD_OFF_FLAGS, 0x3);
    expect_request_reject(PROTO_ERR_BAD_FIELD, "build flags 0x3 hold unknown bits 0x2");
    encode_request(PROTO_TYPE_BUILD);
    buf[PROTO_BUILD_OFF_RESERVED] = 1;
    expect_request_reject(PROTO_ERR_BAD_FIELD, "message: reserved byte at offset 0x24 is not zero");
}

static void req_build_bad_spec(void **state)
{
    (void)state;
    encode_request(PROTO_TYPE_BUILD);
    buf[PROTO_BUILD_OFF_SPEC] = 'X';
    expect_request_reject(PROTO_ERR_BAD_SPEC, "spec: magic is not \"DOMBSPEC\"");
    encode_request(PROTO_TYPE_BUILD);
    buf[PROTO_BUILD_OFF_SPEC + SPEC_OFF_NAME + VM_NAME_MAX] = 'x'; /* junk after the name */
    expect_request_reject(PROTO_ERR_BAD_SPEC,
                          "spec: name field has bytes after its terminating NUL");
}

static void req_domid_out_of_range(void **state)
{
    (void)state;
    encode_request(PROTO_TYPE_UNPAUSE);
    put_le16(buf + PROTO_DOMID_OFF_DOMID, 0);
    expect_request_reject(PROTO_ERR_BAD_FIELD, "domid 0 is not a guest domain id (1..32751)");
    encode_request(PROTO_TYPE_STATUS);
    put_le16(buf + PROTO_DOMID_OFF_DOMID, 0x7ff0); /* DOMID_FIRST_RESERVED */
    expect_request_reject(PROTO_ERR_BAD_FIELD, "domid 32752 is not a guest domain id (1..32751)");
    encode_request(PROTO_TYPE_DESTROY);
    buf[PROTO_DOMID_OFF_RESERVED + 5] = 0x80;
    expect_request_reject(PROTO_ERR_BAD_FIELD, "message: reserved byte at offset 0x27 is not zero");
}

static void req_list_bad_cursor(void **state)
{
    (void)state;
    encode_request(PROTO_TYPE_LIST);
    put_le32(buf + PROTO_LIST_OFF_CURSOR, VM_DOMID_MAX + 1);
    expect_request_reject(PROTO_ERR_BAD_FIELD,
                          "list cursor 32752 is above the largest domain id 32751");
    encode_request(PROTO_TYPE_LIST);
    buf[PROTO_LIST_OFF_RESERVED] = 1;
    expect_request_reject(PROTO_ERR_BAD_FIELD, "message: reserved byte at offset 0x24 is not zero");
}

static void req_ping_bad_payload(void **state)
{
    const size_t body = PROTO_REQ_HDR_SIZE;

    (void)state;
    encode_request(PROTO_TYPE_PING);
    put_le16(buf + body + PROTO_PING_OFF_LEN, 65);
    expect_request_reject(PROTO_ERR_BAD_FIELD, "ping payload of 65 bytes; at most 64");
    encode_request(PROTO_TYPE_PING);
    buf[body + PROTO_PING_OFF_PAYLOAD + 5] = 'x'; /* beyond the 5 used bytes */
    expect_request_reject(PROTO_ERR_BAD_FIELD,
                          "ping payload has non-zero bytes after its 5 used bytes");
    encode_request(PROTO_TYPE_PING);
    buf[body + PROTO_PING_OFF_RESERVED] = 1;
    expect_request_reject(PROTO_ERR_BAD_FIELD, "message: reserved byte at offset 0x2a is not zero");
}

/* --- encoders refuse what the decoder would refuse --- */

static void encode_rejects_invalid(void **state)
{
    struct proto_request req;
    struct proto_response rsp;
    struct domb_error err;

    (void)state;
    sample_request(&req, PROTO_TYPE_BUILD);
    assert_int_equal(proto_request_encode(&req, buf, PROTO_BUILD_REQ_SIZE - 1, &err),
                     PROTO_RC(PROTO_ERR_BAD_LENGTH));
    assert_string_equal(err.msg, "a build request needs 2392 bytes; the buffer holds 2391");
    req.build.spec.vcpus = 0;
    assert_int_equal(proto_request_encode(&req, buf, sizeof(buf), &err),
                     PROTO_RC(PROTO_ERR_BAD_SPEC));
    assert_non_null(strstr(err.msg, "spec: "));
    req.type = 99;
    assert_int_equal(proto_request_encode(&req, buf, sizeof(buf), &err),
                     PROTO_RC(PROTO_ERR_UNKNOWN_TYPE));
    sample_request(&req, PROTO_TYPE_DESTROY);
    req.domid = 0;
    assert_int_equal(proto_request_encode(&req, buf, sizeof(buf), &err),
                     PROTO_RC(PROTO_ERR_BAD_FIELD));
    sample_request(&req, PROTO_TYPE_PING);
    req.ping.len = 200;
    assert_int_equal(proto_request_encode(&req, buf, sizeof(buf), &err),
                     PROTO_RC(PROTO_ERR_BAD_FIELD));

    sample_response(&rsp, PROTO_TYPE_LIST);
    rsp.list.count = PROTO_LIST_MAX + 1;
    assert_int_equal(proto_response_encode(&rsp, buf, sizeof(buf), &err),
                     PROTO_RC(PROTO_ERR_BAD_FIELD));
    assert_string_equal(err.msg, "list holds 33 entries; at most 32 fit");
    sample_response(&rsp, PROTO_TYPE_LIST);
    memset(rsp.list.entries[0].name, 'a', sizeof(rsp.list.entries[0].name));
    assert_int_equal(proto_response_encode(&rsp, buf, sizeof(buf), &err),
                     PROTO_RC(PROTO_ERR_BAD_FIELD));
    assert_string_equal(err.msg, "list entry name is longer than its 63-byte field");
    sample_response(&rsp, PROTO_TYPE_PING);
    rsp.type = PROTO_TYPE_NONE;
    assert_int_equal(proto_response_encode(&rsp, buf, sizeof(buf), &err),
                     PROTO_RC(PROTO_ERR_BAD_FIELD));
    assert_string_equal(err.msg, "a successful response must name its request's type");
    sample_response(&rsp, PROTO_TYPE_PING);
    rsp.type = PROTO_TYPE_COUNT;
    assert_int_equal(proto_response_encode(&rsp, buf, sizeof(buf), &err),
                     PROTO_RC(PROTO_ERR_UNKNOWN_TYPE));
}

/* --- response rejections --- */

static void rsp_bad_frame(void **state)
{
    (void)state;
    encode_response(PROTO_TYPE_PING);
    memcpy(buf, PROTO_REQ_MAGIC, 8);
    expect_response_reject(PROTO_ERR_BAD_MAGIC, "response magic is not \"DOMB-RSP\"");
    encode_response(PROTO_TYPE_PING);
    put_le16(buf + PROTO_OFF_VERSION, 0);
    expect_response_reject(PROTO_ERR_VERSION,
                           "response version 0 is not supported (this build speaks version 1)");
    encode_response(PROTO_TYPE_PING);
    put_le16(buf + PROTO_OFF_TYPE, 7);
    expect_response_reject(PROTO_ERR_UNKNOWN_TYPE, "response type 7 is not known");
}

static void rsp_status_error_disagree(void **state)
{
    static const struct {
        int32_t status;
        uint16_t error;
    } bad[] = {{0, PROTO_ERR_BUSY},
               {-XEN_EBUSY, PROTO_OK},
               {5, PROTO_ERR_BUSY},
               {-XEN_EBUSY, PROTO_ERR_COUNT}};

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char msg[128];

        encode_response(PROTO_TYPE_UNPAUSE);
        put_le32(buf + PROTO_RSP_OFF_STATUS, (uint32_t)bad[i].status);
        put_le16(buf + PROTO_RSP_OFF_ERROR, bad[i].error);
        snprintf(msg, sizeof(msg),
                 "status %d and error code %u do not agree (0 and 0, or negative and 1..17)",
                 bad[i].status, bad[i].error);
        expect_response_reject(PROTO_ERR_BAD_FIELD, msg);
    }
}

static void rsp_error_with_body(void **state)
{
    (void)state;
    encode_response(PROTO_TYPE_UNPAUSE);
    put_le32(buf + PROTO_RSP_OFF_STATUS, (uint32_t)-XEN_ESRCH);
    put_le16(buf + PROTO_RSP_OFF_ERROR, PROTO_ERR_NO_SUCH_DOMAIN);
    expect_response_reject(PROTO_ERR_BAD_LENGTH,
                           "a unpause error response is 96 bytes but its size field says 104");
}

static void rsp_bad_reason(void **state)
{
    (void)state;
    encode_response(PROTO_TYPE_PING);
    memset(buf + PROTO_RSP_OFF_REASON, 'a', PROTO_REASON_SIZE);
    expect_response_reject(PROTO_ERR_BAD_FIELD, "reason is not NUL-terminated");
    encode_response(PROTO_TYPE_PING);
    buf[PROTO_RSP_OFF_REASON + 10] = 'a';
    expect_response_reject(PROTO_ERR_BAD_FIELD, "reason has bytes after its terminating NUL");
    encode_response(PROTO_TYPE_PING);
    memcpy(buf + PROTO_RSP_OFF_REASON, "ok\033[2J", 6);
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "reason has a non-printable byte 0x1b at position 2");
}

static void rsp_build_rejections(void **state)
{
    (void)state;
    encode_response(PROTO_TYPE_BUILD);
    put_le16(buf + PROTO_BUILT_OFF_DOMID, 0);
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "built domid 0 is not a guest domain id (1..32751)");
    encode_response(PROTO_TYPE_BUILD);
    put_le32(buf + PROTO_BUILT_OFF_STORE_PORT, 0);
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "event channel port 0 is never a bound port (console 3, store 0)");
    encode_response(PROTO_TYPE_BUILD);
    put_le64(buf + PROTO_BUILT_OFF_CONSOLE_MFN, 1ull << 40);
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "a frame number is beyond 52-bit physical addresses");
    encode_response(PROTO_TYPE_BUILD);
    put_le64(buf + PROTO_BUILT_OFF_NR_PAGES, 0);
    expect_response_reject(PROTO_ERR_BAD_FIELD, "built domain has no memory");
    encode_response(PROTO_TYPE_BUILD);
    put_le32(buf + PROTO_BUILT_OFF_FLAGS, PROTO_BUILT_PAUSED);
    expect_response_reject(PROTO_ERR_BAD_FIELD, "ramdisk hash is set but the ramdisk flag is not");
    encode_response(PROTO_TYPE_BUILD);
    put_le32(buf + PROTO_BUILT_OFF_FLAGS, 0x10 | PROTO_BUILT_RAMDISK);
    expect_response_reject(PROTO_ERR_BAD_FIELD, "build result flags 0x12 hold unknown bits 0x10");
    encode_response(PROTO_TYPE_BUILD);
    put_le32(buf + PROTO_BUILT_OFF_FLAGS, 0x8 | PROTO_BUILT_PVH | PROTO_BUILT_RAMDISK);
    expect_response_reject(PROTO_ERR_BAD_FIELD, "build result flags 0xe hold unknown bits 0x8");
    encode_response(PROTO_TYPE_BUILD);
    buf[PROTO_BUILT_OFF_RESERVED2 + 3] = 1;
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "message: reserved byte at offset 0x9f is not zero");
}

static void rsp_status_rejections(void **state)
{
    (void)state;
    encode_response(PROTO_TYPE_STATUS);
    buf[PROTO_STATUS_OFF_STATE] = 0;
    expect_response_reject(PROTO_ERR_BAD_FIELD, "status state 0 is not known");
    encode_response(PROTO_TYPE_STATUS);
    buf[PROTO_STATUS_OFF_SHUTDOWN] = PROTO_SHUTDOWN_MAX + 1;
    expect_response_reject(PROTO_ERR_BAD_FIELD, "shutdown reason 6 is not one of Xen's (0..5)");
    encode_response(PROTO_TYPE_STATUS);
    buf[PROTO_STATUS_OFF_STATE] = PROTO_VM_RUNNING;
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "shutdown reason 3 given for a domain in state running");
    encode_response(PROTO_TYPE_STATUS);
    put_le16(buf + PROTO_DOMID_RSP_OFF_DOMID, 0xffff);
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "status domid 65535 is not a guest domain id (1..32751)");
}

static void rsp_list_count_and_size(void **state)
{
    (void)state;
    encode_response(PROTO_TYPE_LIST);
    put_le16(buf + PROTO_LIST_OFF_COUNT, PROTO_LIST_MAX + 1);
    expect_response_reject(PROTO_ERR_BAD_FIELD, "list holds 33 entries; at most 32 fit");
    encode_response(PROTO_TYPE_LIST);
    put_le16(buf + PROTO_LIST_OFF_COUNT, 3);
    expect_response_reject(PROTO_ERR_BAD_LENGTH,
                           "a list response is 344 bytes but its size field says 264");
    encode_response(PROTO_TYPE_LIST);
    put_le32(buf + PROTO_OFF_SIZE, PROTO_RSP_HDR_SIZE);
    expect_response_reject(PROTO_ERR_BAD_LENGTH,
                           "a list response is 104 bytes but its size field says 96");
}

static void rsp_list_entry_rejections(void **state)
{
    const size_t e1 = PROTO_LIST_OFF_ENTRIES + PROTO_LIST_ENTRY_SIZE;

    (void)state;
    encode_response(PROTO_TYPE_LIST);
    put_le16(buf + e1 + PROTO_ENTRY_OFF_DOMID, 3);
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "list entry 1 (domid 3) is not above the previous domid 3");
    encode_response(PROTO_TYPE_LIST);
    buf[e1 + PROTO_ENTRY_OFF_STATE] = 9;
    expect_response_reject(PROTO_ERR_BAD_FIELD, "list entry 1 state 9 is not known");
    encode_response(PROTO_TYPE_LIST);
    buf[e1 + PROTO_ENTRY_OFF_NAME] = '/';
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "list entry 1: name may only hold letters, digits, '_', '.' and '-'");
    encode_response(PROTO_TYPE_LIST);
    buf[e1 + PROTO_ENTRY_OFF_NAME + VM_NAME_MAX] = 'x';
    expect_response_reject(PROTO_ERR_BAD_FIELD, "list entry 1 has bytes after its terminating NUL");
    encode_response(PROTO_TYPE_LIST);
    buf[e1 + PROTO_ENTRY_OFF_RESERVED + 4] = 1;
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "message: reserved byte at offset 0xbf is not zero");
}

static void rsp_list_cursor_rejections(void **state)
{
    (void)state;
    encode_response(PROTO_TYPE_LIST);
    put_le16(buf + PROTO_LIST_OFF_FLAGS, 0);
    expect_response_reject(PROTO_ERR_BAD_FIELD, "list has no more entries but a next cursor 11");
    encode_response(PROTO_TYPE_LIST);
    put_le32(buf + PROTO_LIST_OFF_NEXT_CURSOR, 10);
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "list says more entries follow, but its next cursor 10 is not above "
                           "its last entry and at most 32751");
    encode_response(PROTO_TYPE_LIST);
    put_le16(buf + PROTO_LIST_OFF_FLAGS, 0x3);
    expect_response_reject(PROTO_ERR_BAD_FIELD, "list flags 0x3 hold unknown bits 0x2");
}

static void rsp_domid_and_ping_rejections(void **state)
{
    (void)state;
    encode_response(PROTO_TYPE_DESTROY);
    buf[PROTO_DOMID_RSP_OFF_RESERVED] = 1;
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "message: reserved byte at offset 0x62 is not zero");
    encode_response(PROTO_TYPE_PING);
    put_le16(buf + PROTO_RSP_HDR_SIZE + PROTO_PING_OFF_LEN, 10);
    expect_response_reject(PROTO_ERR_BAD_FIELD,
                           "ping payload has non-zero bytes after its 10 used bytes");
}

/* A client cannot choose a VM's FLASK label (docs/disaggregation.md). */
static void req_build_seclabel_refused(void **state)
{
    struct proto_request in;
    struct domb_error err;

    (void)state;
    sample_request(&in, PROTO_TYPE_BUILD);
    snprintf(in.build.spec.seclabel, sizeof(in.build.spec.seclabel), "system_u:system_r:dom0_t");
    assert_int_equal(proto_request_encode(&in, buf, sizeof(buf), &err),
                     PROTO_RC(PROTO_ERR_BAD_SPEC));
    assert_string_equal(err.msg, "spec: seclabel 'system_u:system_r:dom0_t': a db-server client "
                                 "cannot choose a VM's label");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(req_build_round_trip),
    cmocka_unit_test(req_build_seclabel_refused),
    cmocka_unit_test(req_build_pvh_round_trip),
    cmocka_unit_test(req_build_devices_round_trip),
    cmocka_unit_test(req_build_devices_rejections),
    cmocka_unit_test(req_unpause_round_trip),
    cmocka_unit_test(req_destroy_round_trip),
    cmocka_unit_test(req_status_round_trip),
    cmocka_unit_test(req_list_round_trip),
    cmocka_unit_test(req_ping_round_trip),
    cmocka_unit_test(rsp_build_round_trip),
    cmocka_unit_test(rsp_build_pvh_round_trip),
    cmocka_unit_test(rsp_unpause_destroy_round_trip),
    cmocka_unit_test(rsp_status_round_trip),
    cmocka_unit_test(rsp_status_gone_keeps_reason),
    cmocka_unit_test(rsp_list_round_trip),
    cmocka_unit_test(rsp_list_full_and_empty),
    cmocka_unit_test(rsp_ping_round_trip),
    cmocka_unit_test(rsp_error_round_trip),
    cmocka_unit_test(rsp_error_from_failed_decode),
    cmocka_unit_test(rsp_ok_header),
    cmocka_unit_test(error_names_and_errnos),
    cmocka_unit_test(req_truncated),
    cmocka_unit_test(req_bad_magic),
    cmocka_unit_test(req_bad_version),
    cmocka_unit_test(req_bad_header_flags),
    cmocka_unit_test(req_unknown_type),
    cmocka_unit_test(req_size_wrong_for_type),
    cmocka_unit_test(req_reserved_header),
    cmocka_unit_test(req_id_zero),
    cmocka_unit_test(req_build_bad_flags_and_reserved),
    cmocka_unit_test(req_build_bad_spec),
    cmocka_unit_test(req_domid_out_of_range),
    cmocka_unit_test(req_list_bad_cursor),
    cmocka_unit_test(req_ping_bad_payload),
    cmocka_unit_test(encode_rejects_invalid),
    cmocka_unit_test(rsp_bad_frame),
    cmocka_unit_test(rsp_status_error_disagree),
    cmocka_unit_test(rsp_error_with_body),
    cmocka_unit_test(rsp_bad_reason),
    cmocka_unit_test(rsp_build_rejections),
    cmocka_unit_test(rsp_status_rejections),
    cmocka_unit_test(rsp_list_count_and_size),
    cmocka_unit_test(rsp_list_entry_rejections),
    cmocka_unit_test(rsp_list_cursor_rejections),
    cmocka_unit_test(rsp_domid_and_ping_rejections),
};

DOMB_TEST_MAIN(tests)
