/* The xenstore tree: limits, permissions, quotas, the nodes of a domain. */
#include "xs_fixture.h"

#include <domb/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read path as `as` and compare with want (NULL: expect the error code). */
static void check_read(struct xs_store *s, domid_t as, const char *path, const char *want,
                       int want_rc)
{
    struct domb_error err;
    const char *value;
    uint32_t len;
    int rc = xs_store_read(s, as, path, &value, &len, &err);

    if (rc != want_rc)
        fail_msg("read %s as %u: %d (%s), wanted %d", path, as, rc, rc ? err.msg : "", want_rc);
    if (want) {
        assert_int_equal(len, strlen(want));
        assert_memory_equal(value, want, len);
    } else if (want_rc) {
        assert_true(err.msg[0] != '\0');
    }
}

static void check_perms(struct xs_store *s, const char *path, const char *want)
{
    struct xs_perm perms[XS_PERMS_MAX];
    unsigned int n;
    char got[64] = "";

    assert_int_equal(xs_store_get_perms(s, 0, path, perms, &n, NULL), 0);
    for (unsigned int i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%c%u", i ? "," : "",
                 "nrwb"[perms[i].perm], perms[i].domid);
    assert_string_equal(got, want);
}

static void init_rejects_small_arena(void **state)
{
    struct xs_store s;
    struct domb_error err;
    static char arena[8192];

    assert_int_equal(xs_store_init(&s, arena, sizeof(arena), 1000, &err), -XEN_ENOSPC);
    assert_non_null(strstr(err.msg, "arena"));
    assert_int_equal(xs_store_init(&s, arena, sizeof(arena), 1, &err), -XEN_EINVAL);
    assert_int_equal(xs_store_init(&s, arena + 1, sizeof(arena) - 1, 16, &err), 0);
    assert_int_equal((uintptr_t)s.nodes % 8, 0);
}

static void root_is_private(void **state)
{
    struct fx *f = *state;
    char buf[64];
    uint32_t len;
    bool complete;
    uint64_t gen;

    assert_int_equal(
        xs_store_directory(&f->store, 1, "/", 0, buf, sizeof(buf), &len, &complete, &gen, NULL),
        -XEN_EACCES);
    assert_int_equal(
        xs_store_directory(&f->store, 0, "/", 0, buf, sizeof(buf), &len, &complete, &gen, NULL), 0);
    assert_int_equal(len, 15);
    assert_memory_equal(buf, "local\0vm\0libxl", 15);
    check_read(&f->store, 1, "/local/domain", NULL, -XEN_EACCES);
}

static void write_read_and_parents(void **state)
{
    struct fx *f = *state;
    struct domb_error err;

    assert_int_equal(xs_store_write(&f->store, 0, "/a/b/c", "xyz", 3, &err), 0);
    check_read(&f->store, 0, "/a/b/c", "xyz", 0);
    check_read(&f->store, 0, "/a/b", "", 0);
    check_read(&f->store, 0, "/a", "", 0);
    assert_int_equal(xs_store_write(&f->store, 0, "/a/b/c", "", 0, &err), 0);
    check_read(&f->store, 0, "/a/b/c", "", 0);
    check_read(&f->store, 0, "/a/x", NULL, -XEN_ENOENT);
    assert_int_equal(xs_store_mkdir(&f->store, 0, "/a/b", &err), 0); /* exists: fine */
    check_read(&f->store, 0, "/a/b", "", 0);
}

static void value_and_path_limits(void **state)
{
    struct fx *f = *state;
    struct domb_error err;
    static char big[XS_VALUE_MAX + 1];
    static char path[XS_PATH_MAX + 2];

    memset(big, 'v', sizeof(big));
    assert_int_equal(xs_store_write(&f->store, 0, "/v", big, XS_VALUE_MAX, &err), 0);
    assert_int_equal(xs_store_write(&f->store, 0, "/v", big, XS_VALUE_MAX + 1, &err), -XEN_E2BIG);
    assert_non_null(strstr(err.msg, "4096"));
    memset(path, 'p', sizeof(path) - 1);
    path[0] = '/';
    path[XS_PATH_MAX] = '\0'; /* 3072 characters: allowed */
    assert_int_equal(xs_store_write(&f->store, 0, path, "1", 1, &err), 0);
    path[XS_PATH_MAX] = 'p'; /* 3073 */
    path[XS_PATH_MAX + 1] = '\0';
    assert_int_equal(xs_store_write(&f->store, 0, path, "1", 1, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "longer"));
}

