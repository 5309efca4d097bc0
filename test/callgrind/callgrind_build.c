/*
 * callgrind_build: the host-side cost of one 64 MiB PV64 build.
 *
 * Builds a generated kernel (256 KiB of text, data + BSS, the Xen notes of
 * ours) into a 64 MiB guest of the simulated hypervisor. Run under
 * `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=builder_build
 * --toggle-collect='sim_*'` (run-callgrind does), it counts the instructions
 * the builder itself executes, without the simulator's. The builder reads its
 * optional clock (xenops.now_ns) once per phase change; this program's clock
 * asks callgrind to dump its counters there, so each dump holds one phase;
 * a last dump after builder_build returns closes the start phase.
 * Outside valgrind the client requests do nothing and it just builds.
 */
#include "builder/core/elf_writer.h"
#include "sim.h"

#include <builder/build.h>
#include <stdio.h>
#include <stdlib.h>
#include <valgrind/callgrind.h>

static uint64_t clock_readings;

/* Each reading closes the phase that just ended (see run-callgrind). */
static uint64_t phase_clock(void *ctx)
{
    (void)ctx;
    CALLGRIND_DUMP_STATS_AT("phase");
    return ++clock_readings;
}

int main(int argc, char **argv)
{
    static struct ew w;
    struct ew_out out;
    struct elf_image img;
    struct domb_error err;
    struct builder_result res;
    struct xenops ops;
    uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 0) : 64;
    struct sim_config cfg = {
        .nr_frames = 1u << 16, .self = 0, .privileged = true, .max_extent_order = 9};
    struct sim *s = sim_create(&cfg);
    struct builder_request req;
    int rc;

    ew_init_empty(&w);
    w.e_entry = EW_ENTRY;
    ew_load(&w, EW_TEXT, 256 * 1024, 256 * 1024, EW_PF_R | EW_PF_X);
    ew_load(&w, EW_TEXT + 0x41400, 0x2000, 0x20000, EW_PF_R | EW_PF_W);
    w.ph[w.nph++] = (struct ew_phdr){.type = EW_PT_NOTE, .flags = EW_PF_R};
    ew_default_notes(&w, 0);
    ew_build(&w, &out);
    if (!s || elf_parse(&img, out.buf, out.size, &err) != 0) {
        fprintf(stderr, "callgrind_build: cannot set up: %s\n", s ? err.msg : "no simulator");
        return 2;
    }
    sim_ops(s, &ops);
    ops.now_ns = phase_clock;
    req = (struct builder_request){.kernel = &img,
                                   .mem_kib = mib * 1024,
                                   .max_vcpus = 1,
                                   .max_extent_order = 9,
                                   .cmdline = "console=hvc0"};
    /* Entering and leaving a sim_* function toggles collection on and off
     * again outside the build too (sim_create): forget those counts. */
    CALLGRIND_ZERO_STATS;
    rc = builder_build(&ops, &req, &res, &err);
    CALLGRIND_DUMP_STATS_AT("end of build");
    if (rc) {
        fprintf(stderr, "callgrind_build: build failed: %s\n", err.msg);
        return 1;
    }
    printf("built a %llu MiB guest: domain %u, %llu pages, %llu clock readings\n",
           (unsigned long long)mib, res.domid, (unsigned long long)res.nr_pages,
           (unsigned long long)clock_readings);
    sim_destroy(s);
    free(out.buf);
    return 0;
}
