/* db-boot gives back to Xen the initramfs pages of images nothing will
 * build from again (issue 15; platform_give_back_images). */
#include "domb_test.h"

#include "dom0_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELAY    MANIFEST_FLAG_CONSOLE_RELAY
#define RD_BYTES (64 * 1024 + 123) /* not a whole number of pages */
#define RD_PAGES 15                /* at least this many whole pages inside it */

static struct dfx *f;
static struct dfx_bootset *b;
static uint8_t rd_once[RD_BYTES], rd_shared[RD_BYTES];

static int setup(void **state)
{
    (void)state;
    f = dfx_create(NULL);
    memset(rd_once, 0x11, sizeof(rd_once));
    memset(rd_shared, 0x22, sizeof(rd_shared));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dfx_free(f);
    dfx_bootset_free(b);
    f = NULL;
    b = NULL;
    return 0;
}

static void add_vm(const char *name, const char *ramdisk, enum vm_on_exit on_exit, bool xl_reboot)
{
    struct vm_config cfg;

    dfx_config(&cfg, name, "k.elf", 16);
    snprintf(cfg.ramdisk, sizeof(cfg.ramdisk), "%s%s", BOOTSET_IMAGE_DIR, ramdisk);
    cfg.on_exit = on_exit;
    if (xl_reboot) { /* xl's default: a reboot restarts */
        cfg.on_reason_set = 1u << VM_REASON_REBOOT;
        cfg.on_reason[VM_REASON_REBOOT] = VM_ON_EXIT_RESTART;
    }
    dfx_bootset_vm(b, &cfg);
}

/*
 * once: destroyed whatever happens, its own ramdisk; kept: restarts on
 * reboot (xl's default), shares a ramdisk with also: destroyed whatever
 * happens. The kernel all three share stays (kept needs it), once's
 * ramdisk goes, the shared one stays.
 */
static void boot_three(void)
{
    b = dfx_bootset_new(MANIFEST_MODE_STARTALL, RELAY, MANIFEST_DONE_WAIT);
    dfx_bootset_kernel(b, "k.elf");
    dfx_bootset_image(b, "once.rd", rd_once, sizeof(rd_once));
    dfx_bootset_image(b, "shared.rd", rd_shared, sizeof(rd_shared));
    add_vm("once", "once.rd", VM_ON_EXIT_DESTROY, false);
    add_vm("kept", "shared.rd", VM_ON_EXIT_DESTROY, true);
    add_vm("also", "shared.rd", VM_ON_EXIT_PRESERVE, false);
    assert_int_equal(dfx_boot(f, b, NULL), 0);
}

static const struct bootset_vm *set_vm(const char *name)
{
    for (unsigned int i = 0; i < f->p->set.nr_vms; i++)
        if (strcmp(f->p->set.vms[i].config.name, name) == 0)
            return &f->p->set.vms[i];
    fail_msg("no VM %s in the boot set", name);
    return NULL;
}

static void only_what_nothing_needs_goes(void **state)
{
    struct platform_given_back g;
    const struct bootset_vm *once, *kept, *also;
    const uint8_t *rd;
    uintptr_t first, last;

    (void)state;
    boot_three();
    once = set_vm("once");
    rd = once->ramdisk;
    assert_int_equal(platform_give_back_images(f->p, &g), 0);
    assert_int_equal(g.images, 1);
    assert_int_equal(g.vms, 1);
    assert_true(g.pages >= RD_PAGES);
    assert_int_equal(sim_given_back(f->sim), g.pages);
    assert_int_equal(g.xen_free_after - g.xen_free_before, g.pages);
    /* Only whole pages inside its data went: the bytes around stay. */
    first = ((uintptr_t)rd + 4095) & ~(uintptr_t)4095;
    last = ((uintptr_t)rd + RD_BYTES) & ~(uintptr_t)4095;
    assert_int_equal((last - first) / 4096, g.pages);
    assert_memory_equal(rd, rd_once, first - (uintptr_t)rd);
    assert_memory_equal((const void *)last, rd_once, (uintptr_t)rd + RD_BYTES - last);
    /* It can no longer be built; the others can. */
    assert_int_equal(once->status, -XEN_ENOENT);
    assert_non_null(strstr(once->error.msg, "given back to Xen after boot"));
    kept = set_vm("kept");
    also = set_vm("also");
    assert_int_equal(kept->status, 0);
    assert_int_equal(also->status, 0);
    assert_memory_equal(kept->ramdisk, rd_shared, RD_BYTES);
    assert_null(dfx_vm(f, "once")->kernel_image);
    assert_non_null(dfx_vm(f, "kept")->kernel_image);
    /* A second time there is nothing more to give. */
    assert_int_equal(platform_give_back_images(f->p, &g), 0);
    assert_int_equal(g.images, 0);
    assert_int_equal(g.pages, 0);
}

/* Rebuilding a VM whose images went says why, and builds nothing. */
static void a_rebuild_after_give_back_says_why(void **state)
{
    struct platform_given_back g;
    struct vm *once;
    unsigned int domains;

    (void)state;
    boot_three();
    assert_int_equal(platform_give_back_images(f->p, &g), 0);
    once = dfx_vm(f, "once");
    assert_int_equal(vm_destroy(once), 0);
    domains = sim_nr_domains(f->sim);
    platform_restart(f->p, once);
    dfx_assert_console_has("db: vm 'once' cannot be built again: its images were given back to "
                           "Xen after boot (domb.keep_images=1 on db-boot's command line keeps "
                           "them)");
    assert_int_equal(sim_nr_domains(f->sim), domains);
}

/* A seam that cannot give memory back changes nothing. */
static void without_the_seam_nothing_changes(void **state)
{
    struct platform_given_back g;

    (void)state;
    boot_three();
    f->ops.give_back = NULL;
    assert_int_equal(platform_give_back_images(f->p, &g), -XEN_EOPNOTSUPP);
    assert_int_equal(set_vm("once")->status, 0);
    assert_int_equal(sim_given_back(f->sim), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(only_what_nothing_needs_goes, setup, teardown),
        cmocka_unit_test_setup_teardown(a_rebuild_after_give_back_says_why, setup, teardown),
        cmocka_unit_test_setup_teardown(without_the_seam_nothing_changes, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