static void bad_paths_rejected(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {"", "rel", "/a//b", "/a/", "/a b", "/a\xff", "@x", "/a.b"};
    struct domb_error err;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        domb_error_clear(&err);
        assert_int_equal(xs_store_write(&f->store, 0, bad[i], "1", 1, &err), -XEN_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
    assert_int_equal(xs_path_check("@releaseDomain", 14, true, NULL), 0);
    assert_int_equal(xs_path_check("@a/b", 4, true, NULL), -XEN_EINVAL);
    assert_int_equal(xs_path_check("/a-b_c@9", 8, false, NULL), 0);
}

static void node_limit_enospc(void **state)
{
    struct fx *f = fx_new(128, 1 << 17);
    struct domb_error err;
    char path[32];
    int n = 0;

    (void)state;
    while (f->store.used_nodes < 127) {
        snprintf(path, sizeof(path), "/n%d", n++);
        assert_int_equal(xs_store_write(&f->store, 0, path, "1", 1, &err), 0);
    }
    /* One node left: a write that needs three must fail whole. */
    assert_int_equal(xs_store_write(&f->store, 0, "/p/q/r", "1", 1, &err), -XEN_ENOSPC);
    assert_non_null(strstr(err.msg, "full"));
    assert_int_equal(f->store.used_nodes, 127);
    check_read(&f->store, 0, "/p", NULL, -XEN_ENOENT);
    assert_int_equal(xs_store_write(&f->store, 0, "/p", "1", 1, &err), 0);
    assert_int_equal(xs_store_rm(&f->store, 0, "/n0", &err), 0);
    assert_int_equal(f->store.used_nodes, 127);
    fx_free(f);
}

static void heap_compaction_reuses_space(void **state)
{
    struct fx *f = fx_new(128, 64 * 1024 - 1);
    struct domb_error err;
    static char big[3000];
    char path[32];

    (void)state;
    memset(big, 'b', sizeof(big));
    /* Rewrite values of changing sizes far more often than the heap holds. */
    for (int round = 0; round < 200; round++) {
        snprintf(path, sizeof(path), "/k%d", round % 5);
        assert_int_equal(xs_store_write(&f->store, 0, path, big, 1000 + (round % 7) * 300, &err),
                         0);
        if (round % 3 == 0)
            assert_int_equal(xs_store_rm(&f->store, 0, path, &err), 0);
    }
    assert_true(f->store.heap_top <= f->store.heap_size);
    assert_int_equal(xs_store_write(&f->store, 0, "/k9", big, 2000, &err), 0);
    check_read(&f->store, 1, "/local/domain/1/name", "guest1", 0);
    /* Fill the heap: a clean ENOSPC, then nothing changed. */
    for (int i = 0; i < 40; i++) {
        snprintf(path, sizeof(path), "/fill%d", i);
        if (xs_store_write(&f->store, 0, path, big, sizeof(big), &err) < 0)
            break;
    }
    assert_int_equal(err.code, -XEN_ENOSPC);
    if (!strstr(err.msg, "heap"))
        fail_msg("%s", err.msg);
    check_read(&f->store, 0, "/k9", NULL, 0);
    fx_free(f);
}

static void domain_node_quota(void **state)
{
    struct fx *f = *state;
    struct domb_error err;
    static char big[100];
    char path[64];
    int rc = 0, i;

    f->store.quota_nodes = 40;
    for (i = 0; i < 100 && rc == 0; i++) {
        snprintf(path, sizeof(path), "/local/domain/1/data/n%d", i);
        rc = xs_store_write(&f->store, 1, path, "1", 1, &err);
    }
    assert_int_equal(rc, -XEN_ENOSPC);
    assert_non_null(strstr(err.msg, "domain 1"));
    /* The other guest is not affected. */
    assert_int_equal(xs_store_write(&f->store, 2, "/local/domain/2/data/x", "1", 1, &err), 0);
    f->store.quota_bytes = 100;
    memset(big, 'x', sizeof(big));
    assert_int_equal(xs_store_write(&f->store, 2, "/local/domain/2/data/x", big, 100, &err),
                     -XEN_ENOSPC);
    assert_non_null(strstr(err.msg, "bytes"));
}

static void owner_and_others(void **state)
{
    struct fx *f = *state;
    struct domb_error err;

    assert_int_equal(xs_store_write(&f->store, 1, "/local/domain/1/data/k", "v", 1, &err), 0);
    check_read(&f->store, 1, "/local/domain/1/data/k", "v", 0);
    check_read(&f->store, 2, "/local/domain/1/data/k", NULL, -XEN_EACCES);
    assert_int_equal(xs_store_write(&f->store, 2, "/local/domain/1/data/k", "w", 1, &err),
                     -XEN_EACCES);
    assert_non_null(strstr(err.msg, "domain 2 may not write"));
    assert_int_equal(xs_store_write(&f->store, 2, "/local/domain/1/data/new", "w", 1, &err),
                     -XEN_EACCES);
    assert_int_equal(xs_store_rm(&f->store, 2, "/local/domain/1/data", &err), -XEN_EACCES);
    /* dom0 may do anything. */
    assert_int_equal(xs_store_write(&f->store, 0, "/local/domain/1/data/k", "0", 1, &err), 0);
    check_read(&f->store, 1, "/local/domain/1/data/k", "0", 0);
    check_perms(&f->store, "/local/domain/1/data/k", "n1");
}

static void perm_entries_grant_access(void **state)
{
    struct fx *f = *state;
    struct domb_error err;
    const struct xs_perm ro[2] = {{1, XS_PERM_NONE}, {2, XS_PERM_READ}};
    const struct xs_perm rw[2] = {{1, XS_PERM_NONE}, {2, XS_PERM_BOTH}};
    const struct xs_perm everyone_reads[1] = {{1, XS_PERM_READ}};

    assert_int_equal(xs_store_write(&f->store, 1, "/local/domain/1/data/s", "v", 1, &err), 0);
    assert_int_equal(xs_store_set_perms(&f->store, 1, "/local/domain/1/data/s", ro, 2, &err), 0);
    check_read(&f->store, 2, "/local/domain/1/data/s", "v", 0);
    assert_int_equal(xs_store_write(&f->store, 2, "/local/domain/1/data/s", "x", 1, &err),
                     -XEN_EACCES);
    assert_int_equal(xs_store_set_perms(&f->store, 1, "/local/domain/1/data/s", rw, 2, &err), 0);
    assert_int_equal(xs_store_write(&f->store, 2, "/local/domain/1/data/s", "x", 1, &err), 0);
    /* Children domain 2 creates there are its own. */
    assert_int_equal(xs_store_write(&f->store, 2, "/local/domain/1/data/s/c", "c", 1, &err), 0);
    check_perms(&f->store, "/local/domain/1/data/s/c", "n2,b2");
    assert_int_equal(
        xs_store_set_perms(&f->store, 1, "/local/domain/1/data/s", everyone_reads, 1, &err), 0);
    check_read(&f->store, 3, "/local/domain/1/data/s", "x", 0);
    check_perms(&f->store, "/local/domain/1/data/s", "r1");
}

static void missing_node_errors_hide_other_trees(void **state)
{
    struct fx *f = *state;

    check_read(&f->store, 1, "/local/domain/1/device/vbd", NULL, -XEN_ENOENT);
    check_read(&f->store, 2, "/local/domain/1/device/vbd", NULL, -XEN_EACCES);
    check_read(&f->store, 2, "/local/domain/9/x", NULL, -XEN_EACCES);
    check_read(&f->store, 0, "/local/domain/9/x", NULL, -XEN_ENOENT);
}

static void set_perms_rules(void **state)
{
    struct fx *f = *state;
    struct domb_error err;
    const struct xs_perm to2[1] = {{2, XS_PERM_NONE}};
    const struct xs_perm six[6] = {{1, 0}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}};
    const struct xs_perm bad[1] = {{1, 7}};

    assert_int_equal(xs_store_write(&f->store, 1, "/local/domain/1/data/g", "v", 1, &err), 0);
    assert_int_equal(xs_store_set_perms(&f->store, 1, "/local/domain/1/data/g", to2, 1, &err),
                     -XEN_EPERM);
    assert_non_null(strstr(err.msg, "give"));
    assert_int_equal(xs_store_set_perms(&f->store, 1, "/local/domain/1/data/g", six, 6, &err),
                     -XEN_ENOSPC);
    assert_int_equal(xs_store_set_perms(&f->store, 1, "/local/domain/1/data/g", six, 0, &err),
                     -XEN_EINVAL);
    assert_int_equal(xs_store_set_perms(&f->store, 1, "/local/domain/1/data/g", bad, 1, &err),
                     -XEN_EINVAL);
    assert_int_equal(xs_store_set_perms(&f->store, 2, "/local/domain/1/data/g", six, 2, &err),
                     -XEN_EACCES);
    /* Read-only nodes the builder wrote cannot be re-permitted by the guest. */
    assert_int_equal(xs_store_set_perms(&f->store, 1, "/local/domain/1/name", six, 1, &err),
                     -XEN_EACCES);
    /* dom0 gives the node away; domain 2 owns it now. */
    assert_int_equal(xs_store_set_perms(&f->store, 0, "/local/domain/1/data/g", to2, 1, &err), 0);
    check_read(&f->store, 2, "/local/domain/1/data/g", "v", 0);
    check_read(&f->store, 1, "/local/domain/1/data/g", NULL, -XEN_EACCES);
}

