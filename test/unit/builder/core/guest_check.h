/*
 * The guest model check: after a build in the simulator, look at the new
 * guest the way its kernel will on its first instruction. Page tables are
 * walked from cr3 exactly as the CPU walks them (4 levels, permissions
 * accumulated), and everything start_info promises is checked to be mapped
 * where it says, with the right permissions and contents. Fails the current
 * cmocka test on the first mismatch.
 */
#ifndef TEST_GUEST_CHECK_H
#define TEST_GUEST_CHECK_H

#include <builder/build.h>
#include <sim.h>

struct guest_expect {
    const struct elf_image *img;
    const void *ramdisk;
    uint64_t ramdisk_size;
    const char *cmdline;
    domid_t backend;
};

void guest_check(struct sim *s, const struct builder_result *res, const struct guest_expect *e);

#endif
