# Benchmarks (docs/performance.md): `cmake --workflow --preset bench`.
#
# The host-side instruction-count check (test/callgrind, ctest label `perf`)
# is read at the end of the top-level CMakeLists, once testing is enabled.
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL include
    ${CMAKE_SOURCE_DIR}/test/callgrind/callgrind.cmake)

# `bench`: the xl baseline (its image cached in bench-cache), domB's guest,
# Linux and scale boots, and the report, in one invocation. The guests include a PVH
# one (the hello image as PVH, 32 MiB) on both sides: the report's PVH rows.
# Both sides boot Xen with bootscrub=on (see docs/performance.md: otherwise
# domB's first builds pay for scrubbing memory Xen has not scrubbed yet).
# Each step goes on when an earlier one fails, so the report says what is
# missing (hence no VERBATIM: `|| true` and the redirection go to the shell).
set(DOMB_BENCH_DIR ${CMAKE_BINARY_DIR}/bench)
set(DOMB_BENCH_XEN_EXTRA "bootscrub=on" CACHE STRING "Xen options added for the benchmarks")
set(DOMB_BENCH_RUNS 3 CACHE STRING "Runs per guest in the benchmarks")
set(DOMB_BENCH_SCALE "1,10,100,1000" CACHE STRING "VM counts of the scale boots")
# Debian's stock kernel, streamed and staged (issue 15): the linux
# integration tests' fixture, when it is there.
set(DOMB_BENCH_LINUX ${CMAKE_BINARY_DIR}/linux-cache)
add_custom_target(bench
    COMMAND ${CMAKE_COMMAND} -E make_directory ${DOMB_BENCH_DIR}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${DOMB_BENCH_DIR}/xl.json ${DOMB_BENCH_DIR}/domb.json
    COMMAND ${CMAKE_SOURCE_DIR}/tools/bench/run-xl-baseline ${CMAKE_BINARY_DIR}/bench-cache
            ${DOMB_BENCH_DIR}/xl.json --guests ${DOMB_GUEST_DIR} --runs ${DOMB_BENCH_RUNS}
            --xen-extra ${DOMB_BENCH_XEN_EXTRA} --log ${DOMB_BENCH_DIR}/xl-console.log || true
    COMMAND ${CMAKE_SOURCE_DIR}/tools/bench/run-domb-bench ${DOMB_BENCH_DIR}/domb.json
            --images ${DOMB_GUEST_DIR} --pack $<TARGET_FILE:domb-pack>
            --db-boot ${DOMB_IMAGE_DIR}/builder/main/db-boot --runs ${DOMB_BENCH_RUNS}
            --scale ${DOMB_BENCH_SCALE} --scale-mib 4 --xen-extra ${DOMB_BENCH_XEN_EXTRA}
            --linux ${DOMB_BENCH_LINUX}/vmlinuz --linux-ramdisk ${DOMB_BENCH_LINUX}/initramfs.cpio
            --work ${DOMB_BENCH_DIR}/domb || true
    COMMAND ${CMAKE_SOURCE_DIR}/test/callgrind/run-callgrind $<TARGET_FILE:callgrind_build>
            ${CMAKE_SOURCE_DIR}/test/callgrind/baseline.txt --work ${DOMB_BENCH_DIR}
            > ${DOMB_BENCH_DIR}/callgrind.txt 2>&1 || true
    COMMAND ${CMAKE_SOURCE_DIR}/tools/bench/bench-report ${DOMB_BENCH_DIR}/domb.json
            ${DOMB_BENCH_DIR} --xl ${DOMB_BENCH_DIR}/xl.json
            --callgrind ${DOMB_BENCH_DIR}/callgrind.txt
    DEPENDS freestanding domb-pack callgrind_build
    USES_TERMINAL
    COMMENT "Benchmarks: xl baseline, domB, report in ${DOMB_BENCH_DIR}/report.md")

# `bench-scrub` (issue 15): power-on to "every VM started" for the demo set
# and 100 hello VMs, with Xen's default scrubbing (bootscrub=idle) and with
# bootscrub=on, 2 runs each (docs/performance.md, "Scrubbing"): about 10
# minutes; writes build/bench/scrub.json, the logs in build/bench/scrub/.
add_custom_target(bench-scrub
    COMMAND ${CMAKE_COMMAND} -E make_directory ${DOMB_BENCH_DIR}
    COMMAND ${CMAKE_SOURCE_DIR}/tools/bench/run-scrub-bench ${DOMB_BENCH_DIR}/scrub.json
            --pack $<TARGET_FILE:domb-pack> --db-boot ${DOMB_IMAGE_DIR}/builder/main/db-boot
            --images ${DOMB_GUEST_DIR} --demo ${DOMB_SET_DIR}/demo.cpio --runs 2 --vms 100
            --work ${DOMB_BENCH_DIR}/scrub
    DEPENDS freestanding domb-pack set-demo
    USES_TERMINAL
    COMMENT "Scrubbing: power-on to every VM started, bootscrub idle against on")