static void rm_rules(void **state)
{
    struct fx *f = *state;
    struct domb_error err;
    uint32_t used = f->store.used_nodes;

    assert_int_equal(xs_store_rm(&f->store, 1, "/local/domain/1/data/none", &err), 0);
    assert_int_equal(xs_store_rm(&f->store, 1, "/local/domain/1/data/none/deeper", &err),
                     -XEN_ENOENT);
    assert_int_equal(xs_store_rm(&f->store, 0, "/", &err), -XEN_EINVAL);
    assert_int_equal(xs_store_write(&f->store, 1, "/local/domain/1/data/t/a/b", "1", 1, &err), 0);
    assert_int_equal(xs_store_write(&f->store, 1, "/local/domain/1/data/t/a/c", "1", 1, &err), 0);
    assert_int_equal(xs_store_write(&f->store, 1, "/local/domain/1/data/t/d", "1", 1, &err), 0);
    assert_int_equal(f->store.used_nodes, used + 5);
    assert_int_equal(xs_store_rm(&f->store, 1, "/local/domain/1/data/t", &err), 0);
    assert_int_equal(f->store.used_nodes, used);
    check_read(&f->store, 1, "/local/domain/1/data/t", NULL, -XEN_ENOENT);
    /* The builder's read-only nodes stay. */
    assert_int_equal(xs_store_rm(&f->store, 1, "/local/domain/1/name", &err), -XEN_EACCES);
}

