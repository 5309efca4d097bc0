/*
 * The protocol's error values: a range of their own that never meets a Xen
 * errno, one sign convention, and a mapping to the wire codes that round-trips.
 */
#include "domb_test.h"

#include <domb/errno.h>
#include <proto/protocol.h>
#include <limits.h>
#include <string.h>

/* Every errno <xen/errno.h> defines, by the header's own X-macro, plus the
 * two it keeps for the hypervisor (EINTR, ERESTART). */
static const struct {
    const char *name;
    int value;
} xen_errnos[] = {
#define XEN_ERRNO(name, value) {#name, value},
#include <xen/errno.h>
    {"EINTR", 4},
    {"ERESTART", 85},
};

static void no_protocol_value_is_a_xen_errno(void **state)
{
    (void)state;
    assert_true(ARRAY_SIZE(xen_errnos) > 40);
    for (int e = 1; e < PROTO_ERR_COUNT; e++) {
        int rc = PROTO_RC(e);

        assert_true(rc < 0);
        for (size_t i = 0; i < ARRAY_SIZE(xen_errnos); i++) {
            if (rc == -xen_errnos[i].value || rc == xen_errnos[i].value)
                fail_msg("PROTO_RC(%s) = %d is XEN_%s", proto_error_name((enum proto_error)e), rc,
                         xen_errnos[i].name);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(xen_errnos); i++) {
        assert_false(proto_rc_is_error(-xen_errnos[i].value));
        assert_int_equal(proto_error_code(-xen_errnos[i].value), PROTO_ERR_INTERNAL);
    }
}

/* Nothing from 0 down to -PROTO_ERR_BASE is a protocol value: every Xen errno
 * there may ever be, and the builder's elf_error range (-1000..), stays out. */
static void protocol_range_is_its_own(void **state)
{
    (void)state;
    for (int rc = -PROTO_ERR_BASE; rc <= PROTO_ERR_COUNT; rc++)
        assert_false(proto_rc_is_error(rc));
    assert_int_equal(PROTO_RC_FIRST, -(PROTO_ERR_BASE + 1));
    assert_int_equal(PROTO_RC_LAST, -(PROTO_ERR_BASE + PROTO_ERR_COUNT - 1));
    assert_false(proto_rc_is_error(PROTO_RC_LAST - 1));
    assert_false(proto_rc_is_error(INT_MIN));
    assert_false(proto_rc_is_error(INT_MAX));
    /* the XZ/gzip/bzImage errors count up from -3000/-3100/-3200, a few
     * dozen each: the protocol's range sits between them and elf_error's */
    assert_true(PROTO_RC_LAST > -2900);
}

static void mapping_round_trips(void **state)
{
    (void)state;
    assert_int_equal(PROTO_RC(PROTO_OK), 0);
    assert_int_equal(proto_error_code(0), PROTO_OK);
    for (int e = 1; e < PROTO_ERR_COUNT; e++) {
        int rc = PROTO_RC(e);

        assert_true(proto_rc_is_error(rc));
        assert_int_equal(proto_error_code(rc), e);
        assert_int_equal(PROTO_RC(proto_error_code(rc)), rc);
        for (int f = 1; f < e; f++)
            assert_int_not_equal(PROTO_RC(f), rc); /* one value per code */
    }
    /* anything else that is not success is a server-side bug: INTERNAL */
    static const int others[] = {1, 5, INT_MAX, -1, -2000, PROTO_RC_LAST - 1, INT_MIN};
    for (size_t i = 0; i < ARRAY_SIZE(others); i++)
        assert_int_equal(proto_error_code(others[i]), PROTO_ERR_INTERNAL);
}

/* The wire numbering (docs/protocol.md) did not move with the internal values. */
static void wire_codes_unchanged(void **state)
{
    static const char *const names[PROTO_ERR_COUNT] = {
        "OK",        "BAD_MAGIC",      "VERSION",      "UNKNOWN_TYPE", "BAD_LENGTH",
        "BAD_FIELD", "BAD_SPEC",       "NO_IMAGE",     "NO_MEMORY",    "QUOTA",
        "NOT_OWNER", "NO_SUCH_DOMAIN", "BUILD_FAILED", "BUSY",         "NOT_AUTHORISED",
        "SEQUENCE",  "RING_CORRUPT",   "INTERNAL",
    };

    (void)state;
    assert_int_equal(PROTO_ERR_BAD_MAGIC, 1);
    assert_int_equal(PROTO_ERR_VERSION, 2);
    assert_int_equal(PROTO_ERR_NO_IMAGE, 7);
    assert_int_equal(PROTO_ERR_NOT_AUTHORISED, 14);
    assert_int_equal(PROTO_ERR_INTERNAL, 17);
    assert_int_equal(PROTO_ERR_COUNT, 18);
    for (int e = 0; e < PROTO_ERR_COUNT; e++)
        assert_string_equal(proto_error_name((enum proto_error)e), names[e]);
}

/* Decoders and ring helpers return protocol values, never Xen errnos. */
static void decoders_return_protocol_values(void **state)
{
    static uint8_t slot[PROTO_SLOT_SIZE], page[PROTO_PAGE_SIZE];
    struct proto_request req;
    struct proto_response rsp;
    struct proto_back_ring back;
    struct domb_error err;
    int rc;

    (void)state;
    memset(slot, 0x5a, sizeof(slot));
    rc = proto_request_decode(slot, sizeof(slot), &req, &err);
    assert_true(proto_rc_is_error(rc));
    assert_int_equal(err.code, rc);
    assert_int_equal(proto_error_code(rc), PROTO_ERR_BAD_MAGIC);
    rc = proto_response_decode(slot, 3, &rsp, &err);
    assert_int_equal(proto_error_code(rc), PROTO_ERR_BAD_LENGTH);
    rc = proto_ring_attach(&back, page, &err);
    assert_int_equal(rc, PROTO_RC(PROTO_ERR_RING_CORRUPT));
    assert_int_equal(err.code, rc);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(no_protocol_value_is_a_xen_errno),
    cmocka_unit_test(protocol_range_is_its_own),
    cmocka_unit_test(mapping_round_trips),
    cmocka_unit_test(wire_codes_unchanged),
    cmocka_unit_test(decoders_return_protocol_values),
};

DOMB_TEST_MAIN(tests)