static void deep_tree_removed_without_recursion(void **state)
{
    struct fx *f = fx_new(2000, 1 << 20);
    static char path[XS_PATH_MAX + 1];
    struct domb_error err;
    size_t len = 0;
    uint32_t used = f->store.used_nodes;

    (void)state;
    /* 1500 levels: "/a/a/a/..." */
    for (int i = 0; i < 1500; i++) {
        path[len++] = '/';
        path[len++] = 'a';
    }
    path[len] = '\0';
    assert_int_equal(xs_store_write(&f->store, 0, path, "deep", 4, &err), 0);
    assert_int_equal(f->store.used_nodes, used + 1500);
    check_read(&f->store, 0, path, "deep", 0);
    assert_int_equal(xs_store_rm(&f->store, 0, "/a", &err), 0);
    assert_int_equal(f->store.used_nodes, used);
    fx_free(f);
}

static void directory_lists_and_offsets(void **state)
{
    struct fx *f = *state;
    struct domb_error err;
    char buf[64];
    uint32_t len;
    bool complete;
    uint64_t gen, gen2;

    assert_int_equal(xs_store_write(&f->store, 0, "/d/beta", "", 0, &err), 0);
    assert_int_equal(xs_store_write(&f->store, 0, "/d/alpha", "", 0, &err), 0);
    assert_int_equal(xs_store_write(&f->store, 0, "/d/c", "", 0, &err), 0);
    assert_int_equal(
        xs_store_directory(&f->store, 0, "/d", 0, buf, sizeof(buf), &len, &complete, &gen, &err),
        0);
    assert_true(complete);
    assert_int_equal(len, 13);
    assert_memory_equal(buf, "beta\0alpha\0c\0", 13); /* creation order */
    assert_int_equal(
        xs_store_directory(&f->store, 0, "/d", 5, buf, 7, &len, &complete, &gen2, &err), 0);
    assert_false(complete);
    assert_int_equal(len, 6);
    assert_memory_equal(buf, "alpha\0", 6);
    assert_int_equal(gen, gen2);
    assert_int_equal(xs_store_rm(&f->store, 0, "/d/c", &err), 0);
    assert_int_equal(
        xs_store_directory(&f->store, 0, "/d", 99, buf, 7, &len, &complete, &gen2, &err), 0);
    assert_true(complete);
    assert_int_equal(len, 0);
    assert_true(gen2 > gen);
    assert_int_equal(
        xs_store_directory(&f->store, 0, "/nope", 0, buf, 7, &len, &complete, &gen2, &err),
        -XEN_ENOENT);
}

/* What libxl__domain_make and libxl__build_post write for a PV domain
 * (Xen 4.17), with their permissions: roperm n0,r<id>, rwperm n<id>,
 * noperm n0, and what dom0's writes inherit. */
static void introduce_publishes_domain(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    /* node, value, permissions (NULL: absent) */
    static const char *const want[][3] = {
        {"/local/domain/1", "", "n0,r1"},
        {"/local/domain/1/vm", "/vm/00000000-0000-0000-0000-000000000001", "n0,r1"},
        {"/local/domain/1/name", "guest1", "n0,r1"},
        {"/local/domain/1/domid", "1", "n0,r1"},
        {"/local/domain/1/memory", "", "n0,r1"},
        {"/local/domain/1/memory/target", "65536", "n0,r1"},
        {"/local/domain/1/memory/static-max", "65536", "n0,r1"},
        {"/local/domain/1/cpu", "", "n0,r1"},
        {"/local/domain/1/cpu/0/availability", "online", "n0,r1"},
        {"/local/domain/1/cpu/1/availability", "online", "n0,r1"},
        {"/local/domain/1/cpu/2/availability", NULL, NULL},
        {"/local/domain/1/console", "", "n1"},
        {"/local/domain/1/console/ring-ref", "4660", "n0,r1"},
        {"/local/domain/1/console/port", "3", "n0,r1"},
        {"/local/domain/1/console/limit", "1048576", "n0,r1"},
        {"/local/domain/1/console/type", "xenconsoled", "n0,r1"},
        {"/local/domain/1/control", "", "n0,r1"},
        {"/local/domain/1/control/shutdown", "", "n1"},
        {"/local/domain/1/control/feature-poweroff", "", "n1"},
        {"/local/domain/1/control/feature-reboot", "", "n1"},
        {"/local/domain/1/control/feature-suspend", "", "n1"},
        {"/local/domain/1/control/sysrq", "", "n1"},
        {"/local/domain/1/control/platform-feature-multiprocessor-suspend", "1", "n0,r1"},
        {"/local/domain/1/control/platform-feature-xs_reset_watches", "1", "n0,r1"},
        {"/local/domain/1/device", "", "n0,r1"},
        {"/local/domain/1/device/suspend", "", "n0,r1"},
        {"/local/domain/1/device/suspend/event-channel", "", "n1"},
        {"/local/domain/1/data", "", "n1"},
        {"/local/domain/1/drivers", "", "n1"},
        {"/local/domain/1/feature", "", "n1"},
        {"/local/domain/1/attr", "", "n1"},
        {"/local/domain/1/error", "", "n1"},
        {"/local/domain/1/libxl", NULL, NULL}, /* driver domains only */
        {"/local/domain/1/device-model", NULL, NULL},
        {"/local/domain/1/store/port", NULL, NULL}, /* no store port given */
        {"/vm/00000000-0000-0000-0000-000000000001", "", "n0,r1"},
        {"/vm/00000000-0000-0000-0000-000000000001/uuid", "00000000-0000-0000-0000-000000000001",
         "n0,r1"},
        {"/vm/00000000-0000-0000-0000-000000000001/name", "guest1", "n0,r1"},
        {"/libxl/1", "", "n0"},
        {"/libxl/1/device", "", "n0"},
        {"/libxl/1/type", "pv", "n0"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        const char *path = want[i][0];
        bool mine = want[i][2] && strcmp(want[i][2], "n1") == 0;
        bool readable = want[i][2] && (mine || strstr(want[i][2], "r1"));

        check_read(s, 0, path, want[i][1], want[i][1] ? 0 : -XEN_ENOENT);
        if (!want[i][2])
            continue;
        check_perms(s, path, want[i][2]);
        check_read(s, 1, path, readable ? want[i][1] : NULL, readable ? 0 : -XEN_EACCES);
        /* The guest may write exactly the nodes it owns, the other guest none. */
        assert_int_equal(xs_store_write(s, 1, path, "", 0, NULL), mine ? 0 : -XEN_EACCES);
        assert_int_equal(xs_store_write(s, 2, path, "", 0, NULL), -XEN_EACCES);
        check_read(s, 2, path, NULL, -XEN_EACCES);
    }
    /* Nothing new directly under its home: the directories are the toolstack's. */
    assert_int_equal(xs_store_write(s, 1, "/local/domain/1/mine", "x", 1, NULL), -XEN_EACCES);
    assert_int_equal(xs_store_write(s, 1, "/local/domain/1/data/mine", "x", 1, NULL), 0);
    check_read(s, 1, "/local/domain/0/name", "Domain-0", 0);
    check_perms(s, "/local/domain/0/name", "r0");
    assert_true(xs_store_domain_introduced(s, 1));
    assert_false(xs_store_domain_introduced(s, 7));
}

/* Given fields: uuid, static-max, type, driver domain, store port. */
static void introduce_optional_fields(void **state)
{
    struct fx *f = *state;
    struct xs_store *s = &f->store;
    struct domb_error err;
    struct xs_domain_info info = {
        .domid = 9,
        .name = "dd",
        .mem_kib = 1024,
        .max_mem_kib = 4096,
        .vcpus = 1,
        .uuid = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8},
        .type = "pvh",
        .driver_domain = true,
        .store_port = 4,
        .store_mfn = 77};
    uint32_t before = xs_store_node_count(s);

    assert_int_equal(xs_store_domain_introduce(s, &info, &err), 0);
    check_read(s, 9, "/local/domain/9/vm", "/vm/12345678-9abc-def0-0102-030405060708", 0);
    check_read(s, 9, "/vm/12345678-9abc-def0-0102-030405060708/uuid",
               "12345678-9abc-def0-0102-030405060708", 0);
    check_read(s, 9, "/local/domain/9/memory/static-max", "4096", 0);
    check_read(s, 9, "/local/domain/9/memory/target", "1024", 0);
    check_read(s, 0, "/libxl/9/type", "pvh", 0);
    check_read(s, 9, "/libxl/9/type", NULL, -XEN_EACCES);
    check_perms(s, "/local/domain/9/libxl", "n9");
    check_perms(s, "/local/domain/9/device-model", "n9");
    check_read(s, 9, "/local/domain/9/store/port", "4", 0);
    check_read(s, 9, "/local/domain/9/store/ring-ref", "77", 0);
    check_perms(s, "/local/domain/9/store/port", "n0,r9");
    /* Release takes every node of it away again. */
    assert_int_equal(xs_store_domain_release(s, 9, &err), 0);
    assert_int_equal(xs_store_node_count(s), before);
    check_read(s, 0, "/vm/12345678-9abc-def0-0102-030405060708", NULL, -XEN_ENOENT);
    check_read(s, 0, "/libxl/9", NULL, -XEN_ENOENT);
    info.type = "hvm";
    assert_int_equal(xs_store_domain_introduce(s, &info, &err), -XEN_EINVAL);
    assert_non_null(strstr(err.msg, "hvm"));
    assert_int_equal(xs_store_node_count(s), before);
}

/* A store too small for a domain's nodes: nothing of it is left. */
static void introduce_is_all_or_nothing(void **state)
{
    struct fx *f = fx_new(100, 1 << 17);
    struct domb_error err;
    struct xs_domain_info info = {.domid = 5, .name = "big", .vcpus = 64};
    uint32_t before = xs_store_node_count(&f->store);

    (void)state;
    assert_int_equal(xs_store_domain_introduce(&f->store, &info, &err), -XEN_ENOSPC);
    assert_false(xs_store_domain_introduced(&f->store, 5));
    assert_int_equal(xs_store_node_count(&f->store), before);
    check_read(&f->store, 0, "/local/domain/5", NULL, -XEN_ENOENT);
    check_read(&f->store, 0, "/vm/00000000-0000-0000-0000-000000000005", NULL, -XEN_ENOENT);
    check_read(&f->store, 0, "/libxl/5", NULL, -XEN_ENOENT);
    assert_true(xs_store_index_ok(&f->store));
    fx_free(f);
}

static void introduce_checks_input(void **state)
{
    struct fx *f = *state;
    struct domb_error err;
    struct xs_domain_info info = {.domid = 1, .name = "again", .vcpus = 1};

    assert_int_equal(xs_store_domain_introduce(&f->store, &info, &err), -XEN_EEXIST);
    assert_non_null(strstr(err.msg, "already"));
    info.domid = 0;
    assert_int_equal(xs_store_domain_introduce(&f->store, &info, &err), -XEN_EINVAL);
    info.domid = 5;
    info.name = "";
    assert_int_equal(xs_store_domain_introduce(&f->store, &info, &err), -XEN_EINVAL);
    info.name = "five";
    info.store_port = 7;
    info.store_mfn = 99;
    assert_int_equal(xs_store_domain_introduce(&f->store, &info, &err), 0);
    check_read(&f->store, 5, "/local/domain/5/store/port", "7", 0);
    check_read(&f->store, 5, "/local/domain/5/store/ring-ref", "99", 0);
}

static void release_removes_domain(void **state)
{
    struct fx *f = *state;
    struct domb_error err;
    const struct xs_perm shared[2] = {{2, XS_PERM_NONE}, {1, XS_PERM_READ}};
    struct xs_perm perms[XS_PERMS_MAX];
    unsigned int n;
    uint32_t used = f->store.used_nodes;

    /* Domain 2 owns a node outside its home that domain 1 may read. */
    assert_int_equal(xs_store_write(&f->store, 0, "/shared/x", "1", 1, &err), 0);
    assert_int_equal(xs_store_set_perms(&f->store, 0, "/shared/x", shared, 2, &err), 0);
    assert_int_equal(xs_store_domain_release(&f->store, 2, &err), 0);
    check_read(&f->store, 0, "/local/domain/2", NULL, -XEN_ENOENT);
    assert_false(xs_store_domain_introduced(&f->store, 2));
    assert_true(f->store.used_nodes < used);
    assert_int_equal(xs_store_get_perms(&f->store, 0, "/shared/x", perms, &n, &err), 0);
    assert_int_equal(perms[0].domid, 0); /* handed to dom0 */
    check_read(&f->store, 1, "/shared/x", "1", 0);
    assert_int_equal(xs_store_domain_release(&f->store, 2, &err), -XEN_ENOENT);
    /* A new domain 2 starts clean. */
    struct xs_domain_info info = {.domid = 2, .name = "again", .vcpus = 1};
    assert_int_equal(xs_store_domain_introduce(&f->store, &info, &err), 0);
    check_read(&f->store, 2, "/local/domain/2/name", "again", 0);
    check_read(&f->store, 2, "/shared/x", NULL, -XEN_EACCES);
}

/* The domain table and the child index with the most domains the store
 * tracks: every one introduced, readable, then released in a scattered
 * order and introduced again; the index stays exact throughout. */
static void many_domains(void **state)
{
    struct fx *f = fx_new(65536, 8u << 20);
    struct domb_error err;
    char path[64], name[16];
    const char *v;
    uint32_t len, base = f->store.used_nodes;

    (void)state;
    assert_true(xs_store_index_ok(&f->store));
    /* The fixture's guests (1 and 2) go first, so d = 10.. fill the rest. */
    assert_int_equal(xs_store_domain_release(&f->store, 1, &err), 0);
    assert_int_equal(xs_store_domain_release(&f->store, 2, &err), 0);
    assert_int_equal(f->store.domains_used, 0);
    base = f->store.used_nodes;
    for (unsigned int d = 10; d < 10 + XS_DOMAINS_MAX; d++) {
        snprintf(name, sizeof(name), "vm%u", d);
        struct xs_domain_info info = {.domid = (domid_t)d, .name = name, .vcpus = 1};
        if (xs_store_domain_introduce(&f->store, &info, &err) != 0)
            fail_msg("domain %u: %s", d, err.msg);
    }
    assert_true(xs_store_index_ok(&f->store));
    struct xs_domain_info one_more = {.domid = 7, .name = "late", .vcpus = 1};
    assert_int_equal(xs_store_domain_introduce(&f->store, &one_more, &err), -XEN_ENOSPC);
    assert_non_null(strstr(err.msg, "domains"));
    assert_false(xs_store_domain_introduced(&f->store, 7));
    check_read(&f->store, 0, "/local/domain/7", NULL, -XEN_ENOENT);
    for (unsigned int d = 10; d < 10 + XS_DOMAINS_MAX; d += 97) {
        snprintf(path, sizeof(path), "/local/domain/%u/name", d);
        snprintf(name, sizeof(name), "vm%u", d);
        assert_int_equal(xs_store_read(&f->store, (domid_t)d, path, &v, &len, &err), 0);
        assert_int_equal(len, strlen(name));
        assert_memory_equal(v, name, len);
    }
    for (unsigned int i = 0; i < XS_DOMAINS_MAX; i++) {
        unsigned int d = 10 + (i * 389) % XS_DOMAINS_MAX; /* 389 is prime: every one once */
        assert_int_equal(xs_store_domain_release(&f->store, (domid_t)d, &err), 0);
        assert_false(xs_store_domain_introduced(&f->store, (domid_t)d));
    }
    assert_true(xs_store_index_ok(&f->store));
    assert_int_equal(f->store.domains_used, 0);
    /* Only the empty /local/domain parents are left. */
    assert_true(f->store.used_nodes <= base + 2);
    assert_int_equal(xs_store_domain_introduce(&f->store, &one_more, &err), 0);
    check_read(&f->store, 7, "/local/domain/7/name", "late", 0);
    /* 7 took the slot domain 10 had: 10 must not find it. */
    assert_false(xs_store_domain_introduced(&f->store, 10));
    assert_true(xs_store_index_ok(&f->store));
    fx_free(f);
}

static void error_names(void **state)
{
    (void)state;
    assert_string_equal(xs_error_name(-XEN_ENOENT), "ENOENT");
    assert_string_equal(xs_error_name(-XEN_E2BIG), "E2BIG");
    assert_string_equal(xs_error_name(-XEN_EACCES), "EACCES");
    assert_string_equal(xs_error_name(-XEN_EPERM), "EPERM");
    assert_string_equal(xs_error_name(-XEN_EFAULT), "EINVAL");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(init_rejects_small_arena),
    cmocka_unit_test_setup_teardown(root_is_private, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(write_read_and_parents, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(value_and_path_limits, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(bad_paths_rejected, fx_setup, fx_teardown),
    cmocka_unit_test(node_limit_enospc),
    cmocka_unit_test(heap_compaction_reuses_space),
    cmocka_unit_test_setup_teardown(domain_node_quota, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(owner_and_others, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(perm_entries_grant_access, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(missing_node_errors_hide_other_trees, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(set_perms_rules, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(rm_rules, fx_setup, fx_teardown),
    cmocka_unit_test(deep_tree_removed_without_recursion),
    cmocka_unit_test_setup_teardown(directory_lists_and_offsets, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(introduce_publishes_domain, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(introduce_optional_fields, fx_setup, fx_teardown),
    cmocka_unit_test(introduce_is_all_or_nothing),
    cmocka_unit_test_setup_teardown(introduce_checks_input, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(release_removes_domain, fx_setup, fx_teardown),
    cmocka_unit_test(many_domains),
    cmocka_unit_test(error_names),
};

DOMB_TEST_MAIN(tests)
